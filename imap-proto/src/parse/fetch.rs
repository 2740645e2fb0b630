//! FETCH responses: `n FETCH (item value …)` with typed, borrowed items.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};

use super::body::Body;
use super::cursor::Cursor;
use super::envelope::Envelope;
use super::error::ParseResult;
use super::quirk::Quirk;
use super::token::{FlagList, NString, Raw, Str};
use crate::grammar;
use crate::util::MONTHS;

/// One FETCH response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch<'a> {
    /// The message sequence number.
    pub seq: u32,
    /// The items, in the order received.
    pub items: Vec<FetchItem<'a>>,
}

impl<'a> Fetch<'a> {
    /// The UID, if fetched.
    pub fn uid(&self) -> Option<u32> {
        self.items.iter().find_map(|i| match i {
            FetchItem::Uid(u) => Some(*u),
            _ => None,
        })
    }

    /// The flags, if fetched.
    pub fn flags(&self) -> Option<FlagList<'a>> {
        self.items.iter().find_map(|i| match i {
            FetchItem::Flags(f) => Some(*f),
            _ => None,
        })
    }

    /// The envelope, if fetched.
    pub fn envelope(&self) -> Option<&Envelope<'a>> {
        self.items.iter().find_map(|i| match i {
            FetchItem::Envelope(e) => Some(&**e),
            _ => None,
        })
    }

    /// The body structure (BODYSTRUCTURE, else BODY), if fetched.
    pub fn body_structure(&self) -> Option<&Body<'a>> {
        let find = |want_ext: bool| {
            self.items.iter().find_map(|i| match i {
                FetchItem::BodyStructure(b) if want_ext => Some(&**b),
                FetchItem::Body(b) if !want_ext => Some(&**b),
                _ => None,
            })
        };
        find(true).or_else(|| find(false))
    }

    /// The data of `BODY[section]` / `BINARY[section]` / `RFC822*` whose section text
    /// (between the brackets, e.g. `"HEADER"` or `""`) matches, ignoring ASCII case.
    pub fn section(&self, section: &str) -> Option<NString<'a>> {
        self.items.iter().find_map(|i| match i {
            FetchItem::BodySection {
                section: s, data, ..
            }
            | FetchItem::Binary { section: s, data }
                if s.raw.eq_ignore_ascii_case(section.as_bytes()) =>
            {
                Some(*data)
            }
            _ => None,
        })
    }

    /// The internal date, if fetched.
    pub fn internal_date(&self) -> Option<DateTime<FixedOffset>> {
        self.items.iter().find_map(|i| match i {
            FetchItem::InternalDate(d) => Some(*d),
            _ => None,
        })
    }

    /// The whole message: `BODY[]` (or a partial `BODY[]<n>`), `BINARY[]` or `RFC822`, if
    /// fetched and not NIL. A literal is borrowed, never copied.
    pub fn body(&self) -> Option<Cow<'a, [u8]>> {
        self.section_or("", |i| match i {
            FetchItem::Rfc822(d) => Some(*d),
            _ => None,
        })
    }

    /// The header: `BODY[HEADER]` or `RFC822.HEADER`, if fetched and not NIL (borrowed).
    pub fn header(&self) -> Option<Cow<'a, [u8]>> {
        self.section_or("HEADER", |i| match i {
            FetchItem::Rfc822Header(d) => Some(*d),
            _ => None,
        })
    }

    /// The text after the header: `BODY[TEXT]` or `RFC822.TEXT`, if fetched and not NIL
    /// (borrowed).
    pub fn text(&self) -> Option<Cow<'a, [u8]>> {
        self.section_or("TEXT", |i| match i {
            FetchItem::Rfc822Text(d) => Some(*d),
            _ => None,
        })
    }

    fn section_or(
        &self,
        section: &str,
        rfc822: impl Fn(&FetchItem<'a>) -> Option<NString<'a>>,
    ) -> Option<Cow<'a, [u8]>> {
        let data = self
            .section(section)
            .or_else(|| self.items.iter().find_map(rfc822))?;
        data.map(|s| s.bytes())
    }

    /// `RFC822.SIZE`: the message's size in octets, if fetched.
    pub fn size(&self) -> Option<u64> {
        self.items.iter().find_map(|i| match i {
            FetchItem::Rfc822Size(n) => Some(*n),
            _ => None,
        })
    }

    /// `PREVIEW` (RFC 8970), if fetched: `Some(None)` for NIL (no preview, or not yet
    /// with `PREVIEW (LAZY)`), else the text (UTF-8, lossily decoded; borrowed when it is).
    ///
    /// ```
    /// use imaplib_proto::{parse, Item, Reply};
    /// let reply = Reply::new("OK", vec![Item::from(b"1 (PREVIEW \"Hello world\" SAVEDATE NIL)")]);
    /// let f = parse::fetches(&reply).next().unwrap()?;
    /// assert_eq!(f.preview(), Some(Some("Hello world".into())));
    /// assert_eq!(f.save_date(), Some(None));
    /// # Ok::<(), imaplib_proto::parse::ParseError>(())
    /// ```
    pub fn preview(&self) -> Option<Option<Cow<'a, str>>> {
        self.items.iter().find_map(|i| match i {
            FetchItem::Preview(p) => Some(p.map(|s| match s.bytes() {
                Cow::Borrowed(b) => String::from_utf8_lossy(b),
                Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
            })),
            _ => None,
        })
    }

    /// `SAVEDATE` (RFC 8514), if fetched: `Some(None)` when the server does not know it
    /// (NIL).
    pub fn save_date(&self) -> Option<Option<DateTime<FixedOffset>>> {
        self.items.iter().find_map(|i| match i {
            FetchItem::SaveDate(d) => Some(*d),
            _ => None,
        })
    }

    /// `MODSEQ` (RFC 7162), if fetched.
    pub fn modseq(&self) -> Option<u64> {
        self.items.iter().find_map(|i| match i {
            FetchItem::ModSeq(n) => Some(*n),
            _ => None,
        })
    }
}

