//! The async client: a loop that moves bytes between a futures-io stream and the core.

use std::collections::{HashMap, VecDeque};
use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::{future, Stream};
use imaplib_proto::sink::SinkDriver;
use imaplib_proto::{
    Cause, Command, CommandId, Config, Connection, DateInput, Error, IntoSequenceSet, LiteralSink,
    Output, Reply, Result, Text,
};

use crate::transport::{self, with_timeout, BoxStream, Duplex, ProcessStream, Transport};

/// Size of each read from the stream.
const READ_CHUNK: usize = 64 * 1024;

/// What one I/O step did.
enum Step {
    /// Read this many bytes (0: end of stream).
    Read(usize),
    /// Wrote some bytes, nothing to read yet.
    Wrote,
    /// The pending output is written and a STARTTLS upgrade is due.
    Upgrade,
}

/// An async IMAP4rev1 client with imaplib's methods and results, generic over any
/// futures-io stream.
///
/// Every future it returns is cancellation-safe: dropping one leaves the connection usable
/// (the command still completes in the background and its result is discarded, bytes not
/// yet written are written before the next command) or, if the drop interrupted a TLS
/// upgrade, cleanly aborted.
///
/// ```no_run
/// # async fn demo() -> imaplib_async::Result<()> {
/// let mut m = imaplib_async::Client::connect_tls("imap.example.org", 993).await?;
/// m.login("alice", "secret").await?;
/// let r = m.select("INBOX", true).await?;
/// println!("{}", r.python_repr());
/// m.logout().await?;
/// # Ok(()) }
/// ```
pub struct Client<S: Duplex = BoxStream> {
    conn: Connection,
    transport: Transport<S>,
    config: Config,
    host: String,
    port: Option<u16>,
    /// Bytes produced by the engine and not yet written.
    out: Vec<u8>,
    out_at: usize,
    buf: Vec<u8>,
    /// Results of commands nobody is waiting for yet (pipelining).
    done: HashMap<CommandId, Result<Reply>>,
    /// The command `run` is waiting for (still set if that future was dropped).
    running: Option<CommandId>,
    idle_queue: VecDeque<Reply>,
    idle_started: Option<CommandId>,
    tls_pending: bool,
    /// The connection asks for a streamed APPEND message.
    literal_request: Option<(CommandId, u64)>,
    /// A streamed APPEND message is being written (still set if that future was dropped).
    literal_interrupted: bool,
    /// A streaming FETCH call consumes the literal events.
    streaming: bool,
    stream_events: VecDeque<Output>,
}

