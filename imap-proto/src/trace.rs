//! Wire tracing through the `log` facade, with secrets redacted by construction.
//!
//! imaplib prints to stderr according to its `debug` level (0–5); here the same levels
//! ([`crate::Connection::set_debug`]) decide what goes to the `log` facade: level 1 and up
//! logs commands, completions and tolerated quirks (`debug!`, target `imaplib`); 3 and up
//! every untagged response stored; 4 and up the wire itself (`trace!`, target
//! `imaplib::wire`; server lines as `S:`, client bytes as `C:`, literal contents only as
//! their size). The encoder records the spans
//! of every secret (LOGIN password, AUTHENTICATE responses) in the [`Outgoing`] it produces;
//! the tracer prints `<redacted N bytes>` in their place, so no regex ever has to find them.

use std::fmt;

/// Log target for raw protocol traffic (imaplib debug level 4+).
pub const WIRE_TARGET: &str = "imaplib::wire";
/// Log target for command-level events (imaplib debug levels 1–3).
pub const TARGET: &str = "imaplib";

/// Displays bytes the way Python's `repr(bytes)` shows them, without the `b'…'` wrapper.
pub struct Escaped<'a>(pub &'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.0 {
            match b {
                b'\\' => f.write_str("\\\\")?,
                b'\r' => f.write_str("\\r")?,
                b'\n' => f.write_str("\\n")?,
                b'\t' => f.write_str("\\t")?,
                0x20..=0x7e => fmt::Write::write_char(f, b as char)?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        Ok(())
    }
}

/// Python-style `repr()` of bytes: `b'…'`, or `b"…"` when that avoids escaping a `'`.
pub fn bytes_repr(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut s = String::with_capacity(bytes.len() + 3);
    s.push('b');
    s.push(quote as char);
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b if b == quote => {
                s.push('\\');
                s.push(b as char);
            }
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push(quote as char);
    s
}

/// Python-style `repr()` of a str: `'…'` (quotes chosen as Python does).
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Bytes on their way to the server, with the spans that must never be logged.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Outgoing {
    /// The bytes to write.
    pub bytes: Vec<u8>,
    /// Byte ranges of `bytes` holding secrets.
    pub secrets: Vec<std::ops::Range<usize>>,
}

impl Outgoing {
    /// Appends public bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// Appends secret bytes.
    pub fn push_secret(&mut self, bytes: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        self.secrets.push(start..self.bytes.len());
    }

    /// Appends another outgoing chunk, keeping its secret spans.
    pub fn append(&mut self, other: Outgoing) {
        let base = self.bytes.len();
        self.bytes.extend_from_slice(&other.bytes);
        self.secrets.extend(
            other
                .secrets
                .into_iter()
                .map(|r| r.start + base..r.end + base),
        );
    }

    /// A display of the bytes with every secret span replaced by `<redacted N bytes>`.
    pub fn redacted(&self) -> Redacted<'_> {
        Redacted(self)
    }
}

/// Shows the bytes with secrets redacted, as [`Outgoing::redacted`].
impl fmt::Display for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.redacted().fmt(f)
    }
}

impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Outgoing(\"{}\")", self.redacted())
    }
}

/// See [`Outgoing::redacted`].
pub struct Redacted<'a>(&'a Outgoing);

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let out = self.0;
        let mut at = 0;
        for span in &out.secrets {
            let start = span.start.clamp(at, out.bytes.len());
            let end = span.end.clamp(start, out.bytes.len());
            write!(f, "{}", Escaped(&out.bytes[at..start]))?;
            write!(f, "<redacted {} bytes>", end - start)?;
            at = end;
        }
        write!(f, "{}", Escaped(&out.bytes[at..]))
    }
}

/// Logs bytes sent (redacted) at trace level.
pub(crate) fn sent(out: &Outgoing) {
    log::trace!(target: WIRE_TARGET, "C: {}", out.redacted());
}

/// Logs a framed server response at trace level: its lines, and only the sizes of its
/// literals.
pub(crate) fn received(frame: &crate::frame::Frame) {
    log::trace!(target: WIRE_TARGET, "S: {}", Escaped(&frame.first));
    for (literal, line) in &frame.parts {
        log::trace!(target: WIRE_TARGET, "S: <literal {} bytes>", literal.len());
        log::trace!(target: WIRE_TARGET, "S: {}", Escaped(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_every_secret_span() {
        let mut o = Outgoing::default();
        o.push(b"A1 LOGIN user ");
        o.push_secret(b"\"hunter2\"");
        o.push(b"\r\n");
        let shown = o.redacted().to_string();
        assert_eq!(shown, "A1 LOGIN user <redacted 9 bytes>\\r\\n");
        assert!(!format!("{o:?}").contains("hunter2"));
        let mut two = Outgoing::default();
        two.push(b"x");
        two.append(o);
        assert_eq!(two.secrets, vec![15..24]);
    }

    #[test]
    fn reprs_match_python() {
        assert_eq!(bytes_repr(b"INBOX"), "b'INBOX'");
        assert_eq!(bytes_repr(b"a\\\r\n\x00'\""), "b'a\\\\\\r\\n\\x00\\'\"'");
        assert_eq!(bytes_repr(b"a'"), "b\"a'\"");
        assert_eq!(str_repr("INBOX"), "'INBOX'");
        assert_eq!(str_repr("it's"), "\"it's\"");
    }
}
