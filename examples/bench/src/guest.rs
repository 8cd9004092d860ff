//! The baseline guests (`guests/minimal`, `guests/waki`, built by `build.rs`) in wasmtime: each
//! exports `get(url) -> result<list<u8>, string>` (`guests/wit/getter.wit`) and imports
//! `wasi:http` and WASI p2, served by wasmtime-wasi and wasmtime-wasi-http with a
//! [`WasiHttpHooks`] transport of the bench's choosing, as the harness serves the component.

use std::sync::OnceLock;

use anyhow::{anyhow, Context as _, Result};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::Store;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

mod bindings {
    wasmtime::component::bindgen!({
        path: "guests/wit",
        world: "getter",
        exports: { default: async },
    });
}

use bindings::{Getter, GetterPre};

/// A baseline guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// `guests/minimal`: the raw `wasi` 0.14 bindings.
    Minimal,
    /// `guests/waki`: the `waki` client crate.
    Waki,
}

impl Baseline {
    fn path(self) -> &'static str {
        match self {
            Baseline::Minimal => env!("BENCH_MINIMAL_WASM"),
            Baseline::Waki => env!("BENCH_WAKI_WASM"),
        }
    }
}

/// The store data of a baseline guest.
pub struct GuestState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    transport: Box<dyn WasiHttpHooks>,
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for GuestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: self.transport.as_mut(),
        }
    }
}

/// A baseline guest compiled (with the harness's engine, so with the component's settings)
/// and linked, once per process.
fn pre(baseline: Baseline) -> Result<&'static GetterPre<GuestState>> {
    static MINIMAL: OnceLock<GetterPre<GuestState>> = OnceLock::new();
    static WAKI: OnceLock<GetterPre<GuestState>> = OnceLock::new();
    let cell = match baseline {
        Baseline::Minimal => &MINIMAL,
        Baseline::Waki => &WAKI,
    };
    if let Some(pre) = cell.get() {
        return Ok(pre);
    }
    let engine = host_tests::host::engine();
    let path = baseline.path();
    let component = Component::from_file(engine, path)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compiling {path}"))?;
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    let pre = GetterPre::new(linker.instantiate_pre(&component)?)?;
    Ok(cell.get_or_init(|| pre))
}

/// One instance of a baseline guest in its own store.
pub struct Guest {
    /// The store (public so the bench can install a call hook).
    pub store: Store<GuestState>,
    getter: Getter,
}

impl Guest {
    /// Instantiates `baseline` with `transport` as its `wasi:http` transport.
    pub async fn new(baseline: Baseline, transport: impl WasiHttpHooks + 'static) -> Result<Guest> {
        let state = GuestState {
            wasi: WasiCtx::builder().build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            transport: Box::new(transport),
        };
        let mut store = Store::new(host_tests::host::engine(), state);
        let getter = pre(baseline)?.instantiate_async(&mut store).await?;
        Ok(Guest { store, getter })
    }

    /// `get(url)`: the body's length.
    pub async fn get(&mut self, url: &str) -> Result<usize> {
        let body = self
            .getter
            .call_get(&mut self.store, url)
            .await?
            .map_err(|e| anyhow!("GET {url}: {e}"))?;
        Ok(body.len())
    }
}
