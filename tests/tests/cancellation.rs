//! Cancellation of every async future at every await point, against the real Dovecot.
//!
//! The client runs over a [`Stutter`] stream, on which every read, write and flush returns
//! `Pending` once before it goes through: each is an await point, whatever the server's
//! timing. For each operation the test first runs it to completion and counts its polls
//! `P`; then, for every `k` in `0..P`, it starts the operation again, polls it `k` times,
//! drops it, and runs a following command whose result is checked to be its own, and checks
//! that the connection is where the driver's policy for abandoned tasks says
//! (`imaplib_proto::driver`, "Abandoned tasks"):
//!
//! * a command's result is discarded when it arrives, the command having run (once it was
//!   polled at all: the first poll submits it);
//! * a streaming FETCH's literals go nowhere, and the protocol stays in step;
//! * an IDLE gets its DONE (at the server's `+`, or at once), and the next command returns
//!   promptly;
//! * a streamed APPEND whose message was not completely handed over fails the connection
//!   with an abort that says "interrupted";
//! * a STARTTLS upgrade is finished by the next command, which then runs over TLS.
//!
//! The following command never has the untagged response type of the dropped one: Dovecot
//! may run pipelined commands at once and interleave their untagged data (two FETCHes'
//! `* n FETCH` lines), and imaplib's untagged store, keyed by type, cannot tell whose they
//! are. So a dropped FETCH or STORE is followed by SEARCH or STATUS, a dropped SEARCH by a
//! FETCH; a FETCH follows one only once no dropped command is pending any more ([`settle`]).
//!
//! The number of cancellation points is `P` per operation (the unpolled drop included);
//! `P` depends a little on the server's timing, so a sweep may see the operation complete
//! before its `k`-th poll: such points are counted apart, as completed. The totals are
//! printed (`cargo test --test cancellation -- --nocapture`).
//!
//! Every test runs under smol, async-std and tokio (`on_smol::…`, `on_async_std::…`,
//! `on_tokio::…`; under tokio in `tokio::spawn` on a multi-threaded runtime), over each
//! runtime's own TCP (and child processes for the stdio transport).

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use futures_lite::{future, StreamExt as _};
use imaplib_async::generic::Client;
use imaplib_async::proto::WriteSink;
use imaplib_async::{BoxStream, Config, Duplex, Item, Reply, Runtime, State};
use imaplib_integration_tests::dovecot::{dovecot, UserAccount};
use imaplib_integration_tests::runtimes::Exec;
use imaplib_integration_tests::wire::{Stutter, Written};

imaplib_integration_tests::every_runtime!(
    plain_commands_dropped_at_every_poll,
    idle_dropped_at_every_poll,
    streamed_fetches_dropped_mid_literal,
    appends_dropped_at_every_poll,
    append_from_dropped_at_every_poll,
    starttls_and_login_dropped_at_every_poll,
    idle_again_right_after_a_dropped_one,
    fetch_stream_again_right_after_a_dropped_one,
);

/// How long any wait on Dovecot may take before the test fails instead of hanging.
const TIMEOUT: Duration = Duration::from_secs(20);

/// How long a command following a dropped IDLE may take: far below the IDLE's duration.
const PROMPT: Duration = Duration::from_secs(2);

/// The IDLE duration used: a follow-up that waited for it would be caught.
const IDLE_FOR: Duration = Duration::from_secs(5);

type Conn<R> = Client<Stutter<BoxStream>, R>;

// ----- the mailbox ---------------------------------------------------------------------

/// Message 1: large, so that reading it takes many reads (the client reads 64 KiB at once).
fn big_message() -> Vec<u8> {
    let mut m = b"Subject: big\r\n\r\n".to_vec();
    let mut i = 0u32;
    while m.len() < 600 * 1024 {
        m.extend_from_slice(
            format!("line {i:06} of the big message, padded to length.\r\n").as_bytes(),
        );
        i += 1;
    }
    m
}

/// Message 2: small, found by `SEARCH BODY needle`.
const TWO: &[u8] = b"Subject: two\r\nFrom: a@example.org\r\n\r\nThe needle is here.\r\n";

/// Message 3: small, whose flags are stored.
const THREE: &[u8] = b"Subject: three\r\n\r\nThird.\r\n";

/// INBOX holds these three messages throughout.
const INBOX_MESSAGES: u32 = 3;

fn new_user_with_messages() -> UserAccount {
    let d = dovecot();
    let user = d.new_user();
    d.deliver(&user.name, "INBOX", &big_message());
    d.deliver(&user.name, "INBOX", TWO);
    d.deliver(&user.name, "INBOX", THREE);
    user
}

// ----- connections -----------------------------------------------------------------------

fn config() -> Config {
    let d = dovecot();
    Config::default()
        .with_timeout(Some(TIMEOUT))
        .with_tls(imaplib_async::tls::config_with_ca_pem(d.ca_pem()).unwrap())
        .with_tls_server_name(d.tls_server_name())
}

/// A TCP connection to Dovecot's `port` over `R`'s networking (`TCP_NODELAY` set).
async fn tcp<R: Runtime>(port: u16) -> BoxStream {
    R::connect(dovecot().host(), port).await.unwrap()
}

