//! Content decoding in the guest (`Content-Encoding`: gzip, deflate, br, zstd),
//! pull-style: the body is an `std::io::Read` chain from the transport through
//! one decoder per coding, so each read returns at most what its caller asked
//! for. A push decoder fed one input chunk can emit any amount of output (a few
//! kilobytes of gzip inflate to gigabytes); pulling bounds every step instead.

use crate::error::{Error, Result};
use crate::transport::BodyReader;
use std::cell::RefCell;
use std::io::{self, Read};
use std::rc::Rc;

use crate::settings::ACCEPT_ENCODING;

/// The most codings one body may stack. Each stage holds its own buffers and
/// window (brotli's up to 16 MiB, zstd's up to 8 MiB), so a header repeating `gzip` ten thousand
/// times would otherwise exhaust memory before a byte is decoded; urllib3 caps
/// the chain at five for the same reason.
const MAX_CODINGS: usize = 5;

/// The longest `Content-Encoding` value (all of a response's fields joined)
/// read: a longer one is refused before it is split, so a header listing
/// `identity` or empty entries thousands of times costs nothing. Defaults to
/// 256 bytes, room for [`MAX_CODINGS`] codings many times over.
const MAX_CONTENT_ENCODING_LEN: usize = 256;

/// The least and most encoded bytes asked of the transport per read. Decoders
/// read in small pieces (zstd asks for a 3-byte block header); every transport
/// read may cross into the host, so pieces are gathered into larger reads, and
/// the upper bound keeps a caller's size from sizing a host allocation.
const MIN_FETCH: usize = 16 * 1024;
const MAX_FETCH: usize = 1024 * 1024;

/// The input buffer of the brotli decoder (flate2 uses 32 KiB of its own).
const BROTLI_BUFFER: usize = 32 * 1024;

/// The largest zstd window accepted: RFC 9659 §3 has HTTP recipients support
/// 8 MB windows and lets them reject larger ones, which bounds the decoder's
/// memory (ruzstd's own default allows 128 MiB).
const ZSTD_MAX_WINDOW: u64 = 8 * 1024 * 1024;

/// One content coding the component undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Gzip,
    /// zlib (RFC 1950) by the spec, raw deflate (RFC 1951) from some servers.
    Deflate,
    Brotli,
    Zstd,
}

/// The codings of a `Content-Encoding` value in decoding order: the last one
/// the server applied comes first. `identity` and empty entries are skipped.
/// A value longer than [`MAX_CONTENT_ENCODING_LEN`], or naming more than
/// [`MAX_CODINGS`] codings, is refused.
fn codings(value: &str) -> Result<Vec<Coding>> {
    if value.len() > MAX_CONTENT_ENCODING_LEN {
        return Err(Error::ContentDecoding(format!(
            "the response's Content-Encoding is {} bytes long, more than the {MAX_CONTENT_ENCODING_LEN} this component reads",
            value.len()
        )));
    }
    let mut list = Vec::new();
    for coding in value.split(',').map(|c| c.trim()).rev() {
        let is = |name: &str| coding.eq_ignore_ascii_case(name);
        let coding = if coding.is_empty() || is("identity") {
            continue;
        } else if is("gzip") || is("x-gzip") {
            Coding::Gzip
        } else if is("deflate") {
            Coding::Deflate
        } else if is("br") {
            Coding::Brotli
        } else if is("zstd") {
            Coding::Zstd
        } else {
            return Err(Error::ContentDecoding(format!(
                "the response uses Content-Encoding {:?}, which this component does not decode (it accepts {ACCEPT_ENCODING})",
                coding.to_ascii_lowercase()
            )));
        };
        if list.len() == MAX_CODINGS {
            return Err(Error::ContentDecoding(format!(
                "the response stacks more than {MAX_CODINGS} content codings, the most this component undoes"
            )));
        }
        list.push(coding);
    }
    Ok(list)
}

/// Where the transport's typed error waits while the decoders report a
/// stand-in, so a `ReadTimeout` stays a `ReadTimeout`. It cannot ride inside
/// the `io::Error` itself: `io::Error::other` needs `Send + Sync`, which
/// `Error` is not (it can hold a `Response`), and some decoders wrap their
/// source's error in their own type (ruzstd does), from which it could only
/// be borrowed, never moved back out.
type ErrorSlot = Rc<RefCell<Option<Error>>>;

/// A body being read and decoded on demand.
pub struct DecodedBody {
    state: State,
    slot: ErrorSlot,
    /// The `Content-Encoding` value, for messages; `None` for a body sent as is.
    encoding: Option<String>,
}

enum State {
    /// No `Content-Encoding`: the transport's bytes as they come.
    Plain(Wire),
    Reading(Box<dyn Read>),
    /// A `Content-Encoding` this component cannot undo: reported on the first
    /// read, not when the head arrives, since the head is still useful.
    Undecodable(Option<Error>),
}

