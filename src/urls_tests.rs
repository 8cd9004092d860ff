//! Userinfo never leaks: generated URLs carrying a secret user name and
//! password, in every shape a caller, a server or an environment variable may
//! give, go through every function that parses, resolves, prepares or shows a
//! URL, and no message, `Debug` or resulting URL may hold either secret.

use super::*;
use crate::cookies::CookieJar;
use crate::prepare::PreparedRequest;
use crate::settings::{RequestParts, Settings};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Starts and ends every generated password: a leak of any part of it shows
/// one of the two (what is hidden is one contiguous run of text).
const PASSWORD_MARK: &str = "S3cr3t";
/// Starts and ends every generated user name.
const USER_MARK: &str = "Us3rM4rk";

/// What passwords are made of: every URL delimiter, `%`, whitespace and
/// controls, brackets, quotes, non-ASCII letters, emoji and the look-alike ats.
const PASSWORD_CHARS: &[char] = &[
    '/', '#', '?', '@', ':', '%', ' ', '\\', '\t', '\n', '\r', '\u{0}', '\u{7f}', '[', ']', '+',
    '&', '=', ';', '"', '\'', '<', '>', '^', '`', '{', '|', '}', '!', '$', '*', ',', '.', '-', '~',
    'a', 'Z', '0', '4', '9', 'é', 'ü', '日', '😀', '\u{FF20}', '\u{FE6B}', '\u{200B}',
];

/// What user names are made of: the password's characters but the four that
/// end an authority (`/`, `\`, `?`, `#`). A user name holding one makes every
/// URL parser read its start as the host and the rest as a path; that case
/// has its own test, on messages only.
const USER_CHARS: &[char] = &[
    '@', ':', '%', ' ', '\t', '\u{0}', '[', ']', '+', '&', '=', ';', '"', '!', '$', '*', ',', '.',
    '-', '~', '_', 'a', 'Z', '0', '9', 'é', '日', '😀', '\u{FF20}',
];

const AUTHORITY_ENDS: &[char] = &['/', '\\', '?', '#'];

/// What comes before the userinfo: schemes with and without slashes, odd and
/// non-http schemes, no scheme at all, and leading junk.
const PREFIXES: &[&str] = &[
    "",
    "//",
    "///",
    "/",
    "\\\\",
    "http://",
    "https://",
    "HTTP://",
    "hTtPs://",
    "http:/",
    "http:",
    "http:///",
    "http:\\\\",
    "http:/\\",
    "http:\t//",
    "ws://",
    "wss://",
    "ftp://",
    "file://",
    "file:",
    "foo://",
    "foo:",
    "foo:/",
    "git+ssh://",
    "mailto:",
    "x-y.z://",
    "1http://",
    "h t t p://",
    " http://",
    "\t http://",
    "\u{0}http://",
    "ht\ttp://",
    "http://@",
    "http://[",
    "https://a@",
];

/// Hosts: plain, unicode, punycode, broken, IPv4, IPv6 (good and broken), empty.
const HOSTS: &[&str] = &[
    "host",
    "example.com",
    "bücher.example",
    "例え.jp",
    "xn--bcher-kva.example",
    "😀.example",
    "exa mple.com",
    "ho\tst",
    "%zz",
    "host.",
    "a..b",
    "localhost",
    "127.0.0.1",
    "999.1.1.1",
    "[::1]",
    "[fe80::1%25eth0]",
    "[::ffff:1.2.3.4]",
    "[::1",
    "[zz]",
    "",
];

/// Ports, good and broken.
const PORTS: &[&str] = &[
    "", ":8080", ":0", ":65535", ":99999", ":-1", ":abc", ":", ":80:80", ": 1",
];

/// What follows the authority, trailing junk included.
const TAILS: &[&str] = &[
    "", "/", "/x", "/a@b", "?q=1", "?a=@b", "#f", "#f@g", "/x y", "/%zz", "\n", " ", "/日本", "/[",
    "\\x", "?", "#", "/x?y#z", "/a:b@c",
];

/// URLs the next hop is resolved against: special with a fragment, plain, non-special.
const CURRENT_URLS: &[&str] = &[
    "http://a.example/dir/page?q=1#frag",
    "https://a.example/",
    "foo://a.example/x/y",
];

/// A generated URL and the secrets it carries.
#[derive(Debug, Clone)]
struct Case {
    url: String,
    user: Option<String>,
    password: Option<String>,
    /// Every URL parser reads part of the userinfo as a host and path: the
    /// user name holds an authority end (`http://us/er:pw@host` is host `us`),
    /// or an `@` in the userinfo has one after it (`http://u:p@w/x@host` is
    /// user `u`, host `w`, path `/x@host`). The URL then keeps that part (it
    /// is sent to that host, as with every client); messages still hide it.
    read_as_host_and_path: bool,
}

