//! Large bodies through an adapter the host implements: over 1 MiB both ways in pieces, and
//! bodies the host keeps on its side (`incoming.keeps-rest`, `response.take-host-body`,
//! `body-writer.host-upload`), which never cross into the guest.

use super::host_adapters::{pattern, pool_setup, recorder, send, sha256_hex};
use super::*;
use host_tests::host::Body;

#[tokio::test(flavor = "multi_thread")]
async fn bodies_over_one_mebibyte_cross_a_host_adapter_both_ways() -> Result<()> {
    let (server, mut h, s) = pool_setup().await?;
    let size = 3 * (1 << 20) + 17;
    let upload = pattern(size);

    // A held body over 1 MiB goes as start, writes of at most 1 MiB, finish.
    let o = RequestOptions {
        body: Some(Body::Bytes(upload.clone())),
        ..opts()
    };
    h.adapters().ops.clear();
    let r = h.post(s, &server.url("/upload"), o).await??;
    let echo = h.json(r).await?;
    assert_eq!(echo["body_len"], size);
    assert_eq!(echo["sha256"], sha256_hex(&upload));
    assert_eq!(echo["content_length"], size.to_string());
    let ops = h.adapters().ops.clone();
    assert_eq!(
        ops.first().map(String::as_str),
        Some("start pool"),
        "{ops:?}"
    );
    let writes: Vec<&String> = ops.iter().filter(|o| o.starts_with("write ")).collect();
    assert_eq!(writes.len(), 4, "{ops:?}");
    assert!(
        writes.iter().all(|w| w["write ".len()..]
            .parse::<usize>()
            .is_ok_and(|n| n <= 1 << 20)),
        "{ops:?}"
    );
    assert!(ops.iter().any(|o| o.starts_with("finish ")), "{ops:?}");

    // A streamed upload of unknown length (chunked) in pieces of 1.5 MiB.
    let api = h.client.requests_http_session();
    let w = api
        .session()
        .call_start_request(&mut h.store, s, "PUT", &server.url("/upload"), None, None)
        .await??;
    let piece = pattern(3 << 19);
    for _ in 0..2 {
        api.body_writer()
            .call_write(&mut h.store, w, &piece)
            .await??;
    }
    let r = api.body_writer().call_finish(&mut h.store, w).await??;
    let echo = h.json(r).await?;
    assert_eq!(echo["body_len"], 3 << 20);
    assert_eq!(echo["transfer_encoding"], "chunked");
    let mut both = piece.clone();
    both.extend_from_slice(&piece);
    assert_eq!(echo["sha256"], sha256_hex(&both));

    // A download over 1 MiB: the first piece with the head, the rest by reads.
    h.adapters().ops.clear();
    let r = h
        .get(s, &server.url(&format!("/bytes/{size}")), None)
        .await??;
    let body = h.content(r).await?;
    assert_eq!(body.len(), size);
    assert!(body == pattern(size), "the body crossed byte for byte");
    let ops = h.adapters().ops.clone();
    assert!(
        ops.iter().filter(|o| o.starts_with("read ")).count() >= 3,
        "{ops:?}"
    );

    // Streamed: nothing but the head comes with the response, the rest as read.
    let o = send(SendOptions {
        stream: Some(true),
        ..send_opts()
    });
    let r = h
        .get(s, &server.url(&format!("/stream-bytes/{size}")), o)
        .await??;
    assert_eq!(h.adapters().calls.last().expect("a call").max, 0);
    let mut got = Vec::new();
    loop {
        let chunk = response!(h, call_read_chunk, r, 1 << 20)??;
        match chunk {
            Some(chunk) => got.extend_from_slice(&chunk),
            None => break,
        }
    }
    assert!(
        got == pattern(size),
        "the streamed body crossed byte for byte"
    );

    // A streamed response dropped unread releases the adapter's body.
    let o = send(SendOptions {
        stream: Some(true),
        ..send_opts()
    });
    let r = h
        .get(s, &server.url(&format!("/bytes/{size}")), o)
        .await??;
    assert_eq!(h.adapters().open_handles(), 1);
    h.drop_resource(r).await?;
    assert_eq!(h.adapters().open_handles(), 0);

    // The harness collects uploads for an adapter that cannot stream them.
    let mut e = Harness::builder()
        .host_adapter("rec", recorder())
        .build()
        .await?;
    let es = e.session().await?;
    e.mount_host_adapter(es, "mock://", "rec").await?;
    let o = RequestOptions {
        body: Some(Body::Bytes(upload)),
        ..opts()
    };
    let r = e.post(es, "mock://x/", o).await??;
    assert_eq!(e.json(r).await?["body_len"], size);
    Ok(())
}

/// The whole of a body the guest handed over, read on the host.
async fn take_kept(h: &mut Harness, id: u64) -> Result<Vec<u8>> {
    h.adapters()
        .take_kept(id)
        .await
        .map_err(|f| anyhow::anyhow!("{f:?}"))
}

