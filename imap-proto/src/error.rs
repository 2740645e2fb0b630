//! The error type shared by the core and both clients.
//!
//! imaplib raises `IMAP4.error`, and its subclasses `IMAP4.abort` ("reset the connection and
//! retry") and `IMAP4.readonly` (the mailbox became read-only). [`Error`] carries the same
//! distinction as an [`ErrorKind`], so `err.is_abort()` holds for abort *and* readonly, and
//! every error is an imaplib `error`. Its message is imaplib's where imaplib has one.
//!
//! A program that wants to act on a failure asks [`Error::reason`]: a [`Reason`] with the
//! data of the case — the server's refusal with its response code, which deadline passed and
//! after how long, which limit was exceeded with the value seen and the bound, which argument
//! was refused and why, … — in the style of rustls's `Error`. [`Error::cause`] is a coarse
//! view of the same reason ([`Cause`]), for matching broad classes. The error also names the
//! command involved and, for the server's bytes that broke something, keeps a truncated copy.
//!
//! Secrets never reach an error: the encoder marks them (the LOGIN password, AUTHENTICATE
//! responses) and nothing built from a marked span is ever copied into a message, a reason
//! or the offending bytes.
//!
//! ```
//! use std::time::Duration;
//! use imaplib_proto::error::{Deadline, Reason};
//! use imaplib_proto::{Command, Connection, Options, Output};
//!
//! let mut conn = Connection::new(Options::new(0x1234));
//! conn.feed(b"* OK [CAPABILITY IMAP4rev1] hi\r\n");
//! assert!(matches!(conn.poll_output(), Some(Output::Connected)));
//! conn.submit(Command::login("alice", "secret")?)?;
//! conn.feed(b"BCDE0 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
//! let err = loop {
//!     if let Some(Output::Completed { result: Err(e), .. }) = conn.poll_output() {
//!         break e;
//!     }
//! };
//! assert_eq!(err.to_string(), "[AUTHENTICATIONFAILED] Authentication failed."); // imaplib's
//! let Reason::Refused(refusal) = err.reason() else { panic!() };
//! assert_eq!(refusal.code_name(), Some("AUTHENTICATIONFAILED"));
//! assert_eq!(refusal.text(), "Authentication failed.");
//! assert!(!format!("{err:?}").contains("secret"));
//!
//! let t = imaplib_proto::Error::timeout(Deadline::Silence, Duration::from_secs(60), "timed out");
//! assert!(t.is_timeout() && t.is_abort());
//! # Ok::<(), imaplib_proto::Error>(())
//! ```

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::command::State;
use crate::parse::{Code, StatusKind};

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

/// Where an error came from, coarsely: a view of the [`Reason`] ([`Reason::cause`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// The server answered the command with `NO` or `BAD`, or the mailbox became read-only.
    Server,
    /// The server's bytes broke the protocol (framing, grammar, unexpected tag, injection…).
    Protocol,
    /// A configured limit (line length, literal size, stored responses) was exceeded.
    Limit,
    /// The command is not allowed in the connection's current state.
    State,
    /// An argument cannot be sent safely (NUL, a malformed sequence set, an injected literal…),
    /// or a streamed message did not come whole.
    Argument,
    /// The server lacks a capability the command needs.
    Unsupported,
    /// The server said `BYE`.
    Bye,
    /// A TLS policy check failed (TLS required but not available).
    TlsPolicy,
    /// The transport failed (socket or pipe error, end of stream), or a caller's stream did.
    Io,
    /// The TLS layer failed (configuration, handshake, certificate).
    Tls,
    /// A deadline passed.
    Timeout,
    /// A SASL exchange failed on the client's side: the server broke the mechanism or did
    /// not prove who it is, or a channel-binding policy refused to go on
    /// ([`Reason::Sasl`]; an `e=` error the server sent is [`Cause::Server`]).
    Sasl,
}

