//! Mounted adapters (the scripted one and a configured wasi:http one) and prepare/send.

use super::*;
use host_tests::host::{AdapterKind, AdapterOptions, CannedResponse, Timeout};

fn canned(status: u16, headers: &[(&str, &str)], body: &str) -> CannedResponse {
    CannedResponse {
        status,
        headers: pairs(headers),
        body: body.as_bytes().to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scripted_adapter_answers_in_order_and_records_requests() -> Result<()> {
    let (_server, mut h, s) = setup().await?;
    let mock = adapter!(
        h,
        call_scripted,
        &[
            canned(
                302,
                &[("Location", "/landing"), ("Set-Cookie", "sid=42")],
                ""
            ),
            canned(
                200,
                &[("Content-Type", "application/json")],
                r#"{"ok": true}"#
            ),
        ]
    )??;
    session!(h, call_mount, s, "mock://", mock)??;
    assert_eq!(adapter!(h, call_kind, mock)?, AdapterKind::Scripted);
    let r = h.get(s, "mock://api.test/start", None).await??;
    assert_eq!(h.json(r).await?, serde_json::json!({"ok": true}));
    assert_eq!(h.url(r).await?, "mock://api.test/landing");
    let received = adapter!(h, call_received, mock)?;
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].url, "mock://api.test/landing");
    let cookie = received[1]
        .headers
        .iter()
        .find(|(n, _)| n == "Cookie")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        cookie,
        Some("sid=42"),
        "the cookie from the redirect went to the next hop"
    );
    let err = h.get(s, "mock://api.test/again", None).await?.unwrap_err();
    assert!(
        err.kind == ErrorKind::Connection && err.message.contains("no canned response"),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_longest_prefix_wins_case_insensitively() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let special = adapter!(h, call_scripted, &[canned(200, &[], "from the mock")])??;
    let prefix = server.url("/SPECIAL").to_uppercase();
    session!(h, call_mount, s, &prefix, special)??;
    let r = h.get(s, &server.url("/special/x"), None).await??;
    assert_eq!(h.text(r).await?, "from the mock");
    let r = h.get(s, &server.url("/get"), None).await??;
    assert_eq!(
        h.json(r).await?["method"],
        "GET",
        "other URLs still use the default adapter"
    );
    let found = session!(h, call_get_adapter, s, &server.url("/get"))??;
    assert_eq!(adapter!(h, call_kind, found)?, AdapterKind::WasiHttp);
    let err = session!(h, call_get_adapter, s, "gopher://x/")?.unwrap_err();
    assert!(err.kind == ErrorKind::InvalidSchema, "{err:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_canned_response_is_refused() -> Result<()> {
    let (_server, mut h, _s) = setup().await?;
    let err = adapter!(h, call_scripted, &[canned(42, &[], "")])?.unwrap_err();
    assert!(err.kind == ErrorKind::InvalidOption, "{err:?}");
    let err = adapter!(h, call_scripted, &[canned(200, &[("X", "a\r\nb")], "")])?.unwrap_err();
    assert!(err.kind == ErrorKind::InvalidHeader, "{err:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mounted_wasi_http_adapter_applies_its_default_timeout() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let options = AdapterOptions {
        timeout: Some(Timeout {
            connect_ms: None,
            read_ms: Some(150),
        }),
    };
    let impatient = adapter!(h, call_http, options)?;
    session!(h, call_mount, s, "http://", impatient)??;
    let err = h
        .get(s, &server.url("/delay/3000"), None)
        .await?
        .unwrap_err();
    assert!(err.kind == ErrorKind::ReadTimeout, "{err:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_the_session_closes_its_adapters() -> Result<()> {
    let (_server, mut h, s) = setup().await?;
    let mock = adapter!(h, call_scripted, &[canned(200, &[], "")])??;
    session!(h, call_mount, s, "mock://", mock)??;
    h.close(s).await?;
    let other = h.session().await?;
    session!(h, call_mount, other, "mock://", mock)??;
    let err = h.get(other, "mock://x/", None).await?.unwrap_err();
    assert!(err.kind == ErrorKind::SessionClosed, "{err:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prepared_request_carries_session_settings_and_can_be_changed_before_sending(
) -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_header, s, "X-Session", "1")??;
    h.get(s, &server.url("/cookies/set?c=1"), None).await??;
    let o = RequestOptions {
        params: Some(vec![("p".into(), Some("1".into()))]),
        ..opts()
    };
    let p = session!(
        h,
        call_prepare_request,
        s,
        "post",
        &server.url("/anything"),
        Some(&o)
    )??;
    assert_eq!(prepared!(h, call_method, p)?, "POST");
    assert_eq!(prepared!(h, call_url, p)?, server.url("/anything?p=1"));
    let headers = prepared!(h, call_headers, p)?;
    assert!(
        headers.iter().any(|(n, v)| n == "Cookie" && v == "c=1"),
        "{headers:?}"
    );
    prepared!(h, call_set_header, p, "X-Added", Some("yes"))??;
    prepared!(h, call_set_body, p, Some(b"raw body".as_slice()))?;
    let err = prepared!(h, call_set_header, p, "X-Bad", Some("a\rb"))?.unwrap_err();
    assert!(err.kind == ErrorKind::InvalidHeader, "{err:?}");
    let r = session!(h, call_send, s, p, None)??;
    let echo = h.json(r).await?;
    assert_eq!(echo["headers"]["x-added"], "yes");
    assert_eq!(echo["headers"]["x-session"], "1");
    assert_eq!(echo["data"], "raw body");
    assert_eq!(echo["headers"]["content-length"], "8");
    Ok(())
}
