//! The wasmtime embedding of the requests component: bindings, store state and the test `Harness`.
//!
//! Compilation is paid once per test binary: the [`Engine`], the compiled
//! [`Component`] and the linked, type-checked [`ClientPre`] are built lazily
//! and shared, so each test only creates a [`Store`] and instantiates.
//!
//! The guest reaches the network only through `wasi:http/outgoing-handler`,
//! in world `client-with-host` the host's adapters, and in world
//! `client-with-sockets` `wasi:sockets`, restricted to loopback addresses
//! ([`HarnessBuilder::sockets`]). How the host sends
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
//!
//! [`Engine`]: wasmtime::Engine
//! [`Component`]: wasmtime::component::Component
//! [`Store`]: wasmtime::Store

mod adapters;
mod harness;
mod hooks;
mod options;
mod state;

pub use adapters::{
    adapter_fn, failure, latin1_decode, latin1_encode, AdapterCall, AdapterFuture, AdapterRequest,
    AdapterResponse, BodyStream, FnAdapter, HostAdapter, HostAdapters, ResponseBody, Upload,
};
pub use harness::{Harness, HarnessBuilder};
pub use hooks::{Hooks, RequestHook, ResponseHook};
pub use options::{opts, send_opts, with_send, ExpectKind};
pub use state::{
    client_pre, component, engine, linker, Build, HostState, RefusedAddresses, COMPONENT_PATH,
    HOOKS_COMPONENT_PATH, HOST_COMPONENT_PATH, SOCKETS_COMPONENT_PATH,
};

use wasmtime_wasi_http::WasiHttpHooks;

/// Bindings generated from world `client-with-host` in `wit/world.wit`.
///
/// They serve every build of the component: worlds `client` and
/// `client-with-sockets` export the same interfaces and import a subset
/// (`requests:http/hooks` and `requests:http/host-adapters` aside, which the
/// linker defines anyway) or `wasi:sockets` besides, which the linker's WASI p2
/// has (the bindings only check the exports). Every
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
    RecordedRequest, RequestOptions, ResponseHead, RetryPolicy, SendOptions, SocketsOptions,
    Timeout, Verify,
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

/// The `wasi:http` transport used unless a test installs another: every hook
/// keeps its default, so requests go through wasmtime's `default_send_request`.
#[derive(Debug, Default, Clone, Copy)]
pub struct StockTransport;

impl WasiHttpHooks for StockTransport {}
