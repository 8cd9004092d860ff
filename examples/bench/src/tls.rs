//! TLS for the https cases: the throw-away certificates of `host-tests/tests/fixtures/tls`
//! (ECDSA P-256; `server.pem` is for `127.0.0.1` and `localhost`, issued by `ca.pem`), compiled
//! in, and the rustls configurations of the loopback server and of the native client. rustls
//! uses ring, as the component's own TLS does, so both sides of each case run the same crypto.

use std::sync::Arc;

use anyhow::{Context as _, Result};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// The test CA that issued the server's certificate: what every client trusts.
pub const CA_PEM: &str = include_str!("../../../host-tests/tests/fixtures/tls/ca.pem");
/// The server's certificate (for `127.0.0.1` and `localhost`).
const SERVER_PEM: &str = include_str!("../../../host-tests/tests/fixtures/tls/server.pem");
/// The server's private key.
const SERVER_KEY: &str = include_str!("../../../host-tests/tests/fixtures/tls/server.key");

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The loopback server's configuration: [`SERVER_PEM`], TLS 1.2 and 1.3, ALPN `http/1.1`.
pub fn server_config() -> Result<Arc<ServerConfig>> {
    let chain = CertificateDer::pem_slice_iter(SERVER_PEM.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .context("server.pem")?;
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY.as_bytes()).context("server.key")?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The native client's configuration: [`CA_PEM`] as its only root, as the component's
/// `verify = ca-bundle(data(CA_PEM))` makes its own.
pub fn client_config() -> Result<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for ca in CertificateDer::pem_slice_iter(CA_PEM.as_bytes()) {
        roots.add(ca.context("ca.pem")?)?;
    }
    Ok(ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
