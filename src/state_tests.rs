//! Unit tests of `state`: export and import round trips, secrets, partial documents and redaction.

use super::*;
use url::Url;

const NOW: i64 = 1_800_000_000;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

/// A session with every setting changed and cookies of every kind.
fn full() -> (Settings, CookieJar) {
    let mut settings = Settings::default();
    settings.headers.set("X-Team", "blue");
    settings.headers.append("X-Multi", "1");
    settings.headers.append("X-Multi", "2");
    settings.headers.set("Authorization", "Bearer hdr-token");
    settings
        .headers
        .set("Proxy-Authorization", "Basic cHJveHk=");
    settings.params = vec![("q".into(), "1".into()), ("q".into(), "2".into())];
    settings.auth = Some(Auth::Basic {
        username: "user".into(),
        password: "pa:ss".into(),
    });
    settings.max_redirects = 5;
    settings.trust_env = false;
    settings.stream = true;
    settings.verify = false;
    settings.cert = Some("/certs/client.pem".into());
    settings.proxies = vec![
        ("https".into(), "http://pu:pp@proxy.test:3128".into()),
        ("all".into(), "socks5://proxy2.test".into()),
    ];
    settings.timeout = Some(Timeout {
        connect_ms: Some(1500),
        read_ms: None,
    });
    settings.base_url = Some(url("https://api.example.com/v1/"));
    settings.error_for_status = true;
    settings.max_body_size = 1 << 20;
    settings.retries = Some(crate::retry::RetryPolicy {
        connect: Some(1),
        status_forcelist: vec![502, 503],
        allowed_methods: Some(vec!["GET".into(), "PUT".into()]),
        ..Default::default()
    });
    let mut jar = CookieJar::new();
    jar.store_response_cookies(
        &url("https://www.example.com/app/page"),
        [
            "host=1",
            "dom=2; Domain=example.com; Path=/; Secure; HttpOnly; Max-Age=60",
            "odd=a,b \"c\"",
            "old=3; Max-Age=0",
        ],
        NOW,
    );
    jar.set(
        crate::cookies::NewCookie {
            name: "manual".into(),
            value: "4".into(),
            ..Default::default()
        },
        NOW,
    )
    .unwrap();
    (settings, jar)
}

