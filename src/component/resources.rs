//! The other resources: the body writer of a streaming upload, the prepared request, the
//! response and the adapter, each a handle over its core value.

use super::{
    busy, from_wit_retry, from_wit_timeout, lift, to_wit_cookie, to_wit_error, to_wit_retry, wit,
    wit_session, WitResult,
};
use crate::error::Error;
use crate::prepare::PreparedRequest;
use crate::response::{Response, SharedResponse};
use crate::session::Session;
use crate::transport::{AdapterKind, ScriptedTransport, SharedTransport};
use crate::wasi_http::WasiHttpTransport;
use std::cell::RefCell;
use std::rc::Rc;

// ---- body writer ----------------------------------------------------------------

pub(super) struct BodyWriterHandle {
    pub(super) session: Rc<RefCell<Session>>,
    /// `None` once finished.
    pub(super) upload: RefCell<Option<crate::session::Upload>>,
}

impl wit_session::GuestBodyWriter for BodyWriterHandle {
    fn write(&self, bytes: Vec<u8>) -> WitResult<()> {
        match self.upload.borrow_mut().as_mut() {
            Some(upload) => lift(upload.write(&bytes)),
            None => Err(finished()),
        }
    }

    fn write_latin1(&self, bytes: String) -> WitResult<()> {
        let bytes = crate::latin1::to_bytes(&bytes).ok_or_else(|| {
            to_wit_error(Error::InvalidOption(
                "a latin1 piece holds a code point above U+00FF (one code point per byte)".into(),
            ))
        })?;
        self.write(bytes)
    }

    fn written(&self) -> u64 {
        self.upload.borrow().as_ref().map_or(0, |u| u.written())
    }

    fn host_upload(&self) -> Option<u64> {
        self.upload
            .borrow_mut()
            .as_mut()
            .and_then(|u| u.host_upload())
    }

    fn finish(writer: wit_session::BodyWriter) -> WitResult<wit::Response> {
        let handle = writer.into_inner::<BodyWriterHandle>();
        let upload = handle.upload.into_inner().ok_or_else(finished)?;
        let mut session = handle.session.try_borrow_mut().map_err(|_| busy())?;
        let response = lift(session.finish_upload(upload))?;
        Ok(wit::Response::new(ResponseHandle::new(response)))
    }
}

fn finished() -> wit::Error {
    to_wit_error(Error::StreamConsumed(
        "the upload was already finished".into(),
    ))
}

// ---- prepared request ---------------------------------------------------------

pub(super) struct PreparedHandle(pub(super) RefCell<PreparedRequest>);

impl wit::GuestPreparedRequest for PreparedHandle {
    fn method(&self) -> String {
        self.0.borrow().method.clone()
    }

    fn url(&self) -> String {
        self.0.borrow().url.to_string()
    }

    fn headers(&self) -> Vec<(String, String)> {
        self.0.borrow().headers.to_pairs()
    }

    fn body(&self) -> Option<Vec<u8>> {
        self.0.borrow().body.as_deref().map(<[u8]>::to_vec)
    }

    fn set_method(&self, method: String) -> WitResult<()> {
        let method = lift(crate::headers::validate_method(&method))?;
        self.0.borrow_mut().method = method;
        Ok(())
    }

    fn set_url(&self, url: String) -> WitResult<()> {
        lift(self.0.borrow_mut().set_url(&url))
    }

    fn set_header(&self, name: String, value: Option<String>) -> WitResult<()> {
        lift(self.0.borrow_mut().set_header(&name, value.as_deref()))
    }

    fn set_body(&self, body: Option<Vec<u8>>) {
        let mut prepared = self.0.borrow_mut();
        prepared.body = body.map(Into::into);
        prepared.set_content_length();
    }
}

// ---- response -------------------------------------------------------------------

/// A response, shared with the histories it is a hop of (a hop is one
/// object, however many handles and later hops refer to it, as in requests).
pub(super) struct ResponseHandle(SharedResponse);

impl ResponseHandle {
    pub(super) fn new(response: Response) -> Self {
        ResponseHandle(Rc::new(RefCell::new(response)))
    }
}

impl wit::GuestResponse for ResponseHandle {
    fn status(&self) -> u16 {
        self.0.borrow().status
    }

    fn reason(&self) -> String {
        self.0.borrow().reason().to_string()
    }

    fn url(&self) -> String {
        crate::urls::redact(self.0.borrow().url())
    }

    fn headers(&self) -> Vec<(String, String)> {
        self.0.borrow().headers.to_pairs()
    }

    fn header(&self, name: String) -> Option<String> {
        self.0.borrow().headers.get_joined(&name)
    }

    fn header_all(&self, name: String) -> Vec<String> {
        self.0
            .borrow()
            .headers
            .get_all(&name)
            .map(str::to_string)
            .collect()
    }

    fn history(&self) -> Vec<wit::Response> {
        let response = self.0.borrow();
        response
            .history
            .hops()
            .into_iter()
            .map(|hop| wit::Response::new(ResponseHandle(hop)))
            .collect()
    }

    fn elapsed_ms(&self) -> f64 {
        self.0.borrow().elapsed.as_secs_f64() * 1000.0
    }

    fn cookies(&self) -> Vec<wit::Cookie> {
        self.0
            .borrow()
            .cookies
            .iter()
            .cloned()
            .map(to_wit_cookie)
            .collect()
    }

    fn encoding(&self) -> String {
        self.0.borrow().encoding().to_string()
    }

    fn set_encoding(&self, encoding: String) -> WitResult<()> {
        lift(self.0.borrow_mut().set_encoding(&encoding))
    }

