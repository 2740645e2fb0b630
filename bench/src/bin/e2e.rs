//! End to end against a private Dovecot holding 10 000 generated messages (~100 MB).
//!
//! ```text
//! cargo run --release --manifest-path bench/Cargo.toml --bin e2e -- [--rounds N] [--capture DIR]
//! ```
//!
//! Starts Dovecot through the integration-test harness, writes the messages straight into a
//! new user's Maildir (once per run, a few seconds), warms Dovecot's index and cache, then
//! runs every client as its own process, interleaved, for N rounds (default 7), and reports
//! medians: the FETCH's wall time and CPU time as measured inside the client, the whole
//! process's CPU time and its peak RSS (wait4's rusage).
//!
//! With `--compress`, only the COMPRESS=DEFLATE table: our blocking and async clients with
//! and without `COMPRESS DEFLATE`, over a stream that counts the bytes on the wire.

#![allow(clippy::needless_range_loop)]

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use imaplib_bench::corpus;
use imaplib_bench::sys::{self, Usage};
use imaplib_integration_tests::dovecot::{dovecot, Dovecot, UserAccount};

#[derive(Clone, Debug, Default)]
struct Sample {
    wall: f64,
    cpu: f64,
    bytes: u64,
    messages: u64,
    /// The client's own VmHWM at exit (peak RSS of its process image).
    hwm: u64,
    usage: Usage,
    /// Bytes read and written on the socket during the FETCH (`+wire` and `+z` clients).
    wire_in: u64,
    wire_out: u64,
}

fn client_bin() -> PathBuf {
    std::env::current_exe()
        .expect("current exe")
        .with_file_name("client")
}

fn python_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/imaplib_client.py")
}

/// The machine's python3 interpreter itself (not a pyenv shim, whose start-up would be
/// counted as the client's CPU time).
fn python() -> &'static str {
    static PY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PY.get_or_init(|| {
        let out = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    })
}

fn run_client(server: &Dovecot, user: &UserAccount, imp: &str, workload: &str) -> Sample {
    let port = server.plain_port().to_string();
    let mut cmd = if imp == "python-imaplib" {
        let mut c = Command::new(python());
        c.arg(python_script());
        c
    } else if let Some(base) = imp.strip_suffix("+thp") {
        // The same client with glibc's heap on transparent huge pages (an application-level
        // setting: no code change).
        let mut c = Command::new(client_bin());
        c.arg(base).env("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1");
        c
    } else {
        let mut c = Command::new(client_bin());
        c.arg(imp);
        c
    };
    cmd.args([workload, server.host(), &port, &user.name, &user.password])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().expect("spawn client");
    let mut out = String::new();
    {
        use std::io::Read;
        child
            .stdout
            .take()
            .expect("stdout")
            .read_to_string(&mut out)
            .expect("read client output");
    }
    let (code, usage) = sys::wait_child(&mut child);
    assert_eq!(code, 0, "{imp} {workload} failed:\n{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .unwrap_or_else(|| panic!("{imp}: no RESULT line in {out:?}"));
    let mut s = Sample {
        usage,
        ..Sample::default()
    };
    for kv in line["RESULT ".len()..].split_whitespace() {
        let (k, v) = kv.split_once('=').expect("k=v");
        match k {
            "wall" => s.wall = v.parse().unwrap(),
            "cpu" => s.cpu = v.parse().unwrap(),
            "bytes" => s.bytes = v.parse().unwrap(),
            "messages" => s.messages = v.parse().unwrap(),
            "hwm" => s.hwm = v.parse().unwrap(),
            "wire_in" => s.wire_in = v.parse().unwrap(),
            "wire_out" => s.wire_out = v.parse().unwrap(),
            _ => {}
        }
    }
    s
}

/// Writes `messages` into the user's INBOX Maildir (`cur/`, with flags in the file name and
/// the internal date as mtime), owned like the Maildir itself. Returns total message bytes.
fn load_maildir(
    server: &Dovecot,
    user: &UserAccount,
    messages: impl Iterator<Item = corpus::Message>,
) -> u64 {
    // Let Dovecot create the Maildir (and learn its owner) by opening INBOX once.
    server.imap_as(&user.name, &[b"EXAMINE INBOX"]);
    let maildir = server.dir().join("home").join(&user.name).join("Maildir");
    let cur = maildir.join("cur");
    assert!(cur.is_dir(), "no {} after EXAMINE", cur.display());
    let meta = fs::metadata(&maildir).expect("stat Maildir");
    let (uid, gid) = (meta.uid(), meta.gid());
    let pid = std::process::id();
    let mut total = 0u64;
    for (i, m) in messages.enumerate() {
        let mut flags = String::new();
        if m.flagged {
            flags.push('F');
        }
        if m.seen {
            flags.push('S');
        }
        let name = format!(
            "{}.M{}P{pid}.bench,S={}:2,{flags}",
            m.unix_time,
            i + 1,
            m.bytes.len()
        );
        let path = cur.join(name);
        fs::write(&path, &m.bytes).expect("write message");
        let f = fs::File::options().write(true).open(&path).expect("open");
        f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(m.unix_time as u64))
            .expect("mtime");
        std::os::unix::fs::chown(&path, Some(uid), Some(gid)).expect("chown");
        total += m.bytes.len() as u64;
    }
    total
}

