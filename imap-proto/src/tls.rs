//! TLS configuration shared by both clients (feature `rustls`).
//!
//! Verification is always on by default: the server's certificate chain is checked against
//! the Mozilla root store (`webpki-roots`) and its name against the host dialled, with SNI
//! set. [`config_with_ca_pem`] adds a private CA (a self-signed test server);
//! `platform_config` (feature `platform-verifier`) trusts what the operating system trusts;
//! [`dangerous_config_without_verification`] is the only way to turn checking off, and says
//! so in its name. Any other policy: build a [`rustls::ClientConfig`] yourself and pass it to
//! the client (imaplib's `ssl_context`).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::error::{Cause, Error, Result};

pub use rustls;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn build(roots: RootCertStore) -> Result<Arc<ClientConfig>> {
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::error(Cause::Tls, format!("TLS configuration: {e}")).with_source(e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn mozilla_roots() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// Verifies servers against the Mozilla root store: what `IMAP4_SSL` and `starttls()` use
/// unless told otherwise (imaplib, by contrast, verifies nothing by default).
pub fn default_config() -> Result<Arc<ClientConfig>> {
    build(mozilla_roots())
}

/// Like [`default_config`], and also trusts the CA certificates in `pem`.
pub fn config_with_ca_pem(pem: &[u8]) -> Result<Arc<ClientConfig>> {
    let mut roots = mozilla_roots();
    add_pem(&mut roots, pem)?;
    build(roots)
}

/// Trusts what the operating system trusts (feature `platform-verifier`): its own verifier
/// on macOS, iOS, Windows and Android (with their revocation checks and enterprise
/// policies), and the system certificate store on Linux and the BSDs (e.g. a private CA
/// installed with `update-ca-certificates`), through `rustls-platform-verifier`, the rustls
/// project's crate for it. Chosen over loading `rustls-native-certs` into a root store: that
/// is what it does on Linux, and elsewhere it asks the platform instead of second-guessing
/// it.
#[cfg(feature = "platform-verifier")]
pub fn platform_config() -> Result<Arc<ClientConfig>> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let tls = |e: rustls::Error| {
        Error::error(Cause::Tls, format!("TLS configuration: {e}")).with_source(e)
    };
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls)?
        .with_platform_verifier()
        .map_err(tls)?
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Trusts only the CA certificates in `pem` (for a private deployment).
pub fn config_with_only_ca_pem(pem: &[u8]) -> Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    add_pem(&mut roots, pem)?;
    build(roots)
}

fn add_pem(roots: &mut RootCertStore, pem: &[u8]) -> Result<()> {
    let mut added = 0;
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert =
            cert.map_err(|e| Error::error(Cause::Tls, format!("reading CA certificate: {e}")))?;
        roots.add(cert).map_err(|e| {
            Error::error(Cause::Tls, format!("adding CA certificate: {e}")).with_source(e)
        })?;
        added += 1;
    }
    if added == 0 {
        return Err(Error::error(
            Cause::Tls,
            "no certificate found in the CA PEM",
        ));
    }
    Ok(())
}

/// Accepts **any** certificate for any name: encryption without authentication, open to
/// any man in the middle. For tests against throwaway servers only.
pub fn dangerous_config_without_verification() -> Arc<ClientConfig> {
    let provider = provider();
    let verifier = Arc::new(NoVerification(provider.clone()));
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth()
        });
    // The ring provider supports the default protocol versions, so this cannot fail; fall
    // back to a verifying configuration rather than panic if it ever did.
    match config {
        Ok(c) => Arc::new(c),
        Err(_) => Arc::new(
            ClientConfig::builder()
                .with_root_certificates(mozilla_roots())
                .with_no_client_auth(),
        ),
    }
}

/// The name to verify and send as SNI for `host` (a DNS name or an IP address).
pub fn server_name(host: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(host.to_string())
        .map_err(|e| Error::error(Cause::Tls, format!("invalid TLS server name {host:?}: {e}")))
}

#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
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
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
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
    fn configs_build() {
        assert!(default_config().is_ok());
        assert!(config_with_ca_pem(b"not a pem").is_err());
        let _ = dangerous_config_without_verification();
        assert!(server_name("localhost").is_ok());
        assert!(server_name("127.0.0.1").is_ok());
        assert!(server_name("bad name!").is_err());
    }
}
