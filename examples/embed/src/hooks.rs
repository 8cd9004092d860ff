//! A wasmtime host that gives the requests component request and response
//! hooks: the build for world `client-with-hooks` imports
//! `requests:http/hooks`, and this host implements it in Rust.
//!
//! ```text
//! cargo run -p embed-example --bin embed-hooks                              # against a loopback server
//! cargo run -p embed-example --bin embed-hooks -- http://127.0.0.1:8080/get
//! ```
//!
//! The session calls a hook by name; the host decides what each name does.
//! Here `bearer` adds a token the host keeps (plugin code composed with the
//! component never holds it), and `log` prints every response, redirect hops
//! included. What differs from `main.rs` (the hook-free embedding) is the world,
//! the `Host` impl and one `add_to_linker` line.

use anyhow::{anyhow, Context as _, Result};
use host_tests::server::TestServer;
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "client-with-hooks",
    exports: { default: async },
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
    },
});
use exports::requests::http::types::{HookSet, RequestOptions};
use requests::http::hooks::{HookRequest, HookResponse, RequestAction, ResponseAction};

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

struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: HostHooks,
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

#[tokio::main]
async fn main() -> Result<()> {
    let url = std::env::args().nth(1);
    let server = url.is_none().then(TestServer::start);
    let url = url.unwrap_or_else(|| server.as_ref().expect("started").url("/redirect/1"));

    let engine = Engine::new(Config::new().wasm_component_model(true))?;
    let path = host_tests::host::HOOKS_COMPONENT_PATH;
    let component = Component::from_file(&engine, path)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("loading {path}"))?;
    let mut linker = Linker::<State>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    // The hooks import, answered by `State::hooks`.
    requests::http::hooks::add_to_linker::<_, HasSelf<HostHooks>>(&mut linker, |s: &mut State| {
        &mut s.hooks
    })?;
    let pre = ClientWithHooksPre::new(linker.instantiate_pre(&component)?)?;

    let state = State {
        wasi: WasiCtx::builder().inherit_stdio().build(),
        http: WasiHttpCtx::new(),
        table: ResourceTable::new(),
        hooks: HostHooks {
            token: "host-token".into(),
        },
    };
    let mut store = Store::new(&engine, state);
    let client = pre.instantiate_async(&mut store).await?;

    // The session runs `bearer` before every request and `log` on every response.
    let session = client.requests_http_session().session();
    let s = session.call_constructor(&mut store).await?;
    let hooks = HookSet {
        request: vec!["bearer".into()],
        response: vec!["log".into()],
    };
    session
        .call_set_hooks(&mut store, s, &hooks)
        .await?
        .map_err(|e| anyhow!("set-hooks: {e:?}"))?;
    let r = session
        .call_get(&mut store, s, &url, &no_options())
        .await?
        .map_err(|e| anyhow!("GET {url}: {e:?}"))?;
    let response = client.requests_http_types().response();
    let body = response
        .call_text(&mut store, r)
        .await?
        .map_err(|e| anyhow!("reading the body: {e:?}"))?;
    println!("{body}");
    r.resource_drop_async(&mut store).await?;
    s.resource_drop_async(&mut store).await?;
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
