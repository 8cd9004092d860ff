//! Property tests (run longer with PROPTEST_CASES): any challenge text parses within bounds,
//! Digest challenges read back as sent, and answers are valid headers or typed errors.

use super::*;
use proptest::prelude::*;

/// A strategy for strings matching `pattern`, compiled once (a `&str` strategy compiles its
/// regex again for every value).
fn re(pattern: &str) -> proptest::string::RegexGeneratorStrategy<String> {
    proptest::string::string_regex(pattern).expect("a valid regex")
}

/// A quoted-string of `s` (RFC 9110 §5.6.4), written independently of `quote`.
fn quoted(s: &str) -> String {
    let escaped: String = s
        .chars()
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

/// A Digest challenge as a server could send it: the known parameters first, then extras.
#[derive(Debug, Clone)]
struct Offer {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    algorithm: Option<&'static str>,
    qop: Vec<&'static str>,
    stale: bool,
    userhash: bool,
    extras: Vec<(String, String)>,
}

impl Offer {
    fn params(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("realm".to_string(), self.realm.clone()),
            ("nonce".to_string(), self.nonce.clone()),
        ];
        if let Some(o) = &self.opaque {
            out.push(("opaque".into(), o.clone()));
        }
        if let Some(a) = self.algorithm {
            out.push(("algorithm".into(), a.into()));
        }
        if !self.qop.is_empty() {
            out.push(("qop".into(), self.qop.join(", ")));
        }
        if self.stale {
            out.push(("stale".into(), "TRUE".into()));
        }
        if self.userhash {
            out.push(("userhash".into(), "true".into()));
        }
        out.extend(self.extras.iter().cloned());
        out
    }

    fn header(&self) -> String {
        let params: Vec<String> = self
            .params()
            .iter()
            .map(|(n, v)| format!("{n}={}", quoted(v)))
            .collect();
        format!("Digest {}", params.join(" ,"))
    }
}

/// Any text, short: cheaper to generate than `any::<String>()`, and as varied per character.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter)
}

fn offer() -> impl Strategy<Value = Offer> {
    let algorithms = prop::sample::select(vec![
        "MD5",
        "md5",
        "MD5-sess",
        "SHA",
        "SHA-256",
        "sha-256-SESS",
        "SHA-512-256",
        "SHA-512-256-sess",
        "SHA-512",
        "bogus",
    ]);
    let qops = prop::sample::subsequence(vec!["auth-conf", "auth-int", "AUTH", "auth"], 0..=4);
    (
        text(),
        text(),
        proptest::option::of(text()),
        proptest::option::of(algorithms),
        qops,
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(text(), 0..40),
    )
        .prop_map(
            |(realm, nonce, opaque, algorithm, qop, stale, userhash, extras)| Offer {
                realm,
                nonce,
                opaque,
                algorithm,
                qop,
                stale,
                userhash,
                // Token names other than the Digest ones (`x-0`, `X-1`, ...).
                extras: extras
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{}-{i}", if i % 2 == 0 { "x" } else { "X" }), v))
                    .collect(),
            },
        )
}

/// Up to 30 of `pieces`, concatenated.
fn pieces(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::collection::vec(prop::sample::select(pieces), 0..30).prop_map(|v| v.concat())
}

/// Text the parser treats specially, mixed with anything.
fn challenge_text() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        pieces(&[
            "Digest",
            "Basic",
            "nonce",
            "realm",
            "qop",
            "algorithm",
            "auth",
            "auth-int",
            "MD5",
            "SHA-256",
            "stale",
            "true",
            " ",
            "\t",
            ",",
            "=",
            "\"",
            "\\",
            "a",
            "/",
            "+",
            "\u{e9}",
        ]),
    ]
}

fn control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && c != '\t')
}

