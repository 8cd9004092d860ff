//! The `requests:http/host-adapters` import: the [`HostAdapter`] trait, its request and response types, and the [`HostAdapters`] registry that serves it.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use super::host_adapters;
use super::{Failure, FailureKind, SendSettings};

/// What a [`HostAdapter`] call gives back: a boxed, `Send` future.
pub type AdapterFuture<'a, T> =
    Pin<Box<dyn Future<Output = std::result::Result<T, Failure>> + Send + 'a>>;

/// A failure of `kind` with `message`, as a host adapter reports it.
pub fn failure(kind: FailureKind, message: impl Into<String>) -> Failure {
    Failure {
        kind,
        message: message.into(),
    }
}

/// A request as a [`HostAdapter`] receives it, its body as bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct AdapterRequest {
    /// The upper-case method.
    pub method: String,
    /// The full URL, without userinfo.
    pub url: String,
    /// The headers, in order (`Content-Length` or `Transfer-Encoding` included when there is a body).
    pub headers: Vec<(String, String)>,
    /// The whole body; `None` for no body and for the head of an upload ([`HostAdapter::start`]).
    pub body: Option<Vec<u8>>,
}

impl AdapterRequest {
    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response as a [`HostAdapter`] gives it.
pub struct AdapterResponse {
    /// The status code (100-999 for the session to accept it).
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body, as received (still encoded).
    pub body: ResponseBody,
}

impl AdapterResponse {
    /// A response with a body held in memory.
    pub fn new(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Self {
        AdapterResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: ResponseBody::Full(body.into()),
        }
    }
}

impl fmt::Debug for AdapterResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdapterResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

/// A response body: whole, or a stream the harness pulls as the guest reads.
pub enum ResponseBody {
    /// All of it.
    Full(Vec<u8>),
    /// Pieces, pulled on demand.
    Stream(Box<dyn BodyStream>),
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseBody::Full(bytes) => write!(f, "Full({} bytes)", bytes.len()),
            ResponseBody::Stream(_) => f.write_str("Stream"),
        }
    }
}

/// A response body arriving in pieces.
pub trait BodyStream: Send {
    /// The next piece; `None` at the end. Empty pieces are skipped.
    fn next(&mut self) -> AdapterFuture<'_, Option<Vec<u8>>>;
}

/// An upload in progress, from [`HostAdapter::start`].
pub trait Upload: Send {
    /// Sends the next piece of the body.
    fn write(&mut self, bytes: Vec<u8>) -> AdapterFuture<'_, ()>;
    /// Ends the body and gives the response.
    fn finish(self: Box<Self>) -> AdapterFuture<'static, AdapterResponse>;
}

/// An adapter the host implements for `adapter.host(name)`: it sends one
/// request (no redirects, cookies or decoding: the session does those) and
/// gives its response. The harness turns the Latin-1 strings of the
/// interface into bytes, keeps the handles of bodies and uploads, and hands
/// out bodies in the pieces the guest asks for.
pub trait HostAdapter: Send {
    /// Sends a request with its whole body.
    fn send(
        &mut self,
        request: AdapterRequest,
        settings: SendSettings,
    ) -> AdapterFuture<'_, AdapterResponse>;

    /// Starts a request whose body follows in pieces (`request.body` is
    /// `None`). The default, `Ok(None)`, has the harness collect the body and
    /// call [`HostAdapter::send`] with it at the end.
    fn start(
        &mut self,
        request: AdapterRequest,
        settings: SendSettings,
    ) -> AdapterFuture<'_, Option<Box<dyn Upload>>> {
        let _ = (request, settings);
        Box::pin(async { Ok(None) })
    }
}

/// A [`HostAdapter`] made of a closure answering each request at once (see [`adapter_fn`]).
pub struct FnAdapter<F>(pub F);

/// A [`HostAdapter`] that answers with `f(request, settings)`; uploads are
/// collected by the harness and given to `f` whole.
pub fn adapter_fn<F>(f: F) -> FnAdapter<F>
where
    F: FnMut(AdapterRequest, &SendSettings) -> std::result::Result<AdapterResponse, Failure> + Send,
{
    FnAdapter(f)
}

