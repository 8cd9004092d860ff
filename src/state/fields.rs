//! The saved forms of the settings that are objects: hooks, the retry policy, auth and the
//! timeout, each written and read back (validated) here.

use super::limits::bounded;
use super::values::{boolean, shape};
use crate::auth::Auth;
use crate::error::Result;
use crate::settings::HookSet;
use crate::settings::Timeout;
use serde_json::{json, Value};

/// Hook names from their saved form: `{"request": [...], "response": [...]}`.
pub(super) fn hooks_from(v: &Value) -> Result<HookSet> {
    let Value::Object(obj) = v else {
        return Err(shape("\"hooks\" must be an object"));
    };
    if let Some(key) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "request" | "response"))
    {
        return Err(shape(&format!("unknown key {key:?} in \"hooks\"")));
    }
    let names = |event: &str| -> Result<Vec<String>> {
        let bad = || shape(&format!("\"hooks.{event}\" must list hook names"));
        match obj.get(event) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => bounded(items, &format!("hooks.{event}"))?
                .iter()
                .map(|item| item.as_str().map(str::to_string).ok_or_else(bad))
                .collect(),
            Some(_) => Err(bad()),
        }
    };
    let hooks = HookSet {
        request: names("request")?,
        response: names("response")?,
    };
    hooks.validate()?;
    Ok(hooks)
}

pub(super) fn retries_json(p: &crate::retry::RetryPolicy) -> Value {
    json!({
        "total": p.total, "connect": p.connect, "read": p.read, "status": p.status,
        "backoff_factor_ms": p.backoff_factor_ms, "backoff_max_ms": p.backoff_max_ms,
        "backoff_jitter_ms": p.backoff_jitter_ms, "status_forcelist": p.status_forcelist,
        "allowed_methods": p.allowed_methods, "respect_retry_after": p.respect_retry_after,
        "retry_after_max_ms": p.retry_after_max_ms,
    })
}

/// A retry policy from its saved form (every field required), validated.
pub(super) fn retries_from(v: &Value) -> Result<Option<crate::retry::RetryPolicy>> {
    let obj = match v {
        Value::Null => return Ok(None),
        Value::Object(obj) => obj,
        _ => return Err(shape("\"retries\" must be null or an object")),
    };
    let u32_of = |key: &str| -> Result<u32> {
        obj.get(key)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                shape(&format!(
                    "\"retries.{key}\" must be an integer from 0 to 4294967295"
                ))
            })
    };
    let opt_u32 = |key: &str| -> Result<Option<u32>> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => u32_of(key).map(Some),
        }
    };
    let forcelist = match obj.get("status_forcelist") {
        Some(Value::Array(items)) => bounded(items, "retries.status_forcelist")?
            .iter()
            .map(|s| s.as_u64().and_then(|n| u16::try_from(n).ok()))
            .collect::<Option<Vec<u16>>>()
            .ok_or_else(|| shape("\"retries.status_forcelist\" must list status codes"))?,
        _ => return Err(shape("\"retries.status_forcelist\" must be a list")),
    };
    let methods = match obj.get("allowed_methods") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            bounded(items, "retries.allowed_methods")?
                .iter()
                .map(|m| m.as_str().map(str::to_string))
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| shape("\"retries.allowed_methods\" must list method names"))?,
        ),
        Some(_) => return Err(shape("\"retries.allowed_methods\" must be null or a list")),
    };
    let policy = crate::retry::RetryPolicy {
        total: u32_of("total")?,
        connect: opt_u32("connect")?,
        read: opt_u32("read")?,
        status: opt_u32("status")?,
        backoff_factor_ms: u32_of("backoff_factor_ms")?,
        backoff_max_ms: u32_of("backoff_max_ms")?,
        backoff_jitter_ms: u32_of("backoff_jitter_ms")?,
        status_forcelist: forcelist,
        allowed_methods: methods,
        respect_retry_after: boolean(
            obj.get("respect_retry_after").unwrap_or(&Value::Null),
            "retries.respect_retry_after",
        )?,
        retry_after_max_ms: u32_of("retry_after_max_ms")?,
    };
    policy.validate()?;
    Ok(Some(policy))
}

pub(super) fn auth_json(auth: &Auth) -> Value {
    match auth {
        Auth::Basic { username, password } => json!({
            "type": "basic", "username": username, "password": password,
        }),
        Auth::Digest { username, password } => json!({
            "type": "digest", "username": username, "password": password,
        }),
        Auth::Bearer(token) => json!({"type": "bearer", "token": token}),
    }
}

pub(super) fn auth_from(v: &Value) -> Result<Option<Auth>> {
    let obj = match v {
        Value::Null => return Ok(None),
        Value::Object(obj) => obj,
        _ => return Err(shape("\"auth\" must be null or an object with a \"type\"")),
    };
    let text = |key: &str| -> Result<String> {
        obj.get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| shape(&format!("\"auth\" needs a string {key:?}")))
    };
    let (auth, keys): (Auth, &[&str]) = match obj.get("type").and_then(Value::as_str) {
        Some("basic") => (
            Auth::Basic {
                username: text("username")?,
                password: text("password")?,
            },
            &["type", "username", "password"],
        ),
        Some("digest") => (
            Auth::Digest {
                username: text("username")?,
                password: text("password")?,
            },
            &["type", "username", "password"],
        ),
        Some("bearer") => (Auth::Bearer(text("token")?), &["type", "token"]),
        _ => {
            return Err(shape(
                "\"auth\" must have \"type\": \"basic\", \"digest\" or \"bearer\"",
            ))
        }
    };
    if let Some(key) = obj.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(shape(&format!("unknown key {key:?} in \"auth\"")));
    }
    auth.validate()?;
    Ok(Some(auth))
}

pub(super) fn timeout_from(v: &Value) -> Result<Option<Timeout>> {
    let obj = match v {
        Value::Null => return Ok(None),
        Value::Object(obj) => obj,
        _ => return Err(shape("\"timeout\" must be null or an object")),
    };
    if let Some(key) = obj.keys().find(|k| *k != "connect_ms" && *k != "read_ms") {
        return Err(shape(&format!("unknown key {key:?} in \"timeout\"")));
    }
    let ms = |key: &str| -> Result<Option<u32>> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| {
                    shape(&format!(
                        "\"timeout.{key}\" must be null or milliseconds from 0 to 4294967295"
                    ))
                }),
        }
    };
    Ok(Some(Timeout {
        connect_ms: ms("connect_ms")?,
        read_ms: ms("read_ms")?,
    }))
}
