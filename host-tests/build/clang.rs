//! The C toolchain of the sockets guest build: `ring` (rustls' crypto) compiles C and assembly
//! for `wasm32-wasip2`, which only clang can do (gcc has no wasm backend), and `cc` looks for a
//! plain `clang` that Debian does not install (its packages are `clang-NN`).
//!
//! So, unless the environment names one already (`CC_wasm32_wasip2`, as `cc` reads it), the
//! nested build gets the first clang found on `PATH`, and the `llvm-ar` of the same version as
//! its archiver (GNU `ar` writes no symbol index for wasm objects), unless `AR_wasm32_wasip2`
//! is set. None found fails the build with how to install one.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::fail;

/// The `cc` variables for the wasm target (the underscore spelling; `cc` also reads the
/// hyphenated one, honoured as given too).
const CC_VARS: [&str; 2] = ["CC_wasm32_wasip2", "CC_wasm32-wasip2"];
const AR_VARS: [&str; 2] = ["AR_wasm32_wasip2", "AR_wasm32-wasip2"];

/// The versioned clang packages looked for after a plain `clang`, newest first.
const VERSIONS: std::ops::RangeInclusive<u32> = 14..=21;

/// The environment the sockets guest build needs: `CC_wasm32_wasip2` (and `AR_wasm32_wasip2`
/// when an `llvm-ar` to match was found), or nothing when the caller's environment sets them.
pub fn wasm_c_toolchain() -> Vec<(&'static str, OsString)> {
    for var in CC_VARS.iter().chain(AR_VARS.iter()) {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let cc_given = CC_VARS.iter().any(|v| env::var_os(v).is_some());
    let ar_given = AR_VARS.iter().any(|v| env::var_os(v).is_some());
    if cc_given {
        // The caller chose the compiler; an archiver they did not name is left to `cc`.
        return Vec::new();
    }
    let Some((clang, suffix)) = find_clang() else {
        fail(
            "building the sockets guest (feature `sockets`) compiles ring's C code for \
             wasm32-wasip2, which needs clang, and none was found on PATH (looked for `clang`, \
             then `clang-21` down to `clang-14`). Install one (Debian/Ubuntu: \
             `apt-get install clang-19`), or name one with CC_wasm32_wasip2=/path/to/clang \
             (and AR_wasm32_wasip2=/path/to/llvm-ar).",
        )
    };
    // By name, not path: the same value as the manual `CC_wasm32_wasip2=clang-19 cargo build`,
    // so the two do not rebuild each other's ring (its build script reruns when it changes).
    let mut vars = vec![("CC_wasm32_wasip2", OsString::from(&clang))];
    if !ar_given {
        let ar = format!("llvm-ar{suffix}");
        if which(&ar).is_some() {
            vars.push(("AR_wasm32_wasip2", ar.into()));
        }
    }
    vars
}

/// The name of the first of `clang`, `clang-21`, ..., `clang-14` on `PATH`, with its version
/// suffix (`""` or `"-NN"`).
fn find_clang() -> Option<(String, String)> {
    std::iter::once(String::new())
        .chain(VERSIONS.rev().map(|v| format!("-{v}")))
        .map(|suffix| (format!("clang{suffix}"), suffix))
        .find(|(name, _)| which(name).is_some())
}

/// The first executable file called `name` in a directory of `PATH`.
fn which(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file() || path.with_extension("exe").is_file()
}
