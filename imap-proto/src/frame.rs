//! Framing: server bytes in, complete responses (lines and literals) out.
//!
//! A response is a line, and for every line that ends in a literal marker (`{N}`, `{N+}` or
//! `~{N}`) the N literal bytes and the line after them. The framer finds line ends with
//! `memchr` in the bytes it has not looked at yet and never looks at a byte twice, so its
//! total cost is linear in the input whatever the chunking — one call with everything or a
//! million one-byte calls. A literal's announced size is checked against the [`Limits`]
//! first; once it passes, room for it is reserved once (at most [`LITERAL_RESERVE_MAX`]),
//! so that its pieces are copied in, or read in, without ever moving: address space, of
//! which only the bytes received are touched.
//!
//! Bytes are read once. Lines and literals are handed out as [`Bytes`]: refcounted slices of
//! the buffer the bytes were read into, never copied again on their way to a result.
//! [`Framer::next_frame_bytes`] takes the caller's refcounted chunk (e.g. a read buffer
//! frozen with `BytesMut::split().freeze()`) and slices every line and literal that lies
//! whole inside it out of it without a copy; only a line or literal that straddles chunks is
//! gathered, once, into the framer's own buffer. [`Framer::next_frame`] takes a borrowed
//! `&[u8]` and copies each byte once into the framer's buffer, from which the results are
//! sliced the same way. [`Framer::read_buf`] and [`Framer::commit`] spare the copy for a
//! caller that reads from a transport: the read goes into the framer's own buffer, where
//! its lines and literals are framed and sliced from ([`Framer::next_frame_read`]). A read
//! that ends no line and no literal costs a scan of its bytes and a few counters: they are
//! joined to the partial line or literal, still without a copy, only when one ends.
//! [`Framer::next_frame_ref`] is for a caller that owns its buffer and parses each response
//! before it reads again: a response lying whole in the borrowed input is handed out as
//! slices of it ([`FrameRef::Borrowed`]: no copy, no reference count, no allocation for a
//! one-line response), and only one that straddles inputs is gathered, as `next_frame`
//! gathers it.
//!
//! Buffer policy (allocator independence): the framer's buffer is one `BytesMut` whose
//! allocation is shared by the lines and literals sliced out of it and reclaimed for the
//! next ones once they are dropped, so back-to-back responses, a multi-megabyte line
//! included, reuse one allocation instead of asking the allocator for a fresh one each. Small
//! pieces are gathered in chunks of at least [`IDLE_KEEP`] bytes. Whenever a response completes with
//! the input used up and nothing buffered, a buffer grown past [`IDLE_KEEP`] is given back (its memory is freed
//! once the results pointing into it are dropped): an idle framer holds at most
//! [`IDLE_KEEP`] bytes of capacity ([`Framer::capacity`]). Reading into the framer, "the
//! input used up" means after a short read (one that filled at most an eighth of its room,
//! as an idling session's responses do): a bulk transfer's reads often end between
//! responses, and the rest of the buffer is filled by the next read rather than stranded.
//!
//! Blank lines follow imaplib 3.14.7+: empty lines between responses are skipped, and an
//! empty line after a literal is skipped only while a parenthesis opened before the literal
//! is still open (a legitimately empty trailer, as after a LIST mailbox literal, is kept).

use bytes::{Bytes, BytesMut};

use crate::error::{Error, Limit, Reason, Result, StateProblem, Violation};
use crate::grammar;

/// The most buffer capacity an idle framer keeps (between responses, nothing buffered), and
/// the least it allocates when it gathers bytes.
pub const IDLE_KEEP: usize = READ_MIN;

/// The most buffer reserved at once from a literal's announced size (once the limits
/// passed): a literal up to this size is gathered into one allocation, whatever the
/// chunking, with no move; a larger one grows from there by doubling. The reservation is
/// address space: memory is touched only by bytes received.
pub const LITERAL_RESERVE_MAX: usize = 64 << 20;

/// Size of the largest read offered by [`Framer::read_buf`]: what bulk transfers read at a
/// time.
pub const READ_CHUNK: usize = 64 * 1024;

/// Size of the smallest read offered by [`Framer::read_buf`] in a new allocation, and of the
/// buffer of a session that only gets short responses (an idling session): 2 KiB.
pub const READ_MIN: usize = 2 * 1024;

/// The least unused end of the buffer's allocation that [`Framer::read_buf`] offers as the
/// room when it is smaller than the room asked for (and no kept literal is in progress): a
/// smaller end is left unused, for as long as the results sliced from the allocation live.
pub const READ_TAIL_MIN: usize = 512;

/// Limits on what one response may contain. Memory used by the framer never exceeds
/// `max_response` plus `max_line`; the bytes it holds grow only with bytes actually
/// received (room reserved for an announced literal is at most [`LITERAL_RESERVE_MAX`]).
///
/// Every limit is inclusive: a line, literal or response of exactly the bound passes, one
/// byte more fails the connection with an `abort` whose reason,
/// [`Reason::LimitExceeded`], names the limit that was hit, the value seen and the bound
/// (the message names them too). A literal's announced size is checked against
/// `max_literal` first, then, with everything the response holds before it, against
/// `max_response`; no byte of it is buffered before both pass.
///
/// ```
/// use imaplib_proto::error::{Limit, Reason};
/// use imaplib_proto::frame::Framer;
/// use imaplib_proto::Limits;
///
/// let limits = Limits { max_literal: 5, ..Limits::default() };
/// // Exactly the limit passes…
/// let mut input: &[u8] = b"* 1 FETCH (BODY[] {5}\r\nhello)\r\n";
/// assert!(Framer::new(limits).next_frame(&mut input)?.is_some());
/// // …one byte more does not.
/// let mut input: &[u8] = b"* 1 FETCH (BODY[] {6}\r\n";
/// let err = Framer::new(limits).next_frame(&mut input).unwrap_err();
/// assert_eq!(err.to_string(), "literal of 6 bytes exceeds the limit of 5 bytes per literal");
/// assert_eq!(
///     err.reason(),
///     &Reason::LimitExceeded { limit: Limit::Literal, value: 6, bound: 5 }
/// );
/// // The defaults take a literal of exactly 1 GiB with its lines.
/// let mut input: &[u8] = b"* 1 FETCH (BODY[] {1073741824}\r\n";
/// let mut framer = Framer::new(Limits::default());
/// assert!(framer.next_frame(&mut input)?.is_none());
/// assert_eq!(framer.literal_in_progress().map(|l| l.remaining), Some(1 << 30));
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line accepted, CRLF included (imaplib: `_MAXLINE`, 1 000 000). Default 64 MiB,
    /// enough for a `* SEARCH` of several million ids.
    pub max_line: usize,
    /// Largest literal accepted. Default 1 GiB.
    pub max_literal: u64,
    /// Largest response accepted: all its lines and literals together. Default 1 GiB +
    /// 64 MiB: one literal of the default `max_literal` with its lines.
    pub max_response: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 64 << 20,
            max_literal: 1 << 30,
            max_response: (1 << 30) + (64 << 20),
        }
    }
}

/// One complete server response: its first line, then each literal with the line after it.
/// Lines have their CRLF removed.
///
/// Every part is a [`Bytes`]: a refcounted slice of the buffer the bytes were read into
/// (see the [module docs](self)). It derefs to `[u8]` and compares with `&[u8]` and
/// `Vec<u8>`; `.to_vec()` copies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    /// The first line.
    pub first: Bytes,
    /// Each literal and the line that followed it, in order.
    pub parts: Vec<(Bytes, Bytes)>,
}

impl Frame {
    /// A frame of one line (copied when it is not already `Bytes` or a `Vec<u8>`).
    pub fn line(first: impl Into<Bytes>) -> Self {
        Frame {
            first: first.into(),
            parts: Vec::new(),
        }
    }

    /// The line that ends the response (the first line when there is no literal).
    pub fn last_line(&self) -> &[u8] {
        self.parts.last().map_or(&self.first, |(_, l)| l)
    }

    /// Total bytes of lines and literals.
    pub fn len(&self) -> usize {
        self.first.len()
            + self
                .parts
                .iter()
                .map(|(lit, line)| lit.len() + line.len())
                .sum::<usize>()
    }

    /// True when the frame holds no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A response as slices of the caller's input (see [`Framer::next_frame_ref`]): its first
/// line, then each literal with the line after it, CRLF removed, as in a [`Frame`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BorrowedFrame<'a> {
    /// The first line.
    pub first: &'a [u8],
    /// Each literal and the line that followed it, in order (no allocation when empty).
    pub parts: Vec<(&'a [u8], &'a [u8])>,
}

/// A response from [`Framer::next_frame_ref`]: borrowed from the input when it lay whole in
/// it, otherwise gathered into the framer's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameRef<'a> {
    /// Every line and literal is a slice of the input.
    Borrowed(BorrowedFrame<'a>),
    /// The response straddled inputs (or took the gathering path for another reason).
    Owned(Frame),
}

impl FrameRef<'_> {
    /// The first line.
    pub fn first(&self) -> &[u8] {
        match self {
            FrameRef::Borrowed(f) => f.first,
            FrameRef::Owned(f) => &f.first,
        }
    }

    /// The response as text segments and literals, for [`crate::parse::parse_segments`].
    pub fn segments(&self) -> crate::parse::Segments<'_> {
        match self {
            FrameRef::Borrowed(f) => crate::parse::Segments::from_slices(f.first, &f.parts),
            FrameRef::Owned(f) => crate::parse::Segments::from_frame(f),
        }
    }

    /// An owned [`Frame`] (the borrowed parts copied).
    pub fn into_owned(self) -> Frame {
        match self {
            FrameRef::Borrowed(f) => Frame {
                first: Bytes::copy_from_slice(f.first),
                parts: f
                    .parts
                    .iter()
                    .map(|(lit, line)| (Bytes::copy_from_slice(lit), Bytes::copy_from_slice(line)))
                    .collect(),
            },
            FrameRef::Owned(f) => f,
        }
    }
}

