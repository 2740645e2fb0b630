//! SASL SCRAM through both clients (the blocking one, and the async one under smol), each
//! written once in [`scram_cases!`]:
//!
//! - against the test Dovecot (`auth_mechanisms = … scram-sha-1 scram-sha-256`, plaintext
//!   passwords): SCRAM-SHA-1 and SCRAM-SHA-256 over plain TCP, STARTTLS and implicit TLS,
//!   with the imaplib face and the typed face, and `login_scram`; a wrong password is the
//!   server's refusal with its code; over TLS the client holds the session's
//!   channel-binding data (the end-point hash is the hash of Dovecot's certificate) and
//!   logs in with the GS2 flag `y`, which Dovecot 2.3 (no `-PLUS`) accepts;
//! - against scripted TLS servers that offer SCRAM-SHA-256-PLUS and run the server side
//!   of SCRAM themselves ([`imaplib_integration_tests::scram`]), taking the binding data
//!   from their own side of the TLS session: `tls-exporter` over implicit TLS and
//!   `tls-server-end-point` after STARTTLS log in; a server whose binding data differs (a
//!   man in the middle's other session) is refused; a non-PLUS mechanism while `-PLUS` is
//!   offered is refused before a byte is sent; `y` goes to a TLS server without `-PLUS`.

use std::time::Duration;

use imaplib_integration_tests::dovecot::{dovecot, UserAccount};
use imaplib_integration_tests::hostile::{tls_identity, Script, Server};
use imaplib_integration_tests::scram::{exchange, ServerBinding};
use imaplib_proto::auth::{ChannelBindingType, Scram, ScramHash};
use imaplib_proto::error::SaslFailure;
use imaplib_proto::tls::rustls::pki_types::{pem::PemObject, CertificateDer};
use imaplib_proto::{Config, ErrorKind, Reason, State};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Plain,
    StartTls,
    Tls,
}

const TRANSPORTS: [Transport; 3] = [Transport::Plain, Transport::StartTls, Transport::Tls];

const MECHANISMS: [(&str, ScramHash); 2] = [
    ("SCRAM-SHA-1", ScramHash::Sha1),
    ("SCRAM-SHA-256", ScramHash::Sha256),
];

fn dovecot_tls() -> Config {
    let d = dovecot();
    Config::default()
        .with_tls(imaplib_proto::tls::config_with_ca_pem(d.ca_pem()).unwrap())
        .with_tls_server_name(d.tls_server_name().to_string())
}

fn refused_code(e: &imaplib_proto::Error) -> Option<String> {
    match e.reason() {
        Reason::Refused(r) => r.code_name().map(str::to_string),
        _ => None,
    }
}

fn sasl(e: &imaplib_proto::Error) -> &SaslFailure {
    match e.reason() {
        Reason::Sasl(f) => f,
        other => panic!("not a SASL failure: {other:?} ({e})"),
    }
}

/// Dovecot's server certificate, DER.
fn dovecot_certificate() -> Vec<u8> {
    let path = dovecot().dir().join("server.pem");
    CertificateDer::from_pem_file(&path)
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
        .to_vec()
}

/// The scripted servers' certificate, DER.
fn scripted_certificate() -> Vec<u8> {
    CertificateDer::from_pem_slice(&tls_identity().cert_pem)
        .unwrap()
        .to_vec()
}

const PASSWORD: &str = "pencil \"with\" spaces";
const PLUS_CAPS: &str = "IMAP4rev1 AUTH=SCRAM-SHA-256 AUTH=SCRAM-SHA-256-PLUS";
const PLAIN_CAPS: &str = "IMAP4rev1 AUTH=SCRAM-SHA-256";

fn scripted_config() -> Config {
    Config::default()
        .with_tag_seed(0x1234)
        .with_timeout(Some(Duration::from_secs(10)))
        .with_tls(imaplib_proto::tls::config_with_only_ca_pem(&tls_identity().cert_pem).unwrap())
        .with_tls_server_name("localhost")
}

