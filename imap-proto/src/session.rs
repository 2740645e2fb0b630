//! The connection state machine: imaplib's engine without the socket.
//!
//! [`Connection::feed`] takes server bytes in any chunking; [`Connection::submit`] takes a
//! [`Command`]; [`Connection::poll_output`] yields what to do next: bytes to send, completed
//! commands with imaplib's `(typ, data)`, the STARTTLS upgrade point, IDLE events, and fatal
//! errors. There is no clock, socket, thread or randomness inside: the tag prefix comes from
//! [`Options::new`], and the caller owns time and I/O.
//!
//! ```
//! use imaplib_proto::{Command, Connection, Options, Output};
//!
//! let mut conn = Connection::new(Options::new(0x1234)); // tag prefix "BCDE"
//! conn.feed(b"* OK [CAPABILITY IMAP4rev1] ready\r\n");
//! assert!(matches!(conn.poll_output(), Some(Output::Connected)));
//!
//! let id = conn.submit(Command::noop())?;
//! let Some(Output::Send(out)) = conn.poll_output() else { panic!() };
//! assert_eq!(out.bytes, b"BCDE0 NOOP\r\n");
//!
//! conn.feed(b"* 3 EXISTS\r\nBCDE0 OK NOOP completed\r\n");
//! let Some(Output::Completed { id: done, result }) = conn.poll_output() else { panic!() };
//! assert_eq!(done, id);
//! assert_eq!(result?.python_repr(), "('OK', [b'NOOP completed'])");
//! # Ok::<(), imaplib_proto::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;

use base64::Engine;

use crate::command::{allowed_states, Command, ErrorFlavor, Kind, Precondition, State};
use crate::encode::{self, Arg, Chunk, Ctx};
use crate::error::{Cause, Error, Result};
use crate::frame::{FrameStats, Framer, Limits};
use crate::response::{classify, response_code, Classified, ClassifyQuirk, Item, Reply};
use crate::trace::{self, bytes_repr, Outgoing};
use crate::util::int2ap;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Untagged types that describe the selected mailbox; outside the selected state (and
/// without a SELECT/EXAMINE or IDLE in flight) they are not stored.
const MAILBOX_TYPES: &[&str] = &["FLAGS", "EXISTS", "RECENT", "EXPUNGE", "FETCH", "VANISHED"];
/// Response codes that describe the selected mailbox.
const MAILBOX_CODES: &[&str] = &[
    "READ-ONLY",
    "READ-WRITE",
    "PERMANENTFLAGS",
    "UIDVALIDITY",
    "UIDNEXT",
    "UNSEEN",
    "HIGHESTMODSEQ",
    "NOMODSEQ",
];
/// Untagged types honoured before authentication.
const PREAUTH_TYPES: &[&str] = &["OK", "NO", "BAD", "BYE", "PREAUTH", "CAPABILITY"];

/// imaplib's `AllowedVersions`.
const ALLOWED_VERSIONS: &[&str] = &["IMAP4REV1", "IMAP4"];

/// Settings for a [`Connection`].
#[derive(Debug, Clone)]
pub struct Options {
    tag_seed: u16,
    /// Framing limits (line, literal, response sizes).
    pub limits: Limits,
    /// Most bytes the untagged-response store may hold (lines and literals plus 80 bytes per
    /// item, about what a small item really costs). Exceeding it aborts the connection with a clear error rather than growing
    /// without bound. Default 2 GiB.
    pub max_stored: usize,
    /// The transport is already encrypted (implicit TLS) or trusted (a local pipe).
    pub secure: bool,
    /// Refuse to send credentials unless the transport is secure, and treat a PREAUTH
    /// greeting on a cleartext transport as fatal (RFC 9051 §7.1.4).
    pub require_tls: bool,
    /// Use `{N+}` literals when the server advertises LITERAL+ (or LITERAL- up to 4096
    /// bytes). Default true; imaplib never does.
    pub use_literal_plus: bool,
    /// Send `str` mailbox names in modified UTF-7 (imaplib's newest behaviour). Default true.
    pub mailbox_utf7: bool,
    /// imaplib's debug level, 0 (silent, the default) to 5; see [`crate::trace`].
    pub debug: u8,
}

impl Options {
    /// Options whose tag prefix is `Int2AP(seed)`. imaplib draws the seed from
    /// 4096..=65535 so that the prefix has four letters; a smaller seed is raised into that
    /// range. Clients pass a random seed, tests a fixed one.
    pub fn new(seed: u16) -> Self {
        Options {
            tag_seed: seed.max(4096),
            limits: Limits::default(),
            max_stored: 2 << 30,
            secure: false,
            require_tls: false,
            use_literal_plus: true,
            mailbox_utf7: true,
            debug: 0,
        }
    }

    /// The tag prefix these options produce, e.g. `b"BCDE"`.
    pub fn tag_prefix(&self) -> Vec<u8> {
        int2ap(i64::from(self.tag_seed))
    }
}

/// Identifies a submitted command in [`Output::Completed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommandId(u64);

impl fmt::Display for CommandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What the connection wants done.
#[derive(Debug)]
#[non_exhaustive]
pub enum Output {
    /// Write these bytes to the server. Their `Debug` form redacts secrets.
    Send(Outgoing),
    /// The greeting was accepted and the capabilities are known: commands may be submitted.
    Connected,
    /// A command finished with imaplib's `(typ, data)` or an error.
    Completed {
        /// The command.
        id: CommandId,
        /// Its result.
        result: Result<Reply>,
    },
    /// STARTTLS was accepted: upgrade the transport now (after writing everything already
    /// yielded), then call [`Connection::tls_established`]. No byte may be fed before that.
    StartTls {
        /// The STARTTLS command.
        id: CommandId,
    },
    /// The server accepted IDLE; unsolicited responses follow until
    /// [`Connection::idle_done`].
    IdleStarted {
        /// The IDLE command.
        id: CommandId,
    },
    /// An untagged response received during IDLE, as imaplib's `Idler` yields it:
    /// `(TYPE, [data…])`.
    Unsolicited(Reply),
    /// An APPEND from [`Command::append_stream`] is ready for its message: write exactly
    /// `len` bytes of it to the server now, then call [`Connection::literal_written`].
    SendLiteral {
        /// The APPEND command.
        id: CommandId,
        /// Bytes to write.
        len: u64,
    },
    /// A streamed FETCH ([`Command::stream_literals`]) starts receiving a literal.
    LiteralStart {
        /// The FETCH command.
        id: CommandId,
        /// The message sequence number of the FETCH response, when readable.
        seq: Option<u32>,
        /// The line that announced the literal, e.g. `* 3 FETCH (UID 7 BODY[] {1024}`.
        header: Vec<u8>,
        /// The literal's announced size.
        size: u64,
    },
    /// The next bytes of the literal being streamed (a fed chunk at most).
    LiteralData {
        /// The FETCH command.
        id: CommandId,
        /// The bytes.
        data: Vec<u8>,
    },
    /// The literal being streamed is complete.
    LiteralEnd {
        /// The FETCH command.
        id: CommandId,
    },
    /// The connection failed and is unusable: every pending command has completed with an
    /// error. Emitted once.
    Error(Error),
}

/// Counters for what the connection tolerated or dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    /// Framing counters.
    pub frames: FrameStats,
    /// Uses of each tolerated server quirk, by name.
    pub quirks: BTreeMap<&'static str, u64>,
    /// Untagged responses and codes not stored because the state did not allow them.
    pub dropped_untagged: u64,
    /// Bytes of a partial response the framer holds right now.
    pub buffered: usize,
}

