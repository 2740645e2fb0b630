//! Flags for commands: system flags and validated keywords.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::encode::{arg_error, Arg};
use crate::error::{ArgumentProblem, Error, Result};
use crate::parse;

/// A message flag: a system flag or a [`Keyword`].
///
/// The same values come back in FETCH results as [`parse::Flag`] (borrowed, as the server
/// wrote them); the two compare with `==` (ignoring ASCII case, as IMAP does) and convert
/// with [`Flag::try_from`] / [`Flag::as_parsed`], so flags read from one message can be
/// stored on another.
///
/// `\Recent` is here so that flags read back fit; the server alone sets it, and STORE and
/// APPEND refuse it.
///
/// ```
/// use imaplib_proto::build::{Flag, Keyword};
/// use imaplib_proto::parse;
///
/// let forwarded = Flag::keyword("$Forwarded")?;
/// assert_eq!(forwarded, Flag::Keyword(Keyword::FORWARDED));
/// assert_eq!("\\seen".parse::<Flag>()?, Flag::Seen);
/// assert_eq!(Flag::Seen.to_string(), "\\Seen");
/// assert!(Flag::keyword("two words").is_err());
/// assert!(Flag::keyword("\\Seen").is_err()); // a keyword has no backslash
///
/// let read = parse::Flag(b"\\SEEN");
/// assert!(Flag::Seen == read && read == Flag::Seen);
/// assert_eq!(Flag::try_from(parse::Flag(b"$label"))?, Flag::keyword("$label")?);
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Flag {
    /// `\Seen`: the message has been read.
    Seen,
    /// `\Answered`: the message has been answered.
    Answered,
    /// `\Flagged`: the message is flagged for attention.
    Flagged,
    /// `\Deleted`: the message is marked for removal by EXPUNGE.
    Deleted,
    /// `\Draft`: the message is a draft.
    Draft,
    /// `\Recent` (RFC 3501; gone in RFC 9051): set by the server only. Never sent in STORE or
    /// APPEND; as a search key it is [`SearchKey::recent`](super::SearchKey::recent).
    Recent,
    /// A keyword (`$Forwarded`, `Work`…).
    Keyword(Keyword),
}

impl Flag {
    /// A keyword flag, validated: a non-empty IMAP atom (ASCII letters, digits and most
    /// punctuation; no space, control, 8-bit, `\` or any of `( ) [ ] { % * "`; no leading `~`). An invalid
    /// name is an argument error.
    ///
    /// ```
    /// use imaplib_proto::build::Flag;
    /// assert_eq!(Flag::keyword("$MDNSent")?.to_string(), "$MDNSent");
    /// assert!(Flag::keyword("a(b").is_err());
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn keyword(name: &str) -> Result<Flag> {
        Ok(Flag::Keyword(Keyword::new(name)?))
    }

    /// The flag as IMAP writes it: `\Seen`, or the keyword.
    ///
    /// ```
    /// use imaplib_proto::build::Flag;
    /// assert_eq!(Flag::Draft.as_str(), "\\Draft");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            Flag::Seen => "\\Seen",
            Flag::Answered => "\\Answered",
            Flag::Flagged => "\\Flagged",
            Flag::Deleted => "\\Deleted",
            Flag::Draft => "\\Draft",
            Flag::Recent => "\\Recent",
            Flag::Keyword(k) => k.as_str(),
        }
    }

    /// True for the system flags (all but keywords).
    pub fn is_system(&self) -> bool {
        !matches!(self, Flag::Keyword(_))
    }

    /// The same flag as the parser's borrowed [`parse::Flag`].
    ///
    /// ```
    /// use imaplib_proto::build::Flag;
    /// assert_eq!(Flag::Seen.as_parsed().as_bytes(), b"\\Seen");
    /// ```
    pub fn as_parsed(&self) -> parse::Flag<'_> {
        parse::Flag(self.as_str().as_bytes())
    }

    /// The flag as a STORE or APPEND flag list item; `\Recent` is refused.
    pub(crate) fn storable(&self, what: &str) -> Result<Arg> {
        if *self == Flag::Recent {
            return Err(arg_error(
                what,
                ArgumentProblem::NotAllowed,
                format!("\\Recent is set by the server only and cannot be given in {what}"),
            ));
        }
        Ok(Arg::Atom(self.as_str().as_bytes().to_vec()))
    }
}

/// The flag list `(f1 f2 …)` of STORE and APPEND.
pub(crate) fn flag_list<'a>(what: &str, flags: impl IntoIterator<Item = &'a Flag>) -> Result<Arg> {
    let items = flags
        .into_iter()
        .map(|f| f.storable(what))
        .collect::<Result<Vec<_>>>()?;
    Ok(Arg::Group(items))
}

impl fmt::Display for Flag {
    /// `\Seen`, or the keyword.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Flag {
    type Err = Error;