impl<F> HostAdapter for FnAdapter<F>
where
    F: FnMut(AdapterRequest, &SendSettings) -> std::result::Result<AdapterResponse, Failure> + Send,
{
    fn send(
        &mut self,
        request: AdapterRequest,
        settings: SendSettings,
    ) -> AdapterFuture<'_, AdapterResponse> {
        let result = (self.0)(request, &settings);
        Box::pin(async move { result })
    }
}

/// Bytes as the interface carries them: one code point (U+0000-U+00FF) per byte.
pub fn latin1_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The bytes a Latin-1 string carries; a code point above U+00FF is a failure.
pub fn latin1_decode(text: &str) -> std::result::Result<Vec<u8>, Failure> {
    if text.is_ascii() {
        return Ok(text.as_bytes().to_vec());
    }
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| {
            failure(
                FailureKind::Other,
                "the guest gave body bytes with a code point above U+00FF",
            )
        })
}

/// One request the guest sent through a host adapter, as the harness logs it.
#[derive(Debug, Clone, PartialEq)]
pub struct AdapterCall {
    /// The adapter's name.
    pub adapter: String,
    /// `send` (a whole body) or `start` (an upload).
    pub op: &'static str,
    /// The upper-case method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The settings the guest sent it with.
    pub settings: SendSettings,
    /// The `max` of the call (`send` only; 0 for `start`).
    pub max: u32,
}

/// Where the rest of a response body comes from.
struct PendingBody {
    /// Bytes taken from the source and not yet handed out.
    buffered: Vec<u8>,
    at: usize,
    /// More to pull; `None` once the source is exhausted.
    stream: Option<Box<dyn BodyStream>>,
}

impl PendingBody {
    fn new(body: ResponseBody) -> Self {
        match body {
            ResponseBody::Full(bytes) => PendingBody {
                buffered: bytes,
                at: 0,
                stream: None,
            },
            ResponseBody::Stream(stream) => PendingBody {
                buffered: Vec::new(),
                at: 0,
                stream: Some(stream),
            },
        }
    }

    fn available(&self) -> usize {
        self.buffered.len() - self.at
    }

    /// Pulls pieces until `want` bytes are buffered or the source ends.
    async fn fill(&mut self, want: usize) -> std::result::Result<(), Failure> {
        while self.available() < want {
            let Some(stream) = self.stream.as_mut() else {
                return Ok(());
            };
            match stream.next().await? {
                Some(piece) => {
                    if self.at > 0 {
                        self.buffered.drain(..self.at);
                        self.at = 0;
                    }
                    self.buffered.extend_from_slice(&piece);
                }
                None => self.stream = None,
            }
        }
        Ok(())
    }

    /// Up to `max` buffered bytes.
    fn take(&mut self, max: usize) -> Vec<u8> {
        let end = self.at + max.min(self.available());
        let piece = self.buffered[self.at..end].to_vec();
        self.at = end;
        if self.at == self.buffered.len() {
            self.buffered = Vec::new();
            self.at = 0;
        }
        piece
    }

    fn ended(&self) -> bool {
        self.stream.is_none() && self.available() == 0
    }
}

/// An upload the harness holds.
enum PendingUpload {
    /// The adapter streams it.
    Streaming(Box<dyn Upload>),
    /// The harness collects it for [`HostAdapter::send`].
    Collected(Box<Collected>),
}

/// An upload collected for [`HostAdapter::send`].
struct Collected {
    adapter: String,
    request: AdapterRequest,
    settings: SendSettings,
    body: Vec<u8>,
}

/// The host's adapters by name (the `requests:http/host-adapters` import),
/// the bodies and uploads in flight, and logs of what the guest did.
#[derive(Default)]
pub struct HostAdapters {
    adapters: HashMap<String, Box<dyn HostAdapter>>,
    bodies: HashMap<u64, PendingBody>,
    uploads: HashMap<u64, PendingUpload>,
    next_handle: u64,
    /// Every request sent through a host adapter, in order.
    pub calls: Vec<AdapterCall>,
    /// Every call of the interface, in order: `send <adapter>`, `start <adapter>`,
    /// `write <bytes>`, `finish <max>`, `read <max> -> <bytes>[ end]`, `discard <handle>`.
    pub ops: Vec<String>,
    /// Keep every response body on the host (`incoming.keeps-rest`): none of it
    /// goes with the head, and the host takes it with `response.take-host-body`
    /// and [`HostAdapters::take_kept`], as a Python or JavaScript host does.
    pub keep_rest: bool,
}

