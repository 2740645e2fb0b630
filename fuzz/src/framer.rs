//! `framer`: arbitrary bytes in arbitrary chunkings frame exactly as in one shot.
//!
//! Input layout: `mode` byte (bit 0: small limits, read from the next 4 bytes), a count of
//! chunk lengths (low 4 bits of one byte) and that many length bytes, then the server bytes.
//! The server bytes are cut by cycling through the chunk lengths (0 = an empty feed).
//!
//! Checked:
//! * the frames, the error (kind, cause, message) and the counters are the same for the
//!   chunked and the one-shot framing;
//! * the framer never holds more than `max_line + max_response` bytes;
//! * every frame respects the limits and the grammar of a frame (lines without LF, one
//!   literal per marker of the announced size, no marker on the last line, no empty first
//!   line);
//! * re-serialising the frames and framing that again gives the same frames;
//! * with literals passed over (`next_step` and `pass_literal`, the literals chosen by the
//!   mode's other bits), the outcome is the same in any chunking, and the same as keeping
//!   the literals where neither failed;
//! * fed as refcounted chunks (`next_frame_bytes`, each chunk a slice of one `Bytes`), the
//!   outcome is the same, and every non-empty literal lying whole inside one chunk is a
//!   slice of that chunk (not a copy);
//! * fed borrowed chunks through `next_frame_ref`, the outcome is the same; every borrowed
//!   frame's lines and literals lie inside the chunk it was framed from, and fed in one
//!   chunk, every frame is borrowed unless framing failed or a blank line was skipped;
//! * an idle framer keeps at most `IDLE_KEEP` bytes of buffer.

use imaplib_proto::frame::{
    literal_marker, Frame, FrameRef, FrameStats, Framer, Limits, MarkerScan, Step, IDLE_KEEP,
};
use imaplib_proto::{Bytes, Cause, ErrorKind};

use crate::bytes::{show, Reader};

/// What framing produced.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Frames before the end or the error.
    pub frames: Vec<Frame>,
    /// The fatal error, if any.
    pub error: Option<(ErrorKind, Cause, String)>,
    /// Counters, when no error happened (an error may come after a different number of
    /// consumed bytes depending on the chunking).
    pub stats: Option<FrameStats>,
}

/// After a call that returned `Ok(None)`: the input is used up, and an idle framer keeps at
/// most `IDLE_KEEP` bytes of buffer.
fn check_used_up(f: &Framer, input: &[u8]) {
    assert!(input.is_empty(), "Ok(None) with input left");
    assert!(
        !f.is_idle() || f.capacity() <= IDLE_KEEP,
        "an idle framer keeps {} bytes",
        f.capacity()
    );
}

/// The counters of a framing that ended without an error. Work depends on the chunking (a
/// line cut across feeds is copied once more), but stays linear: see `FrameStats::work`;
/// it is checked, then zeroed, since the rest of the counters must not depend on it.
fn linear_stats(f: &Framer) -> FrameStats {
    let mut stats = f.stats();
    assert!(
        stats.work <= 6 * stats.bytes,
        "framer did {} bytes of work for {} bytes of input",
        stats.work,
        stats.bytes
    );
    stats.work = 0;
    stats
}

/// A fatal framing error as an [`Outcome`] records it.
fn error_of(e: &imaplib_proto::Error) -> (ErrorKind, Cause, String) {
    (e.kind(), e.cause(), e.message().to_string())
}

/// Frames `chunks` in order, checking the memory bound after every call.
pub fn run(limits: Limits, chunks: &[&[u8]]) -> Outcome {
    let bound = limits
        .max_line
        .saturating_add(usize::try_from(limits.max_response).unwrap_or(usize::MAX));
    let mut f = Framer::new(limits);
    let mut frames = Vec::new();
    for chunk in chunks {
        let mut input = *chunk;
        loop {
            let r = f.next_frame(&mut input);
            assert!(
                f.buffered() <= bound,
                "framer holds {} bytes, more than max_line + max_response = {bound}",
                f.buffered()
            );
            match r {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => {
                    check_used_up(&f, input);
                    break;
                }
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::Abort, "framing errors abort: {e}");
                    return Outcome {
                        frames,
                        error: Some(error_of(&e)),
                        stats: None,
                    };
                }
            }
        }
    }
    Outcome {
        frames,
        error: None,
        stats: Some(linear_stats(&f)),
    }
}

