//! Proves the Dovecot harness (`tests/src/dovecot.rs`) and `scripts/dovecot-sample`: the server
//! speaks on every transport the clients use, with the authentication mechanisms and
//! extensions they need, CPython's imaplib is happy with it, users are isolated, and no
//! Dovecot process outlives the test process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use imaplib_integration_tests::dovecot::{
    dovecot, sample_folders, sample_messages, Dovecot, UserAccount, EXTRA_CONFIG_ENV, QUOTA_ROOT,
};

/// A raw IMAP connection for checking the server without the client under test.
struct Raw {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Raw {
    fn connect(server: &Dovecot) -> (Raw, String) {
        let stream = TcpStream::connect(server.plain_addr()).expect("connect to the plain port");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut raw = Raw {
            writer: stream.try_clone().unwrap(),
            reader: BufReader::new(stream),
        };
        let greeting = raw.line();
        (raw, greeting)
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read a line");
        assert!(line.ends_with("\r\n"), "incomplete line {line:?}");
        line
    }

    /// Sends `tag command` and returns every line up to and including the tagged one.
    fn command(&mut self, tag: &str, command: &str) -> Vec<String> {
        write!(self.writer, "{tag} {command}\r\n").unwrap();
        let mut lines = Vec::new();
        loop {
            let line = self.line();
            let done = line.starts_with(&format!("{tag} "));
            lines.push(line);
            if done {
                return lines;
            }
        }
    }
}

/// An IMAP quoted string.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn login(raw: &mut Raw, user: &UserAccount) -> Vec<String> {
    raw.command(
        "l1",
        &format!("LOGIN {} {}", quoted(&user.name), quoted(&user.password)),
    )
}

#[test]
fn greets_on_the_plain_port_with_starttls_and_auth_mechanisms() {
    let server = dovecot();
    eprintln!("Dovecot started in {:?}", server.startup_time());
    let (mut raw, greeting) = Raw::connect(server);
    assert!(greeting.starts_with("* OK [CAPABILITY "), "{greeting}");
    for capability in [
        "IMAP4rev1",
        "STARTTLS",
        "AUTH=PLAIN",
        "AUTH=LOGIN",
        "AUTH=CRAM-MD5",
        "AUTH=SCRAM-SHA-1",
        "AUTH=SCRAM-SHA-256",
        "LITERAL+",
        "ID",
        "IDLE",
    ] {
        assert!(
            greeting.split([' ', ']']).any(|word| word == capability),
            "{capability} missing from {greeting}"
        );
    }
    let bye = raw.command("a1", "LOGOUT");
    assert!(bye.last().unwrap().starts_with("a1 OK"), "{bye:?}");
}

#[test]
fn login_over_plain_tcp_needs_the_quoted_password() {
    let server = dovecot();
    let alice = server.alice();
    assert!(alice.password.contains([' ', '"', '\\']));

    let (mut raw, _) = Raw::connect(server);
    let wrong = raw.command("a1", &format!("LOGIN {} \"wrong\"", alice.name));
    assert!(
        wrong
            .last()
            .unwrap()
            .starts_with("a1 NO [AUTHENTICATIONFAILED]"),
        "{wrong:?}"
    );
    let ok = login(&mut raw, alice);
    assert!(ok.last().unwrap().starts_with("l1 OK"), "{ok:?}");
    let capability = raw.command("a2", "CAPABILITY").join("");
    for extension in [
        "IDLE",
        "MOVE",
        "ID",
        "ENABLE",
        "SORT",
        "THREAD=REFERENCES",
        "NAMESPACE",
        "UNSELECT",
        "LITERAL+",
        "UIDPLUS",
        "CONDSTORE",
        "QRESYNC",
        "SPECIAL-USE",
        "QUOTA",
        "ACL",
        "COMPRESS=DEFLATE",
    ] {
        assert!(
            capability.split_whitespace().any(|word| word == extension),
            "{extension} missing from {capability}"
        );
    }
    let namespace = raw.command("a3", "NAMESPACE");
    assert_eq!(namespace[0], "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
    let quota = raw.command("a4", "GETQUOTAROOT INBOX").join("");
    assert!(
        quota.contains(&format!("* QUOTAROOT INBOX \"{QUOTA_ROOT}\"")),
        "{quota}"
    );
    raw.command("a5", "LOGOUT");
}

/// Runs `openssl s_client` against the server, sends `LOGOUT` once a line of its output starts
/// with `ready` (the session is up), and returns (success, stdout + stderr).
fn s_client(server: &Dovecot, ready: &str, extra: &[&str]) -> (bool, String) {
    let mut child = Command::new("openssl")
        .arg("s_client")
        .arg("-CAfile")
        .arg(server.ca_pem_path())
        .arg("-verify_return_error")
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run openssl s_client");
    let mut stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    // s_client quits at the end of its input: keep stdin open until the TLS session is up.
    let mut stdin = Some(child.stdin.take().unwrap());
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut text = String::new();
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if line.starts_with(ready) {
            if let Some(mut stdin) = stdin.take() {
                let _ = stdin.write_all(b"a1 LOGOUT\r\n");
            }
        }
        text.push_str(&line);
    }
    drop(stdin);
    let status = child.wait().unwrap();
    text.push_str(&stderr.join().unwrap());
    (status.success(), text)
}

