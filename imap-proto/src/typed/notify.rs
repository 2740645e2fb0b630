//! NOTIFY (RFC 5465) events out of the updates the server sends unsolicited.

use super::{from_parsed, list, malformed, status, ListEntry, MailboxName, MailboxStatus};
use super::{Messages, SeqSet};
use crate::error::{Refusal, Result};
use crate::parse::{self, Code, MetadataItem, ParseError, StatusKind};
use crate::response::{Item, Reply};
use crate::session::Connection;

/// One notification (RFC 5465 §6), as the server reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A watched mailbox other than the selected one changed (`MessageNew`,
    /// `MessageExpunge`, `FlagChange`): `* STATUS mailbox (…)`.
    Status(MailboxStatus),
    /// A mailbox was created, deleted (`\NonExistent`), renamed, or its subscription
    /// changed (`MailboxName`, `SubscriptionChange`): `* LIST …`.
    Mailbox(ListEntry),
    /// The selected mailbox now holds this many messages: `* n EXISTS`.
    Exists(u32),
    /// A message of the selected mailbox was expunged: `* n EXPUNGE`.
    Expunge(u32),
    /// Messages of the selected mailbox were expunged (QRESYNC): `* VANISHED uids`.
    Vanished(SeqSet),
    /// Flags changed, or a new message's requested items: `* n FETCH (…)`.
    Fetch(Messages),
    /// Metadata entries changed: `* METADATA mailbox entry …`.
    Metadata {
        /// The mailbox (empty for the server).
        mailbox: MailboxName,
        /// The entries whose values changed.
        entries: Vec<String>,
    },
    /// `* OK [NOTIFICATIONOVERFLOW]`: the server stopped notifying (as after `NOTIFY NONE`);
    /// resynchronise and issue NOTIFY again.
    Overflow,
}

fn ok(data: &[Item]) -> Reply {
    Reply::new("OK", data.to_vec())
}

fn numbers(what: &str, data: &[Item]) -> Result<Vec<u32>> {
    data.iter()
        .filter_map(Item::as_line)
        .map(|l| {
            parse::parse_number(l)
                .ok()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| malformed(what, &ParseError::new(0, "a number", l)))
        })
        .collect()
}

/// The events in one update as the IDLE iterator yields it (`(TYPE, [data])`, imaplib's
/// shape) or as [`Connection::response`] pops it; `utf8` says how mailbox names are decoded
/// (UTF8=ACCEPT enabled). Updates that are no notification (`RECENT`, an untagged `OK`
/// without code…) give no event; a malformed one is an error.
///
/// NOTIFY events arrive without IDLE, but only a read sees them: wait in IDLE (Dovecot
/// sends them during IDLE; this is what the Dovecot tests do) or poll with NOOP and read
/// the untagged store with [`take_events`].
///
/// ```
/// use imaplib_proto::typed::{self, Event};
/// use imaplib_proto::{Item, Reply};
/// let update = Reply::new("STATUS", vec![Item::Line(b"Work (MESSAGES 1 UIDNEXT 2 UNSEEN 1)".to_vec())]);
/// let events = typed::events(&update, false)?;
/// let [Event::Status(s)] = &events[..] else { panic!("{events:?}") };
/// assert_eq!((s.mailbox.as_str(), s.messages), ("Work", Some(1)));
/// let update = Reply::new("EXISTS", vec![Item::Line(b"3".to_vec())]);
/// assert_eq!(typed::events(&update, false)?, [Event::Exists(3)]);
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn events(update: &Reply, utf8: bool) -> Result<Vec<Event>> {
    let data = update.data.as_slice();
    let mut out = Vec::new();
    match update.typ.to_ascii_uppercase().as_str() {
        "STATUS" => {
            for item in data.iter().filter(|i| i.as_line().is_some()) {
                let one = Reply::new("OK", vec![item.clone()]);
                out.push(Event::Status(status(one, utf8)?));
            }
        }
        "LIST" => {
            for entry in list(ok(data), utf8)? {
                out.push(Event::Mailbox(entry));
            }
        }
        "EXISTS" => out.extend(numbers("EXISTS", data)?.into_iter().map(Event::Exists)),
        "EXPUNGE" => out.extend(numbers("EXPUNGE", data)?.into_iter().map(Event::Expunge)),
        "VANISHED" => {
            for v in parse::vanished(&ok(data)) {
                let v = v.map_err(|e| malformed("VANISHED", &e))?;
                if !v.earlier {
                    out.push(Event::Vanished(from_parsed(v.uids)));
                }
            }
        }
        "FETCH" if data.iter().any(|i| !i.is_none()) => {
            out.push(Event::Fetch(super::fetch(ok(data))?));
        }
        "METADATA" => {
            for item in parse::metadata(&ok(data)) {
                if let MetadataItem::Entries(md) = item.map_err(|e| malformed("METADATA", &e))? {
                    let mut entries: Vec<String> = md
                        .changed
                        .iter()
                        .map(|e| e.to_str_lossy().into_owned())
                        .collect();
                    entries.extend(md.values.iter().map(|(e, _)| e.to_str_lossy().into_owned()));
                    out.push(Event::Metadata {
                        mailbox: MailboxName::new(md.mailbox, utf8),
                        entries,
                    });
                }
            }
        }
        "NOTIFICATIONOVERFLOW" => out.push(Event::Overflow),
        "OK" => {
            // The stored text of an untagged OK: its response code, typed.
            let overflow = data.iter().filter_map(Item::as_line).any(|l| {
                Refusal::new(StatusKind::Ok, l).code() == Some(Code::NotificationOverflow)
            });
            if overflow {
                out.push(Event::Overflow);
            }
        }
        _ => {}
    }
    Ok(out)
}

/// Pops the notifications out of the connection's untagged store (after a NOOP, say):
/// `NOTIFICATIONOVERFLOW` first, then STATUS, LIST, METADATA, EXISTS, EXPUNGE, VANISHED
/// and FETCH, each kind in arrival order (the store keeps no order across kinds). The
/// store is left as it was when an update is malformed. Whatever else is stored under those
/// names is taken too — SELECT's `EXISTS`, say, which imaplib leaves there.
pub fn take_events(conn: &mut Connection) -> Result<Vec<Event>> {
    const KINDS: [&str; 8] = [
        "NOTIFICATIONOVERFLOW",
        "STATUS",
        "LIST",
        "METADATA",
        "EXISTS",
        "EXPUNGE",
        "VANISHED",
        "FETCH",
    ];
    let utf8 = conn.utf8_enabled();
    let mut popped = Vec::new();
    let mut out = Vec::new();
    let mut failed = None;
    for kind in KINDS {
        let r = conn.response(kind);
        if r.data.iter().all(Item::is_none) {
            continue;
        }
        let update = Reply::new(kind, r.data.clone());
        match events(&update, utf8) {
            Ok(ev) => out.extend(ev),
            Err(e) => failed = Some(e),
        }
        popped.push(update);
        if failed.is_some() {
            break;
        }
    }
    if let Some(e) = failed {
        for update in popped {
            conn.restore_unsolicited(update)?;
        }
        return Err(e);
    }
    Ok(out)
}
