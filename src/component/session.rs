//! The `session` resource: settings, cookies, requests, streaming uploads and mounts, each
//! method a call into the session core with its arguments and results converted.

use super::resources::{AdapterHandle, BodyWriterHandle, PreparedHandle, ResponseHandle};
use super::{
    busy, from_wit_auth, from_wit_cert, from_wit_hooks, from_wit_options, from_wit_retry,
    from_wit_send_options, from_wit_timeout, from_wit_verify, lift, to_wit_auth, to_wit_cert,
    to_wit_cookie, to_wit_hooks, to_wit_retry, to_wit_timeout, to_wit_verify, wit, wit_session,
    WitResult,
};
use crate::cookies::{CookieJar, NewCookie};
use crate::session::{now, Session};
use crate::settings::Settings;
use crate::transport::SharedTransport;
use crate::wasi_http::WasiHttpTransport;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Shared so a body writer can finish its request on the session that started it.
pub(super) struct SessionHandle {
    session: Rc<RefCell<Session>>,
    /// The settings as the last call left them: what getters read while the
    /// session is busy (a hook or host adapter calling back), so reading a
    /// setting never fails.
    settings: RefCell<Rc<Settings>>,
    /// The jar, shared with the session, which never holds it across a call
    /// out to the host: readable while the session is busy.
    jar: Rc<RefCell<CookieJar>>,
    /// `close` was called by a hook while the session was sending: it closes
    /// when that call returns.
    close_later: Cell<bool>,
}

impl SessionHandle {
    /// Runs `f` on the session. A session is busy while it runs a hook, and a
    /// hook that calls back into it gets an error rather than a trap. A closed
    /// session answers `session-closed` before any argument is looked at.
    fn with<T>(&self, f: impl FnOnce(&mut Session) -> crate::Result<T>) -> WitResult<T> {
        let mut session = self.session.try_borrow_mut().map_err(|_| busy())?;
        let result = session.open().and_then(|()| f(&mut session));
        if self.close_later.take() {
            session.close();
        }
        *self.settings.borrow_mut() = session.settings_snapshot();
        lift(result)
    }

    /// Reads the settings: the session's own, or while it is busy the ones it
    /// had when it started the call that is running.
    fn read<T>(&self, f: impl FnOnce(&Settings) -> T) -> T {
        match self.session.try_borrow() {
            Ok(session) => f(session.settings()),
            Err(_) => f(&self.settings.borrow()),
        }
    }

    fn verb(
        &self,
        method: &str,
        url: String,
        options: Option<wit::RequestOptions>,
    ) -> WitResult<wit::Response> {
        let (parts, send) = from_wit_options(options);
        self.send_verb(method, url, parts, send)
    }

    fn send_verb(
        &self,
        method: &str,
        url: String,
        parts: crate::settings::RequestParts,
        send: crate::settings::SendOverrides,
    ) -> WitResult<wit::Response> {
        let response = self.with(|s| s.request(method, &url, parts, send))?;
        Ok(wit::Response::new(ResponseHandle::new(response)))
    }
}

impl wit_session::GuestSession for SessionHandle {
    fn new() -> Self {
        let default: SharedTransport = Rc::new(RefCell::new(WasiHttpTransport::new(None)));
        #[allow(unused_mut)]
        let mut session = Session::new(default);
        #[cfg(feature = "host")]
        session.set_hook_runner(Box::new(super::hooks::HostHooks));
        SessionHandle {
            settings: RefCell::new(session.settings_snapshot()),
            jar: session.shared_jar(),
            session: Rc::new(RefCell::new(session)),
            close_later: Cell::new(false),
        }
    }

    fn headers(&self) -> Vec<(String, String)> {
        self.read(|s| s.headers.to_pairs())
    }

    fn set_headers(&self, headers: Vec<(String, String)>) -> WitResult<()> {
        self.with(|s| s.settings_mut()?.set_headers(headers))
    }

    fn set_header(&self, name: String, value: String) -> WitResult<()> {
        self.with(|s| s.settings_mut()?.set_header(&name, &value))
    }

    fn remove_header(&self, name: String) -> WitResult<bool> {
        self.with(|s| Ok(s.settings_mut()?.remove_header(&name)))
    }

    fn params(&self) -> Vec<(String, String)> {
        self.read(|s| s.params.clone())
    }

