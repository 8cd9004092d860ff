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