/// Frames `data` cut into `chunks` (consecutive sub-slices of it, covering it) as [`run`],
/// but through `next_frame_bytes`, each chunk a slice of one `Bytes`. Checks that every
/// literal that is a slice of the input holds the input's bytes at that place and lies
/// inside one chunk. Returns the outcome and how many non-empty literals were gathered
/// (copied) rather than shared.
pub fn run_bytes(limits: Limits, data: &[u8], chunks: &[&[u8]]) -> (Outcome, usize) {
    let all = Bytes::copy_from_slice(data);
    let mut f = Framer::new(limits);
    let mut frames = Vec::new();
    let mut spans = Vec::new();
    let mut at = 0;
    let mut error = None;
    'feed: for chunk in chunks {
        let (a, b) = (at, at + chunk.len());
        spans.push((a, b));
        at = b;
        let mut input = all.slice(a..b);
        loop {
            match f.next_frame_bytes(&mut input) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => {
                    check_used_up(&f, &input);
                    break;
                }
                Err(e) => {
                    error = Some(error_of(&e));
                    break 'feed;
                }
            }
        }
    }
    let base = all.as_ptr() as usize;
    let mut gathered = 0;
    for (lit, _) in frames.iter().flat_map(|f| &f.parts) {
        let p = lit.as_ptr() as usize;
        if lit.is_empty() {
            continue;
        }
        if p < base || p + lit.len() > base + all.len() {
            gathered += 1;
            continue;
        }
        let (s, e) = (p - base, p - base + lit.len());
        assert_eq!(&all[s..e], &lit[..], "a shared literal's bytes");
        assert!(
            spans.iter().any(|&(a, b)| a <= s && e <= b),
            "a shared literal spans chunks"
        );
    }
    let stats = if error.is_some() {
        None
    } else {
        Some(linear_stats(&f))
    };
    (
        Outcome {
            frames,
            error,
            stats,
        },
        gathered,
    )
}

/// Frames `chunks` as [`run`], but through `next_frame_ref`, the borrowed frames made owned
/// for the comparison. Checks that every borrowed line and literal lies inside the chunk it
/// was framed from. Returns the outcome and how many frames were gathered (owned).
pub fn run_refs(limits: Limits, chunks: &[&[u8]]) -> (Outcome, usize) {
    let mut f = Framer::new(limits);
    let mut frames = Vec::new();
    let mut owned = 0;
    for chunk in chunks {
        let mut input = *chunk;
        let (start, end) = (
            chunk.as_ptr() as usize,
            chunk.as_ptr() as usize + chunk.len(),
        );
        let inside = |part: &[u8]| {
            let p = part.as_ptr() as usize;
            part.is_empty() || (start <= p && p + part.len() <= end)
        };
        loop {
            match f.next_frame_ref(&mut input) {
                Ok(Some(frame)) => {
                    match &frame {
                        FrameRef::Borrowed(b) => {
                            assert!(inside(b.first), "a borrowed line outside its chunk");
                            for (lit, line) in &b.parts {
                                assert!(inside(lit), "a borrowed literal outside its chunk");
                                assert!(inside(line), "a borrowed line outside its chunk");
                            }
                        }
                        FrameRef::Owned(_) => owned += 1,
                    }
                    frames.push(frame.into_owned());
                }
                Ok(None) => {
                    check_used_up(&f, input);
                    break;
                }
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::Abort, "framing errors abort: {e}");
                    let error = Some(error_of(&e));
                    return (
                        Outcome {
                            frames,
                            error,
                            stats: None,
                        },
                        owned,
                    );
                }
            }
        }
    }
    (
        Outcome {
            frames,
            error: None,
            stats: Some(linear_stats(&f)),
        },
        owned,
    )
}

