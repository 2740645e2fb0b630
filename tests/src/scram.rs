//! The server side of SCRAM-SHA-256 (RFC 7677) with channel binding, written
//! independently of the client's, to play a `-PLUS` server in scripted tests: Dovecot 2.3
//! has no `-PLUS` mechanism.
//!
//! [`ScramServer`] checks the client's messages as a server must — the GS2 header, the
//! channel-binding data in `c=` against the server's own, the proof — and answers `v=` or
//! `e=`. [`exchange`] plays a whole `AUTHENTICATE` in a [`Script`](crate::hostile::Script)
//! step, the binding data taken from the server's side of the TLS session
//! ([`server_binding`]).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use imaplib_proto::auth::ChannelBindingType;
use imaplib_proto::tls::rustls::ServerConnection;
use sha2::{Digest, Sha256};

use crate::hostile::{Session, Stop};

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// One SCRAM-SHA-256 exchange, server side, for one password.
#[derive(Debug)]
pub struct ScramServer {
    salted: Vec<u8>,
    salt: Vec<u8>,
    iterations: u32,
    nonce: String,
    gs2_header: String,
    client_first_bare: String,
    server_first: String,
}

impl ScramServer {
    /// The server of a user whose password is `password` (salt and nonce fixed).
    pub fn new(password: &str) -> Self {
        let salt = b"scripted salt 16".to_vec();
        let iterations = 4096;
        let mut salted = vec![0; 32];
        pbkdf2::pbkdf2::<HmacSha256>(password.as_bytes(), &salt, iterations, &mut salted)
            .expect("PBKDF2");
        ScramServer {
            salted,
            salt,
            iterations,
            nonce: "%s3rv\"er}n(nce".into(),
            gs2_header: String::new(),
            client_first_bare: String::new(),
            server_first: String::new(),
        }
    }

    /// Reads client-first; returns server-first.
    pub fn first(&mut self, client_first: &[u8]) -> Result<String, String> {
        let text = std::str::from_utf8(client_first).map_err(|e| e.to_string())?;
        // gs2-header = flag "," [authzid] ","
        let mut parts = text.splitn(3, ',');
        let (flag, authzid, bare) = match (parts.next(), parts.next(), parts.next()) {
            (Some(f), Some(a), Some(b)) => (f, a, b),
            _ => return Err(format!("no GS2 header in {text:?}")),
        };
        self.gs2_header = format!("{flag},{authzid},");
        let nonce = bare
            .split(',')
            .find_map(|a| a.strip_prefix("r="))
            .ok_or_else(|| format!("no nonce in {text:?}"))?;
        self.client_first_bare = bare.to_string();
        self.server_first = format!(
            "r={nonce}{},s={},i={}",
            self.nonce,
            B64.encode(&self.salt),
            self.iterations
        );
        Ok(self.server_first.clone())
    }

    /// The GS2 header of client-first (`n,,`, `y,,`, `p=tls-exporter,,`…).
    pub fn gs2_header(&self) -> &str {
        &self.gs2_header
    }

    /// The channel-binding type client-first asked for (`p=<type>`), if any.
    pub fn binding_type(&self) -> Option<&str> {
        self.gs2_header.strip_prefix("p=")?.split(',').next()
    }

    /// Reads client-final: `c=` must hold the GS2 header and `cbind` (the server's own
    /// binding data, empty unless `p=`), and the proof must verify. Returns server-final:
    /// `v=…`, or `e=channel-bindings-dont-match` / `e=invalid-proof` / `e=…`.
    pub fn last(&self, client_final: &[u8], cbind: &[u8]) -> String {
        let Ok(text) = std::str::from_utf8(client_final) else {
            return "e=invalid-encoding".into();
        };
        let Some((without_proof, proof)) = text.rsplit_once(",p=") else {
            return "e=invalid-encoding".into();
        };
        let c = without_proof
            .strip_prefix("c=")
            .and_then(|c| c.split(',').next())
            .and_then(|c| B64.decode(c).ok());
        if c.as_deref() != Some(&[self.gs2_header.as_bytes(), cbind].concat()[..]) {
            return "e=channel-bindings-dont-match".into();
        }
        let auth_message = format!(
            "{},{},{without_proof}",
            self.client_first_bare, self.server_first
        );
        let client_key = hmac(&self.salted, b"Client Key");
        let stored_key = Sha256::digest(&client_key);
        let signature = hmac(&stored_key, auth_message.as_bytes());
        let Ok(proof) = B64.decode(proof) else {
            return "e=invalid-encoding".into();
        };
        let recovered: Vec<u8> = proof.iter().zip(&signature).map(|(p, s)| p ^ s).collect();
        if Sha256::digest(&recovered) != stored_key {
            return "e=invalid-proof".into();
        }
        let server_key = hmac(&self.salted, b"Server Key");
        format!(
            "v={}",
            B64.encode(hmac(&server_key, auth_message.as_bytes()))
        )
    }
}

