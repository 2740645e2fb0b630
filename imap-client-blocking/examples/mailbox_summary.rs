//! `mailbox_summary`: every mailbox with its message counts, then the newest messages of
//! INBOX — a small but real program on top of `imaplib-blocking`.
//!
//! # On the local sample (no account needed)
//!
//! ```text
//! cargo run -p imaplib-blocking --example mailbox_summary
//! ```
//!
//! Without `--host` the example talks to the sample Dovecot that `scripts/dovecot-sample`
//! prepares: `target/dovecot-sample/imap-stdio` speaks pre-authenticated IMAP on stdin and
//! stdout, and the example runs it with [`Client::connect_stream`] (imaplib's
//! `IMAP4_stream`). When that file is missing, the example runs `scripts/dovecot-sample`
//! first (which installs Dovecot through `scripts/setup-dovecot` if needed). The variable
//! `DOVECOT_SAMPLE_DIR` picks another sample directory, as it does for the script.
//!
//! # On your own server
//!
//! ```text
//! IMAP_PASSWORD='…' cargo run -p imaplib-blocking --example mailbox_summary -- \
//!     --host imap.example.org --user alice
//! ```
//!
//! The password is read from the environment variable `IMAP_PASSWORD` only (never from the
//! command line, where other users could see it) and is never printed. TLS is verified
//! against the Mozilla roots, plus the PEM file given with `--ca`.
//!
//! | option | meaning |
//! |---|---|
//! | `--host HOST` | the server (without it: the local sample) |
//! | `--user USER` | the login name (required with `--host`) |
//! | `--port PORT` | default 993, or 143 with `--starttls` / `--plain` |
//! | `--starttls` | plain TCP upgraded with STARTTLS before logging in (required to succeed) |
//! | `--plain` | no TLS at all: the password crosses the network in clear (loopback tests) |
//! | `--ca FILE` | also trust the CA certificate(s) in this PEM file (a private CA) |
//! | `--tls-name NAME` | the certificate name to check, when it differs from `--host` |
//! | `--mailbox NAME` | show the newest messages of this mailbox instead of INBOX |
//! | `-n`, `--count N` | how many messages to show (default 5) |
//!
//! # What it does, in imaplib terms
//!
//! `LIST "" *`, then `STATUS name (MESSAGES UNSEEN)` for each selectable mailbox, then
//! `EXAMINE INBOX` (read-only, so nothing changes) and one
//! `FETCH lo:hi (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])`.
//! Results come back in imaplib's shape — a list of lines and `(header, literal)` pairs —
//! and the example takes them apart with a few dozen lines of tokenizer below. Mailbox names
//! are decoded from modified UTF-7 with [`imaplib_proto::mutf7::decode`]; headers from
//! RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?ISO-8859-1?Q?…?=`).
//!
//! Errors go to stderr with a non-zero exit status (2 for a bad command line).

use std::collections::BTreeMap;
use std::fmt::Display;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};

use imaplib_blocking::proto::mutf7;
use imaplib_blocking::{tls, Client, Command, Config, Item, Reply, State};

/// `println!` that does not panic when stdout is closed early (`… | head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

const USAGE: &str = "\
usage: mailbox_summary [-n N] [--mailbox NAME]
       IMAP_PASSWORD=… mailbox_summary --host HOST --user USER [--port PORT]
                       [--starttls | --plain] [--ca FILE] [--tls-name NAME] [-n N] [--mailbox NAME]

Without --host: the local sample Dovecot of scripts/dovecot-sample (run for you if needed).
With --host: implicit TLS on port 993 unless --starttls or --plain (then port 143);
the password comes from the environment variable IMAP_PASSWORD.";

/// What the FETCH asks for.
const FETCH_ITEMS: &str =
    "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])";

/// Every fallible step reports a message for stderr.
type Fallible<T> = Result<T, String>;

/// Adds what was being done to an error.
fn context<T, E: Display>(r: Result<T, E>, what: impl FnOnce() -> String) -> Fallible<T> {
    r.map_err(|e| format!("{}: {e}", what()))
}

