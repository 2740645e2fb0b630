//! The rules where this crate is deliberately safer than imaplib (reference security.md).

mod common;

use common::Script;
use imaplib_proto::auth::XOAuth2;
use imaplib_proto::{Cause, Command, ErrorKind, Options, Output, State};

fn tls_capable() -> Script {
    let mut s = Script::new(Script::opts());
    s.s("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n");
    s.expect_connected();
    s
}

#[test]
fn starttls_flow_discards_pre_tls_state() {
    let mut s = tls_capable();
    let id = s.submit(Command::starttls());
    // Nothing may follow STARTTLS on the cleartext wire.
    let noop = s.submit(Command::noop());
    s.c("TTTT0 STARTTLS\r\n");
    // A man in the middle injects capabilities and data before the OK.
    s.s("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n* OK [ALERT] pay here\r\nTTTT0 OK Begin TLS negotiation now.\r\n");
    let events = s.take_events();
    assert!(
        matches!(events.as_slice(), [Output::StartTls { id: i }] if *i == id),
        "{events:?}"
    );
    s.nothing_sent();
    s.conn.tls_established().unwrap();
    assert!(s.conn.is_secure());
    assert!(
        s.conn.untagged_responses().next().is_none(),
        "store flushed"
    );
    // The capabilities are asked first; the NOOP queued behind STARTTLS goes out only
    // now, over TLS.
    s.c("TTTT2 CAPABILITY\r\nTTTT1 NOOP\r\n");
    s.s("* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN\r\nTTTT2 OK done\r\n");
    assert_eq!(s.ok(id), "('OK', [None])");
    assert_eq!(
        s.conn.capabilities(),
        ["IMAP4REV1", "AUTH=PLAIN", "AUTH=LOGIN"]
    );
    s.s("TTTT1 OK NOOP completed\r\n");
    s.ok(noop);
    // STARTTLS twice is an abort, as in imaplib.
    let err = s.refused(Command::starttls());
    assert!(err.is_abort());
}

