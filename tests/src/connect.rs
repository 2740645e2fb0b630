//! Logged-in clients of a harness user over plain TCP or implicit TLS, for the extension
//! tests that run one scenario over both transports and both clients.

use std::time::Duration;

use imaplib_blocking::Config;

use crate::dovecot::{dovecot, UserAccount};

/// How a test connects to the harness's Dovecot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Plain TCP on the plain port.
    Tcp,
    /// TLS from the first byte on the TLS port, verified against the harness's CA.
    Tls,
}

/// Client settings that trust the harness's CA and name its certificate.
pub fn tls_config() -> Config {
    let d = dovecot();
    Config::default()
        .with_tls(imaplib_blocking::tls::config_with_ca_pem(d.ca_pem()).expect("the harness CA"))
        .with_tls_server_name(d.tls_server_name().to_string())
        .with_timeout(Some(Duration::from_secs(60)))
}

/// A blocking client logged in as `user` (typed LOGIN) over `transport`.
pub fn blocking(user: &UserAccount, transport: Transport) -> imaplib_blocking::Client {
    let d = dovecot();
    let mut m = match transport {
        Transport::Tcp => imaplib_blocking::Client::connect(d.host(), d.plain_port()),
        Transport::Tls => {
            imaplib_blocking::Client::connect_tls_with(d.host(), d.tls_port(), &tls_config())
        }
    }
    .unwrap_or_else(|e| panic!("connecting over {transport:?}: {e}"));
    m.typed()
        .login(user.name.as_str(), user.password.as_str())
        .unwrap_or_else(|e| panic!("LOGIN over {transport:?}: {e}"));
    assert_eq!(m.is_secure(), transport == Transport::Tls);
    m
}

/// An async client (smol) logged in as `user` (typed LOGIN) over `transport`.
pub async fn smol(user: &UserAccount, transport: Transport) -> imaplib_async::smol::Client {
    use imaplib_async::smol::Client;
    let d = dovecot();
    let mut m = match transport {
        Transport::Tcp => Client::connect(d.host(), d.plain_port()).await,
        Transport::Tls => Client::connect_tls_with(d.host(), d.tls_port(), &tls_config()).await,
    }
    .unwrap_or_else(|e| panic!("connecting over {transport:?}: {e}"));
    m.typed()
        .login(user.name.as_str(), user.password.as_str())
        .await
        .unwrap_or_else(|e| panic!("LOGIN over {transport:?}: {e}"));
    assert_eq!(m.is_secure(), transport == Transport::Tls);
    m
}
