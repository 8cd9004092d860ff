//! Every setting, in one place: the session's settings (with their defaults
//! and validated setters), the per-request parts and send overrides, and the
//! one function that merges them with the environment into what an adapter
//! is given (requests' `merge_environment_settings`).
//!
//! The binding glue only converts to and from these types; what is valid and
//! what a setting defaults to is decided here.

use crate::auth::Auth;
use crate::body::Body;
use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::merge::{merge_plain, select_proxy};
use crate::retry::RetryPolicy;
use url::Url;

/// Timeouts in milliseconds; `None` sets no limit here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeout {
    /// Connection set-up (TCP and TLS).
    pub connect_ms: Option<u32>,
    /// First byte, then between bytes.
    pub read_ms: Option<u32>,
}

impl Timeout {
    /// Fills the limits this one leaves unset from `fallback`.
    pub fn or(self, fallback: Timeout) -> Timeout {
        Timeout {
            connect_ms: self.connect_ms.or(fallback.connect_ms),
            read_ms: self.read_ms.or(fallback.read_ms),
        }
    }
}

/// Hook names by event, run in list order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookSet {
    /// Run before each request is sent (httpx's `request` event hooks).
    pub request: Vec<String>,
    /// Run on each response received (requests' `response` hooks).
    pub response: Vec<String>,
}

impl HookSet {
    /// No hook at all.
    pub fn is_empty(&self) -> bool {
        self.request.is_empty() && self.response.is_empty()
    }

    /// requests' `merge_hooks`: for each event a request's non-empty list
    /// replaces the session's, and an empty one (or none) keeps the session's.
    pub fn merge(session: &HookSet, request: Option<&HookSet>) -> HookSet {
        let pick = |session: &Vec<String>, request: Option<&Vec<String>>| match request {
            Some(names) if !names.is_empty() => names.clone(),
            _ => session.clone(),
        };
        HookSet {
            request: pick(&session.request, request.map(|r| &r.request)),
            response: pick(&session.response, request.map(|r| &r.response)),
        }
    }

    /// Every name must be non-empty: it is how the host finds the hook.
    pub fn validate(&self) -> Result<()> {
        if self
            .request
            .iter()
            .chain(&self.response)
            .any(String::is_empty)
        {
            return Err(Error::InvalidOption("a hook name must not be empty".into()));
        }
        Ok(())
    }
}

/// Where PEM data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pem {
    /// A file the adapter reads.
    Path(String),
    /// The PEM text itself.
    Data(String),
}

impl Pem {
    /// A path must not be empty; data must hold a PEM block.
    fn validate(&self, what: &str) -> Result<()> {
        match self {
            Pem::Path(p) if p.is_empty() => {
                Err(Error::InvalidOption(format!("{what}: the path is empty")))
            }
            Pem::Data(d) if !d.contains("-----BEGIN ") => Err(Error::InvalidOption(format!(
                "{what}: the data holds no PEM block (`-----BEGIN ...`)"
            ))),
            _ => Ok(()),
        }
    }
}

/// How TLS server certificates are verified (requests' `verify`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Verify {
    /// Against the adapter's default roots.
    #[default]
    Enabled,
    /// Not at all (`verify=False`).
    Disabled,
    /// Against this CA bundle only.
    CaBundle(Pem),
}

impl Verify {
    fn validate(&self) -> Result<()> {
        match self {
            Verify::CaBundle(pem) => pem.validate("verify"),
            _ => Ok(()),
        }
    }
}

/// A client certificate for mutual TLS (requests' `cert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// The certificate chain; it holds the private key too when `key` is none.
    pub cert: Pem,
    /// The private key, when it is separate.
    pub key: Option<Pem>,
}

impl ClientCert {
    fn validate(&self) -> Result<()> {
        self.cert.validate("cert")?;
        if let Some(key) = &self.key {
            key.validate("cert key")?;
        }
        Ok(())
    }

