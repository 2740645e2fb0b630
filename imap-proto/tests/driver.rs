//! The client driver against hostile servers on simulated time: server bytes are fed
//! straight into [`Driver`], every `now` is a fabricated `t0 + duration`, and what the
//! driver asks to write is checked byte for byte. Deadlines are checked at their exact
//! instant and one nanosecond before.

use std::fmt::Debug;
use std::time::{Duration, Instant};

use imaplib_proto::driver::{Driver, Step, Timeouts};
use imaplib_proto::{Cause, Command, CommandId, Error, ErrorKind, Item, Limits, Options, Reply};

const NS: Duration = Duration::from_nanos(1);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn timeouts(
    silence: Option<u64>,
    command: Option<u64>,
    idle_silence: Option<u64>,
    idle_keepalive: Option<u64>,
) -> Timeouts {
    Timeouts {
        silence: silence.map(secs),
        command: command.map(secs),
        idle_silence: idle_silence.map(secs),
        idle_keepalive: idle_keepalive.map(secs),
    }
}

/// Writes everything the driver has to write, at `now`, and returns it.
fn take(d: &mut Driver, now: Instant) -> String {
    let out = String::from_utf8_lossy(d.output()).into_owned();
    d.wrote(d.output().len(), now);
    out
}

/// The step must be a read; its deadline.
#[track_caller]
fn read<T: Debug>(step: Step<T>) -> Option<Instant> {
    match step {
        Step::Read { deadline } => deadline,
        other => panic!("expected Read, got {other:?}"),
    }
}

/// The step must be a write; its deadline.
#[track_caller]
fn write<T: Debug>(step: Step<T>) -> Option<Instant> {
    match step {
        Step::Write { deadline } => deadline,
        other => panic!("expected Write, got {other:?}"),
    }
}

#[track_caller]
fn done<T: Debug>(step: Step<T>) -> T {
    match step {
        Step::Done(v) => v,
        other => panic!("expected Done, got {other:?}"),
    }
}

#[track_caller]
fn failed(step: Step<imaplib_proto::Result<Reply>>) -> Error {
    match done(step) {
        Err(e) => e,
        Ok(r) => panic!("expected an error, got {}", r.python_repr()),
    }
}

/// A driver past the greeting and LOGIN at `t0` (tags `BCDE0` used; the next is `BCDE1`).
fn authed(t0: Instant, timeouts: Timeouts) -> Driver {
    authed_with(Options::new(0x1234), t0, timeouts)
}

fn authed_with(options: Options, t0: Instant, timeouts: Timeouts) -> Driver {
    let mut d = Driver::new(options, timeouts);
    d.feed(b"* OK [CAPABILITY IMAP4rev1 IDLE] hi\r\n", t0);
    done(d.poll_connect(t0)).unwrap();
    let id = d.submit(Command::login("a", "b").unwrap(), t0).unwrap();
    write(d.poll_result(id, t0));
    assert_eq!(take(&mut d, t0), "BCDE0 LOGIN a \"b\"\r\n");
    d.feed(b"BCDE0 OK [CAPABILITY IMAP4rev1 IDLE] ok\r\n", t0);
    let _ = done(d.poll_result(id, t0)).unwrap();
    d
}

/// Submits `cmd` at `now` and writes it; checks the bytes.
fn send(d: &mut Driver, cmd: Command, now: Instant, wire: &str) -> CommandId {
    let id = d.submit(cmd, now).unwrap();
    write(d.poll_result(id, now));
    assert_eq!(take(d, now), wire);
    id
}

/// After a fatal error: nothing to write, no deadline, and a new command fails at once
/// with the same kind of error, without a byte.
#[track_caller]
fn dead(d: &mut Driver, now: Instant, kind: ErrorKind, cause: Cause) {
    assert!(d.output().is_empty());
    assert_eq!(d.poll_timeout(), None);
    let e = match d.submit(Command::noop(), now) {
        Err(e) => e,
        Ok(id) => failed(d.poll_result(id, now)),
    };
    assert_eq!((e.kind(), e.cause()), (kind, cause), "{e:?}");
    assert!(d.output().is_empty(), "{:?}", d.output());
}

