//! The differential test against CPython's `imaplib`.
//!
//! One scenario, `tests/differential/scenario.txt`, lists imaplib calls as data. It is run
//! twice against the same Dovecot ([`dovecot()`]): by CPython's `imaplib` through the driver
//! script `tests/differential/driver.py` (the machine's `python3`, 3.11 on the test machines),
//! and by [`imaplib_blocking::Client`] through `call` (in [`blocking`] and [`asynchronous`]), which maps every step to the Rust
//! method. Each side prints one line per step — Python's `repr((typ, data))` of the result,
//! `error:<class>:<message>` for an exception (class `error`, `abort` or `readonly`), or for
//! the pseudo-step `state` the `repr()` of imaplib's `state` attribute — and [`compare`] wants
//! the two lists equal, line by line, after [`mask`]. The scenario is parsed once, here, and
//! handed to the driver as JSON lines ([`steps_json`]), so both sides see the same arguments.
//!
//! # Fresh, identical mailboxes
//!
//! Each side logs in as its own new user ([`Dovecot::new_user`]), filled with the same sample
//! mailbox ([`Dovecot::load_sample`]): same messages, flags and internal dates, delivered in
//! the same order, so message numbers, UIDs, sizes and MODSEQs agree. What cannot agree is
//! masked, and nothing else:
//!
//! - Dovecot's command timings, `(0.001 + 0.000 secs)` → `(T secs)` ([`mask_timings`]).
//! - The UIDVALIDITY of each mailbox (Dovecot derives it from the clock at creation): the
//!   number after `UIDVALIDITY `, `APPENDUID ` and `COPYUID `, and the leading number of each
//!   item returned by `response('UIDVALIDITY')`, `response('APPENDUID')` and
//!   `response('COPYUID')`, become `<V>`. The UIDs in these codes stay compared.
//! - The side's own user name (`GETACL` lists the owner's rights under it) → `$USER`.
//!
//! Tags never appear in results. Steps avoid what differs for other reasons: no step reads
//! the `* PREAUTH … Logged in as USER` greeting of IMAP4_stream, nor `response('CAPABILITY')`
//! (CPython 3.11 does not ask for the capabilities again after LOGIN, this crate does as
//! 3.14.7+ does), and every APPEND gives an internal date. Where CPython 3.11 and 3.14.7+
//! word an exception differently (`readonly` on SELECT: `Ro is not writable` against
//! `'Ro' is not writable`), the step is marked `[error-class]` and only the class is compared;
//! the report still shows both messages.
//!
//! # Running it by hand
//!
//! `driver.py` reads the steps as JSON lines on stdin ([`steps_json`]); see its docstring.
//! `cargo test -p imaplib-integration-tests --test differential -- --nocapture` prints every
//! masked result after a successful run.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;

use imaplib_proto::{Config, DateInput, ErrorKind, Reply, Result, Text};

use crate::dovecot::{dovecot, mask_timings, Dovecot, UserAccount};

/// The Python interpreter whose `imaplib` is the reference.
pub const PYTHON: &str = "python3";

/// Path of the scenario: `tests/differential/scenario.txt`.
pub fn scenario_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("differential/scenario.txt")
}

/// Path of the Python driver: `tests/differential/driver.py`.
pub fn driver_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("differential/driver.py")
}

/// How a side connects to Dovecot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `IMAP4(host, port)` on the plain port, then `LOGIN` (a step of the scenario).
    Tcp,
    /// `IMAP4_SSL` on the implicit-TLS port, verifying the test CA for `localhost`.
    Tls,
    /// `IMAP4_stream` running Dovecot's pre-authenticated IMAP for the side's user.
    Stream,
}

impl Transport {
    /// The name used in the scenario's `[…]` filters and on `driver.py`'s command line.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
            Transport::Stream => "stream",
        }
    }

    fn from_name(name: &str) -> Option<Transport> {
        [Transport::Tcp, Transport::Tls, Transport::Stream]
            .into_iter()
            .find(|t| t.name() == name)
    }
}

