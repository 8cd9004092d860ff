//! Loopback httpbin-like HTTP/1.1 test fixture: `TestServer` (bind, accept loop, connection counting, shutdown).
//!
//! The server owns a private multi-thread tokio runtime on a background thread, so it can be
//! used from plain `#[test]` functions as well as from `#[tokio::test]` ones. It listens on
//! `127.0.0.1:PORT` and, when possible, also on `127.0.0.2:PORT` (a "different host" on the
//! same port, for cross-host redirect tests). Nothing outside the loopback interface is used.
//!
//! Requests are answered by `endpoints` (router, echo/cookie/redirect/auth handlers) and
//! `bodies` (compressed, streamed, delayed and fixed bodies), with shared pieces in `helpers`;
//! `hostile` adds a redirect loop, huge cookies and headers and the like (see its table);
//! `state` keeps what a server remembers (the `/flaky` counters, the request log of
//! `/__seen`); `multipart` reads `multipart/form-data` bodies for the echo.
//! [`HostileServer`] (`raw`) is a second server that writes raw bytes, for early answers to
//! uploads, cut connections and malformed framing, which hyper's server will not produce.
//!
//! The same server, as the `fixture-server` binary (`src/bin/fixture-server.rs`), is the
//! fixture of the JavaScript and Python hosts' tests (`examples/js/server.mjs`,
//! `examples/python/loopback_server.py`).
//!
//! | path | answer |
//! |---|---|
//! | `/get` `/post` `/put` `/patch` `/delete` `/headers` `/anything[/...]` | any method: the echo, `{method, url, path, query, args, args_list, headers, headers_list, data, body_len, form, files, parts, json, cookies}` (header names in lower case; see `endpoints::echo`) |
//! | `/upload` | any method: `{method, body_len, sha256, transfer_encoding, content_length, content_type, headers}`, without the body |
//! | `/cookies` | `{"cookies": {...}}` (what the client sent) |
//! | `/cookies/set?n=v...` `/cookies/delete?n...` | one Set-Cookie per pair (deleting: `Max-Age=0`), then `302` to `/cookies` |
//! | `/set-cookie-multi` `/cookies/set-many` | three Set-Cookie headers, one with an `Expires` date (and in the second, one with `Max-Age=3600`) |
//! | `/response-headers?K=V...` | each pair as a response header (`status` sets the status); the body is the pairs |
//! | `/redirect/N` `/absolute-redirect/N` | `302` chain of `N` hops ending at `/get` (relative / absolute `Location`) |
//! | `/redirect-to?url=U&status_code=S` | `S` (default `302`) to `U` |
//! | `/status/N` | that status, empty (`401` with a Basic challenge; no `Location` for a `3xx`) |
//! | `/basic-auth/USER/PASS` `/bearer` | `{"authenticated": true, ...}` or `401` with a challenge |
//! | `/digest-auth/QOP/USER/PASS[/ALGORITHM[/stale-once]]` | RFC 7616 Digest (see `digest`) |
//! | `/gzip` `/deflate` `/deflate-raw` `/brotli` `/zstd` | the echo plus a flag (`gzipped`, `deflated`, `brotli`, `zstd`), so encoded; `?pad=N` adds `pad`, `N` times `x` |
//! | `/bad-gzip` | `Content-Encoding: gzip` on a body that is not gzip |
//! | `/delay/MS` | the echo, after `MS` milliseconds |
//! | `/drip?numbytes=N&delay_ms=D&chunks=C` | `N` bytes `*` in `C` chunks (default: one byte each), `D` ms (default 100) before each |
//! | `/bytes/N[?gzip=1]` `/stream-bytes/N?chunk_size=C[&gzip=1]` | `N` bytes `i % 251`, with a Content-Length / chunked |
//! | `/lines` | `text/plain` lines chunked mid-line: `alpha\r\nbeta\n\ngamma café\r\nlast` |
//! | `/lines/N?chunk_size=C&crlf=1` | `line 0` ... `line N-1`, chunked in `C`-byte pieces (default 7) |
//! | `/stream/N` | `N` JSON lines `{"id": I}`, one chunk each |
//! | `/json` `/html` `/not-json` `/encoding/latin1` `/encoding/sjis` | fixed documents |
//! | `/link` | a `Link` header with `next` and `last` (absolute URLs) |
//! | `/flaky/KEY/N` `/flaky/N?key=KEY` | fails the first `N` requests per key (see `state`) |
//! | `/__seen?marker=M` | the requests logged whose target contains `M` (see `state`) |
//! | `/garbage` | bytes that are not an HTTP response, then a closed connection |
//! | `/loop` `/chain/N` `/hostile/...` | see `hostile` |

mod bodies;
mod digest;
mod endpoints;
mod helpers;
mod hostile;
mod loopback;
mod multipart;
mod raw;
mod state;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use loopback::Loopback;
use state::State;
use tokio::net::TcpStream;

pub use raw::HostileServer;

/// A running loopback HTTP test server; it stops when dropped.
pub struct TestServer(Loopback);

impl TestServer {
    /// Binds `127.0.0.1:0` (plus `127.0.0.2` on the same port if available) and starts serving.
    pub fn start() -> TestServer {
        TestServer::with_state(State::new(false))
    }

    /// As [`TestServer::start`], and keeps the method, target and headers of every request it
    /// receives, for `/__seen?marker=M` (a log that only grows: for a fixture server run by
    /// another process's tests, which can ask it over HTTP what reached the server).
    pub fn start_recording() -> TestServer {
        TestServer::with_state(State::new(true))
    }

    fn with_state(state: State) -> TestServer {
        let state = Arc::new(state);
        TestServer(Loopback::start("test-server", move |stream, port| {
            serve(stream, port, state.clone())
        }))
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

/// One connection, answered by `endpoints` with keep-alive (but a first request for `/garbage`,
/// answered by `raw`).
async fn serve(stream: TcpStream, port: u16, state: Arc<State>) {
    if raw::asks_for_garbage(&stream).await {
        return raw::garbage(stream).await;
    }
    let service = service_fn(move |req| endpoints::handle(req, port, state.clone()));
    let _ = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
