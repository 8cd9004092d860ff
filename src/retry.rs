//! Retries of one request (one redirect hop) that failed to connect, failed
//! after it was sent, or was answered with a status worth another try, in the
//! manner of urllib3's `Retry`. The decisions here are pure (no clock, no
//! network) so they are tested natively; the session's send loop acts on them.
//!
//! Which failures are retried, and for which methods:
//!
//! | outcome                                                      | counter   | methods           |
//! |--------------------------------------------------------------|-----------|-------------------|
//! | `ConnectionRefused`, `Dns`, `ConnectTimeout`, `Tls`          | `connect` | any               |
//! | `ReadTimeout`, `Connection`, `Transport` (but see below)     | `read`    | `allowed_methods` |
//! | a status in `status_forcelist`                               | `status`  | `allowed_methods` |
//! | 413, 429 or 503 with `Retry-After`, if `respect_retry_after` | `status`  | `allowed_methods` |
//! | anything else, and `Transport` codes that refuse the request | none      | never retried     |
//!
//! The first row fails before a byte of the request left (urllib3's
//! `_is_connection_error`: the server cannot have acted on it), so even a POST
//! is safe to repeat. The second row may fail after the server received and
//! acted on the request (urllib3's `_is_read_error`), and a status is an
//! answer to a request the server did receive; both are retried only for the
//! allowed methods, by default the idempotent ones (RFC 9110 §9.2.2).
//! The wasi:http codes `HTTP-request-*`, `configuration-error` and
//! `loop-detected` say the request itself was refused: it would be again.
//! Errors while reading a body (after the head arrived) are not retried:
//! the response has been handed over by then.

use crate::error::{Error, Result};
use std::time::Duration;

/// urllib3's `Retry.DEFAULT_ALLOWED_METHODS`: the idempotent methods of RFC
/// 9110 §9.2.2, which leave the server in the same state however many times
/// they are repeated.
pub const DEFAULT_ALLOWED_METHODS: [&str; 6] = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"];

/// urllib3's `Retry.RETRY_AFTER_STATUS_CODES`: statuses retried even when not
/// in the forcelist, if they carry `Retry-After` and it is respected (413 per
/// RFC 9110 §15.5.14, 429 per RFC 6585 §4, 503 per RFC 9110 §15.6.4).
pub const RETRY_AFTER_STATUS_CODES: [u16; 3] = [413, 429, 503];

/// When and how often to retry one request. Counts are retries, not attempts:
/// `total: 3` allows up to four attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries of any kind; the other counts can only lower it.
    pub total: u32,
    /// Retries after connection set-up failures; `None`: only `total` limits them.
    pub connect: Option<u32>,
    /// Retries after failures once the request may have been sent.
    pub read: Option<u32>,
    /// Retries after a retryable status.
    pub status: Option<u32>,
    /// The wait before the first retry; it doubles for each one after.
    pub backoff_factor_ms: u32,
    /// The longest the doubling may grow to (jitter comes on top).
    pub backoff_max_ms: u32,
    /// A random 0..=this is added to every backoff, so clients that failed
    /// together do not retry together.
    pub backoff_jitter_ms: u32,
    /// Statuses retried (for the allowed methods) whether or not they carry `Retry-After`.
    pub status_forcelist: Vec<u16>,
    /// Methods retried after the request may have reached the server; `None`
    /// means [`DEFAULT_ALLOWED_METHODS`]. It can only narrow those: a
    /// non-idempotent method (POST, PATCH) is never sent twice once it may
    /// have reached the server, even when listed (unlike urllib3).
    pub allowed_methods: Option<Vec<String>>,
    /// Wait as long as a retried response's `Retry-After` asks (up to
    /// `retry_after_max_ms`) instead of backing off, and retry
    /// [`RETRY_AFTER_STATUS_CODES`] that carry one.
    pub respect_retry_after: bool,
    /// The longest `Retry-After` wait: a longer one is cut to this, as
    /// urllib3's `retry_after_max` does, so one header cannot stall the
    /// instance for hours.
    pub retry_after_max_ms: u32,
}

impl Default for RetryPolicy {
    /// urllib3's `Retry(3)` (three retries, idempotent methods, `Retry-After`
    /// respected on 413/429/503, no forcelist), with a backoff urllib3 leaves
    /// off by default: 100 ms doubling up to 10 s, plus up to 50 ms of jitter;
    /// and `Retry-After` waits cut at 30 s rather than urllib3's 6 hours, since
    /// a component instance waiting is a host's request stalled.
    fn default() -> Self {
        RetryPolicy {
            total: 3,
            connect: None,
            read: None,
            status: None,
            backoff_factor_ms: 100,
            backoff_max_ms: 10_000,
            backoff_jitter_ms: 50,
            status_forcelist: Vec::new(),
            allowed_methods: None,
            respect_retry_after: true,
            retry_after_max_ms: 30_000,
        }
    }
}

