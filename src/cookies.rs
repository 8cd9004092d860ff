//! The cookie jar: RFC 6265 storage and selection (domain, path, Secure, expiry).
//!
//! Parsing of `Set-Cookie` is the `cookie` crate's; what to store and what to
//! send follows RFC 6265 §5.3 and §5.4, with one requests behaviour kept: a
//! cookie set by hand without a domain goes to every host.

use crate::error::{Error, Result};
use url::{Host, Url};

/// A cookie held by the jar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCookie {
    pub name: String,
    pub value: String,
    /// Lower-case, no leading dot; empty matches every host (cookies set by hand).
    pub domain: String,
    /// Sent only to `domain` itself (no `Domain` attribute, RFC 6265 §5.3 step 6).
    pub host_only: bool,
    pub path: String,
    pub secure: bool,
    pub http_only: bool,
    /// Seconds since the Unix epoch; `None` for a session cookie.
    pub expires: Option<i64>,
    /// Creation order, for the `Cookie` header order of RFC 6265 §5.4 step 2.
    created: u64,
}

impl StoredCookie {
    /// A host-wide (not host-only), non-secure session cookie; set the other
    /// public fields, then put it into a jar with [`CookieJar::restore`].
    pub fn new(
        name: impl Into<String>,
        value: impl Into<String>,
        domain: impl Into<String>,
        path: impl Into<String>,
    ) -> Self {
        StoredCookie {
            name: name.into(),
            value: value.into(),
            domain: domain.into(),
            host_only: false,
            path: path.into(),
            secure: false,
            http_only: false,
            expires: None,
            created: 0,
        }
    }
}

/// A cookie put into the jar by hand.
#[derive(Debug, Clone, Default)]
pub struct NewCookie {
    pub name: String,
    pub value: String,
    pub domain: Option<String>,
    pub path: Option<String>,
    pub secure: bool,
    pub expires: Option<i64>,
}

