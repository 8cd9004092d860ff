//! Unit tests of `digest`: challenge parsing, the RFC 7616/2617/2069 known answers, nonce
//! counts and retries.

use super::challenge::{MAX_CHALLENGES, MAX_CHALLENGE_PARAMS};
use super::*;

/// RFC 7616 §3.9.1, the two challenges in one line each.
const RFC7616_SHA256: &str = "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
    algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
const RFC7616_MD5: &str = "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
    algorithm=MD5, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

/// RFC 2617 §3.5.
const RFC2617: &str = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
    nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

fn one(value: &str) -> DigestChallenge {
    find_digest([value]).expect("a Digest challenge")
}

fn answer(ch: &DigestChallenge, user: &str, pw: &str, cnonce: &str) -> String {
    DigestState::new()
        .authorization_with_cnonce(ch, user, pw, "GET", "/dir/index.html", None, cnonce)
        .expect("an answer")
}

fn param(header: &str, name: &str) -> Option<String> {
    let challenge = parse_challenges(header).into_iter().next()?;
    challenge.param(name).map(str::to_string)
}

#[test]
fn rfc7616_md5_example() {
    let got = answer(
        &one(RFC7616_MD5),
        "Mufasa",
        "Circle of Life",
        RFC7616_CNONCE,
    );
    assert_eq!(
        got,
        "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", \
         nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", uri=\"/dir/index.html\", \
         algorithm=MD5, response=\"8ca523f5e9506fed4657c9700eebdbec\", \
         opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\", qop=auth, nc=00000001, \
         cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\""
    );
}

#[test]
fn rfc7616_sha256_example_is_picked_over_md5() {
    // The RFC sends SHA-256 then MD5 in two fields; offer them the other way round too.
    for values in [[RFC7616_SHA256, RFC7616_MD5], [RFC7616_MD5, RFC7616_SHA256]] {
        let ch = find_digest(values).expect("a challenge");
        assert_eq!(ch.algorithm, Algorithm::Sha256);
        let got = answer(&ch, "Mufasa", "Circle of Life", RFC7616_CNONCE);
        assert_eq!(
            param(&got, "response").as_deref(),
            Some("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        );
        assert!(got.contains(", algorithm=SHA-256, "), "{got}");
    }
}

#[test]
fn rfc2617_example() {
    let got = answer(&one(RFC2617), "Mufasa", "Circle Of Life", "0a4f113b");
    assert_eq!(
        got,
        "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", \
         nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", \
         response=\"6629fae49393a05397450978507c4ef1\", \
         opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001, \
         cnonce=\"0a4f113b\""
    );
}

// The expected values below were computed with Python's hashlib (`hashlib.new("md5" |
// "sha1" | "sha256" | "sha512_256", ...)`, OpenSSL's implementations; `sha512_256` checked
// against FIPS 180-4's "abc" vector 53048e26...07e7af23) following RFC 7616 §3.4.1-§3.4.4.

#[test]
fn rfc2069_answer_without_qop() {
    let ch =
        one("Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"");
    let got = answer(&ch, "Mufasa", "Circle Of Life", "unused");
    assert_eq!(
        got,
        "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", \
         nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", \
         response=\"670fd8c2df070c60b045671b8b24ff02\""
    );
}

#[test]
fn md5_sess_hashes_nonce_and_cnonce_into_a1() {
    let ch = one(&RFC2617.replace("Digest ", "Digest algorithm=MD5-sess, "));
    assert_eq!(ch.algorithm, Algorithm::Md5Sess);
    let got = answer(&ch, "Mufasa", "Circle Of Life", "0a4f113b");
    assert_eq!(
        param(&got, "response").as_deref(),
        Some("8e3825c57e897f5a0dec6c2d4e5059d0")
    );
    assert!(got.contains(", algorithm=MD5-sess, "), "{got}");
}

#[test]
fn sha1_is_requests_sha() {
    let ch = one(&RFC2617.replace("Digest ", "Digest algorithm=SHA, "));
    assert_eq!(ch.algorithm, Algorithm::Sha1);
    let got = answer(&ch, "Mufasa", "Circle Of Life", "0a4f113b");
    assert_eq!(
        param(&got, "response").as_deref(),
        Some("5cad1ef3413cbff644a38245bb35d93574c97a04")
    );
}

#[test]
fn sha512_256_with_userhash_and_a_non_ascii_name() {
    // RFC 7616 §3.9.2's inputs. The digests printed there do not reproduce; these are
    // hashlib's (see above).
    let ch = one(
        "Digest realm=\"api@example.org\", qop=\"auth\", algorithm=SHA-512-256, \
         nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", \
         opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\", charset=UTF-8, userhash=true",
    );
    assert_eq!(ch.algorithm, Algorithm::Sha512_256);
    assert!(ch.userhash);
    assert_eq!(ch.charset.as_deref(), Some("UTF-8"));
    let got = DigestState::new()
        .authorization_with_cnonce(
            &ch,
            "J\u{e4}s\u{f8}n Doe",
            "Secret, or not?",
            "GET",
            "/doe.json",
            None,
            "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
        )
        .unwrap();
    assert_eq!(
        param(&got, "username").as_deref(),
        Some("793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b")
    );
    assert_eq!(
        param(&got, "response").as_deref(),
        Some("3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5")
    );
    assert!(got.ends_with(", userhash=true"), "{got}");
}

#[test]
fn sha256_sess_auth_int_hashes_the_body() {
    let ch = one(
        "Digest realm=\"http-auth@example.org\", qop=\"auth-int\", algorithm=SHA-256-sess, \
         nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\"",
    );
    let got = DigestState::new()
        .authorization_with_cnonce(
            &ch,
            "Mufasa",
            "Circle of Life",
            "POST",
            "/dir/index.html",
            Some(b"{\"a\":1}"),
            RFC7616_CNONCE,
        )
        .unwrap();
    assert_eq!(
        param(&got, "response").as_deref(),
        Some("b6ef89f80f15dd9624f086daa5d9840cb169851629b766a72c8948850462aa88")
    );
    assert!(got.contains(", qop=auth-int, nc=00000001, "), "{got}");
}

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
    let e = select_digest(["Digest realm=\"x\", nonce=\"n\", algorithm=SHA-512"]).unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported(m) if m.contains("\"SHA-512\"")),
        "{e}"
    );
    let e = select_digest(["Digest realm=\"x\", nonce=\"n\", qop=\"auth-conf\""]).unwrap_err();
    assert!(
        matches!(&e, Error::Unsupported(m) if m.contains("auth-conf")),
        "{e}"
    );
    // A supported challenge beside an unsupported one wins.
    let ch = select_digest([
        "Digest realm=\"x\", nonce=\"n\", algorithm=SHA-512",
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

// ---------------------------------------------------------------------------------------------
// Bounds on what a server's `WWW-Authenticate` fields cost
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Property tests (run longer with PROPTEST_CASES)
// ---------------------------------------------------------------------------------------------

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
        let hex_len = match ch.algorithm.strength() {
            1 => 32,
            2 => 40,
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
