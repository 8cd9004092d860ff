//! The policy's documented default and its validation, and the backoff it computes: doubling
//! up to the cap, and jitter.

use super::*;

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
