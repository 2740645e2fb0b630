//! The blocking client: a loop that moves bytes between a socket and the core's driver.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use imaplib_proto::client::Core;
use imaplib_proto::driver::{Driver, SinkSlot, Step};
use imaplib_proto::{Config, Error, LiteralSink, Reply, Result, WriteSink};

use crate::transport::{self, BoxSocket, ProcessStream, Socket, Transport};

/// A blocking IMAP4rev1 client with imaplib's methods and results, over any [`Socket`].
///
/// Every method returns imaplib's `(typ, data)` as a [`Reply`], or an [`Error`] whose kind
/// is imaplib's `error`, `abort` or `readonly`. Deadlines are
/// [`Config::timeouts`](imaplib_proto::Config::timeouts). Dropping a connected client
/// sends LOGOUT without waiting for the answer.
///
/// ```no_run
/// use imaplib_blocking::Client;
/// let mut m = Client::connect_tls("imap.example.org", 993)?;
/// m.login("alice", "secret")?;
/// m.select("INBOX", false)?;
/// let found = m.search(None, &["UNSEEN"])?;
/// for num in found.lines().flat_map(|l| l.split(|b| *b == b' ')).filter(|n| !n.is_empty()) {
///     let msg = m.fetch(std::str::from_utf8(num).unwrap_or("1"), "(RFC822)")?;
///     println!("{msg:?}");
/// }
/// m.logout()?;
/// # Ok::<(), imaplib_blocking::Error>(())
/// ```
pub struct Client<S: Socket = BoxSocket> {
    core: Core,
    transport: Transport<S>,
}

impl<S: Socket> std::fmt::Debug for Client<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.core.fmt(f)
    }
}

impl Client<BoxSocket> {
    fn dial(host: &str, port: u16, config: &Config) -> Result<BoxSocket> {
        transport::tcp_connect(host, port, config.timeout())
    }

    fn spawn(command: &str) -> Result<BoxSocket> {
        Ok(Box::new(ProcessStream::spawn(command)?))
    }

    fn spawn_command(command: std::process::Command) -> Result<BoxSocket> {
        Ok(Box::new(ProcessStream::spawn_command(command)?))
    }

    imaplib_proto::client_constructors!(net: [], process: std::process::Command);
}

impl<S: Socket> Client<S> {
    fn plain(stream: S) -> Transport<S> {
        Transport::plain(stream)
    }

    fn tls(stream: S, host: &str, config: &Config) -> Result<Transport<S>> {
        let name = config.server_name(host);
        Transport::tls(stream, config.tls_config()?, name, config.timeout())
    }

    fn over(transport: Transport<S>, mut core: Core) -> Result<Self> {
        // Implicit TLS: SCRAM's -PLUS mechanisms bind to this session.
        let binding = transport.channel_binding();
        core.driver.connection_mut().set_channel_binding(binding);
        Client { core, transport }.greet()
    }

    /// The stream under TLS (its timeout is set again before the next use).
    pub fn get_ref(&self) -> Option<&S> {
        self.transport.socket()
    }

    /// The stream under TLS, mutable. Reading or writing it desynchronises the session.
    pub fn get_mut(&mut self) -> Option<&mut S> {
        self.transport.socket_mut()
    }

    /// The TCP socket (imaplib's `socket()`); `None` for other streams.
    pub fn socket(&self) -> Option<&TcpStream> {
        self.transport.socket().and_then(|s| s.tcp())
    }

    fn close_transport(&mut self) {
        self.transport.close();
    }

    /// Does what the driver asks until the task polled by `poll` is done.
    fn drive<T>(
        &mut self,
        io: &mut Streams<'_>,
        mut poll: impl FnMut(&mut Driver, Instant) -> Step<T>,
    ) -> T {
        loop {
            let now = Instant::now();
            let moved = match poll(&mut self.core.driver, now) {
                Step::Done(value) => return value,
                Step::Write { deadline } => self.write_some(until(deadline, now)),
                Step::Read { deadline } => self.read_some(io, until(deadline, now)),
                Step::StartTls => self.upgrade(),
                Step::StartCompression => self.start_compression(),
                Step::ReadMessage { max } => {
                    io.message(&mut self.core.driver, self.core.buf.for_message(max))
                }
            };
            match moved {
                // A deadline passed: the next poll decides what it means.
                Err(e) if matches!(e.kind(), TimedOut | WouldBlock | Interrupted) => {}
                Err(e) => self
                    .core
                    .driver
                    .transport_error(Error::io(e), Instant::now()),
                Ok(()) => {}
            }
        }
    }

