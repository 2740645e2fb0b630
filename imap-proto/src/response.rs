//! imaplib-shaped results and the classification of framed responses.
//!
//! imaplib returns `(typ, data)`: `typ` is a string such as `"OK"`, and `data` a list whose
//! items are a line (`bytes`), a `(header, literal)` pair, `None`, or — for `getquotaroot` —
//! a nested list. [`Reply`] and [`Item`] are exactly that. `classify` applies imaplib's
//! rules (`tagre`, `Untagged_response`, `Untagged_status`, `Continuation`, `Response_code`)
//! to one framed response.

use std::fmt;

use bytes::Bytes;

use crate::error::{Error, Reason, Result, Violation};
use crate::frame::Frame;
use crate::grammar::{self, is_type_char};
use crate::parse::{Quirk, Quirks};
use crate::repr::bytes_repr;

/// One element of an imaplib result list.
///
/// A response that carried literals appears as one `Literal` item per literal followed by
/// one `Line`: `* 1 FETCH (BODY[] {5}\r\nhello FLAGS (\Seen))` becomes
/// `Literal(b"1 (BODY[] {5}", b"hello")` then `Line(b" FLAGS (\Seen))")`. The item after
/// a `Literal` is always the rest of the same response, so responses never straddle a
/// `Line` item. [`crate::parse`] reads these runs back as typed values.
///
/// A literal's bytes are a [`Bytes`]: a refcounted slice of the buffer they were read into,
/// never copied on their way here. Build one from a `Vec<u8>` or a static slice with
/// `.into()`, or with [`Item::literal`]:
///
/// ```
/// use imaplib_proto::Item;
/// let item = Item::literal(&b"1 (BODY[] {5}"[..], b"hello".to_vec());
/// let (header, data) = item.as_literal().unwrap();
/// assert_eq!((header, data), (&b"1 (BODY[] {5}"[..], &b"hello"[..]));
/// assert_eq!(item, Item::Literal(b"1 (BODY[] {5}".to_vec(), b"hello"[..].into()));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Item {
    /// `None`: nothing of the requested type was received.
    None,
    /// A line (or the part of a line after the response type), CRLF removed.
    Line(Vec<u8>),
    /// A line that announced a literal, and the literal's bytes: imaplib's `(header, data)`.
    /// The bytes are shared with the buffer they were read into (derefs to `[u8]`;
    /// `.to_vec()` copies).
    Literal(Vec<u8>, Bytes),
    /// A nested list (only `getquotaroot` returns these).
    List(Vec<Item>),
}

impl Item {
    /// A `(header, literal)` pair; the literal is taken without a copy from a `Vec<u8>` or
    /// `Bytes` (a `&'static [u8]` is borrowed, any other slice copied via `Bytes::copy_from_slice`).
    pub fn literal(header: impl Into<Vec<u8>>, data: impl Into<Bytes>) -> Self {
        Item::Literal(header.into(), data.into())
    }

    /// The line's bytes, if this is a line.
    pub fn as_line(&self) -> Option<&[u8]> {
        match self {
            Item::Line(l) => Some(l),
            _ => None,
        }
    }

    /// The `(header, literal)` pair, if this is one.
    pub fn as_literal(&self) -> Option<(&[u8], &[u8])> {
        match self {
            Item::Literal(h, d) => Some((h, d)),
            _ => None,
        }
    }

    /// True for `None`.
    pub fn is_none(&self) -> bool {
        matches!(self, Item::None)
    }

    /// Bytes held, for accounting.
    pub(crate) fn weight(&self) -> usize {
        // The item itself, its slot in the list and the allocator's minimum chunk.
        const OVERHEAD: usize = 80;
        OVERHEAD
            + match self {
                Item::None => 0,
                Item::Line(l) => l.len(),
                Item::Literal(h, d) => h.len() + d.len(),
                Item::List(items) => items.iter().map(Item::weight).sum(),
            }
    }

