//! A [`WasiHttpHooks`] transport that keeps HTTP/1.1 connections alive and reuses them per origin.
//!
//! wasmtime's stock transport (`default_send_request`) opens a new TCP (and
//! TLS) connection for every `wasi:http/outgoing-handler.handle` call and
//! closes it after the response. [`PooledTransport`] sends through a
//! hyper-util legacy [`Client`] instead: idle keep-alive connections are kept
//! per origin (scheme, host and port) and handed to the next request for the
//! same origin, from any store that holds a clone of the transport.
//!
//! ```no_run
//! use host_tests::host::Harness;
//! use host_tests::pool::{PoolConfig, PooledTransport};
//!
//! # async fn demo() -> anyhow::Result<()> {
//! // One pool for the whole process; a clone is a reference to it.
//! let pool = PooledTransport::new(PoolConfig::default());
//! let a = Harness::builder().transport(pool.clone()).build().await?;
//! let b = Harness::builder().transport(pool.clone()).build().await?;
//! # Ok(()) }
//! ```
//!
//! What matches the stock transport:
//!
//! - the request arrives with the guest's forbidden headers already removed
//!   and `Host` set by wasmtime-wasi-http; it is sent in origin form (path and
//!   query only), and response headers the guest may not see are removed by
//!   wasmtime-wasi-http when it builds the `incoming-response`;
//! - the `wasi:http` request-options timeouts, and the `error-code` each
//!   failure gives (see [`PooledTransport`]); a timeout the guest did not set
//!   falls back to [`PoolConfig`], whose defaults are the stock 600 s;
//! - TLS is rustls with the `ring` provider and the webpki (Mozilla) roots.
//!
//! [`PoolAdapter`] serves the same pooled client to world `client-with-host`
//! as a host adapter (`adapter.host(name)`), which also honours the TLS
//! (`verify`, `cert`) and proxy settings that wasi:http cannot carry.
//!
//! What differs: a connection outlives the request, TCP_NODELAY is set, and
//! the connect timeout bounds the TLS handshake too (the stock transport only
//! bounds the TCP connect). The connection tasks run on the tokio runtime that
//! was current when the connection was opened (wasmtime-wasi's runtime when
//! there is none), so share one transport within one long-lived runtime.

#![warn(missing_docs)]

mod adapter; // the same client as a host adapter (`adapter.host(name)`)
mod body; // the timed response body
mod connect; // the connector, connect errors and their error-code mapping

pub use adapter::PoolAdapter;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt as _;
use hyper::{Request, Response};
use hyper_util::client::legacy::connect::capture_connection;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

use body::TimedBody;
use connect::{client_error, default_tls_config, Connector, CONNECT_TIMEOUT};

/// Default for [`PoolConfig::max_idle_per_host`].
pub const DEFAULT_MAX_IDLE_PER_HOST: usize = 8;

