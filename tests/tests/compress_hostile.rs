//! COMPRESS=DEFLATE against hostile and unusual servers, for both clients (blocking, and
//! async under smol, async-std and tokio), over the in-memory stream: a deflate bomb is a
//! clear `LimitExceeded` with memory bounded by the framer's limits, corrupt or
//! zlib-wrapped data is a clear error, a stream of empty blocks ends without a hang, and
//! compressed data that arrives in the same read as the `OK` is decompressed, not lost.
//!
//! The server's compressed side is made with flate2 (raw DEFLATE, sync-flushed, as Dovecot
//! sends it). Every scenario runs in whole reads and in small pieces, so that the bytes
//! after the `OK` come both with it and after it.

use std::io::Write as _;
use std::time::Duration;

use flate2::write::DeflateEncoder;
use flate2::{Compress, Compression, FlushCompress};
use imaplib_async::generic::Client as AsyncClient;
use imaplib_async::Runtime;
use imaplib_integration_tests::hostile::mem;
use imaplib_integration_tests::memory::{Chunking, MemoryStream};
use imaplib_integration_tests::runtimes::{self, Exec};
use imaplib_proto::error::{Limit, Reason, Violation};
use imaplib_proto::{Cause, Config, Error, ErrorKind, Limits, Reply};

/// The line limit of these tests: a bomb expands far beyond it.
const MAX_LINE: usize = 1 << 20;

/// How much the bomb expands to (256 MiB of one byte, about 256 KiB compressed).
const BOMB_EXPANDS_TO: usize = 256 << 20;

const GREETING: &[u8] = b"* PREAUTH hi\r\n";
const CAPABILITY: &[u8] = b"* CAPABILITY IMAP4rev1 COMPRESS=DEFLATE IDLE\r\nBCDE0 OK done\r\n";
const COMPRESS_OK: &[u8] = b"BCDE1 OK Begin compression.\r\n";

fn config() -> Config {
    Config::default()
        .with_tag_seed(0x1234)
        .with_timeout(Some(Duration::from_secs(30)))
        .with_limits(Limits {
            max_line: MAX_LINE,
            ..Limits::default()
        })
}

/// The server's side: the greeting, capabilities, then the COMPRESS OK followed at once by
/// `after` (already compressed), all released once the client sent COMPRESS.
fn stream(after: &[u8], chunking: Chunking) -> MemoryStream {
    let mut third = COMPRESS_OK.to_vec();
    third.extend_from_slice(after);
    MemoryStream::new(vec![
        (0, GREETING.to_vec()),
        (1, CAPABILITY.to_vec()),
        (2, third),
    ])
    .chunking(chunking)
}

/// Raw DEFLATE of `text`, sync-flushed.
fn deflate(text: &[u8]) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::default());
    enc.write_all(text).unwrap();
    enc.flush().unwrap();
    enc.get_ref().clone()
}

/// `BOMB_EXPANDS_TO` bytes of `a`, compressed: the first megabyte's blocks, then the
/// second's repeated (in steady state the compressor's output for one more megabyte of the
/// same byte is the same bytes: checked). Sync-flushed DEFLATE segments may follow one
/// another in one stream, so this follows any other sync-flushed data.
fn bomb() -> Vec<u8> {
    let mut c = Compress::new(Compression::best(), false);
    let chunk = vec![b'a'; 1 << 20];
    let mut piece = || {
        let mut out = Vec::with_capacity(64 << 10);
        let before = c.total_in();
        c.compress_vec(&chunk, &mut out, FlushCompress::Sync)
            .unwrap();
        assert_eq!(c.total_in() - before, chunk.len() as u64);
        out
    };
    let first = piece();
    let second = piece();
    let third = piece();
    assert_eq!(second, third, "the compressor is not in a steady state");
    let mut out = first;
    for _ in 1..BOMB_EXPANDS_TO >> 20 {
        out.extend_from_slice(&second);
    }
    out
}

