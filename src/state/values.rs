//! The document's plain values: `[name, value]` pairs, booleans, optional strings, and the
//! `InvalidOption` error a value of the wrong shape gives.

use super::limits::bounded;
use crate::error::{Error, Result};
use crate::settings::{ClientCert, Pem, Verify};
use serde_json::{json, Value};

/// A list of `[string, string]` pairs.
pub(super) fn pairs(v: &Value, what: &str) -> Result<Vec<(String, String)>> {
    let bad = || {
        shape(&format!(
            "{what:?} must be a list of [name, value] string pairs"
        ))
    };
    let list = bounded(v.as_array().ok_or_else(bad)?, what)?;
    list.iter()
        .map(|pair| match pair.as_array().map(Vec::as_slice) {
            Some([Value::String(a), Value::String(b)]) => Ok((a.clone(), b.clone())),
            _ => Err(bad()),
        })
        .collect()
}

pub(super) fn pairs_json(pairs: &[(String, String)]) -> Value {
    Value::Array(pairs.iter().map(|(a, b)| json!([a, b])).collect())
}

pub(super) fn boolean(v: &Value, what: &str) -> Result<bool> {
    v.as_bool()
        .ok_or_else(|| shape(&format!("{what:?} must be true or false")))
}

pub(super) fn optional_string(v: &Value, what: &str) -> Result<Option<String>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(shape(&format!("{what:?} must be null or a string"))),
    }
}

pub(super) fn shape(message: &str) -> Error {
    Error::InvalidOption(message.to_string())
}

/// PEM data as the document holds it: `{"path": "..."}` or `{"pem": "..."}`.
fn pem_json(pem: &Pem) -> Value {
    match pem {
        Pem::Path(p) => json!({ "path": p }),
        Pem::Data(d) => json!({ "pem": d }),
    }
}

fn pem_from(v: &Value, what: &str) -> Result<Pem> {
    let bad = || {
        shape(&format!(
            "{what:?} must be {{\"path\": string}}, {{\"pem\": string}} or a path string"
        ))
    };
    match v {
        // requests' own shape: a path.
        Value::String(p) => Ok(Pem::Path(p.clone())),
        Value::Object(o) if o.len() == 1 => match (o.get("path"), o.get("pem")) {
            (Some(Value::String(p)), None) => Ok(Pem::Path(p.clone())),
            (None, Some(Value::String(d))) => Ok(Pem::Data(d.clone())),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// `verify`: `true`, `false`, or a CA bundle as PEM data or a path.
pub(super) fn verify_json(verify: &Verify) -> Value {
    match verify {
        Verify::Enabled => Value::Bool(true),
        Verify::Disabled => Value::Bool(false),
        Verify::CaBundle(pem) => pem_json(pem),
    }
}

pub(super) fn verify_from(v: &Value) -> Result<Verify> {
    match v {
        Value::Bool(true) => Ok(Verify::Enabled),
        Value::Bool(false) => Ok(Verify::Disabled),
        other => pem_from(other, "verify").map(Verify::CaBundle),
    }
}

/// `cert`: `null`, or `{"cert": PEM, "key": PEM or null}` (a path string alone is the cert).
pub(super) fn cert_json(cert: &Option<ClientCert>) -> Value {
    match cert {
        None => Value::Null,
        Some(c) => json!({
            "cert": pem_json(&c.cert),
            "key": c.key.as_ref().map_or(Value::Null, pem_json),
        }),
    }
}

pub(super) fn cert_from(v: &Value) -> Result<Option<ClientCert>> {
    match v {
        Value::Null => Ok(None),
        Value::String(p) => Ok(Some(ClientCert {
            cert: Pem::Path(p.clone()),
            key: None,
        })),
        Value::Object(o) => {
            let cert = pem_from(o.get("cert").unwrap_or(&Value::Null), "cert")?;
            let key = match o.get("key") {
                None | Some(Value::Null) => None,
                Some(k) => Some(pem_from(k, "cert key")?),
            };
            Ok(Some(ClientCert { cert, key }))
        }
        _ => Err(shape(
            "\"cert\" must be null, a path string or {\"cert\": ..., \"key\": ...}",
        )),
    }
}