/// A scripted server: implicit TLS (or STARTTLS) with `caps`, then one SCRAM exchange that
/// expects the GS2 header `gs2`, then plain answers.
fn scripted(
    starttls: bool,
    caps: &'static str,
    gs2: &'static str,
    binding: ServerBinding,
) -> Server {
    let id = tls_identity();
    let cert = scripted_certificate();
    let script = if starttls {
        Script::new()
            .send("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n")
            .expect("STARTTLS")
            .reply("{tag} OK Begin TLS negotiation now\r\n")
            .start_tls(id.server.clone())
            .expect("CAPABILITY")
            .reply(&format!(
                "* CAPABILITY {caps}\r\n{{tag}} OK CAPABILITY completed\r\n"
            ))
    } else {
        Script::new()
            .start_tls(id.server.clone())
            .send(format!("* OK [CAPABILITY {caps}] ready\r\n"))
    };
    Server::start(
        script
            .expect("AUTHENTICATE")
            .custom(move |s| exchange(s, PASSWORD, &cert, gs2, binding, caps).map(drop))
            .respond_with(caps),
    )
}

/// The mechanism of the AUTHENTICATE command a scripted server received.
fn mechanism_received(server: Server) -> String {
    let report = server.finish();
    let t = &report.transcripts[0];
    assert!(t.error.is_none(), "script: {:?}", t.error);
    t.commands
        .iter()
        .find(|c| c.name() == "AUTHENTICATE")
        .map(|c| c.word(2))
        .unwrap_or_default()
}

