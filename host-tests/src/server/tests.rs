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

#[test]
fn multipart_bodies_are_echoed_as_form_files_and_parts() {
    let srv = TestServer::start();
    let body = "--b0\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nhi\r\n\
        --b0\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\
        Content-Type: text/plain\r\n\r\none\r\n\
        --b0\r\nContent-Disposition: form-data; name=\"f\"; filename=\"b.txt\"\r\n\r\ntwo\r\n--b0--\r\n";
    let ct = ("Content-Type", "multipart/form-data; boundary=b0");
    let j = request(srv.addr(), "POST", "/post", &[ct], body).json();
    assert_eq!(j["form"], serde_json::json!([["t", "hi"]]));
    assert_eq!(j["files"], serde_json::json!({"f": ["one", "two"]}));
    assert_eq!(j["parts"][1]["filename"], "a.txt");
    assert_eq!(j["parts"][1]["content_type"], "text/plain");
    assert_eq!(j["parts"][0]["content_type"], serde_json::Value::Null);
    assert_eq!(j["data"], body);
    let bad = request(srv.addr(), "POST", "/post", &[ct], "--b0\r\nno end").json();
    assert!(bad["multipart_error"].is_string(), "{bad}");
    assert_eq!(bad["parts"], serde_json::Value::Null);
}

#[test]
fn upload_reports_digest_and_headers() {
    let srv = TestServer::start();
    let j = request(
        srv.addr(),
        "PUT",
        "/upload",
        &[("X-Tag", "1"), ("Content-Type", "text/plain")],
        "abc",
    )
    .json();
    assert_eq!(j["method"], "PUT");
    assert_eq!(j["body_len"], 3);
    assert_eq!(
        j["sha256"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(j["content_length"], "3");
    assert_eq!(j["content_type"], "text/plain");
    assert_eq!(j["transfer_encoding"], serde_json::Value::Null);
    assert_eq!(j["headers"]["x-tag"], "1");
}

#[test]
fn gzip_option_pad_and_fixed_encodings() {
    use flate2::read::GzDecoder;
    let srv = TestServer::start();
    let a = srv.addr();
    let plain = request(a, "GET", "/bytes/1000", &[], "");
    for target in [
        "/bytes/1000?gzip=1",
        "/stream-bytes/1000?chunk_size=50&gzip=1",
    ] {
        let r = request(a, "GET", target, &[], "");
        assert_eq!(r.all("content-encoding"), vec!["gzip"], "{target}");
        let mut out = Vec::new();
        GzDecoder::new(&r.body[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, plain.body, "{target}");
    }
    let g = request(a, "GET", "/bytes/1000?gzip=1", &[], "");
    assert_eq!(g.all("content-length"), vec![g.body.len().to_string()]);
    let mut out = String::new();
    let padded = request(a, "GET", "/gzip?pad=5", &[], "");
    GzDecoder::new(&padded.body[..])
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["pad"],
        "xxxxx"
    );
    let bad = request(a, "GET", "/bad-gzip", &[], "");
    assert_eq!(
        (bad.all("content-encoding"), &bad.body[..]),
        (vec!["gzip"], &b"this is not gzip"[..])
    );
    let sjis = request(a, "GET", "/encoding/sjis", &[], "");
    assert_eq!(
        sjis.all("content-type"),
        vec!["text/plain; charset=shift_jis"]
    );
    assert_eq!(sjis.body, (0..=255u8).collect::<Vec<u8>>());
}

#[test]
fn lines_streams_and_drip_chunks() {
    let srv = TestServer::start();
    let a = srv.addr();
    let fixed = request(a, "GET", "/lines", &[], "");
    assert_eq!(fixed.all("transfer-encoding"), vec!["chunked"]);
    assert_eq!(
        fixed.body,
        "alpha\r\nbeta\n\ngamma caf\u{e9}\r\nlast".as_bytes()
    );
    let n = request(a, "GET", "/lines/3?crlf=1&chunk_size=4", &[], "");
    assert_eq!(n.body, b"line 0\r\nline 1\r\nline 2\r\n");
    let s = request(a, "GET", "/stream/2", &[], "");
    assert_eq!(s.body, b"{\"id\": 0}\n{\"id\": 1}\n");
    let d = request(a, "GET", "/drip?numbytes=10&chunks=3&delay_ms=0", &[], "");
    assert_eq!(d.body, b"**********");
}

#[test]
fn cookies_set_many_sends_three_with_dates() {
    let srv = TestServer::start();
    let r = request(srv.addr(), "GET", "/cookies/set-many", &[], "");
    assert_eq!(r.status, 200);
    let cookies = r.all("set-cookie");
    assert_eq!(cookies.len(), 3);
    assert!(cookies[1].contains("Expires=Wed, 21 Oct 2037 07:28:00 GMT"));
    assert!(cookies[2].contains("Max-Age=3600") && cookies[2].contains("HttpOnly"));
}

#[test]
fn flaky_counts_per_key_in_both_forms() {
    let srv = TestServer::start();
    let a = srv.addr();
    let first = request(a, "PUT", "/flaky/k/1?status=502&retry_after=0", &[], "");
    assert_eq!((first.status, first.all("retry-after")), (502, vec!["0"]));
    assert_eq!(
        first.json(),
        serde_json::json!({"key": "k", "attempt": 1, "method": "PUT"})
    );
    let second = request(a, "GET", "/flaky/k/1", &[], "");
    assert_eq!(
        (second.status, second.json()["attempt"].clone()),
        (200, 2.into())
    );
    let q = request(a, "GET", "/flaky/1?key=q", &[], "");
    assert_eq!(
        (q.status, q.json()),
        (503, serde_json::json!({"attempts": 1, "method": "GET"}))
    );
    assert_eq!(request(a, "GET", "/flaky/1?key=q", &[], "").status, 200);
    assert_eq!(request(a, "GET", "/flaky/x/y", &[], "").status, 400);
}

/// What comes back on a fresh connection for `target`: every byte until the server closes.
fn raw_answer(addr: SocketAddr, target: &str) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).expect("connect");
    let req = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    s.write_all(req.as_bytes()).expect("write");
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    raw
}

