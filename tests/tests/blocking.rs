//! The blocking client against a real Dovecot, over every transport.

use std::io::Write;
use std::net::TcpListener;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use imaplib_blocking::{Cause, Client, Config, State};
use imaplib_integration_tests::dovecot::{dovecot, UserAccount, IDLE_STILL_HERE};

imaplib_integration_tests::scenarios!();

fn tls_config() -> Config {
    let d = dovecot();
    Config::default()
        .with_tls(imaplib_blocking::tls::config_with_ca_pem(d.ca_pem()).unwrap())
        .with_tls_server_name(d.tls_server_name().to_string())
}

fn plain(user: &UserAccount) -> Client {
    let d = dovecot();
    let mut m = Client::connect(d.host(), d.plain_port()).unwrap();
    assert_eq!(m.state(), State::NonAuth);
    assert!(!m.is_secure());
    let r = m.login(user.name.as_str(), user.password.as_str()).unwrap();
    assert_eq!(r.typ, "OK");
    m
}

fn tls(user: &UserAccount) -> Client {
    let d = dovecot();
    let mut m = Client::connect_tls_with(d.host(), d.tls_port(), &tls_config()).unwrap();
    assert!(m.is_secure());
    let _ = m.login(user.name.as_str(), user.password.as_str()).unwrap();
    m
}

fn starttls(user: &UserAccount) -> Client {
    let d = dovecot();
    let mut m = Client::connect_starttls(d.host(), d.plain_port(), &tls_config()).unwrap();
    assert!(m.is_secure());
    // Capabilities were asked again over TLS: STARTTLS is no longer offered.
    assert!(!m.has_capability("STARTTLS"));
    let _ = m
        .login_cram_md5(user.name.as_str(), user.password.as_str())
        .unwrap();
    m
}

fn stream(user: &UserAccount) -> Client {
    let d = dovecot();
    let m = Client::connect_stream(&d.stdio_command_for(&user.name)).unwrap();
    assert_eq!(m.state(), State::Auth);
    assert!(m.welcome().starts_with(b"* PREAUTH "));
    assert!(m.host().is_empty() && m.port().is_none() && m.socket().is_none());
    m
}

#[test]
fn mailboxes_over_every_transport() {
    for connect in [plain, tls, starttls, stream] {
        let user = dovecot().new_user();
        let mut m = connect(&user);
        scenario_mailboxes(&mut m);
        scenario_logout(&mut m);
    }
}

#[test]
fn messages_over_every_transport() {
    for connect in [plain, tls, starttls, stream] {
        let user = dovecot().new_user();
        let mut m = connect(&user);
        scenario_messages(&mut m);
        scenario_logout(&mut m);
    }
}

#[test]
fn quoting_over_tcp_and_stream() {
    for connect in [plain, stream] {
        let user = dovecot().new_user();
        let mut m = connect(&user);
        scenario_quoting(&mut m);
    }
}

