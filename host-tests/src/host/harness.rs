//! The test [`Harness`]: its builder, and shortcuts for the session and response calls tests make most.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;

use anyhow::{Context as _, Result};
use wasmtime::component::ResourceTable;
use wasmtime::Store;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, WasiCtx};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpHooks};

use super::{
    client_pre, engine, Build, Client, Error, HookRequest, HookResponse, Hooks, HostAdapter,
    HostAdapters, HostState, RefusedAddresses, RequestAction, RequestOptions, ResourceAny,
    ResponseAction, SendOptions, SocketsOptions, StockTransport,
};

/// Capacity of each captured guest output stream. Writing past it traps the
/// guest, so it is far above anything a test should print.
const OUTPUT_CAPACITY: usize = 64 << 20;

/// Configures a [`Harness`] before instantiating it.
pub struct HarnessBuilder {
    env: Vec<(String, String)>,
    transport: Box<dyn WasiHttpHooks>,
    memory_limit: Option<usize>,
    build: Build,
    hooks: Hooks,
    adapters: HostAdapters,
    loopback_network: bool,
    preopens: Vec<(PathBuf, String)>,
}

impl HarnessBuilder {
    /// Runs the build for world `client-with-sockets` (`adapter.sockets`), and lets
    /// the guest use TCP and name lookup with loopback addresses only (see
    /// [`HarnessBuilder::loopback_network`]).
    pub fn sockets(mut self) -> Self {
        self.build = Build::Sockets;
        self.loopback_network()
    }

    /// Grants the guest `wasi:sockets` TCP and `ip-name-lookup`, restricted to
    /// loopback: it may connect to 127.0.0.0/8 and ::1 only (binding the
    /// wildcard or a loopback address, which every connect does implicitly, is
    /// allowed; listening, accepting and UDP are not). Every refused address is
    /// recorded in [`HostState::refused_addresses`]. Without this the guest's
    /// context has no network at all.
    pub fn loopback_network(mut self) -> Self {
        self.loopback_network = true;
        self
    }

    /// Makes the host directory `host_dir` readable by the guest at `guest_path`
    /// (a preopen), e.g. for a CA bundle given to the guest as a `pem.path`.
    /// Giving the host path as `guest_path` lets the same absolute path work on both sides.
    pub fn preopened_dir(mut self, host_dir: impl Into<PathBuf>, guest_path: &str) -> Self {
        self.preopens
            .push((host_dir.into(), guest_path.to_string()));
        self
    }

    /// Runs the build for world `client-with-host` (also chosen by adding a hook or a host adapter).
    pub fn host_build(mut self) -> Self {
        self.build = Build::Host;
        self
    }

    /// The same as [`HarnessBuilder::host_build`]: the build with hooks.
    pub fn hooks_build(self) -> Self {
        self.host_build()
    }

    /// Runs this build.
    pub fn build_of(mut self, build: Build) -> Self {
        self.build = build;
        self
    }

    /// Adds a request hook the guest can run by `name`; selects the host build.
    pub fn request_hook(
        mut self,
        name: &str,
        hook: impl FnMut(&HookRequest) -> RequestAction + Send + 'static,
    ) -> Self {
        self.hooks.request.insert(name.into(), Box::new(hook));
        self.host_build()
    }

    /// Adds a response hook the guest can run by `name`; selects the host build.
    pub fn response_hook(
        mut self,
        name: &str,
        hook: impl FnMut(&HookRequest, &HookResponse) -> ResponseAction + Send + 'static,
    ) -> Self {
        self.hooks.response.insert(name.into(), Box::new(hook));
        self.host_build()
    }

    /// Registers a host adapter that `adapter.host(name)` sends through;
    /// selects the host build.
    pub fn host_adapter(mut self, name: &str, adapter: impl HostAdapter + 'static) -> Self {
        self.adapters.register(name, adapter);
        self.host_build()
    }

    /// Caps each linear memory of the guest at `bytes`: growing past it fails
    /// in the guest (an allocation failure, which would trap), so a test can
    /// show that work stays within a memory budget.
    pub fn memory_limit(mut self, bytes: usize) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// Adds an environment variable visible to the guest. Nothing is inherited from the host process.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Adds several environment variables (see [`HarnessBuilder::env`]).
    pub fn envs(mut self, vars: &[(&str, &str)]) -> Self {
        self.env
            .extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self
    }

