//! Answering a challenge: nonce counts and cnonces, the qop chosen, `username*`, control
//! characters refused, retries on a stale nonce, and the request target.

use super::*;

#[test]
fn nonce_count_goes_up_per_nonce_and_restarts_with_a_new_one() {
    let ch = one(RFC2617);
    let mut state = DigestState::new();
    let nc = |h: &str| param(h, "nc");
    let first = state
        .authorization_with_cnonce(
            &ch,
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            None,
            "0a4f113b",
        )
        .unwrap();
    assert_eq!(nc(&first).as_deref(), Some("00000001"));
    let second = state
        .authorization_with_cnonce(
            &ch,
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            None,
            "0a4f113b",
        )
        .unwrap();
    assert_eq!(nc(&second).as_deref(), Some("00000002"));
    // hashlib: the RFC 2617 §3.5 inputs with nc=00000002.
    assert_eq!(
        param(&second, "response").as_deref(),
        Some("15b6bb427e3fecd23a43cb702ce447d5")
    );
    let pre = state
        .preemptive("Mufasa", "Circle Of Life", "GET", "/other", None)
        .unwrap()
        .expect("a remembered challenge");
    assert_eq!(nc(&pre).as_deref(), Some("00000003"));
    assert_eq!(state.nonce_count(), 3);

    let renewed = one(&RFC2617.replace("dcd98b", "0000ff"));
    let third = state
        .authorization(&renewed, "Mufasa", "x", "GET", "/", None)
        .unwrap();
    assert_eq!(nc(&third).as_deref(), Some("00000001"));
    let cnonce = param(&third, "cnonce").unwrap();
    assert_eq!(cnonce.len(), 32);
    assert!(cnonce.bytes().all(|b| b.is_ascii_hexdigit()));

    state.reset();
    assert!(state
        .preemptive("u", "p", "GET", "/", None)
        .unwrap()
        .is_none());
}

#[test]
fn random_cnonces_differ() {
    let ch = one(RFC2617);
    let a = DigestState::new()
        .authorization(&ch, "u", "p", "GET", "/", None)
        .unwrap();
    let b = DigestState::new()
        .authorization(&ch, "u", "p", "GET", "/", None)
        .unwrap();
    assert_ne!(param(&a, "cnonce"), param(&b, "cnonce"));
}

#[test]
fn qop_auth_is_preferred_and_auth_int_without_body_hashes_nothing() {
    let ch = one("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int, auth\"");
    assert!(answer(&ch, "u", "p", "c").contains(", qop=auth, "));
    let ch = one("Digest realm=\"r\", nonce=\"n\", qop=\"AUTH-INT\"");
    let mut s1 = DigestState::new();
    let mut s2 = DigestState::new();
    let none = s1
        .authorization_with_cnonce(&ch, "u", "p", "GET", "/", None, "c")
        .unwrap();
    let empty = s2
        .authorization_with_cnonce(&ch, "u", "p", "GET", "/", Some(b""), "c")
        .unwrap();
    assert_eq!(none, empty);
}

#[test]
fn a_name_a_quoted_string_cannot_carry_goes_in_username_star() {
    let ch = one(RFC2617);
    let got = answer(&ch, "J\u{e4}s\u{f8}n Doe", "p", "c");
    assert!(
        got.starts_with("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, "),
        "{got}"
    );
    let got = answer(&ch, "a\r\nb", "p", "c");
    assert!(
        got.starts_with("Digest username*=UTF-8''a%0D%0Ab, "),
        "{got}"
    );
}

#[test]
fn control_characters_from_the_server_are_refused() {
    let mut ch = one(RFC2617);
    ch.realm = "a\nb".into();
    let e = DigestState::new()
        .authorization_with_cnonce(&ch, "u", "p", "GET", "/", None, "c")
        .unwrap_err();
    assert!(matches!(e, Error::InvalidHeader(m) if m.contains("realm")));
}

#[test]
fn retries_one_then_once_more_for_a_stale_nonce() {
    let first = one(RFC2617);
    let mut stale = one(&RFC2617.replace("dcd98b", "aaaaaa"));
    stale.stale = true;
    let mut newer = one(&RFC2617.replace("dcd98b", "bbbbbb"));
    newer.stale = true;

    let mut r = Retries::default();
    assert!(r.allow(&first));
    assert!(!r.allow(&first), "a second 401 without stale is final");

    let mut r = Retries::default();
    assert!(r.allow(&first));
    assert!(r.allow(&stale), "stale with a new nonce: once more");
    assert!(!r.allow(&newer), "only one stale retry");

    let mut r = Retries::default();
    assert!(r.allow(&stale));
    assert!(!r.allow(&stale), "stale with the same nonce is final");
}

#[test]
fn request_target_is_path_and_query() {
    let url = url::Url::parse("http://h/a%20b?x=1&y").unwrap();
    assert_eq!(request_target(&url), "/a%20b?x=1&y");
    assert_eq!(request_target(&url::Url::parse("http://h").unwrap()), "/");
}