/// One FETCH data item.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchItem<'a> {
    /// `FLAGS (…)`
    Flags(FlagList<'a>),
    /// `UID n`
    Uid(u32),
    /// `INTERNALDATE "dd-Mon-yyyy hh:mm:ss +zzzz"`
    InternalDate(DateTime<FixedOffset>),
    /// `RFC822.SIZE n`
    Rfc822Size(u64),
    /// `ENVELOPE (…)`
    Envelope(Box<Envelope<'a>>),
    /// `BODYSTRUCTURE (…)` (with extension data)
    BodyStructure(Box<Body<'a>>),
    /// `BODY (…)` (non-extensible)
    Body(Box<Body<'a>>),
    /// `BODY[section]<origin> nstring`
    BodySection {
        /// The section.
        section: Section<'a>,
        /// The origin octet of a partial fetch.
        origin: Option<u32>,
        /// The data (literal, quoted string or NIL), borrowed.
        data: NString<'a>,
    },
    /// `BINARY[section] nstring/literal8` (RFC 3516); the `<origin>` of a partial fetch is
    /// read but not kept.
    Binary {
        /// The section (part numbers only).
        section: Section<'a>,
        /// The data, borrowed.
        data: NString<'a>,
    },
    /// `BINARY.SIZE[section] n`
    BinarySize {
        /// The section (part numbers only).
        section: Section<'a>,
        /// The decoded size.
        size: u64,
    },
    /// `RFC822 nstring`
    Rfc822(NString<'a>),
    /// `RFC822.HEADER nstring`
    Rfc822Header(NString<'a>),
    /// `RFC822.TEXT nstring`
    Rfc822Text(NString<'a>),
    /// `MODSEQ (n)` (RFC 7162)
    ModSeq(u64),
    /// `PREVIEW nstring` (RFC 8970): up to 256 characters of plain text, UTF-8; NIL when
    /// the server has none (or, for `PREVIEW (LAZY)`, not yet).
    Preview(NString<'a>),
    /// `SAVEDATE date-time / NIL` (RFC 8514): when the message was saved in this mailbox;
    /// `None` for NIL (the server does not know).
    SaveDate(Option<DateTime<FixedOffset>>),
    /// `X-GM-LABELS (…)` (Gmail)
    GmailLabels(Vec<Str<'a>>),
    /// `X-GM-MSGID n` (Gmail)
    GmailMsgId(u64),
    /// `X-GM-THRID n` (Gmail)
    GmailThrId(u64),
    /// Any other item, kept verbatim.
    Other {
        /// The item name as sent (with any `[…]` and `<…>`).
        name: &'a [u8],
        /// Its value.
        value: Raw<'a>,
    },
}

/// A `section` of BODY/BINARY: part numbers and an optional text specifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    /// The bytes between the brackets, as sent.
    pub raw: &'a [u8],
    /// Part numbers (`1.2` → `[1, 2]`; empty for the whole message).
    pub part: Vec<u32>,
    /// The text specifier after the part numbers.
    pub text: Option<SectionText<'a>>,
}

/// The text part of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionText<'a> {
    /// `HEADER`
    Header,
    /// `HEADER.FIELDS (…)` or, with `not`, `HEADER.FIELDS.NOT (…)`.
    HeaderFields {
        /// True for `HEADER.FIELDS.NOT`.
        not: bool,
        /// The field names.
        fields: Vec<Str<'a>>,
    },
    /// `TEXT`
    Text,
    /// `MIME`
    Mime,
}

#[inline]
fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'$')
}

/// A FETCH item name `a` equals `b`, ignoring ASCII case ([`grammar::eq_fold`]: names hold
/// no control character).
#[inline(always)]
fn eq(a: &[u8], b: &[u8]) -> bool {
    grammar::eq_fold(a, b)
}

impl<'a> Cursor<'a> {
    /// `"(" msg-att *(SP msg-att) ")"` after `n FETCH SP`.
    pub(crate) fn fetch_items(&mut self, seq: u32) -> ParseResult<Fetch<'a>> {
        self.expect(b'(', "'(' starting FETCH data")?;
        let mut items = Vec::with_capacity(8);
        if !self.eat(b')') {
            loop {
                items.push(self.fetch_item()?);
                if !self.list_next()? {
                    break;
                }
            }
        }
        Ok(Fetch { seq, items })
    }

    fn fetch_item(&mut self) -> ParseResult<FetchItem<'a>> {
        let start = self.rest;
        let k = grammar::letters(start);
        let n = k + start[k..].iter().take_while(|&&b| is_name_char(b)).count();
        if n == 0 {
            return self.fail("a FETCH item name");
        }
        let name = &start[..n];
        self.advance(n);
        if self.peek() == Some(b'[') {
            return self.sectioned_item(start, name);
        }
        self.sp()?;
        Ok(match n {
            3 if eq(name, b"UID") => FetchItem::Uid(self.number()?),
            4 if eq(name, b"BODY") => FetchItem::Body(Box::new(self.body(0)?)),
            5 if eq(name, b"FLAGS") => FetchItem::Flags(self.flag_list(true)?),
            6 if eq(name, b"RFC822") => FetchItem::Rfc822(self.nstring(false)?),
            6 if eq(name, b"MODSEQ") => FetchItem::ModSeq(self.modseq()?),
            7 if eq(name, b"PREVIEW") => FetchItem::Preview(self.nstring(false)?),
            8 if eq(name, b"SAVEDATE") => FetchItem::SaveDate(if self.nil() {
                None
            } else {
                Some(self.internal_date()?)
            }),
            8 if eq(name, b"ENVELOPE") => FetchItem::Envelope(self.envelope()?),
            10 if eq(name, b"X-GM-MSGID") => FetchItem::GmailMsgId(self.number64()?),
            10 if eq(name, b"X-GM-THRID") => FetchItem::GmailThrId(self.number64()?),
            11 if eq(name, b"RFC822.SIZE") => FetchItem::Rfc822Size(self.size(None)?),
            11 if eq(name, b"RFC822.TEXT") => FetchItem::Rfc822Text(self.nstring(false)?),
            11 if eq(name, b"X-GM-LABELS") => FetchItem::GmailLabels(self.gmail_labels()?),
            12 if eq(name, b"INTERNALDATE") => FetchItem::InternalDate(self.internal_date()?),
            13 if eq(name, b"RFC822.HEADER") => FetchItem::Rfc822Header(self.nstring(false)?),
            13 if eq(name, b"BODYSTRUCTURE") => FetchItem::BodyStructure(Box::new(self.body(0)?)),
            _ => FetchItem::Other {
                name,
                value: self.raw_value()?,
            },
        })
    }

    /// `BODY[…]<n> SP nstring`, `BINARY[…] SP nstring`, `BINARY.SIZE[…] SP number`, or an
    /// unknown sectioned item.
    fn sectioned_item(&mut self, start: &'a [u8], name: &'a [u8]) -> ParseResult<FetchItem<'a>> {
        self.advance(1);
        let body = eq(name, b"BODY") || eq(name, b"BODY.PEEK");
        let binary = eq(name, b"BINARY") || eq(name, b"BINARY.PEEK");
        let binary_size = eq(name, b"BINARY.SIZE");
        if !(body || binary || binary_size) {
            let close = memchr::memchr(b']', self.rest).ok_or_else(|| self.err("']'"))?;
            self.advance(close + 1);
            let rest_name = self
                .rest
                .iter()
                .take_while(|&&b| b != b' ' && b != b')')
                .count();
            self.advance(rest_name);
            let full = self.since(start)?;
            self.sp()?;
            return Ok(FetchItem::Other {
                name: full,
                value: self.raw_value()?,
            });
        }
        let section = self.section(body)?;
        let mut origin = None;
        // RFC 3516 gives BINARY the same `<origin>` as BODY for a partial fetch.
        if (body || binary) && self.eat(b'<') {
            origin = Some(self.number()?);
            self.expect(b'>', "'>'")?;
        }
        self.sp()?;
        Ok(if body {
            FetchItem::BodySection {
                section,
                origin,
                data: self.nstring(false)?,
            }
        } else if binary {
            FetchItem::Binary {
                section,
                data: self.nstring(false)?,
            }
        } else {
            FetchItem::BinarySize {
                section,
                size: self.number64()?,
            }
        })
    }

    /// The section after `[`, through `]`.
    fn section(&mut self, text_allowed: bool) -> ParseResult<Section<'a>> {
        let start = self.rest;
        let mut part = Vec::new();
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            part.push(self.nz_number(None)?);
            if !self.eat(b'.') {
                break;
            }
        }
        let mut text = None;
        if text_allowed && self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            let n = self
                .rest
                .iter()
                .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'.')
                .count();
            let word = &self.rest[..n];
            text = Some(if eq(word, b"HEADER") {
                SectionText::Header
            } else if eq(word, b"TEXT") {
                SectionText::Text
            } else if eq(word, b"MIME") && !part.is_empty() {
                SectionText::Mime
            } else if eq(word, b"HEADER.FIELDS") || eq(word, b"HEADER.FIELDS.NOT") {
                let not = n == 17;
                self.advance(n);
                self.sp()?;
                self.expect(b'(', "'('")?;
                let mut fields = Vec::new();
                loop {
                    fields.push(self.astring()?);
                    if !self.list_next()? {
                        break;
                    }
                }
                let raw = self.since(start)?;
                self.expect(b']', "']'")?;
                return Ok(Section {
                    raw,
                    part,
                    text: Some(SectionText::HeaderFields { not, fields }),
                });
            } else {
                return self.fail("a section text (HEADER, TEXT, MIME, HEADER.FIELDS)");
            });
            self.advance(n);
        } else if !part.is_empty() && self.since(start)?.ends_with(b".") {
            return self.fail("a section part number");
        }
        let raw = self.since(start)?;
        self.expect(b']', "']'")?;
        Ok(Section { raw, part, text })
    }

    /// `(n)`, tolerating `(-1)` ([`Quirk::NegativeModSeq`]).
    fn modseq(&mut self) -> ParseResult<u64> {
        self.expect(b'(', "'('")?;
        let n = if self.rest.starts_with(b"-1)") {
            self.quirk(Quirk::NegativeModSeq);
            self.advance(2);
            0
        } else {
            self.number64()?
        };
        self.close()?;
        Ok(n)
    }

    /// `(label …)`, labels being astrings or `\Flags`; `NIL` entries are dropped.
    fn gmail_labels(&mut self) -> ParseResult<Vec<Str<'a>>> {
        if self.nil() {
            self.quirk(Quirk::NilGmailLabel);
            return Ok(Vec::new());
        }
        self.expect(b'(', "'('")?;
        let mut labels = Vec::new();
        if self.eat(b')') {
            return Ok(labels);
        }
        loop {
            if self.nil() {
                self.quirk(Quirk::NilGmailLabel);
            } else if self.peek() == Some(b'\\') {
                let f = self.flag(false)?;
                labels.push(Str::new(f.0, super::token::StrForm::Atom));
            } else {
                labels.push(self.astring()?);
            }
            if !self.list_next()? {
                return Ok(labels);
            }
        }
    }

    /// `"dd-Mon-yyyy hh:mm:ss +zzzz"` (day may be ` d` or `d`).
    fn internal_date(&mut self) -> ParseResult<DateTime<FixedOffset>> {
        let (pos, at) = (self.pos(), self.rest);
        let s = self.quoted(false)?;
        parse_date_time(s.raw())
            .ok_or_else(|| super::error::ParseError::new(pos, "a date-time", at))
    }
}

