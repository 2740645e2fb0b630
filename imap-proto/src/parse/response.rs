//! Whole responses: tagged status, untagged data, continuation requests.

use super::code::{continuation, resp_text, Continuation, Status, StatusKind};
use super::cursor::{Cursor, Segments};
use super::error::ParseResult;
use super::fetch::Fetch;
use super::mailbox::{MailboxList, MailboxStatus, Namespaces};
use super::metadata::Metadata;
use super::quirk::{Quirk, Quirks};
use super::search::{Esearch, Search, Sort, Threads, Vanished};
use super::server::{Acl, Capabilities, Id, MyRights, Quota, QuotaRoot};
use super::token::{FlagList, Raw};
use crate::frame::Frame;
use crate::grammar::{self, is_tag_char};

/// A parsed server response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response<'a> {
    /// `tag OK|NO|BAD …`
    Tagged {
        /// The tag.
        tag: &'a [u8],
        /// The status.
        status: Status<'a>,
    },
    /// `* …`
    Untagged(Data<'a>),
    /// `+ …`
    Continuation(Continuation<'a>),
}

/// Untagged data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Data<'a> {
    /// `* OK|NO|BAD|PREAUTH|BYE [code] text` (also `* [code] text` under
    /// [`Quirk::CodeWithoutStatus`]).
    Status(Status<'a>),
    /// `* CAPABILITY …`
    Capability(Capabilities<'a>),
    /// `* ENABLED …` (RFC 5161)
    Enabled(Capabilities<'a>),
    /// `* FLAGS (…)`
    Flags(FlagList<'a>),
    /// `* LIST …`
    List(MailboxList<'a>),
    /// `* LSUB …`
    Lsub(MailboxList<'a>),
    /// `* STATUS mailbox (…)`
    MailboxStatus(MailboxStatus<'a>),
    /// `* SEARCH …`
    Search(Search),
    /// `* ESEARCH …`
    Esearch(Esearch<'a>),
    /// `* SORT …`
    Sort(Sort),
    /// `* THREAD …`
    Thread(Threads),
    /// `* NAMESPACE …`
    Namespace(Namespaces<'a>),
    /// `* QUOTA …`
    Quota(Quota<'a>),
    /// `* QUOTAROOT …`
    QuotaRoot(QuotaRoot<'a>),
    /// `* ACL …`
    Acl(Acl<'a>),
    /// `* MYRIGHTS …`
    MyRights(MyRights<'a>),
    /// `* ID …`
    Id(Id<'a>),
    /// `* METADATA …` (RFC 5464)
    Metadata(Metadata<'a>),
    /// `* VANISHED …`
    Vanished(Vanished),
    /// `* n EXISTS`
    Exists(u32),
    /// `* n RECENT`
    Recent(u32),
    /// `* n EXPUNGE`
    Expunge(u32),
    /// `* n FETCH (…)`
    Fetch(Fetch<'a>),
    /// Anything else, kept verbatim.
    Other {
        /// The number before the name, for `* n NAME …`.
        number: Option<u32>,
        /// The response name.
        name: &'a [u8],
        /// The data after `NAME SP` (empty if none).
        data: Raw<'a>,
    },
}

/// Parses one framed response.
///
/// ```
/// use imaplib_proto::frame::Frame;
/// use imaplib_proto::parse::{parse_response, Data, FetchItem, Response};
///
/// let frame = Frame {
///     first: b"* 1 FETCH (BODY[] {5}".to_vec().into(),
///     parts: vec![(b"hello".to_vec().into(), b" UID 3)".to_vec().into())],
/// };
/// let Response::Untagged(Data::Fetch(f)) = parse_response(&frame)? else { panic!() };
/// assert_eq!(f.uid(), Some(3));
/// assert_eq!(&*f.section("").unwrap().unwrap().bytes(), b"hello");
/// # Ok::<(), imaplib_proto::parse::ParseError>(())
/// ```
pub fn parse_response(frame: &Frame) -> ParseResult<Response<'_>> {
    parse_response_quirks(frame, &mut Quirks::new())
}

/// [`parse_response`], adding the quirks that fired to `quirks`.
pub fn parse_response_quirks<'a>(
    frame: &'a Frame,
    quirks: &mut Quirks,
) -> ParseResult<Response<'a>> {
    parse_segments(Segments::from_frame(frame), quirks)
}

/// Parses a response given as [`Segments`] (a frame, or a line with literals from elsewhere).
pub fn parse_segments<'a>(seg: Segments<'a>, quirks: &mut Quirks) -> ParseResult<Response<'a>> {
    let mut c = Cursor::new(seg);
    let r = response(&mut c);
    quirks.extend(c.quirks);
    r
}

/// Parses a greeting: an untagged OK, PREAUTH or BYE.
pub fn parse_greeting(frame: &Frame) -> ParseResult<Status<'_>> {
    let mut c = Cursor::new(Segments::from_frame(frame));
    match response(&mut c)? {
        Response::Untagged(Data::Status(
            s @ Status {
                kind: StatusKind::Ok | StatusKind::Preauth | StatusKind::Bye,
                ..
            },
        )) => Ok(s),
        _ => Err(super::ParseError::new(
            0,
            "a greeting (* OK, * PREAUTH or * BYE)",
            &frame.first,
        )),
    }
}

fn response<'a>(c: &mut Cursor<'a>) -> ParseResult<Response<'a>> {
    match c.peek() {
        Some(b'+') => {
            c.advance(1);
            Ok(Response::Continuation(continuation(c)?))
        }
        Some(b'*') => {
            c.advance(1);
            c.sp()?;
            untagged(c)
        }
        _ => {
            let n = c.rest.iter().take_while(|&&b| is_tag_char(b)).count();
            if n == 0 {
                return c.fail("a tag, '*' or '+'");
            }
            let tag = &c.rest[..n];
            c.advance(n);
            c.sp()?;
            let name = c.atom()?;
            let kind = match StatusKind::from_name(name) {
                Some(k @ (StatusKind::Ok | StatusKind::No | StatusKind::Bad)) => k,
                _ => return c.fail("OK, NO or BAD"),
            };
            let (code, text) = resp_text(c, false)?;
            Ok(Response::Tagged {
                tag,
                status: Status { kind, code, text },
            })
        }
    }
}

/// `* …` after `* `, returned as the whole response: the data is built in place, not moved
/// out of an inner result (a [`Data`] is large).
fn untagged<'a>(c: &mut Cursor<'a>) -> ParseResult<Response<'a>> {
    if c.peek() == Some(b'[') {
        c.quirk(Quirk::CodeWithoutStatus);
        let (code, text) = resp_text(c, true)?;
        return Ok(Response::Untagged(Data::Status(Status {
            kind: StatusKind::Ok,
            code,
            text,
        })));
    }
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        let n = c.number()?;
        c.sp()?;
        let name = c.atom()?;
        let data = if grammar::eq_fold(name, b"FETCH") {
            if n == 0 {
                c.quirk(Quirk::ZeroFetchSeq);
            }
            c.sp()?;
            Data::Fetch(c.fetch_items(n)?)
        } else if grammar::eq_fold(name, b"EXISTS") {
            Data::Exists(n)
        } else if grammar::eq_fold(name, b"RECENT") {
            Data::Recent(n)
        } else if grammar::eq_fold(name, b"EXPUNGE") {
            Data::Expunge(n)
        } else {
            return other(c, Some(n), name);
        };
        c.finish()?;
        return Ok(Response::Untagged(data));
    }
    let name = c.atom()?;
    if let Some(kind) = StatusKind::from_name(name) {
        let (code, text) = resp_text(c, false)?;
        return Ok(Response::Untagged(Data::Status(Status {
            kind,
            code,
            text,
        })));
    }
    // Dispatch on the name without an upper-cased copy: its length picks the candidates.
    let Some(known) = Known::from_name(name) else {
        return other(c, None, name);
    };
    // Responses whose data may be empty, with the quirk for a lone trailing space.
    let optional = match known {
        Known::Capability | Known::Enabled => Some(Quirk::TrailingSpaceCapability),
        Known::Search | Known::Sort | Known::Esearch | Known::Thread => {
            Some(Quirk::TrailingSpaceSearch)
        }
        _ => None,
    };
    match optional {
        Some(_) if c.rest.is_empty() => {}
        Some(q) => {
            c.sp()?;
            if c.rest.is_empty() {
                c.quirk(q);
            }
        }
        None => c.sp()?,
    }
    body_of(c, known)
}

/// The untagged responses with a typed [`Data`] form (other than status and `n NAME`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Known {
    Capability,
    Enabled,
    Search,
    Sort,
    Esearch,
    Thread,
    Flags,
    List,
    Lsub,
    Status,
    Namespace,
    Quota,
    QuotaRoot,
    Acl,
    MyRights,
    Id,
    Metadata,
    Vanished,
}

impl Known {
    /// The response named `name` (ASCII case-insensitive), if known.
    #[inline]
    fn from_name(name: &[u8]) -> Option<Known> {
        let is = |k: &[u8]| grammar::eq_fold(name, k);
        Some(match name.len() {
            2 if is(b"ID") => Known::Id,
            3 if is(b"ACL") => Known::Acl,
            4 if is(b"LIST") => Known::List,
            4 if is(b"LSUB") => Known::Lsub,
            4 if is(b"SORT") => Known::Sort,
            5 if is(b"FLAGS") => Known::Flags,
            5 if is(b"QUOTA") => Known::Quota,
            6 if is(b"SEARCH") => Known::Search,
            6 if is(b"STATUS") => Known::Status,
            6 if is(b"THREAD") => Known::Thread,
            7 if is(b"ENABLED") => Known::Enabled,
            7 if is(b"ESEARCH") => Known::Esearch,
            8 if is(b"MYRIGHTS") => Known::MyRights,
            8 if is(b"VANISHED") => Known::Vanished,
            8 if is(b"METADATA") => Known::Metadata,
            9 if is(b"NAMESPACE") => Known::Namespace,
            9 if is(b"QUOTAROOT") => Known::QuotaRoot,
            10 if is(b"CAPABILITY") => Known::Capability,
            _ => return None,
        })
    }
}

/// The data of a known untagged response, the cursor just after `NAME SP` (or at the end
/// for an empty SEARCH/CAPABILITY/…), through the end of the response.
fn body_of<'a>(c: &mut Cursor<'a>, known: Known) -> ParseResult<Response<'a>> {
    let data = match known {
        Known::Capability => Data::Capability(c.capability_data(Quirk::TrailingSpaceCapability)?),
        Known::Enabled => Data::Enabled(c.capability_data(Quirk::TrailingSpaceCapability)?),
        Known::Search => Data::Search(c.search_data()?),
        Known::Sort => Data::Sort(c.sort_data()?),
        Known::Esearch => Data::Esearch(c.esearch_data()?),
        Known::Thread => Data::Thread(c.thread_data()?),
        Known::Flags => Data::Flags(c.flag_list(true)?),
        Known::List => Data::List(c.mailbox_list()?),
        Known::Lsub => Data::Lsub(c.mailbox_list()?),
        Known::Status => Data::MailboxStatus(c.mailbox_status()?),
        Known::Namespace => Data::Namespace(c.namespaces()?),
        Known::Quota => Data::Quota(c.quota_data()?),
        Known::QuotaRoot => Data::QuotaRoot(c.quotaroot_data()?),
        Known::Acl => Data::Acl(c.acl_data()?),
        Known::MyRights => Data::MyRights(c.myrights_data()?),
        Known::Id => Data::Id(c.id_data()?),
        Known::Metadata => Data::Metadata(c.metadata_data()?),
        Known::Vanished => Data::Vanished(c.vanished_data()?),
    };
    c.finish()?;
    Ok(Response::Untagged(data))
}

fn other<'a>(c: &mut Cursor<'a>, number: Option<u32>, name: &'a [u8]) -> ParseResult<Response<'a>> {
    c.eat(b' ');
    let (first, rest) = c.take_all();
    Ok(Response::Untagged(Data::Other {
        number,
        name,
        data: Raw::from_segments(first, rest),
    }))
}
