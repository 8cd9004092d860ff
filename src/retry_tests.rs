//! Unit tests of `retry`: policy validation, backoff and jitter, which failures and statuses
//! are retried, and `Retry-After`.

use super::*;

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

#[test]
fn the_default_is_valid_and_documented() {
    let p = RetryPolicy::default();
    p.validate().unwrap();
    assert_eq!(
        (
            p.total,
            p.backoff_factor_ms,
            p.backoff_max_ms,
            p.backoff_jitter_ms
        ),
        (3, 100, 10_000, 50)
    );
    assert!(p.status_forcelist.is_empty() && p.respect_retry_after);
    assert!(p.allows("GET") && p.allows("delete") && !p.allows("POST") && !p.allows("PATCH"));
}

#[test]
fn validation_rejects_what_makes_no_sense() {
    let bad = [
        RetryPolicy {
            backoff_factor_ms: 100,
            backoff_max_ms: 99,
            ..policy()
        },
        RetryPolicy {
            status_forcelist: vec![503, 600],
            ..policy()
        },
        RetryPolicy {
            status_forcelist: vec![99],
            ..policy()
        },
        RetryPolicy {
            allowed_methods: Some(vec!["GE T".into()]),
            ..policy()
        },
        RetryPolicy {
            allowed_methods: Some(vec![String::new()]),
            ..policy()
        },
    ];
    for p in bad {
        assert!(
            matches!(p.validate(), Err(Error::InvalidOption(_))),
            "{p:?}"
        );
    }
    RetryPolicy {
        allowed_methods: Some(vec!["post".into()]),
        status_forcelist: vec![500, 502],
        ..policy()
    }
    .validate()
    .unwrap();
}

#[test]
fn backoff_doubles_from_the_factor_up_to_the_cap() {
    let p = policy();
    let waits: Vec<_> = (1..=5).map(|n| p.backoff(n)).collect();
    assert_eq!(waits, [ms(10), ms(20), ms(40), ms(50), ms(50)]);
    // Huge retry numbers and factors saturate instead of overflowing.
    let big = RetryPolicy {
        backoff_factor_ms: u32::MAX,
        backoff_max_ms: u32::MAX,
        ..policy()
    };
    assert_eq!(big.backoff(u32::MAX), ms(u64::from(u32::MAX)));
    assert_eq!(
        RetryPolicy {
            backoff_factor_ms: 0,
            ..policy()
        }
        .backoff(3),
        Duration::ZERO
    );
}

#[test]
fn jitter_is_added_on_top_of_the_cap_and_bounded() {
    let p = RetryPolicy {
        backoff_jitter_ms: 7,
        ..policy()
    };
    let mut state = RetryState {
        total: 2,
        ..RetryState::default()
    };
    let refused = Error::ConnectionRefused("x".into());
    let d = state.decide_with_jitter(&p, "GET", Outcome::Error(&refused), NOW, 5);
    assert_eq!(d, Decision::Retry { after: ms(40 + 5) });
    // A jitter larger than the policy's is held to it.
    let d = state.decide_with_jitter(
        &RetryPolicy {
            total: 9,
            ..p.clone()
        },
        "GET",
        Outcome::Error(&refused),
        NOW,
        1000,
    );
    assert_eq!(d, Decision::Retry { after: ms(50 + 7) });
    for _ in 0..200 {
        assert!(random_jitter(3) <= 3);
    }
    assert_eq!(random_jitter(0), 0);
}

#[test]
fn connect_errors_are_retried_for_every_method() {
    for error in [
        Error::ConnectionRefused("x".into()),
        Error::Dns("x".into()),
        Error::ConnectTimeout("x".into()),
        Error::Tls("x".into()),
    ] {
        let mut state = RetryState::default();
        let d = state.decide(&policy(), "POST", Outcome::Error(&error), NOW);
        assert_eq!(d, Decision::Retry { after: ms(10) }, "{error:?}");
        assert_eq!(
            state,
            RetryState {
                total: 1,
                connect: 1,
                ..RetryState::default()
            }
        );
    }
}

