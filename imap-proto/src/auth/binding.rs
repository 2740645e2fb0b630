//! Channel binding (RFC 5056): data that names one TLS session, so that a SASL exchange
//! run inside it cannot be relayed into another by a man in the middle.
//!
//! The core has no TLS of its own: a client computes the [`ChannelBinding`] of its TLS
//! session when the handshake completes (`tls::channel_binding` does it for a rustls
//! connection, feature `rustls`) and hands it to the connection
//! ([`Connection::set_channel_binding`](crate::Connection::set_channel_binding)), which
//! passes it to every [`Authenticator`](super::Authenticator) it starts. Only bytes cross
//! that line; no TLS type does.

use std::fmt;

use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

/// A channel-binding type a SCRAM `-PLUS` mechanism can use (its `p=` name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChannelBindingType {
    /// `tls-exporter` (RFC 9266): 32 bytes exported from the TLS session with the label
    /// `EXPORTER-Channel-Binding` and an empty context. Unique to the session; the type
    /// TLS 1.3 servers expect. The rustls helper exports it on TLS 1.3 only: on TLS 1.2 it
    /// is safe only with the extended master secret, which rustls does not report.
    TlsExporter,
    /// `tls-server-end-point` (RFC 5929 §4): a hash of the server's certificate. Binds to
    /// the certificate rather than the session (weaker, but it survives TLS-terminating
    /// proxies and works with any TLS version).
    TlsServerEndPoint,
}

impl ChannelBindingType {
    /// The name in the GS2 header: `tls-exporter`, `tls-server-end-point`.
    pub fn name(self) -> &'static str {
        match self {
            ChannelBindingType::TlsExporter => "tls-exporter",
            ChannelBindingType::TlsServerEndPoint => "tls-server-end-point",
        }
    }
}

impl fmt::Display for ChannelBindingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The channel-binding data of one TLS session, for each type that could be computed.
///
/// ```
/// use imaplib_proto::auth::{ChannelBinding, ChannelBindingType};
/// let cb = ChannelBinding::new().with(ChannelBindingType::TlsExporter, [7u8; 32]);
/// assert_eq!(cb.get(ChannelBindingType::TlsExporter), Some(&[7u8; 32][..]));
/// assert_eq!(cb.preferred().map(|(t, _)| t), Some(ChannelBindingType::TlsExporter));
/// // The bytes are never shown.
/// assert_eq!(format!("{cb:?}"), "ChannelBinding { tls-exporter: <32 bytes> }");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ChannelBinding {
    exporter: Option<Vec<u8>>,
    end_point: Option<Vec<u8>>,
}

impl ChannelBinding {
    /// No channel-binding data.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same, with `data` for `kind` (replacing what it had).
    pub fn with(mut self, kind: ChannelBindingType, data: impl Into<Vec<u8>>) -> Self {
        let data = Some(data.into());
        match kind {
            ChannelBindingType::TlsExporter => self.exporter = data,
            ChannelBindingType::TlsServerEndPoint => self.end_point = data,
        }
        self
    }

    /// The same, with the `tls-server-end-point` data of the server's certificate (DER),
    /// when [`tls_server_end_point`] can compute it.
    pub fn with_server_certificate(self, certificate_der: &[u8]) -> Self {
        match tls_server_end_point(certificate_der) {
            Some(hash) => self.with(ChannelBindingType::TlsServerEndPoint, hash),
            None => self,
        }
    }

    /// The data for `kind`, if there is some.
    pub fn get(&self, kind: ChannelBindingType) -> Option<&[u8]> {
        match kind {
            ChannelBindingType::TlsExporter => self.exporter.as_deref(),
            ChannelBindingType::TlsServerEndPoint => self.end_point.as_deref(),
        }
    }

    /// The type used unless one is asked for: `tls-exporter` when there is one (RFC 9266
    /// makes it the default on TLS 1.3), else `tls-server-end-point`.
    pub fn preferred(&self) -> Option<(ChannelBindingType, &[u8])> {
        [
            ChannelBindingType::TlsExporter,
            ChannelBindingType::TlsServerEndPoint,
        ]
        .into_iter()
        .find_map(|t| self.get(t).map(|d| (t, d)))
    }

    /// True when no type could be computed.
    pub fn is_empty(&self) -> bool {
        self.exporter.is_none() && self.end_point.is_none()
    }
}

