//! The blocking client: a loop that moves bytes between a transport and the core.

use std::collections::{HashMap, VecDeque};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use std::io::{Read, Write};

use imaplib_proto::sink::SinkDriver;
use imaplib_proto::{
    Cause, Command, CommandId, Config, Connection, DateInput, Error, IntoSequenceSet, LiteralSink,
    Output, Reply, Result, Text, WriteSink,
};

use crate::transport::{self, Io, Process, Transport, READ_CHUNK};

/// How long [`Drop`] waits for the server to answer a farewell LOGOUT.
const DROP_LOGOUT_TIMEOUT: Duration = Duration::from_secs(2);

/// A blocking IMAP4rev1 client with imaplib's methods and results.
///
/// Every method returns imaplib's `(typ, data)` as a [`Reply`], or an [`Error`] whose kind
/// is imaplib's `error`, `abort` or `readonly`.
///
/// ```no_run
/// use imaplib_blocking::Client;
/// let mut m = Client::connect_tls("imap.example.org", 993)?;
/// m.login("alice", "secret")?;
/// m.select("INBOX", false)?;
/// let found = m.search(None, &["UNSEEN"])?;
/// for num in found.lines().flat_map(|l| l.split(|b| *b == b' ')).filter(|n| !n.is_empty()) {
///     let msg = m.fetch(std::str::from_utf8(num).unwrap_or("1"), "(RFC822)")?;
///     println!("{msg:?}");
/// }
/// m.logout()?;
/// # Ok::<(), imaplib_blocking::Error>(())
/// ```
pub struct Client {
    conn: Connection,
    transport: Transport,
    config: Config,
    host: String,
    port: Option<u16>,
    buf: Vec<u8>,
    /// Results of commands nobody is waiting for yet (pipelining).
    done: HashMap<CommandId, Result<Reply>>,
    /// IDLE: responses received and not yet iterated.
    idle_queue: VecDeque<Reply>,
    idle_started: Option<CommandId>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

impl Client {
    fn new(
        transport: Transport,
        config: Config,
        host: &str,
        port: Option<u16>,
        secure: bool,
    ) -> Self {
        Client {
            conn: Connection::new(config.options(secure)),
            transport,
            config,
            host: host.to_string(),
            port,
            buf: vec![0; READ_CHUNK],
            done: HashMap::new(),
            idle_queue: VecDeque::new(),
            idle_started: None,
        }
    }

    /// imaplib's `IMAP4(host, port)` with default settings: plain TCP, port 143 by
    /// convention (`""` means localhost).
    pub fn connect(host: &str, port: u16) -> Result<Client> {
        Self::connect_with(host, port, &Config::default())
    }

    /// `IMAP4(host, port)` with settings; with `config.require_tls`, STARTTLS follows the
    /// greeting and its failure is an error before any credential is sent.
    pub fn connect_with(host: &str, port: u16, config: &Config) -> Result<Client> {
        config.check()?;
        let sock = transport::tcp_connect(host, port, config.timeout)?;
        let mut client = Self::new(
            Transport::new(Io::Tcp(sock)),
            config.clone(),
            host,
            Some(port),
            false,
        );
        client.greet()?;
        if config.require_tls {
            client.starttls()?;
        }
        Ok(client)
    }

    /// imaplib's `IMAP4_SSL(host, port)`: implicit TLS (port 993 by convention), verified.
    pub fn connect_tls(host: &str, port: u16) -> Result<Client> {
        Self::connect_tls_with(host, port, &Config::default())
    }

    /// `IMAP4_SSL(host, port, ssl_context=…)`: implicit TLS with settings.
    pub fn connect_tls_with(host: &str, port: u16, config: &Config) -> Result<Client> {
        config.check()?;
        let sock = transport::tcp_connect(host, port, config.timeout)?;
        let name = config.server_name(host);
        let tls = transport::tls_handshake(sock, config.tls_config()?, name, config.timeout)?;
        let mut client = Self::new(
            Transport::new(Io::Tls(Box::new(tls))),
            config.clone(),
            host,
            Some(port),
            true,
        );
        client.greet()?;
        Ok(client)
    }

    /// Plain TCP, then STARTTLS, required: the secure way to use port 143.
    pub fn connect_starttls(host: &str, port: u16, config: &Config) -> Result<Client> {
        let mut config = config.clone();
        config.require_tls = true;
        Self::connect_with(host, port, &config)
    }

