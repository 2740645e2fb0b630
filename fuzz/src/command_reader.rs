//! A strict reader of client commands, written independently of the library's encoder.
//!
//! Two views of the bytes a client sent:
//!
//! * [`server_split`] is how a server cuts the byte stream into commands: a line ends the
//!   command unless it ends in a literal marker (`{N}`, `{N+}`, `~{N}`), in which case N
//!   bytes follow and the line goes on. It is run twice — once naively, once tracking
//!   quoted strings, because a server that meets an unterminated quoted string does not see
//!   a marker inside it. If either view ends the command before the client stops sending
//!   (other than where the client waits for a `+`), the rest of the bytes would run as
//!   another command: an injection.
//! * [`match_command`] reads `tag SP name *(SP arg) CRLF` guided by the command's
//!   [`Spec`](crate::commands::Spec): every argument must be in the form its position
//!   allows and carry the value given (see the rules on [`Arg`]).
//!
//! The continuation handshake is checked against the flights: the client's bytes between
//! two server inputs. A synchronizing literal's header must end a flight (the client waits
//! for `+`), a non-synchronizing one must be allowed by LITERAL+ / LITERAL- (≤ 4096 bytes).

use crate::bytes::show;
use crate::commands::{Arg, DateArg, Spec};

/// Whether raw text written before a non-synchronizing literal must close its quoted
/// strings, and whether a server that tracks quoted strings must see one command. A server
/// that finds a syntax error on a line may skip the rest of it — the `{N+}` marker
/// included — and then run the literal's bytes as a new command. (RFC 2088 §3 tells servers to look for `{N+}` at the end of every line whatever
/// precedes it, so a compliant server is not fooled; this rule is defence in depth.)
///
/// On unless [`skip_known`].
pub fn strict_raw_before_nonsync_literal() -> bool {
    !skip_known()
}

/// `IMAPLIB_FUZZ_SKIP_KNOWN=1` turns off the checks of known, reported findings (each says
/// so where it is used), only to keep a fuzzing campaign going past them before they are
/// fixed. Never set for the regression tests.
pub fn skip_known() -> bool {
    static SKIP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SKIP.get_or_init(|| std::env::var_os("IMAPLIB_FUZZ_SKIP_KNOWN").is_some_and(|v| v == "1"))
}

/// What the connection allows, as the reader needs to know it.
#[derive(Debug, Clone, Copy, Default)]
pub struct WireCtx {
    /// UTF8=ACCEPT is enabled: quoted strings may hold UTF-8.
    pub utf8: bool,
    /// `{N+}` allowed at any size.
    pub literal_plus: bool,
    /// `{N+}` allowed up to 4096 bytes.
    pub literal_minus: bool,
    /// `str` mailbox names go out in modified UTF-7 (when not in UTF-8 mode).
    pub mutf7: bool,
}

/// How the server sees the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// The first command ends at this offset.
    Ends(usize),
    /// The bytes end inside a command; `sync` when right after a synchronizing literal
    /// header (the client must be waiting for `+`).
    Incomplete {
        /// Stopped right after `{N}` CRLF.
        after_sync_header: bool,
        /// Stopped right after `{N+}` CRLF.
        after_nonsync_header: bool,
    },
}

/// The literal marker at the end of `line`: (size, non-synchronizing).
pub fn marker(line: &[u8]) -> Option<(usize, bool)> {
    let rest = line.strip_suffix(b"}")?;
    let (rest, plus) = match rest.strip_suffix(b"+") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let digits = rest.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || rest.len() == digits || rest[rest.len() - digits - 1] != b'{' {
        return None;
    }
    // A size too large for usize is still a marker (a server would try to read it).
    let n = std::str::from_utf8(&rest[rest.len() - digits..])
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(usize::MAX);
    Some((n, plus))
}

