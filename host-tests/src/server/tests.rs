//! Unit tests for `TestServer`: raw HTTP/1.1 requests over TCP against each endpoint family.

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
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
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
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..eol]).unwrap().trim(), 16).unwrap();
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
    assert!(
        link.all("link")[0].contains(&format!("127.0.0.1:{}/page/2>; rel=\"next\"", srv.port()))
    );
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
