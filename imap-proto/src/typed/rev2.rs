//! IMAP4rev2 (RFC 9051) and UTF8=ACCEPT (RFC 6855): which took effect ([`Rev2Modes`]).

use crate::session::Connection;

/// The modes a server confirmed in its `ENABLED` responses: IMAP4rev2 and UTF8=ACCEPT.
/// Returned by the typed face's `enable_rev2`; [`Rev2Modes::of`] reads them from a
/// connection at any time.
///
/// ```
/// use imaplib_proto::{typed, Command, Connection, Options, Output};
/// let mut conn = Connection::new(Options::new(0x1234));
/// # conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1 IMAP4rev2 UTF8=ACCEPT\r\nBCDE0 OK done\r\n");
/// # while conn.poll_output().is_some() {}
/// assert_eq!(typed::Rev2Modes::request(&conn), ["IMAP4rev2", "UTF8=ACCEPT"]);
/// conn.submit(Command::enable_extensions(&["IMAP4rev2", "UTF8=ACCEPT"])?)?;
/// conn.feed(b"* ENABLED IMAP4rev2\r\nBCDE1 OK Enabled\r\n");
/// while conn.poll_output().is_some() {}
/// let modes = typed::Rev2Modes::of(&conn);
/// assert!(modes.rev2 && !modes.utf8_accept); // the server confirmed only IMAP4rev2
/// assert!(conn.utf8_enabled()); // UTF-8 mailbox names all the same: rev2 has them
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Rev2Modes {
    /// The server confirmed `IMAP4rev2` ([`Connection::rev2`]).
    pub rev2: bool,
    /// The server confirmed `UTF8=ACCEPT` ([`Connection::utf8_accepted`]).
    pub utf8_accept: bool,
}

impl Rev2Modes {
    /// The modes in effect on `conn`.
    pub fn of(conn: &Connection) -> Self {
        Rev2Modes {
            rev2: conn.rev2(),
            utf8_accept: conn.utf8_accepted(),
        }
    }

    /// What to put in `ENABLE` to get the modes `conn`'s server advertises and the
    /// session does not have yet: `IMAP4rev2` and `UTF8=ACCEPT` (`UTF8=ONLY` implies
    /// it, RFC 6855 §5), in that order; empty when there is nothing to ask.
    pub fn request(conn: &Connection) -> Vec<&'static str> {
        let mut ask = Vec::new();
        if conn.has_capability("IMAP4rev2") && !conn.rev2() {
            ask.push("IMAP4rev2");
        }
        let utf8 = conn.has_capability("UTF8=ACCEPT") || conn.has_capability("UTF8=ONLY");
        if utf8 && !conn.utf8_accepted() {
            ask.push("UTF8=ACCEPT");
        }
        ask
    }
}