fn text(chars: &'static [char], len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(chars), len).prop_map(|c| c.into_iter().collect())
}

fn marked(mark: &'static str, chars: &'static [char]) -> impl Strategy<Value = String> {
    text(chars, 0..10).prop_map(move |middle| format!("{mark}{middle}{mark}"))
}

/// A user name holding at least one of the characters that end an authority.
fn user_with_an_authority_end() -> impl Strategy<Value = String> {
    (
        text(USER_CHARS, 0..5),
        prop::sample::select(AUTHORITY_ENDS),
        text(USER_CHARS, 0..5),
    )
        .prop_map(|(a, end, b)| format!("{USER_MARK}{a}{end}{b}{USER_MARK}"))
}

/// URLs built from a user name and a password strategy (at least one of them
/// present) in every shape.
fn urls_with(
    user: impl Strategy<Value = String>,
    password: impl Strategy<Value = String>,
) -> impl Strategy<Value = Case> {
    (
        user,
        password,
        // Which of the two the userinfo has: the user, the password, or both
        // (chosen, not filtered, so a million cases reject none).
        0..3u8,
        prop::sample::select(PREFIXES),
        prop::sample::select(HOSTS),
        prop::sample::select(PORTS),
        prop::sample::select(TAILS),
    )
        .prop_map(|(user, password, which, prefix, host, port, tail)| {
            let user = (which != 1).then_some(user);
            let password = (which != 0).then_some(password);
            let userinfo = match (&user, &password) {
                (Some(u), Some(p)) => format!("{u}:{p}"),
                (Some(u), None) => u.clone(),
                (None, Some(p)) => format!(":{p}"),
                (None, None) => String::new(),
            };
            let user_ends = user.as_ref().is_some_and(|u| u.contains(AUTHORITY_ENDS));
            let at_then_end = userinfo
                .split_once('@')
                .is_some_and(|(_, after)| after.contains(AUTHORITY_ENDS));
            Case {
                url: format!("{prefix}{userinfo}@{host}{port}{tail}"),
                user,
                password,
                read_as_host_and_path: user_ends || at_then_end,
            }
        })
}

fn urls() -> impl Strategy<Value = Case> {
    urls_with(
        marked(USER_MARK, USER_CHARS),
        marked(PASSWORD_MARK, PASSWORD_CHARS),
    )
}

/// Fails when `shown` holds a secret of `case`, or either mark in any case
/// (the parser lower-cases schemes and hosts).
fn hidden(what: &str, shown: &str, case: &Case) -> std::result::Result<(), TestCaseError> {
    let lower = shown.to_lowercase();
    for mark in [PASSWORD_MARK, USER_MARK] {
        prop_assert!(
            !lower.contains(&mark.to_lowercase()),
            "{} shows {:?} for {:?}: {:?}",
            what,
            mark,
            case.url,
            shown
        );
    }
    for secret in [&case.user, &case.password].into_iter().flatten() {
        prop_assert!(!shown.contains(secret.as_str()), "{what}: {shown:?}");
    }
    Ok(())
}

fn error_hidden(what: &str, err: &Error, case: &Case) -> std::result::Result<(), TestCaseError> {
    hidden(what, &err.to_string(), case)?;
    hidden(what, &format!("{err:?}"), case)
}

/// Every network error naming the URL (`Error::at`) hides the secrets.
fn network_errors_hidden(url: &Url, case: &Case) -> std::result::Result<(), TestCaseError> {
    let errors = [
        Error::ConnectionRefused("refused".into()),
        Error::Connection("broken".into()),
        Error::Dns("no such host".into()),
        Error::Tls("bad certificate".into()),
        Error::ConnectTimeout("connect".into()),
        Error::ReadTimeout("read".into()),
        Error::Transport {
            code: "internal-error".into(),
            detail: None,
        },
    ];
    for err in errors {
        error_hidden("Error::at", &err.at(url), case)?;
    }
    Ok(())
}

/// A URL that is used (not only shown): no userinfo; its text, with a host,
/// and as `redact` shows it, holds no secret (unless the parser read part of
/// the userinfo as host and path); messages never do.
fn used_url_hidden(what: &str, url: &Url, case: &Case) -> std::result::Result<(), TestCaseError> {
    prop_assert!(
        url.username().is_empty() && url.password().is_none(),
        "{} keeps userinfo: {:?}",
        what,
        url.as_str()
    );
    if !case.read_as_host_and_path && url.host_str().is_some_and(|h| !h.is_empty()) {
        hidden(what, url.as_str(), case)?;
    }
    parsed_url_hidden(what, url, case)
}

