//! `event_loop`: the sans-IO core embedded in a hand-written, single-threaded event loop.
//!
//! Two IMAP sessions to the same server run side by side in one thread, with no async
//! runtime and no thread per connection: that is what the sans-IO [`Driver`] is for. A
//! session is a socket, a driver and a script. The driver does everything IMAP (commands,
//! results, the IDLE lifecycle, deadlines); the loop owns what the core refuses to own:
//!
//! * **the sockets** — non-blocking `mio` TCP streams, registered for readiness (epoll on
//!   Linux, kqueue on the BSDs).
//! * **the bytes** — each session keeps the task it is polling (connecting, a command's
//!   result, the start of IDLE, IDLE's next update) and, on every readiness event or
//!   timeout, polls it and does what the [`Step`] says: `Write` → write what the socket
//!   takes of [`Driver::output`] and report it with [`Driver::wrote`] (partial writes and
//!   `WouldBlock` are normal: the rest stays in the driver); `Read` → read until
//!   `WouldBlock` into [`Driver::feed`] (end of stream: [`Driver::feed_eof`]); `Done` → the
//!   task's result, and the script goes on.
//! * **the clock and the sleep** — the loop reads the clock once per turn and passes `now`
//!   to the drivers; the thread sleeps only in `mio::Poll::poll`, until a socket is ready or
//!   the earliest instant a session must be polled again: the `deadline` of its last
//!   `Read` / `Write` step, [`Driver::poll_timeout`], or a pause of its script.
//!
//! The *deadlines* belong to the driver ([`Timeouts`]): `--timeout` is its silence timeout,
//! which also bounds the TCP connect and the greeting; once it has passed, the next poll
//! ends the task with a timeout error. The IDLE duration is the `until` of
//! [`Driver::poll_idle_event`]. The loop keeps no timer of its own but the script's pauses,
//! and only name resolution blocks (std has no asynchronous resolver).
//!
//! Why `mio` (a dev-dependency of this crate only; the library depends on no IO crate): std
//! can make a socket non-blocking but cannot wait for *several* sockets and a deadline at
//! once, so a loop over two connections would have to spin or sleep a guessed interval.
//! `mio` is the thin, safe wrapper over `epoll`/`kqueue` that tokio is built on; `poll(2)`
//! through `libc` would do as well, at the price of `unsafe` code.
//!
//! # The script
//!
//! * `watch`: `LOGIN`, `EXAMINE mailbox`, `FETCH` the last three messages, `IDLE` for
//!   `--idle` seconds printing every update, `LOGOUT`.
//! * `other`: `LOGIN`, `LIST "" %`, `STATUS mailbox`, then, once `watch` is idling, a
//!   `NOOP` and `LOGOUT`. With `--append` it instead appends a small test message to the
//!   mailbox while `watch` idles (so that IDLE has something to report: `EXISTS`), and
//!   removes it again with `UID STORE +FLAGS.SILENT (\Deleted)` and, a second later,
//!   `UID EXPUNGE` (UIDPLUS), which `watch` sees as `FETCH` and `EXPUNGE`. Without
//!   `--append` nothing is changed on the server.
//!
//! # Running it
//!
//! ```text
//! IMAP_PASSWORD='…' cargo run -p imaplib-proto --example event_loop -- HOST PORT USER [options]
//!
//!   --idle SECS         how long `watch` stays in IDLE (default 5)
//!   --timeout SECS      how long the server may stay silent while a session waits for it
//!                       (the driver's silence timeout; default 30)
//!   --mailbox NAME      the mailbox to watch (default INBOX)
//!   --append            make IDLE show something: append a test message, then remove it
//!   --write-chunk N     write at most N bytes per write and one write per loop turn: shows
//!                       that partial writes are buffered (default: as much as the socket takes)
//!   --allow-plaintext   permit a host that is not loopback (LOGIN crosses the network in clear)
//! ```
//!
//! The password comes from the environment variable `IMAP_PASSWORD`, never the command line.
//! The driver hands out raw bytes to write; the `->` lines are the core's wire trace (the
//! `log` target `imaplib_proto::trace`), where the encoder has already replaced the password by
//! `<redacted N bytes>`. The exit status is 0 when both sessions ran their script to the
//! end, 1 when one failed (the summary says why: a refusal, a broken connection, a
//! timeout), 2 for a usage error.
//!
//! **Plain TCP only.** The script sends no STARTTLS and streams no APPEND, so the driver
//! never returns [`Step::StartTls`] or [`Step::ReadMessage`]; if it did, the session would
//! fail rather than carry on in clear. (TLS here would be one more sans-IO layer, e.g. a
//! `rustls::ClientConnection` between socket and driver.) Against a remote server, use a
//! TLS-capable client such as `imaplib-blocking`.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::collections::{BTreeSet, VecDeque};
use std::hash::BuildHasher;
use std::io::ErrorKind::{Interrupted, NotConnected, WouldBlock, WriteZero};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use imaplib_proto::driver::{Driver, Step, Timeouts};
use imaplib_proto::{Command, CommandId, Connection, Error, Options, Reply, Result, State};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

