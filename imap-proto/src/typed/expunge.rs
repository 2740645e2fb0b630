//! EXPUNGE and VANISHED ([`Expunged`]).

use super::{from_parsed, malformed, number_u32, SeqSet};
use crate::error::Result;
use crate::parse;
use crate::response::{Item, Reply};
use crate::session::Connection;

/// The messages that left the mailbox: EXPUNGE responses, and VANISHED responses from a
/// server with QRESYNC enabled (RFC 7162), which sends those instead.
///
/// ```
/// use imaplib_proto::{typed, Command, Connection, Options, Output};
/// let mut conn = Connection::new(Options::new(0x1234));
/// # conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1\r\nBCDE0 OK done\r\n");
/// # while conn.poll_output().is_some() {}
/// # conn.submit(Command::select("INBOX", false)?)?;
/// # conn.feed(b"* 4 EXISTS\r\nBCDE1 OK [READ-WRITE] Select completed.\r\n");
/// # while conn.poll_output().is_some() {}
/// conn.submit(Command::expunge())?;
/// // Dovecot 2.3's answer when messages 1 and 2 had \Deleted.
/// conn.feed(b"* 2 EXPUNGE\r\n* 1 EXPUNGE\r\nBCDE2 OK Expunge completed (0.008 + 0.000 secs).\r\n");
/// let reply = loop {
///     if let Some(Output::Completed { result, .. }) = conn.poll_output() { break result? }
/// };
/// assert_eq!(reply.python_repr(), "('OK', [b'2', b'1'])"); // the imaplib face's result
/// let expunged = typed::expunge(reply, &mut conn)?;
/// assert_eq!(expunged.seqs, [2, 1]);
/// assert!(expunged.vanished.is_empty());
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Expunged {
    /// The sequence numbers of the EXPUNGE responses, in the order received. Each is
    /// relative to the mailbox after the ones before it: `* 2 EXPUNGE` then `* 1 EXPUNGE`
    /// removed messages 2 and 1; `* 1 EXPUNGE` twice removed messages 1 and 2.
    pub seqs: Vec<u32>,
    /// The UIDs of VANISHED responses (not `VANISHED (EARLIER)`).
    pub vanished: SeqSet,
}

impl Expunged {
    /// True if no message left.
    pub fn is_empty(&self) -> bool {
        self.seqs.is_empty() && self.vanished.is_empty()
    }
}

/// EXPUNGE or UID EXPUNGE → [`Expunged`]: the EXPUNGE responses of the imaplib face's
/// result, and the VANISHED responses, popped from the store (imaplib pops EXPUNGE; leaving
/// VANISHED there would report them again at the next EXPUNGE). `VANISHED (EARLIER)`
/// responses, which are not expunges of this command, are put back. As with imaplib, this
/// includes expunges the server announced earlier that nobody took. NO and BAD are errors.
pub fn expunge(reply: Reply, conn: &mut Connection) -> Result<Expunged> {
    take_expunged(reply.into_ok()?, conn)
}

/// [`Expunged`] from EXPUNGE data already taken (`expunges`) and the VANISHED data in the
/// store.
pub(super) fn take_expunged(expunges: Reply, conn: &mut Connection) -> Result<Expunged> {
    let seqs = expunges
        .lines()
        .map(|line| number_u32("EXPUNGE", line))
        .collect::<Result<Vec<u32>>>()?;
    let vanished = take_vanished(conn, Which::Live)?;
    Ok(Expunged { seqs, vanished })
}

/// Which VANISHED responses [`take_vanished`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Which {
    /// Without `(EARLIER)`: expunges happening now.
    Live,
    /// `VANISHED (EARLIER)`: a report of what is gone (QRESYNC SELECT, UID FETCH VANISHED).
    Earlier,
    /// Both.
    All,
}

/// Pops the stored VANISHED responses, puts back those not asked for, and returns the UIDs
/// of the others: their ranges in the order received (never expanded). A malformed one is
/// an error, and then nothing is taken (the imaplib face can still look at them).
pub(super) fn take_vanished(conn: &mut Connection, which: Which) -> Result<SeqSet> {
    let stored = conn.response("VANISHED").data;
    let (taken, left): (Vec<Item>, Vec<Item>) = stored
        .into_iter()
        .filter(|i| !i.is_none())
        .partition(|i| match which {
            Which::Live => !is_earlier(i),
            Which::Earlier => is_earlier(i),
            Which::All => true,
        });
    if !left.is_empty() {
        conn.restore_unsolicited(Reply::new("VANISHED", left))?;
    }
    let taken = Reply::new("VANISHED", taken);
    let mut vanished = parse::SeqSet::new();
    let mut failed = None;
    for v in parse::vanished(&taken) {
        match v {
            Ok(v) => {
                for r in v.uids.ranges() {
                    vanished.push_range(r.start, r.end);
                }
            }
            Err(e) => {
                failed = Some(malformed("VANISHED", &e));
                break;
            }
        }
    }
    if let Some(err) = failed {
        conn.restore_unsolicited(taken)?;
        return Err(err);
    }
    Ok(from_parsed(vanished))
}

/// A stored `VANISHED (EARLIER) uids` item.
pub(super) fn is_earlier(item: &Item) -> bool {
    item.as_line().is_some_and(|l| {
        l.get(..9)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"(EARLIER)"))
    })
}
