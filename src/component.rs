//! Binding glue: the WIT exports implemented over the session core. Only this
//! file and `wasi_http` touch generated types; conversions live here, in one place.

use crate::auth::Auth;
use crate::body::Body;
use crate::cookies::{NewCookie, StoredCookie};
use crate::error::Error;
use crate::prepare::{AuthOverride, PreparedRequest, RequestParts, SendOverrides};
use crate::response::Response;
use crate::session::{now, Session};
use crate::transport::{ScriptedTransport, SharedTransport, Timeout};
use crate::wasi_http::WasiHttpTransport;
use std::cell::RefCell;
use std::rc::Rc;

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({ path: "wit", world: "client", generate_all });
}

use bindings::exports::requests::http::session as wit_session;
use bindings::exports::requests::http::types as wit;

struct Component;

impl wit::Guest for Component {
    type PreparedRequest = PreparedHandle;
    type Response = ResponseHandle;
    type Adapter = AdapterHandle;
}

impl wit_session::Guest for Component {
    type Session = SessionHandle;
    type BodyWriter = BodyWriterHandle;
}

bindings::export!(Component with_types_in bindings);

type WitResult<T> = Result<T, wit::Error>;

// ---- errors ---------------------------------------------------------------

fn to_wit_error(e: Error) -> wit::Error {
    match e {
        Error::MissingSchema(m) => wit::Error::MissingSchema(m),
        Error::InvalidSchema(m) => wit::Error::InvalidSchema(m),
        Error::InvalidUrl(m) => wit::Error::InvalidUrl(m),
        Error::InvalidHeader(m) => wit::Error::InvalidHeader(m),
        Error::InvalidMethod(m) => wit::Error::InvalidMethod(m),
        Error::InvalidJson(m) => wit::Error::InvalidJson(m),
        Error::InvalidCookie(m) => wit::Error::InvalidCookie(m),
        Error::InvalidOption(m) => wit::Error::InvalidOption(m),
        Error::ConnectionRefused(m) => wit::Error::ConnectionRefused(m),
        Error::Connection(m) => wit::Error::Connection(m),
        Error::Dns(m) => wit::Error::Dns(m),
        Error::Tls(m) => wit::Error::Tls(m),
        Error::ConnectTimeout(m) => wit::Error::ConnectTimeout(m),
        Error::ReadTimeout(m) => wit::Error::ReadTimeout(m),
        Error::TooManyRedirects { message, response } => {
            wit::Error::TooManyRedirects(wit::TooManyRedirectsError {
                message,
                response: wit::Response::new(ResponseHandle::new(*response)),
            })
        }
        Error::HttpStatus {
            status,
            reason,
            url,
            message,
        } => wit::Error::HttpStatus(wit::HttpStatusError {
            status,
            reason,
            url,
            message,
        }),
        Error::JsonDecode(m) => wit::Error::JsonDecode(m),
        Error::ContentDecoding(m) => wit::Error::ContentDecoding(m),
        Error::BodyTooLarge(m) => wit::Error::BodyTooLarge(m),
        Error::Retry(m) => wit::Error::Retry(m),
        Error::StreamConsumed(m) => wit::Error::StreamConsumed(m),
        Error::SessionClosed => wit::Error::SessionClosed,
        Error::Unsupported(m) => wit::Error::Unsupported(m),
        Error::Transport { code, detail } => {
            wit::Error::Transport(wit::TransportError { code, detail })
        }
    }
}

fn lift<T>(r: crate::Result<T>) -> WitResult<T> {
    r.map_err(to_wit_error)
}

// ---- records --------------------------------------------------------------

fn from_wit_timeout(t: wit::Timeout) -> Timeout {
    Timeout {
        connect_ms: t.connect_ms,
        read_ms: t.read_ms,
    }
}

fn to_wit_timeout(t: Timeout) -> wit::Timeout {
    wit::Timeout {
        connect_ms: t.connect_ms,
        read_ms: t.read_ms,
    }
}

