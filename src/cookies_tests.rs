//! Unit tests of `cookies`: storage and selection rules of RFC 6265, splitting and hand-set cookies.

use super::*;

const NOW: i64 = 1_800_000_000;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn store(jar: &mut CookieJar, u: &str, lines: &[&str]) -> Vec<StoredCookie> {
    jar.store_response_cookies(&url(u), lines.iter().copied(), NOW)
}

#[test]
fn a_cookie_without_domain_is_host_only() {
    let mut jar = CookieJar::new();
    store(&mut jar, "http://example.com/", &["a=1"]);
    assert_eq!(
        jar.header_for(&url("http://example.com/x"), NOW, &[])
            .as_deref(),
        Some("a=1")
    );
    assert_eq!(
        jar.header_for(&url("http://sub.example.com/"), NOW, &[]),
        None
    );
}

#[test]
fn a_domain_cookie_goes_to_subdomains_but_not_lookalikes() {
    let mut jar = CookieJar::new();
    store(
        &mut jar,
        "http://www.example.com/",
        &["a=1; Domain=.example.com"],
    );
    assert!(jar
        .header_for(&url("http://api.example.com/"), NOW, &[])
        .is_some());
    assert!(jar
        .header_for(&url("http://example.com/"), NOW, &[])
        .is_some());
    assert!(jar
        .header_for(&url("http://badexample.com/"), NOW, &[])
        .is_none());
}

#[test]
fn a_cookie_for_another_domain_or_a_tld_is_refused() {
    let mut jar = CookieJar::new();
    assert!(store(&mut jar, "http://example.com/", &["a=1; Domain=evil.com"]).is_empty());
    assert!(store(&mut jar, "http://example.com/", &["a=1; Domain=com"]).is_empty());
    assert!(store(&mut jar, "http://127.0.0.1/", &["a=1; Domain=0.0.1"]).is_empty());
    assert_eq!(
        store(&mut jar, "http://localhost/", &["a=1; Domain=localhost"]).len(),
        1
    );
}

#[test]
fn paths_match_on_segment_boundaries() {
    let mut jar = CookieJar::new();
    store(&mut jar, "http://h/", &["a=1; Path=/api"]);
    assert!(jar.header_for(&url("http://h/api"), NOW, &[]).is_some());
    assert!(jar.header_for(&url("http://h/api/v1"), NOW, &[]).is_some());
    assert!(jar.header_for(&url("http://h/apiary"), NOW, &[]).is_none());
    assert!(jar.header_for(&url("http://h/"), NOW, &[]).is_none());
}

#[test]
fn the_default_path_is_the_request_directory() {
    assert_eq!(default_path("/a/b/c"), "/a/b");
    assert_eq!(default_path("/a"), "/");
    assert_eq!(default_path(""), "/");
    let mut jar = CookieJar::new();
    let set = store(&mut jar, "http://h/docs/page", &["a=1"]);
    assert_eq!(set[0].path, "/docs");
}

#[test]
fn secure_cookies_go_only_over_https() {
    let mut jar = CookieJar::new();
    store(&mut jar, "https://h/", &["s=1; Secure"]);
    assert!(jar.header_for(&url("https://h/"), NOW, &[]).is_some());
    assert!(jar.header_for(&url("http://h/"), NOW, &[]).is_none());
}

#[test]
fn max_age_beats_expires_and_zero_deletes() {
    let mut jar = CookieJar::new();
    store(
        &mut jar,
        "http://h/",
        &["a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:01 GMT"],
    );
    assert_eq!(jar.list(NOW)[0].expires, Some(NOW + 60));
    assert!(jar.header_for(&url("http://h/"), NOW + 61, &[]).is_none());
    store(&mut jar, "http://h/", &["a=; Max-Age=0"]);
    assert!(jar.list(NOW).is_empty());
}

#[test]
fn a_past_expires_deletes() {
    let mut jar = CookieJar::new();
    store(&mut jar, "http://h/", &["a=1"]);
    store(
        &mut jar,
        "http://h/",
        &["a=1; Expires=Thu, 01 Jan 1970 00:00:01 GMT"],
    );
    assert!(jar.list(NOW).is_empty());
}

