//! Defaults, merging of session and request settings, verbs and response accessors.

use super::*;
use host_tests::host::{ClientCert, Pem, Timeout, Verify};

#[tokio::test(flavor = "multi_thread")]
async fn a_get_sends_the_default_headers_and_no_forbidden_ones() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let echo = get_json(&mut h, s, &server, "/get").await?;
    assert_eq!(echo["method"], "GET");
    assert_eq!(
        echo["headers"]["user-agent"], "requests-component/0.2.0",
        "the User-Agent names the component's version, not the harness's"
    );
    assert_eq!(echo["headers"]["accept"], "*/*");
    assert_eq!(
        echo["headers"]["accept-encoding"],
        "gzip, deflate, br, zstd"
    );
    assert!(
        echo["headers"].get("content-length").is_none(),
        "a GET has no Content-Length: {echo}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn session_and_request_params_are_appended_in_order() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(
        h,
        call_set_params,
        s,
        &pairs(&[("s", "1"), ("shared", "session")])
    )??;
    let o = RequestOptions {
        params: Some(vec![
            ("shared".into(), Some("request".into())),
            ("list".into(), Some("a".into())),
            ("list".into(), Some("b c".into())),
        ]),
        ..opts()
    };
    let r = h.get(s, &server.url("/get?q=0"), o).await??;
    let echo = h.json(r).await?;
    assert_eq!(echo["query"], "q=0&s=1&shared=request&list=a&list=b+c");
    let o = RequestOptions {
        params: Some(vec![("s".into(), None)]),
        ..opts()
    };
    let r = h.get(s, &server.url("/get"), o).await??;
    assert_eq!(h.json(r).await?["query"], "shared=session");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn request_headers_override_session_headers_case_insensitively_and_none_removes() -> Result<()>
{
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_header, s, "X-Session", "kept")??;
    session!(h, call_set_header, s, "X-Replace", "session")??;
    let o = with_headers(&[
        ("x-replace", Some("request")),
        ("User-Agent", None),
        ("X-New", Some("1")),
    ]);
    let r = h.get(s, &server.url("/headers"), o).await??;
    let echo = h.json(r).await?;
    assert_eq!(echo["headers"]["x-session"], "kept");
    assert_eq!(echo["headers"]["x-replace"], "request");
    assert_eq!(echo["headers"]["x-new"], "1");
    assert!(echo["headers"].get("user-agent").is_none(), "{echo}");
    // The session's own headers did not change.
    let headers = session!(h, call_headers, s)?;
    assert!(headers
        .iter()
        .any(|(n, v)| n == "User-Agent" && v.starts_with("requests-component/")));
    assert!(session!(h, call_remove_header, s, "x-session")??);
    assert!(!session!(h, call_remove_header, s, "x-session")??);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_verb_sends_its_method() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let url = server.url("/anything");
    let cases = [
        ("POST", h.post(s, &url, None).await??),
        ("PUT", h.put(s, &url, None).await??),
        ("PATCH", h.patch(s, &url, None).await??),
        ("DELETE", h.delete(s, &url, None).await??),
        ("OPTIONS", h.options(s, &url, None).await??),
        ("PROPFIND", h.request(s, "propfind", &url, None).await??),
    ];
    for (method, r) in cases {
        let echo = h.json(r).await?;
        assert_eq!(echo["method"], method);
        assert_eq!(
            echo["headers"]["content-length"], "0",
            "a bodiless {method} sends Content-Length: 0"
        );
    }
    let r = h.head(s, &url, None).await??;
    assert_eq!(h.status(r).await?, 200);
    assert!(h.content(r).await?.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn response_accessors_report_status_reason_url_and_headers() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let r = h
        .get(
            s,
            &server.url("/response-headers?X-Rep=1&X-Rep=2&status=201"),
            None,
        )
        .await??;
    assert_eq!(h.status(r).await?, 201);
    assert_eq!(h.reason(r).await?, "Created");
    assert_eq!(
        h.url(r).await?,
        server.url("/response-headers?X-Rep=1&X-Rep=2&status=201")
    );
    assert_eq!(h.header(r, "x-rep").await?.as_deref(), Some("1, 2"));
    assert_eq!(response!(h, call_header_all, r, "X-REP")?, vec!["1", "2"]);
    let names: Vec<_> = h
        .headers(r)
        .await?
        .into_iter()
        .filter(|(n, _)| n == "x-rep")
        .collect();
    assert_eq!(names.len(), 2, "repeated headers stay separate");
    assert!(response!(h, call_ok, r)?);
    assert!(response!(h, call_elapsed_ms, r)? > 0.0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn elapsed_covers_the_wait_for_the_head() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let r = h.get(s, &server.url("/delay/300"), None).await??;
    assert!(response!(h, call_elapsed_ms, r)? >= 300.0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_read_back_what_was_set() -> Result<()> {
    let (_server, mut h, s) = setup().await?;
    assert_eq!(session!(h, call_max_redirects, s)?, 30);
    assert!(session!(h, call_trust_env, s)?);
    assert!(!session!(h, call_stream, s)?);
    assert_eq!(session!(h, call_verify, s)?, Verify::Enabled);
    assert_eq!(session!(h, call_cert, s)?, None);
    assert!(session!(h, call_timeout, s)?.is_none());
    session!(h, call_set_max_redirects, s, 5)??;
    session!(h, call_set_trust_env, s, false)??;
    session!(h, call_set_stream, s, true)??;
    let cert = ClientCert {
        cert: Pem::Path("/client.pem".into()),
        key: Some(Pem::Data("-----BEGIN PRIVATE KEY-----\n".into())),
    };
    session!(h, call_set_cert, s, Some(&cert))??;
    let bundle = Verify::CaBundle(Pem::Path("/ca.pem".into()));
    session!(h, call_set_verify, s, &bundle)??;
    session!(
        h,
        call_set_proxies,
        s,
        &pairs(&[("https", "http://proxy:3128")])
    )??;
    let t = Timeout {
        connect_ms: Some(1000),
        read_ms: None,
    };
    session!(h, call_set_timeout, s, Some(t))??;
    assert_eq!(session!(h, call_max_redirects, s)?, 5);
    assert!(!session!(h, call_trust_env, s)?);
    assert!(session!(h, call_stream, s)?);
    assert_eq!(session!(h, call_cert, s)?, Some(cert));
    assert_eq!(session!(h, call_verify, s)?, bundle);
    assert_eq!(
        session!(h, call_proxies, s)?,
        pairs(&[("https", "http://proxy:3128")])
    );
    let back = session!(h, call_timeout, s)?.expect("a timeout");
    assert_eq!((back.connect_ms, back.read_ms), (Some(1000), None));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_timeout_applies_and_a_request_timeout_overrides_it() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(
        h,
        call_set_timeout,
        s,
        Some(Timeout {
            connect_ms: None,
            read_ms: Some(200)
        })
    )??;
    let err = h
        .get(s, &server.url("/delay/3000"), None)
        .await?
        .unwrap_err();
    assert!(err.kind == ErrorKind::ReadTimeout, "{err:?}");
    let o = RequestOptions {
        send: Some(SendOptions {
            timeout: Some(Timeout {
                connect_ms: None,
                read_ms: Some(5000),
            }),
            ..send_opts()
        }),
        ..opts()
    };
    let r = h.get(s, &server.url("/delay/400"), o).await??;
    assert_eq!(h.status(r).await?, 200);
    Ok(())
}
