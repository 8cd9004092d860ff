//! [`RawServer`]: a loopback HTTP/1.1 server on plain threads, over TCP or rustls, that
//! counts the connections it accepts and records every request it reads (head and body, with
//! the connection it came on), for what the sockets adapter's pool must get right: keep-alive,
//! idle connections the server closes, a request the server reads and drops, silence.
//!
//! Every request is answered with JSON (`{"method", "target", "conn", "nth", "headers",
//! "body_len", "tls", "client_cert"}`, header names in lower case) and `Content-Length`, on a
//! connection kept alive, unless the [`Mode`] or the path says otherwise:
//!
//! | path | answer |
//! |---|---|
//! | `/silent...` | none: the request is read and the connection held open, unanswered |
//! | `/stall-body...` | a head promising 16 bytes, 4 of them, then nothing (the connection held open) |
//! | anything else | the JSON above |

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often a blocked read looks at the stop flag.
const POLL: Duration = Duration::from_millis(50);
/// The largest request head read.
const MAX_HEAD: usize = 64 << 10;

/// How a [`RawServer`] treats its connections.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// Answers every request and keeps the connection alive; with `idle_close`, closes (FIN)
    /// a connection that has waited that long for its next request.
    KeepAlive { idle_close: Option<Duration> },
    /// Answers the first request of each connection, keeping it alive (no `Connection:
    /// close`), then reads the second request whole (head and body) and closes the connection
    /// without answering: what a server that timed out the connection at that moment does.
    DropSecond,
}

/// One request the server read.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The connection it came on, counted from 1 in accept order.
    pub conn: usize,
    /// Its place on that connection, from 1.
    pub nth: usize,
    pub method: String,
    pub target: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether it was answered (`DropSecond` drops the second; `/silent` is never answered).
    pub answered: bool,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a connection's stream is: plain TCP or rustls over it.
trait Stream: Read + Write + Send {
    fn client_cert(&self) -> bool {
        false
    }
    fn close(&mut self) {}
}

impl Stream for TcpStream {}

impl Stream for rustls::StreamOwned<rustls::ServerConnection, TcpStream> {
    fn client_cert(&self) -> bool {
        self.conn
            .peer_certificates()
            .is_some_and(|certs| !certs.is_empty())
    }

    fn close(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
    }
}

struct Shared {
    mode: Mode,
    tls: bool,
    stop: AtomicBool,
    connections: AtomicUsize,
    /// Connections closed by `idle_close`.
    idle_closes: AtomicUsize,
    seen: Mutex<Vec<Seen>>,
    /// Connections that ended in an error (a TLS handshake the client refused, ...).
    errors: Mutex<Vec<String>>,
}

/// A running loopback server on `127.0.0.1`; it stops when dropped.
pub struct RawServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl RawServer {
    /// A plain-TCP server.
    pub fn start(mode: Mode) -> RawServer {
        RawServer::spawn(mode, None, [127, 0, 0, 1])
    }

    /// A TLS server with this rustls configuration.
    pub fn start_tls(mode: Mode, config: Arc<rustls::ServerConfig>) -> RawServer {
        RawServer::spawn(mode, Some(config), [127, 0, 0, 1])
    }

    /// A TLS server listening on another loopback address (`127.0.0.2`, ...).
    pub fn start_tls_at(mode: Mode, config: Arc<rustls::ServerConfig>, ip: [u8; 4]) -> RawServer {
        RawServer::spawn(mode, Some(config), ip)
    }

