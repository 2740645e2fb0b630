//! Bytes are read once: literals are slices of the buffer they were read into, whatever the
//! chunking, and the framer's buffer is reused while responses follow each other and given
//! back when it is idle.

mod common;

use common::Script;
use imaplib_proto::frame::{
    Frame, FrameRef, Framer, Limits, IDLE_KEEP, LITERAL_RESERVE_MAX, READ_CHUNK, READ_MIN,
    READ_TAIL_MIN,
};
use imaplib_proto::{Bytes, Command, Connection, Item, Output};
use proptest::prelude::*;

/// True when `part` lies inside `buf` (an empty part has no address to check).
fn inside(part: &[u8], buf: &[u8]) -> bool {
    let (start, end) = (buf.as_ptr() as usize, buf.as_ptr() as usize + buf.len());
    let p = part.as_ptr() as usize;
    part.is_empty() || (start <= p && p + part.len() <= end)
}

/// Outcome of framing: the frames, and the error message that stopped the framer.
type Outcome = (Vec<Frame>, Option<String>);

/// Frames `data` cut at `cuts` through `next_frame` (borrowed slices).
fn frame_slices(limits: Limits, data: &[u8], cuts: &[usize]) -> Outcome {
    let mut f = Framer::new(limits);
    let mut out = Vec::new();
    for (a, b) in spans(data.len(), cuts) {
        let mut input = &data[a..b];
        loop {
            match f.next_frame(&mut input) {
                Ok(Some(frame)) => out.push(frame),
                Ok(None) => break,
                Err(e) => return (out, Some(e.message().to_string())),
            }
        }
        assert!(
            f.capacity() <= IDLE_KEEP || !f.is_idle(),
            "idle framer keeps {}",
            f.capacity()
        );
    }
    (out, None)
}

/// Frames `data` cut at `cuts` through `next_frame_bytes`, each chunk a slice of one
/// `Bytes`.
fn frame_bytes(limits: Limits, data: &Bytes, cuts: &[usize]) -> Outcome {
    let mut f = Framer::new(limits);
    let mut out = Vec::new();
    for (a, b) in spans(data.len(), cuts) {
        let mut input = data.slice(a..b);
        loop {
            match f.next_frame_bytes(&mut input) {
                Ok(Some(frame)) => out.push(frame),
                Ok(None) => break,
                Err(e) => return (out, Some(e.message().to_string())),
            }
        }
        assert!(
            f.capacity() <= IDLE_KEEP || !f.is_idle(),
            "idle framer keeps {}",
            f.capacity()
        );
    }
    (out, None)
}

/// Frames `data` cut at `cuts` through `next_frame_ref` (borrowed where a response lies whole
/// in its chunk), the frames made owned; checks that a borrowed frame lies inside its chunk
/// and counts the frames that were borrowed.
fn frame_refs(limits: Limits, data: &[u8], cuts: &[usize]) -> (Outcome, usize) {
    let mut f = Framer::new(limits);
    let mut out = Vec::new();
    let mut borrowed = 0;
    for (a, b) in spans(data.len(), cuts) {
        let chunk = &data[a..b];
        let mut input = chunk;
        loop {
            match f.next_frame_ref(&mut input) {
                Ok(Some(frame)) => {
                    if let FrameRef::Borrowed(ref b) = frame {
                        borrowed += 1;
                        assert!(inside(b.first, chunk), "a borrowed line outside its chunk");
                        for (lit, line) in &b.parts {
                            assert!(inside(lit, chunk) && inside(line, chunk));
                        }
                    }
                    out.push(frame.into_owned());
                }
                Ok(None) => break,
                Err(e) => return ((out, Some(e.message().to_string())), borrowed),
            }
        }
        assert!(
            f.capacity() <= IDLE_KEEP || !f.is_idle(),
            "idle framer keeps {}",
            f.capacity()
        );
    }
    ((out, None), borrowed)
}

/// The `[a, b)` spans of `0..len` cut at `cuts` (taken modulo `len + 1`).
fn spans(len: usize, cuts: &[usize]) -> Vec<(usize, usize)> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (len + 1)).collect();
    points.sort_unstable();
    points.dedup();
    let mut out = Vec::new();
    let mut at = 0;
    for p in points {
        out.push((at, p));
        at = p;
    }
    out.push((at, len));
    out
}

/// A FETCH response per literal, each `BODY[]` literal the given bytes; the wire form.
fn fetches(bodies: &[Vec<u8>]) -> Vec<u8> {
    fetches_at(bodies).0
}

