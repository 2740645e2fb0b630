//! The async client: a poll loop that moves bytes between a futures-io stream and the
//! core's driver, waking up for deadlines on its runtime's timer.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::{future, Stream};
use imaplib_proto::client::Core;
use imaplib_proto::driver::{Driver, SinkSlot, Step};
use imaplib_proto::{Config, Error, LiteralSink, Reply, Result};

use crate::runtime::Runtime;
use crate::transport::{self, BoxStream, Duplex, Transport};

/// `Poll::Ready(x)` → `x`; `Poll::Pending` returns `Poll::Pending`.
macro_rules! ready_or_pending {
    ($e:expr) => {
        match $e {
            Poll::Ready(x) => x,
            Poll::Pending => return Poll::Pending,
        }
    };
}

/// An async IMAP4rev1 client with imaplib's methods and results, over a futures-io stream
/// `S`, on a runtime `R`.
///
/// This is the client in full: [`smol::Client`](crate::smol::Client),
/// [`async_std::Client`](crate::async_std::Client) and [`tokio::Client`](crate::tokio::Client)
/// are this type with the runtime fixed (and `S` defaulting to the [`BoxStream`] the
/// connect helpers return); write `generic::Client<S, R>` in code that works on any runtime.
///
/// Every future it returns is `Send` and cancellation-safe: all state lives in the client,
/// so dropping a future leaves the connection usable, following the driver's policy for
/// abandoned tasks ([`imaplib_proto::driver#abandoned-tasks`]): the command completes in
/// the background and its result is discarded, an IDLE gets its DONE, a TLS handshake
/// resumes with the next call; only a streamed APPEND cut mid-message fails the connection.
/// Dropping a connected client sends LOGOUT if the stream takes it at once, never waiting.
///
/// ```no_run
/// # #[cfg(feature = "smol")]
/// # async fn demo() -> imaplib_async::Result<()> {
/// use imaplib_async::{generic, BoxStream, Runtime};
///
/// /// Works under every runtime.
/// async fn unseen<R: Runtime>(m: &mut generic::Client<BoxStream, R>) -> imaplib_async::Result<usize> {
///     m.select("INBOX", true).await?;
///     let r = m.search(None, &["UNSEEN"]).await?;
///     Ok(r.python_repr().matches(' ').count())
/// }
///
/// let mut m = imaplib_async::smol::Client::connect_tls("imap.example.org", 993).await?;
/// m.login("alice", "secret").await?;
/// unseen(&mut m).await?;
/// # Ok(()) }
/// ```
pub struct Client<S: Duplex, R: Runtime> {
    core: Core,
    transport: Transport<S>,
    /// Bytes handed to the stream and not flushed yet (TLS buffers them).
    unflushed: bool,
    timer: Option<R::Timer>,
    timer_at: Option<Instant>,
}

impl<S: Duplex, R: Runtime> std::fmt::Debug for Client<S, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.core.fmt(f)
    }
}

impl<R: Runtime> Client<BoxStream, R> {
    // `dial`, `tls` and `over` box their futures: the connect constructors' futures then
    // stay small (a few hundred bytes, not 7 KiB), and so does every task that awaits one
    // and then lives on, such as an idling session (issue 14). One allocation per
    // connection, freed once connected.
    async fn dial(host: &str, port: u16, config: &Config) -> Result<BoxStream> {
        Box::pin(transport::tcp_connect::<R>(host, port, config.timeout())).await
    }

    fn spawn(command: &str) -> Result<BoxStream> {
        let mut sh = std::process::Command::new("sh");
        sh.arg("-c").arg(command);
        Self::spawn_command(sh)
    }

    fn spawn_command(command: std::process::Command) -> Result<BoxStream> {
        R::spawn(command).map_err(Error::io)
    }

    imaplib_proto::client_constructors!(async, net: [], process: std::process::Command);
}

impl<S: Duplex, R: Runtime> Client<S, R> {
    fn plain(stream: S) -> Transport<S> {
        Transport::plain(stream)
    }

    async fn tls(stream: S, host: &str, config: &Config) -> Result<Transport<S>> {
        let name = config.server_name(host);
        let tls =
            transport::tls_handshake::<S, R>(stream, config.tls_config()?, name, config.timeout());
        Ok(Transport::tls(Box::pin(tls).await?))
    }

