//! One request and its response on a connection. ureq-proto does the
//! HTTP/1.1 framing (the head, `Content-Length` and chunked bodies both ways,
//! `100-continue`, whether the connection may be kept); this module moves the
//! bytes, applies the limits and hands a finished connection back to the pool.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::rc::{Rc, Weak};

use ureq_proto::client::state::{RecvBody, RecvResponse, SendBody, SendRequest};
use ureq_proto::client::{
    Await100Result, Call, RecvBodyResult, RecvResponseResult, SendRequestResult,
};
use ureq_proto::http;

use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::prepare::PreparedRequest;
use crate::transport::{BodyReader, BodySink, BytesBody, RawResponse};

use super::conn::{is_timeout, Stream, Target};
use super::pool::{Key, Pool};
use super::tls;

/// A response head may not pass this (requests' urllib3 allows 64 KiB lines
/// and 100 fields; ureq-proto parses at most 128 fields).
const MAX_HEAD: usize = 64 * 1024;
/// What one read from the socket asks for, at most.
const READ_SIZE: usize = 64 * 1024;
/// What the first read of an exchange asks for.
const FIRST_READ: usize = 16 * 1024;
/// A body up to this size leaves in the same write as the head: wasi:sockets
/// in wasmtime 48 ignores `TCP_NODELAY`, and a second small write would wait
/// on Nagle's algorithm for the server's delayed ACK (about 40 ms).
const WITH_HEAD: usize = 64 * 1024;
/// How long to wait for `100 Continue` before sending the body anyway.
const CONTINUE_WAIT_MS: u64 = 1000;

/// How far a request got when its connection failed before any answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The first write failed: the server cannot have seen the request.
    Nothing,
    /// Some or all of it may have reached the server.
    Some,
}

/// A failed exchange; `unanswered` is set when no byte of an answer came
/// back, which on a pooled connection means the server closed it while idle.
pub struct Failure {
    pub error: Error,
    pub unanswered: Option<Written>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            unanswered: None,
        }
    }
}

/// Sends `request` with its whole `body` and reads the response head.
pub fn send(
    mut stream: Stream,
    target: &Target,
    request: &PreparedRequest,
    body: Option<&[u8]>,
    pool: &Rc<RefCell<Pool>>,
) -> std::result::Result<RawResponse, Failure> {
    let call = new_call(request, target, body.is_some(), false)?;
    let (head, next) = write_head(call, target)?;
    let mut input = Input::default();
    let call = match next {
        Next::Response(call) => {
            send_bytes(&mut stream, &head, true)?;
            call
        }
        Next::Body(call) => match send_body(&mut stream, call, head, body.unwrap_or_default()) {
            Ok(call) => call,
            Err(failure) => return early_answer(stream, input, target).ok_or(failure),
        },
        Next::Continue(call) => {
            send_bytes(&mut stream, &head, true)?;
            match await_continue(&mut stream, call, &mut input, target)? {
                Await100Result::SendBody(call) => {
                    match send_body(&mut stream, call, Vec::new(), body.unwrap_or_default()) {
                        Ok(call) => call,
                        Err(failure) => return early_answer(stream, input, target).ok_or(failure),
                    }
                }
                Await100Result::RecvResponse(call) => call,
            }
        }
    };
    receive(stream, call, input, target, &Rc::downgrade(pool))
}

/// Sends the head of a request whose body the caller writes in pieces.
pub fn start(
    mut stream: Stream,
    target: Target,
    request: &PreparedRequest,
    pool: &Rc<RefCell<Pool>>,
) -> Result<Upload> {
    let call = new_call(request, &target, true, true)?;
    let fail = |f: Failure| f.error;
    let (head, next) = write_head(call, &target).map_err(fail)?;
    send_bytes(&mut stream, &head, true).map_err(fail)?;
    let mut input = Input::default();
    let state = match next {
        Next::Body(call) => UploadState::Body(call),
        Next::Response(call) => UploadState::Answered(call),
        Next::Continue(call) => {
            match await_continue(&mut stream, call, &mut input, &target).map_err(fail)? {
                Await100Result::SendBody(call) => UploadState::Body(call),
                Await100Result::RecvResponse(call) => UploadState::Answered(call),
            }
        }
    };
    Ok(Upload {
        stream,
        state: Some(state),
        input,
        target,
        pool: Rc::downgrade(pool),
        write_error: None,
    })
}