    /// Replaces the wasi:http transport. Defaults to [`StockTransport`].
    pub fn transport(mut self, hooks: impl WasiHttpHooks + 'static) -> Self {
        self.transport = Box::new(hooks);
        self
    }

    /// Creates the store and instantiates the component.
    pub async fn build(self) -> Result<Harness> {
        let stdout = MemoryOutputPipe::new(OUTPUT_CAPACITY);
        let stderr = MemoryOutputPipe::new(OUTPUT_CAPACITY);
        let refused_addresses = RefusedAddresses::default();
        let mut wasi = WasiCtx::builder();
        wasi.stdout(stdout.clone())
            .stderr(stderr.clone())
            .envs(&self.env);
        if self.loopback_network {
            let log = refused_addresses.clone();
            wasi.allow_tcp(true)
                .allow_udp(false)
                .allow_ip_name_lookup(true)
                .socket_addr_check(move |addr, what| loopback_only(addr, what, &log));
        }
        for (host_dir, guest_path) in &self.preopens {
            wasi.preopened_dir(host_dir, guest_path, FsPerms::ReadOnly)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("preopening {}", host_dir.display()))?;
        }
        let wasi = wasi.build();
        let mut limits = wasmtime::StoreLimitsBuilder::new();
        if let Some(bytes) = self.memory_limit {
            limits = limits.memory_size(bytes);
        }
        let state = HostState {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            transport: self.transport,
            limits: limits.build(),
            refused_addresses,
            hooks: self.hooks,
            adapters: self.adapters,
            stdout,
            stderr,
        };
        let mut store = Store::new(engine(), state);
        store.limiter(|state| &mut state.limits);
        let client = client_pre(self.build)?
            .instantiate_async(&mut store)
            .await
            .map_err(anyhow::Error::from)
            .context("instantiating the guest component")?;
        Ok(Harness {
            store,
            client,
            build: self.build,
        })
    }
}

/// One instance of the component in its own store, with shortcuts for the
/// calls tests make most. Everything else is reachable through
/// `h.client.requests_http_session()` / `h.client.requests_http_types()` with
/// `&mut h.store`.
///
/// When dropped it prints whatever the guest wrote to stdout/stderr; libtest
/// captures that and shows it only for a failing test.
pub struct Harness {
    /// The store holding the instance and [`HostState`].
    pub store: Store<HostState>,
    /// The instantiated world's exports.
    pub client: Client,
    /// Which build the instance runs.
    pub build: Build,
}

impl Harness {
    /// An instance with an empty environment and the stock transport.
    pub async fn new() -> Result<Harness> {
        Harness::builder().build().await
    }

    /// An instance whose guest sees exactly these environment variables.
    pub async fn with_env(vars: &[(&str, &str)]) -> Result<Harness> {
        Harness::builder().envs(vars).build().await
    }

    /// A builder for an instance with other settings.
    pub fn builder() -> HarnessBuilder {
        HarnessBuilder {
            env: Vec::new(),
            transport: Box::new(StockTransport),
            memory_limit: None,
            build: Build::Plain,
            hooks: Hooks::default(),
            adapters: HostAdapters::default(),
            loopback_network: false,
            preopens: Vec::new(),
        }
    }

    /// The socket addresses the guest was refused so far (see
    /// [`HarnessBuilder::loopback_network`]).
    pub fn refused_addresses(&self) -> Vec<(SocketAddr, String)> {
        self.store.data().refused_addresses.all()
    }

    /// What the guest wrote to stdout and stderr so far.
    pub fn guest_output(&self) -> String {
        self.store.data().guest_output()
    }

    /// The host adapters' registry and logs.
    pub fn adapters(&mut self) -> &mut HostAdapters {
        &mut self.store.data_mut().adapters
    }

    /// Drops a resource handle the host owns (a session, response, adapter, ...).
    pub async fn drop_resource(&mut self, resource: ResourceAny) -> Result<()> {
        Ok(resource.resource_drop_async(&mut self.store).await?)
    }

