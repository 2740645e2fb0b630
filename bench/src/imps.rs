//! The implementations measured on the corpora, each as "bytes in, given chunking → parsed
//! responses out". Every function returns the time of its critical section (set-up such as
//! logging in a `Connection` is outside it) and the number of untagged responses it produced,
//! which the caller checks against the corpus.
//!
//! What each mode does, exactly:
//!
//! * `ours/imaplib` — a `Connection` (our sans-IO session) with the command in flight is fed
//!   the chunks, polled after every feed, until the command completes with imaplib's
//!   `(typ, data)`; the `Reply` is then dropped. Framing, classification, the untagged store
//!   and the result list are all included.
//! * `ours/imaplib+bytes` — `ours/imaplib` fed through `Connection::feed_bytes`: the input is
//!   a refcounted buffer (`Bytes`, as a client that reads into a `BytesMut` has it), each
//!   chunk a slice of it, so literals reach the result without a copy.
//! * `ours/framer` — the `Framer` alone, fed borrowed slices (`next_frame`, each byte copied
//!   once into its buffer): frames are cut and dropped.
//! * `ours/typed` — `Framer::next_frame_bytes` over the input in a refcounted buffer (each
//!   chunk a slice of it, lines and literals sliced out without a copy, as imap-proto slices
//!   its input buffer) + `parse::parse_response` on every frame: bytes in, typed
//!   `Response` values (FETCH items with ENVELOPE and BODYSTRUCTURE, LIST, SEARCH ranges) out.
//! * `ours/typed+ref` — `Framer::next_frame_ref` over borrowed slices of the input (as the
//!   peers take it): a response lying whole in a piece is handed out as slices of it (no
//!   copy, no reference count, no allocation for a one-line response), one that straddles
//!   pieces is gathered into the framer's buffer; + `parse::parse_segments` on every frame.
//! * `ours/imaplib+read`, `ours/typed+read` — the path both clients take: every read lands
//!   in the framer's own buffer (`read_buf`, then `commit`; each byte written once, by the
//!   "read", a `copy_from_slice` here), and lines and literals are sliced out of it. A read
//!   brings at most the chunk (4 KiB, 1 byte), "whole" as much as the buffer offers.
//! * `ours/typed+slice` — the typed path for input that is not refcounted:
//!   `Framer::next_frame` over borrowed slices (each byte copied once into the framer's
//!   buffer, as imap-codec's Fragmentizer copies into its own) + `parse::parse_response`.
//! * `ours/imaplib+view` — `ours/imaplib`, then the typed view over the `Reply`
//!   (`parse::fetches`, `parse::list`, `parse::search`), as a client user would call it.
//! * `imap-proto` (djc, 0.17) — `Response::parse` over a buffer. Whole: one call per response
//!   over the complete input. Chunked: what a client built on it does (async-imap,
//!   rust-imap): append the chunk to a buffer, retry the parse from the start of the
//!   incomplete response until it stops returning `Incomplete`, then drop the consumed bytes.
//! * `imap-codec` (2.0.0-alpha.10) — `ResponseCodec::decode`, whole and chunked exactly as
//!   imap-proto above.
//! * `imap-codec+frag` — imap-codec's own framer: `Fragmentizer::enqueue_bytes(chunk)`, then
//!   `progress()` until it needs more bytes; each complete message is decoded with
//!   `decode_message(&ResponseCodec)`. This is how imap-next drives imap-codec.

use std::hint::black_box;
use std::time::{Duration, Instant};

use imaplib_proto::frame::{Framer, Limits};
use imaplib_proto::parse::{self, parse_response, Data, Response};
use imaplib_proto::{Bytes, Command, CommandId, Connection, Item, Options, Output};

use crate::corpus::TAG;

/// What one run produced.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    /// Time of the critical section.
    pub time: Duration,
    /// Untagged responses produced (checked by the caller).
    pub responses: usize,
}

/// The command a corpus answers, as our `Command`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// FETCH with the given items.
    Fetch(&'static str),
    /// LIST "" *
    List,
    /// SEARCH ALL
    Search,
}

impl Cmd {
    fn command(self) -> Command {
        match self {
            Cmd::Fetch(items) => Command::fetch("1:*", items).expect("fetch"),
            Cmd::List => Command::list(None, None).expect("list"),
            Cmd::Search => Command::search(None, &["ALL"]).expect("search"),
        }
    }
}