/// One call of the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Line number in the scenario file (1-based).
    pub line: usize,
    /// The line as written, for failure messages.
    pub source: String,
    /// The transports the step runs on; `None` for all.
    pub only: Option<Vec<Transport>>,
    /// `[error-class]`: when both sides raise, only the exception classes are compared, for
    /// the few messages that differ between CPython 3.11 and 3.14.7+ (the scenario says why
    /// beside the step). Results that are not exceptions are still compared in full.
    pub error_class_only: bool,
    /// The method, e.g. `fetch`, `examine`, `uid`.
    pub method: String,
    /// The arguments; `None` is Python's `None` (`~` in the scenario).
    pub args: Vec<Option<String>>,
}

impl Step {
    /// True if the step runs on `transport`.
    pub fn runs_on(&self, transport: Transport) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.contains(&transport))
    }

    /// The step with the arguments `$USER` and `$PASSWORD` replaced by `user`'s.
    pub fn for_user(&self, user: &UserAccount) -> Step {
        let mut step = self.clone();
        for arg in step.args.iter_mut().flatten() {
            match arg.as_str() {
                "$USER" => *arg = user.name.clone(),
                "$PASSWORD" => *arg = user.password.clone(),
                _ => {}
            }
        }
        step
    }
}

/// Parses a scenario (the format is described at the top of `scenario.txt`).
pub fn parse_scenario(text: &str) -> std::result::Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let source = raw.trim();
        if source.is_empty() || source.starts_with('#') {
            continue;
        }
        let fail = |message: String| format!("scenario line {line} ({source:?}): {message}");
        let mut rest = source;
        let mut only = None;
        let mut error_class_only = false;
        if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').ok_or_else(|| fail("unclosed `[`".into()))?;
            let mut transports = Vec::new();
            for option in after[..end].split_whitespace() {
                if option == "error-class" {
                    error_class_only = true;
                } else {
                    transports.push(
                        Transport::from_name(option)
                            .ok_or_else(|| fail(format!("unknown option {option:?}")))?,
                    );
                }
            }
            if !transports.is_empty() {
                only = Some(transports);
            }
            rest = &after[end + 1..];
        }
        let mut tokens = tokenize(rest).map_err(fail)?.into_iter();
        let method = match tokens.next() {
            Some(Some(method)) => method,
            _ => return Err(fail("no method".into())),
        };
        steps.push(Step {
            line,
            source: source.to_owned(),
            only,
            error_class_only,
            method,
            args: tokens.collect(),
        });
    }
    Ok(steps)
}

/// Splits a step into words: spaces separate, except inside `( … )` and `" … "`; `~` is
/// `None`; `'…'` is a string with the escapes `\r \n \t \\ \'`.
fn tokenize(text: &str) -> std::result::Result<Vec<Option<String>>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else {
            return Ok(tokens);
        };
        if first == '\'' {
            chars.next();
            let mut value = String::new();
            loop {
                match chars.next() {
                    None => return Err("unterminated '…' string".into()),
                    Some('\'') => break,
                    Some('\\') => value.push(match chars.next() {
                        Some('r') => '\r',
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('\\') => '\\',
                        Some('\'') => '\'',
                        other => return Err(format!("unknown escape \\{other:?} in '…'")),
                    }),
                    Some(c) => value.push(c),
                }
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                return Err("a '…' string must end its word".into());
            }
            tokens.push(Some(value));
            continue;
        }
        let mut word = String::new();
        let mut depth = 0usize;
        let mut quoted = false;
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() && depth == 0 && !quoted {
                break;
            }
            chars.next();
            word.push(c);
            match c {
                '"' => quoted = !quoted,
                '(' if !quoted => depth += 1,
                ')' if !quoted => {
                    depth = depth
                        .checked_sub(1)
                        .ok_or_else(|| format!("unbalanced `)` in {word:?}"))?;
                }
                _ => {}
            }
        }
        if quoted || depth > 0 {
            return Err(format!("unterminated `\"` or `(` in {word:?}"));
        }
        tokens.push(if word == "~" { None } else { Some(word) });
    }
}

/// Reads and parses `tests/differential/scenario.txt`.
///
/// # Panics
///
/// If the file is missing or malformed.
pub fn load_scenario() -> Vec<Step> {
    let path = scenario_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse_scenario(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The steps as `driver.py` reads them: one JSON array per line, the method then the
/// arguments (`null` for `None`).
pub fn steps_json(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        out.push('[');
        json_string(&step.method, &mut out);
        for arg in &step.args {
            out.push(',');
            match arg {
                Some(arg) => json_string(arg, &mut out),
                None => out.push_str("null"),
            }
        }
        out.push_str("]\n");
    }
    out
}

fn json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Takes a step's arguments one by one, panicking with the step's line on a mismatch.
struct Args<'a> {
    step: &'a Step,
    next: usize,
}