/// What a client's session did: COMPRESS's result, then NOOP's.
#[derive(Debug)]
struct Run {
    compress: Result<Reply, Error>,
    noop: Result<Reply, Error>,
    compressed: bool,
    written: Vec<u8>,
}

macro_rules! session {
    ($name:ident, [$($g:tt)*] $client:ty, [$($async:tt)*] [$($await:tt)*]) => {
        $($async)* fn $name<$($g)*>(stream: MemoryStream) -> Run {
            let peer = stream.peer();
            let mut m = <$client>::from_stream(stream, "", &config(), false)$($await)*
                .expect("connected");
            let compress = m.compress()$($await)*;
            let compressed = m.is_compressed();
            let noop = m.noop()$($await)*;
            drop(m);
            Run { compress, noop, compressed, written: peer.written() }
        }
    };
}

session!(blocking_session, [] imaplib_blocking::Client<MemoryStream>, [] []);
session!(async_session, [R: Runtime] AsyncClient<MemoryStream, R>, [async] [.await]);

/// Every client: the blocking one and the async one under each runtime.
fn every_client(stream: impl Fn() -> MemoryStream, check: impl Fn(&str, Run)) {
    check("blocking", blocking_session(stream()));
    let s = stream();
    check(
        "smol",
        runtimes::Smol::run(async_session::<<runtimes::Smol as Exec>::R>(s)),
    );
    let s = stream();
    check(
        "async-std",
        runtimes::AsyncStd::run(async_session::<<runtimes::AsyncStd as Exec>::R>(s)),
    );
    let s = stream();
    check(
        "tokio",
        runtimes::Tokio::run(async_session::<<runtimes::Tokio as Exec>::R>(s)),
    );
}

const CHUNKINGS: [Chunking; 3] = [Chunking::Whole, Chunking::Pieces(7), Chunking::Pieces(4096)];

#[track_caller]
fn compressed_ok(what: &str, run: &Run) {
    let r = run
        .compress
        .as_ref()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(r.python_repr(), "('OK', [b'Begin compression.'])", "{what}");
    assert!(run.compressed, "{what}");
    // What the client sent after COMPRESS is raw DEFLATE, sync-flushed.
    let at = run
        .written
        .windows(18)
        .position(|w| w == b"COMPRESS DEFLATE\r\n")
        .expect("COMPRESS sent")
        + 18;
    let after = &run.written[at..];
    assert!(after.ends_with(&[0, 0, 0xff, 0xff]), "{what}: {after:?}");
    assert!(
        !after.windows(4).any(|w| w == b"NOOP"),
        "{what}: NOOP in clear"
    );
}

#[test]
fn data_with_the_ok_is_decompressed_whatever_the_reads() {
    let after = deflate(b"* 5 EXISTS\r\nBCDE2 OK NOOP completed.\r\n");
    for chunking in CHUNKINGS {
        every_client(
            || stream(&after, chunking),
            |what, run| {
                let what = format!("{what} {chunking:?}");
                compressed_ok(&what, &run);
                let r = run.noop.unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(r.python_repr(), "('OK', [b'NOOP completed.'])", "{what}");
            },
        );
    }
}

