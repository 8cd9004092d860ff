//! The cookie jar: RFC 6265 storage and selection (domain, path, Secure, expiry).
//!
//! Parsing of `Set-Cookie` is the `cookie` crate's; what to store and what to
//! send follows RFC 6265 §5.3 and §5.4, with one requests behaviour kept: a
//! cookie set by hand without a domain goes to every host.
//!
//! The jar is bounded as browsers bound theirs (RFC 6265 §6.1): cookies larger
//! than [`MAX_COOKIE_SIZE`] are ignored, a site keeps at most
//! [`MAX_COOKIES_PER_DOMAIN`] and the jar at most [`MAX_COOKIES`], evicting
//! expired cookies first, then the site's or the jar's least recently set
//! cookie (§5.3 step 12); one response sets at most
//! [`MAX_SET_COOKIES_PER_RESPONSE`]. Cookies for a public suffix (`co.uk`,
//! `github.io`, from the compiled-in Public Suffix List) are refused (§5.3
//! step 5). Storing and selecting look only at the request host's domains.

use std::net::Ipv4Addr;

use psl::Psl;

use crate::error::{Error, Result};
use url::{Host, Url};

mod index;

use index::Index;

/// The largest cookie kept, in bytes: a `Set-Cookie` line (name, value and
/// attributes, RFC 6265 §6.1) longer than this is ignored, as browsers do; a
/// cookie set by hand whose name, value, domain and path add up to more is
/// refused. Defaults to 4096, RFC 6265's minimum and what browsers keep.
pub const MAX_COOKIE_SIZE: usize = 4096;

/// The most cookies one site (a registrable domain such as `example.co.uk`
/// with its subdomains; an IP address or a single-label host on its own)
/// keeps; a new one evicts the site's expired cookies, then its least recently
/// set one. Defaults to 180, as Chrome (RFC 6265 §6.1 asks for at least 50).
pub const MAX_COOKIES_PER_DOMAIN: usize = 180;

/// The most cookies the jar keeps; a new one evicts expired cookies, then the
/// least recently set one. Defaults to 3000, RFC 6265 §6.1's minimum.
pub const MAX_COOKIES: usize = 3000;

/// The most `Set-Cookie` lines read from one response (after splitting
/// comma-joined values); the rest are ignored, which bounds the work one
/// response can cause. Defaults to 180, [`MAX_COOKIES_PER_DOMAIN`]: a response
/// can only set cookies for its host's site, which cannot keep more.
pub const MAX_SET_COOKIES_PER_RESPONSE: usize = MAX_COOKIES_PER_DOMAIN;

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
#[derive(Debug, Clone)]
pub struct CookieJar {
    index: Index,
    next_created: u64,
    /// [`MAX_COOKIES_PER_DOMAIN`] and [`MAX_COOKIES`]; tests use smaller ones.
    max_per_site: usize,
    max_cookies: usize,
}

impl Default for CookieJar {
    fn default() -> Self {
        CookieJar {
            index: Index::default(),
            next_created: 0,
            max_per_site: MAX_COOKIES_PER_DOMAIN,
            max_cookies: MAX_COOKIES,
        }
    }
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty jar with smaller limits, so tests can reach them.
    #[cfg(test)]
    fn with_limits(max_per_site: usize, max_cookies: usize) -> Self {
        CookieJar {
            max_per_site,
            max_cookies,
            ..Self::default()
        }
    }