    /// imaplib's `IMAP4_stream(command)`: runs `command` with `sh -c` and speaks IMAP over
    /// its stdin and stdout (e.g. Dovecot's pre-authenticated `imap` binary). The pipe is
    /// trusted as a secure local transport. The child is reaped on shutdown.
    pub fn connect_stream(command: &str) -> Result<Client> {
        Self::connect_stream_with(command, &Config::default())
    }

    /// `IMAP4_stream(command)` with settings.
    pub fn connect_stream_with(command: &str, config: &Config) -> Result<Client> {
        config.check()?;
        Self::over_process(Process::spawn(command)?, config)
    }

    /// Like [`Client::connect_stream`], for a program and arguments given without a shell
    /// (no quoting to get wrong). Its stdin and stdout are replaced by pipes.
    pub fn connect_process(command: std::process::Command, config: &Config) -> Result<Client> {
        config.check()?;
        Self::over_process(Process::spawn_command(command)?, config)
    }

    fn over_process(process: Process, config: &Config) -> Result<Client> {
        let mut client = Self::new(
            Transport::new(Io::Process(Box::new(process))),
            config.clone(),
            "",
            None,
            true,
        );
        client.greet()?;
        Ok(client)
    }

    /// Waits for the greeting and the capabilities.
    fn greet(&mut self) -> Result<()> {
        loop {
            self.process_outputs(None);
            if self.conn.is_connected() {
                return Ok(());
            }
            if let Some(e) = self.conn.fatal_error() {
                let e = e.duplicate();
                self.transport.shutdown();
                return Err(e);
            }
            self.read_more(self.config.timeout);
        }
    }

    /// The core connection (state, capabilities, untagged store, diagnostics).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The core connection, mutable.
    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The host dialled (`""` for IMAP4_stream).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port dialled (`None` for IMAP4_stream).
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The settings this client was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// The TCP socket (imaplib's `socket()`); `None` for IMAP4_stream.
    pub fn socket(&self) -> Option<&TcpStream> {
        self.transport.socket()
    }

    /// Closes the transport without LOGOUT (imaplib's `shutdown()`).
    pub fn shutdown(&mut self) {
        self.transport.shutdown();
    }

    /// Sends raw bytes (imaplib's `send()`). They bypass the protocol engine: anything but
    /// a complete, well-formed command desynchronises the session.
    pub fn send(&mut self, data: &[u8]) -> Result<()> {
        self.transport.write_all(data).map_err(Error::io)
    }

