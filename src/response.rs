//! The response: head, history, cookies, links, and a body that is buffered or
//! streamed, decoded in the guest. Reading into memory stops at a size limit;
//! streamed reads hold no more than the caller asks for.

use crate::cookies::StoredCookie;
use crate::decode::DecodedBody;
use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::prepare::PreparedRequest;
use crate::redirect;
use crate::transport::RawResponse;
use std::time::Duration;
use url::Url;

/// Decoded bytes read per step while reading a body into memory.
const READ_CHUNK: usize = 64 * 1024;
/// The most one streamed `read_chunk` returns, whatever it was given: a
/// caller's `max` must not size a guest or host allocation.
const MAX_READ: usize = 1024 * 1024;
/// Decoded bytes read per step while looking for the end of a line.
const LINE_CHUNK: usize = 8 * 1024;

/// The default `max_body_size`: the most a body read into memory may decode to.
pub const DEFAULT_MAX_BODY_SIZE: u64 = 256 * 1024 * 1024;

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
    max_body_size: u64,
    body: Body,
}

enum Body {
    /// Decoded and in memory; `pos` is where `read_chunk` and `read_line` stand.
    Buffered { data: Vec<u8>, pos: usize },
    /// Still arriving, decoded as it is read.
    Streaming {
        decoded: DecodedBody,
        /// Set by the first `read_chunk` or `read_line`: the body can no longer
        /// be read whole.
        started: bool,
        /// Decoded bytes `read_line` read past its line, handed out first.
        pending: Vec<u8>,
        /// Reused by `read_chunk` so a chunk is allocated at its real size.
        scratch: Vec<u8>,
    },
    /// Read to the end while streaming, or the body of a copy of a streamed response.
    Consumed,
    /// A read failed (transport, decoding or size limit); what was read is gone.
    Failed,
}

