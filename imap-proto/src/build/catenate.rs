//! CATENATE (RFC 4469): a message built by the server from text and IMAP URLs to parts of
//! messages it already holds — [`CatenateMessage`], [`CatenatePart`] and [`ImapUrl`].

use std::fmt;

use chrono::{DateTime, FixedOffset};

use super::Flag;
use crate::error::{ArgumentProblem, Error, Reason, Result};

fn refused(what: &str, problem: ArgumentProblem, message: impl Into<String>) -> Error {
    Error::error(Reason::argument(what, problem), message)
}

/// A relative IMAP URL (RFC 5092) naming a message, or a part of one, on the server the
/// connection talks to: `/INBOX;UIDVALIDITY=7/;UID=12/;SECTION=TEXT/;PARTIAL=0.100`.
///
/// Built from its pieces ([`ImapUrl::message`], then [`section`](Self::section) and
/// [`partial`](Self::partial)) with every piece percent-encoded, or taken as a string
/// ([`ImapUrl::parse`]) when it holds only URL characters. Either way it goes on the wire as
/// one quoted string and can never break the command.
///
/// ```
/// use imaplib_proto::build::ImapUrl;
/// let url = ImapUrl::message("INBOX", Some(1796179284), 2)?.section("TEXT")?;
/// assert_eq!(url.as_str(), "/INBOX;UIDVALIDITY=1796179284/;UID=2/;SECTION=TEXT");
/// let url = ImapUrl::message("Sent Items", None, 9)?.section("HEADER.FIELDS (SUBJECT)")?.partial(0, Some(64))?;
/// assert_eq!(url.as_str(), "/Sent%20Items/;UID=9/;SECTION=HEADER.FIELDS%20(SUBJECT)/;PARTIAL=0.64");
/// assert!(ImapUrl::parse("/INBOX/;UID=1\r\nX LOGOUT").is_err());
/// assert!(ImapUrl::message("INBOX", None, 0).is_err());
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImapUrl {
    url: String,
}

/// True for RFC 5092's `bchar` outside percent-escapes: what goes unescaped.
fn is_bchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$'()*+,&=:@/".contains(&b)
}

/// Percent-encodes every byte that is not a `bchar`.
fn percent_encode(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        if is_bchar(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

impl ImapUrl {
    /// The URL of message `uid` of `mailbox` (`/mailbox;UIDVALIDITY=v/;UID=u`). The
    /// mailbox name is written as UTF-8, percent-encoded (RFC 5092 §3); give `uidvalidity`
    /// (from SELECT or STATUS) so that the server refuses the URL if the UIDs changed.
    ///
    /// # Errors
    /// An argument error for an empty or NUL-holding mailbox name, or a zero UID or
    /// UIDVALIDITY.
    pub fn message(mailbox: &str, uidvalidity: Option<u32>, uid: u32) -> Result<Self> {
        if mailbox.is_empty() {
            return Err(refused(
                "the URL's mailbox",
                ArgumentProblem::Empty,
                "an IMAP URL needs a mailbox name",
            ));
        }
        crate::encode::no_nul("the URL's mailbox", mailbox.as_bytes())?;
        if uid == 0 || uidvalidity == Some(0) {
            return Err(refused(
                "the URL's UID",
                ArgumentProblem::Zero,
                "UID and UIDVALIDITY in an IMAP URL are non-zero numbers",
            ));
        }
        let mut url = String::from("/");
        percent_encode(mailbox.as_bytes(), &mut url);
        if let Some(v) = uidvalidity {
            url.push_str(&format!(";UIDVALIDITY={v}"));
        }
        url.push_str(&format!("/;UID={uid}"));
        Ok(ImapUrl { url })
    }

    /// Narrows the URL to a section (`/;SECTION=…`), written as in FETCH's `BODY[…]`:
    /// `HEADER`, `TEXT`, `1.2`, `1.MIME`, `HEADER.FIELDS (SUBJECT)`. Percent-encoded.
    ///
    /// # Errors
    /// An argument error when the URL already has a section or a partial, or the section
    /// is empty or not printable ASCII.
    pub fn section(mut self, section: &str) -> Result<Self> {
        if self.url.contains("/;SECTION=") || self.url.contains("/;PARTIAL=") {
            return Err(refused(
                "the URL's section",
                ArgumentProblem::NotAllowed,
                "the URL already has a section or a partial",
            ));
        }
        if section.is_empty() || !section.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(refused(
                "the URL's section",
                ArgumentProblem::NotAllowed,
                format!("not a section: {section:?}"),
            ));
        }
        self.url.push_str("/;SECTION=");
        percent_encode(section.as_bytes(), &mut self.url);
        Ok(self)
    }

    /// Narrows the URL to `length` octets (to the end when `None`) from `offset`
    /// (`/;PARTIAL=offset.length`).
    ///
    /// # Errors
    /// An argument error when the URL already has a partial, or `length` is zero.
    pub fn partial(mut self, offset: u32, length: Option<u32>) -> Result<Self> {
        if self.url.contains("/;PARTIAL=") {
            return Err(refused(
                "the URL's partial",
                ArgumentProblem::NotAllowed,
                "the URL already has a partial",
            ));
        }
        if length == Some(0) {
            return Err(refused(
                "the URL's partial",
                ArgumentProblem::Zero,
                "a partial's length is a non-zero number",
            ));
        }
        self.url.push_str(&format!("/;PARTIAL={offset}"));
        if let Some(n) = length {
            self.url.push_str(&format!(".{n}"));
        }
        Ok(self)
    }

    /// Takes a URL written elsewhere (an absolute `imap://…` one, or a URLAUTH-authorised
    /// one) as it is, after checking it holds only URL characters (RFC 3986: letters,
    /// digits, `-._~:/?#[]@!$&'()*+,;=` and `%` escapes): no space, quote, backslash,
    /// control or 8-bit byte, and nothing that could end the quoted string it is sent in.
    ///
    /// # Errors
    /// An argument error for an empty URL or any other byte.
    pub fn parse(url: &str) -> Result<Self> {
        if url.is_empty() {
            return Err(refused(
                "the URL",
                ArgumentProblem::Empty,
                "an IMAP URL cannot be empty",
            ));
        }
        if let Some(b) = url
            .bytes()
            .find(|&b| !(b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)))
        {
            let problem = match b {
                0 => ArgumentProblem::Nul,
                b'\r' | b'\n' => ArgumentProblem::LineBreak,
                _ => ArgumentProblem::NotAllowed,
            };
            return Err(refused(
                "the URL",
                problem,
                format!("byte {b:#04x} is not allowed in an IMAP URL"),
            ));
        }
        Ok(ImapUrl {
            url: url.to_owned(),
        })
    }

    /// The URL as sent (inside a quoted string).
    pub fn as_str(&self) -> &str {
        &self.url
    }
}

