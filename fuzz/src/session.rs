//! `session`: a whole `Connection` under commands and server bytes interleaved at random.
//!
//! Input: an options byte (small limits and store bound, secure / require_tls, LITERAL+ use,
//! modified UTF-7, debug level, `feed_into` for every other chunk), then operations until the input ends: submit a command
//! (from [`crate::commands`]: every constructor, invalid arguments included), feed server
//! bytes (built from IMAP templates — greetings, tagged answers using the tags the client
//! actually sent, `+` continuations, untagged data, literals — or raw input, cut into
//! chunks, fed with `feed` or, after a poll, with `feed_into` and a sink), `feed_eof`, `tls_established`, `idle_done`, `response`, `transport_error`,
//! `restore_unsolicited`; the `tls_established` operation tries `compression_established`
//! when no TLS upgrade is pending (the layer is transparent: bytes stay plaintext). Outputs are polled after each operation unless the operation
//! says to hold them. Finally `feed_eof` and a last poll.
//!
//! Checked, besides "no panic":
//! * `stored_bytes() <= max_stored` after every operation;
//! * `Completed` only for ids `submit` returned, exactly once each; `StartTls`,
//!   `StartCompression` and `IdleStarted` only for pending ids;
//! * `Error` at most once; when it comes every submitted command has completed; no bytes to
//!   send after it, nor between `StartTls` and `tls_established` (or `StartCompression`
//!   and `compression_established`);
//! * a refused `submit` queues nothing;
//! * streamed literals, as outputs or through a `feed_into` sink, start, carry at most
//!   their announced size and end in turn, only while their streaming command is pending;
//! * after a full poll, `pending()` equals the commands submitted and not completed;
//! * at the end, after `feed_eof`, every submitted command has completed and the connection
//!   is closed.

use std::collections::{BTreeMap, BTreeSet};

use imaplib_proto::frame::Limits;
use imaplib_proto::{CommandId, Connection, Item, LiteralSink, Options, Output, Reply};

use crate::bytes::{show, Reader};
use crate::commands;

/// Prints every operation and output to stderr when `IMAPLIB_FUZZ_TRACE=1` (for reading a
/// crash input: `IMAPLIB_FUZZ_TRACE=1 cargo fuzz run session FILE`).
fn trace() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("IMAPLIB_FUZZ_TRACE").is_some_and(|v| v == "1"))
}

/// Capabilities a server may announce.
const CAPS: &[&str] = &[
    "IDLE",
    "LITERAL+",
    "LITERAL-",
    "STARTTLS",
    "ENABLE",
    "UTF8=ACCEPT",
    "LOGINDISABLED",
    "AUTH=PLAIN",
    "MOVE",
    "UIDPLUS",
    "CONDSTORE",
    "QUOTA",
    "NAMESPACE",
    "ID",
    "IMAP4",
    "SASL-IR",
];

/// Response codes.
const CODES: &[&str] = &[
    "",
    "[READ-ONLY] ",
    "[READ-WRITE] ",
    "[UIDVALIDITY 3] ",
    "[UIDNEXT 7] ",
    "[UNSEEN 2] ",
    "[PERMANENTFLAGS (\\Seen \\*)] ",
    "[ALERT] ",
    "[CAPABILITY IMAP4rev1 IDLE LITERAL+ STARTTLS COMPRESS=DEFLATE] ",
    "[CAPABILITY IMAP4rev1] ",
    "[HIGHESTMODSEQ 9] ",
    "[NOMODSEQ] ",
    "[COPYUID 3 1:2 5:6] ",
    "[APPENDUID 3 9] ",
    "[TRYCREATE] ",
    "[CLOSED] ",
    "[",
];