/// A connection in SELECTED state with `cmd` in flight as `BCDE2` (untimed set-up).
pub fn connection_with(cmd: Cmd) -> (Connection, CommandId) {
    let mut conn = Connection::new(Options::new(0x1234));
    conn.feed(b"* PREAUTH ready\r\n");
    while conn.poll_output().is_some() {}
    conn.feed(b"* CAPABILITY IMAP4rev1 LITERAL+\r\nBCDE0 OK done\r\n");
    while conn.poll_output().is_some() {}
    conn.submit(Command::select("INBOX", true).expect("select"))
        .expect("submit select");
    conn.feed(b"* 10000 EXISTS\r\nBCDE1 OK [READ-ONLY] done\r\n");
    while conn.poll_output().is_some() {}
    let id = conn.submit(cmd.command()).expect("submit");
    let mut sent = Vec::new();
    while let Some(out) = conn.poll_output() {
        if let Output::Send(o) = out {
            sent.extend_from_slice(&o.bytes);
        }
    }
    assert!(
        sent.starts_with(format!("{TAG} ").as_bytes()),
        "unexpected tag: {}",
        String::from_utf8_lossy(&sent)
    );
    (conn, id)
}

/// Counts the untagged responses in an imaplib-shaped FETCH/LIST/SEARCH result: one per
/// `Line` item (each response ends with exactly one).
fn count_lines(data: &[Item]) -> usize {
    data.iter().filter(|i| matches!(i, Item::Line(_))).count()
}

/// `ours/imaplib`: feed a `Connection`, poll after every feed, until the command completes.
pub fn ours_imaplib(data: &Bytes, chunk: usize, cmd: Cmd) -> Run {
    ours_imaplib_then(data, chunk, cmd, |reply| count_lines(&reply.data))
}

/// `ours/imaplib+view`: as `ours/imaplib`, then the typed view over the result.
pub fn ours_imaplib_view(data: &Bytes, chunk: usize, cmd: Cmd) -> Run {
    ours_imaplib_then(data, chunk, cmd, |reply| match cmd {
        Cmd::Fetch(_) => parse::fetches(reply)
            .map(|f| {
                black_box(f.expect("typed FETCH"));
            })
            .count(),
        Cmd::List => parse::list(reply)
            .map(|l| {
                black_box(l.expect("typed LIST"));
            })
            .count(),
        Cmd::Search => parse::search(reply)
            .map(|s| {
                black_box(s.expect("typed SEARCH"));
            })
            .count(),
    })
}

/// `ours/imaplib+bytes`: as `ours/imaplib`, each chunk fed as a slice of the refcounted input.
pub fn ours_imaplib_bytes(data: &Bytes, chunk: usize, cmd: Cmd) -> Run {
    ours_imaplib_fed(data, chunk, cmd, Feed::Bytes, |reply| {
        count_lines(&reply.data)
    })
}

/// `ours/imaplib+read`: the path both clients take — every read lands in the connection's
/// own buffer (`Connection::read_buf`, then `commit`), at most `chunk` bytes per read (a
/// socket handing over 4 KiB at a time), else as much as the buffer offers.
pub fn ours_imaplib_read(data: &Bytes, chunk: usize, cmd: Cmd) -> Run {
    ours_imaplib_fed(data, chunk, cmd, Feed::Read, |reply| {
        count_lines(&reply.data)
    })
}

/// How the input reaches the connection.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Feed {
    /// `feed(&[u8])`: borrowed pieces, copied in.
    Slice,
    /// `feed_bytes(Bytes)`: pieces of the refcounted input.
    Bytes,
    /// `read_buf` + `commit`: read into the connection's buffer.
    Read,
}

fn ours_imaplib_then(
    data: &Bytes,
    chunk: usize,
    cmd: Cmd,
    then: impl Fn(&imaplib_proto::Reply) -> usize,
) -> Run {
    ours_imaplib_fed(data, chunk, cmd, Feed::Slice, then)
}

/// Feeds a `Connection` `data` in `chunk`-sized pieces, as slices (`feed`), as `Bytes`
/// (`feed_bytes`) or by reads into its buffer, polling after every piece, until the command
/// completes; then `then`.
fn ours_imaplib_fed(
    data: &Bytes,
    chunk: usize,
    cmd: Cmd,
    feed: Feed,
    then: impl Fn(&imaplib_proto::Reply) -> usize,
) -> Run {
    let (mut conn, id) = connection_with(cmd);
    let start = Instant::now();
    let mut result = None;
    let mut at = 0;
    while at < data.len() {
        let end = (at + chunk).min(data.len());
        at = match feed {
            Feed::Slice => {
                conn.feed(&data[at..end]);
                end
            }
            Feed::Bytes => {
                conn.feed_bytes(data.slice(at..end));
                end
            }
            Feed::Read => {
                // A read brings what the room offered takes, at most the piece.
                let buf = conn.read_buf();
                let n = buf.len().min(end - at);
                buf[..n].copy_from_slice(&data[at..at + n]);
                conn.commit(n);
                at + n
            }
        };
        while let Some(out) = conn.poll_output() {
            if let Output::Completed {
                id: done,
                result: r,
            } = out
            {
                assert_eq!(done, id);
                result = Some(r.expect("command result"));
            }
        }
    }
    let reply = result.expect("command completed");
    let responses = then(&reply);
    drop(reply);
    let time = start.elapsed();
    drop(conn);
    Run { time, responses }
}

