//! LOGIN-REFERRALS (RFC 2221), by transcript: Dovecot advertises the capability but sends a
//! referral only when a passdb asks for one, which the test server does not. A refused
//! LOGIN or AUTHENTICATE carrying `[REFERRAL imap-url]` is an error whose typed code gives
//! the URL; an `OK [REFERRAL …]` to LOGIN is a success that still shows it; a malformed
//! referral never breaks the session.

mod common;

use common::Script;
use imaplib_proto::parse::Code;
use imaplib_proto::{Command, Reason};

const CAPS: &str = "SASL-IR LOGIN-REFERRALS AUTH=PLAIN";

fn referral(e: &imaplib_proto::Error) -> Option<String> {
    let Reason::Refused(r) = e.reason() else {
        panic!("not a refusal: {e:?}")
    };
    match r.code()? {
        Code::Referral(url) => Some(String::from_utf8_lossy(url).into_owned()),
        other => panic!("another code: {other:?}"),
    }
}

#[test]
fn a_refused_login_carries_the_referral_url() {
    let mut s = Script::connected(CAPS);
    let id = s.submit(Command::login("alice", "secret").unwrap());
    s.c("TTTT1 LOGIN alice \"secret\"\r\n");
    s.s("TTTT1 NO [REFERRAL imap://alice@imap2.example.org/] Try imap2\r\n");
    let e = s.err(id);
    assert_eq!(
        referral(&e).as_deref(),
        Some("imap://alice@imap2.example.org/")
    );
    assert!(!e.is_abort(), "the session goes on: {e}");

    // The session is usable: the next LOGIN goes out with the next tag.
    let id = s.submit(Command::login("alice", "secret").unwrap());
    s.c("TTTT2 LOGIN alice \"secret\"\r\n");
    s.s("TTTT2 OK [REFERRAL imap://alice@imap2.example.org/] Logged in, but move\r\n");
    // No CAPABILITY code: the client asks for the new capabilities before completing.
    s.c("TTTT3 CAPABILITY\r\n");
    s.s("* CAPABILITY IMAP4rev1 IDLE\r\nTTTT3 OK done\r\n");
    assert_eq!(
        s.ok(id),
        "('OK', [b'[REFERRAL imap://alice@imap2.example.org/] Logged in, but move'])"
    );
}

#[test]
fn a_refused_authenticate_carries_the_referral_url() {
    let mut s = Script::connected(CAPS);
    let id = s.submit(
        Command::authenticate("PLAIN", |_: &[u8]| Some(b"\0alice\0secret".to_vec())).unwrap(),
    );
    // imaplib's authenticate sends no initial response, SASL-IR or not.
    s.c("TTTT1 AUTHENTICATE PLAIN\r\n");
    s.s("+ \r\n");
    s.c("AGFsaWNlAHNlY3JldA==\r\n");
    s.s("TTTT1 NO [REFERRAL imap://;AUTH=GSSAPI@imap2.example.org/] Use Kerberos there\r\n");
    let e = s.err(id);
    assert_eq!(
        referral(&e).as_deref(),
        Some("imap://;AUTH=GSSAPI@imap2.example.org/")
    );
}

#[test]
fn a_malformed_referral_is_kept_as_text() {
    for wire in [
        "TTTT1 NO [REFERRAL] no url\r\n",
        "TTTT1 NO [REFERRAL imap://a b c] spaces\r\n",
        "TTTT1 NO [REFERRAL \u{1}\u{7f}] junk\r\n",
    ] {
        let mut s = Script::connected(CAPS);
        let id = s.submit(Command::login("alice", "secret").unwrap());
        s.take_sent();
        s.s(wire);
        let e = s.err(id);
        let Reason::Refused(r) = e.reason() else {
            panic!("{e:?}")
        };
        assert_eq!(r.code_name(), Some("REFERRAL"), "{wire}");
        // Whatever the code's data, the session stays in step.
        let id = s.submit(Command::noop());
        s.c("TTTT2 NOOP\r\n");
        s.s("TTTT2 OK done\r\n");
        s.ok(id);
    }
}
