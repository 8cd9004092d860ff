//! The 1 GiB download: `/bytes/1073741824` from the loopback http server (generated as it is
//! sent, [`fixture::Pattern`]), read to its end by native hyper (keep-alive) and by the
//! component over the sockets adapter with `stream = true`, `response.read-chunk(1 MiB)` after
//! `response.read-chunk` until the end. Each reader checks the first and last byte of every
//! piece and counts them all.
//!
//! The two run in turns, round after round, and each reports the median of its rounds. The
//! component's instance is its own, and a [`MemoryWatch`] sees every growth of its linear
//! memory from before the session is made: its size after a short warm-up download and after
//! the 1 GiB ones tells whether the body went through the guest in pieces (flat memory) or
//! piled up in it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, ensure, Result};
use bytes::Bytes;
use host_tests::host::{opts, send_opts, Harness, RequestOptions, ResourceAny, SendOptions};
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use wasmtime::component::Resource;
use wasmtime::ResourceLimiter;

use crate::cpu;
use crate::fixture::{self, pattern_byte};

/// The size of the download.
pub const SIZE: u64 = 1 << 30;
/// The size of the warm-up download that comes first.
const WARM_UP: u64 = 16 << 20;
/// The most the component is asked for per `read-chunk`.
const READ_MAX: u32 = 1 << 20;

/// What [`run`] measured.
pub struct Download {
    pub rounds: usize,
    /// Median time of a 1 GiB download, natively.
    pub native: Duration,
    /// Median time of a 1 GiB download through the component.
    pub component: Duration,
    /// Median CPU time of the calling thread per download, natively and through the component
    /// (on a current-thread runtime, the reader's side of the download).
    pub native_cpu: Duration,
    pub component_cpu: Duration,
    /// `read-chunk` calls per download.
    pub reads: usize,
    /// The guest's linear memory after the warm-up and after the 1 GiB downloads (bytes), if
    /// any growth was seen.
    pub memory_before: Option<usize>,
    pub memory_after: Option<usize>,
}

/// Downloads `/bytes/1 GiB` from `server` `rounds` times each way.
pub async fn run(server: &fixture::Server, rounds: usize) -> Result<Download> {
    let base = format!("http://{}/bytes", server.addr);
    let client = Client::builder(TokioExecutor::new()).build_http();

    let mut h = Harness::builder().sockets().build().await?;
    let memory = watch_memory(&mut h)?;
    let s = h.session().await?;
    h.mount_sockets_adapter(s, None).await?;

    let warm_up = format!("{base}/{WARM_UP}");
    native(&client, &warm_up, WARM_UP).await?;
    component(&mut h, s, &warm_up, WARM_UP).await?;
    let memory_before = memory.seen();

    let url = format!("{base}/{SIZE}");
    let (mut native_times, mut component_times, mut reads) = (Vec::new(), Vec::new(), 0);
    let (mut native_cpu, mut component_cpu) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (cpu_before, started) = (cpu::thread(), Instant::now());
        native(&client, &url, SIZE).await?;
        native_times.push(started.elapsed());
        native_cpu.push(cpu::thread() - cpu_before);
        let (cpu_before, started) = (cpu::thread(), Instant::now());
        reads = component(&mut h, s, &url, SIZE).await?;
        component_times.push(started.elapsed());
        component_cpu.push(cpu::thread() - cpu_before);
    }
    Ok(Download {
        rounds,
        native: median(native_times),
        component: median(component_times),
        native_cpu: median(native_cpu),
        component_cpu: median(component_cpu),
        reads,
        memory_before,
        memory_after: memory.seen(),
    })
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Checks the first and last byte of a piece that starts at byte `offset` of the body.
fn check(offset: u64, piece: &[u8]) -> Result<()> {
    let (Some(first), Some(last)) = (piece.first(), piece.last()) else {
        return Ok(());
    };
    let end = offset + piece.len() as u64 - 1;
    ensure!(
        *first == pattern_byte(offset) && *last == pattern_byte(end),
        "bytes {offset}..={end} of the download are not what the server sent"
    );
    Ok(())
}

/// GETs `url` with hyper and reads its body frame by frame, as it arrives.
async fn native(client: &Client<HttpConnector, Empty<Bytes>>, url: &str, size: u64) -> Result<()> {
    let mut body = client.get(url.parse()?).await?.into_body();
    let mut total = 0u64;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            check(total, &data)?;
            total += data.len() as u64;
        }
    }
    ensure!(total == size, "native: {total} bytes, not {size}");
    Ok(())
}

/// GETs `url` through the component with `stream = true` and reads the body with
/// `read-chunk(READ_MAX)` until its end; returns the number of reads.
async fn component(h: &mut Harness, s: ResourceAny, url: &str, size: u64) -> Result<usize> {
    let options = RequestOptions {
        send: Some(SendOptions {
            stream: Some(true),
            ..send_opts()
        }),
        ..opts()
    };
    let r = h
        .get(s, url, options)
        .await?
        .map_err(|e| anyhow!("GET {url}: {e:?}"))?;
    let api = h.client.requests_http_types().response();
    let (mut total, mut reads) = (0u64, 0);
    while let Some(piece) = api
        .call_read_chunk(&mut h.store, r, READ_MAX)
        .await?
        .map_err(|e| anyhow!("reading {url}: {e:?}"))?
    {
        check(total, &piece)?;
        total += piece.len() as u64;
        reads += 1;
    }
    h.drop_resource(r).await?;
    ensure!(total == size, "component: {total} bytes, not {size}");
    Ok(reads)
}

/// The guest's linear memory as [`MemoryWatch`] saw it grow: the largest size asked for so far.
#[derive(Clone, Default)]
struct MemorySize(Arc<AtomicUsize>);

impl MemorySize {
    /// The size after the last growth, if any was seen (linear memory never shrinks).
    fn seen(&self) -> Option<usize> {
        Some(self.0.load(Ordering::Relaxed)).filter(|&size| size > 0)
    }
}

/// A [`ResourceLimiter`] that allows everything and records each growth of a linear memory:
/// wasmtime asks the store's limiter before every `memory.grow`. The component has one linear
/// memory.
struct MemoryWatch(MemorySize);

impl ResourceLimiter for MemoryWatch {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.0 .0.fetch_max(desired, Ordering::Relaxed);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// Makes a [`MemoryWatch`] the store's limiter, in place of the harness's (which limits
/// nothing unless asked to). The store's limiter must be reached from the store's data, and
/// the harness's [`host_tests::host::HostState`] has no field for it, so the watch lives in
/// the state's resource table, under a handle the guest is never given.
fn watch_memory(h: &mut Harness) -> Result<MemorySize> {
    let size = MemorySize::default();
    let rep = h
        .store
        .data_mut()
        .table
        .push(MemoryWatch(size.clone()))?
        .rep();
    h.store.limiter(move |state| {
        state
            .table
            .get_mut(&Resource::<MemoryWatch>::new_own(rep))
            .expect("the memory watch stays in the table")
    });
    Ok(size)
}