/// `println!` that does not panic when stdout is closed early (`… | head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

const USAGE: &str = "\
usage: IMAP_PASSWORD=… event_loop HOST PORT USER [options]

  --idle SECS        how long `watch` stays in IDLE (default 5)
  --timeout SECS     how long the server may stay silent while a session waits (default 30)
  --mailbox NAME     the mailbox to watch (default INBOX)
  --append           append a test message while `watch` idles, then remove it
  --write-chunk N    write at most N bytes per write, one write per loop turn
  --allow-plaintext  permit a host that is not loopback (LOGIN in clear)";

/// The message `--append` adds (and removes a few seconds later).
const TEST_MESSAGE: &[u8] =
    b"From: imaplib-proto event_loop example <event-loop@example.invalid>\r\n\
Subject: sans-IO event loop test message\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\
\r\n\
Appended by imaplib-proto's event_loop example to show IDLE at work.\r\n\
The example deletes it again (UID STORE \\Deleted + UID EXPUNGE) a moment later.\r\n";

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            say!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("event_loop: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(msg) => {
            eprintln!("event_loop: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

// ----- command line -----------------------------------------------------------------------

struct Args {
    host: String,
    port: u16,
    user: String,
    idle: Duration,
    timeout: Duration,
    mailbox: String,
    append: bool,
    write_chunk: Option<usize>,
    allow_plaintext: bool,
}

impl Args {
    /// `Ok(None)` for `--help`.
    fn parse(argv: impl Iterator<Item = String>) -> std::result::Result<Option<Args>, String> {
        let mut positional = Vec::new();
        let mut idle = Duration::from_secs(5);
        let mut timeout = Duration::from_secs(30);
        let mut mailbox = "INBOX".to_string();
        let mut append = false;
        let mut write_chunk = None;
        let mut allow_plaintext = false;
        let mut argv = argv;
        let secs = |v: Option<String>, what: &str| -> std::result::Result<Duration, String> {
            v.as_deref()
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s > 0.0 && *s < 86_400.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| format!("{what} needs a number of seconds"))
        };
        while let Some(arg) = argv.next() {
            match arg.as_str() {
                "--idle" => idle = secs(argv.next(), "--idle")?,
                "--timeout" => timeout = secs(argv.next(), "--timeout")?,
                "--mailbox" => mailbox = argv.next().ok_or("--mailbox needs a name")?,
                "--append" => append = true,
                "--allow-plaintext" => allow_plaintext = true,
                "--write-chunk" => {
                    let n = argv.next().and_then(|v| v.parse::<usize>().ok());
                    write_chunk = Some(n.filter(|n| *n > 0).ok_or("--write-chunk needs N > 0")?);
                }
                "-h" | "--help" => return Ok(None),
                s if s.starts_with('-') => return Err(format!("unknown option {s:?}")),
                _ => positional.push(arg),
            }
        }
        let [host, port, user] = <[String; 3]>::try_from(positional)
            .map_err(|_| "expected HOST PORT USER".to_string())?;
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("invalid port {port:?}"))?;
        Ok(Some(Args {
            host,
            port,
            user,
            idle,
            timeout,
            mailbox,
            append,
            write_chunk,
            allow_plaintext,
        }))
    }
}

// ----- the loop ---------------------------------------------------------------------------

/// Counters printed at the end: what the loop did.
#[derive(Default)]
struct Stats {
    turns: u64,
    events: u64,
    timer_wakeups: u64,
    bytes_in: u64,
    bytes_out: u64,
    reads: u64,
    writes: u64,
    would_block_writes: u64,
}

