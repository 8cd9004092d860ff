//! The smallest complete wasmtime embedding of the requests component, sending
//! over a wasi:http transport that keeps connections alive ([`PooledTransport`]).
//!
//! ```text
//! cargo run -p embed-example                                  # GETs /get from a loopback server it starts
//! cargo run -p embed-example -- http://127.0.0.1:8080/get     # GETs that URL instead
//! cargo run -p embed-example -- URL path/to/requests_component.wasm
//! ```
//!
//! To embed the component in your own host, copy this file, `cache.rs` (the
//! compiled component kept on disk), `wit/` (for `bindgen!`) and
//! `host-tests/src/pool/` (the transport), and depend on wasmtime (with its
//! `parallel-compilation` feature), wasmtime-wasi and wasmtime-wasi-http 48,
//! tokio and anyhow.

mod cache;

use anyhow::{anyhow, Result};
use host_tests::pool::PooledTransport;
use host_tests::server::TestServer;
use wasmtime::component::{Linker, ResourceTable};
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

// One instance, driven by one task: a current-thread runtime runs it without
// the cross-thread wake-ups of a multi-thread one. (Hosts that run many
// instances at once spread them over a multi-thread runtime.)
#[tokio::main(flavor = "current_thread")]
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

    // 1. Compile the component, once per process, with Cranelift compiling
    //    functions on every core; or load the code compiled by an earlier run
    //    (cache.rs). (wasmtime 48 has its own error type; `?` turns it into an
    //    anyhow error.)
    let mut config = Config::new();
    config.wasm_component_model(true).parallel_compilation(true);
    let engine = Engine::new(&config)?;
    let component = cache::load(&engine, &component_path, &cache::dir()?)?;

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
    //    component's `error` record (a `kind` to match on, and a `message`).
    //    `None` options: a plain GET with the session's settings.
    let session = client.requests_http_session().session();
    let response = client.requests_http_types().response();
    let s = session.call_constructor(&mut store).await?;
    for i in 1..=3 {
        let r = session
            .call_get(&mut store, s, &url, None)
            .await?
            .map_err(|e| anyhow!("GET {url}: {}", e.message))?;
        let status = response.call_status(&mut store, r).await?;
        let body = response
            .call_text(&mut store, r)
            .await?
            .map_err(|e| anyhow!("reading the body: {}", e.message))?;
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