/// What went wrong, with the data a program acts on. See the [module documentation](self).
///
/// New variants may be added; match with a wildcard arm.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The server refused the command: a tagged `NO` or `BAD` (imaplib raises for BAD, and
    /// for NO to LOGIN, AUTHENTICATE, STARTTLS and IDLE; [`crate::Reply::into_ok`] raises for
    /// every refusal).
    Refused(Refusal),
    /// The server said `BYE` (not in answer to LOGOUT): the connection is over.
    Bye {
        /// The BYE text.
        text: String,
    },
    /// The selected mailbox is read-only (imaplib's `readonly`).
    ReadOnly,
    /// The transport reached the end of its stream.
    Closed {
        /// Where the stream ended.
        at: ClosedAt,
    },
    /// A deadline passed; the connection is unusable (IMAP cannot cancel a command).
    Timeout {
        /// Which deadline.
        deadline: Deadline,
        /// Its duration, when known.
        after: Option<Duration>,
    },
    /// A configured limit was exceeded. Limits are inclusive: a value equal to its bound
    /// passes (see [`crate::Limits`]).
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// The value seen (bytes; `u64::MAX` for a literal size that does not fit in 64 bits).
        value: u64,
        /// The bound in force.
        bound: u64,
    },
    /// The server's bytes broke the protocol.
    Protocol {
        /// What was wrong.
        violation: Violation,
        /// The offending bytes (at most [`MAX_ERROR_BYTES`]); also [`Error::bytes`].
        bytes: Vec<u8>,
    },
    /// The TLS layer failed, or a TLS policy refused to go on.
    Tls(TlsFailure),
    /// An argument was refused before anything was sent.
    Argument {
        /// Which argument (`"the password"`, `"search criteria"`, `"the charset"`…).
        argument: String,
        /// Why.
        problem: ArgumentProblem,
    },
    /// The server sent bytes where a new transport layer begins (after the STARTTLS `OK`,
    /// before the handshake): they would have been read as if protected. Response injection.
    Injection {
        /// The layer that was about to start.
        layer: Layer,
        /// How many bytes were buffered past its start (the first of them are in
        /// [`Error::bytes`]).
        buffered: usize,
    },
    /// The transport failed with this I/O error (the error itself is the source).
    Io {
        /// Its kind.
        kind: io::ErrorKind,
    },
    /// The call is not allowed in the connection's current state.
    State(StateProblem),
    /// The server lacks what the command needs.
    Unsupported {
        /// The capability missing (`"IDLE"`, `"ENABLE"`, `"STARTTLS"`…), or `"LOGINDISABLED"`
        /// when the server forbids LOGIN.
        capability: String,
    },
    /// A stream of the caller (a literal sink, a message reader) failed or ended early.
    Stream(StreamFailure),
    /// A SASL mechanism (SCRAM) failed on the client's side, or the server reported its
    /// own error inside the exchange.
    Sasl(SaslFailure),
}

impl Reason {
    /// The coarse [`Cause`] of this reason.
    pub fn cause(&self) -> Cause {
        match self {
            Reason::Refused(_) | Reason::ReadOnly => Cause::Server,
            Reason::Bye { .. } => Cause::Bye,
            Reason::Closed { .. } | Reason::Io { .. } => Cause::Io,
            Reason::Timeout { .. } => Cause::Timeout,
            Reason::LimitExceeded { .. } => Cause::Limit,
            Reason::Protocol { .. } | Reason::Injection { .. } => Cause::Protocol,
            Reason::Tls(TlsFailure::Policy) => Cause::TlsPolicy,
            Reason::Tls(_) => Cause::Tls,
            Reason::Argument { .. } => Cause::Argument,
            Reason::State(_) => Cause::State,
            Reason::Unsupported { .. } => Cause::Unsupported,
            Reason::Stream(StreamFailure::Sink | StreamFailure::Reader) => Cause::Io,
            Reason::Stream(_) => Cause::Argument,
            Reason::Sasl(SaslFailure::ServerError { .. }) => Cause::Server,
            Reason::Sasl(_) => Cause::Sasl,
        }
    }

    /// A refused argument.
    pub fn argument(argument: impl Into<String>, problem: ArgumentProblem) -> Self {
        Reason::Argument {
            argument: argument.into(),
            problem,
        }
    }

    /// A protocol violation with the offending bytes (truncated).
    pub fn protocol(violation: Violation, bytes: &[u8]) -> Self {
        Reason::Protocol {
            violation,
            bytes: truncated(bytes),
        }
    }
}

/// A server's refusal: `NO` or `BAD`, its response code and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    status: StatusKind,
    /// The code's name and data (imaplib's greedy `[NAME data]`).
    code: Option<(String, Vec<u8>)>,
    text: String,
}

