//! UIDPLUS (RFC 4315): APPEND's [`AppendUid`], COPY's and MOVE's [`CopyUid`].

use super::expunge::take_expunged;
use super::{code_named, from_parsed, last_line, stored, Expunged, SeqSet};
use crate::error::Result;
use crate::parse::Code;
use crate::response::Reply;
use crate::session::Connection;

/// `[APPENDUID uidvalidity uids]`: where APPEND put the message(s).
///
/// ```
/// use imaplib_proto::{typed, Item, Reply};
/// // Dovecot 2.3's answer to APPEND, as the imaplib face returns it.
/// let reply = Reply::new("OK", vec![Item::from(
///     b"[APPENDUID 1796192625 3] Append completed (0.005 + 0.000 + 0.004 secs).",
/// )]);
/// let appended = typed::append(reply)?.expect("Dovecot has UIDPLUS");
/// assert_eq!((appended.uid_validity, appended.uid()), (1796192625, Some(3)));
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppendUid {
    /// The UIDVALIDITY of the mailbox appended to.
    pub uid_validity: u32,
    /// The UIDs the message(s) got (one per message, in order; MULTIAPPEND sends several).
    pub uids: SeqSet,
}

impl AppendUid {
    /// The UID, when one message was appended.
    pub fn uid(&self) -> Option<u32> {
        match self.uids.ranges() {
            [r] if r.start == r.end => Some(r.start),
            _ => None,
        }
    }
}

/// APPEND → its `[APPENDUID …]`, from the imaplib face's result (the tagged `OK`);
/// `None` when the server did not send one (no UIDPLUS, or `[UIDNOTSTICKY]`). NO (e.g.
/// `[TRYCREATE]` for a missing mailbox) and BAD are errors; so is a malformed APPENDUID
/// (the message was appended all the same).
pub fn append(reply: Reply) -> Result<Option<AppendUid>> {
    let reply = reply.into_ok()?;
    let Some(text) = last_line(&reply.data) else {
        return Ok(None);
    };
    code_named(text, "APPENDUID", |c| match c {
        Code::AppendUid { uidvalidity, uids } => Some(AppendUid {
            uid_validity: uidvalidity,
            uids: from_parsed(uids),
        }),
        _ => None,
    })
}

/// `[COPYUID uidvalidity source dest]`: where COPY or MOVE put the messages.
///
/// ```
/// use imaplib_proto::{typed, Item, Reply};
/// // Dovecot 2.3's answer to `UID COPY 1:2 Dest`, as the imaplib face returns it.
/// let reply = Reply::new("OK", vec![Item::from(
///     b"[COPYUID 1796192624 1:2 2:3] Copy completed (0.006 + 0.000 + 0.005 secs).",
/// )]);
/// let copied = typed::copy(reply)?.expect("Dovecot has UIDPLUS");
/// assert_eq!(copied.uid_validity, 1796192624);
/// assert_eq!(copied.pairs().collect::<Vec<_>>(), [(1, 2), (2, 3)]);
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyUid {
    /// The UIDVALIDITY of the destination mailbox.
    pub uid_validity: u32,
    /// The UIDs of the messages copied, in the source mailbox.
    pub source: SeqSet,
    /// Their UIDs in the destination, in the same order.
    pub dest: SeqSet,
}

impl CopyUid {
    /// `(source UID, destination UID)` pairs, lazily (a range is never expanded ahead).
    pub fn pairs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.source.iter().zip(self.dest.iter())
    }

    /// The destination UID of the message whose source UID is `uid`.
    pub fn dest_of(&self, uid: u32) -> Option<u32> {
        self.pairs().find(|&(s, _)| s == uid).map(|(_, d)| d)
    }
}

fn to_copy_uid(c: Code<'_>) -> Option<CopyUid> {
    match c {
        Code::CopyUid {
            uidvalidity,
            source,
            dest,
        } => Some(CopyUid {
            uid_validity: uidvalidity,
            source: from_parsed(source),
            dest: from_parsed(dest),
        }),
        _ => None,
    }
}

