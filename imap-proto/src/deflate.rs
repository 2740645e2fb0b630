//! COMPRESS=DEFLATE (RFC 4978): the codec both clients stack on their transport (feature
//! `deflate`).
//!
//! After the server's tagged `OK` to `COMPRESS DEFLATE` ([`Command::compress`]), both
//! directions are one raw DEFLATE stream each (RFC 1951: no zlib header, no checksum) for
//! the rest of the connection. [`Deflate`] is that layer without any I/O, in the style of
//! rustls's `Connection`: the client compresses what it writes with [`Deflate::compress`]
//! (each call ends in a sync flush, `00 00 ff ff`, so the server can read every command
//! the moment it arrives) and writes [`Deflate::pending`]; it reads compressed bytes into
//! [`Deflate::input_buffer`] and takes the plaintext out with [`Deflate::inflate`].
//!
//! Memory stays bounded whatever the server sends: [`Deflate::inflate`] produces at most
//! the caller's buffer (a read's worth) per call, and no new input is read before the
//! input held is used up, so a small compressed input that expands to gigabytes (a
//! "deflate bomb") only ever reaches the protocol engine a read at a time, where the
//! framer's limits on lines and literals ([`crate::Limits`]) apply to the decompressed
//! bytes. Corrupt data is an `abort` whose reason is
//! [`Violation::Deflate`].
//!
//! ```
//! use imaplib_proto::deflate::Deflate;
//!
//! // Two ends of one connection, for the example: the client's codec and the server's.
//! let (mut client, mut server) = (Deflate::new(Vec::new()), Deflate::new(Vec::new()));
//! client.compress(b"A2 NOOP\r\n");
//! let wire = client.pending().to_vec();
//! assert!(wire.ends_with(&[0, 0, 0xff, 0xff])); // a sync flush: the command is complete
//! client.sent(wire.len());
//!
//! server.input_buffer()[..wire.len()].copy_from_slice(&wire);
//! server.received(wire.len());
//! let mut plain = [0u8; 64];
//! let n = server.inflate(&mut plain)?;
//! assert_eq!(&plain[..n], b"A2 NOOP\r\n");
//! assert_eq!(server.inflate(&mut plain)?, 0); // everything read: wants input
//! assert!(server.wants_input());
//! # Ok::<(), imaplib_proto::Error>(())
//! ```
//!
//! [`Command::compress`]: crate::Command::compress

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::error::{Error, Reason, Violation};

/// How many compressed bytes are read from the transport at once.
pub const INPUT_CHUNK: usize = 64 * 1024;

/// Most compressed bytes held that the decompressor cannot use yet (it always could with
/// a well-formed stream: this only bounds memory against one that is not).
const MAX_STALLED_INPUT: usize = 4 * INPUT_CHUNK;

/// One connection's COMPRESS=DEFLATE layer: a raw DEFLATE compressor for what the client
/// sends and a decompressor for what it receives. See the [module documentation](self).
pub struct Deflate {
    compress: Compress,
    decompress: Decompress,
    /// Compressed bytes received: `input[start..end]` are not inflated yet.
    input: Vec<u8>,
    start: usize,
    end: usize,
    /// The decompressor could not go on with the input it has (it needs more).
    stalled: bool,
    /// Compressed bytes to write: `output[out_at..]`.
    output: Vec<u8>,
    out_at: usize,
    /// The server ended its stream (a final block): anything after it is an error.
    ended: bool,
    /// Plaintext in and out, compressed in and out (for [`Deflate::stats`]).
    stats: DeflateStats,
}

/// Byte counts of a [`Deflate`] layer: what the compression saved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeflateStats {
    /// Plaintext bytes compressed (commands).
    pub plain_out: u64,
    /// Compressed bytes those became.
    pub wire_out: u64,
    /// Compressed bytes received.
    pub wire_in: u64,
    /// Plaintext bytes they inflated to (responses).
    pub plain_in: u64,
}

impl std::fmt::Debug for Deflate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflate")
            .field("input", &(self.end - self.start))
            .field("pending", &self.pending().len())
            .field("ended", &self.ended)
            .field("stats", &self.stats)
            .finish()
    }
}

