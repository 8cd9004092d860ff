//! The response: head, history, cookies, and a body that is buffered or
//! streamed, decoded in the guest.

use crate::cookies::StoredCookie;
use crate::decode::Decoder;
use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::prepare::PreparedRequest;
use crate::redirect;
use crate::transport::{BodyReader, RawResponse};
use std::time::Duration;
use url::Url;

/// Encoded bytes asked of the transport per read while draining a body.
const READ_CHUNK: usize = 64 * 1024;
/// The most asked of the transport in one read, whatever `read_chunk` was given:
/// a caller's `max` must not size a host allocation.
const MAX_READ: usize = 1024 * 1024;

/// A response to one request (one redirect hop).
pub struct Response {
    pub status: u16,
    pub headers: Headers,
    /// The hops before this one, oldest first.
    pub history: Vec<Response>,
    /// From sending until the response head arrived.
    pub elapsed: Duration,
    /// The cookies this response set.
    pub cookies: Vec<StoredCookie>,
    /// The request as sent; its URL is this response's URL.
    pub request: PreparedRequest,
    encoding: String,
    body: Body,
}

enum Body {
    /// Decoded and in memory; `pos` is where `read_chunk` stands.
    Buffered { data: Vec<u8>, pos: usize },
    /// Still arriving; `pending` holds decoded bytes not yet handed out.
    Streaming {
        reader: Box<dyn BodyReader>,
        decoder: Option<Decoder>,
        pending: Vec<u8>,
        started: bool,
    },
    /// Read to the end by `read_chunk`, or the body of a copy of a streamed response.
    Consumed,
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
        let (decoder, reader): (Option<Decoder>, Box<dyn BodyReader>) =
            match Decoder::for_content_encoding(
                raw.headers.get_joined("content-encoding").as_deref(),
            ) {
                Ok(decoder) => (decoder, raw.body),
                Err(e) => (None, Box::new(Failing(Some(e)))),
            };
        Response {
            status: raw.status,
            headers: raw.headers,
            history: Vec::new(),
            elapsed,
            cookies,
            request,
            encoding,
            body: Body::Streaming {
                reader,
                decoder,
                pending: Vec::new(),
                started: false,
            },
        }
    }

    /// Reads and decodes the whole body now (requests without `stream`).
    pub fn read_all(&mut self) -> Result<()> {
        let Body::Streaming {
            reader,
            decoder,
            pending,
            started,
        } = &mut self.body
        else {
            return match self.body {
                Body::Buffered { .. } => Ok(()),
                _ => Err(consumed()),
            };
        };
        if *started {
            return Err(consumed());
        }
        let mut data = std::mem::take(pending);
        while let Some(chunk) = reader.read(READ_CHUNK)? {
            match decoder {
                Some(d) => data.extend(d.feed(&chunk)?),
                None if data.is_empty() => data = chunk,
                None => data.extend_from_slice(&chunk),
            }
        }
        if let Some(d) = decoder {
            data.extend(d.finish()?);
        }
        self.body = Body::Buffered { data, pos: 0 };
        Ok(())
    }

    /// The decoded body; for a streamed response, reads the rest of it.
    pub fn content(&mut self) -> Result<&[u8]> {
        self.read_all()?;
        match &self.body {
            Body::Buffered { data, .. } => Ok(data),
            _ => Err(consumed()),
        }
    }

    /// Up to `max` decoded bytes; `None` at the end (requests' `iter_content`).
    pub fn read_chunk(&mut self, max: usize) -> Result<Option<Vec<u8>>> {
        let max = max.max(1);
        match &mut self.body {
            Body::Buffered { data, pos } => {
                let end = data.len().min(pos.saturating_add(max));
                let chunk = data.get(*pos..end).unwrap_or_default().to_vec();
                *pos = end;
                Ok((!chunk.is_empty()).then_some(chunk))
            }
            Body::Consumed => Err(consumed()),
            Body::Streaming {
                reader,
                decoder,
                pending,
                started,
            } => {
                *started = true;
                while pending.is_empty() {
                    match reader.read(max.clamp(READ_CHUNK / 4, MAX_READ))? {
                        Some(chunk) => match decoder {
                            Some(d) => pending.extend(d.feed(&chunk)?),
                            None => *pending = chunk,
                        },
                        None => {
                            if let Some(d) = decoder {
                                pending.extend(d.finish()?);
                            }
                            if pending.is_empty() {
                                self.body = Body::Consumed;
                                return Ok(None);
                            }
                            // Hand out the decoder's tail, then end next time.
                            let tail = std::mem::take(pending);
                            self.body = Body::Buffered { data: tail, pos: 0 };
                            return self.read_chunk(max);
                        }
                    }
                }
                let take = max.min(pending.len());
                let rest = pending.split_off(take);
                Ok(Some(std::mem::replace(pending, rest)))
            }
        }
    }

    /// The URL this response came from (the request's).
    pub fn url(&self) -> &Url {
        &self.request.url
    }

    /// The charset `text` uses: the `Content-Type` charset, else `utf-8`.
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

    /// requests' `raise_for_status`: an error for 400-599.
    pub fn raise_for_status(&self) -> Result<()> {
        let kind = match self.status {
            400..=499 => "Client",
            500..=599 => "Server",
            _ => return Ok(()),
        };
        let url = crate::urls::redact(self.url());
        Err(Error::HttpStatus {
            status: self.status,
            reason: self.reason().to_string(),
            message: format!(
                "{} {kind} Error: {} for url: {url}",
                self.status,
                self.reason()
            ),
            url,
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

    /// A copy for another handle. A buffered body is copied; a body still
    /// streaming belongs to the original, so the copy's body reads as consumed.
    pub fn duplicate(&self) -> Response {
        Response {
            status: self.status,
            headers: self.headers.clone(),
            history: self.history.iter().map(Response::duplicate).collect(),
            elapsed: self.elapsed,
            cookies: self.cookies.clone(),
            request: self.request.clone(),
            encoding: self.encoding.clone(),
            body: match &self.body {
                Body::Buffered { data, .. } => Body::Buffered {
                    data: data.clone(),
                    pos: 0,
                },
                _ => Body::Consumed,
            },
        }
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

fn consumed() -> Error {
    Error::StreamConsumed("the content of this response was already consumed".into())
}

/// A body whose reading fails at once (an undecodable `Content-Encoding`).
struct Failing(Option<Error>);

impl BodyReader for Failing {
    fn read(&mut self, _max: usize) -> Result<Option<Vec<u8>>> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(None),
        }
    }
}

/// The charset parameter of a `Content-Type`, lower-case; `utf-8` when absent.
/// requests falls back to ISO-8859-1 for `text/*` (RFC 2616) and guesses with
/// chardet otherwise; UTF-8 is what servers send today, so it is the default here.
fn charset(content_type: Option<&str>) -> String {
    content_type
        .into_iter()
        .flat_map(|ct| ct.split(';').skip(1))
        .filter_map(|param| param.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "utf-8".to_string())
}

/// The charsets `text` decodes. Others decode as UTF-8 with replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Utf8,
    Latin1,
    Windows1252,
    Ascii,
}

impl Charset {
    fn from_name(name: &str) -> Option<Charset> {
        match name {
            "utf-8" | "utf8" => Some(Charset::Utf8),
            "iso-8859-1" | "iso8859-1" | "latin-1" | "latin1" | "l1" => Some(Charset::Latin1),
            "windows-1252" | "cp1252" => Some(Charset::Windows1252),
            "us-ascii" | "ascii" => Some(Charset::Ascii),
            _ => None,
        }
    }

    fn decode(self, bytes: &[u8]) -> String {
        match self {
            Charset::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Charset::Latin1 => bytes.iter().map(|&b| b as char).collect(),
            Charset::Ascii => bytes
                .iter()
                .map(|&b| if b < 0x80 { b as char } else { '\u{FFFD}' })
                .collect(),
            Charset::Windows1252 => bytes.iter().map(|&b| windows_1252(b)).collect(),
        }
    }
}

/// WHATWG windows-1252: latin-1 but for 0x80-0x9F.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[(b - 0x80) as usize],
        _ => b as char,
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
mod tests {
    use super::*;
    use crate::transport::BytesBody;

    fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let url = Url::parse("http://h/x").unwrap();
        let request = PreparedRequest {
            method: "GET".into(),
            url: url.clone(),
            headers: Headers::new(),
            body: None,
            request_cookies: vec![],
        };
        let headers = Headers::from_trusted(
            headers
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        );
        let raw = RawResponse {
            status,
            headers,
            body: Box::new(BytesBody::new(body.to_vec())),
        };
        Response::new(raw, request, Duration::ZERO, vec![])
    }

    #[test]
    fn raise_for_status_words_the_error_as_requests_does() {
        let r = response(404, &[], b"");
        match r.raise_for_status() {
            Err(Error::HttpStatus {
                status: 404,
                message,
                ..
            }) => {
                assert_eq!(message, "404 Client Error: Not Found for url: http://h/x")
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(response(503, &[], b"").raise_for_status(), Err(Error::HttpStatus { message, .. }) if message.starts_with("503 Server Error"))
        );
        assert!(response(302, &[], b"").raise_for_status().is_ok());
    }

    #[test]
    fn text_follows_the_charset_and_replaces_bad_bytes() {
        let mut r = response(
            200,
            &[("Content-Type", "text/plain; charset=ISO-8859-1")],
            b"caf\xe9",
        );
        assert_eq!(r.encoding(), "iso-8859-1");
        assert_eq!(r.text().unwrap(), "café");
        let mut r = response(200, &[("Content-Type", "text/plain")], b"caf\xe9");
        assert_eq!(r.encoding(), "utf-8");
        assert_eq!(r.text().unwrap(), "caf\u{FFFD}");
        r.set_encoding("windows-1252").unwrap();
        assert_eq!(r.text().unwrap(), "café");
        assert!(matches!(
            r.set_encoding("klingon"),
            Err(Error::InvalidOption(_))
        ));
    }

    #[test]
    fn json_is_checked() {
        assert_eq!(
            response(200, &[], b"\xEF\xBB\xBF{\"a\":1}").json().unwrap(),
            "{\"a\":1}"
        );
        assert!(matches!(
            response(200, &[], b"nope").json(),
            Err(Error::JsonDecode(_))
        ));
    }

    #[test]
    fn chunks_then_content_is_a_consumed_error() {
        let mut r = response(200, &[], b"0123456789");
        assert_eq!(r.read_chunk(4).unwrap().unwrap(), b"0123");
        assert!(matches!(r.content(), Err(Error::StreamConsumed(_))));
        assert_eq!(r.read_chunk(100).unwrap().unwrap(), b"456789");
        assert_eq!(r.read_chunk(100).unwrap(), None);
        assert!(matches!(r.read_chunk(1), Err(Error::StreamConsumed(_))));
    }

    #[test]
    fn a_buffered_body_can_also_be_read_in_chunks() {
        let mut r = response(200, &[], b"abcdef");
        assert_eq!(r.content().unwrap(), b"abcdef");
        assert_eq!(r.read_chunk(4).unwrap().unwrap(), b"abcd");
        assert_eq!(r.read_chunk(4).unwrap().unwrap(), b"ef");
        assert_eq!(r.read_chunk(4).unwrap(), None);
        assert_eq!(r.content().unwrap(), b"abcdef");
    }

    #[test]
    fn an_unknown_content_encoding_fails_on_read_not_on_head() {
        let mut r = response(200, &[("Content-Encoding", "br")], b"xx");
        assert_eq!(r.status, 200);
        assert!(matches!(r.content(), Err(Error::ContentDecoding(_))));
    }

    #[test]
    fn redirect_flags_need_a_location() {
        assert!(response(302, &[("Location", "/x")], b"").is_redirect());
        assert!(!response(302, &[], b"").is_redirect());
        assert!(response(308, &[("Location", "/x")], b"").is_permanent_redirect());
        assert!(!response(307, &[("Location", "/x")], b"").is_permanent_redirect());
    }
}
