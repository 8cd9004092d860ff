//! The default adapter: one request over `wasi:http/outgoing-handler`, with
//! timeouts mapped to request-options and `error-code` mapped to typed errors.

use crate::bindings::wasi::http::outgoing_handler;
use crate::bindings::wasi::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, HeaderError, IncomingBody, IncomingResponse, Method,
    OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use crate::bindings::wasi::io::streams::{InputStream, OutputStream, StreamError};
use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::prepare::PreparedRequest;
use crate::retry::RetryPolicy;
use crate::settings::{Pem, SendOptions, Timeout, Verify};
use crate::transport::{AdapterKind, BodyReader, BodySink, RawResponse, Transport};

/// Sends over the host's wasi:http. TLS, proxies and connection reuse are the
/// host's: a setting that would need them gives `Unsupported`, never silence.
pub struct WasiHttpTransport {
    /// Used where neither the request nor the session set a timeout.
    default_timeout: Timeout,
    /// The adapter's retry policy; the session's send loop runs it.
    retries: Option<RetryPolicy>,
    closed: bool,
}

impl WasiHttpTransport {
    pub fn new(default_timeout: Option<Timeout>) -> Self {
        WasiHttpTransport {
            default_timeout: default_timeout.unwrap_or_default(),
            retries: None,
            closed: false,
        }
    }
}

impl WasiHttpTransport {
    /// Sends the request head and returns the open body: steps 1-3 of a send.
    /// `with_body` is false for a request without one: the body is then
    /// never opened, and the host sends none (an opened, empty body goes out
    /// chunked: `Transfer-Encoding: chunked` and a terminator on a GET).
    fn begin(
        &mut self,
        request: &PreparedRequest,
        options: &SendOptions,
        with_body: bool,
    ) -> Result<WasiUpload> {
        if self.closed {
            return Err(Error::SessionClosed);
        }
        refuse_inexpressible(request, options)?;

        // 1. The request head. `Host` comes from the authority; wasi:http
        //    refuses hop-by-hop headers, and that refusal names the header.
        let outgoing = OutgoingRequest::new(to_fields(&request.headers)?);
        let url = &request.url;
        // A new request's method is GET.
        if request.method != "GET" {
            let method = to_method(&request.method);
            outgoing.set_method(&method).map_err(|()| {
                Error::InvalidMethod(format!("the host refused the method {:?}", request.method))
            })?;
        }
        let scheme = match url.scheme() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => Scheme::Other(other.to_string()),
        };
        let authority = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let invalid = |what: &str| {
            Error::InvalidUrl(format!(
                "the host refused the {what} of {}",
                crate::urls::redact_in_message(url)
            ))
        };
        outgoing
            .set_scheme(Some(&scheme))
            .map_err(|()| invalid("scheme"))?;
        outgoing
            .set_authority(Some(&authority))
            .map_err(|()| invalid("authority"))?;
        outgoing
            .set_path_with_query(Some(&path))
            .map_err(|()| invalid("path"))?;
        let body = match with_body {
            true => Some(
                outgoing
                    .body()
                    .map_err(|()| transport_error("the request body was already taken"))?,
            ),
            false => None,
        };

        // 2. Timeouts: the request's (or session's), else the adapter's.
        let timeout = options.timeout.unwrap_or_default().or(self.default_timeout);
        let request_options = to_request_options(timeout)?;

        // 3. Hand the request to the host before writing the body, so a body
        //    larger than the host's buffer streams instead of deadlocking.
        let future = outgoing_handler::handle(outgoing, request_options)
            .map_err(|e| map_error_code(e).at(url))?;
        Ok(WasiUpload {
            stream: None,
            body,
            early: None,
            future,
            url: url.clone(),
        })
    }
}

/// A request whose head is sent and whose body is being written. Fields drop
/// in order: the stream before its body, both before the response future.
struct WasiUpload {
    stream: Option<OutputStream>,
    body: Option<OutgoingBody>,
    /// The response future's outcome, once a failed write made us take it
    /// (it can be taken only once): the server answered before the body was
    /// all sent (a redirect, a 413) and this answer stands, the rest of the
    /// body being discarded; or the connection failed and this is why.
    early: Option<Result<IncomingResponse>>,
    future: FutureIncomingResponse,
    url: url::Url,
}