/// Like imaplib, the client raises on protocol failures but returns a `NO` answer as
/// `('NO', [text])` (SELECT of a missing mailbox, say): turn that into an error too.
fn expect_ok(r: imaplib_blocking::Result<Reply>, what: impl Fn() -> String) -> Fallible<Reply> {
    let reply = context(r, &what)?;
    if reply.is_ok() {
        return Ok(reply);
    }
    let text: Vec<String> = reply
        .lines()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    Err(format!("{}: {} {}", what(), reply.typ, text.join(" ")))
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            say!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("mailbox_summary: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("mailbox_summary: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

// ----- command line -----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Security {
    /// Implicit TLS (IMAP4_SSL).
    Tls,
    /// Plain TCP, then STARTTLS, required.
    StartTls,
    /// Plain TCP.
    Plain,
}

#[derive(Debug)]
struct Remote {
    host: String,
    port: u16,
    security: Security,
    user: String,
    ca: Option<PathBuf>,
    tls_name: Option<String>,
}

#[derive(Debug)]
struct Args {
    /// `None`: the local sample.
    remote: Option<Remote>,
    mailbox: String,
    count: u32,
}

impl Args {
    /// `Ok(None)` for `--help`.
    fn parse(argv: impl Iterator<Item = String>) -> Fallible<Option<Args>> {
        let mut host = None;
        let mut port = None;
        let mut user = None;
        let mut ca = None;
        let mut tls_name = None;
        let mut security = None;
        let mut mailbox = "INBOX".to_string();
        let mut count = 5;
        let mut argv = argv.peekable();
        while let Some(arg) = argv.next() {
            // Accept both `--opt value` and `--opt=value`.
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = |what: &str| -> Fallible<String> {
                inline
                    .clone()
                    .or_else(|| argv.next())
                    .ok_or_else(|| format!("{name} needs {what}"))
            };
            let mut set_security = |s: Security| -> Fallible<()> {
                match security.replace(s) {
                    Some(prev) if prev != s => {
                        Err("--starttls and --plain exclude each other".into())
                    }
                    _ => Ok(()),
                }
            };
            match name.as_str() {
                "-h" | "--help" => return Ok(None),
                "--host" => host = Some(value("a host name")?),
                "--user" => user = Some(value("a user name")?),
                "--port" => {
                    let v = value("a port number")?;
                    port = Some(
                        v.parse::<u16>()
                            .ok()
                            .filter(|p| *p != 0)
                            .ok_or_else(|| format!("invalid port {v:?}"))?,
                    );
                }
                "--ca" => ca = Some(PathBuf::from(value("a PEM file")?)),
                "--tls-name" => tls_name = Some(value("a certificate name")?),
                "--starttls" => set_security(Security::StartTls)?,
                "--plain" => set_security(Security::Plain)?,
                "--mailbox" => mailbox = value("a mailbox name")?,
                "-n" | "--count" => {
                    let v = value("a number")?;
                    count = v
                        .parse::<u32>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("invalid count {v:?}"))?;
                }
                "--password" | "--pass" => {
                    return Err(
                        "the password is read from IMAP_PASSWORD, not the command line".into(),
                    )
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        let remote = match host {
            None => {
                if user.is_some()
                    || port.is_some()
                    || ca.is_some()
                    || tls_name.is_some()
                    || security.is_some()
                {
                    return Err(
                        "--user, --port, --starttls, --plain, --ca and --tls-name need --host"
                            .into(),
                    );
                }
                None
            }
            Some(host) => {
                let user = user.ok_or("--host needs --user")?;
                let security = security.unwrap_or(Security::Tls);
                if security == Security::Plain && (ca.is_some() || tls_name.is_some()) {
                    return Err("--ca and --tls-name make no sense with --plain".into());
                }
                let port = port.unwrap_or(match security {
                    Security::Tls => imaplib_blocking::IMAP4_SSL_PORT,
                    _ => imaplib_blocking::IMAP4_PORT,
                });
                Some(Remote {
                    host,
                    port,
                    security,
                    user,
                    ca,
                    tls_name,
                })
            }
        };
        Ok(Some(Args {
            remote,
            mailbox,
            count,
        }))
    }
}

// ----- the program ------------------------------------------------------------------------

fn run(args: &Args) -> Fallible<()> {
    let (mut client, title) = match &args.remote {
        None => connect_sample()?,
        Some(remote) => connect_remote(remote)?,
    };
    say!("{title}");

    // Every mailbox, with its counts.
    let list = expect_ok(client.list(None, None), || "LIST".into())?;
    let mut boxes: Vec<MailboxRow> = parse_list(&list);
    // Pipelined: every STATUS goes out at once, then the results are collected in turn
    // (the core matches each answer to its command, so they cannot mix).
    let pending: Vec<_> = boxes
        .iter()
        .map(|b| {
            b.selectable.then(|| {
                Command::status(b.wire.as_slice(), "(MESSAGES UNSEEN)")
                    .and_then(|cmd| client.submit(cmd))
            })
        })
        .collect();
    for (b, submitted) in boxes.iter_mut().zip(pending) {
        if let Some(submitted) = submitted {
            b.counts = Some(
                submitted
                    .and_then(|id| client.wait(id))
                    .map_err(|e| e.to_string())
                    .and_then(|r| status_counts(&r)),
            );
        }
    }
    boxes.sort_by(|a, b| {
        let key = |m: &MailboxRow| (m.name != "INBOX", m.name.to_lowercase());
        key(a).cmp(&key(b))
    });
    print_mailboxes(&boxes);

    // The newest messages of one mailbox, read-only.
    let exists = expect_ok(client.select(args.mailbox.as_str(), true), || {
        format!("EXAMINE {}", args.mailbox)
    })?;
    let exists: u32 = exists
        .lines()
        .last()
        .and_then(|l| std::str::from_utf8(l).ok()?.trim().parse().ok())
        .unwrap_or(0);
    say!("");
    if exists == 0 {
        say!("{} is empty.", args.mailbox);
    } else {
        let first = exists.saturating_sub(args.count - 1).max(1);
        let set = format!("{first}:{exists}");
        let reply = expect_ok(client.fetch(&set, FETCH_ITEMS), || format!("FETCH {set}"))?;
        let mut messages = parse_fetch(&reply);
        messages.retain(|m| (first..=exists).contains(&m.seq));
        messages.reverse(); // newest first
        say!(
            "Newest {} of {exists} message{} in {}:",
            messages.len(),
            if exists == 1 { "" } else { "s" },
            args.mailbox
        );
        say!("");
        print_messages(&messages);
    }

    let _ = context(client.logout(), || "LOGOUT".into())?;
    Ok(())
}

/// The sample: `imap-stdio` of `scripts/dovecot-sample`, prepared first if missing.
fn connect_sample() -> Fallible<(Client, String)> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("cannot locate the repository root")?
        .to_path_buf();
    let dir = std::env::var_os("DOVECOT_SAMPLE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target").join("dovecot-sample"));
    let stdio = dir.join("imap-stdio");
    if !stdio.is_file() {
        let script = repo.join("scripts").join("dovecot-sample");
        eprintln!(
            "mailbox_summary: {} is missing; running {} to prepare the sample mailbox",
            stdio.display(),
            script.display()
        );
        // The script talks on stdout; keep our stdout for the table.
        let status = context(
            std::process::Command::new(&script)
                .stdin(Stdio::null())
                .stdout(Stdio::from(io::stderr()))
                .status(),
            || format!("running {}", script.display()),
        )?;
        if !status.success() {
            return Err(format!("{} failed ({status})", script.display()));
        }
        if !stdio.is_file() {
            return Err(format!(
                "{} did not create {}",
                script.display(),
                stdio.display()
            ));
        }
    }
    let path = stdio
        .to_str()
        .ok_or_else(|| format!("{} is not valid UTF-8", stdio.display()))?;
    // connect_stream runs its argument with `sh -c`: quote the path.
    let command = format!("'{}'", path.replace('\'', r"'\''"));
    let client = context(Client::connect_stream(&command), || {
        format!("starting {path}")
    })?;
    let title = format!("Sample Dovecot ({path}, pre-authenticated over stdio)");
    Ok((client, title))
}

/// A server named on the command line: TLS, STARTTLS or plain, then LOGIN.
fn connect_remote(r: &Remote) -> Fallible<(Client, String)> {
    // Read the password before connecting, so that a missing one fails fast.
    let password = std::env::var("IMAP_PASSWORD").map_err(|_| {
        format!(
            "set the environment variable IMAP_PASSWORD to the password of {:?}",
            r.user
        )
    })?;
    let mut config = Config::default();
    if let Some(ca) = &r.ca {
        let pem = context(std::fs::read(ca), || format!("reading {}", ca.display()))?;
        config.tls = Some(context(tls::config_with_ca_pem(&pem), || {
            format!("loading {}", ca.display())
        })?);
    }
    config.tls_server_name = r.tls_name.clone();
    let (host, port) = (r.host.as_str(), r.port);
    let (connected, how) = match r.security {
        Security::Tls => (Client::connect_tls_with(host, port, &config), "TLS"),
        Security::StartTls => (Client::connect_starttls(host, port, &config), "STARTTLS"),
        Security::Plain => {
            if !is_loopback(host) {
                eprintln!(
                    "mailbox_summary: warning: --plain sends the password to {host} unencrypted"
                );
            }
            (Client::connect_with(host, port, &config), "plain TCP")
        }
    };
    let mut client = context(connected, || format!("connecting to {host}:{port} ({how})"))?;
    if client.state() == State::NonAuth {
        let _ = context(client.login(r.user.as_str(), password.as_str()), || {
            format!("logging in as {:?}", r.user)
        })?;
    }
    Ok((client, format!("{host}:{port} ({how}) as {}", r.user)))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

// ----- mailboxes --------------------------------------------------------------------------

struct MailboxRow {
    /// Decoded for display.
    name: String,
    /// As the server sent it (modified UTF-7), to send back.
    wire: Vec<u8>,
    selectable: bool,
    /// MESSAGES and UNSEEN, or why STATUS failed.
    counts: Option<Result<(u32, u32), String>>,
}

/// `LIST` lines: `(\HasNoChildren) "/" INBOX`, the name possibly quoted or a literal.
fn parse_list(reply: &Reply) -> Vec<MailboxRow> {
    let mut rows = Vec::new();
    for vals in responses(&reply.data) {
        let [Val::List(flags), _delimiter, name] = vals.as_slice() else {
            continue;
        };
        let Some(wire) = name.bytes() else { continue };
        let selectable = !flags.iter().any(|f| {
            f.bytes().is_some_and(|f| {
                f.eq_ignore_ascii_case(b"\\Noselect") || f.eq_ignore_ascii_case(b"\\NonExistent")
            })
        });
        rows.push(MailboxRow {
            name: mailbox_display(wire),
            wire: wire.to_vec(),
            selectable,
            counts: None,
        });
    }
    rows
}

/// The name for people: modified UTF-7 decoded, or the raw bytes if it is not valid.
fn mailbox_display(wire: &[u8]) -> String {
    mutf7::decode(wire).unwrap_or_else(|_| String::from_utf8_lossy(wire).into_owned())
}

/// The counts in a `STATUS name (MESSAGES UNSEEN)` result; a refusal for one mailbox does
/// not stop the others.
fn status_counts(reply: &Reply) -> Result<(u32, u32), String> {
    if !reply.is_ok() {
        return Err(reply.typ.clone());
    }
    for vals in responses(&reply.data) {
        // `name (MESSAGES 12 UNSEEN 6)`
        let Some(Val::List(items)) = vals.get(1) else {
            continue;
        };
        let mut messages = None;
        let mut unseen = None;
        for pair in items.chunks(2) {
            if let [Val::Atom(k), v] = pair {
                let n = v.number();
                match k.to_ascii_uppercase().as_slice() {
                    b"MESSAGES" => messages = n,
                    b"UNSEEN" => unseen = n,
                    _ => {}
                }
            }
        }
        if let (Some(m), Some(u)) = (messages, unseen) {
            return Ok((m, u));
        }
    }
    Err("no STATUS data".into())
}

fn print_mailboxes(boxes: &[MailboxRow]) {
    let width = boxes
        .iter()
        .map(|b| b.name.chars().count())
        .chain(["Mailbox".len()])
        .max()
        .unwrap_or(0);
    say!("");
    say!(
        "  {:<width$}  {:>8}  {:>6}",
        "Mailbox",
        "Messages",
        "Unseen"
    );
    say!("  {:-<width$}  {:->8}  {:->6}", "", "", "");
    for b in boxes {
        match &b.counts {
            Some(Ok((m, u))) => say!("  {:<width$}  {m:>8}  {u:>6}", b.name),
            Some(Err(e)) => say!(
                "  {:<width$}  {:>8}  {:>6}  (STATUS failed: {e})",
                b.name,
                "?",
                "?"
            ),
            None => say!(
                "  {:<width$}  {:>8}  {:>6}  (not selectable)",
                b.name,
                "-",
                "-"
            ),
        }
    }
}

// ----- messages ---------------------------------------------------------------------------

#[derive(Default)]
struct Message {
    seq: u32,
    flags: Vec<String>,
    internaldate: Option<String>,
    size: Option<u32>,
    header: Vec<u8>,
}

/// FETCH responses: `12 (FLAGS (\Seen) INTERNALDATE "…" RFC822.SIZE 787 BODY[…] {147}`,
/// then the header block as a literal, then `)`. Responses for the same message (a flag
/// update the server slipped in) are merged.
fn parse_fetch(reply: &Reply) -> Vec<Message> {
    let mut by_seq: BTreeMap<u32, Message> = BTreeMap::new();
    for vals in responses(&reply.data) {
        let [seq, Val::List(items)] = vals.as_slice() else {
            continue;
        };
        let Some(seq) = seq.number() else { continue };
        let msg = by_seq.entry(seq).or_insert_with(|| Message {
            seq,
            ..Message::default()
        });
        for pair in items.chunks(2) {
            let [Val::Atom(key), value] = pair else {
                continue;
            };
            let key = key.to_ascii_uppercase();
            match (key.as_slice(), value) {
                (b"FLAGS", Val::List(flags)) => {
                    msg.flags = flags
                        .iter()
                        .filter_map(Val::bytes)
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect();
                }
                (b"INTERNALDATE", Val::Str(d)) => {
                    msg.internaldate = Some(String::from_utf8_lossy(d).into_owned())
                }
                (b"RFC822.SIZE", v) => msg.size = v.number(),
                (k, Val::Str(h)) if k.starts_with(b"BODY[") => msg.header = h.clone(),
                _ => {}
            }
        }
    }
    by_seq.into_values().collect()
}

/// Unfolded header fields: (lower-case name, value bytes).
fn header_fields(block: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut fields: Vec<(String, Vec<u8>)> = Vec::new();
    for line in block.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if let Some((_, value)) = fields.last_mut() {
                value.extend_from_slice(line); // unfolding removes only the line break
            }
        } else if let Some(colon) = line.iter().position(|b| *b == b':') {
            let name = String::from_utf8_lossy(&line[..colon])
                .trim()
                .to_ascii_lowercase();
            fields.push((name, line[colon + 1..].to_vec()));
        }
    }
    fields
}

