//! CAPABILITY ([`CapabilitySet`]).

use std::fmt;

use super::{malformed, missing};
use crate::error::Result;
use crate::parse;
use crate::response::Reply;
use crate::session::Connection;

/// The server's capabilities, looked up by name whatever the case.
///
/// ```
/// use imaplib_proto::typed::CapabilitySet;
/// use imaplib_proto::{Connection, Options};
/// let mut conn = Connection::new(Options::new(0x1234));
/// conn.feed(b"* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN AUTH=CRAM-MD5 THREAD=REFERENCES] hi\r\n");
/// let caps = CapabilitySet::of(&conn);
/// assert!(caps.has("IDLE") && caps.has("idle") && !caps.has("MOVE"));
/// assert!(caps.has("AUTH=PLAIN"));
/// assert_eq!(caps.values("AUTH").collect::<Vec<_>>(), ["PLAIN", "CRAM-MD5"]);
/// assert_eq!(caps.len(), 5);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CapabilitySet {
    /// Upper case, in the server's order, without duplicates.
    names: Vec<String>,
}

impl CapabilitySet {
    /// The capabilities the connection knows (from the greeting, LOGIN's answer, or the
    /// last CAPABILITY it asked for itself: [`Connection::capabilities`]).
    pub fn of(conn: &Connection) -> Self {
        conn.capabilities().iter().map(String::as_str).collect()
    }

    /// True if `name` (e.g. `"IDLE"`, `"AUTH=PLAIN"`) is present, ASCII case-insensitively.
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// The values of `NAME=value` capabilities, e.g. `values("AUTH")` → `PLAIN`, `LOGIN`;
    /// `values("THREAD")` → `REFERENCES`, … (upper case, in the server's order).
    pub fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.names.iter().filter_map(move |n| {
            let (key, value) = n.split_once('=')?;
            key.eq_ignore_ascii_case(name).then_some(value)
        })
    }

    /// The names, upper case, in the server's order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// How many capabilities.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    fn insert(&mut self, name: &str) {
        if !self.has(name) {
            self.names.push(name.to_ascii_uppercase());
        }
    }
}

impl<'a> FromIterator<&'a str> for CapabilitySet {
    /// Upper-cases the names and drops duplicates.
    fn from_iter<I: IntoIterator<Item = &'a str>>(names: I) -> Self {
        let mut set = CapabilitySet::default();
        for name in names {
            set.insert(name);
        }
        set
    }
}

impl fmt::Debug for CapabilitySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(&self.names).finish()
    }
}

/// CAPABILITY → [`CapabilitySet`], from the imaplib face's result (the CAPABILITY data;
/// the last response when there are several, none is a malformed answer). NO and BAD are
/// errors.
///
/// ```
/// use imaplib_proto::{typed, Item, Reply};
/// let reply = Reply::new("OK", vec![Item::from(b"IMAP4rev1 SASL-IR ID ENABLE IDLE MOVE")]);
/// let caps = typed::capability(reply)?;
/// assert!(caps.has("MOVE"));
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn capability(reply: Reply) -> Result<CapabilitySet> {
    let reply = reply.into_ok()?;
    let Some(caps) = parse::capability(&reply).last() else {
        return Err(missing("CAPABILITY response"));
    };
    let caps = caps.map_err(|e| malformed("CAPABILITY", &e))?;
    let mut set = CapabilitySet::default();
    for name in &caps.list {
        set.insert(&String::from_utf8_lossy(name));
    }
    Ok(set)
}
