//! A wasmtime host that calls into the requests component and is called back:
//! the build for world `client-with-host` imports `requests:http/hooks` (request
//! and response hooks) and `requests:http/host-adapters` (transports the host
//! implements), and this host implements both in Rust.
//!
//! ```text
//! cargo run -p embed-example --bin embed-hooks                              # against a loopback server
//! cargo run -p embed-example --bin embed-hooks -- http://127.0.0.1:8080/get
//! ```
//!
//! The session calls a hook or a host adapter by name; the host decides what
//! each name does. Here the `bearer` hook adds a token the host keeps (plugin
//! code composed with the component never holds it), the `log` hook prints every
//! response, redirect hops included, and the `fixtures` adapter answers
//! `http://fixtures.test/` from the host's memory, as a mock or a cache would.
//! What differs from `main.rs` (the embedding without callbacks) is the world,
//! the two `Host` impls and their `add_to_linker` lines.

mod cache;

use std::collections::HashMap;

use anyhow::{anyhow, Result};
use host_tests::server::TestServer;
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "client-with-host",
    exports: { default: async },
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
    },
});
use exports::requests::http::types::HookSet;
use requests::http::hooks::{HookRequest, HookResponse, RequestAction, ResponseAction};
use requests::http::host_adapters::{
    Failure, FailureKind, Incoming, Piece, RequestHead, SendSettings,
};

/// The host's side of `requests:http/hooks`: what each hook name does.
struct HostHooks {
    token: String,
}

impl requests::http::hooks::Host for HostHooks {
    fn on_request(&mut self, name: String, mut request: HookRequest) -> RequestAction {
        match name.as_str() {
            "bearer" => {
                request
                    .headers
                    .retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
                request
                    .headers
                    .push(("Authorization".into(), format!("Bearer {}", self.token)));
                println!("-> {} {} (signed)", request.method, request.url);
                RequestAction::Replace(request)
            }
            // A name the host does not know fails the request with the `hook` error.
            other => RequestAction::Fail(format!("no request hook {other:?}")),
        }
    }

    fn on_response(
        &mut self,
        name: String,
        request: HookRequest,
        response: HookResponse,
    ) -> ResponseAction {
        match name.as_str() {
            "log" => {
                let bytes = response.body.as_ref().map_or(0, Vec::len);
                println!("<- {} {} ({bytes} bytes)", response.status, request.url);
                ResponseAction::Keep
            }
            other => ResponseAction::Fail(format!("no response hook {other:?}")),
        }
    }
}

/// The host's side of `requests:http/host-adapters`: one adapter, `fixtures`, that
/// answers from memory. The session does the rest as for any adapter (merging,
/// hooks, cookies, redirects, decoding): an adapter only sends one request.
///
/// A body crosses in pieces of at most the `max` the session asks for: `send` and
/// `finish` return the first piece, and a handle to `read` the rest from. A
/// request body arrives whole in `send`, or (large or streamed) through `start`,
/// `write`s and `finish`. Bodies are `bytes`: strings whose chars U+0000-U+00FF are
/// the bytes.
#[derive(Default)]
struct HostAdapters {
    /// Uploads in progress: the request head and the body so far.
    uploads: HashMap<u64, (RequestHead, Vec<u8>)>,
    /// The unread rest of response bodies.
    bodies: HashMap<u64, Vec<u8>>,
    next_handle: u64,
}

impl HostAdapters {
    /// The `fixtures` adapter's answer: `/flags` is a JSON document; every other
    /// path a 404. It prints what reached it.
    fn respond(&mut self, request: &RequestHead, body: &[u8], max: u32) -> Incoming {
        let auth = request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .map_or("no auth", |(_, value)| value.as_str());
        println!(
            "   fixtures: {} {} ({auth}, {} body bytes)",
            request.method,
            request.url,
            body.len()
        );
        let (status, json) = match request.url.strip_prefix("http://fixtures.test") {
            Some("/flags") => (200, r#"{"beta":true,"dark-mode":false}"#),
            _ => (404, r#"{"error":"no such fixture"}"#),
        };
        let headers = vec![("Content-Type".into(), "application/json".into())];
        self.incoming(status, headers, json.as_bytes().to_vec(), max)
    }

    /// A response whose body's first `max` bytes go with the head; the rest waits
    /// for `read` under a new handle.
    fn incoming(
        &mut self,
        status: u16,
        headers: Vec<(String, String)>,
        mut body: Vec<u8>,
        max: u32,
    ) -> Incoming {
        let rest = body.split_off(body.len().min(max as usize));
        let rest = (!rest.is_empty()).then(|| self.keep(rest));
        Incoming {
            status,
            headers,
            body: to_bytes(&body),
            rest,
            keeps_rest: false,
        }
    }

    fn keep(&mut self, body: Vec<u8>) -> u64 {
        self.next_handle += 1;
        self.bodies.insert(self.next_handle, body);
        self.next_handle
    }
}

impl requests::http::host_adapters::Host for HostAdapters {
    fn send(
        &mut self,
        adapter: String,
        request: RequestHead,
        body: Option<String>,
        _settings: SendSettings,
        max: u32,
    ) -> Result<Incoming, Failure> {
        known(&adapter)?;
        let body = from_bytes(body.as_deref().unwrap_or(""))?;
        Ok(self.respond(&request, &body, max))
    }

    fn start(
        &mut self,
        adapter: String,
        request: RequestHead,
        _settings: SendSettings,
    ) -> Result<u64, Failure> {
        known(&adapter)?;
        self.next_handle += 1;
        self.uploads.insert(self.next_handle, (request, Vec::new()));
        Ok(self.next_handle)
    }

    fn write(&mut self, upload: u64, bytes: String) -> Result<(), Failure> {
        let (_, body) = self.uploads.get_mut(&upload).ok_or_else(unknown_handle)?;
        body.extend(from_bytes(&bytes)?);
        Ok(())
    }

    fn finish(&mut self, upload: u64, max: u32) -> Result<Incoming, Failure> {
        let (request, body) = self.uploads.remove(&upload).ok_or_else(unknown_handle)?;
        Ok(self.respond(&request, &body, max))
    }

    fn read(&mut self, body: u64, max: u32) -> Result<Piece, Failure> {
        let rest = self.bodies.get_mut(&body).ok_or_else(unknown_handle)?;
        let tail = rest.split_off(rest.len().min(max as usize));
        let piece = std::mem::replace(rest, tail);
        let end = rest.is_empty();
        if end {
            self.bodies.remove(&body);
        }
        Ok(Piece {
            bytes: to_bytes(&piece),
            end,
        })
    }

    fn discard(&mut self, handle: u64) {
        self.bodies.remove(&handle);
        self.uploads.remove(&handle);
    }
}

/// The adapter names this host registers.
fn known(adapter: &str) -> Result<(), Failure> {
    match adapter {
        "fixtures" => Ok(()),
        other => Err(Failure {
            kind: FailureKind::Unsupported,
            message: format!("no host adapter {other:?}"),
        }),
    }
}

fn unknown_handle() -> Failure {
    Failure {
        kind: FailureKind::Other,
        message: "unknown body or upload handle".into(),
    }
}

/// Bytes as the interface's `bytes` string: one char per byte.
fn to_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The interface's `bytes` string back to bytes; a char above U+00FF is a broken promise.
fn from_bytes(s: &str) -> Result<Vec<u8>, Failure> {
    s.chars()
        .map(|c| u8::try_from(c).ok())
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| Failure {
            kind: FailureKind::Other,
            message: "a body char above U+00FF".into(),
        })
}

struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: HostHooks,
    adapters: HostAdapters,
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
            // wasmtime's stock transport (see main.rs for a pooling one).
            hooks: wasmtime_wasi_http::default_hooks(),
        }
    }
}

