//! Regression tests for IDLE against Dovecot: an async IDLE abandoned before the server's
//! `+` (with a quiet and with a busy mailbox), and the bounds of a blocking IDLE (the IDLE
//! silence timeout, and the keepalive re-issue shortened to a second), with the keepalive
//! checked for the async client too.
//!
//! The client's bytes are recorded ([`Recorder`]) to see `DONE` and `IDLE` on the wire.
//! The async tests run under smol, async-std and tokio (`on_smol::…`, `on_async_std::…`,
//! `on_tokio::…`), over each runtime's own TCP.

use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use futures_lite::{future, StreamExt};
use imaplib_async::generic::Client;
use imaplib_async::{BoxStream, Runtime};
use imaplib_integration_tests::dovecot::{
    dovecot, UserAccount, IDLE_STILL_HERE as STILL_HERE, IDLE_STILL_HERE_LINE as STILL_HERE_LINE,
};
use imaplib_integration_tests::runtimes::{sleep, Exec};
use imaplib_integration_tests::wire::{Recorder, Stutter, Written};

imaplib_integration_tests::every_runtime!(
    async_idle_abandoned_before_continuation_then_noop_is_prompt,
    async_idle_abandoned_before_continuation_on_a_busy_mailbox,
    async_idle_keepalive_reissues_and_loses_nothing,
);

/// The IDLE duration asked for by the abandoned IDLEs: a NOOP that waited for it is caught.
const IDLE_FOR: Duration = Duration::from_secs(5);

/// How long the NOOP after an abandoned IDLE may take, at most.
const PROMPT: Duration = Duration::from_secs(1);

/// A failure becomes an error after this long instead of a hang.
const TIMEOUT: Duration = Duration::from_secs(20);

fn message(i: usize) -> Vec<u8> {
    format!("Subject: message {i}\r\n\r\nBody {i}.\r\n").into_bytes()
}

/// `line` is the complete `NAME` command of some tag.
fn is_command(line: &str, name: &str) -> bool {
    line.split_once(' ').is_some_and(|(_, rest)| rest == name)
}

// ----- async IDLE abandoned before `+` ---------------------------------------------------------

/// Polls `fut` once, and drops it unless it completed.
async fn poll_once<F: std::future::Future>(fut: F) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    future::poll_fn(|cx| match fut.as_mut().poll(cx) {
        std::task::Poll::Ready(v) => std::task::Poll::Ready(Some(v)),
        std::task::Poll::Pending => std::task::Poll::Ready(None),
    })
    .await
}

/// Another session of `user` toggles `\Flagged` on message 1 every half second until
/// `stop` (at most a minute): the selected mailbox sends untagged updates all along.
fn busy_mailbox(user: &UserAccount, stop: Arc<AtomicBool>) -> thread::JoinHandle<usize> {
    let user = user.clone();
    thread::spawn(move || {
        let d = dovecot();
        let mut m = imaplib_blocking::Client::connect(d.host(), d.plain_port()).unwrap();
        let _ = m.login(user.name.as_str(), user.password.as_str()).unwrap();
        let _ = m.select("INBOX", false).unwrap();
        let mut toggles = 0;
        for i in 0..120 {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let op = if i % 2 == 0 { "+FLAGS" } else { "-FLAGS" };
            let _ = m.store("1", op, "(\\Flagged)").unwrap();
            toggles += 1;
            thread::sleep(Duration::from_millis(500));
        }
        toggles
    })
}