impl WasiUpload {
    fn write_chunk(&mut self, bytes: &[u8]) -> Result<()> {
        match &self.early {
            Some(Ok(_)) => return Ok(()),
            Some(Err(e)) => return Err(body_not_sent(e)),
            None if bytes.is_empty() => return Ok(()),
            None => {}
        }
        if self.stream.is_none() {
            let body = self
                .body
                .as_ref()
                .ok_or_else(|| transport_error("the request body was finished"))?;
            let stream = body
                .write()
                .map_err(|()| transport_error("the request body stream was already taken"))?;
            self.stream = Some(stream);
        }
        let written = match &self.stream {
            Some(stream) => write_all(stream, bytes),
            None => Err(transport_error("the request body stream is gone")),
        };
        if written.is_ok() {
            return Ok(());
        }
        // The write failed: either the server answered early and closed, or
        // the connection broke. The response future says which.
        drop(self.stream.take());
        let outcome = wait(&self.future).map_err(|e| e.at(&self.url));
        let result = match &outcome {
            Ok(_) => Ok(()),
            Err(e) => Err(body_not_sent(e)),
        };
        self.early = Some(outcome);
        result
    }

    /// 4. Ends the body and waits for the response head.
    fn finish_upload(mut self) -> Result<RawResponse> {
        drop(self.stream.take());
        if let Some(body) = self.body.take() {
            let _ = OutgoingBody::finish(body, None);
        }
        let url = self.url.clone();
        let response = match self.early.take() {
            Some(outcome) => outcome?,
            None => wait(&self.future).map_err(|e| e.at(&url))?,
        };
        drop(self);
        let status = response.status();
        let headers = from_fields(&response.headers());
        let body = response
            .consume()
            .map_err(|()| transport_error("the response body was already taken"))?;
        let stream = body
            .stream()
            .map_err(|()| transport_error("the response body stream was already taken"))?;
        let body = WasiBody {
            stream,
            url,
            _body: body,
            _response: response,
        };
        Ok(RawResponse {
            status,
            headers,
            body: Box::new(body),
        })
    }
}

impl BodySink for WasiUpload {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.write_chunk(bytes)
    }

    fn finish(self: Box<Self>) -> Result<RawResponse> {
        (*self).finish_upload()
    }
}

impl Transport for WasiHttpTransport {
    fn kind(&self) -> AdapterKind {
        AdapterKind::WasiHttp
    }

    fn send(&mut self, request: &PreparedRequest, options: &SendOptions) -> Result<RawResponse> {
        let mut upload = self.begin(request, options, request.body.is_some())?;
        // A server may answer before reading the whole body (a redirect, a
        // 413) and close the connection: its answer stands and the failed
        // write does not matter. Without an answer, the response future holds
        // the real reason the write failed.
        if let Some(bytes) = request.body.as_deref() {
            let _ = upload.write_chunk(bytes);
        }
        upload.finish_upload()
    }

    fn start(
        &mut self,
        request: &PreparedRequest,
        options: &SendOptions,
    ) -> Result<Box<dyn BodySink>> {
        Ok(Box::new(self.begin(request, options, true)?))
    }

    fn close(&mut self) {
        self.closed = true;
    }

    fn retries(&self) -> Option<RetryPolicy> {
        self.retries.clone()
    }

    fn set_retries(&mut self, policy: Option<RetryPolicy>) {
        self.retries = policy;
    }
}

