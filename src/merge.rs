//! Merging session settings with request settings: requests' `merge_setting`, in one place.

/// Merges request overrides into session pairs (requests' `merge_setting` for
/// mappings): an overridden name keeps the position of its first session entry
/// and takes the request's casing and values; new names are appended; a `None`
/// value removes the name. Names repeat when the request repeats them.
pub fn merge_pairs(
    session: &[(String, String)],
    overrides: &[(String, Option<String>)],
    case_insensitive: bool,
) -> Vec<(String, String)> {
    let same = |a: &str, b: &str| {
        if case_insensitive {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let mut out = session.to_vec();
    let mut touched: Vec<&str> = Vec::new();
    for (name, value) in overrides {
        let first_time = !touched.iter().any(|t| same(t, name));
        if first_time {
            touched.push(name);
        }
        let Some(value) = value else {
            out.retain(|(n, _)| !same(n, name));
            continue;
        };
        let entry = (name.clone(), value.clone());
        if first_time {
            match out.iter().position(|(n, _)| same(n, name)) {
                Some(pos) => {
                    if let Some(slot) = out.get_mut(pos) {
                        *slot = entry;
                    }
                    let mut index = 0;
                    out.retain(|(n, _)| {
                        let keep = index <= pos || !same(n, name);
                        index += 1;
                        keep
                    });
                }
                None => out.push(entry),
            }
        } else {
            match out.iter().rposition(|(n, _)| same(n, name)) {
                Some(last) => out.insert(last + 1, entry),
                None => out.push(entry),
            }
        }
    }
    out
}

/// Merges plain pairs (proxies): the request's entries replace the session's of the same name.
pub fn merge_plain(
    session: &[(String, String)],
    request: Option<&[(String, String)]>,
) -> Vec<(String, String)> {
    let Some(request) = request else {
        return session.to_vec();
    };
    let overrides: Vec<(String, Option<String>)> = request
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    merge_pairs(session, &overrides, false)
}

/// Picks the proxy for a URL as requests' `select_proxy` does: `scheme://host`,
/// then `scheme`, then `all://host`, then `all`.
pub fn select_proxy(url: &url::Url, proxies: &[(String, String)]) -> Option<String> {
    if proxies.is_empty() {
        return None;
    }
    let host = url.host_str().unwrap_or("");
    let scheme = url.scheme();
    let keys = [
        format!("{scheme}://{host}"),
        scheme.to_string(),
        format!("all://{host}"),
        "all".to_string(),
    ];
    keys.iter()
        .find_map(|key| {
            proxies
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        })
        .filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn over(p: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.map(str::to_string)))
            .collect()
    }

    #[test]
    fn the_request_wins_and_keeps_the_session_position() {
        let s = pairs(&[("Accept", "*/*"), ("User-Agent", "x")]);
        let merged = merge_pairs(&s, &over(&[("accept", Some("text/html"))]), true);
        assert_eq!(
            merged,
            pairs(&[("accept", "text/html"), ("User-Agent", "x")])
        );
    }

    #[test]
    fn a_none_value_removes_the_session_entry() {
        let s = pairs(&[("Accept", "*/*"), ("User-Agent", "x")]);
        let merged = merge_pairs(&s, &over(&[("USER-AGENT", None)]), true);
        assert_eq!(merged, pairs(&[("Accept", "*/*")]));
    }

    #[test]
    fn new_names_are_appended_and_repeats_kept_in_order() {
        let s = pairs(&[("a", "1"), ("b", "2")]);
        let merged = merge_pairs(
            &s,
            &over(&[("c", Some("3")), ("a", Some("x")), ("a", Some("y"))]),
            false,
        );
        assert_eq!(
            merged,
            pairs(&[("a", "x"), ("a", "y"), ("b", "2"), ("c", "3")])
        );
    }

    #[test]
    fn params_merge_case_sensitively() {
        let s = pairs(&[("Key", "1")]);
        let merged = merge_pairs(&s, &over(&[("key", Some("2"))]), false);
        assert_eq!(merged, pairs(&[("Key", "1"), ("key", "2")]));
    }

    #[test]
    fn proxies_are_selected_most_specific_first() {
        let url = url::Url::parse("http://a.com/").unwrap();
        let p = pairs(&[
            ("all", "http://all:1"),
            ("http", "http://http:1"),
            ("http://a.com", "http://host:1"),
        ]);
        assert_eq!(select_proxy(&url, &p).as_deref(), Some("http://host:1"));
        assert_eq!(
            select_proxy(&url::Url::parse("https://b.com/").unwrap(), &p).as_deref(),
            Some("http://all:1")
        );
        assert_eq!(select_proxy(&url, &[]), None);
    }
}