#[test]
fn tls_port_presents_a_certificate_for_localhost_signed_by_the_ca() {
    let server = dovecot();
    assert!(server.ca_pem().starts_with(b"-----BEGIN CERTIFICATE-----"));
    let connect = format!("127.0.0.1:{}", server.tls_port());

    let (ok, text) = s_client(
        server,
        "* OK",
        &[
            "-connect",
            &connect,
            "-servername",
            "localhost",
            "-verify_hostname",
            "localhost",
        ],
    );
    assert!(ok && text.contains("Verify return code: 0 (ok)"), "{text}");
    assert!(
        text.contains("* OK [CAPABILITY"),
        "no greeting over TLS:\n{text}"
    );
    assert!(text.contains("subject=CN = localhost"), "{text}");
    // The localhost-only CA of the system store when scripts/setup-dovecot installed it (and
    // the tests run as root), else a CA made at start-up.
    let issuer = match server.system_trusted() {
        true => "issuer=CN = imaplib-rs system-store test CA",
        false => "issuer=CN = imaplib-rs test CA",
    };
    assert!(text.contains(issuer), "{text}");

    let (ok, text) = s_client(
        server,
        "* OK",
        &["-connect", &connect, "-verify_ip", "127.0.0.1"],
    );
    assert!(ok && text.contains("Verify return code: 0 (ok)"), "{text}");

    let (ok, text) = s_client(
        server,
        "* OK",
        &["-connect", &connect, "-verify_hostname", "imap.example.com"],
    );
    assert!(!ok && text.contains("hostname mismatch"), "{text}");
}

#[test]
fn starttls_on_the_plain_port_verifies_against_the_ca() {
    let server = dovecot();
    let connect = format!("127.0.0.1:{}", server.plain_port());
    // With -starttls, s_client consumes the greeting itself; the handshake report ends with
    // the verification result.
    let (ok, text) = s_client(
        server,
        "Verify return code",
        &[
            "-connect",
            &connect,
            "-starttls",
            "imap",
            "-verify_hostname",
            "localhost",
        ],
    );
    assert!(ok && text.contains("Verify return code: 0 (ok)"), "{text}");
}

#[test]
fn stdio_command_greets_with_preauth() {
    let server = dovecot();
    let command = server.stdio_command();
    assert!(command.contains("-u 'alice'"), "{command}");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the stdio command");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut greeting = String::new();
    stdout.read_line(&mut greeting).unwrap();
    assert!(greeting.starts_with("* PREAUTH "), "{greeting:?}");
    assert!(greeting.ends_with("Logged in as alice\r\n"), "{greeting:?}");
    stdin
        .write_all(b"a1 SELECT INBOX\r\na2 LOGOUT\r\n")
        .unwrap();
    drop(stdin);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("a1 OK [READ-WRITE]"), "{rest}");
    assert!(rest.contains("a2 OK"), "{rest}");
    assert!(child.wait().unwrap().success());

    // Running as root (as CI does), the mail still belongs to the unprivileged mail user.
    let maildir = server.dir().join("home/alice/Maildir");
    let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&maildir).unwrap());
    assert_eq!(owner, server.mail_uid(), "{}", maildir.display());
    assert_ne!(owner, 0);
}

