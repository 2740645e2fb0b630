//! Scripted hostile IMAP servers on loopback, for the hostile-server suite
//! (`tests/tests/hostile.rs`).
//!
//! A [`Server`] binds `127.0.0.1:0` and plays one [`Script`] per accepted connection on a
//! thread of its own. A script is a list of [`Step`]s — send bytes (whole, in N-byte
//! writes, or a repeated pattern up to a total), expect a command from the client, reply
//! with the tag of the last command, upgrade to TLS, wait for the client to close, or run
//! arbitrary code on the [`Session`]. Every byte the client sends is recorded in the
//! connection's [`Transcript`], together with the commands read, the bytes sent and how the
//! connection ended; a script never panics, it records what went wrong. A script can also
//! be given a byte budget ([`Script::cut_after`]): the server then sends only the first N
//! bytes of its side, half-closes, and drains what the client still sends.
//!
//! Commands are read by a strict reader ([`Session::read_command`]): line by line, answering
//! `+` to synchronizing literals and reading `{N}`/`{N+}` literal bodies, and each command is
//! tokenized ([`WireCommand::tokens`]) by RFC 3501 rules — atoms, quoted strings (only `\\`
//! and `\"` escapes, no CR/LF/NUL), literals, parentheses, sections in brackets — so that a
//! test can assert that an argument travelled only inside a quoted string or a literal.
//!
//! ```no_run
//! use imaplib_integration_tests::hostile::{Script, Server};
//!
//! let server = Server::start(
//!     Script::new()
//!         .send(b"* OK [CAPABILITY IMAP4rev1] hi\r\n")
//!         .expect("NOOP")
//!         .reply("{tag} OK done\r\n")
//!         .respond(), // plain answers from here on, BYE for LOGOUT
//! );
//! let mut m = imaplib_blocking::Client::connect("127.0.0.1", server.port()).unwrap();
//! m.noop().unwrap();
//! m.logout().unwrap();
//! let report = server.finish();
//! assert_eq!(report.transcripts[0].command_names(), ["NOOP", "LOGOUT"]);
//! ```
//!
//! [`mem`] reads the process's resident memory and the current thread's CPU time from
//! `/proc`, and serializes the memory-measuring tests of a binary.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use imaplib_proto::tls::rustls::{self, ServerConfig, ServerConnection, StreamOwned};

/// How long a server waits for a client's bytes before giving up on a script step.
pub const SERVER_READ_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a server waits for the next connection of its scripts.
pub const ACCEPT_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest command line part the strict reader accepts.
const MAX_COMMAND_LINE: usize = 16 << 20;

/// Largest literal the strict reader accepts in a command.
const MAX_COMMAND_LITERAL: usize = 64 << 20;

// ----- recording -----------------------------------------------------------------------

/// What happened on one connection, as the server saw it.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    /// Every byte received from the client, in order (decrypted after a TLS upgrade).
    pub received: Vec<u8>,
    /// Bytes written to the client (plaintext, before TLS).
    pub sent: u64,
    /// The commands read by the strict reader, in order.
    pub commands: Vec<WireCommand>,
    /// The script could not go on: unexpected command, EOF while expecting one, timeout.
    pub error: Option<String>,
    /// A write failed: the client closed or reset the connection while the server wrote.
    pub write_error: Option<String>,
    /// The client closed its side (EOF or reset seen by a read).
    pub peer_closed: bool,
    /// The byte budget ran out ([`Script::cut_after`]).
    pub cut: bool,
    /// The script ran to its end (or to its budget) without error.
    pub completed: bool,
    /// Wall time from accept to the end of the script.
    pub duration: Duration,
}

impl Transcript {
    /// The names of the commands received (upper-cased; `UID FETCH` for UID commands).
    pub fn command_names(&self) -> Vec<String> {
        self.commands.iter().map(WireCommand::full_name).collect()
    }

    /// True when `needle` occurs anywhere in the received bytes (case-insensitive ASCII).
    pub fn received_contains(&self, needle: &str) -> bool {
        let hay = self.received.to_ascii_uppercase();
        let needle = needle.to_ascii_uppercase();
        hay.windows(needle.len().max(1))
            .any(|w| w == needle.as_bytes())
    }
}

/// One command as read from the wire: its bytes, and its tokens if it is well formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireCommand {
    /// The exact bytes: every line part with its CRLF, and every literal body.
    pub raw: Vec<u8>,
    /// Lines sent in answer to the server's continuation requests after the command
    /// (AUTHENTICATE responses), with their CRLF.
    pub continuations: Vec<Vec<u8>>,
}

/// A token of a command, by RFC 3501's grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// An atom, number, sequence set, flag, or a section such as `BODY[HEADER.FIELDS (X)]`.
    Bare(Vec<u8>),
    /// A quoted string, unescaped.
    Quoted(Vec<u8>),
    /// A literal body; `nonsync` for `{N+}`, `binary` for `~{N}`.
    Literal {
        /// The body.
        data: Vec<u8>,
        /// Sent as `{N+}`.
        nonsync: bool,
        /// Sent as `~{N}` (literal8).
        binary: bool,
    },
    /// `(`
    Open,
    /// `)`
    Close,
}

