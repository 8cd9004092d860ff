//! RFC 6265 storage and selection rules: host-only and domain cookies, paths, `Secure`,
//! expiry, the header's order, replacement, and splitting comma-joined `Set-Cookie` values.

use super::*;

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
fn malformed_set_cookie_is_ignored() {
    let mut jar = CookieJar::new();
    assert!(store(&mut jar, "http://h/", &["=novalue", ""]).is_empty());
}
