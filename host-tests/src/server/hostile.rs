//! Hostile endpoints of `TestServer`, served by hyper: a redirect loop, a redirect chain with big
//! bodies, huge and numerous cookies, thousands of headers, one huge header, a `Link` header with
//! 100,000 entries and a megabyte Digest challenge.
//!
//! hyper's server sends whatever it is given (up to `http::HeaderMap`'s 32,768 entries); the
//! client side of the host (hyper again, in wasmtime's `default_send_request`) refuses a response
//! head of more than 100 headers or about 408 KiB (`8192 + 4096 * 100` bytes) with a parse error,
//! which reaches the guest as `HTTP-protocol-error`. The sizes are query parameters, so a test can
//! go just under those limits (to reach the component) or past them (to see the host refuse).
//! Malformed framing and early answers need raw bytes: see `raw.rs` (`HostileServer`).
//!
//! | path | answer |
//! |---|---|
//! | `/loop` | `302` to `/loop`, forever |
//! | `/chain/N?size=S` | `302` to `/chain/N-1?size=S` with an `S`-byte body; `/chain/0` echoes |
//! | `/hostile/big-cookie?size=S&name=big` | one `Set-Cookie` whose value is `S` bytes (default 200 KiB) |
//! | `/hostile/many-cookies?n=N&size=S` | `N` `Set-Cookie` headers (default 20,000) of `S`-byte values |
//! | `/hostile/joined-cookies?n=N` | one `Set-Cookie` of `N` comma-joined cookies (default 5,000) |
//! | `/hostile/domain-cookie?domain=D` | `Set-Cookie: ps=1; Domain=D` (default `co.uk`) |
//! | `/hostile/many-headers?n=N` | `N` headers `X-Hostile-I` (default 5,000) |
//! | `/hostile/huge-header?size=S` | one `X-Huge` header of `S` bytes (default 1 MiB) |
//! | `/hostile/link?n=N&compact=1` | one `Link` header of `N` entries (default 100,000) |
//! | `/hostile/digest?size=S` | `401` with a Digest challenge of about `S` bytes (default 1 MiB); `200` once answered |

use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{json, Value};

use super::endpoints::{echo, Req};
use super::helpers::{bytes_response, empty, error, json_response, num, with_header, Body};

/// No endpoint makes a header or body bigger than this.
const MAX_SIZE: usize = 64 << 20;
/// `http::HeaderMap` panics past 32,768 entries; stay under it.
const MAX_HEADERS: usize = 30_000;

/// A numeric query parameter, capped; `default` when absent or malformed.
fn arg_num(r: &Req, key: &str, default: usize, cap: usize) -> usize {
    r.arg(key)
        .and_then(|v| num::<usize>(&v))
        .unwrap_or(default)
        .min(cap)
}

/// `S` bytes of `a`..`z`, so a value is a valid token and a valid header value.
fn filler(size: usize) -> String {
    (0..size).map(|i| (b'a' + (i % 26) as u8) as char).collect()
}

/// `/loop`: a redirect to itself, forever.
pub(super) fn redirect_loop(r: &Req) -> Response<Body> {
    let location = if r.query.is_empty() {
        "/loop".to_string()
    } else {
        format!("/loop?{}", r.query)
    };
    with_header(empty(StatusCode::FOUND), header::LOCATION, &location)
}

/// `/chain/N?size=S`: `N` redirects, each with an `S`-byte body, then the echo document.
pub(super) fn chain(r: &Req, n: &str) -> Response<Body> {
    let Some(n) = num::<u32>(n) else {
        return error(StatusCode::BAD_REQUEST, "bad chain length");
    };
    if n == 0 {
        return json_response(StatusCode::OK, &Value::Object(echo(r)));
    }
    let size = arg_num(r, "size", 0, MAX_SIZE);
    let resp = bytes_response(
        StatusCode::FOUND,
        "application/octet-stream",
        vec![b'x'; size],
    );
    let location = format!("/chain/{}?size={size}", n - 1);
    with_header(resp, header::LOCATION, &location)
}

