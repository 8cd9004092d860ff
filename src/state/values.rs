//! The document's plain values: `[name, value]` pairs, booleans, optional strings, and the
//! `InvalidOption` error a value of the wrong shape gives.

use super::limits::bounded;
use crate::error::{Error, Result};
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
