//! Typed, zero-copy views of server responses.
//!
//! imaplib hands back half-parsed bytes; this module turns them into types without copying
//! literal data: every string, flag and literal is a slice of the [`Frame`](crate::frame::Frame)
//! or [`Reply`](crate::Reply) it came from.
//!
//! * [`parse_response`] parses one framed response into a [`Response`] (tagged status,
//!   untagged [`Data`], or continuation request).
//! * The views — [`fetches`], [`list`], [`status`], [`search`], [`esearch`], [`sort`],
//!   [`thread`], [`capability`], [`enabled`], [`flags`], [`namespace`], [`quota`],
//!   [`quotaroot`], [`acl`], [`myrights`], [`id`], [`metadata`], [`vanished`], [`codes`] — parse an
//!   imaplib-shaped [`Reply`](crate::Reply) response by response; a malformed response is an
//!   `Err` for that response alone.
//! * Server defects are tolerated only by named rules ([`Quirk`]); each parse reports the
//!   rules that fired ([`Quirks`]). Framing is never relaxed.
//! * Input never causes a panic or unbounded recursion: nesting is limited
//!   ([`MAX_NESTING`], [`MAX_THREAD_DEPTH`]); number sets stay ranges ([`SeqSet`]), so
//!   `1:4294967295` costs 8 bytes.
//!
//! The token grammar inside a line uses `nom`; the glue across literals is the internal
//! cursor over [`Segments`].

mod body;
mod code;
mod cursor;
mod envelope;
mod error;
mod fetch;
mod mailbox;
mod metadata;
mod quirk;
mod response;
mod search;
mod seqset;
mod server;
mod token;
mod view;
mod words;

#[cfg(test)]
mod tests;

pub use body::{Body, Disposition, Extension, MultiPart, Params, SinglePart, Specific};
pub use code::{parse_code, parse_code_quirks, Code, Continuation, Status, StatusKind};
pub use cursor::{Part, Segments};
pub use envelope::{grouped, Address, AddressEntry, Addresses, Envelope};
pub use error::{ParseError, ParseResult};
pub use fetch::{Fetch, FetchItem, Section, SectionText};
pub use mailbox::{
    Mailbox, MailboxList, MailboxStatus, NameEncoding, Namespace, Namespaces, StatusAttr,
};
pub use metadata::{Metadata, MetadataCode, MetadataItem};
pub use quirk::{Quirk, Quirks};
pub use response::{
    parse_greeting, parse_response, parse_response_quirks, parse_segments, Data, Response,
};
pub use search::{
    ContextChange, Esearch, PartialResult, Search, Sort, ThreadNode, Threads, Vanished,
    MAX_THREAD_DEPTH,
};
pub use seqset::{SeqRange, SeqSet};
pub use server::{Acl, Capabilities, Id, MyRights, Quota, QuotaResource, QuotaRoot};
pub use token::{
    write_flag_list, Flag, FlagIter, FlagList, NString, Raw, Str, StrForm, Value, MAX_NESTING,
};
pub use view::{
    acl, capability, codes, enabled, esearch, fetches, flags, id, list, metadata, myrights,
    namespace, quota, quotaroot, search, sort, status, thread, vanished, View,
};
pub use words::decode_words;

/// Parses a flag list such as `(\Seen $Forwarded)` from the whole of `text`.
pub fn parse_flag_list(text: &[u8]) -> ParseResult<FlagList<'_>> {
    let mut c = cursor::Cursor::new(Segments::from_line(text));
    let f = c.flag_list(true)?;
    c.finish()?;
    Ok(f)
}

/// Parses a number (`number64`) from the whole of `text`.
pub fn parse_number(text: &[u8]) -> ParseResult<u64> {
    let mut c = cursor::Cursor::new(Segments::from_line(text));
    let n = c.number64()?;
    c.finish()?;
    Ok(n)
}
