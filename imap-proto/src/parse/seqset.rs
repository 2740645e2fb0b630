//! Sequence sets kept as ranges ([`SeqSet`]).

use std::fmt;

use super::cursor::{Cursor, Segments};
use super::error::ParseResult;
use super::token::{number, R};

/// One range of a sequence set, `start <= end`. `*` is read as `u32::MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeqRange {
    /// First number.
    pub start: u32,
    /// Last number (equal to `start` for a single number).
    pub end: u32,
}

impl SeqRange {
    /// How many numbers the range holds.
    pub fn len(&self) -> u64 {
        u64::from(self.end.saturating_sub(self.start)) + 1
    }

    /// Never true: a range holds at least one number.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// True if `n` is in the range.
    pub fn contains(&self, n: u32) -> bool {
        self.start <= n && n <= self.end
    }
}

/// A set of numbers kept as ranges, never expanded (a server's `1:4294967295` costs 8
/// bytes). Ranges are kept in the order received; `4:2` is stored as `2:4` and `*` as
/// `u32::MAX`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SeqSet {
    ranges: Vec<SeqRange>,
}

impl SeqSet {
    /// An empty set.
    pub fn new() -> Self {
        SeqSet { ranges: Vec::new() }
    }

    /// The ranges.
    pub fn ranges(&self) -> &[SeqRange] {
        &self.ranges
    }

    /// True if no range.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Total count of numbers, counting duplicates of overlapping ranges.
    pub fn count(&self) -> u64 {
        self.ranges.iter().map(SeqRange::len).sum()
    }

    /// True if `n` is in one of the ranges.
    pub fn contains(&self, n: u32) -> bool {
        self.ranges.iter().any(|r| r.contains(n))
    }

    /// Iterates the numbers lazily (the caller decides how far to go).
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ranges.iter().flat_map(|r| r.start..=r.end)
    }

    /// Appends a number, merging it into the last range when consecutive.
    pub fn push(&mut self, n: u32) {
        if let Some(last) = self.ranges.last_mut() {
            if last.end.checked_add(1) == Some(n) {
                last.end = n;
                return;
            }
        }
        self.ranges.push(SeqRange { start: n, end: n });
    }

    /// Appends a range.
    pub fn push_range(&mut self, a: u32, b: u32) {
        self.ranges.push(SeqRange {
            start: a.min(b),
            end: a.max(b),
        });
    }

    /// Parses a sequence set (`1,3:5,7:*`) from the whole of `text`.
    pub fn parse(text: &[u8]) -> Result<SeqSet, super::ParseError> {
        let mut c = Cursor::new(Segments::from_line(text));
        let s = c.seq_set()?;
        c.finish()?;
        Ok(s)
    }
}

/// Builds a [`SeqSet`] from non-zero numbers in the order received, merging consecutive ones
/// like [`SeqSet::push`] but without a branch on whether they merge (which a CPU cannot predict
/// on real SEARCH results, where runs and gaps alternate).
pub(crate) struct SeqSetBuilder {
    /// Slots `..count` are the ranges; one more slot is always there to write into.
    ranges: Vec<SeqRange>,
    count: usize,
}

impl SeqSetBuilder {
    pub(crate) fn new() -> Self {
        SeqSetBuilder {
            ranges: vec![SeqRange { start: 0, end: 0 }; 16],
            count: 0,
        }
    }

    /// Appends `n` (non-zero).
    #[inline]
    pub(crate) fn push(&mut self, n: u32) {
        let last = self.ranges[self.count.saturating_sub(1)];
        // `&`, not `&&`: a short circuit would be a branch.
        let merge = (self.count > 0) & (last.end.wrapping_add(1) == n);
        // A new range starts at n in the next slot (always there); when n merges into the
        // last range that write is scratch, and only the last range's end moves.
        let at = self.count - usize::from(merge);
        self.ranges[self.count].start = n;
        self.ranges[at].end = n;
        self.count = at + 1;
        if self.count == self.ranges.len() {
            self.ranges
                .resize(self.count * 2, SeqRange { start: 0, end: 0 });
        }
    }

    pub(crate) fn finish(mut self) -> SeqSet {
        self.ranges.truncate(self.count);
        SeqSet {
            ranges: self.ranges,
        }
    }
}

impl fmt::Display for SeqSet {
    /// The canonical form: `a` or `a:b`, comma-separated; `*` is written as 4294967295.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if r.start == r.end {
                write!(f, "{}", r.start)?;
            } else {
                write!(f, "{}:{}", r.start, r.end)?;
            }
        }
        Ok(())
    }
}

fn seq_number(i: &[u8]) -> R<'_, u32> {
    match i.first() {
        Some(b'*') => Ok((&i[1..], u32::MAX)),
        _ => {
            let (rest, n) = number(i)?;
            if n == 0 {
                return Err(nom::Err::Error(()));
            }
            Ok((rest, n))
        }
    }
}

impl Cursor<'_> {
    /// A sequence set (`seq-number / seq-range`, comma-separated).
    pub(crate) fn seq_set(&mut self) -> ParseResult<SeqSet> {
        let mut set = SeqSet::new();
        loop {
            let a = self.run(seq_number, "a sequence number")?;
            let b = if self.eat(b':') {
                self.run(seq_number, "a sequence number")?
            } else {
                a
            };
            set.push_range(a, b);
            if !self.eat(b',') {
                return Ok(set);
            }
        }
    }
}
