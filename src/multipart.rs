//! `multipart/form-data` bodies (RFC 7578), as requests builds them for `files=`.
//!
//! The layout is urllib3's `encode_multipart_formdata`: each part is
//! `--boundary CRLF`, its headers (`Content-Disposition` first, then
//! `Content-Type`, then any extra headers, in order), a blank line, the data,
//! and CRLF; the body ends with `--boundary-- CRLF`.
//!
//! Choices, where requests/urllib3 leave room:
//! - **Names and filenames** are sent as UTF-8 inside a quoted string, never as
//!   `filename*` (RFC 7578 §4.2 forbids it). `"` becomes `%22`, as browsers and
//!   urllib3 2 send it (HTML's form-data encoding), and `\` becomes `\\`, so a
//!   parser that honours quoted-pairs (Go, busboy, Werkzeug) reads the original
//!   name and a trailing `\` cannot swallow the closing quote. CR, LF and NUL are
//!   refused (`InvalidHeader`) instead of being escaped: in a name they are
//!   almost always an injection attempt.
//! - **Content type**: a part with a filename and no `Content-Type` is sent as
//!   `application/octet-stream`. urllib3 guesses from the extension and requests
//!   sends none; a component carries no MIME table, and RFC 7578 §4.4 names
//!   this type for files of unknown type. A part without a filename gets no
//!   `Content-Type` (RFC 7578 §4.4: `text/plain` is implied).
//! - **The boundary** must be 1-70 RFC 2046 `bchars`, not ending in a space, and
//!   must not occur in any part's data (a caller-chosen boundary found in a
//!   file would let the file's content forge parts); both give `InvalidOption`.

use crate::error::{Error, Result};

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Part {
    /// The form field name (`Content-Disposition: form-data; name="..."`).
    pub name: String,
    /// The file name, for a file part.
    pub filename: Option<String>,
    /// The part's `Content-Type`; a file part without one is `application/octet-stream`.
    pub content_type: Option<String>,
    /// Extra part headers, after `Content-Disposition` and `Content-Type`.
    pub headers: Vec<(String, String)>,
    /// The part's content.
    pub data: Vec<u8>,
}

impl Part {
    /// A plain form field.
    pub fn field(name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        Part {
            name: name.into(),
            data: value.into(),
            ..Part::default()
        }
    }

    /// A file field.
    pub fn file(
        name: impl Into<String>,
        filename: impl Into<String>,
        content_type: Option<String>,
        data: Vec<u8>,
    ) -> Self {
        Part {
            name: name.into(),
            filename: Some(filename.into()),
            content_type,
            headers: Vec::new(),
            data,
        }
    }
}

/// The type of a file part that names none.
pub const DEFAULT_FILE_TYPE: &str = "application/octet-stream";

/// The `Content-Type` of a body encoded with `boundary`.
pub fn content_type(boundary: &str) -> String {
    format!("multipart/form-data; boundary={boundary}")
}

