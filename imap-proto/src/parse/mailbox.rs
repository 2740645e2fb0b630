//! Mailbox names and the responses about mailboxes: LIST/LSUB, STATUS, NAMESPACE.

use std::borrow::Cow;

use super::cursor::Cursor;
use super::error::ParseResult;
use super::quirk::Quirk;
use super::token::{FlagList, NString, Raw, Str, StrForm};
use crate::grammar::is_astring_char;
use crate::mutf7;

/// A mailbox name as the server sent it.
///
/// [`raw`](Mailbox::raw) gives the bytes (escapes removed), [`decoded`](Mailbox::decoded)
/// the name for display: modified UTF-7 decoded (RFC 3501 §5.1.3), or — for servers in
/// `UTF8=ACCEPT` mode, whose names are UTF-8 — taken as UTF-8; [`encoding`](Mailbox::encoding)
/// says which applied. To send the name back in a command, use [`raw`](Mailbox::raw)
/// unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mailbox<'a>(pub Str<'a>);

/// How a mailbox name's bytes were decoded by [`Mailbox::decoded`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameEncoding {
    /// Valid modified UTF-7 (plain ASCII names included).
    ModifiedUtf7,
    /// Not modified UTF-7, but valid UTF-8 (UTF8=ACCEPT servers).
    Utf8,
    /// Neither: decoded as UTF-8 with replacement characters.
    Invalid,
}

impl<'a> Mailbox<'a> {
    /// The name's bytes, escapes removed.
    pub fn raw(&self) -> Cow<'a, [u8]> {
        self.0.bytes()
    }

    /// True for INBOX (any case).
    pub fn is_inbox(&self) -> bool {
        self.0.eq_ignore_ascii_case(b"INBOX")
    }

    /// Which decoding [`decoded`](Self::decoded) uses.
    pub fn encoding(&self) -> NameEncoding {
        let raw = self.raw();
        if mutf7::is_valid(&raw) {
            NameEncoding::ModifiedUtf7
        } else if std::str::from_utf8(&raw).is_ok() {
            NameEncoding::Utf8
        } else {
            NameEncoding::Invalid
        }
    }

    /// The name for display: modified UTF-7 decoded when valid, else UTF-8 (strictly, then
    /// lossily). INBOX is returned as sent.
    pub fn decoded(&self) -> String {
        let raw = self.raw();
        match mutf7::decode(&raw) {
            Ok(s) => s,
            Err(_) => String::from_utf8_lossy(&raw).into_owned(),
        }
    }

    /// The name of a server in `UTF8=ACCEPT` mode (RFC 6855): UTF-8, never modified UTF-7
    /// (invalid bytes replaced).
    pub fn decoded_utf8(&self) -> String {
        String::from_utf8_lossy(&self.raw()).into_owned()
    }
}

/// A LIST or LSUB response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxList<'a> {
    /// Name attributes (`\HasNoChildren`, `\Noselect`, `\Sent`, …).
    pub attributes: FlagList<'a>,
    /// The hierarchy delimiter (`None` for NIL: a flat namespace).
    pub delimiter: NString<'a>,
    /// The mailbox.
    pub mailbox: Mailbox<'a>,
    /// LIST-EXTENDED data after the name (`("CHILDINFO" ("SUBSCRIBED"))`), verbatim.
    pub extended: Option<Raw<'a>>,
    /// The `OLDNAME` item of the extended data (`("OLDNAME" ("old"))`, RFC 9051 §7.3.1 /
    /// RFC 5258 §3.5): the name the mailbox had before a RENAME.
    pub old_name: Option<Mailbox<'a>>,
}

impl MailboxList<'_> {
    /// True if the attribute is present (ASCII case-insensitive), e.g. `"\\Noselect"`.
    pub fn has(&self, attribute: &str) -> bool {
        self.attributes.has(attribute)
    }

    /// The delimiter as a byte, when it is one.
    pub fn delimiter_byte(&self) -> Option<u8> {
        match self.delimiter?.bytes().as_ref() {
            [b] => Some(*b),
            _ => None,
        }
    }
}

/// A STATUS attribute name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusAttr<'a> {
    /// MESSAGES
    Messages,
    /// RECENT
    Recent,
    /// UIDNEXT
    UidNext,
    /// UIDVALIDITY
    UidValidity,
    /// UNSEEN
    Unseen,
    /// DELETED (RFC 9051)
    Deleted,
    /// SIZE (RFC 8438)
    Size,
    /// HIGHESTMODSEQ (RFC 7162)
    HighestModSeq,
    /// Anything else.
    Other(&'a [u8]),
}