    /// True when it holds private key material itself (not only paths): it
    /// is then a secret, exported only with `include_secrets`.
    pub fn holds_key_data(&self) -> bool {
        match &self.key {
            Some(key) => matches!(key, Pem::Data(_)),
            None => matches!(self.cert, Pem::Data(_)),
        }
    }
}

/// A per-request change to the session's auth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthOverride {
    /// No auth for this request, not even the URL's userinfo.
    Disable,
    /// This auth instead of the session's.
    Replace(Auth),
}

/// Per-request settings that shape the request itself. `None` inherits.
#[derive(Debug, Clone, Default)]
pub struct RequestParts {
    /// Params after the session's; a `None` value removes a session param.
    pub params: Option<Vec<(String, Option<String>)>>,
    /// Headers over the session's; a `None` value removes a session header.
    pub headers: Option<Vec<(String, Option<String>)>>,
    /// Cookies for this request only.
    pub cookies: Option<Vec<(String, String)>>,
    /// The body.
    pub body: Option<Body>,
    /// Auth for this request instead of the session's.
    pub auth: Option<AuthOverride>,
    /// Hooks for this request (see [`HookSet::merge`]).
    pub hooks: Option<HookSet>,
}

/// Per-request settings that shape the sending. `None` inherits.
#[derive(Debug, Clone, Default)]
pub struct SendOverrides {
    /// Timeouts instead of the session's.
    pub timeout: Option<Timeout>,
    /// Follow redirects? Defaults to true (`session.head`: false).
    pub allow_redirects: Option<bool>,
    /// Leave the body unread until asked for.
    pub stream: Option<bool>,
    /// How to verify certificates instead of the session's way.
    pub verify: Option<Verify>,
    /// A client certificate instead of the session's.
    pub cert: Option<ClientCert>,
    /// Proxies merged over the session's.
    pub proxies: Option<Vec<(String, String)>>,
}

impl SendOverrides {
    /// Checks what the setters of [`Settings`] check.
    pub fn validate(&self) -> Result<()> {
        if let Some(verify) = &self.verify {
            verify.validate()?;
        }
        if let Some(cert) = &self.cert {
            cert.validate()?;
        }
        if let Some(proxies) = &self.proxies {
            validate_proxies(proxies)?;
        }
        Ok(())
    }
}

/// The codings the component decodes (`crate::decode`), and so the
/// `Accept-Encoding` it sends by default: exactly what it can undo.
pub const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// The default `max_body_size`: 256 MiB.
pub const DEFAULT_MAX_BODY_SIZE: u64 = 256 * 1024 * 1024;

/// The `User-Agent` the session sends by default.
pub const USER_AGENT: &str = concat!("requests-component/", env!("CARGO_PKG_VERSION"));

/// The session-wide settings a request is merged with. Read the fields;
/// change them through the setters, which validate.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Headers sent with every request, in order. Defaults to `User-Agent:
    /// requests-component/<version>`, `Accept-Encoding` (what the decoder
    /// takes) and `Accept: */*`.
    pub headers: Headers,
    /// Query params appended to every URL. Defaults to none.
    pub params: Vec<(String, String)>,
    /// Auth for every request. Defaults to none (netrc's with `trust_env`).
    pub auth: Option<Auth>,
    /// Redirects followed before `TooManyRedirects`. Defaults to 30.
    pub max_redirects: u32,
    /// Read proxies, CA bundles and netrc from the environment. Defaults to true.
    pub trust_env: bool,
    /// Leave bodies unread until asked for. Defaults to false.
    pub stream: bool,
    /// How certificates are verified. Defaults to [`Verify::Enabled`].
    pub verify: Verify,
    /// The client certificate. Defaults to none.
    pub cert: Option<ClientCert>,
    /// Proxies by scheme, `all`, or `scheme://host`. Defaults to none.
    pub proxies: Vec<(String, String)>,
    /// Timeouts for every request. Defaults to none (the adapter's).
    pub timeout: Option<Timeout>,
    /// Relative request URLs are resolved against it (httpx's `base_url`).
    /// Defaults to none.
    pub base_url: Option<Url>,
    /// Every 4xx/5xx final response becomes an `HttpStatus` error. Defaults to false.
    pub error_for_status: bool,
    /// The most decoded bytes a body read into memory may have. Defaults to 256 MiB.
    pub max_body_size: u64,
    /// Retries for every request of the session; `None` leaves them to the
    /// adapter's policy (`Transport::retries`), if it has one. Defaults to
    /// none: requests retries nothing (`HTTPAdapter(max_retries=0)`).
    pub retries: Option<RetryPolicy>,
    /// Hooks run for every request (`crate::hooks`). Defaults to none.
    pub hooks: HookSet,
}

