//! Cookies set by hand, removed and cleared, checked against the jar.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, ensure, Context as _, Result};
use host_tests::host::{ErrorKind, NewCookie};

use crate::driver::{short, Driver};

impl Driver {
    /// A cookie to set by hand: mostly valid, sometimes with a bad name, value, domain or path,
    /// rarely (hostile) 200 KiB.
    pub(crate) fn new_cookie(&mut self) -> NewCookie {
        let broken = self.rng.chance(30);
        let value = if self.cfg.hostile && self.rng.chance(2) {
            "c".repeat(200 << 10)
        } else if broken && self.rng.chance(30) {
            self.rng.string(&["semi;colon", "ctl\u{1}", "\u{e9}"])
        } else {
            self.rng.string(&["1", "", "a b", "abc=="])
        };
        let name = if broken && self.rng.chance(30) {
            self.rng.string(&["", "a=b", "sp ace", "\u{e9}"])
        } else {
            self.rng.string(&["k", "k2", "known", "sid"])
        };
        let domain = if broken && self.rng.chance(30) {
            self.rng.pick(&["co.uk", "", "bad..domain", "github.io"])
        } else {
            self.rng
                .pick(&["127.0.0.1", "127.0.0.2", "api.test", ".api.test"])
        };
        NewCookie {
            name,
            value,
            domain: self.rng.chance(70).then(|| domain.to_string()),
            path: match broken && self.rng.chance(30) {
                true => Some(self.rng.string(&["", "no-slash"])),
                false => self.rng.pick(&[None, Some("/".into()), Some("/a".into())]),
            },
            secure: self.rng.chance(10),
            expires: self
                .rng
                .pick(&[None, None, Some(4_102_444_800), Some(0), Some(i64::MAX)]),
        }
    }

    pub(crate) async fn set_cookie(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let cookie = self.new_cookie();
        self.note(format!("set-cookie {}", short(&cookie)));
        let out = session!(self, call_set_cookie, s, &cookie);
        self.outcome("set-cookie", &out);
        self.check_closed(i, "set-cookie", &out)?;
        match out {
            Ok(()) => {
                let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
                if cookie.expires.is_none_or(|at| at > now) {
                    let jar = session!(self, call_cookies, s);
                    ensure!(
                        jar.iter()
                            .any(|c| c.name == cookie.name && c.value == cookie.value),
                        "set-cookie {:?} was accepted but cookies() does not list it",
                        cookie.name
                    );
                }
            }
            Err(e) if matches!(e.kind, ErrorKind::InvalidCookie | ErrorKind::SessionClosed) => {}
            Err(e) => bail!("set-cookie: {}", short(&e)),
        }
        Ok(())
    }

    pub(crate) async fn remove_cookie(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let name = self
            .rng
            .string(&["k", "k2", "known", "a", "m", "c0", "big"]);
        let everywhere = self.rng.chance(70);
        let (domain, path) = match everywhere {
            true => (None, None),
            false => (
                self.rng.pick(&[None, Some("127.0.0.1"), Some("api.test")]),
                self.rng.pick(&[None, Some("/")]),
            ),
        };
        self.note(format!("remove-cookie {name:?} {domain:?} {path:?}"));
        let out = session!(self, call_remove_cookie, s, &name, domain, path);
        self.outcome("remove-cookie", &out);
        self.check_closed(i, "remove-cookie", &out)?;
        if out.is_ok() && everywhere {
            let jar = session!(self, call_cookies, s);
            ensure!(
                !jar.iter().any(|c| c.name == name),
                "remove-cookie {name:?} left it in the jar"
            );
        }
        Ok(())
    }

    pub(crate) async fn clear_cookies(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        self.note("clear-cookies".into());
        let out = session!(self, call_clear_cookies, s);
        self.outcome("clear-cookies", &out);
        self.check_closed(i, "clear-cookies", &out)?;
        if out.is_ok() {
            let jar = session!(self, call_cookies, s);
            ensure!(
                jar.is_empty(),
                "cookies() after clear-cookies: {}",
                short(&jar)
            );
        }
        Ok(())
    }
}
