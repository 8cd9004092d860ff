//! The transport interface (`send`, `close`) that adapters implement, and the
//! scripted in-memory adapter for tests without a network.

use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::prepare::PreparedRequest;
use crate::retry::RetryPolicy;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

pub use crate::settings::SendOptions;

/// A response as a transport hands it over: head read, body not yet.
pub struct RawResponse {
    pub status: u16,
    pub headers: Headers,
    pub body: Box<dyn BodyReader>,
}

/// A response body being received.
pub trait BodyReader {
    /// Up to `max` bytes of the (still encoded) body; `None` at its end.
    fn read(&mut self, max: usize) -> Result<Option<Vec<u8>>>;
    /// The host's handle for this body, when a host adapter keeps it for its
    /// caller (`incoming.keeps-rest`) and none of it has been read here.
    fn kept_by_host(&self) -> Option<u64> {
        None
    }
    /// Hands a body the host keeps (`kept_by_host`) over to it: from then on
    /// this reader gives nothing and releases nothing when dropped.
    fn release_to_host(&mut self) -> Option<u64> {
        None
    }
}

/// A request body being sent in pieces (a streaming upload).
pub trait BodySink {
    /// Sends the next piece of the body.
    fn write(&mut self, bytes: &[u8]) -> Result<()>;
    /// Ends the body and waits for the response head.
    fn finish(self: Box<Self>) -> Result<RawResponse>;
    /// The host's handle for the upload, when a host adapter carries it: the
    /// host may then write the body to its own adapter directly.
    fn host_upload(&self) -> Option<u64> {
        None
    }
}

/// What carries an adapter's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdapterKind {
    /// The host's `wasi:http/outgoing-handler`.
    WasiHttp,
    /// Canned responses, for tests.
    Scripted,
    /// An adapter the host implements (`requests:http/host-adapters`).
    Host,
    /// HTTP/1.1 over `wasi:sockets` (or `std::net` natively), in the guest.
    Sockets,
}

impl AdapterKind {
    /// The name messages use: `wasi-http`, `scripted`, `host` or `sockets`.
    pub fn name(self) -> &'static str {
        match self {
            AdapterKind::WasiHttp => "wasi-http",
            AdapterKind::Scripted => "scripted",
            AdapterKind::Host => "host",
            AdapterKind::Sockets => "sockets",
        }
    }
}

/// A transport adapter: requests' `BaseAdapter` (`send`, `close`).
pub trait Transport {
    /// What carries its requests.
    fn kind(&self) -> AdapterKind;
    /// Sends one request (no redirects: the session follows them).
    fn send(&mut self, request: &PreparedRequest, options: &SendOptions) -> Result<RawResponse>;
    /// Sends the head of a request whose body the caller writes in pieces.
    fn start(
        &mut self,
        _request: &PreparedRequest,
        _options: &SendOptions,
    ) -> Result<Box<dyn BodySink>> {
        Err(Error::Unsupported(format!(
            "the {} adapter cannot stream a request body",
            self.kind().name()
        )))
    }
    /// Closes the adapter; later sends give `SessionClosed`.
    fn close(&mut self);
    /// The requests received so far, for adapters that record them.
    fn received(&self) -> Vec<RecordedRequest> {
        Vec::new()
    }
    /// The adapter's retry policy (requests' `HTTPAdapter(max_retries=...)`),
    /// used where the session sets none. The session runs the retries: it
    /// knows the redirects, cookies and timing an adapter does not.
    fn retries(&self) -> Option<RetryPolicy> {
        None
    }
    /// Sets or (with `None`) removes the retry policy; adapters that keep
    /// none ignore it. The caller validates the policy first.
    fn set_retries(&mut self, _policy: Option<RetryPolicy>) {}
}

/// A transport shared by the sessions and prefixes it is mounted on.
pub type SharedTransport = Rc<RefCell<dyn Transport>>;

/// A body already in memory.
pub struct BytesBody {
    data: Vec<u8>,
    pos: usize,
}

impl BytesBody {
    pub fn new(data: Vec<u8>) -> Self {
        BytesBody { data, pos: 0 }
    }
}