/// `verify` other than the default roots, a client certificate and proxies
/// need control wasi:http does not give a guest (the host owns TLS and the
/// connection): each is `Unsupported`, naming the setting and where it came from.
fn refuse_inexpressible(request: &PreparedRequest, options: &SendOptions) -> Result<()> {
    let https = request.url.scheme() == "https";
    match (&options.verify, https) {
        (Verify::Disabled, true) => {
            return Err(Error::Unsupported(
                "verify=false: wasi:http gives the guest no control over TLS; the host verifies \
                 certificates with its own roots (mount a host adapter to choose)"
                    .into(),
            ))
        }
        (Verify::CaBundle(pem), true) => {
            let what = match pem {
                Pem::Path(path) => format!("CA bundle {path:?}"),
                Pem::Data(_) => "a CA bundle given as PEM data".to_string(),
            };
            return Err(Error::Unsupported(match &options.verify_from {
                Some(from) => format!(
                    "{what} from {from}: wasi:http cannot verify with a custom CA; the host uses \
                     its own roots (unset the variable or set trust-env to false)"
                ),
                None => format!(
                    "verify with {what}: wasi:http cannot verify with a custom CA; the host uses \
                     its own roots (mount a host adapter to choose)"
                ),
            }));
        }
        _ => {}
    }
    if let (true, Some(_)) = (https, &options.cert) {
        return Err(Error::Unsupported(
            "cert: wasi:http cannot present a client certificate; the host owns TLS \
             (mount a host adapter to choose)"
                .into(),
        ));
    }
    if let Some((proxy, from)) = &options.proxy {
        return Err(Error::Unsupported(format!(
            "proxy {:?} from {from} for {}: wasi:http has no proxy support; the host connects directly",
            crate::urls::redact_str(proxy),
            crate::urls::redact_in_message(&request.url)
        )));
    }
    Ok(())
}

fn to_method(method: &str) -> Method {
    match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "CONNECT" => Method::Connect,
        "OPTIONS" => Method::Options,
        "TRACE" => Method::Trace,
        "PATCH" => Method::Patch,
        other => Method::Other(other.to_string()),
    }
}

/// The headers as wasi:http fields, in one call; if the host refuses the
/// list, they are added one by one to find which header it refuses.
fn to_fields(headers: &Headers) -> Result<Fields> {
    let entries: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
        .collect();
    if let Ok(fields) = Fields::from_list(&entries) {
        return Ok(fields);
    }
    let fields = Fields::new();
    for (name, value) in headers.iter() {
        fields.append(name, value.as_bytes()).map_err(|e| {
            Error::InvalidHeader(match e {
                HeaderError::Forbidden => format!("the wasi:http host forbids the header {name:?}"),
                _ => format!("the wasi:http host rejected the header {name:?}: {value:?}"),
            })
        })?;
    }
    Ok(fields)
}

fn from_fields(fields: &Fields) -> Headers {
    let pairs = fields
        .entries()
        .into_iter()
        .map(|(name, value)| {
            // Header values are bytes; obs-text (RFC 9110 §5.5) reads as latin-1.
            let value =
                String::from_utf8(value).unwrap_or_else(|e| crate::latin1::encode(&e.into_bytes()));
            (name, value)
        })
        .collect();
    Headers::from_trusted(pairs)
}

fn to_request_options(timeout: Timeout) -> Result<Option<RequestOptions>> {
    if timeout == Timeout::default() {
        return Ok(None);
    }
    let options = RequestOptions::new();
    let ns = |ms: u32| u64::from(ms) * 1_000_000;
    let refused = |what: &str| {
        Error::Unsupported(format!(
            "the host's wasi:http does not support request-options.{what}, needed for the timeout"
        ))
    };
    if let Some(ms) = timeout.connect_ms {
        options
            .set_connect_timeout(Some(ns(ms)))
            .map_err(|()| refused("connect-timeout"))?;
    }
    if let Some(ms) = timeout.read_ms {
        options
            .set_first_byte_timeout(Some(ns(ms)))
            .map_err(|()| refused("first-byte-timeout"))?;
        options
            .set_between_bytes_timeout(Some(ns(ms)))
            .map_err(|()| refused("between-bytes-timeout"))?;
    }
    Ok(Some(options))
}

/// Writes the whole body as fast as the host takes it, then finishes it.
fn write_all(stream: &OutputStream, mut bytes: &[u8]) -> Result<()> {
    while !bytes.is_empty() {
        let permitted = stream.check_write().map_err(stream_error)?;
        if permitted == 0 {
            stream.subscribe().block();
            continue;
        }
        let n = bytes
            .len()
            .min(usize::try_from(permitted).unwrap_or(usize::MAX));
        let (now, rest) = bytes.split_at(n);
        stream.write(now).map_err(stream_error)?;
        bytes = rest;
    }
    stream.blocking_flush().map_err(stream_error)
}