// ----- silence -------------------------------------------------------------------------

#[test]
fn a_silent_greeting_times_out_exactly_at_the_silence_timeout() {
    let t0 = Instant::now();
    let mut d = Driver::new(Options::new(0x1234), timeouts(Some(10), None, None, None));
    assert_eq!(read(d.poll_connect(t0)), Some(t0 + secs(10)));
    assert_eq!(
        read(d.poll_connect(t0 + secs(10) - NS)),
        Some(t0 + secs(10))
    );
    // Half a greeting restarts the clock.
    d.feed(b"* OK [CAPAB", t0 + secs(4));
    assert_eq!(read(d.poll_connect(t0 + secs(4))), Some(t0 + secs(14)));
    assert_eq!(
        read(d.poll_connect(t0 + secs(14) - NS)),
        Some(t0 + secs(14))
    );
    let e = done(d.poll_connect(t0 + secs(14))).unwrap_err();
    assert!(e.is_abort() && e.is_timeout(), "{e:?}");
    assert_eq!(e.cause(), Cause::Timeout);
    assert_eq!(e.message(), "timed out: no data from the server for 10s");
}

#[test]
fn a_silent_server_times_out_exactly_at_the_silence_timeout() {
    let t0 = Instant::now();
    let mut d = authed(t0, timeouts(Some(10), None, None, None));
    // Nothing waits for the server: no deadline.
    assert_eq!(d.poll_timeout(), None);
    // A command submitted at t0 but first driven at t1 gets the whole silence from t1.
    let t1 = t0 + secs(100);
    let a = d.submit(Command::noop(), t0).unwrap();
    let b = d.submit(Command::check(), t0);
    assert!(b.is_err(), "CHECK is illegal in AUTH: {b:?}");
    let b = d.submit(Command::noop(), t0).unwrap();
    assert_eq!(write(d.poll_result(a, t1)), Some(t1 + secs(10)));
    assert_eq!(take(&mut d, t1), "BCDE1 NOOP\r\nBCDE2 NOOP\r\n");
    assert_eq!(read(d.poll_result(a, t1)), Some(t1 + secs(10)));
    assert_eq!(d.poll_timeout(), Some(t1 + secs(10)));
    // Not a nanosecond early, whether polled or asked to handle the time.
    d.handle_timeout(t1 + secs(10) - NS);
    assert!(d.connection().fatal_error().is_none());
    assert_eq!(
        read(d.poll_result(a, t1 + secs(10) - NS)),
        Some(t1 + secs(10))
    );
    // Every byte restarts the clock, a partial line too.
    d.feed(b"* OK par", t1 + secs(6));
    assert_eq!(read(d.poll_result(a, t1 + secs(6))), Some(t1 + secs(16)));
    assert_eq!(
        read(d.poll_result(a, t1 + secs(16) - NS)),
        Some(t1 + secs(16))
    );
    let e = failed(d.poll_result(a, t1 + secs(16)));
    assert!(e.is_abort() && e.is_timeout(), "{e:?}");
    assert_eq!(
        e.message(),
        "command: NOOP => timed out: no data from the server for 10s"
    );
    // The pipelined command fails with it, and the connection is dead.
    let e = failed(d.poll_result(b, t1 + secs(16)));
    assert!(e.is_timeout(), "{e:?}");
    dead(&mut d, t1 + secs(16), ErrorKind::Abort, Cause::Timeout);
}

#[test]
fn a_server_that_does_not_read_times_out_on_the_write() {
    let t0 = Instant::now();
    let mut d = authed(t0, timeouts(Some(10), None, None, None));
    let id = d.submit(Command::noop(), t0).unwrap();
    assert_eq!(write(d.poll_result(id, t0)), Some(t0 + secs(10)));
    // Two bytes go out at t0 + 3 s, then nothing.
    d.wrote(2, t0 + secs(3));
    assert_eq!(d.output(), b"DE1 NOOP\r\n");
    assert_eq!(
        write(d.poll_result(id, t0 + secs(13) - NS)),
        Some(t0 + secs(13))
    );
    let e = failed(d.poll_result(id, t0 + secs(13)));
    assert!(e.is_timeout(), "{e:?}");
    assert!(
        e.message()
            .ends_with("could not write to the server for 10s"),
        "{e}"
    );
}

