//! The wasmtime embedding of the requests component: bindings, store state and the test `Harness`.
//!
//! Compilation is paid once per test binary: the [`Engine`], the compiled
//! [`Component`] and the linked, type-checked [`ClientPre`] are built lazily
//! and shared, so each test only creates a [`Store`] and instantiates.
//!
//! The guest reaches the network only through `wasi:http/outgoing-handler`
//! and, in world `client-with-host`, the host's adapters. How the host sends
//! wasi:http requests is the [`WasiHttpHooks`] held by [`HostState`]
//! ([`StockTransport`], wasmtime's `default_send_request`, unless
//! [`HarnessBuilder::transport`] installs another); the `requests:http/host-adapters`
//! import is served by the [`HostAdapters`] registry, which dispatches each
//! call by name to a [`HostAdapter`] the test registered
//! ([`HarnessBuilder::host_adapter`]).
//!
//! ```no_run
//! use host_tests::host::{ErrorKind, ExpectKind, Harness, RequestOptions, opts};
//!
//! # async fn demo() -> anyhow::Result<()> {
//! let mut h = Harness::new().await?;
//! let s = h.session().await?;
//! let r = h.get(s, "http://127.0.0.1:8080/get", None).await??;
//! assert_eq!(h.status(r).await?, 200);
//! let err = h.get(s, "nowhere", None).await?.expect_kind(ErrorKind::MissingSchema);
//! assert!(err.message.contains("No scheme supplied"));
//! let posted = RequestOptions { body: None, ..opts() };
//! h.post(s, "http://127.0.0.1:8080/post", Some(posted)).await??;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use anyhow::{anyhow, Context as _, Result};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

/// Bindings generated from world `client-with-host` in `wit/world.wit`.
///
/// They serve both builds of the component: world `client` exports the same
/// interfaces and imports a subset (everything but `requests:http/hooks` and
/// `requests:http/host-adapters`, which the linker defines anyway). Every
/// `wasi:*` import maps to the types `wasmtime-wasi` and `wasmtime-wasi-http`
/// already generate, so the host implementations of those crates serve this
/// world directly. Exports are async because the wasi:http host functions
/// are; the host adapters are async too (a real adapter does network I/O);
/// the hooks import is a plain call.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "client-with-host",
        exports: { default: async },
        imports: { "requests:http/host-adapters": async },
        additional_derives: [PartialEq],
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
    });
}

pub use bindings::exports::requests::http::session::EnvironmentSettings;
pub use bindings::exports::requests::http::session::Guest as SessionApi;
pub use bindings::exports::requests::http::types::{
    AdapterKind, AdapterOptions, Auth, AuthOverride, Body, CannedResponse, ClientCert, Cookie,
    Credentials, Error, ErrorKind, Guest as TypesApi, HookSet, Link, NewCookie, Part, Pem,
    RecordedRequest, RequestOptions, ResponseHead, RetryPolicy, SendOptions, Timeout, Verify,
};
pub use bindings::requests::http::hooks::{
    HookRequest, HookResponse, RequestAction, ResponseAction,
};
/// The types of the `requests:http/host-adapters` import (its `Verify`,
/// `Pem`, `ClientCert` and `Timeout` are distinct from the session's).
pub use bindings::requests::http::host_adapters;
pub use bindings::requests::http::host_adapters::{Failure, FailureKind, SendSettings};
pub use bindings::{ClientWithHost as Client, ClientWithHostPre as ClientPre};
pub use wasmtime::component::ResourceAny;

/// Capacity of each captured guest output stream. Writing past it traps the
/// guest, so it is far above anything a test should print.
const OUTPUT_CAPACITY: usize = 64 << 20;

/// The `wasi:http` transport used unless a test installs another: every hook
/// keeps its default, so requests go through wasmtime's `default_send_request`.
#[derive(Debug, Default, Clone, Copy)]
pub struct StockTransport;

impl WasiHttpHooks for StockTransport {}

// ---- options and errors ----

