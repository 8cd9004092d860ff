//! The pooled wasi:http transport (`host_tests::pool`) under the requests component: connection
//! reuse counted at the loopback server, pool settings, and the same typed errors as the stock
//! transport for timeouts, refused connections, DNS and TLS failures.

use std::time::Duration;

use anyhow::{ensure, Result};
use host_tests::host::{
    opts, send_opts, ErrorKind, ExpectKind, Harness, RequestOptions, SendOptions, Timeout, Verify,
};
use host_tests::pool::{PoolAdapter, PoolConfig, PooledTransport};
use host_tests::server::TestServer;
use wasmtime::component::ResourceAny;

/// How many GETs the reuse tests send in one session.
const N: usize = 5;

/// `GET url`, checked for 200, body read to the end, response dropped.
async fn get_ok(h: &mut Harness, s: ResourceAny, url: &str) -> Result<()> {
    let r = h.get(s, url, None).await??;
    let status = h.status(r).await?;
    ensure!(status == 200, "GET {url}: status {status}");
    h.content(r).await?;
    h.drop_resource(r).await
}

/// New TCP connections the server accepted while one session sent `N` GETs.
async fn connections_for_n_gets(mut h: Harness) -> Result<usize> {
    let server = TestServer::start();
    let s = h.session().await?;
    let before = server.connections();
    for i in 0..N {
        get_ok(&mut h, s, &server.url(&format!("/get?i={i}"))).await?;
    }
    Ok(server.connections() - before)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pool_sends_n_gets_over_one_connection() -> Result<()> {
    let h = Harness::builder()
        .transport(PooledTransport::default())
        .build()
        .await?;
    let opened = connections_for_n_gets(h).await?;
    eprintln!("pooled transport: {N} GETs, {opened} TCP connection(s)");
    assert_eq!(opened, 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_response_kept_alive_does_not_hold_its_connection() -> Result<()> {
    // A body read into memory is read to its end, which gives the pooled
    // connection back while the caller still holds the response (as a
    // Python or JS object may for as long as it likes). A read that stopped
    // short of the end (at `Content-Length`, say) would hold it: this fails.
    let (server, mut h, s) = pooled().await?;
    let before = server.connections();
    let mut kept = Vec::new();
    for i in 0..N {
        let r = h
            .get(s, &server.url(&format!("/get?i={i}")), None)
            .await??;
        h.content(r).await?;
        kept.push(r);
    }
    assert_eq!(server.connections() - before, 1);
    for r in kept {
        ensure!(h.status(r).await? == 200);
        h.drop_resource(r).await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stock_transport_opens_a_connection_per_get() -> Result<()> {
    let opened = connections_for_n_gets(Harness::new().await?).await?;
    eprintln!("stock transport: {N} GETs, {opened} TCP connection(s)");
    assert_eq!(opened, N);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn max_idle_zero_turns_pooling_off() -> Result<()> {
    let pool = PoolConfig::default().max_idle_per_host(0).build();
    let h = Harness::builder().transport(pool).build().await?;
    assert_eq!(connections_for_n_gets(h).await?, N);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn one_pool_serves_several_instances() -> Result<()> {
    let server = TestServer::start();
    let pool = PooledTransport::default();
    let mut a = Harness::builder().transport(pool.clone()).build().await?;
    let mut b = Harness::builder().transport(pool.clone()).build().await?;
    let (sa, sb) = (a.session().await?, b.session().await?);
    for _ in 0..3 {
        get_ok(&mut a, sa, &server.url("/get")).await?;
        get_ok(&mut b, sb, &server.url("/get")).await?;
    }
    assert_eq!(server.connections(), 1);
    Ok(())
}

/// An instance of the host build whose `http://` URLs go through `adapter` (as `pool`).
async fn on_pool_adapter(adapter: &PoolAdapter) -> Result<(Harness, ResourceAny)> {
    let mut h = Harness::builder()
        .host_adapter("pool", adapter.clone())
        .build()
        .await?;
    let s = h.session().await?;
    h.mount_host_adapter(s, "http://", "pool").await?;
    Ok((h, s))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pool_adapter_reuses_connections_across_instances_and_settings() -> Result<()> {
    let server = TestServer::start();
    let adapter = PoolAdapter::default();
    let (mut a, sa) = on_pool_adapter(&adapter).await?;
    let (mut b, sb) = on_pool_adapter(&adapter).await?;
    // TLS settings do not split the pool of http URLs (they have no TLS).
    let lax = RequestOptions {
        send: Some(SendOptions {
            verify: Some(Verify::Disabled),
            ..send_opts()
        }),
        ..opts()
    };
    for _ in 0..3 {
        get_ok(&mut a, sa, &server.url("/get")).await?;
        get_ok(&mut b, sb, &server.url("/get")).await?;
        let r = a.get(sa, &server.url("/get"), lax.clone()).await??;
        a.content(r).await?;
    }
    assert_eq!(server.connections(), 1);
    assert_eq!(adapter.pools(), 1);
    assert_eq!(a.adapters().calls.len(), 6);
    assert_eq!(b.adapters().calls.len(), 3);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pool_adapter_turns_pool_failures_into_typed_errors() -> Result<()> {
    let server = TestServer::start();
    let adapter = PoolConfig::default().max_idle_per_host(0);
    let adapter = PoolAdapter::new(adapter);
    let (mut h, s) = on_pool_adapter(&adapter).await?;
    let err = h
        .get(s, &server.url("/delay/3000"), read_timeout(150))
        .await?
        .expect_kind(ErrorKind::ReadTimeout);
    assert_eq!(err.url.as_deref(), Some(server.url("/delay/3000").as_str()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let err = h
        .get(s, &url, None)
        .await?
        .expect_kind(ErrorKind::ConnectionRefused);
    assert!(err.message.ends_with(&format!("({url})")), "{err:?}");
    // Without idle connections kept, every request opened its own.
    let before = server.connections();
    for _ in 0..2 {
        get_ok(&mut h, s, &server.url("/get")).await?;
    }
    assert_eq!(server.connections() - before, 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_connection_is_closed_after_the_idle_timeout() -> Result<()> {
    let server = TestServer::start();
    let pool = PoolConfig::default()
        .idle_timeout(Some(Duration::from_millis(200)))
        .build();
    let mut h = Harness::builder().transport(pool).build().await?;
    let s = h.session().await?;
    get_ok(&mut h, s, &server.url("/get")).await?;
    get_ok(&mut h, s, &server.url("/get")).await?;
    assert_eq!(server.connections(), 1);
    tokio::time::sleep(Duration::from_millis(600)).await;
    get_ok(&mut h, s, &server.url("/get")).await?;
    assert_eq!(server.connections(), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn request_bodies_go_through_the_pool() -> Result<()> {
    let server = TestServer::start();
    let mut h = Harness::builder()
        .transport(PooledTransport::default())
        .build()
        .await?;
    let s = h.session().await?;
    for i in 0..3 {
        let o = RequestOptions {
            body: Some(host_tests::host::Body::Json(format!("{{\"i\": {i}}}"))),
            ..opts()
        };
        let r = h.post(s, &server.url("/post"), o).await??;
        let body = h.json(r).await?;
        assert_eq!(body["json"]["i"], i, "{body}");
        h.drop_resource(r).await?;
    }
    assert_eq!(server.connections(), 1);
    Ok(())
}

/// A session on the pooled transport, with its server.
async fn pooled() -> Result<(TestServer, Harness, ResourceAny)> {
    let server = TestServer::start();
    let mut h = Harness::builder()
        .transport(PooledTransport::default())
        .build()
        .await?;
    let s = h.session().await?;
    Ok((server, h, s))
}

fn read_timeout(ms: u32) -> RequestOptions {
    RequestOptions {
        send: Some(SendOptions {
            timeout: Some(Timeout {
                connect_ms: Some(1000),
                read_ms: Some(ms),
            }),
            ..send_opts()
        }),
        ..opts()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_server_is_a_read_timeout() -> Result<()> {
    let (server, mut h, s) = pooled().await?;
    // Warm the pool, so the timed-out request runs on a reused connection.
    get_ok(&mut h, s, &server.url("/get")).await?;
    let err = h
        .get(s, &server.url("/delay/3000"), read_timeout(150))
        .await?
        .unwrap_err();
    assert!(err.kind == ErrorKind::ReadTimeout, "{err:?}");
    // The abandoned connection is not handed out again; the session keeps working.
    get_ok(&mut h, s, &server.url("/get")).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delay_shorter_than_the_read_timeout_is_no_timeout() -> Result<()> {
    // The first-byte timer starts once the request has a connection and is
    // not left armed afterwards: a delay under the read timeout succeeds.
    let (server, mut h, s) = pooled().await?;
    let r = h
        .get(s, &server.url("/delay/100"), read_timeout(1000))
        .await??;
    assert_eq!(h.status(r).await?, 200);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stall_between_body_bytes_is_a_read_timeout() -> Result<()> {
    let (server, mut h, s) = pooled().await?;
    let err = h
        .get(
            s,
            &server.url("/drip?numbytes=3&delay_ms=1000"),
            read_timeout(150),
        )
        .await?
        .unwrap_err();
    // As with the stock transport: wasmtime-wasi-http 48 does not hand a body
    // stream's error-code to the guest, which then sees a connection error.
    assert!(
        matches!(err.kind, ErrorKind::ReadTimeout | ErrorKind::Connection),
        "{err:?}"
    );
    get_ok(&mut h, s, &server.url("/get")).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_port_is_connection_refused() -> Result<()> {
    let (server, mut h, s) = pooled().await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let err = h.get(s, &url, None).await?.unwrap_err();
    assert!(
        err.kind == ErrorKind::ConnectionRefused && err.message.contains(&url),
        "{err:?}"
    );
    get_ok(&mut h, s, &server.url("/get")).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn https_to_a_plain_http_port_is_a_tls_error() -> Result<()> {
    let (server, mut h, s) = pooled().await?;
    let url = format!("https://127.0.0.1:{}/get", server.port());
    let err = h.get(s, &url, None).await?.unwrap_err();
    assert!(err.kind == ErrorKind::Tls, "{err:?}");
    Ok(())
}
