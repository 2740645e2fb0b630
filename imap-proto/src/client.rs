//! What every client holds besides its transport (feature `rustls`).
//!
//! The blocking and async clients are a transport plus a [`Core`]: the driver, the
//! settings, where the client connected, and the buffer reads go into. Their methods come
//! from [`crate::client_methods!`]; [`exports`] is the list of names both re-export.

use std::time::Instant;

use crate::auth::ChannelBinding;
use crate::config::Config;
use crate::driver::Driver;
use crate::error::Result;

pub use crate::frame::{READ_CHUNK, READ_MIN};

/// The buffer a client reads a streamed `APPEND`'s message into (server bytes are read
/// into the framer's own buffer: [`Driver::read_buf`]), sized by what the last reads
/// brought.
///
/// It holds nothing until first used, then [`READ_MIN`]. A read that fills it makes the next one four times as large
/// (up to [`READ_CHUNK`]): a bulk `FETCH` reaches 64 KiB reads after three of them. A read
/// that brings at most an eighth of it sends it back to [`READ_MIN`]: the bulk transfer is
/// over (or the client outpaces the server), and a session that then idles holds 2 KiB,
/// not 64 (issue 14: 10 000 idling sessions).
///
/// The bytes of a read stay where they are until the next [`ReadBuf::for_read`], which is
/// the only call that resizes: streamed literals are passed on from the buffer
/// ([`SinkSlot::spool`](crate::driver::SinkSlot::spool)) before the client reads again.
///
/// ```
/// use imaplib_proto::client::{ReadBuf, READ_CHUNK, READ_MIN};
///
/// let mut buf = ReadBuf::new();
/// assert_eq!(buf.for_read().len(), READ_MIN);
/// buf.filled(READ_MIN); // a full read: bulk data is coming
/// assert_eq!(buf.for_read().len(), 4 * READ_MIN);
/// buf.filled(12); // `* 1 EXISTS`: back to the small buffer
/// assert_eq!(buf.for_read().len(), READ_MIN);
/// # let _ = READ_CHUNK;
/// ```
pub struct ReadBuf {
    buf: Box<[u8]>,
    /// The size of the next read.
    next: usize,
}

impl ReadBuf {
    /// An empty buffer; its first read is of [`READ_MIN`] bytes.
    pub fn new() -> Self {
        ReadBuf {
            buf: Box::default(),
            next: READ_MIN,
        }
    }

    /// The buffer for the next read, resized first if the last reads asked for it. Bytes
    /// of earlier reads are gone.
    pub fn for_read(&mut self) -> &mut [u8] {
        if self.buf.len() != self.next {
            // A fresh buffer, not a realloc: nothing in it is kept.
            self.buf = Box::default();
            self.buf = vec![0; self.next].into_boxed_slice();
        }
        &mut self.buf
    }

    /// The buffer for reading up to `max` bytes of a message being streamed (a streamed
    /// `APPEND`'s [`Step::ReadMessage`](crate::driver::Step)): at least `max` bytes, at
    /// most [`READ_CHUNK`], resized first like [`ReadBuf::for_read`]. The next short read
    /// from the server shrinks it again.
    pub fn for_message(&mut self, max: usize) -> &mut [u8] {
        let want = max.clamp(1, READ_CHUNK);
        self.next = self.next.max(want);
        let buf = self.for_read();
        let n = want.min(buf.len());
        &mut buf[..n]
    }

    /// Records that the read into [`ReadBuf::for_read`] brought `n` bytes: the size of the
    /// next read follows (see the [type's documentation](ReadBuf)).
    pub fn filled(&mut self, n: usize) {
        let len = self.buf.len();
        if n >= len {
            self.next = (len * 4).min(READ_CHUNK);
        } else if n <= len / 8 {
            self.next = READ_MIN;
        }
    }

    /// The buffer's size now (the bytes it holds on the heap).
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }
}

impl Default for ReadBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl std::ops::Deref for ReadBuf {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.buf
    }
}

impl std::ops::DerefMut for ReadBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.buf
    }
}

impl std::fmt::Debug for ReadBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadBuf")
            .field("capacity", &self.buf.len())
            .field("next", &self.next)
            .finish()
    }
}

/// The transport-independent half of a client.
pub struct Core {
    /// The client driver.
    pub driver: Driver,
    /// The settings the client was made with (timeouts as they are now).
    pub config: Config,
    /// The host dialled (`""` for a child process or a stream given by the caller).
    pub host: String,
    /// The port dialled, if known.
    pub port: Option<u16>,
    /// The buffer a streamed `APPEND`'s message is read into (empty until one is).
    pub buf: ReadBuf,
    /// The server bytes last fed to a streaming FETCH's sink or spool
    /// ([`SinkSlot::commit`](crate::driver::SinkSlot::commit)): the spool's pieces point
    /// into them until written out. Empty otherwise.
    pub fed: bytes::Bytes,
}

