//! What one request costs through the requests component, with and without hooks, next to a
//! native hyper client, measured in one run and reported as ratios.
//!
//! ```text
//! cargo run --profile bench-host -p bench              # 60 rounds of 50 GETs per case
//! cargo run --profile bench-host -p bench -- 100 50    # rounds, requests per round
//! ```
//!
//! Every case GETs `/get` (a small JSON echo) from the loopback fixture on one session, reading
//! each body. The cases run round-robin, round after round, so a slow patch of this shared
//! machine hits them all alike; each reports the median of its rounds' mean time per request,
//! and its ratio to the component without hooks. Nothing here asserts a time: this is a
//! measurement, not a test.

use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use host_tests::host::{opts, Harness, HookSet, RequestAction, ResourceAny, ResponseAction};
use host_tests::pool::PooledTransport;
use host_tests::server::TestServer;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// One case: how to make the next request.
enum Case {
    /// hyper-util's client, no wasm: see `native`.
    Native {
        client: Client<hyper_util::client::legacy::connect::HttpConnector, Empty<bytes::Bytes>>,
    },
    /// A session of the component in a wasmtime store (boxed: the harness is large).
    Component { h: Box<Harness>, s: ResourceAny },
}

impl Case {
    async fn request(&mut self, url: &str) -> Result<usize> {
        match self {
            Case::Native { client } => {
                let response = client.get(url.parse()?).await?;
                Ok(response.into_body().collect().await?.to_bytes().len())
            }
            Case::Component { h, s } => {
                let r = h
                    .get(*s, url, opts())
                    .await?
                    .map_err(|e| anyhow!("GET {url}: {e:?}"))?;
                let len = h.content(r).await?.len();
                h.drop_resource(r).await?;
                Ok(len)
            }
        }
    }
}

async fn component(
    builder: host_tests::host::HarnessBuilder,
    hooks: Option<HookSet>,
) -> Result<Case> {
    let mut h = builder.build().await?;
    let s = h.session().await?;
    if let Some(hooks) = hooks {
        h.client
            .requests_http_session()
            .session()
            .call_set_hooks(&mut h.store, s, &hooks)
            .await?
            .map_err(|e| anyhow!("set-hooks: {e:?}"))?;
    }
    Ok(Case::Component { h: Box::new(h), s })
}

fn names(request: &[&str], response: &[&str]) -> HookSet {
    HookSet {
        request: request.iter().map(|s| s.to_string()).collect(),
        response: response.iter().map(|s| s.to_string()).collect(),
    }
}

/// hyper-util's client: with `fresh`, a new connection per request (as wasmtime's stock
/// wasi:http transport makes), else connections kept alive (as the pooled transport does).
fn native(fresh: bool) -> Case {
    let mut builder = Client::builder(TokioExecutor::new());
    if fresh {
        builder.pool_max_idle_per_host(0);
    }
    Case::Native {
        client: builder.build_http(),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    // Many short rounds: the median then shrugs off the bursts of a shared machine.
    let rounds = args.next().transpose()?.unwrap_or(60);
    let per_round = args.next().transpose()?.unwrap_or(50);
    let server = TestServer::start();
    let url = server.url("/get");

    let sign = |request: &host_tests::host::HookRequest| {
        let mut signed = request.clone();
        signed.headers.push(("X-Signature".into(), "bench".into()));
        RequestAction::Replace(signed)
    };
    let mut cases: Vec<(&str, Case)> = vec![
        ("native hyper, new connection per request", native(true)),
        ("native hyper, keep-alive", native(false)),
        (
            "component `client`, no hooks",
            component(Harness::builder(), None).await?,
        ),
        (
            "component `client`, pooled transport",
            component(
                Harness::builder().transport(PooledTransport::default()),
                None,
            )
            .await?,
        ),
        (
            "component `client-with-hooks`, no hooks set",
            component(Harness::builder().hooks_build(), None).await?,
        ),
        (
            "  + no-op request and response hooks",
            component(
                Harness::builder()
                    .request_hook("keep", |_| RequestAction::Keep)
                    .response_hook("keep", |_, _| ResponseAction::Keep),
                Some(names(&["keep"], &["keep"])),
            )
            .await?,
        ),
        (
            "  + a request hook that adds a header",
            component(
                Harness::builder().request_hook("sign", sign),
                Some(names(&["sign"], &[])),
            )
            .await?,
        ),
    ];
    // The baseline of the ratios.
    const BASE: usize = 2;

    // Warm up every case (connections, compiled code, allocations).
    for (_, case) in &mut cases {
        for _ in 0..20 {
            case.request(&url).await?;
        }
    }
    let mut means: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    for _ in 0..rounds {
        for (i, (_, case)) in cases.iter_mut().enumerate() {
            let started = Instant::now();
            for _ in 0..per_round {
                case.request(&url).await?;
            }
            means[i].push(started.elapsed() / per_round as u32);
        }
    }
    let medians: Vec<Duration> = means
        .into_iter()
        .map(|mut m| {
            m.sort();
            m[m.len() / 2]
        })
        .collect();
    println!(
        "{rounds} rounds of {per_round} GETs of /get per case, loopback; median of round means\n"
    );
    println!("{:<48} {:>12} {:>8}", "case", "per request", "ratio");
    for ((name, _), median) in cases.iter().zip(&medians) {
        let ratio = median.as_secs_f64() / medians[BASE].as_secs_f64();
        println!(
            "{name:<48} {:>9.1} us {ratio:>7.2}x",
            median.as_secs_f64() * 1e6
        );
    }
    Ok(())
}
