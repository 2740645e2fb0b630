//! Byte pipes: any futures-io stream, TLS over it, a child process, and connect helpers.

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
use imaplib_proto::error::{Reason, StateProblem};
use imaplib_proto::tls::handshake_failed;
use imaplib_proto::tls::rustls::ClientConfig;
use imaplib_proto::{Config, Error, Result};

/// A bidirectional byte stream the client can run over.
pub trait Duplex: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> Duplex for T {}

/// A type-erased stream: what the connect helpers return.
pub type BoxStream = Box<dyn Duplex>;

/// Runs `fut`, failing with a timeout error after `timeout` (if any).
pub(crate) async fn with_timeout<T>(
    timeout: Option<Duration>,
    fut: impl std::future::Future<Output = io::Result<T>>,
) -> io::Result<T> {
    match timeout {
        None => fut.await,
        Some(t) => {
            future::or(fut, async {
                async_io::Timer::after(t).await;
                Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"))
            })
            .await
        }
    }
}

/// Whose networking opens the TCP connection.
#[cfg(any(feature = "smol", feature = "async-std"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Net {
    /// smol's `async-net`.
    #[cfg(feature = "smol")]
    Smol,
    /// `async_std::net`.
    #[cfg(feature = "async-std")]
    AsyncStd,
}

#[cfg(any(feature = "smol", feature = "async-std"))]
impl Net {
    /// smol when enabled, else async-std.
    pub(crate) const DEFAULT: Net = {
        #[cfg(feature = "smol")]
        {
            Net::Smol
        }
        #[cfg(not(feature = "smol"))]
        {
            Net::AsyncStd
        }
    };
}

/// Connects a TCP socket (`""` means localhost) within `timeout`.
#[cfg(any(feature = "smol", feature = "async-std"))]
pub(crate) async fn tcp_connect(
    net: Net,
    host: &str,
    port: u16,
    timeout: Option<Duration>,
) -> Result<BoxStream> {
    let host = if host.is_empty() { "localhost" } else { host };
    let connect = async {
        let s: BoxStream = match net {
            #[cfg(feature = "smol")]
            Net::Smol => {
                let s = async_net::TcpStream::connect((host, port)).await?;
                let _ = s.set_nodelay(true);
                Box::new(s)
            }
            #[cfg(feature = "async-std")]
            Net::AsyncStd => {
                let s = async_std::net::TcpStream::connect((host, port)).await?;
                let _ = s.set_nodelay(true);
                Box::new(s)
            }
        };
        Ok(s)
    };
    with_timeout(timeout, connect)
        .await
        .map_err(|e| Error::connect_failed(host, port, e, timeout))
}

/// Runs the TLS handshake over `stream`.
pub(crate) async fn tls_handshake<S: Duplex>(
    stream: S,
    config: Arc<ClientConfig>,
    server_name: &str,
    timeout: Option<Duration>,
) -> Result<TlsStream<S>> {
    let name = imaplib_proto::tls::server_name(server_name)?;
    let connector = TlsConnector::from(config);
    with_timeout(timeout, connector.connect(name, stream))
        .await
        .map_err(|e| handshake_failed(e, timeout))
}

/// A child process's stdin and stdout as one stream (imaplib's `IMAP4_stream`). The child
/// is killed if still running when this is dropped, and reaped by async-process.
pub struct ProcessStream {
    _child: async_process::Child,
    stdin: Option<async_process::ChildStdin>,
    stdout: async_process::ChildStdout,
}

impl ProcessStream {
    /// Runs `command` with `sh -c`, stdin and stdout piped, stderr inherited.
    pub fn spawn(command: &str) -> Result<ProcessStream> {
        let mut sh = async_process::Command::new("sh");
        sh.arg("-c").arg(command);
        Self::spawn_command(sh)
    }

    /// Runs a program given without a shell; its stdin and stdout become the stream.
    pub fn spawn_command(mut command: async_process::Command) -> Result<ProcessStream> {
        let mut child = command
            .stdin(async_process::Stdio::piped())
            .stdout(async_process::Stdio::piped())
            .stderr(async_process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(Error::io)?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or_else(|| {
            Error::abort(
                Reason::Io {
                    kind: io::ErrorKind::BrokenPipe,
                },
                "child process has no stdout",
            )
        })?;
        Ok(ProcessStream {
            _child: child,
            stdin,
            stdout,
        })
    }
}

impl AsyncRead for ProcessStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stdout).poll_read(cx, buf)
    }
}

impl AsyncWrite for ProcessStream {
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
