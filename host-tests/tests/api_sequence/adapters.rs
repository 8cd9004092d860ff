//! Adapters: scripted ones with canned responses, wasi:http ones, looked up and closed.

use anyhow::{bail, ensure, Context as _, Result};
use host_tests::host::{AdapterKind, AdapterOptions, CannedResponse, ErrorKind, SocketsOptions};

use crate::driver::{short, Driver};

impl Driver {
    pub(crate) fn canned(&mut self) -> CannedResponse {
        let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
        let landing = self.server.url("/get");
        let (status, headers, body): (u16, Vec<(String, String)>, &[u8]) = match self.rng.below(11)
        {
            0 => (
                200,
                vec![pair("Content-Type", "application/json")],
                b"{\"ok\": true}",
            ),
            1 => (
                self.rng.pick(&[301, 302, 303, 307, 308]),
                vec![pair(
                    "Location",
                    &self.rng.string(&[
                        "/landing",
                        "mock://api.test/next",
                        landing.as_str(),
                        "//evil.test/",
                        "http://[bad",
                        "",
                    ]),
                )],
                b"",
            ),
            2 => (
                200,
                vec![pair(
                    "Set-Cookie",
                    &self.rng.string(&[
                        "m=1; Path=/",
                        "bad cookie",
                        "d=1; Domain=co.uk",
                        "e=1; Max-Age=0",
                        "f=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Secure",
                        "g=3; Domain=api.test; Path=/a",
                    ]),
                )],
                b"",
            ),
            3 => (200, vec![pair("Content-Encoding", "gzip")], b"not gzip"),
            4 => (
                401,
                vec![pair(
                    "WWW-Authenticate",
                    "Digest realm=\"m\", nonce=\"n\", qop=\"auth\"",
                )],
                b"",
            ),
            5 => (503, vec![pair("Retry-After", "0")], b""),
            6 => (
                200,
                vec![pair("Link", "</p/2>; rel=\"next\", <bad; rel=last")],
                b"",
            ),
            7 => (
                200,
                vec![pair("Content-Type", "text/plain; charset=latin-1")],
                b"a\nb\r\nc\xe9",
            ),
            8 => (self.rng.pick(&[100, 204, 304, 404, 500, 999]), vec![], b""),
            9 => (self.rng.pick(&[42, 1000, 0]), vec![], b""),
            _ => (200, vec![pair("X-Bad", "a\r\nb")], b""),
        };
        CannedResponse {
            status,
            headers,
            body: body.to_vec(),
        }
    }

    pub(crate) async fn mount_scripted(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let responses: Vec<CannedResponse> =
            (0..1 + self.rng.below(4)).map(|_| self.canned()).collect();
        let mock_prefix = self.server.url("/mock/");
        let prefix = match self.rng.below(20) {
            0 => "http://".to_string(),
            1 => "".to_string(),
            2..=6 => mock_prefix,
            _ => self
                .rng
                .string(&["mock://", "mock://api.test/", "MOCK://API.TEST/"]),
        };
        self.note(format!(
            "mount scripted {prefix:?} {:?}",
            responses.iter().map(|r| r.status).collect::<Vec<_>>()
        ));
        let made = adapter!(self, call_scripted, &responses);
        self.outcome("adapter.scripted", &made);
        let Ok(a) = made else { return Ok(()) };
        let out = session!(self, call_mount, s, &prefix, a);
        self.outcome("mount", &out);
        self.check_closed(i, "mount", &out)?;
        self.keep_adapter(a).await
    }

    pub(crate) async fn mount_http(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let options = AdapterOptions {
            timeout: self.rng.chance(50).then(|| self.timeout()),
        };
        let prefix = match self.rng.chance(50) {
            true => "http://".to_string(),
            false => self.server.url("/"),
        };
        self.note(format!("mount http {prefix:?} {options:?}"));
        let a = adapter!(self, call_http, options);
        let out = session!(self, call_mount, s, &prefix, a);
        self.outcome("mount", &out);
        self.check_closed(i, "mount", &out)?;
        self.keep_adapter(a).await
    }

    /// `adapter.sockets` with random pool options: `unsupported` but in world
    /// `client-with-sockets`, where it is mounted with `mount-http` or on a prefix.
    pub(crate) async fn mount_sockets(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let options = self.rng.chance(70).then(|| SocketsOptions {
            timeout: self.rng.chance(50).then(|| self.timeout()),
            max_idle_per_host: self.rng.pick(&[None, Some(0), Some(1), Some(10)]),
            max_idle: self.rng.pick(&[None, Some(0), Some(2), Some(100)]),
            idle_timeout_ms: self.rng.pick(&[None, Some(0), Some(1), Some(90_000)]),
        });
        self.note(format!("mount sockets {options:?}"));
        let made = adapter!(self, call_sockets, options);
        self.outcome("adapter.sockets", &made);
        let a = match (made, self.sockets_build) {
            (Ok(a), true) => a,
            (Ok(_), false) => bail!("adapter.sockets worked without wasi:sockets"),
            (Err(e), false) => {
                ensure!(
                    e.kind == ErrorKind::Unsupported,
                    "adapter.sockets without wasi:sockets: {}",
                    short(&e)
                );
                return Ok(());
            }
            (Err(e), true) => bail!("adapter.sockets in client-with-sockets: {}", short(&e)),
        };
        let kind = adapter!(self, call_kind, a);
        ensure!(
            kind == AdapterKind::Sockets,
            "adapter.sockets made a {kind:?}"
        );
        let out = if self.rng.chance(60) {
            self.note("mount-http".into());
            session!(self, call_mount_http, s, a)
        } else {
            let prefix = self.server.url("/");
            self.note(format!("mount {prefix:?}"));
            session!(self, call_mount, s, &prefix, a)
        };
        self.outcome("mount", &out);
        self.check_closed(i, "mount", &out)?;
        self.keep_adapter(a).await
    }

    pub(crate) async fn get_adapter(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let url = match self.rng.chance(50) {
            true => self.network_url(),
            false => self.mock_url(),
        };
        self.note(format!("get-adapter {url:?}"));
        let out = session!(self, call_get_adapter, s, &url);
        self.outcome("get-adapter", &out);
        self.check_closed(i, "get-adapter", &out)?;
        if let Ok(a) = out {
            let kind = adapter!(self, call_kind, a);
            ensure!(
                kind != AdapterKind::Host || self.host_build,
                "adapter kind {kind:?} in world client"
            );
            ensure!(
                kind != AdapterKind::Sockets || self.sockets_build,
                "adapter kind {kind:?} without wasi:sockets"
            );
            let _ = adapter!(self, call_received, a);
            let _ = adapter!(self, call_retries, a);
            if self.rng.chance(20) {
                let policy = self.retry_policy();
                let out = adapter!(self, call_set_retries, a, Some(&policy));
                self.outcome("adapter.set-retries", &out);
            }
            self.drop_handle(a).await?;
        }
        Ok(())
    }

    pub(crate) async fn close_adapter(&mut self) -> Result<()> {
        if self.adapters.is_empty() {
            return Ok(());
        }
        let a = self.adapters[self.rng.below(self.adapters.len())];
        self.note("close an adapter".into());
        adapter!(self, call_close, a);
        self.adapter_closed = true;
        Ok(())
    }
}