/// [`fetches`], and where each literal starts on the wire.
fn fetches_at(bodies: &[Vec<u8>]) -> (Vec<u8>, Vec<usize>) {
    let mut wire = Vec::new();
    let mut at = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        wire.extend_from_slice(
            format!(
                "* {} FETCH (UID {} BODY[] {{{}}}\r\n",
                i + 1,
                i + 7,
                body.len()
            )
            .as_bytes(),
        );
        at.push(wire.len());
        wire.extend_from_slice(body);
        wire.extend_from_slice(b" FLAGS (\\Seen))\r\n");
    }
    wire.extend_from_slice(b"BCDE2 OK Fetch completed.\r\n");
    (wire, at)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Fed in one chunk, every literal is a slice of that chunk (no byte copied), equal to
    /// the bytes sent; in any chunking, through either entry point, the frames are the same,
    /// and fed as `Bytes` chunks, a literal lying whole in one chunk is a slice of it.
    #[test]
    fn literals_are_slices_of_the_chunk_they_came_in(
        bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..6),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let (wire, at) = fetches_at(&bodies);
        let wire = Bytes::from(wire);
        let (whole, err) = frame_bytes(Limits::default(), &wire, &[]);
        prop_assert_eq!(err, None);
        prop_assert_eq!(whole.len(), bodies.len() + 1);
        for (frame, body) in whole.iter().zip(&bodies) {
            let (lit, _) = &frame.parts[0];
            prop_assert_eq!(lit, body);
            prop_assert!(inside(lit, &wire), "literal copied");
            prop_assert!(inside(&frame.first, &wire), "line copied");
        }
        let chunked = frame_bytes(Limits::default(), &wire, &cuts);
        prop_assert_eq!(&chunked, &(whole.clone(), None));
        let spans = spans(wire.len(), &cuts);
        for ((frame, body), start) in chunked.0.iter().zip(&bodies).zip(&at) {
            let (lit, end) = (&frame.parts[0].0, start + body.len());
            let whole_in_one = spans.iter().any(|&(a, b)| a <= *start && end <= b);
            if !body.is_empty() && whole_in_one {
                prop_assert_eq!(lit.as_ptr(), wire[*start..].as_ptr(), "literal copied");
            } else if !body.is_empty() {
                prop_assert!(!inside(lit, &wire), "a gathered literal points into the input");
            }
        }
        prop_assert_eq!(&frame_slices(Limits::default(), &wire, &cuts), &(whole.clone(), None));
        let bytewise: Vec<usize> = (0..wire.len()).collect();
        prop_assert_eq!(&frame_bytes(Limits::default(), &wire, &bytewise), &(whole.clone(), None));
        // Borrowed: in one chunk every response is a slice of it; in pieces, the same frames.
        let (refs, borrowed) = frame_refs(Limits::default(), &wire, &[]);
        prop_assert_eq!(&refs, &(whole.clone(), None));
        prop_assert_eq!(borrowed, whole.len());
        prop_assert_eq!(&frame_refs(Limits::default(), &wire, &cuts).0, &(whole.clone(), None));
        prop_assert_eq!(&frame_refs(Limits::default(), &wire, &bytewise).0, &(whole, None));
    }

    /// Hostile bytes under small limits: every entry point (slices, `Bytes`, borrowed)
    /// agrees on frames and errors in any chunking, and an idle framer never keeps more than
    /// `IDLE_KEEP`.
    #[test]
    fn both_entry_points_agree_on_hostile_bytes(
        data in proptest::collection::vec(
            prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'{'), Just(b'}'), Just(b'('), Just(b')'),
                        Just(b'"'), Just(b'1'), Just(b'0'), Just(b'+'), Just(b'~'), any::<u8>()],
            0..400),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
        line in 1usize..64, literal in 0u64..64, response in 0u64..256,
    ) {
        let limits = Limits { max_line: line, max_literal: literal, max_response: response };
        let wire = Bytes::from(data);
        let want = frame_slices(limits, &wire, &[]);
        prop_assert_eq!(&frame_bytes(limits, &wire, &[]), &want);
        prop_assert_eq!(&frame_bytes(limits, &wire, &cuts), &want);
        prop_assert_eq!(&frame_slices(limits, &wire, &cuts), &want);
        prop_assert_eq!(&frame_refs(limits, &wire, &[]).0, &want);
        prop_assert_eq!(&frame_refs(limits, &wire, &cuts).0, &want);
    }

    /// Through the session: `feed_bytes` gives the same outputs as `feed` in any chunking,
    /// and the imaplib-shaped literal of a one-chunk feed is a slice of that chunk.
    #[test]
    fn feed_bytes_gives_feeds_results_without_copying(
        bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 1..5),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let wire = Bytes::from(fetches(&bodies));
        let (one, reply) = session(&wire, &[], true);
        let reply = reply.expect("the FETCH completes");
        let mut literals = reply.data.iter().filter_map(|i| match i {
            Item::Literal(_, d) => Some(d),
            _ => None,
        });
        for body in &bodies {
            let d = literals.next().expect("a literal per body");
            prop_assert_eq!(d, body);
            prop_assert!(inside(d, &wire), "imaplib-shaped literal copied");
        }
        prop_assert_eq!(&session(&wire, &cuts, true).0, &one);
        prop_assert_eq!(&session(&wire, &cuts, false).0, &one);
    }
}