/// Where the first command of `b` ends, as a server sees it; `quotes` to track quoted
/// strings (a marker inside an unterminated quoted string is not a marker).
pub fn server_split(b: &[u8], quotes: bool) -> Split {
    let mut i = 0;
    loop {
        let start = i;
        let mut in_quote = false;
        let open_quote_at_end;
        // Find the CRLF ending this line segment.
        let end = loop {
            match b.get(i) {
                None => {
                    return Split::Incomplete {
                        after_sync_header: false,
                        after_nonsync_header: false,
                    }
                }
                Some(b'\r') if b.get(i + 1) == Some(&b'\n') => {
                    open_quote_at_end = in_quote;
                    break i;
                }
                Some(b'"') if quotes => {
                    in_quote = !in_quote;
                    i += 1;
                }
                Some(b'\\') if quotes && in_quote => i += 2,
                Some(_) => i += 1,
            }
        };
        let line = &b[start..end];
        i = end + 2;
        match marker(line) {
            Some((n, plus)) if !open_quote_at_end => {
                if i == b.len() {
                    return Split::Incomplete {
                        after_sync_header: !plus,
                        after_nonsync_header: plus,
                    };
                }
                if b.len() - i < n {
                    return Split::Incomplete {
                        after_sync_header: false,
                        after_nonsync_header: false,
                    };
                }
                i += n;
            }
            _ => return Split::Ends(i),
        }
    }
}

/// The client's bytes: everything sent, and where each flight ended.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    /// All bytes.
    pub bytes: Vec<u8>,
    /// Offsets at which the client stopped and waited for the server.
    pub breaks: Vec<usize>,
}

/// Checks that the server sees exactly one command in `sent`, whatever its view of quotes.
pub fn check_one_command(sent: &Sent) -> Result<(), String> {
    let total = sent.bytes.len();
    for quotes in [false, true] {
        if quotes && !strict_raw_before_nonsync_literal() {
            continue;
        }
        match server_split(&sent.bytes, quotes) {
            Split::Ends(e) if e == total => {}
            Split::Ends(e) if sent.breaks.contains(&e) && e < total => {
                // The server ends the command where the client waits for `+`: it answers
                // BAD instead, and the client sends nothing more. Not an injection.
                if !quotes {
                    return Err(format!("naive server view ends the command at {e} of {total}"));
                }
            }
            Split::Ends(e) => {
                return Err(format!(
                    "a server ({} quotes) ends the command at byte {e} of {total}: the rest {} would run as a command",
                    if quotes { "tracking" } else { "ignoring" },
                    show(&sent.bytes[e..])
                ))
            }
            Split::Incomplete { .. } => {
                return Err(format!(
                    "a server ({} quotes) is still reading the command when the client stopped",
                    if quotes { "tracking" } else { "ignoring" }
                ))
            }
        }
    }
    Ok(())
}

/// One string token.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Form {
    Atom,
    /// A quoted string; `strict` when it uses only `\\` and `\"` escapes.
    Quoted {
        strict: bool,
    },
    Literal,
}

#[derive(Debug)]
struct Token<'a> {
    /// The wire bytes of the token (with quotes; for a literal, the data).
    raw: &'a [u8],
    /// The value: escapes removed.
    value: Vec<u8>,
    form: Form,
}

/// A cursor over the sent bytes.
struct Wire<'a> {
    b: &'a [u8],
    i: usize,
    breaks: &'a [usize],
    ctx: WireCtx,
    /// Raw arguments seen so far (for the strictness rule before a `{N+}`).
    raws: Vec<Vec<u8>>,
}

fn err<T>(w: &Wire<'_>, what: impl AsRef<str>) -> Result<T, String> {
    let from = w.i.saturating_sub(20);
    let to = (w.i + 40).min(w.b.len());
    Err(format!(
        "{} at byte {}: …{}⟨here⟩{}…",
        what.as_ref(),
        w.i,
        show(&w.b[from..w.i.min(w.b.len())]),
        show(&w.b[w.i.min(w.b.len())..to])
    ))
}

/// ASTRING-CHAR (ATOM-CHAR and `]`), plus `%`/`*` in a list-mailbox.
pub fn is_astring_char(c: u8, list: bool) -> bool {
    match c {
        b'(' | b')' | b'{' | b' ' | b'"' | b'\\' => false,
        b'%' | b'*' => list,
        0x21..=0x7e => true,
        _ => false,
    }
}

/// ATOM-CHAR.
pub fn is_atom_char(c: u8) -> bool {
    is_astring_char(c, false) && c != b']'
}

/// Removes `\` escapes (a backslash keeps the byte after it).
pub fn unescape(inner: &[u8]) -> Vec<u8> {
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

/// The whole value is one quoted string (imaplib's `_quoted`: passed through as given).
pub fn looks_prequoted(b: &[u8]) -> bool {
    if b.len() < 2 || b[0] != b'"' || b[b.len() - 1] != b'"' {
        return false;
    }
    let mut i = 1;
    while i < b.len() - 1 {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return false,
            _ => i += 1,
        }
    }
    i == b.len() - 1
}

