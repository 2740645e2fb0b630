//! Byte pipes: any futures-io stream, TLS over it, a child process's pipes, TCP connect.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::{future, ready};
use futures_rustls::client::TlsStream;
use futures_rustls::TlsConnector;
use imaplib_proto::auth::ChannelBinding;
use imaplib_proto::deflate::Deflate;
use imaplib_proto::error::{Reason, StateProblem};
use imaplib_proto::tls::handshake_failed;
use imaplib_proto::tls::rustls::ClientConfig;
use imaplib_proto::{Config, Error, Result};

use crate::runtime::{with_timeout, Runtime};

/// A bidirectional byte stream the client can run over.
pub trait Duplex: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> Duplex for T {}

/// A type-erased stream: what the connect helpers return.
pub type BoxStream = Box<dyn Duplex>;

/// Connects a TCP socket (`""` means localhost) within `timeout`, on `R`.
pub(crate) async fn tcp_connect<R: Runtime>(
    host: &str,
    port: u16,
    timeout: Option<Duration>,
) -> Result<BoxStream> {
    let host = if host.is_empty() { "localhost" } else { host };
    with_timeout::<R, _>(timeout, R::connect(host, port))
        .await
        .map_err(|e| Error::connect_failed(host, port, e, timeout))
}

/// Runs the TLS handshake over `stream`, within `timeout` on `R`'s timer.
pub(crate) async fn tls_handshake<S: Duplex, R: Runtime>(
    stream: S,
    config: Arc<ClientConfig>,
    server_name: &str,
    timeout: Option<Duration>,
) -> Result<TlsStream<S>> {
    let name = imaplib_proto::tls::server_name(server_name)?;
    let connector = TlsConnector::from(config);
    with_timeout::<R, _>(timeout, connector.connect(name, stream))
        .await
        .map_err(|e| handshake_failed(e, timeout))
}

/// A child process's stdin and stdout as one stream (imaplib's `IMAP4_stream`), over any
/// runtime's pipes. `child` is the runtime's handle, which kills the process when dropped.
#[cfg_attr(
    not(any(feature = "smol", feature = "async-std", feature = "tokio")),
    allow(dead_code)
)]
pub(crate) struct ProcessStream<C, W, R> {
    _child: C,
    stdin: Option<W>,
    stdout: R,
}

#[cfg_attr(
    not(any(feature = "smol", feature = "async-std", feature = "tokio")),
    allow(dead_code)
)]
impl<C, W, R> ProcessStream<C, W, R>
where
    C: Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
    R: AsyncRead + Send + Unpin + 'static,
{
    /// The stream over a spawned child's pipes (stdout is required).
    pub(crate) fn boxed(child: C, stdin: Option<W>, stdout: Option<R>) -> io::Result<BoxStream> {
        let stdout = stdout.ok_or_else(|| io::Error::other("child process has no stdout"))?;
        Ok(Box::new(ProcessStream {
            _child: child,
            stdin,
            stdout,
        }))
    }
}

impl<C: Unpin, W: AsyncWrite + Unpin, R: AsyncRead + Unpin> AsyncRead for ProcessStream<C, W, R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stdout).poll_read(cx, buf)
    }
}

