//! [`PoolAdapter`]: a real [`HostAdapter`] (`adapter.host(name)`) over the pool's hyper-util
//! client, honouring every send setting the session hands it, or refusing it by name.
//!
//! ```no_run
//! use host_tests::host::Harness;
//! use host_tests::pool::PoolAdapter;
//!
//! # async fn demo() -> anyhow::Result<()> {
//! let mut h = Harness::builder()
//!     .host_adapter("pool", PoolAdapter::default())
//!     .build()
//!     .await?;
//! let s = h.session().await?;
//! h.mount_host_adapter(s, "http://", "pool").await?;
//! let r = h.get(s, "http://127.0.0.1:8080/get", None).await??;
//! # Ok(()) }
//! ```
//!
//! What it does with each setting of `send-settings`:
//!
//! - `timeout`: `connect-ms` bounds DNS, TCP connect and TLS handshake of a new connection
//!   (`connect-timeout`), `read-ms` the wait for the response head and then for each body
//!   piece (`read-timeout`); `none` falls back to [`PoolConfig`].
//! - `verify` (https only): `enabled` checks the server against the webpki (Mozilla) roots,
//!   `ca-bundle` against the certificates of that PEM only (a file, or the text itself),
//!   `disabled` accepts any certificate (signatures are still checked, so the handshake is
//!   real). A bundle that cannot be read or holds no certificate is a `tls` failure naming it.
//! - `cert` (https only): the client certificate chain and key (the key from `key`, else from
//!   the `cert` PEM), presented when the server asks; one that cannot be loaded is a `tls`
//!   failure naming it.
//! - `proxy`: an `http://` proxy carries `http` URLs in absolute form, with
//!   `Proxy-Authorization: Basic` from the proxy URL's userinfo; failing to reach it is a
//!   `proxy` failure. An `https` URL through a proxy (a CONNECT tunnel) and proxies of other
//!   schemes (`https://`, `socks5://`) are `unsupported` failures naming what is refused.
//! - `stream`: the head is returned as soon as it arrives; the body always follows as it is
//!   read (the harness hands the guest its first piece and the rest by `read`).
//!
//! Connections are kept alive and reused per origin within each combination of TLS settings
//! and proxy (a connection made with `verify` disabled never serves a verified request).
//! Clones share the pools.

mod bodies; // the response body and the upload
mod proxy; // the proxy settings and the connector that dials it
mod tls; // the rustls configuration for `verify` and `cert`

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request, Response, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use wasmtime_wasi_http::Error as HttpError;

use super::connect::{client_error, default_tls_config, Connector, CONNECT_TIMEOUT};
use super::PoolConfig;
use crate::host::{
    failure, AdapterFuture, AdapterRequest, AdapterResponse, Failure, FailureKind, HostAdapter,
    ResponseBody, SendSettings, Upload,
};
use bodies::{ChannelBody, PoolBody, PoolUpload};
use proxy::{Proxy, ProxyConnector};
use tls::tls_config;

type BoxError = Box<dyn StdError + Send + Sync>;

/// The request body type of the adapter's clients: whole, or fed by an upload.
type AdapterBody = UnsyncBoxBody<Bytes, BoxError>;

/// A client for one combination of TLS settings and proxy.
type AdapterClient = Client<ProxyConnector, AdapterBody>;

/// A [`HostAdapter`] over pooled hyper-util clients: see the module documentation.
#[derive(Clone, Default)]
pub struct PoolAdapter {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    config: PoolConfig,
    /// Clients by the settings that shape their connections.
    clients: Mutex<HashMap<String, AdapterClient>>,
}