impl<'a> StatusAttr<'a> {
    fn from_name(name: &'a [u8]) -> Self {
        const NAMES: [(&[u8], StatusAttr<'static>); 8] = [
            (b"MESSAGES", StatusAttr::Messages),
            (b"RECENT", StatusAttr::Recent),
            (b"UIDNEXT", StatusAttr::UidNext),
            (b"UIDVALIDITY", StatusAttr::UidValidity),
            (b"UNSEEN", StatusAttr::Unseen),
            (b"DELETED", StatusAttr::Deleted),
            (b"SIZE", StatusAttr::Size),
            (b"HIGHESTMODSEQ", StatusAttr::HighestModSeq),
        ];
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or(StatusAttr::Other(name), |(_, a)| *a)
    }

    /// The attribute's name.
    pub fn name(&self) -> &'a [u8] {
        match self {
            StatusAttr::Messages => b"MESSAGES",
            StatusAttr::Recent => b"RECENT",
            StatusAttr::UidNext => b"UIDNEXT",
            StatusAttr::UidValidity => b"UIDVALIDITY",
            StatusAttr::Unseen => b"UNSEEN",
            StatusAttr::Deleted => b"DELETED",
            StatusAttr::Size => b"SIZE",
            StatusAttr::HighestModSeq => b"HIGHESTMODSEQ",
            StatusAttr::Other(n) => n,
        }
    }
}

/// A STATUS response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxStatus<'a> {
    /// The mailbox.
    pub mailbox: Mailbox<'a>,
    /// The attributes and their values, in order.
    pub items: Vec<(StatusAttr<'a>, u64)>,
}

impl<'a> MailboxStatus<'a> {
    /// The value of an attribute.
    pub fn get(&self, attr: StatusAttr<'_>) -> Option<u64> {
        self.items
            .iter()
            .find(|(a, _)| a.name().eq_ignore_ascii_case(attr.name()))
            .map(|(_, v)| *v)
    }

    /// Writes the canonical form of the data after `STATUS `: `mailbox (A n B m)`, the
    /// name quoted when it is not an atom.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let raw = self.mailbox.raw();
        if !raw.is_empty() && raw.iter().all(|&b| is_astring_char(b)) {
            out.extend_from_slice(&raw);
        } else {
            out.push(b'"');
            for &b in raw.iter() {
                if b == b'"' || b == b'\\' {
                    out.push(b'\\');
                }
                out.push(b);
            }
            out.push(b'"');
        }
        out.extend_from_slice(b" (");
        for (i, (a, v)) in self.items.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(a.name());
            out.extend_from_slice(format!(" {v}").as_bytes());
        }
        out.push(b')');
    }
}

/// One namespace: prefix, delimiter and extension data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace<'a> {
    /// The prefix (e.g. `""` or `"Other Users/"`).
    pub prefix: Str<'a>,
    /// The delimiter, or `None` for NIL.
    pub delimiter: NString<'a>,
    /// Extensions: `name (value …)`.
    pub extensions: Vec<(Str<'a>, Vec<Str<'a>>)>,
}

/// A NAMESPACE response: personal, other users', shared (each NIL → empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Namespaces<'a> {
    /// Personal namespaces.
    pub personal: Vec<Namespace<'a>>,
    /// Other users' namespaces.
    pub other: Vec<Namespace<'a>>,
    /// Shared namespaces.
    pub shared: Vec<Namespace<'a>>,
}