/// `/hostile/<what>`.
pub(super) fn route(r: &Req, what: &str) -> Response<Body> {
    match what {
        "big-cookie" => big_cookie(r),
        "many-cookies" => many_cookies(r),
        "joined-cookies" => joined_cookies(r),
        "domain-cookie" => domain_cookie(r),
        "many-headers" => many_headers(r),
        "huge-header" => huge_header(r),
        "link" => link(r),
        "digest" => digest(r),
        _ => error(StatusCode::NOT_FOUND, "no such hostile endpoint"),
    }
}

/// A small JSON body naming the endpoint, so a response that gets through is recognisable.
fn doc(what: &str) -> Response<Body> {
    json_response(StatusCode::OK, &json!({ "hostile": what }))
}

fn append(resp: &mut Response<Body>, name: HeaderName, value: String) {
    let value = HeaderValue::from_str(&value).expect("filler is a valid header value");
    resp.headers_mut().append(name, value);
}

fn big_cookie(r: &Req) -> Response<Body> {
    let size = arg_num(r, "size", 200 << 10, MAX_SIZE);
    let name = r.arg("name").unwrap_or_else(|| "big".into());
    let mut resp = doc("big-cookie");
    append(
        &mut resp,
        header::SET_COOKIE,
        format!("{name}={}; Path=/", filler(size)),
    );
    resp
}

fn many_cookies(r: &Req) -> Response<Body> {
    let n = arg_num(r, "n", 20_000, MAX_HEADERS);
    let size = arg_num(r, "size", 1, 64 << 10);
    let value = filler(size);
    let mut resp = doc("many-cookies");
    for i in 0..n {
        append(
            &mut resp,
            header::SET_COOKIE,
            format!("c{i}={value}; Path=/"),
        );
    }
    resp
}

fn joined_cookies(r: &Req) -> Response<Body> {
    let n = arg_num(r, "n", 5_000, 1_000_000);
    let joined = (0..n)
        .map(|i| format!("j{i}=v{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut resp = doc("joined-cookies");
    append(&mut resp, header::SET_COOKIE, joined);
    resp
}

fn domain_cookie(r: &Req) -> Response<Body> {
    let domain = r.arg("domain").unwrap_or_else(|| "co.uk".into());
    let resp = doc("domain-cookie");
    with_header(
        resp,
        header::SET_COOKIE,
        &format!("ps=1; Domain={domain}; Path=/"),
    )
}

fn many_headers(r: &Req) -> Response<Body> {
    let n = arg_num(r, "n", 5_000, MAX_HEADERS);
    let mut resp = doc("many-headers");
    for i in 0..n {
        let name = HeaderName::from_bytes(format!("x-hostile-{i}").as_bytes())
            .expect("a valid header name");
        append(&mut resp, name, format!("v{i}"));
    }
    resp
}

fn huge_header(r: &Req) -> Response<Body> {
    let size = arg_num(r, "size", 1 << 20, MAX_SIZE);
    let mut resp = doc("huge-header");
    append(&mut resp, HeaderName::from_static("x-huge"), filler(size));
    resp
}

/// `compact=1` writes `<a>` entries (4 bytes each with the comma) so 100,000 of them fit under
/// the host's 408 KiB response head; otherwise each is a full URL with `rel` and `title`.
fn link(r: &Req) -> Response<Body> {
    let n = arg_num(r, "n", 100_000, 1_000_000);
    let compact = r.arg("compact").is_some_and(|v| v == "1");
    let entries: Vec<String> = (0..n)
        .map(|i| match compact {
            true => "<a>".to_string(),
            false => format!("</page/{i}>; rel=\"p{i}\"; title=\"page {i}\""),
        })
        .collect();
    let mut resp = doc("link");
    append(&mut resp, header::LINK, entries.join(","));
    resp
}

/// A Digest challenge whose nonce and opaque make it about `size` bytes; any `Authorization`
/// answers it (a hostile server does not check).
fn digest(r: &Req) -> Response<Body> {
    if r.header("authorization").is_some() {
        return doc("digest-answered");
    }
    let size = arg_num(r, "size", 1 << 20, MAX_SIZE);
    let half = filler(size / 2);
    let challenge = format!(
        "Digest realm=\"hostile\", qop=\"auth\", algorithm=MD5, nonce=\"{half}\", opaque=\"{half}\""
    );
    let mut resp = empty(StatusCode::UNAUTHORIZED);
    append(&mut resp, header::WWW_AUTHENTICATE, challenge);
    resp
}
