//! Typed views over imaplib-shaped replies.
//!
//! A [`Reply`]'s data is a sequence of responses, each a run of [`Item::Literal`]s ended by
//! one [`Item::Line`] (imaplib's shape); `None` items are skipped. A view parses each
//! response on demand, borrowing from the reply, and yields one `Result` per response: a
//! malformed response is an `Err` for that response alone and iteration goes on.
//!
//! ```
//! use imaplib_proto::{Item, Reply};
//! use imaplib_proto::parse;
//!
//! let reply = Reply::new("OK", vec![
//!     Item::Literal(b"1 (UID 7 BODY[] {5}".to_vec(), b"hello".to_vec().into()),
//!     Item::Line(b")".to_vec()),
//!     Item::Line(b"2 (UID 8 FLAGS (\\Seen))".to_vec()),
//! ]);
//! let uids: Vec<_> = parse::fetches(&reply).map(|f| f.unwrap().uid()).collect();
//! assert_eq!(uids, [Some(7), Some(8)]);
//! ```

use super::code::{code_args, Code};
use super::cursor::{Cursor, Segments};
use super::error::{ParseError, ParseResult};
use super::fetch::Fetch;
use super::mailbox::{MailboxList, MailboxStatus, Namespaces};
use super::metadata::MetadataItem;
use super::quirk::{Quirk, Quirks};
use super::search::{Esearch, Search, Sort, Threads, Vanished};
use super::server::{Acl, Capabilities, Id, MyRights, Quota, QuotaRoot};
use super::token::FlagList;
use crate::response::{Item, Reply};

type ParseFn<'a, T> = Box<dyn FnMut(&mut Cursor<'a>) -> ParseResult<T> + 'a>;

/// An iterator of typed responses over a reply's items; see the module docs.
pub struct View<'a, T> {
    items: &'a [Item],
    parse: ParseFn<'a, T>,
    quirks: Quirks,
}

impl<'a, T> View<'a, T> {
    fn new(items: &'a [Item], parse: impl FnMut(&mut Cursor<'a>) -> ParseResult<T> + 'a) -> Self {
        View {
            items,
            parse: Box::new(parse),
            quirks: Quirks::new(),
        }
    }

    /// The quirks that fired in the responses parsed so far.
    pub fn quirks(&self) -> Quirks {
        self.quirks
    }
}

impl<T> std::fmt::Debug for View<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("View")
            .field("remaining_items", &self.items.len())
            .field("quirks", &self.quirks)
            .finish()
    }
}

/// Splits the next response off `items`: its run of items, or an error for a malformed run.
fn next_run<'a>(items: &mut &'a [Item]) -> Option<ParseResult<Segments<'a>>> {
    while let Some(Item::None | Item::List(_)) = items.first() {
        *items = &items[1..];
    }
    if items.is_empty() {
        return None;
    }
    let end = items.iter().position(|i| !matches!(i, Item::Literal(..)));
    match end {
        Some(k) if matches!(items[k], Item::Line(_)) => {
            let run = &items[..=k];
            *items = &items[k + 1..];
            Some(Segments::from_items(run))
        }
        _ => {
            let k = end.unwrap_or(items.len());
            let head = match &items[0] {
                Item::Literal(h, _) => h.as_slice(),
                _ => &[],
            };
            *items = &items[k..];
            Some(Err(ParseError::new(
                0,
                "a line item ending the response",
                head,
            )))
        }
    }
}

impl<T> Iterator for View<'_, T> {
    type Item = ParseResult<T>;

    fn next(&mut self) -> Option<ParseResult<T>> {
        let seg = match next_run(&mut self.items)? {
            Ok(s) => s,
            Err(e) => return Some(Err(e)),
        };
        let mut c = Cursor::new(seg);
        let r = (self.parse)(&mut c).and_then(|v| c.finish().map(|()| v));
        self.quirks.extend(c.quirks);
        Some(r)
    }
}

/// FETCH responses (`fetch()`, `store()`, `uid('FETCH', …)`): items `n (…)`.
pub fn fetches(reply: &Reply) -> View<'_, Fetch<'_>> {
    View::new(&reply.data, |c| {
        let seq = c.number()?;
        if seq == 0 {
            c.quirk(Quirk::ZeroFetchSeq);
        }
        c.sp()?;
        c.fetch_items(seq)
    })
}

/// LIST or LSUB responses.
pub fn list(reply: &Reply) -> View<'_, MailboxList<'_>> {
    View::new(&reply.data, |c| c.mailbox_list())
}

/// STATUS responses.
pub fn status(reply: &Reply) -> View<'_, MailboxStatus<'_>> {
    View::new(&reply.data, |c| c.mailbox_status())
}

/// SEARCH responses (normally one), as ranges.
pub fn search(reply: &Reply) -> View<'_, Search> {
    View::new(&reply.data, |c| c.search_data())
}

/// ESEARCH responses.
pub fn esearch(reply: &Reply) -> View<'_, Esearch<'_>> {
    View::new(&reply.data, |c| c.esearch_data())
}

