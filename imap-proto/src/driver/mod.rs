//! The client driver: everything a client does that is not reading or writing bytes.
//!
//! [`Connection`] is the protocol; a client also has to route results to whoever waits for
//! them, run the IDLE lifecycle, pass streamed literals to a sink and APPEND messages from a
//! reader, know what happens to a command whose caller gave up, keep time, and say goodbye.
//! [`Driver`] does all of that, once, for every transport. It never reads a clock: every
//! call that needs the time takes `now`, and the steps it returns carry the deadline at
//! which it wants to be polled again (quinn-proto's `poll_timeout` / `handle_timeout`).
//!
//! A client (the blocking one, the async one, or an event loop of your own) is a loop that
//! asks the driver what to do for the task at hand and does it:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use imaplib_proto::driver::{Driver, Step, Timeouts};
//! use imaplib_proto::{Command, Options};
//!
//! let mut d = Driver::new(Options::new(0x1234), Timeouts::default());
//! let t0 = Instant::now();
//! // Nothing to write yet: wait for the greeting, at most 60 s of silence.
//! assert!(matches!(d.poll_connect(t0), Step::Read { deadline: Some(_) }));
//! d.feed(b"* OK [CAPABILITY IMAP4rev1] hi\r\n", t0);
//! assert!(matches!(d.poll_connect(t0), Step::Done(Ok(()))));
//!
//! let id = d.submit(Command::noop(), t0)?;
//! let Step::Write { .. } = d.poll_result(id, t0) else { panic!() };
//! assert_eq!(d.output(), b"BCDE0 NOOP\r\n");
//! d.wrote(12, t0);
//! d.feed(b"BCDE0 OK done\r\n", t0);
//! let Step::Done(reply) = d.poll_result(id, t0) else { panic!() };
//! assert_eq!(reply?.python_repr(), "('OK', [b'done'])");
//!
//! // Silence is a timeout, decided on the caller's clock.
//! let id = d.submit(Command::noop(), t0)?;
//! assert!(matches!(d.poll_result(id, t0), Step::Write { .. })); // the wait starts
//! d.wrote(d.output().len(), t0);
//! let later = t0 + Duration::from_secs(61);
//! let Step::Done(Err(e)) = d.poll_result(id, later) else { panic!() };
//! assert!(e.is_timeout() && e.is_abort());
//! # Ok::<(), imaplib_proto::Error>(())
//! ```
//!
//! # Timeouts
//!
//! All durations are in [`Timeouts`]; `None` disables one.
//!
//! * **Silence** ([`Timeouts::silence`], imaplib's `timeout`, 60 s by default): while a
//!   caller waits for the server — the greeting, a command's answer, IDLE's `+` or the
//!   answer to `DONE` — no byte arrived and no byte could be written for this long. Every
//!   byte received or written restarts it, and so does the start of each wait (a command
//!   submitted long ago and collected now gets the full time).
//! * **Command deadline** ([`Timeouts::command`], none by default): a command must complete
//!   within this time of its submission; untagged traffic does not extend it. IDLE is
//!   exempt (it lasts by design).
//! * **IDLE silence** ([`Timeouts::idle_silence`], none by default): while idling, no byte
//!   (updates, or keepalives such as Dovecot's `* OK Still here`) for this long.
//! * **IDLE keepalive** ([`Timeouts::idle_keepalive`], 25 minutes by default): IDLE has
//!   lasted this long, so `DONE` is sent and IDLE is issued again, before the 29-minute
//!   limit of RFC 2177 §3 after which servers may drop an idle client. Responses keep
//!   coming out of the iteration in between, and the answer to `DONE` is subject to the
//!   silence timeout, so a half-open connection is found within keepalive + silence.
//!
//! The first three are fatal: IMAP cannot cancel a command, so the connection fails with an
//! `abort` whose [`Reason`] is [`Reason::Timeout`] naming the [`Deadline`] and its duration
//! (the message names them too), and every pending command gets it. Ending
//! an IDLE iteration at its `duration` ([`Driver::poll_idle_event`]'s `until`) is not an
//! error. Time is only looked at when the driver is polled or
//! [`Driver::handle_timeout`] is called: nothing expires while nobody waits.
//!
//! # Abandoned tasks
//!
//! A task is what one poll method drives (a command's result, IDLE's start…). Polling a
//! different task while one is unfinished means its caller gave up (an async future was
//! dropped); the driver then applies one policy, whatever the transport:
//!
//! * a command's result is discarded when it arrives; the connection goes on;
//! * a streaming FETCH's literals go nowhere (the protocol stays in step);
//! * IDLE not yet accepted gets `DONE` as soon as the server's `+` arrives; IDLE accepted
//!   gets `DONE` at once; responses meanwhile go to the untagged store;
//! * a streamed APPEND whose message was not completely sent fails the connection (the
//!   server is owed bytes that will not come);
//! * a STARTTLS upgrade goes on with the next task (the adapter keeps the handshake), and
//!   so does stacking the COMPRESS=DEFLATE layer.
//!
//! [`Driver::farewell`] is the policy for a client dropped while connected: LOGOUT is
//! queued, its answer is not waited for.