#[test]
fn new_users_are_isolated_and_can_log_in_at_once() {
    let server = dovecot();
    let one = server.new_user();
    let two = server.new_user();
    assert_ne!(one.name, two.name);

    server.create_mailbox(&one.name, "Private/Notes");
    let uid = server.deliver(&one.name, "INBOX", b"Subject: for one\r\n\r\nHello\r\n");
    assert_eq!(uid, 1);
    let uid = server.append(
        &one.name,
        "Private/Notes",
        &["\\Seen", "$Label1"],
        Some("01-Feb-2024 10:00:00 +0100"),
        b"Subject: note\r\n\r\nA note\r\n",
    );
    assert_eq!(uid, 1);

    // doveadm works against the harness, too.
    let listed = server.doveadm(&["mailbox", "list", "-u", &one.name]);
    assert!(listed.status.success(), "{listed:?}");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("Private/Notes\n"));

    // The first user sees its mailboxes, over TCP with the new password.
    let (mut raw, _) = Raw::connect(server);
    let ok = login(&mut raw, &one);
    assert!(ok.last().unwrap().starts_with("l1 OK"), "{ok:?}");
    let list = raw.command("a1", "LIST \"\" *").join("");
    assert!(list.contains("\"/\" Private/Notes\r\n"), "{list}");
    let status = raw.command("a2", "STATUS INBOX (MESSAGES)").join("");
    assert!(status.contains("(MESSAGES 1)"), "{status}");
    raw.command("a3", "LOGOUT");

    // The second one sees nothing of it.
    let (mut raw, _) = Raw::connect(server);
    let ok = login(&mut raw, &two);
    assert!(ok.last().unwrap().starts_with("l1 OK"), "{ok:?}");
    let list = raw.command("a1", "LIST \"\" *");
    assert_eq!(
        list[..list.len() - 1],
        ["* LIST (\\HasNoChildren) \"/\" INBOX\r\n"]
    );
    let status = raw.command("a2", "STATUS INBOX (MESSAGES)").join("");
    assert!(status.contains("(MESSAGES 0)"), "{status}");
    raw.command("a3", "LOGOUT");
}

#[test]
fn load_sample_delivers_the_fixtures_byte_for_byte() {
    let server = dovecot();
    let user = server.new_user();
    let messages = server.load_sample(&user.name);
    assert_eq!(messages.len(), sample_messages().len());
    assert_eq!(
        sample_folders(&messages),
        ["Archive", "Sent", "Work/Projects"]
    );
    let inbox: Vec<_> = messages.iter().filter(|m| m.mailbox == "INBOX").collect();
    assert_eq!(inbox.len(), 12);
    assert_eq!(
        inbox.iter().map(|m| m.uid.unwrap()).collect::<Vec<_>>(),
        (1..=12).collect::<Vec<_>>()
    );

    let invoice = messages
        .iter()
        .find(|m| m.file == "inbox-05-invoice.eml")
        .unwrap();
    let fetch = format!(
        "UID FETCH {} (FLAGS INTERNALDATE BODY.PEEK[])",
        invoice.uid.unwrap()
    );
    let select = b"SELECT INBOX".as_slice();
    let transcript = server.imap_as(&user.name, &[select, fetch.as_bytes()]);
    assert!(transcript.contains("* 12 EXISTS"), "{transcript}");
    assert!(transcript.contains("\\Flagged"), "{transcript}");
    assert!(
        transcript.contains("INTERNALDATE \"06-Mar-2025 08:01:30 +0000\""),
        "{transcript}"
    );
    let body = String::from_utf8(invoice.bytes.clone()).unwrap();
    assert!(
        transcript.contains(&format!("BODY[] {{{}}}\r\n{body}", body.len())),
        "{transcript}"
    );
}

/// Runs CPython's imaplib against the harness over every transport.
const PYTHON_SCRIPT: &str = r#"
import imaplib, os, ssl, sys, time

env = os.environ
host, user, password, bob = env['HOST'], env['IMAP_USER'], env['IMAP_PASSWORD'], env['BOB']
plain, tls = int(env['PLAIN_PORT']), int(env['TLS_PORT'])
context = ssl.create_default_context(cafile=env['CA_PEM'])
message = b'From: Python <py@example.org>\r\nSubject: from imaplib\r\n\r\nHello from CPython.\r\n'

def ok(label, response):
    typ, data = response
    if typ != 'OK':
        sys.exit(f'{label}: {typ} {data!r}')
    return data