#[test]
fn read_errors_are_retried_only_for_allowed_methods() {
    let errors = [
        Error::ReadTimeout("x".into()),
        Error::Connection("reset".into()),
        Error::Transport {
            code: "HTTP-protocol-error".into(),
            detail: None,
        },
        Error::Transport {
            code: "internal-error".into(),
            detail: Some("x".into()),
        },
    ];
    for error in &errors {
        let mut state = RetryState::default();
        assert!(matches!(
            state.decide(&policy(), "GET", Outcome::Error(error), NOW),
            Decision::Retry { .. }
        ));
        assert_eq!(state.read, 1);
        for method in ["POST", "PATCH", "CONNECT"] {
            let mut state = RetryState::default();
            assert_eq!(
                state.decide(&policy(), method, Outcome::Error(error), NOW),
                Decision::Stop,
                "{method} {error:?}"
            );
            assert_eq!(state, RetryState::default());
        }
    }
    // Listing POST does not make it retryable; the list only narrows.
    let listed = RetryPolicy {
        allowed_methods: Some(vec!["POST".into(), "PUT".into()]),
        ..policy()
    };
    let mut state = RetryState::default();
    assert_eq!(
        state.decide(&listed, "POST", Outcome::Error(&errors[0]), NOW),
        Decision::Stop
    );
    assert_eq!(
        state.decide(&listed, "GET", Outcome::Error(&errors[0]), NOW),
        Decision::Stop
    );
    assert!(matches!(
        state.decide(&listed, "PUT", Outcome::Error(&errors[0]), NOW),
        Decision::Retry { .. }
    ));
}

#[test]
fn errors_no_retry_can_fix_are_never_retried() {
    for error in [
        Error::InvalidUrl("x".into()),
        Error::InvalidHeader("x".into()),
        Error::Unsupported("x".into()),
        Error::SessionClosed,
        Error::Transport {
            code: "HTTP-request-denied".into(),
            detail: None,
        },
        Error::Transport {
            code: "HTTP-request-URI-too-long".into(),
            detail: None,
        },
        Error::Transport {
            code: "configuration-error".into(),
            detail: None,
        },
    ] {
        let mut state = RetryState::default();
        assert_eq!(
            state.decide(&policy(), "GET", Outcome::Error(&error), NOW),
            Decision::Stop,
            "{error:?}"
        );
    }
}

#[test]
fn counts_are_spent_per_kind_and_in_total() {
    let p = RetryPolicy {
        total: 3,
        connect: Some(1),
        read: Some(0),
        status: Some(2),
        status_forcelist: vec![503],
        ..policy()
    };
    let refused = Error::ConnectionRefused("x".into());
    let timeout = Error::ReadTimeout("x".into());
    let mut state = RetryState::default();
    assert!(matches!(
        state.decide(&p, "GET", Outcome::Error(&refused), NOW),
        Decision::Retry { .. }
    ));
    assert_eq!(
        state.decide(&p, "GET", Outcome::Error(&refused), NOW),
        Decision::Exhausted
    );
    assert_eq!(
        state.decide(&p, "GET", Outcome::Error(&timeout), NOW),
        Decision::Exhausted
    );
    assert!(matches!(
        state.decide(&p, "GET", status(503, None), NOW),
        Decision::Retry { .. }
    ));
    assert!(matches!(
        state.decide(&p, "GET", status(503, None), NOW),
        Decision::Retry { .. }
    ));
    // total (3) is spent before status (2 used of 2) would be.
    assert_eq!(
        state,
        RetryState {
            total: 3,
            connect: 1,
            read: 0,
            status: 2
        }
    );
    assert_eq!(
        state.decide(&p, "GET", status(503, None), NOW),
        Decision::Exhausted
    );
    let mut fresh = RetryState::default();
    let none = RetryPolicy { total: 0, ..p };
    assert_eq!(
        fresh.decide(&none, "GET", Outcome::Error(&refused), NOW),
        Decision::Exhausted
    );
    // A success is never retried, budget or not.
    assert_eq!(
        fresh.decide(&policy(), "GET", status(200, None), NOW),
        Decision::Stop
    );
}

