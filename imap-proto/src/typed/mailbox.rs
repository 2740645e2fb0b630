//! SELECT/EXAMINE ([`Mailbox`]), STATUS ([`MailboxStatus`]), LIST/LSUB ([`ListEntry`]).

use std::fmt;

use super::{last_line, malformed, missing, number_u32, stored, stored_code};
use crate::encode::Text;
use crate::error::Result;
use crate::parse::{self, Code, FlagList, ParseError, StatusAttr};
use crate::response::Reply;
use crate::session::Connection;

/// The mailbox SELECT or EXAMINE opened: what the server said about it.
///
/// Built by [`select`]. Fields the server did not send are `None` (a server without
/// CONDSTORE has no HIGHESTMODSEQ, an IMAP4rev2 server no RECENT, a mailbox without unseen
/// messages no UNSEEN).
///
/// ```
/// use imaplib_proto::{typed, Command, Connection, Options, Output};
/// let mut conn = Connection::new(Options::new(0x1234));
/// # conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1 CONDSTORE\r\nBCDE0 OK done\r\n");
/// # while conn.poll_output().is_some() {}
/// conn.submit(Command::select("INBOX", false)?)?;
/// // Dovecot 2.3's answer, word for word.
/// conn.feed(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)\r\n\
///     * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted.\r\n\
///     * 4 EXISTS\r\n* 4 RECENT\r\n* OK [UNSEEN 2] First unseen.\r\n\
///     * OK [UIDVALIDITY 1796192625] UIDs valid\r\n* OK [UIDNEXT 5] Predicted next UID\r\n\
///     * OK [HIGHESTMODSEQ 11] Highest\r\n\
///     BCDE1 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n");
/// let reply = loop {
///     if let Some(Output::Completed { result, .. }) = conn.poll_output() { break result? }
/// };
/// assert_eq!(reply.python_repr(), "('OK', [b'4'])"); // the imaplib face's result
/// let mailbox = typed::select(reply, &conn)?;
/// assert_eq!((mailbox.exists, mailbox.recent, mailbox.first_unseen), (4, Some(4), Some(2)));
/// assert_eq!(mailbox.flags, ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft", "$Work"]);
/// assert_eq!(mailbox.permanent_flags.as_ref().map(Vec::len), Some(6)); // `\*` is not a flag…
/// assert!(mailbox.new_keywords_allowed);                              // …it says this
/// assert_eq!((mailbox.uid_validity, mailbox.uid_next), (Some(1796192625), Some(5)));
/// assert_eq!(mailbox.highest_modseq, Some(11));
/// assert!(!mailbox.read_only);
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mailbox {
    /// Number of messages (`* n EXISTS`; the newest, as imaplib's result has them all).
    pub exists: u32,
    /// Number of messages with `\Recent` (`* n RECENT`), if sent. Always `None` in
    /// IMAP4rev2 mode ([`Connection::rev2`]), which has no `\Recent` (RFC 9051
    /// Appendix E): a RECENT response there is not read.
    pub recent: Option<u32>,
    /// The flags defined in the mailbox (`* FLAGS (…)`).
    pub flags: Vec<String>,
    /// The flags that can be changed permanently (`[PERMANENTFLAGS (…)]`), without `\*`;
    /// `None` when the server did not say (RFC 3501 then means: all of them).
    pub permanent_flags: Option<Vec<String>>,
    /// `\*` was among the permanent flags: new keywords can be created by storing them.
    pub new_keywords_allowed: bool,
    /// `[UIDVALIDITY n]`: UIDs of this mailbox are valid as long as this stays the same.
    pub uid_validity: Option<u32>,
    /// `[UIDNEXT n]`: the UID the next message will (at least) get.
    pub uid_next: Option<u32>,
    /// `[UNSEEN n]`: the sequence number of the first message without `\Seen`.
    pub first_unseen: Option<u32>,
    /// `[HIGHESTMODSEQ n]` (CONDSTORE, RFC 7162).
    pub highest_modseq: Option<u64>,
    /// `[NOMODSEQ]`: the mailbox does not support modification sequences.
    pub no_modseq: bool,
    /// `[READ-ONLY]`: EXAMINE, or a mailbox the user may not change. Without either code,
    /// whether EXAMINE was used.
    pub read_only: bool,
}

