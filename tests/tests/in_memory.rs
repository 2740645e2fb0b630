//! Both clients over an in-memory server ([`MemoryStream`]): a realistic session cut after
//! every byte offset, and the whole session in several chunkings, with identical results.
//!
//! The session is greeting, LOGIN, SELECT, a FETCH whose two literals (in the same
//! response) hold `{5}`, `* 1 EXISTS` and a line that looks like the FETCH's tagged answer,
//! STORE, LOGOUT. For every cut N from 0 to its length, through each client: the step whose
//! answer is incomplete fails with an `abort` (cause `Io`, not a timeout), every step before
//! it succeeded, the client wrote exactly the commands up to that step, and a following
//! `noop()` fails at once with an `abort` without writing a byte. Nothing here reads a clock
//! or a socket: a hang is caught by a watchdog, a read before the server may answer is
//! counted by the stream and refused.
//!
//! Also in memory: an async FETCH dropped at each of its await points, IDLE through both
//! clients, an async Idler dropped, `fetch_to` cut after every byte of its answer, and a
//! stream whose writes return `Ok(0)`.
//!
//! The async client runs under smol, async-std and tokio (multi-threaded, the session in
//! `tokio::spawn`) in every case: the stream is in memory, the timers are the runtime's.

use std::sync::mpsc;

use futures_lite::StreamExt as _; // `next()` of the async Idler
use std::thread;
use std::time::{Duration, Instant};

use imaplib_async::generic::Client as AsyncClient;
use imaplib_async::Runtime;
use imaplib_integration_tests::hostile::Script;
use imaplib_integration_tests::memory::{Chunking, MemoryStream, Peer};
use imaplib_integration_tests::runtimes::{self, Exec};
use imaplib_proto::{Cause, Config, Error, Item, Reply};

imaplib_integration_tests::every_runtime!(
    async_fetch_dropped_at_every_await_point_leaves_the_connection_usable,
    async_idler_dropped_gets_done_with_the_next_call,
);

const HEADER: &str = "From: a@example.org\r\nSubject: {5}\r\n\r\n";
/// Looks like a literal announcement, an untagged response and the FETCH's tagged answer.
const TEXT: &str = "Body with {5}\r\nhello\r\n* 1 EXISTS\r\nBCDE2 OK not the end\r\n) \r\n";

const TAGS: [&str; 5] = ["BCDE0", "BCDE1", "BCDE2", "BCDE3", "BCDE4"];
const STEPS: [&str; 6] = ["connect", "login", "select", "fetch", "store", "logout"];
const BYE: &str = "* BYE Logging out\r\n";

/// What the client must write: one command per step after the greeting.
const COMMANDS: [&str; 5] = [
    "BCDE0 LOGIN alice \"pw\"\r\n",
    "BCDE1 SELECT INBOX\r\n",
    "BCDE2 FETCH 1 (UID BODY[HEADER] BODY[TEXT])\r\n",
    "BCDE3 STORE 1 +FLAGS (\\Deleted)\r\n",
    "BCDE4 LOGOUT\r\n",
];

fn script() -> Script {
    Script::new()
        .send("* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] ready\r\n")
        .expect("LOGIN")
        .reply("{tag} OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE UIDPLUS] LOGIN completed\r\n")
        .expect("SELECT")
        .reply(
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n\
             * OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n* 2 EXISTS\r\n* 0 RECENT\r\n\
             * OK [UIDVALIDITY 1700000000] UIDs valid\r\n\
             {tag} OK [READ-WRITE] SELECT completed\r\n",
        )
        .expect("FETCH")
        .reply(&format!(
            "* 1 FETCH (UID 7 BODY[HEADER] {{{}}}\r\n{HEADER} BODY[TEXT] {{{}}}\r\n{TEXT})\r\n\
             * 3 EXISTS\r\n{{tag}} OK FETCH completed\r\n",
            HEADER.len(),
            TEXT.len()
        ))
        .expect("STORE")
        .reply("* 1 FETCH (FLAGS (\\Seen \\Deleted))\r\n{tag} OK STORE completed\r\n")
        .expect("LOGOUT")
        .reply(&format!("{BYE}{{tag}} OK LOGOUT completed\r\n"))
}

