//! The session: settings, cookie jar, hooks and mounted adapters kept across
//! requests. The send loop that follows redirects is in `send`.

use crate::cookies::CookieJar;
use crate::digest;
use crate::error::{Error, Result};
use crate::hooks::HookRunner;
use crate::prepare::PreparedRequest;
use crate::response::Response;
use crate::settings::{ClientCert, HookSet, RequestParts, SendOverrides, Settings, Verify};
use crate::transport::SharedTransport;
use std::cell::{RefCell, RefMut};
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub mod budget;
mod send;

pub use send::Upload;

/// requests' `Session`, less what the binding layer owns (resource handles).
pub struct Session {
    /// Shared with the snapshot a caller may hold while the session is busy
    /// (`Session::settings_snapshot`); a change copies them if one is held.
    settings: Rc<Settings>,
    /// Shared with the binding layer, which reads it while the session is
    /// busy; never borrowed across a call to a hook or an adapter.
    jar: Rc<RefCell<CookieJar>>,
    /// Longest prefix first; ties in mount order (requests' `mount`).
    adapters: Vec<(String, SharedTransport)>,
    /// Digest challenge and nonce count per origin (`crate::digest`).
    digest: Vec<(String, digest::DigestState)>,
    /// Waits between retries: `std::thread::sleep` (on wasm32-wasip2 it
    /// blocks on a wasi:clocks timer), replaceable so tests see the waits
    /// asked for without waiting.
    sleeper: Box<dyn FnMut(Duration)>,
    /// Runs hooks by name; `None` in a build that cannot (no `hooks` import).
    hook_runner: Option<Box<dyn HookRunner>>,
    closed: bool,
}

/// requests' `merge_environment_settings` result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentSettings {
    pub proxies: Vec<(String, String)>,
    /// The proxy URL the request would go through, without userinfo.
    pub proxy: Option<String>,
    pub stream: bool,
    pub verify: Verify,
    pub cert: Option<ClientCert>,
    /// Netrc credentials would be used for this URL.
    pub netrc_auth: bool,
}