    /// Stores the `Set-Cookie` values of a response received from `url`.
    /// Returns the cookies the response set (deletions excluded). Malformed
    /// cookies, cookies for another domain or a public suffix, and cookies
    /// larger than [`MAX_COOKIE_SIZE`] are ignored, as user agents must; so are
    /// the lines after the first [`MAX_SET_COOKIES_PER_RESPONSE`].
    pub fn store_response_cookies<'a>(
        &mut self,
        url: &Url,
        set_cookie_values: impl IntoIterator<Item = &'a str>,
        now: i64,
    ) -> Vec<StoredCookie> {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return Vec::new();
        };
        let is_ip = !matches!(url.host(), Some(Host::Domain(_)));
        set_cookie_values
            .into_iter()
            .flat_map(split_set_cookie)
            .take(MAX_SET_COOKIES_PER_RESPONSE)
            .filter_map(|line| self.store_one(url, &host, is_ip, line, now))
            .collect()
    }

    fn store_one(
        &mut self,
        url: &Url,
        host: &str,
        is_ip: bool,
        line: &str,
        now: i64,
    ) -> Option<StoredCookie> {
        // RFC 6265 §6.1: name, value and attributes; browsers ignore larger cookies.
        if line.len() > MAX_COOKIE_SIZE {
            return None;
        }
        let parsed = cookie::Cookie::parse(line).ok()?;
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
                if is_public_suffix(&d) {
                    // §5.3 step 5: a public suffix only as the host itself, host-only.
                    if d != host {
                        return None;
                    }
                    (d, true)
                } else {
                    // §5.3 step 6: the request host must domain-match the attribute; an
                    // IP host only matches itself; a single label (a TLD) is refused
                    // unless it is the host itself (`localhost`).
                    if (is_ip && d != host)
                        || !domain_match(host, &d)
                        || (!d.contains('.') && d != host)
                    {
                        return None;
                    }
                    (d, false)
                }
            }
            _ => (host.to_string(), true),
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
        self.insert(cookie, now)
    }

    /// Replaces a cookie with the same name, domain and path (keeping its
    /// creation order, §5.3 step 11), or adds it after making room; an expired
    /// one only deletes.
    fn insert(&mut self, mut cookie: StoredCookie, now: i64) -> Option<StoredCookie> {
        let expired = cookie.expires.is_some_and(|e| e <= now);
        match self.index.find(&cookie.domain, &cookie.name, &cookie.path) {
            Some((id, created)) => {
                self.index.remove(id);
                cookie.created = created;
            }
            None if expired => {}
            None => {
                cookie.created = self.next_created;
                self.next_created += 1;
                self.make_room(&cookie.domain, now);
            }
        }
        if expired {
            return None;
        }
        self.index.put(cookie.clone());
        Some(cookie)
    }

    /// RFC 6265 §5.3 step 12 before adding a cookie for `domain`: when its
    /// site or the jar is full, expired cookies go first, then the site's
    /// least recently set cookie, then the jar's.
    fn make_room(&mut self, domain: &str, now: i64) {
        let site = site_of(domain);
        if self.index.site_len(site) < self.max_per_site && self.index.len() < self.max_cookies {
            return;
        }
        self.index.remove_expired(now);
        while self.index.site_len(site) >= self.max_per_site {
            match self.index.oldest_in_site(site) {
                Some(id) => self.index.remove(id),
                None => break,
            };
        }
        while self.index.len() >= self.max_cookies {
            match self.index.oldest() {
                Some(id) => self.index.remove(id),
                None => break,
            };
        }
    }

    /// Puts a cookie into the jar by hand, after validating it. A domain
    /// must not be a public suffix, and name, value, domain and path must
    /// not add up to more than [`MAX_COOKIE_SIZE`].
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
                if is_public_suffix(&d) {
                    return Err(public_suffix_error(&d, &new.name));
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
        let size = new.name.len() + new.value.len() + domain.len() + path.len();
        if size > MAX_COOKIE_SIZE {
            return Err(too_large_error(&new.name, size));
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
        self.insert(cookie, now);
        Ok(())
    }

    /// Puts back a cookie as the jar held it (saved state), with every
    /// attribute, `host_only` and `http_only` included; it becomes the newest.
    /// What a jar can hold from a `Set-Cookie` is accepted, and nothing that
    /// could break the `Cookie` header: a non-empty name without `=`; a name,
    /// value and path without `;` or control characters other than tab (`,`,
    /// spaces and quotes, which servers set, are kept); a lower-case domain of
    /// host-name characters, required for a host-only cookie (empty means
    /// every host), and not a public suffix unless host-only; a name and value
    /// of at most [`MAX_COOKIE_SIZE`] bytes together; a path starting with
    /// `/`. An expired cookie only deletes. The jar's limits apply.
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
        let size = cookie.name.len() + cookie.value.len();
        if size > MAX_COOKIE_SIZE {
            return Err(too_large_error(&cookie.name, size));
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
        // A host-only cookie for a public suffix is what a request to that very
        // host stores (§5.3 step 5); one sent to the suffix's subdomains is not.
        if !cookie.host_only && is_public_suffix(&cookie.domain) {
            return Err(public_suffix_error(&cookie.domain, &cookie.name));
        }
        if !cookie.path.starts_with('/') || breaks(&cookie.path) {
            return Err(Error::InvalidCookie(format!(
                "invalid cookie path {:?}: it must start with '/'",
                cookie.path
            )));
        }
        self.insert(cookie, now);
        Ok(())
    }

    /// The unexpired cookies in creation order, leaving the jar as it is.
    pub fn snapshot(&self, now: i64) -> Vec<StoredCookie> {
        let mut cookies: Vec<StoredCookie> = self
            .index
            .iter()
            .filter(|c| c.expires.is_none_or(|e| e > now))
            .cloned()
            .collect();
        cookies.sort_by_key(|c| c.created);
        cookies
    }

    /// Removes cookies by name (and domain and path, when given); returns how many.
    pub fn remove(&mut self, name: &str, domain: Option<&str>, path: Option<&str>) -> usize {
        let domain = domain.map(|d| d.trim_start_matches('.').to_ascii_lowercase());
        self.index.remove_where(domain.as_deref(), |c| {
            c.name == name && path.is_none_or(|p| c.path == p)
        })
    }

    /// Empties the jar.
    pub fn clear(&mut self) {
        self.index.clear();
    }

    /// Drops expired cookies, then lists the rest in creation order.
    #[cfg(test)]
    pub fn list(&mut self, now: i64) -> Vec<StoredCookie> {
        self.index.remove_expired(now);
        self.snapshot(now)
    }

    /// True when the jar holds no cookie at all.
    pub fn is_empty(&self) -> bool {
        self.index.len() == 0
    }

    /// The `Cookie` header for a request to `url` (RFC 6265 §5.4): matching,
    /// unexpired cookies, longest path first, then oldest first. `extra` are
    /// request-only cookies; they replace jar cookies of the same name.
    pub fn header_for(&self, url: &Url, now: i64, extra: &[(String, String)]) -> Option<String> {
        let https = url.scheme() == "https";
        let mut chosen: Vec<&StoredCookie> = self
            .candidates(url)
            .filter(|c| {
                path_match(url.path(), &c.path)
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

    /// The cookies whose domain lets them go to `url`'s host (§5.4 step 1,
    /// domain part): the hand-set ones for every host, the host's own, and
    /// those of its parent domains unless host-only (not for an IP address).
    /// Only those buckets are looked at, never the whole jar.
    fn candidates<'a>(&'a self, url: &Url) -> impl Iterator<Item = &'a StoredCookie> + 'a {
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let is_ip = !matches!(url.host(), Some(Host::Domain(_)));
        let parents: Vec<String> = if is_ip {
            Vec::new()
        } else {
            host.match_indices('.')
                .filter_map(|(i, _)| host.get(i + 1..))
                .filter(|d| !d.is_empty())
                .map(str::to_string)
                .collect()
        };
        let own = (!host.is_empty()).then(|| self.index.bucket(&host));
        let everywhere = self.index.bucket("");
        let from_parents = parents
            .into_iter()
            .flat_map(move |d| self.index.bucket(&d))
            .filter(|c| !c.host_only);
        everywhere
            .chain(own.into_iter().flatten())
            .chain(from_parents)
    }
}

/// Whether `domain` (lower-case) is a public suffix, such as `com`, `co.uk` or
/// `github.io`: a rule of the Public Suffix List, ICANN or private, names it
/// (wildcards and exceptions applied). Names under no rule (`localhost`,
/// `test`, IP addresses) are not: a single unknown label is handled apart.
pub fn is_public_suffix(domain: &str) -> bool {
    let name = domain.strip_suffix('.').unwrap_or(domain);
    !name.is_empty()
        && psl::List
            .suffix(name.as_bytes())
            .is_some_and(|s| s.is_known() && s.as_bytes() == name.as_bytes())
}

/// The site a cookie domain belongs to, for the per-site cap: its registrable
/// domain (`www.example.co.uk` → `example.co.uk`), or the domain itself for an
/// IP address, a public suffix or a name without a registrable part.
fn site_of(domain: &str) -> &str {
    if domain.starts_with('[') || domain.parse::<Ipv4Addr>().is_ok() {
        return domain;
    }
    match psl::List.domain(domain.as_bytes()) {
        Some(d) => domain
            .get(domain.len().saturating_sub(d.as_bytes().len())..)
            .unwrap_or(domain),
        None => domain,
    }
}

fn public_suffix_error(domain: &str, name: &str) -> Error {
    Error::InvalidCookie(format!(
        "cookie domain {domain:?} for {name:?} is a public suffix: it would go to every site under it"
    ))
}

fn too_large_error(name: &str, size: usize) -> Error {
    Error::InvalidCookie(format!(
        "cookie {name:?} is too large: {size} bytes, at most {MAX_COOKIE_SIZE}"
    ))
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
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// RFC 6265 §5.1.4 path-match.
pub fn path_match(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || request_path
            .strip_prefix(cookie_path)
            .is_some_and(|rest| cookie_path.ends_with('/') || rest.starts_with('/'))
}

/// RFC 6265 §5.1.4 default-path: the request path up to, not including, its last `/`.
pub fn default_path(request_path: &str) -> String {
    match request_path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => request_path.get(..i).unwrap_or("/").to_string(),
    }
}

/// Splits a `Set-Cookie` value that a host may have joined with commas
/// (`a=1, b=2; Expires=Wed, 21 Oct 2037 ...`). A comma starts a new cookie only
/// when a `name=` with no space follows it, so commas inside `Expires` dates stay.
/// Lazily, in linear time: each byte is looked at most twice, and the caller
/// can stop early (as [`CookieJar::store_response_cookies`] does).
pub fn split_set_cookie(value: &str) -> impl Iterator<Item = &str> {
    SplitSetCookie { rest: Some(value) }.filter(|s| !s.is_empty())
}

/// The parts of a comma-joined `Set-Cookie` value, trimmed (empty ones included).
struct SplitSetCookie<'a> {
    /// What is left to split; `None` once the last part is out.
    rest: Option<&'a str>,
}

impl<'a> Iterator for SplitSetCookie<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        let mut from = 0;
        // `from` only moves forward, and `starts_cookie` reads no further than
        // the next comma, where the next search starts: linear overall.
        while let Some(at) = rest.get(from..).and_then(|tail| tail.find(',')) {
            let comma = from + at;
            let after = rest.get(comma + 1..).unwrap_or("");
            if starts_cookie(after) {
                self.rest = Some(after);
                return Some(rest.get(..comma).unwrap_or("").trim());
            }
            from = comma + 1;
        }
        self.rest = None;
        Some(rest.trim())
    }
}

fn starts_cookie(rest: &str) -> bool {
    let rest = rest.trim_start();
    let end = rest.find(['=', ';', ',', ' ']).unwrap_or(rest.len());
    end > 0 && rest.as_bytes().get(end) == Some(&b'=')
}

#[cfg(test)]
#[path = "cookies_tests.rs"]
mod tests;