/// A selected connection with a FETCH in flight (`BCDE2`), fed `wire` cut at
/// `cuts` (as `Bytes` chunks or as slices): every output, and the FETCH's reply.
fn session(
    wire: &Bytes,
    cuts: &[usize],
    bytes: bool,
) -> (Vec<String>, Option<imaplib_proto::Reply>) {
    let mut conn = Connection::new(Script::opts());
    conn.feed(b"* PREAUTH ready\r\n");
    while conn.poll_output().is_some() {}
    conn.feed(b"* CAPABILITY IMAP4rev1\r\nBCDE0 OK done\r\n");
    while conn.poll_output().is_some() {}
    conn.submit(Command::select("INBOX", true).unwrap())
        .unwrap();
    conn.feed(b"* 9 EXISTS\r\nBCDE1 OK [READ-ONLY] done\r\n");
    while conn.poll_output().is_some() {}
    let id = conn
        .submit(Command::fetch("1:*", "(UID BODY[] FLAGS)").unwrap())
        .unwrap();
    let mut log = Vec::new();
    let mut reply = None;
    let mut drain = |conn: &mut Connection, log: &mut Vec<String>| {
        while let Some(o) = conn.poll_output() {
            match o {
                Output::Completed { id: done, result } if done == id => {
                    log.push(format!("{result:?}"));
                    reply = result.ok();
                }
                Output::Send(_) => {}
                other => log.push(format!("{other:?}")),
            }
        }
    };
    drain(&mut conn, &mut log);
    for (a, b) in spans(wire.len(), cuts) {
        if bytes {
            conn.feed_bytes(wire.slice(a..b));
        } else {
            conn.feed(&wire[a..b]);
        }
        drain(&mut conn, &mut log);
    }
    (log, reply)
}

/// A multi-megabyte line fed in 4 KiB pieces (as a client reads it) reuses one allocation
/// for the next response once the first is dropped, instead of asking the allocator for a
/// fresh one; and once the input is used up and the framer idle, it is given back.
#[test]
fn a_long_line_reuses_its_buffer_and_is_given_back_when_idle() {
    let ids: String = (1..=400_000u32).map(|n| format!(" {n}")).collect();
    let line = format!("* SEARCH{ids}\r\n");
    assert!(line.len() > 2 << 20);
    let wire = [line.as_bytes(), line.as_bytes(), b"BCDE1 OK done\r\n"].concat();
    let mut f = Framer::new(Limits::default());
    let mut starts = Vec::new();
    for piece in wire.chunks(4096) {
        let mut input = piece;
        while let Some(frame) = f.next_frame(&mut input).unwrap() {
            starts.push((frame.first.as_ptr() as usize, frame.first.len()));
            drop(frame);
        }
    }
    assert_eq!(starts.len(), 3);
    assert_eq!(starts[0].1, line.len() - 2);
    assert_eq!(
        starts[0].0, starts[1].0,
        "the second SEARCH line was gathered into the first one's allocation"
    );
    assert!(f.is_idle());
    assert!(
        f.capacity() <= IDLE_KEEP,
        "idle framer keeps {} bytes",
        f.capacity()
    );
    let work = f.stats().work as f64 / f.stats().bytes as f64;
    assert!(work < 4.0, "work {work:.2} per byte");
}