impl RetryPolicy {
    /// The default policy with `total` retries: what requests'
    /// `HTTPAdapter(max_retries=total)` and a wrapper's `Retry(total)` mean.
    pub fn for_total(total: u32) -> Self {
        RetryPolicy {
            total,
            ..RetryPolicy::default()
        }
    }

    /// Checks what the decisions cannot make sense of: a backoff cap below
    /// the first backoff, a forcelist status outside 100-599, a method that is
    /// not an HTTP token.
    pub fn validate(&self) -> Result<()> {
        if self.backoff_max_ms < self.backoff_factor_ms {
            return Err(Error::InvalidOption(format!(
                "the retry backoff maximum ({} ms) must be at least the backoff factor ({} ms)",
                self.backoff_max_ms, self.backoff_factor_ms
            )));
        }
        if let Some(status) = self
            .status_forcelist
            .iter()
            .find(|s| !(100..=599).contains(*s))
        {
            return Err(Error::InvalidOption(format!(
                "a retry status must be 100-599, not {status}"
            )));
        }
        for method in self.allowed_methods.iter().flatten() {
            crate::headers::validate_method(method).map_err(|_| {
                Error::InvalidOption(format!(
                    "a retry method must be a token such as GET, not {method:?}"
                ))
            })?;
        }
        Ok(())
    }

    /// The method may be retried once the request may have reached the server:
    /// it is idempotent (RFC 9110 §9.2.2) and, when a list is given, on it.
    pub fn allows(&self, method: &str) -> bool {
        let idempotent = DEFAULT_ALLOWED_METHODS
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method));
        idempotent
            && self
                .allowed_methods
                .as_ref()
                .is_none_or(|methods| methods.iter().any(|m| m.eq_ignore_ascii_case(method)))
    }

    /// The status is worth another try (for an allowed method): urllib3's
    /// `Retry.is_retry`.
    pub fn retries_status(&self, status: u16, has_retry_after: bool) -> bool {
        self.status_forcelist.contains(&status)
            || (self.respect_retry_after
                && has_retry_after
                && RETRY_AFTER_STATUS_CODES.contains(&status))
    }

    /// The wait before retry number `retry` (1 for the first) without jitter:
    /// `factor * 2^(retry-1)`, at most `backoff_max_ms`. urllib3 2 waits 0
    /// before the first retry and `factor * 2^(retry-1)` before later ones;
    /// here the first retry waits `factor` too, so a server that just failed
    /// is not hit again at once.
    pub fn backoff(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(32);
        let ms = u64::from(self.backoff_factor_ms)
            .saturating_mul(1u64 << doublings)
            .min(u64::from(self.backoff_max_ms));
        Duration::from_millis(ms)
    }
}

/// What one attempt came to.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// The adapter failed before a response head arrived.
    Error(&'a Error),
    /// A response head arrived, with its `Retry-After` (first value), if any.
    Status {
        status: u16,
        retry_after: Option<&'a str>,
    },
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then send again.
    Retry { after: Duration },
    /// Not retryable (a success, an error no retry can fix, a method that
    /// must not be repeated): hand the outcome back as it is.
    Stop,
    /// Retryable, but a count is spent: an error is handed back as it is; a
    /// status becomes [`exhausted`] (urllib3's `raise_on_status`).
    Exhausted,
}

/// How a failed attempt counts (see the table at the top of this module).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Nothing was sent: safe to retry for any method.
    Connect,
    /// The request may have reached the server.
    Read,
    /// Retrying cannot help: the request, a setting or the session is at fault.
    Never,
}

/// wasi:http `error-code` cases (as `Error::Transport` carries them) that say
/// the request itself was refused or the host is misconfigured: sending it
/// again gives the same answer.
fn is_deterministic_transport_code(code: &str) -> bool {
    code.starts_with("HTTP-request-") || code == "configuration-error" || code == "loop-detected"
}

