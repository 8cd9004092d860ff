//! Native tests of the sockets adapter through a session, against small
//! HTTP/1.1 servers on loopback threads (std::net here is what wasi:sockets
//! is in the component; the component's own tests are in host-tests).

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use super::{PoolOptions, SocketsTransport};
use crate::body::Body;
use crate::error::Error;
use crate::session::Session;
use crate::settings::{RequestParts, SendOverrides, Timeout};
use crate::transport::SharedTransport;

/// A request as the test server read it.
#[derive(Debug, Clone)]
struct Seen {
    line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    connection: usize,
    /// 1 for the first request on its connection, 2 for the next, ...
    index: usize,
    /// With `Expect: 100-continue`: body bytes came before `100 Continue`.
    early_body: bool,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
enum Reply {
    /// Send these bytes and keep the connection.
    Keep(Vec<u8>),
    /// Send these bytes and close the connection.
    Close(Vec<u8>),
    /// Send nothing and close.
    Drop,
    /// Never answer (keep the connection open).
    Hang,
}

struct Server {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A server answering every request with `reply`; `read_body` false leaves
/// request bodies unread (a server that answers early).
fn serve_with(read_body: bool, reply: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let reply = Arc::new(reply);
    let (count, log) = (connections.clone(), seen.clone());
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let connection = count.fetch_add(1, Ordering::SeqCst) + 1;
            let (reply, log) = (reply.clone(), log.clone());
            thread::spawn(move || handle(stream, connection, read_body, &*reply, &log));
        }
    });
    Server {
        addr,
        connections,
        seen,
    }
}

fn serve(reply: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
    serve_with(true, reply)
}

fn handle(
    stream: TcpStream,
    connection: usize,
    read_body: bool,
    reply: &dyn Fn(&Seen) -> Reply,
    log: &Mutex<Vec<Seen>>,
) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut index = 0;
    loop {
        index += 1;
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (n, v) = h.split_once(':').unwrap();
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
        let mut seen = Seen {
            line: line.trim_end().to_string(),
            headers,
            body: Vec::new(),
            connection,
            index,
            early_body: false,
        };
        if read_body {
            if seen.header("expect") == Some("100-continue") {
                // Has the client sent the body without waiting? (It waits up to 1 s.)
                thread::sleep(std::time::Duration::from_millis(100));
                seen.early_body = !reader.buffer().is_empty() || {
                    let tcp = reader.get_ref();
                    tcp.set_nonblocking(true).unwrap();
                    let early = matches!(tcp.peek(&mut [0u8; 1]), Ok(n) if n > 0);
                    tcp.set_nonblocking(false).unwrap();
                    early
                };
                if writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err() {
                    return;
                }
            }
            if let Some(len) = seen.header("content-length") {
                let mut body = vec![0; len.parse().unwrap()];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                seen.body = body;
            } else if seen.header("transfer-encoding") == Some("chunked") {
                loop {
                    let mut size = String::new();
                    reader.read_line(&mut size).unwrap();
                    let size = usize::from_str_radix(size.trim(), 16).unwrap();
                    let mut chunk = vec![0; size + 2];
                    reader.read_exact(&mut chunk).unwrap();
                    if size == 0 {
                        break;
                    }
                    seen.body.extend_from_slice(&chunk[..size]);
                }
            }
        }
        log.lock().unwrap().push(seen.clone());
        match reply(&seen) {
            Reply::Keep(bytes) => {
                if writer.write_all(&bytes).is_err() {
                    return;
                }
            }
            Reply::Close(bytes) => {
                let _ = writer.write_all(&bytes);
                return;
            }
            Reply::Drop => return,
            Reply::Hang => {
                thread::sleep(std::time::Duration::from_secs(30));
                return;
            }
        }
    }
}