/// How a line announces a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiteralMarker {
    /// `{N}`
    Sync(u64),
    /// `{N+}` (servers do not send these; accepted for symmetry)
    NonSync(u64),
    /// `~{N}` (literal8, RFC 3516)
    Binary(u64),
}

impl LiteralMarker {
    /// The announced size.
    pub fn size(self) -> u64 {
        match self {
            LiteralMarker::Sync(n) | LiteralMarker::NonSync(n) | LiteralMarker::Binary(n) => n,
        }
    }
}

/// What a line's end says about a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerScan {
    /// The line does not end in `{digits}` / `{digits+}`.
    None,
    /// A well-formed marker.
    Marker(LiteralMarker),
    /// `{digits}` too large for 64 bits.
    Overflow,
}

/// Looks for a literal marker at the end of a line (CRLF already removed), as imaplib's
/// `Literal` regex `.*{(?P<size>\d+)}$` does, plus `{N+}`. The marker's syntax is
/// the grammar module's, shared with the parser.
pub fn literal_marker(line: &[u8]) -> MarkerScan {
    let Some(m) = grammar::marker_suffix(line) else {
        return MarkerScan::None;
    };
    let Some(n) = m.size else {
        return MarkerScan::Overflow;
    };
    MarkerScan::Marker(if m.nonsync {
        LiteralMarker::NonSync(n)
    } else if m.binary {
        LiteralMarker::Binary(n)
    } else {
        LiteralMarker::Sync(n)
    })
}

/// The change in parenthesis depth across a line, ignoring parentheses inside quoted
/// strings (imaplib's `_paren_depth`).
pub fn paren_delta(line: &[u8]) -> i64 {
    let mut depth = 0i64;
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b'"' => {
                i += 1;
                while i < line.len() {
                    match line[i] {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
            }
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    depth
}

#[derive(Debug)]
enum State {
    /// Collecting a line; `pending` holds the bytes seen so far.
    Line,
    /// Collecting a literal; `pending` holds the bytes kept so far.
    Literal { remaining: u64 },
    /// A fatal error happened; nothing more is framed.
    Failed,
}

/// Server bytes being framed: a borrowed slice, copied into the framer's buffer as it is
/// framed, or a refcounted chunk, out of which whole lines and literals are sliced.
pub(crate) trait Input {
    /// The bytes not framed yet.
    fn rest(&self) -> &[u8];
    /// Drops `n` framed bytes from the front.
    fn advance(&mut self, n: usize);
    /// The first `n` bytes without a copy, if this input can share them.
    fn share(&mut self, n: usize) -> Option<Bytes>;
}

impl Input for &[u8] {
    fn rest(&self) -> &[u8] {
        self
    }

    fn advance(&mut self, n: usize) {
        *self = &self[n..];
    }

    fn share(&mut self, _: usize) -> Option<Bytes> {
        None
    }
}

impl Input for Bytes {
    fn rest(&self) -> &[u8] {
        self
    }

    fn advance(&mut self, n: usize) {
        bytes::Buf::advance(self, n);
    }

    fn share(&mut self, n: usize) -> Option<Bytes> {
        Some(self.split_to(n))
    }
}

/// See [`Framer::literal_in_progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiteralProgress<'a> {
    /// The response's first line.
    pub first_line: &'a [u8],
    /// The line that announced the literal (ends with its `{N}` marker).
    pub header: &'a [u8],
    /// The literal's index within the response.
    pub index: usize,
    /// Bytes still to come.
    pub remaining: u64,
}

/// Counters a connection reports in its diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameStats {
    /// Bytes consumed.
    pub bytes: u64,
    /// Responses framed.
    pub responses: u64,
    /// Literals framed.
    pub literals: u64,
    /// Empty lines skipped between responses.
    pub blank_lines_between: u64,
    /// Empty lines skipped after a literal inside an open parenthesis.
    pub blank_lines_after_literal: u64,
    /// The framer's work, in bytes: every byte it searched, copied or moved while a
    /// buffer grew (a line or literal sliced out of a refcounted input without a copy costs
    /// nothing here). Linear framing keeps `work` within a small constant factor of
    /// `bytes` whatever the chunking; a deterministic way to check that, where timing
    /// would be noisy.
    pub work: u64,
}

/// The incremental framer. Feed it bytes with [`Framer::next_frame`].
#[derive(Debug)]
pub struct Framer {
    limits: Limits,
    state: State,
    /// The framer's buffer: the partial line or literal, and spare capacity that the next
    /// pieces are copied into and sliced out of.
    pending: BytesMut,
    /// The largest capacity `pending` was seen with since it was last given back: a bound
    /// on the allocation it holds, for the idle policy.
    held: usize,
    /// The response being assembled (`None` between responses).
    frame: Option<Frame>,
    /// A literal waiting for the line that follows it.
    literal: Option<Bytes>,
    /// Bytes of the response so far.
    frame_bytes: u64,
    /// Parenthesis depth of the response's lines before the pending literal.
    depth: i64,
    /// A literal was announced and [`Framer::next_step`] has not reported it yet.
    literal_started: bool,
    /// The read room: the end of `pending`'s allocation, split off it so that
    /// [`Framer::commit`] joins the bytes read back without a copy. Its length is the part
    /// already zeroed (safe code must initialise a buffer before lending it to `read`): what
    /// a read leaves unused stays here for the next one, so each byte of the allocation is
    /// zeroed once, however small the reads.
    rx: BytesMut,
    /// Bytes at the front of `rx` that arrived by [`Framer::commit`] and were not joined to
    /// `pending` yet: they continue it (`rx` was split off its end), and are joined only when
    /// a line or literal ends in them, or before anything else touches `pending`
    /// ([`Framer::sync`]), so that a short read costs no split of the buffer.
    rx_fill: usize,
    /// The room offered by [`Framer::read_buf`] for the read in progress (`rx` after its
    /// first `rx_fill` bytes); 0 when none is.
    offered: usize,
    /// What a short read left of its room (zeroed, right after `rx_fill`): when the read
    /// ended nothing ([`Framer::absorb_read`] took it), [`Framer::read_buf`] offers it
    /// again as it lies, without working the room out anew. 0 when there is none, or when
    /// anything else touched the buffer since.
    carry: usize,
    /// Bytes at the end of `pending` (followed by `rx`'s first `rx_fill`) that arrived by
    /// [`Framer::commit`] and are not framed yet.
    fresh: usize,
    /// The size of the next read offered.
    read_next: usize,
    stats: FrameStats,
}

/// Where [`Framer::next_step`] stopped.
#[derive(Debug)]
pub enum Step {
    /// A response is complete.
    Frame(Frame),
    /// A literal was just announced, none of its bytes taken yet: see
    /// [`Framer::literal_in_progress`] and [`Framer::pass_literal`].
    LiteralStarts,
    /// The input is used up.
    NeedMore,
}

impl Framer {
    /// A framer with the given limits.
    pub fn new(limits: Limits) -> Self {
        Framer {
            limits,
            state: State::Line,
            pending: BytesMut::new(),
            held: 0,
            frame: None,
            literal: None,
            frame_bytes: 0,
            depth: 0,
            literal_started: false,
            rx: BytesMut::new(),
            rx_fill: 0,
            offered: 0,
            carry: 0,
            fresh: 0,
            read_next: READ_MIN,
            stats: FrameStats::default(),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Counters so far.
    pub fn stats(&self) -> FrameStats {
        self.stats
    }

    /// True when no partial response is buffered.
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Line)
            && self.pending.is_empty()
            && self.rx_fill == 0
            && self.frame.is_none()
    }

    /// Bytes of partial input held (a partial line, a partial literal and the response so far).
    pub fn buffered(&self) -> usize {
        // `frame_bytes` counts a literal in progress at its announced size, and the bytes
        // of it received so far are in `pending`.
        match &self.state {
            State::Literal { remaining } => (self.frame_bytes - *remaining) as usize,
            _ => self.pending.len() + self.rx_fill + self.frame_bytes as usize,
        }
    }

    /// Bytes of buffer capacity the framer holds (at most: the allocation its buffer lies
    /// in, which results sliced out of it may share). At most [`IDLE_KEEP`] whenever the
    /// framer [is idle](Framer::is_idle) after a response; see the [module docs](self).
    pub fn capacity(&self) -> usize {
        self.held.max(self.pending.capacity() + self.rx.capacity())
    }