/// The month (1–12) named by three letters ([`crate::util::MONTHS`]), ASCII case ignored:
/// the three bytes folded to lower case (bit 5 set: the names are all letters, so a byte can
/// only match its own letter in either case) and compared as one word with each name.
fn month(name: &[u8]) -> Option<u32> {
    let fold = |m: &[u8]| match *m {
        [a, b, c] => Some(u32::from_le_bytes([a | 0x20, b | 0x20, c | 0x20, 0])),
        _ => None,
    };
    let key = fold(name)?;
    let at = MONTHS
        .iter()
        .position(|m| fold(m.as_bytes()) == Some(key))?;
    Some(at as u32 + 1)
}

fn two(b: &[u8]) -> Option<u32> {
    match b {
        [a @ b'0'..=b'9', c @ b'0'..=b'9'] => Some(u32::from(a - b'0') * 10 + u32::from(c - b'0')),
        _ => None,
    }
}

/// Parses an IMAP `date-time` body (without quotes).
pub(crate) fn parse_date_time(s: &[u8]) -> Option<DateTime<FixedOffset>> {
    let s = s.strip_prefix(b" ").unwrap_or(s);
    let dash = s.iter().position(|&b| b == b'-')?;
    let day = match &s[..dash] {
        [d @ b'0'..=b'9'] => u32::from(d - b'0'),
        d => two(d)?,
    };
    let s = &s[dash + 1..];
    if s.len() != 23 || s[3] != b'-' || s[8] != b' ' || s[17] != b' ' {
        return None;
    }
    let month = month(&s[..3])?;
    let year = two(&s[4..6])? * 100 + two(&s[6..8])?;
    if s[11] != b':' || s[14] != b':' {
        return None;
    }
    let (h, mi, se) = (two(&s[9..11])?, two(&s[12..14])?, two(&s[15..17])?);
    let sign = match s[18] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let zone = (two(&s[19..21])? * 3600 + two(&s[21..23])? * 60) as i32 * sign;
    let naive = NaiveDate::from_ymd_opt(year as i32, month, day)?.and_hms_opt(h, mi, se)?;
    FixedOffset::east_opt(zone)?
        .from_local_datetime(&naive)
        .single()
}

