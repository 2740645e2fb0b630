//! `mailbox_summary`: every mailbox with its counts, then the newest messages of one mailbox.
//!
//! In IMAP terms: `LIST "" *`; `STATUS name (MESSAGES UNSEEN)` for each selectable mailbox,
//! pipelined (all sent, then the answers collected); `EXAMINE mailbox` (read-only: nothing
//! changes); one `FETCH lo:hi ALL` (flags, internal date, size, envelope). The typed face
//! (`client.typed()`, `proto::typed`) decodes mailbox names (modified UTF-7) and RFC 2047
//! encoded words in subjects and names: there is no parsing here.
//!
//! ```text
//! cargo run -p imaplib-blocking --example mailbox_summary            # the local sample
//! IMAP_PASSWORD='…' cargo run -p imaplib-blocking --example mailbox_summary -- \
//!     --host imap.example.org --user alice [--mailbox Sent] [-n 10]
//! ```
//!
//! Without `--host`: `target/dovecot-sample/imap-stdio` (pre-authenticated IMAP on stdio,
//! via [`Client::connect_stream`]; `scripts/dovecot-sample` makes it if missing, and
//! `DOVECOT_SAMPLE_DIR` names another directory). With `--host`: TLS on 993, or
//! `--starttls` / `--plain` on 143 (`--port`), verified against the Mozilla roots plus
//! `--ca FILE` (`--tls-name` if the certificate names another host). The password comes
//! only from `IMAP_PASSWORD`, never printed. `-n N`: how many messages (5). Exit status 1
//! on error, 2 on a bad command line.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{exit, ExitCode, Stdio};

use imaplib_blocking::proto::{build::FetchAttrs, chrono::Local, typed};
use imaplib_blocking::{tls, Client, Command, Config, State, IMAP4_PORT, IMAP4_SSL_PORT};

/// `println!` that does not panic when stdout is closed early (`… | head`).
macro_rules! say {
    ($($arg:tt)*) => {{ use std::io::Write as _; let _ = writeln!(std::io::stdout(), $($arg)*); }};
}

const USAGE: &str = "usage: mailbox_summary [-n N] [--mailbox NAME] [--host HOST --user USER \
[--port PORT] [--starttls | --plain] [--ca FILE] [--tls-name NAME]]  (password: IMAP_PASSWORD)";

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

/// The command line: options by name, `""` for `--starttls` and `--plain`.
type Opts = HashMap<String, String>;