    // ---- session ----

    /// `session()`: a new session with the default settings.
    pub async fn session(&mut self) -> Result<ResourceAny> {
        let api = self.client.requests_http_session().session();
        Ok(api.call_constructor(&mut self.store).await?)
    }

    /// `session.request(method, url, options)`.
    pub async fn request(
        &mut self,
        session: ResourceAny,
        method: &str,
        url: &str,
        options: impl Into<Option<RequestOptions>>,
    ) -> Result<Result<ResourceAny, Error>> {
        let api = self.client.requests_http_session().session();
        let options = options.into();
        Ok(api
            .call_request(&mut self.store, session, method, url, options.as_ref())
            .await?)
    }

    /// `session.send(prepared, options)`.
    pub async fn send(
        &mut self,
        session: ResourceAny,
        prepared: ResourceAny,
        options: impl Into<Option<SendOptions>>,
    ) -> Result<Result<ResourceAny, Error>> {
        let api = self.client.requests_http_session().session();
        let options = options.into();
        Ok(api
            .call_send(&mut self.store, session, prepared, options.as_ref())
            .await?)
    }

    /// `session.mount(prefix, adapter)`.
    pub async fn mount(
        &mut self,
        session: ResourceAny,
        prefix: &str,
        adapter: ResourceAny,
    ) -> Result<Result<(), Error>> {
        let api = self.client.requests_http_session().session();
        Ok(api
            .call_mount(&mut self.store, session, prefix, adapter)
            .await?)
    }

    /// `session.mount-http(adapter)`: `adapter` for `http://` and `https://`.
    pub async fn mount_http(
        &mut self,
        session: ResourceAny,
        adapter: ResourceAny,
    ) -> Result<Result<(), Error>> {
        let api = self.client.requests_http_session().session();
        Ok(api
            .call_mount_http(&mut self.store, session, adapter)
            .await?)
    }

    /// `session.close()`.
    pub async fn close(&mut self, session: ResourceAny) -> Result<()> {
        let api = self.client.requests_http_session().session();
        Ok(api.call_close(&mut self.store, session).await?)
    }

    // ---- adapters ----

    /// `adapter.host(name)`: the adapter the host registered as `name`.
    pub async fn host_adapter(&mut self, name: &str) -> Result<Result<ResourceAny, Error>> {
        let api = self.client.requests_http_types().adapter();
        Ok(api.call_host(&mut self.store, name).await?)
    }

    /// `adapter.sockets(options)`: the guest's own HTTP/1.1 client over
    /// `wasi:sockets` (world `client-with-sockets`; `unsupported` in the others).
    pub async fn sockets_adapter(
        &mut self,
        options: Option<SocketsOptions>,
    ) -> Result<Result<ResourceAny, Error>> {
        let api = self.client.requests_http_types().adapter();
        Ok(api.call_sockets(&mut self.store, options).await?)
    }

    /// `adapter.sockets(options)` mounted on `http://` and `https://` of
    /// `session` with `mount-http`.
    pub async fn mount_sockets_adapter(
        &mut self,
        session: ResourceAny,
        options: Option<SocketsOptions>,
    ) -> Result<ResourceAny> {
        let adapter = self.sockets_adapter(options).await??;
        self.mount_http(session, adapter).await??;
        Ok(adapter)
    }

    /// `adapter.host(name)` mounted on `prefix` of `session`.
    pub async fn mount_host_adapter(
        &mut self,
        session: ResourceAny,
        prefix: &str,
        name: &str,
    ) -> Result<ResourceAny> {
        let adapter = self.host_adapter(name).await??;
        self.mount(session, prefix, adapter).await??;
        Ok(adapter)
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let output = self.guest_output();
        if !output.is_empty() {
            eprint!("{output}");
        }
    }
}