/// Header bytes to text: UTF-8 when valid, ISO-8859-1 otherwise, then RFC 2047 decoded.
fn header_text(raw: &[u8]) -> String {
    let text = match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => raw.iter().map(|&b| char::from(b)).collect(),
    };
    decode_encoded_words(text.trim())
}

/// The display name of a `From:` value, or its address when it has none.
fn sender(raw: &[u8]) -> String {
    let (name, addr) = match raw.iter().rposition(|b| *b == b'<') {
        Some(lt) => (&raw[..lt], &raw[lt..]),
        None => (&raw[..0], raw),
    };
    let mut name = header_text(name);
    if name.len() >= 2 && name.starts_with('"') && name.ends_with('"') {
        name = name[1..name.len() - 1]
            .replace("\\\"", "\"")
            .replace("\\\\", "\\");
    }
    if name.trim().is_empty() {
        header_text(addr)
            .trim_matches(|c| c == '<' || c == '>')
            .to_string()
    } else {
        name.trim().to_string()
    }
}

/// INTERNALDATE in local time, as imaplib's `Internaldate2tuple` reads it.
fn local_date(internaldate: &str) -> Option<String> {
    let resp = format!("INTERNALDATE \"{internaldate}\"");
    let when = imaplib_blocking::proto::internaldate2tuple(resp.as_bytes())?;
    Some(when.format("%Y-%m-%d %H:%M").to_string())
}