fn run(args: Args) -> std::result::Result<bool, String> {
    let password = std::env::var("IMAP_PASSWORD")
        .map_err(|_| "set the environment variable IMAP_PASSWORD".to_string())?;
    let addr = resolve(&args.host, args.port)?;
    if !addr.ip().is_loopback() && !args.allow_plaintext {
        return Err(format!(
            "{} is not a loopback address: this plain-TCP example would send the password in \
             clear; pass --allow-plaintext if that is really what you want",
            addr.ip()
        ));
    }
    let t0 = *T0.get_or_init(Instant::now);
    log::set_logger(&WireTrace).map_err(|e| format!("installing the logger: {e}"))?;
    log::set_max_level(log::LevelFilter::Trace);

    let mut poll = Poll::new().map_err(|e| format!("creating the poller: {e}"))?;
    let mut events = Events::with_capacity(16);
    // What sessions tell each other: (who, what), e.g. ("watch", "idling").
    let mut board = Board::new();
    let mut stats = Stats::default();
    // Every deadline is the driver's; --timeout is its silence timeout.
    let timeouts = Timeouts {
        silence: Some(args.timeout),
        ..Timeouts::default()
    };
    let memo = Memo {
        user: args.user.clone(),
        password,
        mailbox: args.mailbox.clone(),
        last: None,
        uid: None,
    };
    let scripts = [
        ("watch", watch_script(args.idle)),
        ("other", other_script(args.append)),
    ];
    let mut sessions = Vec::new();
    for (i, (name, script)) in scripts.into_iter().enumerate() {
        line(name, &format!("connecting to {addr}"));
        // Non-blocking connect: it completes (or fails) while the loop runs.
        let mut sock = TcpStream::connect(addr).map_err(|e| format!("{name}: {addr}: {e}"))?;
        (poll.registry())
            .register(&mut sock, Token(i), Interest::READABLE | Interest::WRITABLE)
            .map_err(|e| format!("{name}: registering the socket: {e}"))?;
        // Each connection gets its own random tag prefix; randomness is the caller's business.
        let mut options = Options::new(4096 + (RandomState::new().hash_one(i) % 61440) as u16);
        options.debug = 4; // the core's wire trace, for the `->` lines
        sessions.push(Session {
            name,
            sock: Some(sock),
            driver: Driver::new(options, timeouts),
            write_chunk: args.write_chunk,
            write_blocked: false,
            task: Task::Connect,
            wake: None,
            script,
            memo: memo.clone(),
            failed: None,
        });
    }

    loop {
        stats.turns += 1;
        let now = Instant::now();
        // 1. Every session polls its task and moves the bytes it asks for, until it has to
        //    wait for its socket or the clock. Go round again while sessions leave words
        //    for each other: no socket event would wake a session for that.
        loop {
            let words = board.len();
            for s in &mut sessions {
                s.drive(now, &mut board, &mut stats);
                if s.task == Task::Finished {
                    s.close(poll.registry());
                    board.insert((s.name, "finished"));
                }
            }
            if board.len() == words {
                break;
            }
        }
        if sessions.iter().all(|s| s.task == Task::Finished) {
            break;
        }

        // 2. Sleep in the kernel until a socket is ready or the earliest instant a session
        //    must be polled again.
        let wake = sessions.iter().filter_map(Session::next_wake).min();
        let timeout = wake.map(|w| w.saturating_duration_since(Instant::now()));
        match poll.poll(&mut events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == Interrupted => continue,
            Err(e) => return Err(format!("poll: {e}")),
        }
        if events.is_empty() && timeout != Some(Duration::ZERO) {
            stats.timer_wakeups += 1;
        }
        // 3. Readiness only says "try again": the next turn polls every task, and reads and
        //    writes go on until they would block (readiness is edge-triggered).
        for event in &events {
            stats.events += 1;
            if let Some(s) = sessions.get_mut(event.token().0) {
                s.write_blocked &= !event.is_writable();
            }
        }
    }

    let elapsed = t0.elapsed().as_secs_f64();
    say!(
        "\n{elapsed:.3} s, one thread: {} loop turns, {} readiness events, {} timer wake-ups; \
         {} bytes in over {} reads, {} bytes out over {} writes ({} would have blocked)",
        stats.turns,
        stats.events,
        stats.timer_wakeups,
        stats.bytes_in,
        stats.reads,
        stats.bytes_out,
        stats.writes,
        stats.would_block_writes
    );
    for s in &sessions {
        match &s.failed {
            Some(why) => say!("{}: FAILED: {why}", s.name),
            None => say!("{}: ok", s.name),
        }
    }
    Ok(sessions.iter().all(|s| s.failed.is_none()))
}