    /// Writes Python's `repr()` of the item.
    fn write_repr(&self, out: &mut String) {
        match self {
            Item::None => out.push_str("None"),
            Item::Line(l) => out.push_str(&bytes_repr(l)),
            Item::Literal(h, d) => {
                out.push('(');
                out.push_str(&bytes_repr(h));
                out.push_str(", ");
                out.push_str(&bytes_repr(d));
                out.push(')');
            }
            Item::List(items) => write_list_repr(items, out),
        }
    }
}

fn write_list_repr(items: &[Item], out: &mut String) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        item.write_repr(out);
    }
    out.push(']');
}

impl fmt::Debug for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write_repr(&mut s);
        f.write_str(&s)
    }
}

impl From<&[u8]> for Item {
    fn from(l: &[u8]) -> Self {
        Item::Line(l.to_vec())
    }
}

impl<const N: usize> From<&[u8; N]> for Item {
    fn from(l: &[u8; N]) -> Self {
        Item::Line(l.to_vec())
    }
}

impl From<Vec<u8>> for Item {
    fn from(l: Vec<u8>) -> Self {
        Item::Line(l)
    }
}

/// imaplib's `(typ, data)`.
///
/// A reply whose `typ` is `NO` is a refusal that imaplib returns as data rather than raising:
/// ignoring a `Reply` would ignore it, hence `#[must_use]`. [`Reply::into_ok`] turns it into
/// an error; the [`typed`](crate::typed) conversions do so and give Rust values.
#[derive(Clone, PartialEq, Eq, Hash)]
#[must_use = "a Reply may be a refusal (`NO`): check it, e.g. with `into_ok()`"]
pub struct Reply {
    /// `"OK"`, `"NO"`, `"BYE"`, or the response code name for `response(code)`.
    pub typ: String,
    /// The data list.
    pub data: Vec<Item>,
}

impl Reply {
    /// A reply.
    pub fn new(typ: impl Into<String>, data: Vec<Item>) -> Self {
        Reply {
            typ: typ.into(),
            data,
        }
    }

    /// True when `typ` is `"OK"`.
    pub fn is_ok(&self) -> bool {
        self.typ == "OK"
    }

    /// imaplib returns a tagged `NO` as data; this turns anything but `OK` into an
    /// [`Error`] carrying the server's text, for callers who want `?` to stop on refusals:
    /// its reason is [`Reason::Refused`] with the response
    /// code and text for `NO` and `BAD`, [`Reason::Bye`] for
    /// `BYE`.
    ///
    /// ```
    /// use imaplib_proto::error::Reason;
    /// use imaplib_proto::parse::Code;
    /// use imaplib_proto::{Item, Reply};
    /// let no = Reply::new("NO", vec![Item::Line(b"[TRYCREATE] no such mailbox".to_vec())]);
    /// let err = no.into_ok().unwrap_err();
    /// assert_eq!(err.to_string(), "NO: [TRYCREATE] no such mailbox");
    /// let Reason::Refused(r) = err.reason() else { panic!() };
    /// assert_eq!((r.code(), r.text()), (Some(Code::TryCreate), "no such mailbox"));
    /// ```
    pub fn into_ok(self) -> Result<Reply> {
        if self.is_ok() {
            return Ok(self);
        }
        let line = match self.data.last() {
            Some(Item::Line(l)) => l.as_slice(),
            _ => b"",
        };
        let text = String::from_utf8_lossy(line);
        Err(Error::error(
            crate::error::Reason::from_status(&self.typ, line),
            format!("{}: {text}", self.typ),
        ))
    }

    /// The lines of `data`, skipping other items: handy for `SEARCH`, `LIST`, `STATUS`….
    pub fn lines(&self) -> impl Iterator<Item = &[u8]> {
        self.data.iter().filter_map(Item::as_line)
    }

    /// Python's `repr((typ, data))`, e.g. `('OK', [b'2'])`: the form the differential
    /// tests compare with CPython.
    pub fn python_repr(&self) -> String {
        let mut s = String::from("(");
        s.push_str(&crate::trace::str_repr(&self.typ));
        s.push_str(", ");
        write_list_repr(&self.data, &mut s);
        s.push(')');
        s
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.python_repr())
    }
}