/// What follows the head.
enum Next {
    Body(Call<SendBody>),
    Continue(Call<ureq_proto::client::state::Await100>),
    Response(Call<RecvResponse>),
}

/// The ureq-proto call for `request`: its URL without the fragment, its
/// headers, `Proxy-Authorization` for a plain-http proxy.
fn new_call(
    request: &PreparedRequest,
    target: &Target,
    with_body: bool,
    streamed: bool,
) -> Result<Call<SendRequest>> {
    let mut url = request.url.clone();
    url.set_fragment(None);
    let method = http::Method::from_bytes(request.method.as_bytes())
        .map_err(|e| Error::InvalidMethod(format!("{:?}: {e}", request.method)))?;
    let mut builder = http::Request::builder().method(method).uri(url.as_str());
    for (name, value) in request.headers.iter() {
        builder = builder.header(name, value);
    }
    if let (Some(proxy), false) = (&target.proxy, target.https) {
        if let Some(authorization) = &proxy.authorization {
            builder = builder.header("proxy-authorization", authorization.as_str());
        }
    }
    let framed = request.headers.get("content-length").is_some()
        || request.headers.get("transfer-encoding").is_some();
    if streamed && !framed {
        builder = builder.header("transfer-encoding", "chunked");
    }
    let built = builder.body(()).map_err(|e| {
        Error::InvalidUrl(format!(
            "the sockets adapter cannot send {}: {e}",
            target.url
        ))
    })?;
    let mut call = Call::new(built).map_err(|e| protocol(&e, target).error)?;
    call.allow_non_standard_methods(true);
    if with_body {
        call.force_send_body();
    }
    Ok(call.proceed())
}

/// The request head, as bytes, in absolute form for a plain-http proxy.
fn write_head(
    mut call: Call<SendRequest>,
    target: &Target,
) -> std::result::Result<(Vec<u8>, Next), Failure> {
    let mut head = Vec::with_capacity(1024);
    let mut out = vec![0u8; 4096];
    while !call.can_proceed() {
        let n = call.write(&mut out).map_err(|e| protocol(&e, target))?;
        head.extend_from_slice(out.get(..n).unwrap_or_default());
        if n == 0 {
            if out.len() >= MAX_HEAD {
                return Err(Error::InvalidHeader(format!(
                    "a request line or header of over {MAX_HEAD} bytes for {}",
                    target.url
                ))
                .into());
            }
            out.resize(out.len() * 2, 0);
        }
    }
    if let (Some(_), false) = (&target.proxy, target.https) {
        head = absolute_form(&head, call.uri());
    }
    let next = match call.proceed().map_err(|e| protocol(&e, target))? {
        Some(SendRequestResult::SendBody(call)) => Next::Body(call),
        Some(SendRequestResult::Await100(call)) => Next::Continue(call),
        Some(SendRequestResult::RecvResponse(call)) => Next::Response(call),
        None => return Err(Error::Connection("the request head was not complete".into()).into()),
    };
    Ok((head, next))
}

/// Rewrites the request line's target (origin form, `/path?q`) to the
/// absolute URL, as a request to a proxy must be (RFC 9112 §3.2.2).
fn absolute_form(head: &[u8], uri: &http::Uri) -> Vec<u8> {
    let line_end = head
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(head.len());
    let line = head.get(..line_end).unwrap_or_default();
    let (Some(first), Some(last)) = (
        line.iter().position(|&b| b == b' '),
        line.iter().rposition(|&b| b == b' '),
    ) else {
        return head.to_vec();
    };
    let mut out = Vec::with_capacity(head.len() + 64);
    out.extend_from_slice(line.get(..=first).unwrap_or_default());
    out.extend_from_slice(uri.to_string().as_bytes());
    out.extend_from_slice(head.get(last..).unwrap_or_default());
    out
}

