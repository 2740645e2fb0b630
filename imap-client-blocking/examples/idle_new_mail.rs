//! `idle_new_mail`: waits in IDLE for new mail in INBOX and prints each new message's
//! envelope, until `--count` messages have come or `--timeout` seconds have passed.
//!
//! ```text
//! IMAP_PASSWORD='…' cargo run -p imaplib-blocking --example idle_new_mail -- \
//!     --tls --count 3 --timeout 600 imap.example.org 993 jane
//! ```
//!
//! Without `--tls` the connection is plain TCP (a local test server). `--ca FILE` also
//! trusts the CA certificates of a PEM file. The password is read from `IMAP_PASSWORD`.
//!
//! The IDLE is re-issued every `--keepalive` seconds (default 600; RFC 2177 asks for less
//! than 29 minutes): [`Config::with_idle_keepalive`] does that inside one `idle()` call,
//! unseen. When the server reports a new message count (`EXISTS`), the example leaves IDLE,
//! fetches the messages above the last UID it knows (`UID FETCH n:*`, typed) and idles
//! again.
//!
//! Exit status: 0 after `--count` messages, 124 when the time ran out first, 1 on errors.

use std::error::Error;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use imaplib_blocking::proto::build::FetchAttr;
use imaplib_blocking::{tls, Client, Config};

const USAGE: &str = "usage: IMAP_PASSWORD=… idle_new_mail [--tls] [--ca FILE] [--count N] \
                     [--timeout SECS] [--keepalive SECS] HOST PORT USER";

struct Args {
    host: String,
    port: u16,
    tls: bool,
    user: String,
    /// Stop after this many new messages.
    count: u32,
    /// Stop after this long.
    timeout: Duration,
}

/// Logs in, selects INBOX and prints new messages as they come; returns how many came.
fn watch(args: &Args, config: &Config, password: &str) -> imaplib_blocking::Result<u32> {
    let mut client = if args.tls {
        Client::connect_tls_with(&args.host, args.port, config)?
    } else {
        Client::connect_with(&args.host, args.port, config)?
    };
    client.typed().login(&args.user, password)?;
    let inbox = client.typed().select("INBOX")?;
    // SELECT's EXISTS stays in the untagged store (imaplib's way): clear it, so that the
    // store holds only what is reported from now on.
    let _ = client.response("EXISTS");
    let mut next_uid = inbox.uid_next.unwrap_or(1);
    println!(
        "INBOX: {} messages; waiting for {} new",
        inbox.exists, args.count
    );

    let (deadline, mut seen) = (Instant::now() + args.timeout, 0);
    while seen < args.count {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        // New mail reported outside IDLE (during the last FETCH) is not reported again.
        let reported = client.response("EXISTS").lines().next().is_some();
        if !reported {
            let mut idler = client.idle(Some(left))?;
            let mut new_mail = false;
            for update in idler.by_ref() {
                if update?.typ == "EXISTS" {
                    new_mail = true;
                    break;
                }
            }
            let _ = idler.done()?; // a refused IDLE is an error already
            if !new_mail {
                continue; // the time is up
            }
        }
        // `n:*` also names the last message when no UID reaches n: keep only new ones.
        let attrs = [FetchAttr::uid(), FetchAttr::envelope()];
        for message in &client.typed().uid_fetch(next_uid.., attrs)? {
            let message = message?;
            let Some(uid) = message.uid().filter(|&uid| uid >= next_uid) else {
                continue;
            };
            next_uid = uid + 1;
            seen += 1;
            let env = message.envelope();
            let sender = env.and_then(|e| e.from.first());
            let from = sender.and_then(|a| a.display_name().or(a.email()));
            let subject = env.and_then(|e| e.subject_text());
            println!(
                "new message {seen}: UID {uid} | {} | {}",
                from.unwrap_or_default(),
                subject.unwrap_or_default()
            );
        }
    }
    client.typed().logout()?;
    Ok(seen)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(124),
        Err(e) => {
            eprintln!("idle_new_mail: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Reads the command line and the password, sets the keepalive, runs [`watch`]: true when
/// every message expected came.
fn run() -> Result<bool, Box<dyn Error>> {
    let mut argv = std::env::args().skip(1);
    let (mut tls, mut ca, mut rest) = (false, None, Vec::new());
    let (mut count, mut timeout, mut keepalive) = (1, 300, 600);
    let number = |argv: &mut dyn Iterator<Item = String>| -> Result<u64, String> {
        let value = argv.next().ok_or(USAGE)?;
        value
            .parse()
            .map_err(|_| format!("invalid number {value:?}"))
    };
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--tls" => tls = true,
            "--ca" => ca = Some(argv.next().ok_or(USAGE)?),
            "--count" => count = number(&mut argv)?,
            "--timeout" => timeout = number(&mut argv)?,
            "--keepalive" => keepalive = number(&mut argv)?,
            _ if arg.starts_with('-') => return Err(USAGE.into()),
            _ => rest.push(arg),
        }
    }
    let [host, port, user] = <[String; 3]>::try_from(rest).map_err(|_| USAGE)?;
    let port = port.parse().map_err(|_| format!("invalid port {port:?}"))?;
    let password =
        std::env::var("IMAP_PASSWORD").map_err(|_| "set IMAP_PASSWORD to the password")?;

    let mut config =
        Config::default().with_idle_keepalive(Some(Duration::from_secs(keepalive.max(1))));
    if let Some(ca) = ca {
        config = config.with_tls(tls::config_with_ca_pem(&std::fs::read(ca)?)?);
    }
    let args = Args {
        host,
        port,
        tls,
        user,
        count: u32::try_from(count)?,
        timeout: Duration::from_secs(timeout),
    };
    let seen = watch(&args, &config, &password)?;
    if seen < args.count {
        eprintln!(
            "idle_new_mail: timed out after {timeout} s with {seen} of {} new messages",
            args.count
        );
    }
    Ok(seen >= args.count)
}
