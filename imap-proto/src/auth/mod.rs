//! SASL mechanisms for `AUTHENTICATE`.
//!
//! imaplib's `authenticate(mechanism, authobject)` calls `authobject(challenge)` for every
//! `+` continuation with the base64-decoded challenge, base64-encodes what it returns, and
//! sends `*` (cancel) when it returns `None`. [`Authenticator`] is that callable; closures
//! implement it. Built in: [`CramMd5`], [`Plain`], [`XOAuth2`], [`OAuthBearer`] and
//! [`Scram`] (SCRAM-SHA-1 and SCRAM-SHA-256, with their channel-binding `-PLUS` variants,
//! over the [`ChannelBinding`] of the connection's TLS session). Their `Debug` output never
//! shows a password or token.
//!
//! A mechanism that must check something about the connection before it starts (SCRAM's
//! channel binding) implements [`Authenticator::start`]; one that must judge the outcome
//! itself — SCRAM's mutual authentication, where a server that says OK without proving it
//! knows the password has failed — implements [`Authenticator::finish`].

use std::fmt;

use hmac::{Hmac, Mac};
use md5::Md5;

use crate::error::{ArgumentProblem, Error, Reason, Result};

mod binding;
mod scram;

pub use binding::{tls_server_end_point, ChannelBinding, ChannelBindingType};
pub use scram::{
    ChannelBindingPolicy, Scram, ScramHash, DEFAULT_MAX_ITERATIONS, DEFAULT_MIN_ITERATIONS,
};

/// A SASL mechanism's client side, driven one challenge at a time.
pub trait Authenticator: Send {
    /// Answers one decoded challenge (`b""` when the server sent none). `None` cancels the
    /// exchange: the client sends `*`.
    fn step(&mut self, challenge: &[u8]) -> Option<Vec<u8>>;

    /// True when the mechanism speaks first (a client-first SASL mechanism, RFC 4422
    /// §5): its [`step`](Self::step) answers an empty challenge with the initial
    /// response, which may then go on the `AUTHENTICATE` line when the server advertises
    /// SASL-IR (RFC 4959, [`Command::sasl_ir`](crate::Command::sasl_ir)). PLAIN, SCRAM,
    /// XOAUTH2 and OAUTHBEARER do; CRAM-MD5 (server first) does not. The default, used by
    /// closures, is false: the exchange waits for the server's first `+`.
    fn has_initial_response(&self) -> bool {
        false
    }

    /// Called once when the `AUTHENTICATE` command is submitted, before any byte of it is
    /// queued, with what the connection knows. An error refuses the command: nothing is
    /// sent. The default accepts everything.
    fn start(&mut self, context: &AuthContext<'_>) -> Result<()> {
        let _ = context;
        Ok(())
    }

    /// Called once when the server's tagged answer ends the exchange (`ok`: it was `OK`).
    /// An error here is the command's result whatever the server answered; after an `OK`
    /// it also fails the connection, since the server, which now counts the client as
    /// logged in, did not pass the mechanism's own checks. The default leaves the
    /// server's answer as the result.
    fn finish(&mut self, ok: bool) -> Result<()> {
        let _ = ok;
        Ok(())
    }
}

impl<F> Authenticator for F
where
    F: FnMut(&[u8]) -> Option<Vec<u8>> + Send,
{
    fn step(&mut self, challenge: &[u8]) -> Option<Vec<u8>> {
        self(challenge)
    }
}

/// What a connection tells an [`Authenticator`] when its command is submitted
/// ([`Authenticator::start`]).
#[derive(Debug, Clone, Copy)]
pub struct AuthContext<'a> {
    mechanism: &'a str,
    capabilities: &'a [String],
    channel_binding: Option<&'a ChannelBinding>,
    secure: bool,
}

impl<'a> AuthContext<'a> {
    /// The context of an exchange for `mechanism` (upper-case, as sent) with a server
    /// advertising `capabilities` (upper-case), on a transport without channel binding
    /// and not secure.
    pub fn new(mechanism: &'a str, capabilities: &'a [String]) -> Self {
        AuthContext {
            mechanism,
            capabilities,
            channel_binding: None,
            secure: false,
        }
    }

    /// The same, with the channel-binding data of the connection's TLS session.
    pub fn with_channel_binding(mut self, binding: Option<&'a ChannelBinding>) -> Self {
        self.channel_binding = binding;
        self
    }

