//! `http://` proxies from the session's `proxies`, through a real forward proxy (tinyproxy):
//! an http URL is sent to the proxy in absolute form, an https URL through a CONNECT tunnel;
//! the credentials of the proxy URL go to the proxy only, as `Proxy-Authorization`.

use super::certs::{ClientAuth, Pki};
use super::servers::{Mode, RawServer};
use super::tinyproxy::{Tinyproxy, VIA_NAME};
use super::*;
use host_tests::host::{Pem, Verify};

/// The echoed request headers of a `TestServer` `/headers` answer (lower-case names).
fn echoed_header<'a>(json: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    json["headers"][name].as_str()
}

async fn set_proxies(h: &mut Harness, s: ResourceAny, proxies: &[(&str, &str)]) -> Result<()> {
    session!(h, call_set_proxies, s, &pairs(proxies))??;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_http_url_goes_through_the_proxy_in_absolute_form() -> Result<()> {
    let origin = TestServer::start();
    let proxy = Tinyproxy::start(&[], None);
    let (mut h, s, _adapter) = sockets_session(None).await?;
    set_proxies(&mut h, s, &[("http", &proxy.url(""))]).await?;
    for n in 0..2 {
        let json = get_ok(&mut h, s, &origin.url(&format!("/headers?n={n}")), None).await?;
        let via = echoed_header(&json, "via").unwrap_or_default();
        assert!(
            via.contains(VIA_NAME),
            "the origin should see the proxy's Via header: {json}"
        );
        assert_eq!(echoed_header(&json, "proxy-authorization"), None, "{json}");
    }
    let log = proxy.log();
    assert!(
        log.contains(&format!("GET {}", origin.url("/headers?n=0"))),
        "the proxy should have been asked for the absolute URL; its log:\n{log}"
    );
    // Without the proxy setting, the same session goes direct.
    set_proxies(&mut h, s, &[]).await?;
    let json = get_ok(&mut h, s, &origin.url("/headers?direct=1"), None).await?;
    assert_eq!(echoed_header(&json, "via"), None, "{json}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_https_url_goes_through_a_connect_tunnel() -> Result<()> {
    let pki = Pki::generate("sockets proxy test CA");
    let origin = RawServer::start_tls(
        Mode::KeepAlive { idle_close: None },
        pki.server_config(ClientAuth::None),
    );
    let proxy = Tinyproxy::start(&[origin.port()], None);
    let (mut h, s, _adapter) = sockets_session(None).await?;
    set_proxies(&mut h, s, &[("https", &proxy.url(""))]).await?;
    session!(
        h,
        call_set_verify,
        s,
        &Verify::CaBundle(Pem::Data(pki.ca_pem.clone()))
    )??;
    for n in 0..3 {
        let json = get_ok(&mut h, s, &origin.url(&format!("/tunnel/{n}")), None).await?;
        assert_eq!(json["tls"], true, "{json}");
        assert_eq!(
            json["headers"]["proxy-authorization"],
            serde_json::Value::Null
        );
    }
    let log = proxy.log();
    assert!(
        log.contains(&format!("CONNECT 127.0.0.1:{}", origin.port())),
        "the proxy should have been asked to CONNECT; its log:\n{log}"
    );
    assert_eq!(
        origin.connections(),
        1,
        "requests through one tunnel share it (pooled like any connection)"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_credentials_go_to_the_proxy_only() -> Result<()> {
    let origin = TestServer::start();
    let pki = Pki::generate("sockets proxy test CA");
    let tls_origin = RawServer::start_tls(
        Mode::KeepAlive { idle_close: None },
        pki.server_config(ClientAuth::None),
    );
    // (tinyproxy's configuration takes letters, digits and `_` in credentials.)
    let proxy = Tinyproxy::start(&[tls_origin.port()], Some(("user", "pass_1")));
    let (mut h, s, _adapter) = sockets_session(None).await?;
    let with_credentials = proxy.url("user:pass_1@");
    set_proxies(
        &mut h,
        s,
        &[("http", &with_credentials), ("https", &with_credentials)],
    )
    .await?;
    session!(
        h,
        call_set_verify,
        s,
        &Verify::CaBundle(Pem::Data(pki.ca_pem.clone()))
    )??;
    let json = get_ok(&mut h, s, &origin.url("/headers?creds=1"), None).await?;
    assert!(
        echoed_header(&json, "via")
            .unwrap_or_default()
            .contains(VIA_NAME),
        "{json}"
    );
    assert_eq!(echoed_header(&json, "proxy-authorization"), None, "{json}");
    assert_eq!(echoed_header(&json, "authorization"), None, "{json}");
    let json = get_ok(&mut h, s, &tls_origin.url("/tunnel-with-creds"), None).await?;
    assert_eq!(json["tls"], true, "{json}");
    let seen = tls_origin.seen_with("/tunnel-with-creds");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("proxy-authorization"), None, "{seen:?}");
    assert_eq!(seen[0].header("authorization"), None, "{seen:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proxy_that_requires_credentials_refuses_a_request_without() -> Result<()> {
    let origin = TestServer::start();
    let pki = Pki::generate("sockets proxy test CA");
    let tls_origin = RawServer::start_tls(
        Mode::KeepAlive { idle_close: None },
        pki.server_config(ClientAuth::None),
    );
    let proxy = Tinyproxy::start(&[tls_origin.port()], Some(("user", "pass")));
    let (mut h, s, _adapter) = sockets_session(None).await?;
    session!(
        h,
        call_set_verify,
        s,
        &Verify::CaBundle(Pem::Data(pki.ca_pem.clone()))
    )??;
    // tinyproxy answers 407 to a request without credentials, 401 to wrong ones.
    for (userinfo, refusal) in [("", 407), ("user:wrong@", 401)] {
        set_proxies(
            &mut h,
            s,
            &[
                ("http", &proxy.url(userinfo)),
                ("https", &proxy.url(userinfo)),
            ],
        )
        .await?;
        // https: the CONNECT is refused, so there is no tunnel: requests' ProxyError.
        let url = tls_origin.url("/refused");
        let err = h.get(s, &url, None).await?.expect_kind(ErrorKind::Proxy);
        assert!(
            !err.message.contains("wrong"),
            "messages never carry credentials: {err:?}"
        );
        // http: requests hands back the proxy's answer; a `proxy` error is as good.
        match h.get(s, &origin.url("/get?refused=1"), None).await? {
            Ok(r) => assert_eq!(h.status(r).await?, refusal, "{userinfo:?}"),
            Err(err) => assert_eq!(err.kind, ErrorKind::Proxy, "{userinfo:?}: {err:?}"),
        }
    }
    assert!(tls_origin.seen().is_empty(), "{:?}", tls_origin.seen());
    // Without proxies the same session still works.
    set_proxies(&mut h, s, &[]).await?;
    still_works(&mut h, s, &origin).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proxy_that_cannot_be_reached_is_a_proxy_error() -> Result<()> {
    let origin = TestServer::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let (mut h, s, _adapter) = sockets_session(None).await?;
    set_proxies(
        &mut h,
        s,
        &[("http", &format!("http://127.0.0.1:{closed}"))],
    )
    .await?;
    // requests: ProxyError('Unable to connect to proxy', ...).
    h.get(s, &origin.url("/get?via=closed-proxy"), None)
        .await?
        .expect_kind(ErrorKind::Proxy);
    set_proxies(&mut h, s, &[]).await?;
    still_works(&mut h, s, &origin).await?;
    Ok(())
}
