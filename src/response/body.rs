//! The response body: buffered or streaming, read whole up to the size limit, in chunks,
//! or line by line, with every read decoding only what its caller asked for.

use super::charset::Charset;
use super::Response;
use crate::decode::DecodedBody;
use crate::error::{Error, Result};
use url::Url;

/// Decoded bytes read per step while reading a body into memory.
const READ_CHUNK: usize = 64 * 1024;
/// The first buffer of a body of unknown size.
const FIRST_BUFFER: usize = 8 * 1024;
/// The most one streamed `read_chunk` returns, whatever it was given: a
/// caller's `max` must not size a guest or host allocation.
const MAX_READ: usize = 1024 * 1024;
/// Decoded bytes read per step while looking for the end of a line.
const LINE_CHUNK: usize = 8 * 1024;

pub(super) enum Body {
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
    /// Handed over to the host adapter that keeps it (`take_host_body`).
    Handed,
}

impl Response {
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
                Body::Handed => Err(handed()),
                _ => Err(consumed()),
            };
        };
        if *started {
            return Err(consumed());
        }
        // An unencoded body's `Content-Length` sizes the buffer (a hint only:
        // the limit still decides, and a wrong length just grows it).
        let hint = match decoded.content_encoding() {
            Some(_) => None,
            None => self
                .headers
                .get("content-length")
                .and_then(|v| v.trim().parse::<u64>().ok()),
        };
        match read_to_limit(decoded, self.max_body_size, hint, &self.request.url) {
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

    /// The host's handle for a body that a host adapter keeps for its caller
    /// (`incoming.keeps-rest`): no `Content-Encoding` to undo, and nothing
    /// read from it here. The session leaves such a body unread.
    pub fn kept_by_host(&self) -> Option<u64> {
        match &self.body {
            Body::Streaming {
                decoded,
                started: false,
                pending,
                ..
            } if pending.is_empty() => decoded.kept_by_host(),
            _ => None,
        }
    }

    /// Hands a body the host keeps (`kept_by_host`) over to it, for the
    /// host to read from its own adapter: reads here then give
    /// `StreamConsumed`. `None` (and nothing changes) for any other body.
    pub fn take_host_body(&mut self) -> Option<u64> {
        self.kept_by_host()?;
        let Body::Streaming { decoded, .. } = &mut self.body else {
            return None;
        };
        let id = decoded.release_to_host()?;
        self.body = Body::Handed;
        Some(id)
    }

    /// The decoded size of a body held in memory; `None` while streaming or
    /// once a read failed.
    pub fn body_size(&self) -> Option<u64> {
        match &self.body {
            Body::Buffered { data, .. } => Some(data.len() as u64),
            _ => None,
        }
    }

    /// The decoded body; for a streamed response, reads the rest of it.
    pub fn content(&mut self) -> Result<&[u8]> {
        self.read_all()?;
        match &self.body {
            Body::Buffered { data, .. } => Ok(data),
            Body::Failed => Err(failed()),
            Body::Handed => Err(handed()),
            _ => Err(consumed()),
        }
    }

    /// Up to `max` decoded bytes; `None` at the end (requests' `iter_content`).
    /// At most `min(max, 1 MiB)` come from one call, buffered or streamed, so
    /// no read moves more than that across the host boundary (wasmtime-py
    /// traps on a `list<u8>` of about 2.7 MB). A streamed body is read on
    /// demand and never held.
    pub fn read_chunk(&mut self, max: usize) -> Result<Option<Vec<u8>>> {
        let max = max.clamp(1, MAX_READ);
        let outcome = match &mut self.body {
            Body::Buffered { data, pos } => {
                let end = data.len().min(pos.saturating_add(max));
                let chunk = data.get(*pos..end).unwrap_or_default().to_vec();
                *pos = end;
                return Ok((!chunk.is_empty()).then_some(chunk));
            }
            Body::Consumed => return Err(consumed()),
            Body::Failed => return Err(failed()),
            Body::Handed => return Err(handed()),
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
            Body::Handed => return Err(handed()),
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
}

fn consumed() -> Error {
    Error::StreamConsumed("the content of this response was already consumed".into())
}

fn handed() -> Error {
    Error::StreamConsumed(
        "the content of this response was handed to the host adapter that received it".into(),
    )
}

fn failed() -> Error {
    Error::StreamConsumed(
        "the content of this response is gone: an earlier read of it failed".into(),
    )
}

/// The error for a body that passed `limit`. Passing it after decoding is
/// what a decompression bomb does, so an encoded body gets a decoding error.
fn too_large(decoded: &DecodedBody, limit: u64, url: &Url) -> Error {
    let url = crate::urls::redact_in_message(url);
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
///
/// The buffer starts at `hint` (the `Content-Length` of an unencoded body,
/// plus the byte that proves the end) or 8 KiB, and only the part a read may
/// fill is zeroed: a small body costs a small buffer, not 64 KiB zeroed twice.
fn read_to_limit(
    decoded: &mut DecodedBody,
    limit: u64,
    hint: Option<u64>,
    url: &Url,
) -> Result<Vec<u8>> {
    let cap = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
    let first = hint
        .and_then(|h| usize::try_from(h.saturating_add(1)).ok())
        .unwrap_or(FIRST_BUFFER)
        .clamp(1, cap);
    let encoded = decoded.content_encoding().is_some();
    let mut data: Vec<u8> = Vec::new();
    let grow = |data: &mut Vec<u8>, to: usize| {
        let len = data.len();
        data.try_reserve_exact(to.saturating_sub(len))
            .map_err(|_| match encoded {
                true => Error::ContentDecoding(format!(
                    "the decoded body of {} does not fit in memory ({len} bytes so far)",
                    crate::urls::redact_in_message(url)
                )),
                false => Error::BodyTooLarge(format!(
                    "the body of {} does not fit in memory ({len} bytes so far)",
                    crate::urls::redact_in_message(url)
                )),
            })
    };
    grow(&mut data, first)?;
    loop {
        let len = data.len();
        if len == data.capacity() {
            // Doubling as `Vec` would, but never past the limit: at 256 MiB a
            // plain doubling would reserve 512 MiB for one more byte.
            let target = len.saturating_mul(2).min(cap).max(len.saturating_add(1));
            grow(&mut data, target)?;
        }
        let want = (data.capacity() - len).min(READ_CHUNK);
        data.resize(len.saturating_add(want), 0);
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
                crate::urls::redact_in_message(url)
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
