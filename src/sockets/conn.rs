//! Opening a connection: the name looked up, TCP connected, a CONNECT tunnel
//! through a proxy for https, then TLS.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use url::{Host, Url};

use crate::error::{Error, Result};
use crate::settings::{SendOptions, Timeout};

use super::pool::Key;
use super::tls;

/// An open connection, plain or TLS.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(tcp) => tcp,
            Stream::Tls(tls) => tls.get_ref(),
        }
    }

    /// Whether the server closed this idle connection (or sent something
    /// unasked, which makes it unusable too), seen without waiting: urllib3's
    /// `is_connection_dropped`. If the socket cannot be made non-blocking,
    /// it is taken as open; a failure then is retried as a stale connection.
    pub fn peer_closed(&mut self) -> bool {
        if self.tcp().set_nonblocking(true).is_err() {
            return false;
        }
        let closed = match self {
            Stream::Plain(tcp) => match tcp.read(&mut [0u8; 1]) {
                Err(e) => e.kind() != io::ErrorKind::WouldBlock,
                Ok(_) => true,
            },
            Stream::Tls(tls) => {
                let StreamOwned { conn, sock } = &mut **tls;
                match conn.read_tls(sock) {
                    Err(e) => e.kind() != io::ErrorKind::WouldBlock,
                    Ok(0) => true,
                    // TLS 1.3 session tickets come after the handshake; a
                    // close_notify or application data makes it unusable.
                    Ok(_) => match conn.process_new_packets() {
                        Ok(state) => state.peer_has_closed() || state.plaintext_bytes_to_read() > 0,
                        Err(_) => true,
                    },
                }
            }
        };
        self.tcp().set_nonblocking(false).is_err() || closed
    }

    /// Sets the read and write timeouts of every later operation.
    pub fn set_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        set_timeouts(self.tcp(), timeout)
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.read(buf),
            Stream::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.write(buf),
            Stream::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(tcp) => tcp.flush(),
            Stream::Tls(tls) => tls.flush(),
        }
    }
}

/// An `http://` proxy.
pub struct Proxy {
    host: Host<String>,
    port: u16,
    /// `Basic ...` from the proxy URL's userinfo.
    pub authorization: Option<String>,
    /// The proxy URL with its password hidden, for messages.
    pub shown: String,
}

/// Where a request goes and how: all an exchange needs besides the request.
pub struct Target {
    pub key: Key,
    pub host: Host<String>,
    pub port: u16,
    pub https: bool,
    pub proxy: Option<Proxy>,
    pub tls: Option<Arc<ClientConfig>>,
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    /// The request URL without userinfo, for messages.
    pub url: String,
    /// The request URL, for `Error::at`.
    pub request_url: Url,
}

impl Target {
    pub fn new(
        url: &Url,
        options: &SendOptions,
        timeout: Timeout,
        configs: &mut tls::Configs,
    ) -> Result<Target> {
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            other => {
                return Err(Error::InvalidSchema(format!(
                    "the sockets adapter speaks http and https, not {other:?}"
                )))
            }
        };
        let host = url
            .host()
            .ok_or_else(|| Error::InvalidUrl(format!("no host in {url}")))?
            .to_owned();
        let port = url
            .port_or_known_default()
            .ok_or_else(|| Error::InvalidUrl(format!("no port for {url}")))?;
        let proxy = match &options.proxy {
            Some((proxy, from)) => Some(parse_proxy(proxy, from)?),
            None => None,
        };
        let (tls, tls_id) = if https {
            let (config, id) = configs.get(&options.verify, options.cert.as_ref())?;
            (Some(config), Some(id))
        } else {
            (None, None)
        };
        let ms = |ms: Option<u32>| ms.map(|ms| Duration::from_millis(u64::from(ms.max(1))));
        Ok(Target {
            key: Key {
                scheme: url.scheme().to_string(),
                host: host.to_string(),
                port,
                proxy: options.proxy.as_ref().map(|(p, _)| p.clone()),
                tls: tls_id,
            },
            host,
            port,
            https,
            proxy,
            tls,
            connect_timeout: ms(timeout.connect_ms),
            read_timeout: ms(timeout.read_ms),
            url: crate::urls::redact_in_message(url),
            request_url: url.clone(),
        })
    }

    /// `host:port` as a request target and `Host` value (IPv6 in brackets).
    pub fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Parses a proxy URL; only `http://` proxies are spoken.