    fn write_some(&mut self, wait: Option<Duration>) -> std::io::Result<()> {
        let n = self.transport.write(self.core.driver.output(), wait)?;
        if n == 0 {
            // The stream takes nothing more (there is always something to write here):
            // retrying would spin until the silence timeout, or forever without one.
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        self.core.driver.wrote(n, Instant::now());
        Ok(())
    }

    fn read_some(&mut self, io: &mut Streams<'_>, wait: Option<Duration>) -> std::io::Result<()> {
        // Read into the framer's own buffer: lines and literals are framed where they lie.
        let n = self.transport.read(self.core.driver.read_buf(), wait)?;
        match n {
            0 => self.core.driver.feed_eof(Instant::now()),
            // The bytes a sink was fed are written out by now (the spool is the async
            // client's): nothing is kept.
            n => drop(io.sink.commit(&mut self.core.driver, n, Instant::now())),
        }
        Ok(())
    }

    fn upgrade(&mut self) -> std::io::Result<()> {
        let (host, timeout) = (
            self.core.config.server_name(&self.core.host),
            self.timeout(),
        );
        let up =
            (self.core.config.tls_config()).and_then(|c| self.transport.upgrade(c, host, timeout));
        let outcome = up.map(|()| self.transport.channel_binding());
        self.core.upgraded(outcome, Instant::now());
        Ok(())
    }

    fn start_compression(&mut self) -> std::io::Result<()> {
        if let Ok(received) = self.core.driver.compression_established(Instant::now()) {
            self.transport.compress(received);
        }
        Ok(())
    }

    imaplib_proto::client_methods!(writer: dyn Write + Send, reader: dyn Read + Send);
}

use std::io::ErrorKind::{Interrupted, TimedOut, WouldBlock};

/// How long a blocking call may wait for `deadline`: rounded down (to 100 ms above a
/// second, to a millisecond below), so that the socket's timeout changes rarely while data
/// flows (a change costs two system calls) and a wake-up is never late; at least a
/// millisecond, as a zero socket timeout means "forever".
fn until(deadline: Option<Instant>, now: Instant) -> Option<Duration> {
    let step = |d: Duration| if d >= Duration::from_secs(1) { 100 } else { 1 };
    deadline.map(|d| {
        let left = d.saturating_duration_since(now);
        let ms = left.as_millis() as u64;
        Duration::from_millis((ms - ms % step(left)).max(1))
    })
}

impl<S: Socket> Drop for Client<S> {
    fn drop(&mut self) {
        // LOGOUT, written within a bound and never waited for; then close.
        if !self.transport.is_closed() && self.core.driver.farewell(Instant::now()) {
            self.drive(&mut Streams::none(), |d, now| d.poll_flush(now));
        }
        self.transport.close();
    }
}

/// The streaming ends of a command in flight.
struct Streams<'a> {
    sink: SinkSlot<'a>,
    reader: Option<&'a mut (dyn Read + Send)>,
}

impl<'a> Streams<'a> {
    fn none() -> Self {
        Streams {
            sink: SinkSlot::default(),
            reader: None,
        }
    }

    fn sink(sink: &'a mut (dyn LiteralSink + Send)) -> Self {
        Streams {
            sink: SinkSlot::new(sink),
            reader: None,
        }
    }

    fn writer(writer: &'a mut (dyn Write + Send)) -> Self {
        Streams {
            sink: SinkSlot::new(WriteSink(writer)),
            reader: None,
        }
    }

    fn reader(reader: &'a mut (dyn Read + Send)) -> Self {
        Streams {
            sink: SinkSlot::default(),
            reader: Some(reader),
        }
    }

    /// Passes the next piece of a streamed APPEND's message from the reader to `driver`.
    fn message(&mut self, driver: &mut Driver, buf: &mut [u8]) -> std::io::Result<()> {
        let read = match self.reader.as_mut() {
            Some(reader) => reader.read(buf),
            None => Err(std::io::Error::other("a streamed APPEND needs a reader")),
        };
        let now = Instant::now();
        match read {
            Ok(0) => driver.message_eof(now),
            Ok(n) => driver.message_data(&buf[..n], now),
            Err(e) if e.kind() == Interrupted => {}
            Err(e) => driver.message_error(e, now),
        }
        Ok(())
    }

    fn finish(self, result: Result<Reply>) -> Result<Reply> {
        self.sink.finish(result)
    }
}

imaplib_proto::client_idler!(Socket, BoxSocket);

imaplib_proto::client_typed!(Socket, BoxSocket, doc: ["imaplib_blocking", ""]);

impl<S: Socket> Iterator for Idler<'_, S> {
    type Item = Result<Reply>;

    fn next(&mut self) -> Option<Result<Reply>> {
        self.next_until(None)
    }
}

impl<S: Socket> Drop for Idler<'_, S> {
    /// Leaves IDLE as imaplib's `Idler.__exit__` does: DONE, and the IDLE's completion
    /// (bounded by the silence timeout).
    fn drop(&mut self) {
        if !self.left {
            self.left = true;
            if let Ok(id) = self.client.core.driver.idle_done(Instant::now()) {
                let _ = self.client.wait(id);
            }
        }
    }
}