/// SELECT or EXAMINE → [`Mailbox`], from its imaplib-face result and the connection right
/// after it (the store, which SELECT flushed when it was submitted, holds FLAGS, RECENT and
/// the `OK` codes; it is read, not popped: see the [module documentation](super)).
///
/// `exists` is the newest item of the result's data (which is the stored EXISTS list, as
/// imaplib returns it); a missing EXISTS is a malformed answer. NO and BAD are errors.
pub fn select(reply: Reply, conn: &Connection) -> Result<Mailbox> {
    let reply = reply.into_ok()?;
    let exists = match last_line(&reply.data) {
        Some(line) => number_u32("EXISTS", line)?,
        None => return Err(missing("EXISTS response")),
    };
    let recent = match conn.rev2() {
        true => None,
        false => last_line(stored(conn, "RECENT"))
            .map(|line| number_u32("RECENT", line))
            .transpose()?,
    };
    let flags = match last_line(stored(conn, "FLAGS")) {
        Some(line) => {
            owned_flags(parse::parse_flag_list(line).map_err(|e| malformed("FLAGS", &e))?)
        }
        None => Vec::new(),
    };
    let permanent = stored_code(conn, "PERMANENTFLAGS", |c| match c {
        Code::PermanentFlags(flags) => {
            Some((owned_flags(flags), flags.iter().any(|f| f.is_wildcard())))
        }
        _ => None,
    })?;
    let (permanent_flags, new_keywords_allowed) = match permanent {
        Some((flags, wildcard)) => (Some(flags), wildcard),
        None => (None, false),
    };
    let number = |name, pick: fn(Code<'_>) -> Option<u32>| stored_code(conn, name, pick);
    Ok(Mailbox {
        exists,
        recent,
        flags,
        permanent_flags,
        new_keywords_allowed,
        uid_validity: number("UIDVALIDITY", |c| match c {
            Code::UidValidity(n) => Some(n),
            _ => None,
        })?,
        uid_next: number("UIDNEXT", |c| match c {
            Code::UidNext(n) => Some(n),
            _ => None,
        })?,
        first_unseen: number("UNSEEN", |c| match c {
            Code::Unseen(n) => Some(n),
            _ => None,
        })?,
        highest_modseq: stored_code(conn, "HIGHESTMODSEQ", |c| match c {
            Code::HighestModSeq(n) => Some(n),
            _ => None,
        })?,
        no_modseq: !stored(conn, "NOMODSEQ").is_empty(),
        read_only: if !stored(conn, "READ-ONLY").is_empty() {
            true
        } else if !stored(conn, "READ-WRITE").is_empty() {
            false
        } else {
            conn.is_readonly()
        },
    })
}

/// Flags as text, without `\*` (invalid UTF-8, which no flag should hold, replaced).
pub(super) fn owned_flags(flags: FlagList<'_>) -> Vec<String> {
    flags
        .iter()
        .filter(|f| !f.is_wildcard())
        .map(|f| String::from_utf8_lossy(f.as_bytes()).into_owned())
        .collect()
}

/// A mailbox name from the server: the text for people and the bytes for the server.
///
/// [`as_str`](Self::as_str) is the name decoded (modified UTF-7, RFC 3501 §5.1.3, or UTF-8
/// when the connection is in `UTF8=ACCEPT` mode); [`raw`](Self::raw) the bytes as sent. To
/// name the mailbox in a command, pass `&name` (a [`Text`] of the raw bytes, sent
/// unchanged) or `name.as_str()` (encoded again by the command).
///
/// ```
/// use imaplib_proto::{typed, Item, Reply};
/// let reply = Reply::new("OK", vec![Item::from(b"(\\HasNoChildren) \"/\" &ZeVnLIqe-")]);
/// let entries = typed::list(reply, false)?;
/// assert_eq!(entries[0].name, "日本語");
/// assert_eq!(entries[0].name.raw(), b"&ZeVnLIqe-");
/// let _select = imaplib_proto::Command::select(&entries[0].name, true)?;
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct MailboxName {
    name: String,
    raw: Vec<u8>,
}

impl MailboxName {
    pub(crate) fn new(mailbox: parse::Mailbox<'_>, utf8: bool) -> Self {
        let name = if utf8 {
            mailbox.decoded_utf8()
        } else {
            mailbox.decoded()
        };
        MailboxName {
            name,
            raw: mailbox.raw().into_owned(),
        }
    }

    /// [`MailboxName::new`], refusing a name that is not UTF-8 in UTF-8 mode (UTF8=ACCEPT or
    /// IMAP4rev2, where modified UTF-7 is gone): a malformed `what` response.
    pub(crate) fn checked(mailbox: parse::Mailbox<'_>, utf8: bool, what: &str) -> Result<Self> {
        let raw = mailbox.raw();
        if utf8 && std::str::from_utf8(&raw).is_err() {
            return Err(malformed(
                what,
                &ParseError::new(0, "a UTF-8 mailbox name (UTF-8 mode)", &raw),
            ));
        }
        Ok(Self::new(mailbox, utf8))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The name's bytes as the server sent them (escapes removed).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// True for INBOX (any case).
    pub fn is_inbox(&self) -> bool {
        self.raw.eq_ignore_ascii_case(b"INBOX")
    }
}

impl fmt::Display for MailboxName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl fmt::Debug for MailboxName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.name, f)
    }
}

