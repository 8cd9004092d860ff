//! Saved session state: the settings and the cookie jar as one JSON document,
//! to keep a session across runs (requests users pickle a `Session`).
//!
//! The document (version 1) is an object; every key but `version` is optional:
//!
//! ```json
//! {"version": 1, "secrets": false,
//!  "headers": [["User-Agent", "requests-component/0.2.0"], ...],
//!  "params": [["k", "v"]],
//!  "auth": {"type": "basic" | "digest", "username": "u", "password": "p"}
//!          | {"type": "bearer", "token": "t"} | null,
//!  "max_redirects": 30, "trust_env": true, "stream": false,
//!  "verify": true | false | {"path": "ca.pem"} | {"pem": "-----BEGIN ..."},
//!  "cert": {"cert": {"path": "client.pem"}, "key": {"pem": "..."} | null} | null,
//!  "proxies": [["https", "http://proxy:3128"]],
//!  "timeout": {"connect_ms": 1000, "read_ms": null} | null,
//!  "base_url": "https://api.example.com/v1/" | null,
//!  "error_for_status": false, "max_body_size": 268435456,
//!  "retries": {"total": 3, "connect": null, ..., "retry_after_max_ms": 30000} | null,
//!  "hooks": {"request": ["sign"], "response": ["log"]},
//!  "cookies": [{"name": "a", "value": "1", "domain": "example.com", "host_only": true,
//!               "path": "/", "secure": false, "http_only": false, "expires": null}]}
//! ```
//!
//! Headers, params and proxies are lists of pairs, so order and repeats survive.
//! Secrets are left out unless asked for: `auth`, the `Authorization` and
//! `Proxy-Authorization` headers, the userinfo of proxy URLs, and a `cert`
//! whose private key is given as data (not as a path); the document
//! then says `"secrets": false`. Importing such a document keeps the session's
//! own secrets: its auth and a `cert` left out (the key is absent), its `Authorization` and
//! `Proxy-Authorization` headers (unless the document has them), and a proxy's
//! credentials when the document's URL is that proxy with them redacted.
//!
//! Import replaces every setting the document holds and keeps the others; a
//! `cookies` list replaces the whole jar. It validates everything before it
//! changes anything: on any error the session is as it was.
//!
//! What import accepts is bounded before it is parsed, since a document may
//! come from anywhere: at most [`MAX_STATE_BYTES`] of text holding at most
//! [`MAX_STATE_VALUES`] JSON values, then at most [`MAX_STATE_COOKIES`] cookies
//! and [`MAX_STATE_ENTRIES`] entries in each other list. Anything larger is
//! `InvalidOption`, and the session is left as it was.
//!
//! This file writes and reads the whole document; its parts are read and
//! written in `state/`: `fields` (auth, timeout, retries, hooks), `jar`
//! (cookies), `values` (pairs, booleans, strings, and the error they give)
//! and `limits` (the bounds above).

use crate::cookies::CookieJar;
use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::settings::Settings;
use serde_json::{json, Map, Value};

mod fields;
mod jar;
mod limits;
mod values;

use fields::{auth_from, auth_json, hooks_from, retries_from, retries_json, timeout_from};
use jar::jar_from;
use limits::too_many_values;
use values::{boolean, optional_string, pairs, pairs_json, shape};

/// The document version this module writes and reads.
pub const VERSION: u64 = 1;

/// Headers that carry credentials, left out of a document without secrets.
pub const SECRET_HEADERS: [&str; 2] = ["Authorization", "Proxy-Authorization"];

/// The longest document [`import`] reads. Defaults to 16 MiB: room for
/// [`MAX_STATE_COOKIES`] cookies of 4 KiB each (RFC 6265 §6.1's minimum a user
/// agent should hold per cookie) and the settings.
pub const MAX_STATE_BYTES: usize = 16 << 20;

/// The most JSON values a document may hold, counted before it is parsed by
/// their separators: the `[`, `{`, `,` and `:` outside strings (about one per
/// value or key; every value after the first needs one). Parsed, each value
/// takes tens of bytes however short its text, so this, not
/// [`MAX_STATE_BYTES`], bounds the memory a document of tiny values
/// (`[0,0,0,...]`) takes. Defaults to 131072: a document with
/// [`MAX_STATE_COOKIES`] cookies and [`MAX_STATE_ENTRIES`] entries in every
/// list has about 65000.
pub const MAX_STATE_VALUES: usize = 128 << 10;