/// Raw text whose quoted strings all close, with only `\\` and `\"` escapes: a server
/// that tokenises the line then sees everything after it, a literal marker included.
/// (Other syntax errors do not hide a marker at the end of the line.)
pub fn raw_is_well_formed(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            i += 1;
            loop {
                match b.get(i) {
                    None | Some(b'\r' | b'\n') => return false,
                    Some(b'"') => break,
                    Some(b'\\') => match b.get(i + 1) {
                        Some(b'\\' | b'"') => i += 2,
                        _ => return false,
                    },
                    Some(_) => i += 1,
                }
            }
        }
        i += 1;
    }
    true
}

/// imaplib's `MapCRLF`: every CR, LF or CRLF becomes CRLF.
pub fn map_crlf(m: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(m.len());
    let mut i = 0;
    while i < m.len() {
        match m[i] {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                if m.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// A sequence set as the encoder must accept it: `$`, or comma-separated numbers (1 to
/// 4294967295) without leading zeros, `*`, and ranges of those.
pub fn valid_seq(b: &[u8]) -> bool {
    fn number(s: &[u8]) -> bool {
        s == b"*"
            || (!s.is_empty()
                && s[0] != b'0'
                && s.iter().all(u8::is_ascii_digit)
                && std::str::from_utf8(s).is_ok_and(|t| t.parse::<u32>().is_ok()))
    }
    b == b"$"
        || (!b.is_empty()
            && b.split(|&c| c == b',').all(|item| {
                let mut ends = item.splitn(2, |&c| c == b':');
                number(ends.next().unwrap_or_default()) && ends.next().is_none_or(number)
            }))
}

impl<'a> Wire<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn expect(&mut self, s: &[u8]) -> Result<(), String> {
        if self.b[self.i.min(self.b.len())..].starts_with(s) {
            self.i += s.len();
            Ok(())
        } else {
            err(self, format!("expected {}", show(s)))
        }
    }

    /// `{N}` / `{N+}` / `~{N}` CRLF and the data, with the handshake checks.
    fn literal(&mut self, binary: bool) -> Result<&'a [u8], String> {
        if binary {
            self.expect(b"~")?;
        }
        self.expect(b"{")?;
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let digits = &self.b[start..self.i];
        if digits.is_empty() {
            return err(self, "literal without size");
        }
        let n: usize = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse().ok())
            .ok_or("literal size")?;
        let plus = self.peek() == Some(b'+');
        if plus {
            self.i += 1;
        }
        self.expect(b"}\r\n")?;
        if plus {
            if !(self.ctx.literal_plus || (self.ctx.literal_minus && n <= 4096)) {
                return err(
                    self,
                    format!("{{{n}+}} without LITERAL+ (or over LITERAL-'s 4096)"),
                );
            }
            if strict_raw_before_nonsync_literal() {
                if let Some(bad) = self.raws.iter().find(|r| !raw_is_well_formed(r)) {
                    return err(
                        self,
                        format!(
                            "raw text {} that a server cannot parse precedes a non-synchronizing literal: \
                             a server skips the line, marker included, and runs the literal's bytes as a command",
                            show(bad)
                        ),
                    );
                }
            }
        } else if !self.breaks.contains(&self.i) {
            return err(
                self,
                "the client did not wait for '+' after a synchronizing literal",
            );
        }
        let data = self.b.get(self.i..self.i + n).ok_or("short literal")?;
        if !binary && data.contains(&0) {
            return err(self, "NUL in a literal");
        }
        self.i += n;
        Ok(data)
    }

    /// An atom, quoted string or literal; atoms of ASTRING-CHARs (`list` adds `%*`).
    fn string(&mut self, list: bool) -> Result<Token<'a>, String> {
        let start = self.i;
        match self.peek() {
            Some(b'"') => {
                self.i += 1;
                let mut value = Vec::new();
                let mut strict = true;
                loop {
                    match self.peek() {
                        None => return err(self, "unterminated quoted string"),
                        Some(b'"') => {
                            self.i += 1;
                            break;
                        }
                        Some(b'\\') => {
                            let Some(c) = self.b.get(self.i + 1).copied() else {
                                return err(self, "backslash at the end");
                            };
                            if !matches!(c, b'\\' | b'"') {
                                strict = false;
                            }
                            if matches!(c, b'\r' | b'\n') {
                                return err(self, "CR/LF in a quoted string");
                            }
                            value.push(c);
                            self.i += 2;
                        }
                        Some(b'\r' | b'\n' | 0) => {
                            return err(self, "CR, LF or NUL in a quoted string")
                        }
                        Some(c) if c >= 0x80 && !self.ctx.utf8 => {
                            return err(self, "8-bit byte in a quoted string outside UTF-8 mode")
                        }
                        Some(c) => {
                            value.push(c);
                            self.i += 1;
                        }
                    }
                }
                if !value.is_ascii() && std::str::from_utf8(&value).is_err() {
                    return err(self, "invalid UTF-8 in a quoted string");
                }
                Ok(Token {
                    raw: &self.b[start..self.i],
                    value,
                    form: Form::Quoted { strict },
                })
            }
            Some(b'{') => {
                let data = self.literal(false)?;
                Ok(Token {
                    raw: data,
                    value: data.to_vec(),
                    form: Form::Literal,
                })
            }
            _ => {
                while self
                    .peek()
                    .is_some_and(|c| !matches!(c, b' ' | b'\r' | b')'))
                {
                    let c = self.b[self.i];
                    if !is_astring_char(c, list) {
                        return err(self, format!("byte {c:#04x} not allowed in an atom"));
                    }
                    self.i += 1;
                }
                if self.i == start {
                    return err(self, "empty atom");
                }
                let raw = &self.b[start..self.i];
                Ok(Token {
                    raw,
                    value: raw.to_vec(),
                    form: Form::Atom,
                })
            }
        }
    }

    /// Text sent verbatim.
    fn verbatim(&mut self, v: &[u8]) -> Result<(), String> {
        self.expect(v)?;
        self.raws.push(v.to_vec());
        Ok(())
    }

    fn arg(&mut self, arg: &Arg) -> Result<(), String> {
        match arg {
            Arg::Atom(a) | Arg::Verbatim(a) => self.expect(a),
            Arg::Utf8Charset => self.expect(b"CHARSET UTF-8"),
            Arg::Seq(s) => self.expect(s),
            Arg::Raw(r) => self.verbatim(r),
            Arg::Paren(p) => self.verbatim(&paren(p)),
            Arg::FetchParts(p) => {
                if [&b"ALL"[..], b"FULL", b"FAST"]
                    .iter()
                    .any(|m| p.eq_ignore_ascii_case(m))
                {
                    self.verbatim(p)
                } else {
                    self.verbatim(&paren(p))
                }
            }
            Arg::Date(DateArg::Str(s)) => self.verbatim(s.as_bytes()),
            Arg::Date(DateArg::Timestamp(_)) => {
                // `"dd-Mon-yyyy hh:mm:ss +zzzz"`.
                let t = self.string(false)?;
                let v = &t.value;
                let shape = v.len() == 26
                    && v.iter().enumerate().all(|(i, &c)| match i {
                        0 | 1 | 7..=10 | 12 | 13 | 15 | 16 | 18 | 19 | 22..=25 => {
                            c.is_ascii_digit()
                        }
                        2 | 6 => c == b'-',
                        3..=5 => c.is_ascii_alphabetic(),
                        11 | 20 => c == b' ',
                        14 | 17 => c == b':',
                        21 => c == b'+' || c == b'-',
                        _ => false,
                    });
                if !shape || !matches!(t.form, Form::Quoted { .. }) {
                    return err(self, format!("not an INTERNALDATE: {}", show(t.raw)));
                }
                Ok(())
            }
            Arg::AString(v) => {
                let t = self.string(false)?;
                if astring_ok(&t, v) {
                    Ok(())
                } else {
                    err(self, format!("astring {} sent as {}", show(v), show(t.raw)))
                }
            }
            Arg::Mailbox { name, is_str, list } => {
                let t = self.string(*list)?;
                let ok = if *is_str && self.ctx.mutf7 && !self.ctx.utf8 {
                    let s = std::str::from_utf8(name).map_err(|e| e.to_string())?;
                    if imaplib_proto::mutf7::decode(name).is_ok() {
                        // Already modified UTF-7 (plain ASCII included): sent as given.
                        astring_ok(&t, name)
                    } else {
                        let mut candidates = vec![t.value.clone()];
                        if matches!(t.form, Form::Quoted { .. }) {
                            candidates.push(t.raw.to_vec());
                        }
                        candidates.iter().any(|c| {
                            astring_ok(&t, c)
                                && imaplib_proto::mutf7::decode(c).ok().as_deref() == Some(s)
                        })
                    }
                } else {
                    astring_ok(&t, name)
                };
                if ok {
                    Ok(())
                } else {
                    err(
                        self,
                        format!(
                            "mailbox {} ({}) sent as {}",
                            show(name),
                            if *is_str { "str" } else { "bytes" },
                            show(t.raw)
                        ),
                    )
                }
            }
            Arg::Quoted(v) => {
                let t = self.string(false)?;
                match t.form {
                    Form::Quoted { strict: true } | Form::Literal if &t.value == v => Ok(()),
                    _ => err(self, format!("string {} sent as {}", show(v), show(t.raw))),
                }
            }
            Arg::Message { bytes, translate } => {
                let want = if *translate {
                    map_crlf(bytes)
                } else {
                    bytes.clone()
                };
                let data = if self.ctx.utf8 {
                    self.expect(b"UTF8 (")?;
                    let d = self.literal(true)?;
                    self.expect(b")")?;
                    d
                } else {
                    self.literal(false)?
                };
                if data != want.as_slice() {
                    return err(self, "the message literal differs from the message");
                }
                Ok(())
            }
            Arg::Literal(v) => {
                let data = self.literal(false)?;
                if data != v.as_slice() {
                    return err(self, "the literal differs from the bytes given");
                }
                Ok(())
            }
            Arg::StreamedMessage(len) => {
                let data = if self.ctx.utf8 {
                    self.expect(b"UTF8 (")?;
                    let d = self.literal(true)?;
                    self.expect(b")")?;
                    d
                } else {
                    self.literal(false)?
                };
                if data.len() as u64 != *len || data.iter().any(|&c| c != b'x') {
                    return err(self, "the streamed literal is not the bytes written");
                }
                Ok(())
            }
            Arg::Group(items) => {
                self.expect(b"(")?;
                for (k, item) in items.iter().enumerate() {
                    if k > 0 {
                        self.expect(b" ")?;
                    }
                    self.arg(item)?;
                }
                self.expect(b")")
            }
        }
    }
}

