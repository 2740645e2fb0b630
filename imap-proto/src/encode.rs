//! Command encoding: each argument through the grammar form its position allows.
//!
//! Nothing here formats user input into a command line. Every argument is an `Arg` that
//! knows its grammar position — atom, astring (imaplib's `_astring`), list-mailbox, mailbox,
//! always-quoted string, raw text such as search criteria, or the APPEND literal — and the
//! encoder picks the form that position allows given the connection's state (UTF-8 mode,
//! LITERAL+/LITERAL-). The rules:
//!
//! * NUL is rejected everywhere (before a byte is queued).
//! * CR or LF in a string position makes the string a literal; where only an atom or raw text
//!   fits, it is rejected.
//! * 8-bit bytes make a string a literal unless UTF8=ACCEPT is enabled (then a quoted UTF-8
//!   string).
//! * Raw text (criteria, flag lists, xatom arguments) may not end in a literal marker such as
//!   `{5}`: that would make the server swallow the next command as literal data. Its quoted
//!   strings must close, and its parentheses and brackets outside them must balance, so that
//!   the command stays well formed.
//! * Synchronizing literals split the command into chunks; the session sends the next chunk
//!   only after the server's `+`. `{N+}` is used only with LITERAL+, or with LITERAL- up to
//!   4096 bytes.
//! * Secret arguments (passwords) are written with [`Outgoing::push_secret`], so traces
//!   redact them by construction.

use crate::error::{ArgumentProblem, Error, Reason, Result};
use crate::frame::{literal_marker, MarkerScan};
use crate::grammar::is_atom_char;
use crate::outgoing::Outgoing;
pub use crate::seqset::{IntoSequenceSet, SequenceSet};

/// A text argument as imaplib receives it: a `str` or `bytes`.
///
/// The distinction matters for mailbox names: a `str` is sent in modified UTF-7 (imaplib's
/// newest behaviour), while `bytes` are sent as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text<'a> {
    /// A Unicode string.
    Str(&'a str),
    /// Bytes, sent as given (subject to quoting).
    Bytes(&'a [u8]),
}

impl<'a> Text<'a> {
    /// The bytes (UTF-8 for a `Str`).
    pub fn as_bytes(&self) -> &'a [u8] {
        match *self {
            Text::Str(s) => s.as_bytes(),
            Text::Bytes(b) => b,
        }
    }

    /// Python's `repr()` of the value (`'INBOX'` or `b'INBOX'`), for error messages.
    pub fn repr(&self) -> String {
        match *self {
            Text::Str(s) => crate::trace::str_repr(s),
            Text::Bytes(b) => crate::trace::bytes_repr(b),
        }
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Text::Str(s)
    }
}

impl<'a> From<&'a String> for Text<'a> {
    fn from(s: &'a String) -> Self {
        Text::Str(s)
    }
}

impl<'a> From<&'a [u8]> for Text<'a> {
    fn from(b: &'a [u8]) -> Self {
        Text::Bytes(b)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Text<'a> {
    fn from(b: &'a [u8; N]) -> Self {
        Text::Bytes(b)
    }
}

impl<'a> From<&'a Vec<u8>> for Text<'a> {
    fn from(b: &'a Vec<u8>) -> Self {
        Text::Bytes(b)
    }
}

/// One argument with its grammar position.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Arg {
    /// Sent verbatim; validated as an atom (or a fixed keyword) when built.
    Atom(Vec<u8>),
    /// imaplib's `_astring`.
    AString(Vec<u8>),
    /// A mailbox name: a `str` goes through modified UTF-7 (unless UTF-8 mode or opted
    /// out), then astring (or list-mailbox) rules.
    Mailbox {
        /// The name's bytes (UTF-8 for a str).
        name: Vec<u8>,
        /// True when given as a `str`.
        is_str: bool,
        /// True in a LIST/LSUB pattern position.
        list: bool,
    },
    /// Always a quoted string (or a literal when it cannot be quoted): the LOGIN password.
    Quoted {
        /// The content, unescaped.
        bytes: Vec<u8>,
        /// Redacted from traces.
        secret: bool,
    },
    /// Sent verbatim; validated by [`raw`] when built.
    Raw(Vec<u8>),
    /// The APPEND message literal.
    Message(Vec<u8>),
    /// An APPEND message with UTF-8 headers (RFC 6855 §4), always `UTF8 (~{N} … )`.
    Utf8Message(Vec<u8>),
    /// An APPEND message of this length that the caller streams itself.
    StreamedMessage(u64),
    /// Always a literal, whatever the mode: imaplib's `literal` attribute.
    Literal(Vec<u8>),
    /// A parenthesised list of arguments.
    Group(Vec<Arg>),
    /// `CHARSET UTF-8` before search keys holding 8-bit text; left out in UTF-8 mode
    /// (UTF8=ACCEPT), where strings are UTF-8 anyway and imaplib refuses a charset.
    Utf8Charset,
    /// Sent verbatim and redacted from traces: a SASL initial response (base64 or `=`).
    Secret(Vec<u8>),
}

