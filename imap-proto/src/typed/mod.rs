//! The Rust face's results: a completed command as Rust values, refusals as errors.
//!
//! A command completes with imaplib's `(typ, data)` ([`Reply`]); the SELECT family also
//! leaves data in the connection's untagged store (FLAGS, RECENT, UIDVALIDITY…, as imaplib
//! does). Each function here turns one command's [`Reply`] — with the [`Connection`] as it
//! is right after the command, where a command needs it — into a typed value, in one step:
//!
//! | command | function | value |
//! |---|---|---|
//! | SELECT, EXAMINE | [`select`] | [`Mailbox`] |
//! | STATUS | [`status`] | [`MailboxStatus`] |
//! | LIST, LSUB | [`list`] | `Vec<`[`ListEntry`]`>` |
//! | LIST (…) … RETURN (STATUS …) | [`list_extended`] | `Vec<`[`ListEntry`]`>` with STATUS |
//! | SEARCH, UID SEARCH | [`search`] | [`SeqSet`] |
//! | SEARCH RETURN (…) (ESEARCH) | [`esearch`], pipelined [`esearch_for`] | [`Esearch`] |
//! | FETCH, UID FETCH, STORE | [`fetch`] | [`Messages`] |
//! | APPEND | [`append`] | `Option<`[`AppendUid`]`>` |
//! | COPY, UID COPY | [`copy`] | `Option<`[`CopyUid`]`>` |
//! | MOVE, UID MOVE | [`mv`] | [`Moved`] |
//! | EXPUNGE, UID EXPUNGE | [`expunge`] | [`Expunged`] |
//! | CAPABILITY | [`capability`], [`CapabilitySet::of`] | [`CapabilitySet`] |
//! | ENABLE | [`enable`] | `Vec<String>` |
//! | STORE … (UNCHANGEDSINCE m) | [`conditional_store`] | [`Stored`] |
//! | UID FETCH … (CHANGEDSINCE m VANISHED) | [`fetch_vanished`] | [`Changes`] |
//! | SELECT … (QRESYNC …) | [`qresync`] | [`Resync`] |
//! | resynchronisation (one to three commands) | [`Resyncer`] | [`Resync`] |
//! | GETMETADATA | [`metadata`] | [`MetadataValues`] |
//! | updates after NOTIFY (IDLE, the untagged store) | [`events`], [`take_events`] | `Vec<`[`Event`]`>` |
//! | anything else | [`done`] | `()` |
//!
//! **Refusals are errors.** A `NO` or `BAD` answer is an [`Error`] whose
//! [`reason`](Error::reason) is [`Reason::Refused`], carrying the
//! response code and the text ([`Reply::into_ok`]); the imaplib face returns the same
//! answer as data.
//!
//! **Malformed data is an error for that value**, never a panic: an [`Error`] of kind
//! `error` (the connection goes on) whose reason is [`Reason::Protocol`] with
//! [`Violation::Malformed`] and the offending bytes. For FETCH it is per message
//! ([`Messages::iter`]).
//!
//! **One engine.** Nothing here parses on its own: the values are the [`crate::parse`] views
//! of the imaplib face's results, so that for the same command the typed value equals the
//! typed view of the imaplib result.
//!
//! # The untagged store: read or pop?
//!
//! Both faces may be used on one connection, so the typed face follows imaplib's own rule:
//! *a command takes the data that is its result, and leaves the rest*.
//!
//! * **Mailbox state is read, never popped** ([`select`], and the untagged `OK`s [`mv`]
//!   looks at). imaplib's SELECT leaves FLAGS, RECENT, UIDVALIDITY, UIDNEXT, PERMANENTFLAGS…
//!   in the store, where `response("UIDVALIDITY")` finds them afterwards; popping them would
//!   take them away from the imaplib face. Reading is also exact: SELECT flushes the store
//!   when it is submitted, so everything there is about the mailbox it selects, and the
//!   newest item of each kind wins (imaplib users take `data[-1]`). The untagged `OK`s are
//!   flushed at every command's submission, so those [`mv`] reads came after the MOVE was
//!   submitted.
//! * **Events are popped**: EXPUNGE and VANISHED ([`expunge`], [`mv`]), ESEARCH
//!   ([`esearch`]), ENABLED ([`enable`]), MODIFIED ([`conditional_store`]), and the
//!   `VANISHED (EARLIER)` and FETCH responses of a QRESYNC SELECT ([`qresync`]). imaplib's `expunge()` pops EXPUNGE (the [`Reply`] holds them); the typed
//!   face pops VANISHED (RFC 7162's EXPUNGE) the same way, and MOVE's EXPUNGEs, and the
//!   ESEARCH data, which imaplib's `search()` leaves behind. Read-only would report them
//!   twice: again at the next `expunge`. `VANISHED (EARLIER)` responses are not expunges
//!   of this command; they are put back.
//! * Everything else is in the [`Reply`] already (imaplib pops FETCH, SEARCH, STATUS, LIST…
//!   itself).
//!
//! ```
//! use imaplib_proto::{typed, Command, Connection, Options, Output};
//!
//! let mut conn = Connection::new(Options::new(0x1234)); // tags BCDE0, BCDE1, …
//! # conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1 UIDPLUS\r\nBCDE0 OK done\r\n");
//! # while conn.poll_output().is_some() {}
//! conn.submit(Command::select("INBOX", false)?)?;
//! conn.feed(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n\
//!             * 4 EXISTS\r\n* OK [UIDVALIDITY 1796192625] UIDs valid\r\n\
//!             BCDE1 OK [READ-WRITE] Select completed.\r\n");
//! # let mut complete = |conn: &mut Connection| loop {
//! #     match conn.poll_output() {
//! #         Some(Output::Completed { result, .. }) => break result,
//! #         Some(_) => {}
//! #         None => panic!("not completed"),
//! #     }
//! # };
//! let mailbox = typed::select(complete(&mut conn)?, &conn)?;
//! assert_eq!((mailbox.exists, mailbox.uid_validity), (4, Some(1796192625)));
//!
//! conn.submit(Command::create("INBOX")?)?;
//! conn.feed(b"BCDE2 NO [ALREADYEXISTS] Mailbox already exists\r\n");
//! let err = typed::done(complete(&mut conn)?).unwrap_err();
//! let imaplib_proto::Reason::Refused(refusal) = err.reason() else { panic!() };
//! assert_eq!(refusal.code_name(), Some("ALREADYEXISTS"));
//! assert_eq!(refusal.text(), "Mailbox already exists");
//! # Ok::<(), imaplib_proto::Error>(())
//! ```

