//! Streamed FETCH literals: handed out as they arrive instead of kept.

use super::{Connection, Output};

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
    /// far, so that they are not kept.
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
        let (index, remaining) = (p.index, p.remaining);
        if !self.streamed_started.contains(&index) {
            let header = p.header.to_vec();
            let received = self.framer.take_literal_bytes();
            let size = received.len() as u64 + remaining;
            self.streamed_started.push(index);
            self.emit(Output::LiteralStart {
                id,
                seq,
                header,
                size,
            });
            if !received.is_empty() {
                self.emit(Output::LiteralData { id, data: received });
            }
        } else {
            let data = self.framer.take_literal_bytes();
            if !data.is_empty() {
                self.emit(Output::LiteralData { id, data });
            }
        }
    }

    /// With a streaming FETCH in flight, a complete FETCH response hands its literals out
    /// and keeps them empty.
    pub(super) fn stream_complete_literals(&mut self, frame: &mut crate::frame::Frame) {
        let started = std::mem::take(&mut self.streamed_started);
        let Some((_, id)) = self.streaming else {
            return;
        };
        let Some(seq) = Self::fetch_seq(&frame.first) else {
            return;
        };
        let mut header = frame.first.clone();
        for (index, (literal, line)) in frame.parts.iter_mut().enumerate() {
            let data = std::mem::take(literal);
            if !started.contains(&index) {
                self.emit(Output::LiteralStart {
                    id,
                    seq,
                    header: header.clone(),
                    size: data.len() as u64,
                });
            }
            if !data.is_empty() {
                self.emit(Output::LiteralData { id, data });
            }
            self.emit(Output::LiteralEnd { id });
            header.clone_from(line);
        }
    }
}
