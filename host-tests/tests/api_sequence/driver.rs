//! The driver's state: the instance, the live sessions, responses and adapters, the log of
//! the last calls and the tallies; and how it keeps them.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Debug;
use std::time::Duration;

use anyhow::{Context as _, Result};
use host_tests::host::{Error, ErrorKind, Harness};
use host_tests::server::{HostileServer, TestServer};
use wasmtime::component::ResourceAny;

use crate::actions::Action;
use crate::config::{Config, Rng};
use crate::hooks::harness;

/// How many of the last calls a failure report shows.
pub(crate) const LOG_KEEP: usize = 40;
/// A call that takes longer than this is reported as a hang.
pub(crate) const HANG: Duration = Duration::from_secs(60);
/// At most this many sessions, responses and adapters are kept alive at once.
pub(crate) const MAX_SESSIONS: usize = 3;
pub(crate) const MAX_RESPONSES: usize = 6;
pub(crate) const MAX_ADAPTERS: usize = 4;

/// `value`'s `Debug`, cut to a readable length.
pub(crate) fn short(value: &dyn Debug) -> String {
    let text = format!("{value:?}");
    match text.char_indices().nth(240) {
        Some((at, _)) => format!("{}... ({} chars)", &text[..at], text.len()),
        None => text,
    }
}

pub(crate) fn kind(e: &Error) -> &'static str {
    match e.kind {
        ErrorKind::MissingSchema => "missing-schema",
        ErrorKind::InvalidSchema => "invalid-schema",
        ErrorKind::InvalidUrl => "invalid-url",
        ErrorKind::InvalidHeader => "invalid-header",
        ErrorKind::InvalidMethod => "invalid-method",
        ErrorKind::InvalidJson => "invalid-json",
        ErrorKind::InvalidCookie => "invalid-cookie",
        ErrorKind::InvalidOption => "invalid-option",
        ErrorKind::ConnectionRefused => "connection-refused",
        ErrorKind::Connection => "connection",
        ErrorKind::Dns => "dns",
        ErrorKind::Tls => "tls",
        ErrorKind::Proxy => "proxy",
        ErrorKind::ConnectTimeout => "connect-timeout",
        ErrorKind::ReadTimeout => "read-timeout",
        ErrorKind::TooManyRedirects => "too-many-redirects",
        ErrorKind::HttpStatus => "http-status",
        ErrorKind::JsonDecode => "json-decode",
        ErrorKind::ContentDecoding => "content-decoding",
        ErrorKind::BodyTooLarge => "body-too-large",
        ErrorKind::Retry => "retry",
        ErrorKind::StreamConsumed => "stream-consumed",
        ErrorKind::Hook => "hook",
        ErrorKind::SessionClosed => "session-closed",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::Transport => "transport",
    }
}

pub(crate) struct Sess {
    pub(crate) handle: ResourceAny,
    pub(crate) closed: bool,
}

/// What the sequence tallies, printed at the end.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) actions: BTreeMap<Action, usize>,
    pub(crate) outcomes: BTreeMap<String, usize>,
    pub(crate) responses: usize,
}

pub(crate) struct Driver {
    pub(crate) cfg: Config,
    pub(crate) rng: Rng,
    pub(crate) server: TestServer,
    pub(crate) hostile: HostileServer,
    pub(crate) h: Harness,
    /// The instance runs world `client-with-host` (hooks and host adapters).
    pub(crate) host_build: bool,
    /// The instance runs world `client-with-sockets` (`adapter.sockets`).
    pub(crate) sockets_build: bool,
    /// Instances made so far: they take the three builds in turn.
    pub(crate) instances: usize,
    pub(crate) sessions: Vec<Sess>,
    pub(crate) responses: Vec<ResourceAny>,
    pub(crate) adapters: Vec<ResourceAny>,
    /// An adapter of this instance was closed: a request may then answer `session-closed`.
    pub(crate) adapter_closed: bool,
    pub(crate) log: VecDeque<String>,
    pub(crate) call: usize,
    pub(crate) stats: Stats,
}