/// Frames `chunks` as [`run`], but through `next_step`, passing over the literals chosen by
/// `pattern` (bit `i % 8` for the i-th literal) with `pass_literal` instead of letting the
/// framer keep them; the passed bytes are put back into their frames, so that the outcome
/// compares with [`run`]'s. Checks that a passed literal's bytes come straight from the
/// chunk, in order, and that its frame carries it empty.
pub fn run_passing(limits: Limits, chunks: &[&[u8]], pattern: u8) -> Outcome {
    let mut f = Framer::new(limits);
    let mut frames = Vec::new();
    let mut announced = 0usize;
    // The literal being passed, if any: (index in its response, bytes so far).
    let mut passing: Option<(usize, Vec<u8>)> = None;
    // Literals of the response being framed that were passed: (index, bytes).
    let mut passed: Vec<(usize, Vec<u8>)> = Vec::new();
    for chunk in chunks {
        let mut input = *chunk;
        loop {
            if let Some((index, bytes)) = passing.as_mut() {
                let before = input;
                let (got, done) = f
                    .pass_literal(&mut input)
                    .expect("a literal being passed is in progress");
                assert_eq!(got, &before[..got.len()], "passed bytes are the chunk's");
                bytes.extend_from_slice(got);
                if done {
                    passed.push((*index, std::mem::take(bytes)));
                    passing = None;
                } else {
                    assert!(input.is_empty(), "a literal not complete with input left");
                }
            }
            match f.next_step(&mut input) {
                Ok(Step::Frame(mut frame)) => {
                    for (index, bytes) in passed.drain(..) {
                        let slot = &mut frame.parts[index].0;
                        assert!(slot.is_empty(), "a passed literal kept bytes");
                        *slot = bytes.into();
                    }
                    frames.push(frame);
                }
                Ok(Step::LiteralStarts) => {
                    let index = f.literal_in_progress().expect("literal in progress").index;
                    if pattern >> (announced % 8) & 1 == 1 {
                        passing = Some((index, Vec::new()));
                    }
                    announced += 1;
                }
                Ok(Step::NeedMore) => {
                    assert!(input.is_empty(), "NeedMore with input left");
                    break;
                }
                Err(e) => {
                    return Outcome {
                        frames,
                        error: Some(error_of(&e)),
                        stats: None,
                    };
                }
            }
        }
    }
    let mut stats = f.stats();
    stats.work = 0;
    Outcome {
        frames,
        error: None,
        stats: Some(stats),
    }
}

/// Cuts `data` by cycling through `lens`.
pub fn split<'a>(data: &'a [u8], lens: &[usize]) -> Vec<&'a [u8]> {
    if lens.iter().all(|&l| l == 0) {
        let mut v: Vec<&[u8]> = lens.iter().map(|_| &data[..0]).collect();
        v.push(data);
        return v;
    }
    let mut out = Vec::new();
    let mut rest = data;
    for &l in lens.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (a, b) = rest.split_at(l.min(rest.len()));
        out.push(a);
        rest = b;
    }
    out
}