    /// `\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`, `\Recent` (any case), or a
    /// keyword ([`Flag::keyword`]). Other `\` names are refused.
    fn from_str(s: &str) -> Result<Flag> {
        if let Some(name) = s.strip_prefix('\\') {
            let system = [
                Flag::Seen,
                Flag::Answered,
                Flag::Flagged,
                Flag::Deleted,
                Flag::Draft,
                Flag::Recent,
            ];
            return system
                .into_iter()
                .find(|f| f.as_str()[1..].eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    arg_error(
                        "the flag",
                        ArgumentProblem::NotAllowed,
                        format!(
                            "not a system flag: {} (keywords have no backslash)",
                            crate::trace::str_repr(s)
                        ),
                    )
                });
        }
        Flag::keyword(s)
    }
}

impl TryFrom<parse::Flag<'_>> for Flag {
    type Error = Error;

    /// A flag read from the server, if it is one a command can name (not `\*`, not an
    /// unknown `\` name, not a malformed keyword tolerated by a quirk).
    fn try_from(f: parse::Flag<'_>) -> Result<Flag> {
        match std::str::from_utf8(f.as_bytes()) {
            Ok(s) => s.parse(),
            Err(_) => Err(arg_error(
                "the flag",
                ArgumentProblem::NotAtom,
                format!("not a flag: {}", crate::trace::bytes_repr(f.as_bytes())),
            )),
        }
    }
}

impl<'a> From<&'a Flag> for parse::Flag<'a> {
    fn from(f: &'a Flag) -> Self {
        f.as_parsed()
    }
}

impl PartialEq<parse::Flag<'_>> for Flag {
    /// Same flag, ignoring ASCII case.
    fn eq(&self, other: &parse::Flag<'_>) -> bool {
        other.is(self.as_str())
    }
}

impl PartialEq<Flag> for parse::Flag<'_> {
    /// Same flag, ignoring ASCII case.
    fn eq(&self, other: &Flag) -> bool {
        self.is(other.as_str())
    }
}

impl From<Keyword> for Flag {
    fn from(k: Keyword) -> Flag {
        Flag::Keyword(k)
    }
}

/// A keyword (`flag-keyword`): a validated IMAP atom without a backslash.
///
/// RFC 9051's registered keywords are constants.
///
/// ```
/// use imaplib_proto::build::Keyword;
/// let k = Keyword::new("Work")?;
/// assert_eq!(k.as_str(), "Work");
/// assert_eq!(Keyword::JUNK.as_str(), "$Junk");
/// assert!(Keyword::new("").is_err());
/// assert!(Keyword::new("Ärger").is_err()); // atoms are ASCII
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Keyword(Cow<'static, str>);

impl Keyword {
    /// `$Forwarded`: the message has been forwarded.
    pub const FORWARDED: Keyword = Keyword(Cow::Borrowed("$Forwarded"));
    /// `$MDNSent`: a disposition notification has been sent.
    pub const MDN_SENT: Keyword = Keyword(Cow::Borrowed("$MDNSent"));
    /// `$Junk`: the message is junk.
    pub const JUNK: Keyword = Keyword(Cow::Borrowed("$Junk"));
    /// `$NotJunk`: the message is not junk.
    pub const NOT_JUNK: Keyword = Keyword(Cow::Borrowed("$NotJunk"));
    /// `$Phishing`: the message is likely phishing.
    pub const PHISHING: Keyword = Keyword(Cow::Borrowed("$Phishing"));

    /// Validates a keyword: a non-empty atom (no space, control, 8-bit, `\` or any of
    /// `( ) [ ] { % * "`; no leading `~`); otherwise an argument error.
    pub fn new(name: &str) -> Result<Keyword> {
        super::atom("the keyword", name)?;
        Ok(Keyword(Cow::Owned(name.to_string())))
    }

    /// The keyword.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Keyword {
    type Err = Error;

    /// [`Keyword::new`].
    fn from_str(s: &str) -> Result<Keyword> {
        Keyword::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_and_print() {
        for (text, flag) in [
            ("\\Seen", Flag::Seen),
            ("\\ANSWERED", Flag::Answered),
            ("\\flagged", Flag::Flagged),
            ("\\Deleted", Flag::Deleted),
            ("\\Draft", Flag::Draft),
            ("\\Recent", Flag::Recent),
            ("$Phishing", Flag::Keyword(Keyword::PHISHING)),
        ] {
            assert_eq!(text.parse::<Flag>().unwrap(), flag);
            assert!(flag == parse::Flag(text.as_bytes()));
        }
        for bad in [
            "\\Foo", "\\*", "", "a b", "a]", "a[", "~a", "a\"", "x\\y", "%", "ü", "a\r",
        ] {
            assert!(bad.parse::<Flag>().is_err(), "{bad:?}");
        }
        assert!(Flag::try_from(parse::Flag(b"\xff")).is_err());
        assert!(Flag::Recent.storable("STORE").is_err());
        assert!(Flag::Seen.storable("STORE").is_ok());
    }
}
