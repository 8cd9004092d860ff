//! Adapters the host implements (world `client-with-host`, feature `host`):
//! each request is a call to the imported `requests:http/host-adapters`
//! interface, naming the adapter the host registered. Small requests and
//! responses cross in one call; larger bodies in pieces of up to 1 MiB, as
//! Latin-1 strings (`crate::latin1`).

use crate::bindings::requests::http::host_adapters as host;
use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::prepare::PreparedRequest;
use crate::retry::RetryPolicy;
use crate::settings::{ClientCert, Pem, SendOptions, Verify};
use crate::transport::{AdapterKind, BodyReader, BodySink, RawResponse, Transport};

/// The most bytes one call carries, either way: hosts may refuse to copy
/// larger values (wasmtime-py traps on about 2.7 MB in one value).
const PIECE: usize = 1024 * 1024;

/// An adapter the host registered as `name`.
pub struct HostAdapter {
    name: String,
    retries: Option<RetryPolicy>,
    closed: bool,
}

impl HostAdapter {
    /// The adapter the host knows as `name` (not empty).
    pub fn new(name: String) -> Result<Self> {
        if name.is_empty() {
            return Err(Error::InvalidOption(
                "a host adapter's name must not be empty".into(),
            ));
        }
        Ok(HostAdapter {
            name,
            retries: None,
            closed: false,
        })
    }

    fn open(&self) -> Result<()> {
        if self.closed {
            Err(Error::SessionClosed)
        } else {
            Ok(())
        }
    }
}

impl Transport for HostAdapter {
    fn kind(&self) -> AdapterKind {
        AdapterKind::Host
    }

    fn send(&mut self, request: &PreparedRequest, options: &SendOptions) -> Result<RawResponse> {
        self.open()?;
        let head = to_head(request);
        let settings = to_settings(options);
        let max = first_piece(options);
        let url = &request.url;
        match request.body.as_deref() {
            Some(body) if body.len() > PIECE => {
                let id = host::start(&self.name, &head, &settings).map_err(failed_at(url))?;
                let mut upload = HostUpload {
                    id: Some(id),
                    max,
                    url: url.clone(),
                };
                upload.write(body)?;
                Box::new(upload).finish()
            }
            body => {
                let body = body.map(crate::latin1::encode);
                let incoming = host::send(&self.name, &head, body.as_deref(), &settings, max)
                    .map_err(failed_at(url))?;
                from_incoming(incoming, url)
            }
        }
    }

    fn start(
        &mut self,
        request: &PreparedRequest,
        options: &SendOptions,
    ) -> Result<Box<dyn BodySink>> {
        self.open()?;
        let mut head = to_head(request);
        // A body of unknown length goes chunked, as the wasi:http host would send it.
        if !request.headers.contains("content-length")
            && !request.headers.contains("transfer-encoding")
        {
            head.headers
                .push(("Transfer-Encoding".into(), "chunked".into()));
        }
        let id = host::start(&self.name, &head, &to_settings(options))
            .map_err(failed_at(&request.url))?;
        Ok(Box::new(HostUpload {
            id: Some(id),
            max: first_piece(options),
            url: request.url.clone(),
        }))
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

/// How many body bytes to ask for with the head: none for a streamed
/// response (the caller may be waiting on a slow stream), else one piece.
fn first_piece(options: &SendOptions) -> u32 {
    if options.stream {
        0
    } else {
        PIECE as u32
    }
}

fn to_head(request: &PreparedRequest) -> host::RequestHead {
    host::RequestHead {
        method: request.method.clone(),
        url: request.url.to_string(),
        headers: request.headers.to_pairs(),
    }
}

fn to_pem(pem: &Pem) -> host::Pem {
    match pem {
        Pem::Path(p) => host::Pem::Path(p.clone()),
        Pem::Data(d) => host::Pem::Data(d.clone()),
    }
}

fn to_settings(options: &SendOptions) -> host::SendSettings {
    let timeout = options.timeout.unwrap_or_default();
    host::SendSettings {
        timeout: host::Timeout {
            connect_ms: timeout.connect_ms,
            read_ms: timeout.read_ms,
        },
        verify: match &options.verify {
            Verify::Enabled => host::Verify::Enabled,
            Verify::Disabled => host::Verify::Disabled,
            Verify::CaBundle(pem) => host::Verify::CaBundle(to_pem(pem)),
        },
        cert: options
            .cert
            .as_ref()
            .map(|c: &ClientCert| host::ClientCert {
                cert: to_pem(&c.cert),
                key: c.key.as_ref().map(to_pem),
            }),
        proxy: options.proxy.as_ref().map(|(url, _)| url.clone()),
        stream: options.stream,
    }
}

/// A host adapter's failure, of any kind, names the request's URL (the
/// session adds it to network errors; here it goes on the others too).
fn failed_at(url: &url::Url) -> impl Fn(host::Failure) -> Error + '_ {
    move |f| match from_failure(f).at(url) {
        named @ Error::At { .. } => named,
        other => Error::At {
            url: crate::urls::redact_in_message(url),
            error: Box::new(other),
        },
    }
}

fn from_failure(f: host::Failure) -> Error {
    let m = f.message;
    match f.kind {
        host::FailureKind::ConnectionRefused => Error::ConnectionRefused(m),
        host::FailureKind::Connection => Error::Connection(m),
        host::FailureKind::Dns => Error::Dns(m),
        host::FailureKind::Tls => Error::Tls(m),
        host::FailureKind::Proxy => Error::Proxy(m),
        host::FailureKind::ConnectTimeout => Error::ConnectTimeout(m),
        host::FailureKind::ReadTimeout => Error::ReadTimeout(m),
        host::FailureKind::Unsupported => Error::Unsupported(m),
        host::FailureKind::InvalidHeader => Error::InvalidHeader(m),
        host::FailureKind::InvalidUrl => Error::InvalidUrl(m),
        host::FailureKind::Other => Error::Transport {
            code: "host-adapter".into(),
            detail: Some(m),
        },
    }
}

/// The response a host adapter gave, checked as a server's would be by an
/// HTTP parser: a status of three digits, header names that are tokens and
/// values without control characters (no CR/LF to smuggle a header in).
fn from_incoming(incoming: host::Incoming, url: &url::Url) -> Result<RawResponse> {
    let checked = check_head(&incoming).and_then(|()| crate::latin1::decode(incoming.body));
    let first = match checked {
        Ok(first) => first,
        Err(e) => {
            if let Some(id) = incoming.rest {
                host::discard(id);
            }
            return Err(e.at(url));
        }
    };
    Ok(RawResponse {
        status: incoming.status,
        headers: Headers::from_trusted(
            incoming
                .headers
                .into_iter()
                .map(|(name, value)| (name, crate::latin1::header_value(value)))
                .collect(),
        ),
        body: Box::new(HostBody {
            first,
            at: 0,
            rest: incoming.rest,
            keeps: incoming.keeps_rest,
            url: url.clone(),
        }),
    })
}

fn check_head(incoming: &host::Incoming) -> Result<()> {
    let protocol = |detail: String| Error::Transport {
        code: "HTTP-protocol-error".into(),
        detail: Some(detail),
    };
    if !(100..=999).contains(&incoming.status) {
        return Err(protocol(format!(
            "the host adapter gave status {}, outside 100-999",
            incoming.status
        )));
    }
    for (name, value) in &incoming.headers {
        let bad_name = name.is_empty() || !name.bytes().all(crate::headers::is_tchar);
        let bad_value = value
            .chars()
            .any(|c| (c < ' ' && c != '\t') || c == '\u{7f}');
        if bad_name || bad_value {
            return Err(protocol(format!(
                "the host adapter gave an invalid header {name:?}: {value:?}"
            )));
        }
    }
    Ok(())
}

/// A response body: the piece that came with the head, then `read`s.
struct HostBody {
    first: Vec<u8>,
    at: usize,
    /// The host's handle for the rest; `None` once it has all been read.
    rest: Option<u64>,
    /// The host would rather keep the rest for its caller (`keeps-rest`).
    keeps: bool,
    /// Named by read failures.
    url: url::Url,
}

impl BodyReader for HostBody {
    fn kept_by_host(&self) -> Option<u64> {
        self.kept()
    }

