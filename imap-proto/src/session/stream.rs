//! Streamed FETCH literals: handed out as they arrive instead of kept.

use super::{CommandId, Connection, Output};

impl Connection {
    /// True for a `* n FETCH …` line.
    pub(super) fn fetch_seq(line: &[u8]) -> Option<Option<u32>> {
        let rest = line.strip_prefix(b"* ")?;
        let d = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if d == 0 || !rest[d..].starts_with(b" FETCH") {
            return None;
        }
        Some(
            std::str::from_utf8(&rest[..d])
                .ok()
                .and_then(|n| n.parse().ok()),
        )
    }

    /// With a streaming FETCH in flight, passes on the bytes of a FETCH literal received so
    /// far, so that they are not kept. Literals of the same response that completed
    /// meanwhile go out first, whole, so that every literal ends before the next starts.
    pub(super) fn stream_partial_literal(&mut self) {
        let Some((_, id)) = self.streaming else {
            return;
        };
        let Some(p) = self.framer.literal_in_progress() else {
            return;
        };
        let Some(seq) = Self::fetch_seq(p.first_line) else {
            return;
        };
        let (index, remaining, header) = (p.index, p.remaining, p.header.to_vec());
        while self.stream_next < index {
            let Some((earlier, data)) = self.framer.take_completed_literal(self.stream_next) else {
                break;
            };
            self.stream_literal(id, seq, earlier, data, true);
        }
        let received = self.framer.take_literal_bytes();
        if !self.stream_open {
            let size = received.len() as u64 + remaining;
            self.stream_open = true;
            self.emit(Output::LiteralStart {
                id,
                seq,
                header,
                size,
            });
        }
        if !received.is_empty() {
            self.emit(Output::LiteralData { id, data: received });
        }
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
