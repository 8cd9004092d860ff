//! The request-header budget: no request the session hands an adapter has
//! headers larger than this, so no host limit is ever reached from here.
//!
//! wasmtime traps the whole instance (`total size of fields exceeds limit`)
//! once a `fields` resource holds more than 128 KiB, counting each field as
//! its name, its value and about 72 bytes more. Headers come from the caller
//! (session and request headers, hand-set cookies), from hooks, and from
//! servers (every `Set-Cookie` the jar keeps is sent back), so the session
//! checks the budget in one place, right before an adapter sees a request,
//! and answers `invalid-header` instead.

use crate::error::{Error, Result};
use crate::headers::Headers;

/// The most the headers of one request may take, counted as wasmtime counts
/// (names + values + [`FIELD_OVERHEAD`] per field). Half of wasmtime's 128
/// KiB, and above what servers accept anyway (most refuse 8-64 KiB of
/// request headers with a 431).
///
/// Defaults to 64 KiB.
pub const MAX_REQUEST_HEADER_BYTES: usize = 64 * 1024;

/// What a host adds per field when it measures headers (wasmtime: about 72 bytes).
pub const FIELD_OVERHEAD: usize = 72;

/// The size of these headers as a host measures them.
pub fn header_bytes(headers: &Headers) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.len() + value.len() + FIELD_OVERHEAD)
        .sum()
}

/// `InvalidHeader` when the headers pass the budget, naming the largest one
/// (often `Cookie`, when a server filled the jar for this host).
pub fn check(headers: &Headers) -> Result<()> {
    let total = header_bytes(headers);
    if total <= MAX_REQUEST_HEADER_BYTES {
        return Ok(());
    }
    let largest = headers
        .iter()
        .max_by_key(|(name, value)| name.len() + value.len())
        .map(|(name, value)| format!("; the largest is {name} ({} bytes)", value.len()))
        .unwrap_or_default();
    Err(Error::InvalidHeader(format!(
        "the request headers take {total} bytes ({} fields), over the {MAX_REQUEST_HEADER_BYTES}-byte budget{largest}",
        headers.len()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_within_the_budget_pass() {
        let mut h = Headers::new();
        h.set("Accept", "*/*");
        h.set(
            "X-Big",
            &"a".repeat(MAX_REQUEST_HEADER_BYTES - 5 - 72 - 6 - 3 - 72),
        );
        assert_eq!(header_bytes(&h), MAX_REQUEST_HEADER_BYTES);
        assert!(check(&h).is_ok());
    }

    #[test]
    fn one_huge_header_is_refused_naming_it() {
        let mut h = Headers::new();
        h.set("Cookie", &"k=v; ".repeat(40_000));
        match check(&h) {
            Err(Error::InvalidHeader(m)) => {
                assert!(m.contains("the largest is Cookie (200000 bytes)"), "{m}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn thousands_of_small_headers_are_refused_by_their_overhead() {
        let mut h = Headers::new();
        for i in 0..1000 {
            h.append(&format!("x-{i}"), "1");
        }
        assert!(matches!(check(&h), Err(Error::InvalidHeader(_))));
    }
}
