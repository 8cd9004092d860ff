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
use std::process::Command;

use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

use super::{fail, LEAKY_ENV, TARGET};

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
    let crate_dir = workspace.join(CRATE_DIR);
    let manifest = crate_dir.join("Cargo.toml");
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--release",
        "--lib",
        "--locked",
        "--target",
        TARGET,
    ])
    .arg("--manifest-path")
    .arg(&manifest)
    .current_dir(&crate_dir);
    for name in LEAKY_ENV {
        cmd.env_remove(name);
    }
    cmd.env("CARGO_TARGET_DIR", target_dir);

    let output = cmd.output().unwrap_or_else(|err| {
        fail(&format!(
            "could not run `{}` to build the compose consumer: {err}",
            cargo.to_string_lossy()
        ))
    });
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        eprintln!(
            "---- compose consumer build stdout ----\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
        eprintln!("---- compose consumer build stderr ----\n{stderr}");
        let hint = if stderr.contains("--locked") {
            format!(
                "\nhint: {CRATE_DIR}/Cargo.lock is out of date: run `cargo update -w --manifest-path \
                 {}` and commit it.",
                manifest.display()
            )
        } else {
            String::new()
        };
        fail(&format!(
            "building the compose consumer failed ({}): `cargo build --release --lib --locked \
             --target {TARGET} --manifest-path {}` with CARGO_TARGET_DIR={}; its output is printed \
             above.{hint}",
            output.status,
            manifest.display(),
            target_dir.display(),
        ));
    }

    let wasm = target_dir
        .join(TARGET)
        .join("release")
        .join("compose_fetcher.wasm");
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
