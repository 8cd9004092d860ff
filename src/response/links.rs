//! `Link` headers (RFC 8288): the parser behind `Response::links`.
//!
//! A server controls how many `Link` fields it sends and how long they are, so
//! parsing is bounded: at most [`MAX_LINK_BYTES`] of `Link` values are looked
//! at and at most [`MAX_LINKS`] links are kept, and every step of the parser
//! moves forward (a malformed entry is skipped from where it went wrong, not
//! re-read from its start), so the work is linear in the bytes looked at.

use super::Response;
use url::Url;

/// The most links [`Response::links`] gives for one response; later ones are
/// left out. Defaults to 256: pagination sends a handful (`first`, `prev`,
/// `next`, `last`), and each link costs a URL resolution.
pub const MAX_LINKS: usize = 256;

/// The most bytes of `Link` field values (all of a response's fields together)
/// [`Response::links`] looks at; the rest is ignored, and an entry the limit
/// cuts through is left out rather than read half. Defaults to 64 KiB.
pub const MAX_LINK_BYTES: usize = 64 * 1024;

/// One link of a `Link` header (RFC 8288), as requests' `Response.links` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The target, resolved against the response URL.
    pub url: String,
    /// The `rel` parameter (the first one, as RFC 8288 §3.3 says), if any.
    pub rel: Option<String>,
    /// The other parameters in order: names lower-case, values unquoted, `""`
    /// for a parameter without a value.
    pub params: Vec<(String, String)>,
}

impl Response {
    /// The links of every `Link` header (requests' `links`), in order, each
    /// URL resolved against the response URL. Malformed entries are skipped;
    /// at most [`MAX_LINKS`] links from the first [`MAX_LINK_BYTES`] of the
    /// values are given.
    pub fn links(&self) -> Vec<Link> {
        links_of(self.headers.get_all("link"), self.url())
    }
}

/// The links of `Link` field values, within [`MAX_LINKS`] and [`MAX_LINK_BYTES`].
fn links_of<'a>(values: impl IntoIterator<Item = &'a str>, base: &Url) -> Vec<Link> {
    let mut links = Vec::new();
    let mut budget = MAX_LINK_BYTES;
    for value in values {
        if links.len() >= MAX_LINKS || budget == 0 {
            break;
        }
        let end = value.floor_char_boundary(budget);
        let looked_at = value.get(..end).unwrap_or_default();
        budget -= looked_at.len();
        parse_links(looked_at, end < value.len(), base, &mut links);
    }
    links
}

/// Appends the links of one `Link` header value (RFC 8288 §3), up to
/// [`MAX_LINKS`] in all: `<uri>; rel="next"; title=x, <uri2>; rel=prev`.
/// Quoted strings may hold commas and semicolons. An entry that does not
/// parse, or whose URI does not resolve, is skipped up to the next top-level
/// comma. `cut`: `value` is the start of a longer value, so an entry that runs
/// to its end may be incomplete and is left out.
fn parse_links(value: &str, cut: bool, base: &Url, links: &mut Vec<Link>) {
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        if rest.is_empty() || links.len() >= MAX_LINKS {
            return;
        }
        match parse_link(rest) {
            Ok((target, params, after)) => {
                rest = after;
                if cut && after.is_empty() {
                    return;
                }
                let Ok(url) = base.join(target.trim()) else {
                    continue;
                };
                let mut rel = None;
                let mut others = Vec::new();
                for (name, value) in params {
                    if name == "rel" {
                        rel.get_or_insert(value);
                    } else {
                        others.push((name, value));
                    }
                }
                links.push(Link {
                    url: url.to_string(),
                    rel,
                    params: others,
                });
            }
            Err(resume) => rest = skip_entry(resume),
        }
    }
}

/// A link's parameters: lower-case names and unquoted values, in order.
type Params = Vec<(String, String)>;

/// One `<uri> *( ";" param )` entry at the start of `s`: the URI, the
/// parameters, and what follows the entry (at a `,` or the end). When the
/// entry is malformed, `Err` holds where it went wrong, to skip on from; it is
/// empty when nothing after it can parse either (no `>` left to close a URI,
/// or a quoted string never closed).
fn parse_link(s: &str) -> std::result::Result<(&str, Params, &str), &str> {
    let Some(s) = s.strip_prefix('<') else {
        return Err(s);
    };
    let Some((target, mut rest)) = s.split_once('>') else {
        return Err("");
    };
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest.starts_with(',') {
            return Ok((target, params, rest));
        }
        let Some(after) = rest.strip_prefix(';') else {
            return Err(rest);
        };
        rest = after.trim_start();
        if rest.is_empty() || rest.starts_with(',') || rest.starts_with(';') {
            // An empty parameter (`<u>;` or `<u>;;rel=x`): nothing to keep.
            continue;
        }
        let name_end = rest
            .find(|c: char| c == '=' || c == ';' || c == ',' || c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let Some((name, after_name)) = rest.split_at_checked(name_end) else {
            return Err("");
        };
        rest = after_name.trim_start();
        let value = match rest.strip_prefix('=') {
            None => String::new(),
            Some(after) => {
                let after = after.trim_start();
                match after.strip_prefix('"') {
                    Some(quoted) => {
                        let Some((value, after)) = unquote(quoted) else {
                            return Err("");
                        };
                        rest = after;
                        value
                    }
                    None => {
                        let end = after.find([';', ',']).unwrap_or(after.len());
                        let Some((value, after)) = after.split_at_checked(end) else {
                            return Err("");
                        };
                        rest = after;
                        value.trim_end().to_string()
                    }
                }
            }
        };
        params.push((name.to_ascii_lowercase(), value));
    }
}

/// The rest of a quoted string (after its opening `"`): its value, with
/// `\x` escapes undone, and what follows the closing quote. `None` if unclosed.
fn unquote(s: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, s.get(i + 1..)?)),
            '\\' => value.push(chars.next()?.1),
            c => value.push(c),
        }
    }
    None
}

/// What follows a malformed entry: the text after its next comma outside a
/// quoted string, or nothing.
fn skip_entry(s: &str) -> &str {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => return s.get(i + 1..).unwrap_or_default(),
            _ => {}
        }
    }
    ""
}

#[cfg(test)]
#[path = "links_tests.rs"]
mod tests;
