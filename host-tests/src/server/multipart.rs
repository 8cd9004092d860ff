//! `multipart/form-data` request bodies (RFC 7578) for the echo: strict about the framing, so a
//! malformed body from the component shows up in the echo (`multipart_error`) instead of being
//! read leniently.

use base64::Engine as _;
use serde_json::{json, Map, Value};

/// One part of a multipart body.
pub(super) struct Part {
    pub(super) name: Option<String>,
    pub(super) filename: Option<String>,
    /// As sent: names in their case, in order.
    pub(super) headers: Vec<(String, String)>,
    pub(super) data: Vec<u8>,
}

impl Part {
    fn header(&self, name: &str) -> Option<&str> {
        let mut hits = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        hits.next().map(|(_, v)| v.as_str())
    }

    /// `data` as text (lossy UTF-8).
    pub(super) fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }

    /// `{"name", "filename", "content_type", "headers", "headers_list", "data", "base64"}`:
    /// `headers` with lower-case names (repeats joined with `, `), `headers_list` as sent.
    pub(super) fn to_json(&self) -> Value {
        let mut headers = Map::new();
        for (n, v) in &self.headers {
            match headers.get_mut(&n.to_ascii_lowercase()) {
                Some(Value::String(s)) => *s = format!("{s}, {v}"),
                _ => drop(headers.insert(n.to_ascii_lowercase(), Value::String(v.clone()))),
            }
        }
        let list: Vec<Value> = self.headers.iter().map(|(n, v)| json!([n, v])).collect();
        json!({
            "name": self.name,
            "filename": self.filename,
            "content_type": self.header("content-type"),
            "headers": headers,
            "headers_list": list,
            "data": self.text(),
            "base64": base64::engine::general_purpose::STANDARD.encode(&self.data),
        })
    }
}

/// The parts of `body`, whose `Content-Type` is `content_type` (with its `boundary`).
pub(super) fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    let boundary = param(content_type, "boundary").ok_or("no boundary in the Content-Type")?;
    let delimiter = format!("--{boundary}").into_bytes();
    let between = format!("\r\n--{boundary}").into_bytes();
    if !body.starts_with(&delimiter) {
        return Err("the body does not start with the boundary".into());
    }
    let mut parts = Vec::new();
    let mut pos = delimiter.len();
    loop {
        let after = body.get(pos..pos + 2).unwrap_or(&[]);
        if after == b"--" {
            return match &body[pos + 2..] {
                b"" | b"\r\n" => Ok(parts),
                _ => Err("bytes after the close delimiter".into()),
            };
        }
        if after != b"\r\n" {
            return Err(format!("no CRLF after the boundary at byte {pos}"));
        }
        let start = pos + 2;
        let end = find(&body[start..], &between)
            .map(|i| start + i)
            .ok_or("a part without a boundary after it")?;
        parts.push(part(&body[start..end])?);
        pos = end + between.len();
    }
}

/// One part: headers, a blank line, the data.
fn part(raw: &[u8]) -> Result<Part, String> {
    let (head, data) = match raw.strip_prefix(b"\r\n") {
        Some(data) => (&b""[..], data),
        None => {
            let split =
                find(raw, b"\r\n\r\n").ok_or("a part without a blank line after its headers")?;
            (&raw[..split], &raw[split + 4..])
        }
    };
    let head = String::from_utf8_lossy(head);
    let mut headers = Vec::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("a part header without a colon: {line:?}"))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let disposition = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-disposition"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    Ok(Part {
        name: param(&disposition, "name"),
        filename: param(&disposition, "filename"),
        headers,
        data: data.to_vec(),
    })
}

/// The parameter `name` of a header value (`; name="v"` or `; name=v`), quoted-pairs and `%22`
/// unescaped (the encodings a form-data filename may use for `"`).
fn param(value: &str, name: &str) -> Option<String> {
    let mut rest = value;
    while let Some(semi) = rest.find(';') {
        rest = rest[semi + 1..].trim_start();
        let Some((key, tail)) = rest.split_once('=') else {
            continue;
        };
        let tail = tail.trim_start();
        let (val, next) = match tail.strip_prefix('"') {
            Some(quoted) => {
                let mut out = String::new();
                let mut chars = quoted.char_indices();
                let mut end = quoted.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => out.extend(chars.next().map(|(_, c)| c)),
                        '"' => {
                            end = i + 1;
                            break;
                        }
                        c => out.push(c),
                    }
                }
                (out.replace("%22", "\""), &quoted[end..])
            }
            None => {
                let end = tail.find(';').unwrap_or(tail.len());
                (tail[..end].trim().to_string(), &tail[end..])
            }
        };
        if key.trim().eq_ignore_ascii_case(name) {
            return Some(val);
        }
        rest = next;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_files_and_escaped_names() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n\
            --XyZ\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"r\\\"\xc3\xa9 %22v2%22.txt\"\r\n\
            Content-Type: text/plain\r\nX-Part: 1\r\n\r\nline\r\ntwo\r\n--XyZ--\r\n";
        let parts = parse("multipart/form-data; boundary=XyZ", body).expect("valid");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name.as_deref(), Some("a"));
        assert_eq!(parts[0].filename, None);
        assert_eq!(parts[0].text(), "1");
        let doc = parts[1].to_json();
        assert_eq!(doc["filename"], "r\"\u{e9} \"v2\".txt");
        assert_eq!(doc["content_type"], "text/plain");
        assert_eq!(doc["headers"]["x-part"], "1");
        assert_eq!(doc["headers_list"][2], json!(["X-Part", "1"]));
        assert_eq!(doc["data"], "line\r\ntwo");
        assert_eq!(doc["base64"], "bGluZQ0KdHdv");
        let quoted = parse("multipart/form-data; boundary=\"XyZ\"", body).expect("valid");
        assert_eq!(quoted.len(), 2);
    }

    #[test]
    fn refuses_broken_framing() {
        let ct = "multipart/form-data; boundary=b";
        assert!(parse("multipart/form-data", b"--b--\r\n").is_err());
        assert!(parse(ct, b"junk--b--\r\n").is_err());
        assert!(parse(
            ct,
            b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"
        )
        .is_err());
        assert!(parse(ct, b"--b\r\nno blank line\r\n--b--\r\n").is_err());
        assert!(parse(ct, b"--b--\r\ntrailing").is_err());
        assert_eq!(parse(ct, b"--b--\r\n").map(|p| p.len()), Ok(0));
    }
}
