//! COMPRESS=DEFLATE (RFC 4978) in the core: where compression starts, what is held back
//! around it, what is refused, and the driver's step. Transcripts on the connection
//! (`Script`) and on the driver (simulated time); the compression itself is the
//! transport's (see `deflate` and tests/tests/compress.rs).

mod common;

use std::time::Instant;

use common::Script;
use imaplib_proto::driver::{Driver, Step, Timeouts};
use imaplib_proto::error::{Layer, Reason, StateProblem};
use imaplib_proto::{Cause, Command, ErrorKind, Options, Output, State};

const CAPS: &str = "COMPRESS=DEFLATE IDLE";

fn state(e: &imaplib_proto::Error) -> &StateProblem {
    match e.reason() {
        Reason::State(p) => p,
        other => panic!("not a state problem: {other:?} ({e})"),
    }
}

#[test]
fn ok_starts_compression_after_the_ok_line_and_holds_what_follows() {
    let mut s = Script::authed(CAPS);
    let id = s.submit(Command::compress());
    // Nothing goes out behind COMPRESS until its answer: pipelining is held back.
    let noop = s.submit(Command::noop());
    s.c("TTTT2 COMPRESS DEFLATE\r\n");
    s.s("TTTT2 OK Begin compression.\r\n");
    let events = s.take_events();
    assert!(
        matches!(events.as_slice(), [Output::StartCompression { id: i }] if *i == id),
        "{events:?}"
    );
    s.nothing_sent();
    s.pending(id);
    assert!(!s.conn.is_compressed());
    // Between the OK and the layer, nothing may be submitted.
    let e = s.refused(Command::noop());
    assert_eq!(state(&e), &StateProblem::Upgrading);
    assert_eq!(
        e.message(),
        "COMPRESS in progress: stack the DEFLATE layer on the transport first"
    );
    // The transport compresses now.
    let early = s.conn.compression_established().unwrap();
    assert!(early.is_empty());
    assert!(s.conn.is_compressed());
    assert_eq!(s.ok(id), "('OK', [b'Begin compression.'])");
    // The held NOOP goes out now, to be compressed by the transport.
    s.c("TTTT3 NOOP\r\n");
    s.s("TTTT3 OK NOOP completed\r\n");
    s.ok(noop);
    // Capabilities and state are unchanged.
    assert!(s.conn.has_capability("COMPRESS=DEFLATE"));
    assert_eq!(s.conn.state(), State::Auth);
    // Only once.
    assert!(s.conn.compression_established().is_err());
}

#[test]
fn bytes_after_the_ok_are_compressed_data_for_the_layer() {
    let mut s = Script::authed(CAPS);
    let id = s.submit(Command::compress());
    s.c("TTTT2 COMPRESS DEFLATE\r\n");
    // The server compresses from the byte after its OK: an update may follow at once,
    // in the same read. It is raw DEFLATE, never read as IMAP.
    let mut wire = b"BCDE2 OK go\r\n".to_vec();
    let compressed: &[u8] = &[
        0x52, 0xd2, 0x52, 0x30, 0x56, 0x70, 0x8d, 0x00, 0x00, 0xff, 0xff,
    ];
    wire.extend_from_slice(compressed);
    s.sb(&wire);
    // More of it in a later read, before the layer is in place.
    s.sb(b"\r\n* 9 EXISTS looks like IMAP\r\n");
    let events = s.take_events();
    assert!(
        matches!(events.as_slice(), [Output::StartCompression { .. }]),
        "{events:?}"
    );
    assert_eq!(s.stored("EXISTS"), None, "nothing read as IMAP");
    let early = s.conn.compression_established().unwrap();
    let mut expected = compressed.to_vec();
    expected.extend_from_slice(b"\r\n* 9 EXISTS looks like IMAP\r\n");
    assert_eq!(early, expected);
    assert_eq!(s.ok(id), "('OK', [b'go'])");
}