#[test]
fn trickled_untagged_data_cannot_extend_the_command_deadline() {
    let t0 = Instant::now();
    let mut d = authed(t0, timeouts(Some(10), Some(30), None, None));
    let id = send(&mut d, Command::noop(), t0, "BCDE1 NOOP\r\n");
    assert_eq!(read(d.poll_result(id, t0)), Some(t0 + secs(10)));
    // `* OK` every second: the silence deadline moves, the command deadline does not.
    for k in 1..30 {
        let t = t0 + secs(k);
        d.feed(b"* OK still here\r\n", t);
        let want = (t + secs(10)).min(t0 + secs(30));
        assert_eq!(read(d.poll_result(id, t)), Some(want), "at {k} s");
        assert_eq!(d.poll_timeout(), Some(want));
    }
    let last = t0 + secs(30) - NS;
    d.feed(b"* OK still here\r\n", last);
    assert_eq!(read(d.poll_result(id, last)), Some(t0 + secs(30)));
    let e = failed(d.poll_result(id, t0 + secs(30)));
    assert!(e.is_abort() && e.is_timeout(), "{e:?}");
    assert_eq!(
        e.message(),
        "command: NOOP => timed out: NOOP did not complete within 30s"
    );
    dead(&mut d, t0 + secs(30), ErrorKind::Abort, Cause::Timeout);
}

#[test]
fn trickled_untagged_data_keeps_a_command_without_deadline_alive() {
    let t0 = Instant::now();
    let mut d = authed(t0, timeouts(Some(10), None, None, None));
    let id = send(&mut d, Command::noop(), t0, "BCDE1 NOOP\r\n");
    // Ten minutes of `* OK` every 9 s: the silence timeout never fires.
    let mut t = t0;
    for _ in 0..(600 / 9) {
        t += secs(9);
        d.feed(b"* OK still here\r\n", t);
        assert_eq!(read(d.poll_result(id, t)), Some(t + secs(10)));
    }
    d.feed(b"BCDE1 OK done\r\n", t + secs(9));
    let r = done(d.poll_result(id, t + secs(9))).unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'done'])");
    assert_eq!(d.poll_timeout(), None);
}

// ----- hostile framing and tags ----------------------------------------------------------

#[test]
fn an_unknown_tag_aborts() {
    let t0 = Instant::now();
    for answer in [
        &b"BCDE9 OK what?\r\n"[..],
        b"BCDE01 OK leading zero\r\n",
        b"XYZW1 OK not ours\r\n",
        b"BCDE0 OK already completed\r\n",
    ] {
        let mut d = authed(t0, Timeouts::default());
        let id = send(&mut d, Command::noop(), t0, "BCDE1 NOOP\r\n");
        d.feed(answer, t0);
        let e = failed(d.poll_result(id, t0));
        assert_eq!(
            (e.kind(), e.cause()),
            (ErrorKind::Abort, Cause::Protocol),
            "{e:?}"
        );
        // The offending line (its tag rebuilt from the number where there is one).
        let rest = &answer[answer.iter().position(|&b| b == b' ').unwrap()..answer.len() - 2];
        assert!(e.bytes().is_some_and(|b| b.ends_with(rest)), "{e:?}");
        dead(&mut d, t0, ErrorKind::Abort, Cause::Protocol);
    }
}

#[test]
fn a_bare_lf_aborts() {
    let t0 = Instant::now();
    let mut d = authed(t0, Timeouts::default());
    let id = send(&mut d, Command::noop(), t0, "BCDE1 NOOP\r\n");
    d.feed(b"* 1 EXISTS\nBCDE1 OK done\r\n", t0);
    let e = failed(d.poll_result(id, t0));
    assert_eq!((e.kind(), e.cause()), (ErrorKind::Abort, Cause::Protocol));
    assert!(e.message().contains("LF without CR"), "{e}");
    assert_eq!(e.bytes(), Some(&b"* 1 EXISTS\n"[..]));
    dead(&mut d, t0, ErrorKind::Abort, Cause::Protocol);
}