/// Puts one text/plain message of about `size` bytes (78-byte lines) into the user's INBOX,
/// written in pieces so that this process stays small (a child's ru_maxrss starts from its
/// parent's RSS on Linux; the clients report their own VmHWM anyway).
fn load_big(server: &Dovecot, user: &UserAccount, size: usize) -> u64 {
    use std::io::Write;
    server.imap_as(&user.name, &[b"EXAMINE INBOX"]);
    let maildir = server.dir().join("home").join(&user.name).join("Maildir");
    let meta = fs::metadata(&maildir).expect("stat Maildir");
    let head = b"From: Big Sender <big@example.org>\r\nTo: bench@example.org\r\n\
Subject: a big message\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\
Message-ID: <big@example.org>\r\nMIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\r\n";
    let line =
        b"The quick brown fox jumps over the lazy dog; pack my box with five dozen jugs.\r\n";
    let lines = (size - head.len()) / line.len();
    let total = head.len() + lines * line.len();
    let path = maildir.join("cur").join(format!(
        "1704067200.M1P{}.big,S={total}:2,S",
        std::process::id()
    ));
    let mut f = std::io::BufWriter::new(fs::File::create(&path).expect("create"));
    f.write_all(head).unwrap();
    for _ in 0..lines {
        f.write_all(line).unwrap();
    }
    f.flush().unwrap();
    drop(f);
    std::os::unix::fs::chown(&path, Some(meta.uid()), Some(meta.gid())).expect("chown");
    total as u64
}

struct Stats {
    wall: f64,
    cpu: f64,
    cpu_total: f64,
    rss: f64,
    rss_max: f64,
    bytes: u64,
    messages: u64,
}

fn stats(samples: &[Sample]) -> Stats {
    let f = |g: &dyn Fn(&Sample) -> f64| sys::median(&samples.iter().map(g).collect::<Vec<_>>());
    Stats {
        wall: f(&|s| s.wall),
        cpu: f(&|s| s.cpu),
        cpu_total: f(&|s| s.usage.cpu()),
        rss: f(&|s| s.hwm as f64),
        rss_max: samples.iter().map(|s| s.hwm as f64).fold(0.0, f64::max),
        bytes: samples[0].bytes,
        messages: samples[0].messages,
    }
}

fn mb(b: f64) -> String {
    format!("{:.1} MB", b / 1e6)
}

/// Issue 14's end-to-end targets on `FETCH 1:* (RFC822)`: the FETCH CPU of `a` ÷ that of
/// `b` as the ratio of their medians, and its spread as the smallest and largest ratio
/// within one round (the clients of a round run back to back).
fn cpu_ratio(
    clients: &[&str],
    samples: &[Vec<Sample>],
    a: &str,
    b: &str,
) -> Option<(f64, f64, f64)> {
    let i = clients.iter().position(|c| *c == a)?;
    let j = clients.iter().position(|c| *c == b)?;
    let (x, y) = (&samples[i], &samples[j]);
    let per_round: Vec<f64> = x.iter().zip(y).map(|(p, q)| p.cpu / q.cpu).collect();
    let min = per_round.iter().copied().fold(f64::INFINITY, f64::min);
    let max = per_round.iter().copied().fold(0.0, f64::max);
    Some((stats(x).cpu / stats(y).cpu, min, max))
}

fn targets(clients: &[&str], rfc822: &[Vec<Sample>]) {
    println!("### Targets (issue 14), `FETCH 1:* (RFC822)`\n");
    println!("| target | clients | median ÷ median | per-round min – max | holds |");
    println!("|---|---|---:|---:|---|");
    let row = |target: &str, goal: f64, a: &str, b: &str| {
        if let Some((r, lo, hi)) = cpu_ratio(clients, rfc822, a, b) {
            println!(
                "| {target} | {} ÷ {} | {r:.2} | {lo:.2} – {hi:.2} | {} |",
                label(a),
                label(b),
                if r <= goal { "yes" } else { "**no**" }
            );
        }
    };
    row(
        "2: in-memory `fetch` CPU ≤ 0.3 of python imaplib's",
        0.3,
        "blocking",
        "python-imaplib",
    );
    row("2: the same, async", 0.3, "async", "python-imaplib");
    for a in ["async-stream", "async-std-stream", "tokio-stream"] {
        row(
            "5: async `fetch_stream` CPU ≤ 1.15× blocking's",
            1.15,
            a,
            "blocking-stream",
        );
    }
    println!();
}