    /// The literal being received, if any: the response's first line, the line that
    /// announced the literal, the literal's index within the response, and how many of its
    /// bytes are still to come.
    pub fn literal_in_progress(&self) -> Option<LiteralProgress<'_>> {
        let State::Literal { remaining, .. } = &self.state else {
            return None;
        };
        let frame = self.frame.as_ref()?;
        Some(LiteralProgress {
            first_line: &frame.first,
            header: frame.last_line(),
            index: frame.parts.len(),
            remaining: *remaining,
        })
    }

    /// Bytes of the literal in progress received and kept so far (0 without one).
    pub fn literal_kept(&self) -> usize {
        match &self.state {
            State::Literal { .. } => self.pending.len() + self.rx_fill,
            _ => 0,
        }
    }

    /// Takes the bytes of the literal in progress received so far, so that a caller can
    /// stream them out and memory stays bounded. The literal later completes its frame with
    /// only the bytes not taken.
    pub fn take_literal_bytes(&mut self) -> Bytes {
        self.sync();
        match &mut self.state {
            State::Literal { .. } => {
                let taken = self.pending.split().freeze();
                self.frame_bytes -= taken.len() as u64;
                taken
            }
            _ => Bytes::new(),
        }
    }

    /// In the response being framed, takes the bytes of the completed literal `index` (left
    /// empty) with the line that announced it.
    pub fn take_completed_literal(&mut self, index: usize) -> Option<(Bytes, Bytes)> {
        let frame = self.frame.as_mut()?;
        if index >= frame.parts.len() {
            return None;
        }
        let header = match index {
            0 => frame.first.clone(),
            i => frame.parts[i - 1].1.clone(),
        };
        let data = std::mem::take(&mut frame.parts[index].0);
        self.frame_bytes -= data.len() as u64;
        Some((header, data))
    }

    /// Hands over bytes of the literal in progress straight from `input`, without keeping
    /// them, for a caller that streams the literal out: the bytes taken from the front of
    /// `input` (as many as the literal still lacks, at most all of `input`) and whether the
    /// literal is now complete (it then completes its response empty). `None`, taking
    /// nothing, unless a literal is in progress with none of its bytes kept (call it right
    /// after [`Step::LiteralStarts`], or after [`Framer::take_literal_bytes`]).
    pub fn pass_literal<'a>(&mut self, input: &mut &'a [u8]) -> Option<(&'a [u8], bool)> {
        let State::Literal { remaining } = &mut self.state else {
            return None;
        };
        if !self.pending.is_empty() || self.rx_fill > 0 {
            return None;
        }
        self.literal_started = false;
        let take = (*remaining).min(input.len() as u64) as usize;
        let (passed, rest) = input.split_at(take);
        *input = rest;
        *remaining -= take as u64;
        self.frame_bytes -= take as u64;
        self.stats.bytes += take as u64;
        self.stats.work += take as u64;
        let done = *remaining == 0;
        if done {
            self.stats.literals += 1;
            self.literal = Some(Bytes::new());
            self.state = State::Line;
        }
        Some((passed, done))
    }

    /// Consumes bytes from the front of `input` until one response is complete (returned)
    /// or `input` is empty (`Ok(None)`). Errors are fatal: the framer stays failed.
    ///
    /// Each byte taken is copied once into the framer's buffer, out of which the frame's
    /// parts are sliced; [`Framer::next_frame_bytes`] spares that copy.
    pub fn next_frame(&mut self, input: &mut &[u8]) -> Result<Option<Frame>> {
        if is_small(input) && self.absorb(input) {
            *input = &[];
            return Ok(None);
        }
        self.frame_from(input)
    }

    /// [`Framer::next_frame`] over a refcounted chunk: every line and literal that lies
    /// whole inside `input` is handed out as a slice of it, without a copy; only pieces that
    /// straddle chunks are gathered into the framer's buffer. The bytes taken are split off
    /// the front of `input`.
    ///
    /// ```
    /// use imaplib_proto::frame::{Framer, Limits};
    /// use imaplib_proto::Bytes;
    ///
    /// let chunk = Bytes::from_static(b"* 1 FETCH (BODY[] {5}\r\nhello)\r\n");
    /// let mut input = chunk.clone();
    /// let frame = Framer::new(Limits::default()).next_frame_bytes(&mut input)?.unwrap();
    /// let (literal, _) = &frame.parts[0];
    /// assert_eq!(literal, &b"hello"[..]);
    /// // The very bytes of the chunk: no copy.
    /// assert_eq!(literal.as_ptr(), chunk[23..].as_ptr());
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn next_frame_bytes(&mut self, input: &mut Bytes) -> Result<Option<Frame>> {
        if is_small(input) && self.absorb(input) {
            bytes::Buf::advance(input, input.len());
            return Ok(None);
        }
        self.frame_from(input)
    }

    /// [`Framer::next_frame`] without taking the response in: when the framer holds nothing
    /// and a whole response — its lines and literals — lies in `input`, it is handed out
    /// as slices of `input` ([`FrameRef::Borrowed`]): no byte copied, no allocation for a
    /// one-line response, no reference count. A response that straddles the end of `input`
    /// (or anything unusual in it: a blank line, a line or literal at a limit, a malformed
    /// line) is framed exactly as [`Framer::next_frame`] frames it, gathered into the
    /// framer's buffer and handed out as [`FrameRef::Owned`]. The results are the same as
    /// `next_frame`'s, errors included; the bytes taken are split off the front of `input`.
    ///
    /// This is the path for a caller that owns its read buffer and parses each response
    /// before reading again (an embedding event loop, a parser over a capture).
    ///
    /// ```
    /// use imaplib_proto::frame::{FrameRef, Framer, Limits};
    /// use imaplib_proto::parse::{parse_segments, Data, Quirks, Response};
    ///
    /// let server = b"* LIST () \"/\" INBOX\r\n* 1 FETCH (BODY[] {5}\r\nhello)\r\n* 2 EXI";
    /// let mut input = &server[..];
    /// let mut framer = Framer::new(Limits::default());
    /// let list = framer.next_frame_ref(&mut input)?.unwrap();
    /// assert!(matches!(list, FrameRef::Borrowed(_)));
    /// let fetch = framer.next_frame_ref(&mut input)?.unwrap();
    /// let Response::Untagged(Data::Fetch(f)) = parse_segments(fetch.segments(), &mut Quirks::new())?
    /// else { panic!() };
    /// // The literal is the very bytes of the input.
    /// let body = f.section("").unwrap().unwrap().bytes();
    /// let at = server.windows(5).position(|w| w == b"hello").unwrap();
    /// assert_eq!(body.as_ptr(), server[at..].as_ptr());
    /// // The rest waits in the framer for the next input.
    /// assert!(framer.next_frame_ref(&mut input)?.is_none());
    /// let mut more = &b"STS\r\n"[..];
    /// let exists = framer.next_frame_ref(&mut more)?.unwrap();
    /// assert!(matches!(exists, FrameRef::Owned(_)));
    /// assert_eq!(exists.first(), b"* 2 EXISTS");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_frame_ref<'a>(&mut self, input: &mut &'a [u8]) -> Result<Option<FrameRef<'a>>> {
        // As in `next_frame`: a small piece that completes nothing is taken in at once.
        if is_small(input) && self.absorb(input) {
            *input = &[];
            return Ok(None);
        }
        self.settle();
        if self.fresh == 0 && self.is_idle() {
            if let Some((frame, used)) = self.borrow_whole(input) {
                *input = &input[used..];
                if input.is_empty() {
                    self.release_if_large();
                }
                return Ok(Some(FrameRef::Borrowed(frame)));
            }
        }
        Ok(self.frame_from(input)?.map(FrameRef::Owned))
    }

    /// The gathering path of `next_frame`, `next_frame_bytes` and `next_frame_ref`: frames
    /// `input` until a response is complete or it is used up.
    fn frame_from<I: Input>(&mut self, input: &mut I) -> Result<Option<Frame>> {
        match self.advance(input, false)? {
            Step::Frame(frame) => Ok(Some(frame)),
            Step::LiteralStarts | Step::NeedMore => Ok(None),
        }
    }

    /// The response at the front of `data` when it lies whole there and frames plainly (see
    /// [`Framer::next_frame_ref`]), with the number of bytes it takes; `None`, having changed
    /// nothing, for everything else. The checks are [`Framer::line_done_slow`]'s, in the same
    /// order, so that what passes here is what the gathering path would hand out.
    #[inline]
    fn borrow_whole<'a>(&mut self, data: &'a [u8]) -> Option<(BorrowedFrame<'a>, usize)> {
        let limits = self.limits;
        let mut at = 0;
        let mut total = 0u64;
        let mut depth = 0i64;
        let mut work = 0u64;
        let mut first: &'a [u8] = &[];
        let mut parts = Vec::new();
        let mut literal: Option<&'a [u8]> = None;
        loop {
            let pos = find_lf(&data[at..])?;
            work += pos as u64 + 1;
            let end = at + pos + 1;
            if pos + 1 > limits.max_line || pos == 0 || data[end - 2] != b'\r' {
                return None;
            }
            let line = &data[at..end - 2];
            total += line.len() as u64;
            match literal.take() {
                None if line.is_empty() => return None,
                None => first = line,
                Some(_) if line.is_empty() && depth > 0 => return None,
                Some(lit) => parts.push((lit, line)),
            }
            if total > limits.max_response {
                return None;
            }
            at = end;
            let size = match line.last() {
                Some(b'}') => match literal_marker(line) {
                    MarkerScan::None => None,
                    MarkerScan::Overflow => return None,
                    MarkerScan::Marker(m) => Some(m.size()),
                },
                _ => None,
            };
            let Some(size) = size else {
                break;
            };
            total = total.checked_add(size)?;
            if size > limits.max_literal || total > limits.max_response {
                return None;
            }
            let size = usize::try_from(size).ok()?;
            if data.len() - at < size {
                return None;
            }
            depth += paren_delta(line);
            work += line.len() as u64;
            literal = Some(&data[at..at + size]);
            at += size;
        }
        self.stats.bytes += at as u64;
        self.stats.work += work;
        self.stats.responses += 1;
        self.stats.literals += parts.len() as u64;
        Some((BorrowedFrame { first, parts }, at))
    }

    /// [`Framer::next_frame`] that also stops where a literal starts, before taking any of
    /// its bytes, so that the caller may pass them on itself ([`Framer::pass_literal`]);
    /// calling it again instead takes the literal in as `next_frame` would.
    pub fn next_step(&mut self, input: &mut &[u8]) -> Result<Step> {
        self.advance(input, true)
    }

    /// Room for the next read from the transport, at the end of the framer's own buffer:
    /// the bytes read there are framed by [`Framer::commit`] and
    /// [`Framer::next_frame_read`] where they lie, so that every line and literal is sliced
    /// out of the very buffer it was read into — read once, never copied.
    ///
    /// The room is sized by what the last reads brought: [`READ_MIN`] (2 KiB) at first and
    /// after a read that filled at most an eighth of it (an idling session holds no more);
    /// four times the last size, up to [`READ_CHUNK`] (64 KiB), after a read that filled
    /// it. Short reads leave the rest of a room zeroed, ready for the next: while that rest
    /// lacks less than 1 KiB and less than half of the size asked for, it is the room as it
    /// lies (a little smaller, but no byte is zeroed for it). With `keep_literal`, while a
    /// literal is in progress, the buffer is first made large enough for the rest of it
    /// (its size was checked against the limits when it was announced; at most
    /// [`LITERAL_RESERVE_MAX`] at once), so that the reads that
    /// follow land where the literal will be sliced from; a new allocation has room for up
    /// to four times the literal (at most [`READ_CHUNK`] more), so that back-to-back
    /// literals share it however small the reads. Pass `false` when the literal's
    /// bytes are passed on rather than kept (a streaming FETCH), so that memory stays flat.
    /// When the unused end of the buffer's allocation is smaller than the room, the room is
    /// that end all the same if it holds the rest of a kept literal (however small: the
    /// part read so far never moves) or, without one, if it is at least [`READ_TAIL_MIN`]
    /// (512 bytes): results sliced out of the allocation keep all of it alive, so it is
    /// filled before another is made — short responses read one at a time share a 2 KiB
    /// allocation instead of each holding one of its own.
    ///
    /// Asked again before [`Framer::commit`] (a read that did not complete), it offers the
    /// same room. Any other call forgets the room offered.
    ///
    /// ```
    /// use imaplib_proto::frame::{Framer, Limits, READ_MIN};
    ///
    /// let mut framer = Framer::new(Limits::default());
    /// let server = b"* 1 FETCH (BODY[] {5}\r\nhello)\r\n";
    /// let buf = framer.read_buf(true);
    /// assert_eq!(buf.len(), READ_MIN);
    /// buf[..server.len()].copy_from_slice(server); // what a `read` does
    /// let start = buf.as_ptr() as usize;
    /// framer.commit(server.len());
    /// let frame = framer.next_frame_read()?.unwrap();
    /// let (literal, _) = &frame.parts[0];
    /// assert_eq!(literal, &b"hello"[..]);
    /// // Sliced out of the buffer the bytes were read into.
    /// assert_eq!(literal.as_ptr() as usize, start + 23);
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    #[inline]
    pub fn read_buf(&mut self, keep_literal: bool) -> &mut [u8] {
        // Offered and not committed yet: the same room; after a short read that ended
        // nothing, the rest of its room. Otherwise the room left after the reads not joined
        // yet, when it takes the read; else the general path.
        let offered = (self.fresh == 0 && (self.offered > 0 || self.offer_carry()))
            || (self.rx_fill > 0 && self.room_after_fill(keep_literal));
        if !offered {
            self.offer_room(keep_literal);
        }
        let at = self.rx_fill;
        &mut self.rx[at..at + self.offered]
    }

    /// Offers the rest of the last short read's room again (see `carry`); false when there
    /// is none.
    #[inline(always)]
    fn offer_carry(&mut self) -> bool {
        self.offered = std::mem::take(&mut self.carry);
        self.offered > 0
    }

    /// [`Framer::read_buf`]'s general path: joins what `rx` holds, then finds the room
    /// (the rest of the allocation, or a new one) and sets `offered`.
    #[inline(never)]
    fn offer_room(&mut self, keep_literal: bool) {
        self.offered = 0;
        self.sync();
        let literal = self.literal_reserve(keep_literal);
        // The room left by the last read, if it still continues `pending` (or `pending` is
        // empty: what is read becomes `pending` as it lies).
        let end = self.pending.as_ptr() as usize + self.pending.len();
        if self.rx.capacity() > 0 && !self.pending.is_empty() && self.rx.as_ptr() as usize != end {
            self.rx = BytesMut::new();
        }
        let spare = if self.rx.capacity() > 0 {
            self.rx.capacity()
        } else {
            self.pending.capacity() - self.pending.len()
        };
        let room = if let Some(room) = self.room_within(spare, literal) {
            room
        } else {
            let room = self.read_next;
            self.rx = BytesMut::new();
            let before = self.pending.as_ptr();
            // For a literal, room for the next ones too (up to four times its size, at
            // most a read chunk): back-to-back literals then share one allocation instead
            // of each making its own, whatever the size of the reads.
            let bulk = literal.max((4 * literal).min(READ_CHUNK));
            self.pending.reserve(room.max(bulk).max(IDLE_KEEP));
            if self.pending.as_ptr() != before {
                self.stats.work += self.pending.len() as u64;
            }
            room
        };
        if self.rx.capacity() == 0 {
            self.rx = self.pending.split_off(self.pending.len());
        }
        self.held = self.held.max(self.pending.len() + self.rx.capacity());
        self.offer_zeroed(room);
    }

    /// The room offered in the `spare` bytes left of the buffer's allocation, with
    /// `literal` the reserve of a kept literal in progress: the size asked for when they
    /// take it (and the literal's reserve), else all of them when they hold the rest of a
    /// kept literal (however small: the part read so far never moves) or at least
    /// [`READ_TAIL_MIN`] — a new allocation now would strand that tail, unused, for as long
    /// as the lines and literals sliced out of the allocation live (an in-memory FETCH
    /// result keeps them all). `None`: a new allocation is needed.
    #[inline]
    fn room_within(&self, spare: usize, literal: usize) -> Option<usize> {
        let room = self.read_next;
        if spare >= room.max(literal) {
            Some(room)
        } else if spare >= if literal > 0 { literal } else { READ_TAIL_MIN } {
            Some(spare)
        } else {
            None
        }
    }

    /// What `read_buf` reserves for the literal in progress when it is kept (0 otherwise).
    #[inline]
    fn literal_reserve(&self, keep_literal: bool) -> usize {
        match (&self.state, keep_literal) {
            (State::Literal { remaining }, true) => reserve_for(*remaining),
            _ => 0,
        }
    }

    /// Offers `room` bytes of `rx` after its first `rx_fill` (its capacity takes them).
    #[inline]
    fn offer_zeroed(&mut self, room: usize) {
        self.carry = 0;
        let zeroed = self.rx.len() - self.rx_fill;
        if zeroed >= room {
            self.offered = room;
            return;
        }
        let missing = room - zeroed;
        self.offered = if missing > room / 2 || missing >= TOP_UP {
            // Zeroes only what no earlier read was offered (within the capacity: no move).
            self.rx.resize(self.rx_fill + room, 0);
            room
        } else {
            // What an earlier offer left zeroed lacks less than TOP_UP bytes and less than
            // half the room (so it is never empty): it is the room, so that short reads are
            // not each followed by a `memset` of their size.
            zeroed
        };
    }

    /// [`Framer::read_buf`]'s room after the bytes of earlier reads not joined to `pending`
    /// yet, when the room left in `rx` takes it: sets `offered` as the general path would,
    /// joining nothing, and returns true; false (changing nothing) otherwise.
    #[inline]
    fn room_after_fill(&mut self, keep_literal: bool) -> bool {
        let free = self.rx.capacity() - self.rx_fill;
        let Some(room) = self.room_within(free, self.literal_reserve(keep_literal)) else {
            return false;
        };
        // `held` stands: it bounds `pending`'s length plus `rx`'s capacity, a sum that reads
        // leave as it is (they move bytes from one to the other) and that lines and literals
        // taken out only lower, since `offer_room` last set it.
        self.offer_zeroed(room);
        true
    }

    /// Joins the bytes committed into `rx` and not joined yet to `pending`, which they
    /// continue: no copy.
    #[inline]
    fn sync(&mut self) {
        if self.rx_fill > 0 {
            let read = self.rx.split_to(std::mem::take(&mut self.rx_fill));
            self.pending.unsplit(read);
        }
    }

    /// The read into [`Framer::read_buf`] brought `n` bytes (at most the room offered; more
    /// counts as all of it): they join the framer's buffer, to be framed by
    /// [`Framer::next_frame_read`], and the size of the next read follows. Without a room
    /// offered, nothing arrived.
    pub fn commit(&mut self, n: usize) {
        let offered = std::mem::take(&mut self.offered);
        if offered == 0 {
            return;
        }
        let n = n.min(offered);
        if n == offered {
            // A full read (of the room, or of an allocation's tail): bulk data is coming.
            self.read_next = (offered.max(self.read_next) * 4).min(READ_CHUNK);
        } else if n <= offered / 8 {
            self.read_next = READ_MIN;
            // A short read: if it ends nothing, the rest of its room (up to `READ_MIN`) is
            // the next one's while it lacks less than half of `READ_MIN`: what `read_buf`'s
            // rule would offer (`offer_zeroed`), without working it out.
            let rest = (offered - n).min(READ_MIN);
            if rest > READ_MIN / 2 {
                self.carry = rest;
            }
        }
        // The front of the room, after the bytes of earlier reads: it continues `pending`
        // (split off its end), joined to it when a line or literal ends there
        // (`next_frame_read`); the rest of the room stays zeroed for the next read.
        self.rx_fill += n;
        self.fresh += n;
    }

    /// Takes the bytes that arrived by [`Framer::commit`] and are not framed yet, for a
    /// caller that frames them another way (a streaming FETCH passing literals on, a layer
    /// starting): they leave the framer's buffer, which keeps what it held before them.
    pub fn take_read(&mut self) -> Bytes {
        // The read room stays: taken out, the bytes leave `pending` behind them, and a
        // read into an empty `pending` needs no contiguity (see `read_buf`).
        self.offered = 0;
        self.carry = 0;
        self.sync();
        let fresh = std::mem::take(&mut self.fresh);
        let at = self.pending.len().saturating_sub(fresh);
        self.pending.split_off(at).freeze()
    }

    /// Bytes that arrived by [`Framer::commit`] and are not framed yet.
    pub fn unframed(&self) -> usize {
        self.fresh
    }

    /// [`Framer::next_frame`] over the bytes that arrived by [`Framer::commit`]: frames
    /// them where they lie in the framer's buffer, slicing every line and literal out of it
    /// without a copy, until one response is complete (returned) or they are used up
    /// (`Ok(None)`). Errors are fatal: the framer stays failed.
    #[inline(always)]
    pub fn next_frame_read(&mut self) -> Result<Option<Frame>> {
        if self.absorb_read() {
            return Ok(None);
        }
        self.frame_read()
    }

    /// [`Framer::next_frame_read`]'s fast path: takes in the bytes that arrived by
    /// [`Framer::commit`] and returns true when they end nothing — a piece of a line without
    /// its end, or of a literal without its last byte (they stay where they were read);
    /// otherwise changes nothing and returns false.
    #[inline(always)]
    pub(crate) fn absorb_read(&mut self) -> bool {
        self.offered = 0;
        match &mut self.state {
            State::Line if self.fresh <= self.rx_fill => {
                let fresh = &self.rx[self.rx_fill - self.fresh..self.rx_fill];
                if self.pending.len() + self.rx_fill <= self.limits.max_line
                    && find_lf(fresh).is_none()
                {
                    self.stats.work += self.fresh as u64;
                    self.stats.bytes += self.fresh as u64;
                    self.fresh = 0;
                    return true;
                }
            }
            State::Literal { remaining } if (self.fresh as u64) < *remaining => {
                self.literal_started = false;
                *remaining -= self.fresh as u64;
                self.stats.bytes += self.fresh as u64;
                self.fresh = 0;
                return true;
            }
            _ => {}
        }
        false
    }

    /// [`Framer::next_frame_read`]'s general path.
    #[inline(never)]
    fn frame_read(&mut self) -> Result<Option<Frame>> {
        // Something ends here: the buffer may be split or given back.
        self.carry = 0;
        loop {
            match &mut self.state {
                State::Failed => {
                    self.fresh = 0;
                    return Err(Error::abort(
                        Reason::State(StateProblem::Failed),
                        "connection already failed",
                    ));
                }
                State::Literal { remaining } => {
                    self.literal_started = false;
                    let take = (*remaining).min(self.fresh as u64) as usize;
                    *remaining -= take as u64;
                    self.fresh -= take;
                    self.stats.bytes += take as u64;
                    if *remaining > 0 {
                        return Ok(None);
                    }
                    self.sync();
                    let end = self.pending.len() - self.fresh;
                    let data = self.pending.split_to(end).freeze();
                    self.complete_literal(data);
                }
                State::Line => {
                    if self.fresh == 0 {
                        return Ok(None);
                    }
                    // The fresh bytes lie in `rx` when none of them was framed yet (a read's
                    // first line end joins them to `pending`).
                    let found = match self.rx_fill.checked_sub(self.fresh) {
                        Some(from) => find_lf(&self.rx[from..self.rx_fill]),
                        None => {
                            self.sync();
                            find_lf(&self.pending[self.pending.len() - self.fresh..])
                        }
                    };
                    self.stats.work += found.map_or(self.fresh, |p| p + 1) as u64;
                    let Some(pos) = found else {
                        self.stats.bytes += self.fresh as u64;
                        self.fresh = 0;
                        let seen = self.pending.len() + self.rx_fill;
                        if seen > self.limits.max_line {
                            self.sync();
                            return Err(self.fail_line_too_long(seen));
                        }
                        return Ok(None);
                    };
                    self.sync();
                    let from = self.pending.len() - self.fresh;
                    let end = from + pos + 1;
                    if end > self.limits.max_line {
                        return Err(self.fail_line_too_long(end));
                    }
                    self.fresh -= pos + 1;
                    self.stats.bytes += pos as u64 + 1;
                    let mut line = self.pending.split_to(end).freeze();
                    if !line.ends_with(b"\r\n") {
                        self.fresh = 0;
                        return Err(self.fail_bare_lf(&line));
                    }
                    line.truncate(line.len() - 2);
                    let done = self.line_done(line)?;
                    // Read in full: the buffer is given back only after a short read (the
                    // next room is READ_MIN again). In a bulk transfer a read often ends
                    // between responses, and giving the buffer back there would strand its
                    // unused end for as long as the results sliced from it live.
                    if self.fresh == 0 && self.is_idle() && self.read_next == READ_MIN {
                        self.release_if_large();
                    }
                    if let Some(frame) = done {
                        return Ok(Some(frame));
                    }
                }
            }
        }
    }

    /// Takes `data` in whole when it completes nothing — no line end while a line is
    /// collected, less than the rest of a literal — and returns true; otherwise takes
    /// nothing and returns false. The fast path of small pieces (imaplib-shaped callers
    /// feeding a byte at a time): the same state as [`Framer::next_frame`] would reach,
    /// without its loop. Never takes in the first byte of a literal (so that
    /// [`Framer::next_step`] still reports where it starts).
    pub fn absorb(&mut self, data: &[u8]) -> bool {
        if self.fresh > 0 || self.literal_started || self.rx.capacity() > 0 {
            return false;
        }
        match self.state {
            State::Line => {
                let seen = self.pending.len() + data.len();
                if seen > self.limits.max_line || find_lf(data).is_some() {
                    return false;
                }
                self.stats.work += data.len() as u64;
                self.gather(data, data.len().max(self.pending.len()));
            }
            State::Literal { remaining } if (data.len() as u64) < remaining => {
                if self.pending.is_empty() {
                    return false;
                }
                let want = reserve_for(remaining).max(self.pending.len());
                self.gather(data, want);
            }
            _ => return false,
        }
        if let State::Literal { remaining } = &mut self.state {
            *remaining -= data.len() as u64;
        }
        self.stats.bytes += data.len() as u64;
        true
    }

    /// Forgets the read room of [`Framer::read_buf`], offered or left over (another way of
    /// feeding follows), and frames nothing more in place: bytes committed and not framed
    /// are framed before any other input.
    fn settle(&mut self) {
        self.offered = 0;
        self.carry = 0;
        self.sync();
        if self.rx.capacity() > 0 {
            self.rx = BytesMut::new();
        }
    }

    fn advance<I: Input>(&mut self, input: &mut I, stop_at_literal: bool) -> Result<Step> {
        self.settle();
        if self.fresh > 0 {
            // Bytes committed earlier come first.
            if let Some(frame) = self.next_frame_read()? {
                return Ok(Step::Frame(frame));
            }
        }
        loop {
            match &mut self.state {
                State::Failed => {
                    return Err(Error::abort(
                        Reason::State(StateProblem::Failed),
                        "connection already failed",
                    ));
                }
                State::Literal { remaining } => {
                    if std::mem::take(&mut self.literal_started) && stop_at_literal {
                        return Ok(Step::LiteralStarts);
                    }
                    let remaining = *remaining;
                    let take = remaining.min(input.rest().len() as u64) as usize;
                    let whole = take as u64 == remaining && self.pending.is_empty();
                    if whole {
                        // The literal lies whole in the input: one piece.
                        let data = self.piece(input, take);
                        self.stats.bytes += take as u64;
                        self.complete_literal(data);
                        continue;
                    }
                    if take > 0 {
                        // Grow with the bytes at hand, never from the announced size alone:
                        // exact when the rest is here, otherwise by at most 64 KiB or
                        // doubling, so that the allocation stays within a bounded margin of
                        // what was received.
                        // The literal starts here: its announced size (limits passed) is
                        // reserved once, so its pieces are copied in at memcpy speed and
                        // never moved; past LITERAL_RESERVE_MAX it grows by doubling.
                        let want = if self.pending.is_empty() {
                            reserve_for(remaining)
                        } else {
                            reserve_for(remaining).max(self.pending.len())
                        };
                        self.gather(&input.rest()[..take], want);
                        input.advance(take);
                        self.stats.bytes += take as u64;
                    }
                    let left = remaining - take as u64;
                    if left > 0 {
                        self.state = State::Literal { remaining: left };
                        return Ok(Step::NeedMore);
                    }
                    let data = self.pending.split().freeze();
                    self.complete_literal(data);
                }
                State::Line => {
                    let found = memchr::memchr(b'\n', input.rest());
                    self.stats.work += found.map_or(input.rest().len(), |p| p + 1) as u64;
                    let Some(pos) = found else {
                        let n = input.rest().len();
                        let seen = self.pending.len() + n;
                        if seen > self.limits.max_line {
                            return Err(self.fail_line_too_long(seen));
                        }
                        // Doubling (`gather` reserves at least what is asked), so a line
                        // gathered from many small pieces is moved O(log n) times.
                        let want = n.max(self.pending.len());
                        self.gather(input.rest(), want);
                        input.advance(n);
                        self.stats.bytes += n as u64;
                        return Ok(Step::NeedMore);
                    };
                    let seen = self.pending.len() + pos + 1;
                    if seen > self.limits.max_line {
                        return Err(self.fail_line_too_long(seen));
                    }
                    self.stats.bytes += pos as u64 + 1;
                    let line =
                        if self.pending.is_empty() && pos > 0 && input.rest()[pos - 1] == b'\r' {
                            // The whole line is in the input: taken without its CRLF, which
                            // is skipped, rather than truncated after (a `Bytes` still in the
                            // form of the `Vec` it was made from is truncated by splitting it,
                            // another reference count).
                            let line = self.piece(input, pos - 1);
                            input.advance(2);
                            line
                        } else {
                            let mut line = if self.pending.is_empty() {
                                self.piece(input, pos + 1)
                            } else {
                                self.gather(&input.rest()[..=pos], pos + 1);
                                input.advance(pos + 1);
                                self.pending.split().freeze()
                            };
                            if !line.ends_with(b"\r\n") {
                                return Err(self.fail_bare_lf(&line));
                            }
                            line.truncate(line.len() - 2);
                            line
                        };
                    let done = self.line_done(line)?;
                    if input.rest().is_empty() && self.is_idle() {
                        self.release_if_large();
                    }
                    if let Some(frame) = done {
                        return Ok(Step::Frame(frame));
                    }
                }
            }
        }
    }

    /// A literal is complete: it waits for the line after it.
    fn complete_literal(&mut self, data: Bytes) {
        self.stats.literals += 1;
        self.literal = Some(data);
        self.state = State::Line;
    }

    /// The first `n` bytes of `input` (nothing gathered before them) as one piece: shared
    /// with a refcounted input, else copied once into the buffer and split off it.
    #[inline(always)]
    fn piece<I: Input>(&mut self, input: &mut I, n: usize) -> Bytes {
        if let Some(shared) = input.share(n) {
            return shared;
        }
        self.gather(&input.rest()[..n], n);
        input.advance(n);
        self.pending.split().freeze()
    }

    /// Appends `bytes` to the buffer, reserving at least `want` bytes beyond what it holds
    /// (and at least [`IDLE_KEEP`]) when it lacks room; counts the copy, and the move of
    /// what it held when the buffer had to move, as work.
    #[inline]
    fn gather(&mut self, bytes: &[u8], want: usize) {
        if self.pending.capacity() - self.pending.len() < bytes.len() {
            let before = self.pending.as_ptr();
            self.pending.reserve(want.max(bytes.len()).max(IDLE_KEEP));
            if self.pending.as_ptr() != before {
                self.stats.work += self.pending.len() as u64;
            }
            self.held = self.held.max(self.pending.capacity());
        }
        match bytes {
            // A byte at a time (imaplib-shaped feeding): stored, not copied by a call.
            [b] => bytes::BufMut::put_u8(&mut self.pending, *b),
            _ => self.pending.extend_from_slice(bytes),
        }
        self.stats.work += bytes.len() as u64;
    }

    /// Between responses with the input used up, gives back a buffer grown past
    /// [`IDLE_KEEP`] (while input lasts, it is reused for the next responses).
    fn release_if_large(&mut self) {
        if self.held > IDLE_KEEP {
            self.pending = BytesMut::new();
            self.rx = BytesMut::new();
            self.held = 0;
        }
    }

    /// A line ended in LF without CR.
    fn fail_bare_lf(&mut self, line: &[u8]) -> Error {
        self.state = State::Failed;
        self.fresh = 0;
        // imaplib says "socket error", but the socket is fine: the server broke the
        // protocol.
        Error::abort(
            Reason::protocol(Violation::BareLf, line),
            "protocol error: unterminated line (LF without CR)",
        )
    }

    /// The line being collected has `seen` bytes (at least), more than `max_line`.
    fn fail_line_too_long(&mut self, seen: usize) -> Error {
        self.state = State::Failed;
        self.fresh = 0;
        let bytes = std::mem::take(&mut self.pending);
        self.held = 0;
        Error::abort(
            Reason::LimitExceeded {
                limit: Limit::Line,
                value: seen as u64,
                bound: self.limits.max_line as u64,
            },
            // imaplib's message.
            format!("got more than {} bytes", self.limits.max_line),
        )
        .with_bytes(&bytes)
    }

    fn fail(
        &mut self,
        limit: Limit,
        value: u64,
        bound: u64,
        message: String,
        bytes: &[u8],
    ) -> Error {
        self.state = State::Failed;
        self.fresh = 0;
        Error::abort(
            Reason::LimitExceeded {
                limit,
                value,
                bound,
            },
            message,
        )
        .with_bytes(bytes)
    }

    /// A complete line (CRLF removed) arrived.
    #[inline(always)]
    fn line_done(&mut self, line: Bytes) -> Result<Option<Frame>> {
        // Most responses are one line: no response in progress, no literal announced (a
        // marker ends in `}`), within the response limit. Such a line is the frame, handed
        // out without being stored in `self.frame` first.
        if self.frame.is_none()
            && self.literal.is_none()
            && line.last().is_some_and(|&b| b != b'}')
            && line.len() as u64 <= self.limits.max_response
        {
            self.stats.responses += 1;
            self.frame_bytes = 0;
            self.depth = 0;
            return Ok(Some(Frame::line(line)));
        }
        self.line_done_slow(line)
    }

    /// [`Framer::line_done`] for a line that continues a response, announces a literal, is
    /// empty or is over the response limit.
    fn line_done_slow(&mut self, line: Bytes) -> Result<Option<Frame>> {
        match self.literal.take() {
            None if self.frame.is_none() && line.is_empty() => {
                self.stats.blank_lines_between += 1;
                return Ok(None);
            }
            None => {
                self.frame_bytes = line.len() as u64;
                self.depth = 0;
                self.frame = Some(Frame::line(line));
            }
            Some(literal) => {
                if line.is_empty() && self.depth > 0 {
                    self.stats.blank_lines_after_literal += 1;
                    self.literal = Some(literal);
                    return Ok(None);
                }
                self.frame_bytes += line.len() as u64;
                if let Some(frame) = self.frame.as_mut() {
                    frame.parts.push((literal, line));
                }
            }
        }
        if self.frame_bytes > self.limits.max_response {
            let (value, bound) = (self.frame_bytes, self.limits.max_response);
            let msg = response_too_large(value, bound);
            let first = self.frame.take().map(|f| f.first).unwrap_or_default();
            return Err(self.fail(Limit::Response, value, bound, msg, &first));
        }
        let last = match &self.frame {
            Some(frame) => frame.last_line(),
            None => return Ok(None),
        };
        match literal_marker(last) {
            MarkerScan::None => {
                self.stats.responses += 1;
                self.frame_bytes = 0;
                Ok(self.frame.take())
            }
            MarkerScan::Overflow => {
                let msg = "literal size does not fit in 64 bits".to_string();
                let last = last.to_vec();
                let bound = self.limits.max_literal;
                Err(self.fail(Limit::Literal, u64::MAX, bound, msg, &last))
            }
            MarkerScan::Marker(marker) => {
                let size = marker.size();
                let (max_literal, max_response) =
                    (self.limits.max_literal, self.limits.max_response);
                if size > max_literal {
                    let msg = format!(
                        "literal of {size} bytes exceeds the limit of {max_literal} bytes per literal"
                    );
                    let last = last.to_vec();
                    return Err(self.fail(Limit::Literal, size, max_literal, msg, &last));
                }
                let total = self.frame_bytes.saturating_add(size);
                if total > max_response {
                    let msg = response_too_large(total, max_response);
                    let last = last.to_vec();
                    return Err(self.fail(Limit::Response, total, max_response, msg, &last));
                }
                self.depth += paren_delta(last);
                self.stats.work += last.len() as u64;
                self.frame_bytes += size;
                self.state = State::Literal { remaining: size };
                self.literal_started = true;
                Ok(None)
            }
        }
    }
}