/// Logs in over a TCP stream of `R`'s networking, selects INBOX, then, `rounds` times:
/// polls `idle(5 s)` once and drops it, and checks that NOOP returns promptly with
/// DONE sent and the state back to SELECTED. With a `busy` mailbox, the NOOP starts 1.2 s
/// after the drop: the server has been idling meanwhile and sending the other session's
/// updates, which the client reads with the `+` as it starts the NOOP. Returns the slowest
/// NOOP, and in how many rounds an update came during the abandoned IDLE.
///
/// The stream is a [`Stutter`] on reads only, and records what is written: `idle()`'s first
/// poll writes IDLE and finds no answer yet, however fast the server, so it is dropped
/// with IDLE written and its `+` not read, every time.
async fn abandon_idle_then_noop<R: Runtime>(
    user: UserAccount,
    busy: bool,
    rounds: usize,
) -> (Duration, usize) {
    let d = dovecot();
    let cfg = imaplib_async::Config::default().with_timeout(Some(TIMEOUT));
    let tcp = R::connect(d.host(), d.plain_port()).await.unwrap();
    let (mut s, log) = Stutter::recording(tcp);
    let read = s.record_reads();
    let s: BoxStream = Box::new(s.reads_only());
    let mut m = Client::<_, R>::from_stream(s, d.host(), &cfg, false)
        .await
        .unwrap();
    let _ = m
        .login(user.name.as_str(), user.password.as_str())
        .await
        .unwrap();
    let _ = m.select("INBOX", false).await.unwrap();
    if busy {
        // The other session's updates reach this one (bounded: 10 s).
        let t = Instant::now();
        loop {
            let _ = m.noop().await.unwrap();
            if m.untagged_responses().any(|(typ, _)| typ == "FETCH") {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "no update from the busy session"
            );
            sleep::<R>(Duration::from_millis(100)).await;
        }
    }
    let mut slowest = Duration::ZERO;
    let mut updated_while_abandoned = 0;
    for round in 0..rounds {
        let (from, read_from) = (log.len(), read.len());
        let polled = poll_once(m.idle(Some(IDLE_FOR))).await.map(|r| r.is_ok());
        assert_eq!(
            polled, None,
            "round {round}: the IDLE completed at its first poll"
        );
        let lines = log.lines_from(from);
        assert!(
            matches!(&lines[..], [l] if is_command(l, "IDLE")),
            "round {round}: IDLE should be written, nothing after it: {lines:?}"
        );
        if busy {
            // Dovecot reports a change to an idling client about 0.5 s after it.
            sleep::<R>(Duration::from_millis(1200)).await;
        }
        let t = Instant::now();
        let r = m.noop().await.unwrap();
        let took = t.elapsed();
        assert_eq!(r.typ, "OK");
        assert!(
            took < PROMPT,
            "round {round}: NOOP took {took:?} (busy: {busy})"
        );
        slowest = slowest.max(took);
        assert_eq!(m.state(), imaplib_async::State::Selected);
        let lines = log.lines_from(from);
        assert!(
            matches!(&lines[..], [i, done, n] if is_command(i, "IDLE") && done == "DONE" && is_command(n, "NOOP")),
            "round {round}: expected IDLE, DONE, NOOP: {lines:?}"
        );
        // What the server said between its `+` and the IDLE's tagged answer.
        let tag = lines[0].split(' ').next().unwrap().to_string();
        let said = read.lines_from(read_from);
        let plus = said.iter().position(|l| l.starts_with("+ "));
        let end = said
            .iter()
            .position(|l| l.starts_with(&format!("{tag} OK")));
        let (Some(plus), Some(end)) = (plus, end) else {
            panic!("round {round}: no + or no OK for {tag}: {said:?}");
        };
        if said[plus..end]
            .iter()
            .any(|l| l.ends_with(')') && l.contains(" FETCH ("))
        {
            updated_while_abandoned += 1;
        }
        // The connection is in step: a command gets its own result.
        let r = m.status("INBOX", "(MESSAGES)").await.unwrap();
        assert_eq!(r.python_repr(), "('OK', [b'INBOX (MESSAGES 1)'])");
    }
    let _ = m.logout().await.unwrap();
    (slowest, updated_while_abandoned)
}

fn async_idle_abandoned_before_continuation_then_noop_is_prompt<X: Exec>() {
    let d = dovecot();
    let user = d.new_user();
    d.deliver(&user.name, "INBOX", &message(0));
    let (quiet, _) = X::run(abandon_idle_then_noop::<X::R>(user, false, 3));
    let rt = X::NAME;
    println!("{rt}, quiet mailbox: slowest NOOP after the abandoned IDLE {quiet:?}");
}

fn async_idle_abandoned_before_continuation_on_a_busy_mailbox<X: Exec>() {
    let d = dovecot();
    {
        let rt = X::NAME;
        let user = d.new_user();
        d.deliver(&user.name, "INBOX", &message(0));
        let stop = Arc::new(AtomicBool::new(false));
        let toggler = busy_mailbox(&user, stop.clone());
        let t = Instant::now();
        let rounds = 3;
        let (busy, updated) = X::run(abandon_idle_then_noop::<X::R>(user, true, rounds));
        let span = t.elapsed();
        stop.store(true, Ordering::SeqCst);
        let toggles = toggler.join().unwrap();
        // The flag changed all along, and updates came while abandoned IDLEs waited for
        // their DONE.
        assert!(toggles >= 6, "{toggles} toggles in {span:?}");
        assert!(
            updated * 2 > rounds,
            "updates during an abandoned IDLE in {updated} of {rounds} rounds"
        );
        println!(
            "{rt}, busy mailbox ({toggles} flag toggles over {span:?}; updates during the \
             abandoned IDLE in {updated} of {rounds} rounds): slowest NOOP {busy:?}"
        );
    }
}

// ----- blocking IDLE bounds -------------------------------------------------------------------

type BlockingClient = imaplib_blocking::Client<Recorder<TcpStream>>;