/// The wire form of frames: each line with CRLF, each literal before its trailer.
pub fn serialize(frames: &[Frame]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in frames {
        out.extend_from_slice(&f.first);
        out.extend_from_slice(b"\r\n");
        for (lit, line) in &f.parts {
            out.extend_from_slice(lit);
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Checks one frame's shape against the limits.
pub fn check_frame(frame: &Frame, limits: Limits) {
    assert!(
        !frame.first.is_empty(),
        "a frame never starts with a blank line"
    );
    let mut line = &frame.first;
    for (lit, next) in &frame.parts {
        assert!(line.len() + 2 <= limits.max_line, "line over the limit");
        assert!(!line.contains(&b'\n'), "LF inside a line: {}", show(line));
        match literal_marker(line) {
            MarkerScan::Marker(m) => {
                assert_eq!(m.size(), lit.len() as u64, "literal size != marker");
                assert!(m.size() <= limits.max_literal, "literal over the limit");
            }
            other => panic!(
                "literal after a line without marker ({other:?}): {}",
                show(line)
            ),
        }
        line = next;
    }
    assert!(line.len() + 2 <= limits.max_line, "line over the limit");
    assert!(!line.contains(&b'\n'), "LF inside a line: {}", show(line));
    assert_eq!(
        literal_marker(line),
        MarkerScan::None,
        "last line of a frame announces a literal: {}",
        show(line)
    );
    assert!(
        frame.len() as u64 <= limits.max_response,
        "response of {} bytes over max_response {}",
        frame.len(),
        limits.max_response
    );
}

/// Reads the limits: the defaults, or small ones so that every limit path is reached.
pub fn limits(r: &mut Reader<'_>, small: bool) -> Limits {
    if !small {
        return Limits::default();
    }
    Limits {
        max_line: 1 + usize::from(r.u8()),
        max_literal: u64::from(r.u8() % 128),
        max_response: u64::from(r.u16() % 1024),
    }
}

/// Frames `chunks` as [`run`] does, but each chunk read into the framer's own buffer
/// (`read_buf`, `commit`, `next_frame_read`; a chunk larger than the room offered takes
/// several reads), except that with `mix` every other chunk goes through `absorb` and
/// `next_frame` instead, so that both entry points meet. Checks that every non-empty
/// literal ends where its last read put it (read into place, never copied after).
pub fn run_reads(limits: Limits, chunks: &[&[u8]], keep_literal: bool, mix: bool) -> Outcome {
    let mut f = Framer::new(limits);
    let mut frames = Vec::new();
    // (address, length) of every read.
    let mut reads: Vec<(usize, usize)> = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        let mut rest = *chunk;
        let result: Result<(), imaplib_proto::Error> = (|| {
            if mix && i % 2 == 1 {
                if !f.absorb(rest) {
                    while let Some(frame) = f.next_frame(&mut rest)? {
                        frames.push(frame);
                    }
                }
                return Ok(());
            }
            while !rest.is_empty() {
                let buf = f.read_buf(keep_literal);
                assert!(!buf.is_empty(), "no room offered");
                let n = buf.len().min(rest.len());
                buf[..n].copy_from_slice(&rest[..n]);
                reads.push((buf.as_ptr() as usize, n));
                rest = &rest[n..];
                f.commit(n);
                while let Some(frame) = f.next_frame_read()? {
                    frames.push(frame);
                }
                assert_eq!(f.unframed(), 0, "committed bytes left unframed");
            }
            Ok(())
        })();
        if let Err(e) = result {
            assert_eq!(e.kind(), ErrorKind::Abort, "framing errors abort: {e}");
            return Outcome {
                frames,
                error: Some(error_of(&e)),
                stats: None,
            };
        }
        assert!(
            !f.is_idle() || f.capacity() <= IDLE_KEEP,
            "an idle framer keeps {} bytes",
            f.capacity()
        );
    }
    if !mix {
        // The last literal of each frame completed in a read: its last byte is where that
        // read put it.
        for frame in &frames {
            if let Some((lit, _)) = frame.parts.last().filter(|p| !p.0.is_empty()) {
                let end = lit.as_ptr() as usize + lit.len() - 1;
                assert!(
                    reads.iter().any(|&(a, n)| a <= end && end < a + n),
                    "a literal read into the framer was moved after its last read"
                );
            }
        }
    }
    let mut stats = f.stats();
    stats.work = 0;
    Outcome {
        frames,
        error: None,
        stats: Some(stats),
    }
}

/// The target.
pub fn check(data: &[u8]) {
    let mut r = Reader::new(data);
    let mode = r.u8();
    let limits = limits(&mut r, mode & 1 == 1);
    let n = usize::from(r.u8() & 15);
    let lens: Vec<usize> = (0..n).map(|_| usize::from(r.u8())).collect();
    let input = r.rest();

    let whole = run(limits, &[input]);
    let chunks = split(input, &lens);
    let chunked = run(limits, &chunks);
    assert_eq!(
        whole,
        chunked,
        "chunking changed the framing ({} chunks)",
        chunks.len()
    );
    assert_eq!(
        run_bytes(limits, input, &chunks).0,
        chunked,
        "refcounted chunks frame differently"
    );
    let (shared, gathered) = run_bytes(limits, input, &[input]);
    assert_eq!(shared, whole, "one refcounted chunk frames differently");
    assert_eq!(gathered, 0, "fed in one chunk, a literal was copied");
    // Borrowed where a response lies whole in its chunk.
    assert_eq!(
        run_refs(limits, &chunks).0,
        chunked,
        "borrowed chunks frame differently"
    );
    let (borrowed, owned) = run_refs(limits, &[input]);
    assert_eq!(borrowed, whole, "one borrowed chunk frames differently");
    if let Some(stats) = whole.stats {
        if stats.blank_lines_between == 0 && stats.blank_lines_after_literal == 0 {
            assert_eq!(owned, 0, "fed in one chunk, a response was gathered");
        }
    }
    // Read into the framer's own buffer, alone or mixed with `absorb`/`next_frame`.
    let keep = mode & 2 == 0;
    assert_eq!(
        run_reads(limits, &chunks, keep, false),
        chunked,
        "reading into the framer frames differently"
    );
    assert_eq!(
        run_reads(limits, &chunks, keep, true),
        chunked,
        "reads mixed with absorb/next_frame frame differently"
    );
    let bytewise: Vec<&[u8]> = input.chunks(1).collect();
    if input.len() <= 4096 {
        assert_eq!(
            whole,
            run(limits, &bytewise),
            "byte-by-byte framing differs"
        );
    }

    // Passing literals over: the same in any chunking, and, where nothing failed (passed
    // bytes do not count towards max_response), the same frames as keeping them.
    let pattern = (mode >> 1) | 1;
    let passing = run_passing(limits, &[input], pattern);
    assert_eq!(
        passing,
        run_passing(limits, &chunks, pattern),
        "chunking changed the framing with literals passed over"
    );
    if whole.error.is_none() && passing.error.is_none() {
        assert_eq!(passing, whole, "passing literals over changed the framing");
    }

    for frame in &whole.frames {
        check_frame(frame, limits);
    }
    let again = run(limits, &[&serialize(&whole.frames)]);
    assert_eq!(again.error, None, "re-serialised frames fail to frame");
    assert_eq!(
        again.frames, whole.frames,
        "re-serialised frames frame differently"
    );
}