/// Request options that inherit every setting from the session: build on it
/// with `Some(RequestOptions { body: ..., ..opts() })`. `None` in place of the
/// whole record is the plain request.
pub fn opts() -> RequestOptions {
    RequestOptions::default()
}

/// Send options that inherit every setting from the session.
pub fn send_opts() -> SendOptions {
    SendOptions::default()
}

/// Request options with only these send options: `with_send(SendOptions { stream: Some(true), ..send_opts() })`.
pub fn with_send(send: SendOptions) -> Option<RequestOptions> {
    Some(RequestOptions {
        send: Some(send),
        ..opts()
    })
}

impl Default for RequestOptions {
    /// Every setting `None`: inherit the session's.
    fn default() -> Self {
        RequestOptions {
            params: None,
            headers: None,
            cookies: None,
            body: None,
            auth: None,
            hooks: None,
            send: None,
        }
    }
}

impl Default for SendOptions {
    /// Every setting `None`: inherit the session's.
    fn default() -> Self {
        SendOptions {
            timeout: None,
            allow_redirects: None,
            stream: None,
            verify: None,
            cert: None,
            proxies: None,
        }
    }
}

impl Error {
    /// True when the error is of `kind`.
    pub fn is(&self, kind: ErrorKind) -> bool {
        self.kind == kind
    }
}

/// Checks a guest `result<_, error>` for an error of one kind.
pub trait ExpectKind {
    /// The error, if the result is an error of `kind`; panics (naming what it
    /// got) otherwise.
    fn expect_kind(self, kind: ErrorKind) -> Error;

    /// The kind of the error; `None` for `Ok`.
    fn error_kind(&self) -> Option<ErrorKind>;
}

impl<T: fmt::Debug> ExpectKind for std::result::Result<T, Error> {
    #[track_caller]
    fn expect_kind(self, kind: ErrorKind) -> Error {
        match self {
            Err(err) if err.kind == kind => err,
            Err(err) => panic!("expected a {kind:?} error, got {err:?}"),
            Ok(value) => panic!("expected a {kind:?} error, got Ok({value:?})"),
        }
    }

    fn error_kind(&self) -> Option<ErrorKind> {
        self.as_ref().err().map(|err| err.kind)
    }
}

// ---- hooks ----

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

// ---- host adapters ----

/// What a [`HostAdapter`] call gives back: a boxed, `Send` future.
pub type AdapterFuture<'a, T> =
    Pin<Box<dyn Future<Output = std::result::Result<T, Failure>> + Send + 'a>>;

/// A failure of `kind` with `message`, as a host adapter reports it.
pub fn failure(kind: FailureKind, message: impl Into<String>) -> Failure {
    Failure {
        kind,
        message: message.into(),
    }
}

/// A request as a [`HostAdapter`] receives it, its body as bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct AdapterRequest {
    /// The upper-case method.
    pub method: String,
    /// The full URL, without userinfo.
    pub url: String,
    /// The headers, in order (`Content-Length` or `Transfer-Encoding` included when there is a body).
    pub headers: Vec<(String, String)>,
    /// The whole body; `None` for no body and for the head of an upload ([`HostAdapter::start`]).
    pub body: Option<Vec<u8>>,
}

impl AdapterRequest {
    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response as a [`HostAdapter`] gives it.
pub struct AdapterResponse {
    /// The status code (100-999 for the session to accept it).
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body, as received (still encoded).
    pub body: ResponseBody,
}

impl AdapterResponse {
    /// A response with a body held in memory.
    pub fn new(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Self {
        AdapterResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: ResponseBody::Full(body.into()),
        }
    }
}

impl fmt::Debug for AdapterResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdapterResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

/// A response body: whole, or a stream the harness pulls as the guest reads.
pub enum ResponseBody {
    /// All of it.
    Full(Vec<u8>),
    /// Pieces, pulled on demand.
    Stream(Box<dyn BodyStream>),
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseBody::Full(bytes) => write!(f, "Full({} bytes)", bytes.len()),
            ResponseBody::Stream(_) => f.write_str("Stream"),
        }
    }
}

