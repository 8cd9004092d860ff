//! Bytes carried as a string, one code point (U+0000-U+00FF) per byte: how
//! bodies cross the `host-adapters` interface, because every host copies a
//! `string` in one go where some (wasmtime-py) copy a `list<u8>` one element
//! at a time. Also how ISO-8859-1 text and obs-text header values read.

use crate::error::{Error, Result};

/// The string whose code points are `bytes`: a byte under 0x80 is itself, one
/// from 0x80 is the two UTF-8 bytes of U+0080-U+00FF. Byte by byte with
/// `push`, no `char` in between: whole bodies go through here (with the
/// component's size-first optimisation, `extend_from_slice` per byte stayed a
/// call per byte; `perf` of 1 MiB uploads: 22% of the samples before, 14% after).
pub fn encode(bytes: &[u8]) -> String {
    if bytes.is_ascii() {
        // ASCII is the same in both: one copy, no per-byte work.
        return String::from_utf8(bytes.to_vec()).unwrap_or_default();
    }
    let high = bytes.iter().filter(|&&b| b >= 0x80).count();
    let mut utf8 = Vec::with_capacity(bytes.len() + high);
    for &b in bytes {
        if b < 0x80 {
            utf8.push(b);
        } else {
            utf8.push(0xC0 | (b >> 6));
            utf8.push(0x80 | (b & 0x3F));
        }
    }
    // Always valid (every byte became a whole UTF-8 sequence); checked all the same.
    String::from_utf8(utf8).unwrap_or_default()
}

/// The bytes a string carries; `None` for a code point above U+00FF. In
/// UTF-8 those code points are a byte under 0x80, or 0xC2 / 0xC3 and one
/// continuation byte, so this reads bytes, not `char`s.
pub fn to_bytes(text: &str) -> Option<Vec<u8>> {
    let utf8 = text.as_bytes();
    if utf8.is_ascii() {
        return Some(utf8.to_vec());
    }
    let mut bytes = Vec::with_capacity(utf8.len());
    let mut rest = utf8.iter();
    while let Some(&b) = rest.next() {
        match b {
            0x00..=0x7F => bytes.push(b),
            0xC2 | 0xC3 => {
                // (a valid `str`: the continuation byte is there)
                let next = rest.next()?;
                bytes.push(((b & 0x03) << 6) | (next & 0x3F));
            }
            _ => return None,
        }
    }
    Some(bytes)
}

/// The bytes a host adapter's string carries; a code point above U+00FF is
/// a transport error (the host broke the interface's rule).
pub fn decode(text: String) -> Result<Vec<u8>> {
    if text.is_ascii() {
        return Ok(text.into_bytes());
    }
    to_bytes(&text).ok_or_else(|| Error::Transport {
        code: "invalid-body".into(),
        detail: Some(
            "the host adapter gave body bytes as a string with a code point above \
                 U+00FF (bytes cross as Latin-1: one code point per byte)"
                .into(),
        ),
    })
}

/// A header value a host gave as Latin-1 (the raw bytes, one code point
/// each, as Python's http.client and Node's http give them): UTF-8 in those
/// bytes reads as UTF-8, as requests reads a `Location` (`/%C5%A1`, not
/// `/%C3%85%C2%A1`); anything else stays as given.
pub fn header_value(value: String) -> String {
    if value.is_ascii() {
        return value;
    }
    let Some(bytes) = value
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
    else {
        return value;
    };
    String::from_utf8(bytes).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_value_given_as_latin1_reads_utf8_as_utf8() {
        // "/š" sent as UTF-8, read by the host as Latin-1.
        assert_eq!(header_value("/\u{c5}\u{a1}".into()), "/š");
        // Latin-1 that is not UTF-8 stays (a genuine "café" in ISO-8859-1).
        assert_eq!(header_value("caf\u{e9}".into()), "café");
        // A host that gave Unicode already: unchanged.
        assert_eq!(header_value("€uro".into()), "€uro");
        assert_eq!(header_value("plain".into()), "plain");
    }
    use proptest::prelude::*;

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        let text = encode(&all);
        assert_eq!(text.chars().count(), 256);
        assert_eq!(text.chars().nth(0xE9), Some('é'));
        assert_eq!(decode(text).unwrap(), all);
    }

    #[test]
    fn a_code_point_above_ff_is_an_error_not_a_wrong_byte() {
        assert!(matches!(
            decode("a€b".into()),
            Err(Error::Transport { code, .. }) if code == "invalid-body"
        ));
    }

    #[test]
    fn a_code_point_above_u_00ff_is_not_a_byte() {
        for text in ["\u{100}", "a\u{263a}b", "\u{1F600}", "caf\u{e9}\u{800}"] {
            assert_eq!(to_bytes(text), None, "{text:?}");
            assert!(decode(text.to_string()).is_err());
        }
    }

    proptest! {
        #[test]
        fn prop_latin1_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let text = encode(&bytes);
            // byte by byte, as one char per byte would give it
            let by_char: String = bytes.iter().map(|&b| char::from(b)).collect();
            prop_assert_eq!(&text, &by_char);
            prop_assert_eq!(to_bytes(&text), Some(bytes.clone()));
            prop_assert_eq!(decode(text).unwrap(), bytes);
        }
    }
}
