//! Status responses (`OK`/`NO`/`BAD`/`PREAUTH`/`BYE`), their response codes, and
//! continuation requests.

use std::fmt;

use super::cursor::{Cursor, Segments};
use super::error::ParseResult;
use super::metadata::MetadataCode;
use super::quirk::{Quirk, Quirks};
use super::seqset::SeqSet;
use super::token::{write_flag_list, FlagList, Str, StrForm};

/// The kind of a status response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusKind {
    /// `OK`
    Ok,
    /// `NO`
    No,
    /// `BAD`
    Bad,
    /// `PREAUTH` (greeting only)
    Preauth,
    /// `BYE`
    Bye,
}

impl StatusKind {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKind::Ok => "OK",
            StatusKind::No => "NO",
            StatusKind::Bad => "BAD",
            StatusKind::Preauth => "PREAUTH",
            StatusKind::Bye => "BYE",
        }
    }

    pub(crate) fn from_name(name: &[u8]) -> Option<Self> {
        Some(match name.len() {
            2 if name.eq_ignore_ascii_case(b"OK") => StatusKind::Ok,
            2 if name.eq_ignore_ascii_case(b"NO") => StatusKind::No,
            3 if name.eq_ignore_ascii_case(b"BAD") => StatusKind::Bad,
            3 if name.eq_ignore_ascii_case(b"BYE") => StatusKind::Bye,
            7 if crate::grammar::eq_fold(name, b"PREAUTH") => StatusKind::Preauth,
            _ => return None,
        })
    }
}

/// `OK [code] text` and friends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status<'a> {
    /// OK, NO, BAD, PREAUTH or BYE.
    pub kind: StatusKind,
    /// The response code, if any.
    pub code: Option<Code<'a>>,
    /// The human-readable text (may be empty).
    pub text: &'a [u8],
}

impl fmt::Display for Status<'_> {
    /// The canonical form: `OK [CODE data] text` (SP and text omitted when the text is empty
    /// and there is no code).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_str())?;
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        if !self.text.is_empty() || self.code.is_some() {
            write!(f, " {}", String::from_utf8_lossy(self.text))?;
        }
        Ok(())
    }
}

