//! Request bodies, content decoding, text and JSON, and streamed responses.

use super::*;
use host_tests::host::Body;

#[tokio::test(flavor = "multi_thread")]
async fn a_form_body_is_urlencoded() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let o = RequestOptions {
        body: Some(Body::Form(pairs(&[("name", "a b"), ("x", "1&2")]))),
        ..opts()
    };
    let r = h.post(s, &server.url("/post"), o).await??;
    let echo = h.json(r).await?;
    assert_eq!(
        echo["headers"]["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(echo["data"], "name=a+b&x=1%262");
    assert_eq!(
        echo["form"],
        serde_json::json!([["name", "a b"], ["x", "1&2"]])
    );
    assert_eq!(echo["headers"]["content-length"], "16");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_json_body_is_validated_and_sent_as_json() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let o = RequestOptions {
        body: Some(Body::Json(r#"{"a": [1, 2], "b": null}"#.into())),
        ..opts()
    };
    let r = h.put(s, &server.url("/put"), o).await??;
    let echo = h.json(r).await?;
    assert_eq!(echo["headers"]["content-type"], "application/json");
    assert_eq!(echo["json"], serde_json::json!({"a": [1, 2], "b": null}));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn bytes_and_text_bodies_go_as_they_are_without_content_type() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    let o = RequestOptions {
        body: Some(Body::Bytes(bytes.clone())),
        ..opts()
    };
    let r = h.post(s, &server.url("/post"), o).await??;
    let echo = h.json(r).await?;
    assert_eq!(
        echo["body_len"], 300_000,
        "a body larger than one host write arrives whole"
    );
    assert!(echo["headers"].get("content-type").is_none());
    let o = RequestOptions {
        body: Some(Body::Text("héllo".into())),
        ..opts()
    };
    let r = h.patch(s, &server.url("/patch"), o).await??;
    let echo = h.json(r).await?;
    assert_eq!(echo["data"], "héllo");
    assert_eq!(echo["headers"]["content-length"], "6");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn gzip_and_deflate_responses_are_decoded_in_the_guest() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    for (path, flag) in [
        ("/gzip", "gzipped"),
        ("/deflate", "deflated"),
        ("/deflate-raw", "deflated"),
    ] {
        let r = h.get(s, &server.url(path), None).await??;
        assert!(h.header(r, "content-encoding").await?.is_some());
        let echo = h.json(r).await?;
        assert_eq!(echo[flag], true, "{path}: {echo}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn text_follows_the_charset_and_encoding_can_be_overridden() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let r = h.get(s, &server.url("/encoding/latin1"), None).await??;
    assert_eq!(response!(h, call_encoding, r)?, "iso-8859-1");
    assert_eq!(h.text(r).await?, "café");
    response!(h, call_set_encoding, r, "utf-8")??;
    assert_eq!(h.text(r).await?, "caf\u{FFFD}");
    let err = response!(h, call_set_encoding, r, "ebcdic-klingon")?.unwrap_err();
    assert!(err.kind == ErrorKind::InvalidOption, "{err:?}");
    let r = h.get(s, &server.url("/html"), None).await??;
    assert!(h.text(r).await?.contains("Moby-Dick"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn json_of_a_non_json_body_is_a_json_decode_error() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let r = h.get(s, &server.url("/not-json"), None).await??;
    let err = response!(h, call_json, r)?.unwrap_err();
    assert!(
        err.kind == ErrorKind::JsonDecode && err.message.contains("line 1"),
        "{err:?}"
    );
    assert_eq!(h.text(r).await?, "this is not json");
    let r = h.get(s, &server.url("/json"), None).await??;
    assert_eq!(h.json(r).await?["slideshow"]["author"], "Yours Truly");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn raise_for_status_gives_requests_message_for_4xx_and_5xx() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let r = h.get(s, &server.url("/status/404"), None).await??;
    assert!(!response!(h, call_ok, r)?);
    let e = response!(h, call_raise_for_status, r)?.expect_kind(ErrorKind::HttpStatus);
    let head = e
        .response
        .as_ref()
        .expect("http-status carries the response");
    assert_eq!(head.status, 404);
    assert_eq!(head.url, server.url("/status/404"));
    assert_eq!(
        e.message,
        format!(
            "404 Client Error: Not Found for url: {}",
            server.url("/status/404")
        )
    );
    let r = h.get(s, &server.url("/status/503"), None).await??;
    let err = response!(h, call_raise_for_status, r)?.unwrap_err();
    assert!(
        err.kind == ErrorKind::HttpStatus
            && err
                .message
                .starts_with("503 Server Error: Service Unavailable")
    );
    let r = h.get(s, &server.url("/status/204"), None).await??;
    response!(h, call_raise_for_status, r)??;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_streamed_body_is_read_in_chunks_the_caller_sizes() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let o = RequestOptions {
        send: Some(SendOptions {
            stream: Some(true),
            ..send_opts()
        }),
        ..opts()
    };
    let r = h
        .get(s, &server.url("/stream-bytes/200000?chunk_size=7000"), o)
        .await??;
    let mut body = Vec::new();
    while let Some(chunk) = response!(h, call_read_chunk, r, 8192)?? {
        assert!(
            !chunk.is_empty() && chunk.len() <= 8192,
            "chunk of {}",
            chunk.len()
        );
        body.extend(chunk);
    }
    let expected: Vec<u8> = (0..200_000usize).map(|i| (i % 251) as u8).collect();
    assert_eq!(body, expected);
    let err = response!(h, call_content, r)?.unwrap_err();
    assert!(err.kind == ErrorKind::StreamConsumed, "{err:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn bytes_cross_as_latin1_strings_both_ways() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let latin1: String = bytes.iter().map(|&b| char::from(b)).collect();
    let sha = |data: &[u8]| -> String {
        use sha2::Digest as _;
        sha2::Sha256::digest(data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };

    // A whole body (`body.latin1`) arrives as the bytes, not their UTF-8.
    let o = RequestOptions {
        body: Some(Body::Latin1(latin1.clone())),
        ..opts()
    };
    let r = h.post(s, &server.url("/upload"), o).await??;
    let echo = h.json(r).await?;
    assert_eq!(echo["body_len"], bytes.len());
    assert_eq!(echo["sha256"], sha(&bytes));
    let o = RequestOptions {
        body: Some(Body::Latin1("\u{100}".into())),
        ..opts()
    };
    h.post(s, &server.url("/upload"), o)
        .await?
        .expect_kind(ErrorKind::InvalidOption);

    // A streamed upload written with `write-latin1`; a bad piece sends nothing.
    let api = h.client.requests_http_session();
    let w = api
        .session()
        .call_start_request(&mut h.store, s, "PUT", &server.url("/upload"), None, None)
        .await??;
    api.body_writer()
        .call_write_latin1(&mut h.store, w, "\u{263a}")
        .await?
        .expect_kind(ErrorKind::InvalidOption);
    for piece in [&latin1[..], &latin1[..]] {
        api.body_writer()
            .call_write_latin1(&mut h.store, w, piece)
            .await??;
    }
    let r = api.body_writer().call_finish(&mut h.store, w).await??;
    let echo = h.json(r).await?;
    let twice = [bytes.clone(), bytes.clone()].concat();
    assert_eq!(echo["body_len"], twice.len());
    assert_eq!(echo["sha256"], sha(&twice));

    // A streamed body read with `read-chunk-latin1`: each code point one byte.
    let o = RequestOptions {
        send: Some(SendOptions {
            stream: Some(true),
            ..send_opts()
        }),
        ..opts()
    };
    let r = h.get(s, &server.url("/bytes/100000"), o).await??;
    let mut body = Vec::new();
    while let Some(piece) = response!(h, call_read_chunk_latin1, r, 30_000)?? {
        assert!(piece.chars().count() <= 30_000);
        body.extend(
            piece
                .chars()
                .map(|c| u8::try_from(u32::from(c)).expect("a byte")),
        );
    }
    let expected: Vec<u8> = (0..100_000usize).map(|i| (i % 251) as u8).collect();
    assert!(body == expected, "the body read as Latin-1 is the body");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_streamed_gzip_body_is_decoded_chunk_by_chunk() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_stream, s, true)??;
    let r = h.get(s, &server.url("/gzip"), None).await??;
    let mut body = Vec::new();
    while let Some(chunk) = response!(h, call_read_chunk, r, 16)?? {
        assert!(chunk.len() <= 16);
        body.extend(chunk);
    }
    let echo: serde_json::Value = serde_json::from_slice(&body)?;
    assert_eq!(echo["gzipped"], true);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_streamed_body_can_still_be_read_whole() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let o = RequestOptions {
        send: Some(SendOptions {
            stream: Some(true),
            ..send_opts()
        }),
        ..opts()
    };
    let r = h.get(s, &server.url("/bytes/5000"), o).await??;
    assert_eq!(h.content(r).await?.len(), 5000);
    assert_eq!(
        h.content(r).await?.len(),
        5000,
        "content stays readable after the first read"
    );
    Ok(())
}
