//! The wasmtime embedding of the requests component: bindings, store state and the test `Harness`.
//!
//! Compilation is paid once per test binary: the [`Engine`], the compiled
//! [`Component`] and the linked, type-checked [`ClientPre`] are built lazily
//! and shared, so each test only creates a [`Store`] and instantiates.
//!
//! The guest reaches the network only through `wasi:http/outgoing-handler`;
//! how the host sends those requests is the [`WasiHttpHooks`] held by
//! [`HostState`] ([`StockTransport`], wasmtime's `default_send_request`,
//! unless [`HarnessBuilder::transport`] installs another).

use std::collections::HashMap;
use std::sync::OnceLock;

use anyhow::{anyhow, Context as _, Result};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

/// Bindings generated from world `client-with-hooks` in `wit/world.wit`.
///
/// They serve both builds of the component: world `client` exports the same
/// interfaces and imports a subset (everything but `requests:http/hooks`,
/// which the linker defines anyway). Every `wasi:*` import maps to the types
/// `wasmtime-wasi` and `wasmtime-wasi-http` already generate, so the host
/// implementations of those crates serve this world directly. Exports are async
/// because the wasi:http host functions are; the hooks import is a plain call.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "client-with-hooks",
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
    });
}

pub use bindings::exports::requests::http::session::Guest as SessionApi;
pub use bindings::exports::requests::http::types::{
    AdapterOptions, Auth, AuthOverride, Body, CannedResponse, Cookie, Credentials, Error,
    Guest as TypesApi, HookSet, HttpStatusError, Link, NewCookie, Part, RecordedRequest,
    RequestOptions, RetryPolicy, SendOptions, Timeout, TooManyRedirectsError, TransportError,
};
pub use bindings::requests::http::hooks::{
    HookRequest, HookResponse, RequestAction, ResponseAction,
};
pub use bindings::{ClientWithHooks as Client, ClientWithHooksPre as ClientPre};
pub use wasmtime::component::ResourceAny;

/// Capacity of each captured guest output stream. Writing past it traps the
/// guest, so it is far above anything a test should print.
const OUTPUT_CAPACITY: usize = 64 << 20;

/// The `wasi:http` transport used unless a test installs another: every hook
/// keeps its default, so requests go through wasmtime's `default_send_request`.
#[derive(Debug, Default, Clone, Copy)]
pub struct StockTransport;

impl WasiHttpHooks for StockTransport {}

/// A request hook: what the host runs for `on-request` of its name.
pub type RequestHook = Box<dyn FnMut(&HookRequest) -> RequestAction + Send>;
/// A response hook: what the host runs for `on-response` of its name.
pub type ResponseHook = Box<dyn FnMut(&HookRequest, &HookResponse) -> ResponseAction + Send>;

/// The host's hooks by name, and a log of the calls the guest made.
#[derive(Default)]
pub struct Hooks {
    request: HashMap<String, RequestHook>,
    response: HashMap<String, ResponseHook>,
    /// `request <name> <METHOD> <url>` or `response <name> <status>`, in call order.
    pub calls: Vec<String>,
}

impl bindings::requests::http::hooks::Host for Hooks {
    fn on_request(&mut self, name: String, request: HookRequest) -> RequestAction {
        self.calls
            .push(format!("request {name} {} {}", request.method, request.url));
        match self.request.get_mut(&name) {
            Some(hook) => hook(&request),
            None => RequestAction::Fail(format!("the host has no request hook {name:?}")),
        }
    }

    fn on_response(
        &mut self,
        name: String,
        request: HookRequest,
        response: HookResponse,
    ) -> ResponseAction {
        self.calls
            .push(format!("response {name} {}", response.status));
        match self.response.get_mut(&name) {
            Some(hook) => hook(&request, &response),
            None => ResponseAction::Fail(format!("the host has no response hook {name:?}")),
        }
    }
}

/// The data of each test's [`Store`]: WASI and wasi:http contexts, the
/// resource table they share, the transport hooks, the request and response
/// hooks, and the captured stdio.
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
    /// The hooks `requests:http/hooks` runs (world `client-with-hooks` only).
    pub hooks: Hooks,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
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

/// The shared engine. Async host calls need no engine setting in wasmtime 48
/// (`Config::async_support` is deprecated and has no effect).
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.wasm_component_model(true);
        Engine::new(&config).expect("the wasmtime engine configuration is valid")
    })
}

/// Path of the guest component (world `client`), built by `build.rs`.
pub const COMPONENT_PATH: &str = env!("REQUESTS_COMPONENT_WASM");
/// Path of the guest component built for world `client-with-hooks`.
pub const HOOKS_COMPONENT_PATH: &str = env!("REQUESTS_COMPONENT_HOOKS_WASM");

