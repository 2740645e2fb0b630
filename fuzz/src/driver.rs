//! `driver`: the client driver (`imaplib_proto::driver::Driver`) under commands, tasks
//! polled and abandoned at random, server bytes and a clock that jumps.
//!
//! Input: an options byte (deadlines: silence, per-command, IDLE silence and keepalive, each
//! on or off with a length from the input; small framing limits), then operations until the
//! input ends: submit a command, start IDLE, poll a task (connect, a command's result, IDLE
//! start, IDLE updates until a time, a flush, a raw read, readiness) and do what its step
//! asks (write some of the output, take TLS, give message bytes or end them), feed server
//! bytes (greetings, tagged answers with the tags the client really sent, `+`, untagged
//! lines, FETCH literals, or raw input; fed through a sink or not), advance the clock
//! (milliseconds to an hour), leave or abandon IDLE, end the stream, fail the transport,
//! say farewell.
//!
//! Checked, besides "no panic":
//! * every deadline a step gives lies in the future (an expired one has fired: no busy loop);
//! * a command's result is handed out once: polling it again says it is not pending;
//! * once the connection failed, every poll is done at once, with an error where a result
//!   is expected (nothing waits on a dead connection);
//! * at the end, after `feed_eof`, every command submitted through the driver is done.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use imaplib_proto::driver::{Driver, RawRead, SinkSlot, Step, Timeouts};
use imaplib_proto::frame::Limits;
use imaplib_proto::{CommandId, Options};

use crate::bytes::Reader;
use crate::commands;

/// Untagged lines (CRLF added).
const UNTAGGED: &[&str] = &[
    "* 3 EXISTS",
    "* 1 RECENT",
    "* 2 EXPUNGE",
    "* OK Still here",
    "* 1 FETCH (FLAGS (\\Seen))",
    "* SEARCH 1 2",
    "* CAPABILITY IMAP4rev1 IDLE LITERAL+ STARTTLS",
    "* BYE going away",
    "* NO [ALERT] hmm",
];

/// Greetings.
const GREETINGS: &[&str] = &[
    "* OK [CAPABILITY IMAP4rev1 IDLE LITERAL+ STARTTLS] hi",
    "* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi",
    "* OK hi",
    "* BYE no",
];

/// Tagged answers.
const ANSWERS: &[&str] = &[
    "OK done",
    "NO [TRYCREATE] no",
    "BAD what",
    "OK [READ-ONLY] ok",
    "OK [CAPABILITY IMAP4rev1 IDLE LITERAL+ COMPRESS=DEFLATE] in",
];

fn timeouts(r: &mut Reader<'_>, flags: u8) -> Timeouts {
    let d = |on: bool, r: &mut Reader<'_>| {
        on.then(|| Duration::from_millis(1 + u64::from(r.u16()) * 50))
    };
    Timeouts {
        silence: d(flags & 1 != 0, r),
        command: d(flags & 2 != 0, r),
        idle_silence: d(flags & 4 != 0, r),
        idle_keepalive: d(flags & 8 != 0, r),
    }
}

struct Harness {
    d: Driver,
    now: Instant,
    /// Submitted through the driver (IDLE included).
    ids: Vec<CommandId>,
    /// Results handed out.
    collected: BTreeSet<CommandId>,
    /// Tag numbers the client wrote, in order.
    tags: Vec<u64>,
}

impl Harness {
    fn check_deadline(&self, deadline: Option<Instant>) {
        if let Some(d) = deadline {
            assert!(
                d > self.now,
                "a deadline {:?} not in the future",
                d - self.now
            );
        }
    }

