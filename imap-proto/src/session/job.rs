//! Commands in flight, and what each kind of them still waits for.

use super::CommandId;
use crate::command::{Kind, State};
use crate::error::Error;
use crate::response::Reply;

/// IDLE's own progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Idle {
    /// IDLE is queued or sent; the server's `+` has not arrived.
    Starting,
    /// [`super::Connection::idle_done`] came before the `+`: DONE goes as soon as it arrives.
    DoneRequested,
    /// The server accepted IDLE; `prev` is the state to return to.
    Idling {
        /// imaplib's state before IDLE.
        prev: State,
    },
    /// DONE was sent; the tagged answer will complete IDLE.
    DoneSent {
        /// imaplib's state before IDLE.
        prev: State,
    },
    /// DONE was sent to issue IDLE again ([`super::Connection::idle_renew`]): untagged
    /// responses are still captured until the tagged answer.
    Renewing {
        /// imaplib's state before IDLE.
        prev: State,
    },
}

impl Idle {
    /// Untagged responses go out as [`super::Output::Unsolicited`] rather than to the store.
    pub(super) fn captures(self) -> bool {
        !matches!(self, Idle::DoneSent { .. })
    }

    /// The state before IDLE, once the server accepted it.
    pub(super) fn accepted(self) -> Option<State> {
        match self {
            Idle::Idling { prev } | Idle::DoneSent { prev } | Idle::Renewing { prev } => Some(prev),
            Idle::Starting | Idle::DoneRequested => None,
        }
    }
}

/// Where a command is beyond "sent, waiting for its tagged answer".
#[derive(Debug)]
pub(super) enum Stage {
    /// Waiting for the tagged answer.
    Main,
    /// An IDLE ([`Kind::Idle`]).
    Idle(Idle),
    /// An AUTHENTICATE whose challenge could not be decoded: the exchange was cancelled
    /// with `*`, and the command fails with this error when the server answers.
    AuthCancelled(Error),
    /// STARTTLS or COMPRESS was accepted: waiting for the transport to stack the layer.
    /// Holds its result.
    AwaitingLayer(Reply),
    /// LOGIN, AUTHENTICATE or STARTTLS succeeded and a CAPABILITY runs on its behalf; the
    /// command completes with this result when that answers.
    CapabilityFollowUp(Reply),
}

/// A command in flight.
pub(super) struct Job {
    /// `None` for the connect-time CAPABILITY.
    pub(super) id: Option<CommandId>,
    /// Command name for messages (`UID` for UID commands).
    pub(super) name: String,
    /// How its answer becomes the result.
    pub(super) kind: Kind,
    /// Its progress.
    pub(super) stage: Stage,
    /// `Store::capability_appends` when the command was submitted.
    pub(super) caps_before: u64,
}

impl Job {
    pub(super) fn new(id: Option<CommandId>, name: String, kind: Kind, caps_before: u64) -> Self {
        let stage = match kind {
            Kind::Idle => Stage::Idle(Idle::Starting),
            _ => Stage::Main,
        };
        Job {
            id,
            name,
            kind,
            stage,
            caps_before,
        }
    }

    /// IDLE's progress, for an IDLE.
    pub(super) fn idle(&self) -> Option<Idle> {
        match self.stage {
            Stage::Idle(idle) => Some(idle),
            _ => None,
        }
    }

    /// An IDLE that takes untagged responses as [`super::Output::Unsolicited`].
    pub(super) fn captures_unsolicited(&self) -> bool {
        self.idle().is_some_and(Idle::captures)
    }

    /// CLOSE or UNSELECT: the state returns to AUTH whatever happens.
    pub(super) fn is_deselect(&self) -> bool {
        matches!(self.kind, Kind::Deselect)
    }

    /// Whether this job's result is made of the untagged type (or response code) `typ`.
    pub(super) fn expects(&self, typ: &str) -> bool {
        match &self.kind {
            Kind::Untagged(t) => t == typ,
            Kind::Search { .. } => typ == "SEARCH" || typ == "ESEARCH",
            Kind::Capability => typ == "CAPABILITY",
            Kind::GetQuotaRoot => typ == "QUOTA" || typ == "QUOTAROOT",
            // SELECT brings the mailbox's data; IDLE asks for unsolicited updates.
            Kind::Select { .. } | Kind::Idle => true,
            _ => matches!(self.stage, Stage::CapabilityFollowUp(_)) && typ == "CAPABILITY",
        }
    }
}
