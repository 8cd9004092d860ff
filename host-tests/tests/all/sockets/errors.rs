//! Typed errors of the sockets adapter, each followed by a request that works on the same
//! session: a refused connection, a connect timeout (a listener whose accept queue is full),
//! a read timeout before the head and between body bytes (from the request, the session or
//! the adapter's own options), and an address outside loopback, which the harness refuses.

use super::servers::{Mode, RawServer};
use super::*;

const KEEP_ALIVE: Mode = Mode::KeepAlive { idle_close: None };

fn with_timeout(connect_ms: Option<u32>, read_ms: Option<u32>) -> Option<RequestOptions> {
    with_send(SendOptions {
        timeout: Some(timeout(connect_ms, read_ms)),
        ..send_opts()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_is_connection_refused() -> Result<()> {
    let server = TestServer::start();
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    for scheme in ["http", "https"] {
        let url = format!("{scheme}://127.0.0.1:{port}/nothing");
        let err = h
            .get(s, &url, None)
            .await?
            .expect_kind(ErrorKind::ConnectionRefused);
        assert_eq!(err.url.as_deref(), Some(url.as_str()), "{err:?}");
        still_works(&mut h, s, &server).await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_is_a_read_timeout() -> Result<()> {
    let silent = RawServer::start(KEEP_ALIVE);
    let server = TestServer::start();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    // From the request's options.
    let err = h
        .get(
            s,
            &silent.url("/silent/request"),
            with_timeout(None, Some(300)),
        )
        .await?
        .expect_kind(ErrorKind::ReadTimeout);
    assert_eq!(
        err.url.as_deref(),
        Some(silent.url("/silent/request").as_str())
    );
    still_works(&mut h, s, &server).await?;
    // From the session's setting.
    session!(h, call_set_timeout, s, Some(timeout(Some(2000), Some(300))))??;
    h.get(s, &silent.url("/silent/session"), None)
        .await?
        .expect_kind(ErrorKind::ReadTimeout);
    still_works(&mut h, s, &server).await?;
    // A timed-out GET is not sent again on a new connection: it was not a stale connection.
    assert_eq!(
        silent.seen_with("/silent/session").len(),
        1,
        "{:?}",
        silent.seen()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_adapter_options_timeout_applies_when_nothing_else_sets_one() -> Result<()> {
    let silent = RawServer::start(KEEP_ALIVE);
    let server = TestServer::start();
    let options = SocketsOptions {
        timeout: Some(timeout(Some(2000), Some(300))),
        ..pool_options()
    };
    let (mut h, s, _adapter) = sockets_session(Some(options)).await?;
    h.get(s, &silent.url("/silent/adapter"), None)
        .await?
        .expect_kind(ErrorKind::ReadTimeout);
    still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_stalls_is_a_read_timeout_between_bytes() -> Result<()> {
    let stalling = RawServer::start(KEEP_ALIVE);
    let server = TestServer::start();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    // Read into memory: the request fails. requests itself raises ConnectionError (wrapping
    // urllib3's ReadTimeoutError) from a body read; either kind says what happened.
    let err = expect_one_of(
        h.get(
            s,
            &stalling.url("/stall-body"),
            with_timeout(None, Some(300)),
        )
        .await?,
        &[ErrorKind::ReadTimeout, ErrorKind::Connection],
    );
    assert!(err.url.is_some(), "{err:?}");
    still_works(&mut h, s, &server).await?;
    // Streamed: the head arrives, the read of the body fails.
    let streamed = with_send(SendOptions {
        stream: Some(true),
        timeout: Some(timeout(None, Some(300))),
        ..send_opts()
    });
    let r = h
        .get(s, &stalling.url("/stall-body/streamed"), streamed)
        .await??;
    assert_eq!(h.status(r).await?, 200);
    let mut read = Vec::new();
    let failure = loop {
        match response!(h, call_read_chunk, r, 1024)? {
            Ok(Some(chunk)) => read.extend(chunk),
            Ok(None) => panic!("a 16-byte body ended after {read:?}"),
            Err(err) => break err,
        }
    };
    assert_eq!(read, b"four");
    assert!(
        matches!(failure.kind, ErrorKind::ReadTimeout | ErrorKind::Connection),
        "{failure:?}"
    );
    h.drop_resource(r).await?;
    still_works(&mut h, s, &server).await
}

/// A listener on 127.0.0.1 whose accept queue is full (backlog 0, never accepting, filled by
/// connections of our own): a further connect gets no answer to its SYN, as from a host that
/// drops packets, until the client gives up.
struct FullBacklog {
    listener: tokio::net::TcpListener,
    _fillers: Vec<std::net::TcpStream>,
}

impl FullBacklog {
    fn new() -> Result<FullBacklog> {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind("127.0.0.1:0".parse()?)?;
        let listener = socket.listen(0)?;
        let addr = listener.local_addr()?;
        let mut fillers = Vec::new();
        for _ in 0..16 {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                Ok(stream) => fillers.push(stream),
                Err(err) if err.kind() == std::io::ErrorKind::TimedOut => {
                    return Ok(FullBacklog {
                        listener,
                        _fillers: fillers,
                    })
                }
                Err(err) => anyhow::bail!("filling the accept queue of {addr}: {err}"),
            }
        }
        anyhow::bail!(
            "{} connections to a listener with backlog 0 all completed: this kernel does not \
             drop SYNs when the accept queue is full, so a connect timeout cannot be made here",
            fillers.len()
        )
    }

    fn url(&self, path: &str) -> Result<String> {
        Ok(format!("http://{}{path}", self.listener.local_addr()?))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_that_is_not_made_in_time_is_a_connect_timeout() -> Result<()> {
    let full = FullBacklog::new()?;
    let server = TestServer::start();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    let url = full.url("/never")?;
    let err = h
        .get(s, &url, with_timeout(Some(300), Some(5000)))
        .await?
        .expect_kind(ErrorKind::ConnectTimeout);
    assert_eq!(err.url.as_deref(), Some(url.as_str()), "{err:?}");
    still_works(&mut h, s, &server).await?;
    let https = url.replace("http://", "https://");
    h.get(s, &https, with_timeout(Some(300), None))
        .await?
        .expect_kind(ErrorKind::ConnectTimeout);
    still_works(&mut h, s, &server).await
}

#[tokio::test(flavor = "multi_thread")]
async fn addresses_outside_loopback_are_refused_by_the_host() -> Result<()> {
    let server = TestServer::start();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    // 192.0.2.0/24 is TEST-NET-1. wasmtime asks the harness's policy before any socket call,
    // so nothing is sent anywhere: the policy refuses and logs it.
    let result = h
        .get(
            s,
            "http://192.0.2.1:9/never",
            with_timeout(Some(1000), Some(1000)),
        )
        .await?;
    assert!(result.is_err(), "{result:?}");
    let refused = h.refused_addresses();
    assert!(
        refused
            .iter()
            .any(|(addr, what)| addr.to_string() == "192.0.2.1:9" && what == "TcpConnect"),
        "{refused:?}"
    );
    still_works(&mut h, s, &server).await?;
    assert!(
        h.refused_addresses()
            .iter()
            .all(|(addr, _)| addr.ip().to_string() == "192.0.2.1"),
        "loopback is never refused: {:?}",
        h.refused_addresses()
    );
    Ok(())
}