fn blocking_client(
    user: &UserAccount,
    cfg: &imaplib_blocking::Config,
) -> (BlockingClient, Written, Written) {
    let d = dovecot();
    let tcp = TcpStream::connect(d.plain_addr()).unwrap();
    tcp.set_nodelay(true).unwrap();
    let (mut s, log) = Recorder::new(tcp);
    let read = s.record_reads();
    let mut m = imaplib_blocking::Client::from_stream(s, d.host(), cfg, false).unwrap();
    let _ = m.login(user.name.as_str(), user.password.as_str()).unwrap();
    let _ = m.select("INBOX", false).unwrap();
    (m, log, read)
}

#[test]
fn blocking_idle_silence_ends_the_iteration() {
    let d = dovecot();
    let user = d.new_user();
    let cfg = imaplib_blocking::Config::default()
        .with_timeout(Some(TIMEOUT))
        .with_idle_silence(Some(Duration::from_secs(1)));
    let (mut m, _, _) = blocking_client(&user, &cfg);
    let t = Instant::now();
    let mut idler = m.idle(None).unwrap();
    // Dovecot says nothing during IDLE but its "Still here", once in 2 min (which restarts
    // the silence: at most once in this test's 3 s).
    let mut first = idler.next();
    if matches!(&first, Some(Ok(r)) if r.python_repr() == STILL_HERE) {
        first = idler.next();
    }
    let took = t.elapsed();
    let e = match first {
        Some(Err(e)) => e,
        other => panic!("expected the silence timeout, got {other:?} after {took:?}"),
    };
    assert!(e.is_timeout() && e.is_abort(), "{e:?}");
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert!(idler.next().is_none(), "the iteration is over");
    drop(idler);
    // The connection failed: nothing more goes through it.
    let e = m.noop().unwrap_err();
    assert!(e.is_abort(), "{e:?}");
    println!("IDLE silence of 1 s ended the iteration after {took:?}");
}

/// When, after the IDLE started, a message is delivered: before, around and after the
/// re-issues of a 1 s keepalive (at about 1 s, 2 s and 3 s).
const DELIVERIES: [Duration; 6] = [
    Duration::from_millis(500),
    Duration::from_millis(1000),
    Duration::from_millis(1500),
    Duration::from_millis(2000),
    Duration::from_millis(2500),
    Duration::from_millis(3000),
];

/// The keepalive period, and how long the IDLE lasts: 2 s after the last delivery, so
/// that a delivery slowed down by a loaded machine (a process per message) still lands
/// within the IDLE.
const KEEPALIVE: Duration = Duration::from_secs(1);
const IDLE_LASTS: Duration = Duration::from_millis(5000);

/// Delivers a message to `user`'s INBOX at each of [`DELIVERIES`] after `t0`.
fn deliver_on_schedule(user: &UserAccount, t0: Instant) -> thread::JoinHandle<Vec<Duration>> {
    let user = user.clone();
    thread::spawn(move || {
        let mut at = Vec::new();
        for (i, when) in DELIVERIES.iter().enumerate() {
            thread::sleep((t0 + *when).saturating_duration_since(Instant::now()));
            at.push(t0.elapsed());
            dovecot().deliver(&user.name, "INBOX", &message(i + 1));
        }
        at
    })
}

/// The untagged EXISTS, RECENT, EXPUNGE and FETCH lines the server sent in `read[from..to]`,
/// and its `* OK Still here` (Dovecot's IDLE keepalive, which may fall within any IDLE: see
/// [`STILL_HERE_LINE`]), as imaplib renders them (`('EXISTS', [b'3'])`…, `('OK', [b'Still here'])`).
fn server_updates(read: &Written, from: usize, to: usize) -> Vec<String> {
    let bytes = read.bytes();
    let text = String::from_utf8_lossy(&bytes[from..to]).into_owned();
    text.split("\r\n")
        .filter_map(|line| {
            if line == STILL_HERE_LINE {
                return Some(STILL_HERE.to_string());
            }
            let (n, what) = line.strip_prefix("* ")?.split_once(' ')?;
            n.parse::<u32>().ok()?;
            let (typ, rest) = what.split_once(' ').unwrap_or((what, ""));
            match typ {
                "EXISTS" | "RECENT" | "EXPUNGE" => Some(format!("('{typ}', [b'{n}'])")),
                "FETCH" => Some(format!("('FETCH', [b'{n} {rest}'])")),
                _ => None,
            }
        })
        .collect()
}

