//! The typed-face examples, run as programs against the harness's Dovecot:
//! `typed_basics`, `idle_new_mail` and `oauth2` of imaplib-blocking, and `smol_basics`,
//! `async_std_basics` and `tokio_basics` of imaplib-async.
//!
//! The examples belong to other packages, so `CARGO_BIN_EXE_*` does not name them: the test
//! builds them with the cargo running the tests (the async ones with `--features
//! async-std,tokio`) and takes their paths from cargo's JSON messages, as
//! `event_loop_example.rs` does.
//!
//! Each run checks what the example printed and what the server holds afterwards: which
//! messages were listed, the APPENDUID against the appended message's UID, flag and
//! subject, the moved messages in the target mailbox and gone from INBOX. `idle_new_mail`
//! runs through a loopback relay that records what the client sends, to see the keepalive
//! re-issue IDLE; `oauth2` must fail cleanly, as Dovecot offers no OAuth mechanism.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use imaplib_blocking::proto::SequenceSet;
use imaplib_integration_tests::dovecot::{dovecot, Dovecot, UserAccount};

/// How long any run may take before the test kills it and fails.
const LIMIT: Duration = Duration::from_secs(60);

// ----- building and running the examples -----------------------------------------------

/// Builds the `examples` of `package` with `features`; their executables by name.
fn build(package: &str, features: &str, examples: &[&str]) -> HashMap<String, PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace).args(["build", "-p", package]);
    if !features.is_empty() {
        cmd.args(["--features", features]);
    }
    for example in examples {
        cmd.args(["--example", example]);
    }
    let out = cmd
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()
        .expect("running cargo");
    assert!(
        out.status.success(),
        "building the examples of {package} failed"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let found: HashMap<String, PathBuf> = examples
        .iter()
        .filter_map(|name| {
            let exe = stdout
                .lines()
                .filter(|l| l.contains(r#""reason":"compiler-artifact""#))
                .filter(|l| l.contains(r#""kind":["example"]"#))
                .filter(|l| l.contains(&format!(r#""name":"{name}""#)))
                .find_map(|l| l.split(r#""executable":""#).nth(1)?.split('"').next())?;
            Some((name.to_string(), PathBuf::from(exe)))
        })
        .collect();
    assert_eq!(found.len(), examples.len(), "cargo named {found:?}");
    found
}

/// The executable of an example, built once per test process (per package).
fn example(name: &str) -> PathBuf {
    static BLOCKING: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    static ASYNC: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    let built = match name {
        "typed_basics" | "idle_new_mail" | "oauth2" => BLOCKING.get_or_init(|| {
            build(
                "imaplib-blocking",
                "",
                &["typed_basics", "idle_new_mail", "oauth2"],
            )
        }),
        _ => ASYNC.get_or_init(|| {
            build(
                "imaplib-async",
                "async-std,tokio",
                &["smol_basics", "async_std_basics", "tokio_basics"],
            )
        }),
    };
    built[name].clone()
}

/// An example started with `args` and `env` (nothing else of the secrets' variables).
/// (`example(name)` builds it first, if need be.)
fn start(name: &str, args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(example(name));
    cmd.args(args)
        .env_remove("IMAP_PASSWORD")
        .env_remove("IMAP_OAUTH2_TOKEN")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().expect("starting the example")
}

/// A reader thread collecting a child's stream.
fn collect(mut stream: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for `child` (killed and failing the test after [`LIMIT`]).
fn finish(child: &mut Child, t0: Instant, name: &str) -> ExitStatus {
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if t0.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name} ran longer than {LIMIT:?}");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// What a run printed.
#[derive(Debug)]
struct Ran {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs an example to its end.
fn run(name: &str, args: &[&str], env: &[(&str, &str)]) -> Ran {
    example(name); // built before the clock starts
    let t0 = Instant::now();
    let mut child = start(name, args, env);
    let stdout = collect(child.stdout.take().unwrap());
    let stderr = collect(child.stderr.take().unwrap());
    let status = finish(&mut child, t0, name);
    let ran = Ran {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        took: t0.elapsed(),
    };
    println!(
        "--- {name} {args:?}: {status}\n{}{}",
        ran.stdout, ran.stderr
    );
    ran
}

// ----- the server's side ------------------------------------------------------------------

/// A message with these headers; `minute` makes its Date (and Message-ID) unique.
fn message(from: &str, subject: &str, minute: u32) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: someone@example.org\r\nSubject: {subject}\r\n\
         Date: {}\r\nMessage-ID: <m{minute}@example.org>\r\n\r\nHello.\r\n",
        date(minute)
    )
    .into_bytes()
}

fn date(minute: u32) -> String {
    format!("Mon, 02 Mar 2026 09:{minute:02}:00 +0000")
}

/// A message as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Held {
    uid: u32,
    flags: String,
    subject: String,
}

/// UID, FLAGS and Subject of every message of a mailbox, read over Dovecot's stdio IMAP.
fn held(d: &Dovecot, user: &str, mailbox: &str) -> Vec<Held> {
    let examine = format!("EXAMINE \"{mailbox}\"");
    let fetch = b"UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])";
    let transcript = d.imap_as(user, &[examine.as_bytes(), fetch]);
    let mut out: Vec<Held> = Vec::new();
    for line in transcript.lines() {
        if line.starts_with("* ") && line.contains(" FETCH (") {
            let after = |key: &str| line.split(key).nth(1).unwrap_or_default().to_string();
            let uid = after("UID ").split(' ').next().unwrap().parse().unwrap();
            let flags = after("FLAGS (").split(')').next().unwrap().to_string();
            out.push(Held {
                uid,
                flags,
                subject: String::new(),
            });
        } else if let Some(subject) = line.strip_prefix("Subject: ") {
            out.last_mut().expect("a FETCH before its subject").subject = subject.to_string();
        }
    }
    out
}

/// A number of `doveadm mailbox status` (`messages`, `uidvalidity`…).
fn status(d: &Dovecot, user: &str, mailbox: &str, field: &str) -> u32 {
    let out = d.doveadm(&["mailbox", "status", "-u", user, field, mailbox]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "doveadm: {out:?}");
    text.split_whitespace()
        .find_map(|kv| kv.strip_prefix(field)?.strip_prefix('=')?.parse().ok())
        .unwrap_or_else(|| panic!("doveadm said {text:?}"))
}

/// How many messages a mailbox holds.
fn count(d: &Dovecot, user: &str, mailbox: &str) -> u32 {
    status(d, user, mailbox, "messages")
}

// ----- the basics task ----------------------------------------------------------------------

/// A fresh user whose INBOX holds twelve messages, two of them about lunch on Thursday
/// (one too old to be among the ten newest), and a mailbox `Receipts`.
struct Prepared {
    user: UserAccount,
    /// `From | Subject | Date` of each delivered message, as the examples print them.
    lines: Vec<String>,
    /// The UIDs of the lunch messages, and their subjects.
    lunch: Vec<(u32, String)>,
}

fn prepare(d: &Dovecot) -> Prepared {
    let user = d.new_user();
    d.create_mailbox(&user.name, "Receipts");
    let (mut lines, mut lunch) = (Vec::new(), Vec::new());
    for i in 1..=12u32 {
        let person = |name: &str, mail: &str| (format!("{name} <{mail}>"), name.to_string());
        let ((from, shown), subject) = match i {
            2 => (
                person("Alice Example", "alice@example.org"),
                "Lunch on Thursday".into(),
            ),
            11 => (
                person("Bob Example", "bob@example.org"),
                "Re: Lunch on Thursday".into(),
            ),
            // No display name: the examples show the address.
            12 => (
                ("plain@example.org".into(), "plain@example.org".into()),
                "Lunch on Friday".into(),
            ),
            _ => (
                person(&format!("Sender {i}"), &format!("s{i}@example.org")),
                format!("Message {i}"),
            ),
        };
        let uid = d.deliver(&user.name, "INBOX", &message(&from, &subject, i));
        if subject.ends_with("Lunch on Thursday") {
            lunch.push((uid, subject.clone()));
        }
        lines.push(format!("{shown} | {subject} | {}", date(i)));
    }
    Prepared { user, lines, lunch }
}

/// Checks a run of `name` (`typed_basics` or a runtime's twin) on `p` that moved the lunch
/// messages to `target`, after `before` earlier runs on the same INBOX; `listed` are the
/// mailboxes LIST must have shown.
fn check_basics(
    d: &Dovecot,
    p: &Prepared,
    ran: &Ran,
    name: &str,
    target: &str,
    listed: &[&str],
    before: u32,
) {
    let user = &p.user.name;
    assert!(
        ran.status.success(),
        "{name}: {}: {}",
        ran.status,
        ran.stderr
    );
    assert!(ran.stderr.is_empty(), "{name} complained: {}", ran.stderr);
    for out in [&ran.stdout, &ran.stderr] {
        assert!(
            !out.contains(&p.user.password),
            "{name} printed the password"
        );
    }

    // LIST: exactly the mailboxes there were.
    let mailboxes: BTreeSet<&str> = ran
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("mailbox: "))
        .collect();
    assert_eq!(mailboxes, listed.iter().copied().collect(), "{name}: LIST");

    // The ten newest, in mailbox order (and the notes of earlier runs among them).
    let shown: Vec<&str> = ran.stdout.lines().filter(|l| l.contains(" | ")).collect();
    let notes = (0..before).map(|_| format!("{} | A note from {name} | ", note_sender(name)));
    let remaining: Vec<String> = if before == 0 {
        p.lines.clone()
    } else {
        // The lunch messages left with the first run.
        let lunch: Vec<&str> = p.lunch.iter().map(|(_, s)| s.as_str()).collect();
        p.lines
            .iter()
            .filter(|l| !lunch.iter().any(|s| l.contains(&format!(" | {s} | "))))
            .cloned()
            .chain(notes)
            .collect()
    };
    let newest = &remaining[remaining.len().saturating_sub(10)..];
    assert_eq!(shown.len(), newest.len(), "{name}: {shown:#?}");
    for (line, want) in shown.iter().zip(newest) {
        // A note's Date is the server's clock: compare up to it.
        assert!(
            line.starts_with(want.as_str()),
            "{name}: {line:?}, want {want:?}"
        );
    }

    // APPEND: the UID printed is the note's, flagged, in INBOX of that UIDVALIDITY.
    let appended = ran
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("appended: APPENDUID "))
        .unwrap_or_else(|| panic!("{name} printed no APPENDUID"));
    let (validity, uid) = appended.split_once(' ').unwrap();
    assert_eq!(
        validity.parse::<u32>().unwrap(),
        status(d, user, "INBOX", "uidvalidity")
    );
    let uid: u32 = uid.parse().unwrap();
    let inbox = held(d, user, "INBOX");
    let note = inbox.iter().find(|m| m.uid == uid);
    let note = note.unwrap_or_else(|| panic!("{name}: no UID {uid} in INBOX: {inbox:?}"));
    assert_eq!(note.subject, format!("A note from {name}"));
    assert!(note.flags.split(' ').any(|f| f == "\\Flagged"), "{note:?}");

    // SEARCH and MOVE: the lunch messages are in the target, and only they.
    let moved = held(d, user, target);
    let subjects: Vec<&str> = moved.iter().map(|m| m.subject.as_str()).collect();
    let lunch: Vec<&str> = p.lunch.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(subjects, lunch, "{name}: {target} holds {moved:?}");
    assert_eq!(count(d, user, target), 2);
    assert!(
        inbox.iter().all(|m| !m.subject.contains("Thursday")),
        "{inbox:?}"
    );
    assert!(inbox.iter().any(|m| m.subject == "Lunch on Friday"));
    assert_eq!(count(d, user, "INBOX"), 12 - 2 + 1 + before);
    let moved_line = ran.stdout.lines().find(|l| l.starts_with("moved to "));
    if before == 0 {
        let source: SequenceSet = p.lunch.iter().map(|(uid, _)| *uid).collect();
        let dest: SequenceSet = moved.iter().map(|m| m.uid).collect();
        let want = format!("moved to {target}: UIDs {source} -> {dest}");
        assert_eq!(moved_line, Some(want.as_str()), "{name}");
    } else {
        // Nothing left to move: no MOVE, no COPYUID.
        assert_eq!(moved_line, None, "{name}");
    }
}

/// The From of each example's note, as it prints it.
fn note_sender(name: &str) -> &'static str {
    match name {
        "typed_basics" => "Typed Basics",
        "smol_basics" => "Smol Basics",
        "async_std_basics" => "Async-std Basics",
        "tokio_basics" => "Tokio Basics",
        _ => unreachable!(),
    }
}

/// Runs `name` over plain TCP for a fresh user and checks it.
fn basics_over_plain_tcp(name: &str) {
    let d = dovecot();
    let p = prepare(d);
    let port = d.plain_port().to_string();
    let env = [("IMAP_PASSWORD", p.user.password.as_str())];
    let ran = run(name, &[d.host(), &port, &p.user.name], &env);
    check_basics(d, &p, &ran, name, "Lunch", &["INBOX", "Receipts"], 0);
}

#[test]
fn typed_basics_over_plain_tcp() {
    basics_over_plain_tcp("typed_basics");
}

#[test]
fn smol_basics_over_plain_tcp() {
    basics_over_plain_tcp("smol_basics");
}

#[test]
fn async_std_basics_over_plain_tcp() {
    basics_over_plain_tcp("async_std_basics");
}

#[test]
fn tokio_basics_over_plain_tcp() {
    basics_over_plain_tcp("tokio_basics");
}

/// Over implicit TLS (the harness's CA given with `--ca`), into a mailbox that exists
/// already (CREATE's ALREADYEXISTS is tolerated); run twice, the second run finds nothing
/// to move.
#[test]
fn typed_basics_over_tls_into_an_existing_mailbox() {
    let d = dovecot();
    let p = prepare(d);
    d.create_mailbox(&p.user.name, "Target");
    let port = d.tls_port().to_string();
    let ca = d.ca_pem_path().to_str().unwrap();
    let args = [
        "--tls",
        "--ca",
        ca,
        "--to",
        "Target",
        d.host(),
        &port,
        &p.user.name,
    ];
    let env = [("IMAP_PASSWORD", p.user.password.as_str())];
    let listed = ["INBOX", "Receipts", "Target"];
    for before in 0..2 {
        let ran = run("typed_basics", &args, &env);
        check_basics(d, &p, &ran, "typed_basics", "Target", &listed, before);
    }
    // Without --ca the harness's certificate is not trusted: a clean failure.
    let ran = run("typed_basics", &[&args[..1], &args[3..]].concat(), &env);
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(ran.stderr.starts_with("typed_basics: "), "{ran:?}");
    assert!(ran.stderr.contains("certificate"), "{ran:?}");
    assert!(ran.stdout.is_empty(), "{ran:?}");
    assert_eq!(count(d, &p.user.name, "INBOX"), 12);
}

#[test]
fn typed_basics_reports_a_wrong_password() {
    let d = dovecot();
    let user = d.new_user();
    let port = d.plain_port().to_string();
    let ran = run(
        "typed_basics",
        &[d.host(), &port, &user.name],
        &[("IMAP_PASSWORD", "not the password")],
    );
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(ran.stderr.contains("AUTHENTICATIONFAILED"), "{ran:?}");
    assert!(!ran.stderr.contains("not the password"), "{ran:?}");
    assert!(ran.stdout.is_empty(), "{ran:?}");
    // Without IMAP_PASSWORD it says so, and does not connect.
    let ran = run("typed_basics", &[d.host(), &port, &user.name], &[]);
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert!(ran.stderr.contains("IMAP_PASSWORD"), "{ran:?}");
}

// ----- IDLE ---------------------------------------------------------------------------------

/// A loopback relay to Dovecot's plain port for one connection; records what the client
/// sends. Returns the relay's port and the record.
fn relay(d: &Dovecot) -> (u16, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let (record, upstream) = (sent.clone(), d.plain_addr());
    thread::spawn(move || {
        let Ok((mut client, _)) = listener.accept() else {
            return;
        };
        let mut server = TcpStream::connect(upstream).unwrap();
        let (mut to_client, mut from_server) =
            (client.try_clone().unwrap(), server.try_clone().unwrap());
        thread::spawn(move || {
            let _ = std::io::copy(&mut from_server, &mut to_client);
            let _ = to_client.shutdown(Shutdown::Write);
        });
        let mut buf = [0; 16 * 1024];
        while let Ok(n @ 1..) = client.read(&mut buf) {
            record.lock().unwrap().extend_from_slice(&buf[..n]);
            if server.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = server.shutdown(Shutdown::Write);
    });
    (port, sent)
}

/// The lines the client sent, tags dropped (`IDLE`, `DONE`, `UID FETCH …`).
fn commands(sent: &Mutex<Vec<u8>>) -> Vec<String> {
    let sent = sent.lock().unwrap();
    String::from_utf8_lossy(&sent)
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once(' ') {
            Some((_tag, rest)) if l != "DONE" => rest.to_string(),
            _ => l.to_string(),
        })
        .collect()
}

/// Waits for a line of `lines` that starts with `prefix`, at most `limit`.
fn wait_line(lines: &mpsc::Receiver<String>, prefix: &str, limit: Duration) -> String {
    let until = Instant::now() + limit;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if line.starts_with(prefix) => return line,
            Ok(_) => {}
            Err(e) => panic!("no line {prefix:?} within {limit:?} ({e})"),
        }
    }
}

#[test]
fn idle_new_mail_prints_each_delivery_and_keeps_idle_alive() {
    let d = dovecot();
    let user = d.new_user();
    d.deliver(
        &user.name,
        "INBOX",
        &message("Old <old@example.org>", "Before idling", 1),
    );
    let (port, sent) = relay(d);
    let port = port.to_string();
    let args = ["--count", "2", "--timeout", "50", "--keepalive", "1"];
    let args = [&args[..], &[d.host(), &port, &user.name]].concat();
    example("idle_new_mail");
    let t0 = Instant::now();
    let mut child = start("idle_new_mail", &args, &[("IMAP_PASSWORD", &user.password)]);
    let stderr = collect(child.stderr.take().unwrap());
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, lines) = mpsc::channel();
    let printed = thread::spawn(move || {
        let mut all = Vec::new();
        for line in stdout.lines().map_while(Result::ok) {
            println!("idle_new_mail: {line}");
            all.push(line.clone());
            let _ = tx.send(line);
        }
        all
    });

    let waiting = wait_line(&lines, "INBOX: ", Duration::from_secs(20));
    assert_eq!(waiting, "INBOX: 1 messages; waiting for 2 new");
    // Idle through a few keepalives before the first delivery.
    thread::sleep(Duration::from_millis(3500));
    let from = "Idle Sender <idle@example.org>";
    let first = d.deliver(&user.name, "INBOX", &message(from, "Idle one", 2));
    let line = wait_line(&lines, "new message", Duration::from_secs(20));
    assert_eq!(
        line,
        format!("new message 1: UID {first} | Idle Sender | Idle one")
    );
    let second = d.deliver(&user.name, "INBOX", &message(from, "Idle two", 3));
    let line = wait_line(&lines, "new message", Duration::from_secs(20));
    assert_eq!(
        line,
        format!("new message 2: UID {second} | Idle Sender | Idle two")
    );

    let status = finish(&mut child, t0, "idle_new_mail");
    let (printed, stderr) = (printed.join().unwrap(), stderr.join().unwrap());
    assert!(status.success(), "{status}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(printed.len(), 3, "{printed:?}");
    assert!(!printed.iter().any(|l| l.contains("Before idling")));

    // What went to the server: IDLE re-issued by the keepalive (DONE then IDLE at once,
    // with no command between) at least twice before the first delivery, a UID FETCH for
    // each delivery, and LOGOUT last.
    let sent = commands(&sent);
    let reissued = sent
        .windows(2)
        .filter(|w| w[0] == "DONE" && w[1] == "IDLE")
        .count();
    assert!(reissued >= 2, "{reissued} keepalive re-issues: {sent:?}");
    let fetches = sent.iter().filter(|c| c.starts_with("UID FETCH ")).count();
    assert_eq!(fetches, 2, "{sent:?}");
    assert_eq!(sent.last().map(String::as_str), Some("LOGOUT"), "{sent:?}");
}

#[test]
fn idle_new_mail_gives_up_at_its_timeout() {
    let d = dovecot();
    let user = d.new_user();
    let port = d.plain_port().to_string();
    let args = [
        "--count",
        "1",
        "--timeout",
        "2",
        d.host(),
        &port,
        &user.name,
    ];
    let ran = run("idle_new_mail", &args, &[("IMAP_PASSWORD", &user.password)]);
    assert_eq!(ran.status.code(), Some(124), "{ran:?}");
    assert_eq!(
        ran.stderr.trim(),
        "idle_new_mail: timed out after 2 s with 0 of 1 new messages"
    );
    assert_eq!(ran.stdout, "INBOX: 0 messages; waiting for 1 new\n");
    assert!(
        ran.took >= Duration::from_secs(2) && ran.took < Duration::from_secs(10),
        "{:?}",
        ran.took
    );
}

// ----- OAuth2 -------------------------------------------------------------------------------

/// Dovecot (as the harness configures it) offers PLAIN, LOGIN, CRAM-MD5 and SCRAM only: the
/// example must say so and stop, without sending the token or any AUTHENTICATE.
#[test]
fn oauth2_fails_cleanly_without_an_oauth_mechanism() {
    let d = dovecot();
    let user = d.new_user();
    let token = "ya29.secret-token-never-printed";
    let env = [("IMAP_OAUTH2_TOKEN", token)];
    let want = "oauth2: the server offers no OAuth mechanism \
                (neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2; \
                it offers AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256)";

    // The default: implicit TLS.
    let port = d.tls_port().to_string();
    let ca = d.ca_pem_path().to_str().unwrap();
    let args = ["--port", &port, "--ca", ca, d.host(), &user.name];
    let ran = run("oauth2", &args, &env);
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert_eq!(ran.stderr.trim_end(), want);
    assert!(ran.stdout.is_empty(), "{ran:?}");
    assert!(ran.took < Duration::from_secs(20), "{:?}", ran.took);

    // Plain TCP through the relay: nothing but CAPABILITY and LOGOUT went out.
    let (port, sent) = relay(d);
    let port = port.to_string();
    let args = ["--plain", "--port", &port, d.host(), &user.name];
    let ran = run("oauth2", &args, &env);
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert_eq!(ran.stderr.trim_end(), want);
    let sent = commands(&sent);
    assert_eq!(sent, ["CAPABILITY", "LOGOUT"]);

    // Without a token it says which variable to set, and does not connect.
    let ran = run("oauth2", &["--port", "1", d.host(), &user.name], &[]);
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    assert_eq!(
        ran.stderr.trim_end(),
        "oauth2: set IMAP_OAUTH2_TOKEN to an OAuth 2.0 access token"
    );
}
