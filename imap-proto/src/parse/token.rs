//! The token grammar inside a text segment (nom), and the borrowed token types: [`Str`],
//! [`Flag`], [`Raw`], [`Value`].

use std::borrow::Cow;
use std::fmt;

use nom::bytes::complete::take_while1;
use nom::character::complete::digit1;

use super::cursor::{Cursor, Part, Segments};
use super::error::ParseResult;
use super::quirk::Quirk;
use crate::grammar::{self, is_astring_char, is_atom_char};

/// nom's result with a unit error: the cursor builds the real error from its position.
pub(crate) type R<'a, T> = nom::IResult<&'a [u8], T, ()>;

/// Deepest nesting of parenthesised values (bodies, body extensions, unknown values) that
/// is parsed; deeper input is an error, never a stack overflow.
pub const MAX_NESTING: usize = 64;

pub(crate) fn atom(i: &[u8]) -> R<'_, &[u8]> {
    // Letters are atom characters: skip them a word at a time, then go on byte by byte.
    let k = grammar::letters(i);
    let n = k + i[k..].iter().take_while(|&&b| is_atom_char(b)).count();
    if n == 0 {
        return Err(nom::Err::Error(()));
    }
    Ok((&i[n..], &i[..n]))
}

pub(crate) fn astring_atom(i: &[u8]) -> R<'_, &[u8]> {
    take_while1(is_astring_char)(i)
}

/// A run of decimal digits as u64 (overflow is an error).
pub(crate) fn number64(i: &[u8]) -> R<'_, u64> {
    let (rest, d) = digit1(i)?;
    let n = grammar::parse_u64(d).ok_or(nom::Err::Error(()))?;
    Ok((rest, n))
}

/// A number that fits in 32 bits.
pub(crate) fn number(i: &[u8]) -> R<'_, u32> {
    let (rest, n) = number64(i)?;
    let n = u32::try_from(n).map_err(|_| nom::Err::Error(()))?;
    Ok((rest, n))
}

