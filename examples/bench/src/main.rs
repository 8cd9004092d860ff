//! What one GET costs through the requests component, next to the least a wasi:http guest does
//! for it, measured in one run and reported as ratios.
//!
//! ```text
//! cargo run --profile bench-host -p bench                   # 60 rounds of 50 GETs per case
//! cargo run --profile bench-host -p bench -- 100 50         # rounds, requests per round
//! cargo run --profile bench-host -p bench -- --multi-thread # on tokio's multi-thread runtime
//! cargo run --profile bench-host -p bench -- --no-download  # without the 1 GiB download
//! ```
//!
//! First the size of every build of the component ([`sizes`]) and what loading it costs
//! ([`compile`]). Then every case GETs the same 100-byte JSON document ([`fixture::BODY`]) and
//! reads the whole body:
//!
//! - over loopback, from a keep-alive HTTP/1.1 server on a thread of its own: native hyper (a
//!   new connection per request, as wasmtime's stock `wasi:http` transport makes, and kept-alive
//!   connections); two baseline guests, `guests/minimal` (one `outgoing-handler` request with
//!   the raw `wasi` 0.14 bindings) and `guests/waki` (the `waki` client crate), on the stock
//!   transport; the component (one session, `session.get` then `response.content`) on the stock
//!   transport; the minimal guest and the component on host-tests' pooled transport; the
//!   component on its own HTTP/1.1 client, the sockets adapter (build `client-with-sockets`,
//!   `adapter.sockets` mounted with `session.mount-http`, connections kept alive in its pool),
//!   against native hyper with keep-alive;
//! - over loopback https (TLS 1.3, rustls with ring on every side, the throw-away certificates
//!   of [`tls`]), keep-alive: native hyper with hyper-rustls trusting the test CA, and the
//!   component over the sockets adapter with `verify = ca-bundle(data(ca.pem))` set on its
//!   session;
//! - with no I/O: the minimal guest and the component on [`fixture::CannedTransport`], which
//!   answers every request at once without any network, so what is left is guest and wasmtime
//!   work.
//!
//! The guests are built for wasm32-wasip2 by `build.rs`; everything runs in this process on a
//! current-thread tokio runtime (cross-thread wake-ups of a multi-thread runtime add to every
//! request) with one wasmtime engine compiling in parallel, the servers on threads of their own.
//!
//! The cases run round-robin, round after round, so a slow patch of this shared machine hits
//! them all alike; each reports the median of its rounds' mean time per request and its ratio
//! to its section's baseline (the minimal guest on the same transport; native hyper with
//! keep-alive for the sockets adapter), the mean CPU time of the runtime's thread per request
//! ([`cpu`]: the case's own work, without the server's and without waiting), and how many
//! connections the servers accepted during its timed rounds (none, once warm, for a case that
//! keeps its connections). Then each wasm case counts, for a few more requests, its entries
//! into wasm and its calls out to the host (wasmtime's call hook). Last, unless
//! `--no-download`, a 1 GiB body is streamed from the loopback server through native hyper and
//! through the component ([`download`]; about 3 s).
//!
//! The loopback ratios move with the machine's load: on this 2-core VM a round trip to the
//! server's thread waits for the other vCPU to wake when it was idle (about 35 us a GET here,
//! in every loopback case alike, part of it CPU time in the kernel), and not when other work
//! keeps it busy. So an idle machine gives lower ratios than a busy one (native hyper with
//! keep-alive: 58 us a GET idle, 24 us with two lowest-priority busy loops running); the
//! CPU-time ratios, printed beside the goals, move less. Nothing here asserts a time: this is
//! a measurement, not a test.

mod compile;
mod cpu;
mod download;
mod fixture;
mod guest;
mod sizes;
mod tls;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use host_tests::host::{Harness, Pem, ResourceAny, Verify};
use host_tests::pool::PooledTransport;
use http_body_util::{BodyExt, Empty};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use wasmtime::{CallHook, Store};

use fixture::CannedTransport;
use guest::{Baseline, Guest};

