//! CONDSTORE and QRESYNC (RFC 7162) answers: ENABLE, STORE `UNCHANGEDSINCE` ([`Stored`]),
//! `UID FETCH … (CHANGEDSINCE m VANISHED)` ([`Changes`]).

use super::expunge::{take_vanished, Which};
use super::{from_parsed, malformed, Messages, SeqSet};
use crate::error::Result;
use crate::parse::{self, Code};
use crate::response::{Item, Reply};
use crate::session::Connection;

/// ENABLE → the extensions the server enabled, upper case, from its `ENABLED` responses
/// (popped from the store: they answer this command). An extension the server does not
/// know is simply not in the list, nor is one the server named although the command did
/// not ask for it. NO and BAD are errors.
///
/// ```
/// use imaplib_proto::{typed, Command, Connection, Options, Output};
/// let mut conn = Connection::new(Options::new(0x1234));
/// # conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1 ENABLE CONDSTORE QRESYNC\r\nBCDE0 OK done\r\n");
/// # while conn.poll_output().is_some() {}
/// conn.submit(Command::enable("QRESYNC CONDSTORE")?)?;
/// // Dovecot 2.3's answer.
/// conn.feed(b"* ENABLED QRESYNC CONDSTORE\r\nBCDE1 OK Enabled.\r\n");
/// let reply = loop {
///     if let Some(Output::Completed { result, .. }) = conn.poll_output() { break result? }
/// };
/// assert_eq!(reply.python_repr(), "('OK', [b'Enabled.'])"); // the imaplib face's result
/// assert_eq!(typed::enable(reply, &mut conn)?, ["QRESYNC", "CONDSTORE"]);
/// assert!(conn.is_enabled("qresync"));
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn enable(reply: Reply, conn: &mut Connection) -> Result<Vec<String>> {
    reply.into_ok().map(drop)?;
    let enabled = conn.response("ENABLED");
    let mut names = Vec::new();
    let mut failed = None;
    for caps in parse::enabled(&enabled) {
        match caps {
            Ok(caps) => names.extend(
                caps.list
                    .iter()
                    .map(|c| String::from_utf8_lossy(c).to_ascii_uppercase()),
            ),
            Err(e) => {
                failed = Some(malformed("ENABLED", &e));
                break;
            }
        }
    }
    if let Some(err) = failed {
        conn.restore_unsolicited(enabled)?;
        return Err(err);
    }
    // Only what was asked for took effect (RFC 5161 §3.1): the session ignored the rest.
    names.retain(|n| conn.enabled().contains(n));
    Ok(names)
}

/// What a STORE with `UNCHANGEDSINCE` did: the messages' new flags, and the messages it
/// did not change because they had changed since the mod-sequence given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stored {
    /// The FETCH responses (new flags and `MODSEQ`; with `.SILENT`, Dovecot still sends
    /// `MODSEQ` for the messages changed).
    pub messages: Messages,
    /// `[MODIFIED set]`: message numbers (UIDs for UID STORE) the change was not made to.
    /// Empty when every message was changed. A non-empty set is a partial failure: fetch
    /// those messages again and decide anew.
    pub modified: SeqSet,
}

impl Stored {
    /// True if the change was made to every message asked for.
    pub fn all_stored(&self) -> bool {
        self.modified.is_empty()
    }
}

