//! The driver on simulated time: every instant is `t0` plus a duration.

use std::io;
use std::time::{Duration, Instant};

use super::*;
use crate::sink::LiteralSink;

const SEC: Duration = Duration::from_secs(1);

fn t0() -> Instant {
    thread_local!(static T0: Instant = Instant::now());
    T0.with(|t| *t)
}

fn at(secs: u64) -> Instant {
    t0() + SEC * secs as u32
}

/// A driver past the greeting, tags `BCDE0`, `BCDE1`, …
fn greeted(timeouts: Timeouts) -> Driver {
    let mut d = Driver::new(Options::new(0x1234), timeouts);
    d.feed(
        b"* OK [CAPABILITY IMAP4rev1 IDLE LITERAL+ STARTTLS] hi\r\n",
        t0(),
    );
    assert!(matches!(d.poll_connect(t0()), Step::Done(Ok(()))));
    d
}

/// A driver after LOGIN (tag `BCDE0`), with these capabilities.
fn logged_in(timeouts: Timeouts, caps: &str) -> Driver {
    let mut d = greeted(timeouts);
    let login = d.submit(Command::login("u", "p").unwrap(), t0()).unwrap();
    written(&mut d, t0());
    d.feed(
        format!("BCDE0 OK [CAPABILITY {caps}] in\r\n").as_bytes(),
        t0(),
    );
    let _ = done(d.poll_result(login, t0())).unwrap();
    d
}

/// Takes (and "writes") everything the driver has to send.
fn written(d: &mut Driver, now: Instant) -> String {
    let out = String::from_utf8_lossy(d.output()).into_owned();
    d.wrote(out.len(), now);
    out
}

fn done<T: std::fmt::Debug>(step: Step<T>) -> T {
    match step {
        Step::Done(v) => v,
        other => panic!("not done: {other:?}"),
    }
}

fn read_deadline<T: std::fmt::Debug>(step: Step<T>) -> Option<Instant> {
    match step {
        Step::Read { deadline } => deadline,
        other => panic!("not a read: {other:?}"),
    }
}

#[test]
fn pipelined_results_reach_whoever_waits_for_them() {
    let mut d = greeted(Timeouts::default());
    let a = d.submit(Command::noop(), t0()).unwrap();
    // Refused before any byte: CHECK needs a selected mailbox.
    let b = d.submit(Command::check(), t0()).unwrap_err();
    assert_eq!(b.cause(), crate::Cause::State);
    let b = d.submit(Command::capability(), t0()).unwrap();
    assert!(matches!(d.poll_result(b, t0()), Step::Write { .. }));
    assert_eq!(written(&mut d, t0()), "BCDE0 NOOP\r\nBCDE1 CAPABILITY\r\n");
    d.feed(
        b"BCDE0 OK noop\r\n* CAPABILITY IMAP4rev1 X\r\nBCDE1 OK caps\r\n",
        t0(),
    );
    // Collected in the other order, each its own.
    let rb = done(d.poll_result(b, t0())).unwrap();
    assert_eq!(rb.python_repr(), "('OK', [b'IMAP4rev1 X'])");
    let ra = done(d.poll_result(a, t0())).unwrap();
    assert_eq!(ra.python_repr(), "('OK', [b'noop'])");
    // Collected once.
    let e = done(d.poll_result(a, t0())).unwrap_err();
    assert!(e.message().contains("is not pending"), "{e}");
}