/// A response's type as imaplib's regexes read it (`[A-Z]+` after a tag, `[A-Z-]+` after
/// `*`): the types the session acts on by name, and any other as it was written. The
/// name is the key under which untagged data is stored and the `typ` of a [`Reply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Typ {
    /// `OK`
    Ok,
    /// `NO`
    No,
    /// `BAD`
    Bad,
    /// `BYE`
    Bye,
    /// `PREAUTH`
    Preauth,
    /// `CAPABILITY`
    Capability,
    /// `FLAGS`
    Flags,
    /// `EXISTS`
    Exists,
    /// `RECENT`
    Recent,
    /// `EXPUNGE`
    Expunge,
    /// `FETCH`
    Fetch,
    /// `VANISHED`
    Vanished,
    /// Any other name (upper case, as sent).
    Other(String),
}

impl Typ {
    /// The type named by `name` (bytes of [`grammar::is_type_char`]).
    fn from_name(name: &[u8]) -> Typ {
        match name {
            b"OK" => Typ::Ok,
            b"NO" => Typ::No,
            b"BAD" => Typ::Bad,
            b"BYE" => Typ::Bye,
            b"PREAUTH" => Typ::Preauth,
            b"CAPABILITY" => Typ::Capability,
            b"FLAGS" => Typ::Flags,
            b"EXISTS" => Typ::Exists,
            b"RECENT" => Typ::Recent,
            b"EXPUNGE" => Typ::Expunge,
            b"FETCH" => Typ::Fetch,
            b"VANISHED" => Typ::Vanished,
            other => Typ::Other(String::from_utf8_lossy(other).into_owned()),
        }
    }

    /// The name, e.g. `"OK"`.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Typ::Ok => "OK",
            Typ::No => "NO",
            Typ::Bad => "BAD",
            Typ::Bye => "BYE",
            Typ::Preauth => "PREAUTH",
            Typ::Capability => "CAPABILITY",
            Typ::Flags => "FLAGS",
            Typ::Exists => "EXISTS",
            Typ::Recent => "RECENT",
            Typ::Expunge => "EXPUNGE",
            Typ::Fetch => "FETCH",
            Typ::Vanished => "VANISHED",
            Typ::Other(name) => name,
        }
    }

    /// `OK`, `NO` or `BAD`: a status whose text may start with a response code.
    pub(crate) fn is_status(&self) -> bool {
        matches!(self, Typ::Ok | Typ::No | Typ::Bad)
    }

    /// Data describing the selected mailbox.
    pub(crate) fn is_mailbox_data(&self) -> bool {
        matches!(
            self,
            Typ::Flags | Typ::Exists | Typ::Recent | Typ::Expunge | Typ::Fetch | Typ::Vanished
        )
    }

    /// Honoured before authentication.
    pub(crate) fn is_preauth(&self) -> bool {
        matches!(
            self,
            Typ::Ok | Typ::No | Typ::Bad | Typ::Bye | Typ::Preauth | Typ::Capability
        )
    }
}

impl fmt::Display for Typ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Typ> for String {
    fn from(t: Typ) -> String {
        match t {
            Typ::Other(name) => name,
            known => known.as_str().to_string(),
        }
    }
}

/// A framed response after imaplib's classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Classified {
    /// `PREFIXn TYPE data`
    Tagged {
        /// The tag's number (`None` when it carries leading zeros or overflows: no
        /// command can own it).
        tag: Option<u64>,
        /// The status, e.g. `OK`.
        typ: Typ,
        /// The data items (one line unless a literal was involved).
        data: Vec<Item>,
        /// The text searched for a response code.
        code_text: Vec<u8>,
    },
    /// `* TYPE data` or `* n TYPE data`.
    Untagged {
        /// The type, e.g. `FETCH`.
        typ: Typ,
        /// The items to append under `typ`.
        items: Vec<Item>,
        /// The text searched for a response code (the last line's data).
        code_text: Vec<u8>,
    },
    /// `+ data`; `None` for a bare `+`.
    Continuation(Option<Vec<u8>>),
}

