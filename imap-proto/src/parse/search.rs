//! SEARCH, ESEARCH, SORT, THREAD and VANISHED: number lists kept compact.

use super::cursor::Cursor;
use super::error::ParseResult;
use super::quirk::Quirk;
use super::seqset::{SeqSet, SeqSetBuilder};
use super::token::{Raw, Str};

/// Deepest THREAD nesting parsed (the parser is iterative; this bounds the tree's depth).
pub const MAX_THREAD_DEPTH: usize = 1024;

/// A SEARCH response: the numbers as ranges of consecutive values, never one entry per
/// number of a range (`1 2 3 … 1000000` is one range).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// The numbers, in the order sent, consecutive runs merged.
    pub ids: SeqSet,
    /// `(MODSEQ n)` (RFC 7162), if present.
    pub modseq: Option<u64>,
}

impl Search {
    /// Writes the canonical data after `SEARCH`: numbers separated by SP, then the MODSEQ.
    /// (This expands the runs: it writes what the server sent.)
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let mut first = true;
        for n in self.ids.iter() {
            if !first {
                out.push(b' ');
            }
            first = false;
            out.extend_from_slice(n.to_string().as_bytes());
        }
        if let Some(m) = self.modseq {
            if !first {
                out.push(b' ');
            }
            out.extend_from_slice(format!("(MODSEQ {m})").as_bytes());
        }
    }
}

/// A SORT response: numbers in the server's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sort {
    /// The numbers, in order.
    pub ids: Vec<u32>,
    /// `(MODSEQ n)`, if present.
    pub modseq: Option<u64>,
}

/// An ESEARCH response (RFC 4731 / 9051).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Esearch<'a> {
    /// The command tag it answers (`(TAG "A1")`).
    pub tag: Option<Str<'a>>,
    /// True if the numbers are UIDs.
    pub uid: bool,
    /// MIN
    pub min: Option<u32>,
    /// MAX
    pub max: Option<u32>,
    /// COUNT
    pub count: Option<u32>,
    /// ALL, as ranges (never expanded).
    pub all: Option<SeqSet>,
    /// MODSEQ
    pub modseq: Option<u64>,
    /// `PARTIAL (first:last set)` (RFC 5267, CONTEXT=SEARCH): one page of the matches.
    pub partial: Option<PartialResult>,
    /// `ADDTO (position set …)` (RFC 5267): a live search's additions, in order.
    pub addto: Vec<ContextChange>,
    /// `REMOVEFROM (position set …)` (RFC 5267): a live search's removals, in order.
    pub removefrom: Vec<ContextChange>,
    /// Other return data, verbatim.
    pub other: Vec<(&'a [u8], Raw<'a>)>,
}

/// ESEARCH's `PARTIAL (first:last set)` (RFC 5267 §4.4): the matches at positions
/// `first` to `last` of the whole result, as ranges (never expanded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialResult {
    /// The first position asked for (1-based), as the server echoes it.
    pub first: u32,
    /// The last position asked for.
    pub last: u32,
    /// The matches in that window; `None` for `NIL` (no match there).
    pub set: Option<SeqSet>,
}

/// One `position set` pair of an ESEARCH `ADDTO` or `REMOVEFROM` update (RFC 5267 §4.3):
/// the numbers added to (removed from) a live search's result. `position` is where they
/// go in a sorted result (CONTEXT=SORT); 0 means "not given" (Dovecot's, for SEARCH).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextChange {
    /// The context position (0 when unspecified).
    pub position: u32,
    /// The numbers, as ranges.
    pub set: SeqSet,
}

/// A VANISHED response (RFC 7162).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vanished {
    /// True for `VANISHED (EARLIER)`.
    pub earlier: bool,
    /// The expunged UIDs.
    pub uids: SeqSet,
}

/// A THREAD response as a flat tree (an arena: no recursion to build or drop it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Threads {
    nodes: Vec<ThreadNode>,
    roots: Vec<usize>,
}

