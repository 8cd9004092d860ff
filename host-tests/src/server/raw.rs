//! `HostileServer`: a loopback HTTP/1.1 server that writes raw bytes on a tokio `TcpStream`, for
//! what hyper's server will not produce: answers to an upload before reading its body (closed
//! cleanly or abruptly), connections cut without an answer, and malformed framing.
//!
//! Every connection serves one request and then closes. A *clean* close sends the answer, shuts
//! the write side (FIN) and then reads and discards whatever the client still sends, until it
//! closes too (as a server that lingers does, so the answer is not lost to a reset). An *abrupt*
//! close sets `SO_LINGER` to zero and drops the socket: the kernel answers with a reset (RST) and
//! discards what it had not sent.
//!
//! | path | answer |
//! |---|---|
//! | `/early/STATUS?read=N&close=clean\|abrupt&location=URL` | reads the head and up to `N` body bytes (default 0; fewer if the body is shorter or stalls for 300 ms), answers `STATUS` (`307`/`308` with `Location: URL`, default `/elsewhere`; `401` with a Basic challenge), closes |
//! | `/cut?read=N&close=clean\|abrupt` | reads the head and up to `N` body bytes, closes without answering |
//! | `/short-body` | `Content-Length: 100` and 9 bytes, then a clean close |
//! | `/bad-chunked` | `Transfer-Encoding: chunked` with a chunk size that is not hex |
//! | `/truncated-chunked` | one valid chunk, then a clean close without the last chunk |
//! | `/truncated-gzip` | `Content-Encoding: gzip` of a 64 KiB document cut in half (the `Content-Length` is honest) |
//! | anything else | `200` with a small JSON body |

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::helpers::parse_form;
use super::loopback::Loopback;

/// The longest request head read before giving up on a connection.
const MAX_HEAD: usize = 64 << 10;
/// How long a clean close waits for the client to finish sending.
const DRAIN_FOR: Duration = Duration::from_secs(10);

/// A running raw loopback server; it stops when dropped.
pub struct HostileServer(Loopback);

impl HostileServer {
    /// Binds `127.0.0.1:0` (plus `127.0.0.2` on the same port if available) and starts serving.
    pub fn start() -> HostileServer {
        HostileServer(Loopback::start("hostile-server", |stream, _port| {
            serve(stream)
        }))
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.0.addr.port(), path)
    }

    /// The listening port.
    pub fn port(&self) -> u16 {
        self.0.addr.port()
    }

    /// Number of TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.0.connections()
    }
}

/// The request line and headers of one request.
struct Head {
    path: String,
    query: Vec<(String, String)>,
    content_length: Option<usize>,
}

impl Head {
    fn arg(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn num(&self, key: &str) -> usize {
        self.arg(key).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    fn abrupt(&self) -> bool {
        self.arg("close") == Some("abrupt")
    }
}

/// Reads the head one byte at a time, so not one byte of the body is consumed with it.
async fn read_head(stream: &mut TcpStream) -> Option<Head> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > MAX_HEAD || stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    let target = text.lines().next()?.split(' ').nth(1)?.to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let content_length = text.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    });
    Some(Head {
        path: path.to_string(),
        query: parse_form(query),
        content_length,
    })
}

/// How long `consume` waits for the next body bytes before taking the body as ended.
const BODY_IDLE: Duration = Duration::from_millis(300);

/// Reads and discards up to `n` bytes of the body: fewer when its `Content-Length` is smaller,
/// or when the client stops sending for [`BODY_IDLE`] (a chunked body that ended, say), so the
/// server never waits for bytes that will not come.
async fn consume(stream: &mut TcpStream, head: &Head, n: usize) {
    let mut n = head.content_length.map_or(n, |len| len.min(n));
    let mut buf = vec![0u8; 64 << 10];
    while n > 0 {
        let want = n.min(buf.len());
        match tokio::time::timeout(BODY_IDLE, stream.read(&mut buf[..want])).await {
            Ok(Ok(0) | Err(_)) | Err(_) => return,
            Ok(Ok(got)) => n -= got,
        }
    }
}