fn human_size(n: u32) -> String {
    match n {
        0..=999 => format!("{n} B"),
        1000..=999_999 => format!("{:.1} kB", f64::from(n) / 1e3),
        _ => format!("{:.1} MB", f64::from(n) / 1e6),
    }
}

/// Shortens `s` to `max` characters, marking the cut with `…`.
fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn print_messages(messages: &[Message]) {
    let rows: Vec<[String; 6]> = messages
        .iter()
        .map(|m| {
            let fields = header_fields(&m.header);
            let field = |name: &str| {
                fields
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.as_slice())
            };
            let date = m
                .internaldate
                .as_deref()
                .and_then(local_date)
                .or_else(|| field("date").map(header_text))
                .unwrap_or_default();
            let from = field("from").map(sender).unwrap_or_default();
            let subject = field("subject").map(header_text).unwrap_or_default();
            [
                m.seq.to_string(),
                date,
                ellipsize(&from, 24),
                m.size.map(human_size).unwrap_or_default(),
                m.flags.join(" "),
                if subject.is_empty() {
                    "(no subject)".into()
                } else {
                    subject
                },
            ]
        })
        .collect();
    let head = ["#", "Date", "From", "Size", "Flags", "Subject"];
    let mut w = head.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in w.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |c: &[String; 6]| {
        format!(
            "  {:>w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {:<w4$}  {}",
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            c[5],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3],
            w4 = w[4]
        )
    };
    say!("{}", line(&head.map(String::from)).trim_end());
    say!("{}", line(&w.map(|n| "-".repeat(n))).trim_end());
    for row in &rows {
        say!("{}", line(row).trim_end());
    }
}