/// Writes `bytes`; a failure is a connection failure, and if this is the
/// first write of the exchange and it failed outright, nothing was sent.
fn send_bytes(stream: &mut Stream, bytes: &[u8], first: bool) -> std::result::Result<(), Failure> {
    let mut rest = bytes;
    let mut wrote_any = false;
    while !rest.is_empty() {
        match stream.write(rest) {
            Ok(0) => {
                return Err(Failure {
                    error: Error::Connection("the connection closed while sending".into()),
                    unanswered: Some(Written::Some),
                })
            }
            Ok(n) => {
                rest = rest.get(n..).unwrap_or_default();
                wrote_any = true;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let nothing = first
                    && !wrote_any
                    && matches!(
                        e.kind(),
                        io::ErrorKind::BrokenPipe
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::ConnectionAborted
                    );
                return Err(Failure {
                    error: io_error(&e, "sending the request"),
                    unanswered: Some(if nothing {
                        Written::Nothing
                    } else {
                        Written::Some
                    }),
                });
            }
        }
    }
    stream.flush().map_err(|e| Failure {
        error: io_error(&e, "sending the request"),
        unanswered: Some(Written::Some),
    })
}

/// Sends a whole body; the head (if not sent yet) and the first piece share a write.
fn send_body(
    stream: &mut Stream,
    mut call: Call<SendBody>,
    mut pending: Vec<u8>,
    body: &[u8],
) -> std::result::Result<Call<RecvResponse>, Failure> {
    let mut first = !pending.is_empty();
    let mut rest = body;
    let mut out = vec![0u8; body.len().min(WITH_HEAD) + 64];
    while !(rest.is_empty() && call.can_proceed()) {
        // With `rest` empty, a chunked body gets its last chunk.
        let (used, n) = call
            .write(rest, &mut out)
            .map_err(|e| Failure::from(Error::InvalidOption(format!("the request body: {e}"))))?;
        if used == 0 && n == 0 {
            return Err(Error::InvalidOption(
                "the request body is shorter than its Content-Length".into(),
            )
            .into());
        }
        rest = rest.get(used..).unwrap_or_default();
        pending.extend_from_slice(out.get(..n).unwrap_or_default());
        if pending.len() >= WITH_HEAD {
            send_bytes(stream, &pending, first)?;
            first = false;
            pending.clear();
        }
    }
    if !pending.is_empty() {
        send_bytes(stream, &pending, first)?;
    }
    call.proceed().ok_or_else(|| {
        Failure::from(Error::Connection(
            "the request body was not complete".into(),
        ))
    })
}

/// Waits up to a second for `100 Continue`; the body goes either way, unless
/// the server answered with something else.
fn await_continue(
    stream: &mut Stream,
    mut call: Call<ureq_proto::client::state::Await100>,
    input: &mut Input,
    target: &Target,
) -> std::result::Result<Await100Result, Failure> {
    let wait = std::time::Duration::from_millis(CONTINUE_WAIT_MS);
    let wait = target.read_timeout.map_or(wait, |t| t.min(wait));
    stream.set_timeout(Some(wait))?;
    let read = input.fill(stream);
    stream.set_timeout(target.read_timeout)?;
    match read {
        Ok(0) => {
            return Err(Failure {
                error: Error::Connection(format!(
                    "{} closed the connection before answering",
                    target.url
                )),
                unanswered: Some(Written::Some),
            })
        }
        Ok(_) => {
            let used = call
                .try_read_100(input.data())
                .map_err(|e| protocol(&e, target))?;
            input.consume(used);
        }
        Err(e) if is_timeout(&e) => {}
        Err(e) => {
            return Err(Failure {
                error: io_error(&e, "waiting for 100 Continue"),
                unanswered: Some(Written::Some),
            })
        }
    }
    call.proceed().map_err(|e| protocol(&e, target))
}

