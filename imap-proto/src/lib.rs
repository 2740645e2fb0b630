//! A sans-IO IMAP4rev1 client engine with the semantics of Python's `imaplib`.
//!
//! This crate is the protocol brain shared by `imaplib-blocking` and `imaplib-async`: it
//! knows everything about IMAP — tags, quoting, literals, parsing, states, untagged
//! responses, STARTTLS, AUTHENTICATE, IDLE — and nothing about sockets, threads or clocks.
//! Bytes from the server go in through [`Connection::feed`]; commands go in through
//! [`Connection::submit`]; [`Connection::poll_output`] says what to send and what
//! completed, with results shaped exactly like imaplib's `(typ, data)`.
//!
//! * [`frame`] cuts server bytes into responses in linear time, whatever the chunking, with
//!   limits on lines and literals.
//! * [`response`] holds imaplib's result types ([`Reply`], [`Item`]).
//! * [`command`] has one constructor per imaplib method; [`encode`] puts every argument in
//!   the grammar form its position allows, so no argument can inject a command.
//! * [`build`] has the Rust face's values — [`Flag`], [`SearchKey`], [`FetchAttr`],
//!   [`StoreFlags`] — for the `Command::*_with` constructors; [`SequenceSet`] is the one
//!   set type, read from SEARCH results and taken by every command.
//! * [`session`] is the state machine ([`Connection`]).
//! * [`parse`] gives typed, zero-copy views of the same responses — FETCH items with
//!   ENVELOPE and BODYSTRUCTURE, LIST, STATUS, SEARCH as ranges, THREAD as a tree, response
//!   codes — over a raw [`frame::Frame`] or an imaplib-shaped [`Reply`], tolerating the
//!   catalogued server quirks by name.
//! * [`typed`] is the Rust face's results: a completed command as Rust values ([`Mailbox`],
//!   [`MailboxStatus`], [`Messages`], [`CopyUid`]…), `NO` and `BAD` as errors.
//! * [`outgoing`] is what goes to the server, secrets marked; [`trace`] logs it redacted.
//! * `deflate` (feature `deflate`) is the COMPRESS=DEFLATE codec the clients stack on their
//!   transport when [`Command::compress`] succeeds.
//! * [`auth`] has the SASL mechanisms; [`util`] imaplib's `Int2AP`, `ParseFlags`,
//!   `Internaldate2tuple` and `Time2Internaldate`; [`mutf7`] modified UTF-7.
//!
//! ```
//! use imaplib_proto::{Command, Connection, Options, Output};
//!
//! let mut conn = Connection::new(Options::new(0x1234)); // tags BCDE0, BCDE1, …
//! conn.feed(b"* OK [CAPABILITY IMAP4rev1 IDLE] Dovecot ready.\r\n");
//! assert!(matches!(conn.poll_output(), Some(Output::Connected)));
//!
//! // Every call returns at once; bytes to write come out of poll_output().
//! conn.submit(Command::login("alice", "secret")?)?;
//! let select = conn.submit(Command::select("INBOX", false)?);
//! assert!(select.is_err()); // SELECT is illegal before LOGIN completes, as in imaplib
//! let Some(Output::Send(bytes)) = conn.poll_output() else { unreachable!() };
//! assert_eq!(bytes.bytes, b"BCDE0 LOGIN alice \"secret\"\r\n");
//! assert_eq!(format!("{bytes:?}"), "Outgoing(\"BCDE0 LOGIN alice <redacted 8 bytes>\\r\\n\")");
//!
//! conn.feed(b"BCDE0 OK [CAPABILITY IMAP4rev1 IDLE MOVE] Logged in\r\n");
//! let Some(Output::Completed { result, .. }) = conn.poll_output() else { unreachable!() };
//! assert_eq!(result?.python_repr(), "('OK', [b'[CAPABILITY IMAP4rev1 IDLE MOVE] Logged in'])");
//! assert!(conn.has_capability("MOVE"));
//!
//! conn.submit(Command::select("INBOX", false)?)?;
//! conn.feed(b"* 2 EXISTS\r\nBCDE1 OK [READ-WRITE] Select completed.\r\n");
//! let Some(Output::Send(_)) = conn.poll_output() else { unreachable!() };
//! let Some(Output::Completed { result, .. }) = conn.poll_output() else { unreachable!() };
//! assert_eq!(result?.python_repr(), "('OK', [b'2'])");
//! # Ok::<(), imaplib_proto::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod auth;
pub mod build;
#[cfg(feature = "rustls")]
pub mod client;
pub mod command;
#[cfg(feature = "rustls")]
pub mod config;
#[cfg(feature = "deflate")]
pub mod deflate;
pub mod driver;
pub mod encode;
pub mod error;
pub mod frame;
mod grammar;
pub mod methods;
pub mod mutf7;
pub mod outgoing;
pub mod parse;
mod repr;
pub mod response;
mod seqset;
pub mod session;
pub mod sink;
#[cfg(feature = "rustls")]
pub mod tls;
pub mod trace;
pub mod typed;
pub mod util;

pub use auth::Authenticator;
pub use build::{
    EntryType, FetchAttr, FetchAttrs, Flag, Keyword, Qresync, SearchKey, Section, SelectParams,
    SortCriterion, SortKey, StoreFlags, StoreMode, ThreadAlgorithm,
};
pub use command::{Command, State};
#[cfg(feature = "rustls")]
pub use config::Config;
pub use encode::{IntoSequenceSet, SequenceSet, Text};
pub use error::{Cause, Error, ErrorKind, Reason, Result};
pub use frame::Limits;
pub use response::{Item, Reply};
pub use seqset::SeqRange;
pub use session::{CommandId, Connection, Diagnostics, Options, Output};
pub use sink::{LiteralSink, WriteSink};
pub use typed::{
    AppendUid, CapabilitySet, CopyUid, Esearch, Expunged, ListEntry, Mailbox, MailboxName,
    MailboxStatus, Messages, Moved, SpecialUse,
};
pub use util::{int2ap, internaldate2tuple, parse_flags, time2internaldate, DateInput};

/// The date-time library used by the utilities and the typed views.
pub use chrono;

/// The refcounted byte buffer literals are handed out in ([`Item::Literal`], framed
/// [`frame::Frame`]s): a slice of the buffer the bytes were read into, shared rather than
/// copied. It derefs to `[u8]`, compares with `&[u8]` and `Vec<u8>`, and `.to_vec()` copies.
pub use bytes::Bytes;

/// imaplib's default port for IMAP4.
pub const IMAP4_PORT: u16 = 143;
/// imaplib's default port for IMAP4_SSL.
pub const IMAP4_SSL_PORT: u16 = 993;

/// The crate's README, compiled (and run where it needs no server) as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