#[test]
fn authentication_mechanisms() {
    let d = dovecot();
    let user = d.new_user();
    // LOGIN with a password that needs quoting (space, quote, backslash).
    assert!(user.password.contains(' ') && user.password.contains('"'));
    let _ = plain(&user).logout().unwrap();
    // AUTHENTICATE PLAIN, CRAM-MD5 and a caller-supplied mechanism.
    let mut m = Client::connect(d.host(), d.plain_port()).unwrap();
    assert_eq!(
        m.login_plain(user.name.as_str(), user.password.as_str())
            .unwrap()
            .typ,
        "OK"
    );
    assert_eq!(m.state(), State::Auth);
    let mut m = Client::connect(d.host(), d.plain_port()).unwrap();
    let _ = m
        .login_cram_md5(user.name.as_str(), user.password.as_str())
        .unwrap();
    let mut m = Client::connect(d.host(), d.plain_port()).unwrap();
    let (name, pass) = (user.name.clone(), user.password.clone());
    let mut step = 0;
    let r = m
        .authenticate("login", move |challenge: &[u8]| {
            step += 1;
            match step {
                1 => {
                    assert_eq!(challenge, b"Username:");
                    Some(name.clone().into_bytes())
                }
                2 => {
                    assert_eq!(challenge, b"Password:");
                    Some(pass.clone().into_bytes())
                }
                _ => None,
            }
        })
        .unwrap();
    assert_eq!(r.typ, "OK");
    // Failures are errors carrying the server's text; the state stays NONAUTH.
    let mut m = Client::connect(d.host(), d.plain_port()).unwrap();
    let e = m.login(user.name.as_str(), "wrong").unwrap_err();
    assert_eq!(e.kind(), imaplib_blocking::ErrorKind::Error);
    assert!(e.message().starts_with("[AUTHENTICATIONFAILED]"), "{e}");
    assert_eq!(m.state(), State::NonAuth);
    let e = m.authenticate("PLAIN", |_: &[u8]| None).unwrap_err();
    assert!(
        e.message().contains("cancel") || e.message().contains("AUTH"),
        "{e}"
    );
    let e = m.login_cram_md5(user.name.as_str(), "wrong").unwrap_err();
    assert!(e.message().starts_with("[AUTHENTICATIONFAILED]"), "{e}");
}

#[test]
fn tls_is_verified_by_default() {
    let d = dovecot();
    // The Mozilla roots do not know the test CA.
    let e = Client::connect_tls(d.host(), d.tls_port()).unwrap_err();
    assert_eq!(e.cause(), Cause::Tls, "{e}");
    assert!(e.to_string().contains("certificate"), "{e}");
    // The right CA but the wrong name.
    let mut cfg = tls_config();
    cfg.tls_server_name = Some("imap.example.com".into());
    let e = Client::connect_tls_with(d.host(), d.tls_port(), &cfg).unwrap_err();
    assert_eq!(e.cause(), Cause::Tls, "{e}");
    let e = Client::connect_starttls(d.host(), d.plain_port(), &cfg).unwrap_err();
    assert!(e.cause() == Cause::Tls || e.is_abort(), "{e}");
    // The certificate also names 127.0.0.1.
    let mut cfg = tls_config();
    cfg.tls_server_name = None;
    let m = Client::connect_tls_with(d.host(), d.tls_port(), &cfg).unwrap();
    assert!(m.is_secure());
    // Only the explicitly dangerous configuration skips verification.
    let cfg =
        Config::default().with_tls(imaplib_blocking::tls::dangerous_config_without_verification());
    let mut m = Client::connect_tls_with(d.host(), d.tls_port(), &cfg).unwrap();
    assert_eq!(m.noop().unwrap().typ, "OK");
}

#[test]
fn require_tls_refuses_credentials_on_cleartext() {
    let d = dovecot();
    let user = d.new_user();
    let mut m = Client::connect(d.host(), d.plain_port()).unwrap();
    let cfg = tls_config().with_require_tls(true);
    // Without require_tls the cleartext login works (Dovecot allows it here) …
    let _ = m.login(user.name.as_str(), user.password.as_str()).unwrap();
    // … with it, STARTTLS happens first and succeeds.
    let mut m = Client::connect_with(d.host(), d.plain_port(), &cfg).unwrap();
    assert!(m.is_secure());
    let _ = m.login(user.name.as_str(), user.password.as_str()).unwrap();
    // STARTTLS on an implicit-TLS connection is refused as imaplib does (abort).
    let mut m = Client::connect_tls_with(d.host(), d.tls_port(), &tls_config()).unwrap();
    let e = m.starttls().unwrap_err();
    assert!(e.is_abort(), "{e}");
}