fn ms(s: f64) -> String {
    format!("{:.0} ms", s * 1e3)
}

const CLIENTS: &[&str] = &[
    "raw",
    "blocking",
    "blocking-typed",
    "blocking-stream",
    "blocking+thp",
    "async",
    "async-stream",
    "async-std-stream",
    "tokio-stream",
    "python-imaplib",
    "imap-crate",
];

fn label(imp: &str) -> &'static str {
    match imp {
        "raw" => "raw socket reader (the limit)",
        "blocking" => "ours, blocking (imaplib-shaped result)",
        "blocking-typed" => "ours, blocking + typed view (`parse::fetches`)",
        "blocking-stream" => "ours, blocking, `fetch_stream` to a counting sink",
        "blocking+thp" => {
            "ours, blocking (imaplib-shaped), `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`"
        }
        "async" => "ours, async on smol (imaplib-shaped result)",
        "async-stream" => "ours, async, `fetch_stream` to a counting sink",
        "async-std-stream" => "ours, async on async-std, `fetch_stream` to a counting sink",
        "tokio-stream" => {
            "ours, async on tokio (current thread), `fetch_stream` to a counting sink"
        }
        "python-imaplib" => "python3 imaplib",
        "imap-crate" => "`imap` crate 3.0.0-alpha.15",
        _ => "?",
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let rounds: usize = get("--rounds").and_then(|s| s.parse().ok()).unwrap_or(7);
    let count: usize = get("--messages")
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let capture = get("--capture").map(PathBuf::from);
    let clients: Vec<&str> = match get("--clients") {
        Some(list) => CLIENTS
            .iter()
            .copied()
            .filter(|c| list.split(',').any(|x| x == *c))
            .collect(),
        None => CLIENTS.to_vec(),
    };

    println!("## End to end against Dovecot\n");
    for l in sys::machine() {
        println!("- {l}");
    }
    let sh = |c: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(c)
            .output()
            .map(|o| {
                let mut s = String::from_utf8_lossy(&o.stdout).trim().to_string();
                s.push_str(String::from_utf8_lossy(&o.stderr).trim());
                s
            })
            .unwrap_or_default()
    };
    println!("- dovecot: {}", sh("/usr/sbin/dovecot --version"));
    println!("- python3: {} ({})", sh("python3 --version"), python());

    let t = Instant::now();
    let server = dovecot();
    println!(
        "- Dovecot started in {:.2} s (harness `dovecot()`, plain TCP on 127.0.0.1:{})",
        server.startup_time().as_secs_f64(),
        server.plain_port()
    );
    let user = server.new_user();
    let total = load_maildir(server, &user, (1..=count).map(corpus::message));
    let loaded = t.elapsed();
    // Warm up: Dovecot indexes the Maildir on first open and fills its cache on the first
    // ENVELOPE/BODYSTRUCTURE fetch; the page cache takes the files.
    let t = Instant::now();
    for w in ["meta-a", "meta", "rfc822"] {
        let s = run_client(server, &user, "raw", w);
        assert!(s.bytes > 0);
    }
    println!(
        "- mailbox: {count} generated messages, {} of message bytes, written to the Maildir in {:.2} s \
         (including Dovecot's start); index and cache warmed in {:.2} s",
        mb(total as f64),
        loaded.as_secs_f64(),
        t.elapsed().as_secs_f64()
    );
    if let Some(dir) = &capture {
        fs::create_dir_all(dir).expect("capture dir");
        for (w, file) in [("meta-a", "dovecot-a.imap"), ("rfc822", "dovecot-b.imap")] {
            let path = dir.join(file);
            let st = Command::new(client_bin())
                .args([
                    "raw",
                    w,
                    server.host(),
                    &server.plain_port().to_string(),
                    &user.name,
                    &user.password,
                ])
                .args(["--capture", path.to_str().unwrap()])
                .stdout(Stdio::null())
                .status()
                .expect("capture");
            assert!(st.success());
            println!(
                "- captured Dovecot's answer to `FETCH 1:* {w}` in {}",
                path.display()
            );
        }
    }
    if let Some(secs) = get("--hold").and_then(|s| s.parse::<u64>().ok()) {
        // For profiling by hand: keep the loaded server up and say how to reach it.
        let env = format!(
            "HOST={} PORT={} USER={} PASS='{}'\n",
            server.host(),
            server.plain_port(),
            user.name,
            user.password.replace('\'', "'\\''")
        );
        fs::write("/tmp/imaplib-bench-server.env", &env).expect("write env");
        eprintln!(
            "holding for {secs} s; connection details in /tmp/imaplib-bench-server.env:\n{env}"
        );
        std::thread::sleep(Duration::from_secs(secs));
        return;
    }
    if args.iter().any(|a| a == "--compress") {
        compress_tables(server, &user, rounds, count, total);
        return;
    }
    println!(
        "- method: each client is a separate process (connect, LOGIN, EXAMINE INBOX, the FETCH, LOGOUT) \
         over plain TCP on loopback; {rounds} rounds, clients interleaved within a round; medians. \
         'FETCH wall' and 'FETCH CPU' are measured inside the client around the FETCH alone \
         (getrusage RUSAGE_SELF user+sys); 'process CPU' is wait4's rusage of the whole client process (start-up, login \
         and logout included); 'peak RSS' is the client process's VmHWM at exit."
    );
    println!();

    let workloads = [
        ("rfc822", "`FETCH 1:* (RFC822)`"),
        ("meta", "`FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE)`"),
    ];
    let mut results: Vec<Vec<Vec<Sample>>> = vec![vec![Vec::new(); clients.len()]; workloads.len()];
    let t = Instant::now();
    for round in 0..rounds {
        for (wi, (w, _)) in workloads.iter().enumerate() {
            // Rotate the order so that no client always follows the same one.
            for k in 0..clients.len() {
                let ci = (k + round) % clients.len();
                let s = run_client(server, &user, clients[ci], w);
                results[wi][ci].push(s);
            }
        }
        eprintln!(
            "round {} done ({:.1} s)",
            round + 1,
            t.elapsed().as_secs_f64()
        );
    }

    for (wi, (w, title)) in workloads.iter().enumerate() {
        println!("### {title}, {count} messages ({})\n", mb(total as f64));
        println!("| client | FETCH wall | ÷ raw | FETCH CPU | ÷ python | process CPU | ÷ python | peak RSS | literal bytes | responses |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        let py = clients
            .iter()
            .position(|c| *c == "python-imaplib")
            .map(|i| stats(&results[wi][i]));
        let raw = clients
            .iter()
            .position(|c| *c == "raw")
            .map(|i| stats(&results[wi][i]));
        for (ci, c) in clients.iter().enumerate() {
            let s = stats(&results[wi][ci]);
            let ratio = raw.as_ref().map_or(f64::NAN, |r| s.wall / r.wall);
            let (bytes, msgs) = if *c == "raw" {
                (
                    format!("({} on the wire)", mb(s.bytes as f64)),
                    "—".to_string(),
                )
            } else {
                (format!("{}", s.bytes), format!("{}", s.messages))
            };
            let (pc, pt) = py.as_ref().map_or((f64::NAN, f64::NAN), |p| {
                (s.cpu / p.cpu, s.cpu_total / p.cpu_total)
            });
            println!(
                "| {} | {} | {:.2}× | {} | {:.2} | {} | {:.2} | {} | {} | {} |",
                label(c),
                ms(s.wall),
                ratio,
                ms(s.cpu),
                pc,
                ms(s.cpu_total),
                pt,
                mb(s.rss),
                bytes,
                msgs
            );
            if *w == "rfc822" && *c != "raw" {
                assert_eq!(
                    s.bytes, total,
                    "{c} received the wrong number of literal bytes"
                );
            }
        }
        println!("\n(n = {} runs per client)\n", results[wi][0].len());
    }
    targets(&clients, &results[0]);

    // Peak RSS against message size: one message of 1, 10 and 100 MB.
    let sizes = [1usize, 10, 100];
    let big_clients: Vec<&str> = [
        "raw",
        "blocking",
        "blocking-stream",
        "async",
        "async-stream",
        "python-imaplib",
        "imap-crate",
    ]
    .into_iter()
    .filter(|c| clients.contains(c))
    .collect();
    let mut big_users = Vec::new();
    for &size in &sizes {
        let u = server.new_user();
        load_big(server, &u, size * 1_000_000);
        run_client(server, &u, "raw", "rfc822");
        big_users.push(u);
    }
    let big_rounds = rounds.clamp(1, 3);
    let mut big: Vec<Vec<Vec<Sample>>> = vec![vec![Vec::new(); big_clients.len()]; sizes.len()];
    for round in 0..big_rounds {
        for (si, u) in big_users.iter().enumerate() {
            for k in 0..big_clients.len() {
                let ci = (k + round) % big_clients.len();
                big[si][ci].push(run_client(server, u, big_clients[ci], "rfc822"));
            }
        }
    }
    println!("### Peak RSS against message size: `FETCH 1:* (RFC822)` of one message\n");
    print!("| client |");
    for s in &sizes {
        print!(" {s} MB: RSS | wall |");
    }
    println!();
    print!("|---|");
    for _ in &sizes {
        print!("---:|---:|");
    }
    println!();
    for (ci, c) in big_clients.iter().enumerate() {
        print!("| {} |", label(c));
        for si in 0..sizes.len() {
            let s = stats(&big[si][ci]);
            print!(" {} | {} |", mb(s.rss_max), ms(s.wall));
        }
        println!();
    }
    println!(
        "\n(peak RSS: the largest of {big_rounds} runs; wall: median. The 10 000-message table above \
         shows the same for many small messages.)"
    );
}