/// A response code (`[...]` at the start of a status text).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Code<'a> {
    /// `ALERT`
    Alert,
    /// `BADCHARSET` with the supported charsets, if listed.
    BadCharset(Vec<Str<'a>>),
    /// `CAPABILITY` with the capabilities.
    Capability(Vec<&'a [u8]>),
    /// `PARSE`
    Parse,
    /// `PERMANENTFLAGS` (may include `\*`).
    PermanentFlags(FlagList<'a>),
    /// `READ-ONLY`
    ReadOnly,
    /// `READ-WRITE`
    ReadWrite,
    /// `TRYCREATE`
    TryCreate,
    /// `UIDNEXT n`
    UidNext(u32),
    /// `UIDVALIDITY n`
    UidValidity(u32),
    /// `UNSEEN n`
    Unseen(u32),
    /// `APPENDUID uidvalidity uid-set` (RFC 4315).
    AppendUid {
        /// The destination's UIDVALIDITY.
        uidvalidity: u32,
        /// The UIDs assigned.
        uids: SeqSet,
    },
    /// `COPYUID uidvalidity source-set dest-set` (RFC 4315).
    CopyUid {
        /// The destination's UIDVALIDITY.
        uidvalidity: u32,
        /// The source UIDs.
        source: SeqSet,
        /// The destination UIDs, in the same order.
        dest: SeqSet,
    },
    /// `UIDNOTSTICKY`
    UidNotSticky,
    /// `HIGHESTMODSEQ n` (RFC 7162).
    HighestModSeq(u64),
    /// `NOMODSEQ`
    NoModSeq,
    /// `MODIFIED set` (RFC 7162).
    Modified(SeqSet),
    /// `CLOSED` (RFC 7162).
    Closed,
    /// `REFERRAL url` (RFC 2221).
    Referral(&'a [u8]),
    /// `METADATA LONGENTRIES n` / `MAXSIZE n` / `TOOMANY` / `NOPRIVATE` (RFC 5464).
    Metadata(MetadataCode),
    /// `BADURL url` (RFC 4469, CATENATE): the server could not use this IMAP URL (the
    /// text up to `]`, as sent).
    BadUrl(&'a [u8]),
    /// `TOOBIG` (RFC 4469): the message being built would be too large.
    TooBig,
    /// `NOUPDATE "tag"` (RFC 5267, CONTEXT=SEARCH): the server will not keep the search
    /// of this command tag up to date (its result is still valid).
    NoUpdate(Str<'a>),
    /// `BADEVENT (event …)` (RFC 5465, NOTIFY): the events the server does not support,
    /// as listed. Dovecot sends the list without parentheses; both forms are read.
    BadEvent(Vec<&'a [u8]>),
    /// `NOTIFICATIONOVERFLOW` (RFC 5465): the server stopped sending notifications (as
    /// after `NOTIFY NONE`); the client must resynchronise and issue NOTIFY again.
    NotificationOverflow,
    /// Any other code, with its data (text up to `]`) if present.
    Other {
        /// The code's name.
        name: &'a [u8],
        /// Its data.
        data: Option<&'a [u8]>,
    },
}

impl fmt::Display for Code<'_> {
    /// The canonical form inside the brackets, e.g. `COPYUID 7 1:3 10:12`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match self {
            Code::Alert => f.write_str("ALERT"),
            Code::BadCharset(list) => {
                f.write_str("BADCHARSET")?;
                if !list.is_empty() {
                    let mut out = Vec::new();
                    for (i, s) in list.iter().enumerate() {
                        out.push(if i == 0 { b'(' } else { b' ' });
                        s.write_to(&mut out);
                    }
                    out.push(b')');
                    write!(f, " {}", lossy(&out))?;
                }
                Ok(())
            }
            Code::Capability(caps) => {
                f.write_str("CAPABILITY")?;
                for c in caps {
                    write!(f, " {}", lossy(c))?;
                }
                Ok(())
            }
            Code::Parse => f.write_str("PARSE"),
            Code::PermanentFlags(flags) => {
                let mut out = Vec::new();
                write_flag_list(*flags, &mut out);
                write!(f, "PERMANENTFLAGS {}", lossy(&out))
            }
            Code::ReadOnly => f.write_str("READ-ONLY"),
            Code::ReadWrite => f.write_str("READ-WRITE"),
            Code::TryCreate => f.write_str("TRYCREATE"),
            Code::UidNext(n) => write!(f, "UIDNEXT {n}"),
            Code::UidValidity(n) => write!(f, "UIDVALIDITY {n}"),
            Code::Unseen(n) => write!(f, "UNSEEN {n}"),
            Code::AppendUid { uidvalidity, uids } => write!(f, "APPENDUID {uidvalidity} {uids}"),
            Code::CopyUid {
                uidvalidity,
                source,
                dest,
            } => write!(f, "COPYUID {uidvalidity} {source} {dest}"),
            Code::UidNotSticky => f.write_str("UIDNOTSTICKY"),
            Code::HighestModSeq(n) => write!(f, "HIGHESTMODSEQ {n}"),
            Code::NoModSeq => f.write_str("NOMODSEQ"),
            Code::Modified(set) => write!(f, "MODIFIED {set}"),
            Code::Closed => f.write_str("CLOSED"),
            Code::Referral(url) => write!(f, "REFERRAL {}", lossy(url)),
            Code::Metadata(m) => write!(f, "METADATA {m}"),
            Code::BadUrl(url) => write!(f, "BADURL {}", lossy(url)),
            Code::TooBig => f.write_str("TOOBIG"),
            Code::NoUpdate(tag) => {
                let mut out = Vec::new();
                tag.write_to(&mut out);
                write!(f, "NOUPDATE {}", lossy(&out))
            }
            Code::BadEvent(events) => {
                f.write_str("BADEVENT")?;
                for (i, e) in events.iter().enumerate() {
                    let open = if i == 0 { " (" } else { " " };
                    write!(f, "{open}{}", lossy(e))?;
                }
                if !events.is_empty() {
                    f.write_str(")")?;
                }
                Ok(())
            }
            Code::NotificationOverflow => f.write_str("NOTIFICATIONOVERFLOW"),
            Code::Other { name, data } => {
                f.write_str(&lossy(name))?;
                match data {
                    // Exchange's `[Error="…"]` form keeps the quote against the name, so that
                    // a known name (`[COPYUID""]`) re-reads as the same `Other`.
                    Some(d) if d.first() == Some(&b'"') => write!(f, "{}", lossy(d)),
                    Some(d) => write!(f, " {}", lossy(d)),
                    None => Ok(()),
                }
            }
        }
    }
}

/// A continuation request: `+ text` (possibly with a code) or `+ base64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Continuation<'a> {
    /// Human-readable text, possibly with a response code.
    Text {
        /// The response code, if any.
        code: Option<Code<'a>>,
        /// The text (empty for a bare `+`).
        text: &'a [u8],
    },
    /// Base64 data (a SASL challenge); decode with [`Continuation::decode_base64`].
    Base64(&'a [u8]),
}

impl Continuation<'_> {
    /// The decoded challenge, for [`Continuation::Base64`].
    pub fn decode_base64(&self) -> Option<Vec<u8>> {
        use base64::Engine;
        match self {
            Continuation::Base64(b) => base64::engine::general_purpose::STANDARD.decode(b).ok(),
            Continuation::Text { .. } => None,
        }
    }
}

fn is_base64(b: &[u8]) -> bool {
    use base64::Engine;
    !b.is_empty() && b.len() % 4 == 0 && base64::engine::general_purpose::STANDARD.decode(b).is_ok()
}

/// Parses a continuation request after the `+`.
pub(crate) fn continuation<'a>(c: &mut Cursor<'a>) -> ParseResult<Continuation<'a>> {
    if c.rest.is_empty() {
        c.quirk(Quirk::EmptyContinuation);
        c.finish()?;
        return Ok(Continuation::Text {
            code: None,
            text: b"",
        });
    }
    c.sp()?;
    if c.peek() != Some(b'[') && is_base64(c.rest) {
        let data = c.rest;
        c.advance(data.len());
        c.finish()?;
        return Ok(Continuation::Base64(data));
    }
    let (code, text) = resp_text(c, true)?;
    Ok(Continuation::Text { code, text })
}