#[test]
fn an_abandoned_command_runs_on_and_its_result_is_dropped() {
    let mut d = greeted(Timeouts::default());
    let a = d.submit(Command::noop(), t0()).unwrap();
    let _ = d.poll_result(a, t0()); // its caller starts waiting…
    let b = d.submit(Command::capability(), t0()).unwrap();
    let _ = d.poll_result(b, t0()); // …and another task starts: `a` was abandoned.
    written(&mut d, t0());
    d.feed(b"BCDE0 OK noop\r\n", t0());
    assert!(d.results.is_empty(), "the abandoned result is not kept");
    d.feed(b"* CAPABILITY IMAP4rev1\r\nBCDE1 OK caps\r\n", t0());
    let rb = done(d.poll_result(b, t0())).unwrap();
    assert_eq!(rb.python_repr(), "('OK', [b'IMAP4rev1'])");
    assert!(done(d.poll_result(a, t0())).is_err());
    // Waiting again for the same command is not abandoning it.
    let c = d.submit(Command::noop(), t0()).unwrap();
    let _ = d.poll_result(c, t0());
    let _ = d.poll_result(c, t0());
    written(&mut d, t0());
    d.feed(b"BCDE2 OK again\r\n", t0());
    assert_eq!(done(d.poll_result(c, t0())).unwrap().typ, "OK");
}

#[test]
fn silence_is_measured_from_the_last_byte_or_the_start_of_the_wait() {
    let mut d = greeted(Timeouts::default());
    let id = d.submit(Command::noop(), t0()).unwrap();
    // Collected two minutes after it was submitted: the wait gets its full minute.
    let wait = at(120);
    assert!(
        matches!(d.poll_result(id, wait), Step::Write { deadline } if deadline == Some(wait + 60 * SEC))
    );
    written(&mut d, wait);
    assert_eq!(
        read_deadline(d.poll_result(id, wait)),
        Some(wait + 60 * SEC)
    );
    // A byte restarts it.
    d.feed(b"* 3 EXISTS\r\n", at(150));
    assert_eq!(read_deadline(d.poll_result(id, at(150))), Some(at(210)));
    // Not a nanosecond early.
    let just_before = at(210) - Duration::from_nanos(1);
    assert!(matches!(d.poll_result(id, just_before), Step::Read { .. }));
    let e = done(d.poll_result(id, at(210))).unwrap_err();
    assert!(e.is_timeout() && e.is_abort(), "{e:?}");
    assert_eq!(
        e.message(),
        "command: NOOP => timed out: no data from the server for 60s"
    );
    assert!(d.connection().is_closed());
}

#[test]
fn a_command_deadline_is_not_extended_by_untagged_traffic() {
    let t = Timeouts {
        command: Some(10 * SEC),
        ..Timeouts::default()
    };
    let mut d = greeted(t);
    let id = d.submit(Command::noop(), t0()).unwrap();
    written(&mut d, t0());
    for s in 1..10 {
        d.feed(b"* OK still working\r\n", at(s));
        assert_eq!(read_deadline(d.poll_result(id, at(s))), Some(at(10)));
    }
    let e = done(d.poll_result(id, at(10))).unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(
        e.message().ends_with("NOOP did not complete within 10s"),
        "{e}"
    );
}

