//! Reading sequence sets ([`SeqSet`], the crate's one [`SequenceSet`](crate::SequenceSet)
//! type) from server responses.

use super::cursor::Cursor;
use super::error::ParseResult;
use super::token::{number, R};
pub use crate::seqset::{SeqRange, SequenceSet as SeqSet};

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
        SeqSet::from_ranges(self.ranges)
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