impl AsRef<str> for MailboxName {
    fn as_ref(&self) -> &str {
        &self.name
    }
}

impl PartialEq<str> for MailboxName {
    fn eq(&self, other: &str) -> bool {
        self.name == other
    }
}

impl PartialEq<&str> for MailboxName {
    fn eq(&self, other: &&str) -> bool {
        self.name == *other
    }
}

impl<'a> From<&'a MailboxName> for Text<'a> {
    /// The raw bytes, sent as the server spelled the name.
    fn from(name: &'a MailboxName) -> Text<'a> {
        Text::Bytes(&name.raw)
    }
}

/// What STATUS said about a mailbox.
///
/// Built by [`status`]. An attribute not asked for (or not known to the server) is `None`;
/// attributes this type does not name are kept in [`other`](Self::other).
///
/// ```
/// use imaplib_proto::{typed, Item, Reply};
/// // Dovecot 2.3's answer to `STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN
/// // HIGHESTMODSEQ SIZE)`, as the imaplib face returns it.
/// let reply = Reply::new("OK", vec![Item::from(
///     b"INBOX (MESSAGES 2 RECENT 0 UIDNEXT 5 UIDVALIDITY 1796192635 UNSEEN 1 HIGHESTMODSEQ 13 SIZE 178)",
/// )]);
/// let status = typed::status(reply, false)?;
/// assert_eq!(status.mailbox, "INBOX");
/// assert_eq!((status.messages, status.unseen, status.uid_next), (Some(2), Some(1), Some(5)));
/// assert_eq!((status.size, status.highest_modseq, status.deleted), (Some(178), Some(13), None));
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MailboxStatus {
    /// The mailbox.
    pub mailbox: MailboxName,
    /// `MESSAGES`: number of messages.
    pub messages: Option<u32>,
    /// `RECENT`: number of messages with `\Recent`.
    pub recent: Option<u32>,
    /// `UIDNEXT`: the next UID.
    pub uid_next: Option<u32>,
    /// `UIDVALIDITY`.
    pub uid_validity: Option<u32>,
    /// `UNSEEN`: number of messages without `\Seen`.
    pub unseen: Option<u32>,
    /// `DELETED` (RFC 9051): number of messages with `\Deleted`.
    pub deleted: Option<u32>,
    /// `SIZE` (RFC 8438): the mailbox's total size in octets.
    pub size: Option<u64>,
    /// `HIGHESTMODSEQ` (RFC 7162).
    pub highest_modseq: Option<u64>,
    /// Other attributes, with their names as sent.
    pub other: Vec<(String, u64)>,
}

/// STATUS → [`MailboxStatus`], from the imaplib face's result (the STATUS data). When
/// there are several STATUS responses, the last one is taken; none is a malformed answer.
/// `utf8`: the connection is in `UTF8=ACCEPT` mode ([`Connection::utf8_enabled`]), so
/// mailbox names are UTF-8. NO and BAD are errors.
pub fn status(reply: Reply, utf8: bool) -> Result<MailboxStatus> {
    let reply = reply.into_ok()?;
    let Some(parsed) = parse::status(&reply).last() else {
        return Err(missing("STATUS response"));
    };
    status_of(parsed.map_err(|e| malformed("STATUS", &e))?, utf8)
}

fn status_of(parsed: parse::MailboxStatus<'_>, utf8: bool) -> Result<MailboxStatus> {
    let mut status = MailboxStatus {
        mailbox: MailboxName::checked(parsed.mailbox, utf8, "STATUS")?,
        ..MailboxStatus::default()
    };
    for (attr, value) in parsed.items {
        let count = |slot: &mut Option<u32>| -> Result<()> {
            *slot = Some(u32::try_from(value).map_err(|_| {
                malformed(
                    "STATUS",
                    &ParseError::new(0, "a number below 2^32", attr.name()),
                )
            })?);
            Ok(())
        };
        match attr {
            StatusAttr::Messages => count(&mut status.messages)?,
            StatusAttr::Recent => count(&mut status.recent)?,
            StatusAttr::UidNext => count(&mut status.uid_next)?,
            StatusAttr::UidValidity => count(&mut status.uid_validity)?,
            StatusAttr::Unseen => count(&mut status.unseen)?,
            StatusAttr::Deleted => count(&mut status.deleted)?,
            StatusAttr::Size => status.size = Some(value),
            StatusAttr::HighestModSeq => status.highest_modseq = Some(value),
            other => status
                .other
                .push((String::from_utf8_lossy(other.name()).into_owned(), value)),
        }
    }
    Ok(status)
}

