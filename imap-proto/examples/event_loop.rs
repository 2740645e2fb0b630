//! `event_loop`: the sans-IO core embedded in a hand-written, single-threaded event loop.
//!
//! Two IMAP sessions to the same server run side by side in one thread, with no async
//! runtime and no thread per connection: that is what a sans-IO [`Connection`] is for. The
//! loop owns everything the core refuses to own:
//!
//! * **the sockets** — non-blocking `mio` TCP streams, registered for readiness (epoll on
//!   Linux, kqueue on the BSDs). Reads drain a socket until `WouldBlock` and go to
//!   [`Connection::feed`]; end of stream goes to [`Connection::feed_eof`].
//! * **the writes** — each [`Output::Send`] is appended to the session's outgoing buffer;
//!   the loop writes what the socket takes and keeps the rest for the next writable event
//!   (partial writes and `WouldBlock` are normal, not errors).
//! * **the clock** — the core has no timer. The loop gives every wait a deadline (connect
//!   and greeting, then "the server has been silent for `--timeout` seconds while a
//!   command is pending"), sleeps in `poll` no longer than the nearest one, and when one
//!   passes it tells the core with [`Connection::transport_error`]: every pending command
//!   then completes with a timeout error. The IDLE duration and the pauses of the script
//!   are timers of the same loop.
//!
//! Only name resolution blocks (std has no asynchronous resolver); connecting, the
//! greeting, every command and IDLE are non-blocking, and the thread only ever sleeps in
//! `poll`.
//!
//! Why `mio` (a dev-dependency of this crate only; the library depends on no IO crate): std
//! can make a socket non-blocking but cannot wait for *several* sockets and a deadline at
//! once. Without a readiness API a loop over two connections must either spin or sleep a
//! guessed interval between passes, which is polling, not an event loop. `mio` is the thin,
//! safe wrapper over `epoll`/`kqueue` that tokio itself is built on; `poll(2)` through
//! `libc` would do as well, at the price of `unsafe` code. Everything that touches the
//! IMAP core is the same whichever readiness API wakes the loop.
//!
//! # The script
//!
//! * `watch`: `LOGIN`, `EXAMINE mailbox`, `FETCH` the last three messages, `IDLE` for
//!   `--idle` seconds printing every [`Output::Unsolicited`] response, `LOGOUT`.
//! * `other`: `LOGIN`, `LIST "" %`, `STATUS mailbox`, then, once `watch` is idling, a
//!   `NOOP` and `LOGOUT`. With `--append` it instead appends a small test message to the
//!   mailbox while `watch` idles (so that IDLE has something to report: `EXISTS`), and a
//!   second later removes it again with `UID STORE +FLAGS.SILENT (\Deleted)` and
//!   `UID EXPUNGE` (UIDPLUS), which `watch` sees as `FETCH` and `EXPUNGE`. Without
//!   `--append` nothing is changed on the server.
//!
//! # Running it
//!
//! ```text
//! IMAP_PASSWORD='…' cargo run -p imaplib-proto --example event_loop -- HOST PORT USER [options]
//!
//!   --idle SECS         how long `watch` stays in IDLE (default 5)
//!   --timeout SECS      how long the server may stay silent while a command waits (default 30)
//!   --mailbox NAME      the mailbox to watch (default INBOX)
//!   --append            make IDLE show something: append a test message, then remove it
//!   --write-chunk N     write at most N bytes per write and one write per loop turn: shows
//!                       that partial writes are buffered (default: as much as the socket takes)
//!   --allow-plaintext   permit a host that is not loopback (LOGIN crosses the network in clear)
//! ```
//!
//! The password comes from the environment variable `IMAP_PASSWORD`, never the command line,
//! and every trace of it is redacted by the core (the `LOGIN` line prints as
//! `<redacted N bytes>`).
//!
//! **Plain TCP only.** The example never asks for STARTTLS, so the core never yields
//! [`Output::StartTls`]; if it did, the session fails rather than carry on in clear. (TLS in
//! a loop like this is one more sans-IO layer — e.g. a `rustls::ClientConnection` between the
//! socket and [`Connection`] — omitted to keep the example about the IMAP core.) Against a
//! remote server, use a TLS-capable client such as `imaplib-blocking`.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::hash::BuildHasher;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use imaplib_proto::{Command, CommandId, Connection, Error, Options, Output, Reply, State};
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
usage: IMAP_PASSWORD=… event_loop HOST PORT USER [--idle SECS] [--timeout SECS] [--mailbox NAME]
                                  [--append] [--write-chunk N] [--allow-plaintext]";

