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
use std::path::{Path, PathBuf};

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
/// is `InvalidOption`, naming the line.
pub fn parse(text: &str) -> Result<Vec<Entry>> {
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
                let line = lexer.line;
                lexer.value("macdef")?;
                lexer.skip_macro(line);
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
/// unreadable or malformed file: `None`.
pub fn netrc_auth(host: &str) -> Option<(String, String)> {
    netrc_auth_from(
        &crate::env::vars(),
        |path| std::fs::read_to_string(path).ok(),
        host,
    )
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
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Lexer {
            chars: text.chars().peekable(),
            line: 1,
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
            let line = self.line;
            let (token, quoted) = self.token()?;
            if !quoted && token.starts_with('#') {
                // The token may have ended the line itself.
                if self.line == line {
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

    /// A macro's body: the rest of the `macdef` line (begun on `line`, unless
    /// its name token ended it), then lines up to and including the first
    /// blank (or whitespace-only) one, or the end of the file.
    fn skip_macro(&mut self, line: usize) {
        if self.line == line {
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
mod tests {
    use super::*;

    fn pair(user: &str, pass: &str) -> Option<(String, String)> {
        Some((user.to_string(), pass.to_string()))
    }

    #[test]
    fn machines_match_exactly_else_default() {
        let text = "machine api.example.com login alice password s3cret\n\
                    machine other.test\n  login bob\n  password hunter2\n\
                    default login anon password guest\n";
        assert_eq!(lookup(text, "api.example.com"), pair("alice", "s3cret"));
        assert_eq!(lookup(text, "API.Example.COM"), pair("alice", "s3cret"));
        assert_eq!(lookup(text, "other.test"), pair("bob", "hunter2"));
        assert_eq!(lookup(text, "example.com"), pair("anon", "guest"));
        assert_eq!(lookup(text, "sub.api.example.com"), pair("anon", "guest"));
        let no_default = "machine a.test login u password p";
        assert_eq!(lookup(no_default, "b.test"), None);
        assert_eq!(lookup("", "a.test"), None);
    }

    #[test]
    fn tokens_may_span_lines_and_come_in_any_order() {
        let text = "machine\nh.test\npassword\tp1\n\n account acct";
        assert_eq!(
            parse(text).unwrap(),
            vec![Entry {
                machine: Some("h.test".into()),
                login: None,
                password: Some("p1".into()),
                account: Some("acct".into()),
            }]
        );
        // requests: login, else account, is the user name.
        assert_eq!(lookup(text, "h.test"), pair("acct", "p1"));
        assert_eq!(lookup("machine h login u", "h"), pair("u", ""));
        assert_eq!(lookup("machine h user u password p", "h"), pair("u", "p"));
        assert_eq!(lookup("machine h", "h"), None);
    }

    #[test]
    fn quoted_tokens_and_escapes() {
        let text = r#"machine h login "my user" password "p \"w\" d#1\\""#;
        assert_eq!(lookup(text, "h"), pair("my user", r#"p "w" d#1\"#));
        assert_eq!(
            lookup(r"machine h login a\ b password x", "h"),
            pair("a b", "x")
        );
        // A value may start with '#'; only a keyword position starts a comment.
        assert_eq!(
            lookup("machine h password #notacomment", "h"),
            pair("", "#notacomment")
        );
    }

    #[test]
    fn comments_and_macros_are_skipped() {
        let text = "# my hosts\n\
                    machine h login u # trailing comment password nope\n\
                    password p\n\
                    macdef init\n\
                    cd /pub\n\
                    machine evil login x password y\n\
                    \n\
                    machine g login v password q\n";
        assert_eq!(lookup(text, "h"), pair("u", "p"));
        assert_eq!(lookup(text, "g"), pair("v", "q"));
        assert_eq!(lookup(text, "evil"), None);
        // A macro running to the end of the file.
        assert_eq!(
            lookup("machine h login u\nmacdef m\nline", "h"),
            pair("u", "")
        );
        // An empty macro: the blank line right after `macdef NAME` ends it.
        assert_eq!(lookup("macdef m\n\nmachine g login v", "g"), pair("v", ""));
        assert_eq!(
            lookup("macdef m rest of line\nbody\n   \nmachine g login v", "g"),
            pair("v", "")
        );
    }

    #[test]
    fn the_last_entry_for_a_machine_wins_and_ipv6_brackets_are_ignored() {
        let text = "machine h login first password 1\nmachine h login second password 2\n\
                    machine [::1] login six password 6";
        assert_eq!(lookup(text, "h"), pair("second", "2"));
        assert_eq!(lookup(text, "[::1]"), pair("six", "6"));
        assert_eq!(lookup(text, "::1"), pair("six", "6"));
    }

    #[test]
    fn a_malformed_file_gives_nothing() {
        for text in [
            "machine h login u password p\nport 21",
            "machine h login",
            "machine",
            "login u password p",
        ] {
            assert!(
                matches!(parse(text), Err(Error::InvalidOption(_))),
                "{text:?}"
            );
            assert_eq!(lookup(text, "h"), None, "{text:?}");
        }
        let err = parse("machine h\nbogus x").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    fn vars(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn netrc_then_home_netrc_then_home_underscore_netrc() {
        let files = |present: &'static [(&'static str, &'static str)]| {
            move |p: &Path| {
                present
                    .iter()
                    .find(|(path, _)| Path::new(path) == p)
                    .map(|(_, text)| text.to_string())
            }
        };
        let fs: &[(&str, &str)] = &[
            ("/etc/my-netrc", "machine h login env password 1"),
            ("/home/u/.netrc", "machine h login dot password 2"),
            ("/home/u/_netrc", "machine h login underscore password 3"),
        ];
        let home = vars(&[("HOME", "/home/u")]);
        let with_netrc = vars(&[("HOME", "/home/u"), ("NETRC", "/etc/my-netrc")]);
        assert_eq!(
            netrc_auth_from(&with_netrc, files(fs), "h"),
            pair("env", "1")
        );
        assert_eq!(netrc_auth_from(&home, files(fs), "h"), pair("dot", "2"));
        assert_eq!(
            netrc_auth_from(&home, files(&fs[2..]), "h"),
            pair("underscore", "3")
        );
        // NETRC names the only file, as in requests; `~/` in it is expanded.
        assert_eq!(
            netrc_auth_from(
                &vars(&[("HOME", "/home/u"), ("NETRC", "/nope")]),
                files(fs),
                "h"
            ),
            None
        );
        assert_eq!(
            netrc_auth_from(
                &vars(&[("HOME", "/home/u"), ("NETRC", "~/_netrc")]),
                files(fs),
                "h"
            ),
            pair("underscore", "3")
        );
        // No HOME and no NETRC (a component without them): nothing, no panic.
        assert_eq!(netrc_auth_from(&[], files(fs), "h"), None);
    }

    #[test]
    fn a_real_file_is_read_through_std_fs() {
        let dir = std::env::temp_dir().join(format!("netrc-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("netrc");
        std::fs::write(&path, "machine files.test login f password g\n").unwrap();
        let v = vec![("NETRC".to_string(), path.display().to_string())];
        let read = |p: &Path| std::fs::read_to_string(p).ok();
        assert_eq!(netrc_auth_from(&v, read, "files.test"), pair("f", "g"));
        let missing = vec![(
            "NETRC".to_string(),
            dir.join("missing").display().to_string(),
        )];
        assert_eq!(netrc_auth_from(&missing, read, "files.test"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