#[test]
fn statuses_follow_the_forcelist_and_the_retry_after_rule() {
    let forced = RetryPolicy {
        status_forcelist: vec![500, 502],
        ..policy()
    };
    let cases = [
        (&forced, "GET", 502, None, true),
        (&forced, "GET", 504, None, false),
        (&forced, "POST", 502, None, false),
        // urllib3's RETRY_AFTER_STATUS_CODES: retried with Retry-After, even off the forcelist.
        (&forced, "GET", 503, Some("1"), true),
        (&forced, "GET", 429, Some("1"), true),
        (&forced, "GET", 413, Some("1"), true),
        (&forced, "GET", 503, None, false),
        (&forced, "GET", 418, Some("1"), false),
        (&forced, "POST", 429, Some("1"), false),
    ];
    for (p, method, code, retry_after, retried) in cases {
        let d = RetryState::default().decide(p, method, status(code, retry_after), NOW);
        assert_eq!(
            matches!(d, Decision::Retry { .. }),
            retried,
            "{method} {code} {retry_after:?}"
        );
    }
    let ignoring = RetryPolicy {
        respect_retry_after: false,
        ..policy()
    };
    assert_eq!(
        RetryState::default().decide(&ignoring, "GET", status(503, Some("1")), NOW),
        Decision::Stop
    );
}

#[test]
fn retry_after_replaces_the_backoff_and_is_capped() {
    let p = RetryPolicy {
        status_forcelist: vec![503],
        retry_after_max_ms: 3_000,
        backoff_jitter_ms: 9,
        ..policy()
    };
    let wait = |retry_after: Option<&str>| match RetryState::default().decide_with_jitter(
        &p,
        "GET",
        status(503, retry_after),
        NOW,
        9,
    ) {
        Decision::Retry { after } => after,
        other => panic!("{other:?}"),
    };
    assert_eq!(wait(Some("2")), ms(2_000));
    assert_eq!(wait(Some("0")), Duration::ZERO);
    assert_eq!(wait(Some("3600")), ms(3_000));
    assert_eq!(wait(Some("99999999999999999999999")), ms(3_000));
    assert_eq!(wait(Some("Thu, 01 Jan 2026 00:00:02 GMT")), ms(2_000));
    assert_eq!(wait(Some("Wed, 31 Dec 2025 00:00:00 GMT")), Duration::ZERO);
    // Unparseable: the backoff (with its jitter) instead.
    assert_eq!(wait(Some("soon")), ms(10 + 9));
    assert_eq!(wait(Some("-5")), ms(10 + 9));
    assert_eq!(wait(None), ms(10 + 9));
    // Not respected: the backoff, even when the header is there.
    let ignoring = RetryPolicy {
        respect_retry_after: false,
        ..p.clone()
    };
    let d =
        RetryState::default().decide_with_jitter(&ignoring, "GET", status(503, Some("2")), NOW, 0);
    assert_eq!(d, Decision::Retry { after: ms(10) });
}

