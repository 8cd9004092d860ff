//! HTTP Digest access authentication (RFC 7616), as pure functions the session drives.
//!
//! How the session uses it, following requests' `HTTPDigestAuth`:
//!
//! 1. The session keeps one [`DigestState`] per origin (scheme, host, port) for as long as the
//!    Digest credentials stay the same, and drops them all when the auth setting changes. Per
//!    origin because RFC 7616 §3.3 (`domain`) makes the whole origin the protection space by
//!    default, and so a remembered challenge is never answered to another host.
//! 2. Before sending a request, [`DigestState::preemptive`] gives an `Authorization` value when the
//!    state already holds a challenge (requests does the same once it has a nonce), with the nonce
//!    count going up (RFC 7616 §3.4 `nc`).
//! 3. For each request (and each redirect hop) the session makes a fresh [`Retries`]. On a 401 it
//!    reads every `WWW-Authenticate` value with [`select_digest`] (RFC 9110 §11.6.1):
//!    - `Ok(None)`: no usable Digest challenge; the 401 is the answer.
//!    - `Err(Error::Unsupported)`: only Digest challenges this module cannot answer (an unknown
//!      `algorithm` or `qop`); the session returns that error (or the 401, its choice).
//!    - `Ok(Some(challenge))`: if [`Retries::allow`] agrees, the session stores the 401's cookies,
//!      sets `Authorization` to [`DigestState::authorization`] and sends the request again (with
//!      its body replayed); otherwise the 401 is the answer.
//!
//! [`Retries::allow`] permits one retry per request, as requests does, and one more when the
//! server answers that retry with `stale=true` and a new nonce (RFC 7616 §3.3: the credentials
//! were right, only the nonce had expired). A request is therefore sent at most three times.
//!
//! This file owns Digest challenges and answers; generic challenge parsing lives in `challenge`
//! and the algorithms in `algorithm`.

use crate::error::{Error, Result};
use std::fmt::Write as _;

mod algorithm;
mod challenge;

use algorithm::to_hex;
pub use algorithm::Algorithm;
pub use challenge::{parse_challenges, Challenge, MAX_CHALLENGE_BYTES};

// ---------------------------------------------------------------------------------------------
// Digest challenges (RFC 7616 §3.3)
// ---------------------------------------------------------------------------------------------

/// A `Digest` challenge this module can answer (RFC 7616 §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestChallenge {
    /// `realm`; empty when the server sent none (RFC 7616 requires it; requests would fail).
    pub realm: String,
    /// `nonce`; a challenge without one is not a Digest challenge.
    pub nonce: String,
    /// `opaque`, returned unchanged (RFC 7616 §3.3).
    pub opaque: Option<String>,
    /// The algorithm; MD5 when absent (RFC 7616 §3.3).
    pub algorithm: Algorithm,
    /// `algorithm` as the challenge spelled it, echoed in the answer; `None` when absent.
    pub algorithm_name: Option<String>,
    /// The `qop` options offered, in order (RFC 7616 §3.3); empty for an RFC 2069 challenge.
    pub qop: Vec<String>,
    /// `stale=true` (RFC 7616 §3.3): the previous nonce expired but the credentials were right.
    pub stale: bool,
    /// `userhash=true` (RFC 7616 §3.4.4): send the user name hashed.
    pub userhash: bool,
    /// `charset` (RFC 7616 §3.3: only `UTF-8` is allowed). Credentials are always hashed as
    /// UTF-8, as requests does.
    pub charset: Option<String>,
    /// `domain`: the protection space's URIs (RFC 7616 §3.3), space-separated in the challenge.
    pub domain: Vec<String>,
}

/// The `qop` this module answers with (RFC 7616 §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qop {
    Auth,
    AuthInt,
}

impl Qop {
    fn name(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
        }
    }
}

