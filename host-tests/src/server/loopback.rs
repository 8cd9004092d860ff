//! What both fixture servers share: listeners on `127.0.0.1:PORT` (and `127.0.0.2:PORT` when it
//! can be bound), a private multi-thread tokio runtime on a background thread, an accept loop
//! that counts connections, and a shutdown when dropped.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// A running loopback listener pair; it stops when dropped.
pub(super) struct Loopback {
    pub(super) addr: SocketAddr,
    pub(super) alt_addr: Option<SocketAddr>,
    connections: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Loopback {
    /// Binds `127.0.0.1:0` (plus `127.0.0.2` on the same port if available) and hands every
    /// accepted connection, with the port, to `serve`, on a thread named `name`.
    pub(super) fn start<F, Fut>(name: &str, serve: F) -> Loopback
    where
        F: Fn(TcpStream, u16) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
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
        let counter = connections.clone();
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let port = addr.port();
        let worker_name = format!("{name}-worker");
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name(worker_name)
                    .enable_all()
                    .build()
                    .expect("build the server runtime");
                rt.block_on(async move {
                    for l in listeners {
                        let l = tokio::net::TcpListener::from_std(l).expect("tokio listener");
                        tokio::spawn(accept_loop(l, counter.clone(), port, serve.clone()));
                    }
                    let _ = shutdown_rx.await;
                });
                rt.shutdown_timeout(Duration::from_secs(1));
            })
            .expect("spawn the server thread");
        Loopback {
            addr,
            alt_addr,
            connections,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        }
    }

    /// Number of TCP connections accepted so far, over both listeners.
    pub(super) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn accept_loop<F, Fut>(
    listener: tokio::net::TcpListener,
    counter: Arc<AtomicUsize>,
    port: u16,
    serve: F,
) where
    F: Fn(TcpStream, u16) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        counter.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(serve(stream, port));
    }
}
