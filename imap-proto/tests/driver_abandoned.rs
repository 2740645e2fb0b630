//! The driver's policy for abandoned tasks, in memory: a caller gives up (an async future
//! dropped between two polls) and then starts the same kind of operation again at once.

use std::time::Instant;

use imaplib_proto::driver::{Driver, Step, Timeouts};
use imaplib_proto::Options;

/// A driver past a PREAUTH greeting that announced IDLE.
fn ready(now: Instant) -> Driver {
    let mut d = Driver::new(Options::new(0x1234), Timeouts::default());
    d.feed(b"* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n", now);
    assert!(matches!(d.poll_connect(now), Step::Write { .. }));
    assert_eq!(write_all(&mut d, now), "BCDE0 CAPABILITY\r\n");
    d.feed(b"* CAPABILITY IMAP4rev1 IDLE\r\nBCDE0 OK done\r\n", now);
    assert!(matches!(d.poll_connect(now), Step::Done(Ok(()))));
    d
}

/// Writes everything the driver has to write; returns it.
fn write_all(d: &mut Driver, now: Instant) -> String {
    let out = String::from_utf8_lossy(d.output()).into_owned();
    d.wrote(d.output().len(), now);
    out
}

#[test]
fn idle_again_after_an_idle_dropped_before_the_servers_continuation() {
    let now = Instant::now();
    let mut d = ready(now);
    d.idle_start(now).unwrap();
    assert!(matches!(d.poll_idle_start(now), Step::Write { .. }));
    assert_eq!(write_all(&mut d, now), "BCDE1 IDLE\r\n");
    assert!(matches!(d.poll_idle_start(now), Step::Read { .. }));
    // The caller gave up before `+`; a new IDLE is not refused as "in progress".
    d.idle_start(now)
        .expect("an abandoned IDLE is not in progress");
    assert!(matches!(d.poll_idle_start(now), Step::Read { .. }));
    assert_eq!(d.output(), b"", "the new IDLE waits behind the old one");
    // The old IDLE gets DONE at its `+`; the new one goes once the old one completed.
    d.feed(b"+ idling\r\n", now);
    assert!(matches!(d.poll_idle_start(now), Step::Write { .. }));
    assert_eq!(write_all(&mut d, now), "DONE\r\n");
    d.feed(b"BCDE1 OK Idle completed\r\n", now);
    assert!(matches!(d.poll_idle_start(now), Step::Write { .. }));
    assert_eq!(write_all(&mut d, now), "BCDE2 IDLE\r\n");
    d.feed(b"+ idling\r\n", now);
    assert!(matches!(d.poll_idle_start(now), Step::Done(Ok(()))));
}

#[test]
fn idle_again_after_a_dropped_done() {
    let now = Instant::now();
    let mut d = ready(now);
    d.idle_start(now).unwrap();
    assert!(matches!(d.poll_idle_start(now), Step::Write { .. }));
    assert_eq!(write_all(&mut d, now), "BCDE1 IDLE\r\n");
    d.feed(b"+ idling\r\n", now);
    assert!(matches!(d.poll_idle_start(now), Step::Done(Ok(()))));
    // done(): DONE written, the answer not awaited.
    let id = d.idle_done(now).unwrap();
    assert!(matches!(d.poll_result(id, now), Step::Write { .. }));
    assert_eq!(write_all(&mut d, now), "DONE\r\n");
    assert!(matches!(d.poll_result(id, now), Step::Read { .. }));
    d.idle_start(now)
        .expect("an IDLE whose done() was dropped is not in progress");
    assert!(matches!(d.poll_idle_start(now), Step::Read { .. }));
    assert_eq!(d.output(), b"");
    d.feed(b"BCDE1 OK Idle completed\r\n", now);
    assert!(matches!(d.poll_idle_start(now), Step::Write { .. }));
    assert_eq!(write_all(&mut d, now), "BCDE2 IDLE\r\n");
    d.feed(b"+ idling\r\n", now);
    assert!(matches!(d.poll_idle_start(now), Step::Done(Ok(()))));
}

#[test]
fn a_streaming_fetch_waits_for_an_abandoned_one() {
    use imaplib_proto::Command;
    let now = Instant::now();
    let mut d = ready(now);
    let id = d
        .submit(Command::select("INBOX", true).unwrap(), now)
        .unwrap();
    assert_eq!(write_all(&mut d, now), "BCDE1 EXAMINE INBOX\r\n");
    d.feed(b"* 2 EXISTS\r\nBCDE1 OK [READ-ONLY] done\r\n", now);
    assert!(matches!(d.poll_result(id, now), Step::Done(Ok(_))));

    let fetch = || Command::fetch("1", "(BODY[])").unwrap().stream_literals();
    let id = d.submit(fetch(), now).unwrap();
    assert!(matches!(d.poll_result(id, now), Step::Write { .. }));
    assert_eq!(write_all(&mut d, now), "BCDE2 FETCH 1 (BODY[])\r\n");
    d.feed(b"* 1 FETCH (BODY[] {10}\r\nhello", now);
    assert!(matches!(d.poll_result(id, now), Step::Read { .. }));
    // The caller gave up mid-literal. The connection streams one FETCH at a time: the
    // next one waits until this one is over, its literal going nowhere.
    assert!(d.is_streaming());
    assert!(d.submit(fetch(), now).is_err());
    assert!(matches!(d.poll_ready_to_stream(now), Step::Read { .. }));
    d.feed(b" you!)\r\n", now);
    assert!(matches!(d.poll_ready_to_stream(now), Step::Read { .. }));
    d.feed(b"BCDE2 OK done\r\n", now);
    assert!(matches!(d.poll_ready_to_stream(now), Step::Done(Ok(()))));
    assert!(!d.is_streaming());
    let id = d.submit(fetch(), now).unwrap();
    assert!(matches!(d.poll_result(id, now), Step::Write { .. }));
    assert_eq!(write_all(&mut d, now), "BCDE3 FETCH 1 (BODY[])\r\n");
}
