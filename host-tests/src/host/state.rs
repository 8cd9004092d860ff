//! Store state and shared compilation: [`HostState`], the engine, the compiled components, the linker and the pre-instantiated clients.
//!
//! [`Store`]: wasmtime::Store
//! [`StockTransport`]: super::StockTransport
//! [`HarnessBuilder::memory_limit`]: super::HarnessBuilder::memory_limit

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::{anyhow, Context as _, Result};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use super::bindings;
use super::{ClientPre, Hooks, HostAdapters};

/// The data of each test's [`Store`]: WASI and wasi:http contexts, the
/// resource table they share, the transport hooks, the request and response
/// hooks, the host adapters and the captured stdio.
pub struct HostState {
    /// The WASI context (environment, clocks, random, stdio).
    pub wasi: WasiCtx,
    /// The wasi:http context.
    pub http: WasiHttpCtx,
    /// Resources the host holds for the guest (streams, requests, responses, ...).
    pub table: ResourceTable,
    /// How outgoing requests are sent. Defaults to [`StockTransport`].
    pub transport: Box<dyn WasiHttpHooks>,
    /// Caps on the guest's memory (none unless [`HarnessBuilder::memory_limit`]).
    pub limits: wasmtime::StoreLimits,
    /// The socket addresses the guest was refused (world `client-with-sockets`):
    /// anything but loopback.
    pub refused_addresses: RefusedAddresses,
    /// The hooks `requests:http/hooks` runs (world `client-with-host` only).
    pub hooks: Hooks,
    /// The adapters `requests:http/host-adapters` dispatches to (world `client-with-host` only).
    pub adapters: HostAdapters,
    pub(super) stdout: MemoryOutputPipe,
    pub(super) stderr: MemoryOutputPipe,
}

impl HostState {
    /// What the guest wrote to stdout so far.
    pub fn guest_stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout.contents()).into_owned()
    }

    /// What the guest wrote to stderr so far.
    pub fn guest_stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }

    /// The guest's stdout followed by its stderr, each under a heading; empty if it printed nothing.
    pub fn guest_output(&self) -> String {
        let mut out = String::new();
        for (name, text) in [
            ("stdout", self.guest_stdout()),
            ("stderr", self.guest_stderr()),
        ] {
            if !text.is_empty() {
                out.push_str(&format!("---- guest {name} ----\n{text}"));
                if !text.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
        out
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: self.transport.as_mut(),
        }
    }
}

/// The socket addresses (and what for) that the loopback-only policy of
/// [`HarnessBuilder::sockets`] refused the guest, in order. Shared with the
/// policy's closure, so a clone sees what the store's context refused.
///
/// [`HarnessBuilder::sockets`]: super::HarnessBuilder::sockets
#[derive(Debug, Clone, Default)]
pub struct RefusedAddresses(Arc<Mutex<Vec<(SocketAddr, String)>>>);

impl RefusedAddresses {
    /// Records one refusal (`what` is wasmtime's `SocketAddrUse`, as `Debug` prints it).
    pub fn push(&self, addr: SocketAddr, what: String) {
        self.0
            .lock()
            .expect("the refused-address log")
            .push((addr, what));
    }

    /// Everything refused so far.
    pub fn all(&self) -> Vec<(SocketAddr, String)> {
        self.0.lock().expect("the refused-address log").clone()
    }
}

/// The shared engine. Async host calls need no engine setting in wasmtime 48
/// (`Config::async_support` is deprecated and has no effect).
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.wasm_component_model(true);
        // `REQUESTS_PERFMAP=1` writes /tmp/perf-<pid>.map, so `perf report`
        // names the guest's functions (of a component built without `strip`).
        if std::env::var_os("REQUESTS_PERFMAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        Engine::new(&config).expect("the wasmtime engine configuration is valid")
    })
}

/// Path of the guest component (world `client`), built by `build.rs`.
pub const COMPONENT_PATH: &str = env!("REQUESTS_COMPONENT_WASM");
/// Path of the guest component built for world `client-with-host`.
pub const HOST_COMPONENT_PATH: &str = env!("REQUESTS_COMPONENT_HOST_WASM");
/// Path of the guest component built for world `client-with-sockets` (feature `sockets`).
pub const SOCKETS_COMPONENT_PATH: &str = env!("REQUESTS_COMPONENT_SOCKETS_WASM");
/// The former name of [`HOST_COMPONENT_PATH`] (the build with hooks is the build with host adapters).
pub const HOOKS_COMPONENT_PATH: &str = HOST_COMPONENT_PATH;