impl<C: Unpin, W: AsyncWrite + Unpin, R: AsyncRead + Unpin> AsyncWrite for ProcessStream<C, W, R> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.stdin.as_mut() {
            Some(s) => Pin::new(s).poll_write(cx, buf),
            None => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "stdin closed",
            ))),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.stdin.as_mut() {
            Some(s) => Pin::new(s).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.stdin.as_mut() {
            Some(s) => Pin::new(s).poll_close(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}

/// The stream under a client: plain, in a TLS handshake (kept across dropped futures, so
/// that an interrupted STARTTLS resumes with the next call), or TLS; and maybe compressed
/// above that (COMPRESS=DEFLATE).
pub(crate) struct Transport<S> {
    pipe: Pipe<S>,
    /// COMPRESS=DEFLATE: what is written is compressed, what is read decompressed.
    deflate: Option<Box<Deflate>>,
}

enum Pipe<S> {
    Plain(S),
    Handshaking(Box<futures_rustls::Connect<S>>, Option<Instant>),
    Tls(Box<TlsStream<S>>),
    Closed,
}

impl<S: Duplex> Transport<S> {
    pub(crate) fn plain(s: S) -> Self {
        Transport {
            pipe: Pipe::Plain(s),
            deflate: None,
        }
    }

    pub(crate) fn tls(s: TlsStream<S>) -> Self {
        Transport {
            pipe: Pipe::Tls(Box::new(s)),
            deflate: None,
        }
    }

    fn io(pipe: &mut Pipe<S>) -> Option<Pin<&mut (dyn Duplex + '_)>> {
        match pipe {
            Pipe::Plain(s) => Some(Pin::new(s)),
            Pipe::Tls(s) => Some(Pin::new(s.as_mut())),
            Pipe::Handshaking(..) | Pipe::Closed => None,
        }
    }

    fn poll_read_pipe(
        pipe: &mut Pipe<S>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match Self::io(pipe).map(|s| s.poll_read(cx, buf)) {
            // A peer that closes without close_notify: the end of the stream.
            Some(Poll::Ready(Err(e))) if e.kind() == io::ErrorKind::UnexpectedEof => {
                Poll::Ready(Ok(0))
            }
            Some(other) => other,
            None => Poll::Ready(Ok(0)),
        }
    }

    /// Reads what is there. Compressed, at most `buf` is inflated from what one read of
    /// the stream brought; a read that brought nothing to inflate yields (wakes itself and
    /// returns `Pending`), so that a server sending empty blocks is silence to the driver,
    /// not an endless loop.
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let Some(z) = self.deflate.as_deref_mut() else {
            return Self::poll_read_pipe(&mut self.pipe, cx, buf);
        };
        // Compressed bytes written earlier go first: the server may be waiting for them.
        ready!(Self::poll_push(&mut self.pipe, z, cx))?;
        let n = z.inflate(buf).map_err(to_io)?;
        if n > 0 {
            return Poll::Ready(Ok(n));
        }
        match ready!(Self::poll_read_pipe(&mut self.pipe, cx, z.input_buffer()))? {
            0 => Poll::Ready(Ok(0)),
            got => {
                z.received(got);
                match z.inflate(buf).map_err(to_io)? {
                    0 => {
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                    n => Poll::Ready(Ok(n)),
                }
            }
        }
    }

    /// Writes (a prefix of) `buf`. Compressed, `buf` is taken whole and sync-flushed once
    /// the compressed bytes of earlier writes are out; what the stream does not take now
    /// goes out with the next flush, read or write.
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let Some(z) = self.deflate.as_deref_mut() else {
            return match Self::io(&mut self.pipe) {
                Some(s) => s.poll_write(cx, buf),
                None => Poll::Ready(Err(io::ErrorKind::NotConnected.into())),
            };
        };
        ready!(Self::poll_push(&mut self.pipe, z, cx))?;
        z.compress(buf);
        match Self::poll_push(&mut self.pipe, z, cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            // Taken: the rest goes out with the next flush, read or write.
            _ => Poll::Ready(Ok(buf.len())),
        }
    }

    /// Writes the compressed bytes waiting (not flushing the stream).
    fn poll_push(
        pipe: &mut Pipe<S>,
        z: &mut Deflate,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        while !z.pending().is_empty() {
            let Some(s) = Self::io(pipe) else {
                return Poll::Ready(Err(io::ErrorKind::NotConnected.into()));
            };
            match ready!(s.poll_write(cx, z.pending()))? {
                0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                n => z.sent(n),
            }
        }
        Poll::Ready(Ok(()))
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(z) = self.deflate.as_deref_mut() {
            ready!(Self::poll_push(&mut self.pipe, z, cx))?;
        }
        Self::io(&mut self.pipe).map_or(Poll::Ready(Ok(())), |s| s.poll_flush(cx))
    }

    /// Stacks COMPRESS=DEFLATE on the stream; `received` are compressed bytes that came
    /// with the server's OK.
    pub(crate) fn compress(&mut self, received: Vec<u8>) {
        self.deflate = Some(Box::new(Deflate::new(received)));
    }

    /// Drives STARTTLS's handshake (starting it on a plain stream), bounded by `timeout`
    /// from its start.
    pub(crate) fn poll_upgrade(
        &mut self,
        cx: &mut Context<'_>,
        config: &Config,
        host: &str,
    ) -> Poll<Result<()>> {
        if let (Pipe::Plain(_), None) = (&self.pipe, &self.deflate) {
            let Pipe::Plain(s) = std::mem::replace(&mut self.pipe, Pipe::Closed) else {
                unreachable!("matched above");
            };
            let name = imaplib_proto::tls::server_name(config.server_name(host))?;
            let connect = TlsConnector::from(config.tls_config()?).connect(name, s);
            let deadline = config.timeout().map(|t| Instant::now() + t);
            self.pipe = Pipe::Handshaking(Box::new(connect), deadline);
        }
        let Pipe::Handshaking(connect, deadline) = &mut self.pipe else {
            return Poll::Ready(Err(Error::abort(
                Reason::State(StateProblem::TlsActive),
                "TLS can only start on a plain stream",
            )));
        };
        if deadline.is_some_and(|d| Instant::now() >= d) {
            self.pipe = Pipe::Closed;
            let timed_out = io::ErrorKind::TimedOut.into();
            return Poll::Ready(Err(handshake_failed(timed_out, config.timeout())));
        }
        let tls = ready!(Pin::new(connect.as_mut()).poll(cx));
        self.pipe = Pipe::Closed;
        let tls = tls.map_err(|e| handshake_failed(e, config.timeout()))?;
        self.pipe = Pipe::Tls(Box::new(tls));
        Poll::Ready(Ok(()))
    }

    /// The channel-binding data of the TLS session (`None` unless TLS is up).
    pub(crate) fn channel_binding(&self) -> Option<ChannelBinding> {
        match &self.pipe {
            Pipe::Tls(s) => Some(imaplib_proto::tls::channel_binding(s.get_ref().1)),
            _ => None,
        }
    }

    /// The deadline of a handshake in progress.
    pub(crate) fn handshake_deadline(&self) -> Option<Instant> {
        match self.pipe {
            Pipe::Handshaking(_, d) => d,
            _ => None,
        }
    }

    pub(crate) async fn close(&mut self) {
        if self.deflate.is_some() {
            // A farewell LOGOUT compressed and not written yet, if the stream takes it.
            let _ = future::poll_fn(|cx| match self.poll_flush(cx) {
                Poll::Pending => Poll::Ready(Ok(())),
                other => other,
            })
            .await;
        }
        if let Some(mut s) = Self::io(&mut self.pipe) {
            let _ = future::poll_fn(|cx| s.as_mut().poll_close(cx)).await;
        }
        self.pipe = Pipe::Closed;
        self.deflate = None;
    }

    pub(crate) fn get_ref(&self) -> Option<&S> {
        match &self.pipe {
            Pipe::Plain(s) => Some(s),
            Pipe::Tls(s) => Some(s.get_ref().0),
            Pipe::Handshaking(..) | Pipe::Closed => None,
        }
    }

    pub(crate) fn get_mut(&mut self) -> Option<&mut S> {
        match &mut self.pipe {
            Pipe::Plain(s) => Some(s),
            Pipe::Tls(s) => Some(s.get_mut().0),
            Pipe::Handshaking(..) | Pipe::Closed => None,
        }
    }
}

/// An error of the compression layer, through `io::Read` (the client gets it back whole:
/// [`Error::io`]).
fn to_io(e: Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}