use std::collections::{HashMap, HashSet};
use std::io;
use std::time::{Duration, Instant};

use crate::command::{Command, Kind};
use crate::error::{
    ArgumentProblem, Deadline, Error, Limit, Reason, Result, StateProblem, StreamFailure,
};
use crate::response::Reply;
use crate::session::{CommandId, Connection, Options, Output};
use crate::sink::{LiteralSink, SinkDriver, Spool};
use bytes::Bytes;

mod idle;
#[cfg(test)]
mod tests;

use idle::Idle;

/// Largest piece of a streamed APPEND message asked for at once.
pub const MESSAGE_CHUNK: usize = 64 * 1024;

/// How long a farewell LOGOUT may take to write (never to be answered).
pub const FAREWELL_WRITE: Duration = Duration::from_millis(100);

/// The driver's deadlines. See the [module documentation](self#timeouts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// No byte received or written for this long while waiting for the server. imaplib's
    /// `timeout`. Default 60 s.
    pub silence: Option<Duration>,
    /// A command must complete within this long of its submission, whatever untagged data
    /// arrives meanwhile. Default none.
    pub command: Option<Duration>,
    /// No byte for this long while idling. Default none.
    pub idle_silence: Option<Duration>,
    /// Re-issue IDLE after this long. Default 25 minutes (RFC 2177 asks for less than 29).
    pub idle_keepalive: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            silence: Some(Duration::from_secs(60)),
            command: None,
            idle_silence: None,
            idle_keepalive: Some(Duration::from_secs(25 * 60)),
        }
    }
}

/// What the transport should do next for the task being polled.
#[derive(Debug)]
#[must_use]
pub enum Step<T> {
    /// Write (a prefix of) [`Driver::output`] and report it with [`Driver::wrote`]. A write
    /// that cannot progress until `deadline` is left unfinished; poll again then.
    Write {
        /// When the silence timeout fires.
        deadline: Option<Instant>,
    },
    /// Read from the transport and pass what came to [`Driver::feed`] (or
    /// [`Driver::feed_into`] when a sink takes streamed literals), the end of the stream to
    /// [`Driver::feed_eof`], a failure to [`Driver::transport_error`]. Give up waiting at
    /// `deadline` and poll again.
    Read {
        /// When the driver next needs the clock.
        deadline: Option<Instant>,
    },
    /// Everything is written: upgrade the transport to TLS now, then call
    /// [`Driver::tls_established`] (or [`Driver::transport_error`]).
    StartTls,
    /// Everything is written and the server accepted `COMPRESS DEFLATE`: stack raw DEFLATE
    /// on the transport now (what is written from here on is compressed, with a sync flush
    /// after each write; what is read is decompressed), starting its input with the bytes
    /// [`Driver::compression_established`] returns (compressed data that arrived with the
    /// server's `OK`). Nothing may be read or written between this step and that call.
    StartCompression,
    /// A streamed APPEND wants its message: read at most `max` bytes from the caller's
    /// reader and pass them to [`Driver::message_data`] (the end of the reader to
    /// [`Driver::message_eof`], a failure to [`Driver::message_error`]).
    ReadMessage {
        /// Most bytes wanted now.
        max: usize,
    },
    /// The task is finished.
    Done(T),
}

/// The task being driven, to recognise an abandoned one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
    Connect,
    Result(CommandId),
    IdleStart,
    IdleEvent,
    Flush,
    Raw,
    Ready,
}

/// What a raw read (imaplib's `read()` / `readline()`, past the protocol engine) wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawRead {
    /// `size` bytes, fewer only at the end of the stream.
    Exactly(usize),
    /// One line, LF included, of at most `max` bytes.
    Line {
        /// The longest line accepted.
        max: usize,
    },
}

/// A submitted command the driver routes.
#[derive(Debug)]
struct InFlight {
    name: String,
    deadline: Option<Instant>,
    /// Feature `tracing`: the command's span, closed when it completes.
    #[cfg(feature = "tracing")]
    span: tracing::Span,
    #[cfg(feature = "tracing")]
    submitted: Instant,
}

/// What the transport carries besides commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transfer {
    None,
    /// STARTTLS was accepted: the transport must be upgraded once the output is written.
    Upgrade,
    /// COMPRESS was accepted: the transport must stack DEFLATE once the output is written.
    Compress,
    /// A streamed APPEND's message is being sent.
    Message {
        id: CommandId,
        left: u64,
        total: u64,
    },
}