/// A plain connection over a recording [`Stutter`], not logged in.
async fn open_with<R: Runtime>(config: &Config) -> (Conn<R>, Written) {
    let d = dovecot();
    let (s, log) = Stutter::recording(tcp::<R>(d.plain_port()).await);
    let m = Client::from_stream(s, d.host(), config, false)
        .await
        .unwrap();
    assert_eq!(m.state(), State::NonAuth);
    (m, log)
}

async fn login<S: Duplex, R: Runtime>(m: &mut Client<S, R>, user: &UserAccount) {
    let r = m.login(user.name.as_str(), user.password.as_str()).await;
    assert_eq!(r.unwrap().typ, "OK");
}

/// A plain, logged-in connection over a recording [`Stutter`].
async fn open<R: Runtime>(user: &UserAccount) -> (Conn<R>, Written) {
    let (mut m, log) = open_with::<R>(&config()).await;
    login(&mut m, user).await;
    (m, log)
}

// ----- polling ------------------------------------------------------------------------------

/// Runs `fut` to completion; its output and how many times it was polled.
async fn run_counted<F: Future>(fut: F) -> (F::Output, usize) {
    let mut fut = pin!(fut);
    let mut polls = 0;
    let out = future::poll_fn(|cx| {
        polls += 1;
        fut.as_mut().poll(cx)
    })
    .await;
    (out, polls)
}

