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

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request, Response, Uri};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tower_service::Service;
use wasmtime_wasi_http::Error as HttpError;

use super::connect::{client_error, default_tls_config, Connector, CONNECT_TIMEOUT};
use super::PoolConfig;
use crate::host::host_adapters::{ClientCert, Pem, Verify};
use crate::host::{
    failure, AdapterFuture, AdapterRequest, AdapterResponse, BodyStream, Failure, FailureKind,
    HostAdapter, ResponseBody, SendSettings, Upload,
};

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

/// A proxy the adapter can use.
struct Proxy {
    /// `http://host:port/`, what the connector dials.
    connect_uri: Uri,
    authority: hyper::http::uri::Authority,
}

impl Proxy {
    /// The proxy of `url`, or an `unsupported` failure for what the adapter cannot do.
    fn parse(url: &str, https_target: bool) -> Result<Proxy, Failure> {
        let uri: Uri = url.parse().map_err(|e| {
            failure(
                FailureKind::Proxy,
                format!("the proxy URL cannot be parsed: {e}"),
            )
        })?;
        let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
        if scheme != "http" {
            return Err(failure(
                FailureKind::Unsupported,
                format!("the pool adapter supports http:// proxies only, not a {scheme}:// proxy"),
            ));
        }
        if https_target {
            return Err(failure(
                FailureKind::Unsupported,
                "the pool adapter cannot tunnel an https request through a proxy (CONNECT); \
                 it forwards http requests only",
            ));
        }
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| failure(FailureKind::Proxy, "the proxy URL has no host"))?;
        let host_port = authority
            .as_str()
            .rsplit_once('@')
            .map_or(authority.as_str(), |(_, hp)| hp)
            .to_string();
        let connect_uri = format!("http://{host_port}/").parse().map_err(|e| {
            failure(
                FailureKind::Proxy,
                format!("the proxy address is not valid: {e}"),
            )
        })?;
        Ok(Proxy {
            connect_uri,
            authority,
        })
    }

    /// `Basic base64(user:password)` from the proxy URL's userinfo, percent-decoded.
    fn authorization(url: &str) -> Option<String> {
        let uri: Uri = url.parse().ok()?;
        let authority = uri.authority()?.as_str();
        let (userinfo, _) = authority.rsplit_once('@')?;
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        let credentials = format!("{}:{}", percent_decode(user), percent_decode(password));
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        ))
    }
}

/// `%XX` sequences decoded (as bytes, then UTF-8 lossily).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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

/// A response body read frame by frame, each wait bounded by the read timeout.
struct PoolBody {
    body: Incoming,
    read_timeout: Duration,
}

impl BodyStream for PoolBody {
    fn next(&mut self) -> AdapterFuture<'_, Option<Vec<u8>>> {
        Box::pin(async move {
            loop {
                let frame = tokio::time::timeout(self.read_timeout, self.body.frame())
                    .await
                    .map_err(|_| {
                        failure(
                            FailureKind::ReadTimeout,
                            format!(
                                "the body stalled for longer than the read timeout of {} ms",
                                self.read_timeout.as_millis()
                            ),
                        )
                    })?;
                match frame {
                    None => return Ok(None),
                    Some(Err(err)) => {
                        let kind = if err.is_timeout() {
                            FailureKind::ReadTimeout
                        } else {
                            FailureKind::Connection
                        };
                        return Err(failure(
                            kind,
                            format!("reading the body failed: {}", chain(&err)),
                        ));
                    }
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            if !data.is_empty() {
                                return Ok(Some(data.to_vec()));
                            }
                        }
                    }
                }
            }
        })
    }
}

/// An upload in flight: the body's pieces go through a channel to the
/// request, which runs as its own task.
struct PoolUpload {
    sender: Option<tokio::sync::mpsc::Sender<Bytes>>,
    task: tokio::task::JoinHandle<Result<AdapterResponse, Failure>>,
    /// The request's outcome, when it came while a piece was being written.
    done: Option<Result<AdapterResponse, Failure>>,
}

