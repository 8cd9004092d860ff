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
//! What differs: a connection outlives the request, TCP_NODELAY is set, and
//! the connect timeout bounds the TLS handshake too (the stock transport only
//! bounds the TCP connect). The connection tasks run on the tokio runtime that
//! was current when the connection was opened (wasmtime-wasi's runtime when
//! there is none), so share one transport within one long-lived runtime.

#![warn(missing_docs)]

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::{Request, Response, Uri};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::capture_connection;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};
use tower_service::Service;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

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
        let connector = Connector {
            // `From<(connector, config)>` keeps the configuration as given (no
            // ALPN, so servers answer in HTTP/1.1) and accepts http and https.
            https: HttpsConnector::from((TcpConnector, tls)),
            default_timeout: config.connect_timeout,
        };
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

tokio::task_local! {
    /// The connect timeout of the request being sent, read by [`Connector`]:
    /// the pool's client is shared, its connector only sees the URI.
    static CONNECT_TIMEOUT: Duration;
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
        Ok(response.map(|incoming| {
            TimedBody {
                incoming,
                between_bytes_timeout,
                deadline: Box::pin(tokio::time::sleep(between_bytes_timeout)),
            }
            .boxed_unsync()
        }))
    }
}

/// A response body whose every wait for the next frame is bounded by the
/// between-bytes timeout.
struct TimedBody {
    incoming: Incoming,
    between_bytes_timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl Body for TimedBody {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.incoming).poll_frame(cx) {
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Ready(Some(Ok(frame))) => {
                let next = Instant::now() + this.between_bytes_timeout;
                this.deadline.as_mut().reset(next);
                Poll::Ready(Some(Ok(frame)))
            }
            // As in the stock transport: hyper's own timeouts are response
            // timeouts, any other error stays a hyper error.
            Poll::Ready(Some(Err(err))) if err.is_timeout() => {
                Poll::Ready(Some(Err(HttpError::HttpResponseTimeout)))
            }
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(HttpError::Hyper(err)))),
            Poll::Pending => {
                ready!(this.deadline.as_mut().poll(cx));
                Poll::Ready(Some(Err(HttpError::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}

/// The TLS configuration of the stock transport: `ring`, webpki roots.
fn default_tls_config() -> Arc<rustls::ClientConfig> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.into(),
    };
    // An explicit provider: `ClientConfig::builder()` would panic if another
    // crate in the process also enabled rustls' aws-lc-rs provider.
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("the ring provider supports the default TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    Arc::new(config)
}

type BoxError = Box<dyn StdError + Send + Sync>;

/// The pool's connector: TLS (hyper-rustls) over [`TcpConnector`], bounded by
/// the request's connect timeout, with every failure classified as a
/// [`ConnectError`].
#[derive(Clone)]
struct Connector {
    https: HttpsConnector<TcpConnector>,
    default_timeout: Duration,
}

impl Service<Uri> for Connector {
    type Response = MaybeHttpsStream<TokioIo<TcpStream>>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        // `call` runs while the request's future is polled, inside its scope.
        let timeout = CONNECT_TIMEOUT
            .try_with(|t| *t)
            .unwrap_or(self.default_timeout);
        let tls = uri.scheme_str() == Some("https");
        let connecting = self.https.call(uri);
        Box::pin(async move {
            match tokio::time::timeout(timeout, connecting).await {
                Ok(Ok(stream)) => Ok(stream),
                Ok(Err(err)) => Err(ConnectError::classify(err, tls)),
                Err(_) => Err(ConnectError::Timeout),
            }
        })
    }
}

/// Resolves the host and connects over TCP, trying each address in turn like
/// `TcpStream::connect(authority)` in the stock transport.
#[derive(Clone, Copy)]
struct TcpConnector;

impl Service<Uri> for TcpConnector {
    type Response = TokioIo<TcpStream>;
    type Error = TcpError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, TcpError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), TcpError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Box::pin(async move {
            let host = uri.host().unwrap_or_default();
            let host = host
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .unwrap_or(host)
                .to_string();
            let default_port = if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            };
            let port = uri.port_u16().unwrap_or(default_port);
            let addrs = tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(TcpError::Dns)?;
            let mut last = None;
            for addr in addrs {
                match TcpStream::connect(addr).await {
                    Ok(stream) => {
                        // Requests are small and answered before the next one:
                        // Nagle's delay would only add latency.
                        let _ = stream.set_nodelay(true);
                        return Ok(TokioIo::new(stream));
                    }
                    Err(err) => last = Some(err),
                }
            }
            Err(match last {
                Some(err) => TcpError::Connect(err),
                None => TcpError::Dns(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{host} has no addresses"),
                )),
            })
        })
    }
}

/// A failure of [`TcpConnector`].
#[derive(Debug)]
enum TcpError {
    Dns(io::Error),
    Connect(io::Error),
}

impl fmt::Display for TcpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TcpError::Dns(err) => write!(f, "DNS lookup failed: {err}"),
            TcpError::Connect(err) => write!(f, "TCP connect failed: {err}"),
        }
    }
}

impl StdError for TcpError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            TcpError::Dns(err) | TcpError::Connect(err) => Some(err),
        }
    }
}

/// Why the pool could not open a connection. It travels to [`client_error`]
/// as the source of hyper-util's error.
#[derive(Debug)]
enum ConnectError {
    /// The connect timeout passed.
    Timeout,
    /// Resolving or connecting failed.
    Tcp(TcpError),
    /// The host is no valid TLS server name.
    InvalidDnsName(BoxError),
    /// The TLS handshake failed.
    Tls(BoxError),
    /// Anything else (for example an unsupported scheme).
    Other(BoxError),
}

