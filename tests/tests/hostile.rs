//! Hostile servers against both real clients (issue 5, issue 16): STARTTLS stripping and
//! response injection, pre-authentication tampering, forged tags, referrals, alerts,
//! hostile literal headers, endless lines, deep nesting, floods, huge and slow literals,
//! connections cut at every byte, silent servers, and CR/LF/NUL injection through every
//! argument of every method.
//!
//! Every server is a [`Script`] played on loopback by [`Server`], which records every byte
//! the client sends. Each case is written once, in [`hostile_cases!`], and expanded twice:
//! in `mod blocking` for `imaplib_blocking::Client`, and in `mod asynchronous` for
//! `imaplib_async::Client` (connected with smol's networking, run under `smol::block_on`),
//! with the same assertions. Each case asserts the exact outcome and, where memory is at
//! stake, the growth of the process's peak RSS (the memory-measuring cases run one at a
//! time, whichever client). Each case prints one `HOSTILE |` line (client, case, outcome,
//! time, memory): run with `--nocapture` to collect them. The framer's own linearity
//! (`the_core_assembles_literals_fed_one_byte_at_a_time_in_linear_time`) involves no client
//! and runs once.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use imaplib_integration_tests::hostile::{mem, tls_identity, Script, Server, Token, Transcript};
use imaplib_proto::frame::FrameStats;
use imaplib_proto::{parse, Cause, Config, DateInput, ErrorKind, Item, Limits, Reply, State, Text};

const MIB: u64 = 1 << 20;

/// Fixed tag prefix `BCDE`, a short timeout as a backstop against hangs.
fn cfg() -> Config {
    Config::default()
        .with_tag_seed(0x1234)
        .with_timeout(Some(Duration::from_secs(5)))
}

fn report(
    client: &str,
    case: &str,
    outcome: impl std::fmt::Display,
    elapsed: Duration,
    memory: &str,
) {
    eprintln!("HOSTILE | {client} | {case} | {outcome} | {elapsed:.2?} | {memory}");
}

fn kib(k: u64) -> String {
    format!("{:.1} MiB", k as f64 / 1024.0)
}

fn no_credentials(t: &Transcript) {
    assert!(
        !t.received_contains("LOGIN") && !t.received_contains("AUTHENTICATE"),
        "a credential-bearing command reached the server: {:?}",
        String::from_utf8_lossy(&t.received)
    );
}

const GREETING: &str = "* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] ready\r\n";

/// Greeting, LOGIN, SELECT INBOX (one message); chain what follows.
fn selected() -> Script {
    Script::new()
        .send(GREETING)
        .expect("LOGIN")
        .reply("{tag} OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] LOGIN completed\r\n")
        .expect("SELECT")
        .reply("* 1 EXISTS\r\n{tag} OK [READ-WRITE] SELECT completed\r\n")
}

const STARTTLS_GREETING: &str = "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n";
const INJECTED: &str = "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n* OK [ALERT] injected\r\n";

/// A session that answers FETCH with `fetch_reply` and then floods `after` bytes of junk
/// (stopping when the client closes).
fn fetch_session(fetch_reply: &str, after: u64) -> Script {
    let s = selected().expect("FETCH").reply(fetch_reply);
    if after > 0 {
        s.send_repeated(b"A", after, 64 * 1024).wait_for_close()
    } else {
        s.respond()
    }
}

fn exists_flood(n: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(n as usize * 16);
    for i in 1..=n {
        v.extend_from_slice(format!("* {i} EXISTS\r\n").as_bytes());
    }
    v
}

#[test]
fn the_core_assembles_literals_fed_one_byte_at_a_time_in_linear_time() {
    // The same property without a socket in between: every feed() call gets one byte.
    use imaplib_proto::{Command, Connection, Options, Output};
    let run = |size: usize| -> (Duration, FrameStats) {
        let mut conn = Connection::new(Options::new(0x1234));
        conn.feed(b"* OK [CAPABILITY IMAP4rev1] hi\r\n");
        while conn.poll_output().is_some() {}
        let mut bytes = format!("* 1 FETCH (BODY[] {{{size}}}\r\n").into_bytes();
        bytes.extend(std::iter::repeat_n(b'z', size));
        bytes.extend_from_slice(b")\r\nBCDE0 OK done\r\n");
        let id = conn.submit(Command::noop()).unwrap();
        let t = Instant::now();
        for b in bytes.chunks(1) {
            conn.feed(b);
        }
        let elapsed = t.elapsed();
        let mut done = false;
        while let Some(o) = conn.poll_output() {
            if let Output::Completed { id: i, result } = o {
                assert_eq!(i, id);
                let _ = result.unwrap();
                done = true;
            }
        }
        assert!(done);
        (elapsed, conn.diagnostics().frames)
    };
    let _guard = mem::exclusive();
    let ((a, sa), (b, sb)) = (run(MIB as usize), run(8 * MIB as usize));
    let ratio = (b.as_secs_f64() / 8.0) / a.as_secs_f64();
    let (ka, kb) = (
        sa.work as f64 / sa.bytes as f64,
        sb.work as f64 / sb.bytes as f64,
    );
    report(
        "core",
        "core: 1 MiB vs 8 MiB literal fed 1 byte per feed()",
        format!(
            "framer work {ka:.2} vs {kb:.2} B per byte; {:.0} vs {:.0} ns/B (per-byte ratio {ratio:.2}, reported only)",
            a.as_secs_f64() * 1e9 / MIB as f64,
            b.as_secs_f64() * 1e9 / (8 * MIB) as f64
        ),
        a + b,
        "-",
    );
    assert!(
        ka < 2.5 && kb < 2.5,
        "framer work per byte {ka:.2} and {kb:.2}"
    );
}

const MESSAGE: &str = "From: a@example.org\r\nSubject: cut\r\n\r\nHello (world) {3}\r\n";

fn realistic_session() -> Script {
    Script::new()
        .send("* OK IMAP4rev1 Service Ready\r\n")
        .expect("CAPABILITY")
        .reply("* CAPABILITY IMAP4rev1 LITERAL+ IDLE\r\n{tag} OK CAPABILITY completed\r\n")
        .expect("LOGIN")
        .reply("{tag} OK [CAPABILITY IMAP4rev1 IDLE] LOGIN completed\r\n")
        .expect("SELECT")
        .reply(
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n\
             * OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n* 1 EXISTS\r\n* 0 RECENT\r\n\
             * OK [UIDVALIDITY 1700000000] UIDs valid\r\n* OK [UIDNEXT 2] Predicted next UID\r\n\
             {tag} OK [READ-WRITE] SELECT completed\r\n",
        )
        .expect("FETCH")
        .reply(&format!(
            "* 1 FETCH (UID 1 FLAGS (\\Seen) BODY[] {{{}}}\r\n{MESSAGE})\r\n{{tag}} OK FETCH completed\r\n",
            MESSAGE.len()
        ))
        .expect("LOGOUT")
        .reply("* BYE Logging out\r\n{tag} OK LOGOUT completed\r\n")
        .wait_for_close()
}

/// Payloads: CR, LF, NUL, and the shapes that break out of quoting or announce a literal.
const PAYLOADS: &[&str] = &[
    "a\r\nBCDE99 DELETE INBOX",
    "a\rb",
    "a\nb",
    "a\0b",
    "\r\n",
    "a\" \r\nBCDE98 DELETE x",
    "a) \r\nBCDE97 NOOP",
    "\"q\r\n\"",
    "a\r\n\r\n",
    "x {3}",
    "x {3+}",
    // Unbalanced parentheses and brackets: refused in raw positions, quoted or encoded in
    // string positions; never an ill-formed command.
    "a)b",
    "(()",
    "x]",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Need {
    NonAuth,
    Auth,
    Selected,
}

/// How one call travelled.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// Refused before any byte was sent.
    Refused,
    /// One well-formed command; the CR/LF bytes of the payload inside a literal.
    Literal,
    /// One well-formed command with no CR, LF or NUL anywhere outside literals: the
    /// payload was quoted, encoded (modified UTF-7, base64) or had none to carry.
    Encoded,
}

const INJECTION_CAPS: &str = "IMAP4rev1 ENABLE IDLE ID ACL QUOTA SORT THREAD=REFERENCES \
                              MOVE UIDPLUS NAMESPACE UNSELECT ANNOTATEMORE AUTH=PLAIN AUTH=CRAM-MD5";

fn injection_server(caps: String) -> Server {
    Server::serve(move |_| {
        Some(
            Script::new()
                .send(format!("* OK [CAPABILITY {caps}] ready\r\n"))
                .respond_with(&caps),
        )
    })
}

