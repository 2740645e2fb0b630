//! Python's `imaplib` for Rust, async: the same client as `imaplib-blocking`, over any
//! futures-io stream, on the same sans-IO core [`imaplib_proto`], under smol, async-std or
//! tokio.
//!
//! The method surface is generated from the same macro as the blocking client's
//! ([`imaplib_proto::imaplib_methods!`]), so `m.select("INBOX", false).await?` returns the
//! same imaplib-shaped `('OK', [b'2'])` as its blocking twin. Nothing IMAP is written here:
//! this crate moves bytes and owns time.
//!
//! # Runtimes
//!
//! One feature per runtime; each brings a module with the client under that runtime, with
//! the same methods and the same constructors (`connect`, `connect_with`, `connect_tls`,
//! `connect_tls_with`, `connect_starttls`, `connect_stream*`, `connect_process`,
//! `from_stream`, `from_stream_tls`):
//!
//! | feature | client | timers | TCP | processes |
//! |---|---|---|---|---|
//! | `smol` (default) | [`smol::Client`] (also [`Client`]) | async-io | async-net | async-process |
//! | `async-std` | [`async_std::Client`] | async-io | `async_std::net` | async-process |
//! | `tokio` | [`tokio::Client`] | `tokio::time` | `tokio::net` | `tokio::process` |
//!
//! Under tokio, use `default-features = false, features = ["tokio"]`: nothing of async-io
//! is then compiled, and no second reactor thread runs beside tokio's. async-std is
//! discontinued upstream ("Deprecated in favor of smol"; RUSTSEC-2025-0052), which is why
//! smol is the default; both run on async-io, so the client behaves the same on either.
//!
//! The runtime is a type parameter: every alias above is [`generic::Client<S, R>`] with
//! `R` one of [`SmolRuntime`], [`AsyncStdRuntime`], [`TokioRuntime`] (the [`Runtime`]
//! trait: a timer, a TCP connect, child processes). Features only add runtimes: with
//! several enabled, each module keeps its runtime, so code that names one (`tokio::Client`)
//! means the same whatever else the dependency graph enables. [`Client`] is smol's, as the
//! default feature; code for another runtime names its module. Without any runtime
//! feature, [`generic::Client`] runs on a [`Runtime`] of one's own.
//!
//! The same session under each runtime (each module's page has more):
//!
//! ```no_run
//! # #[cfg(feature = "smol")]
//! // smol (the default feature), e.g. in smol::block_on:
//! async fn with_smol() -> imaplib_async::Result<()> {
//!     let mut m = imaplib_async::smol::Client::connect_tls("imap.example.org", 993).await?;
//!     m.login("alice", "secret").await?;
//!     m.logout().await?;
//!     Ok(())
//! }
//!
//! # #[cfg(feature = "async-std")]
//! // async-std (feature `async-std`), e.g. in async_std::task::block_on:
//! async fn with_async_std() -> imaplib_async::Result<()> {
//!     let mut m = imaplib_async::async_std::Client::connect_tls("imap.example.org", 993).await?;
//!     m.login("alice", "secret").await?;
//!     m.logout().await?;
//!     Ok(())
//! }
//!
//! # #[cfg(feature = "tokio")]
//! // tokio (`default-features = false, features = ["tokio"]`), e.g. in #[tokio::main] or
//! // tokio::spawn (the futures are Send):
//! async fn with_tokio() -> imaplib_async::Result<()> {
//!     let mut m = imaplib_async::tokio::Client::connect_tls("imap.example.org", 993).await?;
//!     m.login("alice", "secret").await?;
//!     m.logout().await?;
//!     Ok(())
//! }
//! ```
//!
//! The TLS layer is futures-rustls under every runtime, over [`tokio::Compat`] under tokio:
//! one TLS code path, including the STARTTLS handshake kept across dropped futures.
//!
//! # Pipelining, IDLE, cancellation
//!
//! [`generic::Client::submit`] queues a command without waiting and
//! [`generic::Client::wait`] collects any submitted command's result, so several commands
//! can be in flight. [`generic::Client::idle`] returns a [`futures_lite::Stream`] of
//! unsolicited responses. Every future is `Send` and cancellation-safe (see
//! [`generic::Client`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// The docs link every runtime's items; they resolve with all features (as docs.rs builds).
#![cfg_attr(
    not(all(feature = "smol", feature = "async-std", feature = "tokio")),
    allow(rustdoc::broken_intra_doc_links)
)]

/// The aliases of a runtime's module: the client and its IDLE handle with `$rt` fixed.
#[cfg(any(feature = "smol", feature = "async-std", feature = "tokio"))]
macro_rules! runtime_aliases {
    ($rt:ident, $name:literal) => {
        #[doc = concat!("The client under ", $name, ": [`generic::Client`](crate::generic::Client) on [`", stringify!($rt), "`], over the connect helpers' [`BoxStream`](crate::BoxStream) unless given a stream type.")]
        pub type Client<S = crate::BoxStream> = crate::generic::Client<S, $rt>;

        #[doc = concat!("An IDLE in progress under ", $name, ".")]
        pub type Idler<'a, S = crate::BoxStream> = crate::generic::Idler<'a, S, $rt>;

        #[doc = concat!("The typed face of a client under ", $name, " (`client.typed()`).")]
        pub type Typed<'a, S = crate::BoxStream> = crate::generic::Typed<'a, S, $rt>;
    };
}
#[cfg(any(feature = "smol", feature = "async-std", feature = "tokio"))]
pub(crate) use runtime_aliases;

mod client;
mod runtime;
#[cfg(test)]
mod send_check;
#[cfg(feature = "tokio")]
pub mod tokio;
mod transport;

pub use imaplib_proto::client::exports::*;
#[cfg(feature = "async-std")]
pub use runtime::AsyncStdRuntime;
pub use runtime::Runtime;
#[cfg(feature = "smol")]
pub use runtime::SmolRuntime;
#[cfg(feature = "tokio")]
pub use tokio::TokioRuntime;
pub use transport::{BoxStream, Duplex};

/// The client generic over its runtime, for code that runs on any.
pub mod generic {
    pub use crate::client::{Client, Idler, Typed};
}

/// The client under smol (feature `smol`, the default): TCP from `async-net`, timers from
/// `async-io`, processes from `async-process`.
///
/// ```no_run
/// # async fn demo() -> imaplib_async::Result<()> {
/// use imaplib_async::smol::Client;
///
/// let mut m = Client::connect_tls("imap.example.org", 993).await?;
/// m.login("alice", "secret").await?;
/// m.logout().await?;
/// # Ok(()) }
/// ```
#[cfg(feature = "smol")]
pub mod smol {
    pub use crate::runtime::SmolRuntime;
    crate::runtime_aliases!(SmolRuntime, "smol");
}

/// The client under async-std (feature `async-std`): TCP from `async_std::net`, timers
/// from `async-io`, processes from `async-process`.
///
/// ```no_run
/// # async fn demo() -> imaplib_async::Result<()> {
/// use imaplib_async::async_std::Client;
///
/// let config = imaplib_async::Config::default();
/// let mut m = Client::connect_starttls("imap.example.org", 143, &config).await?;
/// m.login("alice", "secret").await?;
/// m.logout().await?;
/// # Ok(()) }
/// ```
#[cfg(feature = "async-std")]
pub mod async_std {
    pub use crate::runtime::AsyncStdRuntime;
    crate::runtime_aliases!(AsyncStdRuntime, "async-std");
}

#[cfg(feature = "smol")]
pub use smol::{Client, Idler};

/// The crate's README, compiled (and run where it needs no server) as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