/// Closes `stream` cleanly (FIN, then drain until the client closes) or abruptly (RST).
async fn close(mut stream: TcpStream, abrupt: bool) {
    if abrupt {
        let _ = stream.set_zero_linger();
        drop(stream);
        return;
    }
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
    let drain = async {
        let mut buf = vec![0u8; 64 << 10];
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_FOR, drain).await;
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        401 => "Unauthorized",
        413 => "Payload Too Large",
        _ => "Hostile",
    }
}

/// A complete response head plus body, with `Connection: close` and a `Content-Length`.
fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

async fn serve(mut stream: TcpStream) {
    let Some(head) = read_head(&mut stream).await else {
        return;
    };
    let (family, arg) = head
        .path
        .trim_start_matches('/')
        .split_once('/')
        .unwrap_or((head.path.trim_start_matches('/'), ""));
    let reply: Vec<u8> = match family {
        "early" => {
            consume(&mut stream, &head, head.num("read")).await;
            let status: u16 = arg.parse().unwrap_or(413);
            let location = head.arg("location").unwrap_or("/elsewhere").to_string();
            let mut headers = vec![("Content-Type", "application/json")];
            match status {
                301 | 302 | 303 | 307 | 308 => headers.push(("Location", &location)),
                401 => headers.push(("WWW-Authenticate", "Basic realm=\"hostile\"")),
                _ => {}
            }
            let body = format!("{{\"early\": {status}}}");
            response(status, &headers, body.as_bytes())
        }
        "cut" => {
            consume(&mut stream, &head, head.num("read")).await;
            return close(stream, head.abrupt()).await;
        }
        "short-body" => b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part".to_vec(),
        "bad-chunked" => b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
            zz\r\nnot a hex chunk size\r\n0\r\n\r\n"
            .to_vec(),
        "truncated-chunked" => {
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n".to_vec()
        }
        "truncated-gzip" => {
            let gz = truncated_gzip();
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                gz.len()
            )
            .into_bytes();
            out.extend_from_slice(&gz);
            out
        }
        _ => response(
            200,
            &[("Content-Type", "application/json")],
            br#"{"raw": true}"#,
        ),
    };
    let _ = stream.write_all(&reply).await;
    close(stream, head.abrupt()).await;
}

/// Whether the first request on `stream` asks for `/garbage`, from its first bytes, peeked (so
/// nothing is consumed): `TestServer` answers that one itself, with bytes that hyper's server
/// would never write.
pub(super) async fn asks_for_garbage(stream: &TcpStream) -> bool {
    const WANT: &[u8] = b"/garbage";
    let mut buf = [0u8; 256];
    // A request line that comes in pieces is waited for, a little.
    for _ in 0..1000 {
        let n = match stream.peek(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => n,
        };
        let seen = &buf[..n];
        let Some(space) = seen.iter().position(|&b| b == b' ') else {
            if n > 16 || seen.contains(&b'\n') {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
            continue;
        };
        let target = &seen[space + 1..];
        let common = target.len().min(WANT.len());
        if target[..common] != WANT[..common] {
            return false;
        }
        if let Some(&next) = target.get(WANT.len()) {
            return next == b' ' || next == b'?';
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    false
}

/// `/garbage`: reads the request head, writes bytes that are not an HTTP response, and closes.
pub(super) async fn garbage(mut stream: TcpStream) {
    if read_head(&mut stream).await.is_some() {
        let _ = stream.write_all(b"NOT HTTP AT ALL\r\n\r\n").await;
    }
    close(stream, false).await;
}

/// The first half of the gzip encoding of a 64 KiB JSON document of pseudo-random digits
/// (so it does not compress to almost nothing).
fn truncated_gzip() -> Vec<u8> {
    use std::io::Write as _;
    let mut x: u32 = 0x9e37_79b9;
    let digits: String = (0..64 << 10)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from(b'0' + (x % 10) as u8)
        })
        .collect();
    let doc = format!("{{\"digits\": \"{digits}\"}}");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(doc.as_bytes()).expect("in-memory gzip");
    let mut gz = enc.finish().expect("in-memory gzip");
    gz.truncate(gz.len() / 2);
    gz
}
