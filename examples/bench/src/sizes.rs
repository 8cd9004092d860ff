//! The size of every build of the component, as `host-tests/build.rs` built them (release:
//! `opt-level = "s"`, LTO, stripped): world `client`, `client-with-host` (hooks and host
//! adapters) and `client-with-sockets` (the sockets adapter: HTTP/1.1 framing, rustls with
//! ring, the Mozilla roots).

use anyhow::{Context as _, Result};
use host_tests::host::{Build, COMPONENT_PATH};

/// The builds, by world.
const BUILDS: &[(&str, Build)] = &[
    ("client", Build::Plain),
    ("client-with-host", Build::Host),
    ("client-with-sockets", Build::Sockets),
];

/// Prints each build's size and its difference from world `client`'s.
pub fn print() -> Result<()> {
    let size = |path: &str| -> Result<u64> {
        Ok(std::fs::metadata(path)
            .with_context(|| format!("the component {path}"))?
            .len())
    };
    let plain = size(COMPONENT_PATH)?;
    println!("component builds (wasm32-wasip2, release):");
    for (world, build) in BUILDS {
        let path = build.path();
        let bytes = size(path)?;
        let difference = if *build == Build::Plain {
            String::new()
        } else if path == COMPONENT_PATH {
            "(the same file: this host-tests build skipped it)".to_string()
        } else {
            let delta = bytes as f64 - plain as f64;
            format!(
                "{:+.0} KiB ({:+.1}%) next to client",
                delta / 1024.0,
                100.0 * delta / plain as f64
            )
        };
        println!(
            "  {world:<22} {:>6} KiB  {difference}",
            (bytes as f64 / 1024.0).round()
        );
    }
    println!();
    Ok(())
}
