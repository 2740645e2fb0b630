//! `sans_io`: the sans-IO engine, [`Connection`], in a small blocking loop.
//!
//! The connection never touches I/O. The loop reads what the server sends and
//! [`feed`](Connection::feed)s it, then does what [`poll_output`](Connection::poll_output)
//! says: write [`Output::Send`] bytes to the server, print each [`Output::Completed`]
//! result, and submit the next command once the previous one completed (the first once
//! [`Output::Connected`]). The commands: `CAPABILITY`, `LIST "" *`, `EXAMINE INBOX`
//! (SELECT read-only), `FETCH 1:* (FLAGS)`, `LOGOUT`.
//!
//! The transport is a child process speaking pre-authenticated IMAP on its stdin and stdout
//! (the sample's `target/dovecot-sample/imap-stdio` of `scripts/dovecot-sample`, or the
//! program given), or, with `HOST:PORT USER`, plain TCP and `LOGIN` first (password from
//! `IMAP_PASSWORD`; the password crosses the network in clear: loopback only).
//! `examples/event_loop.rs` is the big version: non-blocking sockets, two sessions,
//! deadlines and IDLE, with the [`imaplib_proto::driver::Driver`] around the connection.
//!
//! ```text
//! cargo run -p imaplib-proto --example sans_io [-- PROGRAM | -- HOST:PORT USER]
//! ```

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command as Process, Stdio};

use imaplib_proto::{Command, Connection, Options, Output};

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Fallible<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/dovecot-sample/imap-stdio"
    );
    let mut todo = VecDeque::new();
    let (mut from_server, mut to_server): (Box<dyn Read>, Box<dyn Write>) = match &args[..] {
        [address, user] => {
            let password = std::env::var("IMAP_PASSWORD").map_err(|_| "set IMAP_PASSWORD")?;
            todo.push_back(Command::login(user.as_str(), password.as_str())?);
            let tcp = TcpStream::connect(address)?;
            (Box::new(tcp.try_clone()?), Box::new(tcp))
        }
        [] | [_] => {
            let program = args.first().map_or(sample, String::as_str);
            let mut child = Process::new(program);
            let child = child.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
            (
                Box::new(child.stdout.unwrap()),
                Box::new(child.stdin.unwrap()),
            )
        }
        _ => Err("usage: sans_io [PROGRAM | HOST:PORT USER]")?,
    };
    todo.extend([
        Command::capability(),
        Command::list(None, None)?,
        Command::select("INBOX", true)?,
        Command::fetch("1:*", "(FLAGS)")?,
        Command::logout(),
    ]);

    let mut conn = Connection::new(Options::new(0x4d2e)); // the tag prefix's seed
    let mut buf = vec![0; 64 * 1024];
    loop {
        while let Some(output) = conn.poll_output() {
            let submit_next = match output {
                // The bytes of submitted commands (their `Debug` form hides passwords).
                Output::Send(out) => {
                    to_server.write_all(&out.bytes)?;
                    to_server.flush()?;
                    false
                }
                Output::Connected => true,
                Output::Completed { id, result } => {
                    println!("{id} completed: {}", result?.python_repr());
                    true
                }
                Output::Error(e) => Err(e)?,
                // IDLE, STARTTLS and streamed literals: none of these commands has them.
                _ => false,
            };
            if let Some(cmd) = submit_next.then(|| todo.pop_front()).flatten() {
                let name = cmd.name().to_string();
                let id = conn.submit(cmd)?;
                let tag = conn.command_tag(id).unwrap_or_default();
                println!("{id} submitted: {tag} {name}");
            }
        }
        if conn.is_closed() {
            return Ok(()); // after LOGOUT
        }
        match from_server.read(&mut buf)? {
            0 => conn.feed_eof(), // completes what is pending with an error
            n => conn.feed(&buf[..n]),
        }
    }
}