/// Which build of the component an instance runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// World `client`: no hooks import.
    Plain,
    /// World `client-with-hooks`.
    Hooks,
}

impl Build {
    /// The component file.
    pub fn path(self) -> &'static str {
        match self {
            Build::Plain => COMPONENT_PATH,
            Build::Hooks => HOOKS_COMPONENT_PATH,
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
    static HOOKS: OnceLock<Result<Component, String>> = OnceLock::new();
    let cell = match build {
        Build::Plain => &PLAIN,
        Build::Hooks => &HOOKS,
    };
    cached(cell, || {
        let path = build.path();
        Component::from_file(engine(), path)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("compiling the guest component {path}"))
    })
}

/// The linker: all of WASI p2 (the guest's std imports `wasi:cli`,
/// `wasi:filesystem`, ...) plus `wasi:http`, and the hooks import (unused by
/// world `client`). The http-only proxy linker is not enough for a Rust guest.
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
        Ok(linker)
    })
}

/// A build linked and type-checked, once.
pub fn client_pre(build: Build) -> Result<&'static ClientPre<HostState>> {
    static PLAIN: OnceLock<Result<ClientPre<HostState>, String>> = OnceLock::new();
    static HOOKS: OnceLock<Result<ClientPre<HostState>, String>> = OnceLock::new();
    let cell = match build {
        Build::Plain => &PLAIN,
        Build::Hooks => &HOOKS,
    };
    cached(cell, || {
        let pre = linker()?
            .instantiate_pre(component(build)?)
            .map_err(anyhow::Error::from)
            .context("linking the guest component")?;
        Ok(ClientPre::new(pre)?)
    })
}

/// Request options that inherit every setting from the session.
pub fn opts() -> RequestOptions {
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

/// Send options that inherit every setting from the session.
pub fn send_opts() -> SendOptions {
    SendOptions {
        timeout: None,
        allow_redirects: None,
        stream: None,
        verify: None,
        cert: None,
        proxies: None,
    }
}

/// Configures a [`Harness`] before instantiating it.
pub struct HarnessBuilder {
    env: Vec<(String, String)>,
    transport: Box<dyn WasiHttpHooks>,
    memory_limit: Option<usize>,
    build: Build,
    hooks: Hooks,
}

impl HarnessBuilder {
    /// Runs the build for world `client-with-hooks` (also chosen by adding a hook).
    pub fn hooks_build(mut self) -> Self {
        self.build = Build::Hooks;
        self
    }

    /// Adds a request hook the guest can run by `name`; selects the hooks build.
    pub fn request_hook(
        mut self,
        name: &str,
        hook: impl FnMut(&HookRequest) -> RequestAction + Send + 'static,
    ) -> Self {
        self.hooks.request.insert(name.into(), Box::new(hook));
        self.hooks_build()
    }

    /// Adds a response hook the guest can run by `name`; selects the hooks build.
    pub fn response_hook(
        mut self,
        name: &str,
        hook: impl FnMut(&HookRequest, &HookResponse) -> ResponseAction + Send + 'static,
    ) -> Self {
        self.hooks.response.insert(name.into(), Box::new(hook));
        self.hooks_build()
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
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .envs(&self.env)
            .build();
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
            hooks: self.hooks,
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
        Ok(Harness { store, client })
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
        }
    }

    /// What the guest wrote to stdout and stderr so far.
    pub fn guest_output(&self) -> String {
        self.store.data().guest_output()
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
        options: RequestOptions,
    ) -> Result<Result<ResourceAny, Error>> {
        let api = self.client.requests_http_session().session();
        Ok(api
            .call_request(&mut self.store, session, method, url, &options)
            .await?)
    }

    /// `session.close()`.
    pub async fn close(&mut self, session: ResourceAny) -> Result<()> {
        let api = self.client.requests_http_session().session();
        Ok(api.call_close(&mut self.store, session).await?)
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

/// Generates the `session.<verb>(url, options)` shortcuts.
macro_rules! verbs {
    ($($name:ident => $call:ident, $doc:literal;)*) => {
        impl Harness {
            $(
                #[doc = $doc]
                pub async fn $name(
                    &mut self,
                    session: ResourceAny,
                    url: &str,
                    options: RequestOptions,
                ) -> Result<Result<ResourceAny, Error>> {
                    let api = self.client.requests_http_session().session();
                    Ok(api.$call(&mut self.store, session, url, &options).await?)
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
