//! `/digest-auth/QOP/USER/PASS/ALGORITHM[/stale-once]`: an RFC 7616 Digest server that checks the
//! client's answer, requires the cookie its challenge set, and can refuse a first nonce as stale.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use hyper::header;
use hyper::{Response, StatusCode};
use serde_json::json;

use super::endpoints::{request_cookies, Req};
use super::helpers::{empty, error, json_response, with_header, Body};

const REALM: &str = "requests-component@loopback";

/// Nonces issued with `stale=TRUE` (for `stale-once`): answers with these succeed.
static AFTER_STALE: Mutex<Option<HashSet<String>>> = Mutex::new(None);
static NEXT_NONCE: AtomicU64 = AtomicU64::new(1);

fn hash(algorithm: &str, data: &str) -> Option<String> {
    use sha2::Digest as _;
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let base = algorithm
        .trim_end_matches("-sess")
        .trim_end_matches("-SESS")
        .to_ascii_uppercase();
    Some(match base.as_str() {
        "MD5" => hex(&md5::Md5::digest(data.as_bytes())),
        "SHA" => hex(&sha1::Sha1::digest(data.as_bytes())),
        "SHA-256" => hex(&sha2::Sha256::digest(data.as_bytes())),
        "SHA-512-256" => hex(&sha2::Sha512_256::digest(data.as_bytes())),
        _ => return None,
    })
}

/// Parses `Digest k=v, k="v"` (quotes with `\"` escapes) into pairs, lower-case keys.
fn params(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq]
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let val;
        if let Some(stripped) = rest.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = stripped.char_indices();
            let mut end = stripped.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n)
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => v.push(c),
                }
            }
            val = v;
            rest = stripped[end..].trim_start();
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            val = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        rest = rest.trim_start_matches(',').trim_start();
        out.push((key, val));
    }
    out
}

fn challenge(qop: &str, algorithm: &str, stale: bool) -> Response<Body> {
    let n = NEXT_NONCE.fetch_add(1, Ordering::Relaxed);
    let nonce = format!("{:016x}{:016x}", n.wrapping_mul(0x9e37_79b9_7f4a_7c15), n);
    if stale {
        let mut after = AFTER_STALE.lock().expect("nonce set");
        after.get_or_insert_with(HashSet::new).insert(nonce.clone());
    }
    let qop = if qop == "none" {
        String::new()
    } else {
        format!(", qop=\"{qop}\"")
    };
    let value = format!(
        "Digest realm=\"{REALM}\", nonce=\"{nonce}\"{qop}, opaque=\"0pa9ue\", algorithm={algorithm}, stale={}",
        if stale { "TRUE" } else { "FALSE" }
    );
    let resp = with_header(
        empty(StatusCode::UNAUTHORIZED),
        header::WWW_AUTHENTICATE,
        &value,
    );
    with_header(resp, header::SET_COOKIE, "digest_seen=1; Path=/")
}

pub(super) fn digest_auth(r: &Req, rest: &str) -> Response<Body> {
    let parts: Vec<&str> = rest.split('/').collect();
    let (qop, user, pass, algorithm) = match parts.as_slice() {
        [q, u, p] => (*q, *u, *p, "MD5"),
        [q, u, p, a] | [q, u, p, a, _] => (*q, *u, *p, *a),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "use /digest-auth/QOP/USER/PASS/ALGORITHM",
            )
        }
    };
    let stale_once = parts.get(4) == Some(&"stale-once");
    if hash(algorithm, "").is_none() {
        return error(StatusCode::BAD_REQUEST, "unknown algorithm");
    }
    let Some(auth) = r
        .header("authorization")
        .and_then(|v| v.strip_prefix("Digest "))
    else {
        return challenge(qop, algorithm, false);
    };
    if !request_cookies(r).contains_key("digest_seen") {
        return error(
            StatusCode::FORBIDDEN,
            "the cookie set with the challenge was not sent back",
        );
    }
    let p = params(auth);
    let get = |k: &str| {
        p.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let (nonce, cnonce, nc, uri) = (get("nonce"), get("cnonce"), get("nc"), get("uri"));
    let expected_uri = if r.query.is_empty() {
        r.path.clone()
    } else {
        format!("{}?{}", r.path, r.query)
    };
    if get("username") != user
        || get("realm") != REALM
        || uri != expected_uri
        || get("opaque") != "0pa9ue"
    {
        return challenge(qop, algorithm, false);
    }
    let h = |s: &str| hash(algorithm, s).unwrap_or_default();
    let mut ha1 = h(&format!("{user}:{REALM}:{pass}"));
    if algorithm.to_ascii_lowercase().ends_with("-sess") {
        ha1 = h(&format!("{ha1}:{nonce}:{cnonce}"));
    }
    let ha2 = h(&format!("{}:{uri}", r.method));
    let expected = match qop {
        "none" => h(&format!("{ha1}:{nonce}:{ha2}")),
        _ => h(&format!("{ha1}:{nonce}:{nc}:{cnonce}:{}:{ha2}", get("qop"))),
    };
    if get("response") != expected {
        return challenge(qop, algorithm, false);
    }
    if stale_once {
        // The first valid answer is refused as stale with a fresh nonce; an answer
        // with a nonce issued that way succeeds (RFC 7616 §3.3 `stale`).
        let accepted = AFTER_STALE
            .lock()
            .expect("nonce set")
            .as_ref()
            .is_some_and(|set| set.contains(nonce));
        if !accepted {
            return challenge(qop, algorithm, true);
        }
    }
    json_response(
        StatusCode::OK,
        &json!({"authenticated": true, "user": user, "nc": nc, "algorithm": algorithm}),
    )
}
