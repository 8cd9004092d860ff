//! An example consumer component: it imports the requests session API (`requests:http/session`)
//! and exports `example:fetcher/fetch`. Plugged together with the session component it becomes one
//! component that imports only `wasi:*`.

#[doc(hidden)]
pub mod bindings {
    //! Bindings generated from world `fetcher` in `wit/world.wit`.
    wit_bindgen::generate!({ path: "wit", world: "fetcher", generate_all });
}

use bindings::exports::example::fetcher::fetch::Guest;
use bindings::requests::http::session::Session;
use bindings::requests::http::types::{Error, ErrorKind, Response};

/// The component: implements the exported `fetch` interface.
struct Fetcher;

bindings::export!(Fetcher with_types_in bindings);

impl Guest for Fetcher {
    fn fetch_json(url: String) -> Result<String, String> {
        let session = Session::new();
        session
            .set_header("Accept", "application/json")
            .map_err(describe)?;
        get_ok(&session, &url)?.json().map_err(describe)
    }

    fn get_with_cookies(set_url: String, read_url: String) -> Result<String, String> {
        let session = Session::new();
        // The first response (and any redirect hop) stores its cookies in the session's jar ...
        drop(get_ok(&session, &set_url)?);
        // ... and the second request sends them.
        get_ok(&session, &read_url)?.text().map_err(describe)
    }
}

/// `session.get(url)` with the session's settings (`None`: no per-request options), then
/// `raise-for-status`.
fn get_ok(session: &Session, url: &str) -> Result<Response, String> {
    let response = session.get(url, None).map_err(describe)?;
    response.raise_for_status().map_err(describe)?;
    Ok(response)
}

/// A readable, one-line description of a session error: what kind it is, then the session's own
/// message, which is complete (it names the URL, the status, the offending input).
fn describe(error: Error) -> String {
    format!("{}: {}", what(error.kind), error.message)
}

/// The kind of an error, in words. A program would match on the kind to decide what to do
/// (retry on `connection`, give up on `invalid-url`, ...).
fn what(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::MissingSchema => "missing scheme",
        ErrorKind::InvalidSchema => "invalid scheme",
        ErrorKind::InvalidUrl => "invalid URL",
        ErrorKind::InvalidHeader => "invalid header",
        ErrorKind::InvalidMethod => "invalid method",
        ErrorKind::InvalidJson => "invalid JSON body",
        ErrorKind::InvalidCookie => "invalid cookie",
        ErrorKind::InvalidOption => "invalid option",
        ErrorKind::ConnectionRefused => "connection refused",
        ErrorKind::Connection => "connection error",
        ErrorKind::Dns => "DNS error",
        ErrorKind::Tls => "TLS error",
        ErrorKind::Proxy => "proxy error",
        ErrorKind::ConnectTimeout => "connect timeout",
        ErrorKind::ReadTimeout => "read timeout",
        ErrorKind::TooManyRedirects => "too many redirects",
        ErrorKind::HttpStatus => "HTTP error",
        ErrorKind::JsonDecode => "response is not JSON",
        ErrorKind::ContentDecoding => "content decoding error",
        ErrorKind::BodyTooLarge => "body too large",
        ErrorKind::Retry => "retries exhausted",
        ErrorKind::StreamConsumed => "body already read",
        ErrorKind::Hook => "hook failed",
        ErrorKind::SessionClosed => "session closed",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::Transport => "transport error",
    }
}
