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
    /// The ranges, then always one more slot to write into (so never empty).
    ranges: Vec<SeqRange>,
}

impl SeqSetBuilder {
    /// A builder for the numbers of a text of `len` bytes: room for one range per eight
    /// bytes (a run of seven-digit ids that never merge), grown as needed beyond that.
    pub(crate) fn for_text(len: usize) -> Self {
        let mut ranges = Vec::with_capacity(len / 8 + 1);
        ranges.push(SeqRange { start: 0, end: 0 });
        SeqSetBuilder { ranges }
    }

    /// Appends `n` (non-zero).
    #[inline]
    pub(crate) fn push(&mut self, n: u32) {
        let count = self.ranges.len() - 1;
        let last = self.ranges[count.saturating_sub(1)];
        // `&`, not `&&`: a short circuit would be a branch.
        let merge = (count > 0) & (last.end.wrapping_add(1) == n);
        // A new range starts at n in the spare slot; when n merges into the last range
        // that write is scratch, and only the last range's end moves.
        let at = count - usize::from(merge);
        self.ranges[count].start = n;
        self.ranges[at].end = n;
        // The spare slot again: past the new range, or the scratch slot re-used. Filling
        // one slot at a time (rather than doubling by `resize`) writes each slot once.
        self.ranges.truncate(at + 1);
        self.ranges.push(SeqRange { start: 0, end: 0 });
    }

    pub(crate) fn finish(self) -> SeqSet {
        SeqSet::from_ranges(self.into_ranges())
    }

    /// The ranges, without the spare slot, and without much more room than they fill
    /// (a long line of runs needs far fewer ranges than it was given room for).
    fn into_ranges(mut self) -> Vec<SeqRange> {
        self.ranges.pop();
        if self.ranges.capacity() > 2 * self.ranges.len() + 16 {
            self.ranges.shrink_to_fit();
        }
        self.ranges
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The builder merges runs as `SeqSet::push` does, and a result of few ranges does not
    /// keep the room reserved for many.
    #[test]
    fn builder_merges_and_gives_back_unused_room() {
        let mut text = Vec::new();
        let mut b = SeqSetBuilder::for_text(800_000);
        let mut want = SeqSet::new();
        for n in (1..=100_000u32).chain([100_002, 100_003, 100_005]) {
            b.push(n);
            want.push(n);
            text.push(n);
        }
        let ranges = b.into_ranges();
        assert!(ranges.capacity() <= 2 * 3 + 16, "{}", ranges.capacity());
        let got = SeqSet::from_ranges(ranges);
        assert_eq!(got.ranges(), want.ranges());
        assert_eq!(got.ranges().len(), 3);
        assert_eq!(got.iter().collect::<Vec<_>>(), text);
    }
}
