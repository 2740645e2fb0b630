//! Wire tracing through the `log` facade, with secrets redacted by construction.
//!
//! imaplib prints to stderr according to its `debug` level (0–5); here the same levels
//! ([`crate::Connection::set_debug`]) decide what goes to the `log` facade: level 1 and up
//! logs commands, completions and tolerated quirks (`debug!`, target `imaplib`); 3 and up
//! every untagged response stored; 4 and up the wire itself (`trace!`, target
//! `imaplib::wire`; server lines as `S:`, client bytes as `C:`, literal contents only as
//! their size). The encoder records the spans
//! of every secret (LOGIN password, AUTHENTICATE responses) in the [`Outgoing`] it produces;
//! the tracer prints `<redacted N bytes>` in their place, so no regex ever has to find them.

/// Log target for raw protocol traffic (imaplib debug level 4+).
pub const WIRE_TARGET: &str = "imaplib::wire";
/// Log target for command-level events (imaplib debug levels 1–3).
pub const TARGET: &str = "imaplib";

pub use crate::outgoing::{Outgoing, Redacted};
pub use crate::repr::{bytes_repr, str_repr, Escaped};

/// Logs bytes sent (redacted) at trace level.
pub(crate) fn sent(out: &Outgoing) {
    log::trace!(target: WIRE_TARGET, "C: {}", out.redacted());
}

/// Logs a framed server response at trace level: its lines, and only the sizes of its
/// literals.
pub(crate) fn received(frame: &crate::frame::Frame) {
    log::trace!(target: WIRE_TARGET, "S: {}", Escaped(&frame.first));
    for (literal, line) in &frame.parts {
        log::trace!(target: WIRE_TARGET, "S: <literal {} bytes>", literal.len());
        log::trace!(target: WIRE_TARGET, "S: {}", Escaped(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reprs_match_python() {
        assert_eq!(bytes_repr(b"INBOX"), "b'INBOX'");
        assert_eq!(bytes_repr(b"a\\\r\n\x00'\""), "b'a\\\\\\r\\n\\x00\\'\"'");
        assert_eq!(bytes_repr(b"a'"), "b\"a'\"");
        assert_eq!(str_repr("INBOX"), "'INBOX'");
        assert_eq!(str_repr("it's"), "\"it's\"");
    }
}