fn from_wit_auth(a: wit::Auth) -> Auth {
    match a {
        wit::Auth::Basic(c) => Auth::Basic {
            username: c.username,
            password: c.password,
        },
        wit::Auth::Bearer(t) => Auth::Bearer(t),
        wit::Auth::Digest(c) => Auth::Digest {
            username: c.username,
            password: c.password,
        },
    }
}

fn to_wit_auth(a: Auth) -> wit::Auth {
    match a {
        Auth::Basic { username, password } => {
            wit::Auth::Basic(wit::Credentials { username, password })
        }
        Auth::Bearer(t) => wit::Auth::Bearer(t),
        Auth::Digest { username, password } => {
            wit::Auth::Digest(wit::Credentials { username, password })
        }
    }
}

fn to_wit_cookie(c: StoredCookie) -> wit::Cookie {
    wit::Cookie {
        name: c.name,
        value: c.value,
        domain: c.domain,
        host_only: c.host_only,
        path: c.path,
        secure: c.secure,
        http_only: c.http_only,
        expires: c.expires,
    }
}

fn from_wit_retry(p: wit::RetryPolicy) -> crate::retry::RetryPolicy {
    crate::retry::RetryPolicy {
        total: p.total,
        connect: p.connect,
        read: p.read,
        status: p.status,
        backoff_factor_ms: p.backoff_factor_ms,
        backoff_max_ms: p.backoff_max_ms,
        backoff_jitter_ms: p.backoff_jitter_ms,
        status_forcelist: p.status_forcelist,
        allowed_methods: p.allowed_methods,
        respect_retry_after: p.respect_retry_after,
        retry_after_max_ms: p.retry_after_max_ms,
    }
}

fn to_wit_retry(p: crate::retry::RetryPolicy) -> wit::RetryPolicy {
    wit::RetryPolicy {
        total: p.total,
        connect: p.connect,
        read: p.read,
        status: p.status,
        backoff_factor_ms: p.backoff_factor_ms,
        backoff_max_ms: p.backoff_max_ms,
        backoff_jitter_ms: p.backoff_jitter_ms,
        status_forcelist: p.status_forcelist,
        allowed_methods: p.allowed_methods,
        respect_retry_after: p.respect_retry_after,
        retry_after_max_ms: p.retry_after_max_ms,
    }
}

fn from_wit_part(p: wit::Part) -> crate::multipart::Part {
    crate::multipart::Part {
        name: p.name,
        filename: p.filename,
        content_type: p.content_type,
        headers: p.headers,
        data: p.data,
    }
}

/// Splits the flat WIT options into what shapes the request and what shapes sending.
fn from_wit_options(o: wit::RequestOptions) -> (RequestParts, SendOverrides) {
    let body = o.body.map(|b| match b {
        wit::Body::Bytes(b) => Body::Bytes(b),
        wit::Body::Text(t) => Body::Text(t),
        wit::Body::Form(f) => Body::Form(f),
        wit::Body::Json(j) => Body::Json(j),
        wit::Body::Multipart(parts) => {
            Body::Multipart(parts.into_iter().map(from_wit_part).collect())
        }
    });
    let auth = o.auth.map(|a| match a {
        wit::AuthOverride::Disable => AuthOverride::Disable,
        wit::AuthOverride::Replace(a) => AuthOverride::Replace(from_wit_auth(a)),
    });
    let parts = RequestParts {
        params: o.params,
        headers: o.headers,
        cookies: o.cookies,
        body,
        auth,
    };
    let send = SendOverrides {
        timeout: o.timeout.map(from_wit_timeout),
        allow_redirects: o.allow_redirects,
        stream: o.stream,
        verify: o.verify,
        cert: o.cert,
        proxies: o.proxies,
    };
    (parts, send)
}

fn from_wit_send_options(o: wit::SendOptions) -> SendOverrides {
    SendOverrides {
        timeout: o.timeout.map(from_wit_timeout),
        allow_redirects: o.allow_redirects,
        stream: o.stream,
        verify: o.verify,
        cert: o.cert,
        proxies: o.proxies,
    }
}

// ---- session ----------------------------------------------------------------

/// Shared so a body writer can finish its request on the session that started it.
struct SessionHandle(Rc<RefCell<Session>>);

