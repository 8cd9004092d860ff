//! The sockets adapter (`adapter.sockets`, world `client-with-sockets`): the guest's own
//! HTTP/1.1 client over `wasi:sockets`, run in wasmtime with a network restricted to loopback,
//! against real loopback servers: connection pooling ([`pool`]), TLS with certificates made at
//! run time ([`tls`]), a real forward proxy, tinyproxy ([`proxy`]), what `trust-env` reads
//! ([`env`]), and timeouts and connection errors ([`errors`]).
//!
//! Nothing here asserts a duration: timeouts are short so the tests are quick, and every
//! assertion is about what happened (a kind of error, connections counted by the server,
//! requests the server read).

use std::time::Duration;

use super::*;
use host_tests::host::{with_send, AdapterKind, SocketsOptions, Timeout};

mod certs;
mod env;
mod errors;
mod pool;
mod proxy;
mod servers;
mod tinyproxy;
mod tls;

/// An instance of the sockets build and a session with `adapter.sockets(options)` mounted on
/// `http://` and `https://` (`mount-http`); returns the harness, the session and the adapter.
async fn sockets_session(
    options: Option<SocketsOptions>,
) -> Result<(Harness, ResourceAny, ResourceAny)> {
    let h = Harness::builder().sockets().build().await?;
    with_sockets_session(h, options).await
}

/// [`sockets_session`] on a harness built by the caller (with a preopened directory, ...).
async fn with_sockets_session(
    mut h: Harness,
    options: Option<SocketsOptions>,
) -> Result<(Harness, ResourceAny, ResourceAny)> {
    let s = h.session().await?;
    let adapter = h.mount_sockets_adapter(s, options).await?;
    Ok((h, s, adapter))
}

/// Sockets options with every setting at its default.
fn pool_options() -> SocketsOptions {
    SocketsOptions {
        timeout: None,
        max_idle_per_host: None,
        max_idle: None,
        idle_timeout_ms: None,
    }
}

/// A timeout of `connect_ms` and `read_ms`.
fn timeout(connect_ms: Option<u32>, read_ms: Option<u32>) -> Timeout {
    Timeout {
        connect_ms,
        read_ms,
    }
}

/// GETs `url` and insists on a 200; returns the JSON body.
async fn get_ok(
    h: &mut Harness,
    s: ResourceAny,
    url: &str,
    options: impl Into<Option<RequestOptions>>,
) -> Result<serde_json::Value> {
    let r = h
        .get(s, url, options)
        .await?
        .map_err(|e| anyhow::anyhow!("GET {url} failed: {e:?}"))?;
    let status = h.status(r).await?;
    anyhow::ensure!(status == 200, "GET {url}: status {status}");
    h.json(r).await
}

/// After an error, the session must still send requests through the sockets adapter.
async fn still_works(h: &mut Harness, s: ResourceAny, server: &TestServer) -> Result<()> {
    let url = server.url("/get?after=error");
    let r = h.get(s, &url, None).await?;
    let r = r.map_err(|e| anyhow::anyhow!("the session broke after an error: {e:?}"))?;
    assert_eq!(h.status(r).await?, 200);
    Ok(())
}

/// Asserts that `result` is an error of one of `kinds`, naming what it got otherwise.
#[track_caller]
fn expect_one_of<T: std::fmt::Debug>(result: Result<T, Error>, kinds: &[ErrorKind]) -> Error {
    match result {
        Err(err) if kinds.contains(&err.kind) => err,
        Err(err) => panic!("expected an error of kind {kinds:?}, got {err:?}"),
        Ok(value) => panic!("expected an error of kind {kinds:?}, got Ok({value:?})"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sockets_adapter_is_unsupported_without_the_feature() -> Result<()> {
    for build in [
        host_tests::host::Build::Plain,
        host_tests::host::Build::Host,
    ] {
        let mut h = Harness::builder().build_of(build).build().await?;
        let err = h
            .sockets_adapter(Some(pool_options()))
            .await?
            .expect_kind(ErrorKind::Unsupported);
        assert!(
            err.message.contains("client-with-sockets"),
            "{build:?}: the message should name the world to use: {err:?}"
        );
        // The session and its default adapter are untouched.
        let server = TestServer::start();
        let s = h.session().await?;
        still_works(&mut h, s, &server).await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn mount_http_mounts_any_adapter_on_both_schemes() -> Result<()> {
    // The plain build: mount-http is the session's, not the sockets adapter's.
    let mut h = Harness::new().await?;
    let s = h.session().await?;
    let canned = host_tests::host::CannedResponse {
        status: 200,
        headers: pairs(&[("Content-Type", "application/json")]),
        body: br#"{"from": "scripted"}"#.to_vec(),
    };
    let mock = adapter!(h, call_scripted, &[canned.clone(), canned])??;
    h.mount_http(s, mock).await??;
    for url in ["http://example.test/a", "https://example.test/b"] {
        let found = session!(h, call_get_adapter, s, url)??;
        assert_eq!(
            adapter!(h, call_kind, found)?,
            AdapterKind::Scripted,
            "{url}"
        );
        let r = h.get(s, url, None).await??;
        assert_eq!(h.json(r).await?, serde_json::json!({"from": "scripted"}));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn mount_http_puts_the_sockets_adapter_on_both_schemes() -> Result<()> {
    let (mut h, s, adapter) = sockets_session(None).await?;
    assert_eq!(adapter!(h, call_kind, adapter)?, AdapterKind::Sockets);
    for url in [
        "http://example.test/",
        "https://example.test/",
        "HTTPS://x.test/",
    ] {
        let found = session!(h, call_get_adapter, s, url)??;
        assert_eq!(
            adapter!(h, call_kind, found)?,
            AdapterKind::Sockets,
            "{url}"
        );
    }
    Ok(())
}