impl Default for Settings {
    /// requests' defaults, less `Connection: keep-alive` (wasi:http forbids it;
    /// connection reuse is the adapter's business).
    fn default() -> Self {
        let headers = Headers::from_trusted(vec![
            ("User-Agent".into(), USER_AGENT.into()),
            ("Accept-Encoding".into(), ACCEPT_ENCODING.into()),
            ("Accept".into(), "*/*".into()),
        ]);
        Settings {
            headers,
            params: Vec::new(),
            auth: None,
            max_redirects: 30,
            trust_env: true,
            stream: false,
            verify: Verify::Enabled,
            cert: None,
            proxies: Vec::new(),
            timeout: None,
            base_url: None,
            error_for_status: false,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            retries: None,
            hooks: HookSet::default(),
        }
    }
}

/// A proxy URL must parse (a bare `host:port` is taken as `http://`, as requests does).
pub fn validate_proxies(proxies: &[(String, String)]) -> Result<()> {
    for (key, proxy) in proxies {
        if proxy_url(proxy).is_none() {
            return Err(Error::InvalidOption(format!(
                "proxy {:?} for {key:?} is not a URL",
                crate::urls::redact_str(proxy)
            )));
        }
    }
    Ok(())
}

/// A proxy as a URL, with `http://` prepended when it has no scheme
/// (requests' `prepend_scheme_if_needed`).
pub fn proxy_url(proxy: &str) -> Option<Url> {
    let with_scheme = if proxy.contains("://") {
        proxy.to_string()
    } else {
        format!("http://{proxy}")
    };
    Url::parse(&with_scheme).ok().filter(|u| u.has_host())
}

impl Settings {
    /// Replaces the default headers; each is validated.
    pub fn set_headers(&mut self, headers: Vec<(String, String)>) -> Result<()> {
        self.headers = Headers::from_pairs(headers)?;
        Ok(())
    }

    /// Sets one default header (replacing any of that name), validated.
    pub fn set_header(&mut self, name: &str, value: &str) -> Result<()> {
        self.headers.set_checked(name, value)
    }

    /// Removes a default header; true if it was there.
    pub fn remove_header(&mut self, name: &str) -> bool {
        self.headers.remove(name)
    }

    /// Replaces the default params.
    pub fn set_params(&mut self, params: Vec<(String, String)>) {
        self.params = params;
    }

    /// Sets the auth, validated (the session also forgets Digest state).
    pub fn set_auth(&mut self, auth: Option<Auth>) -> Result<()> {
        if let Some(a) = &auth {
            a.validate()?;
        }
        self.auth = auth;
        Ok(())
    }

    /// Sets the redirect limit.
    pub fn set_max_redirects(&mut self, max: u32) {
        self.max_redirects = max;
    }

    /// Sets `trust_env`.
    pub fn set_trust_env(&mut self, trust: bool) {
        self.trust_env = trust;
    }

    /// Sets the default for `stream`.
    pub fn set_stream(&mut self, stream: bool) {
        self.stream = stream;
    }

    /// Sets `verify`; a CA bundle's path must not be empty, its data must be PEM.
    pub fn set_verify(&mut self, verify: Verify) -> Result<()> {
        verify.validate()?;
        self.verify = verify;
        Ok(())
    }

    /// Sets the client certificate, validated as `verify`'s bundle is.
    pub fn set_cert(&mut self, cert: Option<ClientCert>) -> Result<()> {
        if let Some(c) = &cert {
            c.validate()?;
        }
        self.cert = cert;
        Ok(())
    }