/// Expands to every case that runs a client, for the `Client` in scope: `[]` for the
/// blocking client, `[async] [.await]` for the async one. The expansion site provides
/// `Client`, `CLIENT` (its name in the reports), `run` (runs a test body: the identity, or
/// `smol::block_on`), `Call` (an injection call site's function) and the `$site` macro
/// building a `Site` from `|m, p| m.method(p)`.
macro_rules! hostile_cases {
    ($site:ident, [$($async:tt)*] [$($await:tt)*]) => {
        fn report(case: &str, outcome: impl std::fmt::Display, elapsed: Duration, memory: &str) {
            super::report(CLIENT, case, outcome, elapsed, memory);
        }

        $($async)* fn connect(server: &Server, config: &Config) -> imaplib_proto::Result<Client> {
            Client::connect_with("127.0.0.1", server.port(), config)$($await)*
        }

        $($async)* fn login_select(m: &mut Client) {
            let _ = m.login("alice", "pw")$($await)*.unwrap();
            let _ = m.select("INBOX", false)$($await)*.unwrap();
        }

        // ----- STARTTLS ------------------------------------------------------------------------

        #[test]
        fn starttls_injection_in_the_same_segment() {
            run($($async)* {
                // Through connect_with(require_tls): the injected bytes arrive with the OK.
                let server = Server::start(
                    Script::new()
                        .send(STARTTLS_GREETING)
                        .expect("STARTTLS")
                        .reply(&format!(
                            "{{tag}} OK Begin TLS negotiation now\r\n{INJECTED}"
                        ))
                        .wait_for_close(),
                );
                let config = cfg().with_require_tls(true);
                let t = Instant::now();
                let e = connect(&server, &config)$($await)*.unwrap_err();
                let elapsed = t.elapsed();
                assert!(e.is_abort(), "{e:?}");
                assert_eq!(e.cause(), Cause::Protocol, "{e:?}");
                assert!(e.message().contains("injection"), "{e}");
                assert_eq!(e.bytes(), Some(INJECTED.as_bytes()));
                let report_ = server.finish();
                let tr = &report_.transcripts[0];
                // Nothing after STARTTLS: no credential, and no TLS handshake started on a
                // connection already known to be tampered with.
                assert_eq!(
                    String::from_utf8_lossy(&tr.received),
                    "BCDE0 STARTTLS\r\n",
                    "the client sent more after the injection was detected"
                );
                assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
                report(
                    "STARTTLS injection, same segment (require_tls)",
                    format!("{:?}/{:?}: {}", e.kind(), e.cause(), e.message()),
                    elapsed,
                    "-",
                );

                // Through a plain connection and starttls(): the state is untouched afterwards.
                let server = Server::start(
                    Script::new()
                        .send(STARTTLS_GREETING)
                        .expect("STARTTLS")
                        .reply(&format!(
                            "{{tag}} OK Begin TLS negotiation now\r\n{INJECTED}"
                        ))
                        .wait_for_close(),
                );
                let mut m = connect(&server, &cfg())$($await)*.unwrap();
                let caps_before = m.capabilities().to_vec();
                let e = m.starttls()$($await)*.unwrap_err();
                assert!(e.is_abort() && e.message().contains("injection"), "{e}");
                assert_eq!(m.capabilities(), caps_before.as_slice());
                assert!(!m.has_capability("AUTH=PLAIN"));
                assert!(!m.is_secure());
                assert!(
                    m.untagged_responses()
                        .all(|(t, _)| t != "CAPABILITY" && t != "ALERT"),
                    "{:?}",
                    m.untagged_responses().collect::<Vec<_>>()
                );
                assert!(m.noop()$($await)*.unwrap_err().is_abort());
                drop(m);
                assert_eq!(
                    server.finish().transcripts[0].received,
                    b"BCDE0 STARTTLS\r\n"
                );
            })
        }

        #[test]
        fn starttls_injection_in_the_next_segment_goes_to_the_tls_layer() {
            run($($async)* {
                // The OK alone; the injection only after the client's first TLS bytes arrived, so
                // the client is inside the handshake: the bytes reach rustls as a (corrupt) TLS
                // record.
                let script = || {
                    Script::new()
                        .send(STARTTLS_GREETING)
                        .expect("STARTTLS")
                        .reply("{tag} OK Begin TLS negotiation now\r\n")
                        .custom(|s| {
                            let hello = s.read_exact_bytes(5)?;
                            assert_eq!(hello[0], 0x16, "a TLS handshake record");
                            s.send(INJECTED.as_bytes())
                        })
                        .wait_for_close()
                };
                let server = Server::start(script());
                let config = cfg().with_require_tls(true);
                let t = Instant::now();
                let e = connect(&server, &config)$($await)*.unwrap_err();
                let elapsed = t.elapsed();
                assert!(e.is_abort(), "{e:?}");
                assert_eq!(e.cause(), Cause::Tls, "{e:?}");
                let tr = &server.finish().transcripts[0];
                no_credentials(tr);
                assert!(tr.received.starts_with(b"BCDE0 STARTTLS\r\n\x16\x03"));
                report(
                    "STARTTLS injection, next segment (require_tls)",
                    format!("{:?}/{:?}: {}", e.kind(), e.cause(), e.message()),
                    elapsed,
                    "-",
                );

                // With starttls() on a plain connection: nothing injected was parsed.
                let server = Server::start(script());
                let mut m = connect(&server, &cfg())$($await)*.unwrap();
                let e = m.starttls()$($await)*.unwrap_err();
                assert_eq!(e.cause(), Cause::Tls, "{e:?}");
                assert!(!m.has_capability("AUTH=PLAIN"));
                assert!(!m.is_secure());
                assert!(m.untagged_responses().all(|(t, _)| t != "CAPABILITY"));
                assert_eq!(m.response("ALERT").data, vec![Item::None]);
                drop(m);
                server.finish();
            })
        }

        #[test]
        fn starttls_injection_racing_the_handshake() {
            run($($async)* {
                // Two writes back to back: whether the client reads them together or apart, it
                // fails, either on the injection check or in the TLS layer, at once, and never
                // sends a credential.
                let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
                let t = Instant::now();
                for _ in 0..20 {
                    let server = Server::start(
                        Script::new()
                            .send(STARTTLS_GREETING)
                            .expect("STARTTLS")
                            .reply("{tag} OK Begin TLS negotiation now\r\n")
                            .send(INJECTED)
                            .wait_for_close(),
                    );
                    let config = cfg()
                        .with_require_tls(true)
                        .with_timeout(Some(Duration::from_secs(2)));
                    let t1 = Instant::now();
                    let e = connect(&server, &config)$($await)*.unwrap_err();
                    let elapsed = t1.elapsed();
                    assert!(e.is_abort(), "{e:?}");
                    assert!(
                        elapsed < Duration::from_secs(1),
                        "{elapsed:?} to fail ({e}): the client waited for a TLS handshake"
                    );
                    *outcomes.entry(format!("{:?}", e.cause())).or_default() += 1;
                    assert!(
                        (e.cause() == Cause::Protocol && e.message().contains("injection"))
                            || e.cause() == Cause::Tls,
                        "{e:?}"
                    );
                    no_credentials(&server.finish().transcripts[0]);
                }
                report(
                    "STARTTLS OK and injection in two back-to-back writes (×20)",
                    format!("abort each time, by cause: {outcomes:?}"),
                    t.elapsed(),
                    "-",
                );
            })
        }

        #[test]
        fn starttls_success_discards_pre_tls_state() {
            run($($async)* {
                let id = tls_identity();
                let server = Server::start(
                    Script::new()
                        .send(STARTTLS_GREETING)
                        .send("* OK [ALERT] cleartext alert\r\n")
                        .expect("STARTTLS")
                        .reply("* CAPABILITY IMAP4rev1 AUTH=PLAIN FORGED\r\n{tag} OK Begin TLS negotiation now\r\n")
                        .start_tls(id.server.clone())
                        .expect("CAPABILITY")
                        .reply("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK CAPABILITY completed\r\n")
                        .expect("NOOP")
                        .reply("* OK [ALERT] secure alert\r\n{tag} OK NOOP completed\r\n")
                        .expect("LOGIN")
                        .reply("{tag} OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] LOGIN completed\r\n")
                        .respond(),
                );
                let config = cfg()
                    .with_require_tls(true)
                    .with_tls(imaplib_proto::tls::config_with_only_ca_pem(&id.cert_pem).unwrap())
                    .with_tls_server_name("localhost");
                let t = Instant::now();
                let mut m = connect(&server, &config)$($await)*.unwrap();
                assert!(m.is_secure());
                assert_eq!(m.capabilities(), ["IMAP4REV1", "AUTH=PLAIN"]);
                assert_eq!(m.response("ALERT").data, vec![Item::None]);
                let _ = m.noop()$($await)*.unwrap();
                // Over TLS an ALERT is one (imaplib stores the code's data: none here).
                assert_eq!(m.response("ALERT").python_repr(), "('ALERT', [b''])");
                let _ = m.login("alice", "pw")$($await)*.unwrap();
                assert_eq!(m.state(), State::Auth);
                let _ = m.logout()$($await)*.unwrap();
                let tr = &server.finish().transcripts[0];
                assert!(tr.error.is_none(), "{:?}", tr.error);
                assert_eq!(
                    tr.command_names(),
                    ["STARTTLS", "CAPABILITY", "NOOP", "LOGIN", "LOGOUT"]
                );
                report(
                    "STARTTLS accepted (scripted TLS server)",
                    "OK; pre-TLS CAPABILITY/ALERT discarded, post-TLS ALERT stored",
                    t.elapsed(),
                    "-",
                );
            })
        }

        #[test]
        fn starttls_handshake_failures_never_fall_back_to_cleartext() {
            run($($async)* {
                let id = tls_identity();
                // STARTTLS accepted, then a certificate the client does not trust; then a server
                // that closes right after its OK.
                let untrusted = Script::new()
                    .send(STARTTLS_GREETING)
                    .expect("STARTTLS")
                    .reply("{tag} OK Begin TLS negotiation now\r\n")
                    .start_tls(id.server.clone())
                    .respond();
                let closing = Script::new()
                    .send(STARTTLS_GREETING)
                    .expect("STARTTLS")
                    .reply("{tag} OK Begin TLS negotiation now\r\n");
                for (name, script) in [
                    ("STARTTLS OK, untrusted certificate", untrusted),
                    ("STARTTLS OK, then the server closes", closing),
                ] {
                    let server = Server::start(script);
                    let config = cfg().with_require_tls(true);
                    let t = Instant::now();
                    let e = connect(&server, &config)$($await)*.unwrap_err();
                    let elapsed = t.elapsed();
                    assert!(e.is_abort(), "{name}: {e:?}");
                    assert!(matches!(e.cause(), Cause::Tls | Cause::Io), "{name}: {e:?}");
                    let tr = &server.finish().transcripts[0];
                    no_credentials(tr);
                    assert_eq!(tr.command_names(), ["STARTTLS"], "{name}");
                    assert!(elapsed < Duration::from_secs(2), "{name}: {elapsed:?}");
                    report(
                        name,
                        format!("{:?}/{:?}: {}", e.kind(), e.cause(), e.message()),
                        elapsed,
                        "-",
                    );
                }
            })
        }

        #[test]
        fn starttls_refused_or_missing_in_require_tls_mode() {
            run($($async)* {
                struct Case {
                    name: &'static str,
                    script: Script,
                    kind: ErrorKind,
                    cause: Cause,
                    message: &'static str,
                }
                let refused = |answer: &str| {
                    Script::new()
                        .send(STARTTLS_GREETING.replace("LOGINDISABLED", "AUTH=PLAIN"))
                        .expect("STARTTLS")
                        .reply(answer)
                        .respond()
                };
                let cases = vec![
                    Case {
                        name: "STARTTLS missing from CAPABILITY",
                        script: Script::new()
                            .send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
                            .respond(),
                        kind: ErrorKind::Abort,
                        cause: Cause::Unsupported,
                        message: "TLS not supported by server",
                    },
                    Case {
                        name: "STARTTLS missing (asked with CAPABILITY)",
                        script: Script::new()
                            .send("* OK ready\r\n")
                            .expect("CAPABILITY")
                            .reply("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done\r\n")
                            .respond(),
                        kind: ErrorKind::Abort,
                        cause: Cause::Unsupported,
                        message: "TLS not supported by server",
                    },
                    Case {
                        name: "STARTTLS answered NO",
                        script: refused("{tag} NO not today\r\n"),
                        kind: ErrorKind::Error,
                        cause: Cause::Server,
                        message: "Couldn't establish TLS session",
                    },
                    Case {
                        name: "STARTTLS answered BAD",
                        script: refused("{tag} BAD what\r\n"),
                        kind: ErrorKind::Error,
                        cause: Cause::Server,
                        message: "STARTTLS command error: BAD [b'what']",
                    },
                    Case {
                        name: "STARTTLS answered +",
                        script: refused("+ go ahead\r\n"),
                        kind: ErrorKind::Abort,
                        cause: Cause::Protocol,
                        message: "unexpected continuation",
                    },
                    Case {
                        name: "PREAUTH greeting on cleartext",
                        script: Script::new()
                            .send("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] Logged in as alice\r\n")
                            .respond(),
                        kind: ErrorKind::Abort,
                        cause: Cause::TlsPolicy,
                        message: "PREAUTH",
                    },
                    Case {
                        name: "PREAUTH greeting without STARTTLS",
                        script: Script::new()
                            .send("* PREAUTH [CAPABILITY IMAP4rev1] Logged in as alice\r\n")
                            .respond(),
                        kind: ErrorKind::Abort,
                        cause: Cause::TlsPolicy,
                        message: "PREAUTH",
                    },
                ];
                for (i, case) in cases.into_iter().enumerate() {
                    let server = Server::start(case.script);
                    let t = Instant::now();
                    // Both entry points: connect_with(require_tls) and connect_starttls.
                    let e = if i % 2 == 0 {
                        let config = cfg().with_require_tls(true);
                        connect(&server, &config)$($await)*.unwrap_err()
                    } else {
                        Client::connect_starttls("127.0.0.1", server.port(), &cfg())
                            $($await)*
                            .unwrap_err()
                    };
                    let elapsed = t.elapsed();
                    let tr = &server.finish().transcripts[0];
                    assert_eq!(
                        (e.kind(), e.cause()),
                        (case.kind, case.cause),
                        "{}: {e:?}",
                        case.name
                    );
                    assert!(e.message().contains(case.message), "{}: {e}", case.name);
                    no_credentials(tr);
                    // Only STARTTLS/CAPABILITY, and the farewell LOGOUT of a dropped client.
                    for c in tr.command_names() {
                        assert!(
                            ["STARTTLS", "CAPABILITY", "LOGOUT"].contains(&c.as_str()),
                            "{}: {c}",
                            case.name
                        );
                    }
                    if case.cause == Cause::TlsPolicy {
                        assert!(tr.received.is_empty(), "{}: {:?}", case.name, tr.received);
                    }
                    assert!(
                        elapsed < Duration::from_secs(2),
                        "{}: {elapsed:?}",
                        case.name
                    );
                    report(
                        case.name,
                        format!(
                            "{:?}/{:?}: {}; server got {:?}",
                            e.kind(),
                            e.cause(),
                            e.message(),
                            tr.command_names()
                        ),
                        elapsed,
                        "-",
                    );
                }
            })
        }

        // ----- state tampering -----------------------------------------------------------------

        #[test]
        fn untagged_data_before_login_is_not_stored() {
            run($($async)* {
                let forged = "* 5 EXISTS\r\n* OK [READ-ONLY] gotcha\r\n* 1 FETCH (FLAGS (\\Seen))\r\n\
                              * LIST () \"/\" evil\r\n* FLAGS (\\Evil)\r\n* 2 EXPUNGE\r\n\
                              * OK [UIDVALIDITY 666] forged\r\n* OK [PERMANENTFLAGS (\\*)] forged\r\n";
                let server = Server::start(
                    Script::new()
                        .send(format!("{GREETING}{forged}"))
                        .expect("NOOP")
                        .reply(&format!("{forged}{{tag}} OK NOOP completed\r\n"))
                        .expect("LOGIN")
                        .reply(&format!(
                            "{forged}{{tag}} OK [CAPABILITY IMAP4rev1] LOGIN completed\r\n"
                        ))
                        .expect("SELECT")
                        .reply("* 2 EXISTS\r\n{tag} OK [READ-WRITE] SELECT completed\r\n")
                        .respond(),
                );
                let t = Instant::now();
                let mut m = connect(&server, &cfg())$($await)*.unwrap();
                let forged_types = [
                    "EXISTS",
                    "READ-ONLY",
                    "FETCH",
                    "LIST",
                    "FLAGS",
                    "EXPUNGE",
                    "UIDVALIDITY",
                    "PERMANENTFLAGS",
                ];
                let stored = |m: &Client| -> Vec<String> {
                    m.untagged_responses()
                        .map(|(t, _)| t.to_string())
                        .filter(|t| forged_types.contains(&t.as_str()))
                        .collect()
                };
                assert_eq!(stored(&m), Vec::<String>::new());
                assert_eq!(m.noop()$($await)*.unwrap().typ, "OK");
                assert_eq!(stored(&m), Vec::<String>::new());
                let _ = m.login("alice", "pw")$($await)*.unwrap();
                assert_eq!(stored(&m), Vec::<String>::new());
                let dropped = m.connection().diagnostics().dropped_untagged;
                assert_eq!(dropped, 24, "8 forged responses, 3 times");
                // A forged READ-ONLY would have turned this SELECT into a readonly error.
                assert_eq!(
                    m.select("INBOX", false)$($await)*.unwrap().python_repr(),
                    "('OK', [b'2'])"
                );
                assert!(!m.is_readonly());
                let _ = m.logout()$($await)*.unwrap();
                assert!(server.finish().transcripts[0].error.is_none());
                report(
                    "untagged EXISTS/READ-ONLY/FETCH/LIST/FLAGS/EXPUNGE/codes before LOGIN",
                    format!("not stored ({dropped} dropped); NOOP, LOGIN, SELECT work"),
                    t.elapsed(),
                    "-",
                );
            })
        }

        #[test]
        fn mailbox_data_in_the_authenticated_state_is_not_stored() {
            run($($async)* {
                let forged =
                    "* 3 EXISTS\r\n* 1 FETCH (FLAGS (\\Seen))\r\n* 2 EXPUNGE\r\n* FLAGS (\\Evil)\r\n\
                              * OK [READ-ONLY] forged\r\n* OK [UIDVALIDITY 666] forged\r\n";
                let server = Server::start(
                    Script::new()
                        .send(GREETING)
                        .expect("LOGIN")
                        .reply(&format!(
                            "{{tag}} OK [CAPABILITY IMAP4rev1] LOGIN completed\r\n{forged}"
                        ))
                        .expect("NOOP")
                        .reply(&format!("{forged}{{tag}} OK NOOP completed\r\n"))
                        .expect("SELECT")
                        .reply(
                            "* FLAGS (\\Seen)\r\n* 7 EXISTS\r\n{tag} OK [READ-WRITE] SELECT completed\r\n",
                        )
                        .expect("NOOP")
                        .reply("* 8 EXISTS\r\n{tag} OK NOOP completed\r\n")
                        .respond(),
                );
                let mut m = connect(&server, &cfg())$($await)*.unwrap();
                let _ = m.login("alice", "pw")$($await)*.unwrap();
                let _ = m.noop()$($await)*.unwrap();
                for t in [
                    "EXISTS",
                    "FETCH",
                    "EXPUNGE",
                    "FLAGS",
                    "READ-ONLY",
                    "UIDVALIDITY",
                ] {
                    assert_eq!(m.response(t).data, vec![Item::None], "{t} stored in AUTH");
                }
                assert_eq!(m.connection().diagnostics().dropped_untagged, 12);
                assert_eq!(
                    m.select("INBOX", false)$($await)*.unwrap().python_repr(),
                    "('OK', [b'7'])"
                );
                let _ = m.noop()$($await)*.unwrap();
                // In the selected state the same data is the mailbox's.
                assert_eq!(
                    m.response("EXISTS").python_repr(),
                    "('EXISTS', [b'7', b'8'])"
                );
                let _ = m.logout()$($await)*.unwrap();
                server.finish();
            })
        }

        #[test]
        fn recent_outside_the_selected_state_is_not_stored() {
            run($($async)* {
                // RECENT is mailbox-size data (RFC 3501 7.3.2) like EXISTS: outside the selected
                // state it describes no mailbox, and recent() must not return it.
                let server = Server::start(
                    Script::new()
                        .send(GREETING)
                        .send("* 9 RECENT\r\n")
                        .expect("LOGIN")
                        .reply("* 9 RECENT\r\n{tag} OK [CAPABILITY IMAP4rev1] LOGIN completed\r\n")
                        .expect("NOOP")
                        .reply("* 9 RECENT\r\n{tag} OK NOOP completed\r\n")
                        .respond(),
                );
                let mut m = connect(&server, &cfg())$($await)*.unwrap();
                let _ = m.login("alice", "pw")$($await)*.unwrap();
                let _ = m.noop()$($await)*.unwrap();
                let stored: Vec<_> = m
                    .untagged_responses()
                    .filter(|(t, _)| *t == "RECENT")
                    .map(|(_, v)| v.to_vec())
                    .collect();
                drop(m);
                server.finish();
                assert!(
                    stored.is_empty(),
                    "RECENT stored outside SELECTED: {stored:?}"
                );
            })
        }

        #[test]
        fn unknown_tags_abort() {
            run($($async)* {
                // The pending command is BCDE0 (NOOP).
                for line in [
                    "BCDE9 OK what?",
                    "BCDE00 OK leading zero",
                    "BCDE000 OK leading zeros",
                    "XYZW0 OK not ours",
                    "bcde0 OK lower case",
                    "BCDE OK no number",
                    "BCDE99999999999999999999999 OK overflow",
                ] {
                    let server = Server::start(
                        Script::new()
                            .send(GREETING)
                            .expect("NOOP")
                            .reply(&format!("{line}\r\n"))
                            .wait_for_close(),
                    );
                    let mut m = connect(&server, &cfg())$($await)*.unwrap();
                    let t = Instant::now();
                    let e = m.noop()$($await)*.unwrap_err();
                    let elapsed = t.elapsed();
                    assert!(e.is_abort(), "{line}: {e:?}");
                    assert_eq!(e.cause(), Cause::Protocol, "{line}: {e:?}");
                    assert!(e.bytes().is_some(), "{line}: {e:?}");
                    // The connection is dead, and the client says so without another byte.
                    assert!(m.noop()$($await)*.unwrap_err().is_abort());
                    drop(m);
                    let tr = &server.finish().transcripts[0];
                    assert_eq!(tr.command_names(), ["NOOP"], "{line}");
                    report(
                        &format!("tagged reply {line:?} to BCDE0"),
                        format!("{:?}/{:?}: {}", e.kind(), e.cause(), e.message()),
                        elapsed,
                        "-",
                    );
                }
            })
        }

        #[test]
        fn alerts_on_cleartext_are_not_alerts() {
            run($($async)* {
                let t = Instant::now();
                let server = Server::start(
                    Script::new()
                        .send("* OK [ALERT] Your account is locked: call 555-1234\r\n")
                        .expect("CAPABILITY")
                        .reply("* CAPABILITY IMAP4rev1\r\n* OK [ALERT] second\r\n{tag} OK done\r\n")
                        .expect("NOOP")
                        .reply("* OK [ALERT] third\r\n{tag} OK [ALERT] tagged\r\n")
                        .expect("LOGIN")
                        .reply("{tag} OK [ALERT] logged in\r\n")
                        .respond(),
                );
                let mut m = connect(&server, &cfg())$($await)*.unwrap();
                assert!(!m.is_secure());
                let _ = m.noop()$($await)*.unwrap();
                assert_eq!(m.response("ALERT").data, vec![Item::None]);
                // The text itself is kept as ordinary data.
                let ok = m.response("OK").python_repr();
                assert!(ok.contains("third"), "{ok}");
                let _ = m.login("alice", "pw")$($await)*.unwrap();
                assert_eq!(m.response("ALERT").data, vec![Item::None]);
                assert!(m.connection().diagnostics().dropped_untagged >= 4);
                let _ = m.logout()$($await)*.unwrap();
                server.finish();

                // Implicit TLS: the greeting's ALERT is an alert.
                let id = tls_identity();
                let server = Server::start(
                    Script::new()
                        .start_tls(id.server.clone())
                        .send("* OK [ALERT] maintenance at noon\r\n")
                        .expect("CAPABILITY")
                        .reply("* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n")
                        .respond(),
                );
                let config = cfg()
                    .with_tls(imaplib_proto::tls::config_with_only_ca_pem(&id.cert_pem).unwrap())
                    .with_tls_server_name("localhost");
                let mut m = Client::connect_tls_with("127.0.0.1", server.port(), &config)
                    $($await)*
                    .unwrap();
                assert!(m.is_secure());
                assert_eq!(m.response("ALERT").python_repr(), "('ALERT', [b''])");
                let _ = m.logout()$($await)*.unwrap();
                server.finish();
                report(
                    "[ALERT] on cleartext vs implicit TLS",
                    "cleartext: 5 ALERTs not stored, text kept under OK; TLS: stored",
                    t.elapsed(),
                    "-",
                );
            })
        }

        #[test]
        fn referrals_are_never_followed() {
            run($($async)* {
                // A decoy listener the referrals point at, and the main server: neither may see a
                // second connection.
                let decoy = Server::serve(|_| None);
                let url = format!("imap://alice@127.0.0.1:{}/", decoy.port());
                let server = Server::start(
                    Script::new()
                        .send(GREETING)
                        .expect("LOGIN")
                        .reply(&format!(
                            "{{tag}} NO [REFERRAL {url}] Specified user is invalid on this server. Try there.\r\n"
                        ))
                        .expect("LOGIN")
                        .reply(&format!(
                            "{{tag}} OK [REFERRAL {url}] Logged in; you may prefer the other server\r\n"
                        ))
                        .expect("CAPABILITY")
                        .reply("* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n")
                        .expect("SELECT")
                        .reply(&format!("{{tag}} NO [REFERRAL {url}REMOTE] Remote mailbox.\r\n"))
                        .respond(),
                );
                let t = Instant::now();
                let mut m = connect(&server, &cfg())$($await)*.unwrap();
                let e = m.login("alice", "pw")$($await)*.unwrap_err();
                assert_eq!((e.kind(), e.cause()), (ErrorKind::Error, Cause::Server));
                assert_eq!(
                    e.message(),
                    format!("[REFERRAL {url}] Specified user is invalid on this server. Try there.")
                );
                assert_eq!(m.state(), State::NonAuth);
                assert_eq!(
                    m.response("REFERRAL").python_repr(),
                    format!("('REFERRAL', [b'{url}'])")
                );
                let r = m.login("alice", "pw")$($await)*.unwrap();
                assert_eq!(r.typ, "OK");
                assert_eq!(
                    m.response("REFERRAL").python_repr(),
                    format!("('REFERRAL', [b'{url}'])")
                );
                let r = m.select("REMOTE", false)$($await)*.unwrap();
                assert_eq!(
                    r.python_repr(),
                    format!("('NO', [b'[REFERRAL {url}REMOTE] Remote mailbox.'])")
                );
                assert_eq!(m.state(), State::Auth);
                assert_eq!(
                    m.response("REFERRAL").python_repr(),
                    format!("('REFERRAL', [b'{url}REMOTE'])")
                );
                let _ = m.logout()$($await)*.unwrap();
                std::thread::sleep(Duration::from_millis(100));
                let main = server.finish();
                let decoy = decoy.finish();
                assert_eq!(main.extra_connections, 0);
                assert_eq!(decoy.extra_connections, 0);
                assert!(
                    main.transcripts[0].error.is_none(),
                    "{:?}",
                    main.transcripts[0].error
                );
                report(
                    "NO/OK [REFERRAL] on LOGIN and SELECT",
                    "error text / NO reply / REFERRAL data; 0 connections to the referred or same server",
                    t.elapsed(),
                    "-",
                );
            })
        }

        // ----- hostile framing -----------------------------------------------------------------

        #[test]
        fn hostile_literal_headers() {
            run($($async)* {
                struct Case {
                    header: &'static str,
                    limits: Limits,
                    /// `Ok(repr)` or `Err((cause, message part))`.
                    want: Result<&'static str, (Cause, &'static str)>,
                }
                let raised = Limits {
                    max_literal: u64::MAX,
                    max_response: u64::MAX,
                    ..Limits::default()
                };
                let cases = [
                    Case {
                        header: "{99999999999}",
                        limits: Limits::default(),
                        want: Err((
                            Cause::Limit,
                            "literal of 99999999999 bytes exceeds the limit",
                        )),
                    },
                    Case {
                        header: "{4294967296}",
                        limits: Limits::default(),
                        want: Err((
                            Cause::Limit,
                            "literal of 4294967296 bytes exceeds the limit",
                        )),
                    },
                    Case {
                        header: "{99999999999999999999999}",
                        limits: Limits::default(),
                        want: Err((Cause::Limit, "does not fit in 64 bits")),
                    },
                    Case {
                        header: "{99999999999999999999999}",
                        limits: raised,
                        want: Err((Cause::Limit, "does not fit in 64 bits")),
                    },
                    Case {
                        header: "{-1}",
                        limits: Limits::default(),
                        want: Ok("('OK', [b'1 (BODY[] {-1}'])"),
                    },
                    Case {
                        header: "{}",
                        limits: Limits::default(),
                        want: Ok("('OK', [b'1 (BODY[] {}'])"),
                    },
                    Case {
                        header: "{+}",
                        limits: Limits::default(),
                        want: Ok("('OK', [b'1 (BODY[] {+}'])"),
                    },
                ];
                for case in cases {
                    let tail = match case.want {
                        Ok(_) => "{tag} OK FETCH completed\r\n",
                        Err(_) => "",
                    };
                    let server = Server::start(fetch_session(
                        &format!("* 1 FETCH (BODY[] {}\r\n{tail}", case.header),
                        if case.want.is_err() { 64 * MIB } else { 0 },
                    ));
                    let config = cfg().with_limits(case.limits);
                    let measure = mem::measure();
                    let (result, consumed, stored) = {
                        let mut m = connect(&server, &config)$($await)*.unwrap();
                        login_select(&mut m)$($await)*;
                        let r = m.fetch("1", "(BODY[])")$($await)*;
                        let d = m.connection().diagnostics();
                        let stored = m.connection().stored_bytes();
                        drop(m);
                        (r, d.frames.bytes, stored)
                    };
                    let (growth, elapsed) = measure.finish();
                    let tr = server.finish();
                    let tr = &tr.transcripts[0];
                    let outcome = match (&case.want, &result) {
                        (Ok(repr), Ok(r)) => {
                            assert_eq!(r.python_repr(), *repr, "{}", case.header);
                            format!("parsed as a line: {repr}")
                        }
                        (Err((cause, msg)), Err(e)) => {
                            assert!(e.is_abort(), "{}: {e:?}", case.header);
                            assert_eq!(e.cause(), *cause, "{}: {e:?}", case.header);
                            assert!(e.message().contains(msg), "{}: {e}", case.header);
                            // The client stopped reading at the header: what it consumed is at most
                            // one read beyond it, and the flood behind it was refused.
                            assert!(
                                consumed < 200 + 64 * 1024,
                                "{}: consumed {consumed}",
                                case.header
                            );
                            assert!(
                                tr.sent < 40 * MIB,
                                "{}: the server wrote {}",
                                case.header,
                                tr.sent
                            );
                            format!("{:?}/{:?}: {}", e.kind(), e.cause(), e.message())
                        }
                        (want, got) => panic!("{}: want {want:?}, got {got:?}", case.header),
                    };
                    assert!(
                        growth < 16 * 1024,
                        "{}: peak grew {growth} KiB",
                        case.header
                    );
                    report(
                        &format!(
                            "literal header {}{}",
                            case.header,
                            if case.limits == raised {
                                " (limits raised to u64::MAX)"
                            } else {
                                ""
                            }
                        ),
                        outcome,
                        elapsed,
                        &format!(
                            "client consumed {consumed} B, stored {stored} B, peak RSS +{}",
                            kib(growth)
                        ),
                    );
                }
            })
        }

        #[test]
        fn literal_larger_than_u32_with_raised_limits_grows_only_with_received_bytes() {
            run($($async)* {
                // With the limits raised, {4294967296} is a 4 GiB literal: the client must not
                // reserve it, only what arrives (here 8 MiB, then the server closes).
                let server = Server::start(
                    selected()
                        .expect("FETCH")
                        .reply("* 1 FETCH (BODY[] {4294967296}\r\n")
                        .send_repeated(b"B", 8 * MIB, 64 * 1024),
                );
                let config = cfg().with_limits(Limits {
                    max_literal: u64::MAX,
                    max_response: u64::MAX,
                    ..Limits::default()
                });
                let measure = mem::measure();
                let e = {
                    let mut m = connect(&server, &config)$($await)*.unwrap();
                    login_select(&mut m)$($await)*;
                    m.fetch("1", "(BODY[])")$($await)*.unwrap_err()
                };
                let (growth, elapsed) = measure.finish();
                assert!(e.is_abort() && e.cause() == Cause::Io, "{e:?}");
                assert!(e.message().contains("EOF"), "{e}");
                assert!(
                    growth < 64 * 1024,
                    "peak grew {growth} KiB for 8 MiB received"
                );
                server.finish();
                report(
                    "literal header {4294967296} with limits raised, 8 MiB then EOF",
                    format!("{:?}/{:?}: {}", e.kind(), e.cause(), e.message()),
                    elapsed,
                    &format!("peak RSS +{}", kib(growth)),
                );
            })
        }

        #[test]
        fn endless_line_stops_at_the_default_limit() {
            run($($async)* {
                // A 1 GiB greeting without CRLF; the client must stop at 64 MiB.
                let server = Server::start(
                    Script::new()
                        .send("* OK ")
                        .send_repeated(b"x", 1 << 30, 64 * 1024)
                        .wait_for_close(),
                );
                let measure = mem::measure();
                let e = connect(&server, &cfg())$($await)*.unwrap_err();
                let (growth, elapsed) = measure.finish();
                let tr = server.finish();
                let sent = tr.transcripts[0].sent;
                assert!(e.is_abort(), "{e:?}");
                assert_eq!(e.cause(), Cause::Limit);
                assert_eq!(e.message(), "got more than 67108864 bytes");
                assert!(
                    sent < 64 * MIB + 32 * MIB,
                    "the server pushed {sent} bytes: the client kept reading"
                );
                assert!(
                    growth < (64 + 64) * 1024,
                    "peak RSS grew {growth} KiB for a 64 MiB limit"
                );
                report(
                    "1 GiB line without CRLF (greeting), default max_line 64 MiB",
                    format!("{:?}/{:?}: {}", e.kind(), e.cause(), e.message()),
                    elapsed,
                    &format!(
                        "server wrote {:.1} MiB before the client closed; peak RSS +{}",
                        sent as f64 / MIB as f64,
                        kib(growth)
                    ),
                );
            })
        }

        #[test]
        fn endless_line_stops_at_a_configured_limit() {
            run($($async)* {
                let server = Server::start(
                    selected()
                        .expect("NOOP")
                        .send("* OK ")
                        .send_repeated(b"y", 1 << 30, 64 * 1024)
                        .wait_for_close(),
                );
                let config = cfg().with_limits(Limits {
                    max_line: 1 << 20,
                    ..Limits::default()
                });
                let measure = mem::measure();
                let e = {
                    let mut m = connect(&server, &config)$($await)*.unwrap();
                    login_select(&mut m)$($await)*;
                    m.noop()$($await)*.unwrap_err()
                };
                let (growth, elapsed) = measure.finish();
                let sent = server.finish().transcripts[0].sent;
                assert!(e.is_abort(), "{e:?}");
                assert_eq!(e.cause(), Cause::Limit);
                assert_eq!(e.message(), "command: NOOP => got more than 1048576 bytes");
                assert!(sent < 32 * MIB, "the server pushed {sent} bytes");
                assert!(growth < 32 * 1024, "peak RSS grew {growth} KiB");
                report(
                    "1 GiB line in a NOOP reply, max_line 1 MiB",
                    format!("{:?}/{:?}: {}", e.kind(), e.cause(), e.message()),
                    elapsed,
                    &format!(
                        "server wrote {:.1} MiB; peak RSS +{}",
                        sent as f64 / MIB as f64,
                        kib(growth)
                    ),
                );
            })
        }

        #[test]
        fn deep_parentheses_neither_recurse_nor_overflow() {
            run($($async)* {
                const N: usize = 100_000;
                let open = "(".repeat(N);
                let close = ")".repeat(N);
                let variants = [
                    ("balanced", format!("* 1 FETCH {open}{close}\r\n")),
                    (
                        "with a literal inside",
                        format!("* 1 FETCH {open}BODY[] {{5}}\r\nhello{close}\r\n"),
                    ),
                    ("unbalanced", format!("* 1 FETCH {open}\r\n")),
                    (
                        "FETCH item list",
                        format!("* 1 FETCH (UID 1 X {open}{close})\r\n"),
                    ),
                ];
                for (name, reply) in variants {
                    let server = Server::start(
                        selected()
                            .expect("FETCH")
                            .reply(&format!("{reply}{{tag}} OK FETCH completed\r\n"))
                            .respond(),
                    );
                    let mut m = connect(&server, &cfg())$($await)*.unwrap();
                    login_select(&mut m)$($await)*;
                    let t = Instant::now();
                    let r = m.fetch("1", "(UID)")$($await)*.unwrap();
                    let fetch_time = t.elapsed();
                    assert_eq!(r.typ, "OK");
                    let got: usize = r
                        .data
                        .iter()
                        .map(|i| match i {
                            Item::Line(l) => l.len(),
                            Item::Literal(h, d) => h.len() + d.len(),
                            _ => 0,
                        })
                        .sum();
                    assert!(got >= N, "{name}: {got}");
                    // The typed view refuses the nesting with an error, quickly.
                    let t = Instant::now();
                    let views: Vec<_> = parse::fetches(&r).collect();
                    let parse_time = t.elapsed();
                    assert_eq!(views.len(), 1, "{name}");
                    let err = views[0].as_ref().map(|_| ()).unwrap_err();
                    assert!(
                        parse_time < Duration::from_secs(1),
                        "{name}: {parse_time:?}"
                    );
                    let _ = m.logout()$($await)*.unwrap();
                    server.finish();
                    report(
                        &format!("100 000 nested parentheses in FETCH ({name})"),
                        format!("FETCH OK ({got} B); parse::fetches → Err({err})"),
                        fetch_time + parse_time,
                        "-",
                    );
                }
            })
        }

        #[test]
        fn a_million_unsolicited_exists() {
            run($($async)* {
                const N: u32 = 1_000_000;
                let flood = exists_flood(N);

                // Selected state, default max_stored: stored, bounded.
                let server = Server::start(
                    selected()
                        .expect("NOOP")
                        .send(&flood)
                        .reply("{tag} OK NOOP completed\r\n")
                        .respond(),
                );
                let measure = mem::measure();
                let (stored, items) = {
                    let mut m = connect(&server, &cfg())$($await)*.unwrap();
                    login_select(&mut m)$($await)*;
                    let _ = m.noop()$($await)*.unwrap();
                    let stored = m.connection().stored_bytes();
                    let exists = m.response("EXISTS");
                    let items = exists.data.len();
                    assert_eq!(
                        exists.data.last(),
                        Some(&Item::Line(N.to_string().into_bytes()))
                    );
                    let _ = m.logout()$($await)*.unwrap();
                    (stored, items)
                };
                let (growth, elapsed) = measure.finish();
                server.finish();
                assert_eq!(items, N as usize + 1, "SELECT's EXISTS and the flood");
                assert!(growth < 512 * 1024, "peak RSS grew {growth} KiB");
                report(
                    "1 000 000 × '* n EXISTS' in SELECTED, default max_stored",
                    format!("stored: {items} items, {stored} accounted bytes"),
                    elapsed,
                    &format!(
                        "peak RSS +{} ({:.0} B per item; {:.1} MiB of input)",
                        kib(growth),
                        growth as f64 * 1024.0 / items as f64,
                        flood.len() as f64 / MIB as f64
                    ),
                );

                // Small max_stored: a clear abort.
                let server = Server::start(
                    selected()
                        .expect("NOOP")
                        .send(&flood)
                        .reply("{tag} OK NOOP completed\r\n")
                        .wait_for_close(),
                );
                let config = cfg().with_max_stored(1 << 20);
                let measure = mem::measure();
                let (e, stored) = {
                    let mut m = connect(&server, &config)$($await)*.unwrap();
                    login_select(&mut m)$($await)*;
                    let e = m.noop()$($await)*.unwrap_err();
                    (e, m.connection().stored_bytes())
                };
                let (growth, elapsed) = measure.finish();
                server.finish();
                assert!(e.is_abort(), "{e:?}");
                assert_eq!(e.cause(), Cause::Limit);
                assert!(e.message().contains("max_stored"), "{e}");
                assert!(stored <= 1 << 20);
                assert!(growth < 64 * 1024, "peak RSS grew {growth} KiB");
                report(
                    "1 000 000 × EXISTS in SELECTED, max_stored 1 MiB",
                    format!("{:?}/{:?}: {}", e.kind(), e.cause(), e.message()),
                    elapsed,
                    &format!("stored {stored} B; peak RSS +{}", kib(growth)),
                );

                // Before LOGIN: dropped, nothing stored.
                let server = Server::start(
                    Script::new()
                        .send(GREETING)
                        .expect("NOOP")
                        .send(&flood)
                        .reply("{tag} OK NOOP completed\r\n")
                        .respond(),
                );
                let measure = mem::measure();
                let (dropped, stored) = {
                    let mut m = connect(&server, &cfg())$($await)*.unwrap();
                    let _ = m.noop()$($await)*.unwrap();
                    let d = m.connection().diagnostics().dropped_untagged;
                    let s = m.connection().stored_bytes();
                    let _ = m.logout()$($await)*.unwrap();
                    (d, s)
                };
                let (growth, elapsed) = measure.finish();
                server.finish();
                assert_eq!(dropped, N as u64);
                assert!(stored < 1024, "{stored}");
                assert!(growth < 64 * 1024, "peak RSS grew {growth} KiB");
                report(
                    "1 000 000 × EXISTS before LOGIN",
                    format!("all dropped ({dropped}), {stored} B stored"),
                    elapsed,
                    &format!("peak RSS +{}", kib(growth)),
                );
            })
        }

        // ----- literal assembly in linear time -------------------------------------------------

        /// Fetches a literal of `size` bytes that the server writes in `chunk`-byte writes; returns
        /// the wall time and the client thread's CPU time for the FETCH, and the framer's counters
        /// for the session. The caller holds [`mem::exclusive`] when it measures.
        $($async)* fn timed_literal(size: u64, chunk: usize) -> (Duration, Duration, FrameStats) {
            let server = Server::start(
                selected()
                    .expect("FETCH")
                    .reply(&format!("* 1 FETCH (BODY[] {{{size}}}\r\n"))
                    .send_repeated(b"0123456789abcdef", size, chunk)
                    .reply(")\r\n{tag} OK FETCH completed\r\n")
                    .respond(),
            );
            let mut m = connect(&server, &cfg())$($await)*.unwrap();
            login_select(&mut m)$($await)*;
            let cpu0 = mem::thread_cpu();
            let t = Instant::now();
            let r = m.fetch("1", "(BODY[])")$($await)*.unwrap();
            let wall = t.elapsed();
            let cpu = mem::thread_cpu() - cpu0;
            match &r.data[0] {
                Item::Literal(_, d) => {
                    assert_eq!(d.len() as u64, size);
                    assert!(d.starts_with(b"0123456789abcdef0123"));
                }
                other => panic!("{other:?}"),
            }
            drop(r);
            let stats = m.connection().diagnostics().frames;
            let _ = m.logout()$($await)*.unwrap();
            server.finish();
            (wall, cpu, stats)
        }

        #[test]
        fn a_100_mib_literal_in_4_kib_writes() {
            run($($async)* {
                let size = 100 * MIB;
                let measure = mem::measure();
                let (wall, cpu, _) = timed_literal(size, 4096)$($await)*;
                let (growth, elapsed) = measure.finish();
                assert!(
                    growth < 3 * size / 1024,
                    "peak RSS grew {growth} KiB for a 100 MiB literal"
                );
                assert!(wall < Duration::from_secs(30), "{wall:?}");
                report(
                    "100 MiB literal in 4 KiB writes",
                    "FETCH OK, literal intact",
                    elapsed,
                    &format!(
                        "FETCH {wall:.2?}: {:.0} MiB/s, client CPU {cpu:.2?}; peak RSS +{} ({:.2}× the literal)",
                        100.0 / wall.as_secs_f64(),
                        kib(growth),
                        growth as f64 / (size / 1024) as f64
                    ),
                );
            })
        }

        #[test]
        // The lock only serializes measuring tests across test threads; the future is never
        // moved to another thread (block_on).
        #[allow(clippy::await_holding_lock)]
        fn literals_in_one_byte_writes_take_linear_time() {
            run($($async)* {
                // The server writes one byte per send() with TCP_NODELAY. Linearity is asserted on
                // the framer's work counter, which is deterministic; the timings are reported, not
                // asserted (a loaded CI machine makes them noisy; BENCHMARKS.md measures them
                // properly).
                let _guard = mem::exclusive();
                let (small, large) = (128 * 1024u64, MIB);
                let (w1, c1, s1) = timed_literal(small, 1)$($await)*;
                let (w2, c2, s2) = timed_literal(large, 1)$($await)*;
                let per_byte = |d: Duration, n: u64| d.as_secs_f64() * 1e9 / n as f64;
                let work = |s: &FrameStats| s.work as f64 / s.bytes as f64;
                let (k1, k2) = (work(&s1), work(&s2));
                report(
                    "128 KiB vs 1 MiB literal in 1-byte writes",
                    format!(
                        "framer work {k1:.2} vs {k2:.2} B per byte received; wall {:.0} vs {:.0} ns/B, client CPU {:.0} vs {:.0} ns/B",
                        per_byte(w1, small),
                        per_byte(w2, large),
                        per_byte(c1, small),
                        per_byte(c2, large),
                    ),
                    w1 + w2,
                    "-",
                );
                assert!(s1.bytes > small && s2.bytes > large);
                // A literal costs one copy plus less than one more while its buffer doubles: a
                // constant per byte at both sizes (a rescanning framer would grow with the size).
                assert!(
                    k1 < 2.5 && k2 < 2.5,
                    "framer work per byte {k1:.2} and {k2:.2}"
                );
            })
        }

        #[test]
        #[ignore = "long: 1 MiB vs 10 MiB in 1-byte writes (tens of seconds); timings only"]
        #[allow(clippy::await_holding_lock)]
        fn literals_in_one_byte_writes_take_linear_time_long() {
            run($($async)* {
                let _guard = mem::exclusive();
                let (w1, c1, s1) = timed_literal(MIB, 1)$($await)*;
                let (w2, c2, s2) = timed_literal(10 * MIB, 1)$($await)*;
                let r_wall = (w2.as_secs_f64() / 10.0) / w1.as_secs_f64();
                let r_cpu = (c2.as_secs_f64() / 10.0) / c1.as_secs_f64();
                report(
                    "1 MiB vs 10 MiB literal in 1-byte writes",
                    format!(
                        "per-byte ratio wall {r_wall:.2}, client CPU {r_cpu:.2}; framer work {:.2} vs {:.2} B/B",
                        s1.work as f64 / s1.bytes as f64,
                        s2.work as f64 / s2.bytes as f64
                    ),
                    w1 + w2,
                    "-",
                );
                assert!(s2.work < 3 * s2.bytes);
            })
        }

        // ----- cut connections and silence -----------------------------------------------------

        /// The realistic session's steps; `reached` counts those that succeeded.
        $($async)* fn cut_session(
            server: &Server,
            config: &Config,
            reached: &mut usize,
        ) -> imaplib_proto::Result<Reply> {
            let mut m = connect(server, config)$($await)*?;
            *reached = 1;
            let _ = m.login("alice", "pw")$($await)*?;
            *reached = 2;
            let _ = m.select("INBOX", false)$($await)*?;
            *reached = 3;
            let f = m.fetch("1", "(UID FLAGS BODY[])")$($await)*?;
            *reached = 4;
            let _ = m.logout()$($await)*?;
            *reached = 5;
            Ok(f)
        }

        #[test]
        fn connection_cut_at_every_byte_offset() {
            run($($async)* {
                let tags = ["BCDE0", "BCDE1", "BCDE2", "BCDE3", "BCDE4"];
                let (bytes, marks) = realistic_session().server_bytes(&tags);
                let total = bytes.len();
                let bye_end = marks[4] + "* BYE Logging out\r\n".len();
                // Where each step's answer is complete: connect (greeting + CAPABILITY), LOGIN,
                // SELECT, FETCH, LOGOUT (which completes on BYE).
                let ends = [marks[1], marks[2], marks[3], marks[4], bye_end];
                let steps = ["connect", "login", "select", "fetch", "logout"];
                let server = Server::serve(move |i| {
                    (i <= total).then(|| realistic_session().cut_after(i as u64))
                });
                let config = cfg();
                let t = Instant::now();
                let mut slowest = Duration::ZERO;
                let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
                for n in 0..=total {
                    let t1 = Instant::now();
                    let mut reached = 0;
                    let result = cut_session(&server, &config, &mut reached)$($await)*;
                    slowest = slowest.max(t1.elapsed());
                    let want = ends.iter().position(|&e| e > n).unwrap_or(5);
                    assert_eq!(
                        reached,
                        want,
                        "cut after {n} bytes: expected to fail at {}, got to {} ({result:?})",
                        steps.get(want).unwrap_or(&"the end"),
                        reached
                    );
                    match result {
                        Ok(f) => {
                            assert!(n >= bye_end);
                            assert_eq!(
                                f.data[0].as_literal().map(|(_, d)| d.to_vec()),
                                Some(MESSAGE.as_bytes().to_vec())
                            );
                            *outcomes.entry("success".into()).or_default() += 1;
                        }
                        Err(e) => {
                            assert!(e.is_abort(), "cut after {n}: {e:?}");
                            assert_ne!(
                                e.cause(),
                                Cause::Timeout,
                                "cut after {n}: the backstop fired"
                            );
                            assert_eq!(e.cause(), Cause::Io, "cut after {n}: {e:?}");
                            let key = format!(
                                "{}: {:?}/{:?} {}",
                                steps[want],
                                e.kind(),
                                e.cause(),
                                e.message().split(" => ").last().unwrap_or_default()
                            );
                            *outcomes.entry(key).or_default() += 1;
                        }
                    }
                }
                let elapsed = t.elapsed();
                let report_ = server.finish();
                assert_eq!(report_.transcripts.len(), total + 1);
                assert!(slowest < Duration::from_secs(1), "{slowest:?}");
                let summary: Vec<String> = outcomes.iter().map(|(k, v)| format!("{v}× {k}")).collect();
                report(
                    &format!("session cut at every offset 0..={total}"),
                    summary.join("; "),
                    elapsed,
                    &format!("slowest offset {slowest:.2?}"),
                );
            })
        }

        #[test]
        fn silent_servers_time_out() {
            run($($async)* {
                let short = cfg().with_timeout(Some(Duration::from_millis(300)));
                struct Case {
                    name: &'static str,
                    script: Script,
                    connect_fails: bool,
                }
                let cases = [
                    Case {
                        name: "silent after the greeting, before the CAPABILITY answer",
                        script: Script::new()
                            .send("* OK ready\r\n")
                            .expect("CAPABILITY")
                            .wait_for_close(),
                        connect_fails: true,
                    },
                    Case {
                        name: "silent in the middle of a greeting line",
                        script: Script::new()
                            .send("* OK [CAPABILITY IMAP4")
                            .wait_for_close(),
                        connect_fails: true,
                    },
                    Case {
                        name: "silent mid-literal (50 of 100 bytes)",
                        script: selected()
                            .expect("FETCH")
                            .reply(&format!("* 1 FETCH (BODY[] {{100}}\r\n{}", "x".repeat(50)))
                            .wait_for_close(),
                        connect_fails: false,
                    },
                    Case {
                        name: "silent mid-line",
                        script: selected()
                            .expect("FETCH")
                            .reply("* 1 FETCH (FLAGS (\\Se")
                            .wait_for_close(),
                        connect_fails: false,
                    },
                    Case {
                        name: "silent after the literal, before its closing line",
                        script: selected()
                            .expect("FETCH")
                            .reply("* 1 FETCH (BODY[] {5}\r\nhello")
                            .wait_for_close(),
                        connect_fails: false,
                    },
                ];
                for case in cases {
                    let server = Server::start(case.script);
                    let t = Instant::now();
                    let e = if case.connect_fails {
                        connect(&server, &short)$($await)*.unwrap_err()
                    } else {
                        let mut m = connect(&server, &short)$($await)*.unwrap();
                        login_select(&mut m)$($await)*;
                        let t2 = Instant::now();
                        let e = m.fetch("1", "(BODY[])")$($await)*.unwrap_err();
                        assert!(
                            t2.elapsed() >= Duration::from_millis(300),
                            "{:?}",
                            t2.elapsed()
                        );
                        assert!(
                            e.message().starts_with("command: FETCH => timed out"),
                            "{e}"
                        );
                        // Unusable afterwards.
                        assert!(m.noop()$($await)*.unwrap_err().is_abort());
                        e
                    };
                    let elapsed = t.elapsed();
                    assert!(e.is_abort() && e.is_timeout(), "{}: {e:?}", case.name);
                    assert!(
                        elapsed < Duration::from_secs(2),
                        "{}: {elapsed:?}",
                        case.name
                    );
                    server.finish();
                    report(
                        case.name,
                        format!("{:?}/{:?}: {}", e.kind(), e.cause(), e.message()),
                        elapsed,
                        "-",
                    );
                }
            })
        }

        // ----- injection through every argument -----------------------------------------------

        struct Site {
            name: &'static str,
            need: Need,
            /// The command name expected on the wire.
            command: &'static str,
            call: Call,
        }

        fn sites() -> Vec<Site> {
            fn b(p: &str) -> &[u8] {
                p.as_bytes()
            }
            fn msg(p: &str) -> Vec<u8> {
                format!("Subject: x\r\n\r\n{p}").into_bytes()
            }
            vec![
                $site!("login user", NonAuth, "LOGIN", |m, p| m.login(p, "pw")),
                $site!("login user (bytes)", NonAuth, "LOGIN", |m, p| m
                    .login(b(p), "pw")),
                $site!("login password", NonAuth, "LOGIN", |m, p| m
                    .login("alice", p)),
                $site!("login password (bytes)", NonAuth, "LOGIN", |m, p| m
                    .login("alice", b(p))),
                $site!("login_plain user", NonAuth, "AUTHENTICATE", |m, p| m
                    .login_plain(p, "pw")),
                $site!("login_plain password", NonAuth, "AUTHENTICATE", |m, p| m
                    .login_plain("u", p)),
                $site!("login_cram_md5 user", NonAuth, "AUTHENTICATE", |m, p| m
                    .login_cram_md5(p, "pw")),
                $site!("authenticate mechanism", NonAuth, "AUTHENTICATE", |m, p| m
                    .authenticate(p, |_: &[u8]| None)),
                $site!("id key", NonAuth, "ID", |m, p| m
                    .id(Some(&[(p, Some("v"))]))),
                $site!("id value", NonAuth, "ID", |m, p| m
                    .id(Some(&[("name", Some(p))]))),
                $site!("xatom name", NonAuth, "XATOM", |m, p| m.xatom(p, &[])),
                $site!("xatom argument (NONAUTH)", NonAuth, "XFOO", |m, p| m
                    .xatom("XFOO", &[p])),
                $site!("select mailbox", Auth, "SELECT", |m, p| m.select(p, false)),
                $site!("select mailbox (bytes)", Auth, "SELECT", |m, p| m
                    .select(b(p), false)),
                $site!("examine mailbox", Auth, "EXAMINE", |m, p| m
                    .select(b(p), true)),
                $site!("create", Auth, "CREATE", |m, p| m.create(p)),
                $site!("create (bytes)", Auth, "CREATE", |m, p| m.create(b(p))),
                $site!("delete (bytes)", Auth, "DELETE", |m, p| m.delete(b(p))),
                $site!("rename old (bytes)", Auth, "RENAME", |m, p| m
                    .rename(b(p), "new")),
                $site!("rename new (bytes)", Auth, "RENAME", |m, p| m
                    .rename("old", b(p))),
                $site!("subscribe (bytes)", Auth, "SUBSCRIBE", |m, p| m
                    .subscribe(b(p))),
                $site!("unsubscribe", Auth, "UNSUBSCRIBE", |m, p| m.unsubscribe(p)),
                $site!("list directory (bytes)", Auth, "LIST", |m, p| m
                    .list(Some(Text::Bytes(b(p))), None)),
                $site!("list pattern", Auth, "LIST", |m, p| m
                    .list(None, Some(Text::Str(p)))),
                $site!("list pattern (bytes)", Auth, "LIST", |m, p| m
                    .list(None, Some(Text::Bytes(b(p))))),
                $site!("lsub pattern (bytes)", Auth, "LSUB", |m, p| m
                    .lsub(None, Some(Text::Bytes(b(p))))),
                $site!("status mailbox (bytes)", Auth, "STATUS", |m, p| m
                    .status(b(p), "(MESSAGES)")),
                $site!("status names", Auth, "STATUS", |m, p| m.status("INBOX", p)),
                $site!("append mailbox (bytes)", Auth, "APPEND", |m, p| m.append(
                    Some(Text::Bytes(b(p))),
                    None,
                    None,
                    b"m"
                )),
                $site!("append flags", Auth, "APPEND", |m, p| m.append(
                    None,
                    Some(p),
                    None,
                    b"m"
                )),
                $site!("append date", Auth, "APPEND", |m, p| m.append(
                    None,
                    None,
                    Some(DateInput::Str(Cow::Borrowed(p))),
                    b"m"
                )),
                $site!("append message", Auth, "APPEND", |m, p| m.append(
                    None,
                    None,
                    None,
                    &msg(p)
                )),
                $site!("getacl (bytes)", Auth, "GETACL", |m, p| m.getacl(b(p))),
                $site!("setacl mailbox (bytes)", Auth, "SETACL", |m, p| m.setacl(
                    b(p),
                    "bob",
                    "lr"
                )),
                $site!("setacl identifier", Auth, "SETACL", |m, p| m
                    .setacl("INBOX", p, "lr")),
                $site!("setacl rights", Auth, "SETACL", |m, p| m
                    .setacl("INBOX", "bob", p)),
                $site!("deleteacl identifier", Auth, "DELETEACL", |m, p| m
                    .deleteacl("INBOX", p)),
                $site!("myrights (bytes)", Auth, "MYRIGHTS", |m, p| m
                    .myrights(b(p))),
                $site!("getquota root", Auth, "GETQUOTA", |m, p| m.getquota(p)),
                $site!("getquotaroot (bytes)", Auth, "GETQUOTAROOT", |m, p| m
                    .getquotaroot(b(p))),
                $site!("setquota root", Auth, "SETQUOTA", |m, p| m
                    .setquota(p, "(STORAGE 512)")),
                $site!("setquota resources", Auth, "SETQUOTA", |m, p| m
                    .setquota("", p)),
                $site!(
                    "getannotation mailbox (bytes)",
                    Auth,
                    "GETANNOTATION",
                    |m, p| m.getannotation(b(p), "/comment", "value.shared")
                ),
                $site!("getannotation entry", Auth, "GETANNOTATION", |m, p| m
                    .getannotation("INBOX", p, "value.shared")),
                $site!("getannotation attribute", Auth, "GETANNOTATION", |m, p| m
                    .getannotation("INBOX", "/comment", p)),
                $site!("setannotation", Auth, "SETANNOTATION", |m, p| m
                    .setannotation(&["INBOX", p])),
                $site!("proxyauth", Auth, "PROXYAUTH", |m, p| m.proxyauth(p)),
                $site!("enable", Auth, "ENABLE", |m, p| m.enable(p)),
                $site!("xatom argument (AUTH)", Auth, "XFOO", |m, p| m
                    .xatom("XFOO", &["a", p])),
                $site!("search charset", Selected, "SEARCH", |m, p| m
                    .search(Some(p), &["ALL"])),
                $site!("search criterion", Selected, "SEARCH", |m, p| m
                    .search(None, &[p])),
                $site!("search criterion value", Selected, "SEARCH", |m, p| m
                    .search(None, &["FROM", p])),
                $site!("uid_search criterion", Selected, "UID SEARCH", |m, p| m
                    .uid_search(None, &[p])),
                $site!("sort criteria", Selected, "SORT", |m, p| m.sort(
                    p,
                    "UTF-8",
                    &["ALL"]
                )),
                $site!("sort charset", Selected, "SORT", |m, p| m.sort(
                    "(DATE)",
                    p,
                    &["ALL"]
                )),
                $site!("sort search", Selected, "SORT", |m, p| m.sort(
                    "(DATE)",
                    "UTF-8",
                    &[p]
                )),
                $site!("uid_sort search", Selected, "UID SORT", |m, p| m.uid_sort(
                    "(DATE)",
                    "UTF-8",
                    &[p]
                )),
                $site!("thread algorithm", Selected, "THREAD", |m, p| m.thread(
                    p,
                    "UTF-8",
                    &["ALL"]
                )),
                $site!("thread charset", Selected, "THREAD", |m, p| m.thread(
                    "REFERENCES",
                    p,
                    &["ALL"]
                )),
                $site!("thread search", Selected, "THREAD", |m, p| m.thread(
                    "REFERENCES",
                    "UTF-8",
                    &[p]
                )),
                $site!("uid_thread search", Selected, "UID THREAD", |m, p| m
                    .uid_thread("REFERENCES", "UTF-8", &[p])),
                $site!("fetch set", Selected, "FETCH", |m, p| m.fetch(p, "(FLAGS)")),
                $site!("fetch parts", Selected, "FETCH", |m, p| m.fetch("1", p)),
                $site!("uid_fetch parts", Selected, "UID FETCH", |m, p| m
                    .uid_fetch("1", p)),
                $site!("partial part", Selected, "PARTIAL", |m, p| m
                    .partial(1, p, 0, 10)),
                $site!("store set", Selected, "STORE", |m, p| m
                    .store(p, "+FLAGS", "\\Seen")),
                $site!("store command", Selected, "STORE", |m, p| m
                    .store("1", p, "\\Seen")),
                $site!("store flags", Selected, "STORE", |m, p| m
                    .store("1", "+FLAGS", p)),
                $site!("uid_store flags", Selected, "UID STORE", |m, p| m
                    .uid_store("1", "+FLAGS", p)),
                $site!("copy mailbox", Selected, "COPY", |m, p| m.copy("1", p)),
                $site!("copy mailbox (bytes)", Selected, "COPY", |m, p| m
                    .copy("1", b(p))),
                $site!("uid_copy mailbox (bytes)", Selected, "UID COPY", |m, p| m
                    .uid_copy("1", b(p))),
                $site!("move mailbox (bytes)", Selected, "MOVE", |m, p| m
                    .r#move("1", b(p))),
                $site!("uid_move mailbox (bytes)", Selected, "UID MOVE", |m, p| m
                    .uid_move("1", b(p))),
                $site!("uid_expunge set", Selected, "UID EXPUNGE", |m, p| m
                    .uid_expunge(p)),
                $site!("uid command", Selected, "UID", |m, p| m
                    .uid(p, &[Text::Str("1")])),
                $site!("uid FETCH set", Selected, "UID FETCH", |m, p| m
                    .uid("FETCH", &[Text::Str(p), Text::Str("(FLAGS)")])),
                $site!("uid FETCH parts", Selected, "UID FETCH", |m, p| m
                    .uid("FETCH", &[Text::Str("1"), Text::Str(p)])),
                $site!("uid STORE command", Selected, "UID STORE", |m, p| m.uid(
                    "STORE",
                    &[Text::Str("1"), Text::Str(p), Text::Str("(\\Seen)")]
                )),
                $site!("uid STORE flags", Selected, "UID STORE", |m, p| m
                    .uid("STORE", &["1".into(), "+FLAGS".into(), Text::Str(p)])),
                $site!("uid COPY mailbox", Selected, "UID COPY", |m, p| m
                    .uid("COPY", &["1".into(), Text::Str(p)])),
                $site!("uid COPY mailbox (bytes)", Selected, "UID COPY", |m, p| m
                    .uid("COPY", &["1".into(), Text::Bytes(b(p))])),
                $site!("uid MOVE mailbox (bytes)", Selected, "UID MOVE", |m, p| m
                    .uid("MOVE", &["1".into(), Text::Bytes(b(p))])),
                $site!("uid SEARCH criterion", Selected, "UID SEARCH", |m, p| m
                    .uid("SEARCH", &[Text::Str(p)])),
                $site!(
                    "uid SEARCH criterion (bytes)",
                    Selected,
                    "UID SEARCH",
                    |m, p| m.uid("SEARCH", &["FROM".into(), Text::Bytes(b(p))])
                ),
                $site!("uid SORT criteria", Selected, "UID SORT", |m, p| m
                    .uid("SORT", &[Text::Str(p), "UTF-8".into(), "ALL".into()])),
                $site!("uid SORT charset", Selected, "UID SORT", |m, p| m
                    .uid("SORT", &["(DATE)".into(), Text::Str(p), "ALL".into()])),
                $site!("uid THREAD algorithm", Selected, "UID THREAD", |m, p| m
                    .uid("THREAD", &[Text::Str(p), "UTF-8".into(), "ALL".into()])),
                $site!("uid THREAD search", Selected, "UID THREAD", |m, p| m.uid(
                    "THREAD",
                    &["REFERENCES".into(), "UTF-8".into(), Text::Str(p)]
                )),
                $site!("uid EXPUNGE set", Selected, "UID EXPUNGE", |m, p| m
                    .uid("EXPUNGE", &[Text::Str(p)])),
                $site!("xatom argument (SELECTED)", Selected, "XFOO", |m, p| m
                    .xatom("XFOO", &[p, "b"])),
            ]
        }

        $($async)* fn check_one(
            server: &Server,
            site: &Site,
            payload: &str,
            literal_plus: bool,
        ) -> Result<Outcome, String> {
            let ctx = || format!("{} ← {payload:?} (LITERAL+ {literal_plus})", site.name);
            let config = cfg().with_timeout(Some(Duration::from_secs(3)));
            let mut m = connect(server, &config)
                $($await)*
                .map_err(|e| format!("{}: connect: {e}", ctx()))?;
            if site.need != Need::NonAuth {
                let _ = m.login("alice", "pw")$($await)*.unwrap();
            }
            if site.need == Need::Selected {
                let _ = m.select("INBOX", false)$($await)*.unwrap();
            }
            let setup = server
                .last_transcript()
                .expect("a transcript")
                .commands
                .len();
            let result = (site.call)(&mut m, payload)$($await)*;
            // The fence: one NOOP after the call, so that everything the call sent has been read.
            let fence = m.noop()$($await)*;
            let tr = server.last_transcript().expect("a transcript");
            drop(m);
            if let Err(e) = &fence {
                return Err(format!(
                    "{}: the connection broke: {e:?} (call: {result:?})",
                    ctx()
                ));
            }
            let cmds = &tr.commands[setup..];
            let Some((fence_cmd, call_cmds)) = cmds.split_last() else {
                return Err(format!("{}: no fence", ctx()));
            };
            if fence_cmd.name() != "NOOP" {
                return Err(format!("{}: the fence is {fence_cmd:?}", ctx()));
            }
            match (&result, call_cmds) {
                (Err(e), []) => {
                    if e.kind() != ErrorKind::Error || e.cause() != Cause::Argument {
                        return Err(format!("{}: refused with an unexpected error {e:?}", ctx()));
                    }
                    Ok(Outcome::Refused)
                }
                (Ok(_), [cmd]) => {
                    let tokens = cmd
                        .tokens()
                        .map_err(|e| format!("{}: malformed command: {e}", ctx()))?;
                    let tag = cmd.tag();
                    if !(tag.starts_with("BCDE") && tag[4..].parse::<u32>().is_ok()) {
                        return Err(format!("{}: tag {tag}", ctx()));
                    }
                    let want = if site.command == "XATOM" {
                        payload.to_ascii_uppercase()
                    } else {
                        site.command.to_string()
                    };
                    if cmd.full_name() != want {
                        return Err(format!(
                            "{}: sent {} instead of {want}",
                            ctx(),
                            cmd.full_name()
                        ));
                    }
                    for c in &cmd.continuations {
                        let body = c.strip_suffix(b"\r\n").unwrap_or(b"!");
                        if !body
                            .iter()
                            .all(|b| b.is_ascii_alphanumeric() || b"+/=*".contains(b))
                        {
                            return Err(format!("{}: continuation line {c:?}", ctx()));
                        }
                    }
                    let in_literal = tokens.iter().any(|t| {
                        matches!(t, Token::Literal { data, .. } if data.iter().any(|b| b"\r\n\0".contains(b)))
                    });
                    let sync = tokens
                        .iter()
                        .any(|t| matches!(t, Token::Literal { nonsync: false, .. }));
                    let nonsync = tokens
                        .iter()
                        .any(|t| matches!(t, Token::Literal { nonsync: true, .. }));
                    if literal_plus && sync || !literal_plus && nonsync {
                        return Err(format!(
                            "{}: literal form ignores LITERAL+ ({literal_plus})",
                            ctx()
                        ));
                    }
                    Ok(if in_literal {
                        Outcome::Literal
                    } else {
                        Outcome::Encoded
                    })
                }
                (r, cmds) => Err(format!(
                    "{}: {} command(s) for one call, result {r:?}: {:?}",
                    ctx(),
                    cmds.len(),
                    cmds.iter()
                        .map(|c| String::from_utf8_lossy(&c.raw).into_owned())
                        .collect::<Vec<_>>()
                )),
            }
        }

        #[test]
        fn injection_through_every_argument_of_every_method() {
            run($($async)* {
                let sites = sites();
                let t = Instant::now();
                let mut failures = Vec::new();
                let mut table = std::collections::BTreeMap::<(&str, Outcome), usize>::new();
                let mut calls = 0;
                for literal_plus in [false, true] {
                    let caps = if literal_plus {
                        format!("{INJECTION_CAPS} LITERAL+")
                    } else {
                        INJECTION_CAPS.to_string()
                    };
                    let server = injection_server(caps);
                    for site in &sites {
                        for payload in PAYLOADS {
                            calls += 1;
                            match check_one(&server, site, payload, literal_plus)$($await)* {
                                Ok(o) => *table.entry((site.name, o)).or_default() += 1,
                                Err(e) => failures.push(e),
                            }
                        }
                    }
                    let r = server.finish();
                    for (i, tr) in r.transcripts.iter().enumerate() {
                        if let Some(e) = &tr.error {
                            if !e.contains("closed") {
                                failures.push(format!("connection {i}: server: {e}"));
                            }
                        }
                    }
                }
                let elapsed = t.elapsed();
                let mut by_outcome = std::collections::BTreeMap::<Outcome, usize>::new();
                for ((_, o), n) in &table {
                    *by_outcome.entry(o.clone()).or_default() += n;
                }
                for site in &sites {
                    let row: Vec<String> = [Outcome::Refused, Outcome::Literal, Outcome::Encoded]
                        .iter()
                        .filter_map(|o| {
                            table
                                .get(&(site.name, o.clone()))
                                .map(|n| format!("{o:?} {n}"))
                        })
                        .collect();
                    eprintln!(
                        "HOSTILE-INJECTION | {CLIENT} | {} | {}",
                        site.name,
                        row.join(", ")
                    );
                }
                report(
                    &format!(
                        "CR/LF/NUL injection: {} call sites × {} payloads × LITERAL+ on/off",
                        sites.len(),
                        PAYLOADS.len()
                    ),
                    format!("{calls} calls: {by_outcome:?}; {} failures", failures.len()),
                    elapsed,
                    "-",
                );
                assert!(
                    failures.is_empty(),
                    "{} failures:\n{}",
                    failures.len(),
                    failures.join("\n")
                );
            })
        }
    };
}

