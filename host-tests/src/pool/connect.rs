//! Opening the pool's connections: the TLS/TCP connector, its connect timeout, the connect errors and their mapping (with the client's other errors) to the `wasi:http` `error-code`.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::Uri;
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;
use wasmtime_wasi_http::Error as HttpError;

tokio::task_local! {
    /// The connect timeout of the request being sent, read by [`Connector`]:
    /// the pool's client is shared, its connector only sees the URI.
    pub(super) static CONNECT_TIMEOUT: Duration;
}

/// The TLS configuration of the stock transport: `ring`, webpki roots.
pub(super) fn default_tls_config() -> Arc<rustls::ClientConfig> {
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
pub(super) struct Connector {
    https: HttpsConnector<TcpConnector>,
    default_timeout: Duration,
}

impl Connector {
    /// TLS with `tls` over [`TcpConnector`]; `default_timeout` bounds a
    /// connect made outside a request's [`CONNECT_TIMEOUT`] scope.
    pub(super) fn new(tls: Arc<rustls::ClientConfig>, default_timeout: Duration) -> Self {
        Connector {
            // `From<(connector, config)>` keeps the configuration as given (no
            // ALPN, so servers answer in HTTP/1.1) and accepts http and https.
            https: HttpsConnector::from((TcpConnector, tls)),
            default_timeout,
        }
    }
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
pub(super) enum TcpError {
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
pub(super) enum ConnectError {
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
pub(super) fn client_error(err: &hyper_util::client::legacy::Error) -> HttpError {
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
