//! What `trust-env` reads, honoured by the sockets adapter: the proxy variables with
//! `NO_PROXY`, and `REQUESTS_CA_BUNDLE` (a file the guest reads, so its directory is preopened).

use super::certs::{ClientAuth, Pki, TempDir};
use super::servers::{Mode, RawServer};
use super::tinyproxy::{Tinyproxy, VIA_NAME};
use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_environment_proxy_is_used_unless_no_proxy_names_the_host() -> Result<()> {
    let origin = TestServer::start();
    let proxy = Tinyproxy::start(&[], None);
    let proxy_url = proxy.url("");
    let h = Harness::builder()
        .sockets()
        .envs(&[
            ("HTTP_PROXY", proxy_url.as_str()),
            ("NO_PROXY", "localhost"),
        ])
        .build()
        .await?;
    let (mut h, s, _adapter) = with_sockets_session(h, None).await?;
    // 127.0.0.1 is not in NO_PROXY: through the proxy.
    let json = get_ok(&mut h, s, &origin.url("/headers?via=env"), None).await?;
    let via = json["headers"]["via"].as_str().unwrap_or_default();
    assert!(via.contains(VIA_NAME), "{json}");
    // localhost is: direct.
    let direct = format!("http://localhost:{}/headers", origin.port());
    let json = get_ok(&mut h, s, &direct, None).await?;
    assert_eq!(json["headers"]["via"], serde_json::Value::Null, "{json}");
    // trust-env off: the variables are not read at all.
    session!(h, call_set_trust_env, s, false)??;
    let json = get_ok(&mut h, s, &origin.url("/headers?trust=off"), None).await?;
    assert_eq!(json["headers"]["via"], serde_json::Value::Null, "{json}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_ca_bundle_verifies_https() -> Result<()> {
    let pki = Pki::generate("sockets env test CA");
    let dir = TempDir::new("env-ca");
    let ca_path = dir.write("ca.pem", &pki.ca_pem);
    let server = RawServer::start_tls(
        Mode::KeepAlive { idle_close: None },
        pki.server_config(ClientAuth::None),
    );
    let h = Harness::builder()
        .sockets()
        .preopened_dir(dir.path(), dir.as_str())
        .env("REQUESTS_CA_BUNDLE", ca_path.as_str())
        .build()
        .await?;
    let (mut h, s, _adapter) = with_sockets_session(h, None).await?;
    let json = get_ok(&mut h, s, &server.url("/env-ca"), None).await?;
    assert_eq!(json["tls"], true, "{json}");
    // Without trust-env the default roots apply, which do not know the test CA.
    session!(h, call_set_trust_env, s, false)??;
    let err = h.get(s, &server.url("/no-env"), None).await?.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Tls, "{err:?}");
    Ok(())
}
