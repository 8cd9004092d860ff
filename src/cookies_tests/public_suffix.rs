//! Public suffixes (RFC 6265 §5.3 step 5): refused `Domain` attributes, host-only suffix
//! cookies, and what a site is.

use super::*;

#[test]
fn a_domain_attribute_of_a_public_suffix_is_refused_and_never_reaches_other_sites() {
    let mut jar = CookieJar::new();
    for (from, line) in [
        ("http://a.example.co.uk/", "k=1; Domain=co.uk"),
        ("http://a.example.co.uk/", "k=1; Domain=.CO.UK"),
        ("http://a.example.co.uk/", "k=1; Domain=uk"),
        ("https://me.github.io/", "k=1; Domain=github.io"),
        (
            "http://a.b.compute.amazonaws.com/",
            "k=1; Domain=b.compute.amazonaws.com",
        ),
    ] {
        assert!(store(&mut jar, from, &[line]).is_empty(), "{from} {line}");
    }
    assert!(jar.list(NOW).is_empty());
    assert_eq!(jar.header_for(&url("http://evil.co.uk/"), NOW, &[]), None);
    assert_eq!(
        jar.header_for(&url("https://evil.github.io/"), NOW, &[]),
        None
    );
    // The registrable domain itself is fine.
    store(
        &mut jar,
        "http://a.example.co.uk/",
        &["ok=1; Domain=example.co.uk"],
    );
    assert!(jar
        .header_for(&url("http://b.example.co.uk/"), NOW, &[])
        .is_some());
    assert_eq!(jar.header_for(&url("http://evil.co.uk/"), NOW, &[]), None);
}

#[test]
fn a_public_suffix_domain_equal_to_the_host_becomes_host_only() {
    let mut jar = CookieJar::new();
    let set = store(&mut jar, "https://github.io/", &["k=1; Domain=github.io"]);
    assert_eq!(set.len(), 1);
    assert!(set[0].host_only);
    assert_eq!(set[0].domain, "github.io");
    assert_eq!(
        jar.header_for(&url("https://github.io/"), NOW, &[])
            .as_deref(),
        Some("k=1")
    );
    assert_eq!(
        jar.header_for(&url("https://me.github.io/"), NOW, &[]),
        None
    );
    // What the jar holds this way survives a save and restore.
    let mut restored = CookieJar::new();
    for c in jar.snapshot(NOW) {
        restored.restore(c, NOW).unwrap();
    }
    assert_eq!(restored.snapshot(NOW), jar.snapshot(NOW));
}

#[test]
fn hand_set_and_restored_cookies_for_a_public_suffix_are_refused_naming_the_domain() {
    let mut jar = CookieJar::new();
    for domain in ["co.uk", ".github.io", "COM"] {
        let new = NewCookie {
            name: "k".into(),
            value: "1".into(),
            domain: Some(domain.into()),
            ..Default::default()
        };
        let bare = domain.trim_start_matches('.').to_ascii_lowercase();
        assert!(
            matches!(jar.set(new, NOW), Err(Error::InvalidCookie(m)) if m.contains(&bare)),
            "{domain}"
        );
    }
    let err = jar
        .restore(StoredCookie::new("k", "1", "co.uk", "/"), NOW)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCookie(m) if m.contains("\"co.uk\"")));
    assert!(jar.list(NOW).is_empty());
}

#[test]
fn loopback_hosts_localhost_and_unlisted_names_are_not_public_suffixes() {
    for d in [
        "localhost",
        "127.0.0.1",
        "127.0.0.2",
        "[::1]",
        "test",
        "h.test",
        "example.com",
        "sub.example.com",
        "",
    ] {
        assert!(!is_public_suffix(d), "{d}");
    }
    for d in ["com", "uk", "co.uk", "github.io", "com."] {
        assert!(is_public_suffix(d), "{d}");
    }
    let mut jar = CookieJar::new();
    assert_eq!(
        store(
            &mut jar,
            "http://127.0.0.1:8080/",
            &["a=1; Domain=127.0.0.1"]
        )
        .len(),
        1
    );
    for domain in ["localhost", "127.0.0.2"] {
        jar.set(
            NewCookie {
                name: "h".into(),
                value: "1".into(),
                domain: Some(domain.into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    }
    assert_eq!(
        jar.header_for(&url("http://127.0.0.1:8080/"), NOW, &[])
            .as_deref(),
        Some("a=1")
    );
    assert!(jar
        .header_for(&url("http://localhost/"), NOW, &[])
        .is_some());
    assert!(jar
        .header_for(&url("http://127.0.0.2/"), NOW, &[])
        .is_some());
}

#[test]
fn sites_are_registrable_domains_and_ip_addresses_stand_alone() {
    assert_eq!(site_of("www.example.co.uk"), "example.co.uk");
    assert_eq!(site_of("example.com"), "example.com");
    assert_eq!(site_of("a.b.localhost"), "b.localhost");
    assert_eq!(site_of("co.uk"), "co.uk");
    assert_eq!(site_of("127.0.0.1"), "127.0.0.1");
    assert_eq!(site_of("10.0.0.1"), "10.0.0.1");
    assert_eq!(site_of("[::1]"), "[::1]");
    assert_eq!(site_of(""), "");
}