#[test]
fn timeouts_end_waits_on_silent_servers() {
    // A server that accepts and never speaks.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(3));
        drop(sock);
    });
    let cfg = Config::default().with_timeout(Some(Duration::from_millis(300)));
    let t = Instant::now();
    let e = Client::connect_with("127.0.0.1", port, &cfg).unwrap_err();
    assert!(e.is_timeout() && e.is_abort(), "{e:?}");
    assert!(t.elapsed() < Duration::from_secs(2));
    // A child process that never speaks.
    let t = Instant::now();
    let e = Client::connect_stream_with("sleep 5", &cfg).unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(t.elapsed() < Duration::from_secs(2));
    // A server that stops talking in the middle of a session.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mute = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        sock.write_all(b"* OK [CAPABILITY IMAP4rev1] hello\r\n")
            .unwrap();
        std::thread::sleep(Duration::from_secs(3));
    });
    let mut m = Client::connect_with("127.0.0.1", port, &cfg).unwrap();
    let t = Instant::now();
    let e = m.noop().unwrap_err();
    assert!(e.is_timeout() && e.is_abort(), "{e:?}");
    assert!(e.message().starts_with("command: NOOP => timed out"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(2));
    // The connection is unusable afterwards, and says so.
    assert!(m.noop().unwrap_err().is_abort());
    let d = dovecot();
    let mut m = plain(&d.new_user());
    // Zero is refused, as imaplib refuses timeout=0; None is allowed.
    assert!(m.set_timeout(Some(Duration::ZERO)).is_err());
    let cfg = Config::default().with_timeout(Some(Duration::ZERO));
    let e = Client::connect_with(d.host(), d.plain_port(), &cfg).unwrap_err();
    assert_eq!(
        e.message(),
        "Non-blocking socket (timeout=0) is not supported"
    );
    holder.join().unwrap();
    mute.join().unwrap();
}

#[test]
fn connection_errors_are_aborts() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = Client::connect("127.0.0.1", port).unwrap_err();
    assert!(e.is_abort() && e.cause() == Cause::Io, "{e:?}");
    let e = Client::connect_stream("exit 0").unwrap_err();
    assert!(e.is_abort() && e.message().contains("EOF"), "{e:?}");
    let e = Client::connect_stream("printf '+OK POP3 ready\\r\\n'; sleep 1").unwrap_err();
    assert_eq!(e.message(), "invalid greeting: +OK POP3 ready");
}

#[test]
fn idle_over_tcp_and_stream() {
    let d = dovecot();
    for connect in [plain, stream] {
        let user = d.new_user();
        let mut m = connect(&user);
        let _ = m.select("INBOX", false).unwrap();
        {
            let mut idler = m.idle(Some(Duration::from_secs(5))).unwrap();
            d.deliver(&user.name, "INBOX", MESSAGES[0]);
            let got = idler.burst(Duration::from_millis(500)).unwrap();
            let reprs: Vec<String> = got.iter().map(|r| r.python_repr()).collect();
            assert!(
                reprs.contains(&"('EXISTS', [b'1'])".to_string()),
                "{reprs:?}"
            );
            // A second delivery, not iterated: it ends up in the untagged store.
            d.deliver(&user.name, "INBOX", MESSAGES[1]);
            std::thread::sleep(Duration::from_millis(1500));
            let r = idler.done().unwrap();
            assert_eq!(r.typ, "OK");
        }
        assert_eq!(m.state(), State::Selected);
        assert_eq!(
            m.response("EXISTS").python_repr(),
            "('EXISTS', [b'0', b'2'])"
        );
        // With a deadline and nothing happening, iteration ends on time. Dovecot's IDLE
        // keepalive may fall within it; nothing else comes.
        let t = Instant::now();
        let n = m
            .idle(Some(Duration::from_millis(300)))
            .unwrap()
            .filter(|r| r.as_ref().unwrap().python_repr() != IDLE_STILL_HERE)
            .count();
        assert_eq!(n, 0);
        assert!(t.elapsed() < Duration::from_secs(2));
        assert_eq!(m.noop().unwrap().typ, "OK");
    }
}

