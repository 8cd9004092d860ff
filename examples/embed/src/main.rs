//! The smallest complete wasmtime embedding of the requests component, sending
//! over a wasi:http transport that keeps connections alive ([`PooledTransport`]).
//!
//! ```text
//! cargo run -p embed-example                                  # GETs /get from a loopback server it starts
//! cargo run -p embed-example -- http://127.0.0.1:8080/get     # GETs that URL instead
//! cargo run -p embed-example -- URL path/to/requests_component.wasm
//! ```
//!
//! To embed the component in your own host, copy this file, `wit/` (for
//! `bindgen!`) and `host-tests/src/pool/` (the transport), and depend on
//! wasmtime, wasmtime-wasi and wasmtime-wasi-http 48, tokio and anyhow.

use anyhow::{anyhow, Context as _, Result};
use host_tests::pool::PooledTransport;
use host_tests::server::TestServer;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

// Rust bindings for world `client` (wit/world.wit): its `session` and `types`
// exports, and its wasi imports mapped to the types wasmtime-wasi and
// wasmtime-wasi-http already implement. Exports are async because the
// wasi:http host functions are.
wasmtime::component::bindgen!({
    path: "../../wit",
    world: "client",
    exports: { default: async },
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
    },
});
use exports::requests::http::types::RequestOptions;

/// What each store holds: the WASI and wasi:http contexts, their resource
/// table, and the transport that wasi:http requests go through.
struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    transport: PooledTransport,
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
            // The one line that swaps wasmtime's connection-per-request
            // transport for the pool.
            hooks: &mut self.transport,
        }
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    // Arguments, in any order: a URL, and a component path ending in `.wasm`.
    // Without a URL, a loopback httpbin-like server answers (and counts connections).
    let mut component_path = host_tests::host::COMPONENT_PATH.to_string();
    let mut url = None;
    for arg in std::env::args().skip(1) {
        if arg.ends_with(".wasm") {
            component_path = arg;
        } else {
            url = Some(arg);
        }
    }
    let server = url.is_none().then(TestServer::start);
    let url = url.unwrap_or_else(|| server.as_ref().expect("started").url("/get"));

    // 1. Compile the component, once per process. (wasmtime 48 has its own
    //    error type; `?` turns it into an anyhow error.)
    let engine = Engine::new(Config::new().wasm_component_model(true))?;
    let component = Component::from_file(&engine, &component_path)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("loading {component_path}"))?;

    // 2. Link all of WASI p2 (a Rust guest's std imports wasi:cli, wasi:filesystem, ...)
    //    plus wasi:http, and type-check the component against them, once.
    let mut linker = Linker::<State>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    let pre = ClientPre::new(linker.instantiate_pre(&component)?)?;

    // 3. One connection pool for the process; every store gets a cheap clone.
    let pool = PooledTransport::default();

    // 4. A store and an instance. The guest sees no environment variables and
    //    no files; its stdout and stderr are the host's.
    let state = State {
        wasi: WasiCtx::builder().inherit_stdio().build(),
        http: WasiHttpCtx::new(),
        table: ResourceTable::new(),
        transport: pool.clone(),
    };
    let mut store = Store::new(&engine, state);
    let client = pre.instantiate_async(&mut store).await?;

    // 5. A session, and three GETs through it. Each export call returns
    //    `Result<Result<T, Error>>`: the outer one is a trap, the inner one the
    //    component's typed `error`.
    let session = client.requests_http_session().session();
    let response = client.requests_http_types().response();
    let s = session.call_constructor(&mut store).await?;
    for i in 1..=3 {
        let r = session
            .call_get(&mut store, s, &url, &no_options())
            .await?
            .map_err(|e| anyhow!("GET {url}: {e:?}"))?;
        let status = response.call_status(&mut store, r).await?;
        let body = response
            .call_text(&mut store, r)
            .await?
            .map_err(|e| anyhow!("reading the body: {e:?}"))?;
        println!("GET {url} -> {status} ({} bytes)", body.len());
        if i == 1 {
            println!("{body}");
        }
        // Handles the host owns are dropped explicitly.
        r.resource_drop_async(&mut store).await?;
    }
    s.resource_drop_async(&mut store).await?;

    if let Some(server) = &server {
        println!(
            "3 requests, {} TCP connection(s) accepted by the server",
            server.connections()
        );
    }
    Ok(())
}

/// Request options that inherit every setting from the session.
fn no_options() -> RequestOptions {
    RequestOptions {
        params: None,
        headers: None,
        cookies: None,
        body: None,
        auth: None,
        timeout: None,
        allow_redirects: None,
        stream: None,
        verify: None,
        cert: None,
        proxies: None,
        hooks: None,
    }
}