fn doc(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn a_round_trip_with_secrets_restores_everything() {
    let (settings, jar) = full();
    let text = export(&settings, &jar, NOW, true);
    let mut restored = Settings::default();
    let mut restored_jar = CookieJar::new();
    import(&text, &mut restored, &mut restored_jar, NOW, true).unwrap();
    assert_eq!(format!("{restored:?}"), format!("{settings:?}"));
    assert_eq!(restored_jar.snapshot(NOW), jar.snapshot(NOW));
    assert_eq!(restored_jar.snapshot(NOW).len(), 4);
    // Exporting again gives the same document.
    assert_eq!(export(&restored, &restored_jar, NOW, true), text);
}

#[test]
fn cookies_keep_every_attribute_and_host_only_stays_host_only() {
    let (settings, jar) = full();
    let d = doc(&export(&settings, &jar, NOW, false));
    let cookies = d["cookies"].as_array().unwrap();
    let host = cookies.iter().find(|c| c["name"] == "host").unwrap();
    assert_eq!(
        *host,
        json!({"name": "host", "value": "1", "domain": "www.example.com", "host_only": true,
               "path": "/app", "secure": false, "http_only": false, "expires": null})
    );
    let dom = cookies.iter().find(|c| c["name"] == "dom").unwrap();
    assert_eq!(dom["host_only"], false);
    assert_eq!(dom["secure"], true);
    assert_eq!(dom["http_only"], true);
    assert_eq!(dom["expires"], NOW + 60);
    assert!(cookies.iter().all(|c| c["name"] != "old"));

    let mut s = Settings::default();
    let mut restored = CookieJar::new();
    import(&d.to_string(), &mut s, &mut restored, NOW, true).unwrap();
    let header = |u: &str| restored.header_for(&url(u), NOW, &[]);
    assert_eq!(
        header("https://www.example.com/app/x").as_deref(),
        Some("host=1; odd=a,b \"c\"; dom=2; manual=4")
    );
    assert_eq!(
        header("https://api.example.com/app/x").as_deref(),
        Some("dom=2; manual=4")
    );
    assert_eq!(
        header("http://api.example.com/").as_deref(),
        Some("manual=4")
    );
    // An expired cookie in a document is dropped on import.
    let later = NOW + 61;
    let mut later_jar = CookieJar::new();
    import(&d.to_string(), &mut s, &mut later_jar, later, true).unwrap();
    assert!(later_jar.snapshot(later).iter().all(|c| c.name != "dom"));
}

#[test]
fn secrets_are_left_out_by_default_and_present_when_asked() {
    let (settings, jar) = full();
    let without = export(&settings, &jar, NOW, false);
    for secret in ["pa:ss", "hdr-token", "cHJveHk=", "pu:pp", "Authorization"] {
        assert!(!without.contains(secret), "{secret} in {without}");
    }
    let d = doc(&without);
    assert_eq!(d["secrets"], false);
    assert!(d.get("auth").is_none());
    assert_eq!(d["proxies"][0], json!(["https", "http://proxy.test:3128"]));

    let with = doc(&export(&settings, &jar, NOW, true));
    assert_eq!(with["secrets"], true);
    assert_eq!(
        with["auth"],
        json!({"type": "basic", "username": "user", "password": "pa:ss"})
    );
    assert_eq!(
        with["proxies"][0],
        json!(["https", "http://pu:pp@proxy.test:3128"])
    );
    let headers = with["headers"].as_array().unwrap();
    assert!(headers.contains(&json!(["Authorization", "Bearer hdr-token"])));
    assert!(headers.contains(&json!(["Proxy-Authorization", "Basic cHJveHk="])));

    let bearer = Settings {
        auth: Some(Auth::Bearer("tok".into())),
        ..Settings::default()
    };
    let d = doc(&export(&bearer, &CookieJar::new(), NOW, true));
    assert_eq!(d["auth"], json!({"type": "bearer", "token": "tok"}));
    let digest = Settings {
        auth: Some(Auth::Digest {
            username: "d".into(),
            password: "dp".into(),
        }),
        ..Settings::default()
    };
    let text = export(&digest, &CookieJar::new(), NOW, true);
    assert_eq!(
        doc(&text)["auth"],
        json!({"type": "digest", "username": "d", "password": "dp"})
    );
    let mut back = Settings::default();
    import(&text, &mut back, &mut CookieJar::new(), NOW, true).unwrap();
    assert_eq!(back.auth, digest.auth);
    assert!(!export(&digest, &CookieJar::new(), NOW, false).contains("dp"));
    let d = doc(&export(&Settings::default(), &CookieJar::new(), NOW, true));
    assert_eq!(d["auth"], Value::Null);
}

#[test]
fn importing_a_document_without_secrets_keeps_the_sessions_own() {
    let (settings, jar) = full();
    let text = export(&settings, &jar, NOW, false);
    // Into the same session: nothing is lost.
    let mut same = settings.clone();
    let mut same_jar = jar.clone();
    import(&text, &mut same, &mut same_jar, NOW, true).unwrap();
    assert_eq!(same.auth, settings.auth);
    assert_eq!(same.proxies, settings.proxies);
    assert_eq!(same.headers.get("authorization"), Some("Bearer hdr-token"));
    assert_eq!(
        same.headers.get("proxy-authorization"),
        Some("Basic cHJveHk=")
    );
    // Into a fresh session: no secrets appear.
    let mut fresh = Settings::default();
    import(&text, &mut fresh, &mut CookieJar::new(), NOW, true).unwrap();
    assert_eq!(fresh.auth, None);
    assert!(!fresh.headers.contains("authorization"));
    assert_eq!(fresh.proxies[0].1, "http://proxy.test:3128");
    assert_eq!(fresh.headers.get("x-team"), Some("blue"));
}

#[test]
fn absent_keys_keep_the_current_settings() {
    let (mut settings, mut jar) = full();
    let before_jar = jar.snapshot(NOW);
    import(
        r#"{"version": 1, "max_redirects": 2}"#,
        &mut settings,
        &mut jar,
        NOW,
        true,
    )
    .unwrap();
    assert_eq!(settings.max_redirects, 2);
    assert_eq!(settings.headers.get("x-team"), Some("blue"));
    assert_eq!(jar.snapshot(NOW), before_jar);
    import(
        r#"{"version": 1, "cookies": [], "auth": null, "timeout": null}"#,
        &mut settings,
        &mut jar,
        NOW,
        true,
    )
    .unwrap();
    assert!(jar.snapshot(NOW).is_empty());
    assert_eq!(settings.auth, None);
    assert_eq!(settings.timeout, None);
}

#[test]
fn a_bad_document_changes_nothing() {
    let (settings, jar) = full();
    let good = doc(&export(&settings, &jar, NOW, true));
    let with = |key: &str, value: Value| {
        let mut d = good.clone();
        d[key] = value;
        d.to_string()
    };
    let bad_cookie = {
        let mut d = good.clone();
        d["cookies"][1]["value"] = json!("x\r\nSet-Cookie: evil=1");
        d.to_string()
    };
    type Expect = fn(&Error) -> bool;
    let cases: Vec<(String, Expect)> = vec![
        ("{not json".into(), |e| matches!(e, Error::InvalidJson(_))),
        ("[1]".into(), |e| matches!(e, Error::InvalidOption(_))),
        (with("version", json!(2)), |e| {
            matches!(e, Error::InvalidOption(_))
        }),
        (with("surprise", json!(1)), |e| {
            matches!(e, Error::InvalidOption(_))
        }),
        (with("headers", json!([["X-A", "1\r\nX-B: 2"]])), |e| {
            matches!(e, Error::InvalidHeader(_))
        }),
        (with("headers", json!({"X-A": "1"})), |e| {
            matches!(e, Error::InvalidOption(_))
        }),
        (with("params", json!([["a"]])), |e| {
            matches!(e, Error::InvalidOption(_))
        }),
        (
            with(
                "auth",
                json!({"type": "basic", "username": "a:b", "password": ""}),
            ),
            |e| matches!(e, Error::InvalidHeader(_)),
        ),
        (
            with("auth", json!({"type": "digest", "username": "u"})),
            |e| matches!(e, Error::InvalidOption(_)),
        ),
        (with("auth", json!({"type": "ntlm"})), |e| {
            matches!(e, Error::InvalidOption(_))
        }),
        (
            with("auth", json!({"type": "bearer", "token": "t", "x": 1})),
            |e| matches!(e, Error::InvalidOption(_)),
        ),
        (
            with("auth", json!({"type": "bearer", "token": "t\r\nX: 1"})),
            |e| matches!(e, Error::InvalidHeader(_)),
        ),
        (with("max_redirects", json!(-1)), |e| {
            matches!(e, Error::InvalidOption(_))
        }),
        (with("max_redirects", json!(4294967296u64)), |e| {
            matches!(e, Error::InvalidOption(_))
        }),
        (with("verify", json!("no")), |e| {
            matches!(e, Error::InvalidOption(_))
        }),
        (with("timeout", json!({"connect_ms": 1.5})), |e| {
            matches!(e, Error::InvalidOption(_))
        }),
        (with("cookies", json!([{"name": "a"}])), |e| {
            matches!(e, Error::InvalidOption(_))
        }),
        (bad_cookie, |e| matches!(e, Error::InvalidCookie(_))),
    ];
    for (text, expected) in cases {
        let mut s = Settings::default();
        s.headers.set("X-Keep", "me");
        let mut j = CookieJar::new();
        j.set(
            crate::cookies::NewCookie {
                name: "keep".into(),
                value: "1".into(),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
        let before = (format!("{s:?}"), j.snapshot(NOW));
        let err = import(&text, &mut s, &mut j, NOW, true).unwrap_err();
        assert!(expected(&err), "{text}: {err:?}");
        assert_eq!((format!("{s:?}"), j.snapshot(NOW)), before, "{text}");
    }
}

#[test]
fn proxy_userinfo_is_redacted_as_text() {
    assert_eq!(redact_proxy("http://u:p@h:1/x"), "http://h:1/x");
    assert_eq!(redact_proxy("http://u@p@h"), "http://h");
    assert_eq!(redact_proxy("u:p@h:3128"), "h:3128");
    // Over-redacted when unsure: the last `@` ends what is hidden.
    assert_eq!(redact_proxy("http://h/a@b"), "http://b");
    // Passwords with unencoded `/`, `#`, `?` never reach saved state.
    assert_eq!(
        redact_proxy("http://user:p/ss@proxy:3128"),
        "http://proxy:3128"
    );
    assert_eq!(redact_proxy("http://u:p#w@proxy"), "http://proxy");
    assert_eq!(redact_proxy("u:p?w@proxy"), "proxy");
    assert_eq!(redact_proxy("http://h"), "http://h");
    assert_eq!(redact_proxy("ü://ü:é@ĥ/é"), "ĥ/é");
}

#[test]
fn retries_base_url_and_limits_are_saved_and_validated_on_import() {
    let (settings, jar) = full();
    let text = export(&settings, &jar, NOW, false);
    let saved = doc(&text);
    assert_eq!(
        saved["retries"]["status_forcelist"],
        serde_json::json!([502, 503])
    );
    assert_eq!(saved["base_url"], "https://api.example.com/v1/");
    assert_eq!(
        (
            saved["error_for_status"].as_bool(),
            saved["max_body_size"].as_u64()
        ),
        (Some(true), Some(1 << 20))
    );
    let mut restored = Settings::default();
    import(&text, &mut restored, &mut CookieJar::new(), NOW, true).unwrap();
    assert_eq!(restored.retries, settings.retries);
    assert_eq!(restored.base_url, settings.base_url);
    let bad = text.replace("\"backoff_max_ms\":10000", "\"backoff_max_ms\":0");
    assert_ne!(bad, text, "the test edits the saved policy");
    let before = format!("{restored:?}");
    assert!(matches!(
        import(&bad, &mut restored, &mut CookieJar::new(), NOW, true),
        Err(Error::InvalidOption(_))
    ));
    assert_eq!(
        format!("{restored:?}"),
        before,
        "nothing changes on a bad policy"
    );
}

// ---------------------------------------------------------------------------------------------
// Bounds on what a document may make import do
// ---------------------------------------------------------------------------------------------

/// Imports `text` into a session with settings and cookies of its own; on an error, checks that
/// nothing changed. Returns the result.
fn import_checked(text: &str) -> Result<()> {
    let (mut s, mut j) = full();
    let before = (format!("{s:?}"), format!("{j:?}"));
    let got = import(text, &mut s, &mut j, NOW, true);
    if got.is_err() {
        assert_eq!(
            (format!("{s:?}"), format!("{j:?}")),
            before,
            "a failed import changed the session"
        );
    }
    got
}

fn is_limit(result: Result<()>, what: &str) -> bool {
    matches!(result, Err(Error::InvalidOption(m)) if m.contains(what))
}

#[test]
fn a_document_past_the_size_limit_is_refused_before_parsing() {
    let doc = r#"{"version": 1, "max_redirects": 2}"#;
    let over = format!("{doc}{}", " ".repeat(MAX_STATE_BYTES + 1 - doc.len()));
    assert_eq!(over.len(), MAX_STATE_BYTES + 1);
    assert!(is_limit(import_checked(&over), "bytes"));
    // At the limit the text is parsed (and this one fails at its first byte).
    let at = format!("x{}", &over[..MAX_STATE_BYTES - 1]);
    assert!(matches!(import_checked(&at), Err(Error::InvalidJson(_))));
    assert!(import_checked(doc).is_ok());
}

#[test]
fn a_document_of_too_many_values_is_refused_before_parsing() {
    let zeros = |n: usize| format!(r#"{{"version": 1, "x": [{}0]}}"#, "0,".repeat(n));
    // 2 separators before the list's own (`:` after "version", `,`), then `:` and `[`.
    assert!(is_limit(
        import_checked(&zeros(MAX_STATE_VALUES)),
        "JSON values"
    ));
    // Under the limit it parses, and the unknown key is what is refused.
    assert!(is_limit(import_checked(&zeros(1000)), "unknown key"));
    // Separators inside strings do not count, escaped quotes included.
    let commas = format!(
        r#"{{"version": 1, "cert": "\"{}"}}"#,
        ",".repeat(MAX_STATE_VALUES * 2)
    );
    assert!(import_checked(&commas).is_ok());
}

#[test]
fn lists_past_their_limits_are_refused_and_lists_at_them_imported() {
    // Spread over sites, within the jar's limit per site.
    let cookie = |i: usize| {
        let domain = format!("site{}.example", i / 100);
        json!({"name": format!("c{i}"), "value": "v", "domain": domain, "path": "/"})
    };
    let doc_with = |key: &str, value: Value| json!({"version": 1, key: value}).to_string();

    let cookies: Vec<Value> = (0..MAX_STATE_COOKIES).map(cookie).collect();
    let (mut s, mut j) = full();
    import(
        &doc_with("cookies", json!(cookies)),
        &mut s,
        &mut j,
        NOW,
        true,
    )
    .unwrap();
    assert_eq!(j.snapshot(NOW).len(), MAX_STATE_COOKIES);
    let more: Vec<Value> = (0..=MAX_STATE_COOKIES).map(cookie).collect();
    assert!(is_limit(
        import_checked(&doc_with("cookies", json!(more))),
        "cookies"
    ));

    let pairs = |n: usize| -> Value {
        (0..n)
            .map(|i| json!([format!("X-H{i}"), "v"]))
            .collect::<Vec<_>>()
            .into()
    };
    for key in ["headers", "params", "proxies"] {
        assert!(
            import_checked(&doc_with(key, pairs(MAX_STATE_ENTRIES))).is_ok(),
            "{key}"
        );
        assert!(
            is_limit(
                import_checked(&doc_with(key, pairs(MAX_STATE_ENTRIES + 1))),
                "entries"
            ),
            "{key}"
        );
    }
    let names: Vec<String> = (0..=MAX_STATE_ENTRIES).map(|i| format!("h{i}")).collect();
    assert!(is_limit(
        import_checked(&doc_with("hooks", json!({"request": names}))),
        "entries"
    ));
    let mut retries = json!({
        "total": 3, "connect": null, "read": null, "status": null, "backoff_factor_ms": 0,
        "backoff_max_ms": 0, "backoff_jitter_ms": 0, "status_forcelist": [],
        "allowed_methods": null, "respect_retry_after": true, "retry_after_max_ms": 0,
    });
    retries["status_forcelist"] = json!(vec![503; MAX_STATE_ENTRIES + 1]);
    assert!(is_limit(
        import_checked(&doc_with("retries", retries.clone())),
        "entries"
    ));
    retries["status_forcelist"] = json!([]);
    retries["allowed_methods"] = json!(vec!["GET"; MAX_STATE_ENTRIES + 1]);
    assert!(is_limit(
        import_checked(&doc_with("retries", retries)),
        "entries"
    ));
}

#[test]
fn deeply_nested_json_is_a_typed_error() {
    for depth in [200, 100_000] {
        let text = format!(
            r#"{{"version": 1, "cert": {}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        assert!(import_checked(&text).is_err());
    }
}

// ---------------------------------------------------------------------------------------------
// Property tests (run longer with PROPTEST_CASES)
// ---------------------------------------------------------------------------------------------

use proptest::prelude::*;

/// Any text, short: cheaper to generate than `any::<String>()`, and as varied per character.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter)
}

/// Keys the document and its parts use, and a few it does not.
const KEYS: &[&str] = &[
    "version",
    "secrets",
    "headers",
    "params",
    "auth",
    "max_redirects",
    "trust_env",
    "stream",
    "verify",
    "cert",
    "proxies",
    "timeout",
    "base_url",
    "error_for_status",
    "max_body_size",
    "retries",
    "hooks",
    "cookies",
    "type",
    "username",
    "password",
    "token",
    "connect_ms",
    "read_ms",
    "request",
    "response",
    "name",
    "value",
    "domain",
    "path",
    "host_only",
    "secure",
    "http_only",
    "expires",
    "total",
    "status_forcelist",
    "allowed_methods",
    "unknown",
];

/// Any JSON value, small, its object keys mostly ones the document uses.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![Just(0.5f64), Just(-1.0), Just(1e300)].prop_map(Value::from),
        prop_oneof![Just(0u64), Just(1), Just(2), Just(503), Just(4_294_967_296)]
            .prop_map(Value::from),
        text().prop_map(Value::from),
        prop::sample::select(vec![
            "http://h/",
            "https://u:p@h/x?q",
            "basic",
            "digest",
            "bearer",
            "/",
            "example.com",
            "X-A",
            "a\r\nb",
            "",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(
                |entries| {
                    Value::Object(
                        entries
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v))
                            .collect(),
                    )
                }
            ),
        ]
    })
}

