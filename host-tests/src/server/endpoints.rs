//! Request model, router and the echo, cookie, header, redirect, status and auth endpoints.

use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Map, Value};

use super::bodies::{
    bytes_fixed, bytes_stream, compressed, delay, drip, lines, lines_fixed, link, static_doc,
    stream_json,
};
use super::helpers::{
    basic_challenge, close_without_answer, empty, error, json_response, multi_dict, num,
    pairs_json, parse_form, status_code, with_header, Body, CloseWithoutAnswer,
};
use super::multipart;
use super::state::State;

/// A fully-read request, with the bits handlers need in convenient form.
pub(super) struct Req {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) query: String,
    host: String,
    /// Lowercase names (hyper's `HeaderMap` order); values decoded as lossy UTF-8.
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Req {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        let mut hits = self.headers.iter().filter(|(n, _)| n == name);
        hits.next().map(|(_, v)| v.as_str())
    }

    fn args(&self) -> Vec<(String, String)> {
        parse_form(&self.query)
    }

    pub(super) fn arg(&self, key: &str) -> Option<String> {
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

/// Answers one request; an error (for a response marked [`CloseWithoutAnswer`]) makes hyper
/// close the connection without sending anything.
pub(super) async fn handle(
    req: Request<Incoming>,
    port: u16,
    state: Arc<State>,
) -> Result<Response<Body>, std::io::Error> {
    let lossy = |v: &HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned();
    let (parts, body) = req.into_parts();
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    state.record(parts.method.as_str(), target, &parts.headers);
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
    let resp = route(&req, port, &state).await;
    match resp.extensions().get::<CloseWithoutAnswer>() {
        Some(_) => Err(std::io::Error::other("closed without an answer")),
        None => Ok(resp),
    }
}

/// Dispatch on the first path segment (`family`) and the rest (`arg`, "" if absent).
async fn route(r: &Req, port: u16, state: &State) -> Response<Body> {
    let trimmed = r.path.strip_prefix('/').unwrap_or(&r.path);
    let (family, arg) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    match (family, arg) {
        ("anything", _) | ("get" | "post" | "put" | "patch" | "delete" | "headers", "") => {
            json_response(StatusCode::OK, &Value::Object(echo(r)))
        }
        ("cookies", "") => json_response(StatusCode::OK, &json!({ "cookies": request_cookies(r) })),
        ("upload", "") => upload(r),
        ("cookies", "set-many") => set_cookie_many(),
        ("cookies", "set" | "delete") => cookies_change(r, arg == "delete"),
        ("response-headers", "") => response_headers(r),
        ("set-cookie-multi", "") => set_cookie_multi(),
        ("redirect", n) => redirect(r, n, false),
        ("absolute-redirect", n) => redirect(r, n, true),
        ("redirect-to", "") => redirect_to(r),
        ("status", n) => status(n),
        ("basic-auth", rest) => basic_auth(r, rest),
        ("digest-auth", rest) => super::digest::digest_auth(r, rest),
        ("bearer", "") => bearer(r),
        ("gzip" | "deflate" | "deflate-raw" | "brotli" | "zstd", "") => compressed(r, family),
        ("delay", ms) => delay(r, ms).await,
        ("drip", "") => drip(r),
        ("bytes", n) => bytes_fixed(r, n),
        ("stream-bytes", n) => bytes_stream(r, n),
        ("lines", "") => lines_fixed(),
        ("lines", n) => lines(r, n),
        ("stream", n) => stream_json(n),
        ("json" | "html" | "not-json" | "bad-gzip", "") | ("encoding", "latin1" | "sjis") => {
            static_doc(family, arg)
        }
        ("link", "") => link(port),
        ("loop", "") => super::hostile::redirect_loop(r),
        ("chain", n) => super::hostile::chain(r, n),
        ("hostile", what) => super::hostile::route(r, what),
        ("flaky", rest) => state.flaky(r, rest).await,
        ("__seen", "") => state.seen(r),
        // On a fresh connection `serve` answers `/garbage` before hyper sees it.
        ("garbage", "") => close_without_answer(),
        _ => error(StatusCode::NOT_FOUND, "not found"),
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

/// The echo document shared by `/anything`, `/get`, ..., `/delay`, `/gzip` and friends.
///
/// `form` holds the fields of a form body, as `[name, value]` pairs: every pair of an
/// `application/x-www-form-urlencoded` body, or the parts without a filename of a
/// `multipart/form-data` one; `null` for other bodies. For a multipart body, `files` maps the
/// name of each part with a filename to its data as text (a list of them for a repeated name)
/// and `parts` lists every part (see `multipart::Part::to_json`); a multipart body that is not
/// well framed gives `multipart_error` instead, and `files` and `parts` are `null` for any other.
pub(super) fn echo(r: &Req) -> Map<String, Value> {
    let pairs = r.args();
    let args = multi_dict(&pairs);
    let mime = r.mime();
    let (mut form, mut files, mut parts, mut multipart_error) =
        (Value::Null, Value::Null, Value::Null, None);
    match mime.as_str() {
        "application/x-www-form-urlencoded" => {
            form = pairs_json(&parse_form(&String::from_utf8_lossy(&r.body)));
        }
        "multipart/form-data" => {
            match multipart::parse(r.header("content-type").unwrap_or(""), &r.body) {
                Ok(list) => {
                    let named =
                        |p: &multipart::Part| (p.name.clone().unwrap_or_default(), p.text());
                    let (with_file, fields): (Vec<_>, Vec<_>) =
                        list.iter().partition(|p| p.filename.is_some());
                    form = pairs_json(&fields.into_iter().map(named).collect::<Vec<_>>());
                    files = Value::Object(multi_dict(
                        &with_file.into_iter().map(named).collect::<Vec<_>>(),
                    ));
                    parts = Value::Array(list.iter().map(multipart::Part::to_json).collect());
                }
                Err(e) => multipart_error = Some(e),
            }
        }
        _ => {}
    }
    let body_json = match mime.as_str() {
        "application/json" => serde_json::from_slice::<Value>(&r.body).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    let query = if r.query.is_empty() {
        String::new()
    } else {
        format!("?{}", r.query)
    };
    let Value::Object(mut doc) = json!({
        "method": r.method,
        "url": format!("http://{}{}{}", r.host, r.path, query),
        "path": r.path,
        "query": r.query,
        "args": args,
        "args_list": pairs_json(&pairs),
        "headers": headers_json(r),
        "headers_list": pairs_json(&r.headers),
        "data": String::from_utf8_lossy(&r.body),
        "body_len": r.body.len(),
        "form": form,
        "files": files,
        "parts": parts,
        "json": body_json,
        "cookies": request_cookies(r),
    }) else {
        unreachable!("json! object literal")
    };
    if let Some(e) = multipart_error {
        doc.insert("multipart_error".into(), Value::String(e));
    }
    doc
}

/// Request headers by lower-case name, repeats joined with `, `.
fn headers_json(r: &Req) -> Value {
    let mut headers = Map::new();
    for (n, v) in &r.headers {
        match headers.get_mut(n) {
            Some(Value::String(s)) => *s = format!("{s}, {v}"),
            _ => drop(headers.insert(n.clone(), Value::String(v.clone()))),
        }
    }
    Value::Object(headers)
}

/// `/upload`: what arrived, without the body itself: `method`, `body_len`, its `sha256` (hex),
/// the `transfer_encoding`, `content_length` and `content_type` headers (`null` when absent) and
/// every `headers` (as the echo gives them).
fn upload(r: &Req) -> Response<Body> {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(&r.body);
    let sha256: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    json_response(
        StatusCode::OK,
        &json!({
            "method": r.method,
            "body_len": r.body.len(),
            "sha256": sha256,
            "transfer_encoding": r.header("transfer-encoding"),
            "content_length": r.header("content-length"),
            "content_type": r.header("content-type"),
            "headers": headers_json(r),
        }),
    )
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

/// `/cookies/set-many`: three Set-Cookie headers, one with an `Expires` date, one with `Max-Age`.
fn set_cookie_many() -> Response<Body> {
    let mut resp = json_response(StatusCode::OK, &json!({ "set": ["a", "b", "c"] }));
    for c in [
        "a=1; Path=/",
        "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/",
        "c=3; Max-Age=3600; Path=/; HttpOnly",
    ] {
        resp = with_header(resp, header::SET_COOKIE, c);
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

/// `Authorization` value minus a case-insensitive auth scheme and the following space.
fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (s, rest) = value.trim().split_once(' ')?;
    s.eq_ignore_ascii_case(scheme).then_some(rest)
}

/// Cookies from every `Cookie` header, `name=value; ...`.
pub(super) fn request_cookies(r: &Req) -> Map<String, Value> {
    let mut out = Map::new();
    for (_, v) in r.headers.iter().filter(|(n, _)| n == "cookie") {
        for part in v.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            out.insert(name.trim().into(), Value::String(value.trim().into()));
        }
    }
    out
}
