//! The connection state machine: imaplib's engine without the socket.
//!
//! [`Connection::feed`] takes server bytes in any chunking; [`Connection::submit`] takes a
//! [`Command`](crate::Command); [`Connection::poll_output`] yields what to do next: bytes to send, completed
//! commands with imaplib's `(typ, data)`, the STARTTLS upgrade point and the COMPRESS=DEFLATE
//! start point, IDLE events, and fatal errors. There is no clock, socket, thread or randomness inside: the tag prefix comes from
//! [`Options::new`], and the caller owns time and I/O. [`Connection::feed_into`] is `feed`
//! for a streaming FETCH: its message bodies go to a [`crate::LiteralSink`] as slices of the
//! fed bytes.
//!
//! Inside, states are types. The connection is in one `Phase` (awaiting the greeting,
//! connecting, ready, upgrading to TLS, after BYE, logged out, failed); each command in
//! flight is a `Job` whose `Stage` is its kind's own progress (IDLE's `Idle`: starting,
//! DONE requested, idling, DONE sent; AUTHENTICATE cancelled; STARTTLS awaiting the
//! upgrade; the CAPABILITY follow-up holding the command's result). A streaming FETCH has
//! a `Streaming` record that exists only while it is in flight. The submodules:
//! `submit` (state table, tags, encoding, IDLE's DONE), `send` (the `SendQueue`),
//! `receive` (framing, classification, routing of untagged data and continuations),
//! `complete` (tagged answers into imaplib's results), `stream` (streamed literals),
//! `store` (the untagged store) and `job`.
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

use crate::auth::ChannelBinding;
use crate::command::State;
use crate::error::{ClosedAt, Error, Layer, Reason, Result};
use crate::frame::{FrameStats, Framer, Limits};
use crate::outgoing::Outgoing;
use crate::response::{Item, Reply};
use crate::trace;
use crate::util::int2ap;

mod complete;
mod job;
mod receive;
mod rev2;
mod send;
mod store;
mod stream;
mod submit;

use job::Job;
use send::SendQueue;
use store::Store;
use stream::{Direct, Streaming};