impl Refusal {
    /// The refusal a status line's text says (`[CODE data] text` or `text`), as imaplib
    /// reads it: the code's data runs to the last `]`.
    pub fn new(status: StatusKind, resp_text: &[u8]) -> Self {
        let code = crate::response::response_code(resp_text);
        let rest = match &code {
            Some((name, data))
                if data.is_empty() && resp_text.get(name.len() + 1) == Some(&b']') =>
            {
                &resp_text[name.len() + 2..]
            }
            Some(_) => match memchr::memrchr(b']', resp_text) {
                Some(end) => &resp_text[end + 1..],
                None => resp_text,
            },
            None => resp_text,
        };
        let rest = rest.strip_prefix(b" ").unwrap_or(rest);
        Refusal {
            status,
            code,
            text: String::from_utf8_lossy(rest).into_owned(),
        }
    }

    /// [`StatusKind::No`] or [`StatusKind::Bad`].
    pub fn status(&self) -> StatusKind {
        self.status
    }

    /// The response code's name, e.g. `"TRYCREATE"`, `"AUTHENTICATIONFAILED"`.
    pub fn code_name(&self) -> Option<&str> {
        self.code.as_ref().map(|(name, _)| name.as_str())
    }

    /// The response code, typed ([`Code::Other`] when its data does not parse).
    ///
    /// ```
    /// use imaplib_proto::error::Refusal;
    /// use imaplib_proto::parse::{Code, StatusKind};
    /// let r = Refusal::new(StatusKind::No, b"[TRYCREATE] Mailbox doesn't exist: Archive");
    /// assert_eq!(r.code(), Some(Code::TryCreate));
    /// assert_eq!(r.text(), "Mailbox doesn't exist: Archive");
    /// ```
    pub fn code(&self) -> Option<Code<'_>> {
        let (name, data) = self.code.as_ref()?;
        Some(
            crate::parse::parse_code(name.as_bytes(), data).unwrap_or(Code::Other {
                name: name.as_bytes(),
                data: (!data.is_empty()).then_some(data.as_slice()),
            }),
        )
    }

    /// The human-readable text after the code.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl Reason {
    /// The reason of a non-OK status `typ` (`"NO"`, `"BAD"`, `"BYE"`…) with its text, as a
    /// command's answer: a refusal, a BYE, or a status that has no business there.
    pub(crate) fn from_status(typ: &str, resp_text: &[u8]) -> Reason {
        match typ {
            "NO" => Reason::Refused(Refusal::new(StatusKind::No, resp_text)),
            "BAD" => Reason::Refused(Refusal::new(StatusKind::Bad, resp_text)),
            "BYE" => Reason::Bye {
                text: String::from_utf8_lossy(resp_text).into_owned(),
            },
            _ => Reason::protocol(Violation::UnexpectedStatus, resp_text),
        }
    }
}

/// Where the transport's stream ended ([`Reason::Closed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClosedAt {
    /// Before the server's greeting was complete.
    BeforeGreeting,
    /// Between responses.
    BetweenResponses,
    /// In the middle of a response (an unterminated line or literal).
    InResponse,
    /// After LOGOUT: the connection is closed.
    AfterLogout,
}

/// Which deadline passed ([`Reason::Timeout`]). See [`crate::driver::Timeouts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Deadline {
    /// No byte from (or to) the server for this long while waiting for it
    /// ([`Timeouts::silence`](crate::driver::Timeouts::silence), imaplib's `timeout`).
    Silence,
    /// A command did not complete within this long of its submission
    /// ([`Timeouts::command`](crate::driver::Timeouts::command)).
    Command,
    /// No byte for this long while idling
    /// ([`Timeouts::idle_silence`](crate::driver::Timeouts::idle_silence)).
    IdleSilence,
    /// The TCP connection was not established in time.
    Connect,
    /// The TLS handshake did not complete in time.
    TlsHandshake,
    /// The transport reported a timeout of its own.
    Transport,
}

/// Which limit was exceeded ([`Reason::LimitExceeded`]). See [`crate::Limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_line`](crate::Limits::max_line) (and the raw `readline()` bound).
    Line,
    /// [`Limits::max_literal`](crate::Limits::max_literal).
    Literal,
    /// [`Limits::max_response`](crate::Limits::max_response).
    Response,
    /// [`Options::max_stored`](crate::Options::max_stored).
    Stored,
}