/// imaplib's `tagre`: `PREFIX\d+ [A-Z]+ .*` (plus [`Quirk::MissingText`]).
fn match_tagged(line: &[u8], tagpre: &[u8]) -> Option<(Option<u64>, Typ, Vec<u8>, bool)> {
    let rest = line.strip_prefix(tagpre)?;
    let digits = grammar::digits(rest);
    if digits == 0 {
        return None;
    }
    let (num, rest) = rest.split_at(digits);
    let rest = rest.strip_prefix(b" ")?;
    let letters = rest.iter().take_while(|b| b.is_ascii_uppercase()).count();
    if letters == 0 {
        return None;
    }
    let (typ, rest) = rest.split_at(letters);
    let (data, quirk) = match rest.strip_prefix(b" ") {
        Some(data) => (data, false),
        None if rest.is_empty() => (rest, true),
        None => return None,
    };
    let tag = if num.len() > 1 && num[0] == b'0' {
        None
    } else {
        grammar::parse_u64(num)
    };
    Some((tag, Typ::from_name(typ), data.to_vec(), quirk))
}

/// Applies imaplib's response rules to one frame; tolerated quirks are added to `quirks`.
///
/// This is imaplib's reading of a line (its regexes), not the RFC grammar's: it accepts
/// what imaplib accepts and cuts `data` exactly where imaplib does, so that results stay
/// byte-identical to CPython's. [`crate::parse::parse_response`] is the grammar's reading
/// of the same frame, with typed values; it is not built on this (or this on it) because
/// the two disagree on purpose (imaplib takes any `[A-Z]+` status and untyped data; the
/// grammar rejects what imaplib lets through), and because this runs on every response
/// while a full parse would cost the hot path a second pass over every FETCH and SEARCH.
/// What both need — character classes, numbers, literal markers — is [`crate::grammar`].
pub(crate) fn classify(frame: Frame, tagpre: &[u8], quirks: &mut Quirks) -> Result<Classified> {
    let Frame { first, parts } = frame;
    if let Some((tag, typ, data, quirk)) = match_tagged(&first, tagpre) {
        if quirk {
            quirks.insert(Quirk::MissingText);
        }
        let code_text = data.clone();
        let data = expand(data, parts);
        return Ok(Classified::Tagged {
            tag,
            typ,
            data,
            code_text,
        });
    }
    if let Some(rest) = first.strip_prefix(b"* ") {
        let n = rest.iter().take_while(|&&b| is_type_char(b)).count();
        if n > 0 {
            // Untagged_response: `\* (?P<type>[A-Z-]+)( (?P<data>.*))?`
            let typ = Typ::from_name(&rest[..n]);
            // The data after `TYPE SP`.
            let dat = match first.get(2 + n) {
                Some(b' ') => first[2 + n + 1..].to_vec(),
                _ => Vec::new(),
            };
            return Ok(untagged(typ, dat, parts));
        }
        // Untagged_status: `\* (?P<data>\d+) (?P<type>[A-Z-]+)( (?P<data2>.*))?`
        let d = grammar::digits(rest);
        if d > 0 && rest.get(d) == Some(&b' ') {
            let after = &rest[d + 1..];
            let t = after.iter().take_while(|&&b| is_type_char(b)).count();
            if t > 0 {
                let typ = Typ::from_name(&after[..t]);
                let keep = after[t..]
                    .strip_prefix(b" ")
                    .is_some_and(|data2| !data2.is_empty());
                // `n SP data2`: the line without `* ` and ` TYPE`.
                let dat = if keep {
                    [&first[2..2 + d], &first[2 + d + 1 + t..]].concat()
                } else {
                    first[2..2 + d].to_vec()
                };
                return Ok(untagged(typ, dat, parts));
            }
        }
    }
    if let Some(rest) = first.strip_prefix(b"+") {
        if !parts.is_empty() {
            return Err(Error::abort(
                Reason::protocol(Violation::Malformed, &first),
                "unexpected response: continuation request announcing a literal",
            ));
        }
        return Ok(Classified::Continuation(
            rest.strip_prefix(b" ").map(<[u8]>::to_vec),
        ));
    }
    Err(Error::abort(
        Reason::protocol(Violation::Malformed, &first),
        format!(
            "unexpected response: {}",
            bytes_repr(&first[..first.len().min(200)])
        ),
    ))
}