/// After small traffic the framer keeps at most `IDLE_KEEP` bytes of buffer.
#[test]
fn small_traffic_leaves_a_small_idle_buffer() {
    let mut f = Framer::new(Limits::default());
    assert_eq!(f.capacity(), 0);
    let wire = fetches(&[b"hello".to_vec(), vec![b'x'; 300]]);
    for piece in wire.chunks(7) {
        let mut input = piece;
        while f.next_frame(&mut input).unwrap().is_some() {}
    }
    assert!(f.is_idle());
    assert!(
        f.capacity() > 0 && f.capacity() <= IDLE_KEEP,
        "{}",
        f.capacity()
    );
    // A literal of 100 000 bytes in pieces grows the buffer; idle again, it is given back.
    let wire = fetches(&[vec![b'y'; 100_000]]);
    let mut kept = 0;
    for piece in wire.chunks(1500) {
        let mut input = piece;
        while f.next_frame(&mut input).unwrap().is_some() {}
        kept = kept.max(f.capacity());
    }
    assert!(kept >= 100_000, "{kept}");
    assert!(f.is_idle());
    assert!(f.capacity() <= IDLE_KEEP, "{}", f.capacity());
}

/// One read through [`Framer::read_buf`]: where it landed and which wire bytes it brought.
struct Read {
    addr: usize,
    wire: std::ops::Range<usize>,
}

/// Frames `wire` read through `read_buf`/`commit`, each read bringing at most the next of
/// `sizes` (cycled; at least 1 byte) and at most the room offered: the frames, the error
/// that stopped the framer, and every read.
fn frame_reads(
    limits: Limits,
    wire: &[u8],
    sizes: &[usize],
    keep_literal: bool,
) -> (Outcome, Vec<Read>, Framer) {
    let mut f = Framer::new(limits);
    let (mut out, mut reads) = (Vec::new(), Vec::new());
    let mut at = 0;
    let mut i = 0;
    while at < wire.len() {
        let want = sizes
            .get(i % sizes.len().max(1))
            .copied()
            .unwrap_or(usize::MAX);
        i += 1;
        let buf = f.read_buf(keep_literal);
        assert!(!buf.is_empty() && buf.len() <= READ_CHUNK, "{}", buf.len());
        let n = want.max(1).min(buf.len()).min(wire.len() - at);
        buf[..n].copy_from_slice(&wire[at..at + n]);
        reads.push(Read {
            addr: buf.as_ptr() as usize,
            wire: at..at + n,
        });
        at += n;
        f.commit(n);
        loop {
            match f.next_frame_read() {
                Ok(Some(frame)) => out.push(frame),
                Ok(None) => break,
                Err(e) => return ((out, Some(e.message().to_string())), reads, f),
            }
        }
        assert_eq!(f.unframed(), 0);
    }
    ((out, None), reads, f)
}