/// Sorts an adapter error into the table at the top of this module.
pub fn classify(error: &Error) -> ErrorClass {
    match error.inner() {
        // wasi:http reports these while resolving, connecting or in the TLS
        // handshake, before the request head is written; a proxy failure is
        // urllib3's `ProxyError`, a connection error.
        Error::ConnectionRefused(_)
        | Error::Dns(_)
        | Error::ConnectTimeout(_)
        | Error::Tls(_)
        | Error::Proxy(_) => ErrorClass::Connect,
        // `Connection` also covers failures before sending (destination
        // unavailable); they cannot be told apart from a reset mid-request,
        // so they count as the less safe kind.
        Error::ReadTimeout(_) | Error::Connection(_) => ErrorClass::Read,
        Error::Transport { code, .. } if is_deterministic_transport_code(code) => ErrorClass::Never,
        Error::Transport { .. } => ErrorClass::Read,
        _ => ErrorClass::Never,
    }
}

/// Retries used so far for one request (one redirect hop).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryState {
    pub total: u32,
    pub connect: u32,
    pub read: u32,
    pub status: u32,
}

impl RetryState {
    /// Decides after an attempt of `method`, and counts the retry it allows.
    /// `now` (Unix seconds) dates a `Retry-After` given as an HTTP-date. Jitter
    /// is drawn here; [`RetryState::decide_with_jitter`] takes it as given.
    pub fn decide(
        &mut self,
        policy: &RetryPolicy,
        method: &str,
        outcome: Outcome<'_>,
        now: i64,
    ) -> Decision {
        self.decide_with_jitter(
            policy,
            method,
            outcome,
            now,
            random_jitter(policy.backoff_jitter_ms),
        )
    }

    /// [`RetryState::decide`] with the jitter (ms, added to a backoff, not to
    /// a `Retry-After` wait) chosen by the caller.
    pub fn decide_with_jitter(
        &mut self,
        policy: &RetryPolicy,
        method: &str,
        outcome: Outcome<'_>,
        now: i64,
        jitter_ms: u32,
    ) -> Decision {
        let mut wait_asked = None;
        let (used, limit) = match outcome {
            Outcome::Error(error) => match classify(error) {
                ErrorClass::Connect => (&mut self.connect, policy.connect),
                ErrorClass::Read if policy.allows(method) => (&mut self.read, policy.read),
                ErrorClass::Read | ErrorClass::Never => return Decision::Stop,
            },
            Outcome::Status {
                status,
                retry_after,
            } => {
                if !policy.allows(method) || !policy.retries_status(status, retry_after.is_some()) {
                    return Decision::Stop;
                }
                if policy.respect_retry_after {
                    // An unparseable value is ignored (urllib3 raises
                    // `InvalidHeader` instead): the backoff applies.
                    wait_asked = retry_after.and_then(|v| parse_retry_after(v, now));
                }
                (&mut self.status, policy.status)
            }
        };
        if self.total >= policy.total || limit.is_some_and(|limit| *used >= limit) {
            return Decision::Exhausted;
        }
        *used += 1;
        self.total += 1;
        let after = match wait_asked {
            Some(asked) => asked.min(Duration::from_millis(u64::from(policy.retry_after_max_ms))),
            None => {
                policy.backoff(self.total)
                    + Duration::from_millis(u64::from(jitter_ms.min(policy.backoff_jitter_ms)))
            }
        };
        Decision::Retry { after }
    }
}

/// The error for a status still retryable when the retries ran out: urllib3's
/// `MaxRetryError` caused by `ResponseError("too many 503 error responses")`.
pub fn exhausted(url: &url::Url, status: u16) -> Error {
    Error::Retry(format!(
        "Max retries exceeded with url: {} (too many {status} error responses)",
        crate::urls::redact(url)
    ))
}

/// A uniformly random 0..=`max` ms. Without a random source the jitter is 0:
/// jitter only spreads retries out, and its absence must not fail a request.
pub fn random_jitter(max: u32) -> u32 {
    if max == 0 {
        return 0;
    }
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0;
    }
    // The modulo bias of a 64-bit draw over at most 2^32 values is below 2^-32.
    let draw = u64::from_le_bytes(bytes) % (u64::from(max) + 1);
    u32::try_from(draw).unwrap_or(max)
}

/// The longest `Retry-After` value read, whitespace around it included; a
/// longer one is ignored as unparseable (the backoff applies). Defaults to 64
/// bytes: an HTTP-date is at most 33 (`Wednesday, 09-Nov-94 08:49:37 GMT`), and
/// delay-seconds of 21 digits already pass `u64`. The wait a value asks for is
/// capped separately, by [`RetryPolicy::retry_after_max_ms`].
pub const MAX_RETRY_AFTER_LEN: usize = 64;

