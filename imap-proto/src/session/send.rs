//! The send queue: commands' chunks in order, held at synchronizing literals, at commands
//! that take over the connection (AUTHENTICATE, IDLE, STARTTLS) and at literals the caller
//! writes itself.

use std::collections::VecDeque;

use super::CommandId;
use crate::encode::Chunk;
use crate::outgoing::Outgoing;

/// What the send queue waits for after a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum After {
    /// Nothing: the next chunk may follow.
    Nothing,
    /// A synchronizing literal: the next chunk needs the server's `+`.
    Continuation,
    /// Nothing else may be sent until this command completes (AUTHENTICATE, IDLE,
    /// STARTTLS); `+` requests go to the command.
    Completion,
    /// The caller is writing a streamed literal ([`super::Output::SendLiteral`]).
    External,
}

#[derive(Debug)]
struct Queued {
    tag: u64,
    out: Outgoing,
    after: After,
    /// Literal bytes the caller streams after `out`.
    external: Option<u64>,
}

/// What [`SendQueue::pump`] hands out.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Send {
    /// Bytes to write.
    Bytes(Outgoing),
    /// The caller writes `len` literal bytes for command `id` now.
    Literal {
        /// The command.
        id: CommandId,
        /// Bytes to write.
        len: u64,
    },
}

/// Chunks waiting to be sent, and what the queue is blocked on.
#[derive(Debug, Default)]
pub(super) struct SendQueue {
    queue: VecDeque<Queued>,
    /// The tag the queue is blocked on, and why.
    blocked: Option<(u64, After)>,
}

impl SendQueue {
    fn queued(
        tag: u64,
        chunks: Vec<Chunk>,
        last: After,
    ) -> impl DoubleEndedIterator<Item = Queued> {
        let n = chunks.len();
        chunks.into_iter().enumerate().map(move |(i, c)| Queued {
            tag,
            out: c.out,
            after: if c.wait {
                After::Continuation
            } else if i + 1 == n {
                last
            } else {
                After::Nothing
            },
            external: c.external,
        })
    }

    /// Queues a command's chunks after everything else; `last` is what its last chunk
    /// waits for.
    pub(super) fn push_back(&mut self, tag: u64, chunks: Vec<Chunk>, last: After) {
        self.queue.extend(Self::queued(tag, chunks, last));
    }

    /// Queues a command's chunks before everything else (a follow-up on behalf of a
    /// command that just completed).
    pub(super) fn push_front(&mut self, tag: u64, chunks: Vec<Chunk>, last: After) {
        for q in Self::queued(tag, chunks, last).rev() {
            self.queue.push_front(q);
        }
    }

    /// Hands out chunks in order until one must wait. A literal the caller writes itself
    /// goes out as [`Send::Literal`] for the command `id_of` names (it is skipped when
    /// none does) and blocks the queue until [`SendQueue::unblock`].
    pub(super) fn pump(
        &mut self,
        id_of: impl Fn(u64) -> Option<CommandId>,
        mut send: impl FnMut(Send),
    ) {
        while self.blocked.is_none() {
            let Some(q) = self.queue.pop_front() else {
                break;
            };
            if !q.out.bytes.is_empty() {
                send(Send::Bytes(q.out));
            }
            if let Some(len) = q.external {
                // The caller writes the literal; the rest of the queue waits for it. A
                // continuation the literal needed has already arrived.
                if let Some(id) = id_of(q.tag) {
                    send(Send::Literal { id, len });
                    self.blocked = Some((q.tag, After::External));
                    if q.after != After::Nothing {
                        // Not produced by the encoder; kept simple: re-block after.
                        self.queue.push_front(Queued {
                            tag: q.tag,
                            out: Outgoing::default(),
                            after: q.after,
                            external: None,
                        });
                    }
                    break;
                }
                continue;
            }
            if q.after != After::Nothing {
                self.blocked = Some((q.tag, q.after));
            }
        }
    }

    /// True when [`SendQueue::pump`] would hand something out.
    #[inline]
    pub(super) fn may_send(&self) -> bool {
        self.blocked.is_none() && !self.queue.is_empty()
    }

    /// The tag the queue is blocked on, and why.
    pub(super) fn blocked(&self) -> Option<(u64, After)> {
        self.blocked
    }

    /// What blocked the queue has happened (a `+`, a literal written).
    pub(super) fn unblock(&mut self) {
        self.blocked = None;
    }

    /// A command completed: drops what it had left to send and unblocks the queue if it
    /// was blocked on it.
    pub(super) fn release(&mut self, tag: u64) {
        if matches!(self.blocked, Some((t, _)) if t == tag) {
            self.blocked = None;
        }
        self.queue.retain(|q| q.tag != tag);
    }