#[test]
fn no_is_a_result_and_nothing_starts() {
    let mut s = Script::selected(CAPS);
    let id = s.submit(Command::compress());
    let noop = s.submit(Command::noop());
    s.c("TTTT3 COMPRESS DEFLATE\r\n");
    s.s("TTTT3 NO [COMPRESSIONACTIVE] COMPRESSION=DEFLATE already enabled\r\n");
    assert_eq!(
        s.ok(id),
        "('NO', [b'[COMPRESSIONACTIVE] COMPRESSION=DEFLATE already enabled'])"
    );
    assert!(!s
        .take_events()
        .iter()
        .any(|o| matches!(o, Output::StartCompression { .. })));
    assert!(!s.conn.is_compressed());
    assert!(s.conn.compression_established().is_err());
    // The held NOOP goes out, uncompressed, after the refusal.
    s.c("TTTT4 NOOP\r\n");
    s.s("TTTT4 OK done\r\n");
    s.ok(noop);
    // BAD is an error, as for every command; still nothing starts.
    let id = s.submit(Command::compress());
    s.c("TTTT5 COMPRESS DEFLATE\r\n");
    s.s("TTTT5 BAD Unknown compression mechanism\r\n");
    let e = s.err(id);
    assert_eq!((e.kind(), e.cause()), (ErrorKind::Error, Cause::Server));
    assert!(!s.conn.is_compressed());
    // The typed view of the NO: a refusal with its code.
    let e = imaplib_proto::Reply::new(
        "NO",
        vec![imaplib_proto::Item::Line(
            b"[COMPRESSIONACTIVE] already".to_vec(),
        )],
    )
    .into_ok()
    .unwrap_err();
    let Reason::Refused(r) = e.reason() else {
        panic!("{e:?}")
    };
    assert_eq!(r.code_name(), Some("COMPRESSIONACTIVE"));
}

#[test]
fn refused_before_a_byte_is_sent() {
    // The server does not offer it.
    let mut s = Script::authed("IDLE");
    let e = s.refused(Command::compress());
    assert_eq!(e.cause(), Cause::Unsupported);
    assert_eq!(e.message(), "COMPRESS=DEFLATE not supported by server");

    // Before authentication (RFC 4978: authenticated or selected state).
    let mut s = Script::connected(CAPS);
    let e = s.refused(Command::compress());
    assert!(matches!(
        state(&e),
        StateProblem::Illegal {
            state: State::NonAuth,
            ..
        }
    ));

    // Already under way, then already active.
    let mut s = Script::authed(CAPS);
    let id = s.submit(Command::compress());
    s.c("TTTT2 COMPRESS DEFLATE\r\n");
    let e = s.refused(Command::compress());
    assert_eq!(state(&e), &StateProblem::CompressionActive);
    s.s("TTTT2 OK go\r\n");
    s.conn.compression_established().unwrap();
    s.ok(id);
    let e = s.refused(Command::compress());
    assert_eq!(state(&e), &StateProblem::CompressionActive);
    assert_eq!(
        e.to_string(),
        "compression is already active (COMPRESSIONACTIVE)"
    );
    assert_eq!(e.kind(), ErrorKind::Error, "the connection goes on");
    // TLS goes below compression: STARTTLS after COMPRESS is refused.
    let e = s.refused(Command::starttls());
    assert_eq!(state(&e), &StateProblem::TlsActive);
    assert!(e.message().contains("negotiate TLS first"), "{e}");
    s.submit(Command::noop());
    s.c("TTTT3 NOOP\r\n");
}

#[test]
fn a_failure_before_the_layer_drops_the_step() {
    let mut s = Script::authed(CAPS);
    let id = s.submit(Command::compress());
    s.c("TTTT2 COMPRESS DEFLATE\r\n");
    s.conn.feed(b"BCDE2 OK go\r\n");
    s.conn.transport_error(imaplib_proto::Error::io(
        std::io::ErrorKind::ConnectionReset.into(),
    ));
    let events = s.take_events();
    assert!(
        !events
            .iter()
            .any(|o| matches!(o, Output::StartCompression { .. })),
        "{events:?}"
    );
    assert!(events
        .iter()
        .any(|o| matches!(o, Output::Completed { id: i, result: Err(_) } if *i == id)));
    assert!(s.conn.compression_established().is_err());
}

#[test]
fn starttls_then_compress_is_the_order() {
    let mut s = Script::connected("STARTTLS COMPRESS=DEFLATE");
    let id = s.submit(Command::starttls());
    s.c("TTTT1 STARTTLS\r\n");
    s.s("TTTT1 OK Begin TLS\r\n");
    s.conn.tls_established().unwrap();
    s.c("TTTT2 CAPABILITY\r\n");
    s.s("* CAPABILITY IMAP4rev1 COMPRESS=DEFLATE AUTH=PLAIN\r\nTTTT2 OK done\r\n");
    s.ok(id);
    let id = s.submit(Command::login("u", "p").unwrap());
    s.c("TTTT3 LOGIN u \"p\"\r\n");
    s.s("TTTT3 OK [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] in\r\n");
    s.ok(id);
    let id = s.submit(Command::compress());
    s.c("TTTT4 COMPRESS DEFLATE\r\n");
    s.s("TTTT4 OK go\r\n");
    // The other layer's calls do not apply.
    assert!(s.conn.tls_established().is_err());
    s.conn.compression_established().unwrap();
    s.ok(id);
    assert!(s.conn.is_secure() && s.conn.is_compressed());
}

