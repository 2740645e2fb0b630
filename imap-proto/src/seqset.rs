//! Sequence sets and UID sets: one type for what the server sends and what commands take.
//!
//! [`SequenceSet`] keeps numbers as ranges, never expanded (a server's `1:4294967295` costs 8
//! bytes). It is what the typed views return (SEARCH, ESEARCH `ALL`, VANISHED, APPENDUID,
//! COPYUID — there it is also called [`parse::SeqSet`](crate::parse::SeqSet), the same type),
//! and what every command taking a set accepts through [`IntoSequenceSet`], so that a SEARCH
//! result goes straight into FETCH, STORE, COPY or MOVE:
//!
//! ```
//! use imaplib_proto::parse::{self, View};
//! use imaplib_proto::{Command, Item, Reply};
//!
//! let reply = Reply::new("OK", vec![Item::Line(b"2 3 4 9".to_vec())]); // search() result
//! let found = parse::search(&reply).next().unwrap()?.ids;
//! assert_eq!(found.to_string(), "2:4,9");
//! let fetch = Command::fetch(&found, "(FLAGS)")?; // FETCH 2:4,9 (FLAGS)
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The forms of the grammar are all expressible: numbers and ranges, `*` (the largest number
//! in use, kept as `u32::MAX`), and `$` (RFC 5182's saved search result,
//! [`SequenceSet::saved`]). Text a command is given (`fetch("4:2", …)`, the imaplib face)
//! is validated, read into ranges, and sent byte for byte as given, as imaplib sends its
//! strings; every other set is written canonically (`2:4,9`, `*` for `u32::MAX`).

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::encode::arg_error;
use crate::error::{ArgumentProblem, Result};

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

/// A set of message sequence numbers or UIDs, kept as ranges.
///
/// Ranges are kept in the order given; `4:2` is stored as `2:4` and `*` as `u32::MAX`. Two
/// sets are equal when they hold the same ranges in the same order (the spelling a command
/// was given does not count).
///
/// ```
/// use imaplib_proto::SequenceSet;
///
/// let mut set: SequenceSet = [1, 2, 3, 7].into_iter().collect();
/// assert_eq!(set.to_string(), "1:3,7");
/// set.push_range(10, u32::MAX);
/// assert_eq!(set.to_string(), "1:3,7,10:*");
/// assert!(set.contains(12) && !set.contains(8));
///
/// let given = SequenceSet::parse(b"*:4,2")?;
/// assert_eq!((given.to_string(), given.ranges()[0].start), ("4:*,2".into(), 4));
/// assert_eq!(SequenceSet::saved().to_string(), "$");
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct SequenceSet {
    ranges: Vec<SeqRange>,
    /// `$`: the saved search result (RFC 5182).
    saved: bool,
    /// The validated text a command was given, sent as is; dropped by any change.
    text: Option<Box<[u8]>>,
}

impl PartialEq for SequenceSet {
    fn eq(&self, other: &Self) -> bool {
        self.saved == other.saved && self.ranges == other.ranges
    }
}

impl Eq for SequenceSet {}

impl Hash for SequenceSet {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.saved.hash(state);
        self.ranges.hash(state);
    }
}

impl fmt::Debug for SequenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SequenceSet({self})")
    }
}

impl SequenceSet {
    /// An empty set (it cannot be sent: give it numbers first).
    pub fn new() -> Self {
        SequenceSet::default()
    }

    pub(crate) fn from_ranges(ranges: Vec<SeqRange>) -> Self {
        SequenceSet {
            ranges,
            saved: false,
            text: None,
        }
    }

    /// `$`: the result saved by the last `SEARCH RETURN (SAVE)` (RFC 5182, SEARCHRES).
    pub fn saved() -> Self {
        SequenceSet {
            ranges: Vec::new(),
            saved: true,
            text: None,
        }
    }

    /// `*`: the last message (the largest number or UID in use).
    pub fn last() -> Self {
        Self::from_ranges(vec![SeqRange {
            start: u32::MAX,
            end: u32::MAX,
        }])
    }