impl<'a> Cursor<'a> {
    /// `mailbox`, an astring.
    pub(crate) fn mailbox(&mut self) -> ParseResult<Mailbox<'a>> {
        self.astring().map(Mailbox)
    }

    /// LIST/LSUB data: `(attrs) SP delim SP mailbox [SP extended]`.
    pub(crate) fn mailbox_list(&mut self) -> ParseResult<MailboxList<'a>> {
        let attributes = self.flag_list(false)?;
        self.sp()?;
        let delimiter = if self.nil() {
            None
        } else {
            Some(self.quoted(false)?)
        };
        self.sp()?;
        let mailbox = match self.peek() {
            // Nearly every name is quoted: the quoted string's (inlined) fast path first.
            Some(b'"') => Mailbox(self.quoted(false)?),
            Some(b'{' | b'~') => Mailbox(self.string(false)?),
            _ => {
                // Exchange: CTL characters (TAB…) inside an unquoted name.
                let n = self
                    .rest
                    .iter()
                    .take_while(|&&b| is_astring_char(b) || (b != 0 && b < 0x20) || b == 0x7f)
                    .count();
                if n == 0 {
                    return self.fail("a mailbox name");
                }
                let name = &self.rest[..n];
                if name.iter().any(|&b| b < 0x20 || b == 0x7f) {
                    self.quirk(Quirk::CtlInMailbox);
                }
                self.advance(n);
                Mailbox(Str::new(name, StrForm::Atom))
            }
        };
        let (extended, old_name) = if self.eat(b' ') {
            let old_name = self.clone().list_old_name()?;
            (Some(self.raw_value()?), old_name)
        } else {
            (None, None)
        };
        Ok(MailboxList {
            attributes,
            delimiter,
            mailbox,
            extended,
            old_name,
        })
    }

    /// The `OLDNAME` of LIST extended data: `"(" [item *(SP item)] ")"`, item = `tag SP
    /// value`, OLDNAME's value `"(" mailbox ")"`. Other items are skipped. Data of another
    /// shape is no OLDNAME (it is kept verbatim, and judged, as `extended`); an OLDNAME
    /// item that is malformed is an error.
    fn list_old_name(&mut self) -> ParseResult<Option<Mailbox<'a>>> {
        if !self.eat(b'(') || self.eat(b')') {
            return Ok(None);
        }
        let mut old = None;
        loop {
            let Ok(tag) = self.astring() else {
                return Ok(None);
            };
            if self.sp().is_err() {
                return Ok(None);
            }
            if tag.eq_ignore_ascii_case(b"OLDNAME") {
                if !self.eat(b'(') {
                    return self.fail("'(' before the old name");
                }
                old = Some(self.mailbox()?);
                if !self.eat(b')') {
                    return self.fail("')' after the old name");
                }
            } else if self.raw_value().is_err() {
                return Ok(None);
            }
            if self.eat(b')') {
                return Ok(old);
            }
            if self.sp().is_err() {
                return Ok(None);
            }
        }
    }

    /// STATUS data: `mailbox SP "(" [att SP number *(SP att SP number)] ")"`.
    pub(crate) fn mailbox_status(&mut self) -> ParseResult<MailboxStatus<'a>> {
        let mailbox = match self.peek() {
            Some(b'"' | b'{' | b'~') => self.mailbox()?,
            _ => {
                let n = self
                    .rest
                    .iter()
                    .take_while(|&&b| is_astring_char(b))
                    .count();
                let space_paren = memchr::memmem::rfind(self.rest, b" (");
                match space_paren {
                    Some(p) if p > n && n > 0 => {
                        // strato.de: `* STATUS Sent Items (MESSAGES 0)`.
                        self.quirk(Quirk::UnquotedMailboxWithSpaces);
                        let name = &self.rest[..p];
                        self.advance(p);
                        Mailbox(Str::new(name, StrForm::Atom))
                    }
                    _ => self.mailbox()?,
                }
            }
        };
        self.sp()?;
        self.expect(b'(', "'('")?;
        let mut items = Vec::with_capacity(4);
        if !self.eat(b')') {
            loop {
                let name = self.atom()?;
                self.sp()?;
                let value = self.number64()?;
                items.push((StatusAttr::from_name(name), value));
                if !self.list_next()? {
                    break;
                }
            }
        }
        self.trailing_space(Quirk::TrailingSpaceStatus);
        Ok(MailboxStatus { mailbox, items })
    }

    /// NAMESPACE data: three namespace lists.
    pub(crate) fn namespaces(&mut self) -> ParseResult<Namespaces<'a>> {
        let personal = self.namespace_list()?;
        self.sp()?;
        let other = self.namespace_list()?;
        self.sp()?;
        let shared = self.namespace_list()?;
        Ok(Namespaces {
            personal,
            other,
            shared,
        })
    }

    fn namespace_list(&mut self) -> ParseResult<Vec<Namespace<'a>>> {
        if self.nil() {
            return Ok(Vec::new());
        }
        self.expect(b'(', "NIL or '('")?;
        let mut list = Vec::new();
        loop {
            self.expect(b'(', "'(' starting a namespace")?;
            let prefix = self.string(false)?;
            self.sp()?;
            let delimiter = if self.nil() {
                None
            } else {
                Some(self.quoted(false)?)
            };
            let mut extensions = Vec::new();
            while self.eat(b' ') {
                let name = self.string(false)?;
                self.sp()?;
                self.expect(b'(', "'('")?;
                let mut values = Vec::new();
                loop {
                    values.push(self.string(false)?);
                    if !self.list_next()? {
                        break;
                    }
                }
                extensions.push((name, values));
            }
            self.close()?;
            list.push(Namespace {
                prefix,
                delimiter,
                extensions,
            });
            if self.eat(b')') {
                return Ok(list);
            }
        }
    }
}
