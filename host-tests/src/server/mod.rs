//! Loopback httpbin-like HTTP/1.1 test fixture: `TestServer` (bind, accept loop, connection counting, shutdown).
//!
//! The server owns a private multi-thread tokio runtime on a background thread, so it can be
//! used from plain `#[test]` functions as well as from `#[tokio::test]` ones. It listens on
//! `127.0.0.1:PORT` and, when possible, also on `127.0.0.2:PORT` (a "different host" on the
//! same port, for cross-host redirect tests). Nothing outside the loopback interface is used.
//!
//! Requests are answered by `endpoints` (router, echo/cookie/redirect/auth handlers) and
//! `bodies` (compressed, streamed, delayed and fixed bodies), with shared pieces in `helpers`;
//! `hostile` adds a redirect loop, huge cookies and headers and the like (see its table).
//! [`HostileServer`] (`raw`) is a second server that writes raw bytes, for early answers to
//! uploads, cut connections and malformed framing, which hyper's server will not produce.

mod bodies;
mod digest;
mod endpoints;
mod helpers;
mod hostile;
mod raw;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

pub use raw::HostileServer;

/// A running loopback HTTP test server; it stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    alt_addr: Option<SocketAddr>,
    connections: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Binds `127.0.0.1:0` (plus `127.0.0.2` on the same port if available) and starts serving.
    pub fn start() -> TestServer {
        let main = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = main.local_addr().expect("local addr");
        let alt = std::net::TcpListener::bind(("127.0.0.2", addr.port())).ok();
        let alt_addr = alt.as_ref().and_then(|l| l.local_addr().ok());
        let mut listeners = vec![main];
        listeners.extend(alt);
        for l in &listeners {
            l.set_nonblocking(true).expect("set_nonblocking");
        }

        let connections = Arc::new(AtomicUsize::new(0));
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let counter = connections.clone();
        let port = addr.port();
        let thread = std::thread::Builder::new()
            .name("test-server".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("test-server-worker")
                    .enable_all()
                    .build()
                    .expect("build test server runtime");
                rt.block_on(async move {
                    for l in listeners {
                        let l = tokio::net::TcpListener::from_std(l).expect("tokio listener");
                        tokio::spawn(accept_loop(l, counter.clone(), port));
                    }
                    let _ = shutdown_rx.await;
                });
                rt.shutdown_timeout(Duration::from_secs(1));
            })
            .expect("spawn test server thread");

        TestServer {
            addr,
            alt_addr,
            connections,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.addr.port(), path)
    }

    /// `http://127.0.0.2:PORT{path}`: same server, different host (see [`TestServer::alt_addr`]).
    pub fn alt_url(&self, path: &str) -> String {
        format!("http://127.0.0.2:{}{}", self.addr.port(), path)
    }

    /// The listening port (shared by both listeners).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The primary listening address (`127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `127.0.0.2:PORT` listener address, or `None` if it could not be bound.
    pub fn alt_addr(&self) -> Option<SocketAddr> {
        self.alt_addr
    }

    /// Number of TCP connections accepted so far, over both listeners.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, counter: Arc<AtomicUsize>, port: u16) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        counter.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(async move {
            let service = service_fn(move |req| endpoints::handle(req, port));
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
