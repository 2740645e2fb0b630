//! The byte pipes: TCP, TLS over TCP, and a child process's stdin/stdout.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use imaplib_proto::tls::rustls::{ClientConfig, ClientConnection, StreamOwned};
use imaplib_proto::{Cause, Error, Result};

/// Size of each read from the transport.
pub(crate) const READ_CHUNK: usize = 64 * 1024;

/// How long a child may take to exit once its stdin is closed, before it is killed.
const PROCESS_GRACE: Duration = Duration::from_secs(1);

/// Chunks the process reader thread may hold before the child blocks on its pipe.
const PIPE_CHUNKS: usize = 16;

/// Connects to `host:port`, trying every resolved address, each within `timeout`.
pub(crate) fn tcp_connect(host: &str, port: u16, timeout: Option<Duration>) -> Result<TcpStream> {
    let host = if host.is_empty() { "localhost" } else { host };
    let addrs = (host, port).to_socket_addrs().map_err(|e| {
        Error::abort(Cause::Io, format!("cannot resolve {host}:{port}: {e}")).with_source(e)
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
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => Error::io(e),
        None => Error::abort(Cause::Io, format!("{host}:{port} resolved to no address")),
    })
}

/// A child process speaking IMAP on stdin/stdout. A thread reads stdout so that reads can
/// time out; it holds at most [`PIPE_CHUNKS`] chunks.
pub(crate) struct Process {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<io::Result<Vec<u8>>>,
    pending: Vec<u8>,
    at: usize,
    eof: bool,
}

impl Process {
    pub(crate) fn spawn(command: &str) -> Result<Process> {
        let mut sh = Command::new("sh");
        sh.arg("-c").arg(command);
        Self::spawn_command(sh)
    }