// One instance driven by one task: a current-thread runtime (see main.rs).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let url = std::env::args().nth(1);
    let server = url.is_none().then(TestServer::start);
    let url = url.unwrap_or_else(|| server.as_ref().expect("started").url("/redirect/1"));

    let mut config = Config::new();
    config.wasm_component_model(true).parallel_compilation(true);
    let engine = Engine::new(&config)?;
    let path = host_tests::host::HOST_COMPONENT_PATH;
    let component = cache::load(&engine, path, &cache::dir()?)?;
    let mut linker = Linker::<State>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    // The two imports, answered by `State::hooks` and `State::adapters`. A host of
    // this world implements both, even when it uses only one.
    requests::http::hooks::add_to_linker::<_, HasSelf<HostHooks>>(&mut linker, |s: &mut State| {
        &mut s.hooks
    })?;
    requests::http::host_adapters::add_to_linker::<_, HasSelf<HostAdapters>>(
        &mut linker,
        |s: &mut State| &mut s.adapters,
    )?;
    let pre = ClientWithHostPre::new(linker.instantiate_pre(&component)?)?;

    let state = State {
        wasi: WasiCtx::builder().inherit_stdio().build(),
        http: WasiHttpCtx::new(),
        table: ResourceTable::new(),
        hooks: HostHooks {
            token: "host-token".into(),
        },
        adapters: HostAdapters::default(),
    };
    let mut store = Store::new(&engine, state);
    let client = pre.instantiate_async(&mut store).await?;
    let session = client.requests_http_session().session();
    let response = client.requests_http_types().response();
    let adapter = client.requests_http_types().adapter();

    // The session runs `bearer` before every request and `log` on every response.
    let s = session.call_constructor(&mut store).await?;
    let hooks = HookSet {
        request: vec!["bearer".into()],
        response: vec!["log".into()],
    };
    session
        .call_set_hooks(&mut store, s, &hooks)
        .await?
        .map_err(|e| anyhow!("set-hooks: {}", e.message))?;
    let r = session
        .call_get(&mut store, s, &url, None)
        .await?
        .map_err(|e| anyhow!("GET {url}: {}", e.message))?;
    let body = response
        .call_text(&mut store, r)
        .await?
        .map_err(|e| anyhow!("reading the body: {}", e.message))?;
    println!("{body}");
    r.resource_drop_async(&mut store).await?;

    // The `fixtures` adapter, mounted for one origin: requests to it reach
    // `HostAdapters` (signed by `bearer` on the way), every other URL still goes
    // over wasi:http.
    let fixtures = adapter
        .call_host(&mut store, "fixtures")
        .await?
        .map_err(|e| anyhow!("adapter.host: {}", e.message))?;
    session
        .call_mount(&mut store, s, "http://fixtures.test/", fixtures)
        .await?
        .map_err(|e| anyhow!("mount: {}", e.message))?;
    fixtures.resource_drop_async(&mut store).await?;
    let flags = "http://fixtures.test/flags";
    let r = session
        .call_get(&mut store, s, flags, None)
        .await?
        .map_err(|e| anyhow!("GET {flags}: {}", e.message))?;
    let body = response
        .call_text(&mut store, r)
        .await?
        .map_err(|e| anyhow!("reading the body: {}", e.message))?;
    println!("{body}");
    r.resource_drop_async(&mut store).await?;
    s.resource_drop_async(&mut store).await?;
    Ok(())
}