    /// Replaces the proxies; each must be a URL (or `host:port`).
    pub fn set_proxies(&mut self, proxies: Vec<(String, String)>) -> Result<()> {
        validate_proxies(&proxies)?;
        self.proxies = proxies;
        Ok(())
    }

    /// Sets the default timeout.
    pub fn set_timeout(&mut self, timeout: Option<Timeout>) {
        self.timeout = timeout;
    }

    /// Sets the retry policy, validated.
    pub fn set_retries(&mut self, policy: Option<RetryPolicy>) -> Result<()> {
        if let Some(policy) = &policy {
            policy.validate()?;
        }
        self.retries = policy;
        Ok(())
    }

    /// Sets the base URL; it must be absolute.
    pub fn set_base_url(&mut self, url: Option<&str>) -> Result<()> {
        self.base_url = url.map(crate::urls::parse_base).transpose()?;
        Ok(())
    }

    /// Sets `error_for_status`.
    pub fn set_error_for_status(&mut self, on: bool) {
        self.error_for_status = on;
    }

    /// Sets `max_body_size`.
    pub fn set_max_body_size(&mut self, bytes: u64) {
        self.max_body_size = bytes;
    }

    /// Sets the hooks; names must not be empty (the session checks that it
    /// can run hooks at all).
    pub fn set_hooks(&mut self, hooks: HookSet) -> Result<()> {
        hooks.validate()?;
        self.hooks = hooks;
        Ok(())
    }

    /// requests' `merge_environment_settings` and the send options, in one
    /// function: what a request to `url` is sent with once the request's,
    /// the session's and (with `trust_env`) the environment's settings are
    /// merged. Every hop calls it for its own URL.
    pub fn merge_send(&self, url: &Url, send: &SendOverrides) -> MergedSend {
        let mut proxies = merge_plain(&self.proxies, send.proxies.as_deref());
        // Explicit proxies beat the environment's (requests lets the
        // environment win: psf/requests #2018); one the environment gives is
        // added to the list, as requests' `merge_environment_settings` does.
        let proxy = match select_proxy(url, &proxies) {
            Some(proxy) => Some((proxy, "the proxies setting".to_string())),
            None if self.trust_env => crate::env::proxy_for(url).map(|e| {
                proxies.push((url.scheme().to_string(), e.value.clone()));
                (e.value, format!("the {} environment variable", e.variable))
            }),
            None => None,
        };
        let mut verify = send.verify.clone().unwrap_or_else(|| self.verify.clone());
        let mut verify_from = None;
        if verify == Verify::Enabled && self.trust_env {
            if let Some(found) = crate::env::ca_bundle() {
                verify = Verify::CaBundle(Pem::Path(found.value));
                verify_from = Some(format!("the {} environment variable", found.variable));
            }
        }
        MergedSend {
            options: SendOptions {
                timeout: send.timeout.or(self.timeout),
                verify,
                verify_from,
                cert: send.cert.clone().or_else(|| self.cert.clone()),
                proxy,
                stream: send.stream.unwrap_or(self.stream),
            },
            proxies,
        }
    }
}

/// What an adapter is told besides the request itself: the merged send settings.
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// The merged timeout (request, else session); the adapter fills in its own defaults.
    pub timeout: Option<Timeout>,
    /// How to verify certificates (the environment's CA bundle in place of
    /// `Enabled`, with `trust_env`).
    pub verify: Verify,
    /// Where a CA bundle in `verify` came from, when the environment gave it
    /// (`the REQUESTS_CA_BUNDLE environment variable`).
    pub verify_from: Option<String>,
    /// The client certificate.
    pub cert: Option<ClientCert>,
    /// The proxy for this URL, if any, and where it was set
    /// (`the proxies setting`, or `the HTTPS_PROXY environment variable`).
    pub proxy: Option<(String, String)>,
    /// The caller streams the body: the adapter should not wait for body bytes.
    pub stream: bool,
}