/// The sans-IO client driver. See the [module documentation](self).
#[derive(Debug)]
pub struct Driver {
    conn: Connection,
    timeouts: Timeouts,
    /// Bytes to write, from `out_at` on.
    out: Vec<u8>,
    out_at: usize,
    /// Results nobody has collected yet.
    results: HashMap<CommandId, Result<Reply>>,
    /// Submitted commands not completed yet.
    in_flight: HashMap<CommandId, InFlight>,
    /// Commands whose results are discarded on arrival.
    abandoned: HashSet<CommandId>,
    /// The streaming FETCH in flight.
    streaming: Option<CommandId>,
    task: Option<Task>,
    /// When the current wait began, and the last byte in and out.
    wait_from: Option<Instant>,
    last_input: Option<Instant>,
    last_output: Option<Instant>,
    transfer: Transfer,
    idle: Idle,
    /// A farewell LOGOUT is being written.
    farewell_until: Option<Instant>,
    /// Bytes received for raw reads and not handed out yet; fed to the engine when an
    /// engine task comes.
    raw: Vec<u8>,
    raw_eof: bool,
}

impl Driver {
    /// A driver for a connection waiting for the server's greeting.
    pub fn new(options: Options, timeouts: Timeouts) -> Self {
        Driver {
            conn: Connection::new(options),
            timeouts,
            out: Vec::new(),
            out_at: 0,
            results: HashMap::new(),
            in_flight: HashMap::new(),
            abandoned: HashSet::new(),
            streaming: None,
            task: None,
            wait_from: None,
            last_input: None,
            last_output: None,
            transfer: Transfer::None,
            idle: Idle::default(),
            farewell_until: None,
            raw: Vec::new(),
            raw_eof: false,
        }
    }

    /// The protocol state machine (state, capabilities, untagged store, diagnostics).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The protocol state machine, mutable (for `response()`, the untagged store, the
    /// debug level). Submit commands through [`Driver::submit`]: the driver does not track
    /// commands submitted to the connection directly.
    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The deadlines in force.
    pub fn timeouts(&self) -> &Timeouts {
        &self.timeouts
    }

    /// The deadlines, to change; they apply from the next poll.
    pub fn timeouts_mut(&mut self) -> &mut Timeouts {
        &mut self.timeouts
    }

    // ----- bytes in and out ------------------------------------------------------------

    /// The bytes waiting to be written.
    pub fn output(&self) -> &[u8] {
        &self.out[self.out_at..]
    }

    /// `n` bytes of [`Driver::output`] were written.
    pub fn wrote(&mut self, n: usize, now: Instant) {
        self.out_at = (self.out_at + n).min(self.out.len());
        if self.out_at == self.out.len() {
            self.out.clear();
            self.out_at = 0;
        }
        if n > 0 {
            self.last_output = Some(now);
        }
    }

    /// Server bytes arrived. During a streaming FETCH without a sink (its caller gave up),
    /// its literals are dropped.
    pub fn feed(&mut self, data: &[u8], now: Instant) {
        self.last_input = Some(now);
        if self.task == Some(Task::Raw) {
            self.raw.extend_from_slice(data);
            return;
        }
        if self.streaming.is_some() {
            let _ = self.conn.feed_into(data, &mut crate::sink::Discard);
        } else {
            self.conn.feed(data);
        }
        self.drain(now);
    }

    /// Room for the next read from the transport, in the framer's own buffer
    /// ([`Connection::read_buf`]): read into it, then [`Driver::commit`] what arrived, so
    /// that lines and literals are framed where they were read, never copied.
    pub fn read_buf(&mut self) -> &mut [u8] {
        self.conn.read_buf()
    }

    /// The read into [`Driver::read_buf`] brought `n` bytes (a read of 0 bytes is the end
    /// of the stream: [`Driver::feed_eof`]). Processed as [`Driver::feed`] would.
    pub fn commit(&mut self, n: usize, now: Instant) {
        if n == 0 {
            return;
        }
        if self.task == Some(Task::Raw) || self.streaming.is_some() {
            let data = self.conn.commit_take(n);
            return self.feed(&data, now);
        }
        self.last_input = Some(now);
        self.conn.commit(n);
        self.drain(now);
    }

    /// The read into [`Driver::read_buf`] brought `n` bytes: returns them, taken out of the
    /// framer's buffer and not processed yet, for [`Driver::feed_into`].
    pub fn commit_take(&mut self, n: usize) -> Bytes {
        self.conn.commit_take(n)
    }