mod blocking {
    use super::*;
    use imaplib_blocking::Client;

    const CLIENT: &str = "blocking";

    fn run<T>(value: T) -> T {
        value
    }

    /// An injection call site's function.
    pub(crate) type Call = fn(&mut Client, &str) -> imaplib_proto::Result<Reply>;

    macro_rules! site {
        ($name:expr, $need:ident, $cmd:expr, |$m:ident, $p:ident| $body:expr) => {
            Site {
                name: $name,
                need: Need::$need,
                command: $cmd,
                call: |$m: &mut Client, $p: &str| $body,
            }
        };
    }

    hostile_cases!(site, [] []);
}

mod asynchronous {
    use super::*;
    use imaplib_async::Client;
    use std::future::Future;
    use std::pin::Pin;

    const CLIENT: &str = "async";

    fn run<T>(body: impl Future<Output = T>) -> T {
        smol::block_on(body)
    }

    /// A call in progress, borrowing the client and the payload.
    pub(crate) type CallFuture<'a> =
        Pin<Box<dyn Future<Output = imaplib_proto::Result<Reply>> + 'a>>;

    /// An injection call site's function: the call, as a future.
    pub(crate) type Call = for<'a> fn(&'a mut Client, &'a str) -> CallFuture<'a>;

    macro_rules! site {
        ($name:expr, $need:ident, $cmd:expr, |$m:ident, $p:ident| $body:expr) => {
            Site {
                name: $name,
                need: Need::$need,
                command: $cmd,
                call: |$m: &mut Client, $p: &str| Box::pin(async move { $body.await }),
            }
        };
    }

    hostile_cases!(site, [async] [.await]);
}