impl fmt::Debug for ChannelBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Len(usize);
        impl fmt::Debug for Len {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "<{} bytes>", self.0)
            }
        }
        let mut d = f.debug_struct("ChannelBinding");
        if let Some(e) = &self.exporter {
            d.field("tls-exporter", &Len(e.len()));
        }
        if let Some(e) = &self.end_point {
            d.field("tls-server-end-point", &Len(e.len()));
        }
        d.finish()
    }
}

/// The `tls-server-end-point` channel-binding data of a server certificate (DER), RFC 5929
/// §4.1: the certificate hashed with the hash of its signature algorithm, SHA-256 in place
/// of MD5 and SHA-1. `None` when the algorithm names no single hash (Ed25519, Ed448 — RFC
/// 5929 leaves them undefined) or the certificate cannot be read.
///
/// Signature algorithms understood: RSA PKCS#1 v1.5 with MD5, SHA-1, SHA-224, SHA-256,
/// SHA-384, SHA-512; RSASSA-PSS (the hash in its parameters); ECDSA and DSA with SHA-1 and
/// the SHA-2 family.
pub fn tls_server_end_point(certificate_der: &[u8]) -> Option<Vec<u8>> {
    let hash = signature_hash(certificate_der)?;
    Some(match hash {
        Hash::Sha224 => Sha224::digest(certificate_der).to_vec(),
        Hash::Sha256 => Sha256::digest(certificate_der).to_vec(),
        Hash::Sha384 => Sha384::digest(certificate_der).to_vec(),
        Hash::Sha512 => Sha512::digest(certificate_der).to_vec(),
    })
}

/// The hash RFC 5929 §4.1 picks for a certificate's signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

// Object identifiers, as their DER contents.
const RSA_MD5: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x04];
const RSA_SHA1: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05];
const RSA_PSS: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A];
const RSA_SHA256: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];
const RSA_SHA384: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0C];
const RSA_SHA512: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0D];
const RSA_SHA224: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0E];
const ECDSA_SHA1: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01];
const ECDSA_SHA224: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x01];
const ECDSA_SHA256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
const ECDSA_SHA384: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03];
const ECDSA_SHA512: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x04];
const DSA_SHA1: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x03];
const DSA_SHA224: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x01];
const DSA_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x02];
const SHA1: &[u8] = &[0x2B, 0x0E, 0x03, 0x02, 0x1A];
const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
const SHA224: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04];

const SEQUENCE: u8 = 0x30;
const OID: u8 = 0x06;
/// `[0]`, constructed (RSASSA-PSS-params' hashAlgorithm).
const CONTEXT_0: u8 = 0xA0;

