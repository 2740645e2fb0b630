//! The async client: a poll loop that moves bytes between a futures-io stream and the
//! core's driver.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::{future, Stream};
use imaplib_proto::driver::{Driver, SinkSlot, Step};
use imaplib_proto::sink::{sink_failed, Spool};
use imaplib_proto::{Config, Error, LiteralSink, Reply, Result};

use crate::transport::{self, BoxStream, Duplex, ProcessStream, Transport};

/// `Poll::Ready(x)` → `x`; `Poll::Pending` returns `Poll::Pending`.
macro_rules! ready_or_pending {
    ($e:expr) => {
        match $e {
            Poll::Ready(x) => x,
            Poll::Pending => return Poll::Pending,
        }
    };
}

/// Size of each read from the stream.
const READ_CHUNK: usize = 64 * 1024;

/// An async IMAP4rev1 client with imaplib's methods and results, over any futures-io
/// stream.
///
/// Every future it returns is cancellation-safe: all state lives in the client, so
/// dropping a future leaves the connection usable, following the driver's policy for
/// abandoned tasks ([`imaplib_proto::driver#abandoned-tasks`]): the command completes in
/// the background and its result is discarded, an IDLE gets its DONE, a TLS handshake
/// resumes with the next call; only a streamed APPEND cut mid-message fails the connection.
/// Dropping a connected client sends LOGOUT if the stream takes it at once, never waiting.
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
    driver: Driver,
    transport: Transport<S>,
    config: Config,
    host: String,
    port: Option<u16>,
    buf: Box<[u8]>,
    /// Bytes handed to the stream and not flushed yet (TLS buffers them).
    unflushed: bool,
    timer: Option<async_io::Timer>,
    timer_at: Option<Instant>,
}

impl<S: Duplex> std::fmt::Debug for Client<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("driver", &self.driver)
            .finish_non_exhaustive()
    }
}

impl Client<BoxStream> {
    /// imaplib's `IMAP4(host, port)` (plain TCP).
    #[cfg(any(feature = "smol", feature = "async-std"))]
    pub async fn connect(host: &str, port: u16) -> Result<Self> {
        Self::connect_with(host, port, &Config::default()).await
    }

    /// `IMAP4(host, port)` with settings; with TLS required, STARTTLS follows the greeting
    /// and its failure is an error before any credential is sent.
    #[cfg(any(feature = "smol", feature = "async-std"))]
    pub async fn connect_with(host: &str, port: u16, config: &Config) -> Result<Self> {
        Self::connect_on(transport::Net::DEFAULT, host, port, config, false).await
    }

    /// imaplib's `IMAP4_SSL(host, port)`: implicit TLS, verified.
    #[cfg(any(feature = "smol", feature = "async-std"))]
    pub async fn connect_tls(host: &str, port: u16) -> Result<Self> {
        Self::connect_tls_with(host, port, &Config::default()).await
    }

    /// `IMAP4_SSL(host, port, ssl_context=…)`.
    #[cfg(any(feature = "smol", feature = "async-std"))]
    pub async fn connect_tls_with(host: &str, port: u16, config: &Config) -> Result<Self> {
        Self::connect_on(transport::Net::DEFAULT, host, port, config, true).await
    }

    /// Plain TCP, then STARTTLS, required.
    #[cfg(any(feature = "smol", feature = "async-std"))]
    pub async fn connect_starttls(host: &str, port: u16, config: &Config) -> Result<Self> {
        Self::connect_with(host, port, &config.clone().with_require_tls(true)).await
    }

    /// Connects over `net`'s TCP, with implicit TLS when `tls`.
    #[cfg(any(feature = "smol", feature = "async-std"))]
    pub(crate) async fn connect_on(
        net: transport::Net,
        host: &str,
        port: u16,
        config: &Config,
        tls: bool,
    ) -> Result<Self> {
        config.check()?;
        let s = transport::tcp_connect(net, host, port, config.timeout()).await?;
        let t = if tls {
            let name = config.server_name(host);
            let tls = transport::tls_handshake(s, config.tls_config()?, name, config.timeout());
            Transport::Tls(Box::new(tls.await?))
        } else {
            Transport::Plain(s)
        };
        Self::over(t, config, host, Some(port), tls).await
    }

