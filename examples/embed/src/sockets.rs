//! The embedding for world `client-with-sockets`: the component speaks
//! HTTP/1.1 itself, over `wasi:sockets`, with its own connection pool, TLS and
//! proxies (`adapter.sockets`). The host grants sockets, and decides which
//! addresses the component may reach: here, loopback only.
//!
//! ```text
//! cargo run -p embed-example --bin embed-sockets                              # a loopback server it starts
//! cargo run -p embed-example --bin embed-sockets -- http://127.0.0.1:8080/get
//! ```
//!
//! Against `main.rs`, three things change: the world, the WASI context (it
//! grants the network, checked address by address) and one call that mounts
//! the sockets adapter. The host needs no wasi:http transport of its own.

mod cache;

use anyhow::{anyhow, Result};
use host_tests::server::TestServer;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

// World `client-with-sockets`: world `client` plus the wasi:sockets imports,
// which wasmtime-wasi implements.
wasmtime::component::bindgen!({
    path: "../../wit",
    world: "client-with-sockets",
    exports: { default: async },
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        "wasi:sockets": wasmtime_wasi::p2::bindings::sockets,
    },
});

struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

// The world still imports wasi:http (the default adapter); this host leaves
// it on wasmtime's stock transport, which the sockets adapter replaces.
impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: Default::default(),
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let url = std::env::args().nth(1);
    let server = url.is_none().then(TestServer::start);
    let url = url.unwrap_or_else(|| server.as_ref().expect("started").url("/get"));

    let mut config = Config::new();
    config.wasm_component_model(true).parallel_compilation(true);
    let engine = Engine::new(&config)?;
    let component = cache::load(
        &engine,
        host_tests::host::SOCKETS_COMPONENT_PATH,
        &cache::dir()?,
    )?;

    // wasmtime-wasi's p2 linker has wasi:sockets; wasi:http is added as before.
    let mut linker = Linker::<State>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    let pre = ClientWithSocketsPre::new(linker.instantiate_pre(&component)?)?;

    // The sandbox: TCP and name lookup are granted, and every address the
    // component would connect to is checked first. This host allows loopback
    // only; a plugin host would allow the hosts its plugin may reach.
    let mut wasi = WasiCtx::builder();
    wasi.inherit_stdio()
        .allow_tcp(true) // off by default, as UDP and name lookup are
        .allow_ip_name_lookup(true)
        .socket_addr_check(|addr, use_| {
            let ip = addr.ip().to_canonical();
            let allowed = match use_ {
                // A connect first binds the socket to an ephemeral local port.
                SocketAddrUse::TcpBind => ip.is_unspecified() || ip.is_loopback(),
                SocketAddrUse::TcpConnect => ip.is_loopback(),
                _ => false,
            };
            Box::pin(async move { allowed })
        });
    let state = State {
        wasi: wasi.build(),
        http: WasiHttpCtx::new(),
        table: ResourceTable::new(),
    };
    let mut store = Store::new(&engine, state);
    let client = pre.instantiate_async(&mut store).await?;

    let session = client.requests_http_session().session();
    let response = client.requests_http_types().response();
    let adapter = client.requests_http_types().adapter();
    let s = session.call_constructor(&mut store).await?;

    // The one call that matters: the component's own HTTP/1.1 client, mounted
    // on http:// and https:// (defaults: 10 idle connections per origin, 90 s).
    let sockets = adapter
        .call_sockets(&mut store, None)
        .await?
        .map_err(|e| anyhow!("adapter.sockets: {}", e.message))?;
    session
        .call_mount_http(&mut store, s, sockets)
        .await?
        .map_err(|e| anyhow!("mount-http: {}", e.message))?;

    for _ in 0..3 {
        let r = session
            .call_get(&mut store, s, &url, None)
            .await?
            .map_err(|e| anyhow!("GET {url}: {}", e.message))?;
        let status = response.call_status(&mut store, r).await?;
        let body = response
            .call_content(&mut store, r)
            .await?
            .map_err(|e| anyhow!("reading the body: {}", e.message))?;
        println!("GET {url} -> {status} ({} bytes)", body.len());
        r.resource_drop_async(&mut store).await?;
    }

    // An address the host does not allow: the component gets a typed error,
    // and the session keeps working.
    let outside = "http://192.0.2.1/";
    match session.call_get(&mut store, s, outside, None).await? {
        Ok(r) => r.resource_drop_async(&mut store).await?,
        Err(e) => println!("GET {outside} -> {:?}: {}", e.kind, e.message),
    }

    sockets.resource_drop_async(&mut store).await?;
    s.resource_drop_async(&mut store).await?;
    if let Some(server) = &server {
        println!(
            "3 requests, {} TCP connection(s) accepted by the server",
            server.connections()
        );
    }
    Ok(())
}
