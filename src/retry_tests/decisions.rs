//! What is retried: connect and read errors by method, errors no retry can fix, the counts
//! spent per kind and in total, statuses and the forcelist, and the exhausted error.

use super::*;

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
fn the_exhausted_error_names_the_url_without_userinfo_and_the_status() {
    let url = url::Url::parse("http://u:p@h.test/x?q=1").unwrap();
    let e = exhausted(&url, 503);
    assert!(matches!(&e, Error::Retry(_)));
    assert_eq!(
        e.to_string(),
        "Max retries exceeded with url: http://h.test/x?q=1 (too many 503 error responses)"
    );
}
