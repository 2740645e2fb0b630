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
    /// The tag of the command it answers (`(TAG "…")`): what
    /// [`Command::cancel_update`](crate::Command::cancel_update) names to end a live
    /// search (`UPDATE`).
    pub tag: Option<String>,
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
    /// `PARTIAL` (CONTEXT=SEARCH): the page of matches asked for with
    /// [`SearchReturn::partial`](crate::build::SearchReturn::partial).
    pub partial: Option<SearchPage>,
    /// `ADDTO` (CONTEXT=SEARCH): numbers a live search gained, in the order sent.
    pub addto: Vec<SearchChange>,
    /// `REMOVEFROM` (CONTEXT=SEARCH): numbers a live search lost, in the order sent.
    pub removefrom: Vec<SearchChange>,
    /// Other return data: names as sent, values in their wire form.
    pub other: Vec<(String, Vec<u8>)>,
}

/// A page of a search result: ESEARCH's `PARTIAL (first:last set)` (RFC 5267 §4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchPage {
    /// The first position of the page (1-based), as the server echoes it.
    pub first: u32,
    /// The last position of the page.
    pub last: u32,
    /// The matches at those positions, as ranges; `None` when there are none (`NIL`).
    pub set: Option<SeqSet>,
}

/// One change to a live search (RFC 5267 §4.3): `ADDTO`/`REMOVEFROM`'s `position set`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchChange {
    /// Where in a sorted result the numbers go (CONTEXT=SORT); 0 when not given.
    pub position: u32,
    /// The numbers added or removed, as ranges.
    pub set: SeqSet,
}

fn typed_esearch(found: parse::Esearch<'_>) -> Esearch {
    let change = |c: &parse::ContextChange| SearchChange {
        position: c.position,
        set: from_parsed(c.set.clone()),
    };
    Esearch {
        tag: found.tag.as_ref().map(|t| t.to_str_lossy().into_owned()),
        partial: found.partial.as_ref().map(|p| SearchPage {
            first: p.first,
            last: p.last,
            set: p.set.clone().map(from_parsed),
        }),
        addto: found.addto.iter().map(change).collect(),
        removefrom: found.removefrom.iter().map(change).collect(),
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
    }
}

/// The ESEARCH responses stored under `conn`, popped and parsed one by one, each with its
/// stored item; the store is left as it was when one is malformed.
fn pop_esearch(conn: &mut Connection) -> Result<Vec<(Esearch, Item)>> {
    let stored = conn.response("ESEARCH");
    let mut out = Vec::new();
    for item in stored.data.iter().filter(|i| !i.is_none()) {
        let one = Reply::new("ESEARCH", vec![item.clone()]);
        match parse::esearch(&one).last() {
            Some(Ok(found)) => out.push((typed_esearch(found), item.clone())),
            Some(Err(e)) => {
                let err = malformed("ESEARCH", &e);
                conn.restore_unsolicited(stored)?;
                return Err(err);
            }
            None => {}
        }
    }
    Ok(out)
}

/// True for a live search's update (`ADDTO`/`REMOVEFROM`) rather than a command's answer.
fn is_update(e: &Esearch) -> bool {
    !e.addto.is_empty() || !e.removefrom.is_empty()
}

/// SEARCH or UID SEARCH with `RETURN (…)` → [`Esearch`]. The imaplib face's result holds
/// no ESEARCH data (imaplib's `search()` returns SEARCH responses), so the ESEARCH
/// responses are popped from the store; the last one that is not a live search's update
/// is taken (updates — `ADDTO`, `REMOVEFROM` — stay stored for [`search_updates`]), none
/// means no match (`Esearch::default()` with `uid` unset). NO and BAD are errors.
///
/// That is the command's own answer when it is the only SEARCH RETURN in flight. With
/// several pipelined, use [`esearch_for`], which matches the answer to its command by tag
/// (as the clients' typed face does).
pub fn esearch(reply: Reply, conn: &mut Connection) -> Result<Esearch> {
    super::done(reply)?;
    let mut answer = None;
    let mut updates = Vec::new();
    for (found, item) in pop_esearch(conn)? {
        if is_update(&found) {
            updates.push(item);
        } else {
            answer = Some(found);
        }
    }
    if !updates.is_empty() {
        conn.restore_unsolicited(Reply::new("ESEARCH", updates))?;
    }
    Ok(answer.unwrap_or_default())
}