/// Untagged lines (CRLF added).
const UNTAGGED: &[&str] = &[
    "* 3 EXISTS",
    "* 0 RECENT",
    "* 5 RECENT",
    "* 2 EXPUNGE",
    "* FLAGS (\\Answered \\Seen \\Deleted)",
    "* LIST (\\HasNoChildren) \"/\" INBOX",
    "* LSUB () \".\" Sent",
    "* SEARCH 1 2 3",
    "* SEARCH",
    "* SORT 3 1 2",
    "* THREAD (1)(2 3)",
    "* STATUS INBOX (MESSAGES 2 UIDNEXT 4)",
    "* ENABLED UTF8=ACCEPT",
    "* ENABLED",
    "* QUOTAROOT INBOX \"\"",
    "* QUOTA \"\" (STORAGE 10 512)",
    "* NAMESPACE ((\"\" \"/\")) NIL NIL",
    "* ID (\"name\" \"Dovecot\")",
    "* ACL INBOX owner lrswipkxtecda",
    "* MYRIGHTS INBOX lrs",
    "* VANISHED (EARLIER) 1:3",
    "* 1 FETCH (UID 7 FLAGS (\\Seen))",
    "* 2 FETCH (FLAGS (\\Deleted))",
    "* CAPABILITY IMAP4rev1 IDLE LITERAL+ STARTTLS ENABLE UTF8=ACCEPT COMPRESS=DEFLATE",
    "* CAPABILITY IMAP4rev1",
    "* OK [ALERT] system going down",
    "* NO [READ-ONLY] no",
    "* BAD junk",
    "* BYE server shutting down",
    "* PREAUTH again",
    "* OK",
    "* XUNKNOWN 1 2 3",
    "* 1 XUNKNOWN",
];

/// Tokens for free-form lines.
const TOKENS: &[&str] = &[
    "* ",
    "+ ",
    "BCDE",
    "0",
    "1",
    " ",
    "OK",
    "NO",
    "BAD",
    "BYE",
    "PREAUTH",
    "FETCH",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "\\",
    "{0}",
    "{3}",
    "{3}\r\nabc",
    "\r\n",
    "\r",
    "\n",
    "NIL",
    "EXISTS",
    "UID",
    "BODY[]",
    "CAPABILITY",
    "IMAP4rev1",
    "IDLE",
    "LITERAL+",
    "\u{ff}",
    "*",
    "~{2}",
];

fn caps(r: &mut Reader<'_>) -> String {
    let bits = r.u16();
    let mut s = String::from("IMAP4rev1");
    for (i, c) in CAPS.iter().enumerate() {
        if bits & (1 << i) != 0 {
            s.push(' ');
            s.push_str(c);
        }
    }
    s
}

/// The harness state.
struct Harness {
    conn: Connection,
    max_stored: usize,
    /// Submitted ids and whether they completed.
    ids: BTreeMap<CommandId, bool>,
    /// Tag numbers the client sent, in order.
    tags: Vec<u64>,
    /// Tags answered by a tagged response already.
    answered: Vec<u64>,
    error_seen: bool,
    starttls_seen: u32,
    upgrades: u32,
    /// Replies from `Unsolicited` events, to hand back with `restore_unsolicited`.
    unsolicited: Vec<Reply>,
    /// Every output was polled.
    drained: bool,
    /// `SendLiteral` requests not yet answered with `literal_written`.
    literal_wanted: Vec<CommandId>,
    /// The streamed literal open per command: (announced size, bytes received so far).
    streaming: BTreeMap<CommandId, (u64, u64)>,
    /// Commands submitted with `stream_literals`.
    streamers: BTreeSet<CommandId>,
    /// Every other chunk is fed with `feed_into` (options bit 128).
    feed_into: bool,
    /// Chunks fed so far.
    feeds: u64,
    /// Framer bound: `max_line + max_response`.
    max_buffered: usize,
}

