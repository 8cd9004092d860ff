//! TLS (rustls with ring in the guest) against a rustls loopback server whose certificates
//! are made at run time: `verify` with the CA as PEM data and as a file, refused by default
//! (the Mozilla roots do not know the test CA) and with another CA, accepted with
//! `verify = disabled`; `cert` for a server that requires a client certificate; keep-alive
//! over TLS, and no connection reused across TLS settings.

use super::certs::{ClientAuth, Pki, TempDir};
use super::servers::{Mode, RawServer};
use super::*;
use host_tests::host::{ClientCert, Pem, Verify};

const KEEP_ALIVE: Mode = Mode::KeepAlive { idle_close: None };

fn verify(v: Verify) -> Option<RequestOptions> {
    with_send(SendOptions {
        verify: Some(v),
        ..send_opts()
    })
}

fn ca_data(pki: &Pki) -> Verify {
    Verify::CaBundle(Pem::Data(pki.ca_pem.clone()))
}

#[tokio::test(flavor = "multi_thread")]
async fn verified_with_the_ca_given_as_pem_data() -> Result<()> {
    let pki = Pki::generate("sockets test CA");
    let server = RawServer::start_tls(KEEP_ALIVE, pki.server_config(ClientAuth::None));
    let (mut h, s, _adapter) = sockets_session(None).await?;
    // Per request, then as the session's setting.
    let json = get_ok(
        &mut h,
        s,
        &server.url("/per-request"),
        verify(ca_data(&pki)),
    )
    .await?;
    assert_eq!(json["tls"], true, "{json}");
    assert_eq!(json["target"], "/per-request", "{json}");
    session!(h, call_set_verify, s, &ca_data(&pki))??;
    let json = get_ok(&mut h, s, &server.url("/session"), None).await?;
    assert_eq!(json["target"], "/session", "{json}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn verified_with_the_ca_given_as_a_file_path() -> Result<()> {
    let pki = Pki::generate("sockets test CA");
    let dir = TempDir::new("ca");
    let ca_path = dir.write("ca.pem", &pki.ca_pem);
    let server = RawServer::start_tls(KEEP_ALIVE, pki.server_config(ClientAuth::None));
    // The guest reads the path itself: the directory is preopened at the same path.
    let h = Harness::builder()
        .sockets()
        .preopened_dir(dir.path(), dir.as_str())
        .build()
        .await?;
    let (mut h, s, _adapter) = with_sockets_session(h, None).await?;
    let by_path = Verify::CaBundle(Pem::Path(ca_path.clone()));
    let json = get_ok(&mut h, s, &server.url("/by-path"), verify(by_path)).await?;
    assert_eq!(json["tls"], true, "{json}");
    // A path the guest cannot read is an error, not a trap, and not a silent fallback.
    let missing = Verify::CaBundle(Pem::Path(format!("{}/missing.pem", dir.as_str())));
    let result = h.get(s, &server.url("/missing"), verify(missing)).await?;
    assert!(result.is_err(), "a missing CA bundle must fail: {result:?}");
    let json = get_ok(
        &mut h,
        s,
        &server.url("/again"),
        verify(by_path_of(&ca_path)),
    )
    .await?;
    assert_eq!(json["target"], "/again", "{json}");
    Ok(())
}

fn by_path_of(path: &str) -> Verify {
    Verify::CaBundle(Pem::Path(path.to_string()))
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_without_the_ca_and_with_another_ca() -> Result<()> {
    let pki = Pki::generate("sockets test CA");
    let other = Pki::generate("another CA");
    let server = RawServer::start_tls(KEEP_ALIVE, pki.server_config(ClientAuth::None));
    let fallback = TestServer::start();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    // The default roots (Mozilla's, compiled in) do not include the test CA.
    let err = h
        .get(s, &server.url("/default-roots"), None)
        .await?
        .expect_kind(ErrorKind::Tls);
    assert_eq!(
        err.url.as_deref(),
        Some(server.url("/default-roots").as_str())
    );
    still_works(&mut h, s, &fallback).await?;
    h.get(s, &server.url("/other-ca"), verify(ca_data(&other)))
        .await?
        .expect_kind(ErrorKind::Tls);
    still_works(&mut h, s, &fallback).await?;
    assert!(
        server.seen().is_empty(),
        "no request may cross a refused handshake: {:?}",
        server.seen()
    );
    // The right CA still works on the same session.
    get_ok(&mut h, s, &server.url("/right-ca"), verify(ca_data(&pki))).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn accepted_with_verify_disabled() -> Result<()> {
    let pki = Pki::generate("sockets test CA");
    let server = RawServer::start_tls(KEEP_ALIVE, pki.server_config(ClientAuth::None));
    let (mut h, s, _adapter) = sockets_session(None).await?;
    let json = get_ok(
        &mut h,
        s,
        &server.url("/insecure"),
        verify(Verify::Disabled),
    )
    .await?;
    assert_eq!(json["tls"], true, "{json}");
    session!(h, call_set_verify, s, &Verify::Disabled)??;
    get_ok(&mut h, s, &server.url("/insecure-session"), None).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_made_without_verification_is_not_reused_with_it() -> Result<()> {
    let pki = Pki::generate("sockets test CA");
    let server = RawServer::start_tls(KEEP_ALIVE, pki.server_config(ClientAuth::None));
    let (mut h, s, _adapter) = sockets_session(None).await?;
    get_ok(
        &mut h,
        s,
        &server.url("/unverified"),
        verify(Verify::Disabled),
    )
    .await?;
    // The pooled connection was never verified: a request that asks for verification must
    // make its own, and be refused.
    h.get(s, &server.url("/verified"), None)
        .await?
        .expect_kind(ErrorKind::Tls);
    assert!(
        server.seen_with("/verified").is_empty(),
        "{:?}",
        server.seen()
    );
    // With the CA, a new connection again (another TLS setting), and it is kept for itself.
    get_ok(&mut h, s, &server.url("/with-ca-1"), verify(ca_data(&pki))).await?;
    get_ok(&mut h, s, &server.url("/with-ca-2"), verify(ca_data(&pki))).await?;
    let conns: Vec<_> = server
        .seen()
        .iter()
        .map(|r| (r.target.clone(), r.conn))
        .collect();
    assert_eq!(conns[0].1, 1, "{conns:?}");
    assert_ne!(conns[1].1, 1, "{conns:?}");
    assert_eq!(conns[1].1, conns[2].1, "{conns:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_over_tls_share_one_connection() -> Result<()> {
    let pki = Pki::generate("sockets test CA");
    let server = RawServer::start_tls(KEEP_ALIVE, pki.server_config(ClientAuth::None));
    let (mut h, s, _adapter) = sockets_session(None).await?;
    session!(h, call_set_verify, s, &ca_data(&pki))??;
    for n in 0..5 {
        let json = get_ok(&mut h, s, &server.url(&format!("/n/{n}")), None).await?;
        assert_eq!(json["nth"], n + 1, "{json}");
    }
    let posted = RequestOptions {
        body: Some(host_tests::host::Body::Bytes(vec![7; 100_000])),
        ..opts()
    };
    let r = h.post(s, &server.url("/upload"), posted).await??;
    assert_eq!(h.json(r).await?["body_len"], 100_000);
    get_ok(&mut h, s, &server.url("/last"), None).await?;
    assert_eq!(server.connections(), 1, "{:?}", server.errors());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_requiring_a_client_certificate_accepts_cert() -> Result<()> {
    let pki = Pki::generate("sockets test CA");
    let server = RawServer::start_tls(KEEP_ALIVE, pki.server_config(ClientAuth::Required));
    let dir = TempDir::new("client-cert");
    let combined = dir.write("client.pem", &pki.client_pem_with_key());
    let h = Harness::builder()
        .sockets()
        .preopened_dir(dir.path(), dir.as_str())
        .build()
        .await?;
    let (mut h, s, _adapter) = with_sockets_session(h, None).await?;
    session!(h, call_set_verify, s, &ca_data(&pki))??;
    // The certificate and its key apart, as PEM data.
    let apart = ClientCert {
        cert: Pem::Data(pki.client_cert_pem.clone()),
        key: Some(Pem::Data(pki.client_key_pem.clone())),
    };
    session!(h, call_set_cert, s, Some(&apart))??;
    let json = get_ok(&mut h, s, &server.url("/mtls-data"), None).await?;
    assert_eq!(json["client_cert"], true, "{json}");
    // Both in one file, given by path, per request.
    let together = ClientCert {
        cert: Pem::Path(combined),
        key: None,
    };
    session!(h, call_set_cert, s, None)??;
    let options = with_send(SendOptions {
        cert: Some(together),
        ..send_opts()
    });
    let json = get_ok(&mut h, s, &server.url("/mtls-path"), options).await?;
    assert_eq!(json["client_cert"], true, "{json}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_requiring_a_client_certificate_refuses_a_client_without() -> Result<()> {
    let pki = Pki::generate("sockets test CA");
    let server = RawServer::start_tls(KEEP_ALIVE, pki.server_config(ClientAuth::Required));
    let fallback = TestServer::start();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    session!(h, call_set_verify, s, &ca_data(&pki))??;
    // With TLS 1.3 the client may finish its handshake before the server refuses it, so the
    // refusal (an alert) can come while the request is written or its answer read.
    let err = expect_one_of(
        h.get(s, &server.url("/no-cert"), None).await?,
        &[ErrorKind::Tls, ErrorKind::Connection],
    );
    assert_eq!(err.url.as_deref(), Some(server.url("/no-cert").as_str()));
    assert!(
        server.seen_with("/no-cert").is_empty(),
        "the server must not have answered a client without a certificate: {:?}",
        server.seen()
    );
    still_works(&mut h, s, &fallback).await?;
    // A client certificate from another CA is refused too.
    let other = Pki::generate("another CA");
    let foreign = ClientCert {
        cert: Pem::Data(other.client_cert_pem.clone()),
        key: Some(Pem::Data(other.client_key_pem.clone())),
    };
    let options = with_send(SendOptions {
        cert: Some(foreign),
        ..send_opts()
    });
    expect_one_of(
        h.get(s, &server.url("/foreign-cert"), options).await?,
        &[ErrorKind::Tls, ErrorKind::Connection],
    );
    still_works(&mut h, s, &fallback).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn names_are_looked_up_and_checked_against_the_certificate() -> Result<()> {
    let pki = Pki::generate("sockets test CA");
    let server = RawServer::start_tls(KEEP_ALIVE, pki.server_config(ClientAuth::None));
    let plain = TestServer::start();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    // `localhost` through wasi:sockets/ip-name-lookup (the listeners are on 127.0.0.1 only,
    // so a client that tries ::1 first must go on to the next address).
    let url = format!("http://localhost:{}/get?by=name", plain.port());
    let json = get_ok(&mut h, s, &url, None).await?;
    assert_eq!(json["args"]["by"], "name", "{json}");
    let url = format!("https://localhost:{}/by-name", server.port());
    let json = get_ok(&mut h, s, &url, verify(ca_data(&pki))).await?;
    assert_eq!(json["tls"], true, "{json}");
    // A server on 127.0.0.2 with the same certificate, which names localhost and 127.0.0.1
    // only: trusted issuer, wrong name.
    let elsewhere = RawServer::start_tls_at(
        KEEP_ALIVE,
        pki.server_config(ClientAuth::None),
        [127, 0, 0, 2],
    );
    let url = elsewhere.url("/wrong-name");
    assert!(url.starts_with("https://127.0.0.2:"), "{url}");
    h.get(s, &url, verify(ca_data(&pki)))
        .await?
        .expect_kind(ErrorKind::Tls);
    assert!(elsewhere.seen().is_empty(), "{:?}", elsewhere.seen());
    get_ok(&mut h, s, &server.url("/after"), verify(ca_data(&pki))).await?;
    Ok(())
}