impl SessionHandle {
    fn with<T>(&self, f: impl FnOnce(&mut Session) -> crate::Result<T>) -> WitResult<T> {
        lift(f(&mut self.0.borrow_mut()))
    }

    fn verb(
        &self,
        method: &str,
        url: String,
        options: wit::RequestOptions,
    ) -> WitResult<wit::Response> {
        let (parts, send) = from_wit_options(options);
        let response = self.with(|s| s.request(method, &url, parts, send))?;
        Ok(wit::Response::new(ResponseHandle::new(response)))
    }
}

impl wit_session::GuestSession for SessionHandle {
    fn new() -> Self {
        let default: SharedTransport = Rc::new(RefCell::new(WasiHttpTransport::new(None)));
        SessionHandle(Rc::new(RefCell::new(Session::new(default))))
    }

    fn headers(&self) -> WitResult<Vec<(String, String)>> {
        self.with(|s| Ok(s.settings()?.headers.to_pairs()))
    }

    fn set_headers(&self, headers: Vec<(String, String)>) -> WitResult<()> {
        self.with(|s| {
            let headers = crate::headers::Headers::from_pairs(headers)?;
            s.settings_mut()?.headers = headers;
            Ok(())
        })
    }

    fn set_header(&self, name: String, value: String) -> WitResult<()> {
        self.with(|s| s.settings_mut()?.headers.set_checked(&name, &value))
    }

    fn remove_header(&self, name: String) -> WitResult<bool> {
        self.with(|s| Ok(s.settings_mut()?.headers.remove(&name)))
    }

    fn params(&self) -> WitResult<Vec<(String, String)>> {
        self.with(|s| Ok(s.settings()?.params.clone()))
    }