/// The JSON of a response whose body the host keeps (every body, with `keep_rest`).
async fn kept_json(h: &mut Harness, r: ResourceAny) -> Result<serde_json::Value> {
    let id = response!(h, call_take_host_body, r)?.expect("the host keeps every body");
    Ok(serde_json::from_slice(&take_kept(h, id).await?)?)
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_the_host_keeps_never_cross_into_the_guest() -> Result<()> {
    let (server, mut h, s) = pool_setup().await?;
    h.adapters().keep_rest = true;
    let size = 3 * (1 << 20) + 17;
    let reads = |h: &mut Harness| {
        let ops = &h.adapters().ops;
        ops.iter().filter(|o| o.starts_with("read ")).count()
    };

    // Not streamed, no Content-Encoding: the session leaves the body with the
    // host, which takes it whole from its adapter; the guest never read it.
    h.adapters().ops.clear();
    let url = server.url(&format!("/bytes/{size}"));
    let r = h.get(s, &url, None).await??;
    assert_eq!(reads(&mut h), 0, "{:?}", h.adapters().ops);
    assert_eq!(response!(h, call_body_size, r)?, None);
    let id = response!(h, call_take_host_body, r)?.expect("a kept body is handed over");
    let body = take_kept(&mut h, id).await?;
    assert!(
        body == pattern(size),
        "the host read the body byte for byte"
    );
    assert_eq!(reads(&mut h), 0, "{:?}", h.adapters().ops);
    assert_eq!(
        response!(h, call_take_host_body, r)?,
        None,
        "handed over once"
    );
    let err = response!(h, call_content, r)?.expect_kind(ErrorKind::StreamConsumed);
    assert!(err.message.contains("handed to the host"), "{err:?}");
    h.drop_resource(r).await?;
    assert_eq!(h.adapters().open_handles(), 0);

    // A host that does not take it still gets it through the response (by reads).
    let r = h.get(s, &url, None).await??;
    let body = h.content(r).await?;
    assert!(body == pattern(size), "read through the guest instead");
    assert!(reads(&mut h) >= 3, "{:?}", h.adapters().ops);
    assert_eq!(
        response!(h, call_take_host_body, r)?,
        None,
        "already read here"
    );
    h.drop_resource(r).await?;

    // A body to decode is the session's to read, as before: nothing to take.
    let r = h.get(s, &server.url("/gzip?pad=100000"), None).await??;
    assert_eq!(response!(h, call_take_host_body, r)?, None);
    assert_eq!(h.json(r).await?["gzipped"], true);
    h.drop_resource(r).await?;

    // Streamed: handed over too, before any read.
    let o = send(SendOptions {
        stream: Some(true),
        ..send_opts()
    });
    let r = h.get(s, &url, o).await??;
    let id = response!(h, call_take_host_body, r)?.expect("a streamed kept body");
    let body = take_kept(&mut h, id).await?;
    assert_eq!(body.len(), size);
    h.drop_resource(r).await?;
    assert_eq!(h.adapters().open_handles(), 0);

    // An upload the host writes to its adapter itself: the announced length is
    // the host's to keep; writing through the guest is refused.
    let upload = pattern(size);
    let length = Some(upload.len() as u64);
    let w = h
        .client
        .requests_http_session()
        .session()
        .call_start_request(&mut h.store, s, "PUT", &server.url("/upload"), None, length)
        .await??;
    let id = h
        .client
        .requests_http_session()
        .body_writer()
        .call_host_upload(&mut h.store, w)
        .await?
        .expect("a host adapter's upload is handed over");
    h.client
        .requests_http_session()
        .body_writer()
        .call_write(&mut h.store, w, b"x")
        .await?
        .expect_kind(ErrorKind::InvalidOption);
    for piece in upload.chunks(1 << 20) {
        h.adapters()
            .write_upload(id, piece.to_vec())
            .await
            .map_err(|f| anyhow::anyhow!("{f:?}"))?;
    }
    h.adapters().ops.clear();
    let r = h
        .client
        .requests_http_session()
        .body_writer()
        .call_finish(&mut h.store, w)
        .await??;
    assert!(
        !h.adapters().ops.iter().any(|o| o.starts_with("write ")),
        "{:?}",
        h.adapters().ops
    );
    let echo = kept_json(&mut h, r).await?;
    assert_eq!(echo["body_len"], size);
    assert_eq!(echo["sha256"], sha256_hex(&upload));

    // Once written to through the guest, an upload stays the guest's.
    let w = h
        .client
        .requests_http_session()
        .session()
        .call_start_request(&mut h.store, s, "PUT", &server.url("/upload"), None, None)
        .await??;
    h.client
        .requests_http_session()
        .body_writer()
        .call_write(&mut h.store, w, b"abc")
        .await??;
    assert_eq!(
        h.client
            .requests_http_session()
            .body_writer()
            .call_host_upload(&mut h.store, w)
            .await?,
        None
    );
    let r = h
        .client
        .requests_http_session()
        .body_writer()
        .call_finish(&mut h.store, w)
        .await??;
    assert_eq!(kept_json(&mut h, r).await?["body_len"], 3);
    Ok(())
}