fn untagged(typ: Typ, dat: Vec<u8>, parts: Vec<(Bytes, Bytes)>) -> Classified {
    let items = expand(dat, parts);
    // Only OK, NO and BAD carry a response code the session reads: no copy of a FETCH or
    // a multi-megabyte SEARCH line.
    let code_text = match items.last() {
        Some(Item::Line(l)) if typ.is_status() => l.clone(),
        _ => Vec::new(),
    };
    Classified::Untagged {
        typ,
        items,
        code_text,
    }
}

/// imaplib's literal loop: `(dat, literal)` for each literal, then the last line. The
/// literals move over as they are (shared, not copied).
fn expand(dat: Vec<u8>, parts: Vec<(Bytes, Bytes)>) -> Vec<Item> {
    let mut items = Vec::with_capacity(parts.len() + 1);
    let mut dat = dat;
    for (literal, next) in parts {
        items.push(Item::Literal(dat, literal));
        dat = next.to_vec();
    }
    items.push(Item::Line(dat));
    items
}

/// For a `* n FETCH …` line (complete or still being framed): `Some(n)`, with `n` `None`
/// when it does not fit in 32 bits. `None` for any other line. The streaming FETCH uses it
/// to recognise its responses before they are classified.
pub(crate) fn fetch_seq(line: &[u8]) -> Option<Option<u32>> {
    let rest = line.strip_prefix(b"* ")?;
    let d = grammar::digits(rest);
    if d == 0 || !rest[d..].starts_with(b" FETCH") {
        return None;
    }
    Some(grammar::parse_u32(&rest[..d]))
}

