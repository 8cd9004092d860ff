//! Requests and their preparation: the session's settings merged with one
//! request's, in requests' `PreparedRequest.prepare` order.

use crate::auth::Auth;
use crate::cookies::CookieJar;
use crate::error::Result;
use crate::headers::{self, validate_method, Headers};
use crate::merge::merge_pairs;
use crate::settings::{AuthOverride, HookSet, RequestParts, Settings};
use crate::urls;
use std::rc::Rc;
use url::Url;

/// A request ready to send: what goes on the wire, plus the request-only
/// cookies, kept so every redirect hop can rebuild its `Cookie` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    pub method: String,
    pub url: Url,
    pub headers: Headers,
    /// Shared, not copied, by every hop that sends it again (307/308) and
    /// by the history that records it.
    pub body: Option<Rc<[u8]>>,
    pub request_cookies: Vec<(String, String)>,
    /// Digest credentials, answered when the server challenges (same host only).
    pub digest: Option<(String, String)>,
    /// The hooks `send` runs, merged from the session's and the request's.
    pub hooks: HookSet,
}

impl PreparedRequest {
    /// Merges `parts` with the session's settings. The order is requests':
    /// method, URL (params), headers, cookies, body, auth (so an auth scheme
    /// sees the request complete), then hooks.
    /// `netrc` looks up credentials for a host; it is asked only when
    /// `trust_env` is on and neither the request nor the session has auth.
    pub fn prepare(
        settings: &Settings,
        jar: &CookieJar,
        now: &dyn Fn() -> i64,
        method: &str,
        url: &str,
        parts: RequestParts,
        netrc: &dyn Fn(&str) -> Option<(String, String)>,
    ) -> Result<Self> {
        // 1. Method: an RFC 9110 token, upper-cased as requests does.
        let method = validate_method(method)?;

        // 2. URL: parsed once; userinfo taken out (it becomes auth below and is
        //    never echoed back); session params, then the request's, appended.
        let mut url = urls::parse_with_base(url, settings.base_url.as_ref())?;
        let url_auth = urls::take_userinfo(&mut url);
        let params = match &parts.params {
            Some(overrides) => merge_pairs(&settings.params, overrides, false),
            None => settings.params.clone(),
        };
        urls::append_params(&mut url, &params);

        // 3. Headers: merged case-insensitively. The session's were validated
        //    when they were set; the request's are validated here.
        let headers = match &parts.headers {
            Some(overrides) => {
                for (name, value) in overrides {
                    if let Some(value) = value {
                        headers::validate(name, value)?;
                    }
                }
                Headers::from_trusted(merge_pairs(&settings.headers.to_pairs(), overrides, true))
            }
            None => settings.headers.clone(),
        };

        let mut request = PreparedRequest {
            method,
            url,
            headers,
            body: None,
            request_cookies: Vec::new(),
            digest: None,
            hooks: HookSet::default(),
        };

        // 4. Cookies: jar plus request-only cookies, unless a `Cookie` header was given.
        if let Some(cookies) = parts.cookies {
            for (name, value) in &cookies {
                crate::cookies::validate_name(name)?;
                crate::cookies::validate_value(value)?;
            }
            request.request_cookies = cookies;
        }
        request.set_cookie_header(jar, now);

        // 5. Body, with its Content-Type (if none was set) and Content-Length.
        let mut content_type = None;
        if let Some(body) = parts.body {
            let (bytes, ct) = body.encode()?;
            content_type = ct;
            request.body = Some(bytes.into());
        }
        if let Some(ct) = content_type {
            if !request.headers.contains("content-type") {
                request.headers.set("Content-Type", &ct);
            }
        }
        request.set_content_length();

        // 6. Auth last: request's, else session's, else netrc's for the host
        //    (with trust-env, as requests), else the URL's userinfo.
        let netrc_auth = || {
            let host = request.url.host_str().filter(|_| settings.trust_env)?;
            netrc(host).map(|(username, password)| Auth::Basic { username, password })
        };
        let auth = match parts.auth {
            Some(AuthOverride::Disable) => None,
            Some(AuthOverride::Replace(auth)) => Some(auth),
            None => settings.auth.clone().or_else(netrc_auth).or_else(|| {
                url_auth.map(|(username, password)| Auth::Basic { username, password })
            }),
        };
        if let Some(auth) = auth {
            auth.validate()?;
            match (auth.header_value(), auth) {
                (Some(value), _) => request.headers.set("Authorization", &value),
                (None, Auth::Digest { username, password }) => {
                    request.digest = Some((username, password))
                }
                (None, _) => {}
            }
        }

        // 7. Hooks, last as in requests: per event, the request's replace the session's.
        if let Some(hooks) = &parts.hooks {
            hooks.validate()?;
        }
        request.hooks = HookSet::merge(&settings.hooks, parts.hooks.as_ref());
        Ok(request)
    }