fn parse_proxy(proxy: &str, from: &str) -> Result<Proxy> {
    let shown = crate::urls::redact_str(proxy);
    let with_scheme = if proxy.contains("://") {
        proxy.to_string()
    } else {
        format!("http://{proxy}")
    };
    let url = Url::parse(&with_scheme)
        .map_err(|e| Error::Proxy(format!("the proxy {shown:?} from {from} is not a URL: {e}")))?;
    match url.scheme() {
        "http" => {}
        other => {
            return Err(Error::Unsupported(format!(
                "the proxy {shown:?} from {from}: the sockets adapter speaks to http:// proxies, \
                 not {other}://"
            )))
        }
    }
    let host = url
        .host()
        .ok_or_else(|| Error::Proxy(format!("the proxy {shown:?} from {from} has no host")))?
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let authorization =
        crate::urls::take_userinfo(&mut url.clone()).and_then(|(username, password)| {
            crate::auth::Auth::Basic { username, password }.header_value()
        });
    Ok(Proxy {
        host,
        port,
        authorization,
        shown,
    })
}

/// Opens a connection for `target`: through its proxy if it has one, with
/// TLS for https. The whole set-up is bounded by the connect timeout.
pub fn open(target: &Target) -> Result<Stream> {
    let (host, port) = match &target.proxy {
        Some(proxy) => (&proxy.host, proxy.port),
        None => (&target.host, target.port),
    };
    let mut tcp = connect(host, port, target).map_err(|e| match &target.proxy {
        // requests' ProxyError: the proxy itself could not be reached.
        // (The message names the proxy already.)
        Some(_) => Error::Proxy(e.inner().to_string()),
        None => e,
    })?;
    if let (Some(proxy), true) = (&target.proxy, target.https) {
        tunnel(&mut tcp, proxy, target)?;
    }
    let stream = match &target.tls {
        Some(config) => handshake(tcp, config.clone(), target)?,
        None => Stream::Plain(tcp),
    };
    stream.set_timeout(target.read_timeout)?;
    Ok(stream)
}

/// Looks `host` up and connects to the first address that answers.
fn connect(host: &Host<String>, port: u16, target: &Target) -> Result<TcpStream> {
    let via = match &target.proxy {
        Some(proxy) => format!("the proxy {}", proxy.shown),
        None => format!("{host}:{port}"),
    };
    let addrs: Vec<SocketAddr> = match host {
        Host::Ipv4(ip) => vec![SocketAddr::new(IpAddr::V4(*ip), port)],
        Host::Ipv6(ip) => vec![SocketAddr::new(IpAddr::V6(*ip), port)],
        Host::Domain(name) => (name.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| Error::Dns(format!("the host name {name:?} could not be resolved: {e}")))?
            .collect(),
    };
    let mut last = None;
    for addr in addrs {
        let attempt = match target.connect_timeout {
            Some(limit) => TcpStream::connect_timeout(&addr, limit),
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(tcp) => {
                // Best effort: wasi:sockets 0.2 in wasmtime 48 ignores it, which is
                // why every head goes out in one write.
                let _ = tcp.set_nodelay(true);
                set_timeouts(&tcp, target.connect_timeout)?;
                return Ok(tcp);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => connect_error(&e, &via),
        None => Error::Dns(format!("the host name {host} has no address")),
    })
}

fn connect_error(e: &io::Error, via: &str) -> Error {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => {
            Error::ConnectionRefused(format!("{via} refused the connection"))
        }
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::ConnectTimeout(format!(
            "connecting to {via} took longer than the connect timeout"
        )),
        io::ErrorKind::PermissionDenied => Error::Connection(format!(
            "the host does not let the component connect to {via} (permission denied)"
        )),
        _ => Error::Connection(format!("connecting to {via} failed: {e}")),
    }
}