fn wait(future: &FutureIncomingResponse) -> Result<IncomingResponse> {
    future.subscribe().block();
    match future.get() {
        Some(Ok(Ok(response))) => Ok(response),
        Some(Ok(Err(code))) => Err(map_error_code(code)),
        Some(Err(())) => Err(transport_error("the response was already taken")),
        None => Err(transport_error(
            "the response was not ready after waiting for it",
        )),
    }
}

/// A response body being read. Fields drop in order: the stream before the
/// body before the response (a child resource must go before its parent).
struct WasiBody {
    stream: InputStream,
    url: url::Url,
    _body: IncomingBody,
    _response: IncomingResponse,
}

impl BodyReader for WasiBody {
    fn read(&mut self, max: usize) -> Result<Option<Vec<u8>>> {
        loop {
            match self.stream.blocking_read(max as u64) {
                Ok(bytes) if bytes.is_empty() => continue,
                Ok(bytes) => return Ok(Some(bytes)),
                Err(StreamError::Closed) => return Ok(None),
                Err(e) => return Err(stream_error(e).at(&self.url)),
            }
        }
    }
}

fn stream_error(e: StreamError) -> Error {
    match e {
        StreamError::Closed => Error::Connection("the connection closed early".into()),
        StreamError::LastOperationFailed(io) => {
            match crate::bindings::wasi::http::types::http_error_code(&io) {
                Some(code) => map_error_code(code),
                None => Error::Connection(io.to_debug_string()),
            }
        }
    }
}

/// What a write says when the connection failed without an answer; the
/// response (`finish`) gives the failure itself, with its own type.
fn body_not_sent(cause: &Error) -> Error {
    Error::Connection(format!("the request body could not be sent: {cause}"))
}

fn transport_error(detail: &str) -> Error {
    Error::Transport {
        code: "internal-error".into(),
        detail: Some(detail.into()),
    }
}

/// Maps wasi:http `error-code` onto the typed errors; what has no closer
/// case keeps its WIT case name in `Transport`. Messages name the case as the
/// WIT spells it, with the details the host gave.
pub fn map_error_code(code: ErrorCode) -> Error {
    let name = case_name(&code);
    let detail = details(&code);
    let message = |what: &str| match &detail {
        Some(d) => format!("{what} ({name}: {d})"),
        None => format!("{what} ({name})"),
    };
    match code {
        ErrorCode::DnsTimeout | ErrorCode::DnsError(_) | ErrorCode::DestinationNotFound => {
            Error::Dns(message("the host name could not be resolved"))
        }
        ErrorCode::ConnectionRefused => {
            Error::ConnectionRefused("the server refused the connection".into())
        }
        ErrorCode::ConnectionTimeout => Error::ConnectTimeout("the connect timeout passed".into()),
        ErrorCode::ConnectionReadTimeout | ErrorCode::HttpResponseTimeout => {
            Error::ReadTimeout("the server did not answer within the read timeout".into())
        }
        ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpProhibited
        | ErrorCode::DestinationIpUnroutable
        | ErrorCode::ConnectionTerminated
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::ConnectionLimitReached => Error::Connection(message("the connection failed")),
        ErrorCode::TlsProtocolError
        | ErrorCode::TlsCertificateError
        | ErrorCode::TlsAlertReceived(_) => Error::Tls(message("TLS failed")),
        _ => Error::Transport {
            code: name.into(),
            detail,
        },
    }
}