fn main() -> ExitCode {
    if let Err(e) = run(&parse_args()) {
        eprintln!("mailbox_summary: error: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Prints the usage: on stdout and exit status 0 for `--help`, else the problem, status 2.
fn usage(problem: &str) -> ! {
    if problem.is_empty() {
        say!("{USAGE}");
        exit(0)
    }
    eprintln!("mailbox_summary: {problem}\n{USAGE}");
    exit(2)
}

/// `--name value` or `--name=value`; checked.
fn parse_args() -> Opts {
    let (mut opts, mut argv) = (Opts::new(), std::env::args().skip(1));
    while let Some(arg) = argv.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ if arg == "-n" => ("--count".into(), None),
            _ => (arg, None),
        };
        let value = match name.as_str() {
            "--starttls" | "--plain" => String::new(),
            "--host" | "--user" | "--port" | "--ca" | "--tls-name" | "--mailbox" | "--count" => {
                let value = inline.or_else(|| argv.next());
                value.unwrap_or_else(|| usage(&format!("{name} needs a value")))
            }
            "-h" | "--help" => usage(""),
            "--password" | "--pass" => usage("the password is read from IMAP_PASSWORD only"),
            _ => usage(&format!("unknown argument {name:?}")),
        };
        opts.insert(name, value);
    }
    let has = |k: &str| opts.contains_key(k);
    let local = |k: &String| ["--mailbox", "--count"].contains(&k.as_str());
    if has("--starttls") && has("--plain") {
        usage("--starttls and --plain exclude each other");
    } else if !has("--host") && !opts.keys().all(local) {
        usage("--user, --port, --starttls, --plain, --ca and --tls-name need --host");
    } else if has("--host") && !has("--user") {
        usage("--host needs --user");
    }
    for k in ["--port", "--count"] {
        let valid = |v: &String| v.parse::<u16>().is_ok_and(|n| n > 0);
        if !opts.get(k).is_none_or(valid) {
            usage(&format!("invalid {k}"));
        }
    }
    opts
}

fn run(opts: &Opts) -> Fallible<()> {
    let mut client = match opts.get("--host") {
        None => connect_sample()?,
        Some(host) => connect_remote(opts, host)?,
    };
    let mut boxes = client.typed().list("", "*")?;
    boxes.sort_by_key(|b| (!b.name.is_inbox(), b.name.as_str().to_lowercase()));
    // Pipelined: every STATUS is submitted, then each answer is waited for and read as typed.
    let status = |b: &typed::ListEntry| Command::status(&b.name, "(MESSAGES UNSEEN)");
    let submit = |b: &typed::ListEntry| b.is_selectable().then(|| client.submit(status(b)?));
    let ids: Vec<_> = boxes.iter().map(submit).collect();
    let utf8 = client.connection().utf8_enabled();
    let mut rows = Vec::new();
    for (b, id) in boxes.iter().zip(ids) {
        let count = |n: Option<u32>| n.map_or("?".into(), |n| n.to_string());
        let (messages, unseen, note) = match id.map(|id| typed::status(client.wait(id?)?, utf8)) {
            Some(Ok(s)) => (count(s.messages), count(s.unseen), String::new()),
            Some(Err(e)) => ("?".into(), "?".into(), format!("(STATUS failed: {e})")),
            None => ("-".into(), "-".into(), "(not selectable)".into()),
        };
        rows.push(vec![b.name.to_string(), messages, unseen, note]);
    }
    table(&["Mailbox", ">Messages", ">Unseen", ""], &rows);

    let mailbox = opts.get("--mailbox").map_or("INBOX", String::as_str);
    let count: u32 = opts.get("--count").map_or(Ok(5), |n| n.parse())?;
    let mut imap = client.typed();
    let examined = imap
        .examine(mailbox)
        .map_err(|e| format!("EXAMINE {mailbox}: {e}"));
    let exists = examined?.exists;
    if exists == 0 {
        say!("\n{mailbox} is empty.");
        return Ok(imap.logout()?);
    }
    let newest = exists.saturating_sub(count - 1).max(1)..=exists;
    let mut rows = Vec::new();
    for m in &imap.fetch(newest.clone(), FetchAttrs::all())? {
        let m = m?;
        // Only answers with an envelope: not flag updates the server may slip in.
        let Some(env) = m.envelope().filter(|_| newest.contains(&m.seq)) else {
            continue;
        };
        let date = m.internal_date().or_else(|| env.parsed_date());
        let date = date.map(|d| d.with_timezone(&Local).format("%Y-%m-%d %H:%M"));
        let from = env.from.first();
        let from = from.and_then(|a| a.display_name().or(a.email()));
        let from: String = from.unwrap_or_default().chars().take(24).collect();
        let flags = m.flags().unwrap_or_default();
        let flags: Vec<_> = flags.iter().map(|f| f.to_string()).collect();
        let size = m.size().unwrap_or(0) as f64 / 1e3;
        let subject = env.subject_text().filter(|s| !s.is_empty());
        rows.push(vec![
            m.seq.to_string(),
            date.map_or(String::new(), |d| d.to_string()),
            from,
            format!("{size:.1} kB"),
            flags.join(" "),
            subject.unwrap_or("(no subject)".into()),
        ]);
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r[0].parse::<u32>().ok())); // newest first
    let s = if exists == 1 { "" } else { "s" };
    let n = rows.len();
    say!("\nNewest {n} of {exists} message{s} in {mailbox}:\n");
    table(&[">#", "Date", "From", ">Size", "Flags", "Subject"], &rows);
    Ok(imap.logout()?)
}