/// Feeds `data` in `chunk`-sized pieces to a framer and hands each frame to `each`.
fn frames(data: &[u8], chunk: usize, mut each: impl FnMut(imaplib_proto::frame::Frame)) {
    let mut framer = Framer::new(Limits::default());
    for piece in data.chunks(chunk) {
        let mut input = piece;
        while let Some(frame) = framer.next_frame(&mut input).expect("framing") {
            each(frame);
        }
    }
}

/// `ours/framer`: frames only.
pub fn ours_framer(data: &[u8], chunk: usize) -> Run {
    let start = Instant::now();
    let mut n = 0usize;
    frames(data, chunk, |f| {
        if f.first.starts_with(b"* ") {
            n += 1;
        }
        black_box(f);
    });
    Run {
        time: start.elapsed(),
        responses: n,
    }
}

/// Parses a frame into a typed `Response`: true for the data responses counted.
fn typed_data(f: &imaplib_proto::frame::Frame) -> bool {
    let r = parse_response(f).unwrap_or_else(|e| panic!("typed parse: {e}"));
    let data = matches!(
        r,
        Response::Untagged(Data::Fetch(_) | Data::List(_) | Data::Search(_))
    );
    black_box(&r);
    data
}

/// `ours/typed+read`: as `ours/typed`, but the frames are cut out of the framer's own
/// buffer that every read landed in (`Framer::read_buf`, `commit`, `next_frame_read`: the
/// clients' path), at most `chunk` bytes per read, else as much as the buffer offers.
pub fn ours_typed_read(data: &[u8], chunk: usize) -> Run {
    let start = Instant::now();
    let mut n = 0usize;
    let mut framer = Framer::new(Limits::default());
    let mut at = 0;
    while at < data.len() {
        let buf = framer.read_buf(true);
        let k = buf.len().min(chunk).min(data.len() - at);
        buf[..k].copy_from_slice(&data[at..at + k]);
        framer.commit(k);
        at += k;
        while let Some(frame) = framer.next_frame_read().expect("framing") {
            n += usize::from(typed_data(&frame));
        }
    }
    Run {
        time: start.elapsed(),
        responses: n,
    }
}

/// `ours/typed+slice`: frames cut from borrowed slices (`Framer::next_frame`, each byte copied
/// once into the framer's buffer), each parsed into a typed `Response`.
pub fn ours_typed_slice(data: &[u8], chunk: usize) -> Run {
    let start = Instant::now();
    let mut n = 0usize;
    frames(data, chunk, |f| n += usize::from(typed_data(&f)));
    Run {
        time: start.elapsed(),
        responses: n,
    }
}

/// `ours/typed`: frames cut out of the refcounted input, each parsed into a typed `Response`.
pub fn ours_typed(data: &Bytes, chunk: usize) -> Run {
    let start = Instant::now();
    let mut n = 0usize;
    let mut framer = Framer::new(Limits::default());
    let mut at = 0;
    let mut each = |f: imaplib_proto::frame::Frame| n += usize::from(typed_data(&f));
    while at < data.len() {
        let end = (at + chunk).min(data.len());
        let mut input = data.slice(at..end);
        while let Some(frame) = framer.next_frame_bytes(&mut input).expect("framing") {
            each(frame);
        }
        at = end;
    }
    Run {
        time: start.elapsed(),
        responses: n,
    }
}

/// `ours/typed+ref`: `Framer::next_frame_ref` over borrowed slices of the input: a response
/// that lies whole in a piece is parsed where it lies (no copy, no reference count), one that
/// straddles pieces is gathered into the framer's buffer; each parsed into a typed `Response`.
pub fn ours_typed_ref(data: &[u8], chunk: usize) -> Run {
    let start = Instant::now();
    let mut n = 0usize;
    let mut framer = Framer::new(Limits::default());
    let mut quirks = parse::Quirks::new();
    for piece in data.chunks(chunk) {
        let mut input = piece;
        while let Some(frame) = framer.next_frame_ref(&mut input).expect("framing") {
            let r = parse::parse_segments(frame.segments(), &mut quirks)
                .unwrap_or_else(|e| panic!("typed parse: {e}"));
            n += usize::from(matches!(
                r,
                Response::Untagged(Data::Fetch(_) | Data::List(_) | Data::Search(_))
            ));
            black_box(&r);
        }
    }
    Run {
        time: start.elapsed(),
        responses: n,
    }
}

fn djc_is_data(r: &imap_proto_djc::Response<'_>) -> bool {
    use imap_proto_djc::{MailboxDatum, Response as R};
    matches!(
        r,
        R::Fetch(..) | R::MailboxData(MailboxDatum::List { .. } | MailboxDatum::Search(_))
    )
}

