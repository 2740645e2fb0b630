//! imaplib-proto's `event_loop` example, run as a program: against the harness's Dovecot,
//! and against a loopback listener that never answers.
//!
//! The example belongs to another package, so `CARGO_BIN_EXE_*` does not name it: the test
//! builds it with the cargo running the tests (`cargo build -p imaplib-proto --example
//! event_loop`) and takes the executable's path from cargo's JSON messages, which works from
//! a clean checkout, whatever the target directory.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{mpsc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use imaplib_integration_tests::dovecot::dovecot;

/// The example's executable, built once per test process.
fn example() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let out = Command::new(cargo)
            .current_dir(workspace)
            .args(["build", "-p", "imaplib-proto", "--example", "event_loop"])
            .arg("--message-format=json-render-diagnostics")
            .stderr(Stdio::inherit())
            .output()
            .expect("running cargo");
        assert!(out.status.success(), "building the example failed");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let exe = stdout
            .lines()
            .filter(|l| l.contains(r#""reason":"compiler-artifact""#))
            .filter(|l| l.contains(r#""name":"event_loop""#))
            .find_map(|l| l.split(r#""executable":""#).nth(1)?.split('"').next())
            .expect("cargo named no executable for the example");
        PathBuf::from(exe)
    })
}

/// Runs the example with `args` (killed after `limit`): exit status, stdout, time taken.
fn run(args: &[&str], password: &str, limit: Duration) -> (ExitStatus, String, Duration) {
    let exe = example();
    let t0 = Instant::now();
    let mut child = Command::new(exe)
        .args(args)
        .env("IMAP_PASSWORD", password)
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting the example");
    let mut stdout = child.stdout.take().unwrap();
    let reader = thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).map(|_| s)
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let out = reader.join().unwrap().unwrap_or_default();
            panic!("the example ran longer than {limit:?}:\n{out}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let elapsed = t0.elapsed();
    let out = reader.join().unwrap().expect("the example's output");
    println!("{out}");
    (status, out, elapsed)
}

/// The lines a session printed.
fn lines_of<'a>(out: &'a str, session: &str) -> Vec<&'a str> {
    out.lines()
        .filter(|l| l.split_whitespace().nth(1) == Some(session))
        .collect()
}

#[test]
fn watch_sees_what_other_appends_stores_and_expunges() {
    let d = dovecot();
    let user = d.new_user();
    for subject in ["one", "two"] {
        d.deliver(
            &user.name,
            "INBOX",
            format!("Subject: {subject}\r\n\r\nHi\r\n").as_bytes(),
        );
    }
    let port = d.plain_port().to_string();
    let args = [d.host(), &port, &user.name, "--append", "--idle", "6"];
    let (status, out, _) = run(&args, &user.password, Duration::from_secs(60));

    assert!(status.success(), "exit status {status}");
    assert!(out.contains("\nwatch: ok\n") && out.contains("\nother: ok\n"));
    let watch = lines_of(&out, "watch");
    let update = |what: &str| {
        watch
            .iter()
            .any(|l| l.contains("<- unsolicited") && l.contains(what))
    };
    assert!(update("'EXISTS'"), "no EXISTS while idling");
    assert!(update("'FETCH'"), "no FETCH (\\Deleted) while idling");
    assert!(update("'EXPUNGE'"), "no EXPUNGE while idling");
    assert!(watch.iter().any(|l| l.contains("<- FETCH ('OK'")));
    assert!(watch
        .iter()
        .any(|l| l.contains("-> ") && l.contains("DONE")));
    let other = lines_of(&out, "other");
    for done in [
        "APPEND ('OK'",
        "UID STORE ('OK'",
        "UID EXPUNGE ('OK'",
        "LOGOUT ('BYE'",
    ] {
        assert!(
            other.iter().any(|l| l.contains(&format!("<- {done}"))),
            "{done}"
        );
    }
    // The wire trace shows LOGIN with the password redacted by the core.
    assert!(out.contains("LOGIN") && out.contains("<redacted "));
    assert!(!out.contains(user.password.as_str()));
    // The test message is gone again.
    assert!(d
        .imap_as(&user.name, &[b"STATUS INBOX (MESSAGES)"])
        .contains("(MESSAGES 2)"));
}

#[test]
fn partial_writes_one_chunk_per_turn() {
    let d = dovecot();
    let user = d.new_user();
    let port = d.plain_port().to_string();
    let args = [
        d.host(),
        &port,
        &user.name,
        "--write-chunk",
        "3",
        "--idle",
        "1",
    ];
    let (status, out, _) = run(&args, &user.password, Duration::from_secs(60));
    assert!(status.success(), "exit status {status}");
    assert!(lines_of(&out, "watch")
        .iter()
        .any(|l| l.contains("<- IDLE ('OK'")));
    assert!(out.contains("\nwatch: ok\n") && out.contains("\nother: ok\n"));
}

#[test]
fn silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    // Accept both connections and never answer; hold them until the test ends.
    let (_keep, held) = mpsc::channel::<()>();
    thread::spawn(move || {
        let conns: Vec<_> = listener.incoming().take(2).collect();
        let _ = held.recv();
        drop(conns);
    });
    let args = ["127.0.0.1", &port, "nobody", "--timeout", "1"];
    let (status, out, elapsed) = run(&args, "unused", Duration::from_secs(30));

    assert_eq!(status.code(), Some(1), "exit status {status}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    for session in ["watch", "other"] {
        let failed = format!("\n{session}: FAILED: connect: timed out");
        assert!(out.contains(&failed), "{session} did not time out");
    }
}
