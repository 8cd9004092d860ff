//! Named sessions saved as JSON between runs (like HTTPie's `--session`): default headers and cookies.

use anyhow::{Context, Result};
use host_tests::host::{Cookie, NewCookie};
use serde_json::{json, Value};
use std::path::Path;

/// What a session file holds.
#[derive(Debug, Default)]
pub struct Saved {
    pub headers: Vec<(String, String)>,
    pub cookies: Vec<NewCookie>,
}

/// Reads a session file; a missing file is an empty session.
pub fn load(path: &Path) -> Result<Saved> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Saved::default()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let doc: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let headers = doc["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| Some((h[0].as_str()?.to_string(), h[1].as_str()?.to_string())))
        .collect();
    let cookies = doc["cookies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some(NewCookie {
                name: c["name"].as_str()?.to_string(),
                value: c["value"].as_str()?.to_string(),
                domain: c["domain"]
                    .as_str()
                    .filter(|d| !d.is_empty())
                    .map(str::to_string),
                path: c["path"].as_str().map(str::to_string),
                secure: c["secure"].as_bool().unwrap_or(false),
                expires: c["expires"].as_i64(),
            })
        })
        .collect();
    Ok(Saved { headers, cookies })
}

/// Writes the session's headers and cookies back.
pub fn save(path: &Path, headers: &[(String, String)], cookies: &[Cookie]) -> Result<()> {
    let cookies: Vec<Value> = cookies
        .iter()
        .map(|c| {
            json!({"name": c.name, "value": c.value, "domain": c.domain, "path": c.path,
                   "secure": c.secure, "expires": c.expires})
        })
        .collect();
    let doc = json!({"headers": headers, "cookies": cookies});
    std::fs::write(path, serde_json::to_string_pretty(&doc)? + "\n")
        .with_context(|| format!("writing {}", path.display()))
}
