//! Binding glue: the WIT exports implemented over the session core. Only this
//! module and `wasi_http` touch generated types. This file owns the bindings, the
//! error mapping and the record conversions (in one place); `session` and
//! `resources` implement the exported resources with them.

#[cfg(feature = "hooks")]
mod hooks;
mod resources;
mod session;

use crate::auth::Auth;
use crate::body::Body;
use crate::cookies::StoredCookie;
use crate::error::Error;
use crate::prepare::{AuthOverride, RequestParts, SendOverrides};
use crate::transport::Timeout;
use resources::{AdapterHandle, BodyWriterHandle, PreparedHandle, ResponseHandle};
use session::SessionHandle;

/// World `client`, or with the `hooks` feature world `client-with-hooks`,
/// which also imports `requests:http/hooks`. The exports are the same.
#[doc(hidden)]
pub mod bindings {
    #[cfg(not(feature = "hooks"))]
    wit_bindgen::generate!({ path: "wit", world: "client", generate_all });
    #[cfg(feature = "hooks")]
    wit_bindgen::generate!({ path: "wit", world: "client-with-hooks", generate_all });
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
        Error::Hook(m) => wit::Error::Hook(m),
        Error::SessionClosed => wit::Error::SessionClosed,
        Error::Unsupported(m) => wit::Error::Unsupported(m),
        Error::Transport { code, detail } => {
            wit::Error::Transport(wit::TransportError { code, detail })
        }
    }
}

/// A session called back from one of its own hooks (jco and wasmtime-py let
/// a host re-enter the instance; the session is in the middle of a request).
fn busy() -> wit::Error {
    wit::Error::Hook(
        "the session is running a hook: a hook may not call back into the session that runs it"
            .into(),
    )
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

fn from_wit_hooks(h: wit::HookSet) -> crate::hooks::HookSet {
    crate::hooks::HookSet {
        request: h.request,
        response: h.response,
    }
}

fn to_wit_hooks(h: crate::hooks::HookSet) -> wit::HookSet {
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
        hooks: o.hooks.map(from_wit_hooks),
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