/// Where the wire byte at `offset` was read to.
fn read_addr(reads: &[Read], offset: usize) -> Option<usize> {
    reads
        .iter()
        .find(|r| r.wire.contains(&offset))
        .map(|r| r.addr + (offset - r.wire.start))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Read into the framer's own buffer in any read sizes, the frames are those of one
    /// `next_frame` call, and every literal lies where it was read: its last byte at the
    /// address its read put it, and, when it came at the start of a read, its first byte
    /// too (the room for the rest of it was reserved before that read, so nothing moved).
    #[test]
    fn literals_read_into_the_framer_lie_where_they_were_read(
        bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..3000), 1..6),
        sizes in proptest::collection::vec(1usize..5000, 1..12),
    ) {
        let (wire, at) = fetches_at(&bodies);
        let (want, _) = frame_slices(Limits::default(), &wire, &[]);
        let ((got, err), reads, f) = frame_reads(Limits::default(), &wire, &sizes, true);
        prop_assert_eq!(err, None);
        prop_assert_eq!(&got, &want);
        for ((frame, body), start) in got.iter().zip(&bodies).zip(&at) {
            let lit = &frame.parts[0].0;
            prop_assert_eq!(lit, body);
            if body.is_empty() {
                continue;
            }
            let end = start + body.len() - 1;
            prop_assert_eq!(
                Some(lit.as_ptr() as usize + body.len() - 1),
                read_addr(&reads, end),
                "the literal's last byte moved"
            );
            if reads.iter().any(|r| r.wire.start == *start) {
                prop_assert_eq!(Some(lit.as_ptr() as usize), read_addr(&reads, *start), "moved");
            }
        }
        // Nothing gathered but what a reservation moved (a partial line or literal, once).
        prop_assert!(f.stats().work <= 3 * f.stats().bytes, "{:?}", f.stats());
        // After a full read the buffer is kept for the next one; a short read (an idling
        // session's next response) gives it back.
        let mut f = f;
        let line = b"* 1 EXISTS\r\n";
        let buf = f.read_buf(true);
        let n = line.len().min(buf.len());
        buf[..n].copy_from_slice(&line[..n]);
        f.commit(n);
        while let Ok(Some(_)) = f.next_frame_read() {}
        if n < line.len() {
            let buf = f.read_buf(true);
            buf[..line.len() - n].copy_from_slice(&line[n..]);
            f.commit(line.len() - n);
            prop_assert!(f.next_frame_read().unwrap().is_some());
        }
        prop_assert!(f.is_idle() && f.capacity() <= IDLE_KEEP, "idle keeps {}", f.capacity());
    }

    /// Hostile bytes under small limits: reading into the framer frames them and fails on
    /// them exactly as `next_frame` does, in any read sizes.
    #[test]
    fn reads_agree_with_next_frame_on_hostile_bytes(
        data in proptest::collection::vec(
            prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'{'), Just(b'}'), Just(b'('), Just(b')'),
                        Just(b'"'), Just(b'1'), Just(b'0'), Just(b'+'), Just(b'~'), any::<u8>()],
            0..400),
        sizes in proptest::collection::vec(1usize..64, 1..12),
        line in 1usize..64, literal in 0u64..64, response in 0u64..256,
        keep in any::<bool>(),
    ) {
        let limits = Limits { max_line: line, max_literal: literal, max_response: response };
        let want = frame_slices(limits, &data, &[]);
        prop_assert_eq!(&frame_reads(limits, &data, &sizes, keep).0, &want);
    }

    /// Through the session: reading into `Connection::read_buf` gives `feed`'s outputs in
    /// any read sizes, and the imaplib-shaped literals lie in the buffer they were read into.
    #[test]
    fn connection_reads_give_feeds_results(
        bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..2000), 1..5),
        sizes in proptest::collection::vec(1usize..3000, 1..8),
    ) {
        let wire = Bytes::from(fetches(&bodies));
        let (one, _) = session(&wire, &[], false);
        let (log, reply, reads) = session_reads(&wire, &sizes);
        prop_assert_eq!(&log, &one);
        let reply = reply.expect("the FETCH completes");
        let literals = reply.data.iter().filter_map(|i| match i {
            Item::Literal(_, d) => Some(d),
            _ => None,
        });
        for (d, body) in literals.zip(&bodies) {
            prop_assert_eq!(d, body);
            if let Some(last) = d.last() {
                let addr = d.as_ptr() as usize + d.len() - 1;
                prop_assert!(
                    reads.iter().any(|&(a, n)| a <= addr && addr < a + n),
                    "literal byte {last} not where a read put it"
                );
            }
        }
    }
}

/// [`session`] with the FETCH's responses read through `Connection::read_buf` in `sizes`
/// (cycled): the outputs, the reply, and where each read landed (address, length).
fn session_reads(
    wire: &[u8],
    sizes: &[usize],
) -> (
    Vec<String>,
    Option<imaplib_proto::Reply>,
    Vec<(usize, usize)>,
) {
    let mut conn = Connection::new(Script::opts());
    conn.feed(b"* PREAUTH ready\r\n");
    while conn.poll_output().is_some() {}
    conn.feed(b"* CAPABILITY IMAP4rev1\r\nBCDE0 OK done\r\n");
    while conn.poll_output().is_some() {}
    conn.submit(Command::select("INBOX", true).unwrap())
        .unwrap();
    conn.feed(b"* 9 EXISTS\r\nBCDE1 OK [READ-ONLY] done\r\n");
    while conn.poll_output().is_some() {}
    let id = conn
        .submit(Command::fetch("1:*", "(UID BODY[] FLAGS)").unwrap())
        .unwrap();
    let (mut log, mut reply, mut reads) = (Vec::new(), None, Vec::new());
    let mut drain = |conn: &mut Connection, log: &mut Vec<String>| {
        while let Some(o) = conn.poll_output() {
            match o {
                Output::Completed { id: done, result } if done == id => {
                    log.push(format!("{result:?}"));
                    reply = result.ok();
                }
                Output::Send(_) => {}
                other => log.push(format!("{other:?}")),
            }
        }
    };
    drain(&mut conn, &mut log);
    let (mut at, mut i) = (0, 0);
    while at < wire.len() {
        let buf = conn.read_buf();
        let n = sizes[i % sizes.len()].min(buf.len()).min(wire.len() - at);
        i += 1;
        buf[..n].copy_from_slice(&wire[at..at + n]);
        reads.push((buf.as_ptr() as usize, n));
        at += n;
        conn.commit(n);
        drain(&mut conn, &mut log);
    }
    (log, reply, reads)
}

