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

use crate::auth::{ChannelBinding, ChannelBindingType};
use crate::error::{Deadline, Error, Reason, Result, TlsFailure};

pub use rustls;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn build(roots: RootCertStore) -> Result<Arc<ClientConfig>> {
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| config_error(format!("TLS configuration: {e}")).with_source(e))?
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
    let tls = |e: rustls::Error| config_error(format!("TLS configuration: {e}")).with_source(e);
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
        let cert = cert.map_err(|e| config_error(format!("reading CA certificate: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| config_error(format!("adding CA certificate: {e}")).with_source(e))?;
        added += 1;
    }
    if added == 0 {
        return Err(config_error("no certificate found in the CA PEM"));
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
        .map_err(|e| config_error(format!("invalid TLS server name {host:?}: {e}")))
}

fn config_error(message: impl Into<String>) -> Error {
    Error::error(Reason::Tls(TlsFailure::Config), message)
}

/// The error of a TLS handshake that failed with `err`, the same for every client: a
/// timeout ([`Deadline::TlsHandshake`], `timeout` being the time it had) when the transport
/// timed out, a [`TlsFailure::Certificate`] when the server's certificate was refused, a
/// [`TlsFailure::Handshake`] otherwise. The TLS library's error is the source.
///
/// ```
/// use std::io;
/// use std::time::Duration;
/// use imaplib_proto::error::{Deadline, Reason, TlsFailure};
/// use imaplib_proto::tls::{handshake_failed, rustls};
///
/// let slow = handshake_failed(io::ErrorKind::WouldBlock.into(), Some(Duration::from_secs(5)));
/// assert_eq!(slow.to_string(), "timed out: the TLS handshake did not complete within 5s");
/// assert_eq!(
///     slow.reason(),
///     &Reason::Timeout { deadline: Deadline::TlsHandshake, after: Some(Duration::from_secs(5)) }
/// );
/// let bad = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
/// let e = handshake_failed(io::Error::new(io::ErrorKind::InvalidData, bad), None);
/// assert_eq!(e.to_string(), "TLS handshake failed: invalid peer certificate: UnknownIssuer");
/// assert_eq!(e.reason(), &Reason::Tls(TlsFailure::Certificate));
/// ```
pub fn handshake_failed(err: std::io::Error, timeout: Option<std::time::Duration>) -> Error {
    use std::io::ErrorKind::{TimedOut, WouldBlock};
    if matches!(err.kind(), TimedOut | WouldBlock) {
        let message = match timeout {
            Some(t) => format!("timed out: the TLS handshake did not complete within {t:?}"),
            None => "timed out: the TLS handshake did not complete".to_string(),
        };
        let reason = Reason::Timeout {
            deadline: Deadline::TlsHandshake,
            after: timeout,
        };
        return Error::abort(reason, message).with_source(err);
    }
    let certificate = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
        .is_some_and(|e| {
            matches!(
                e,
                rustls::Error::InvalidCertificate(_)
                    | rustls::Error::InvalidCertRevocationList(_)
                    | rustls::Error::NoCertificatesPresented
            )
        });
    let failure = match certificate {
        true => TlsFailure::Certificate,
        false => TlsFailure::Handshake,
    };
    Error::abort(Reason::Tls(failure), format!("TLS handshake failed: {err}")).with_source(err)
}

/// The label of `tls-exporter` channel binding (RFC 9266 §2).
pub const CHANNEL_BINDING_EXPORTER_LABEL: &[u8] = b"EXPORTER-Channel-Binding";

/// The channel-binding data of a rustls client session, for SCRAM's `-PLUS` mechanisms
/// ([`Connection::set_channel_binding`](crate::Connection::set_channel_binding)); both
/// clients call it when a handshake completes.
///
/// - `tls-exporter` (RFC 9266): 32 bytes of the session's exporter with the label
///   [`CHANNEL_BINDING_EXPORTER_LABEL`] and an empty context — on TLS 1.3 only: RFC 9266
///   allows it on TLS 1.2 only with the extended master secret, which rustls does not
///   report.
/// - `tls-server-end-point` (RFC 5929 §4): the server's certificate hashed as
///   [`auth::tls_server_end_point`](crate::auth::tls_server_end_point) says.
///
/// Empty while the handshake is in progress.
pub fn channel_binding(conn: &rustls::ClientConnection) -> ChannelBinding {
    let mut binding = ChannelBinding::new();
    if conn.is_handshaking() {
        return binding;
    }
    if conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3) {
        let exported =
            conn.export_keying_material([0u8; 32], CHANNEL_BINDING_EXPORTER_LABEL, Some(b""));
        if let Ok(data) = exported {
            binding = binding.with(ChannelBindingType::TlsExporter, data);
        }
    }
    if let Some(cert) = conn.peer_certificates().and_then(|c| c.first()) {
        binding = binding.with_server_certificate(cert.as_ref());
    }
    binding
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
