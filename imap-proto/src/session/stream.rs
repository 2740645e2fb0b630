//! Streamed FETCH literals: handed out as they arrive instead of kept.

use std::io;

use super::{CommandId, Connection, Output};
use crate::sink::{LiteralSink, SinkDriver};

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
    /// True for a `* n FETCH …` line.
    pub(super) fn fetch_seq(line: &[u8]) -> Option<Option<u32>> {
        let rest = line.strip_prefix(b"* ")?;
        let d = crate::grammar::digits(rest);
        if d == 0 || !rest[d..].starts_with(b" FETCH") {
            return None;
        }
        Some(crate::grammar::parse_u32(&rest[..d]))
    }

    /// With a streaming FETCH in flight, passes on the bytes of a FETCH literal received so
    /// far, so that they are not kept. Literals of the same response that completed
    /// meanwhile go out first, whole, so that every literal ends before the next starts.
    pub(super) fn stream_partial_literal(&mut self) {
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
        let (_, id) = self.streaming?;
        let p = self.framer.literal_in_progress()?;
        let seq = Self::fetch_seq(p.first_line)?;
        let (index, size) = (p.index, kept as u64 + p.remaining);
        let header = p.header.to_vec();
        while self.stream_next < index {
            let Some((earlier, data)) = self.framer.take_completed_literal(self.stream_next) else {
                break;
            };
            self.stream_literal(id, seq, earlier, data, true);
        }
        if !self.stream_open {
            self.stream_open = true;
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
        self.feeding_sink = true;
        self.feed_with(data, Some(&mut to));
        self.feeding_sink = false;
        to.deliver(&mut self.direct);
        match to.driver.into_error() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// With `to`'s sink taking a streaming FETCH's literals: passes bytes of the literal in
    /// progress from the front of `data` to it, if that literal is being streamed and
    /// none of its bytes were kept. False when nothing was passed.
    pub(super) fn pass_streamed(&mut self, data: &mut &[u8], to: &mut ToSink<'_>) -> bool {
        if !self.stream_open || self.streaming.is_none() {
            return false;
        }
        let literal = self.framer.literal_in_progress().map(|p| p.index);
        if literal != Some(self.stream_next) {
            return false;
        }
        let Some((bytes, done)) = self.framer.pass_literal(data) else {
            return false;
        };
        to.deliver(&mut self.direct);
        to.data(bytes);
        if done {
            to.end();
            self.stream_next += 1;
            self.stream_open = false;
        }
        true
    }

    /// Streams (the rest of) literal `stream_next`: its start unless already started, its
    /// bytes, and, when `end`, its end.
    fn stream_literal(
        &mut self,
        id: CommandId,
        seq: Option<u32>,
        header: Vec<u8>,
        data: Vec<u8>,
        end: bool,
    ) {
        if !self.stream_open {
            self.emit(Output::LiteralStart {
                id,
                seq,
                header,
                size: data.len() as u64,
            });
        }
        if !data.is_empty() {
            self.emit(Output::LiteralData { id, data });
        }
        if end {
            self.emit(Output::LiteralEnd { id });
            self.stream_next += 1;
            self.stream_open = false;
        }
    }

    /// At the end of every response: with a streaming FETCH in flight, a FETCH response
    /// hands out the literals not streamed yet, and keeps them all empty.
    pub(super) fn stream_complete_literals(&mut self, frame: &mut crate::frame::Frame) {
        let next = std::mem::take(&mut self.stream_next);
        let open = std::mem::take(&mut self.stream_open);
        let Some((_, id)) = self.streaming else {
            return;
        };
        let Some(seq) = Self::fetch_seq(&frame.first) else {
            return;
        };
        self.stream_next = next;
        self.stream_open = open;
        let mut header = frame.first.clone();
        for (index, (literal, line)) in frame.parts.iter_mut().enumerate() {
            let data = std::mem::take(literal);
            if index >= self.stream_next {
                self.stream_literal(id, seq, header, data, true);
            }
            header = line.clone();
        }
        self.stream_next = 0;
        self.stream_open = false;
    }
}