/// [`esearch`] for one of several SEARCH RETURN commands in flight at once (pipelined on a
/// [`Connection`], or with a client's `submit` and `wait`): the answer is the ESEARCH whose
/// correlator (`TAG`) is `tag`, the command's tag as [`Connection::command_tag`] gives it
/// while the command is pending. When none carries `tag` (a server that leaves the
/// correlator out), the last answer stored without one is taken, as [`esearch`] takes it:
/// the answer of the command that completed last, which is this one's when it is the
/// latest SEARCH RETURN sent (the typed face's case); such answers cannot be matched to
/// pipelined commands. Every other ESEARCH stays stored, in arrival order, for its own
/// call: other commands' answers and live-search updates. None at all means no match
/// (`Esearch::default()`). NO and BAD are errors, and leave the store as it was.
///
/// ```
/// use imaplib_proto::build::{SearchKey, SearchReturn};
/// use imaplib_proto::{typed, Command, Connection, Options, Output, Reply};
/// let mut conn = Connection::new(Options::new(0x1234)); // tags BCDE0, BCDE1, …
/// # conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1 ESEARCH\r\nBCDE0 OK done\r\n");
/// # while conn.poll_output().is_some() {}
/// # conn.submit(Command::select("INBOX", false)?)?;
/// # conn.feed(b"* 4 EXISTS\r\nBCDE1 OK [READ-WRITE] done\r\n");
/// # while conn.poll_output().is_some() {}
/// let all = SearchReturn::new().all();
/// let seen = conn.submit(Command::search_return(&SearchKey::seen(), &all)?)?;
/// let unseen = conn.submit(Command::search_return(&SearchKey::unseen(), &all)?)?;
/// let tags = [seen, unseen].map(|id| conn.command_tag(id).unwrap());
/// assert_eq!(tags, ["BCDE2", "BCDE3"]);
/// conn.feed(b"* ESEARCH (TAG \"BCDE2\") ALL 1,3\r\nBCDE2 OK done\r\n");
/// conn.feed(b"* ESEARCH (TAG \"BCDE3\") ALL 2,4\r\nBCDE3 OK done\r\n");
/// let mut replies: Vec<Reply> = Vec::new();
/// while let Some(out) = conn.poll_output() {
///     if let Output::Completed { result, .. } = out {
///         replies.push(result?);
///     }
/// }
/// let second = replies.pop().unwrap();
/// let first = replies.pop().unwrap();
/// // Both answers are stored when the first command's reply is read: each goes to its own.
/// let a = typed::esearch_for(&tags[0], first, &mut conn)?;
/// let b = typed::esearch_for(&tags[1], second, &mut conn)?;
/// assert_eq!(a.all.unwrap().to_string(), "1,3");
/// assert_eq!(b.all.unwrap().to_string(), "2,4");
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn esearch_for(tag: &str, reply: Reply, conn: &mut Connection) -> Result<Esearch> {
    super::done(reply)?;
    let mut answer = None;
    let mut others = Vec::new();
    // The last answer without a correlator, and where it lies in `others`.
    let mut uncorrelated = None;
    for (found, item) in pop_esearch(conn)? {
        if is_update(&found) {
            others.push(item);
            continue;
        }
        match found.tag.as_deref() {
            Some(t) if t == tag => answer = Some(found),
            None => {
                uncorrelated = Some((others.len(), found));
                others.push(item);
            }
            _ => others.push(item),
        }
    }
    if answer.is_none() {
        if let Some((at, found)) = uncorrelated {
            others.remove(at);
            answer = Some(found);
        }
    }
    if !others.is_empty() {
        conn.restore_unsolicited(Reply::new("ESEARCH", others))?;
    }
    Ok(answer.unwrap_or_default())
}

/// The live-search updates (`ADDTO`, `REMOVEFROM`) in one update as the IDLE iterator
/// yields it — `("ESEARCH", [data…])`, imaplib's shape; any other update gives none. A
/// malformed ESEARCH is an error.
///
/// ```
/// use imaplib_proto::{typed, Item, Reply};
/// let update = Reply::new("ESEARCH", vec![Item::from(b"(TAG \"BCDE4\") UID ADDTO (0 12)")]);
/// let found = typed::esearch_updates(&update)?;
/// assert_eq!((found[0].tag.as_deref(), found[0].addto[0].set.to_string()), (Some("BCDE4"), "12".into()));
/// assert!(typed::esearch_updates(&Reply::new("EXISTS", vec![Item::from(b"3")]))?.is_empty());
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn esearch_updates(update: &Reply) -> Result<Vec<Esearch>> {
    if !update.typ.eq_ignore_ascii_case("ESEARCH") {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for found in parse::esearch(update) {
        let found = typed_esearch(found.map_err(|e| malformed("ESEARCH", &e))?);
        if is_update(&found) {
            out.push(found);
        }
    }
    Ok(out)
}

/// The updates of live searches (CONTEXT=SEARCH, [`SearchReturn::update`]) that arrived
/// since the last call — after a NOOP, or any command — popped from the untagged store
/// in arrival order: each an [`Esearch`] with its `tag` and `addto`/`removefrom`. Other
/// ESEARCH responses stay stored. Updates also arrive in IDLE, as `ESEARCH` updates of
/// imaplib's shape: read those with [`esearch_updates`].
///
/// [`SearchReturn::update`]: crate::build::SearchReturn::update
///
/// ```
/// use imaplib_proto::{typed, Command, Connection, Options, Output};
/// let mut conn = Connection::new(Options::new(0x1234));
/// # conn.feed(b"* PREAUTH Logged in\r\n* CAPABILITY IMAP4rev1 ESEARCH CONTEXT=SEARCH\r\nBCDE0 OK done\r\n");
/// # while conn.poll_output().is_some() {}
/// conn.submit(Command::noop())?;
/// conn.feed(b"* 3 EXISTS\r\n* ESEARCH (TAG \"BCDE2\") UID ADDTO (0 7:8)\r\nBCDE1 OK NOOP\r\n");
/// # while conn.poll_output().is_some() {}
/// let updates = typed::search_updates(&mut conn)?;
/// assert_eq!(updates[0].tag.as_deref(), Some("BCDE2"));
/// assert_eq!(updates[0].addto[0].set.to_string(), "7:8");
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub fn search_updates(conn: &mut Connection) -> Result<Vec<Esearch>> {
    let mut out = Vec::new();
    let mut others = Vec::new();
    for (found, item) in pop_esearch(conn)? {
        if is_update(&found) {
            out.push(found);
        } else {
            others.push(item);
        }
    }
    if !others.is_empty() {
        conn.restore_unsolicited(Reply::new("ESEARCH", others))?;
    }
    Ok(out)
}
