//! 10 000 concurrent async sessions idling on one Dovecot mailbox, all woken by one APPEND
//! (issue 14, target 6).
//!
//! ```text
//! cargo run --release --manifest-path bench/Cargo.toml --bin idle10k -- [--sessions N] [--ramp R]
//!     [--setup-timeout SECS] [--wake-timeout SECS]
//! ```
//!
//! Starts a Dovecot of its own through the integration-test harness, with each `imap` process
//! serving up to 4 000 clients and one login process serving them all
//! (`many_sessions_config`), on 127.0.0.1 only.
//! Then N sessions (default 10 000) of the async client under smol, on one thread, each
//! over plain TCP: `LOGIN`, `SELECT INBOX`, `IDLE` (at most R setting up at once, default
//! 64). With all of them idling it measures the client's memory per session two ways — the
//! live heap counted by this binary's global allocator, and the resident set (VmRSS) —
//! besides the kernel's TCP memory (both ends) and Dovecot's resident sets. One more session
//! then `APPEND`s a message, and the time from sending the `APPEND` until each idling session
//! has seen `* 1 EXISTS` is recorded; sessions that saw it are counted, not assumed. Every
//! wait is bounded (set-up default 600 s, wake-up default 120 s); the exit status is 1 unless
//! every session idled, woke and logged out. The run is `tests/src/swarm.rs`, the same as the
//! integration test `tests/tests/idle_many.rs` with 200 sessions.
//!
//! It raises its `RLIMIT_NOFILE` (and, as root, the hard limit) to fit N client sockets,
//! and Dovecot, started from it, inherits the limit for its N server sockets.

use std::time::{Duration, Instant};

use imaplib_bench::sys;
use imaplib_integration_tests::counting::{live_heap, Counting};
use imaplib_integration_tests::dovecot::{
    dovecot_with, many_sessions_config, SESSIONS_PER_IMAP_PROCESS,
};
use imaplib_integration_tests::swarm::{self, Swarm};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Raises RLIMIT_NOFILE to at least `want` (the hard limit too, when allowed); returns the
/// soft limit in force.
fn raise_nofile(want: u64) -> u64 {
    // SAFETY: getrlimit/setrlimit on a zeroed plain-old-data struct.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        if lim.rlim_max < want {
            let raised = libc::rlimit {
                rlim_cur: want,
                rlim_max: want,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return want;
            }
        }
        lim.rlim_cur = lim.rlim_max.max(lim.rlim_cur);
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        lim.rlim_cur
    }
}

fn kib(bytes: f64) -> String {
    format!("{:.1} KiB", bytes / 1024.0)
}