fn ok(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn adapter(options: PoolOptions) -> (Rc<RefCell<SocketsTransport>>, SharedTransport) {
    let transport = Rc::new(RefCell::new(SocketsTransport::new(options)));
    let shared: SharedTransport = transport.clone();
    (transport, shared)
}

fn session(adapter: &SharedTransport) -> Session {
    let mut s = Session::new(adapter.clone());
    s.settings_mut().unwrap().trust_env = false;
    s
}

fn request(
    s: &mut Session,
    method: &str,
    url: &str,
    body: Option<&str>,
    send: SendOverrides,
) -> crate::Result<(u16, String)> {
    let parts = RequestParts {
        body: body.map(|b| Body::Text(b.to_string())),
        ..RequestParts::default()
    };
    let mut r = s.request(method, url, parts, send)?;
    Ok((r.status, r.text()?))
}

fn get(s: &mut Session, url: &str) -> crate::Result<(u16, String)> {
    request(s, "GET", url, None, SendOverrides::default())
}

#[test]
fn requests_from_one_session_share_one_connection() {
    let server = serve(|seen| Reply::Keep(ok(&format!("hello {}", seen.connection))));
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    for _ in 0..5 {
        assert_eq!(
            get(&mut s, &server.url("/a")).unwrap(),
            (200, "hello 1".into())
        );
    }
    assert_eq!(server.connections(), 1);
    // A second session mounting the same adapter shares its pool.
    let mut other = session(&shared);
    assert_eq!(get(&mut other, &server.url("/b")).unwrap().0, 200);
    assert_eq!(server.connections(), 1);
    let first = &server.seen()[0];
    assert_eq!(first.line, "GET /a HTTP/1.1");
    assert_eq!(first.header("host"), Some(&*server.addr.to_string()));
    assert!(first
        .header("user-agent")
        .unwrap()
        .starts_with("requests-component/"));
}

#[test]
fn no_idle_connections_kept_means_a_connection_per_request() {
    let server = serve(|_| Reply::Keep(ok("x")));
    let (_, shared) = adapter(PoolOptions {
        max_idle_per_host: Some(0),
        ..PoolOptions::default()
    });
    let mut s = session(&shared);
    for _ in 0..3 {
        get(&mut s, &server.url("/")).unwrap();
    }
    assert_eq!(server.connections(), 3);
}

#[test]
fn an_idle_connection_is_kept_no_longer_than_the_idle_timeout() {
    let server = serve(|_| Reply::Keep(ok("x")));
    let (_, shared) = adapter(PoolOptions {
        idle_timeout_ms: Some(20),
        ..PoolOptions::default()
    });
    let mut s = session(&shared);
    get(&mut s, &server.url("/")).unwrap();
    get(&mut s, &server.url("/")).unwrap();
    assert_eq!(server.connections(), 1);
    // Idle for longer than the timeout: the next request opens a new one.
    thread::sleep(std::time::Duration::from_millis(100));
    get(&mut s, &server.url("/")).unwrap();
    assert_eq!(server.connections(), 2);
}

#[test]
fn max_idle_bounds_the_connections_kept_across_origins() {
    let a = serve(|_| Reply::Keep(ok("a")));
    let b = serve(|_| Reply::Keep(ok("b")));
    let (transport, shared) = adapter(PoolOptions {
        max_idle: Some(1),
        ..PoolOptions::default()
    });
    let mut s = session(&shared);
    get(&mut s, &a.url("/")).unwrap();
    get(&mut s, &b.url("/")).unwrap();
    // Only the most recent idle connection (b's) was kept.
    assert_eq!(transport.borrow().pool.borrow().len(), 1);
    get(&mut s, &b.url("/")).unwrap();
    get(&mut s, &a.url("/")).unwrap();
    assert_eq!((a.connections(), b.connections()), (2, 1));
}

#[test]
fn chunked_and_close_delimited_bodies_are_read_whole() {
    let server = serve(|seen| {
        match seen.line.as_str() {
        "GET /chunked HTTP/1.1" => {
            Reply::Keep(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".to_vec())
        }
        _ => Reply::Close(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end".to_vec()),
    }
    });
    let (transport, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    assert_eq!(
        get(&mut s, &server.url("/chunked")).unwrap().1,
        "hello world"
    );
    assert_eq!(transport.borrow().pool.borrow().len(), 1);
    assert_eq!(
        get(&mut s, &server.url("/close")).unwrap().1,
        "until the end"
    );
    // The chunked exchange's connection was reused; the closed one is not kept.
    assert_eq!(server.connections(), 1);
    assert_eq!(transport.borrow().pool.borrow().len(), 0);
    assert_eq!(
        get(&mut s, &server.url("/chunked")).unwrap().1,
        "hello world"
    );
    assert_eq!(server.connections(), 2);
}

#[test]
fn bodies_are_sent_with_their_length_or_chunked_when_streamed() {
    let server = serve(|seen| Reply::Keep(ok(&String::from_utf8_lossy(&seen.body))));
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    let big = "x".repeat(200_000);
    let (status, echoed) = request(
        &mut s,
        "POST",
        &server.url("/p"),
        Some(&big),
        SendOverrides::default(),
    )
    .unwrap();
    assert_eq!((status, echoed.len()), (200, big.len()));
    assert_eq!(server.seen()[0].header("content-length"), Some("200000"));

    let mut upload = s
        .start_request(
            "PUT",
            &server.url("/u"),
            RequestParts::default(),
            SendOverrides::default(),
            None,
        )
        .unwrap();
    for piece in ["one ", "two ", "three"] {
        upload.write(piece.as_bytes()).unwrap();
    }
    let mut r = s.finish_upload(upload).unwrap();
    assert_eq!(r.text().unwrap(), "one two three");
    let seen = server.seen();
    assert_eq!(seen[1].header("transfer-encoding"), Some("chunked"));
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_pooled_connection_the_server_closed_is_replaced_for_a_get() {
    // Each answer claims keep-alive, then the server closes: the pooled
    // connection is dead by the next request.
    let server = serve(|_| Reply::Close(ok("fresh")));
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    for _ in 0..3 {
        assert_eq!(
            get(&mut s, &server.url("/")).unwrap(),
            (200, "fresh".into())
        );
    }
    assert_eq!(server.connections(), 3);
    assert_eq!(server.seen().len(), 3);
}

#[test]
fn a_connection_the_server_closed_while_idle_is_not_used_even_for_a_post() {
    let server = serve(|_| Reply::Close(ok("fresh")));
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    get(&mut s, &server.url("/")).unwrap();
    // Give the server's FIN time to arrive (not a timing assertion: the
    // outcome is the same however long this takes).
    thread::sleep(std::time::Duration::from_millis(100));
    let (status, _) = request(
        &mut s,
        "POST",
        &server.url("/p"),
        Some("once"),
        SendOverrides::default(),
    )
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(server.connections(), 2);
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn a_get_the_server_dropped_unanswered_on_a_reused_connection_is_sent_once_more() {
    // The second request on every connection is read and dropped unanswered.
    let server = serve(|seen| {
        if seen.index == 2 {
            Reply::Drop
        } else {
            Reply::Keep(ok("answered"))
        }
    });
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    get(&mut s, &server.url("/")).unwrap();
    assert_eq!(get(&mut s, &server.url("/")).unwrap().1, "answered");
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!((seen[2].connection, seen[2].index), (2, 1));
}

#[test]
fn a_post_is_never_sent_twice() {
    // The server reads the POST, then drops the connection without answering:
    // it may have acted on it, so it is not sent again.
    let server = serve(|seen| {
        if seen.line.starts_with("POST") {
            Reply::Drop
        } else {
            Reply::Keep(ok("ok"))
        }
    });
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    get(&mut s, &server.url("/")).unwrap();
    let error = request(
        &mut s,
        "POST",
        &server.url("/p"),
        Some("once"),
        SendOverrides::default(),
    )
    .unwrap_err();
    assert!(matches!(error.inner(), Error::Connection(_)), "{error:?}");
    let posts = server
        .seen()
        .iter()
        .filter(|r| r.line.starts_with("POST"))
        .count();
    assert_eq!(posts, 1);
    // The session keeps working.
    assert_eq!(get(&mut s, &server.url("/")).unwrap().0, 200);
}

#[test]
fn a_server_that_never_answers_is_a_read_timeout_and_a_closed_port_is_refused() {
    let server = serve(|_| Reply::Hang);
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    let send = SendOverrides {
        timeout: Some(Timeout {
            connect_ms: Some(2000),
            read_ms: Some(200),
        }),
        ..SendOverrides::default()
    };
    let error = request(&mut s, "GET", &server.url("/"), None, send).unwrap_err();
    assert!(matches!(error.inner(), Error::ReadTimeout(_)), "{error:?}");

    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let error = get(&mut s, &format!("http://{closed}/")).unwrap_err();
    assert!(
        matches!(error.inner(), Error::ConnectionRefused(_)),
        "{error:?}"
    );
}

#[test]
fn a_pooled_connection_takes_the_timeout_of_each_request() {
    let server = serve(|seen| {
        if seen.line.starts_with("GET /hang") {
            Reply::Hang
        } else {
            Reply::Keep(ok("ok"))
        }
    });
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    get(&mut s, &server.url("/")).unwrap();
    let send = SendOverrides {
        timeout: Some(Timeout {
            connect_ms: None,
            read_ms: Some(200),
        }),
        ..SendOverrides::default()
    };
    let error = request(&mut s, "GET", &server.url("/hang"), None, send).unwrap_err();
    assert!(matches!(error.inner(), Error::ReadTimeout(_)), "{error:?}");
    assert_eq!(server.connections(), 1);
}

#[test]
fn an_early_answer_to_an_upload_is_the_response() {
    // The server answers 413 to the head and closes without reading the body.
    let server = serve_with(false, |_| {
        Reply::Close(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big!".to_vec())
    });
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    let big = "y".repeat(8 * 1024 * 1024);
    let (status, text) = request(
        &mut s,
        "POST",
        &server.url("/"),
        Some(&big),
        SendOverrides::default(),
    )
    .unwrap();
    assert_eq!((status, text.as_str()), (413, "too big!"));
}

#[test]
fn an_http_url_goes_to_the_proxy_in_absolute_form_with_its_credentials() {
    // The "proxy" is a plain server: it sees what a forward proxy would.
    let proxy = serve(|_| Reply::Keep(ok("via proxy")));
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    let send = SendOverrides {
        proxies: Some(vec![(
            "http".into(),
            format!("http://us%3Aer:p%40ss@{}", proxy.addr),
        )]),
        ..SendOverrides::default()
    };
    let (_, text) = request(
        &mut s,
        "GET",
        "http://origin.test:8080/x?y=1#frag",
        None,
        send,
    )
    .unwrap();
    assert_eq!(text, "via proxy");
    let seen = &proxy.seen()[0];
    assert_eq!(seen.line, "GET http://origin.test:8080/x?y=1 HTTP/1.1");
    assert_eq!(seen.header("host"), Some("origin.test:8080"));
    // base64("us:er:p@ss")
    assert_eq!(
        seen.header("proxy-authorization"),
        Some("Basic dXM6ZXI6cEBzcw==")
    );
}

#[test]
fn a_proxy_that_cannot_be_reached_is_a_proxy_error() {
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    let send = SendOverrides {
        proxies: Some(vec![("http".into(), format!("http://{closed}"))]),
        ..SendOverrides::default()
    };
    let error = request(&mut s, "GET", "http://origin.test/", None, send).unwrap_err();
    assert!(
        matches!(error.inner(), Error::Proxy(m) if m.contains("refused")),
        "{error:?}"
    );
}

#[test]
fn a_body_that_stops_is_a_read_timeout_naming_the_url() {
    let server =
        serve(|_| Reply::Keep(b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\nfour".to_vec()));
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    let send = SendOverrides {
        timeout: Some(Timeout {
            connect_ms: None,
            read_ms: Some(200),
        }),
        ..SendOverrides::default()
    };
    let url = server.url("/stall");
    let error = request(&mut s, "GET", &url, None, send).unwrap_err();
    assert!(matches!(error.inner(), Error::ReadTimeout(_)), "{error:?}");
    assert!(
        matches!(&error, Error::At { url: u, .. } if *u == url),
        "{error:?}"
    );
}

fn expecting_continue() -> RequestParts {
    RequestParts {
        body: Some(Body::Text("the body".into())),
        headers: Some(vec![("Expect".into(), Some("100-continue".into()))]),
        ..RequestParts::default()
    }
}

#[test]
fn a_body_expecting_100_continue_goes_after_it() {
    let server = serve(|seen| Reply::Keep(ok(&String::from_utf8_lossy(&seen.body))));
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    let mut r = s
        .request(
            "PUT",
            &server.url("/c"),
            expecting_continue(),
            SendOverrides::default(),
        )
        .unwrap();
    assert_eq!((r.status, r.text().unwrap().as_str()), (200, "the body"));
    assert!(
        !server.seen()[0].early_body,
        "the body went before 100 Continue"
    );
    // The connection stays usable.
    assert_eq!(get(&mut s, &server.url("/")).unwrap().0, 200);
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_refusal_instead_of_100_continue_is_the_response() {
    let server = serve_with(false, |_| {
        Reply::Close(
            b"HTTP/1.1 417 Expectation Failed\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno"
                .to_vec(),
        )
    });
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    let mut r = s
        .request(
            "PUT",
            &server.url("/c"),
            expecting_continue(),
            SendOverrides::default(),
        )
        .unwrap();
    assert_eq!((r.status, r.text().unwrap().as_str()), (417, "no"));
}

#[test]
fn chunked_framing_that_never_ends_is_an_error_not_a_growing_buffer() {
    let server = serve(|_| {
        let mut reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;".to_vec();
        reply.extend(std::iter::repeat_n(b'x', 1 << 20));
        Reply::Keep(reply)
    });
    let (_, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    let error = get(&mut s, &server.url("/")).unwrap_err();
    assert!(
        matches!(error.inner(), Error::Connection(m) if m.contains("chunked framing")),
        "{error:?}"
    );
}

#[test]
fn a_closed_adapter_sends_nothing() {
    let server = serve(|_| Reply::Keep(ok("x")));
    let (transport, shared) = adapter(PoolOptions::default());
    let mut s = session(&shared);
    get(&mut s, &server.url("/")).unwrap();
    crate::transport::Transport::close(&mut *transport.borrow_mut());
    assert_eq!(transport.borrow().pool.borrow().len(), 0);
    let error = get(&mut s, &server.url("/")).unwrap_err();
    assert!(matches!(error.inner(), Error::SessionClosed), "{error:?}");
}

mod tls {
    //! TLS against a rustls server with the throw-away certificates of
    //! `host-tests/tests/fixtures/tls` (the component's TLS tests there make
    //! their own at run time).

    use super::*;
    use crate::settings::{ClientCert, Pem, Verify};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use rustls::server::WebPkiClientVerifier;
    use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

    const CA: &str = include_str!("../../host-tests/tests/fixtures/tls/ca.pem");
    const SERVER: &str = include_str!("../../host-tests/tests/fixtures/tls/server.pem");
    const SERVER_KEY: &str = include_str!("../../host-tests/tests/fixtures/tls/server.key");
    const CLIENT: &str = include_str!("../../host-tests/tests/fixtures/tls/client.pem");
    const CLIENT_KEY: &str = include_str!("../../host-tests/tests/fixtures/tls/client.key");

    /// An https server answering `who` on every request of every connection;
    /// with `client_ca`, it requires a client certificate.
    fn serve_tls(require_client_cert: bool) -> Server {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if require_client_cert {
            let mut roots = RootCertStore::empty();
            roots
                .add(CertificateDer::from_pem_slice(CA.as_bytes()).unwrap())
                .unwrap();
            builder.with_client_cert_verifier(
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .unwrap(),
            )
        } else {
            builder.with_no_client_auth()
        };
        let config = Arc::new(
            builder
                .with_single_cert(
                    vec![CertificateDer::from_pem_slice(SERVER.as_bytes()).unwrap()],
                    PrivateKeyDer::from_pem_slice(SERVER_KEY.as_bytes()).unwrap(),
                )
                .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        thread::spawn(move || {
            for tcp in listener.incoming() {
                let Ok(tcp) = tcp else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                let config = config.clone();
                thread::spawn(move || {
                    let conn = ServerConnection::new(config).unwrap();
                    let mut tls = BufReader::new(StreamOwned::new(conn, tcp));
                    loop {
                        let mut line = String::new();
                        match tls.read_line(&mut line) {
                            Ok(n) if n > 0 => {}
                            _ => return,
                        }
                        if line == "\r\n" && tls.get_mut().write_all(&ok("secure")).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Server {
            addr,
            connections,
            seen: Arc::default(),
        }
    }

    fn https(server: &Server) -> String {
        // The certificate names 127.0.0.1 and localhost.
        format!("https://localhost:{}/", server.addr.port())
    }

    fn with(verify: Verify, cert: Option<ClientCert>) -> SendOverrides {
        SendOverrides {
            verify: Some(verify),
            cert,
            ..SendOverrides::default()
        }
    }

    #[test]
    fn verified_with_the_ca_given_kept_alive_and_refused_without_it() {
        let server = serve_tls(false);
        let (_, shared) = adapter(PoolOptions::default());
        let mut s = session(&shared);
        let ca = || with(Verify::CaBundle(Pem::Data(CA.into())), None);
        for _ in 0..3 {
            let (status, text) = request(&mut s, "GET", &https(&server), None, ca()).unwrap();
            assert_eq!((status, text.as_str()), (200, "secure"));
        }
        assert_eq!(server.connections(), 1);

        // The Mozilla roots do not know the test CA.
        let error = get(&mut s, &https(&server)).unwrap_err();
        assert!(
            matches!(error.inner(), Error::Tls(m) if m.contains("UnknownIssuer")),
            "{error:?}"
        );
        // verify = false takes any certificate (on a connection of its own).
        let (status, _) = request(
            &mut s,
            "GET",
            &https(&server),
            None,
            with(Verify::Disabled, None),
        )
        .unwrap();
        assert_eq!(status, 200);
        assert_eq!(server.connections(), 3);
    }

    #[test]
    fn a_server_that_requires_a_client_certificate_gets_one_from_cert() {
        let server = serve_tls(true);
        let (_, shared) = adapter(PoolOptions::default());
        let mut s = session(&shared);
        let verify = || Verify::CaBundle(Pem::Data(CA.into()));
        let cert = ClientCert {
            cert: Pem::Data(CLIENT.into()),
            key: Some(Pem::Data(CLIENT_KEY.into())),
        };
        let (status, _) = request(
            &mut s,
            "GET",
            &https(&server),
            None,
            with(verify(), Some(cert)),
        )
        .unwrap();
        assert_eq!(status, 200);
        let error =
            request(&mut s, "GET", &https(&server), None, with(verify(), None)).unwrap_err();
        assert!(matches!(error.inner(), Error::Tls(_)), "{error:?}");
    }
}
