//! What one GET costs through the requests component, next to the least a wasi:http guest does
//! for it, measured in one run and reported as ratios.
//!
//! ```text
//! cargo run --profile bench-host -p bench                   # 60 rounds of 50 GETs per case
//! cargo run --profile bench-host -p bench -- 100 50         # rounds, requests per round
//! cargo run --profile bench-host -p bench -- --multi-thread # on tokio's multi-thread runtime
//! ```
//!
//! Every case GETs the same 100-byte JSON document ([`fixture::BODY`]) and reads the whole body:
//!
//! - over loopback, from a keep-alive HTTP/1.1 server on a thread of its own: native hyper (a
//!   new connection per request, as wasmtime's stock `wasi:http` transport makes, and kept-alive
//!   connections); two baseline guests, `guests/minimal` (one `outgoing-handler` request with
//!   the raw `wasi` 0.14 bindings) and `guests/waki` (the `waki` client crate), on the stock
//!   transport; the component (one session, `session.get` then `response.content`) on the stock
//!   transport; the minimal guest and the component on host-tests' pooled transport;
//! - with no I/O: the minimal guest and the component on [`fixture::CannedTransport`], which
//!   answers every request at once without any network, so what is left is guest and wasmtime
//!   work.
//!
//! The guests are built for wasm32-wasip2 by `build.rs`; everything runs in this process on a
//! current-thread tokio runtime (cross-thread wake-ups of a multi-thread runtime add to every
//! request) with one wasmtime engine compiling in parallel. First the component's load is
//! measured: compiling it (on one thread and in parallel) against deserialising the compiled
//! code, as an embedding that caches it does.
//!
//! The cases run round-robin, round after round, so a slow patch of this shared machine hits
//! them all alike; each reports the median of its rounds' mean time per request and its ratio
//! to the minimal guest on the same transport. Then each wasm case counts, for a few more
//! requests, its entries into wasm and its calls out to the host (wasmtime's call hook).
//! Nothing here asserts a time: this is a measurement, not a test.

mod compile;
mod fixture;
mod guest;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use host_tests::host::{Harness, ResourceAny};
use host_tests::pool::PooledTransport;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use wasmtime::{CallHook, Store};

use fixture::CannedTransport;
use guest::{Baseline, Guest};

/// One case: how to make the next request.
enum Case {
    /// hyper-util's client, no wasm: see [`native`].
    Native {
        client: Client<hyper_util::client::legacy::connect::HttpConnector, Empty<bytes::Bytes>>,
    },
    /// A baseline guest (boxed: a store is large).
    Guest(Box<Guest>),
    /// A session of the component in a wasmtime store.
    Component { h: Box<Harness>, s: ResourceAny },
}

impl Case {
    /// One GET of `url`, body read whole: the body's length.
    async fn request(&mut self, url: &str) -> Result<usize> {
        match self {
            Case::Native { client } => {
                let response = client.get(url.parse()?).await?;
                Ok(response.into_body().collect().await?.to_bytes().len())
            }
            Case::Guest(guest) => guest.get(url).await,
            Case::Component { h, s } => {
                let r = h
                    .get(*s, url, None)
                    .await?
                    .map_err(|e| anyhow!("GET {url}: {e:?}"))?;
                let len = h.content(r).await?.len();
                h.drop_resource(r).await?;
                Ok(len)
            }
        }
    }

    /// Installs a call hook counting entries into wasm and calls out to the host; `None` for
    /// native cases. The hook stays: install it only once the timed rounds are over.
    fn count_calls(&mut self) -> Option<Arc<Calls>> {
        match self {
            Case::Native { .. } => None,
            Case::Guest(guest) => Some(count_calls(&mut guest.store)),
            Case::Component { h, .. } => Some(count_calls(&mut h.store)),
        }
    }
}

/// Calls counted by the hook of [`count_calls`].
#[derive(Default)]
struct Calls {
    /// Entries into wasm: export calls, `cabi_realloc`, post-returns.
    wasm: AtomicUsize,
    /// Calls out of wasm to the host: imports (and libcalls such as `memory.grow`).
    host: AtomicUsize,
}