fn resolve(host: &str, port: u16) -> std::result::Result<SocketAddr, String> {
    // The one blocking step: std has no asynchronous name resolution.
    (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host} has no address"))
}

/// Words sessions leave for each other: (session, word).
type Board = BTreeSet<(&'static str, &'static str)>;

// ----- scripts ----------------------------------------------------------------------------

/// What a script step may use to build its command.
#[derive(Clone)]
struct Memo {
    user: String,
    password: String,
    mailbox: String,
    /// The result of the last command.
    last: Option<Reply>,
    /// The UID of the message `--append` added.
    uid: Option<String>,
}

/// What a step's builder decided.
enum Next {
    Send(Command),
    /// Skip the step, for this reason.
    Skip(&'static str),
}

/// Builds a step's command when the step starts, from what the session learnt so far.
type Build = Box<dyn FnOnce(&mut Memo, &mut Connection) -> Result<Next>>;

enum Action {
    /// Submit a command and wait for its result.
    Run(&'static str, Build),
    /// IDLE for this long, printing its updates, then DONE.
    Idle(Duration),
    /// A pause of the script.
    Pause(Duration),
    /// Wait until a session (first) puts a word (second) on the board, or is finished.
    WaitFor(&'static str, &'static str),
}

fn cmd(
    label: &'static str,
    f: impl FnOnce(&mut Memo, &mut Connection) -> Result<Next> + 'static,
) -> Action {
    Action::Run(label, Box::new(f))
}

fn login() -> Action {
    cmd("LOGIN", |m, conn| {
        if conn.state() != State::NonAuth {
            return Ok(Next::Skip("the server greeted with PREAUTH"));
        }
        Command::login(m.user.as_str(), m.password.as_str()).map(Next::Send)
    })
}

fn logout() -> Action {
    cmd("LOGOUT", |_, _| Ok(Next::Send(Command::logout())))
}

fn watch_script(idle: Duration) -> VecDeque<Action> {
    VecDeque::from([
        login(),
        cmd("EXAMINE", |m, _| {
            Command::select(m.mailbox.as_str(), true).map(Next::Send)
        }),
        cmd("FETCH", |m, _| {
            // EXAMINE's result is imaplib's: ('OK', [b'<EXISTS>']).
            let exists = m
                .last
                .as_ref()
                .and_then(|r| r.lines().last())
                .and_then(|l| std::str::from_utf8(l).ok()?.parse::<u32>().ok())
                .unwrap_or(0);
            if exists == 0 {
                return Ok(Next::Skip("the mailbox is empty"));
            }
            let set = format!("{}:{exists}", exists.saturating_sub(2).max(1));
            Command::fetch(
                &set,
                "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
            )
            .map(Next::Send)
        }),
        Action::Idle(idle),
        logout(),
    ])
}

fn other_script(append: bool) -> VecDeque<Action> {
    let mut steps = VecDeque::from([
        login(),
        cmd("LIST", |_, _| {
            Command::list(Some("".into()), Some("%".into())).map(Next::Send)
        }),
        cmd("STATUS", |m, _| {
            Command::status(m.mailbox.as_str(), "(MESSAGES UNSEEN UIDNEXT)").map(Next::Send)
        }),
        Action::WaitFor("watch", "idling"),
    ]);
    if !append {
        steps.extend([
            cmd("NOOP", |_, _| Ok(Next::Send(Command::noop()))),
            logout(),
        ]);
        return steps;
    }
    let uid_cmd = |label, f: fn(&str) -> Result<Command>| {
        cmd(label, move |m, _| match &m.uid {
            Some(uid) => f(uid).map(Next::Send),
            None => Ok(Next::Skip("no UID")),
        })
    };
    // A second between the changes, so that `watch` hears of each one: Dovecot tells
    // an IDLE client what changed since its last look, and a message already gone has no
    // flags to report.
    let pause = || Action::Pause(Duration::from_secs(1));
    steps.extend([
        pause(),
        cmd("APPEND", |m, _| {
            let mailbox = Some(m.mailbox.as_str().into());
            Command::append(mailbox, Some("(\\Seen)"), None, TEST_MESSAGE).map(Next::Send)
        }),
        cmd("SELECT", |m, conn| {
            // imaplib keeps response codes of tagged answers: APPEND's [APPENDUID v uid].
            let code = conn.response("APPENDUID");
            let uid = code.lines().last().and_then(|l| {
                let uid = std::str::from_utf8(l).ok()?.split(' ').nth(1)?;
                Some(uid.to_string())
            });
            m.uid = uid.filter(|_| conn.has_capability("UIDPLUS"));
            if m.uid.is_none() {
                return Ok(Next::Skip(
                    "no APPENDUID or no UIDPLUS: the test message stays, delete it by hand",
                ));
            }
            Command::select(m.mailbox.as_str(), false).map(Next::Send)
        }),
        pause(),
        uid_cmd("UID STORE", |uid| {
            Command::uid_store(uid, "+FLAGS.SILENT", "(\\Deleted)")
        }),
        pause(),
        uid_cmd("UID EXPUNGE", |uid| Command::uid_expunge(uid)),
        logout(),
    ]);
    steps
}

// ----- a session: one socket, one driver, one script ---------------------------------------

/// The task a session is polling.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Task {
    /// The TCP connect and the greeting: [`Driver::poll_connect`].
    Connect,
    /// A command's result: [`Driver::poll_result`].
    Command(&'static str, CommandId),
    /// The server's `+` for IDLE ([`Driver::poll_idle_start`]); then idle this long.
    IdleStart(Duration),
    /// IDLE's updates until then ([`Driver::poll_idle_event`]); then `DONE`.
    Idling(Instant),
    /// A pause of the script, until then.
    Pause(Instant),
    /// A word of a session on the board.
    WaitFor(&'static str, &'static str),
    /// The next step of the script may start.
    Ready,
    /// The script is over.
    Finished,
}

struct Session {
    name: &'static str,
    sock: Option<TcpStream>,
    driver: Driver,
    write_chunk: Option<usize>,
    /// The last write hit WouldBlock: wait for a writable event.
    write_blocked: bool,
    task: Task,
    /// When the task wants to be polled again if nothing else happens.
    wake: Option<Instant>,
    script: VecDeque<Action>,
    memo: Memo,
    failed: Option<String>,
}

impl Session {
    fn log(&self, msg: impl AsRef<str>) {
        line(self.name, msg.as_ref());
    }