def exercise(label, m):
    caps = ok(label + ' capability', m.capability())[0].decode().split()
    for cap in ('QUOTA', 'ACL', 'IDLE', 'MOVE', 'UIDPLUS', 'NAMESPACE'):
        assert cap in caps, (label, cap, caps)
    data = ok(label + ' getquotaroot', m.getquotaroot('INBOX'))
    assert data[0] == [b'INBOX "User quota"'], (label, data)
    assert data[1][0].startswith(b'"User quota" (STORAGE '), (label, data)
    ok(label + ' setacl', m.setacl('INBOX', bob, 'lr'))
    acl = ok(label + ' getacl', m.getacl('INBOX'))[0].decode()
    assert f' {bob} lr' in acl, (label, acl)
    rights = ok(label + ' myrights', m.myrights('INBOX'))[0].decode()
    assert rights.startswith('INBOX l'), (label, rights)
    ok(label + ' deleteacl', m.deleteacl('INBOX', bob))
    ok(label + ' select', m.select('INBOX'))
    appended = ok(label + ' append', m.append('INBOX', '(\\Seen)', imaplib.Time2Internaldate(time.time()), message))
    uid = appended[0].split(b']')[0].split()[-1].decode()
    fetched = ok(label + ' fetch', m.uid('FETCH', uid, '(FLAGS BODY.PEEK[])'))
    assert fetched[0][1] == message, (label, fetched)
    assert b'\\Seen' in fetched[0][0], (label, fetched)
    ok(label + ' fetch seq', m.fetch('1', '(RFC822.SIZE)'))
    typ, data = m.logout()
    assert typ == 'BYE', (label, typ, data)

m = imaplib.IMAP4(host, plain)
ok('plain login', m.login(user, password))
exercise('plain', m)

m = imaplib.IMAP4_SSL('localhost', tls, ssl_context=context)
ok('tls login', m.login(user, password))
exercise('tls', m)

m = imaplib.IMAP4('localhost', plain)
ok('starttls', m.starttls(ssl_context=context))
ok('starttls login', m.login(user, password))
exercise('starttls', m)

m = imaplib.IMAP4_stream(env['STDIO_COMMAND'])
assert m.state == 'AUTH', m.state
assert m.welcome.startswith(b'* PREAUTH'), m.welcome
exercise('stdio', m)

m = imaplib.IMAP4(host, plain)
ok('cram-md5', m.login_cram_md5(user, password))
exercise('cram-md5', m)

m = imaplib.IMAP4(host, plain)
ok('authenticate plain', m.authenticate('PLAIN', lambda _: f'\0{user}\0{password}'.encode()))
exercise('authenticate plain', m)

m = imaplib.IMAP4(host, plain)
ok('select after login', m.login(user, password))
count = ok('select', m.select('INBOX', readonly=True))[0]
assert count == b'6', count
m.logout()
print('imaplib: all transports OK')
"#;

#[test]
fn cpython_imaplib_works_over_every_transport() {
    let server = dovecot();
    let user = server.new_user();
    let output = Command::new("python3")
        .arg("-c")
        .arg(PYTHON_SCRIPT)
        .env("HOST", server.host())
        .env("PLAIN_PORT", server.plain_port().to_string())
        .env("TLS_PORT", server.tls_port().to_string())
        .env("CA_PEM", server.ca_pem_path())
        .env("IMAP_USER", &user.name)
        .env("IMAP_PASSWORD", &user.password)
        .env("BOB", server.bob_user())
        .env("STDIO_COMMAND", server.stdio_command_for(&user.name))
        .stdin(Stdio::null())
        .output()
        .expect("python3 is needed for the tests that compare with CPython's imaplib");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("all transports OK"),
        "python3 failed ({}):\n{stdout}\n{stderr}\n--- dovecot.log ---\n{}",
        output.status,
        server.log_tail(30)
    );
}