    /// Server bytes arrived, and the literals of the streaming FETCH in flight go to
    /// `sink` straight from `data` ([`Connection::feed_into`]). Returns the sink's error.
    pub fn feed_into(
        &mut self,
        data: &[u8],
        sink: &mut dyn LiteralSink,
        now: Instant,
    ) -> io::Result<()> {
        self.last_input = Some(now);
        let r = self.conn.feed_into(data, sink);
        self.drain(now);
        r
    }

    /// The transport reached the end of its stream.
    pub fn feed_eof(&mut self, now: Instant) {
        if self.task == Some(Task::Raw) {
            self.raw_eof = true;
            return;
        }
        self.conn.feed_eof();
        self.drain(now);
    }

    /// The transport failed: the connection is unusable and pending commands fail with
    /// `err`.
    pub fn transport_error(&mut self, err: Error, now: Instant) {
        self.transfer = Transfer::None;
        self.conn.transport_error(err);
        self.drain(now);
    }

    /// The transport is TLS now (after [`Step::StartTls`]).
    pub fn tls_established(&mut self, now: Instant) -> Result<()> {
        self.transfer = Transfer::None;
        let r = self.conn.tls_established();
        self.drain(now);
        r
    }

    /// The transport compresses now (after [`Step::StartCompression`]). Returns the bytes
    /// received after the server's `OK` and not read as IMAP: they are compressed, and the
    /// layer decompresses them before anything it reads ([`Connection::compression_established`]).
    pub fn compression_established(&mut self, now: Instant) -> Result<Vec<u8>> {
        let r = self.conn.compression_established();
        if r.is_ok() {
            self.transfer = Transfer::None;
        }
        self.drain(now);
        r
    }

    /// The next bytes of a streamed APPEND's message (after [`Step::ReadMessage`]).
    pub fn message_data(&mut self, data: &[u8], now: Instant) {
        let Transfer::Message { id, left, total } = self.transfer else {
            return;
        };
        let n = (data.len() as u64).min(left);
        self.out.extend_from_slice(&data[..n as usize]);
        let left = left - n;
        if left == 0 {
            self.transfer = Transfer::None;
            let _ = self.conn.literal_written(id);
            self.drain(now);
        } else {
            self.transfer = Transfer::Message { id, left, total };
        }
    }

    /// The caller's reader ended before the message did: the server is owed bytes that
    /// will not come, so the connection fails.
    pub fn message_eof(&mut self, now: Instant) {
        if let Transfer::Message { left, total, .. } = self.transfer {
            let sent = total - left;
            let err = Error::abort(
                Reason::Stream(StreamFailure::ReaderEnded { sent, total }),
                format!("the message reader ended after {sent} of {total} bytes"),
            );
            self.transport_error(err, now);
        }
    }

    /// Reading the caller's message failed: the connection fails.
    pub fn message_error(&mut self, err: io::Error, now: Instant) {
        let err = Error::abort(
            Reason::Stream(StreamFailure::Reader),
            format!("reading the message: {err}"),
        )
        .with_source(err);
        self.transport_error(err, now);
    }

    /// Moves the connection's outputs to where they belong.
    fn drain(&mut self, now: Instant) {
        while let Some(out) = self.conn.poll_output() {
            match out {
                Output::Send(o) => {
                    if self.out.is_empty() {
                        self.out_at = 0;
                    }
                    self.out.extend_from_slice(&o.bytes);
                }
                Output::Completed { id, result } => self.completed(id, result, now),
                Output::StartTls { .. } => self.transfer = Transfer::Upgrade,
                Output::StartCompression { .. } => self.transfer = Transfer::Compress,
                Output::SendLiteral { id, len } => {
                    self.transfer = Transfer::Message {
                        id,
                        left: len,
                        total: len,
                    };
                    if self.abandoned.contains(&id) {
                        self.abandon_message();
                    }
                }
                Output::IdleStarted { id } => self.idle.started(id, now),
                Output::Unsolicited(reply) => {
                    if let Some(reply) = self.idle.capture(reply) {
                        // Nobody iterates: the store keeps it, as imaplib does.
                        if let Err(e) = self.conn.restore_unsolicited(reply) {
                            self.conn.transport_error(e);
                        }
                    }
                }
                // Literals of a streaming FETCH fed without a sink go nowhere; the
                // connection's failure is read from `fatal_error`.
                _ => {}
            }
        }
    }

