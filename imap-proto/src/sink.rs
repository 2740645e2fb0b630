//! Where streamed message bodies go.
//!
//! A FETCH submitted with [`crate::Command::stream_literals`] hands its literals out as they
//! arrive instead of keeping them; the clients pass them to a [`LiteralSink`]. Any
//! [`std::io::Write`] becomes one with [`WriteSink`] (every literal written back to back).

use std::io::{self, Write};

/// Receives streamed literals: `start`, any number of `data`, `end`, for each literal.
pub trait LiteralSink {
    /// A literal begins: the message sequence number of its FETCH response (when
    /// readable), the line that announced it, and its size.
    fn start(&mut self, seq: Option<u32>, header: &[u8], size: u64) -> io::Result<()> {
        let _ = (seq, header, size);
        Ok(())
    }

    /// The next bytes of the literal.
    fn data(&mut self, bytes: &[u8]) -> io::Result<()>;

    /// The literal is complete.
    fn end(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes every literal's bytes, back to back, to a [`Write`].
#[derive(Debug)]
pub struct WriteSink<W: Write>(pub W);

impl<W: Write> LiteralSink for WriteSink<W> {
    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes)
    }

    fn end(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Hands the streaming outputs of a connection to a sink, remembering the first sink error
/// (after which the rest is discarded, so that the protocol stays in step).
#[derive(Debug, Default)]
pub struct SinkDriver {
    error: Option<io::Error>,
}

impl SinkDriver {
    /// Passes one output to `sink`; returns the output back when it is not a streaming one.
    pub fn handle(
        &mut self,
        sink: &mut dyn LiteralSink,
        out: crate::Output,
    ) -> Option<crate::Output> {
        match out {
            crate::Output::LiteralStart {
                seq, header, size, ..
            } => self.call(|| sink.start(seq, &header, size)),
            crate::Output::LiteralData { data, .. } => self.call(|| sink.data(&data)),
            crate::Output::LiteralEnd { .. } => self.call(|| sink.end()),
            other => return Some(other),
        }
        None
    }

    /// Runs one sink call unless an earlier one failed; remembers its error.
    pub(crate) fn call(&mut self, f: impl FnOnce() -> io::Result<()>) {
        if self.ok() {
            if let Err(e) = f() {
                self.error = Some(e);
            }
        }
    }

    /// The sink's first error, if any.
    pub(crate) fn into_error(self) -> Option<io::Error> {
        self.error
    }

    /// Feeds server bytes to `conn` with [`crate::Connection::feed_into`]: the literals of a
    /// streaming FETCH go to `sink` straight from `data`, or nowhere after the sink's first
    /// error (which is remembered).
    pub fn feed(&mut self, conn: &mut crate::Connection, data: &[u8], sink: &mut dyn LiteralSink) {
        let r = if self.ok() {
            conn.feed_into(data, sink)
        } else {
            conn.feed_into(data, &mut Discard)
        };
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    fn ok(&self) -> bool {
        self.error.is_none()
    }

    /// The sink's first error, as the command's error.
    pub fn finish(self, result: crate::Result<crate::Reply>) -> crate::Result<crate::Reply> {
        match self.error {
            Some(e) => Err(crate::Error::error(
                crate::Cause::Io,
                format!("the literal sink failed: {e}"),
            )
            .with_source(e)),
            None => result,
        }
    }
}

/// Drops every literal.
struct Discard;

impl LiteralSink for Discard {
    fn data(&mut self, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
}
