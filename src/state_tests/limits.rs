//! Bounds on what a document may make import do: its size, its count of JSON values, the
//! length of each list, and deep nesting.

use super::*;

/// Imports `text` into a session with settings and cookies of its own; on an error, checks that
/// nothing changed. Returns the result.
fn import_checked(text: &str) -> Result<()> {
    let (mut s, mut j) = full();
    let before = (format!("{s:?}"), format!("{j:?}"));
    let got = import(text, &mut s, &mut j, NOW, true);
    if got.is_err() {
        assert_eq!(
            (format!("{s:?}"), format!("{j:?}")),
            before,
            "a failed import changed the session"
        );
    }
    got
}

fn is_limit(result: Result<()>, what: &str) -> bool {
    matches!(result, Err(Error::InvalidOption(m)) if m.contains(what))
}

#[test]
fn a_document_past_the_size_limit_is_refused_before_parsing() {
    let doc = r#"{"version": 1, "max_redirects": 2}"#;
    let over = format!("{doc}{}", " ".repeat(MAX_STATE_BYTES + 1 - doc.len()));
    assert_eq!(over.len(), MAX_STATE_BYTES + 1);
    assert!(is_limit(import_checked(&over), "bytes"));
    // At the limit the text is parsed (and this one fails at its first byte).
    let at = format!("x{}", &over[..MAX_STATE_BYTES - 1]);
    assert!(matches!(import_checked(&at), Err(Error::InvalidJson(_))));
    assert!(import_checked(doc).is_ok());
}

#[test]
fn a_document_of_too_many_values_is_refused_before_parsing() {
    let zeros = |n: usize| format!(r#"{{"version": 1, "x": [{}0]}}"#, "0,".repeat(n));
    // 2 separators before the list's own (`:` after "version", `,`), then `:` and `[`.
    assert!(is_limit(
        import_checked(&zeros(MAX_STATE_VALUES)),
        "JSON values"
    ));
    // Under the limit it parses, and the unknown key is what is refused.
    assert!(is_limit(import_checked(&zeros(1000)), "unknown key"));
    // Separators inside strings do not count, escaped quotes included.
    let commas = format!(
        r#"{{"version": 1, "cert": "\"{}"}}"#,
        ",".repeat(MAX_STATE_VALUES * 2)
    );
    assert!(import_checked(&commas).is_ok());
}

#[test]
fn lists_past_their_limits_are_refused_and_lists_at_them_imported() {
    // Spread over sites, within the jar's limit per site.
    let cookie = |i: usize| {
        let domain = format!("site{}.example", i / 100);
        json!({"name": format!("c{i}"), "value": "v", "domain": domain, "path": "/"})
    };
    let doc_with = |key: &str, value: Value| json!({"version": 1, key: value}).to_string();

    let cookies: Vec<Value> = (0..MAX_STATE_COOKIES).map(cookie).collect();
    let (mut s, mut j) = full();
    import(
        &doc_with("cookies", json!(cookies)),
        &mut s,
        &mut j,
        NOW,
        true,
    )
    .unwrap();
    assert_eq!(j.snapshot(NOW).len(), MAX_STATE_COOKIES);
    let more: Vec<Value> = (0..=MAX_STATE_COOKIES).map(cookie).collect();
    assert!(is_limit(
        import_checked(&doc_with("cookies", json!(more))),
        "cookies"
    ));

    let pairs = |n: usize| -> Value {
        (0..n)
            .map(|i| json!([format!("X-H{i}"), "v"]))
            .collect::<Vec<_>>()
            .into()
    };
    for key in ["headers", "params", "proxies"] {
        assert!(
            import_checked(&doc_with(key, pairs(MAX_STATE_ENTRIES))).is_ok(),
            "{key}"
        );
        assert!(
            is_limit(
                import_checked(&doc_with(key, pairs(MAX_STATE_ENTRIES + 1))),
                "entries"
            ),
            "{key}"
        );
    }
    let names: Vec<String> = (0..=MAX_STATE_ENTRIES).map(|i| format!("h{i}")).collect();
    assert!(is_limit(
        import_checked(&doc_with("hooks", json!({"request": names}))),
        "entries"
    ));
    let mut retries = json!({
        "total": 3, "connect": null, "read": null, "status": null, "backoff_factor_ms": 0,
        "backoff_max_ms": 0, "backoff_jitter_ms": 0, "status_forcelist": [],
        "allowed_methods": null, "respect_retry_after": true, "retry_after_max_ms": 0,
    });
    retries["status_forcelist"] = json!(vec![503; MAX_STATE_ENTRIES + 1]);
    assert!(is_limit(
        import_checked(&doc_with("retries", retries.clone())),
        "entries"
    ));
    retries["status_forcelist"] = json!([]);
    retries["allowed_methods"] = json!(vec!["GET"; MAX_STATE_ENTRIES + 1]);
    assert!(is_limit(
        import_checked(&doc_with("retries", retries)),
        "entries"
    ));
}

#[test]
fn deeply_nested_json_is_a_typed_error() {
    for depth in [200, 100_000] {
        let text = format!(
            r#"{{"version": 1, "cert": {}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        assert!(import_checked(&text).is_err());
    }
}