    /// Sets `Cookie` from the jar and the request-only cookies, unless the
    /// request already has a `Cookie` header (requests' `prepare_cookies`).
    /// `now` is asked only when there are cookies to choose from (each ask
    /// is a host call in the component).
    pub fn set_cookie_header(&mut self, jar: &CookieJar, now: impl FnOnce() -> i64) {
        if self.headers.contains("cookie") || (jar.is_empty() && self.request_cookies.is_empty()) {
            return;
        }
        if let Some(value) = jar.header_for(&self.url, now(), &self.request_cookies) {
            self.headers.set("Cookie", &value);
        }
    }

    /// requests' `prepare_content_length`: the body's length; `0` for a
    /// bodiless request other than GET and HEAD; nothing for those.
    pub fn set_content_length(&mut self) {
        match &self.body {
            Some(body) => self.headers.set("Content-Length", &body.len().to_string()),
            None if self.method != "GET" && self.method != "HEAD" => {
                self.headers.set("Content-Length", "0")
            }
            None => {
                self.headers.remove("content-length");
            }
        }
    }

    /// Replaces the URL; userinfo in it becomes Basic auth.
    pub fn set_url(&mut self, url: &str) -> Result<()> {
        let mut parsed = urls::parse(url)?;
        if let Some((username, password)) = urls::take_userinfo(&mut parsed) {
            let auth = Auth::Basic { username, password };
            auth.validate()?;
            if let Some(value) = auth.header_value() {
                self.headers.set("Authorization", &value);
            }
        }
        self.url = parsed;
        Ok(())
    }