/// A URL kept with its userinfo for later (a parsed URL, a base URL): shown
/// as `redact` does it holds no secret (unless the parser read part of the
/// userinfo as host and path); messages never do.
fn parsed_url_hidden(what: &str, url: &Url, case: &Case) -> std::result::Result<(), TestCaseError> {
    if !case.read_as_host_and_path {
        hidden(what, &redact(url), case)?;
    }
    hidden(what, &redact_in_message(url), case)?;
    network_errors_hidden(url, case)
}

fn base() -> Url {
    Url::parse("http://base.example/api").unwrap_or_else(|_| unreachable!())
}

fn prepare(settings: &Settings, url: &str) -> Result<PreparedRequest> {
    PreparedRequest::prepare(
        settings,
        &CookieJar::new(),
        &|| 1_800_000_000,
        "GET",
        url,
        RequestParts::default(),
        &|_| None,
    )
}

proptest! {
    #[test]
    fn prop_parsing_a_url_never_shows_its_userinfo(case in urls()) {
        match parse(&case.url) {
            Ok(url) => parsed_url_hidden("parse", &url, &case)?,
            Err(err) => error_hidden("parse", &err, &case)?,
        }
    }

    #[test]
    fn prop_resolving_against_a_base_url_never_puts_userinfo_in_the_url_or_a_message(case in urls()) {
        let base = base();
        match parse_with_base(&case.url, Some(&base)) {
            Ok(url) => parsed_url_hidden("parse_with_base", &url, &case)?,
            Err(err) => error_hidden("parse_with_base", &err, &case)?,
        }
        if let Err(err) = parse_with_base(&case.url, None) {
            error_hidden("parse_with_base without a base", &err, &case)?;
        }
    }

    #[test]
    fn prop_a_base_url_that_is_refused_never_shows_its_userinfo(case in urls()) {
        match parse_base(&case.url) {
            Ok(url) => parsed_url_hidden("parse_base", &url, &case)?,
            Err(err) => error_hidden("parse_base", &err, &case)?,
        }
    }

    #[test]
    fn prop_a_prepared_request_never_keeps_userinfo_in_its_url_or_its_errors(case in urls()) {
        let with_base = Settings { base_url: Some(base()), ..Settings::default() };
        for settings in [Settings::default(), with_base] {
            match prepare(&settings, &case.url) {
                Ok(request) => used_url_hidden("prepare", &request.url, &case)?,
                Err(err) => error_hidden("prepare", &err, &case)?,
            }
        }
        let mut request = prepare(&Settings::default(), "http://h/")
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        match request.set_url(&case.url) {
            Ok(()) => used_url_hidden("set_url", &request.url, &case)?,
            Err(err) => error_hidden("set_url", &err, &case)?,
        }
    }

    #[test]
    fn prop_a_redirect_never_carries_userinfo_into_the_next_url_or_a_message(
        case in urls(),
        current in prop::sample::select(CURRENT_URLS),
    ) {
        let current = Url::parse(current).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match crate::redirect::next_url(&current, &case.url) {
            Ok(next) => used_url_hidden("next_url", &next, &case)?,
            Err(err) => error_hidden("next_url", &err, &case)?,
        }
    }

    #[test]
    fn prop_redact_str_never_shows_the_secrets(case in urls(), junk in text(PASSWORD_CHARS, 0..4)) {
        hidden("redact_str", &redact_str(&case.url), &case)?;
        // Junk before the URL moves where the authority starts, never past the userinfo.
        hidden("redact_str after junk", &redact_str(&format!("{junk}{}", case.url)), &case)?;
    }

    #[test]
    fn prop_a_user_name_read_as_a_host_and_path_is_still_hidden_from_messages(
        case in urls_with(user_with_an_authority_end(), marked(PASSWORD_MARK, PASSWORD_CHARS)),
        current in prop::sample::select(CURRENT_URLS),
    ) {
        // `http://us/er:pw@host` is host `us` and path `/er:pw@host` to every
        // parser; the URL keeps it, but no message shows it.
        hidden("redact_str", &redact_str(&case.url), &case)?;
        match parse(&case.url) {
            Ok(url) => {
                hidden("redact_in_message", &redact_in_message(&url), &case)?;
                network_errors_hidden(&url, &case)?;
            }
            Err(err) => error_hidden("parse", &err, &case)?,
        }
        if let Err(err) = prepare(&Settings::default(), &case.url) {
            error_hidden("prepare", &err, &case)?;
        }
        let current = Url::parse(current).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match crate::redirect::next_url(&current, &case.url) {
            Ok(next) => network_errors_hidden(&next, &case)?,
            Err(err) => error_hidden("next_url", &err, &case)?,
        }
    }

    #[test]
    fn prop_redact_str_never_panics_and_hides_exactly_up_to_the_last_at(input in any::<String>()) {
        check_redact_str_shape(&input)?;
    }

    #[test]
    fn prop_redact_str_keeps_its_shape_on_url_like_text(
        input in text(&[
            'h', 't', 'p', 's', ':', '/', '\\', '@', '\u{FF20}', '?', '#', '[', ']', ' ', '\t',
            '\u{0}', 'é', '😀', '1', '.', '+', '-',
        ], 0..24),
    ) {
        check_redact_str_shape(&input)?;
    }
}