// ----- imaplib-shaped data to values ------------------------------------------------------

/// A value of an untagged response.
#[derive(Debug, Clone)]
enum Val {
    /// An atom or number (`\Seen`, `12`, `BODY[HEADER.FIELDS (FROM)]`).
    Atom(Vec<u8>),
    /// A quoted string or a literal.
    Str(Vec<u8>),
    Nil,
    List(Vec<Val>),
}

impl Val {
    fn bytes(&self) -> Option<&[u8]> {
        match self {
            Val::Atom(b) | Val::Str(b) => Some(b),
            _ => None,
        }
    }

    fn number(&self) -> Option<u32> {
        std::str::from_utf8(self.bytes()?).ok()?.parse().ok()
    }
}

#[derive(Debug)]
enum Tok {
    Open,
    Close,
    Val(Val),
}

/// Splits imaplib's data list into responses, as values. A `(header, literal)` item is
/// continued by the next item (the rest of the line after the literal), so a FETCH with a
/// literal arrives as `[(b'12 (… BODY[…] {147}', header), b')']`.
fn responses(data: &[Item]) -> Vec<Vec<Val>> {
    let mut out = Vec::new();
    let mut toks = Vec::new();
    for item in data {
        match item {
            Item::Line(line) => {
                tokenize(line, &mut toks);
                out.push(nest(&toks));
                toks.clear();
            }
            Item::Literal(header, literal) => {
                tokenize(header, &mut toks);
                toks.push(Tok::Val(Val::Str(literal.clone())));
            }
            Item::None | Item::List(_) => {}
        }
    }
    if !toks.is_empty() {
        out.push(nest(&toks));
    }
    out
}

