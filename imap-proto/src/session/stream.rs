//! Streamed FETCH literals: handed out as they arrive instead of kept.
//!
//! [`Streaming`] exists only while a streaming FETCH is in flight and knows where its
//! current response is; [`Direct`] holds the streaming outputs produced inside
//! [`Connection::feed_into`] until they reach its sink.

use std::io;

use super::{CommandId, Connection, Output};
use bytes::Bytes;

use crate::frame::Frame;
use crate::response::fetch_seq;
use crate::sink::{LiteralSink, SinkDriver};

/// The streaming FETCH in flight, and its progress through the response being framed.
#[derive(Debug)]
pub(super) struct Streaming {
    /// The FETCH's tag.
    pub(super) tag: u64,
    /// The FETCH's id.
    id: CommandId,
    /// In the response being framed: literals before this index were streamed whole.
    next: usize,
    /// The literal at `next` was started (its first bytes streamed).
    open: bool,
}

impl Streaming {
    pub(super) fn new(tag: u64, id: CommandId) -> Self {
        Streaming {
            tag,
            id,
            next: 0,
            open: false,
        }
    }

    /// A response ended: the next one starts at its first literal.
    fn reset(&mut self) {
        self.next = 0;
        self.open = false;
    }
}

/// Streaming outputs produced inside [`Connection::feed_into`], on their way to its sink
/// (outside it, they are queued like any output). They outlive the FETCH that produced
/// them: its tagged answer, or a failure, may end it in the same call.
#[derive(Debug, Default)]
pub(super) struct Direct {
    /// Inside `feed_into`.
    active: bool,
    /// Waiting for the sink; empty unless `active`.
    outputs: Vec<Output>,
}

impl Direct {
    /// Keeps a streaming output for the sink while active; gives anything else back.
    pub(super) fn divert(&mut self, out: Output) -> Option<Output> {
        let streamed = matches!(
            out,
            Output::LiteralStart { .. } | Output::LiteralData { .. } | Output::LiteralEnd { .. }
        );
        if streamed && self.active {
            self.outputs.push(out);
            None
        } else {
            Some(out)
        }
    }
}

/// The sink of [`Connection::feed_into`], with the driver that remembers its first error
/// (after which nothing more reaches it).
pub(super) struct ToSink<'a> {
    sink: &'a mut dyn LiteralSink,
    driver: SinkDriver,
}

impl ToSink<'_> {
    fn data(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            let sink = &mut *self.sink;
            self.driver.call(|| sink.data(bytes));
        }
    }

    fn end(&mut self) {
        let sink = &mut *self.sink;
        self.driver.call(|| sink.end());
    }

    /// Hands over the streaming outputs produced meanwhile, in order.
    fn deliver(&mut self, outputs: &mut Vec<Output>) {
        for out in outputs.drain(..) {
            let _ = self.driver.handle(&mut *self.sink, out);
        }
    }
}

impl Connection {
    /// With a streaming FETCH in flight, passes on the bytes of a FETCH literal received so
    /// far, so that they are not kept. Literals of the same response that completed
    /// meanwhile go out first, whole, so that every literal ends before the next starts.
    #[inline]
    pub(super) fn stream_partial_literal(&mut self) {
        if self.streaming.is_none() {
            return;
        }
        let kept = self.framer.literal_kept();
        let Some(id) = self.open_streamed_literal(kept) else {
            return;
        };
        let received = self.framer.take_literal_bytes();
        if !received.is_empty() {
            self.emit(Output::LiteralData { id, data: received });
        }
    }

    /// With a streaming FETCH in flight and a literal of a FETCH response in progress
    /// (`kept` of its bytes received and kept): streams the literals of the same response
    /// that completed meanwhile, announces this one unless it was, and returns the FETCH's
    /// id. `None`, doing nothing, when this literal is not streamed.
    pub(super) fn open_streamed_literal(&mut self, kept: usize) -> Option<CommandId> {
        let id = self.streaming.as_ref()?.id;
        let p = self.framer.literal_in_progress()?;
        let seq = fetch_seq(p.first_line)?;
        let (index, size) = (p.index, kept as u64 + p.remaining);
        let header = p.header.to_vec();
        while let Some(next) = self
            .streaming
            .as_ref()
            .map(|s| s.next)
            .filter(|&n| n < index)
        {
            let Some((earlier, data)) = self.framer.take_completed_literal(next) else {
                break;
            };
            self.stream_literal(id, seq, earlier, data, true);
        }
        if let Some(s) = self.streaming.as_mut().filter(|s| !s.open) {
            s.open = true;
            self.emit(Output::LiteralStart {
                id,
                seq,
                header,
                size,
            });
        }
        Some(id)
    }