/// One change to a document: a value replaced, a key removed or added, anywhere in it.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(Vec<prop::sample::Index>, Value),
    Remove(Vec<prop::sample::Index>),
    Add(Vec<prop::sample::Index>, &'static str, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let path = proptest::collection::vec(any::<prop::sample::Index>(), 0..4);
    prop_oneof![
        (path.clone(), json_value()).prop_map(|(p, v)| Mutation::Replace(p, v)),
        path.clone().prop_map(Mutation::Remove),
        (path, prop::sample::select(KEYS), json_value())
            .prop_map(|(p, k, v)| Mutation::Add(p, k, v)),
    ]
}

/// The value at the end of a walk down `path` (each step picks a child, while there is one),
/// and, for the last step taken, the parent and the key or index it was reached by.
fn walk<'a>(doc: &'a mut Value, path: &[prop::sample::Index]) -> &'a mut Value {
    let mut at = doc;
    for step in path {
        let next = match at {
            Value::Array(items) if !items.is_empty() => {
                let i = step.index(items.len());
                Some(i)
            }
            Value::Object(map) if !map.is_empty() => Some(step.index(map.len())),
            _ => None,
        };
        let Some(i) = next else {
            break;
        };
        at = match at {
            Value::Array(items) => &mut items[i],
            Value::Object(map) => map.values_mut().nth(i).unwrap(),
            _ => unreachable!(),
        };
    }
    at
}