/// What [`Settings::merge_send`] found: the adapter's options, and the
/// proxies that apply, the environment's included (reported by
/// `merge_environment_settings`).
pub struct MergedSend {
    pub options: SendOptions,
    pub proxies: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn setters_validate_and_leave_the_setting_alone_on_error() {
        let mut s = Settings::default();
        assert!(matches!(
            s.set_header("X-A", "a\r\nb"),
            Err(Error::InvalidHeader(_))
        ));
        assert!(!s.headers.contains("x-a"));
        let basic = |user: &str| Auth::Basic {
            username: user.into(),
            password: "p".into(),
        };
        assert!(s.set_auth(Some(basic("a:b"))).is_err());
        assert_eq!(s.auth, None);
        assert!(matches!(
            s.set_verify(Verify::CaBundle(Pem::Path(String::new()))),
            Err(Error::InvalidOption(_))
        ));
        assert!(matches!(
            s.set_verify(Verify::CaBundle(Pem::Data("not pem".into()))),
            Err(Error::InvalidOption(_))
        ));
        assert_eq!(s.verify, Verify::Enabled);
        let cert = |key: &str| ClientCert {
            cert: Pem::Path("/c.pem".into()),
            key: Some(Pem::Data(key.into())),
        };
        assert!(s.set_cert(Some(cert("no block"))).is_err());
        assert_eq!(s.cert, None);
        s.set_cert(Some(cert("-----BEGIN PRIVATE KEY-----\n")))
            .unwrap();
        assert!(s.cert.as_ref().unwrap().holds_key_data());
        assert!(matches!(
            s.set_proxies(vec![("http".into(), "http://".into())]),
            Err(Error::InvalidOption(m)) if m.contains("\"http\"")
        ));
        assert!(s.proxies.is_empty());
        assert!(s.set_base_url(Some("/relative")).is_err());
        assert!(s
            .set_hooks(HookSet {
                request: vec![String::new()],
                response: vec![],
            })
            .is_err());
    }

    #[test]
    fn a_proxy_without_a_scheme_is_http_and_its_credentials_never_show() {
        assert_eq!(
            proxy_url("proxy.test:3128").unwrap().as_str(),
            "http://proxy.test:3128/"
        );
        let mut s = Settings::default();
        let err = s
            .set_proxies(vec![("all".into(), "http://user:secret@".into())])
            .unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn merge_send_takes_the_request_over_the_session_and_picks_the_proxy_per_url() {
        let mut s = Settings::default();
        s.set_trust_env(false);
        s.set_verify(Verify::Disabled).unwrap();
        s.set_timeout(Some(Timeout {
            connect_ms: Some(1),
            read_ms: Some(2),
        }));
        s.set_proxies(vec![("http://a.test".into(), "http://p:1".into())])
            .unwrap();
        let send = SendOverrides {
            timeout: Some(Timeout {
                connect_ms: Some(5),
                read_ms: None,
            }),
            verify: Some(Verify::Enabled),
            stream: Some(true),
            proxies: Some(vec![("https".into(), "http://q:2".into())]),
            ..SendOverrides::default()
        };
        let merged = s.merge_send(&url("http://a.test/x"), &send);
        let o = &merged.options;
        // A request's timeout replaces the session's as a whole, as requests does.
        assert_eq!(
            o.timeout,
            Some(Timeout {
                connect_ms: Some(5),
                read_ms: None
            })
        );
        assert_eq!(o.verify, Verify::Enabled);
        assert!(o.stream);
        assert_eq!(
            o.proxy,
            Some(("http://p:1".into(), "the proxies setting".into()))
        );
        assert_eq!(merged.proxies.len(), 2);
        // Another hop's URL picks its own proxy: https to b.test takes the request's.
        let hop = s.merge_send(&url("https://b.test/"), &send).options;
        assert_eq!(hop.proxy.map(|p| p.0), Some("http://q:2".into()));
        // Without trust-env nothing comes from the environment.
        let plain = s.merge_send(&url("http://c.test/"), &SendOverrides::default());
        assert_eq!(plain.options.proxy, None);
        assert_eq!(plain.options.verify, Verify::Disabled);
        assert_eq!(plain.options.verify_from, None);
    }
}