impl PoolAdapter {
    /// An adapter with these pool settings (its `tls` is the one used for
    /// `verify` `enabled` without a client certificate).
    pub fn new(config: PoolConfig) -> Self {
        PoolAdapter {
            inner: Arc::new(Inner {
                config,
                clients: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// How many clients (pools) the adapter made so far: one per combination
    /// of TLS settings and proxy it was asked for.
    pub fn pools(&self) -> usize {
        self.inner.clients.lock().map(|c| c.len()).unwrap_or(0)
    }
}

impl fmt::Debug for PoolAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolAdapter")
            .field("config", &self.inner.config)
            .field("pools", &self.pools())
            .finish()
    }
}

impl HostAdapter for PoolAdapter {
    fn send(
        &mut self,
        request: AdapterRequest,
        settings: SendSettings,
    ) -> AdapterFuture<'_, AdapterResponse> {
        let inner = self.inner.clone();
        Box::pin(async move {
            let body = request.body.clone().unwrap_or_default();
            let body: AdapterBody = Full::new(Bytes::from(body))
                .map_err(|never| match never {})
                .boxed_unsync();
            let (client, timeouts, proxied) = inner.client_for(&request, &settings)?;
            let hyper_request = build_request(&request, &settings, body)?;
            exchange(client, hyper_request, timeouts, proxied).await
        })
    }

    fn start(
        &mut self,
        request: AdapterRequest,
        settings: SendSettings,
    ) -> AdapterFuture<'_, Option<Box<dyn Upload>>> {
        let inner = self.inner.clone();
        Box::pin(async move {
            let (client, timeouts, proxied) = inner.client_for(&request, &settings)?;
            let (sender, receiver) = tokio::sync::mpsc::channel::<Bytes>(4);
            let body: AdapterBody = ChannelBody(receiver).boxed_unsync();
            let hyper_request = build_request(&request, &settings, body)?;
            let task = tokio::spawn(exchange(client, hyper_request, timeouts, proxied));
            let upload: Box<dyn Upload> = Box::new(PoolUpload {
                sender: Some(sender),
                task,
                done: None,
            });
            Ok(Some(upload))
        })
    }
}

/// The timeouts of one request.
#[derive(Clone, Copy)]
struct Timeouts {
    connect: Duration,
    read: Duration,
}

impl Inner {
    /// The client for this request's settings (made on first use), its
    /// timeouts, and whether it goes through a proxy.
    fn client_for(
        &self,
        request: &AdapterRequest,
        settings: &SendSettings,
    ) -> Result<(AdapterClient, Timeouts, bool), Failure> {
        let uri: Uri = request.url.parse().map_err(|e| {
            failure(
                FailureKind::InvalidUrl,
                format!("the pool adapter cannot parse the URL: {e}"),
            )
        })?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            other => {
                return Err(failure(
                    FailureKind::InvalidUrl,
                    format!(
                        "the pool adapter sends http and https URLs only, not {:?}",
                        other.unwrap_or_default()
                    ),
                ))
            }
        };
        if uri.authority().is_none() {
            return Err(failure(
                FailureKind::InvalidUrl,
                "the pool adapter needs a URL with a host",
            ));
        }
        let proxy = match &settings.proxy {
            Some(url) => Some(Proxy::parse(url, https)?),
            None => None,
        };
        let timeouts = Timeouts {
            connect: settings
                .timeout
                .connect_ms
                .map(|ms| Duration::from_millis(ms.into()))
                .unwrap_or(self.config.connect_timeout),
            read: settings
                .timeout
                .read_ms
                .map(|ms| Duration::from_millis(ms.into()))
                .unwrap_or(self.config.first_byte_timeout),
        };
        // TLS settings only shape https connections: an http URL with a
        // client certificate (ignored there, as in requests) shares the plain pool.
        let key = match https {
            true => format!("https {:?} {:?}", settings.verify, settings.cert),
            false => "http".to_string(),
        };
        let key = format!(
            "{key} proxy {:?}",
            proxy.as_ref().map(|p| p.authority.to_string())
        );
        let mut clients = self
            .clients
            .lock()
            .map_err(|_| failure(FailureKind::Other, "the pool adapter's lock is poisoned"))?;
        if let Some(client) = clients.get(&key) {
            return Ok((client.clone(), timeouts, proxy.is_some()));
        }
        let tls = match https {
            true => tls_config(&settings.verify, settings.cert.as_ref(), &self.config)?,
            false => self.config.tls.clone().unwrap_or_else(default_tls_config),
        };
        let connector = ProxyConnector {
            inner: Connector::new(tls, self.config.connect_timeout),
            proxy: proxy.as_ref().map(|p| p.connect_uri.clone()),
        };
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_max_idle_per_host(self.config.max_idle_per_host)
            .pool_idle_timeout(self.config.idle_timeout)
            .build(connector);
        clients.insert(key, client.clone());
        Ok((client, timeouts, proxy.is_some()))
    }
}
/// The hyper request for `request`, with `Proxy-Authorization` when its proxy has credentials.
fn build_request(
    request: &AdapterRequest,
    settings: &SendSettings,
    body: AdapterBody,
) -> Result<Request<AdapterBody>, Failure> {
    let method = Method::from_bytes(request.method.as_bytes()).map_err(|_| {
        failure(
            FailureKind::Other,
            format!("{:?} is not an HTTP method", request.method),
        )
    })?;
    let mut builder = Request::builder().method(method).uri(request.url.as_str());
    for (name, value) in &request.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            failure(
                FailureKind::InvalidHeader,
                format!("{name:?} is not a valid header name"),
            )
        })?;
        let value = HeaderValue::from_bytes(&latin1_bytes(value)).map_err(|_| {
            failure(
                FailureKind::InvalidHeader,
                format!("the value of {name} is not a valid header value"),
            )
        })?;
        builder = builder.header(name, value);
    }
    if let Some(authorization) = settings.proxy.as_deref().and_then(Proxy::authorization) {
        builder = builder.header("proxy-authorization", authorization);
    }
    builder.body(body).map_err(|e| {
        failure(
            FailureKind::InvalidUrl,
            format!("the pool adapter cannot send this request: {e}"),
        )
    })
}