    pub(crate) fn spawn_command(mut command: Command) -> Result<Process> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(Error::io)?;
        let stdin = child.stdin.take();
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| Error::abort(Cause::Io, "child process has no stdout"))?;
        let (tx, rx) = mpsc::sync_channel(PIPE_CHUNKS);
        thread::Builder::new()
            .name("imaplib-stream-reader".into())
            .spawn(move || {
                let mut buf = vec![0u8; READ_CHUNK];
                loop {
                    match stdout.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            if tx.send(Ok(buf[..n].to_vec())).is_err() {
                                break;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            break;
                        }
                    }
                }
            })
            .map_err(Error::io)?;
        Ok(Process {
            child,
            stdin,
            rx,
            pending: Vec::new(),
            at: 0,
            eof: false,
        })
    }

    fn read(&mut self, buf: &mut [u8], timeout: Option<Duration>) -> io::Result<usize> {
        if self.at == self.pending.len() {
            if self.eof {
                return Ok(0);
            }
            let next = match timeout {
                Some(t) => self.rx.recv_timeout(t),
                None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match next {
                Ok(Ok(chunk)) => {
                    self.pending = chunk;
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
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

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| io::Error::new(io::ErrorKind::BrokenPipe, "stdin closed"))?;
        stdin.write_all(data)?;
        stdin.flush()
    }

    /// Closes stdin and reaps the child, killing it if it does not exit within `grace`.
    fn shutdown(&mut self, grace: Duration) {
        self.stdin = None;
        let deadline = Instant::now() + grace;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) if Instant::now() >= deadline => break,
                Ok(None) => thread::sleep(Duration::from_millis(10)),
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.shutdown(PROCESS_GRACE);
    }
}

/// The byte pipe itself.
pub(crate) enum Io {
    Tcp(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
    Process(Box<Process>),
    Closed,
}

/// The transport under a client: the pipe, and the socket timeout last applied to it, so
/// that a read changes the socket's timeout only when it differs (two `setsockopt` calls
/// per read otherwise, about 5 % of a streamed FETCH's CPU).
pub(crate) struct Transport {
    io: Io,
    /// `None`: unknown (never set, or the socket was handed out by `socket()`).
    applied: Cell<Option<Option<Duration>>>,
}

fn set_read_timeout(sock: &TcpStream, timeout: Option<Duration>) -> io::Result<()> {
    sock.set_read_timeout(timeout)?;
    sock.set_write_timeout(timeout)
}

impl Transport {
    pub(crate) fn new(io: Io) -> Transport {
        Transport {
            io,
            applied: Cell::new(None),
        }
    }

    /// Gives the socket (if any) `timeout` for reads and writes, unless it has it already.
    fn apply_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        if self.applied.get() == Some(timeout) {
            return Ok(());
        }
        if let Some(sock) = self.sock() {
            self.applied.set(None);
            set_read_timeout(sock, timeout)?;
            self.applied.set(Some(timeout));
        }
        Ok(())
    }

    fn sock(&self) -> Option<&TcpStream> {
        match &self.io {
            Io::Tcp(s) => Some(s),
            Io::Tls(s) => Some(&s.sock),
            _ => None,
        }
    }

    /// Reads what is available, waiting at most `timeout`. `Ok(0)` at end of stream.
    pub(crate) fn read(&mut self, buf: &mut [u8], timeout: Option<Duration>) -> io::Result<usize> {
        self.apply_timeout(timeout)?;
        loop {
            let r = match &mut self.io {
                Io::Tcp(s) => s.read(buf),
                Io::Tls(s) => s.read(buf),
                Io::Process(p) => p.read(buf, timeout),
                Io::Closed => Ok(0),
            };
            match r {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A peer that closes without close_notify: treat as the end of the stream.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                other => return other,
            }
        }
    }

    pub(crate) fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.io {
            Io::Tcp(s) => s.write_all(data),
            Io::Tls(s) => {
                s.write_all(data)?;
                s.flush()
            }
            Io::Process(p) => p.write_all(data),
            Io::Closed => Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "connection closed",
            )),
        }
    }

    /// Wraps a TCP transport in TLS and completes the handshake within `timeout`.
    pub(crate) fn upgrade(
        &mut self,
        config: Arc<ClientConfig>,
        host: &str,
        timeout: Option<Duration>,
    ) -> Result<()> {
        let sock = match std::mem::replace(&mut self.io, Io::Closed) {
            Io::Tcp(s) => s,
            other => {
                self.io = other;
                return Err(Error::abort(
                    Cause::Tls,
                    "TLS can only be started on a TCP connection",
                ));
            }
        };
        self.applied.set(None);
        self.io = Io::Tls(Box::new(tls_handshake(sock, config, host, timeout)?));
        self.applied.set(Some(timeout));
        Ok(())
    }

    /// The socket, for the caller to inspect or configure: the timeout it carries is
    /// no longer known, and is set again before the next read.
    pub(crate) fn socket(&self) -> Option<&TcpStream> {
        self.applied.set(None);
        self.sock()
    }

    pub(crate) fn is_closed(&self) -> bool {
        matches!(self.io, Io::Closed)
    }

    /// Closes the transport: TLS close_notify, socket shutdown, child reaped.
    pub(crate) fn shutdown(&mut self) {
        self.applied.set(None);
        match std::mem::replace(&mut self.io, Io::Closed) {
            Io::Tcp(s) => {
                let _ = s.shutdown(Shutdown::Both);
            }
            Io::Tls(mut s) => {
                s.conn.send_close_notify();
                let _ = s.conn.complete_io(&mut s.sock);
                let _ = s.sock.shutdown(Shutdown::Both);
            }
            Io::Process(mut p) => p.shutdown(PROCESS_GRACE),
            Io::Closed => {}
        }
    }
}

/// Maps a TLS failure to an error naming it.
pub(crate) fn tls_error(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::TimedOut || e.kind() == io::ErrorKind::WouldBlock {
        return Error::io(e);
    }
    Error::abort(Cause::Tls, format!("TLS handshake failed: {e}")).with_source(e)
}

/// Runs the TLS handshake on `sock` to completion.
pub(crate) fn tls_handshake(
    mut sock: TcpStream,
    config: Arc<ClientConfig>,
    host: &str,
    timeout: Option<Duration>,
) -> Result<StreamOwned<ClientConnection, TcpStream>> {
    let name = imaplib_proto::tls::server_name(host)?;
    let mut conn = ClientConnection::new(config, name)
        .map_err(|e| Error::abort(Cause::Tls, format!("TLS setup failed: {e}")).with_source(e))?;
    set_read_timeout(&sock, timeout).map_err(Error::io)?;
    while conn.is_handshaking() {
        conn.complete_io(&mut sock).map_err(tls_error)?;
    }
    Ok(StreamOwned::new(conn, sock))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A read waits for what the caller asked this time, whatever the socket had before:
    /// a shorter timeout of an earlier read, or one set through `socket()`.
    #[test]
    fn each_read_gets_its_own_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut t = Transport::new(Io::Tcp(
            TcpStream::connect(listener.local_addr().unwrap()).unwrap(),
        ));
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
