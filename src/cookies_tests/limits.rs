//! Limits and eviction (RFC 6265 §6.1, §5.3 step 12): the caps per response, per site and per
//! jar, what is evicted first, and the largest cookie.

use super::*;

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