/// COPY or UID COPY → its `[COPYUID …]`, from the imaplib face's result (the tagged `OK`);
/// `None` when the server did not send one (no UIDPLUS, or nothing copied). NO (e.g.
/// `[TRYCREATE]`) and BAD are errors; so is a malformed COPYUID (the messages were copied
/// all the same).
pub fn copy(reply: Reply) -> Result<Option<CopyUid>> {
    let reply = reply.into_ok()?;
    match last_line(&reply.data) {
        Some(text) => code_named(text, "COPYUID", to_copy_uid),
        None => Ok(None),
    }
}

/// What MOVE did: where the messages went and which left the mailbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Moved {
    /// `[COPYUID …]`, when the server sent one.
    pub copy_uid: Option<CopyUid>,
    /// The EXPUNGE (or VANISHED) responses that came with it: the messages moved away.
    pub expunged: Expunged,
}

/// MOVE or UID MOVE (RFC 6851) → [`Moved`].
///
/// The COPYUID comes before the EXPUNGEs in an untagged `OK` (Dovecot: `* OK [COPYUID
/// 1796192624 2 4] Moved UIDs.` then `* 2 EXPUNGE` then `tag OK Move completed`), which
/// the imaplib face's result (the tagged `OK`) does not hold: it is read from the stored
/// untagged `OK`s, which the connection flushes at every command's submission (so they came
/// after the MOVE's), and from the tagged `OK` for servers that put it there. The expunges
/// are popped from the store as [`expunge`](super::expunge) does, so the next EXPUNGE does
/// not report them again. NO (e.g. `[TRYCREATE]`, `[EXPUNGEISSUED]`) and BAD are errors.
///
/// ```
/// use imaplib_proto::{typed, Command, Connection, Options, Output};
/// let mut conn = Connection::new(Options::new(0x1234));
/// # conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1 UIDPLUS MOVE\r\nBCDE0 OK done\r\n");
/// # while conn.poll_output().is_some() {}
/// # conn.submit(Command::select("INBOX", false)?)?;
/// # conn.feed(b"* 4 EXISTS\r\nBCDE1 OK [READ-WRITE] Select completed.\r\n");
/// # while conn.poll_output().is_some() {}
/// conn.submit(Command::r#move("1:2", "Dest")?)?;
/// // Dovecot 2.3's answer.
/// conn.feed(b"* OK [COPYUID 1796192635 3:4 5:6] Moved UIDs.\r\n* 2 EXPUNGE\r\n* 1 EXPUNGE\r\n\
///             BCDE2 OK Move completed (0.040 + 0.000 + 0.039 secs).\r\n");
/// let reply = loop {
///     if let Some(Output::Completed { result, .. }) = conn.poll_output() { break result? }
/// };
/// let moved = typed::mv(reply, &mut conn)?;
/// assert_eq!(moved.copy_uid.unwrap().pairs().collect::<Vec<_>>(), [(3, 5), (4, 6)]);
/// assert_eq!(moved.expunged.seqs, [2, 1]);
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn mv(reply: Reply, conn: &mut Connection) -> Result<Moved> {
    let reply = reply.into_ok()?;
    let mut copy_uid = None;
    for text in stored(conn, "OK").iter().filter_map(|i| i.as_line()) {
        if let Some(found) = code_named(text, "COPYUID", to_copy_uid)? {
            copy_uid = Some(found);
        }
    }
    if copy_uid.is_none() {
        if let Some(text) = last_line(&reply.data) {
            copy_uid = code_named(text, "COPYUID", to_copy_uid)?;
        }
    }
    let expunged = take_expunged(conn.response("EXPUNGE"), conn)?;
    Ok(Moved { copy_uid, expunged })
}