impl Upload for PoolUpload {
    fn write(&mut self, bytes: Vec<u8>) -> AdapterFuture<'_, ()> {
        Box::pin(async move {
            let Some(sender) = self.sender.clone() else {
                return Ok(());
            };
            // A request that ended (the server answered early, or the
            // connection failed) no longer takes pieces: `finish` says why.
            // A server that answers without reading the rest would leave the
            // piece waiting for room forever: the answer ends the wait.
            tokio::select! {
                sent = sender.send(Bytes::from(bytes)) => {
                    if sent.is_err() {
                        self.sender = None;
                    }
                }
                outcome = &mut self.task, if self.done.is_none() => {
                    self.sender = None;
                    self.done = Some(outcome.unwrap_or_else(|err| {
                        Err(failure(FailureKind::Other, format!("the upload's task failed: {err}")))
                    }));
                }
            }
            Ok(())
        })
    }

    fn finish(mut self: Box<Self>) -> AdapterFuture<'static, AdapterResponse> {
        Box::pin(async move {
            // Dropping the sender ends the body.
            self.sender = None;
            if let Some(done) = self.done.take() {
                return done;
            }
            let task = &mut self.task;
            match task.await {
                Ok(result) => result,
                Err(err) => Err(failure(
                    FailureKind::Other,
                    format!("the upload's task failed: {err}"),
                )),
            }
        })
    }
}

impl Drop for PoolUpload {
    fn drop(&mut self) {
        // An abandoned upload: stop its request.
        self.task.abort();
    }
}

/// An upload's body: the pieces sent through its channel, ending when the sender is dropped.
struct ChannelBody(tokio::sync::mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.0
            .poll_recv(cx)
            .map(|piece| piece.map(|b| Ok(Frame::data(b))))
    }
}

// ---- TLS ----

/// The rustls configuration for `verify` and `cert`.
fn tls_config(
    verify: &Verify,
    cert: Option<&ClientCert>,
    config: &PoolConfig,
) -> Result<Arc<rustls::ClientConfig>, Failure> {
    if matches!(verify, Verify::Enabled) && cert.is_none() {
        return Ok(config.tls.clone().unwrap_or_else(default_tls_config));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| failure(FailureKind::Tls, format!("TLS versions: {e}")))?;
    let builder = match verify {
        Verify::Enabled => builder.with_root_certificates(rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.into(),
        }),
        Verify::CaBundle(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            let certs = certificates(pem, "CA bundle")?;
            let (added, _ignored) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(failure(
                    FailureKind::Tls,
                    format!(
                        "the CA bundle {} holds no usable certificate",
                        describe(pem)
                    ),
                ));
            }
            builder.with_root_certificates(roots)
        }
        Verify::Disabled => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider))),
    };
    let config = match cert {
        None => builder.with_no_client_auth(),
        Some(client) => {
            let chain = certificates(&client.cert, "client certificate")?;
            let key_pem = client.key.as_ref().unwrap_or(&client.cert);
            let key =
                PrivateKeyDer::from_pem_slice(&pem_bytes(key_pem, "client key")?).map_err(|e| {
                    failure(
                        FailureKind::Tls,
                        format!("no private key in {}: {e}", describe(key_pem)),
                    )
                })?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                failure(
                    FailureKind::Tls,
                    format!("the client certificate cannot be used: {e}"),
                )
            })?
        }
    };
    Ok(Arc::new(config))
}

/// `path /x.pem` or `PEM data`, for messages.
fn describe(pem: &Pem) -> String {
    match pem {
        Pem::Path(path) => format!("file {path}"),
        Pem::Data(_) => "PEM data".to_string(),
    }
}