/// How the server broke the protocol ([`Reason::Protocol`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Violation {
    /// A line ended in LF without CR.
    BareLf,
    /// A tagged response whose tag is not pending.
    UnknownTag,
    /// A continuation request (`+`) nothing waits for.
    UnexpectedContinuation,
    /// A response that does not parse.
    Malformed,
    /// The greeting is not `OK` or `PREAUTH`.
    InvalidGreeting,
    /// The server advertises neither IMAP4rev1 nor IMAP4.
    NotImap4,
    /// No CAPABILITY response where one was due.
    NoCapability,
    /// An AUTHENTICATE challenge that is not base64.
    BadChallenge,
    /// A status response where another was due (IDLE completed without being accepted).
    UnexpectedStatus,
    /// The compressed stream of COMPRESS=DEFLATE (RFC 4978) does not decompress: corrupt
    /// DEFLATE data, or data after the end of the stream. The offending bytes are the
    /// compressed ones.
    Deflate,
}

/// How the TLS layer failed ([`Reason::Tls`]). The TLS library's error, when there is one,
/// is the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The TLS configuration could not be built (a CA certificate, a server name…).
    Config,
    /// The handshake failed.
    Handshake,
    /// The server's certificate was refused (unknown issuer, wrong name, expired…).
    Certificate,
    /// A policy refused to go on without TLS: credentials on a cleartext connection, a
    /// PREAUTH greeting on one while TLS is required.
    Policy,
}

/// Why an argument was refused ([`Reason::Argument`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ArgumentProblem {
    /// It contains NUL.
    Nul,
    /// It contains CR or LF where no literal can carry them.
    LineBreak,
    /// It is empty.
    Empty,
    /// It ends in a literal marker (`{5}`): the server would read the next command as data.
    LiteralMarker,
    /// A quoted string in it is not terminated.
    UnterminatedQuote,
    /// A quoted string in it has an escape IMAP does not have.
    InvalidEscape,
    /// It must be an IMAP atom.
    NotAtom,
    /// It is not a valid sequence set.
    NotSequenceSet,
    /// It is not UTF-8.
    NotUtf8,
    /// It is not a date imaplib accepts.
    InvalidDate,
    /// Wrong number of arguments.
    Count {
        /// How many are wanted.
        expected: usize,
        /// How many were given.
        got: usize,
    },
    /// A command name imaplib does not know.
    UnknownCommand,
    /// A charset given in UTF-8 mode.
    CharsetInUtf8Mode,
    /// A zero duration.
    Zero,
    /// Not a METADATA entry name (RFC 5464 §3.2): it must begin with `/private` or
    /// `/shared`, and hold no `*`, `%`, `//`, trailing `/` or control character.
    InvalidEntry,
    /// A NOTIFY event group breaks RFC 5465 §5's rules (MessageNew without MessageExpunge,
    /// FlagChange without both, fetch items outside the selected mailbox).
    InvalidEvents,
    /// The command is run by another method (IDLE by `idle()`).
    WrongMethod,
    /// Raw text whose parentheses or brackets (outside quoted strings) do not balance: the
    /// command would not be well formed.
    Unbalanced,
    /// A number outside what its position allows (0 as a part number or partial length).
    OutOfRange,
    /// A value its position does not allow (`\Recent` in STORE or APPEND, a system flag where
    /// only a keyword fits).
    NotAllowed,
    /// A SASL credential that SASLprep (RFC 4013) cannot prepare: it holds a prohibited
    /// character (a control character, a private-use, unassigned or non-character code
    /// point…), or mixes right-to-left and left-to-right text.
    SaslPrep,
    /// A search key nested deeper than
    /// [`MAX_SEARCH_DEPTH`](crate::build::MAX_SEARCH_DEPTH) levels.
    TooDeep,
}

/// The layer whose start was preceded by injected bytes ([`Reason::Injection`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Layer {
    /// STARTTLS.
    StartTls,
    /// COMPRESS=DEFLATE (RFC 4978).
    Compress,
}