/// Reads the response head and makes the response, its body still on the wire.
fn receive(
    mut stream: Stream,
    mut call: Call<RecvResponse>,
    mut input: Input,
    target: &Target,
    pool: &Weak<RefCell<Pool>>,
) -> std::result::Result<RawResponse, Failure> {
    let response = loop {
        if !input.is_empty() {
            let (used, response) = call
                .try_response(input.data(), false)
                .map_err(|e| protocol(&e, target))?;
            input.consume(used);
            if let Some(response) = response {
                break response;
            }
            if used > 0 {
                continue;
            }
        }
        if input.len() >= MAX_HEAD {
            return Err(Error::Connection(format!(
                "the response head from {} is over {MAX_HEAD} bytes",
                target.url
            ))
            .into());
        }
        let answered = input.received > 0;
        match input.fill(&mut stream) {
            Ok(0) => {
                return Err(Failure {
                    error: Error::Connection(if answered {
                        format!("{} closed the connection in the response head", target.url)
                    } else {
                        format!("{} closed the connection without answering", target.url)
                    }),
                    unanswered: (!answered).then_some(Written::Some),
                })
            }
            Ok(_) => {}
            Err(e) => {
                let timeout = is_timeout(&e);
                return Err(Failure {
                    error: if timeout {
                        Error::ReadTimeout(format!(
                            "{} did not answer within the read timeout",
                            target.url
                        ))
                    } else {
                        io_error(&e, "reading the response")
                    },
                    unanswered: (!answered && !timeout).then_some(Written::Some),
                });
            }
        }
    };

    let status = response.status().as_u16();
    let headers = Headers::from_trusted(
        response
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8(value.as_bytes().to_vec())
                    .unwrap_or_else(|_| crate::latin1::encode(value.as_bytes()));
                (name.as_str().to_string(), value)
            })
            .collect(),
    );
    let key = target.key.clone();
    let body: Box<dyn BodyReader> = match call.proceed() {
        Some(RecvResponseResult::RecvBody(call)) => Box::new(SocketBody {
            call: Some(call),
            stream: Some(stream),
            input,
            pool: pool.clone(),
            key,
            url: target.request_url.clone(),
            scratch: Vec::new(),
        }),
        Some(RecvResponseResult::Redirect(call)) => {
            keep(
                pool,
                key,
                stream,
                !call.must_close_connection() && input.is_empty(),
            );
            Box::new(BytesBody::new(Vec::new()))
        }
        Some(RecvResponseResult::Cleanup(call)) => {
            keep(
                pool,
                key,
                stream,
                !call.must_close_connection() && input.is_empty(),
            );
            Box::new(BytesBody::new(Vec::new()))
        }
        None => return Err(Error::Connection("the response head was not complete".into()).into()),
    };
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

/// Gives a connection whose exchange ended cleanly back to the pool (if
/// `reusable` and the pool is still there); otherwise it closes.
fn keep(pool: &Weak<RefCell<Pool>>, key: Key, stream: Stream, reusable: bool) {
    if let (true, Some(pool)) = (reusable, pool.upgrade()) {
        pool.borrow_mut().put(key, stream);
    }
}

/// Bytes read from the socket and not yet used.
#[derive(Default)]
struct Input {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Bytes received in all (to tell "no answer" from "a partial one").
    received: usize,
}