impl HostAdapters {
    /// Registers `adapter` as `name`, replacing any of that name.
    pub fn register(&mut self, name: &str, adapter: impl HostAdapter + 'static) {
        self.adapters.insert(name.to_string(), Box::new(adapter));
    }

    /// Removes the adapter registered as `name`; later requests through it fail.
    pub fn unregister(&mut self, name: &str) -> bool {
        self.adapters.remove(name).is_some()
    }

    /// How many response bodies and uploads the guest has not finished or discarded.
    pub fn open_handles(&self) -> usize {
        self.bodies.len() + self.uploads.len()
    }

    /// The whole of a body the guest handed over (`response.take-host-body`),
    /// read here, on the host, without crossing into the guest.
    pub async fn take_kept(&mut self, handle: u64) -> std::result::Result<Vec<u8>, Failure> {
        let mut pending = self.bodies.remove(&handle).ok_or_else(|| {
            failure(
                FailureKind::Other,
                format!("no body has the handle {handle}"),
            )
        })?;
        pending.fill(usize::MAX).await?;
        Ok(pending.take(usize::MAX))
    }

    /// Writes the next piece of an upload the guest handed over
    /// (`body-writer.host-upload`), on the host, without crossing into the guest.
    pub async fn write_upload(
        &mut self,
        handle: u64,
        bytes: Vec<u8>,
    ) -> std::result::Result<(), Failure> {
        match self.uploads.get_mut(&handle) {
            Some(PendingUpload::Streaming(up)) => up.write(bytes).await,
            Some(PendingUpload::Collected(collected)) => {
                collected.body.extend_from_slice(&bytes);
                Ok(())
            }
            None => Err(failure(
                FailureKind::Other,
                format!("no upload has the handle {handle}"),
            )),
        }
    }

    /// How many response bodies the guest has neither read to the end nor discarded.
    pub fn open_bodies(&self) -> usize {
        self.bodies.len()
    }

    /// How many uploads the guest has neither finished nor discarded.
    pub fn open_uploads(&self) -> usize {
        self.uploads.len()
    }

    fn handle(&mut self) -> u64 {
        self.next_handle += 1;
        self.next_handle
    }

    fn adapter(&mut self, name: &str) -> std::result::Result<&mut Box<dyn HostAdapter>, Failure> {
        self.adapters.get_mut(name).ok_or_else(|| {
            failure(
                FailureKind::Other,
                format!("the host has no adapter {name:?}"),
            )
        })
    }

    fn log(
        &mut self,
        adapter: &str,
        op: &'static str,
        head: &host_adapters::RequestHead,
        settings: &SendSettings,
        max: u32,
    ) {
        self.ops.push(format!("{op} {adapter}"));
        self.calls.push(AdapterCall {
            adapter: adapter.to_string(),
            op,
            method: head.method.clone(),
            url: head.url.clone(),
            headers: head.headers.clone(),
            settings: settings.clone(),
            max,
        });
    }

    /// The head and up to `max` bytes of `response`; the rest gets a handle.
    async fn deliver(
        &mut self,
        response: AdapterResponse,
        max: u32,
    ) -> std::result::Result<host_adapters::Incoming, Failure> {
        let mut body = PendingBody::new(response.body);
        let keep = self.keep_rest;
        let max = if keep { 0 } else { max as usize };
        body.fill(max.max(usize::from(keep))).await?;
        let first = body.take(max);
        let rest = if body.ended() {
            None
        } else {
            let id = self.handle();
            self.bodies.insert(id, body);
            Some(id)
        };
        Ok(host_adapters::Incoming {
            status: response.status,
            headers: response.headers,
            body: latin1_encode(&first),
            rest,
            keeps_rest: keep,
        })
    }
}

fn to_request(head: host_adapters::RequestHead, body: Option<Vec<u8>>) -> AdapterRequest {
    AdapterRequest {
        method: head.method,
        url: head.url,
        headers: head.headers,
        body,
    }
}

impl host_adapters::Host for HostAdapters {
    async fn send(
        &mut self,
        adapter: String,
        request: host_adapters::RequestHead,
        body: Option<String>,
        settings: SendSettings,
        max: u32,
    ) -> std::result::Result<host_adapters::Incoming, Failure> {
        self.log(&adapter, "send", &request, &settings, max);
        let body = body.as_deref().map(latin1_decode).transpose()?;
        let response = self
            .adapter(&adapter)?
            .send(to_request(request, body), settings)
            .await?;
        self.deliver(response, max).await
    }