/// A response body arriving in pieces.
pub trait BodyStream: Send {
    /// The next piece; `None` at the end. Empty pieces are skipped.
    fn next(&mut self) -> AdapterFuture<'_, Option<Vec<u8>>>;
}

/// An upload in progress, from [`HostAdapter::start`].
pub trait Upload: Send {
    /// Sends the next piece of the body.
    fn write(&mut self, bytes: Vec<u8>) -> AdapterFuture<'_, ()>;
    /// Ends the body and gives the response.
    fn finish(self: Box<Self>) -> AdapterFuture<'static, AdapterResponse>;
}

/// An adapter the host implements for `adapter.host(name)`: it sends one
/// request (no redirects, cookies or decoding: the session does those) and
/// gives its response. The harness turns the Latin-1 strings of the
/// interface into bytes, keeps the handles of bodies and uploads, and hands
/// out bodies in the pieces the guest asks for.
pub trait HostAdapter: Send {
    /// Sends a request with its whole body.
    fn send(
        &mut self,
        request: AdapterRequest,
        settings: SendSettings,
    ) -> AdapterFuture<'_, AdapterResponse>;

    /// Starts a request whose body follows in pieces (`request.body` is
    /// `None`). The default, `Ok(None)`, has the harness collect the body and
    /// call [`HostAdapter::send`] with it at the end.
    fn start(
        &mut self,
        request: AdapterRequest,
        settings: SendSettings,
    ) -> AdapterFuture<'_, Option<Box<dyn Upload>>> {
        let _ = (request, settings);
        Box::pin(async { Ok(None) })
    }
}

/// A [`HostAdapter`] made of a closure answering each request at once (see [`adapter_fn`]).
pub struct FnAdapter<F>(pub F);

/// A [`HostAdapter`] that answers with `f(request, settings)`; uploads are
/// collected by the harness and given to `f` whole.
pub fn adapter_fn<F>(f: F) -> FnAdapter<F>
where
    F: FnMut(AdapterRequest, &SendSettings) -> std::result::Result<AdapterResponse, Failure> + Send,
{
    FnAdapter(f)
}

impl<F> HostAdapter for FnAdapter<F>
where
    F: FnMut(AdapterRequest, &SendSettings) -> std::result::Result<AdapterResponse, Failure> + Send,
{
    fn send(
        &mut self,
        request: AdapterRequest,
        settings: SendSettings,
    ) -> AdapterFuture<'_, AdapterResponse> {
        let result = (self.0)(request, &settings);
        Box::pin(async move { result })
    }
}

/// Bytes as the interface carries them: one code point (U+0000-U+00FF) per byte.
pub fn latin1_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The bytes a Latin-1 string carries; a code point above U+00FF is a failure.
pub fn latin1_decode(text: &str) -> std::result::Result<Vec<u8>, Failure> {
    if text.is_ascii() {
        return Ok(text.as_bytes().to_vec());
    }
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| {
            failure(
                FailureKind::Other,
                "the guest gave body bytes with a code point above U+00FF",
            )
        })
}

/// One request the guest sent through a host adapter, as the harness logs it.
#[derive(Debug, Clone, PartialEq)]
pub struct AdapterCall {
    /// The adapter's name.
    pub adapter: String,
    /// `send` (a whole body) or `start` (an upload).
    pub op: &'static str,
    /// The upper-case method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The settings the guest sent it with.
    pub settings: SendSettings,
    /// The `max` of the call (`send` only; 0 for `start`).
    pub max: u32,
}

/// Where the rest of a response body comes from.
struct PendingBody {
    /// Bytes taken from the source and not yet handed out.
    buffered: Vec<u8>,
    at: usize,
    /// More to pull; `None` once the source is exhausted.
    stream: Option<Box<dyn BodyStream>>,
}

impl PendingBody {
    fn new(body: ResponseBody) -> Self {
        match body {
            ResponseBody::Full(bytes) => PendingBody {
                buffered: bytes,
                at: 0,
                stream: None,
            },
            ResponseBody::Stream(stream) => PendingBody {
                buffered: Vec::new(),
                at: 0,
                stream: Some(stream),
            },
        }
    }

