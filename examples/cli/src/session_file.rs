//! Named sessions kept between runs (like HTTPie's `--session`). The file holds the session's
//! own saved state, `session.export-state(true)`, and is read back with `session.import-state`:
//! the format is the component's, so every setting and cookie attribute survives (a host-only
//! cookie stays host-only, an expiry stays), and nothing here parses or writes it.

use anyhow::{Context, Result};
use std::path::Path;

/// The saved state in `path`; `None` when there is no such file yet (a new session).
pub fn load(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(state) => Ok(Some(state)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Writes the state to `path`. It holds cookies and credentials, so a new file is readable by
/// its owner only (on Unix).
pub fn save(path: &Path, state: &str) -> Result<()> {
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    let mut file = file
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    std::io::Write::write_all(&mut file, format!("{state}\n").as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}