proptest! {
    // Any `WWW-Authenticate` values: parsing stays within its bounds, every challenge has a
    // token as its scheme, and choosing one is `Ok` or the typed `Unsupported`, never a panic.
    #[test]
    fn prop_any_challenge_values_parse_within_bounds_to_typed_results(
        values in proptest::collection::vec(challenge_text(), 0..4),
    ) {
        for value in &values {
            let all = parse_challenges(value);
            prop_assert!(all.len() <= MAX_CHALLENGES);
            for ch in &all {
                prop_assert!(!ch.scheme.is_empty());
                prop_assert!(ch.scheme.bytes().all(crate::headers::is_tchar));
                prop_assert!(ch.params.len() <= MAX_CHALLENGE_PARAMS);
            }
        }
        match select_digest(values.iter().map(String::as_str)) {
            Ok(_) | Err(Error::Unsupported(_)) => {}
            Err(e) => prop_assert!(false, "unexpected error {:?}", e),
        }
    }

    // A Digest challenge with any parameter values (escaped in quoted strings) and any number
    // of extra parameters reads back as sent: the first MAX_CHALLENGE_PARAMS parameters in
    // order, and the Digest fields; an unknown algorithm or only unknown qops are Unsupported.
    #[test]
    fn prop_digest_challenges_with_any_params_read_back_as_sent(offer in offer()) {
        let header = offer.header();
        let all = parse_challenges(&header);
        prop_assert_eq!(all.len(), 1);
        let want: Vec<(String, String)> =
            offer.params().into_iter().take(MAX_CHALLENGE_PARAMS).collect();
        prop_assert_eq!(&all[0].params, &want);

        let known_alg = offer.algorithm.is_none_or(|a| Algorithm::from_name(a).is_some());
        let known_qop = offer.qop.is_empty()
            || offer.qop.iter().any(|q| q.eq_ignore_ascii_case("auth") || *q == "auth-int");
        match select_digest([header.as_str()]) {
            Ok(Some(ch)) => {
                prop_assert!(known_alg && known_qop);
                prop_assert_eq!(&ch.realm, &offer.realm);
                prop_assert_eq!(&ch.nonce, &offer.nonce);
                prop_assert_eq!(&ch.opaque, &offer.opaque);
                prop_assert_eq!(ch.algorithm_name.as_deref(), offer.algorithm);
                prop_assert_eq!(ch.stale, offer.stale);
                prop_assert_eq!(ch.userhash, offer.userhash);
            }
            Err(Error::Unsupported(_)) => prop_assert!(!(known_alg && known_qop)),
            other => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    // Digest challenges made of the pieces the parser treats specially, in any order: parsing
    // and choosing never panic, and a chosen challenge is answered, or refused with a typed
    // error (InvalidHeader for control characters, Unsupported for an unknown qop).
    #[test]
    fn prop_challenges_of_special_pieces_are_answered_or_refused_typed(
        rest in pieces(&[
            "Digest", "Basic", " ", "\t", ",", "=", "\"", "\\", "nonce", "realm", "qop", "auth",
            "auth-int", "algorithm", "MD5-sess", "SHA-512-256", "userhash", "true", "opaque",
            "\u{e9}", "\u{1f600}", "\n", "x/+",
        ]),
        body in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..8)),
    ) {
        let value = format!("Digest nonce={rest}");
        let _ = parse_challenges(&value);
        if let Some(ch) = find_digest([value.as_str()]) {
            let got = DigestState::new()
                .authorization_with_cnonce(&ch, &value, &value, "GET", "/", body.as_deref(), "c");
            match got {
                Ok(v) => prop_assert!(crate::headers::validate_value("Authorization", &v).is_ok()),
                Err(Error::InvalidHeader(_) | Error::Unsupported(_)) => {}
                Err(e) => prop_assert!(false, "{:?}", e),
            }
        }
    }

    // Answering any challenge with any credentials, method, URI and body: a control character
    // from the server or in the URI is InvalidHeader; otherwise the answer is a valid header
    // value that reads back (realm, nonce, opaque, uri, user name) with a hex response of the
    // algorithm's length, and a second answer to the same nonce counts up.
    #[test]
    fn prop_answers_are_valid_headers_that_read_back_or_typed_errors(
        offer in offer(),
        username in text(),
        password in text(),
        method in re("[A-Z]{1,7}"),
        uri in text(),
        body in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
    ) {
        let Ok(Some(ch)) = select_digest([offer.header().as_str()]) else {
            return Ok(());
        };
        let mut state = DigestState::new();
        let got = state.authorization_with_cnonce(
            &ch, &username, &password, &method, &uri, body.as_deref(), "c");
        let bad = control(&ch.realm)
            || control(&ch.nonce)
            || ch.opaque.as_deref().is_some_and(control)
            || control(&uri);
        let got = match got {
            Err(Error::InvalidHeader(_)) if bad => return Ok(()),
            Ok(got) if !bad => got,
            other => {
                prop_assert!(false, "bad={} but {:?}", bad, other);
                unreachable!()
            }
        };
        prop_assert!(crate::headers::validate_value("Authorization", &got).is_ok(), "{}", got);
        let back = parse_challenges(&got);
        prop_assert_eq!(back.len(), 1);
        let back = &back[0];
        prop_assert!(back.is_scheme("Digest"));
        prop_assert_eq!(back.param("realm"), Some(ch.realm.as_str()));
        prop_assert_eq!(back.param("nonce"), Some(ch.nonce.as_str()));
        prop_assert_eq!(back.param("uri"), Some(uri.as_str()));
        prop_assert_eq!(back.param("opaque"), ch.opaque.as_deref());
        let printable = username.chars().all(|c| c == '\t' || (' '..='~').contains(&c));
        if !ch.userhash && printable {
            prop_assert_eq!(back.param("username"), Some(username.as_str()));
        } else if !ch.userhash {
            prop_assert!(back.param("username*").is_some_and(|u| u.starts_with("UTF-8''")));
        }
        let response = back.param("response").unwrap_or_default();
        let hex_len = match ch.algorithm {
            Algorithm::Md5 | Algorithm::Md5Sess => 32,
            Algorithm::Sha1 => 40,
            Algorithm::Sha512 | Algorithm::Sha512Sess => 128,
            _ => 64,
        };
        prop_assert_eq!(response.len(), hex_len);
        prop_assert!(response.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        if !ch.qop.is_empty() {
            prop_assert_eq!(back.param("nc"), Some("00000001"));
            let again = state.authorization_with_cnonce(
                &ch, &username, &password, &method, &uri, body.as_deref(), "c").unwrap();
            let nc = param(&again, "nc");
            prop_assert_eq!(nc.as_deref(), Some("00000002"));
        }
    }
}
