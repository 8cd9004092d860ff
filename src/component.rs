//! Binding glue: the WIT exports implemented over the session core. Only this
//! module and the adapters (`wasi_http`, `host_adapter`) touch generated types.
//! This file owns the bindings, the error mapping and the record conversions
//! (in one place); `session` and `resources` implement the exported resources
//! with them. Nothing here decides anything: validation and defaults are the
//! core's (`crate::settings`).

#[cfg(feature = "host")]
mod hooks;
mod resources;
mod session;

use crate::auth::Auth;
use crate::body::Body;
use crate::cookies::StoredCookie;
use crate::error::{Error, ResponseHead};
use crate::settings::{
    AuthOverride, ClientCert, Pem, RequestParts, SendOverrides, Timeout, Verify,
};
use resources::{AdapterHandle, BodyWriterHandle, PreparedHandle, ResponseHandle};
use session::SessionHandle;

use crate::bindings;
use bindings::exports::requests::http::session as wit_session;
use bindings::exports::requests::http::types as wit;

struct Component;

impl wit::Guest for Component {
    type PreparedRequest = PreparedHandle;
    type Response = ResponseHandle;
    type Adapter = AdapterHandle;

    fn retry_policy_for(total: u32) -> wit::RetryPolicy {
        to_wit_retry(crate::retry::RetryPolicy::for_total(total))
    }
}

impl wit_session::Guest for Component {
    type Session = SessionHandle;
    type BodyWriter = BodyWriterHandle;
}

bindings::export!(Component with_types_in crate::bindings);

type WitResult<T> = Result<T, wit::Error>;

// ---- errors ---------------------------------------------------------------

fn to_wit_head(h: ResponseHead) -> wit::ResponseHead {
    wit::ResponseHead {
        status: h.status,
        reason: h.reason,
        url: h.url,
        headers: h.headers,
    }
}

/// The WIT error record: the kind, the message (made here once, from the
/// core's `Display`), and the details a host needs without parsing it.
fn to_wit_error(e: Error) -> wit::Error {
    let message = e.to_string();
    let (url, e) = match e {
        Error::At { url, error } => (Some(url), *error),
        other => (None, other),
    };
    let mut error = wit::Error {
        kind: wit::ErrorKind::Transport,
        message,
        url,
        response: None,
        history: Vec::new(),
        code: None,
    };
    error.kind = match e {
        Error::MissingSchema(_) => wit::ErrorKind::MissingSchema,
        Error::InvalidSchema(_) => wit::ErrorKind::InvalidSchema,
        Error::InvalidUrl(_) => wit::ErrorKind::InvalidUrl,
        Error::InvalidHeader(_) => wit::ErrorKind::InvalidHeader,
        Error::InvalidMethod(_) => wit::ErrorKind::InvalidMethod,
        Error::InvalidJson(_) => wit::ErrorKind::InvalidJson,
        Error::InvalidCookie(_) => wit::ErrorKind::InvalidCookie,
        Error::InvalidOption(_) => wit::ErrorKind::InvalidOption,
        Error::ConnectionRefused(_) => wit::ErrorKind::ConnectionRefused,
        Error::Connection(_) => wit::ErrorKind::Connection,
        Error::Dns(_) => wit::ErrorKind::Dns,
        Error::Tls(_) => wit::ErrorKind::Tls,
        Error::Proxy(_) => wit::ErrorKind::Proxy,
        Error::ConnectTimeout(_) => wit::ErrorKind::ConnectTimeout,
        Error::ReadTimeout(_) => wit::ErrorKind::ReadTimeout,
        Error::TooManyRedirects {
            response, history, ..
        } => {
            error.url = Some(response.url.clone());
            error.response = Some(to_wit_head(*response));
            error.history = history.into_vec().into_iter().map(to_wit_head).collect();
            wit::ErrorKind::TooManyRedirects
        }
        Error::HttpStatus { response, .. } => {
            error.url = Some(response.url.clone());
            error.response = Some(to_wit_head(response));
            wit::ErrorKind::HttpStatus
        }
        Error::JsonDecode(_) => wit::ErrorKind::JsonDecode,
        Error::ContentDecoding(_) => wit::ErrorKind::ContentDecoding,
        Error::BodyTooLarge(_) => wit::ErrorKind::BodyTooLarge,
        Error::Retry(_) => wit::ErrorKind::Retry,
        Error::StreamConsumed(_) => wit::ErrorKind::StreamConsumed,
        Error::Hook(_) => wit::ErrorKind::Hook,
        Error::SessionClosed => wit::ErrorKind::SessionClosed,
        Error::Unsupported(_) => wit::ErrorKind::Unsupported,
        Error::Transport { code, .. } => {
            error.code = Some(code);
            wit::ErrorKind::Transport
        }
        // `At` is taken off above and never nests.
        Error::At { .. } => wit::ErrorKind::Transport,
    };
    error
}

