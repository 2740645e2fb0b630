//! Many concurrent async sessions idling on one mailbox, all woken by one APPEND (issue 14,
//! target 6): the run shared by the `idle10k` benchmark (`bench/src/bin/idle10k.rs`) and the
//! integration test `tests/tests/idle_many.rs`.
//!
//! [`run`] opens `sessions` connections with the async client under smol, each over plain
//! TCP to the server: `LOGIN`, `SELECT` of the shared mailbox, `IDLE`. Set-ups run at most
//! [`Swarm::ramp`] at a time (the listening socket's backlog is 128). Once every session
//! idles, it takes the measurements of [`Report`] (the live heap through the caller's
//! counter, RSS, the kernel's TCP memory); then one more session `APPEND`s a message to the
//! mailbox, and every idling session waits for its `EXISTS`; each records when it saw it.
//! Finally every session leaves IDLE (`DONE`) and logs out.
//!
//! Everything is bounded: each connection has the client's silence timeout, each IDLE ends
//! by itself, and each phase of the run has a deadline after which it stops waiting and
//! reports what it counted. Nothing is assumed: sessions idling, `EXISTS` seen (with the
//! number expected), and clean logouts are counted one by one.
//!
//! One thread drives everything (`smol::LocalExecutor` in `smol::block_on`): the figures
//! are those of one core.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_lite::StreamExt;
use imaplib_async::smol::Client;
use imaplib_async::Config;

use crate::dovecot::UserAccount;

/// What to run.
#[derive(Clone, Debug)]
pub struct Swarm {
    /// The number of idling sessions.
    pub sessions: usize,
    /// The server's address (loopback).
    pub host: String,
    /// The server's plain IMAP port.
    pub port: u16,
    /// The user every session logs in as.
    pub user: UserAccount,
    /// The mailbox every session selects and the wake-up message is appended to. It should
    /// be empty: the wake-up is `* 1 EXISTS`.
    pub mailbox: String,
    /// How many sessions may be setting up (connect to IDLE) at once.
    pub ramp: usize,
    /// How long all the sessions may take to reach IDLE.
    pub setup_timeout: Duration,
    /// How long the wake-up may take to reach every session.
    pub wake_timeout: Duration,
    /// The process's live heap bytes (a counting global allocator's), if it has one.
    pub live_heap: Option<fn() -> usize>,
    /// The server's master process, if it runs here: the resident sets of its process tree
    /// are added up before and idling.
    pub server_pid: Option<u32>,
}

/// What a run measured and counted.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Sessions asked for.
    pub sessions: usize,
    /// Sessions that reached IDLE.
    pub idling: usize,
    /// Sessions that did not reach IDLE within the set-up time (failed or still setting up).
    pub setup_failures: usize,
    /// The first reasons of failures (set-up or wake-up), at most ten.
    pub errors: Vec<String>,
    /// From the first connect to the last session idling.
    pub setup_time: Duration,
    /// Live heap bytes before the first session, and with every session idling.
    pub heap_before: usize,
    /// See [`Report::heap_before`].
    pub heap_idle: usize,
    /// The process's resident set (VmRSS) before the first session, and idling.
    pub rss_before: u64,
    /// See [`Report::rss_before`].
    pub rss_idle: u64,
    /// The kernel's TCP memory (`/proc/net/sockstat`, `TCP: mem`, in bytes) before and
    /// idling: socket buffers of both ends, since the server runs on this machine.
    pub tcp_mem_before: u64,
    /// See [`Report::tcp_mem_before`].
    pub tcp_mem_idle: u64,
    /// The kernel's slab memory for TCP sockets (`/proc/slabinfo`: the `TCP` and
    /// `sock_inode_cache` caches, active objects × object size), before and idling: the
    /// socket structures of both ends. 0 where slabinfo is not readable.
    pub tcp_slab_before: u64,
    /// See [`Report::tcp_slab_before`].
    pub tcp_slab_idle: u64,
    /// TCP sockets in use (`TCP: inuse`) before and idling.
    pub tcp_inuse_before: u64,
    /// See [`Report::tcp_inuse_before`].
    pub tcp_inuse_idle: u64,
    /// The server's processes' resident sets added up (VmRSS of the master and its
    /// descendants), before and idling; 0 without [`Swarm::server_pid`].
    pub server_rss_before: u64,
    /// See [`Report::server_rss_before`].
    pub server_rss_idle: u64,
    /// How long the `APPEND` of the wake-up took (sent to tagged OK).
    pub append_time: Duration,
    /// Idling sessions that saw `* 1 EXISTS`.
    pub woken: usize,
    /// Idling sessions that saw an `EXISTS` with another number.
    pub wrong_exists: usize,
    /// From sending the `APPEND` to each session seeing its `EXISTS`, sorted.
    pub wake_times: Vec<Duration>,
    /// Sessions that left IDLE and logged out cleanly at the end.
    pub logged_out: usize,
}