fn count_calls<T: 'static>(store: &mut Store<T>) -> Arc<Calls> {
    let calls = Arc::new(Calls::default());
    let counter = calls.clone();
    store.call_hook(move |_, hook| {
        match hook {
            CallHook::CallingWasm => counter.wasm.fetch_add(1, Ordering::Relaxed),
            CallHook::CallingHost => counter.host.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
        Ok(())
    });
    calls
}

/// A session of the component, instantiated by the harness with `transport`.
async fn component(transport: impl wasmtime_wasi_http::WasiHttpHooks + 'static) -> Result<Case> {
    let mut h = Harness::builder().transport(transport).build().await?;
    let s = h.session().await?;
    Ok(Case::Component { h: Box::new(h), s })
}

/// A baseline guest on `transport`.
async fn baseline(
    which: Baseline,
    transport: impl wasmtime_wasi_http::WasiHttpHooks + 'static,
) -> Result<Case> {
    Ok(Case::Guest(Box::new(Guest::new(which, transport).await?)))
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

/// A case, its section of the table and the case its ratio is taken against.
struct Entry {
    name: &'static str,
    section: &'static str,
    base: usize,
    case: Case,
}

/// Indices into the cases of the two ratios the issue sets goals for.
const MINIMAL_STOCK: usize = 2;
const COMPONENT_STOCK: usize = 4;
const MINIMAL_POOLED: usize = 5;
const MINIMAL_CANNED: usize = 7;
const COMPONENT_CANNED: usize = 8;

async fn cases() -> Result<Vec<Entry>> {
    const LOOPBACK: &str = "loopback";
    const NO_IO: &str = "no I/O: a canned response, no network";
    let entry = |name, section, base, case| Entry {
        name,
        section,
        base,
        case,
    };
    Ok(vec![
        entry(
            "native hyper, new connection per request",
            LOOPBACK,
            MINIMAL_STOCK,
            native(true),
        ),
        entry(
            "native hyper, keep-alive",
            LOOPBACK,
            MINIMAL_STOCK,
            native(false),
        ),
        entry(
            "minimal wasi:http guest, stock transport",
            LOOPBACK,
            MINIMAL_STOCK,
            baseline(Baseline::Minimal, host_tests::host::StockTransport).await?,
        ),
        entry(
            "waki guest, stock transport",
            LOOPBACK,
            MINIMAL_STOCK,
            baseline(Baseline::Waki, host_tests::host::StockTransport).await?,
        ),
        entry(
            "component, stock transport",
            LOOPBACK,
            MINIMAL_STOCK,
            component(host_tests::host::StockTransport).await?,
        ),
        entry(
            "minimal wasi:http guest, pooled transport",
            LOOPBACK,
            MINIMAL_POOLED,
            baseline(Baseline::Minimal, PooledTransport::default()).await?,
        ),
        entry(
            "component, pooled transport",
            LOOPBACK,
            MINIMAL_POOLED,
            component(PooledTransport::default()).await?,
        ),
        entry(
            "minimal wasi:http guest",
            NO_IO,
            MINIMAL_CANNED,
            baseline(Baseline::Minimal, CannedTransport).await?,
        ),
        entry(
            "component",
            NO_IO,
            MINIMAL_CANNED,
            component(CannedTransport).await?,
        ),
    ])
}

struct Args {
    rounds: usize,
    per_round: usize,
    multi_thread: bool,
}

fn args() -> Result<Args> {
    let mut numbers = Vec::new();
    let mut multi_thread = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--multi-thread" => multi_thread = true,
            _ => match arg.parse::<usize>() {
                Ok(n) if n > 0 => numbers.push(n),
                _ => bail!("usage: bench [--multi-thread] [rounds [requests-per-round]]"),
            },
        }
    }
    Ok(Args {
        // Many short rounds: the median then shrugs off the bursts of a shared machine.
        rounds: numbers.first().copied().unwrap_or(60),
        per_round: numbers.get(1).copied().unwrap_or(50),
        multi_thread,
    })
}

