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

impl<T: LiteralSink + ?Sized> LiteralSink for &mut T {
    fn start(&mut self, seq: Option<u32>, header: &[u8], size: u64) -> io::Result<()> {
        (**self).start(seq, header, size)
    }

    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        (**self).data(bytes)
    }

    fn end(&mut self) -> io::Result<()> {
        (**self).end()
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

    /// Remembers `err` unless an earlier error is remembered.
    pub(crate) fn remember(&mut self, err: io::Error) {
        self.error.get_or_insert(err);
    }

    /// True while the sink has not failed.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }

    /// The sink's first error, as the command's error.
    pub fn finish(self, result: crate::Result<crate::Reply>) -> crate::Result<crate::Reply> {
        match self.error {
            Some(e) => Err(sink_failed(e)),
            None => result,
        }
    }
}

/// The error of a streaming command whose sink (or writer) failed.
pub(crate) fn sink_failed(e: io::Error) -> crate::Error {
    crate::Error::error(
        crate::error::Reason::Stream(crate::error::StreamFailure::Sink),
        format!("the literal sink failed: {e}"),
    )
    .with_source(e)
}

/// Drops every literal.
pub(crate) struct Discard;

impl LiteralSink for Discard {
    fn data(&mut self, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
}

/// A sink that keeps streamed literal bytes for a writer that cannot take them at once (an
/// async writer): the bytes that lie in the buffer just fed are remembered as ranges of it,
/// uncopied; others (kept by the framer across reads) are copied. Write the pieces out with
/// [`Spool::front`] / [`Spool::consume`] before that buffer is reused, then
/// [`Spool::unbind`].
#[derive(Debug, Default)]
pub struct Spool {
    /// Address and length of the fed buffer.
    base: usize,
    len: usize,
    pieces: std::collections::VecDeque<Piece>,
}

#[derive(Debug)]
enum Piece {
    Fed(std::ops::Range<usize>),
    Owned(Vec<u8>, usize),
}

impl Spool {
    /// Remembers `fed` as the buffer about to be fed: slices inside it are kept as ranges.
    pub fn bind(&mut self, fed: &[u8]) {
        self.base = fed.as_ptr() as usize;
        self.len = fed.len();
    }

    /// Forgets the fed buffer (every range of it must have been consumed).
    pub fn unbind(&mut self) {
        self.len = 0;
    }

    /// True when nothing waits to be written.
    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// The next bytes to write; `fed` is the buffer last bound.
    pub fn front<'a>(&'a self, fed: &'a [u8]) -> Option<&'a [u8]> {
        match self.pieces.front()? {
            Piece::Fed(r) => fed.get(r.clone()),
            Piece::Owned(v, at) => Some(&v[*at..]),
        }
    }

    /// `n` bytes of [`Spool::front`] were written.
    pub fn consume(&mut self, n: usize) {
        let done = match self.pieces.front_mut() {
            Some(Piece::Fed(r)) => {
                r.start = (r.start + n).min(r.end);
                r.start == r.end
            }
            Some(Piece::Owned(v, at)) => {
                *at = (*at + n).min(v.len());
                *at == v.len()
            }
            None => false,
        };
        if done {
            self.pieces.pop_front();
        }
    }

    /// Drops everything not written yet.
    pub fn clear(&mut self) {
        self.pieces.clear();
    }
}

impl LiteralSink for Spool {
    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let at = (bytes.as_ptr() as usize).wrapping_sub(self.base);
        if self.len > 0 && at < self.len && bytes.len() <= self.len - at {
            let r = at..at + bytes.len();
            if let Some(Piece::Fed(last)) = self.pieces.back_mut() {
                if last.end == r.start {
                    last.end = r.end;
                    return Ok(());
                }
            }
            self.pieces.push_back(Piece::Fed(r));
        } else {
            self.pieces.push_back(Piece::Owned(bytes.to_vec(), 0));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spool_keeps_ranges_of_the_fed_buffer_and_copies_the_rest() {
        let fed = b"0123456789".to_vec();
        let other = b"abc".to_vec();
        let mut s = Spool::default();
        s.bind(&fed);
        s.data(&fed[2..4]).unwrap();
        s.data(&fed[4..6]).unwrap(); // merged with the previous range
        s.data(&other).unwrap();
        s.data(&fed[8..]).unwrap();
        assert!(matches!(s.pieces.front(), Some(Piece::Fed(r)) if *r == (2..6)));
        let mut out = Vec::new();
        while let Some(chunk) = s.front(&fed) {
            let n = chunk.len().min(3);
            out.extend_from_slice(&chunk[..n]);
            s.consume(n);
        }
        assert_eq!(out, b"2345abc89");
        assert!(s.is_empty());
        s.unbind();
        s.data(&fed[1..2]).unwrap();
        assert!(matches!(s.pieces.front(), Some(Piece::Owned(..))));
    }
}
