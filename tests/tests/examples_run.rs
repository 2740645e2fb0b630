//! The examples `mailbox_summary` and `stream_to_disk` (imaplib-blocking) and `sans_io`
//! (imaplib-proto), run as programs against the harness's Dovecot, on mailboxes whose
//! content each test puts there itself.
//!
//! As in `event_loop_example.rs`, the examples belong to other packages: the test builds
//! them with the cargo running the tests and takes the executables' paths from cargo's JSON
//! messages. The pre-authenticated stdio transport is reached through a small `imap-stdio`
//! script in a directory of the test's own (the layout of `scripts/dovecot-sample`, which
//! `DOVECOT_SAMPLE_DIR` selects), running Dovecot's `imap` for the test's user.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use imaplib_integration_tests::dovecot::{dovecot, UserAccount};

/// The three examples, built once per test process: name → executable.
fn example(name: &str) -> &'static Path {
    static EXES: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    let exes = EXES.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let out = Command::new(cargo)
            .current_dir(workspace)
            .args(["build", "-p", "imaplib-blocking", "-p", "imaplib-proto"])
            .args([
                "--example",
                "mailbox_summary",
                "--example",
                "stream_to_disk",
            ])
            .args([
                "--example",
                "sans_io",
                "--message-format=json-render-diagnostics",
            ])
            .stderr(Stdio::inherit())
            .output()
            .expect("running cargo");
        assert!(out.status.success(), "building the examples failed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains(r#""reason":"compiler-artifact""#))
            .filter_map(|l| {
                let name = l.split(r#""name":""#).nth(1)?.split('"').next()?;
                let exe = l.split(r#""executable":""#).nth(1)?.split('"').next()?;
                Some((name.to_string(), PathBuf::from(exe)))
            })
            .collect()
    });
    exes.get(name)
        .unwrap_or_else(|| panic!("cargo named no executable for {name}"))
}

/// What a run of an example left: exit code, stdout, stderr.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs an example (killed after a minute) with `args` and the environment `env`.
fn run(name: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut child = Command::new(example(name))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the example");
    let read = |mut r: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut s = String::new();
            r.read_to_string(&mut s).map(|_| s)
        })
    };
    let stdout = read(Box::new(child.stdout.take().unwrap()));
    let stderr = read(Box::new(child.stderr.take().unwrap()));
    let t0 = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if t0.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name} {args:?} ran longer than a minute");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code: status.code(),
        stdout: stdout.join().unwrap().expect("the example's stdout"),
        stderr: stderr.join().unwrap().expect("the example's stderr"),
    };
    println!(
        "--- {name} {args:?}: {status}\n{}{}",
        run.stdout, run.stderr
    );
    run
}

/// A directory of the test's own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("imaplib-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A sample directory whose `imap-stdio` runs pre-authenticated IMAP for `user`.
fn stdio_dir(user: &UserAccount, what: &str) -> TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new(what);
    let script = dir.0.join("imap-stdio");
    let command = dovecot().stdio_command_for(&user.name);
    std::fs::write(&script, format!("#!/bin/sh\n{command}\n")).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// A message with CRLF line ends.
fn message(from: &str, subject: &str, body: &str) -> Vec<u8> {
    format!("From: {from}\r\nTo: test@example.org\r\nSubject: {subject}\r\n\r\n{body}\r\n")
        .into_bytes()
}

/// The cells of the table row whose first cell is `first`.
fn row<'a>(out: &'a str, first: &str) -> Vec<&'a str> {
    let cells = out.lines().map(|l| l.split("  ").map(str::trim));
    let mut rows = cells.map(|c| c.filter(|c| !c.is_empty()).collect::<Vec<_>>());
    rows.find(|r| r.first() == Some(&first))
        .unwrap_or_else(|| panic!("no row {first:?} in:\n{out}"))
}

