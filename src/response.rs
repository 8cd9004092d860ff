//! The response: head, history, cookies, links, and a body that is buffered or
//! streamed, decoded in the guest. Reading into memory stops at a size limit;
//! streamed reads hold no more than the caller asks for.
//!
//! This file owns `Response`'s head and status helpers; the body reads live in
//! `body`, `Link` parsing in `links` and charset decoding in `charset`.

use crate::cookies::StoredCookie;
use crate::decode::DecodedBody;
use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::prepare::PreparedRequest;
use crate::redirect;
use crate::transport::RawResponse;
use std::time::Duration;
use url::Url;

mod body;
mod charset;
mod history;
mod links;

use body::Body;
use charset::{charset, Charset};
pub use history::{History, SharedResponse};
#[cfg(test)]
use links::Link;

use crate::settings::DEFAULT_MAX_BODY_SIZE;

/// A response to one request (one redirect hop).
pub struct Response {
    pub status: u16,
    pub headers: Headers,
    /// The hops before this one, shared with every later hop (`history`).
    pub history: History,
    /// From sending until the response head arrived.
    pub elapsed: Duration,
    /// The cookies this response set.
    pub cookies: Vec<StoredCookie>,
    /// The request as sent; its URL is this response's URL.
    pub request: PreparedRequest,
    encoding: String,
    max_body_size: u64,
    body: Body,
}

impl Response {
    /// A response whose body has not been read yet. An unknown
    /// `Content-Encoding` fails when the body is read, not now: the head is still useful.
    pub fn new(
        raw: RawResponse,
        request: PreparedRequest,
        elapsed: Duration,
        cookies: Vec<StoredCookie>,
    ) -> Self {
        let encoding = charset(raw.headers.get("content-type"));
        let decoded = DecodedBody::new(
            raw.body,
            raw.headers.get_joined("content-encoding").as_deref(),
        );
        Response {
            status: raw.status,
            headers: raw.headers,
            history: History::default(),
            elapsed,
            cookies,
            request,
            encoding,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            body: Body::Streaming {
                decoded,
                started: false,
                pending: Vec::new(),
                scratch: Vec::new(),
            },
        }
    }

    /// A response whose body is already decoded content in memory (a hook's):
    /// it is never decoded again, whatever its `Content-Encoding` says.
    pub fn from_content(
        status: u16,
        headers: Headers,
        content: Vec<u8>,
        request: PreparedRequest,
        elapsed: Duration,
    ) -> Self {
        Response {
            status,
            encoding: charset(headers.get("content-type")),
            headers,
            history: History::default(),
            elapsed,
            cookies: Vec::new(),
            request,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            body: Body::Buffered {
                data: content,
                pos: 0,
            },
        }
    }

    /// Replaces status, headers and body with a hook's response (content, not
    /// decoded again); the request, elapsed time and limit stay.
    pub fn replace_with_content(&mut self, status: u16, headers: Headers, content: Vec<u8>) {
        self.status = status;
        self.encoding = charset(headers.get("content-type"));
        self.headers = headers;
        self.body = Body::Buffered {
            data: content,
            pos: 0,
        };
    }

    /// Replaces status and headers with a hook's and keeps the body (one the
    /// hook was not shown: `crate::hooks::MAX_HOOK_BODY`).
    pub fn replace_head(&mut self, status: u16, headers: Headers) {
        self.status = status;
        self.encoding = charset(headers.get("content-type"));
        self.headers = headers;
    }

    #[cfg(test)]
    /// The most decoded bytes `read_all` (and so `content`, `text`, `json`)
    /// holds in memory; `DEFAULT_MAX_BODY_SIZE` unless the session sets it.
    pub fn max_body_size(&self) -> u64 {
        self.max_body_size
    }

    /// Sets the in-memory limit; it also caps one `read_line` line. Streamed
    /// `read_chunk` reads have no total limit.
    pub fn set_max_body_size(&mut self, limit: u64) {
        self.max_body_size = limit;
    }

    /// The URL this response came from (the request's).
    pub fn url(&self) -> &Url {
        &self.request.url
    }

    /// The charset `text` and `read_line` use: the `Content-Type` charset,
    /// else `utf-8` (see `charset` for why not requests' ISO-8859-1).
    pub fn encoding(&self) -> &str {
        &self.encoding
    }
    /// Overrides the charset `text` uses.
    pub fn set_encoding(&mut self, encoding: &str) -> Result<()> {
        let name = encoding.trim().to_ascii_lowercase();
        if Charset::from_name(&name).is_none() {
            return Err(Error::InvalidOption(format!(
                "unknown encoding {encoding:?}: use utf-8, iso-8859-1, windows-1252 or us-ascii"
            )));
        }
        self.encoding = name;
        Ok(())
    }

    /// The body as text in `encoding`, invalid bytes replaced by U+FFFD.
    pub fn text(&mut self) -> Result<String> {
        let charset = Charset::from_name(&self.encoding).unwrap_or(Charset::Utf8);
        Ok(charset.decode(self.content()?))
    }

    /// The body as JSON text, checked to parse (a UTF-8 BOM is skipped).
    pub fn json(&mut self) -> Result<String> {
        let bytes = self.content()?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes)
            .map_err(|e| Error::JsonDecode(format!("the body is not UTF-8 JSON: {e}")))?;
        serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| Error::JsonDecode(e.to_string()))?;
        Ok(text.to_string())
    }

    /// The reason phrase for the status (wasi:http does not carry the server's).
    pub fn reason(&self) -> &'static str {
        reason_phrase(self.status)
    }

    /// True for a status below 400.
    pub fn ok(&self) -> bool {
        self.status < 400
    }

    /// The status, reason, URL (without userinfo) and headers, as errors carry them.
    pub fn head(&self) -> crate::error::ResponseHead {
        crate::error::ResponseHead {
            status: self.status,
            reason: self.reason().to_string(),
            url: crate::urls::redact(self.url()),
            headers: self.headers.to_pairs(),
        }
    }

    /// requests' `raise_for_status`: an error for 400-599.
    pub fn raise_for_status(&self) -> Result<()> {
        let kind = match self.status {
            400..=499 => "Client",
            500..=599 => "Server",
            _ => return Ok(()),
        };
        Err(Error::HttpStatus {
            message: format!(
                "{} {kind} Error: {} for url: {}",
                self.status,
                self.reason(),
                crate::urls::redact_in_message(self.url())
            ),
            response: self.head(),
        })
    }

    /// A redirect status with a `Location`.
    pub fn is_redirect(&self) -> bool {
        redirect::is_redirect(self.status, &self.headers)
    }

    /// A 301 or 308 with a `Location`.
    pub fn is_permanent_redirect(&self) -> bool {
        redirect::is_permanent_redirect(self.status, &self.headers)
    }
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<Response [{}] {}>",
            self.status,
            crate::urls::redact(self.url())
        )
    }
}

/// IANA reason phrases (RFC 9110 §15 and friends).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a Teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        511 => "Network Authentication Required",
        _ => "",
    }
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