impl std::fmt::Debug for Arg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Arg::Quoted { secret: true, .. } => f.write_str("Quoted(<redacted>)"),
            Arg::Secret(_) => f.write_str("<redacted>"),
            Arg::Message(m) | Arg::Utf8Message(m) => write!(f, "Message(<{} bytes>)", m.len()),
            Arg::StreamedMessage(n) => write!(f, "StreamedMessage(<{n} bytes>)"),
            Arg::Literal(l) => write!(f, "Literal(<{} bytes>)", l.len()),
            Arg::Atom(b) | Arg::AString(b) | Arg::Raw(b) => {
                write!(f, "{}", crate::trace::bytes_repr(b))
            }
            Arg::Mailbox { name, .. } | Arg::Quoted { bytes: name, .. } => {
                write!(f, "{}", crate::trace::bytes_repr(name))
            }
            Arg::Group(items) => f.debug_list().entries(items).finish(),
            Arg::Utf8Charset => f.write_str("CHARSET UTF-8"),
        }
    }
}

/// What the encoder needs to know about the connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Ctx {
    /// UTF-8 mode: mailbox names and quoted strings are UTF-8, no CHARSET in SEARCH
    /// (imaplib's UTF-8 mode, or UTF8=ACCEPT / IMAP4rev2 confirmed by the server).
    pub utf8: bool,
    /// imaplib's UTF-8 mode: every APPEND message goes out as `UTF8 (~{N} … )`.
    pub utf8_append: bool,
    /// The server advertises LITERAL+ and the options allow using it.
    pub literal_plus: bool,
    /// The server advertises LITERAL- and the options allow using it.
    pub literal_minus: bool,
    /// Mailbox `str`s go out in modified UTF-7.
    pub mutf7: bool,
}

/// A piece of a command to send: `out`, then (when `external` is set) that many literal
/// bytes the caller writes itself; when `wait` is set, the rest of the command is held until
/// the server's `+` continuation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chunk {
    /// Bytes to send.
    pub out: Outgoing,
    /// Wait for `+` before sending the next chunk of this command.
    pub wait: bool,
    /// Literal bytes the caller streams after `out` (APPEND from a reader).
    pub external: Option<u64>,
}

/// Largest literal LITERAL- allows without a continuation (RFC 7888).
pub const LITERAL_MINUS_MAX: usize = 4096;

/// An argument refused: `what` names it, `problem` says why.
pub(crate) fn arg_error(what: &str, problem: ArgumentProblem, message: impl Into<String>) -> Error {
    Error::error(Reason::argument(what, problem), message)
}

/// Rejects NUL, which no form can carry.
pub(crate) fn no_nul(what: &str, b: &[u8]) -> Result<()> {
    if memchr::memchr(0, b).is_some() {
        return Err(arg_error(
            what,
            ArgumentProblem::Nul,
            format!("NUL not allowed in {what}"),
        ));
    }
    Ok(())
}