/// imaplib's `Response_code`: `\[(?P<type>[A-Z-]+)( (?P<data>.*))?\]`, matched at the start
/// of `text`, with the greedy `.*` (a `]` inside the data, as in Gmail's flags, is kept).
/// Returns the code name and its data (`b""` when absent).
pub fn response_code(text: &[u8]) -> Option<(String, Vec<u8>)> {
    let rest = text.strip_prefix(b"[")?;
    let n = rest.iter().take_while(|&&b| is_type_char(b)).count();
    if n == 0 {
        return None;
    }
    let name = String::from_utf8_lossy(&rest[..n]).into_owned();
    let after = &rest[n..];
    if let Some(data) = after.strip_prefix(b" ") {
        // Greedy: the data runs to the last `]` on the line.
        if let Some(end) = memchr::memrchr(b']', data) {
            return Some((name, data[..end].to_vec()));
        }
    }
    if after.first() == Some(&b']') {
        return Some((name, Vec::new()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cls(line: &[u8]) -> Result<Classified> {
        classify(
            Frame::line(Bytes::copy_from_slice(line)),
            b"ABCD",
            &mut Quirks::new(),
        )
    }

    #[test]
    fn tagged_lines() {
        assert_eq!(
            cls(b"ABCD12 OK [READ-WRITE] SELECT completed.").unwrap(),
            Classified::Tagged {
                tag: Some(12),
                typ: Typ::Ok,
                data: vec![b"[READ-WRITE] SELECT completed.".into()],
                code_text: b"[READ-WRITE] SELECT completed.".to_vec(),
            }
        );
        // Leading zeros can never match a tag we issued.
        assert!(matches!(
            cls(b"ABCD01 OK x").unwrap(),
            Classified::Tagged { tag: None, .. }
        ));
        // Lower-case status or another prefix: not tagged, and not anything else either.
        assert!(cls(b"ABCD1 ok done").is_err());
        assert!(cls(b"WXYZ1 OK done").is_err());
    }

    #[test]
    fn quirk_tagged_missing_text() {
        let mut q = Quirks::new();
        let c = classify(Frame::line(&b"ABCD6 OK"[..]), b"ABCD", &mut q).unwrap();
        assert!(matches!(c, Classified::Tagged { tag: Some(6), .. }));
        assert_eq!(q, Quirks::from(Quirk::MissingText));
    }

    #[test]
    fn untagged_forms() {
        let Classified::Untagged { typ, items, .. } = cls(b"* 2 EXISTS").unwrap() else {
            panic!()
        };
        assert_eq!((typ.as_str(), items), ("EXISTS", vec![b"2".into()]));
        let Classified::Untagged { typ, items, .. } = cls(b"* 1 FETCH (FLAGS (\\Seen))").unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (typ.as_str(), items),
            ("FETCH", vec![b"1 (FLAGS (\\Seen))".into()])
        );
        let Classified::Untagged { typ, items, .. } = cls(b"* SEARCH").unwrap() else {
            panic!()
        };
        assert_eq!((typ.as_str(), items), ("SEARCH", vec![b"".into()]));
        // `* OK[ALERT]`: the regex stops at the type, the data is empty.
        let Classified::Untagged { typ, items, .. } = cls(b"* OK[ALERT] x").unwrap() else {
            panic!()
        };
        assert_eq!((typ.as_str(), items), ("OK", vec![b"".into()]));
        // DavMail's double space is a server bug imaplib rejects too.
        assert!(cls(b"*  1843 EXISTS").is_err());
    }

    #[test]
    fn literal_items_follow_imaplib() {
        let frame = Frame {
            first: Bytes::from_static(b"* 1 FETCH (BODY[HEADER] {13}"),
            parts: vec![(
                Bytes::from_static(b"Subject: test"),
                Bytes::from_static(b")"),
            )],
        };
        let Classified::Untagged { items, .. } =
            classify(frame, b"ABCD", &mut Quirks::new()).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            format!("{items:?}"),
            "[(b'1 (BODY[HEADER] {13}', b'Subject: test'), b')']"
        );
    }

    #[test]
    fn continuations() {
        assert_eq!(cls(b"+").unwrap(), Classified::Continuation(None));
        assert_eq!(
            cls(b"+ ").unwrap(),
            Classified::Continuation(Some(Vec::new()))
        );
        assert_eq!(
            cls(b"+ idling").unwrap(),
            Classified::Continuation(Some(b"idling".to_vec()))
        );
        assert_eq!(cls(b"+idling").unwrap(), Classified::Continuation(None));
    }

    #[test]
    fn response_codes_are_greedy() {
        assert_eq!(
            response_code(b"[READ-WRITE] SELECT completed."),
            Some(("READ-WRITE".into(), vec![]))
        );
        assert_eq!(
            response_code(b"[PERMANENTFLAGS (Answered \\Flagged \\[test] \\*)] Flags permitted."),
            Some((
                "PERMANENTFLAGS".into(),
                b"(Answered \\Flagged \\[test] \\*)".to_vec()
            ))
        );
        assert_eq!(
            response_code(b"[UIDVALIDITY 3] x [y]"),
            Some(("UIDVALIDITY".into(), b"3] x [y".to_vec()))
        );
        assert_eq!(response_code(b"no code"), None);
        assert_eq!(response_code(b"[ALERT"), None);
        assert_eq!(response_code(b"[ALERT]"), Some(("ALERT".into(), vec![])));
        assert_eq!(response_code(b"[X-Y z"), None);
    }

    #[test]
    fn into_ok_turns_refusals_into_errors() {
        let ok = Reply::new("OK", vec![b"done".into()]);
        assert_eq!(ok.clone().into_ok().unwrap(), ok);
        let no = Reply::new("NO", vec![b"[TRYCREATE] no such mailbox".into()]);
        let e = no.into_ok().unwrap_err();
        assert_eq!(e.message(), "NO: [TRYCREATE] no such mailbox");
        assert_eq!(e.cause(), crate::Cause::Server);
    }

    #[test]
    fn python_repr() {
        let r = Reply::new(
            "OK",
            vec![
                Item::literal(&b"1 (BODY[] {2}"[..], b"a'".to_vec()),
                b")".into(),
                Item::None,
                Item::List(vec![b"x".into()]),
            ],
        );
        assert_eq!(
            r.python_repr(),
            "('OK', [(b'1 (BODY[] {2}', b\"a'\"), b')', None, [b'x']])"
        );
    }
}