const HELP: &str = "\
Runs a small IMAP script on two plain-TCP connections driven by one single-threaded event
loop: `watch` logs in, examines the mailbox, fetches the last messages and IDLEs; `other`
lists, asks STATUS and, with --append, adds and removes a test message while `watch` idles.
The password comes from IMAP_PASSWORD.

  --idle SECS        how long `watch` stays in IDLE (default 5)
  --timeout SECS     how long the server may stay silent while a command waits (default 30)
  --mailbox NAME     the mailbox to watch (default INBOX)
  --append           append a test message while `watch` idles, then remove it
  --write-chunk N    write at most N bytes per write, one write per loop turn
  --allow-plaintext  permit a host that is not loopback (LOGIN in clear)";

/// The message `--append` adds (and removes a second later).
const TEST_MESSAGE: &[u8] =
    b"From: imaplib-proto event_loop example <event-loop@example.invalid>\r\n\
Subject: sans-IO event loop test message\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\
\r\n\
Appended by imaplib-proto's event_loop example to show IDLE at work.\r\n\
The example deletes it again (UID STORE \\Deleted + UID EXPUNGE) a second later.\r\n";

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            say!("{USAGE}\n\n{HELP}");
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
    fn parse(argv: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
        let mut positional = Vec::new();
        let mut idle = Duration::from_secs(5);
        let mut timeout = Duration::from_secs(30);
        let mut mailbox = "INBOX".to_string();
        let mut append = false;
        let mut write_chunk = None;
        let mut allow_plaintext = false;
        let mut argv = argv;
        let secs = |v: Option<String>, what: &str| -> Result<Duration, String> {
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

fn run(args: Args) -> Result<bool, String> {
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

    let t0 = Instant::now();
    let mut poll = Poll::new().map_err(|e| format!("creating the poller: {e}"))?;
    let mut events = Events::with_capacity(16);
    // What sessions tell each other: (who, what), e.g. ("watch", "idling").
    let mut board = BTreeSet::new();
    let mut stats = Stats::default();
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
        let mut s = Session::connect(name, Token(i), addr, &poll, t0, &args, memo.clone())
            .map_err(|e| format!("{name}: connecting to {addr}: {e}"))?;
        s.steps = script;
        s.log(format!("connecting to {addr}"));
        sessions.push(s);
    }

    loop {
        stats.turns += 1;
        let now = Instant::now();
        // 1. Let every session act on what it has: core outputs, its script, its timers.
        //    Outputs are drained before timers run, so that IDLE's last responses are
        //    printed before DONE takes the unpolled ones back into the untagged store.
        //    Go round again while sessions leave words for each other: no socket event
        //    would wake a session for that.
        loop {
            let words = board.len();
            for s in &mut sessions {
                s.advance(now, &mut board);
                s.on_time(now);
                s.advance(now, &mut board);
                s.flush(&mut stats);
                if s.is_finished() {
                    s.close(poll.registry());
                    board.insert((s.name, "finished"));
                }
            }
            if board.len() == words {
                break;
            }
        }
        if sessions.iter().all(Session::is_finished) {
            break;
        }

        // 2. Sleep in the kernel until a socket is ready or the nearest deadline. A session
        //    with bytes left to write that did not hit WouldBlock (only with --write-chunk)
        //    must not wait for a writable edge that will never come: poll without sleeping.
        let wake = sessions.iter().filter_map(Session::next_wakeup).min();
        let busy = sessions.iter().any(Session::wants_write_now);
        let timeout = if busy {
            Some(Duration::ZERO)
        } else {
            wake.map(|w| w.saturating_duration_since(Instant::now()))
        };
        match poll.poll(&mut events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("poll: {e}")),
        }
        if events.is_empty() && !busy {
            stats.timer_wakeups += 1;
        }

        // 3. Move bytes for every ready socket.
        for event in &events {
            stats.events += 1;
            if let Some(s) = sessions.get_mut(event.token().0) {
                s.on_ready(event, &mut stats);
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
    let mut ok = true;
    for s in &sessions {
        if let Some(why) = &s.failed {
            say!("{}: FAILED: {why}", s.name);
            ok = false;
        } else {
            say!("{}: ok", s.name);
        }
    }
    Ok(ok)
}

fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
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
type Build = Box<dyn FnOnce(&mut Memo, &mut Connection) -> imaplib_proto::Result<Next>>;

enum Step {
    /// Submit a command and wait for its completion.
    Run(&'static str, Build),
    /// IDLE for this long, printing unsolicited responses, then DONE.
    Idle(Duration),
    /// A timer owned by the loop.
    Pause(Duration),
    /// Wait until a session (first) puts a word (second) on the board, or is finished.
    WaitFor(&'static str, &'static str),
}

fn cmd(
    label: &'static str,
    f: impl FnOnce(&mut Memo, &mut Connection) -> imaplib_proto::Result<Next> + 'static,
) -> Step {
    Step::Run(label, Box::new(f))
}

fn login() -> Step {
    cmd("LOGIN", |m, conn| {
        if conn.state() != State::NonAuth {
            return Ok(Next::Skip("the server greeted with PREAUTH"));
        }
        Command::login(m.user.as_str(), m.password.as_str()).map(Next::Send)
    })
}

fn logout() -> Step {
    cmd("LOGOUT", |_, _| Ok(Next::Send(Command::logout())))
}

fn watch_script(idle: Duration) -> VecDeque<Step> {
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
        Step::Idle(idle),
        logout(),
    ])
}

fn other_script(append: bool) -> VecDeque<Step> {
    let mut steps = VecDeque::from([
        login(),
        cmd("LIST", |_, _| {
            Command::list(Some("".into()), Some("%".into())).map(Next::Send)
        }),
        cmd("STATUS", |m, _| {
            Command::status(m.mailbox.as_str(), "(MESSAGES UNSEEN UIDNEXT)").map(Next::Send)
        }),
        Step::WaitFor("watch", "idling"),
    ]);
    if !append {
        steps.extend([
            cmd("NOOP", |_, _| Ok(Next::Send(Command::noop()))),
            logout(),
        ]);
        return steps;
    }
    steps.extend([
        Step::Pause(Duration::from_secs(1)),
        cmd("APPEND", |m, _| {
            Command::append(
                Some(m.mailbox.as_str().into()),
                Some("(\\Seen)"),
                None,
                TEST_MESSAGE,
            )
            .map(Next::Send)
        }),
        cmd("SELECT", |m, conn| {
            // imaplib keeps response codes of tagged answers: APPEND's [APPENDUID v uid].
            let code = conn.response("APPENDUID");
            m.uid = code.lines().last().and_then(|l| {
                std::str::from_utf8(l)
                    .ok()?
                    .split(' ')
                    .nth(1)
                    .map(str::to_string)
            });
            if m.uid.is_none() || !conn.has_capability("UIDPLUS") {
                m.uid = None;
                return Ok(Next::Skip(
                    "no APPENDUID or no UIDPLUS: the test message stays, delete it by hand",
                ));
            }
            Command::select(m.mailbox.as_str(), false).map(Next::Send)
        }),
        Step::Pause(Duration::from_secs(1)),
        cmd("UID STORE", |m, _| match &m.uid {
            Some(uid) => Command::uid_store(uid, "+FLAGS.SILENT", "(\\Deleted)").map(Next::Send),
            None => Ok(Next::Skip("no UID")),
        }),
        cmd("UID EXPUNGE", |m, _| match &m.uid {
            Some(uid) => Command::uid_expunge(uid).map(Next::Send),
            None => Ok(Next::Skip("no UID")),
        }),
        logout(),
    ]);
    steps
}

// ----- a session: one socket, one core, one script -----------------------------------------

/// What a session is waiting for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wait {
    /// The TCP handshake.
    Connecting,
    /// The server's greeting (and, inside the core, the capabilities).
    Greeting,
    /// Nothing: the next step may start.
    Ready,
    /// A command's completion.
    Reply(CommandId),
    /// The server's `+` for IDLE; then idle this long.
    IdleStart(CommandId, Duration),
    /// Inside IDLE until the instant, then DONE.
    Idling(CommandId, Instant),
    /// A pause.
    Timer(Instant),
    /// A word of a session on the board, giving up at the instant.
    Flag(&'static str, &'static str, Instant),
    /// The socket is closed.
    Finished,
}

struct Session {
    name: &'static str,
    sock: Option<TcpStream>,
    conn: Connection,
    /// Bytes the core produced that the socket has not taken yet.
    out: VecDeque<u8>,
    /// The last write hit WouldBlock: wait for a writable event.
    write_blocked: bool,
    write_chunk: Option<usize>,
    wait: Wait,
    steps: VecDeque<Step>,
    labels: HashMap<CommandId, &'static str>,
    memo: Memo,
    timeout: Duration,
    /// When the server last gave a sign of life (or we started waiting on it).
    heard: Instant,
    t0: Instant,
    failed: Option<String>,
}

impl Session {
    fn connect(
        name: &'static str,
        token: Token,
        addr: SocketAddr,
        poll: &Poll,
        t0: Instant,
        args: &Args,
        memo: Memo,
    ) -> io::Result<Session> {
        // Non-blocking connect: completion (or failure) is reported as a writable event.
        let mut sock = TcpStream::connect(addr)?;
        poll.registry()
            .register(&mut sock, token, Interest::READABLE | Interest::WRITABLE)?;
        // Each connection gets its own random tag prefix; randomness is the caller's business.
        let seed = 4096 + (RandomState::new().hash_one(token.0) % 61440) as u16;
        Ok(Session {
            name,
            sock: Some(sock),
            conn: Connection::new(Options::new(seed)),
            out: VecDeque::new(),
            write_blocked: false,
            write_chunk: args.write_chunk,
            wait: Wait::Connecting,
            steps: VecDeque::new(),
            labels: HashMap::new(),
            memo,
            timeout: args.timeout,
            heard: Instant::now(),
            t0,
            failed: None,
        })
    }

    fn log(&self, msg: impl AsRef<str>) {
        let t = self.t0.elapsed().as_secs_f64();
        say!("{t:>8.3}s {:<6} {}", self.name, msg.as_ref());
    }

    fn is_finished(&self) -> bool {
        self.wait == Wait::Finished
    }

    /// The deadline of the current wait on the server, if any. This is the whole timeout
    /// machinery: the core never sees a clock.
    fn deadline(&self) -> Option<Instant> {
        match self.wait {
            Wait::Connecting | Wait::Greeting | Wait::Reply(_) | Wait::IdleStart(..) => {
                Some(self.heard + self.timeout)
            }
            _ => None,
        }
    }

    /// When the loop must wake up for this session even if no socket is ready.
    fn next_wakeup(&self) -> Option<Instant> {
        match self.wait {
            Wait::Idling(_, until) | Wait::Timer(until) | Wait::Flag(_, _, until) => Some(until),
            _ => self.deadline(),
        }
    }

    fn wants_write_now(&self) -> bool {
        !self.out.is_empty() && !self.write_blocked && self.sock.is_some()
    }

    /// Timers and deadlines.
    fn on_time(&mut self, now: Instant) {
        match self.wait {
            Wait::Timer(t) if now >= t => self.wait = Wait::Ready,
            Wait::Flag(who, what, t) if now >= t => {
                self.log(format!("gave up waiting for {who} {what}"));
                self.wait = Wait::Ready;
            }
            Wait::Idling(id, until) if now >= until => {
                self.log("IDLE time is up: DONE");
                if let Err(e) = self.conn.idle_done(id) {
                    self.log(format!("idle_done: {e}"));
                }
                self.wait = Wait::Reply(id);
                self.heard = now;
            }
            _ => {}
        }
        if self.deadline().is_some_and(|d| now >= d) {
            let what = match self.wait {
                Wait::Connecting => "connecting",
                Wait::Greeting => "waiting for the greeting",
                _ => "waiting for an answer",
            };
            self.log(format!("timeout: {what}"));
            // Tell the core the transport failed; it completes every pending command with
            // this error and emits Output::Error.
            self.conn.transport_error(Error::io(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the server was silent for {:?}", self.timeout),
            )));
        }
    }

    /// Drains the core's outputs and starts script steps until the session has to wait.
    fn advance(&mut self, now: Instant, board: &mut Board) {
        loop {
            while let Some(out) = self.conn.poll_output() {
                self.on_output(out, now, board);
            }
            if let Wait::Flag(who, what, _) = self.wait {
                if board.contains(&(who, what)) || board.contains(&(who, "finished")) {
                    self.wait = Wait::Ready;
                }
            }
            if self.wait != Wait::Ready {
                return;
            }
            match self.steps.pop_front() {
                Some(step) => self.start(step, now),
                None => {
                    // Script over (LOGOUT completed, or the connection failed).
                    if !self.conn.is_closed() && self.failed.is_none() {
                        self.fail("script ended without LOGOUT".into());
                    }
                    self.wait = Wait::Finished;
                    return;
                }
            }
        }
    }

    fn start(&mut self, step: Step, now: Instant) {
        match step {
            Step::Run(label, build) => match build(&mut self.memo, &mut self.conn) {
                Ok(Next::Send(command)) => self.submit(label, command, now),
                Ok(Next::Skip(why)) => self.log(format!("{label} skipped: {why}")),
                // An argument the encoder refuses (NUL in a name, say): nothing was sent.
                Err(e) => self.fail(format!("{label}: {e}")),
            },
            Step::Idle(d) => {
                self.submit("IDLE", Command::idle(), now);
                if let Wait::Reply(id) = self.wait {
                    self.wait = Wait::IdleStart(id, d);
                }
            }
            Step::Pause(d) => {
                self.log(format!("pause {:.1} s (a loop timer)", d.as_secs_f64()));
                self.wait = Wait::Timer(now + d);
            }
            Step::WaitFor(who, what) => {
                self.log(format!("waiting until {who} is {what}"));
                self.wait = Wait::Flag(who, what, now + self.timeout);
            }
        }
    }

    fn submit(&mut self, label: &'static str, command: Command, now: Instant) {
        match self.conn.submit(command) {
            Ok(id) => {
                self.labels.insert(id, label);
                self.wait = Wait::Reply(id);
                self.heard = now;
            }
            // Refused before any byte was queued (wrong state, missing capability…).
            Err(e) => self.fail(format!("{label}: {e}")),
        }
    }

    fn on_output(&mut self, out: Output, now: Instant, board: &mut Board) {
        match out {
            Output::Send(bytes) => {
                // Debug redacts secrets (the LOGIN password) by construction.
                self.log(format!("-> {}", shorten(&format!("{bytes:?}"), 110)));
                self.out.extend(&bytes.bytes);
            }
            Output::Connected => {
                let welcome = self.conn.welcome().map(String::from_utf8_lossy);
                self.log(format!(
                    "<- greeting {} ({} capabilities)",
                    shorten(&welcome.unwrap_or_default(), 60),
                    self.conn.capabilities().len()
                ));
                self.wait = Wait::Ready;
            }
            Output::Completed { id, result } => {
                let label = self.labels.remove(&id).unwrap_or("command");
                match result {
                    // Like imaplib, some commands (SELECT, STATUS…) return a NO as a result
                    // rather than an error; for this script that is a failure all the same.
                    Ok(reply) if reply.typ == "NO" || reply.typ == "BAD" => {
                        let repr = reply.python_repr();
                        self.log(format!("<- {label} refused: {}", shorten(&repr, 110)));
                        self.fail(format!("{label}: {repr}"));
                    }
                    Ok(reply) => {
                        self.log(format!("<- {label} {}", shorten(&reply.python_repr(), 110)));
                        self.memo.last = Some(reply);
                    }
                    Err(e) => {
                        self.log(format!("<- {label} failed: {e}"));
                        self.fail(format!("{label}: {e}"));
                    }
                }
                if matches!(self.wait, Wait::Reply(w) | Wait::IdleStart(w, _) | Wait::Idling(w, _) if w == id)
                {
                    self.wait = Wait::Ready;
                }
            }
            Output::IdleStarted { id } => {
                if let Wait::IdleStart(w, d) = self.wait {
                    if w == id {
                        self.log(format!(
                            "<- + idling for {:.1} s (a loop timer ends it)",
                            d.as_secs_f64()
                        ));
                        self.wait = Wait::Idling(id, now + d);
                        board.insert((self.name, "idling"));
                    }
                }
            }
            Output::Unsolicited(reply) => {
                self.log(format!(
                    "<- unsolicited {}",
                    shorten(&reply.python_repr(), 100)
                ));
            }
            Output::StartTls { .. } => {
                // Never requested by this example; carrying on in clear would be wrong.
                self.conn.transport_error(Error::io(io::Error::other(
                    "STARTTLS is not supported by this plain-TCP example",
                )));
            }
            Output::Error(e) => {
                self.log(format!("connection failed: {e}"));
                self.fail(e.to_string());
                self.out.clear();
                self.wait = Wait::Finished;
            }
            // Streamed literals and streamed APPENDs are never requested by this script.
            _ => {}
        }
    }

    /// Records a failure; the rest of the script is dropped for a LOGOUT if the connection
    /// can still take one.
    fn fail(&mut self, why: String) {
        if self.failed.is_none() {
            self.failed = Some(why);
        }
        self.steps.clear();
        let usable = self.conn.is_connected()
            && self.conn.fatal_error().is_none()
            && !self.conn.is_closed()
            && self.conn.state() != State::Logout;
        let logging_out = self.labels.values().any(|l| *l == "LOGOUT");
        if usable && !logging_out {
            self.steps.push_back(logout());
        }
        if matches!(self.wait, Wait::Timer(_) | Wait::Flag(..)) {
            self.wait = Wait::Ready;
        }
        if !usable && self.conn.pending() == 0 {
            self.wait = Wait::Finished;
        }
    }

    /// A readiness event for this session's socket.
    fn on_ready(&mut self, event: &mio::event::Event, stats: &mut Stats) {
        let Some(sock) = self.sock.as_mut() else {
            return;
        };
        if self.wait == Wait::Connecting {
            // The connect finished one way or the other: look at which.
            match sock.take_error() {
                Ok(Some(e)) | Err(e) => {
                    self.fail(format!("connect: {e}"));
                    self.wait = Wait::Finished;
                    return;
                }
                Ok(None) => {}
            }
            match sock.peer_addr() {
                Ok(_) => {
                    self.log("connected; waiting for the greeting");
                    self.wait = Wait::Greeting;
                    self.heard = Instant::now();
                }
                Err(e) if e.kind() == io::ErrorKind::NotConnected => return, // spurious
                Err(e) => {
                    self.fail(format!("connect: {e}"));
                    self.wait = Wait::Finished;
                    return;
                }
            }
        }
        if event.is_readable() || event.is_read_closed() || event.is_error() {
            self.read_all(stats);
        }
        if event.is_writable() {
            self.write_blocked = false;
            self.flush(stats);
        }
    }

    /// Reads until WouldBlock (readiness is edge-triggered) and feeds the core.
    fn read_all(&mut self, stats: &mut Stats) {
        let Some(sock) = self.sock.as_mut() else {
            return;
        };
        let mut buf = [0u8; 16 * 1024];
        loop {
            match sock.read(&mut buf) {
                Ok(0) => {
                    self.conn.feed_eof();
                    return;
                }
                Ok(n) => {
                    stats.reads += 1;
                    stats.bytes_in += n as u64;
                    self.heard = Instant::now();
                    self.conn.feed(&buf[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.conn.transport_error(Error::io(e));
                    return;
                }
            }
        }
    }

    /// Writes what the socket takes; the rest waits for a writable event.
    fn flush(&mut self, stats: &mut Stats) {
        let Some(sock) = self.sock.as_mut() else {
            return;
        };
        if self.wait == Wait::Connecting {
            return;
        }
        while !self.out.is_empty() {
            let (front, _) = self.out.as_slices();
            let n = self.write_chunk.map_or(front.len(), |c| c.min(front.len()));
            match sock.write(&front[..n]) {
                Ok(0) => {
                    self.conn
                        .transport_error(Error::io(io::ErrorKind::WriteZero.into()));
                    self.out.clear();
                    return;
                }
                Ok(k) => {
                    stats.writes += 1;
                    stats.bytes_out += k as u64;
                    self.out.drain(..k);
                    if self.write_chunk.is_some() {
                        return; // one write per loop turn: the rest stays buffered
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    stats.would_block_writes += 1;
                    self.write_blocked = true;
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.conn.transport_error(Error::io(e));
                    self.out.clear();
                    return;
                }
            }
        }
    }

    /// Deregisters and closes the socket once the session is over.
    fn close(&mut self, registry: &mio::Registry) {
        if let Some(mut sock) = self.sock.take() {
            let _ = registry.deregister(&mut sock);
            let _ = sock.shutdown(std::net::Shutdown::Both);
            self.log(format!(
                "closed{}",
                if self.failed.is_some() {
                    " (failed)"
                } else {
                    ""
                }
            ));
        }
    }
}

/// Cuts `s` to about `max` characters for the log.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max).collect();
    format!("{head}… ({} chars)", s.chars().count())
}
