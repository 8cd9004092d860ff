//! The saved form of the cookie jar: a bounded list of cookie objects, each restored into a
//! fresh jar.

use super::values::{boolean, shape};
use super::MAX_STATE_COOKIES;
use crate::cookies::{CookieJar, StoredCookie};
use crate::error::Result;
use serde_json::Value;

pub(super) fn jar_from(v: &Value, now: i64) -> Result<CookieJar> {
    let list = v
        .as_array()
        .ok_or_else(|| shape("\"cookies\" must be a list of cookie objects"))?;
    if list.len() > MAX_STATE_COOKIES {
        return Err(shape(&format!(
            "the saved state has {} cookies, more than the {MAX_STATE_COOKIES} accepted",
            list.len()
        )));
    }
    let mut jar = CookieJar::new();
    for (i, item) in list.iter().enumerate() {
        let obj = item
            .as_object()
            .ok_or_else(|| shape(&format!("cookie {i} must be an object")))?;
        const KEYS: [&str; 8] = [
            "name",
            "value",
            "domain",
            "host_only",
            "path",
            "secure",
            "http_only",
            "expires",
        ];
        if let Some(key) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(shape(&format!("unknown key {key:?} in cookie {i}")));
        }
        let text = |key: &str| -> Result<String> {
            obj.get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| shape(&format!("cookie {i} needs a string {key:?}")))
        };
        let flag = |key: &str| -> Result<bool> {
            match obj.get(key) {
                None => Ok(false),
                Some(v) => boolean(v, &format!("cookie {i} {key}")),
            }
        };
        let mut cookie = StoredCookie::new(
            text("name")?,
            text("value")?,
            text("domain")?,
            text("path")?,
        );
        cookie.host_only = flag("host_only")?;
        cookie.secure = flag("secure")?;
        cookie.http_only = flag("http_only")?;
        cookie.expires = match obj.get("expires") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_i64().ok_or_else(|| {
                shape(&format!(
                    "cookie {i} \"expires\" must be null or whole seconds since the Unix epoch"
                ))
            })?),
        };
        jar.restore(cookie, now)?;
    }
    Ok(jar)
}
