//! ENVELOPE (RFC 3501 §7.4.2) with borrowed fields.

use super::cursor::Cursor;
use super::error::ParseResult;
use super::quirk::Quirk;
use super::token::NString;

/// An address: `(name adl mailbox host)`.
///
/// Group syntax (RFC 3501): `host == None` starts a group whose name is `mailbox`;
/// `mailbox == None && host == None` ends it. [`grouped`] walks a list that way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address<'a> {
    /// Display name.
    pub name: NString<'a>,
    /// Source route (obsolete).
    pub adl: NString<'a>,
    /// Local part, or the group name at a group start.
    pub mailbox: NString<'a>,
    /// Domain; `None` in the group markers.
    pub host: NString<'a>,
}

impl Address<'_> {
    /// True for a group-start marker.
    pub fn is_group_start(&self) -> bool {
        self.host.is_none() && self.mailbox.is_some()
    }

    /// True for a group-end marker.
    pub fn is_group_end(&self) -> bool {
        self.host.is_none() && self.mailbox.is_none()
    }

    /// The display name as text, RFC 2047 encoded words decoded ([`super::decode_words`]).
    pub fn display_name(&self) -> Option<String> {
        self.name
            .map(|n| super::decode_words(&n.bytes()).into_owned())
    }

    /// `mailbox@host` (lossy UTF-8), when both are present.
    pub fn email(&self) -> Option<String> {
        Some(format!(
            "{}@{}",
            self.mailbox?.to_str_lossy(),
            self.host?.to_str_lossy()
        ))
    }
}

/// An entry of an address list with group syntax resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressEntry<'l, 'a> {
    /// A plain address.
    Mailbox(&'l Address<'a>),
    /// A group: its name and member addresses.
    Group {
        /// The group's display name.
        name: NString<'a>,
        /// The addresses in the group.
        members: &'l [Address<'a>],
    },
}

/// Walks an address list resolving RFC 3501 group syntax (an unterminated group runs to the
/// end of the list).
pub fn grouped<'l, 'a>(list: &'l [Address<'a>]) -> impl Iterator<Item = AddressEntry<'l, 'a>> {
    let mut i = 0;
    std::iter::from_fn(move || {
        let a = list.get(i)?;
        if a.is_group_start() {
            let start = i + 1;
            let mut end = start;
            while end < list.len() && !list[end].is_group_end() {
                end += 1;
            }
            i = end + 1;
            return Some(AddressEntry::Group {
                name: a.mailbox,
                members: &list[start..end],
            });
        }
        i += 1;
        Some(AddressEntry::Mailbox(a))
    })
}

/// An address list of an [`Envelope`], in the order sent: a slice of [`Address`]es (it
/// derefs to `[Address]`: index it, iterate it, take its `len`). A list of one address —
/// From, Sender and Reply-To nearly always are — is held inline, without an allocation.
#[derive(Clone, Default)]
pub struct Addresses<'a>(AddressRepr<'a>);

#[derive(Clone, Default)]
enum AddressRepr<'a> {
    #[default]
    Empty,
    One(Address<'a>),
    Many(Vec<Address<'a>>),
}

impl<'a> Addresses<'a> {
    /// Appends an address.
    pub fn push(&mut self, address: Address<'a>) {
        match &mut self.0 {
            AddressRepr::Empty => self.0 = AddressRepr::One(address),
            AddressRepr::One(first) => {
                let mut many = Vec::with_capacity(4);
                many.extend([*first, address]);
                self.0 = AddressRepr::Many(many);
            }
            AddressRepr::Many(many) => many.push(address),
        }
    }
}

impl<'a> std::ops::Deref for Addresses<'a> {
    type Target = [Address<'a>];

    fn deref(&self) -> &[Address<'a>] {
        match &self.0 {
            AddressRepr::Empty => &[],
            AddressRepr::One(one) => std::slice::from_ref(one),
            AddressRepr::Many(many) => many,
        }
    }
}

impl<'a> From<Vec<Address<'a>>> for Addresses<'a> {
    fn from(list: Vec<Address<'a>>) -> Self {
        let mut out = Addresses::default();
        list.into_iter().for_each(|a| out.push(a));
        out
    }
}

impl<'l, 'a> IntoIterator for &'l Addresses<'a> {
    type Item = &'l Address<'a>;
    type IntoIter = std::slice::Iter<'l, Address<'a>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl std::fmt::Debug for Addresses<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Addresses<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Addresses<'_> {}

impl<'a> PartialEq<[Address<'a>]> for Addresses<'a> {
    fn eq(&self, other: &[Address<'a>]) -> bool {
        **self == *other
    }
}

impl<'a> PartialEq<Vec<Address<'a>>> for Addresses<'a> {
    fn eq(&self, other: &Vec<Address<'a>>) -> bool {
        **self == **other
    }
}