/// Default for [`PoolConfig::idle_timeout`]: 90 seconds, as hyper and reqwest use.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Default for the three timeouts of [`PoolConfig`] a guest does not set:
/// 600 seconds, the value wasmtime's `default_send_request` uses.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// Settings of a [`PooledTransport`]. [`PoolConfig::default`] gives the
/// documented defaults; every field can be set directly or with the
/// builder-style method of the same name.
#[derive(Clone)]
pub struct PoolConfig {
    /// Most idle connections kept per origin (scheme, host, port); more are
    /// closed when they become idle. `0` turns pooling off: every request
    /// opens a connection, as the stock transport does.
    /// Default: [`DEFAULT_MAX_IDLE_PER_HOST`] (8).
    pub max_idle_per_host: usize,
    /// How long an idle connection is kept before it is closed; `None` keeps
    /// it until the server closes it. Default: [`DEFAULT_IDLE_TIMEOUT`] (90 s).
    pub idle_timeout: Option<Duration>,
    /// Bound on opening a connection (DNS, TCP connect and, for https, the TLS
    /// handshake) when the guest's request-options set no `connect-timeout`.
    /// Default: [`DEFAULT_TIMEOUT`] (600 s).
    pub connect_timeout: Duration,
    /// Bound on waiting for the response head once the request has a
    /// connection, when the guest sets no `first-byte-timeout`.
    /// Default: [`DEFAULT_TIMEOUT`] (600 s).
    pub first_byte_timeout: Duration,
    /// Bound on waiting for each next frame of the response body, when the
    /// guest sets no `between-bytes-timeout`. Default: [`DEFAULT_TIMEOUT`] (600 s).
    pub between_bytes_timeout: Duration,
    /// The rustls configuration for https origins. `None` (the default) uses
    /// the `ring` provider, safe default protocol versions and the webpki
    /// roots, as the stock transport does. A configuration given here must
    /// leave `alpn_protocols` empty or offer only `http/1.1`: the pool speaks
    /// HTTP/1.1.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            max_idle_per_host: DEFAULT_MAX_IDLE_PER_HOST,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            connect_timeout: DEFAULT_TIMEOUT,
            first_byte_timeout: DEFAULT_TIMEOUT,
            between_bytes_timeout: DEFAULT_TIMEOUT,
            tls: None,
        }
    }
}

impl PoolConfig {
    /// Sets [`PoolConfig::max_idle_per_host`].
    pub fn max_idle_per_host(mut self, max: usize) -> Self {
        self.max_idle_per_host = max;
        self
    }