    /// Reads up to `size` raw bytes from the server (imaplib's `read()`), bypassing the
    /// protocol engine.
    pub fn read(&mut self, size: usize) -> Result<Vec<u8>> {
        let mut out = vec![0; size];
        let mut got = 0;
        while got < size {
            match self.transport.read(&mut out[got..], self.config.timeout) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) => return Err(Error::io(e)),
            }
        }
        out.truncate(got);
        Ok(out)
    }

    /// Reads one raw line, CRLF included (imaplib's `readline()`), bypassing the protocol
    /// engine; at most the configured line limit.
    pub fn readline(&mut self) -> Result<Vec<u8>> {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while !line.ends_with(b"\n") {
            if line.len() >= self.config.limits.max_line {
                return Err(Error::error(
                    Cause::Limit,
                    format!("got more than {} bytes", self.config.limits.max_line),
                ));
            }
            match self.transport.read(&mut byte, self.config.timeout) {
                Ok(0) => break,
                Ok(_) => line.push(byte[0]),
                Err(e) => return Err(Error::io(e)),
            }
        }
        Ok(line)
    }

    /// Submits a command without waiting (pipelining); collect it with [`Client::wait`].
    pub fn submit(&mut self, cmd: Command) -> Result<CommandId> {
        let id = self.conn.submit(cmd)?;
        self.process_outputs(None);
        Ok(id)
    }

    /// Waits for a submitted command's result.
    pub fn wait(&mut self, id: CommandId) -> Result<Reply> {
        loop {
            if let Some(result) = self.done.remove(&id) {
                return result;
            }
            if let Some(result) = self.process_outputs(Some(id)) {
                return result;
            }
            if let Some(e) = self.conn.fatal_error() {
                return Err(e.duplicate());
            }
            self.read_more(self.config.timeout);
        }
    }

    /// Runs one command to completion.
    pub fn run(&mut self, cmd: Command) -> Result<Reply> {
        let id = self.conn.submit(cmd)?;
        self.wait(id)
    }

    /// Moves outputs of the core: writes bytes, upgrades TLS, files results. Returns the
    /// result of `want` if it completed.
    fn process_outputs(&mut self, want: Option<CommandId>) -> Option<Result<Reply>> {
        self.process_outputs_with(want, &mut Streams::default())
    }

    /// [`Client::process_outputs`], passing streamed literals to a sink and writing
    /// streamed APPEND messages from a reader.
    fn process_outputs_with(
        &mut self,
        want: Option<CommandId>,
        io: &mut Streams<'_>,
    ) -> Option<Result<Reply>> {
        let mut found = None;
        while let Some(out) = self.conn.poll_output() {
            let out = match io.sink.as_deref_mut() {
                Some(sink) => match io.driver.handle(sink, out) {
                    Some(out) => out,
                    None => continue,
                },
                None => out,
            };
            match out {
                Output::Send(o) => {
                    if let Err(e) = self.transport.write_all(&o.bytes) {
                        self.conn.transport_error(Error::io(e));
                    }
                }
                Output::Completed { id, result } => {
                    if Some(id) == want && found.is_none() {
                        found = Some(result);
                    } else {
                        self.done.insert(id, result);
                    }
                }
                Output::StartTls { .. } => {
                    let upgraded = self.config.tls_config().and_then(|cfg| {
                        let name = self.config.server_name(&self.host).to_string();
                        self.transport.upgrade(cfg, &name, self.config.timeout)
                    });
                    match upgraded {
                        Ok(()) => {
                            let _ = self.conn.tls_established();
                        }
                        Err(e) => self.conn.transport_error(e),
                    }
                }
                Output::SendLiteral { id, len } => match io.reader.as_deref_mut() {
                    Some(reader) => match self.copy_literal(reader, len) {
                        Ok(()) => {
                            let _ = self.conn.literal_written(id);
                        }
                        // The server expects bytes that will never come: the session
                        // cannot continue.
                        Err(e) => self.conn.transport_error(e),
                    },
                    None => self.conn.transport_error(Error::abort(
                        Cause::Argument,
                        "a streamed APPEND needs a reader",
                    )),
                },
                Output::IdleStarted { id } => self.idle_started = Some(id),
                Output::Unsolicited(r) => self.idle_queue.push_back(r),
                // Streamed literals nobody asked for are dropped.
                Output::LiteralStart { .. }
                | Output::LiteralData { .. }
                | Output::LiteralEnd { .. } => {}
                // Connected, Error (reported through fatal_error), and future variants.
                _ => {}
            }
        }
        found
    }

    /// Copies exactly `len` bytes from `reader` to the server, a chunk at a time.
    fn copy_literal(&mut self, reader: &mut dyn Read, len: u64) -> Result<()> {
        let mut left = len;
        let mut chunk = vec![0u8; READ_CHUNK.min(len as usize).max(1)];
        while left > 0 {
            let want = chunk.len().min(left as usize);
            let n = match reader.read(&mut chunk[..want]) {
                Ok(0) => {
                    return Err(Error::abort(
                        Cause::Argument,
                        format!(
                            "the message reader ended after {} of {len} bytes",
                            len - left
                        ),
                    ))
                }
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(
                        Error::abort(Cause::Io, format!("reading the message: {e}")).with_source(e)
                    )
                }
            };
            self.transport.write_all(&chunk[..n]).map_err(Error::io)?;
            left -= n as u64;
        }
        Ok(())
    }

    /// Runs a command whose literals stream to `sink` or come from `reader`.
    fn run_streams(&mut self, cmd: Command, mut io: Streams<'_>) -> Result<Reply> {
        let id = self.conn.submit(cmd)?;
        let result = loop {
            if let Some(result) = self.process_outputs_with(Some(id), &mut io) {
                break result;
            }
            if let Some(e) = self.conn.fatal_error() {
                break Err(e.duplicate());
            }
            self.read_more_with(self.config.timeout, &mut io);
        };
        io.driver.finish(result)
    }

    /// `FETCH set (parts)` with the message bodies (every literal) streamed to `sink` as
    /// they arrive: memory stays bounded whatever their size. The result keeps imaplib's
    /// shape with the literals left empty.
    pub fn fetch_stream(
        &mut self,
        set: impl IntoSequenceSet,
        parts: &str,
        sink: &mut dyn LiteralSink,
    ) -> Result<Reply> {
        let cmd = Command::fetch(set, parts)?.stream_literals();
        self.run_streams(cmd, Streams::sink(sink))
    }

    /// `UID FETCH` with the literals streamed to `sink`.
    pub fn uid_fetch_stream(
        &mut self,
        set: impl IntoSequenceSet,
        parts: &str,
        sink: &mut dyn LiteralSink,
    ) -> Result<Reply> {
        let cmd = Command::uid_fetch(set, parts)?.stream_literals();
        self.run_streams(cmd, Streams::sink(sink))
    }

    /// `FETCH` with every literal written, back to back, to `writer`.
    pub fn fetch_to(
        &mut self,
        set: impl IntoSequenceSet,
        parts: &str,
        writer: &mut dyn Write,
    ) -> Result<Reply> {
        self.fetch_stream(set, parts, &mut WriteSink(writer))
    }

    /// `APPEND` of a message of `len` bytes read from `reader` as it is sent (memory stays
    /// bounded; no line-ending translation). A reader that ends early aborts the
    /// connection, as the server is then owed bytes that will not come.
    pub fn append_from<'a>(
        &mut self,
        mailbox: Option<Text<'a>>,
        flags: Option<&str>,
        date_time: Option<DateInput<'_>>,
        reader: &mut dyn Read,
        len: u64,
    ) -> Result<Reply> {
        let cmd = Command::append_stream(mailbox, flags, date_time, len)?;
        self.run_streams(
            cmd,
            Streams {
                reader: Some(reader),
                ..Streams::default()
            },
        )
    }

    /// Reads once from the transport (waiting at most `timeout`) and feeds the core. Errors
    /// and timeouts abort the connection.
    fn read_more(&mut self, timeout: Option<Duration>) {
        self.read_more_with(timeout, &mut Streams::default());
    }

    /// [`Client::read_more`]; with a sink in `io`, streamed literals go to it straight from
    /// the read buffer (`feed_into`).
    fn read_more_with(&mut self, timeout: Option<Duration>, io: &mut Streams<'_>) {
        match self.transport.read(&mut self.buf, timeout) {
            Ok(0) => self.conn.feed_eof(),
            Ok(n) => match io.sink.as_deref_mut() {
                Some(sink) => io.driver.feed(&mut self.conn, &self.buf[..n], sink),
                None => self.conn.feed(&self.buf[..n]),
            },
            Err(e) => self.conn.transport_error(Error::io(e)),
        }
    }

    /// Reads once for IDLE: a timeout just means nothing arrived (`Ok(false)`).
    fn read_idle(&mut self, timeout: Option<Duration>) -> bool {
        match self.transport.read(&mut self.buf, timeout) {
            Ok(0) => {
                self.conn.feed_eof();
                true
            }
            Ok(n) => {
                self.conn.feed(&self.buf[..n]);
                true
            }
            Err(e)
                if e.kind() == std::io::ErrorKind::TimedOut
                    || e.kind() == std::io::ErrorKind::WouldBlock =>
            {
                false
            }
            Err(e) => {
                self.conn.transport_error(Error::io(e));
                true
            }
        }
    }

    /// imaplib's `idle(duration)`: starts IDLE and returns an iterator over the untagged
    /// responses the server sends, ending after `duration` (if given). Leaving (drop or
    /// [`Idler::done`]) sends DONE; responses not iterated stay in the untagged store.
    pub fn idle(&mut self, duration: Option<Duration>) -> Result<Idler<'_>> {
        let id = self.conn.submit(Command::idle())?;
        let deadline = duration.map(|d| Instant::now() + d);
        self.idle_queue.clear();
        self.idle_started = None;
        loop {
            if let Some(result) = self.process_outputs(Some(id)) {
                // Refused (tagged NO) or failed before the continuation.
                result?;
                return Err(Error::abort(
                    Cause::Protocol,
                    "IDLE ended before it started",
                ));
            }
            if self.idle_started == Some(id) {
                return Ok(Idler {
                    client: self,
                    id,
                    deadline,
                    ended: None,
                    left: false,
                });
            }
            if let Some(e) = self.conn.fatal_error() {
                return Err(e.duplicate());
            }
            self.read_more(self.config.timeout);
        }
    }

    imaplib_proto::imaplib_methods!();
}

