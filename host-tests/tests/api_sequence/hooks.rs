//! Hooks: the instance built with named request and response hooks, and hook sets given to a
//! session.

use anyhow::{bail, ensure, Context as _, Result};
use host_tests::host::{ErrorKind, Harness, HookResponse, HookSet, RequestAction, ResponseAction};

use crate::driver::{short, Driver};

/// An instance of world `client`, of `client-with-sockets` (loopback only), or of
/// `client-with-host` with the hooks below and the host adapters of
/// [`crate::host_adapters::register`].
pub(crate) async fn harness(host: bool, sockets: bool) -> Result<Harness> {
    if sockets {
        return Harness::builder().sockets().build().await;
    }
    if !host {
        return Harness::new().await;
    }
    crate::host_adapters::register(Harness::builder())
        .request_hook("keep", |_| RequestAction::Keep)
        .request_hook("sign", |r| {
            let mut r = r.clone();
            r.headers.push(("X-Signed".into(), "1".into()));
            RequestAction::Replace(r)
        })
        .request_hook("answer", |_| {
            RequestAction::Respond(HookResponse {
                status: 200,
                headers: vec![("Content-Type".into(), "text/plain".into())],
                body: Some(b"from a hook\nline two".to_vec()),
            })
        })
        .request_hook("fail", |_| RequestAction::Fail("the hook said no".into()))
        .request_hook("bad", |r| {
            let mut r = r.clone();
            r.headers.push(("X-Bad".into(), "a\r\nInjected: 1".into()));
            RequestAction::Replace(r)
        })
        .response_hook("keep", |_, _| ResponseAction::Keep)
        .response_hook("swap", |_, r| {
            let mut r = r.clone();
            r.status = 299;
            ResponseAction::Replace(r)
        })
        .response_hook("fail", |_, _| ResponseAction::Fail("no".into()))
        .response_hook("bad", |_, r| {
            let mut r = r.clone();
            r.status = 42;
            ResponseAction::Replace(r)
        })
        .build()
        .await
}

impl Driver {
    pub(crate) fn hook_set(&mut self) -> HookSet {
        let mut names = |event: &[&str]| -> Vec<String> {
            (0..self.rng.below(3))
                .map(|_| self.rng.string(event))
                .collect()
        };
        HookSet {
            request: names(&[
                "keep", "sign", "answer", "keep", "sign", "fail", "bad", "nope",
            ]),
            response: names(&["keep", "swap", "keep", "swap", "fail", "bad", "nope"]),
        }
    }

    pub(crate) async fn set_hooks(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let hooks = self.hook_set();
        self.note(format!("set-hooks {hooks:?}"));
        let out = session!(self, call_set_hooks, s, &hooks);
        self.outcome("set-hooks", &out);
        self.check_closed(i, "set-hooks", &out)?;
        let empty = hooks.request.is_empty() && hooks.response.is_empty();
        match out {
            Ok(()) => {
                ensure!(
                    self.host_build || empty,
                    "world client took non-empty hooks"
                );
                let read = session!(self, call_hooks, s);
                ensure!(read == hooks, "hooks() read back {read:?}");
            }
            Err(e) if e.kind == ErrorKind::Unsupported => ensure!(
                !self.host_build && !empty,
                "set-hooks {hooks:?} unsupported on world client-with-host"
            ),
            Err(e) if e.kind == ErrorKind::SessionClosed => {}
            Err(e) => bail!("set-hooks: {}", short(&e)),
        }
        Ok(())
    }
}
