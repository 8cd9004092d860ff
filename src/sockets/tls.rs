//! rustls client configurations, one per `verify` and `cert`, made once and
//! kept (a configuration with the Mozilla roots takes a while to build).

use std::io;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Error, Result};
use crate::settings::{ClientCert, Pem, Verify};

/// Configurations kept; the oldest goes when a new one would pass this.
const MAX_CONFIGS: usize = 8;

/// The configurations made so far, by the settings they were made from.
#[derive(Default)]
pub struct Configs {
    made: Vec<Made>,
    next_id: u64,
    roots: Option<Arc<RootCertStore>>,
}

struct Made {
    verify: Verify,
    cert: Option<ClientCert>,
    config: Arc<ClientConfig>,
    id: u64,
}

impl Configs {
    /// The configuration for `verify` and `cert`, and its id (part of a
    /// pooled connection's key: a connection made with one is not reused for another).
    pub fn get(
        &mut self,
        verify: &Verify,
        cert: Option<&ClientCert>,
    ) -> Result<(Arc<ClientConfig>, u64)> {
        if let Some(made) = self
            .made
            .iter()
            .find(|m| &m.verify == verify && m.cert.as_ref() == cert)
        {
            return Ok((made.config.clone(), made.id));
        }
        let config = Arc::new(self.make(verify, cert)?);
        if self.made.len() >= MAX_CONFIGS {
            self.made.remove(0);
        }
        let id = self.next_id;
        self.next_id += 1;
        self.made.push(Made {
            verify: verify.clone(),
            cert: cert.cloned(),
            config: config.clone(),
            id,
        });
        Ok((config, id))
    }

    fn make(&mut self, verify: &Verify, cert: Option<&ClientCert>) -> Result<ClientConfig> {
        let provider = Arc::new(provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Tls(format!("TLS set-up: {e}")))?;
        let builder = match verify {
            Verify::Enabled => builder.with_root_certificates(self.mozilla_roots()),
            Verify::CaBundle(pem) => builder.with_root_certificates(ca_bundle(pem)?),
            Verify::Disabled => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider))),
        };
        let mut config = match cert {
            Some(cert) => {
                let (chain, key) = client_cert(cert)?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| Error::InvalidOption(format!("cert: {e}")))?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }

    /// The Mozilla roots (webpki-roots, as requests ships certifi's).
    fn mozilla_roots(&mut self) -> Arc<RootCertStore> {
        self.roots
            .get_or_insert_with(|| {
                Arc::new(RootCertStore {
                    roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                })
            })
            .clone()
    }
}

/// ring's provider. In wasm, where ring has no AES instructions to use,
/// ChaCha20-Poly1305 goes first: most servers take the client's order when it
/// prefers ChaCha20, and ring's portable AES-GCM is several times slower.
fn provider() -> CryptoProvider {
    let mut provider = rustls::crypto::ring::default_provider();
    if cfg!(target_family = "wasm") {
        provider.cipher_suites.sort_by_key(|suite| {
            !matches!(
                suite.suite(),
                rustls::CipherSuite::TLS13_CHACHA20_POLY1305_SHA256
                    | rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
                    | rustls::CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
            )
        });
    }
    provider
}

/// The PEM text of `pem`: its data, or the file it names (read now).
fn pem_bytes(pem: &Pem, what: &str) -> Result<Vec<u8>> {
    match pem {
        Pem::Data(data) => Ok(data.as_bytes().to_vec()),
        Pem::Path(path) => std::fs::read(path).map_err(|e| {
            Error::InvalidOption(format!(
                "{what}: could not read {path:?}: {e} (in a component, the host must preopen \
                 the file's directory)"
            ))
        }),
    }
}

fn ca_bundle(pem: &Pem) -> Result<Arc<RootCertStore>> {
    let what = match pem {
        Pem::Path(path) => format!("the CA bundle {path:?}"),
        Pem::Data(_) => "the CA bundle".to_string(),
    };
    let bytes = pem_bytes(pem, "verify")?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        let cert = cert.map_err(|e| Error::InvalidOption(format!("verify: {what}: {e}")))?;
        roots.add(cert).map_err(|e| {
            Error::InvalidOption(format!("verify: {what} holds a bad certificate: {e}"))
        })?;
    }
    if roots.is_empty() {
        return Err(Error::InvalidOption(format!(
            "verify: {what} holds no PEM certificate"
        )));
    }
    Ok(Arc::new(roots))
}

/// The certificate chain and private key of `cert` (the key from `cert.key`,
/// or from the certificate's own PEM when it has none).
fn client_cert(
    cert: &ClientCert,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let bytes = pem_bytes(&cert.cert, "cert")?;
    let chain = CertificateDer::pem_slice_iter(&bytes)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::InvalidOption(format!("cert: {e}")))?;
    if chain.is_empty() {
        return Err(Error::InvalidOption(
            "cert: no PEM certificate in the client certificate".into(),
        ));
    }
    let key_bytes = match &cert.key {
        Some(key) => pem_bytes(key, "cert key")?,
        None => bytes,
    };
    let key = PrivateKeyDer::from_pem_slice(&key_bytes)
        .map_err(|e| Error::InvalidOption(format!("cert: no usable PEM private key ({e})")))?;
    Ok((chain, key))
}

/// The reason rustls gave, if `e` carries one.
pub fn rustls_error(e: &io::Error) -> Option<String> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .map(ToString::to_string)
}

/// `verify = false`: any certificate is accepted. The handshake's signatures
/// are still checked, so the peer holds the key of the certificate it sent.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