/// A special-use mailbox (RFC 6154), from a LIST attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SpecialUse {
    /// `\All`: every message.
    All,
    /// `\Archive`
    Archive,
    /// `\Drafts`
    Drafts,
    /// `\Flagged`: the flagged messages.
    Flagged,
    /// `\Junk`
    Junk,
    /// `\Sent`
    Sent,
    /// `\Trash`
    Trash,
    /// `\Important` (RFC 8457).
    Important,
}

impl SpecialUse {
    const ALL: [(SpecialUse, &'static str); 8] = [
        (SpecialUse::All, "\\All"),
        (SpecialUse::Archive, "\\Archive"),
        (SpecialUse::Drafts, "\\Drafts"),
        (SpecialUse::Flagged, "\\Flagged"),
        (SpecialUse::Junk, "\\Junk"),
        (SpecialUse::Sent, "\\Sent"),
        (SpecialUse::Trash, "\\Trash"),
        (SpecialUse::Important, "\\Important"),
    ];

    /// The attribute, e.g. `"\\Sent"`.
    pub fn attribute(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(u, _)| *u == self)
            .map_or("", |(_, a)| a)
    }

    fn from_attribute(attribute: &str) -> Option<SpecialUse> {
        Self::ALL
            .iter()
            .find(|(_, a)| a.eq_ignore_ascii_case(attribute))
            .map(|(u, _)| *u)
    }
}

/// One mailbox of a LIST or LSUB answer.
///
/// ```
/// use imaplib_proto::{typed, Item, Reply};
/// use imaplib_proto::typed::SpecialUse;
/// // Dovecot 2.3's LIST "" "*" with special-use mailboxes, as the imaplib face returns it.
/// let reply = Reply::new("OK", vec![
///     Item::from(b"(\\HasNoChildren \\Sent) \"/\" Sent"),
///     Item::from(b"(\\HasChildren) \"/\" Work"),
///     Item::from(b"(\\Noselect \\HasChildren) \"/\" Shared"),
/// ]);
/// let entries = typed::list(reply, false)?;
/// assert_eq!(entries[0].special_use(), Some(SpecialUse::Sent));
/// assert_eq!(entries[1].delimiter, Some('/'));
/// assert_eq!(entries[1].has_children(), Some(true));
/// assert!(!entries[2].is_selectable());
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListEntry {
    /// The mailbox.
    pub name: MailboxName,
    /// The hierarchy delimiter; `None` for a flat namespace (NIL).
    pub delimiter: Option<char>,
    /// The name attributes as sent (`\HasNoChildren`, `\Noselect`, `\Sent`, …).
    pub attributes: Vec<String>,
    /// Its STATUS, from an extended LIST with `RETURN (STATUS (…))` (LIST-STATUS, RFC
    /// 5819; [`list_extended`]); `None` otherwise, and for mailboxes that cannot be
    /// selected.
    pub status: Option<MailboxStatus>,
    /// The name the mailbox had before a RENAME, from the `("OLDNAME" ("old"))` extended
    /// data (RFC 9051 §7.3.1, RFC 5258 §3.5); `None` when not sent.
    pub old_name: Option<MailboxName>,
}

impl ListEntry {
    /// True if the attribute is present (ASCII case-insensitive), e.g. `"\\Marked"`.
    pub fn has(&self, attribute: &str) -> bool {
        self.attributes
            .iter()
            .any(|a| a.eq_ignore_ascii_case(attribute))
    }

    /// False for `\Noselect` and `\NonExistent` (a name in the hierarchy, not a mailbox).
    pub fn is_selectable(&self) -> bool {
        !self.has("\\Noselect") && !self.has("\\NonExistent")
    }

    /// `\HasChildren` → `Some(true)`, `\HasNoChildren` → `Some(false)` (RFC 3348), else
    /// `None` (unknown; `\Noinferiors` also means no children).
    pub fn has_children(&self) -> Option<bool> {
        if self.has("\\HasChildren") {
            Some(true)
        } else if self.has("\\HasNoChildren") || self.has("\\Noinferiors") {
            Some(false)
        } else {
            None
        }
    }