/// Tokens of one line. A trailing `{N}` (the literal marker) is dropped: the literal is
/// the next item.
fn tokenize(s: &[u8], out: &mut Vec<Tok>) {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'(' => {
                out.push(Tok::Open);
                i += 1;
            }
            b')' => {
                out.push(Tok::Close);
                i += 1;
            }
            b'"' => {
                let mut v = Vec::new();
                i += 1;
                while i < s.len() && s[i] != b'"' {
                    if s[i] == b'\\' && i + 1 < s.len() {
                        i += 1;
                    }
                    v.push(s[i]);
                    i += 1;
                }
                i += 1; // the closing quote
                out.push(Tok::Val(Val::Str(v)));
            }
            b'{' if is_literal_marker(&s[i..]) => break,
            _ => {
                // An atom; `[…]` (a BODY section) may hold spaces and parentheses.
                let start = i;
                let mut depth = 0usize;
                while i < s.len() {
                    match s[i] {
                        b'[' => depth += 1,
                        b']' => depth = depth.saturating_sub(1),
                        b' ' | b'(' | b')' | b'"' if depth == 0 => break,
                        _ => {}
                    }
                    i += 1;
                }
                let atom = &s[start..i];
                out.push(Tok::Val(if atom.eq_ignore_ascii_case(b"NIL") {
                    Val::Nil
                } else {
                    Val::Atom(atom.to_vec())
                }));
            }
        }
    }
}

