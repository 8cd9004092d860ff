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
    assert_eq!(redact_proxy("http://h/a@b"), "http://h/a@b");
    assert_eq!(redact_proxy("http://h"), "http://h");
    assert_eq!(redact_proxy("ü://ü:é@ĥ/é"), "ü://ĥ/é");
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