/// Polls `fut` `k` times (each time its task is woken), then drops it; its output if it
/// completed within those polls. `k = 0` drops it unpolled.
async fn poll_k<F: Future>(fut: F, k: usize) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut polls = 0;
    future::poll_fn(|cx| {
        if polls == k {
            return Poll::Ready(None);
        }
        polls += 1;
        match fut.as_mut().poll(cx) {
            Poll::Ready(v) => Poll::Ready(Some(v)),
            Poll::Pending if polls == k => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// The cancellation points of one operation, and which to try next.
#[derive(Debug, Default)]
struct Tally {
    name: &'static str,
    /// Polls of the counting run (`P`).
    polls: usize,
    /// Drops of an unfinished future (the unpolled one included).
    cancelled: usize,
    /// Sweeps in which the operation completed before its `k`-th poll.
    completed: usize,
    /// What this operation counts besides (mid-literal drops…).
    note: String,
    next: usize,
    last_cancelled: bool,
}

impl Tally {
    fn new(name: &'static str, polls: usize) -> Self {
        assert!(
            polls >= 2,
            "{name}: {polls} polls; the Stutter should give at least 2"
        );
        Tally {
            name,
            polls,
            last_cancelled: true,
            ..Tally::default()
        }
    }

    /// The number of polls to drop the next run after: every `k` in `0..P`, then on while
    /// the operation still does not complete within `k` polls (the server's timing varies
    /// from run to run), up to `4 P`.
    fn next_k(&mut self) -> Option<usize> {
        let k = self.next;
        let more = k < self.polls || (self.last_cancelled && k < 4 * self.polls);
        self.next += 1;
        more.then_some(k)
    }

    fn cancel(&mut self) {
        self.cancelled += 1;
        self.last_cancelled = true;
    }

    fn complete(&mut self) {
        self.completed += 1;
        self.last_cancelled = false;
    }

    /// Records a run's outcome; true when the future was dropped unfinished.
    fn record<T>(&mut self, out: &Option<T>) -> bool {
        match out {
            Some(_) => self.complete(),
            None => self.cancel(),
        }
        out.is_none()
    }
}

fn report(what: &str, tallies: &[Tally]) {
    let mut total = 0;
    println!("cancellation points, {what}:");
    for t in tallies {
        println!(
            "  {:<28} P={:<4} cancelled={:<4} completed={:<3} {}",
            t.name, t.polls, t.cancelled, t.completed, t.note
        );
        total += t.cancelled;
    }
    println!("  total cancelled: {total}");
}

// ----- checks -------------------------------------------------------------------------------

async fn expect_status<S: Duplex, R: Runtime>(m: &mut Client<S, R>, mailbox: &str, messages: u32) {
    let r = m.status(mailbox, "(MESSAGES)").await.unwrap();
    assert_eq!(
        r.python_repr(),
        format!("('OK', [b'{mailbox} (MESSAGES {messages})'])")
    );
}

async fn expect_search<S: Duplex, R: Runtime>(
    m: &mut Client<S, R>,
    criteria: &[&str],
    found: &str,
) {
    let r = m.search(None, criteria).await.unwrap();
    assert_eq!(
        r.python_repr(),
        format!("('OK', [b'{found}'])"),
        "{criteria:?}"
    );
}

/// A FETCH's reply holds exactly message `n`'s body.
fn assert_body(r: &Reply, n: u32, body: &[u8]) {
    assert_eq!(r.typ, "OK", "{r:?}");
    match &r.data[..] {
        [Item::Literal(head, got), Item::Line(tail)] => {
            let head = String::from_utf8_lossy(head);
            assert!(
                head.starts_with(&format!("{n} (BODY[] {{{}}}", body.len())),
                "{head}"
            );
            assert!(got == body, "message {n}: {} bytes back", got.len());
            assert_eq!(tail, b")");
        }
        other => panic!("message {n}: {other:?}"),
    }
}

async fn expect_body<S: Duplex, R: Runtime>(m: &mut Client<S, R>, n: u32, body: &[u8]) {
    let r = m
        .fetch(n.to_string().as_str(), "(BODY.PEEK[])")
        .await
        .unwrap();
    assert_body(&r, n, body);
}

/// Runs NOOPs until no dropped command is pending any more (bounded): their untagged data
/// has then been collected, and a command of the same response type is unambiguous.
async fn settle<S: Duplex, R: Runtime>(m: &mut Client<S, R>) {
    for _ in 0..100 {
        if m.connection().pending() == 0 {
            return;
        }
        assert_eq!(m.noop().await.unwrap().typ, "OK");
    }
    panic!(
        "dropped commands still pending: {}",
        m.connection().pending()
    );
}

/// NOOP, which must return promptly (not wait for an IDLE's duration).
async fn prompt_noop<S: Duplex, R: Runtime>(m: &mut Client<S, R>) -> Duration {
    let t = Instant::now();
    let r = m.noop().await.unwrap();
    let took = t.elapsed();
    assert_eq!(r.typ, "OK");
    assert!(took < PROMPT, "NOOP after a dropped IDLE took {took:?}");
    took
}

/// The lines written since `from` hold `IDLE`, then one `DONE`, then `next`.
fn assert_idle_done_then(log: &Written, from: usize, next: &str) {
    let lines = log.lines_from(from);
    let idle = lines.iter().position(|l| l.ends_with(" IDLE"));
    let done: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == "DONE").collect();
    let after = lines.iter().position(|l| l.ends_with(next));
    match (idle, &done[..], after) {
        (Some(i), [d], Some(a)) if i < *d && *d < a => {}
        _ => panic!("expected IDLE, one DONE, then {next}: {lines:?}"),
    }
}

/// For a reply holding one FETCH update of message 3's flags: whether `\Seen` is set.
/// (`\Recent` may come along: this session was the first to select the mailbox.)
fn flag_update(r: &Reply) -> Option<bool> {
    match (&r.typ[..], &r.data[..]) {
        ("FETCH", [Item::Line(line)]) => {
            let line = String::from_utf8_lossy(line);
            let flags = line.strip_prefix("3 (FLAGS (")?.strip_suffix("))")?;
            Some(flags.split(' ').any(|f| f == "\\Seen"))
        }
        _ => None,
    }
}

/// Toggles `\Seen` on message 3 from another session: a `FETCH` update for an IDLE.
fn toggle_seen(user: &UserAccount, on: bool) {
    let store: &[u8] = if on {
        b"STORE 3 +FLAGS.SILENT (\\Seen)"
    } else {
        b"STORE 3 -FLAGS.SILENT (\\Seen)"
    };
    dovecot().imap_as(&user.name, &[b"SELECT INBOX", store]);
}

// ----- plain commands ---------------------------------------------------------------------

async fn to_auth<S: Duplex, R: Runtime>(m: &mut Client<S, R>) {
    if m.state() == State::Selected {
        assert_eq!(m.unselect().await.unwrap().typ, "OK");
    }
    assert_eq!(m.state(), State::Auth);
}

/// SELECT, FETCH with a literal, STORE and SEARCH, each dropped at every poll.
async fn plain_commands<S: Duplex, R: Runtime>(m: &mut Client<S, R>) -> Vec<Tally> {
    let big = big_message();
    let mut tallies = Vec::new();

    // SELECT from AUTH: once polled, it runs (the state follows), its result is dropped.
    to_auth(m).await;
    let (r, p) = run_counted(m.select("INBOX", false)).await;
    assert_eq!(r.unwrap().python_repr(), "('OK', [b'3'])");
    let mut t = Tally::new("select", p);
    while let Some(k) = t.next_k() {
        to_auth(m).await;
        let out = poll_k(m.select("INBOX", false), k).await;
        if !t.record(&out) {
            assert_eq!(out.unwrap().unwrap().python_repr(), "('OK', [b'3'])");
        }
        expect_status(m, "INBOX", INBOX_MESSAGES).await;
        let want = if k == 0 { State::Auth } else { State::Selected };
        assert_eq!(m.state(), want, "select dropped after {k} polls");
    }
    tallies.push(t);
    let _ = m.select("INBOX", false).await.unwrap();

    // FETCH of a 600 KiB literal.
    let (r, p) = run_counted(m.fetch("1", "(BODY.PEEK[])")).await;
    assert_body(&r.unwrap(), 1, &big);
    let mut t = Tally::new("fetch (literal)", p);
    while let Some(k) = t.next_k() {
        let out = poll_k(m.fetch("1", "(BODY.PEEK[])"), k).await;
        if !t.record(&out) {
            assert_body(&out.unwrap().unwrap(), 1, &big);
        }
        expect_search(m, &["LARGER", "100000"], "1").await;
        settle(m).await;
        expect_body(m, 2, TWO).await;
    }
    tallies.push(t);

    // STORE: once polled, the flag is set; the FETCH data it causes goes with the result.
    let (r, p) = run_counted(m.store("3", "+FLAGS", "(\\Flagged)")).await;
    assert_eq!(r.unwrap().typ, "OK");
    let _ = m.store("3", "-FLAGS", "(\\Flagged)").await.unwrap();
    let mut t = Tally::new("store", p);
    while let Some(k) = t.next_k() {
        let out = poll_k(m.store("3", "+FLAGS", "(\\Flagged)"), k).await;
        if !t.record(&out) {
            assert_eq!(out.unwrap().unwrap().typ, "OK");
        }
        expect_search(m, &["FLAGGED"], if k == 0 { "" } else { "3" }).await;
        settle(m).await;
        if k > 0 {
            let r = m.store("3", "-FLAGS", "(\\Flagged)").await.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'3 (FLAGS ())'])");
        }
    }
    tallies.push(t);

    // SEARCH, followed by a FETCH.
    let (r, p) = run_counted(m.search(None, &["BODY", "needle"])).await;
    assert_eq!(r.unwrap().python_repr(), "('OK', [b'2'])");
    let mut t = Tally::new("search", p);
    while let Some(k) = t.next_k() {
        let out = poll_k(m.search(None, &["BODY", "needle"]), k).await;
        if !t.record(&out) {
            assert_eq!(out.unwrap().unwrap().python_repr(), "('OK', [b'2'])");
        }
        expect_body(m, 3, THREE).await;
        settle(m).await;
    }
    tallies.push(t);
    assert_eq!(m.noop().await.unwrap().typ, "OK");
    tallies
}