/// `redact_str` leaves text without an at alone; otherwise it keeps what
/// follows the last at, hides what precedes it up to a prefix of the input,
/// and redacting again changes nothing.
fn check_redact_str_shape(input: &str) -> std::result::Result<(), TestCaseError> {
    let out = redact_str(input);
    let last_at = input.char_indices().rev().find(|&(_, c)| is_at(c));
    match last_at {
        None => prop_assert_eq!(&out, input),
        Some((at, c)) => {
            let tail = input.get(at + c.len_utf8()..).unwrap_or("");
            let head = out.strip_suffix(tail).and_then(|h| h.strip_suffix("***@"));
            prop_assert!(head.is_some(), "{:?} became {:?}", input, out);
            if let Some(head) = head {
                prop_assert!(input.starts_with(head), "{:?} became {:?}", input, out);
            }
            prop_assert_eq!(
                redact_str(&out),
                out.clone(),
                "not idempotent on {:?}",
                input
            );
        }
    }
    Ok(())
}

#[test]
fn passwords_that_do_not_parse_are_hidden_from_every_message() {
    for (input, shown) in [
        ("us_er:pw@host/x", "***@host/x"),
        ("user:pw@host/x", "***@host/x"),
        ("//user:pw@host/x", "//***@host/x"),
        ("http://user:p/ss@host/x", "http://***@host/x"),
        ("http://u:p#w@host", "http://***@host"),
        ("http://u:p?w@host", "http://***@host"),
        ("http://u:p w@host", "http://***@host"),
        ("http://u:p\u{0}w@[::1]:80/", "http://***@[::1]:80/"),
        ("http://user:pw@[::1/", "http://***@[::1/"),
        ("http:/user:pw@host", "http:/***@host"),
        ("http:user:pw@host", "http:***@host"),
        ("foo:user:pw@host", "***@host"),
        ("foo:/user:pw@host", "***@host"),
        ("  https://u:pw@host:99999/", "  https://***@host:99999/"),
        ("http://u:pw\u{FF20}host", "http://***@host"),
        ("ht\ttp://user:pw@host", "***@host"),
    ] {
        assert_eq!(redact_str(input), shown, "{input:?}");
        for result in [parse(input), parse_with_base(input, Some(&base()))] {
            if let Err(err) = result {
                let message = format!("{err} {err:?}");
                assert!(
                    !message.contains("pw") && !message.contains("p/ss"),
                    "{message}"
                );
            }
        }
    }
    for input in ["us_er:pw@host/x", "//user:pw@host/x", "/u:p#w@host/x"] {
        assert!(
            matches!(
                parse(input),
                Err(Error::MissingSchema(m)) if m.contains("Perhaps you meant https://***@host/x?")
            ),
            "{input}"
        );
    }
}

#[test]
fn a_relative_url_that_reads_as_userinfo_is_not_joined_to_the_base() {
    let base = base();
    for input in [
        "us_er:pw@host/x",
        "//user:pw@host/x",
        "/user:p/ss@host",
        "user@host/x",
        "\t//user@host",
        "\u{0}//u:pw@host",
    ] {
        assert!(
            matches!(
                parse_with_base(input, Some(&base)),
                Err(Error::MissingSchema(_))
            ),
            "{input:?}"
        );
    }
    for (input, joined) in [
        (
            "users/me@example.com",
            "http://base.example/api/users/me@example.com",
        ),
        ("my_things:run", "http://base.example/api/my_things:run"),
        ("/things:run", "http://base.example/api/things:run"),
        (
            "/\t/evil.example/x",
            "http://base.example/api/evil.example/x",
        ),
        (
            "\\\\evil.example/x",
            "http://base.example/api/evil.example/x",
        ),
    ] {
        let url = parse_with_base(input, Some(&base)).map(String::from);
        assert_eq!(url.as_deref().ok(), Some(joined), "{input:?}");
    }
}

#[test]
fn urls_without_a_host_are_redacted_as_text() {
    for (input, shown) in [
        ("foo:user:pw@host", "***@host"),
        ("foo:/user:pw@host", "***@host"),
        ("mailto:someone@example.com", "***@example.com"),
        ("data:text/plain,hello", "data:text/plain,hello"),
    ] {
        let url = Url::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(redact(&url), shown, "{input}");
    }
    let url = Url::parse("http://user/x:pw@host").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        redact(&url),
        "http://user/x:pw@host",
        "a host-bearing URL stays exact"
    );
    assert_eq!(redact_in_message(&url), "http://***@host");
}