#[cfg(test)]
mod name_tests {
    use super::{eq, is_name_char};
    use proptest::prelude::*;

    const NAMES: [&[u8]; 20] = [
        b"UID",
        b"BODY",
        b"FLAGS",
        b"RFC822",
        b"MODSEQ",
        b"PREVIEW",
        b"SAVEDATE",
        b"ENVELOPE",
        b"X-GM-MSGID",
        b"X-GM-THRID",
        b"RFC822.SIZE",
        b"RFC822.TEXT",
        b"X-GM-LABELS",
        b"INTERNALDATE",
        b"RFC822.HEADER",
        b"BODYSTRUCTURE",
        b"BODY.PEEK",
        b"BINARY.SIZE",
        b"HEADER.FIELDS",
        b"HEADER.FIELDS.NOT",
    ];

    /// Every name character at every position of every constant: the word compare agrees
    /// with `eq_ignore_ascii_case`.
    #[test]
    fn each_name_character_at_each_position() {
        let chars: Vec<u8> = (0..=255u8).filter(|&b| is_name_char(b)).collect();
        for name in NAMES {
            for at in 0..name.len() {
                for &c in &chars {
                    let mut a = name.to_vec();
                    a[at] = c;
                    assert_eq!(eq(&a, name), a.eq_ignore_ascii_case(name), "{a:?} {name:?}");
                    a.make_ascii_lowercase();
                    assert_eq!(eq(&a, name), a.eq_ignore_ascii_case(name), "{a:?} {name:?}");
                }
            }
        }
    }