    fn available(&self) -> usize {
        self.buffered.len() - self.at
    }

    /// Pulls pieces until `want` bytes are buffered or the source ends.
    async fn fill(&mut self, want: usize) -> std::result::Result<(), Failure> {
        while self.available() < want {
            let Some(stream) = self.stream.as_mut() else {
                return Ok(());
            };
            match stream.next().await? {
                Some(piece) => {
                    if self.at > 0 {
                        self.buffered.drain(..self.at);
                        self.at = 0;
                    }
                    self.buffered.extend_from_slice(&piece);
                }
                None => self.stream = None,
            }
        }
        Ok(())
    }

    /// Up to `max` buffered bytes.
    fn take(&mut self, max: usize) -> Vec<u8> {
        let end = self.at + max.min(self.available());
        let piece = self.buffered[self.at..end].to_vec();
        self.at = end;
        if self.at == self.buffered.len() {
            self.buffered = Vec::new();
            self.at = 0;
        }
        piece
    }

    fn ended(&self) -> bool {
        self.stream.is_none() && self.available() == 0
    }
}

/// An upload the harness holds.
enum PendingUpload {
    /// The adapter streams it.
    Streaming(Box<dyn Upload>),
    /// The harness collects it for [`HostAdapter::send`].
    Collected(Box<Collected>),
}

/// An upload collected for [`HostAdapter::send`].
struct Collected {
    adapter: String,
    request: AdapterRequest,
    settings: SendSettings,
    body: Vec<u8>,
}

/// The host's adapters by name (the `requests:http/host-adapters` import),
/// the bodies and uploads in flight, and logs of what the guest did.
#[derive(Default)]
pub struct HostAdapters {
    adapters: HashMap<String, Box<dyn HostAdapter>>,
    bodies: HashMap<u64, PendingBody>,
    uploads: HashMap<u64, PendingUpload>,
    next_handle: u64,
    /// Every request sent through a host adapter, in order.
    pub calls: Vec<AdapterCall>,
    /// Every call of the interface, in order: `send <adapter>`, `start <adapter>`,
    /// `write <bytes>`, `finish <max>`, `read <max> -> <bytes>[ end]`, `discard <handle>`.
    pub ops: Vec<String>,
}

impl HostAdapters {
    /// Registers `adapter` as `name`, replacing any of that name.
    pub fn register(&mut self, name: &str, adapter: impl HostAdapter + 'static) {
        self.adapters.insert(name.to_string(), Box::new(adapter));
    }

    /// Removes the adapter registered as `name`; later requests through it fail.
    pub fn unregister(&mut self, name: &str) -> bool {
        self.adapters.remove(name).is_some()
    }

    /// How many response bodies and uploads the guest has not finished or discarded.
    pub fn open_handles(&self) -> usize {
        self.bodies.len() + self.uploads.len()
    }

    /// How many response bodies the guest has neither read to the end nor discarded.
    pub fn open_bodies(&self) -> usize {
        self.bodies.len()
    }

    /// How many uploads the guest has neither finished nor discarded.
    pub fn open_uploads(&self) -> usize {
        self.uploads.len()
    }

    fn handle(&mut self) -> u64 {
        self.next_handle += 1;
        self.next_handle
    }

    fn adapter(&mut self, name: &str) -> std::result::Result<&mut Box<dyn HostAdapter>, Failure> {
        self.adapters.get_mut(name).ok_or_else(|| {
            failure(
                FailureKind::Other,
                format!("the host has no adapter {name:?}"),
            )
        })
    }

    fn log(
        &mut self,
        adapter: &str,
        op: &'static str,
        head: &host_adapters::RequestHead,
        settings: &SendSettings,
        max: u32,
    ) {
        self.ops.push(format!("{op} {adapter}"));
        self.calls.push(AdapterCall {
            adapter: adapter.to_string(),
            op,
            method: head.method.clone(),
            url: head.url.clone(),
            headers: head.headers.clone(),
            settings: settings.clone(),
            max,
        });
    }