    /// Sets or (with `None`) removes a header, validating it.
    pub fn set_header(&mut self, name: &str, value: Option<&str>) -> Result<()> {
        headers::validate_name(name)?;
        match value {
            Some(v) => self.headers.set_checked(name, v),
            None => {
                self.headers.remove(name);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Body;
    use crate::error::Error;

    const NOW: i64 = 1_800_000_000;

    fn prep(
        settings: &Settings,
        method: &str,
        url: &str,
        parts: RequestParts,
    ) -> Result<PreparedRequest> {
        PreparedRequest::prepare(
            settings,
            &CookieJar::new(),
            &|| NOW,
            method,
            url,
            parts,
            &|_| None,
        )
    }

    #[test]
    fn defaults_name_the_crate_and_list_decodable_encodings() {
        let r = prep(
            &Settings::default(),
            "get",
            "http://h/",
            RequestParts::default(),
        )
        .unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.headers.get("user-agent"),
            Some(crate::settings::USER_AGENT)
        );
        assert_eq!(
            r.headers.get("accept-encoding"),
            Some(crate::settings::ACCEPT_ENCODING)
        );
        assert_eq!(r.headers.get("accept"), Some("*/*"));
        assert!(!r.headers.contains("connection") && !r.headers.contains("content-length"));
    }

    #[test]
    fn session_and_request_params_are_appended_in_order() {
        let settings = Settings {
            params: vec![("s".into(), "1".into())],
            ..Settings::default()
        };
        let parts = RequestParts {
            params: Some(vec![("r".into(), Some("2".into()))]),
            ..Default::default()
        };
        let r = prep(&settings, "GET", "http://h/p?q=0#f", parts).unwrap();
        assert_eq!(r.url.as_str(), "http://h/p?q=0&s=1&r=2#f");
    }

    #[test]
    fn relative_urls_resolve_against_the_base_url() {
        let settings = Settings {
            base_url: Some(Url::parse("http://h/api").unwrap()),
            ..Settings::default()
        };
        for (input, expected) in [
            ("users", "http://h/api/users"),
            ("/users?x=1", "http://h/api/users?x=1"),
            ("http://o/x", "http://o/x"),
        ] {
            let r = prep(&settings, "GET", input, RequestParts::default()).unwrap();
            assert_eq!(r.url.as_str(), expected, "{input}");
        }
        assert!(matches!(
            prep(
                &Settings::default(),
                "GET",
                "users",
                RequestParts::default()
            ),
            Err(Error::MissingSchema(_))
        ));
    }

    #[test]
    fn a_json_body_sets_type_and_length() {
        let parts = RequestParts {
            body: Some(Body::Json("[1]".into())),
            ..Default::default()
        };
        let r = prep(&Settings::default(), "POST", "http://h/", parts).unwrap();
        assert_eq!(r.headers.get("content-type"), Some("application/json"));
        assert_eq!(r.headers.get("content-length"), Some("3"));
        assert_eq!(r.body.as_deref(), Some(&b"[1]"[..]));
    }

    #[test]
    fn a_content_type_given_by_the_caller_is_kept() {
        let parts = RequestParts {
            body: Some(Body::Json("{}".into())),
            headers: Some(vec![(
                "Content-Type".into(),
                Some("application/vnd.api+json".into()),
            )]),
            ..Default::default()
        };
        let r = prep(&Settings::default(), "POST", "http://h/", parts).unwrap();
        assert_eq!(
            r.headers.get("content-type"),
            Some("application/vnd.api+json")
        );
    }

    #[test]
    fn a_bodiless_post_sends_content_length_zero() {
        let r = prep(
            &Settings::default(),
            "POST",
            "http://h/",
            RequestParts::default(),
        )
        .unwrap();
        assert_eq!(r.headers.get("content-length"), Some("0"));
    }

    #[test]
    fn url_userinfo_becomes_basic_auth_and_leaves_the_url() {
        let r = prep(
            &Settings::default(),
            "GET",
            "http://user:pass@h/",
            RequestParts::default(),
        )
        .unwrap();
        assert_eq!(r.url.as_str(), "http://h/");
        assert_eq!(r.headers.get("authorization"), Some("Basic dXNlcjpwYXNz"));
    }

    #[test]
    fn netrc_is_used_with_trust_env_when_no_auth_is_given() {
        let netrc = |host: &str| (host == "h").then(|| ("n".to_string(), "pw".to_string()));
        let prep_netrc = |settings: &Settings, url: &str| {
            PreparedRequest::prepare(
                settings,
                &CookieJar::new(),
                &|| NOW,
                "GET",
                url,
                RequestParts::default(),
                &netrc,
            )
            .unwrap()
        };
        let basic = Some("Basic bjpwdw==");
        assert_eq!(
            prep_netrc(&Settings::default(), "http://u:p@h/")
                .headers
                .get("authorization"),
            basic
        );
        assert_eq!(
            prep_netrc(&Settings::default(), "http://other/")
                .headers
                .get("authorization"),
            None
        );
        let untrusting = Settings {
            trust_env: false,
            ..Settings::default()
        };
        assert_eq!(
            prep_netrc(&untrusting, "http://h/")
                .headers
                .get("authorization"),
            None
        );
        let session_auth = Settings {
            auth: Some(Auth::Bearer("t".into())),
            ..Settings::default()
        };
        assert_eq!(
            prep_netrc(&session_auth, "http://h/")
                .headers
                .get("authorization"),
            Some("Bearer t")
        );
    }

    #[test]
    fn request_auth_beats_session_auth_and_disable_removes_all() {
        let settings = Settings {
            auth: Some(Auth::Bearer("session".into())),
            ..Settings::default()
        };
        let parts = RequestParts {
            auth: Some(AuthOverride::Replace(Auth::Bearer("req".into()))),
            ..Default::default()
        };
        let r = prep(&settings, "GET", "http://h/", parts).unwrap();
        assert_eq!(r.headers.get("authorization"), Some("Bearer req"));
        let parts = RequestParts {
            auth: Some(AuthOverride::Disable),
            ..Default::default()
        };
        let r = prep(&settings, "GET", "http://u:p@h/", parts).unwrap();
        assert!(!r.headers.contains("authorization"));
    }

    #[test]
    fn bad_methods_and_headers_are_typed_errors() {
        assert!(matches!(
            prep(
                &Settings::default(),
                "GE T",
                "http://h/",
                Default::default()
            ),
            Err(Error::InvalidMethod(_))
        ));
        let parts = RequestParts {
            headers: Some(vec![("X".into(), Some("a\r\nB: c".into()))]),
            ..Default::default()
        };
        assert!(matches!(
            prep(&Settings::default(), "GET", "http://h/", parts),
            Err(Error::InvalidHeader(_))
        ));
    }

    #[test]
    fn request_cookies_are_sent_and_a_cookie_header_wins() {
        let parts = RequestParts {
            cookies: Some(vec![("a".into(), "1".into())]),
            ..Default::default()
        };
        let r = prep(&Settings::default(), "GET", "http://h/", parts).unwrap();
        assert_eq!(r.headers.get("cookie"), Some("a=1"));
        let parts = RequestParts {
            cookies: Some(vec![("a".into(), "1".into())]),
            headers: Some(vec![("Cookie".into(), Some("mine=2".into()))]),
            ..Default::default()
        };
        let r = prep(&Settings::default(), "GET", "http://h/", parts).unwrap();
        assert_eq!(r.headers.get("cookie"), Some("mine=2"));
    }
}
