//! Tests of `links`: the bounds on what a server's `Link` fields cost, and property tests of
//! the parser (run longer with `PROPTEST_CASES`).

use super::*;
use proptest::prelude::*;

/// A strategy for strings matching `pattern`, compiled once (a `&str` strategy compiles its
/// regex again for every value).
fn re(pattern: &str) -> proptest::string::RegexGeneratorStrategy<String> {
    proptest::string::string_regex(pattern).expect("a valid regex")
}

fn base() -> Url {
    Url::parse("http://h/x").unwrap()
}

fn links(values: &[&str]) -> Vec<Link> {
    links_of(values.iter().copied(), &base())
}

/// The value of a quoted-string holding `s` (RFC 9110 §5.6.4).
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[test]
fn at_most_max_links_are_kept() {
    let value = "<a>; rel=x, ".repeat(MAX_LINKS + 50);
    assert_eq!(links(&[&value]).len(), MAX_LINKS);
    // Across fields too.
    let one = "<a>; rel=x";
    let many = vec![one; MAX_LINKS + 1];
    assert_eq!(links(&many).len(), MAX_LINKS);
}

#[test]
fn bytes_past_the_limit_are_not_looked_at_and_a_cut_entry_is_left_out() {
    // Two fields: the first fills all but 10 bytes of the budget with padding, the
    // second holds an entry of 11 bytes, which the limit cuts.
    let padding = " ".repeat(MAX_LINK_BYTES - 10);
    let first = format!("{padding}<a>");
    assert_eq!(first.len(), MAX_LINK_BYTES - 7);
    let got = links(&[&first, "<b>; rel=long", "<c>"]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].url, "http://h/a");
    // An entry that ends within the limit, followed by one cut through, in one field.
    let value = format!("<d>,{}<e>; rel=next", " ".repeat(MAX_LINK_BYTES));
    let got = links(&[&value]);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].url, "http://h/d");
    // The cut never splits a character.
    let value = format!("a{}<é>", "é".repeat(MAX_LINK_BYTES));
    assert!(links(&[&value]).is_empty());
}

#[test]
fn adversarial_values_parse_in_linear_time() {
    // Each of these made the old parser re-read the rest of the value for every entry
    // (quadratic: minutes for a megabyte). Parsed directly, past the byte limit.
    let mb = 1 << 20;
    let cases = [
        "<,".repeat(mb / 2),
        format!("{}>x", "<a,".repeat(mb / 3)),
        format!("{}>", "<a>; t=\",".repeat(mb / 9)),
        format!("{}\"", "<a> x,".repeat(mb / 6)),
        ";".repeat(mb),
    ];
    for value in &cases {
        // No timing assertion: a quadratic regression would make this test crawl.
        let mut out = Vec::new();
        parse_links(value, false, &base(), &mut out);
    }
}

#[test]
fn a_malformed_entry_is_skipped_from_where_it_went_wrong() {
    // A quote inside the URI does not open a quoted string for the skip.
    let got = links(&[r#"<a"b> junk, <c>; rel=next"#]);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].url, "http://h/c");
    // No `>` left: nothing after can parse.
    assert!(links(&["<a, <b, <c"]).is_empty());
}

/// A link as a test builds it: a path, a rel, and parameters with token names.
#[derive(Debug, Clone)]
struct Spec {
    path: String,
    rel: Option<String>,
    params: Vec<(String, String)>,
    quote_values: bool,
}

impl Spec {
    fn header(&self) -> String {
        let mut out = format!("<{}>", self.path);
        if let Some(rel) = &self.rel {
            out.push_str("; rel=");
            out.push_str(&quoted(rel));
        }
        for (name, value) in &self.params {
            out.push_str(" ;");
            out.push_str(name);
            if self.quote_values || value.is_empty() {
                out.push('=');
                out.push_str(&quoted(value));
            } else {
                out.push_str(" = ");
                out.push_str(value);
            }
        }
        out
    }
}

/// Any text, short: cheaper to generate than `any::<String>()`, and as varied per character.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..16).prop_map(String::from_iter)
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        re("([a-z0-9._~-][a-z0-9/._~-]{0,11})?"),
        proptest::option::of(text()),
        // Parameter names are tokens other than `rel`; unquoted values are tokens.
        proptest::collection::vec((re("[a-qs-zA-QS-Z0-9!#$%&'*+.^_`|~-]{1,8}"), text()), 0..4),
        any::<bool>(),
        re("[a-zA-Z0-9!#$%&'*+.^_`|~-]{1,10}"),
    )
        .prop_map(|(path, rel, params, quote_values, token)| {
            let params = params
                .into_iter()
                .map(|(name, value)| (name, if quote_values { value } else { token.clone() }))
                .collect();
            Spec {
                path,
                rel,
                params,
                quote_values,
            }
        })
}

proptest! {
    // Any values, of any characters and in any number of fields: no panic, at most
    // MAX_LINKS links, and every link's URL an absolute URL that parses again.
    #[test]
    fn prop_any_link_values_give_bounded_links_of_absolute_urls(
        values in proptest::collection::vec(
            prop_oneof![text(), re("[<>;,=\" \\\\a-c]{0,40}")], 0..6),
    ) {
        let got = links_of(values.iter().map(String::as_str), &base());
        prop_assert!(got.len() <= MAX_LINKS);
        for link in &got {
            prop_assert!(Url::parse(&link.url).is_ok(), "{:?}", link);
            prop_assert!(link.params.iter().all(|(n, _)| *n == n.to_ascii_lowercase() && n != "rel"));
        }
    }

    // Links written as RFC 8288 says (quoted or token values, any text in quotes) read back
    // as written: the URL resolved, the rel and parameters unquoted, names lower-case.
    #[test]
    fn prop_well_formed_links_read_back_as_written(
        specs in proptest::collection::vec(spec(), 0..5),
        split in any::<bool>(),
    ) {
        let headers: Vec<String> = specs.iter().map(Spec::header).collect();
        let got = if split {
            links_of(headers.iter().map(String::as_str), &base())
        } else {
            links(&[&headers.join(", ")])
        };
        prop_assert_eq!(got.len(), specs.len());
        for (link, spec) in got.iter().zip(&specs) {
            prop_assert_eq!(&link.url, &base().join(&spec.path).unwrap().to_string());
            prop_assert_eq!(&link.rel, &spec.rel);
            let want: Vec<(String, String)> = spec
                .params
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
                .collect();
            prop_assert_eq!(&link.params, &want);
        }
    }

    // A malformed entry (text not starting with `<`, without quotes or commas) between
    // well-formed ones is skipped and costs none of them.
    #[test]
    fn prop_a_malformed_entry_costs_no_other_link(
        specs in proptest::collection::vec(spec(), 1..4),
        junk in re("[^<,\"\\s][^,\"]{0,20}"),
        at in any::<prop::sample::Index>(),
    ) {
        let mut entries: Vec<String> = specs.iter().map(Spec::header).collect();
        entries.insert(at.index(entries.len() + 1), junk);
        let got = links(&[&entries.join(",")]);
        prop_assert_eq!(got.len(), specs.len());
        for (link, spec) in got.iter().zip(&specs) {
            prop_assert_eq!(&link.rel, &spec.rel);
        }
    }
}