/// Where a streaming FETCH's literals go.
enum StreamSink<'a> {
    Callbacks(&'a mut dyn LiteralSink),
    Writer(&'a mut (dyn AsyncWrite + Unpin + Send), Option<io::Error>),
}

impl<S: Duplex> std::fmt::Debug for Client<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

impl Client<BoxStream> {
    /// imaplib's `IMAP4(host, port)` (plain TCP).
    #[cfg(any(feature = "smol", feature = "async-std"))]
    pub async fn connect(host: &str, port: u16) -> Result<Self> {
        Self::connect_with(host, port, &Config::default()).await
    }

    /// `IMAP4(host, port)` with settings; with `config.require_tls`, STARTTLS follows the
    /// greeting and its failure is an error before any credential is sent.
    #[cfg(any(feature = "smol", feature = "async-std"))]
    pub async fn connect_with(host: &str, port: u16, config: &Config) -> Result<Self> {
        config.check()?;
        let s = transport::tcp_connect(transport::Net::DEFAULT, host, port, config.timeout).await?;
        Self::plain_over(s, host, port, config).await
    }

    /// imaplib's `IMAP4_SSL(host, port)`: implicit TLS, verified.
    #[cfg(any(feature = "smol", feature = "async-std"))]
    pub async fn connect_tls(host: &str, port: u16) -> Result<Self> {
        Self::connect_tls_with(host, port, &Config::default()).await
    }

    /// `IMAP4_SSL(host, port, ssl_context=…)`.
    #[cfg(any(feature = "smol", feature = "async-std"))]
    pub async fn connect_tls_with(host: &str, port: u16, config: &Config) -> Result<Self> {
        config.check()?;
        let s = transport::tcp_connect(transport::Net::DEFAULT, host, port, config.timeout).await?;
        Self::tls_over(s, host, port, config).await
    }

    /// Plain TCP, then STARTTLS, required.
    #[cfg(any(feature = "smol", feature = "async-std"))]
    pub async fn connect_starttls(host: &str, port: u16, config: &Config) -> Result<Self> {
        let mut config = config.clone();
        config.require_tls = true;
        Self::connect_with(host, port, &config).await
    }

    /// imaplib's `IMAP4_stream(command)`: `sh -c command`, IMAP over its stdin/stdout (a
    /// trusted local transport).
    pub async fn connect_stream(command: &str) -> Result<Self> {
        Self::connect_stream_with(command, &Config::default()).await
    }

    /// `IMAP4_stream(command)` with settings.
    pub async fn connect_stream_with(command: &str, config: &Config) -> Result<Self> {
        config.check()?;
        Self::over_process(ProcessStream::spawn(command)?, config).await
    }

    /// Like [`Client::connect_stream`], for a program and arguments given without a shell.
    pub async fn connect_process(command: async_process::Command, config: &Config) -> Result<Self> {
        config.check()?;
        Self::over_process(ProcessStream::spawn_command(command)?, config).await
    }

    async fn over_process(process: ProcessStream, config: &Config) -> Result<Self> {
        let mut client = Client::new(
            Transport::Plain(Box::new(process) as BoxStream),
            config.clone(),
            "",
            None,
            true,
        );
        client.greet().await?;
        Ok(client)
    }

    #[cfg(any(feature = "smol", feature = "async-std"))]
    pub(crate) async fn plain_over(
        s: BoxStream,
        host: &str,
        port: u16,
        config: &Config,
    ) -> Result<Self> {
        let mut client = Client::new(Transport::Plain(s), config.clone(), host, Some(port), false);
        client.greet().await?;
        if config.require_tls {
            client.starttls().await?;
        }
        Ok(client)
    }

    #[cfg(any(feature = "smol", feature = "async-std"))]
    pub(crate) async fn tls_over(
        s: BoxStream,
        host: &str,
        port: u16,
        config: &Config,
    ) -> Result<Self> {
        let tls = transport::tls_handshake(
            s,
            config.tls_config()?,
            config.server_name(host),
            config.timeout,
        )
        .await?;
        let mut client = Client::new(
            Transport::Tls(Box::new(tls)),
            config.clone(),
            host,
            Some(port),
            true,
        );
        client.greet().await?;
        Ok(client)
    }
}

impl<S: Duplex> Client<S> {
    fn new(
        transport: Transport<S>,
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
            out: Vec::new(),
            out_at: 0,
            buf: vec![0; READ_CHUNK],
            done: HashMap::new(),
            running: None,
            idle_queue: VecDeque::new(),
            idle_started: None,
            tls_pending: false,
            literal_request: None,
            literal_interrupted: false,
            streaming: false,
            stream_events: VecDeque::new(),
        }
    }

    /// A client over a stream you connected yourself (any runtime; for tokio, wrap the
    /// socket with `tokio_util::compat`). `secure` says whether the stream is already
    /// encrypted or trusted; STARTTLS upgrades a plain stream in place.
    pub async fn from_stream(stream: S, host: &str, config: &Config, secure: bool) -> Result<Self> {
        config.check()?;
        let mut client = Client::new(Transport::Plain(stream), config.clone(), host, None, secure);
        client.greet().await?;
        if config.require_tls && !secure {
            client.starttls().await?;
        }
        Ok(client)
    }

    /// Implicit TLS over a stream you connected yourself; `host` is verified.
    pub async fn from_stream_tls(stream: S, host: &str, config: &Config) -> Result<Self> {
        config.check()?;
        let tls = transport::tls_handshake(
            stream,
            config.tls_config()?,
            config.server_name(host),
            config.timeout,
        )
        .await?;
        let mut client = Client::new(
            Transport::Tls(Box::new(tls)),
            config.clone(),
            host,
            None,
            true,
        );
        client.greet().await?;
        Ok(client)
    }

    async fn greet(&mut self) -> Result<()> {
        loop {
            self.process_outputs();
            if self.conn.is_connected() {
                return Ok(());
            }
            if let Some(e) = self.conn.fatal_error() {
                let e = e.duplicate();
                self.transport.close().await;
                return Err(e);
            }
            self.step(self.config.timeout).await;
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

    /// The host dialled (`""` for IMAP4_stream or a stream given to [`Client::from_stream`]).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port dialled, if known.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The underlying stream (below TLS).
    pub fn get_ref(&self) -> Option<&S> {
        self.transport.get_ref()
    }

    /// The underlying stream, mutable. Writing to it desynchronises the session.
    pub fn get_mut(&mut self) -> Option<&mut S> {
        self.transport.get_mut()
    }

    /// The settings this client was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// Closes the transport without LOGOUT (imaplib's `shutdown()`). A child process sees
    /// its stdin close; if it has not exited when the client is dropped, it is killed, and
    /// async-process reaps it.
    pub async fn shutdown(&mut self) {
        self.transport.close().await;
    }

    /// Submits a command without waiting (pipelining); collect it with [`Client::wait`].
    /// Its bytes go out with the next I/O.
    pub fn submit(&mut self, cmd: Command) -> Result<CommandId> {
        self.check_interrupted_literal();
        let id = self.conn.submit(cmd)?;
        self.process_outputs();
        Ok(id)
    }

    /// Waits for a submitted command's result.
    pub async fn wait(&mut self, id: CommandId) -> Result<Reply> {
        self.check_interrupted_literal();
        loop {
            self.process_outputs();
            if let Some(result) = self.done.remove(&id) {
                return result;
            }
            if let Some(e) = self.conn.fatal_error() {
                return Err(e.duplicate());
            }
            self.step(self.config.timeout).await;
        }
    }

    /// Runs one command to completion.
    pub async fn run(&mut self, cmd: Command) -> Result<Reply> {
        self.check_interrupted_literal();
        // A dropped streaming call no longer consumes literal events.
        self.streaming = false;
        self.stream_events.clear();
        // A previous `run` future (or an IDLE stream) was dropped before its command
        // completed: finish that command first, so that its untagged data cannot be
        // mistaken for this one's, and discard its result.
        while let Some(abandoned) = self.running {
            let _ = self.wait(abandoned).await;
            self.running = None;
        }
        let id = self.conn.submit(cmd)?;
        self.running = Some(id);
        let result = self.wait(id).await;
        self.running = None;
        result
    }

    /// Moves the engine's outputs: bytes into the write buffer, results into `done`.
    fn process_outputs(&mut self) {
        while let Some(out) = self.conn.poll_output() {
            match out {
                Output::Send(o) => self.out.extend_from_slice(&o.bytes),
                Output::Completed { id, result } => {
                    self.done.insert(id, result);
                }
                Output::StartTls { .. } => self.tls_pending = true,
                Output::IdleStarted { id } => self.idle_started = Some(id),
                Output::Unsolicited(r) => self.idle_queue.push_back(r),
                Output::SendLiteral { id, len } => self.literal_request = Some((id, len)),
                // Kept only while a streaming call consumes them.
                out @ (Output::LiteralStart { .. }
                | Output::LiteralData { .. }
                | Output::LiteralEnd { .. })
                    if self.streaming =>
                {
                    self.stream_events.push_back(out);
                }
                // Connected, Error (reported through fatal_error), and future variants.
                _ => {}
            }
        }
    }

    /// A streamed APPEND interrupted mid-literal leaves the server owed bytes: nothing else
    /// can be sent on this connection.
    fn check_interrupted_literal(&mut self) {
        if self.literal_interrupted {
            self.literal_interrupted = false;
            self.conn.transport_error(Error::abort(
                Cause::Io,
                "a streamed APPEND was interrupted in the middle of its message; the connection cannot continue",
            ));
        }
    }

    /// Writes everything produced so far, within the timeout.
    async fn flush_out(&mut self) -> io::Result<()> {
        let timeout = self.config.timeout;
        let write = future::poll_fn(|cx| {
            while self.out_at < self.out.len() {
                match self.transport.poll_write(cx, &self.out[self.out_at..]) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::WriteZero,
                            "write returned 0",
                        )))
                    }
                    Poll::Ready(Ok(n)) => self.out_at += n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            self.out.clear();
            self.out_at = 0;
            self.transport.poll_flush(cx)
        });
        with_timeout(timeout, write).await
    }

    /// Copies exactly `len` bytes from `reader` to the server, a chunk at a time.
    async fn copy_literal(
        &mut self,
        reader: &mut (dyn AsyncRead + Unpin + Send),
        len: u64,
    ) -> Result<()> {
        use futures_lite::AsyncReadExt;
        self.flush_out().await.map_err(Error::io)?;
        self.literal_interrupted = true;
        let mut left = len;
        let mut chunk = vec![0u8; READ_CHUNK.min(len as usize).max(1)];
        while left > 0 {
            let want = chunk.len().min(left as usize);
            let n = reader.read(&mut chunk[..want]).await.map_err(|e| {
                Error::abort(Cause::Io, format!("reading the message: {e}")).with_source(e)
            })?;
            if n == 0 {
                return Err(Error::abort(
                    Cause::Argument,
                    format!(
                        "the message reader ended after {} of {len} bytes",
                        len - left
                    ),
                ));
            }
            self.out.extend_from_slice(&chunk[..n]);
            self.flush_out().await.map_err(Error::io)?;
            left -= n as u64;
        }
        self.literal_interrupted = false;
        Ok(())
    }

    /// Runs a command whose literals stream to a sink or come from a reader.
    async fn run_streams(
        &mut self,
        cmd: Command,
        mut sink: Option<StreamSink<'_>>,
        mut reader: Option<&mut (dyn AsyncRead + Unpin + Send)>,
    ) -> Result<Reply> {
        self.check_interrupted_literal();
        while let Some(abandoned) = self.running {
            let _ = self.wait(abandoned).await;
            self.running = None;
        }
        let id = self.conn.submit(cmd)?;
        self.running = Some(id);
        self.streaming = sink.is_some();
        self.stream_events.clear();
        let mut driver = SinkDriver::default();
        let result = loop {
            self.process_outputs();
            while let Some(event) = self.stream_events.pop_front() {
                match sink.as_mut() {
                    Some(StreamSink::Callbacks(s)) => {
                        driver.handle(&mut **s, event);
                    }
                    Some(StreamSink::Writer(w, failed)) => {
                        if let (Output::LiteralData { data, .. }, None) = (&event, &failed) {
                            if let Err(e) =
                                futures_lite::AsyncWriteExt::write_all(&mut **w, data).await
                            {
                                *failed = Some(e);
                            }
                        }
                    }
                    None => {}
                }
            }
            if let Some((lid, len)) = self.literal_request.take() {
                let copied = match reader.as_deref_mut() {
                    Some(r) => self.copy_literal(r, len).await,
                    None => Err(Error::abort(
                        Cause::Argument,
                        "a streamed APPEND needs a reader",
                    )),
                };
                match copied {
                    Ok(()) => {
                        let _ = self.conn.literal_written(lid);
                    }
                    Err(e) => self.conn.transport_error(e),
                }
                continue;
            }
            if let Some(result) = self.done.remove(&id) {
                break result;
            }
            if let Some(e) = self.conn.fatal_error() {
                break Err(e.duplicate());
            }
            match sink.as_mut() {
                // Streamed literals go to the sink straight from the read buffer.
                Some(StreamSink::Callbacks(s)) => self.step_into(&mut driver, &mut **s).await,
                _ => self.step(self.config.timeout).await,
            }
        };
        self.running = None;
        self.streaming = false;
        match sink {
            Some(StreamSink::Writer(w, failed)) => {
                let flushed = futures_lite::AsyncWriteExt::flush(w).await;
                match failed.or(flushed.err()) {
                    Some(e) => Err(Error::error(
                        Cause::Io,
                        format!("the literal sink failed: {e}"),
                    )
                    .with_source(e)),
                    None => result,
                }
            }
            _ => driver.finish(result),
        }
    }

    /// `FETCH set (parts)` with the message bodies (every literal) streamed to `sink` as
    /// they arrive: memory stays bounded whatever their size. The result keeps imaplib's
    /// shape with the literals left empty.
    pub async fn fetch_stream(
        &mut self,
        set: impl IntoSequenceSet,
        parts: &str,
        sink: &mut dyn LiteralSink,
    ) -> Result<Reply> {
        let cmd = Command::fetch(set, parts)?.stream_literals();
        self.run_streams(cmd, Some(StreamSink::Callbacks(sink)), None)
            .await
    }

    /// `UID FETCH` with the literals streamed to `sink`.
    pub async fn uid_fetch_stream(
        &mut self,
        set: impl IntoSequenceSet,
        parts: &str,
        sink: &mut dyn LiteralSink,
    ) -> Result<Reply> {
        let cmd = Command::uid_fetch(set, parts)?.stream_literals();
        self.run_streams(cmd, Some(StreamSink::Callbacks(sink)), None)
            .await
    }

    /// `FETCH` with every literal written, back to back, to an async `writer`.
    pub async fn fetch_to(
        &mut self,
        set: impl IntoSequenceSet,
        parts: &str,
        writer: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<Reply> {
        let cmd = Command::fetch(set, parts)?.stream_literals();
        self.run_streams(cmd, Some(StreamSink::Writer(writer, None)), None)
            .await
    }

    /// `APPEND` of a message of `len` bytes read from `reader` as it is sent (memory stays
    /// bounded; no line-ending translation). A reader that ends early — or dropping this
    /// future mid-message — aborts the connection, as the server is then owed bytes.
    pub async fn append_from<'a>(
        &mut self,
        mailbox: Option<Text<'a>>,
        flags: Option<&str>,
        date_time: Option<DateInput<'_>>,
        reader: &mut (dyn AsyncRead + Unpin + Send),
        len: u64,
    ) -> Result<Reply> {
        let cmd = Command::append_stream(mailbox, flags, date_time, len)?;
        self.run_streams(cmd, None, Some(reader)).await
    }

    /// Writes what it can, then reads what is there.
    fn poll_step(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Step>> {
        let mut wrote = false;
        while self.out_at < self.out.len() {
            match self.transport.poll_write(cx, &self.out[self.out_at..]) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "write returned 0",
                    )))
                }
                Poll::Ready(Ok(n)) => {
                    self.out_at += n;
                    wrote = true;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => break,
            }
        }
        if !self.out.is_empty() && self.out_at == self.out.len() {
            self.out.clear();
            self.out_at = 0;
        }
        if wrote {
            if let Poll::Ready(Err(e)) = self.transport.poll_flush(cx) {
                return Poll::Ready(Err(e));
            }
        }
        if self.tls_pending {
            return if self.out.is_empty() {
                Poll::Ready(Ok(Step::Upgrade))
            } else if wrote {
                Poll::Ready(Ok(Step::Wrote))
            } else {
                Poll::Pending
            };
        }
        match self.transport.poll_read(cx, &mut self.buf) {
            Poll::Ready(Ok(n)) => Poll::Ready(Ok(Step::Read(n))),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending if wrote => Poll::Ready(Ok(Step::Wrote)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Handles the outcome of one step; returns true when server bytes were fed.
    fn apply(&mut self, step: io::Result<Step>) -> Option<Step> {
        match step {
            Ok(Step::Read(0)) => {
                self.conn.feed_eof();
                Some(Step::Read(0))
            }
            Ok(Step::Read(n)) => {
                self.conn.feed(&self.buf[..n]);
                Some(Step::Read(n))
            }
            Ok(other) => Some(other),
            Err(e) => {
                self.conn.transport_error(Error::io(e));
                None
            }
        }
    }

    /// One I/O step, bounded by `timeout`; failures abort the connection.
    async fn step(&mut self, timeout: Option<Duration>) {
        let result = with_timeout(timeout, future::poll_fn(|cx| self.poll_step(cx))).await;
        if let Some(Step::Upgrade) = self.apply(result) {
            self.upgrade().await;
        }
    }

    /// [`Client::step`] for a streaming FETCH: the bytes read are fed with `feed_into`, so
    /// that the literals reach `sink` without a copy.
    async fn step_into(&mut self, driver: &mut SinkDriver, sink: &mut dyn LiteralSink) {
        let timeout = self.config.timeout;
        match with_timeout(timeout, future::poll_fn(|cx| self.poll_step(cx))).await {
            Ok(Step::Read(n)) if n > 0 => driver.feed(&mut self.conn, &self.buf[..n], sink),
            result => {
                if let Some(Step::Upgrade) = self.apply(result) {
                    self.upgrade().await;
                }
            }
        }
    }

    async fn upgrade(&mut self) {
        self.tls_pending = false;
        let Some(plain) = self.transport.take_plain() else {
            return self.conn.transport_error(Error::abort(
                Cause::Tls,
                "STARTTLS on a connection that is not plain (or an interrupted upgrade)",
            ));
        };
        let config = match self.config.tls_config() {
            Ok(c) => c,
            Err(e) => return self.conn.transport_error(e),
        };
        let name = self.config.server_name(&self.host).to_string();
        match transport::tls_handshake(plain, config, &name, self.config.timeout).await {
            Ok(tls) => {
                self.transport = Transport::Tls(Box::new(tls));
                let _ = self.conn.tls_established();
            }
            Err(e) => self.conn.transport_error(e),
        }
    }

    /// imaplib's `idle(duration)`: starts IDLE and returns a [`Stream`] of the untagged
    /// responses the server sends, ending after `duration` (if given). A silence longer
    /// than `idle_timeout` (keepalives such as `* OK Still here` reset it) ends the stream
    /// with a timeout error. [`IdleStream::done`] sends DONE and returns the IDLE result;
    /// dropping the stream sends DONE with the next command. Responses not consumed stay
    /// in the untagged store.
    pub async fn idle(
        &mut self,
        duration: Option<Duration>,
        idle_timeout: Option<Duration>,
    ) -> Result<IdleStream<'_, S>> {
        self.check_interrupted_literal();
        self.streaming = false;
        self.stream_events.clear();
        let id = self.conn.submit(Command::idle())?;
        self.idle_queue.clear();
        self.idle_started = None;
        loop {
            self.process_outputs();
            if let Some(result) = self.done.remove(&id) {
                result?;
                return Err(Error::abort(
                    Cause::Protocol,
                    "IDLE ended before it started",
                ));
            }
            if self.idle_started == Some(id) {
                let now = Instant::now();
                return Ok(IdleStream {
                    deadline: duration.map(|d| async_io::Timer::at(now + d)),
                    silence: idle_timeout.map(async_io::Timer::after),
                    idle_timeout,
                    client: self,
                    id,
                    ended: None,
                    left: false,
                });
            }
            if let Some(e) = self.conn.fatal_error() {
                return Err(e.duplicate());
            }
            self.step(self.config.timeout).await;
        }
    }

    imaplib_proto::imaplib_methods!(async);
}