#[test]
fn pipelined_commands() {
    let user = dovecot().new_user();
    let mut m = plain(&user);
    let _ = m.create("P").unwrap();
    let _ = m.select("INBOX", false).unwrap();
    let a = m.submit(imaplib_blocking::Command::noop()).unwrap();
    let b = m
        .submit(imaplib_blocking::Command::status("P", "(MESSAGES)").unwrap())
        .unwrap();
    let c = m
        .submit(imaplib_blocking::Command::search(None, &["ALL"]).unwrap())
        .unwrap();
    assert_eq!(m.wait(c).unwrap().python_repr(), "('OK', [b''])");
    assert_eq!(
        m.wait(b).unwrap().python_repr(),
        "('OK', [b'P (MESSAGES 0)'])"
    );
    assert_eq!(m.wait(a).unwrap().typ, "OK");
}

#[test]
fn drop_logs_out_and_reaps() {
    let d = dovecot();
    let user = d.new_user();
    let m = stream(&user);
    drop(m);
    let m = plain(&user);
    drop(m);
    // Dovecot logged both logouts.
    std::thread::sleep(Duration::from_millis(200));
    let log = d.log_tail(200);
    assert!(
        log.contains(&format!("imap({})", user.name)) && log.contains("Logged out"),
        "{log}"
    );
}

/// A logger that keeps every record.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        self.0.lock().unwrap().push(format!(
            "{} {} {}",
            record.level(),
            record.target(),
            record.args()
        ));
    }
    fn flush(&self) {}
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let c: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(c).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
        c
    })
}

/// One switch: the `log` level alone decides (trace shows the wire even at imaplib debug 0;
/// imaplib's debug level raises what it covers to `info`); targets are module paths; and at
/// every debug level no form of a secret reaches a log record, an error or a `Debug` output.
#[test]
fn secrets_never_reach_logs_errors_or_debug() {
    let cap = capture();
    let d = dovecot();
    let user = d.new_user();
    let password = user.password.clone();
    let mut outputs = Vec::new();
    for debug in 0..=5 {
        for mech in ["login", "plain", "cram", "scram", "xoauth2"] {
            let mut m = Client::connect(d.host(), d.plain_port()).unwrap();
            m.set_debug(debug);
            let r = match mech {
                "login" => m.login(user.name.as_str(), password.as_str()),
                "plain" => m.login_plain(user.name.as_str(), password.as_str()),
                "cram" => m.login_cram_md5(user.name.as_str(), password.as_str()),
                "scram" => m.login_scram(user.name.as_str(), password.as_str()),
                _ => m.authenticate(
                    "XOAUTH2",
                    imaplib_blocking::auth::XOAuth2::new(user.name.as_str(), password.as_str()),
                ),
            };
            outputs.push(format!("{r:?} {m:?}"));
            // And a failed attempt, whose error must not carry the password either.
            let mut m = Client::connect(d.host(), d.plain_port()).unwrap();
            m.set_debug(debug);
            let e = m
                .login(user.name.as_str(), format!("{password}x").as_str())
                .unwrap_err();
            outputs.push(format!("{e} {e:?}"));
            if mech == "scram" {
                // A failed SCRAM login, and one whose credentials SASLprep refuses.
                let e = m
                    .login_scram(user.name.as_str(), format!("{password}x").as_str())
                    .unwrap_err();
                outputs.push(format!("{e} {e:?} {m:?}"));
                let e = m
                    .login_scram(user.name.as_str(), format!("{password}\x07").as_str())
                    .unwrap_err();
                outputs.push(format!("{e} {e:?}"));
            }
        }
    }
    let logs = cap.0.lock().unwrap().join("\n");
    let wire = imaplib_proto::trace::WIRE_TARGET;
    assert_eq!(wire, "imaplib_proto::trace");
    // Debug 0 and RUST_LOG=trace: the wire at trace; debug 4: the same at info.
    let login_line = |level: &str| {
        logs.lines().any(|l| {
            l.starts_with(&format!("{level} {wire} C: "))
                && l.contains(" LOGIN ")
                && l.contains("<redacted")
        })
    };
    assert!(login_line("TRACE"), "no wire record at trace: {logs}");
    assert!(login_line("INFO"), "no wire record raised to info: {logs}");
    assert!(
        logs.lines()
            .any(|l| l.starts_with("DEBUG imaplib_proto::session") && l.contains("completed")),
        "command records under the session's module path at debug: {logs}"
    );
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let secret_forms = [
        password.clone(),
        password.replace('\\', "\\\\").replace('"', "\\\""),
        b64(format!("\0{}\0{password}", user.name).as_bytes()),
        b64(format!("user={}\x01auth=Bearer {password}\x01\x01", user.name).as_bytes()),
    ];
    for form in &secret_forms {
        assert!(!logs.contains(form.as_str()), "secret {form:?} in logs");
        for o in &outputs {
            assert!(!o.contains(form.as_str()), "secret {form:?} in output: {o}");
        }
    }
}

