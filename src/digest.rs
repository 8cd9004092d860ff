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

use crate::error::{Error, Result};
use std::fmt::Write as _;

// ---------------------------------------------------------------------------------------------
// Challenges (RFC 9110 §11.1, §11.6.1)
// ---------------------------------------------------------------------------------------------

/// One challenge from a `WWW-Authenticate` value (RFC 9110 §11.1):
/// `auth-scheme [ 1*SP ( token68 / #auth-param ) ]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme as sent (compare it case-insensitively, RFC 9110 §11.1).
    pub scheme: String,
    /// The `token68` form of the credentials-to-be, when the challenge uses it (e.g. Negotiate).
    pub token68: Option<String>,
    /// `auth-param`s in order, names as sent, quoted values unescaped (RFC 9110 §5.6.4).
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// Whether the scheme is `scheme`, case-insensitively (RFC 9110 §11.1).
    pub fn is_scheme(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// The first parameter named `name`, case-insensitively (RFC 9110 §11.2: names are
    /// case-insensitive and occur once per challenge).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses the challenges of one `WWW-Authenticate` field value (RFC 9110 §11.6.1:
/// `1#challenge`; one value may hold several challenges, and a response may repeat the field).
///
/// Lenient where servers are sloppy: an unquoted value may hold any characters but `,`, `"` and
/// whitespace (servers send base64 nonces unquoted); empty list elements are skipped (RFC 9110
/// §5.6.1); a malformed element is skipped up to the next comma; an unterminated quoted string
/// ends parsing (the challenge keeps the parameters read before it).
pub fn parse_challenges(value: &str) -> Vec<Challenge> {
    let mut cur = Cursor { rest: value };
    let mut out = Vec::new();
    loop {
        cur.skip_separators();
        if cur.rest.is_empty() {
            return out;
        }
        let Some(scheme) = cur.token() else {
            cur.skip_element();
            continue;
        };
        let mut challenge = Challenge {
            scheme: scheme.to_string(),
            token68: None,
            params: Vec::new(),
        };
        // RFC 9110 §11.1: the scheme is followed by at least one space before its data.
        let spaced = cur.rest.starts_with([' ', '\t']);
        cur.skip_ows();
        if cur.rest.starts_with('=') {
            // `name=value` where a scheme was expected: a stray parameter, not a challenge.
            cur.skip_element();
            continue;
        }
        if spaced && !cur.rest.is_empty() && !cur.rest.starts_with(',') {
            if let Some(t68) = cur.token68() {
                challenge.token68 = Some(t68.to_string());
            } else if !parse_params(&mut cur, &mut challenge) {
                out.push(challenge);
                return out;
            }
        }
        out.push(challenge);
    }
}

/// Reads `#auth-param` (RFC 9110 §11.2) into `challenge` until the next challenge starts (a token
/// not followed by `=`) or the value ends. Returns false when an unterminated quoted string
/// ended the value.
fn parse_params(cur: &mut Cursor<'_>, challenge: &mut Challenge) -> bool {
    loop {
        let before = cur.rest;
        cur.skip_ows();
        if cur.rest.is_empty() {
            return true;
        }
        if cur.eat(',') {
            continue; // an empty list element (RFC 9110 §5.6.1)
        }
        let Some(name) = cur.token() else {
            cur.skip_element();
            continue;
        };
        cur.skip_ows(); // BWS around `=` (RFC 9110 §11.2)
        if !cur.eat('=') {
            // A token without `=`: the scheme of the next challenge.
            cur.rest = before;
            return true;
        }
        cur.skip_ows();
        let value = if cur.eat('"') {
            match cur.quoted_rest() {
                Some(v) => v,
                None => {
                    cur.rest = "";
                    return false;
                }
            }
        } else {
            let v = cur.take_while(|c| c != ',' && c != '"' && c != ' ' && c != '\t');
            if v.is_empty() {
                cur.skip_element();
                continue;
            }
            v.to_string()
        };
        challenge.params.push((name.to_string(), value));
        cur.skip_ows();
        if !cur.rest.is_empty() && !cur.eat(',') {
            cur.skip_element(); // junk after a value
        }
    }
}

/// A position in a header value; every step slices at character boundaries it found itself.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    /// OWS (RFC 9110 §5.6.3).
    fn skip_ows(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t']);
    }

    /// OWS and commas between list elements (RFC 9110 §5.6.1).
    fn skip_separators(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t', ',']);
    }

    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let end = self
            .rest
            .find(|c: char| !keep(c))
            .unwrap_or(self.rest.len());
        match self.rest.split_at_checked(end) {
            Some((taken, rest)) => {
                self.rest = rest;
                taken
            }
            None => "",
        }
    }

    /// `token` (RFC 9110 §5.6.2).
    fn token(&mut self) -> Option<&'a str> {
        let t = self.take_while(is_tchar);
        (!t.is_empty()).then_some(t)
    }

    /// `token68` (RFC 9110 §11.2) when it is the whole element (followed by the end or a comma);
    /// otherwise nothing is consumed.
    fn token68(&mut self) -> Option<&'a str> {
        let start = self.rest;
        let body = self.take_while(is_token68_char).len();
        let pad = self.take_while(|c| c == '=').len();
        self.skip_ows();
        if body > 0 && (self.rest.is_empty() || self.rest.starts_with(',')) {
            if let Some(t68) = start.get(..body + pad) {
                return Some(t68);
            }
        }
        self.rest = start;
        None
    }

    /// The rest of a `quoted-string` after its opening quote, unescaped (RFC 9110 §5.6.4:
    /// `quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )`); `None` when it is not closed.
    fn quoted_rest(&mut self) -> Option<String> {
        let mut out = String::new();
        let mut chars = self.rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = self.rest.get(i + 1..).unwrap_or("");
                    return Some(out);
                }
                '\\' => out.push(chars.next()?.1),
                _ => out.push(c),
            }
        }
        None
    }

    /// Skips to just after the next comma outside a quoted string (error recovery).
    fn skip_element(&mut self) {
        let mut quoted = false;
        let mut escaped = false;
        for (i, c) in self.rest.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                ',' if !quoted => {
                    self.rest = self.rest.get(i + 1..).unwrap_or("");
                    return;
                }
                _ => {}
            }
        }
        self.rest = "";
    }
}