impl WireCommand {
    /// Tokenizes the command strictly: `tag SP name *(SP arg) CRLF` where every byte outside
    /// a literal body is printable ASCII, quoted strings carry no CR, LF or NUL and escape
    /// only `\` and `"`, parentheses balance, single spaces separate tokens, a literal
    /// header is followed by CRLF, and the command ends with the only bare CRLF.
    pub fn tokens(&self) -> Result<Vec<Token>, String> {
        tokenize(&self.raw)
    }

    /// True when [`WireCommand::tokens`] accepts the command.
    pub fn is_well_formed(&self) -> bool {
        self.tokens().is_ok()
    }

    /// The tag (the bytes before the first space).
    pub fn tag(&self) -> String {
        let end = self
            .raw
            .iter()
            .position(|&b| b == b' ' || b == b'\r' || b == b'\n')
            .unwrap_or(self.raw.len());
        String::from_utf8_lossy(&self.raw[..end]).into_owned()
    }

    /// The command name, upper-cased (the second token).
    pub fn name(&self) -> String {
        self.word(1)
    }

    /// The name with the sub-command of `UID`: `UID FETCH`.
    pub fn full_name(&self) -> String {
        let name = self.name();
        if name == "UID" {
            format!("UID {}", self.word(2))
        } else {
            name
        }
    }

    /// The `n`-th space-separated word of the first line, upper-cased (0: the tag; 2:
    /// AUTHENTICATE's mechanism).
    pub fn word(&self, n: usize) -> String {
        let first_line = self.raw.split(|&b| b == b'\n').next().unwrap_or_default();
        let first_line = first_line.strip_suffix(b"\r").unwrap_or(first_line);
        first_line
            .split(|&b| b == b' ')
            .nth(n)
            .map(|w| String::from_utf8_lossy(w).to_ascii_uppercase())
            .unwrap_or_default()
    }

    /// The literal bodies, in order.
    pub fn literals(&self) -> Vec<Vec<u8>> {
        self.tokens()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| match t {
                Token::Literal { data, .. } => Some(data),
                _ => None,
            })
            .collect()
    }

    /// The quoted strings, unescaped, in order.
    pub fn quoted(&self) -> Vec<Vec<u8>> {
        self.tokens()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| match t {
                Token::Quoted(q) => Some(q),
                _ => None,
            })
            .collect()
    }
}

fn is_bare_char(b: u8) -> bool {
    (0x21..0x7f).contains(&b) && !matches!(b, b'(' | b')' | b'"' | b'{')
}

fn tokenize(raw: &[u8]) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut depth = 0usize;
    // A token just ended: what follows must be SP, `)` or the final CRLF.
    let mut after_token = false;
    let at = |i: usize| format!("at byte {i} of {:?}", String::from_utf8_lossy(raw));
    loop {
        let Some(&c) = raw.get(i) else {
            return Err(format!("command does not end in CRLF {}", at(i)));
        };
        match c {
            b'\r' => {
                if raw.get(i + 1) != Some(&b'\n') {
                    return Err(format!("bare CR {}", at(i)));
                }
                if i + 2 != raw.len() {
                    return Err(format!("CRLF before the end of the command {}", at(i)));
                }
                if depth != 0 {
                    return Err(format!("unbalanced parentheses {}", at(i)));
                }
                if out.len() < 2 {
                    return Err(format!("no tag and command name {}", at(i)));
                }
                if !matches!(out[0], Token::Bare(_)) || !matches!(out[1], Token::Bare(_)) {
                    return Err("tag or command name is not an atom".into());
                }
                return Ok(out);
            }
            b'\n' => return Err(format!("bare LF {}", at(i))),
            b' ' => {
                if !after_token {
                    return Err(format!("stray space {}", at(i)));
                }
                match raw.get(i + 1) {
                    Some(b' ') | Some(b')') | Some(b'\r') | None => {
                        return Err(format!("space before nothing {}", at(i)))
                    }
                    _ => {}
                }
                after_token = false;
                i += 1;
                continue;
            }
            b')' => {
                if depth == 0 {
                    return Err(format!("unbalanced ) {}", at(i)));
                }
                depth -= 1;
                out.push(Token::Close);
                after_token = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        if after_token {
            return Err(format!("tokens not separated by a space {}", at(i)));
        }
        match c {
            b'(' => {
                depth += 1;
                out.push(Token::Open);
                i += 1;
                // The next byte starts a token or closes the list.
                if raw.get(i) == Some(&b' ') {
                    return Err(format!("space after ( {}", at(i)));
                }
                continue;
            }
            b'"' => {
                let mut s = Vec::new();
                i += 1;
                loop {
                    match raw.get(i) {
                        None => return Err(format!("unterminated quoted string {}", at(i))),
                        Some(b'"') => break,
                        Some(b'\\') => match raw.get(i + 1) {
                            Some(&e) if e == b'\\' || e == b'"' => {
                                s.push(e);
                                i += 2;
                            }
                            _ => return Err(format!("bad escape in quoted string {}", at(i))),
                        },
                        Some(&b) if b == b'\r' || b == b'\n' || b == 0 => {
                            return Err(format!("CR, LF or NUL in a quoted string {}", at(i)))
                        }
                        Some(&b) => {
                            s.push(b);
                            i += 1;
                        }
                    }
                }
                i += 1;
                out.push(Token::Quoted(s));
            }
            b'{' | b'~' => {
                let binary = c == b'~';
                if binary {
                    i += 1;
                    if raw.get(i) != Some(&b'{') {
                        return Err(format!("~ not followed by {{ {}", at(i)));
                    }
                }
                i += 1;
                let start = i;
                while raw.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                if i == start {
                    return Err(format!("literal without a size {}", at(i)));
                }
                let n: usize = std::str::from_utf8(&raw[start..i])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| format!("literal size out of range {}", at(i)))?;
                let nonsync = raw.get(i) == Some(&b'+');
                if nonsync {
                    i += 1;
                }
                if raw.get(i..i + 3) != Some(&b"}\r\n"[..]) {
                    return Err(format!("literal header not followed by CRLF {}", at(i)));
                }
                i += 3;
                let Some(data) = raw.get(i..i + n) else {
                    return Err(format!("literal shorter than announced {}", at(i)));
                };
                if !binary && data.contains(&0) {
                    return Err(format!("NUL in a (non-binary) literal {}", at(i)));
                }
                out.push(Token::Literal {
                    data: data.to_vec(),
                    nonsync,
                    binary,
                });
                i += n;
            }
            _ => {
                let start = i;
                let mut bracket = 0usize;
                while let Some(&b) = raw.get(i) {
                    if bracket > 0 {
                        // A section spec: spaces and parentheses allowed up to the `]`.
                        match b {
                            b']' => bracket -= 1,
                            b'[' => bracket += 1,
                            b'\r' | b'\n' | 0 | b'{' => break,
                            b if b == b' ' || b == b'(' || b == b')' || is_bare_char(b) => {}
                            _ => break,
                        }
                        i += 1;
                    } else if b == b'[' {
                        bracket += 1;
                        i += 1;
                    } else if is_bare_char(b) {
                        i += 1;
                    } else {
                        break;
                    }
                }
                if bracket > 0 {
                    return Err(format!("unterminated [section] {}", at(i)));
                }
                if i == start {
                    return Err(format!("unexpected byte {:#04x} {}", c, at(i)));
                }
                out.push(Token::Bare(raw[start..i].to_vec()));
            }
        }
        after_token = true;
    }
}