fn mutate(doc: &mut Value, m: &Mutation) {
    match m {
        Mutation::Replace(path, value) => *walk(doc, path) = value.clone(),
        Mutation::Remove(path) => {
            let (last, parent) = path
                .split_last()
                .map_or((None, &path[..]), |(l, p)| (Some(l), p));
            match (walk(doc, parent), last) {
                (Value::Object(map), Some(i)) if !map.is_empty() => {
                    let key = map.keys().nth(i.index(map.len())).unwrap().clone();
                    map.remove(&key);
                }
                (Value::Array(items), Some(i)) if !items.is_empty() => {
                    items.remove(i.index(items.len()));
                }
                _ => {}
            }
        }
        Mutation::Add(path, key, value) => match walk(doc, path) {
            Value::Object(map) => {
                map.insert(key.to_string(), value.clone());
            }
            Value::Array(items) => items.push(value.clone()),
            _ => {}
        },
    }
}

/// The errors import may give: every one typed, none a surprise.
fn typed(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidJson(_)
            | Error::InvalidOption(_)
            | Error::InvalidHeader(_)
            | Error::InvalidCookie(_)
            | Error::InvalidUrl(_)
            | Error::MissingSchema(_)
            | Error::InvalidSchema(_)
            | Error::Unsupported(_)
    )
}

