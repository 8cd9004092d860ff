//! The pool adapter's TLS: the rustls configuration for the `verify` and `cert` settings, and the verifier of `verify` disabled.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::host::host_adapters::{ClientCert, Pem, Verify};
use crate::host::{failure, Failure, FailureKind};
use crate::pool::connect::default_tls_config;
use crate::pool::PoolConfig;

/// The rustls configuration for `verify` and `cert`.
pub(super) fn tls_config(
    verify: &Verify,
    cert: Option<&ClientCert>,
    config: &PoolConfig,
) -> Result<Arc<rustls::ClientConfig>, Failure> {
    if matches!(verify, Verify::Enabled) && cert.is_none() {
        return Ok(config.tls.clone().unwrap_or_else(default_tls_config));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| failure(FailureKind::Tls, format!("TLS versions: {e}")))?;
    let builder = match verify {
        Verify::Enabled => builder.with_root_certificates(rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.into(),
        }),
        Verify::CaBundle(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            let certs = certificates(pem, "CA bundle")?;
            let (added, _ignored) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(failure(
                    FailureKind::Tls,
                    format!(
                        "the CA bundle {} holds no usable certificate",
                        describe(pem)
                    ),
                ));
            }
            builder.with_root_certificates(roots)
        }
        Verify::Disabled => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider))),
    };
    let config = match cert {
        None => builder.with_no_client_auth(),
        Some(client) => {
            let chain = certificates(&client.cert, "client certificate")?;
            let key_pem = client.key.as_ref().unwrap_or(&client.cert);
            let key =
                PrivateKeyDer::from_pem_slice(&pem_bytes(key_pem, "client key")?).map_err(|e| {
                    failure(
                        FailureKind::Tls,
                        format!("no private key in {}: {e}", describe(key_pem)),
                    )
                })?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                failure(
                    FailureKind::Tls,
                    format!("the client certificate cannot be used: {e}"),
                )
            })?
        }
    };
    Ok(Arc::new(config))
}

/// `path /x.pem` or `PEM data`, for messages.
fn describe(pem: &Pem) -> String {
    match pem {
        Pem::Path(path) => format!("file {path}"),
        Pem::Data(_) => "PEM data".to_string(),
    }
}

/// The PEM text of `pem` (reading its file).
fn pem_bytes(pem: &Pem, what: &str) -> Result<Vec<u8>, Failure> {
    match pem {
        Pem::Data(text) => Ok(text.as_bytes().to_vec()),
        Pem::Path(path) => std::fs::read(path).map_err(|e| {
            failure(
                FailureKind::Tls,
                format!("could not read the {what} {path}: {e}"),
            )
        }),
    }
}

/// The certificates of `pem`; none is a failure.
fn certificates(pem: &Pem, what: &str) -> Result<Vec<CertificateDer<'static>>, Failure> {
    let text = pem_bytes(pem, what)?;
    let certs = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            failure(
                FailureKind::Tls,
                format!("the {what} ({}) is not valid PEM: {e}", describe(pem)),
            )
        })?;
    if certs.is_empty() {
        return Err(failure(
            FailureKind::Tls,
            format!("the {what} ({}) holds no certificate", describe(pem)),
        ));
    }
    Ok(certs)
}

/// `verify` disabled: any certificate is accepted; the handshake's
/// signatures are still checked.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
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
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_bundle_without_certificates_is_a_tls_failure_naming_it() {
        let err = tls_config(
            &Verify::CaBundle(Pem::Data("not pem".into())),
            None,
            &PoolConfig::default(),
        )
        .err()
        .unwrap();
        assert_eq!(err.kind, FailureKind::Tls);
        assert!(err.message.contains("CA bundle"), "{}", err.message);
        let err = tls_config(
            &Verify::CaBundle(Pem::Path("/nonexistent/ca.pem".into())),
            None,
            &PoolConfig::default(),
        )
        .err()
        .unwrap();
        assert!(
            err.message.contains("/nonexistent/ca.pem"),
            "{}",
            err.message
        );
    }
}