    /// Every three bytes whose letters spell a month in any case, and every byte in each
    /// position of each month's name: `month` agrees with a search of the names.
    #[test]
    fn months_every_byte_in_every_position() {
        const NAMES: [&[u8; 3]; 12] = [
            b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
            b"Dec",
        ];
        let naive = |m: &[u8]| {
            NAMES
                .iter()
                .position(|n| n.eq_ignore_ascii_case(m))
                .map(|i| i as u32 + 1)
        };
        for name in NAMES {
            for at in 0..3 {
                for b in 0..=255u8 {
                    let mut m = *name;
                    m[at] = b;
                    assert_eq!(super::month(&m), naive(&m), "{m:?}");
                }
            }
        }
        assert_eq!(super::month(b"JAN"), Some(1));
        assert_eq!(super::month(b"dEc"), Some(12));
        assert_eq!(super::month(b"Ja"), None);
        assert_eq!(super::month(b"Janu"), None);
    }

    proptest! {
        #[test]
        fn agrees_with_eq_ignore_ascii_case(a in "[A-Za-z0-9._$-]{0,18}", i in 0..20usize) {
            let b = NAMES[i % NAMES.len()];
            prop_assert_eq!(eq(a.as_bytes(), b), a.as_bytes().eq_ignore_ascii_case(b));
        }
    }
}
