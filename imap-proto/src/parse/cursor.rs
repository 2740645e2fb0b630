//! [`Segments`]: one response as text and literals alternating, borrowed from a [`Frame`],
//! from the caller's input ([`BorrowedFrame`](crate::frame::BorrowedFrame)) or from an
//! imaplib-shaped run of [`Item`]s; and the cursor that walks them.
//!
//! A response is `text₀ lit₁ text₁ … litₙ textₙ`, where each `textᵢ` (i < n) ends with the
//! literal marker `{N}` that announces `litᵢ₊₁`. A frame stores exactly that (`first`, then
//! `(literal, line)` pairs); imaplib's items store `(text₀, lit₁)`, `(text₁, lit₂)`, …,
//! `textₙ`. Both are walked without copying: the cursor holds the rest of the current text
//! segment and asks the source for the next `(literal, text)` pair when the grammar takes a
//! literal at the end of a segment.

use bytes::Bytes;

use super::error::{ParseError, ParseResult};
use super::quirk::{Quirk, Quirks};
use super::token;
use crate::frame::Frame;
use crate::grammar::{self, Marker};
use crate::response::Item;

/// Where the pairs after the first text segment come from.
#[derive(Clone, Copy, Debug)]
enum Source<'a> {
    /// A frame's `(literal, line)` pairs not yet taken.
    Frame(&'a [(Bytes, Bytes)]),
    /// imaplib items; the first is the one whose header is the current text.
    Items(&'a [Item]),
    /// Borrowed `(literal, line)` pairs not yet taken.
    Slices(&'a [(&'a [u8], &'a [u8])]),
}

/// One response as borrowed text segments and literals (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct Segments<'a> {
    first: &'a [u8],
    source: Source<'a>,
}

impl<'a> Segments<'a> {
    /// A framed response.
    pub fn from_frame(frame: &'a Frame) -> Self {
        Segments {
            first: &frame.first,
            source: Source::Frame(&frame.parts),
        }
    }

    /// A response as borrowed slices: its first line, then each literal with the line after
    /// it (a [`BorrowedFrame`](crate::frame::BorrowedFrame)'s parts).
    pub fn from_slices(first: &'a [u8], parts: &'a [(&'a [u8], &'a [u8])]) -> Self {
        Segments {
            first,
            source: Source::Slices(parts),
        }
    }

    /// A single line without literals.
    pub fn from_line(line: &'a [u8]) -> Self {
        Segments {
            first: line,
            source: Source::Frame(&[]),
        }
    }

    /// One response in imaplib's shape: zero or more [`Item::Literal`]s ended by exactly one
    /// [`Item::Line`]. Anything else is an error naming the item.
    pub fn from_items(run: &'a [Item]) -> ParseResult<Self> {
        let bad = |what: &[u8]| ParseError::new(0, "literal items ended by one line item", what);
        let (last, init) = run.split_last().ok_or_else(|| bad(b""))?;
        if !matches!(last, Item::Line(_)) || !init.iter().all(|i| matches!(i, Item::Literal(..))) {
            return Err(bad(b""));
        }
        let first = match &run[0] {
            Item::Line(l) => l.as_slice(),
            Item::Literal(h, _) => h.as_slice(),
            _ => return Err(bad(b"")),
        };
        Ok(Segments {
            first,
            source: Source::Items(run),
        })
    }

    /// The first text segment.
    pub fn first(&self) -> &'a [u8] {
        self.first
    }

    /// Takes the next `(literal, text)` pair.
    fn next_pair(&mut self) -> Option<(&'a [u8], &'a [u8])> {
        match &mut self.source {
            Source::Frame(parts) => {
                let ((lit, line), rest) = parts.split_first()?;
                *parts = rest;
                Some((&lit[..], &line[..]))
            }
            Source::Slices(parts) => {
                let (&pair, rest) = parts.split_first()?;
                *parts = rest;
                Some(pair)
            }
            Source::Items(items) => {
                let Some(Item::Literal(_, lit)) = items.first() else {
                    return None;
                };
                let next = match items.get(1)? {
                    Item::Literal(h, _) => h.as_slice(),
                    Item::Line(l) => l.as_slice(),
                    _ => return None,
                };
                *items = &items[1..];
                Some((&lit[..], next))
            }
        }
    }

    /// True if no literal remains.
    fn exhausted(&self) -> bool {
        match self.source {
            Source::Frame(parts) => parts.is_empty(),
            Source::Slices(parts) => parts.is_empty(),
            Source::Items(items) => !matches!(items.first(), Some(Item::Literal(..))),
        }
    }

    /// Every text segment and literal in order: `Text`, `Literal`, `Text`, ….
    pub fn parts(self) -> impl Iterator<Item = Part<'a>> {
        let mut s = self;
        let mut pending: Option<&'a [u8]> = Some(s.first);
        let mut next_text: Option<&'a [u8]> = None;
        std::iter::from_fn(move || {
            if let Some(t) = pending.take() {
                return Some(Part::Text(t));
            }
            if let Some(t) = next_text.take() {
                return Some(Part::Text(t));
            }
            let (lit, text) = s.next_pair()?;
            next_text = Some(text);
            Some(Part::Literal(lit))
        })
    }
}