impl DecodedBody {
    /// Wraps a transport body in the decoders its `Content-Encoding` names.
    pub fn new(reader: Box<dyn BodyReader>, content_encoding: Option<&str>) -> DecodedBody {
        let slot = ErrorSlot::default();
        let wire = Wire {
            reader,
            buf: Vec::new(),
            pos: 0,
            ended: false,
            slot: slot.clone(),
        };
        let list = match content_encoding.map(codings).transpose() {
            Ok(list) => list.unwrap_or_default(),
            Err(e) => {
                return DecodedBody {
                    state: State::Undecodable(Some(e)),
                    slot,
                    encoding: content_encoding.map(str::to_string),
                }
            }
        };
        if list.is_empty() {
            return DecodedBody {
                state: State::Plain(wire),
                slot,
                encoding: None,
            };
        }
        let encoding = Some(content_encoding.unwrap_or_default().to_string());
        let mut chain: Box<dyn Read> = Box::new(wire);
        for coding in list {
            chain = Box::new(Stage {
                coding,
                state: StageState::Pending(Some(Peek::new(chain))),
            });
        }
        DecodedBody {
            state: State::Reading(chain),
            slot,
            encoding,
        }
    }

    /// The `Content-Encoding` being undone, if any (a limit passed on such a
    /// body is a decoding error: a likely decompression bomb).
    pub fn content_encoding(&self) -> Option<&str> {
        self.encoding.as_deref()
    }

    /// The host's handle for a body without `Content-Encoding` that a host
    /// adapter keeps for its caller, none of it read yet (`BodyReader::kept_by_host`).
    pub fn kept_by_host(&self) -> Option<u64> {
        match &self.state {
            State::Plain(wire) if wire.untouched() => wire.reader.kept_by_host(),
            _ => None,
        }
    }

    /// Hands such a body over to the host: this one then reads as ended.
    pub fn release_to_host(&mut self) -> Option<u64> {
        match &mut self.state {
            State::Plain(wire) if wire.untouched() => {
                let id = wire.reader.release_to_host()?;
                wire.ended = true;
                Some(id)
            }
            _ => None,
        }
    }

    /// Decodes into `buf`, returning how many bytes were written (at most
    /// `buf.len()`); `0` at the end of the body.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let chain: &mut dyn Read = match &mut self.state {
            State::Plain(wire) => wire,
            State::Reading(chain) => chain.as_mut(),
            State::Undecodable(e) => {
                return match e.take() {
                    Some(e) => Err(e),
                    None => Err(Error::ContentDecoding(
                        "the body cannot be decoded (see the first error)".into(),
                    )),
                }
            }
        };
        loop {
            match chain.read(buf) {
                Ok(n) => return Ok(n),
                // A retry is what `Interrupted` asks for; nothing here produces
                // it, but `Read` allows it.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.lift(e)),
            }
        }
    }

    /// The typed error behind an `io::Error` from the chain.
    fn lift(&mut self, e: io::Error) -> Error {
        if let Some(original) = self.slot.borrow_mut().take() {
            return original;
        }
        Error::ContentDecoding(format!(
            "the body does not decode as its Content-Encoding ({}) says: {e}",
            self.encoding.as_deref().unwrap_or("identity")
        ))
    }
}

/// The encoded body as `Read`, over the transport's `BodyReader`.
struct Wire {
    reader: Box<dyn BodyReader>,
    /// The last transport chunk and how far it was handed out.
    buf: Vec<u8>,
    pos: usize,
    ended: bool,
    slot: ErrorSlot,
}

impl Wire {
    /// Nothing asked of the transport yet.
    fn untouched(&self) -> bool {
        !self.ended && self.buf.is_empty() && self.pos == 0
    }
}

/// What the decoders see of a transport error; the error itself is in the slot.
#[derive(Debug)]
struct WireFailed(String);

impl std::fmt::Display for WireFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WireFailed {}

impl Read for Wire {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        // An empty chunk from a transport is not the end: returning 0 for it
        // would read as end of body, so ask again.
        while self.pos >= self.buf.len() {
            if self.ended {
                return Ok(0);
            }
            match self.reader.read(out.len().clamp(MIN_FETCH, MAX_FETCH)) {
                Ok(Some(chunk)) => {
                    self.buf = chunk;
                    self.pos = 0;
                }
                Ok(None) => {
                    self.ended = true;
                    self.buf = Vec::new();
                    self.pos = 0;
                }
                Err(e) => {
                    let stand_in = WireFailed(e.to_string());
                    *self.slot.borrow_mut() = Some(e);
                    return Err(io::Error::other(stand_in));
                }
            }
        }
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let n = rest.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

/// A reader whose next bytes can be looked at before a decoder is chosen.
struct Peek<R> {
    inner: R,
    head: Vec<u8>,
    pos: usize,
}

impl<R: Read> Peek<R> {
    fn new(inner: R) -> Self {
        Peek {
            inner,
            head: Vec::new(),
            pos: 0,
        }
    }

