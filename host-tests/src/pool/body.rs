//! The pooled transport's response body: [`TimedBody`] bounds every wait for the next frame by the between-bytes timeout.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::time::{Instant, Sleep};
use wasmtime_wasi_http::Error as HttpError;

/// A response body whose every wait for the next frame is bounded by the
/// between-bytes timeout.
pub(super) struct TimedBody {
    incoming: Incoming,
    between_bytes_timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}
impl TimedBody {
    /// Wraps `incoming`; the first deadline starts now.
    pub(super) fn new(incoming: Incoming, between_bytes_timeout: Duration) -> Self {
        TimedBody {
            incoming,
            between_bytes_timeout,
            deadline: Box::pin(tokio::time::sleep(between_bytes_timeout)),
        }
    }
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
