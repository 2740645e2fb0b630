//! SEARCH ([`SeqSet`]) and ESEARCH ([`Esearch`]).

use super::{from_parsed, malformed, SeqSet};
use crate::error::Result;
use crate::parse;
use crate::response::{Item, Reply};
use crate::session::Connection;

/// SEARCH or UID SEARCH → the matching sequence numbers (or UIDs), as ranges, from the
/// imaplib face's result (the SEARCH data; several responses are joined in order). No
/// SEARCH response means no match. NO and BAD (an unknown search key, for instance) are
/// errors. In IMAP4rev2 the answer is the ESEARCH carrying the command's tag; a result
/// of [`Command::keep_ranges`](crate::Command::keep_ranges) holds its set as sent
/// (`1:4,7`), read here without expanding it.
///
/// A `(MODSEQ n)` at the end of the response (CONDSTORE) is dropped; ask with
/// `RETURN (…)` and [`esearch`] to have it.
///
/// ```
/// use imaplib_proto::{typed, Item, Reply};
/// let set = typed::search(Reply::new("OK", vec![Item::from(b"1 2 3 4 7")]))?;
/// assert_eq!(set.to_string(), "1:4,7");
/// assert_eq!(set.count(), 5);
/// let none = typed::search(Reply::new("OK", vec![Item::from(b"")]))?;
/// assert!(none.is_empty());
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn search(reply: Reply) -> Result<SeqSet> {
    let reply = reply.into_ok()?;
    // IMAP4rev2 with `Command::keep_ranges`: the ESEARCH set as sent (`1:4,7`).
    if let [Item::Line(line)] = reply.data.as_slice() {
        if line.iter().any(|b| matches!(b, b':' | b',')) {
            return SeqSet::parse_verbatim(line).map_err(|_| {
                malformed(
                    "ESEARCH",
                    &parse::ParseError::new(0, "a sequence set", line),
                )
            });
        }
    }
    let mut set: Option<parse::SeqSet> = None;
    for found in parse::search(&reply) {
        let found = found.map_err(|e| malformed("SEARCH", &e))?.ids;
        match &mut set {
            None => set = Some(found),
            Some(set) => {
                for r in found.ranges() {
                    set.push_range(r.start, r.end);
                }
            }
        }
    }
    Ok(from_parsed(set.unwrap_or_default()))
}

/// An ESEARCH answer (RFC 4731 / RFC 9051): what `SEARCH RETURN (MIN MAX COUNT ALL) …`
/// asked for. A return option not asked for, or with no match, is `None`.
///
/// ```
/// use imaplib_proto::{typed, Command, Connection, Options, Output};
/// let mut conn = Connection::new(Options::new(0x1234));
/// # conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1 ESEARCH\r\nBCDE0 OK done\r\n");
/// # while conn.poll_output().is_some() {}
/// # conn.submit(Command::select("INBOX", false)?)?;
/// # conn.feed(b"* 4 EXISTS\r\nBCDE1 OK [READ-WRITE] Select completed.\r\n");
/// # while conn.poll_output().is_some() {}
/// conn.submit(Command::search(None, &["RETURN (MIN MAX ALL COUNT)", "ALL"])?)?;
/// // Dovecot 2.3's answer.
/// conn.feed(b"* ESEARCH (TAG \"BCDE2\") MIN 1 MAX 4 ALL 1:4 COUNT 4\r\n\
///             BCDE2 OK Search completed (0.001 + 0.000 secs).\r\n");
/// let reply = loop {
///     if let Some(Output::Completed { result, .. }) = conn.poll_output() { break result? }
/// };
/// assert_eq!(reply.python_repr(), "('OK', [None])"); // imaplib's search() wants SEARCH
/// let found = typed::esearch(reply, &mut conn)?;
/// assert_eq!((found.min, found.max, found.count), (Some(1), Some(4), Some(4)));
/// assert_eq!(found.all.unwrap().to_string(), "1:4");
/// assert!(!found.uid);
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Esearch {
    /// The numbers are UIDs (UID SEARCH).
    pub uid: bool,
    /// `MIN`: the lowest match.
    pub min: Option<u32>,
    /// `MAX`: the highest match.
    pub max: Option<u32>,
    /// `COUNT`: how many matched.
    pub count: Option<u32>,
    /// `ALL`: every match, as ranges.
    pub all: Option<SeqSet>,
    /// `MODSEQ` (CONDSTORE): the highest mod-sequence of the matches.
    pub modseq: Option<u64>,
    /// Other return data: names as sent, values in their wire form.
    pub other: Vec<(String, Vec<u8>)>,
}

/// SEARCH or UID SEARCH with `RETURN (…)` → [`Esearch`]. The imaplib face's result holds
/// no ESEARCH data (imaplib's `search()` returns SEARCH responses), so the ESEARCH
/// responses are popped from the store; the last one is taken, none means no match
/// (`Esearch::default()` with `uid` unset). NO and BAD are errors.
pub fn esearch(reply: Reply, conn: &mut Connection) -> Result<Esearch> {
    super::done(reply)?;
    let stored = conn.response("ESEARCH");
    let Some(found) = parse::esearch(&stored).last() else {
        return Ok(Esearch::default());
    };
    let found = found.map_err(|e| malformed("ESEARCH", &e))?;
    Ok(Esearch {
        uid: found.uid,
        min: found.min,
        max: found.max,
        count: found.count,
        all: found.all.map(from_parsed),
        modseq: found.modseq,
        other: found
            .other
            .iter()
            .map(|(name, value)| (String::from_utf8_lossy(name).into_owned(), value.to_wire()))
            .collect(),
    })
}