/// An IDLE session: a [`Stream`] of `(TYPE, [data])` responses, as imaplib's `Idler` yields.
pub struct IdleStream<'a, S: Duplex = BoxStream> {
    client: &'a mut Client<S>,
    id: CommandId,
    deadline: Option<async_io::Timer>,
    silence: Option<async_io::Timer>,
    idle_timeout: Option<Duration>,
    /// The IDLE command's result, when the server ended IDLE on its own.
    ended: Option<Result<Reply>>,
    left: bool,
}

impl<S: Duplex> std::fmt::Debug for IdleStream<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdleStream")
            .field("id", &self.id)
            .field("left", &self.left)
            .finish_non_exhaustive()
    }
}

impl<S: Duplex> IdleStream<'_, S> {
    /// Leaves IDLE: unconsumed responses go to the untagged store, `DONE` is sent, and the
    /// IDLE command's result is returned.
    pub async fn done(mut self) -> Result<Reply> {
        if let Some(result) = self.ended.take() {
            self.left = true;
            return result;
        }
        self.leave()?;
        self.client.wait(self.id).await
    }

    /// Collects every response until the stream ends (the deadline passes).
    pub async fn collect_until_end(&mut self) -> Result<Vec<Reply>> {
        let mut out = Vec::new();
        while let Some(r) = futures_lite::StreamExt::next(self).await {
            out.push(r?);
        }
        Ok(out)
    }

    fn leave(&mut self) -> Result<()> {
        if self.left {
            return Ok(());
        }
        self.left = true;
        while let Some(r) = self.client.idle_queue.pop_front() {
            self.client.conn.restore_unsolicited(r)?;
        }
        // Fails only when the IDLE already completed; its result then waits in `done`.
        let _ = self.client.conn.idle_done(self.id);
        self.client.process_outputs();
        Ok(())
    }
}