impl Harness {
    fn drain(&mut self) {
        while let Some(out) = self.conn.poll_output() {
            if trace() {
                match &out {
                    Output::Send(o) => eprintln!("  < send {}", show(&o.bytes)),
                    other => eprintln!("  < {other:?}"),
                }
            }
            match out {
                Output::Send(o) => {
                    assert!(
                        !self.error_seen,
                        "bytes to send after Output::Error: {}",
                        show(&o.bytes)
                    );
                    assert!(
                        self.starttls_seen <= self.upgrades,
                        "bytes to send between StartTls and tls_established: {}",
                        show(&o.bytes)
                    );
                    self.learn_tags(&o.bytes);
                }
                Output::Connected => {}
                Output::Completed { id, result } => {
                    if result.is_ok() {
                        assert!(
                            !self.streaming.contains_key(&id),
                            "{id} completed OK inside a streamed literal"
                        );
                    }
                    self.streaming.remove(&id);
                    let done = self
                        .ids
                        .get_mut(&id)
                        .unwrap_or_else(|| panic!("Completed for unknown {id}: {result:?}"));
                    assert!(!*done, "{id} completed twice (again with {result:?})");
                    *done = true;
                    if let Ok(reply) = &result {
                        let _ = reply.python_repr();
                    }
                }
                Output::StartTls { id } => {
                    assert_eq!(
                        self.ids.get(&id),
                        Some(&false),
                        "StartTls for {id} not pending"
                    );
                    self.starttls_seen += 1;
                }
                Output::StartCompression { id } => {
                    assert_eq!(
                        self.ids.get(&id),
                        Some(&false),
                        "StartCompression for {id} not pending"
                    );
                    self.starttls_seen += 1;
                }
                Output::IdleStarted { id } => {
                    assert_eq!(
                        self.ids.get(&id),
                        Some(&false),
                        "IdleStarted for {id} not pending"
                    );
                }
                Output::Unsolicited(reply) => {
                    if self.unsolicited.len() < 8 {
                        self.unsolicited.push(reply);
                    }
                }
                Output::SendLiteral { id, len } => {
                    assert_eq!(
                        self.ids.get(&id),
                        Some(&false),
                        "SendLiteral for {id} not pending"
                    );
                    let _ = len;
                    self.literal_wanted.push(id);
                }
                out @ (Output::LiteralStart { .. }
                | Output::LiteralData { .. }
                | Output::LiteralEnd { .. }) => self.check_stream_event(out),
                Output::Error(e) => {
                    assert!(!self.error_seen, "Output::Error twice (again: {e})");
                    self.error_seen = true;
                    let open: Vec<_> = self.ids.iter().filter(|(_, d)| !**d).collect();
                    assert!(
                        open.is_empty(),
                        "Output::Error ({e}) with commands not completed: {open:?}"
                    );
                }
                other => panic!("unexpected output {other:?}"),
            }
        }
        self.drained = true;
    }

    /// Records the tags at the start of lines the client sent.
    fn learn_tags(&mut self, b: &[u8]) {
        let mut start = 0;
        loop {
            if let Some(rest) = b[start..].strip_prefix(b"BCDE") {
                let d = rest.iter().take_while(|c| c.is_ascii_digit()).count();
                if let Some(n) = std::str::from_utf8(&rest[..d])
                    .ok()
                    .and_then(|s| s.parse().ok())
                {
                    if self.tags.len() < 4096 {
                        self.tags.push(n);
                    }
                }
            }
            match b[start..].iter().position(|&c| c == b'\n') {
                Some(p) => start += p + 1,
                None => break,
            }
        }
    }

    fn pick_tag(&mut self, r: &mut Reader<'_>) -> String {
        let unanswered: Vec<u64> = self
            .tags
            .iter()
            .copied()
            .filter(|t| !self.answered.contains(t))
            .collect();
        let n = match r.u8() % 8 {
            0..=3 if !unanswered.is_empty() => unanswered[0],
            4 if !self.tags.is_empty() => *self.tags.last().unwrap_or(&0),
            5 if !self.tags.is_empty() => *r.pick(&self.tags),
            6 => u64::from(r.u8() % 16),
            7 => return ["A1", "BCDE01", "*", "BCDE", "bcde0"][r.below(5)].to_string(),
            _ => unanswered.last().copied().unwrap_or(0),
        };
        if self.answered.len() < 4096 {
            self.answered.push(n);
        }
        format!("BCDE{n}")
    }

