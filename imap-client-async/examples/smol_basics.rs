//! `smol_basics`: `typed_basics` under smol (imaplib-async's default runtime) — log in, list
//! the mailboxes, show the newest messages of INBOX, append a message, move the ones about
//! lunch to another mailbox, log out.
//!
//! ```text
//! IMAP_PASSWORD='…' cargo run -p imaplib-async --example smol_basics -- \
//!     --tls imap.example.org 993 jane
//! ```
//!
//! Plain TCP without `--tls` (a local test server); `--to MAILBOX` names where the lunch
//! messages go (default `Lunch`). The password comes from `IMAP_PASSWORD` only.

use std::error::Error;
use std::process::ExitCode;

use imaplib_async::proto::build::{FetchAttr, Flag, SearchKey};
use imaplib_async::smol::Client;
use imaplib_async::Reason;

const USAGE: &str = "usage: IMAP_PASSWORD=… smol_basics [--tls] [--to MAILBOX] HOST PORT USER";

const NOTE: &[u8] = b"From: Smol Basics <smol@example.org>\r\n\
Subject: A note from smol_basics\r\n\r\nAppended under smol.\r\n";

/// The task: connect, log in, list, read the newest ten, append, search, move, log out.
async fn basics(
    host: &str,
    port: u16,
    tls: bool,
    user: &str,
    target: &str,
) -> Result<(), Box<dyn Error>> {
    let password = std::env::var("IMAP_PASSWORD").map_err(|_| "set IMAP_PASSWORD")?;
    let mut client = if tls {
        Client::connect_tls(host, port).await?
    } else {
        Client::connect(host, port).await?
    };
    let mut imap = client.typed();
    imap.login(user, password.as_str()).await?;

    for mailbox in imap.list("", "*").await? {
        println!("mailbox: {}", mailbox.name);
    }

    let inbox = imap.select("INBOX").await?;
    let newest = inbox.exists.saturating_sub(9).max(1)..=inbox.exists; // 1..=0 when empty
    for message in &imap.fetch(newest, FetchAttr::envelope()).await? {
        let message = message?;
        if let Some(env) = message.envelope() {
            let sender = env.from.first();
            let from = sender.and_then(|a| a.display_name().or(a.email()));
            let date = env.date.map(|d| d.to_str_lossy()).unwrap_or_default();
            let subject = env.subject_text().unwrap_or_default();
            println!("{} | {subject} | {date}", from.unwrap_or_default());
        }
    }

    if let Some(uid) = imap.append("INBOX", &[Flag::Flagged], None, NOTE).await? {
        println!("appended: APPENDUID {} {}", uid.uid_validity, uid.uids);
    }

    let lunch = imap
        .uid_search(&SearchKey::subject("Lunch on Thursday"))
        .await?;
    imap.create(target).await.or_else(|e| match e.reason() {
        Reason::Refused(r) if r.code_name() == Some("ALREADYEXISTS") => Ok(()),
        _ => Err(e),
    })?;
    if let Some(uids) = imap.uid_mv(&lunch, target).await?.copy_uid {
        println!("moved to {target}: UIDs {} -> {}", uids.source, uids.dest);
    }
    imap.logout().await?;
    Ok(())
}

fn main() -> ExitCode {
    let (mut tls, mut target, mut rest) = (false, "Lunch".to_string(), Vec::new());
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--tls" => tls = true,
            "--to" => target = argv.next().unwrap_or(target),
            _ => rest.push(arg),
        }
    }
    let Ok([host, port, user]) = <[String; 3]>::try_from(rest) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let Ok(port) = port.parse() else {
        eprintln!("smol_basics: invalid port {port:?}");
        return ExitCode::from(2);
    };
    match smol::block_on(basics(&host, port, tls, &user, &target)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("smol_basics: {e}");
            ExitCode::FAILURE
        }
    }
}
