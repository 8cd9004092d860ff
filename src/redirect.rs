//! Redirect policy as pure functions: which responses redirect, where to, with
//! what method, and what to strip (requests' `SessionRedirectMixin`).

use crate::error::{Error, Result};
use crate::headers::Headers;
use url::Url;

/// The statuses requests follows (`REDIRECT_STATI`).
pub fn is_redirect_status(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// A redirect status with a `Location` (requests' `Response.is_redirect`).
pub fn is_redirect(status: u16, headers: &Headers) -> bool {
    is_redirect_status(status) && headers.contains("location")
}

/// A permanent redirect (301/308) with a `Location`.
pub fn is_permanent_redirect(status: u16, headers: &Headers) -> bool {
    matches!(status, 301 | 308) && headers.contains("location")
}

/// Resolves a `Location` against the current URL: relative paths are joined,
/// `//host/path` takes the current scheme, and the current fragment is carried
/// over when the new URL has none (RFC 9110 §10.2.2).
pub fn next_url(current: &Url, location: &str) -> Result<Url> {
    let mut next = current.join(location.trim()).map_err(|e| {
        Error::InvalidUrl(format!(
            "the redirect Location {:?} is not a valid URL: {e}",
            crate::urls::redact_str(location)
        ))
    })?;
    if next.fragment().is_none() {
        if let Some(fragment) = current.fragment() {
            next.set_fragment(Some(fragment));
        }
    }
    if crate::urls::is_http(&next) && next.host_str().is_none_or(str::is_empty) {
        return Err(Error::InvalidUrl(format!(
            "the redirect Location {location:?} has no host"
        )));
    }
    Ok(next)
}

/// The method for the next hop (requests' `rebuild_method`): 303 turns all but
/// HEAD into GET; 302 likewise (what browsers do); 301 turns POST into GET;
/// 307 and 308 keep the method.
pub fn next_method(status: u16, method: &str) -> String {
    match status {
        303 | 302 if method != "HEAD" => "GET".to_string(),
        301 if method == "POST" => "GET".to_string(),
        _ => method.to_string(),
    }
}

/// True when the next hop must not carry the body (every redirect but 307/308).
pub fn drops_body(status: u16) -> bool {
    !matches!(status, 307 | 308)
}

/// requests' `should_strip_auth`: strip `Authorization` when the host changes,
/// or the scheme or port does, except http:80 -> https:443 on the same host.
pub fn should_strip_auth(old: &Url, new: &Url) -> bool {
    if old.host_str() != new.host_str() {
        return true;
    }
    if old.scheme() == "http" && new.scheme() == "https" {
        let old_default = old.port().is_none_or(|p| p == 80);
        let new_default = new.port().is_none_or(|p| p == 443);
        if old_default && new_default {
            return false;
        }
    }
    old.scheme() != new.scheme() || old.port_or_known_default() != new.port_or_known_default()
}

/// Rewrites the request headers for the next hop, in place: body headers go
/// when the body does, `Cookie` goes (it is rebuilt from the jar for the new
/// URL), `Proxy-Authorization` always goes, `Authorization` when
/// [`should_strip_auth`] says so.
pub fn rewrite_headers(headers: &mut Headers, status: u16, old: &Url, new: &Url) {
    if drops_body(status) {
        for name in ["content-length", "content-type", "transfer-encoding"] {
            headers.remove(name);
        }
    }
    headers.remove("cookie");
    headers.remove("proxy-authorization");
    if should_strip_auth(old, new) {
        headers.remove("authorization");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn redirect_303_turns_post_into_get_but_keeps_head() {
        assert_eq!(next_method(303, "POST"), "GET");
        assert_eq!(next_method(303, "PUT"), "GET");
        assert_eq!(next_method(303, "HEAD"), "HEAD");
    }

    #[test]
    fn redirect_302_turns_post_into_get() {
        assert_eq!(next_method(302, "POST"), "GET");
        assert_eq!(next_method(302, "HEAD"), "HEAD");
    }

    #[test]
    fn redirect_301_turns_only_post_into_get() {
        assert_eq!(next_method(301, "POST"), "GET");
        assert_eq!(next_method(301, "PUT"), "PUT");
    }

    #[test]
    fn redirects_307_and_308_keep_method_and_body() {
        assert_eq!(next_method(307, "POST"), "POST");
        assert_eq!(next_method(308, "PATCH"), "PATCH");
        assert!(!drops_body(307) && !drops_body(308) && drops_body(302));
    }

    #[test]
    fn locations_resolve_relative_and_scheme_relative() {
        let cur = url("https://a.com/x/y?q=1");
        assert_eq!(next_url(&cur, "z").unwrap().as_str(), "https://a.com/x/z");
        assert_eq!(
            next_url(&cur, "/root").unwrap().as_str(),
            "https://a.com/root"
        );
        assert_eq!(
            next_url(&cur, "//b.com/p").unwrap().as_str(),
            "https://b.com/p"
        );
        assert_eq!(
            next_url(&cur, "http://c.com").unwrap().as_str(),
            "http://c.com/"
        );
    }

    #[test]
    fn the_fragment_is_carried_when_the_location_has_none() {
        let cur = url("http://a.com/x#frag");
        assert_eq!(
            next_url(&cur, "/y").unwrap().as_str(),
            "http://a.com/y#frag"
        );
        assert_eq!(
            next_url(&cur, "/y#other").unwrap().as_str(),
            "http://a.com/y#other"
        );
    }

    #[test]
    fn a_broken_location_is_an_invalid_url() {
        assert!(matches!(
            next_url(&url("http://a.com/"), "http://"),
            Err(Error::InvalidUrl(_))
        ));
    }

    #[test]
    fn auth_is_stripped_on_host_change() {
        assert!(should_strip_auth(
            &url("http://a.com/"),
            &url("http://b.com/")
        ));
    }

    #[test]
    fn auth_is_stripped_on_port_or_scheme_change() {
        assert!(should_strip_auth(
            &url("http://a.com:8080/"),
            &url("http://a.com:9090/")
        ));
        assert!(should_strip_auth(
            &url("https://a.com/"),
            &url("http://a.com/")
        ));
        assert!(should_strip_auth(
            &url("http://a.com:8080/"),
            &url("https://a.com/")
        ));
    }

    #[test]
    fn auth_is_kept_on_http_to_https_upgrade_with_default_ports() {
        assert!(!should_strip_auth(
            &url("http://a.com/"),
            &url("https://a.com/")
        ));
        assert!(!should_strip_auth(
            &url("http://a.com:80/"),
            &url("https://a.com:443/")
        ));
        assert!(!should_strip_auth(
            &url("http://a.com/x"),
            &url("http://a.com/y")
        ));
    }

    #[test]
    fn rewriting_drops_body_cookie_and_proxy_headers() {
        let mut h = Headers::from_trusted(vec![
            ("Content-Type".into(), "text/plain".into()),
            ("Content-Length".into(), "3".into()),
            ("Cookie".into(), "a=1".into()),
            ("Proxy-Authorization".into(), "x".into()),
            ("Authorization".into(), "Basic x".into()),
            ("X-Keep".into(), "1".into()),
        ]);
        rewrite_headers(
            &mut h,
            302,
            &url("http://a.com/"),
            &url("http://a.com/next"),
        );
        assert_eq!(
            h.to_pairs(),
            vec![
                ("Authorization".into(), "Basic x".into()),
                ("X-Keep".into(), "1".into())
            ]
        );
        rewrite_headers(&mut h, 307, &url("http://a.com/"), &url("http://b.com/"));
        assert_eq!(h.to_pairs(), vec![("X-Keep".into(), "1".into())]);
    }
}
