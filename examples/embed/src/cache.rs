//! Compiling the component (Cranelift turns all of its 2 MB into machine code) takes far longer
//! than sending a request. A host that starts often compiles once and keeps the machine code:
//! `Component::serialize` writes it to a file, `Component::deserialize_file` maps it back in
//! next time.
//!
//! The file is keyed by a hash of the component's bytes and of the engine's settings
//! (`Engine::precompile_compatibility_hash`: wasmtime's version, target and compiler flags), so
//! a new build of the component or of the host compiles afresh instead of loading stale code.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use wasmtime::component::Component;
use wasmtime::Engine;

/// Where compiled components are kept: `$EMBED_CACHE_DIR`, else `component-cache/` next to this
/// executable (in cargo's target directory). A real host would use its own cache directory,
/// one that only its user can write (see [`load`]), never a shared one like `/tmp`.
pub fn dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("EMBED_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().context("finding this executable")?;
    let parent = exe.parent().context("the executable has no directory")?;
    Ok(parent.join("component-cache"))
}

/// The component at `path`, compiled for `engine`: from `cache_dir` when it was compiled
/// before, else compiled now and saved there. Says which on stdout.
pub fn load(engine: &Engine, path: &str, cache_dir: &Path) -> Result<Component> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {path}"))?;
    // std's hasher is enough for a cache key: another Rust release may hash differently, and
    // that is only a cache miss.
    let mut key = DefaultHasher::new();
    bytes.hash(&mut key);
    engine.precompile_compatibility_hash().hash(&mut key);
    let stem = Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("component");
    let cached = cache_dir.join(format!("{stem}-{:016x}.cwasm", key.finish()));

    if cached.is_file() {
        // SAFETY: `deserialize_file` runs the file's machine code as it is: it checks that the
        // file came from a compatible wasmtime, not what the code does. Deserialising a file is
        // only safe when it is trusted: written by `Component::serialize` of this program (or
        // `wasmtime compile`), in a directory no one else can write to, and not changed while
        // it is mapped (the file is replaced by a rename below, never written in place).
        match unsafe { Component::deserialize_file(engine, &cached) } {
            Ok(component) => {
                println!("component: loaded compiled code from {}", cached.display());
                return Ok(component);
            }
            // Not loadable (cut short, another wasmtime): compile again and replace it.
            Err(e) => eprintln!("ignoring {}: {e:#}", cached.display()),
        }
    }

    let component = Component::new(engine, &bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compiling {path}"))?;
    // A cache that cannot be written only costs the next start a compilation.
    match save(&component, &cached) {
        Ok(()) => println!("component: compiled, saved to {}", cached.display()),
        Err(e) => eprintln!("component: compiled, not saved: {e:#}"),
    }
    Ok(component)
}

/// Writes the compiled code to a temporary file and renames it into place, so a reader never
/// sees half a file.
fn save(component: &Component, to: &Path) -> Result<()> {
    let code = component.serialize()?;
    let dir = to.parent().context("the cache file has no directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = to.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, code).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, to).with_context(|| format!("renaming to {}", to.display()))
}
