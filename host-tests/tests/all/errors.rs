//! Bad input and failed transport give precise typed errors, never a trap; the session survives each.

use super::*;
use host_tests::host::Body;

#[tokio::test(flavor = "multi_thread")]
async fn bad_urls_are_missing_schema_invalid_url_or_invalid_schema() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let err = h.get(s, "127.0.0.1/get", opts()).await?.unwrap_err();
    assert!(
        matches!(&err, Error::MissingSchema(m) if m.contains("Perhaps you meant https://127.0.0.1/get?")),
        "{err:?}"
    );
    for url in ["http://", "http://exa mple.com/", "http://[::1/"] {
        let err = h.get(s, url, opts()).await?.unwrap_err();
        assert!(matches!(err, Error::InvalidUrl(_)), "{url}: {err:?}");
    }
    for url in ["ftp://127.0.0.1/file", "localhost:8080/x"] {
        let err = h.get(s, url, opts()).await?.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidSchema(m) if m.contains("No connection adapters")),
            "{url}: {err:?}"
        );
    }
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn header_values_with_cr_or_lf_are_refused() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let err = session!(h, call_set_header, s, "X-Evil", "a\r\nInjected: yes")?.unwrap_err();
    assert!(matches!(err, Error::InvalidHeader(_)), "{err:?}");
    let err = session!(h, call_set_header, s, "Bad Name", "x")?.unwrap_err();
    assert!(matches!(err, Error::InvalidHeader(_)), "{err:?}");
    let err = session!(
        h,
        call_set_headers,
        s,
        &pairs(&[("X-Ok", "1"), ("X-Bad", "a\nb")])
    )?
    .unwrap_err();
    assert!(matches!(err, Error::InvalidHeader(_)), "{err:?}");
    let err = h
        .get(
            s,
            &server.url("/get"),
            with_headers(&[("X-Evil", Some("a\nb"))]),
        )
        .await?
        .unwrap_err();
    assert!(matches!(err, Error::InvalidHeader(_)), "{err:?}");
    // A rejected set-headers leaves the old headers in place.
    assert!(session!(h, call_headers, s)??
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
        matches!(&err, Error::InvalidHeader(m) if m.contains("Connection")),
        "{err:?}"
    );
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_methods_and_bad_json_bodies_are_typed_errors() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let err = h
        .request(s, "GE T", &server.url("/get"), opts())
        .await?
        .unwrap_err();
    assert!(matches!(err, Error::InvalidMethod(_)), "{err:?}");
    let o = RequestOptions {
        body: Some(Body::Json("{\"a\": ".into())),
        ..opts()
    };
    let err = h.post(s, &server.url("/post"), o).await?.unwrap_err();
    assert!(matches!(err, Error::InvalidJson(_)), "{err:?}");
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_port_is_connection_refused() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let err = h.get(s, &url, opts()).await?.unwrap_err();
    assert!(
        matches!(&err, Error::ConnectionRefused(m) if m.contains(&url)),
        "{err:?}"
    );
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_server_is_a_read_timeout() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let o = RequestOptions {
        timeout: Some(host_tests::host::Timeout {
            connect_ms: Some(1000),
            read_ms: Some(150),
        }),
        ..opts()
    };
    let err = h.get(s, &server.url("/delay/3000"), o).await?.unwrap_err();
    assert!(matches!(err, Error::ReadTimeout(_)), "{err:?}");
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stall_between_body_bytes_is_a_read_timeout() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let o = RequestOptions {
        timeout: Some(host_tests::host::Timeout {
            connect_ms: None,
            read_ms: Some(150),
        }),
        ..opts()
    };
    let err = h
        .get(s, &server.url("/drip?numbytes=3&delay_ms=1000"), o)
        .await?
        .unwrap_err();
    assert!(
        matches!(err, Error::ReadTimeout(_) | Error::Connection(_)),
        "{err:?}"
    );
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_wasi_http_cannot_express_are_unsupported_not_ignored() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let https = format!("https://127.0.0.1:{}/get", server.port());
    let o = RequestOptions {
        verify: Some(false),
        ..opts()
    };
    let err = h.get(s, &https, o).await?.unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported(m) if m.contains("verify")),
        "{err:?}"
    );
    let o = RequestOptions {
        cert: Some("/client.pem".into()),
        ..opts()
    };
    let err = h.get(s, &https, o).await?.unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported(m) if m.contains("cert")),
        "{err:?}"
    );
    session!(
        h,
        call_set_proxies,
        s,
        &pairs(&[("http", "http://user:pw@127.0.0.1:3128")])
    )??;
    let err = h.get(s, &server.url("/get"), opts()).await?.unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported(m) if m.contains("proxy") && !m.contains("pw")),
        "{err:?}"
    );
    session!(h, call_set_proxies, s, &[])??;
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_session_answers_session_closed_to_every_call() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let kept = h.get(s, &server.url("/get"), opts()).await??;
    h.close(s).await?;
    assert!(matches!(
        h.get(s, &server.url("/get"), opts()).await?,
        Err(Error::SessionClosed)
    ));
    assert!(matches!(
        session!(h, call_set_header, s, "X", "1")?,
        Err(Error::SessionClosed)
    ));
    assert!(matches!(
        session!(h, call_headers, s)?,
        Err(Error::SessionClosed)
    ));
    assert!(matches!(
        session!(h, call_cookies, s)?,
        Err(Error::SessionClosed)
    ));
    assert!(matches!(
        session!(h, call_get_adapter, s, "http://x/")?,
        Err(Error::SessionClosed)
    ));
    // Before any argument is looked at: invalid input gets session-closed too.
    let bad = vec![("Bad\nName".to_string(), "v".to_string())];
    assert!(matches!(
        session!(h, call_set_headers, s, &bad)?,
        Err(Error::SessionClosed)
    ));
    assert!(matches!(
        session!(h, call_set_base_url, s, Some("no scheme"))?,
        Err(Error::SessionClosed)
    ));
    h.close(s).await?;
    // A response read before closing stays readable, and other sessions work.
    assert_eq!(h.json(kept).await?["method"], "GET");
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
    let err = h.get(s, &server.url("/get"), opts()).await?.unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported(m) if m.contains("HTTP_PROXY")),
        "{err:?}"
    );
    let r = h.get(s, &server.alt_url("/get"), opts()).await??;
    assert_eq!(h.status(r).await?, 200, "NO_PROXY bypasses 127.0.0.2");
    let err = h
        .get(s, &format!("https://127.0.0.2:{}/", server.port()), opts())
        .await?
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported(m) if m.contains("REQUESTS_CA_BUNDLE")),
        "{err:?}"
    );
    // An explicit proxies setting is named as such.
    session!(
        h,
        call_set_proxies,
        s,
        &pairs(&[("all", "http://127.0.0.1:3129")])
    )??;
    let err = h
        .get(s, &server.alt_url("/get"), opts())
        .await?
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported(m) if m.contains("proxies setting")),
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
        .get(
            s,
            &format!("https://127.0.0.1:{}/get", server.port()),
            opts(),
        )
        .await?
        .unwrap_err();
    assert!(matches!(err, Error::Tls(_)), "{err:?}");
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
    let err = h.get(s, &url, opts()).await?.unwrap_err();
    match &err {
        Error::Transport(t) => assert!(t.code.starts_with("HTTP-"), "{t:?}"),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_cut_short_is_a_connection_error_not_a_trap() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let url = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")?;
    let err = h.get(s, &url, opts()).await?.unwrap_err();
    assert!(
        matches!(err, Error::Connection(_) | Error::Transport(_)),
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
    let err = h.get(s, &url, opts()).await?.unwrap_err();
    assert!(matches!(err, Error::ContentDecoding(_)), "{err:?}");
    let o = RequestOptions {
        stream: Some(true),
        ..opts()
    };
    let r = h.get(s, &url, o).await??;
    assert_eq!(
        h.status(r).await?,
        200,
        "a streamed response's head arrives; the body fails when read"
    );
    let err = response!(h, call_read_chunk, r, 1024)?.unwrap_err();
    assert!(matches!(err, Error::ContentDecoding(_)), "{err:?}");
    assert_still_works(&mut h, s, &server).await
}