impl Driver {
    pub(crate) fn note(&mut self, line: String) {
        if self.log.len() == LOG_KEEP {
            self.log.pop_front();
        }
        self.log.push_back(format!("#{} {line}", self.call));
    }

    pub(crate) fn outcome<T>(&mut self, what: &str, out: &std::result::Result<T, Error>) {
        let key = match out {
            Ok(_) => format!("{what}: ok"),
            Err(e) => format!("{what}: {}", kind(e)),
        };
        *self.stats.outcomes.entry(key).or_default() += 1;
        if let Err(e) = out {
            self.note(format!("  -> {}", short(e)));
        }
    }

    /// A fresh instance, taking the three builds in turn.
    pub(crate) async fn recycle(&mut self) -> Result<()> {
        self.instances += 1;
        self.host_build = self.instances % 3 == 1;
        self.sockets_build = self.instances % 3 == 2;
        self.h = harness(self.host_build, self.sockets_build).await?;
        self.sessions.clear();
        self.responses.clear();
        self.adapters.clear();
        self.adapter_closed = false;
        self.note(format!(
            "new instance (world {})",
            match (self.host_build, self.sockets_build) {
                (true, _) => "client-with-host",
                (_, true) => "client-with-sockets",
                _ => "client",
            }
        ));
        Ok(())
    }

    pub(crate) async fn drop_handle(&mut self, handle: ResourceAny) -> Result<()> {
        self.h
            .drop_resource(handle)
            .await
            .context("dropping a resource trapped")
    }

    /// A random session (making one when there is none); its index.
    pub(crate) async fn session_index(&mut self) -> Result<usize> {
        if self.sessions.is_empty() {
            self.new_session().await?;
        }
        // Mostly an open one: a closed session answers everything alike.
        let open: Vec<usize> = (0..self.sessions.len())
            .filter(|&i| !self.sessions[i].closed)
            .collect();
        if !open.is_empty() && self.rng.chance(90) {
            return Ok(self.rng.pick(&open));
        }
        Ok(self.rng.below(self.sessions.len()))
    }

    pub(crate) async fn new_session(&mut self) -> Result<()> {
        if self.sessions.len() >= MAX_SESSIONS {
            let old = self.sessions.remove(self.rng.below(self.sessions.len()));
            self.drop_handle(old.handle).await?;
        }
        let handle = self.h.session().await.context("session() trapped")?;
        self.sessions.push(Sess {
            handle,
            closed: false,
        });
        self.note(format!("new session ({} alive)", self.sessions.len()));
        Ok(())
    }

    pub(crate) async fn keep_response(&mut self, r: ResourceAny) -> Result<()> {
        self.stats.responses += 1;
        if self.responses.len() >= MAX_RESPONSES {
            let old = self.responses.remove(0);
            self.drop_handle(old).await?;
        }
        self.responses.push(r);
        Ok(())
    }

    /// Host adapters leave nothing behind: after each step every upload was
    /// finished or discarded, and every body handle the harness still holds
    /// belongs to a response the driver keeps.
    pub(crate) fn check_host_handles(&self) -> Result<()> {
        let adapters = &self.h.store.data().adapters;
        anyhow::ensure!(
            adapters.open_uploads() == 0,
            "{} host-adapter uploads left open after the call",
            adapters.open_uploads()
        );
        anyhow::ensure!(
            adapters.open_bodies() <= self.responses.len(),
            "{} host-adapter bodies open for {} live responses",
            adapters.open_bodies(),
            self.responses.len()
        );
        Ok(())
    }

    pub(crate) async fn keep_adapter(&mut self, a: ResourceAny) -> Result<()> {
        if self.adapters.len() >= MAX_ADAPTERS {
            let old = self.adapters.remove(0);
            self.drop_handle(old).await?;
        }
        self.adapters.push(a);
        Ok(())
    }
}