impl DigestChallenge {
    /// Reads a Digest challenge. `Ok(None)`: not `Digest`, or no `nonce` (so not a usable
    /// challenge). `Err(Error::Unsupported)`: a Digest challenge with an `algorithm` or only
    /// `qop` options this module does not implement.
    pub fn from_challenge(challenge: &Challenge) -> Result<Option<DigestChallenge>> {
        if !challenge.is_scheme("Digest") {
            return Ok(None);
        }
        let Some(nonce) = challenge.param("nonce") else {
            return Ok(None);
        };
        let algorithm_name = challenge.param("algorithm").map(str::to_string);
        let algorithm = match algorithm_name.as_deref() {
            None => Algorithm::Md5,
            Some(name) => Algorithm::from_name(name).ok_or_else(|| {
                Error::Unsupported(format!(
                    "the server asks for Digest auth with algorithm {name:?}, which is not \
                     supported (supported: MD5, MD5-sess, SHA, SHA-256, SHA-256-sess, \
                     SHA-512-256, SHA-512-256-sess, SHA-512, SHA-512-sess)"
                ))
            })?,
        };
        let is_true = |name: &str| {
            challenge
                .param(name)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        };
        let digest = DigestChallenge {
            realm: challenge.param("realm").unwrap_or_default().to_string(),
            nonce: nonce.to_string(),
            opaque: challenge.param("opaque").map(str::to_string),
            algorithm,
            algorithm_name,
            qop: challenge
                .param("qop")
                .map(|v| {
                    v.split(',')
                        .map(|q| q.trim_matches([' ', '\t']))
                        .filter(|q| !q.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            stale: is_true("stale"),
            userhash: is_true("userhash"),
            charset: challenge.param("charset").map(str::to_string),
            domain: challenge
                .param("domain")
                .map(|v| v.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
        };
        digest.qop_choice()?;
        Ok(Some(digest))
    }

    /// The `qop` to answer with: `auth` when offered, else `auth-int`, else none for an RFC 2069
    /// challenge without `qop` (RFC 7616 §3.3; requests prefers `auth` the same way).
    fn qop_choice(&self) -> Result<Option<Qop>> {
        if self.qop.is_empty() {
            return Ok(None);
        }
        let offers = |q: &str| self.qop.iter().any(|o| o.eq_ignore_ascii_case(q));
        if offers("auth") {
            Ok(Some(Qop::Auth))
        } else if offers("auth-int") {
            Ok(Some(Qop::AuthInt))
        } else {
            Err(Error::Unsupported(format!(
                "the server asks for Digest auth with qop {:?}, which is not supported \
                 (supported: auth, auth-int)",
                self.qop.join(", ")
            )))
        }
    }
}

/// The Digest challenge to answer among `WWW-Authenticate` values (each may hold several
/// challenges, RFC 9110 §11.6.1).
///
/// Several Digest challenges (RFC 7616 §3.7, one per algorithm) are ranked by
/// [`Algorithm::strength`], the first offered winning a tie. §3.7 lists them in the server's
/// order of preference and lets local policy decide; this one never lets a list downgrade the
/// hash. `Ok(None)` when there is no Digest challenge with a nonce; `Err(Error::Unsupported)`
/// when every Digest challenge has an algorithm or qop this module lacks.
///
/// At most [`MAX_CHALLENGE_BYTES`] of the values are parsed in all: a value that would pass the
/// limit is ignored (without being read), and later values that fit are still parsed.
pub fn select_digest<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Option<DigestChallenge>> {
    let mut best: Option<DigestChallenge> = None;
    let mut refused: Option<Error> = None;
    let mut budget = MAX_CHALLENGE_BYTES;
    for value in values {
        if value.len() > budget {
            continue;
        }
        budget -= value.len();
        for challenge in parse_challenges(value) {
            match DigestChallenge::from_challenge(&challenge) {
                Ok(Some(digest)) => {
                    let stronger = best
                        .as_ref()
                        .is_none_or(|b| digest.algorithm.strength() > b.algorithm.strength());
                    if stronger {
                        best = Some(digest);
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    refused.get_or_insert(e);
                }
            }
        }
    }
    match (best, refused) {
        (Some(best), _) => Ok(Some(best)),
        (None, Some(e)) => Err(e),
        (None, None) => Ok(None),
    }
}

/// [`select_digest`] without the reason: the challenge to answer, if any.
pub fn find_digest<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<DigestChallenge> {
    select_digest(values).ok().flatten()
}

/// The `uri` of the answer: the request-target of origin-form (RFC 9112 §3.2.1), path and query,
/// which RFC 7616 §3.4 duplicates because proxies may rewrite the request line.
pub fn request_target(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Answers (RFC 7616 §3.4)
// ---------------------------------------------------------------------------------------------

/// What the session keeps per origin: the last challenge answered and the nonce count of its
/// nonce (RFC 7616 §3.4 `nc`: requests sent with this nonce, counted by the client).
#[derive(Debug, Clone, Default)]
pub struct DigestState {
    challenge: Option<DigestChallenge>,
    nonce_count: u32,
}

impl DigestState {
    /// A state with no challenge yet.
    pub fn new() -> Self {
        Self::default()
    }

    #[cfg(test)]
    /// The challenge last answered, which [`DigestState::preemptive`] answers again.
    pub fn challenge(&self) -> Option<&DigestChallenge> {
        self.challenge.as_ref()
    }

    #[cfg(test)]
    /// The `nc` last sent (0 before any answer).
    pub fn nonce_count(&self) -> u32 {
        self.nonce_count
    }

    #[cfg(test)]
    /// Forgets the challenge and the count (e.g. when the credentials change).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// The `Authorization` value answering `challenge` (`Digest username=..., response=...`), with
    /// a fresh random `cnonce`. `uri` is the request-target ([`request_target`]); `body` is hashed
    /// only for `qop=auth-int` (absent = empty). The nonce count goes up when the nonce is the one
    /// last answered and restarts at 1 for a new nonce.
    ///
    /// Errors: `Unsupported` when the challenge's qop cannot be answered or the host has no
    /// randomness for the cnonce; `InvalidHeader` when the challenge or `uri` holds control
    /// characters a header cannot carry.
    pub fn authorization(
        &mut self,
        challenge: &DigestChallenge,
        username: &str,
        password: &str,
        method: &str,
        uri: &str,
        body: Option<&[u8]>,
    ) -> Result<String> {
        let cnonce = random_cnonce()?;
        self.authorization_with_cnonce(challenge, username, password, method, uri, body, &cnonce)
    }

    /// [`DigestState::authorization`] with a given `cnonce` (for known-answer tests and callers
    /// with their own randomness; a cnonce must never repeat with one nonce, RFC 7616 §5.4).
    #[allow(clippy::too_many_arguments)]
    pub fn authorization_with_cnonce(
        &mut self,
        challenge: &DigestChallenge,
        username: &str,
        password: &str,
        method: &str,
        uri: &str,
        body: Option<&[u8]>,
        cnonce: &str,
    ) -> Result<String> {
        let qop = challenge.qop_choice()?;
        for (name, value) in [
            ("realm", challenge.realm.as_str()),
            ("nonce", challenge.nonce.as_str()),
            ("opaque", challenge.opaque.as_deref().unwrap_or_default()),
            (
                "algorithm",
                challenge.algorithm_name.as_deref().unwrap_or_default(),
            ),
            ("uri", uri),
            ("cnonce", cnonce),
        ] {
            if value.chars().any(|c| c.is_control() && c != '\t') {
                return Err(Error::InvalidHeader(format!(
                    "the Digest {name} holds control characters a header value cannot carry"
                )));
            }
        }
        let same_nonce = self
            .challenge
            .as_ref()
            .is_some_and(|c| c.nonce == challenge.nonce);
        let nc = if same_nonce {
            self.nonce_count.saturating_add(1)
        } else {
            1
        };
        let nc_value = format!("{nc:08x}");
        let alg = challenge.algorithm;
        let (realm, nonce) = (challenge.realm.as_str(), challenge.nonce.as_str());

        // RFC 7616 §3.4.2: A1 = unq(username):unq(realm):passwd; for -sess,
        // A1 = H(unq(username):unq(realm):passwd):unq(nonce-prime):unq(cnonce-prime).
        let mut ha1 = alg.hash_joined(&[username, realm, password]);
        if alg.is_session() {
            ha1 = alg.hash_joined(&[&ha1, nonce, cnonce]);
        }
        // RFC 7616 §3.4.3: A2 = Method:request-uri, plus :H(entity-body) for auth-int.
        let ha2 = match qop {
            Some(Qop::AuthInt) => {
                let body_hash = alg.hex(&[body.unwrap_or_default()]);
                alg.hash_joined(&[method, uri, &body_hash])
            }
            _ => alg.hash_joined(&[method, uri]),
        };
        // RFC 7616 §3.4.1: response = KD(H(A1), unq(nonce):nc:unq(cnonce):unq(qop):H(A2)),
        // KD(secret, data) = H(secret:data); without qop, RFC 2069 §2.1.2: H(H(A1):nonce:H(A2)).
        let response = match qop {
            Some(q) => alg.hash_joined(&[&ha1, nonce, &nc_value, cnonce, q.name(), &ha2]),
            None => alg.hash_joined(&[&ha1, nonce, &ha2]),
        };

        let mut out = String::from("Digest ");
        if challenge.userhash {
            // RFC 7616 §3.4.4: username = H(unq(username):unq(realm)).
            let hashed = alg.hash_joined(&[username, realm]);
            let _ = write!(out, "username={}", quote(&hashed));
        } else if username
            .chars()
            .all(|c| c == '\t' || (' '..='~').contains(&c))
        {
            let _ = write!(out, "username={}", quote(username));
        } else {
            // RFC 7616 §3.4 `username*`: a name a quoted-string cannot carry, as an RFC 8187
            // ext-value.
            let _ = write!(out, "username*={}", ext_value(username));
        }
        let _ = write!(
            out,
            ", realm={}, nonce={}, uri={}",
            quote(realm),
            quote(nonce),
            quote(uri)
        );
        // RFC 7616 §3.4: algorithm, qop and nc MUST NOT be quoted.
        if let Some(name) = &challenge.algorithm_name {
            let _ = write!(out, ", algorithm={name}");
        }
        let _ = write!(out, ", response={}", quote(&response));
        if let Some(opaque) = &challenge.opaque {
            let _ = write!(out, ", opaque={}", quote(opaque));
        }
        match qop {
            Some(q) => {
                let _ = write!(
                    out,
                    ", qop={}, nc={nc_value}, cnonce={}",
                    q.name(),
                    quote(cnonce)
                );
            }
            // A -sess A1 needs the cnonce even from an RFC 2069 server (RFC 2617 §3.2.2.2).
            None if alg.is_session() => {
                let _ = write!(out, ", cnonce={}", quote(cnonce));
            }
            None => {}
        }
        if challenge.userhash {
            out.push_str(", userhash=true");
        }

        self.challenge = Some(challenge.clone());
        self.nonce_count = nc;
        Ok(out)
    }

    /// An `Authorization` value for a new request from the challenge last answered, as requests
    /// sends once it holds a nonce (the nonce count goes up). `Ok(None)` before any challenge.
    pub fn preemptive(
        &mut self,
        username: &str,
        password: &str,
        method: &str,
        uri: &str,
        body: Option<&[u8]>,
    ) -> Result<Option<String>> {
        let Some(challenge) = self.challenge.clone() else {
            return Ok(None);
        };
        self.authorization(&challenge, username, password, method, uri, body)
            .map(Some)
    }
}

/// One request's Digest retries: the session makes one per request and per redirect hop.
#[derive(Debug, Clone, Default)]
pub struct Retries {
    retried_with: Option<String>,
    stale_retried: bool,
}

impl Retries {
    /// Whether to answer this 401's `challenge` by sending the request again; records the retry
    /// when it says yes.
    ///
    /// The first 401 is retried (requests retries once; an `Authorization` sent by
    /// [`DigestState::preemptive`] does not count). A 401 to that retry is final, unless it says
    /// `stale=true` with a new nonce (RFC 7616 §3.3: only the nonce was refused), which is retried
    /// once more.
    pub fn allow(&mut self, challenge: &DigestChallenge) -> bool {
        let allowed = match &self.retried_with {
            None => true,
            Some(nonce) => !self.stale_retried && challenge.stale && *nonce != challenge.nonce,
        };
        if allowed {
            self.stale_retried = self.retried_with.is_some();
            self.retried_with = Some(challenge.nonce.clone());
        }
        allowed
    }
}

/// 16 random bytes as hex (RFC 7616 §3.4 `cnonce`), from the host's randomness (wasi:random on
/// wasm32-wasip2).
fn random_cnonce() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::Unsupported(format!(
            "Digest auth needs random bytes for its cnonce, and the host's random source \
             failed: {e}"
        ))
    })?;
    Ok(to_hex(&bytes))
}

/// A `quoted-string` (RFC 9110 §5.6.4): `"` and `\` escaped with `\`.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// An RFC 8187 §3.2 `ext-value`: `UTF-8''` and the UTF-8 bytes, `attr-char` kept, the rest
/// percent-encoded.
fn ext_value(value: &str) -> String {
    let mut out = String::from("UTF-8''");
    for b in value.bytes() {
        let attr_char = b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b);
        if attr_char {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
#[path = "digest_tests.rs"]
mod tests;