/// STORE or UID STORE with `UNCHANGEDSINCE` ([`Command::store_unchanged_since`]) →
/// [`Stored`]: the FETCH data of the imaplib face's result, and the `[MODIFIED …]` code of
/// the tagged `OK` — which imaplib keeps in the store under `MODIFIED`; it is popped (it
/// is this command's answer). NO and BAD are errors; so is a malformed MODIFIED.
///
/// A `MODIFIED` some earlier command left in the store is taken too; the typed face
/// ([`store_unchanged_since`](crate::typed::face)) sets those aside before its command
/// and puts them back after, so that it reports this command's only.
///
/// [`Command::store_unchanged_since`]: crate::Command::store_unchanged_since
///
/// ```
/// use imaplib_proto::build::{Flag, StoreFlags};
/// use imaplib_proto::{typed, Command, Connection, Options, Output};
/// let mut conn = Connection::new(Options::new(0x1234));
/// # conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1 CONDSTORE\r\nBCDE0 OK done\r\n");
/// # while conn.poll_output().is_some() {}
/// # conn.submit(Command::select("INBOX", false)?)?;
/// # conn.feed(b"* 5 EXISTS\r\nBCDE1 OK [READ-WRITE] Select completed.\r\n");
/// # while conn.poll_output().is_some() {}
/// let change = StoreFlags::add([Flag::Answered]);
/// conn.submit(Command::store_unchanged_since("1:2,4", &change, 3)?)?;
/// // Dovecot 2.3: messages 1 and 4 changed since mod-sequence 3, message 2 did not.
/// conn.feed(b"* 2 FETCH (UID 2 MODSEQ (9) FLAGS (\\Answered))\r\n\
///             BCDE2 OK [MODIFIED 1,4] Conditional store failed\r\n");
/// let reply = loop {
///     if let Some(Output::Completed { result, .. }) = conn.poll_output() { break result? }
/// };
/// let stored = typed::conditional_store(reply, &mut conn)?;
/// assert_eq!(stored.modified.to_string(), "1,4");
/// let changed = stored.messages.iter().next().unwrap()?;
/// assert_eq!((changed.seq, changed.modseq()), (2, Some(9)));
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn conditional_store(reply: Reply, conn: &mut Connection) -> Result<Stored> {
    let messages = super::fetch(reply)?;
    let stored = conn.response("MODIFIED");
    let mut modified = parse::SeqSet::new();
    for code in stored.data.iter().filter_map(Item::as_line) {
        match parse::parse_code(b"MODIFIED", code) {
            Ok(Code::Modified(set)) => {
                for r in set.ranges() {
                    modified.push_range(r.start, r.end);
                }
            }
            Ok(_) => {}
            Err(e) => {
                let err = malformed("the MODIFIED response code", &e);
                conn.restore_unsolicited(stored)?;
                return Err(err);
            }
        }
    }
    Ok(Stored {
        messages,
        modified: from_parsed(modified),
    })
}

/// What `UID FETCH set (items) (CHANGEDSINCE m VANISHED)` returned: the messages of the set
/// changed since `m`, and the UIDs of the set expunged since `m`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Changes {
    /// The FETCH responses: each changed message, with its `UID` and `MODSEQ`.
    pub messages: Messages,
    /// The UIDs of the `VANISHED (EARLIER)` responses, as ranges (never expanded).
    pub vanished: SeqSet,
}

/// `UID FETCH … (CHANGEDSINCE m VANISHED)` ([`Command::uid_fetch_vanished`]) → [`Changes`]:
/// the FETCH data of the imaplib face's result, and the `VANISHED (EARLIER)` responses,
/// popped from the store (expunges happening meanwhile, VANISHED without EARLIER, are left
/// for [`expunge`](super::expunge)). NO and BAD are errors; a malformed VANISHED is an
/// error (and is left in the store); a malformed FETCH is an error for that message when
/// iterated.
///
/// [`Command::uid_fetch_vanished`]: crate::Command::uid_fetch_vanished
///
/// ```
/// use imaplib_proto::build::FetchAttr;
/// use imaplib_proto::{typed, Command, Connection, Options, Output};
/// let mut conn = Connection::new(Options::new(0x1234));
/// # conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1 ENABLE QRESYNC\r\nBCDE0 OK done\r\n");
/// # conn.submit(Command::enable("QRESYNC")?)?;
/// # conn.feed(b"* ENABLED QRESYNC\r\nBCDE1 OK Enabled.\r\n");
/// # conn.submit(Command::select("INBOX", false)?)?;
/// # conn.feed(b"* 4 EXISTS\r\nBCDE2 OK [READ-WRITE] Select completed.\r\n");
/// # while conn.poll_output().is_some() {}
/// conn.submit(Command::uid_fetch_vanished(1.., FetchAttr::flags(), 3)?)?;
/// // Dovecot 2.3's answer.
/// conn.feed(b"* VANISHED (EARLIER) 4\r\n* 1 FETCH (UID 1 FLAGS (\\Recent) MODSEQ (6))\r\n\
///             * 2 FETCH (UID 2 FLAGS (\\Seen \\Recent) MODSEQ (7))\r\n\
///             BCDE3 OK Fetch completed.\r\n");
/// let reply = loop {
///     if let Some(Output::Completed { result, .. }) = conn.poll_output() { break result? }
/// };
/// let changes = typed::fetch_vanished(reply, &mut conn)?;
/// assert_eq!(changes.vanished.to_string(), "4");
/// let modseqs: Vec<_> = changes.messages.iter().map(|m| m.unwrap().modseq()).collect();
/// assert_eq!(modseqs, [Some(6), Some(7)]);
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn fetch_vanished(reply: Reply, conn: &mut Connection) -> Result<Changes> {
    let messages = super::fetch(reply)?;
    let vanished = take_vanished(conn, Which::Earlier)?;
    Ok(Changes { messages, vanished })
}
