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
use bindings::requests::http::types::{Error, RequestOptions, Response};

/// The component: implements the exported `fetch` interface.
struct Fetcher;

bindings::export!(Fetcher with_types_in bindings);

impl Guest for Fetcher {
    fn fetch_json(url: String) -> Result<String, String> {
        let session = Session::new();
        session
            .set_header("Accept", "application/json")
            .map_err(describe)?;
        let response = get_ok(&session, &url)?;
        response.json().map_err(describe)
    }

    fn get_with_cookies(set_url: String, read_url: String) -> Result<String, String> {
        let session = Session::new();
        // The first response (and any redirect hop) stores its cookies in the session's jar ...
        drop(get_ok(&session, &set_url)?);
        // ... and the second request sends them.
        get_ok(&session, &read_url)?.text().map_err(describe)
    }
}

/// `session.get(url)` with the session's settings, then `raise-for-status`.
fn get_ok(session: &Session, url: &str) -> Result<Response, String> {
    let response = session.get(url, &inherit()).map_err(describe)?;
    response.raise_for_status().map_err(describe)?;
    Ok(response)
}

/// Request options that inherit every setting from the session.
fn inherit() -> RequestOptions {
    RequestOptions {
        params: None,
        headers: None,
        cookies: None,
        body: None,
        auth: None,
        timeout: None,
        allow_redirects: None,
        stream: None,
        verify: None,
        cert: None,
        proxies: None,
        hooks: None,
    }
}

/// A readable, one-line description of a session error: what kind it is, then the session's message.
fn describe(error: Error) -> String {
    let (kind, message) = match error {
        Error::MissingSchema(m) => ("missing scheme", m),
        Error::InvalidSchema(m) => ("invalid scheme", m),
        Error::InvalidUrl(m) => ("invalid URL", m),
        Error::InvalidHeader(m) => ("invalid header", m),
        Error::InvalidMethod(m) => ("invalid method", m),
        Error::InvalidJson(m) => ("invalid JSON body", m),
        Error::InvalidCookie(m) => ("invalid cookie", m),
        Error::InvalidOption(m) => ("invalid option", m),
        Error::ConnectionRefused(m) => ("connection refused", m),
        Error::Connection(m) => ("connection error", m),
        Error::Dns(m) => ("DNS error", m),
        Error::Tls(m) => ("TLS error", m),
        Error::ConnectTimeout(m) => ("connect timeout", m),
        Error::ReadTimeout(m) => ("read timeout", m),
        Error::TooManyRedirects(e) => ("too many redirects", e.message),
        Error::HttpStatus(e) => ("HTTP error", e.message),
        Error::JsonDecode(m) => ("response is not JSON", m),
        Error::ContentDecoding(m) => ("content decoding error", m),
        Error::BodyTooLarge(m) => ("body too large", m),
        Error::Retry(m) => ("retries exhausted", m),
        Error::StreamConsumed(m) => ("body already read", m),
        Error::Hook(m) => ("hook failed", m),
        Error::SessionClosed => ("session closed", "the session is closed".to_string()),
        Error::Unsupported(m) => ("unsupported", m),
        Error::Transport(e) => match e.detail {
            Some(detail) => ("transport error", format!("{}: {detail}", e.code)),
            None => ("transport error", e.code),
        },
    };
    format!("{kind}: {message}")
}
