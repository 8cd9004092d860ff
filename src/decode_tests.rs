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
    // 3 MB of zeros is about 3 KB of gzip: one input chunk holds it all, and
    // would inflate to 750 times the 4 KiB asked per read.
    let zeros = vec![0u8; 3_000_000];
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

#[test]
fn a_content_encoding_of_thousands_of_entries_is_refused_cheaply() {
    for value in [
        "identity, ".repeat(10_000),
        ",".repeat(1 << 20),
        format!("{}gzip", " ".repeat(MAX_CONTENT_ENCODING_LEN)),
    ] {
        let mut d = body(Some(&value), b"", 1);
        let err = d.read(&mut [0u8; 8]).unwrap_err();
        assert!(
            matches!(&err, Error::ContentDecoding(m) if m.contains("bytes long")),
            "{err:?}"
        );
    }
    // Within the length, entries that are not codings cost nothing.
    let padded = format!("{}gzip", " identity ,".repeat(20));
    assert!(padded.len() <= MAX_CONTENT_ENCODING_LEN);
    assert_eq!(decode(&padded, &gzip(b"ok"), 3, 8).unwrap(), b"ok");
    // An unknown coding is named, and the name is bounded by the length limit.
    assert!(matches!(
        decode("gzip, Compress", b"", 1, 1),
        Err(Error::ContentDecoding(m)) if m.contains("\"compress\"")
    ));
}

// ---------------------------------------------------------------------------------------------
// Property tests (run longer with PROPTEST_CASES)
// ---------------------------------------------------------------------------------------------

use proptest::prelude::*;

/// `Content-Encoding` entries, known and not, in any letter case.
fn coding_name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "gzip", "x-gzip", "deflate", "br", "zstd", "identity", "", "GZip", "BR", " zstd ",
        "compress", "\u{e9}",
    ])
}

/// What the codings undo: the bytes `names` (in the order the server applied them) encode
/// `data` to, or `None` when a name is not one this module decodes.
fn encode_with(names: &[&str], data: &[u8], raw_deflate: bool) -> Option<Vec<u8>> {
    let mut out = data.to_vec();
    for name in names {
        out = match name.trim().to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => gzip(&out),
            "deflate" if raw_deflate => {
                let mut e = flate2::write::DeflateEncoder::new(Vec::new(), Compression::fast());
                e.write_all(&out).unwrap();
                e.finish().unwrap()
            }
            "deflate" => {
                let mut e = flate2::write::ZlibEncoder::new(Vec::new(), Compression::fast());
                e.write_all(&out).unwrap();
                e.finish().unwrap()
            }
            "br" => brotli(&out),
            "zstd" => zstd(&out),
            "identity" | "" => out,
            _ => return None,
        };
    }
    Some(out)
}

/// Reads a whole body with reads of `read` bytes, checking each gives at most that; stops
/// (as `Ok`) once `cap` bytes came out, so a small input that inflates hugely stays cheap.
fn read_all(d: &mut DecodedBody, read: usize, cap: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0xa5; read];
    while out.len() < cap {
        let n = d.read(&mut buf)?;
        assert!(n <= read, "{n} bytes for a read of {read}");
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    Ok(out)
}

/// Bytes that compress, and bytes that do not.
fn content() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        (proptest::collection::vec(any::<u8>(), 1..8), 0usize..300)
            .prop_map(|(unit, n)| unit.repeat(n)),
    ]
}

proptest! {
    // Any bytes under any stack of Content-Encoding entries, fed and read in any sizes: no
    // read gives more than asked, every error is ContentDecoding, and the reads end.
    #[test]
    fn prop_any_bytes_under_any_coding_stack_decode_or_fail_typed(
        names in proptest::collection::vec(coding_name(), 0..8),
        data in proptest::collection::vec(any::<u8>(), 0..200),
        piece in 1usize..64,
        read in 1usize..64,
    ) {
        let header = names.join(",");
        let mut d = body(Some(&header), &data, piece);
        match read_all(&mut d, read, 1 << 20) {
            Ok(_) => {}
            Err(Error::ContentDecoding(_)) => {}
            Err(e) => prop_assert!(false, "{:?}", e),
        }
    }

    // Any content, encoded by a stack of up to MAX_CODINGS real codings, decodes back exactly
    // whatever the transport's chunks and the caller's read sizes; more codings are refused.
    #[test]
    fn prop_valid_streams_decode_exactly_under_any_chunking(
        names in proptest::collection::vec(coding_name(), 0..7),
        data in content(),
        raw_deflate in any::<bool>(),
        piece in 1usize..200,
        read in 1usize..200,
    ) {
        let Some(encoded) = encode_with(&names, &data, raw_deflate) else {
            return Ok(());
        };
        let real = names
            .iter()
            .filter(|n| !n.trim().is_empty() && !n.trim().eq_ignore_ascii_case("identity"))
            .count();
        let header = names.join(", ");
        let got = read_all(&mut body(Some(&header), &encoded, piece), read, usize::MAX);
        if real > MAX_CODINGS {
            prop_assert!(matches!(got, Err(Error::ContentDecoding(m)) if m.contains("more than")));
        } else {
            prop_assert_eq!(got.unwrap(), data);
        }
    }

    // A valid gzip, deflate, br or zstd stream cut short anywhere is a ContentDecoding error,
    // never a shorter body taken for the whole (an empty input is the one empty body).
    #[test]
    fn prop_truncated_streams_are_errors_not_short_bodies(
        name in prop::sample::select(vec!["gzip", "deflate", "br", "zstd"]),
        data in content(),
        raw_deflate in any::<bool>(),
        cut in any::<prop::sample::Index>(),
        piece in 1usize..100,
        read in 1usize..100,
    ) {
        let encoded = encode_with(&[name], &data, raw_deflate).unwrap();
        let cut = cut.index(encoded.len());
        let got = read_all(&mut body(Some(name), &encoded[..cut], piece), read, usize::MAX);
        match got {
            Ok(out) => prop_assert!(cut == 0 && out.is_empty(), "cut {} of {}: {} bytes", cut, encoded.len(), out.len()),
            Err(Error::ContentDecoding(_)) => {}
            Err(e) => prop_assert!(false, "{:?}", e),
        }
    }
}
