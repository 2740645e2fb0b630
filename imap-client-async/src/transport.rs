//! Byte pipes: any futures-io stream, TLS over it, a child process, and connect helpers.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::future;
use futures_rustls::client::TlsStream;
use futures_rustls::TlsConnector;
use imaplib_proto::tls::rustls::ClientConfig;
use imaplib_proto::{Cause, Error, Result};

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
    with_timeout(timeout, connect).await.map_err(Error::io)
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
        .map_err(|e| {
            if e.kind() == io::ErrorKind::TimedOut {
                Error::io(e)
            } else {
                Error::abort(Cause::Tls, format!("TLS handshake failed: {e}")).with_source(e)
            }
        })
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
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| Error::abort(Cause::Io, "child process has no stdout"))?;
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

/// The stream under a client: plain, or wrapped in TLS after STARTTLS.
pub(crate) enum Transport<S> {
    Plain(S),
    Tls(Box<TlsStream<S>>),
    Closed,
}

impl<S: Duplex> Transport<S> {
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let r = match self {
            Transport::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Transport::Closed => Poll::Ready(Ok(0)),
        };
        match r {
            // A peer that closes without close_notify: the end of the stream.
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => Poll::Ready(Ok(0)),
            other => other,
        }
    }

    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self {
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Transport::Closed => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "connection closed",
            ))),
        }
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Transport::Closed => Poll::Ready(Ok(())),
        }
    }

    pub(crate) async fn close(&mut self) {
        match std::mem::replace(self, Transport::Closed) {
            Transport::Plain(mut s) => {
                let _ = future::poll_fn(|cx| Pin::new(&mut s).poll_close(cx)).await;
            }
            Transport::Tls(mut s) => {
                let _ = future::poll_fn(|cx| Pin::new(s.as_mut()).poll_close(cx)).await;
            }
            Transport::Closed => {}
        }
    }

    /// The plain stream, if the transport is not (yet) TLS.
    pub(crate) fn take_plain(&mut self) -> Option<S> {
        match std::mem::replace(self, Transport::Closed) {
            Transport::Plain(s) => Some(s),
            other => {
                *self = other;
                None
            }
        }
    }

    pub(crate) fn get_ref(&self) -> Option<&S> {
        match self {
            Transport::Plain(s) => Some(s),
            Transport::Tls(s) => Some(s.get_ref().0),
            Transport::Closed => None,
        }
    }

    pub(crate) fn get_mut(&mut self) -> Option<&mut S> {
        match self {
            Transport::Plain(s) => Some(s),
            Transport::Tls(s) => Some(s.get_mut().0),
            Transport::Closed => None,
        }
    }
}
