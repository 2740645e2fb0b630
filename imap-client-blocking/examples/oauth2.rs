//! `oauth2`: logs in with an OAuth 2.0 access token — SASL `OAUTHBEARER` (RFC 7628) when
//! the server offers it, else Google's and Microsoft's `XOAUTH2` — and prints how many
//! messages INBOX holds.
//!
//! ```text
//! IMAP_OAUTH2_TOKEN="$(your-token-helper)" cargo run -p imaplib-blocking --example oauth2 -- \
//!     imap.gmail.com jane@gmail.com
//! ```
//!
//! The token comes from the environment variable `IMAP_OAUTH2_TOKEN` and is never printed
//! (the authenticators redact it in their `Debug`, and the wire trace redacts AUTHENTICATE
//! responses). Getting the token is the OAuth provider's business, not IMAP's: a CLI such as
//! `gcloud auth print-access-token`, or the provider's OAuth library.
//!
//! Implicit TLS on port 993 by default; `--port PORT` for another, `--ca FILE` to also trust
//! a private CA, `--plain` for plain TCP (a local test server only: the token would cross
//! the network in clear). A server that offers neither mechanism (`AUTH=OAUTHBEARER`,
//! `AUTH=XOAUTH2` in its capabilities) is an error, before anything is sent.

use std::error::Error;
use std::process::ExitCode;

use imaplib_blocking::auth::{OAuthBearer, XOAuth2};
use imaplib_blocking::{tls, Client, Config, IMAP4_SSL_PORT};

const USAGE: &str =
    "usage: IMAP_OAUTH2_TOKEN=… oauth2 [--port PORT] [--ca FILE] [--plain] HOST USER";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oauth2: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let mut argv = std::env::args().skip(1);
    let (mut port, mut ca, mut plain, mut rest) = (IMAP4_SSL_PORT, None, false, Vec::new());
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--port" => port = argv.next().ok_or(USAGE)?.parse()?,
            "--ca" => ca = Some(argv.next().ok_or(USAGE)?),
            "--plain" => plain = true,
            _ if arg.starts_with('-') => return Err(USAGE.into()),
            _ => rest.push(arg),
        }
    }
    let [host, user] = <[String; 2]>::try_from(rest).map_err(|_| USAGE)?;
    // Read the token before connecting, so that a missing one fails fast.
    let token = std::env::var("IMAP_OAUTH2_TOKEN")
        .map_err(|_| "set IMAP_OAUTH2_TOKEN to an OAuth 2.0 access token")?;
    let mut config = Config::default();
    if let Some(ca) = ca {
        config = config.with_tls(tls::config_with_ca_pem(&std::fs::read(ca)?)?);
    }

    let mut client = if plain {
        Client::connect_with(&host, port, &config)?
    } else {
        Client::connect_tls_with(&host, port, &config)?
    };
    let mut imap = client.typed();
    let caps = imap.capabilities()?;
    if caps.has("AUTH=OAUTHBEARER") {
        let bearer = OAuthBearer::new(&user, token).with_server(&host, port);
        imap.authenticate("OAUTHBEARER", bearer)?;
    } else if caps.has("AUTH=XOAUTH2") {
        imap.authenticate("XOAUTH2", XOAuth2::new(&user, token))?;
    } else {
        let offered: Vec<String> = caps.values("AUTH").map(|m| format!("AUTH={m}")).collect();
        let _ = imap.logout();
        return Err(format!(
            "the server offers no OAuth mechanism (neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2; \
             it offers {})",
            if offered.is_empty() {
                "no SASL mechanism".into()
            } else {
                offered.join(" ")
            }
        )
        .into());
    }
    println!("logged in as {user} with OAuth");

    let inbox = imap.status("INBOX")?;
    println!("INBOX: {} messages", inbox.messages.unwrap_or(0));
    imap.logout()?;
    Ok(())
}
