//! `WWW-Authenticate` challenges of any scheme (RFC 9110 §11.1, §11.6.1): the lenient parser
//! [`super::select_digest`] reads every value with.
//!
//! What a server sends here is bounded before it costs anything: a value longer than
//! [`MAX_CHALLENGE_BYTES`] is not parsed, at most [`MAX_CHALLENGES`] challenges are read from a
//! value and at most [`MAX_CHALLENGE_PARAMS`] parameters are kept per challenge, and the parser
//! only ever moves forward, so its work is linear in the value's length.

/// The longest `WWW-Authenticate` value parsed, and the most bytes of all of a response's values
/// [`super::select_digest`] looks at; a longer value is ignored whole. Defaults to 64 KiB: a
/// Digest challenge is a few hundred bytes, and a Negotiate token a few kilobytes.
pub const MAX_CHALLENGE_BYTES: usize = 64 * 1024;

/// The most challenges read from one value; later ones are ignored. Defaults to 32 (a server
/// offers one per scheme and, for Digest, one per algorithm: RFC 7616 §3.7).
pub const MAX_CHALLENGES: usize = 32;

/// The most parameters kept per challenge; later ones are read past and dropped. Defaults to
/// 32 (RFC 7616 §3.3 defines ten).
pub const MAX_CHALLENGE_PARAMS: usize = 32;

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
///
/// Bounded: nothing for a value longer than [`MAX_CHALLENGE_BYTES`], at most [`MAX_CHALLENGES`]
/// challenges of at most [`MAX_CHALLENGE_PARAMS`] parameters each.
pub fn parse_challenges(value: &str) -> Vec<Challenge> {
    if value.len() > MAX_CHALLENGE_BYTES {
        return Vec::new();
    }
    let mut cur = Cursor { rest: value };
    let mut out = Vec::new();
    loop {
        cur.skip_separators();
        if cur.rest.is_empty() || out.len() >= MAX_CHALLENGES {
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
        if challenge.params.len() < MAX_CHALLENGE_PARAMS {
            challenge.params.push((name.to_string(), value));
        }
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