/// Which build of the component an instance runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// World `client`: no hooks or host-adapters import.
    Plain,
    /// World `client-with-host`: hooks and host adapters.
    Host,
    /// World `client-with-sockets`: `adapter.sockets`, HTTP/1.1 over `wasi:sockets` in the
    /// guest. Its exports are world `client`'s, so the same bindings serve it.
    Sockets,
}

impl Build {
    /// The component file.
    pub fn path(self) -> &'static str {
        match self {
            Build::Plain => COMPONENT_PATH,
            Build::Host => HOST_COMPONENT_PATH,
            Build::Sockets => SOCKETS_COMPONENT_PATH,
        }
    }
}

/// Runs `init` once per process and caches its outcome; an error is kept as
/// text (wasmtime errors are not `Clone`) and reported to every caller.
fn cached<T>(
    cell: &'static OnceLock<Result<T, String>>,
    init: impl FnOnce() -> Result<T>,
) -> Result<&'static T> {
    cell.get_or_init(|| init().map_err(|e| format!("{e:?}")))
        .as_ref()
        .map_err(|e| anyhow!("{e}"))
}

/// A build of the guest component, compiled once.
pub fn component(build: Build) -> Result<&'static Component> {
    static PLAIN: OnceLock<Result<Component, String>> = OnceLock::new();
    static HOST: OnceLock<Result<Component, String>> = OnceLock::new();
    static SOCKETS: OnceLock<Result<Component, String>> = OnceLock::new();
    let cell = match build {
        Build::Plain => &PLAIN,
        Build::Host => &HOST,
        Build::Sockets => &SOCKETS,
    };
    cached(cell, || {
        let path = build.path();
        Component::from_file(engine(), path)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("compiling the guest component {path}"))
    })
}

/// The linker: all of WASI p2 (the guest's std imports `wasi:cli`,
/// `wasi:filesystem`, ...; `wasi:sockets` is part of it, for world
/// `client-with-sockets`) plus `wasi:http`, and the hooks and host-adapters
/// imports (unused by world `client`). The http-only proxy linker is not
/// enough for a Rust guest. What the guest may reach through `wasi:sockets` is
/// the [`WasiCtx`]'s to say: nothing, unless [`HarnessBuilder::sockets`] (loopback only).
///
/// [`HarnessBuilder::sockets`]: super::HarnessBuilder::sockets
pub fn linker() -> Result<&'static Linker<HostState>> {
    static LINKER: OnceLock<Result<Linker<HostState>, String>> = OnceLock::new();
    cached(&LINKER, || {
        let mut linker = Linker::new(engine());
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        bindings::requests::http::hooks::add_to_linker::<_, HasSelf<Hooks>>(
            &mut linker,
            |state: &mut HostState| &mut state.hooks,
        )?;
        bindings::requests::http::host_adapters::add_to_linker::<_, HasSelf<HostAdapters>>(
            &mut linker,
            |state: &mut HostState| &mut state.adapters,
        )?;
        Ok(linker)
    })
}

/// A build linked and type-checked, once.
pub fn client_pre(build: Build) -> Result<&'static ClientPre<HostState>> {
    static PLAIN: OnceLock<Result<ClientPre<HostState>, String>> = OnceLock::new();
    static HOST: OnceLock<Result<ClientPre<HostState>, String>> = OnceLock::new();
    static SOCKETS: OnceLock<Result<ClientPre<HostState>, String>> = OnceLock::new();
    let cell = match build {
        Build::Plain => &PLAIN,
        Build::Host => &HOST,
        Build::Sockets => &SOCKETS,
    };
    cached(cell, || {
        let pre = linker()?
            .instantiate_pre(component(build)?)
            .map_err(anyhow::Error::from)
            .context("linking the guest component")?;
        Ok(ClientPre::new(pre)?)
    })
}
