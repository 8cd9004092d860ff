//! Adapters the host implements (`adapter.host(name)`, world `client-with-host`): the pooled
//! hyper-util adapter end to end, the send settings a host adapter receives (where the
//! wasi:http adapter refuses them), failures mapped to error kinds, and `adapter.host` in world
//! `client`. Large bodies through them: `host_adapter_bodies.rs`.

use super::tls::{fixture, fixture_text, ForwardProxy, TlsServer};
use super::*;
use host_tests::host::{
    adapter_fn, failure, host_adapters, AdapterKind, AdapterResponse, Auth, Body, ClientCert,
    Credentials, FailureKind, Pem, Timeout, Verify,
};
use host_tests::pool::PoolAdapter;
use sha2::Digest as _;

/// An instance of the host build with the pooled adapter as `pool` and a recorder as `rec`
/// (it answers 200 with the request it got as JSON), and a session with `pool` mounted on
/// `http://` and `https://`.
pub(super) async fn pool_setup() -> Result<(TestServer, Harness, ResourceAny)> {
    pool_setup_with_env(&[]).await
}

async fn pool_setup_with_env(env: &[(&str, &str)]) -> Result<(TestServer, Harness, ResourceAny)> {
    let server = TestServer::start();
    let mut h = Harness::builder()
        .host_adapter("pool", PoolAdapter::default())
        .host_adapter("rec", recorder())
        .envs(env)
        .build()
        .await?;
    let s = h.session().await?;
    h.mount_host_adapter(s, "http://", "pool").await?;
    h.mount_host_adapter(s, "https://", "pool").await?;
    Ok((server, h, s))
}

/// A host adapter answering 200 with `{"method", "url", "body_len"}` of each request.
pub(super) fn recorder() -> impl host_tests::host::HostAdapter {
    adapter_fn(|request, _settings| {
        let echo = serde_json::json!({
            "method": request.method,
            "url": request.url,
            "body_len": request.body.as_ref().map(Vec::len),
        });
        Ok(AdapterResponse::new(
            200,
            &[("Content-Type", "application/json")],
            echo.to_string(),
        ))
    })
}

/// The `/bytes/N` payload of the fixture.
pub(super) fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

