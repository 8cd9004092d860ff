//! The composition half of `build.rs`: builds the `examples/compose` consumer component and plugs
//! the session component into it with `wac-graph` (what `wac plug` does), so the composed component
//! imports only `wasi:*`.
//!
//! The consumer is its own workspace (the root one excludes it). It is built like the session
//! component: a nested `cargo build --release` for `wasm32-wasip2` in `<workspace>/target/component`,
//! with the outer build's environment removed, so the two builds share compiled dependencies
//! (wit-bindgen). `--locked` keeps it on `examples/compose/Cargo.lock`. The composed component is
//! written to `OUT_DIR`.
//!
//! Exported to the crate: `COMPOSE_CONSUMER_WASM` (the consumer alone, importing
//! `requests:http/session`) and `COMPOSE_COMPOSED_WASM` (consumer + session).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

use super::{build_wasm, fail};

/// The consumer crate, relative to the workspace root.
const CRATE_DIR: &str = "examples/compose";

/// Builds the consumer, composes it with `session_wasm` and exports both paths.
pub fn run(workspace: &Path, target_dir: &Path, cargo: &OsStr, session_wasm: &Path) {
    for input in ["src", "wit", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed=../{CRATE_DIR}/{input}");
    }
    println!("cargo:rerun-if-changed=build/compose.rs");

    let consumer = build_consumer(workspace, target_dir, cargo);
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let composed = out_dir.join("compose_fetcher.composed.wasm");
    if let Err(err) = compose(&consumer, session_wasm, &composed) {
        fail(&format!(
            "plugging {} into {} failed: {err:?}",
            session_wasm.display(),
            consumer.display()
        ));
    }

    println!(
        "cargo:rustc-env=COMPOSE_CONSUMER_WASM={}",
        consumer.display()
    );
    println!(
        "cargo:rustc-env=COMPOSE_COMPOSED_WASM={}",
        composed.display()
    );
}

/// `cargo build --release --lib --locked --target wasm32-wasip2` of the consumer crate.
fn build_consumer(workspace: &Path, target_dir: &Path, cargo: &OsStr) -> PathBuf {
    let manifest = workspace.join(CRATE_DIR).join("Cargo.toml");
    let release = build_wasm(cargo, &manifest, target_dir, &[], "the compose consumer");
    let wasm = release.join("compose_fetcher.wasm");
    if !wasm.is_file() {
        fail(&format!(
            "the compose consumer build succeeded but {} is missing",
            wasm.display()
        ));
    }
    wasm
}

/// `wac plug <consumer> --plug <session> -o <out>`: the session's exports (`requests:http/types`,
/// `requests:http/session`) satisfy the consumer's imports of the same names; every other import of
/// either component (all `wasi:*`) becomes an import of the result, and the consumer's exports
/// are exported. The output is validated, and written through a temporary file.
fn compose(consumer: &Path, session: &Path, out: &Path) -> anyhow::Result<()> {
    let mut graph = CompositionGraph::new();
    let socket = Package::from_file("example:fetcher", None, consumer, graph.types_mut())?;
    let socket = graph.register_package(socket)?;
    let plug = Package::from_file("requests:http", None, session, graph.types_mut())?;
    let plug = graph.register_package(plug)?;
    wac_graph::plug(&mut graph, vec![plug], socket)?;
    let bytes = graph.encode(EncodeOptions::default())?;

    let tmp = out.with_extension("wasm.tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, out)?;
    Ok(())
}
