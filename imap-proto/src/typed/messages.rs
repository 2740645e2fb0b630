//! FETCH ([`Messages`]).

use std::fmt;

use super::malformed;
use crate::error::Result;
use crate::parse::{self, Fetch, View};
use crate::response::{Item, Reply};

/// The messages a FETCH (or STORE, UID FETCH, UID STORE) returned, owned, read as typed
/// [`Fetch`] views on demand.
///
/// It owns the command's [`Reply`]; [`iter`](Self::iter) parses one FETCH response at a
/// time, and every string, flag list and literal of the [`Fetch`] it yields borrows from
/// the reply: message bodies are never copied again. A malformed response is an error for
/// that message alone; the others still come.
///
/// As in imaplib, this is every FETCH response received since FETCH data was last taken:
/// usually the messages asked for, plus any flag changes the server announced meanwhile.
///
/// ```
/// use imaplib_proto::{typed, Item, Reply};
/// // `FETCH 1:2 (UID FLAGS ENVELOPE BODY.PEEK[])` as the imaplib face returns it.
/// let reply = Reply::new("OK", vec![
///     Item::Literal(
///         b"1 (UID 7 FLAGS (\\Seen) ENVELOPE (NIL \"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\" \
///           ((\"=?UTF-8?Q?J=C3=B6rg?=\" NIL \"j\" \"example.org\")) NIL NIL NIL NIL NIL NIL NIL) \
///           BODY[] {11}".to_vec(),
///         b"Hello world".to_vec().into(),
///     ),
///     Item::from(b")"),
///     Item::from(b"2 (UID 8 FLAGS ())"),
/// ]);
/// let messages = typed::fetch(reply)?;
/// assert_eq!(messages.len(), 2);
/// for message in &messages {
///     let message = message?;
///     if message.uid() == Some(7) {
///         let envelope = message.envelope().unwrap();
///         assert_eq!(envelope.subject_text().as_deref(), Some("Grüße"));
///         assert_eq!(envelope.from[0].display_name().as_deref(), Some("Jörg"));
///         assert_eq!(envelope.from[0].email().as_deref(), Some("j@example.org"));
///         assert_eq!(message.body().as_deref(), Some(&b"Hello world"[..])); // borrowed
///         assert!(message.flags().unwrap().first().unwrap().is("\\Seen"));
///     }
/// }
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Messages {
    reply: Reply,
}

/// FETCH, UID FETCH, STORE or UID STORE → [`Messages`], from the imaplib face's result
/// (the FETCH data). NO and BAD are errors; the responses are parsed when iterated.
pub fn fetch(reply: Reply) -> Result<Messages> {
    Ok(Messages {
        reply: reply.into_ok()?,
    })
}

impl Default for Messages {
    /// No message (what an empty set fetches).
    fn default() -> Self {
        Messages {
            reply: Reply::new("OK", Vec::new()),
        }
    }
}

impl Messages {
    /// The messages, parsed one by one as they are asked for; a malformed FETCH response
    /// is an `Err` for that message.
    pub fn iter(&self) -> MessageIter<'_> {
        MessageIter {
            view: parse::fetches(&self.reply),
        }
    }

    /// Number of FETCH responses (without parsing them).
    pub fn len(&self) -> usize {
        self.reply
            .data
            .iter()
            .filter(|i| matches!(i, Item::Line(_)))
            .count()
    }

    /// True if no FETCH response came.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The imaplib-shaped result underneath.
    pub fn reply(&self) -> &Reply {
        &self.reply
    }

    /// The imaplib-shaped result underneath, taken back.
    pub fn into_reply(self) -> Reply {
        self.reply
    }
}

impl fmt::Debug for Messages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Messages")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl<'a> IntoIterator for &'a Messages {
    type Item = Result<Fetch<'a>>;
    type IntoIter = MessageIter<'a>;

    fn into_iter(self) -> MessageIter<'a> {
        self.iter()
    }
}

/// The iterator of [`Messages::iter`].
#[derive(Debug)]
pub struct MessageIter<'a> {
    view: View<'a, Fetch<'a>>,
}

impl<'a> Iterator for MessageIter<'a> {
    type Item = Result<Fetch<'a>>;

    fn next(&mut self) -> Option<Result<Fetch<'a>>> {
        Some(self.view.next()?.map_err(|e| malformed("FETCH", &e)))
    }
}