/// A piece of a response: text (part of a line) or literal bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part<'a> {
    /// Text of a line (the literal marker that ends it is included).
    Text(&'a [u8]),
    /// Literal bytes.
    Literal(&'a [u8]),
}

/// Walks [`Segments`]; all typed parsers are built on it.
#[derive(Clone)]
pub(crate) struct Cursor<'a> {
    /// The rest of the current text segment.
    pub(crate) rest: &'a [u8],
    /// Absolute offset of the end of the current text segment.
    seg_end: usize,
    src: Segments<'a>,
    pub(crate) quirks: Quirks,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(src: Segments<'a>) -> Self {
        Cursor {
            rest: src.first,
            seg_end: src.first.len(),
            src,
            quirks: Quirks::new(),
        }
    }

    /// Offset of the cursor in the response.
    #[inline]
    pub(crate) fn pos(&self) -> usize {
        self.seg_end - self.rest.len()
    }

    /// An error here.
    #[cold]
    pub(crate) fn err(&self, expected: &'static str) -> ParseError {
        ParseError::new(self.pos(), expected, self.rest)
    }

    /// `Err` here.
    #[cold]
    pub(crate) fn fail<T>(&self, expected: &'static str) -> ParseResult<T> {
        Err(self.err(expected))
    }

    #[inline]
    pub(crate) fn quirk(&mut self, q: Quirk) {
        self.quirks.insert(q);
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    #[inline]
    pub(crate) fn advance(&mut self, n: usize) {
        self.rest = &self.rest[n.min(self.rest.len())..];
    }

    /// Consumes `b` if it is next.
    #[inline]
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.rest.first() == Some(&b) {
            self.rest = &self.rest[1..];
            true
        } else {
            false
        }
    }

    /// Consumes `b` or fails with `what`.
    #[inline]
    pub(crate) fn expect(&mut self, b: u8, what: &'static str) -> ParseResult<()> {
        if self.eat(b) {
            Ok(())
        } else {
            self.fail(what)
        }
    }

    #[inline]
    pub(crate) fn sp(&mut self) -> ParseResult<()> {
        self.expect(b' ', "SP")
    }

    /// Consumes a case-insensitive keyword if it is next and not followed by an atom char.
    #[inline]
    pub(crate) fn keyword(&mut self, kw: &[u8]) -> bool {
        let n = kw.len();
        if self.rest.len() >= n
            && self.rest[..n].eq_ignore_ascii_case(kw)
            && self.rest.get(n).is_none_or(|&b| !grammar::is_atom_char(b))
        {
            self.rest = &self.rest[n..];
            true
        } else {
            false
        }
    }

    /// Consumes `NIL` if next.
    #[inline]
    pub(crate) fn nil(&mut self) -> bool {
        matches!(self.rest.first(), Some(b'N' | b'n')) && self.keyword(b"NIL")
    }

    /// Runs a nom parser on the current text segment.
    #[inline]
    pub(crate) fn run<T>(
        &mut self,
        mut p: impl FnMut(&'a [u8]) -> token::R<'a, T>,
        what: &'static str,
    ) -> ParseResult<T> {
        match p(self.rest) {
            Ok((rest, v)) => {
                self.rest = rest;
                Ok(v)
            }
            Err(_) => self.fail(what),
        }
    }

    /// The bytes consumed since `start` (an earlier value of the rest of the current
    /// segment). An error if a literal was crossed meanwhile.
    pub(crate) fn since(&self, start: &'a [u8]) -> ParseResult<&'a [u8]> {
        let n = start.len().wrapping_sub(self.rest.len());
        if n <= start.len() && std::ptr::eq(start[n..].as_ptr(), self.rest.as_ptr()) {
            Ok(&start[..n])
        } else {
            self.fail("no literal inside this token")
        }
    }

    /// Takes the literal announced by `{N}` / `{N+}` / `~{N}`, which must end the current
    /// text segment, and moves to the text after it.
    pub(crate) fn literal(&mut self) -> ParseResult<(&'a [u8], bool)> {
        let (n, binary) = match grammar::marker_prefix(self.rest) {
            Some((
                Marker {
                    size: Some(n),
                    binary,
                    ..
                },
                len,
            )) if len == self.rest.len() => (n, binary),
            Some((Marker { size: Some(_), .. }, _)) => {
                return self.fail("a literal marker at the end of the line")
            }
            _ => return self.fail("a literal marker"),
        };
        let mark = self.rest;
        let Some((lit, text)) = self.src.next_pair() else {
            return self.fail("the literal's data");
        };
        if lit.len() as u64 != n {
            return Err(ParseError::new(
                self.pos(),
                "a literal of the announced size",
                mark,
            ));
        }
        self.seg_end += lit.len() + text.len();
        self.rest = text;
        Ok((lit, binary))
    }

    /// Takes literal markers and literals as raw parts until `stop` says the value ended
    /// (used to keep unknown values verbatim).
    pub(crate) fn next_pair_raw(&mut self) -> ParseResult<(&'a [u8], &'a [u8])> {
        match self.src.next_pair() {
            Some((lit, text)) => {
                self.seg_end += lit.len() + text.len();
                self.rest = text;
                Ok((lit, text))
            }
            None => self.fail("the literal's data"),
        }
    }

    /// The remaining segments from here, consuming them.
    pub(crate) fn take_all(&mut self) -> (&'a [u8], Segments<'a>) {
        let first = self.rest;
        let src = self.src;
        self.rest = &[];
        while self.src.next_pair().is_some() {}
        (first, src)
    }

    /// Succeeds only at the end of the response.
    pub(crate) fn finish(&self) -> ParseResult<()> {
        if !self.rest.is_empty() {
            return self.fail("the end of the response");
        }
        if !self.src.exhausted() {
            return self.fail("no further literal");
        }
        Ok(())
    }

    /// After a list element: `true` if another element follows (SP consumed), `false` if the
    /// list closed (`)` consumed). ` )` is accepted as [`Quirk::SpaceBeforeParen`].
    #[inline]
    pub(crate) fn list_next(&mut self) -> ParseResult<bool> {
        match self.rest.first() {
            Some(b')') => {
                self.rest = &self.rest[1..];
                Ok(false)
            }
            Some(b' ') => {
                if self.rest.get(1) == Some(&b')') {
                    self.quirk(Quirk::SpaceBeforeParen);
                    self.rest = &self.rest[2..];
                    Ok(false)
                } else {
                    self.rest = &self.rest[1..];
                    Ok(true)
                }
            }
            _ => self.fail("SP or ')'"),
        }
    }

    /// Consumes `)`, also as ` )` ([`Quirk::SpaceBeforeParen`]).
    #[inline]
    pub(crate) fn close(&mut self) -> ParseResult<()> {
        if self.eat(b')') {
            return Ok(());
        }
        if self.rest.starts_with(b" )") {
            self.quirk(Quirk::SpaceBeforeParen);
            self.rest = &self.rest[2..];
            return Ok(());
        }
        self.fail("')'")
    }

    /// At the end of a response that may carry a stray trailing space: accepts `" "` at the
    /// very end as `q`.
    #[inline]
    pub(crate) fn trailing_space(&mut self, q: Quirk) {
        if self.rest == b" " && self.src.exhausted() {
            self.quirk(q);
            self.rest = &[];
        }
    }
}