impl Report {
    /// Live heap bytes per idling session (0 without a counter or idling session).
    pub fn heap_per_session(&self) -> f64 {
        per(self.heap_idle as f64 - self.heap_before as f64, self.idling)
    }

    /// Resident bytes per idling session.
    pub fn rss_per_session(&self) -> f64 {
        per(self.rss_idle as f64 - self.rss_before as f64, self.idling)
    }

    /// The kernel's TCP memory per idling session (both ends of each connection).
    pub fn tcp_mem_per_session(&self) -> f64 {
        per(
            self.tcp_mem_idle as f64 - self.tcp_mem_before as f64,
            self.idling,
        )
    }

    /// The kernel's socket structures per idling session (both ends).
    pub fn tcp_slab_per_session(&self) -> f64 {
        per(
            self.tcp_slab_idle as f64 - self.tcp_slab_before as f64,
            self.idling,
        )
    }

    /// The server's resident bytes per idling session.
    pub fn server_rss_per_session(&self) -> f64 {
        per(
            self.server_rss_idle as f64 - self.server_rss_before as f64,
            self.idling,
        )
    }

    /// The wake-up time at quantile `q` (0.0 the first session, 1.0 the last), if any
    /// session woke.
    pub fn wake_quantile(&self, q: f64) -> Option<Duration> {
        let n = self.wake_times.len();
        if n == 0 {
            return None;
        }
        let i = ((n - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
        Some(self.wake_times[i])
    }
}

fn per(total: f64, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        total / n as f64
    }
}

/// The state the sessions and the conductor share (one thread).
#[derive(Default)]
struct Shared {
    idling: Cell<usize>,
    setup_failures: Cell<usize>,
    woken: Cell<usize>,
    wrong_exists: Cell<usize>,
    wake_failures: Cell<usize>,
    woke_at: RefCell<Vec<Instant>>,
    logged_out: Cell<usize>,
    finished: Cell<usize>,
    errors: RefCell<Vec<String>>,
}

impl Shared {
    fn error(&self, what: String) {
        let mut errors = self.errors.borrow_mut();
        if errors.len() < 10 {
            errors.push(what);
        }
    }
}

/// The resident set of this process (VmRSS), in bytes.
pub fn rss() -> u64 {
    status_kib("/proc/self/status", "VmRSS:") * 1024
}

/// A `Vm…:` line of a `/proc/PID/status` file, in KiB (0 if absent).
pub fn status_kib(path: &str, key: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// The resident sets (VmRSS) of process `root` and all its descendants, added up, in bytes.
pub fn tree_rss(root: u32) -> u64 {
    let mut parent = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        // `pid (comm) state ppid …`: the command name may hold spaces and parentheses.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parent.push((pid, ppid));
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let p = tree[i];
        tree.extend(parent.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    tree.iter()
        .map(|pid| status_kib(&format!("/proc/{pid}/status"), "VmRSS:") * 1024)
        .sum()
}

/// Bytes in the kernel's slab caches for TCP sockets (`TCP` and `sock_inode_cache`:
/// active objects × object size); 0 if `/proc/slabinfo` cannot be read.
pub fn tcp_slab() -> u64 {
    let text = std::fs::read_to_string("/proc/slabinfo").unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            if !matches!(w.first(), Some(&"TCP") | Some(&"sock_inode_cache")) {
                return None;
            }
            // name active_objs num_objs objsize …
            let active: u64 = w.get(1)?.parse().ok()?;
            let size: u64 = w.get(3)?.parse().ok()?;
            Some(active * size)
        })
        .sum()
}

/// `TCP: inuse` and `TCP: mem` (in bytes) of `/proc/net/sockstat`.
pub fn tcp_sockstat() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/net/sockstat").unwrap_or_default();
    let line = text.lines().find(|l| l.starts_with("TCP:")).unwrap_or("");
    let words: Vec<&str> = line.split_whitespace().collect();
    let field = |name: &str| {
        words
            .iter()
            .position(|w| *w == name)
            .and_then(|i| words.get(i + 1)?.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // `mem` counts pages.
    (field("inuse"), field("mem") * 4096)
}

/// Runs the swarm (see the [module documentation](self)).
pub fn run(swarm: &Swarm) -> Report {
    let ex = smol::LocalExecutor::new();
    smol::block_on(ex.run(conduct(&ex, swarm)))
}

async fn conduct<'a>(ex: &smol::LocalExecutor<'a>, swarm: &'a Swarm) -> Report {
    let live = || swarm.live_heap.map_or(0, |f| f());
    let shared = Rc::new(Shared::default());
    // Per-session settings: every wait of a session is bounded by the silence timeout, and
    // its IDLE ends by itself after the whole run's time.
    let idle_for = swarm.setup_timeout + swarm.wake_timeout + Duration::from_secs(60);
    let config = Config::default().with_timeout(Some(Duration::from_secs(60)));

    // A first session alone: the reactor, its thread and the executor are set up before the
    // baseline, so that what follows is the sessions' own cost.
    let _ = warm_up(swarm, &config).await;

    let mut report = Report {
        sessions: swarm.sessions,
        ..Report::default()
    };
    let (stop_tx, stop_rx) = smol::channel::bounded::<()>(1);
    let gate = Rc::new(smol::lock::Semaphore::new(swarm.ramp.max(1)));
    let mut tasks = Vec::with_capacity(swarm.sessions);
    report.heap_before = live();
    report.rss_before = rss();
    (report.tcp_inuse_before, report.tcp_mem_before) = tcp_sockstat();
    report.tcp_slab_before = tcp_slab();
    report.server_rss_before = swarm.server_pid.map_or(0, tree_rss);

    let start = Instant::now();
    for _ in 0..swarm.sessions {
        let session = session(
            swarm,
            config.clone(),
            idle_for,
            shared.clone(),
            gate.clone(),
            stop_rx.clone(),
        );
        tasks.push(ex.spawn(session));
    }
    drop(stop_rx);
    let deadline = start + swarm.setup_timeout;
    while shared.idling.get() + shared.setup_failures.get() < swarm.sessions
        && Instant::now() < deadline
    {
        smol::Timer::after(Duration::from_millis(5)).await;
    }
    report.setup_time = start.elapsed();
    report.idling = shared.idling.get();
    report.setup_failures = swarm.sessions - report.idling;
    // Let the last sessions' IDLE continuation be consumed and the set-up's transients go.
    smol::Timer::after(Duration::from_millis(200)).await;
    report.heap_idle = live();
    report.rss_idle = rss();
    (report.tcp_inuse_idle, report.tcp_mem_idle) = tcp_sockstat();
    report.tcp_slab_idle = tcp_slab();
    report.server_rss_idle = swarm.server_pid.map_or(0, tree_rss);

    // The wake-up: one more session appends a message to the shared mailbox.
    let appended = append(swarm, &config).await;
    let t0 = match appended {
        Ok((t0, took)) => {
            report.append_time = took;
            Some(t0)
        }
        Err(e) => {
            shared.error(format!("the wake-up APPEND failed: {e}"));
            None
        }
    };
    if let Some(t0) = t0 {
        let deadline = Instant::now() + swarm.wake_timeout;
        while shared.woken.get() + shared.wrong_exists.get() + shared.wake_failures.get()
            < report.idling
            && Instant::now() < deadline
        {
            smol::Timer::after(Duration::from_millis(5)).await;
        }
        let mut times: Vec<Duration> = shared
            .woke_at
            .borrow()
            .iter()
            .map(|t| t.saturating_duration_since(t0))
            .collect();
        times.sort();
        report.wake_times = times;
    }
    report.woken = shared.woken.get();
    report.wrong_exists = shared.wrong_exists.get();

    // The end: every session leaves IDLE and logs out.
    drop(stop_tx);
    let deadline = Instant::now() + Duration::from_secs(60);
    while shared.finished.get() < swarm.sessions && Instant::now() < deadline {
        smol::Timer::after(Duration::from_millis(5)).await;
    }
    report.logged_out = shared.logged_out.get();
    report.errors = shared.errors.borrow().clone();
    // Sessions still running (none, unless a deadline passed) are cancelled here.
    drop(tasks);
    report
}

async fn warm_up(swarm: &Swarm, config: &Config) -> imaplib_async::Result<()> {
    let mut m = Client::connect_with(&swarm.host, swarm.port, config).await?;
    let _ = m
        .login(&swarm.user.name, &swarm.user.password)
        .await?
        .into_ok()?;
    let _ = m.select(swarm.mailbox.as_str(), true).await?.into_ok()?;
    let _ = m.logout().await?;
    Ok(())
}

/// Appends the wake-up; returns when it was sent and how long it took.
async fn append(swarm: &Swarm, config: &Config) -> imaplib_async::Result<(Instant, Duration)> {
    let mut m = Client::connect_with(&swarm.host, swarm.port, config).await?;
    let _ = m
        .login(&swarm.user.name, &swarm.user.password)
        .await?
        .into_ok()?;
    let message = b"From: waker@example.org\r\nTo: idlers@example.org\r\n\
Subject: wake up\r\n\r\nEvery idling session should see this one arrive.\r\n";
    let t0 = Instant::now();
    let _ = m
        .append(Some(swarm.mailbox.as_str().into()), None, None, message)
        .await?
        .into_ok()?;
    let took = t0.elapsed();
    let _ = m.logout().await?;
    Ok((t0, took))
}

async fn session(
    swarm: &Swarm,
    config: Config,
    idle_for: Duration,
    shared: Rc<Shared>,
    gate: Rc<smol::lock::Semaphore>,
    stop: smol::channel::Receiver<()>,
) {
    let permit = gate.acquire().await;
    let set_up = async {
        let mut m = Client::connect_with(&swarm.host, swarm.port, &config).await?;
        let _ = m
            .login(&swarm.user.name, &swarm.user.password)
            .await?
            .into_ok()?;
        let _ = m.select(swarm.mailbox.as_str(), false).await?.into_ok()?;
        Ok::<_, imaplib_async::Error>(m)
    };
    let mut m = match set_up.await {
        Ok(m) => m,
        Err(e) => {
            shared.setup_failures.set(shared.setup_failures.get() + 1);
            shared.error(format!("set-up: {e}"));
            shared.finished.set(shared.finished.get() + 1);
            return;
        }
    };
    let mut idle = match m.idle(Some(idle_for)).await {
        Ok(idle) => idle,
        Err(e) => {
            shared.setup_failures.set(shared.setup_failures.get() + 1);
            shared.error(format!("IDLE: {e}"));
            shared.finished.set(shared.finished.get() + 1);
            return;
        }
    };
    drop(permit);
    shared.idling.set(shared.idling.get() + 1);
    loop {
        match idle.next().await {
            Some(Ok(r)) if r.typ == "EXISTS" => {
                if r.python_repr() == "('EXISTS', [b'1'])" {
                    shared.woke_at.borrow_mut().push(Instant::now());
                    shared.woken.set(shared.woken.get() + 1);
                } else {
                    shared.wrong_exists.set(shared.wrong_exists.get() + 1);
                    shared.error(format!("unexpected {}", r.python_repr()));
                }
                break;
            }
            // RECENT and the like come with the EXISTS.
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                shared.wake_failures.set(shared.wake_failures.get() + 1);
                shared.error(format!("while idling: {e}"));
                break;
            }
            None => {
                shared.wake_failures.set(shared.wake_failures.get() + 1);
                shared.error("the IDLE ended without an EXISTS".to_string());
                break;
            }
        }
    }
    // Hold the session until the conductor says stop (the channel closes).
    let _ = stop.recv().await;
    let left = match idle.done().await {
        Ok(_) => m.logout().await.is_ok(),
        Err(_) => false,
    };
    if left {
        shared.logged_out.set(shared.logged_out.get() + 1);
    }
    shared.finished.set(shared.finished.get() + 1);
}