pub(super) fn sha256_hex(data: &[u8]) -> String {
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn send(send: SendOptions) -> RequestOptions {
    RequestOptions {
        send: Some(send),
        ..opts()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pooled_host_adapter_carries_cookies_redirects_auth_and_decoding_end_to_end() -> Result<()>
{
    let (server, mut h, s) = pool_setup().await?;
    let found = session!(h, call_get_adapter, s, &server.url("/get"))??;
    assert_eq!(adapter!(h, call_kind, found)?, AdapterKind::Host);

    // Cookies and a redirect: the adapter sends each hop once; the session follows.
    let r = h
        .get(s, &server.url("/cookies/set?flavour=oat"), None)
        .await??;
    assert_eq!(h.json(r).await?["cookies"]["flavour"], "oat");
    assert_eq!(h.history(r).await?.len(), 1);
    let calls = h.adapters().calls.clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[0].url.ends_with("/cookies/set?flavour=oat"));
    assert!(calls[1].url.ends_with("/cookies"));
    assert!(
        calls[1]
            .headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("cookie") && v == "flavour=oat"),
        "the session sent the jar's cookie on the next hop: {:?}",
        calls[1].headers
    );
    assert!(calls.iter().all(|c| c.adapter == "pool" && c.op == "send"));

    // Basic and Digest auth: the challenge and the retry are two sends.
    let basic = Auth::Basic(Credentials {
        username: "alice".into(),
        password: "secret".into(),
    });
    session!(h, call_set_auth, s, Some(&basic))??;
    let r = h
        .get(s, &server.url("/basic-auth/alice/secret"), None)
        .await??;
    assert_eq!(h.status(r).await?, 200);
    let digest = Auth::Digest(Credentials {
        username: "user".into(),
        password: "pass".into(),
    });
    session!(h, call_set_auth, s, Some(&digest))??;
    h.adapters().calls.clear();
    let r = h
        .get(s, &server.url("/digest-auth/auth/user/pass"), None)
        .await??;
    assert_eq!(h.status(r).await?, 200);
    assert_eq!(h.json(r).await?["authenticated"], true);
    assert_eq!(h.adapters().calls.len(), 2, "the 401 and the answer");
    session!(h, call_set_auth, s, None)??;

    // Decoding is the session's: the adapter hands the gzip bytes over as they came.
    let r = h.get(s, &server.url("/gzip"), None).await??;
    assert_eq!(h.json(r).await?["gzipped"], true);
    let r = h.get(s, &server.url("/brotli"), None).await??;
    assert_eq!(h.json(r).await?["brotli"], true);

    // A JSON body, and the default headers, arrive as the session made them.
    let o = RequestOptions {
        body: Some(Body::Json(r#"{"n": 1}"#.into())),
        ..opts()
    };
    let r = h.post(s, &server.url("/post"), o).await??;
    let echo = h.json(r).await?;
    assert_eq!(echo["json"]["n"], 1);
    assert_eq!(echo["headers"]["content-type"], "application/json");
    assert_eq!(echo["headers"]["user-agent"], "requests-component/0.2.0");

    // Keep-alive: later requests reuse the pooled connection.
    let before = server.connections();
    for _ in 0..3 {
        let r = h.get(s, &server.url("/get"), None).await??;
        h.content(r).await?;
    }
    assert!(
        server.connections() - before <= 1,
        "three requests took {} new connections",
        server.connections() - before
    );
    assert_eq!(h.adapters().open_handles(), 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_adapter_receives_verify_cert_and_proxy_as_set_where_wasi_http_refuses_them(
) -> Result<()> {
    let server = TestServer::start();
    let mut h = Harness::builder()
        .host_adapter("rec", recorder())
        .build()
        .await?;
    let s = h.session().await?;
    h.mount_host_adapter(s, "https://", "rec").await?;
    h.mount_host_adapter(s, "http://", "rec").await?;
    // The same requests through the default wasi:http adapter, in another session.
    let plain = h.session().await?;
    let https = format!("https://127.0.0.1:{}/get", server.port());

    // Nothing set: verify enabled, no cert, no proxy, no timeout.
    h.get(s, &https, None).await??;
    let got = h.adapters().calls.last().expect("a call").settings.clone();
    assert_eq!(got.verify, host_adapters::Verify::Enabled);
    assert_eq!(got.cert, None);
    assert_eq!(got.proxy, None);
    assert_eq!(
        got.timeout,
        host_adapters::Timeout {
            connect_ms: None,
            read_ms: None
        }
    );
    assert!(!got.stream);

    // verify disabled, on the session.
    session!(h, call_set_verify, s, &Verify::Disabled)??;
    h.get(s, &https, None).await??;
    let got = h.adapters().calls.last().expect("a call").settings.clone();
    assert_eq!(got.verify, host_adapters::Verify::Disabled);
    session!(h, call_set_verify, s, &Verify::Enabled)??;
    let disabled = send(SendOptions {
        verify: Some(Verify::Disabled),
        ..send_opts()
    });
    let err = h
        .get(plain, &https, disabled.clone())
        .await?
        .expect_kind(ErrorKind::Unsupported);
    assert!(err.message.contains("verify"), "{err:?}");

    // A CA bundle by path and as data, per request.
    for (pem, wire) in [
        (
            Pem::Path("/etc/ssl/ca.pem".into()),
            host_adapters::Pem::Path("/etc/ssl/ca.pem".into()),
        ),
        (
            Pem::Data(fixture_text("ca.pem")),
            host_adapters::Pem::Data(fixture_text("ca.pem")),
        ),
    ] {
        let o = send(SendOptions {
            verify: Some(Verify::CaBundle(pem)),
            ..send_opts()
        });
        h.get(s, &https, o.clone()).await??;
        let got = h.adapters().calls.last().expect("a call").settings.clone();
        assert_eq!(got.verify, host_adapters::Verify::CaBundle(wire));
        h.get(plain, &https, o)
            .await?
            .expect_kind(ErrorKind::Unsupported);
    }

    // A client certificate with a separate key, and the stream flag and a timeout.
    let cert = ClientCert {
        cert: Pem::Path("/etc/ssl/client.pem".into()),
        key: Some(Pem::Data("-----BEGIN PRIVATE KEY-----\nAAAA\n".into())),
    };
    let o = send(SendOptions {
        cert: Some(cert.clone()),
        stream: Some(true),
        timeout: Some(Timeout {
            connect_ms: Some(1500),
            read_ms: Some(2500),
        }),
        ..send_opts()
    });
    let r = h.get(s, &https, o.clone()).await??;
    h.content(r).await?;
    let got = h.adapters().calls.last().expect("a call").settings.clone();
    assert_eq!(
        got.cert,
        Some(host_adapters::ClientCert {
            cert: host_adapters::Pem::Path("/etc/ssl/client.pem".into()),
            key: Some(host_adapters::Pem::Data(
                "-----BEGIN PRIVATE KEY-----\nAAAA\n".into()
            )),
        })
    );
    assert!(got.stream);
    assert_eq!(
        got.timeout,
        host_adapters::Timeout {
            connect_ms: Some(1500),
            read_ms: Some(2500)
        }
    );
    let err = h
        .get(plain, &https, o)
        .await?
        .expect_kind(ErrorKind::Unsupported);
    assert!(err.message.contains("cert"), "{err:?}");

    // A proxy from `proxies`, credentials included, for http and https alike.
    let proxy = "http://user:p%40ss@127.0.0.1:3128";
    for target in [https.clone(), server.url("/get")] {
        let o = send(SendOptions {
            proxies: Some(pairs(&[("all", proxy)])),
            ..send_opts()
        });
        h.get(s, &target, o.clone()).await??;
        let got = h.adapters().calls.last().expect("a call").settings.clone();
        assert_eq!(got.proxy.as_deref(), Some(proxy), "{target}");
        let err = h
            .get(plain, &target, o)
            .await?
            .expect_kind(ErrorKind::Unsupported);
        assert!(
            err.message.contains("proxy") && !err.message.contains("p%40ss"),
            "{err:?}"
        );
    }
    // Only the matching scheme's proxy applies.
    session!(h, call_set_proxies, s, &pairs(&[("https", proxy)]))??;
    h.get(s, &server.url("/get"), None).await??;
    assert_eq!(
        h.adapters().calls.last().expect("a call").settings.proxy,
        None
    );
    h.get(s, &https, None).await??;
    assert_eq!(
        h.adapters()
            .calls
            .last()
            .expect("a call")
            .settings
            .proxy
            .as_deref(),
        Some(proxy)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_adapter_receives_the_environments_proxy_and_ca_bundle() -> Result<()> {
    let server = TestServer::start();
    let mut h = Harness::builder()
        .host_adapter("rec", recorder())
        .envs(&[
            ("HTTPS_PROXY", "http://env:secret@127.0.0.1:3129"),
            ("http_proxy", "http://127.0.0.1:3130"),
            ("NO_PROXY", "127.0.0.2"),
            ("REQUESTS_CA_BUNDLE", "/etc/ssl/env-ca.pem"),
        ])
        .build()
        .await?;
    let s = h.session().await?;
    h.mount_host_adapter(s, "https://", "rec").await?;
    h.mount_host_adapter(s, "http://", "rec").await?;
    let https = format!("https://127.0.0.1:{}/get", server.port());

    h.get(s, &https, None).await??;
    let got = h.adapters().calls.last().expect("a call").settings.clone();
    assert_eq!(
        got.proxy.as_deref(),
        Some("http://env:secret@127.0.0.1:3129")
    );
    assert_eq!(
        got.verify,
        host_adapters::Verify::CaBundle(host_adapters::Pem::Path("/etc/ssl/env-ca.pem".into()))
    );
    h.get(s, &server.url("/get"), None).await??;
    let got = h.adapters().calls.last().expect("a call").settings.clone();
    assert_eq!(got.proxy.as_deref(), Some("http://127.0.0.1:3130"));
    // NO_PROXY bypasses; an explicit verify beats the environment's bundle.
    let o = send(SendOptions {
        verify: Some(Verify::Disabled),
        ..send_opts()
    });
    h.get(s, &server.alt_url("/get"), o).await??;
    let got = h.adapters().calls.last().expect("a call").settings.clone();
    assert_eq!(got.proxy, None);
    assert_eq!(got.verify, host_adapters::Verify::Disabled);
    // Without trust-env the environment is not consulted.
    session!(h, call_set_trust_env, s, false)??;
    h.get(s, &https, None).await??;
    let got = h.adapters().calls.last().expect("a call").settings.clone();
    assert_eq!(got.proxy, None);
    assert_eq!(got.verify, host_adapters::Verify::Enabled);
    // The default wasi:http adapter refuses the same requests by name.
    let plain = h.session().await?;
    let err = h
        .get(plain, &https, None)
        .await?
        .expect_kind(ErrorKind::Unsupported);
    assert!(
        err.message.contains("REQUESTS_CA_BUNDLE") || err.message.contains("HTTPS_PROXY"),
        "{err:?}"
    );
    let err = h
        .get(plain, &server.url("/get"), None)
        .await?
        .expect_kind(ErrorKind::Unsupported);
    assert!(
        err.message.contains("http_proxy") || err.message.contains("HTTP_PROXY"),
        "{err:?}"
    );
    // The session reports the same merge.
    session!(h, call_set_trust_env, s, true)??;
    let merged = session!(h, call_merge_environment_settings, s, &https, None)??;
    // `proxy` is documented as the URL "without userinfo"; the session masks it instead.
    let shown = merged.proxy.expect("a proxy");
    assert!(
        shown.starts_with("http://")
            && shown.ends_with("127.0.0.1:3129")
            && !shown.contains("secret"),
        "{shown}"
    );
    assert_eq!(
        merged.verify,
        Verify::CaBundle(Pem::Path("/etc/ssl/env-ca.pem".into()))
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pooled_adapter_verifies_with_a_ca_bundle_or_not_at_all_and_presents_a_client_cert(
) -> Result<()> {
    let (_server, mut h, s) = pool_setup().await?;
    let tls = TlsServer::start(true);
    let url = tls.url("/hello");

    // The webpki roots do not know the test CA.
    let err = h.get(s, &url, None).await?.expect_kind(ErrorKind::Tls);
    assert_eq!(err.url.as_deref(), Some(url.as_str()), "{err:?}");
    assert!(err.message.ends_with(&format!("({url})")), "{err:?}");

    // The test CA, by path and as data, per request and on the session.
    for pem in [
        Pem::Path(fixture("ca.pem")),
        Pem::Data(fixture_text("ca.pem")),
    ] {
        let o = send(SendOptions {
            verify: Some(Verify::CaBundle(pem)),
            ..send_opts()
        });
        let r = h.get(s, &url, o).await??;
        let echo = h.json(r).await?;
        assert_eq!(echo["tls"], true);
        assert_eq!(echo["path"], "/hello");
        assert_eq!(echo["client_cert"], serde_json::Value::Null);
    }
    // Another CA's bundle does not verify it.
    let o = send(SendOptions {
        verify: Some(Verify::CaBundle(Pem::Path(fixture("other-ca.pem")))),
        ..send_opts()
    });
    h.get(s, &url, o).await?.expect_kind(ErrorKind::Tls);
    // A bundle that cannot be read is a tls error naming it.
    let o = send(SendOptions {
        verify: Some(Verify::CaBundle(Pem::Path("/nonexistent/ca.pem".into()))),
        ..send_opts()
    });
    let err = h.get(s, &url, o).await?.expect_kind(ErrorKind::Tls);
    assert!(err.message.contains("/nonexistent/ca.pem"), "{err:?}");

    // verify disabled accepts the unknown issuer.
    session!(h, call_set_verify, s, &Verify::Disabled)??;
    let r = h.get(s, &url, None).await??;
    assert_eq!(h.json(r).await?["tls"], true);

    // A client certificate, with its key apart or in the same PEM.
    session!(
        h,
        call_set_verify,
        s,
        &Verify::CaBundle(Pem::Path(fixture("ca.pem")))
    )??;
    for cert in [
        ClientCert {
            cert: Pem::Path(fixture("client.pem")),
            key: Some(Pem::Path(fixture("client.key"))),
        },
        ClientCert {
            cert: Pem::Data(fixture_text("client-with-key.pem")),
            key: None,
        },
    ] {
        session!(h, call_set_cert, s, Some(&cert))??;
        let r = h.get(s, &url, None).await??;
        assert_eq!(
            h.json(r).await?["client_cert"],
            "requests-component test client"
        );
    }
    // A certificate without a key cannot be presented.
    let lone = ClientCert {
        cert: Pem::Path(fixture("client.pem")),
        key: None,
    };
    session!(h, call_set_cert, s, Some(&lone))??;
    let err = h.get(s, &url, None).await?.expect_kind(ErrorKind::Tls);
    assert!(err.message.contains("private key"), "{err:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pooled_adapter_forwards_http_through_a_proxy_and_refuses_what_it_cannot() -> Result<()>
{
    let proxy = ForwardProxy::start();
    let (server, mut h, s) = pool_setup().await?;
    let through = proxy.url("user:p%40ss@");
    session!(h, call_set_proxies, s, &pairs(&[("http", &through)]))??;
    let r = h
        .get(s, &server.url("/cookies/set?via=proxy"), None)
        .await??;
    assert_eq!(h.json(r).await?["cookies"]["via"], "proxy");
    let seen = proxy.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen[0].line,
        format!("GET {} HTTP/1.1", server.url("/cookies/set?via=proxy")),
        "absolute form"
    );
    assert_eq!(seen[0].authorization.as_deref(), Some("Basic dXNlcjpwQHNz"));

    // https through a proxy needs a CONNECT tunnel: refused by name, not ignored.
    let tls = TlsServer::start(false);
    session!(h, call_set_proxies, s, &pairs(&[("all", &through)]))??;
    let err = h
        .get(s, &tls.url("/"), None)
        .await?
        .expect_kind(ErrorKind::Unsupported);
    assert!(err.message.contains("CONNECT"), "{err:?}");
    assert!(!err.message.contains("p%40ss"), "{err:?}");
    session!(
        h,
        call_set_proxies,
        s,
        &pairs(&[("http", "socks5://127.0.0.1:1080")])
    )??;
    let err = h
        .get(s, &server.url("/get"), None)
        .await?
        .expect_kind(ErrorKind::Unsupported);
    assert!(err.message.contains("socks5"), "{err:?}");

    // A proxy that refuses connections is the proxy's error.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let dead = format!("http://127.0.0.1:{port}");
    session!(h, call_set_proxies, s, &pairs(&[("http", &dead)]))??;
    let err = h
        .get(s, &server.url("/get"), None)
        .await?
        .expect_kind(ErrorKind::Proxy);
    assert_eq!(err.url.as_deref(), Some(server.url("/get").as_str()));
    session!(h, call_set_proxies, s, &[])??;
    assert_still_works(&mut h, s, &server).await?;

    // The environment's proxy goes the same way.
    let env_proxy = proxy.url("");
    let (server, mut h, s) = pool_setup_with_env(&[("HTTP_PROXY", &env_proxy)]).await?;
    let before = proxy.seen().len();
    let r = h.get(s, &server.url("/get?env=1"), None).await??;
    assert_eq!(h.json(r).await?["args"]["env"], "1");
    let seen = proxy.seen();
    assert_eq!(seen.len(), before + 1);
    assert_eq!(seen[before].authorization, None);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn host_adapter_failures_map_to_error_kinds_and_the_session_keeps_working() -> Result<()> {
    let kinds = [
        (FailureKind::ConnectionRefused, ErrorKind::ConnectionRefused),
        (FailureKind::Connection, ErrorKind::Connection),
        (FailureKind::Dns, ErrorKind::Dns),
        (FailureKind::Tls, ErrorKind::Tls),
        (FailureKind::Proxy, ErrorKind::Proxy),
        (FailureKind::ConnectTimeout, ErrorKind::ConnectTimeout),
        (FailureKind::ReadTimeout, ErrorKind::ReadTimeout),
        (FailureKind::Unsupported, ErrorKind::Unsupported),
        (FailureKind::InvalidHeader, ErrorKind::InvalidHeader),
        (FailureKind::InvalidUrl, ErrorKind::InvalidUrl),
        (FailureKind::Other, ErrorKind::Transport),
    ];
    let table = kinds;
    let mut h = Harness::builder()
        .host_adapter(
            "flaky",
            adapter_fn(move |request, _| {
                let path = request.url.rsplit('/').next().unwrap_or_default();
                match path.parse::<usize>().ok().and_then(|i| table.get(i)) {
                    Some((kind, _)) => Err(failure(*kind, format!("adapter failure {kind:?}"))),
                    None if path == "bad-status" => Ok(AdapterResponse::new(1000, &[], "")),
                    None => Ok(AdapterResponse::new(200, &[], "fine")),
                }
            }),
        )
        .build()
        .await?;
    let s = h.session().await?;
    h.mount_host_adapter(s, "mock://", "flaky").await?;
    for (i, (failure_kind, error_kind)) in kinds.iter().enumerate() {
        let url = format!("mock://api.test/{i}");
        let err = h.get(s, &url, None).await?.expect_kind(*error_kind);
        assert!(
            err.message
                .contains(&format!("adapter failure {failure_kind:?}")),
            "{err:?}"
        );
        // Every failure names the URL (in `url`, and at the end of the message).
        assert_eq!(err.url.as_deref(), Some(url.as_str()), "{err:?}");
        assert!(err.message.ends_with(&format!(" ({url})")), "{err:?}");
        if *failure_kind == FailureKind::Other {
            assert_eq!(err.code.as_deref(), Some("host-adapter"), "{err:?}");
        }
        let r = h.get(s, "mock://api.test/ok", None).await??;
        assert_eq!(h.text(r).await?, "fine", "after {failure_kind:?}");
    }
    // A status outside 100-999 is the adapter's protocol error, not a trap.
    let err = h
        .get(s, "mock://api.test/bad-status", None)
        .await?
        .expect_kind(ErrorKind::Transport);
    assert_eq!(err.code.as_deref(), Some("HTTP-protocol-error"), "{err:?}");
    // A name the host never registered fails each request, typed.
    let ghost = h.host_adapter("ghost").await??;
    assert_eq!(adapter!(h, call_kind, ghost)?, AdapterKind::Host);
    h.mount(s, "ghost://", ghost).await??;
    let err = h
        .get(s, "ghost://x/", None)
        .await?
        .expect_kind(ErrorKind::Transport);
    assert!(err.message.contains("ghost"), "{err:?}");
    assert_eq!(err.url.as_deref(), Some("ghost://x/"), "{err:?}");
    // An empty name is refused up front.
    h.host_adapter("")
        .await?
        .expect_kind(ErrorKind::InvalidOption);
    // A closed host adapter answers session-closed without calling the host.
    let flaky = session!(h, call_get_adapter, s, "mock://api.test/ok")??;
    adapter!(h, call_close, flaky)?;
    let calls = h.adapters().calls.len();
    h.get(s, "mock://api.test/ok", None)
        .await?
        .expect_kind(ErrorKind::SessionClosed);
    assert_eq!(h.adapters().calls.len(), calls);
    assert_eq!(h.adapters().open_handles(), 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn adapter_host_is_unsupported_in_world_client() -> Result<()> {
    let (_server, mut h, s) = setup().await?;
    let err = h
        .host_adapter("pool")
        .await?
        .expect_kind(ErrorKind::Unsupported);
    assert!(err.message.contains("client-with-host"), "{err:?}");
    let found = session!(h, call_get_adapter, s, "http://x/")??;
    assert_eq!(adapter!(h, call_kind, found)?, AdapterKind::WasiHttp);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_policy_for_gives_the_components_default_policy_with_that_total() -> Result<()> {
    let (_server, mut h, s) = setup().await?;
    let types = h.client.requests_http_types();
    let policy = types.call_retry_policy_for(&mut h.store, 3).await?;
    assert_eq!(
        policy,
        host_tests::host::RetryPolicy {
            total: 3,
            connect: None,
            read: None,
            status: None,
            backoff_factor_ms: 100,
            backoff_max_ms: 10_000,
            backoff_jitter_ms: 50,
            status_forcelist: Vec::new(),
            allowed_methods: None,
            respect_retry_after: true,
            retry_after_max_ms: 30_000,
        }
    );
    let zero = types.call_retry_policy_for(&mut h.store, 0).await?;
    assert_eq!(zero.total, 0);
    assert_eq!(
        host_tests::host::RetryPolicy { total: 3, ..zero },
        policy,
        "only the total differs"
    );
    // The session takes it as it is.
    session!(h, call_set_retries, s, Some(&policy))??;
    assert_eq!(session!(h, call_retries, s)?, Some(policy));
    Ok(())
}