/// Validates raw text: non-empty, no NUL/CR/LF, not ending in a literal marker, quoted
/// strings closed with only `\\` and `\"` escapes, and parentheses and brackets outside them
/// balanced and nested.
pub(crate) fn raw(what: &str, b: &[u8]) -> Result<Vec<u8>> {
    if b.is_empty() {
        return Err(arg_error(
            what,
            ArgumentProblem::Empty,
            format!("empty {what}"),
        ));
    }
    if let Some(i) = memchr::memchr3(0, b'\r', b'\n', b) {
        let problem = match memchr::memchr(0, &b[i..]) {
            Some(_) => ArgumentProblem::Nul,
            None => ArgumentProblem::LineBreak,
        };
        return Err(arg_error(
            what,
            problem,
            format!(
                "NUL, CR and LF not allowed in {what}: {}",
                crate::trace::bytes_repr(b)
            ),
        ));
    }
    if !matches!(literal_marker(b), MarkerScan::None) {
        return Err(arg_error(
            what,
            ArgumentProblem::LiteralMarker,
            format!(
                "{what} may not end in a literal marker: {}",
                crate::trace::bytes_repr(b)
            ),
        ));
    }
    // A quoted string left open (or with an escape IMAP does not have) would swallow the
    // rest of the line on the server's side, hiding a literal marker that follows: the
    // literal's bytes would then run as commands.
    // Outside quoted strings, parentheses and brackets must balance and nest (`(a [b] c)`,
    // `BODY[HEADER.FIELDS (FROM)]`): `a)b` or `(()` would leave the command ill-formed.
    let mut open: Vec<u8> = Vec::new();
    let unbalanced = || {
        arg_error(
            what,
            ArgumentProblem::Unbalanced,
            format!(
                "{what} has unbalanced parentheses or brackets outside quoted strings \
                 (quote text that holds them): {}",
                crate::trace::bytes_repr(b)
            ),
        )
    };
    let mut i = 0;
    while i < b.len() {
        if let Some(close) = match b[i] {
            b'(' | b'[' => {
                open.push(b[i]);
                None
            }
            b')' => Some(b'('),
            b']' => Some(b'['),
            _ => None,
        } {
            if open.pop() != Some(close) {
                return Err(unbalanced());
            }
            i += 1;
        } else if b[i] == b'"' {
            i += 1;
            loop {
                match b.get(i) {
                    None => {
                        return Err(arg_error(
                            what,
                            ArgumentProblem::UnterminatedQuote,
                            format!(
                                "{what} has an unterminated quoted string: {}",
                                crate::trace::bytes_repr(b)
                            ),
                        ))
                    }
                    Some(b'\\') if matches!(b.get(i + 1), Some(b'"' | b'\\')) => i += 2,
                    Some(b'\\') => {
                        return Err(arg_error(
                            what,
                            ArgumentProblem::InvalidEscape,
                            format!(
                                "{what} has an invalid escape in a quoted string: {}",
                                crate::trace::bytes_repr(b)
                            ),
                        ))
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
        } else {
            i += 1;
        }
    }
    if !open.is_empty() {
        return Err(unbalanced());
    }
    Ok(b.to_vec())
}

/// Validates an atom (command names, SASL mechanism names).
pub(crate) fn atom(what: &str, b: &[u8]) -> Result<Vec<u8>> {
    if b.is_empty() || !b.iter().all(|&c| is_atom_char(c)) {
        return Err(arg_error(
            what,
            ArgumentProblem::NotAtom,
            format!(
                "{what} must be an IMAP atom: {}",
                crate::trace::bytes_repr(b)
            ),
        ));
    }
    Ok(b.to_vec())
}

/// imaplib's `_non_astring_char` (`_non_list_char` when `list` allows `%` and `*`).
fn is_astring_safe(b: u8, list: bool) -> bool {
    match b {
        b'(' | b')' | b'{' | b' ' | b'\\' | b'"' => false,
        b'%' | b'*' => list,
        0x00..=0x1f | 0x7f..=0xff => false,
        _ => true,
    }
}

/// imaplib's `_quoted`: the whole value is one well-formed quoted string.
pub(crate) fn is_prequoted(b: &[u8]) -> bool {
    if b.len() < 2 || b[0] != b'"' || b[b.len() - 1] != b'"' {
        return false;
    }
    let mut i = 1;
    let end = b.len() - 1;
    while i < end {
        match b[i] {
            b'\\' => {
                if b.get(i + 1) == Some(&b'\n') {
                    return false;
                }
                i += 2
            }
            b'"' => return false,
            _ => i += 1,
        }
    }
    i == end
}

fn unescape_quoted(b: &[u8]) -> Vec<u8> {
    let inner = &b[1..b.len() - 1];
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        if inner[i] == b'\\' && i + 1 < inner.len() {
            i += 1;
        }
        out.push(inner[i]);
        i += 1;
    }
    out
}

/// True if `b` (raw command text) holds one of `atoms` (ASCII case-insensitive) as a
/// token of its own: outside quoted strings and literals, between spaces and
/// parentheses, and not as the argument of a search key (`KEYWORD NEW`, `SUBJECT old`,
/// `HEADER X-Y recent`). Used to refuse what IMAP4rev2 removed from raw arguments.
pub(crate) fn names_atom(b: &[u8], atoms: &[&str]) -> bool {
    const ONE_ARG: [&str; 9] = [
        "BCC",
        "BODY",
        "CC",
        "FROM",
        "KEYWORD",
        "SUBJECT",
        "TEXT",
        "TO",
        "UNKEYWORD",
    ];
    let mut skip = 0usize;
    for token in tokens(b) {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        let Some(t) = token else { continue };
        if t.eq_ignore_ascii_case(b"HEADER") {
            skip = 2;
        } else if ONE_ARG.iter().any(|k| t.eq_ignore_ascii_case(k.as_bytes())) {
            skip = 1;
        } else if atoms.iter().any(|a| t.eq_ignore_ascii_case(a.as_bytes())) {
            return true;
        }
    }
    false
}

/// True if raw search criteria use a key IMAP4rev2 removed: `RECENT`, `NEW` or `OLD`.
pub(crate) fn names_recent_key(b: &[u8]) -> bool {
    names_atom(b, &["RECENT", "NEW", "OLD"])
}

/// The tokens of raw text: `Some(bytes)` for a bare one, `None` for a quoted string or a
/// literal (skipped whole; a bad one ends the scan). Parentheses separate tokens.
fn tokens(b: &[u8]) -> impl Iterator<Item = Option<&[u8]>> {
    let mut i = 0;
    std::iter::from_fn(move || loop {
        let c = *b.get(i)?;
        match c {
            b' ' | b'(' | b')' => i += 1,
            b'"' => {
                i += 1;
                loop {
                    match *b.get(i)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
                return Some(None);
            }
            b'{' => {
                let close = i + memchr::memchr(b'}', &b[i..])?;
                let digits = b[i + 1..close]
                    .strip_suffix(b"+")
                    .unwrap_or(&b[i + 1..close]);
                let n: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
                i = close.checked_add(3)?.checked_add(n)?;
                return Some(None);
            }
            _ => {
                let start = i;
                while i < b.len() && !matches!(b[i], b' ' | b'(' | b')' | b'"') {
                    i += 1;
                }
                return Some(Some(&b[start..i]));
            }
        }
    })
}

/// Bytes a quoted string can carry in the current mode.
fn quotable(b: &[u8], utf8: bool) -> bool {
    if memchr::memchr2(b'\r', b'\n', b).is_some() {
        return false;
    }
    if b.is_ascii() {
        return true;
    }
    utf8 && std::str::from_utf8(b).is_ok()
}

/// Assembles one command's chunks.
#[derive(Default)]
pub(crate) struct Writer {
    chunks: Vec<Chunk>,
    cur: Outgoing,
    ctx: Ctx,
}

impl Writer {
    pub(crate) fn new(ctx: Ctx) -> Self {
        Writer {
            chunks: Vec::new(),
            cur: Outgoing::default(),
            ctx,
        }
    }

    pub(crate) fn push(&mut self, b: &[u8]) {
        self.cur.push(b);
    }

    fn push_maybe_secret(&mut self, b: &[u8], secret: bool) {
        if secret {
            self.cur.push_secret(b)
        } else {
            self.cur.push(b)
        }
    }

    /// Writes `{N}` (or `{N+}`, `~{N}`) CRLF, splitting the command after it when the
    /// literal is synchronizing.
    fn literal_header(&mut self, len: u64, binary: bool) {
        let nonsync =
            self.ctx.literal_plus || (self.ctx.literal_minus && len <= LITERAL_MINUS_MAX as u64);
        let header = format!(
            "{}{{{}{}}}\r\n",
            if binary { "~" } else { "" },
            len,
            if nonsync { "+" } else { "" }
        );
        self.cur.push(header.as_bytes());
        if !nonsync {
            let out = std::mem::take(&mut self.cur);
            self.chunks.push(Chunk {
                out,
                wait: true,
                external: None,
            });
        }
    }

    /// Writes a literal, splitting the command at a synchronizing one.
    pub(crate) fn literal(&mut self, data: &[u8], secret: bool, binary: bool) {
        self.literal_header(data.len() as u64, binary);
        self.push_maybe_secret(data, secret);
    }

    /// Writes a literal header whose `len` bytes the caller streams itself.
    fn external_literal(&mut self, len: u64, binary: bool) {
        self.literal_header(len, binary);
        let out = std::mem::take(&mut self.cur);
        self.chunks.push(Chunk {
            out,
            wait: false,
            external: Some(len),
        });
    }

    /// Writes a quoted string (escaping `\` and `"`), or a literal when it cannot be quoted.
    pub(crate) fn quoted(&mut self, b: &[u8], secret: bool) {
        if quotable(b, self.ctx.utf8) {
            let mut q = Vec::with_capacity(b.len() + 2);
            q.push(b'"');
            for &c in b {
                if c == b'\\' || c == b'"' {
                    q.push(b'\\');
                }
                q.push(c);
            }
            q.push(b'"');
            self.push_maybe_secret(&q, secret);
        } else {
            self.literal(b, secret, false);
        }
    }

    /// imaplib's `_astring` (`_list_mailbox` when `list`).
    pub(crate) fn astring(&mut self, b: &[u8], list: bool) {
        if is_prequoted(b) {
            if quotable(b, self.ctx.utf8) {
                self.push(b);
            } else {
                self.literal(&unescape_quoted(b), false, false);
            }
        } else if !b.is_empty() && b.iter().all(|&c| is_astring_safe(c, list)) {
            self.push(b);
        } else {
            self.quoted(b, false);
        }
    }

    /// A mailbox name.
    pub(crate) fn mailbox(&mut self, name: &[u8], is_str: bool, list: bool) {
        if is_str && self.ctx.mutf7 && !self.ctx.utf8 {
            if let Ok(s) = std::str::from_utf8(name) {
                let wire = crate::mutf7::mailbox_to_wire(s);
                return self.astring(wire.as_bytes(), list);
            }
        }
        self.astring(name, list)
    }

    pub(crate) fn arg(&mut self, arg: &Arg) {
        match arg {
            Arg::Atom(b) | Arg::Raw(b) => self.push(b),
            Arg::AString(b) => self.astring(b, false),
            Arg::Mailbox { name, is_str, list } => self.mailbox(name, *is_str, *list),
            Arg::Quoted { bytes, secret } => self.quoted(bytes, *secret),
            Arg::Message(m) => {
                if self.ctx.utf8_append {
                    self.push(b"UTF8 (");
                    self.literal(m, false, true);
                    self.push(b")");
                } else {
                    self.literal(m, false, false);
                }
            }
            // imaplib wraps it as `UTF8 (~{N} … )` in UTF-8 mode, which is APPEND's syntax
            // only: any other command would be refused with BAD. APPEND's message is an
            // `Arg::Message`; this is a plain literal.
            Arg::Literal(l) => self.literal(l, false, false),
            Arg::Utf8Message(m) => {
                self.push(b"UTF8 (");
                self.literal(m, false, true);
                self.push(b")");
            }
            Arg::StreamedMessage(len) => {
                if self.ctx.utf8_append {
                    self.push(b"UTF8 (");
                    self.external_literal(*len, true);
                    self.push(b")");
                } else {
                    self.external_literal(*len, false);
                }
            }
            Arg::Utf8Charset => self.push(b"CHARSET UTF-8"),
            Arg::Secret(b) => self.cur.push_secret(b),
            Arg::Group(items) => {
                self.push(b"(");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.push(b" ");
                    }
                    self.arg(item);
                }
                self.push(b")");
            }
        }
    }

    /// Ends the command with CRLF and returns its chunks.
    pub(crate) fn finish(mut self) -> Vec<Chunk> {
        self.cur.push(b"\r\n");
        self.chunks.push(Chunk {
            out: self.cur,
            wait: false,
            external: None,
        });
        self.chunks
    }
}

/// Encodes `tag SP name (SP arg)*` CRLF.
pub(crate) fn command(tag: &[u8], name: &[u8], args: &[Arg], ctx: Ctx) -> Vec<Chunk> {
    let mut w = Writer::new(ctx);
    w.push(tag);
    w.push(b" ");
    w.push(name);
    for arg in args {
        if ctx.utf8 && matches!(arg, Arg::Utf8Charset) {
            continue;
        }
        w.push(b" ");
        w.arg(arg);
    }
    w.finish()
}

/// The arguments as a connection in the default mode would send them (synchronizing
/// literals inline, without waiting), separated by spaces: the `Display` of the builders.
pub(crate) fn preview(args: &[Arg]) -> String {
    let mut w = Writer::new(Ctx::default());
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            w.push(b" ");
        }
        w.arg(arg);
    }
    let mut out = Vec::new();
    for c in &w.chunks {
        out.extend_from_slice(&c.out.bytes);
    }
    out.extend_from_slice(&w.cur.bytes);
    String::from_utf8_lossy(&out).into_owned()
}

