//! URL parsing, query params and userinfo, on the `url` crate, with requests' rules and messages.

use crate::error::{Error, Result};
use url::Url;

/// Parses a request URL as requests' `prepare_url` does: a scheme is required,
/// and `http`/`https` URLs need a host. The input is parsed once; callers keep
/// the `Url`. Error messages never repeat userinfo.
pub fn parse(input: &str) -> Result<Url> {
    let input = input.trim();
    let url = Url::parse(input).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => Error::MissingSchema(format!(
            "Invalid URL {:?}: No scheme supplied. Perhaps you meant https://{}?",
            redact_str(input),
            redact_str(input.trim_start_matches(['/', '\\']))
        )),
        url::ParseError::EmptyHost => Error::InvalidUrl(format!(
            "Invalid URL {:?}: No host supplied",
            redact_str(input)
        )),
        other => Error::InvalidUrl(format!("Invalid URL {:?}: {other}", redact_str(input))),
    })?;
    if is_http(&url) && url.host_str().is_none_or(str::is_empty) {
        return Err(Error::InvalidUrl(format!(
            "Invalid URL {:?}: No host supplied",
            redact_str(input)
        )));
    }
    Ok(url)
}

/// Parses a request URL, resolving a relative one against `base` the way
/// httpx merges with `base_url`: the base path is treated as a directory and a
/// leading `/` of the relative URL does not escape it (`/api` + `/users` is `/api/users`).
///
/// A relative URL that reads as a URL without its scheme, such as
/// `user:pw@host/x` or `//user@host/x`, is refused as `MissingSchema` rather
/// than joined: its userinfo would otherwise end up in the path, sent to the
/// base URL's host and shown wherever the URL is.
pub fn parse_with_base(input: &str, base: Option<&Url>) -> Result<Url> {
    match (parse(input), base) {
        (Err(Error::MissingSchema(message)), Some(base)) => {
            let reference = clean_reference(input);
            if reads_as_userinfo(&reference) {
                return Err(Error::MissingSchema(message));
            }
            let mut dir = base.clone();
            if !dir.path().ends_with('/') {
                let path = format!("{}/", dir.path());
                dir.set_path(&path);
            }
            // `./` keeps a first segment holding `:` (`things:run`) a path
            // rather than a scheme.
            let relative = format!("./{}", reference.trim_start_matches(['/', '\\']));
            dir.join(&relative).map_err(|e| {
                Error::InvalidUrl(format!(
                    "Invalid URL {:?} against the base URL: {e}",
                    redact_str(input)
                ))
            })
        }
        (result, _) => result,
    }
}

/// A base URL must be absolute, with a host for http(s), and no query or fragment.
pub fn parse_base(input: &str) -> Result<Url> {
    let url = parse(input)?;
    if url.cannot_be_a_base() || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::InvalidUrl(format!(
            "{:?} cannot be a base URL",
            redact_str(input)
        )));
    }
    Ok(url)
}

/// True for `http` and `https`.
pub fn is_http(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// True for the URL Standard's special schemes (`http`, `https`, `ws`, `wss`,
/// `ftp`, `file`), where `\` counts as `/`.
pub fn is_special(url: &Url) -> bool {
    SPECIAL_SCHEMES.contains(&url.scheme())
}

/// Appends params to the query with form encoding (spaces as `+`), after any
/// query already there and before the fragment. Repeated names repeat the key.
pub fn append_params(url: &mut Url, params: &[(String, String)]) {
    if params.is_empty() {
        return;
    }
    url.query_pairs_mut()
        .extend_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
}

/// Removes userinfo from the URL and returns it percent-decoded, if there was any.
/// requests uses URL userinfo as Basic auth when no other auth is given.
pub fn take_userinfo(url: &mut Url) -> Option<(String, String)> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| percent_decode(s);
    let user = decode(url.username());
    let pass = url.password().map(decode).unwrap_or_default();
    // Only special (host-bearing) URLs carry userinfo; these setters cannot fail for them.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Some((user, pass))
}

