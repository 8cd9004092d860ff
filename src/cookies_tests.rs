//! Unit tests of `cookies`: storage and selection rules of RFC 6265, splitting and hand-set cookies.
//! The shared helpers live here; the tests, by concern, in `cookies_tests/`.

use super::*;

#[path = "cookies_tests/hand_set.rs"]
mod hand_set;
#[path = "cookies_tests/limits.rs"]
mod limits;
#[path = "cookies_tests/properties.rs"]
mod properties;
#[path = "cookies_tests/public_suffix.rs"]
mod public_suffix;
#[path = "cookies_tests/rules.rs"]
mod rules;
#[path = "cookies_tests/scale.rs"]
mod scale;

const NOW: i64 = 1_800_000_000;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn store(jar: &mut CookieJar, u: &str, lines: &[&str]) -> Vec<StoredCookie> {
    jar.store_response_cookies(&url(u), lines.iter().copied(), NOW)
}

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