impl Drop for Client {
    fn drop(&mut self) {
        // imaplib's context manager logs out on exit; do the same, briefly and quietly.
        if !self.transport.is_closed()
            && self.conn.is_connected()
            && !self.conn.is_closed()
            && self.conn.state() != imaplib_proto::State::Logout
        {
            self.config.timeout = Some(
                self.config
                    .timeout
                    .map_or(DROP_LOGOUT_TIMEOUT, |t| t.min(DROP_LOGOUT_TIMEOUT)),
            );
            if let Ok(id) = self.conn.submit(Command::logout()) {
                let _ = self.wait(id);
            }
        }
        self.transport.shutdown();
    }
}

/// The streaming ends of a command in flight.
#[derive(Default)]
struct Streams<'a> {
    sink: Option<&'a mut dyn LiteralSink>,
    reader: Option<&'a mut dyn Read>,
    driver: SinkDriver,
}

impl<'a> Streams<'a> {
    fn sink(sink: &'a mut dyn LiteralSink) -> Self {
        Streams {
            sink: Some(sink),
            ..Streams::default()
        }
    }
}

/// An IDLE session; iterate for `(TYPE, [data])` responses as imaplib's `Idler` yields them.
pub struct Idler<'a> {
    client: &'a mut Client,
    id: CommandId,
    deadline: Option<Instant>,
    /// The IDLE command's result, when the server ended IDLE on its own.
    ended: Option<Result<Reply>>,
    /// DONE was sent (or the IDLE is over).
    left: bool,
}

