//! Property tests (run longer with PROPTEST_CASES): any `Retry-After` value, HTTP-dates read
//! back in every form, and retry decisions that keep to every limit.

use super::*;
use proptest::prelude::*;

/// A strategy for strings matching `pattern`, compiled once (a `&str` strategy compiles its
/// regex again for every value).
fn re(pattern: &str) -> proptest::string::RegexGeneratorStrategy<String> {
    proptest::string::string_regex(pattern).expect("a valid regex")
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`), written apart from the parser's inverse.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap();
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap();
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `at` in the three HTTP-date forms of RFC 9110 §5.6.7.
fn http_dates(at: i64) -> [String; 3] {
    const DAYS: [&str; 7] = [
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
    ];
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap()];
    let month = MONTHS[usize::try_from(m - 1).unwrap()];
    let time = format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    );
    [
        format!("{}, {d:02} {month} {y:04} {time} GMT", &weekday[..3]),
        format!("{weekday}, {d:02}-{month}-{:02} {time} GMT", y % 100),
        format!("{} {month} {d:>2} {time} {y:04}", &weekday[..3]),
    ]
}

/// The adapter errors an attempt can fail with, by number (`Error` is not `Clone`).
fn outcome_error(kind: usize) -> Error {
    let transport = |code: &str| Error::Transport {
        code: code.into(),
        detail: None,
    };
    match kind % 12 {
        0 => Error::ConnectionRefused("refused".into()),
        1 => Error::Dns("dns".into()),
        2 => Error::ConnectTimeout("ct".into()),
        3 => Error::Tls("tls".into()),
        4 => Error::ReadTimeout("rt".into()),
        5 => Error::Connection("reset".into()),
        6 => Error::InvalidUrl("bad".into()),
        7 => transport("HTTP-request-header-size"),
        8 => transport("configuration-error"),
        9 => transport("loop-detected"),
        10 => transport("internal-error"),
        _ => transport("connection-terminated"),
    }
}

/// One attempt's outcome: an error, or a status with any (or a valid) `Retry-After`.
#[derive(Debug)]
enum Attempt {
    Failed(usize),
    Answered(u16, Option<String>),
}

fn attempt() -> impl Strategy<Value = Attempt> {
    let retry_after = proptest::option::of(prop_oneof![
        any::<String>(),
        re("[0-9]{1,25}"),
        (0i64..4_000_000_000).prop_map(|t| http_dates(t)[0].clone()),
    ]);
    prop_oneof![
        (0usize..12).prop_map(Attempt::Failed),
        (
            prop_oneof![
                Just(413u16),
                Just(429),
                Just(500),
                Just(502),
                Just(503),
                100u16..600
            ],
            retry_after
        )
            .prop_map(|(s, r)| Attempt::Answered(s, r)),
    ]
}

fn any_policy() -> impl Strategy<Value = RetryPolicy> {
    (
        (
            0u32..6,
            prop::option::of(0u32..4),
            prop::option::of(0u32..4),
            prop::option::of(0u32..4),
        ),
        (any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()),
        proptest::collection::vec(
            prop_oneof![Just(500u16), Just(502), Just(503), 100u16..600],
            0..4,
        ),
        prop::option::of(prop::sample::subsequence(
            vec!["GET", "put", "POST", "DELETE"],
            0..=4,
        )),
        any::<bool>(),
    )
        .prop_map(
            |((total, connect, read, status), (f, m, j, ra), forcelist, methods, respect)| {
                RetryPolicy {
                    total,
                    connect,
                    read,
                    status,
                    backoff_factor_ms: f.min(m),
                    backoff_max_ms: f.max(m),
                    backoff_jitter_ms: j,
                    status_forcelist: forcelist,
                    allowed_methods: methods.map(|m| m.into_iter().map(str::to_string).collect()),
                    respect_retry_after: respect,
                    retry_after_max_ms: ra,
                }
            },
        )
}

proptest! {
    // Any `Retry-After` text and any clock: no panic; digits alone are that many seconds
    // (a number past u64 is the longest wait), and a date never asks for a negative wait.
    #[test]
    fn prop_any_retry_after_value_parses_without_panic_to_a_sane_wait(
        value in prop_oneof![any::<String>(), re("[ \t]{0,2}[0-9]{1,30}[ \t]{0,2}"), re("[A-Za-z0-9 ,:-]{0,40}")],
        now in any::<i64>(),
    ) {
        let got = parse_retry_after(&value, now);
        let trimmed = value.trim_matches([' ', '\t']);
        if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            let want = trimmed.parse::<u64>().unwrap_or(u64::MAX);
            prop_assert_eq!(got, Some(Duration::from_secs(want)));
        } else if let Some(at) = parse_http_date(trimmed, now) {
            let want = u64::try_from(at.saturating_sub(now)).unwrap_or(0);
            prop_assert_eq!(got, Some(Duration::from_secs(want)));
        } else {
            prop_assert_eq!(got, None);
        }
    }

    // Any instant from 1970 to 9999, written in each of the three HTTP-date forms, reads back
    // as that instant (the RFC 850 two-digit year resolved against a clock in the same year),
    // and a date N seconds ahead of the clock asks for a wait of N seconds.
    #[test]
    fn prop_http_dates_in_every_form_read_back_as_their_instant(
        at in 0i64..=253_402_300_799,
        ahead in 0i64..1_000_000,
    ) {
        for text in http_dates(at) {
            prop_assert_eq!(parse_http_date(&text, at), Some(at), "{}", text);
        }
        let now = at - ahead;
        let imf = &http_dates(at)[0];
        prop_assert_eq!(
            parse_retry_after(imf, now),
            Some(Duration::from_secs(u64::try_from(ahead).unwrap()))
        );
    }

    // Any policy and any run of attempts: the retries allowed never pass `total` nor the count
    // of their kind; every wait is within the backoff cap plus jitter, or within
    // `retry_after_max_ms` when the server asked for it; a method that is not idempotent is
    // retried only after a failure to connect, and an error no retry can fix never is.
    #[test]
    fn prop_retry_decisions_keep_to_every_limit(
        policy in any_policy(),
        method in prop::sample::select(vec!["GET", "PUT", "POST", "PATCH", "delete"]),
        attempts in proptest::collection::vec(attempt(), 1..12),
        jitter in any::<u32>(),
        now in any::<i64>(),
    ) {
        let mut state = RetryState::default();
        let mut retried = 0u32;
        for attempt in &attempts {
            let error = match attempt {
                Attempt::Failed(kind) => Some(outcome_error(*kind)),
                Attempt::Answered(..) => None,
            };
            let outcome = match (attempt, &error) {
                (_, Some(e)) => Outcome::Error(e),
                (Attempt::Answered(s, r), None) => Outcome::Status { status: *s, retry_after: r.as_deref() },
                (Attempt::Failed(_), None) => unreachable!(),
            };
            let decision = state.decide_with_jitter(&policy, method, outcome, now, jitter);
            let Decision::Retry { after } = decision else {
                continue;
            };
            retried += 1;
            let asked = match attempt {
                Attempt::Answered(_, Some(r)) if policy.respect_retry_after => {
                    parse_retry_after(r, now).is_some()
                }
                _ => false,
            };
            let cap = if asked {
                u64::from(policy.retry_after_max_ms)
            } else {
                u64::from(policy.backoff_max_ms) + u64::from(policy.backoff_jitter_ms)
            };
            prop_assert!(after <= Duration::from_millis(cap), "{:?} > {} ms", after, cap);
            match &error {
                Some(e) => {
                    prop_assert_ne!(classify(e), ErrorClass::Never);
                    if classify(e) == ErrorClass::Read {
                        prop_assert!(policy.allows(method));
                    }
                }
                None => prop_assert!(policy.allows(method)),
            }
        }
        prop_assert_eq!(state.total, retried);
        prop_assert!(state.total <= policy.total);
        prop_assert_eq!(state.total, state.connect + state.read + state.status);
        for (used, limit) in [
            (state.connect, policy.connect),
            (state.read, policy.read),
            (state.status, policy.status),
        ] {
            prop_assert!(limit.is_none_or(|l| used <= l));
        }
        if !DEFAULT_ALLOWED_METHODS.iter().any(|m| m.eq_ignore_ascii_case(method)) {
            prop_assert_eq!(state.read + state.status, 0);
        }
    }
}
