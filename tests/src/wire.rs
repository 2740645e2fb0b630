//! Transport wrappers for tests: deterministic await points and a record of the bytes the
//! client wrote.
//!
//! * [`Stutter`] wraps any futures-io stream (an `async_net::TcpStream`, a child process's
//!   pipes…) for the async client. On every `poll_read`, `poll_write` and `poll_flush` it
//!   first returns `Pending` once — waking the waker at once, so the task is polled again
//!   without waiting for anything — and delegates to the stream on the next call. Every
//!   read, write and flush of the client is thereby an await point at which its future
//!   returns `Pending` at least once, whatever the timing of the server: a test can count
//!   the polls an operation takes and drop it after each of them.
//! * [`Recorder`] records what the client writes and changes nothing else: around a
//!   blocking [`Socket`] (a `std::net::TcpStream`…) for the blocking client, or around a
//!   futures-io stream for the async one.
//!
//! Both record the client's bytes into a [`Written`] log shared with the test, which reads
//! it while the client still owns the stream, and on request (`record_reads`) the server's
//! bytes into another. A [`Recorder`] also keeps, on request (`record_transcript`), both
//! directions in one [`Transcript`], in the order they happened: what the client wrote
//! before and after a server's `+`. Record plain streams: below TLS the logs hold
//! ciphertext.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_lite::{AsyncRead, AsyncWrite};
use imaplib_blocking::Socket;

/// The bytes that went one way through a wrapper, in order, shared with the test.
#[derive(Debug, Clone, Default)]
pub struct Written(Arc<Mutex<Vec<u8>>>);

impl Written {
    /// A new, empty log.
    pub fn new() -> Self {
        Written::default()
    }

    fn push(&self, bytes: &[u8]) {
        self.lock().extend_from_slice(bytes);
    }

    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        // A panic while holding the lock cannot leave the log half-written: recover it.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of everything written so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.lock().clone()
    }

    /// How many bytes were written so far.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The written bytes from offset `from` on, as (lossy) text.
    pub fn text_from(&self, from: usize) -> String {
        let bytes = self.lock();
        String::from_utf8_lossy(&bytes[from.min(bytes.len())..]).into_owned()
    }

    /// The complete lines (CRLF-terminated, CRLF removed) written from offset `from` on.
    /// Literal bytes written as part of a line are split like any other.
    pub fn lines_from(&self, from: usize) -> Vec<String> {
        let text = self.text_from(from);
        let mut lines: Vec<String> = text.split("\r\n").map(str::to_owned).collect();
        // The part after the last CRLF is not a complete line.
        lines.pop();
        lines
    }
}

/// Who sent bytes, in a [`Transcript`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The client wrote them.
    Client,
    /// The client read them from the server.
    Server,
}

/// One entry of a [`Transcript`]: who sent, and the bytes.
pub type Entry = (Direction, Vec<u8>);

/// Both directions through a [`Recorder`], in order: consecutive bytes of one direction
/// form one entry.
#[derive(Debug, Clone, Default)]
pub struct Transcript(Arc<Mutex<Vec<Entry>>>);

impl Transcript {
    fn push(&self, who: Direction, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match log.last_mut() {
            Some((last, b)) if *last == who => b.extend_from_slice(bytes),
            _ => log.push((who, bytes.to_vec())),
        }
    }

    /// The entries so far.
    pub fn entries(&self) -> Vec<Entry> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The entries from index `from` on, one line each (`C: …` or `S: …`, escaped), for
    /// failure messages.
    pub fn render_from(&self, from: usize) -> String {
        let mut out = String::new();
        for (who, bytes) in self.entries().iter().skip(from) {
            let who = match who {
                Direction::Client => "C",
                Direction::Server => "S",
            };
            out.push_str(&format!("{who}: {}\n", bytes.escape_ascii()));
        }
        out
    }
}

/// Which operation a [`Stutter`] holds back next.
#[derive(Debug, Default, Clone, Copy)]
struct Held {
    read: bool,
    write: bool,
    flush: bool,
}

/// A futures-io stream whose every read, write and flush is `Pending` once (with the waker
/// woken) before it reaches the wrapped stream. See the [module documentation](self).
#[derive(Debug)]
pub struct Stutter<S> {
    inner: S,
    /// The kinds of call that stutter (all, unless [`Stutter::reads_only`]).
    holds: Held,
    /// True when the last call of that kind returned the stutter's own `Pending`: the next
    /// one goes through.
    held: Held,
    stalls: u64,
    written: Option<Written>,
    read: Option<Written>,
}

