//! A random API-sequence test: the real component, in wasmtime, driven through seeded random
//! sequences of session calls (settings, mounts, requests to the loopback fixture, to the
//! hostile endpoints and to scripted adapters, prepared requests, streamed reads, uploads, saved
//! state, hooks, close), checking after every call that nothing trapped (a trap is the outer
//! `Err` of a wasmtime call) and that the invariants hold:
//!
//! - after `close`, every session method answers `session-closed`, and before it none does
//!   (except a request through an adapter that was closed);
//! - a setting that was accepted reads back as set (a header, params, auth, a cookie is listed,
//!   limits, flags, timeouts, hooks), and a refused `set-headers` changes nothing;
//! - `export-state` gives JSON that `import-state` takes in a fresh session and that exports
//!   again the same; a refused `import-state` (of mutated JSON) changes nothing;
//! - a response's `ok`, `raise-for-status` and `is-redirect` agree with its status;
//! - an invalid method is `invalid-method`; a streamed upload written past its length is
//!   `invalid-option`.
//!
//! Environment:
//!
//! - `API_SEQUENCE_SEED`: the seed (decimal, or hexadecimal after `0x`); without it, one taken
//!   from the clock. The seed is printed first: replay a failure with
//!   `API_SEQUENCE_SEED=<seed> cargo test -p host-tests --test api_sequence -- --nocapture`.
//! - `API_SEQUENCE_CALLS`: how many random calls to make (default 10,000). Each is followed by
//!   the reads that check its invariants.
//! - `API_SEQUENCE_PER_INSTANCE`: calls made on one instance before a fresh one is built
//!   (default 1,000); instances alternate between world `client` and `client-with-hooks`.
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

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Debug;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, ensure, Context as _, Result};
use host_tests::host::{
    opts, AdapterOptions, Auth, AuthOverride, Body, CannedResponse, Credentials, Error, Harness,
    HookResponse, HookSet, NewCookie, Part, RequestAction, RequestOptions, ResponseAction,
    RetryPolicy, SendOptions, Timeout,
};
use host_tests::server::{HostileServer, TestServer};
use serde_json::Value;
use wasmtime::component::ResourceAny;

/// How many of the last calls a failure report shows.
const LOG_KEEP: usize = 40;
/// A call that takes longer than this is reported as a hang.
const HANG: Duration = Duration::from_secs(60);
/// At most this many sessions, responses and adapters are kept alive at once.
const MAX_SESSIONS: usize = 3;
const MAX_RESPONSES: usize = 6;
const MAX_ADAPTERS: usize = 4;

// ---------------------------------------------------------------------------------------------
// Settings and the PRNG
// ---------------------------------------------------------------------------------------------

struct Config {
    seed: u64,
    calls: usize,
    per_instance: usize,
    hostile: bool,
    keep_going: bool,
}

impl Config {
    fn from_env() -> Result<Config> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let seed = match var("API_SEQUENCE_SEED") {
            Some(v) => {
                let v = v.trim();
                match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
                    Some(hex) => u64::from_str_radix(hex, 16),
                    None => v.parse(),
                }
                .with_context(|| format!("API_SEQUENCE_SEED={v:?} is not a number"))?
            }
            None => {
                let now = SystemTime::now().duration_since(UNIX_EPOCH)?;
                now.as_secs() ^ u64::from(now.subsec_nanos()).rotate_left(32)
            }
        };
        let number = |name: &str, default: usize| -> Result<usize> {
            match var(name) {
                Some(v) => v
                    .trim()
                    .replace('_', "")
                    .parse()
                    .with_context(|| format!("{name}={v:?} is not a number")),
                None => Ok(default),
            }
        };
        Ok(Config {
            seed,
            calls: number("API_SEQUENCE_CALLS", 10_000)?,
            per_instance: number("API_SEQUENCE_PER_INSTANCE", 1_000)?.max(1),
            hostile: var("API_SEQUENCE_HOSTILE").as_deref() != Some("0"),
            keep_going: var("API_SEQUENCE_KEEP_GOING").as_deref() == Some("1"),
        })
    }
}

/// xorshift64*: small, fast and the same on every platform, so a seed replays exactly.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that nearby seeds start far apart; never zero.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    fn string(&mut self, items: &[&str]) -> String {
        self.pick(items).to_string()
    }
}

/// `value`'s `Debug`, cut to a readable length.
fn short(value: &dyn Debug) -> String {
    let text = format!("{value:?}");
    match text.char_indices().nth(240) {
        Some((at, _)) => format!("{}... ({} chars)", &text[..at], text.len()),
        None => text,
    }
}

fn kind(e: &Error) -> &'static str {
    match e {
        Error::MissingSchema(_) => "missing-schema",
        Error::InvalidSchema(_) => "invalid-schema",
        Error::InvalidUrl(_) => "invalid-url",
        Error::InvalidHeader(_) => "invalid-header",
        Error::InvalidMethod(_) => "invalid-method",
        Error::InvalidJson(_) => "invalid-json",
        Error::InvalidCookie(_) => "invalid-cookie",
        Error::InvalidOption(_) => "invalid-option",
        Error::ConnectionRefused(_) => "connection-refused",
        Error::Connection(_) => "connection",
        Error::Dns(_) => "dns",
        Error::Tls(_) => "tls",
        Error::ConnectTimeout(_) => "connect-timeout",
        Error::ReadTimeout(_) => "read-timeout",
        Error::TooManyRedirects(_) => "too-many-redirects",
        Error::HttpStatus(_) => "http-status",
        Error::JsonDecode(_) => "json-decode",
        Error::ContentDecoding(_) => "content-decoding",
        Error::BodyTooLarge(_) => "body-too-large",
        Error::Retry(_) => "retry",
        Error::StreamConsumed(_) => "stream-consumed",
        Error::Hook(_) => "hook",
        Error::SessionClosed => "session-closed",
        Error::Unsupported(_) => "unsupported",
        Error::Transport(_) => "transport",
    }
}

