//! The sockets adapter: HTTP/1.1 from inside the component, over `std::net`
//! (which is `wasi:sockets` on `wasm32-wasip2`, and the OS natively, where its
//! tests run). It keeps connections alive in a pool, speaks TLS with rustls,
//! goes through `http://` proxies and honours `verify`, `cert` and the
//! timeouts: everything wasi:http leaves to the host.
//!
//! - [`pool`]: idle connections per origin, bounded, with an idle timeout.
//! - [`conn`]: opening a connection: name lookup, TCP, a CONNECT tunnel, TLS.
//! - [`tls`]: the rustls client configurations, one per `verify` and `cert`.
//! - [`exchange`]: one request and its response on a connection (ureq-proto
//!   does the HTTP/1.1 framing), the body readers and the upload sink.
//!
//! A request that fails on a connection taken from the pool before any byte
//! of an answer came back (the server closed it while it was idle) is sent
//! again, once, on a new connection, when that is safe: its method is
//! idempotent, or the failure came before any of it was written.

mod conn;
mod exchange;
mod pool;
mod tls;

#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::prepare::PreparedRequest;
use crate::retry::RetryPolicy;
use crate::settings::{SendOptions, Timeout};
use crate::transport::{AdapterKind, BodySink, RawResponse, Transport};

use conn::Target;
use exchange::Failure;
use pool::Pool;

/// The settings of `adapter.sockets`.
#[derive(Debug, Clone, Default)]
pub struct PoolOptions {
    /// Used where neither the request nor the session sets a timeout.
    /// Defaults to none: no limit.
    pub timeout: Option<Timeout>,
    /// Idle connections kept per origin. Defaults to 10 (requests' `pool_maxsize`).
    pub max_idle_per_host: Option<u32>,
    /// Idle connections kept in all. Defaults to 100.
    pub max_idle: Option<u32>,
    /// How long an idle connection is kept, in milliseconds. Defaults to 90 000.
    pub idle_timeout_ms: Option<u32>,
}

/// HTTP/1.1 over sockets, with a connection pool shared by every session the
/// adapter is mounted on.
pub struct SocketsTransport {
    default_timeout: Timeout,
    pool: Rc<RefCell<Pool>>,
    tls: tls::Configs,
    retries: Option<RetryPolicy>,
    closed: bool,
}

impl SocketsTransport {
    pub fn new(options: PoolOptions) -> Self {
        SocketsTransport {
            default_timeout: options.timeout.unwrap_or_default(),
            pool: Rc::new(RefCell::new(Pool::new(&options))),
            tls: tls::Configs::default(),
            retries: None,
            closed: false,
        }
    }

    /// Where the request goes, and how: origin, proxy, TLS configuration.
    fn target(&mut self, request: &PreparedRequest, options: &SendOptions) -> Result<Target> {
        if self.closed {
            return Err(Error::SessionClosed);
        }
        let timeout = options.timeout.unwrap_or_default().or(self.default_timeout);
        Target::new(&request.url, options, timeout, &mut self.tls)
    }
}

impl Transport for SocketsTransport {
    fn kind(&self) -> AdapterKind {
        AdapterKind::Sockets
    }

    fn send(&mut self, request: &PreparedRequest, options: &SendOptions) -> Result<RawResponse> {
        let target = self.target(request, options)?;
        let body = request.body.as_deref();
        let mut retried = false;
        loop {
            let (stream, reused) = match self.pool.borrow_mut().take(&target.key) {
                Some(stream) => (stream, true),
                None => (conn::open(&target)?, false),
            };
            // A pooled connection keeps the timeout of the request that opened it.
            stream.set_timeout(target.read_timeout)?;
            match exchange::send(stream, &target, request, body, &self.pool) {
                Ok(response) => return Ok(response),
                Err(Failure { error, unanswered }) => {
                    // A pooled connection the server closed while it sat idle:
                    // send again, once, on a new connection, where safe.
                    if reused && unanswered.is_some() && !retried {
                        let written = unanswered == Some(exchange::Written::Some);
                        if !written || is_idempotent(&request.method) {
                            retried = true;
                            continue;
                        }
                    }
                    return Err(error);
                }
            }
        }
    }

    fn start(
        &mut self,
        request: &PreparedRequest,
        options: &SendOptions,
    ) -> Result<Box<dyn BodySink>> {
        let target = self.target(request, options)?;
        // A streamed body cannot be sent twice: a fresh connection unless the
        // pool has one, and no second attempt either way.
        let stream = match self.pool.borrow_mut().take(&target.key) {
            Some(stream) => stream,
            None => conn::open(&target)?,
        };
        stream.set_timeout(target.read_timeout)?;
        let upload = exchange::start(stream, target, request, &self.pool)?;
        Ok(Box::new(upload))
    }

    fn close(&mut self) {
        self.closed = true;
        self.pool.borrow_mut().close();
    }

    fn retries(&self) -> Option<RetryPolicy> {
        self.retries.clone()
    }

    fn set_retries(&mut self, policy: Option<RetryPolicy>) {
        self.retries = policy;
    }
}

/// RFC 9110 §9.2.2: a method whose request can be repeated with the same effect.
fn is_idempotent(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
    )
}
