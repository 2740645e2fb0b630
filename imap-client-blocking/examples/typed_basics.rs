//! `typed_basics`: the everyday IMAP task with the typed face — log in, list the mailboxes,
//! show the newest messages of INBOX, append a message, find the ones about lunch and move
//! them to another mailbox.
//!
//! ```text
//! IMAP_PASSWORD='…' cargo run -p imaplib-blocking --example typed_basics -- \
//!     --tls imap.example.org 993 jane
//! ```
//!
//! Without `--tls` the connection is plain TCP (for a local test server: the password
//! crosses the network in clear). `--ca FILE` also trusts the CA certificates of a PEM file
//! (a private CA); `--to MAILBOX` names where the lunch messages go (default `Lunch`). The
//! password is read from the environment variable `IMAP_PASSWORD` only, and never printed.
//!
//! The task itself is [`basics`]: one function, from connecting to logging out.

use std::error::Error;
use std::process::ExitCode;

use imaplib_blocking::proto::build::{FetchAttr, Flag, SearchKey};
use imaplib_blocking::{tls, Client, Config, Reason};

const USAGE: &str =
    "usage: IMAP_PASSWORD=… typed_basics [--tls] [--ca FILE] [--to MAILBOX] HOST PORT USER";

/// A note to append: CRLF line ends, as IMAP wants them.
const NOTE: &[u8] = b"From: Typed Basics <typed@example.org>\r\n\
Subject: A note from typed_basics\r\n\r\nAppended with imaplib-blocking's typed face.\r\n";

/// What the command line says.
struct Args {
    host: String,
    port: u16,
    tls: bool,
    user: String,
    /// Where the lunch messages go.
    target: String,
}

/// The task: connect, log in, list, read the newest ten, append, search, move, log out.
fn basics(args: &Args, config: &Config, password: &str) -> imaplib_blocking::Result<()> {
    let (host, port, target) = (args.host.as_str(), args.port, args.target.as_str());
    let mut client = if args.tls {
        Client::connect_tls_with(host, port, config)?
    } else {
        Client::connect_with(host, port, config)?
    };
    let mut imap = client.typed();
    imap.login(&args.user, password)?;

    for mailbox in imap.list("", "*")? {
        println!("mailbox: {}", mailbox.name);
    }

    let inbox = imap.select("INBOX")?;
    let newest = inbox.exists.saturating_sub(9).max(1)..=inbox.exists; // 1..=0 when empty
    for message in &imap.fetch(newest, FetchAttr::envelope())? {
        let message = message?;
        if let Some(env) = message.envelope() {
            let sender = env.from.first();
            let from = sender.and_then(|a| a.display_name().or(a.email()));
            let date = env.date.map(|d| d.to_str_lossy()).unwrap_or_default();
            let subject = env.subject_text().unwrap_or_default();
            println!("{} | {subject} | {date}", from.unwrap_or_default());
        }
    }

    if let Some(uid) = imap.append("INBOX", &[Flag::Flagged], None, NOTE)? {
        println!("appended: APPENDUID {} {}", uid.uid_validity, uid.uids);
    }

    let lunch = imap.uid_search(&SearchKey::subject("Lunch on Thursday"))?;
    imap.create(target).or_else(|e| match e.reason() {
        Reason::Refused(r) if r.code_name() == Some("ALREADYEXISTS") => Ok(()),
        _ => Err(e),
    })?;
    if let Some(uids) = imap.uid_mv(&lunch, target)?.copy_uid {
        println!("moved to {target}: UIDs {} -> {}", uids.source, uids.dest);
    }
    imap.logout()
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("typed_basics: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The command line, the password and the TLS settings; then [`basics`].
fn run() -> Result<(), Box<dyn Error>> {
    let mut argv = std::env::args().skip(1);
    let (mut tls, mut ca, mut target, mut rest) = (false, None, "Lunch".to_string(), Vec::new());
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--tls" => tls = true,
            "--ca" => ca = Some(argv.next().ok_or(USAGE)?),
            "--to" => target = argv.next().ok_or(USAGE)?,
            _ if arg.starts_with('-') => return Err(USAGE.into()),
            _ => rest.push(arg),
        }
    }
    let [host, port, user] = <[String; 3]>::try_from(rest).map_err(|_| USAGE)?;
    let port = port.parse().map_err(|_| format!("invalid port {port:?}"))?;
    let password =
        std::env::var("IMAP_PASSWORD").map_err(|_| "set IMAP_PASSWORD to the password")?;
    let mut config = Config::default();
    if let Some(ca) = ca {
        config = config.with_tls(tls::config_with_ca_pem(&std::fs::read(ca)?)?);
    }
    let args = Args {
        host,
        port,
        tls,
        user,
        target,
    };
    Ok(basics(&args, &config, &password)?)
}
