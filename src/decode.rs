//! Content decoding in the guest (`Content-Encoding`: gzip, deflate), push-style
//! so buffered and streamed bodies share one decoder.

use crate::error::{Error, Result};
use std::io::Write;

/// The codings the component decodes: exactly what `Accept-Encoding` advertises.
pub const ACCEPT_ENCODING: &str = "gzip, deflate";

/// Decodes a body chunk by chunk, undoing each coding of a `Content-Encoding` list.
pub struct Decoder {
    /// In decoding order: the last coding applied by the server comes first.
    stages: Vec<Stage>,
    fed: bool,
}

enum Stage {
    Gzip(flate2::write::MultiGzDecoder<Vec<u8>>),
    /// `deflate` is zlib (RFC 1950) by the spec but raw deflate (RFC 1951) from
    /// some servers; the first two bytes tell which (RFC 1950 §2.2 header check).
    DeflateUndecided(Vec<u8>),
    Zlib(flate2::write::ZlibDecoder<Vec<u8>>),
    Raw(flate2::write::DeflateDecoder<Vec<u8>>),
}

impl Decoder {
    /// A decoder for a `Content-Encoding` value; `None` when there is nothing to undo.
    pub fn for_content_encoding(value: Option<&str>) -> Result<Option<Decoder>> {
        let Some(value) = value else { return Ok(None) };
        let mut stages = Vec::new();
        for coding in value
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .rev()
        {
            match coding.as_str() {
                "" | "identity" => {}
                "gzip" | "x-gzip" => stages.push(Stage::Gzip(flate2::write::MultiGzDecoder::new(Vec::new()))),
                "deflate" => stages.push(Stage::DeflateUndecided(Vec::new())),
                other => {
                    return Err(Error::ContentDecoding(format!(
                        "the response uses Content-Encoding {other:?}, which this component does not decode (it accepts {ACCEPT_ENCODING})"
                    )))
                }
            }
        }
        Ok((!stages.is_empty()).then_some(Decoder { stages, fed: false }))
    }

    /// Decodes the next piece of the encoded body.
    pub fn feed(&mut self, input: &[u8]) -> Result<Vec<u8>> {
        if !input.is_empty() {
            self.fed = true;
        }
        let mut data = input.to_vec();
        for stage in &mut self.stages {
            data = stage.write(&data)?;
        }
        Ok(data)
    }

    /// Ends the body, returning what the decoders still held.
    pub fn finish(&mut self) -> Result<Vec<u8>> {
        if !self.fed {
            return Ok(Vec::new());
        }
        let mut carried = Vec::new();
        for stage in &mut self.stages {
            let mut out = stage.write(&carried)?;
            out.extend(stage.finish()?);
            carried = out;
        }
        Ok(carried)
    }
}

fn corrupt(e: std::io::Error) -> Error {
    Error::ContentDecoding(format!(
        "the body does not decode as its Content-Encoding says: {e}"
    ))
}

impl Stage {
    fn write(&mut self, input: &[u8]) -> Result<Vec<u8>> {
        fn push<W: Write>(w: &mut W, input: &[u8]) -> Result<()> {
            w.write_all(input).map_err(corrupt)
        }
        match self {
            Stage::Gzip(d) => {
                push(d, input)?;
                Ok(std::mem::take(d.get_mut()))
            }
            Stage::Zlib(d) => {
                push(d, input)?;
                Ok(std::mem::take(d.get_mut()))
            }
            Stage::Raw(d) => {
                push(d, input)?;
                Ok(std::mem::take(d.get_mut()))
            }
            Stage::DeflateUndecided(pending) => {
                pending.extend_from_slice(input);
                if pending.len() < 2 {
                    return Ok(Vec::new());
                }
                let head = [pending[0], pending[1]];
                let buffered = std::mem::take(pending);
                *self = if head[0] & 0x0f == 8 && u16::from_be_bytes(head) % 31 == 0 {
                    Stage::Zlib(flate2::write::ZlibDecoder::new(Vec::new()))
                } else {
                    Stage::Raw(flate2::write::DeflateDecoder::new(Vec::new()))
                };
                self.write(&buffered)
            }
        }
    }

    fn finish(&mut self) -> Result<Vec<u8>> {
        match self {
            Stage::Gzip(d) => d
                .try_finish()
                .map_err(corrupt)
                .map(|_| std::mem::take(d.get_mut())),
            Stage::Zlib(d) => d
                .try_finish()
                .map_err(corrupt)
                .map(|_| std::mem::take(d.get_mut())),
            Stage::Raw(d) => d
                .try_finish()
                .map_err(corrupt)
                .map(|_| std::mem::take(d.get_mut())),
            Stage::DeflateUndecided(pending) if pending.is_empty() => Ok(Vec::new()),
            Stage::DeflateUndecided(_) => Err(Error::ContentDecoding(
                "the deflate body ended after one byte".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn decode_in_pieces(coding: &str, body: &[u8], piece: usize) -> Result<Vec<u8>> {
        let mut d = Decoder::for_content_encoding(Some(coding))?.expect("a decoder");
        let mut out = Vec::new();
        for chunk in body.chunks(piece) {
            out.extend(d.feed(chunk)?);
        }
        out.extend(d.finish()?);
        Ok(out)
    }

    #[test]
    fn gzip_decodes_fed_byte_by_byte_or_whole() {
        let text = b"hello hello hello hello".repeat(50);
        let body = gzip(&text);
        assert_eq!(decode_in_pieces("gzip", &body, 1).unwrap(), text);
        assert_eq!(decode_in_pieces("GZIP", &body, 4096).unwrap(), text);
    }

    #[test]
    fn deflate_accepts_zlib_and_raw() {
        let text = b"deflated text".repeat(20);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(&text).unwrap();
        assert_eq!(
            decode_in_pieces("deflate", &z.finish().unwrap(), 1).unwrap(),
            text
        );
        let mut r = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
        r.write_all(&text).unwrap();
        assert_eq!(
            decode_in_pieces("deflate", &r.finish().unwrap(), 7).unwrap(),
            text
        );
    }

    #[test]
    fn stacked_codings_are_undone_in_reverse() {
        let text = b"twice".to_vec();
        let body = gzip(&gzip(&text));
        assert_eq!(decode_in_pieces("gzip, gzip", &body, 3).unwrap(), text);
    }

    #[test]
    fn corrupt_or_unknown_encodings_are_content_decoding_errors() {
        assert!(matches!(
            decode_in_pieces("gzip", b"not gzip at all", 4),
            Err(Error::ContentDecoding(_))
        ));
        let truncated = gzip(b"some data that will be cut");
        assert!(matches!(
            decode_in_pieces("gzip", &truncated[..truncated.len() - 6], 4),
            Err(Error::ContentDecoding(_))
        ));
        assert!(matches!(
            Decoder::for_content_encoding(Some("br")),
            Err(Error::ContentDecoding(_))
        ));
    }

    #[test]
    fn identity_and_empty_bodies_need_no_decoding() {
        assert!(Decoder::for_content_encoding(Some("identity"))
            .unwrap()
            .is_none());
        assert!(Decoder::for_content_encoding(None).unwrap().is_none());
        let mut d = Decoder::for_content_encoding(Some("gzip"))
            .unwrap()
            .unwrap();
        assert!(d.finish().unwrap().is_empty());
    }
}
