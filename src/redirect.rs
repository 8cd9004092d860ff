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
///
/// Userinfo never survives into the next request: a Location's
/// `user:pw@` is dropped (so `response.request.url` cannot carry it), and a
/// Location that reads as a URL without its scheme (`user:pw@host/x`,
/// `/user:p/ss@host`) is refused rather than joined as a path.
pub fn next_url(current: &Url, location: &str) -> Result<Url> {
    let invalid = |why: &dyn std::fmt::Display| {
        Error::InvalidUrl(format!(
            "the redirect Location {:?} is not a valid URL: {why}",
            crate::urls::redact_str(location)
        ))
    };
    if relative_part_reads_as_userinfo(current, location) {
        return Err(invalid(
            &"it reads as a URL with userinfo but without its scheme",
        ));
    }
    let mut next = current.join(location.trim()).map_err(|e| invalid(&e))?;
    // requests' `rebuild_auth` never uses a Location's userinfo as
    // credentials: it strips `Authorization` when `should_strip_auth` says so
    // and re-reads netrc for the new host, nothing else (`prepare_auth` runs
    // only with netrc credentials). It does leave the userinfo in
    // `prepared_request.url`, which is where it leaks from; it is dropped here.
    // (Both setters fail only for URLs that cannot hold userinfo at all.)
    let _ = next.set_username("");
    let _ = next.set_password(None);
    if next.fragment().is_none() {
        if let Some(fragment) = current.fragment() {
            next.set_fragment(Some(fragment));
        }
    }
    if crate::urls::is_http(&next) && next.host_str().is_none_or(str::is_empty) {
        return Err(Error::InvalidUrl(format!(
            "the redirect Location {:?} has no host",
            crate::urls::redact_str(location)
        )));
    }
    Ok(next)
}

/// True when the part of `location` the URL parser resolves as a relative
/// path against `current` reads as userinfo (`crate::urls::reads_as_userinfo`).
/// A Location with its own authority (`scheme://…`, `//…`) is not such a part:
/// its userinfo is parsed as userinfo, and dropped. Against a special URL
/// (`http`…), `http:rest` with the same scheme is relative: `rest` is the part.
fn relative_part_reads_as_userinfo(current: &Url, location: &str) -> bool {
    let location = crate::urls::clean_reference(location);
    let special = crate::urls::is_special(current);
    let relative = match location.split_once(':') {
        Some((scheme, rest)) if special && scheme.eq_ignore_ascii_case(current.scheme()) => rest,
        _ => location.as_str(),
    };
    if crate::urls::has_authority_scheme(relative) {
        return false;
    }
    let slashes = relative
        .chars()
        .take_while(|&c| c == '/' || (special && c == '\\'))
        .count();
    slashes < 2 && crate::urls::reads_as_userinfo(relative)
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
    fn userinfo_in_a_location_does_not_reach_the_next_url() {
        let cur = url("https://a.com/x?q=1");
        for (location, next) in [
            ("http://user:pw@other.com/", "http://other.com/"),
            ("//user:pw@other.com/p", "https://other.com/p"),
            ("https://:pw@other.com:8443/p", "https://other.com:8443/p"),
            ("http:user:pw@other.com", "http://other.com/"),
            ("HTTP://user@other.com/", "http://other.com/"),
            ("\\\\user:pw@other.com/p", "https://other.com/p"),
        ] {
            let next_url = next_url(&cur, location).unwrap();
            assert_eq!(next_url.as_str(), next, "{location}");
        }
    }

    #[test]
    fn a_location_that_reads_as_userinfo_without_a_scheme_is_refused() {
        let cur = url("http://a.com/dir/");
        for location in [
            "user:pw@other.com/x",
            "us_er:pw@other.com/x",
            "user:p/ss@other.com/x",
            "/user:pw@other.com",
            "http:user:pw@other.com",
            "http:/user:p#w@other.com",
            "user@other.com",
            "foo:/user:pw@other.com",
        ] {
            let err = next_url(&cur, location).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(matches!(err, Error::InvalidUrl(_)), "{location}: {shown}");
            for secret in ["pw", "p/ss", "p#w", "user:", "user@", "us_er"] {
                assert!(!shown.contains(secret), "{location}: {shown}");
            }
        }
        // Paths with `@` or `:` further on are paths.
        assert_eq!(
            next_url(&cur, "users/me@x.com").unwrap().as_str(),
            "http://a.com/dir/users/me@x.com"
        );
        assert_eq!(
            next_url(&cur, "/v1/things:run").unwrap().as_str(),
            "http://a.com/v1/things:run"
        );
    }

    #[test]
    fn a_broken_location_is_named_without_its_userinfo() {
        for location in [
            "http://user:p/ss@",
            "http://user:pw@[::1",
            "http://u:pw@h:99999/",
        ] {
            let err = next_url(&url("http://a.com/"), location).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("pw") && !shown.contains("p/ss"), "{shown}");
        }
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