mod capabilities;
mod condstore;
mod expunge;
pub mod face;
mod mailbox;
mod messages;
mod metadata;
mod notify;
mod resync;
mod rev2;
mod search;
mod uids;

#[cfg(test)]
mod tests;

pub use capabilities::{capability, CapabilitySet};
pub use condstore::{conditional_store, enable, fetch_vanished, Changes, Stored};
pub use expunge::{expunge, Expunged};
pub use mailbox::{
    list, list_extended, select, status, ListEntry, Mailbox, MailboxName, MailboxStatus, SpecialUse,
};
pub use messages::{fetch, MessageIter, Messages};
pub use metadata::{metadata, MetadataEntry, MetadataValues};
pub use notify::{events, take_events, Event};
pub use resync::{qresync, Changed, FullResync, Resync, ResyncMethod, Resyncer, SyncState};
pub use rev2::Rev2Modes;
pub use search::{
    esearch, esearch_for, esearch_updates, search, search_updates, Esearch, SearchChange,
    SearchPage,
};
pub use uids::{append, copy, mv, AppendUid, CopyUid, Moved};

use crate::error::{Error, Reason, Result, Violation};
use crate::parse::{self, Code, ParseError};
use crate::response::{response_code, Item, Reply};
use crate::session::Connection;

/// The set of message numbers or UIDs in typed results (SEARCH, ESEARCH, APPENDUID,
/// COPYUID, VANISHED, MODIFIED): ranges, never expanded.
///
/// It is [`parse::SeqSet`] today. Every set the typed face returns goes through one
/// conversion (`from_parsed` in this module), the single place to change when the
/// sequence-set type of the builders replaces it.
pub type SeqSet = parse::SeqSet;