    /// Drops everything (the connection failed or the server said BYE).
    pub(super) fn clear(&mut self) {
        self.queue.clear();
        self.blocked = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(bytes: &[u8], wait: bool, external: Option<u64>) -> Chunk {
        let mut out = Outgoing::default();
        out.push(bytes);
        Chunk {
            out,
            wait,
            external,
        }
    }

    fn pump(q: &mut SendQueue) -> Vec<Send> {
        let mut sent = Vec::new();
        q.pump(|tag| Some(CommandId(tag + 100)), |s| sent.push(s));
        sent
    }

    fn bytes(s: &[u8]) -> Send {
        let mut out = Outgoing::default();
        out.push(s);
        Send::Bytes(out)
    }

    #[test]
    fn synchronizing_literal_waits_for_continuation() {
        let mut q = SendQueue::default();
        q.push_back(
            0,
            vec![
                chunk(b"A0 LOGIN {1}\r\n", true, None),
                chunk(b"x\r\n", false, None),
            ],
            After::Nothing,
        );
        q.push_back(1, vec![chunk(b"A1 NOOP\r\n", false, None)], After::Nothing);
        assert!(q.may_send());
        assert_eq!(pump(&mut q), vec![bytes(b"A0 LOGIN {1}\r\n")]);
        assert_eq!(q.blocked(), Some((0, After::Continuation)));
        assert!(!q.may_send());
        assert_eq!(pump(&mut q), vec![]);
        q.unblock();
        assert_eq!(pump(&mut q), vec![bytes(b"x\r\n"), bytes(b"A1 NOOP\r\n")]);
        assert_eq!(q.blocked(), None);
        assert!(!q.may_send());
    }

    #[test]
    fn completion_blocks_until_released() {
        let mut q = SendQueue::default();
        q.push_back(
            0,
            vec![chunk(b"A0 IDLE\r\n", false, None)],
            After::Completion,
        );
        q.push_back(1, vec![chunk(b"A1 NOOP\r\n", false, None)], After::Nothing);
        assert_eq!(pump(&mut q), vec![bytes(b"A0 IDLE\r\n")]);
        assert_eq!(q.blocked(), Some((0, After::Completion)));
        // Releasing another tag does not unblock.
        q.release(1);
        assert_eq!(q.blocked(), Some((0, After::Completion)));
        assert_eq!(pump(&mut q), vec![]);
        q.push_back(2, vec![chunk(b"A2 NOOP\r\n", false, None)], After::Nothing);
        q.release(0);
        // A1 was dropped by its own release; A2 goes.
        assert_eq!(pump(&mut q), vec![bytes(b"A2 NOOP\r\n")]);
    }

    #[test]
    fn release_drops_the_rest_of_a_command() {
        let mut q = SendQueue::default();
        q.push_back(
            0,
            vec![
                chunk(b"A0 APPEND x {1}\r\n", true, None),
                chunk(b"y\r\n", false, None),
            ],
            After::Nothing,
        );
        assert_eq!(pump(&mut q).len(), 1);
        q.release(0);
        assert_eq!(q.blocked(), None);
        assert_eq!(pump(&mut q), vec![]);
    }

    #[test]
    fn external_literal_is_handed_to_the_caller() {
        let mut q = SendQueue::default();
        q.push_back(
            3,
            vec![
                chunk(b"A3 APPEND x {5+}\r\n", false, Some(5)),
                chunk(b"\r\n", false, None),
            ],
            After::Nothing,
        );
        assert_eq!(
            pump(&mut q),
            vec![
                bytes(b"A3 APPEND x {5+}\r\n"),
                Send::Literal {
                    id: CommandId(103),
                    len: 5
                }
            ]
        );
        assert_eq!(q.blocked(), Some((3, After::External)));
        q.unblock();
        assert_eq!(pump(&mut q), vec![bytes(b"\r\n")]);
        // Without a command to write it for, the literal is skipped.
        q.push_back(4, vec![chunk(b"h", false, Some(1))], After::Nothing);
        let mut sent = Vec::new();
        q.pump(|_| None, |s| sent.push(s));
        assert_eq!(sent, vec![bytes(b"h")]);
        assert_eq!(q.blocked(), None);
    }

    #[test]
    fn front_goes_first_and_clear_empties() {
        let mut q = SendQueue::default();
        q.push_back(
            0,
            vec![chunk(b"A0 IDLE\r\n", false, None)],
            After::Completion,
        );
        q.push_front(
            1,
            vec![
                chunk(b"A1 X {1}\r\n", true, None),
                chunk(b"y\r\n", false, None),
            ],
            After::Nothing,
        );
        assert_eq!(pump(&mut q), vec![bytes(b"A1 X {1}\r\n")]);
        q.unblock();
        assert_eq!(pump(&mut q), vec![bytes(b"y\r\n"), bytes(b"A0 IDLE\r\n")]);
        q.clear();
        assert_eq!(q.blocked(), None);
        q.push_back(2, vec![chunk(b"A2 NOOP\r\n", false, None)], After::Nothing);
        assert_eq!(pump(&mut q), vec![bytes(b"A2 NOOP\r\n")]);
    }
}