/// imaplib's `MapCRLF` translation: every CR, LF or CRLF becomes CRLF.
pub fn translate_line_endings(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 32);
    let mut rest = message;
    while let Some(i) = memchr::memchr2(b'\r', b'\n', rest) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(b"\r\n");
        rest = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
            &rest[i + 2..]
        } else {
            &rest[i + 1..]
        };
    }
    out.extend_from_slice(rest);
    out
}

/// imaplib's `_set_quote`: wraps in parentheses unless already parenthesised.
pub(crate) fn paren_list(what: &str, b: &[u8]) -> Result<Vec<u8>> {
    let inner = raw(what, b)?;
    if inner.first() == Some(&b'(') && inner.last() == Some(&b')') {
        return Ok(inner);
    }
    let mut out = Vec::with_capacity(inner.len() + 2);
    out.push(b'(');
    out.extend_from_slice(&inner);
    out.push(b')');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(arg: Arg, ctx: Ctx) -> Vec<u8> {
        let chunks = command(b"A1", b"X", &[arg], ctx);
        let mut all = Vec::new();
        for c in chunks {
            all.extend_from_slice(&c.out.bytes);
        }
        all
    }

    fn astring(s: &str) -> String {
        let out = one(Arg::AString(s.as_bytes().to_vec()), Ctx::default());
        String::from_utf8(out[5..out.len() - 2].to_vec()).unwrap()
    }

    #[test]
    fn rev2_removed_keys_are_found_as_tokens_only() {
        for yes in [
            "RECENT",
            "(old seen)",
            "OR NEW SEEN",
            "SEEN NOT Recent",
            "SUBJECT \"x\" OLD",
            "HEADER X-A \"b\" NEW",
            "KEYWORD $x RECENT",
        ] {
            assert!(names_recent_key(yes.as_bytes()), "{yes}");
        }
        for no in [
            "SUBJECT \"RECENT\"",
            "KEYWORD NEW",
            "UNKEYWORD old",
            "OLDER 60",
            "HEADER X-Recent yes",
            "HEADER \"X-Flag\" NEW",
            "SUBJECT new",
            "FROM old TO recent",
            "SUBJECT {6}\r\nRECENT",
            "SUBJECT \"a\\\"RECENT\"",
            "\"open RECENT",
            "{99999999999999999999}\r\nx",
            "{x}\r\nNEW",
        ] {
            assert!(!names_recent_key(no.as_bytes()), "{no}");
        }
        assert!(names_atom(b"(MESSAGES RECENT)", &["RECENT"]));
        assert!(!names_atom(b"(MESSAGES DELETED SIZE)", &["RECENT"]));
    }

    #[test]
    fn test_astring_cases() {
        // imaplib's test_astring.
        assert_eq!(astring("INBOX"), "INBOX");
        assert_eq!(astring("New folder"), "\"New folder\"");
        assert_eq!(astring("a\"b"), "\"a\\\"b\"");
        assert_eq!(astring("a\\b"), "\"a\\\\b\"");
        assert_eq!(astring(""), "\"\"");
        assert_eq!(astring("*"), "\"*\"");
        assert_eq!(astring("\"New folder\""), "\"New folder\"");
        assert_eq!(astring("\"a\\b\""), "\"a\\b\"");
        assert_eq!(
            astring("\"a\" SELECT evil \""),
            "\"\\\"a\\\" SELECT evil \\\"\""
        );
        assert_eq!(astring("\""), "\"\\\"\"");
        assert_eq!(astring("a]b"), "a]b");
        assert_eq!(astring("tab\there"), "\"tab\there\"");
    }

    #[test]
    fn astring_is_idempotent() {
        for s in [
            "INBOX",
            "New folder",
            "a\"b",
            "a\\b",
            "",
            "*",
            "%",
            "\"",
            "\"\"",
            "\\",
            "a b\"c",
            "\"a\\\"",
            "(x)",
            "{5}",
            "x]",
            "\"a\" SELECT evil \"",
            "p%ss",
        ] {
            let once = astring(s);
            assert_eq!(astring(&once), once, "{s:?}");
        }
    }

    #[test]
    fn eight_bit_and_crlf_become_literals() {
        let ctx = Ctx::default();
        let chunks = command(b"A1", b"SELECT", &[Arg::AString("Entwürfe".into())], ctx);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].out.bytes, b"A1 SELECT {9}\r\n");
        assert!(chunks[0].wait);
        assert_eq!(chunks[1].out.bytes, "Entwürfe\r\n".as_bytes());
        let out = one(Arg::AString(b"a\r\nb".to_vec()), ctx);
        assert_eq!(out, b"A1 X {4}\r\na\r\nb\r\n");
        // UTF-8 mode: a quoted UTF-8 string.
        let utf8 = Ctx { utf8: true, ..ctx };
        assert_eq!(
            one(Arg::AString("Entwürfe".into()), utf8),
            "A1 X \"Entwürfe\"\r\n".as_bytes()
        );
        // A pre-quoted string carrying CR/LF is unescaped into a literal.
        assert_eq!(
            one(Arg::AString(b"\"a\rb\"".to_vec()), ctx),
            b"A1 X {3}\r\na\rb\r\n"
        );
    }

    #[test]
    fn literal_plus_and_minus() {
        let plus = Ctx {
            literal_plus: true,
            ..Ctx::default()
        };
        let chunks = command(b"A1", b"X", &[Arg::AString(b"a\nb".to_vec())], plus);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].out.bytes, b"A1 X {3+}\r\na\nb\r\n");
        let minus = Ctx {
            literal_minus: true,
            ..Ctx::default()
        };
        let small = command(b"A1", b"X", &[Arg::Message(vec![b'x'; 4096])], minus);
        assert_eq!(small.len(), 1);
        let big = command(b"A1", b"X", &[Arg::Message(vec![b'x'; 4097])], minus);
        assert_eq!(big.len(), 2);
        assert!(big[0].out.bytes.ends_with(b"{4097}\r\n"));
    }

    #[test]
    fn list_mailbox_keeps_wildcards() {
        let list = |b: &[u8]| Arg::Mailbox {
            name: b.to_vec(),
            is_str: false,
            list: true,
        };
        assert_eq!(one(list(b"foo/%"), Ctx::default()), b"A1 X foo/%\r\n");
        assert_eq!(one(list(b"*"), Ctx::default()), b"A1 X *\r\n");
        assert_eq!(
            one(list(b"My Folder"), Ctx::default()),
            b"A1 X \"My Folder\"\r\n"
        );
    }

    #[test]
    fn mailbox_names_use_modified_utf7() {
        let ctx = Ctx {
            mutf7: true,
            ..Ctx::default()
        };
        let mb = |s: &str, is_str| Arg::Mailbox {
            name: s.as_bytes().to_vec(),
            is_str,
            list: false,
        };
        assert_eq!(one(mb("Entwürfe", true), ctx), b"A1 X Entw&APw-rfe\r\n");
        assert_eq!(one(mb("Entw&APw-rfe", true), ctx), b"A1 X Entw&APw-rfe\r\n");
        assert_eq!(one(mb("A&B", true), ctx), b"A1 X A&-B\r\n");
        assert_eq!(one(mb("a\rb", true), ctx), b"A1 X a&AA0-b\r\n");
        assert_eq!(one(mb("", true), ctx), b"A1 X \"\"\r\n");
        assert_eq!(one(mb("New folder", true), ctx), b"A1 X \"New folder\"\r\n");
        // Bytes are sent as given.
        assert_eq!(one(mb("A&B", false), ctx), b"A1 X A&B\r\n");
        let list = Arg::Mailbox {
            name: "Entwürfe/%".as_bytes().to_vec(),
            is_str: true,
            list: true,
        };
        assert_eq!(one(list.clone(), ctx), b"A1 X Entw&APw-rfe/%\r\n");
        let utf8 = Ctx { utf8: true, ..ctx };
        assert_eq!(one(list, utf8), "A1 X \"Entwürfe/%\"\r\n".as_bytes());
    }

    #[test]
    fn secrets_are_marked() {
        let chunks = command(
            b"A1",
            b"LOGIN",
            &[
                Arg::AString(b"user".to_vec()),
                Arg::Quoted {
                    bytes: b"p\"w".to_vec(),
                    secret: true,
                },
            ],
            Ctx::default(),
        );
        assert_eq!(chunks[0].out.bytes, b"A1 LOGIN user \"p\\\"w\"\r\n");
        assert_eq!(
            chunks[0].out.redacted().to_string(),
            "A1 LOGIN user <redacted 6 bytes>\\r\\n"
        );
    }

    #[test]
    fn raw_rejects_injection() {
        assert!(raw("criteria", b"ALL").is_ok());
        assert!(raw("criteria", b"FROM \"x\"\r\nA2 DELETE INBOX").is_err());
        assert!(raw("criteria", b"a\0b").is_err());
        assert!(raw("criteria", b"TEXT {5}").is_err());
        assert!(raw("criteria", b"TEXT {5+}").is_err());
        assert!(raw("criteria", b"TEXT ~{5}").is_err());
        assert!(raw("criteria", b"TEXT {5} x").is_ok());
        assert!(raw("criteria", b"").is_err());
        // Quoted strings inside raw text must be whole (found by the encoder fuzzer).
        assert!(raw("criteria", b"FROM \"Smith\"").is_ok());
        assert!(raw("criteria", b"FROM \"a \\\" b\\\\\"").is_ok());
        assert!(raw("flags", b"(\\Seen \"").is_err());
        assert!(raw("criteria", b"FROM \"a\\b\"").is_err());
        assert!(raw("criteria", b"FROM \"a\\").is_err());
    }

    #[test]
    fn raw_refuses_unbalanced_parentheses_and_brackets() {
        for ok in [
            &b"(MESSAGES UNSEEN)"[..],
            b"(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] BODY.PEEK[TEXT]<0.40>)",
            b"BODY[]",
            b"(OR (FROM a) (TO b))",
            b"SUBJECT \"(\"",
            b"SUBJECT \"a)b]\"",
            b"SUBJECT \"[PATCH\"",
            b"SUBJECT [PATCH]",
            b"\\Seen",
            b"STORAGE 512",
            b"<0.100>",
        ] {
            assert!(raw("x", ok).is_ok(), "{}", String::from_utf8_lossy(ok));
        }
        for bad in [
            &b"(a)b)"[..],
            b"(()",
            b")",
            b"(",
            b"a]",
            b"BODY[HEADER",
            b"BODY[HEADER.FIELDS (FROM])",
            b"([)]",
            b"SUBJECT \"x\" )",
            b"SUBJECT [PATCH",
        ] {
            let e = raw("x", bad).unwrap_err();
            assert_eq!(
                e.reason(),
                &Reason::argument("x", ArgumentProblem::Unbalanced),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        // The wrapped forms too.
        assert!(paren_list("status items", b"MESSAGES)").is_err());
        assert_eq!(
            paren_list("status items", b"MESSAGES").unwrap(),
            b"(MESSAGES)"
        );
    }

    #[test]
    fn streamed_literals_leave_room_for_the_caller() {
        let sync = command(
            b"A1",
            b"APPEND",
            &[Arg::Atom(b"INBOX".to_vec()), Arg::StreamedMessage(7)],
            Ctx::default(),
        );
        assert_eq!(sync.len(), 3);
        assert_eq!(sync[0].out.bytes, b"A1 APPEND INBOX {7}\r\n");
        assert!(sync[0].wait && sync[0].external.is_none());
        assert_eq!((sync[1].out.bytes.len(), sync[1].external), (0, Some(7)));
        assert_eq!(sync[2].out.bytes, b"\r\n");
        let plus = Ctx {
            literal_plus: true,
            ..Ctx::default()
        };
        let nonsync = command(b"A1", b"APPEND", &[Arg::StreamedMessage(7)], plus);
        assert_eq!(nonsync.len(), 2);
        assert_eq!(nonsync[0].out.bytes, b"A1 APPEND {7+}\r\n");
        assert_eq!(nonsync[0].external, Some(7));
    }

    #[test]
    fn line_endings() {
        assert_eq!(translate_line_endings(b"a\rb\nc\r\nd"), b"a\r\nb\r\nc\r\nd");
        assert_eq!(translate_line_endings(b"\r\r\n\n"), b"\r\n\r\n\r\n");
        assert_eq!(translate_line_endings(b""), b"");
    }

    #[test]
    fn paren_lists() {
        assert_eq!(paren_list("flags", b"\\Deleted").unwrap(), b"(\\Deleted)");
        assert_eq!(paren_list("flags", b"(\\Deleted)").unwrap(), b"(\\Deleted)");
        assert!(paren_list("flags", b"\\Seen\r\n").is_err());
    }

    #[test]
    fn atoms() {
        assert!(atom("mechanism", b"CRAM-MD5").is_ok());
        assert!(atom("mechanism", b"X Y").is_err());
        assert!(atom("mechanism", b"").is_err());
        assert!(atom("mechanism", b"X]").is_err());
    }
}
