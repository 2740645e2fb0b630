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
                let s = $connect.await?;
                let _ = s.set_nodelay(true);
                Ok(Box::new(s))
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

#[cfg(feature = "smol")]
async_io_runtime!(SmolRuntime, |host, port| async_net::TcpStream::connect((
    host, port
)));

#[cfg(feature = "async-std")]
async_io_runtime!(AsyncStdRuntime, |host, port| {
    async_std::net::TcpStream::connect((host, port))
});