    fn spawn(mode: Mode, tls: Option<Arc<rustls::ServerConfig>>, ip: [u8; 4]) -> RawServer {
        let listener = TcpListener::bind(SocketAddr::from((ip, 0)))
            .unwrap_or_else(|err| panic!("bind {ip:?}: {err}"));
        listener.set_nonblocking(true).expect("set_nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            mode,
            tls: tls.is_some(),
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            idle_closes: AtomicUsize::new(0),
            seen: Mutex::new(Vec::new()),
            errors: Mutex::new(Vec::new()),
        });
        let state = shared.clone();
        std::thread::Builder::new()
            .name("sockets-raw-server".into())
            .spawn(move || accept_loop(listener, state, tls))
            .expect("spawn the accept thread");
        RawServer { addr, shared }
    }

    /// `http[s]://127.0.0.1:PORT{path}` (or the address it listens on).
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.shared.tls { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Waits (up to 10 s) until `n` connections in all have been closed for being idle
    /// ([`Mode::KeepAlive`]'s `idle_close`), so a test knows the close happened.
    pub fn wait_for_idle_closes(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.shared.idle_closes.load(Ordering::SeqCst) < n {
            assert!(
                Instant::now() < deadline,
                "the server did not close {n} idle connection(s) within 10 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Every request read so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().expect("the request log").clone()
    }

    /// The requests read so far whose target contains `marker`.
    pub fn seen_with(&self, marker: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.target.contains(marker))
            .collect()
    }

    /// How connections that failed ended (TLS handshakes the client refused, ...).
    pub fn errors(&self) -> Vec<String> {
        self.shared.errors.lock().expect("the error log").clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, tls: Option<Arc<rustls::ServerConfig>>) {
    while !shared.stop.load(Ordering::SeqCst) {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            Err(_) => continue,
        };
        let conn = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
        let shared = shared.clone();
        let tls = tls.clone();
        std::thread::spawn(move || {
            let _ = stream.set_nonblocking(false);
            let _ = stream.set_nodelay(true);
            let _ = stream.set_read_timeout(Some(POLL));
            let stream: Box<dyn Stream> = match tls {
                Some(config) => match rustls::ServerConnection::new(config) {
                    Ok(server) => Box::new(rustls::StreamOwned::new(server, stream)),
                    Err(err) => {
                        shared.log_error(format!("conn {conn}: {err}"));
                        return;
                    }
                },
                None => Box::new(stream),
            };
            let mut connection = Connection {
                stream,
                buf: Vec::new(),
                conn,
                shared: shared.clone(),
            };
            if let Err(err) = connection.serve() {
                shared.log_error(format!("conn {conn}: {err}"));
            }
        });
    }
}

impl Shared {
    fn log_error(&self, message: String) {
        self.errors.lock().expect("the error log").push(message);
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// Why a read for more bytes ended without them.
enum Ended {
    /// The peer closed the connection (or the server is stopping).
    Closed,
    /// The idle deadline passed.
    Idle,
}

struct Connection {
    stream: Box<dyn Stream>,
    buf: Vec<u8>,
    conn: usize,
    shared: Arc<Shared>,
}

impl Connection {
    fn serve(&mut self) -> io::Result<()> {
        for nth in 1.. {
            let idle = match self.shared.mode {
                Mode::KeepAlive { idle_close } if nth > 1 => idle_close,
                _ => None,
            };
            let Some((method, target, headers, body)) = self.read_request(idle)? else {
                // Closed by the client, or idle for too long: close (FIN) with nothing unread.
                self.stream.close();
                return Ok(());
            };
            let drop_it = matches!(self.shared.mode, Mode::DropSecond) && nth >= 2;
            let silent = target.starts_with("/silent");
            let stall = target.starts_with("/stall-body");
            let seen = Seen {
                conn: self.conn,
                nth,
                method: method.clone(),
                target: target.clone(),
                headers: headers.clone(),
                body: body.clone(),
                answered: !drop_it && !silent,
            };
            self.shared.seen.lock().expect("the request log").push(seen);
            if drop_it {
                return Ok(());
            }
            if silent || stall {
                if stall {
                    self.stream.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 16\r\n\r\nfour",
                    )?;
                    self.stream.flush()?;
                }
                // Hold the connection, unanswered, until the client goes or the server stops.
                while let Ok(true) = self.fill(None) {
                    self.buf.clear();
                }
                return Ok(());
            }
            let client_cert = self.stream.client_cert();
            let reply = serde_json::json!({
                "method": method,
                "target": target,
                "conn": self.conn,
                "nth": nth,
                "headers": headers
                    .iter()
                    .map(|(n, v)| (n.clone(), serde_json::Value::from(v.as_str())))
                    .collect::<serde_json::Map<_, _>>(),
                "body_len": body.len(),
                "tls": self.shared.tls,
                "client_cert": client_cert,
            })
            .to_string();
            let close = headers
                .iter()
                .any(|(n, v)| n == "connection" && v.eq_ignore_ascii_case("close"));
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{}\r\n",
                reply.len(),
                if close { "Connection: close\r\n" } else { "" }
            );
            let mut out = head.into_bytes();
            out.extend_from_slice(reply.as_bytes());
            self.stream.write_all(&out)?;
            self.stream.flush()?;
            if close {
                self.stream.close();
                return Ok(());
            }
        }
        Ok(())
    }

    /// Reads more bytes into `buf`: `Ok(true)` if some came, `Ok(false)` if the peer closed,
    /// the server is stopping or `deadline` passed.
    fn fill(&mut self, deadline: Option<Instant>) -> io::Result<bool> {
        self.fill_or_end(deadline).map(|r| r.is_ok())
    }

    fn fill_or_end(&mut self, deadline: Option<Instant>) -> io::Result<Result<(), Ended>> {
        let mut chunk = [0u8; 16 << 10];
        loop {
            if self.shared.stopping() {
                return Ok(Err(Ended::Closed));
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(Err(Ended::Closed)),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(Ok(()));
                }
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Ok(Err(Ended::Idle));
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::ConnectionReset | io::ErrorKind::UnexpectedEof
                    ) =>
                {
                    return Ok(Err(Ended::Closed))
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Reads one request; `None` if the connection closed first (or stayed idle past `idle`,
    /// counted from now, before its first byte).
    #[allow(clippy::type_complexity)]
    fn read_request(
        &mut self,
        idle: Option<Duration>,
    ) -> io::Result<Option<(String, String, Vec<(String, String)>, Vec<u8>)>> {
        let idle_deadline = idle.map(|d| Instant::now() + d);
        let head_end = loop {
            if let Some(at) = find(&self.buf, b"\r\n\r\n") {
                break at;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(io::Error::other("request head too long"));
            }
            let deadline = if self.buf.is_empty() {
                idle_deadline
            } else {
                None
            };
            match self.fill_or_end(deadline)? {
                Ok(()) => {}
                Err(Ended::Idle) if self.buf.is_empty() => {
                    self.shared.idle_closes.fetch_add(1, Ordering::SeqCst);
                    return Ok(None);
                }
                Err(Ended::Closed) if self.buf.is_empty() => return Ok(None),
                Err(_) => return Err(io::Error::other("the connection ended inside a head")),
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        self.buf.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let line = lines.next().unwrap_or_default();
        let mut parts = line.split(' ');
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let body = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            loop {
                if let Some((body, used)) = dechunk(&self.buf)? {
                    self.buf.drain(..used);
                    break body;
                }
                if !self.fill(None)? {
                    return Err(io::Error::other(
                        "the connection ended inside a chunked body",
                    ));
                }
            }
        } else {
            let length: usize = header("content-length")
                .map(|v| {
                    v.parse()
                        .map_err(|_| io::Error::other("bad content-length"))
                })
                .transpose()?
                .unwrap_or(0);
            while self.buf.len() < length {
                if !self.fill(None)? {
                    return Err(io::Error::other("the connection ended inside a body"));
                }
            }
            self.buf.drain(..length).collect()
        };
        Ok(Some((method, target, headers, body)))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A whole chunked body at the start of `buf` (trailers skipped): the body and the bytes it
/// took, or `None` if more is needed.
fn dechunk(buf: &[u8]) -> io::Result<Option<(Vec<u8>, usize)>> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let Some(eol) = find(&buf[at..], b"\r\n") else {
            return Ok(None);
        };
        let size_text = String::from_utf8_lossy(&buf[at..at + eol]).into_owned();
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| io::Error::other(format!("bad chunk size {size_text:?}")))?;
        at += eol + 2;
        if size == 0 {
            // Trailers, up to an empty line.
            loop {
                let Some(eol) = find(&buf[at..], b"\r\n") else {
                    return Ok(None);
                };
                at += eol + 2;
                if eol == 0 {
                    return Ok(Some((body, at)));
                }
            }
        }
        if buf.len() < at + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&buf[at..at + size]);
        at += size + 2;
    }
}
