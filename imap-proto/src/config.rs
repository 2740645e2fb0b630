//! Client settings shared by the blocking and async clients (feature `rustls`).

use std::sync::Arc;
use std::time::Duration;

use crate::error::{Cause, Error, Result};
use crate::frame::Limits;
use crate::session::Options;
use crate::tls::rustls::ClientConfig;

/// Connection settings. `Config::default()` verifies TLS against the Mozilla roots, times
/// out after 60 seconds of silence, and uses imaplib's debug level 0.
#[derive(Clone)]
pub struct Config {
    /// Timeout for connecting and for each wait on the server; `None` waits forever
    /// (imaplib's default). Default: 60 s. `Some(Duration::ZERO)` is refused, as imaplib
    /// refuses `timeout=0`.
    pub timeout: Option<Duration>,
    /// The TLS configuration for IMAP4_SSL and STARTTLS (imaplib's `ssl_context`); `None`
    /// means [`crate::tls::default_config`].
    pub tls: Option<Arc<ClientConfig>>,
    /// The name to verify the server's certificate against, when it differs from the host
    /// dialled (e.g. dialling `127.0.0.1` for a certificate issued to `localhost`).
    pub tls_server_name: Option<String>,
    /// On a plain connection, upgrade with STARTTLS right after the greeting and refuse to
    /// go on (or to send any credential) without it.
    pub require_tls: bool,
    /// imaplib's `debug` level (0–5), logged through the `log` facade.
    pub debug: u8,
    /// Framing limits.
    pub limits: Limits,
    /// Most bytes of untagged responses kept before the connection aborts.
    pub max_stored: usize,
    /// Use LITERAL+/LITERAL- when the server offers them.
    pub use_literal_plus: bool,
    /// Send `str` mailbox names in modified UTF-7.
    pub mailbox_utf7: bool,
    /// Fix the tag prefix seed (tests); random otherwise.
    pub tag_seed: Option<u16>,
}

impl Default for Config {
    fn default() -> Self {
        let o = Options::new(0);
        Config {
            timeout: Some(Duration::from_secs(60)),
            tls: None,
            tls_server_name: None,
            require_tls: false,
            debug: 0,
            limits: o.limits,
            max_stored: o.max_stored,
            use_literal_plus: o.use_literal_plus,
            mailbox_utf7: o.mailbox_utf7,
            tag_seed: None,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("timeout", &self.timeout)
            .field("custom_tls", &self.tls.is_some())
            .field("tls_server_name", &self.tls_server_name)
            .field("require_tls", &self.require_tls)
            .field("debug", &self.debug)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The engine options for a connection whose transport is `secure` (TLS or a local
    /// pipe).
    pub fn options(&self, secure: bool) -> Options {
        let mut o = Options::new(self.tag_seed.unwrap_or_else(random_tag_seed));
        o.limits = self.limits;
        o.max_stored = self.max_stored;
        o.secure = secure;
        o.require_tls = self.require_tls;
        o.use_literal_plus = self.use_literal_plus;
        o.mailbox_utf7 = self.mailbox_utf7;
        o.debug = self.debug;
        o
    }

    /// The TLS configuration to use.
    pub fn tls_config(&self) -> Result<Arc<ClientConfig>> {
        match &self.tls {
            Some(c) => Ok(c.clone()),
            None => crate::tls::default_config(),
        }
    }

    /// The name to verify a server's certificate against when dialling `host`.
    pub fn server_name<'a>(&'a self, host: &'a str) -> &'a str {
        match self.tls_server_name.as_deref() {
            Some(name) => name,
            None if host.is_empty() => "localhost",
            None => host,
        }
    }

    /// Refuses settings imaplib refuses (`timeout=0`).
    pub fn check(&self) -> Result<()> {
        if self.timeout == Some(Duration::ZERO) {
            return Err(Error::error(
                Cause::Argument,
                "Non-blocking socket (timeout=0) is not supported",
            ));
        }
        Ok(())
    }
}

/// A random tag-prefix seed in imaplib's range (4096..=65535), for clients. Tags need to be
/// unpredictable, not secret: std's per-process random hasher keys are enough. The state
/// machine never calls this; it takes its seed from [`Options::new`].
pub fn random_tag_seed() -> u16 {
    use std::hash::BuildHasher;
    let n = std::collections::hash_map::RandomState::new().hash_one(0x1a9_u64);
    4096 + (n % (65536 - 4096)) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_checks() {
        let c = Config::default();
        assert!(c.check().is_ok());
        assert_eq!(c.server_name(""), "localhost");
        assert_eq!(c.server_name("imap.example.org"), "imap.example.org");
        let zero = Config {
            timeout: Some(Duration::ZERO),
            ..Config::default()
        };
        assert_eq!(
            zero.check().unwrap_err().message(),
            "Non-blocking socket (timeout=0) is not supported"
        );
        let seeds: std::collections::HashSet<u16> = (0..50).map(|_| random_tag_seed()).collect();
        assert!(seeds.len() > 40, "tag seeds should vary");
        assert!(seeds.iter().all(|s| *s >= 4096));
        let fixed = Config {
            tag_seed: Some(0x1234),
            ..Config::default()
        };
        assert_eq!(fixed.options(true).tag_prefix(), b"BCDE");
    }
}