fn ms(d: Option<Duration>) -> String {
    d.map_or("–".to_string(), |d| {
        format!("{:.0} ms", d.as_secs_f64() * 1e3)
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse::<u64>()
                    .unwrap_or_else(|_| panic!("{name} takes a number, not {v:?}"))
            })
    };
    let sessions = get("--sessions").unwrap_or(10_000) as usize;
    let ramp = get("--ramp").unwrap_or(64) as usize;
    let setup_timeout = Duration::from_secs(get("--setup-timeout").unwrap_or(600));
    let wake_timeout = Duration::from_secs(get("--wake-timeout").unwrap_or(120));
    let nofile = raise_nofile(sessions as u64 + 1024);

    println!("## {sessions} async sessions idling on one Dovecot mailbox\n");
    for l in sys::machine() {
        println!("- {l}");
    }
    println!("- RLIMIT_NOFILE: {nofile} (this process and Dovecot)");
    let t = Instant::now();
    let server = dovecot_with(&many_sessions_config(sessions)).unwrap_or_else(|e| panic!("{e}"));
    let per = SESSIONS_PER_IMAP_PROCESS.min(sessions);
    println!(
        "- Dovecot {} started in {:.2} s: {} `imap` process(es) serving up to {per} sessions \
         each (`service_count = 0`, `client_limit`), one `imap-login` process for every \
         client, Maildir; IDLE noticed through inotify by one session per process, by the \
         others at their `mailbox_idle_check_interval = 1 secs`; plain TCP on 127.0.0.1:{}",
        std::process::Command::new("/usr/sbin/dovecot")
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default(),
        t.elapsed().as_secs_f64(),
        sessions.div_ceil(SESSIONS_PER_IMAP_PROCESS).max(1),
        server.plain_port()
    );
    let user = server.new_user();
    println!(
        "- client: imaplib-async on smol (`LocalExecutor` in `block_on`: one thread), each \
         session a task: connect, `LOGIN`, `SELECT INBOX`, `IDLE`; at most {ramp} setting up \
         at once; one more session `APPEND`s the wake-up"
    );
    println!();

    let report = swarm::run(&Swarm {
        sessions,
        host: server.host().to_string(),
        port: server.plain_port(),
        user,
        mailbox: "INBOX".to_string(),
        ramp,
        setup_timeout,
        wake_timeout,
        live_heap: Some(live_heap),
        server_pid: Some(server.master_pid()),
    });

    let n = report.idling;
    println!("| measure | value |");
    println!("|---|---:|");
    println!(
        "| sessions asked / idling / failed before IDLE | {sessions} / {n} / {} |",
        report.setup_failures
    );
    println!(
        "| time to set up all (connect → IDLE) | {:.2} s ({:.0} sessions/s) |",
        report.setup_time.as_secs_f64(),
        n as f64 / report.setup_time.as_secs_f64()
    );
    println!(
        "| **client heap per idling session** (counting allocator: live bytes idling − before, ÷ {n}) | **{}** ({} B) |",
        kib(report.heap_per_session()),
        report.heap_per_session().round()
    );
    println!(
        "| **client RSS per idling session** (VmRSS idling − before, ÷ {n}) | **{}** |",
        kib(report.rss_per_session())
    );
    println!(
        "| client heap / RSS, all sessions | {:.1} MiB / {:.1} MiB |",
        (report.heap_idle as f64 - report.heap_before as f64) / 1048576.0,
        (report.rss_idle as f64 - report.rss_before as f64) / 1048576.0
    );
    println!(
        "| kernel TCP buffer memory per session, both ends (`/proc/net/sockstat` mem: idle queues are empty) | {} ({} → {} sockets in use) |",
        kib(report.tcp_mem_per_session()),
        report.tcp_inuse_before,
        report.tcp_inuse_idle
    );
    println!(
        "| kernel socket structures per session, both ends (`/proc/slabinfo`: `TCP` + `sock_inode_cache`) | {} |",
        kib(report.tcp_slab_per_session())
    );
    println!(
        "| Dovecot RSS per session (master and children, VmRSS summed) | {} ({:.1} → {:.1} MiB) |",
        kib(report.server_rss_per_session()),
        report.server_rss_before as f64 / 1048576.0,
        report.server_rss_idle as f64 / 1048576.0
    );
    println!(
        "| APPEND of the wake-up (sent → tagged OK) | {} |",
        ms(Some(report.append_time))
    );
    println!(
        "| **sessions that saw `* 1 EXISTS`** / other EXISTS | **{} of {n}** / {} |",
        report.woken, report.wrong_exists
    );
    println!(
        "| **time to deliver to all** (APPEND sent → last session's EXISTS) | **{}** |",
        ms(report.wake_quantile(1.0))
    );
    println!(
        "| … first / median / 99th percentile | {} / {} / {} |",
        ms(report.wake_quantile(0.0)),
        ms(report.wake_quantile(0.5)),
        ms(report.wake_quantile(0.99))
    );
    println!(
        "| sessions that left IDLE and logged out cleanly | {} of {sessions} |",
        report.logged_out
    );
    if !report.errors.is_empty() {
        println!("\nFirst errors:\n");
        for e in &report.errors {
            println!("- {e}");
        }
    }
    let log = std::fs::read_to_string(server.log_path()).unwrap_or_default();
    let warnings: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("Warning") || l.contains("Error") || l.contains("Fatal"))
        .collect();
    println!(
        "\nDovecot's log: {} warnings or errors{}",
        warnings.len(),
        if warnings.is_empty() {
            "."
        } else {
            "; the first:\n"
        }
    );
    for l in warnings.iter().take(10) {
        println!("    {l}");
    }
    let complete = n == sessions && report.woken == n && report.logged_out == sessions;
    drop(server);
    if !complete {
        eprintln!("idle10k: not every session idled, woke and logged out (see the table)");
        std::process::exit(1);
    }
}