/// One link of a `Link` header (RFC 8288), as requests' `Response.links` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The target, resolved against the response URL.
    pub url: String,
    /// The `rel` parameter (the first one, as RFC 8288 §3.3 says), if any.
    pub rel: Option<String>,
    /// The other parameters in order: names lower-case, values unquoted, `""`
    /// for a parameter without a value.
    pub params: Vec<(String, String)>,
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
            history: Vec::new(),
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

    /// Reads and decodes the whole body now (requests without `stream`). It
    /// stops as soon as the decoded body passes `max_body_size`: with a
    /// `Content-Encoding` that is a `ContentDecoding` error (a decompression
    /// bomb, most likely), without one a `BodyTooLarge` error.
    pub fn read_all(&mut self) -> Result<()> {
        let Body::Streaming {
            decoded, started, ..
        } = &mut self.body
        else {
            return match self.body {
                Body::Buffered { .. } => Ok(()),
                Body::Failed => Err(failed()),
                _ => Err(consumed()),
            };
        };
        if *started {
            return Err(consumed());
        }
        match read_to_limit(decoded, self.max_body_size, &self.request.url) {
            Ok(data) => {
                self.body = Body::Buffered { data, pos: 0 };
                Ok(())
            }
            Err(e) => {
                self.body = Body::Failed;
                Err(e)
            }
        }
    }

    /// The decoded body; for a streamed response, reads the rest of it.
    pub fn content(&mut self) -> Result<&[u8]> {
        self.read_all()?;
        match &self.body {
            Body::Buffered { data, .. } => Ok(data),
            Body::Failed => Err(failed()),
            _ => Err(consumed()),
        }
    }

    /// Up to `max` decoded bytes; `None` at the end (requests' `iter_content`).
    /// A streamed body is read on demand and never held: at most
    /// `min(max, 1 MiB)` decoded bytes come from one call.
    pub fn read_chunk(&mut self, max: usize) -> Result<Option<Vec<u8>>> {
        let max = max.max(1);
        let outcome = match &mut self.body {
            Body::Buffered { data, pos } => {
                let end = data.len().min(pos.saturating_add(max));
                let chunk = data.get(*pos..end).unwrap_or_default().to_vec();
                *pos = end;
                return Ok((!chunk.is_empty()).then_some(chunk));
            }
            Body::Consumed => return Err(consumed()),
            Body::Failed => return Err(failed()),
            Body::Streaming {
                decoded,
                started,
                pending,
                scratch,
            } => {
                *started = true;
                if !pending.is_empty() {
                    let rest = pending.split_off(max.min(pending.len()));
                    return Ok(Some(std::mem::replace(pending, rest)));
                }
                let want = max.min(MAX_READ);
                if scratch.len() < want {
                    scratch.resize(want, 0);
                }
                let buf = scratch.get_mut(..want).unwrap_or_default();
                decoded
                    .read(buf)
                    .map(|n| buf.get(..n).unwrap_or_default().to_vec())
            }
        };
        match outcome {
            Ok(chunk) if chunk.is_empty() => {
                self.body = Body::Consumed;
                Ok(None)
            }
            Ok(chunk) => Ok(Some(chunk)),
            Err(e) => {
                self.body = Body::Failed;
                Err(e)
            }
        }
    }

    /// The next line of the body, decoded with `encoding` (invalid bytes
    /// replaced); `None` at the end (requests' `iter_lines`). Lines end at
    /// `\n`, and a `\r` before it goes too; a last line without one is still a
    /// line. It shares the body's position with `read_chunk`. A streamed line
    /// longer than `max_body_size` is a `BodyTooLarge` error.
    pub fn read_line(&mut self) -> Result<Option<String>> {
        let charset = Charset::from_name(&self.encoding).unwrap_or(Charset::Utf8);
        let limit = self.max_body_size;
        let line = match &mut self.body {
            Body::Consumed => return Err(consumed()),
            Body::Failed => return Err(failed()),
            Body::Buffered { data, pos } => {
                let rest = data.get(*pos..).unwrap_or_default();
                if rest.is_empty() {
                    return Ok(None);
                }
                let end = rest.iter().position(|&b| b == b'\n');
                let line = rest.get(..end.unwrap_or(rest.len())).unwrap_or_default();
                *pos = pos.saturating_add(end.map_or(rest.len(), |e| e + 1));
                Ok(Some(line.to_vec()))
            }
            Body::Streaming {
                decoded,
                started,
                pending,
                ..
            } => {
                *started = true;
                next_line(decoded, pending, limit, &self.request.url)
            }
        };
        match line {
            Ok(Some(mut line)) => {
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                Ok(Some(charset.decode(&line)))
            }
            Ok(None) => {
                if matches!(self.body, Body::Streaming { .. }) {
                    self.body = Body::Consumed;
                }
                Ok(None)
            }
            Err(e) => {
                self.body = Body::Failed;
                Err(e)
            }
        }
    }

    /// The links of every `Link` header (requests' `links`), in order, each
    /// URL resolved against the response URL. Malformed entries are skipped.
    pub fn links(&self) -> Vec<Link> {
        self.headers
            .get_all("link")
            .flat_map(|value| parse_links(value, self.url()))
            .collect()
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
            max_body_size: self.max_body_size,
            body: match &self.body {
                Body::Buffered { data, .. } => Body::Buffered {
                    data: data.clone(),
                    pos: 0,
                },
                Body::Failed => Body::Failed,
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

fn failed() -> Error {
    Error::StreamConsumed(
        "the content of this response is gone: an earlier read of it failed".into(),
    )
}

/// The error for a body that passed `limit`. Passing it after decoding is
/// what a decompression bomb does, so an encoded body gets a decoding error.
fn too_large(decoded: &DecodedBody, limit: u64, url: &Url) -> Error {
    let url = crate::urls::redact(url);
    match decoded.content_encoding() {
        Some(coding) => Error::ContentDecoding(format!(
            "the decoded body of {url} exceeds {limit} bytes (a decompression bomb?; Content-Encoding: {coding}); stream it to read it in chunks, or raise the body size limit"
        )),
        None => Error::BodyTooLarge(format!(
            "the body of {url} exceeds {limit} bytes, the most read into memory; stream it to read it in chunks, or raise the body size limit"
        )),
    }
}

/// Reads a whole body, stopping one byte past `limit`: that byte proves the
/// limit passed without decoding any further. Growth is fallible and capped at
/// the limit, so a large body is an error, never an out-of-memory trap.
fn read_to_limit(decoded: &mut DecodedBody, limit: u64, url: &Url) -> Result<Vec<u8>> {
    let mut data: Vec<u8> = Vec::new();
    let cap = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
    loop {
        let len = data.len();
        let want = READ_CHUNK.min(cap.saturating_sub(len)).max(1);
        let needed = len.saturating_add(want);
        if needed > data.capacity() {
            // Doubling as `Vec` would, but never past the limit: at 256 MiB a
            // plain doubling would reserve 512 MiB for one more byte.
            let target = data.capacity().saturating_mul(2).min(cap).max(needed);
            data.try_reserve_exact(target - len)
                .map_err(|_| match decoded.content_encoding() {
                    Some(_) => Error::ContentDecoding(format!(
                        "the decoded body of {} does not fit in memory ({len} bytes so far)",
                        crate::urls::redact(url)
                    )),
                    None => Error::BodyTooLarge(format!(
                        "the body of {} does not fit in memory ({len} bytes so far)",
                        crate::urls::redact(url)
                    )),
                })?;
        }
        data.resize(needed, 0);
        let n = decoded.read(data.get_mut(len..).unwrap_or_default())?;
        data.truncate(len.saturating_add(n));
        if n == 0 {
            return Ok(data);
        }
        if data.len() as u64 > limit {
            return Err(too_large(decoded, limit, url));
        }
    }
}

/// The next line of a streamed body, without its `\n`; `None` at the end.
/// Bytes read past the line stay in `pending` for the next read.
fn next_line(
    decoded: &mut DecodedBody,
    pending: &mut Vec<u8>,
    limit: u64,
    url: &Url,
) -> Result<Option<Vec<u8>>> {
    // Only the bytes added since the last look can hold the newline.
    let mut scanned = 0;
    loop {
        let found = pending
            .get(scanned..)
            .and_then(|fresh| fresh.iter().position(|&b| b == b'\n'));
        if let Some(at) = found {
            let end = scanned.saturating_add(at);
            let rest = pending.split_off(end.saturating_add(1).min(pending.len()));
            let mut line = std::mem::replace(pending, rest);
            line.truncate(end);
            return Ok(Some(line));
        }
        scanned = pending.len();
        if pending.len() as u64 > limit {
            return Err(Error::BodyTooLarge(format!(
                "a line of the body of {} exceeds {limit} bytes, the most read into memory",
                crate::urls::redact(url)
            )));
        }
        let len = pending.len();
        pending.resize(len.saturating_add(LINE_CHUNK), 0);
        let n = decoded.read(pending.get_mut(len..).unwrap_or_default())?;
        pending.truncate(len.saturating_add(n));
        if n == 0 {
            return Ok((!pending.is_empty()).then(|| std::mem::take(pending)));
        }
    }
}

/// The links of one `Link` header value (RFC 8288 §3):
/// `<uri>; rel="next"; title=x, <uri2>; rel=prev`. Quoted strings may hold
/// commas and semicolons. An entry that does not parse, or whose URI does not
/// resolve, is skipped up to the next top-level comma.
fn parse_links(value: &str, base: &Url) -> Vec<Link> {
    let mut links = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        if rest.is_empty() {
            return links;
        }
        match parse_link(rest) {
            Some((target, params, after)) => {
                rest = after;
                let Ok(url) = base.join(target.trim()) else {
                    continue;
                };
                let mut rel = None;
                let mut others = Vec::new();
                for (name, value) in params {
                    if name == "rel" {
                        rel.get_or_insert(value);
                    } else {
                        others.push((name, value));
                    }
                }
                links.push(Link {
                    url: url.to_string(),
                    rel,
                    params: others,
                });
            }
            None => rest = skip_entry(rest),
        }
    }
}

/// A link's parameters: lower-case names and unquoted values, in order.
type Params = Vec<(String, String)>;

/// One `<uri> *( ";" param )` entry at the start of `s`: the URI, the
/// parameters, and what follows the entry (at a `,` or the end).
fn parse_link(s: &str) -> Option<(&str, Params, &str)> {
    let s = s.strip_prefix('<')?;
    let (target, mut rest) = s.split_once('>')?;
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest.starts_with(',') {
            return Some((target, params, rest));
        }
        rest = rest.strip_prefix(';')?.trim_start();
        if rest.is_empty() || rest.starts_with(',') || rest.starts_with(';') {
            // An empty parameter (`<u>;` or `<u>;;rel=x`): nothing to keep.
            continue;
        }
        let name_end = rest
            .find(|c: char| c == '=' || c == ';' || c == ',' || c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let name = rest.get(..name_end)?.to_ascii_lowercase();
        rest = rest.get(name_end..)?.trim_start();
        let value = match rest.strip_prefix('=') {
            None => String::new(),
            Some(after) => {
                let after = after.trim_start();
                let (value, after) = match after.strip_prefix('"') {
                    Some(quoted) => unquote(quoted)?,
                    None => {
                        let end = after.find([';', ',']).unwrap_or(after.len());
                        (after.get(..end)?.trim_end().to_string(), after.get(end..)?)
                    }
                };
                rest = after;
                value
            }
        };
        params.push((name, value));
    }
}

/// The rest of a quoted string (after its opening `"`): its value, with
/// `\x` escapes undone, and what follows the closing quote. `None` if unclosed.
fn unquote(s: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, s.get(i + 1..)?)),
            '\\' => value.push(chars.next()?.1),
            c => value.push(c),
        }
    }
    None
}