    fn content(&self) -> WitResult<Vec<u8>> {
        lift(self.0.borrow_mut().content().map(<[u8]>::to_vec))
    }

    fn text(&self) -> WitResult<String> {
        lift(self.0.borrow_mut().text())
    }

    fn json(&self) -> WitResult<String> {
        lift(self.0.borrow_mut().json())
    }

    fn ok(&self) -> bool {
        self.0.borrow().ok()
    }

    fn raise_for_status(&self) -> WitResult<()> {
        lift(self.0.borrow().raise_for_status())
    }

    fn is_redirect(&self) -> bool {
        self.0.borrow().is_redirect()
    }

    fn is_permanent_redirect(&self) -> bool {
        self.0.borrow().is_permanent_redirect()
    }

    fn request(&self) -> wit::PreparedRequest {
        wit::PreparedRequest::new(PreparedHandle(RefCell::new(
            self.0.borrow().request.clone(),
        )))
    }

    fn read_chunk(&self, max: u32) -> WitResult<Option<Vec<u8>>> {
        lift(self.0.borrow_mut().read_chunk(max as usize))
    }

    fn read_chunk_latin1(&self, max: u32) -> WitResult<Option<String>> {
        let chunk = lift(self.0.borrow_mut().read_chunk(max as usize))?;
        Ok(chunk.map(|bytes| crate::latin1::encode(&bytes)))
    }

    fn body_size(&self) -> Option<u64> {
        self.0.borrow().body_size()
    }

    fn take_host_body(&self) -> Option<u64> {
        self.0.borrow_mut().take_host_body()
    }

    fn read_line(&self) -> WitResult<Option<String>> {
        lift(self.0.borrow_mut().read_line())
    }

    fn links(&self) -> Vec<wit::Link> {
        let links = self.0.borrow().links();
        links
            .into_iter()
            .map(|l| wit::Link {
                url: l.url,
                rel: l.rel,
                params: l.params,
            })
            .collect()
    }
}

// ---- adapter ----------------------------------------------------------------------

pub(super) struct AdapterHandle(pub(super) SharedTransport);

impl wit::GuestAdapter for AdapterHandle {
    fn http(options: wit::AdapterOptions) -> wit::Adapter {
        let transport = WasiHttpTransport::new(options.timeout.map(from_wit_timeout));
        wit::Adapter::new(AdapterHandle(Rc::new(RefCell::new(transport))))
    }

    fn scripted(responses: Vec<wit::CannedResponse>) -> WitResult<wit::Adapter> {
        let canned = responses
            .into_iter()
            .map(|r| (r.status, r.headers, r.body))
            .collect();
        let transport = lift(ScriptedTransport::new(canned))?;
        Ok(wit::Adapter::new(AdapterHandle(Rc::new(RefCell::new(
            transport,
        )))))
    }

    fn host(name: String) -> WitResult<wit::Adapter> {
        #[cfg(feature = "host")]
        {
            let adapter = lift(crate::host_adapter::HostAdapter::new(name))?;
            Ok(wit::Adapter::new(AdapterHandle(Rc::new(RefCell::new(
                adapter,
            )))))
        }
        #[cfg(not(feature = "host"))]
        {
            let _ = name;
            Err(to_wit_error(Error::Unsupported(
                "host adapters need the component built for world `client-with-host` \
                 (cargo feature `host`): this build does not import requests:http/host-adapters"
                    .into(),
            )))
        }
    }

    fn sockets(options: Option<wit::SocketsOptions>) -> WitResult<wit::Adapter> {
        #[cfg(feature = "sockets")]
        {
            let options = options.map(|o| crate::sockets::PoolOptions {
                timeout: o.timeout.map(from_wit_timeout),
                max_idle_per_host: o.max_idle_per_host,
                max_idle: o.max_idle,
                idle_timeout_ms: o.idle_timeout_ms,
            });
            let adapter = crate::sockets::SocketsTransport::new(options.unwrap_or_default());
            Ok(wit::Adapter::new(AdapterHandle(Rc::new(RefCell::new(
                adapter,
            )))))
        }
        #[cfg(not(feature = "sockets"))]
        {
            let _ = options;
            Err(to_wit_error(Error::Unsupported(
                "the sockets adapter needs the component built for world `client-with-sockets` \
                 (cargo feature `sockets`): this build does not import wasi:sockets"
                    .into(),
            )))
        }
    }

    fn kind(&self) -> wit::AdapterKind {
        match self.0.borrow().kind() {
            AdapterKind::WasiHttp => wit::AdapterKind::WasiHttp,
            AdapterKind::Scripted => wit::AdapterKind::Scripted,
            AdapterKind::Host => wit::AdapterKind::Host,
            AdapterKind::Sockets => wit::AdapterKind::Sockets,
        }
    }

    fn received(&self) -> Vec<wit::RecordedRequest> {
        self.0
            .borrow()
            .received()
            .into_iter()
            .map(|r| wit::RecordedRequest {
                method: r.method,
                url: r.url,
                headers: r.headers,
                body: r.body,
            })
            .collect()
    }

    fn retries(&self) -> Option<wit::RetryPolicy> {
        self.0.borrow().retries().map(to_wit_retry)
    }

    fn set_retries(&self, policy: Option<wit::RetryPolicy>) -> WitResult<()> {
        let policy = policy.map(from_wit_retry);
        if let Some(p) = &policy {
            lift(p.validate())?;
        }
        self.0.borrow_mut().set_retries(policy);
        Ok(())
    }

    fn close(&self) {
        self.0.borrow_mut().close();
    }
}