    /// Server bytes for one feed.
    fn server_bytes(&mut self, r: &mut Reader<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        let pieces = 1 + r.below(4);
        for _ in 0..pieces {
            match r.u8() % 16 {
                0 => out.extend_from_slice(
                    format!("* OK [CAPABILITY {}] ready\r\n", caps(r)).as_bytes(),
                ),
                1 => out.extend_from_slice(
                    format!("* PREAUTH [CAPABILITY {}] hi\r\n", caps(r)).as_bytes(),
                ),
                2 => out.extend_from_slice(b"* OK IMAP4rev1 server ready\r\n"),
                3 => out.extend_from_slice(format!("* CAPABILITY {}\r\n", caps(r)).as_bytes()),
                4..=6 => {
                    let tag = self.pick_tag(r);
                    let status = ["OK", "OK", "NO", "BAD", "ok", "BYE"][r.below(6)];
                    let code = *r.pick(CODES);
                    out.extend_from_slice(format!("{tag} {status} {code}done\r\n").as_bytes());
                }
                7 => {
                    let c = [
                        "+\r\n",
                        "+ \r\n",
                        "+ idling\r\n",
                        "+ go ahead\r\n",
                        "+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+\r\n",
                        "+ !!\r\n",
                        "+ {3}\r\n",
                    ][r.below(7)];
                    out.extend_from_slice(c.as_bytes());
                }
                8 | 9 => {
                    out.extend_from_slice(r.pick(UNTAGGED).as_bytes());
                    out.extend_from_slice(b"\r\n");
                }
                10 => {
                    let code = *r.pick(CODES);
                    let status = ["OK", "NO", "BAD"][r.below(3)];
                    out.extend_from_slice(format!("* {status} {code}text\r\n").as_bytes());
                }
                11 => {
                    let body = r.short_bytes();
                    out.extend_from_slice(
                        format!(
                            "* {} FETCH (UID {} BODY[] {{{}}}\r\n",
                            1 + r.below(9),
                            r.u8(),
                            body.len()
                        )
                        .as_bytes(),
                    );
                    out.extend_from_slice(body);
                    out.extend_from_slice(b" FLAGS (\\Seen))\r\n");
                }
                12 => out.extend_from_slice(r.short_bytes()),
                13 => {
                    // A literal announced and (maybe) truncated.
                    let body = r.short_bytes();
                    let claimed = if r.bool() {
                        body.len()
                    } else {
                        usize::from(r.u16())
                    };
                    out.extend_from_slice(format!("* LIST () \"/\" {{{claimed}}}\r\n").as_bytes());
                    out.extend_from_slice(body);
                    out.extend_from_slice(b"\r\n");
                }
                14 => out.extend_from_slice(b"\r\n"),
                _ => {
                    let n = 1 + r.below(8);
                    for _ in 0..n {
                        out.extend_from_slice(r.pick(TOKENS).as_bytes());
                    }
                    out.extend_from_slice(b"\r\n");
                }
            }
        }
        out
    }

    /// Checks one streaming event: literals start, carry at most their size and end in
    /// turn, for a pending command.
    fn check_stream_event(&mut self, out: Output) {
        match out {
            Output::LiteralStart { id, size, .. } => {
                assert_eq!(
                    self.ids.get(&id),
                    Some(&false),
                    "LiteralStart for {id} not pending"
                );
                let prev = self.streaming.insert(id, (size, 0));
                assert!(
                    prev.is_none(),
                    "LiteralStart for {id} inside another literal {prev:?}"
                );
            }
            Output::LiteralData { id, data } => {
                let open = self
                    .streaming
                    .get_mut(&id)
                    .unwrap_or_else(|| panic!("LiteralData for {id} outside a literal"));
                open.1 += data.len() as u64;
                assert!(
                    open.1 <= open.0,
                    "{id}: streamed {} bytes of a {}-byte literal",
                    open.1,
                    open.0
                );
            }
            Output::LiteralEnd { id } => {
                let (size, got) = self
                    .streaming
                    .remove(&id)
                    .unwrap_or_else(|| panic!("LiteralEnd for {id} outside a literal"));
                assert_eq!(got, size, "{id}: literal ended after {got} of {size} bytes");
            }
            _ => unreachable!("not a streaming event"),
        }
    }

    fn feed(&mut self, bytes: &[u8], r: &mut Reader<'_>) {
        let cuts = r.below(4);
        let mut rest = bytes;
        for _ in 0..cuts {
            let n = r.below(rest.len() + 1);
            let (a, b) = rest.split_at(n);
            self.feed_one(a);
            rest = b;
        }
        self.feed_one(rest);
    }