/// imap-proto 0.17, whole input: one `Response::parse` per response.
pub fn djc_whole(data: &[u8]) -> Run {
    let start = Instant::now();
    let mut rest = data;
    let mut n = 0;
    while !rest.is_empty() {
        match imap_proto_djc::Response::parse(rest) {
            Ok((r, resp)) => {
                n += djc_is_data(&resp) as usize;
                black_box(&resp);
                rest = r;
            }
            Err(e) => panic!("imap-proto: {e:?} at {:?}", show(rest)),
        }
    }
    Run {
        time: start.elapsed(),
        responses: n,
    }
}

/// imap-proto 0.17 chunked: buffer and retry from the response start per chunk.
pub fn djc_retry(data: &[u8], chunk: usize) -> Run {
    let start = Instant::now();
    let mut buf: Vec<u8> = Vec::new();
    let mut n = 0;
    for piece in data.chunks(chunk) {
        buf.extend_from_slice(piece);
        let mut at = 0;
        loop {
            match imap_proto_djc::Response::parse(&buf[at..]) {
                Ok((rest, resp)) => {
                    n += djc_is_data(&resp) as usize;
                    black_box(&resp);
                    at = buf.len() - rest.len();
                    if at == buf.len() {
                        break;
                    }
                }
                Err(e) if e.is_incomplete() => break,
                Err(e) => panic!("imap-proto: {e:?} at {:?}", show(&buf[at..])),
            }
        }
        buf.drain(..at);
    }
    assert!(buf.is_empty());
    Run {
        time: start.elapsed(),
        responses: n,
    }
}

fn codec_is_data(r: &imap_codec::imap_types::response::Response<'_>) -> bool {
    use imap_codec::imap_types::response::{Data as D, Response as R};
    matches!(r, R::Data(D::Fetch { .. } | D::List { .. } | D::Search(..)))
}

/// imap-codec, whole input: one `ResponseCodec::decode` per response.
pub fn codec_whole(data: &[u8]) -> Run {
    use imap_codec::decode::Decoder;
    let codec = imap_codec::ResponseCodec::default();
    let start = Instant::now();
    let mut rest = data;
    let mut n = 0;
    while !rest.is_empty() {
        match codec.decode(rest) {
            Ok((r, resp)) => {
                n += codec_is_data(&resp) as usize;
                black_box(&resp);
                rest = r;
            }
            Err(e) => panic!("imap-codec: {e:?} at {:?}", show(rest)),
        }
    }
    Run {
        time: start.elapsed(),
        responses: n,
    }
}

/// imap-codec chunked: buffer and retry from the response start per chunk.
pub fn codec_retry(data: &[u8], chunk: usize) -> Run {
    use imap_codec::decode::{Decoder, ResponseDecodeError};
    let codec = imap_codec::ResponseCodec::default();
    let start = Instant::now();
    let mut buf: Vec<u8> = Vec::new();
    let mut n = 0;
    for piece in data.chunks(chunk) {
        buf.extend_from_slice(piece);
        let mut at = 0;
        loop {
            match codec.decode(&buf[at..]) {
                Ok((rest, resp)) => {
                    n += codec_is_data(&resp) as usize;
                    black_box(&resp);
                    at = buf.len() - rest.len();
                    if at == buf.len() {
                        break;
                    }
                }
                // LiteralFound: the buffer ends inside a literal's announcement; a client
                // must take the literal, i.e. wait for more bytes, exactly as for Incomplete.
                Err(ResponseDecodeError::Incomplete | ResponseDecodeError::LiteralFound { .. }) => {
                    break
                }
                Err(e) => panic!("imap-codec: {e:?} at {:?}", show(&buf[at..])),
            }
        }
        buf.drain(..at);
    }
    assert!(buf.is_empty());
    Run {
        time: start.elapsed(),
        responses: n,
    }
}

/// imap-codec with its `Fragmentizer`: framed first, each complete message decoded once.
pub fn codec_frag(data: &[u8], chunk: usize) -> Run {
    use imap_codec::fragmentizer::Fragmentizer;
    let codec = imap_codec::ResponseCodec::default();
    let start = Instant::now();
    let mut frag = Fragmentizer::new(1 << 30);
    let mut n = 0;
    for piece in data.chunks(chunk) {
        frag.enqueue_bytes(piece);
        while frag.progress().is_some() {
            if frag.is_message_complete() {
                match frag.decode_message(&codec) {
                    Ok(resp) => {
                        n += codec_is_data(&resp) as usize;
                        black_box(&resp);
                    }
                    Err(e) => panic!("imap-codec fragmentizer: {e:?}"),
                }
            }
        }
    }
    Run {
        time: start.elapsed(),
        responses: n,
    }
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.len().min(300)]).into_owned()
}