/// The room offered grows to 64 KiB while reads fill it and falls back to 2 KiB after a
/// short one; idle, the framer keeps at most `IDLE_KEEP` (the 2 KiB a read needs).
#[test]
fn read_room_follows_the_reads_and_an_idle_framer_stays_small() {
    let mut f = Framer::new(Limits::default());
    assert_eq!(f.capacity(), 0, "nothing before the first read");
    let wire = fetches(&[vec![b'x'; 1 << 20]]);
    let (mut at, mut offered) = (0, Vec::new());
    while at < wire.len() {
        let buf = f.read_buf(true);
        offered.push(buf.len());
        let n = buf.len().min(wire.len() - at);
        buf[..n].copy_from_slice(&wire[at..at + n]);
        at += n;
        f.commit(n);
        while f.next_frame_read().unwrap().is_some() {}
    }
    assert_eq!(
        offered[..5],
        [
            READ_MIN,
            4 * READ_MIN,
            16 * READ_MIN,
            READ_CHUNK,
            READ_CHUNK
        ]
    );
    assert!(f.is_idle());
    assert!(
        f.capacity() <= IDLE_KEEP,
        "idle framer keeps {}",
        f.capacity()
    );
    // A short read (`* 1 EXISTS`) brings the room back to 2 KiB, and keeps it there: the
    // next rooms are the rest of that allocation, each line sliced out after the last.
    let line = b"* 1 EXISTS\r\n";
    let mut ends = Vec::new();
    for _ in 0..3 {
        let buf = f.read_buf(true);
        assert!(buf.len() <= READ_MIN);
        buf[..line.len()].copy_from_slice(line);
        f.commit(line.len());
        let frame = f.next_frame_read().unwrap().unwrap();
        ends.push(frame.first.as_ptr() as usize + line.len());
    }
    assert_eq!(ends[2] - ends[0], 2 * line.len());
    assert_eq!(f.read_buf(true).len(), READ_MIN - 3 * line.len());
    assert!(f.capacity() <= IDLE_KEEP, "{}", f.capacity());
    // A read asked for again before its commit (an async read that was pending) is the
    // same room, and a commit without a room is nothing.
    let first = f.read_buf(true).as_ptr();
    assert_eq!(f.read_buf(true).as_ptr(), first);
    f.commit(0);
    f.commit(10);
    assert_eq!(f.unframed(), 0);
    assert!(f.next_frame_read().unwrap().is_none());
}

/// What a read leaves unused of its room is offered to the next read as it lies: the
/// framer zeroes each byte of its allocation once, however small the reads (4 KiB reads
/// into a 16 KiB room cost one pass over the buffer, not four), and the next room starts
/// where the last read ended.
#[test]
fn the_unused_end_of_a_room_is_offered_again_as_it_lies() {
    let mut f = Framer::new(Limits::default());
    // A full first read: the next room is 8 KiB.
    let buf = f.read_buf(true);
    assert_eq!(buf.len(), READ_MIN);
    buf.fill(b'a');
    f.commit(READ_MIN);
    assert!(f.next_frame_read().unwrap().is_none());
    let buf = f.read_buf(true);
    assert_eq!(buf.len(), 4 * READ_MIN);
    // The "read" writes the whole room but brings only 100 bytes.
    buf.fill(b'x');
    let end = buf.as_ptr() as usize + 100;
    f.commit(100);
    assert!(f.next_frame_read().unwrap().is_none());
    // A short read: the next room is 2 KiB, the front of what was left, not zeroed again.
    let buf = f.read_buf(true);
    assert_eq!(buf.len(), READ_MIN);
    assert_eq!(buf.as_ptr() as usize, end);
    assert!(buf.iter().all(|&b| b == b'x'));
    buf[..2].copy_from_slice(b"\r\n");
    f.commit(2);
    let frame = f.next_frame_read().unwrap().unwrap();
    assert_eq!(frame.first.len(), READ_MIN + 100);
    assert!(frame.first[..READ_MIN].iter().all(|&b| b == b'a'));
    assert!(frame.first[READ_MIN..].iter().all(|&b| b == b'x'));
    assert!(f.is_idle());
}