#[test]
fn streaming_through_dovecot() {
    let user = dovecot().new_user();
    let mut m = plain(&user);
    let mut message = b"Subject: big one\r\n\r\n".to_vec();
    while message.len() < 5 << 20 {
        message.extend_from_slice(b"All work and no play makes Jack a dull boy. 0123456789\r\n");
    }
    let r = m
        .append_from(
            None,
            Some("\\Seen"),
            None,
            &mut &message[..],
            message.len() as u64,
        )
        .unwrap();
    assert_eq!(r.typ, "OK", "{r:?}");
    let _ = m.select("INBOX", true).unwrap();
    let mut body = Vec::new();
    let r = m
        .fetch_to("1", "(BODY.PEEK[] RFC822.SIZE)", &mut body)
        .unwrap();
    assert!(body == message, "{} bytes back", body.len());
    assert_eq!(
        r.data[0],
        imaplib_blocking::Item::Literal(
            format!("1 (RFC822.SIZE {n} BODY[] {{{n}}}", n = message.len()).into_bytes(),
            Vec::new().into()
        )
    );
    // A short reader aborts: the server is owed bytes that will not come.
    let e = m
        .append_from(None, None, None, &mut &b"short"[..], 100)
        .unwrap_err();
    assert!(
        e.is_abort() && e.message().contains("ended after 5 of 100"),
        "{e}"
    );
}

#[test]
fn a_process_without_a_shell() {
    let d = dovecot();
    let user = d.new_user();
    let mut m = Client::connect_process(d.stdio_process(&user.name), &Config::default()).unwrap();
    assert_eq!(m.state(), State::Auth);
    assert_eq!(
        m.select("INBOX", false).unwrap().python_repr(),
        "('OK', [b'0'])"
    );
    assert_eq!(m.logout().unwrap().typ, "BYE");
}

#[test]
fn raw_transport_methods() {
    // imaplib's send(), readline(), read(), socket() and shutdown(): below the engine.
    let d = dovecot();
    let user = d.new_user();
    let mut m = plain(&user);
    let sock = m.socket().expect("a TCP socket");
    assert_eq!(sock.peer_addr().unwrap().port(), d.plain_port());
    m.send(b"X1 NOOP\r\n").unwrap();
    let line = m.readline().unwrap();
    assert!(
        line.starts_with(b"X1 OK NOOP completed") && line.ends_with(b"\r\n"),
        "{line:?}"
    );
    m.send(b"X2 NOOP\r\n").unwrap();
    let head = m.read(5).unwrap();
    assert_eq!(head, b"X2 OK");
    let rest = m.readline().unwrap();
    assert!(rest.ends_with(b"\r\n"));
    m.shutdown();
    assert!(m.noop().unwrap_err().is_abort());
}
