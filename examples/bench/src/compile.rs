//! What loading the component costs: compiling it with Cranelift, on one thread and on all
//! (`Config::parallel_compilation`), against loading the compiled code that
//! `Component::serialize` wrote (`Component::deserialize`), which is how an embedding caches it.

use std::time::{Duration, Instant};

use anyhow::Result;
use wasmtime::component::Component;
use wasmtime::{Config, Engine};

/// The timings of [`measure`].
pub struct Load {
    /// The component file's size.
    pub wasm_bytes: usize,
    /// Compiling it with parallel compilation off.
    pub serial: Duration,
    /// Compiling it with parallel compilation on.
    pub parallel: Duration,
    /// `Component::serialize` of the compiled component.
    pub serialize: Duration,
    /// The serialised size.
    pub serialized_bytes: usize,
    /// The median of a few `Component::deserialize` of those bytes, in memory.
    pub deserialize: Duration,
    /// The median of a few `Component::deserialize_file` of those bytes written to a file
    /// (mapped, not read): the load of an embedding that caches the compiled component on disk.
    pub deserialize_file: Duration,
}

/// An engine configured as the harness's, with parallel compilation on or off.
fn engine(parallel: bool) -> Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.parallel_compilation(parallel);
    Ok(Engine::new(&config)?)
}

/// Compiles the component at `path` on one thread, then on all, then serialises the compiled
/// component and deserialises it a few times.
pub fn measure(path: &str) -> Result<Load> {
    let wasm = std::fs::read(path)?;

    let serial_engine = engine(false)?;
    let started = Instant::now();
    drop(Component::new(&serial_engine, &wasm)?);
    let serial = started.elapsed();

    let parallel_engine = engine(true)?;
    let started = Instant::now();
    let component = Component::new(&parallel_engine, &wasm)?;
    let parallel = started.elapsed();

    let started = Instant::now();
    let bytes = component.serialize()?;
    let serialize = started.elapsed();

    // SAFETY (both loads): the bytes were just made by `serialize` with an engine of this
    // configuration, and the file is this process's own, written here and not changed after.
    let deserialize = median(|| unsafe { Component::deserialize(&parallel_engine, &bytes) })?;
    let file = std::env::temp_dir().join(format!("bench-component-{}.cwasm", std::process::id()));
    std::fs::write(&file, &bytes)?;
    let deserialize_file =
        median(|| unsafe { Component::deserialize_file(&parallel_engine, &file) });
    std::fs::remove_file(&file)?;

    Ok(Load {
        wasm_bytes: wasm.len(),
        serial,
        parallel,
        serialize,
        serialized_bytes: bytes.len(),
        deserialize,
        deserialize_file: deserialize_file?,
    })
}

/// The median time of seven `load`s.
fn median(mut load: impl FnMut() -> wasmtime::Result<Component>) -> Result<Duration> {
    let mut times = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let component = load()?;
        times.push(started.elapsed());
        drop(component);
    }
    times.sort();
    Ok(times[times.len() / 2])
}