#[test]
fn the_header_orders_longer_paths_first_then_older() {
    let mut jar = CookieJar::new();
    store(
        &mut jar,
        "http://h/",
        &["b=2; Path=/", "a=1; Path=/x", "c=3; Path=/"],
    );
    assert_eq!(
        jar.header_for(&url("http://h/x/y"), NOW, &[]).as_deref(),
        Some("a=1; b=2; c=3")
    );
}

#[test]
fn request_cookies_replace_jar_cookies_of_the_same_name() {
    let mut jar = CookieJar::new();
    store(&mut jar, "http://h/", &["a=1", "b=2"]);
    let extra = [("a".to_string(), "9".to_string())];
    assert_eq!(
        jar.header_for(&url("http://h/"), NOW, &extra).as_deref(),
        Some("b=2; a=9")
    );
}

#[test]
fn replacing_a_cookie_keeps_one_copy() {
    let mut jar = CookieJar::new();
    store(&mut jar, "http://h/", &["a=1"]);
    store(&mut jar, "http://h/", &["a=2"]);
    assert_eq!(
        jar.header_for(&url("http://h/"), NOW, &[]).as_deref(),
        Some("a=2")
    );
}

#[test]
fn comma_joined_set_cookie_splits_but_expires_dates_stay_whole() {
    let joined = "a=1; Path=/, b=2; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT, c=3; HttpOnly";
    let parts: Vec<_> = split_set_cookie(joined).collect();
    assert_eq!(
        parts,
        [
            "a=1; Path=/",
            "b=2; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT",
            "c=3; HttpOnly"
        ]
    );
    let mut jar = CookieJar::new();
    let set = store(&mut jar, "http://h/", &[joined]);
    assert_eq!(set.len(), 3);
    assert_eq!(set[1].expires, Some(2139722880));
}

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

#[test]
fn malformed_set_cookie_is_ignored() {
    let mut jar = CookieJar::new();
    assert!(store(&mut jar, "http://h/", &["=novalue", ""]).is_empty());
}

// --- Limits and eviction (RFC 6265 §6.1, §5.3 step 12) ---

/// How many cookies each site holds.
fn per_site(jar: &CookieJar) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for c in jar.index.iter() {
        *counts.entry(site_of(&c.domain).to_string()).or_insert(0) += 1;
    }
    counts
}

fn names(jar: &CookieJar) -> Vec<String> {
    jar.snapshot(NOW).into_iter().map(|c| c.name).collect()
}

#[test]
fn twenty_thousand_set_cookie_lines_from_one_host_keep_at_most_the_cap_and_a_bounded_header() {
    let lines: Vec<String> = (0..20_000).map(|i| format!("c{i}=v{i}")).collect();
    let u = url("https://www.example.com/");
    // In one response: only the first lines are read.
    let mut jar = CookieJar::new();
    let set = jar.store_response_cookies(&u, lines.iter().map(String::as_str), NOW);
    assert_eq!(set.len(), MAX_SET_COOKIES_PER_RESPONSE);
    assert!(jar.list(NOW).len() <= MAX_COOKIES_PER_DOMAIN);
    // Over many responses: the site keeps its newest cookies, up to its cap.
    let mut jar = CookieJar::new();
    for chunk in lines.chunks(100) {
        jar.store_response_cookies(&u, chunk.iter().map(String::as_str), NOW);
    }
    let kept = names(&jar);
    assert_eq!(kept.len(), MAX_COOKIES_PER_DOMAIN);
    assert_eq!(kept.first().map(String::as_str), Some("c19820"));
    assert_eq!(kept.last().map(String::as_str), Some("c19999"));
    let header = jar.header_for(&u, NOW, &[]).unwrap_or_default();
    assert_eq!(header.split("; ").count(), MAX_COOKIES_PER_DOMAIN);
    assert!(header.len() < MAX_COOKIES_PER_DOMAIN * 16);
}

