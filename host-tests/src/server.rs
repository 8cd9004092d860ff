//! Loopback httpbin-like HTTP/1.1 test fixture: `TestServer`, its router and endpoint handlers.
//!
//! The server owns a private multi-thread tokio runtime on a background thread, so it can be
//! used from plain `#[test]` functions as well as from `#[tokio::test]` ones. It listens on
//! `127.0.0.1:PORT` and, when possible, also on `127.0.0.2:PORT` (a "different host" on the
//! same port, for cross-host redirect tests). Nothing outside the loopback interface is used.

use std::convert::Infallible;
use std::io::Read;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Frame, Incoming};
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use tokio::sync::{mpsc, oneshot};

/// Response body type used by every handler.
type Body = BoxBody<Bytes, Infallible>;

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
            let service = service_fn(move |req| handle(req, port));
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Request model and router
// ---------------------------------------------------------------------------------------------

/// A fully-read request, with the bits handlers need in convenient form.
struct Req {
    method: String,
    path: String,
    query: String,
    host: String,
    /// Lowercase names (hyper's `HeaderMap` order); values decoded as lossy UTF-8.
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        let mut hits = self.headers.iter().filter(|(n, _)| n == name);
        hits.next().map(|(_, v)| v.as_str())
    }

    fn args(&self) -> Vec<(String, String)> {
        parse_form(&self.query)
    }

    fn arg(&self, key: &str) -> Option<String> {
        let mut hits = self.args().into_iter().filter(|(k, _)| k == key);
        hits.next().map(|(_, v)| v)
    }

    /// Content-Type essence (`type/subtype`, lowercase, parameters dropped).
    fn mime(&self) -> String {
        let ct = self.header("content-type").unwrap_or("");
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }
}

async fn handle(req: Request<Incoming>, port: u16) -> Result<Response<Body>, Infallible> {
    let lossy = |v: &HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned();
    let (parts, body) = req.into_parts();
    let Ok(body) = body.collect().await.map(|c| c.to_bytes()) else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "could not read request body",
        ));
    };
    let headers = parts.headers.iter();
    let req = Req {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        host: parts
            .headers
            .get(header::HOST)
            .map(lossy)
            .unwrap_or_else(|| format!("127.0.0.1:{port}")),
        headers: headers
            .map(|(n, v)| (n.as_str().to_string(), lossy(v)))
            .collect(),
        body,
    };
    Ok(route(&req, port).await)
}

