//! Bytes are read once: literals are slices of the buffer they were read into, whatever the
//! chunking, and the framer's buffer is reused while responses follow each other and given
//! back when it is idle.

mod common;

use common::Script;
use imaplib_proto::frame::{Frame, Framer, Limits, IDLE_KEEP};
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
        prop_assert_eq!(&frame_bytes(Limits::default(), &wire, &bytewise), &(whole, None));
    }

    /// Hostile bytes under small limits: both entry points agree on frames and errors in
    /// any chunking, and an idle framer never keeps more than `IDLE_KEEP`.
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
