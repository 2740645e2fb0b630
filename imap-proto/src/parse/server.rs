//! Server-level responses: CAPABILITY/ENABLED, ID, QUOTA/QUOTAROOT, ACL/MYRIGHTS.

use super::cursor::Cursor;
use super::error::ParseResult;
use super::mailbox::Mailbox;
use super::quirk::Quirk;
use super::token::{NString, Str};

/// A CAPABILITY or ENABLED list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities<'a> {
    /// The capability names, as sent.
    pub list: Vec<&'a [u8]>,
}

impl Capabilities<'_> {
    /// True if `name` is present (ASCII case-insensitive).
    pub fn has(&self, name: &str) -> bool {
        self.list
            .iter()
            .any(|c| c.eq_ignore_ascii_case(name.as_bytes()))
    }

    /// Writes the canonical data: names separated by SP.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        for (i, c) in self.list.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(c);
        }
    }
}

/// An ID response (RFC 2971): field/value pairs (empty for NIL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Id<'a> {
    /// The pairs, in order.
    pub fields: Vec<(Str<'a>, NString<'a>)>,
}

impl<'a> Id<'a> {
    /// The value of a field (ASCII case-insensitive name).
    pub fn get(&self, name: &str) -> Option<NString<'a>> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| *v)
    }
}

/// One resource of a QUOTA response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaResource<'a> {
    /// `STORAGE`, `MESSAGE`, …
    pub name: &'a [u8],
    /// Current usage (64 bits: Gmail sends values above 2³²).
    pub usage: u64,
    /// The limit.
    pub limit: u64,
}

/// A QUOTA response (RFC 2087 / 9208).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota<'a> {
    /// The quota root.
    pub root: Str<'a>,
    /// Its resources.
    pub resources: Vec<QuotaResource<'a>>,
}

/// A QUOTAROOT response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaRoot<'a> {
    /// The mailbox.
    pub mailbox: Mailbox<'a>,
    /// Its quota roots.
    pub roots: Vec<Str<'a>>,
}

/// An ACL response (RFC 4314).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acl<'a> {
    /// The mailbox.
    pub mailbox: Mailbox<'a>,
    /// Identifier and rights pairs.
    pub entries: Vec<(Str<'a>, Str<'a>)>,
}

/// A MYRIGHTS response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyRights<'a> {
    /// The mailbox.
    pub mailbox: Mailbox<'a>,
    /// The rights.
    pub rights: Str<'a>,
}

impl<'a> Cursor<'a> {
    /// `atom *(SP atom)`, possibly empty, tolerating one trailing space as `q`.
    pub(crate) fn capability_data(&mut self, q: Quirk) -> ParseResult<Capabilities<'a>> {
        let mut list = Vec::with_capacity(16);
        while !self.rest.is_empty() {
            list.push(self.atom()?);
            if self.rest.is_empty() {
                break;
            }
            self.sp()?;
            if self.rest.is_empty() {
                self.quirk(q);
            }
        }
        Ok(Capabilities { list })
    }

    /// ID data: NIL or `(string nstring *(SP string nstring))`.
    pub(crate) fn id_data(&mut self) -> ParseResult<Id<'a>> {
        let mut id = Id::default();
        if !self.nil() {
            self.expect(b'(', "NIL or '('")?;
            if !self.eat(b')') {
                loop {
                    let k = self.string(false)?;
                    self.sp()?;
                    let v = self.nstring(false)?;
                    id.fields.push((k, v));
                    if !self.list_next()? {
                        break;
                    }
                }
            }
        }
        self.trailing_space(Quirk::TrailingSpaceId);
        Ok(id)
    }

    /// QUOTA data: `root SP "(" [name SP usage SP limit *(SP …)] ")"`.
    pub(crate) fn quota_data(&mut self) -> ParseResult<Quota<'a>> {
        let root = self.astring()?;
        self.sp()?;
        self.expect(b'(', "'('")?;
        let mut resources = Vec::new();
        if !self.eat(b')') {
            loop {
                let name = self.atom()?;
                self.sp()?;
                let usage = self.number64()?;
                self.sp()?;
                let limit = self.number64()?;
                resources.push(QuotaResource { name, usage, limit });
                if !self.list_next()? {
                    break;
                }
            }
        }
        Ok(Quota { root, resources })
    }

    /// QUOTAROOT data: `mailbox *(SP root)`.
    pub(crate) fn quotaroot_data(&mut self) -> ParseResult<QuotaRoot<'a>> {
        let mailbox = self.mailbox()?;
        let mut roots = Vec::new();
        while self.eat(b' ') {
            roots.push(self.astring()?);
        }
        Ok(QuotaRoot { mailbox, roots })
    }

    /// ACL data: `mailbox *(SP identifier SP rights)`.
    pub(crate) fn acl_data(&mut self) -> ParseResult<Acl<'a>> {
        let mailbox = self.mailbox()?;
        let mut entries = Vec::new();
        while self.eat(b' ') {
            let who = self.astring()?;
            self.sp()?;
            entries.push((who, self.astring()?));
        }
        Ok(Acl { mailbox, entries })
    }

    /// MYRIGHTS data: `mailbox SP rights`.
    pub(crate) fn myrights_data(&mut self) -> ParseResult<MyRights<'a>> {
        let mailbox = self.mailbox()?;
        self.sp()?;
        Ok(MyRights {
            mailbox,
            rights: self.astring()?,
        })
    }
}
