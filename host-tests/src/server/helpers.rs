//! Shared pieces for the endpoints: the response body type, response builders and query/form parsing.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{json, Map, Value};

/// Response body type used by every handler.
pub(super) type Body = BoxBody<Bytes, Infallible>;

pub(super) fn empty(status: StatusCode) -> Response<Body> {
    let mut resp = Response::new(Empty::new().boxed());
    *resp.status_mut() = status;
    resp
}

pub(super) fn bytes_response(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut resp = Response::new(Full::new(body.into()).boxed());
    *resp.status_mut() = status;
    with_header(resp, header::CONTENT_TYPE, content_type)
}

pub(super) fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    let text = serde_json::to_vec(value).expect("serialize json");
    bytes_response(status, "application/json", text)
}

pub(super) fn error(status: StatusCode, msg: &str) -> Response<Body> {
    json_response(status, &json!({ "error": msg }))
}

/// Marks a response that must not be sent: the connection is closed without an answer instead
/// (`endpoints::handle` turns it into an error, on which hyper drops the connection).
#[derive(Clone, Copy)]
pub(super) struct CloseWithoutAnswer;

pub(super) fn close_without_answer() -> Response<Body> {
    let mut resp = empty(StatusCode::INTERNAL_SERVER_ERROR);
    resp.extensions_mut().insert(CloseWithoutAnswer);
    resp
}

pub(super) fn basic_challenge() -> Response<Body> {
    let resp = empty(StatusCode::UNAUTHORIZED);
    with_header(resp, header::WWW_AUTHENTICATE, "Basic realm=\"Fake Realm\"")
}

/// Appends a header (never replaces); a value that is not a valid header value is skipped.
pub(super) fn with_header(
    mut resp: Response<Body>,
    name: HeaderName,
    value: &str,
) -> Response<Body> {
    if let Ok(v) = HeaderValue::from_bytes(value.as_bytes()) {
        resp.headers_mut().append(name, v);
    }
    resp
}

pub(super) fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.trim().parse().ok()
}

pub(super) fn status_code(s: &str) -> Option<StatusCode> {
    num::<u16>(s).and_then(|c| StatusCode::from_u16(c).ok())
}

pub(super) fn pairs_json(pairs: &[(String, String)]) -> Value {
    Value::Array(pairs.iter().map(|(k, v)| json!([k, v])).collect())
}

/// httpbin's multi-dict: a name seen once maps to its value, a repeated one to the list of values.
pub(super) fn multi_dict(pairs: &[(String, String)]) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in pairs {
        let v = Value::String(v.clone());
        match out.get_mut(k) {
            None => drop(out.insert(k.clone(), v)),
            Some(Value::Array(list)) => list.push(v),
            Some(first) => *first = Value::Array(vec![first.take(), v]),
        }
    }
    out
}

/// `application/x-www-form-urlencoded` parsing, pair order kept.
pub(super) fn parse_form(s: &str) -> Vec<(String, String)> {
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