    fn completed(&mut self, id: CommandId, result: Result<Reply>, now: Instant) {
        let _flight = self.in_flight.remove(&id);
        #[cfg(feature = "tracing")]
        if let Some(f) = &_flight {
            let status = match &result {
                Ok(r) => r.typ.as_str(),
                Err(e) if e.is_abort() => "abort",
                Err(_) => "error",
            };
            f.span.record("status", status);
            let ms = now.saturating_duration_since(f.submitted).as_secs_f64() * 1e3;
            f.span.record("elapsed_ms", ms);
        }
        if self.streaming == Some(id) {
            self.streaming = None;
        }
        if let Transfer::Message { id: m, .. } = self.transfer {
            if m == id {
                self.transfer = Transfer::None;
            }
        }
        if let Some(again) = self.idle.completed(id, &result) {
            // A keepalive re-issue: IDLE goes again, transparently.
            match self.submit_idle(now) {
                Ok(new) => self.idle.reissued(again, new),
                Err(e) => self.idle_reissue_failed(again, e),
            }
            return;
        }
        if self.abandoned.remove(&id) {
            crate::trace::note!(self.conn.debug(), 1, "{id} result discarded (abandoned)");
            return;
        }
        self.results.insert(id, result);
    }

    // ----- submitting ------------------------------------------------------------------

    /// Submits a command (see [`Connection::submit`]); its result waits for
    /// [`Driver::poll_result`]. IDLE goes through [`Driver::idle_start`].
    pub fn submit(&mut self, cmd: Command, now: Instant) -> Result<CommandId> {
        if matches!(cmd.kind, Kind::Idle) {
            return Err(Error::error(
                Reason::argument("the command", ArgumentProblem::WrongMethod),
                "IDLE is started with idle(), which runs its lifecycle",
            ));
        }
        self.submit_tracked(cmd, now)
    }

