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
/// that an interrupted STARTTLS resumes with the next call), or TLS.
pub(crate) enum Transport<S> {
    Plain(S),
    Handshaking(Box<futures_rustls::Connect<S>>, Option<Instant>),
    Tls(Box<TlsStream<S>>),
    Closed,
}

impl<S: Duplex> Transport<S> {
    fn io(&mut self) -> Option<Pin<&mut (dyn Duplex + '_)>> {
        match self {
            Transport::Plain(s) => Some(Pin::new(s)),
            Transport::Tls(s) => Some(Pin::new(s.as_mut())),
            Transport::Handshaking(..) | Transport::Closed => None,
        }
    }

    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.io().map(|s| s.poll_read(cx, buf)) {
            // A peer that closes without close_notify: the end of the stream.
            Some(Poll::Ready(Err(e))) if e.kind() == io::ErrorKind::UnexpectedEof => {
                Poll::Ready(Ok(0))
            }
            Some(other) => other,
            None => Poll::Ready(Ok(0)),
        }
    }

    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.io() {
            Some(s) => s.poll_write(cx, buf),
            None => Poll::Ready(Err(io::ErrorKind::NotConnected.into())),
        }
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io().map_or(Poll::Ready(Ok(())), |s| s.poll_flush(cx))
    }

    /// Drives STARTTLS's handshake (starting it on a plain stream), bounded by `timeout`
    /// from its start.
    pub(crate) fn poll_upgrade(
        &mut self,
        cx: &mut Context<'_>,
        config: &Config,
        host: &str,
    ) -> Poll<Result<()>> {
        if let Transport::Plain(_) = self {
            let Transport::Plain(s) = std::mem::replace(self, Transport::Closed) else {
                unreachable!("matched above");
            };
            let name = imaplib_proto::tls::server_name(config.server_name(host))?;
            let connect = TlsConnector::from(config.tls_config()?).connect(name, s);
            let deadline = config.timeout().map(|t| Instant::now() + t);
            *self = Transport::Handshaking(Box::new(connect), deadline);
        }
        let Transport::Handshaking(connect, deadline) = self else {
            return Poll::Ready(Err(Error::abort(
                Reason::State(StateProblem::TlsActive),
                "TLS can only start on a plain stream",
            )));
        };
        if deadline.is_some_and(|d| Instant::now() >= d) {
            *self = Transport::Closed;
            let timed_out = io::ErrorKind::TimedOut.into();
            return Poll::Ready(Err(handshake_failed(timed_out, config.timeout())));
        }
        let tls = ready!(Pin::new(connect.as_mut()).poll(cx));
        *self = Transport::Closed;
        let tls = tls.map_err(|e| handshake_failed(e, config.timeout()))?;
        *self = Transport::Tls(Box::new(tls));
        Poll::Ready(Ok(()))
    }

    /// The channel-binding data of the TLS session (`None` unless TLS is up).
    pub(crate) fn channel_binding(&self) -> Option<ChannelBinding> {
        match self {
            Transport::Tls(s) => Some(imaplib_proto::tls::channel_binding(s.get_ref().1)),
            _ => None,
        }
    }

    /// The deadline of a handshake in progress.
    pub(crate) fn handshake_deadline(&self) -> Option<Instant> {
        match self {
            Transport::Handshaking(_, d) => *d,
            _ => None,
        }
    }

    pub(crate) async fn close(&mut self) {
        if let Some(mut s) = self.io() {
            let _ = future::poll_fn(|cx| s.as_mut().poll_close(cx)).await;
        }
        *self = Transport::Closed;
    }

    pub(crate) fn get_ref(&self) -> Option<&S> {
        match self {
            Transport::Plain(s) => Some(s),
            Transport::Tls(s) => Some(s.get_ref().0),
            Transport::Handshaking(..) | Transport::Closed => None,
        }
    }

    pub(crate) fn get_mut(&mut self) -> Option<&mut S> {
        match self {
            Transport::Plain(s) => Some(s),
            Transport::Tls(s) => Some(s.get_mut().0),
            Transport::Handshaking(..) | Transport::Closed => None,
        }
    }
}
