//! The client under tokio (feature `tokio`): TCP from `tokio::net`, timers from
//! `tokio::time`, child processes from `tokio::process`, all on tokio's own reactor (no
//! async-io thread beside it).
//!
//! ```no_run
//! # async fn demo() -> imaplib_async::Result<()> {
//! use imaplib_async::tokio::Client;
//!
//! let mut m = Client::connect_tls("imap.example.org", 993).await?;
//! m.login("alice", "secret").await?;
//! let r = m.select("INBOX", true).await?;
//! println!("{}", r.python_repr());
//! m.logout().await?;
//! # Ok(()) }
//! ```
//!
//! Every future is `Send`, so a session can run in `tokio::spawn` on the multi-threaded
//! runtime. The runtime must have its IO and time drivers enabled
//! (`Builder::enable_all()`, as `#[tokio::main]` does). A stream connected by hand goes
//! through [`Compat`] to `Client::from_stream` (`tokio_util::compat` does the same):
//!
//! ```no_run
//! # async fn demo() -> imaplib_async::Result<()> {
//! use imaplib_async::tokio::{Client, Compat};
//!
//! let tcp = tokio::net::TcpStream::connect(("imap.example.org", 993)).await?;
//! let config = imaplib_async::Config::default();
//! let mut m = Client::from_stream_tls(Compat::new(tcp), "imap.example.org", &config).await?;
//! # Ok(()) }
//! ```
//!
//! The client's futures must be polled inside a tokio runtime (its timers and sockets are
//! tokio's). The core reads `std::time::Instant`, so tokio's paused clock
//! (`tokio::time::pause`) does not move the client's deadlines.
//!
//! TLS is futures-rustls over [`Compat`], as under the other runtimes, rather than
//! tokio-rustls: one TLS code path in the client (STARTTLS's handshake kept across dropped
//! futures included), and the two crates are the same rustls driver over two IO traits.
//! Measured on loopback (256 MiB read over TLS 1.3, 25 rounds): tokio-rustls over
//! `TcpStream` and futures-rustls over `Compat<TcpStream>` both took a median of 170 ms of
//! client CPU (wall: 146 ms at best for both).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use ::tokio::io::{AsyncRead as TokioRead, AsyncWrite as TokioWrite, ReadBuf};
use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::ready;

use crate::runtime::Runtime;
use crate::transport::{BoxStream, ProcessStream};

/// tokio's runtime (feature `tokio`): timers from `tokio::time`, TCP from `tokio::net`,
/// processes from `tokio::process`, TLS by futures-rustls over [`Compat`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokioRuntime;

crate::runtime_aliases!(TokioRuntime, "tokio");

impl Runtime for TokioRuntime {
    type Timer = Pin<Box<::tokio::time::Sleep>>;

    fn timer(at: Instant) -> Self::Timer {
        Box::pin(::tokio::time::sleep_until(at.into()))
    }

    fn reset(timer: &mut Self::Timer, at: Instant) {
        timer.as_mut().reset(at.into());
    }

    async fn connect(host: &str, port: u16) -> io::Result<BoxStream> {
        let s = ::tokio::net::TcpStream::connect((host, port)).await?;
        let _ = s.set_nodelay(true);
        Ok(Box::new(Compat::new(s)))
    }

    fn spawn(command: std::process::Command) -> io::Result<BoxStream> {
        let mut command = ::tokio::process::Command::from(command);
        let mut child = command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().map(Compat::new);
        let stdout = child.stdout.take().map(Compat::new);
        ProcessStream::boxed(child, stdin, stdout)
    }
}

/// A tokio stream as a futures-io stream, which the client runs over. Reads go straight
/// into the caller's buffer (`ReadBuf` over initialised bytes: no copy, no zeroing); a
/// close is tokio's `shutdown`.
#[derive(Debug)]
pub struct Compat<T>(T);

impl<T> Compat<T> {
    /// Wraps a tokio stream.
    pub fn new(inner: T) -> Self {
        Compat(inner)
    }

    /// The tokio stream.
    pub fn get_ref(&self) -> &T {
        &self.0
    }

    /// The tokio stream, mutable.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.0
    }

    /// Unwraps the tokio stream.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: TokioRead + Unpin> AsyncRead for Compat<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        ready!(Pin::new(&mut self.0).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

impl<T: TokioWrite + Unpin> AsyncWrite for Compat<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn compat_moves_bytes_both_ways_and_closes() {
        let rt = ::tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let (a, b) = ::tokio::io::duplex(8);
            let (mut a, mut b) = (Compat::new(a), Compat::new(b));
            let writer = async {
                a.write_all(b"0123456789abcdef").await.unwrap();
                a.close().await.unwrap();
            };
            let reader = async {
                let mut got = Vec::new();
                b.read_to_end(&mut got).await.unwrap();
                got
            };
            let ((), got) = futures_lite::future::zip(writer, reader).await;
            assert_eq!(got, b"0123456789abcdef");
        });
    }
}