/// The PEM text of `pem` (reading its file).
fn pem_bytes(pem: &Pem, what: &str) -> Result<Vec<u8>, Failure> {
    match pem {
        Pem::Data(text) => Ok(text.as_bytes().to_vec()),
        Pem::Path(path) => std::fs::read(path).map_err(|e| {
            failure(
                FailureKind::Tls,
                format!("could not read the {what} {path}: {e}"),
            )
        }),
    }
}

/// The certificates of `pem`; none is a failure.
fn certificates(pem: &Pem, what: &str) -> Result<Vec<CertificateDer<'static>>, Failure> {
    let text = pem_bytes(pem, what)?;
    let certs = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            failure(
                FailureKind::Tls,
                format!("the {what} ({}) is not valid PEM: {e}", describe(pem)),
            )
        })?;
    if certs.is_empty() {
        return Err(failure(
            FailureKind::Tls,
            format!("the {what} ({}) holds no certificate", describe(pem)),
        ));
    }
    Ok(certs)
}

/// `verify` disabled: any certificate is accepted; the handshake's
/// signatures are still checked.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

// ---- the proxy connector ----

/// The pool's [`Connector`], dialling the proxy (when there is one) instead of
/// the origin and marking the connection as proxied, so that the client
/// sends requests in absolute form.
#[derive(Clone)]
struct ProxyConnector {
    inner: Connector,
    proxy: Option<Uri>,
}

impl Service<Uri> for ProxyConnector {
    type Response = Proxied<<Connector as Service<Uri>>::Response>;
    type Error = <Connector as Service<Uri>>::Error;
    type Future =
        Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let proxied = self.proxy.is_some();
        let target = self.proxy.clone().unwrap_or(uri);
        let connecting = self.inner.call(target);
        Box::pin(async move {
            let stream = connecting.await?;
            Ok(Proxied { stream, proxied })
        })
    }
}

/// A connection, marked as proxied or not.
struct Proxied<S> {
    stream: S,
    proxied: bool,
}

impl<S: Connection> Connection for Proxied<S> {
    fn connected(&self) -> Connected {
        self.stream.connected().proxy(self.proxied)
    }
}

impl<S: hyper::rt::Read + Unpin> hyper::rt::Read for Proxied<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<S: hyper::rt::Write + Unpin> hyper::rt::Write for Proxied<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_credentials_become_basic_proxy_authorization() {
        assert_eq!(
            Proxy::authorization("http://user:p%40ss@127.0.0.1:3128").as_deref(),
            Some("Basic dXNlcjpwQHNz")
        );
        assert_eq!(Proxy::authorization("http://127.0.0.1:3128"), None);
    }

    #[test]
    fn what_the_adapter_cannot_do_is_unsupported_by_name() {
        let err = Proxy::parse("socks5://127.0.0.1:1080", false)
            .err()
            .unwrap();
        assert_eq!(err.kind, FailureKind::Unsupported);
        assert!(err.message.contains("socks5"), "{}", err.message);
        let err = Proxy::parse("http://127.0.0.1:3128", true).err().unwrap();
        assert_eq!(err.kind, FailureKind::Unsupported);
        assert!(err.message.contains("CONNECT"), "{}", err.message);
        let ok = Proxy::parse("http://u:p@127.0.0.1:3128", false).unwrap();
        assert_eq!(ok.connect_uri, "http://127.0.0.1:3128/");
    }

    #[test]
    fn a_ca_bundle_without_certificates_is_a_tls_failure_naming_it() {
        let err = tls_config(
            &Verify::CaBundle(Pem::Data("not pem".into())),
            None,
            &PoolConfig::default(),
        )
        .err()
        .unwrap();
        assert_eq!(err.kind, FailureKind::Tls);
        assert!(err.message.contains("CA bundle"), "{}", err.message);
        let err = tls_config(
            &Verify::CaBundle(Pem::Path("/nonexistent/ca.pem".into())),
            None,
            &PoolConfig::default(),
        )
        .err()
        .unwrap();
        assert!(
            err.message.contains("/nonexistent/ca.pem"),
            "{}",
            err.message
        );
    }
}