impl<S> Stutter<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Stutter {
            inner,
            holds: Held {
                read: true,
                write: true,
                flush: true,
            },
            held: Held::default(),
            stalls: 0,
            written: None,
            read: None,
        }
    }

    /// Wraps `inner` and records every byte written through it; the log is returned too.
    pub fn recording(inner: S) -> (Self, Written) {
        let log = Written::new();
        let mut s = Stutter::new(inner);
        s.written = Some(log.clone());
        (s, log)
    }

    /// Records every byte read through this stream too, in the log returned.
    pub fn record_reads(&mut self) -> Written {
        self.read.get_or_insert_with(Written::new).clone()
    }

    /// Only reads stutter; writes and flushes go through at once. A future that writes a
    /// command and then waits for the answer is `Pending` after its first poll with the
    /// command written and nothing read, whatever the server's speed.
    pub fn reads_only(mut self) -> Self {
        self.holds.write = false;
        self.holds.flush = false;
        self
    }

    /// How many times this stream returned its own `Pending` so far.
    pub fn stalls(&self) -> u64 {
        self.stalls
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Returns `Pending` (waking the task) when the previous call of this kind did not.
    fn stutter(holds: bool, held: &mut bool, stalls: &mut u64, cx: &mut Context<'_>) -> bool {
        if !holds {
            return false;
        }
        *held = !*held;
        if *held {
            *stalls += 1;
            cx.waker().wake_by_ref();
        }
        *held
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Stutter<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if Self::stutter(this.holds.read, &mut this.held.read, &mut this.stalls, cx) {
            return Poll::Pending;
        }
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let (Poll::Ready(Ok(n)), Some(log)) = (&r, &this.read) {
            log.push(&buf[..*n]);
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Stutter<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if Self::stutter(this.holds.write, &mut this.held.write, &mut this.stalls, cx) {
            return Poll::Pending;
        }
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let (Poll::Ready(Ok(n)), Some(log)) = (&r, &this.written) {
            log.push(&buf[..*n]);
        }
        r
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if Self::stutter(this.holds.flush, &mut this.held.flush, &mut this.stalls, cx) {
            return Poll::Pending;
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    /// Closing goes through at once: a client dropped with a no-op waker closes its stream.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}

/// A stream that records every byte written through it: a blocking [`Socket`] when `S` is
/// one, a futures-io stream when `S` is one.
#[derive(Debug)]
pub struct Recorder<S> {
    inner: S,
    written: Written,
    read: Option<Written>,
    transcript: Option<Transcript>,
}

impl<S> Recorder<S> {
    /// Wraps `inner`; the log of written bytes is returned too.
    pub fn new(inner: S) -> (Self, Written) {
        let written = Written::new();
        (
            Recorder {
                inner,
                written: written.clone(),
                read: None,
                transcript: None,
            },
            written,
        )
    }

    /// Records every byte read through this stream too, in the log returned.
    pub fn record_reads(&mut self) -> Written {
        self.read.get_or_insert_with(Written::new).clone()
    }

    /// Records both directions, in order, in the transcript returned.
    pub fn record_transcript(&mut self) -> Transcript {
        self.transcript
            .get_or_insert_with(Transcript::default)
            .clone()
    }

    fn was_read(&self, bytes: &[u8]) {
        if let Some(log) = &self.read {
            log.push(bytes);
        }
        if let Some(t) = &self.transcript {
            t.push(Direction::Server, bytes);
        }
    }

    fn was_written(&self, bytes: &[u8]) {
        self.written.push(bytes);
        if let Some(t) = &self.transcript {
            t.push(Direction::Client, bytes);
        }
    }
}

impl<S: Read> Read for Recorder<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.was_read(&buf[..n]);
        Ok(n)
    }
}

impl<S: Write> Write for Recorder<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.was_written(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<S: Socket> Socket for Recorder<S> {
    fn set_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.inner.set_timeout(timeout)
    }

    fn tcp(&self) -> Option<&std::net::TcpStream> {
        self.inner.tcp()
    }

    fn close(&mut self) {
        self.inner.close()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Recorder<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(n)) = &r {
            this.was_read(&buf[..*n]);
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorder<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &r {
            this.was_written(&buf[..*n]);
        }
        r
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}
