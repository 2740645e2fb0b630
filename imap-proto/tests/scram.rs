//! SCRAM-SHA-1 / SCRAM-SHA-256 (RFC 5802, RFC 7677) and their -PLUS variants, as
//! transcripts through `Connection`: the RFC test vectors byte for byte, the checks on the
//! server's messages (each a clear error, never a panic, and the proof never sent before
//! them), mutual authentication after `OK`, channel binding against a server-side SCRAM
//! computed here with the same binding data, the downgrade policy, and redaction.

mod common;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use common::Script;
use hmac::{Hmac, Mac};
use imaplib_proto::auth::{ChannelBinding, ChannelBindingPolicy, ChannelBindingType, Scram};
use imaplib_proto::error::{ArgumentProblem, SaslFailure, Violation};
use imaplib_proto::{Cause, Command, Error, ErrorKind, Reason, State};
use sha2::{Digest, Sha256};

const SCRAM_CAPS: &str = "AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256";

fn b64(s: &[u8]) -> String {
    B64.encode(s)
}

fn sasl(e: &Error) -> &SaslFailure {
    match e.reason() {
        Reason::Sasl(f) => f,
        other => panic!("not a SASL failure: {other:?} ({e})"),
    }
}

/// RFC 7677's exchange, started: the client-first message was checked.
fn rfc7677(caps: &str) -> (Script, imaplib_proto::CommandId) {
    let mut s = Script::connected(caps);
    let scram = Scram::sha256("user", "pencil")
        .unwrap()
        .with_nonce("rOprNGfwEbeRWgbNEkqO")
        .unwrap();
    let id = s.submit(Command::authenticate("SCRAM-SHA-256", scram).unwrap());
    s.c("TTTT1 AUTHENTICATE SCRAM-SHA-256\r\n");
    s.s("+ \r\n");
    s.c(&format!("{}\r\n", b64(b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO")));
    (s, id)
}

const RFC7677_FIRST: &[u8] =
    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const RFC7677_FINAL: &[u8] = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const RFC7677_V: &[u8] = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

/// RFC 7677's exchange up to the server's signature (client-final checked).
fn rfc7677_at_final() -> (Script, imaplib_proto::CommandId) {
    let (mut s, id) = rfc7677(SCRAM_CAPS);
    s.s(&format!("+ {}\r\n", b64(RFC7677_FIRST)));
    s.c(&format!("{}\r\n", b64(RFC7677_FINAL)));
    (s, id)
}

#[test]
fn rfc_7677_vector_logs_in() {
    let (mut s, id) = rfc7677_at_final();
    s.pending(id);
    s.s(&format!("+ {}\r\n", b64(RFC7677_V)));
    // Verified: an empty response, then the tagged OK.
    s.c("\r\n");
    s.s(&format!(
        "TTTT1 OK [CAPABILITY IMAP4rev1 {SCRAM_CAPS} MOVE] Logged in\r\n"
    ));
    assert_eq!(
        s.ok(id),
        "('OK', [b'[CAPABILITY IMAP4rev1 AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256 MOVE] Logged in'])"
    );
    assert_eq!(s.conn.state(), State::Auth);
    assert!(s.conn.has_capability("MOVE"));
}

#[test]
fn rfc_5802_vector_logs_in() {
    let mut s = Script::connected(SCRAM_CAPS);
    let scram = Scram::sha1("user", "pencil")
        .unwrap()
        .with_nonce("fyko+d2lbbFgONRv9qkxdawL")
        .unwrap();
    let id = s.submit(Command::authenticate("scram-sha-1", scram).unwrap());
    s.c("TTTT1 AUTHENTICATE SCRAM-SHA-1\r\n");
    s.s("+\r\n");
    s.c(&format!(
        "{}\r\n",
        b64(b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL")
    ));
    s.s(&format!(
        "+ {}\r\n",
        b64(b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
    ));
    s.c(&format!(
        "{}\r\n",
        b64(b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")
    ));
    s.s(&format!("+ {}\r\n", b64(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")));
    s.c("\r\n");
    s.s("TTTT1 OK Logged in\r\n");
    // No capabilities with the OK: they are asked again.
    s.c("TTTT2 CAPABILITY\r\n");
    s.s("* CAPABILITY IMAP4rev1 IDLE\r\nTTTT2 OK done\r\n");
    assert_eq!(s.ok(id), "('OK', [b'Logged in'])");
    assert_eq!(s.conn.state(), State::Auth);
}

#[test]
fn a_tampered_server_signature_fails_the_login_after_ok() {
    let (mut s, id) = rfc7677_at_final();
    s.s(&format!(
        "+ {}\r\n",
        b64(b"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
    ));
    // Not verified: the exchange is cancelled…
    s.c("*\r\n");
    // … and a server that says OK all the same has not logged the client in.
    s.s("TTTT1 OK Logged in\r\n");
    let e = s.err(id);
    assert_eq!(sasl(&e), &SaslFailure::ServerSignature);
    assert_eq!(e.kind(), ErrorKind::Abort);
    assert_eq!(e.cause(), Cause::Sasl);
    assert_eq!(e.command(), Some("AUTHENTICATE"));
    assert!(e.to_string().contains("server signature"), "{e}");
    assert_ne!(s.conn.state(), State::Auth);
    // Nothing more goes to that server.
    assert_eq!(sasl(&s.fatal()), &SaslFailure::ServerSignature);
    assert!(s.conn.is_closed());
    assert!(s.conn.submit(Command::noop()).is_err());
    s.nothing_sent();
}

#[test]
fn a_tampered_server_signature_answered_bad_keeps_its_reason() {
    let (mut s, id) = rfc7677_at_final();
    s.s(&format!("+ {}\r\n", b64(b"v=not base64!")));
    s.c("*\r\n");
    // Dovecot's answer to `*`.
    s.s("TTTT1 BAD Authentication aborted by client.\r\n");
    let e = s.err(id);
    assert_eq!(sasl(&e), &SaslFailure::ServerSignature);
    assert_eq!(e.kind(), ErrorKind::Error);
    assert_eq!(s.conn.state(), State::NonAuth);
    // The connection goes on.
    let id = s.submit(Command::noop());
    s.c("TTTT2 NOOP\r\n");
    s.s("TTTT2 OK\r\n");
    s.ok(id);
}

#[test]
fn ok_without_a_server_signature_fails_the_login() {
    let (mut s, id) = rfc7677_at_final();
    s.s("TTTT1 OK [CAPABILITY IMAP4rev1] Logged in\r\n");
    let e = s.err(id);
    assert_eq!(sasl(&e), &SaslFailure::MissingServerSignature);
    assert_eq!(e.kind(), ErrorKind::Abort);
    assert!(s.conn.fatal_error().is_some());
    assert_ne!(s.conn.state(), State::Auth);
}

#[test]
fn a_wrong_password_is_the_servers_refusal() {
    let (mut s, id) = rfc7677_at_final();
    // Dovecot sends no e= for a wrong proof.
    s.s("TTTT1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    let e = s.err(id);
    let Reason::Refused(r) = e.reason() else {
        panic!("{e:?}")
    };
    assert_eq!(r.code_name(), Some("AUTHENTICATIONFAILED"));
    assert_eq!(e.kind(), ErrorKind::Error);
    assert_eq!(s.conn.state(), State::NonAuth);
    assert!(s.conn.fatal_error().is_none());
}

#[test]
fn a_server_error_in_the_final_message_is_reported() {
    let (mut s, id) = rfc7677_at_final();
    s.s(&format!("+ {}\r\n", b64(b"e=invalid-proof")));
    s.c("*\r\n");
    s.s("TTTT1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    let e = s.err(id);
    assert_eq!(
        sasl(&e),
        &SaslFailure::ServerError {
            value: "invalid-proof".into()
        }
    );
    assert_eq!(e.cause(), Cause::Server);
    assert!(e.to_string().contains("invalid-proof"), "{e}");
}

/// The server-first messages the client refuses: each cancels the exchange before the
/// proof is computed or sent, and the command fails with this reason whatever the server
/// answers to the cancel.
#[test]
fn bad_server_first_messages_cancel_before_the_proof() {
    let cases: Vec<(&[u8], SaslFailure)> = vec![
        (
            b"r=someoneElse%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            SaslFailure::NonceMismatch,
        ),
        (
            b"r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            SaslFailure::NonceMismatch,
        ),
        (
            b"r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4294967295",
            SaslFailure::IterationCount {
                value: 4_294_967_295,
                min: 4096,
                max: 1_000_000,
            },
        ),
        (
            b"r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1",
            SaslFailure::IterationCount {
                value: 1,
                min: 4096,
                max: 1_000_000,
            },
        ),
        (
            b"r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7so{}EsUEjb6gQ==,i=4096",
            SaslFailure::Malformed {
                what: "the salt is not base64",
            },
        ),
        (
            b"r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4k",
            SaslFailure::Malformed {
                what: "the iteration count is not a number",
            },
        ),
        (
            b"m=x,r=rOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            SaslFailure::MandatoryExtension,
        ),
        (
            b"e=other-error",
            SaslFailure::ServerError {
                value: "other-error".into(),
            },
        ),
    ];
    for (answer, tail) in [
        ("TTTT1 BAD Authentication aborted by client.\r\n", "BAD"),
        ("TTTT1 NO Authentication failed.\r\n", "NO"),
        ("TTTT1 OK Logged in\r\n", "OK"),
    ] {
        for (first, want) in &cases {
            let (mut s, id) = rfc7677(SCRAM_CAPS);
            s.s(&format!("+ {}\r\n", b64(first)));
            s.c("*\r\n");
            s.s(answer);
            let e = s.err(id);
            assert_eq!(sasl(&e), want, "after {tail}: {e}");
            assert_ne!(s.conn.state(), State::Auth);
            assert_eq!(e.kind() == ErrorKind::Abort, tail == "OK", "{e:?}");
        }
    }
}

#[test]
fn a_challenge_that_is_not_base64_keeps_its_reason_after_bad() {
    let (mut s, id) = rfc7677(SCRAM_CAPS);
    s.s("+ !!not base64!!\r\n");
    s.c("*\r\n");
    s.s("TTTT1 BAD Authentication aborted by client.\r\n");
    let e = s.err(id);
    assert!(
        matches!(
            e.reason(),
            Reason::Protocol {
                violation: Violation::BadChallenge,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn credentials_that_saslprep_refuses_are_refused_before_sending() {
    let e =
        Command::login_scram(&Script::connected(SCRAM_CAPS).conn, "jane", "tab\there").unwrap_err();
    assert_eq!(
        e.reason(),
        &Reason::argument("the password", ArgumentProblem::SaslPrep)
    );
    assert!(!format!("{e} {e:?}").contains("tab\there"));
    // Non-ASCII that SASLprep maps is fine: U+00A0 (no-break space) becomes a space.
    assert!(Scram::sha256("jane", "p\u{a0}w").is_ok());
}

// ----- a server-side SCRAM, for channel binding -------------------------------------------

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// The server's half of SCRAM-SHA-256 for one user, with its own salt and nonce.
struct Server {
    salted: Vec<u8>,
    salt: &'static [u8],
    iterations: u32,
    nonce: &'static str,
    client_first_bare: String,
    server_first: String,
}

impl Server {
    fn new(password: &str) -> Self {
        let salt = b"some salt, 16 b.";
        let mut salted = vec![0; 32];
        pbkdf2::pbkdf2::<HmacSha256>(password.as_bytes(), salt, 4096, &mut salted).unwrap();
        Server {
            salted,
            salt,
            iterations: 4096,
            nonce: "%server)nonce\"with{odd}chars",
            client_first_bare: String::new(),
            server_first: String::new(),
        }
    }

    /// Reads client-first: its GS2 header must be `gs2`. Returns server-first.
    fn first(&mut self, client_first: &[u8], gs2: &str) -> String {
        let text = std::str::from_utf8(client_first).unwrap();
        let bare = text
            .strip_prefix(gs2)
            .unwrap_or_else(|| panic!("GS2 header {gs2:?} expected: {text}"));
        let client_nonce = bare.split(",r=").nth(1).unwrap();
        self.client_first_bare = bare.to_string();
        self.server_first = format!(
            "r={client_nonce}{},s={},i={}",
            self.nonce,
            b64(self.salt),
            self.iterations
        );
        self.server_first.clone()
    }

    /// Reads client-final: `c=` must carry the GS2 header and this binding data, the proof
    /// must verify. Returns server-final, or `e=` as a real server would.
    fn last(&self, client_final: &[u8], gs2: &str, cbind: &[u8]) -> String {
        let text = std::str::from_utf8(client_final).unwrap();
        let (without_proof, proof) = text.rsplit_once(",p=").unwrap();
        let c = without_proof
            .strip_prefix("c=")
            .unwrap()
            .split(',')
            .next()
            .unwrap();
        if B64.decode(c).unwrap() != [gs2.as_bytes(), cbind].concat() {
            return "e=channel-bindings-dont-match".into();
        }
        let auth_message = format!(
            "{},{},{without_proof}",
            self.client_first_bare, self.server_first
        );
        let client_key = hmac(&self.salted, b"Client Key");
        let stored_key = Sha256::digest(&client_key);
        let signature = hmac(&stored_key, auth_message.as_bytes());
        let proof = B64.decode(proof).unwrap();
        let recovered: Vec<u8> = proof.iter().zip(&signature).map(|(p, s)| p ^ s).collect();
        if Sha256::digest(&recovered) != stored_key {
            return "e=invalid-proof".into();
        }
        let server_key = hmac(&self.salted, b"Server Key");
        format!("v={}", b64(&hmac(&server_key, auth_message.as_bytes())))
    }
}

/// Decodes the one base64 line the client sent.
fn sent_line(s: &mut Script) -> Vec<u8> {
    let sent = s.take_sent();
    let line = sent.strip_suffix(b"\r\n").expect("one line");
    B64.decode(line).expect("base64")
}

/// A full exchange with the server-side SCRAM above: the client binds with `cbind` under
/// the GS2 header `gs2`.
fn exchange_with_binding(
    caps: &str,
    binding: ChannelBinding,
    command: impl FnOnce(&imaplib_proto::Connection) -> Command,
    mechanism: &str,
    gs2: &str,
    cbind: &[u8],
) -> String {
    let mut s = Script::connected(caps);
    s.conn.set_channel_binding(Some(binding));
    let cmd = command(&s.conn);
    let id = s.submit(cmd);
    s.c(&format!("TTTT1 AUTHENTICATE {mechanism}\r\n"));
    s.s("+ \r\n");
    let mut server = Server::new("pencil");
    let first = server.first(&sent_line(&mut s), gs2);
    s.s(&format!("+ {}\r\n", b64(first.as_bytes())));
    let last = server.last(&sent_line(&mut s), gs2, cbind);
    s.s(&format!("+ {}\r\n", b64(last.as_bytes())));
    if last.starts_with("v=") {
        s.c("\r\n");
        s.s("TTTT1 OK [CAPABILITY IMAP4rev1] Logged in\r\n");
        s.ok(id);
        assert_eq!(s.conn.state(), State::Auth);
        last
    } else {
        s.c("*\r\n");
        s.s("TTTT1 BAD Authentication aborted by client.\r\n");
        s.err(id).to_string()
    }
}

const EXPORTER: [u8; 32] = [0x5a; 32];

fn plus_caps() -> &'static str {
    "AUTH=SCRAM-SHA-256 AUTH=SCRAM-SHA-256-PLUS"
}

#[test]
fn plus_binds_with_tls_exporter() {
    let binding = ChannelBinding::new()
        .with(ChannelBindingType::TlsExporter, EXPORTER)
        .with(ChannelBindingType::TlsServerEndPoint, [1u8; 32]);
    // login_scram picks -PLUS, and tls-exporter first.
    let last = exchange_with_binding(
        plus_caps(),
        binding.clone(),
        |c| Command::login_scram(c, "user", "pencil").unwrap(),
        "SCRAM-SHA-256-PLUS",
        "p=tls-exporter,,",
        &EXPORTER,
    );
    assert!(last.starts_with("v="), "{last}");
    // A server with other binding data (another TLS session: a man in the middle) says so.
    let other = ChannelBinding::new().with(ChannelBindingType::TlsExporter, [0x5b; 32]);
    let err = exchange_with_binding(
        plus_caps(),
        other,
        |c| Command::login_scram(c, "user", "pencil").unwrap(),
        "SCRAM-SHA-256-PLUS",
        "p=tls-exporter,,",
        &EXPORTER,
    );
    assert!(err.contains("channel-bindings-dont-match"), "{err}");
}

#[test]
fn plus_binds_with_tls_server_end_point() {
    // A certificate-shaped DER signed with ECDSA-SHA-384: the end-point hash is SHA-384.
    let cert = fake_certificate(&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03]);
    let hash = sha2::Sha384::digest(&cert).to_vec();
    let binding = ChannelBinding::new()
        .with(ChannelBindingType::TlsExporter, EXPORTER)
        .with_server_certificate(&cert);
    assert_eq!(
        binding.get(ChannelBindingType::TlsServerEndPoint),
        Some(&hash[..])
    );
    let last = exchange_with_binding(
        plus_caps(),
        binding,
        |_| {
            let scram = Scram::sha256("user", "pencil")
                .unwrap()
                .with_channel_binding_type(ChannelBindingType::TlsServerEndPoint);
            Command::authenticate("SCRAM-SHA-256-PLUS", scram).unwrap()
        },
        "SCRAM-SHA-256-PLUS",
        "p=tls-server-end-point,,",
        &hash,
    );
    assert!(last.starts_with("v="), "{last}");
}

/// RFC 7677's vector, bound: the same nonce, salt and iteration count, with the GS2 header
/// `p=tls-exporter,,` and the exporter bytes in `c=`, against the server-side SCRAM.
#[test]
fn rfc_7677_vector_adapted_to_channel_binding() {
    let mut s = Script::connected(plus_caps());
    s.conn.set_channel_binding(Some(
        ChannelBinding::new().with(ChannelBindingType::TlsExporter, EXPORTER),
    ));
    let scram = Scram::sha256("user", "pencil")
        .unwrap()
        .with_nonce("rOprNGfwEbeRWgbNEkqO")
        .unwrap();
    let id = s.submit(Command::authenticate("SCRAM-SHA-256-PLUS", scram).unwrap());
    s.c("TTTT1 AUTHENTICATE SCRAM-SHA-256-PLUS\r\n");
    s.s("+ \r\n");
    assert_eq!(
        sent_line(&mut s),
        b"p=tls-exporter,,n=user,r=rOprNGfwEbeRWgbNEkqO"
    );
    s.s(&format!("+ {}\r\n", b64(RFC7677_FIRST)));
    let client_final = String::from_utf8(sent_line(&mut s)).unwrap();
    let c = b64(&[&b"p=tls-exporter,,"[..], &EXPORTER].concat());
    let prefix = format!("c={c},r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=");
    assert!(client_final.starts_with(&prefix), "{client_final}");
    // The server side of RFC 7677 (its salted password) with the bound AuthMessage.
    let salted = hex("c4a49510323ab4f952cac1fa99441939e78ea74d6be81ddf7096e87513dc615d");
    let auth_message = format!(
        "n=user,r=rOprNGfwEbeRWgbNEkqO,{},{}",
        std::str::from_utf8(RFC7677_FIRST).unwrap(),
        client_final.rsplit_once(",p=").unwrap().0
    );
    let client_key = hmac(&salted, b"Client Key");
    let signature = hmac(&Sha256::digest(&client_key), auth_message.as_bytes());
    let proof: Vec<u8> = client_key
        .iter()
        .zip(&signature)
        .map(|(k, s)| k ^ s)
        .collect();
    assert_eq!(client_final, format!("{prefix}{}", b64(&proof)));
    assert_ne!(
        client_final.as_bytes(),
        RFC7677_FINAL,
        "binding changes the proof"
    );
    let v = hmac(&hmac(&salted, b"Server Key"), auth_message.as_bytes());
    s.s(&format!(
        "+ {}\r\n",
        b64(format!("v={}", b64(&v)).as_bytes())
    ));
    s.c("\r\n");
    s.s("TTTT1 OK Logged in\r\n");
    s.c("TTTT2 CAPABILITY\r\n");
    s.s("* CAPABILITY IMAP4rev1\r\nTTTT2 OK done\r\n");
    s.ok(id);
    // The unbound server signature does not verify a bound exchange.
    let (mut s, id) = {
        let mut s = Script::connected(plus_caps());
        s.conn.set_channel_binding(Some(
            ChannelBinding::new().with(ChannelBindingType::TlsExporter, EXPORTER),
        ));
        let scram = Scram::sha256("user", "pencil")
            .unwrap()
            .with_nonce("rOprNGfwEbeRWgbNEkqO")
            .unwrap();
        let id = s.submit(Command::authenticate("SCRAM-SHA-256-PLUS", scram).unwrap());
        s.s("+ \r\n");
        s.s(&format!("+ {}\r\n", b64(RFC7677_FIRST)));
        let _ = s.take_sent();
        (s, id)
    };
    s.s(&format!("+ {}\r\n", b64(RFC7677_V)));
    s.c("*\r\n");
    s.s("TTTT1 OK Logged in\r\n");
    assert_eq!(sasl(&s.err(id)), &SaslFailure::ServerSignature);
}

#[test]
fn downgrade_policy() {
    let tls = || ChannelBinding::new().with(ChannelBindingType::TlsExporter, EXPORTER);
    // The server offers -PLUS and the connection can bind: SCRAM-SHA-256 is refused
    // before a byte is sent.
    let mut s = Script::connected(plus_caps());
    s.conn.set_channel_binding(Some(tls()));
    let e = s
        .refused(Command::authenticate("SCRAM-SHA-256", Scram::sha256("u", "p").unwrap()).unwrap());
    assert_eq!(
        sasl(&e),
        &SaslFailure::Downgrade {
            offered: "SCRAM-SHA-256-PLUS".into()
        }
    );
    assert_eq!(e.command(), Some("AUTHENTICATE"));
    // An explicit policy allows it, with `n`.
    let scram = Scram::sha256("u", "p")
        .unwrap()
        .with_nonce("N")
        .unwrap()
        .with_channel_binding(ChannelBindingPolicy::Disable);
    let id = s.submit(Command::authenticate("SCRAM-SHA-256", scram).unwrap());
    s.c("TTTT1 AUTHENTICATE SCRAM-SHA-256\r\n");
    s.s("+ \r\n");
    assert_eq!(sent_line(&mut s), b"n,,n=u,r=N");
    s.s("TTTT1 NO no\r\n");
    let _ = s.err(id);

    // The server offers no -PLUS over a bindable connection: `y`, which tells a server
    // that does support it that -PLUS was stripped.
    let mut s = Script::connected(SCRAM_CAPS);
    s.conn.set_channel_binding(Some(tls()));
    let id = s.submit(Command::login_scram(&s.conn, "u", "p").unwrap());
    s.c("TTTT1 AUTHENTICATE SCRAM-SHA-256\r\n");
    s.s("+ \r\n");
    assert!(sent_line(&mut s).starts_with(b"y,,n=u,r="));
    s.s("TTTT1 NO no\r\n");
    let _ = s.err(id);

    // Without TLS: `n`; -PLUS cannot be asked for.
    let mut s = Script::connected(plus_caps());
    let e = s.refused(
        Command::authenticate("SCRAM-SHA-256-PLUS", Scram::sha256("u", "p").unwrap()).unwrap(),
    );
    assert_eq!(sasl(&e), &SaslFailure::ChannelBindingUnavailable);
    let id = s.submit(Command::login_scram(&s.conn, "u", "p").unwrap());
    s.c("TTTT1 AUTHENTICATE SCRAM-SHA-256\r\n");
    s.s("+ \r\n");
    assert!(sent_line(&mut s).starts_with(b"n,,n=u,r="));
    s.s("TTTT1 NO no\r\n");
    let _ = s.err(id);

    // Binding required: nothing without -PLUS.
    let mut s = Script::connected(SCRAM_CAPS);
    s.conn.set_channel_binding(Some(tls()));
    let scram = Scram::sha256("u", "p")
        .unwrap()
        .with_channel_binding(ChannelBindingPolicy::Require);
    let e = s.refused(Command::authenticate("SCRAM-SHA-256", scram).unwrap());
    assert_eq!(sasl(&e), &SaslFailure::ChannelBindingUnavailable);

    // A server without SCRAM.
    let s = Script::connected("AUTH=PLAIN");
    let e = Command::login_scram(&s.conn, "u", "p").unwrap_err();
    assert!(matches!(e.reason(), Reason::Unsupported { .. }), "{e:?}");
    // Empty binding data counts as none.
    let mut s = Script::connected(plus_caps());
    s.conn.set_channel_binding(Some(ChannelBinding::new()));
    assert!(s.conn.channel_binding().is_none());
}

#[test]
fn secrets_never_appear_in_outputs_errors_or_debug() {
    use imaplib_proto::Output;
    let password = "Pencil-s3cret";
    for tamper in [false, true] {
        let mut s = Script::connected(SCRAM_CAPS);
        let scram = Scram::sha256("user", password).unwrap();
        assert!(!format!("{scram:?}").contains(password));
        // Everything the connection outputs is shown (Debug, and Display for sends), and
        // the bytes sent are kept to play the server.
        let mut shown = Vec::new();
        let mut sent = Vec::new();
        fn feed(s: &mut Script, server: &[u8], shown: &mut Vec<String>, sent: &mut Vec<Vec<u8>>) {
            s.conn.feed(server);
            while let Some(o) = s.conn.poll_output() {
                shown.push(format!("{o:?}"));
                match o {
                    Output::Send(out) => {
                        shown.push(out.to_string());
                        sent.push(out.bytes);
                    }
                    Output::Completed { result: Err(e), .. } | Output::Error(e) => {
                        shown.push(format!("{e}"));
                    }
                    _ => {}
                }
            }
        }
        let cmd = Command::login_scram(&s.conn, "user", password).unwrap();
        shown.push(format!("{cmd:?}"));
        let id = s.conn.submit(cmd).unwrap();
        feed(&mut s, b"", &mut shown, &mut sent);
        feed(&mut s, b"+ \r\n", &mut shown, &mut sent);
        let line = |sent: &Vec<Vec<u8>>| {
            let last = sent.last().unwrap();
            B64.decode(last.strip_suffix(b"\r\n").unwrap()).unwrap()
        };
        let mut server = Server::new(password);
        let first = server.first(&line(&sent), "n,,");
        feed(
            &mut s,
            format!("+ {}\r\n", b64(first.as_bytes())).as_bytes(),
            &mut shown,
            &mut sent,
        );
        let client_final = line(&sent);
        let mut last = server.last(&client_final, "n,,", b"");
        assert!(last.starts_with("v="), "{last}");
        if tamper {
            last = "v=AAAA".into();
        }
        feed(
            &mut s,
            format!("+ {}\r\n", b64(last.as_bytes())).as_bytes(),
            &mut shown,
            &mut sent,
        );
        feed(
            &mut s,
            b"BCDE1 OK [CAPABILITY IMAP4rev1] Logged in\r\n",
            &mut shown,
            &mut sent,
        );
        let all = format!("{shown:?} {:?} {id:?}", s.conn);
        // Both responses were marked secret: only their sizes show.
        assert!(all.contains("<redacted"), "{all}");
        assert_eq!(all.contains("server signature"), tamper, "{all}");
        let proof = String::from_utf8(client_final.clone()).unwrap();
        let proof = proof.rsplit_once(",p=").unwrap().1.to_string();
        for secret in [password, &proof, &b64(&client_final)] {
            assert!(!all.contains(secret), "{secret:?} shown: {all}");
        }
    }
}

/// A certificate-shaped DER structure whose signature algorithm is `oid`.
fn fake_certificate(oid: &[u8]) -> Vec<u8> {
    fn el(tag: u8, contents: &[u8]) -> Vec<u8> {
        assert!(contents.len() < 128);
        [&[tag, contents.len() as u8][..], contents].concat()
    }
    let tbs = el(0x30, b"to be signed");
    let alg = el(0x30, &el(0x06, oid));
    el(0x30, &[tbs, alg, el(0x03, &[0, 1])].concat())
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

// ----- no panic on anything a server sends --------------------------------------------------

use imaplib_proto::Authenticator;
use proptest::prelude::*;

/// A server message: random bytes, or a valid one with a few bytes changed.
fn server_message(valid: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..120),
        proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4).prop_map(move |edits| {
            let mut m = valid.to_vec();
            for (at, b) in edits {
                let at = at % (m.len() + 1);
                if at == m.len() {
                    m.push(b);
                } else {
                    m[at] = b;
                }
            }
            m
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever the server sends, the exchange answers or cancels, never panics, and ends
    /// in success only with the right server signature.
    #[test]
    fn scram_survives_any_server_message(
        first in server_message(RFC7677_FIRST),
        last in server_message(RFC7677_V),
        ok in any::<bool>(),
    ) {
        let mut s = Scram::sha256("user", "pencil")
            .unwrap()
            .with_nonce("rOprNGfwEbeRWgbNEkqO")
            .unwrap()
            // Small counts only, so that each case stays fast.
            .with_iterations(1, 5000);
        prop_assert!(s.step(b"").is_some());
        let answered = s.step(&first).is_some();
        let verified = answered && s.step(&last) == Some(Vec::new());
        let outcome = s.finish(ok);
        if verified {
            prop_assert!(outcome.is_ok());
            prop_assert_eq!(&first[..], RFC7677_FIRST);
            prop_assert_eq!(&last[..], RFC7677_V);
        } else if ok {
            prop_assert!(outcome.is_err());
        }
    }
}