/// An ENVELOPE.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// Date header (unparsed; see [`Envelope::parsed_date`]).
    pub date: NString<'a>,
    /// Subject header (possibly RFC 2047 encoded).
    pub subject: NString<'a>,
    /// From addresses.
    pub from: Addresses<'a>,
    /// Sender addresses.
    pub sender: Addresses<'a>,
    /// Reply-To addresses.
    pub reply_to: Addresses<'a>,
    /// To addresses.
    pub to: Addresses<'a>,
    /// Cc addresses.
    pub cc: Addresses<'a>,
    /// Bcc addresses.
    pub bcc: Addresses<'a>,
    /// In-Reply-To header.
    pub in_reply_to: NString<'a>,
    /// Message-ID header.
    pub message_id: NString<'a>,
}

impl Envelope<'_> {
    /// The Subject as text, RFC 2047 encoded words decoded ([`super::decode_words`]); the
    /// raw bytes stay in [`Envelope::subject`].
    pub fn subject_text(&self) -> Option<String> {
        self.subject
            .map(|s| super::decode_words(&s.bytes()).into_owned())
    }

    /// The Date header parsed as RFC 2822, if it is.
    pub fn parsed_date(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        let d = self.date?.to_str_lossy();
        chrono::DateTime::parse_from_rfc2822(d.trim()).ok()
    }
}

impl<'a> Cursor<'a> {
    /// `"(" env-date SP env-subject SP env-from … ")"`, with the envelope quirks; parsed
    /// into its box (an envelope is large: its address lists hold one address inline).
    pub(crate) fn envelope(&mut self) -> ParseResult<Box<Envelope<'a>>> {
        let mut env = Box::<Envelope<'a>>::default();
        self.envelope_into(&mut env)?;
        Ok(env)
    }

    fn envelope_into(&mut self, env: &mut Envelope<'a>) -> ParseResult<()> {
        self.expect(b'(', "'(' starting ENVELOPE")?;
        let extra = self.peek() == Some(b'(');
        if extra {
            self.quirk(Quirk::ExtraEnvelopeParens);
            self.advance(1);
        }
        env.date = self.nstring(true)?;
        self.sp()?;
        env.subject = self.nstring(true)?;
        for field in [
            &mut env.from,
            &mut env.sender,
            &mut env.reply_to,
            &mut env.to,
            &mut env.cc,
            &mut env.bcc,
        ] {
            self.sp()?;
            self.address_list_into(field)?;
        }
        if self.close_envelope_early()? {
            return env_done(self, extra);
        }
        self.sp()?;
        env.in_reply_to = self.nstring(true)?;
        if self.close_envelope_early()? {
            return env_done(self, extra);
        }
        self.sp()?;
        env.message_id = self.nstring(true)?;
        self.close()?;
        env_done(self, extra)
    }

    /// `)` where more envelope fields were due ([`Quirk::MissingEnvelopeFields`]).
    fn close_envelope_early(&mut self) -> ParseResult<bool> {
        if matches!(self.rest, [b')', ..] | [b' ', b')', ..]) {
            self.close()?;
            self.quirk(Quirk::MissingEnvelopeFields);
            return Ok(true);
        }
        Ok(false)
    }

    /// NIL or `"(" 1*address ")"`, with the address-list quirks.
    #[cfg(test)]
    pub(crate) fn address_list(&mut self) -> ParseResult<Addresses<'a>> {
        let mut list = Addresses::default();
        self.address_list_into(&mut list)?;
        Ok(list)
    }

    /// [`Cursor::address_list`] appended to `list` where it lies.
    fn address_list_into(&mut self, list: &mut Addresses<'a>) -> ParseResult<()> {
        if self.nil() {
            return Ok(());
        }
        self.expect(b'(', "NIL or '(' starting an address list")?;
        loop {
            let spaces = self.rest.iter().take_while(|&&b| b == b' ').count();
            if spaces > 0 {
                self.quirk(Quirk::SpacesInAddressList);
                self.advance(spaces);
            }
            if self.eat(b')') {
                if list.is_empty() {
                    self.quirk(Quirk::EmptyAddressList);
                }
                return Ok(());
            }
            list.push(self.address()?);
        }
    }

    fn address(&mut self) -> ParseResult<Address<'a>> {
        self.expect(b'(', "'(' starting an address")?;
        let name = self.nstring(true)?;
        self.sp()?;
        let adl = self.nstring(true)?;
        self.sp()?;
        let mailbox = self.nstring(true)?;
        self.sp()?;
        let host = self.nstring(true)?;
        self.close()?;
        Ok(Address {
            name,
            adl,
            mailbox,
            host,
        })
    }
}

fn env_done(c: &mut Cursor<'_>, extra: bool) -> ParseResult<()> {
    if extra {
        c.close()?;
    }
    Ok(())
}