/// Checks what an IDLE with keepalive re-issues gave and wrote: every update the server
/// sent during the iteration (`read[read_from..read_to]`) came out of it once, in order,
/// among them the last delivery's EXISTS; `DONE` then a new `IDLE` went out at least twice.
/// Returns the number of re-issues.
fn check_keepalive(
    updates: &[String],
    written: &Written,
    from: usize,
    read: &Written,
    (read_from, read_to): (usize, usize),
) -> usize {
    assert_eq!(updates, server_updates(read, read_from, read_to));
    let exists: Vec<u32> = updates
        .iter()
        .filter_map(|u| {
            let n = u.strip_prefix("('EXISTS', [b'")?.strip_suffix("'])")?;
            n.parse().ok()
        })
        .collect();
    // Dovecot may fold two deliveries into one EXISTS, never go back.
    assert!(exists.windows(2).all(|w| w[0] < w[1]), "{updates:?}");
    assert_eq!(
        exists.last(),
        Some(&(DELIVERIES.len() as u32)),
        "{updates:?}"
    );
    let lines = written.lines_from(from);
    let reissues = lines
        .windows(2)
        .filter(|w| w[0] == "DONE" && is_command(&w[1], "IDLE"))
        .count();
    assert!(reissues >= 2, "{reissues} re-issues: {lines:?}");
    assert!(is_command(&lines[0], "IDLE"), "{lines:?}");
    reissues
}

#[test]
fn blocking_idle_keepalive_reissues_and_loses_nothing() {
    let d = dovecot();
    let user = d.new_user();
    let cfg = imaplib_blocking::Config::default()
        .with_timeout(Some(TIMEOUT))
        .with_idle_keepalive(Some(KEEPALIVE));
    let (mut m, log, read) = blocking_client(&user, &cfg);
    // SELECT's EXISTS stays stored (imaplib's way); the IDLE's must not join it.
    assert_eq!(m.response("EXISTS").python_repr(), "('EXISTS', [b'0'])");
    let (from, read_from) = (log.len(), read.len());
    let t0 = Instant::now();
    let mut idler = m.idle(Some(IDLE_LASTS)).unwrap();
    let deliveries = deliver_on_schedule(&user, t0);
    let mut updates = Vec::new();
    for item in idler.by_ref() {
        updates.push(item.unwrap().python_repr());
    }
    let (ended, read_to) = (t0.elapsed(), read.len());
    assert!(
        ended >= IDLE_LASTS && ended < IDLE_LASTS + Duration::from_secs(2),
        "{ended:?}"
    );
    let r = idler.done().unwrap();
    assert_eq!(r.typ, "OK");
    assert_eq!(m.state(), imaplib_blocking::State::Selected);
    let at = deliveries.join().unwrap();
    let reissues = check_keepalive(&updates, &log, from, &read, (read_from, read_to));
    // Nothing went to the store behind the iteration's back.
    let stored = m.response("EXISTS");
    assert_eq!(stored.python_repr(), "('EXISTS', [None])");
    let lines = log.lines_from(from);
    assert_eq!(lines.last().map(String::as_str), Some("DONE"), "{lines:?}");
    println!(
        "blocking: {reissues} re-issues in {ended:?}, deliveries at {at:?}, updates {updates:?}"
    );
}

fn async_idle_keepalive_reissues_and_loses_nothing<X: Exec>() {
    let d = dovecot();
    let user = d.new_user();
    let cfg = imaplib_async::Config::default()
        .with_timeout(Some(TIMEOUT))
        .with_idle_keepalive(Some(KEEPALIVE));
    X::run(async move {
        let tcp = X::R::connect(d.host(), d.plain_port()).await.unwrap();
        let (mut s, log) = Recorder::new(tcp);
        let read = s.record_reads();
        let mut m = Client::<_, X::R>::from_stream(s, d.host(), &cfg, false)
            .await
            .unwrap();
        let _ = m
            .login(user.name.as_str(), user.password.as_str())
            .await
            .unwrap();
        let _ = m.select("INBOX", false).await.unwrap();
        assert_eq!(m.response("EXISTS").python_repr(), "('EXISTS', [b'0'])");
        let (from, read_from) = (log.len(), read.len());
        let t0 = Instant::now();
        let mut idler = m.idle(Some(IDLE_LASTS)).await.unwrap();
        let deliveries = deliver_on_schedule(&user, t0);
        let mut updates = Vec::new();
        while let Some(item) = idler.next().await {
            updates.push(item.unwrap().python_repr());
        }
        let (ended, read_to) = (t0.elapsed(), read.len());
        assert!(
            ended >= IDLE_LASTS && ended < IDLE_LASTS + Duration::from_secs(2),
            "{ended:?}"
        );
        assert_eq!(idler.done().await.unwrap().typ, "OK");
        assert_eq!(m.state(), imaplib_async::State::Selected);
        let at = deliveries.join().unwrap();
        let reissues = check_keepalive(&updates, &log, from, &read, (read_from, read_to));
        assert_eq!(m.response("EXISTS").python_repr(), "('EXISTS', [None])");
        let lines = log.lines_from(from);
        assert_eq!(lines.last().map(String::as_str), Some("DONE"), "{lines:?}");
        println!(
            "async, {}: {reissues} re-issues in {ended:?}, deliveries at {at:?}, updates {updates:?}",
            X::NAME
        );
    });
}