/// The first `"` or `\\` in `hay`, and whether a byte before it is not ASCII. Quoted strings
/// in responses are short (names, addresses, subjects), where a call to `memchr2` costs more
/// than it saves: the first 64 bytes are scanned eight at a time in a register (SWAR), a
/// tail of fewer than eight bytes with one more word that ends where `hay` ends, the rest, if
/// any, with `memchr2`.
#[inline(always)]
fn find_quote_or_backslash(hay: &[u8]) -> Option<(usize, bool)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of the first byte of `x` that is `"` or `\`, if any: a byte of `q` (or
    // `b`) is zero where `x` holds the byte looked for, and `(y - 1) & !y` sets the high bit
    // of the first such byte exactly (a borrow only reaches bytes after it).
    let first = |x: u64| {
        let q = x ^ (ONES * u64::from(b'"'));
        let b = x ^ (ONES * u64::from(b'\\'));
        ((q.wrapping_sub(ONES) & !q) | (b.wrapping_sub(ONES) & !b)) & HIGH
    };
    // The high bits of the bytes of `x` before the one `hit` marks.
    let before = |x: u64, hit: u64| x & HIGH & (hit - 1);
    let mut high = 0u64;
    let mut i = 0;
    while i < 64 {
        let Some(word) = hay.get(i..i + 8).and_then(<[u8]>::first_chunk::<8>) else {
            let n = hay.len() - i;
            if n == 0 {
                return None;
            }
            let Some(last) = hay.last_chunk::<8>() else {
                // All of `hay` is shorter than a word: one byte at a time.
                let at = hay.iter().position(|&b| b == b'"' || b == b'\\')?;
                return Some((at, !hay[..at].is_ascii()));
            };
            // The last eight bytes, shifted so that the `8 - n` already scanned drop out (the
            // zero bytes shifted in match nothing and are ASCII).
            let x = u64::from_le_bytes(*last) >> (8 * (8 - n));
            let hit = first(x);
            if hit == 0 {
                return None;
            }
            let at = i + hit.trailing_zeros() as usize / 8;
            return Some((at, high | before(x, hit) != 0));
        };
        let x = u64::from_le_bytes(*word);
        let hit = first(x);
        if hit != 0 {
            let at = i + hit.trailing_zeros() as usize / 8;
            return Some((at, high | before(x, hit) != 0));
        }
        high |= x & HIGH;
        i += 8;
    }
    let at = i + memchr::memchr2(b'"', b'\\', &hay[i..])?;
    Some((at, high != 0 || !hay[i..at].is_ascii()))
}

/// How a string was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StrForm {
    /// An atom (in an `astring` position).
    Atom,
    /// A quoted string; `escaped` when it contains a backslash escape.
    Quoted {
        /// True if the raw bytes contain a `\` escape.
        escaped: bool,
    },
    /// A `{N}` literal.
    Literal,
    /// A `~{N}` literal8 (RFC 3516).
    Literal8,
}

/// A string from the response, borrowed: an atom, a quoted string (escapes kept until
/// asked for) or a literal.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Str<'a> {
    raw: &'a [u8],
    form: StrForm,
}

/// An `nstring`: `None` for NIL.
pub type NString<'a> = Option<Str<'a>>;

impl<'a> Str<'a> {
    /// A string of the given form over raw bytes (for quoted strings, the bytes between the
    /// quotes, escapes included).
    pub fn new(raw: &'a [u8], form: StrForm) -> Self {
        Str { raw, form }
    }

    /// The bytes as they appear on the wire (between the quotes for a quoted string).
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// How the string was written.
    pub fn form(&self) -> StrForm {
        self.form
    }

    /// The string's value: escapes removed. Borrowed unless the quoted string had escapes.
    pub fn bytes(&self) -> Cow<'a, [u8]> {
        match self.form {
            StrForm::Quoted { escaped: true } => Cow::Owned(unescape(self.raw)),
            _ => Cow::Borrowed(self.raw),
        }
    }

    /// The value as text, invalid UTF-8 replaced.
    pub fn to_str_lossy(&self) -> Cow<'a, str> {
        match self.bytes() {
            Cow::Borrowed(b) => String::from_utf8_lossy(b),
            Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
        }
    }

    /// Case-insensitive comparison of the value with ASCII `s`.
    pub fn eq_ignore_ascii_case(&self, s: &[u8]) -> bool {
        match self.form {
            StrForm::Quoted { escaped: true } => unescape(self.raw).eq_ignore_ascii_case(s),
            _ => self.raw.eq_ignore_ascii_case(s),
        }
    }

    /// Writes the string in its canonical wire form: an atom as is, a quoted string with
    /// its escapes, a literal as `{N}\r\n` and the bytes.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self.form {
            StrForm::Atom => out.extend_from_slice(self.raw),
            StrForm::Quoted { .. } => {
                out.push(b'"');
                out.extend_from_slice(self.raw);
                out.push(b'"');
            }
            StrForm::Literal | StrForm::Literal8 => {
                if self.form == StrForm::Literal8 {
                    out.push(b'~');
                }
                out.extend_from_slice(format!("{{{}}}\r\n", self.raw.len()).as_bytes());
                out.extend_from_slice(self.raw);
            }
        }
    }
}

impl fmt::Debug for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_str_lossy())
    }
}

/// Removes `\` escapes (a `\` before any byte keeps that byte).
fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut it = raw.iter();
    while let Some(&b) = it.next() {
        if b == b'\\' {
            if let Some(&n) = it.next() {
                out.push(n);
                continue;
            }
        }
        out.push(b);
    }
    out
}

/// A flag, keyword, LIST attribute or capability, borrowed: `\Seen`, `$Forwarded`, `\*`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flag<'a>(pub &'a [u8]);

/// The system flags of RFC 3501/9051 (and `\Recent`), for [`Flag::is_system`].
const SYSTEM_FLAGS: [&[u8]; 6] = [
    b"\\Seen",
    b"\\Answered",
    b"\\Flagged",
    b"\\Deleted",
    b"\\Draft",
    b"\\Recent",
];

impl<'a> Flag<'a> {
    /// The flag's bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// True for `\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`, `\Recent` (any case).
    pub fn is_system(&self) -> bool {
        SYSTEM_FLAGS.iter().any(|s| s.eq_ignore_ascii_case(self.0))
    }

    /// True for `\*` (PERMANENTFLAGS: new keywords may be created).
    pub fn is_wildcard(&self) -> bool {
        self.0 == b"\\*"
    }

    /// True for a keyword (no leading backslash).
    pub fn is_keyword(&self) -> bool {
        !self.0.starts_with(b"\\")
    }

    /// Case-insensitive comparison.
    pub fn is(&self, name: &str) -> bool {
        self.0.eq_ignore_ascii_case(name.as_bytes())
    }
}

impl fmt::Debug for Flag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.0))
    }
}

impl fmt::Display for Flag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.0))
    }
}

/// A parsed flag list — `(\\Seen $Forwarded)`, LIST attributes, PERMANENTFLAGS — kept as
/// the checked text between the parentheses and read on demand, so parsing one allocates
/// nothing.
///
/// The parser has already checked every flag (the same grammar and quirks as [`Flag`]);
/// [`iter`](Self::iter) splits the text at its single spaces and yields exactly the flags
/// it checked. Compare with a slice of flags directly: `list == [Flag(b"\\Seen")][..]`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FlagList<'a> {
    /// The flags separated by single spaces (a trailing space before `)` dropped); empty
    /// for `()`, as no flag is empty.
    text: &'a [u8],
}

impl<'a> FlagList<'a> {
    /// The number of flags.
    pub fn len(&self) -> usize {
        self.iter().len()
    }

    /// True for `()`.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The flags in the order the server sent them.
    pub fn iter(&self) -> FlagIter<'a> {
        FlagIter { rest: self.text }
    }

    /// The first flag, if any.
    pub fn first(&self) -> Option<Flag<'a>> {
        self.iter().next()
    }

    /// The last flag, if any.
    pub fn last(&self) -> Option<Flag<'a>> {
        self.iter().last()
    }

    /// The `i`-th flag (counting from 0), if there are that many.
    pub fn get(&self, i: usize) -> Option<Flag<'a>> {
        self.iter().nth(i)
    }

    /// True if the list holds the flag (ASCII case-insensitive), e.g. `"\\Seen"`.
    pub fn has(&self, flag: &str) -> bool {
        self.iter().any(|f| f.is(flag))
    }

    /// The text between the parentheses: the flags separated by single spaces.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.text
    }

    /// The flags collected into a vector.
    pub fn to_vec(&self) -> Vec<Flag<'a>> {
        self.iter().collect()
    }
}

impl fmt::Debug for FlagList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for FlagList<'a> {
    type Item = Flag<'a>;
    type IntoIter = FlagIter<'a>;
    fn into_iter(self) -> FlagIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &FlagList<'a> {
    type Item = Flag<'a>;
    type IntoIter = FlagIter<'a>;
    fn into_iter(self) -> FlagIter<'a> {
        self.iter()
    }
}

impl PartialEq<[Flag<'_>]> for FlagList<'_> {
    fn eq(&self, other: &[Flag<'_>]) -> bool {
        self.iter().eq(other.iter().copied())
    }
}

impl PartialEq<Vec<Flag<'_>>> for FlagList<'_> {
    fn eq(&self, other: &Vec<Flag<'_>>) -> bool {
        *self == other[..]
    }
}

/// The flags of a [`FlagList`], in order.
#[derive(Clone, Debug)]
pub struct FlagIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for FlagIter<'a> {
    type Item = Flag<'a>;

    fn next(&mut self) -> Option<Flag<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b' ', self.rest).unwrap_or(self.rest.len());
        let flag = &self.rest[..end];
        self.rest = self.rest.get(end + 1..).unwrap_or_default();
        Some(Flag(flag))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // One flag more than the spaces between them.
        let n = match self.rest {
            [] => 0,
            rest => memchr::memchr_iter(b' ', rest).count() + 1,
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for FlagIter<'_> {}

impl std::iter::FusedIterator for FlagIter<'_> {}

/// Writes `(f1 f2 …)`, the canonical form of a flag list.
pub fn write_flag_list<'f>(flags: impl IntoIterator<Item = Flag<'f>>, out: &mut Vec<u8>) {
    out.push(b'(');
    for (i, f) in flags.into_iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(f.0);
    }
    out.push(b')');
}

/// A value kept verbatim: text, and for every literal inside it the literal and the text
/// after it. Used for unknown FETCH items, unknown responses and extension data.
#[derive(Clone, PartialEq, Eq)]
pub struct Raw<'a> {
    first: &'a [u8],
    more: Vec<(&'a [u8], &'a [u8])>,
}

impl<'a> Raw<'a> {
    /// Raw text without literals.
    pub fn text(first: &'a [u8]) -> Self {
        Raw {
            first,
            more: Vec::new(),
        }
    }

    /// The text before the first literal (all of it when there is none).
    pub fn first(&self) -> &'a [u8] {
        self.first
    }

    /// True if the value holds no byte.
    pub fn is_empty(&self) -> bool {
        self.first.is_empty() && self.more.is_empty()
    }

    /// Text and literals in order.
    pub fn parts(&self) -> impl Iterator<Item = Part<'a>> + '_ {
        std::iter::once(Part::Text(self.first)).chain(
            self.more
                .iter()
                .flat_map(|(l, t)| [Part::Literal(l), Part::Text(t)]),
        )
    }

    /// The wire form: text, and after each literal marker CRLF and the literal bytes.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut out = self.first.to_vec();
        for (lit, text) in &self.more {
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(lit);
            out.extend_from_slice(text);
        }
        out
    }

    pub(crate) fn from_segments(first: &'a [u8], segs: Segments<'a>) -> Self {
        let mut more = Vec::new();
        let mut it = segs.parts().skip(1);
        while let (Some(Part::Literal(l)), Some(Part::Text(t))) = (it.next(), it.next()) {
            more.push((l, t));
        }
        Raw { first, more }
    }
}

impl fmt::Debug for Raw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Raw({})", crate::trace::bytes_repr(&self.to_wire()))
    }
}

/// A generic value (body extensions): `NIL`, a number, a string, or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// `NIL`.
    Nil,
    /// A number.
    Number(u64),
    /// A string (or an atom).
    Str(Str<'a>),
    /// A parenthesised list.
    List(Vec<Value<'a>>),
}

impl<'a> Cursor<'a> {
    /// A 32-bit number.
    #[inline]
    pub(crate) fn number(&mut self) -> ParseResult<u32> {
        self.run(number, "a number")
    }

    /// A 64-bit number.
    #[inline]
    pub(crate) fn number64(&mut self) -> ParseResult<u64> {
        self.run(number64, "a number")
    }

    /// A non-zero number; 0 is accepted as `zero` when given.
    pub(crate) fn nz_number(&mut self, zero: Option<Quirk>) -> ParseResult<u32> {
        let at = self.rest;
        let n = self.number()?;
        if n == 0 {
            match zero {
                Some(q) => self.quirk(q),
                None => {
                    self.rest = at;
                    return self.fail("a non-zero number");
                }
            }
        }
        Ok(n)
    }

    /// A size or count (`number64`), also written as a float ([`Quirk::FloatNumber`]) or,
    /// when `negative` is given, as `-1` (read as 0).
    pub(crate) fn size(&mut self, negative: Option<Quirk>) -> ParseResult<u64> {
        if let Some(q) = negative {
            if self.rest.starts_with(b"-1") && self.rest.get(2).is_none_or(|b| !b.is_ascii_digit())
            {
                self.quirk(q);
                self.advance(2);
                return Ok(0);
            }
        }
        let at = self.rest;
        let n = self.number64()?;
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            let len = at
                .iter()
                .take_while(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
                .count();
            let text = std::str::from_utf8(&at[..len]).unwrap_or("");
            match text.parse::<f64>() {
                Ok(f) if (0.0..1.8e19).contains(&f) => {
                    self.quirk(Quirk::FloatNumber);
                    self.rest = &at[len..];
                    return Ok(f.round() as u64);
                }
                _ => {
                    self.rest = at;
                    return self.fail("a number");
                }
            }
        }
        Ok(n)
    }

    /// An atom.
    #[inline]
    pub(crate) fn atom(&mut self) -> ParseResult<&'a [u8]> {
        self.run(atom, "an atom")
    }

    /// A quoted string (the cursor is on the opening quote). With `lenient`, a `"` not
    /// followed by SP, `)` or the end is taken as part of the string
    /// ([`Quirk::UnescapedQuote`]).
    #[inline(always)]
    pub(crate) fn quoted(&mut self, lenient: bool) -> ParseResult<Str<'a>> {
        let s = self.rest;
        if s.first() != Some(&b'"') {
            return self.fail("'\"'");
        }
        let body = &s[1..];
        // Nearly every quoted string: no escape, and the first `"` closes it.
        if let Some((at, eight_bit)) = find_quote_or_backslash(body) {
            if body[at] == b'"'
                && (!lenient || matches!(body.get(at + 1), None | Some(b' ' | b')')))
            {
                if eight_bit {
                    self.quirk(Quirk::EightBitQuoted);
                }
                self.rest = &body[at + 1..];
                return Ok(Str::new(&body[..at], StrForm::Quoted { escaped: false }));
            }
        }
        self.quoted_slow(lenient)
    }

    /// [`quoted`](Self::quoted) for a string with an escape, an unterminated one, or (with
    /// `lenient`) one holding an unescaped `"`.
    #[cold]
    #[inline(never)]
    fn quoted_slow(&mut self, lenient: bool) -> ParseResult<Str<'a>> {
        let s = self.rest;
        let body = &s[1..];
        let mut i = 0;
        let mut escaped = false;
        let mut eight_bit = false;
        loop {
            let Some((j, high)) = find_quote_or_backslash(&body[i..]) else {
                self.advance(s.len());
                return self.fail("a closing '\"'");
            };
            eight_bit |= high;
            let at = i + j;
            if body[at] == b'\\' {
                escaped = true;
                let Some(&next) = body.get(at + 1) else {
                    self.advance(s.len());
                    return self.fail("a closing '\"'");
                };
                eight_bit |= !next.is_ascii();
                i = at + 2;
                continue;
            }
            if lenient && !matches!(body.get(at + 1), None | Some(b' ' | b')')) {
                self.quirk(Quirk::UnescapedQuote);
                i = at + 1;
                continue;
            }
            let raw = &body[..at];
            if eight_bit {
                self.quirk(Quirk::EightBitQuoted);
            }
            self.rest = &body[at + 1..];
            return Ok(Str::new(raw, StrForm::Quoted { escaped }));
        }
    }

    /// A `string`: quoted or literal.
    #[inline]
    pub(crate) fn string(&mut self, lenient: bool) -> ParseResult<Str<'a>> {
        match self.peek() {
            Some(b'"') => self.quoted(lenient),
            Some(b'{' | b'~') => {
                let (lit, binary) = self.literal()?;
                let form = if binary {
                    StrForm::Literal8
                } else {
                    StrForm::Literal
                };
                Ok(Str::new(lit, form))
            }
            _ => self.fail("a string"),
        }
    }

    /// An `nstring`: NIL or a string.
    #[inline]
    pub(crate) fn nstring(&mut self, lenient: bool) -> ParseResult<NString<'a>> {
        // The first byte decides; NIL is compared only where it can start.
        match self.peek() {
            Some(b'"') => self.quoted(lenient).map(Some),
            Some(b'N' | b'n') if self.nil() => Ok(None),
            _ => self.string(lenient).map(Some),
        }
    }

    /// An `astring`: an atom (with `]`), a quoted string or a literal.
    #[inline]
    pub(crate) fn astring(&mut self) -> ParseResult<Str<'a>> {
        match self.peek() {
            Some(b'"' | b'{' | b'~') => self.string(false),
            _ => Ok(Str::new(
                self.run(astring_atom, "an astring")?,
                StrForm::Atom,
            )),
        }
    }

    /// One flag: `\*`, `\Word`, or a keyword, with the flag quirks.
    #[inline(always)]
    pub(crate) fn flag(&mut self, system_check: bool) -> ParseResult<Flag<'a>> {
        let s = self.rest;
        if s.starts_with(b"\\*") {
            self.advance(2);
            return Ok(Flag(&s[..2]));
        }
        let start = usize::from(s.first() == Some(&b'\\'));
        // One pass: letters a word at a time, then atom chars, and (noted for the quirks)
        // `]` and `\`.
        let mut len = grammar::letters(&s[start..]);
        let mut odd = false;
        for &b in &s[start + len..] {
            if is_atom_char(b) {
            } else if b == b']' || b == b'\\' {
                odd = true;
            } else {
                break;
            }
            len += 1;
        }
        if len == 0 {
            return self.fail("a flag");
        }
        let flag = &s[..start + len];
        self.rest = &s[start + len..];
        if odd {
            let body = &flag[start..];
            if body.contains(&b']') {
                self.quirk(Quirk::BracketInFlag);
            }
            if body.contains(&b'\\') {
                self.quirk(Quirk::BackslashKeyword);
            }
        }
        let f = Flag(flag);
        if start == 0 && flag.eq_ignore_ascii_case(b"NIL") {
            self.quirk(Quirk::NilFlag);
        } else if system_check && start == 1 && !f.is_system() {
            self.quirk(Quirk::BackslashKeyword);
        }
        Ok(f)
    }

    /// `(flag *(SP flag))` or `()`.
    pub(crate) fn flag_list(&mut self, system_check: bool) -> ParseResult<FlagList<'a>> {
        self.expect(b'(', "'('")?;
        let start = self.rest;
        if self.eat(b')') {
            return Ok(FlagList::default());
        }
        loop {
            self.flag(system_check)?;
            // Flags hold no space, parenthesis or literal: the list is one run of `start`.
            let end = start.len() - self.rest.len();
            if !self.list_next()? {
                return Ok(FlagList {
                    text: &start[..end],
                });
            }
        }
    }

    /// A generic value (`Value`), nested at most [`MAX_NESTING`] deep.
    pub(crate) fn value(&mut self, depth: usize) -> ParseResult<Value<'a>> {
        match self.peek() {
            Some(b'(') => {
                if depth >= MAX_NESTING {
                    return self.fail("nesting within the limit");
                }
                self.advance(1);
                let mut list = Vec::new();
                if self.eat(b')') {
                    return Ok(Value::List(list));
                }
                loop {
                    list.push(self.value(depth + 1)?);
                    if !self.list_next()? {
                        return Ok(Value::List(list));
                    }
                }
            }
            Some(b'0'..=b'9') => Ok(Value::Number(self.number64()?)),
            Some(b'"' | b'{' | b'~') => Ok(Value::Str(self.string(true)?)),
            _ if self.nil() => Ok(Value::Nil),
            _ => Ok(Value::Str(Str::new(
                self.run(astring_atom, "a value")?,
                StrForm::Atom,
            ))),
        }
    }

    /// One value kept verbatim: a parenthesised group (balanced, quoted strings and
    /// literals skipped), a string, or a run of bytes up to SP or `)`. Iterative; nesting
    /// beyond [`MAX_NESTING`] is an error.
    pub(crate) fn raw_value(&mut self) -> ParseResult<Raw<'a>> {
        let mut first: Option<&'a [u8]> = None;
        let mut more: Vec<(&'a [u8], &'a [u8])> = Vec::new();
        let mut pending: Option<&'a [u8]> = None;
        let mut cur = self.rest;
        let mut depth = 0usize;
        loop {
            match self.peek() {
                None => {
                    if depth == 0 {
                        break;
                    }
                    return self.fail("')'");
                }
                Some(b'(') => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return self.fail("nesting within the limit");
                    }
                    self.advance(1);
                }
                Some(b')') => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                    self.advance(1);
                    if depth == 0 {
                        break;
                    }
                }
                Some(b' ') if depth == 0 => break,
                Some(b'"') => {
                    self.quoted(false)?;
                    if depth == 0 {
                        break;
                    }
                }
                Some(b'{' | b'~')
                    if grammar::marker_prefix(self.rest)
                        .is_some_and(|(m, len)| m.size.is_some() && len == self.rest.len()) =>
                {
                    match pending.take() {
                        None => first = Some(cur),
                        Some(l) => more.push((l, cur)),
                    }
                    let (lit, text) = self.next_pair_raw()?;
                    pending = Some(lit);
                    cur = text;
                    if depth == 0 {
                        break;
                    }
                }
                Some(_) => self.advance(1),
            }
        }
        let last = self.since(cur)?;
        Ok(match (pending, first) {
            (Some(l), Some(first)) => {
                more.push((l, last));
                Raw { first, more }
            }
            _ => Raw { first: last, more },
        })
    }
}