/// SORT responses.
pub fn sort(reply: &Reply) -> View<'_, Sort> {
    View::new(&reply.data, |c| c.sort_data())
}

/// THREAD responses, each as a tree.
pub fn thread(reply: &Reply) -> View<'_, Threads> {
    View::new(&reply.data, |c| c.thread_data())
}

/// CAPABILITY responses.
pub fn capability(reply: &Reply) -> View<'_, Capabilities<'_>> {
    View::new(&reply.data, |c| {
        c.capability_data(Quirk::TrailingSpaceCapability)
    })
}

/// ENABLED responses.
pub fn enabled(reply: &Reply) -> View<'_, Capabilities<'_>> {
    View::new(&reply.data, |c| {
        c.capability_data(Quirk::TrailingSpaceCapability)
    })
}

/// FLAGS responses.
pub fn flags(reply: &Reply) -> View<'_, FlagList<'_>> {
    View::new(&reply.data, |c| c.flag_list(true))
}

/// NAMESPACE responses.
pub fn namespace(reply: &Reply) -> View<'_, Namespaces<'_>> {
    View::new(&reply.data, |c| c.namespaces())
}

/// QUOTA responses: from `getquota()`, `response('QUOTA')`, or the second list of
/// `getquotaroot()`.
pub fn quota(reply: &Reply) -> View<'_, Quota<'_>> {
    let items = match reply.data.as_slice() {
        [Item::List(_), Item::List(q)] => q.as_slice(),
        d => d,
    };
    View::new(items, |c| c.quota_data())
}

/// QUOTAROOT responses: from `response('QUOTAROOT')` or the first list of `getquotaroot()`.
pub fn quotaroot(reply: &Reply) -> View<'_, QuotaRoot<'_>> {
    let items = match reply.data.as_slice() {
        [Item::List(r), ..] => r.as_slice(),
        d => d,
    };
    View::new(items, |c| c.quotaroot_data())
}

/// ACL responses.
pub fn acl(reply: &Reply) -> View<'_, Acl<'_>> {
    View::new(&reply.data, |c| c.acl_data())
}

/// MYRIGHTS responses.
pub fn myrights(reply: &Reply) -> View<'_, MyRights<'_>> {
    View::new(&reply.data, |c| c.myrights_data())
}

/// ID responses.
pub fn id(reply: &Reply) -> View<'_, Id<'_>> {
    View::new(&reply.data, |c| c.id_data())
}

/// METADATA responses (RFC 5464), as `getmetadata()` returns them: each item is a
/// `METADATA` response ([`MetadataItem::Entries`]) or, since imaplib stores the tagged OK's
/// `[METADATA LONGENTRIES n]` under the same name, that code's data
/// ([`MetadataItem::Code`]).
///
/// ```
/// use imaplib_proto::parse::{self, MetadataCode, MetadataItem};
/// use imaplib_proto::{Item, Reply};
///
/// let reply = Reply::new("OK", vec![
///     Item::Literal(b"INBOX (/private/comment {4}".to_vec(), b"a\r\nb".to_vec().into()),
///     Item::Line(b" /shared/comment NIL)".to_vec()),
///     Item::Line(b"LONGENTRIES 11".to_vec()),
/// ]);
/// let items: Vec<_> = parse::metadata(&reply).collect::<Result<_, _>>()?;
/// let MetadataItem::Entries(md) = &items[0] else { panic!() };
/// assert_eq!(md.values[0].1.unwrap().bytes().as_ref(), b"a\r\nb");
/// assert_eq!(md.values[1].1, None);
/// assert_eq!(items[1], MetadataItem::Code(MetadataCode::LongEntries(11)));
/// # Ok::<(), parse::ParseError>(())
/// ```
pub fn metadata(reply: &Reply) -> View<'_, MetadataItem<'_>> {
    View::new(&reply.data, |c| {
        let start = c.rest;
        if let Ok(Some(code)) = c.metadata_code() {
            if c.finish().is_ok() {
                return Ok(MetadataItem::Code(code));
            }
        }
        c.rest = start;
        c.metadata_data().map(MetadataItem::Entries)
    })
}

/// VANISHED responses.
pub fn vanished(reply: &Reply) -> View<'_, Vanished> {
    View::new(&reply.data, |c| c.vanished_data())
}

/// Response codes stored by imaplib under the code's name: `reply` is what
/// `response("COPYUID")` returns (`typ` is the name, each item the code's data). See
/// [`parse_code`](super::parse_code) for how imaplib's greedy match is undone.
pub fn codes(reply: &Reply) -> View<'_, Code<'_>> {
    let name = reply.typ.as_bytes();
    View::new(&reply.data, move |c| {
        let has_args = !c.rest.is_empty();
        let code = code_args(c, name, has_args)?;
        if c.peek() == Some(b']') {
            // imaplib's greedy `.*` kept text after the code's `]`.
            c.take_all();
        }
        Ok(code)
    })
}