impl Deflate {
    /// A layer starting now. `received` are compressed bytes that arrived with the server's
    /// `OK` and were not read as IMAP ([`crate::driver::Driver::compression_established`]
    /// hands them over): they are inflated first.
    pub fn new(received: Vec<u8>) -> Self {
        let end = received.len();
        let mut input = received;
        input.resize(end.max(INPUT_CHUNK), 0);
        Deflate {
            // Level 6, zlib's and Dovecot's default; raw DEFLATE (window bits -15) both ways.
            compress: Compress::new(Compression::default(), false),
            decompress: Decompress::new(false),
            input,
            start: 0,
            end,
            stalled: false,
            output: Vec::new(),
            out_at: 0,
            ended: false,
            stats: DeflateStats {
                wire_in: end as u64,
                ..DeflateStats::default()
            },
        }
    }

    // ----- sending ---------------------------------------------------------------------

    /// Compresses `data` and sync-flushes, so that the server can decompress all of it at
    /// once; the bytes to write are [`Deflate::pending`]. Call it once per batch of
    /// commands: each call adds the flush's few bytes.
    pub fn compress(&mut self, data: &[u8]) {
        if self.out_at == self.output.len() {
            self.output.clear();
            self.out_at = 0;
        }
        let mut at = 0;
        loop {
            // Room for the data (which may not shrink) and the flush; grown when short.
            let want = (data.len() - at) + (data.len() - at) / 16 + 64;
            self.output.reserve(want);
            let before = self.compress.total_in();
            // Compressing into a Vec's spare capacity cannot fail (flate2: "never fails"
            // for the rust backend's deflate); a failure would only mean no progress.
            let _ = self
                .compress
                .compress_vec(&data[at..], &mut self.output, FlushCompress::Sync);
            at += (self.compress.total_in() - before) as usize;
            // The flush is complete when the compressor stopped with output room to spare.
            if at == data.len() && self.output.len() < self.output.capacity() {
                break;
            }
        }
        self.stats.plain_out += data.len() as u64;
    }

    /// Compressed bytes waiting to be written.
    pub fn pending(&self) -> &[u8] {
        &self.output[self.out_at..]
    }

    /// `n` bytes of [`Deflate::pending`] were written.
    pub fn sent(&mut self, n: usize) {
        let n = n.min(self.output.len() - self.out_at);
        self.out_at += n;
        self.stats.wire_out += n as u64;
        if self.out_at == self.output.len() {
            self.output.clear();
            self.out_at = 0;
        }
    }

    // ----- receiving -------------------------------------------------------------------

    /// True when [`Deflate::inflate`] gives nothing more without new input (it returned
    /// `Ok(0)`): read from the transport into [`Deflate::input_buffer`].
    pub fn wants_input(&self) -> bool {
        self.stalled || (self.ended && self.start == self.end)
    }

    /// Where to read compressed bytes from the transport: [`INPUT_CHUNK`] bytes; report how
    /// many were read with [`Deflate::received`].
    pub fn input_buffer(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.input.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.input.len() < self.end + INPUT_CHUNK {
            self.input.resize(self.end + INPUT_CHUNK, 0);
        }
        &mut self.input[self.end..self.end + INPUT_CHUNK]
    }

    /// `n` bytes were read into [`Deflate::input_buffer`].
    pub fn received(&mut self, n: usize) {
        let n = n.min(self.input.len() - self.end);
        self.end += n;
        self.stalled = false;
        self.stats.wire_in += n as u64;
    }