/// A set from [`crate::parse`] as the typed face's [`SeqSet`]: the one conversion point.
fn from_parsed(set: parse::SeqSet) -> SeqSet {
    set
}

/// Any command whose answer carries no data the caller needs (CREATE, DELETE, RENAME,
/// SUBSCRIBE, NOOP, CHECK, UNSELECT, CLOSE, STORE `.SILENT`…): `Ok(())` for `OK`, the
/// refusal as an error for `NO` and `BAD`.
///
/// ```
/// use imaplib_proto::{typed, Item, Reply, Reason};
/// typed::done(Reply::new("OK", vec![Item::from(b"Create completed")]))?;
/// let no = Reply::new("NO", vec![Item::from(b"[ALREADYEXISTS] Mailbox already exists")]);
/// let err = typed::done(no).unwrap_err();
/// assert!(matches!(err.reason(), Reason::Refused(r) if r.code_name() == Some("ALREADYEXISTS")));
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn done(reply: Reply) -> Result<()> {
    reply.into_ok().map(drop)
}

/// A malformed value: an `error` (not an abort) naming `what` and the offending bytes.
fn malformed(what: &str, e: &ParseError) -> Error {
    Error::error(
        Reason::protocol(Violation::Malformed, e.bytes()),
        format!("{what}: {e}"),
    )
}

/// A value the server did not send although the command's answer must carry it.
fn missing(what: &str) -> Error {
    Error::error(
        Reason::protocol(Violation::Malformed, b""),
        format!("the server's answer has no {what}"),
    )
}

/// The items stored under `name` (empty when none).
fn stored<'c>(conn: &'c Connection, name: &str) -> &'c [Item] {
    conn.untagged_responses()
        .find(|(typ, _)| *typ == name)
        .map_or(&[], |(_, items)| items)
}

/// The last line of `items` (imaplib's `data[-1]`), skipping `None`s.
fn last_line(items: &[Item]) -> Option<&[u8]> {
    items.iter().rev().find_map(Item::as_line)
}

/// A number item such as EXISTS's `b"4"`, as 32 bits.
fn number_u32(what: &str, line: &[u8]) -> Result<u32> {
    let n = parse::parse_number(line).map_err(|e| malformed(what, &e))?;
    u32::try_from(n).map_err(|_| malformed(what, &ParseError::new(0, "a number below 2^32", line)))
}

/// The response code named `name` at the start of a status text (`[NAME data] text`),
/// typed and turned into an owned value by `keep`; `None` when the text has another code
/// or none. Only that code is parsed: a malformed code of another name does not matter.
fn code_named<T>(
    text: &[u8],
    name: &str,
    keep: impl for<'c> FnOnce(Code<'c>) -> Option<T>,
) -> Result<Option<T>> {
    let Some((found, data)) = response_code(text) else {
        return Ok(None);
    };
    if found != name {
        return Ok(None);
    }
    parse_code(name, &data, keep)
}

/// The newest item the store holds for the response code `name` (imaplib keeps a code's
/// data under its name), typed and turned into an owned value by `keep`.
fn stored_code<T>(
    conn: &Connection,
    name: &str,
    keep: impl for<'c> FnOnce(Code<'c>) -> Option<T>,
) -> Result<Option<T>> {
    match last_line(stored(conn, name)) {
        Some(data) => parse_code(name, data, keep),
        None => Ok(None),
    }
}

fn parse_code<T>(
    name: &str,
    data: &[u8],
    keep: impl for<'c> FnOnce(Code<'c>) -> Option<T>,
) -> Result<Option<T>> {
    match parse::parse_code(name.as_bytes(), data) {
        Ok(code) => Ok(keep(code)),
        Err(e) => Err(malformed(&format!("the {name} response code"), &e)),
    }
}
