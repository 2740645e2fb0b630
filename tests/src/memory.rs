//! An in-memory server stream for both clients: a scripted peer that never blocks.
//!
//! A [`MemoryStream`] hands the client pre-computed server bytes and records every byte the
//! client writes. It implements [`imaplib_blocking::Socket`] (blocking reads and writes that
//! return at once) and futures-io [`AsyncRead`] + [`AsyncWrite`] (always ready, unless
//! [`MemoryStream::stutter`] asks for a `Pending` now and then), so the same script runs
//! through both clients with `Client::from_stream(stream, "", &config, false)` and, for the
//! async one, a plain `futures_lite::future::block_on`: no reactor, no socket, no thread.
//!
//! The server side is a list of [`Segment`]s. A segment is released once the client has
//! written a given number of lines (LF bytes): the greeting at once, the answer to the first
//! command after its line, and so on — the way a server answers, so that a tagged answer
//! never reaches the client before its command was sent. [`MemoryStream::from_marks`] builds
//! the segments from [`Script::server_bytes`](crate::hostile::Script::server_bytes).
//!
//! Reads hand out the released bytes in the configured [`Chunking`]. The script may be cut
//! after N bytes ([`MemoryStream::cut_after`]): what follows is never sent. When every byte
//! the script will ever send has been read, a read returns `Ok(0)` (the end of the stream).
//! A read that finds nothing released while the script still holds bytes (the client reads
//! before writing what the server waits for) is *starved*: it fails with an `Other` I/O error
//! and is counted ([`Peer::starved`]) — never `WouldBlock`, which the blocking client would
//! take for a passed deadline, and never a block, which would hang the test.
//!
//! ```
//! use imaplib_integration_tests::memory::{Chunking, MemoryStream};
//! use imaplib_blocking::{Client, Config};
//!
//! let stream = MemoryStream::new(vec![
//!     (0, b"* OK [CAPABILITY IMAP4rev1] hi\r\n".to_vec()),
//!     (1, b"BCDE0 OK done\r\n".to_vec()),
//! ])
//! .chunking(Chunking::Pieces(1));
//! let peer = stream.peer();
//! let config = Config::default().with_tag_seed(0x1234);
//! let mut m = Client::from_stream(stream, "", &config, false).unwrap();
//! assert_eq!(m.noop().unwrap().python_repr(), "('OK', [b'done'])");
//! // The script is over: the next command fails on the end of the stream.
//! assert!(m.noop().unwrap_err().is_abort());
//! drop(m);
//! assert_eq!(peer.written(), b"BCDE0 NOOP\r\nBCDE1 NOOP\r\n");
//! assert_eq!(peer.starved(), 0);
//! ```

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_lite::io::{AsyncRead, AsyncWrite};

/// Server bytes released once the client has written `after_lines` LF bytes in all.
pub type Segment = (usize, Vec<u8>);

/// How the server's bytes are handed out by reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunking {
    /// Everything released so far, up to the caller's buffer, in one read.
    Whole,
    /// At most this many bytes per read (1: byte by byte).
    Pieces(usize),
}

impl Chunking {
    fn limit(self) -> usize {
        match self {
            Chunking::Whole => usize::MAX,
            Chunking::Pieces(n) => n.max(1),
        }
    }
}

#[derive(Debug)]
struct Inner {
    /// The server's bytes, all segments back to back (already cut).
    server: Vec<u8>,
    /// Where each segment ends in `server`, and the lines it waits for.
    gates: Vec<(usize, usize)>,
    /// Bytes handed to the client so far.
    at: usize,
    chunking: Chunking,
    write_limit: usize,
    /// Writes take nothing (`Ok(0)`) once the client has written this many bytes.
    write_zero_after: Option<usize>,
    stutter: bool,
    /// The next poll of each direction returns `Pending` (stutter).
    read_pending_next: bool,
    write_pending_next: bool,
    written: Vec<u8>,
    lines: usize,
    reads: usize,
    eof_reads: usize,
    starved: usize,
    writes: usize,
    pendings: usize,
}