/// The sample: `imap-stdio` of `scripts/dovecot-sample`, prepared first if missing.
fn connect_sample() -> Fallible<Client> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = std::env::var_os("DOVECOT_SAMPLE_DIR").map(PathBuf::from);
    let stdio = dir.unwrap_or(repo.join("target/dovecot-sample"));
    let stdio = stdio.join("imap-stdio");
    if !stdio.is_file() {
        let script = repo.join("scripts/dovecot-sample");
        eprintln!("mailbox_summary: running {} first", script.display());
        let mut command = std::process::Command::new(&script);
        // The script talks on stdout: keep ours for the tables.
        command.stdin(Stdio::null()).stdout(std::io::stderr());
        let status = command.status()?;
        if !status.success() || !stdio.is_file() {
            Err(format!("{} failed ({status})", script.display()))?;
        }
    }
    let path = stdio.to_str().ok_or("the sample's path is not UTF-8")?;
    // connect_stream runs its argument with `sh -c`: quote the path.
    say!("Sample Dovecot ({path}, pre-authenticated over stdio)\n");
    let command = format!("'{}'", path.replace('\'', r"'\''"));
    Ok(Client::connect_stream(&command)?)
}

/// A server named on the command line: TLS, STARTTLS or plain, then LOGIN.
fn connect_remote(opts: &Opts, host: &str) -> Fallible<Client> {
    let user = &opts["--user"];
    let password = std::env::var("IMAP_PASSWORD").map_err(|_| "IMAP_PASSWORD is not set")?;
    let mut config = Config::default();
    if let Some(ca) = opts.get("--ca") {
        config.tls = Some(tls::config_with_ca_pem(&std::fs::read(ca)?)?);
    }
    config.tls_server_name = opts.get("--tls-name").cloned();
    let plain = opts.contains_key("--plain");
    let starttls = opts.contains_key("--starttls");
    let port = match opts.get("--port") {
        Some(port) => port.parse()?,
        None if plain || starttls => IMAP4_PORT,
        None => IMAP4_SSL_PORT,
    };
    let loopback = host == "localhost" || host.parse().is_ok_and(|ip: IpAddr| ip.is_loopback());
    if plain && !loopback {
        eprintln!("mailbox_summary: warning: --plain sends the password to {host} in clear");
    }
    let (client, how) = match (plain, starttls) {
        (true, _) => (Client::connect_with(host, port, &config), "plain TCP"),
        (_, true) => (Client::connect_starttls(host, port, &config), "STARTTLS"),
        _ => (Client::connect_tls_with(host, port, &config), "TLS"),
    };
    let mut client = client.map_err(|e| format!("connecting to {host}:{port} ({how}): {e}"))?;
    if client.state() == State::NonAuth {
        client.typed().login(user.as_str(), password.as_str())?;
    }
    say!("{host}:{port} ({how}) as {user}\n");
    Ok(client)
}

/// Rows in aligned columns under `head` (`>` right-aligns a column) and a rule of dashes.
fn table(head: &[&str], rows: &[Vec<String>]) {
    let right: Vec<bool> = head.iter().map(|h| h.starts_with('>')).collect();
    let head = head.iter().map(|h| h.trim_start_matches('>').to_string());
    let head: Vec<String> = head.collect();
    let all: Vec<&Vec<String>> = rows.iter().chain([&head]).collect();
    let width = |i: usize| all.iter().map(|r| r[i].chars().count()).max();
    let widths: Vec<usize> = (0..head.len()).map(|i| width(i).unwrap_or(0)).collect();
    let rule = head
        .iter()
        .zip(&widths)
        .map(|(h, w)| "-".repeat(h.len().min(1) * w));
    let rule: Vec<String> = rule.collect(); // none under an empty heading
    for row in [&head, &rule].into_iter().chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = " ".repeat(widths[i] - cell.chars().count());
            let mut parts = [cell.as_str(), &pad];
            if right[i] {
                parts.reverse();
            }
            line = line + "  " + &parts.concat();
        }
        say!("{}", line.trim_end());
    }
}
