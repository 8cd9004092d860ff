//! An ordered, case-insensitive header list, and header validation as requests does it.

use crate::error::{Error, Result};

/// Headers in order; names compare ASCII-case-insensitively and may repeat.
///
/// A `Vec` rather than a map: header lists are short, order matters (requests
/// keeps an overridden header's position), and responses repeat names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
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
}