/// The first line feed in `bytes`: a few bytes are looked at in place (short reads, small
/// pieces), where a call to `memchr` costs more than it saves.
#[inline]
fn find_lf(bytes: &[u8]) -> Option<usize> {
    if bytes.len() < 16 {
        bytes.iter().position(|&b| b == b'\n')
    } else {
        memchr::memchr(b'\n', bytes)
    }
}

/// A room left zeroed by earlier reads is offered as it lies unless it lacks this many
/// bytes (see [`Framer::read_buf`]): one `memset` per KiB of short reads at most.
const TOP_UP: usize = 1024;

/// A piece small enough to try [`Framer::absorb`] on first (a byte or a few at a time): in
/// larger ones a line end is likely, and `absorb` would scan for it once more.
fn is_small(input: &[u8]) -> bool {
    (1..=SMALL_PIECE).contains(&input.len())
}

/// See [`is_small`].
const SMALL_PIECE: usize = 32;

/// What to reserve for the `remaining` bytes of a literal: all of them, up to
/// [`LITERAL_RESERVE_MAX`].
fn reserve_for(remaining: u64) -> usize {
    usize::try_from(remaining).map_or(LITERAL_RESERVE_MAX, |r| r.min(LITERAL_RESERVE_MAX))
}

/// The message of a response over [`Limits::max_response`].
fn response_too_large(value: u64, bound: u64) -> String {
    format!("response of {value} bytes exceeds the limit of {bound} bytes per response")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Cause;

    fn frames(limits: Limits, chunks: &[&[u8]]) -> Result<Vec<Frame>> {
        let mut f = Framer::new(limits);
        let mut out = Vec::new();
        for chunk in chunks {
            let mut input = *chunk;
            while let Some(frame) = f.next_frame(&mut input)? {
                out.push(frame);
            }
            assert!(input.is_empty());
        }
        Ok(out)
    }

    fn pairs(p: &[(&[u8], &[u8])]) -> Vec<(Bytes, Bytes)> {
        p.iter()
            .map(|(a, b)| (Bytes::copy_from_slice(a), Bytes::copy_from_slice(b)))
            .collect()
    }

    fn one_shot(data: &[u8]) -> Result<Vec<Frame>> {
        frames(Limits::default(), &[data])
    }

    fn bytewise(data: &[u8]) -> Result<Vec<Frame>> {
        let chunks: Vec<&[u8]> = data.chunks(1).collect();
        frames(Limits::default(), &chunks)
    }

    #[test]
    fn literals_passed_over_complete_their_frames_empty() {
        let mut f = Framer::new(Limits::default());
        let mut input: &[u8] = b"* 1 FETCH (BODY[] {5}\r\nhel";
        assert!(matches!(f.next_step(&mut input), Ok(Step::LiteralStarts)));
        assert_eq!(f.literal_in_progress().map(|p| p.remaining), Some(5));
        assert_eq!(f.pass_literal(&mut input), Some((&b"hel"[..], false)));
        assert!(input.is_empty());
        let mut input: &[u8] = b"lo BODY[1] {0}\r\n)\r\n";
        assert_eq!(f.pass_literal(&mut input), Some((&b"lo"[..], true)));
        assert_eq!(f.pass_literal(&mut input), None, "no literal in progress");
        // A zero-length literal: announced, then complete without a byte.
        assert!(matches!(f.next_step(&mut input), Ok(Step::LiteralStarts)));
        assert_eq!(f.pass_literal(&mut input), Some((&b""[..], true)));
        let Ok(Step::Frame(frame)) = f.next_step(&mut input) else {
            panic!("no frame")
        };
        assert_eq!(frame.parts.len(), 2);
        assert!(frame.parts.iter().all(|(lit, _)| lit.is_empty()));
        assert_eq!((f.stats().literals, f.stats().responses), (2, 1));
        assert_eq!(f.buffered(), 0);
        // Not after some bytes were kept: the literal must then be taken whole.
        let mut input: &[u8] = b"* 2 FETCH (BODY[] {4}\r\nab";
        assert!(matches!(f.next_step(&mut input), Ok(Step::LiteralStarts)));
        assert!(matches!(f.next_step(&mut input), Ok(Step::NeedMore)));
        assert_eq!(f.literal_kept(), 2);
        assert_eq!(f.pass_literal(&mut &b"cd)\r\n"[..]), None);
    }

    #[test]
    fn markers() {
        assert_eq!(
            literal_marker(b"* 1 FETCH (BODY[] {13}"),
            MarkerScan::Marker(LiteralMarker::Sync(13))
        );
        assert_eq!(
            literal_marker(b"x {0+}"),
            MarkerScan::Marker(LiteralMarker::NonSync(0))
        );
        assert_eq!(
            literal_marker(b"* 1 FETCH (BINARY[] ~{7}"),
            MarkerScan::Marker(LiteralMarker::Binary(7))
        );
        for no in [&b"{}"[..], b"{-1}", b"x}", b"{12a}", b"}", b"12}", b"{+}"] {
            assert_eq!(literal_marker(no), MarkerScan::None, "{no:?}");
        }
        assert_eq!(
            literal_marker(b"{99999999999999999999999}"),
            MarkerScan::Overflow
        );
        assert_eq!(
            literal_marker(b"{4294967296}"),
            MarkerScan::Marker(LiteralMarker::Sync(4294967296))
        );
    }

    #[test]
    fn lines_and_literals() {
        let data = b"* OK hi\r\n* 1 FETCH (BODY[] {5}\r\nab\r\nc UID 3)\r\nA1 OK done\r\n";
        let want = vec![
            Frame::line(&b"* OK hi"[..]),
            Frame {
                first: Bytes::from_static(b"* 1 FETCH (BODY[] {5}"),
                parts: pairs(&[(b"ab\r\nc", b" UID 3)")]),
            },
            Frame::line(&b"A1 OK done"[..]),
        ];
        assert_eq!(one_shot(data).unwrap(), want);
        assert_eq!(bytewise(data).unwrap(), want);
    }

    #[test]
    fn zero_length_and_chained_literals() {
        let data = b"* LIST () \"/\" {0}\r\n\r\n* X {1}\r\na {2}\r\nbc\r\n";
        let got = bytewise(data).unwrap();
        assert_eq!(got[0].parts, pairs(&[(b"", b"")]));
        assert_eq!(got[1].parts, pairs(&[(b"a", b" {2}"), (b"bc", b"")]));
    }

    #[test]
    fn blank_line_rules_of_3_14_7() {
        // T11: blank line after a literal inside an open parenthesis is skipped.
        let t11 = b"* 1 FETCH (BODY[HEADER] {13}\r\nSubject: test\r\n\r\n)\r\nA1 OK\r\n";
        let got = one_shot(t11).unwrap();
        assert_eq!(got[0].parts, pairs(&[(b"Subject: test", b")")]));
        // T12: an empty trailer that ends the response is kept, and blank lines between
        // responses are skipped; the literal's own parens and quote do not count.
        let t12 = b"* LIST (\\HasNoChildren) \"/\" {9}\r\nMy (box)\"\r\n\r\n\r\n* LIST () \"/\" {7}\r\nAnother\r\n";
        let got = bytewise(t12).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].parts, pairs(&[(b"My (box)\"", b"")]));
        assert_eq!(got[1].parts, pairs(&[(b"Another", b"")]));
    }

    #[test]
    fn quoted_parens_do_not_count() {
        assert_eq!(
            paren_delta(b"* 1 FETCH (ENVELOPE (\"a (\" \"b\\\")\" {3}"),
            2
        );
        assert_eq!(paren_delta(b"())"), -1);
        assert_eq!(paren_delta(b"\"unterminated ("), 0);
    }

    #[test]
    fn bare_lf_is_a_fatal_protocol_error() {
        let err = one_shot(b"* CAPABILITY IMAP4rev1 AUTH\n").unwrap_err();
        assert!(err.is_abort());
        // Not "socket error": the socket is fine, the server broke the protocol.
        assert_eq!(
            err.message(),
            "protocol error: unterminated line (LF without CR)"
        );
        assert_eq!(err.cause(), Cause::Protocol);
        assert_eq!(
            err.reason(),
            &Reason::protocol(Violation::BareLf, b"* CAPABILITY IMAP4rev1 AUTH\n")
        );
        assert_eq!(err.bytes(), Some(&b"* CAPABILITY IMAP4rev1 AUTH\n"[..]));
    }

    fn limit_error(limits: Limits, data: &[u8]) -> (Reason, String) {
        for chunks in [vec![data], data.chunks(1).collect()] {
            if let Err(e) = frames(limits, &chunks) {
                assert!(e.is_abort() && e.cause() == Cause::Limit, "{e:?}");
                let got = (e.reason().clone(), e.message().to_string());
                assert_eq!(frames(limits, &[data]).unwrap_err().reason(), &got.0);
                return got;
            }
        }
        panic!("no error for {data:?}");
    }

    fn exceeded(limit: Limit, value: u64, bound: u64) -> Reason {
        Reason::LimitExceeded {
            limit,
            value,
            bound,
        }
    }

    /// Every limit is inclusive: exactly the bound passes, one more byte fails, and the
    /// error names the limit that was hit, the value and the bound.
    #[test]
    fn limits_are_inclusive_and_named() {
        let line = Limits {
            max_line: 10,
            ..Limits::default()
        };
        assert_eq!(frames(line, &[b"* OK abc\r\n"]).unwrap().len(), 1);
        assert_eq!(
            limit_error(line, b"* OK abcd\r\n"),
            (
                exceeded(Limit::Line, 11, 10),
                "got more than 10 bytes".into()
            )
        );

        let literal = Limits {
            max_literal: 5,
            ..Limits::default()
        };
        assert_eq!(
            frames(literal, &[b"* X {5}\r\nabcde\r\n"]).unwrap().len(),
            1
        );
        assert_eq!(
            limit_error(literal, b"* X {6}\r\nabcdef\r\n"),
            (
                exceeded(Limit::Literal, 6, 5),
                "literal of 6 bytes exceeds the limit of 5 bytes per literal".into()
            )
        );

        // "* X {5}" (7) + 5 + " {2}" (4) + 2 + "" = 18 bytes.
        let response = Limits {
            max_response: 18,
            ..Limits::default()
        };
        let data = b"* X {5}\r\nabcde {2}\r\nfg\r\n";
        assert_eq!(frames(response, &[data]).unwrap().len(), 1);
        // One more byte of literal: refused when announced.
        assert_eq!(
            limit_error(response, b"* X {5}\r\nabcde {3}\r\nfgh\r\n"),
            (
                exceeded(Limit::Response, 19, 18),
                "response of 19 bytes exceeds the limit of 18 bytes per response".into()
            )
        );
        // One more byte of line: refused when the line is complete.
        assert_eq!(
            limit_error(response, b"* X {5}\r\nabcde {2}\r\nfg \r\n"),
            (
                exceeded(Limit::Response, 19, 18),
                "response of 19 bytes exceeds the limit of 18 bytes per response".into()
            )
        );
    }

    /// The default limits take a literal of exactly `max_literal` (1 GiB) with its lines:
    /// it was refused as exceeding "the limit (1073741824 per literal…)" when the response
    /// limit, which counts the lines too, was the same 1 GiB.
    #[test]
    fn default_limits_take_a_literal_of_exactly_max_literal() {
        let limits = Limits::default();
        assert!(limits.max_response >= limits.max_literal + limits.max_line as u64);
        let mut f = Framer::new(limits);
        let mut input: &[u8] = b"* 1 FETCH (UID 7 BODY[] {1073741824}\r\n";
        assert!(f.next_frame(&mut input).unwrap().is_none());
        let progress = f.literal_in_progress().expect("a literal in progress");
        assert_eq!(progress.remaining, 1 << 30);
        assert!(
            f.buffered() < 100,
            "nothing allocated from the announced size"
        );
        // One byte more is the literal limit, named.
        let mut input: &[u8] = b"* 1 FETCH (UID 7 BODY[] {1073741825}\r\n";
        let err = Framer::new(limits).next_frame(&mut input).unwrap_err();
        assert_eq!(
            err.to_string(),
            "literal of 1073741825 bytes exceeds the limit of 1073741824 bytes per literal"
        );
        assert_eq!(
            err.reason(),
            &exceeded(Limit::Literal, (1 << 30) + 1, 1 << 30)
        );
    }

    #[test]
    fn line_limit_is_enforced_without_buffering_past_it() {
        let limits = Limits {
            max_line: 10,
            ..Limits::default()
        };
        let err = frames(limits, &[b"* OK xxxxxxxxxxx\r\n"]).unwrap_err();
        assert_eq!(err.message(), "got more than 10 bytes");
        assert_eq!(err.cause(), Cause::Limit);
        // Exactly at the limit is fine.
        assert_eq!(frames(limits, &[b"* OK xxx\r\n"]).unwrap().len(), 1);
        // An endless line in chunks stops at the limit.
        let mut f = Framer::new(limits);
        let mut input: &[u8] = b"xxxxx";
        assert!(f.next_frame(&mut input).unwrap().is_none());
        let mut input: &[u8] = b"xxxxxx";
        assert!(f.next_frame(&mut input).is_err());
        assert!(f.buffered() <= 10);
    }

    #[test]
    fn huge_literal_headers_allocate_nothing() {
        for header in [&b"* OK {99999999999}\r\n"[..], b"* OK {4294967296}\r\n"] {
            let err = one_shot(header).unwrap_err();
            assert_eq!(err.cause(), Cause::Limit, "{err}");
        }
        let err = one_shot(b"* OK {99999999999999999999999}\r\n").unwrap_err();
        assert_eq!(err.cause(), Cause::Limit);
        assert_eq!(err.message(), "literal size does not fit in 64 bits");
        assert_eq!(err.reason(), &exceeded(Limit::Literal, u64::MAX, 1 << 30));
        // Not literals at all: framed as ordinary lines.
        assert_eq!(one_shot(b"* OK {-1}\r\n* OK {}\r\n").unwrap().len(), 2);
        // Within limits, a truncated literal holds only what arrived.
        let mut f = Framer::new(Limits::default());
        let mut input: &[u8] = b"* OK {32768}\r\nIMAP4rev1\r\n";
        assert!(f.next_frame(&mut input).unwrap().is_none());
        assert!(f.buffered() < 100, "{}", f.buffered());
    }

    #[test]
    fn response_limit_counts_all_parts() {
        let limits = Limits {
            max_response: 20,
            ..Limits::default()
        };
        let err = frames(limits, &[b"* 1 FETCH {10}\r\n0123456789 {10}\r\n"]).unwrap_err();
        assert_eq!(err.cause(), Cause::Limit);
    }

    #[test]
    fn failed_framer_stays_failed() {
        let mut f = Framer::new(Limits::default());
        let mut input: &[u8] = b"bad\n* OK\r\n";
        assert!(f.next_frame(&mut input).is_err());
        let mut input: &[u8] = b"* OK\r\n";
        let err = f.next_frame(&mut input).unwrap_err();
        assert_eq!(err.reason(), &Reason::State(StateProblem::Failed));
        assert_eq!(err.message(), "connection already failed");
    }

    /// Frames `wire` in one piece through `next_frame_ref`: each frame (made owned) with
    /// whether it was borrowed, and the counters.
    fn refs(limits: Limits, wire: &[u8]) -> (Vec<(Frame, bool)>, FrameStats) {
        let mut f = Framer::new(limits);
        let mut input = wire;
        let mut out = Vec::new();
        while let Some(frame) = f.next_frame_ref(&mut input).unwrap() {
            let borrowed = matches!(frame, FrameRef::Borrowed(_));
            out.push((frame.into_owned(), borrowed));
        }
        assert!(input.is_empty());
        (out, f.stats())
    }

    #[test]
    fn next_frame_ref_borrows_whole_responses_and_counts_as_the_bytes_path() {
        let wire: &[u8] = b"* LIST (\\HasNoChildren) \"/\" INBOX\r\n* 1 FETCH (BODY[] {3}\r\nabc FLAGS ())\r\n* 2 FETCH (X {0}\r\n)\r\n* 3 FETCH (A {2}\r\nxy)\r\nA1 OK done\r\n";
        let (got, stats) = refs(Limits::default(), wire);
        let flags: Vec<bool> = got.iter().map(|g| g.1).collect();
        assert_eq!(flags, [true; 5]);
        let mut bytes = Bytes::copy_from_slice(wire);
        let mut f = Framer::new(Limits::default());
        let mut want = Vec::new();
        while let Some(frame) = f.next_frame_bytes(&mut bytes).unwrap() {
            want.push(frame);
        }
        let got: Vec<Frame> = got.into_iter().map(|(f, _)| f).collect();
        assert_eq!(got, want);
        // Every counter, work included: both slice without a copy.
        assert_eq!(stats, f.stats());
        assert_eq!((stats.responses, stats.literals), (5, 3));
        assert_eq!(got[3].parts, vec![(Bytes::from("xy"), Bytes::from(")"))]);
    }

    #[test]
    fn next_frame_ref_gathers_what_it_cannot_borrow() {
        // A blank line between responses, and one after a literal inside parentheses, are
        // skipped by the gathering path: the response they are in comes out owned, the
        // next one borrowed again.
        let wire: &[u8] = b"\r\n* 1 FETCH (A {2}\r\nxy)\r\n* 2 EXISTS\r\n* 3 FETCH (A {1}\r\nz\r\n)\r\n* 4 EXISTS\r\n";
        let (got, stats) = refs(Limits::default(), wire);
        let shape: Vec<(&[u8], bool)> = got.iter().map(|(f, b)| (&f.first[..], *b)).collect();
        assert_eq!(
            shape,
            [
                (&b"* 1 FETCH (A {2}"[..], false),
                (b"* 2 EXISTS", true),
                (b"* 3 FETCH (A {1}", false),
                (b"* 4 EXISTS", true),
            ]
        );
        assert_eq!(got[2].0.parts, vec![(Bytes::from("z"), Bytes::from(")"))]);
        assert_eq!(
            (stats.blank_lines_between, stats.blank_lines_after_literal),
            (1, 1)
        );
        // Exactly at the limits still borrows; one byte over fails as `next_frame` fails.
        let wire: &[u8] = b"* 1 FETCH (A {3}\r\nabc)\r\n";
        let exact = Limits {
            max_line: 18,
            max_literal: 3,
            max_response: 20,
        };
        assert!(refs(exact, wire).0[0].1);
        for over in [
            Limits {
                max_line: 17,
                ..exact
            },
            Limits {
                max_literal: 2,
                ..exact
            },
            Limits {
                max_response: 19,
                ..exact
            },
        ] {
            let mut input = wire;
            let want = Framer::new(over).next_frame(&mut input).unwrap_err();
            let mut input = wire;
            let got = Framer::new(over).next_frame_ref(&mut input).unwrap_err();
            assert_eq!(got.reason(), want.reason());
            assert_eq!(got.message(), want.message());
        }
        // A bare LF, and a marker too large for 64 bits, fail as they do in `next_frame`.
        for wire in [
            &b"* 1 EXISTS\n"[..],
            b"* 1 FETCH (A {99999999999999999999}\r\n",
        ] {
            let mut input = wire;
            let want = Framer::new(Limits::default())
                .next_frame(&mut input)
                .unwrap_err();
            let mut input = wire;
            let got = Framer::new(Limits::default())
                .next_frame_ref(&mut input)
                .unwrap_err();
            assert_eq!(got.reason(), want.reason());
        }
    }

    #[test]
    fn next_frame_ref_continues_a_response_begun_in_an_earlier_piece() {
        let mut f = Framer::new(Limits::default());
        let mut input: &[u8] = b"* 1 FETCH (A {4}\r\nab";
        assert!(f.next_frame_ref(&mut input).unwrap().is_none());
        assert!(input.is_empty() && !f.is_idle());
        let mut input: &[u8] = b"cd)\r\n* 2 EXISTS\r\n";
        let first = f.next_frame_ref(&mut input).unwrap().unwrap();
        let FrameRef::Owned(frame) = first else {
            panic!("a response begun earlier is gathered")
        };
        assert_eq!(frame.parts, vec![(Bytes::from("abcd"), Bytes::from(")"))]);
        let second = f.next_frame_ref(&mut input).unwrap().unwrap();
        assert!(matches!(second, FrameRef::Borrowed(ref b) if b.first == b"* 2 EXISTS"));
        assert_eq!(second.first(), b"* 2 EXISTS");
        assert!(f.next_frame_ref(&mut input).unwrap().is_none());
    }

    /// Reads a byte at a time, each framed at once; none may end a response.
    fn read_bytes(f: &mut Framer, bytes: &[u8]) {
        for &b in bytes {
            let buf = f.read_buf(true);
            buf[0] = b;
            f.commit(1);
            assert!(f.next_frame_read().unwrap().is_none());
        }
    }

    #[test]
    fn short_reads_are_counted_and_kept_before_they_join_the_buffer() {
        let mut f = Framer::new(Limits::default());
        read_bytes(&mut f, b"* 1 FE");
        // The bytes lie where they were read: the framer is not idle and holds them.
        assert!(!f.is_idle());
        assert_eq!(f.buffered(), 6);
        read_bytes(&mut f, b"TCH (BODY[] {4}\r\nab");
        assert_eq!(f.literal_kept(), 2);
        assert_eq!(f.literal_in_progress().unwrap().remaining, 2);
        // Bytes kept: nothing may be passed over.
        assert!(f.pass_literal(&mut &b"cd"[..]).is_none());
        // Taken for streaming: the two bytes read so far, and no more.
        assert_eq!(&f.take_literal_bytes()[..], b"ab");
        assert_eq!(f.literal_kept(), 0);
        read_bytes(&mut f, b"\r\n)\r");
        // Another way of feeding takes over: the bytes read come first.
        let mut rest = &b"\n* 2 EXISTS\r\n"[..];
        let frame = f.next_frame(&mut rest).unwrap().unwrap();
        assert_eq!(frame.first, &b"* 1 FETCH (BODY[] {4}"[..]);
        assert_eq!(frame.parts, pairs(&[(b"\r\n", b")")]));
        let exists = f.next_frame(&mut rest).unwrap().unwrap();
        assert_eq!(exists.first, &b"* 2 EXISTS"[..]);
        assert!(f.is_idle());
        let stats = f.stats();
        let wire = b"* 1 FETCH (BODY[] {4}\r\nab\r\n)\r\n* 2 EXISTS\r\n";
        let counts = (stats.bytes, stats.responses, stats.literals);
        assert_eq!(counts, (wire.len() as u64, 2, 1));
    }

    #[test]
    fn short_reads_over_the_line_limit_fail_with_every_byte_read() {
        let limits = Limits {
            max_line: 8,
            ..Limits::default()
        };
        let mut f = Framer::new(limits);
        read_bytes(&mut f, b"* 1 EXIS");
        let buf = f.read_buf(true);
        buf[0] = b'T';
        f.commit(1);
        let err = f.next_frame_read().unwrap_err();
        assert_eq!(err.to_string(), "got more than 8 bytes");
        assert!(matches!(
            err.reason(),
            Reason::LimitExceeded {
                limit: Limit::Line,
                value: 9,
                bound: 8
            }
        ));
        // The bytes in the error are all nine read, those joined and those not.
        assert_eq!(err.bytes(), Some(&b"* 1 EXIST"[..]));
    }
}