impl fmt::Display for ImapUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

/// One piece of a [`CatenateMessage`]: literal text, or the bytes an IMAP URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatenatePart<'a> {
    /// `TEXT {n}`: these bytes, sent as a literal (CRLF line ends, as given; no NUL).
    Text(&'a [u8]),
    /// `URL "…"`: the message or part the URL names, copied by the server.
    Url(ImapUrl),
}

/// A message for `APPEND … CATENATE (…)` (RFC 4469,
/// [`Command::append_catenate`](crate::Command::append_catenate)): its parts in order,
/// with the flags and internal date to give it.
///
/// ```
/// use imaplib_proto::build::{CatenateMessage, Flag, ImapUrl};
/// let body = ImapUrl::message("INBOX", Some(7), 12)?.section("TEXT")?;
/// let m = CatenateMessage::new()
///     .text(b"Subject: Fwd: lunch\r\n\r\n")
///     .url(body)
///     .flags([Flag::Seen]);
/// assert_eq!(m.parts().len(), 2);
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatenateMessage<'a> {
    pub(crate) parts: Vec<CatenatePart<'a>>,
    pub(crate) flags: Vec<Flag>,
    pub(crate) date: Option<DateTime<FixedOffset>>,
}

impl<'a> CatenateMessage<'a> {
    /// A message of no parts yet, no flags, no date.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a `TEXT` part.
    pub fn text(mut self, text: &'a [u8]) -> Self {
        self.parts.push(CatenatePart::Text(text));
        self
    }

    /// Appends a `URL` part.
    pub fn url(mut self, url: ImapUrl) -> Self {
        self.parts.push(CatenatePart::Url(url));
        self
    }

    /// Appends a part.
    pub fn part(mut self, part: CatenatePart<'a>) -> Self {
        self.parts.push(part);
        self
    }

    /// Gives the message these flags (no flag list is sent when there are none).
    pub fn flags(mut self, flags: impl IntoIterator<Item = Flag>) -> Self {
        self.flags = flags.into_iter().collect();
        self
    }

    /// Gives the message this internal date.
    pub fn date(mut self, date: DateTime<FixedOffset>) -> Self {
        self.date = Some(date);
        self
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[CatenatePart<'a>] {
        &self.parts
    }
}
