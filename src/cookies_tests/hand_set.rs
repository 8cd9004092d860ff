//! Hand-set and restored cookies: validation, every attribute kept, and what a jar refuses.

use super::*;

#[test]
fn hand_set_cookies_are_validated_and_go_everywhere_without_a_domain() {
    let mut jar = CookieJar::new();
    let bad = NewCookie {
        name: "a;b".into(),
        value: "1".into(),
        ..Default::default()
    };
    assert!(matches!(jar.set(bad, NOW), Err(Error::InvalidCookie(_))));
    let bad = NewCookie {
        name: "a".into(),
        value: "1\r\nX: y".into(),
        ..Default::default()
    };
    assert!(matches!(jar.set(bad, NOW), Err(Error::InvalidCookie(_))));
    jar.set(
        NewCookie {
            name: "t".into(),
            value: "1".into(),
            ..Default::default()
        },
        NOW,
    )
    .unwrap();
    assert!(jar.header_for(&url("http://any.host/"), NOW, &[]).is_some());
    assert_eq!(jar.remove("t", None, None), 1);
}

#[test]
fn restored_cookies_keep_every_attribute() {
    let mut jar = CookieJar::new();
    let mut c = StoredCookie::new("sid", "a,b \"q\"", "example.com", "/app");
    c.host_only = true;
    c.secure = true;
    c.http_only = true;
    c.expires = Some(NOW + 10);
    jar.restore(c.clone(), NOW).unwrap();
    assert_eq!(jar.snapshot(NOW), [c]);
    assert!(jar
        .header_for(&url("https://example.com/app/x"), NOW, &[])
        .is_some());
    assert!(jar
        .header_for(&url("https://sub.example.com/app/x"), NOW, &[])
        .is_none());
    assert!(jar.snapshot(NOW + 10).is_empty());
    assert_eq!(jar.list(NOW).len(), 1, "snapshot leaves the jar alone");
}

#[test]
fn restore_refuses_what_a_jar_cannot_hold() {
    let bad = |f: fn(&mut StoredCookie)| {
        let mut c = StoredCookie::new("n", "v", "h.test", "/");
        f(&mut c);
        c
    };
    for c in [
        bad(|c| c.name = String::new()),
        bad(|c| c.name = "a=b".into()),
        bad(|c| c.name = "a;b".into()),
        bad(|c| c.name = "a\nb".into()),
        bad(|c| c.value = "v\r\nX: y".into()),
        bad(|c| c.value = "v; Domain=evil".into()),
        bad(|c| c.domain = "Evil.Test".into()),
        bad(|c| c.domain = ".h.test".into()),
        bad(|c| c.domain = "h.test/x".into()),
        bad(|c| {
            c.domain = String::new();
            c.host_only = true
        }),
        bad(|c| c.path = "x".into()),
    ] {
        let err = CookieJar::new().restore(c.clone(), NOW).unwrap_err();
        assert!(matches!(err, Error::InvalidCookie(_)), "{c:?}");
    }
    let mut jar = CookieJar::new();
    let mut gone = StoredCookie::new("n", "v", "", "/");
    gone.expires = Some(NOW);
    jar.restore(gone, NOW).unwrap();
    assert!(jar.snapshot(NOW).is_empty());
}