    /// [`Connection::feed`] that hands the literals of a streaming FETCH
    /// ([`crate::Command::stream_literals`]) to `sink` as they are framed, straight from
    /// `data`: their bytes are neither copied nor kept (`feed` copies each into the
    /// [`Output::LiteralData`] it queues). Everything else is queued as `feed` queues it; no
    /// `LiteralStart`, `LiteralData` or `LiteralEnd` output is queued by this call.
    ///
    /// Returns the sink's first error; the streamed literals of the rest of this call are
    /// then dropped, so that the protocol stays in step (the command still completes).
    /// Drain the outputs queued by earlier calls before calling it, so that the sink sees
    /// every literal in order.
    pub fn feed_into(&mut self, data: &[u8], sink: &mut dyn LiteralSink) -> io::Result<()> {
        let mut to = ToSink {
            sink,
            driver: SinkDriver::default(),
        };
        self.direct.active = true;
        self.feed_with(data, Some(&mut to));
        self.direct.active = false;
        to.deliver(&mut self.direct.outputs);
        match to.driver.into_error() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// With `to`'s sink taking a streaming FETCH's literals: passes bytes of the literal in
    /// progress from the front of `data` to it, if that literal is being streamed and
    /// none of its bytes were kept. False when nothing was passed.
    pub(super) fn pass_streamed(&mut self, data: &mut &[u8], to: &mut ToSink<'_>) -> bool {
        let Some(next) = self.streaming.as_ref().filter(|s| s.open).map(|s| s.next) else {
            return false;
        };
        let literal = self.framer.literal_in_progress().map(|p| p.index);
        if literal != Some(next) {
            return false;
        }
        let Some((bytes, done)) = self.framer.pass_literal(data) else {
            return false;
        };
        to.deliver(&mut self.direct.outputs);
        to.data(bytes);
        if done {
            to.end();
            if let Some(s) = self.streaming.as_mut() {
                s.next += 1;
                s.open = false;
            }
        }
        true
    }

    /// Streams (the rest of) the literal at the streaming FETCH's `next`: its start unless
    /// already started, its bytes, and, when `end`, its end.
    fn stream_literal(
        &mut self,
        id: CommandId,
        seq: Option<u32>,
        header: Bytes,
        data: Bytes,
        end: bool,
    ) {
        let Some(s) = self.streaming.as_mut() else {
            return;
        };
        let open = s.open;
        if end {
            s.next += 1;
            s.open = false;
        }
        if !open {
            self.emit(Output::LiteralStart {
                id,
                seq,
                header: header.to_vec(),
                size: data.len() as u64,
            });
        }
        if !data.is_empty() {
            self.emit(Output::LiteralData { id, data });
        }
        if end {
            self.emit(Output::LiteralEnd { id });
        }
    }

    /// At the end of every response: with a streaming FETCH in flight, a FETCH response
    /// hands out the literals not streamed yet, and keeps them all empty.
    pub(super) fn stream_complete_literals(&mut self, frame: &mut Frame) {
        let Some(s) = self.streaming.as_mut() else {
            return;
        };
        let (id, next) = (s.id, s.next);
        let Some(seq) = fetch_seq(&frame.first) else {
            s.reset();
            return;
        };
        let mut header = frame.first.clone();
        for (index, (literal, line)) in frame.parts.iter_mut().enumerate() {
            let data = std::mem::take(literal);
            if index >= next {
                self.stream_literal(id, seq, header, data, true);
            }
            header = line.clone();
        }
        if let Some(s) = self.streaming.as_mut() {
            s.reset();
        }
    }
}
