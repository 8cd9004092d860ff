//! `Retry-After`: the wait it sets and its cap, HTTP-dates in all three forms, RFC 850 years,
//! the length limit, and clocks at the ends of time.

use super::*;

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
