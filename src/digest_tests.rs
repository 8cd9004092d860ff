//! Unit tests of `digest`: challenge parsing, the RFC 7616/2617/2069 known answers, nonce
//! counts and retries.
//! The shared challenges and helpers live here; the tests, by concern, in `digest_tests/`.

use super::challenge::{MAX_CHALLENGES, MAX_CHALLENGE_PARAMS};
use super::*;

#[path = "digest_tests/answers.rs"]
mod answers;
#[path = "digest_tests/bounds.rs"]
mod bounds;
#[path = "digest_tests/known_answers.rs"]
mod known_answers;
#[path = "digest_tests/parsing.rs"]
mod parsing;
#[path = "digest_tests/properties.rs"]
mod properties;

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