/// Dispatch on the first path segment (`family`) and the rest (`arg`, "" if absent).
async fn route(r: &Req, port: u16) -> Response<Body> {
    let trimmed = r.path.strip_prefix('/').unwrap_or(&r.path);
    let (family, arg) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    match (family, arg) {
        ("anything", _) | ("get" | "post" | "put" | "patch" | "delete" | "headers", "") => {
            json_response(StatusCode::OK, &Value::Object(echo(r)))
        }
        ("cookies", "") => json_response(StatusCode::OK, &json!({ "cookies": request_cookies(r) })),
        ("cookies", "set" | "delete") => cookies_change(r, arg == "delete"),
        ("response-headers", "") => response_headers(r),
        ("set-cookie-multi", "") => set_cookie_multi(),
        ("redirect", n) => redirect(r, n, false),
        ("absolute-redirect", n) => redirect(r, n, true),
        ("redirect-to", "") => redirect_to(r),
        ("status", n) => status(n),
        ("basic-auth", rest) => basic_auth(r, rest),
        ("bearer", "") => bearer(r),
        ("gzip" | "deflate" | "deflate-raw", "") => compressed(r, family),
        ("delay", ms) => delay(r, ms).await,
        ("drip", "") => drip(r),
        ("bytes", n) => bytes_fixed(n),
        ("stream-bytes", n) => bytes_stream(r, n),
        ("json" | "html" | "not-json", "") | ("encoding", "latin1") => static_doc(family),
        ("link", "") => link(port),
        _ => error(StatusCode::NOT_FOUND, "not found"),
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

/// The echo document shared by `/anything`, `/get`, ..., `/delay`, `/gzip` and friends.
fn echo(r: &Req) -> Map<String, Value> {
    let pairs = r.args();
    let mut args = Map::new();
    for (k, v) in &pairs {
        let v = Value::String(v.clone());
        match args.get_mut(k) {
            None => drop(args.insert(k.clone(), v)),
            Some(Value::Array(list)) => list.push(v),
            Some(first) => *first = Value::Array(vec![first.take(), v]),
        }
    }
    let mut headers = Map::new();
    for (n, v) in &r.headers {
        match headers.get_mut(n) {
            Some(Value::String(s)) => *s = format!("{s}, {v}"),
            _ => drop(headers.insert(n.clone(), Value::String(v.clone()))),
        }
    }
    let mime = r.mime();
    let form = match mime.as_str() {
        "application/x-www-form-urlencoded" => {
            pairs_json(&parse_form(&String::from_utf8_lossy(&r.body)))
        }
        _ => Value::Null,
    };
    let body_json = match mime.as_str() {
        "application/json" => serde_json::from_slice::<Value>(&r.body).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    let query = if r.query.is_empty() {
        String::new()
    } else {
        format!("?{}", r.query)
    };
    let Value::Object(doc) = json!({
        "method": r.method,
        "url": format!("http://{}{}{}", r.host, r.path, query),
        "path": r.path,
        "query": r.query,
        "args": args,
        "args_list": pairs_json(&pairs),
        "headers": headers,
        "headers_list": pairs_json(&r.headers),
        "data": String::from_utf8_lossy(&r.body),
        "body_len": r.body.len(),
        "form": form,
        "json": body_json,
        "cookies": request_cookies(r),
    }) else {
        unreachable!("json! object literal")
    };
    doc
}

/// `/cookies/set?n=v...` and `/cookies/delete?n...`: Set-Cookie per pair, then 302 to `/cookies`.
fn cookies_change(r: &Req, delete: bool) -> Response<Body> {
    let mut resp = with_header(empty(StatusCode::FOUND), header::LOCATION, "/cookies");
    for (k, v) in r.args() {
        let v = if delete { "; Max-Age=0".to_string() } else { v };
        resp = with_header(resp, header::SET_COOKIE, &format!("{k}={v}; Path=/"));
    }
    resp
}

/// `/response-headers?K=V...`: echo query pairs as response headers (`status` sets the code).
fn response_headers(r: &Req) -> Response<Body> {
    let pairs = r.args();
    let mut resp = json_response(StatusCode::OK, &pairs_json(&pairs));
    if pairs
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        resp.headers_mut().remove(header::CONTENT_TYPE);
    }
    for (k, v) in &pairs {
        if k.eq_ignore_ascii_case("status") {
            *resp.status_mut() = status_code(v).unwrap_or(StatusCode::OK);
        } else if let Ok(name) = HeaderName::from_bytes(k.as_bytes()) {
            resp = with_header(resp, name, v);
        }
    }
    resp
}

/// `/set-cookie-multi`: three distinct Set-Cookie headers.
fn set_cookie_multi() -> Response<Body> {
    let mut resp = json_response(StatusCode::OK, &json!({ "set": ["a", "b", "c"] }));
    for c in [
        "a=1; Path=/",
        "b=2; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT",
        "c=3; Path=/; HttpOnly",
    ] {
        resp = with_header(resp, header::SET_COOKIE, c);
    }
    resp
}

/// `/redirect/N` (relative Location) and `/absolute-redirect/N` (absolute Location).
fn redirect(r: &Req, n: &str, absolute: bool) -> Response<Body> {
    let Some(n) = num::<u32>(n).filter(|n| *n > 0) else {
        return error(StatusCode::BAD_REQUEST, "bad redirect count");
    };
    let (prefix, family) = if absolute {
        (format!("http://{}", r.host), "/absolute-redirect")
    } else {
        (String::new(), "/redirect")
    };
    let location = match n {
        1 => format!("{prefix}/get"),
        _ => format!("{prefix}{family}/{}", n - 1),
    };
    with_header(empty(StatusCode::FOUND), header::LOCATION, &location)
}

/// `/redirect-to?url=X&status_code=S`: Location is X verbatim, status S (default 302).
fn redirect_to(r: &Req) -> Response<Body> {
    let Some(url) = r.arg("url") else {
        return error(StatusCode::BAD_REQUEST, "missing url");
    };
    let code = r.arg("status_code").and_then(|s| status_code(&s));
    with_header(
        empty(code.unwrap_or(StatusCode::FOUND)),
        header::LOCATION,
        &url,
    )
}

/// `/status/N`: bare status (401 carries a Basic challenge).
fn status(n: &str) -> Response<Body> {
    match status_code(n) {
        Some(StatusCode::UNAUTHORIZED) => basic_challenge(),
        Some(code) => empty(code),
        None => error(StatusCode::BAD_REQUEST, "bad status code"),
    }
}

/// `/basic-auth/USER/PASS`.
fn basic_auth(r: &Req, rest: &str) -> Response<Body> {
    let (user, pass) = rest.split_once('/').unwrap_or((rest, ""));
    let engine = base64::engine::general_purpose::STANDARD;
    let given = r
        .header("authorization")
        .and_then(|v| strip_scheme(v, "basic"));
    match given.and_then(|b64| engine.decode(b64.trim()).ok()) {
        Some(d) if d == format!("{user}:{pass}").as_bytes() => json_response(
            StatusCode::OK,
            &json!({ "authenticated": true, "user": user }),
        ),
        _ => basic_challenge(),
    }
}

/// `/bearer`.
fn bearer(r: &Req) -> Response<Body> {
    let given = r
        .header("authorization")
        .and_then(|v| strip_scheme(v, "bearer"));
    match given.map(str::trim).filter(|t| !t.is_empty()) {
        Some(token) => json_response(
            StatusCode::OK,
            &json!({ "authenticated": true, "token": token }),
        ),
        None => with_header(
            empty(StatusCode::UNAUTHORIZED),
            header::WWW_AUTHENTICATE,
            "Bearer",
        ),
    }
}

/// `/gzip`, `/deflate` (zlib, RFC 1950) and `/deflate-raw` (RFC 1951): compressed echo.
fn compressed(r: &Req, family: &str) -> Response<Body> {
    use flate2::read::{DeflateEncoder, GzEncoder, ZlibEncoder};
    let gzip = family == "gzip";
    let mut doc = echo(r);
    doc.insert(
        if gzip { "gzipped" } else { "deflated" }.into(),
        Value::Bool(true),
    );
    let raw = serde_json::to_vec(&doc).expect("serialize echo");
    let level = flate2::Compression::default();
    let encoded = match family {
        "gzip" => read_all(GzEncoder::new(&raw[..], level)),
        "deflate" => read_all(ZlibEncoder::new(&raw[..], level)),
        _ => read_all(DeflateEncoder::new(&raw[..], level)),
    };
    let resp = bytes_response(StatusCode::OK, "application/json", encoded);
    with_header(
        resp,
        header::CONTENT_ENCODING,
        if gzip { "gzip" } else { "deflate" },
    )
}

/// `/delay/MS`: wait, then echo.
async fn delay(r: &Req, ms: &str) -> Response<Body> {
    let Some(ms) = num::<u64>(ms) else {
        return error(StatusCode::BAD_REQUEST, "bad delay");
    };
    tokio::time::sleep(Duration::from_millis(ms)).await;
    json_response(StatusCode::OK, &Value::Object(echo(r)))
}

/// `/drip?numbytes=N&delay_ms=D`: N `*` bytes, one per chunk, D ms before each.
fn drip(r: &Req) -> Response<Body> {
    let n = r
        .arg("numbytes")
        .and_then(|s| num::<usize>(&s))
        .unwrap_or(10);
    let d = r
        .arg("delay_ms")
        .and_then(|s| num::<u64>(&s))
        .unwrap_or(100);
    let (tx, body) = channel_body();
    tokio::spawn(async move {
        for _ in 0..n {
            tokio::time::sleep(Duration::from_millis(d)).await;
            if tx.send(Bytes::from_static(b"*")).await.is_err() {
                break;
            }
        }
    });
    with_header(
        Response::new(body),
        header::CONTENT_TYPE,
        "application/octet-stream",
    )
}

/// `/bytes/N`: deterministic bytes `i % 251`, with Content-Length.
fn bytes_fixed(n: &str) -> Response<Body> {
    let Some(n) = num::<usize>(n) else {
        return error(StatusCode::BAD_REQUEST, "bad byte count");
    };
    let resp = bytes_response(StatusCode::OK, "application/octet-stream", pattern(0, n));
    with_header(resp, header::CONTENT_LENGTH, &n.to_string())
}

/// `/stream-bytes/N?chunk_size=C`: the `/bytes/N` payload, chunked, without Content-Length.
fn bytes_stream(r: &Req, n: &str) -> Response<Body> {
    let Some(n) = num::<usize>(n) else {
        return error(StatusCode::BAD_REQUEST, "bad byte count");
    };
    let chunk = r.arg("chunk_size").and_then(|s| num::<usize>(&s));
    let chunk = chunk.filter(|c| *c > 0).unwrap_or(10240);
    let (tx, body) = channel_body();
    tokio::spawn(async move {
        for start in (0..n).step_by(chunk) {
            let end = (start + chunk).min(n);
            if tx.send(Bytes::from(pattern(start, end))).await.is_err() {
                break;
            }
        }
    });
    with_header(
        Response::new(body),
        header::CONTENT_TYPE,
        "application/octet-stream",
    )
}

/// Fixed documents: `/json`, `/html`, `/encoding/latin1`, `/not-json`.
fn static_doc(family: &str) -> Response<Body> {
    const HTML: &str = "<!DOCTYPE html>\n<html>\n<head><title>Moby-Dick</title></head>\n<body>\n\
        <h1>Herman Melville - Moby-Dick</h1>\n<p>Call me Ishmael.</p>\n</body>\n</html>\n";
    let slideshow = json!({ "slideshow": {
        "title": "Sample Slide Show",
        "author": "Yours Truly",
        "slides": [{ "title": "Wake up to WonderWidgets!", "type": "all" }]
    }});
    match family {
        "json" => json_response(StatusCode::OK, &slideshow),
        "html" => bytes_response(StatusCode::OK, "text/html; charset=utf-8", HTML),
        "encoding" => bytes_response(
            StatusCode::OK,
            "text/plain; charset=iso-8859-1",
            &b"caf\xe9"[..],
        ),
        _ => bytes_response(StatusCode::OK, "text/plain", "this is not json"),
    }
}

/// `/link`: pagination `Link` header, empty body.
fn link(port: u16) -> Response<Body> {
    let base = format!("http://127.0.0.1:{port}/page");
    let value = format!("<{base}/2>; rel=\"next\", <{base}/9>; rel=\"last\"");
    with_header(empty(StatusCode::OK), header::LINK, &value)
}

// ---------------------------------------------------------------------------------------------
// Helpers: responses, bodies, parsing
// ---------------------------------------------------------------------------------------------

fn empty(status: StatusCode) -> Response<Body> {
    let mut resp = Response::new(Empty::new().boxed());
    *resp.status_mut() = status;
    resp
}

fn bytes_response(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut resp = Response::new(Full::new(body.into()).boxed());
    *resp.status_mut() = status;
    with_header(resp, header::CONTENT_TYPE, content_type)
}

fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    let text = serde_json::to_vec(value).expect("serialize json");
    bytes_response(status, "application/json", text)
}

fn error(status: StatusCode, msg: &str) -> Response<Body> {
    json_response(status, &json!({ "error": msg }))
}

fn basic_challenge() -> Response<Body> {
    let resp = empty(StatusCode::UNAUTHORIZED);
    with_header(resp, header::WWW_AUTHENTICATE, "Basic realm=\"Fake Realm\"")
}

/// Appends a header (never replaces); a value that is not a valid header value is skipped.
fn with_header(mut resp: Response<Body>, name: HeaderName, value: &str) -> Response<Body> {
    if let Ok(v) = HeaderValue::from_bytes(value.as_bytes()) {
        resp.headers_mut().append(name, v);
    }
    resp
}

/// A streaming body fed by a channel; its size is unknown, so hyper sends it chunked.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}

fn channel_body() -> (mpsc::Sender<Bytes>, Body) {
    let (tx, rx) = mpsc::channel(1);
    (tx, ChannelBody(rx).boxed())
}

/// Bytes `start..end` of the `i % 251` pattern.
fn pattern(start: usize, end: usize) -> Vec<u8> {
    (start..end).map(|i| (i % 251) as u8).collect()
}

fn read_all(mut reader: impl Read) -> Vec<u8> {
    let mut out = Vec::new();
    reader.read_to_end(&mut out).expect("in-memory compression");
    out
}

fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.trim().parse().ok()
}