/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, … }`:
/// the hash of the signature algorithm.
fn signature_hash(der: &[u8]) -> Option<Hash> {
    let (cert, _) = tlv(der, SEQUENCE)?;
    let (_tbs, rest) = tlv(cert, SEQUENCE)?;
    let (alg, _) = tlv(rest, SEQUENCE)?;
    let (oid, params) = tlv(alg, OID)?;
    Some(match oid {
        RSA_MD5 | RSA_SHA1 | ECDSA_SHA1 | DSA_SHA1 | RSA_SHA256 | ECDSA_SHA256 | DSA_SHA256 => {
            Hash::Sha256
        }
        RSA_SHA224 | ECDSA_SHA224 | DSA_SHA224 => Hash::Sha224,
        RSA_SHA384 | ECDSA_SHA384 => Hash::Sha384,
        RSA_SHA512 | ECDSA_SHA512 => Hash::Sha512,
        RSA_PSS => pss_hash(params)?,
        _ => return None,
    })
}

/// `RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] AlgorithmIdentifier DEFAULT sha1, … }`.
fn pss_hash(params: &[u8]) -> Option<Hash> {
    let (seq, _) = tlv(params, SEQUENCE)?;
    let hash_oid = match tlv(seq, CONTEXT_0) {
        Some((explicit, _)) => {
            let (alg, _) = tlv(explicit, SEQUENCE)?;
            tlv(alg, OID)?.0
        }
        None => SHA1,
    };
    Some(match hash_oid {
        SHA1 | SHA256 => Hash::Sha256,
        SHA224 => Hash::Sha224,
        SHA384 => Hash::Sha384,
        SHA512 => Hash::Sha512,
        _ => return None,
    })
}

/// One DER element with tag `tag` at the start of `input`: its contents and what follows.
fn tlv(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = input.split_first()?;
    if t != tag {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        // Long form: 1 to 4 length bytes (no indefinite length in DER).
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    Some(rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DER element.
    fn el(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if contents.len() < 0x80 {
            out.push(contents.len() as u8);
        } else {
            let len = (contents.len() as u32).to_be_bytes();
            let skip = len.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | (4 - skip) as u8);
            out.extend_from_slice(&len[skip..]);
        }
        out.extend_from_slice(contents);
        out
    }

    /// A certificate-shaped structure with this signature algorithm (OID and parameters).
    fn cert(oid: &[u8], params: &[u8]) -> Vec<u8> {
        let tbs = el(SEQUENCE, &[0x42; 300]); // long enough for a long-form length
        let alg = el(SEQUENCE, &[el(OID, oid), params.to_vec()].concat());
        let sig = el(0x03, &[0, 1, 2, 3]);
        el(SEQUENCE, &[tbs, alg, sig].concat())
    }

    #[test]
    fn the_hash_follows_the_signature_algorithm() {
        let null = [0x05, 0x00];
        for (oid, want) in [
            (RSA_MD5, Hash::Sha256),
            (RSA_SHA1, Hash::Sha256),
            (RSA_SHA256, Hash::Sha256),
            (RSA_SHA384, Hash::Sha384),
            (RSA_SHA512, Hash::Sha512),
            (RSA_SHA224, Hash::Sha224),
            (ECDSA_SHA1, Hash::Sha256),
            (ECDSA_SHA256, Hash::Sha256),
            (ECDSA_SHA384, Hash::Sha384),
            (ECDSA_SHA512, Hash::Sha512),
            (DSA_SHA256, Hash::Sha256),
        ] {
            let der = cert(oid, &null);
            assert_eq!(signature_hash(&der), Some(want), "{oid:02x?}");
        }
        let der = cert(ECDSA_SHA384, &[]);
        assert_eq!(
            tls_server_end_point(&der),
            Some(Sha384::digest(&der).to_vec())
        );
        // RSASSA-PSS: the hash is in the parameters; absent means SHA-1, hence SHA-256.
        let pss = |hash: &[u8]| {
            let alg = el(SEQUENCE, &[el(OID, hash), null.to_vec()].concat());
            el(SEQUENCE, &el(CONTEXT_0, &alg))
        };
        assert_eq!(
            signature_hash(&cert(RSA_PSS, &pss(SHA512))),
            Some(Hash::Sha512)
        );
        assert_eq!(
            signature_hash(&cert(RSA_PSS, &el(SEQUENCE, &[]))),
            Some(Hash::Sha256)
        );
        // Ed25519 (1.3.101.112): undefined by RFC 5929.
        assert_eq!(tls_server_end_point(&cert(&[0x2B, 0x65, 0x70], &[])), None);
    }

    #[test]
    fn garbage_is_no_certificate() {
        let good = cert(RSA_SHA256, &[]);
        for n in 0..good.len() {
            // Every truncation fails cleanly (or, past the algorithm, still reads it).
            let _ = tls_server_end_point(&good[..n]);
        }
        assert_eq!(tls_server_end_point(b""), None);
        assert_eq!(tls_server_end_point(b"\x30\x84\xff\xff\xff\xff"), None);
        assert_eq!(tls_server_end_point(b"\x30\x80\x00\x00"), None);
        assert_eq!(tls_server_end_point(b"-----BEGIN CERTIFICATE-----"), None);
    }

    #[test]
    fn bindings_by_type() {
        let cb = ChannelBinding::new();
        assert!(cb.is_empty() && cb.preferred().is_none());
        let cb = cb.with_server_certificate(&cert(RSA_SHA256, &[]));
        assert_eq!(
            cb.preferred().map(|(t, d)| (t, d.len())),
            Some((ChannelBindingType::TlsServerEndPoint, 32))
        );
        let cb = cb.with(ChannelBindingType::TlsExporter, vec![1; 32]);
        assert_eq!(cb.preferred().map(|(t, _)| t.name()), Some("tls-exporter"));
        assert_eq!(
            format!("{cb:?}"),
            "ChannelBinding { tls-exporter: <32 bytes>, tls-server-end-point: <32 bytes> }"
        );
        assert_eq!(
            ChannelBindingType::TlsServerEndPoint.to_string(),
            "tls-server-end-point"
        );
    }
}