    /// `1:*`: every message.
    pub fn all() -> Self {
        Self::from_ranges(vec![SeqRange {
            start: 1,
            end: u32::MAX,
        }])
    }

    /// True for `$` ([`SequenceSet::saved`]).
    pub fn is_saved(&self) -> bool {
        self.saved
    }

    /// The ranges (none for `$`).
    pub fn ranges(&self) -> &[SeqRange] {
        &self.ranges
    }

    /// True if no range (and not `$`).
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty() && !self.saved
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

    /// Appends a number, merging it into the last range when consecutive. (A `$` set
    /// becomes a plain set.)
    pub fn push(&mut self, n: u32) {
        self.text = None;
        self.saved = false;
        if let Some(last) = self.ranges.last_mut() {
            if last.end.checked_add(1) == Some(n) {
                last.end = n;
                return;
            }
        }
        self.ranges.push(SeqRange { start: n, end: n });
    }

    /// Appends a range (`u32::MAX` for `*`). (A `$` set becomes a plain set.)
    pub fn push_range(&mut self, a: u32, b: u32) {
        self.text = None;
        self.saved = false;
        self.ranges.push(SeqRange {
            start: a.min(b),
            end: a.max(b),
        });
    }

    /// Validates and reads a textual sequence set, as commands take it: comma-separated
    /// numbers (1 to 4294967295, no leading zero), `*`, and ranges of those; or `$`
    /// (SEARCHRES). (Sets in server responses are read by the typed views, which tolerate
    /// more.)
    pub fn parse(text: &[u8]) -> Result<Self> {
        let mut s = Self::parse_verbatim(text)?;
        s.text = None;
        Ok(s)
    }

    /// [`SequenceSet::parse`], keeping the text to send it byte for byte.
    pub(crate) fn parse_verbatim(text: &[u8]) -> Result<Self> {
        fn number(s: &[u8]) -> Option<u32> {
            if s == b"*" {
                return Some(u32::MAX);
            }
            if s.first() == Some(&b'0') {
                return None;
            }
            crate::grammar::parse_u32(s).filter(|&n| n != 0)
        }
        let refuse = || {
            arg_error(
                "the sequence set",
                ArgumentProblem::NotSequenceSet,
                format!(
                    "not a valid sequence set: {}",
                    crate::trace::bytes_repr(text)
                ),
            )
        };
        if text == b"$" {
            let mut s = SequenceSet::saved();
            s.text = Some(text.into());
            return Ok(s);
        }
        if text.is_empty() {
            return Err(refuse());
        }
        let mut ranges = Vec::new();
        for item in text.split(|&b| b == b',') {
            let mut ends = item.splitn(2, |&b| b == b':');
            let a = number(ends.next().unwrap_or_default()).ok_or_else(refuse)?;
            let b = match ends.next() {
                Some(b) => number(b).ok_or_else(refuse)?,
                None => a,
            };
            ranges.push(SeqRange {
                start: a.min(b),
                end: a.max(b),
            });
        }
        Ok(SequenceSet {
            ranges,
            saved: false,
            text: Some(text.into()),
        })
    }

    /// Checks that the set can be sent: `$`, or at least one range and no 0.
    pub(crate) fn check(&self) -> Result<()> {
        if self.saved {
            return Ok(());
        }
        if self.ranges.is_empty() {
            return Err(arg_error(
                "the sequence set",
                ArgumentProblem::NotSequenceSet,
                "an empty sequence set cannot be sent",
            ));
        }
        if self.ranges.iter().any(|r| r.start == 0) {
            return Err(arg_error(
                "the sequence set",
                ArgumentProblem::NotSequenceSet,
                format!("0 is not a message number or UID: {self}"),
            ));
        }
        Ok(())
    }

    /// The wire form: the text a command was given, or the canonical form (`a` or `a:b`,
    /// comma-separated, `*` for `u32::MAX`), or `$`.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }

