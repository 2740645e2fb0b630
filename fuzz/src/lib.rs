//! Check logic of the cargo-fuzz targets on `imaplib-proto`.
//!
//! Each module has a `check(data: &[u8])` that panics when a property is violated; the
//! targets in `fuzz_targets/` call it, and `imap-proto/tests/fuzz_regressions.rs` includes
//! these same files (with `#[path]`) to replay every saved crash input as a normal test.
//! The modules use only `imaplib_proto` and `std`, and refer to each other as `crate::…`,
//! so they compile the same way in both crates.
//!
//! * [`framer`] — any chunking frames like one shot; limits hold.
//! * [`parser`] — the typed parser never panics; canonical forms re-parse to the same value;
//!   the views over imaplib-shaped items agree with `parse_response`.
//! * [`session`] — a whole `Connection` under interleaved commands and server bytes: bounded
//!   memory, every command completes exactly once, nothing completes twice or unknown.
//! * [`driver`] — the client driver under tasks polled and abandoned at random and a
//!   jumping clock: deadlines in the future, results handed out once, nothing waits on a
//!   dead connection, everything done after EOF.
//! * [`encoder`] — every constructor either refuses an argument with a clear error or
//!   sends exactly one command that carries the argument's value; [`builders`] makes the
//!   same check of commands built from the Rust face's builders.

pub mod builders;
pub mod bytes;
pub mod command_reader;
pub mod commands;
pub mod driver;
pub mod encoder;
pub mod ext_builders;
pub mod framer;
pub mod parser;
pub mod session;