    /// The same, on a transport that is encrypted or trusted (or not).
    pub fn with_secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// The mechanism the command names, upper-case.
    pub fn mechanism(&self) -> &'a str {
        self.mechanism
    }

    /// The server's capabilities, upper-case.
    pub fn capabilities(&self) -> &'a [String] {
        self.capabilities
    }

    /// True when the server advertises `AUTH=mechanism` (case-insensitive).
    pub fn offers(&self, mechanism: &str) -> bool {
        // Bytes, not str slices: a server's capability need not split at a char boundary.
        let mechanism = mechanism.as_bytes();
        self.capabilities.iter().any(|c| {
            let c = c.as_bytes();
            c.len() == mechanism.len() + 5
                && c[..5].eq_ignore_ascii_case(b"AUTH=")
                && c[5..].eq_ignore_ascii_case(mechanism)
        })
    }

    /// The channel-binding data of the connection's TLS session, when the client could
    /// compute it ([`Connection::set_channel_binding`](crate::Connection::set_channel_binding)).
    pub fn channel_binding(&self) -> Option<&'a ChannelBinding> {
        self.channel_binding
    }

    /// True when the transport is encrypted or trusted.
    pub fn is_secure(&self) -> bool {
        self.secure
    }
}

/// CRAM-MD5 (RFC 2195): answers `user SP hex(HMAC-MD5(password, challenge))`.
#[derive(Clone)]
pub struct CramMd5 {
    user: Vec<u8>,
    password: Vec<u8>,
}

impl CramMd5 {
    /// A CRAM-MD5 exchange for this user and password.
    pub fn new(user: impl AsRef<[u8]>, password: impl AsRef<[u8]>) -> Self {
        CramMd5 {
            user: user.as_ref().to_vec(),
            password: password.as_ref().to_vec(),
        }
    }
}

impl Authenticator for CramMd5 {
    fn step(&mut self, challenge: &[u8]) -> Option<Vec<u8>> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = Hmac::<Md5>::new_from_slice(&self.password).ok()?;
        mac.update(challenge);
        let digest = mac.finalize().into_bytes();
        let mut out = self.user.clone();
        out.push(b' ');
        for b in digest {
            out.extend_from_slice(format!("{b:02x}").as_bytes());
        }
        Some(out)
    }
}

impl fmt::Debug for CramMd5 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CramMd5")
            .field("user", &String::from_utf8_lossy(&self.user))
            .field("password", &"<redacted>")
            .finish()
    }
}

/// PLAIN (RFC 4616): `authzid NUL user NUL password` in one step.
#[derive(Clone)]
pub struct Plain {
    message: Vec<u8>,
    user: String,
    sent: bool,
}

impl Plain {
    /// PLAIN for this user and password (no authorization identity), as imaplib's
    /// `login_plain`. NUL in either is an error.
    pub fn new(user: impl AsRef<[u8]>, password: impl AsRef<[u8]>) -> Result<Self> {
        Self::with_authzid(b"", user, password)
    }

    /// PLAIN acting as `authzid`.
    pub fn with_authzid(
        authzid: impl AsRef<[u8]>,
        user: impl AsRef<[u8]>,
        password: impl AsRef<[u8]>,
    ) -> Result<Self> {
        let (authzid, user, password) = (authzid.as_ref(), user.as_ref(), password.as_ref());
        if [authzid, user, password]
            .iter()
            .any(|p| memchr::memchr(0, p).is_some())
        {
            return Err(Error::error(
                Reason::argument("PLAIN credentials", ArgumentProblem::Nul),
                "NUL not allowed in PLAIN credentials",
            ));
        }
        let mut message = Vec::with_capacity(authzid.len() + user.len() + password.len() + 2);
        message.extend_from_slice(authzid);
        message.push(0);
        message.extend_from_slice(user);
        message.push(0);
        message.extend_from_slice(password);
        Ok(Plain {
            message,
            user: String::from_utf8_lossy(user).into_owned(),
            sent: false,
        })
    }
}

impl Authenticator for Plain {
    fn has_initial_response(&self) -> bool {
        true
    }

    fn step(&mut self, _challenge: &[u8]) -> Option<Vec<u8>> {
        if self.sent {
            return None;
        }
        self.sent = true;
        Some(self.message.clone())
    }
}

impl fmt::Debug for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plain")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Google's and Microsoft's XOAUTH2: `user=U ^A auth=Bearer T ^A ^A`. When the server
/// answers with an error challenge, the empty response it expects is sent.
#[derive(Clone)]
pub struct XOAuth2 {
    user: String,
    token: String,
    sent: bool,
}

impl XOAuth2 {
    /// XOAUTH2 for this user and access token.
    pub fn new(user: impl Into<String>, token: impl Into<String>) -> Self {
        XOAuth2 {
            user: user.into(),
            token: token.into(),
            sent: false,
        }
    }
}

impl Authenticator for XOAuth2 {
    fn has_initial_response(&self) -> bool {
        true
    }

