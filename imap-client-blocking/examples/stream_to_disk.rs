//! `stream_to_disk`: downloads a whole mailbox into a directory of `.eml` files, streaming
//! every message from the socket to its file, so memory stays flat whatever the sizes.
//!
//! In IMAP terms: `EXAMINE mailbox` (read-only), then one `FETCH 1:* (BODY.PEEK[])` run
//! with [`Client::fetch_stream`]: each message body (a literal) goes to a [`LiteralSink`] in
//! chunks, straight from the read buffer, as it arrives. The sink writes it to
//! `DIR/NNNNNN.eml.part` (`NNNNNN`: the message sequence number, so that `ls` lists the
//! mailbox in order) and renames the file to `NNNNNN.eml` once complete. The files hold the
//! messages exactly as the server stores them. Progress goes to stderr.
//!
//! ```text
//! cargo run -p imaplib-blocking --example stream_to_disk -- --out /tmp/inbox      # the sample
//! IMAP_PASSWORD='…' cargo run -p imaplib-blocking --example stream_to_disk -- \
//!     --host imap.example.org --user alice --mailbox Archive --out ./archive
//! ```
//!
//! Without `--host`: the local sample of `scripts/dovecot-sample` (`DOVECOT_SAMPLE_DIR`),
//! as in `mailbox_summary`. With `--host`: implicit TLS (port 993 unless `--port`), then
//! LOGIN with the password from `IMAP_PASSWORD`.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{exit, ExitCode};
use std::time::Instant;

use imaplib_blocking::proto::build::{FetchAttr, Section};
use imaplib_blocking::proto::typed;
use imaplib_blocking::{Client, LiteralSink, IMAP4_SSL_PORT};

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: stream_to_disk --out DIR [--mailbox NAME] \
[--host HOST --user USER [--port PORT]]  (password: IMAP_PASSWORD)";

/// Writes each literal to a file of its own in `dir`.
struct ToFiles {
    dir: PathBuf,
    total: u32,
    count: u32,
    bytes: u64,
    /// The file being written and its final name.
    file: Option<(File, PathBuf)>,
}

impl LiteralSink for ToFiles {
    fn start(&mut self, seq: Option<u32>, _header: &[u8], size: u64) -> io::Result<()> {
        self.count += 1;
        let path = self
            .dir
            .join(format!("{:06}.eml", seq.unwrap_or(self.count)));
        self.file = Some((File::create(path.with_extension("eml.part"))?, path));
        let (n, total) = (self.count, self.total);
        eprint!("\rstream_to_disk: message {n} of {total} ({size} bytes)    ");
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.bytes += bytes.len() as u64;
        match &mut self.file {
            Some((file, _)) => file.write_all(bytes),
            None => Ok(()),
        }
    }

    fn end(&mut self) -> io::Result<()> {
        match self.file.take() {
            Some((_, path)) => fs::rename(path.with_extension("eml.part"), path),
            None => Ok(()),
        }
    }
}

fn main() -> ExitCode {
    if let Err(e) = run() {
        eprintln!("stream_to_disk: error: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run() -> Fallible<()> {
    let (mut opts, mut argv) = (HashMap::new(), std::env::args().skip(1));
    while let Some(name) = argv.next() {
        let known = ["--host", "--user", "--port", "--mailbox", "--out"];
        match argv.next() {
            Some(value) if known.contains(&name.as_str()) => opts.insert(name, value),
            _ => {
                eprintln!("stream_to_disk: unexpected {name:?}\n{USAGE}");
                exit(2)
            }
        };
    }
    let Some(out) = opts.get("--out").map(PathBuf::from) else {
        eprintln!("{USAGE}");
        exit(2)
    };
    let mut client = match opts.get("--host") {
        None => connect_sample()?,
        Some(host) => {
            let port = opts
                .get("--port")
                .map_or(Ok(IMAP4_SSL_PORT), |p| p.parse())?;
            let user = opts.get("--user").ok_or("--host needs --user")?;
            let password = std::env::var("IMAP_PASSWORD").map_err(|_| "set IMAP_PASSWORD")?;
            let mut client = Client::connect_tls(host, port)?;
            client.typed().login(user.as_str(), password.as_str())?;
            client
        }
    };
    let mailbox = opts.get("--mailbox").map_or("INBOX", String::as_str);
    let total = client.typed().examine(mailbox)?.exists;
    fs::create_dir_all(&out)?;
    let (dir, t0) = (out.clone(), Instant::now());
    let mut sink = ToFiles {
        dir,
        total,
        count: 0,
        bytes: 0,
        file: None,
    };
    if total > 0 {
        let body = FetchAttr::body_peek(Section::message()).to_string(); // "BODY.PEEK[]"
        typed::done(client.fetch_stream(1.., &body, &mut sink)?)?; // NO/BAD as errors
        eprintln!();
    }
    let (n, bytes, took) = (sink.count, sink.bytes, t0.elapsed());
    let out = out.display();
    eprintln!("stream_to_disk: {n} messages of {mailbox}, {bytes} bytes in {took:.1?}, in {out}");
    client.typed().logout()?;
    Ok(())
}

/// The sample: `imap-stdio` of `scripts/dovecot-sample`, prepared first if missing.
fn connect_sample() -> Fallible<Client> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = std::env::var_os("DOVECOT_SAMPLE_DIR").map(PathBuf::from);
    let stdio = dir.unwrap_or(repo.join("target/dovecot-sample"));
    let stdio = stdio.join("imap-stdio");
    if !stdio.is_file() {
        let status = std::process::Command::new(repo.join("scripts/dovecot-sample")).status()?;
        if !status.success() || !stdio.is_file() {
            Err(format!("scripts/dovecot-sample failed ({status})"))?;
        }
    }
    let path = stdio.to_str().ok_or("the sample's path is not UTF-8")?;
    // connect_stream runs its argument with `sh -c`: quote the path.
    let command = format!("'{}'", path.replace('\'', r"'\''"));
    Ok(Client::connect_stream(&command)?)
}
