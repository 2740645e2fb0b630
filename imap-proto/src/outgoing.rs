//! Bytes on their way to the server, with the spans of secrets marked by the encoder.
//!
//! The encoder ([`crate::encode`]) writes every secret (LOGIN password, AUTHENTICATE
//! responses) with [`Outgoing::push_secret`]; `Display` and `Debug` show
//! `<redacted N bytes>` in its place, so a trace ([`crate::trace`]) or an error message
//! never needs a regex to hide it. Also reachable as `trace::Outgoing`.

use std::fmt;

use crate::repr::Escaped;

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
}