/// What follows a malformed entry: the text after its next comma outside a
/// quoted string, or nothing.
fn skip_entry(s: &str) -> &str {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => return s.get(i + 1..).unwrap_or_default(),
            _ => {}
        }
    }
    ""
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
    use crate::transport::{BodyReader, BytesBody};

    fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let url = Url::parse("http://h/x").unwrap();
        let request = PreparedRequest {
            method: "GET".into(),
            url: url.clone(),
            headers: Headers::new(),
            body: None,
            request_cookies: vec![],
            digest: None,
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
        let mut r = response(200, &[("Content-Encoding", "compress")], b"xx");
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

    /// A transport body handing out at most `piece` bytes per read.
    struct Pieces(BytesBody, usize);

    impl BodyReader for Pieces {
        fn read(&mut self, _max: usize) -> Result<Option<Vec<u8>>> {
            self.0.read(self.1)
        }
    }

    fn streamed(headers: &[(&str, &str)], body: Box<dyn BodyReader>) -> Response {
        let mut r = response(200, headers, b"");
        let decoded = DecodedBody::new(body, r.headers.get_joined("content-encoding").as_deref());
        r.body = Body::Streaming {
            decoded,
            started: false,
            pending: Vec::new(),
            scratch: Vec::new(),
        };
        r
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// Live heap bytes of the calling thread, and their peak since `reset`:
    /// tests run on their own threads, so each sees only its own allocations.
    mod heap {
        use std::alloc::{GlobalAlloc, Layout, System};
        use std::cell::Cell;

        thread_local! {
            static LIVE: Cell<isize> = const { Cell::new(0) };
            static PEAK: Cell<isize> = const { Cell::new(0) };
        }

        pub struct Counting;

        fn add(n: isize) {
            // `try_with`: allocations during thread teardown are not counted.
            let _ = LIVE.try_with(|live| {
                live.set(live.get() + n);
                let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
            });
        }

        unsafe impl GlobalAlloc for Counting {
            unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
                add(layout.size() as isize);
                unsafe { System.alloc(layout) }
            }
            unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
                add(-(layout.size() as isize));
                unsafe { System.dealloc(ptr, layout) }
            }
        }

        #[global_allocator]
        static COUNTING: Counting = Counting;

        /// Starts measuring: the peak becomes what is live now.
        pub fn reset() -> isize {
            let live = LIVE.with(Cell::get);
            PEAK.with(|peak| peak.set(live));
            live
        }

        /// The most bytes live at once since `reset`, above what was live then.
        pub fn peak_since(base: isize) -> isize {
            PEAK.with(Cell::get) - base
        }
    }

    #[test]
    fn streamed_gzip_reads_are_bounded_by_the_caller() {
        let zeros = vec![0u8; 10_000_000];
        let data = gzip(&zeros);
        drop(zeros);
        let mut r = streamed(
            &[("Content-Encoding", "gzip")],
            Box::new(Pieces(BytesBody::new(data), 1 << 20)),
        );
        let base = heap::reset();
        let mut total = 0;
        while let Some(chunk) = r.read_chunk(4096).unwrap() {
            assert!(chunk.len() <= 4096 && !chunk.is_empty());
            total += chunk.len();
        }
        assert_eq!(total, 10_000_000);
        // Inflate state, the 32 KiB window and input buffer, one chunk: far
        // below the 10 MB body.
        assert!(
            heap::peak_since(base) < 512 * 1024,
            "{}",
            heap::peak_since(base)
        );
        assert!(matches!(r.read_chunk(4096), Err(Error::StreamConsumed(_))));
    }

    /// A transport body of `left` bytes of 7s, made up as it is read.
    struct Endless {
        left: u64,
    }

    impl BodyReader for Endless {
        fn read(&mut self, max: usize) -> Result<Option<Vec<u8>>> {
            let n = (max as u64).min(self.left) as usize;
            self.left -= n as u64;
            Ok((n > 0).then(|| vec![7u8; n]))
        }
    }

    #[test]
    fn a_1_gib_stream_is_read_in_bounded_memory() {
        let mut r = streamed(&[], Box::new(Endless { left: 1 << 30 }));
        let base = heap::reset();
        let mut total = 0u64;
        while let Some(chunk) = r.read_chunk(64 * 1024).unwrap() {
            assert!(chunk.len() <= 64 * 1024);
            total += chunk.len() as u64;
        }
        assert_eq!(total, 1 << 30);
        assert!(
            heap::peak_since(base) < 1 << 20,
            "{}",
            heap::peak_since(base)
        );
        // No total limit for streams, and the in-memory limit is far below.
        assert_eq!(r.max_body_size(), DEFAULT_MAX_BODY_SIZE);
    }

    #[test]
    fn a_decompression_bomb_is_a_decoding_error_not_a_trap() {
        let bomb = gzip(&vec![0u8; 10_000_000]);
        let mut r = response(200, &[("Content-Encoding", "gzip")], &bomb);
        r.set_max_body_size(1_000_000);
        let base = heap::reset();
        match r.content() {
            Err(Error::ContentDecoding(m)) => {
                assert!(
                    m.contains("exceeds 1000000 bytes") && m.contains("gzip"),
                    "{m}"
                )
            }
            other => panic!("{other:?}"),
        }
        // Stopped one chunk past the limit, not after inflating all 10 MB.
        assert!(
            heap::peak_since(base) < 2_000_000,
            "{}",
            heap::peak_since(base)
        );
        assert!(matches!(r.content(), Err(Error::StreamConsumed(_))));
    }

    #[test]
    fn an_oversized_plain_body_is_body_too_large() {
        let mut r = response(200, &[], &[b'x'; 101]);
        r.set_max_body_size(100);
        assert!(
            matches!(r.text(), Err(Error::BodyTooLarge(m)) if m.contains("exceeds 100 bytes") && m.contains("http://h/x"))
        );
        let mut r = response(200, &[], &[b'x'; 100]);
        r.set_max_body_size(100);
        assert_eq!(r.content().unwrap().len(), 100);
        let mut r = response(200, &[], b"");
        r.set_max_body_size(0);
        assert_eq!(r.content().unwrap(), b"");
        // A copy keeps the limit.
        assert_eq!(r.duplicate().max_body_size(), 0);
    }

    #[test]
    fn brotli_and_zstd_bodies_decode() {
        let text = "déjà vu ".repeat(100);
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams::default();
        brotli::BrotliCompress(&mut text.as_bytes(), &mut br, &params).unwrap();
        let mut r = response(200, &[("Content-Encoding", "br")], &br);
        assert_eq!(r.text().unwrap(), text);
        let zst = ruzstd::encoding::compress_to_vec(
            text.as_bytes(),
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        let mut r = response(200, &[("Content-Encoding", "zstd")], &zst);
        assert_eq!(r.text().unwrap(), text);
        // Stacked in two headers: `gzip` then `zstd` applied, so undone zstd first.
        let zst_gz = ruzstd::encoding::compress_to_vec(
            &gzip(text.as_bytes())[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        let mut r = response(
            200,
            &[("Content-Encoding", "gzip"), ("Content-Encoding", "zstd")],
            &zst_gz,
        );
        assert_eq!(r.text().unwrap(), text);
    }

    #[test]
    fn lines_split_on_newlines_across_chunks() {
        let body = b"first\r\nsecond line\n\nthird\r\nlast".to_vec();
        for piece in [1, 3, 7, 100] {
            let mut r = streamed(&[], Box::new(Pieces(BytesBody::new(body.clone()), piece)));
            let mut lines = Vec::new();
            while let Some(line) = r.read_line().unwrap() {
                lines.push(line);
            }
            assert_eq!(
                lines,
                ["first", "second line", "", "third", "last"],
                "{piece}"
            );
            assert!(matches!(r.read_line(), Err(Error::StreamConsumed(_))));
            assert!(matches!(r.read_chunk(1), Err(Error::StreamConsumed(_))));
        }
        // Buffered: the same lines; a trailing newline makes no empty last line.
        let mut r = response(200, &[], b"a\r\nb\n");
        r.read_all().unwrap();
        assert_eq!(r.read_line().unwrap().as_deref(), Some("a"));
        assert_eq!(r.read_line().unwrap().as_deref(), Some("b"));
        assert_eq!(r.read_line().unwrap(), None);
    }

    #[test]
    fn lines_and_chunks_share_the_position_and_the_charset() {
        let body = b"caf\xe9\nrest of it\nend".to_vec();
        let mut r = streamed(
            &[("Content-Type", "text/plain; charset=latin-1")],
            Box::new(Pieces(BytesBody::new(body.clone()), 4)),
        );
        assert_eq!(r.read_line().unwrap().as_deref(), Some("café"));
        // What the line search read past its end comes first.
        assert_eq!(r.read_chunk(4).unwrap().unwrap(), b"res");
        assert_eq!(r.read_chunk(2).unwrap().unwrap(), b"t ");
        assert_eq!(r.read_line().unwrap().as_deref(), Some("of it"));
        assert!(matches!(r.content(), Err(Error::StreamConsumed(_))));
        assert_eq!(r.read_chunk(100).unwrap().unwrap(), b"end");
        assert_eq!(r.read_chunk(100).unwrap(), None);
        // Invalid UTF-8 in a line is replaced, as in `text`.
        let mut r = streamed(&[], Box::new(Pieces(BytesBody::new(body), 4)));
        assert_eq!(r.read_line().unwrap().as_deref(), Some("caf\u{FFFD}"));
    }

    #[test]
    fn a_line_longer_than_the_limit_is_body_too_large() {
        let mut r = streamed(&[], Box::new(Endless { left: 1 << 20 }));
        r.set_max_body_size(10_000);
        assert!(matches!(r.read_line(), Err(Error::BodyTooLarge(_))));
        assert!(matches!(r.read_line(), Err(Error::StreamConsumed(_))));
    }

    #[test]
    fn gzip_lines_decode_as_they_stream() {
        let text: String = (0..2000).map(|i| format!("line {i}\n")).collect();
        let mut r = streamed(
            &[("Content-Encoding", "gzip")],
            Box::new(Pieces(BytesBody::new(gzip(text.as_bytes())), 10)),
        );
        for i in 0..2000 {
            assert_eq!(r.read_line().unwrap().unwrap(), format!("line {i}"));
        }
        assert_eq!(r.read_line().unwrap(), None);
    }

    fn links_of(values: &[&str]) -> Vec<Link> {
        let headers: Vec<(&str, &str)> = values.iter().map(|v| ("Link", *v)).collect();
        response(200, &headers, b"").links()
    }

    #[test]
    fn links_are_parsed_and_resolved() {
        let links = links_of(&[
            r#"<https://api.example/items?page=2>; rel="next", </items?page=9>; rel=last; title="a, b; c""#,
            r#"<other>;rel="prev" ;title*=UTF-8''x;crossorigin"#,
        ]);
        assert_eq!(
            links,
            [
                Link {
                    url: "https://api.example/items?page=2".into(),
                    rel: Some("next".into()),
                    params: vec![],
                },
                Link {
                    url: "http://h/items?page=9".into(),
                    rel: Some("last".into()),
                    params: vec![("title".into(), "a, b; c".into())],
                },
                Link {
                    url: "http://h/other".into(),
                    rel: Some("prev".into()),
                    params: vec![
                        ("title*".into(), "UTF-8''x".into()),
                        ("crossorigin".into(), String::new())
                    ],
                },
            ]
        );
    }

    #[test]
    fn malformed_links_are_skipped() {
        let links = links_of(&[
            r#"no-brackets; rel=x, <http://[bad>; rel=bad, <ok1>; rel="a\"b", <unclosed; rel=y"#,
            r#"<ok2>; rel="unterminated, <ok3>"#,
            r#"<ok4> junk; rel=z, <ok5>; REL=first; rel=second, ,"#,
            "",
        ]);
        let got: Vec<(&str, Option<&str>)> = links
            .iter()
            .map(|l| (l.url.as_str(), l.rel.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("http://h/ok1", Some("a\"b")),
                ("http://h/ok5", Some("first")),
            ]
        );
        assert!(response(200, &[], b"").links().is_empty());
    }
}