    /// The same numbers as ascending, disjoint, non-adjacent ranges (`5,1:3,2:4` →
    /// `1:5`). Ranges are merged, never expanded: the work is in the number of ranges.
    /// `*` counts as `u32::MAX`; `$` has no ranges, so it gives an empty set.
    ///
    /// The set operations below work on numbers (UIDs, usually: a UID set from VANISHED
    /// taken from the UIDs one knows) and give normalized sets.
    ///
    /// ```
    /// use imaplib_proto::SequenceSet;
    /// let set = SequenceSet::parse(b"7,1:3,2:5,9")?;
    /// assert_eq!(set.normalized().to_string(), "1:5,7,9");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn normalized(&self) -> SequenceSet {
        let mut ranges = self.ranges.clone();
        ranges.sort_unstable_by_key(|r| (r.start, r.end));
        let mut out: Vec<SeqRange> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match out.last_mut() {
                Some(last) if r.start <= last.end.saturating_add(1) => {
                    last.end = last.end.max(r.end);
                }
                _ => out.push(r),
            }
        }
        Self::from_ranges(out)
    }

    /// The numbers in either set, normalized.
    ///
    /// ```
    /// use imaplib_proto::SequenceSet;
    /// let a = SequenceSet::parse(b"1:3,10")?;
    /// assert_eq!(a.union(&SequenceSet::parse(b"4,8:9")?).to_string(), "1:4,8:10");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn union(&self, other: &SequenceSet) -> SequenceSet {
        let mut all = Self::from_ranges(self.ranges.clone());
        all.ranges.extend_from_slice(&other.ranges);
        all.normalized()
    }

    /// The numbers of this set that are not in `other`, normalized. A range of `other`
    /// cuts a range of this set in at most two; nothing is expanded, so
    /// `1:4294967295` minus `7` is two ranges.
    ///
    /// ```
    /// use imaplib_proto::SequenceSet;
    /// let known = SequenceSet::parse(b"1:10,20:30")?;
    /// let vanished = SequenceSet::parse(b"3,5:6,25:40")?;
    /// assert_eq!(known.difference(&vanished).to_string(), "1:2,4,7:10,20:24");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn difference(&self, other: &SequenceSet) -> SequenceSet {
        let a = self.normalized();
        let b = other.normalized();
        let mut out = Vec::new();
        let mut j = 0;
        for r in &a.ranges {
            while j < b.ranges.len() && b.ranges[j].end < r.start {
                j += 1;
            }
            let mut start = r.start;
            let mut open = true;
            for cut in b.ranges[j..].iter().take_while(|c| c.start <= r.end) {
                if cut.start > start {
                    out.push(SeqRange {
                        start,
                        end: cut.start - 1,
                    });
                }
                if cut.end >= r.end {
                    open = false;
                    break;
                }
                start = cut.end + 1;
            }
            if open {
                out.push(SeqRange { start, end: r.end });
            }
        }
        Self::from_ranges(out)
    }

    /// The numbers in both sets, normalized.
    ///
    /// ```
    /// use imaplib_proto::SequenceSet;
    /// let reported = SequenceSet::parse(b"1:100")?;
    /// assert_eq!(reported.intersection(&SequenceSet::parse(b"50,99:200")?).to_string(), "50,99:100");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn intersection(&self, other: &SequenceSet) -> SequenceSet {
        let a = self.normalized();
        let b = other.normalized();
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < a.ranges.len() && j < b.ranges.len() {
            let (x, y) = (a.ranges[i], b.ranges[j]);
            let start = x.start.max(y.start);
            let end = x.end.min(y.end);
            if start <= end {
                out.push(SeqRange { start, end });
            }
            if x.end < y.end {
                i += 1;
            } else {
                j += 1;
            }
        }
        Self::from_ranges(out)
    }
}

impl fmt::Display for SequenceSet {
    /// The wire form ([`SequenceSet::to_bytes`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(text) = &self.text {
            return f.write_str(&String::from_utf8_lossy(text));
        }
        if self.saved {
            return f.write_str("$");
        }
        let num = |f: &mut fmt::Formatter<'_>, n: u32| {
            if n == u32::MAX {
                f.write_str("*")
            } else {
                write!(f, "{n}")
            }
        };
        for (i, r) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            num(f, r.start)?;
            if r.start != r.end {
                f.write_str(":")?;
                num(f, r.end)?;
            }
        }
        Ok(())
    }
}