    fn submit_tracked(&mut self, cmd: Command, now: Instant) -> Result<CommandId> {
        let name = cmd.name().to_string();
        let streams = cmd.streams_literals();
        let idle = matches!(cmd.kind, Kind::Idle);
        let id = self.conn.submit(cmd)?;
        let deadline = if idle {
            None
        } else {
            self.timeouts.command.map(|d| now + d)
        };
        #[cfg(feature = "tracing")]
        let span = tracing::debug_span!(
            "imap_command",
            id = %id,
            tag = self.conn.command_tag(id).unwrap_or_default(),
            command = name.as_str(),
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        self.in_flight.insert(
            id,
            InFlight {
                name,
                deadline,
                #[cfg(feature = "tracing")]
                span,
                #[cfg(feature = "tracing")]
                submitted: now,
            },
        );
        if streams {
            self.streaming = Some(id);
        }
        self.wait_from = Some(now);
        self.drain(now);
        Ok(id)
    }

    /// Submits a command and marks it abandoned at once: it runs, its result is dropped.
    pub fn submit_detached(&mut self, cmd: Command, now: Instant) -> Result<CommandId> {
        let id = self.submit(cmd, now)?;
        self.abandon_result(id);
        Ok(id)
    }

    // ----- tasks -----------------------------------------------------------------------

    /// Makes `task` the current one; a different unfinished one was abandoned.
    fn enter(&mut self, task: Task, now: Instant) {
        if self.task == Some(task) {
            return;
        }
        if let Some(old) = self.task.take() {
            self.abandon(old, now);
        }
        if task != Task::Raw && !self.raw.is_empty() {
            // Bytes a raw read did not take belong to the engine again.
            let raw = std::mem::take(&mut self.raw);
            self.feed(&raw, now);
        }
        if task != Task::Raw && std::mem::take(&mut self.raw_eof) {
            self.feed_eof(now);
        }
        self.task = Some(task);
        self.wait_from = Some(now);
        // Abandoning may have completed commands (or failed the connection).
        self.drain(now);
    }

    fn leave<T>(&mut self, value: T) -> Step<T> {
        self.task = None;
        Step::Done(value)
    }

    fn abandon(&mut self, task: Task, now: Instant) {
        crate::trace::note!(self.conn.debug(), 1, "task {task:?} abandoned");
        match task {
            Task::Result(id) => {
                if self.idle.command() == Some(id) {
                    self.idle_abandon(now);
                } else {
                    self.abandon_result(id);
                }
            }
            Task::IdleStart => self.idle_abandon(now),
            Task::Connect | Task::IdleEvent | Task::Flush | Task::Raw | Task::Ready => {}
        }
    }

    /// Drops `id`'s result, now or when it arrives.
    fn abandon_result(&mut self, id: CommandId) {
        if self.results.remove(&id).is_some() {
            return;
        }
        if self.in_flight.contains_key(&id) {
            self.abandoned.insert(id);
        }
        if matches!(self.transfer, Transfer::Message { id: m, .. } if m == id) {
            self.abandon_message();
        }
    }

    fn abandon_message(&mut self) {
        let (sent, total) = match self.transfer {
            Transfer::Message { left, total, .. } => (total - left, total),
            _ => (0, 0),
        };
        self.transfer = Transfer::None;
        self.conn.transport_error(Error::abort(
            Reason::Stream(StreamFailure::Abandoned { sent, total }),
            "a streamed APPEND was interrupted mid-message: the server is owed bytes that will not come",
        ));
    }

    /// What to do on the transport when the task is not done.
    fn io<T>(&mut self) -> Step<T> {
        if !self.output().is_empty() {
            return Step::Write {
                deadline: self.silence_deadline(),
            };
        }
        match self.transfer {
            Transfer::Upgrade => Step::StartTls,
            Transfer::Compress => Step::StartCompression,
            Transfer::Message { left, .. } => Step::ReadMessage {
                max: left.min(MESSAGE_CHUNK as u64) as usize,
            },
            Transfer::None => Step::Read {
                deadline: self.poll_timeout(),
            },
        }
    }

    /// The connection's fatal error, as a waiting task reports it.
    fn fatal(&self) -> Option<Error> {
        self.conn.fatal_error().cloned()
    }

    /// Drives the greeting until the connection is ready (capabilities known).
    pub fn poll_connect(&mut self, now: Instant) -> Step<Result<()>> {
        self.enter(Task::Connect, now);
        self.handle_timeout(now);
        if self.conn.is_connected() {
            return self.leave(Ok(()));
        }
        if let Some(e) = self.fatal() {
            return self.leave(Err(e));
        }
        self.io()
    }

    /// True while a STARTTLS upgrade or a COMPRESS layer waits to be put in place (its
    /// caller gave up before it was done): no command can be submitted until
    /// [`Driver::poll_ready`] completes it.
    pub fn is_upgrading(&self) -> bool {
        matches!(self.transfer, Transfer::Upgrade | Transfer::Compress)
    }

    /// True while a FETCH that streams its literals is in flight: a connection streams one
    /// at a time, so another waits for it ([`Driver::poll_ready_to_stream`]).
    pub fn is_streaming(&self) -> bool {
        self.streaming.is_some()
    }

    /// Drives what must happen before a command can be submitted: an upgrade (TLS or
    /// compression) whose caller gave up ([`Driver::is_upgrading`]).
    pub fn poll_ready(&mut self, now: Instant) -> Step<Result<()>> {
        self.poll_ready_for(false, now)
    }

    /// [`Driver::poll_ready`] for a command that streams its literals: also waits until the
    /// streaming FETCH in flight, if any, completes ([`Driver::is_streaming`]; when its
    /// caller gave up, its literals go nowhere meanwhile).
    pub fn poll_ready_to_stream(&mut self, now: Instant) -> Step<Result<()>> {
        self.poll_ready_for(true, now)
    }

    fn poll_ready_for(&mut self, streams: bool, now: Instant) -> Step<Result<()>> {
        self.enter(Task::Ready, now);
        self.handle_timeout(now);
        if let Some(e) = self.fatal() {
            return self.leave(Err(e));
        }
        if !(self.is_upgrading() || (streams && self.streaming.is_some())) {
            return self.leave(Ok(()));
        }
        self.io()
    }

    /// Drives command `id` until its result is there.
    pub fn poll_result(&mut self, id: CommandId, now: Instant) -> Step<Result<Reply>> {
        self.enter(Task::Result(id), now);
        self.handle_timeout(now);
        if let Some(result) = self.results.remove(&id) {
            if self.idle.command() == Some(id) {
                self.idle.clear();
            }
            return self.leave(result);
        }
        if !self.in_flight.contains_key(&id) {
            let e = match self.fatal() {
                Some(e) => e,
                None => Error::error(
                    Reason::State(StateProblem::NotPending),
                    format!("command {id} is not pending (never submitted, or collected)"),
                ),
            };
            return self.leave(Err(e));
        }
        self.io()
    }

    /// Writes every pending byte (a farewell, or commands submitted without waiting).
    pub fn poll_flush(&mut self, now: Instant) -> Step<()> {
        self.enter(Task::Flush, now);
        if self.output().is_empty() || self.conn.fatal_error().is_some() {
            return self.leave(());
        }
        if let Some(until) = self.farewell_until {
            if now >= until {
                return self.leave(());
            }
            return Step::Write {
                deadline: Some(until),
            };
        }
        self.handle_timeout(now);
        if self.conn.fatal_error().is_some() {
            return self.leave(());
        }
        Step::Write {
            deadline: self.silence_deadline(),
        }
    }

    /// Queues bytes to write as they are (imaplib's `send()`): they bypass the protocol
    /// engine, so anything but complete, well-formed commands desynchronises the session.
    /// [`Driver::poll_flush`] writes them.
    pub fn send_raw(&mut self, data: &[u8]) {
        self.out.extend_from_slice(data);
    }

    /// Reads server bytes past the protocol engine (imaplib's `read()` and `readline()`).
    /// Bytes received beyond what is asked for wait for the next raw read, or go to the
    /// engine when a command is driven next.
    pub fn poll_read_raw(&mut self, want: RawRead, now: Instant) -> Step<Result<Vec<u8>>> {
        self.enter(Task::Raw, now);
        if let Some(e) = self.fatal() {
            return self.leave(Err(e));
        }
        if !self.output().is_empty() {
            // A write that could not go out by the deadline ends the read (its step must not
            // carry a deadline that has passed: the caller would wait on it at once, again).
            if let Some(e) = self.silence_passed(now) {
                return self.leave(Err(e));
            }
            return Step::Write {
                deadline: self.silence_deadline(),
            };
        }
        let take = match want {
            RawRead::Exactly(n) => {
                (self.raw.len() >= n || self.raw_eof).then(|| n.min(self.raw.len()))
            }
            RawRead::Line { max } => match memchr::memchr(b'\n', &self.raw) {
                Some(i) if i < max => Some(i + 1),
                _ if self.raw.len() >= max => {
                    return self.leave(Err(Error::error(
                        Reason::LimitExceeded {
                            limit: Limit::Line,
                            value: self.raw.len() as u64,
                            bound: max as u64,
                        },
                        format!("got more than {max} bytes"),
                    )))
                }
                None if self.raw_eof => Some(self.raw.len()),
                _ => None,
            },
        };
        if let Some(n) = take {
            let rest = self.raw.split_off(n);
            let taken = std::mem::replace(&mut self.raw, rest);
            return self.leave(Ok(taken));
        }
        if let Some(e) = self.silence_passed(now) {
            return self.leave(Err(e));
        }
        Step::Read {
            deadline: self.silence_deadline(),
        }
    }

    /// The client is going away while connected: leaves IDLE, queues LOGOUT and drops its
    /// answer. True when there is something to write ([`Driver::poll_flush`], bounded by
    /// [`FAREWELL_WRITE`]); nothing is ever waited for.
    pub fn farewell(&mut self, now: Instant) -> bool {
        if !self.conn.is_connected()
            || self.conn.is_closed()
            || self.conn.state() == crate::State::Logout
            || matches!(
                self.transfer,
                Transfer::Upgrade | Transfer::Compress | Transfer::Message { .. }
            )
        {
            return false;
        }
        if self.idle.command().is_some() {
            self.idle_abandon(now);
        }
        let _ = self.submit_detached(Command::logout(), now);
        self.farewell_until = Some(now + FAREWELL_WRITE);
        !self.output().is_empty()
    }

    // ----- time ------------------------------------------------------------------------

    /// True when a caller waits for the server to say something.
    fn awaiting_server(&self) -> bool {
        if !self.conn.is_connected() {
            return true;
        }
        self.in_flight
            .keys()
            .any(|id| Some(*id) != self.idle.idling_command())
    }

    fn silence_deadline(&self) -> Option<Instant> {
        let t = self.timeouts.silence?;
        let from = [self.wait_from, self.last_input, self.last_output]
            .into_iter()
            .flatten()
            .max()?;
        Some(from + t)
    }

    /// When the driver next needs to look at the clock (for the deadlines that apply now),
    /// if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        let mut at = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        if self.conn.is_closed() {
            return None;
        }
        if self.awaiting_server() || !self.output().is_empty() {
            at(self.silence_deadline());
        }
        for f in self.in_flight.values() {
            at(f.deadline);
        }
        at(self.idle.deadline(&self.timeouts, self.last_input));
        next
    }

    /// Applies the deadlines that passed by `now`: a fatal timeout, or an IDLE keepalive
    /// re-issue. The poll methods call it; an event loop that only feeds may call it when
    /// [`Driver::poll_timeout`] says.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.conn.is_closed() {
            return;
        }
        if (self.awaiting_server() || !self.output().is_empty())
            && self.silence_passed(now).is_some()
        {
            return;
        }
        let late = self
            .in_flight
            .values()
            .filter(|f| f.deadline.is_some_and(|d| now >= d))
            .map(|f| f.name.clone())
            .next();
        if let (Some(name), Some(t)) = (late, self.timeouts.command) {
            let message = format!("timed out: {name} did not complete within {t:?}");
            return self.timed_out(Deadline::Command, t, message, now);
        }
        match self.idle.on_time(&self.timeouts, self.last_input, now) {
            idle::Due::Nothing => {}
            idle::Due::Renew(id) => {
                if self.conn.idle_renew(id).is_ok() {
                    self.idle.renewing(id);
                    self.wait_from = Some(now);
                    self.drain(now);
                }
            }
            idle::Due::Silent(t) => self.timed_out(
                Deadline::IdleSilence,
                t,
                format!("timed out: no data from the server during IDLE for {t:?}"),
                now,
            ),
        }
    }

    /// When the silence deadline has passed by `now`, fails the connection with a timeout
    /// (nothing written, or nothing read, for that long) and returns the error a waiting task
    /// reports; `None` otherwise.
    fn silence_passed(&mut self, now: Instant) -> Option<Error> {
        let (Some(t), Some(d)) = (self.timeouts.silence, self.silence_deadline()) else {
            return None;
        };
        if now < d {
            return None;
        }
        let what = if self.output().is_empty() {
            "no data from the server"
        } else {
            "could not write to the server"
        };
        self.timed_out(
            Deadline::Silence,
            t,
            format!("timed out: {what} for {t:?}"),
            now,
        );
        Some(
            self.fatal()
                .unwrap_or_else(|| Error::timeout(Deadline::Silence, t, "timed out")),
        )
    }

    fn timed_out(&mut self, deadline: Deadline, after: Duration, message: String, now: Instant) {
        crate::trace::note!(self.conn.debug(), 1, "{message}");
        self.transport_error(Error::timeout(deadline, after, message), now);
    }
}

