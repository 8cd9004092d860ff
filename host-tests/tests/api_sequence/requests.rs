//! Requests (direct and prepared) and the reads of the responses they give.

use anyhow::{ensure, Context as _, Result};
use host_tests::host::{ErrorKind, ExpectKind as _};
use serde_json::Value;

use crate::driver::{short, Driver};

impl Driver {
    pub(crate) async fn request(&mut self, url: String) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let method = self.method();
        let o = self.options();
        self.note(format!("{method} {}  {}", short(&url), short(&o)));
        let verb = self.rng.below(4);
        let out = match verb {
            0 if method == "GET" => session!(self, call_get, s, &url, o.as_ref()),
            1 if method == "POST" => session!(self, call_post, s, &url, o.as_ref()),
            2 if method == "HEAD" => session!(self, call_head, s, &url, o.as_ref()),
            _ => session!(self, call_request, s, &method, &url, o.as_ref()),
        };
        if !self.sessions[i].closed
            && out.error_kind() != Some(ErrorKind::SessionClosed)
            && !method
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            // Refused as input: the method itself, or another input or option checked before it.
            ensure!(
                matches!(
                    out.error_kind(),
                    Some(
                        ErrorKind::InvalidMethod
                            | ErrorKind::InvalidUrl
                            | ErrorKind::MissingSchema
                            | ErrorKind::InvalidSchema
                            | ErrorKind::InvalidHeader
                            | ErrorKind::InvalidJson
                            | ErrorKind::InvalidCookie
                            | ErrorKind::InvalidOption
                            | ErrorKind::Unsupported
                            | ErrorKind::Hook
                    )
                ),
                "method {method:?} gave {}",
                short(&out)
            );
        }
        self.handle_response(i, "request", out).await
    }

    pub(crate) async fn prepare_send(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let method = self.method();
        let url = match self.rng.chance(50) {
            true => self.network_url(),
            false => self.mock_url(),
        };
        let o = self.options();
        self.note(format!("prepare {method} {}  {}", short(&url), short(&o)));
        let out = session!(self, call_prepare_request, s, &method, &url, o.as_ref());
        self.outcome("prepare-request", &out);
        self.check_closed(i, "prepare-request", &out)?;
        let Ok(p) = out else { return Ok(()) };
        let _ = prepared!(self, call_method, p);
        let _ = prepared!(self, call_url, p);
        let _ = prepared!(self, call_headers, p);
        let _ = prepared!(self, call_body, p);
        match self.rng.below(5) {
            0 => {
                let m = self.method();
                let out = prepared!(self, call_set_method, p, &m);
                self.outcome("prepared.set-method", &out);
            }
            1 => {
                let u = self.network_url();
                let out = prepared!(self, call_set_url, p, &u);
                self.outcome("prepared.set-url", &out);
            }
            2 => {
                let (n, v) = (self.header_name(), self.header_value());
                let v = self.rng.chance(80).then_some(v);
                let out = prepared!(self, call_set_header, p, &n, v.as_deref());
                self.outcome("prepared.set-header", &out);
            }
            3 => {
                let body = self.rng.pick(&[None, Some(b"changed".to_vec())]);
                prepared!(self, call_set_body, p, body.as_deref());
            }
            _ => {}
        }
        let so = self.send_options();
        let out = session!(self, call_send, s, p, so.as_ref());
        self.handle_response(i, "send", out).await?;
        self.drop_handle(p).await
    }

    pub(crate) async fn read_response(&mut self) -> Result<()> {
        if self.responses.is_empty() {
            return Ok(());
        }
        let r = self.responses[self.rng.below(self.responses.len())];
        let op = self.rng.below(14);
        self.note(format!("response op {op}"));
        match op {
            0 => {
                let max = self.rng.pick(&[0, 1, 7, 4096, 65536]);
                let out = response!(self, call_read_chunk, r, max);
                if let Ok(Some(chunk)) = &out {
                    ensure!(
                        chunk.len() <= (max as usize).max(1),
                        "read-chunk({max}) gave {} bytes",
                        chunk.len()
                    );
                }
                self.outcome("read-chunk", &out);
            }
            1 => {
                let out = response!(self, call_read_line, r);
                self.outcome("read-line", &out);
            }
            2 => {
                let out = response!(self, call_content, r);
                self.outcome("content", &out);
            }
            3 => {
                let out = response!(self, call_text, r);
                self.outcome("text", &out);
            }
            4 => {
                let out = response!(self, call_json, r);
                if let Ok(text) = &out {
                    ensure!(
                        serde_json::from_str::<Value>(text).is_ok(),
                        "json() gave text that is not JSON"
                    );
                }
                self.outcome("json", &out);
            }
            5 => {
                let headers = response!(self, call_headers, r);
                if let Some((name, _)) = headers.first() {
                    let one = response!(self, call_header, r, name);
                    let all = response!(self, call_header_all, r, name);
                    ensure!(
                        one.is_some() && !all.is_empty(),
                        "header {name:?} listed but not found"
                    );
                }
            }
            6 => {
                let history = response!(self, call_history, r);
                for hop in history {
                    let _ = response!(self, call_status, hop);
                    self.drop_handle(hop).await?;
                }
            }
            7 => {
                let _ = response!(self, call_cookies, r);
                let _ = response!(self, call_links, r);
                let _ = response!(self, call_elapsed_ms, r);
                let _ = response!(self, call_url, r);
                let _ = response!(self, call_reason, r);
            }
            8 => {
                let p = response!(self, call_request, r);
                let _ = prepared!(self, call_url, p);
                let _ = prepared!(self, call_headers, p);
                self.drop_handle(p).await?;
            }
            9 => {
                let name =
                    self.rng
                        .string(&["utf-8", "iso-8859-1", "us-ascii", "latin-1", "bogus", ""]);
                let out = response!(self, call_set_encoding, r, &name);
                self.outcome("set-encoding", &out);
                let _ = response!(self, call_encoding, r);
            }
            _ => {
                let status = response!(self, call_status, r);
                let ok = response!(self, call_ok, r);
                ensure!(ok == (status < 400), "ok() is {ok} for {status}");
                let raised = response!(self, call_raise_for_status, r);
                ensure!(
                    raised.is_ok() != (400..600).contains(&status),
                    "raise-for-status gave {} for {status}",
                    short(&raised)
                );
                if let Err(e) = &raised {
                    ensure!(e.kind == ErrorKind::HttpStatus, "raise-for-status: {e:?}");
                }
                let redirect = response!(self, call_is_redirect, r);
                let permanent = response!(self, call_is_permanent_redirect, r);
                ensure!(
                    !redirect || [301, 302, 303, 307, 308].contains(&status),
                    "is-redirect for {status}"
                );
                ensure!(
                    !permanent || (redirect && [301, 308].contains(&status)),
                    "is-permanent-redirect for {status}"
                );
            }
        }
        Ok(())
    }
}