/// The most cookies a document may carry: the jar's own limit,
/// [`crate::cookies::MAX_COOKIES`] (3000, RFC 6265 §6.1), so whatever
/// [`export`] writes imports again. Checked before any cookie is restored.
pub const MAX_STATE_COOKIES: usize = crate::cookies::MAX_COOKIES;

/// The most entries of each other list a document may carry: headers, params,
/// proxies, hook names, retry statuses and methods. Defaults to 1000.
pub const MAX_STATE_ENTRIES: usize = 1000;

/// The session's state as a JSON document (see the module documentation).
/// Expired cookies are left out; secrets only with `include_secrets`.
pub fn export(settings: &Settings, jar: &CookieJar, now: i64, include_secrets: bool) -> String {
    let mut doc = Map::new();
    doc.insert("version".into(), json!(VERSION));
    doc.insert("secrets".into(), json!(include_secrets));

    let headers: Vec<Value> = settings
        .headers
        .iter()
        .filter(|(name, _)| include_secrets || !is_secret_header(name))
        .map(|(name, value)| json!([name, value]))
        .collect();
    doc.insert("headers".into(), Value::Array(headers));
    doc.insert("params".into(), pairs_json(&settings.params));
    if include_secrets {
        let auth = settings.auth.as_ref().map_or(Value::Null, auth_json);
        doc.insert("auth".into(), auth);
    }
    doc.insert("max_redirects".into(), json!(settings.max_redirects));
    doc.insert("trust_env".into(), json!(settings.trust_env));
    doc.insert("stream".into(), json!(settings.stream));
    doc.insert("verify".into(), values::verify_json(&settings.verify));
    // A client certificate's private key given as data is a secret.
    if include_secrets || !settings.cert.as_ref().is_some_and(|c| c.holds_key_data()) {
        doc.insert("cert".into(), values::cert_json(&settings.cert));
    }
    let proxies: Vec<(String, String)> = settings
        .proxies
        .iter()
        .map(|(key, url)| {
            let url = if include_secrets {
                url.clone()
            } else {
                redact_proxy(url)
            };
            (key.clone(), url)
        })
        .collect();
    doc.insert("proxies".into(), pairs_json(&proxies));
    doc.insert(
        "timeout".into(),
        match settings.timeout {
            Some(t) => json!({"connect_ms": t.connect_ms, "read_ms": t.read_ms}),
            None => Value::Null,
        },
    );
    let base_url = settings.base_url.as_ref().map(|u| {
        if include_secrets {
            u.to_string()
        } else {
            crate::urls::redact(u)
        }
    });
    doc.insert("base_url".into(), json!(base_url));
    doc.insert("error_for_status".into(), json!(settings.error_for_status));
    doc.insert("max_body_size".into(), json!(settings.max_body_size));
    doc.insert(
        "retries".into(),
        settings.retries.as_ref().map_or(Value::Null, retries_json),
    );
    doc.insert(
        "hooks".into(),
        json!({"request": settings.hooks.request, "response": settings.hooks.response}),
    );
    let cookies: Vec<Value> = jar
        .snapshot(now)
        .into_iter()
        .map(|c| {
            json!({
                "name": c.name, "value": c.value, "domain": c.domain, "host_only": c.host_only,
                "path": c.path, "secure": c.secure, "http_only": c.http_only, "expires": c.expires,
            })
        })
        .collect();
    doc.insert("cookies".into(), Value::Array(cookies));
    Value::Object(doc).to_string()
}

