//! Options and errors: the `opts()`/`send_opts()` builders, their `Default`s and [`ExpectKind`] for guest errors.

use std::fmt;

use super::{Error, ErrorKind, RequestOptions, SendOptions};

/// Request options that inherit every setting from the session: build on it
/// with `Some(RequestOptions { body: ..., ..opts() })`. `None` in place of the
/// whole record is the plain request.
pub fn opts() -> RequestOptions {
    RequestOptions::default()
}

/// Send options that inherit every setting from the session.
pub fn send_opts() -> SendOptions {
    SendOptions::default()
}

/// Request options with only these send options: `with_send(SendOptions { stream: Some(true), ..send_opts() })`.
pub fn with_send(send: SendOptions) -> Option<RequestOptions> {
    Some(RequestOptions {
        send: Some(send),
        ..opts()
    })
}

impl Default for RequestOptions {
    /// Every setting `None`: inherit the session's.
    fn default() -> Self {
        RequestOptions {
            params: None,
            headers: None,
            cookies: None,
            body: None,
            auth: None,
            hooks: None,
            send: None,
        }
    }
}

impl Default for SendOptions {
    /// Every setting `None`: inherit the session's.
    fn default() -> Self {
        SendOptions {
            timeout: None,
            allow_redirects: None,
            stream: None,
            verify: None,
            cert: None,
            proxies: None,
        }
    }
}

impl Error {
    /// True when the error is of `kind`.
    pub fn is(&self, kind: ErrorKind) -> bool {
        self.kind == kind
    }
}

/// Checks a guest `result<_, error>` for an error of one kind.
pub trait ExpectKind {
    /// The error, if the result is an error of `kind`; panics (naming what it
    /// got) otherwise.
    fn expect_kind(self, kind: ErrorKind) -> Error;

    /// The kind of the error; `None` for `Ok`.
    fn error_kind(&self) -> Option<ErrorKind>;
}

impl<T: fmt::Debug> ExpectKind for std::result::Result<T, Error> {
    #[track_caller]
    fn expect_kind(self, kind: ErrorKind) -> Error {
        match self {
            Err(err) if err.kind == kind => err,
            Err(err) => panic!("expected a {kind:?} error, got {err:?}"),
            Ok(value) => panic!("expected a {kind:?} error, got Ok({value:?})"),
        }
    }

    fn error_kind(&self) -> Option<ErrorKind> {
        self.as_ref().err().map(|err| err.kind)
    }
}