#[test]
fn an_over_long_line_aborts_one_byte_past_the_limit() {
    let t0 = Instant::now();
    let mut options = Options::new(0x1234);
    options.limits = Limits {
        max_line: 64,
        ..Limits::default()
    };
    let mut d = authed_with(options, t0, Timeouts::default());
    let id = send(&mut d, Command::noop(), t0, "BCDE1 NOOP\r\n");
    // 64 bytes without LF, fed in pieces: still within the limit.
    let line = format!("* OK {}", "x".repeat(59));
    assert_eq!(line.len(), 64);
    for piece in line.as_bytes().chunks(7) {
        d.feed(piece, t0);
        read(d.poll_result(id, t0));
    }
    d.feed(b"x", t0);
    let e = failed(d.poll_result(id, t0));
    assert_eq!((e.kind(), e.cause()), (ErrorKind::Abort, Cause::Limit));
    assert_eq!(e.message(), "command: NOOP => got more than 64 bytes");
    dead(&mut d, t0, ErrorKind::Abort, Cause::Limit);
}

#[test]
fn a_literal_over_the_limit_aborts_at_its_header() {
    let t0 = Instant::now();
    let mut options = Options::new(0x1234);
    options.limits = Limits {
        max_literal: 1000,
        ..Limits::default()
    };
    let select = "* 1 EXISTS\r\nBCDE1 OK [READ-WRITE] done\r\n";
    // At the limit: accepted, byte-exact.
    let mut d = authed_with(options.clone(), t0, Timeouts::default());
    let id = send(
        &mut d,
        Command::select("INBOX", false).unwrap(),
        t0,
        "BCDE1 SELECT INBOX\r\n",
    );
    d.feed(select.as_bytes(), t0);
    let _ = done(d.poll_result(id, t0)).unwrap();
    let id = send(
        &mut d,
        Command::fetch("1", "(BODY[])").unwrap(),
        t0,
        "BCDE2 FETCH 1 (BODY[])\r\n",
    );
    let body = vec![b'y'; 1000];
    d.feed(b"* 1 FETCH (BODY[] {1000}\r\n", t0);
    d.feed(&body, t0);
    d.feed(b")\r\nBCDE2 OK done\r\n", t0);
    let r = done(d.poll_result(id, t0)).unwrap();
    assert_eq!(
        r.data[0].as_literal(),
        Some((&b"1 (BODY[] {1000}"[..], &body[..]))
    );
    // One byte more: refused at the header, before any of its bytes.
    let mut d = authed_with(options, t0, Timeouts::default());
    let id = send(
        &mut d,
        Command::select("INBOX", false).unwrap(),
        t0,
        "BCDE1 SELECT INBOX\r\n",
    );
    d.feed(select.as_bytes(), t0);
    let _ = done(d.poll_result(id, t0)).unwrap();
    let id = send(
        &mut d,
        Command::fetch("1", "(BODY[])").unwrap(),
        t0,
        "BCDE2 FETCH 1 (BODY[])\r\n",
    );
    d.feed(b"* 1 FETCH (BODY[] {1001}\r\n", t0);
    let e = failed(d.poll_result(id, t0));
    assert_eq!((e.kind(), e.cause()), (ErrorKind::Abort, Cause::Limit));
    assert!(
        e.message()
            .contains("literal of 1001 bytes exceeds the limit"),
        "{e}"
    );
    dead(&mut d, t0, ErrorKind::Abort, Cause::Limit);
}

// ----- STARTTLS and BYE ------------------------------------------------------------------

const STARTTLS_GREETING: &[u8] = b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n";

fn starttls_sent(t0: Instant) -> (Driver, CommandId) {
    let mut d = Driver::new(Options::new(0x1234), Timeouts::default());
    d.feed(STARTTLS_GREETING, t0);
    done(d.poll_connect(t0)).unwrap();
    let id = send(&mut d, Command::starttls(), t0, "BCDE0 STARTTLS\r\n");
    (d, id)
}

