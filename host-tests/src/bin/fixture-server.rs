//! `fixture-server`: the loopback fixture server of the Rust tests ([`TestServer`], recording
//! requests for `/__seen`) as a process, for the JavaScript and Python hosts' tests
//! (`examples/js/server.mjs`, `examples/python/loopback_server.py`).
//!
//! It listens on `127.0.0.1:PORT` (and `127.0.0.2:PORT` when it can), prints one line of JSON
//! with the port, `{"port":PORT}`, to stdout, and serves until its stdin reaches end of file
//! (its parent closed the pipe, or exited) or it is killed.
//!
//! ```sh
//! cargo build -p host-tests --bin fixture-server --locked
//! target/debug/fixture-server     # Ctrl-D stops it
//! ```
//!
//! Its endpoints are listed in `host-tests/src/server/mod.rs`.

use std::io::{ErrorKind, Read, Write};

use host_tests::server::TestServer;

fn main() {
    let server = TestServer::start_recording();
    let line = serde_json::json!({ "port": server.port() });
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
        eprintln!("fixture-server: could not write the port line: {e}");
        std::process::exit(1);
    }
    drop(stdout);
    let mut stdin = std::io::stdin().lock();
    let mut sink = [0u8; 4096];
    loop {
        match stdin.read(&mut sink) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    drop(server);
}
