//! LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819) and SPECIAL-USE (RFC 6154) options:
//! [`ListOptions`] and [`StatusItem`].

use std::fmt;

use crate::encode::{arg_error, Arg};
use crate::error::{ArgumentProblem, Error};

/// A STATUS data item, for `LIST … RETURN (STATUS (…))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusItem {
    /// `MESSAGES`
    Messages,
    /// `RECENT` (IMAP4rev1 only)
    Recent,
    /// `UIDNEXT`
    UidNext,
    /// `UIDVALIDITY`
    UidValidity,
    /// `UNSEEN`
    Unseen,
    /// `DELETED` (IMAP4rev2; Dovecot 2.3 answers BAD)
    Deleted,
    /// `SIZE` (RFC 8438, STATUS=SIZE)
    Size,
    /// `HIGHESTMODSEQ` (RFC 7162, CONDSTORE)
    HighestModSeq,
}

impl StatusItem {
    /// The item's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusItem::Messages => "MESSAGES",
            StatusItem::Recent => "RECENT",
            StatusItem::UidNext => "UIDNEXT",
            StatusItem::UidValidity => "UIDVALIDITY",
            StatusItem::Unseen => "UNSEEN",
            StatusItem::Deleted => "DELETED",
            StatusItem::Size => "SIZE",
            StatusItem::HighestModSeq => "HIGHESTMODSEQ",
        }
    }
}

impl fmt::Display for StatusItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The options of an extended LIST ([`Command::list_extended`](crate::Command::list_extended)):
/// selection options (which mailboxes) and return options (what more to say about each).
///
/// ```
/// use imaplib_proto::build::{ListOptions, StatusItem};
///
/// let opts = ListOptions::new()
///     .select_subscribed()
///     .return_children()
///     .return_status([StatusItem::Messages, StatusItem::Unseen]);
/// assert_eq!(
///     opts.to_string(),
///     "(SUBSCRIBED) RETURN (CHILDREN STATUS (MESSAGES UNSEEN))"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    select: Vec<&'static str>,
    ret: Vec<&'static str>,
    status: Vec<StatusItem>,
}

impl ListOptions {
    /// No options: a plain LIST.
    pub fn new() -> Self {
        Self::default()
    }

    fn sel(mut self, o: &'static str) -> Self {
        if !self.select.contains(&o) {
            self.select.push(o);
        }
        self
    }

    fn ret(mut self, o: &'static str) -> Self {
        if !self.ret.contains(&o) {
            self.ret.push(o);
        }
        self
    }

    /// Selection `SUBSCRIBED`: only subscribed names (they carry `\Subscribed`), even ones
    /// that no longer exist (`\NonExistent`). Replaces LSUB.
    pub fn select_subscribed(self) -> Self {
        self.sel("SUBSCRIBED")
    }

    /// Selection `REMOTE`: mailboxes on other servers too (`\Remote`).
    pub fn select_remote(self) -> Self {
        self.sel("REMOTE")
    }

    /// Selection `RECURSIVEMATCH`: also the parents of matching children, with
    /// `CHILDINFO` extended data. Must be combined with another selection option.
    pub fn select_recursive_match(self) -> Self {
        self.sel("RECURSIVEMATCH")
    }

    /// Selection `SPECIAL-USE` (RFC 6154): only mailboxes with a special use.
    pub fn select_special_use(self) -> Self {
        self.sel("SPECIAL-USE")
    }

    /// Return `SUBSCRIBED`: mark subscribed mailboxes `\Subscribed`.
    pub fn return_subscribed(self) -> Self {
        self.ret("SUBSCRIBED")
    }

    /// Return `CHILDREN`: `\HasChildren` / `\HasNoChildren`.
    pub fn return_children(self) -> Self {
        self.ret("CHILDREN")
    }

    /// Return `SPECIAL-USE` (RFC 6154): the special-use attributes.
    pub fn return_special_use(self) -> Self {
        self.ret("SPECIAL-USE")
    }

    /// Return `STATUS (items)` (RFC 5819, LIST-STATUS): a STATUS for each selectable
    /// mailbox listed. An empty list of items asks for none.
    pub fn return_status(mut self, items: impl IntoIterator<Item = StatusItem>) -> Self {
        for i in items {
            if !self.status.contains(&i) {
                self.status.push(i);
            }
        }
        self
    }

    /// True if any option is set (the command is an extended LIST).
    pub fn is_extended(&self) -> bool {
        !self.select.is_empty() || !self.ret.is_empty() || !self.status.is_empty()
    }

    pub(crate) fn wants(&self, option: &str) -> bool {
        self.select.contains(&option) || self.ret.contains(&option)
    }

    pub(crate) fn wants_status(&self) -> bool {
        !self.status.is_empty()
    }

    /// Needs LIST-EXTENDED (anything but STATUS and SPECIAL-USE alone).
    pub(crate) fn needs_list_extended(&self) -> bool {
        self.select.iter().any(|o| *o != "SPECIAL-USE")
            || self.ret.iter().any(|o| *o != "SPECIAL-USE")
    }

    /// The selection options group (if any) and the `RETURN` atom and group (if any).
    pub(crate) fn args(&self) -> Result<(Option<Arg>, Vec<Arg>), Error> {
        if self.select.contains(&"RECURSIVEMATCH") && self.select.len() == 1 {
            return Err(arg_error(
                "the LIST selection options",
                ArgumentProblem::NotAllowed,
                "RECURSIVEMATCH must be combined with another selection option (RFC 5258 §3)"
                    .to_string(),
            ));
        }
        let atom = |s: &str| Arg::Atom(s.as_bytes().to_vec());
        let select = (!self.select.is_empty())
            .then(|| Arg::Group(self.select.iter().map(|s| atom(s)).collect()));
        let mut ret = Vec::new();
        if !self.ret.is_empty() || !self.status.is_empty() {
            let mut items: Vec<Arg> = self.ret.iter().map(|s| atom(s)).collect();
            if !self.status.is_empty() {
                items.push(atom("STATUS"));
                items.push(Arg::Group(
                    self.status.iter().map(|s| atom(s.as_str())).collect(),
                ));
            }
            ret.push(atom("RETURN"));
            ret.push(Arg::Group(items));
        }
        Ok((select, ret))
    }
}

impl fmt::Display for ListOptions {
    /// The selection options and the `RETURN` clause as they go on the wire.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        if !self.select.is_empty() {
            write!(f, "({})", self.select.join(" "))?;
            first = false;
        }
        if !self.ret.is_empty() || !self.status.is_empty() {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str("RETURN (")?;
            f.write_str(&self.ret.join(" "))?;
            if !self.status.is_empty() {
                if !self.ret.is_empty() {
                    f.write_str(" ")?;
                }
                f.write_str("STATUS (")?;
                for (i, s) in self.status.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    f.write_str(s.as_str())?;
                }
                f.write_str(")")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}
