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
            redact_str(input)
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
pub fn parse_with_base(input: &str, base: Option<&Url>) -> Result<Url> {
    match (parse(input), base) {
        (Err(Error::MissingSchema(_)), Some(base)) => {
            let mut dir = base.clone();
            if !dir.path().ends_with('/') {
                let path = format!("{}/", dir.path());
                dir.set_path(&path);
            }
            dir.join(input.trim().trim_start_matches('/')).map_err(|e| {
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
    while i < bytes.len() {
        let byte = bytes[i];
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

/// Hides the userinfo of a URL that did not parse: everything between `://`
/// and the last `@` of the authority becomes `***`.
pub fn redact_str(input: &str) -> String {
    let Some(start) = input.find("://").map(|i| i + 3) else {
        return input.to_string();
    };
    let rest = &input[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &input[..start], &rest[at + 1..]),
        None => input.to_string(),
    }
}

/// The URL as text without userinfo (it is removed when a request is prepared;
/// this guards URLs that come from elsewhere, such as a `Location` header).
pub fn redact(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.as_str().to_string();
    }
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.into()
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
        assert_eq!(redact_str("https://u:p@h:1/a@b"), "https://***@h:1/a@b");
        assert_eq!(redact(&Url::parse("http://u:p@h/").unwrap()), "http://h/");
    }

    #[test]
    fn idna_hosts_are_encoded() {
        assert_eq!(
            parse("http://bücher.example/").unwrap().host_str(),
            Some("xn--bcher-kva.example")
        );
    }
}