fn plain_commands_dropped_at_every_poll<X: Exec>() {
    let d = dovecot();
    let user = new_user_with_messages();
    let started = Instant::now();
    X::run(async move {
        let rt = X::NAME;
        // Plain TCP.
        let (mut m, _) = open::<X::R>(&user).await;
        let tallies = plain_commands(&mut m).await;
        report(&format!("plain commands, TCP, {rt}"), &tallies);

        // Implicit TLS over the same kind of stream.
        let s = Stutter::new(tcp::<X::R>(d.tls_port()).await);
        let mut m = Client::<_, X::R>::from_stream_tls(s, d.host(), &config())
            .await
            .unwrap();
        login(&mut m, &user).await;
        let tallies = plain_commands(&mut m).await;
        report(&format!("plain commands, TLS, {rt}"), &tallies);

        // Dovecot's pre-authenticated IMAP over a child's stdin/stdout.
        let p = X::R::spawn(d.stdio_process(&user.name)).unwrap();
        let mut m = Client::<_, X::R>::from_stream(Stutter::new(p), "", &config(), true)
            .await
            .unwrap();
        assert_eq!(m.state(), State::Auth);
        let tallies = plain_commands(&mut m).await;
        report(&format!("plain commands, stdio, {rt}"), &tallies);
    });
    println!("took {:?}", started.elapsed());
}

// ----- IDLE ---------------------------------------------------------------------------------

