//! NOTIFY (RFC 5465): event groups for `NOTIFY SET`.

use super::FetchAttrs;
use crate::encode::{self, arg_error, Arg};
use crate::error::{ArgumentProblem, Error};

/// Which mailboxes an [`EventGroup`] watches (RFC 5465 §6, `filter-mailboxes`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MailboxFilter {
    /// `SELECTED`: the selected mailbox; expunges reported at once.
    Selected,
    /// `SELECTED-DELAYED`: the selected mailbox; expunges held until EXPUNGE responses are
    /// allowed (sequence numbers stay stable meanwhile).
    SelectedDelayed,
    /// `INBOXES`: the mailboxes that receive mail.
    Inboxes,
    /// `PERSONAL`: every mailbox of the user's personal namespace.
    Personal,
    /// `SUBSCRIBED`: the subscribed mailboxes.
    Subscribed,
    /// `SUBTREE (…)`: these mailboxes and everything below them.
    Subtree(Vec<String>),
    /// `MAILBOXES (…)`: exactly these mailboxes.
    Mailboxes(Vec<String>),
}

impl MailboxFilter {
    fn is_selected(&self) -> bool {
        matches!(
            self,
            MailboxFilter::Selected | MailboxFilter::SelectedDelayed
        )
    }
}

/// An event to be notified of (RFC 5465 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotifyEvent {
    /// `MessageNew`, with the FETCH items to send for each new message (only for the
    /// selected mailbox; an empty list sends none).
    MessageNew(Option<FetchAttrs>),
    /// `MessageExpunge` (must come with `MessageNew`).
    MessageExpunge,
    /// `FlagChange` (needs `MessageNew` and `MessageExpunge`).
    FlagChange,
    /// `AnnotationChange` (needs `MessageNew` and `MessageExpunge`).
    AnnotationChange,
    /// `MailboxName`: created, deleted, renamed mailboxes.
    MailboxName,
    /// `SubscriptionChange`.
    SubscriptionChange,
    /// `MailboxMetadataChange`.
    MailboxMetadataChange,
    /// `ServerMetadataChange`.
    ServerMetadataChange,
}

impl NotifyEvent {
    fn name(&self) -> &'static str {
        match self {
            NotifyEvent::MessageNew(_) => "MessageNew",
            NotifyEvent::MessageExpunge => "MessageExpunge",
            NotifyEvent::FlagChange => "FlagChange",
            NotifyEvent::AnnotationChange => "AnnotationChange",
            NotifyEvent::MailboxName => "MailboxName",
            NotifyEvent::SubscriptionChange => "SubscriptionChange",
            NotifyEvent::MailboxMetadataChange => "MailboxMetadataChange",
            NotifyEvent::ServerMetadataChange => "ServerMetadataChange",
        }
    }
}

/// One event group of `NOTIFY SET`: a [`MailboxFilter`] and its events (none: `NONE`,
/// which turns notifications for those mailboxes off).
///
/// ```
/// use imaplib_proto::build::{EventGroup, FetchAttr, NotifyEvent};
/// use imaplib_proto::Command;
///
/// let selected = EventGroup::selected()
///     .message_new_with([FetchAttr::uid(), FetchAttr::flags()])
///     .message_expunge()
///     .flag_change();
/// let others = EventGroup::personal().message_new().message_expunge().mailbox_name();
/// let cmd = Command::notify_set(true, &[selected, others])?;
/// assert_eq!(cmd.name(), "NOTIFY");
///
/// // MessageNew and MessageExpunge go together (RFC 5465 §5): refused before sending.
/// assert!(Command::notify_set(false, &[EventGroup::inboxes().message_new()]).is_err());
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventGroup {
    filter: MailboxFilter,
    events: Vec<NotifyEvent>,
}

impl EventGroup {
    /// A group for `filter`, with no events yet.
    pub fn new(filter: MailboxFilter) -> Self {
        EventGroup {
            filter,
            events: Vec::new(),
        }
    }

    /// `SELECTED`.
    pub fn selected() -> Self {
        Self::new(MailboxFilter::Selected)
    }

    /// `SELECTED-DELAYED`.
    pub fn selected_delayed() -> Self {
        Self::new(MailboxFilter::SelectedDelayed)
    }

    /// `INBOXES`.
    pub fn inboxes() -> Self {
        Self::new(MailboxFilter::Inboxes)
    }

    /// `PERSONAL`.
    pub fn personal() -> Self {
        Self::new(MailboxFilter::Personal)
    }

    /// `SUBSCRIBED`.
    pub fn subscribed() -> Self {
        Self::new(MailboxFilter::Subscribed)
    }

