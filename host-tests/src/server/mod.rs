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
mod loopback;
mod raw;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use loopback::Loopback;
use tokio::net::TcpStream;

pub use raw::HostileServer;

/// A running loopback HTTP test server; it stops when dropped.
pub struct TestServer(Loopback);

impl TestServer {
    /// Binds `127.0.0.1:0` (plus `127.0.0.2` on the same port if available) and starts serving.
    pub fn start() -> TestServer {
        TestServer(Loopback::start("test-server", serve))
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.0.addr.port(), path)
    }

    /// `http://127.0.0.2:PORT{path}`: same server, different host (see [`TestServer::alt_addr`]).
    pub fn alt_url(&self, path: &str) -> String {
        format!("http://127.0.0.2:{}{}", self.0.addr.port(), path)
    }

    /// The listening port (shared by both listeners).
    pub fn port(&self) -> u16 {
        self.0.addr.port()
    }

    /// The primary listening address (`127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.0.addr
    }

    /// The `127.0.0.2:PORT` listener address, or `None` if it could not be bound.
    pub fn alt_addr(&self) -> Option<SocketAddr> {
        self.0.alt_addr
    }

    /// Number of TCP connections accepted so far, over both listeners.
    pub fn connections(&self) -> usize {
        self.0.connections()
    }
}

/// One connection, answered by `endpoints` with keep-alive.
async fn serve(stream: TcpStream, port: u16) {
    let service = service_fn(move |req| endpoints::handle(req, port));
    let _ = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
