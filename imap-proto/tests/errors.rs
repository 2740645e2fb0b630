//! Every [`Reason`] a program acts on, produced the way it happens (server bytes fed to a
//! [`Connection`] or a [`Driver`] on simulated time), with its kind, its message and its
//! data checked. Sections follow the variants; the last one checks that no error carries a
//! secret.

mod common;

use std::io;
use std::time::{Duration, Instant};

use common::{Script, SEED};
use imaplib_proto::driver::{Driver, RawRead, SinkSlot, Step, Timeouts};
use imaplib_proto::error::{
    ArgumentProblem, ClosedAt, Deadline, Layer, Limit, Reason, StateProblem, StreamFailure,
    TlsFailure, Violation,
};
use imaplib_proto::parse::{Code, StatusKind};
use imaplib_proto::{
    Cause, Command, Connection, Error, ErrorKind, Item, Limits, Options, Output, Reply, State, Text,
};

// ----- helpers -------------------------------------------------------------------------

#[track_caller]
fn refusal(e: &Error) -> &imaplib_proto::error::Refusal {
    match e.reason() {
        Reason::Refused(r) => r,
        other => panic!("not a refusal: {other:?} ({e:?})"),
    }
}

#[track_caller]
fn check(e: &Error, kind: ErrorKind, reason: Reason, message: &str) {
    assert_eq!(e.reason(), &reason, "{e:?}");
    assert_eq!(e.kind(), kind, "{e:?}");
    assert_eq!(e.message(), message, "{e:?}");
    assert_eq!(e.cause(), reason.cause());
}

/// Submits a command that must be refused before any byte is sent (bytes sent before it
/// are not checked).
fn refuse(s: &mut Script, cmd: Command) -> Error {
    s.sent.clear();
    s.refused(cmd)
}

fn protocol(violation: Violation, bytes: &[u8]) -> Reason {
    Reason::protocol(violation, bytes)
}

fn exceeded(limit: Limit, value: u64, bound: u64) -> Reason {
    Reason::LimitExceeded {
        limit,
        value,
        bound,
    }
}

fn argument(what: &str, problem: ArgumentProblem) -> Reason {
    Reason::argument(what, problem)
}

fn state(problem: StateProblem) -> Reason {
    Reason::State(problem)
}