#[test]
fn starttls_ok_with_injected_bytes_in_the_same_feed_aborts_before_any_handshake() {
    let t0 = Instant::now();
    let injected = "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n* OK [ALERT] injected\r\n";
    let (mut d, id) = starttls_sent(t0);
    d.feed(
        format!("BCDE0 OK Begin TLS now\r\n{injected}").as_bytes(),
        t0,
    );
    // Not StartTls: the error, at once.
    let e = failed(d.poll_result(id, t0));
    assert_eq!((e.kind(), e.cause()), (ErrorKind::Abort, Cause::Protocol));
    assert!(e.message().contains("injection"), "{e}");
    assert_eq!(e.bytes(), Some(injected.as_bytes()));
    assert!(!d.is_upgrading());
    assert!(!d.connection().has_capability("AUTH=PLAIN"));
    assert!(!d.connection().is_secure());
    dead(&mut d, t0, ErrorKind::Abort, Cause::Protocol);

    // The clean upgrade, for contrast: StartTls until the transport says it is done, then
    // the capabilities are asked again.
    let (mut d, id) = starttls_sent(t0);
    d.feed(b"BCDE0 OK Begin TLS now\r\n", t0);
    assert!(matches!(d.poll_result(id, t0), Step::StartTls));
    assert!(d.is_upgrading());
    assert!(matches!(d.poll_result(id, t0), Step::StartTls));
    d.tls_established(t0).unwrap();
    assert!(d.connection().is_secure());
    write(d.poll_result(id, t0));
    assert_eq!(take(&mut d, t0), "BCDE1 CAPABILITY\r\n");
    d.feed(
        b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nBCDE1 OK done\r\n",
        t0,
    );
    let r = done(d.poll_result(id, t0)).unwrap();
    assert_eq!(r.typ, "OK");
    assert!(d.connection().has_capability("AUTH=PLAIN"));
}

#[test]
fn bye_in_the_middle_of_a_command_aborts_it() {
    let t0 = Instant::now();
    let mut d = authed(t0, Timeouts::default());
    let id = send(
        &mut d,
        Command::select("INBOX", false).unwrap(),
        t0,
        "BCDE1 SELECT INBOX\r\n",
    );
    d.feed(b"* 1 EXISTS\r\n* BYE shutting down\r\n", t0);
    let e = failed(d.poll_result(id, t0));
    assert_eq!((e.kind(), e.cause()), (ErrorKind::Abort, Cause::Bye));
    assert_eq!(e.message(), "command: SELECT => shutting down");
    dead(&mut d, t0, ErrorKind::Abort, Cause::Bye);

    // For LOGOUT, BYE is the answer.
    let mut d = authed(t0, Timeouts::default());
    let id = send(&mut d, Command::logout(), t0, "BCDE1 LOGOUT\r\n");
    d.feed(b"* BYE see you\r\n", t0);
    let r = done(d.poll_result(id, t0)).unwrap();
    assert_eq!(r.python_repr(), "('BYE', [b'see you'])");
}

// ----- IDLE ------------------------------------------------------------------------------

/// Starts IDLE at `t0`; the server's `+` arrives at `at`.
fn idling(d: &mut Driver, t0: Instant, at: Instant, tag: &str) -> CommandId {
    let id = d.idle_start(t0).unwrap();
    write(d.poll_idle_start(t0));
    assert_eq!(take(d, t0), format!("{tag} IDLE\r\n"));
    read(d.poll_idle_start(t0));
    d.feed(b"+ idling\r\n", at);
    done(d.poll_idle_start(at)).unwrap();
    id
}