    fn set_params(&self, params: Vec<(String, String)>) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.set_params(params);
            Ok(())
        })
    }

    fn auth(&self) -> Option<wit::Auth> {
        self.read(|s| s.auth.clone().map(to_wit_auth))
    }

    fn set_auth(&self, auth: Option<wit::Auth>) -> WitResult<()> {
        self.with(|s| s.set_auth(auth.map(from_wit_auth)))
    }

    fn cookies(&self) -> Vec<wit::Cookie> {
        let cookies = match self.jar.try_borrow() {
            Ok(jar) => jar.snapshot(now()),
            // Only while the jar is being changed, which calls out to no host.
            Err(_) => Vec::new(),
        };
        cookies.into_iter().map(to_wit_cookie).collect()
    }

    fn set_cookie(&self, c: wit::NewCookie) -> WitResult<()> {
        let cookie = NewCookie {
            name: c.name,
            value: c.value,
            domain: c.domain,
            path: c.path,
            secure: c.secure,
            expires: c.expires,
        };
        self.with(|s| s.jar()?.set(cookie, now()))
    }

    fn remove_cookie(
        &self,
        name: String,
        domain: Option<String>,
        path: Option<String>,
    ) -> WitResult<u32> {
        self.with(|s| Ok(s.jar()?.remove(&name, domain.as_deref(), path.as_deref()) as u32))
    }

    fn clear_cookies(&self) -> WitResult<()> {
        self.with(|s| {
            s.jar()?.clear();
            Ok(())
        })
    }

    fn max_redirects(&self) -> u32 {
        self.read(|s| s.max_redirects)
    }

    fn set_max_redirects(&self, max: u32) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.set_max_redirects(max);
            Ok(())
        })
    }

    fn trust_env(&self) -> bool {
        self.read(|s| s.trust_env)
    }

    fn set_trust_env(&self, trust: bool) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.set_trust_env(trust);
            Ok(())
        })
    }

    fn stream(&self) -> bool {
        self.read(|s| s.stream)
    }

    fn set_stream(&self, stream: bool) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.set_stream(stream);
            Ok(())
        })
    }

    fn verify(&self) -> wit::Verify {
        self.read(|s| to_wit_verify(s.verify.clone()))
    }

    fn set_verify(&self, verify: wit::Verify) -> WitResult<()> {
        self.with(|s| s.settings_mut()?.set_verify(from_wit_verify(verify)))
    }

    fn cert(&self) -> Option<wit::ClientCert> {
        self.read(|s| s.cert.clone().map(to_wit_cert))
    }

    fn set_cert(&self, cert: Option<wit::ClientCert>) -> WitResult<()> {
        self.with(|s| s.settings_mut()?.set_cert(cert.map(from_wit_cert)))
    }

    fn proxies(&self) -> Vec<(String, String)> {
        self.read(|s| s.proxies.clone())
    }

    fn set_proxies(&self, proxies: Vec<(String, String)>) -> WitResult<()> {
        self.with(|s| s.settings_mut()?.set_proxies(proxies))
    }

    fn timeout(&self) -> Option<wit::Timeout> {
        self.read(|s| s.timeout.map(to_wit_timeout))
    }

    fn set_timeout(&self, timeout: Option<wit::Timeout>) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.set_timeout(timeout.map(from_wit_timeout));
            Ok(())
        })
    }

    fn retries(&self) -> Option<wit::RetryPolicy> {
        self.read(|s| s.retries.clone().map(to_wit_retry))
    }

    fn set_retries(&self, policy: Option<wit::RetryPolicy>) -> WitResult<()> {
        self.with(|s| s.settings_mut()?.set_retries(policy.map(from_wit_retry)))
    }

    fn base_url(&self) -> Option<String> {
        self.read(|s| s.base_url.as_ref().map(crate::urls::redact))
    }

    fn set_base_url(&self, url: Option<String>) -> WitResult<()> {
        self.with(|s| s.settings_mut()?.set_base_url(url.as_deref()))
    }

    fn error_for_status(&self) -> bool {
        self.read(|s| s.error_for_status)
    }

    fn set_error_for_status(&self, on: bool) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.set_error_for_status(on);
            Ok(())
        })
    }

    fn max_body_size(&self) -> u64 {
        self.read(|s| s.max_body_size)
    }

    fn set_max_body_size(&self, bytes: u64) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.set_max_body_size(bytes);
            Ok(())
        })
    }

    fn hooks(&self) -> wit::HookSet {
        self.read(|s| to_wit_hooks(s.hooks.clone()))
    }

    fn set_hooks(&self, hooks: wit::HookSet) -> WitResult<()> {
        self.with(|s| s.set_hooks(from_wit_hooks(hooks)))
    }

    fn closed(&self) -> bool {
        match self.session.try_borrow() {
            Ok(session) => session.is_closed(),
            Err(_) => self.close_later.get(),
        }
    }

    fn export_state(&self, include_secrets: bool) -> WitResult<String> {
        self.with(|s| s.export_state(include_secrets))
    }

    fn import_state(&self, state: String) -> WitResult<()> {
        self.with(|s| s.import_state(&state))
    }

    fn merge_environment_settings(
        &self,
        url: String,
        options: Option<wit::SendOptions>,
    ) -> WitResult<wit_session::EnvironmentSettings> {
        let send = from_wit_send_options(options);
        let merged = self.with(|s| s.merge_environment_settings(&url, send))?;
        Ok(wit_session::EnvironmentSettings {
            proxies: merged.proxies,
            proxy: merged.proxy,
            stream: merged.stream,
            verify: to_wit_verify(merged.verify),
            cert: merged.cert.map(to_wit_cert),
            netrc_auth: merged.netrc_auth,
        })
    }

    fn request(
        &self,
        method: String,
        url: String,
        options: Option<wit::RequestOptions>,
    ) -> WitResult<wit::Response> {
        self.verb(&method, url, options)
    }

    fn get(&self, url: String, options: Option<wit::RequestOptions>) -> WitResult<wit::Response> {
        self.verb("GET", url, options)
    }

    fn head(&self, url: String, options: Option<wit::RequestOptions>) -> WitResult<wit::Response> {
        // requests' `head` does not follow redirects unless asked to.
        let (parts, mut send) = from_wit_options(options);
        send.allow_redirects.get_or_insert(false);
        self.send_verb("HEAD", url, parts, send)
    }

    fn post(&self, url: String, options: Option<wit::RequestOptions>) -> WitResult<wit::Response> {
        self.verb("POST", url, options)
    }

    fn put(&self, url: String, options: Option<wit::RequestOptions>) -> WitResult<wit::Response> {
        self.verb("PUT", url, options)
    }

    fn patch(&self, url: String, options: Option<wit::RequestOptions>) -> WitResult<wit::Response> {
        self.verb("PATCH", url, options)
    }

    fn delete(
        &self,
        url: String,
        options: Option<wit::RequestOptions>,
    ) -> WitResult<wit::Response> {
        self.verb("DELETE", url, options)
    }

    fn options(
        &self,
        url: String,
        options: Option<wit::RequestOptions>,
    ) -> WitResult<wit::Response> {
        self.verb("OPTIONS", url, options)
    }

    fn start_request(
        &self,
        method: String,
        url: String,
        options: Option<wit::RequestOptions>,
        content_length: Option<u64>,
    ) -> WitResult<wit_session::BodyWriter> {
        let (parts, send) = from_wit_options(options);
        let upload = self.with(|s| s.start_request(&method, &url, parts, send, content_length))?;
        Ok(wit_session::BodyWriter::new(BodyWriterHandle {
            session: self.session.clone(),
            upload: RefCell::new(Some(upload)),
        }))
    }

    fn prepare_request(
        &self,
        method: String,
        url: String,
        options: Option<wit::RequestOptions>,
    ) -> WitResult<wit::PreparedRequest> {
        let (parts, _send) = from_wit_options(options);
        let prepared = self.with(|s| s.prepare(&method, &url, parts))?;
        Ok(wit::PreparedRequest::new(PreparedHandle(RefCell::new(
            prepared,
        ))))
    }

    fn send(
        &self,
        request: wit::PreparedRequestBorrow<'_>,
        options: Option<wit::SendOptions>,
    ) -> WitResult<wit::Response> {
        let prepared = request.get::<PreparedHandle>().0.borrow().clone();
        let response = self.with(|s| s.send(prepared, from_wit_send_options(options)))?;
        Ok(wit::Response::new(ResponseHandle::new(response)))
    }

    fn mount(&self, prefix: String, adapter: wit::AdapterBorrow<'_>) -> WitResult<()> {
        let transport = adapter.get::<AdapterHandle>().0.clone();
        self.with(|s| s.mount(&prefix, transport))
    }

    fn mount_http(&self, adapter: wit::AdapterBorrow<'_>) -> WitResult<()> {
        let transport = adapter.get::<AdapterHandle>().0.clone();
        self.with(|s| {
            s.mount("https://", transport.clone())?;
            s.mount("http://", transport)
        })
    }

    fn get_adapter(&self, url: String) -> WitResult<wit::Adapter> {
        let transport = self.with(|s| s.get_adapter(&url))?;
        Ok(wit::Adapter::new(AdapterHandle(transport)))
    }

    fn close(&self) {
        match self.session.try_borrow_mut() {
            Ok(mut session) => session.close(),
            Err(_) => self.close_later.set(true),
        }
    }
}
