//! `.netrc` credentials, as requests' `get_netrc_auth` reads them with Python's `netrc`.
//!
//! The format: whitespace-separated tokens, across lines. `machine NAME` or
//! `default` starts an entry; `login` (or `user`), `password` and `account`
//! each take the next token; `macdef NAME` is skipped with its body (the
//! lines up to the next blank line); a `#` where a keyword is expected
//! comments out the rest of the line. As in Python 3.x, a token may be
//! double-quoted (`password "two words"`) and `\` escapes the next character.
//!
//! Like Python, a file that does not parse (an unknown keyword, a keyword
//! without its value) gives no credentials at all, and when a machine is
//! listed twice the later entry wins. Unlike Python, host names compare
//! ASCII-case-insensitively (host names are case-insensitive; the URL parser
//! lower-cases them). As in requests, the user name is the `login`, else the
//! `account`; a missing password is empty.

use crate::error::{Error, Result};
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The largest netrc file read. A longer one gives no credentials (as a
/// malformed one does), and no more than one byte past the limit is read, so a
/// `NETRC` naming a device or a huge file costs nothing. Defaults to 1 MiB: a
/// netrc of a thousand machines is well under 100 KiB.
pub const MAX_NETRC_BYTES: usize = 1 << 20;

/// One `machine` (or `default`) entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// The host name; `None` for the `default` entry.
    pub machine: Option<String>,
    pub login: Option<String>,
    pub password: Option<String>,
    pub account: Option<String>,
}

impl Entry {
    /// requests' `(login or account, password)`; `None` when the entry holds none of them.
    pub fn credentials(&self) -> Option<(String, String)> {
        if self.login.is_none() && self.account.is_none() && self.password.is_none() {
            return None;
        }
        let user = self
            .login
            .as_ref()
            .filter(|l| !l.is_empty())
            .or(self.account.as_ref())
            .cloned()
            .unwrap_or_default();
        Some((user, self.password.clone().unwrap_or_default()))
    }
}

/// Parses a `.netrc` file into its entries, in file order. A malformed file
/// is `InvalidOption`, naming the line; so is one longer than [`MAX_NETRC_BYTES`].
pub fn parse(text: &str) -> Result<Vec<Entry>> {
    if text.len() > MAX_NETRC_BYTES {
        return Err(Error::InvalidOption(format!(
            "the netrc file is larger than {MAX_NETRC_BYTES} bytes"
        )));
    }
    let mut lexer = Lexer::new(text);
    let mut entries: Vec<Entry> = Vec::new();
    while let Some(token) = lexer.next_keyword() {
        match token.as_str() {
            "machine" => {
                let name = lexer.value("machine")?;
                entries.push(Entry {
                    machine: Some(name),
                    ..Entry::default()
                });
            }
            "default" => entries.push(Entry::default()),
            "macdef" => {
                lexer.value("macdef")?;
                lexer.skip_macro();
            }
            "login" | "user" | "password" | "account" => {
                let value = lexer.value(&token)?;
                let Some(entry) = entries.last_mut() else {
                    return Err(lexer.error(&format!("{token:?} before any machine or default")));
                };
                let slot = match token.as_str() {
                    "password" => &mut entry.password,
                    "account" => &mut entry.account,
                    _ => &mut entry.login,
                };
                *slot = Some(value);
            }
            other => return Err(lexer.error(&format!("unknown token {other:?}"))),
        }
    }
    Ok(entries)
}

/// The credentials for `host` in netrc `text`: the last `machine` entry that
/// names it, else the `default` entry. `None` if the text does not parse.
pub fn lookup(text: &str, host: &str) -> Option<(String, String)> {
    let entries = parse(text).ok()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let named = entries.iter().rev().find(|e| {
        e.machine.as_deref().is_some_and(|m| {
            m.trim_start_matches('[')
                .trim_end_matches(']')
                .eq_ignore_ascii_case(host)
        })
    });
    named
        .or_else(|| entries.iter().rev().find(|e| e.machine.is_none()))
        .and_then(Entry::credentials)
}