fn idle_dropped_at_every_poll<X: Exec>() {
    let user = new_user_with_messages();
    let started = Instant::now();
    let (tallies, slowest) = X::run(async move {
        let mut tallies = Vec::new();
        let mut slowest = Duration::ZERO;
        let (mut m, log) = open::<X::R>(&user).await;
        let _ = m.select("INBOX", false).await.unwrap();

        // idle() until the server's `+`: dropped before it, IDLE gets DONE when `+` comes.
        let (idler, p) = run_counted(m.idle(Some(IDLE_FOR))).await;
        assert_eq!(idler.unwrap().done().await.unwrap().typ, "OK");
        let mut t = Tally::new("idle() before +", p);
        while let Some(k) = t.next_k() {
            let from = log.len();
            match poll_k(m.idle(Some(IDLE_FOR)), k).await {
                None => t.cancel(),
                Some(idler) => {
                    t.complete();
                    assert_eq!(idler.unwrap().done().await.unwrap().typ, "OK");
                }
            }
            slowest = slowest.max(prompt_noop(&mut m).await);
            assert_eq!(m.state(), State::Selected);
            if k == 0 {
                assert!(
                    !log.text_from(from).contains("IDLE"),
                    "unpolled idle() was sent"
                );
            } else {
                assert_idle_done_then(&log, from, " NOOP");
            }
            expect_status(&mut m, "INBOX", INBOX_MESSAGES).await;
        }
        tallies.push(t);

        // The Idler dropped once the server accepted IDLE: DONE goes out at once.
        let mut t = Tally::new("Idler after +", 2);
        for _ in 0..2 {
            let from = log.len();
            let idler = m.idle(Some(IDLE_FOR)).await.unwrap();
            drop(idler);
            t.cancel();
            slowest = slowest.max(prompt_noop(&mut m).await);
            assert_eq!(m.state(), State::Selected);
            assert_idle_done_then(&log, from, " NOOP");
        }
        tallies.push(t);

        // The stream's next(), while another session changes a flag: the update comes out
        // of next() if it completed, else it goes to the untagged store (at done(), or with
        // the NOOP after it); it is seen exactly once either way.
        let mut seen = false;
        let mut idler = m.idle(Some(Duration::from_secs(10))).await.unwrap();
        seen = !seen;
        toggle_seen(&user, seen);
        let (update, p) = run_counted(idler.next()).await;
        let update = update.expect("an update within 10 s").unwrap();
        assert_eq!(flag_update(&update), Some(true), "{update:?}");
        assert_eq!(idler.done().await.unwrap().typ, "OK");
        let mut t = Tally::new("Idler::next()", p);
        let mut in_store = 0;
        while let Some(k) = t.next_k() {
            let from = log.len();
            let mut idler = m.idle(Some(Duration::from_secs(10))).await.unwrap();
            seen = !seen;
            toggle_seen(&user, seen);
            let out = poll_k(idler.next(), k).await;
            let mut updates = Vec::new();
            if !t.record(&out) {
                updates.push(out.unwrap().expect("an update").unwrap());
            }
            assert_eq!(idler.done().await.unwrap().typ, "OK");
            assert_eq!(m.state(), State::Selected);
            // Dovecot may answer DONE before it reports the change; NOOP makes it report
            // whatever it has not yet (the other session finished before next() was polled).
            assert_eq!(m.noop().await.unwrap().typ, "OK");
            let stored = m.response("FETCH");
            if stored.data.iter().any(|i| !matches!(i, Item::None)) {
                in_store += 1;
                updates.push(stored);
            }
            match &updates[..] {
                [u] => assert_eq!(flag_update(u), Some(seen), "{u:?}"),
                _ => panic!("next() dropped after {k} polls: updates {updates:?}"),
            }
            assert_idle_done_then(&log, from, " NOOP");
            expect_status(&mut m, "INBOX", INBOX_MESSAGES).await;
        }
        t.note = format!("(update left to the store {in_store} times)");
        tallies.push(t);

        // done(): DONE is sent once, whatever the point it was dropped at.
        let idler = m.idle(Some(IDLE_FOR)).await.unwrap();
        let (r, p) = run_counted(idler.done()).await;
        assert_eq!(r.unwrap().typ, "OK");
        let mut t = Tally::new("Idler::done()", p);
        while let Some(k) = t.next_k() {
            let idler = m.idle(Some(IDLE_FOR)).await.unwrap();
            let from = log.len();
            let out = poll_k(idler.done(), k).await;
            if !t.record(&out) {
                assert_eq!(out.unwrap().unwrap().typ, "OK");
            }
            slowest = slowest.max(prompt_noop(&mut m).await);
            assert_eq!(m.state(), State::Selected);
            let lines = log.lines_from(from);
            assert_eq!(
                lines.iter().filter(|l| *l == "DONE").count(),
                1,
                "done() dropped after {k} polls: {lines:?}"
            );
            expect_status(&mut m, "INBOX", INBOX_MESSAGES).await;
        }
        tallies.push(t);
        (tallies, slowest)
    });
    report(&format!("IDLE, TCP, {}", X::NAME), &tallies);
    println!(
        "slowest NOOP after a dropped IDLE: {slowest:?}; took {:?}",
        started.elapsed()
    );
}

// ----- streaming FETCH ------------------------------------------------------------------------

fn streamed_fetches_dropped_mid_literal<X: Exec>() {
    let user = new_user_with_messages();
    let big = big_message();
    let started = Instant::now();
    let tallies = X::run(async move {
        let mut tallies = Vec::new();
        let (mut m, _) = open::<X::R>(&user).await;
        let _ = m.select("INBOX", true).await.unwrap();

        // fetch_stream into a sink.
        let mut sink = WriteSink(Vec::new());
        let (r, p) = run_counted(m.fetch_stream("1", "(BODY.PEEK[])", &mut sink)).await;
        assert_eq!(r.unwrap().typ, "OK");
        assert!(sink.0 == big, "{} bytes streamed", sink.0.len());
        let mut t = Tally::new("fetch_stream", p);
        let mut mid = 0;
        while let Some(k) = t.next_k() {
            let mut sink = WriteSink(Vec::new());
            let out = poll_k(m.fetch_stream("1", "(BODY.PEEK[])", &mut sink), k).await;
            if t.record(&out) {
                // What reached the sink before the drop is the literal's beginning; the
                // rest goes nowhere.
                assert!(big.starts_with(&sink.0), "dropped after {k} polls");
                if !sink.0.is_empty() && sink.0.len() < big.len() {
                    mid += 1;
                }
            } else {
                assert_eq!(out.unwrap().unwrap().typ, "OK");
                assert!(sink.0 == big);
            }
            expect_search(&mut m, &["LARGER", "100000"], "1").await;
            settle(&mut m).await;
            let mut sink = WriteSink(Vec::new());
            let r = m
                .fetch_stream("2", "(BODY.PEEK[])", &mut sink)
                .await
                .unwrap();
            assert_eq!(r.typ, "OK");
            assert_eq!(sink.0, TWO);
        }
        t.note = format!("({mid} mid-literal)");
        tallies.push(t);

        // fetch_to an async writer.
        let mut out: Vec<u8> = Vec::new();
        let (r, p) = run_counted(m.fetch_to("1", "(BODY.PEEK[])", &mut out)).await;
        assert_eq!(r.unwrap().typ, "OK");
        assert!(out == big, "{} bytes written", out.len());
        let mut t = Tally::new("fetch_to", p);
        let mut mid = 0;
        while let Some(k) = t.next_k() {
            let mut written: Vec<u8> = Vec::new();
            let out = poll_k(m.fetch_to("1", "(BODY.PEEK[])", &mut written), k).await;
            if t.record(&out) {
                assert!(big.starts_with(&written), "dropped after {k} polls");
                if !written.is_empty() && written.len() < big.len() {
                    mid += 1;
                }
            } else {
                assert_eq!(out.unwrap().unwrap().typ, "OK");
                assert!(written == big);
            }
            expect_status(&mut m, "INBOX", INBOX_MESSAGES).await;
            settle(&mut m).await;
            let mut written: Vec<u8> = Vec::new();
            let r = m
                .fetch_to("3", "(BODY.PEEK[])", &mut written)
                .await
                .unwrap();
            assert_eq!(r.typ, "OK");
            assert_eq!(written, THREE);
        }
        t.note = format!("({mid} mid-literal)");
        tallies.push(t);
        tallies
    });
    report(&format!("streamed FETCH, TCP, {}", X::NAME), &tallies);
    println!("took {:?}", started.elapsed());
}