/// Where a streaming FETCH's literals go while a client drives it: a sink, or a [`Spool`]
/// for a writer the client drives itself (an async writer), and the first error of either
/// (after which the literals are dropped, so that the protocol stays in step; the command
/// still completes, and the error becomes its result).
#[derive(Default)]
pub struct SinkSlot<'a> {
    sink: Option<Box<dyn LiteralSink + Send + 'a>>,
    spool: Option<Spool>,
    memory: SinkDriver,
}

impl std::fmt::Debug for SinkSlot<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SinkSlot")
            .field("sink", &self.sink.is_some())
            .field("spool", &self.spool)
            .field("ok", &self.memory.ok())
            .finish()
    }
}

impl<'a> SinkSlot<'a> {
    /// A slot holding `sink` (`&mut` of a sink is a sink too).
    pub fn new(sink: impl LiteralSink + Send + 'a) -> Self {
        SinkSlot {
            sink: Some(Box::new(sink)),
            ..SinkSlot::default()
        }
    }

    /// A slot keeping the literals in a [`Spool`], for a writer the caller drives: write
    /// [`SinkSlot::spool`]'s pieces out before the read buffer is reused.
    pub fn spooled() -> Self {
        SinkSlot {
            spool: Some(Spool::default()),
            ..SinkSlot::default()
        }
    }

