//! Builds the two baseline guests of the bench for `wasm32-wasip2` and hands their paths to it:
//! `guests/minimal` (raw `wasi` bindings, `BENCH_MINIMAL_WASM`) and `guests/waki` (the `waki`
//! client crate, `BENCH_WAKI_WASM`).
//!
//! Each guest is a crate with its own workspace and `Cargo.lock`, built by a nested
//! `cargo build --release --locked` in `<workspace>/target/bench-guests`, as `host-tests/build.rs`
//! builds the component: the nested build never waits for the outer build's lock, and the
//! environment the outer cargo sets for build scripts (rustflags, target dir, jobserver,
//! wrappers) is removed so it cannot leak into it.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment of the outer build that must not reach the nested guest builds.
const LEAKY_ENV: &[&str] = &[
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_LLVM_COV",
    "LLVM_PROFILE_FILE",
];

const TARGET: &str = "wasm32-wasip2";

/// The guests: directory under `guests/`, wasm file name, environment variable for the bench.
const GUESTS: &[(&str, &str, &str)] = &[
    ("minimal", "bench_minimal.wasm", "BENCH_MINIMAL_WASM"),
    ("waki", "bench_waki.wasm", "BENCH_WAKI_WASM"),
];

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .ancestors()
        .nth(2)
        .expect("examples/bench lives two levels below the workspace");
    let target_dir = workspace.join("target").join("bench-guests");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=guests/wit");
    for (dir, wasm, var) in GUESTS {
        for input in ["src", "Cargo.toml", "Cargo.lock"] {
            println!("cargo:rerun-if-changed=guests/{dir}/{input}");
        }
        let crate_dir = manifest_dir.join("guests").join(dir);
        let path = build(&cargo, &crate_dir, &target_dir).join(wasm);
        if !path.is_file() {
            fail(&format!(
                "the build of guests/{dir} succeeded but {} is missing",
                path.display()
            ));
        }
        println!("cargo:rustc-env={var}={}", path.display());
    }
}

/// `cargo build --release --lib --locked --target wasm32-wasip2` of the crate in `crate_dir`;
/// returns the directory of its release artifacts.
fn build(cargo: &std::ffi::OsStr, crate_dir: &Path, target_dir: &Path) -> PathBuf {
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
    .arg(crate_dir.join("Cargo.toml"))
    .current_dir(crate_dir);
    for name in LEAKY_ENV {
        cmd.env_remove(name);
    }
    cmd.env("CARGO_TARGET_DIR", target_dir);
    let output = cmd.output().unwrap_or_else(|err| {
        fail(&format!(
            "could not run `{}`: {err}",
            cargo.to_string_lossy()
        ))
    });
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        eprintln!(
            "---- build stdout ----\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
        eprintln!("---- build stderr ----\n{stderr}");
        let hint = if stderr.contains("may not be installed")
            || stderr.contains("can't find crate for `core`")
        {
            "\nhint: run `rustup target add wasm32-wasip2` once."
        } else if stderr.contains("--locked") {
            "\nhint: the guest's Cargo.lock is out of date: run `cargo update -w` in its directory \
             and commit it."
        } else {
            ""
        };
        fail(&format!(
            "building the bench guest {} failed ({}): `cargo build --release --lib --locked \
             --target {TARGET}` with CARGO_TARGET_DIR={}; its output is printed above.{hint}",
            crate_dir.display(),
            output.status,
            target_dir.display(),
        ));
    }
    target_dir.join(TARGET).join("release")
}

/// Reports why a guest could not be built and fails the build script.
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
