//! Bad input and failed transport give precise typed errors, never a trap; the session survives each.

use super::*;
use host_tests::host::{Auth, Body, ClientCert, HookSet, NewCookie, Pem, Verify};

#[tokio::test(flavor = "multi_thread")]
async fn bad_urls_are_missing_schema_invalid_url_or_invalid_schema() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let err = h.get(s, "127.0.0.1/get", None).await?.unwrap_err();
    assert!(
        err.kind == ErrorKind::MissingSchema
            && err
                .message
                .contains("Perhaps you meant https://127.0.0.1/get?"),
        "{err:?}"
    );
    for url in ["http://", "http://exa mple.com/", "http://[::1/"] {
        let err = h.get(s, url, None).await?.unwrap_err();
        assert!(err.kind == ErrorKind::InvalidUrl, "{url}: {err:?}");
    }
    for url in ["ftp://127.0.0.1/file", "localhost:8080/x"] {
        let err = h.get(s, url, None).await?.unwrap_err();
        assert!(
            err.kind == ErrorKind::InvalidSchema && err.message.contains("No connection adapters"),
            "{url}: {err:?}"
        );
    }
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn header_values_with_cr_or_lf_are_refused() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let err = session!(h, call_set_header, s, "X-Evil", "a\r\nInjected: yes")?.unwrap_err();
    assert!(err.kind == ErrorKind::InvalidHeader, "{err:?}");
    let err = session!(h, call_set_header, s, "Bad Name", "x")?.unwrap_err();
    assert!(err.kind == ErrorKind::InvalidHeader, "{err:?}");
    let err = session!(
        h,
        call_set_headers,
        s,
        &pairs(&[("X-Ok", "1"), ("X-Bad", "a\nb")])
    )?
    .unwrap_err();
    assert!(err.kind == ErrorKind::InvalidHeader, "{err:?}");
    let err = h
        .get(
            s,
            &server.url("/get"),
            with_headers(&[("X-Evil", Some("a\nb"))]),
        )
        .await?
        .unwrap_err();
    assert!(err.kind == ErrorKind::InvalidHeader, "{err:?}");
    // A rejected set-headers leaves the old headers in place.
    assert!(session!(h, call_headers, s)?
        .iter()
        .any(|(n, _)| n == "User-Agent"));
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_header_the_host_forbids_is_an_invalid_header_naming_it() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let err = h
        .get(
            s,
            &server.url("/get"),
            with_headers(&[("Connection", Some("close"))]),
        )
        .await?
        .unwrap_err();
    assert!(
        err.kind == ErrorKind::InvalidHeader && err.message.contains("Connection"),
        "{err:?}"
    );
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_methods_and_bad_json_bodies_are_typed_errors() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let err = h
        .request(s, "GE T", &server.url("/get"), None)
        .await?
        .unwrap_err();
    assert!(err.kind == ErrorKind::InvalidMethod, "{err:?}");
    let o = RequestOptions {
        body: Some(Body::Json("{\"a\": ".into())),
        ..opts()
    };
    let err = h.post(s, &server.url("/post"), o).await?.unwrap_err();
    assert!(err.kind == ErrorKind::InvalidJson, "{err:?}");
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_port_is_connection_refused() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let err = h.get(s, &url, None).await?.unwrap_err();
    assert!(
        err.kind == ErrorKind::ConnectionRefused && err.message.contains(&url),
        "{err:?}"
    );
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_server_is_a_read_timeout() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let o = RequestOptions {
        send: Some(SendOptions {
            timeout: Some(host_tests::host::Timeout {
                connect_ms: Some(1000),
                read_ms: Some(150),
            }),
            ..send_opts()
        }),
        ..opts()
    };
    let err = h.get(s, &server.url("/delay/3000"), o).await?.unwrap_err();
    assert!(err.kind == ErrorKind::ReadTimeout, "{err:?}");
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stall_between_body_bytes_is_a_read_timeout() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let o = RequestOptions {
        send: Some(SendOptions {
            timeout: Some(host_tests::host::Timeout {
                connect_ms: None,
                read_ms: Some(150),
            }),
            ..send_opts()
        }),
        ..opts()
    };
    let err = h
        .get(s, &server.url("/drip?numbytes=3&delay_ms=1000"), o)
        .await?
        .unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::ReadTimeout | ErrorKind::Connection),
        "{err:?}"
    );
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_wasi_http_cannot_express_are_unsupported_not_ignored() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let https = format!("https://127.0.0.1:{}/get", server.port());
    let o = RequestOptions {
        send: Some(SendOptions {
            verify: Some(Verify::Disabled),
            ..send_opts()
        }),
        ..opts()
    };
    let err = h.get(s, &https, o).await?.unwrap_err();
    assert!(
        err.kind == ErrorKind::Unsupported && err.message.contains("verify"),
        "{err:?}"
    );
    let o = RequestOptions {
        send: Some(SendOptions {
            cert: Some(ClientCert {
                cert: Pem::Path("/client.pem".into()),
                key: None,
            }),
            ..send_opts()
        }),
        ..opts()
    };
    let err = h.get(s, &https, o).await?.unwrap_err();
    assert!(
        err.kind == ErrorKind::Unsupported && err.message.contains("cert"),
        "{err:?}"
    );
    session!(
        h,
        call_set_proxies,
        s,
        &pairs(&[("http", "http://user:pw@127.0.0.1:3128")])
    )??;
    let err = h.get(s, &server.url("/get"), None).await?.unwrap_err();
    assert!(
        err.kind == ErrorKind::Unsupported
            && err.message.contains("proxy")
            && !err.message.contains("pw"),
        "{err:?}"
    );
    session!(h, call_set_proxies, s, &[])??;
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_session_reads_its_settings_and_refuses_every_change_and_request() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    // Settings made before closing, to read back afterwards.
    session!(h, call_set_header, s, "X-Kept", "1")??;
    session!(h, call_set_params, s, &pairs(&[("p", "1")]))??;
    let auth = Auth::Bearer("token".into());
    session!(h, call_set_auth, s, Some(&auth))??;
    session!(h, call_set_max_redirects, s, 7)??;
    session!(h, call_set_stream, s, true)??;
    session!(h, call_set_verify, s, &Verify::Disabled)??;
    session!(h, call_set_base_url, s, Some(&server.url("/")))??;
    session!(h, call_set_max_body_size, s, 1 << 20)??;
    let kept = h.get(s, &server.url("/cookies/set?c=1"), None).await??;
    let prepared = session!(h, call_prepare_request, s, "GET", &server.url("/get"), None)??;
    let mock = adapter!(h, call_scripted, &[])??;
    assert!(!session!(h, call_closed, s)?);
    h.close(s).await?;
    assert!(session!(h, call_closed, s)?);

    // Every getter still answers, with the settings as they were.
    let headers = session!(h, call_headers, s)?;
    assert!(
        headers.contains(&("X-Kept".to_string(), "1".to_string())),
        "{headers:?}"
    );
    assert_eq!(session!(h, call_params, s)?, pairs(&[("p", "1")]));
    assert_eq!(session!(h, call_auth, s)?, Some(auth));
    let jar = session!(h, call_cookies, s)?;
    assert!(
        jar.iter().any(|c| c.name == "c" && c.value == "1"),
        "{jar:?}"
    );
    assert_eq!(session!(h, call_max_redirects, s)?, 7);
    assert!(session!(h, call_trust_env, s)?);
    assert!(session!(h, call_stream, s)?);
    assert_eq!(session!(h, call_verify, s)?, Verify::Disabled);
    assert_eq!(session!(h, call_cert, s)?, None);
    assert!(session!(h, call_proxies, s)?.is_empty());
    assert_eq!(session!(h, call_timeout, s)?, None);
    assert_eq!(session!(h, call_retries, s)?, None);
    assert_eq!(session!(h, call_base_url, s)?, Some(server.url("/")));
    assert!(!session!(h, call_error_for_status, s)?);
    assert_eq!(session!(h, call_max_body_size, s)?, 1 << 20);
    let hooks = session!(h, call_hooks, s)?;
    assert!(hooks.request.is_empty() && hooks.response.is_empty());

    // Every setter and every request answers session-closed, before any
    // argument is looked at (invalid input gets session-closed too).
    let closed = ErrorKind::SessionClosed;
    let bad = pairs(&[("Bad\nName", "v")]);
    session!(h, call_set_header, s, "X", "1")?.expect_kind(closed);
    session!(h, call_set_headers, s, &bad)?.expect_kind(closed);
    session!(h, call_remove_header, s, "X-Kept")?.expect_kind(closed);
    session!(h, call_set_params, s, &[])?.expect_kind(closed);
    session!(h, call_set_auth, s, None)?.expect_kind(closed);
    let cookie = NewCookie {
        name: "n".into(),
        value: "v".into(),
        domain: None,
        path: None,
        secure: false,
        expires: None,
    };
    session!(h, call_set_cookie, s, &cookie)?.expect_kind(closed);
    session!(h, call_remove_cookie, s, "c", None, None)?.expect_kind(closed);
    session!(h, call_clear_cookies, s)?.expect_kind(closed);
    session!(h, call_set_max_redirects, s, 1)?.expect_kind(closed);
    session!(h, call_set_trust_env, s, false)?.expect_kind(closed);
    session!(h, call_set_stream, s, false)?.expect_kind(closed);
    session!(h, call_set_verify, s, &Verify::Enabled)?.expect_kind(closed);
    session!(h, call_set_cert, s, None)?.expect_kind(closed);
    session!(h, call_set_proxies, s, &[])?.expect_kind(closed);
    session!(h, call_set_timeout, s, None)?.expect_kind(closed);
    session!(h, call_set_retries, s, None)?.expect_kind(closed);
    session!(h, call_set_base_url, s, Some("no scheme"))?.expect_kind(closed);
    session!(h, call_set_error_for_status, s, true)?.expect_kind(closed);
    session!(h, call_set_max_body_size, s, 1)?.expect_kind(closed);
    let no_hooks = HookSet {
        request: Vec::new(),
        response: Vec::new(),
    };
    session!(h, call_set_hooks, s, &no_hooks)?.expect_kind(closed);
    session!(h, call_export_state, s, false)?.expect_kind(closed);
    session!(h, call_import_state, s, "{}")?.expect_kind(closed);
    session!(
        h,
        call_merge_environment_settings,
        s,
        &server.url("/get"),
        None
    )?
    .expect_kind(closed);
    session!(h, call_mount, s, "mock://", mock)?.expect_kind(closed);
    session!(h, call_get_adapter, s, "http://x/")?.expect_kind(closed);
    h.get(s, &server.url("/get"), None)
        .await?
        .expect_kind(closed);
    h.request(s, "POST", &server.url("/post"), None)
        .await?
        .expect_kind(closed);
    session!(h, call_prepare_request, s, "GET", &server.url("/get"), None)?.expect_kind(closed);
    h.send(s, prepared, None).await?.expect_kind(closed);
    session!(
        h,
        call_start_request,
        s,
        "PUT",
        &server.url("/put"),
        None,
        None
    )?
    .expect_kind(closed);
    // Closing twice is fine, and the settings still read back.
    h.close(s).await?;
    assert_eq!(session!(h, call_max_redirects, s)?, 7);
    // A response read before closing stays readable, and other sessions work.
    assert_eq!(h.json(kept).await?["cookies"]["c"], "1");
    let other = h.session().await?;
    assert_still_works(&mut h, other, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn environment_proxies_and_ca_bundles_are_unsupported_unless_bypassed_or_untrusted(
) -> Result<()> {
    let server = TestServer::start();
    let mut h = Harness::with_env(&[
        ("HTTP_PROXY", "http://127.0.0.1:3128"),
        ("NO_PROXY", "127.0.0.2"),
        ("REQUESTS_CA_BUNDLE", "/etc/ssl/custom.pem"),
    ])
    .await?;
    let s = h.session().await?;
    let err = h.get(s, &server.url("/get"), None).await?.unwrap_err();
    assert!(
        err.kind == ErrorKind::Unsupported && err.message.contains("HTTP_PROXY"),
        "{err:?}"
    );
    let r = h.get(s, &server.alt_url("/get"), None).await??;
    assert_eq!(h.status(r).await?, 200, "NO_PROXY bypasses 127.0.0.2");
    let err = h
        .get(s, &format!("https://127.0.0.2:{}/", server.port()), None)
        .await?
        .unwrap_err();
    assert!(
        err.kind == ErrorKind::Unsupported && err.message.contains("REQUESTS_CA_BUNDLE"),
        "{err:?}"
    );
    // An explicit proxies setting is named as such.
    session!(
        h,
        call_set_proxies,
        s,
        &pairs(&[("all", "http://127.0.0.1:3129")])
    )??;
    let err = h.get(s, &server.alt_url("/get"), None).await?.unwrap_err();
    assert!(
        err.kind == ErrorKind::Unsupported && err.message.contains("proxies setting"),
        "{err:?}"
    );
    session!(h, call_set_proxies, s, &[])??;
    session!(h, call_set_trust_env, s, false)??;
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn https_to_a_plain_http_port_is_a_tls_error() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let err = h
        .get(s, &format!("https://127.0.0.1:{}/get", server.port()), None)
        .await?
        .unwrap_err();
    assert!(err.kind == ErrorKind::Tls, "{err:?}");
    assert_still_works(&mut h, s, &server).await
}

/// A one-shot TCP server on loopback that answers every connection with `reply` and closes.
fn raw_server(reply: &'static [u8]) -> Result<String> {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/", listener.local_addr()?);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(reply);
        }
    });
    Ok(url)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_response_is_a_transport_error_naming_the_error_code() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let url = raw_server(b"this is not HTTP at all\r\n\r\n")?;
    let err = h.get(s, &url, None).await?.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transport, "{err:?}");
    assert!(
        err.code.as_deref().is_some_and(|c| c.starts_with("HTTP-")),
        "{err:?}"
    );
    assert_eq!(err.url.as_deref(), Some(url.as_str()), "{err:?}");
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_cut_short_is_a_connection_error_not_a_trap() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let url = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")?;
    let err = h.get(s, &url, None).await?.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Connection | ErrorKind::Transport),
        "{err:?}"
    );
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_gzip_body_is_a_content_decoding_error() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let url = raw_server(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 12\r\n\r\nnot gzipped!",
    )?;
    let err = h.get(s, &url, None).await?.unwrap_err();
    assert!(err.kind == ErrorKind::ContentDecoding, "{err:?}");
    let o = RequestOptions {
        send: Some(SendOptions {
            stream: Some(true),
            ..send_opts()
        }),
        ..opts()
    };
    let r = h.get(s, &url, o).await??;
    assert_eq!(
        h.status(r).await?,
        200,
        "a streamed response's head arrives; the body fails when read"
    );
    let err = response!(h, call_read_chunk, r, 1024)?.unwrap_err();
    assert!(err.kind == ErrorKind::ContentDecoding, "{err:?}");
    assert_still_works(&mut h, s, &server).await
}
