//! The IDLE lifecycle: start, updates, DONE, silence and keepalive re-issue.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{Driver, Step, Task, Timeouts};
use crate::command::Command;
use crate::error::{Error, Reason, Result, StateProblem, Violation};
use crate::response::Reply;
use crate::session::CommandId;

/// Where the IDLE is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Phase {
    /// No IDLE.
    #[default]
    Off,
    /// IDLE sent; the server's `+` has not come yet.
    Starting(CommandId),
    /// The server is idling, since then.
    Idling(CommandId, Instant),
    /// DONE sent to issue IDLE again (keepalive); updates still flow to the iteration.
    Renewing(CommandId),
    /// The caller left: DONE sent (or due at `+`); the result goes to whoever polls it.
    Leaving(CommandId),
    /// The server ended IDLE on its own, or it failed; the result waits.
    Ended(CommandId),
}

/// What a deadline asks for.
pub(super) enum Due {
    Nothing,
    /// Issue IDLE again.
    Renew(CommandId),
    /// Nothing came for this long while idling.
    Silent(Duration),
}

/// The IDLE state of a driver, and the updates waiting to be iterated.
#[derive(Debug, Default)]
pub(super) struct Idle {
    phase: Phase,
    queue: VecDeque<Reply>,
    /// The iteration saw the end (an error is reported once).
    reported: bool,
}

impl Idle {
    /// The IDLE command in progress, in any phase.
    pub(super) fn command(&self) -> Option<CommandId> {
        match self.phase {
            Phase::Off => None,
            Phase::Starting(id)
            | Phase::Idling(id, _)
            | Phase::Renewing(id)
            | Phase::Leaving(id)
            | Phase::Ended(id) => Some(id),
        }
    }

    /// The IDLE command while the server idles (the silence timeout does not apply to it).
    pub(super) fn idling_command(&self) -> Option<CommandId> {
        match self.phase {
            Phase::Idling(id, _) => Some(id),
            _ => None,
        }
    }

    pub(super) fn clear(&mut self) {
        *self = Idle::default();
    }

    pub(super) fn started(&mut self, id: CommandId, now: Instant) {
        if self.phase == Phase::Starting(id) {
            self.phase = Phase::Idling(id, now);
        }
    }

    /// Keeps an update for the iteration; gives it back when nobody iterates.
    pub(super) fn capture(&mut self, reply: Reply) -> Option<Reply> {
        match self.phase {
            Phase::Starting(_) | Phase::Idling(..) | Phase::Renewing(_) => {
                self.queue.push_back(reply);
                None
            }
            _ => Some(reply),
        }
    }

    /// The IDLE command `id` completed. `Some(id)` when it was renewed and must go again.
    pub(super) fn completed(&mut self, id: CommandId, result: &Result<Reply>) -> Option<CommandId> {
        if self.command() != Some(id) {
            return None;
        }
        match self.phase {
            Phase::Renewing(_) if matches!(result, Ok(r) if r.typ == "OK") => Some(id),
            Phase::Leaving(_) => None,
            _ => {
                self.phase = Phase::Ended(id);
                None
            }
        }
    }

    pub(super) fn renewing(&mut self, id: CommandId) {
        self.phase = Phase::Renewing(id);
    }

    pub(super) fn reissued(&mut self, _old: CommandId, new: CommandId) {
        self.phase = Phase::Starting(new);
    }

    /// The deadline that applies while idling: keepalive, or silence.
    pub(super) fn deadline(&self, t: &Timeouts, last_input: Option<Instant>) -> Option<Instant> {
        let Phase::Idling(_, since) = self.phase else {
            return None;
        };
        let renew = t.idle_keepalive.map(|k| since + k);
        let silent = t
            .idle_silence
            .map(|s| last_input.map_or(since, |l| l.max(since)) + s);
        super::earliest(renew, silent)
    }

    pub(super) fn on_time(&self, t: &Timeouts, last_input: Option<Instant>, now: Instant) -> Due {
        let Phase::Idling(id, since) = self.phase else {
            return Due::Nothing;
        };
        if let Some(s) = t.idle_silence {
            if now >= last_input.map_or(since, |l| l.max(since)) + s {
                return Due::Silent(s);
            }
        }
        match t.idle_keepalive {
            Some(k) if now >= since + k => Due::Renew(id),
            _ => Due::Nothing,
        }
    }
}

