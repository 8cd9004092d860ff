//! Secrets: left out by default and present when asked, a session's own kept on importing a
//! document without them, and proxy userinfo redacted as text.

use super::*;

#[test]
fn secrets_are_left_out_by_default_and_present_when_asked() {
    let (settings, jar) = full();
    let without = export(&settings, &jar, NOW, false);
    for secret in ["pa:ss", "hdr-token", "cHJveHk=", "pu:pp", "Authorization"] {
        assert!(!without.contains(secret), "{secret} in {without}");
    }
    let d = doc(&without);
    assert_eq!(d["secrets"], false);
    assert!(d.get("auth").is_none());
    assert_eq!(d["proxies"][0], json!(["https", "http://proxy.test:3128"]));

    let with = doc(&export(&settings, &jar, NOW, true));
    assert_eq!(with["secrets"], true);
    assert_eq!(
        with["auth"],
        json!({"type": "basic", "username": "user", "password": "pa:ss"})
    );
    assert_eq!(
        with["proxies"][0],
        json!(["https", "http://pu:pp@proxy.test:3128"])
    );
    let headers = with["headers"].as_array().unwrap();
    assert!(headers.contains(&json!(["Authorization", "Bearer hdr-token"])));
    assert!(headers.contains(&json!(["Proxy-Authorization", "Basic cHJveHk="])));

    let bearer = Settings {
        auth: Some(Auth::Bearer("tok".into())),
        ..Settings::default()
    };
    let d = doc(&export(&bearer, &CookieJar::new(), NOW, true));
    assert_eq!(d["auth"], json!({"type": "bearer", "token": "tok"}));
    let digest = Settings {
        auth: Some(Auth::Digest {
            username: "d".into(),
            password: "dp".into(),
        }),
        ..Settings::default()
    };
    let text = export(&digest, &CookieJar::new(), NOW, true);
    assert_eq!(
        doc(&text)["auth"],
        json!({"type": "digest", "username": "d", "password": "dp"})
    );
    let mut back = Settings::default();
    import(&text, &mut back, &mut CookieJar::new(), NOW, true).unwrap();
    assert_eq!(back.auth, digest.auth);
    assert!(!export(&digest, &CookieJar::new(), NOW, false).contains("dp"));
    let d = doc(&export(&Settings::default(), &CookieJar::new(), NOW, true));
    assert_eq!(d["auth"], Value::Null);
}

#[test]
fn importing_a_document_without_secrets_keeps_the_sessions_own() {
    let (settings, jar) = full();
    let text = export(&settings, &jar, NOW, false);
    // Into the same session: nothing is lost.
    let mut same = settings.clone();
    let mut same_jar = jar.clone();
    import(&text, &mut same, &mut same_jar, NOW, true).unwrap();
    assert_eq!(same.auth, settings.auth);
    assert_eq!(same.proxies, settings.proxies);
    assert_eq!(same.headers.get("authorization"), Some("Bearer hdr-token"));
    assert_eq!(
        same.headers.get("proxy-authorization"),
        Some("Basic cHJveHk=")
    );
    // Into a fresh session: no secrets appear.
    let mut fresh = Settings::default();
    import(&text, &mut fresh, &mut CookieJar::new(), NOW, true).unwrap();
    assert_eq!(fresh.auth, None);
    assert!(!fresh.headers.contains("authorization"));
    assert_eq!(fresh.proxies[0].1, "http://proxy.test:3128");
    assert_eq!(fresh.headers.get("x-team"), Some("blue"));
}

#[test]
fn proxy_userinfo_is_redacted_as_text() {
    assert_eq!(redact_proxy("http://u:p@h:1/x"), "http://h:1/x");
    assert_eq!(redact_proxy("http://u@p@h"), "http://h");
    assert_eq!(redact_proxy("u:p@h:3128"), "h:3128");
    // Over-redacted when unsure: the last `@` ends what is hidden.
    assert_eq!(redact_proxy("http://h/a@b"), "http://b");
    // Passwords with unencoded `/`, `#`, `?` never reach saved state.
    assert_eq!(
        redact_proxy("http://user:p/ss@proxy:3128"),
        "http://proxy:3128"
    );
    assert_eq!(redact_proxy("http://u:p#w@proxy"), "http://proxy");
    assert_eq!(redact_proxy("u:p?w@proxy"), "proxy");
    assert_eq!(redact_proxy("http://h"), "http://h");
    assert_eq!(redact_proxy("ü://ü:é@ĥ/é"), "ĥ/é");
}

#[test]
fn tls_settings_round_trip_and_a_private_key_given_as_data_is_a_secret() {
    use crate::settings::{ClientCert, Pem, Verify};
    let key = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n";
    let settings = Settings {
        verify: Verify::CaBundle(Pem::Data("-----BEGIN CERTIFICATE-----\nx\n".into())),
        cert: Some(ClientCert {
            cert: Pem::Path("/certs/client.pem".into()),
            key: Some(Pem::Data(key.into())),
        }),
        ..Settings::default()
    };
    let without = export(&settings, &CookieJar::new(), NOW, false);
    assert!(!without.contains("c2VjcmV0"), "{without}");
    assert!(doc(&without).get("cert").is_none());
    let with = export(&settings, &CookieJar::new(), NOW, true);
    let mut restored = Settings::default();
    import(&with, &mut restored, &mut CookieJar::new(), NOW, true).unwrap();
    assert_eq!(
        (restored.verify, restored.cert),
        (settings.verify, settings.cert)
    );

    // requests' own shapes: a CA bundle path, a certificate path.
    let mut s = Settings::default();
    let text = r#"{"version": 1, "verify": "/ca.pem", "cert": "/client.pem"}"#;
    import(text, &mut s, &mut CookieJar::new(), NOW, true).unwrap();
    assert_eq!(s.verify, Verify::CaBundle(Pem::Path("/ca.pem".into())));
    assert_eq!(
        s.cert,
        Some(ClientCert {
            cert: Pem::Path("/client.pem".into()),
            key: None
        })
    );
    // A cert given only as paths is no secret.
    assert!(export(&s, &CookieJar::new(), NOW, false).contains("/client.pem"));
}
