//! What the client needs from an async runtime, and the runtimes it comes with.
//!
//! The client's loop is one code path over futures-io streams; a [`Runtime`] supplies the
//! three things that differ between executors: a timer for the driver's deadlines, a TCP
//! connect, and child processes (imaplib's `IMAP4_stream`). A runtime is a type, never a
//! value: it is the second parameter of [`generic::Client`](crate::generic::Client), fixed
//! by the aliases [`smol::Client`](crate::smol::Client),
//! [`async_std::Client`](crate::async_std::Client) and [`tokio::Client`](crate::tokio::Client).

use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

use futures_lite::future;

use crate::transport::BoxStream;

/// An async runtime, as the client uses it: a timer, TCP, child processes.
///
/// Implemented by the marker types [`SmolRuntime`](crate::SmolRuntime) (feature `smol`),
/// [`AsyncStdRuntime`](crate::AsyncStdRuntime) (feature `async-std`) and
/// [`TokioRuntime`](crate::TokioRuntime) (feature `tokio`). Another executor can be
/// plugged in by implementing it for a type of one's own; every method is called from
/// inside a poll of the client's futures, so within that executor's context.
///
/// Futures built from these pieces are `Send`, so that every future of the client is.
pub trait Runtime {
    /// A one-shot timer that can be moved: ready once its deadline has passed.
    type Timer: Future + Send + Unpin;

    /// A timer firing at `at`.
    fn timer(at: Instant) -> Self::Timer;

    /// Moves `timer`'s deadline to `at` (re-arming it if it fired).
    fn reset(timer: &mut Self::Timer, at: Instant);

    /// Opens a TCP connection to `host:port` (a name is resolved) with `TCP_NODELAY`.
    fn connect(host: &str, port: u16) -> impl Future<Output = io::Result<BoxStream>> + Send;

    /// Runs `command` with stdin and stdout piped (stderr inherited) and returns them as
    /// one stream. The child is killed when the stream is dropped, and reaped.
    fn spawn(command: std::process::Command) -> io::Result<BoxStream>;
}

/// Runs `fut`, failing with a timeout error after `timeout` (if any) on `R`'s timer.
pub(crate) async fn with_timeout<R: Runtime, T>(
    timeout: Option<Duration>,
    fut: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    match timeout.and_then(|t| Instant::now().checked_add(t)) {
        None => fut.await,
        Some(at) => {
            let timer = async {
                R::timer(at).await;
                Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"))
            };
            future::or(fut, timer).await
        }
    }
}

/// smol's runtime: timers from `async-io`, TCP from `async-net`, processes from
/// `async-process` (feature `smol`).
#[cfg(feature = "smol")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmolRuntime;

/// async-std's runtime: timers from `async-io`, TCP from `async_std::net`, processes from
/// `async-process` (feature `async-std`).
#[cfg(feature = "async-std")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AsyncStdRuntime;

/// The parts smol and async-std share: both run on async-io's reactor.
#[cfg(any(feature = "smol", feature = "async-std"))]
macro_rules! async_io_runtime {
    ($rt:ty, |$host:ident, $port:ident| $connect:expr) => {
        impl Runtime for $rt {
            type Timer = async_io::Timer;

            fn timer(at: Instant) -> async_io::Timer {
                async_io::Timer::at(at)
            }

            fn reset(timer: &mut async_io::Timer, at: Instant) {
                timer.set_at(at);
            }

            async fn connect($host: &str, $port: u16) -> io::Result<BoxStream> {
                let s: async_io::Async<std::net::TcpStream> = $connect.await?;
                let _ = s.get_ref().set_nodelay(true);
                Ok(Box::new(AsyncIoTcp::new(s)))
            }

            fn spawn(command: std::process::Command) -> io::Result<BoxStream> {
                let mut command = async_process::Command::from(command);
                let mut child = command
                    .stdin(async_process::Stdio::piped())
                    .stdout(async_process::Stdio::piped())
                    .stderr(async_process::Stdio::inherit())
                    .kill_on_drop(true)
                    .spawn()?;
                let (stdin, stdout) = (child.stdin.take(), child.stdout.take());
                crate::transport::ProcessStream::boxed(child, stdin, stdout)
            }
        }
    };
}

// Each runtime's connect (its resolver and its socket), as the async-io handle underneath:
// smol's is unwrapped as it is; async-std's is taken off the reactor and put back (two
// epoll_ctl calls, once per connection).
#[cfg(feature = "smol")]
async_io_runtime!(SmolRuntime, |host, port| async {
    let s = async_net::TcpStream::connect((host, port)).await?;
    let s: std::sync::Arc<async_io::Async<std::net::TcpStream>> = s.into();
    std::sync::Arc::into_inner(s).ok_or_else(|| io::Error::other("TCP stream shared"))
});

#[cfg(feature = "async-std")]
async_io_runtime!(AsyncStdRuntime, |host, port| async {
    let s = async_std::net::TcpStream::connect((host, port)).await?;
    async_io::Async::new(std::net::TcpStream::try_from(s)?)
});