impl Core {
    /// The core of a client connected to `host:port` over a transport that is `secure`
    /// (TLS, or a trusted local pipe) or not.
    pub fn new(config: &Config, host: &str, port: Option<u16>, secure: bool) -> Self {
        Core {
            driver: Driver::new(config.options(secure), config.timeouts),
            config: config.clone(),
            host: host.to_string(),
            port,
            buf: ReadBuf::new(),
            fed: bytes::Bytes::new(),
        }
    }

    /// The name to verify the server's certificate against.
    pub fn server_name(&self) -> &str {
        self.config.server_name(&self.host)
    }

    /// After the TLS handshake a STARTTLS asked for ([`Step::StartTls`](crate::driver::Step)):
    /// its outcome — the new session's channel binding, or why it failed — goes to the
    /// driver, which resumes (or fails the connection).
    pub fn upgraded(&mut self, outcome: Result<Option<ChannelBinding>>, now: Instant) {
        match outcome {
            Ok(binding) => {
                self.driver.connection_mut().set_channel_binding(binding);
                // An error here is the connection's own, already recorded in it.
                drop(self.driver.tls_established(now))
            }
            Err(e) => self.driver.transport_error(e, now),
        }
    }
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("driver", &self.driver)
            .finish_non_exhaustive()
    }
}

/// The names both clients re-export (`pub use imaplib_proto::client::exports::*;`).
pub mod exports {
    pub use crate::driver::Timeouts;
    pub use crate::{
        self as proto, auth, error, tls, Cause, Command, CommandId, Config, DateInput, Error,
        ErrorKind, Item, LiteralSink, Reason, Reply, Result, State, Text, WriteSink, IMAP4_PORT,
        IMAP4_SSL_PORT,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `sizes` in turn (each at most the buffer); returns the buffer's size before
    /// each read.
    fn sizes_seen(buf: &mut ReadBuf, reads: &[usize]) -> Vec<usize> {
        reads
            .iter()
            .map(|&want| {
                let len = buf.for_read().len();
                buf.filled(want.min(len));
                len
            })
            .collect()
    }

    #[test]
    fn grows_for_bulk_data_and_shrinks_back_when_idle() {
        let mut buf = ReadBuf::new();
        assert_eq!(buf.capacity(), 0, "nothing until used");
        assert_eq!(buf.for_read().len(), READ_MIN);
        assert_eq!(buf.capacity(), READ_MIN);
        // A bulk FETCH: every read fills the buffer, which grows to READ_CHUNK and stays.
        let bulk = sizes_seen(&mut buf, &[usize::MAX; 6]);
        assert_eq!(bulk, [2048, 8192, 32768, 65536, 65536, 65536]);
        // A read that half-fills it keeps the size (the server is still sending).
        assert_eq!(sizes_seen(&mut buf, &[30_000, 70_000]), [65536, 65536]);
        // The tagged OK, then `+ idling`: one short read and the next read is small again.
        assert_eq!(sizes_seen(&mut buf, &[40, 14]), [65536, READ_MIN]);
        assert_eq!(buf.capacity(), READ_MIN);
        // Idling: `* 1 EXISTS` reads never grow it.
        assert_eq!(sizes_seen(&mut buf, &[12; 4]), [READ_MIN; 4]);
        assert_eq!(buf.capacity(), READ_MIN);
        // Bulk again: it grows again.
        assert_eq!(
            sizes_seen(&mut buf, &[usize::MAX; 4]),
            [2048, 8192, 32768, 65536]
        );
    }

    #[test]
    fn the_bytes_of_a_read_stay_until_the_next_read() {
        let mut buf = ReadBuf::new();
        buf.for_read()[..READ_MIN].fill(b'x');
        buf.filled(READ_MIN);
        // Growth waits for the next read: the bytes read are still there to be passed on.
        assert_eq!(buf.len(), READ_MIN);
        assert!(buf.iter().all(|&b| b == b'x'));
        assert_eq!(buf.for_read().len(), 4 * READ_MIN);
    }

    #[test]
    fn a_streamed_message_is_read_in_pieces_as_large_as_asked() {
        let mut buf = ReadBuf::new();
        assert_eq!(buf.for_message(65536).len(), 65536);
        assert_eq!(buf.for_message(100).len(), 100);
        assert_eq!(buf.for_message(1 << 30).len(), READ_CHUNK);
        assert_eq!(buf.for_message(0).len(), 1);
        // The server's answer, short, brings the buffer back to its idle size.
        let len = buf.for_read().len();
        buf.filled(30);
        assert_eq!((len, buf.for_read().len()), (65536, READ_MIN));
    }

    #[test]
    fn a_zero_byte_read_shrinks_and_never_panics() {
        let mut buf = ReadBuf::new();
        for _ in 0..3 {
            let len = buf.for_read().len();
            buf.filled(len);
        }
        assert_eq!(buf.for_read().len(), 65536);
        buf.filled(0);
        assert_eq!(buf.for_read().len(), READ_MIN);
        // More than the buffer (a transport that lies) counts as full, nothing more.
        buf.filled(usize::MAX);
        assert_eq!(buf.for_read().len(), 4 * READ_MIN);
    }
}