#[test]
fn mailbox_summary_counts_and_decodes() {
    let d = dovecot();
    let user = d.new_user();
    d.create_mailbox(&user.name, "Entw&APw-rfe"); // Entwürfe
    d.create_mailbox(&user.name, "&ZeVnLIqe-"); // 日本語
    let date = Some("04-Mar-2025 11:42:17 +0100");
    let inbox: [(&[&str], Vec<u8>); 4] = [
        (&["\\Seen"], message("a@example.org", "The oldest one", "1")),
        (
            &[],
            message("a@example.org", "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=", "2"),
        ),
        (
            &["\\Flagged"],
            message(
                "=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <j@example.org>",
                "=?ISO-8859-1?Q?Caf=E9_cr=E8me?=",
                "3",
            ),
        ),
        (
            &[],
            message("\"Plain Name\" <p@example.org>", "Newest", "4"),
        ),
    ];
    for (flags, bytes) in &inbox {
        d.append(&user.name, "INBOX", flags, date, bytes);
    }
    d.deliver(
        &user.name,
        "Entw&APw-rfe",
        &message(
            "x@example.org",
            "=?utf-8?q?Entwurf_=C3=BCber_Stra=C3=9Fen?=",
            "5",
        ),
    );

    let port = d.plain_port().to_string();
    let remote = [
        "--plain",
        "--host",
        d.host(),
        "--port",
        &port,
        "--user",
        &user.name,
    ];
    let env = [("IMAP_PASSWORD", user.password.as_str()), ("TZ", "UTC")];
    let summary = |more: &[&str]| {
        let r = run("mailbox_summary", &[&remote[..], more].concat(), &env);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(!r.stdout.contains(&user.password) && !r.stderr.contains(&user.password));
        r.stdout
    };

    let out = summary(&["-n", "3"]);
    assert_eq!(row(&out, "INBOX"), ["INBOX", "4", "3"]);
    assert_eq!(row(&out, "Entwürfe"), ["Entwürfe", "1", "1"]);
    assert_eq!(row(&out, "日本語"), ["日本語", "0", "0"]);
    assert!(out.contains("Newest 3 of 4 messages in INBOX:"), "{out}");
    // #, date (internal, in local time: TZ=UTC), sender, size, flags (\Recent or not), subject.
    let message_row = |seq: &str, from: &str, flagged: bool, subject: &str| {
        let r = row(&out, seq);
        assert_eq!(r[..3], [seq, "2025-03-04 10:42", from], "{out}");
        assert!(r[3].ends_with(" kB") && r.last() == Some(&subject), "{out}");
        assert_eq!(r[4].contains("\\Flagged"), flagged, "{out}");
    };
    message_row("4", "Plain Name", false, "Newest");
    message_row("3", "Jörg Müller", true, "Café crème");
    message_row("2", "a@example.org", false, "Grüße aus Köln");
    assert!(
        !out.contains("The oldest one") && !out.contains("=?"),
        "{out}"
    );
    let (newest, oldest) = (out.find("Newest\n").unwrap(), out.find("Grüße").unwrap());
    assert!(newest < oldest, "newest first:\n{out}");

    // A non-ASCII name on the command line is sent in modified UTF-7.
    let out = summary(&["--mailbox", "Entwürfe"]);
    assert!(out.contains("Newest 1 of 1 message in Entwürfe:"), "{out}");
    let r = row(&out, "1");
    assert_eq!(
        (r[2], r.last()),
        ("x@example.org", Some(&"Entwurf über Straßen")),
        "{out}"
    );
    assert!(summary(&["--mailbox", "日本語"]).contains("\n日本語 is empty.\n"));

    let r = run(
        "mailbox_summary",
        &[&remote[..], &["--mailbox", "Nope"]].concat(),
        &env,
    );
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("EXAMINE Nope"), "{}", r.stderr);
    let r = run("mailbox_summary", &["--user", &user.name], &env);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("need --host"), "{}", r.stderr);
}