    fn set_params(&self, params: Vec<(String, String)>) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.params = params;
            Ok(())
        })
    }

    fn auth(&self) -> WitResult<Option<wit::Auth>> {
        self.with(|s| Ok(s.settings()?.auth.clone().map(to_wit_auth)))
    }

    fn set_auth(&self, auth: Option<wit::Auth>) -> WitResult<()> {
        self.with(|s| {
            let auth = auth.map(from_wit_auth);
            if let Some(a) = &auth {
                a.validate()?;
            }
            s.settings_mut()?.auth = auth;
            Ok(())
        })
    }

    fn cookies(&self) -> WitResult<Vec<wit::Cookie>> {
        self.with(|s| {
            Ok(s.jar()?
                .list(now())
                .into_iter()
                .map(to_wit_cookie)
                .collect())
        })
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

    fn max_redirects(&self) -> WitResult<u32> {
        self.with(|s| Ok(s.settings()?.max_redirects))
    }

    fn set_max_redirects(&self, max: u32) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.max_redirects = max;
            Ok(())
        })
    }

    fn trust_env(&self) -> WitResult<bool> {
        self.with(|s| Ok(s.settings()?.trust_env))
    }

    fn set_trust_env(&self, trust: bool) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.trust_env = trust;
            Ok(())
        })
    }

    fn stream(&self) -> WitResult<bool> {
        self.with(|s| Ok(s.settings()?.stream))
    }

    fn set_stream(&self, stream: bool) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.stream = stream;
            Ok(())
        })
    }

    fn verify(&self) -> WitResult<bool> {
        self.with(|s| Ok(s.settings()?.verify))
    }

    fn set_verify(&self, verify: bool) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.verify = verify;
            Ok(())
        })
    }

    fn cert(&self) -> WitResult<Option<String>> {
        self.with(|s| Ok(s.settings()?.cert.clone()))
    }

    fn set_cert(&self, cert: Option<String>) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.cert = cert;
            Ok(())
        })
    }

    fn proxies(&self) -> WitResult<Vec<(String, String)>> {
        self.with(|s| Ok(s.settings()?.proxies.clone()))
    }

    fn set_proxies(&self, proxies: Vec<(String, String)>) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.proxies = proxies;
            Ok(())
        })
    }

    fn timeout(&self) -> WitResult<Option<wit::Timeout>> {
        self.with(|s| Ok(s.settings()?.timeout.map(to_wit_timeout)))
    }

    fn set_timeout(&self, timeout: Option<wit::Timeout>) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.timeout = timeout.map(from_wit_timeout);
            Ok(())
        })
    }

    fn retries(&self) -> WitResult<Option<wit::RetryPolicy>> {
        self.with(|s| Ok(s.settings()?.retries.clone().map(to_wit_retry)))
    }

    fn set_retries(&self, policy: Option<wit::RetryPolicy>) -> WitResult<()> {
        self.with(|s| s.set_retries(policy.map(from_wit_retry)))
    }

    fn base_url(&self) -> WitResult<Option<String>> {
        self.with(|s| Ok(s.settings()?.base_url.as_ref().map(crate::urls::redact)))
    }

    fn set_base_url(&self, url: Option<String>) -> WitResult<()> {
        self.with(|s| {
            let base = url.as_deref().map(crate::urls::parse_base).transpose()?;
            s.settings_mut()?.base_url = base;
            Ok(())
        })
    }

    fn error_for_status(&self) -> WitResult<bool> {
        self.with(|s| Ok(s.settings()?.error_for_status))
    }

    fn set_error_for_status(&self, on: bool) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.error_for_status = on;
            Ok(())
        })
    }

    fn max_body_size(&self) -> WitResult<u64> {
        self.with(|s| Ok(s.settings()?.max_body_size))
    }

    fn set_max_body_size(&self, bytes: u64) -> WitResult<()> {
        self.with(|s| {
            s.settings_mut()?.max_body_size = bytes;
            Ok(())
        })
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
        options: wit::SendOptions,
    ) -> WitResult<wit_session::EnvironmentSettings> {
        let send = from_wit_send_options(options);
        let merged = self.with(|s| s.merge_environment_settings(&url, send))?;
        Ok(wit_session::EnvironmentSettings {
            proxies: merged.proxies,
            stream: merged.stream,
            verify: merged.verify,
            ca_bundle: merged.ca_bundle,
            cert: merged.cert,
            netrc_auth: merged.netrc_auth,
        })
    }

    fn request(
        &self,
        method: String,
        url: String,
        options: wit::RequestOptions,
    ) -> WitResult<wit::Response> {
        self.verb(&method, url, options)
    }

    fn get(&self, url: String, options: wit::RequestOptions) -> WitResult<wit::Response> {
        self.verb("GET", url, options)
    }

    fn head(&self, url: String, mut options: wit::RequestOptions) -> WitResult<wit::Response> {
        // requests' `head` does not follow redirects unless asked to.
        options.allow_redirects = Some(options.allow_redirects.unwrap_or(false));
        self.verb("HEAD", url, options)
    }

    fn post(&self, url: String, options: wit::RequestOptions) -> WitResult<wit::Response> {
        self.verb("POST", url, options)
    }

    fn put(&self, url: String, options: wit::RequestOptions) -> WitResult<wit::Response> {
        self.verb("PUT", url, options)
    }

    fn patch(&self, url: String, options: wit::RequestOptions) -> WitResult<wit::Response> {
        self.verb("PATCH", url, options)
    }

    fn delete(&self, url: String, options: wit::RequestOptions) -> WitResult<wit::Response> {
        self.verb("DELETE", url, options)
    }

    fn options(&self, url: String, options: wit::RequestOptions) -> WitResult<wit::Response> {
        self.verb("OPTIONS", url, options)
    }

    fn start_request(
        &self,
        method: String,
        url: String,
        options: wit::RequestOptions,
        content_length: Option<u64>,
    ) -> WitResult<wit_session::BodyWriter> {
        let (parts, send) = from_wit_options(options);
        let upload = self.with(|s| s.start_request(&method, &url, parts, send, content_length))?;
        Ok(wit_session::BodyWriter::new(BodyWriterHandle {
            session: self.0.clone(),
            upload: RefCell::new(Some(upload)),
        }))
    }

    fn prepare_request(
        &self,
        method: String,
        url: String,
        options: wit::RequestOptions,
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
        options: wit::SendOptions,
    ) -> WitResult<wit::Response> {
        let prepared = request.get::<PreparedHandle>().0.borrow().clone();
        let response = self.with(|s| s.send(prepared, from_wit_send_options(options)))?;
        Ok(wit::Response::new(ResponseHandle::new(response)))
    }

    fn mount(&self, prefix: String, adapter: wit::AdapterBorrow<'_>) -> WitResult<()> {
        let transport = adapter.get::<AdapterHandle>().0.clone();
        self.with(|s| s.mount(&prefix, transport))
    }

    fn get_adapter(&self, url: String) -> WitResult<wit::Adapter> {
        let transport = self.with(|s| s.get_adapter(&url))?;
        Ok(wit::Adapter::new(AdapterHandle(transport)))
    }

    fn close(&self) {
        self.0.borrow_mut().close();
    }
}

