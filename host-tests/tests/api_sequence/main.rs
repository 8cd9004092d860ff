//! A random API-sequence test: the real component, in wasmtime, driven through seeded random
//! sequences of session calls (settings, mounts, requests to the loopback fixture, to the
//! hostile endpoints and to scripted adapters, prepared requests, streamed reads, uploads, saved
//! state, hooks, close), checking after every call that nothing trapped (a trap is the outer
//! `Err` of a wasmtime call) and that the invariants hold:
//!
//! - after `close`, every setter and request answers `session-closed` while the getters still
//!   read the settings, and before it none does (except a request through an adapter that was
//!   closed);
//! - a setting that was accepted reads back as set (a header, params, auth, a cookie is listed,
//!   limits, flags, timeouts, hooks), and a refused `set-headers` changes nothing;
//! - `export-state` gives JSON that `import-state` takes in a fresh session and that exports
//!   again the same; a refused `import-state` (of mutated JSON) changes nothing;
//! - a response's `ok`, `raise-for-status` and `is-redirect` agree with its status;
//! - an invalid method is `invalid-method`; a streamed upload written past its length is
//!   `invalid-option`;
//! - `adapter.host` is `unsupported` in world `client` and an adapter of kind `host` in
//!   `client-with-host`, whose host adapters (the pooled hyper-util one, an echo that streams
//!   uploads and bodies, one failing with every failure kind, and a name nobody registered)
//!   are mounted on random prefixes; after every call no host-adapter upload is left open and
//!   no response body handle outlives the responses kept;
//! - `adapter.sockets` is `unsupported` except in `client-with-sockets`, where it makes an
//!   adapter of kind `sockets` (random pool options) mounted with `mount-http` or on a random
//!   prefix, so requests to the loopback fixture and the hostile server go through the
//!   component's own HTTP/1.1 client, pool and all.
//!
//! Environment:
//!
//! - `API_SEQUENCE_SEED`: the seed (decimal, or hexadecimal after `0x`); without it, one taken
//!   from the clock. The seed is printed first: replay a failure with
//!   `API_SEQUENCE_SEED=<seed> cargo test -p host-tests --test api_sequence -- --nocapture`.
//! - `API_SEQUENCE_CALLS`: how many random calls to make (default 10,000). Each is followed by
//!   the reads that check its invariants.
//! - `API_SEQUENCE_PER_INSTANCE`: calls made on one instance before a fresh one is built
//!   (default 1,000); instances take world `client`, `client-with-host` and
//!   `client-with-sockets` in turn.
//! - `API_SEQUENCE_HOSTILE`: `0` leaves out the inputs that push past the host's limits (a
//!   200 KiB header or cookie, 5,000 request headers, the endpoints that flood the jar), to
//!   look at everything else on its own. On by default.
//!
//! - `API_SEQUENCE_KEEP_GOING`: `1` goes on after a failure (with a fresh instance, the failure
//!   printed) and fails at the end with the list of them all; by default the first one stops
//!   the test.
//!
//! A failure prints the seed, the call number, the last calls made and the guest's output.
//! A call that takes more than 60 s fails the test as a hang.

#[macro_use]
mod calls;

mod actions;
mod adapters;
mod checks;
mod config;
mod cookies;
mod driver;
mod hooks;
mod host_adapters;
mod inputs;
mod requests;
mod settings;
mod state;
mod uploads;

use std::collections::VecDeque;
use std::time::Instant;

use anyhow::{anyhow, Result};
use host_tests::server::{HostileServer, TestServer};

use config::{Config, Rng};
use driver::{Driver, Stats, HANG};
use hooks::harness;

#[tokio::test(flavor = "multi_thread")]
async fn random_api_sequences_never_trap_and_keep_their_invariants() -> Result<()> {
    let cfg = Config::from_env()?;
    eprintln!(
        "api_sequence: API_SEQUENCE_SEED={} API_SEQUENCE_CALLS={} API_SEQUENCE_PER_INSTANCE={} \
         API_SEQUENCE_HOSTILE={}",
        cfg.seed,
        cfg.calls,
        cfg.per_instance,
        u8::from(cfg.hostile)
    );
    let started = Instant::now();
    let mut d = Driver {
        rng: Rng::new(cfg.seed),
        server: TestServer::start(),
        hostile: HostileServer::start(),
        h: harness(false, false).await?,
        host_build: false,
        sockets_build: false,
        instances: 0,
        sessions: Vec::new(),
        responses: Vec::new(),
        adapters: Vec::new(),
        adapter_closed: false,
        log: VecDeque::new(),
        call: 0,
        stats: Stats::default(),
        cfg,
    };
    let mut failures: Vec<String> = Vec::new();
    for call in 0..d.cfg.calls {
        d.call = call;
        let outcome = async {
            if call > 0 && call % d.cfg.per_instance == 0 {
                d.recycle().await?;
            }
            d.step().await?;
            d.check_host_handles()
        };
        let outcome = match tokio::time::timeout(HANG, outcome).await {
            Ok(outcome) => outcome,
            Err(_) => Err(anyhow!("the call hung for more than {HANG:?}")),
        };
        d.h.store.data_mut().hooks.calls.clear();
        if let Err(e) = outcome {
            let log: Vec<&str> = d.log.iter().map(String::as_str).collect();
            let report = format!(
                "api_sequence failed at call {call} of {} (replay with API_SEQUENCE_SEED={}):\n\
                 {e:#}\n---- the last calls ----\n{}\n{}",
                d.cfg.calls,
                d.cfg.seed,
                log.join("\n"),
                d.h.guest_output()
            );
            if !d.cfg.keep_going {
                panic!("{report}");
            }
            eprintln!("{report}\n---- going on with a fresh instance ----");
            failures.push(format!("call {call}: {e:#}"));
            d.recycle().await?;
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "api_sequence: {} calls in {:.1} s, {} responses; seed {}",
        d.cfg.calls,
        elapsed.as_secs_f64(),
        d.stats.responses,
        d.cfg.seed
    );
    for (action, n) in &d.stats.actions {
        eprintln!("  {action:?}: {n}");
    }
    for (outcome, n) in &d.stats.outcomes {
        eprintln!("  {outcome}: {n}");
    }
    assert!(
        failures.is_empty(),
        "{} calls failed (seed {}):\n{}",
        failures.len(),
        d.cfg.seed,
        failures.join("\n")
    );
    if d.cfg.calls >= 1000 {
        assert!(
            d.stats.responses > d.cfg.calls / 50,
            "too few calls got a response ({}): the sequence is not exercising requests",
            d.stats.responses
        );
    }
    Ok(())
}