    /// imaplib's `IMAP4_stream(command)`: `sh -c command`, IMAP over its stdin/stdout (a
    /// trusted local transport).
    pub async fn connect_stream(command: &str) -> Result<Self> {
        Self::connect_stream_with(command, &Config::default()).await
    }

    /// `IMAP4_stream(command)` with settings.
    pub async fn connect_stream_with(command: &str, config: &Config) -> Result<Self> {
        config.check()?;
        let p: BoxStream = Box::new(ProcessStream::spawn(command)?);
        Self::over(Transport::Plain(p), config, "", None, true).await
    }

    /// Like [`Client::connect_stream`], for a program and arguments given without a shell.
    pub async fn connect_process(command: async_process::Command, config: &Config) -> Result<Self> {
        config.check()?;
        let p: BoxStream = Box::new(ProcessStream::spawn_command(command)?);
        Self::over(Transport::Plain(p), config, "", None, true).await
    }
}

impl<S: Duplex> Client<S> {
    /// A client over a stream you connected yourself (any runtime; for tokio, wrap the
    /// socket with `tokio_util::compat`). `secure` says whether it is already encrypted or
    /// trusted; STARTTLS upgrades a plain one in place.
    pub async fn from_stream(stream: S, host: &str, config: &Config, secure: bool) -> Result<Self> {
        config.check()?;
        Self::over(Transport::Plain(stream), config, host, None, secure).await
    }

    /// Implicit TLS over a stream you connected yourself; `host` is verified.
    pub async fn from_stream_tls(stream: S, host: &str, config: &Config) -> Result<Self> {
        config.check()?;
        let name = config.server_name(host);
        let tls = transport::tls_handshake(stream, config.tls_config()?, name, config.timeout());
        Self::over(
            Transport::Tls(Box::new(tls.await?)),
            config,
            host,
            None,
            true,
        )
        .await
    }

    async fn over(
        transport: Transport<S>,
        config: &Config,
        host: &str,
        port: Option<u16>,
        secure: bool,
    ) -> Result<Self> {
        Client {
            driver: Driver::new(config.options(secure), config.timeouts),
            transport,
            config: config.clone(),
            host: host.to_string(),
            port,
            buf: vec![0; READ_CHUNK].into_boxed_slice(),
            unflushed: false,
            timer: None,
            timer_at: None,
        }
        .greet()
        .await
    }

    /// The stream under TLS.
    pub fn get_ref(&self) -> Option<&S> {
        self.transport.get_ref()
    }

    /// The stream under TLS, mutable. Reading or writing it desynchronises the session.
    pub fn get_mut(&mut self) -> Option<&mut S> {
        self.transport.get_mut()
    }

    /// imaplib's `socket()`: the stream under TLS.
    pub fn socket(&self) -> Option<&S> {
        self.transport.get_ref()
    }

    async fn close_transport(&mut self) {
        self.transport.close().await;
    }

    /// Does what the driver asks until the task polled by `poll` is done.
    async fn drive<T>(
        &mut self,
        io: &mut Streams<'_>,
        mut poll: impl FnMut(&mut Driver, Instant) -> Step<T>,
    ) -> T {
        future::poll_fn(|cx| self.poll_drive(cx, io, &mut poll)).await
    }