/// A fresh boundary: 32 lower-case hex digits from the platform's random
/// source (`wasi:random` in the component), as urllib3's `choose_boundary`.
/// `Unsupported` if there is no random source.
pub fn random_boundary() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::Unsupported(format!("no random source for a multipart boundary: {e}"))
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Encodes `parts` as a `multipart/form-data` body delimited by `boundary`.
/// Every part's data is copied once, into the body. An empty list gives the
/// closing delimiter alone, as urllib3 does.
pub fn encode(parts: Vec<Part>, boundary: &str) -> Result<Vec<u8>> {
    validate_boundary(boundary)?;
    let delimiter = format!("--{boundary}");

    // Headers first, so the body can be allocated once at its final size.
    let mut heads = Vec::with_capacity(parts.len());
    for part in &parts {
        if contains(&part.data, delimiter.as_bytes()) {
            return Err(Error::InvalidOption(format!(
                "the multipart boundary {boundary:?} occurs in the data of part {:?}",
                part.name
            )));
        }
        heads.push(part_head(part)?);
    }
    let size = parts
        .iter()
        .zip(&heads)
        .map(|(p, h)| delimiter.len() + 2 + h.len() + p.data.len() + 2)
        .sum::<usize>()
        + delimiter.len()
        + 4;

    let mut body = Vec::with_capacity(size);
    for (part, head) in parts.iter().zip(&heads) {
        body.extend_from_slice(delimiter.as_bytes());
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(head.as_bytes());
        body.extend_from_slice(&part.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(delimiter.as_bytes());
    body.extend_from_slice(b"--\r\n");
    Ok(body)
}

/// A part's header block, ending with the blank line.
fn part_head(part: &Part) -> Result<String> {
    let mut head = String::from("Content-Disposition: form-data; ");
    head.push_str(&quoted_param("name", &part.name)?);
    if let Some(filename) = &part.filename {
        head.push_str("; ");
        head.push_str(&quoted_param("filename", filename)?);
    }
    head.push_str("\r\n");

    let extra_type = part
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    for (name, value) in &part.headers {
        crate::headers::validate(name, value)?;
        if name.eq_ignore_ascii_case("content-disposition") {
            return Err(Error::InvalidHeader(format!(
                "part {:?}: Content-Disposition is built from the name and filename, not given as a header",
                part.name
            )));
        }
    }
    let content_type = match (&part.content_type, extra_type) {
        (Some(_), true) => {
            return Err(Error::InvalidHeader(format!(
                "part {:?} has a content type and a Content-Type header",
                part.name
            )))
        }
        (Some(ct), false) => Some(ct.as_str()),
        (None, false) if part.filename.is_some() => Some(DEFAULT_FILE_TYPE),
        (None, _) => None,
    };
    if let Some(ct) = content_type {
        crate::headers::validate_value("Content-Type", ct)?;
        head.push_str("Content-Type: ");
        head.push_str(ct);
        head.push_str("\r\n");
    }
    for (name, value) in &part.headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    Ok(head)
}

/// `key="value"`, with `"` as `%22` and `\` as `\\`; CR, LF and NUL refused.
fn quoted_param(key: &str, value: &str) -> Result<String> {
    if value.contains(['\r', '\n', '\0']) {
        return Err(Error::InvalidHeader(format!(
            "a multipart {key} cannot contain CR, LF or NUL: {value:?}"
        )));
    }
    let mut out = String::with_capacity(key.len() + value.len() + 3);
    out.push_str(key);
    out.push_str("=\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("%22"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(out)
}

/// RFC 2046 §5.1.1: 1-70 `bchars`, the last not a space.
fn validate_boundary(boundary: &str) -> Result<()> {
    let bchar = |b: u8| b.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&b);
    if boundary.is_empty()
        || boundary.len() > 70
        || boundary.ends_with(' ')
        || !boundary.bytes().all(bchar)
    {
        return Err(Error::InvalidOption(format!(
            "invalid multipart boundary {boundary:?}: it must be 1-70 letters, digits or '()+_,-./:=? (not ending in a space)"
        )));
    }
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack.len() >= needle.len()
        && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_and_a_file_encode_byte_for_byte() {
        let parts = vec![
            Part::field("title", "hello"),
            Part::file("upload", "a.txt", None, b"line1\nline2".to_vec()),
            Part::file(
                "doc",
                "d.json",
                Some("application/json".into()),
                b"{}".to_vec(),
            ),
        ];
        let body = encode(parts, "XyZ").unwrap();
        let expected = "--XyZ\r\n\
            Content-Disposition: form-data; name=\"title\"\r\n\
            \r\n\
            hello\r\n\
            --XyZ\r\n\
            Content-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\r\n\
            Content-Type: application/octet-stream\r\n\
            \r\n\
            line1\nline2\r\n\
            --XyZ\r\n\
            Content-Disposition: form-data; name=\"doc\"; filename=\"d.json\"\r\n\
            Content-Type: application/json\r\n\
            \r\n\
            {}\r\n\
            --XyZ--\r\n";
        assert_eq!(String::from_utf8(body.clone()).unwrap(), expected);
        assert_eq!(
            body.capacity(),
            body.len(),
            "allocated once at its final size"
        );
    }

    #[test]
    fn extra_headers_follow_the_content_type() {
        let part = Part {
            name: "f".into(),
            filename: Some("x.bin".into()),
            headers: vec![("X-Checksum".into(), "abc".into())],
            data: vec![0, 255],
            ..Part::default()
        };
        let body = encode(vec![part], "b").unwrap();
        let mut expected = b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\nContent-Type: application/octet-stream\r\nX-Checksum: abc\r\n\r\n".to_vec();
        expected.extend_from_slice(&[0, 255]);
        expected.extend_from_slice(b"\r\n--b--\r\n");
        assert_eq!(body, expected);

        // A Content-Type given as a header replaces the default, once.
        let part = Part {
            name: "f".into(),
            filename: Some("x".into()),
            headers: vec![("content-type".into(), "text/csv".into())],
            ..Part::default()
        };
        let text = String::from_utf8(encode(vec![part], "b").unwrap()).unwrap();
        assert!(text.contains("\r\ncontent-type: text/csv\r\n"));
        assert!(!text.contains("octet-stream"));
    }

    #[test]
    fn quotes_and_backslashes_are_escaped_and_utf8_kept() {
        let part = Part::file(
            r#"a"b\c"#,
            "naïve \"q\".txt",
            Some("text/plain".into()),
            vec![],
        );
        let text = String::from_utf8(encode(vec![part], "b").unwrap()).unwrap();
        assert!(text.contains(
            "Content-Disposition: form-data; name=\"a%22b\\\\c\"; filename=\"naïve %22q%22.txt\"\r\n"
        ));
        assert!(!text.contains("filename*"));
    }

    #[test]
    fn header_injection_is_refused() {
        let bad = [
            Part::field("a\r\nX-Evil: 1", "v"),
            Part::file("a", "f\n.txt", None, vec![]),
            Part::file("a", "f.txt", Some("text/plain\r\nX-Evil: 1".into()), vec![]),
            Part {
                name: "a".into(),
                headers: vec![("X-A".into(), "1\r\nX-Evil: 1".into())],
                ..Part::default()
            },
            Part {
                name: "a".into(),
                headers: vec![("Bad Name".into(), "1".into())],
                ..Part::default()
            },
            Part {
                name: "a".into(),
                headers: vec![("Content-Disposition".into(), "attachment".into())],
                ..Part::default()
            },
            Part {
                name: "a".into(),
                content_type: Some("text/plain".into()),
                headers: vec![("Content-Type".into(), "text/csv".into())],
                ..Part::default()
            },
        ];
        for part in bad {
            let err = encode(vec![part.clone()], "b").unwrap_err();
            assert!(matches!(err, Error::InvalidHeader(_)), "{part:?}: {err:?}");
        }
    }

    #[test]
    fn an_empty_list_is_the_closing_delimiter() {
        assert_eq!(encode(Vec::new(), "XyZ").unwrap(), b"--XyZ--\r\n");
    }

    #[test]
    fn bad_boundaries_are_refused() {
        for b in ["", "a\r\nb", "ends ", "semi;colon", &"x".repeat(71)] {
            assert!(
                matches!(encode(vec![], b), Err(Error::InvalidOption(_))),
                "{b:?}"
            );
        }
        let forged = Part::field(
            "f",
            "x\r\n--b\r\nContent-Disposition: form-data; name=\"g\"",
        );
        assert!(matches!(
            encode(vec![forged], "b"),
            Err(Error::InvalidOption(_))
        ));
    }

    #[test]
    fn random_boundaries_are_32_hex_digits_and_differ() {
        let a = random_boundary().unwrap();
        let b = random_boundary().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
        assert!(validate_boundary(&a).is_ok());
        assert_eq!(
            content_type(&a),
            format!("multipart/form-data; boundary={a}")
        );
    }
}