#[test]
fn idle_keepalive_renews_without_losing_updates() {
    let t = Timeouts {
        idle_keepalive: Some(100 * SEC),
        ..Timeouts::default()
    };
    let mut d = logged_in(t, "IMAP4rev1 IDLE");
    d.idle_start(t0()).unwrap();
    assert!(matches!(d.poll_idle_start(t0()), Step::Write { .. }));
    assert_eq!(written(&mut d, t0()), "BCDE1 IDLE\r\n");
    d.feed(b"+ idling\r\n", at(1));
    done(d.poll_idle_start(at(1))).unwrap();
    // Idling: no silence timeout, the keepalive is the next deadline.
    assert_eq!(read_deadline(d.poll_idle_event(None, at(2))), Some(at(101)));
    d.feed(b"* 1 EXISTS\r\n", at(50));
    let r = done(d.poll_idle_event(None, at(50))).unwrap().unwrap();
    assert_eq!(r.python_repr(), "('EXISTS', [b'1'])");
    // At the keepalive: DONE, and an update in between still comes out of the iteration.
    assert!(matches!(
        d.poll_idle_event(None, at(101)),
        Step::Write { .. }
    ));
    assert_eq!(written(&mut d, at(101)), "DONE\r\n");
    d.feed(b"* 2 EXISTS\r\nBCDE1 OK Idle completed\r\n", at(102));
    assert!(matches!(
        d.poll_idle_event(None, at(102)),
        Step::Done(Some(Ok(_)))
    ));
    assert!(matches!(
        d.poll_idle_event(None, at(102)),
        Step::Write { .. }
    ));
    assert_eq!(written(&mut d, at(102)), "BCDE2 IDLE\r\n");
    d.feed(b"+ idling\r\n* 3 EXISTS\r\n", at(103));
    let r = done(d.poll_idle_event(None, at(103))).unwrap().unwrap();
    assert_eq!(r.python_repr(), "('EXISTS', [b'3'])");
    assert_eq!(
        read_deadline(d.poll_idle_event(None, at(103))),
        Some(at(203))
    );
    // Leaving: DONE, the last IDLE's result.
    let id = d.idle_done(at(110)).unwrap();
    assert_eq!(written(&mut d, at(110)), "DONE\r\n");
    d.feed(b"BCDE2 OK Idle completed\r\n", at(110));
    assert_eq!(done(d.poll_result(id, at(110))).unwrap().typ, "OK");
    assert_eq!(d.connection().state(), crate::State::Auth);
}

#[test]
fn idle_abandoned_before_the_continuation_gets_done_when_it_comes() {
    let mut d = logged_in(Timeouts::default(), "IMAP4rev1 IDLE");
    d.idle_start(t0()).unwrap();
    let _ = d.poll_idle_start(t0());
    assert_eq!(written(&mut d, t0()), "BCDE1 IDLE\r\n");
    // The caller gives up before the `+`, and runs NOOP instead.
    let noop = d.submit(Command::noop(), t0()).unwrap();
    assert!(matches!(d.poll_result(noop, t0()), Step::Read { .. }));
    assert_eq!(d.output(), b"", "nothing may be sent before the +");
    d.feed(b"* 1 EXISTS\r\n+ idling\r\n", at(1));
    assert!(matches!(d.poll_result(noop, at(1)), Step::Write { .. }));
    assert_eq!(written(&mut d, at(1)), "DONE\r\n");
    // The NOOP waits for the IDLE to complete.
    d.feed(b"BCDE1 OK Idle done\r\n", at(2));
    assert_eq!(written(&mut d, at(2)), "BCDE2 NOOP\r\n");
    d.feed(b"BCDE2 OK noop\r\n", at(2));
    let r = done(d.poll_result(noop, at(2))).unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'noop'])");
    // The update that came meanwhile went to the store, as imaplib's Idler leaves it.
    assert_eq!(
        d.connection_mut().response("EXISTS").python_repr(),
        "('EXISTS', [b'1'])"
    );
}

