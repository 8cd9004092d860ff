//! Unit tests of `netrc`: matching machines, tokens, quoting, comments and macros, malformed
//! files, where the file is found, its size limit, and properties of parsing and lookup.

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
        proptest::option::of(proptest::string::string_regex("[a-zA-Z0-9.:\\[\\]-]{1,12}").unwrap()),
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
