//! Validation: a bad document of any kind is a typed error and changes nothing.

use super::*;

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
        (with("verify", json!(1)), |e| {
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