#[test]
fn raw_reads_bypass_the_engine_and_give_back_what_they_did_not_take() {
    let mut d = greeted(Timeouts::default());
    d.send_raw(b"BCDE9 NOOP\r\n");
    assert!(matches!(d.poll_flush(t0()), Step::Write { .. }));
    assert_eq!(written(&mut d, t0()), "BCDE9 NOOP\r\n");
    done(d.poll_flush(t0()));
    let want = RawRead::Line { max: 100 };
    assert!(matches!(d.poll_read_raw(want, t0()), Step::Read { .. }));
    d.feed(b"BCDE9 OK raw\r\n* CAPA", t0());
    assert_eq!(
        done(d.poll_read_raw(want, t0())).unwrap(),
        b"BCDE9 OK raw\r\n"
    );
    // The rest goes to the engine when it is driven next.
    let id = d.submit(Command::noop(), t0()).unwrap();
    let _ = d.poll_result(id, t0());
    written(&mut d, t0());
    d.feed(b"BILITY IMAP4rev1 XYZ\r\nBCDE0 OK\r\n", t0());
    let _ = done(d.poll_result(id, t0())).unwrap();
    assert_eq!(
        d.connection_mut().response("CAPABILITY").python_repr(),
        "('CAPABILITY', [b'IMAP4rev1 XYZ'])"
    );
    // A line longer than allowed is refused.
    d.feed(b"", t0());
    let _ = d.poll_read_raw(RawRead::Line { max: 4 }, t0());
    d.feed(b"abcdef", t0());
    let e = done(d.poll_read_raw(RawRead::Line { max: 4 }, t0())).unwrap_err();
    assert_eq!(e.message(), "got more than 4 bytes");
    // Exactly n bytes, fewer at the end of the stream.
    assert_eq!(
        done(d.poll_read_raw(RawRead::Exactly(2), t0())).unwrap(),
        b"ab"
    );
    let nine = RawRead::Exactly(9);
    assert!(matches!(d.poll_read_raw(nine, t0()), Step::Read { .. }));
    d.feed_eof(t0());
    assert_eq!(
        done(d.poll_read_raw(RawRead::Exactly(9), t0())).unwrap(),
        b"cdef"
    );
}

#[test]
fn farewell_writes_logout_within_a_bound_and_waits_for_nothing() {
    let mut d = greeted(Timeouts::default());
    assert!(d.farewell(t0()));
    assert_eq!(d.output(), b"BCDE0 LOGOUT\r\n");
    assert!(
        matches!(d.poll_flush(t0()), Step::Write { deadline } if deadline == Some(t0() + FAREWELL_WRITE))
    );
    // The stream takes nothing: the flush gives up at the bound.
    done(d.poll_flush(t0() + FAREWELL_WRITE));
    // Logged out (or failed) connections have nothing to say.
    let mut d = greeted(Timeouts::default());
    d.feed_eof(t0());
    assert!(!d.farewell(t0()));
}

/// Streamed APPEND: the message comes from the caller in pieces, and a reader that ends
/// early, or a caller that gives up, fails the connection.
#[test]
fn streamed_append_messages() {
    let mut d = logged_in(Timeouts::default(), "IMAP4rev1 LITERAL+");
    let cmd = Command::append_stream(None, None, None, 200_000).unwrap();
    let id = d.submit(cmd, t0()).unwrap();
    assert_eq!(written(&mut d, t0()), "BCDE1 APPEND INBOX {200000+}\r\n");
    assert!(matches!(
        d.poll_result(id, t0()),
        Step::ReadMessage { max: MESSAGE_CHUNK }
    ));
    d.message_data(&[b'x'; MESSAGE_CHUNK], t0());
    assert_eq!(d.output().len(), MESSAGE_CHUNK);
    written(&mut d, t0());
    d.message_data(&[b'x'; 3 * MESSAGE_CHUNK], t0()); // more than is owed: cut
                                                      // The rest of the message, and the command's CRLF.
    assert_eq!(d.output().len(), 200_000 - MESSAGE_CHUNK + 2);
    assert!(matches!(d.poll_result(id, t0()), Step::Write { .. }));
    let rest = written(&mut d, t0());
    assert!(
        rest.ends_with("x\r\n"),
        "the command's CRLF follows the message"
    );
    d.feed(b"BCDE1 OK [APPENDUID 1 1] done\r\n", t0());
    assert_eq!(done(d.poll_result(id, t0())).unwrap().typ, "OK");
    // A reader that ends early.
    let id = d
        .submit(Command::append_stream(None, None, None, 10).unwrap(), t0())
        .unwrap();
    written(&mut d, t0());
    assert!(matches!(
        d.poll_result(id, t0()),
        Step::ReadMessage { max: 10 }
    ));
    d.message_data(b"abc", t0());
    d.message_eof(t0());
    let e = done(d.poll_result(id, t0())).unwrap_err();
    assert!(e.is_abort(), "{e:?}");
    assert!(
        e.message()
            .ends_with("the message reader ended after 3 of 10 bytes"),
        "{e}"
    );
}

