//! Unit tests of `retry`: policy validation, backoff and jitter, which failures and statuses
//! are retried, and `Retry-After`.
//! The shared policy and helpers live here; the tests, by concern, in `retry_tests/`.

use super::*;

#[path = "retry_tests/backoff.rs"]
mod backoff;
#[path = "retry_tests/decisions.rs"]
mod decisions;
#[path = "retry_tests/properties.rs"]
mod properties;
#[path = "retry_tests/retry_after.rs"]
mod retry_after;

/// 2026-01-01T00:00:00Z.
const NOW: i64 = 1_767_225_600;

fn policy() -> RetryPolicy {
    RetryPolicy {
        backoff_factor_ms: 10,
        backoff_max_ms: 50,
        backoff_jitter_ms: 0,
        ..RetryPolicy::default()
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn status(status: u16, retry_after: Option<&str>) -> Outcome<'_> {
    Outcome::Status {
        status,
        retry_after,
    }
}