impl<'a> Args<'a> {
    fn fail(&self, what: &str) -> ! {
        panic!(
            "scenario line {} ({:?}): {what} (method {:?})",
            self.step.line, self.step.source, self.step.method
        )
    }

    fn opt(&mut self) -> Option<&'a str> {
        let step: &'a Step = self.step;
        match step.args.get(self.next) {
            Some(arg) => {
                self.next += 1;
                arg.as_deref()
            }
            None => self.fail(&format!("argument {} is missing", self.next + 1)),
        }
    }

    fn text(&mut self) -> &'a str {
        match self.opt() {
            Some(text) => text,
            None => self.fail(&format!("argument {} cannot be ~", self.next)),
        }
    }

    fn number(&mut self) -> u32 {
        let text = self.text();
        text.parse()
            .unwrap_or_else(|_| self.fail(&format!("{text:?} is not a number")))
    }

    /// An argument that may be left out (then imaplib's default); `~` is refused, since
    /// Python would send nothing for it.
    fn defaulted(&mut self) -> Option<Text<'a>> {
        if self.next >= self.step.args.len() {
            return None;
        }
        match self.opt() {
            Some(text) => Some(Text::from(text)),
            None => self.fail("leave the argument out instead of writing ~"),
        }
    }

    fn rest(&mut self) -> Vec<&'a str> {
        let mut rest = Vec::new();
        while self.next < self.step.args.len() {
            rest.push(self.text());
        }
        rest
    }

    fn end(&self) {
        if self.next != self.step.args.len() {
            self.fail(&format!("{} arguments expected", self.next));
        }
    }
}

/// One result as both sides print it: `repr((typ, data))`, or `error:<class>:<message>`
/// with CR and LF in the message written `\r` and `\n`.
pub fn result_line(result: &Result<Reply>) -> String {
    match result {
        Ok(reply) => reply.python_repr(),
        Err(e) => {
            let class = match e.kind() {
                ErrorKind::Error => "error",
                ErrorKind::Abort => "abort",
                ErrorKind::Readonly => "readonly",
            };
            let message = e.message().replace('\r', "\\r").replace('\n', "\\n");
            format!("error:{class}:{message}")
        }
    }
}

/// Masks what legitimately differs between two fresh users (see the module documentation):
/// Dovecot's timings, UIDVALIDITY numbers, and `user`'s name.
pub fn mask(line: &str, user: &str) -> String {
    let line = String::from_utf8_lossy(&mask_timings(line.as_bytes())).into_owned();
    let line = mask_validity(&line);
    // Dovecot sets LIST's \Marked from its \Recent bookkeeping, which depends on when
    // sessions sync: two identical runs at the same time were seen to differ under load
    // (Archive with and without \Marked), in either direction. Not imaplib's doing.
    let line = line.replace(" \\\\Marked", "").replace(" \\\\Unmarked", "");
    mask_word(&line, user, "$USER")
}

/// Replaces UIDVALIDITY numbers by `<V>`.
fn mask_validity(line: &str) -> String {
    let mut line = line.to_owned();
    for marker in ["UIDVALIDITY ", "APPENDUID ", "COPYUID "] {
        line = mask_numbers_after(&line, marker);
    }
    // response('UIDVALIDITY') and friends: the data items start with the number.
    let codes = ["('UIDVALIDITY', [", "('APPENDUID', [", "('COPYUID', ["];
    if codes.iter().any(|code| line.starts_with(code)) {
        line = mask_numbers_after(&line, "[b'");
        line = mask_numbers_after(&line, ", b'");
    }
    line
}