/// `[SP] ["[" code "]" SP] text` after a status keyword; `sp_done` when the SP was taken.
pub(crate) fn resp_text<'a>(
    c: &mut Cursor<'a>,
    sp_done: bool,
) -> ParseResult<(Option<Code<'a>>, &'a [u8])> {
    if !sp_done {
        if c.rest.is_empty() {
            c.quirk(Quirk::MissingText);
            c.finish()?;
            return Ok((None, b""));
        }
        c.sp()?;
    }
    let mut code = None;
    if c.eat(b'[') {
        code = Some(code_in_brackets(c)?);
        c.expect(b']', "']'")?;
        if c.rest.is_empty() {
            c.quirk(Quirk::MissingText);
        } else {
            c.sp()?;
        }
    }
    let text = c.rest;
    c.advance(text.len());
    c.finish()?;
    Ok((code, text))
}

/// A response code after `[`, up to (not including) `]`.
pub(crate) fn code_in_brackets<'a>(c: &mut Cursor<'a>) -> ParseResult<Code<'a>> {
    let name = c.atom()?;
    if c.peek() == Some(b'"') {
        // Exchange: `[Error="…" Proxy=…]`.
        c.quirk(Quirk::QuotedTextInCode);
        let data = other_data(c)?;
        return Ok(Code::Other {
            name,
            data: Some(data),
        });
    }
    let has_args = c.eat(b' ');
    code_args(c, name, has_args)
}

/// Text up to the `]` that ends a code, skipping quoted strings.
fn other_data<'a>(c: &mut Cursor<'a>) -> ParseResult<&'a [u8]> {
    let start = c.rest;
    loop {
        match c.peek() {
            None | Some(b']') => break,
            Some(b'"') => {
                c.quoted(false)?;
            }
            Some(_) => c.advance(1),
        }
    }
    c.since(start)
}

