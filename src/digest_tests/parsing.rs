//! Reading `WWW-Authenticate`: several schemes in one value, quoting and case, odd values,
//! and which Digest challenge is chosen (a nonce needed, unsupported ones, the strongest).

use super::*;

#[test]
fn several_schemes_in_one_value() {
    let v = "Basic realm=\"x\", Digest realm=\"y\", nonce=\"n1\", qop=\"auth,auth-int\", \
             algorithm=SHA-256, Negotiate, Bearer abc.def==";
    let all = parse_challenges(v);
    let schemes: Vec<&str> = all.iter().map(|c| c.scheme.as_str()).collect();
    assert_eq!(schemes, ["Basic", "Digest", "Negotiate", "Bearer"]);
    assert_eq!(all[0].params, [("realm".to_string(), "x".to_string())]);
    assert_eq!(all[1].param("NONCE"), Some("n1"));
    assert_eq!(all[2].params, []);
    assert_eq!(all[3].token68.as_deref(), Some("abc.def=="));

    let ch = find_digest([v]).unwrap();
    assert_eq!(
        (ch.realm.as_str(), ch.nonce.as_str(), ch.algorithm),
        ("y", "n1", Algorithm::Sha256)
    );
    assert_eq!(ch.qop, ["auth", "auth-int"]);
}

#[test]
fn quoted_strings_escapes_and_case() {
    let v = "dIgEsT REALM=\"say \\\"hi\\\", then \\\\ leave\" ,, NoNcE = \"a,b\" ,\
             Opaque=\"\", STALE=TRUE, algorithm=\"md5\"";
    let ch = find_digest([v]).unwrap();
    assert_eq!(ch.realm, "say \"hi\", then \\ leave");
    assert_eq!(ch.nonce, "a,b");
    assert_eq!(ch.opaque.as_deref(), Some(""));
    assert!(ch.stale);
    assert_eq!(ch.algorithm, Algorithm::Md5);
    // Quoted back with escapes, the algorithm echoed as spelled and unquoted.
    let got = answer(&ch, "a\"b", "p", "c");
    assert!(
        got.starts_with("Digest username=\"a\\\"b\", realm=\"say \\\"hi\\\", then \\\\ leave\", nonce=\"a,b\", uri=\"/dir/index.html\", algorithm=md5, "),
        "{got}"
    );
    assert_eq!(param(&got, "realm").as_deref(), Some(ch.realm.as_str()));
}

#[test]
fn unquoted_and_odd_values() {
    let ch = find_digest(["Digest realm=r, nonce=abc+/def==, qop=auth, stale=false"]).unwrap();
    assert_eq!(ch.realm, "r");
    assert_eq!(ch.nonce, "abc+/def==");
    assert_eq!(ch.qop, ["auth"]);
    assert!(!ch.stale);
    // Junk elements are skipped; an unterminated quote ends the value.
    let all = parse_challenges("=x, @@, Digest nonce=\"n\", realm=\"open");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].param("nonce"), Some("n"));
    assert_eq!(all[0].param("realm"), None);
    assert!(parse_challenges("").is_empty());
    assert!(parse_challenges(" , ,").is_empty());
    assert_eq!(parse_challenges("Digest")[0].params, []);
    // Never panics on arbitrary text.
    for s in [
        "\"",
        "\\",
        "Digest \"",
        "Digest a=\"\\",
        "Digest a=\u{e9}\u{e9}, \u{1f600}",
        "a b c",
    ] {
        let _ = parse_challenges(s);
    }
}

#[test]
fn a_digest_challenge_needs_a_nonce() {
    assert_eq!(find_digest(["Digest realm=\"x\", qop=\"auth\""]), None);
    assert!(matches!(select_digest(["Basic realm=\"x\""]), Ok(None)));
    assert_eq!(find_digest(std::iter::empty()), None);
}

#[test]
fn unsupported_digest_challenges_are_typed_errors() {
    let e = select_digest(["Digest realm=\"x\", nonce=\"n\", algorithm=SHA-384"]).unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported(m) if m.contains("\"SHA-384\"")),
        "{e}"
    );
    let e = select_digest(["Digest realm=\"x\", nonce=\"n\", qop=\"auth-conf\""]).unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported(m) if m.contains("auth-conf")),
        "{e}"
    );
    // A supported challenge beside an unsupported one wins.
    let ch = select_digest([
        "Digest realm=\"x\", nonce=\"n\", algorithm=SHA-384",
        "Digest realm=\"x\", nonce=\"m\", algorithm=MD5",
    ])
    .unwrap()
    .unwrap();
    assert_eq!(ch.nonce, "m");
}

#[test]
fn the_strongest_algorithm_wins_and_ties_keep_the_first() {
    let offer = |alg: &str, nonce: &str| {
        format!("Digest realm=\"r\", nonce=\"{nonce}\", qop=\"auth\", algorithm={alg}")
    };
    let values = [
        offer("MD5", "1"),
        offer("SHA", "2"),
        offer("SHA-256-sess", "3"),
        offer("SHA-256", "4"),
        offer("SHA-512-256", "5"),
        offer("SHA-512-256-sess", "6"),
    ];
    let ch = find_digest(values.iter().map(String::as_str)).unwrap();
    assert_eq!(ch.nonce, "5");
    let ch = find_digest(values[..4].iter().map(String::as_str)).unwrap();
    assert_eq!(ch.nonce, "3");
    let joined = values[..2].join(", ");
    assert_eq!(find_digest([joined.as_str()]).unwrap().nonce, "2");
}