    /// Applies a step that is not done; returns the value when it is.
    fn step<T: std::fmt::Debug>(&mut self, r: &mut Reader<'_>, step: Step<T>) -> Option<T> {
        let dead = self.d.connection().fatal_error().is_some();
        match step {
            Step::Done(v) => return Some(v),
            Step::Write { deadline } => {
                assert!(!dead, "Write on a failed connection");
                self.check_deadline(deadline);
                let out = self.d.output().to_vec();
                learn_tags(&mut self.tags, &out);
                let n = match r.u8() % 4 {
                    0 => 0,
                    1 => r.below(out.len() + 1),
                    _ => out.len(),
                };
                self.d.wrote(n, self.now);
            }
            Step::Read { deadline } => {
                assert!(!dead, "Read on a failed connection");
                self.check_deadline(deadline);
            }
            Step::StartTls => match r.u8() % 3 {
                0 => drop(self.d.tls_established(self.now)),
                1 => self.d.transport_error(
                    imaplib_proto::Error::abort(
                        imaplib_proto::Reason::Tls(imaplib_proto::error::TlsFailure::Handshake),
                        "no",
                    ),
                    self.now,
                ),
                _ => {}
            },
            // The layer is transparent here: the script's bytes stay plaintext.
            Step::StartCompression => match r.u8() % 3 {
                0 => drop(self.d.compression_established(self.now)),
                1 => self.d.transport_error(
                    imaplib_proto::Error::io(std::io::ErrorKind::InvalidData.into()),
                    self.now,
                ),
                _ => {}
            },
            Step::ReadMessage { max } => {
                assert!(max > 0);
                match r.u8() % 4 {
                    0 => self.d.message_eof(self.now),
                    _ => {
                        let n = r.below(max + 1);
                        self.d.message_data(&vec![b'm'; n], self.now)
                    }
                }
            }
        }
        None
    }

    fn server_bytes(&mut self, r: &mut Reader<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..1 + r.below(4) {
            match r.u8() % 8 {
                0 => out.extend_from_slice(r.pick(GREETINGS).as_bytes()),
                1 | 2 => {
                    let tag = match self.tags.as_slice() {
                        [] => 0,
                        tags => *r.pick(tags),
                    };
                    out.extend_from_slice(format!("BCDE{tag} {}", r.pick(ANSWERS)).as_bytes());
                }
                3 => out.extend_from_slice(b"+ go"),
                4 => out.extend_from_slice(r.pick(UNTAGGED).as_bytes()),
                5 => {
                    let n = r.below(64);
                    out.extend_from_slice(format!("* 1 FETCH (BODY[] {{{n}}}\r\n").as_bytes());
                    out.extend(std::iter::repeat_n(b'x', n));
                    out.extend_from_slice(b")");
                }
                _ => out.extend_from_slice(r.short_bytes()),
            }
            out.extend_from_slice(b"\r\n");
        }
        out
    }
}

fn learn_tags(tags: &mut Vec<u64>, b: &[u8]) {
    for line in b.split(|&c| c == b'\n') {
        if let Some(rest) = line.strip_prefix(b"BCDE") {
            let d = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            if let Some(n) = std::str::from_utf8(&rest[..d])
                .ok()
                .and_then(|s| s.parse().ok())
            {
                if tags.len() < 4096 {
                    tags.push(n);
                }
            }
        }
    }
}