/// RFC 4469's `url-resp-text`: every byte up to the `]` that ends the code (none is
/// taken as the URL's end; a URL holding `]` cannot be told from the code's end).
fn until_bracket<'a>(c: &mut Cursor<'a>) -> ParseResult<&'a [u8]> {
    let start = c.rest;
    let n = memchr::memchr(b']', c.rest).unwrap_or(c.rest.len());
    c.advance(n);
    c.since(start)
}

/// BADEVENT's list: `(event *(SP event))` as RFC 5465 has it, or Dovecot's `event *(SP
/// event)` without parentheses. Events are atoms.
fn bad_events<'a>(c: &mut Cursor<'a>) -> ParseResult<Vec<&'a [u8]>> {
    let paren = c.eat(b'(');
    let mut events = vec![c.atom()?];
    while c.eat(b' ') {
        events.push(c.atom()?);
    }
    if paren {
        c.expect(b')', "')'")?;
    }
    Ok(events)
}

/// The arguments of a code named `name` (`has_args`: a SP followed the name).
pub(crate) fn code_args<'a>(
    c: &mut Cursor<'a>,
    name: &'a [u8],
    has_args: bool,
) -> ParseResult<Code<'a>> {
    let no_args = |code: Code<'a>| Ok(code);
    if !has_args || c.peek() == Some(b']') || c.rest.is_empty() {
        // Codes with optional or no arguments.
        let simple = match name.to_ascii_uppercase().as_slice() {
            b"ALERT" => Some(Code::Alert),
            b"PARSE" => Some(Code::Parse),
            b"READ-ONLY" => Some(Code::ReadOnly),
            b"READ-WRITE" => Some(Code::ReadWrite),
            b"TRYCREATE" => Some(Code::TryCreate),
            b"UIDNOTSTICKY" => Some(Code::UidNotSticky),
            b"NOMODSEQ" => Some(Code::NoModSeq),
            b"CLOSED" => Some(Code::Closed),
            b"BADCHARSET" => Some(Code::BadCharset(Vec::new())),
            b"TOOBIG" => Some(Code::TooBig),
            b"NOTIFICATIONOVERFLOW" => Some(Code::NotificationOverflow),
            b"BADEVENT" => Some(Code::BadEvent(Vec::new())),
            b"COPYUID" | b"APPENDUID" | b"UIDNEXT" | b"UIDVALIDITY" | b"UNSEEN"
            | b"PERMANENTFLAGS" | b"HIGHESTMODSEQ" | b"MODIFIED" | b"REFERRAL" => None,
            _ => Some(Code::Other { name, data: None }),
        };
        if let Some(code) = simple {
            if has_args && c.rest.is_empty() {
                // `[ALERT ]`-like stray space: the data is empty.
                return Ok(match code {
                    Code::Other { name, .. } => Code::Other {
                        name,
                        data: Some(b""),
                    },
                    other => other,
                });
            }
            return no_args(code);
        }
        if !has_args {
            return c.fail("SP and the code's arguments");
        }
    }
    let upper = name.to_ascii_uppercase();
    Ok(match upper.as_slice() {
        b"BADCHARSET" => {
            c.expect(b'(', "'('")?;
            let mut list = Vec::new();
            loop {
                list.push(c.astring()?);
                if !c.list_next()? {
                    break;
                }
            }
            Code::BadCharset(list)
        }
        b"CAPABILITY" => {
            let mut caps = vec![c.atom()?];
            while c.peek() == Some(b' ') {
                c.advance(1);
                if matches!(c.peek(), None | Some(b']')) {
                    c.quirk(Quirk::TrailingSpaceCapability);
                    break;
                }
                caps.push(c.atom()?);
            }
            Code::Capability(caps)
        }
        b"PERMANENTFLAGS" => Code::PermanentFlags(c.flag_list(true)?),
        b"UIDNEXT" => Code::UidNext(c.nz_number(Some(Quirk::ZeroInCode))?),
        b"UIDVALIDITY" => Code::UidValidity(c.nz_number(Some(Quirk::ZeroInCode))?),
        b"UNSEEN" => Code::Unseen(c.nz_number(Some(Quirk::ZeroInCode))?),
        b"APPENDUID" => {
            let uidvalidity = c.nz_number(Some(Quirk::ZeroInCode))?;
            c.sp()?;
            Code::AppendUid {
                uidvalidity,
                uids: c.seq_set()?,
            }
        }
        b"COPYUID" => {
            let uidvalidity = c.nz_number(Some(Quirk::ZeroInCode))?;
            let n = c.rest.iter().take_while(|&&b| b == b' ').count();
            if n > 0 && matches!(c.rest.get(n), None | Some(b']')) {
                // Exchange: `[COPYUID 42  ]`.
                c.quirk(Quirk::EmptyCopyUidSets);
                c.advance(n);
                return Ok(Code::CopyUid {
                    uidvalidity,
                    source: SeqSet::new(),
                    dest: SeqSet::new(),
                });
            }
            c.sp()?;
            let source = c.seq_set()?;
            c.sp()?;
            let dest = c.seq_set()?;
            Code::CopyUid {
                uidvalidity,
                source,
                dest,
            }
        }
        b"HIGHESTMODSEQ" => Code::HighestModSeq(c.number64()?),
        b"MODIFIED" => Code::Modified(c.seq_set()?),
        b"REFERRAL" => {
            let url = other_data(c)?;
            Code::Referral(url)
        }
        b"BADURL" => Code::BadUrl(until_bracket(c)?),
        b"NOUPDATE" => {
            let start = c.rest;
            match c.astring() {
                Ok(tag) if matches!(c.peek(), None | Some(b']')) => Code::NoUpdate(tag),
                _ => {
                    // Not the RFC's `NOUPDATE "tag"`: kept as text.
                    c.rest = start;
                    Code::Other {
                        name,
                        data: Some(other_data(c)?),
                    }
                }
            }
        }
        b"BADEVENT" => {
            let start = c.rest;
            match bad_events(c) {
                Ok(events) if matches!(c.peek(), None | Some(b']')) => Code::BadEvent(events),
                _ => {
                    c.rest = start;
                    Code::Other {
                        name,
                        data: Some(other_data(c)?),
                    }
                }
            }
        }
        b"METADATA" => {
            let start = c.rest;
            match c.metadata_code() {
                Ok(Some(m)) if matches!(c.peek(), None | Some(b']')) => Code::Metadata(m),
                _ => {
                    // Another METADATA code: kept as text.
                    c.rest = start;
                    Code::Other {
                        name,
                        data: Some(other_data(c)?),
                    }
                }
            }
        }
        b"ALERT" | b"PARSE" | b"READ-ONLY" | b"READ-WRITE" | b"TRYCREATE" | b"UIDNOTSTICKY"
        | b"NOMODSEQ" | b"CLOSED" => return c.fail("']'"),
        _ => {
            let data = other_data(c)?;
            Code::Other {
                name,
                data: Some(data),
            }
        }
    })
}