/// Generates the `session.<verb>(url, options)` shortcuts. `options` is
/// `None`, `Some(RequestOptions { .. })` or a bare `RequestOptions`.
macro_rules! verbs {
    ($($name:ident => $call:ident, $doc:literal;)*) => {
        impl Harness {
            $(
                #[doc = $doc]
                pub async fn $name(
                    &mut self,
                    session: ResourceAny,
                    url: &str,
                    options: impl Into<Option<RequestOptions>>,
                ) -> Result<Result<ResourceAny, Error>> {
                    let api = self.client.requests_http_session().session();
                    let options = options.into();
                    Ok(api.$call(&mut self.store, session, url, options.as_ref()).await?)
                }
            )*
        }
    };
}

verbs! {
    get => call_get, "`session.get(url, options)`.";
    head => call_head, "`session.head(url, options)`.";
    post => call_post, "`session.post(url, options)`.";
    put => call_put, "`session.put(url, options)`.";
    patch => call_patch, "`session.patch(url, options)`.";
    delete => call_delete, "`session.delete(url, options)`.";
    options => call_options, "`session.options(url, options)`.";
}

/// Response shortcuts. A guest `error` from `content`/`text`/`json` becomes an
/// `Err` here; call the export through
/// `h.client.requests_http_types().response()` to inspect it.
impl Harness {
    /// `response.status()`.
    pub async fn status(&mut self, response: ResourceAny) -> Result<u16> {
        let api = self.client.requests_http_types().response();
        Ok(api.call_status(&mut self.store, response).await?)
    }

    /// `response.reason()`.
    pub async fn reason(&mut self, response: ResourceAny) -> Result<String> {
        let api = self.client.requests_http_types().response();
        Ok(api.call_reason(&mut self.store, response).await?)
    }

    /// `response.url()`.
    pub async fn url(&mut self, response: ResourceAny) -> Result<String> {
        let api = self.client.requests_http_types().response();
        Ok(api.call_url(&mut self.store, response).await?)
    }

    /// `response.headers()`.
    pub async fn headers(&mut self, response: ResourceAny) -> Result<Vec<(String, String)>> {
        let api = self.client.requests_http_types().response();
        Ok(api.call_headers(&mut self.store, response).await?)
    }

    /// `response.header(name)`.
    pub async fn header(&mut self, response: ResourceAny, name: &str) -> Result<Option<String>> {
        let api = self.client.requests_http_types().response();
        Ok(api.call_header(&mut self.store, response, name).await?)
    }

    /// `response.history()`.
    pub async fn history(&mut self, response: ResourceAny) -> Result<Vec<ResourceAny>> {
        let api = self.client.requests_http_types().response();
        Ok(api.call_history(&mut self.store, response).await?)
    }

    /// `response.content()`.
    pub async fn content(&mut self, response: ResourceAny) -> Result<Vec<u8>> {
        let api = self.client.requests_http_types().response();
        Ok(api.call_content(&mut self.store, response).await??)
    }

    /// `response.text()`.
    pub async fn text(&mut self, response: ResourceAny) -> Result<String> {
        let api = self.client.requests_http_types().response();
        Ok(api.call_text(&mut self.store, response).await??)
    }

    /// `response.json()`, parsed.
    pub async fn json(&mut self, response: ResourceAny) -> Result<serde_json::Value> {
        let api = self.client.requests_http_types().response();
        let text = api.call_json(&mut self.store, response).await??;
        serde_json::from_str(&text).with_context(|| format!("response.json() returned {text:?}"))
    }
}

/// The socket policy of [`HarnessBuilder::loopback_network`]: connect to
/// loopback addresses only; bind (explicitly, or implicitly on connect, which
/// wasmtime checks as the wildcard address) the wildcard or loopback; nothing
/// else. Refusals are logged.
fn loopback_only(
    addr: SocketAddr,
    what: SocketAddrUse,
    log: &RefusedAddresses,
) -> Pin<Box<dyn Future<Output = bool> + Send + Sync>> {
    let ip = addr.ip().to_canonical();
    let allowed = match what {
        SocketAddrUse::TcpConnect => ip.is_loopback(),
        SocketAddrUse::TcpBind => ip.is_loopback() || ip.is_unspecified(),
        _ => false,
    };
    if !allowed {
        log.push(addr, format!("{what:?}"));
    }
    Box::pin(std::future::ready(allowed))
}