/// A header value's characters as bytes (values are Latin-1 on the wire).
fn latin1_bytes(text: &str) -> Vec<u8> {
    if text.is_ascii() {
        return text.as_bytes().to_vec();
    }
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// Sends `request` and waits for the head (bounded by the read timeout once
/// connected); the body follows as a [`PoolBody`].
async fn exchange(
    client: AdapterClient,
    request: Request<AdapterBody>,
    timeouts: Timeouts,
    proxied: bool,
) -> Result<AdapterResponse, Failure> {
    let mut request = request;
    let mut connected = hyper_util::client::legacy::connect::capture_connection(&mut request);
    let response = CONNECT_TIMEOUT.scope(timeouts.connect, client.request(request));
    tokio::pin!(response);
    let early = tokio::select! {
        biased;
        result = &mut response => Some(result),
        _ = connected.wait_for_connection_metadata() => None,
    };
    let result = match early {
        Some(result) => result,
        None => tokio::time::timeout(timeouts.read, &mut response)
            .await
            .map_err(|_| {
                failure(
                    FailureKind::ReadTimeout,
                    format!(
                        "no response head within the read timeout of {} ms",
                        timeouts.read.as_millis()
                    ),
                )
            })?,
    };
    let response: Response<Incoming> = result.map_err(|err| to_failure(&err, proxied))?;
    let (parts, body) = response.into_parts();
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let value: String = value.as_bytes().iter().map(|&b| char::from(b)).collect();
            (name.as_str().to_string(), value)
        })
        .collect();
    Ok(AdapterResponse {
        status: parts.status.as_u16(),
        headers,
        body: ResponseBody::Stream(Box::new(PoolBody {
            body,
            read_timeout: timeouts.read,
        })),
    })
}

/// A hyper-util client error as the failure the session reports.
fn to_failure(err: &hyper_util::client::legacy::Error, proxied: bool) -> Failure {
    let message = chain(err);
    let kind = match client_error(err) {
        HttpError::ConnectionTimeout => FailureKind::ConnectTimeout,
        HttpError::ConnectionReadTimeout | HttpError::HttpResponseTimeout => {
            FailureKind::ReadTimeout
        }
        HttpError::DnsError { .. } => FailureKind::Dns,
        HttpError::ConnectionRefused => FailureKind::ConnectionRefused,
        HttpError::TlsCertificateError
        | HttpError::TlsProtocolError
        | HttpError::TlsAlertReceived { .. } => FailureKind::Tls,
        HttpError::HttpProtocolError => FailureKind::Connection,
        _ if err.is_connect() => FailureKind::Connection,
        _ => FailureKind::Other,
    };
    // A connection that never reached the proxy is the proxy's failure.
    let kind = match kind {
        FailureKind::ConnectionRefused | FailureKind::Dns | FailureKind::ConnectTimeout
            if proxied && err.is_connect() =>
        {
            FailureKind::Proxy
        }
        kind => kind,
    };
    let message = match kind {
        FailureKind::Proxy => format!("could not connect to the proxy: {message}"),
        _ => message,
    };
    failure(kind, message)
}

/// An error and its sources, joined by `: `.
fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut text = err.to_string();
    let mut next = err.source();
    while let Some(source) = next {
        let part = source.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        next = source.source();
    }
    text
}