// ---- body writer ----------------------------------------------------------------

struct BodyWriterHandle {
    session: Rc<RefCell<Session>>,
    /// `None` once finished.
    upload: RefCell<Option<crate::session::Upload>>,
}

impl wit_session::GuestBodyWriter for BodyWriterHandle {
    fn write(&self, bytes: Vec<u8>) -> WitResult<()> {
        match self.upload.borrow_mut().as_mut() {
            Some(upload) => lift(upload.write(&bytes)),
            None => Err(wit::Error::StreamConsumed(
                "the upload was already finished".into(),
            )),
        }
    }

    fn written(&self) -> u64 {
        self.upload.borrow().as_ref().map_or(0, |u| u.written())
    }

    fn finish(writer: wit_session::BodyWriter) -> WitResult<wit::Response> {
        let handle = writer.into_inner::<BodyWriterHandle>();
        let upload = handle
            .upload
            .into_inner()
            .ok_or_else(|| wit::Error::StreamConsumed("the upload was already finished".into()))?;
        let response = lift(handle.session.borrow_mut().finish_upload(upload))?;
        Ok(wit::Response::new(ResponseHandle::new(response)))
    }
}

// ---- prepared request ---------------------------------------------------------

struct PreparedHandle(RefCell<PreparedRequest>);

impl wit::GuestPreparedRequest for PreparedHandle {
    fn method(&self) -> String {
        self.0.borrow().method.clone()
    }

    fn url(&self) -> String {
        self.0.borrow().url.to_string()
    }

    fn headers(&self) -> Vec<(String, String)> {
        self.0.borrow().headers.to_pairs()
    }

    fn body(&self) -> Option<Vec<u8>> {
        self.0.borrow().body.clone()
    }

    fn set_method(&self, method: String) -> WitResult<()> {
        let method = lift(crate::prepare::validate_method(&method))?;
        self.0.borrow_mut().method = method;
        Ok(())
    }

    fn set_url(&self, url: String) -> WitResult<()> {
        lift(self.0.borrow_mut().set_url(&url))
    }

    fn set_header(&self, name: String, value: Option<String>) -> WitResult<()> {
        lift(self.0.borrow_mut().set_header(&name, value.as_deref()))
    }

    fn set_body(&self, body: Option<Vec<u8>>) {
        let mut prepared = self.0.borrow_mut();
        prepared.body = body;
        prepared.set_content_length();
    }
}

// ---- response -------------------------------------------------------------------

struct ResponseHandle(RefCell<Response>);

impl ResponseHandle {
    fn new(response: Response) -> Self {
        ResponseHandle(RefCell::new(response))
    }
}

impl wit::GuestResponse for ResponseHandle {
    fn status(&self) -> u16 {
        self.0.borrow().status
    }

    fn reason(&self) -> String {
        self.0.borrow().reason().to_string()
    }

    fn url(&self) -> String {
        crate::urls::redact(self.0.borrow().url())
    }

    fn headers(&self) -> Vec<(String, String)> {
        self.0.borrow().headers.to_pairs()
    }

    fn header(&self, name: String) -> Option<String> {
        self.0.borrow().headers.get_joined(&name)
    }

    fn header_all(&self, name: String) -> Vec<String> {
        self.0
            .borrow()
            .headers
            .get_all(&name)
            .map(str::to_string)
            .collect()
    }