/// Runs one input. Panics when a property does not hold.
pub fn check(data: &[u8]) {
    let mut r = Reader::new(data);
    let flags = r.u8();
    let mut opts = Options::new(0x1234);
    if flags & 16 != 0 {
        opts.limits = Limits {
            max_line: 8 + usize::from(r.u16() % 2048),
            max_literal: u64::from(r.u16() % 4096),
            max_response: u64::from(r.u16() % 8192),
        };
    }
    opts.secure = flags & 32 != 0;
    let t = timeouts(&mut r, flags);
    let mut h = Harness {
        d: Driver::new(opts, t),
        now: Instant::now(),
        ids: Vec::new(),
        collected: BTreeSet::new(),
        tags: Vec::new(),
    };
    let mut steps = 0;
    while !r.is_empty() && steps < 256 {
        steps += 1;
        let dead = h.d.connection().fatal_error().is_some();
        match r.u8() % 16 {
            0 | 1 => {
                let cmd = if r.bool() {
                    Ok(commands::simple(&mut r))
                } else {
                    commands::build(&mut r).cmd
                };
                if let Ok(Ok(id)) = cmd.map(|c| h.d.submit(c, h.now)) {
                    h.ids.push(id);
                }
            }
            2 => {
                if let Ok(id) = h.d.idle_start(h.now) {
                    h.ids.push(id);
                }
            }
            3..=6 => {
                // Poll a task a few times, doing what it asks.
                let which = r.u8() % 8;
                let id = match h.ids.as_slice() {
                    [] => None,
                    ids => Some(*r.pick(ids)),
                };
                let until = h.now + Duration::from_millis(u64::from(r.u16()));
                for _ in 0..1 + r.below(4) {
                    let now = h.now;
                    let done = match (which, id) {
                        (0, _) => {
                            let s = h.d.poll_connect(now);
                            h.step(&mut r, s).map(|_| ())
                        }
                        (1 | 2, Some(id)) => {
                            let s = h.d.poll_result(id, now);
                            h.step(&mut r, s).map(|result| {
                                if result.is_ok() {
                                    assert!(h.collected.insert(id), "{id} handed out twice");
                                }
                            })
                        }
                        (3, _) => {
                            let s = h.d.poll_idle_start(now);
                            h.step(&mut r, s).map(drop)
                        }
                        (4, _) => {
                            let s = h.d.poll_idle_event(Some(until), now);
                            h.step(&mut r, s).map(drop)
                        }
                        (5, _) => {
                            let s = h.d.poll_flush(now);
                            h.step(&mut r, s)
                        }
                        (6, _) => {
                            let want = if r.bool() {
                                RawRead::Exactly(r.below(64))
                            } else {
                                RawRead::Line {
                                    max: 1 + r.below(64),
                                }
                            };
                            let s = h.d.poll_read_raw(want, now);
                            h.step(&mut r, s).map(drop)
                        }
                        _ => {
                            let s = h.d.poll_ready(now);
                            h.step(&mut r, s).map(drop)
                        }
                    };
                    if dead {
                        assert!(done.is_some(), "a poll waits on a failed connection");
                    }
                    if done.is_some() {
                        break;
                    }
                }
            }
            7..=9 => {
                let bytes = h.server_bytes(&mut r);
                let cut = r.below(bytes.len() + 1);
                for chunk in [&bytes[..cut], &bytes[cut..]] {
                    if r.bool() {
                        let mut sink = imaplib_proto::WriteSink(std::io::sink());
                        let mut slot = SinkSlot::new(&mut sink);
                        slot.feed(&mut h.d, chunk, h.now);
                    } else {
                        h.d.feed(chunk, h.now);
                    }
                }
            }
            10 | 11 => {
                let ms = match r.u8() % 4 {
                    0 => u64::from(r.u8()),
                    1 => u64::from(r.u16()) * 100,
                    2 => u64::from(r.u16()) * 60_000 / 1000,
                    _ => 3_600_000,
                };
                h.now += Duration::from_millis(ms);
                if r.bool() {
                    h.d.handle_timeout(h.now);
                }
            }
            12 => {
                let _ = h.d.idle_done(h.now);
            }
            13 => h.d.idle_abandon(h.now),
            14 => match r.u8() % 3 {
                0 => h.d.feed_eof(h.now),
                1 => h.d.transport_error(
                    imaplib_proto::Error::io(std::io::ErrorKind::ConnectionReset.into()),
                    h.now,
                ),
                _ => {
                    let _ = h.d.farewell(h.now);
                }
            },
            _ => {
                let _ = h.d.poll_timeout();
            }
        }
    }
    // The end of the stream completes everything.
    h.d.feed_eof(h.now);
    for id in h.ids.clone() {
        let s = h.d.poll_result(id, h.now);
        assert!(
            matches!(s, Step::Done(_)),
            "{id} still waits after EOF: {s:?}"
        );
    }
}