/// RFC 9110 §10.2.3 `Retry-After = HTTP-date / delay-seconds`, as a wait from
/// `now` (Unix seconds). A date in the past waits 0; a value that is neither,
/// or longer than [`MAX_RETRY_AFTER_LEN`], gives `None`.
pub fn parse_retry_after(value: &str, now: i64) -> Option<Duration> {
    if value.len() > MAX_RETRY_AFTER_LEN {
        return None;
    }
    let value = value.trim_matches([' ', '\t']);
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // delay-seconds = 1*DIGIT; a number too large for u64 is still "very long".
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds));
    }
    let at = parse_http_date(value, now)?;
    Some(Duration::from_secs(
        u64::try_from(at.saturating_sub(now)).unwrap_or(0),
    ))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// RFC 9110 §5.6.7 HTTP-date in any of its three forms, as Unix seconds:
/// `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate),
/// `Sunday, 06-Nov-94 08:49:37 GMT` (obsolete RFC 850) and
/// `Sun Nov  6 08:49:37 1994` (asctime), all of which recipients must accept.
/// The weekday is not checked against the date: the date is what counts.
/// A value longer than [`MAX_RETRY_AFTER_LEN`] is not a date.
pub fn parse_http_date(value: &str, now: i64) -> Option<i64> {
    if value.len() > MAX_RETRY_AFTER_LEN {
        return None;
    }
    let words: Vec<&str> = value.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
    let (day, month, year, time) = match words.as_slice() {
        [weekday, day, month, year, time, "GMT"] if is_weekday(weekday, true) => {
            (*day, *month, year_digits(year, 4)?, *time)
        }
        [weekday, date, time, "GMT"] if is_weekday(weekday, true) => {
            let mut parts = date.split('-');
            let (day, month, yy) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() {
                return None;
            }
            (day, month, rfc850_year(year_digits(yy, 2)?, now), *time)
        }
        [weekday, month, day, time, year] if is_weekday(weekday, false) => {
            (*day, *month, year_digits(year, 4)?, *time)
        }
        _ => return None,
    };
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))?;
    let month = u32::try_from(month).ok()? + 1;
    let day = number(day, 1, 2)?;
    let mut clock = time.split(':');
    let hour = number(clock.next()?, 2, 2)?;
    let minute = number(clock.next()?, 2, 2)?;
    let second = number(clock.next()?, 2, 2)?;
    // RFC 9110 allows second 60 (a leap second).
    if clock.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    // A year near `now`'s (RFC 850's two digits) can be far off when `now` is:
    // the arithmetic is checked rather than trusted.
    let days = days_from_civil(year, month, day)?;
    days.checked_mul(86_400)?
        .checked_add(i64::from(hour * 3600 + minute * 60 + second))
}

/// A weekday name followed by a comma (IMF-fixdate, RFC 850) or not (asctime);
/// short or long names are both taken.
fn is_weekday(word: &str, comma: bool) -> bool {
    let name = if comma {
        match word.strip_suffix(',') {
            Some(name) => name,
            None => return false,
        }
    } else {
        word
    };
    name.len() >= 3 && name.bytes().all(|b| b.is_ascii_alphabetic())
}

/// `min_len` to `max_len` ASCII digits as a number (at most 4 digits here, so it fits).
fn number(text: &str, min_len: usize, max_len: usize) -> Option<u32> {
    if text.len() < min_len || text.len() > max_len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn year_digits(text: &str, len: usize) -> Option<i64> {
    number(text, len, len).map(i64::from)
}

/// RFC 9110 §5.6.7: a two-digit year is the next year (this one included)
/// with those digits, unless that is more than 50 years in the future: then
/// it is the most recent past year with them.
fn rfc850_year(yy: i64, now: i64) -> i64 {
    // The current year to within a day, which is all this rule needs.
    let this_year = 1970 + now.div_euclid(31_556_952);
    let mut year = this_year - this_year.rem_euclid(100) + yy;
    if year < this_year {
        year += 100;
    }
    if year > this_year + 50 {
        year -= 100;
    }
    year
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date: count whole 400-year
/// cycles (146097 days each) from a year that starts in March, so the leap
/// day falls at the end of the counted year.
fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    let year = if month <= 2 { year - 1 } else { year };
    let cycle = year.div_euclid(400);
    let year_of_cycle = year - cycle * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_cycle = year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;
    // 719468 days separate 0000-03-01 from 1970-01-01.
    cycle
        .checked_mul(146_097)?
        .checked_add(day_of_cycle - 719_468)
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