impl Input {
    fn data(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    fn len(&self) -> usize {
        self.end - self.start
    }

    fn is_empty(&self) -> bool {
        self.start == self.end
    }

    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Reads once from `stream` after the data kept; `Ok(0)` at its end.
    fn fill(&mut self, stream: &mut Stream) -> io::Result<usize> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        // 16 KiB to start with (most answers fit), growing while reads fill
        // it, up to 64 KiB free: wasmtime reads at most 64 KiB a call.
        if self.buf.is_empty() {
            self.buf.resize(FIRST_READ, 0);
        } else if self.end == self.buf.len() {
            let more = self.buf.len().min(READ_SIZE);
            self.buf.resize(self.buf.len() + more, 0);
        }
        let spare = self.buf.get_mut(self.end..).unwrap_or_default();
        let asked = spare.len();
        let n = loop {
            match stream.read(spare) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        if n == asked && self.buf.len() < READ_SIZE {
            self.buf.resize(READ_SIZE, 0);
        }
        self.end += n;
        self.received += n;
        Ok(n)
    }
}

/// A response body being read off its connection; at its end the connection
/// goes back to the pool when the exchange allows it.
struct SocketBody {
    call: Option<Call<RecvBody>>,
    stream: Option<Stream>,
    input: Input,
    pool: Weak<RefCell<Pool>>,
    key: Key,
    /// The request URL: a failure names it, as the session does for a head.
    url: url::Url,
    /// Where ureq-proto decodes the body, kept between reads (zeroing a
    /// fresh buffer for every read cost more than copying what it holds).
    scratch: Vec<u8>,
}

impl SocketBody {
    fn finish(&mut self) {
        let (Some(call), Some(stream)) = (self.call.take(), self.stream.take()) else {
            return;
        };
        let reusable = match call.proceed() {
            Some(RecvBodyResult::Cleanup(call)) => !call.must_close_connection(),
            Some(RecvBodyResult::Redirect(call)) => !call.must_close_connection(),
            None => false,
        };
        keep(
            &self.pool,
            self.key.clone(),
            stream,
            reusable && self.input.is_empty(),
        );
    }
}

impl BodyReader for SocketBody {
    fn read(&mut self, max: usize) -> Result<Option<Vec<u8>>> {
        self.read_body(max).map_err(|e| e.at(&self.url))
    }
}

impl SocketBody {
    fn read_body(&mut self, max: usize) -> Result<Option<Vec<u8>>> {
        let want = max.clamp(1, READ_SIZE);
        if self.scratch.len() < want {
            self.scratch.resize(want, 0);
        }
        loop {
            let (Some(call), Some(stream)) = (self.call.as_mut(), self.stream.as_mut()) else {
                return Ok(None);
            };
            let close_delimited = call.body_mode() == ureq_proto::BodyMode::CloseDelimited;
            if !self.input.is_empty() {
                let out = self.scratch.get_mut(..want).unwrap_or_default();
                let (used, n) = call.read(self.input.data(), out).map_err(|e| {
                    Error::Connection(format!("the response body is malformed: {e}"))
                })?;
                self.input.consume(used);
                if n > 0 {
                    return Ok(Some(out.get(..n).unwrap_or_default().to_vec()));
                }
            }
            if call.can_proceed() && !close_delimited {
                self.finish();
                return Ok(None);
            }
            // Framing that never ends (a chunk-size line or trailers without
            // their CRLF) would have the buffer grow for ever.
            if self.input.len() >= MAX_HEAD {
                self.call = None;
                self.stream = None;
                return Err(Error::Connection(format!(
                    "the response body's chunked framing ran over {MAX_HEAD} bytes without a \
                     complete chunk header or trailer"
                )));
            }
            match self.input.fill(stream) {
                Ok(0) if close_delimited => {
                    // The end of the connection is the end of the body.
                    self.call = None;
                    self.stream = None;
                    return Ok(None);
                }
                Ok(0) => {
                    self.call = None;
                    self.stream = None;
                    return Err(Error::Connection(
                        "the server closed the connection before the end of the body".into(),
                    ));
                }
                Ok(_) => {}
                Err(e) => {
                    self.call = None;
                    self.stream = None;
                    return Err(if is_timeout(&e) {
                        Error::ReadTimeout(
                            "the body stopped: nothing more came within the read timeout".into(),
                        )
                    } else {
                        io_error(&e, "reading the response body")
                    });
                }
            }
        }
    }
}

/// Where a streamed upload is.
enum UploadState {
    Body(Call<SendBody>),
    /// The server answered before the body (to `Expect: 100-continue`).
    Answered(Call<RecvResponse>),
}

/// A request body being written in pieces.
pub struct Upload {
    stream: Stream,
    state: Option<UploadState>,
    input: Input,
    target: Target,
    pool: Weak<RefCell<Pool>>,
    /// Why a write failed: the server may have answered early (and closed).
    write_error: Option<String>,
}

impl BodySink for Upload {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if let Some(message) = &self.write_error {
            return Err(Error::Connection(message.clone()));
        }
        let Some(UploadState::Body(call)) = self.state.as_mut() else {
            // Answered already: what is written goes nowhere, as requests
            // drops a body the server no longer reads.
            return Ok(());
        };
        let mut rest = bytes;
        let mut out = vec![0u8; bytes.len().min(READ_SIZE) + 64];
        while !rest.is_empty() {
            let (used, n) = call
                .write(rest, &mut out)
                .map_err(|e| Error::InvalidOption(format!("the request body: {e}")))?;
            rest = rest.get(used..).unwrap_or_default();
            if let Err(failure) =
                send_bytes(&mut self.stream, out.get(..n).unwrap_or_default(), false)
            {
                let message = format!("the request body could not be sent: {}", failure.error);
                self.write_error = Some(message.clone());
                return Err(Error::Connection(message));
            }
            if used == 0 && n == 0 {
                break;
            }
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<RawResponse> {
        let call = match self.state.take() {
            Some(UploadState::Answered(call)) => call,
            Some(UploadState::Body(mut call)) if self.write_error.is_none() => {
                let mut out = vec![0u8; 64];
                let (_, n) = call
                    .write(&[], &mut out)
                    .map_err(|e| Error::InvalidOption(format!("ending the request body: {e}")))?;
                send_bytes(&mut self.stream, out.get(..n).unwrap_or_default(), false)
                    .map_err(|f| f.error)?;
                call.proceed().ok_or_else(|| {
                    Error::InvalidOption(
                        "the request body is shorter than its Content-Length".into(),
                    )
                })?
            }
            Some(UploadState::Body(_)) | None => {
                // The body could not be sent: an early answer may be waiting.
                let error = Error::Connection(
                    self.write_error
                        .take()
                        .unwrap_or_else(|| "the upload ended".into()),
                );
                let Upload {
                    stream,
                    input,
                    target,
                    ..
                } = *self;
                return early_answer(stream, input, &target).ok_or(error);
            }
        };
        let Upload {
            stream,
            input,
            target,
            pool,
            ..
        } = *self;
        receive(stream, call, input, &target, &pool).map_err(|f| f.error)
    }
}

/// An answer the server sent before it stopped reading the body (a 413, a
/// redirect), if one is there; the connection is not reused.
fn early_answer(stream: Stream, input: Input, target: &Target) -> Option<RawResponse> {
    // The exchange's own call is mid-body and cannot read a response: a
    // fresh bodiless call parses the answer, framed by its own headers.
    let request = http::Request::builder()
        .method(http::Method::GET)
        .uri("/")
        .body(())
        .ok()?;
    let mut call = Call::new(request).ok()?.proceed();
    let mut out = vec![0u8; 256];
    while !call.can_proceed() {
        call.write(&mut out).ok()?;
    }
    let Ok(Some(SendRequestResult::RecvResponse(call))) = call.proceed() else {
        return None;
    };
    receive(stream, call, input, target, &Weak::new()).ok()
}

/// A ureq-proto error: the server broke HTTP/1.1, or the request could not be framed.
fn protocol(e: &ureq_proto::Error, target: &Target) -> Failure {
    Failure::from(Error::Connection(format!(
        "HTTP/1.1 with {}: {e}",
        target.url
    )))
}

/// An I/O error while `doing`: TLS failures are `Tls`, the rest `Connection`.
fn io_error(e: &io::Error, doing: &str) -> Error {
    match tls::rustls_error(e) {
        Some(reason) => Error::Tls(format!("TLS failed while {doing}: {reason}")),
        None => Error::Connection(format!("{doing}: {e}")),
    }
}
