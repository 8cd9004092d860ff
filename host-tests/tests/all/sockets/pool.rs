//! Keep-alive: requests reuse pooled connections (counted by the servers), sessions share an
//! adapter's pool, `max-idle-per-host = 0` keeps none; a connection the server closed while idle,
//! or that fails once reused, is replaced, but a request that is not idempotent is never sent twice.

use super::servers::{Mode, RawServer};
use super::*;
use host_tests::host::Body;

#[tokio::test(flavor = "multi_thread")]
async fn one_session_sends_every_request_over_one_connection() -> Result<()> {
    let server = TestServer::start();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    for n in 0..5 {
        let json = get_ok(&mut h, s, &server.url(&format!("/get?n={n}")), None).await?;
        assert_eq!(json["args"]["n"], n.to_string(), "{json}");
    }
    // A body in each direction keeps the connection in step too.
    let posted = RequestOptions {
        body: Some(Body::Json(r#"{"k": [1, 2, 3]}"#.into())),
        ..opts()
    };
    let r = h.post(s, &server.url("/post"), posted).await??;
    assert_eq!(h.status(r).await?, 200);
    assert_eq!(
        h.json(r).await?["json"],
        serde_json::json!({"k": [1, 2, 3]})
    );
    let r = h.get(s, &server.url("/bytes/70000"), None).await??;
    assert_eq!(h.content(r).await?.len(), 70000);
    get_ok(&mut h, s, &server.url("/get?last=1"), None).await?;
    assert_eq!(
        server.connections(),
        1,
        "8 requests from one session should share one kept-alive connection"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_mounting_one_adapter_share_its_connections() -> Result<()> {
    let server = TestServer::start();
    let (mut h, first, adapter) = sockets_session(None).await?;
    let second = h.session().await?;
    h.mount_http(second, adapter).await??;
    for round in 0..3 {
        for s in [first, second] {
            get_ok(&mut h, s, &server.url(&format!("/get?round={round}")), None).await?;
        }
    }
    assert_eq!(
        server.connections(),
        1,
        "two sessions mounting the same adapter share its pool"
    );
    // Another adapter has a pool of its own.
    let third = h.session().await?;
    h.mount_sockets_adapter(third, None).await?;
    get_ok(&mut h, third, &server.url("/get?other=adapter"), None).await?;
    assert_eq!(server.connections(), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn max_idle_per_host_zero_opens_a_connection_per_request() -> Result<()> {
    let server = TestServer::start();
    let options = SocketsOptions {
        max_idle_per_host: Some(0),
        ..pool_options()
    };
    let (mut h, s, _adapter) = sockets_session(Some(options)).await?;
    for n in 0..4 {
        get_ok(&mut h, s, &server.url(&format!("/get?n={n}")), None).await?;
    }
    assert_eq!(server.connections(), 4, "no connection is kept idle");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_streamed_body_read_to_its_end_gives_the_connection_back() -> Result<()> {
    let server = TestServer::start();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    let streamed = with_send(SendOptions {
        stream: Some(true),
        ..send_opts()
    });
    let r = h
        .get(
            s,
            &server.url("/stream-bytes/50000?chunk_size=4096"),
            streamed,
        )
        .await??;
    let mut total = 0;
    while let Some(chunk) = response!(h, call_read_chunk, r, 8192)?? {
        total += chunk.len();
    }
    assert_eq!(total, 50000);
    get_ok(&mut h, s, &server.url("/get?after=stream"), None).await?;
    assert_eq!(server.connections(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_streamed_body_left_unread_does_not_corrupt_the_next_response() -> Result<()> {
    let server = TestServer::start();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    let streamed = with_send(SendOptions {
        stream: Some(true),
        ..send_opts()
    });
    for path in ["/bytes/200000", "/stream-bytes/200000?chunk_size=1000"] {
        let r = h.get(s, &server.url(path), streamed.clone()).await??;
        let first = response!(h, call_read_chunk, r, 10)??.expect("a first chunk");
        assert_eq!(first, (0..10u8).collect::<Vec<_>>(), "{path}");
        h.drop_resource(r).await?;
        // The next request must get its own response, whatever the pool did with the
        // connection that still had the rest of that body.
        let json = get_ok(&mut h, s, &server.url("/get?after=unread"), None).await?;
        assert_eq!(json["args"]["after"], "unread", "{json}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_get_after_the_server_closed_an_idle_connection_succeeds() -> Result<()> {
    let server = RawServer::start(Mode::KeepAlive {
        idle_close: Some(Duration::from_millis(100)),
    });
    let (mut h, s, _adapter) = sockets_session(None).await?;
    get_ok(&mut h, s, &server.url("/first"), None).await?;
    // The server closes the pooled connection while it is idle.
    server.wait_for_idle_closes(1);
    let json = get_ok(&mut h, s, &server.url("/second"), None).await?;
    assert_eq!(json["conn"], 2, "{json}");
    assert_eq!(server.connections(), 2);
    assert_eq!(server.seen_with("/second").len(), 1, "{:?}", server.seen());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_get_that_fails_on_a_reused_connection_is_retried_once_on_a_new_one() -> Result<()> {
    // Each connection answers its first request and drops its second unanswered.
    let server = RawServer::start(Mode::DropSecond);
    let (mut h, s, _adapter) = sockets_session(None).await?;
    get_ok(&mut h, s, &server.url("/first"), None).await?;
    let json = get_ok(&mut h, s, &server.url("/again"), None).await?;
    let again = server.seen_with("/again");
    let shape: Vec<_> = again.iter().map(|s| (s.conn, s.nth, s.answered)).collect();
    assert_eq!(
        shape,
        vec![(1, 2, false), (2, 1, true)],
        "the GET dropped on the reused connection is sent once more, on a new connection"
    );
    assert_eq!(json["conn"], 2, "{json}");
    assert_eq!(server.connections(), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_that_fails_on_a_reused_connection_is_not_sent_again() -> Result<()> {
    let server = RawServer::start(Mode::DropSecond);
    let fallback = TestServer::start();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    let post = |text: &str| RequestOptions {
        body: Some(Body::Text(text.into())),
        ..opts()
    };
    let r = h.post(s, &server.url("/post-1"), post("first")).await??;
    assert_eq!(h.status(r).await?, 200);
    // The server reads this one whole and closes without answering: it may have acted on it.
    let result = h.post(s, &server.url("/post-2"), post("second")).await?;
    let seen = server.seen_with("/post-2");
    assert_eq!(
        seen.len(),
        1,
        "a POST the server read must not be sent again: {seen:?}"
    );
    assert_eq!(
        (seen[0].method.as_str(), &seen[0].body[..]),
        ("POST", &b"second"[..])
    );
    let err = result.expect_kind(ErrorKind::Connection);
    assert!(
        err.url.as_deref() == Some(server.url("/post-2").as_str()),
        "{err:?}"
    );
    still_works(&mut h, s, &fallback).await?;
    // And the server itself is reached again on a new connection.
    get_ok(&mut h, s, &server.url("/after"), None).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_after_the_server_closed_an_idle_connection_is_sent_at_most_once() -> Result<()> {
    let server = RawServer::start(Mode::KeepAlive {
        idle_close: Some(Duration::from_millis(100)),
    });
    let fallback = TestServer::start();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    let post = |text: &str| RequestOptions {
        body: Some(Body::Text(text.into())),
        ..opts()
    };
    let r = h.post(s, &server.url("/post-1"), post("first")).await??;
    assert_eq!(h.status(r).await?, 200);
    server.wait_for_idle_closes(1);
    let result = h.post(s, &server.url("/post-2"), post("second")).await?;
    let seen = server.seen_with("/post-2");
    match result {
        // The closed connection was noticed before anything was written to it.
        Ok(r) => {
            assert_eq!(h.status(r).await?, 200);
            assert_eq!(seen.len(), 1, "{seen:?}");
        }
        // Or the POST went out on it, and fails rather than being sent again.
        Err(err) => {
            assert_eq!(err.kind, ErrorKind::Connection, "{err:?}");
            assert!(seen.is_empty(), "{seen:?}");
        }
    }
    still_works(&mut h, s, &fallback).await?;
    Ok(())
}