impl<S: Duplex> Stream for IdleStream<'_, S> {
    type Item = Result<Reply>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Reply>>> {
        let this = self.get_mut();
        loop {
            if let Some(r) = this.client.idle_queue.pop_front() {
                return Poll::Ready(Some(Ok(r)));
            }
            if this.left || this.ended.is_some() {
                return Poll::Ready(None);
            }
            this.client.process_outputs();
            if let Some(result) = this.client.done.remove(&this.id) {
                // The server ended IDLE (or the connection failed).
                let err = result.as_ref().err().map(Error::duplicate);
                this.ended = Some(result);
                if this.client.idle_queue.is_empty() {
                    return Poll::Ready(err.map(Err));
                }
                continue;
            }
            if !this.client.idle_queue.is_empty() {
                continue;
            }
            if let Some(t) = this.deadline.as_mut() {
                if Pin::new(t).poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
            }
            if let Some(t) = this.silence.as_mut() {
                if Pin::new(t).poll(cx).is_ready() {
                    let err = Error::abort(Cause::Timeout, "timed out: no response during IDLE");
                    this.client.conn.transport_error(err.duplicate());
                    this.ended = Some(Err(err.duplicate()));
                    return Poll::Ready(Some(Err(err)));
                }
            }
            match this.client.poll_step(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(step) => {
                    if let Some(Step::Read(_)) = this.client.apply(step) {
                        if let (Some(t), Some(d)) = (this.silence.as_mut(), this.idle_timeout) {
                            t.set_after(d);
                        }
                    }
                }
            }
        }
    }
}

impl<S: Duplex> Drop for IdleStream<'_, S> {
    fn drop(&mut self) {
        if !self.left {
            // DONE goes out with the client's next I/O, which first waits for the IDLE to
            // complete and discards its result.
            let _ = self.leave();
            self.client.running = Some(self.id);
        }
    }
}