/// Short reads are not each followed by a `memset`: what is left zeroed of a room is the
/// next room, as it lies, while it lacks less than 1 KiB and less than half the size asked
/// for; only then is more zeroed, or the allocation's last READ_TAIL_MIN bytes or more
/// offered, or a new allocation made. Before, every 1-byte read was offered a room of
/// READ_MIN, its last byte zeroed anew.
#[test]
fn short_reads_use_up_the_zeroed_room_before_more_is_zeroed() {
    let mut f = Framer::new(Limits::default());
    let mut sizes: Vec<usize> = Vec::new();
    let mut end = 0;
    for _ in 0..2 * READ_MIN {
        let buf = f.read_buf(true);
        if sizes.last().is_some_and(|&last| buf.len() + 1 == last) {
            // The rest of the last room: where the last read ended, holding what that read
            // wrote past its one byte, not zeroed again.
            assert_eq!(buf.as_ptr() as usize, end);
            assert!(buf.iter().all(|&b| b == b'x'));
        }
        sizes.push(buf.len());
        // A read may write the whole room and bring one byte.
        buf.fill(b'x');
        buf[0] = b'a';
        end = buf.as_ptr() as usize + 1;
        f.commit(1);
        assert!(f.next_frame_read().unwrap().is_none());
    }
    assert!(
        sizes
            .iter()
            .all(|&s| (READ_TAIL_MIN / 2..=READ_MIN).contains(&s)),
        "{sizes:?}"
    );
    let fresh_rooms = sizes.windows(2).filter(|w| w[1] + 1 != w[0]).count();
    assert!(
        fresh_rooms <= 6,
        "{fresh_rooms} rooms zeroed for {} reads",
        sizes.len()
    );
    // The line read a byte at a time is whole.
    let buf = f.read_buf(true);
    buf[..2].copy_from_slice(b"\r\n");
    f.commit(2);
    let frame = f.next_frame_read().unwrap().unwrap();
    assert_eq!(frame.first.len(), 2 * READ_MIN);
    assert!(frame.first.iter().all(|&b| b == b'a'));
}

/// Short responses read one at a time (an idling session's, or a client's small commands)
/// share the 2 KiB allocation they are read into: each line is sliced out after the last,
/// and only a tail under READ_TAIL_MIN is left unused when the next allocation is made.
/// Before, a room smaller than READ_MIN was never offered from an allocation's tail, so each
/// response kept a 2 KiB allocation of its own alive for as long as it was held.
#[test]
fn short_responses_read_one_at_a_time_share_an_allocation() {
    let mut f = Framer::new(Limits::default());
    let mut lines = Vec::new();
    for k in 0..400 {
        let line = format!("* {k} EXPUNGE\r\n");
        let buf = f.read_buf(true);
        assert!(buf.len() >= line.len());
        buf[..line.len()].copy_from_slice(line.as_bytes());
        f.commit(line.len());
        let frame = f.next_frame_read().unwrap().unwrap();
        assert_eq!(frame.first, line.trim_end().as_bytes());
        lines.push(frame.first); // held, as a result holds them
    }
    // A line that does not start where the last one ended (its CRLF included) is in the
    // next allocation.
    let allocations = 1 + lines
        .windows(2)
        .filter(|w| w[1].as_ptr() as usize != w[0].as_ptr() as usize + w[0].len() + 2)
        .count();
    let bytes: usize = lines.iter().map(|l| l.len() + 2).sum();
    // About 5.6 KB of lines: at most one allocation per READ_MIN - READ_TAIL_MIN bytes.
    assert!(
        allocations <= bytes / (READ_MIN - READ_TAIL_MIN) + 1,
        "{allocations} allocations for {} lines of {bytes} bytes",
        lines.len()
    );
    assert!(f.capacity() <= IDLE_KEEP, "{}", f.capacity());
}

/// A room is never empty, whatever the literal sizes and read sizes (an empty room would
/// read as the end of the stream): every literal size to 300 bytes, in reads of 1 to 9
/// bytes and of 2 KiB less a few, kept and passed on (`frame_reads` checks each room).
#[test]
fn rooms_are_never_empty_at_any_literal_and_read_size() {
    for size in 1..=300 {
        let bodies: Vec<Vec<u8>> = (0..4u8).map(|i| vec![b'a' + i; size]).collect();
        let wire = fetches(&bodies);
        for read in (1..=9).chain(READ_MIN - 9..=READ_MIN) {
            for keep in [true, false] {
                let ((frames, err), _, _) =
                    frame_reads(Limits::default(), &wire, &[read, 1, read], keep);
                assert_eq!(err, None);
                assert_eq!(frames.len(), bodies.len() + 1, "size {size}, reads {read}");
            }
        }
    }
}