// ---------------------------------------------------------------------------------------------
// Calls into the component
// ---------------------------------------------------------------------------------------------

/// `session!(d, call_x, args...)`: a `session` method; a trap is an `Err` naming the method.
macro_rules! session {
    ($d:ident, $call:ident $(, $arg:expr)* $(,)?) => {{
        let h = &mut $d.h;
        h.client
            .requests_http_session()
            .session()
            .$call(&mut h.store $(, $arg)*)
            .await
            .map_err(anyhow::Error::from)
            .with_context(|| format!("session.{} trapped", stringify!($call)))?
    }};
}

macro_rules! response {
    ($d:ident, $call:ident $(, $arg:expr)* $(,)?) => {{
        let h = &mut $d.h;
        h.client
            .requests_http_types()
            .response()
            .$call(&mut h.store $(, $arg)*)
            .await
            .map_err(anyhow::Error::from)
            .with_context(|| format!("response.{} trapped", stringify!($call)))?
    }};
}

macro_rules! adapter {
    ($d:ident, $call:ident $(, $arg:expr)* $(,)?) => {{
        let h = &mut $d.h;
        h.client
            .requests_http_types()
            .adapter()
            .$call(&mut h.store $(, $arg)*)
            .await
            .map_err(anyhow::Error::from)
            .with_context(|| format!("adapter.{} trapped", stringify!($call)))?
    }};
}

macro_rules! prepared {
    ($d:ident, $call:ident $(, $arg:expr)* $(,)?) => {{
        let h = &mut $d.h;
        h.client
            .requests_http_types()
            .prepared_request()
            .$call(&mut h.store $(, $arg)*)
            .await
            .map_err(anyhow::Error::from)
            .with_context(|| format!("prepared-request.{} trapped", stringify!($call)))?
    }};
}

macro_rules! writer {
    ($d:ident, $call:ident $(, $arg:expr)* $(,)?) => {{
        let h = &mut $d.h;
        h.client
            .requests_http_session()
            .body_writer()
            .$call(&mut h.store $(, $arg)*)
            .await
            .map_err(anyhow::Error::from)
            .with_context(|| format!("body-writer.{} trapped", stringify!($call)))?
    }};
}

/// Every kind of call the sequence makes, with its weight (out of the sum of all weights).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    SetHeader,
    RemoveHeader,
    SetHeaders,
    SetParams,
    SetAuth,
    SetCookie,
    RemoveCookie,
    ClearCookies,
    SetMaxRedirects,
    SetTimeout,
    SetRetries,
    SetBaseUrl,
    SetMaxBodySize,
    SetFlag,
    SetHooks,
    MountScripted,
    MountHttp,
    GetAdapter,
    CloseAdapter,
    RequestMock,
    RequestNetwork,
    PrepareSend,
    Upload,
    ReadResponse,
    DropResponse,
    ExportImport,
    ImportMutated,
    MergeEnvironment,
    Close,
    NewSession,
    ProbeClosed,
}

const ACTIONS: &[(Action, usize)] = &[
    (Action::SetHeader, 50),
    (Action::RemoveHeader, 25),
    (Action::SetHeaders, 15),
    (Action::SetParams, 25),
    (Action::SetAuth, 25),
    (Action::SetCookie, 50),
    (Action::RemoveCookie, 20),
    (Action::ClearCookies, 8),
    (Action::SetMaxRedirects, 15),
    (Action::SetTimeout, 15),
    (Action::SetRetries, 15),
    (Action::SetBaseUrl, 15),
    (Action::SetMaxBodySize, 15),
    (Action::SetFlag, 30),
    (Action::SetHooks, 15),
    (Action::MountScripted, 40),
    (Action::MountHttp, 10),
    (Action::GetAdapter, 15),
    (Action::CloseAdapter, 5),
    (Action::RequestMock, 90),
    (Action::RequestNetwork, 100),
    (Action::PrepareSend, 30),
    (Action::Upload, 20),
    (Action::ReadResponse, 150),
    (Action::DropResponse, 20),
    (Action::ExportImport, 30),
    (Action::ImportMutated, 25),
    (Action::MergeEnvironment, 10),
    (Action::Close, 8),
    (Action::NewSession, 8),
    (Action::ProbeClosed, 20),
];

struct Sess {
    handle: ResourceAny,
    closed: bool,
}

/// What the sequence tallies, printed at the end.
#[derive(Default)]
struct Stats {
    actions: BTreeMap<Action, usize>,
    outcomes: BTreeMap<String, usize>,
    responses: usize,
}

struct Driver {
    cfg: Config,
    rng: Rng,
    server: TestServer,
    hostile: HostileServer,
    h: Harness,
    hooks_build: bool,
    sessions: Vec<Sess>,
    responses: Vec<ResourceAny>,
    adapters: Vec<ResourceAny>,
    /// An adapter of this instance was closed: a request may then answer `session-closed`.
    adapter_closed: bool,
    log: VecDeque<String>,
    call: usize,
    stats: Stats,
}