#[test]
fn garbage_and_a_stall_close_without_an_http_answer() {
    let srv = TestServer::start();
    assert_eq!(
        raw_answer(srv.addr(), "/garbage"),
        b"NOT HTTP AT ALL\r\n\r\n"
    );
    assert_eq!(
        raw_answer(srv.addr(), "/garbage?x=1"),
        b"NOT HTTP AT ALL\r\n\r\n"
    );
    assert_eq!(raw_answer(srv.addr(), "/flaky/1?key=s&stall=0"), b"");
    assert_eq!(request(srv.addr(), "GET", "/garbagex", &[], "").status, 404);
    // Behind another request on a kept-alive connection, hyper closes it without an answer.
    let mut s = TcpStream::connect(srv.addr()).expect("connect");
    let host = srv.addr();
    let req = format!(
        "GET /get HTTP/1.1\r\nHost: {host}\r\n\r\nGET /garbage HTTP/1.1\r\nHost: {host}\r\n\r\n"
    );
    s.write_all(req.as_bytes()).expect("write");
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert_eq!(text.matches("HTTP/1.1 ").count(), 1, "{text}");
}

#[test]
fn a_recording_server_tells_what_reached_it() {
    let srv = TestServer::start_recording();
    let a = srv.addr();
    request(a, "GET", "/get?m=one", &[("X-Sig", "a")], "");
    request(a, "POST", "/anything/one/end", &[], "");
    request(a, "GET", "/get?m=two", &[], "");
    let seen = request(a, "GET", "/__seen?marker=one", &[], "").json();
    assert_eq!(seen.as_array().map(Vec::len), Some(2), "{seen}");
    assert_eq!(seen[0]["method"], "GET");
    assert_eq!(seen[0]["path"], "/get?m=one");
    assert_eq!(seen[0]["headers"]["x-sig"], "a");
    assert_eq!(seen[1]["path"], "/anything/one/end");
    let all = request(a, "GET", "/__seen", &[], "").json();
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(3),
        "the log leaves /__seen out"
    );
    let plain = TestServer::start();
    assert_eq!(request(plain.addr(), "GET", "/__seen", &[], "").status, 404);
}
