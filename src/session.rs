//! The session: settings, cookie jar, hooks and mounted adapters kept across
//! requests. The send loop that follows redirects is in `send`.

use crate::cookies::CookieJar;
use crate::digest;
use crate::error::{Error, Result};
use crate::hooks::{HookRunner, HookSet};
use crate::merge::{merge_plain, select_proxy};
use crate::prepare::{PreparedRequest, RequestParts, SendOverrides, Settings};
use crate::response::Response;
use crate::retry::RetryPolicy;
use crate::transport::SharedTransport;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub mod budget;
mod send;

pub use send::Upload;

/// requests' `Session`, less what the binding layer owns (resource handles).
pub struct Session {
    settings: Settings,
    jar: CookieJar,
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
    pub stream: bool,
    pub verify: bool,
    pub ca_bundle: Option<String>,
    pub cert: Option<String>,
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
            settings: Settings::default(),
            jar: CookieJar::new(),
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
        hooks.validate()?;
        self.settings.hooks = hooks;
        Ok(())
    }

    #[cfg(test)]
    /// Replaces how the session waits between retries (by default it sleeps
    /// the thread). Tests record the waits; an embedder may bound them.
    pub fn set_sleeper(&mut self, sleeper: Box<dyn FnMut(Duration)>) {
        self.sleeper = sleeper;
    }

    /// Sets the session's retry policy in one call, validated first; `None`
    /// falls back to the mounted adapter's policy, if any.
    pub fn set_retries(&mut self, policy: Option<RetryPolicy>) -> Result<()> {
        self.open()?;
        if let Some(policy) = &policy {
            policy.validate()?;
        }
        self.settings.retries = policy;
        Ok(())
    }

    /// `SessionClosed` once the session is closed.
    pub fn open(&self) -> Result<()> {
        if self.closed {
            Err(Error::SessionClosed)
        } else {
            Ok(())
        }
    }

    /// The settings, unless the session is closed.
    pub fn settings(&self) -> Result<&Settings> {
        self.open()?;
        Ok(&self.settings)
    }

    /// The settings to change, unless the session is closed.
    pub fn settings_mut(&mut self) -> Result<&mut Settings> {
        self.open()?;
        Ok(&mut self.settings)
    }

    /// The cookie jar, unless the session is closed.
    pub fn jar(&mut self) -> Result<&mut CookieJar> {
        self.open()?;
        Ok(&mut self.jar)
    }

    /// Merges a request with the session's settings without sending it.
    pub fn prepare(&self, method: &str, url: &str, parts: RequestParts) -> Result<PreparedRequest> {
        self.open()?;
        // The names themselves are checked by `PreparedRequest::prepare`.
        if parts.hooks.as_ref().is_some_and(|h| !h.is_empty()) && self.hook_runner.is_none() {
            return Err(crate::hooks::unsupported());
        }
        let netrc = |host: &str| crate::netrc::netrc_auth(host);
        PreparedRequest::prepare(&self.settings, &self.jar, now(), method, url, parts, &netrc)
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
            &self.jar,
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
            &mut self.settings,
            &mut self.jar,
            now(),
            hooks_supported,
        )?;
        self.digest.clear();
        Ok(())
    }

    /// requests' `merge_environment_settings`: what a request to `url` would be
    /// sent with once request, session and environment settings are merged.
    pub fn merge_environment_settings(
        &self,
        url: &str,
        send: SendOverrides,
    ) -> Result<EnvironmentSettings> {
        self.open()?;
        let url = crate::urls::parse_with_base(url, self.settings.base_url.as_ref())?;
        let mut proxies = merge_plain(&self.settings.proxies, send.proxies.as_deref());
        let trust_env = self.settings.trust_env;
        if trust_env && select_proxy(&url, &proxies).is_none() {
            if let Some(found) = crate::env::proxy_for(&url) {
                proxies.push((url.scheme().to_string(), found.value));
            }
        }
        let netrc_auth = trust_env
            && self.settings.auth.is_none()
            && url.host_str().and_then(crate::netrc::netrc_auth).is_some();
        Ok(EnvironmentSettings {
            proxies,
            stream: send.stream.unwrap_or(self.settings.stream),
            verify: send.verify.unwrap_or(self.settings.verify),
            ca_bundle: if trust_env {
                crate::env::ca_bundle().map(|e| e.value)
            } else {
                None
            },
            cert: send.cert.or_else(|| self.settings.cert.clone()),
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
        let lower = url.to_ascii_lowercase();
        self.adapters
            .iter()
            .find(|(prefix, _)| lower.starts_with(&prefix.to_ascii_lowercase()))
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
