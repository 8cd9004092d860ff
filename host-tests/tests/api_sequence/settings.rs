//! Session settings: headers, params, auth, limits, timeouts, retries, base URL, flags and
//! environment settings, each read back after it was accepted.

use anyhow::{bail, ensure, Context as _, Result};
use host_tests::host::{ClientCert, ErrorKind, Pem, Verify};
use wasmtime::component::ResourceAny;

use crate::driver::{short, Driver};

impl Driver {
    pub(crate) async fn headers_of(&mut self, s: ResourceAny) -> Result<Vec<(String, String)>> {
        Ok(session!(self, call_headers, s))
    }

    pub(crate) async fn set_header(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let (name, value) = (self.header_name(), self.header_value());
        self.note(format!("set-header {name:?} {}", short(&value)));
        let out = session!(self, call_set_header, s, &name, &value);
        self.outcome("set-header", &out);
        self.check_closed(i, "set-header", &out)?;
        match out {
            Ok(()) => {
                let headers = self.headers_of(s).await?;
                ensure!(
                    headers
                        .iter()
                        .any(|(n, v)| n.eq_ignore_ascii_case(&name) && *v == value),
                    "set-header {name:?} was accepted but headers() lacks it"
                );
            }
            Err(e) if matches!(e.kind, ErrorKind::InvalidHeader | ErrorKind::SessionClosed) => {}
            Err(e) => bail!("set-header {name:?}: {}", short(&e)),
        }
        Ok(())
    }