#[test]
fn an_abandoned_streamed_append_fails_the_connection() {
    let mut d = logged_in(Timeouts::default(), "IMAP4rev1 LITERAL+");
    let id = d
        .submit(Command::append_stream(None, None, None, 10).unwrap(), t0())
        .unwrap();
    written(&mut d, t0());
    assert!(matches!(d.poll_result(id, t0()), Step::ReadMessage { .. }));
    let noop = d.submit(Command::noop(), t0());
    // The NOOP is queued behind the APPEND; waiting for it abandons the APPEND.
    let e = done(d.poll_result(noop.unwrap(), t0())).unwrap_err();
    assert!(
        e.is_abort() && e.message().contains("interrupted mid-message"),
        "{e}"
    );
}

#[test]
fn starttls_upgrades_after_everything_is_written_and_resumes_when_abandoned() {
    let mut d = greeted(Timeouts::default());
    let id = d.submit(Command::starttls(), t0()).unwrap();
    written(&mut d, t0());
    d.feed(b"BCDE0 OK Begin TLS\r\n", t0());
    assert!(matches!(d.poll_result(id, t0()), Step::StartTls));
    // The caller gives up here; the next command first completes the upgrade.
    assert!(d.is_upgrading());
    assert!(d.submit(Command::noop(), t0()).is_err());
    assert!(matches!(d.poll_ready(t0()), Step::StartTls));
    d.tls_established(t0()).unwrap();
    done(d.poll_ready(t0())).unwrap();
    assert!(d.connection().is_secure());
    let noop = d.submit(Command::noop(), t0()).unwrap();
    assert_eq!(written(&mut d, t0()), "BCDE1 CAPABILITY\r\nBCDE2 NOOP\r\n");
    d.feed(
        b"* CAPABILITY IMAP4rev1\r\nBCDE1 OK\r\nBCDE2 OK noop\r\n",
        t0(),
    );
    assert_eq!(
        done(d.poll_result(noop, t0())).unwrap().python_repr(),
        "('OK', [b'noop'])"
    );
    assert!(
        d.results.is_empty(),
        "the abandoned STARTTLS result is dropped"
    );
}

/// A sink that fails on its second piece.
struct Failing(u32);

impl LiteralSink for Failing {
    fn data(&mut self, _: &[u8]) -> io::Result<()> {
        self.0 += 1;
        match self.0 {
            2 => Err(io::Error::other("disk full")),
            _ => Ok(()),
        }
    }
}

#[test]
fn a_failing_sink_becomes_the_result_and_the_stream_stays_in_step() {
    let mut d = logged_in(Timeouts::default(), "IMAP4rev1");
    let sel = d
        .submit(Command::select("INBOX", true).unwrap(), t0())
        .unwrap();
    written(&mut d, t0());
    d.feed(b"* 2 EXISTS\r\nBCDE1 OK [READ-ONLY] ok\r\n", t0());
    let _ = done(d.poll_result(sel, t0())).unwrap();
    let cmd = Command::fetch("1:2", "(BODY[])").unwrap().stream_literals();
    let id = d.submit(cmd, t0()).unwrap();
    written(&mut d, t0());
    let mut failing = Failing(0);
    let mut slot = SinkSlot::new(&mut failing);
    for chunk in [
        &b"* 1 FETCH (BODY[] {4}\r\nab"[..],
        b"cd)\r\n* 2 FETCH (BODY[] {4}\r\nefgh)\r\n",
        b"BCDE2 OK done\r\n",
    ] {
        slot.feed(&mut d, chunk, t0());
    }
    let result = done(d.poll_result(id, t0()));
    let e = slot.finish(result).unwrap_err();
    assert_eq!(e.message(), "the literal sink failed: disk full");
    assert_eq!(failing.0, 2, "nothing reaches the sink after its error");
    // In step: the next command gets its own answer.
    let noop = d.submit(Command::noop(), t0()).unwrap();
    written(&mut d, t0());
    d.feed(b"BCDE3 OK noop\r\n", t0());
    assert_eq!(
        done(d.poll_result(noop, t0())).unwrap().python_repr(),
        "('OK', [b'noop'])"
    );
}