    /// Decompresses received bytes into `out`: at most `out.len()` bytes, never more, so
    /// that a read's worth is the most a server can make the client hold at once. `Ok(0)`
    /// when the input is used up ([`Deflate::wants_input`]; or `out` is empty).
    ///
    /// Corrupt data, or data after the server ended its stream, is an `abort`
    /// ([`Violation::Deflate`]) with the first offending compressed bytes.
    pub fn inflate(&mut self, out: &mut [u8]) -> crate::Result<usize> {
        // The decompressor may hold decoded bytes that did not fit in the last `out`:
        // it is asked even when no input is left, until it makes no progress.
        while !out.is_empty() && !self.stalled {
            let input = &self.input[self.start..self.end];
            if self.ended {
                if input.is_empty() {
                    break;
                }
                return Err(corrupt(
                    input,
                    "the server sent data after the end of its compressed stream",
                ));
            }
            let (in_before, out_before) = (self.decompress.total_in(), self.decompress.total_out());
            let status = self
                .decompress
                .decompress(input, out, FlushDecompress::None)
                .map_err(|e| {
                    corrupt(
                        input,
                        &format!("corrupt compressed data from the server: {e}"),
                    )
                })?;
            let consumed = (self.decompress.total_in() - in_before) as usize;
            let produced = (self.decompress.total_out() - out_before) as usize;
            self.start += consumed;
            if matches!(status, Status::StreamEnd) {
                self.ended = true;
            }
            if produced > 0 {
                self.stats.plain_in += produced as u64;
                return Ok(produced);
            }
            if consumed == 0 && !self.ended {
                // Nothing more comes out without more input.
                if self.end - self.start > MAX_STALLED_INPUT {
                    return Err(corrupt(
                        &self.input[self.start..self.end],
                        "the compressed stream does not progress",
                    ));
                }
                self.stalled = true;
            }
        }
        Ok(0)
    }

    /// True once the server ended its compressed stream (a final DEFLATE block). Servers
    /// do not; what follows such an end is an error.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// What went through the layer so far.
    pub fn stats(&self) -> DeflateStats {
        self.stats
    }
}