#[test]
fn http_dates_parse_in_all_three_forms() {
    // RFC 9110 §5.6.7's example instant.
    let expected = 784_111_777;
    for text in [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "  Sun, 06 nov 1994 08:49:37 GMT\t",
    ] {
        assert_eq!(parse_http_date(text, NOW), Some(expected), "{text}");
    }
    assert_eq!(
        parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT", NOW),
        Some(0)
    );
    assert_eq!(
        parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT", NOW),
        Some(1_835_438_400)
    );
    assert_eq!(
        parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT", NOW),
        Some(253_402_300_799)
    );
    // RFC 850 years: more than 50 years ahead means the past century.
    assert_eq!(
        parse_http_date("Monday, 01-Jan-74 00:00:00 GMT", NOW),
        Some(3_281_990_400)
    );
    assert_eq!(
        parse_http_date("Saturday, 01-Jan-77 00:00:00 GMT", NOW),
        Some(220_924_800)
    );
    for bad in [
        "",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 29 Feb 2025 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 08:49:37:00 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 006 Nov 1994 08:49:37 GMT",
        "Sun 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94-1 08:49:37 GMT",
        "Sun Nov 6 08:49:37 94",
        "Sun, +6 Nov 1994 08:49:37 GMT",
        "1994-11-06T08:49:37Z",
        "Sün, 06 Nov 1994 08:49:37 GMT",
    ] {
        assert_eq!(parse_http_date(bad, NOW), None, "{bad:?}");
    }
}

#[test]
fn the_exhausted_error_names_the_url_without_userinfo_and_the_status() {
    let url = url::Url::parse("http://u:p@h.test/x?q=1").unwrap();
    let e = exhausted(&url, 503);
    assert!(matches!(&e, Error::Retry(_)));
    assert_eq!(
        e.to_string(),
        "Max retries exceeded with url: http://h.test/x?q=1 (too many 503 error responses)"
    );
}

#[test]
fn retry_after_values_past_the_length_limit_are_ignored() {
    let padded = format!("{}5", "0".repeat(MAX_RETRY_AFTER_LEN - 1));
    assert_eq!(
        parse_retry_after(&padded, NOW),
        Some(Duration::from_secs(5))
    );
    let longer = format!("0{padded}");
    assert_eq!(parse_retry_after(&longer, NOW), None);
    let spaced_date = format!("Sun, 06 Nov 1994 08:49:37 GMT{}", " ".repeat(64));
    assert_eq!(parse_http_date(&spaced_date, NOW), None);
    assert_eq!(parse_retry_after(&"9".repeat(1 << 20), NOW), None);
}

#[test]
fn rfc850_years_are_the_next_with_their_digits_unless_more_than_50_years_ahead() {
    // 2080-06-01: "10" is 2110 (30 years ahead), not 2010; "31" is 2031 (2131 is 51 ahead).
    let in_2080 = 3_484_512_000;
    let year_of = |text: &str, now: i64| {
        let at = parse_http_date(text, now).unwrap();
        1970 + at.div_euclid(31_556_952)
    };
    assert_eq!(year_of("Friday, 01-Jun-10 00:00:00 GMT", in_2080), 2110);
    assert_eq!(year_of("Friday, 01-Jun-30 00:00:00 GMT", in_2080), 2130);
    assert_eq!(year_of("Friday, 01-Jun-31 00:00:00 GMT", in_2080), 2031);
    assert_eq!(year_of("Friday, 01-Jul-80 00:00:00 GMT", in_2080), 2080);
    // At the first second of 3100 (the clock's year estimated as 3099), "00" is 3100.
    let new_year_3100 = 35_659_353_600;
    assert_eq!(
        parse_http_date("Friday, 01-Jan-00 00:00:00 GMT", new_year_3100),
        Some(new_year_3100)
    );
}

#[test]
fn a_clock_at_the_ends_of_time_gives_no_date_rather_than_overflowing() {
    for now in [i64::MIN, i64::MIN + 1, i64::MAX] {
        for text in [
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Friday, 31-Dec-99 23:59:59 GMT",
        ] {
            // Whatever the instant, no panic; a date is one `i64` can hold.
            let _ = parse_http_date(text, now);
            let _ = parse_retry_after(text, now);
        }
    }
    assert_eq!(
        parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", i64::MIN),
        None
    );
}

// ---------------------------------------------------------------------------------------------
// Property tests (run longer with PROPTEST_CASES)
// ---------------------------------------------------------------------------------------------

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
