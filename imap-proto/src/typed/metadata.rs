//! GETMETADATA's answer (RFC 5464) as Rust values.

use super::{malformed, MailboxName};
use crate::error::Result;
use crate::parse::{self, MetadataCode, MetadataItem};
use crate::response::Reply;

/// One entry of a GETMETADATA answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataEntry {
    /// The mailbox (empty for server metadata).
    pub mailbox: MailboxName,
    /// The entry name, e.g. `/private/comment`.
    pub name: String,
    /// Its value; `None` when the entry has none (`NIL`).
    pub value: Option<Vec<u8>>,
}

/// What GETMETADATA returned: the entries with their values, in the server's order, and
/// `[METADATA LONGENTRIES n]` when `MAXSIZE` left values out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataValues {
    /// The entries and values.
    pub entries: Vec<MetadataEntry>,
    /// The size of the largest value left out by `MAXSIZE`, if any was.
    pub long_entries: Option<u64>,
    /// Entries named by unsolicited `METADATA` change notices that arrived meanwhile
    /// (mailbox and entry name, no value).
    pub changed: Vec<(MailboxName, String)>,
}

impl MetadataValues {
    /// The value of `entry` (ASCII case-insensitive, as entry names are): `None` if it was
    /// not returned, `Some(None)` for `NIL`.
    pub fn get(&self, entry: &str) -> Option<Option<&[u8]>> {
        self.entries
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(entry))
            .map(|e| e.value.as_deref())
    }
}

/// GETMETADATA's reply ([`crate::Command::getmetadata`]) as [`MetadataValues`]; `utf8`
/// says how mailbox names are decoded (UTF8=ACCEPT enabled). NO and BAD are errors; so is
/// a malformed METADATA response.
///
/// ```
/// use imaplib_proto::{typed, Item, Reply};
/// let reply = Reply::new("OK", vec![
///     Item::Literal(b"INBOX (/private/comment {2}".to_vec(), b"hi".to_vec().into()),
///     Item::Line(b" /shared/comment NIL)".to_vec()),
///     Item::Line(b"LONGENTRIES 2048".to_vec()),
/// ]);
/// let md = typed::metadata(reply, false)?;
/// assert_eq!(md.get("/private/comment"), Some(Some(&b"hi"[..])));
/// assert_eq!(md.get("/shared/comment"), Some(None));
/// assert_eq!(md.long_entries, Some(2048));
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn metadata(reply: Reply, utf8: bool) -> Result<MetadataValues> {
    let reply = reply.into_ok()?;
    let mut out = MetadataValues::default();
    for item in parse::metadata(&reply) {
        match item.map_err(|e| malformed("METADATA", &e))? {
            MetadataItem::Code(MetadataCode::LongEntries(n)) => {
                out.long_entries = Some(out.long_entries.map_or(n, |m: u64| m.max(n)));
            }
            MetadataItem::Code(_) => {}
            MetadataItem::Entries(md) => {
                let mailbox = MailboxName::new(md.mailbox, utf8);
                for (name, value) in md.values {
                    out.entries.push(MetadataEntry {
                        mailbox: mailbox.clone(),
                        name: name.to_str_lossy().into_owned(),
                        value: value.map(|v| v.bytes().into_owned()),
                    });
                }
                for name in md.changed {
                    out.changed
                        .push((mailbox.clone(), name.to_str_lossy().into_owned()));
                }
            }
        }
    }
    Ok(out)
}