macro_rules! scram_cases {
    ([$($async:tt)*] [$($await:tt)*]) => {
        $($async)* fn connect(transport: Transport) -> Client {
            let d = dovecot();
            let m = match transport {
                Transport::Plain => Client::connect(d.host(), d.plain_port())$($await)*,
                Transport::StartTls => {
                    Client::connect_starttls(d.host(), d.plain_port(), &dovecot_tls())$($await)*
                }
                Transport::Tls => {
                    Client::connect_tls_with(d.host(), d.tls_port(), &dovecot_tls())$($await)*
                }
            };
            let m = m.unwrap_or_else(|e| panic!("{transport:?}: {e}"));
            assert_eq!(m.is_secure(), transport != Transport::Plain);
            m
        }

        fn scram(hash: ScramHash, user: &UserAccount, password: &str) -> Scram {
            Scram::new(hash, &user.name, password).unwrap()
        }

        #[test]
        fn scram_logs_in_over_every_transport_with_both_faces() {
            run($($async)* {
                let user = dovecot().new_user();
                for transport in TRANSPORTS {
                    for (mechanism, hash) in MECHANISMS {
                        let what = format!("{CLIENT} {transport:?} {mechanism}");
                        // The imaplib face.
                        let mut m = connect(transport)$($await)*;
                        let r = m
                            .authenticate(mechanism, scram(hash, &user, &user.password))$($await)*
                            .unwrap_or_else(|e| panic!("{what}: {e:?}"));
                        assert_eq!(r.typ, "OK", "{what}");
                        assert_eq!(m.state(), State::Auth, "{what}");
                        let r = m.select("INBOX", false)$($await)*.unwrap();
                        assert_eq!(r.python_repr(), "('OK', [b'0'])", "{what}");
                        let _ = m.logout()$($await)*.unwrap();
                        // The typed face.
                        let mut m = connect(transport)$($await)*;
                        m.typed()
                            .authenticate(mechanism, scram(hash, &user, &user.password))$($await)*
                            .unwrap_or_else(|e| panic!("{what} (typed): {e:?}"));
                        assert_eq!(m.state(), State::Auth, "{what}");
                        assert_eq!(m.typed().select("INBOX")$($await)*.unwrap().exists, 0);
                    }
                    // login_scram picks SCRAM-SHA-256 (Dovecot 2.3 has no -PLUS); over TLS
                    // with the GS2 flag `y`, which Dovecot accepts as it offers no -PLUS.
                    let mut m = connect(transport)$($await)*;
                    let r = m.login_scram(&user.name, &user.password)$($await)*.unwrap();
                    assert_eq!(r.typ, "OK");
                    assert_eq!(m.state(), State::Auth);
                    let mut m = connect(transport)$($await)*;
                    m.typed().login_scram(&user.name, &user.password)$($await)*.unwrap();
                    assert_eq!(m.state(), State::Auth);
                }
            })
        }

        #[test]
        fn tls_sessions_hand_their_channel_binding_to_the_core() {
            run($($async)* {
                let end_point = Sha256::digest(dovecot_certificate()).to_vec();
                for transport in TRANSPORTS {
                    let m = connect(transport)$($await)*;
                    let cb = m.connection().channel_binding();
                    if transport == Transport::Plain {
                        assert!(cb.is_none());
                        continue;
                    }
                    let cb = cb.unwrap_or_else(|| panic!("{CLIENT} {transport:?}: no binding"));
                    // Dovecot 2.3.19 with OpenSSL 3 speaks TLS 1.3: tls-exporter exists.
                    assert_eq!(
                        cb.get(ChannelBindingType::TlsExporter).map(<[u8]>::len),
                        Some(32),
                        "{transport:?}"
                    );
                    // The server's certificate is signed with ECDSA-SHA-256.
                    assert_eq!(
                        cb.get(ChannelBindingType::TlsServerEndPoint),
                        Some(&end_point[..]),
                        "{transport:?}"
                    );
                }
                // Two sessions export different data.
                let a = connect(Transport::Tls)$($await)*;
                let b = connect(Transport::Tls)$($await)*;
                let exporter = |m: &Client| {
                    m.connection()
                        .channel_binding()
                        .and_then(|c| c.get(ChannelBindingType::TlsExporter))
                        .map(<[u8]>::to_vec)
                };
                assert_ne!(exporter(&a), exporter(&b));
            })
        }

        #[test]
        fn a_wrong_password_is_the_servers_refusal() {
            run($($async)* {
                let user = dovecot().new_user();
                for transport in [Transport::Plain, Transport::Tls] {
                    let mut m = connect(transport)$($await)*;
                    for (mechanism, hash) in MECHANISMS {
                        let what = format!("{CLIENT} {transport:?} {mechanism}");
                        let e = m
                            .authenticate(mechanism, scram(hash, &user, "wrong"))$($await)*
                            .unwrap_err();
                        assert_eq!(refused_code(&e).as_deref(), Some("AUTHENTICATIONFAILED"), "{what}: {e:?}");
                        assert_eq!(e.kind(), ErrorKind::Error, "{what}");
                        assert_eq!(m.state(), State::NonAuth, "{what}");
                        assert!(!format!("{e} {e:?}").contains(&user.password));
                    }
                    let e = m.typed().login_scram(&user.name, "wrong")$($await)*.unwrap_err();
                    assert_eq!(refused_code(&e).as_deref(), Some("AUTHENTICATIONFAILED"), "{e:?}");
                    // The connection goes on: the right password now.
                    m.typed().login_scram(&user.name, &user.password)$($await)*.unwrap();
                    assert_eq!(m.state(), State::Auth);
                }
            })
        }

        #[test]
        fn plus_mechanisms_dovecot_lacks_and_plus_without_tls() {
            run($($async)* {
                let user = dovecot().new_user();
                // Over TLS the client can bind, and asks: Dovecot 2.3 refuses the mechanism.
                let mut m = connect(Transport::Tls)$($await)*;
                let auth = scram(ScramHash::Sha256, &user, &user.password);
                let e = m.authenticate("SCRAM-SHA-256-PLUS", auth)$($await)*.unwrap_err();
                assert!(matches!(e.reason(), Reason::Refused(_)), "{e:?}");
                // Without TLS there is nothing to bind to: refused before sending.
                let mut m = connect(Transport::Plain)$($await)*;
                let auth = scram(ScramHash::Sha256, &user, &user.password);
                let e = m.authenticate("SCRAM-SHA-256-PLUS", auth)$($await)*.unwrap_err();
                assert_eq!(sasl(&e), &SaslFailure::ChannelBindingUnavailable);
                let _ = m.login_scram(&user.name, &user.password)$($await)*.unwrap();
            })
        }

        // ----- scripted -PLUS servers --------------------------------------------------

        $($async)* fn connect_scripted(server: &Server, starttls: bool) -> Client {
            let config = scripted_config();
            let m = if starttls {
                Client::connect_starttls("127.0.0.1", server.port(), &config)$($await)*
            } else {
                Client::connect_tls_with("127.0.0.1", server.port(), &config)$($await)*
            };
            m.unwrap()
        }

        #[test]
        fn plus_binds_to_the_tls_session_with_tls_exporter() {
            run($($async)* {
                for typed in [false, true] {
                    let server = scripted(false, PLUS_CAPS, "p=tls-exporter,,", ServerBinding::Session);
                    let mut m = connect_scripted(&server, false)$($await)*;
                    if typed {
                        m.typed().login_scram("user", PASSWORD)$($await)*.unwrap();
                    } else {
                        let r = m.login_scram("user", PASSWORD)$($await)*.unwrap();
                        assert_eq!(r.typ, "OK");
                    }
                    assert_eq!(m.state(), State::Auth);
                    let _ = m.logout()$($await)*;
                    assert_eq!(mechanism_received(server), "SCRAM-SHA-256-PLUS");
                }
            })
        }

        #[test]
        fn plus_binds_to_the_certificate_with_tls_server_end_point_after_starttls() {
            run($($async)* {
                let server = scripted(true, PLUS_CAPS, "p=tls-server-end-point,,", ServerBinding::Session);
                let mut m = connect_scripted(&server, true)$($await)*;
                let scram = Scram::sha256("user", PASSWORD)
                    .unwrap()
                    .with_channel_binding_type(ChannelBindingType::TlsServerEndPoint);
                let _ = m.authenticate("SCRAM-SHA-256-PLUS", scram)$($await)*.unwrap();
                assert_eq!(m.state(), State::Auth);
                let _ = m.logout()$($await)*;
                assert_eq!(mechanism_received(server), "SCRAM-SHA-256-PLUS");
            })
        }

        #[test]
        fn a_server_on_another_tls_session_is_refused() {
            run($($async)* {
                // The server binds to other data, as the far end of a man in the middle
                // (who holds two TLS sessions) would: it reports the mismatch.
                let server = scripted(false, PLUS_CAPS, "p=tls-exporter,,", ServerBinding::Other);
                let mut m = connect_scripted(&server, false)$($await)*;
                let e = m.login_scram("user", PASSWORD)$($await)*.unwrap_err();
                assert_eq!(
                    sasl(&e),
                    &SaslFailure::ServerError { value: "channel-bindings-dont-match".into() }
                );
                assert_eq!(m.state(), State::NonAuth);
                let _ = m.logout()$($await)*;
                let _ = server.finish();
            })
        }

        #[test]
        fn no_silent_downgrade_and_y_without_plus() {
            run($($async)* {
                // -PLUS offered, binding possible: a non-PLUS mechanism is refused before
                // anything is sent.
                let id = tls_identity();
                let server = Server::start(
                    Script::new()
                        .start_tls(id.server.clone())
                        .send(format!("* OK [CAPABILITY {PLUS_CAPS}] ready\r\n"))
                        .respond_with(PLUS_CAPS),
                );
                let mut m = connect_scripted(&server, false)$($await)*;
                let e = m
                    .authenticate("SCRAM-SHA-256", Scram::sha256("user", PASSWORD).unwrap())$($await)*
                    .unwrap_err();
                assert_eq!(
                    sasl(&e),
                    &SaslFailure::Downgrade { offered: "SCRAM-SHA-256-PLUS".into() }
                );
                let _ = m.logout()$($await)*;
                let report = server.finish();
                assert!(!report.transcripts[0].received_contains("AUTHENTICATE"));
                // No -PLUS offered over TLS: SCRAM-SHA-256 with `y`.
                let server = scripted(false, PLAIN_CAPS, "y,,", ServerBinding::Session);
                let mut m = connect_scripted(&server, false)$($await)*;
                let _ = m.login_scram("user", PASSWORD)$($await)*.unwrap();
                assert_eq!(m.state(), State::Auth);
                let _ = m.logout()$($await)*;
                assert_eq!(mechanism_received(server), "SCRAM-SHA-256");
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

    scram_cases!([] []);
}

mod asynchronous {
    use super::*;
    use imaplib_async::smol::Client;

    const CLIENT: &str = "async (smol)";

    fn run<T>(body: impl std::future::Future<Output = T>) -> T {
        smol::block_on(body)
    }

    scram_cases!([async] [.await]);
}
