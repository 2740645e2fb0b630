//! The same failure gives the same error through both clients: the blocking one, and the
//! async one under smol and under async-std — same kind, same [`Reason`], same message.
//! Timeouts (silence at the greeting and after it, the TLS handshake), the end of the
//! stream (between and inside responses), a protocol violation, TLS (certificate, name,
//! handshake) and I/O (refused connection), against small servers on loopback and the test
//! Dovecot. Then: no error of either client shows the password it was given.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use imaplib_blocking::error::{ClosedAt, Deadline, Reason, TlsFailure, Violation};
use imaplib_blocking::{Config, Error, ErrorKind};
use imaplib_integration_tests::dovecot::dovecot;

const WAIT: Duration = Duration::from_millis(300);

/// What a program sees of an error.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    kind: ErrorKind,
    reason: Reason,
    message: String,
}

fn seen(e: Error) -> Seen {
    Seen {
        kind: e.kind(),
        reason: e.reason().clone(),
        message: e.message().to_string(),
    }
}

/// A server on loopback that runs `behaviour` on the one connection it accepts.
fn serve(behaviour: fn(TcpStream)) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        behaviour(sock);
    });
    (port, handle)
}

fn greet(sock: &mut TcpStream) {
    sock.write_all(b"* OK [CAPABILITY IMAP4rev1] hi\r\n")
        .unwrap();
}

/// Reads one command line.
fn read_line(sock: &TcpStream) -> String {
    let mut line = String::new();
    BufReader::new(sock).read_line(&mut line).unwrap();
    line
}

fn silent(sock: TcpStream) {
    thread::sleep(Duration::from_secs(2));
    drop(sock);
}

#[derive(Clone, Copy, Debug)]
enum Who {
    Blocking,
    Smol,
    AsyncStd,
}

const EVERY_CLIENT: [Who; 3] = [Who::Blocking, Who::Smol, Who::AsyncStd];

fn config(timeout: Option<Duration>) -> Config {
    Config::default().with_timeout(timeout)
}

/// Connects (plain or implicit TLS) with `who` and runs a NOOP when `noop`; the error.
fn fail(who: Who, port: u16, tls: bool, cfg: &Config, noop: bool) -> Seen {
    let host = "127.0.0.1";
    let e = match who {
        Who::Blocking => {
            let c = match tls {
                false => imaplib_blocking::Client::connect_with(host, port, cfg),
                true => imaplib_blocking::Client::connect_tls_with(host, port, cfg),
            };
            match (c, noop) {
                (Ok(mut m), true) => m.noop().unwrap_err(),
                (Ok(_), false) => panic!("{who:?}: connected"),
                (Err(e), _) => e,
            }
        }
        Who::Smol => smol::block_on(async {
            use imaplib_async::smol::Client;
            let c = match tls {
                false => Client::connect_with(host, port, cfg).await,
                true => Client::connect_tls_with(host, port, cfg).await,
            };
            match (c, noop) {
                (Ok(mut m), true) => m.noop().await.unwrap_err(),
                (Ok(_), false) => panic!("{who:?}: connected"),
                (Err(e), _) => e,
            }
        }),
        Who::AsyncStd => async_std::task::block_on(async {
            use imaplib_async::async_std::Client;
            let c = match tls {
                false => Client::connect_with(host, port, cfg).await,
                true => Client::connect_tls_with(host, port, cfg).await,
            };
            match (c, noop) {
                (Ok(mut m), true) => m.noop().await.unwrap_err(),
                (Ok(_), false) => panic!("{who:?}: connected"),
                (Err(e), _) => e,
            }
        }),
    };
    seen(e)
}

/// Every client against a fresh server running `behaviour`: all see `want`.
#[track_caller]
fn same_everywhere(behaviour: fn(TcpStream), tls: bool, cfg: &Config, noop: bool, want: &Seen) {
    for who in EVERY_CLIENT {
        let (port, server) = serve(behaviour);
        let got = fail(who, port, tls, cfg, noop);
        assert_eq!(&got, want, "{who:?}");
        server.join().unwrap();
    }
}

fn timeout(deadline: Deadline, after: Duration) -> Reason {
    Reason::Timeout {
        deadline,
        after: Some(after),
    }
}

#[test]
fn timeouts_are_the_same_through_both_clients() {
    let cfg = config(Some(WAIT));
    same_everywhere(
        silent,
        false,
        &cfg,
        false,
        &Seen {
            kind: ErrorKind::Abort,
            reason: timeout(Deadline::Silence, WAIT),
            message: "timed out: no data from the server for 300ms".into(),
        },
    );
    same_everywhere(
        |mut sock| {
            greet(&mut sock);
            silent(sock);
        },
        false,
        &cfg,
        true,
        &Seen {
            kind: ErrorKind::Abort,
            reason: timeout(Deadline::Silence, WAIT),
            message: "command: NOOP => timed out: no data from the server for 300ms".into(),
        },
    );
    // A server that accepts and never answers the ClientHello. The message used to be
    // "timed out: Resource temporarily unavailable (os error 11)" (blocking) and
    // "timed out: timed out" (async).
    same_everywhere(
        silent,
        true,
        &cfg,
        false,
        &Seen {
            kind: ErrorKind::Abort,
            reason: timeout(Deadline::TlsHandshake, WAIT),
            message: "timed out: the TLS handshake did not complete within 300ms".into(),
        },
    );
}