/// The server's own channel-binding data of `kind` for its TLS session `conn`:
/// `tls-exporter` from its exporter (RFC 9266), `tls-server-end-point` as SHA-256 of its
/// certificate (the test certificates are signed with ECDSA-SHA-256).
pub fn server_binding(conn: &ServerConnection, kind: &str, cert_der: &[u8]) -> Vec<u8> {
    match kind {
        k if k == ChannelBindingType::TlsExporter.name() => conn
            .export_keying_material([0u8; 32], b"EXPORTER-Channel-Binding", Some(b""))
            .map(|a| a.to_vec())
            .unwrap_or_default(),
        k if k == ChannelBindingType::TlsServerEndPoint.name() => Sha256::digest(cert_der).to_vec(),
        _ => Vec::new(),
    }
}

/// How [`exchange`] computes the binding data it checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerBinding {
    /// From its TLS session, as [`server_binding`] does.
    Session,
    /// Other data, as a server at the far end of a man in the middle would have.
    Other,
}

/// Plays one `AUTHENTICATE SCRAM-SHA-256[-PLUS]` after the command was read: `+`, the
/// exchange, and `OK [CAPABILITY caps]` after a verified client (or `NO` after `e=`).
/// `gs2` is the GS2 header the client must send. Returns the server-final message.
pub fn exchange(
    session: &mut Session,
    password: &str,
    cert_der: &[u8],
    gs2: &str,
    binding: ServerBinding,
    caps: &str,
) -> Result<String, Stop> {
    let line = |s: &mut Session| -> Result<Vec<u8>, Stop> {
        let l = s.read_response_line()?;
        let l = l.strip_suffix(b"\r\n").unwrap_or(&l);
        B64.decode(l)
            .map_err(|e| Stop::Script(format!("response not base64 ({e}): {l:?}")))
    };
    let mut server = ScramServer::new(password);
    session.send(b"+ \r\n")?;
    let first = line(session)?;
    let server_first = server.first(&first).map_err(Stop::Script)?;
    if server.gs2_header() != gs2 {
        return Err(Stop::Script(format!(
            "GS2 header {:?}, expected {gs2:?}",
            server.gs2_header()
        )));
    }
    session.send(format!("+ {}\r\n", B64.encode(server_first)).as_bytes())?;
    let client_final = line(session)?;
    let cbind = match (server.binding_type(), session.tls()) {
        (Some(kind), Some(conn)) => {
            let data = server_binding(conn, kind, cert_der);
            match binding {
                ServerBinding::Session => data,
                ServerBinding::Other => data.iter().map(|b| b ^ 0xFF).collect(),
            }
        }
        _ => Vec::new(),
    };
    let last = server.last(&client_final, &cbind);
    session.send(format!("+ {}\r\n", B64.encode(&last)).as_bytes())?;
    let answer = session.read_response_line()?;
    let tag = session.tag().to_string();
    let reply = match (last.starts_with("v="), answer.as_slice()) {
        (true, b"\r\n") => format!("{tag} OK [CAPABILITY {caps}] Logged in\r\n"),
        (true, _) => format!("{tag} BAD Authentication aborted by client.\r\n"),
        (false, _) => format!("{tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
    };
    session.send(reply.as_bytes())?;
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server side reproduces RFC 7677's exchange.
    #[test]
    fn rfc_7677_server_side() {
        let mut s = ScramServer::new("pencil");
        s.salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        pbkdf2::pbkdf2::<HmacSha256>(b"pencil", &s.salt, 4096, &mut s.salted).unwrap();
        s.nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0".into();
        let first = s.first(b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO").unwrap();
        assert_eq!(
            first,
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        );
        let last = s.last(b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", b"");
        assert_eq!(last, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
        let bad = s.last(b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", b"");
        assert_eq!(bad, "e=invalid-proof");
        assert_eq!(
            s.last(b"c=eSws,r=x,p=AAAA", b""),
            "e=channel-bindings-dont-match"
        );
    }
}