/// A TCP stream on async-io's reactor (smol's and async-std's) that skips the read it
/// knows would find nothing.
///
/// async-io's own `poll_read` always tries the socket first and waits for readiness only
/// after `EAGAIN`. After a read that did not fill the caller's buffer the socket was
/// drained, so that try is a wasted `recvfrom` on every wake-up: this stream asks the
/// reactor for readiness first instead (tokio's streams do the same). The reactor's
/// interest is level-triggered, so bytes that arrived in between are reported at once:
/// only a syscall is saved, never a byte delayed.
#[cfg(any(feature = "smol", feature = "async-std"))]
#[derive(Debug)]
pub(crate) struct AsyncIoTcp {
    inner: async_io::Async<std::net::TcpStream>,
    /// The last read came back short (or would have blocked): wait for readiness first.
    drained: bool,
}

#[cfg(any(feature = "smol", feature = "async-std"))]
impl AsyncIoTcp {
    pub(crate) fn new(inner: async_io::Async<std::net::TcpStream>) -> Self {
        AsyncIoTcp {
            inner,
            drained: false,
        }
    }
}

#[cfg(any(feature = "smol", feature = "async-std"))]
impl futures_io::AsyncRead for AsyncIoTcp {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<io::Result<usize>> {
        use std::io::Read as _;
        let this = self.get_mut();
        loop {
            if this.drained {
                futures_lite::ready!(this.inner.poll_readable(cx))?;
                this.drained = false;
            }
            match this.inner.get_ref().read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => this.drained = true,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(n) => {
                    this.drained = n < buf.len();
                    return std::task::Poll::Ready(Ok(n));
                }
                Err(e) => return std::task::Poll::Ready(Err(e)),
            }
        }
    }
}

#[cfg(any(feature = "smol", feature = "async-std"))]
impl futures_io::AsyncWrite for AsyncIoTcp {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> std::task::Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    /// Shuts the socket down for writing (the server sees the end of the stream), as
    /// async-net's stream does; async-io's own `poll_close` only flushes.
    fn poll_close(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        let shut = self.inner.get_ref().shutdown(std::net::Shutdown::Write);
        std::task::Poll::Ready(shut)
    }
}

#[cfg(all(test, feature = "smol"))]
mod tests {
    use super::*;
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::mpsc;
    use std::time::Duration;

    /// `fut`, or a failure after 10 s: a read that waits for readiness must never hang.
    fn bounded<T>(fut: impl Future<Output = T>) -> T {
        smol::block_on(future::or(async { Some(fut.await) }, async {
            async_io::Timer::after(Duration::from_secs(10)).await;
            None
        }))
        .expect("the read hung")
    }

    /// A loopback pair: our stream and the peer's std socket.
    fn pair() -> (AsyncIoTcp, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let ours = async_io::Async::new(TcpStream::connect(addr).unwrap()).unwrap();
        let (peer, _) = listener.accept().unwrap();
        (AsyncIoTcp::new(ours), peer)
    }

    #[test]
    fn a_short_read_waits_for_readiness_and_misses_nothing() {
        let (mut ours, mut peer) = pair();
        let (go, wait) = mpsc::channel::<()>();
        let server = std::thread::spawn(move || {
            peer.write_all(b"abc").unwrap();
            // Sent while the client is already waiting on the reactor.
            wait.recv().unwrap();
            std::thread::sleep(Duration::from_millis(50));
            peer.write_all(b"defgh").unwrap();
            // Sent before the client's next read: the level-triggered interest reports it.
            wait.recv().unwrap();
            peer.write_all(b"ij").unwrap();
            wait.recv().unwrap();
            let mut got = Vec::new();
            peer.read_to_end(&mut got).unwrap();
            got
        });
        let mut buf = [0u8; 4];
        // Full read: more may be there, the next read tries the socket at once.
        let mut two = [0u8; 2];
        assert_eq!(bounded(ours.read(&mut two)).unwrap(), 2);
        assert_eq!(&two, b"ab");
        assert!(!ours.drained);
        // Short read: the socket is drained.
        assert_eq!(bounded(ours.read(&mut buf)).unwrap(), 1);
        assert_eq!(&buf[..1], b"c");
        assert!(ours.drained);
        go.send(()).unwrap();
        assert_eq!(bounded(ours.read(&mut buf)).unwrap(), 4);
        assert_eq!(&buf, b"defg");
        assert_eq!(bounded(ours.read(&mut buf)).unwrap(), 1);
        assert_eq!(&buf[..1], b"h");
        assert!(ours.drained);
        go.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(bounded(ours.read(&mut buf)).unwrap(), 2);
        assert_eq!(&buf[..2], b"ij");
        // Writes pass through; closing shuts down our side (the peer sees EOF).
        go.send(()).unwrap();
        bounded(ours.write_all(b"LOGOUT")).unwrap();
        bounded(ours.close()).unwrap();
        assert_eq!(server.join().unwrap(), b"LOGOUT");
    }
    #[test]
    fn end_of_stream_after_a_short_read_is_seen() {
        let (mut ours, mut peer) = pair();
        peer.write_all(b"* BYE\r\n").unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(bounded(ours.read(&mut buf)).unwrap(), 7);
        assert!(ours.drained);
        drop(peer);
        assert_eq!(bounded(ours.read(&mut buf)).unwrap(), 0);
        assert_eq!(bounded(ours.read(&mut buf)).unwrap(), 0);
    }
}
