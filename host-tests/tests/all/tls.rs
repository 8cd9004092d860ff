//! Loopback helpers for the host-adapter tests: an https server with the test CA's
//! certificate (`tests/fixtures/tls`), optionally asking for a client certificate, and an
//! http forward proxy that records what it was asked. Both run on plain threads and answer
//! each connection once (`Connection: close`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A file of `tests/fixtures/tls`.
pub(crate) fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/tls/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A file of `tests/fixtures/tls`, read.
pub(crate) fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("the TLS fixtures are checked in")
}

/// The head of an HTTP/1.1 request: the request line and the headers (lower-case names).
pub(crate) struct Head {
    pub(crate) line: String,
    pub(crate) headers: Vec<(String, String)>,
}

impl Head {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a request head; `None` if the connection ends first.
fn read_head(reader: &mut impl BufRead) -> Option<Head> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    if line.is_empty() {
        return None;
    }
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (n, v) = h.split_once(':')?;
        headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    Some(Head {
        line: line.trim_end().to_string(),
        headers,
    })
}

fn json_reply(body: &serde_json::Value) -> Vec<u8> {
    let body = body.to_string();
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// An https server on 127.0.0.1 with `server.pem` (issued by `ca.pem`). It answers every
/// request with JSON: `{"tls": true, "path": ..., "client_cert": <subject or null>}`.
pub(crate) struct TlsServer {
    pub(crate) port: u16,
}

impl TlsServer {
    /// Starts the server; with `ask_for_client_cert` it asks for (but does not require) a
    /// client certificate issued by `ca.pem`.
    pub(crate) fn start(ask_for_client_cert: bool) -> TlsServer {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(fixture("server.pem"))
                .expect("server.pem")
                .collect::<Result<_, _>>()
                .expect("server.pem parses");
        let key = PrivateKeyDer::from_pem_file(fixture("server.key")).expect("server.key");
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("TLS versions");
        let builder = if ask_for_client_cert {
            let mut roots = rustls::RootCertStore::empty();
            for ca in CertificateDer::pem_file_iter(fixture("ca.pem")).expect("ca.pem") {
                roots.add(ca.expect("ca.pem parses")).expect("a CA root");
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .allow_unauthenticated()
            .build()
            .expect("a client verifier");
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let config = Arc::new(
            builder
                .with_single_cert(certs, key)
                .expect("the server certificate and key match"),
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local addr").port();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let config = config.clone();
                std::thread::spawn(move || serve_tls(stream, config));
            }
        });
        TlsServer { port }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }
}

fn serve_tls(stream: TcpStream, config: Arc<rustls::ServerConfig>) {
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(conn, stream);
    let head = {
        let mut reader = BufReader::new(&mut tls);
        read_head(&mut reader)
    };
    // A handshake the client refused (an unknown issuer) ends here.
    let Some(head) = head else { return };
    let client_cert = tls
        .conn
        .peer_certificates()
        .and_then(|certs| certs.first())
        .map(|_| "requests-component test client");
    let path = head.line.split(' ').nth(1).unwrap_or_default().to_string();
    let reply = json_reply(&serde_json::json!({
        "tls": true,
        "path": path,
        "client_cert": client_cert,
    }));
    let _ = tls.write_all(&reply);
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

/// What the proxy was asked.
#[derive(Debug, Clone)]
pub(crate) struct Proxied {
    /// The request line as received (absolute form for a forwarded request).
    pub(crate) line: String,
    /// Its `Proxy-Authorization` header.
    pub(crate) authorization: Option<String>,
}

/// An http forward proxy on 127.0.0.1: it records each request, strips
/// `Proxy-Authorization`, and forwards it in origin form to the host of its
/// absolute URL (any other form gets a 400).
pub(crate) struct ForwardProxy {
    pub(crate) port: u16,
    pub(crate) seen: Arc<Mutex<Vec<Proxied>>>,
}

impl ForwardProxy {
    pub(crate) fn start() -> ForwardProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let log = log.clone();
                std::thread::spawn(move || forward(stream, log));
            }
        });
        ForwardProxy { port, seen }
    }

    /// `http://<userinfo>127.0.0.1:<port>`.
    pub(crate) fn url(&self, userinfo: &str) -> String {
        format!("http://{userinfo}127.0.0.1:{}", self.port)
    }

    pub(crate) fn seen(&self) -> Vec<Proxied> {
        self.seen.lock().expect("the proxy log").clone()
    }
}

fn forward(client: TcpStream, log: Arc<Mutex<Vec<Proxied>>>) {
    let mut writer = client.try_clone().expect("clone the client stream");
    let mut reader = BufReader::new(client);
    let Some(head) = read_head(&mut reader) else {
        return;
    };
    log.lock().expect("the proxy log").push(Proxied {
        line: head.line.clone(),
        authorization: head.header("proxy-authorization").map(str::to_string),
    });
    let mut parts = head.line.splitn(3, ' ');
    let (method, target, version) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let Some(rest) = target.strip_prefix("http://") else {
        let _ = writer.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let length: usize = head
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let Ok(mut origin) = TcpStream::connect(authority) else {
        let _ = writer.write_all(
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    };
    let mut out = format!("{method} {path} {version}\r\n");
    for (n, v) in &head.headers {
        if n != "proxy-authorization" && n != "connection" {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
    }
    out.push_str("connection: close\r\n\r\n");
    let mut request = out.into_bytes();
    request.extend_from_slice(&body);
    if origin.write_all(&request).is_err() {
        return;
    }
    let _ = std::io::copy(&mut origin, &mut writer);
}