/// The literal announced at the end of a line part (CRLF removed): `(size, sync)`.
fn literal_header(line: &[u8]) -> Option<(usize, bool)> {
    let rest = line.strip_suffix(b"}")?;
    let (rest, nonsync) = match rest.strip_suffix(b"+") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let digits = rest.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || rest.len() == digits || rest[rest.len() - digits - 1] != b'{' {
        return None;
    }
    let n = std::str::from_utf8(&rest[rest.len() - digits..])
        .ok()?
        .parse()
        .ok()?;
    Some((n, !nonsync))
}

// ----- the connection ------------------------------------------------------------------

enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &s.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// Why a script stopped early.
#[derive(Debug)]
pub enum Stop {
    /// The byte budget ran out: half-close and drain.
    Cut,
    /// The client closed the connection (EOF or reset on read).
    Closed,
    /// A write failed (the client closed or stopped reading).
    WriteFailed(io::Error),
    /// The client did something the script did not expect.
    Script(String),
}

/// One connection being scripted: the socket, what was read and not yet consumed, the
/// transcript and the byte budget. [`Step::Custom`] closures get it.
pub struct Session {
    stream: Stream,
    pending: Vec<u8>,
    transcript: Arc<Mutex<Transcript>>,
    budget: Option<u64>,
    tag: String,
}