fn unsupported(capability: &str) -> Reason {
    Reason::Unsupported {
        capability: capability.into(),
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[track_caller]
fn done<T: std::fmt::Debug>(step: Step<T>) -> T {
    match step {
        Step::Done(v) => v,
        other => panic!("expected Done, got {other:?}"),
    }
}

/// Writes what the driver has to write; returns it.
fn take(d: &mut Driver, now: Instant) -> String {
    let out = String::from_utf8_lossy(d.output()).into_owned();
    d.wrote(d.output().len(), now);
    out
}

/// A driver past the greeting and LOGIN (next tag `BCDE1`).
fn driver(t0: Instant, timeouts: Timeouts, caps: &str) -> Driver {
    let mut d = Driver::new(Options::new(SEED), timeouts);
    d.feed(
        format!("* OK [CAPABILITY IMAP4rev1 {caps}] hi\r\n").as_bytes(),
        t0,
    );
    done(d.poll_connect(t0)).unwrap();
    let id = d.submit(Command::login("a", "b").unwrap(), t0).unwrap();
    assert!(matches!(d.poll_result(id, t0), Step::Write { .. }));
    take(&mut d, t0);
    d.feed(
        format!("BCDE0 OK [CAPABILITY IMAP4rev1 {caps}] ok\r\n").as_bytes(),
        t0,
    );
    let _ = done(d.poll_result(id, t0)).unwrap();
    d
}

/// Submits `cmd` and writes it.
fn send(d: &mut Driver, cmd: Command, now: Instant) -> imaplib_proto::CommandId {
    let id = d.submit(cmd, now).unwrap();
    let _ = d.poll_result(id, now);
    take(d, now);
    id
}

fn no_timeouts() -> Timeouts {
    Timeouts {
        silence: None,
        command: None,
        idle_silence: None,
        idle_keepalive: None,
    }
}

// ----- Refused ---------------------------------------------------------------------------

#[test]
fn refused_login_carries_code_and_text() {
    let mut s = Script::connected("");
    let id = s.submit(Command::login("user", "pass").unwrap());
    s.c("TTTT1 LOGIN user \"pass\"\r\n");
    s.s("TTTT1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    let e = s.err(id);
    // imaplib raises the tagged text.
    assert_eq!(e.message(), "[AUTHENTICATIONFAILED] Authentication failed.");
    assert_eq!((e.kind(), e.cause()), (ErrorKind::Error, Cause::Server));
    let r = refusal(&e);
    assert_eq!(r.status(), StatusKind::No);
    assert_eq!(r.code_name(), Some("AUTHENTICATIONFAILED"));
    assert_eq!(
        r.code(),
        Some(Code::Other {
            name: b"AUTHENTICATIONFAILED",
            data: None
        })
    );
    assert_eq!(r.text(), "Authentication failed.");
    assert_eq!(e.command(), Some("LOGIN"));
}

#[test]
fn refused_bad_carries_code_and_text() {
    let mut s = Script::selected("");
    let id = s.submit(Command::noop());
    s.s("TTTT3 BAD [PARSE] Unknown command\r\n");
    let e = s.err(id);
    assert_eq!(
        e.message(),
        "NOOP command error: BAD [b'[PARSE] Unknown command']"
    );
    let r = refusal(&e);
    assert_eq!(
        (r.status(), r.code(), r.text()),
        (StatusKind::Bad, Some(Code::Parse), "Unknown command")
    );
}

#[test]
fn refused_starttls_and_idle() {
    let mut s = Script::connected("STARTTLS");
    let id = s.submit(Command::starttls());
    s.s("TTTT1 NO [UNAVAILABLE] not now\r\n");
    let e = s.err(id);
    assert_eq!(e.message(), "Couldn't establish TLS session");
    assert_eq!(refusal(&e).code_name(), Some("UNAVAILABLE"));
    assert_eq!(refusal(&e).text(), "not now");

    let mut s = Script::authed("IDLE");
    let id = s.submit(Command::idle());
    s.c("TTTT2 IDLE\r\n");
    s.s("TTTT2 NO [LIMIT] too many sessions\r\n");
    let e = s.err(id);
    assert_eq!(e.message(), "idle denied: [b'[LIMIT] too many sessions']");
    assert_eq!(e.kind(), ErrorKind::Error);
    let r = refusal(&e);
    assert_eq!((r.status(), r.code_name()), (StatusKind::No, Some("LIMIT")));
}

/// The typed face's refusals (`into_ok`) are the same type with the same reason.
#[test]
fn refused_through_into_ok() {
    let mut s = Script::authed("");
    let id = s.submit(Command::create("Archive").unwrap());
    s.s("TTTT2 NO [ALREADYEXISTS] Mailbox already exists\r\n");
    let reply = s.result(id).unwrap();
    let e = reply.into_ok().unwrap_err();
    assert_eq!(e.message(), "NO: [ALREADYEXISTS] Mailbox already exists");
    assert_eq!(refusal(&e).code_name(), Some("ALREADYEXISTS"));
    assert_eq!(refusal(&e).text(), "Mailbox already exists");
    let bye = Reply::new("BYE", vec![Item::Line(b"bye now".to_vec())]);
    let e = bye.into_ok().unwrap_err();
    assert_eq!(
        e.reason(),
        &Reason::Bye {
            text: "bye now".into()
        }
    );
}

// ----- Bye, ReadOnly -----------------------------------------------------------------------

#[test]
fn bye_carries_its_text() {
    let mut s = Script::selected("");
    let id = s.submit(Command::noop());
    s.s("* BYE [UNAVAILABLE] shutting down\r\n");
    let text = "[UNAVAILABLE] shutting down";
    let bye = Reason::Bye { text: text.into() };
    check(
        &s.err(id),
        ErrorKind::Abort,
        bye.clone(),
        &format!("command: NOOP => {text}"),
    );
    // Every later command aborts with it, as imaplib's `_check_bye` does.
    check(
        &refuse(&mut s, Command::noop()),
        ErrorKind::Abort,
        bye,
        text,
    );
}

#[test]
fn readonly() {
    let mut s = Script::authed("");
    let id = s.submit(Command::select("INBOX", false).unwrap());
    s.s("TTTT2 OK [READ-ONLY] SELECT completed.\r\n");
    check(
        &s.err(id),
        ErrorKind::Readonly,
        Reason::ReadOnly,
        "'INBOX' is not writable",
    );
    check(
        &refuse(&mut s, Command::noop()),
        ErrorKind::Readonly,
        Reason::ReadOnly,
        "mailbox status changed to READ-ONLY",
    );
}

// ----- Closed ------------------------------------------------------------------------------

#[test]
fn closed_says_where() {
    let closed = |at| Reason::Closed { at };
    let mut s = Script::new(Script::opts());
    s.s("* OK IMAP4re");
    s.conn.feed_eof();
    check(
        &s.fatal(),
        ErrorKind::Abort,
        closed(ClosedAt::BeforeGreeting),
        "socket error: EOF in the middle of a response (unterminated line or literal)",
    );

    let mut s = Script::selected("");
    let id = s.submit(Command::noop());
    s.conn.feed_eof();
    check(
        &s.err(id),
        ErrorKind::Abort,
        closed(ClosedAt::BetweenResponses),
        "command: NOOP => socket error: EOF",
    );

    let mut s = Script::selected("");
    let id = s.submit(Command::fetch("1", "BODY[]").unwrap());
    s.s("* 1 FETCH (BODY[] {10}\r\nabc");
    s.conn.feed_eof();
    check(
        &s.err(id),
        ErrorKind::Abort,
        closed(ClosedAt::InResponse),
        "command: FETCH => socket error: EOF in the middle of a response (unterminated line or literal)",
    );

    let mut s = Script::authed("");
    let id = s.submit(Command::logout());
    s.s("* BYE logging out\r\nTTTT2 OK done\r\n");
    s.ok(id);
    check(
        &refuse(&mut s, Command::noop()),
        ErrorKind::Abort,
        closed(ClosedAt::AfterLogout),
        "connection closed after LOGOUT",
    );
}

// ----- Timeout -----------------------------------------------------------------------------

#[test]
fn timeouts_say_which_deadline() {
    let timeout = |deadline, s| Reason::Timeout {
        deadline,
        after: Some(secs(s)),
    };
    let t0 = Instant::now();
    // Silence while waiting for an answer.
    let mut d = driver(
        t0,
        Timeouts {
            silence: Some(secs(10)),
            ..no_timeouts()
        },
        "",
    );
    let id = send(&mut d, Command::noop(), t0);
    let e = done(d.poll_result(id, t0 + secs(10))).unwrap_err();
    check(
        &e,
        ErrorKind::Abort,
        timeout(Deadline::Silence, 10),
        "command: NOOP => timed out: no data from the server for 10s",
    );
    assert!(e.is_timeout());

    // Silence while a write cannot progress.
    let mut d = driver(
        t0,
        Timeouts {
            silence: Some(secs(10)),
            ..no_timeouts()
        },
        "",
    );
    let id = d.submit(Command::noop(), t0).unwrap();
    assert!(matches!(d.poll_result(id, t0), Step::Write { .. }));
    let e = done(d.poll_result(id, t0 + secs(10))).unwrap_err();
    check(
        &e,
        ErrorKind::Abort,
        timeout(Deadline::Silence, 10),
        "command: NOOP => timed out: could not write to the server for 10s",
    );

    // The command deadline, whatever untagged data comes meanwhile.
    let t = Timeouts {
        silence: Some(secs(60)),
        command: Some(secs(30)),
        ..no_timeouts()
    };
    let mut d = driver(t0, t, "");
    let id = send(&mut d, Command::noop(), t0);
    d.feed(b"* 1 EXISTS\r\n", t0 + secs(20));
    assert!(matches!(
        d.poll_result(id, t0 + secs(20)),
        Step::Read { .. }
    ));
    let e = done(d.poll_result(id, t0 + secs(30))).unwrap_err();
    check(
        &e,
        ErrorKind::Abort,
        timeout(Deadline::Command, 30),
        "command: NOOP => timed out: NOOP did not complete within 30s",
    );

    // Silence during IDLE.
    let t = Timeouts {
        idle_silence: Some(secs(20)),
        ..no_timeouts()
    };
    let mut d = driver(t0, t, "IDLE");
    d.idle_start(t0).unwrap();
    assert!(matches!(d.poll_idle_start(t0), Step::Write { .. }));
    assert_eq!(take(&mut d, t0), "BCDE1 IDLE\r\n");
    d.feed(b"+ idling\r\n", t0);
    done(d.poll_idle_start(t0)).unwrap();
    let e = done(d.poll_idle_event(None, t0 + secs(20)))
        .expect("the error that ended the IDLE")
        .unwrap_err();
    check(
        &e,
        ErrorKind::Abort,
        timeout(Deadline::IdleSilence, 20),
        "command: IDLE => timed out: no data from the server during IDLE for 20s",
    );
}

// ----- LimitExceeded -----------------------------------------------------------------------

fn limited(limits: Limits, max_stored: usize) -> Script {
    let mut opts = Script::opts();
    opts.limits = limits;
    opts.max_stored = max_stored;
    let mut s = Script::new(opts);
    s.s("* OK [CAPABILITY IMAP4rev1] hi\r\n");
    s.expect_connected();
    s
}

#[test]
fn limits_name_the_limit_the_value_and_the_bound() {
    let small = Limits {
        max_line: 64,
        max_literal: 10,
        max_response: 40,
    };
    let mut s = limited(small, usize::MAX);
    s.s(&format!("* OK {}\r\n", "x".repeat(60)));
    check(
        &s.fatal(),
        ErrorKind::Abort,
        exceeded(Limit::Line, 67, 64),
        "got more than 64 bytes",
    );

    let mut s = limited(small, usize::MAX);
    s.s("* 1 FETCH (BODY[] {11}\r\n");
    check(
        &s.fatal(),
        ErrorKind::Abort,
        exceeded(Limit::Literal, 11, 10),
        "literal of 11 bytes exceeds the limit of 10 bytes per literal",
    );

    // 22 bytes of line + 10 of literal + 9 of line = 41.
    let mut s = limited(small, usize::MAX);
    s.s("* 1 FETCH (BODY[] {10}\r\n0123456789 UID 123)\r\n");
    check(
        &s.fatal(),
        ErrorKind::Abort,
        exceeded(Limit::Response, 41, 40),
        "response of 41 bytes exceeds the limit of 40 bytes per response",
    );
    // Exactly at every bound passes.
    let mut s = limited(small, usize::MAX);
    s.s("* 1 FETCH (BODY[] {10}\r\n0123456789 UID 12)\r\n");
    s.s("* OK [ALERT] xxxxxxxxxxxxxxxxxxxxxxx\r\n");
    let mut s = limited(
        Limits {
            max_line: 64,
            ..Limits::default()
        },
        usize::MAX,
    );
    s.s(&format!("* OK {}\r\n", "x".repeat(57)));
    let events = s.take_events();
    assert!(events.is_empty(), "{events:?}");

    // The untagged store: 80 bytes per item on top of its own.
    let mut s = limited(Limits::default(), 300);
    for _ in 0..3 {
        s.s("* CAPABILITY IMAP4rev1 IDLE\r\n");
    }
    let e = s.fatal();
    assert_eq!(
        e.message(),
        "untagged responses exceed 300 bytes; pop them with response() or raise Options::max_stored"
    );
    assert!(
        matches!(e.reason(), Reason::LimitExceeded { limit: Limit::Stored, value, bound: 300 } if *value > 300),
        "{e:?}"
    );

    // imaplib's readline() bound.
    let t0 = Instant::now();
    let mut d = driver(t0, no_timeouts(), "");
    assert!(matches!(
        d.poll_read_raw(RawRead::Line { max: 8 }, t0),
        Step::Read { .. }
    ));
    d.feed(b"123456789", t0);
    let e = done(d.poll_read_raw(RawRead::Line { max: 8 }, t0)).unwrap_err();
    check(
        &e,
        ErrorKind::Error,
        exceeded(Limit::Line, 9, 8),
        "got more than 8 bytes",
    );
}

// ----- Protocol ----------------------------------------------------------------------------

#[test]
fn protocol_violations_carry_the_bytes() {
    let mut s = Script::selected("");
    let id = s.submit(Command::noop());
    s.sb(b"* 1 EXISTS\n");
    let e = s.err(id);
    check(
        &e,
        ErrorKind::Abort,
        protocol(Violation::BareLf, b"* 1 EXISTS\n"),
        "command: NOOP => protocol error: unterminated line (LF without CR)",
    );
    assert_eq!(e.bytes(), Some(&b"* 1 EXISTS\n"[..]));

    let mut s = Script::selected("");
    s.s("TTTT9 OK what\r\n");
    check(
        &s.fatal(),
        ErrorKind::Abort,
        protocol(Violation::UnknownTag, b"BCDE9 OK what"),
        "unexpected tagged response: tag 9 is not pending",
    );

    let mut s = Script::selected("");
    s.s("+ hello\r\n");
    check(
        &s.fatal(),
        ErrorKind::Abort,
        protocol(Violation::UnexpectedContinuation, b"+ hello"),
        "unexpected continuation request",
    );

    let mut s = Script::selected("");
    s.s("garbage\r\n");
    check(
        &s.fatal(),
        ErrorKind::Abort,
        protocol(Violation::Malformed, b"garbage"),
        "unexpected response: b'garbage'",
    );

    // A typed view that does not parse is a plain error with the bytes.
    let reply = Reply::new("FETCH", vec![Item::Line(b"1 (UID x)".to_vec())]);
    let e: Error = imaplib_proto::parse::fetches(&reply)
        .next()
        .unwrap()
        .unwrap_err()
        .into();
    assert_eq!(e.kind(), ErrorKind::Error);
    assert!(
        matches!(e.reason(), Reason::Protocol { violation: Violation::Malformed, bytes } if !bytes.is_empty()),
        "{e:?}"
    );

    let mut s = Script::new(Script::opts());
    s.s("+OK POP3 ready\r\n");
    check(
        &s.fatal(),
        ErrorKind::Error,
        protocol(Violation::InvalidGreeting, b"+OK POP3 ready"),
        "invalid greeting: +OK POP3 ready",
    );

    let mut s = Script::new(Script::opts());
    s.s("* OK [CAPABILITY SMTP] hi\r\n");
    check(
        &s.fatal(),
        ErrorKind::Error,
        protocol(Violation::NotImap4, b""),
        "server not IMAP4 compliant",
    );

    let mut s = Script::new(Script::opts());
    s.s("* OK hi\r\n");
    s.c("TTTT0 CAPABILITY\r\n");
    s.s("TTTT0 OK no capabilities for you\r\n");
    check(
        &s.fatal(),
        ErrorKind::Error,
        protocol(Violation::NoCapability, b""),
        "no CAPABILITY response from server",
    );

    let mut s = Script::connected("AUTH=X");
    let id = s.submit(Command::authenticate("X", |_: &[u8]| Some(b"r".to_vec())).unwrap());
    s.c("TTTT1 AUTHENTICATE X\r\n");
    s.s("+ !!not base64!!\r\n");
    s.c("*\r\n");
    s.s("TTTT1 NO cancelled\r\n");
    check(
        &s.err(id),
        ErrorKind::Error,
        protocol(Violation::BadChallenge, b"!!not base64!!"),
        "AUTHENTICATE challenge is not valid base64; exchange cancelled",
    );

    let mut s = Script::authed("IDLE");
    let id = s.submit(Command::idle());
    s.s("TTTT2 OK done already\r\n");
    check(
        &s.err(id),
        ErrorKind::Abort,
        protocol(Violation::UnexpectedStatus, b"done already"),
        "unexpected status response: OK [b'done already']",
    );
}

// ----- Tls ---------------------------------------------------------------------------------

#[test]
fn tls_policy() {
    let mut opts = Script::opts();
    opts.require_tls = true;
    let mut s = Script::new(opts.clone());
    s.s("* PREAUTH welcome\r\n");
    check(
        &s.fatal(),
        ErrorKind::Abort,
        Reason::Tls(TlsFailure::Policy),
        "PREAUTH greeting on a cleartext connection while TLS is required (RFC 9051 section 7.1.4)",
    );
    let mut s = Script::new(opts);
    s.s("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n");
    s.expect_connected();
    check(
        &refuse(&mut s, Command::login("u", "p").unwrap()),
        ErrorKind::Error,
        Reason::Tls(TlsFailure::Policy),
        "TLS is required: refusing to send credentials over a cleartext connection",
    );
}

#[cfg(feature = "rustls")]
#[test]
fn tls_configuration_handshake_and_certificate() {
    use imaplib_proto::tls;
    let e = tls::config_with_ca_pem(b"not a certificate").unwrap_err();
    check(
        &e,
        ErrorKind::Error,
        Reason::Tls(TlsFailure::Config),
        "no certificate found in the CA PEM",
    );
    let e = tls::server_name("not a host name!").unwrap_err();
    assert_eq!(e.reason(), &Reason::Tls(TlsFailure::Config));
    assert!(e.message().starts_with("invalid TLS server name"), "{e}");

    let bad = tls::rustls::Error::InvalidCertificate(tls::rustls::CertificateError::Expired);
    let e = tls::handshake_failed(io::Error::new(io::ErrorKind::InvalidData, bad), None);
    check(
        &e,
        ErrorKind::Abort,
        Reason::Tls(TlsFailure::Certificate),
        "TLS handshake failed: invalid peer certificate: Expired",
    );
    assert!(std::error::Error::source(&e).is_some());
    let alert = tls::rustls::Error::AlertReceived(tls::rustls::AlertDescription::HandshakeFailure);
    let e = tls::handshake_failed(io::Error::new(io::ErrorKind::InvalidData, alert), None);
    check(
        &e,
        ErrorKind::Abort,
        Reason::Tls(TlsFailure::Handshake),
        "TLS handshake failed: received fatal alert: HandshakeFailure",
    );
    let e = tls::handshake_failed(io::ErrorKind::TimedOut.into(), Some(secs(3)));
    check(
        &e,
        ErrorKind::Abort,
        Reason::Timeout {
            deadline: Deadline::TlsHandshake,
            after: Some(secs(3)),
        },
        "timed out: the TLS handshake did not complete within 3s",
    );
}

// ----- Argument ----------------------------------------------------------------------------

#[test]
fn arguments_say_which_and_why() {
    use ArgumentProblem as P;
    let cases: Vec<(Result<Command, Error>, Reason, &str)> = vec![
        (
            Command::login("us\0er", "p"),
            argument("the user name", P::Nul),
            "NUL not allowed in the user name",
        ),
        (
            Command::search(None, &["SUBJECT x\r\nA1 LOGOUT"]),
            argument("search criteria", P::LineBreak),
            "NUL, CR and LF not allowed in search criteria: b'SUBJECT x\\r\\nA1 LOGOUT'",
        ),
        (
            Command::search(None, &[""]),
            argument("search criteria", P::Empty),
            "empty search criteria",
        ),
        (
            Command::search(None, &["SUBJECT {5}"]),
            argument("search criteria", P::LiteralMarker),
            "search criteria may not end in a literal marker: b'SUBJECT {5}'",
        ),
        (
            Command::search(None, &["SUBJECT \"open"]),
            argument("search criteria", P::UnterminatedQuote),
            "search criteria has an unterminated quoted string: b'SUBJECT \"open'",
        ),
        (
            Command::search(None, &["SUBJECT \"a\\b\""]),
            argument("search criteria", P::InvalidEscape),
            "search criteria has an invalid escape in a quoted string: b'SUBJECT \"a\\\\b\"'",
        ),
        (
            Command::thread("ORDERED SUBJECT", "UTF-8", &["ALL"]),
            argument("the thread algorithm", P::NotAtom),
            "the thread algorithm must be an IMAP atom: b'ORDERED SUBJECT'",
        ),
        (
            Command::fetch("1:x", "FLAGS"),
            argument("the sequence set", P::NotSequenceSet),
            "not a valid sequence set: b'1:x'",
        ),
        (
            Command::uid("FROB", &[]),
            argument("the UID command", P::UnknownCommand),
            "Unknown IMAP4 UID command: 'FROB'",
        ),
        (
            Command::uid("COPY", &[Text::Str("1")]),
            argument(
                "UID COPY arguments",
                P::Count {
                    expected: 2,
                    got: 1,
                },
            ),
            "UID COPY takes 2 arguments, got 1",
        ),
        (
            Command::uid("FETCH", &[Text::Str("1"), Text::Bytes(b"\xff")]),
            argument("UID FETCH arguments", P::NotUtf8),
            "UID FETCH: argument is not UTF-8",
        ),
        (
            Command::append(
                None,
                None,
                Some(imaplib_proto::DateInput::Str("yesterday".into())),
                b"x",
            ),
            argument("date_time", P::InvalidDate),
            "date_time not of a known type",
        ),
    ];
    for (built, reason, message) in cases {
        let e = built.expect_err(message);
        check(&e, ErrorKind::Error, reason, message);
    }
    // Refused at submission: the charset in UTF-8 mode, an unknown command.
    let mut s = Script::authed("ENABLE UTF8=ACCEPT");
    let id = s.submit(Command::enable("UTF8=ACCEPT").unwrap());
    s.s("* ENABLED UTF8=ACCEPT\r\nTTTT2 OK enabled\r\n");
    s.ok(id);
    let id = s.submit(Command::select("INBOX", false).unwrap());
    s.s("TTTT3 OK [READ-WRITE] selected\r\n");
    s.ok(id);
    check(
        &refuse(&mut s, Command::search(Some("UTF-8"), &["ALL"]).unwrap()),
        ErrorKind::Error,
        argument("the charset", P::CharsetInUtf8Mode),
        "Non-None charset not valid in UTF8 mode",
    );
    // A zero timeout, and IDLE through submit().
    let cfg = imaplib_proto::driver::Timeouts {
        command: Some(Duration::ZERO),
        ..Timeouts::default()
    };
    #[cfg(feature = "rustls")]
    check(
        &imaplib_proto::config::check_timeouts(&cfg).unwrap_err(),
        ErrorKind::Error,
        argument("command timeout", P::Zero),
        "a zero command timeout is not supported",
    );
    let _ = cfg;
    let t0 = Instant::now();
    let mut d = driver(t0, no_timeouts(), "IDLE");
    check(
        &d.submit(Command::idle(), t0).unwrap_err(),
        ErrorKind::Error,
        argument("the command", P::WrongMethod),
        "IDLE is started with idle(), which runs its lifecycle",
    );
    check(
        &imaplib_proto::auth::Plain::new("u", "p\0")
            .map(|_| ())
            .unwrap_err(),
        ErrorKind::Error,
        argument("PLAIN credentials", P::Nul),
        "NUL not allowed in PLAIN credentials",
    );
}

// ----- Injection ---------------------------------------------------------------------------

#[test]
fn injection_after_starttls() {
    let mut s = Script::connected("STARTTLS");
    let id = s.submit(Command::starttls());
    s.c("TTTT1 STARTTLS\r\n");
    s.s("TTTT1 OK begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n");
    let e = s.err(id);
    check(
        &e,
        ErrorKind::Abort,
        Reason::Injection {
            layer: Layer::StartTls,
            buffered: 49,
        },
        "command: STARTTLS => received data after the STARTTLS OK and before the TLS handshake (response injection?)",
    );
    assert_eq!(
        e.bytes(),
        Some(&b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n"[..])
    );
    assert!(
        !s.take_events()
            .iter()
            .any(|o| matches!(o, Output::StartTls { .. })),
        "no upgrade after an injection"
    );
}

// ----- Io ----------------------------------------------------------------------------------

#[test]
fn io_errors_keep_their_kind_and_source() {
    let t0 = Instant::now();
    let mut d = driver(t0, no_timeouts(), "");
    let id = send(&mut d, Command::noop(), t0);
    let err = io::Error::new(io::ErrorKind::ConnectionReset, "reset by peer");
    d.transport_error(Error::io(err), t0);
    let e = done(d.poll_result(id, t0)).unwrap_err();
    check(
        &e,
        ErrorKind::Abort,
        Reason::Io {
            kind: io::ErrorKind::ConnectionReset,
        },
        "command: NOOP => socket error: reset by peer",
    );
    let source = std::error::Error::source(&e).expect("the I/O error");
    assert_eq!(source.to_string(), "reset by peer");
}

// ----- State -------------------------------------------------------------------------------

#[test]
fn state_problems() {
    let mut s = Script::new(Script::opts());
    check(
        &s.conn.submit(Command::noop()).unwrap_err(),
        ErrorKind::Error,
        state(StateProblem::NotConnected),
        "not connected: the greeting has not been processed",
    );

    let mut s = Script::connected("STARTTLS");
    check(
        &refuse(&mut s, Command::select("INBOX", false).unwrap()),
        ErrorKind::Error,
        state(StateProblem::Illegal {
            state: State::NonAuth,
            allowed: vec![State::Auth, State::Selected],
        }),
        "command SELECT illegal in state NONAUTH, only allowed in states AUTH, SELECTED",
    );
    check(
        &s.conn.tls_established().unwrap_err(),
        ErrorKind::Error,
        state(StateProblem::NotPending),
        "no STARTTLS upgrade is pending",
    );
    let id = s.submit(Command::starttls());
    s.s("TTTT1 OK begin\r\n");
    check(
        &refuse(&mut s, Command::noop()),
        ErrorKind::Error,
        state(StateProblem::Upgrading),
        "STARTTLS in progress: complete the TLS upgrade first",
    );
    s.conn.tls_established().unwrap();
    s.s("* CAPABILITY IMAP4rev1 STARTTLS\r\nTTTT2 OK done\r\n");
    s.ok(id);
    check(
        &refuse(&mut s, Command::starttls()),
        ErrorKind::Abort,
        state(StateProblem::TlsActive),
        "TLS session already established",
    );

    let mut s = Script::selected("");
    s.submit(Command::fetch("1", "BODY[]").unwrap().stream_literals());
    check(
        &refuse(
            &mut s,
            Command::fetch("2", "BODY[]").unwrap().stream_literals(),
        ),
        ErrorKind::Error,
        state(StateProblem::Busy),
        "another streaming FETCH is in flight",
    );

    let t0 = Instant::now();
    let mut d = driver(t0, no_timeouts(), "IDLE");
    d.idle_start(t0).unwrap();
    check(
        &d.idle_start(t0).unwrap_err(),
        ErrorKind::Error,
        state(StateProblem::Busy),
        "IDLE is already in progress",
    );
    let mut d = driver(t0, no_timeouts(), "IDLE");
    check(
        &d.idle_done(t0).unwrap_err(),
        ErrorKind::Error,
        state(StateProblem::NotPending),
        "no IDLE in progress",
    );
}

// ----- Unsupported -------------------------------------------------------------------------

#[test]
fn unsupported_names_the_capability() {
    let mut s = Script::authed("");
    check(
        &refuse(&mut s, Command::enable("UTF8=ACCEPT").unwrap()),
        ErrorKind::Error,
        unsupported("ENABLE"),
        "Server does not support ENABLE",
    );
    check(
        &refuse(&mut s, Command::idle()),
        ErrorKind::Error,
        unsupported("IDLE"),
        "Server does not support IMAP4 IDLE",
    );
    let mut s = Script::connected("");
    check(
        &refuse(&mut s, Command::starttls()),
        ErrorKind::Abort,
        unsupported("STARTTLS"),
        "TLS not supported by server",
    );
    let mut s = Script::connected("LOGINDISABLED");
    check(
        &refuse(&mut s, Command::login("u", "p").unwrap()),
        ErrorKind::Error,
        unsupported("LOGINDISABLED"),
        "LOGIN is disabled by the server (LOGINDISABLED): use STARTTLS or AUTHENTICATE",
    );
}

// ----- Stream ------------------------------------------------------------------------------

/// A streamed APPEND of 10 bytes (LITERAL+: no `+` to wait for), its first 4 bytes given.
fn appending(t0: Instant) -> (Driver, imaplib_proto::CommandId) {
    let mut d = driver(t0, no_timeouts(), "LITERAL+");
    let cmd = Command::append_stream(None, None, None, 10).unwrap();
    let id = d.submit(cmd, t0).unwrap();
    assert!(matches!(d.poll_result(id, t0), Step::Write { .. }));
    assert_eq!(take(&mut d, t0), "BCDE1 APPEND INBOX {10+}\r\n");
    assert!(matches!(
        d.poll_result(id, t0),
        Step::ReadMessage { max: 10 }
    ));
    d.message_data(b"From", t0);
    (d, id)
}

#[test]
fn stream_failures() {
    let t0 = Instant::now();
    let (mut d, id) = appending(t0);
    d.message_eof(t0);
    check(
        &done(d.poll_result(id, t0)).unwrap_err(),
        ErrorKind::Abort,
        Reason::Stream(StreamFailure::ReaderEnded { sent: 4, total: 10 }),
        "command: APPEND => the message reader ended after 4 of 10 bytes",
    );

    let (mut d, id) = appending(t0);
    d.message_error(io::Error::other("disk on fire"), t0);
    let e = done(d.poll_result(id, t0)).unwrap_err();
    check(
        &e,
        ErrorKind::Abort,
        Reason::Stream(StreamFailure::Reader),
        "command: APPEND => reading the message: disk on fire",
    );
    assert_eq!(e.cause(), Cause::Io);

    // Its caller gives up (another task is polled) mid-message.
    let (mut d, id) = appending(t0);
    let _ = d.poll_flush(t0);
    let e = done(d.poll_result(id, t0)).unwrap_err();
    check(
        &e,
        ErrorKind::Abort,
        Reason::Stream(StreamFailure::Abandoned { sent: 4, total: 10 }),
        "a streamed APPEND was interrupted mid-message: the server is owed bytes that will not come",
    );

    // A sink that fails: the FETCH completes, with the sink's error.
    struct Failing;
    impl imaplib_proto::LiteralSink for Failing {
        fn start(&mut self, _: Option<u32>, _: &[u8], _: u64) -> io::Result<()> {
            Err(io::Error::other("no space left"))
        }
        fn data(&mut self, _: &[u8]) -> io::Result<()> {
            Ok(())
        }
    }
    let mut d = driver(t0, no_timeouts(), "");
    let id = send(&mut d, Command::select("INBOX", false).unwrap(), t0);
    d.feed(b"BCDE1 OK [READ-WRITE] ok\r\n", t0);
    let _ = done(d.poll_result(id, t0)).unwrap();
    let id = send(
        &mut d,
        Command::fetch("1", "BODY[]").unwrap().stream_literals(),
        t0,
    );
    let mut slot = SinkSlot::new(Failing);
    slot.feed(
        &mut d,
        b"* 1 FETCH (BODY[] {3}\r\nabc)\r\nBCDE2 OK done\r\n",
        t0,
    );
    let result = done(d.poll_result(id, t0));
    let e = slot.finish(result).unwrap_err();
    check(
        &e,
        ErrorKind::Error,
        Reason::Stream(StreamFailure::Sink),
        "the literal sink failed: no space left",
    );
    assert!(
        d.connection().fatal_error().is_none(),
        "the connection goes on"
    );
}

// ----- no secrets --------------------------------------------------------------------------

const SECRET: &str = "hunter2-Pa55w0rd";

/// Everything an error shows: its message, Debug (reason, bytes, source included), the
/// reason's Debug, the offending bytes, and the source chain.
fn shown(e: &Error) -> String {
    let mut all = format!("{e}\n{e:?}\n{:?}\n", e.reason());
    if let Some(b) = e.bytes() {
        all.push_str(&String::from_utf8_lossy(b));
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        all.push_str(&format!("\n{s} {s:?}"));
        source = s.source();
    }
    all
}

#[track_caller]
fn no_secret(e: &Error) {
    use base64::Engine;
    let all = shown(e);
    let b64 = base64::engine::general_purpose::STANDARD;
    for needle in [
        SECRET.to_string(),
        b64.encode(format!("\0user\0{SECRET}")),
        b64.encode(SECRET),
        "Pa55w0rd".to_string(),
    ] {
        assert!(!all.contains(&needle), "{needle:?} shown in {all}");
    }
}

#[test]
fn errors_never_carry_secrets() {
    // LOGIN refused, with and without a response code; the server's BAD.
    for answer in [
        "TTTT1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
        "TTTT1 NO nope\r\n",
        "TTTT1 BAD [PARSE] what?\r\n",
    ] {
        let mut s = Script::connected("");
        let id = s.submit(Command::login("user", SECRET).unwrap());
        s.s(answer);
        no_secret(&s.err(id));
    }
    // The connection failing while LOGIN waits: EOF, a bare LF, a transport error, BYE.
    for fail in 0..4 {
        let mut s = Script::connected("");
        let id = s.submit(Command::login("user", SECRET).unwrap());
        match fail {
            0 => s.conn.feed_eof(),
            1 => s.sb(b"* BYE\n"),
            2 => s
                .conn
                .transport_error(Error::io(io::ErrorKind::BrokenPipe.into())),
            _ => s.s("* BYE going away\r\n"),
        }
        no_secret(&s.err(id));
        no_secret(&refuse(&mut s, Command::noop()));
    }
    // A password that needs a literal, refused on the way.
    let mut s = Script::connected("");
    let id = s.submit(Command::login("user", format!("{SECRET}\r\n").as_str()).unwrap());
    s.s("TTTT1 NO [CANNOT] no literals here\r\n");
    no_secret(&s.err(id));
    // A password with NUL is refused without being shown.
    let e = Command::login("user", format!("{SECRET}\0").as_str()).unwrap_err();
    assert_eq!(e.message(), "NUL not allowed in the password");
    no_secret(&e);
    no_secret(
        &imaplib_proto::auth::Plain::new("user", format!("{SECRET}\0"))
            .map(|_| ())
            .unwrap_err(),
    );
    // AUTHENTICATE PLAIN and CRAM-MD5 refused, or cut off, after the response went out.
    for mechanism in ["AUTH=PLAIN", "AUTH=CRAM-MD5"] {
        for answer in [
            "TTTT1 NO [AUTHENTICATIONFAILED] no\r\n",
            "TTTT1 BAD no\r\n",
            "",
        ] {
            let mut s = Script::connected(mechanism);
            let id = s.submit(match mechanism {
                "AUTH=PLAIN" => Command::login_plain("user", SECRET).unwrap(),
                _ => Command::login_cram_md5("user", SECRET).unwrap(),
            });
            s.s("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n");
            if answer.is_empty() {
                s.conn.feed_eof();
            } else {
                s.s(answer);
            }
            no_secret(&s.err(id));
        }
    }
    // The same through the driver, timing out while LOGIN waits.
    let t0 = Instant::now();
    let mut d = Driver::new(
        Options::new(SEED),
        Timeouts {
            silence: Some(secs(5)),
            ..no_timeouts()
        },
    );
    d.feed(b"* OK [CAPABILITY IMAP4rev1] hi\r\n", t0);
    done(d.poll_connect(t0)).unwrap();
    let id = d
        .submit(Command::login("user", SECRET).unwrap(), t0)
        .unwrap();
    assert!(matches!(d.poll_result(id, t0), Step::Write { .. }));
    assert!(
        take(&mut d, t0).contains(SECRET),
        "the secret does go to the server"
    );
    no_secret(&done(d.poll_result(id, t0 + secs(5))).unwrap_err());
}

/// Connection is exercised directly too: the fatal error it keeps.
#[test]
fn the_fatal_error_is_the_one_every_waiter_gets() {
    let mut c = Connection::new(Options::new(SEED));
    c.feed(b"* OK [CAPABILITY IMAP4rev1] hi\r\n");
    while c.poll_output().is_some() {}
    let a = c.submit(Command::noop()).unwrap();
    let b = c.submit(Command::capability()).unwrap();
    c.feed(b"* 1 EXISTS\n");
    let mut errors = Vec::new();
    while let Some(out) = c.poll_output() {
        match out {
            Output::Completed { id, result } => errors.push((id, result.unwrap_err())),
            Output::Error(e) => errors.push((a, e)),
            _ => {}
        }
    }
    assert_eq!(errors.len(), 3);
    let fatal = c.fatal_error().unwrap().clone();
    for (_, e) in &errors {
        assert_eq!(e.reason(), fatal.reason());
    }
    assert_eq!(errors[1].0, b);
    assert_eq!(
        errors[1].1.message(),
        format!("command: CAPABILITY => {fatal}")
    );
}