fn status_code(s: &str) -> Option<StatusCode> {
    num::<u16>(s).and_then(|c| StatusCode::from_u16(c).ok())
}

fn pairs_json(pairs: &[(String, String)]) -> Value {
    Value::Array(pairs.iter().map(|(k, v)| json!([k, v])).collect())
}

/// `Authorization` value minus a case-insensitive auth scheme and the following space.
fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (s, rest) = value.trim().split_once(' ')?;
    s.eq_ignore_ascii_case(scheme).then_some(rest)
}

/// Cookies from every `Cookie` header, `name=value; ...`.
fn request_cookies(r: &Req) -> Map<String, Value> {
    let mut out = Map::new();
    for (_, v) in r.headers.iter().filter(|(n, _)| n == "cookie") {
        for part in v.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            out.insert(name.trim().into(), Value::String(value.trim().into()));
        }
    }
    out
}

/// `application/x-www-form-urlencoded` parsing, pair order kept.
fn parse_form(s: &str) -> Vec<(String, String)> {
    let pairs = s.split('&').filter(|p| !p.is_empty());
    pairs
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .map(|(k, v)| (form_decode(k), form_decode(v)))
        .collect()
}

/// `+` -> space and `%XX` -> byte; malformed escapes are kept literally.
fn form_decode(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::TestServer;
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};

    /// Status, lowercase headers in order, de-chunked body.
    struct Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Raw {
        fn all(&self, name: &str) -> Vec<&str> {
            self.headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .collect()
        }
        fn json(&self) -> serde_json::Value {
            serde_json::from_slice(&self.body).expect("json body")
        }
    }

    /// One `Connection: close` request over a fresh TCP connection.
    fn request(
        addr: SocketAddr,
        method: &str,
        target: &str,
        extra: &[(&str, &str)],
        body: &str,
    ) -> Raw {
        let mut s = TcpStream::connect(addr).expect("connect");
        let mut req =
            format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        for (n, v) in extra {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        s.write_all(req.as_bytes()).expect("write");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("read");
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("end of head");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
        {
            body = dechunk(&body);
        }
        Raw {
            status,
            headers,
            body,
        }
    }

    fn dechunk(mut data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let eol = data
                .windows(2)
                .position(|w| w == b"\r\n")
                .expect("chunk size line");
            let size = usize::from_str_radix(std::str::from_utf8(&data[..eol]).unwrap().trim(), 16)
                .unwrap();
            if size == 0 {
                return out;
            }
            out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
            data = &data[eol + 4 + size..];
        }
    }

    #[test]
    fn echo_reports_method_args_and_body() {
        let srv = TestServer::start();
        let r = request(
            srv.addr(),
            "POST",
            "/anything/x?b=2&a=1&b=3&sp=a+b%21",
            &[
                ("Content-Type", "application/json"),
                ("X-Multi", "one"),
                ("X-Multi", "two"),
            ],
            r#"{"k": [1, 2]}"#,
        );
        assert_eq!(r.status, 200);
        let j = r.json();
        assert_eq!(j["method"], "POST");
        assert_eq!(j["path"], "/anything/x");
        assert_eq!(j["url"], srv.url("/anything/x?b=2&a=1&b=3&sp=a+b%21"));
        assert_eq!(j["args"]["b"], serde_json::json!(["2", "3"]));
        assert_eq!(j["args"]["a"], "1");
        assert_eq!(j["args"]["sp"], "a b!");
        assert_eq!(
            j["args_list"],
            serde_json::json!([["b", "2"], ["a", "1"], ["b", "3"], ["sp", "a b!"]])
        );
        assert_eq!(j["headers"]["x-multi"], "one, two");
        assert_eq!(j["json"]["k"], serde_json::json!([1, 2]));
        assert_eq!(j["body_len"], 13);
        assert_eq!(j["form"], serde_json::Value::Null);
    }

    #[test]
    fn echo_parses_form_and_cookies() {
        let srv = TestServer::start();
        let r = request(
            srv.addr(),
            "PUT",
            "/put",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", "a=1; b=2"),
            ],
            "x=1&y=hello+world",
        );
        let j = r.json();
        assert_eq!(
            j["form"],
            serde_json::json!([["x", "1"], ["y", "hello world"]])
        );
        assert_eq!(j["cookies"], serde_json::json!({"a": "1", "b": "2"}));
        let c = request(srv.addr(), "GET", "/cookies", &[("Cookie", "s=v")], "").json();
        assert_eq!(c, serde_json::json!({"cookies": {"s": "v"}}));
    }

    #[test]
    fn cookies_set_redirects_with_two_set_cookie_headers() {
        let srv = TestServer::start();
        let r = request(srv.addr(), "GET", "/cookies/set?k1=v1&k2=v2", &[], "");
        assert_eq!(r.status, 302);
        assert_eq!(r.all("location"), vec!["/cookies"]);
        assert_eq!(r.all("set-cookie"), vec!["k1=v1; Path=/", "k2=v2; Path=/"]);
        let d = request(srv.addr(), "GET", "/cookies/delete?k1", &[], "");
        assert_eq!(d.all("set-cookie"), vec!["k1=; Max-Age=0; Path=/"]);
        let m = request(srv.addr(), "GET", "/set-cookie-multi", &[], "");
        assert_eq!(m.all("set-cookie").len(), 3);
    }

    #[test]
    fn gzip_and_deflate_bodies_decompress_to_json() {
        use flate2::read::{DeflateDecoder, GzDecoder, ZlibDecoder};
        let srv = TestServer::start();
        let mut out = String::new();
        let g = request(srv.addr(), "GET", "/gzip", &[], "");
        assert_eq!(g.all("content-encoding"), vec!["gzip"]);
        GzDecoder::new(&g.body[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&out).unwrap()["gzipped"],
            true
        );
        out.clear();
        let z = request(srv.addr(), "GET", "/deflate", &[], "");
        ZlibDecoder::new(&z.body[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&out).unwrap()["deflated"],
            true
        );
        out.clear();
        let d = request(srv.addr(), "GET", "/deflate-raw", &[], "");
        DeflateDecoder::new(&d.body[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&out).unwrap()["method"],
            "GET"
        );
    }

    #[test]
    fn redirects_status_and_auth() {
        let srv = TestServer::start();
        let a = srv.addr();
        assert_eq!(
            request(a, "GET", "/redirect/3", &[], "").all("location"),
            vec!["/redirect/2"]
        );
        assert_eq!(
            request(a, "GET", "/redirect/1", &[], "").all("location"),
            vec!["/get"]
        );
        let abs = request(a, "GET", "/absolute-redirect/2", &[], "");
        assert_eq!(abs.all("location"), vec![srv.url("/absolute-redirect/1")]);
        let to = request(
            a,
            "GET",
            "/redirect-to?url=http%3A%2F%2Fx%2Fy&status_code=307",
            &[],
            "",
        );
        assert_eq!((to.status, to.all("location")), (307, vec!["http://x/y"]));
        let s = request(a, "GET", "/status/418", &[], "");
        assert_eq!((s.status, s.body.len()), (418, 0));
        let denied = request(a, "GET", "/basic-auth/u/p", &[], "");
        assert_eq!(denied.status, 401);
        assert_eq!(
            denied.all("www-authenticate"),
            vec!["Basic realm=\"Fake Realm\""]
        );
        let ok = request(
            a,
            "GET",
            "/basic-auth/u/p",
            &[("Authorization", "Basic dTpw")],
            "",
        );
        assert_eq!(
            ok.json(),
            serde_json::json!({"authenticated": true, "user": "u"})
        );
        let b = request(a, "GET", "/bearer", &[("Authorization", "Bearer tok")], "");
        assert_eq!(b.json()["token"], "tok");
        assert_eq!(request(a, "GET", "/nope", &[], "").status, 404);
    }

    #[test]
    fn response_headers_bytes_and_streams() {
        let srv = TestServer::start();
        let a = srv.addr();
        let rh = request(
            a,
            "GET",
            "/response-headers?X-A=1&X-A=2&status=203",
            &[],
            "",
        );
        assert_eq!((rh.status, rh.all("x-a")), (203, vec!["1", "2"]));
        let b = request(a, "GET", "/bytes/300", &[], "");
        assert_eq!(b.all("content-length"), vec!["300"]);
        assert_eq!((b.body[250], b.body[251], b.body[299]), (250, 0, 48));
        let sb = request(a, "GET", "/stream-bytes/300?chunk_size=64", &[], "");
        assert_eq!(sb.all("transfer-encoding"), vec!["chunked"]);
        assert_eq!(sb.body, b.body);
        let start = std::time::Instant::now();
        let d = request(a, "GET", "/drip?numbytes=3&delay_ms=20", &[], "");
        assert_eq!(d.body, b"***");
        assert!(start.elapsed() >= std::time::Duration::from_millis(60));
        let l = request(a, "GET", "/encoding/latin1", &[], "");
        assert_eq!(l.body, b"caf\xe9");
        let link = request(a, "GET", "/link", &[], "");
        assert!(link.all("link")[0]
            .contains(&format!("127.0.0.1:{}/page/2>; rel=\"next\"", srv.port())));
    }

    #[test]
    fn counts_connections_and_serves_alt_host() {
        let srv = TestServer::start();
        request(srv.addr(), "GET", "/get", &[], "");
        request(srv.addr(), "HEAD", "/get", &[], "");
        assert_eq!(srv.connections(), 2);
        if let Some(alt) = srv.alt_addr() {
            assert_eq!(srv.alt_url("/get"), format!("http://{alt}/get"));
            let r = request(alt, "GET", "/get", &[], "");
            assert_eq!(r.json()["url"], srv.alt_url("/get"));
            assert_eq!(srv.connections(), 3);
        }
    }

    #[tokio::test]
    async fn works_inside_an_async_test() {
        let srv = TestServer::start();
        let addr = srv.addr();
        let r = tokio::task::spawn_blocking(move || request(addr, "GET", "/json", &[], ""))
            .await
            .unwrap();
        assert_eq!(r.json()["slideshow"]["author"], "Yours Truly");
        drop(srv);
    }
}