/// imaplib's `_set_quote`.
pub fn paren(p: &[u8]) -> Vec<u8> {
    if p.first() == Some(&b'(') && p.last() == Some(&b')') {
        p.to_vec()
    } else {
        let mut v = b"(".to_vec();
        v.extend_from_slice(p);
        v.push(b')');
        v
    }
}

/// The token carries `want` in an astring position: its value equals `want` (an atom only
/// if every byte may be in one; quoted strings strictly escaped), or `want` is already a
/// quoted string and passes through as imaplib passes it (as is, or as a literal of its
/// unescaped content when it cannot be sent quoted).
fn astring_ok(t: &Token<'_>, want: &[u8]) -> bool {
    let normal = t.value == want
        && match t.form {
            Form::Atom => true,
            Form::Quoted { strict } => strict,
            Form::Literal => true,
        };
    let passed_through = looks_prequoted(want)
        && match t.form {
            Form::Quoted { .. } => t.raw == want,
            Form::Literal => t.value == unescape(&want[1..want.len() - 1]),
            Form::Atom => false,
        };
    normal || passed_through
}

/// Reads one command guided by `spec` from `sent`; `tag` is the tag it must carry.
pub fn match_command(sent: &Sent, tag: &[u8], spec: &Spec, ctx: WireCtx) -> Result<(), String> {
    let mut w = Wire {
        b: &sent.bytes,
        i: 0,
        breaks: &sent.breaks,
        ctx,
        raws: Vec::new(),
    };
    w.expect(tag)?;
    w.expect(b" ")?;
    w.expect(&spec.name)?;
    for arg in &spec.args {
        if ctx.utf8 && matches!(arg, Arg::Utf8Charset) {
            continue;
        }
        w.expect(b" ")?;
        w.arg(arg)?;
    }
    w.expect(b"\r\n")?;
    if w.i != w.b.len() {
        return err(&w, "bytes after the command");
    }
    Ok(())
}