fn corrupt(bytes: &[u8], message: &str) -> Error {
    Error::abort(
        Reason::protocol(Violation::Deflate, bytes),
        format!("COMPRESS=DEFLATE: {message}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::DeflateEncoder;
    use std::io::Write;

    /// The server side of a test: raw DEFLATE, sync-flushed.
    fn server_compress(enc: &mut DeflateEncoder<Vec<u8>>, data: &[u8]) -> Vec<u8> {
        enc.write_all(data).unwrap();
        enc.flush().unwrap();
        std::mem::take(enc.get_mut())
    }

    fn feed(z: &mut Deflate, wire: &[u8]) {
        for piece in wire.chunks(INPUT_CHUNK) {
            z.input_buffer()[..piece.len()].copy_from_slice(piece);
            z.received(piece.len());
        }
    }

    fn inflate_all(z: &mut Deflate, out_chunk: usize) -> crate::Result<Vec<u8>> {
        let mut plain = Vec::new();
        let mut buf = vec![0; out_chunk];
        loop {
            let n = z.inflate(&mut buf)?;
            if n == 0 {
                return Ok(plain);
            }
            assert!(n <= out_chunk);
            plain.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn each_batch_is_a_complete_sync_flushed_unit() {
        let mut client = Deflate::new(Vec::new());
        let mut server = Decompress::new(false);
        let batches: [&[u8]; 4] = [
            b"a1 NOOP\r\n",
            b"a2 SELECT INBOX\r\na3 FETCH 1:* (FLAGS)\r\n",
            &[b'x'; 200_000],
            b"DONE\r\n",
        ];
        for batch in batches {
            client.compress(batch);
            let wire = client.pending().to_vec();
            client.sent(wire.len());
            assert!(wire.ends_with(&[0, 0, 0xff, 0xff]), "{wire:?}");
            // The server decompresses the whole batch from these bytes alone.
            let mut out = vec![0; batch.len() + 16];
            let before = server.total_out();
            server
                .decompress(&wire, &mut out, FlushDecompress::None)
                .unwrap();
            assert_eq!(&out[..(server.total_out() - before) as usize], batch);
        }
        assert!(client.pending().is_empty());
        let s = client.stats();
        assert_eq!(
            s.plain_out,
            batches.iter().map(|b| b.len() as u64).sum::<u64>()
        );
        assert!(s.wire_out < 2_000, "{s:?}");
    }

    #[test]
    fn inflates_in_any_chunking_including_bytes_received_with_the_ok() {
        let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        let mut wire = server_compress(&mut enc, b"* 3 EXISTS\r\n");
        let more: Vec<u8> = (0..50_000u32)
            .flat_map(|i| format!("* {i} FETCH (FLAGS (\\Seen))\r\n").into_bytes())
            .collect();
        wire.extend(server_compress(&mut enc, &more));
        let mut expected = b"* 3 EXISTS\r\n".to_vec();
        expected.extend_from_slice(&more);
        // All at once, as bytes that came with the OK.
        let mut z = Deflate::new(wire.clone());
        assert!(inflate_all(&mut z, 4096).unwrap() == expected);
        // Byte by byte, into 7-byte reads.
        let mut z = Deflate::new(Vec::new());
        let mut got = Vec::new();
        for b in &wire {
            feed(&mut z, &[*b]);
            got.extend(inflate_all(&mut z, 7).unwrap());
        }
        assert!(
            got == expected,
            "{} bytes, {} expected",
            got.len(),
            expected.len()
        );
        assert_eq!(z.stats().plain_in, expected.len() as u64);
        assert_eq!(z.stats().wire_in, wire.len() as u64);
    }

    #[test]
    fn a_bomb_comes_out_one_buffer_at_a_time() {
        // 16 MiB of one byte: about 16 KiB compressed.
        let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..16 {
            enc.write_all(&chunk).unwrap();
        }
        enc.flush().unwrap();
        let wire = enc.get_ref().clone();
        assert!(wire.len() < 32 * 1024, "{}", wire.len());
        let mut z = Deflate::new(Vec::new());
        feed(&mut z, &wire[..wire.len().min(INPUT_CHUNK)]);
        let mut buf = vec![0; 4096];
        // Each call gives at most the buffer, however much the input would expand to.
        for _ in 0..1000 {
            assert_eq!(z.inflate(&mut buf).unwrap(), 4096);
        }
        assert!(!z.wants_input());
        assert_eq!(z.inflate(&mut []).unwrap(), 0);
    }

    #[test]
    fn corrupt_data_is_a_clear_abort() {
        let mut z = Deflate::new(Vec::new());
        // Block type 3 is reserved: invalid from the first byte.
        feed(&mut z, &[0xff, 0xff, 0xff, 0xff]);
        let e = z.inflate(&mut [0; 64]).unwrap_err();
        assert!(e.is_abort());
        assert_eq!(e.cause(), crate::Cause::Protocol);
        assert!(matches!(
            e.reason(),
            Reason::Protocol {
                violation: Violation::Deflate,
                ..
            }
        ));
        assert!(e.message().starts_with("COMPRESS=DEFLATE: corrupt"), "{e}");
        assert_eq!(e.bytes(), Some(&[0xff, 0xff, 0xff, 0xff][..]));

        // A zlib-wrapped stream (the classic bug) is not raw DEFLATE.
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        zlib.write_all(b"* OK hi\r\n").unwrap();
        let wire = zlib.finish().unwrap();
        let mut z = Deflate::new(wire);
        assert!(inflate_all(&mut z, 64).is_err());
    }

    #[test]
    fn data_after_the_end_of_the_stream_is_an_error() {
        let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"* BYE\r\n").unwrap();
        let mut wire = enc.finish().unwrap();
        let mut z = Deflate::new(wire.clone());
        assert_eq!(inflate_all(&mut z, 64).unwrap(), b"* BYE\r\n");
        assert!(z.is_ended() && z.wants_input());
        wire.extend_from_slice(b"junk");
        let mut z = Deflate::new(wire);
        let mut buf = [0; 64];
        assert_eq!(z.inflate(&mut buf).unwrap(), 7);
        let e = z.inflate(&mut buf).unwrap_err();
        assert!(e.message().contains("after the end"), "{e}");
        assert_eq!(e.bytes(), Some(&b"junk"[..]));
    }

    #[test]
    fn an_io_error_carrying_the_error_is_the_error_again() {
        let mut z = Deflate::new(vec![0xff; 4]);
        let e = z.inflate(&mut [0; 8]).unwrap_err();
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, e.clone());
        let back = Error::io(io);
        assert_eq!(back.reason(), e.reason());
        assert_eq!(back.message(), e.message());
    }
}