/// Imports `text` into the full session: a typed error leaves it exactly as it was; a success
/// gives a session whose export imports back to the same export.
fn check_import(text: &str, hooks_supported: bool) -> std::result::Result<(), TestCaseError> {
    let (mut s, mut j) = full();
    let before = (format!("{s:?}"), format!("{j:?}"));
    match import(text, &mut s, &mut j, NOW, hooks_supported) {
        Err(e) => {
            prop_assert!(typed(&e), "{:?}", e);
            prop_assert_eq!((format!("{s:?}"), format!("{j:?}")), before);
        }
        Ok(()) => {
            let saved = export(&s, &j, NOW, true);
            let (mut s2, mut j2) = (Settings::default(), CookieJar::new());
            import(&saved, &mut s2, &mut j2, NOW, true).unwrap();
            prop_assert_eq!(export(&s2, &j2, NOW, true), saved);
        }
    }
    Ok(())
}

proptest! {
    // Any text, JSON or not: import is all or nothing, with a typed error.
    #[test]
    fn prop_any_text_imports_all_or_nothing(
        text in prop_oneof![
            text(),
            json_value().prop_map(|v| v.to_string()),
            json_value().prop_map(|v| json!({"version": 1, "headers": v}).to_string()),
        ],
        hooks_supported in any::<bool>(),
    ) {
        check_import(&text, hooks_supported)?;
    }

    // A version 1 document whose keys hold any JSON values: all or nothing, typed errors, and
    // what imports exports and imports again unchanged.
    #[test]
    fn prop_any_values_under_the_documents_keys_import_all_or_nothing(
        entries in proptest::collection::vec((prop::sample::select(KEYS), json_value()), 0..6),
        hooks_supported in any::<bool>(),
    ) {
        let mut doc = json!({"version": 1});
        for (key, value) in entries {
            doc[key] = value;
        }
        check_import(&doc.to_string(), hooks_supported)?;
    }

    // A valid export changed anywhere (values replaced, keys removed or added, the text cut or
    // a byte changed): all or nothing, typed errors.
    #[test]
    fn prop_mutated_exports_import_all_or_nothing(
        secrets in any::<bool>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
        cut in proptest::option::of(any::<prop::sample::Index>()),
        flip in proptest::option::of((any::<prop::sample::Index>(), any::<u8>())),
    ) {
        let (settings, jar) = full();
        let mut doc = doc(&export(&settings, &jar, NOW, secrets));
        for m in &mutations {
            mutate(&mut doc, m);
        }
        let mut bytes = doc.to_string().into_bytes();
        if let Some((at, b)) = flip {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if let Some(at) = cut {
            bytes.truncate(at.index(bytes.len() + 1));
        }
        let text = String::from_utf8_lossy(&bytes);
        check_import(&text, true)?;
    }
}