#[test]
fn a_silent_idle_times_out_at_idle_silence() {
    let t0 = Instant::now();
    let mut d = authed(t0, timeouts(Some(10), None, Some(60), None));
    // Waiting for `+` is a wait on the server: the silence timeout applies.
    d.idle_start(t0).unwrap();
    write(d.poll_idle_start(t0));
    assert_eq!(take(&mut d, t0), "BCDE1 IDLE\r\n");
    assert_eq!(read(d.poll_idle_start(t0)), Some(t0 + secs(10)));
    let t1 = t0 + secs(2);
    d.feed(b"+ idling\r\n", t1);
    done(d.poll_idle_start(t1)).unwrap();
    // While idling, only idle_silence: the 10 s silence timeout does not apply.
    assert_eq!(read(d.poll_idle_event(None, t1)), Some(t1 + secs(60)));
    assert_eq!(
        read(d.poll_idle_event(None, t1 + secs(45))),
        Some(t1 + secs(60))
    );
    // A keepalive from the server restarts it.
    let t2 = t1 + secs(50);
    d.feed(b"* OK Still here\r\n", t2);
    let r = done(d.poll_idle_event(None, t2)).unwrap().unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'Still here'])");
    assert_eq!(read(d.poll_idle_event(None, t2)), Some(t2 + secs(60)));
    assert_eq!(
        read(d.poll_idle_event(None, t2 + secs(60) - NS)),
        Some(t2 + secs(60))
    );
    assert!(d.output().is_empty());
    let e = done(d.poll_idle_event(None, t2 + secs(60)))
        .unwrap()
        .unwrap_err();
    assert!(e.is_abort() && e.is_timeout(), "{e:?}");
    assert!(
        e.message()
            .ends_with("no data from the server during IDLE for 60s"),
        "{e}"
    );
    // Reported once; then the iteration is over.
    assert!(done(d.poll_idle_event(None, t2 + secs(60))).is_none());
    dead(&mut d, t2 + secs(60), ErrorKind::Abort, Cause::Timeout);
}

#[test]
fn idle_is_reissued_at_exactly_the_keepalive_period() {
    let t0 = Instant::now();
    let keepalive = 25 * 60;
    let mut d = authed(t0, timeouts(Some(10), None, None, Some(keepalive)));
    let t1 = t0 + secs(1);
    idling(&mut d, t0, t1, "BCDE1");
    let renew = t1 + secs(keepalive);
    assert_eq!(read(d.poll_idle_event(None, t1)), Some(renew));
    assert_eq!(d.poll_timeout(), Some(renew));
    // The silence timeout does not apply while idling: an hour-long wait is still pending
    // at one nanosecond before the keepalive.
    assert_eq!(read(d.poll_idle_event(None, renew - NS)), Some(renew));
    assert!(d.output().is_empty());
    // At the keepalive: DONE.
    write(d.poll_idle_event(None, renew));
    assert_eq!(take(&mut d, renew), "DONE\r\n");
    // The answer to DONE is awaited under the silence timeout.
    assert_eq!(read(d.poll_idle_event(None, renew)), Some(renew + secs(10)));
    // Updates during the renewal come out of the iteration.
    d.feed(b"* 2 EXISTS\r\n", renew + secs(1));
    let r = done(d.poll_idle_event(None, renew + secs(1)))
        .unwrap()
        .unwrap();
    assert_eq!(r.python_repr(), "('EXISTS', [b'2'])");
    // The tagged OK: IDLE goes again at once, with a new tag.
    d.feed(b"BCDE1 OK IDLE terminated\r\n", renew + secs(2));
    write(d.poll_idle_event(None, renew + secs(2)));
    assert_eq!(take(&mut d, renew + secs(2)), "BCDE2 IDLE\r\n");
    // An update before the new `+` still reaches the iteration.
    d.feed(b"* 3 EXISTS\r\n", renew + secs(3));
    let r = done(d.poll_idle_event(None, renew + secs(3)))
        .unwrap()
        .unwrap();
    assert_eq!(r.python_repr(), "('EXISTS', [b'3'])");
    assert_eq!(
        read(d.poll_idle_event(None, renew + secs(3))),
        Some(renew + secs(13))
    );
    let t2 = renew + secs(4);
    d.feed(b"+ idling again\r\n", t2);
    // The next keepalive counts from the new `+`.
    assert_eq!(
        read(d.poll_idle_event(None, t2)),
        Some(t2 + secs(keepalive))
    );
    // An iteration bounded by `until` ends there, without error.
    assert!(done(d.poll_idle_event(Some(t2 + secs(5)), t2 + secs(5))).is_none());
    // Leaving: DONE for the IDLE in progress; its own tagged answer completes it.
    let id = d.idle_done(t2 + secs(6)).unwrap();
    write(d.poll_result(id, t2 + secs(6)));
    assert_eq!(take(&mut d, t2 + secs(6)), "DONE\r\n");
    d.feed(b"BCDE2 OK IDLE terminated\r\n", t2 + secs(7));
    let r = done(d.poll_result(id, t2 + secs(7))).unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'IDLE terminated'])");
    // Nothing was lost to the store, nothing else is due.
    assert_eq!(
        d.connection().untagged_responses().count(),
        1,
        "only CAPABILITY"
    );
    assert_eq!(d.poll_timeout(), None);
    let id = send(&mut d, Command::noop(), t2 + secs(8), "BCDE3 NOOP\r\n");
    d.feed(b"BCDE3 OK done\r\n", t2 + secs(8));
    let _ = done(d.poll_result(id, t2 + secs(8))).unwrap();
}

