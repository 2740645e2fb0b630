//! Support code for the integration tests of imaplib-rs.
//!
//! The tests in `tests/tests/` run the clients against a real Dovecot on loopback, started by
//! [`dovecot::dovecot()`], and compare with CPython's `imaplib` where `python3` helps. Dovecot
//! must be installed (`scripts/setup-dovecot`, as root); the harness panics, and never skips,
//! when it is not. [`hostile`] plays scripted hostile servers on loopback, and [`memory`] is
//! an in-memory server stream that both clients run over without a socket or a clock;
//! [`runtimes`] runs the async tests under smol, async-std and tokio; [`scram`] is the
//! server side of SCRAM-SHA-256(-PLUS) for scripted servers; [`connect`] gives logged-in
//! clients over plain TCP or implicit TLS; [`swarm`] idles many async sessions on one
//! mailbox and wakes them all.
// Unsafe only where it cannot be avoided: the counting allocator (`counting`).
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod connect;
pub mod counting;
pub mod differential;
pub mod dovecot;
pub mod hostile;
pub mod mailgen;
pub mod memory;
pub mod runtimes;
pub mod scenarios;
pub mod scram;
pub mod swarm;
pub mod wire;

/// The README's Rust examples, compiled (and run, unless marked `no_run`) as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