    /// Feeds one chunk with `feed`, or with `feed_into` after draining the queued outputs
    /// (as the clients do); what the sink receives is checked as the streaming outputs are.
    fn feed_one(&mut self, chunk: &[u8]) {
        self.feeds += 1;
        if !(self.feed_into && self.feeds % 2 == 0) {
            if trace() {
                eprintln!("> feed {}", show(chunk));
            }
            self.conn.feed(chunk);
            return;
        }
        self.drain();
        if trace() {
            eprintln!("> feed_into {}", show(chunk));
        }
        let mut sink = Collect::default();
        self.conn
            .feed_into(chunk, &mut sink)
            .expect("the collecting sink never fails");
        if sink.0.is_empty() {
            return;
        }
        // The streaming command: the one pending command submitted with stream_literals
        // (only one may be in flight). It may have completed in this very feed, after its
        // literals: the outputs are checked after the sink's events.
        let pending: Vec<CommandId> = self
            .streamers
            .iter()
            .copied()
            .filter(|id| self.ids.get(id) == Some(&false))
            .collect();
        assert_eq!(
            pending.len(),
            1,
            "literals reached the sink with streaming commands {pending:?} pending"
        );
        let id = pending[0];
        for event in sink.0 {
            let out = match event {
                Event::Start(seq, header, size) => Output::LiteralStart {
                    id,
                    seq,
                    header,
                    size,
                },
                Event::Data(data) => Output::LiteralData {
                    id,
                    data: data.into(),
                },
                Event::End => Output::LiteralEnd { id },
            };
            self.check_stream_event(out);
        }
    }

    fn check_memory(&self) {
        let buffered = self.conn.diagnostics().buffered;
        assert!(
            buffered <= self.max_buffered,
            "framer holds {buffered} bytes, over max_line + max_response = {}",
            self.max_buffered
        );
        self.check_store();
    }

    fn check_store(&self) {
        assert!(
            self.conn.stored_bytes() <= self.max_stored,
            "untagged store holds {} bytes, over max_stored {}",
            self.conn.stored_bytes(),
            self.max_stored
        );
    }
}