impl FromIterator<u32> for SequenceSet {
    /// Collects numbers in order, merging consecutive ones (`1 2 3 7` → `1:3,7`).
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
        let mut s = SequenceSet::new();
        s.extend(iter);
        s
    }
}

impl Extend<u32> for SequenceSet {
    fn extend<I: IntoIterator<Item = u32>>(&mut self, iter: I) {
        for n in iter {
            self.push(n);
        }
    }
}

impl From<u32> for SequenceSet {
    /// One number (`u32::MAX` is `*`).
    fn from(n: u32) -> Self {
        Self::from_ranges(vec![SeqRange { start: n, end: n }])
    }
}

impl From<std::ops::RangeInclusive<u32>> for SequenceSet {
    /// `a:b`.
    fn from(r: std::ops::RangeInclusive<u32>) -> Self {
        let mut s = SequenceSet::new();
        s.push_range(*r.start(), *r.end());
        s
    }
}

impl From<std::ops::RangeFrom<u32>> for SequenceSet {
    /// `a:*`.
    fn from(r: std::ops::RangeFrom<u32>) -> Self {
        let mut s = SequenceSet::new();
        s.push_range(r.start, u32::MAX);
        s
    }
}

/// Anything a command takes as a sequence or UID set: a [`SequenceSet`] (a SEARCH result,
/// by value or by reference), text (`"1:4,7"`, `"$"`), a number, a range, or a list of
/// numbers (imaplib's newest `_sequence_set`).
///
/// ```
/// use imaplib_proto::{IntoSequenceSet, SequenceSet};
/// assert_eq!("1:4,7".into_sequence_set()?.to_string(), "1:4,7");
/// assert_eq!((5u32..).into_sequence_set()?.to_string(), "5:*");
/// assert!("1 2".into_sequence_set().is_err());
/// assert!(SequenceSet::new().into_sequence_set().is_err()); // nothing to send
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
pub trait IntoSequenceSet {
    /// Converts, validating: text must be a sequence set, a set must not be empty or hold 0.
    fn into_sequence_set(self) -> Result<SequenceSet>;

    /// True for an empty [`SequenceSet`] (a SEARCH that found nothing), which cannot be
    /// sent: the typed face answers its FETCH, STORE, COPY, MOVE, UID EXPUNGE with an empty
    /// result without asking the server. Text is never empty here (it is refused).
    fn is_empty_set(&self) -> bool {
        false
    }
}

impl IntoSequenceSet for SequenceSet {
    fn into_sequence_set(self) -> Result<SequenceSet> {
        self.check()?;
        Ok(self)
    }

    fn is_empty_set(&self) -> bool {
        self.is_empty()
    }
}

impl IntoSequenceSet for &SequenceSet {
    fn into_sequence_set(self) -> Result<SequenceSet> {
        self.check()?;
        Ok(self.clone())
    }

    fn is_empty_set(&self) -> bool {
        self.is_empty()
    }
}

impl IntoSequenceSet for &str {
    fn into_sequence_set(self) -> Result<SequenceSet> {
        SequenceSet::parse_verbatim(self.as_bytes())
    }
}

impl IntoSequenceSet for &String {
    fn into_sequence_set(self) -> Result<SequenceSet> {
        SequenceSet::parse_verbatim(self.as_bytes())
    }
}

impl IntoSequenceSet for &[u8] {
    fn into_sequence_set(self) -> Result<SequenceSet> {
        SequenceSet::parse_verbatim(self)
    }
}

impl<const N: usize> IntoSequenceSet for &[u8; N] {
    fn into_sequence_set(self) -> Result<SequenceSet> {
        SequenceSet::parse_verbatim(self)
    }
}

impl IntoSequenceSet for u32 {
    fn into_sequence_set(self) -> Result<SequenceSet> {
        SequenceSet::parse_verbatim(self.to_string().as_bytes())
    }
}