/// Both socket timeouts; `None` waits for ever.
fn set_timeouts(tcp: &TcpStream, timeout: Option<Duration>) -> Result<()> {
    tcp.set_read_timeout(timeout)
        .and_then(|()| tcp.set_write_timeout(timeout))
        .map_err(|e| {
            Error::Unsupported(format!(
                "the host's sockets refused a timeout of {timeout:?}: {e}"
            ))
        })
}

/// Opens a CONNECT tunnel through `proxy` to the target's origin.
fn tunnel(tcp: &mut TcpStream, proxy: &Proxy, target: &Target) -> Result<()> {
    let authority = target.authority();
    let mut head = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(authorization) = &proxy.authorization {
        head.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
    }
    head.push_str("\r\n");
    let failed = |e: io::Error| {
        Error::Proxy(format!(
            "the CONNECT tunnel through the proxy {} to {authority} failed: {e}",
            proxy.shown
        ))
    };
    tcp.write_all(head.as_bytes()).map_err(failed)?;

    // The answer's head, read a byte at a time: nothing after it may be
    // consumed, it belongs to TLS.
    let mut answer = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() >= 16 * 1024 {
            return Err(Error::Proxy(format!(
                "the proxy {} answered CONNECT with a head over 16 KiB",
                proxy.shown
            )));
        }
        match tcp.read(&mut byte) {
            Ok(0) => {
                return Err(Error::Proxy(format!(
                    "the proxy {} closed the connection before answering CONNECT {authority}",
                    proxy.shown
                )))
            }
            Ok(_) => answer.push(byte[0]),
            Err(e) if is_timeout(&e) => {
                return Err(Error::ConnectTimeout(format!(
                    "the proxy {} did not answer CONNECT {authority} within the connect timeout",
                    proxy.shown
                )))
            }
            Err(e) => return Err(failed(e)),
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let status = match response.parse(&answer) {
        Ok(httparse::Status::Complete(_)) => response.code.unwrap_or(0),
        _ => {
            return Err(Error::Proxy(format!(
                "the proxy {} gave an invalid answer to CONNECT {authority}",
                proxy.shown
            )))
        }
    };
    match status {
        200..=299 => Ok(()),
        407 => Err(Error::Proxy(format!(
            "the proxy {} requires authentication (407 Proxy Authentication Required){}",
            proxy.shown,
            if proxy.authorization.is_some() {
                ": it refused the credentials in the proxy URL"
            } else {
                ": give credentials in the proxy URL"
            }
        ))),
        _ => Err(Error::Proxy(format!(
            "the proxy {} refused CONNECT {authority}: {status} {}",
            proxy.shown,
            response.reason.unwrap_or("")
        ))),
    }
}

/// The TLS handshake, under the connect timeout (already set on `tcp`).
fn handshake(mut tcp: TcpStream, config: Arc<ClientConfig>, target: &Target) -> Result<Stream> {
    let name = match &target.host {
        Host::Domain(name) => ServerName::try_from(name.clone())
            .map_err(|e| Error::Tls(format!("{name:?} is not a valid TLS server name: {e}")))?,
        Host::Ipv4(ip) => ServerName::IpAddress(IpAddr::V4(*ip).into()),
        Host::Ipv6(ip) => ServerName::IpAddress(IpAddr::V6(*ip).into()),
    };
    let mut conn = ClientConnection::new(config, name)
        .map_err(|e| Error::Tls(format!("TLS with {}: {e}", target.authority())))?;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut tcp) {
            return Err(match tls::rustls_error(&e) {
                Some(reason) => Error::Tls(format!(
                    "the TLS handshake with {} failed: {reason}",
                    target.authority()
                )),
                None if is_timeout(&e) => Error::ConnectTimeout(format!(
                    "the TLS handshake with {} took longer than the connect timeout",
                    target.authority()
                )),
                None => Error::Tls(format!(
                    "the TLS handshake with {} failed: {e}",
                    target.authority()
                )),
            });
        }
    }
    Ok(Stream::Tls(Box::new(StreamOwned::new(conn, tcp))))
}

/// A socket timeout: `WouldBlock` on Unix, `TimedOut` elsewhere.
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
