//! The invariants checked after a call: `session-closed` exactly on closed sessions, a kept
//! response with a plausible status, and a closed session probed.

use std::fmt::Debug;

use anyhow::{bail, ensure, Context as _, Result};
use host_tests::host::{Error, ErrorKind, ExpectKind as _};
use wasmtime::component::ResourceAny;

use crate::driver::{short, Driver};

impl Driver {
    /// A closed session answers `session-closed`; an open one never does to a setting.
    pub(crate) fn check_closed<T: Debug>(
        &self,
        idx: usize,
        what: &str,
        out: &std::result::Result<T, Error>,
    ) -> Result<()> {
        let closed = self.sessions[idx].closed;
        // Sending through an adapter that was closed is `session-closed` too.
        let excused = closed || (what == "start-request" && self.adapter_closed);
        match out {
            Err(e) if e.kind == ErrorKind::SessionClosed && !excused => {
                bail!("{what} answered session-closed on an open session")
            }
            Err(e) if e.kind == ErrorKind::SessionClosed => Ok(()),
            other if closed => bail!(
                "{what} on a closed session answered {}, not session-closed",
                short(other)
            ),
            _ => Ok(()),
        }
    }

    /// The result of a request-like call: no `session-closed` on an open session unless an
    /// adapter was closed; a response is kept for later reads.
    pub(crate) async fn handle_response(
        &mut self,
        idx: usize,
        what: &str,
        out: std::result::Result<ResourceAny, Error>,
    ) -> Result<()> {
        self.outcome(what, &out);
        let closed = self.sessions[idx].closed;
        match out {
            Ok(r) => {
                ensure!(!closed, "{what} on a closed session gave a response");
                let status = response!(self, call_status, r);
                ensure!(
                    (100..=999).contains(&status),
                    "{what}: a status of {status}"
                );
                self.note(format!("  -> {status}"));
                self.keep_response(r).await?;
            }
            Err(e) if e.kind == ErrorKind::SessionClosed => ensure!(
                closed || self.adapter_closed,
                "{what} answered session-closed on an open session"
            ),
            Err(e) if closed => bail!(
                "{what} on a closed session answered {}, not session-closed",
                short(&e)
            ),
            // These two carry the response they are about.
            Err(e) if e.kind == ErrorKind::TooManyRedirects => ensure!(
                e.response
                    .as_ref()
                    .is_some_and(|r| [301, 302, 303, 307, 308].contains(&r.status)),
                "{what}: too-many-redirects without its redirect: {}",
                short(&e)
            ),
            Err(e) if e.kind == ErrorKind::HttpStatus => ensure!(
                e.response.as_ref().is_some_and(|r| r.status >= 400),
                "{what}: http-status without its 4xx or 5xx: {}",
                short(&e)
            ),
            Err(_) => {}
        }
        Ok(())
    }

    /// Calls a few methods of closed session `i`: each setter and request must answer
    /// `session-closed`, each getter still answers.
    pub(crate) async fn probe_closed(&mut self, i: usize) -> Result<()> {
        let s = self.sessions[i].handle;
        let url = self.server.url("/get");
        for _ in 0..2 {
            let which = self.rng.below(12);
            self.note(format!("probe closed session {i} with call {which}"));
            let closed = |out: std::result::Result<(), Error>, what: &str| -> Result<()> {
                ensure!(
                    out.error_kind() == Some(ErrorKind::SessionClosed),
                    "{what} on a closed session answered {}",
                    short(&out)
                );
                Ok(())
            };
            match which {
                0 => {
                    let headers = session!(self, call_headers, s);
                    let is_closed = session!(self, call_closed, s);
                    ensure!(is_closed, "closed() is false after close");
                    let _ = headers;
                }
                1 => closed(session!(self, call_set_header, s, "X", "1"), "set-header")?,
                2 => drop(session!(self, call_cookies, s)),
                3 => closed(session!(self, call_clear_cookies, s), "clear-cookies")?,
                4 => closed(session!(self, call_get, s, &url, None).map(drop), "get")?,
                5 => closed(
                    session!(self, call_prepare_request, s, "GET", &url, None).map(drop),
                    "prepare-request",
                )?,
                6 => closed(
                    session!(self, call_start_request, s, "PUT", &url, None, None).map(drop),
                    "start-request",
                )?,
                7 => closed(
                    session!(self, call_export_state, s, false).map(drop),
                    "export-state",
                )?,
                8 => closed(session!(self, call_import_state, s, "{}"), "import-state")?,
                9 => closed(
                    session!(self, call_get_adapter, s, &url).map(drop),
                    "get-adapter",
                )?,
                10 => {
                    let _ = session!(self, call_max_redirects, s);
                    session!(self, call_set_max_redirects, s, 3)
                        .expect_kind(ErrorKind::SessionClosed);
                }
                _ => closed(session!(self, call_set_timeout, s, None), "set-timeout")?,
            }
        }
        Ok(())
    }
}