    /// The spool, while its writer has not failed.
    pub fn spool(&mut self) -> Option<&mut Spool> {
        self.spool.as_mut().filter(|_| self.memory.ok())
    }

    /// The writer of the spool failed: remembered, and nothing more is spooled.
    pub fn fail(&mut self, err: io::Error) {
        self.memory.remember(err);
        if let Some(s) = self.spool.as_mut() {
            s.clear();
        }
    }

    /// Feeds server bytes to `driver`, the streamed literals to the sink (or the spool)
    /// straight from `data`, while neither has failed.
    pub fn feed(&mut self, driver: &mut Driver, data: &[u8], now: Instant) {
        let target: Option<&mut dyn LiteralSink> = match (&mut self.sink, &mut self.spool) {
            _ if !self.memory.ok() => None,
            (Some(sink), _) => Some(sink.as_mut()),
            (None, Some(spool)) => {
                spool.bind(data);
                Some(spool)
            }
            (None, None) => None,
        };
        match target {
            Some(sink) => {
                if let Err(e) = driver.feed_into(data, sink, now) {
                    self.memory.remember(e);
                }
            }
            None => driver.feed(data, now),
        }
    }

    /// The read into [`Driver::read_buf`] brought `n` bytes: fed as [`SinkSlot::feed`]
    /// feeds them. With a sink or a spool, returns the bytes fed (the spool's pieces point
    /// into them: keep them until the spool is written out); otherwise they are framed
    /// where they lie ([`Driver::commit`]) and nothing is returned.
    pub fn commit(&mut self, driver: &mut Driver, n: usize, now: Instant) -> Bytes {
        if n == 0 {
            return Bytes::new();
        }
        if self.memory.ok() && (self.sink.is_some() || self.spool.is_some()) {
            let data = driver.commit_take(n);
            self.feed(driver, &data, now);
            return data;
        }
        driver.commit(n, now);
        Bytes::new()
    }

    /// The command's result, or the first error of the sink or writer.
    pub fn finish(self, result: Result<Reply>) -> Result<Reply> {
        self.memory.finish(result)
    }
}

/// The earlier of two optional instants.
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
