//! `Link` headers (RFC 8288): the parser behind `Response::links`.

use super::Response;
use url::Url;

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
    /// URL resolved against the response URL. Malformed entries are skipped.
    pub fn links(&self) -> Vec<Link> {
        self.headers
            .get_all("link")
            .flat_map(|value| parse_links(value, self.url()))
            .collect()
    }
}

/// The links of one `Link` header value (RFC 8288 §3):
/// `<uri>; rel="next"; title=x, <uri2>; rel=prev`. Quoted strings may hold
/// commas and semicolons. An entry that does not parse, or whose URI does not
/// resolve, is skipped up to the next top-level comma.
fn parse_links(value: &str, base: &Url) -> Vec<Link> {
    let mut links = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        if rest.is_empty() {
            return links;
        }
        match parse_link(rest) {
            Some((target, params, after)) => {
                rest = after;
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
            None => rest = skip_entry(rest),
        }
    }
}

/// A link's parameters: lower-case names and unquoted values, in order.
type Params = Vec<(String, String)>;

/// One `<uri> *( ";" param )` entry at the start of `s`: the URI, the
/// parameters, and what follows the entry (at a `,` or the end).
fn parse_link(s: &str) -> Option<(&str, Params, &str)> {
    let s = s.strip_prefix('<')?;
    let (target, mut rest) = s.split_once('>')?;
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest.starts_with(',') {
            return Some((target, params, rest));
        }
        rest = rest.strip_prefix(';')?.trim_start();
        if rest.is_empty() || rest.starts_with(',') || rest.starts_with(';') {
            // An empty parameter (`<u>;` or `<u>;;rel=x`): nothing to keep.
            continue;
        }
        let name_end = rest
            .find(|c: char| c == '=' || c == ';' || c == ',' || c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let name = rest.get(..name_end)?.to_ascii_lowercase();
        rest = rest.get(name_end..)?.trim_start();
        let value = match rest.strip_prefix('=') {
            None => String::new(),
            Some(after) => {
                let after = after.trim_start();
                let (value, after) = match after.strip_prefix('"') {
                    Some(quoted) => unquote(quoted)?,
                    None => {
                        let end = after.find([';', ',']).unwrap_or(after.len());
                        (after.get(..end)?.trim_end().to_string(), after.get(end..)?)
                    }
                };
                rest = after;
                value
            }
        };
        params.push((name, value));
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