#[test]
fn the_end_of_the_stream_is_the_same_through_both_clients() {
    let cfg = config(Some(Duration::from_secs(5)));
    same_everywhere(
        |mut sock| {
            greet(&mut sock);
            read_line(&sock);
            drop(sock);
        },
        false,
        &cfg,
        true,
        &Seen {
            kind: ErrorKind::Abort,
            reason: Reason::Closed {
                at: ClosedAt::BetweenResponses,
            },
            message: "command: NOOP => socket error: EOF".into(),
        },
    );
    same_everywhere(
        |mut sock| {
            greet(&mut sock);
            read_line(&sock);
            sock.write_all(b"* 1 FETCH (BODY[] {10}\r\nabc").unwrap();
            drop(sock);
        },
        false,
        &cfg,
        true,
        &Seen {
            kind: ErrorKind::Abort,
            reason: Reason::Closed {
                at: ClosedAt::InResponse,
            },
            message: "command: NOOP => socket error: EOF in the middle of a response (unterminated line or literal)".into(),
        },
    );
    same_everywhere(
        drop,
        false,
        &cfg,
        false,
        &Seen {
            kind: ErrorKind::Abort,
            reason: Reason::Closed {
                at: ClosedAt::BeforeGreeting,
            },
            message: "socket error: EOF".into(),
        },
    );
}

#[test]
fn protocol_errors_are_the_same_through_both_clients() {
    same_everywhere(
        |mut sock| {
            sock.write_all(b"* OK [CAPABILITY IMAP4rev1] hi\n").unwrap();
            silent(sock);
        },
        false,
        &config(Some(Duration::from_secs(5))),
        false,
        &Seen {
            kind: ErrorKind::Abort,
            reason: Reason::protocol(Violation::BareLf, b"* OK [CAPABILITY IMAP4rev1] hi\n"),
            message: "protocol error: unterminated line (LF without CR)".into(),
        },
    );
}

#[test]
fn refused_connections_are_the_same_through_both_clients() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = config(Some(Duration::from_secs(5)));
    let all: Vec<Seen> = EVERY_CLIENT
        .iter()
        .map(|who| fail(*who, port, false, &cfg, false))
        .collect();
    assert_eq!(
        all[0].reason,
        Reason::Io {
            kind: std::io::ErrorKind::ConnectionRefused
        }
    );
    assert!(all[0].message.starts_with("socket error: "), "{all:?}");
    assert!(all.iter().all(|s| *s == all[0]), "{all:#?}");
}

#[test]
fn tls_failures_are_the_same_through_both_clients() {
    let d = dovecot();
    let port = d.tls_port();
    // The Mozilla roots do not know the test CA.
    let unknown = fail(Who::Blocking, port, true, &Config::default(), false);
    assert_eq!(
        unknown,
        Seen {
            kind: ErrorKind::Abort,
            reason: Reason::Tls(TlsFailure::Certificate),
            message: "TLS handshake failed: invalid peer certificate: UnknownIssuer".into(),
        }
    );
    // The right CA, the wrong name.
    let mut cfg =
        Config::default().with_tls(imaplib_blocking::tls::config_with_ca_pem(d.ca_pem()).unwrap());
    cfg.tls_server_name = Some("imap.example.com".into());
    let name = fail(Who::Blocking, port, true, &cfg, false);
    assert_eq!(
        name.reason,
        Reason::Tls(TlsFailure::Certificate),
        "{name:?}"
    );
    assert!(
        name.message.contains("certificate not valid for name"),
        "{name:?}"
    );
    for who in [Who::Smol, Who::AsyncStd] {
        assert_eq!(fail(who, port, true, &Config::default(), false), unknown);
        assert_eq!(fail(who, port, true, &cfg, false), name);
    }
    // Not TLS at all on the other side: a handshake failure.
    let plain = |mut sock: TcpStream| {
        sock.write_all(b"* OK [CAPABILITY IMAP4rev1] this is not TLS\r\n")
            .unwrap();
        thread::sleep(Duration::from_millis(500));
    };
    let mut all = Vec::new();
    for who in EVERY_CLIENT {
        let (port, server) = serve(plain);
        all.push(fail(
            who,
            port,
            true,
            &config(Some(Duration::from_secs(5))),
            false,
        ));
        server.join().unwrap();
    }
    assert_eq!(all[0].reason, Reason::Tls(TlsFailure::Handshake), "{all:?}");
    assert!(all.iter().all(|s| *s == all[0]), "{all:#?}");
}

/// Dovecot refuses a wrong password through LOGIN and AUTHENTICATE PLAIN: neither client's
/// error shows it.
#[test]
fn no_error_shows_the_password() {
    const SECRET: &str = "hunter2-Pa55w0rd";
    let d = dovecot();
    let user = d.new_user();
    let no_secret = |e: &Error| {
        let all = format!("{e}\n{e:?}\n{:?}", e.reason());
        assert!(!all.contains(SECRET) && !all.contains("Pa55w0rd"), "{all}");
        assert!(
            matches!(e.reason(), Reason::Refused(r) if r.code_name() == Some("AUTHENTICATIONFAILED")),
            "{e:?}"
        );
    };
    let mut m = imaplib_blocking::Client::connect(d.host(), d.plain_port()).unwrap();
    no_secret(&m.login(user.name.as_str(), SECRET).unwrap_err());
    no_secret(&m.login_plain(user.name.as_str(), SECRET).unwrap_err());
    smol::block_on(async {
        let mut m = imaplib_async::Client::connect(d.host(), d.plain_port())
            .await
            .unwrap();
        no_secret(&m.login(user.name.as_str(), SECRET).await.unwrap_err());
        no_secret(&m.login_plain(user.name.as_str(), SECRET).await.unwrap_err());
    });
}
