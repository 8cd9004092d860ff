//! An ordered, case-insensitive header list, and header validation as requests does it.

use crate::error::{Error, Result};

/// Headers in order; names compare ASCII-case-insensitively and may repeat.
///
/// A `Vec` rather than a map: header lists are short, order matters (requests
/// keeps an overridden header's position), and responses repeat names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    #[cfg(test)]
    /// An empty list.
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// Builds a list from pairs, validating every name and value.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self> {
        for (name, value) in &pairs {
            validate(name, value)?;
        }
        Ok(Headers(pairs))
    }

    /// Builds a list from pairs that are known to be valid (received from a host).
    pub fn from_trusted(pairs: Vec<(String, String)>) -> Self {
        Headers(pairs)
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name` joined with `, ` (as requests' `CaseInsensitiveDict` shows them).
    pub fn get_joined(&self, name: &str) -> Option<String> {
        let mut values = self.get_all(name).peekable();
        values.peek()?;
        Some(values.collect::<Vec<_>>().join(", "))
    }

    /// True if `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name` to `value`: the first entry of that name takes the new name
    /// casing and value in place (requests keeps the position); later ones go.
    pub fn set(&mut self, name: &str, value: &str) {
        let mut first = true;
        self.0.retain_mut(|(n, v)| {
            if !n.eq_ignore_ascii_case(name) {
                return true;
            }
            if first {
                first = false;
                *n = name.to_string();
                *v = value.to_string();
                return true;
            }
            false
        });
        if first {
            self.0.push((name.to_string(), value.to_string()));
        }
    }

    /// Validates, then sets.
    pub fn set_checked(&mut self, name: &str, value: &str) -> Result<()> {
        validate(name, value)?;
        self.set(name, value);
        Ok(())
    }

    /// Adds an entry after the others, keeping any of the same name.
    pub fn append(&mut self, name: &str, value: &str) {
        self.0.push((name.to_string(), value.to_string()));
    }

    /// Removes every entry of `name`; true if there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.0.len() != before
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The entries as owned pairs.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        self.0.clone()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[cfg(test)]
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Validates a header as requests does (`_validate_header_part`): a name is an
/// RFC 9110 token; a value has no leading whitespace and no CR, LF or NUL.
pub fn validate(name: &str, value: &str) -> Result<()> {
    validate_name(name)?;
    validate_value(name, value)
}

/// A header name must be a non-empty RFC 9110 token.
pub fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() || !name.bytes().all(is_tchar) {
        return Err(Error::InvalidHeader(format!(
            "Invalid leading whitespace, reserved character(s), or return character(s) in header name: {name:?}"
        )));
    }
    Ok(())
}

/// A header value must not start with whitespace nor hold CR, LF, NUL or other
/// control characters except horizontal tab (header injection, RFC 9110 §5.5).
pub fn validate_value(name: &str, value: &str) -> Result<()> {
    let bad_lead = value.starts_with([' ', '\t']);
    let bad_char = value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f);
    if bad_lead || bad_char {
        return Err(Error::InvalidHeader(format!(
            "Invalid leading whitespace, reserved character(s), or return character(s) in header value of {name:?}: {value:?}"
        )));
    }
    Ok(())
}

/// RFC 9110 §5.6.2 `tchar`.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A method must be an RFC 9110 token; it is upper-cased.
pub fn validate_method(method: &str) -> Result<String> {
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(Error::InvalidMethod(format!(
            "invalid HTTP method {method:?}: it must be a token such as GET"
        )));
    }
    Ok(method.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_position_and_takes_new_casing() {
        let mut h = Headers::from_trusted(vec![
            ("accept".into(), "*/*".into()),
            ("X-Two".into(), "2".into()),
        ]);
        h.set("Accept", "application/json");
        assert_eq!(
            h.to_pairs(),
            vec![
                ("Accept".into(), "application/json".into()),
                ("X-Two".into(), "2".into())
            ]
        );
    }

    #[test]
    fn lookups_are_case_insensitive_and_repeats_join() {
        let mut h = Headers::new();
        h.append("Set-Cookie", "a=1");
        h.append("set-cookie", "b=2");
        assert_eq!(h.get("SET-COOKIE"), Some("a=1"));
        assert_eq!(h.get_joined("set-cookie").as_deref(), Some("a=1, b=2"));
        assert!(h.remove("Set-cookie"));
        assert!(h.is_empty());
    }

    #[test]
    fn crlf_in_a_value_is_refused() {
        assert!(matches!(
            validate("X-A", "ok\r\nInjected: yes"),
            Err(Error::InvalidHeader(_))
        ));
        assert!(matches!(
            validate("X-A", "a\nb"),
            Err(Error::InvalidHeader(_))
        ));
        assert!(matches!(
            validate("X-A", " leading"),
            Err(Error::InvalidHeader(_))
        ));
        assert!(validate("X-A", "").is_ok());
        assert!(validate("X-A", "tab\tinside").is_ok());
    }

    #[test]
    fn bad_names_are_refused() {
        for name in ["", "Bad Name", "a:b", "x\r\ny", "caf\u{e9}"] {
            assert!(
                matches!(validate_name(name), Err(Error::InvalidHeader(_))),
                "{name:?}"
            );
        }
        assert!(validate_name("X-Custom_Header.1").is_ok());
    }

    #[test]
    fn every_operation_is_linear_in_the_number_of_headers() {
        // A response may carry thousands of fields; no operation looks at each against each.
        let n = 100_000;
        let mut h = Headers::from_pairs(
            (0..n)
                .map(|i| (format!("X-H{}", i % 1000), format!("{i}")))
                .collect(),
        )
        .unwrap();
        // Linear passes: a quadratic regression would make this test crawl.
        assert_eq!(h.get_all("x-h7").count(), n / 1000);
        assert_eq!(h.get_joined("X-H7").map(|j| !j.is_empty()), Some(true));
        h.set("x-h7", "one");
        assert_eq!(h.get_all("X-H7").collect::<Vec<_>>(), ["one"]);
        assert!(h.remove("X-h8"));
        assert!(!h.contains("x-h8"));
        assert_eq!(h.len(), n - 2 * (n / 1000) + 1);
    }

    use proptest::prelude::*;

    /// What RFC 9110 allows, written apart from `validate`: a name is 1+ `tchar`s; a value
    /// has no control character but tab and does not start with a space or tab.
    fn name_ok(name: &str) -> bool {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
    }

    fn value_ok(value: &str) -> bool {
        !value.starts_with([' ', '\t'])
            && value.chars().all(|c| c == '\t' || !(c.is_ascii_control()))
    }

    /// Any text, short: cheaper to generate than `any::<String>()`, and as varied per character.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(any::<char>(), 0..16).prop_map(String::from_iter)
    }

    /// A name from a few, in any letter case.
    fn name() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!["accept", "x-a", "set-cookie", "link"]),
            proptest::collection::vec(any::<bool>(), 10),
        )
            .prop_map(|(n, upper)| {
                n.chars()
                    .zip(upper)
                    .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                    .collect()
            })
    }

    #[derive(Debug, Clone)]
    enum Op {
        Append(String, String),
        Set(String, String),
        Remove(String),
    }

    fn op() -> impl Strategy<Value = Op> {
        let value = || proptest::string::string_regex("[a-z0-9]{0,3}").unwrap();
        prop_oneof![
            (name(), value()).prop_map(|(n, v)| Op::Append(n, v)),
            (name(), value()).prop_map(|(n, v)| Op::Set(n, v)),
            name().prop_map(Op::Remove),
        ]
    }

    proptest! {
        // Any name and value: validation accepts exactly what RFC 9110 allows, so CR, LF and
        // NUL anywhere in a value (or a leading space) and any non-token name are InvalidHeader.
        #[test]
        fn prop_validation_accepts_exactly_rfc_9110_names_and_values(
            name in prop_oneof![text(), proptest::string::string_regex("[!-~]{0,8}").unwrap()],
            value in prop_oneof![text(), proptest::string::string_regex("[ \t!-~]{0,8}").unwrap()],
            inject in proptest::option::of((prop::sample::select(vec!['\r', '\n', '\0']), any::<prop::sample::Index>())),
        ) {
            let mut value = value;
            if let Some((c, at)) = inject {
                let mut chars: Vec<char> = value.chars().collect();
                chars.insert(at.index(chars.len() + 1), c);
                value = chars.into_iter().collect();
                prop_assert!(matches!(validate_value("X-A", &value), Err(Error::InvalidHeader(_))));
            }
            prop_assert_eq!(validate_name(&name).is_ok(), name_ok(&name), "{:?}", name);
            prop_assert_eq!(validate_value("X-A", &value).is_ok(), value_ok(&value), "{:?}", value);
            let both = validate(&name, &value);
            prop_assert_eq!(both.is_ok(), name_ok(&name) && value_ok(&value));
            prop_assert!(both.is_ok() || matches!(both, Err(Error::InvalidHeader(_))));
            let mut h = Headers::new();
            let set = h.set_checked(&name, &value);
            prop_assert_eq!(set.is_ok(), h.len() == 1);
            prop_assert!(Headers::from_pairs(vec![(name.clone(), value.clone())]).is_ok() == both.is_ok());
        }

        // Any run of append, set and remove with names in any letter case: every lookup is
        // case-insensitive; `set` leaves one entry, at the first one's place, with the new
        // casing; `remove` leaves none; entries of other names keep their order and values.
        #[test]
        fn prop_case_insensitive_operations_keep_their_invariants(
            ops in proptest::collection::vec(op(), 0..20),
        ) {
            let mut h = Headers::new();
            for op in &ops {
                let before = h.to_pairs();
                let others = |pairs: &[(String, String)], name: &str| -> Vec<(String, String)> {
                    pairs.iter().filter(|(n, _)| !n.eq_ignore_ascii_case(name)).cloned().collect()
                };
                match op {
                    Op::Append(n, v) => {
                        h.append(n, v);
                        prop_assert_eq!(h.len(), before.len() + 1);
                        let upper = n.to_ascii_uppercase();
                        prop_assert_eq!(h.get_all(&upper).last(), Some(v.as_str()));
                    }
                    Op::Set(n, v) => {
                        let first = before.iter().position(|(b, _)| b.eq_ignore_ascii_case(n));
                        h.set(n, v);
                        prop_assert_eq!(h.get_all(n).count(), 1);
                        prop_assert_eq!(h.get(&n.to_ascii_lowercase()), Some(v.as_str()));
                        let at = h.iter().position(|(b, _)| b == n);
                        match first {
                            Some(i) => prop_assert_eq!(at, Some(i)),
                            None => prop_assert_eq!(at, Some(h.len() - 1)),
                        }
                    }
                    Op::Remove(n) => {
                        let had = before.iter().any(|(b, _)| b.eq_ignore_ascii_case(n));
                        prop_assert_eq!(h.remove(n), had);
                        prop_assert!(!h.contains(&n.to_ascii_uppercase()));
                        prop_assert_eq!(h.get_joined(n), None);
                    }
                }
                let name = match op {
                    Op::Append(n, _) | Op::Set(n, _) | Op::Remove(n) => n,
                };
                prop_assert_eq!(others(&h.to_pairs(), name), others(&before, name));
                let joined = h.get_joined(name);
                let all: Vec<&str> = h.get_all(name).collect();
                prop_assert_eq!(joined, (!all.is_empty()).then(|| all.join(", ")));
                prop_assert_eq!(h.contains(name), h.get(name).is_some());
            }
        }
    }
}