    /// Sets [`PoolConfig::idle_timeout`].
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets [`PoolConfig::connect_timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`PoolConfig::first_byte_timeout`].
    pub fn first_byte_timeout(mut self, timeout: Duration) -> Self {
        self.first_byte_timeout = timeout;
        self
    }

    /// Sets [`PoolConfig::between_bytes_timeout`].
    pub fn between_bytes_timeout(mut self, timeout: Duration) -> Self {
        self.between_bytes_timeout = timeout;
        self
    }

    /// Sets [`PoolConfig::tls`].
    pub fn tls(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Builds the transport: `PooledTransport::new(self)`.
    pub fn build(self) -> PooledTransport {
        PooledTransport::new(self)
    }
}

impl fmt::Debug for PoolConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolConfig")
            .field("max_idle_per_host", &self.max_idle_per_host)
            .field("idle_timeout", &self.idle_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("first_byte_timeout", &self.first_byte_timeout)
            .field("between_bytes_timeout", &self.between_bytes_timeout)
            .field("tls", &self.tls.as_ref().map(|_| "custom"))
            .finish()
    }
}

/// A `wasi:http` transport with a keep-alive connection pool per origin.
///
/// Install it with `Harness::builder().transport(pool.clone())`, or return
/// `&mut pool` as the `hooks` of a `WasiHttpCtxView`. Cloning is cheap (an
/// [`Arc`]) and every clone shares the same pool, so one transport serves any
/// number of stores and instances. Only `send_request` is overridden; the
/// other hooks (forbidden headers, schemes, `Host`) keep their defaults.
///
/// Timeouts, from the guest's `request-options` or else [`PoolConfig`]:
///
/// | timeout | bounds | failure |
/// |---|---|---|
/// | `connect-timeout` | DNS + TCP connect + TLS handshake of a new connection | `connection-timeout` |
/// | `first-byte-timeout` | from the moment the request has a connection (new or pooled) to the response head | `connection-read-timeout` |
/// | `between-bytes-timeout` | each wait for the next body frame | `connection-read-timeout` |
///
/// Other failures give the `error-code` the stock transport gives: a DNS
/// failure (or `AddrNotAvailable`) `DNS-error` with rcode
/// `"address not available"`, a host that is no valid TLS server name
/// `DNS-error` with rcode `"invalid dns name"`, a refused or otherwise failed
/// TCP connect `connection-refused` (an OS-level connect timeout gives
/// `connection-timeout`), a failed TLS handshake `TLS-protocol-error` (more
/// precisely `TLS-certificate-error` for a rejected certificate and
/// `TLS-alert-received` for an alert from the server), an HTTP error in the
/// response head `HTTP-protocol-error` (`HTTP-response-timeout` for a hyper
/// timeout), and a failed request body the body's own error.
#[derive(Clone)]
pub struct PooledTransport {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client<Connector, WasiBody>,
    config: PoolConfig,
}

impl PooledTransport {
    /// A transport with its own, empty pool. No tokio runtime is needed to
    /// create it.
    pub fn new(config: PoolConfig) -> Self {
        let tls = config.tls.clone().unwrap_or_else(default_tls_config);
        let connector = Connector::new(tls, config.connect_timeout);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_max_idle_per_host(config.max_idle_per_host)
            .pool_idle_timeout(config.idle_timeout)
            .build(connector);
        PooledTransport {
            inner: Arc::new(Inner { client, config }),
        }
    }

    /// A builder: [`PoolConfig::default`], to adjust and `.build()`.
    pub fn builder() -> PoolConfig {
        PoolConfig::default()
    }

    /// The settings this transport was created with.
    pub fn config(&self) -> &PoolConfig {
        &self.inner.config
    }
}

impl Default for PooledTransport {
    /// `PooledTransport::new(PoolConfig::default())`.
    fn default() -> Self {
        PooledTransport::new(PoolConfig::default())
    }
}

impl fmt::Debug for PooledTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledTransport")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// The future `send_request` returns.
type SendFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                Response<WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for PooledTransport {
    fn send_request(
        &mut self,
        request: Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> SendFuture {
        // As in the stock hook: nothing reports response-processing errors here.
        drop(fut);
        let inner = self.inner.clone();
        Box::new(async move {
            let response = inner.send(request, options.unwrap_or_default()).await?;
            // The connection is driven by a task of the pool, not by a future
            // handed back to wasmtime-wasi-http.
            let io: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send> =
                Box::new(async { Ok(()) });
            Ok((response, io))
        })
    }
}

impl Inner {
    async fn send(
        &self,
        mut request: Request<WasiBody>,
        options: RequestOptions,
    ) -> Result<Response<WasiBody>, HttpError> {
        let config = &self.config;
        let connect_timeout = options.connect_timeout.unwrap_or(config.connect_timeout);
        let first_byte_timeout = options
            .first_byte_timeout
            .unwrap_or(config.first_byte_timeout);
        // Tokio's timers accept zero; a zero between-bytes timeout fails any
        // body that is not already buffered, as in the stock transport.
        let between_bytes_timeout = options
            .between_bytes_timeout
            .unwrap_or(config.between_bytes_timeout);

        // wasmtime-wasi-http builds an absolute URI (scheme, authority,
        // path); the client sends it in origin form and keys its pool on
        // scheme and authority.
        let uri = request.uri();
        if uri.authority().is_none() {
            return Err(HttpError::HttpRequestUriInvalid);
        }
        if !matches!(uri.scheme_str(), Some("http" | "https")) {
            return Err(HttpError::HttpProtocolError);
        }

        // Tells when the client has a connection for this request, pooled or new.
        let mut connected = capture_connection(&mut request);
        let response = CONNECT_TIMEOUT.scope(connect_timeout, self.client.request(request));
        tokio::pin!(response);

        // Phase 1: get a connection. An idle one comes at once; a new one is
        // bounded by the connect timeout inside `Connector`.
        let early = tokio::select! {
            biased;
            result = &mut response => Some(result),
            _ = connected.wait_for_connection_metadata() => None,
        };
        // Phase 2: the first-byte timeout runs from the moment the request has
        // a connection, so a slow connect does not eat into it.
        let result = match early {
            Some(result) => result,
            None => tokio::time::timeout(first_byte_timeout, &mut response)
                .await
                .map_err(|_| HttpError::ConnectionReadTimeout)?,
        };
        let response = result.map_err(|err| client_error(&err))?;
        Ok(response.map(|incoming| TimedBody::new(incoming, between_bytes_timeout).boxed_unsync()))
    }
}