impl IntoSequenceSet for std::ops::RangeInclusive<u32> {
    fn into_sequence_set(self) -> Result<SequenceSet> {
        SequenceSet::parse_verbatim(format!("{}:{}", self.start(), self.end()).as_bytes())
    }

    /// `1..=0` is empty, as in Rust (the newest ten of an empty mailbox).
    fn is_empty_set(&self) -> bool {
        self.is_empty()
    }
}

impl IntoSequenceSet for std::ops::RangeFrom<u32> {
    fn into_sequence_set(self) -> Result<SequenceSet> {
        SequenceSet::parse_verbatim(format!("{}:*", self.start).as_bytes())
    }
}

impl IntoSequenceSet for &[u32] {
    fn into_sequence_set(self) -> Result<SequenceSet> {
        let text: Vec<String> = self.iter().map(u32::to_string).collect();
        SequenceSet::parse_verbatim(text.join(",").as_bytes())
    }

    fn is_empty_set(&self) -> bool {
        self.is_empty()
    }
}

impl IntoSequenceSet for &Vec<u32> {
    fn into_sequence_set(self) -> Result<SequenceSet> {
        self.as_slice().into_sequence_set()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_kept_and_ranges_are_read() {
        for ok in [
            "1",
            "2:4",
            "1,3:*",
            "*",
            "4827313:4828442",
            "$",
            "*:4",
            "4:2",
        ] {
            let s = ok.into_sequence_set().unwrap();
            assert_eq!(s.to_string(), ok);
        }
        let s = SequenceSet::parse(b"4:2,*").unwrap();
        assert_eq!(s.to_string(), "2:4,*");
        assert_eq!(
            s.ranges(),
            [
                SeqRange { start: 2, end: 4 },
                SeqRange {
                    start: u32::MAX,
                    end: u32::MAX
                }
            ]
        );
        let built: SequenceSet = [2, 3, 4, u32::MAX].into_iter().collect();
        assert_eq!(built.to_string(), "2:4,*");
        assert_eq!(s, built); // same ranges, different spelling
        assert_eq!(
            "4294967295".into_sequence_set().unwrap().to_string(),
            "4294967295"
        );
    }

    #[test]
    fn invalid_text_is_refused() {
        for bad in [
            "",
            "0",
            "01",
            "1 2",
            "1,,2",
            "1:",
            ":2",
            "a",
            "1:2:3",
            "1\r\n",
            "4294967296",
            "$,1",
            "1:0",
            "$$",
        ] {
            assert!(bad.into_sequence_set().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn built_sets_are_checked_when_used() {
        assert!(SequenceSet::new().into_sequence_set().is_err());
        assert!(SequenceSet::from(0).into_sequence_set().is_err());
        assert!(SequenceSet::saved().into_sequence_set().is_ok());
        assert_eq!(SequenceSet::all().to_string(), "1:*");
        assert_eq!(SequenceSet::last().to_string(), "*");
        assert_eq!(SequenceSet::from(1..=3).to_string(), "1:3");
        assert_eq!(SequenceSet::from(7..).to_string(), "7:*");
        let mut s = SequenceSet::saved();
        s.push(5);
        assert_eq!(s.to_string(), "5");
        let mut p = "9:8".into_sequence_set().unwrap();
        p.push(10);
        assert_eq!(p.to_string(), "8:10");
    }

    #[test]
    fn the_old_conversions_keep_their_bytes() {
        assert_eq!(5u32.into_sequence_set().unwrap().to_bytes(), b"5");
        assert_eq!((1u32..=3).into_sequence_set().unwrap().to_bytes(), b"1:3");
        assert_eq!((3u32..=3).into_sequence_set().unwrap().to_bytes(), b"3:3");
        assert_eq!((5u32..).into_sequence_set().unwrap().to_bytes(), b"5:*");
        let list: &[u32] = &[1, 2, 3];
        assert_eq!(list.into_sequence_set().unwrap().to_bytes(), b"1,2,3");
    }
}
