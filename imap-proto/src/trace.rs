//! Logging through the `log` facade, with secrets redacted by construction.
//!
//! One switch: the `log` level (e.g. `RUST_LOG`) decides what is logged, whatever imaplib's
//! `debug` level. Every record has imaplib's level of the message, mapped onto a `log` level:
//! commands, completions, failures, tolerated quirks and dropped responses (imaplib 1) at
//! `debug`; every untagged response stored (imaplib 3) and the wire itself (imaplib 4: server
//! lines as `S:`, client bytes as `C:`, literal contents only as their size) at `trace`.
//! imaplib's `debug` attribute ([`crate::Connection::set_debug`]) raises the messages of the
//! levels it covers to `info`, as imaplib prints them when asked. Targets are module paths:
//! the wire is [`WIRE_TARGET`] (`imaplib_proto::trace`), the rest `imaplib_proto::session::…`
//! and `imaplib_proto::driver`.
//!
//! The encoder records the spans of every secret (LOGIN password, AUTHENTICATE responses) in
//! the [`Outgoing`] it produces; the tracer prints `<redacted N bytes>` in their place, so no
//! regex ever has to find them.

/// Log target of the raw protocol traffic (imaplib debug level 4): this module's path.
pub const WIRE_TARGET: &str = module_path!();

/// The `log` level of a message imaplib prints from its debug level `imaplib_level` on,
/// for a connection whose imaplib `debug` is `debug`: `info` when that `debug` asks for it,
/// else `debug` (imaplib levels 1–2) or `trace` (3 and up).
pub fn level(debug: u8, imaplib_level: u8) -> log::Level {
    if debug >= imaplib_level {
        log::Level::Info
    } else if imaplib_level <= 2 {
        log::Level::Debug
    } else {
        log::Level::Trace
    }
}

/// `note!(debug, imaplib_level, format…)`: logs at [`level`]`(debug, imaplib_level)`, target
/// the calling module.
macro_rules! note {
    ($debug:expr, $imaplib:expr, $($arg:tt)+) => {
        log::log!($crate::trace::level($debug, $imaplib), $($arg)+)
    };
}
pub(crate) use note;

pub use crate::outgoing::{Outgoing, Redacted};
pub use crate::repr::{bytes_repr, str_repr, Escaped};

/// Logs bytes sent (redacted), imaplib level 4.
pub(crate) fn sent(debug: u8, out: &Outgoing) {
    let lvl = level(debug, 4);
    if log::log_enabled!(lvl) {
        log::log!(lvl, "C: {}", out.redacted());
    }
}

/// Logs a framed server response, imaplib level 4: its lines, and only the sizes of its
/// literals.
pub(crate) fn received(debug: u8, frame: &crate::frame::Frame) {
    let lvl = level(debug, 4);
    if !log::log_enabled!(lvl) {
        return;
    }
    log::log!(lvl, "S: {}", Escaped(&frame.first));
    for (literal, line) in &frame.parts {
        log::log!(lvl, "S: <literal {} bytes>", literal.len());
        log::log!(lvl, "S: {}", Escaped(line));
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
