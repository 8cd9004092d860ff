//! Unit tests of `decode`: every coding, stacked codings, bounded reads and typed errors.

use super::*;
use crate::transport::BytesBody;
use flate2::Compression;
use std::io::Write;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    // Quality 5, not the default 11: the encoder is slow in debug builds.
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).unwrap();
    out
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// A transport that hands out at most `piece` bytes per read, whatever is asked.
struct Pieces(BytesBody, usize);

impl BodyReader for Pieces {
    fn read(&mut self, _max: usize) -> Result<Option<Vec<u8>>> {
        self.0.read(self.1)
    }
}

fn body(coding: Option<&str>, data: &[u8], piece: usize) -> DecodedBody {
    DecodedBody::new(
        Box::new(Pieces(BytesBody::new(data.to_vec()), piece)),
        coding,
    )
}

fn decode(coding: &str, data: &[u8], piece: usize, read: usize) -> Result<Vec<u8>> {
    let mut d = body(Some(coding), data, piece);
    let mut out = Vec::new();
    let mut buf = vec![0; read];
    loop {
        let n = d.read(&mut buf)?;
        assert!(n <= read);
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn gzip_decodes_fed_byte_by_byte_or_whole() {
    let text = b"hello hello hello hello".repeat(50);
    let data = gzip(&text);
    assert_eq!(decode("gzip", &data, 1, 7).unwrap(), text);
    assert_eq!(decode("GZIP", &data, 4096, 4096).unwrap(), text);
    assert_eq!(decode("x-gzip", &data, 100, 1).unwrap(), text);
}

#[test]
fn concatenated_gzip_members_all_decode() {
    let mut data = gzip(b"one ");
    data.extend(gzip(b"two"));
    assert_eq!(decode("gzip", &data, 3, 64).unwrap(), b"one two");
}

#[test]
fn deflate_accepts_zlib_and_raw() {
    let text = b"deflated text".repeat(20);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(&text).unwrap();
    assert_eq!(decode("deflate", &z.finish().unwrap(), 1, 5).unwrap(), text);
    let mut r = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
    r.write_all(&text).unwrap();
    assert_eq!(
        decode("deflate", &r.finish().unwrap(), 7, 100).unwrap(),
        text
    );
    assert!(matches!(
        decode("deflate", b"x", 1, 10),
        Err(Error::ContentDecoding(m)) if m.contains("one byte")
    ));
}

#[test]
fn brotli_decodes() {
    let text = b"brotli brotli brotli text ".repeat(200);
    let data = brotli(&text);
    assert_eq!(decode("br", &data, 1, 3).unwrap(), text);
    assert_eq!(decode("BR", &data, 65536, 65536).unwrap(), text);
    assert!(matches!(
        decode("br", &data[..data.len() / 2], 16, 64),
        Err(Error::ContentDecoding(_))
    ));
}

#[test]
fn zstd_decodes_frames_and_skips_skippable_ones() {
    let text = b"zstandard zstandard text ".repeat(300);
    let data = zstd(&text);
    assert_eq!(decode("zstd", &data, 1, 5).unwrap(), text);
    assert_eq!(decode("zstd", &data, 65536, 65536).unwrap(), text);
    // A skippable frame (magic 0x184D2A50, length 3), then two frames.
    let mut two = vec![0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9];
    two.extend(zstd(b"first "));
    two.extend(zstd(b"second"));
    assert_eq!(decode("zstd", &two, 2, 4).unwrap(), b"first second");
    assert!(matches!(
        decode("zstd", &data[..data.len() - 5], 16, 64),
        Err(Error::ContentDecoding(_))
    ));
    assert!(matches!(
        decode("zstd", b"not zstd at all", 16, 64),
        Err(Error::ContentDecoding(m)) if m.contains("zstd")
    ));
}

#[test]
fn zstd_windows_above_8_mib_are_refused() {
    // A frame header asking for a 16 MiB window (Window_Descriptor 0x70:
    // exponent 14, so 1 << 24), with no content size, then garbage.
    let data = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x70, 0, 0, 0, 0];
    assert!(matches!(
        decode("zstd", &data, 16, 64),
        Err(Error::ContentDecoding(m)) if m.contains("zstd")
    ));
}

#[test]
fn stacked_codings_are_undone_in_reverse() {
    let text = b"twice".to_vec();
    assert_eq!(
        decode("gzip, gzip", &gzip(&gzip(&text)), 3, 2).unwrap(),
        text
    );
    // gzip applied first, then br: br is undone first.
    assert_eq!(
        decode("gzip, br", &brotli(&gzip(&text)), 3, 2).unwrap(),
        text
    );
    assert_eq!(
        decode("br, identity, zstd", &zstd(&brotli(&text)), 5, 64).unwrap(),
        text
    );
    assert!(matches!(
        decode("gzip,gzip,gzip,gzip,gzip,gzip", b"", 1, 1),
        Err(Error::ContentDecoding(m)) if m.contains("more than 5")
    ));
}

#[test]
fn output_per_read_is_bounded_by_the_caller() {
    // 10 MB of zeros is about 10 KB of gzip: one input chunk holds it all.
    let zeros = vec![0u8; 10_000_000];
    for (coding, data) in [
        ("gzip", gzip(&zeros)),
        ("br", brotli(&zeros)),
        ("zstd", zstd(&zeros)),
    ] {
        let mut d = body(Some(coding), &data, 1 << 20);
        let mut buf = vec![1u8; 4096];
        let mut total = 0;
        loop {
            let n = d.read(&mut buf).unwrap();
            assert!(n <= 4096, "{coding}");
            if n == 0 {
                break;
            }
            assert!(buf[..n].iter().all(|&b| b == 0));
            total += n;
        }
        assert_eq!(total, zeros.len(), "{coding}");
    }
}

#[test]
fn corrupt_or_unknown_encodings_are_content_decoding_errors() {
    assert!(matches!(
        decode("gzip", b"not gzip at all", 4, 16),
        Err(Error::ContentDecoding(_))
    ));
    let truncated = gzip(b"some data that will be cut");
    assert!(matches!(
        decode("gzip", &truncated[..truncated.len() - 6], 4, 16),
        Err(Error::ContentDecoding(_))
    ));
    let mut d = body(Some("compress"), b"xx", 4);
    let mut buf = [0u8; 8];
    assert!(matches!(d.read(&mut buf), Err(Error::ContentDecoding(m)) if m.contains("compress")));
    assert!(matches!(d.read(&mut buf), Err(Error::ContentDecoding(_))));
}

#[test]
fn identity_and_empty_bodies_need_no_decoding() {
    assert_eq!(decode("identity", b"plain", 2, 3).unwrap(), b"plain");
    let mut d = body(None, b"plain", 2);
    assert!(d.content_encoding().is_none());
    let mut buf = [0u8; 16];
    assert_eq!(d.read(&mut buf).unwrap(), 2);
    for coding in ["gzip", "deflate", "br", "zstd", "gzip, br"] {
        assert_eq!(decode(coding, b"", 1, 16).unwrap(), b"", "{coding}");
    }
}

/// A transport that fails after its first chunk.
struct Breaks(Option<Vec<u8>>);

impl BodyReader for Breaks {
    fn read(&mut self, _max: usize) -> Result<Option<Vec<u8>>> {
        match self.0.take() {
            Some(chunk) => Ok(Some(chunk)),
            None => Err(Error::ReadTimeout("the read timed out".into())),
        }
    }
}

#[test]
fn transport_errors_stay_typed_through_every_decoder() {
    let text: Vec<u8> = (0..50_000u32).flat_map(|i| i.to_le_bytes()).collect();
    for (coding, data) in [
        (None, text.clone()),
        (Some("gzip"), gzip(&text)),
        (Some("br"), brotli(&text)),
        (Some("zstd"), zstd(&text)),
        (Some("br, gzip"), gzip(&brotli(&text))),
    ] {
        let half = data[..data.len() / 2].to_vec();
        let mut d = DecodedBody::new(Box::new(Breaks(Some(half))), coding);
        let mut buf = vec![0u8; 1024];
        let err = loop {
            match d.read(&mut buf) {
                Ok(0) => panic!("{coding:?}: ended without the error"),
                Ok(_) => {}
                Err(e) => break e,
            }
        };
        assert!(matches!(err, Error::ReadTimeout(_)), "{coding:?}: {err:?}");
    }
}