/// The clients of the COMPRESS=DEFLATE table: each without and with compression.
const COMPRESS_CLIENTS: &[&str] = &[
    "blocking+wire",
    "blocking+z",
    "blocking-stream+wire",
    "blocking-stream+z",
    "async-stream+wire",
    "async-stream+z",
];

/// `--compress`: bytes on the wire and client CPU of the FETCHes, without and with
/// COMPRESS=DEFLATE.
fn compress_tables(server: &Dovecot, user: &UserAccount, rounds: usize, count: usize, total: u64) {
    println!(
        "- method: each client is a separate process (connect, LOGIN, [COMPRESS DEFLATE,] EXAMINE \
         INBOX, the FETCH, LOGOUT) over plain TCP on loopback, through a stream that counts the \
         bytes read and written on the socket during the FETCH; {rounds} rounds, clients \
         interleaved; medians. 'FETCH CPU' is the client's user+sys time around the FETCH alone."
    );
    println!();
    let workloads = [
        ("rfc822", "`FETCH 1:* (RFC822)`"),
        ("meta", "`FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE)`"),
    ];
    let clients = COMPRESS_CLIENTS;
    let mut results: Vec<Vec<Vec<Sample>>> = vec![vec![Vec::new(); clients.len()]; workloads.len()];
    let t = Instant::now();
    for round in 0..rounds {
        for (wi, (w, _)) in workloads.iter().enumerate() {
            for k in 0..clients.len() {
                let ci = (k + round) % clients.len();
                results[wi][ci].push(run_client(server, user, clients[ci], w));
            }
        }
        eprintln!(
            "round {} done ({:.1} s)",
            round + 1,
            t.elapsed().as_secs_f64()
        );
    }
    for (wi, (w, title)) in workloads.iter().enumerate() {
        println!(
            "### COMPRESS=DEFLATE: {title}, {count} messages ({})\n",
            mb(total as f64)
        );
        println!("| client | COMPRESS | bytes read on the wire | ÷ plain | bytes written | FETCH wall | FETCH CPU | ÷ plain | process CPU | peak RSS |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (ci, c) in clients.iter().enumerate() {
            let s = stats(&results[wi][ci]);
            let med = |g: &dyn Fn(&Sample) -> f64| {
                sys::median(&results[wi][ci].iter().map(g).collect::<Vec<_>>())
            };
            let (wire_in, wire_out) = (med(&|s| s.wire_in as f64), med(&|s| s.wire_out as f64));
            // The row without compression of the same client.
            let plain = ci - ci % 2;
            let p = stats(&results[wi][plain]);
            let p_in = sys::median(
                &results[wi][plain]
                    .iter()
                    .map(|s| s.wire_in as f64)
                    .collect::<Vec<_>>(),
            );
            let base = c.trim_end_matches("+wire").trim_end_matches("+z");
            println!(
                "| {} | {} | {} | {:.3} | {} B | {} | {} | {:.2} | {} | {} |",
                label(base),
                if c.ends_with("+z") { "yes" } else { "no" },
                mb(wire_in),
                wire_in / p_in,
                wire_out,
                ms(s.wall),
                ms(s.cpu),
                s.cpu / p.cpu,
                ms(s.cpu_total),
                mb(s.rss),
            );
            if *w == "rfc822" {
                assert_eq!(
                    s.bytes, total,
                    "{c} received the wrong number of literal bytes"
                );
            }
        }
        println!("\n(n = {} runs per client)\n", results[wi][0].len());
    }
}