/// The session's cookies.
#[derive(Debug, Clone, Default)]
pub struct CookieJar {
    cookies: Vec<StoredCookie>,
    next_created: u64,
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores the `Set-Cookie` values of a response received from `url`.
    /// Returns the cookies the response set (deletions excluded). Malformed
    /// cookies and cookies for another domain are ignored, as user agents must.
    pub fn store_response_cookies<'a>(
        &mut self,
        url: &Url,
        set_cookie_values: impl IntoIterator<Item = &'a str>,
        now: i64,
    ) -> Vec<StoredCookie> {
        let mut set = Vec::new();
        for header in set_cookie_values {
            for line in split_set_cookie(header) {
                if let Some(cookie) = self.store_one(url, line, now) {
                    set.push(cookie);
                }
            }
        }
        set
    }

    fn store_one(&mut self, url: &Url, line: &str, now: i64) -> Option<StoredCookie> {
        let parsed = cookie::Cookie::parse(line).ok()?;
        let host = url.host_str()?.to_ascii_lowercase();
        // RFC 6265 §5.3 step 3: Max-Age wins over Expires.
        let expires = match (parsed.max_age(), parsed.expires_datetime()) {
            (Some(age), _) => Some(now.saturating_add(age.whole_seconds().max(-1))),
            (None, Some(at)) => Some(at.unix_timestamp()),
            (None, None) => None,
        };
        let (domain, host_only) = match parsed
            .domain()
            .map(|d| d.trim_start_matches('.').to_ascii_lowercase())
        {
            Some(d) if !d.is_empty() => {
                // §5.3 step 6: the request host must domain-match the attribute; an
                // IP host only matches itself; a single label (a TLD) is refused
                // unless it is the host itself (`localhost`).
                let is_ip = !matches!(url.host(), Some(Host::Domain(_)));
                if (is_ip && d != host)
                    || !domain_match(&host, &d)
                    || (!d.contains('.') && d != host)
                {
                    return None;
                }
                (d, false)
            }
            _ => (host, true),
        };
        let path = match parsed.path() {
            Some(p) if p.starts_with('/') => p.to_string(),
            _ => default_path(url.path()),
        };
        let cookie = StoredCookie {
            name: parsed.name().to_string(),
            value: parsed.value().to_string(),
            domain,
            host_only,
            path,
            secure: parsed.secure().unwrap_or(false),
            http_only: parsed.http_only().unwrap_or(false),
            expires,
            created: 0,
        };
        let expired = cookie.expires.is_some_and(|e| e <= now);
        self.insert(cookie, expired)
    }

    /// Replaces a cookie with the same name, domain and path (keeping its
    /// creation order, §5.3 step 11), or adds it; an expired one only deletes.
    fn insert(&mut self, mut cookie: StoredCookie, expired: bool) -> Option<StoredCookie> {
        let existing = self.cookies.iter().position(|c| {
            c.name == cookie.name && c.domain == cookie.domain && c.path == cookie.path
        });
        if expired {
            if let Some(i) = existing {
                self.cookies.remove(i);
            }
            return None;
        }
        match existing {
            Some(i) => {
                cookie.created = self.cookies[i].created;
                self.cookies[i] = cookie.clone();
            }
            None => {
                cookie.created = self.next_created;
                self.next_created += 1;
                self.cookies.push(cookie.clone());
            }
        }
        Some(cookie)
    }

    /// Puts a cookie into the jar by hand, after validating it.
    pub fn set(&mut self, new: NewCookie, now: i64) -> Result<()> {
        validate_name(&new.name)?;
        validate_value(&new.value)?;
        let domain = match new.domain {
            Some(d) => {
                let d = d.trim_start_matches('.').to_ascii_lowercase();
                if d.is_empty()
                    || !d
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
                {
                    return Err(Error::InvalidCookie(format!("invalid cookie domain {d:?}")));
                }
                d
            }
            None => String::new(),
        };
        let path = new.path.unwrap_or_else(|| "/".to_string());
        if !path.starts_with('/') || path.bytes().any(|b| b == b';' || b.is_ascii_control()) {
            return Err(Error::InvalidCookie(format!(
                "invalid cookie path {path:?}: it must start with '/'"
            )));
        }
        let cookie = StoredCookie {
            name: new.name,
            value: new.value,
            host_only: false,
            domain,
            path,
            secure: new.secure,
            http_only: false,
            expires: new.expires,
            created: 0,
        };
        let expired = cookie.expires.is_some_and(|e| e <= now);
        self.insert(cookie, expired);
        Ok(())
    }

    /// Puts back a cookie as the jar held it (saved state), with every
    /// attribute, `host_only` and `http_only` included; it becomes the newest.
    /// What a jar can hold from a `Set-Cookie` is accepted, and nothing that
    /// could break the `Cookie` header: a non-empty name without `=`; a name,
    /// value and path without `;` or control characters other than tab (`,`,
    /// spaces and quotes, which servers set, are kept); a lower-case domain of
    /// host-name characters, required for a host-only cookie (empty means
    /// every host); a path starting with `/`. An expired cookie only deletes.
    pub fn restore(&mut self, cookie: StoredCookie, now: i64) -> Result<()> {
        let breaks = |s: &str| s.chars().any(|c| c == ';' || (c.is_control() && c != '\t'));
        if cookie.name.is_empty() || cookie.name.contains('=') || breaks(&cookie.name) {
            return Err(Error::InvalidCookie(format!(
                "invalid cookie name {:?}: it must be non-empty, without '=', ';' or control characters",
                cookie.name
            )));
        }
        if breaks(&cookie.value) {
            return Err(Error::InvalidCookie(format!(
                "invalid cookie value {:?}: ';' and control characters are not allowed",
                cookie.value
            )));
        }
        let domain_ok = cookie
            .domain
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.:[]_".contains(&b))
            && !cookie.domain.starts_with('.');
        if !domain_ok || (cookie.host_only && cookie.domain.is_empty()) {
            return Err(Error::InvalidCookie(format!(
                "invalid cookie domain {:?} for {:?}: a lower-case host name without a leading dot (required for a host-only cookie)",
                cookie.domain, cookie.name
            )));
        }
        if !cookie.path.starts_with('/') || breaks(&cookie.path) {
            return Err(Error::InvalidCookie(format!(
                "invalid cookie path {:?}: it must start with '/'",
                cookie.path
            )));
        }
        let expired = cookie.expires.is_some_and(|e| e <= now);
        self.insert(cookie, expired);
        Ok(())
    }

    /// The unexpired cookies in creation order, leaving the jar as it is.
    pub fn snapshot(&self, now: i64) -> Vec<StoredCookie> {
        self.cookies
            .iter()
            .filter(|c| c.expires.is_none_or(|e| e > now))
            .cloned()
            .collect()
    }

    /// Removes cookies by name (and domain and path, when given); returns how many.
    pub fn remove(&mut self, name: &str, domain: Option<&str>, path: Option<&str>) -> usize {
        let domain = domain.map(|d| d.trim_start_matches('.').to_ascii_lowercase());
        let before = self.cookies.len();
        self.cookies.retain(|c| {
            !(c.name == name
                && domain.as_deref().is_none_or(|d| c.domain == d)
                && path.is_none_or(|p| c.path == p))
        });
        before - self.cookies.len()
    }

    /// Empties the jar.
    pub fn clear(&mut self) {
        self.cookies.clear();
    }

    /// Drops expired cookies, then lists the rest in creation order.
    pub fn list(&mut self, now: i64) -> Vec<StoredCookie> {
        self.cookies.retain(|c| c.expires.is_none_or(|e| e > now));
        self.cookies.clone()
    }

    /// The `Cookie` header for a request to `url` (RFC 6265 §5.4): matching,
    /// unexpired cookies, longest path first, then oldest first. `extra` are
    /// request-only cookies; they replace jar cookies of the same name.
    pub fn header_for(&self, url: &Url, now: i64, extra: &[(String, String)]) -> Option<String> {
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let is_ip = !matches!(url.host(), Some(Host::Domain(_)));
        let https = url.scheme() == "https";
        let mut chosen: Vec<&StoredCookie> = self
            .cookies
            .iter()
            .filter(|c| {
                let domain_ok = if c.domain.is_empty() {
                    true
                } else if c.host_only || is_ip {
                    c.domain == host
                } else {
                    domain_match(&host, &c.domain)
                };
                domain_ok
                    && path_match(url.path(), &c.path)
                    && (!c.secure || https)
                    && c.expires.is_none_or(|e| e > now)
                    && !extra.iter().any(|(n, _)| *n == c.name)
            })
            .collect();
        chosen.sort_by(|a, b| {
            b.path
                .len()
                .cmp(&a.path.len())
                .then(a.created.cmp(&b.created))
        });
        let pairs = chosen
            .iter()
            .map(|c| (c.name.as_str(), c.value.as_str()))
            .chain(extra.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let header = pairs
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        (!header.is_empty()).then_some(header)
    }
}