    /// `SUBTREE (mailboxes)`.
    pub fn subtree<I: IntoIterator<Item = S>, S: Into<String>>(mailboxes: I) -> Self {
        Self::new(MailboxFilter::Subtree(
            mailboxes.into_iter().map(Into::into).collect(),
        ))
    }

    /// `MAILBOXES (mailboxes)`.
    pub fn mailboxes<I: IntoIterator<Item = S>, S: Into<String>>(mailboxes: I) -> Self {
        Self::new(MailboxFilter::Mailboxes(
            mailboxes.into_iter().map(Into::into).collect(),
        ))
    }

    /// Adds an event.
    pub fn event(mut self, event: NotifyEvent) -> Self {
        self.events.push(event);
        self
    }

    /// Adds `MessageNew`.
    pub fn message_new(self) -> Self {
        self.event(NotifyEvent::MessageNew(None))
    }

    /// Adds `MessageNew (fetch items)` (selected mailbox only).
    pub fn message_new_with(self, attrs: impl Into<FetchAttrs>) -> Self {
        self.event(NotifyEvent::MessageNew(Some(attrs.into())))
    }

    /// Adds `MessageExpunge`.
    pub fn message_expunge(self) -> Self {
        self.event(NotifyEvent::MessageExpunge)
    }

    /// Adds `FlagChange`.
    pub fn flag_change(self) -> Self {
        self.event(NotifyEvent::FlagChange)
    }

    /// Adds `MailboxName`.
    pub fn mailbox_name(self) -> Self {
        self.event(NotifyEvent::MailboxName)
    }

    /// Adds `SubscriptionChange`.
    pub fn subscription_change(self) -> Self {
        self.event(NotifyEvent::SubscriptionChange)
    }

    /// The group as one argument: `(filter [mailboxes] (events) | NONE)`, checked against
    /// RFC 5465 §5's rules.
    pub(crate) fn arg(&self) -> Result<Arg, Error> {
        let bad = |msg: &str| {
            Err(arg_error(
                "a NOTIFY event group",
                ArgumentProblem::InvalidEvents,
                msg.to_string(),
            ))
        };
        let has = |name: &str| self.events.iter().any(|e| e.name() == name);
        let (new, expunge) = (has("MessageNew"), has("MessageExpunge"));
        if new != expunge {
            return bad("MessageNew and MessageExpunge must be requested together");
        }
        if (has("FlagChange") || has("AnnotationChange")) && !new {
            return bad("FlagChange and AnnotationChange need MessageNew and MessageExpunge");
        }
        let mut items = Vec::new();
        let mailboxes = |names: &[String]| -> Result<Arg, Error> {
            if names.is_empty() {
                return Err(arg_error(
                    "NOTIFY mailboxes",
                    ArgumentProblem::Empty,
                    "SUBTREE and MAILBOXES need at least one mailbox",
                ));
            }
            let mut list = Vec::new();
            for n in names {
                encode::no_nul("a mailbox name", n.as_bytes())?;
                list.push(Arg::Mailbox {
                    name: n.as_bytes().to_vec(),
                    is_str: true,
                    list: false,
                });
            }
            Ok(Arg::Group(list))
        };
        match &self.filter {
            MailboxFilter::Selected => items.push(Arg::Atom(b"SELECTED".to_vec())),
            MailboxFilter::SelectedDelayed => items.push(Arg::Atom(b"SELECTED-DELAYED".to_vec())),
            MailboxFilter::Inboxes => items.push(Arg::Atom(b"INBOXES".to_vec())),
            MailboxFilter::Personal => items.push(Arg::Atom(b"PERSONAL".to_vec())),
            MailboxFilter::Subscribed => items.push(Arg::Atom(b"SUBSCRIBED".to_vec())),
            MailboxFilter::Subtree(names) => {
                items.push(Arg::Atom(b"SUBTREE".to_vec()));
                items.push(mailboxes(names)?);
            }
            MailboxFilter::Mailboxes(names) => {
                items.push(Arg::Atom(b"MAILBOXES".to_vec()));
                items.push(mailboxes(names)?);
            }
        }
        if self.events.is_empty() {
            items.push(Arg::Atom(b"NONE".to_vec()));
            return Ok(Arg::Group(items));
        }
        let mut events = Vec::new();
        for e in &self.events {
            events.push(Arg::Atom(e.name().as_bytes().to_vec()));
            if let NotifyEvent::MessageNew(Some(attrs)) = e {
                if !self.filter.is_selected() {
                    return bad("fetch items after MessageNew are for the selected mailbox only");
                }
                match attrs.arg()? {
                    g @ Arg::Group(_) => events.push(g),
                    _ => return bad("MessageNew takes fetch items, not ALL, FAST or FULL"),
                }
            }
        }
        items.push(Arg::Group(events));
        Ok(Arg::Group(items))
    }
}
