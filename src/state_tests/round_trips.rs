//! Round trips: everything restored with secrets, cookies with every attribute, absent keys
//! keeping the current settings, and retries, base URL and limits saved and validated.

use super::*;

#[test]
fn a_round_trip_with_secrets_restores_everything() {
    let (settings, jar) = full();
    let text = export(&settings, &jar, NOW, true);
    let mut restored = Settings::default();
    let mut restored_jar = CookieJar::new();
    import(&text, &mut restored, &mut restored_jar, NOW, true).unwrap();
    assert_eq!(format!("{restored:?}"), format!("{settings:?}"));
    assert_eq!(restored_jar.snapshot(NOW), jar.snapshot(NOW));
    assert_eq!(restored_jar.snapshot(NOW).len(), 4);
    // Exporting again gives the same document.
    assert_eq!(export(&restored, &restored_jar, NOW, true), text);
}

#[test]
fn cookies_keep_every_attribute_and_host_only_stays_host_only() {
    let (settings, jar) = full();
    let d = doc(&export(&settings, &jar, NOW, false));
    let cookies = d["cookies"].as_array().unwrap();
    let host = cookies.iter().find(|c| c["name"] == "host").unwrap();
    assert_eq!(
        *host,
        json!({"name": "host", "value": "1", "domain": "www.example.com", "host_only": true,
               "path": "/app", "secure": false, "http_only": false, "expires": null})
    );
    let dom = cookies.iter().find(|c| c["name"] == "dom").unwrap();
    assert_eq!(dom["host_only"], false);
    assert_eq!(dom["secure"], true);
    assert_eq!(dom["http_only"], true);
    assert_eq!(dom["expires"], NOW + 60);
    assert!(cookies.iter().all(|c| c["name"] != "old"));

    let mut s = Settings::default();
    let mut restored = CookieJar::new();
    import(&d.to_string(), &mut s, &mut restored, NOW, true).unwrap();
    let header = |u: &str| restored.header_for(&url(u), NOW, &[]);
    assert_eq!(
        header("https://www.example.com/app/x").as_deref(),
        Some("host=1; odd=a,b \"c\"; dom=2; manual=4")
    );
    assert_eq!(
        header("https://api.example.com/app/x").as_deref(),
        Some("dom=2; manual=4")
    );
    assert_eq!(
        header("http://api.example.com/").as_deref(),
        Some("manual=4")
    );
    // An expired cookie in a document is dropped on import.
    let later = NOW + 61;
    let mut later_jar = CookieJar::new();
    import(&d.to_string(), &mut s, &mut later_jar, later, true).unwrap();
    assert!(later_jar.snapshot(later).iter().all(|c| c.name != "dom"));
}

#[test]
fn absent_keys_keep_the_current_settings() {
    let (mut settings, mut jar) = full();
    let before_jar = jar.snapshot(NOW);
    import(
        r#"{"version": 1, "max_redirects": 2}"#,
        &mut settings,
        &mut jar,
        NOW,
        true,
    )
    .unwrap();
    assert_eq!(settings.max_redirects, 2);
    assert_eq!(settings.headers.get("x-team"), Some("blue"));
    assert_eq!(jar.snapshot(NOW), before_jar);
    import(
        r#"{"version": 1, "cookies": [], "auth": null, "timeout": null}"#,
        &mut settings,
        &mut jar,
        NOW,
        true,
    )
    .unwrap();
    assert!(jar.snapshot(NOW).is_empty());
    assert_eq!(settings.auth, None);
    assert_eq!(settings.timeout, None);
}

#[test]
fn retries_base_url_and_limits_are_saved_and_validated_on_import() {
    let (settings, jar) = full();
    let text = export(&settings, &jar, NOW, false);
    let saved = doc(&text);
    assert_eq!(
        saved["retries"]["status_forcelist"],
        serde_json::json!([502, 503])
    );
    assert_eq!(saved["base_url"], "https://api.example.com/v1/");
    assert_eq!(
        (
            saved["error_for_status"].as_bool(),
            saved["max_body_size"].as_u64()
        ),
        (Some(true), Some(1 << 20))
    );
    let mut restored = Settings::default();
    import(&text, &mut restored, &mut CookieJar::new(), NOW, true).unwrap();
    assert_eq!(restored.retries, settings.retries);
    assert_eq!(restored.base_url, settings.base_url);
    let bad = text.replace("\"backoff_max_ms\":10000", "\"backoff_max_ms\":0");
    assert_ne!(bad, text, "the test edits the saved policy");
    let before = format!("{restored:?}");
    assert!(matches!(
        import(&bad, &mut restored, &mut CookieJar::new(), NOW, true),
        Err(Error::InvalidOption(_))
    ));
    assert_eq!(
        format!("{restored:?}"),
        before,
        "nothing changes on a bad policy"
    );
}