#[test]
fn dovecot_sample_script_makes_a_working_imap_stdio() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let out = std::env::temp_dir().join(format!("imaplib-sample-test-{}", std::process::id()));
    let _cleanup = RemoveOnDrop(out.clone());
    let run = || {
        let output = Command::new(repo.join("scripts/dovecot-sample"))
            .env("DOVECOT_SAMPLE_DIR", &out)
            .current_dir("/")
            .stdin(Stdio::null())
            .output()
            .expect("run scripts/dovecot-sample");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "dovecot-sample failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    };
    run();
    // Idempotent: a second run resets the sample rather than adding to it.
    let stdout = run();
    let stdio = out.join("imap-stdio");
    assert_eq!(stdout.lines().last(), Some(stdio.to_str().unwrap()));

    let mut child = Command::new(&stdio)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run imap-stdio");
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"a1 LIST \"\" *\r\na2 SELECT INBOX\r\na3 STATUS Work/Projects (MESSAGES)\r\na4 LOGOUT\r\n")
        .unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let transcript = String::from_utf8_lossy(&output.stdout);
    assert!(transcript.starts_with("* PREAUTH "), "{transcript}");
    for folder in ["INBOX", "Archive", "Sent", "Work/Projects"] {
        assert!(
            transcript
                .lines()
                .any(|line| line.starts_with("* LIST ")
                    && line.ends_with(&format!("\"/\" {folder}"))),
            "{folder} missing:\n{transcript}"
        );
    }
    assert!(transcript.contains("* 12 EXISTS"), "{transcript}");
    assert!(transcript.contains("(MESSAGES 3)"), "{transcript}");
    assert!(transcript.contains("a4 OK"), "{transcript}");
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Not a test by itself: [`startup_failures_panic_with_the_log`] runs this test binary again
/// with only this test and a broken configuration.
#[test]
fn startup_failure_child() {
    if std::env::var_os(LIFECYCLE_ENV).is_some_and(|mode| mode == "startup-failure") {
        dovecot();
    }
}

#[test]
fn startup_failures_panic_with_the_log() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "startup_failure_child", "--test-threads=1"])
        .env(LIFECYCLE_ENV, "startup-failure")
        .env(EXTRA_CONFIG_ENV, "no_such_setting = 1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("Dovecot failed to start"), "{text}");
    assert!(text.contains("--- startup.log ---"), "{text}");
    assert!(text.contains("Unknown setting: no_such_setting"), "{text}");
}

/// Environment variable that turns [`lifecycle_child`] into a real test run.
const LIFECYCLE_ENV: &str = "IMAPLIB_HARNESS_LIFECYCLE_CHILD";

/// Not a test by itself: [`dovecot_stops_when_the_test_process_ends`] runs this test binary
/// again with only this test and [`LIFECYCLE_ENV`] set. It starts Dovecot, reports its
/// directory and processes, and then returns (`exit`) or panics (`panic`).
#[test]
fn lifecycle_child() {
    let Ok(mode) = std::env::var(LIFECYCLE_ENV) else {
        return;
    };
    if mode != "exit" && mode != "panic" {
        return;
    }
    let server = dovecot();
    let master = server.master_pid();
    let mut pids = vec![master];
    pids.extend(children_of(master));
    let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
    println!(
        "LIFECYCLE dir={} pids={}",
        server.dir().display(),
        pids.join(",")
    );
    if mode == "panic" {
        panic!("lifecycle child panics on purpose");
    }
}

/// The processes whose parent is `parent`.
fn children_of(parent: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid …"; comm may hold spaces and parentheses.
        let after = &stat[stat.rfind(')').unwrap_or(0) + 1..];
        if after.split_whitespace().nth(1) == Some(&parent.to_string()) {
            children.push(pid);
        }
    }
    children
}

/// Whether a process exists and is not a zombie.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let after = &stat[stat.rfind(')').unwrap_or(0) + 1..];
            after.split_whitespace().next() != Some("Z")
        }
        Err(_) => false,
    }
}

#[test]
fn dovecot_stops_when_the_test_process_ends() {
    for mode in ["exit", "panic"] {
        let output = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "lifecycle_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(LIFECYCLE_ENV, mode)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.success(), mode == "exit", "{mode}: {stdout}");
        let report = stdout
            .lines()
            .find_map(|line| line.split_once("LIFECYCLE ").map(|(_, report)| report))
            .unwrap_or_else(|| panic!("{mode}: no report in\n{stdout}"));
        let (dir, pids) = report.split_once(" pids=").unwrap();
        let dir = PathBuf::from(dir.strip_prefix("dir=").unwrap());
        let pids: Vec<u32> = pids.split(',').map(|p| p.parse().unwrap()).collect();
        assert!(
            pids.len() > 1,
            "{mode}: Dovecot has no child processes? {pids:?}"
        );

        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let survivors: Vec<u32> = pids.iter().copied().filter(|&p| alive(p)).collect();
            if survivors.is_empty() && !dir.exists() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{mode}: after the test process ended, processes {survivors:?} are alive or {} \
                 still exists",
                dir.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
