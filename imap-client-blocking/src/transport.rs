//! Byte pipes: any [`Socket`], TLS over it, and a child process's stdin/stdout.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use imaplib_proto::auth::ChannelBinding;
use imaplib_proto::deflate::Deflate;
use imaplib_proto::error::{Reason, StateProblem, TlsFailure};
use imaplib_proto::tls::rustls::{ClientConfig, ClientConnection, StreamOwned};
use imaplib_proto::{Error, Result};

/// How long a child may take to exit once its stdin is closed, before it is killed.
const PROCESS_GRACE: Duration = Duration::from_secs(1);

/// Chunks the process reader thread may hold before the child blocks on its pipe.
const PIPE_CHUNKS: usize = 16;

/// A byte stream the blocking client runs over: a TCP socket, a Unix socket, a child
/// process, or your own (a proxy tunnel…), as long as reads and writes can time out.
pub trait Socket: Read + Write + Send {
    /// Applies `timeout` to the reads and writes that follow (`None`: wait forever). A read
    /// or write that times out fails with `WouldBlock` or `TimedOut`.
    fn set_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;

    /// The TCP socket, if this is one (imaplib's `socket()`).
    fn tcp(&self) -> Option<&TcpStream> {
        None
    }

    /// Closes both directions (a child process is reaped).
    fn close(&mut self) {}
}

/// A type-erased socket: what the connect helpers use.
pub type BoxSocket = Box<dyn Socket>;

impl<T: Socket + ?Sized> Socket for Box<T> {
    fn set_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        (**self).set_timeout(timeout)
    }

    fn tcp(&self) -> Option<&TcpStream> {
        (**self).tcp()
    }

    fn close(&mut self) {
        (**self).close()
    }
}

impl Socket for TcpStream {
    fn set_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(timeout)?;
        self.set_write_timeout(timeout)
    }

    fn tcp(&self) -> Option<&TcpStream> {
        Some(self)
    }

    fn close(&mut self) {
        let _ = self.shutdown(Shutdown::Both);
    }
}

#[cfg(unix)]
impl Socket for std::os::unix::net::UnixStream {
    fn set_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(timeout)?;
        self.set_write_timeout(timeout)
    }

    fn close(&mut self) {
        let _ = self.shutdown(Shutdown::Both);
    }
}

/// Connects to `host:port` (`""` means localhost), trying every resolved address, each
/// within `timeout`.
pub(crate) fn tcp_connect(host: &str, port: u16, timeout: Option<Duration>) -> Result<BoxSocket> {
    let host = if host.is_empty() { "localhost" } else { host };
    let addrs = (host, port).to_socket_addrs().map_err(|e| {
        Error::abort(
            Reason::Io { kind: e.kind() },
            format!("cannot resolve {host}:{port}: {e}"),
        )
        .with_source(e)
    })?;
    let mut last = None;
    for addr in addrs {
        let attempt = match timeout {
            Some(t) => TcpStream::connect_timeout(&addr, t),
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(s) => {
                // Commands are small and latency matters more than packet count.
                let _ = s.set_nodelay(true);
                return Ok(Box::new(s));
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => Error::connect_failed(host, port, e, timeout),
        None => Error::abort(
            Reason::Io {
                kind: io::ErrorKind::NotFound,
            },
            format!("{host}:{port} resolved to no address"),
        ),
    })
}

/// A child process speaking IMAP on stdin/stdout (imaplib's `IMAP4_stream`). A thread reads
/// stdout so that reads can time out; it holds at most 16 chunks of 64 KiB.
pub struct ProcessStream {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<io::Result<Vec<u8>>>,
    pending: Vec<u8>,
    at: usize,
    eof: bool,
    timeout: Option<Duration>,
}

impl ProcessStream {
    /// Runs `command` with `sh -c`, stdin and stdout piped, stderr inherited.
    pub fn spawn(command: &str) -> Result<ProcessStream> {
        let mut sh = Command::new("sh");
        sh.arg("-c").arg(command);
        Self::spawn_command(sh)
    }

    /// Runs a program given without a shell; its stdin and stdout become the stream.
    pub fn spawn_command(mut command: Command) -> Result<ProcessStream> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(Error::io)?;
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().ok_or_else(|| {
            Error::abort(
                Reason::Io {
                    kind: io::ErrorKind::BrokenPipe,
                },
                "child process has no stdout",
            )
        })?;
        let (tx, rx) = mpsc::sync_channel(PIPE_CHUNKS);
        thread::Builder::new()
            .name("imaplib-stream-reader".into())
            .spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let r = match stdout.read(&mut buf) {
                        Ok(0) => break,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Ok(n) => Ok(buf[..n].to_vec()),
                        Err(e) => Err(e),
                    };
                    let failed = r.is_err();
                    if tx.send(r).is_err() || failed {
                        break;
                    }
                }
            })
            .map_err(Error::io)?;
        Ok(ProcessStream {
            child,
            stdin,
            rx,
            pending: Vec::new(),
            at: 0,
            eof: false,
            timeout: None,
        })
    }
}