/// The server's bytes, the marks where each answer starts, and where each step's answer is
/// complete (LOGOUT completes on BYE).
fn server_bytes() -> (Vec<u8>, Vec<usize>, [usize; 6]) {
    let (bytes, marks) = script().server_bytes(&TAGS);
    let ends = [
        marks[0],
        marks[1],
        marks[2],
        marks[3],
        marks[4],
        marks[4] + BYE.len(),
    ];
    (bytes, marks, ends)
}

fn config() -> Config {
    Config::default()
        .with_tag_seed(0x1234)
        // A backstop only: nothing here ever waits.
        .with_timeout(Some(Duration::from_secs(30)))
}

/// What a session did.
#[derive(Debug, Default)]
struct Run {
    /// Steps that succeeded (0: the connection failed).
    reached: usize,
    /// The steps' results, as imaplib's repr.
    replies: Vec<String>,
    /// The FETCH result.
    fetch: Option<Reply>,
    /// The error that stopped the session.
    error: Option<Error>,
    /// A `noop()` after the session (the client still alive), and how long it took.
    after: Option<(imaplib_proto::Result<Reply>, Duration)>,
    /// Bytes the client had written before that `noop()`.
    written_before_after: usize,
}

/// Expands to a function running the session through one client.
macro_rules! session {
    ($name:ident, [$($g:tt)*] $client:ty, [$($async:tt)*] [$($await:tt)*]) => {
        $($async)* fn $name<$($g)*>(stream: MemoryStream) -> Run {
            let peer = stream.peer();
            let mut run = Run::default();
            let mut m = match <$client>::from_stream(stream, "", &config(), false)$($await)* {
                Ok(m) => m,
                Err(e) => {
                    run.error = Some(e);
                    return run;
                }
            };
            run.reached = 1;
            'session: {
                macro_rules! step {
                    ($e:expr) => {
                        match $e {
                            Ok(r) => {
                                run.replies.push(r.python_repr());
                                run.reached += 1;
                                r
                            }
                            Err(e) => {
                                run.error = Some(e);
                                break 'session;
                            }
                        }
                    };
                }
                let _ = step!(m.login("alice", "pw")$($await)*);
                let _ = step!(m.select("INBOX", false)$($await)*);
                run.fetch = Some(step!(m.fetch("1", "(UID BODY[HEADER] BODY[TEXT])")$($await)*));
                let _ = step!(m.store("1", "+FLAGS", "(\\Deleted)")$($await)*);
                let _ = step!(m.logout()$($await)*);
            }
            run.written_before_after = peer.written().len();
            let t = Instant::now();
            let r = m.noop()$($await)*;
            run.after = Some((r, t.elapsed()));
            drop(m);
            run
        }
    };
}

session!(blocking_session, [] imaplib_blocking::Client<MemoryStream>, [] []);
session!(async_session_inner, [R: Runtime] AsyncClient<MemoryStream, R>, [async] [.await]);

/// A client: the blocking one, or the async one under a runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Adapter {
    Blocking,
    Smol,
    AsyncStd,
    Tokio,
}

const ADAPTERS: [Adapter; 4] = [
    Adapter::Blocking,
    Adapter::Smol,
    Adapter::AsyncStd,
    Adapter::Tokio,
];

/// The async client under each runtime.
const ASYNC: [Adapter; 3] = [Adapter::Smol, Adapter::AsyncStd, Adapter::Tokio];

/// Runs an async block, which names its client's runtime `$R`, on `$adapter`'s executor.
macro_rules! on_runtime {
    ($adapter:expr, |$R:ident| $body:expr) => {
        match $adapter {
            Adapter::Smol => {
                type $R = <runtimes::Smol as Exec>::R;
                runtimes::Smol::run($body)
            }
            Adapter::AsyncStd => {
                type $R = <runtimes::AsyncStd as Exec>::R;
                runtimes::AsyncStd::run($body)
            }
            Adapter::Tokio => {
                type $R = <runtimes::Tokio as Exec>::R;
                runtimes::Tokio::run($body)
            }
            Adapter::Blocking => unreachable!("not an async client"),
        }
    };
}

impl Adapter {
    fn run(self, stream: MemoryStream) -> Run {
        match self {
            Adapter::Blocking => blocking_session(stream),
            _ => on_runtime!(self, |R| async_session_inner::<R>(stream)),
        }
    }
}