/// Back-to-back literals share an allocation however small the reads: the room a literal
/// reserves when the buffer must grow holds the next ones too (4 KiB reads of 10 000-byte
/// literals: at least three in five start right after the line that follows the one before;
/// with a room of the literal's size alone, fewer than half did).
#[test]
fn back_to_back_literals_share_an_allocation_in_small_reads() {
    let bodies: Vec<Vec<u8>> = (0..24u8).map(|i| vec![b'a' + i % 26; 10_000]).collect();
    let ((frames, err), _, _) = frame_reads(Limits::default(), &fetches(&bodies), &[4096], true);
    assert_eq!(err, None);
    assert_eq!(frames.len(), bodies.len() + 1);
    let literals: Vec<&Bytes> = frames
        .iter()
        .filter_map(|f| f.parts.first())
        .map(|p| &p.0)
        .collect();
    for (l, b) in literals.iter().zip(&bodies) {
        assert_eq!(&l[..], &b[..]);
    }
    // Between two literals on the wire: the line after one and the line announcing the next.
    let between = |i: usize| {
        let after = frames[i].parts[0].1.len() + 2;
        let next = frames[i + 1].first.len() + 2;
        after + next
    };
    let shared = (0..literals.len() - 1)
        .filter(|&i| {
            literals[i].as_ptr() as usize + literals[i].len() + between(i)
                == literals[i + 1].as_ptr() as usize
        })
        .count();
    assert!(
        shared * 5 >= (literals.len() - 1) * 3,
        "only {shared} of {} literals follow the one before in its allocation",
        literals.len() - 1
    );
}

/// A literal's announced size is checked against the limits before anything is reserved
/// for it: `{4000000000}` fails at once under the defaults, and with the limits raised the
/// reservation is at most `LITERAL_RESERVE_MAX`; without `keep_literal` (a streamed
/// literal) nothing is reserved from the announcement at all.
#[test]
fn announced_literals_reserve_only_within_the_limits() {
    let header = b"* 1 FETCH (BODY[] {4000000000}\r\n";
    let ((frames, err), _, f) = frame_reads(Limits::default(), header, &[usize::MAX], true);
    assert!(frames.is_empty());
    assert_eq!(
        err.as_deref(),
        Some("literal of 4000000000 bytes exceeds the limit of 1073741824 bytes per literal")
    );
    assert!(f.capacity() <= READ_MIN, "{}", f.capacity());
    let raised = Limits {
        max_literal: u64::MAX,
        max_response: u64::MAX,
        ..Limits::default()
    };
    let (_, _, mut f) = frame_reads(raised, header, &[usize::MAX], true);
    assert_eq!(
        f.literal_in_progress().map(|p| p.remaining),
        Some(4_000_000_000)
    );
    assert_eq!(f.read_buf(true).len(), READ_MIN);
    assert!(
        f.capacity() <= LITERAL_RESERVE_MAX + READ_MIN,
        "{}",
        f.capacity()
    );
    let (_, _, mut f) = frame_reads(raised, header, &[usize::MAX], false);
    f.read_buf(false);
    assert!(f.capacity() <= 2 * READ_MIN, "{}", f.capacity());
}

/// A connection failed by what it read (a line over the limit, a bare LF, a literal over
/// the limit) takes further reads without framing them, and never panics.
#[test]
fn reads_after_a_framing_error_are_dropped_without_a_panic() {
    let opts = || {
        let mut o = Script::opts();
        o.limits.max_line = 64;
        o
    };
    for bad in [
        &b"* OK [CAPABILITY IMAP4rev1] hi\r\n* OK this line is much longer than the sixty-four bytes allowed here\r\nmore\r\n"[..],
        b"* OK [CAPABILITY IMAP4rev1] hi\r\n* bare\nLF\r\n",
        b"* OK [CAPABILITY IMAP4rev1] hi\r\n* 1 FETCH (BODY[] {4000000000}\r\nabc\r\n",
    ] {
        let mut conn = Connection::new(opts());
        let mut errors = 0;
        for piece in [bad, b"* 2 EXISTS\r\n", b"x"] {
            let buf = conn.read_buf();
            let n = piece.len().min(buf.len());
            buf[..n].copy_from_slice(&piece[..n]);
            conn.commit(n);
            while let Some(out) = conn.poll_output() {
                errors += usize::from(matches!(out, Output::Error(_)));
            }
        }
        assert_eq!(errors, 1, "{:?}", String::from_utf8_lossy(bad));
    }
}
