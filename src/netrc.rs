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
    netrc_auth_from(&crate::env::vars(), read_file, host)
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
    fn a_comment_line_after_trailing_space_or_a_quoted_token_is_skipped() {
        for text in [
            "machine h login u \n# a comment line\npassword p",
            "machine h login \"u\"\n# a comment line\npassword p",
            "machine h login u\t\n\n  # indented comment\npassword p",
            "machine h login u\n#comment\npassword p",
        ] {
            assert_eq!(lookup(text, "h"), pair("u", "p"), "{text:?}");
        }
        // A macro whose name is quoted: the rest of its line is the macro's.
        assert_eq!(
            lookup("macdef \"m\" rest\nbody\n\nmachine g login v", "g"),
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

    #[test]
    fn a_file_past_the_size_limit_gives_nothing_and_is_not_read_whole() {
        let entry = "machine h login u password p\n";
        let padding = "#".repeat(MAX_NETRC_BYTES - entry.len());
        let at_limit = format!("{entry}{padding}");
        assert_eq!(at_limit.len(), MAX_NETRC_BYTES);
        assert_eq!(lookup(&at_limit, "h"), pair("u", "p"));
        let over = format!("{at_limit}\n");
        assert!(matches!(parse(&over), Err(Error::InvalidOption(m)) if m.contains("larger")));
        assert_eq!(lookup(&over, "h"), None);

        let dir = std::env::temp_dir().join(format!("netrc-big-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("netrc");
        std::fs::write(&path, format!("{over}{}", "x".repeat(3 << 20))).unwrap();
        let text = read_file(&path).unwrap();
        assert_eq!(
            text.len(),
            MAX_NETRC_BYTES + 1,
            "one byte past the limit is read"
        );
        let v = vec![("NETRC".to_string(), path.display().to_string())];
        assert_eq!(netrc_auth_from(&v, read_file, "h"), None);
        std::fs::write(&path, &at_limit).unwrap();
        assert_eq!(netrc_auth_from(&v, read_file, "h"), pair("u", "p"));
        std::fs::remove_dir_all(&dir).unwrap();
        // A device that never ends.
        if Path::new("/dev/zero").exists() {
            let text = read_file(Path::new("/dev/zero")).unwrap();
            assert_eq!(text.len(), MAX_NETRC_BYTES + 1);
        }
    }

    use proptest::prelude::*;

    /// Any text, short: cheaper to generate than `any::<String>()`, and as varied per character.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(any::<char>(), 0..16).prop_map(String::from_iter)
    }

    /// Up to 40 of `pieces`, concatenated.
    fn pieces(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
        proptest::collection::vec(prop::sample::select(pieces), 0..40).prop_map(|v| v.concat())
    }

    /// `value` as a netrc token: bare when it can be, else quoted with `\` escapes.
    fn token(value: &str) -> String {
        let bare = !value.is_empty()
            && !value.starts_with('"')
            && !value.contains(|c: char| c.is_whitespace() || c == '\\');
        if bare {
            return value.to_string();
        }
        let mut out = String::from("\"");
        for c in value.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    }

    fn entry() -> impl Strategy<Value = Entry> {
        (
            proptest::option::of(
                proptest::string::string_regex("[a-zA-Z0-9.:\\[\\]-]{1,12}").unwrap(),
            ),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(text()),
        )
            .prop_map(|(machine, login, password, account)| Entry {
                machine,
                login,
                password,
                account,
            })
    }

    /// Entries written out, fields in a shuffled order, with comment lines and any whitespace
    /// between tokens.
    fn written(entries: &[Entry], order: &[usize], gaps: &[&str]) -> String {
        let mut gap = gaps.iter().cycle();
        let mut out = String::new();
        for (i, e) in entries.iter().enumerate() {
            match &e.machine {
                Some(m) => out.push_str(&format!("machine{}{}", gap.next().unwrap(), token(m))),
                None => out.push_str("default"),
            }
            let fields = [
                ("login", &e.login),
                ("password", &e.password),
                ("account", &e.account),
            ];
            for k in 0..3 {
                let (key, value) = fields[(k + order.get(i).copied().unwrap_or(0)) % 3];
                if let Some(v) = value {
                    out.push_str(gap.next().unwrap());
                    out.push_str(&format!("{key}{}{}", gap.next().unwrap(), token(v)));
                }
            }
            out.push_str("\n# a comment, with login and machine words\n");
        }
        out
    }

    proptest! {
        // Any text: parsing gives entries or the typed InvalidOption, and a lookup gives
        // credentials only from a file that parses; never a panic.
        #[test]
        fn prop_any_netrc_text_parses_or_is_refused_with_a_typed_error(
            text in prop_oneof![
                text(),
                pieces(&[
                    "machine", "default", "login", "user", "password", "account", "macdef",
                    " ", "\n", "\t", "#", "\"", "\\", "h", "x", "\u{e9}", "\u{a0}",
                ]),
            ],
        ) {
            let parsed = parse(&text);
            prop_assert!(matches!(parsed, Ok(_) | Err(Error::InvalidOption(_))), "{:?}", parsed);
            let found = lookup(&text, "h");
            prop_assert!(parsed.is_ok() || found.is_none());
        }

        // Entries with any values (quoted and escaped where needed), fields in any order, any
        // whitespace and comments between them, read back as written; a lookup finds the last
        // entry of a machine, in any letter case, else the last default.
        #[test]
        fn prop_written_entries_read_back_and_the_last_match_wins(
            entries in proptest::collection::vec(entry(), 0..6),
            order in proptest::collection::vec(0usize..3, 6),
            gaps in proptest::collection::vec(prop::sample::select(vec![" ", "\t", "\n", "  \n\t "]), 1..5),
            host in prop_oneof![Just("H".to_string()), proptest::string::string_regex("[a-z]{1,3}").unwrap()],
        ) {
            let text = written(&entries, &order, &gaps);
            prop_assert_eq!(parse(&text).unwrap(), entries.clone(), "{}", text);
            let named = entries.iter().rev().find(|e| {
                e.machine.as_deref().is_some_and(|m| {
                    m.trim_start_matches('[').trim_end_matches(']').eq_ignore_ascii_case(&host)
                })
            });
            let want = named
                .or_else(|| entries.iter().rev().find(|e| e.machine.is_none()))
                .and_then(Entry::credentials);
            prop_assert_eq!(lookup(&text, &host), want);
        }
    }
}
