//! Unit tests of `state`: export and import round trips, secrets, partial documents and redaction.
//! The shared session and helpers live here; the tests, by concern, in `state_tests/`.

use super::*;
use crate::auth::Auth;
use crate::settings::Timeout;
use url::Url;

#[path = "state_tests/limits.rs"]
mod limits;
#[path = "state_tests/properties.rs"]
mod properties;
#[path = "state_tests/round_trips.rs"]
mod round_trips;
#[path = "state_tests/secrets.rs"]
mod secrets;
#[path = "state_tests/validation.rs"]
mod validation;

const NOW: i64 = 1_800_000_000;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

/// A session with every setting changed and cookies of every kind.
fn full() -> (Settings, CookieJar) {
    let mut settings = Settings::default();
    settings.headers.set("X-Team", "blue");
    settings.headers.append("X-Multi", "1");
    settings.headers.append("X-Multi", "2");
    settings.headers.set("Authorization", "Bearer hdr-token");
    settings
        .headers
        .set("Proxy-Authorization", "Basic cHJveHk=");
    settings.params = vec![("q".into(), "1".into()), ("q".into(), "2".into())];
    settings.auth = Some(Auth::Basic {
        username: "user".into(),
        password: "pa:ss".into(),
    });
    settings.max_redirects = 5;
    settings.trust_env = false;
    settings.stream = true;
    settings.verify = crate::settings::Verify::Disabled;
    settings.cert = Some(crate::settings::ClientCert {
        cert: crate::settings::Pem::Path("/certs/client.pem".into()),
        key: None,
    });
    settings.proxies = vec![
        ("https".into(), "http://pu:pp@proxy.test:3128".into()),
        ("all".into(), "socks5://proxy2.test".into()),
    ];
    settings.timeout = Some(Timeout {
        connect_ms: Some(1500),
        read_ms: None,
    });
    settings.base_url = Some(url("https://api.example.com/v1/"));
    settings.error_for_status = true;
    settings.max_body_size = 1 << 20;
    settings.retries = Some(crate::retry::RetryPolicy {
        connect: Some(1),
        status_forcelist: vec![502, 503],
        allowed_methods: Some(vec!["GET".into(), "PUT".into()]),
        ..Default::default()
    });
    let mut jar = CookieJar::new();
    jar.store_response_cookies(
        &url("https://www.example.com/app/page"),
        [
            "host=1",
            "dom=2; Domain=example.com; Path=/; Secure; HttpOnly; Max-Age=60",
            "odd=a,b \"c\"",
            "old=3; Max-Age=0",
        ],
        NOW,
    );
    jar.set(
        crate::cookies::NewCookie {
            name: "manual".into(),
            value: "4".into(),
            ..Default::default()
        },
        NOW,
    )
    .unwrap();
    (settings, jar)
}

fn doc(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}