/// One case: how to make the next request.
enum Case {
    /// hyper-util's client, no wasm: see [`native`].
    Native {
        client: Client<HttpConnector, Empty<bytes::Bytes>>,
    },
    /// hyper-util's client over hyper-rustls: see [`native_tls`].
    NativeTls {
        client: Client<HttpsConnector<HttpConnector>, Empty<bytes::Bytes>>,
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
            Case::NativeTls { client } => {
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
            Case::Native { .. } | Case::NativeTls { .. } => None,
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

/// A session of the component's sockets build with `adapter.sockets` (default options: a pool
/// of kept-alive connections) mounted on `http://` and `https://`, and `verify` set on the
/// session if given (as `session.verify = ...` in requests, once, not per request).
async fn sockets_component(verify: Option<Verify>) -> Result<Case> {
    let mut h = Harness::builder().sockets().build().await?;
    let s = h.session().await?;
    h.mount_sockets_adapter(s, None).await?;
    if let Some(verify) = verify {
        let api = h.client.requests_http_session().session();
        api.call_set_verify(&mut h.store, s, &verify)
            .await?
            .map_err(|e| anyhow!("set-verify: {e:?}"))?;
    }
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

/// hyper-util's client over hyper-rustls (HTTP/1.1, ALPN `http/1.1`), trusting only the test
/// CA, connections kept alive.
fn native_tls() -> Result<Case> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls::client_config()?)
        .https_only()
        .enable_http1()
        .build();
    Ok(Case::NativeTls {
        client: Client::builder(TokioExecutor::new()).build(connector),
    })
}

/// A case, its section of the table, the case its ratio is taken against and the URL it GETs.
struct Entry {
    name: &'static str,
    section: &'static str,
    base: usize,
    case: Case,
    url: String,
}

/// Indices into the cases of the ratios the issues set goals for.
const NATIVE_KEEP_ALIVE: usize = 1;
const MINIMAL_STOCK: usize = 2;
const COMPONENT_STOCK: usize = 4;
const MINIMAL_POOLED: usize = 5;
const COMPONENT_POOLED: usize = 6;
const COMPONENT_SOCKETS: usize = 7;
const NATIVE_TLS: usize = 8;
const COMPONENT_SOCKETS_TLS: usize = 9;
const MINIMAL_CANNED: usize = 10;
const COMPONENT_CANNED: usize = 11;

/// The cases, GETting `http` (the loopback server's URL), `https` (the TLS server's) or, with
/// no I/O, either (the canned transport never looks).
async fn cases(http: &str, https: &str) -> Result<Vec<Entry>> {
    const LOOPBACK: &str = "loopback http (ratio: the minimal guest on the same transport)";
    const SOCKETS: &str =
        "loopback http, the component's own HTTP/1.1 (ratio: native hyper, keep-alive)";
    const HTTPS: &str =
        "loopback https, TLS 1.3, keep-alive (ratio: native hyper-rustls, keep-alive)";
    const NO_IO: &str = "no I/O: a canned response, no network (ratio: the minimal guest, no I/O)";
    let entry = |name, section, base, case| Entry {
        name,
        section,
        base,
        case,
        url: if section == HTTPS { https } else { http }.to_string(),
    };
    let ca = Verify::CaBundle(Pem::Data(tls::CA_PEM.into()));
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
            "component, sockets adapter",
            SOCKETS,
            NATIVE_KEEP_ALIVE,
            sockets_component(None).await?,
        ),
        entry(
            "native hyper-rustls, keep-alive",
            HTTPS,
            NATIVE_TLS,
            native_tls()?,
        ),
        entry(
            "component, sockets adapter, verify = ca.pem",
            HTTPS,
            NATIVE_TLS,
            sockets_component(Some(ca)).await?,
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
    download: bool,
}

fn args() -> Result<Args> {
    let mut numbers = Vec::new();
    let mut multi_thread = false;
    let mut download = true;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--multi-thread" => multi_thread = true,
            "--no-download" => download = false,
            _ => match arg.parse::<usize>() {
                Ok(n) if n > 0 => numbers.push(n),
                _ => bail!(
                    "usage: bench [--multi-thread] [--no-download] [rounds [requests-per-round]]"
                ),
            },
        }
    }
    Ok(Args {
        // Many short rounds: the median then shrugs off the bursts of a shared machine.
        rounds: numbers.first().copied().unwrap_or(60),
        per_round: numbers.get(1).copied().unwrap_or(50),
        multi_thread,
        download,
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
        download,
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

    sizes::print()?;
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

    let server = fixture::serve();
    let tls_server = fixture::serve_tls(tls::server_config()?);
    let accepted = || server.accepted() + tls_server.accepted();
    let mut cases = cases(
        &format!("http://{}/get", server.addr),
        &format!("https://{}/get", tls_server.addr),
    )
    .await?;

    // Warm up every case (connections, compiled code, allocations) and check its body.
    for entry in &mut cases {
        for _ in 0..20 {
            let len = entry.case.request(&entry.url).await?;
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
    // Connections the servers accepted during each case's rounds: the cases take turns, so
    // what is accepted during one's round is that case's.
    let mut connections = vec![0; cases.len()];
    // The CPU time of this thread in each case's rounds: on a current-thread runtime it is all
    // the bench's side of the case (the servers run on threads of their own).
    let mut cpu_time = vec![Duration::ZERO; cases.len()];
    for _ in 0..rounds {
        for (i, entry) in cases.iter_mut().enumerate() {
            let before = accepted();
            let cpu_before = cpu::thread();
            let started = Instant::now();
            for _ in 0..per_round {
                entry.case.request(&entry.url).await?;
            }
            means[i].push(started.elapsed() / per_round as u32);
            cpu_time[i] += cpu::thread() - cpu_before;
            connections[i] += accepted() - before;
        }
    }
    // Mean CPU time per GET; not measured on the multi-thread runtime (the work moves between
    // its workers).
    let cpu: Option<Vec<Duration>> = (!multi_thread).then(|| {
        cpu_time
            .iter()
            .map(|t| *t / (rounds * per_round) as u32)
            .collect()
    });
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
                    entry.case.request(&entry.url).await?;
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
        "{rounds} rounds of {per_round} GETs of a 100-byte JSON body per case: per GET, the median of\n\
         round means and its ratio to the section's baseline; cpu, the mean CPU time of the bench's\n\
         thread per GET (the servers' aside); conns, the connections the servers accepted in the\n\
         {} timed GETs; calls per request (wasm entries / host calls)",
        rounds * per_round
    );
    let mut section = "";
    for (i, ((entry, median), calls)) in cases.iter().zip(&medians).zip(&calls).enumerate() {
        if entry.section != section {
            section = entry.section;
            println!("\n{section}");
            println!(
                "  {:<44} {:>12} {:>8} {:>11} {:>6}   wasm / host calls",
                "", "per GET", "ratio", "cpu", "conns"
            );
        }
        let ratio = median.as_secs_f64() / medians[entry.base].as_secs_f64();
        let calls = calls.map_or(String::new(), |(wasm, host)| {
            format!("{wasm:>6.1} / {host:.1}")
        });
        let cpu = cpu
            .as_ref()
            .map_or("-".to_string(), |cpu| format!("{:.1} us", us(cpu[i])));
        println!(
            "  {:<44} {:>9.1} us {ratio:>7.2}x {cpu:>11} {:>6} {calls}",
            entry.name,
            us(*median),
            connections[i],
        );
    }

    // The wall-time ratio of `component` to `base` against its goal, and the CPU-time ratio.
    let goal = |name: &str, component: usize, base: usize, goal: f64| {
        let (c, m) = (medians[component], medians[base]);
        let cpu = cpu.as_ref().map_or(String::new(), |cpu| {
            format!(
                "; CPU {:.2}x",
                cpu[component].as_secs_f64() / cpu[base].as_secs_f64()
            )
        });
        println!(
            "  {name:<36} {:>5.2}x  (goal <= {goal:.2}x; {:+.1} us a request{cpu})",
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
    println!("\nthe sockets adapter: component / native hyper, keep-alive");
    goal("http, loopback", COMPONENT_SOCKETS, NATIVE_KEEP_ALIVE, 2.0);
    goal("https, loopback", COMPONENT_SOCKETS_TLS, NATIVE_TLS, 2.5);
    let (sockets, pooled) = (medians[COMPONENT_SOCKETS], medians[COMPONENT_POOLED]);
    println!(
        "  {:<36} {:>5.2}x  (the component on the host's hyper, pooled; {:+.1} us a request)",
        "http, next to the pooled transport",
        sockets.as_secs_f64() / pooled.as_secs_f64(),
        us(sockets) - us(pooled)
    );

    if download {
        print_download(&server, !multi_thread).await?;
    } else {
        println!("\n(the 1 GiB download was skipped: run without --no-download to measure it)");
    }
    Ok(())
}

/// The 1 GiB download of [`download::run`], and what it shows.
async fn print_download(server: &fixture::Server, show_cpu: bool) -> Result<()> {
    const ROUNDS: usize = 5;
    let started = Instant::now();
    let d = download::run(server, ROUNDS).await?;
    let took = started.elapsed();
    let mb_s = |t: Duration| download::SIZE as f64 / t.as_secs_f64() / 1e6;
    println!(
        "\na 1 GiB streamed download, loopback http, keep-alive: median of {} rounds \
         ({:.1} s in all; --no-download skips it)",
        d.rounds,
        took.as_secs_f64()
    );
    let cpu = |t: Duration| {
        if show_cpu {
            format!("{:>6.2} s", t.as_secs_f64())
        } else {
            format!("{:>8}", "-")
        }
    };
    println!(
        "  {:<44} {:>12} {:>9} {:>8}",
        "", "throughput", "per GiB", "cpu"
    );
    println!(
        "  {:<44} {:>7.0} MB/s {:>7.2} s {}",
        "native hyper",
        mb_s(d.native),
        d.native.as_secs_f64(),
        cpu(d.native_cpu)
    );
    println!(
        "  {:<44} {:>7.0} MB/s {:>7.2} s {}  ({} read-chunk calls, {:.0} KiB each)",
        "component, sockets adapter, stream = true",
        mb_s(d.component),
        d.component.as_secs_f64(),
        cpu(d.component_cpu),
        d.reads,
        download::SIZE as f64 / d.reads as f64 / 1024.0
    );
    println!(
        "  {:<36} {:>5.0}%  (goal >= 70%)",
        "component / native hyper",
        100.0 * d.native.as_secs_f64() / d.component.as_secs_f64()
    );
    let mib = |bytes: Option<usize>| {
        bytes.map_or("no growth seen".to_string(), |b| {
            format!("{:.2} MiB", b as f64 / (1 << 20) as f64)
        })
    };
    println!(
        "  the guest's linear memory: {} after a 16 MiB warm-up, {} after {} GiB",
        mib(d.memory_before),
        mib(d.memory_after),
        d.rounds
    );
    Ok(())
}
