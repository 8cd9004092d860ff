//! Runs both embeddings against the loopback servers they start and checks what they print.

use std::process::Command;

fn run(bin: &str) -> String {
    let out = Command::new(bin).output().expect("the example runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{bin} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_pooled_embedding_sends_three_gets_over_one_connection() {
    let out = run(env!("CARGO_BIN_EXE_embed-example"));
    assert_eq!(out.matches("-> 200").count(), 3, "{out}");
    assert!(
        out.contains("3 requests, 1 TCP connection(s) accepted by the server"),
        "{out}"
    );
}

#[test]
fn the_hooks_embedding_signs_every_hop_and_logs_every_response() {
    let out = run(env!("CARGO_BIN_EXE_embed-hooks"));
    let lines: Vec<&str> = out.lines().collect();
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
}
