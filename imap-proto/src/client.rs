//! What every client holds besides its transport (feature `rustls`).
//!
//! The blocking and async clients are a transport plus a [`Core`]: the driver, the
//! settings, where the client connected, and the buffer reads go into. Their methods come
//! from [`crate::client_methods!`]; [`exports`] is the list of names both re-export.

use std::time::Instant;

use crate::auth::ChannelBinding;
use crate::config::Config;
use crate::driver::Driver;
use crate::error::Result;

/// Size of each read from a transport.
pub const READ_CHUNK: usize = 64 * 1024;

/// The transport-independent half of a client.
pub struct Core {
    /// The client driver.
    pub driver: Driver,
    /// The settings the client was made with (timeouts as they are now).
    pub config: Config,
    /// The host dialled (`""` for a child process or a stream given by the caller).
    pub host: String,
    /// The port dialled, if known.
    pub port: Option<u16>,
    /// The buffer reads go into (and streamed literals are passed from).
    pub buf: Box<[u8]>,
}

impl Core {
    /// The core of a client connected to `host:port` over a transport that is `secure`
    /// (TLS, or a trusted local pipe) or not.
    pub fn new(config: &Config, host: &str, port: Option<u16>, secure: bool) -> Self {
        Core {
            driver: Driver::new(config.options(secure), config.timeouts),
            config: config.clone(),
            host: host.to_string(),
            port,
            buf: vec![0; READ_CHUNK].into_boxed_slice(),
        }
    }

    /// The name to verify the server's certificate against.
    pub fn server_name(&self) -> &str {
        self.config.server_name(&self.host)
    }

    /// After the TLS handshake a STARTTLS asked for ([`Step::StartTls`](crate::driver::Step)):
    /// its outcome — the new session's channel binding, or why it failed — goes to the
    /// driver, which resumes (or fails the connection).
    pub fn upgraded(&mut self, outcome: Result<Option<ChannelBinding>>, now: Instant) {
        match outcome {
            Ok(binding) => {
                self.driver.connection_mut().set_channel_binding(binding);
                // An error here is the connection's own, already recorded in it.
                drop(self.driver.tls_established(now))
            }
            Err(e) => self.driver.transport_error(e, now),
        }
    }
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("driver", &self.driver)
            .finish_non_exhaustive()
    }
}

/// The names both clients re-export (`pub use imaplib_proto::client::exports::*;`).
pub mod exports {
    pub use crate::driver::Timeouts;
    pub use crate::{
        self as proto, auth, error, tls, Cause, Command, CommandId, Config, DateInput, Error,
        ErrorKind, Item, LiteralSink, Reason, Reply, Result, State, Text, WriteSink, IMAP4_PORT,
        IMAP4_SSL_PORT,
    };
}