// ----- APPEND -------------------------------------------------------------------------------

/// A message of about `size` bytes with CRLF line endings.
fn message_of(size: usize, subject: &str) -> Vec<u8> {
    let mut m = format!("Subject: {subject}\r\n\r\n").into_bytes();
    while m.len() < size {
        m.extend_from_slice(b"All work and no play makes Jack a dull boy. 0123456789\r\n");
    }
    m
}

/// APPEND of a message in memory, dropped at every poll: once polled, the whole command
/// is the client's to send, so the message arrives and the connection goes on.
async fn append_sweep<R: Runtime>(
    m: &mut Conn<R>,
    name: &'static str,
    mailbox: &str,
    message: &[u8],
) -> Tally {
    let _ = m.create(mailbox).await.unwrap();
    let (r, p) = run_counted(m.append(Some(mailbox.into()), None, None, message)).await;
    assert_eq!(r.unwrap().typ, "OK");
    let mut count = 1;
    let mut t = Tally::new(name, p);
    while let Some(k) = t.next_k() {
        let out = poll_k(m.append(Some(mailbox.into()), None, None, message), k).await;
        if !t.record(&out) {
            assert_eq!(out.unwrap().unwrap().typ, "OK");
        }
        if k > 0 {
            count += 1;
        }
        expect_status(m, mailbox, count).await;
    }
    // Every message arrived whole.
    let _ = m.select(mailbox, true).await.unwrap();
    let r = m
        .search(None, &["LARGER", &(message.len() - 1).to_string()])
        .await;
    let all: Vec<String> = (1..=count).map(|n| n.to_string()).collect();
    assert_eq!(
        r.unwrap().python_repr(),
        format!("('OK', [b'{}'])", all.join(" "))
    );
    let r = m
        .search(None, &["LARGER", &message.len().to_string()])
        .await;
    assert_eq!(r.unwrap().python_repr(), "('OK', [b''])");
    let _ = m.unselect().await.unwrap();
    t
}

fn appends_dropped_at_every_poll<X: Exec>() {
    let user = dovecot().new_user();
    let started = Instant::now();
    let tallies = X::run(async move {
        let mut tallies = Vec::new();
        // With LITERAL+ (Dovecot has it): the message follows the command at once.
        let (mut m, log) = open::<X::R>(&user).await;
        assert!(m.has_capability("LITERAL+"));
        let message = message_of(1 << 20, "large");
        tallies.push(append_sweep(&mut m, "append 1 MiB, LITERAL+", "Plus", &message).await);
        assert!(log
            .text_from(0)
            .contains(&format!("{{{}+}}\r\n", message.len())));

        // Without LITERAL+: the message waits for the server's `+`.
        let mut cfg = config();
        cfg.options.use_literal_plus = false;
        let (mut m, log) = open_with::<X::R>(&cfg).await;
        login(&mut m, &user).await;
        let message = message_of(256 << 10, "synchronising");
        tallies.push(append_sweep(&mut m, "append 256 KiB, sync literal", "Sync", &message).await);
        assert!(log
            .text_from(0)
            .contains(&format!("{{{}}}\r\n", message.len())));
        tallies
    });
    report(&format!("APPEND, TCP, {}", X::NAME), &tallies);
    println!("took {:?}", started.elapsed());
}

/// How many bytes of a streamed APPEND's message were written since `from`: those after the
/// literal's announcement.
fn message_bytes_written(log: &Written, from: usize) -> usize {
    let bytes = log.bytes();
    let sent = &bytes[from.min(bytes.len())..];
    match sent.windows(3).position(|w| w == b"}\r\n") {
        Some(i) => sent.len() - (i + 3),
        None => 0,
    }
}