/// The untagged-response store: imaplib's `untagged_responses`, bounded.
#[derive(Debug, Default)]
struct Store {
    entries: Vec<(String, Vec<Item>)>,
    bytes: usize,
    /// CAPABILITY items ever appended: tells whether a command brought fresh ones, even
    /// if the store was flushed or popped meanwhile.
    capability_appends: u64,
}

impl Store {
    fn position(&self, typ: &str) -> Option<usize> {
        self.entries.iter().position(|(t, _)| t == typ)
    }

    fn append(&mut self, typ: &str, item: Item, max: usize) -> Result<()> {
        let w = item.weight();
        if self.bytes + w > max {
            return Err(Error::abort(
                Cause::Limit,
                format!(
                    "untagged responses exceed {max} bytes; pop them with response() or raise Options::max_stored"
                ),
            ));
        }
        self.bytes += w;
        if typ == "CAPABILITY" {
            self.capability_appends += 1;
        }
        match self.position(typ) {
            Some(i) => self.entries[i].1.push(item),
            None => self.entries.push((typ.to_string(), vec![item])),
        }
        Ok(())
    }

    fn pop(&mut self, typ: &str) -> Option<Vec<Item>> {
        let i = self.position(typ)?;
        let (_, items) = self.entries.remove(i);
        self.bytes -= items.iter().map(Item::weight).sum::<usize>();
        Some(items)
    }

    fn get(&self, typ: &str) -> Option<&Vec<Item>> {
        self.position(typ).map(|i| &self.entries[i].1)
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

/// Where a multi-step command is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The command itself is on the wire.
    Main,
    /// A CAPABILITY sent on the command's behalf (after LOGIN/AUTHENTICATE/STARTTLS, or
    /// at connect time).
    CapabilityFollowUp,
    /// STARTTLS accepted; waiting for the transport upgrade.
    AwaitingTls,
}

struct Job {
    /// `None` for the connect-time CAPABILITY.
    id: Option<CommandId>,
    /// Command name for messages (`UID` for UID commands).
    name: String,
    kind: Kind,
    phase: Phase,
    /// `Store::capability_appends` when the command was submitted.
    caps_before: u64,
    /// The main result, kept while a follow-up runs.
    saved: Option<Reply>,
    /// An AUTHENTICATE challenge could not be decoded: the exchange was cancelled.
    auth_error: Option<Error>,
    /// IDLE: the server sent its `+`.
    idle_started: bool,
    /// IDLE: DONE was asked for before the `+` arrived.
    idle_done_requested: bool,
    /// IDLE: DONE was sent.
    idle_done_sent: bool,
    /// IDLE: the state to return to.
    idle_prev_state: State,
    /// FETCH: literals are streamed out.
    stream: bool,
}

impl Job {
    fn new(id: Option<CommandId>, name: String, kind: Kind, caps_before: u64) -> Self {
        Job {
            id,
            name,
            kind,
            phase: Phase::Main,
            caps_before,
            saved: None,
            auth_error: None,
            idle_started: false,
            idle_done_requested: false,
            idle_done_sent: false,
            idle_prev_state: State::Auth,
            stream: false,
        }
    }

    /// The untagged type this job's result is made of.
    fn expects(&self, typ: &str) -> bool {
        match &self.kind {
            Kind::Untagged(t) => t == typ,
            Kind::Capability => typ == "CAPABILITY",
            Kind::GetQuotaRoot => typ == "QUOTA" || typ == "QUOTAROOT",
            // SELECT brings the mailbox's data; IDLE asks for unsolicited updates.
            Kind::Select { .. } | Kind::Idle => true,
            _ => self.phase == Phase::CapabilityFollowUp && typ == "CAPABILITY",
        }
    }
}

/// What the send queue waits for after a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    Nothing,
    /// A synchronizing literal: the next chunk needs the server's `+`.
    Continuation,
    /// Nothing else may be sent until this command completes (AUTHENTICATE, IDLE,
    /// STARTTLS); `+` requests go to the command.
    Completion,
    /// The caller is writing a streamed literal ([`Output::SendLiteral`]).
    External,
}

struct Queued {
    tag: u64,
    out: Outgoing,
    after: After,
    /// Literal bytes the caller streams after `out`.
    external: Option<u64>,
}

/// The sans-IO IMAP4rev1 client connection. See the [module documentation](self).
pub struct Connection {
    opts: Options,
    tagpre: Vec<u8>,
    tagnum: u64,
    framer: Framer,
    state: State,
    greeted: bool,
    connected: bool,
    welcome: Option<Vec<u8>>,
    capabilities: Vec<String>,
    protocol_version: Option<String>,
    utf8: bool,
    is_readonly: bool,
    secure: bool,
    store: Store,
    jobs: BTreeMap<u64, Job>,
    next_id: u64,
    sendq: VecDeque<Queued>,
    /// The tag the send queue is blocked on, and why.
    blocked: Option<(u64, After)>,
    outputs: VecDeque<Output>,
    fatal: Option<Error>,
    /// The text of the server's BYE, once received.
    bye: Option<String>,
    /// STARTTLS accepted, upgrade pending.
    tls_pending: Option<u64>,
    /// Tag of the IDLE command capturing untagged responses.
    idle_tag: Option<u64>,
    /// Tags whose late tagged response is accepted silently (LOGOUT after BYE).
    silent_tags: Vec<u64>,
    logged_out: bool,
    /// Names registered by `xatom`, with the state they are allowed in.
    extra_commands: HashMap<String, State>,
    /// The streaming FETCH in flight: its tag and id.
    streaming: Option<(u64, CommandId)>,
    /// Literal indexes of the response being framed whose start was already streamed.
    streamed_started: Vec<usize>,
    diagnostics: Diagnostics,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("tag_prefix", &String::from_utf8_lossy(&self.tagpre))
            .field("state", &self.state)
            .field("capabilities", &self.capabilities)
            .field("pending", &self.jobs.len())
            .field("secure", &self.secure)
            .field("utf8", &self.utf8)
            .field("fatal", &self.fatal)
            .finish()
    }
}

fn list_repr(items: &[Item]) -> String {
    format!("{items:?}")
}