/// Validates a cookie name given by hand: a non-empty token (RFC 6265 §4.1.1).
pub fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() || !name.bytes().all(crate::headers::is_tchar) {
        return Err(Error::InvalidCookie(format!(
            "invalid cookie name {name:?}: it must be a non-empty token (no spaces, '=', ';' or control characters)"
        )));
    }
    Ok(())
}

/// Validates a cookie value given by hand: no `;`, `,`, or control characters,
/// which would break or inject into the `Cookie` header.
pub fn validate_value(value: &str) -> Result<()> {
    if value
        .bytes()
        .any(|b| b == b';' || b == b',' || b.is_ascii_control())
    {
        return Err(Error::InvalidCookie(format!(
            "invalid cookie value {value:?}: ';', ',' and control characters are not allowed"
        )));
    }
    Ok(())
}

/// RFC 6265 §5.1.3 domain-match (for non-IP hosts).
pub fn domain_match(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host[..host.len() - domain.len()].ends_with('.'))
}

/// RFC 6265 §5.1.4 path-match.
pub fn path_match(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || request_path[cookie_path.len()..].starts_with('/')))
}

/// RFC 6265 §5.1.4 default-path: the request path up to, not including, its last `/`.
pub fn default_path(request_path: &str) -> String {
    match request_path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => request_path[..i].to_string(),
    }
}

/// Splits a `Set-Cookie` value that a host may have joined with commas
/// (`a=1, b=2; Expires=Wed, 21 Oct 2037 ...`). A comma starts a new cookie only
/// when a `name=` with no space follows it, so commas inside `Expires` dates stay.
pub fn split_set_cookie(value: &str) -> impl Iterator<Item = &str> {
    let bytes = value.as_bytes();
    let mut cuts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        if b == b',' && starts_cookie(&value[i + 1..]) {
            cuts.push(i + 1);
        }
    }
    cuts.push(value.len() + 1);
    let parts: Vec<&str> = cuts
        .windows(2)
        .map(|w| value[w[0]..w[1] - 1].trim())
        .filter(|s| !s.is_empty())
        .collect();
    parts.into_iter()
}

fn starts_cookie(rest: &str) -> bool {
    let rest = rest.trim_start();
    let end = rest.find(['=', ';', ',', ' ']).unwrap_or(rest.len());
    end > 0 && rest.as_bytes().get(end) == Some(&b'=')
}

#[cfg(test)]
#[path = "cookies_tests.rs"]
mod tests;
