//! Client settings shared by the blocking and async clients (feature `rustls`).
//!
//! A [`Config`] is the engine's [`Options`], the driver's [`Timeouts`] and the TLS
//! settings, in one value that both clients take:
//!
//! ```
//! use std::time::Duration;
//! use imaplib_proto::Config;
//!
//! let config = Config::default()
//!     .with_timeout(Some(Duration::from_secs(30)))       // imaplib's timeout (silence)
//!     .with_command_timeout(Some(Duration::from_secs(300)))
//!     .with_require_tls(true);
//! assert!(config.check().is_ok());
//! assert_eq!(config.timeout(), Some(Duration::from_secs(30)));
//! ```

use std::sync::Arc;
use std::time::Duration;

use crate::driver::Timeouts;
use crate::error::{ArgumentProblem, Error, Reason, Result};
use crate::frame::Limits;
use crate::session::Options;
use crate::tls::rustls::ClientConfig;

/// Connection settings. `Config::default()` verifies TLS against the Mozilla roots, times
/// out after 60 seconds of silence, re-issues IDLE every 25 minutes, and uses imaplib's
/// debug level 0.
///
/// Build it with `Config::default()` and the `with_*` methods: the struct is
/// `#[non_exhaustive]`, so that new settings are not breaking changes. Its fields stay public
/// for reading and changing in place.
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    /// The engine's settings (limits, stored-response bound, LITERAL+, modified UTF-7,
    /// debug level, TLS requirement). Its tag seed is replaced when a client connects (by
    /// [`Config::tag_seed`], or a random one), and whether the transport is secure is the
    /// client's to say.
    pub options: Options,
    /// The driver's deadlines; see [`crate::driver#timeouts`].
    pub timeouts: Timeouts,
    /// The TLS configuration for IMAP4_SSL and STARTTLS (imaplib's `ssl_context`); `None`
    /// means [`crate::tls::default_config`].
    pub tls: Option<Arc<ClientConfig>>,
    /// The name to verify the server's certificate against, when it differs from the host
    /// dialled (e.g. dialling `127.0.0.1` for a certificate issued to `localhost`).
    pub tls_server_name: Option<String>,
    /// Fix the tag prefix seed (tests); random otherwise.
    pub tag_seed: Option<u16>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            options: Options::new(0),
            timeouts: Timeouts::default(),
            tls: None,
            tls_server_name: None,
            tag_seed: None,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("options", &self.options)
            .field("timeouts", &self.timeouts)
            .field("custom_tls", &self.tls.is_some())
            .field("tls_server_name", &self.tls_server_name)
            .field("tag_seed", &self.tag_seed)
            .finish()
    }
}

impl Config {
    /// The engine options for a connection whose transport is `secure` (TLS or a local
    /// pipe), with the tag seed to use.
    pub fn options(&self, secure: bool) -> Options {
        let mut o = self
            .options
            .clone()
            .with_tag_seed(self.tag_seed.unwrap_or_else(random_tag_seed));
        o.secure = secure;
        o
    }

    /// imaplib's `timeout`: the silence timeout ([`Timeouts::silence`]).
    pub fn timeout(&self) -> Option<Duration> {
        self.timeouts.silence
    }

    /// With imaplib's `timeout` (the silence timeout); `None` waits forever.
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeouts.silence = timeout;
        self
    }

    /// With a per-command deadline ([`Timeouts::command`]).
    pub fn with_command_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeouts.command = timeout;
        self
    }

    /// With an IDLE silence timeout ([`Timeouts::idle_silence`]).
    pub fn with_idle_silence(mut self, timeout: Option<Duration>) -> Self {
        self.timeouts.idle_silence = timeout;
        self
    }

    /// With an IDLE keepalive period ([`Timeouts::idle_keepalive`]).
    pub fn with_idle_keepalive(mut self, period: Option<Duration>) -> Self {
        self.timeouts.idle_keepalive = period;
        self
    }

    /// With STARTTLS required on plain connections ([`Options::require_tls`]).
    pub fn with_require_tls(mut self, require: bool) -> Self {
        self.options.require_tls = require;
        self
    }

    /// With this TLS configuration.
    pub fn with_tls(mut self, tls: Arc<ClientConfig>) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Verifying the server's certificate against `name`.
    pub fn with_tls_server_name(mut self, name: impl Into<String>) -> Self {
        self.tls_server_name = Some(name.into());
        self
    }

    /// With imaplib's debug level ([`Options::debug`]).
    pub fn with_debug(mut self, level: u8) -> Self {
        self.options.debug = level;
        self
    }

    /// With these framing limits ([`Options::limits`]).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.options.limits = limits;
        self
    }

    /// With this bound on stored untagged responses ([`Options::max_stored`]).
    pub fn with_max_stored(mut self, bytes: usize) -> Self {
        self.options.max_stored = bytes;
        self
    }

    /// With a fixed tag seed (tests).
    pub fn with_tag_seed(mut self, seed: u16) -> Self {
        self.tag_seed = Some(seed);
        self
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

    /// Refuses settings imaplib refuses (`timeout=0`), and zero durations elsewhere.
    pub fn check(&self) -> Result<()> {
        check_timeouts(&self.timeouts)
    }
}

/// Refuses zero durations: imaplib refuses `timeout=0`, and a zero deadline of another
/// kind would fail every command at once.
pub fn check_timeouts(t: &Timeouts) -> Result<()> {
    if t.silence == Some(Duration::ZERO) {
        return Err(Error::error(
            Reason::argument("timeout", ArgumentProblem::Zero),
            "Non-blocking socket (timeout=0) is not supported",
        ));
    }
    for (name, d) in [
        ("command timeout", t.command),
        ("IDLE silence timeout", t.idle_silence),
        ("IDLE keepalive", t.idle_keepalive),
    ] {
        if d == Some(Duration::ZERO) {
            return Err(Error::error(
                Reason::argument(name, ArgumentProblem::Zero),
                format!("a zero {name} is not supported"),
            ));
        }
    }
    Ok(())
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
        let zero = Config::default().with_timeout(Some(Duration::ZERO));
        assert_eq!(
            zero.check().unwrap_err().message(),
            "Non-blocking socket (timeout=0) is not supported"
        );
        let zero = Config::default().with_idle_keepalive(Some(Duration::ZERO));
        assert_eq!(
            zero.check().unwrap_err().message(),
            "a zero IDLE keepalive is not supported"
        );
        let seeds: std::collections::HashSet<u16> = (0..50).map(|_| random_tag_seed()).collect();
        assert!(seeds.len() > 40, "tag seeds should vary");
        assert!(seeds.iter().all(|s| *s >= 4096));
        let fixed = Config::default().with_tag_seed(0x1234).with_debug(3);
        let o = fixed.options(true);
        assert_eq!(o.tag_prefix(), b"BCDE");
        assert!(o.secure);
        assert_eq!(o.debug, 3);
    }
}