/// Replaces the digits right after each `marker` by `<V>`.
fn mask_numbers_after(line: &str, marker: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find(marker) {
        let after = at + marker.len();
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push_str("<V>");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// Replaces `word` where it is not part of a longer run of letters and digits.
fn mask_word(line: &str, word: &str, with: &str) -> String {
    if word.is_empty() {
        return line.to_owned();
    }
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let mut out = String::with_capacity(line.len());
    let mut copied = 0;
    for (at, _) in line.match_indices(word) {
        let end = at + word.len();
        if at < copied || is_word(line[..at].chars().last()) || is_word(line[end..].chars().next())
        {
            continue;
        }
        out.push_str(&line[copied..at]);
        out.push_str(with);
        copied = end;
    }
    out.push_str(&line[copied..]);
    out
}

/// Seeds a new user with the sample mailbox; every side gets one.
pub fn seeded_user(server: &Dovecot) -> UserAccount {
    let user = server.new_user();
    server.load_sample(&user.name);
    user
}

/// Runs `steps` with CPython's imaplib (`driver.py`) as `user`; returns one line per step.
///
/// # Panics
///
/// If `python3` cannot be run, or the driver fails (its stderr is in the message).
pub fn run_python(steps: &[Step], transport: Transport, user: &UserAccount) -> Vec<String> {
    let server = dovecot();
    let mut command = Command::new(PYTHON);
    command.arg(driver_path()).arg(transport.name());
    match transport {
        Transport::Tcp => command
            .arg(server.host())
            .arg(server.plain_port().to_string()),
        Transport::Tls => command
            .arg(server.tls_server_name())
            .arg(server.tls_port().to_string())
            .arg(server.ca_pem_path()),
        Transport::Stream => command.arg(server.stdio_command_for(&user.name)),
    };
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "the differential test needs CPython's imaplib, but `{PYTHON}` cannot be run: \
                 {e}. Install Python 3 (e.g. `apt-get install python3`)."
            )
        });
    let input = steps_json(steps);
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("cannot wait for {PYTHON}: {e}"));
    writer
        .join()
        .expect("stdin writer panicked")
        .unwrap_or_else(|e| panic!("cannot write the steps to {PYTHON}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<String> = stdout.lines().map(str::to_owned).collect();
    if !output.status.success() || lines.len() != steps.len() {
        panic!(
            "{PYTHON} {} failed ({}, {} result lines for {} steps)\n--- stderr ---\n{}\n\
             --- stdout ---\n{stdout}",
            driver_path().display(),
            output.status,
            lines.len(),
            steps.len(),
            String::from_utf8_lossy(&output.stderr),
        );
    }
    lines
}

/// The Rust side of the scenario, written once for both clients: expands to `call`,
/// `run_step` and `run_rust` for the `Client` type in scope, blocking or (with `async`)
/// awaiting each method.
macro_rules! rust_side {
    ($($async:ident)?; $($await:tt)*) => {
/// Makes the call of one step on the Rust client: the counterpart of `call` in `driver.py`.
///
/// # Panics
///
/// If the step's method is unknown or its arguments do not fit the method.
pub $($async)* fn call(m: &mut Client, step: &Step) -> Result<Reply> {
    let mut a = Args { step, next: 0 };
    let result = match step.method.as_str() {
        "capability" => m.capability()$($await)*,
        "namespace" => m.namespace()$($await)*,
        "noop" => m.noop()$($await)*,
        "recent" => m.recent()$($await)*,
        "check" => m.check()$($await)*,
        "close" => m.close()$($await)*,
        "unselect" => m.unselect()$($await)*,
        "expunge" => m.expunge()$($await)*,
        "logout" => m.logout()$($await)*,
        "login" => {
            let (user, password) = (a.text(), a.text());
            m.login(user, password)$($await)*
        }
        "list" | "lsub" => {
            let (directory, pattern) = (a.defaulted(), a.defaulted());
            if step.method == "list" {
                m.list(directory, pattern)$($await)*
            } else {
                m.lsub(directory, pattern)$($await)*
            }
        }
        "create" => m.create(a.text())$($await)*,
        "delete" => m.delete(a.text())$($await)*,
        "subscribe" => m.subscribe(a.text())$($await)*,
        "unsubscribe" => m.unsubscribe(a.text())$($await)*,
        "getacl" => m.getacl(a.text())$($await)*,
        "myrights" => m.myrights(a.text())$($await)*,
        "getquota" => m.getquota(a.text())$($await)*,
        "getquotaroot" => m.getquotaroot(a.text())$($await)*,
        "rename" => {
            let (old, new) = (a.text(), a.text());
            m.rename(old, new)$($await)*
        }
        "setacl" => {
            let (mailbox, who, what) = (a.text(), a.text(), a.text());
            m.setacl(mailbox, who, what)$($await)*
        }
        "deleteacl" => {
            let (mailbox, who) = (a.text(), a.text());
            m.deleteacl(mailbox, who)$($await)*
        }
        "status" => {
            let (mailbox, names) = (a.text(), a.text());
            m.status(mailbox, names)$($await)*
        }
        "select" => m.select(a.text(), false)$($await)*,
        "examine" => m.select(a.text(), true)$($await)*,
        "append" => {
            let mailbox = a.opt().map(Text::from);
            let flags = a.opt();
            let date = a.opt().map(DateInput::from);
            let message = a.text();
            m.append(mailbox, flags, date, message.as_bytes())$($await)*
        }
        "fetch" => {
            let (set, parts) = (a.text(), a.text());
            m.fetch(set, parts)$($await)*
        }
        "partial" => {
            let (num, part, start, length) = (a.number(), a.text(), a.number(), a.number());
            m.partial(num, part, start, length)$($await)*
        }
        "store" => {
            let (set, command, flags) = (a.text(), a.text(), a.text());
            m.store(set, command, flags)$($await)*
        }
        "copy" => {
            let (set, mailbox) = (a.text(), a.text());
            m.copy(set, mailbox)$($await)*
        }
        "search" => {
            let charset = a.opt();
            let criteria = a.rest();
            m.search(charset, &criteria)$($await)*
        }
        "sort" | "thread" => {
            let (first, charset) = (a.text(), a.text());
            let search = a.rest();
            if step.method == "sort" {
                m.sort(first, charset, &search)$($await)*
            } else {
                m.thread(first, charset, &search)$($await)*
            }
        }
        "uid" => {
            let command = a.text();
            let args: Vec<Text<'_>> = a.rest().into_iter().map(Text::from).collect();
            m.uid(command, &args)$($await)*
        }
        "response" => Ok(m.response(a.text())),
        other => a.fail(&format!("unknown method {other:?}")),
    };
    a.end();
    result
}

/// Runs one step and returns its line: [`result_line`] of [`call`], or for the pseudo-method
/// `state` (imaplib's `state` attribute) its Python `repr()`, such as `'AUTH'`, and for the
/// pseudo-method `literal TEXT` (imaplib's `M.literal = TEXT.encode()`) `None`.
///
/// # Panics
///
/// As [`call`].
pub $($async)* fn run_step(m: &mut Client, step: &Step) -> String {
    if step.method == "state" {
        Args { step, next: 0 }.end();
        return format!("'{}'", m.state().as_str());
    }
    if step.method == "literal" {
        let mut a = Args { step, next: 0 };
        let literal = a.text().as_bytes().to_vec();
        a.end();
        return match m.set_literal(Some(literal)) {
            Ok(()) => "None".to_string(),
            Err(e) => result_line(&Err(e)),
        };
    }
    result_line(&call(m, step)$($await)*)
}

/// Runs `steps` with the client as `user`; returns one line per step.
///
/// # Panics
///
/// If the connection cannot be made, or a step does not fit its method.
pub $($async)* fn run_rust(steps: &[Step], transport: Transport, user: &UserAccount) -> Vec<String> {
    let server = dovecot();
    let mut m = match transport {
        Transport::Tcp => Client::connect(server.host(), server.plain_port())$($await)*,
        Transport::Tls => {
            let tls = imaplib_proto::tls::config_with_ca_pem(server.ca_pem())
                .unwrap_or_else(|e| panic!("cannot load the test CA: {e}"));
            let config = Config::default().with_tls(tls).with_tls_server_name(server.tls_server_name());
            Client::connect_tls_with(server.host(), server.tls_port(), &config)$($await)*
        }
        Transport::Stream => Client::connect_stream(&server.stdio_command_for(&user.name))$($await)*,
    }
    .unwrap_or_else(|e| panic!("the Rust client cannot connect over {transport:?}: {e}"));
    let mut lines = Vec::with_capacity(steps.len());
    for step in steps {
        lines.push(run_step(&mut m, step)$($await)*);
    }
    lines
}

    };
}

/// The Rust side with `imaplib_blocking::Client`.
pub mod blocking {
    use super::*;
    use imaplib_blocking::Client;

    rust_side!(;);
}

/// The Rust side with `imaplib_async::Client`, run by smol or async-std.
pub mod asynchronous {
    use super::*;
    use imaplib_async::Client;

    rust_side!(async; .await);
}

/// Which Rust client (and runtime) runs the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// `imaplib_blocking::Client`.
    Blocking,
    /// `imaplib_async::Client` under smol.
    AsyncSmol,
    /// `imaplib_async::Client` under async-std.
    AsyncStd,
}