    fn release_to_host(&mut self) -> Option<u64> {
        let id = self.kept()?;
        self.rest = None;
        Some(id)
    }

    fn read(&mut self, max: usize) -> Result<Option<Vec<u8>>> {
        // Read here once, the body is no longer the host's to take.
        self.keeps = false;
        let max = max.clamp(1, PIECE);
        if self.at < self.first.len() {
            let end = (self.at + max).min(self.first.len());
            let piece = self.first.get(self.at..end).unwrap_or_default().to_vec();
            self.at = end;
            if self.at == self.first.len() {
                self.first = Vec::new();
                self.at = 0;
            }
            return Ok(Some(piece));
        }
        let Some(id) = self.rest else {
            return Ok(None);
        };
        let piece = host::read(id, max as u32).map_err(failed_at(&self.url))?;
        if piece.end {
            self.rest = None;
        }
        let bytes = crate::latin1::decode(piece.bytes).map_err(|e| e.at(&self.url))?;
        match (bytes.is_empty(), piece.end) {
            (false, _) => Ok(Some(bytes)),
            (true, true) => Ok(None),
            (true, false) => Err(Error::Transport {
                code: "HTTP-protocol-error".into(),
                detail: Some(
                    "the host adapter gave an empty piece before the end of the body".into(),
                ),
            }
            .at(&self.url)),
        }
    }
}

impl HostBody {
    /// The rest's handle while the host keeps it and nothing was read here
    /// (the first piece is empty: a host that keeps a body sends none of it).
    fn kept(&self) -> Option<u64> {
        self.rest
            .filter(|_| self.keeps && self.first.is_empty() && self.at == 0)
    }
}

impl Drop for HostBody {
    fn drop(&mut self) {
        if let Some(id) = self.rest.take() {
            host::discard(id);
        }
    }
}

/// A body being uploaded through the host, in pieces of up to 1 MiB.
struct HostUpload {
    /// `None` once finished.
    id: Option<u64>,
    max: u32,
    /// Named by failures.
    url: url::Url,
}

impl BodySink for HostUpload {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let id = self
            .id
            .ok_or_else(|| Error::StreamConsumed("the upload was already finished".into()))?;
        for piece in bytes.chunks(PIECE) {
            host::write(id, &crate::latin1::encode(piece)).map_err(failed_at(&self.url))?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<RawResponse> {
        let id = self
            .id
            .take()
            .ok_or_else(|| Error::StreamConsumed("the upload was already finished".into()))?;
        let incoming = host::finish(id, self.max).map_err(failed_at(&self.url))?;
        from_incoming(incoming, &self.url)
    }

    fn host_upload(&self) -> Option<u64> {
        self.id
    }
}

impl Drop for HostUpload {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            host::discard(id);
        }
    }
}