#[cfg(test)]
mod scan_tests {
    use super::find_quote_or_backslash;
    use proptest::prelude::*;

    fn naive(hay: &[u8]) -> Option<(usize, bool)> {
        let at = hay.iter().position(|&b| b == b'"' || b == b'\\')?;
        Some((at, !hay[..at].is_ascii()))
    }

    #[test]
    fn every_position_and_neighbour() {
        // Each length up to past the SWAR window, the target at each position, with the
        // bytes that differ from `"` (0x22) and `\` (0x5C) by one bit or a borrow around it.
        for len in 0..80 {
            for at in 0..=len {
                for fill in [b'a', 0x21, 0x23, 0x5B, 0x5D, 0x01, 0xA2, 0xDC, 0xFF, 0x00] {
                    for target in [b'"', b'\\'] {
                        let mut hay = vec![fill; len];
                        if at < len {
                            hay[at] = target;
                        }
                        assert_eq!(find_quote_or_backslash(&hay), naive(&hay), "{hay:?}");
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn matches_naive(hay in proptest::collection::vec(any::<u8>(), 0..200)) {
            prop_assert_eq!(find_quote_or_backslash(&hay), naive(&hay));
        }

        #[test]
        fn matches_naive_text(hay in "[a-z \"\\\\\\x00\\x80-\\xff]{0,150}") {
            let hay = hay.as_bytes();
            prop_assert_eq!(find_quote_or_backslash(hay), naive(hay));
        }
    }
}