/// The target.
pub fn check(data: &[u8]) {
    let mut r = Reader::new(data);
    let flags = r.u8();
    let mut opts = Options::new(0x1234);
    if flags & 1 != 0 {
        opts.limits = Limits {
            max_line: 8 + usize::from(r.u16() % 2048),
            max_literal: u64::from(r.u16() % 4096),
            max_response: u64::from(r.u16() % 8192),
        };
    }
    if flags & 2 != 0 {
        opts.max_stored = usize::from(r.u16() % 4096);
    } else {
        opts.max_stored = 1 << 20;
    }
    opts.secure = flags & 4 != 0;
    opts.require_tls = flags & 8 != 0;
    opts.use_literal_plus = flags & 16 == 0;
    opts.mailbox_utf7 = flags & 32 == 0;
    opts.debug = if flags & 64 != 0 { r.u8() % 6 } else { 0 };
    let max_buffered = opts
        .limits
        .max_line
        .saturating_add(usize::try_from(opts.limits.max_response).unwrap_or(usize::MAX));
    let mut h = Harness {
        max_buffered,
        literal_wanted: Vec::new(),
        streaming: BTreeMap::new(),
        streamers: BTreeSet::new(),
        feed_into: flags & 128 != 0,
        feeds: 0,
        max_stored: opts.max_stored,
        conn: Connection::new(opts),
        ids: BTreeMap::new(),
        tags: Vec::new(),
        answered: Vec::new(),
        error_seen: false,
        starttls_seen: 0,
        upgrades: 0,
        unsolicited: Vec::new(),
        drained: true,
    };

    let mut steps = 0;
    while !r.is_empty() && steps < 256 {
        steps += 1;
        let op = r.u8();
        match op % 16 {
            0..=3 => {
                let cmd = if op % 16 == 0 {
                    Ok(commands::simple(&mut r))
                } else {
                    commands::build(&mut r).cmd
                };
                let Ok(cmd) = cmd else { continue };
                let was_drained = h.drained;
                if trace() {
                    eprintln!("> submit {cmd:?}");
                }
                let streams = cmd.streams_literals();
                match h.conn.submit(cmd) {
                    Ok(id) => {
                        if trace() {
                            eprintln!("  = {id}");
                        }
                        if streams {
                            h.streamers.insert(id);
                        }
                        assert!(h.ids.insert(id, false).is_none(), "submit reused {id}");
                    }
                    Err(e) => {
                        if was_drained {
                            if let Some(out) = h.conn.poll_output() {
                                panic!("refused submit ({e}) produced output {out:?}");
                            }
                        }
                    }
                }
                h.drained = false;
            }
            4..=9 => {
                let bytes = h.server_bytes(&mut r);
                h.feed(&bytes, &mut r);
                h.drained = false;
            }
            10 => {
                let bytes = r.short_bytes().to_vec();
                h.feed(&bytes, &mut r);
                h.drained = false;
            }
            11 => {
                if trace() {
                    eprintln!("> tls_established");
                }
                if h.conn.tls_established().is_ok() {
                    h.upgrades += 1;
                } else if h.conn.compression_established().is_ok() {
                    // Compressed data fed after the OK is the layer's, not the engine's.
                    h.upgrades += 1;
                }
                h.drained = false;
            }
            12 => {
                let idle: Vec<CommandId> = h
                    .ids
                    .iter()
                    .filter(|(_, d)| !**d)
                    .map(|(id, _)| *id)
                    .collect();
                if !idle.is_empty() {
                    let id = *r.pick(&idle);
                    if trace() {
                        eprintln!("> idle_done({id})");
                    }
                    let _ = h.conn.idle_done(id);
                }
                h.drained = false;
            }
            13 if op & 0x40 != 0 => {
                if let Some(id) = h.literal_wanted.pop() {
                    if trace() {
                        eprintln!("> literal_written({id})");
                    }
                    if let Err(e) = h.conn.literal_written(id) {
                        // Only a command that ended meanwhile may refuse it.
                        h.drain();
                        assert!(
                            h.error_seen || h.ids.get(&id) == Some(&true),
                            "literal_written({id}) refused after SendLiteral: {e}"
                        );
                    }
                } else if let Some((&id, _)) = h.ids.iter().next() {
                    let _ = h.conn.literal_written(id);
                }
                h.drained = false;
            }
            13 => {
                let code = [
                    "EXISTS",
                    "OK",
                    "CAPABILITY",
                    "READ-ONLY",
                    "FETCH",
                    "BYE",
                    "RECENT",
                    "x",
                ][r.below(8)];
                let reply = h.conn.response(code);
                let _ = reply.python_repr();
            }
            14 => match r.u8() % 4 {
                0 => {
                    if let Some(reply) = h.unsolicited.pop() {
                        let _ = h.conn.restore_unsolicited(reply);
                    } else {
                        let big = Reply::new("FETCH", vec![Item::Line(r.short_bytes().to_vec())]);
                        let _ = h.conn.restore_unsolicited(big);
                    }
                }
                1 => {
                    if trace() {
                        eprintln!("> feed_eof");
                    }
                    h.conn.feed_eof();
                    h.drained = false;
                }
                2 => {
                    h.conn
                        .transport_error(imaplib_proto::Error::io(std::io::Error::other(
                            "fuzz: transport failed",
                        )));
                    h.drained = false;
                }
                _ => {
                    // Accessors.
                    let _ = (h.conn.state(), h.conn.capabilities(), h.conn.welcome());
                    let _ = (
                        h.conn.is_readonly(),
                        h.conn.utf8_enabled(),
                        h.conn.is_closed(),
                    );
                    let _ = h.conn.untagged_responses().count();
                    let _ = (h.conn.diagnostics(), format!("{:?}", h.conn));
                }
            },
            _ => {}
        }
        h.check_memory();
        // Ops with the high bit set leave outputs queued (IDLE's DONE moves them to the store).
        if op & 0x80 == 0 {
            h.drain();
            let open = h.ids.values().filter(|d| !**d).count();
            assert_eq!(
                h.conn.pending(),
                open,
                "pending() disagrees with the outputs"
            );
        }
    }

    h.conn.feed_eof();
    h.drain();
    h.check_memory();
    let open: Vec<_> = h
        .ids
        .iter()
        .filter(|(_, d)| !**d)
        .map(|(id, _)| *id)
        .collect();
    assert!(
        open.is_empty(),
        "after feed_eof, commands never completed: {open:?}"
    );
    assert!(h.conn.is_closed(), "connection not closed after feed_eof");
}

/// What a `feed_into` sink received.
enum Event {
    Start(Option<u32>, Vec<u8>, u64),
    Data(Vec<u8>),
    End,
}

/// A sink that keeps every event, to be checked after the call.
#[derive(Default)]
struct Collect(Vec<Event>);

impl LiteralSink for Collect {
    fn start(&mut self, seq: Option<u32>, header: &[u8], size: u64) -> std::io::Result<()> {
        self.0.push(Event::Start(seq, header.to_vec(), size));
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        assert!(!bytes.is_empty(), "the sink got an empty data call");
        self.0.push(Event::Data(bytes.to_vec()));
        Ok(())
    }

    fn end(&mut self) -> std::io::Result<()> {
        self.0.push(Event::End);
        Ok(())
    }
}