#[test]
fn one_response_reads_at_most_its_cap_of_set_cookie_lines_and_ignores_the_rest() {
    let joined = (0..1000)
        .map(|i| format!("c{i}=1"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut jar = CookieJar::new();
    let set = store(&mut jar, "http://h.test/", &[&joined, "late=1"]);
    assert_eq!(set.len(), MAX_SET_COOKIES_PER_RESPONSE);
    let kept = names(&jar);
    assert!(kept.contains(&"c0".to_string()));
    assert!(kept.contains(&format!("c{}", MAX_SET_COOKIES_PER_RESPONSE - 1)));
    assert!(!kept.contains(&format!("c{}", MAX_SET_COOKIES_PER_RESPONSE)));
    assert!(!kept.contains(&"late".to_string()));
}

#[test]
fn a_full_site_evicts_its_expired_cookies_first_then_its_least_recently_set() {
    let mut jar = CookieJar::with_limits(3, 100);
    store(&mut jar, "http://other.test/", &["other=1"]);
    store(
        &mut jar,
        "http://www.example.com/",
        &["old=1", "soon=1; Max-Age=10"],
    );
    store(
        &mut jar,
        "http://api.example.com/",
        &["mid=1; Domain=example.com"],
    );
    // The site (example.com and its subdomains) is full; `soon` has expired.
    let later = NOW + 20;
    jar.store_response_cookies(&url("http://www.example.com/"), ["new=1"], later);
    assert_eq!(names(&jar), ["other", "old", "mid", "new"]);
    // Nothing expired: the site's least recently set cookie goes, not another site's.
    jar.store_response_cookies(&url("http://www.example.com/"), ["newer=1"], later);
    assert_eq!(names(&jar), ["other", "mid", "new", "newer"]);
    // Setting a cookie again makes it recently set, and keeps its place in the header.
    jar.store_response_cookies(
        &url("http://api.example.com/"),
        ["mid=2; Domain=example.com"],
        later,
    );
    jar.store_response_cookies(&url("http://www.example.com/"), ["newest=1"], later);
    assert_eq!(names(&jar), ["other", "mid", "newer", "newest"]);
    assert_eq!(
        jar.header_for(&url("http://www.example.com/"), later, &[])
            .as_deref(),
        Some("mid=2; newer=1; newest=1")
    );
    assert_eq!(per_site(&jar).get("example.com"), Some(&3));
}

#[test]
fn a_full_jar_evicts_expired_cookies_first_then_the_least_recently_set_of_any_site() {
    let mut jar = CookieJar::with_limits(10, 3);
    store(&mut jar, "http://a.test/", &["a=1"]);
    store(&mut jar, "http://b.test/", &["b=1; Max-Age=5"]);
    store(&mut jar, "http://c.test/", &["c=1"]);
    let later = NOW + 10;
    jar.store_response_cookies(&url("http://d.test/"), ["d=1"], later);
    assert_eq!(names(&jar), ["a", "c", "d"]);
    jar.store_response_cookies(&url("http://e.test/"), ["e=1"], later);
    assert_eq!(names(&jar), ["c", "d", "e"]);
    // Hand-set and restored cookies count too.
    jar.set(
        NewCookie {
            name: "t".into(),
            value: "1".into(),
            ..Default::default()
        },
        later,
    )
    .unwrap();
    jar.restore(StoredCookie::new("r", "1", "f.test", "/"), later)
        .unwrap();
    assert_eq!(names(&jar), ["e", "t", "r"]);
}

#[test]
fn the_jar_keeps_at_most_max_cookies_from_many_sites() {
    let mut jar = CookieJar::new();
    for i in 0..MAX_COOKIES + 100 {
        let u = url(&format!("http://h{i}.example{i}.com/"));
        jar.store_response_cookies(&u, ["k=1"], NOW);
    }
    assert_eq!(jar.list(NOW).len(), MAX_COOKIES);
    assert_eq!(
        jar.header_for(&url("http://h99.example99.com/"), NOW, &[]),
        None
    );
    assert!(jar
        .header_for(&url("http://h100.example100.com/"), NOW, &[])
        .is_some());
}

#[test]
fn a_cookie_larger_than_4096_bytes_is_ignored() {
    let mut jar = CookieJar::new();
    let fits = format!("a={}", "x".repeat(MAX_COOKIE_SIZE - 2));
    assert_eq!(store(&mut jar, "http://h.test/", &[&fits]).len(), 1);
    let value_too_long = format!("b={}", "x".repeat(MAX_COOKIE_SIZE - 1));
    let attributes_too_long = format!("c={}; Path=/{}", "x".repeat(4000), "p".repeat(100));
    assert!(store(
        &mut jar,
        "http://h.test/",
        &[&value_too_long, &attributes_too_long]
    )
    .is_empty());
    assert_eq!(names(&jar), ["a"]);
}

#[test]
fn a_hand_set_or_restored_cookie_larger_than_the_limit_is_refused() {
    let mut jar = CookieJar::new();
    let big = NewCookie {
        name: "big".into(),
        value: "x".repeat(MAX_COOKIE_SIZE),
        ..Default::default()
    };
    assert!(matches!(jar.set(big, NOW), Err(Error::InvalidCookie(m)) if m.contains("too large")));
    let big = StoredCookie::new("big", "x".repeat(MAX_COOKIE_SIZE), "h.test", "/");
    assert!(matches!(
        jar.restore(big, NOW),
        Err(Error::InvalidCookie(_))
    ));
    // What a response could set restores, however long its default path.
    let mut long_path = StoredCookie::new("p", "x".repeat(4000), "h.test", "/");
    long_path.path = format!("/{}", "p".repeat(5000));
    jar.restore(long_path, NOW).unwrap();
    assert_eq!(names(&jar), ["p"]);
}

// --- Public suffixes (RFC 6265 §5.3 step 5) ---

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

// --- Scale, without timing ---

#[test]
fn split_set_cookie_handles_one_huge_comma_joined_header_in_linear_time() {
    // Quadratic splitting would take hours on these; linear takes milliseconds.
    let many = "a=1, ".repeat(250_000);
    assert_eq!(split_set_cookie(&many).count(), 250_000);
    let commas = ",".repeat(1 << 20);
    assert_eq!(split_set_cookie(&commas).count(), 1);
    let spaced = ", \t ".repeat(250_000);
    assert_eq!(split_set_cookie(&spaced).count(), 1);
    let bare = "a,".repeat(500_000);
    assert_eq!(split_set_cookie(&bare).count(), 1);
    let mut jar = CookieJar::new();
    let set = store(
        &mut jar,
        "http://h.test/",
        &[&many, &commas, &spaced, &bare],
    );
    assert_eq!(set.len(), MAX_SET_COOKIES_PER_RESPONSE);
    assert_eq!(names(&jar), ["a"]);
}

#[test]
fn a_lookup_looks_only_at_the_hosts_domains_not_the_whole_jar() {
    let mut jar = CookieJar::new();
    for i in 0..MAX_COOKIES - 10 {
        let u = url(&format!("http://h{i}.example{}.com/", i % 100));
        jar.store_response_cookies(&u, ["k=1"], NOW);
    }
    store(
        &mut jar,
        "http://a.b.target.com/p",
        &["x=1", "y=1; Domain=target.com"],
    );
    store(
        &mut jar,
        "http://b.target.com/",
        &["z=1", "w=1; Domain=b.target.com"],
    );
    jar.set(
        NewCookie {
            name: "all".into(),
            value: "1".into(),
            ..Default::default()
        },
        NOW,
    )
    .unwrap();
    assert_eq!(jar.list(NOW).len(), MAX_COOKIES - 10 + 5);
    let u = url("http://a.b.target.com/");
    // The hand-set cookie, the host's own, and its parents' domain cookies.
    let mut looked_at: Vec<&str> = jar.candidates(&u).map(|c| c.name.as_str()).collect();
    looked_at.sort_unstable();
    assert_eq!(looked_at, ["all", "w", "x", "y"]);
    assert_eq!(
        jar.header_for(&u, NOW, &[]).as_deref(),
        Some("x=1; y=1; w=1; all=1")
    );
}

#[test]
fn five_thousand_inserts_and_lookups_stay_within_the_caps() {
    let mut jar = CookieJar::new();
    for i in 0..5_000 {
        let u = url(&format!("https://h{i}.site{}.com/p", i % 20));
        let line = format!("k{i}=v; Path=/");
        jar.store_response_cookies(&u, [line.as_str()], NOW);
        let header = jar.header_for(&u, NOW, &[]);
        assert_eq!(header, Some(format!("k{i}=v")));
        assert!(jar.candidates(&u).count() <= 2);
    }
    assert!(jar.index.len() <= MAX_COOKIES);
    assert!(per_site(&jar)
        .values()
        .all(|&n| n <= MAX_COOKIES_PER_DOMAIN));
    assert_eq!(jar.list(NOW).len(), MAX_COOKIES);
}

// --- Properties ---

mod properties {
    use super::*;
    use proptest::prelude::*;

    const HOSTS: [&str; 13] = [
        "example.com",
        "www.example.com",
        "a.b.example.com",
        "example.co.uk",
        "a.example.co.uk",
        "co.uk",
        "github.io",
        "me.github.io",
        "127.0.0.1",
        "localhost",
        "sub.localhost",
        "h.test",
        "[::1]",
    ];

    /// A `Set-Cookie` line built from the attributes that matter here.
    fn cookie_line() -> impl Strategy<Value = String> {
        "[a-d]=[a-z0-9 ]{0,3}(; ?(Secure|HttpOnly|Path=(/|/a|/a/b|/ab|a|)|Domain=(\\.?example\\.com|co\\.uk|\\.co\\.uk|github\\.io|me\\.github\\.io|com|uk|localhost|127\\.0\\.0\\.1|0\\.0\\.1|evil\\.com|www\\.example\\.com|example\\.co\\.uk|h\\.test|test)|Max-Age=-?[0-9]{1,3}|Expires=(Wed, 21 Oct 2037 07:28:00 GMT|Thu, 01 Jan 1970 00:00:01 GMT))){0,4}"
    }

    /// A `Set-Cookie` value: cookie lines, joined with commas or not, or anything at all.
    fn set_cookie_value() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => cookie_line(),
            1 => proptest::collection::vec(cookie_line(), 1..4).prop_map(|v| v.join(", ")),
            1 => any::<String>(),
            1 => "[a-z=;, \t\"/.]{0,40}",
        ]
    }

    fn host() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => proptest::sample::select(&HOSTS[..]).prop_map(str::to_string),
            1 => "[a-z0-9]{1,4}(\\.[a-z0-9]{1,4}){0,3}",
        ]
    }

    fn request_path() -> impl Strategy<Value = String> {
        "(/|/a|/a/|/a/b|/a/b/c|/ab|/b)"
    }

    /// What the jar holds for `host` may come from it: RFC 6265 §5.3 steps 5 and 6.
    fn check_stored(c: &StoredCookie, u: &Url) -> std::result::Result<(), TestCaseError> {
        let host = u.host_str().unwrap_or("");
        let is_ip = !matches!(u.host(), Some(Host::Domain(_)));
        prop_assert!(!c.domain.is_empty(), "{c:?}");
        if is_ip || c.host_only {
            prop_assert_eq!(&c.domain, host);
        } else {
            prop_assert!(domain_match(host, &c.domain), "{c:?} from {host}");
        }
        if is_public_suffix(&c.domain) {
            prop_assert!(c.host_only && c.domain == host, "{c:?} from {host}");
        }
        prop_assert!(c.path.starts_with('/'));
        prop_assert!(c.name.len() + c.value.len() <= MAX_COOKIE_SIZE);
        Ok(())
    }

    /// Whether RFC 6265 §5.4 lets `c` go with a request to `u` at `now`.
    fn sendable(c: &StoredCookie, u: &Url, now: i64) -> bool {
        let host = u.host_str().unwrap_or("");
        let is_ip = !matches!(u.host(), Some(Host::Domain(_)));
        let domain_ok = c.domain.is_empty()
            || if c.host_only || is_ip {
                c.domain == host
            } else {
                domain_match(host, &c.domain)
            };
        domain_ok
            && path_match(u.path(), &c.path)
            && (!c.secure || u.scheme() == "https")
            && c.expires.is_none_or(|e| e > now)
    }

    /// The splitting this module had before it was made lazy (quadratic-free
    /// already, but collecting): the new one must agree with it.
    fn reference_split(value: &str) -> Vec<&str> {
        let mut cuts = vec![0];
        for (i, b) in value.bytes().enumerate() {
            if b == b',' && starts_cookie(&value[i + 1..]) {
                cuts.push(i + 1);
            }
        }
        cuts.push(value.len() + 1);
        cuts.windows(2)
            .map(|w| value[w[0]..w[1] - 1].trim())
            .filter(|s| !s.is_empty())
            .collect()
    }

    proptest! {
        #[test]
        fn split_set_cookie_never_panics_and_splits_as_before(
            value in prop_oneof![any::<String>(), set_cookie_value()]
        ) {
            let parts: Vec<&str> = split_set_cookie(&value).collect();
            prop_assert_eq!(&parts, &reference_split(&value));
            prop_assert!(parts.iter().all(|p| !p.is_empty() && p.trim() == *p));
        }

        #[test]
        fn stored_cookies_always_domain_match_the_host_and_never_exceed_the_caps(
            responses in proptest::collection::vec(
                (host(), request_path(), proptest::collection::vec(set_cookie_value(), 0..6), 0i64..50),
                1..12,
            )
        ) {
            let mut jar = CookieJar::with_limits(4, 9);
            for (host, path, values, later) in &responses {
                let Ok(u) = Url::parse(&format!("https://{host}{path}")) else { continue };
                let now = NOW + later;
                let mut fresh = CookieJar::new();
                let set = fresh.store_response_cookies(&u, values.iter().map(String::as_str), now);
                prop_assert!(set.len() <= MAX_SET_COOKIES_PER_RESPONSE);
                for c in fresh.index.iter().chain(&set) {
                    check_stored(c, &u)?;
                }
                jar.store_response_cookies(&u, values.iter().map(String::as_str), now);
                prop_assert!(jar.index.len() <= 9);
                prop_assert!(per_site(&jar).values().all(|&n| n <= 4), "{:?}", per_site(&jar));
                // The indexes agree with the buckets.
                prop_assert_eq!(jar.index.iter().count(), jar.index.len());
            }
        }

        #[test]
        fn header_for_sends_exactly_the_matching_cookies_in_rfc_order(
            responses in proptest::collection::vec(
                (host(), request_path(), proptest::collection::vec(cookie_line(), 0..5)),
                0..10,
            ),
            hand_set in proptest::collection::vec(
                ("[a-d]", proptest::option::of(proptest::sample::select(&HOSTS[..])), request_path(), any::<bool>(), proptest::option::of(NOW - 5..NOW + 100)),
                0..4,
            ),
            https in any::<bool>(),
            to in host(),
            to_path in request_path(),
            later in 0i64..150,
            extra in proptest::collection::vec(("[b-e]", "[0-9]"), 0..2),
        ) {
            let mut jar = CookieJar::new();
            for (host, path, lines) in &responses {
                let Ok(u) = Url::parse(&format!("https://{host}{path}")) else { continue };
                jar.store_response_cookies(&u, lines.iter().map(String::as_str), NOW);
            }
            for (name, domain, path, secure, expires) in hand_set {
                let _ = jar.set(NewCookie {
                    name,
                    value: "h".into(),
                    domain: domain.map(str::to_string),
                    path: Some(path),
                    secure,
                    expires,
                }, NOW);
            }
            let scheme = if https { "https" } else { "http" };
            let Ok(u) = Url::parse(&format!("{scheme}://{to}{to_path}")) else { return Ok(()) };
            let now = NOW + later;
            let header = jar.header_for(&u, now, &extra);

            let mut expected: Vec<&StoredCookie> = jar
                .index
                .iter()
                .filter(|c| sendable(c, &u, now) && !extra.iter().any(|(n, _)| *n == c.name))
                .collect();
            expected.sort_by(|a, b| b.path.len().cmp(&a.path.len()).then(a.created.cmp(&b.created)));
            let pairs: Vec<String> = expected
                .iter()
                .map(|c| format!("{}={}", c.name, c.value))
                .chain(extra.iter().map(|(n, v)| format!("{n}={v}")))
                .collect();
            prop_assert_eq!(header.clone(), (!pairs.is_empty()).then(|| pairs.join("; ")));
            // Every jar cookie sent matches the URL: domain, path, Secure, expiry.
            let jar_pairs = header.as_deref().unwrap_or("").split("; ").filter(|p| !p.is_empty());
            for pair in jar_pairs.take(expected.len()) {
                prop_assert!(
                    jar.index.iter().any(|c| format!("{}={}", c.name, c.value) == pair && sendable(c, &u, now)),
                    "{pair} sent to {u}"
                );
            }
        }
    }
}
