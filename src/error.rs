//! The one error type of the session core; `component.rs` maps it onto the
//! WIT `error` record. A leaf: it depends on no other module of the core.

use std::fmt;

/// The head of a response an error is about (`HttpStatus`, `TooManyRedirects`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: u16,
    pub reason: String,
    /// The response URL, without userinfo.
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// Everything that can go wrong while preparing, sending or reading a request.
///
/// Each variant matches one case of the WIT `error` variant. Messages name the
/// offending input; URLs in messages never carry userinfo.
#[derive(Debug)]
pub enum Error {
    /// The URL has no scheme (`No scheme supplied. Perhaps you meant https://...?`).
    MissingSchema(String),
    /// No adapter is mounted for the URL.
    InvalidSchema(String),
    /// The URL cannot be parsed or has no host.
    InvalidUrl(String),
    /// A header name or value is invalid or forbidden by the host.
    InvalidHeader(String),
    /// The method is not an HTTP token.
    InvalidMethod(String),
    /// A JSON body does not parse.
    InvalidJson(String),
    /// A cookie given by hand is invalid.
    InvalidCookie(String),
    /// An option is out of range or malformed.
    InvalidOption(String),
    /// The server refused the connection.
    ConnectionRefused(String),
    /// The connection failed or broke for another reason.
    Connection(String),
    /// The host name could not be resolved.
    Dns(String),
    /// TLS failed.
    Tls(String),
    /// The proxy failed or refused.
    Proxy(String),
    /// The connect timeout passed.
    ConnectTimeout(String),
    /// The read timeout passed.
    ReadTimeout(String),
    /// The retry policy's retries ran out while the server kept answering a
    /// retryable status (urllib3's `MaxRetryError` with `raise_on_status`).
    /// Retries that run out on a network error give that error instead.
    Retry(String),
    /// More redirects than `max_redirects`; carries the last response's head
    /// and the heads of the hops before it (requests' `e.response.history`).
    TooManyRedirects {
        message: String,
        /// (Boxed, as the history: this variant would size every `Result` of the crate.)
        response: Box<ResponseHead>,
        /// Oldest first; as long as `max_redirects`.
        history: Box<[ResponseHead]>,
    },
    /// `raise_for_status` on a 4xx/5xx response.
    HttpStatus {
        message: String,
        response: ResponseHead,
    },
    /// The response body is not JSON.
    JsonDecode(String),
    /// The body does not decode according to its `Content-Encoding`.
    ContentDecoding(String),
    /// A body read into memory passed the response's `max_body_size` (an
    /// encoded body that does so is a `ContentDecoding` error instead).
    BodyTooLarge(String),
    /// A streamed body was already read.
    StreamConsumed(String),
    /// A request or response hook failed, or gave back a request or response
    /// that is not valid; the message names the hook (`crate::hooks`).
    Hook(String),
    /// The session or adapter was closed.
    SessionClosed,
    /// A setting the adapter cannot honour.
    Unsupported(String),
    /// Any other transport error: the wasi:http `error-code` case name and detail.
    Transport {
        code: String,
        detail: Option<String>,
    },
    /// A network error of a request to `url` (without userinfo): see
    /// `Error::at` (in `crate::urls`, which knows how to show a URL).
    At { url: String, error: Box<Error> },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingSchema(m)
            | Error::InvalidSchema(m)
            | Error::InvalidUrl(m)
            | Error::InvalidHeader(m)
            | Error::InvalidMethod(m)
            | Error::InvalidJson(m)
            | Error::InvalidCookie(m)
            | Error::InvalidOption(m)
            | Error::ConnectionRefused(m)
            | Error::Connection(m)
            | Error::Dns(m)
            | Error::Tls(m)
            | Error::Proxy(m)
            | Error::ConnectTimeout(m)
            | Error::ReadTimeout(m)
            | Error::JsonDecode(m)
            | Error::ContentDecoding(m)
            | Error::BodyTooLarge(m)
            | Error::StreamConsumed(m)
            | Error::Retry(m)
            | Error::Hook(m)
            | Error::Unsupported(m) => f.write_str(m),
            Error::TooManyRedirects { message, .. } | Error::HttpStatus { message, .. } => {
                f.write_str(message)
            }
            Error::SessionClosed => f.write_str("the session is closed"),
            Error::Transport {
                code,
                detail: Some(d),
            } => write!(f, "{code}: {d}"),
            Error::Transport { code, detail: None } => f.write_str(code),
            Error::At { url, error } => write!(f, "{error} ({url})"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// The error itself, without the URL [`Error::at`] put around it.
    pub fn inner(&self) -> &Error {
        match self {
            Error::At { error, .. } => error.inner(),
            other => other,
        }
    }
}

/// Shorthand for results of the session core.
pub type Result<T> = std::result::Result<T, Error>;