#[test]
fn an_unanswered_keepalive_done_times_out_at_the_silence_timeout() {
    let t0 = Instant::now();
    let mut d = authed(t0, timeouts(Some(10), None, None, Some(600)));
    idling(&mut d, t0, t0, "BCDE1");
    let renew = t0 + secs(600);
    write(d.poll_idle_event(None, renew));
    assert_eq!(take(&mut d, renew), "DONE\r\n");
    assert_eq!(
        read(d.poll_idle_event(None, renew + secs(10) - NS)),
        Some(renew + secs(10))
    );
    let e = done(d.poll_idle_event(None, renew + secs(10)))
        .unwrap()
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(done(d.poll_idle_event(None, renew + secs(10))).is_none());
    dead(&mut d, renew + secs(10), ErrorKind::Abort, Cause::Timeout);
}

#[test]
fn an_idle_abandoned_before_its_continuation_gets_done_only_after_it() {
    let t0 = Instant::now();
    // (a) the caller polls another task (an async `idle()` future dropped, then `noop()`).
    // (b) the caller abandons the IDLE explicitly (an async Idler dropped).
    for explicit in [false, true] {
        let mut d = authed(t0, Timeouts::default());
        let idle = d.idle_start(t0).unwrap();
        write(d.poll_idle_start(t0));
        assert_eq!(take(&mut d, t0), "BCDE1 IDLE\r\n");
        read(d.poll_idle_start(t0));
        if explicit {
            d.idle_abandon(t0);
        }
        let noop = d.submit(Command::noop(), t0).unwrap();
        // No DONE before the `+`, and the NOOP waits for the IDLE to end.
        read(d.poll_result(noop, t0));
        assert!(d.output().is_empty(), "{:?}", d.output());
        d.feed(b"+ idling\r\n", t0 + secs(1));
        write(d.poll_result(noop, t0 + secs(1)));
        assert_eq!(take(&mut d, t0 + secs(1)), "DONE\r\n");
        read(d.poll_result(noop, t0 + secs(1)));
        // The IDLE's answer is discarded; its update goes to the store; then the NOOP.
        d.feed(b"* 4 EXISTS\r\nBCDE1 OK IDLE terminated\r\n", t0 + secs(2));
        write(d.poll_result(noop, t0 + secs(2)));
        assert_eq!(take(&mut d, t0 + secs(2)), "BCDE2 NOOP\r\n");
        d.feed(b"BCDE2 OK NOOP done\r\n", t0 + secs(3));
        let r = done(d.poll_result(noop, t0 + secs(3))).unwrap();
        assert_eq!(r.python_repr(), "('OK', [b'NOOP done'])");
        let e = failed(d.poll_result(idle, t0 + secs(3)));
        assert_eq!(e.cause(), Cause::State, "discarded: {e:?}");
        let exists: Vec<_> = d
            .connection()
            .untagged_responses()
            .filter(|(t, _)| *t == "EXISTS")
            .flat_map(|(_, items)| items.iter().filter_map(Item::as_line).map(<[u8]>::to_vec))
            .collect();
        assert_eq!(exists, [b"4".to_vec()], "explicit {explicit}");
        assert_eq!(d.poll_timeout(), None);
    }
}
