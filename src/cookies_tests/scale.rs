//! Scale, without timing: huge `Set-Cookie` values split in linear time, lookups that look only
//! at the host's domains, and thousands of inserts within the caps.

use super::*;

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
