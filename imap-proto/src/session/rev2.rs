//! IMAP4rev2 (RFC 9051): a SEARCH is answered by the ESEARCH that carries its tag.

use super::Connection;
use crate::error::{Error, Limit, Reason, Result};
use crate::parse::{self, SeqSet};
use crate::response::{Item, Reply, Typ};

/// The SEARCH data of an ESEARCH `item` if it answers the command tagged `tag`: its
/// `TAG` is that tag and its `UID` marker matches the command. `Some(None)` for an answer
/// without `ALL` (no match).
fn answer_of(item: &Item, tag: &[u8], uid: bool) -> Option<Option<SeqSet>> {
    let line = item.as_line()?;
    let one = Reply::new("OK", vec![Item::Line(line.to_vec())]);
    let found = parse::esearch(&one).next()?.ok()?;
    let mine = found.tag.is_some_and(|t| t.bytes().as_ref() == tag) && found.uid == uid;
    mine.then_some(found.all)
}

/// The set as ranges of numbers, `1:4,7` (never `*`: the numbers as the server sent them).
fn ranges_text(set: &SeqSet) -> Vec<u8> {
    let mut out = Vec::new();
    for r in set.ranges() {
        if !out.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(r.start.to_string().as_bytes());
        if r.end != r.start {
            out.push(b':');
            out.extend_from_slice(r.end.to_string().as_bytes());
        }
    }
    out
}

/// Writes the numbers of `set` space-separated (imaplib's SEARCH data), refusing to
/// write more than `max` bytes: a rev1 server could not have sent a longer `* SEARCH` line.
fn expand(set: &SeqSet, max: usize) -> Result<Vec<u8>> {
    let mut needed: u64 = 0;
    for r in set.ranges() {
        let digits = r.end.max(r.start).to_string().len() as u64 + 1;
        needed = needed.saturating_add(r.len().saturating_mul(digits));
    }
    if needed > max as u64 {
        return Err(Error::error(
            Reason::LimitExceeded {
                limit: Limit::Line,
                value: needed,
                bound: max as u64,
            },
            format!(
                "the ESEARCH answer holds {} numbers, about {needed} bytes as imaplib's SEARCH \
                 data, more than a line may hold ({max}): the typed search keeps them as ranges",
                set.count()
            ),
        ));
    }
    let mut out = Vec::with_capacity(needed as usize);
    for n in set.iter() {
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(n.to_string().as_bytes());
    }
    Ok(out)
}

impl Connection {
    /// The result of SEARCH / UID SEARCH (without RETURN). In IMAP4rev2 mode the answer
    /// is `* ESEARCH (TAG "t") [UID] [ALL set]` (RFC 9051 §7.3.4): the one carrying this
    /// command's tag is taken from the store and becomes the SEARCH data — the numbers,
    /// space-separated as imaplib's users expect them (`ranges` unset), or the set as
    /// ranges. ESEARCH responses for other tags, without a tag or malformed stay stored.
    /// Without such an answer (IMAP4rev1, or a server that still sends `* SEARCH`) the
    /// result is imaplib's: the SEARCH data.
    pub(super) fn search_result(
        &mut self,
        tag: u64,
        uid: bool,
        typ: Typ,
        data: Vec<Item>,
        ranges: bool,
    ) -> Result<Reply> {
        if typ == Typ::No || !self.rev2() {
            return Ok(self.untagged_response(typ, data, "SEARCH"));
        }
        let tag = self.tag_bytes(tag);
        let Some(items) = self.store.pop("ESEARCH") else {
            return Ok(self.untagged_response(typ, data, "SEARCH"));
        };
        let mut mine = None;
        let mut others = Vec::new();
        for item in items {
            match mine
                .is_none()
                .then(|| answer_of(&item, &tag, uid))
                .flatten()
            {
                Some(all) => mine = Some(all),
                None => others.push(item),
            }
        }
        for item in others {
            // They were stored within the bound a moment ago.
            self.store.append("ESEARCH", item, self.opts.max_stored)?;
        }
        let Some(all) = mine else {
            return Ok(self.untagged_response(typ, data, "SEARCH"));
        };
        let line = match all {
            None => Vec::new(),
            Some(set) if ranges => ranges_text(&set),
            Some(set) => expand(&set, self.opts.limits.max_line)?,
        };
        Ok(Reply::new(typ, vec![Item::Line(line)]))
    }
}