    /// When the loop must poll this session again, whatever its socket does.
    fn next_wake(&self) -> Option<Instant> {
        match (self.wake, self.driver.poll_timeout()) {
            _ if self.task == Task::Finished => None,
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Polls the task and does what it asks, the script's next steps included, until the
    /// session has to wait for its socket, another session or the clock.
    fn drive(&mut self, now: Instant, board: &mut Board, stats: &mut Stats) {
        SESSION.set(self.name);
        self.driver.handle_timeout(now);
        loop {
            let again = match self.task {
                Task::Connect => {
                    let step = self.driver.poll_connect(now);
                    self.on(step, now, stats, Self::greeted)
                }
                Task::Command(label, id) => {
                    let step = self.driver.poll_result(id, now);
                    self.on(step, now, stats, |s, result| s.completed(label, result))
                }
                Task::IdleStart(d) => {
                    let step = self.driver.poll_idle_start(now);
                    self.on(step, now, stats, |s, result| {
                        s.idling(result, d, now, board)
                    })
                }
                Task::Idling(until) => {
                    let step = self.driver.poll_idle_event(Some(until), now);
                    self.on(step, now, stats, |s, update| s.update(update, now))
                }
                Task::Pause(until) if now < until => {
                    self.wake = Some(until);
                    false
                }
                Task::WaitFor(who, what)
                    if !board.contains(&(who, what)) && !board.contains(&(who, "finished")) =>
                {
                    false
                }
                Task::Finished => false,
                Task::Pause(_) | Task::WaitFor(..) | Task::Ready => {
                    self.next(now);
                    true
                }
            };
            if !again {
                return;
            }
        }
    }

    /// Does what a poll's step asks; a finished task's value goes to `done`. False when
    /// the session has to wait (until `self.wake` at the latest).
    fn on<T>(
        &mut self,
        step: Step<T>,
        now: Instant,
        stats: &mut Stats,
        done: impl FnOnce(&mut Self, T),
    ) -> bool {
        match step {
            Step::Done(value) => done(self, value),
            Step::Write { deadline } => {
                self.wake = deadline;
                return self.write(now, stats);
            }
            Step::Read { deadline } => {
                self.wake = deadline;
                return self.read(now, stats);
            }
            // Only STARTTLS, COMPRESS and a streamed APPEND ask for these, and the script
            // sends none of them.
            Step::StartTls | Step::StartCompression | Step::ReadMessage { .. } => {
                let e = io::Error::other("not in this plain-TCP example");
                self.driver.transport_error(Error::io(e), now);
            }
        }
        true
    }

    /// Writes what the socket takes of the driver's output. False when the session has to
    /// wait: WouldBlock, or (`--write-chunk`) one write per loop turn.
    fn write(&mut self, now: Instant, stats: &mut Stats) -> bool {
        let Some(sock) = self.sock.as_mut().filter(|_| !self.write_blocked) else {
            return false;
        };
        let out = self.driver.output();
        let n = self.write_chunk.map_or(out.len(), |c| c.min(out.len()));
        match sock.write(&out[..n]) {
            Ok(0) => (self.driver).transport_error(Error::io(WriteZero.into()), now),
            Ok(k) => {
                stats.writes += 1;
                stats.bytes_out += k as u64;
                self.driver.wrote(k, now);
                if self.write_chunk.is_some() {
                    // The rest stays in the driver; the loop comes back without sleeping.
                    self.wake = Some(now);
                    return false;
                }
            }
            Err(e) if e.kind() == WouldBlock => {
                stats.would_block_writes += 1;
                self.write_blocked = true;
                return false;
            }
            Err(e) if e.kind() == Interrupted => {}
            Err(e) => self.driver.transport_error(Error::io(e), now),
        }
        true
    }

    /// Reads until WouldBlock into the driver. False when nothing came.
    fn read(&mut self, now: Instant, stats: &mut Stats) -> bool {
        let Some(sock) = self.sock.as_mut() else {
            return false;
        };
        let mut buf = [0u8; 16 * 1024];
        let mut got = false;
        loop {
            match sock.read(&mut buf) {
                Ok(0) => {
                    self.driver.feed_eof(now);
                    return true;
                }
                Ok(n) => {
                    stats.reads += 1;
                    stats.bytes_in += n as u64;
                    self.driver.feed(&buf[..n], now);
                    got = true;
                }
                // A connect in progress reads as WouldBlock (NotConnected on some systems):
                // no greeting yet. A failed connect reads as its error.
                Err(e) if matches!(e.kind(), WouldBlock | NotConnected) => return got,
                Err(e) if e.kind() == Interrupted => {}
                Err(e) => {
                    self.driver.transport_error(Error::io(e), now);
                    return true;
                }
            }
        }
    }

    fn greeted(&mut self, result: Result<()>) {
        if let Err(e) = result {
            self.log(format!("connecting failed: {e}"));
            return self.fail(format!("connect: {e}"));
        }
        let c = self.driver.connection();
        let welcome = String::from_utf8_lossy(c.welcome().unwrap_or_default());
        let caps = c.capabilities().len();
        self.log(format!(
            "<- greeting {} ({caps} capabilities)",
            shorten(&welcome, 60)
        ));
        self.task = Task::Ready;
    }

    fn completed(&mut self, label: &str, result: Result<Reply>) {
        match result {
            // Like imaplib, some commands (SELECT, STATUS…) return a NO as a result rather
            // than an error; for this script that is a failure all the same.
            Ok(reply) if reply.typ == "NO" || reply.typ == "BAD" => {
                let repr = reply.python_repr();
                self.log(format!("<- {label} refused: {}", shorten(&repr, 110)));
                self.fail(format!("{label}: {repr}"));
            }
            Ok(reply) => {
                self.log(format!("<- {label} {}", shorten(&reply.python_repr(), 110)));
                self.memo.last = Some(reply);
                self.task = Task::Ready;
            }
            Err(e) => {
                self.log(format!("<- {label} failed: {e}"));
                self.fail(format!("{label}: {e}"));
            }
        }
    }

    fn idling(&mut self, result: Result<()>, d: Duration, now: Instant, board: &mut Board) {
        if let Err(e) = result {
            return self.fail(format!("IDLE: {e}"));
        }
        let secs = d.as_secs_f64();
        self.log(format!(
            "<- + idling for {secs:.1} s (the driver's `until` ends it)"
        ));
        board.insert((self.name, "idling"));
        self.task = Task::Idling(now + d);
    }

    /// An update of the IDLE, or (`None`) the end of its time.
    fn update(&mut self, update: Option<Result<Reply>>, now: Instant) {
        match update {
            Some(Ok(reply)) => {
                let repr = reply.python_repr();
                self.log(format!("<- unsolicited {}", shorten(&repr, 100)));
            }
            Some(Err(e)) => self.fail(format!("IDLE: {e}")),
            None => {
                self.log("IDLE time is up: DONE");
                match self.driver.idle_done(now) {
                    Ok(id) => self.task = Task::Command("IDLE", id),
                    Err(e) => self.fail(format!("DONE: {e}")),
                }
            }
        }
    }

    /// Starts the next step of the script.
    fn next(&mut self, now: Instant) {
        let Some(action) = self.script.pop_front() else {
            // Script over (LOGOUT completed, or the connection failed).
            if !self.driver.connection().is_closed() && self.failed.is_none() {
                self.failed = Some("script ended without LOGOUT".into());
            }
            self.task = Task::Finished;
            return;
        };
        self.task = Task::Ready;
        match action {
            Action::Run(label, build) => {
                match build(&mut self.memo, self.driver.connection_mut()) {
                    Ok(Next::Send(command)) => match self.driver.submit(command, now) {
                        Ok(id) => self.task = Task::Command(label, id),
                        // Refused before any byte was queued (wrong state, capability…).
                        Err(e) => self.fail(format!("{label}: {e}")),
                    },
                    Ok(Next::Skip(why)) => self.log(format!("{label} skipped: {why}")),
                    // An argument the encoder refuses (NUL in a name, say): nothing was sent.
                    Err(e) => self.fail(format!("{label}: {e}")),
                }
            }
            Action::Idle(d) => match self.driver.idle_start(now) {
                Ok(_) => self.task = Task::IdleStart(d),
                Err(e) => self.fail(format!("IDLE: {e}")),
            },
            Action::Pause(d) => {
                self.log(format!("pause {:.1} s (a loop timer)", d.as_secs_f64()));
                self.task = Task::Pause(now + d);
            }
            Action::WaitFor(who, what) => {
                self.log(format!("waiting until {who} is {what}"));
                self.task = Task::WaitFor(who, what);
            }
        }
    }

    /// Records a failure; the rest of the script is dropped for a LOGOUT if the connection
    /// can still take one.
    fn fail(&mut self, why: String) {
        self.failed.get_or_insert(why);
        self.script.clear();
        let c = self.driver.connection();
        let usable = c.is_connected() && !c.is_closed() && c.state() != State::Logout;
        if usable && !matches!(self.task, Task::Command("LOGOUT", _)) {
            self.script.push_back(logout());
        }
        self.task = Task::Ready;
    }

    /// Deregisters and closes the socket once the session is over.
    fn close(&mut self, registry: &mio::Registry) {
        if let Some(mut sock) = self.sock.take() {
            let _ = registry.deregister(&mut sock);
            let _ = sock.shutdown(std::net::Shutdown::Both);
            self.log(if self.failed.is_some() {
                "closed (failed)"
            } else {
                "closed"
            });
        }
    }
}

// ----- printing ---------------------------------------------------------------------------

static T0: OnceLock<Instant> = OnceLock::new();

thread_local! {
    /// The session being driven, to name it in the wire trace.
    static SESSION: Cell<&'static str> = const { Cell::new("") };
}

fn line(who: &str, msg: &str) {
    let t = T0.get().map_or(0.0, |t0| t0.elapsed().as_secs_f64());
    say!("{t:>8.3}s {who:<6} {msg}");
}

/// Prints what the drivers queue for the server, from the core's wire trace (`C:` lines of
/// the `imaplib_proto::trace` target), where the encoder has already redacted every secret.
struct WireTrace;

impl log::Log for WireTrace {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.target() == imaplib_proto::trace::WIRE_TARGET
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            if let Some(sent) = record.args().to_string().strip_prefix("C: ") {
                line(SESSION.get(), &format!("-> {}", shorten(sent, 110)));
            }
        }
    }

    fn flush(&self) {}
}

/// Cuts `s` to about `max` characters for the log.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max).collect();
    format!("{head}… ({} chars)", s.chars().count())
}
