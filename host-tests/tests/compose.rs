//! The composed component: `examples/compose` (which imports `requests:http/session`) with the
//! session component plugged in by `build.rs` (`wac-graph`, as `wac plug` does), run in wasmtime
//! against the loopback fixture server. Only `wasi:*` imports remain, so the stock WASI p2 and
//! wasi:http host implementations are all it needs.

use std::sync::OnceLock;

use anyhow::{Context as _, Result};
use host_tests::host::{engine, StockTransport};
use host_tests::server::TestServer;
use serde_json::Value;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::Store;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Bindings for world `fetcher` in `examples/compose/wit/world.wit`.
///
/// Only the exports are used: the world's `requests:http/session` import is what composition
/// removed, so nothing is added to the linker for it. Exports are async because the wasi:http
/// host functions the composed component reaches are.
mod bindings {
    wasmtime::component::bindgen!({
        path: "../examples/compose/wit",
        world: "fetcher",
        exports: { default: async },
    });
}

use bindings::{Fetcher, FetcherPre};

/// The consumer component alone, built by `build.rs`.
const CONSUMER_PATH: &str = env!("COMPOSE_CONSUMER_WASM");
/// The consumer with the session component plugged in, composed by `build.rs`.
const COMPOSED_PATH: &str = env!("COMPOSE_COMPOSED_WASM");

/// Store data: WASI and wasi:http contexts over one resource table, stock transport.
struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: StockTransport,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// Compiles a component with the harness's shared engine.
fn compile(path: &str) -> Result<Component> {
    Component::from_file(engine(), path)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compiling {path}"))
}

/// Runs `init` once per process and caches its outcome (errors as text: they are not `Clone`).
fn cached<T>(
    cell: &'static OnceLock<Result<T, String>>,
    init: impl FnOnce() -> Result<T>,
) -> Result<&'static T> {
    cell.get_or_init(|| init().map_err(|e| format!("{e:?}")))
        .as_ref()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The composed component, compiled once per test binary.
fn composed() -> Result<&'static Component> {
    static COMPOSED: OnceLock<Result<Component, String>> = OnceLock::new();
    cached(&COMPOSED, || compile(COMPOSED_PATH))
}

/// The composed component linked against WASI p2 and wasi:http only (nothing for
/// `requests:http`), type-checked against world `fetcher`'s exports, once.
fn fetcher_pre() -> Result<&'static FetcherPre<State>> {
    static PRE: OnceLock<Result<FetcherPre<State>, String>> = OnceLock::new();
    cached(&PRE, || {
        let mut linker = Linker::new(engine());
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        let pre = linker
            .instantiate_pre(composed()?)
            .map_err(anyhow::Error::from)
            .context("linking the composed component with WASI p2 and wasi:http only")?;
        Ok(FetcherPre::new(pre)?)
    })
}

/// A fresh store and instance of the composed component.
async fn instance() -> Result<(Store<State>, Fetcher)> {
    let state = State {
        wasi: WasiCtx::builder().build(),
        http: WasiHttpCtx::new(),
        table: ResourceTable::new(),
        hooks: StockTransport,
    };
    let mut store = Store::new(engine(), state);
    let fetcher = fetcher_pre()?.instantiate_async(&mut store).await?;
    Ok((store, fetcher))
}

/// `fetch.fetch-json(url)` in a fresh instance.
async fn fetch_json(url: &str) -> Result<Result<String, String>> {
    let (mut store, fetcher) = instance().await?;
    Ok(fetcher
        .example_fetcher_fetch()
        .call_fetch_json(&mut store, url)
        .await?)
}

/// The names a component imports, in order.
fn import_names(component: &Component) -> Vec<String> {
    component
        .component_type()
        .imports(engine())
        .map(|(name, _)| name.to_string())
        .collect()
}