    pub(crate) async fn remove_header(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let name = self.header_name();
        self.note(format!("remove-header {name:?}"));
        let out = session!(self, call_remove_header, s, &name);
        self.outcome("remove-header", &out);
        self.check_closed(i, "remove-header", &out)?;
        if out.is_ok() {
            let headers = self.headers_of(s).await?;
            ensure!(
                !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)),
                "remove-header {name:?} left it in headers()"
            );
        }
        Ok(())
    }

    pub(crate) async fn set_headers(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let list: Vec<(String, String)> = (0..self.rng.below(4))
            .map(|_| (self.header_name(), self.header_value()))
            .collect();
        self.note(format!("set-headers {}", short(&list)));
        let before = session!(self, call_headers, s);
        let out = session!(self, call_set_headers, s, &list);
        self.outcome("set-headers", &out);
        self.check_closed(i, "set-headers", &out)?;
        match out {
            Ok(()) => {
                let headers = self.headers_of(s).await?;
                for (name, _) in &list {
                    ensure!(
                        headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)),
                        "set-headers was accepted but headers() lacks {name:?}"
                    );
                }
            }
            Err(e) if e.kind == ErrorKind::SessionClosed => {}
            Err(e) if e.kind == ErrorKind::InvalidHeader => {
                let after = self.headers_of(s).await?;
                ensure!(before == after, "a refused set-headers changed the headers");
            }
            Err(e) => bail!("set-headers: {}", short(&e)),
        }
        Ok(())
    }

    pub(crate) async fn set_params(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let list = self.pairs();
        self.note(format!("set-params {}", short(&list)));
        let out = session!(self, call_set_params, s, &list);
        self.outcome("set-params", &out);
        self.check_closed(i, "set-params", &out)?;
        if out.is_ok() {
            let params = session!(self, call_params, s);
            ensure!(
                params == list,
                "params() read back {} after set-params {}",
                short(&params),
                short(&list)
            );
        }
        Ok(())
    }

    pub(crate) async fn set_auth(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let auth = self.rng.chance(80).then(|| self.auth());
        self.note(format!("set-auth {}", short(&auth)));
        let out = session!(self, call_set_auth, s, auth.as_ref());
        self.outcome("set-auth", &out);
        self.check_closed(i, "set-auth", &out)?;
        if out.is_ok() {
            let read = session!(self, call_auth, s);
            ensure!(
                read == auth,
                "auth() read back {} after set-auth {}",
                short(&read),
                short(&auth)
            );
        }
        Ok(())
    }

    pub(crate) async fn set_max_redirects(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let max = self.rng.pick(&[0, 1, 2, 5, 10, 30]);
        self.note(format!("set-max-redirects {max}"));
        let out = session!(self, call_set_max_redirects, s, max);
        self.outcome("set-max-redirects", &out);
        self.check_closed(i, "set-max-redirects", &out)?;
        if out.is_ok() {
            let read = session!(self, call_max_redirects, s);
            ensure!(read == max, "max-redirects() {read:?}");
        }
        Ok(())
    }

    pub(crate) async fn set_timeout(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let timeout = self.rng.chance(80).then(|| self.timeout());
        self.note(format!("set-timeout {timeout:?}"));
        let out = session!(self, call_set_timeout, s, timeout);
        self.outcome("set-timeout", &out);
        self.check_closed(i, "set-timeout", &out)?;
        if out.is_ok() {
            let read = session!(self, call_timeout, s);
            ensure!(
                read == timeout,
                "timeout() read back {read:?} after {timeout:?}"
            );
        }
        Ok(())
    }

    pub(crate) async fn set_retries(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let policy = self.rng.chance(70).then(|| self.retry_policy());
        self.note(format!("set-retries {}", short(&policy)));
        let out = session!(self, call_set_retries, s, policy.as_ref());
        self.outcome("set-retries", &out);
        self.check_closed(i, "set-retries", &out)?;
        match out {
            Ok(()) => {
                let read = session!(self, call_retries, s);
                ensure!(
                    read == policy,
                    "retries() read back {} after {}",
                    short(&read),
                    short(&policy)
                );
            }
            Err(e) if matches!(e.kind, ErrorKind::InvalidOption | ErrorKind::SessionClosed) => {}
            Err(e) => bail!("set-retries: {}", short(&e)),
        }
        Ok(())
    }

    pub(crate) async fn set_base_url(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let base = self.server.url("/anything/base/");
        let url = self.rng.pick(&[
            None,
            Some(base),
            Some("mock://api.test/v1/".to_string()),
            Some("not a url".to_string()),
            Some("relative/".to_string()),
            Some("http://".to_string()),
        ]);
        self.note(format!("set-base-url {url:?}"));
        let out = session!(self, call_set_base_url, s, url.as_deref());
        self.outcome("set-base-url", &out);
        self.check_closed(i, "set-base-url", &out)?;
        if out.is_ok() {
            let read = session!(self, call_base_url, s);
            ensure!(
                read.is_some() == url.is_some(),
                "base-url() read back {read:?} after {url:?}"
            );
        }
        Ok(())
    }

    pub(crate) async fn set_max_body_size(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let size = self
            .rng
            .pick(&[0, 1, 100, 1000, 1 << 20, 256 << 20, u64::MAX]);
        self.note(format!("set-max-body-size {size}"));
        let out = session!(self, call_set_max_body_size, s, size);
        self.outcome("set-max-body-size", &out);
        self.check_closed(i, "set-max-body-size", &out)?;
        if out.is_ok() {
            let read = session!(self, call_max_body_size, s);
            ensure!(read == size, "max-body-size() {read:?}");
        }
        Ok(())
    }

    pub(crate) async fn set_flag(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let on = self.rng.chance(50);
        let which = self.rng.below(6);
        self.note(format!("set flag {which} to {on}"));
        let (out, read) = match which {
            0 => {
                let out = session!(self, call_set_stream, s, on);
                (out, session!(self, call_stream, s) == on)
            }
            1 => {
                let out = session!(self, call_set_trust_env, s, on);
                (out, session!(self, call_trust_env, s) == on)
            }
            2 => {
                let out = session!(self, call_set_error_for_status, s, on);
                (out, session!(self, call_error_for_status, s) == on)
            }
            3 => {
                let verify = match (on, self.rng.chance(50)) {
                    (false, _) => Verify::Enabled,
                    (true, true) => Verify::Disabled,
                    (true, false) => Verify::CaBundle(Pem::Path("/etc/ssl/ca.pem".into())),
                };
                let out = session!(self, call_set_verify, s, &verify);
                (out, session!(self, call_verify, s) == verify)
            }
            4 => {
                let cert = on.then(|| ClientCert {
                    cert: Pem::Path("/client.pem".into()),
                    key: self
                        .rng
                        .chance(50)
                        .then(|| Pem::Data("-----BEGIN PRIVATE KEY-----\n".into())),
                });
                let out = session!(self, call_set_cert, s, cert.as_ref());
                (out, session!(self, call_cert, s) == cert)
            }
            _ => {
                let proxies = match on {
                    true => vec![(
                        "http".to_string(),
                        self.rng.string(&[
                            "http://127.0.0.1:9",
                            "http://user:pw@127.0.0.1:9",
                            "socks5://127.0.0.1:9",
                        ]),
                    )],
                    false => vec![],
                };
                let out = session!(self, call_set_proxies, s, &proxies);
                (out, session!(self, call_proxies, s) == proxies)
            }
        };
        self.outcome("set flag", &out);
        self.check_closed(i, "a flag setter", &out)?;
        if out.is_ok() {
            ensure!(read, "flag {which} does not read back as set to {on}");
        }
        Ok(())
    }

    pub(crate) async fn merge_environment(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let url = self.network_url();
        let so = self.send_options();
        self.note(format!("merge-environment-settings {}", short(&url)));
        let out = session!(self, call_merge_environment_settings, s, &url, so.as_ref());
        self.outcome("merge-environment-settings", &out);
        self.check_closed(i, "merge-environment-settings", &out)
    }
}
