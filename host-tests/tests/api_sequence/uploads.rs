//! Streamed uploads through `start-request` and a body writer.

use anyhow::{ensure, Context as _, Result};
use host_tests::host::{opts, Body, ErrorKind, ExpectKind as _};

use crate::driver::{short, Driver};

impl Driver {
    pub(crate) async fn upload(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let url = match self.rng.below(4) {
            0 => self.hostile.url(&self.rng.string(&[
                "/early/413?close=clean",
                "/early/413?close=abrupt&read=1000",
                "/cut?close=clean",
            ])),
            1 => self.mock_url(),
            _ => self.server.url("/upload"),
        };
        let method = self.rng.string(&["POST", "PUT", "PATCH", "GET"]);
        let mut o = opts();
        if self.rng.chance(5) {
            o.body = Some(Body::Text("not allowed here".into()));
        }
        if self.rng.chance(10) {
            o.headers = Some(self.overrides(true));
        }
        let length = self.rng.pick(&[None, Some(0), Some(10), Some(20_000)]);
        self.note(format!(
            "start-request {method} {} length {length:?}",
            short(&url)
        ));
        let out = session!(self, call_start_request, s, &method, &url, Some(&o), length);
        self.outcome("start-request", &out);
        self.check_closed(i, "start-request", &out)?;
        let w = match out {
            Ok(w) => w,
            Err(_) => return Ok(()),
        };
        ensure!(o.body.is_none(), "start-request took options.body");
        let mut written = 0u64;
        let mut refused = false;
        // A failed write (the connection broke, a read timeout) leaves the answer to
        // `finish`: the server's, or the connection's error.
        let mut failed = false;
        for _ in 0..self.rng.below(4) {
            let piece = vec![b'w'; self.rng.pick(&[0, 5, 1000, 20_000])];
            let out = writer!(self, call_write, w, &piece);
            self.outcome("body-writer.write", &out);
            match out {
                Ok(()) => written += piece.len() as u64,
                Err(e) if e.kind == ErrorKind::InvalidOption => {
                    refused = true;
                    ensure!(
                        length.is_some_and(|l| written + piece.len() as u64 > l),
                        "a write within the length was refused"
                    );
                }
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        if let Some(l) = length {
            ensure!(written <= l, "{written} bytes written past a length of {l}");
        }
        let counted = writer!(self, call_written, w);
        ensure!(
            counted == written,
            "written() says {counted}, {written} were accepted"
        );
        if self.rng.chance(10) {
            self.note("drop the body writer unfinished".into());
            return self.drop_handle(w).await;
        }
        let out = writer!(self, call_finish, w);
        let to_fixture = url.starts_with(&self.server.url("/upload"));
        if to_fixture && !refused && !failed && length.is_some_and(|l| written < l) {
            ensure!(
                matches!(
                    out.error_kind(),
                    Some(ErrorKind::InvalidOption | ErrorKind::SessionClosed)
                ),
                "finishing {written} of {length:?} bytes gave {}",
                short(&out)
            );
        }
        self.handle_response(i, "body-writer.finish", out).await
    }
}