async fn harness(hooks: bool) -> Result<Harness> {
    if !hooks {
        return Harness::new().await;
    }
    Harness::builder()
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
    fn note(&mut self, line: String) {
        if self.log.len() == LOG_KEEP {
            self.log.pop_front();
        }
        self.log.push_back(format!("#{} {line}", self.call));
    }

    fn outcome<T>(&mut self, what: &str, out: &std::result::Result<T, Error>) {
        let key = match out {
            Ok(_) => format!("{what}: ok"),
            Err(e) => format!("{what}: {}", kind(e)),
        };
        *self.stats.outcomes.entry(key).or_default() += 1;
        if let Err(e) = out {
            self.note(format!("  -> {}", short(e)));
        }
    }

    /// A fresh instance, alternating between the two builds.
    async fn recycle(&mut self) -> Result<()> {
        self.hooks_build = !self.hooks_build;
        self.h = harness(self.hooks_build).await?;
        self.sessions.clear();
        self.responses.clear();
        self.adapters.clear();
        self.adapter_closed = false;
        self.note(format!(
            "new instance (world {})",
            if self.hooks_build {
                "client-with-hooks"
            } else {
                "client"
            }
        ));
        Ok(())
    }

    async fn drop_handle(&mut self, handle: ResourceAny) -> Result<()> {
        self.h
            .drop_resource(handle)
            .await
            .context("dropping a resource trapped")
    }

    /// A random session (making one when there is none); its index.
    async fn session_index(&mut self) -> Result<usize> {
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

    async fn new_session(&mut self) -> Result<()> {
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

    async fn keep_response(&mut self, r: ResourceAny) -> Result<()> {
        self.stats.responses += 1;
        if self.responses.len() >= MAX_RESPONSES {
            let old = self.responses.remove(0);
            self.drop_handle(old).await?;
        }
        self.responses.push(r);
        Ok(())
    }

    async fn keep_adapter(&mut self, a: ResourceAny) -> Result<()> {
        if self.adapters.len() >= MAX_ADAPTERS {
            let old = self.adapters.remove(0);
            self.drop_handle(old).await?;
        }
        self.adapters.push(a);
        Ok(())
    }

    /// A closed session answers `session-closed`; an open one never does to a setting.
    fn check_closed<T: Debug>(
        &self,
        idx: usize,
        what: &str,
        out: &std::result::Result<T, Error>,
    ) -> Result<()> {
        let closed = self.sessions[idx].closed;
        // Sending through an adapter that was closed is `session-closed` too.
        let excused = closed || (what == "start-request" && self.adapter_closed);
        match out {
            Err(Error::SessionClosed) if !excused => {
                bail!("{what} answered session-closed on an open session")
            }
            Err(Error::SessionClosed) => Ok(()),
            other if closed => bail!(
                "{what} on a closed session answered {}, not session-closed",
                short(other)
            ),
            _ => Ok(()),
        }
    }

    /// The result of a request-like call: no `session-closed` on an open session unless an
    /// adapter was closed; a response is kept for later reads.
    async fn handle_response(
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
            Err(Error::SessionClosed) => ensure!(
                closed || self.adapter_closed,
                "{what} answered session-closed on an open session"
            ),
            Err(e) if closed => bail!(
                "{what} on a closed session answered {}, not session-closed",
                short(&e)
            ),
            Err(Error::TooManyRedirects(e)) => self.keep_response(e.response).await?,
            Err(_) => {}
        }
        Ok(())
    }

    // ---- generators ----

    /// A header name: mostly ordinary, sometimes one the host forbids or that is not a token.
    fn header_name(&mut self) -> String {
        if self.rng.chance(20) {
            return self.rng.string(&[
                "Content-Length",
                "Host",
                "Connection",
                "Transfer-Encoding",
                "Bad Name",
                "",
                "X-\u{e9}t\u{e9}",
                "X:Colon",
            ]);
        }
        self.rng.string(&[
            "X-Test",
            "x-test",
            "X-Other",
            "Accept",
            "User-Agent",
            "Accept-Encoding",
            "Authorization",
            "Cookie",
            "Content-Type",
        ])
    }

    /// A header value: mostly ordinary, sometimes invalid, rarely (hostile) 200 KiB.
    fn header_value(&mut self) -> String {
        if self.cfg.hostile && self.rng.chance(2) {
            return "h".repeat(200 << 10);
        }
        if self.rng.chance(20) {
            return self.rng.string(&[
                " padded ",
                "caf\u{e9}",
                "a\r\nInjected: 1",
                "x\ny",
                "nul\0byte",
            ]);
        }
        self.rng.string(&[
            "1",
            "text/plain",
            "a b  c",
            "",
            "gzip",
            "Basic dXNlcjpwYXNz",
            "k=v; k2=v2",
        ])
    }

    fn overrides(&mut self, names: bool) -> Vec<(String, Option<String>)> {
        if names && self.cfg.hostile && self.rng.chance(2) {
            return (0..5000)
                .map(|i| (format!("X-Many-{i}"), Some("v".to_string())))
                .collect();
        }
        (0..self.rng.below(4))
            .map(|_| {
                let name = if names {
                    self.header_name()
                } else {
                    self.rng.string(&["q", "page", "a b", "&", "", "\u{e9}"])
                };
                let value = match self.rng.chance(20) {
                    true => None,
                    false if names => Some(self.header_value()),
                    false => Some(
                        self.rng
                            .string(&["1", "x y", "&=?", "", "%zz", "\u{1f600}"]),
                    ),
                };
                (name, value)
            })
            .collect()
    }

    fn pairs(&mut self) -> Vec<(String, String)> {
        (0..self.rng.below(4))
            .map(|_| {
                (
                    self.rng.string(&["a", "b", "x y", "", "k=v", "\u{e9}"]),
                    self.rng.string(&["1", "", "a;b", "\r\n", "long value"]),
                )
            })
            .collect()
    }

    fn credentials(&mut self) -> Credentials {
        Credentials {
            username: self.rng.string(&["user", "", "us:er", "\u{e9}"]),
            password: self.rng.string(&["pass", "", "p\r\nw", "long pass phrase"]),
        }
    }

    fn auth(&mut self) -> Auth {
        match self.rng.below(3) {
            0 => Auth::Basic(self.credentials()),
            1 => Auth::Bearer(self.rng.string(&["token", "", "t\r\nx", "abc.def"])),
            _ => Auth::Digest(self.credentials()),
        }
    }

    fn timeout(&mut self) -> Timeout {
        Timeout {
            connect_ms: self.rng.pick(&[None, Some(1), Some(200), Some(5000)]),
            read_ms: self
                .rng
                .pick(&[None, Some(1), Some(50), Some(2000), Some(10_000)]),
        }
    }

    fn hook_set(&mut self) -> HookSet {
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

    fn retry_policy(&mut self) -> RetryPolicy {
        RetryPolicy {
            total: self.rng.below(4) as u32,
            connect: self.rng.pick(&[None, Some(0), Some(1)]),
            read: self.rng.pick(&[None, Some(0), Some(1)]),
            status: self.rng.pick(&[None, Some(0), Some(2)]),
            backoff_factor_ms: self.rng.below(5) as u32,
            backoff_max_ms: self.rng.below(20) as u32,
            backoff_jitter_ms: self.rng.below(3) as u32,
            status_forcelist: self
                .rng
                .pick(&[vec![], vec![503], vec![500, 502, 503, 504]]),
            allowed_methods: self.rng.pick(&[
                None,
                Some(vec!["GET".to_string()]),
                Some(vec!["POST".to_string(), "get".to_string()]),
            ]),
            respect_retry_after: self.rng.chance(50),
            retry_after_max_ms: self.rng.below(20) as u32,
        }
    }

    fn body(&mut self) -> Body {
        match self.rng.below(6) {
            0 => Body::Bytes(vec![b'b'; self.rng.pick(&[0, 1, 1000, 100_000])]),
            1 => Body::Text(self.rng.string(&["hello", "", "caf\u{e9}\nline"])),
            2 => Body::Form(self.pairs()),
            3 => Body::Json(
                self.rng
                    .string(&["{\"a\": 1}", "[1, 2", "null", "\"x\"", ""]),
            ),
            _ => Body::Multipart(
                (0..self.rng.below(3))
                    .map(|_| Part {
                        name: self.rng.string(&["field", "file", "bad\r\nname", ""]),
                        filename: self.rng.pick(&[None, Some("notes.txt".into())]),
                        content_type: self.rng.pick(&[None, Some("text/plain".into())]),
                        headers: self.pairs(),
                        data: b"part data".to_vec(),
                    })
                    .collect(),
            ),
        }
    }

    fn options(&mut self) -> RequestOptions {
        let mut o = opts();
        if self.rng.chance(25) {
            o.params = Some(self.overrides(false));
        }
        if self.rng.chance(30) {
            o.headers = Some(self.overrides(true));
        }
        if self.rng.chance(15) {
            o.cookies = Some(self.pairs());
        }
        if self.rng.chance(25) {
            o.body = Some(self.body());
        }
        if self.rng.chance(10) {
            o.auth = Some(match self.rng.chance(30) {
                true => AuthOverride::Disable,
                false => AuthOverride::Replace(self.auth()),
            });
        }
        if self.rng.chance(15) {
            o.timeout = Some(self.timeout());
        }
        if self.rng.chance(20) {
            o.allow_redirects = Some(self.rng.chance(50));
        }
        if self.rng.chance(25) {
            o.stream = Some(self.rng.chance(60));
        }
        if self.rng.chance(3) {
            o.verify = Some(false);
        }
        if self.rng.chance(3) {
            o.cert = Some("/client.pem".into());
        }
        if self.rng.chance(3) {
            o.proxies = Some(vec![("http".into(), "http://127.0.0.1:9".into())]);
        }
        if self.rng.chance(5) {
            o.hooks = Some(self.hook_set());
        }
        o
    }

    fn send_options(&mut self) -> SendOptions {
        SendOptions {
            timeout: self.rng.chance(15).then(|| self.timeout()),
            allow_redirects: self.rng.chance(20).then(|| self.rng.chance(50)),
            stream: self.rng.chance(25).then(|| self.rng.chance(60)),
            verify: self.rng.chance(3).then_some(false),
            cert: None,
            proxies: None,
        }
    }

    fn method(&mut self) -> String {
        if self.rng.chance(5) {
            return self.rng.string(&["GE T", "", "G\r\nET", "\u{e9}"]);
        }
        self.rng.string(&[
            "GET", "GET", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get",
            "TRACE", "PURGE",
        ])
    }

    fn network_url(&mut self) -> String {
        let fixture = [
            "/get",
            "/anything/x?y=1",
            "/cookies/set?a=1&b=2",
            "/cookies/delete?a",
            "/cookies",
            "/redirect/3",
            "/absolute-redirect/2",
            "/redirect-to?url=/get&status_code=307",
            "/redirect-to?url=mock://api.test/from-network",
            "/redirect-to?url=http://127.0.0.2:1/refused",
            "/status/404",
            "/status/500",
            "/status/503",
            "/status/401",
            "/gzip",
            "/deflate",
            "/brotli",
            "/zstd",
            "/bytes/1000",
            "/stream-bytes/5000?chunk_size=100",
            "/basic-auth/user/pass",
            "/digest-auth/auth/user/pass/MD5",
            "/digest-auth/auth/user/pass/SHA-256",
            "/bearer",
            "/response-headers?X-A=1&Set-Cookie=z%3D1",
            "/link",
            "/json",
            "/html",
            "/not-json",
            "/encoding/latin1",
            "/set-cookie-multi",
            "/upload",
            "/loop",
            "/chain/3?size=1000",
            "/hostile/many-cookies?n=20",
            "/hostile/many-cookies?n=200",
            "/hostile/joined-cookies?n=50",
            "/hostile/domain-cookie?domain=co.uk",
            "/hostile/many-headers?n=200",
            "/hostile/huge-header?size=500000",
            "/hostile/link?n=1000",
            "/hostile/digest?size=1000",
        ];
        let flooding = [
            "/hostile/big-cookie?size=150000",
            "/hostile/joined-cookies?n=15000",
            "/hostile/digest?size=300000",
            "/hostile/many-cookies?n=90&size=4000",
        ];
        let raw = [
            "/early/413?close=clean",
            "/early/307?close=abrupt&location=/x",
            "/early/401?close=clean",
            "/cut?close=abrupt",
            "/cut?close=clean",
            "/short-body",
            "/bad-chunked",
            "/truncated-chunked",
            "/truncated-gzip",
            "/anything",
        ];
        match self.rng.below(20) {
            0..=11 => self.server.url(&self.rng.string(&fixture)),
            12 => self.server.alt_url(&self.rng.string(&fixture)),
            13 if self.cfg.hostile => self.server.url(&self.rng.string(&flooding)),
            13..=16 => self.hostile.url(&self.rng.string(&raw)),
            17 => self.server.url("/mock/into-a-scripted-mount"),
            18 => format!(
                "http://user:pw@127.0.0.1:{}/basic-auth/user/pw",
                self.server.port()
            ),
            _ => self.rng.string(&[
                "",
                "not a url",
                "127.0.0.1/get",
                "ftp://127.0.0.1/",
                "http://",
                "http://[::1",
                "relative/path",
                "/absolute/path",
                "http://127.0.0.1:1/refused",
                "HTTP://127.0.0.1:1/",
            ]),
        }
    }

    fn mock_url(&mut self) -> String {
        match self.rng.below(4) {
            0 => self.server.url("/mock/x"),
            _ => self.rng.string(&[
                "mock://api.test/a",
                "mock://api.test/b?x=1",
                "MOCK://API.TEST/c",
                "mock://other.test/",
            ]),
        }
    }

    fn canned(&mut self) -> CannedResponse {
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

    /// A cookie to set by hand: mostly valid, sometimes with a bad name, value, domain or path,
    /// rarely (hostile) 200 KiB.
    fn new_cookie(&mut self) -> NewCookie {
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

    // ---- actions ----

    async fn step(&mut self) -> Result<()> {
        let total: usize = ACTIONS.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.below(total);
        let mut action = ACTIONS[0].0;
        for (a, w) in ACTIONS {
            if roll < *w {
                action = *a;
                break;
            }
            roll -= w;
        }
        *self.stats.actions.entry(action).or_default() += 1;
        match action {
            Action::SetHeader => self.set_header().await,
            Action::RemoveHeader => self.remove_header().await,
            Action::SetHeaders => self.set_headers().await,
            Action::SetParams => self.set_params().await,
            Action::SetAuth => self.set_auth().await,
            Action::SetCookie => self.set_cookie().await,
            Action::RemoveCookie => self.remove_cookie().await,
            Action::ClearCookies => self.clear_cookies().await,
            Action::SetMaxRedirects => self.set_max_redirects().await,
            Action::SetTimeout => self.set_timeout().await,
            Action::SetRetries => self.set_retries().await,
            Action::SetBaseUrl => self.set_base_url().await,
            Action::SetMaxBodySize => self.set_max_body_size().await,
            Action::SetFlag => self.set_flag().await,
            Action::SetHooks => self.set_hooks().await,
            Action::MountScripted => self.mount_scripted().await,
            Action::MountHttp => self.mount_http().await,
            Action::GetAdapter => self.get_adapter().await,
            Action::CloseAdapter => self.close_adapter().await,
            Action::RequestMock => {
                let url = self.mock_url();
                self.request(url).await
            }
            Action::RequestNetwork => {
                let url = self.network_url();
                self.request(url).await
            }
            Action::PrepareSend => self.prepare_send().await,
            Action::Upload => self.upload().await,
            Action::ReadResponse => self.read_response().await,
            Action::DropResponse => {
                if !self.responses.is_empty() {
                    let r = self.responses.remove(self.rng.below(self.responses.len()));
                    self.note("drop a response".into());
                    self.drop_handle(r).await?;
                }
                Ok(())
            }
            Action::ExportImport => self.export_import().await,
            Action::ImportMutated => self.import_mutated().await,
            Action::MergeEnvironment => self.merge_environment().await,
            Action::Close => {
                let i = self.session_index().await?;
                let s = self.sessions[i].handle;
                self.note(format!("close session {i}"));
                session!(self, call_close, s);
                self.sessions[i].closed = true;
                self.probe_closed(i).await
            }
            Action::NewSession => self.new_session().await,
            Action::ProbeClosed => match self.sessions.iter().position(|s| s.closed) {
                Some(i) => self.probe_closed(i).await,
                None => Ok(()),
            },
        }
    }

    async fn headers_of(&mut self, s: ResourceAny) -> Result<Vec<(String, String)>> {
        session!(self, call_headers, s).map_err(|e| anyhow!("headers() failed: {e:?}"))
    }

    async fn set_header(&mut self) -> Result<()> {
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
            Err(Error::InvalidHeader(_) | Error::SessionClosed) => {}
            Err(e) => bail!("set-header {name:?}: {}", short(&e)),
        }
        Ok(())
    }

    async fn remove_header(&mut self) -> Result<()> {
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

    async fn set_headers(&mut self) -> Result<()> {
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
            Err(Error::SessionClosed) => {}
            Err(Error::InvalidHeader(_)) => {
                let after = self.headers_of(s).await?;
                ensure!(
                    before.as_ref().ok() == Some(&after),
                    "a refused set-headers changed the headers"
                );
            }
            Err(e) => bail!("set-headers: {}", short(&e)),
        }
        Ok(())
    }

    async fn set_params(&mut self) -> Result<()> {
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
                params.as_ref().ok() == Some(&list),
                "params() read back {} after set-params {}",
                short(&params),
                short(&list)
            );
        }
        Ok(())
    }

    async fn set_auth(&mut self) -> Result<()> {
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
                format!("{:?}", read.as_ref().ok()) == format!("{:?}", Some(&auth)),
                "auth() read back {} after set-auth {}",
                short(&read),
                short(&auth)
            );
        }
        Ok(())
    }

    async fn set_cookie(&mut self) -> Result<()> {
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
                    let jar = session!(self, call_cookies, s)
                        .map_err(|e| anyhow!("cookies() failed: {e:?}"))?;
                    ensure!(
                        jar.iter()
                            .any(|c| c.name == cookie.name && c.value == cookie.value),
                        "set-cookie {:?} was accepted but cookies() does not list it",
                        cookie.name
                    );
                }
            }
            Err(Error::InvalidCookie(_) | Error::SessionClosed) => {}
            Err(e) => bail!("set-cookie: {}", short(&e)),
        }
        Ok(())
    }

    async fn remove_cookie(&mut self) -> Result<()> {
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
            let jar =
                session!(self, call_cookies, s).map_err(|e| anyhow!("cookies() failed: {e:?}"))?;
            ensure!(
                !jar.iter().any(|c| c.name == name),
                "remove-cookie {name:?} left it in the jar"
            );
        }
        Ok(())
    }

    async fn clear_cookies(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        self.note("clear-cookies".into());
        let out = session!(self, call_clear_cookies, s);
        self.outcome("clear-cookies", &out);
        self.check_closed(i, "clear-cookies", &out)?;
        if out.is_ok() {
            let jar = session!(self, call_cookies, s);
            ensure!(
                jar.as_ref().is_ok_and(|j| j.is_empty()),
                "cookies() after clear-cookies: {}",
                short(&jar)
            );
        }
        Ok(())
    }

    async fn set_max_redirects(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let max = self.rng.pick(&[0, 1, 2, 5, 10, 30]);
        self.note(format!("set-max-redirects {max}"));
        let out = session!(self, call_set_max_redirects, s, max);
        self.outcome("set-max-redirects", &out);
        self.check_closed(i, "set-max-redirects", &out)?;
        if out.is_ok() {
            let read = session!(self, call_max_redirects, s);
            ensure!(read.as_ref().ok() == Some(&max), "max-redirects() {read:?}");
        }
        Ok(())
    }

    async fn set_timeout(&mut self) -> Result<()> {
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
                format!("{:?}", read.as_ref().ok()) == format!("{:?}", Some(timeout)),
                "timeout() read back {read:?} after {timeout:?}"
            );
        }
        Ok(())
    }

    async fn set_retries(&mut self) -> Result<()> {
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
                    read.as_ref().ok().map(|p| p.as_ref().map(|p| p.total))
                        == Some(policy.as_ref().map(|p| p.total)),
                    "retries() read back {} after {}",
                    short(&read),
                    short(&policy)
                );
            }
            Err(Error::InvalidOption(_) | Error::SessionClosed) => {}
            Err(e) => bail!("set-retries: {}", short(&e)),
        }
        Ok(())
    }

    async fn set_base_url(&mut self) -> Result<()> {
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
                read.as_ref().is_ok_and(|r| r.is_some() == url.is_some()),
                "base-url() read back {read:?} after {url:?}"
            );
        }
        Ok(())
    }

    async fn set_max_body_size(&mut self) -> Result<()> {
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
            ensure!(
                read.as_ref().ok() == Some(&size),
                "max-body-size() {read:?}"
            );
        }
        Ok(())
    }

    async fn set_flag(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let on = self.rng.chance(50);
        let which = self.rng.below(6);
        self.note(format!("set flag {which} to {on}"));
        let (out, read) = match which {
            0 => (
                session!(self, call_set_stream, s, on),
                session!(self, call_stream, s).map(|v| format!("{v}")),
            ),
            1 => (
                session!(self, call_set_trust_env, s, on),
                session!(self, call_trust_env, s).map(|v| format!("{v}")),
            ),
            2 => (
                session!(self, call_set_error_for_status, s, on),
                session!(self, call_error_for_status, s).map(|v| format!("{v}")),
            ),
            3 => (
                session!(self, call_set_verify, s, on),
                session!(self, call_verify, s).map(|v| format!("{v}")),
            ),
            4 => {
                let cert = on.then_some("/client.pem");
                (
                    session!(self, call_set_cert, s, cert),
                    session!(self, call_cert, s).map(|v| format!("{}", v.is_some())),
                )
            }
            _ => {
                let proxies = match on {
                    true => vec![("http".to_string(), "http://127.0.0.1:9".to_string())],
                    false => vec![],
                };
                (
                    session!(self, call_set_proxies, s, &proxies),
                    session!(self, call_proxies, s).map(|v| format!("{}", !v.is_empty())),
                )
            }
        };
        self.outcome("set flag", &out);
        self.check_closed(i, "a flag setter", &out)?;
        if out.is_ok() {
            ensure!(
                read.as_deref().ok() == Some(&on.to_string()),
                "flag {which} read back {read:?} after setting {on}"
            );
        }
        Ok(())
    }

    async fn set_hooks(&mut self) -> Result<()> {
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
                    self.hooks_build || empty,
                    "world client took non-empty hooks"
                );
                let read = session!(self, call_hooks, s);
                ensure!(
                    format!("{:?}", read.as_ref().ok()) == format!("{:?}", Some(&hooks)),
                    "hooks() read back {read:?}"
                );
            }
            Err(Error::Unsupported(_)) => ensure!(
                !self.hooks_build && !empty,
                "set-hooks {hooks:?} unsupported on world client-with-hooks"
            ),
            Err(Error::SessionClosed) => {}
            Err(e) => bail!("set-hooks: {}", short(&e)),
        }
        Ok(())
    }

    async fn mount_scripted(&mut self) -> Result<()> {
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

    async fn mount_http(&mut self) -> Result<()> {
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

    async fn get_adapter(&mut self) -> Result<()> {
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
                kind == "wasi-http" || kind == "scripted",
                "adapter kind {kind:?}"
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

    async fn close_adapter(&mut self) -> Result<()> {
        if self.adapters.is_empty() {
            return Ok(());
        }
        let a = self.adapters[self.rng.below(self.adapters.len())];
        self.note("close an adapter".into());
        adapter!(self, call_close, a);
        self.adapter_closed = true;
        Ok(())
    }

    async fn request(&mut self, url: String) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let method = self.method();
        let o = self.options();
        self.note(format!("{method} {}  {}", short(&url), short(&o)));
        let verb = self.rng.below(4);
        let out = match verb {
            0 if method == "GET" => session!(self, call_get, s, &url, &o),
            1 if method == "POST" => session!(self, call_post, s, &url, &o),
            2 if method == "HEAD" => session!(self, call_head, s, &url, &o),
            _ => session!(self, call_request, s, &method, &url, &o),
        };
        if !self.sessions[i].closed
            && !matches!(out, Err(Error::SessionClosed))
            && !method
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            // Refused as input: the method itself, or another input or option checked before it.
            ensure!(
                matches!(
                    out,
                    Err(Error::InvalidMethod(_)
                        | Error::InvalidUrl(_)
                        | Error::MissingSchema(_)
                        | Error::InvalidSchema(_)
                        | Error::InvalidHeader(_)
                        | Error::InvalidJson(_)
                        | Error::InvalidCookie(_)
                        | Error::InvalidOption(_)
                        | Error::Unsupported(_)
                        | Error::Hook(_))
                ),
                "method {method:?} gave {}",
                short(&out)
            );
        }
        self.handle_response(i, "request", out).await
    }

    async fn prepare_send(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let method = self.method();
        let url = match self.rng.chance(50) {
            true => self.network_url(),
            false => self.mock_url(),
        };
        let o = self.options();
        self.note(format!("prepare {method} {}  {}", short(&url), short(&o)));
        let out = session!(self, call_prepare_request, s, &method, &url, &o);
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
        let out = session!(self, call_send, s, p, &so);
        self.handle_response(i, "send", out).await?;
        self.drop_handle(p).await
    }

    async fn upload(&mut self) -> Result<()> {
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
        let out = session!(self, call_start_request, s, &method, &url, &o, length);
        self.outcome("start-request", &out);
        self.check_closed(i, "start-request", &out)?;
        let w = match out {
            Ok(w) => w,
            Err(_) => return Ok(()),
        };
        ensure!(o.body.is_none(), "start-request took options.body");
        let mut written = 0u64;
        let mut refused = false;
        for _ in 0..self.rng.below(4) {
            let piece = vec![b'w'; self.rng.pick(&[0, 5, 1000, 20_000])];
            let out = writer!(self, call_write, w, &piece);
            self.outcome("body-writer.write", &out);
            match out {
                Ok(()) => written += piece.len() as u64,
                Err(Error::InvalidOption(_)) => {
                    refused = true;
                    ensure!(
                        length.is_some_and(|l| written + piece.len() as u64 > l),
                        "a write within the length was refused"
                    );
                }
                Err(_) => break,
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
        if to_fixture && !refused && length.is_some_and(|l| written < l) {
            ensure!(
                matches!(
                    out,
                    Err(Error::InvalidOption(_)) | Err(Error::SessionClosed)
                ),
                "finishing {written} of {length:?} bytes gave {}",
                short(&out)
            );
        }
        self.handle_response(i, "body-writer.finish", out).await
    }

    async fn read_response(&mut self) -> Result<()> {
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
                    ensure!(matches!(e, Error::HttpStatus(_)), "raise-for-status: {e:?}");
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

    async fn export_import(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let secrets = self.rng.chance(50);
        self.note(format!(
            "export-state {secrets}, import into a fresh session"
        ));
        let out = session!(self, call_export_state, s, secrets);
        self.outcome("export-state", &out);
        self.check_closed(i, "export-state", &out)?;
        let Ok(state) = out else { return Ok(()) };
        let parsed: Value = serde_json::from_str(&state).context("export-state is not JSON")?;
        let fresh = self.h.session().await.context("session() trapped")?;
        let imported = session!(self, call_import_state, fresh, &state);
        let again = session!(self, call_export_state, fresh, secrets);
        self.drop_handle(fresh).await?;
        imported.map_err(|e| anyhow!("import-state refused what export-state gave: {e:?}"))?;
        let again: Value =
            serde_json::from_str(&again.map_err(|e| anyhow!("export-state after import: {e:?}"))?)?;
        ensure!(
            again == parsed,
            "export, import, export does not round-trip:\n{}\n{}",
            short(&parsed),
            short(&again)
        );
        Ok(())
    }

    fn mutate(&mut self, value: &mut Value) {
        let replacement = |rng: &mut Rng| -> Value {
            rng.pick(&[
                Value::Null,
                Value::Bool(true),
                serde_json::json!(-1),
                serde_json::json!(1e300),
                serde_json::json!(u64::MAX),
                serde_json::json!("a\r\nb"),
                serde_json::json!(""),
                serde_json::json!([]),
                serde_json::json!({}),
                serde_json::json!([["X-Injected", "1"]]),
            ])
        };
        match value {
            Value::Object(map) if !map.is_empty() && self.rng.chance(85) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                let key = self.rng.pick(&keys);
                match self.rng.below(4) {
                    0 => drop(map.remove(&key)),
                    1 => drop(map.insert(key, replacement(&mut self.rng))),
                    _ => {
                        if let Some(v) = map.get_mut(&key) {
                            self.mutate(v);
                        }
                    }
                }
            }
            Value::Array(list) if !list.is_empty() && self.rng.chance(85) => {
                let at = self.rng.below(list.len());
                match self.rng.below(3) {
                    0 => drop(list.remove(at)),
                    _ => self.mutate(&mut list[at]),
                }
            }
            other => *other = replacement(&mut self.rng),
        }
    }

    async fn import_mutated(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let before = session!(self, call_export_state, s, true);
        self.check_closed(i, "export-state", &before)?;
        let Ok(before) = before else { return Ok(()) };
        let mutated = match self.rng.below(10) {
            0 => self
                .rng
                .string(&["", "{}", "null", "[]", "{\"version\": 999}", "{", "\u{0}"]),
            1 => {
                let cut = self.rng.below(before.len());
                before.chars().take(cut).collect()
            }
            _ => {
                let mut v: Value = serde_json::from_str(&before)?;
                for _ in 0..1 + self.rng.below(3) {
                    self.mutate(&mut v);
                }
                v.to_string()
            }
        };
        self.note(format!("import-state {}", short(&mutated)));
        let out = session!(self, call_import_state, s, &mutated);
        self.outcome("import-state (mutated)", &out);
        self.check_closed(i, "import-state", &out)?;
        match out {
            Ok(()) => self.tame(s).await?,
            Err(_) => {
                let after = session!(self, call_export_state, s, true)
                    .map_err(|e| anyhow!("export-state after a refused import: {e:?}"))?;
                let (a, b): (Value, Value) = (
                    serde_json::from_str(&before)?,
                    serde_json::from_str(&after)?,
                );
                ensure!(
                    a == b,
                    "a refused import-state changed the session:\n{}\n{}",
                    short(&a),
                    short(&b)
                );
            }
        }
        Ok(())
    }

    /// An imported state may hold retries that would sleep for minutes: cap them.
    async fn tame(&mut self, s: ResourceAny) -> Result<()> {
        let Ok(Some(policy)) = session!(self, call_retries, s) else {
            return Ok(());
        };
        if policy.backoff_factor_ms > 20
            || policy.backoff_max_ms > 50
            || policy.backoff_jitter_ms > 20
            || policy.retry_after_max_ms > 50
            || policy.total > 5
        {
            self.note("  (capping the imported retry policy)".into());
            let tamed = self.retry_policy();
            session!(self, call_set_retries, s, Some(&tamed))
                .map_err(|e| anyhow!("set-retries: {e:?}"))?;
        }
        Ok(())
    }

    async fn merge_environment(&mut self) -> Result<()> {
        let i = self.session_index().await?;
        let s = self.sessions[i].handle;
        let url = self.network_url();
        let so = self.send_options();
        self.note(format!("merge-environment-settings {}", short(&url)));
        let out = session!(self, call_merge_environment_settings, s, &url, &so);
        self.outcome("merge-environment-settings", &out);
        self.check_closed(i, "merge-environment-settings", &out)
    }

    /// Calls a few methods of closed session `i`: each must answer `session-closed`.
    async fn probe_closed(&mut self, i: usize) -> Result<()> {
        let s = self.sessions[i].handle;
        let url = self.server.url("/get");
        for _ in 0..2 {
            let which = self.rng.below(12);
            self.note(format!("probe closed session {i} with call {which}"));
            let closed = |out: std::result::Result<(), Error>, what: &str| -> Result<()> {
                ensure!(
                    matches!(out, Err(Error::SessionClosed)),
                    "{what} on a closed session answered {}",
                    short(&out)
                );
                Ok(())
            };
            match which {
                0 => closed(session!(self, call_headers, s).map(drop), "headers")?,
                1 => closed(session!(self, call_set_header, s, "X", "1"), "set-header")?,
                2 => closed(session!(self, call_cookies, s).map(drop), "cookies")?,
                3 => closed(session!(self, call_clear_cookies, s), "clear-cookies")?,
                4 => closed(session!(self, call_get, s, &url, &opts()).map(drop), "get")?,
                5 => closed(
                    session!(self, call_prepare_request, s, "GET", &url, &opts()).map(drop),
                    "prepare-request",
                )?,
                6 => closed(
                    session!(self, call_start_request, s, "PUT", &url, &opts(), None).map(drop),
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
                10 => closed(
                    session!(self, call_max_redirects, s).map(drop),
                    "max-redirects",
                )?,
                _ => closed(session!(self, call_set_timeout, s, None), "set-timeout")?,
            }
        }
        Ok(())
    }
}

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
        h: harness(false).await?,
        hooks_build: false,
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
            d.step().await
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
