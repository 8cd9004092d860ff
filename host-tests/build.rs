//! Builds the `requests-component` guest for `wasm32-wasip2`, three times, and hands the paths to
//! the harness: world `client` (`REQUESTS_COMPONENT_WASM`), with the `host` feature world
//! `client-with-host` (`REQUESTS_COMPONENT_HOST_WASM`), and with the `sockets` feature world
//! `client-with-sockets` (`REQUESTS_COMPONENT_SOCKETS_WASM`).
//!
//! Each guest is built by a nested `cargo build` in its own target directory
//! (`<workspace>/target/component`, `target/component-host` and `target/component-sockets`:
//! the builds differ only in a feature of the root crate, and one directory would rebuild it
//! at every switch), so it never contends for the outer build's lock and is shared
//! by every profile of the host tests. The sockets build compiles ring's C code, so it gets a
//! clang (`build/clang.rs`). Environment that the outer cargo sets for
//! build scripts (rustflags, target dir, jobserver, wrappers) is removed so it
//! cannot leak into the guest build.
//!
//! Then `build/compose.rs` builds the `examples/compose` consumer the same way and plugs the
//! session component into it (`COMPOSE_CONSUMER_WASM`, `COMPOSE_COMPOSED_WASM`).

use std::env;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "build/clang.rs"]
mod clang;
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
    for input in ["src", "wit", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed=../{input}");
    }
    println!("cargo:rerun-if-changed=build.rs");

    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = workspace.join("Cargo.toml");
    let guest = |target_dir: &Path, features: &[&str], env: &[(&str, OsString)], what: &str| {
        let wasm = build_wasm_with_env(&cargo, &manifest, target_dir, features, env, what);
        wasm.join("requests_component.wasm")
    };
    let plain_dir = workspace.join("target").join("component");
    let plain = guest(&plain_dir, &[], &[], "the guest component");
    let host = guest(
        &workspace.join("target").join("component-host"),
        &["--features", "host"],
        &[],
        "the guest component calling back into its host",
    );
    let sockets = guest(
        &workspace.join("target").join("component-sockets"),
        &["--features", "sockets"],
        &clang::wasm_c_toolchain(),
        "the guest component with the sockets adapter",
    );
    for wasm in [&plain, &host, &sockets] {
        if !wasm.is_file() {
            fail(&format!(
                "the guest build succeeded but {} is missing; is the root crate's lib a cdylib \
                 named `requests_component`?",
                wasm.display()
            ));
        }
    }
    println!(
        "cargo:rustc-env=REQUESTS_COMPONENT_WASM={}",
        plain.display()
    );
    println!(
        "cargo:rustc-env=REQUESTS_COMPONENT_HOST_WASM={}",
        host.display()
    );
    println!(
        "cargo:rustc-env=REQUESTS_COMPONENT_SOCKETS_WASM={}",
        sockets.display()
    );

    compose::run(&workspace, &plain_dir, &cargo, &plain);
}

/// `cargo build --release --lib --locked --target wasm32-wasip2 <args>` of the crate at
/// `manifest`, in `target_dir`, without the outer build's environment. Fails the build script
/// with the nested build's output on error; returns the directory of the release artifacts.
pub fn build_wasm(
    cargo: &OsStr,
    manifest: &Path,
    target_dir: &Path,
    args: &[&str],
    what: &str,
) -> PathBuf {
    build_wasm_with_env(cargo, manifest, target_dir, args, &[], what)
}

/// [`build_wasm`] with these variables set for the nested build (after the outer build's
/// are removed).
pub fn build_wasm_with_env(
    cargo: &OsStr,
    manifest: &Path,
    target_dir: &Path,
    args: &[&str],
    env: &[(&str, OsString)],
    what: &str,
) -> PathBuf {
    let crate_dir = manifest.parent().expect("a manifest is in a directory");
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--release",
        "--lib",
        "--locked",
        "--target",
        TARGET,
    ])
    .args(args)
    .arg("--manifest-path")
    .arg(manifest)
    .current_dir(crate_dir);
    for name in LEAKY_ENV {
        cmd.env_remove(name);
    }
    cmd.env("CARGO_TARGET_DIR", target_dir);
    cmd.envs(env.iter().map(|(name, value)| (name, value)));

    let output = cmd.output().unwrap_or_else(|err| {
        fail(&format!(
            "could not run `{}` to build {what}: {err}",
            cargo.to_string_lossy()
        ))
    });
    if !output.status.success() {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        eprintln!("---- {what}: build stdout ----\n{stdout}");
        eprintln!("---- {what}: build stderr ----\n{stderr}");
        let hint = if stderr.contains("may not be installed")
            || stderr.contains("can't find crate for `core`")
        {
            "\nhint: the wasm32-wasip2 target is missing: run `rustup target add wasm32-wasip2` once."
                .to_string()
        } else if stderr.contains("failed to encode component") {
            "\nhint: `failed to encode component` means the guest does not (yet) implement every \
             export of its world in wit/world.wit."
                .to_string()
        } else if stderr.contains("failed to run custom build command for `ring") {
            format!(
                "\nhint: the C compiler for wasm32-wasip2 failed (ring needs clang with the \
                 wasm backend; Debian: `apt-get install clang-19`); it was {}.",
                env.iter()
                    .map(|(n, v)| format!("{n}={}", v.to_string_lossy()))
                    .chain(
                        ["CC_wasm32_wasip2", "AR_wasm32_wasip2"]
                            .into_iter()
                            .filter_map(|n| std::env::var_os(n)
                                .map(|v| format!("{n}={} (given)", v.to_string_lossy())))
                    )
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else if stderr.contains("--locked") {
            format!(
                "\nhint: the Cargo.lock beside {} is out of date: run `cargo update -w \
                 --manifest-path {}` and commit it.",
                manifest.display(),
                manifest.display()
            )
        } else {
            String::new()
        };
        fail(&format!(
            "building {what} failed ({}): `cargo build --release --lib --locked --target {TARGET} \
             {}--manifest-path {}` with CARGO_TARGET_DIR={}; its output is printed above.{hint}",
            output.status,
            args.iter().map(|a| format!("{a} ")).collect::<String>(),
            manifest.display(),
            target_dir.display(),
        ));
    }
    target_dir.join(TARGET).join("release")
}

/// Reports why the guest could not be built and fails the build script
/// (without a panic backtrace burying the guest's own error).
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