fn last_text(items: &[Item]) -> String {
    match items.last() {
        Some(Item::Line(l)) => String::from_utf8_lossy(l).into_owned(),
        Some(Item::Literal(h, _)) => String::from_utf8_lossy(h).into_owned(),
        _ => String::new(),
    }
}

impl Connection {
    /// A connection waiting for the server's greeting.
    pub fn new(opts: Options) -> Self {
        let tagpre = opts.tag_prefix();
        let secure = opts.secure;
        Connection {
            framer: Framer::new(opts.limits),
            opts,
            tagpre,
            tagnum: 0,
            state: State::Logout,
            greeted: false,
            connected: false,
            welcome: None,
            capabilities: Vec::new(),
            protocol_version: None,
            utf8: false,
            is_readonly: false,
            secure,
            store: Store::default(),
            jobs: BTreeMap::new(),
            next_id: 0,
            sendq: VecDeque::new(),
            blocked: None,
            outputs: VecDeque::new(),
            fatal: None,
            bye: None,
            tls_pending: None,
            idle_tag: None,
            silent_tags: Vec::new(),
            logged_out: false,
            extra_commands: HashMap::new(),
            streaming: None,
            streamed_started: Vec::new(),
            diagnostics: Diagnostics::default(),
        }
    }

    // ----- accessors -------------------------------------------------------------------

    /// imaplib's `state`.
    pub fn state(&self) -> State {
        self.state
    }

    /// The capabilities, upper-cased (imaplib's `capabilities`).
    pub fn capabilities(&self) -> &[String] {
        &self.capabilities
    }