/// Runs `steps` with the chosen client as `user`; returns one line per step.
pub fn run_rust(
    runner: Runner,
    steps: &[Step],
    transport: Transport,
    user: &UserAccount,
) -> Vec<String> {
    match runner {
        Runner::Blocking => blocking::run_rust(steps, transport, user),
        Runner::AsyncSmol => smol::block_on(asynchronous::run_rust(steps, transport, user)),
        Runner::AsyncStd => {
            async_std::task::block_on(asynchronous::run_rust(steps, transport, user))
        }
    }
}

/// Compares the masked results of both sides. On a difference, the error shows both sides
/// around the first difference, then every other differing step.
pub fn compare(
    steps: &[Step],
    python: &[String],
    rust: &[String],
) -> std::result::Result<(), String> {
    let differing: Vec<usize> = (0..steps.len())
        .filter(|&i| {
            let (py, rs) = (python.get(i), rust.get(i));
            match (py, rs) {
                (Some(py), Some(rs)) if steps[i].error_class_only => {
                    error_class(py).unwrap_or(py) != error_class(rs).unwrap_or(rs)
                }
                _ => py != rs,
            }
        })
        .collect();
    let Some(&first) = differing.first() else {
        return Ok(());
    };
    let mut report = format!(
        "{} of {} steps differ between CPython's imaplib and imaplib-blocking (after masking).\n\
         First difference, at scenario line {}:\n",
        differing.len(),
        steps.len(),
        steps[first].line
    );
    let show = |report: &mut String, i: usize| {
        let step = &steps[i];
        let py = python.get(i).map_or("(none)", String::as_str);
        let rs = rust.get(i).map_or("(none)", String::as_str);
        if py == rs {
            let _ = writeln!(
                report,
                "  {:>4}  {}\n          both:   {py}",
                step.line, step.source
            );
        } else if !differing.contains(&i) {
            let _ = writeln!(
                report,
                "  {:>4}  {}\n     =    python: {py}\n          rust:   {rs}   (same class)",
                step.line, step.source
            );
        } else {
            let _ = writeln!(
                report,
                "  {:>4}  {}\n     ≠    python: {py}\n          rust:   {rs}",
                step.line, step.source
            );
        }
    };
    for i in first.saturating_sub(3)..(first + 3).min(steps.len()) {
        show(&mut report, i);
    }
    let others: Vec<usize> = differing
        .iter()
        .copied()
        .filter(|&i| i >= first + 3)
        .collect();
    if !others.is_empty() {
        report.push_str("Other differences:\n");
        for i in others {
            show(&mut report, i);
        }
    }
    Err(report)
}