    /// [`Client::drive`] as a poll function: every state is in `self`, so stopping at any
    /// `Pending` loses nothing.
    fn poll_drive<T>(
        &mut self,
        cx: &mut Context<'_>,
        io: &mut Streams<'_>,
        poll: &mut impl FnMut(&mut Driver, Instant) -> Step<T>,
    ) -> Poll<T> {
        loop {
            if io.poll_spool(cx, &self.buf).is_pending() {
                return Poll::Pending;
            }
            let now = Instant::now();
            let step = poll(&mut self.driver, now);
            let (progress, deadline) = match step {
                Step::Done(value) => return Poll::Ready(value),
                Step::Write { deadline } => (self.poll_write(cx), deadline),
                Step::Read { deadline } => (self.poll_read(cx, io), deadline),
                Step::StartTls => (self.poll_upgrade(cx), self.transport.handshake_deadline()),
                Step::ReadMessage { max } => {
                    let n = io.poll_message(cx, &mut self.buf[..max]);
                    (
                        n.map(|n| io.give_message(&mut self.driver, &self.buf, n)),
                        None,
                    )
                }
            };
            if progress.is_pending() && self.poll_timer(cx, deadline).is_pending() {
                return Poll::Pending;
            }
        }
    }

    fn poll_write(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let r = ready_or_pending!(self.transport.poll_write(cx, self.driver.output()));
        match r {
            Ok(0) => self.failed(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                self.driver.wrote(n, Instant::now());
                self.unflushed = true;
            }
            Err(e) => self.failed(e),
        }
        Poll::Ready(())
    }

    fn poll_read(&mut self, cx: &mut Context<'_>, io: &mut Streams<'_>) -> Poll<()> {
        if self.unflushed {
            match ready_or_pending!(self.transport.poll_flush(cx)) {
                Ok(()) => self.unflushed = false,
                Err(e) => {
                    self.failed(e);
                    return Poll::Ready(());
                }
            }
        }
        match ready_or_pending!(self.transport.poll_read(cx, &mut self.buf)) {
            Ok(0) => self.driver.feed_eof(Instant::now()),
            Ok(n) => io.feed(&mut self.driver, &self.buf[..n]),
            Err(e) => self.failed(e),
        }
        Poll::Ready(())
    }

    fn poll_upgrade(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.unflushed {
            match ready_or_pending!(self.transport.poll_flush(cx)) {
                Ok(()) => self.unflushed = false,
                Err(e) => {
                    self.failed(e);
                    return Poll::Ready(());
                }
            }
        }
        let r = ready_or_pending!(self.transport.poll_upgrade(cx, &self.config, &self.host));
        let now = Instant::now();
        match r {
            Ok(()) => drop(self.driver.tls_established(now)),
            Err(e) => self.driver.transport_error(e, now),
        }
        Poll::Ready(())
    }

    fn failed(&mut self, e: io::Error) {
        self.driver.transport_error(Error::io(e), Instant::now());
    }

    /// Ready when `deadline` has passed (the next poll of the driver decides what it
    /// means); one timer, moved as the deadline moves.
    fn poll_timer(&mut self, cx: &mut Context<'_>, deadline: Option<Instant>) -> Poll<()> {
        let Some(at) = deadline else {
            return Poll::Pending;
        };
        let timer = self.timer.get_or_insert_with(|| async_io::Timer::at(at));
        if self.timer_at != Some(at) {
            timer.set_at(at);
            self.timer_at = Some(at);
        }
        Pin::new(timer).poll(cx).map(|_| ())
    }

    imaplib_proto::client_methods!(
        async,
        writer: dyn AsyncWrite + Unpin + Send,
        reader: dyn AsyncRead + Unpin + Send
    );
}

impl<S: Duplex> Drop for Client<S> {
    fn drop(&mut self) {
        // LOGOUT if the stream takes it now: a drop cannot wait.
        if self.driver.farewell(Instant::now()) {
            let mut cx = Context::from_waker(Waker::noop());
            let _ = self.poll_drive(&mut cx, &mut Streams::none(), &mut |d, now| {
                d.poll_flush(now)
            });
        }
    }
}