/// The netrc credentials for `host`, reading the file that the environment
/// names (see [`crate::env::netrc_paths_from`]) through `std::fs` (WASI
/// filesystem in the component). No preopened directory, no file, an
/// unreadable, malformed or oversized file: `None`.
pub fn netrc_auth(host: &str) -> Option<(String, String)> {
    crate::env::with_vars(|vars| netrc_auth_from(vars, read_file, host))
}

/// The text of the file at `path`, reading at most one byte more than
/// [`MAX_NETRC_BYTES`] (so that [`parse`] can tell an oversized file). `None`
/// when it cannot be opened or read, or is not UTF-8.
pub fn read_file(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let limit = u64::try_from(MAX_NETRC_BYTES).ok()?.saturating_add(1);
    let mut text = String::new();
    file.take(limit).read_to_string(&mut text).ok()?;
    Some(text)
}

/// [`netrc_auth`] over given variables and a given file reader: the first
/// candidate path that `read` returns text for is the netrc file.
pub fn netrc_auth_from(
    vars: &[(String, String)],
    read: impl Fn(&Path) -> Option<String>,
    host: &str,
) -> Option<(String, String)> {
    let paths: Vec<PathBuf> = crate::env::netrc_paths_from(vars);
    let text = paths.iter().find_map(|p| read(p))?;
    lookup(&text, host)
}

/// Splits netrc text into tokens, tracking lines for errors.
struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    /// The last token ended at a newline (which it consumed): the line it was on is over.
    ended_line: bool,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Lexer {
            chars: text.chars().peekable(),
            line: 1,
            ended_line: false,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn error(&self, what: &str) -> Error {
        Error::InvalidOption(format!("netrc line {}: {what}", self.line))
    }

    /// The next token, or `None` at the end. A quote opens a quoted token
    /// only at a token's start; `\` escapes the next character anywhere.
    /// Returns the token and whether it started with a quote.
    fn token(&mut self) -> Option<(String, bool)> {
        while self.chars.peek().is_some_and(|c| c.is_whitespace()) {
            self.bump();
        }
        self.ended_line = false;
        let first = self.bump()?;
        let mut token = String::new();
        if first == '"' {
            while let Some(c) = self.bump() {
                match c {
                    '"' => break,
                    '\\' => token.extend(self.bump()),
                    c => token.push(c),
                }
            }
            return Some((token, true));
        }
        let mut c = Some(first);
        while let Some(ch) = c {
            if ch.is_whitespace() {
                if ch == '\n' {
                    self.line += 1;
                    self.ended_line = true;
                }
                break;
            }
            match ch {
                '\\' => token.extend(self.bump()),
                ch => token.push(ch),
            }
            c = self.chars.next();
        }
        Some((token, false))
    }

    /// The next keyword, skipping `#` comments (to the end of their line).
    fn next_keyword(&mut self) -> Option<String> {
        loop {
            let (token, quoted) = self.token()?;
            if !quoted && token.starts_with('#') {
                // The token may have ended the line itself. (Python compares line
                // numbers from before the whitespace ahead of the `#`, so a comment
                // line after a line ending in a space or a quoted token is read as
                // keywords there, and the file fails to parse.)
                if !self.ended_line {
                    self.skip_line();
                }
                continue;
            }
            return Some(token);
        }
    }

    /// The value after `keyword`; a missing one is an error.
    fn value(&mut self, keyword: &str) -> Result<String> {
        match self.token() {
            Some((value, _)) => Ok(value),
            None => Err(self.error(&format!("{keyword:?} without a value"))),
        }
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.bump() {
            if c == '\n' {
                break;
            }
        }
    }

    /// A macro's body: the rest of the `macdef` line (unless its name token
    /// ended it), then lines up to and including the first blank (or
    /// whitespace-only) one, or the end of the file.
    fn skip_macro(&mut self) {
        if !self.ended_line {
            self.skip_line();
        }
        loop {
            let mut blank = true;
            let mut any = false;
            while let Some(c) = self.bump() {
                any = true;
                if c == '\n' {
                    break;
                }
                if !c.is_whitespace() {
                    blank = false;
                }
            }
            if blank || !any {
                return;
            }
        }
    }
}

#[cfg(test)]
#[path = "netrc_tests.rs"]
mod tests;