    /// True when the server advertises `name` (case-insensitive).
    pub fn has_capability(&self, name: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(name))
    }

    /// The greeting line without CRLF (imaplib's `welcome`).
    pub fn welcome(&self) -> Option<&[u8]> {
        self.welcome.as_deref()
    }

    /// `"IMAP4REV1"` or `"IMAP4"` once connected (imaplib's `PROTOCOL_VERSION`).
    pub fn protocol_version(&self) -> Option<&str> {
        self.protocol_version.as_deref()
    }

    /// imaplib's `is_readonly`.
    pub fn is_readonly(&self) -> bool {
        self.is_readonly
    }

    /// imaplib's `utf8_enabled`.
    pub fn utf8_enabled(&self) -> bool {
        self.utf8
    }

    /// The 4-letter tag prefix (imaplib's `tagpre`).
    pub fn tag_prefix(&self) -> &[u8] {
        &self.tagpre
    }

    /// True once the greeting was accepted and capabilities are known.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// True when the transport is encrypted or trusted.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The fatal error, once the connection failed.
    pub fn fatal_error(&self) -> Option<&Error> {
        self.fatal.as_ref()
    }

    /// True after LOGOUT completed or a fatal error: the transport can be closed.
    pub fn is_closed(&self) -> bool {
        self.logged_out || self.fatal.is_some()
    }

    /// Number of submitted commands not yet completed.
    pub fn pending(&self) -> usize {
        self.jobs.values().filter(|j| j.id.is_some()).count()
    }

    /// imaplib's `debug` level (0–5): what is logged through the `log` facade.
    pub fn set_debug(&mut self, level: u8) {
        self.opts.debug = level;
    }

    /// The current debug level.
    pub fn debug(&self) -> u8 {
        self.opts.debug
    }

    /// Counters for quirks tolerated and responses dropped.
    pub fn diagnostics(&self) -> Diagnostics {
        let mut d = self.diagnostics.clone();
        d.frames = self.framer.stats();
        d.buffered = self.framer.buffered();
        d
    }

    /// The stored untagged responses (imaplib's `untagged_responses`), in arrival order of
    /// their first item.
    pub fn untagged_responses(&self) -> impl Iterator<Item = (&str, &[Item])> {
        self.store
            .entries
            .iter()
            .map(|(t, items)| (t.as_str(), items.as_slice()))
    }

    /// Bytes held by the untagged store (as counted against [`Options::max_stored`]).
    pub fn stored_bytes(&self) -> usize {
        self.store.bytes
    }

    /// imaplib's `response(code)`: pops the stored data of `code` (upper-cased) without any
    /// I/O; `(code, [None])` when there is none.
    pub fn response(&mut self, code: &str) -> Reply {
        let data = self
            .store
            .pop(&code.to_ascii_uppercase())
            .unwrap_or_else(|| vec![Item::None]);
        Reply::new(code, data)
    }

    /// Puts responses back into the store, as imaplib does with IDLE responses nobody
    /// iterated over.
    pub fn restore_unsolicited(&mut self, reply: Reply) -> Result<()> {
        for item in reply.data {
            self.store.append(&reply.typ, item, self.opts.max_stored)?;
        }
        Ok(())
    }

    // ----- outputs ---------------------------------------------------------------------

    /// The next thing to do, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    fn emit(&mut self, out: Output) {
        self.outputs.push_back(out);
    }

    fn emit_send(&mut self, out: Outgoing) {
        if self.opts.debug >= 4 {
            trace::sent(&out);
        }
        if let Some(Output::Send(prev)) = self.outputs.back_mut() {
            prev.append(out);
        } else {
            self.outputs.push_back(Output::Send(out));
        }
    }

    fn complete(&mut self, id: Option<CommandId>, result: Result<Reply>) {
        match (id, result) {
            (Some(id), result) => {
                if self.opts.debug >= 1 {
                    match &result {
                        Ok(r) => log::debug!(target: trace::TARGET, "{id} completed: {}", r.typ),
                        Err(e) => log::debug!(target: trace::TARGET, "{id} failed: {e}"),
                    }
                }
                self.emit(Output::Completed { id, result })
            }
            // The connect-time CAPABILITY.
            (None, Ok(_)) => self.finish_connect(),
            (None, Err(e)) => self.fail(e),
        }
    }

    // ----- failure ---------------------------------------------------------------------

    /// Fails the connection: every pending command completes with an error derived from
    /// `err` (imaplib's `command: NAME => message`), and [`Output::Error`] is emitted.
    fn fail(&mut self, err: Error) {
        if self.fatal.is_some() {
            return;
        }
        if self.opts.debug >= 1 {
            log::debug!(target: trace::TARGET, "connection failed: {err}");
        }
        self.sendq.clear();
        self.blocked = None;
        self.idle_tag = None;
        self.streaming = None;
        let jobs = std::mem::take(&mut self.jobs);
        for (_, job) in jobs {
            if let Kind::Deselect = job.kind {
                // imaplib's close()/unselect() return to AUTH in a `finally`.
                self.state = State::Auth;
            }
            if let Some(id) = job.id {
                let e = Self::wrap(&job.name, &err);
                self.emit(Output::Completed { id, result: Err(e) });
            }
        }
        // An upgrade not performed yet must not be performed at all: the connection is dead
        // (e.g. response injection right after the STARTTLS OK).
        self.tls_pending = None;
        self.outputs
            .retain(|o| !matches!(o, Output::StartTls { .. }));
        self.fatal = Some(err.duplicate());
        self.emit(Output::Error(err));
    }

    /// imaplib's re-raise of an error met while waiting for a command.
    fn wrap(name: &str, err: &Error) -> Error {
        let mut e = Error::new(
            err.kind(),
            err.cause(),
            format!("command: {name} => {}", err.message()),
        )
        .with_command(name);
        if let Some(b) = err.bytes() {
            e = e.with_bytes(b);
        }
        e
    }

    /// The transport reached end of stream.
    pub fn feed_eof(&mut self) {
        if self.fatal.is_some() || (self.logged_out && self.jobs.is_empty()) {
            self.logged_out = true;
            return;
        }
        let err = if self.framer.is_idle() {
            Error::abort(Cause::Io, "socket error: EOF")
        } else {
            Error::abort(
                Cause::Io,
                "socket error: EOF in the middle of a response (unterminated line or literal)",
            )
        };
        if self.logged_out {
            // LOGOUT already completed on BYE; a missing tagged OK is normal.
            self.jobs.clear();
            return;
        }
        self.fail(err);
    }

    /// The transport failed (or timed out): pending commands complete with this error.
    pub fn transport_error(&mut self, err: Error) {
        self.fail(err);
    }

    // ----- server input ----------------------------------------------------------------

    /// Processes server bytes, in any chunking.
    pub fn feed(&mut self, mut data: &[u8]) {
        if self.fatal.is_some() || data.is_empty() {
            return;
        }
        if self.tls_pending.is_some() {
            self.fail_injection(data);
            return;
        }
        loop {
            match self.framer.next_frame(&mut data) {
                Ok(Some(frame)) => {
                    self.process(frame);
                    if self.fatal.is_some() {
                        return;
                    }
                    if self.tls_pending.is_some() && !data.is_empty() {
                        self.fail_injection(data);
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    self.fail(e);
                    return;
                }
            }
        }
        self.stream_partial_literal();
        self.pump();
    }

    /// True for a `* n FETCH …` line.
    fn fetch_seq(line: &[u8]) -> Option<Option<u32>> {
        let rest = line.strip_prefix(b"* ")?;
        let d = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if d == 0 || !rest[d..].starts_with(b" FETCH") {
            return None;
        }
        Some(
            std::str::from_utf8(&rest[..d])
                .ok()
                .and_then(|n| n.parse().ok()),
        )
    }

    /// With a streaming FETCH in flight, passes on the bytes of a FETCH literal received so
    /// far, so that they are not kept.
    fn stream_partial_literal(&mut self) {
        let Some((_, id)) = self.streaming else {
            return;
        };
        let Some(p) = self.framer.literal_in_progress() else {
            return;
        };
        let Some(seq) = Self::fetch_seq(p.first_line) else {
            return;
        };
        let (index, remaining) = (p.index, p.remaining);
        if !self.streamed_started.contains(&index) {
            let header = p.header.to_vec();
            let received = self.framer.take_literal_bytes();
            let size = received.len() as u64 + remaining;
            self.streamed_started.push(index);
            self.emit(Output::LiteralStart {
                id,
                seq,
                header,
                size,
            });
            if !received.is_empty() {
                self.emit(Output::LiteralData { id, data: received });
            }
        } else {
            let data = self.framer.take_literal_bytes();
            if !data.is_empty() {
                self.emit(Output::LiteralData { id, data });
            }
        }
    }

    /// With a streaming FETCH in flight, a complete FETCH response hands its literals out
    /// and keeps them empty.
    fn stream_complete_literals(&mut self, frame: &mut crate::frame::Frame) {
        let started = std::mem::take(&mut self.streamed_started);
        let Some((_, id)) = self.streaming else {
            return;
        };
        let Some(seq) = Self::fetch_seq(&frame.first) else {
            return;
        };
        let mut header = frame.first.clone();
        for (index, (literal, line)) in frame.parts.iter_mut().enumerate() {
            let data = std::mem::take(literal);
            if !started.contains(&index) {
                self.emit(Output::LiteralStart {
                    id,
                    seq,
                    header: header.clone(),
                    size: data.len() as u64,
                });
            }
            if !data.is_empty() {
                self.emit(Output::LiteralData { id, data });
            }
            self.emit(Output::LiteralEnd { id });
            header.clone_from(line);
        }
    }

    fn fail_injection(&mut self, data: &[u8]) {
        self.fail(
            Error::abort(
                Cause::Protocol,
                "received data after the STARTTLS OK and before the TLS handshake (response injection?)",
            )
            .with_bytes(data),
        );
    }

    fn process(&mut self, mut frame: crate::frame::Frame) {
        if self.opts.debug >= 4 {
            trace::received(&frame);
        }
        if self.streaming.is_some() {
            self.stream_complete_literals(&mut frame);
        }
        let first_line = (!self.greeted).then(|| frame.first.clone());
        let mut quirks = Vec::new();
        let classified = classify(frame, &self.tagpre, &mut quirks);
        for q in quirks {
            self.quirk(match q {
                ClassifyQuirk::TaggedMissingText => "quirk_tagged_missing_text",
            });
        }
        let classified = match classified {
            Ok(c) => c,
            Err(e) => {
                if let Some(line) = first_line {
                    return self.fail(Self::invalid_greeting(&line));
                }
                return self.fail(e);
            }
        };
        if let Some(line) = first_line {
            return self.greeting(line, classified);
        }
        match classified {
            Classified::Tagged {
                tag,
                typ,
                data,
                code_text,
            } => self.tagged(tag, typ, data, code_text),
            Classified::Untagged {
                typ,
                items,
                code_text,
            } => self.untagged(typ, items, code_text),
            Classified::Continuation(data) => self.continuation(data),
        }
    }

    fn quirk(&mut self, name: &'static str) {
        if self.opts.debug >= 1 {
            log::debug!(target: trace::TARGET, "tolerated server quirk: {name}");
        }
        *self.diagnostics.quirks.entry(name).or_default() += 1;
    }

    fn invalid_greeting(line: &[u8]) -> Error {
        Error::error(
            Cause::Protocol,
            format!("invalid greeting: {}", String::from_utf8_lossy(line)),
        )
        .with_bytes(line)
    }

    fn greeting(&mut self, line: Vec<u8>, c: Classified) {
        self.greeted = true;
        let (typ, items, code_text) = match c {
            Classified::Untagged {
                typ,
                items,
                code_text,
            } if typ == "OK" || typ == "PREAUTH" => (typ, items, code_text),
            _ => return self.fail(Self::invalid_greeting(&line)),
        };
        self.welcome = Some(line);
        if typ == "PREAUTH" {
            if self.opts.require_tls && !self.secure {
                return self.fail(Error::abort(
                    Cause::TlsPolicy,
                    "PREAUTH greeting on a cleartext connection while TLS is required (RFC 9051 section 7.1.4)",
                ));
            }
            self.state = State::Auth;
        } else {
            self.state = State::NonAuth;
        }
        for item in items {
            if let Err(e) = self.store.append(&typ, item, self.opts.max_stored) {
                return self.fail(e);
            }
        }
        if typ == "OK" {
            self.code(&code_text);
        }
        if self.store.get("CAPABILITY").is_some() {
            // 3.14.7+: the greeting's capabilities are used, and consumed as the
            // connect-time CAPABILITY command would have consumed them.
            self.learn_capabilities(true);
            self.finish_connect();
        } else {
            let tag = self.next_tag();
            let job = Job::new(None, "CAPABILITY".into(), Kind::Capability, 0);
            self.start_capability(tag, job);
        }
    }

    fn finish_connect(&mut self) {
        match ALLOWED_VERSIONS
            .iter()
            .find(|v| self.capabilities.iter().any(|c| c == *v))
        {
            Some(v) => {
                self.protocol_version = Some((*v).to_string());
                self.connected = true;
                self.emit(Output::Connected);
            }
            None => self.fail(Error::error(Cause::Protocol, "server not IMAP4 compliant")),
        }
    }

    /// Sets the capabilities from the last stored CAPABILITY item; `pop` consumes them (the
    /// CAPABILITY command does, a refresh does not).
    fn learn_capabilities(&mut self, pop: bool) -> bool {
        let items = if pop {
            self.store.pop("CAPABILITY")
        } else {
            self.store.get("CAPABILITY").cloned()
        };
        let Some(Item::Line(last)) = items.as_ref().and_then(|v| v.last()) else {
            return false;
        };
        self.capabilities = String::from_utf8_lossy(last)
            .to_ascii_uppercase()
            .split_ascii_whitespace()
            .map(str::to_string)
            .collect();
        true
    }

    fn tagged(&mut self, tag: Option<u64>, typ: String, data: Vec<Item>, code_text: Vec<u8>) {
        let Some(tag) = tag.filter(|t| self.jobs.contains_key(t)) else {
            if let Some(t) = tag {
                if let Some(i) = self.silent_tags.iter().position(|&s| s == t) {
                    self.silent_tags.remove(i);
                    return;
                }
            }
            // The offending line, as far as it can be rebuilt.
            let number = tag.map_or_else(|| "?".to_string(), |t| t.to_string());
            let mut line = self.tagpre.clone();
            line.extend_from_slice(format!("{number} {typ} ").as_bytes());
            line.extend_from_slice(&code_text);
            return self.fail(
                Error::abort(
                    Cause::Protocol,
                    format!("unexpected tagged response: tag {number} is not pending"),
                )
                .with_bytes(&line),
            );
        };
        if matches!(typ.as_str(), "OK" | "NO" | "BAD") {
            self.code(&code_text);
        }
        if self.fatal.is_some() {
            return;
        }
        self.release(tag);
        if matches!(self.streaming, Some((t, _)) if t == tag) {
            self.streaming = None;
        }
        let Some(job) = self.jobs.remove(&tag) else {
            return;
        };
        self.finish(tag, job, typ, data);
        self.pump();
    }

    fn untagged(&mut self, typ: String, items: Vec<Item>, code_text: Vec<u8>) {
        if typ == "BYE" {
            return self.on_bye(items);
        }
        if self.idle_tag.is_some() {
            let code = matches!(typ.as_str(), "OK" | "NO" | "BAD")
                .then(|| response_code(&code_text))
                .flatten();
            self.emit(Output::Unsolicited(Reply::new(typ, items)));
            if let Some((name, data)) = code {
                if name != "ALERT" || self.secure {
                    self.emit(Output::Unsolicited(Reply::new(
                        name,
                        vec![Item::Line(data)],
                    )));
                }
            }
            return;
        }
        if !self.honoured(&typ, false) {
            self.diagnostics.dropped_untagged += 1;
            if self.opts.debug >= 1 {
                log::debug!(target: trace::TARGET, "ignored untagged {typ} in state {}", self.state);
            }
            return;
        }
        if self.opts.debug >= 3 {
            log::debug!(target: trace::TARGET, "untagged {typ}: {items:?}");
        }
        for item in items {
            if let Err(e) = self.store.append(&typ, item, self.opts.max_stored) {
                return self.fail(e);
            }
        }
        if matches!(typ.as_str(), "OK" | "NO" | "BAD") {
            self.code(&code_text);
        }
    }

    /// Whether an untagged type (or response code) may be stored now.
    fn honoured(&self, typ: &str, code: bool) -> bool {
        if self.jobs.values().any(|j| j.expects(typ)) {
            return true;
        }
        let mailbox = if code {
            MAILBOX_CODES.contains(&typ)
        } else {
            MAILBOX_TYPES.contains(&typ)
        };
        match self.state {
            State::Logout | State::NonAuth => {
                if code {
                    !mailbox
                } else {
                    PREAUTH_TYPES.contains(&typ)
                }
            }
            State::Auth => !mailbox,
            State::Selected | State::Idling => true,
        }
    }

    /// imaplib's response-code bookkeeping: `[CODE data]` at the start of an OK/NO/BAD
    /// text is stored under CODE.
    fn code(&mut self, text: &[u8]) {
        let Some((name, data)) = response_code(text) else {
            return;
        };
        if name == "ALERT" && !self.secure {
            // RFC 9051 §11.3: an ALERT on a cleartext connection is not shown as one.
            self.diagnostics.dropped_untagged += 1;
            return;
        }
        if !self.honoured(&name, true) {
            self.diagnostics.dropped_untagged += 1;
            return;
        }
        if let Err(e) = self
            .store
            .append(&name, Item::Line(data), self.opts.max_stored)
        {
            self.fail(e);
        }
    }

    fn on_bye(&mut self, items: Vec<Item>) {
        let text = last_text(&items);
        for item in items {
            if let Err(e) = self.store.append("BYE", item, self.opts.max_stored) {
                return self.fail(e);
            }
        }
        self.bye = Some(text.clone());
        // LOGOUT returns on BYE; every other pending command aborts.
        let logout = self
            .jobs
            .iter()
            .find(|(_, j)| matches!(j.kind, Kind::Logout))
            .map(|(t, _)| *t);
        let tags: Vec<u64> = self.jobs.keys().copied().collect();
        for tag in tags {
            let Some(job) = self.jobs.remove(&tag) else {
                continue;
            };
            if Some(tag) == logout {
                self.silent_tags.push(tag);
                let data = self.store.get("BYE").cloned().unwrap_or_default();
                self.complete(job.id, Ok(Reply::new("BYE", data)));
                self.logged_out = true;
            } else {
                let err = Error::abort(Cause::Bye, text.clone());
                let err = Self::wrap(&job.name, &err);
                if job.id.is_some() {
                    self.complete(job.id, Err(err));
                } else {
                    self.fail(err);
                }
            }
        }
        self.sendq.clear();
        self.blocked = None;
        self.idle_tag = None;
        self.streaming = None;
    }

    fn continuation(&mut self, data: Option<Vec<u8>>) {
        let Some((tag, after)) = self.blocked else {
            return self.fail(
                Error::abort(Cause::Protocol, "unexpected continuation request")
                    .with_bytes(data.as_deref().unwrap_or(b"+")),
            );
        };
        if after == After::Continuation {
            // A synchronizing literal may go now.
            self.blocked = None;
            self.pump();
            return;
        }
        let Some(job) = self.jobs.get_mut(&tag) else {
            return self.fail(Error::abort(
                Cause::Protocol,
                "unexpected continuation request",
            ));
        };
        match &mut job.kind {
            Kind::Authenticate(auth) => {
                let challenge = match data.as_deref() {
                    None | Some(b"") => Ok(Vec::new()),
                    Some(d) => B64.decode(d),
                };
                let mut out = Outgoing::default();
                match challenge {
                    Ok(challenge) => match auth.step(&challenge) {
                        Some(resp) => out.push_secret(B64.encode(resp).as_bytes()),
                        None => out.push(b"*"),
                    },
                    Err(_) => {
                        job.auth_error = Some(
                            Error::error(
                                Cause::Protocol,
                                "AUTHENTICATE challenge is not valid base64; exchange cancelled",
                            )
                            .with_bytes(data.as_deref().unwrap_or_default()),
                        );
                        out.push(b"*");
                    }
                }
                out.push(b"\r\n");
                self.emit_send(out);
            }
            Kind::Idle if !job.idle_started => {
                job.idle_started = true;
                job.idle_prev_state = self.state;
                let id = job.id;
                let send_done = job.idle_done_requested;
                self.state = State::Idling;
                if let Some(id) = id {
                    self.emit(Output::IdleStarted { id });
                }
                if send_done {
                    self.send_done(tag);
                }
            }
            _ => self.fail(
                Error::abort(Cause::Protocol, "unexpected continuation request")
                    .with_bytes(data.as_deref().unwrap_or(b"+")),
            ),
        }
    }

    // ----- completion ------------------------------------------------------------------

    fn untagged_response(&mut self, typ: String, data: Vec<Item>, name: &str) -> Reply {
        if typ == "NO" {
            return Reply::new(typ, data);
        }
        match self.store.pop(name) {
            Some(items) => Reply::new(typ, items),
            None => Reply::new(typ, vec![Item::None]),
        }
    }

    fn finish(&mut self, tag: u64, mut job: Job, typ: String, data: Vec<Item>) {
        let id = job.id;
        let name = job.name.clone();
        if job.phase == Phase::CapabilityFollowUp {
            return self.finish_follow_up(job, typ);
        }
        if let Kind::Deselect = job.kind {
            self.state = State::Auth;
        }
        if let Kind::Idle = job.kind {
            self.idle_tag = None;
            if job.idle_started {
                self.state = job.idle_prev_state;
            } else {
                let err = if typ == "NO" {
                    Error::error(Cause::Server, format!("idle denied: {}", list_repr(&data)))
                } else {
                    Error::abort(
                        Cause::Protocol,
                        format!("unexpected status response: {typ} {}", list_repr(&data)),
                    )
                };
                return self.complete(id, Err(err.with_command(name)));
            }
        }
        if typ == "BAD" {
            let err = Error::error(
                Cause::Server,
                format!("{name} command error: BAD {}", list_repr(&data)),
            )
            .with_command(name);
            return self.complete(id, Err(err));
        }
        let result = match &job.kind {
            Kind::Tagged | Kind::Deselect | Kind::Logout | Kind::Idle => Ok(Reply::new(typ, data)),
            Kind::Untagged(t) => {
                let t = t.clone();
                Ok(self.untagged_response(typ, data, &t))
            }
            Kind::Capability => {
                if job.id.is_none() {
                    if typ == "OK" && self.learn_capabilities(true) {
                        Ok(Reply::new(typ, vec![]))
                    } else {
                        Err(Error::error(
                            Cause::Protocol,
                            "no CAPABILITY response from server",
                        ))
                    }
                } else {
                    Ok(self.untagged_response(typ, data, "CAPABILITY"))
                }
            }
            Kind::Recent => Ok(self.untagged_response(typ, data, "RECENT")),
            Kind::GetQuotaRoot => {
                let quota = self.untagged_response(typ.clone(), data.clone(), "QUOTA");
                let root = self.untagged_response(typ.clone(), data, "QUOTAROOT");
                Ok(Reply::new(
                    typ,
                    vec![Item::List(root.data), Item::List(quota.data)],
                ))
            }
            Kind::Enable { utf8 } => {
                if typ == "OK" && *utf8 {
                    self.utf8 = true;
                }
                Ok(Reply::new(typ, data))
            }
            Kind::Select {
                readonly,
                mailbox_repr,
            } => {
                if typ != "OK" {
                    self.state = State::Auth;
                    Ok(Reply::new(typ, data))
                } else {
                    self.state = State::Selected;
                    if self.store.get("READ-ONLY").is_some() && !readonly {
                        Err(Error::readonly(format!("{mailbox_repr} is not writable"))
                            .with_command(name))
                    } else {
                        let exists = self
                            .store
                            .get("EXISTS")
                            .cloned()
                            .unwrap_or_else(|| vec![Item::None]);
                        Ok(Reply::new(typ, exists))
                    }
                }
            }
            Kind::Login | Kind::Authenticate(_) => {
                if let Some(err) = job.auth_error.take() {
                    Err(err.with_command(name))
                } else if typ != "OK" {
                    Err(Error::error(Cause::Server, last_text(&data))
                        .with_command(name)
                        .with_bytes(data.last().and_then(Item::as_line).unwrap_or_default()))
                } else {
                    self.state = State::Auth;
                    if self.store.capability_appends > job.caps_before {
                        // The server sent its capabilities with the answer.
                        self.learn_capabilities(false);
                        Ok(Reply::new(typ, data))
                    } else {
                        // imaplib 3.14.7+: ask again, as the old list may be stale.
                        job.saved = Some(Reply::new(typ, data));
                        let new_tag = self.next_tag();
                        return self.start_capability(new_tag, job);
                    }
                }
            }
            Kind::StartTls => {
                if typ != "OK" {
                    Err(
                        Error::error(Cause::Server, "Couldn't establish TLS session")
                            .with_command(name),
                    )
                } else {
                    job.saved = Some(self.untagged_response(typ, data, "STARTTLS"));
                    job.phase = Phase::AwaitingTls;
                    self.tls_pending = Some(tag);
                    self.jobs.insert(tag, job);
                    if let Some(id) = id {
                        self.emit(Output::StartTls { id });
                    }
                    return;
                }
            }
        };
        self.complete(id, result);
    }

    fn start_capability(&mut self, tag: u64, mut job: Job) {
        if job.id.is_some() {
            job.phase = Phase::CapabilityFollowUp;
        }
        let chunks = encode::command(&self.tag_bytes(tag), b"CAPABILITY", &[], self.ctx());
        self.jobs.insert(tag, job);
        self.queue_front(tag, chunks, After::Nothing);
        self.pump();
    }

    fn finish_follow_up(&mut self, job: Job, typ: String) {
        let result = if typ == "OK" && self.learn_capabilities(true) {
            Ok(job
                .saved
                .unwrap_or_else(|| Reply::new("OK", vec![Item::None])))
        } else {
            Err(
                Error::error(Cause::Protocol, "no CAPABILITY response from server")
                    .with_command(job.name),
            )
        };
        self.complete(job.id, result);
    }

    /// The transport is now TLS (after [`Output::StartTls`]): cached capabilities and
    /// untagged data are discarded, CAPABILITY is asked again, and STARTTLS completes when
    /// it answers.
    pub fn tls_established(&mut self) -> Result<()> {
        let Some(tag) = self.tls_pending.take() else {
            return Err(Error::error(Cause::State, "no STARTTLS upgrade is pending"));
        };
        self.secure = true;
        self.store.clear();
        self.capabilities.clear();
        let Some(job) = self.jobs.remove(&tag) else {
            return Ok(());
        };
        let new_tag = self.next_tag();
        self.start_capability(new_tag, job);
        Ok(())
    }

    // ----- sending ---------------------------------------------------------------------

    fn ctx(&self) -> Ctx {
        Ctx {
            utf8: self.utf8,
            literal_plus: self.opts.use_literal_plus && self.has_capability("LITERAL+"),
            literal_minus: self.opts.use_literal_plus && self.has_capability("LITERAL-"),
            mutf7: self.opts.mailbox_utf7,
        }
    }

    fn next_tag(&mut self) -> u64 {
        let t = self.tagnum;
        self.tagnum += 1;
        t
    }

    fn tag_bytes(&self, tag: u64) -> Vec<u8> {
        let mut t = self.tagpre.clone();
        t.extend_from_slice(tag.to_string().as_bytes());
        t
    }

    fn enqueue(&mut self, tag: u64, chunks: Vec<Chunk>, last: After) -> Vec<Queued> {
        let n = chunks.len();
        chunks
            .into_iter()
            .enumerate()
            .map(|(i, c)| Queued {
                tag,
                out: c.out,
                after: if c.wait {
                    After::Continuation
                } else if i + 1 == n {
                    last
                } else {
                    After::Nothing
                },
                external: c.external,
            })
            .collect()
    }

    fn queue_back(&mut self, tag: u64, chunks: Vec<Chunk>, last: After) {
        let q = self.enqueue(tag, chunks, last);
        self.sendq.extend(q);
    }

    fn queue_front(&mut self, tag: u64, chunks: Vec<Chunk>, last: After) {
        let q = self.enqueue(tag, chunks, last);
        for item in q.into_iter().rev() {
            self.sendq.push_front(item);
        }
    }

    /// Sends queued chunks until one must wait.
    fn pump(&mut self) {
        while self.blocked.is_none() && self.tls_pending.is_none() && self.fatal.is_none() {
            let Some(q) = self.sendq.pop_front() else {
                break;
            };
            if !q.out.bytes.is_empty() {
                self.emit_send(q.out);
            }
            if let Some(len) = q.external {
                // The caller writes the literal; the rest of the queue waits for it. A
                // continuation the literal needed has already arrived.
                let id = self.jobs.get(&q.tag).and_then(|j| j.id);
                if let Some(id) = id {
                    self.emit(Output::SendLiteral { id, len });
                    self.blocked = Some((q.tag, After::External));
                    if q.after != After::Nothing {
                        // Not produced by the encoder; kept simple: re-block after.
                        self.sendq.push_front(Queued {
                            tag: q.tag,
                            out: Outgoing::default(),
                            after: q.after,
                            external: None,
                        });
                    }
                    break;
                }
                continue;
            }
            if q.after != After::Nothing {
                self.blocked = Some((q.tag, q.after));
            }
        }
    }

    /// The caller finished writing the literal of [`Output::SendLiteral`]; the command
    /// goes on.
    pub fn literal_written(&mut self, id: CommandId) -> Result<()> {
        match self.blocked {
            Some((tag, After::External)) if self.jobs.get(&tag).and_then(|j| j.id) == Some(id) => {
                self.blocked = None;
                self.pump();
                Ok(())
            }
            _ => Err(Error::error(
                Cause::State,
                "no streamed literal is being written for this command",
            )),
        }
    }

    /// A command completed: drop what it had left to send and unblock the queue.
    fn release(&mut self, tag: u64) {
        if matches!(self.blocked, Some((t, _)) if t == tag) {
            self.blocked = None;
        }
        self.sendq.retain(|q| q.tag != tag);
    }

    /// Submits a command: checks it against the state table and the connection, encodes it
    /// and queues its bytes. Errors come before any byte is queued.
    pub fn submit(&mut self, cmd: Command) -> Result<CommandId> {
        let deselect = matches!(cmd.kind, Kind::Deselect) && self.state == State::Selected;
        let result = self.submit_inner(cmd);
        if deselect && result.is_err() {
            // imaplib's close()/unselect() return to AUTH in a `finally`, even when the
            // command never left (a recorded READ-ONLY, a BYE…).
            self.state = State::Auth;
        }
        result
    }

    fn submit_inner(&mut self, cmd: Command) -> Result<CommandId> {
        if let Some(err) = &self.fatal {
            return Err(Self::wrap(&cmd.name, err));
        }
        if !self.connected {
            return Err(Error::error(
                Cause::State,
                "not connected: the greeting has not been processed",
            ));
        }
        if self.logged_out {
            return Err(Error::abort(Cause::Io, "connection closed after LOGOUT"));
        }
        let is_logout = matches!(cmd.kind, Kind::Logout);
        if let Some(text) = &self.bye {
            if !is_logout {
                return Err(Error::abort(Cause::Bye, text.clone()).with_command(cmd.name));
            }
        }
        if let Kind::Select { readonly, .. } = cmd.kind {
            // imaplib flushes before anything else, even before the state check.
            self.store.clear();
            self.is_readonly = readonly;
        }
        for p in &cmd.pre {
            self.check_precondition(*p, &cmd)?;
        }
        if self.tls_pending.is_some() {
            return Err(Error::error(
                Cause::State,
                "STARTTLS in progress: complete the TLS upgrade first",
            ));
        }
        for name in &cmd.states_of {
            self.check_state(name, cmd.register)?;
        }
        if cmd.register && allowed_states(&cmd.name).is_none() {
            self.extra_commands
                .entry(cmd.name.clone())
                .or_insert(self.state);
        }
        for t in ["OK", "NO", "BAD"] {
            self.store.pop(t);
        }
        if self.store.get("READ-ONLY").is_some() && !self.is_readonly {
            return Err(
                Error::readonly("mailbox status changed to READ-ONLY").with_command(cmd.name)
            );
        }

        let id = CommandId(self.next_id);
        self.next_id += 1;
        if self.opts.debug >= 1 {
            log::debug!(target: trace::TARGET, "{id} {} submitted", cmd.name);
        }

        if let Kind::Recent = cmd.kind {
            if let Some(items) = self.store.pop("RECENT") {
                let truthy = match items.last() {
                    Some(Item::Line(l)) => !l.is_empty(),
                    Some(Item::None) | None => false,
                    Some(_) => true,
                };
                if truthy {
                    self.emit(Output::Completed {
                        id,
                        result: Ok(Reply::new("OK", items)),
                    });
                    return Ok(id);
                }
            }
        }
        if is_logout {
            self.state = State::Logout;
            if self.bye.is_some() {
                // imaplib returns the stored BYE at once.
                let data = self.store.get("BYE").cloned().unwrap_or_default();
                let tag = self.next_tag();
                let chunks = encode::command(&self.tag_bytes(tag), b"LOGOUT", &[], self.ctx());
                self.silent_tags.push(tag);
                self.queue_back(tag, chunks, After::Nothing);
                self.pump();
                self.logged_out = true;
                self.emit(Output::Completed {
                    id,
                    result: Ok(Reply::new("BYE", data)),
                });
                return Ok(id);
            }
        }

        if cmd.stream && self.streaming.is_some() {
            return Err(Error::error(
                Cause::State,
                "another streaming FETCH is in flight",
            ));
        }
        let Command {
            name,
            args,
            kind,
            translate,
            stream,
            ..
        } = cmd;
        let args: Vec<Arg> = args
            .into_iter()
            .map(|a| match a {
                Arg::Message(m) if translate => Arg::Message(encode::translate_line_endings(&m)),
                other => other,
            })
            .collect();
        let tag = self.next_tag();
        let ctx = self.ctx();
        let chunks = encode::command(&self.tag_bytes(tag), name.as_bytes(), &args, ctx);
        let last = match kind {
            Kind::Authenticate(_) | Kind::Idle | Kind::StartTls => After::Completion,
            _ => After::Nothing,
        };
        if let Kind::Idle = kind {
            self.idle_tag = Some(tag);
        }
        let caps_before = self.store.capability_appends;
        let mut job = Job::new(Some(id), name, kind, caps_before);
        job.stream = stream;
        if stream {
            self.streaming = Some((tag, id));
        }
        self.jobs.insert(tag, job);
        self.queue_back(tag, chunks, last);
        self.pump();
        Ok(id)
    }

    fn check_precondition(&self, p: Precondition, cmd: &Command) -> Result<()> {
        match p {
            Precondition::Capability(cap, flavor, msg) => {
                if cap == "STARTTLS" && self.secure {
                    return Err(Error::abort(
                        Cause::State,
                        "TLS session already established",
                    ));
                }
                if !self.has_capability(cap) {
                    return Err(match flavor {
                        ErrorFlavor::Error => Error::error(Cause::Unsupported, msg),
                        ErrorFlavor::Abort => Error::abort(Cause::Unsupported, msg),
                    }
                    .with_command(&cmd.name));
                }
            }
            Precondition::NoCharsetInUtf8 => {
                if self.utf8 {
                    return Err(Error::error(
                        Cause::Argument,
                        "Non-None charset not valid in UTF8 mode",
                    )
                    .with_command(&cmd.name));
                }
            }
            Precondition::Credentials { login } => {
                if self.opts.require_tls && !self.secure {
                    return Err(Error::error(
                        Cause::TlsPolicy,
                        "TLS is required: refusing to send credentials over a cleartext connection",
                    )
                    .with_command(&cmd.name));
                }
                if login && self.has_capability("LOGINDISABLED") && self.state == State::NonAuth {
                    return Err(Error::error(
                        Cause::Unsupported,
                        "LOGIN is disabled by the server (LOGINDISABLED): use STARTTLS or AUTHENTICATE",
                    )
                    .with_command(&cmd.name));
                }
            }
        }
        Ok(())
    }

    fn check_state(&self, name: &str, register: bool) -> Result<()> {
        let extra;
        let allowed: &[State] = match allowed_states(name) {
            Some(states) => states,
            None => match self.extra_commands.get(name) {
                Some(s) => {
                    extra = [*s];
                    &extra
                }
                None if register => return Ok(()),
                None => {
                    return Err(Error::error(
                        Cause::Argument,
                        format!("unknown command {name}"),
                    ))
                }
            },
        };
        if allowed.contains(&self.state) {
            return Ok(());
        }
        let states: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        Err(Error::error(
            Cause::State,
            format!(
                "command {name} illegal in state {}, only allowed in states {}",
                self.state,
                states.join(", ")
            ),
        )
        .with_command(name))
    }

    /// Ends IDLE: sends `DONE` (once the server's `+` has arrived), returns to the state
    /// before IDLE, and moves the unsolicited responses not yet polled into the untagged
    /// store, as imaplib's `Idler` does on exit. The IDLE command then completes.
    ///
    /// Drain [`Connection::poll_output`] first if you want every response as an
    /// [`Output::Unsolicited`] event: those still queued go to the store instead.
    pub fn idle_done(&mut self, id: CommandId) -> Result<()> {
        let Some((&tag, job)) = self
            .jobs
            .iter_mut()
            .find(|(_, j)| j.id == Some(id) && matches!(j.kind, Kind::Idle))
        else {
            return Err(Error::error(
                Cause::State,
                "no IDLE in progress for this command",
            ));
        };
        if job.idle_done_sent {
            return Ok(());
        }
        if !job.idle_started {
            job.idle_done_requested = true;
            return Ok(());
        }
        self.send_done(tag);
        Ok(())
    }

    fn send_done(&mut self, tag: u64) {
        let Some(job) = self.jobs.get_mut(&tag) else {
            return;
        };
        job.idle_done_sent = true;
        self.state = job.idle_prev_state;
        self.idle_tag = None;
        // Unpolled IDLE responses go back to the store, in order.
        let outputs = std::mem::take(&mut self.outputs);
        for out in outputs {
            match out {
                Output::Unsolicited(reply) => {
                    if let Err(e) = self.restore_unsolicited(reply) {
                        return self.fail(e);
                    }
                }
                other => self.outputs.push_back(other),
            }
        }
        let mut out = Outgoing::default();
        out.push(b"DONE\r\n");
        self.emit_send(out);
    }

    /// The bytes that should be written for `bytes_repr` debugging of the last command, for
    /// tests: the tag `n` would get.
    #[doc(hidden)]
    pub fn tag_for(&self, n: u64) -> String {
        String::from_utf8_lossy(&self.tag_bytes(n)).into_owned()
    }
}

#[doc(hidden)]
pub fn _repr(b: &[u8]) -> String {
    bytes_repr(b)
}