    fn history(&self) -> Vec<wit::Response> {
        let response = self.0.borrow();
        response
            .history
            .iter()
            .map(|hop| wit::Response::new(ResponseHandle::new(hop.duplicate())))
            .collect()
    }

    fn elapsed_ms(&self) -> f64 {
        self.0.borrow().elapsed.as_secs_f64() * 1000.0
    }

    fn cookies(&self) -> Vec<wit::Cookie> {
        self.0
            .borrow()
            .cookies
            .iter()
            .cloned()
            .map(to_wit_cookie)
            .collect()
    }

    fn encoding(&self) -> String {
        self.0.borrow().encoding().to_string()
    }

    fn set_encoding(&self, encoding: String) -> WitResult<()> {
        lift(self.0.borrow_mut().set_encoding(&encoding))
    }

    fn content(&self) -> WitResult<Vec<u8>> {
        lift(self.0.borrow_mut().content().map(<[u8]>::to_vec))
    }

    fn text(&self) -> WitResult<String> {
        lift(self.0.borrow_mut().text())
    }

    fn json(&self) -> WitResult<String> {
        lift(self.0.borrow_mut().json())
    }

    fn ok(&self) -> bool {
        self.0.borrow().ok()
    }

    fn raise_for_status(&self) -> WitResult<()> {
        lift(self.0.borrow().raise_for_status())
    }

    fn is_redirect(&self) -> bool {
        self.0.borrow().is_redirect()
    }

    fn is_permanent_redirect(&self) -> bool {
        self.0.borrow().is_permanent_redirect()
    }

    fn request(&self) -> wit::PreparedRequest {
        wit::PreparedRequest::new(PreparedHandle(RefCell::new(
            self.0.borrow().request.clone(),
        )))
    }

    fn read_chunk(&self, max: u32) -> WitResult<Option<Vec<u8>>> {
        lift(self.0.borrow_mut().read_chunk(max as usize))
    }

    fn read_line(&self) -> WitResult<Option<String>> {
        lift(self.0.borrow_mut().read_line())
    }

    fn links(&self) -> Vec<wit::Link> {
        let links = self.0.borrow().links();
        links
            .into_iter()
            .map(|l| wit::Link {
                url: l.url,
                rel: l.rel,
                params: l.params,
            })
            .collect()
    }
}

// ---- adapter ----------------------------------------------------------------------

struct AdapterHandle(SharedTransport);

impl wit::GuestAdapter for AdapterHandle {
    fn http(options: wit::AdapterOptions) -> wit::Adapter {
        let transport = WasiHttpTransport::new(options.timeout.map(from_wit_timeout));
        wit::Adapter::new(AdapterHandle(Rc::new(RefCell::new(transport))))
    }

    fn scripted(responses: Vec<wit::CannedResponse>) -> WitResult<wit::Adapter> {
        let canned = responses
            .into_iter()
            .map(|r| (r.status, r.headers, r.body))
            .collect();
        let transport = lift(ScriptedTransport::new(canned))?;
        Ok(wit::Adapter::new(AdapterHandle(Rc::new(RefCell::new(
            transport,
        )))))
    }

    fn kind(&self) -> String {
        self.0.borrow().kind().to_string()
    }

    fn received(&self) -> Vec<wit::RecordedRequest> {
        self.0
            .borrow()
            .received()
            .into_iter()
            .map(|r| wit::RecordedRequest {
                method: r.method,
                url: r.url,
                headers: r.headers,
                body: r.body,
            })
            .collect()
    }

    fn retries(&self) -> Option<wit::RetryPolicy> {
        self.0.borrow().retries().map(to_wit_retry)
    }

    fn set_retries(&self, policy: Option<wit::RetryPolicy>) -> WitResult<()> {
        let policy = policy.map(from_wit_retry);
        if let Some(p) = &policy {
            lift(p.validate())?;
        }
        self.0.borrow_mut().set_retries(policy);
        Ok(())
    }

    fn close(&self) {
        self.0.borrow_mut().close();
    }
}