/// Applies a document made by [`export`] to the session's settings and jar,
/// all or nothing. Errors: `InvalidJson` (not JSON), `InvalidOption` (not
/// version 1, an unknown key, a value of the wrong type, a document or list
/// past its limit), `InvalidHeader` (a bad header or auth), `InvalidCookie` (a
/// cookie a jar cannot hold), `Unsupported` (hooks, when `hooks_supported` is
/// false).
pub fn import(
    json: &str,
    settings: &mut Settings,
    jar: &mut CookieJar,
    now: i64,
    hooks_supported: bool,
) -> Result<()> {
    if json.len() > MAX_STATE_BYTES {
        return Err(shape(&format!(
            "the saved state is {} bytes, more than the {MAX_STATE_BYTES} accepted",
            json.len()
        )));
    }
    if too_many_values(json) {
        return Err(shape(&format!(
            "the saved state holds more than {MAX_STATE_VALUES} JSON values"
        )));
    }
    let doc: Value = serde_json::from_str(json)
        .map_err(|e| Error::InvalidJson(format!("the saved state does not parse: {e}")))?;
    let Value::Object(doc) = doc else {
        return Err(shape("the saved state must be a JSON object"));
    };
    match doc.get("version") {
        Some(v) if v.as_u64() == Some(VERSION) => {}
        Some(v) => {
            return Err(shape(&format!(
                "saved state version {v} is not supported (this component reads version {VERSION})"
            )))
        }
        None => return Err(shape("the saved state has no \"version\"")),
    }
    const KEYS: [&str; 18] = [
        "base_url",
        "hooks",
        "error_for_status",
        "max_body_size",
        "retries",
        "version",
        "secrets",
        "headers",
        "params",
        "auth",
        "max_redirects",
        "trust_env",
        "stream",
        "verify",
        "cert",
        "proxies",
        "timeout",
        "cookies",
    ];
    if let Some(key) = doc.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(shape(&format!("unknown key {key:?} in the saved state")));
    }
    let secrets = match doc.get("secrets") {
        None => false,
        Some(v) => boolean(v, "secrets")?,
    };

    // Build the new state aside; assign only when all of it is valid.
    let mut new = settings.clone();
    if let Some(v) = doc.get("headers") {
        let mut headers = Headers::from_pairs(pairs(v, "headers")?)?;
        if !secrets {
            for secret in SECRET_HEADERS {
                if headers.contains(secret) {
                    continue;
                }
                for (name, value) in settings.headers.iter() {
                    if name.eq_ignore_ascii_case(secret) {
                        headers.append(name, value);
                    }
                }
            }
        }
        new.headers = headers;
    }
    if let Some(v) = doc.get("params") {
        new.params = pairs(v, "params")?;
    }
    if let Some(v) = doc.get("auth") {
        new.auth = auth_from(v)?;
    }
    if let Some(v) = doc.get("max_redirects") {
        new.max_redirects = v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| shape("\"max_redirects\" must be an integer from 0 to 4294967295"))?;
    }
    if let Some(v) = doc.get("trust_env") {
        new.trust_env = boolean(v, "trust_env")?;
    }
    if let Some(v) = doc.get("stream") {
        new.stream = boolean(v, "stream")?;
    }
    if let Some(v) = doc.get("verify") {
        new.set_verify(values::verify_from(v)?)?;
    }
    if let Some(v) = doc.get("cert") {
        new.set_cert(values::cert_from(v)?)?;
    }
    if let Some(v) = doc.get("proxies") {
        let mut proxies = pairs(v, "proxies")?;
        if !secrets {
            // A redacted URL of the proxy the session has keeps its credentials.
            for (key, url) in &mut proxies {
                let current = settings.proxies.iter().find(|(k, _)| k == key);
                if let Some((_, current)) = current {
                    if redact_proxy(current) == *url {
                        url.clone_from(current);
                    }
                }
            }
        }
        new.proxies = proxies;
    }
    if let Some(v) = doc.get("timeout") {
        new.timeout = timeout_from(v)?;
    }
    if let Some(v) = doc.get("base_url") {
        new.base_url = optional_string(v, "base_url")?
            .as_deref()
            .map(crate::urls::parse_base)
            .transpose()?;
    }
    if let Some(v) = doc.get("error_for_status") {
        new.error_for_status = boolean(v, "error_for_status")?;
    }
    if let Some(v) = doc.get("max_body_size") {
        new.max_body_size = v
            .as_u64()
            .ok_or_else(|| shape("\"max_body_size\" must be a non-negative integer"))?;
    }
    if let Some(v) = doc.get("retries") {
        new.retries = retries_from(v)?;
    }
    if let Some(v) = doc.get("hooks") {
        new.hooks = hooks_from(v)?;
        if !new.hooks.is_empty() && !hooks_supported {
            return Err(crate::hooks::unsupported());
        }
    }
    let new_jar = match doc.get("cookies") {
        Some(v) => Some(jar_from(v, now)?),
        None => None,
    };

    *settings = new;
    if let Some(new_jar) = new_jar {
        *jar = new_jar;
    }
    Ok(())
}

fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// A proxy URL without its userinfo (`http://u:p@proxy:3128` becomes
/// `http://proxy:3128`); it works on text, so a URL that does not parse is
/// redacted too.
pub fn redact_proxy(url: &str) -> String {
    crate::urls::strip_userinfo_str(url)
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
