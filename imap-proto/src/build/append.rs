//! One message of a MULTIAPPEND (RFC 3502): [`AppendMessage`].

use chrono::{DateTime, FixedOffset};

use super::Flag;

/// One message of [`Command::append_many`](crate::Command::append_many): its bytes, the
/// flags to give it and its internal date (the server's clock when none).
///
/// ```
/// use imaplib_proto::build::{AppendMessage, Flag};
/// use imaplib_proto::chrono::DateTime;
///
/// let date = DateTime::parse_from_rfc3339("2024-02-01T10:00:00+01:00").unwrap();
/// let m = AppendMessage::new(b"Subject: hi\r\n\r\nHello\r\n")
///     .flags([Flag::Seen])
///     .date(date);
/// assert_eq!(m.message(), b"Subject: hi\r\n\r\nHello\r\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendMessage<'a> {
    pub(crate) message: &'a [u8],
    pub(crate) flags: Vec<Flag>,
    pub(crate) date: Option<DateTime<FixedOffset>>,
    pub(crate) utf8: bool,
}

impl<'a> AppendMessage<'a> {
    /// The message `message` (CRLF line ends), no flags, no date.
    pub fn new(message: &'a [u8]) -> Self {
        AppendMessage {
            message,
            flags: Vec::new(),
            date: None,
            utf8: false,
        }
    }

    /// Sends the message as UTF-8 data (RFC 6855 §4): `UTF8 (~{N}` message `)`, the form a
    /// message with UTF-8 header fields (RFC 6532) must take. Needs UTF8=ACCEPT confirmed
    /// by the server ([`Connection::utf8_accepted`](crate::Connection::utf8_accepted));
    /// otherwise the APPEND is refused before anything is sent.
    ///
    /// ```
    /// use imaplib_proto::build::AppendMessage;
    /// let m = AppendMessage::new("Subject: Grüße\r\n\r\nHallo\r\n".as_bytes()).utf8();
    /// assert!(m.is_utf8());
    /// ```
    pub fn utf8(mut self) -> Self {
        self.utf8 = true;
        self
    }

    /// True when the message goes out as UTF-8 data ([`utf8`](Self::utf8)).
    pub fn is_utf8(&self) -> bool {
        self.utf8
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

    /// The message bytes.
    pub fn message(&self) -> &'a [u8] {
        self.message
    }
}
