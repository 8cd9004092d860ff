//! Tests that drive the requests component inside wasmtime against the loopback fixture server.
//!
//! One test binary: the engine and compiled component are shared; each test
//! gets its own store, instance, session and server.

use anyhow::Result;
use host_tests::host::{
    opts, send_opts, Error, ErrorKind, ExpectKind, Harness, RequestOptions, SendOptions,
};
use host_tests::server::TestServer;
use wasmtime::component::ResourceAny;

/// `session!(h, call_x, s, args...)`: a `session` method, awaited, trap-checked.
macro_rules! session {
    ($h:ident, $call:ident $(, $arg:expr)* $(,)?) => {
        $h.client.requests_http_session().session().$call(&mut $h.store $(, $arg)*).await
    };
}

/// `response!(h, call_x, r, args...)`: a `response` method.
macro_rules! response {
    ($h:ident, $call:ident $(, $arg:expr)* $(,)?) => {
        $h.client.requests_http_types().response().$call(&mut $h.store $(, $arg)*).await
    };
}

/// `adapter!(h, call_x, args...)`: an `adapter` method or static function.
macro_rules! adapter {
    ($h:ident, $call:ident $(, $arg:expr)* $(,)?) => {
        $h.client.requests_http_types().adapter().$call(&mut $h.store $(, $arg)*).await
    };
}

/// `prepared!(h, call_x, p, args...)`: a `prepared-request` method.
macro_rules! prepared {
    ($h:ident, $call:ident $(, $arg:expr)* $(,)?) => {
        $h.client.requests_http_types().prepared_request().$call(&mut $h.store $(, $arg)*).await
    };
}

mod adapters;
mod auth;
mod basics;
mod bodies;
mod cookies;
mod digest;
mod errors;
mod hooks;
mod host_adapter_bodies;
mod host_adapters;
mod hostile;
mod redirects;
mod requests_extras;
mod sockets;
mod tls;

/// A server, an instance and a session with the default settings.
async fn setup() -> Result<(TestServer, Harness, ResourceAny)> {
    let server = TestServer::start();
    let mut h = Harness::new().await?;
    let s = h.session().await?;
    Ok((server, h, s))
}

/// `pairs(&[("a", "1")])` as owned pairs.
fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Options with these per-request headers (`None` removes a session header).
fn with_headers(h: &[(&str, Option<&str>)]) -> RequestOptions {
    RequestOptions {
        headers: Some(
            h.iter()
                .map(|(n, v)| (n.to_string(), v.map(str::to_string)))
                .collect(),
        ),
        ..opts()
    }
}

/// GETs `path`, insisting on success, and returns the echoed JSON.
async fn get_json(
    h: &mut Harness,
    s: ResourceAny,
    server: &TestServer,
    path: &str,
) -> Result<serde_json::Value> {
    let r = h.get(s, &server.url(path), None).await??;
    h.json(r).await
}

/// After an error, the session must still send requests.
async fn assert_still_works(h: &mut Harness, s: ResourceAny, server: &TestServer) -> Result<()> {
    let r = h.get(s, &server.url("/get?after=error"), None).await?;
    let r = r.map_err(|e| anyhow::anyhow!("the session broke after an error: {e:?}"))?;
    assert_eq!(h.status(r).await?, 200);
    Ok(())
}