    async fn start(
        &mut self,
        adapter: String,
        request: host_adapters::RequestHead,
        settings: SendSettings,
    ) -> std::result::Result<u64, Failure> {
        self.log(&adapter, "start", &request, &settings, 0);
        let head = to_request(request, None);
        let upload = match self
            .adapter(&adapter)?
            .start(head.clone(), settings.clone())
            .await?
        {
            Some(upload) => PendingUpload::Streaming(upload),
            None => PendingUpload::Collected(Box::new(Collected {
                adapter,
                request: head,
                settings,
                body: Vec::new(),
            })),
        };
        let id = self.handle();
        self.uploads.insert(id, upload);
        Ok(id)
    }

    async fn write(&mut self, upload: u64, bytes: String) -> std::result::Result<(), Failure> {
        let bytes = latin1_decode(&bytes)?;
        self.ops.push(format!("write {}", bytes.len()));
        self.write_upload(upload, bytes).await
    }

    async fn finish(
        &mut self,
        upload: u64,
        max: u32,
    ) -> std::result::Result<host_adapters::Incoming, Failure> {
        self.ops.push(format!("finish {max}"));
        let response = match self.uploads.remove(&upload) {
            Some(PendingUpload::Streaming(up)) => up.finish().await?,
            Some(PendingUpload::Collected(collected)) => {
                let Collected {
                    adapter,
                    mut request,
                    settings,
                    body,
                } = *collected;
                request.body = Some(body);
                self.adapter(&adapter)?.send(request, settings).await?
            }
            None => {
                return Err(failure(
                    FailureKind::Other,
                    format!("finish of an unknown upload {upload}"),
                ))
            }
        };
        self.deliver(response, max).await
    }

    async fn read(
        &mut self,
        body: u64,
        max: u32,
    ) -> std::result::Result<host_adapters::Piece, Failure> {
        let max = max.max(1) as usize;
        let Some(pending) = self.bodies.get_mut(&body) else {
            self.ops.push(format!("read {max} unknown"));
            return Err(failure(
                FailureKind::Other,
                format!("read of an unknown body {body}"),
            ));
        };
        if let Err(err) = pending.fill(1).await {
            self.bodies.remove(&body);
            self.ops.push(format!("read {max} failed"));
            return Err(err);
        }
        let bytes = pending.take(max);
        let end = pending.ended();
        if end {
            self.bodies.remove(&body);
        }
        self.ops.push(format!(
            "read {max} -> {}{}",
            bytes.len(),
            if end { " end" } else { "" }
        ));
        Ok(host_adapters::Piece {
            bytes: latin1_encode(&bytes),
            end,
        })
    }

    async fn discard(&mut self, handle: u64) {
        self.ops.push(format!("discard {handle}"));
        self.bodies.remove(&handle);
        self.uploads.remove(&handle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_round_trips_every_byte() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = latin1_encode(&bytes);
        assert_eq!(text.chars().count(), 256);
        assert_eq!(latin1_decode(&text).unwrap(), bytes);
        let err = latin1_decode("caf\u{0100}").unwrap_err();
        assert_eq!(err.kind, FailureKind::Other);
    }

    #[tokio::test]
    async fn bodies_are_handed_out_in_pieces_of_at_most_max() {
        struct Pieces(Vec<Vec<u8>>);
        impl BodyStream for Pieces {
            fn next(&mut self) -> AdapterFuture<'_, Option<Vec<u8>>> {
                let next = if self.0.is_empty() {
                    None
                } else {
                    Some(self.0.remove(0))
                };
                Box::pin(async move { Ok(next) })
            }
        }
        let mut body = PendingBody::new(ResponseBody::Stream(Box::new(Pieces(vec![
            b"abc".to_vec(),
            Vec::new(),
            b"defgh".to_vec(),
        ]))));
        body.fill(4).await.unwrap();
        assert_eq!(body.take(4), b"abcd");
        assert!(!body.ended());
        body.fill(1).await.unwrap();
        assert_eq!(body.take(10), b"efgh");
        body.fill(1).await.unwrap();
        assert!(body.ended());
        let mut whole = PendingBody::new(ResponseBody::Full(b"xyz".to_vec()));
        whole.fill(10).await.unwrap();
        assert_eq!(whole.take(10), b"xyz");
        assert!(whole.ended());
    }
}