#[test]
fn stream_to_disk_writes_every_message_byte_for_byte() {
    let d = dovecot();
    let user = d.new_user();
    // Small ones, 8-bit bytes, and one larger than a read (64 KiB), so that its literal comes
    // in several chunks.
    let mut big = message("big@example.org", "Big", "");
    for i in 0..8000 {
        let line = format!("line {i:05} =?x?= {}", "x".repeat(i % 90));
        big.extend_from_slice(line.as_bytes());
        big.extend_from_slice(b" \xe9t\xe9\r\n");
    }
    assert!(big.len() > 200_000);
    let latin1 = [
        &message("l@example.org", "Latin-1", "")[..],
        b"caf\xe9 cr\xe8me\r\n",
    ]
    .concat();
    let messages = [
        message("a@example.org", "One", "first"),
        big,
        latin1,
        message("b@example.org", "Four", ""),
    ];
    for m in &messages {
        d.deliver(&user.name, "INBOX", m);
    }
    d.create_mailbox(&user.name, "Empty");

    let sample = stdio_dir(&user, "stream-to-disk");
    let out = sample.0.join("out");
    let sample_dir = sample.0.to_str().unwrap();
    let env = [("DOVECOT_SAMPLE_DIR", sample_dir)];
    let r = run("stream_to_disk", &["--out", out.to_str().unwrap()], &env);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("4 messages of INBOX"), "{}", r.stderr);
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["000001.eml", "000002.eml", "000003.eml", "000004.eml"]
    );
    for (file, delivered) in files.iter().zip(&messages) {
        let written = std::fs::read(out.join(file)).unwrap();
        assert!(
            written == *delivered,
            "{file} differs from the message delivered"
        );
    }

    let empty = sample.0.join("empty");
    let args = ["--mailbox", "Empty", "--out", empty.to_str().unwrap()];
    let r = run("stream_to_disk", &args, &env);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("0 messages of Empty"), "{}", r.stderr);
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
}

#[test]
fn sans_io_prints_the_fetch_results() {
    let d = dovecot();
    let user = d.new_user();
    for (flags, subject) in [
        (&["$One", "\\Seen"][..], "one"),
        (&["$Two"], "two"),
        (&[], "three"),
    ] {
        d.append(
            &user.name,
            "INBOX",
            flags,
            None,
            &message("a@example.org", subject, ""),
        );
    }
    // The FLAGS of message `seq` in the printed FETCH result.
    let flags = |out: &str, seq: u32| -> String {
        let fetch = out
            .lines()
            .find(|l| l.contains("completed: ('OK', [b'1 (FLAGS"));
        let fetch = fetch.unwrap_or_else(|| panic!("no FETCH result in:\n{out}"));
        let start = format!("b'{seq} (FLAGS (");
        let Some(at) = fetch.find(&start) else {
            return "(none)".into();
        };
        let rest = &fetch[at + start.len()..];
        rest[..rest.find("))").unwrap()].to_string()
    };
    let check = |out: &str| {
        assert!(
            flags(out, 1).contains("$One") && flags(out, 1).contains("\\\\Seen"),
            "{out}"
        );
        assert!(
            flags(out, 2).contains("$Two") && !flags(out, 2).contains("Seen"),
            "{out}"
        );
        assert!(
            !flags(out, 3).contains('$') && flags(out, 3) != "(none)",
            "{out}"
        );
        assert_eq!(flags(out, 4), "(none)", "{out}");
        assert!(
            out.contains("completed: ('OK', [b'3'])"),
            "EXAMINE's EXISTS:\n{out}"
        );
        assert!(out.contains("\"/\" INBOX'"), "LIST:\n{out}");
        assert!(out.contains("completed: ('BYE',"), "LOGOUT:\n{out}");
    };

    // Over a child process: pre-authenticated stdio.
    let sample = stdio_dir(&user, "sans-io");
    let script = sample.0.join("imap-stdio");
    let r = run("sans_io", &[script.to_str().unwrap()], &[]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    check(&r.stdout);

    // Over TCP, with LOGIN first.
    let address = d.plain_addr().to_string();
    let r = run(
        "sans_io",
        &[&address, &user.name],
        &[("IMAP_PASSWORD", &user.password)],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    check(&r.stdout);
    assert!(r.stdout.contains("submitted: ") && r.stdout.contains(" LOGIN\n"));
    assert!(!r.stdout.contains(&user.password));
}
