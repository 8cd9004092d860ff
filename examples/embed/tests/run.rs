//! Runs both embeddings against the loopback servers they start and checks what they print.

use std::path::Path;
use std::process::Command;

/// Runs `bin` with its compiled-component cache in `cache`, and returns its stdout.
fn run(bin: &str, cache: &Path) -> String {
    let out = Command::new(bin)
        .env("EMBED_CACHE_DIR", cache)
        .output()
        .expect("the example runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{bin} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// An empty cache directory of its own for each test.
fn fresh_cache(test: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("embed-cache-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_pooled_embedding_sends_three_gets_over_one_connection() {
    let cache = fresh_cache("pooled");
    let out = run(env!("CARGO_BIN_EXE_embed-example"), &cache);
    assert!(out.starts_with("component: compiled, saved to "), "{out}");
    assert_eq!(out.matches("-> 200").count(), 3, "{out}");
    assert!(
        out.contains("3 requests, 1 TCP connection(s) accepted by the server"),
        "{out}"
    );

    // The next run loads the code the first one saved, and works the same.
    let out = run(env!("CARGO_BIN_EXE_embed-example"), &cache);
    assert!(
        out.starts_with("component: loaded compiled code from "),
        "{out}"
    );
    assert_eq!(out.matches("-> 200").count(), 3, "{out}");
}

#[test]
fn a_cache_file_that_is_not_compiled_code_is_compiled_again() {
    let cache = fresh_cache("broken");
    let out = run(env!("CARGO_BIN_EXE_embed-example"), &cache);
    let saved = out
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("component: compiled, saved to "))
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    std::fs::write(&saved, b"not machine code").unwrap();
    let out = run(env!("CARGO_BIN_EXE_embed-example"), &cache);
    assert!(
        out.starts_with(&format!("component: compiled, saved to {saved}")),
        "{out}"
    );
    assert_eq!(out.matches("-> 200").count(), 3, "{out}");
}

#[test]
fn the_host_embedding_signs_every_hop_logs_every_response_and_serves_fixtures() {
    let out = run(env!("CARGO_BIN_EXE_embed-hooks"), &fresh_cache("host"));
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with("component: "))
        .collect();
    assert!(
        lines[0].starts_with("-> GET http://127.0.0.1:")
            && lines[0].ends_with("/redirect/1 (signed)"),
        "{out}"
    );
    assert!(lines[1].starts_with("<- 302 "), "{out}");
    assert!(lines[2].ends_with("/get (signed)"), "{out}");
    assert!(lines[3].starts_with("<- 200 "), "{out}");
    assert!(
        out.contains(r#""authorization":"Bearer host-token""#),
        "the server saw the host's token: {out}"
    );

    // The host adapter mounted on http://fixtures.test/: the hooks run for it too.
    let at = lines
        .iter()
        .position(|l| *l == "-> GET http://fixtures.test/flags (signed)")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        lines[at + 1],
        "   fixtures: GET http://fixtures.test/flags (Bearer host-token, 0 body bytes)",
        "{out}"
    );
    assert!(
        lines[at + 2].starts_with("<- 200 http://fixtures.test/flags "),
        "{out}"
    );
    assert_eq!(lines[at + 3], r#"{"beta":true,"dark-mode":false}"#, "{out}");
}

#[test]
fn the_sockets_embedding_keeps_one_connection_and_is_kept_to_loopback() {
    let cache = fresh_cache("sockets");
    let out = run(env!("CARGO_BIN_EXE_embed-sockets"), &cache);
    assert_eq!(out.matches("-> 200").count(), 3, "{out}");
    assert!(
        out.contains("3 requests, 1 TCP connection(s) accepted by the server"),
        "{out}"
    );
    // The host's address check refuses what is not loopback.
    assert!(out.contains("GET http://192.0.2.1/ -> "), "{out}");
}
