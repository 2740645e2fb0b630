//! The error type shared by the core and both clients.
//!
//! imaplib raises `IMAP4.error`, and its subclasses `IMAP4.abort` ("reset the connection and
//! retry") and `IMAP4.readonly` (the mailbox became read-only). [`Error`] carries the same
//! distinction as an [`ErrorKind`], so `err.is_abort()` holds for abort *and* readonly, and
//! every error is an imaplib `error`. A [`Cause`] says where the error came from (the server's
//! bytes, a bad argument, the transport, a timeout…), the name of the command involved, and —
//! for protocol errors — a truncated copy of the offending bytes. Secrets never reach an error:
//! the encoder marks them and nothing built from a marked span is ever copied here.

use std::fmt;

/// imaplib's exception hierarchy: `error` ⊃ `abort` ⊃ `readonly`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `IMAP4.error`: the command failed; the connection is still usable.
    Error,
    /// `IMAP4.abort`: the connection is unusable (server BYE, protocol violation, I/O error).
    Abort,
    /// `IMAP4.readonly`: the selected mailbox became read-only.
    Readonly,
}

/// Where an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// The server answered the command with `NO` or `BAD`, or refused it.
    Server,
    /// The server's bytes broke the protocol (framing, grammar, unexpected tag…).
    Protocol,
    /// A configured limit (line length, literal size, stored responses) was exceeded.
    Limit,
    /// The command is not allowed in the connection's current state.
    State,
    /// An argument cannot be sent safely (NUL, a malformed sequence set, an injected literal…).
    Argument,
    /// The server lacks a capability the command needs.
    Unsupported,
    /// The server said `BYE`.
    Bye,
    /// A TLS policy check failed (TLS required but not available).
    TlsPolicy,
    /// The transport failed (socket or pipe error, end of stream).
    Io,
    /// The TLS layer failed (handshake, certificate).
    Tls,
    /// The server did not answer in time.
    Timeout,
}

/// An IMAP error: a kind in imaplib's hierarchy, a cause, a message, and context.
pub struct Error {
    kind: ErrorKind,
    cause: Cause,
    message: String,
    command: Option<String>,
    bytes: Option<Vec<u8>>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// How many offending bytes an error keeps.
pub const MAX_ERROR_BYTES: usize = 200;

impl Error {
    /// A new error of the given kind and cause.
    pub fn new(kind: ErrorKind, cause: Cause, message: impl Into<String>) -> Self {
        Error {
            kind,
            cause,
            message: message.into(),
            command: None,
            bytes: None,
            source: None,
        }
    }

    /// An `IMAP4.error`.
    #[allow(clippy::self_named_constructors)]
    pub fn error(cause: Cause, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Error, cause, message)
    }

    /// An `IMAP4.abort`.
    pub fn abort(cause: Cause, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Abort, cause, message)
    }

    /// An `IMAP4.readonly`.
    pub fn readonly(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Readonly, Cause::Server, message)
    }

    /// An abort caused by an I/O error, keeping it as the source.
    pub fn io(err: std::io::Error) -> Self {
        let cause = match err.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Cause::Timeout,
            _ => Cause::Io,
        };
        let message = match cause {
            Cause::Timeout => format!("timed out: {err}"),
            _ => format!("socket error: {err}"),
        };
        Self::abort(cause, message).with_source(err)
    }

    /// An abort caused by a timeout the caller measured (the core has no clock).
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::abort(Cause::Timeout, message)
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// Names the command this error belongs to.
    pub fn with_command(mut self, command: impl Into<String>) -> Self {
        self.command = Some(command.into());
        self
    }

    /// Keeps a truncated copy of the offending bytes.
    pub fn with_bytes(mut self, bytes: &[u8]) -> Self {
        self.bytes = Some(bytes[..bytes.len().min(MAX_ERROR_BYTES)].to_vec());
        self
    }

    /// The kind in imaplib's hierarchy.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Where the error came from.
    pub fn cause(&self) -> Cause {
        self.cause
    }

    /// Every error is an imaplib `error`.
    pub fn is_error(&self) -> bool {
        true
    }

    /// True for `abort` and `readonly`, as `isinstance(e, IMAP4.abort)` would be.
    pub fn is_abort(&self) -> bool {
        matches!(self.kind, ErrorKind::Abort | ErrorKind::Readonly)
    }

    /// True for `readonly` only.
    pub fn is_readonly(&self) -> bool {
        self.kind == ErrorKind::Readonly
    }

    /// True when the transport timed out.
    pub fn is_timeout(&self) -> bool {
        self.cause == Cause::Timeout
    }

    /// The message, without the command name.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The command this error belongs to, if any.
    pub fn command(&self) -> Option<&str> {
        self.command.as_deref()
    }

    /// The offending bytes (at most [`MAX_ERROR_BYTES`]), if any.
    pub fn bytes(&self) -> Option<&[u8]> {
        self.bytes.as_deref()
    }

    /// A copy without the source (sources are not `Clone`); used when one failure must be
    /// reported to several waiting commands.
    pub fn duplicate(&self) -> Self {
        Error {
            kind: self.kind,
            cause: self.cause,
            message: self.message.clone(),
            command: self.command.clone(),
            bytes: self.bytes.clone(),
            source: None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind)
            .field("cause", &self.cause)
            .field("message", &self.message);
        if let Some(command) = &self.command {
            d.field("command", command);
        }
        if let Some(bytes) = &self.bytes {
            d.field("bytes", &crate::trace::Escaped(bytes).to_string());
        }
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::io(err)
    }
}

/// Shorthand for results carrying an [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hierarchy_matches_imaplib() {
        let e = Error::error(Cause::Server, "x");
        assert!(e.is_error() && !e.is_abort() && !e.is_readonly());
        let a = Error::abort(Cause::Protocol, "x");
        assert!(a.is_error() && a.is_abort() && !a.is_readonly());
        let r = Error::readonly("x");
        assert!(r.is_error() && r.is_abort() && r.is_readonly());
    }

    #[test]
    fn display_names_command_and_truncates_bytes() {
        let e = Error::abort(Cause::Protocol, "unexpected response")
            .with_command("FETCH")
            .with_bytes(&[b'x'; 1000]);
        assert_eq!(e.bytes().map(<[u8]>::len), Some(MAX_ERROR_BYTES));
        assert_eq!(e.to_string(), "unexpected response");
        assert_eq!(e.command(), Some("FETCH"));
    }

    #[test]
    fn io_timeouts_are_recognised() {
        let e = Error::io(std::io::Error::new(std::io::ErrorKind::TimedOut, "slow"));
        assert!(e.is_timeout() && e.is_abort());
        assert!(std::error::Error::source(&e).is_some());
        assert!(e.duplicate().is_timeout());
    }
}