impl Session {
    fn record(&self) -> MutexGuard<'_, Transcript> {
        lock(&self.transcript)
    }

    /// The tag of the last command read.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Sends `data` in one write (as far as the budget allows).
    pub fn send(&mut self, data: &[u8]) -> Result<(), Stop> {
        self.send_chunked(data, data.len().max(1))
    }

    /// Sends `data` in writes of at most `chunk` bytes (TCP_NODELAY is on).
    pub fn send_chunked(&mut self, data: &[u8], chunk: usize) -> Result<(), Stop> {
        let (data, cut) = match self.budget {
            Some(left) if (data.len() as u64) >= left => {
                let n = left as usize;
                // Exhausted exactly at the end of `data` still counts as a cut: the next
                // step must not run.
                (&data[..n], true)
            }
            _ => (data, false),
        };
        for piece in data.chunks(chunk.max(1)) {
            if let Err(e) = self
                .stream
                .write_all(piece)
                .and_then(|_| self.stream.flush())
            {
                self.record().write_error = Some(e.to_string());
                return Err(Stop::WriteFailed(e));
            }
            self.record().sent += piece.len() as u64;
            if let Some(b) = self.budget.as_mut() {
                *b -= piece.len() as u64;
            }
        }
        if cut {
            return Err(Stop::Cut);
        }
        Ok(())
    }

    /// Sends the endless repetition of `unit`, `total` bytes in all, in writes of `chunk`
    /// bytes; stops quietly (returning the bytes written) as soon as a write fails because
    /// the client has closed.
    pub fn send_repeated(&mut self, unit: &[u8], total: u64, chunk: usize) -> u64 {
        let unit = if unit.is_empty() { &b" "[..] } else { unit };
        let chunk = chunk.max(1);
        // Enough of the pattern that any `chunk` bytes of it start at any phase.
        let mut pattern = Vec::with_capacity(chunk + 2 * unit.len());
        while pattern.len() < chunk + unit.len() {
            pattern.extend_from_slice(unit);
        }
        let mut written = 0u64;
        while written < total {
            let n = ((total - written) as usize).min(chunk);
            let phase = (written % unit.len() as u64) as usize;
            if let Err(e) = self.stream.write_all(&pattern[phase..phase + n]) {
                self.record().write_error = Some(e.to_string());
                break;
            }
            written += n as u64;
            self.record().sent += n as u64;
        }
        written
    }

    fn fill(&mut self) -> Result<(), Stop> {
        let mut buf = [0u8; 64 * 1024];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    self.record().peer_closed = true;
                    return Err(Stop::Closed);
                }
                Ok(n) => {
                    self.pending.extend_from_slice(&buf[..n]);
                    self.record().received.extend_from_slice(&buf[..n]);
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::TimedOut =>
                {
                    return Err(Stop::Script(format!(
                        "the client sent nothing for {SERVER_READ_TIMEOUT:?}"
                    )))
                }
                Err(_) => {
                    self.record().peer_closed = true;
                    return Err(Stop::Closed);
                }
            }
        }
    }

    /// Reads one line, CRLF (or a bare LF) included.
    pub fn read_line(&mut self) -> Result<Vec<u8>, Stop> {
        let mut scanned = 0;
        loop {
            if let Some(p) = self.pending[scanned..].iter().position(|&b| b == b'\n') {
                let end = scanned + p + 1;
                return Ok(self.pending.drain(..end).collect());
            }
            scanned = self.pending.len();
            if scanned > MAX_COMMAND_LINE {
                return Err(Stop::Script(format!(
                    "command line longer than {MAX_COMMAND_LINE} bytes"
                )));
            }
            self.fill()?;
        }
    }

    /// Reads exactly `n` bytes.
    pub fn read_exact_bytes(&mut self, n: usize) -> Result<Vec<u8>, Stop> {
        while self.pending.len() < n {
            self.fill()?;
        }
        Ok(self.pending.drain(..n).collect())
    }

    /// Reads one command with the strict reader: line parts, `+ Ready` for every
    /// synchronizing literal, literal bodies. The command is recorded in the transcript and
    /// becomes the one `{tag}` refers to. Tokenizing is left to the caller.
    pub fn read_command(&mut self) -> Result<WireCommand, Stop> {
        let mut raw = Vec::new();
        loop {
            let line = self.read_line()?;
            raw.extend_from_slice(&line);
            let body = line
                .strip_suffix(b"\r\n")
                .or_else(|| line.strip_suffix(b"\n"))
                .unwrap_or(&line);
            let Some((n, sync)) = literal_header(body) else {
                break;
            };
            if n > MAX_COMMAND_LITERAL {
                return Err(Stop::Script(format!("literal of {n} bytes in a command")));
            }
            if sync {
                self.send(b"+ Ready for literal data\r\n")?;
            }
            let data = self.read_exact_bytes(n)?;
            raw.extend_from_slice(&data);
        }
        let cmd = WireCommand {
            raw,
            continuations: Vec::new(),
        };
        self.tag = cmd.tag();
        self.record().commands.push(cmd.clone());
        Ok(cmd)
    }

    fn add_continuation(&mut self, line: Vec<u8>) {
        if let Some(c) = self.record().commands.last_mut() {
            c.continuations.push(line);
        }
    }

    /// Reads until the client closes (or [`SERVER_READ_TIMEOUT`] passes), recording.
    pub fn wait_for_close(&mut self) -> Result<(), Stop> {
        loop {
            match self.fill() {
                Ok(()) => self.pending.clear(),
                Err(Stop::Closed) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    /// Upgrades the connection to TLS (server side) with `config`. Bytes the client sent
    /// after the STARTTLS command and already read go to the TLS layer.
    pub fn start_tls(&mut self, config: Arc<ServerConfig>) -> Result<(), Stop> {
        let sock = match &self.stream {
            Stream::Plain(s) => s
                .try_clone()
                .map_err(|e| Stop::Script(format!("clone: {e}")))?,
            Stream::Tls(_) => return Err(Stop::Script("TLS already started".into())),
        };
        let mut conn = ServerConnection::new(config)
            .map_err(|e| Stop::Script(format!("TLS server setup: {e}")))?;
        let mut early: &[u8] = &std::mem::take(&mut self.pending);
        while !early.is_empty() {
            conn.read_tls(&mut early)
                .map_err(|e| Stop::Script(format!("TLS read: {e}")))?;
            conn.process_new_packets()
                .map_err(|e| Stop::Script(format!("TLS: {e}")))?;
        }
        let mut sock = sock;
        while conn.is_handshaking() {
            if let Err(e) = conn.complete_io(&mut sock) {
                return Err(Stop::Script(format!("TLS handshake: {e}")));
            }
        }
        self.stream = Stream::Tls(Box::new(StreamOwned::new(conn, sock)));
        Ok(())
    }

    /// The server side of the TLS session, once [`Session::start_tls`] ran: for channel
    /// binding (its exporter, its certificate).
    pub fn tls(&self) -> Option<&ServerConnection> {
        match &self.stream {
            Stream::Tls(s) => Some(&s.conn),
            Stream::Plain(_) => None,
        }
    }

    /// Reads one raw line (CRLF included) and records it as a continuation of the last
    /// command (an AUTHENTICATE response).
    pub fn read_response_line(&mut self) -> Result<Vec<u8>, Stop> {
        let line = self.read_line()?;
        self.add_continuation(line.clone());
        Ok(line)
    }

    /// Shuts down the write side (the client sees EOF after what was sent).
    pub fn half_close(&mut self) {
        if let Stream::Tls(s) = &mut self.stream {
            s.conn.send_close_notify();
            let _ = s.flush();
        }
        let _ = self.stream.tcp().shutdown(Shutdown::Write);
    }

    /// A plain IMAP server loop: reads commands and answers each — `+` challenges for
    /// AUTHENTICATE, `[CAPABILITY caps]` with LOGIN and AUTHENTICATE, `* CAPABILITY caps`
    /// for CAPABILITY, `* 1 EXISTS` and `[READ-WRITE]` for SELECT/EXAMINE, `* BYE` for
    /// LOGOUT (then waits for the close), `OK` for everything else. A malformed command is
    /// recorded and answered `BAD`; reading goes on.
    pub fn respond(&mut self, caps: &str) -> Result<(), Stop> {
        loop {
            let cmd = self.read_command()?;
            let tag = cmd.tag();
            let name = cmd.name();
            let reply = match name.as_str() {
                _ if !cmd.is_well_formed() => format!("{tag} BAD malformed command\r\n"),
                "AUTHENTICATE" => {
                    // PLAIN and friends get an empty challenge; CRAM-MD5 a base64 one.
                    if cmd.word(2) == "CRAM-MD5" {
                        self.send(b"+ PDEyMzQ1QGltYXAuZXhhbXBsZT4=\r\n")?;
                    } else {
                        self.send(b"+ \r\n")?;
                    }
                    let line = self.read_line()?;
                    self.add_continuation(line);
                    format!("{tag} OK [CAPABILITY {caps}] AUTHENTICATE completed\r\n")
                }
                "LOGIN" => format!("{tag} OK [CAPABILITY {caps}] LOGIN completed\r\n"),
                "CAPABILITY" => format!("* CAPABILITY {caps}\r\n{tag} OK CAPABILITY completed\r\n"),
                "LOGOUT" => {
                    self.send(format!("* BYE bye\r\n{tag} OK LOGOUT completed\r\n").as_bytes())?;
                    return self.wait_for_close();
                }
                "SELECT" | "EXAMINE" => {
                    format!("* 1 EXISTS\r\n{tag} OK [READ-WRITE] {name} completed\r\n")
                }
                _ => format!("{tag} OK {name} completed\r\n"),
            };
            self.send(reply.as_bytes())?;
        }
    }
}

// ----- scripts -------------------------------------------------------------------------

type CustomStep = Box<dyn FnOnce(&mut Session) -> Result<(), Stop> + Send>;

/// One thing a scripted server does.
pub enum Step {
    /// Send bytes in one write; `{tag}` is replaced by the tag of the last command read.
    Send(Vec<u8>),
    /// Send bytes in writes of at most this many bytes (no `{tag}` substitution).
    SendChunked(Vec<u8>, usize),
    /// Send a pattern repeatedly, `total` bytes in writes of `chunk`; stops when the client
    /// closes.
    SendRepeated {
        /// The repeated pattern.
        unit: Vec<u8>,
        /// Total bytes.
        total: u64,
        /// Bytes per write.
        chunk: usize,
    },
    /// Read one command (strictly); its name must be this one (case-insensitive; `UID
    /// FETCH` for UID commands).
    Expect(String),
    /// Read one raw line, whatever it holds.
    ReadLine,
    /// Upgrade to TLS with this configuration.
    StartTls(Arc<ServerConfig>),
    /// Sleep.
    Sleep(Duration),
    /// Read until the client closes.
    WaitForClose,
    /// Answer commands as a plain server would until LOGOUT ([`Session::respond`]), with
    /// these capabilities.
    Respond(String),
    /// Close the connection now.
    Close,
    /// Anything else.
    Custom(CustomStep),
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Send(b) => write!(f, "Send({:?})", String::from_utf8_lossy(b)),
            Step::SendChunked(b, n) => write!(f, "SendChunked({} bytes, {n})", b.len()),
            Step::SendRepeated { total, chunk, .. } => {
                write!(f, "SendRepeated({total} bytes, {chunk})")
            }
            Step::Expect(n) => write!(f, "Expect({n})"),
            Step::ReadLine => f.write_str("ReadLine"),
            Step::StartTls(_) => f.write_str("StartTls"),
            Step::Sleep(d) => write!(f, "Sleep({d:?})"),
            Step::WaitForClose => f.write_str("WaitForClose"),
            Step::Respond(caps) => write!(f, "Respond({caps})"),
            Step::Close => f.write_str("Close"),
            Step::Custom(_) => f.write_str("Custom"),
        }
    }
}