    /// The head and up to `max` bytes of `response`; the rest gets a handle.
    async fn deliver(
        &mut self,
        response: AdapterResponse,
        max: u32,
    ) -> std::result::Result<host_adapters::Incoming, Failure> {
        let mut body = PendingBody::new(response.body);
        body.fill(max as usize).await?;
        let first = body.take(max as usize);
        let rest = if body.ended() {
            None
        } else {
            let id = self.handle();
            self.bodies.insert(id, body);
            Some(id)
        };
        Ok(host_adapters::Incoming {
            status: response.status,
            headers: response.headers,
            body: latin1_encode(&first),
            rest,
        })
    }
}

fn to_request(head: host_adapters::RequestHead, body: Option<Vec<u8>>) -> AdapterRequest {
    AdapterRequest {
        method: head.method,
        url: head.url,
        headers: head.headers,
        body,
    }
}

impl host_adapters::Host for HostAdapters {
    async fn send(
        &mut self,
        adapter: String,
        request: host_adapters::RequestHead,
        body: Option<String>,
        settings: SendSettings,
        max: u32,
    ) -> std::result::Result<host_adapters::Incoming, Failure> {
        self.log(&adapter, "send", &request, &settings, max);
        let body = body.as_deref().map(latin1_decode).transpose()?;
        let response = self
            .adapter(&adapter)?
            .send(to_request(request, body), settings)
            .await?;
        self.deliver(response, max).await
    }

    async fn start(
        &mut self,
        adapter: String,
        request: host_adapters::RequestHead,
        settings: SendSettings,
    ) -> std::result::Result<u64, Failure> {
        self.log(&adapter, "start", &request, &settings, 0);
        let head = to_request(request, None);
        let upload = match self
            .adapter(&adapter)?
            .start(head.clone(), settings.clone())
            .await?
        {
            Some(upload) => PendingUpload::Streaming(upload),
            None => PendingUpload::Collected(Box::new(Collected {
                adapter,
                request: head,
                settings,
                body: Vec::new(),
            })),
        };
        let id = self.handle();
        self.uploads.insert(id, upload);
        Ok(id)
    }

    async fn write(&mut self, upload: u64, bytes: String) -> std::result::Result<(), Failure> {
        let bytes = latin1_decode(&bytes)?;
        self.ops.push(format!("write {}", bytes.len()));
        match self.uploads.get_mut(&upload) {
            Some(PendingUpload::Streaming(up)) => up.write(bytes).await,
            Some(PendingUpload::Collected(collected)) => {
                collected.body.extend_from_slice(&bytes);
                Ok(())
            }
            None => Err(failure(
                FailureKind::Other,
                format!("write to an unknown upload {upload}"),
            )),
        }
    }

    async fn finish(
        &mut self,
        upload: u64,
        max: u32,
    ) -> std::result::Result<host_adapters::Incoming, Failure> {
        self.ops.push(format!("finish {max}"));
        let response = match self.uploads.remove(&upload) {
            Some(PendingUpload::Streaming(up)) => up.finish().await?,
            Some(PendingUpload::Collected(collected)) => {
                let Collected {
                    adapter,
                    mut request,
                    settings,
                    body,
                } = *collected;
                request.body = Some(body);
                self.adapter(&adapter)?.send(request, settings).await?
            }
            None => {
                return Err(failure(
                    FailureKind::Other,
                    format!("finish of an unknown upload {upload}"),
                ))
            }
        };
        self.deliver(response, max).await
    }

    async fn read(
        &mut self,
        body: u64,
        max: u32,
    ) -> std::result::Result<host_adapters::Piece, Failure> {
        let max = max.max(1) as usize;
        let Some(pending) = self.bodies.get_mut(&body) else {
            self.ops.push(format!("read {max} unknown"));
            return Err(failure(
                FailureKind::Other,
                format!("read of an unknown body {body}"),
            ));
        };
        if let Err(err) = pending.fill(1).await {
            self.bodies.remove(&body);
            self.ops.push(format!("read {max} failed"));
            return Err(err);
        }
        let bytes = pending.take(max);
        let end = pending.ended();
        if end {
            self.bodies.remove(&body);
        }
        self.ops.push(format!(
            "read {max} -> {}{}",
            bytes.len(),
            if end { " end" } else { "" }
        ));
        Ok(host_adapters::Piece {
            bytes: latin1_encode(&bytes),
            end,
        })
    }