#[test]
fn a_write_that_never_progresses_times_out_even_with_nothing_in_flight() {
    let mut d = greeted(Timeouts::default());
    d.send_raw(b"x");
    assert!(matches!(d.poll_flush(t0()), Step::Write { deadline } if deadline == Some(at(60))));
    // The peer never reads: at the deadline the flush ends and the connection failed.
    done(d.poll_flush(at(60)));
    let e = d.connection().fatal_error().expect("timed out");
    assert_eq!(
        e.message(),
        "timed out: could not write to the server for 60s"
    );
}

/// A raw read with a command still to write: once the silence deadline has passed, the read
/// ends with the timeout instead of asking again for a write bounded by that past deadline
/// (which a caller would wait on at once, again and again). Found by the `driver` fuzz target.
#[test]
fn a_raw_read_behind_an_unwritten_command_times_out_at_the_deadline() {
    let mut d = greeted(Timeouts::default());
    let want = RawRead::Line { max: 100 };
    assert!(
        matches!(d.poll_read_raw(want, t0()), Step::Read { deadline } if deadline == Some(at(60)))
    );
    let _ = d.submit(Command::noop(), at(1)).unwrap();
    assert!(
        matches!(d.poll_read_raw(want, at(2)), Step::Write { deadline } if deadline == Some(at(61)))
    );
    // The peer reads nothing: past the deadline the read fails, and the connection with it.
    let e = done(d.poll_read_raw(want, at(62))).unwrap_err();
    assert_eq!(
        e.message(),
        "timed out: could not write to the server for 60s"
    );
    assert!(d.connection().fatal_error().is_some());
}

