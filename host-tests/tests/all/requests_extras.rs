//! The rest of requests and beyond: brotli/zstd and body limits, multipart, lines and links,
//! base URL, error-for-status, saved state, retries and streaming uploads.

use super::*;
use host_tests::host::{Auth, Body, NewCookie};

#[tokio::test(flavor = "multi_thread")]
async fn brotli_and_zstd_are_decoded_and_advertised() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    for (path, flag) in [("/brotli", "brotli"), ("/zstd", "zstd")] {
        let r = h.get(s, &server.url(path), None).await??;
        let echo = h.json(r).await?;
        assert_eq!(echo[flag], true, "{path}: {echo}");
        assert_eq!(
            echo["headers"]["accept-encoding"],
            "gzip, deflate, br, zstd"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_max_body_size_is_a_typed_error_not_a_trap() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_max_body_size, s, 1000)??;
    let err = h
        .get(s, &server.url("/bytes/5000"), None)
        .await?
        .unwrap_err();
    assert!(err.kind == ErrorKind::BodyTooLarge, "{err:?}");
    session!(h, call_set_max_body_size, s, 100)??;
    let err = h.get(s, &server.url("/gzip"), None).await?.unwrap_err();
    assert!(
        err.kind == ErrorKind::ContentDecoding && err.message.contains("exceeds"),
        "{err:?}"
    );
    session!(h, call_set_max_body_size, s, 1000)??;
    // Streamed, the same body is fine: nothing is held in memory.
    let o = RequestOptions {
        send: Some(SendOptions {
            stream: Some(true),
            ..send_opts()
        }),
        ..opts()
    };
    let r = h.get(s, &server.url("/bytes/5000"), o).await??;
    let mut total = 0;
    while let Some(chunk) = response!(h, call_read_chunk, r, 512)?? {
        total += chunk.len();
    }
    assert_eq!(total, 5000);
    session!(h, call_set_max_body_size, s, 256 << 20)??;
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gzip_bomb_ends_in_content_decoding() -> Result<()> {
    use std::io::Write;
    let (server, mut h, s) = setup().await?;
    // 64 MiB of zeros gzip to ~64 KiB; the limit is 1 MiB.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; 64 << 20])?;
    let bomb = e.finish()?;
    let mock = adapter!(
        h,
        call_scripted,
        &[host_tests::host::CannedResponse {
            status: 200,
            headers: pairs(&[("Content-Encoding", "gzip")]),
            body: bomb,
        }]
    )??;
    session!(h, call_mount, s, "mock://", mock)??;
    session!(h, call_set_max_body_size, s, 1 << 20)??;
    let err = h.get(s, "mock://bomb/", None).await?.unwrap_err();
    assert!(
        err.kind == ErrorKind::ContentDecoding && err.message.contains("exceeds"),
        "{err:?}"
    );
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_multipart_upload_sends_fields_and_files() -> Result<()> {
    use host_tests::host::Part;
    let (server, mut h, s) = setup().await?;
    let parts = vec![
        Part {
            name: "title".into(),
            filename: None,
            content_type: None,
            headers: vec![],
            data: b"hello".to_vec(),
        },
        Part {
            name: "file".into(),
            filename: Some("notes.txt".into()),
            content_type: Some("text/plain".into()),
            headers: pairs(&[("X-Part", "1")]),
            data: b"line one\nline two".to_vec(),
        },
    ];
    let o = RequestOptions {
        body: Some(Body::Multipart(parts)),
        ..opts()
    };
    let r = h.post(s, &server.url("/post"), o).await??;
    let echo = h.json(r).await?;
    let ct = echo["headers"]["content-type"].as_str().unwrap_or("");
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .expect("a multipart content type");
    let data = echo["data"].as_str().unwrap_or("");
    assert!(
        data.starts_with(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n"
        )),
        "{data}"
    );
    assert!(data.contains("Content-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\nX-Part: 1\r\n\r\nline one\nline two\r\n"), "{data}");
    assert!(data.ends_with(&format!("--{boundary}--\r\n")));
    let bad = vec![Part {
        name: "a\r\nb".into(),
        filename: None,
        content_type: None,
        headers: vec![],
        data: vec![],
    }];
    let err = h
        .post(
            s,
            &server.url("/post"),
            RequestOptions {
                body: Some(Body::Multipart(bad)),
                ..opts()
            },
        )
        .await?
        .unwrap_err();
    assert!(err.kind == ErrorKind::InvalidHeader, "{err:?}");
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn lines_are_read_one_by_one_and_links_parsed() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let o = RequestOptions {
        send: Some(SendOptions {
            stream: Some(true),
            ..send_opts()
        }),
        ..opts()
    };
    let r = h
        .get(s, &server.url("/drip?numbytes=5&delay_ms=1"), o)
        .await??;
    assert_eq!(response!(h, call_read_line, r)??.as_deref(), Some("*****"));
    assert_eq!(response!(h, call_read_line, r)??, None);
    let r = h.get(s, &server.url("/html"), None).await??;
    let mut lines = 0;
    while let Some(line) = response!(h, call_read_line, r)?? {
        assert!(!line.ends_with('\r') && !line.contains('\n'));
        lines += 1;
    }
    assert!(lines > 1);
    let r = h.get(s, &server.url("/link"), None).await??;
    let links = response!(h, call_links, r)?;
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].rel.as_deref(), Some("next"));
    assert_eq!(links[0].url, server.url("/page/2"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn relative_urls_resolve_against_the_base_url() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_base_url, s, Some(&server.url("/anything/api")))??;
    let r = h.get(s, "users?id=1", None).await??;
    assert_eq!(h.json(r).await?["path"], "/anything/api/users");
    let r = h.get(s, &server.url("/get"), None).await??;
    assert_eq!(
        h.json(r).await?["path"],
        "/get",
        "absolute URLs ignore the base"
    );
    let err = session!(h, call_set_base_url, s, Some("not a url"))?.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::MissingSchema | ErrorKind::InvalidUrl),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn error_for_status_turns_4xx_into_errors_session_wide() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_error_for_status, s, true)??;
    let err = h
        .get(s, &server.url("/status/418"), None)
        .await?
        .unwrap_err();
    assert!(
        err.kind == ErrorKind::HttpStatus
            && err.response.as_ref().is_some_and(|r| r.status == 418)
            && err.message.starts_with("418 Client Error"),
        "{err:?}"
    );
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn saved_state_restores_a_login_in_another_instance() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    h.get(s, &server.url("/cookies/set?sid=abc"), None)
        .await??;
    session!(h, call_set_header, s, "X-Team", "blue")??;
    session!(h, call_set_auth, s, Some(&Auth::Bearer("t0ken".into())))??;
    let public = session!(h, call_export_state, s, false)??;
    assert!(
        !public.contains("t0ken"),
        "secrets only when asked: {public}"
    );
    let secret = session!(h, call_export_state, s, true)??;
    assert!(secret.contains("t0ken"));

    let mut other = Harness::new().await?;
    let s2 = other.session().await?;
    let h2 = &mut other;
    session!(h2, call_import_state, s2, &secret)??;
    let r = h2.get(s2, &server.url("/anything"), None).await??;
    let echo = h2.json(r).await?;
    assert_eq!(echo["cookies"]["sid"], "abc");
    assert_eq!(echo["headers"]["x-team"], "blue");
    assert_eq!(echo["headers"]["authorization"], "Bearer t0ken");
    let jar = session!(h2, call_cookies, s2)?;
    assert!(jar[0].host_only, "a host-only cookie stays host-only");
    let r = h2.get(s2, &server.alt_url("/cookies"), None).await??;
    assert_eq!(h2.json(r).await?["cookies"], serde_json::json!({}));

    let err = session!(h2, call_import_state, s2, "{not json")?.unwrap_err();
    assert!(err.kind == ErrorKind::InvalidJson, "{err:?}");
    assert_eq!(
        session!(h2, call_cookies, s2)?.len(),
        1,
        "a failed import changes nothing"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn hand_set_cookies_survive_a_state_round_trip() -> Result<()> {
    let (_server, mut h, s) = setup().await?;
    let c = NewCookie {
        name: "a".into(),
        value: "1".into(),
        domain: Some("example.test".into()),
        path: None,
        secure: true,
        expires: Some(4_000_000_000),
    };
    session!(h, call_set_cookie, s, &c)??;
    let state = session!(h, call_export_state, s, false)??;
    session!(h, call_clear_cookies, s)??;
    session!(h, call_import_state, s, &state)??;
    let jar = session!(h, call_cookies, s)?;
    assert_eq!(
        (jar[0].domain.as_str(), jar[0].secure, jar[0].expires),
        ("example.test", true, Some(4_000_000_000))
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_1_gib_download_streams_through_a_guest_capped_at_64_mib() -> Result<()> {
    const SIZE: usize = 1 << 30;
    let server = TestServer::start();
    let mut h = Harness::builder().memory_limit(64 << 20).build().await?;
    let s = h.session().await?;
    let o = RequestOptions {
        send: Some(SendOptions {
            stream: Some(true),
            ..send_opts()
        }),
        ..opts()
    };
    let url = server.url(&format!("/stream-bytes/{SIZE}?chunk_size={}", 1 << 20));
    let r = h.get(s, &url, o).await??;
    let mut total = 0usize;
    while let Some(chunk) = response!(h, call_read_chunk, r, 1 << 20)?? {
        // Byte i of the body is i % 251: check a sample of each chunk in place.
        for i in (0..chunk.len()).step_by(65_521) {
            assert_eq!(chunk[i] as usize, (total + i) % 251, "byte {}", total + i);
        }
        if let Some(last) = chunk.last() {
            assert_eq!(*last as usize, (total + chunk.len() - 1) % 251);
        }
        total += chunk.len();
    }
    assert_eq!(
        total, SIZE,
        "every byte arrived, through 64 MiB of guest memory"
    );
    Ok(())
}

fn retry_policy(total: u32, forcelist: &[u16]) -> host_tests::host::RetryPolicy {
    host_tests::host::RetryPolicy {
        total,
        connect: None,
        read: None,
        status: None,
        backoff_factor_ms: 1,
        backoff_max_ms: 5,
        backoff_jitter_ms: 0,
        status_forcelist: forcelist.to_vec(),
        allowed_methods: None,
        respect_retry_after: true,
        retry_after_max_ms: 50,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_retry_policy_retries_statuses_then_gives_a_retry_error() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let canned = |status: u16| host_tests::host::CannedResponse {
        status,
        headers: vec![],
        body: b"{}".to_vec(),
    };
    let mock = adapter!(h, call_scripted, &[canned(503), canned(503), canned(200)])??;
    session!(h, call_mount, s, "mock://", mock)??;
    session!(h, call_set_retries, s, Some(&retry_policy(3, &[503])))??;
    let r = h.get(s, "mock://api/", None).await??;
    assert_eq!(h.status(r).await?, 200);
    assert_eq!(
        adapter!(h, call_received, mock)?.len(),
        3,
        "two retries, then the answer"
    );

    // Against the real server: 503 forever ends in `retry`; POST is never retried.
    let err = h
        .get(s, &server.url("/status/503"), None)
        .await?
        .unwrap_err();
    assert!(
        err.kind == ErrorKind::Retry
            && err.message.contains("Max retries exceeded")
            && err.message.contains("503"),
        "{err:?}"
    );
    let r = h.post(s, &server.url("/status/503"), None).await??;
    assert_eq!(
        h.status(r).await?,
        503,
        "a POST that may have reached the server is not sent again"
    );
    // Retry-After is honoured (capped at 50 ms here) for 429.
    let r = h
        .get(
            s,
            &server.url("/response-headers?status=429&Retry-After=1"),
            None,
        )
        .await?;
    assert!(r.error_kind() == Some(ErrorKind::Retry), "{r:?}");
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_failures_are_retried_for_any_method_and_then_reported() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_retries, s, Some(&retry_policy(2, &[])))??;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let err = h
        .post(s, &format!("http://127.0.0.1:{port}/"), None)
        .await?
        .unwrap_err();
    assert!(
        err.kind == ErrorKind::ConnectionRefused,
        "the last error itself: {err:?}"
    );
    let bad = host_tests::host::RetryPolicy {
        backoff_max_ms: 0,
        backoff_factor_ms: 10,
        ..retry_policy(1, &[])
    };
    assert!(
        session!(h, call_set_retries, s, Some(&bad))?.error_kind()
            == Some(ErrorKind::InvalidOption)
    );
    // The adapter's own policy applies when the session has none.
    session!(h, call_set_retries, s, None)??;
    let adapter = session!(h, call_get_adapter, s, &server.url("/"))??;
    adapter!(h, call_set_retries, adapter, Some(&retry_policy(1, &[500])))??;
    assert_eq!(
        adapter!(h, call_retries, adapter)?.map(|p| p.total),
        Some(1)
    );
    let err = h
        .get(s, &server.url("/status/500"), None)
        .await?
        .unwrap_err();
    assert!(err.kind == ErrorKind::Retry, "{err:?}");
    Ok(())
}

macro_rules! writer {
    ($h:ident, $call:ident $(, $arg:expr)* $(,)?) => {
        $h.client.requests_http_session().body_writer().$call(&mut $h.store $(, $arg)*).await
    };
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_bigger_than_guest_memory_streams_chunked() -> Result<()> {
    const SIZE: usize = 200 << 20;
    let server = TestServer::start();
    let mut h = Harness::builder().memory_limit(64 << 20).build().await?;
    let s = h.session().await?;
    let w = session!(
        h,
        call_start_request,
        s,
        "PUT",
        &server.url("/upload"),
        None,
        None
    )??;
    let piece: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    for _ in 0..SIZE / piece.len() {
        writer!(h, call_write, w, &piece)??;
    }
    assert_eq!(writer!(h, call_written, w)?, SIZE as u64);
    let r = writer!(h, call_finish, w)??;
    let echo = h.json(r).await?;
    assert_eq!(
        echo["body_len"], SIZE,
        "every byte arrived, through 64 MiB of guest memory"
    );
    assert_eq!(echo["transfer_encoding"], "chunked");
    assert_eq!(echo["method"], "PUT");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_with_a_length_sends_it_and_follows_a_303() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let url = server.url("/redirect-to?url=/anything&status_code=303");
    let w = session!(h, call_start_request, s, "POST", &url, None, Some(10))??;
    writer!(h, call_write, w, b"01234")??;
    let err = writer!(h, call_write, w, b"567890")?.unwrap_err();
    assert!(
        err.kind == ErrorKind::InvalidOption,
        "past the length: {err:?}"
    );
    writer!(h, call_write, w, b"56789")??;
    let r = writer!(h, call_finish, w)??;
    assert_eq!(
        h.json(r).await?["method"],
        "GET",
        "303 after the upload: GET without body"
    );
    assert_eq!(h.history(r).await?.len(), 1);
    let o = RequestOptions {
        body: Some(Body::Text("x".into())),
        ..opts()
    };
    let err = session!(
        h,
        call_start_request,
        s,
        "POST",
        &server.url("/post"),
        Some(&o),
        None
    )?
    .unwrap_err();
    assert!(err.kind == ErrorKind::InvalidOption, "{err:?}");
    assert_still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn saved_state_carries_retries_base_url_and_limits() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_retries, s, Some(&retry_policy(2, &[503])))??;
    session!(h, call_set_base_url, s, Some(&server.url("/anything/api")))??;
    session!(h, call_set_error_for_status, s, true)??;
    session!(h, call_set_max_body_size, s, 12345)??;
    let state = session!(h, call_export_state, s, false)??;
    let s2 = h.session().await?;
    session!(h, call_import_state, s2, &state)??;
    assert_eq!(
        session!(h, call_retries, s2)?.map(|p| p.status_forcelist),
        Some(vec![503])
    );
    assert_eq!(session!(h, call_max_body_size, s2)?, 12345);
    assert!(session!(h, call_error_for_status, s2)?);
    let r = h.get(s2, "users", None).await??;
    assert_eq!(h.json(r).await?["path"], "/anything/api/users");
    Ok(())
}