/// Settings for a [`Connection`]: [`Options::new`], then change the public fields. The struct is
/// `#[non_exhaustive]`, so that new settings are not breaking changes.
#[derive(Debug, Clone)]
#[non_exhaustive]
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
    /// imaplib's debug level, 0 (the default) to 5: raises the messages of the levels it
    /// covers to `info`; the `log` level alone decides what is logged (see [`crate::trace`]).
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

    /// The same options with another tag seed (see [`Options::new`]).
    pub fn with_tag_seed(mut self, seed: u16) -> Self {
        self.tag_seed = seed.max(4096);
        self
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
    /// COMPRESS DEFLATE was accepted: every byte after the server's `OK` line is raw
    /// DEFLATE, and so must be every byte the client sends from now on. Stack the layer on
    /// the transport (after writing everything already yielded), then call
    /// [`Connection::compression_established`], whose answer is the compressed bytes that
    /// were fed after the `OK` (the layer decompresses them first).
    StartCompression {
        /// The COMPRESS command.
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
    /// An APPEND from [`Command::append_stream`](crate::Command::append_stream) is ready for its message: write exactly
    /// `len` bytes of it to the server now, then call [`Connection::literal_written`].
    SendLiteral {
        /// The APPEND command.
        id: CommandId,
        /// Bytes to write.
        len: u64,
    },
    /// A streamed FETCH ([`Command::stream_literals`](crate::Command::stream_literals)) starts receiving a literal.
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
    /// The next bytes of the literal being streamed (a fed chunk at most), copied out of
    /// the fed bytes. [`Connection::feed_into`] hands them to a sink instead, uncopied.
    LiteralData {
        /// The FETCH command.
        id: CommandId,
        /// The bytes, shared with the buffer they were read into.
        data: bytes::Bytes,
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
    /// Uses of each tolerated server quirk, by its name in the one catalogue
    /// ([`crate::parse::Quirk::name`], e.g. `"missing_text"`).
    pub quirks: BTreeMap<&'static str, u64>,
    /// Untagged responses and codes not stored because the state did not allow them.
    pub dropped_untagged: u64,
    /// Bytes of a partial response the framer holds right now.
    pub buffered: usize,
}

/// Where the connection is in its life. What a phase allows is decided here once:
/// feeding, sending, submitting and closing all ask the phase.
///
/// `repr(u8)` gives it a tag byte of its own: every `commit` asks the phase, and with the
/// niche layout (the tag hidden in `Failed`'s error) that question cost about 11
/// instructions a read; with the tag byte, about 5.
#[derive(Debug)]
#[repr(u8)]
enum Phase {
    /// Waiting for the server's greeting.
    AwaitingGreeting,
    /// The greeting was accepted; the connect-time CAPABILITY is in flight.
    Connecting,
    /// Connected: commands may be submitted.
    Ready,
    /// STARTTLS or COMPRESS (the job with this tag) was accepted: no byte may be sent
    /// until the transport has the new layer ([`Connection::tls_established`],
    /// [`Connection::compression_established`]). Bytes fed meanwhile are an injection
    /// before TLS, and compressed data kept for the decompressor before DEFLATE.
    Upgrading {
        /// The command's tag.
        tag: u64,
        /// The layer being stacked.
        layer: Layer,
    },
    /// The server said BYE (this text) with no LOGOUT pending: every pending command
    /// failed, and only LOGOUT may still be submitted.
    Bye(String),
    /// LOGOUT completed on the server's BYE: the transport can be closed.
    LoggedOut,
    /// The connection failed and is unusable.
    Failed(Error),
}

/// The sans-IO IMAP4rev1 (and, once enabled, IMAP4rev2) client connection. See the [module documentation](self).
pub struct Connection {
    opts: Options,
    tagpre: Vec<u8>,
    tagnum: u64,
    framer: Framer,
    phase: Phase,
    /// imaplib's state.
    state: State,
    welcome: Option<Vec<u8>>,
    capabilities: Vec<String>,
    /// Set when the connection is established (and never unset).
    protocol_version: Option<String>,
    utf8: bool,
    /// Extensions the server said it enabled (`* ENABLED …`), upper case.
    enabled: Vec<String>,
    is_readonly: bool,
    secure: bool,
    /// The channel-binding data of the TLS session, given by the client.
    channel_binding: Option<ChannelBinding>,
    store: Store,
    /// Commands in flight, by tag.
    jobs: BTreeMap<u64, Job>,
    next_id: u64,
    sendq: SendQueue,
    outputs: VecDeque<Output>,
    /// Tags whose late tagged response is accepted silently (LOGOUT after BYE).
    silent_tags: Vec<u64>,
    /// Names registered by `xatom`, with the state they are allowed in.
    extra_commands: HashMap<String, State>,
    /// imaplib's `literal`: sent as a literal after the next command's arguments.
    literal: Option<Vec<u8>>,
    /// The streaming FETCH in flight, if any.
    streaming: Option<Streaming>,
    /// Streaming outputs on their way to the sink of [`Connection::feed_into`].
    direct: Direct,
    diagnostics: Diagnostics,
    /// COMPRESS=DEFLATE is on (the transport compresses).
    compressed: bool,
    /// Bytes fed after the COMPRESS `OK` line, before the layer was in place: compressed
    /// data, handed to the layer by [`Connection::compression_established`].
    early: Vec<u8>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("tag_prefix", &String::from_utf8_lossy(&self.tagpre))
            .field("state", &self.state)
            .field("capabilities", &self.capabilities)
            .field("pending", &self.jobs.len())
            .field("secure", &self.secure)
            .field("compressed", &self.compressed)
            .field("utf8", &self.utf8)
            .field("phase", &self.phase)
            .finish()
    }
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
            phase: Phase::AwaitingGreeting,
            state: State::Logout,
            welcome: None,
            capabilities: Vec::new(),
            protocol_version: None,
            utf8: false,
            enabled: Vec::new(),
            is_readonly: false,
            secure,
            channel_binding: None,
            store: Store::default(),
            jobs: BTreeMap::new(),
            next_id: 0,
            sendq: SendQueue::default(),
            outputs: VecDeque::new(),
            silent_tags: Vec::new(),
            extra_commands: HashMap::new(),
            literal: None,
            streaming: None,
            direct: Direct::default(),
            diagnostics: Diagnostics::default(),
            compressed: false,
            early: Vec::new(),
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

    /// The extensions the server enabled in this session, as its `ENABLED` responses
    /// named them (upper case), in order: `["QRESYNC", "CONDSTORE"]` after `ENABLE QRESYNC
    /// CONDSTORE` (RFC 5161).
    pub fn enabled(&self) -> &[String] {
        &self.enabled
    }

    /// True if the server enabled `extension` (any case) in this session. `CONDSTORE` is
    /// also on once QRESYNC is (RFC 7162 §3.2.3); CONDSTORE turned on by a CONDSTORE-enabling
    /// command rather than ENABLE is not counted.
    pub fn is_enabled(&self, extension: &str) -> bool {
        let on = |e: &str| self.enabled.iter().any(|x| x.eq_ignore_ascii_case(e));
        on(extension) || (extension.eq_ignore_ascii_case("CONDSTORE") && on("QRESYNC"))
    }

    /// True once the server confirmed `IMAP4rev2` in an `ENABLED` response (RFC 9051
    /// §6.3.1): the session follows IMAP4rev2's rules. SEARCH answers come as ESEARCH and
    /// are read as such, there is no `\Recent` (the RECENT search keys, STATUS RECENT and
    /// the `\Recent` flag are refused before sending), mailbox names and quoted strings
    /// are UTF-8. Never assumed from the request or its `OK` alone: a server that
    /// advertises IMAP4rev2 starts in IMAP4rev1 until it confirms.
    pub fn rev2(&self) -> bool {
        self.is_enabled("IMAP4REV2")
    }

    /// True once the server confirmed `UTF8=ACCEPT` in an `ENABLED` response (RFC 6855
    /// §3): mailbox names and quoted strings are UTF-8 both ways, SEARCH carries no
    /// CHARSET, and an APPEND may carry a message with UTF-8 headers
    /// ([`AppendMessage::utf8`](crate::build::AppendMessage::utf8)). Never assumed from
    /// the request or its `OK` alone.
    pub fn utf8_accepted(&self) -> bool {
        self.is_enabled("UTF8=ACCEPT")
    }

    /// imaplib's `utf8_enabled`: mailbox names and quoted strings go out (and are read)
    /// as UTF-8 rather than modified UTF-7, and SEARCH carries no CHARSET. True after
    /// imaplib's `enable("UTF8=ACCEPT")` was answered `OK` (imaplib's rule, kept for
    /// its users: the `OK` alone switches it), and once the server confirmed
    /// `UTF8=ACCEPT` or `IMAP4rev2` ([`utf8_accepted`](Self::utf8_accepted),
    /// [`rev2`](Self::rev2)).
    pub fn utf8_enabled(&self) -> bool {
        self.utf8 || self.utf8_accepted() || self.rev2()
    }

    /// The 4-letter tag prefix (imaplib's `tagpre`).
    pub fn tag_prefix(&self) -> &[u8] {
        &self.tagpre
    }

    /// True once the greeting was accepted and capabilities are known.
    pub fn is_connected(&self) -> bool {
        self.protocol_version.is_some()
    }

    /// True when the transport is encrypted or trusted.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// Sets the channel-binding data of the connection's TLS session (RFC 5056), which
    /// [`Authenticator`](crate::Authenticator)s such as SCRAM's `-PLUS` mechanisms bind
    /// to. A client calls it when a TLS handshake completes — before the greeting for
    /// implicit TLS, or with [`Connection::tls_established`] after STARTTLS — with what
    /// it could compute (`tls::channel_binding` for a rustls session); `None` without TLS.
    /// The core keeps only these bytes, never a TLS object.
    pub fn set_channel_binding(&mut self, binding: Option<ChannelBinding>) {
        self.channel_binding = binding.filter(|b| !b.is_empty());
    }

    /// The channel-binding data of the connection's TLS session, if the client gave some.
    pub fn channel_binding(&self) -> Option<&ChannelBinding> {
        self.channel_binding.as_ref()
    }

    /// True once COMPRESS=DEFLATE is on ([`Connection::compression_established`]).
    pub fn is_compressed(&self) -> bool {
        self.compressed
    }

    /// The fatal error, once the connection failed.
    pub fn fatal_error(&self) -> Option<&Error> {
        match &self.phase {
            Phase::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// True after LOGOUT completed or a fatal error: the transport can be closed.
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::LoggedOut | Phase::Failed(_))
    }

    fn is_failed(&self) -> bool {
        matches!(self.phase, Phase::Failed(_))
    }

    /// The tag a pending command was sent with (e.g. `"BCDE3"`), for logs and spans.
    pub fn command_tag(&self, id: CommandId) -> Option<String> {
        let (tag, _) = self.jobs.iter().find(|(_, j)| j.id == Some(id))?;
        Some(String::from_utf8_lossy(&self.tag_bytes(*tag)).into_owned())
    }

    /// Number of submitted commands not yet completed.
    pub fn pending(&self) -> usize {
        self.jobs.values().filter(|j| j.id.is_some()).count()
    }

    /// imaplib's `literal` attribute (`M.literal = b'…'`): the next command sends these
    /// bytes as a literal after its arguments, then forgets them (`None` forgets them now).
    /// The documented way to search 8-bit text:
    ///
    /// ```
    /// use imaplib_proto::{Command, Connection, Options, Output};
    ///
    /// let mut conn = Connection::new(Options::new(0x1234));
    /// conn.feed(b"* OK [CAPABILITY IMAP4rev1] ready\r\n");
    /// # assert!(matches!(conn.poll_output(), Some(Output::Connected)));
    /// # conn.submit(Command::login("alice", "secret")?)?;
    /// # conn.feed(b"BCDE0 OK [CAPABILITY IMAP4rev1] done\r\n");
    /// # conn.submit(Command::select("INBOX", false)?)?;
    /// # conn.feed(b"BCDE1 OK [READ-WRITE] done\r\n");
    /// # while conn.poll_output().is_some() {}
    /// // Logged in, INBOX selected:
    /// // M.literal = 'Grüße'.encode(); M.search('UTF-8', 'SUBJECT')
    /// conn.set_literal(Some("Grüße".as_bytes().to_vec()))?;
    /// conn.submit(Command::search(Some("UTF-8"), &["SUBJECT"])?)?;
    /// let Some(Output::Send(out)) = conn.poll_output() else { panic!() };
    /// assert_eq!(out.bytes, b"BCDE2 SEARCH CHARSET UTF-8 SUBJECT {7}\r\n");
    /// assert_eq!(conn.literal(), None, "one-shot");
    /// // The literal follows the server's `+` (at once with LITERAL+: `{7+}`).
    /// conn.feed(b"+ go ahead\r\n");
    /// let Some(Output::Send(out)) = conn.poll_output() else { panic!() };
    /// assert_eq!(out.bytes, "Grüße\r\n".as_bytes());
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    ///
    /// As in imaplib, a command refused by the state table clears it, and one that fails
    /// before it is sent for another reason (a missing capability, a READ-ONLY mailbox)
    /// leaves it for the next one; APPEND and AUTHENTICATE send their own literals and
    /// discard it, as imaplib's methods overwrite the attribute. Unlike imaplib, it is a
    /// plain literal in UTF-8 mode too (imaplib's `UTF8 (~{N} … )` is APPEND's syntax only),
    /// and bytes only (imaplib also takes an authenticator callable: see
    /// [`Command::authenticate`](crate::Command::authenticate)). NUL cannot be sent in a
    /// literal and is refused here.
    pub fn set_literal(&mut self, literal: Option<Vec<u8>>) -> Result<()> {
        if let Some(l) = &literal {
            crate::encode::no_nul("the literal", l)?;
        }
        self.literal = literal;
        Ok(())
    }

    /// The literal the next command sends ([`Connection::set_literal`]).
    pub fn literal(&self) -> Option<&[u8]> {
        self.literal.as_deref()
    }

    /// imaplib's `debug` level (0–5): the levels it covers are logged at `info`.
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
        if let Some(out) = self.direct.divert(out) {
            self.outputs.push_back(out);
        }
    }

    fn emit_send(&mut self, out: Outgoing) {
        push_send(&mut self.outputs, self.opts.debug, out);
    }

    fn complete(&mut self, id: Option<CommandId>, result: Result<Reply>) {
        match (id, result) {
            (Some(id), result) => {
                match &result {
                    Ok(r) => trace::note!(self.opts.debug, 1, "{id} completed: {}", r.typ),
                    Err(e) => trace::note!(self.opts.debug, 1, "{id} failed: {e}"),
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
        if self.is_failed() {
            return;
        }
        crate::trace::note!(self.opts.debug, 1, "connection failed: {err}");
        self.sendq.clear();
        self.streaming = None;
        let jobs = std::mem::take(&mut self.jobs);
        for (_, job) in jobs {
            if job.is_deselect() {
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
        self.outputs
            .retain(|o| !matches!(o, Output::StartTls { .. } | Output::StartCompression { .. }));
        self.early = Vec::new();
        self.phase = Phase::Failed(err.clone());
        self.emit(Output::Error(err));
    }

    /// imaplib's re-raise of an error met while waiting for a command.
    fn wrap(name: &str, err: &Error) -> Error {
        err.in_command(name)
    }

    /// The transport reached end of stream.
    pub fn feed_eof(&mut self) {
        match self.phase {
            // LOGOUT already completed on BYE; a missing tagged OK is normal.
            Phase::Failed(_) | Phase::LoggedOut => return,
            _ => {}
        }
        let at = match self.phase {
            Phase::AwaitingGreeting => ClosedAt::BeforeGreeting,
            _ if self.framer.is_idle() => ClosedAt::BetweenResponses,
            _ => ClosedAt::InResponse,
        };
        let err = if self.framer.is_idle() {
            Error::abort(Reason::Closed { at }, "socket error: EOF")
        } else {
            Error::abort(
                Reason::Closed { at },
                "socket error: EOF in the middle of a response (unterminated line or literal)",
            )
        };
        self.fail(err);
    }

    /// The transport failed (or timed out): pending commands complete with this error.
    pub fn transport_error(&mut self, err: Error) {
        self.fail(err);
    }
}

/// Queues bytes to send, joined to the previous output when that is a send too.
fn push_send(outputs: &mut VecDeque<Output>, debug: u8, out: Outgoing) {
    trace::sent(debug, &out);
    if let Some(Output::Send(prev)) = outputs.back_mut() {
        prev.append(out);
    } else {
        outputs.push_back(Output::Send(out));
    }
}