/// Seconds since the Unix epoch, for cookie expiry.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Session {
    /// A session with requests' defaults and `default_adapter` mounted on
    /// `https://` and `http://`.
    pub fn new(default_adapter: SharedTransport) -> Self {
        Session {
            settings: Rc::new(Settings::default()),
            jar: Rc::new(RefCell::new(CookieJar::new())),
            adapters: vec![
                ("https://".into(), default_adapter.clone()),
                ("http://".into(), default_adapter),
            ],
            digest: Vec::new(),
            sleeper: Box::new(std::thread::sleep),
            hook_runner: None,
            closed: false,
        }
    }

    /// Installs what runs hooks by name. Without one, hooks are `Unsupported`.
    pub fn set_hook_runner(&mut self, runner: Box<dyn HookRunner>) {
        self.hook_runner = Some(runner);
    }

    /// Sets the session's hooks; non-empty lists need a hook runner.
    pub fn set_hooks(&mut self, hooks: HookSet) -> Result<()> {
        self.open()?;
        if !hooks.is_empty() && self.hook_runner.is_none() {
            return Err(crate::hooks::unsupported());
        }
        self.settings_mut()?.set_hooks(hooks)
    }

    /// Sets the session's auth and forgets the Digest challenges kept so far
    /// (they were answered for other credentials).
    pub fn set_auth(&mut self, auth: Option<crate::auth::Auth>) -> Result<()> {
        self.settings_mut()?.set_auth(auth)?;
        self.digest.clear();
        Ok(())
    }

    #[cfg(test)]
    /// Replaces how the session waits between retries (by default it sleeps
    /// the thread). Tests record the waits; an embedder may bound them.
    pub fn set_sleeper(&mut self, sleeper: Box<dyn FnMut(Duration)>) {
        self.sleeper = sleeper;
    }

    /// `SessionClosed` once the session is closed.
    pub fn open(&self) -> Result<()> {
        if self.closed {
            Err(Error::SessionClosed)
        } else {
            Ok(())
        }
    }

    /// The settings; they stay readable after `close`.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The settings as they are now, shared: what a caller reads while the
    /// session is busy (running a hook) and cannot be borrowed.
    pub fn settings_snapshot(&self) -> Rc<Settings> {
        self.settings.clone()
    }

    /// The settings to change through their setters, unless the session is closed.
    pub fn settings_mut(&mut self) -> Result<&mut Settings> {
        self.open()?;
        Ok(Rc::make_mut(&mut self.settings))
    }

    /// True once closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The cookie jar to change, unless the session is closed.
    pub fn jar(&mut self) -> Result<RefMut<'_, CookieJar>> {
        self.open()?;
        Ok(self.jar.borrow_mut())
    }

    /// The cookie jar, shared: readable while the session is busy and after `close`.
    pub fn shared_jar(&self) -> Rc<RefCell<CookieJar>> {
        self.jar.clone()
    }

    /// Merges a request with the session's settings without sending it.
    pub fn prepare(&self, method: &str, url: &str, parts: RequestParts) -> Result<PreparedRequest> {
        self.open()?;
        // The names themselves are checked by `PreparedRequest::prepare`.
        if parts.hooks.as_ref().is_some_and(|h| !h.is_empty()) && self.hook_runner.is_none() {
            return Err(crate::hooks::unsupported());
        }
        let netrc = |host: &str| crate::netrc::netrc_auth(host);
        let jar = self.jar.borrow();
        PreparedRequest::prepare(&self.settings, &jar, &now, method, url, parts, &netrc)
    }

    /// Prepares and sends a request (requests' `Session.request`).
    pub fn request(
        &mut self,
        method: &str,
        url: &str,
        parts: RequestParts,
        send: SendOverrides,
    ) -> Result<Response> {
        let prepared = self.prepare(method, url, parts)?;
        self.send(prepared, send)
    }

    /// The session's settings and cookies as JSON (`crate::state`).
    pub fn export_state(&mut self, include_secrets: bool) -> Result<String> {
        self.open()?;
        Ok(crate::state::export(
            &self.settings,
            &self.jar.borrow(),
            now(),
            include_secrets,
        ))
    }

    /// Replaces settings and cookies with an exported state; nothing changes on error.
    pub fn import_state(&mut self, json: &str) -> Result<()> {
        self.open()?;
        let hooks_supported = self.hook_runner.is_some();
        crate::state::import(
            json,
            Rc::make_mut(&mut self.settings),
            &mut self.jar.borrow_mut(),
            now(),
            hooks_supported,
        )?;
        self.digest.clear();
        Ok(())
    }

    /// requests' `merge_environment_settings`: what a request to `url` would be
    /// sent with once request, session and environment settings are merged,
    /// by the function every request is sent with (`Settings::merge_send`).
    pub fn merge_environment_settings(
        &self,
        url: &str,
        send: SendOverrides,
    ) -> Result<EnvironmentSettings> {
        self.open()?;
        send.validate()?;
        let url = crate::urls::parse_with_base(url, self.settings.base_url.as_ref())?;
        let merged = self.settings.merge_send(&url, &send);
        let options = merged.options;
        let netrc_auth = self.settings.trust_env
            && self.settings.auth.is_none()
            && url.host_str().and_then(crate::netrc::netrc_auth).is_some();
        Ok(EnvironmentSettings {
            proxies: merged.proxies,
            proxy: options.proxy.map(|(p, _)| crate::urls::redact_str(&p)),
            stream: options.stream,
            verify: options.verify,
            cert: options.cert,
            netrc_auth,
        })
    }

    /// Mounts an adapter on a URL prefix (requests' `mount`): a prefix mounted
    /// again is replaced; longer prefixes are tried first.
    pub fn mount(&mut self, prefix: &str, adapter: SharedTransport) -> Result<()> {
        self.open()?;
        self.adapters
            .retain(|(p, _)| !p.eq_ignore_ascii_case(prefix));
        let at = self
            .adapters
            .iter()
            .position(|(p, _)| p.len() < prefix.len())
            .unwrap_or(self.adapters.len());
        self.adapters.insert(at, (prefix.to_string(), adapter));
        Ok(())
    }

    /// The adapter whose prefix matches the URL, case-insensitively; the
    /// longest wins. `InvalidSchema` when none does.
    pub fn get_adapter(&self, url: &str) -> Result<SharedTransport> {
        self.open()?;
        let starts_with = |prefix: &str| {
            url.as_bytes()
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
        };
        self.adapters
            .iter()
            .find(|(prefix, _)| starts_with(prefix))
            .map(|(_, adapter)| adapter.clone())
            .ok_or_else(|| {
                Error::InvalidSchema(format!(
                    "No connection adapters were found for {:?}",
                    crate::urls::redact_str(url)
                ))
            })
    }

    /// Closes every mounted adapter; later calls give `SessionClosed`.
    pub fn close(&mut self) {
        for (_, adapter) in &self.adapters {
            if let Ok(mut adapter) = adapter.try_borrow_mut() {
                adapter.close();
            }
        }
        self.closed = true;
    }
}