/// `{123}` or `{123+}` up to the end of the line.
fn is_literal_marker(s: &[u8]) -> bool {
    let Some(inner) = s.strip_prefix(b"{").and_then(|s| s.strip_suffix(b"}")) else {
        return false;
    };
    let digits = inner.strip_suffix(b"+").unwrap_or(inner);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// Parenthesised tokens to nested values; unbalanced input is closed leniently.
fn nest(toks: &[Tok]) -> Vec<Val> {
    let mut stack: Vec<Vec<Val>> = vec![Vec::new()];
    for t in toks {
        match t {
            Tok::Open => stack.push(Vec::new()),
            Tok::Close => {
                if stack.len() > 1 {
                    let list = stack.pop().unwrap_or_default();
                    if let Some(top) = stack.last_mut() {
                        top.push(Val::List(list));
                    }
                }
            }
            Tok::Val(v) => {
                if let Some(top) = stack.last_mut() {
                    top.push(v.clone());
                }
            }
        }
    }
    while stack.len() > 1 {
        let list = stack.pop().unwrap_or_default();
        if let Some(top) = stack.last_mut() {
            top.push(Val::List(list));
        }
    }
    stack.pop().unwrap_or_default()
}

// ----- RFC 2047 ---------------------------------------------------------------------------

/// Decodes `=?charset?B|Q?text?=` words (UTF-8, US-ASCII and ISO-8859-1; others are left
/// as they are). White space between two encoded words is dropped, as RFC 2047 says.
fn decode_encoded_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut after_word = false;
    while let Some(pos) = rest.find("=?") {
        let (before, candidate) = rest.split_at(pos);
        match decode_word(candidate) {
            Some((text, len)) => {
                if !(after_word && before.chars().all(char::is_whitespace)) {
                    out.push_str(before);
                }
                out.push_str(&text);
                rest = &candidate[len..];
                after_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = &candidate[2..];
                after_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One encoded word at the start of `s`: its text and its length in `s`.
fn decode_word(s: &str) -> Option<(String, usize)> {
    let body = s.strip_prefix("=?")?;
    let (charset, body) = body.split_once('?')?;
    let (encoding, body) = body.split_once('?')?;
    let end = body.find("?=")?;
    let text = &body[..end];
    if text.contains(char::is_whitespace) {
        return None;
    }
    let len = 2 + charset.len() + 1 + encoding.len() + 1 + end + 2;
    // RFC 2231 allows a language after the charset: `UTF-8*en`.
    let charset = charset.split('*').next()?.to_ascii_lowercase();
    let bytes = match encoding {
        "B" | "b" => base64_decode(text.as_bytes())?,
        "Q" | "q" => q_decode(text.as_bytes())?,
        _ => return None,
    };
    let decoded = match charset.as_str() {
        "utf-8" | "utf8" | "us-ascii" | "ascii" => String::from_utf8_lossy(&bytes).into_owned(),
        "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "latin-1" => {
            bytes.iter().map(|&b| char::from(b)).collect()
        }
        _ => return None,
    };
    Some((decoded, len))
}

/// The `Q` encoding: `_` is a space, `=XX` a byte.
fn q_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = std::str::from_utf8(s.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

/// Standard base64, padding optional (imaplib-proto has a decoder inside, but does not
/// export one; this example adds no dependency).
fn base64_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s.iter().take_while(|&&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}