/// `tchar` (RFC 9110 §5.6.2).
fn is_tchar(c: char) -> bool {
    u8::try_from(c).is_ok_and(crate::headers::is_tchar)
}

/// The characters of `token68` before its `=` padding (RFC 9110 §11.2).
fn is_token68_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/')
}

// ---------------------------------------------------------------------------------------------
// Algorithms (RFC 7616 §3.2, §6.1)
// ---------------------------------------------------------------------------------------------

/// A Digest `algorithm` (RFC 7616 §6.1 registry, plus requests' `SHA`, meaning SHA-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `MD5`, and the default when a challenge names none (RFC 7616 §3.3).
    Md5,
    /// `MD5-sess` (RFC 7616 §3.4.2).
    Md5Sess,
    /// `SHA`: SHA-1, which requests supports though no RFC registers it.
    Sha1,
    /// `SHA-256`.
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
    /// `SHA-512-256`: SHA-512/256 of FIPS 180-4.
    Sha512_256,
    /// `SHA-512-256-sess`.
    Sha512_256Sess,
}

impl Algorithm {
    /// Every algorithm, strongest first.
    pub const ALL: [Algorithm; 7] = [
        Algorithm::Sha512_256,
        Algorithm::Sha512_256Sess,
        Algorithm::Sha256,
        Algorithm::Sha256Sess,
        Algorithm::Sha1,
        Algorithm::Md5,
        Algorithm::Md5Sess,
    ];