    fn over(
        transport: Transport<S>,
        mut core: Core,
    ) -> impl std::future::Future<Output = Result<Self>> {
        // Implicit TLS: SCRAM's -PLUS mechanisms bind to this session.
        let binding = transport.channel_binding();
        core.driver.connection_mut().set_channel_binding(binding);
        let client = Client {
            core,
            transport,
            unflushed: false,
            timer: None,
            timer_at: None,
        };
        Box::pin(client.greet())
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
            if io.poll_spool(cx, &self.core.fed).is_pending() {
                return Poll::Pending;
            }
            let now = Instant::now();
            let step = poll(&mut self.core.driver, now);
            let (progress, deadline) = match step {
                Step::Done(value) => return Poll::Ready(value),
                Step::Write { deadline } => (self.poll_write(cx), deadline),
                Step::Read { deadline } => (self.poll_read(cx, io), deadline),
                Step::StartTls => (self.poll_upgrade(cx), self.transport.handshake_deadline()),
                Step::StartCompression => (self.poll_compress(cx), None),
                Step::ReadMessage { max } => {
                    let n = io.poll_message(cx, self.core.buf.for_message(max));
                    (
                        n.map(|n| io.give_message(&mut self.core.driver, &self.core.buf, n)),
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
        let r = ready_or_pending!(self.transport.poll_write(cx, self.core.driver.output()));
        match r {
            Ok(0) => self.failed(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                self.core.driver.wrote(n, Instant::now());
                self.unflushed = true;
            }
            Err(e) => self.failed(e),
        }
        Poll::Ready(())
    }

    /// Ready(true) once what was written is flushed (TLS buffers it); Ready(false) when
    /// flushing failed (the driver knows).
    fn poll_flushed(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        if self.unflushed {
            match ready_or_pending!(self.transport.poll_flush(cx)) {
                Ok(()) => self.unflushed = false,
                Err(e) => {
                    self.failed(e);
                    return Poll::Ready(false);
                }
            }
        }
        Poll::Ready(true)
    }

    fn poll_read(&mut self, cx: &mut Context<'_>, io: &mut Streams<'_>) -> Poll<()> {
        if !ready_or_pending!(self.poll_flushed(cx)) {
            return Poll::Ready(());
        }
        // The spool is written out: the bytes it pointed into go before the next read.
        self.core.fed = Default::default();
        // Read into the framer's own buffer: lines and literals are framed where they lie.
        let buf = self.core.driver.read_buf();
        match ready_or_pending!(self.transport.poll_read(cx, buf)) {
            Ok(0) => self.core.driver.feed_eof(Instant::now()),
            Ok(n) => {
                self.core.fed = io.sink.commit(&mut self.core.driver, n, Instant::now());
            }
            Err(e) => self.failed(e),
        }
        Poll::Ready(())
    }

    fn poll_upgrade(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !ready_or_pending!(self.poll_flushed(cx)) {
            return Poll::Ready(());
        }
        let config = &self.core.config;
        let r = ready_or_pending!(self.transport.poll_upgrade(cx, config, &self.core.host));
        let outcome = r.map(|()| self.transport.channel_binding());
        self.core.upgraded(outcome, Instant::now());
        Poll::Ready(())
    }

    /// Stacks DEFLATE once what was written before is flushed.
    fn poll_compress(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !ready_or_pending!(self.poll_flushed(cx)) {
            return Poll::Ready(());
        }
        if let Ok(received) = self.core.driver.compression_established(Instant::now()) {
            self.transport.compress(received);
        }
        Poll::Ready(())
    }

    fn failed(&mut self, e: io::Error) {
        self.core
            .driver
            .transport_error(Error::io(e), Instant::now());
    }

    /// Ready when `deadline` has passed (the next poll of the driver decides what it
    /// means). One timer, moved only when the deadline comes earlier or it fired: a
    /// deadline that moves later as bytes arrive costs a spurious wake-up, not a re-arm
    /// per read.
    fn poll_timer(&mut self, cx: &mut Context<'_>, deadline: Option<Instant>) -> Poll<()> {
        let Some(at) = deadline else {
            return Poll::Pending;
        };
        let timer = self.timer.get_or_insert_with(|| R::timer(at));
        if self.timer_at.is_none_or(|armed| at < armed) {
            R::reset(timer, at);
            self.timer_at = Some(at);
        }
        let fired = Pin::new(timer).poll(cx).is_ready();
        if fired {
            self.timer_at = None;
            return Poll::Ready(());
        }
        Poll::Pending
    }

    imaplib_proto::client_methods!(
        async,
        writer: dyn AsyncWrite + Unpin + Send,
        reader: dyn AsyncRead + Unpin + Send,
        idler: Idler<'_, S, R>
    );
}

impl<S: Duplex, R: Runtime> Drop for Client<S, R> {
    /// LOGOUT, if the stream takes it at once: a drop cannot wait.
    fn drop(&mut self) {
        let driver = &mut self.core.driver;
        if driver.farewell(Instant::now()) {
            let mut cx = Context::from_waker(Waker::noop());
            while let Poll::Ready(Ok(n @ 1..)) = self.transport.poll_write(&mut cx, driver.output())
            {
                driver.wrote(n, Instant::now());
            }
            let _ = self.transport.poll_flush(&mut cx);
        }
    }
}

/// The streaming ends of a command in flight.
struct Streams<'a> {
    sink: SinkSlot<'a>,
    writer: Option<&'a mut (dyn AsyncWrite + Unpin + Send)>,
    reader: Option<&'a mut (dyn AsyncRead + Unpin + Send)>,
}

impl<'a> Streams<'a> {
    fn with(sink: SinkSlot<'a>) -> Self {
        Streams {
            sink,
            writer: None,
            reader: None,
        }
    }

    fn none() -> Self {
        Self::with(SinkSlot::default())
    }

    fn sink(sink: &'a mut (dyn LiteralSink + Send)) -> Self {
        Self::with(SinkSlot::new(sink))
    }

    fn writer(writer: &'a mut (dyn AsyncWrite + Unpin + Send)) -> Self {
        let writer = Some(writer);
        Streams {
            writer,
            ..Self::with(SinkSlot::spooled())
        }
    }

    fn reader(reader: &'a mut (dyn AsyncRead + Unpin + Send)) -> Self {
        let reader = Some(reader);
        Streams {
            reader,
            ..Self::none()
        }
    }

    /// Writes the spooled literal bytes (they point into `fed`, the read buffer).
    fn poll_spool(&mut self, cx: &mut Context<'_>, fed: &[u8]) -> Poll<()> {
        let (Some(writer), Some(spool)) = (self.writer.as_mut(), self.sink.spool()) else {
            return Poll::Ready(());
        };
        while let Some(chunk) = spool.front(fed) {
            let err = match ready_or_pending!(Pin::new(&mut **writer).poll_write(cx, chunk)) {
                Ok(n @ 1..) => {
                    spool.consume(n);
                    continue;
                }
                Ok(_) => io::ErrorKind::WriteZero.into(),
                Err(e) => e,
            };
            self.sink.fail(err);
            return Poll::Ready(());
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

    async fn finish(mut self, result: Result<Reply>) -> Result<Reply> {
        if let Some(writer) = self.writer.take() {
            if let Err(e) = futures_lite::AsyncWriteExt::flush(writer).await {
                self.sink.fail(e);
            }
        }
        self.sink.finish(result)
    }
}

imaplib_proto::client_idler!(async, generics: [S: Duplex, R: Runtime], args: [S, R]);

imaplib_proto::client_typed!(async, generics: [S: Duplex, R: Runtime], args: [S, R],
    doc: ["imaplib_async", ".await"]);

impl<S: Duplex, R: Runtime> Stream for Idler<'_, S, R> {
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

impl<S: Duplex, R: Runtime> Drop for Idler<'_, S, R> {
    /// DONE goes out with the client's next call (a drop cannot wait); updates not
    /// consumed go to the untagged store.
    fn drop(&mut self) {
        if !self.left {
            self.client.core.driver.idle_abandon(Instant::now());
        }
    }
}
