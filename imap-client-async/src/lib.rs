//! Python's `imaplib` for Rust, async: the same client as `imaplib-blocking`, over any
//! futures-io stream, on the same sans-IO core [`imaplib_proto`].
//!
//! The method surface is generated from the same macro as the blocking client's
//! ([`imaplib_proto::imaplib_methods!`]), so `m.select("INBOX", false).await?` returns the
//! same imaplib-shaped `('OK', [b'2'])` as its blocking twin. Nothing IMAP is written here:
//! this crate moves bytes and owns time (timeouts via `async-io`'s timers, which work under
//! any executor).
//!
//! # Runtimes
//!
//! - **smol** (feature `smol`, the default): `Client::connect*` use `async-net`.
//! - **async-std** (feature `async-std`): the [`async_std`] module has the same connect
//!   helpers over `async_std::net`. async-std is discontinued upstream (its crate now reads
//!   "Deprecated in favor of smol"; RUSTSEC-2025-0052), which is why smol is the default;
//!   both run on async-io, so the client behaves the same on either.
//! - **tokio**: connect a `tokio::net::TcpStream`, wrap it with
//!   `tokio_util::compat::TokioAsyncReadCompatExt::compat()`, and hand it to
//!   [`Client::from_stream`] (plain or STARTTLS) or [`Client::from_stream_tls`] (implicit
//!   TLS). Timers come from async-io, which runs its own reactor thread, so they work inside
//!   tokio too.
//!
//! ```ignore
//! // tokio, through the compat adapter:
//! use tokio_util::compat::TokioAsyncReadCompatExt;
//! let tcp = tokio::net::TcpStream::connect(("imap.example.org", 993)).await?.compat();
//! let mut m = imaplib_async::Client::from_stream_tls(tcp, "imap.example.org", &Default::default()).await?;
//! m.login("alice", "secret").await?;
//! ```
//!
//! # Pipelining, IDLE, cancellation
//!
//! [`Client::submit`] queues a command without waiting and [`Client::wait`] collects any
//! submitted command's result, so several commands can be in flight. [`Client::idle`]
//! returns a [`futures_lite::Stream`] of unsolicited responses. Every future is
//! cancellation-safe (see [`Client`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod transport;

pub use async_process;
pub use client::{Client, Idler};
pub use imaplib_proto::client::exports::*;
pub use transport::{BoxStream, Duplex, ProcessStream};

/// Connect helpers over async-std's networking (feature `async-std`).
#[cfg(feature = "async-std")]
pub mod async_std {
    use crate::{transport::Net, Client, Config, Result};

    /// `IMAP4(host, port)` over `async_std::net::TcpStream`.
    pub async fn connect(host: &str, port: u16, config: &Config) -> Result<Client> {
        Client::connect_on(Net::AsyncStd, host, port, config, false).await
    }

    /// `IMAP4_SSL(host, port)` over `async_std::net::TcpStream`.
    pub async fn connect_tls(host: &str, port: u16, config: &Config) -> Result<Client> {
        Client::connect_on(Net::AsyncStd, host, port, config, true).await
    }

    /// Plain TCP then required STARTTLS, over `async_std::net::TcpStream`.
    pub async fn connect_starttls(host: &str, port: u16, config: &Config) -> Result<Client> {
        let config = config.clone().with_require_tls(true);
        Client::connect_on(Net::AsyncStd, host, port, &config, false).await
    }
}

/// The crate's README, compiled (and run where it needs no server) as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