    /// The algorithm an `algorithm` value names, case-insensitively; `None` when unknown
    /// (RFC 7616 §3.3: a challenge with an algorithm the client does not understand is ignored).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// The registered name (RFC 7616 §6.1).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha1 => "SHA",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
            Algorithm::Sha512_256 => "SHA-512-256",
            Algorithm::Sha512_256Sess => "SHA-512-256-sess",
        }
    }

    /// Whether A1 is the session variant (RFC 7616 §3.4.2), hashed with the nonce and cnonce.
    pub fn is_session(self) -> bool {
        matches!(
            self,
            Algorithm::Md5Sess | Algorithm::Sha256Sess | Algorithm::Sha512_256Sess
        )
    }

    /// The preference among several Digest challenges: SHA-512-256 > SHA-256 > SHA-1 > MD5; a
    /// `-sess` variant ranks with its hash.
    pub fn strength(self) -> u8 {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => 1,
            Algorithm::Sha1 => 2,
            Algorithm::Sha256 | Algorithm::Sha256Sess => 3,
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => 4,
        }
    }

    /// `H(data)` as lowercase hex (RFC 7616 §3.2: digests are sent as 32 or 64 lowercase hex
    /// digits), over the concatenated parts.
    fn hex(self, parts: &[&[u8]]) -> String {
        fn run<D: md5::Digest>(parts: &[&[u8]]) -> String {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            to_hex(&hasher.finalize())
        }
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => run::<md5::Md5>(parts),
            Algorithm::Sha1 => run::<sha1::Sha1>(parts),
            Algorithm::Sha256 | Algorithm::Sha256Sess => run::<sha2::Sha256>(parts),
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => run::<sha2::Sha512_256>(parts),
        }
    }

    /// `H` over text joined with `:`, as RFC 7616 §3.4.1-§3.4.3 write their inputs.
    fn hash_joined(self, parts: &[&str]) -> String {
        let mut bytes: Vec<&[u8]> = Vec::with_capacity(parts.len() * 2);
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                bytes.push(b":");
            }
            bytes.push(part.as_bytes());
        }
        self.hex(&bytes)
    }
}

fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

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
                     SHA-512-256, SHA-512-256-sess)"
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
pub fn select_digest<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Option<DigestChallenge>> {
    let mut best: Option<DigestChallenge> = None;
    let mut refused: Option<Error> = None;
    for value in values {
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

    /// The challenge last answered, which [`DigestState::preemptive`] answers again.
    pub fn challenge(&self) -> Option<&DigestChallenge> {
        self.challenge.as_ref()
    }

    /// The `nc` last sent (0 before any answer).
    pub fn nonce_count(&self) -> u32 {
        self.nonce_count
    }

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
mod tests {
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
        let ch = one(
            "Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"",
        );
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
    fn arbitrary_values_never_panic() {
        // A small deterministic generator over the pieces the parser treats specially.
        let pieces = [
            "Digest",
            "Basic",
            " ",
            "\t",
            ",",
            "=",
            "\"",
            "\\",
            "nonce",
            "realm",
            "qop",
            "auth",
            "auth-int",
            "algorithm",
            "MD5-sess",
            "SHA-512-256",
            "userhash",
            "true",
            "opaque",
            "\u{e9}",
            "\u{1f600}",
            "\n",
            "x/+",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            seed >> 33
        };
        let mut answered = 0;
        for _ in 0..50_000 {
            let mut s = String::from("Digest nonce=");
            for _ in 0..next() % 24 {
                let i = usize::try_from(next()).unwrap_or(0) % pieces.len();
                s.extend(pieces.get(i).copied());
            }
            let _ = parse_challenges(&s);
            if let Some(ch) = find_digest([s.as_str()]) {
                let mut state = DigestState::new();
                let r = state.authorization_with_cnonce(&ch, &s, &s, "GET", "/", Some(b"b"), "c");
                answered += usize::from(r.is_ok());
            }
        }
        assert!(answered > 1000, "{answered}");
    }

    #[test]
    fn request_target_is_path_and_query() {
        let url = url::Url::parse("http://h/a%20b?x=1&y").unwrap();
        assert_eq!(request_target(&url), "/a%20b?x=1&y");
        assert_eq!(request_target(&url::Url::parse("http://h").unwrap()), "/");
    }
}
