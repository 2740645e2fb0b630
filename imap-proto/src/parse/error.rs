//! [`ParseError`]: where typed parsing stopped, what it wanted, and the bytes it found.

use std::fmt;

use crate::error::{Error, Reason, Violation, MAX_ERROR_BYTES};
use crate::trace::Escaped;

/// A response that does not match the grammar (after every named quirk was tried).
///
/// It keeps the offset at which parsing stopped — counted in the response's lines and
/// literals laid end to end, CRLFs excluded — a short description of what was expected
/// there, and at most 200 of the bytes found from that point on.
#[derive(Clone, PartialEq, Eq)]
pub struct ParseError(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    offset: usize,
    expected: &'static str,
    bytes: Vec<u8>,
}

impl ParseError {
    /// An error at `offset`, expecting `expected`, where `found` starts (it is truncated to
    /// 200 bytes).
    pub fn new(offset: usize, expected: &'static str, found: &[u8]) -> Self {
        ParseError(Box::new(Inner {
            offset,
            expected,
            bytes: found[..found.len().min(MAX_ERROR_BYTES)].to_vec(),
        }))
    }

    /// Offset of the failure in the response (lines and literals concatenated, no CRLF).
    pub fn offset(&self) -> usize {
        self.0.offset
    }

    /// What the grammar expected at [`offset`](Self::offset), e.g. `"')'"`, `"a number"`.
    pub fn expected(&self) -> &'static str {
        self.0.expected
    }

    /// The bytes found at the offset (at most 200).
    pub fn bytes(&self) -> &[u8] {
        &self.0.bytes
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "malformed response at offset {}: expected {}, found ",
            self.0.offset, self.0.expected
        )?;
        if self.0.bytes.is_empty() {
            f.write_str("the end")
        } else {
            write!(f, "'{}'", Escaped(&self.0.bytes))
        }
    }
}

impl fmt::Debug for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParseError")
            .field("offset", &self.0.offset)
            .field("expected", &self.0.expected)
            .field("bytes", &Escaped(&self.0.bytes).to_string())
            .finish()
    }
}

impl std::error::Error for ParseError {}

impl From<ParseError> for Error {
    /// An imaplib `error` (not an abort: the connection is fine, one response did not parse)
    /// with [`Reason::Protocol`] ([`Violation::Malformed`]) and the offending bytes.
    fn from(e: ParseError) -> Self {
        Error::error(
            Reason::protocol(Violation::Malformed, e.bytes()),
            e.to_string(),
        )
    }
}

/// Results of this module.
pub type ParseResult<T> = Result<T, ParseError>;