impl Inner {
    /// The end of what is released now.
    fn released(&self) -> usize {
        self.gates
            .iter()
            .take_while(|(_, lines)| *lines <= self.lines)
            .last()
            .map_or(0, |(end, _)| *end)
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads += 1;
        if self.at == self.server.len() {
            self.eof_reads += 1;
            return Ok(0);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let end = self.released();
        if self.at >= end {
            self.starved += 1;
            return Err(io::Error::other(format!(
                "memory stream: read while the scripted server waits for the client \
                 (line {} of the client written, {} of {} server bytes read)",
                self.lines,
                self.at,
                self.server.len()
            )));
        }
        let n = (end - self.at).min(buf.len()).min(self.chunking.limit());
        buf[..n].copy_from_slice(&self.server[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }

    fn write(&mut self, data: &[u8]) -> usize {
        self.writes += 1;
        let room = self
            .write_zero_after
            .map_or(usize::MAX, |max| max.saturating_sub(self.written.len()));
        let n = data.len().min(self.write_limit).min(room);
        self.written.extend_from_slice(&data[..n]);
        self.lines += data[..n].iter().filter(|&&b| b == b'\n').count();
        n
    }

    /// Stutter: true when this poll must return `Pending` (it then wakes the waker).
    fn pend(stutter: bool, flag: &mut bool, pendings: &mut usize, cx: &mut Context<'_>) -> bool {
        if !stutter {
            return false;
        }
        *flag = !*flag;
        if *flag {
            *pendings += 1;
            cx.waker().wake_by_ref();
        }
        *flag
    }
}

/// The scripted server stream. See the [module documentation](self).
#[derive(Debug)]
pub struct MemoryStream {
    inner: Arc<Mutex<Inner>>,
}

/// A handle on a [`MemoryStream`] given to a client: what the client wrote and how it read.
#[derive(Debug, Clone)]
pub struct Peer {
    inner: Arc<Mutex<Inner>>,
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl MemoryStream {
    /// A server sending `segments` in order, each once the client has written its number
    /// of lines (the numbers must not decrease). Reads return everything released at once
    /// ([`Chunking::Whole`]) and writes take everything.
    pub fn new(segments: Vec<Segment>) -> Self {
        let mut server = Vec::new();
        let mut gates = Vec::new();
        let mut last = 0;
        for (lines, bytes) in segments {
            assert!(lines >= last, "segment gates must not decrease");
            last = lines;
            server.extend_from_slice(&bytes);
            gates.push((server.len(), lines));
        }
        MemoryStream {
            inner: Arc::new(Mutex::new(Inner {
                server,
                gates,
                at: 0,
                chunking: Chunking::Whole,
                write_limit: usize::MAX,
                write_zero_after: None,
                stutter: false,
                read_pending_next: false,
                write_pending_next: false,
                written: Vec::new(),
                lines: 0,
                reads: 0,
                eof_reads: 0,
                starved: 0,
                writes: 0,
                pendings: 0,
            })),
        }
    }

    /// A server sending `bytes`, split at `marks`: the bytes before `marks[0]` at once,
    /// those up to `marks[i + 1]` after the client's `i + 1`-th line — the shape
    /// [`Script::server_bytes`](crate::hostile::Script::server_bytes) returns for a script
    /// answering one single-line command per `expect`.
    pub fn from_marks(bytes: &[u8], marks: &[usize]) -> Self {
        let mut segments = Vec::new();
        let mut from = 0;
        for (i, &m) in marks
            .iter()
            .chain(std::iter::once(&bytes.len()))
            .enumerate()
        {
            segments.push((i, bytes[from..m].to_vec()));
            from = m;
        }
        Self::new(segments)
    }

    /// A server that sends `bytes` at once, whatever the client writes.
    pub fn unscripted(bytes: &[u8]) -> Self {
        Self::new(vec![(0, bytes.to_vec())])
    }

    /// Reads hand out the server's bytes in this chunking.
    pub fn chunking(self, chunking: Chunking) -> Self {
        lock(&self.inner).chunking = chunking;
        self
    }

    /// Each write takes at most `n` bytes (partial writes).
    pub fn write_limit(self, n: usize) -> Self {
        lock(&self.inner).write_limit = n.max(1);
        self
    }

    /// Once the client has written `n` bytes, writes return `Ok(0)`: the stream takes
    /// nothing more (a closed pipe that says so without an error).
    pub fn write_zero_after(self, n: usize) -> Self {
        lock(&self.inner).write_zero_after = Some(n);
        self
    }

    /// Async only: every other poll of each direction returns `Pending` after waking the
    /// waker, so that the client's futures stop and resume at every await point.
    pub fn stutter(self, on: bool) -> Self {
        lock(&self.inner).stutter = on;
        self
    }

    /// The server sends only the first `n` bytes of its script, then ends the stream.
    pub fn cut_after(self, n: usize) -> Self {
        {
            let mut i = lock(&self.inner);
            let n = n.min(i.server.len());
            i.server.truncate(n);
            for g in &mut i.gates {
                g.0 = g.0.min(n);
            }
        }
        self
    }

    /// A handle to inspect the stream once the client owns it.
    pub fn peer(&self) -> Peer {
        Peer {
            inner: self.inner.clone(),
        }
    }
}

impl Peer {
    /// Every byte the client wrote, in order.
    pub fn written(&self) -> Vec<u8> {
        lock(&self.inner).written.clone()
    }

    /// Server bytes the client has read.
    pub fn served(&self) -> usize {
        lock(&self.inner).at
    }

    /// All the server bytes the script sends (after a cut).
    pub fn script_len(&self) -> usize {
        lock(&self.inner).server.len()
    }

    /// Read calls.
    pub fn reads(&self) -> usize {
        lock(&self.inner).reads
    }

    /// Reads that returned the end of the stream.
    pub fn eof_reads(&self) -> usize {
        lock(&self.inner).eof_reads
    }

    /// Reads that found nothing released while the script held more: the client read
    /// before writing what the server waits for.
    pub fn starved(&self) -> usize {
        lock(&self.inner).starved
    }

    /// Write calls.
    pub fn writes(&self) -> usize {
        lock(&self.inner).writes
    }

    /// Turns the stutter on or off from now on.
    pub fn set_stutter(&self, on: bool) {
        lock(&self.inner).stutter = on;
    }

    /// `Pending`s returned (stutter).
    pub fn pendings(&self) -> usize {
        lock(&self.inner).pendings
    }
}

impl Read for MemoryStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        lock(&self.inner).read(buf)
    }
}

impl Write for MemoryStream {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        Ok(lock(&self.inner).write(data))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl imaplib_blocking::Socket for MemoryStream {
    /// Nothing to do: reads and writes never wait.
    fn set_timeout(&mut self, _timeout: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
}

impl AsyncRead for MemoryStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut i = lock(&self.inner);
        let i = &mut *i;
        if Inner::pend(i.stutter, &mut i.read_pending_next, &mut i.pendings, cx) {
            return Poll::Pending;
        }
        Poll::Ready(i.read(buf))
    }
}

impl AsyncWrite for MemoryStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut i = lock(&self.inner);
        let i = &mut *i;
        if Inner::pend(i.stutter, &mut i.write_pending_next, &mut i.pendings, cx) {
            return Poll::Pending;
        }
        Poll::Ready(Ok(i.write(data)))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
