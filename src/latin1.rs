//! Bytes carried as a string, one code point (U+0000-U+00FF) per byte: how
//! bodies cross the `host-adapters` interface, because every host copies a
//! `string` in one go where some (wasmtime-py) copy a `list<u8>` one element
//! at a time. Also how ISO-8859-1 text and obs-text header values read.

use crate::error::{Error, Result};

/// The string whose code points are `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    if bytes.is_ascii() {
        // ASCII is the same in both: one copy, no per-byte work.
        return String::from_utf8(bytes.to_vec()).unwrap_or_default();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The bytes a string carries; a code point above U+00FF is not a byte.
pub fn decode(text: String) -> Result<Vec<u8>> {
    if text.is_ascii() {
        return Ok(text.into_bytes());
    }
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| Error::Transport {
            code: "invalid-body".into(),
            detail: Some(
                "the host adapter gave body bytes as a string with a code point above \
                     U+00FF (bytes cross as Latin-1: one code point per byte)"
                    .into(),
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
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

    proptest! {
        #[test]
        fn prop_latin1_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            prop_assert_eq!(decode(encode(&bytes)).unwrap(), bytes);
        }
    }
}