/// One node of [`Threads`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadNode {
    /// The message number; `None` for a missing parent (`((3)(5))`).
    pub id: Option<u32>,
    /// The parent node's index.
    pub parent: Option<usize>,
    first_child: Option<usize>,
    last_child: Option<usize>,
    next_sibling: Option<usize>,
}

impl Threads {
    /// All nodes; indices are those used by [`roots`](Self::roots) and
    /// [`children`](Self::children).
    pub fn nodes(&self) -> &[ThreadNode] {
        &self.nodes
    }

    /// The top-level threads' root nodes, in order.
    pub fn roots(&self) -> &[usize] {
        &self.roots
    }

    /// The children of node `i`, in order.
    pub fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let mut next = self.nodes.get(i).and_then(|n| n.first_child);
        std::iter::from_fn(move || {
            let c = next?;
            next = self.nodes[c].next_sibling;
            Some(c)
        })
    }

    fn add(&mut self, id: Option<u32>, parent: Option<usize>) -> usize {
        let i = self.nodes.len();
        self.nodes.push(ThreadNode {
            id,
            parent,
            first_child: None,
            last_child: None,
            next_sibling: None,
        });
        match parent {
            None => self.roots.push(i),
            Some(p) => {
                match self.nodes[p].last_child {
                    None => self.nodes[p].first_child = Some(i),
                    Some(l) => self.nodes[l].next_sibling = Some(i),
                }
                self.nodes[p].last_child = Some(i);
            }
        }
        i
    }

    /// Writes the canonical THREAD data, e.g. `(2)(3 6 (4 23)(44 7 96))`. Iterative.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        enum Act {
            Open,
            Close,
            Node(usize),
        }
        for &r in &self.roots {
            let mut stack = vec![Act::Close, Act::Node(r), Act::Open];
            while let Some(act) = stack.pop() {
                let n = match act {
                    Act::Open => {
                        out.push(b'(');
                        continue;
                    }
                    Act::Close => {
                        out.push(b')');
                        continue;
                    }
                    Act::Node(n) => n,
                };
                let node = &self.nodes[n];
                if let Some(id) = node.id {
                    if out.last().is_some_and(|&b| b != b'(') {
                        out.push(b' ');
                    }
                    out.extend_from_slice(id.to_string().as_bytes());
                }
                let kids: Vec<usize> = self.children(n).collect();
                // A lone child continues the chain (`3 6 4`), unless it is a missing parent,
                // which needs parentheses of its own to stay one node.
                if kids.len() == 1 && node.id.is_some() && self.nodes[kids[0]].id.is_some() {
                    stack.push(Act::Node(kids[0]));
                    continue;
                }
                if !kids.is_empty() && node.id.is_some() {
                    out.push(b' ');
                }
                for &k in kids.iter().rev() {
                    stack.push(Act::Close);
                    stack.push(Act::Node(k));
                    stack.push(Act::Open);
                }
            }
        }
    }
}