    /// The next `n` bytes without consuming them; fewer only at the end.
    fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.pos > 0 {
            self.head.drain(..self.pos.min(self.head.len()));
            self.pos = 0;
        }
        let mut piece = [0u8; 16];
        while self.head.len() < n {
            let want = (n - self.head.len()).min(piece.len());
            let got = match self.inner.read(piece.get_mut(..want).unwrap_or_default()) {
                Ok(got) => got,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if got == 0 {
                break;
            }
            self.head
                .extend_from_slice(piece.get(..got).unwrap_or_default());
        }
        Ok(self.head.get(..n.min(self.head.len())).unwrap_or_default())
    }
}

impl<R: Read> Read for Peek<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let head = self.head.get(self.pos..).unwrap_or_default();
        if head.is_empty() {
            return self.inner.read(out);
        }
        let n = head.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), head.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

type Input = Peek<Box<dyn Read>>;

/// One coding being undone. The decoder is chosen at the first read: `deflate`
/// needs its first two bytes to tell zlib from raw, and an empty input decodes
/// to an empty output whatever the coding (as for a 204 that names one).
struct Stage {
    coding: Coding,
    state: StageState,
}

enum StageState {
    Pending(Option<Input>),
    Active(Box<dyn Read>),
    Ended,
}

impl Read for Stage {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            match &mut self.state {
                StageState::Active(decoder) => return decoder.read(out),
                StageState::Ended => return Ok(0),
                StageState::Pending(input) => {
                    let Some(mut input) = input.take() else {
                        self.state = StageState::Ended;
                        return Ok(0);
                    };
                    let head = input.peek(2)?.to_vec();
                    self.state = match (self.coding, head.as_slice()) {
                        (_, []) => StageState::Ended,
                        (Coding::Gzip, _) => {
                            StageState::Active(Box::new(flate2::read::MultiGzDecoder::new(input)))
                        }
                        (Coding::Deflate, [first, second]) => {
                            // RFC 1950 §2.2: CM = 8 and the header, as a
                            // big-endian number, a multiple of 31.
                            let zlib = first & 0x0f == 8
                                && u16::from_be_bytes([*first, *second]) % 31 == 0;
                            if zlib {
                                StageState::Active(Box::new(flate2::read::ZlibDecoder::new(input)))
                            } else {
                                StageState::Active(Box::new(flate2::read::DeflateDecoder::new(
                                    input,
                                )))
                            }
                        }
                        (Coding::Deflate, _) => {
                            return Err(io::Error::new(
                                io::ErrorKind::UnexpectedEof,
                                "the deflate body ended after one byte",
                            ))
                        }
                        (Coding::Brotli, _) => StageState::Active(Box::new(
                            brotli_decompressor::Decompressor::new(input, BROTLI_BUFFER),
                        )),
                        (Coding::Zstd, _) => StageState::Active(Box::new(Zstd::new(input))),
                    };
                }
            }
        }
    }
}

/// zstd (RFC 8878) as `Read`: every frame of the body in turn, skippable
/// frames skipped. ruzstd's `StreamingDecoder` takes one frame and owns its
/// source, so the frame decoder is driven here, one block at a time.
struct Zstd {
    source: Input,
    frame: ruzstd::decoding::FrameDecoder,
    in_frame: bool,
}

impl Zstd {
    fn new(source: Input) -> Self {
        let mut frame = ruzstd::decoding::FrameDecoder::new();
        frame.set_max_window_size(ZSTD_MAX_WINDOW);
        Zstd {
            source,
            frame,
            in_frame: false,
        }
    }
}

fn zstd_error(e: ruzstd::decoding::errors::FrameDecoderError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}"))
}

impl Read for Zstd {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
        loop {
            if !self.in_frame {
                // The body may hold further frames; it ends only between them.
                if self.source.peek(1)?.is_empty() {
                    return Ok(0);
                }
                match self.frame.reset(&mut self.source) {
                    Ok(()) => self.in_frame = true,
                    Err(FrameDecoderError::ReadFrameHeaderError(
                        ReadFrameHeaderError::SkipFrame { length, .. },
                    )) => {
                        let skipped = io::copy(
                            &mut (&mut self.source).take(u64::from(length)),
                            &mut io::sink(),
                        )?;
                        if skipped < u64::from(length) {
                            return Err(io::Error::new(
                                io::ErrorKind::UnexpectedEof,
                                "zstd: the body ended inside a skippable frame",
                            ));
                        }
                    }
                    Err(e) => return Err(zstd_error(e)),
                }
                continue;
            }
            if self.frame.can_collect() > 0 {
                // At most `out.len()` bytes: the decoded block stays in the
                // decoder's buffer until asked for.
                return self.frame.read(out);
            }
            if self.frame.is_finished() {
                self.check_sum()?;
                self.in_frame = false;
                continue;
            }
            self.frame
                .decode_blocks(
                    &mut self.source,
                    ruzstd::decoding::BlockDecodingStrategy::UptoBlocks(1),
                )
                .map_err(zstd_error)?;
        }
    }
}

impl Zstd {
    /// A frame's optional checksum (the low 32 bits of its content's XXH64),
    /// checked as gzip's CRC-32 is: a corrupt body is an error, not silently wrong.
    fn check_sum(&self) -> io::Result<()> {
        match (
            self.frame.get_checksum_from_data(),
            self.frame.get_calculated_checksum(),
        ) {
            (Some(sent), Some(computed)) if sent != computed => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "zstd: the frame checksum does not match its content",
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