/// Parses a code from imaplib's untagged store: `name` is the key (e.g. `"COPYUID"`), `data`
/// the stored item (`b"7 1:3 10:12"`, or `b""` for codes without data).
///
/// imaplib's `Response_code` regex is greedy, so the stored data can run past the code's
/// `]` (`[UIDNEXT 5] Predicted next [UID]` stores `5] Predicted next [UID`): everything from
/// the `]` that ends the code's grammar on is ignored.
pub fn parse_code<'a>(name: &'a [u8], data: &'a [u8]) -> ParseResult<Code<'a>> {
    parse_code_quirks(name, data, &mut Quirks::new())
}

/// [`parse_code`], recording the quirks that fired.
pub fn parse_code_quirks<'a>(
    name: &'a [u8],
    data: &'a [u8],
    quirks: &mut Quirks,
) -> ParseResult<Code<'a>> {
    let mut c = Cursor::new(Segments::from_line(data));
    let code = code_args(&mut c, name, !data.is_empty());
    quirks.extend(c.quirks);
    let code = code?;
    if !c.rest.is_empty() && c.peek() != Some(b']') {
        return c.fail("']' or the end of the code");
    }
    Ok(code)
}

impl Str<'_> {
    /// True for an atom-form string.
    pub fn is_atom(&self) -> bool {
        self.form() == StrForm::Atom
    }
}