/// A session called back from one of its own hooks or host adapters (jco and
/// wasmtime-py let a host re-enter the instance; the session is in the
/// middle of a request).
fn busy() -> wit::Error {
    to_wit_error(Error::Hook(
        "the session is running a hook or a host adapter: it may not call back into the \
         session that runs it"
            .into(),
    ))
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

fn from_wit_hooks(h: wit::HookSet) -> crate::settings::HookSet {
    crate::settings::HookSet {
        request: h.request,
        response: h.response,
    }
}

fn to_wit_hooks(h: crate::settings::HookSet) -> wit::HookSet {
    wit::HookSet {
        request: h.request,
        response: h.response,
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

fn from_wit_pem(p: wit::Pem) -> Pem {
    match p {
        wit::Pem::Path(p) => Pem::Path(p),
        wit::Pem::Data(d) => Pem::Data(d),
    }
}

fn to_wit_pem(p: Pem) -> wit::Pem {
    match p {
        Pem::Path(p) => wit::Pem::Path(p),
        Pem::Data(d) => wit::Pem::Data(d),
    }
}

fn from_wit_verify(v: wit::Verify) -> Verify {
    match v {
        wit::Verify::Enabled => Verify::Enabled,
        wit::Verify::Disabled => Verify::Disabled,
        wit::Verify::CaBundle(p) => Verify::CaBundle(from_wit_pem(p)),
    }
}

fn to_wit_verify(v: Verify) -> wit::Verify {
    match v {
        Verify::Enabled => wit::Verify::Enabled,
        Verify::Disabled => wit::Verify::Disabled,
        Verify::CaBundle(p) => wit::Verify::CaBundle(to_wit_pem(p)),
    }
}

fn from_wit_cert(c: wit::ClientCert) -> ClientCert {
    ClientCert {
        cert: from_wit_pem(c.cert),
        key: c.key.map(from_wit_pem),
    }
}

fn to_wit_cert(c: ClientCert) -> wit::ClientCert {
    wit::ClientCert {
        cert: to_wit_pem(c.cert),
        key: c.key.map(to_wit_pem),
    }
}

/// Splits the WIT options into what shapes the request and what shapes sending.
fn from_wit_options(o: Option<wit::RequestOptions>) -> (RequestParts, SendOverrides) {
    let Some(o) = o else {
        return (RequestParts::default(), SendOverrides::default());
    };
    let body = o.body.map(|b| match b {
        wit::Body::Bytes(b) => Body::Bytes(b),
        wit::Body::Latin1(t) => Body::Latin1(t),
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
        hooks: o.hooks.map(from_wit_hooks),
    };
    (parts, from_wit_send_options(o.send))
}

fn from_wit_send_options(o: Option<wit::SendOptions>) -> SendOverrides {
    let Some(o) = o else {
        return SendOverrides::default();
    };
    SendOverrides {
        timeout: o.timeout.map(from_wit_timeout),
        allow_redirects: o.allow_redirects,
        stream: o.stream,
        verify: o.verify.map(from_wit_verify),
        cert: o.cert.map(from_wit_cert),
        proxies: o.proxies,
    }
}