fn append_from_dropped_at_every_poll<X: Exec>() {
    let user = dovecot().new_user();
    let started = Instant::now();
    let message = message_of(256 << 10, "streamed");
    let len = message.len() as u64;
    let (mut t, aborted, before_any_byte) = X::run(async move {
        let (mut appended, mut aborted, mut before_any_byte) = (0, 0, 0);
        let (mut m, _) = open::<X::R>(&user).await;
        let _ = m.create("Streamed").await.unwrap();
        let mut reader = futures_lite::io::Cursor::new(message.clone());
        let fut = m.append_from(Some("Streamed".into()), None, None, &mut reader, len);
        let (r, p) = run_counted(fut).await;
        assert_eq!(r.unwrap().typ, "OK");
        appended += 1;
        let mut t = Tally::new("append_from", p);
        while let Some(k) = t.next_k() {
            // The connection may fail: a new one each time.
            let (mut m, log) = open::<X::R>(&user).await;
            let from = log.len();
            let mut reader = futures_lite::io::Cursor::new(message.clone());
            let fut = m.append_from(Some("Streamed".into()), None, None, &mut reader, len);
            let out = poll_k(fut, k).await;
            if !t.record(&out) {
                assert_eq!(out.unwrap().unwrap().typ, "OK");
                appended += 1;
                continue;
            }
            let written = message_bytes_written(&log, from);
            match m.noop().await {
                // Nothing started, or the whole message was the client's already: the
                // command completes in the background.
                Ok(r) => {
                    assert_eq!(r.typ, "OK");
                    assert!(
                        k == 0 || reader.position() == len,
                        "dropped after {k} polls"
                    );
                    if k > 0 {
                        appended += 1;
                    }
                }
                Err(e) => {
                    assert!(k > 0);
                    assert!(e.is_abort(), "{e:?}");
                    assert!(e.message().contains("interrupted"), "{e}");
                    assert!(written < message.len(), "all was written, yet: {e}");
                    aborted += 1;
                    if written == 0 {
                        before_any_byte += 1;
                    }
                    // Never usable again.
                    let e = m.status("INBOX", "(MESSAGES)").await.unwrap_err();
                    assert!(e.is_abort(), "{e:?}");
                }
            }
        }
        // Only complete messages reached the mailbox (Dovecot drops an APPEND cut short
        // when the connection closes; the dropped clients above are gone).
        expect_status(&mut m, "Streamed", appended).await;
        (t, aborted, before_any_byte)
    });
    // Dropped after its first poll, no byte of the message was sent, and the connection
    // failed all the same: the announced literal is owed.
    assert!(
        before_any_byte >= 1,
        "no drop before the first message byte"
    );
    t.note = format!("(aborted {aborted}, {before_any_byte} before any message byte)");
    report(&format!("append_from, TCP, {}", X::NAME), &[t]);
    println!("took {:?}", started.elapsed());
}

// ----- STARTTLS and LOGIN -------------------------------------------------------------------

fn starttls_and_login_dropped_at_every_poll<X: Exec>() {
    let user = new_user_with_messages();
    let started = Instant::now();
    let tallies = X::run(async move {
        let mut tallies = Vec::new();
        // STARTTLS (the TLS handshake's reads and writes are await points too): the next
        // command finishes the upgrade first, and nothing goes out in cleartext after the
        // STARTTLS command.
        let (mut m, _) = open_with::<X::R>(&config()).await;
        let (r, p) = run_counted(m.starttls()).await;
        assert_eq!(r.unwrap().typ, "OK");
        assert!(m.is_secure());
        let mut t = Tally::new("starttls", p);
        while let Some(k) = t.next_k() {
            let (mut m, log) = open_with::<X::R>(&config()).await;
            let out = poll_k(m.starttls(), k).await;
            if !t.record(&out) {
                assert_eq!(out.unwrap().unwrap().typ, "OK");
            }
            let r = m.noop().await;
            assert_eq!(r.unwrap().typ, "OK", "starttls dropped after {k} polls");
            // Unpolled, STARTTLS never started; else the connection is secure.
            assert_eq!(m.is_secure(), k > 0, "starttls dropped after {k} polls");
            login(&mut m, &user).await;
            expect_status(&mut m, "INBOX", INBOX_MESSAGES).await;
            let text = log.text_from(0);
            let cleartext = match text.find(" STARTTLS\r\n") {
                Some(i) => &text[..i],
                None => &text[..],
            };
            assert_eq!(cleartext.contains("LOGIN"), k == 0, "{cleartext:?}");
            if k > 0 {
                for word in ["NOOP", "LOGIN", "STATUS"] {
                    assert!(!text.contains(word), "{word} in cleartext: {text:?}");
                }
            }
        }
        tallies.push(t);

        // LOGIN: once polled, it completes in the background and the state follows.
        let (mut m, _) = open_with::<X::R>(&config()).await;
        let fut = m.login(user.name.as_str(), user.password.as_str());
        let (r, p) = run_counted(fut).await;
        assert_eq!(r.unwrap().typ, "OK");
        let mut t = Tally::new("login", p);
        while let Some(k) = t.next_k() {
            let (mut m, _) = open_with::<X::R>(&config()).await;
            let out = poll_k(m.login(user.name.as_str(), user.password.as_str()), k).await;
            if !t.record(&out) {
                assert_eq!(out.unwrap().unwrap().typ, "OK");
            }
            assert_eq!(m.noop().await.unwrap().typ, "OK");
            if k == 0 {
                assert_eq!(m.state(), State::NonAuth);
                login(&mut m, &user).await;
            }
            assert_eq!(m.state(), State::Auth, "login dropped after {k} polls");
            expect_status(&mut m, "INBOX", INBOX_MESSAGES).await;
        }
        tallies.push(t);
        tallies
    });
    report(&format!("STARTTLS and LOGIN, TCP, {}", X::NAME), &tallies);
    println!("took {:?}", started.elapsed());
}

