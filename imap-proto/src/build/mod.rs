//! Builders for the Rust face: flags, search keys, fetch attributes, STORE changes.
//!
//! The imaplib face takes raw strings (`search(None, &["SUBJECT", "\"Lunch\""])`) that the
//! caller must quote. These types take values instead and put each one in the grammar form
//! its position allows: strings quoted, or sent as literals when they hold CR, LF or (outside
//! UTF-8 mode) 8-bit text — which also makes a SEARCH say `CHARSET UTF-8`; dates in IMAP's
//! `d-Mon-yyyy`; flags and header names validated as atoms when they are built. Whatever
//! value is built, the command is exactly one well-formed command: nothing in a value can
//! end it, open a literal or unbalance a parenthesis.
//!
//! * [`Flag`] and [`Keyword`]: `\Seen`, `$Forwarded`…, for STORE, APPEND and SEARCH.
//! * [`SearchKey`]: every search key of RFC 3501 and RFC 9051, composed with
//!   [`and`](SearchKey::and), [`or`](SearchKey::or) and [`not`](SearchKey::not) (or `&`, `|`,
//!   `!`); [`SortCriterion`] and [`ThreadAlgorithm`] for SORT and THREAD.
//! * [`FetchAttr`], [`FetchAttrs`] and [`Section`]: FETCH data items, with sections and
//!   partials.
//! * [`StoreFlags`]: a STORE change (replace, add, remove; silent or not).
//! * [`ListOptions`] and [`StatusItem`]: extended LIST (LIST-EXTENDED, LIST-STATUS,
//!   SPECIAL-USE) for [`Command::list_extended`].
//! * [`SearchReturn`]: `RETURN (MIN MAX COUNT ALL SAVE PARTIAL UPDATE)` of ESEARCH,
//!   SEARCHRES, ESORT and CONTEXT=SEARCH
//!   ([`Command::search_return`], [`Command::sort_return`]).
//! * [`AppendMessage`]: one message of a MULTIAPPEND ([`Command::append_many`]).
//! * [`CatenateMessage`], [`CatenatePart`] and [`ImapUrl`]: a message the server builds
//!   from text and parts of stored messages (CATENATE, RFC 4469;
//!   [`Command::append_catenate`](crate::Command::append_catenate)).
//! * CONDSTORE and QRESYNC (RFC 7162): [`SelectParams`] and [`Qresync`] for SELECT/EXAMINE,
//!   [`FetchAttr::modseq`], [`SearchKey::modseq`]; the `CHANGEDSINCE` and `UNCHANGEDSINCE`
//!   modifiers are constructors ([`Command::fetch_changed_since`],
//!   [`Command::store_unchanged_since`]…). Mod-sequences go out as numbers up to
//!   [`MAX_MODSEQ`].
//!
//! * METADATA (RFC 5464): [`MetadataOptions`] and [`Depth`] for
//!   [`Command::getmetadata`](crate::Command::getmetadata).
//! * NOTIFY (RFC 5465): [`EventGroup`] for [`Command::notify_set`](crate::Command::notify_set).
//!
//! Sequence and UID sets are [`SequenceSet`](crate::SequenceSet), the type SEARCH results come
//! in. The `Command` constructors taking builders end in `_with`: [`Command::search_with`],
//! [`Command::fetch_with`], [`Command::store_with`], [`Command::append_with`]…
//!
//! ```
//! use imaplib_proto::build::{FetchAttr, FetchAttrs, Flag, SearchKey, Section, StoreFlags};
//! use imaplib_proto::Command;
//!
//! let key = SearchKey::subject("Lunch on Thursday").and(SearchKey::unseen());
//! assert_eq!(key.to_string(), "SUBJECT \"Lunch on Thursday\" UNSEEN");
//! let search = Command::search_with(&key)?;
//!
//! let attrs = FetchAttrs::from([
//!     FetchAttr::uid(),
//!     FetchAttr::flags(),
//!     FetchAttr::body_peek(Section::header_fields(["From", "Subject"])?),
//! ]);
//! assert_eq!(attrs.to_string(), "(UID FLAGS BODY.PEEK[HEADER.FIELDS (From Subject)])");
//! let fetch = Command::fetch_with(1..=10, &attrs)?;
//!
//! let store = Command::store_with("2:4", &StoreFlags::add([Flag::Seen]).silent())?;
//! # Ok::<(), imaplib_proto::Error>(())
//! ```
//!
//! [`Command::search_with`]: crate::Command::search_with
//! [`Command::fetch_with`]: crate::Command::fetch_with
//! [`Command::store_with`]: crate::Command::store_with
//! [`Command::append_with`]: crate::Command::append_with
//! [`Command::append_many`]: crate::Command::append_many
//! [`Command::list_extended`]: crate::Command::list_extended
//! [`Command::search_return`]: crate::Command::search_return
//! [`Command::sort_return`]: crate::Command::sort_return
//! [`Command::fetch_changed_since`]: crate::Command::fetch_changed_since
//! [`Command::store_unchanged_since`]: crate::Command::store_unchanged_since

mod append;
mod catenate;
mod condstore;
mod date;
mod esearch;
mod fetch;
pub(crate) mod flag;
mod list;
pub(crate) mod metadata;
mod notify;
pub(crate) mod search;
mod store;

pub use append::AppendMessage;
pub use catenate::{CatenateMessage, CatenatePart, ImapUrl};
pub use condstore::{Qresync, SelectParams, MAX_MODSEQ};
pub use esearch::SearchReturn;
pub use fetch::{FetchAttr, FetchAttrs, Section};
pub use flag::{Flag, Keyword};
pub use list::{ListOptions, StatusItem};
pub use metadata::{Depth, MetadataOptions};
pub use notify::{EventGroup, MailboxFilter, NotifyEvent};
pub use search::{EntryType, SearchKey, SortCriterion, SortKey, ThreadAlgorithm, MAX_SEARCH_DEPTH};
pub use store::{StoreFlags, StoreMode};

pub(crate) use condstore::modseq_arg;
pub(crate) use date::{date, date_time};

use crate::encode::arg_error;
use crate::error::{ArgumentProblem, Error};

/// Validates an atom built from user input (keywords, header field names). `[` is an
/// atom character in RFC 3501, but tokenizers (servers', and the raw positions' balance rule)
/// read it as the start of a section, and a leading `~` as literal8's (RFC 3516): both are
/// refused too.
fn atom(what: &str, s: &str) -> Result<(), Error> {
    if s.is_empty() {
        return Err(arg_error(
            what,
            ArgumentProblem::Empty,
            format!("empty {what}"),
        ));
    }
    if s.starts_with('~')
        || !s
            .bytes()
            .all(|b| crate::grammar::is_atom_char(b) && b != b'[')
    {
        return Err(arg_error(
            what,
            ArgumentProblem::NotAtom,
            format!(
                "{what} must be an IMAP atom (no space, control, 8-bit or any of ( ) [ ] {{ % * \" \\, no leading ~): {}",
                crate::trace::str_repr(s)
            ),
        ));
    }
    Ok(())
}
