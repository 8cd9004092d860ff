//! Hostile servers: redirect loops, huge and numerous cookies and headers, early answers to
//! uploads, cut connections and malformed framing. Every call ends in a typed error or a correct
//! response, never a trap (a trap is the outer `Err` of a call, and poisons the instance), and
//! afterwards the session still works and still sends the cookie it had before.
//!
//! The known cookie lives on `127.0.0.2` (the fixture's second address) while the hostile
//! answers come from `127.0.0.1`, so a jar that evicts a flooding host's own cookies first (as
//! RFC 6265 §5.3 suggests) keeps it; the session must also keep working for the hostile host.
//! Endpoints: `host_tests::server` (`hostile` for the hyper ones, `HostileServer` for raw bytes).

use super::*;

/// The `Ok` of a call, or why it trapped (a trap is never acceptable here).
macro_rules! no_trap {
    ($what:expr, $call:expr) => {
        $call
            .map_err(anyhow::Error::from)
            .with_context(|| format!("{} trapped the component", $what))?
    };
}

mod cookies;
mod framing;
mod headers;
mod helpers;
mod link_digest;
mod redirects;
mod uploads;