// ----- the same operation again at once ----------------------------------------------------

fn idle_again_right_after_a_dropped_one<X: Exec>() {
    let user = new_user_with_messages();
    let tallies = X::run(async move {
        let mut tallies = Vec::new();
        let (mut m, log) = open::<X::R>(&user).await;
        let _ = m.select("INBOX", false).await.unwrap();

        // idle() dropped before `+`, then idle() at once: the first gets its DONE, the
        // second starts after it.
        let (idler, p) = run_counted(m.idle(Some(IDLE_FOR))).await;
        assert_eq!(idler.unwrap().done().await.unwrap().typ, "OK");
        let mut t = Tally::new("idle() then idle()", p);
        while let Some(k) = t.next_k() {
            let from = log.len();
            match poll_k(m.idle(Some(IDLE_FOR)), k).await {
                None => t.cancel(),
                Some(idler) => {
                    t.complete();
                    drop(idler.unwrap());
                }
            }
            let idler = m.idle(Some(IDLE_FOR)).await;
            let idler = idler.unwrap_or_else(|e| panic!("idle() dropped after {k} polls: {e}"));
            assert_eq!(idler.done().await.unwrap().typ, "OK");
            assert_eq!(m.state(), State::Selected);
            let lines = log.lines_from(from);
            let idles = lines.iter().filter(|l| l.ends_with(" IDLE")).count();
            let dones = lines.iter().filter(|l| *l == "DONE").count();
            assert_eq!((idles, dones), (1 + usize::from(k > 0), idles), "{lines:?}");
            expect_status(&mut m, "INBOX", INBOX_MESSAGES).await;
        }
        tallies.push(t);

        // done() dropped, then idle() at once.
        let idler = m.idle(Some(IDLE_FOR)).await.unwrap();
        let (r, p) = run_counted(idler.done()).await;
        assert_eq!(r.unwrap().typ, "OK");
        let mut t = Tally::new("done() then idle()", p);
        while let Some(k) = t.next_k() {
            let idler = m.idle(Some(IDLE_FOR)).await.unwrap();
            let out = poll_k(idler.done(), k).await;
            if !t.record(&out) {
                assert_eq!(out.unwrap().unwrap().typ, "OK");
            }
            let idler = m.idle(Some(IDLE_FOR)).await;
            let idler = idler.unwrap_or_else(|e| panic!("done() dropped after {k} polls: {e}"));
            assert_eq!(idler.done().await.unwrap().typ, "OK");
            assert_eq!(m.state(), State::Selected);
            expect_status(&mut m, "INBOX", INBOX_MESSAGES).await;
        }
        tallies.push(t);
        tallies
    });
    report(&format!("IDLE again at once, TCP, {}", X::NAME), &tallies);
}

fn fetch_stream_again_right_after_a_dropped_one<X: Exec>() {
    let user = new_user_with_messages();
    let big = big_message();
    X::run(async move {
        let (mut m, _) = open::<X::R>(&user).await;
        let _ = m.select("INBOX", true).await.unwrap();
        let mut sink = WriteSink(Vec::new());
        let (r, p) = run_counted(m.fetch_stream("1", "(BODY.PEEK[])", &mut sink)).await;
        assert_eq!(r.unwrap().typ, "OK");
        let mut t = Tally::new("fetch_stream twice", p);
        while let Some(k) = t.next_k() {
            let mut sink = WriteSink(Vec::new());
            let out = poll_k(m.fetch_stream("1", "(BODY.PEEK[])", &mut sink), k).await;
            t.record(&out);
            let mut sink = WriteSink(Vec::new());
            let r = m.fetch_stream("1", "(BODY.PEEK[])", &mut sink).await;
            let r = r.unwrap_or_else(|e| panic!("fetch_stream dropped after {k} polls: {e}"));
            assert_eq!(r.typ, "OK");
            assert!(sink.0 == big, "{} bytes", sink.0.len());
        }
        // fetch_to dropped, then fetch_stream.
        let mut written: Vec<u8> = Vec::new();
        let (r, p) = run_counted(m.fetch_to("1", "(BODY.PEEK[])", &mut written)).await;
        assert_eq!(r.unwrap().typ, "OK");
        let mut t2 = Tally::new("fetch_to then fetch_stream", p);
        while let Some(k) = t2.next_k() {
            let mut written: Vec<u8> = Vec::new();
            let out = poll_k(m.fetch_to("1", "(BODY.PEEK[])", &mut written), k).await;
            t2.record(&out);
            let mut sink = WriteSink(Vec::new());
            let r = m.fetch_stream("2", "(BODY.PEEK[])", &mut sink).await;
            let r = r.unwrap_or_else(|e| panic!("fetch_to dropped after {k} polls: {e}"));
            assert_eq!(r.typ, "OK");
            assert_eq!(sink.0, TWO);
        }
        let what = format!("streaming FETCH again at once, TCP, {}", X::NAME);
        report(&what, &[t, t2]);
    });
}