/// Why a call is not allowed now ([`Reason::State`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StateProblem {
    /// imaplib's state table refuses the command in this state.
    Illegal {
        /// The connection's state.
        state: State,
        /// The states the command is allowed in.
        allowed: Vec<State>,
    },
    /// The greeting has not been processed yet.
    NotConnected,
    /// A STARTTLS upgrade is in progress, or a COMPRESS=DEFLATE layer waits to be stacked.
    Upgrading,
    /// TLS is already established, or (STARTTLS after COMPRESS) compression is: TLS must
    /// come first.
    TlsActive,
    /// COMPRESS=DEFLATE is already active or under way (RFC 4978's `COMPRESSIONACTIVE`).
    CompressionActive,
    /// Another command of a kind that runs one at a time (IDLE, a streaming FETCH) is in
    /// progress.
    Busy,
    /// What the call refers to is not pending (a command, an IDLE, an upgrade, a literal).
    NotPending,
    /// The connection already failed.
    Failed,
    /// The command needs an extension the session has not enabled (`ENABLE`, RFC 5161):
    /// QRESYNC for `SELECT … (QRESYNC …)` and `UID FETCH … (VANISHED)`.
    NotEnabled {
        /// The extension, e.g. `"QRESYNC"`.
        extension: String,
    },
    /// The session is in IMAP4rev2 mode ([`Connection::rev2`](crate::Connection::rev2))
    /// and this is not part of IMAP4rev2 (RFC 9051 Appendix E): the `\Recent` flag, the
    /// `RECENT`/`NEW`/`OLD` search keys, STATUS `RECENT`.
    RemovedInRev2 {
        /// What was refused, e.g. `"the RECENT search key"`.
        what: String,
    },
}

/// How a caller's stream failed ([`Reason::Stream`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StreamFailure {
    /// The sink (or writer) taking a streamed FETCH's literals failed; its error is the
    /// source.
    Sink,
    /// The reader of a streamed APPEND's message failed; its error is the source.
    Reader,
    /// The reader of a streamed APPEND's message ended early.
    ReaderEnded {
        /// Bytes sent.
        sent: u64,
        /// Bytes announced.
        total: u64,
    },
    /// A streamed APPEND's caller gave up mid-message.
    Abandoned {
        /// Bytes sent.
        sent: u64,
        /// Bytes announced.
        total: u64,
    },
}

/// How a SASL exchange failed ([`Reason::Sasl`]). See [`crate::auth::Scram`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SaslFailure {
    /// The server's nonce does not start with the client's, or adds nothing to it
    /// (RFC 5802 §5.1): a broken server, or a replayed exchange. Nothing was proven to it.
    NonceMismatch,
    /// The server's iteration count is outside the bounds the client accepts: too few
    /// iterations weaken the stored secret, too many let a rogue server burn the client's
    /// CPU. Refused before any work.
    IterationCount {
        /// The count the server sent (saturated at `u64::MAX`).
        value: u64,
        /// The smallest count accepted.
        min: u32,
        /// The largest count accepted.
        max: u32,
    },
    /// A server message does not follow the mechanism's grammar (this part of it).
    Malformed {
        /// What was wrong, e.g. `"the salt is not base64"`.
        what: &'static str,
    },
    /// The server requires an extension (`m=`) the client does not know (RFC 5802 §5.1).
    MandatoryExtension,
    /// The server reported an error inside the exchange (`e=`, RFC 5802 §7), e.g.
    /// `invalid-proof` or `channel-bindings-dont-match`.
    ServerError {
        /// The server's error value.
        value: String,
    },
    /// The server's signature (`v=`) is wrong: the server does not know the password, or
    /// someone in the middle changed the exchange. The login failed even if the server
    /// said OK.
    ServerSignature,
    /// The server ended the exchange with OK without proving that it knows the password
    /// (no `v=`). The login failed.
    MissingServerSignature,
    /// Channel binding is needed and cannot be had: a `-PLUS` mechanism on a connection
    /// without channel-binding data of the type wanted (not TLS, a TLS session that cannot
    /// export it, or binding disabled), or a mechanism without binding under
    /// [`ChannelBindingPolicy::Require`](crate::auth::ChannelBindingPolicy::Require).
    /// Refused before anything is sent.
    ChannelBindingUnavailable,
    /// A mechanism without channel binding was asked while the server offers its `-PLUS`
    /// variant and the connection can bind: going on would throw away the protection
    /// against a man in the middle who strips `-PLUS` (RFC 5802 §6). Use the `-PLUS`
    /// mechanism, or [`ChannelBindingPolicy::Disable`](crate::auth::ChannelBindingPolicy::Disable).
    Downgrade {
        /// The `-PLUS` mechanism the server offers.
        offered: String,
    },
    /// The operating system's random number generator failed (no nonce could be drawn).
    Random,
}