/// Runs `f` on a thread and fails if it does not finish within `limit` (a hang).
fn watchdog<T: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = thread::Builder::new()
        .name(what.to_string())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .unwrap();
    match rx.recv_timeout(limit) {
        Ok(v) => {
            handle.join().unwrap();
            v
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The thread panicked: re-raise its panic here.
            match handle.join() {
                Err(p) => std::panic::resume_unwind(p),
                Ok(()) => unreachable!("the thread ended without sending"),
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: no result within {limit:?} (hang)"),
    }
}

fn literals(r: &Reply) -> Vec<(Vec<u8>, Vec<u8>)> {
    r.data
        .iter()
        .filter_map(Item::as_literal)
        .map(|(h, d)| (h.to_vec(), d.to_vec()))
        .collect()
}

/// Checks a complete session and returns its replies.
fn check_complete(run: &Run, peer: &Peer, what: &str) -> Vec<String> {
    assert!(run.error.is_none(), "{what}: {:?}", run.error);
    assert_eq!(run.reached, STEPS.len(), "{what}");
    let fetch = run.fetch.as_ref().expect("the FETCH result");
    assert_eq!(
        literals(fetch),
        [
            (
                format!("1 (UID 7 BODY[HEADER] {{{}}}", HEADER.len()).into_bytes(),
                HEADER.as_bytes().to_vec()
            ),
            (
                format!(" BODY[TEXT] {{{}}}", TEXT.len()).into_bytes(),
                TEXT.as_bytes().to_vec()
            ),
        ],
        "{what}"
    );
    assert_eq!(
        fetch.data.last(),
        Some(&Item::Line(b")".to_vec())),
        "{what}"
    );
    assert_eq!(fetch.data.len(), 3, "{what}: {fetch:?}");
    assert_eq!(
        String::from_utf8_lossy(&peer.written()),
        COMMANDS.concat(),
        "{what}"
    );
    assert_eq!(peer.starved(), 0, "{what}");
    // After LOGOUT: refused at once, not a byte written.
    let (after, took) = run.after.as_ref().unwrap();
    assert!(after.is_err(), "{what}: {after:?}");
    assert!(*took < Duration::from_secs(1), "{what}: {took:?}");
    assert_eq!(peer.written().len(), run.written_before_after, "{what}");
    run.replies.clone()
}

/// The same complete session in every chunking, through both clients: the same replies.
#[test]
fn whole_session_in_every_chunking_gives_identical_results() {
    let (bytes, marks, _) = server_bytes();
    let mut reference: Option<Vec<String>> = None;
    let variants: Vec<(&str, Chunking, usize, bool)> = vec![
        ("whole", Chunking::Whole, usize::MAX, false),
        ("1-byte reads and writes", Chunking::Pieces(1), 1, false),
        ("4 KiB reads", Chunking::Pieces(4096), usize::MAX, false),
        ("7-byte reads, 3-byte writes", Chunking::Pieces(7), 3, false),
        (
            "1-byte reads, stutter",
            Chunking::Pieces(1),
            usize::MAX,
            true,
        ),
        (
            "4 KiB reads, 5-byte writes, stutter",
            Chunking::Pieces(4096),
            5,
            true,
        ),
    ];
    for adapter in ADAPTERS {
        for (name, chunking, write_limit, stutter) in &variants {
            if *stutter && adapter == Adapter::Blocking {
                continue;
            }
            let what = format!("{adapter:?}, {name}");
            let stream = MemoryStream::from_marks(&bytes, &marks)
                .chunking(*chunking)
                .write_limit(*write_limit)
                .stutter(*stutter);
            let peer = stream.peer();
            let run = adapter.run(stream);
            let replies = check_complete(&run, &peer, &what);
            // LOGOUT completes on BYE, as imaplib's does: its tagged OK may stay unread.
            assert!(peer.served() >= marks[4] + BYE.len(), "{what}");
            if *chunking == Chunking::Pieces(1) {
                assert!(
                    peer.reads() >= peer.served(),
                    "{what}: {} reads",
                    peer.reads()
                );
            }
            if *stutter {
                assert!(peer.pendings() > 10, "{what}: {} Pending", peer.pendings());
            }
            match &reference {
                None => reference = Some(replies),
                Some(r) => assert_eq!(&replies, r, "{what}"),
            }
        }
    }
    let reference = reference.unwrap();
    assert_eq!(
        reference,
        [
            "('OK', [b'[CAPABILITY IMAP4rev1 LITERAL+ IDLE UIDPLUS] LOGIN completed'])",
            "('OK', [b'2'])",
            "('OK', [(b'1 (UID 7 BODY[HEADER] {37}', \
             b'From: a@example.org\\r\\nSubject: {5}\\r\\n\\r\\n'), \
             (b' BODY[TEXT] {60}', \
             b'Body with {5}\\r\\nhello\\r\\n* 1 EXISTS\\r\\nBCDE2 OK not the end\\r\\n) \\r\\n'), \
             b')'])",
            "('OK', [b'1 (FLAGS (\\\\Seen \\\\Deleted))'])",
            "('BYE', [b'Logging out'])",
        ]
    );
}

/// One sweep: the session cut after every offset through `adapter`, each cut twice: all
/// bytes in one read, and byte by byte (with 1-byte writes for the blocking client, with a
/// `Pending` at every other poll for the async one). Returns the number of offsets tested,
/// the runs made, and a summary line.
fn sweep(adapter: Adapter) -> (usize, usize, String) {
    let (bytes, marks, ends) = server_bytes();
    let total = bytes.len();
    let t = Instant::now();
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    let mut runs = 0;
    for (n, bytewise) in (0..=total).flat_map(|n| [(n, false), (n, true)]) {
        runs += 1;
        let chunking = if bytewise {
            Chunking::Pieces(1)
        } else {
            Chunking::Whole
        };
        let stutter = adapter != Adapter::Blocking && bytewise;
        let write_limit = if adapter == Adapter::Blocking && bytewise {
            1
        } else {
            usize::MAX
        };
        let stream = MemoryStream::from_marks(&bytes, &marks)
            .chunking(chunking)
            .write_limit(write_limit)
            .stutter(stutter)
            .cut_after(n);
        let peer = stream.peer();
        let what =
            format!("{adapter:?}, cut after {n} of {total} ({chunking:?}, stutter {stutter})");
        let run = adapter.run(stream);
        assert_eq!(peer.starved(), 0, "{what}");
        // The first step whose answer is not complete within the first n bytes fails.
        let want = ends.iter().position(|&e| e > n).unwrap_or(STEPS.len());
        assert_eq!(
            run.reached,
            want,
            "{what}: expected to fail at {}, got to {} ({:?})",
            STEPS.get(want).unwrap_or(&"the end"),
            STEPS.get(run.reached).unwrap_or(&"the end"),
            run.error
        );
        // Exactly the commands of the steps started.
        let sent = COMMANDS[..want.min(COMMANDS.len())].concat();
        let (after, took) = run
            .after
            .as_ref()
            .map_or((None, Duration::ZERO), |(r, d)| (Some(r), *d));
        match &run.error {
            None => {
                assert!(n >= ends[5], "{what}");
                check_complete(&run, &peer, &what);
                *outcomes.entry("complete".into()).or_default() += 1;
            }
            Some(e) => {
                assert_eq!(String::from_utf8_lossy(&peer.written()), sent, "{what}");
                assert!(e.is_abort(), "{what}: {e:?}");
                assert!(!e.is_timeout(), "{what}: {e:?}");
                assert_eq!(e.cause(), Cause::Io, "{what}: {e:?}");
                assert!(e.message().contains("EOF"), "{what}: {e}");
                assert!(peer.eof_reads() >= 1, "{what}");
                if want > 0 {
                    // The client lives on, dead: the next command fails at once, unsent.
                    let after = after.unwrap_or_else(|| panic!("{what}: no follow-up"));
                    let e2 = after.as_ref().unwrap_err();
                    assert!(e2.is_abort() && e2.cause() == Cause::Io, "{what}: {e2:?}");
                    assert!(took < Duration::from_secs(1), "{what}: {took:?}");
                    assert_eq!(peer.written().len(), run.written_before_after, "{what}");
                }
                let key = format!(
                    "{}: {:?}/{:?} {}",
                    STEPS[want],
                    e.kind(),
                    e.cause(),
                    e.message().split(" => ").last().unwrap_or_default()
                );
                *outcomes.entry(key).or_default() += 1;
            }
        }
        // Nothing was read past the cut, and the end of the stream was read at most twice.
        assert!(peer.served() <= n, "{what}");
        assert!(
            peer.eof_reads() <= 2,
            "{what}: {} EOF reads",
            peer.eof_reads()
        );
    }
    let elapsed = t.elapsed();
    let summary: Vec<String> = outcomes.iter().map(|(k, v)| format!("{v}× {k}")).collect();
    let line = format!(
        "IN-MEMORY | {adapter:?} client | session cut at every offset 0..={total}: {} cut offsets, \
         {runs} runs (whole and byte by byte) | {elapsed:.2?} | {}",
        total + 1,
        summary.join("; ")
    );
    (total + 1, runs, line)
}

#[test]
fn session_cut_at_every_byte_both_clients() {
    let t = Instant::now();
    let mut counts = Vec::new();
    // The sweeps of the four clients at once, each on its thread.
    let sweeps: Vec<_> = ADAPTERS
        .into_iter()
        .map(|adapter| {
            thread::spawn(move || {
                watchdog(
                    &format!("{adapter:?} sweep"),
                    Duration::from_secs(120),
                    move || sweep(adapter),
                )
            })
        })
        .collect();
    for sweep in sweeps {
        let (n, runs, line) = sweep
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        println!("{line}");
        assert_eq!(runs, 2 * n);
        counts.push(n);
    }
    let (bytes, _, _) = server_bytes();
    assert_eq!(counts, [bytes.len() + 1; ADAPTERS.len()]);
    println!(
        "IN-MEMORY | both clients (async: smol, async-std, tokio) | {} cut offsets per client | {:.2?}",
        counts[0],
        t.elapsed()
    );
}

// ----- cancellation and IDLE, in memory ----------------------------------------------------

const GREETING: &[u8] = b"* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] ready\r\n";
const LOGIN_OK: &[u8] = b"BCDE0 OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] LOGIN completed\r\n";

/// Turns the stutter of the stream under `m` off.
fn peer_stutter_off<R: Runtime>(m: &AsyncClient<MemoryStream, R>) {
    if let Some(s) = m.get_ref() {
        s.peer().set_stutter(false);
    }
}

/// An async FETCH dropped after each of its await points in turn (the stream answers
/// `Pending` at every other poll): the connection stays usable, the FETCH's answer is read
/// and discarded, and the next command gets its own result.
fn async_fetch_dropped_at_every_await_point_leaves_the_connection_usable<X: Exec>() {
    use std::future::Future;
    use std::task::{Context, Waker};

    let fetch_answer = format!(
        "* 1 FETCH (BODY[] {{{}}}\r\n{TEXT})\r\nBCDE2 OK FETCH completed\r\n",
        TEXT.len()
    );
    let segments = || {
        vec![
            (0, GREETING.to_vec()),
            (1, LOGIN_OK.to_vec()),
            (
                2,
                b"* 1 EXISTS\r\nBCDE1 OK [READ-WRITE] SELECT completed\r\n".to_vec(),
            ),
            (3, fetch_answer.clone().into_bytes()),
            (4, b"* 5 EXISTS\r\nBCDE3 OK NOOP completed\r\n".to_vec()),
        ]
    };
    let mut drops = 0;
    for polls in 1.. {
        assert!(polls < 10_000, "the FETCH never completed");
        let stream = MemoryStream::new(segments())
            .chunking(Chunking::Pieces(4))
            .stutter(true);
        let peer = stream.peer();
        let completed = X::run(async move {
            let mut m = AsyncClient::<_, X::R>::from_stream(stream, "", &config(), false)
                .await
                .unwrap();
            let _ = m.login("alice", "pw").await.unwrap();
            let _ = m.select("INBOX", false).await.unwrap();
            let mut completed = false;
            {
                let mut fetch = std::pin::pin!(m.fetch("1", "(BODY[])"));
                let mut cx = Context::from_waker(Waker::noop());
                for _ in 0..polls {
                    if let std::task::Poll::Ready(r) = fetch.as_mut().poll(&mut cx) {
                        let r = r.unwrap();
                        assert_eq!(literals(&r)[0].1, TEXT.as_bytes());
                        completed = true;
                        break;
                    }
                }
            }
            let r = m.noop().await.unwrap();
            assert_eq!(
                r.python_repr(),
                "('OK', [b'NOOP completed'])",
                "after {polls} polls"
            );
            assert_eq!(
                m.response("EXISTS").python_repr(),
                "('EXISTS', [b'1', b'5'])"
            );
            // A connected client dropped says LOGOUT if the stream takes it at once: make
            // sure it does (the stutter would refuse every other write).
            peer_stutter_off(&m);
            completed
        });
        assert_eq!(
            String::from_utf8_lossy(&peer.written()),
            "BCDE0 LOGIN alice \"pw\"\r\nBCDE1 SELECT INBOX\r\nBCDE2 FETCH 1 (BODY[])\r\n\
             BCDE3 NOOP\r\nBCDE4 LOGOUT\r\n",
            "after {polls} polls"
        );
        assert_eq!(peer.starved(), 0);
        if completed {
            break;
        }
        drops += 1;
    }
    assert!(drops > 20, "only {drops} await points");
    println!(
        "IN-MEMORY | async client, {} | FETCH dropped at each of {drops} await points | usable",
        X::NAME
    );
}

/// Expands to a function running IDLE through one client: two updates, DONE, the IDLE's
/// result, then NOOP.
macro_rules! idle_session {
    ($name:ident, [$($g:tt)*] $client:ty, [$($async:tt)*] [$($await:tt)*]) => {
        $($async)* fn $name<$($g)*>(stream: MemoryStream) -> Vec<String> {
            let mut out = Vec::new();
            let mut m = <$client>::from_stream(stream, "", &config(), false)$($await)*
                .unwrap();
            let _ = m.login("alice", "pw")$($await)*.unwrap();
            {
                let mut idler = m.idle(None)$($await)*.unwrap();
                for _ in 0..2 {
                    let r = idler.next()$($await)*.expect("an update").unwrap();
                    out.push(r.python_repr());
                }
                out.push(idler.done()$($await)*.unwrap().python_repr());
            }
            out.push(m.noop()$($await)*.unwrap().python_repr());
            out.push(m.response("EXISTS").python_repr());
            // The farewell LOGOUT goes out only if the stream takes it at once.
            if let Some(s) = m.get_ref() {
                s.peer().set_stutter(false);
            }
            out
        }
    };
}

idle_session!(blocking_idle, [] imaplib_blocking::Client<MemoryStream>, [] []);
idle_session!(async_idle_inner, [R: Runtime] AsyncClient<MemoryStream, R>, [async] [.await]);

#[test]
fn idle_in_memory_through_both_clients() {
    let segments = || {
        vec![
            (0, GREETING.to_vec()),
            (1, LOGIN_OK.to_vec()),
            (
                2,
                b"+ idling\r\n* 2 EXISTS\r\n* 1 FETCH (FLAGS (\\Seen))\r\n".to_vec(),
            ),
            (3, b"* 3 EXISTS\r\nBCDE1 OK IDLE terminated\r\n".to_vec()),
            (4, b"BCDE2 OK NOOP completed\r\n".to_vec()),
        ]
    };
    let want = [
        "('EXISTS', [b'2'])",
        "('FETCH', [b'1 (FLAGS (\\\\Seen))'])",
        "('OK', [b'IDLE terminated'])",
        "('OK', [b'NOOP completed'])",
        "('EXISTS', [b'3'])",
    ];
    // The client is dropped connected: LOGOUT, unanswered.
    let wire = "BCDE0 LOGIN alice \"pw\"\r\nBCDE1 IDLE\r\nDONE\r\nBCDE2 NOOP\r\nBCDE3 LOGOUT\r\n";
    for (chunking, stutter) in [
        (Chunking::Whole, false),
        (Chunking::Pieces(1), false),
        (Chunking::Pieces(1), true),
    ] {
        if !stutter {
            let stream = MemoryStream::new(segments()).chunking(chunking);
            let peer = stream.peer();
            assert_eq!(blocking_idle(stream), want, "blocking, {chunking:?}");
            assert_eq!(String::from_utf8_lossy(&peer.written()), wire);
            assert_eq!(peer.starved(), 0);
        }
        for adapter in ASYNC {
            let stream = MemoryStream::new(segments())
                .chunking(chunking)
                .stutter(stutter);
            let peer = stream.peer();
            let got = on_runtime!(adapter, |R| async_idle_inner::<R>(stream));
            assert_eq!(got, want, "{adapter:?}, {chunking:?}, stutter {stutter}");
            assert_eq!(String::from_utf8_lossy(&peer.written()), wire);
            assert_eq!(peer.starved(), 0);
        }
    }
}

/// A stream whose writes return `Ok(0)` (it takes nothing more): the command fails at once
/// with an I/O abort (`WriteZero`), through both clients, rather than retrying the write
/// until the silence timeout.
#[test]
fn a_write_returning_zero_fails_the_command_at_once() {
    let segments = || vec![(0, GREETING.to_vec()), (1, LOGIN_OK.to_vec())];
    let config = config().with_timeout(Some(Duration::from_secs(5)));
    // LOGIN is written whole; NOOP's first 3 bytes go, then nothing.
    let login = "BCDE0 LOGIN alice \"pw\"\r\n";
    let check = |r: imaplib_proto::Result<Reply>, took: Duration, peer: &Peer, what: &str| {
        let e = r.unwrap_err();
        assert!(took < Duration::from_secs(2), "{what}: {took:?} ({e})");
        assert!(e.is_abort() && !e.is_timeout(), "{what}: {e:?}");
        assert_eq!(e.cause(), Cause::Io, "{what}: {e:?}");
        assert_eq!(
            String::from_utf8_lossy(&peer.written()),
            format!("{login}BCD"),
            "{what}"
        );
    };
    let stream = MemoryStream::new(segments()).write_zero_after(login.len() + 3);
    let peer = stream.peer();
    let mut m = imaplib_blocking::Client::from_stream(stream, "", &config, false).unwrap();
    let _ = m.login("alice", "pw").unwrap();
    let t = Instant::now();
    let r = m.noop();
    check(r, t.elapsed(), &peer, "blocking");
    drop(m);

    for adapter in ASYNC {
        let stream = MemoryStream::new(segments()).write_zero_after(login.len() + 3);
        let peer = stream.peer();
        let config = config.clone();
        let (r, took) = on_runtime!(adapter, |R| async move {
            let mut m = AsyncClient::<_, R>::from_stream(stream, "", &config, false)
                .await
                .unwrap();
            let _ = m.login("alice", "pw").await.unwrap();
            let t = Instant::now();
            let r = m.noop().await;
            (r, t.elapsed())
        });
        check(r, took, &peer, &format!("{adapter:?}"));
    }
}

/// An async writer that refuses every other write with `Pending` (waking the task) and
/// takes at most 5 bytes at a time.
#[derive(Default)]
struct SlowWriter {
    data: Vec<u8>,
    pend: bool,
}

impl futures_lite::io::AsyncWrite for SlowWriter {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.pend = !self.pend;
        if self.pend {
            cx.waker().wake_by_ref();
            return std::task::Poll::Pending;
        }
        let n = buf.len().min(5);
        self.data.extend_from_slice(&buf[..n]);
        std::task::Poll::Ready(Ok(n))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_close(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// `fetch_to` (literals streamed to a writer from the read buffer) cut after every byte of
/// its answer, through both clients: the writer holds a prefix of the literals, the error is
/// an I/O abort; uncut, the literals arrive whole and the reply keeps imaplib's shape with
/// empty literals.
#[test]
fn fetch_to_cut_at_every_byte_both_clients() {
    let answer = format!(
        "* 1 FETCH (UID 7 BODY[HEADER] {{{}}}\r\n{HEADER} BODY[TEXT] {{{}}}\r\n{TEXT})\r\n\
         BCDE2 OK FETCH completed\r\n",
        HEADER.len(),
        TEXT.len()
    );
    let select = b"* 1 EXISTS\r\nBCDE1 OK [READ-WRITE] SELECT completed\r\n";
    let before = GREETING.len() + LOGIN_OK.len() + select.len();
    let bodies = format!("{HEADER}{TEXT}");
    let stream = |cut: usize| {
        MemoryStream::new(vec![
            (0, GREETING.to_vec()),
            (1, LOGIN_OK.to_vec()),
            (2, select.to_vec()),
            (3, answer.clone().into_bytes()),
        ])
        .cut_after(before + cut)
    };
    let parts = "(UID BODY[HEADER] BODY[TEXT])";
    let check = |cut: usize, r: imaplib_proto::Result<Reply>, written: &[u8], what: &str| {
        let what = format!("{what}, FETCH answer cut after {cut} of {}", answer.len());
        assert!(bodies.as_bytes().starts_with(written), "{what}");
        match r {
            Ok(r) => {
                assert!(cut >= answer.len(), "{what}");
                assert_eq!(written, bodies.as_bytes(), "{what}");
                assert_eq!(
                    literals(&r),
                    [
                        (
                            format!("1 (UID 7 BODY[HEADER] {{{}}}", HEADER.len()).into_bytes(),
                            vec![]
                        ),
                        (
                            format!(" BODY[TEXT] {{{}}}", TEXT.len()).into_bytes(),
                            vec![]
                        ),
                    ],
                    "{what}"
                );
            }
            Err(e) => {
                assert!(cut < answer.len(), "{what}: {e:?}");
                assert!(e.is_abort() && e.cause() == Cause::Io, "{what}: {e:?}");
            }
        }
    };
    for cut in 0..=answer.len() {
        let s = stream(cut).chunking(Chunking::Pieces(1 + cut % 7));
        let mut m = imaplib_blocking::Client::from_stream(s, "", &config(), false).unwrap();
        let _ = m.login("alice", "pw").unwrap();
        let _ = m.select("INBOX", false).unwrap();
        let mut out = Vec::new();
        let r = m.fetch_to("1", parts, &mut out);
        check(cut, r, &out, "blocking");

        for (adapter, stutter) in ASYNC.into_iter().flat_map(|a| [(a, false), (a, true)]) {
            let s = stream(cut)
                .chunking(Chunking::Pieces(1 + cut % 7))
                .stutter(stutter);
            let (r, out) = on_runtime!(adapter, |R| async move {
                let mut m = AsyncClient::<_, R>::from_stream(s, "", &config(), false)
                    .await
                    .unwrap();
                let _ = m.login("alice", "pw").await.unwrap();
                let _ = m.select("INBOX", false).await.unwrap();
                let mut out = SlowWriter::default();
                let r = m.fetch_to("1", parts, &mut out).await;
                (r, out.data)
            });
            check(cut, r, &out, &format!("{adapter:?}, stutter {stutter}"));
        }
    }
}

/// An async Idler dropped without `done()`: DONE goes out with the next call, the IDLE's
/// answer is discarded, updates not iterated reach the untagged store, and the next command
/// gets its own result.
fn async_idler_dropped_gets_done_with_the_next_call<X: Exec>() {
    for (chunking, stutter) in [(Chunking::Whole, false), (Chunking::Pieces(1), true)] {
        let stream = MemoryStream::new(vec![
            (0, GREETING.to_vec()),
            (1, LOGIN_OK.to_vec()),
            (2, b"+ idling\r\n* 2 EXISTS\r\n* 3 EXISTS\r\n".to_vec()),
            (3, b"* 4 EXISTS\r\nBCDE1 OK IDLE terminated\r\n".to_vec()),
            (4, b"BCDE2 OK NOOP completed\r\n".to_vec()),
        ])
        .chunking(chunking)
        .stutter(stutter);
        let peer = stream.peer();
        let peer_in = stream.peer();
        X::run(async move {
            let peer = peer_in;
            let mut m = AsyncClient::<_, X::R>::from_stream(stream, "", &config(), false)
                .await
                .unwrap();
            let _ = m.login("alice", "pw").await.unwrap();
            let mut idler = m.idle(None).await.unwrap();
            let first = idler.next().await.unwrap().unwrap();
            assert_eq!(first.python_repr(), "('EXISTS', [b'2'])");
            drop(idler);
            assert_eq!(
                String::from_utf8_lossy(&peer.written()),
                "BCDE0 LOGIN alice \"pw\"\r\nBCDE1 IDLE\r\n",
                "nothing written by the drop itself"
            );
            let r = m.noop().await.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'NOOP completed'])");
            assert_eq!(
                m.response("EXISTS").python_repr(),
                "('EXISTS', [b'3', b'4'])",
                "{chunking:?}"
            );
            peer.set_stutter(false);
        });
        assert_eq!(
            String::from_utf8_lossy(&peer.written()),
            "BCDE0 LOGIN alice \"pw\"\r\nBCDE1 IDLE\r\nDONE\r\nBCDE2 NOOP\r\nBCDE3 LOGOUT\r\n"
        );
        assert_eq!(peer.starved(), 0);
    }
}