    /// True for `\Subscribed` (LIST-EXTENDED's `SUBSCRIBED` selection or return option).
    pub fn is_subscribed(&self) -> bool {
        self.has("\\Subscribed")
    }

    /// The mailbox's special use (RFC 6154), if an attribute names one.
    pub fn special_use(&self) -> Option<SpecialUse> {
        self.attributes
            .iter()
            .find_map(|a| SpecialUse::from_attribute(a))
    }
}

/// LIST or LSUB → one [`ListEntry`] per mailbox, in the server's order, from the imaplib
/// face's result (the LIST or LSUB data). `utf8`: the connection is in `UTF8=ACCEPT` mode
/// ([`Connection::utf8_enabled`]), so names are UTF-8 rather than modified UTF-7. A
/// malformed response makes the whole answer an error. NO and BAD are errors.
pub fn list(reply: Reply, utf8: bool) -> Result<Vec<ListEntry>> {
    let reply = reply.into_ok()?;
    let mut entries = Vec::new();
    for parsed in parse::list(&reply) {
        let parsed = parsed.map_err(|e| malformed("LIST", &e))?;
        let delimiter = match parsed.delimiter {
            None => None,
            Some(d) => {
                let bytes = d.bytes();
                let text = String::from_utf8_lossy(&bytes);
                let mut chars = text.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Some(c),
                    _ => {
                        return Err(malformed(
                            "LIST",
                            &ParseError::new(0, "a one-character delimiter", &bytes),
                        ))
                    }
                }
            }
        };
        let old_name = match parsed.old_name {
            None => None,
            Some(old) => Some(MailboxName::checked(old, utf8, "LIST")?),
        };
        entries.push(ListEntry {
            name: MailboxName::checked(parsed.mailbox, utf8, "LIST")?,
            old_name,
            delimiter,
            attributes: parsed
                .attributes
                .iter()
                .map(|a| String::from_utf8_lossy(a.as_bytes()).into_owned())
                .collect(),
            status: None,
        });
    }
    Ok(entries)
}

/// Extended LIST ([`Command::list_extended`](crate::Command::list_extended)) → one
/// [`ListEntry`] per mailbox, as [`list`], each with the STATUS the server sent for it
/// (LIST-STATUS, RFC 5819: a `* STATUS` after its `* LIST`) in
/// [`ListEntry::status`]. The imaplib face's result holds the LIST data only, so the STATUS
/// responses are popped from the connection's store and matched by mailbox name. NO and
/// BAD are errors; so is a malformed LIST or STATUS response.
///
/// ```
/// use imaplib_proto::build::{ListOptions, StatusItem};
/// use imaplib_proto::{typed, Command, Connection, Options, Output};
/// let mut conn = Connection::new(Options::new(0x1234));
/// # conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1 LIST-EXTENDED LIST-STATUS\r\nBCDE0 OK done\r\n");
/// # while conn.poll_output().is_some() {}
/// let opts = ListOptions::new().return_status([StatusItem::Messages]);
/// conn.submit(Command::list_extended("", ["*"], &opts)?)?;
/// // Dovecot 2.3's answer: a STATUS after each selectable mailbox.
/// conn.feed(b"* LIST (\\HasNoChildren) \"/\" INBOX\r\n* STATUS INBOX (MESSAGES 2)\r\n\
///             * LIST (\\Noselect \\HasChildren) \"/\" Shared\r\n\
///             BCDE1 OK List completed (0.001 + 0.000 secs).\r\n");
/// let reply = loop {
///     if let Some(Output::Completed { result, .. }) = conn.poll_output() { break result? }
/// };
/// let entries = typed::list_extended(reply, &mut conn)?;
/// assert_eq!(entries[0].status.as_ref().and_then(|s| s.messages), Some(2));
/// assert_eq!(entries[1].status, None);
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn list_extended(reply: Reply, conn: &mut Connection) -> Result<Vec<ListEntry>> {
    let utf8 = conn.utf8_enabled();
    let mut entries = list(reply, utf8)?;
    let stored = conn.response("STATUS");
    for parsed in parse::status(&stored) {
        let status = status_of(parsed.map_err(|e| malformed("STATUS", &e))?, utf8)?;
        if let Some(entry) = entries
            .iter_mut()
            .find(|e| e.name.raw() == status.mailbox.raw())
        {
            entry.status = Some(status);
        }
    }
    Ok(entries)
}