fn main() -> Result<()> {
    let args = args()?;
    let runtime = if args.multi_thread {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    }
    .enable_all()
    .build()?;
    runtime.block_on(run(args))
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn run(args: Args) -> Result<()> {
    let Args {
        rounds,
        per_round,
        multi_thread,
    } = args;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{} tokio runtime, {cores} cores, wasmtime 48 with parallel compilation\n",
        if multi_thread {
            "multi-thread"
        } else {
            "current-thread"
        },
    );

    let load = compile::measure(host_tests::host::COMPONENT_PATH)?;
    println!(
        "loading the component ({} KiB of wasm):",
        load.wasm_bytes / 1024
    );
    println!("  compile, one thread          {:>9.1} ms", ms(load.serial));
    println!(
        "  compile, parallel            {:>9.1} ms ({:.1}x as fast)",
        ms(load.parallel),
        load.serial.as_secs_f64() / load.parallel.as_secs_f64()
    );
    println!(
        "  serialize (once)             {:>9.1} ms ({} KiB)",
        ms(load.serialize),
        load.serialized_bytes / 1024
    );
    let faster = |d: Duration| {
        format!(
            "{:.0}x faster than compiling in parallel, {:.0}x than on one thread",
            load.parallel.as_secs_f64() / d.as_secs_f64(),
            load.serial.as_secs_f64() / d.as_secs_f64()
        )
    };
    println!(
        "  deserialize, in memory       {:>9.2} ms ({})",
        ms(load.deserialize),
        faster(load.deserialize)
    );
    println!(
        "  deserialize_file (the cache) {:>9.2} ms ({})\n",
        ms(load.deserialize_file),
        faster(load.deserialize_file)
    );

    let addr = fixture::serve();
    let url = format!("http://{addr}/get");
    let mut cases = cases().await?;

    // Warm up every case (connections, compiled code, allocations) and check its body.
    for entry in &mut cases {
        for _ in 0..20 {
            let len = entry.case.request(&url).await?;
            if len != fixture::BODY.len() {
                bail!(
                    "{}: a body of {len} bytes, not {}",
                    entry.name,
                    fixture::BODY.len()
                );
            }
        }
    }
    let mut means: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    for _ in 0..rounds {
        for (i, entry) in cases.iter_mut().enumerate() {
            let started = Instant::now();
            for _ in 0..per_round {
                entry.case.request(&url).await?;
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

    // Calls per request, counted after the timed rounds (the hook costs a little).
    const COUNTED: usize = 20;
    let mut calls = Vec::new();
    for entry in &mut cases {
        calls.push(match entry.case.count_calls() {
            Some(counter) => {
                for _ in 0..COUNTED {
                    entry.case.request(&url).await?;
                }
                Some((
                    counter.wasm.load(Ordering::Relaxed) as f64 / COUNTED as f64,
                    counter.host.load(Ordering::Relaxed) as f64 / COUNTED as f64,
                ))
            }
            None => None,
        });
    }

    println!(
        "{rounds} rounds of {per_round} GETs of a 100-byte JSON body per case; median of round means;\n\
         ratio to the minimal guest on the same transport; calls per request (wasm entries / host calls)"
    );
    let mut section = "";
    for ((entry, median), calls) in cases.iter().zip(&medians).zip(&calls) {
        if entry.section != section {
            section = entry.section;
            println!("\n{section}");
        }
        let ratio = median.as_secs_f64() / medians[entry.base].as_secs_f64();
        let calls = calls.map_or(String::new(), |(wasm, host)| {
            format!("{wasm:>6.1} / {host:.1}")
        });
        println!(
            "  {:<44} {:>9.1} us {ratio:>7.2}x {calls}",
            entry.name,
            us(*median)
        );
    }

    let goal = |name: &str, component: usize, minimal: usize, goal: f64| {
        let (c, m) = (medians[component], medians[minimal]);
        println!(
            "  {name:<36} {:>5.2}x  (goal <= {goal:.2}x; {:+.1} us a request)",
            c.as_secs_f64() / m.as_secs_f64(),
            us(c) - us(m)
        );
    };
    println!("\nthe session layer: component / minimal guest");
    goal(
        "stock transport, loopback",
        COMPONENT_STOCK,
        MINIMAL_STOCK,
        1.15,
    );
    goal("no I/O", COMPONENT_CANNED, MINIMAL_CANNED, 2.0);
    Ok(())
}
