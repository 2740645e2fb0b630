//! METADATA responses and response codes (RFC 5464).

use super::cursor::Cursor;
use super::error::ParseResult;
use super::mailbox::Mailbox;
use super::token::{NString, Str};

/// A `METADATA` response: `mailbox (entry value …)` in answer to GETMETADATA, or
/// `mailbox entry …` (names only) when the server reports a change unsolicited.
///
/// Entry names must begin with `/` (RFC 5464 §3.2: `/private/…` or `/shared/…`); values
/// are `nstring`s and may be literals (Dovecot sends every value as one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata<'a> {
    /// The mailbox; empty for server metadata.
    pub mailbox: Mailbox<'a>,
    /// Entries and their values (`None` for `NIL`), in the solicited form.
    pub values: Vec<(Str<'a>, NString<'a>)>,
    /// Entries whose values changed, in the unsolicited form (no values).
    pub changed: Vec<Str<'a>>,
}

/// The `[METADATA …]` response codes of RFC 5464 §4.2.1 and §4.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetadataCode {
    /// `LONGENTRIES n`: GETMETADATA's MAXSIZE left out values; `n` is the largest size.
    LongEntries(u64),
    /// `MAXSIZE n`: SETMETADATA refused a value larger than `n`.
    MaxSize(u64),
    /// `TOOMANY`: SETMETADATA refused, too many entries.
    TooMany,
    /// `NOPRIVATE`: the server cannot store private entries.
    NoPrivate,
}

impl std::fmt::Display for MetadataCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetadataCode::LongEntries(n) => write!(f, "LONGENTRIES {n}"),
            MetadataCode::MaxSize(n) => write!(f, "MAXSIZE {n}"),
            MetadataCode::TooMany => f.write_str("TOOMANY"),
            MetadataCode::NoPrivate => f.write_str("NOPRIVATE"),
        }
    }
}

/// One item of a GETMETADATA answer as imaplib keeps it: imaplib stores the tagged OK's
/// `[METADATA LONGENTRIES n]` under `METADATA` too, next to the `* METADATA` data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataItem<'a> {
    /// A `METADATA` response.
    Entries(Metadata<'a>),
    /// The data of a `[METADATA …]` response code.
    Code(MetadataCode),
}

impl<'a> Cursor<'a> {
    /// An entry name: an astring beginning with `/`.
    fn metadata_entry(&mut self) -> ParseResult<Str<'a>> {
        let e = self.astring()?;
        if !e.bytes().starts_with(b"/") {
            return self.fail("an entry name beginning with '/'");
        }
        Ok(e)
    }

    /// METADATA data: `mailbox SP ("(" entry SP value *(SP entry SP value) ")" / entry *(SP entry))`.
    pub(crate) fn metadata_data(&mut self) -> ParseResult<Metadata<'a>> {
        let mailbox = self.mailbox()?;
        self.sp()?;
        let mut md = Metadata {
            mailbox,
            values: Vec::new(),
            changed: Vec::new(),
        };
        if self.eat(b'(') {
            loop {
                let entry = self.metadata_entry()?;
                self.sp()?;
                let value = self.nstring(false)?;
                md.values.push((entry, value));
                if !self.list_next()? {
                    break;
                }
            }
        } else {
            md.changed.push(self.metadata_entry()?);
            while self.eat(b' ') {
                md.changed.push(self.metadata_entry()?);
            }
        }
        Ok(md)
    }

    /// The data of a `[METADATA …]` code, if it is one of RFC 5464's; the cursor is left
    /// where it was otherwise.
    pub(crate) fn metadata_code(&mut self) -> ParseResult<Option<MetadataCode>> {
        let start = self.rest;
        let code = if self.keyword(b"LONGENTRIES") {
            self.sp()?;
            MetadataCode::LongEntries(self.number64()?)
        } else if self.keyword(b"MAXSIZE") {
            self.sp()?;
            MetadataCode::MaxSize(self.number64()?)
        } else if self.keyword(b"TOOMANY") {
            MetadataCode::TooMany
        } else if self.keyword(b"NOPRIVATE") {
            MetadataCode::NoPrivate
        } else {
            self.rest = start;
            return Ok(None);
        };
        Ok(Some(code))
    }
}
