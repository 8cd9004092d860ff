//! Charsets: the `Content-Type` charset and the decoders `text` and `read_line` use.

/// The charset parameter of a `Content-Type`, lower-case; `utf-8` when absent.
/// requests falls back to ISO-8859-1 for `text/*` (RFC 2616) and guesses with
/// chardet otherwise; UTF-8 is what servers send today, so it is the default here.
pub(super) fn charset(content_type: Option<&str>) -> String {
    content_type
        .into_iter()
        .flat_map(|ct| ct.split(';').skip(1))
        .filter_map(|param| param.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "utf-8".to_string())
}

/// The charsets `text` decodes. Others decode as UTF-8 with replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Charset {
    Utf8,
    Latin1,
    Windows1252,
    Ascii,
}

impl Charset {
    pub(super) fn from_name(name: &str) -> Option<Charset> {
        match name {
            "utf-8" | "utf8" => Some(Charset::Utf8),
            "iso-8859-1" | "iso8859-1" | "latin-1" | "latin1" | "l1" => Some(Charset::Latin1),
            "windows-1252" | "cp1252" => Some(Charset::Windows1252),
            "us-ascii" | "ascii" => Some(Charset::Ascii),
            _ => None,
        }
    }

    pub(super) fn decode(self, bytes: &[u8]) -> String {
        match self {
            Charset::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Charset::Latin1 => crate::latin1::encode(bytes),
            Charset::Ascii => bytes
                .iter()
                .map(|&b| if b < 0x80 { b as char } else { '\u{FFFD}' })
                .collect(),
            Charset::Windows1252 => bytes.iter().map(|&b| windows_1252(b)).collect(),
        }
    }
}

/// WHATWG windows-1252: latin-1 but for 0x80-0x9F.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}