impl Read for ProcessStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.pending.len() {
            if self.eof {
                return Ok(0);
            }
            let next = match self.timeout {
                Some(t) => self.rx.recv_timeout(t),
                None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match next {
                Ok(chunk) => (self.pending, self.at) = (chunk?, 0),
                Err(RecvTimeoutError::Timeout) => {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "read timed out"))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.eof = true;
                    return Ok(0);
                }
            }
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl Write for ProcessStream {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self.stdin.as_mut() {
            Some(s) => s.write(data),
            None => Err(io::Error::new(io::ErrorKind::BrokenPipe, "stdin closed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stdin.as_mut().map_or(Ok(()), Write::flush)
    }
}

impl Socket for ProcessStream {
    fn set_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.timeout = timeout;
        Ok(())
    }

    /// Closes stdin and reaps the child, killing it if it does not exit within a second.
    fn close(&mut self) {
        self.stdin = None;
        let deadline = Instant::now() + PROCESS_GRACE;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(None) => thread::sleep(Duration::from_millis(10)),
                _ => return,
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ProcessStream {
    fn drop(&mut self) {
        self.close();
    }
}

/// The stream under a client: plain, or wrapped in TLS, and maybe compressed above that
/// (COMPRESS=DEFLATE); and the timeout last applied, so that it is set again only when it
/// changes (two system calls per read otherwise).
pub(crate) struct Transport<S: Socket> {
    pipe: Pipe<S>,
    /// COMPRESS=DEFLATE: what is written is compressed, what is read decompressed.
    deflate: Option<Box<Deflate>>,
    /// `None`: unknown (never set, or the socket was handed out).
    applied: Cell<Option<Option<Duration>>>,
}

enum Pipe<S: Socket> {
    Plain(S),
    Tls(Box<StreamOwned<ClientConnection, S>>),
    Closed,
}

impl<S: Socket> Transport<S> {
    pub(crate) fn plain(s: S) -> Self {
        Transport {
            pipe: Pipe::Plain(s),
            deflate: None,
            applied: Cell::new(None),
        }
    }

    /// `s` with the TLS handshake done, within `timeout`.
    pub(crate) fn tls(
        s: S,
        config: Arc<ClientConfig>,
        name: &str,
        t: Option<Duration>,
    ) -> Result<Self> {
        let mut transport = Self::plain(s);
        transport.upgrade(config, name, t)?;
        Ok(transport)
    }

    /// The channel-binding data of the TLS session (`None` for a plain stream).
    pub(crate) fn channel_binding(&self) -> Option<ChannelBinding> {
        match &self.pipe {
            Pipe::Tls(s) => Some(imaplib_proto::tls::channel_binding(&s.conn)),
            Pipe::Plain(_) | Pipe::Closed => None,
        }
    }

    /// The socket, to inspect or configure: its timeout is set again before the next use.
    pub(crate) fn socket(&self) -> Option<&S> {
        self.applied.set(None);
        match &self.pipe {
            Pipe::Plain(s) => Some(s),
            Pipe::Tls(s) => Some(&s.sock),
            Pipe::Closed => None,
        }
    }

    /// The socket, mutable: its timeout is set again before the next use.
    pub(crate) fn socket_mut(&mut self) -> Option<&mut S> {
        self.applied.set(None);
        match &mut self.pipe {
            Pipe::Plain(s) => Some(s),
            Pipe::Tls(s) => Some(&mut s.sock),
            Pipe::Closed => None,
        }
    }

    fn timed(&mut self, timeout: Option<Duration>) -> io::Result<&mut dyn ReadWrite> {
        if self.applied.get() != Some(timeout) {
            if let Some(s) = self.socket_mut() {
                s.set_timeout(timeout)?;
            }
            self.applied.set(Some(timeout));
        }
        Ok(match &mut self.pipe {
            Pipe::Plain(s) => s,
            Pipe::Tls(s) => s.as_mut(),
            Pipe::Closed => return Err(io::ErrorKind::NotConnected.into()),
        })
    }

    /// Reads what is there, waiting at most `timeout`; `Ok(0)` at the end of the stream.
    /// Compressed, at most `buf` is inflated from what one read of the stream brought; a
    /// read that brought nothing to inflate is `Interrupted` (poll the driver again), so
    /// that a server sending empty blocks is silence, not an endless loop.
    pub(crate) fn read(&mut self, buf: &mut [u8], timeout: Option<Duration>) -> io::Result<usize> {
        if matches!(self.pipe, Pipe::Closed) {
            return Ok(0);
        }
        if self.deflate.is_none() {
            return Self::read_pipe(self.timed(timeout)?, buf);
        }
        // Compressed bytes written earlier go first: the server may be waiting for them.
        self.push(timeout)?;
        let z = self.deflate.as_mut().expect("checked above");
        let n = z.inflate(buf).map_err(to_io)?;
        if n > 0 {
            return Ok(n);
        }
        self.timed(timeout)?;
        let pipe = match &mut self.pipe {
            Pipe::Plain(s) => s as &mut dyn ReadWrite,
            Pipe::Tls(s) => s.as_mut(),
            Pipe::Closed => return Ok(0),
        };
        let z = self.deflate.as_mut().expect("checked above");
        match Self::read_pipe(pipe, z.input_buffer())? {
            0 => Ok(0),
            got => {
                z.received(got);
                match z.inflate(buf).map_err(to_io)? {
                    0 => Err(io::ErrorKind::Interrupted.into()),
                    n => Ok(n),
                }
            }
        }
    }

    fn read_pipe(pipe: &mut dyn ReadWrite, buf: &mut [u8]) -> io::Result<usize> {
        match pipe.read(buf) {
            // A peer that closes without close_notify: the end of the stream.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
            other => other,
        }
    }

    /// Writes (a prefix of) `data`, waiting at most `timeout`. Compressed, `data` is
    /// taken whole and sync-flushed once the compressed bytes of earlier writes are out;
    /// what the stream does not take in time goes out before the next read or write.
    pub(crate) fn write(&mut self, data: &[u8], timeout: Option<Duration>) -> io::Result<usize> {
        if self.deflate.is_some() {
            self.push(timeout)?;
            if let Some(z) = self.deflate.as_mut() {
                z.compress(data);
            }
            return match self.push(timeout) {
                // Taken: the rest goes out with the next read or write.
                Err(e) if matches!(e.kind(), TimedOut | WouldBlock | Interrupted) => Ok(data.len()),
                Err(e) => Err(e),
                Ok(()) => Ok(data.len()),
            };
        }
        let pipe = self.timed(timeout)?;
        let n = pipe.write(data)?;
        pipe.flush()?;
        Ok(n)
    }

    /// Writes the compressed bytes waiting, and flushes.
    fn push(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let Some(pending) = self.deflate.as_ref().map(|z| !z.pending().is_empty()) else {
            return Ok(());
        };
        if !pending {
            return Ok(());
        }
        self.timed(timeout)?;
        let pipe = match &mut self.pipe {
            Pipe::Plain(s) => s as &mut dyn ReadWrite,
            Pipe::Tls(s) => s.as_mut(),
            Pipe::Closed => return Err(io::ErrorKind::NotConnected.into()),
        };
        let Some(z) = self.deflate.as_mut() else {
            return Ok(());
        };
        while !z.pending().is_empty() {
            match pipe.write(z.pending())? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => z.sent(n),
            }
        }
        pipe.flush()
    }

    /// Stacks COMPRESS=DEFLATE on the stream; `received` are compressed bytes that came
    /// with the server's OK.
    pub(crate) fn compress(&mut self, received: Vec<u8>) {
        self.deflate = Some(Box::new(Deflate::new(received)));
    }

    /// Wraps the plain stream in TLS and completes the handshake within `timeout`.
    pub(crate) fn upgrade(
        &mut self,
        config: Arc<ClientConfig>,
        name: &str,
        timeout: Option<Duration>,
    ) -> Result<()> {
        let Pipe::Plain(mut sock) = std::mem::replace(&mut self.pipe, Pipe::Closed) else {
            return Err(Error::abort(
                Reason::State(StateProblem::TlsActive),
                "TLS can only start on a plain stream",
            ));
        };
        let name = imaplib_proto::tls::server_name(name)?;
        let mut conn = ClientConnection::new(config, name).map_err(|e| {
            Error::abort(
                Reason::Tls(TlsFailure::Config),
                format!("TLS setup failed: {e}"),
            )
            .with_source(e)
        })?;
        sock.set_timeout(timeout).map_err(Error::io)?;
        self.applied.set(Some(timeout));
        while conn.is_handshaking() {
            conn.complete_io(&mut sock)
                .map_err(|e| imaplib_proto::tls::handshake_failed(e, timeout))?;
        }
        self.pipe = Pipe::Tls(Box::new(StreamOwned::new(conn, sock)));
        Ok(())
    }

    pub(crate) fn is_closed(&self) -> bool {
        matches!(self.pipe, Pipe::Closed)
    }

    /// Closes the transport: compressed bytes not written yet (a farewell LOGOUT), TLS
    /// close_notify, then the socket.
    pub(crate) fn close(&mut self) {
        if self.deflate.is_some() && !self.is_closed() {
            let _ = self.push(Some(Duration::from_millis(100)));
        }
        self.deflate = None;
        self.applied.set(None);
        match std::mem::replace(&mut self.pipe, Pipe::Closed) {
            Pipe::Plain(mut s) => s.close(),
            Pipe::Tls(mut s) => {
                s.conn.send_close_notify();
                let _ = s.conn.complete_io(&mut s.sock);
                s.sock.close();
            }
            Pipe::Closed => {}
        }
    }
}

/// An error of the compression layer, through `io::Read` (the client gets it back whole:
/// [`Error::io`]).
fn to_io(e: Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

use io::ErrorKind::{Interrupted, TimedOut, WouldBlock};

/// Read + Write, as one object.
trait ReadWrite: Read + Write {}

impl<T: Read + Write + ?Sized> ReadWrite for T {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A read waits for what the caller asked this time, whatever the socket had before:
    /// a shorter timeout of an earlier read, or one set through `socket_mut()`.
    #[test]
    fn each_read_gets_its_own_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut t = Transport::plain(TcpStream::connect(listener.local_addr().unwrap()).unwrap());
        let (mut peer, _) = listener.accept().unwrap();
        let mut buf = [0u8; 8];
        let short = Some(Duration::from_millis(50));
        let e = t.read(&mut buf, short).unwrap_err();
        assert!(matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ));
        // The peer writes one byte 300 ms from now.
        let late = |peer: &mut TcpStream| {
            let mut p = peer.try_clone().unwrap();
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(300));
                p.write_all(b"x").unwrap();
            })
        };
        let writer = late(&mut peer);
        assert_eq!(t.read(&mut buf, Some(Duration::from_secs(5))).unwrap(), 1);
        writer.join().unwrap();
        let writer = late(&mut peer);
        assert_eq!(t.read(&mut buf, None).unwrap(), 1);
        writer.join().unwrap();
        t.socket()
            .unwrap()
            .set_read_timeout(Some(Duration::from_millis(1)))
            .unwrap();
        let writer = late(&mut peer);
        assert_eq!(t.read(&mut buf, None).unwrap(), 1);
        writer.join().unwrap();
    }
}