/// The streaming ends of a command in flight.
struct Streams<'a> {
    sink: SinkSlot<'a>,
    /// `fetch_to`'s writer, the literal bytes it has still to take, its first error.
    writer: Option<(
        &'a mut (dyn AsyncWrite + Unpin + Send),
        Spool,
        Option<io::Error>,
    )>,
    reader: Option<&'a mut (dyn AsyncRead + Unpin + Send)>,
}

impl<'a> Streams<'a> {
    fn none() -> Self {
        Streams {
            sink: SinkSlot::default(),
            writer: None,
            reader: None,
        }
    }

    fn sink(sink: &'a mut (dyn LiteralSink + Send)) -> Self {
        Streams {
            sink: SinkSlot::new(sink),
            ..Streams::none()
        }
    }

    fn writer(writer: &'a mut (dyn AsyncWrite + Unpin + Send)) -> Self {
        Streams {
            writer: Some((writer, Spool::default(), None)),
            ..Streams::none()
        }
    }

    fn reader(reader: &'a mut (dyn AsyncRead + Unpin + Send)) -> Self {
        Streams {
            reader: Some(reader),
            ..Streams::none()
        }
    }

    /// Feeds server bytes; a writer's literals are spooled as ranges of `data`.
    fn feed(&mut self, driver: &mut Driver, data: &[u8]) {
        let now = Instant::now();
        match &mut self.writer {
            Some((_, spool, None)) => {
                spool.bind(data);
                let _ = driver.feed_into(data, spool, now);
            }
            Some(_) => driver.feed(data, now),
            None => self.sink.feed(driver, data, now),
        }
    }

    /// Writes the spooled literal bytes (they point into `fed`, the read buffer).
    fn poll_spool(&mut self, cx: &mut Context<'_>, fed: &[u8]) -> Poll<()> {
        let Some((writer, spool, failed)) = &mut self.writer else {
            return Poll::Ready(());
        };
        while let Some(chunk) = spool.front(fed) {
            match ready_or_pending!(Pin::new(&mut **writer).poll_write(cx, chunk)) {
                Ok(n) if n > 0 => spool.consume(n),
                Ok(_) => {
                    *failed = Some(io::ErrorKind::WriteZero.into());
                    spool.clear();
                }
                Err(e) => {
                    *failed = Some(e);
                    spool.clear();
                }
            }
        }
        spool.unbind();
        Poll::Ready(())
    }

    fn poll_message(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        match self.reader.as_mut() {
            Some(r) => Pin::new(&mut **r).poll_read(cx, buf),
            None => Poll::Ready(Err(io::Error::other("a streamed APPEND needs a reader"))),
        }
    }

    fn give_message(&mut self, driver: &mut Driver, buf: &[u8], n: io::Result<usize>) {
        let now = Instant::now();
        match n {
            Ok(0) => driver.message_eof(now),
            Ok(n) => driver.message_data(&buf[..n], now),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => driver.message_error(e, now),
        }
    }

    async fn finish(self, result: Result<Reply>) -> Result<Reply> {
        let Some((writer, _, failed)) = self.writer else {
            return self.sink.finish(result);
        };
        let flushed = futures_lite::AsyncWriteExt::flush(writer).await;
        match failed.or(flushed.err()) {
            Some(e) => Err(sink_failed(e)),
            None => result,
        }
    }
}

imaplib_proto::client_idler!(async, Duplex, BoxStream);

impl<S: Duplex> Stream for Idler<'_, S> {
    type Item = Result<Reply>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Reply>>> {
        let this = self.get_mut();
        if this.left {
            return Poll::Ready(None);
        }
        let until = this.until;
        let mut poll = |d: &mut Driver, now| d.poll_idle_event(until, now);
        this.client.poll_drive(cx, &mut Streams::none(), &mut poll)
    }
}

impl<S: Duplex> Drop for Idler<'_, S> {
    /// DONE goes out with the client's next call (a drop cannot wait); updates not
    /// consumed go to the untagged store.
    fn drop(&mut self) {
        if !self.left {
            self.client.driver.idle_abandon(Instant::now());
        }
    }
}