/// `error:<class>:` of an exception line, `None` for a result.
fn error_class(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("error:")?;
    let end = "error:".len() + rest.find(':')? + 1;
    Some(&line[..end])
}

/// The whole differential test on one transport: two seeded users, the scenario with
/// CPython (in a child process) and with this crate at the same time, masking, comparison.
/// Returns the masked lines (equal on both sides).
///
/// # Panics
///
/// On any difference, with the report of [`compare`].
pub fn run_differential(runner: Runner, transport: Transport) -> Vec<String> {
    let server = dovecot();
    let steps: Vec<Step> = load_scenario()
        .into_iter()
        .filter(|step| step.runs_on(transport))
        .collect();
    let (py_user, rs_user) = (seeded_user(server), seeded_user(server));
    let py_steps: Vec<Step> = steps.iter().map(|s| s.for_user(&py_user)).collect();
    let rs_steps: Vec<Step> = steps.iter().map(|s| s.for_user(&rs_user)).collect();
    let python = thread::spawn(move || {
        let lines = run_python(&py_steps, transport, &py_user);
        lines
            .iter()
            .map(|line| mask(line, &py_user.name))
            .collect::<Vec<_>>()
    });
    let rust: Vec<String> = run_rust(runner, &rs_steps, transport, &rs_user)
        .iter()
        .map(|line| mask(line, &rs_user.name))
        .collect();
    let python = python
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    if let Err(report) = compare(&steps, &python, &rust) {
        panic!("differential test over {transport:?} with {runner:?}:\n{report}");
    }
    rust
}