impl BodyReader for BytesBody {
    fn read(&mut self, max: usize) -> Result<Option<Vec<u8>>> {
        if self.pos >= self.data.len() {
            return Ok(None);
        }
        let end = self.data.len().min(self.pos.saturating_add(max.max(1)));
        let chunk = self.data.get(self.pos..end).unwrap_or_default().to_vec();
        self.pos = end;
        Ok(Some(chunk))
    }
}

/// One canned answer of the scripted adapter.
#[derive(Debug, Clone)]
pub struct CannedResponse {
    pub status: u16,
    pub headers: Headers,
    pub body: Vec<u8>,
}

/// A request the scripted adapter received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A canned response as given, before validation: status, headers, body.
pub type CannedParts = (u16, Vec<(String, String)>, Vec<u8>);

/// Answers from a list of canned responses, in order, and records the
/// requests (httpx's `MockTransport`, as data). TLS and proxy settings do not
/// apply to it: nothing leaves the component.
pub struct ScriptedTransport {
    responses: VecDeque<CannedResponse>,
    /// Shared with upload sinks, which add the body as it is written.
    received: Rc<RefCell<Vec<RecordedRequest>>>,
    retries: Option<RetryPolicy>,
    closed: bool,
}

impl ScriptedTransport {
    /// Checks each canned response (status 100-999, valid headers).
    pub fn new(responses: Vec<CannedParts>) -> Result<Self> {
        let mut canned = VecDeque::with_capacity(responses.len());
        for (status, headers, body) in responses {
            if !(100..=999).contains(&status) {
                return Err(Error::InvalidOption(format!(
                    "a canned response status must be 100-999, not {status}"
                )));
            }
            canned.push_back(CannedResponse {
                status,
                headers: Headers::from_pairs(headers)?,
                body,
            });
        }
        Ok(ScriptedTransport {
            responses: canned,
            received: Rc::default(),
            retries: None,
            closed: false,
        })
    }
}

impl Transport for ScriptedTransport {
    fn kind(&self) -> AdapterKind {
        AdapterKind::Scripted
    }

    fn send(&mut self, request: &PreparedRequest, options: &SendOptions) -> Result<RawResponse> {
        let mut upload = self.start(request, options)?;
        if let Some(body) = &request.body {
            upload.write(body)?;
        }
        upload.finish()
    }

    fn start(
        &mut self,
        request: &PreparedRequest,
        _options: &SendOptions,
    ) -> Result<Box<dyn BodySink>> {
        if self.closed {
            return Err(Error::SessionClosed);
        }
        let canned = self.responses.pop_front().ok_or_else(|| {
            Error::Connection(format!(
                "the scripted adapter has no canned response left for {} {}",
                request.method, request.url
            ))
        });
        let mut received = self.received.borrow_mut();
        received.push(RecordedRequest {
            method: request.method.clone(),
            url: request.url.to_string(),
            headers: request.headers.to_pairs(),
            body: Vec::new(),
        });
        Ok(Box::new(ScriptedUpload {
            canned: canned?,
            received: self.received.clone(),
            index: received.len() - 1,
        }))
    }

    fn close(&mut self) {
        self.closed = true;
        self.responses.clear();
    }

    fn received(&self) -> Vec<RecordedRequest> {
        self.received.borrow().clone()
    }

    fn retries(&self) -> Option<RetryPolicy> {
        self.retries.clone()
    }

    fn set_retries(&mut self, policy: Option<RetryPolicy>) {
        self.retries = policy;
    }
}

/// A scripted exchange whose request body is still being written: the body
/// goes into the recorded request, and finishing hands out the canned answer.
struct ScriptedUpload {
    canned: CannedResponse,
    received: Rc<RefCell<Vec<RecordedRequest>>>,
    index: usize,
}

impl BodySink for ScriptedUpload {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if let Some(recorded) = self.received.borrow_mut().get_mut(self.index) {
            recorded.body.extend_from_slice(bytes);
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<RawResponse> {
        let canned = self.canned;
        Ok(RawResponse {
            status: canned.status,
            headers: canned.headers,
            body: Box::new(BytesBody::new(canned.body)),
        })
    }
}