fn percent_decode(s: &str) -> String {
    // `form_urlencoded` would turn `+` into a space; userinfo keeps `+`.
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
        if byte == b'%' {
            if let (Some(hi), Some(lo)) = (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(byte);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Hides the userinfo of a URL given as text, however malformed: everything
/// from where the authority would start to the last `@` of the string becomes
/// `***`. The authority starts after `scheme:` and its slashes when the text
/// has a scheme the URL parser reads an authority after (`scheme://…`, or a
/// special scheme such as `http:` with any slashes or none), else after any
/// leading slashes. So `user:pw@host` (no scheme, or `user` read as one),
/// `user:/pw@host`, `//user:pw@host`, and passwords holding `/`, `?`, `#` or
/// `@` are all hidden; an `@` in a path or query after the host hides more
/// than needed, never less. The full-width and small commercial ats count as `@`.
pub fn redact_str(input: &str) -> String {
    match split_userinfo(input) {
        Some((head, tail)) => format!("{head}***@{tail}"),
        None => input.to_string(),
    }
}

/// The text without its userinfo and `@`, found as [`redact_str`] finds it,
/// for text that is kept rather than shown (a proxy URL in saved state):
/// `http://u:p/ss@proxy:3128` becomes `http://proxy:3128`, `u:p@proxy:3128`
/// becomes `proxy:3128`.
pub fn strip_userinfo_str(input: &str) -> String {
    match split_userinfo(input) {
        Some((head, tail)) => format!("{head}{tail}"),
        None => input.to_string(),
    }
}

/// What precedes the userinfo and what follows its `@`, when there is an `@`
/// (or a look-alike) after where the authority starts.
fn split_userinfo(input: &str) -> Option<(&str, &str)> {
    let (head, rest) = input.split_at_checked(authority_start(input))?;
    let (at, c) = rest.char_indices().rev().find(|&(_, c)| is_at(c))?;
    Some((head, rest.get(at + c.len_utf8()..)?))
}

/// The URL as text without userinfo (it is removed when a request is prepared;
/// this guards URLs that come from elsewhere, such as a `Location` header).
/// A URL without a host (`foo:user:pw@host`, `foo:/user:pw@host`) has no
/// userinfo to the parser, but reads as if it had: its text is redacted as
/// [`redact_str`] does.
pub fn redact(url: &Url) -> String {
    let text = if url.username().is_empty() && url.password().is_none() {
        url.as_str().to_string()
    } else {
        let mut clean = url.clone();
        let _ = clean.set_username("");
        let _ = clean.set_password(None);
        clean.into()
    };
    if url.host_str().is_some_and(|host| !host.is_empty()) {
        text
    } else {
        redact_str(&text)
    }
}

/// The URL for a message, never for use: [`redact`], then what precedes an
/// `@` left after the host is hidden as [`redact_str`] does. That `@` may end
/// a password the parser read as a host and path (`http://user/x:pw@host`,
/// `http://user:123/4@host`), so `http://h/a@b` shows as `http://***@b`.
pub fn redact_in_message(url: &Url) -> String {
    redact_str(&redact(url))
}

/// True when a relative reference (no scheme the parser reads an authority
/// after, no `//` authority) reads as a URL whose scheme is missing: its first
/// segment, after any leading slashes, holds an `@`, or holds a `:` with an
/// `@` after it (`user:pw@host`, `user:p/ss@host`, `/user@host`). Joined as a
/// path, such a reference would carry its userinfo in the URL. A first
/// segment holding `:` is not a valid relative reference anyway (RFC 3986 §4.2).
pub fn reads_as_userinfo(reference: &str) -> bool {
    let reference = clean_reference(reference);
    let rest = reference.trim_start_matches(['/', '\\']);
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let segment = rest.get(..end).unwrap_or(rest);
    segment.contains(is_at)
        || segment
            .find(':')
            .and_then(|colon| rest.get(colon..))
            .is_some_and(|after| after.contains(is_at))
}

/// True when the text starts with a scheme the URL parser reads an authority
/// after: `scheme://`, or a special scheme (`http`, `https`, `ws`, `wss`,
/// `ftp`, `file`) with any slashes or backslashes, or none. Leading C0
/// controls and spaces are skipped, as the parser does.
pub fn has_authority_scheme(input: &str) -> bool {
    let rest = input.trim_start_matches(|c: char| c <= ' ');
    scheme_end(rest).is_some()
}

/// `reference` as the URL parser reads it: trimmed of whitespace and C0
/// controls, without tabs and newlines.
pub fn clean_reference(reference: &str) -> String {
    reference
        .trim()
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// The special schemes of the URL Standard, after which the parser reads an
/// authority even without slashes.
const SPECIAL_SCHEMES: [&str; 6] = ["http", "https", "ws", "wss", "ftp", "file"];

fn is_at(c: char) -> bool {
    matches!(c, '@' | '\u{FF20}' | '\u{FE6B}')
}

/// The byte offset just past `scheme:` and its slashes, when `input` starts
/// with a scheme the parser reads an authority after.
fn scheme_end(input: &str) -> Option<usize> {
    let colon = input.find(':')?;
    let scheme = input.get(..colon)?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid {
        return None;
    }
    let after = input.get(colon + 1..)?;
    let slashes = after.len() - after.trim_start_matches(['/', '\\']).len();
    let special = SPECIAL_SCHEMES
        .iter()
        .any(|s| s.eq_ignore_ascii_case(scheme));
    // `foo:/x` has no authority, and `user:/pw@host` may be userinfo.
    (special || after.starts_with("//")).then_some(colon + 1 + slashes)
}

/// Where the authority of URL-like text starts (see [`redact_str`]).
fn authority_start(input: &str) -> usize {
    let lead = input.len() - input.trim_start_matches(|c: char| c <= ' ').len();
    let rest = input.get(lead..).unwrap_or("");
    let start =
        scheme_end(rest).unwrap_or_else(|| rest.len() - rest.trim_start_matches(['/', '\\']).len());
    lead + start
}

impl Error {
    /// Names the URL (without userinfo) of a network error, so the caller
    /// sees where it happened: `the server refused the connection (http://...)`.
    /// The URL is shown as `crate::urls::redact_in_message` does, which also
    /// hides a password the parser read as a path (`http://user/x:pw@host`).
    /// Other errors, and one already named, are returned as they are.
    pub fn at(self, url: &url::Url) -> Error {
        match self {
            Error::ConnectionRefused(_)
            | Error::Connection(_)
            | Error::Dns(_)
            | Error::Tls(_)
            | Error::Proxy(_)
            | Error::ConnectTimeout(_)
            | Error::ReadTimeout(_)
            | Error::Transport { .. } => Error::At {
                url: redact_in_message(url),
                error: Box::new(self),
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_without_scheme_is_missing_schema() {
        let err = parse("example.com/path").unwrap_err();
        assert!(
            matches!(&err, Error::MissingSchema(m) if m.contains("Perhaps you meant https://example.com/path?"))
        );
    }

    #[test]
    fn an_http_url_without_host_is_invalid() {
        assert!(
            matches!(parse("http://"), Err(Error::InvalidUrl(m)) if m.contains("No host supplied"))
        );
        assert!(matches!(
            parse("http://exa mple.com/"),
            Err(Error::InvalidUrl(_))
        ));
    }

    #[test]
    fn params_go_after_the_existing_query_and_before_the_fragment() {
        let mut url = parse("http://h/p?a=1#frag").unwrap();
        append_params(
            &mut url,
            &[("b".into(), "two words".into()), ("b".into(), "3&4".into())],
        );
        assert_eq!(url.as_str(), "http://h/p?a=1&b=two+words&b=3%264#frag");
    }

    #[test]
    fn no_params_leave_the_url_alone() {
        let mut url = parse("http://h").unwrap();
        append_params(&mut url, &[]);
        assert_eq!(url.as_str(), "http://h/");
    }

    #[test]
    fn userinfo_is_taken_out_and_decoded() {
        let mut url = parse("http://us%40er:p%3Ass+@h/x").unwrap();
        assert_eq!(
            take_userinfo(&mut url),
            Some(("us@er".into(), "p:ss+".into()))
        );
        assert_eq!(url.as_str(), "http://h/x");
        assert_eq!(take_userinfo(&mut url), None);
    }

    #[test]
    fn errors_never_echo_userinfo() {
        let err = parse("http://user:secret@exa mple.com/").unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        assert_eq!(redact_str("https://u:p@h:1/a"), "https://***@h:1/a");
        // An `@` after the host may end a password holding `/`: hidden too.
        assert_eq!(redact_str("https://u:p@h:1/a@b"), "https://***@b");
        assert_eq!(redact(&Url::parse("http://u:p@h/").unwrap()), "http://h/");
    }

    #[test]
    fn kept_text_loses_its_userinfo_as_shown_text_hides_it() {
        for (input, kept) in [
            ("http://u:p@proxy:3128", "http://proxy:3128"),
            ("http://u:p/ss@proxy:3128/", "http://proxy:3128/"),
            ("u:p#w@proxy:3128", "proxy:3128"),
            ("socks5h://u@p@proxy", "socks5h://proxy"),
            ("http://proxy:3128", "http://proxy:3128"),
            ("ü://ü:é@ĥ/é", "ĥ/é"),
        ] {
            assert_eq!(strip_userinfo_str(input), kept, "{input}");
        }
    }

    #[test]
    fn idna_hosts_are_encoded() {
        assert_eq!(
            parse("http://bücher.example/").unwrap().host_str(),
            Some("xn--bcher-kva.example")
        );
    }
}

#[cfg(test)]
#[path = "urls_tests.rs"]
mod leak_tests;

#[cfg(test)]
mod at_tests {
    use super::*;

    #[test]
    fn network_errors_name_the_url_without_userinfo() {
        let url = url::Url::parse("http://user:pw@h:8080/x").unwrap();
        let e = Error::ConnectionRefused("the server refused the connection".into()).at(&url);
        assert_eq!(
            e.to_string(),
            "the server refused the connection (http://h:8080/x)"
        );
        assert!(matches!(e.inner(), Error::ConnectionRefused(_)));
        assert!(
            matches!(Error::InvalidJson("x".into()).at(&url), Error::InvalidJson(m) if m == "x")
        );
        // Named once: a second `at` changes nothing.
        assert_eq!(
            e.at(&url).to_string(),
            "the server refused the connection (http://h:8080/x)"
        );
    }

    #[test]
    fn network_errors_hide_userinfo_the_parser_did_not_read_as_userinfo() {
        for (input, shown) in [
            // A password holding `/` after digits: host `user`, port 123.
            ("http://user:123/4@h/x", "http://***@h/x"),
            // No host: `user:pw` is a path to the parser.
            ("foo:user:pw@h", "***@h"),
            ("foo:/user:pw@h", "***@h"),
        ] {
            let url = url::Url::parse(input).unwrap();
            let e = Error::Dns("no such host".into()).at(&url);
            assert_eq!(e.to_string(), format!("no such host ({shown})"));
            assert!(!format!("{e:?}").contains("pw") && !format!("{e:?}").contains("123"));
        }
    }
}