#[test]
fn composition_leaves_only_wasi_imports() -> Result<()> {
    let consumer = import_names(&compile(CONSUMER_PATH)?);
    assert!(
        consumer.iter().any(|n| n == "requests:http/session@0.2.0"),
        "the consumer alone should import the session API: {consumer:?}"
    );

    let composed = composed()?;
    let imports = import_names(composed);
    assert!(
        !imports.iter().any(|n| n.starts_with("requests:http/")),
        "the composed component still imports the session API: {imports:?}"
    );
    assert!(
        imports.iter().all(|n| n.starts_with("wasi:")),
        "only wasi imports should remain: {imports:?}"
    );
    assert!(
        imports
            .iter()
            .any(|n| n == "wasi:http/outgoing-handler@0.2.12"),
        "the plugged-in session sends over wasi:http: {imports:?}"
    );

    let exports: Vec<String> = composed
        .component_type()
        .exports(engine())
        .map(|(name, item)| {
            assert!(
                matches!(item.ty, ComponentItem::ComponentInstance(_)),
                "{name}"
            );
            name.to_string()
        })
        .collect();
    assert_eq!(exports, ["example:fetcher/fetch@0.1.0"]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_json_returns_the_json_text() -> Result<()> {
    let server = TestServer::start();
    let text = fetch_json(&server.url("/json"))
        .await?
        .map_err(anyhow::Error::msg)?;
    let doc: Value = serde_json::from_str(&text).with_context(|| text.clone())?;
    assert_eq!(doc["slideshow"]["title"], "Sample Slide Show", "{text}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_json_sends_the_session_headers_and_its_own() -> Result<()> {
    let server = TestServer::start();
    let text = fetch_json(&server.url("/get?q=1"))
        .await?
        .map_err(anyhow::Error::msg)?;
    let doc: Value = serde_json::from_str(&text)?;
    // Set by the consumer with `session.set-header`.
    assert_eq!(doc["headers"]["accept"], "application/json", "{text}");
    // The session component's defaults: it is the one that sent the request.
    assert_eq!(
        doc["headers"]["user-agent"], "requests-component/0.2.0",
        "{text}"
    );
    assert_eq!(doc["args"]["q"], "1", "{text}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_404_is_a_readable_error() -> Result<()> {
    let server = TestServer::start();
    let url = server.url("/status/404");
    let err = fetch_json(&url).await?.unwrap_err();
    assert_eq!(
        err,
        format!("HTTP error: 404 Client Error: Not Found for url: {url}")
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_is_not_json_is_a_readable_error() -> Result<()> {
    let server = TestServer::start();
    let err = fetch_json(&server.url("/not-json")).await?.unwrap_err();
    assert!(err.starts_with("response is not JSON: "), "{err}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_port_is_a_connection_error() -> Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}/json");
    let err = fetch_json(&url).await?.unwrap_err();
    assert_eq!(
        err,
        format!("connection refused: the server refused the connection ({url})")
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_url_without_scheme_is_a_readable_error() -> Result<()> {
    let err = fetch_json("127.0.0.1/json").await?.unwrap_err();
    assert_eq!(
        err,
        "missing scheme: Invalid URL \"127.0.0.1/json\": No scheme supplied. \
         Perhaps you meant https://127.0.0.1/json?"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_keeps_cookies_across_two_requests() -> Result<()> {
    let server = TestServer::start();
    let (mut store, fetcher) = instance().await?;
    let text = fetcher
        .example_fetcher_fetch()
        .call_get_with_cookies(
            &mut store,
            &server.url("/cookies/set?flavor=oatmeal"),
            &server.url("/cookies"),
        )
        .await?
        .map_err(anyhow::Error::msg)?;
    let doc: Value = serde_json::from_str(&text)?;
    assert_eq!(doc["cookies"]["flavor"], "oatmeal", "{text}");

    // A fresh session (the next call) starts with an empty jar.
    let text = fetcher
        .example_fetcher_fetch()
        .call_get_with_cookies(&mut store, &server.url("/get"), &server.url("/cookies"))
        .await?
        .map_err(anyhow::Error::msg)?;
    let doc: Value = serde_json::from_str(&text)?;
    assert_eq!(doc["cookies"], serde_json::json!({}), "{text}");
    Ok(())
}
