//! Python's `imaplib` for Rust, blocking: `IMAP4`, `IMAP4_SSL` and `IMAP4_stream` over the
//! sans-IO core [`imaplib_proto`].
//!
//! This crate only moves bytes: between a TCP socket, a rustls TLS stream or a child
//! process's pipes, and the protocol engine, with timeouts on connect and on every wait.
//! Everything IMAP — tags, quoting, literals, states, results — lives in `imaplib-proto`,
//! shared with the async client.
//!
//! | imaplib | here |
//! |---|---|
//! | `IMAP4(host, port)` | [`Client::connect`], [`imap4`] |
//! | `IMAP4_SSL(host, port, ssl_context=…)` | [`Client::connect_tls`], [`Client::connect_tls_with`], [`imap4_ssl`] |
//! | `IMAP4_stream(command)` | [`Client::connect_stream`], [`imap4_stream`] |
//! | `M.select('INBOX')` → `('OK', [b'2'])` | `m.select("INBOX", false)?` → [`Reply`] |
//! | `IMAP4.error` / `abort` / `readonly` | [`Error`] with [`ErrorKind`] |
//!
//! TLS is verified by default (unlike imaplib): see [`imaplib_proto::tls`] for adding a
//! private CA or, for throwaway test servers only, turning verification off.
//!
//! ```no_run
//! let mut m = imaplib_blocking::imap4_ssl("imap.example.org", 993)?;
//! m.login("alice", "secret")?;
//! let (typ, data) = { let r = m.select("INBOX", true)?; (r.typ, r.data) };
//! println!("{typ} {data:?}");
//! m.logout()?;
//! # Ok::<(), imaplib_blocking::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod transport;

pub use client::{Client, Idler};
pub use imaplib_proto::{
    self as proto, auth, tls, Cause, Command, CommandId, Config, DateInput, Error, ErrorKind, Item,
    LiteralSink, Reply, Result, State, Text, WriteSink, IMAP4_PORT, IMAP4_SSL_PORT,
};

/// imaplib's `IMAP4(host, port)`.
pub fn imap4(host: &str, port: u16) -> Result<Client> {
    Client::connect(host, port)
}

/// imaplib's `IMAP4_SSL(host, port)`, with certificate and host name verification.
pub fn imap4_ssl(host: &str, port: u16) -> Result<Client> {
    Client::connect_tls(host, port)
}

/// imaplib's `IMAP4_stream(command)`.
pub fn imap4_stream(command: &str) -> Result<Client> {
    Client::connect_stream(command)
}