#[test]
fn starttls_response_injection_in_the_same_segment_is_fatal() {
    let mut s = tls_capable();
    let id = s.submit(Command::starttls());
    s.c("TTTT0 STARTTLS\r\n");
    s.s("TTTT0 OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n");
    let err = s.err(id);
    assert!(
        err.is_abort() && err.message().contains("response injection"),
        "{err}"
    );
    assert_eq!(
        s.fatal().bytes(),
        Some(&b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"[..])
    );
    assert!(s.conn.tls_established().is_err());
}

#[test]
fn starttls_response_injection_in_the_next_segment_is_fatal() {
    let mut s = tls_capable();
    let id = s.submit(Command::starttls());
    s.c("TTTT0 STARTTLS\r\n");
    s.s("TTTT0 OK Begin TLS\r\n");
    assert!(matches!(
        s.take_events().as_slice(),
        [Output::StartTls { .. }]
    ));
    s.s("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n");
    assert!(s.err(id).is_abort());
    assert!(s.fatal().message().contains("response injection"));
}

#[test]
fn starttls_stripping_is_caught_before_credentials() {
    // Capability missing.
    let mut opts = Script::opts();
    opts.require_tls = true;
    let mut s = Script::new(opts.clone());
    s.s("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
    s.expect_connected();
    let err = s.refused(Command::starttls());
    assert!(err.is_abort());
    assert_eq!(err.message(), "TLS not supported by server");
    let err = s.refused(Command::login("user", "secret").unwrap());
    assert_eq!(err.cause(), Cause::TlsPolicy);
    let err = s.refused(Command::login_plain("user", "secret").unwrap());
    assert_eq!(err.cause(), Cause::TlsPolicy);
    // Refused with NO or BAD.
    for answer in ["NO not now", "BAD what"] {
        let mut s = Script::new(opts.clone());
        s.s("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n");
        s.expect_connected();
        let id = s.submit(Command::starttls());
        s.c("TTTT0 STARTTLS\r\n");
        s.s(&format!("TTTT0 {answer}\r\n"));
        let err = s.err(id);
        assert_eq!(err.kind(), ErrorKind::Error);
        assert!(!s.conn.is_secure());
        assert_eq!(
            s.refused(Command::login("user", "secret").unwrap()).cause(),
            Cause::TlsPolicy
        );
    }
    // Answered with a continuation request.
    let mut s = Script::new(opts.clone());
    s.s("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n");
    s.expect_connected();
    let id = s.submit(Command::starttls());
    s.c("TTTT0 STARTTLS\r\n");
    s.s("+ go ahead\r\n");
    assert!(s.err(id).is_abort());
    assert!(s.fatal().message().contains("unexpected continuation"));
    // PREAUTH on cleartext.
    let mut s = Script::new(opts);
    s.s("* PREAUTH [CAPABILITY IMAP4rev1] Logged in as alice\r\n");
    let err = s.fatal();
    assert_eq!(err.cause(), Cause::TlsPolicy);
    s.nothing_sent();
}

#[test]
fn pre_auth_responses_are_filtered() {
    let mut s = Script::connected("");
    s.s(
        "* 5 EXISTS\r\n* LIST () \"/\" evil\r\n* OK [READ-ONLY] gotcha\r\n* 1 FETCH (FLAGS ())\r\n",
    );
    assert_eq!(s.conn.state(), State::NonAuth);
    for t in ["EXISTS", "LIST", "READ-ONLY", "FETCH"] {
        assert!(s.stored(t).is_none(), "{t} stored before login");
    }
    assert!(s.conn.diagnostics().dropped_untagged >= 4);
    // A forged READ-ONLY would otherwise poison every command with `readonly`.
    let id = s.submit(Command::noop());
    s.c("TTTT1 NOOP\r\n");
    s.s("TTTT1 OK done\r\n");
    s.ok(id);
}

#[test]
fn mailbox_data_outside_selected_state_is_not_stored() {
    let mut s = Script::authed("");
    s.s("* 3 EXISTS\r\n* 1 FETCH (FLAGS (\\Seen))\r\n* 2 EXPUNGE\r\n* FLAGS (\\Seen)\r\n");
    for t in ["EXISTS", "FETCH", "EXPUNGE", "FLAGS"] {
        assert!(s.stored(t).is_none(), "{t}");
    }
    // The same data during SELECT is the mailbox's.
    let id = s.submit(Command::select("INBOX", false).unwrap());
    s.s("* FLAGS (\\Seen)\r\n* 3 EXISTS\r\nTTTT2 OK [READ-WRITE] done\r\n");
    assert_eq!(s.ok(id), "('OK', [b'3'])");
    s.s("* 4 EXISTS\r\n");
    assert_eq!(s.stored("EXISTS").as_deref(), Some("[b'3', b'4']"));
}

#[test]
fn unknown_tags_are_fatal() {
    for line in ["TTTT7 OK what?", "TTTT01 OK hmm", "XYZW1 OK not ours"] {
        let mut s = Script::authed("");
        let id = s.submit(Command::noop());
        s.c("TTTT2 NOOP\r\n");
        s.s(&format!("{line}\r\n"));
        let err = s.err(id);
        assert!(err.is_abort(), "{line}: {err}");
        let fatal = s.fatal();
        assert_eq!(fatal.cause(), Cause::Protocol);
        assert!(fatal.bytes().is_some());
    }
}

#[test]
fn stray_continuation_is_fatal() {
    let mut s = Script::authed("");
    let id = s.submit(Command::noop());
    s.c("TTTT2 NOOP\r\n");
    s.s("+ hello\r\n");
    assert!(s.err(id).is_abort());
}

#[test]
fn alerts_only_count_on_secure_connections() {
    let mut s = Script::connected("");
    s.s("* OK [ALERT] Your password expired: call 555-1234\r\n");
    assert!(s.stored("ALERT").is_none());
    // The text itself is not lost.
    assert!(s.stored("OK").unwrap().contains("555-1234"));
    let mut opts = Script::opts();
    opts.secure = true;
    let mut s = Script::new(opts);
    s.s("* OK [CAPABILITY IMAP4rev1] hi\r\n* OK [ALERT] maintenance at noon\r\n");
    s.expect_connected();
    // imaplib stores the code's data (none here); the text stays with the OK.
    assert_eq!(s.stored("ALERT").as_deref(), Some("[b'']"));
    assert!(s.stored("OK").unwrap().contains("maintenance at noon"));
}

#[test]
fn referrals_are_returned_as_data_never_followed() {
    let mut s = Script::connected("");
    let id = s.submit(Command::login("user", "pass").unwrap());
    s.c("TTTT1 LOGIN user \"pass\"\r\n");
    s.s("TTTT1 NO [REFERRAL IMAP://user;AUTH=*@SERVER2/] Specified user is invalid on this server. Try SERVER2.\r\n");
    let err = s.err(id);
    assert!(err
        .message()
        .starts_with("[REFERRAL IMAP://user;AUTH=*@SERVER2/]"));
    s.nothing_sent();
    let mut s = Script::authed("");
    let id = s.submit(Command::select("REMOTE", false).unwrap());
    s.c("TTTT2 SELECT REMOTE\r\n");
    s.s("TTTT2 NO [REFERRAL IMAP://user;AUTH=*@SERVER2/REMOTE] Remote mailbox.\r\n");
    assert_eq!(
        s.ok(id),
        "('NO', [b'[REFERRAL IMAP://user;AUTH=*@SERVER2/REMOTE] Remote mailbox.'])"
    );
    assert_eq!(
        s.conn.response("REFERRAL").python_repr(),
        "('REFERRAL', [b'IMAP://user;AUTH=*@SERVER2/REMOTE'])"
    );
    s.nothing_sent();
}

#[test]
fn the_untagged_store_is_bounded() {
    let mut opts = Script::opts();
    opts.max_stored = 1 << 20;
    let mut s = Script::new(opts);
    s.s("* OK [CAPABILITY IMAP4rev1] hi\r\n");
    s.expect_connected();
    let id = s.submit(Command::login("u", "p").unwrap());
    s.s("TTTT0 OK [CAPABILITY IMAP4rev1] ok\r\n");
    s.ok(id);
    let id = s.submit(Command::select("INBOX", false).unwrap());
    s.s("TTTT1 OK [READ-WRITE] ok\r\n");
    s.ok(id);
    let flood: String = (0..100_000).map(|n| format!("* {n} EXISTS\r\n")).collect();
    s.s(&flood);
    let err = s.fatal();
    assert_eq!(err.cause(), Cause::Limit);
    assert!(err.message().contains("max_stored"));
    assert!(s.conn.stored_bytes() <= 1 << 20);
}

#[test]
fn nul_and_injection_never_reach_the_wire() {
    let mut s = Script::selected("");
    let attempts: Vec<imaplib_proto::Result<Command>> = vec![
        Command::select("INBOX\0", false),
        Command::login("a", "b\0"),
        Command::search(None, &["FROM x\r\nTTTT9 DELETE INBOX"]),
        Command::search(None, &["TEXT {3}"]),
        Command::store("1", "+FLAGS\r\n", "\\Seen"),
        Command::store("1", "+FLAGS", "\\Seen\n"),
        Command::fetch("1\r\n", "FLAGS"),
        Command::fetch("1", "FLAGS)\r\nX"),
        Command::status("INBOX", "MESSAGES\r\n"),
        Command::setquota("", "STORAGE 1\r\n"),
        Command::xatom("X", &["\r\n"]),
        Command::xatom("X\r\nY", &[]),
        Command::enable("X\nY"),
        Command::id(Some(&[("a", Some("b\0"))])),
        Command::sort("(DATE\r\n)", "UTF-8", &["ALL"]),
        Command::thread("REF ERENCES", "UTF-8", &["ALL"]),
        Command::setannotation(&["a\r\nb"]),
        Command::getannotation("INBOX", "/x\r\n", "y"),
    ];
    for a in attempts {
        assert!(a.is_err(), "{a:?}");
    }
    // Where a string may be a literal, CR/LF travel safely inside one.
    let id = s.submit(Command::create("x\r\nA9 DELETE INBOX").unwrap());
    s.c("TTTT3 CREATE \"x&AA0ACg-A9 DELETE INBOX\"\r\n");
    s.s("TTTT3 OK done\r\n");
    s.ok(id);
    let id = s.submit(Command::create(&b"x\r\nA9 DELETE INBOX"[..]).unwrap());
    s.c("TTTT4 CREATE {18}\r\n");
    s.s("+\r\n");
    s.c("x\r\nA9 DELETE INBOX\r\n");
    s.s("TTTT4 OK done\r\n");
    s.ok(id);
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let mut s = Script::connected("AUTH=XOAUTH2");
    let id = s.submit(
        Command::authenticate("XOAUTH2", XOAuth2::new("me@x.org", "tok3n-s3cret")).unwrap(),
    );
    let mut outs = Vec::new();
    s.s("+\r\n");
    while let Some(o) = s.conn.poll_output() {
        outs.push(format!("{o:?}"));
    }
    s.s("TTTT1 NO [AUTHENTICATIONFAILED] bad token\r\n");
    let err = s.err(id);
    let all = format!("{outs:?} {err:?} {err} {:?}", s.conn);
    assert!(!all.contains("tok3n"), "{all}");
    assert!(
        !all.contains("dG9rM24"),
        "base64 of the token leaked: {all}"
    );
    let c = Command::login("user", "hunter2").unwrap();
    assert!(!format!("{c:?}").contains("hunter2"));
}

#[test]
fn options_seed_is_raised_to_four_letters() {
    assert_eq!(Options::new(0).tag_prefix(), b"BAAA");
    assert_eq!(Options::new(0xFFFF).tag_prefix(), b"PPPP");
}