/// What a server does on one connection: steps, and an optional byte budget.
#[derive(Debug, Default)]
pub struct Script {
    steps: Vec<Step>,
    budget: Option<u64>,
}

impl Script {
    /// An empty script (accept, then close).
    pub fn new() -> Self {
        Script::default()
    }

    /// Adds a step.
    pub fn step(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// Sends bytes (`{tag}` = the last command's tag).
    pub fn send(self, data: impl AsRef<[u8]>) -> Self {
        self.step(Step::Send(data.as_ref().to_vec()))
    }

    /// Sends text (`{tag}` = the last command's tag).
    pub fn reply(self, text: &str) -> Self {
        self.send(text)
    }

    /// Sends bytes in writes of at most `chunk` bytes.
    pub fn send_chunked(self, data: impl AsRef<[u8]>, chunk: usize) -> Self {
        self.step(Step::SendChunked(data.as_ref().to_vec(), chunk))
    }

    /// Sends `unit` repeatedly, `total` bytes in writes of `chunk` bytes, until done or the
    /// client closes.
    pub fn send_repeated(self, unit: impl AsRef<[u8]>, total: u64, chunk: usize) -> Self {
        self.step(Step::SendRepeated {
            unit: unit.as_ref().to_vec(),
            total,
            chunk,
        })
    }

    /// Expects a command with this name.
    pub fn expect(self, name: &str) -> Self {
        self.step(Step::Expect(name.to_ascii_uppercase()))
    }

    /// Upgrades to TLS.
    pub fn start_tls(self, config: Arc<ServerConfig>) -> Self {
        self.step(Step::StartTls(config))
    }

    /// Reads until the client closes.
    pub fn wait_for_close(self) -> Self {
        self.step(Step::WaitForClose)
    }

    /// Answers like a plain server until LOGOUT, with capabilities
    /// `IMAP4rev1 LITERAL+ IDLE`.
    pub fn respond(self) -> Self {
        self.respond_with("IMAP4rev1 LITERAL+ IDLE")
    }

    /// Answers like a plain server until LOGOUT, with these capabilities.
    pub fn respond_with(self, caps: &str) -> Self {
        self.step(Step::Respond(caps.to_string()))
    }

    /// Appends the steps of `other` (its budget is ignored).
    pub fn then(mut self, other: Script) -> Self {
        self.steps.extend(other.steps);
        self
    }

    /// Runs `f` on the session.
    pub fn custom(self, f: impl FnOnce(&mut Session) -> Result<(), Stop> + Send + 'static) -> Self {
        self.step(Step::Custom(Box::new(f)))
    }

    /// Sends at most `n` bytes in all: when the budget runs out the server half-closes and
    /// reads until the client closes.
    pub fn cut_after(mut self, n: u64) -> Self {
        self.budget = Some(n);
        self
    }

    /// The bytes the [`Step::Send`] and [`Step::SendChunked`] steps send, with `{tag}`
    /// substituted by `tags` in the order of the [`Step::Expect`] steps; the offset in that
    /// stream where each `Expect` step's preceding sends end is returned too.
    pub fn server_bytes(&self, tags: &[&str]) -> (Vec<u8>, Vec<usize>) {
        let mut out = Vec::new();
        let mut marks = Vec::new();
        let mut tag = "";
        let mut expects = 0;
        for s in &self.steps {
            match s {
                Step::Send(b) => out.extend_from_slice(&substitute(b, tag)),
                Step::SendChunked(b, _) => out.extend_from_slice(b),
                Step::Expect(_) => {
                    marks.push(out.len());
                    tag = tags.get(expects).copied().unwrap_or("");
                    expects += 1;
                }
                _ => {}
            }
        }
        (out, marks)
    }
}

fn substitute<'a>(data: &'a [u8], tag: &str) -> std::borrow::Cow<'a, [u8]> {
    const KEY: &[u8] = b"{tag}";
    if !data.windows(KEY.len()).any(|w| w == KEY) {
        return std::borrow::Cow::Borrowed(data);
    }
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(KEY) {
            out.extend_from_slice(tag.as_bytes());
            i += KEY.len();
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    std::borrow::Cow::Owned(out)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn play(session: &mut Session, steps: Vec<Step>) -> Result<(), Stop> {
    for step in steps {
        match step {
            Step::Send(b) => {
                let b = substitute(&b, &session.tag);
                session.send(&b)?
            }
            Step::SendChunked(b, n) => session.send_chunked(&b, n)?,
            Step::SendRepeated { unit, total, chunk } => {
                session.send_repeated(&unit, total, chunk);
            }
            Step::Expect(name) => {
                let cmd = session.read_command()?;
                if cmd.full_name() != name && cmd.name() != name {
                    return Err(Stop::Script(format!(
                        "expected {name}, got {:?}",
                        String::from_utf8_lossy(&cmd.raw)
                    )));
                }
            }
            Step::ReadLine => {
                session.read_line()?;
            }
            Step::StartTls(cfg) => session.start_tls(cfg)?,
            Step::Sleep(d) => thread::sleep(d),
            Step::WaitForClose => session.wait_for_close()?,
            Step::Respond(caps) => session.respond(&caps)?,
            Step::Close => return Ok(()),
            Step::Custom(f) => f(session)?,
        }
    }
    Ok(())
}

fn run_script(sock: TcpStream, script: Script, transcript: Arc<Mutex<Transcript>>) {
    let start = Instant::now();
    let _ = sock.set_nonblocking(false);
    let _ = sock.set_nodelay(true);
    let _ = sock.set_read_timeout(Some(SERVER_READ_TIMEOUT));
    let _ = sock.set_write_timeout(Some(SERVER_READ_TIMEOUT));
    let mut session = Session {
        stream: Stream::Plain(sock),
        pending: Vec::new(),
        transcript,
        budget: script.budget,
        tag: String::new(),
    };
    let result = play(&mut session, script.steps);
    let (completed, cut, error) = match result {
        Ok(()) => (true, false, None),
        Err(Stop::Cut) => {
            session.half_close();
            // Drain what the client still sends, so that closing does not reset the
            // connection under bytes the client has not read yet.
            let _ = session.wait_for_close();
            (true, true, None)
        }
        Err(Stop::Closed) => (
            false,
            false,
            Some("the client closed the connection".into()),
        ),
        Err(Stop::WriteFailed(e)) => (false, false, Some(format!("write failed: {e}"))),
        Err(Stop::Script(e)) => (false, false, Some(e)),
    };
    {
        let mut rec = session.record();
        rec.completed = completed;
        rec.cut = cut;
        if rec.error.is_none() {
            rec.error = error;
        }
        rec.duration = start.elapsed();
    }
    if let Stream::Tls(s) = &mut session.stream {
        s.conn.send_close_notify();
        let _ = s.flush();
    }
    let _ = session.stream.tcp().shutdown(Shutdown::Both);
}

// ----- the server ----------------------------------------------------------------------

type ScriptSource = Box<dyn FnMut(usize) -> Option<Script> + Send>;

/// A scripted server on `127.0.0.1`: one script per accepted connection, in order, on one
/// thread. See the [module documentation](self).
pub struct Server {
    addr: SocketAddr,
    listener: Arc<TcpListener>,
    transcripts: Arc<Mutex<Vec<Arc<Mutex<Transcript>>>>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

/// What a [`Server`] saw, once finished.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// One transcript per scripted connection, in order.
    pub transcripts: Vec<Transcript>,
    /// Connections made to the listener beyond the scripted ones (a client following a
    /// referral or reconnecting on its own would show here).
    pub extra_connections: usize,
}

impl Server {
    /// A server playing `script` on its first connection.
    pub fn start(script: Script) -> Server {
        Self::start_many(vec![script])
    }

    /// A server playing the scripts on successive connections.
    pub fn start_many(scripts: Vec<Script>) -> Server {
        let mut it = scripts.into_iter();
        Self::serve(move |_| it.next())
    }

    /// A server asking `source` for the script of each connection (by index) until it
    /// returns `None` or [`Server::finish`] is called.
    pub fn serve(source: impl FnMut(usize) -> Option<Script> + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let addr = listener.local_addr().expect("local address");
        let listener = Arc::new(listener);
        let transcripts = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handle = {
            let (listener, transcripts, stop) =
                (listener.clone(), transcripts.clone(), stop.clone());
            let mut source: ScriptSource = Box::new(source);
            thread::Builder::new()
                .name("hostile-server".into())
                .spawn(move || {
                    let mut index = 0;
                    loop {
                        let Some(script) = source(index) else {
                            return;
                        };
                        let Some(sock) = accept(&listener, &stop) else {
                            return;
                        };
                        let t = Arc::new(Mutex::new(Transcript::default()));
                        lock(&transcripts).push(t.clone());
                        run_script(sock, script, t);
                        index += 1;
                    }
                })
                .expect("spawn the server thread")
        };
        Server {
            addr,
            listener,
            transcripts,
            stop,
            handle: Some(handle),
        }
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The address to connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A snapshot of the transcripts so far (the last one may still be growing).
    pub fn transcripts(&self) -> Vec<Transcript> {
        lock(&self.transcripts)
            .iter()
            .map(|t| lock(t).clone())
            .collect()
    }

    /// A snapshot of the latest connection's transcript.
    pub fn last_transcript(&self) -> Option<Transcript> {
        lock(&self.transcripts).last().map(|t| lock(t).clone())
    }

    /// Stops accepting, waits for the current script to end, and counts the connections
    /// made beyond the scripted ones.
    pub fn finish(mut self) -> Report {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        let mut extra = 0;
        while let Ok((s, _)) = self.listener.accept() {
            extra += 1;
            drop(s);
        }
        Report {
            transcripts: self.transcripts(),
            extra_connections: extra,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Waits for a connection (polling, so that `stop` is honoured), at most [`ACCEPT_TIMEOUT`].
fn accept(listener: &TcpListener, stop: &AtomicBool) -> Option<TcpStream> {
    let start = Instant::now();
    let mut spins = 0u32;
    loop {
        match listener.accept() {
            Ok((s, _)) => return Some(s),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if stop.load(Ordering::SeqCst) || start.elapsed() > ACCEPT_TIMEOUT {
                    return None;
                }
                spins += 1;
                if spins < 2000 {
                    thread::yield_now();
                } else {
                    thread::sleep(Duration::from_millis(1));
                }
            }
            Err(_) => return None,
        }
    }
}

// ----- TLS -----------------------------------------------------------------------------

/// A self-signed certificate for `localhost` / `127.0.0.1` (made once per process with the
/// `openssl` CLI) and a rustls server configuration using it.
#[derive(Clone)]
pub struct TlsIdentity {
    /// The server configuration.
    pub server: Arc<ServerConfig>,
    /// The certificate, PEM: trust it as the only root on the client side.
    pub cert_pem: Vec<u8>,
}

/// The process's [`TlsIdentity`]; panics when `openssl` is missing.
pub fn tls_identity() -> &'static TlsIdentity {
    static ID: OnceLock<TlsIdentity> = OnceLock::new();
    ID.get_or_init(|| make_identity().unwrap_or_else(|e| panic!("test TLS identity: {e}")))
}

fn make_identity() -> Result<TlsIdentity, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let dir: PathBuf = std::env::temp_dir().join(format!(
        "imaplib-hostile-tls-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("min.cnf"), "[req]\ndistinguished_name=dn\n[dn]\n")
        .map_err(|e| e.to_string())?;
    let out = std::process::Command::new("openssl")
        .current_dir(&dir)
        .args([
            "req",
            "-x509",
            "-config",
            "min.cnf",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ])
        .output()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "openssl failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let cert_pem = std::fs::read(dir.join("cert.pem")).map_err(|e| e.to_string())?;
    let key_pem = std::fs::read(dir.join("key.pem")).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("certificate: {e:?}"))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| format!("key: {e:?}"))?;
    let server =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| e.to_string())?;
    Ok(TlsIdentity {
        server: Arc::new(server),
        cert_pem,
    })
}

// ----- memory and time -----------------------------------------------------------------

/// Resident memory and CPU time from `/proc` (Linux).
pub mod mem {
    use std::sync::{Mutex, MutexGuard};
    use std::time::Duration;

    fn status_kib(field: &str) -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// The process's resident set size, in KiB (`VmRSS`).
    pub fn rss_kib() -> u64 {
        status_kib("VmRSS")
    }

    /// The process's peak resident set size, in KiB (`VmHWM`).
    pub fn peak_kib() -> u64 {
        status_kib("VmHWM")
    }

    /// Resets the peak to the current RSS (`echo 5 > /proc/self/clear_refs`); false when
    /// the kernel refuses.
    pub fn reset_peak() -> bool {
        std::fs::write("/proc/self/clear_refs", "5").is_ok()
    }

    /// CPU time used by the calling thread so far (`/proc/thread-self/schedstat`).
    pub fn thread_cpu() -> Duration {
        let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
        let ns = s
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        Duration::from_nanos(ns)
    }

    /// Serializes the tests of a binary that measure memory, so that their peaks do not
    /// add up.
    pub fn exclusive() -> MutexGuard<'static, ()> {
        static LOCK: Mutex<()> = Mutex::new(());
        LOCK.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` holding [`exclusive`]; returns its result, the growth of the process's
    /// peak RSS over the RSS before it (KiB), and the time `f` took.
    pub fn peak_growth<T>(f: impl FnOnce() -> T) -> (T, u64, Duration) {
        let m = measure();
        let out = f();
        let (growth, elapsed) = m.finish();
        (out, growth, elapsed)
    }

    /// [`peak_growth`] without a closure (for code that awaits in between): holds
    /// [`exclusive`] and resets the peak now; [`Measure::finish`] reads the growth.
    pub fn measure() -> Measure {
        let guard = exclusive();
        reset_peak();
        Measure {
            _guard: guard,
            before: rss_kib(),
            start: std::time::Instant::now(),
        }
    }

    /// A measurement in progress (see [`measure`]).
    pub struct Measure {
        _guard: MutexGuard<'static, ()>,
        before: u64,
        start: std::time::Instant,
    }

    impl Measure {
        /// The growth of the peak RSS over the RSS at the start (KiB), and the time since.
        pub fn finish(self) -> (u64, Duration) {
            let elapsed = self.start.elapsed();
            (peak_kib().saturating_sub(self.before), elapsed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(raw: &[u8]) -> WireCommand {
        WireCommand {
            raw: raw.to_vec(),
            continuations: Vec::new(),
        }
    }

    #[test]
    fn tokenizer_accepts_well_formed_commands() {
        for ok in [
            &b"A1 NOOP\r\n"[..],
            b"A1 LOGIN alice \"se\\\"cret\"\r\n",
            b"A1 LOGIN {5}\r\nal\r\nx \"p\"\r\n",
            b"A1 FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>)\r\n",
            b"A1 STORE 1 +FLAGS (\\Seen \\Deleted)\r\n",
            b"A1 APPEND INBOX () {3+}\r\nabc\r\n",
            b"A1 ID (\"a\" NIL)\r\n",
            b"A1 SEARCH CHARSET UTF-8 TEXT ~{2}\r\n\0x\r\n",
        ] {
            assert!(
                cmd(ok).tokens().is_ok(),
                "{:?}",
                String::from_utf8_lossy(ok)
            );
        }
        let c = cmd(b"BCDE3 UID FETCH 1 (FLAGS)\r\n");
        assert_eq!(
            (c.tag().as_str(), c.full_name().as_str()),
            ("BCDE3", "UID FETCH")
        );
    }

    #[test]
    fn tokenizer_rejects_injection_shapes() {
        for bad in [
            &b"A1 NOOP\r\nA2 NOOP\r\n"[..],
            b"A1 LOGIN a\rb \"p\"\r\n",
            b"A1 LOGIN a\nb \"p\"\r\n",
            b"A1 LOGIN \"a\r\nb\" \"p\"\r\n",
            b"A1 LOGIN a\0 \"p\"\r\n",
            b"A1 SEARCH (FROM x\r\n",
            b"A1 SEARCH  ALL\r\n",
            b"A1 SEARCH ALL \r\n",
            b"A1 X \"a\\x\"\r\n",
            b"A1 X {3}\r\nab\r\n",
            b"A1 X {2}\r\na\0\r\n",
            b"A1 NOOP",
        ] {
            assert!(
                cmd(bad).tokens().is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn literal_headers() {
        assert_eq!(literal_header(b"A1 LOGIN {5}"), Some((5, true)));
        assert_eq!(literal_header(b"A1 LOGIN {5+}"), Some((5, false)));
        assert_eq!(literal_header(b"A1 LOGIN {}"), None);
        assert_eq!(literal_header(b"{5}"), Some((5, true)));
        assert_eq!(literal_header(b"x{-1}"), None);
    }
}