/// The details an `error-code` payload carries, as text.
fn details(code: &ErrorCode) -> Option<String> {
    match code {
        ErrorCode::DnsError(p) => match (&p.rcode, p.info_code) {
            (Some(rcode), _) => Some(format!("rcode {rcode}")),
            (None, Some(info)) => Some(format!("info code {info}")),
            (None, None) => None,
        },
        ErrorCode::TlsAlertReceived(p) => p
            .alert_message
            .clone()
            .or(p.alert_id.map(|id| format!("alert {id}"))),
        ErrorCode::HttpRequestBodySize(Some(n)) | ErrorCode::HttpResponseBodySize(Some(n)) => {
            Some(format!("{n} bytes"))
        }
        ErrorCode::HttpRequestHeaderSectionSize(Some(n))
        | ErrorCode::HttpRequestTrailerSectionSize(Some(n))
        | ErrorCode::HttpResponseHeaderSectionSize(Some(n))
        | ErrorCode::HttpResponseTrailerSectionSize(Some(n)) => Some(format!("{n} bytes")),
        ErrorCode::HttpRequestHeaderSize(Some(p))
        | ErrorCode::HttpRequestTrailerSize(p)
        | ErrorCode::HttpResponseHeaderSize(p)
        | ErrorCode::HttpResponseTrailerSize(p) => p.field_name.clone(),
        ErrorCode::HttpResponseTransferCoding(c) | ErrorCode::HttpResponseContentCoding(c) => {
            c.clone()
        }
        ErrorCode::InternalError(m) => m.clone(),
        _ => None,
    }
}

/// The WIT case name of an `error-code`.
fn case_name(code: &ErrorCode) -> &'static str {
    match code {
        ErrorCode::DnsTimeout => "DNS-timeout",
        ErrorCode::DnsError(_) => "DNS-error",
        ErrorCode::DestinationNotFound => "destination-not-found",
        ErrorCode::DestinationUnavailable => "destination-unavailable",
        ErrorCode::DestinationIpProhibited => "destination-IP-prohibited",
        ErrorCode::DestinationIpUnroutable => "destination-IP-unroutable",
        ErrorCode::ConnectionRefused => "connection-refused",
        ErrorCode::ConnectionTerminated => "connection-terminated",
        ErrorCode::ConnectionTimeout => "connection-timeout",
        ErrorCode::ConnectionReadTimeout => "connection-read-timeout",
        ErrorCode::ConnectionWriteTimeout => "connection-write-timeout",
        ErrorCode::ConnectionLimitReached => "connection-limit-reached",
        ErrorCode::TlsProtocolError => "TLS-protocol-error",
        ErrorCode::TlsCertificateError => "TLS-certificate-error",
        ErrorCode::TlsAlertReceived(_) => "TLS-alert-received",
        ErrorCode::HttpRequestDenied => "HTTP-request-denied",
        ErrorCode::HttpRequestLengthRequired => "HTTP-request-length-required",
        ErrorCode::HttpRequestBodySize(_) => "HTTP-request-body-size",
        ErrorCode::HttpRequestMethodInvalid => "HTTP-request-method-invalid",
        ErrorCode::HttpRequestUriInvalid => "HTTP-request-URI-invalid",
        ErrorCode::HttpRequestUriTooLong => "HTTP-request-URI-too-long",
        ErrorCode::HttpRequestHeaderSectionSize(_) => "HTTP-request-header-section-size",
        ErrorCode::HttpRequestHeaderSize(_) => "HTTP-request-header-size",
        ErrorCode::HttpRequestTrailerSectionSize(_) => "HTTP-request-trailer-section-size",
        ErrorCode::HttpRequestTrailerSize(_) => "HTTP-request-trailer-size",
        ErrorCode::HttpResponseIncomplete => "HTTP-response-incomplete",
        ErrorCode::HttpResponseHeaderSectionSize(_) => "HTTP-response-header-section-size",
        ErrorCode::HttpResponseHeaderSize(_) => "HTTP-response-header-size",
        ErrorCode::HttpResponseBodySize(_) => "HTTP-response-body-size",
        ErrorCode::HttpResponseTrailerSectionSize(_) => "HTTP-response-trailer-section-size",
        ErrorCode::HttpResponseTrailerSize(_) => "HTTP-response-trailer-size",
        ErrorCode::HttpResponseTransferCoding(_) => "HTTP-response-transfer-coding",
        ErrorCode::HttpResponseContentCoding(_) => "HTTP-response-content-coding",
        ErrorCode::HttpResponseTimeout => "HTTP-response-timeout",
        ErrorCode::HttpUpgradeFailed => "HTTP-upgrade-failed",
        ErrorCode::HttpProtocolError => "HTTP-protocol-error",
        ErrorCode::LoopDetected => "loop-detected",
        ErrorCode::ConfigurationError => "configuration-error",
        ErrorCode::InternalError(_) => "internal-error",
    }
}