impl ConnectError {
    fn classify(err: BoxError, tls: bool) -> ConnectError {
        let err = match err.downcast::<TcpError>() {
            Ok(tcp) => return ConnectError::Tcp(*tcp),
            Err(err) => err,
        };
        if err.is::<rustls::pki_types::InvalidDnsNameError>() {
            ConnectError::InvalidDnsName(err)
        } else if tls {
            // hyper-rustls reports every handshake failure as an io::Error.
            ConnectError::Tls(err)
        } else {
            ConnectError::Other(err)
        }
    }

    /// The `wasi:http` error this failure gives the guest.
    fn to_http_error(&self) -> HttpError {
        match self {
            ConnectError::Timeout => HttpError::ConnectionTimeout,
            ConnectError::Tcp(TcpError::Dns(_)) => dns_error("address not available"),
            ConnectError::Tcp(TcpError::Connect(err)) => match err.kind() {
                // The stock transport treats this as a DNS failure too.
                io::ErrorKind::AddrNotAvailable => dns_error("address not available"),
                io::ErrorKind::TimedOut => HttpError::ConnectionTimeout,
                _ => HttpError::ConnectionRefused,
            },
            ConnectError::InvalidDnsName(_) => dns_error("invalid dns name"),
            ConnectError::Tls(err) => match find::<rustls::Error>(&**err) {
                Some(rustls::Error::InvalidCertificate(_)) => HttpError::TlsCertificateError,
                Some(rustls::Error::AlertReceived(alert)) => HttpError::TlsAlertReceived {
                    alert_id: Some(u8::from(*alert)),
                    alert_message: Some(format!("{alert:?}")),
                },
                _ => HttpError::TlsProtocolError,
            },
            ConnectError::Other(err) => HttpError::InternalError(Some(err.to_string())),
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Timeout => write!(f, "connect timeout"),
            ConnectError::Tcp(err) => write!(f, "{err}"),
            ConnectError::InvalidDnsName(err) => write!(f, "invalid TLS server name: {err}"),
            ConnectError::Tls(err) => write!(f, "TLS handshake failed: {err}"),
            ConnectError::Other(err) => write!(f, "connect failed: {err}"),
        }
    }
}

impl StdError for ConnectError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ConnectError::Timeout => None,
            ConnectError::Tcp(err) => Some(err),
            ConnectError::InvalidDnsName(err)
            | ConnectError::Tls(err)
            | ConnectError::Other(err) => Some(&**err),
        }
    }
}

fn dns_error(rcode: &str) -> HttpError {
    HttpError::DnsError {
        rcode: Some(rcode.to_string()),
        info_code: None,
    }
}

/// Maps an error of the pool's client onto the `wasi:http` error the stock
/// transport gives for the same failure.
fn client_error(err: &hyper_util::client::legacy::Error) -> HttpError {
    if let Some(connect) = find::<ConnectError>(err) {
        return connect.to_http_error();
    }
    if let Some(hyper) = find::<hyper::Error>(err) {
        if hyper.is_timeout() {
            return HttpError::HttpResponseTimeout;
        }
    }
    // The guest's request body failed: its own error, as far as it can be copied.
    if let Some(body) = find::<HttpError>(err) {
        return match body {
            HttpError::HttpRequestBodySize(size) => HttpError::HttpRequestBodySize(*size),
            HttpError::HttpProtocolError => HttpError::HttpProtocolError,
            HttpError::ConnectionReadTimeout => HttpError::ConnectionReadTimeout,
            other => HttpError::InternalError(Some(other.to_string())),
        };
    }
    HttpError::HttpProtocolError
}

/// The first error of type `T` in `err`'s source chain, looking inside
/// `io::Error`s too (their `source()` skips the error they wrap).
fn find<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut next = Some(err);
    while let Some(err) = next {
        if let Some(found) = err.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(inner) = err.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            let inner: &(dyn StdError + 'static) = inner;
            if let Some(found) = find::<T>(inner) {
                return Some(found);
            }
        }
        next = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_failures_give_the_stock_error_codes() {
        let refused = ConnectError::Tcp(TcpError::Connect(io::ErrorKind::ConnectionRefused.into()));
        assert!(matches!(
            refused.to_http_error(),
            HttpError::ConnectionRefused
        ));
        let dns = ConnectError::Tcp(TcpError::Dns(io::Error::other("no such host")));
        assert!(matches!(dns.to_http_error(), HttpError::DnsError { .. }));
        assert!(matches!(
            ConnectError::Timeout.to_http_error(),
            HttpError::ConnectionTimeout
        ));
    }

    #[test]
    fn tls_failures_are_found_inside_nested_io_errors() {
        // hyper-rustls wraps tokio-rustls' io::Error, which wraps rustls' error.
        let cert = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let nested: BoxError = Box::new(io::Error::other(io::Error::new(
            io::ErrorKind::InvalidData,
            cert,
        )));
        let err = ConnectError::classify(nested, true);
        assert!(matches!(
            err.to_http_error(),
            HttpError::TlsCertificateError
        ));
        let eof: BoxError = Box::new(io::Error::from(io::ErrorKind::UnexpectedEof));
        let err = ConnectError::classify(eof, true);
        assert!(matches!(err.to_http_error(), HttpError::TlsProtocolError));
    }

    #[test]
    fn tcp_errors_survive_the_tls_layer() {
        let tcp: BoxError = Box::new(TcpError::Connect(io::ErrorKind::ConnectionRefused.into()));
        let err = ConnectError::classify(tcp, true);
        assert!(matches!(err.to_http_error(), HttpError::ConnectionRefused));
    }
}