impl std::fmt::Debug for Idler<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idler")
            .field("id", &self.id)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl Idler<'_> {
    /// Time left before the deadline: `None` when it has passed, `Some(None)` without one.
    fn remaining(&self) -> Option<Option<Duration>> {
        match self.deadline {
            None => Some(None),
            Some(d) => {
                let now = Instant::now();
                (now < d).then(|| Some(d - now))
            }
        }
    }

    /// The next response, waiting at most `wait` (and never past the IDLE's deadline).
    fn next_within(&mut self, wait: Option<Duration>) -> Option<Result<Reply>> {
        loop {
            if let Some(r) = self.client.idle_queue.pop_front() {
                return Some(Ok(r));
            }
            if self.left || self.ended.is_some() {
                return None;
            }
            if let Some(result) = self.client.process_outputs(Some(self.id)) {
                // The server ended IDLE on its own (or the connection failed).
                let err = result.as_ref().err().map(Error::duplicate);
                self.ended = Some(result);
                if let Some(r) = self.client.idle_queue.pop_front() {
                    return Some(Ok(r));
                }
                return err.map(Err);
            }
            if let Some(r) = self.client.idle_queue.pop_front() {
                return Some(Ok(r));
            }
            let budget = self.remaining()?;
            let timeout = match (budget, wait) {
                (Some(b), Some(w)) => Some(b.min(w)),
                (b, w) => b.or(w),
            };
            if !self.client.read_idle(timeout) {
                return None;
            }
        }
    }

    /// imaplib's `burst(interval)`: the next response, then every response arriving
    /// within `interval` of the previous one.
    pub fn burst(&mut self, interval: Duration) -> Result<Vec<Reply>> {
        let mut out = Vec::new();
        match self.next_within(None) {
            None => return Ok(out),
            Some(r) => out.push(r?),
        }
        while let Some(r) = self.next_within(Some(interval)) {
            out.push(r?);
        }
        Ok(out)
    }

    /// Leaves IDLE: un-iterated responses go to the untagged store, `DONE` is sent, and
    /// the IDLE command's result is returned.
    pub fn done(mut self) -> Result<Reply> {
        self.finish()
    }

    fn finish(&mut self) -> Result<Reply> {
        if let Some(result) = self.ended.take() {
            self.left = true;
            return result;
        }
        if self.left {
            return Err(Error::error(Cause::State, "IDLE already left"));
        }
        self.left = true;
        while let Some(r) = self.client.idle_queue.pop_front() {
            self.client.conn.restore_unsolicited(r)?;
        }
        // Fails only when the IDLE already completed; its result is then waiting below.
        let _ = self.client.conn.idle_done(self.id);
        self.client.wait(self.id)
    }
}

impl Iterator for Idler<'_> {
    type Item = Result<Reply>;

    fn next(&mut self) -> Option<Result<Reply>> {
        self.next_within(None)
    }
}

impl Drop for Idler<'_> {
    fn drop(&mut self) {
        if !self.left {
            let _ = self.finish();
        }
    }
}
