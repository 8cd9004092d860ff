//! The proxy of a request: its URL parsed into what the pool adapter supports, its credentials as `Proxy-Authorization`, and the connector that dials it.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use base64::Engine as _;
use hyper::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use tower_service::Service;

use crate::host::{failure, Failure, FailureKind};
use crate::pool::connect::Connector;

/// A proxy the adapter can use.
pub(super) struct Proxy {
    /// `http://host:port/`, what the connector dials.
    pub(super) connect_uri: Uri,
    pub(super) authority: hyper::http::uri::Authority,
}

impl Proxy {
    /// The proxy of `url`, or an `unsupported` failure for what the adapter cannot do.
    pub(super) fn parse(url: &str, https_target: bool) -> Result<Proxy, Failure> {
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
    pub(super) fn authorization(url: &str) -> Option<String> {
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

// ---- the proxy connector ----

/// The pool's [`Connector`], dialling the proxy (when there is one) instead of
/// the origin and marking the connection as proxied, so that the client
/// sends requests in absolute form.
#[derive(Clone)]
pub(super) struct ProxyConnector {
    pub(super) inner: Connector,
    pub(super) proxy: Option<Uri>,
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
pub(super) struct Proxied<S> {
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
}