// ----- the driver -------------------------------------------------------------------------

fn authed_driver(t0: Instant) -> Driver {
    let mut d = Driver::new(Options::new(0x1234), Timeouts::default());
    d.feed(b"* PREAUTH hi\r\n", t0);
    let Step::Write { .. } = d.poll_connect(t0) else {
        panic!()
    };
    d.wrote(d.output().len(), t0);
    d.feed(
        b"* CAPABILITY IMAP4rev1 COMPRESS=DEFLATE\r\nBCDE0 OK done\r\n",
        t0,
    );
    assert!(matches!(d.poll_connect(t0), Step::Done(Ok(()))));
    d
}

fn take(d: &mut Driver, t0: Instant) -> String {
    let out = String::from_utf8_lossy(d.output()).into_owned();
    d.wrote(d.output().len(), t0);
    out
}

#[test]
fn driver_asks_for_the_layer_once_everything_is_written() {
    let t0 = Instant::now();
    let mut d = authed_driver(t0);
    let id = d.submit(Command::compress(), t0).unwrap();
    let noop = d.submit(Command::noop(), t0).unwrap();
    assert!(matches!(d.poll_result(id, t0), Step::Write { .. }));
    assert_eq!(take(&mut d, t0), "BCDE1 COMPRESS DEFLATE\r\n");
    assert!(matches!(d.poll_result(id, t0), Step::Read { .. }));
    d.feed(b"BCDE1 OK Begin compression.\r\n\x01\x02", t0);
    // Asked for until it is done; nothing to write meanwhile.
    assert!(matches!(d.poll_result(id, t0), Step::StartCompression));
    assert!(matches!(d.poll_result(id, t0), Step::StartCompression));
    assert!(d.output().is_empty());
    assert!(d.is_upgrading());
    assert_eq!(d.compression_established(t0).unwrap(), b"\x01\x02");
    assert!(!d.is_upgrading());
    let Step::Done(Ok(r)) = d.poll_result(id, t0) else {
        panic!()
    };
    assert_eq!(r.python_repr(), "('OK', [b'Begin compression.'])");
    // The pipelined NOOP goes out now (the transport compresses it).
    assert!(matches!(d.poll_result(noop, t0), Step::Write { .. }));
    assert_eq!(take(&mut d, t0), "BCDE2 NOOP\r\n");
    d.feed(b"BCDE2 OK done\r\n", t0);
    assert!(matches!(d.poll_result(noop, t0), Step::Done(Ok(_))));
    assert!(d.connection().is_compressed());
}

#[test]
fn driver_keeps_the_step_for_the_next_task_when_its_caller_gives_up() {
    let t0 = Instant::now();
    let mut d = authed_driver(t0);
    let id = d.submit(Command::compress(), t0).unwrap();
    assert!(matches!(d.poll_result(id, t0), Step::Write { .. }));
    take(&mut d, t0);
    d.feed(b"BCDE1 OK go\r\n", t0);
    assert!(matches!(d.poll_result(id, t0), Step::StartCompression));
    // The caller gave up: no farewell in clear, and the next task stacks the layer first.
    assert!(!d.farewell(t0));
    assert!(matches!(d.poll_ready(t0), Step::StartCompression));
    assert!(d.compression_established(t0).unwrap().is_empty());
    assert!(matches!(d.poll_ready(t0), Step::Done(Ok(()))));
    // Its result was discarded; the connection goes on, compressed.
    let noop = d.submit(Command::noop(), t0).unwrap();
    assert!(matches!(d.poll_result(noop, t0), Step::Write { .. }));
    assert_eq!(take(&mut d, t0), "BCDE2 NOOP\r\n");
    assert!(d.connection().is_compressed());
}

#[test]
fn layer_names_in_injection_errors_stay_as_they_were() {
    // STARTTLS keeps its injection rule; COMPRESS has none (its bytes are data).
    let mut s = Script::connected("STARTTLS");
    let id = s.submit(Command::starttls());
    s.c("TTTT1 STARTTLS\r\n");
    s.s("TTTT1 OK go\r\n* OK injected\r\n");
    let e = s.err(id);
    assert!(matches!(
        e.reason(),
        Reason::Injection {
            layer: Layer::StartTls,
            ..
        }
    ));
}
