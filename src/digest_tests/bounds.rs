//! Bounds on what a server's `WWW-Authenticate` fields cost: long values, many parameters or
//! challenges, and linear-time parsing at the limit.

use super::*;

const OK_CHALLENGE: &str = "Digest realm=\"r\", nonce=\"n\", qop=\"auth\"";

#[test]
fn a_value_longer_than_the_limit_is_ignored_but_later_ones_are_read() {
    let huge = format!("{OK_CHALLENGE}, x=\"{}\"", "a".repeat(MAX_CHALLENGE_BYTES));
    assert!(parse_challenges(&huge).is_empty());
    assert_eq!(find_digest([huge.as_str()]), None);
    let ch = find_digest([huge.as_str(), OK_CHALLENGE]).expect("the second value");
    assert_eq!(ch.nonce, "n");
    // The budget is shared: values that fit are read until they pass it together.
    let half = format!(
        "{OK_CHALLENGE}, x=\"{}\"",
        "a".repeat(MAX_CHALLENGE_BYTES / 2)
    );
    assert!(find_digest([half.as_str()]).is_some());
    assert_eq!(
        find_digest([half.as_str(), half.as_str(), OK_CHALLENGE])
            .unwrap()
            .nonce,
        "n"
    );
    let other = half.replace("nonce=\"n\"", "nonce=\"m\"");
    assert_eq!(
        find_digest([half.as_str(), other.as_str()]).unwrap().nonce,
        "n",
        "the second half does not fit"
    );
}

#[test]
fn thousands_of_params_or_challenges_are_read_past_cheaply() {
    let params: String = (0..5000).map(|i| format!(", p{i}=v")).collect();
    let value = format!("{OK_CHALLENGE}{params}");
    assert!(value.len() < MAX_CHALLENGE_BYTES);
    let all = parse_challenges(&value);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].params.len(), MAX_CHALLENGE_PARAMS);
    assert_eq!(all[0].param("qop"), Some("auth"));
    assert!(find_digest([value.as_str()]).is_some());

    let many = vec![OK_CHALLENGE; 1000].join(", ");
    assert!(many.len() < MAX_CHALLENGE_BYTES);
    assert_eq!(parse_challenges(&many).len(), MAX_CHALLENGES);
    // A bare scheme per element: the most challenges a byte can start.
    assert_eq!(
        parse_challenges(&"a,".repeat(MAX_CHALLENGE_BYTES / 2)).len(),
        MAX_CHALLENGES
    );
}

#[test]
fn values_at_the_limit_parse_in_linear_time() {
    let fill = |piece: &str| piece.repeat(MAX_CHALLENGE_BYTES / piece.len());
    let cases = [
        fill("a "),
        fill("a="),
        fill("\""),
        fill("Digest a=\"\\\"\", "),
        fill("x=y "),
        fill(",="),
        fill("D a=b=c "),
    ];
    for value in &cases {
        assert!(value.len() <= MAX_CHALLENGE_BYTES);
        // No timing assertion: a quadratic regression would make this test crawl.
        let _ = select_digest([value.as_str(); 4]);
    }
}
