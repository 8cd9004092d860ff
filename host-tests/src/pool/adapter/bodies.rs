//! The pool adapter's bodies: the response body read with the read timeout, and the upload whose pieces feed the request through a channel.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::{Frame, Incoming};

use super::{chain, BoxError};
use crate::host::{
    failure, AdapterFuture, AdapterResponse, BodyStream, Failure, FailureKind, Upload,
};

/// A response body read frame by frame, each wait bounded by the read timeout.
pub(super) struct PoolBody {
    pub(super) body: Incoming,
    pub(super) read_timeout: Duration,
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
pub(super) struct PoolUpload {
    pub(super) sender: Option<tokio::sync::mpsc::Sender<Bytes>>,
    pub(super) task: tokio::task::JoinHandle<Result<AdapterResponse, Failure>>,
    /// The request's outcome, when it came while a piece was being written.
    pub(super) done: Option<Result<AdapterResponse, Failure>>,
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
pub(super) struct ChannelBody(pub(super) tokio::sync::mpsc::Receiver<Bytes>);

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