impl Driver {
    /// Starts IDLE (imaplib's `idle()`): submits it and routes the server's updates to
    /// [`Driver::poll_idle_event`] from now on. Drive it with [`Driver::poll_idle_start`].
    pub fn idle_start(&mut self, now: Instant) -> Result<CommandId> {
        // A task still current was abandoned (its future dropped): apply the policy before
        // looking, so that an IDLE whose caller gave up is on its way out, not "in progress".
        if let Some(old) = self.task.take() {
            self.abandon(old, now);
        }
        if self.idle.command().is_some() {
            return Err(Error::error(
                Reason::State(StateProblem::Busy),
                "IDLE is already in progress",
            ));
        }
        let id = self.submit_idle(now)?;
        self.idle = Idle {
            phase: Phase::Starting(id),
            ..Idle::default()
        };
        // The `+` may have come with earlier bytes already fed: nothing to do, the next
        // feed brings it.
        Ok(id)
    }

    pub(super) fn submit_idle(&mut self, now: Instant) -> Result<CommandId> {
        self.submit_tracked(Command::idle(), now)
    }

    /// A keepalive re-issue could not be submitted: the IDLE ends with `err`.
    pub(super) fn idle_reissue_failed(&mut self, old: CommandId, err: Error) {
        self.idle.phase = Phase::Ended(old);
        self.results.insert(old, Err(err));
    }

    /// Drives IDLE until the server accepts it (`+`). A refusal (`NO`) is imaplib's
    /// `idle denied` error.
    pub fn poll_idle_start(&mut self, now: Instant) -> Step<Result<()>> {
        self.enter(Task::IdleStart, now);
        self.handle_timeout(now);
        match self.idle.phase {
            Phase::Idling(..) | Phase::Renewing(_) => self.leave(Ok(())),
            Phase::Starting(_) => self.io(),
            Phase::Ended(id) | Phase::Leaving(id) => {
                self.idle.clear();
                let e = match self.results.remove(&id) {
                    Some(Err(e)) => e,
                    _ => Error::abort(
                        Reason::protocol(Violation::UnexpectedStatus, b""),
                        "IDLE ended before it started",
                    ),
                };
                self.leave(Err(e))
            }
            Phase::Off => self.leave(Err(no_idle())),
        }
    }

    /// The next update of the IDLE, waiting at most until `until`: `None` once `until`
    /// passed or the IDLE is over (an error that ended it is reported once first). A
    /// keepalive re-issue happens inside, unseen.
    pub fn poll_idle_event(
        &mut self,
        until: Option<Instant>,
        now: Instant,
    ) -> Step<Option<Result<Reply>>> {
        self.enter(Task::IdleEvent, now);
        self.handle_timeout(now);
        if let Some(r) = self.idle.queue.pop_front() {
            return self.leave(Some(Ok(r)));
        }
        match self.idle.phase {
            Phase::Ended(id) => {
                if self.idle.reported {
                    return self.leave(None);
                }
                self.idle.reported = true;
                let err = match self.results.get(&id) {
                    Some(Err(e)) => Some(Err(e.clone())),
                    _ => None,
                };
                self.leave(err)
            }
            Phase::Off | Phase::Leaving(_) => self.leave(None),
            Phase::Starting(_) | Phase::Idling(..) | Phase::Renewing(_) => {
                if until.is_some_and(|u| now >= u) {
                    return self.leave(None);
                }
                match self.io() {
                    Step::Read { deadline } => Step::Read {
                        deadline: super::earliest(deadline, until),
                    },
                    other => other,
                }
            }
        }
    }

    /// Leaves IDLE: updates not iterated go to the untagged store (as imaplib's `Idler`
    /// does on exit), `DONE` is sent (at once, or when the server's `+` arrives), and the
    /// IDLE command's id is returned: its result comes from [`Driver::poll_result`].
    pub fn idle_done(&mut self, now: Instant) -> Result<CommandId> {
        let id = self.idle.command().ok_or_else(no_idle)?;
        let queued = std::mem::take(&mut self.idle.queue);
        for reply in queued {
            if let Err(e) = self.conn.restore_unsolicited(reply) {
                self.transport_error(e, now);
                break;
            }
        }
        match self.idle.phase {
            Phase::Starting(_) | Phase::Idling(..) => {
                // Fails only when the IDLE already completed; its result then waits.
                let _ = self.conn.idle_done(id);
                self.idle.phase = Phase::Leaving(id);
                self.drain(now);
            }
            Phase::Renewing(_) => self.idle.phase = Phase::Leaving(id),
            Phase::Ended(_) => self.idle.clear(),
            Phase::Leaving(_) | Phase::Off => {}
        }
        Ok(id)
    }

    /// The caller of an IDLE went away without leaving it: DONE goes out (now, or when
    /// the server's `+` arrives), updates go to the store, the result is dropped.
    pub fn idle_abandon(&mut self, now: Instant) {
        if let Ok(id) = self.idle_done(now) {
            self.abandon_result(id);
        }
        self.idle.clear();
        if self.task == Some(Task::IdleEvent) || self.task == Some(Task::IdleStart) {
            self.task = None;
        }
    }
}

fn no_idle() -> Error {
    Error::error(
        Reason::State(StateProblem::NotPending),
        "no IDLE in progress",
    )
}