/// MULTIAPPEND: each message waits for its own `+`, flags and date before each; the
/// APPENDUID set covers them all; without the capability nothing is sent.
#[test]
fn multiappend_sends_each_message_after_its_continuation() {
    use crate::build::{AppendMessage, Flag};
    let date = chrono::DateTime::parse_from_rfc3339("2024-02-01T10:00:00+01:00").unwrap();
    let messages = [
        AppendMessage::new(b"a\nb").flags([Flag::Seen, Flag::Draft]),
        AppendMessage::new(b"cd\r\n").date(date),
    ];
    let mut d = logged_in(Timeouts::default(), "IMAP4rev1");
    let e = d
        .submit(Command::append_many("Box", &messages).unwrap(), t0())
        .unwrap_err();
    assert!(
        matches!(e.reason(), crate::Reason::Unsupported { capability } if capability == "MULTIAPPEND"),
        "{e:?}"
    );
    assert_eq!(written(&mut d, t0()), "");
    // One message needs no MULTIAPPEND.
    let one = d
        .submit(Command::append_many("Box", &messages[1..]).unwrap(), t0())
        .unwrap();
    assert_eq!(
        written(&mut d, t0()),
        "BCDE1 APPEND Box \"01-Feb-2024 10:00:00 +0100\" {4}\r\n"
    );
    d.feed(b"+ go\r\n", t0());
    assert_eq!(written(&mut d, t0()), "cd\r\n\r\n");
    d.feed(b"BCDE1 OK [APPENDUID 7 3] done\r\n", t0());
    let r = crate::typed::append(done(d.poll_result(one, t0())).unwrap()).unwrap();
    assert_eq!(r.unwrap().uid(), Some(3));

    let mut d = logged_in(Timeouts::default(), "IMAP4rev1 MULTIAPPEND");
    let id = d
        .submit(Command::append_many("Box", &messages).unwrap(), t0())
        .unwrap();
    assert_eq!(
        written(&mut d, t0()),
        "BCDE1 APPEND Box (\\Seen \\Draft) {4}\r\n"
    );
    d.feed(b"+ go\r\n", t0());
    assert_eq!(
        written(&mut d, t0()),
        "a\r\nb \"01-Feb-2024 10:00:00 +0100\" {4}\r\n"
    );
    d.feed(b"+ go\r\n", t0());
    assert_eq!(written(&mut d, t0()), "cd\r\n\r\n");
    d.feed(b"BCDE1 OK [APPENDUID 7 4:5] done\r\n", t0());
    let r = crate::typed::append(done(d.poll_result(id, t0())).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!((r.uid_validity, r.uids.to_string()), (7, "4:5".to_string()));
    assert_eq!(r.uid(), None);
}

/// CREATE-SPECIAL-USE: `CREATE name (USE (\Sent))`, only with the capability; extended LIST
/// with its STATUS responses attached to the entries.
#[test]
fn create_special_use_and_list_status() {
    use crate::build::{ListOptions, StatusItem};
    use crate::typed::SpecialUse;
    let mut d = logged_in(Timeouts::default(), "IMAP4rev1 LIST-EXTENDED");
    let cmd = Command::create_special_use("Sent Items", &[SpecialUse::Sent]).unwrap();
    assert!(d.submit(cmd, t0()).is_err());
    let opts = ListOptions::new().return_status([StatusItem::Messages]);
    assert!(d
        .submit(Command::list_extended("", ["*"], &opts).unwrap(), t0())
        .is_err());
    assert_eq!(written(&mut d, t0()), "");

    let mut d = logged_in(
        Timeouts::default(),
        "IMAP4rev1 LIST-EXTENDED LIST-STATUS CREATE-SPECIAL-USE",
    );
    let cmd = Command::create_special_use("Sent Items", &[SpecialUse::Sent, SpecialUse::Archive])
        .unwrap();
    let id = d.submit(cmd, t0()).unwrap();
    assert_eq!(
        written(&mut d, t0()),
        "BCDE1 CREATE \"Sent Items\" (USE (\\Sent \\Archive))\r\n"
    );
    d.feed(b"BCDE1 OK done\r\n", t0());
    assert_eq!(done(d.poll_result(id, t0())).unwrap().typ, "OK");

    let opts = opts.select_subscribed().return_children();
    let id = d
        .submit(
            Command::list_extended("", ["a", "b*"], &opts).unwrap(),
            t0(),
        )
        .unwrap();
    assert_eq!(
        written(&mut d, t0()),
        "BCDE2 LIST (SUBSCRIBED) \"\" (a b*) RETURN (CHILDREN STATUS (MESSAGES))\r\n"
    );
    d.feed(
        b"* LIST (\\Subscribed \\HasNoChildren) \"/\" a\r\n* STATUS a (MESSAGES 4)\r\n\
          * LIST (\\Subscribed \\NonExistent) \"/\" bee\r\n\
          * LIST (\\Subscribed) \"/\" \"b c\"\r\n* STATUS \"b c\" (MESSAGES 0)\r\n\
          BCDE2 OK done\r\n",
        t0(),
    );
    let reply = done(d.poll_result(id, t0())).unwrap();
    let entries = crate::typed::list_extended(reply, d.connection_mut()).unwrap();
    let got: Vec<_> = entries
        .iter()
        .map(|e| (e.name.as_str(), e.status.as_ref().and_then(|s| s.messages)))
        .collect();
    assert_eq!(got, [("a", Some(4)), ("bee", None), ("b c", Some(0))]);
    assert!(entries.iter().all(|e| e.is_subscribed()));
}