    async fn discard(&mut self, handle: u64) {
        self.ops.push(format!("discard {handle}"));
        self.bodies.remove(&handle);
        self.uploads.remove(&handle);
    }
}

// ---- store state ----

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
    /// The hooks `requests:http/hooks` runs (world `client-with-host` only).
    pub hooks: Hooks,
    /// The adapters `requests:http/host-adapters` dispatches to (world `client-with-host` only).
    pub adapters: HostAdapters,
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
/// The former name of [`HOST_COMPONENT_PATH`] (the build with hooks is the build with host adapters).
pub const HOOKS_COMPONENT_PATH: &str = HOST_COMPONENT_PATH;

/// Which build of the component an instance runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// World `client`: no hooks or host-adapters import.
    Plain,
    /// World `client-with-host`: hooks and host adapters.
    Host,
}

impl Build {
    /// The component file.
    pub fn path(self) -> &'static str {
        match self {
            Build::Plain => COMPONENT_PATH,
            Build::Host => HOST_COMPONENT_PATH,
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
    let cell = match build {
        Build::Plain => &PLAIN,
        Build::Host => &HOST,
    };
    cached(cell, || {
        let path = build.path();
        Component::from_file(engine(), path)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("compiling the guest component {path}"))
    })
}

/// The linker: all of WASI p2 (the guest's std imports `wasi:cli`,
/// `wasi:filesystem`, ...) plus `wasi:http`, and the hooks and host-adapters
/// imports (unused by world `client`). The http-only proxy linker is not
/// enough for a Rust guest.
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
    let cell = match build {
        Build::Plain => &PLAIN,
        Build::Host => &HOST,
    };
    cached(cell, || {
        let pre = linker()?
            .instantiate_pre(component(build)?)
            .map_err(anyhow::Error::from)
            .context("linking the guest component")?;
        Ok(ClientPre::new(pre)?)
    })
}

// ---- the harness ----

/// Configures a [`Harness`] before instantiating it.
pub struct HarnessBuilder {
    env: Vec<(String, String)>,
    transport: Box<dyn WasiHttpHooks>,
    memory_limit: Option<usize>,
    build: Build,
    hooks: Hooks,
    adapters: HostAdapters,
}

impl HarnessBuilder {
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
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_round_trips_every_byte() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = latin1_encode(&bytes);
        assert_eq!(text.chars().count(), 256);
        assert_eq!(latin1_decode(&text).unwrap(), bytes);
        let err = latin1_decode("caf\u{0100}").unwrap_err();
        assert_eq!(err.kind, FailureKind::Other);
    }

    #[tokio::test]
    async fn bodies_are_handed_out_in_pieces_of_at_most_max() {
        struct Pieces(Vec<Vec<u8>>);
        impl BodyStream for Pieces {
            fn next(&mut self) -> AdapterFuture<'_, Option<Vec<u8>>> {
                let next = if self.0.is_empty() {
                    None
                } else {
                    Some(self.0.remove(0))
                };
                Box::pin(async move { Ok(next) })
            }
        }
        let mut body = PendingBody::new(ResponseBody::Stream(Box::new(Pieces(vec![
            b"abc".to_vec(),
            Vec::new(),
            b"defgh".to_vec(),
        ]))));
        body.fill(4).await.unwrap();
        assert_eq!(body.take(4), b"abcd");
        assert!(!body.ended());
        body.fill(1).await.unwrap();
        assert_eq!(body.take(10), b"efgh");
        body.fill(1).await.unwrap();
        assert!(body.ended());
        let mut whole = PendingBody::new(ResponseBody::Full(b"xyz".to_vec()));
        whole.fill(10).await.unwrap();
        assert_eq!(whole.take(10), b"xyz");
        assert!(whole.ended());
    }
}