#[test]
fn a_deflate_bomb_is_a_line_limit_with_memory_bounded() {
    let bomb = bomb();
    assert!(bomb.len() < BOMB_EXPANDS_TO / 500, "{} bytes", bomb.len());
    // The bomb comes as the start of an untagged line that never ends.
    let mut after = deflate(b"* OK ");
    after.extend_from_slice(&bomb);
    // Memory: the line limit and a read's worth, not the 256 MiB the bomb expands to.
    let (run, growth_kib, took) =
        mem::peak_growth(|| blocking_session(stream(&after, Chunking::Whole)));
    assert!(run.noop.is_err());
    eprintln!("blocking: peak RSS +{growth_kib} KiB in {took:?}");
    assert!(
        growth_kib < 24 * 1024,
        "peak RSS grew by {growth_kib} KiB in {took:?} (bomb of {} MiB, line limit 1 MiB)",
        BOMB_EXPANDS_TO >> 20
    );
    let (run, growth_kib, took) = mem::peak_growth(|| {
        runtimes::Smol::run(async_session::<<runtimes::Smol as Exec>::R>(stream(
            &after,
            Chunking::Whole,
        )))
    });
    assert!(run.noop.is_err());
    eprintln!("async: peak RSS +{growth_kib} KiB in {took:?}");
    assert!(
        growth_kib < 24 * 1024,
        "async: peak RSS grew by {growth_kib} KiB in {took:?}"
    );
    for chunking in [Chunking::Whole, Chunking::Pieces(4096)] {
        every_client(
            || stream(&after, chunking),
            |what, run| {
                let what = format!("{what} {chunking:?}");
                compressed_ok(&what, &run);
                let e = run.noop.unwrap_err();
                assert_eq!(
                    (e.kind(), e.cause()),
                    (ErrorKind::Abort, Cause::Limit),
                    "{what}: {e}"
                );
                let Reason::LimitExceeded {
                    limit,
                    bound,
                    value,
                } = e.reason()
                else {
                    panic!("{what}: {e:?}")
                };
                assert_eq!((*limit, *bound), (Limit::Line, MAX_LINE as u64), "{what}");
                assert!(*value > MAX_LINE as u64, "{what}");
            },
        );
    }
}

fn assert_deflate_error(what: &str, e: &Error, bytes: &[u8]) {
    assert_eq!(
        (e.kind(), e.cause()),
        (ErrorKind::Abort, Cause::Protocol),
        "{what}: {e}"
    );
    assert!(
        matches!(
            e.reason(),
            Reason::Protocol {
                violation: Violation::Deflate,
                ..
            }
        ),
        "{what}: {e:?}"
    );
    assert!(
        e.message()
            .contains("COMPRESS=DEFLATE: corrupt compressed data"),
        "{what}: {e}"
    );
    let got = e.bytes().expect("the offending bytes");
    assert!(
        bytes.starts_with(got) || got.starts_with(&bytes[..1]),
        "{what}: {got:?}"
    );
}

#[test]
fn corrupt_data_is_a_clear_error() {
    // Block type 3 is reserved: invalid at the first byte.
    let garbage = [0xffu8; 16];
    for chunking in CHUNKINGS {
        every_client(
            || stream(&garbage, chunking),
            |what, run| {
                let what = format!("{what} {chunking:?}");
                compressed_ok(&what, &run);
                assert_deflate_error(&what, &run.noop.unwrap_err(), &garbage);
            },
        );
    }
}

#[test]
fn a_zlib_wrapped_stream_is_a_clear_error() {
    // The classic server bug: zlib's header and checksum around the DEFLATE data.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(b"BCDE2 OK NOOP completed.\r\n").unwrap();
    z.flush().unwrap();
    let zlib = z.get_ref().clone();
    for chunking in CHUNKINGS {
        every_client(
            || stream(&zlib, chunking),
            |what, run| {
                let what = format!("{what} {chunking:?}");
                compressed_ok(&what, &run);
                assert_deflate_error(&what, &run.noop.unwrap_err(), &zlib);
            },
        );
    }
}

#[test]
fn empty_blocks_are_silence_and_the_end_of_the_stream_ends_it() {
    // 100 000 empty stored blocks (what a sync flush of nothing is), then the end.
    let empty: Vec<u8> = [0u8, 0, 0, 0xff, 0xff].repeat(100_000);
    for chunking in [Chunking::Whole, Chunking::Pieces(5), Chunking::Pieces(4096)] {
        every_client(
            || stream(&empty, chunking),
            |what, run| {
                let what = format!("{what} {chunking:?}");
                compressed_ok(&what, &run);
                let e = run.noop.unwrap_err();
                assert_eq!(e.cause(), Cause::Io, "{what}: {e}");
                assert!(matches!(e.reason(), Reason::Closed { .. }), "{what}: {e:?}");
            },
        );
    }
}