/// An IMAP error: a kind in imaplib's hierarchy, a [`Reason`], a message, and context.
///
/// One pointer wide, and cheap to clone: clones share the error (and its source), so that
/// one failure can be reported to every command waiting on the connection.
#[derive(Clone)]
pub struct Error(Arc<Inner>);

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    reason: Reason,
    message: String,
    command: Option<String>,
    bytes: Option<Vec<u8>>,
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

/// How many offending bytes an error keeps.
pub const MAX_ERROR_BYTES: usize = 200;

fn truncated(bytes: &[u8]) -> Vec<u8> {
    bytes[..bytes.len().min(MAX_ERROR_BYTES)].to_vec()
}

impl Error {
    /// A new error of the given kind and reason.
    pub fn new(kind: ErrorKind, reason: Reason, message: impl Into<String>) -> Self {
        let bytes = match &reason {
            Reason::Protocol { bytes, .. } if !bytes.is_empty() => Some(bytes.clone()),
            _ => None,
        };
        Error(Arc::new(Inner {
            kind,
            reason,
            message: message.into(),
            command: None,
            bytes,
            source: None,
        }))
    }

    /// An `IMAP4.error`.
    #[allow(clippy::self_named_constructors)]
    pub fn error(reason: Reason, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Error, reason, message)
    }

    /// An `IMAP4.abort`.
    pub fn abort(reason: Reason, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Abort, reason, message)
    }

    /// An `IMAP4.readonly`.
    pub fn readonly(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Readonly, Reason::ReadOnly, message)
    }

    /// An abort caused by an I/O error, keeping it as the source: `socket error: …`, or
    /// `timed out: …` ([`Deadline::Transport`]) when the transport timed out by itself.
    ///
    /// An I/O error that carries an [`Error`] (a transport layer of ours reporting through
    /// `io::Read`, such as a corrupt compressed stream) is that error again.
    pub fn io(err: io::Error) -> Self {
        if let Some(inner) = err.get_ref().and_then(|e| e.downcast_ref::<Error>()) {
            return inner.clone();
        }
        let (reason, message) = match err.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => (
                Reason::Timeout {
                    deadline: Deadline::Transport,
                    after: None,
                },
                format!("timed out: {err}"),
            ),
            kind => (Reason::Io { kind }, format!("socket error: {err}")),
        };
        Self::abort(reason, message).with_source(err)
    }

    /// An abort caused by a deadline the caller measured (the core has no clock).
    pub fn timeout(deadline: Deadline, after: Duration, message: impl Into<String>) -> Self {
        Self::abort(
            Reason::Timeout {
                deadline,
                after: Some(after),
            },
            message,
        )
    }

    /// The error of a TCP connection to `host:port` that failed with `err`, the same for
    /// every client: a timeout ([`Deadline::Connect`], `timeout` being the time it had) when
    /// it timed out, [`Error::io`] otherwise.
    ///
    /// ```
    /// use std::time::Duration;
    /// use imaplib_proto::error::{Deadline, Reason};
    /// use imaplib_proto::Error;
    /// let t = Some(Duration::from_millis(1500));
    /// let e = Error::connect_failed("mail.example", 143, std::io::ErrorKind::TimedOut.into(), t);
    /// assert_eq!(e.to_string(), "timed out: could not connect to mail.example:143 within 1.5s");
    /// assert_eq!(e.reason(), &Reason::Timeout { deadline: Deadline::Connect, after: t });
    /// ```
    pub fn connect_failed(
        host: &str,
        port: u16,
        err: io::Error,
        timeout: Option<Duration>,
    ) -> Self {
        if !matches!(
            err.kind(),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
        ) {
            return Self::io(err);
        }
        let message = match timeout {
            Some(t) => format!("timed out: could not connect to {host}:{port} within {t:?}"),
            None => format!("timed out: could not connect to {host}:{port}"),
        };
        let reason = Reason::Timeout {
            deadline: Deadline::Connect,
            after: timeout,
        };
        Self::abort(reason, message).with_source(err)
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner().source = Some(Arc::new(source));
        self
    }

    /// Names the command this error belongs to.
    pub fn with_command(mut self, command: impl Into<String>) -> Self {
        self.inner().command = Some(command.into());
        self
    }

    /// Keeps a truncated copy of the offending bytes.
    pub fn with_bytes(mut self, bytes: &[u8]) -> Self {
        self.inner().bytes = Some(truncated(bytes));
        self
    }

    /// imaplib's re-raise of an error met while waiting for command `name`: the same error
    /// with the message `command: NAME => message`.
    pub fn in_command(&self, name: &str) -> Self {
        let mut e = self.clone();
        let inner = e.inner();
        inner.message = format!("command: {name} => {}", inner.message);
        inner.command = Some(name.to_string());
        e
    }

    /// The fields, to change (copied first if shared).
    fn inner(&mut self) -> &mut Inner {
        Arc::make_mut(&mut self.0)
    }

    /// The kind in imaplib's hierarchy.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// What went wrong, with its data.
    pub fn reason(&self) -> &Reason {
        &self.0.reason
    }

    /// Where the error came from, coarsely ([`Reason::cause`]).
    pub fn cause(&self) -> Cause {
        self.0.reason.cause()
    }

    /// Every error is an imaplib `error`.
    pub fn is_error(&self) -> bool {
        true
    }

    /// True for `abort` and `readonly`, as `isinstance(e, IMAP4.abort)` would be.
    pub fn is_abort(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Abort | ErrorKind::Readonly)
    }

    /// True for `readonly` only.
    pub fn is_readonly(&self) -> bool {
        self.0.kind == ErrorKind::Readonly
    }

    /// True when a deadline passed.
    pub fn is_timeout(&self) -> bool {
        matches!(self.0.reason, Reason::Timeout { .. })
    }

    /// The message, without the command name.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The command this error belongs to, if any.
    pub fn command(&self) -> Option<&str> {
        self.0.command.as_deref()
    }

    /// The offending bytes (at most [`MAX_ERROR_BYTES`]), if any.
    pub fn bytes(&self) -> Option<&[u8]> {
        self.0.bytes.as_deref()
    }

    /// A copy of this error; the same as [`Clone::clone`].
    #[deprecated(note = "Error is Clone: use clone()")]
    pub fn duplicate(&self) -> Self {
        self.clone()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let this = &self.0;
        let mut d = f.debug_struct("Error");
        d.field("kind", &this.kind);
        match &this.reason {
            // The bytes are shown once, escaped, below.
            Reason::Protocol { violation, .. } => d.field("reason", violation),
            reason => d.field("reason", reason),
        };
        d.field("message", &this.message);
        if let Some(command) = &this.command {
            d.field("command", command);
        }
        if let Some(bytes) = &this.bytes {
            d.field("bytes", &crate::trace::Escaped(bytes).to_string());
        }
        if let Some(source) = &this.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Self {
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
        let e = Error::error(Reason::ReadOnly, "x");
        assert!(e.is_error() && !e.is_abort() && !e.is_readonly());
        let a = Error::abort(Reason::protocol(Violation::Malformed, b"x"), "x");
        assert!(a.is_error() && a.is_abort() && !a.is_readonly());
        let r = Error::readonly("x");
        assert!(r.is_error() && r.is_abort() && r.is_readonly());
        assert_eq!((r.cause(), r.reason()), (Cause::Server, &Reason::ReadOnly));
    }

    #[test]
    fn display_names_command_and_truncates_bytes() {
        let e = Error::abort(
            Reason::protocol(Violation::Malformed, &[b'x'; 1000]),
            "unexpected response",
        )
        .in_command("FETCH");
        assert_eq!(e.bytes().map(<[u8]>::len), Some(MAX_ERROR_BYTES));
        let Reason::Protocol { bytes, violation } = e.reason() else {
            panic!("{e:?}")
        };
        assert_eq!(
            (bytes.len(), *violation),
            (MAX_ERROR_BYTES, Violation::Malformed)
        );
        assert_eq!(e.to_string(), "command: FETCH => unexpected response");
        assert_eq!(e.command(), Some("FETCH"));
        // Debug shows the bytes once.
        assert_eq!(format!("{e:?}").matches("xxxxxxxxxx").count(), 20);
    }

    #[test]
    fn io_errors_and_their_reasons() {
        let e = Error::io(io::Error::new(io::ErrorKind::TimedOut, "slow"));
        assert!(e.is_timeout() && e.is_abort());
        assert_eq!(
            e.reason(),
            &Reason::Timeout {
                deadline: Deadline::Transport,
                after: None
            }
        );
        assert_eq!(e.message(), "timed out: slow");
        let e = Error::io(io::ErrorKind::ConnectionReset.into());
        assert_eq!(
            e.reason(),
            &Reason::Io {
                kind: io::ErrorKind::ConnectionReset
            }
        );
        assert!(e.message().starts_with("socket error: "), "{e}");
        assert_eq!(e.cause(), Cause::Io);
    }

    #[test]
    fn clones_share_the_source() {
        let e = Error::io(io::Error::new(io::ErrorKind::TimedOut, "slow"));
        let c = e.clone();
        assert!(c.is_timeout());
        let (a, b) = (
            std::error::Error::source(&e).map(|s| s as *const _ as *const u8),
            std::error::Error::source(&c).map(|s| s as *const _ as *const u8),
        );
        assert!(a.is_some() && a == b, "one source, shared");
        let w = e.in_command("NOOP");
        assert!(
            std::error::Error::source(&w).is_some(),
            "kept when re-raised"
        );
        assert_eq!(w.reason(), e.reason());
        #[allow(deprecated)]
        let d = e.duplicate();
        assert_eq!(d.message(), e.message());
    }

    #[test]
    fn refusals_read_their_code_and_text() {
        let r = Refusal::new(StatusKind::No, b"[TRYCREATE] Mailbox doesn't exist");
        assert_eq!(
            (r.code_name(), r.code()),
            (Some("TRYCREATE"), Some(Code::TryCreate))
        );
        assert_eq!(r.text(), "Mailbox doesn't exist");
        let r = Refusal::new(
            StatusKind::Bad,
            b"[BADCHARSET (UTF-8 US-ASCII)] unsupported",
        );
        assert!(matches!(r.code(), Some(Code::BadCharset(l)) if l.len() == 2));
        assert_eq!(r.text(), "unsupported");
        let r = Refusal::new(StatusKind::No, b"[UIDNEXT x] odd");
        assert!(matches!(
            r.code(),
            Some(Code::Other {
                data: Some(b"x"),
                ..
            })
        ));
        let r = Refusal::new(StatusKind::No, b"plain text [not a code]");
        assert_eq!((r.code(), r.text()), (None, "plain text [not a code]"));
        let r = Refusal::new(StatusKind::No, b"[ALERT]");
        assert_eq!((r.code(), r.text()), (Some(Code::Alert), ""));
        assert_eq!(r.status(), StatusKind::No);
    }

    #[test]
    fn every_reason_has_its_cause() {
        let cases = [
            (
                Reason::Refused(Refusal::new(StatusKind::No, b"x")),
                Cause::Server,
            ),
            (Reason::Bye { text: "x".into() }, Cause::Bye),
            (
                Reason::Closed {
                    at: ClosedAt::InResponse,
                },
                Cause::Io,
            ),
            (
                Reason::LimitExceeded {
                    limit: Limit::Line,
                    value: 2,
                    bound: 1,
                },
                Cause::Limit,
            ),
            (
                Reason::Injection {
                    layer: Layer::Compress,
                    buffered: 3,
                },
                Cause::Protocol,
            ),
            (Reason::Tls(TlsFailure::Policy), Cause::TlsPolicy),
            (Reason::Tls(TlsFailure::Certificate), Cause::Tls),
            (Reason::argument("x", ArgumentProblem::Nul), Cause::Argument),
            (Reason::State(StateProblem::Busy), Cause::State),
            (
                Reason::Unsupported {
                    capability: "IDLE".into(),
                },
                Cause::Unsupported,
            ),
            (Reason::Stream(StreamFailure::Sink), Cause::Io),
            (
                Reason::Stream(StreamFailure::ReaderEnded { sent: 1, total: 2 }),
                Cause::Argument,
            ),
            (Reason::Sasl(SaslFailure::ServerSignature), Cause::Sasl),
            (
                Reason::Sasl(SaslFailure::ServerError {
                    value: "invalid-proof".into(),
                }),
                Cause::Server,
            ),
        ];
        for (reason, cause) in cases {
            assert_eq!(reason.cause(), cause, "{reason:?}");
        }
    }
}
