//! Builds the `requests-component` guest for `wasm32-wasip2` and hands its path to the harness.
//!
//! The guest is built by a nested `cargo build` in its own target directory
//! (`<workspace>/target/component`), so it never contends for the outer build's
//! lock and is shared by every profile of the host tests. Environment that the
//! outer cargo sets for build scripts (rustflags, target dir, jobserver, wrappers)
//! is removed so it cannot leak into the guest build.
//!
//! The harness reads the result through `env!("REQUESTS_COMPONENT_WASM")`.
//!
//! Then `build/compose.rs` builds the `examples/compose` consumer the same way and plugs the
//! session component into it (`COMPOSE_CONSUMER_WASM`, `COMPOSE_COMPOSED_WASM`).

use std::env;
use std::path::PathBuf;
use std::process::Command;

#[path = "build/compose.rs"]
mod compose;

/// Environment the outer cargo sets (or a user may set for the host build) that
/// must not reach the nested guest build.
const LEAKY_ENV: &[&str] = &[
    // Host rustflags would be applied to the wasm target (e.g. `-C target-cpu=native`).
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    // The guest has its own target directory, set below.
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    // The target is given on the command line.
    "CARGO_BUILD_TARGET",
    // The outer jobserver: the nested cargo runs its own.
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
    // `cargo clippy` and friends wrap the workspace's rustc; the guest build must
    // stay a plain build, or each tool would rebuild it with another fingerprint.
    "RUSTC_WORKSPACE_WRAPPER",
    // Coverage / instrumentation set by tools for the host only.
    "CARGO_LLVM_COV",
    "LLVM_PROFILE_FILE",
];

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(
        env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo"),
    );
    let workspace = manifest_dir
        .parent()
        .expect("host-tests lives inside the workspace")
        .to_path_buf();
    let target_dir = workspace.join("target").join("component");
    let wasm = target_dir
        .join(TARGET)
        .join("release")
        .join("requests_component.wasm");

    for input in ["src", "wit", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed=../{input}");
    }
    println!("cargo:rerun-if-changed=build.rs");

    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.arg("build")
        .arg("--release")
        .arg("--lib")
        .arg("--package")
        .arg("requests-component")
        .arg("--target")
        .arg(TARGET)
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .current_dir(&workspace);
    for name in LEAKY_ENV {
        cmd.env_remove(name);
    }
    cmd.env("CARGO_TARGET_DIR", &target_dir);

    let output = match cmd.output() {
        Ok(output) => output,
        Err(err) => fail(&format!(
            "could not run `{}` to build the guest component: {err}",
            cargo.to_string_lossy()
        )),
    };
    if !output.status.success() {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        eprintln!("---- guest build stdout ----\n{stdout}");
        eprintln!("---- guest build stderr ----\n{stderr}");
        let hint = if stderr.contains("may not be installed")
            || stderr.contains("can't find crate for `core`")
        {
            "\nhint: the wasm32-wasip2 target is missing: run `rustup target add wasm32-wasip2` once."
        } else if stderr.contains("failed to encode component") {
            "\nhint: `failed to encode component` means the guest does not (yet) implement every \
             export of world `client` in wit/world.wit (requests:http/types and requests:http/session)."
        } else {
            ""
        };
        fail(&format!(
            "building the guest component failed ({}): `cargo build --release --lib --target {TARGET} \
             --manifest-path {}` with CARGO_TARGET_DIR={}; its output is printed above.{hint}",
            output.status,
            workspace.join("Cargo.toml").display(),
            target_dir.display(),
        ));
    }
    if !wasm.is_file() {
        fail(&format!(
            "the guest build succeeded but {} is missing; is the root crate's lib a cdylib named \
             `requests_component`?",
            wasm.display()
        ));
    }

    println!("cargo:rustc-env=REQUESTS_COMPONENT_WASM={}", wasm.display());

    compose::run(&workspace, &target_dir, &cargo, &wasm);
}

/// Reports why the guest could not be built and fails the build script
/// (without a panic backtrace burying the guest's own error).
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