/// Reads the decimal digits at the start of `chunk` (8 bytes) without a branch per byte:
/// returns their value and count (0 to 8; the value is meaningful for 1 to 8).
#[inline]
fn eight_digits(chunk: &[u8]) -> (u64, usize) {
    let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
    // A byte is a digit iff its high nibble is 3 and its low nibble, plus 6, does not carry
    // into the high nibble. Carries only move towards later bytes, so every byte before the
    // first non-digit is judged correctly.
    let hi = (x & 0xF0F0_F0F0_F0F0_F0F0) ^ 0x3030_3030_3030_3030;
    let lo =
        (x.wrapping_add(0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) ^ 0x3030_3030_3030_3030;
    let mut bad = hi | lo;
    bad |= bad >> 4;
    bad |= bad >> 2;
    bad |= bad >> 1;
    let len = ((bad & 0x0101_0101_0101_0101).trailing_zeros() / 8) as usize;
    if len == 0 {
        return (0, 0);
    }
    (digits_value(x, len), len)
}

/// The value of the `len` (1 to 8) decimal digits in the low bytes of `x`, the first digit
/// in the lowest byte.
#[inline]
fn digits_value(x: u64, len: usize) -> u64 {
    // Shifting left by the missing bytes drops the bytes after the number and puts zeros
    // (leading zero digits) in front.
    let mut v = x.wrapping_sub(0x3030_3030_3030_3030) << (8 * (8 - len));
    v = (v & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(2561) >> 8;
    v = (v & 0x00FF_00FF_00FF_00FF).wrapping_mul(6_553_601) >> 16;
    (v & 0x0000_FFFF_0000_FFFF).wrapping_mul(42_949_672_960_001) >> 32
}

/// Classifies the eight bytes of `x` (the first byte in the lowest): the spaces, flagged by
/// the high bit of their byte, and whether every byte is a space or a digit. Exact for every
/// byte: no sum carries from one byte into the next.
#[inline]
fn word_spaces(x: u64) -> (u64, bool) {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let y = x ^ 0x2020_2020_2020_2020;
    // A byte of y is zero (the byte was a space) iff neither its low seven bits plus 0x7F
    // nor itself has the high bit set.
    let spaces = !(((y & LOW7) + LOW7) | y) & HIGH;
    // A byte of d is below 10 (the byte was a digit) iff neither its low seven bits plus
    // 0x76 (= 0x80 - 10) nor itself has the high bit set.
    let d = x ^ 0x3030_3030_3030_3030;
    let non_digits = (((d & LOW7) + 0x7676_7676_7676_7676) | d) & HIGH;
    (spaces, non_digits & !spaces == 0)
}

/// The bulk of a long SEARCH line: ids of 1 to 7 digits, each followed by one space, read
/// eight bytes at a time. The spaces of each word are located first, so that every id is
/// read on its own (no id's start waits for the previous id's digits to be counted). Stops
/// at anything else — a longer or zero id, `(`, any other byte, the last 16 bytes — and
/// returns where the byte-exact loop resumes: always the start of an id.
fn bulk_ids(s: &[u8], ids: &mut SeqSetBuilder) -> usize {
    let (mut word, mut id) = (0, 0);
    // An id starts at most seven bytes into the current word and is read as eight bytes.
    while let Some(bytes) = s.get(word..word + 16) {
        let Some(here) = bytes.first_chunk::<8>() else {
            break;
        };
        let (mut spaces, clean) = word_spaces(u64::from_le_bytes(*here));
        if !clean {
            break;
        }
        while spaces != 0 {
            let space = word + spaces.trailing_zeros() as usize / 8;
            let len = space - id;
            let Some(digits) = s.get(id..id + 8).and_then(<[u8]>::first_chunk::<8>) else {
                return id;
            };
            if len == 0 || len > 7 {
                return id;
            }
            let v = digits_value(u64::from_le_bytes(*digits), len);
            if v == 0 {
                return id;
            }
            ids.push(v as u32);
            id = space + 1;
            spaces &= spaces - 1;
        }
        word += 8;
        if word - id > 8 {
            break;
        }
    }
    id
}

impl<'a> Cursor<'a> {
    /// SEARCH data: `*(nz-number SP) [(MODSEQ n)]`, tolerant of one trailing space.
    pub(crate) fn search_data(&mut self) -> ParseResult<Search> {
        let s = self.rest;
        let n = s.len();
        let mut ids = SeqSetBuilder::for_text(n);
        let mut i = bulk_ids(s, &mut ids);
        while i < n {
            // Fast path, eight bytes at a time: an id of 1 to 7 digits whose next byte (inside
            // the same eight) is a space takes one step, with no bound or range check left to
            // do (it is below 10 000 000).
            if let Some(chunk) = s.get(i..i + 8) {
                let (v, len) = eight_digits(chunk);
                if len > 0 && len < 8 && v != 0 && chunk[len] == b' ' {
                    ids.push(v as u32);
                    i += len + 1;
                    if i == n {
                        self.quirk(Quirk::TrailingSpaceSearch);
                    }
                    continue;
                }
            }
            if s[i] == b'(' {
                self.advance(i);
                let modseq = Some(self.modseq_suffix()?);
                self.trailing_space(Quirk::TrailingSpaceSearch);
                return Ok(Search {
                    ids: ids.finish(),
                    modseq,
                });
            }
            let start = i;
            let mut v: u64 = 0;
            while i < n {
                let d = s[i].wrapping_sub(b'0');
                if d > 9 {
                    break;
                }
                v = v * 10 + u64::from(d);
                i += 1;
                if i - start > 10 {
                    break;
                }
            }
            if i == start || i - start > 10 || v == 0 || v > u64::from(u32::MAX) {
                self.advance(start);
                return self.fail("a non-zero 32-bit number");
            }
            ids.push(v as u32);
            if i == n {
                break;
            }
            if s[i] != b' ' {
                self.advance(i);
                return self.fail("SP");
            }
            i += 1;
            if i == n {
                self.quirk(Quirk::TrailingSpaceSearch);
            }
        }
        self.advance(n);
        Ok(Search {
            ids: ids.finish(),
            modseq: None,
        })
    }

    /// `(MODSEQ n)`
    fn modseq_suffix(&mut self) -> ParseResult<u64> {
        self.expect(b'(', "'('")?;
        if !self.keyword(b"MODSEQ") {
            return self.fail("MODSEQ");
        }
        self.sp()?;
        let n = self.number64()?;
        self.close()?;
        Ok(n)
    }

    /// SORT data: numbers in order, then an optional `(MODSEQ n)`.
    pub(crate) fn sort_data(&mut self) -> ParseResult<Sort> {
        let mut sort = Sort::default();
        while !self.rest.is_empty() {
            if self.peek() == Some(b'(') {
                sort.modseq = Some(self.modseq_suffix()?);
                break;
            }
            sort.ids.push(self.nz_number(None)?);
            if self.rest.is_empty() {
                break;
            }
            self.sp()?;
            if self.rest.is_empty() {
                self.quirk(Quirk::TrailingSpaceSearch);
            }
        }
        Ok(sort)
    }

    /// ESEARCH data after `ESEARCH SP` (or nothing).
    pub(crate) fn esearch_data(&mut self) -> ParseResult<Esearch<'a>> {
        let mut e = Esearch::default();
        let mut first = true;
        loop {
            if self.rest.is_empty() {
                return Ok(e);
            }
            if !first {
                self.sp()?;
            }
            if first && self.peek() == Some(b'(') {
                self.advance(1);
                if !self.keyword(b"TAG") {
                    return self.fail("TAG");
                }
                self.sp()?;
                e.tag = Some(self.string(false)?);
                self.close()?;
                first = false;
                continue;
            }
            first = false;
            let name = self.atom()?;
            if name.eq_ignore_ascii_case(b"UID") {
                e.uid = true;
                continue;
            }
            self.sp()?;
            let upper = name.to_ascii_uppercase();
            match upper.as_slice() {
                b"MIN" => e.min = Some(self.nz_number(None)?),
                b"MAX" => e.max = Some(self.nz_number(None)?),
                b"COUNT" => e.count = Some(self.number()?),
                b"ALL" => e.all = Some(self.seq_set()?),
                b"MODSEQ" => e.modseq = Some(self.number64()?),
                b"PARTIAL" => e.partial = Some(self.partial_data()?),
                b"ADDTO" => e.addto.extend(self.context_changes()?),
                b"REMOVEFROM" => e.removefrom.extend(self.context_changes()?),
                _ => e.other.push((name, self.raw_value()?)),
            }
        }
    }

    /// `(first:last set)` or `(first:last NIL)` after `PARTIAL SP`.
    fn partial_data(&mut self) -> ParseResult<PartialResult> {
        self.expect(b'(', "'('")?;
        let first = self.nz_number(None)?;
        self.expect(b':', "':'")?;
        let last = self.nz_number(None)?;
        self.sp()?;
        let set = if self.keyword(b"NIL") {
            None
        } else {
            Some(self.seq_set()?)
        };
        self.close()?;
        Ok(PartialResult { first, last, set })
    }

    /// `(position set *(SP position set))` after `ADDTO SP` / `REMOVEFROM SP`.
    fn context_changes(&mut self) -> ParseResult<Vec<ContextChange>> {
        self.expect(b'(', "'('")?;
        let mut out = Vec::new();
        loop {
            let position = self.number()?;
            self.sp()?;
            let set = self.seq_set()?;
            out.push(ContextChange { position, set });
            if self.peek() == Some(b')') {
                break;
            }
            self.sp()?;
        }
        self.close()?;
        Ok(out)
    }

    /// VANISHED data: `[(EARLIER) SP] known-uids`.
    pub(crate) fn vanished_data(&mut self) -> ParseResult<Vanished> {
        let mut earlier = false;
        if self.eat(b'(') {
            if !self.keyword(b"EARLIER") {
                return self.fail("EARLIER");
            }
            self.close()?;
            self.sp()?;
            earlier = true;
        }
        Ok(Vanished {
            earlier,
            uids: self.seq_set()?,
        })
    }

    /// THREAD data: `*thread-list`, built iteratively.
    pub(crate) fn thread_data(&mut self) -> ParseResult<Threads> {
        struct Frame {
            /// Where the next number or nested list attaches.
            attach: Option<usize>,
            /// True once the list has content.
            started: bool,
        }
        let mut t = Threads::default();
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            match self.peek() {
                None => break,
                Some(b'(') => {
                    if stack.len() >= MAX_THREAD_DEPTH {
                        return self.fail("THREAD nesting within the limit");
                    }
                    self.advance(1);
                    let attach = match stack.last_mut() {
                        None => None,
                        Some(f) => {
                            if !f.started {
                                // A list that starts with nested lists: a missing parent.
                                let parent = f.attach;
                                f.attach = Some(t.add(None, parent));
                                f.started = true;
                            }
                            f.attach
                        }
                    };
                    stack.push(Frame {
                        attach,
                        started: false,
                    });
                }
                Some(b')') => {
                    let Some(f) = stack.pop() else {
                        return self.fail("'('");
                    };
                    if !f.started {
                        return self.fail("a thread member");
                    }
                    self.advance(1);
                }
                Some(b' ') if !stack.is_empty() => self.advance(1),
                Some(b'0'..=b'9') if !stack.is_empty() => {
                    let n = self.nz_number(None)?;
                    let Some(f) = stack.last_mut() else {
                        return self.fail("'('");
                    };
                    f.attach = Some(t.add(Some(n), f.attach));
                    f.started = true;
                }
                Some(b' ') if self.rest == b" " => {
                    self.quirk(Quirk::TrailingSpaceSearch);
                    self.advance(1);
                }
                Some(_) => return self.fail("'(' or a number"),
            }
        }
        if !stack.is_empty() {
            return self.fail("')'");
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::word_spaces;

    /// The word classifier against the byte-by-byte definition, for every pair of byte
    /// values at two neighbouring positions (where a carry would show), the rest digits.
    #[test]
    fn word_spaces_is_exact_for_every_byte() {
        for at in 0..7 {
            for a in 0..=255u8 {
                for b in 0..=255u8 {
                    let mut bytes = *b"12345678";
                    bytes[at] = a;
                    bytes[at + 1] = b;
                    let (spaces, clean) = word_spaces(u64::from_le_bytes(bytes));
                    let want: u64 = bytes
                        .iter()
                        .enumerate()
                        .map(|(j, &c)| u64::from(c == b' ') << (8 * j + 7))
                        .sum();
                    assert_eq!(spaces, want, "{bytes:?}");
                    let want_clean = bytes.iter().all(|&c| c == b' ' || c.is_ascii_digit());
                    assert_eq!(clean, want_clean, "{bytes:?}");
                }
            }
        }
    }
}
