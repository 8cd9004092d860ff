//! Property tests of the jar: splitting as before, stored cookies that domain-match and keep to
//! the caps, and headers with exactly the matching cookies in RFC order.

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
    fn prop_split_set_cookie_never_panics_and_splits_as_before(
        value in prop_oneof![any::<String>(), set_cookie_value()]
    ) {
        let parts: Vec<&str> = split_set_cookie(&value).collect();
        prop_assert_eq!(&parts, &reference_split(&value));
        prop_assert!(parts.iter().all(|p| !p.is_empty() && p.trim() == *p));
    }

    #[test]
    fn prop_stored_cookies_always_domain_match_the_host_and_never_exceed_the_caps(
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
    fn prop_header_for_sends_exactly_the_matching_cookies_in_rfc_order(
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