    fn step(&mut self, _challenge: &[u8]) -> Option<Vec<u8>> {
        if self.sent {
            // The challenge after the first response carries a JSON error; an empty
            // response lets the server finish with a tagged NO.
            return Some(Vec::new());
        }
        self.sent = true;
        Some(format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token).into_bytes())
    }
}

impl fmt::Debug for XOAuth2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XOAuth2")
            .field("user", &self.user)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// OAUTHBEARER (RFC 7628): a GS2 header naming the user, optional host and port, and the
/// bearer token. An error challenge is answered with the `^A` the RFC requires.
#[derive(Clone)]
pub struct OAuthBearer {
    user: String,
    host: Option<String>,
    port: Option<u16>,
    token: String,
    sent: bool,
}

impl OAuthBearer {
    /// OAUTHBEARER for this user and access token.
    pub fn new(user: impl Into<String>, token: impl Into<String>) -> Self {
        OAuthBearer {
            user: user.into(),
            host: None,
            port: None,
            token: token.into(),
            sent: false,
        }
    }

    /// Adds the `host` and `port` keys.
    pub fn with_server(mut self, host: impl Into<String>, port: u16) -> Self {
        self.host = Some(host.into());
        self.port = Some(port);
        self
    }
}

impl Authenticator for OAuthBearer {
    fn has_initial_response(&self) -> bool {
        true
    }

    fn step(&mut self, _challenge: &[u8]) -> Option<Vec<u8>> {
        if self.sent {
            return Some(b"\x01".to_vec());
        }
        self.sent = true;
        // GS2 header: `n,a=<saslname>,` where `,` and `=` are escaped (RFC 5801).
        let user = self.user.replace('=', "=3D").replace(',', "=2C");
        let mut out = format!("n,a={user},\x01");
        if let Some(host) = &self.host {
            out.push_str(&format!("host={host}\x01"));
        }
        if let Some(port) = self.port {
            out.push_str(&format!("port={port}\x01"));
        }
        out.push_str(&format!("auth=Bearer {}\x01\x01", self.token));
        Some(out.into_bytes())
    }
}

impl fmt::Debug for OAuthBearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthBearer")
            .field("user", &self.user)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("token", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn cram_md5_matches_rfc_2195() {
        // RFC 2195's example.
        let mut m = CramMd5::new("tim", "tanstaaftanstaaf");
        let out = m
            .step(b"<1896.697170952@postoffice.reston.mci.net>")
            .unwrap();
        assert_eq!(out, b"tim b913a602c7eda7a495b4e6e7334d3890");
        // imaplib's T7 challenge (its test server drops the closing `>`).
        let out = m
            .step(b"<1896.697170952@postoffice.reston.mci.net")
            .unwrap();
        assert_eq!(out, b"tim f1ca6be464b9efa1cca6ffd6cf2d9f32");
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(&out),
            "dGltIGYxY2E2YmU0NjRiOWVmYTFjY2E2ZmZkNmNmMmQ5ZjMy"
        );
        assert!(!format!("{m:?}").contains("tanstaaf"));
    }

    #[test]
    fn plain_matches_t8() {
        let mut p = Plain::new("prem", "pass").unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(p.step(b"").unwrap());
        assert_eq!(b64, "AHByZW0AcGFzcw==");
        let mut p = Plain::new("pręm", "żółć").unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(p.step(b"").unwrap());
        assert_eq!(b64, "AHByxJltAMW8w7PFgsSH");
        assert!(Plain::new("a\0b", "x").is_err());
        assert!(Plain::new("a", "x\0").is_err());
        assert!(!format!("{p:?}").contains("żółć"));
    }

    #[test]
    fn oauth_messages() {
        let mut x = XOAuth2::new("someuser@example.com", "ya29.vF9dft4");
        assert_eq!(
            x.step(b"").unwrap(),
            b"user=someuser@example.com\x01auth=Bearer ya29.vF9dft4\x01\x01"
        );
        assert_eq!(x.step(b"{\"status\":\"401\"}").unwrap(), b"");
        let mut o = OAuthBearer::new("user@example.com", "vF9dft4qmT")
            .with_server("server.example.com", 143);
        assert_eq!(
            o.step(b"").unwrap(),
            b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmT\x01\x01"
        );
        assert_eq!(o.step(b"{}").unwrap(), b"\x01");
        assert!(!format!("{o:?}{x:?}").contains("vF9dft4"));
    }

    #[test]
    fn closures_are_authenticators() {
        let mut calls = 0;
        let mut f = |c: &[u8]| {
            calls += 1;
            (c.is_empty()).then(|| b"fake".to_vec())
        };
        assert_eq!(Authenticator::step(&mut f, b""), Some(b"fake".to_vec()));
        assert_eq!(Authenticator::step(&mut f, b"x"), None);
        assert_eq!(calls, 2);
    }
}
