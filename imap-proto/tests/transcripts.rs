//! The byte-level transcripts of CPython's test_imaplib (reference §2.3, T1–T25), driven
//! through `feed`/`poll_output` alone, plus imaplib's other method tests.

mod common;

use common::{t, Script, PREFIX};
use imaplib_proto::{Cause, Command, ErrorKind, Limits, Output, State, Text};

#[test]
fn t1_connect_and_login() {
    let mut s = Script::new(Script::opts());
    s.s("* OK IMAP4rev1\r\n");
    s.c("TTTT0 CAPABILITY\r\n");
    assert!(!s.conn.is_connected());
    s.s("* CAPABILITY IMAP4rev1\r\nTTTT0 OK CAPABILITY completed\r\n");
    s.expect_connected();
    assert_eq!(s.conn.state(), State::NonAuth);
    assert_eq!(s.conn.welcome(), Some(&b"* OK IMAP4rev1"[..]));
    assert_eq!(s.conn.capabilities(), ["IMAP4REV1"]);
    assert_eq!(s.conn.protocol_version(), Some("IMAP4REV1"));
    assert_eq!(s.conn.tag_prefix(), PREFIX.as_bytes());

    let id = s.submit(Command::login("user", "pass").unwrap());
    s.c("TTTT1 LOGIN user \"pass\"\r\n");
    s.s("TTTT1 OK LOGIN completed\r\n");
    // 3.14.7+: no CAPABILITY came with LOGIN, so it is asked again before completing.
    s.c("TTTT2 CAPABILITY\r\n");
    s.pending(id);
    s.s("* CAPABILITY IMAP4rev1\r\nTTTT2 OK CAPABILITY completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b'LOGIN completed'])");
    assert_eq!(s.conn.state(), State::Auth);

    let err = s.refused(Command::login("user", "pass").unwrap());
    assert_eq!(
        err.message(),
        "command LOGIN illegal in state AUTH, only allowed in states NONAUTH"
    );
    assert_eq!(err.kind(), ErrorKind::Error);
}

#[test]
fn t2_logout_returns_bye() {
    let mut s = Script::authed("");
    let id = s.submit(Command::logout());
    assert_eq!(s.conn.state(), State::Logout);
    s.c("TTTT2 LOGOUT\r\n");
    s.s("* BYE IMAP4ref1 Server logging out\r\n");
    assert_eq!(s.ok(id), "('BYE', [b'IMAP4ref1 Server logging out'])");
    // The tagged OK that follows is not needed, and accepted quietly.
    s.s("TTTT2 OK LOGOUT completed\r\n");
    s.conn.feed_eof();
    assert!(s.take_events().is_empty());
    assert!(s.conn.is_closed());
}

#[test]
fn t3_select_examine_unselect() {
    let mut s = Script::authed("");
    let id = s.submit(Command::select("INBOX", false).unwrap());
    s.c("TTTT2 SELECT INBOX\r\n");
    s.s("* 2 EXISTS\r\nTTTT2 OK [READ-WRITE] SELECT completed.\r\n");
    assert_eq!(s.ok(id), "('OK', [b'2'])");
    assert_eq!(s.conn.state(), State::Selected);
    assert_eq!(s.stored("EXISTS").as_deref(), Some("[b'2']"));
    assert_eq!(s.stored("READ-WRITE").as_deref(), Some("[b'']"));

    let id = s.submit(Command::select("New folder", false).unwrap());
    s.c("TTTT3 SELECT \"New folder\"\r\n");
    s.s("* 0 EXISTS\r\nTTTT3 OK [READ-WRITE] SELECT completed.\r\n");
    assert_eq!(s.ok(id), "('OK', [b'0'])");

    let id = s.submit(Command::select("INBOX", true).unwrap());
    s.c("TTTT4 EXAMINE INBOX\r\n");
    s.s("* 2 EXISTS\r\nTTTT4 OK [READ-ONLY] EXAMINE completed.\r\n");
    assert_eq!(s.ok(id), "('OK', [b'2'])");
    assert!(s.conn.is_readonly());

    let id = s.submit(Command::unselect());
    s.c("TTTT5 UNSELECT\r\n");
    s.s("TTTT5 OK Returned to authenticated state. (Success)\r\n");
    assert_eq!(
        s.ok(id),
        "('OK', [b'Returned to authenticated state. (Success)'])"
    );
    assert_eq!(s.conn.state(), State::Auth);
}

#[test]
fn t4_readonly_surprise() {
    let mut s = Script::authed("");
    let id = s.submit(Command::select("INBOX", false).unwrap());
    s.c("TTTT2 SELECT INBOX\r\n");
    s.s("* 2 EXISTS\r\nTTTT2 OK [READ-ONLY] SELECT completed.\r\n");
    let err = s.err(id);
    assert!(err.is_readonly() && err.is_abort());
    assert_eq!(err.message(), "'INBOX' is not writable");
    assert_eq!(s.conn.state(), State::Selected);
    // Bytes name: Python's repr of bytes.
    let id = s.submit(Command::select(&b"INBOX"[..], false).unwrap());
    s.c("TTTT3 SELECT INBOX\r\n");
    s.s("TTTT3 OK [READ-ONLY] SELECT completed.\r\n");
    assert_eq!(s.err(id).message(), "b'INBOX' is not writable");
    // The READ-ONLY code stays recorded: every later command raises readonly.
    let err = s.refused(Command::noop());
    assert!(err.is_readonly());
    assert_eq!(err.message(), "mailbox status changed to READ-ONLY");
}

#[test]
fn t5_authenticate_success() {
    let mut s = Script::connected("AUTH=MYAUTH");
    let mut got = Vec::new();
    let id = s.submit(
        Command::authenticate("myauth", move |c: &[u8]| {
            got.push(c.to_vec());
            assert_eq!(c, b"");
            Some(b"fake".to_vec())
        })
        .unwrap(),
    );
    s.c("TTTT1 AUTHENTICATE MYAUTH\r\n");
    s.s("+\r\n");
    s.c("ZmFrZQ==\r\n");
    s.s("TTTT1 OK FAKEAUTH successful\r\n");
    s.c("TTTT2 CAPABILITY\r\n");
    s.s("* CAPABILITY IMAP4rev1 AUTH=MYAUTH\r\nTTTT2 OK CAPABILITY completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b'FAKEAUTH successful'])");
    assert_eq!(s.conn.state(), State::Auth);
}

#[test]
fn t6_authenticate_cancelled_and_bad_mechanism() {
    let mut s = Script::connected("");
    let id = s.submit(Command::authenticate("MYAUTH", |_: &[u8]| None).unwrap());
    s.c("TTTT1 AUTHENTICATE MYAUTH\r\n");
    s.s("+\r\n");
    s.c("*\r\n");
    s.s("TTTT1 NO [AUTHENTICATIONFAILED] aborted\r\n");
    let err = s.err(id);
    assert_eq!(err.kind(), ErrorKind::Error);
    assert_eq!(err.message(), "[AUTHENTICATIONFAILED] aborted");
    assert_eq!(s.conn.state(), State::NonAuth);

    let id = s.submit(Command::authenticate("METHOD", |_: &[u8]| panic!("no challenge")).unwrap());
    s.c("TTTT2 AUTHENTICATE METHOD\r\n");
    s.s("TTTT2 NO unrecognized authentication type METHOD\r\n");
    assert_eq!(
        s.err(id).message(),
        "unrecognized authentication type METHOD"
    );
    s.nothing_sent();
}

#[test]
fn t7_cram_md5() {
    let mut s = Script::connected("LOGINDISABLED AUTH=CRAM-MD5");
    // LOGINDISABLED: LOGIN is refused before anything is sent.
    let err = s.refused(Command::login("tim", "x").unwrap());
    assert_eq!(err.cause(), Cause::Unsupported);
    for password in [
        Text::Str("tanstaaftanstaaf"),
        Text::Bytes(b"tanstaaftanstaaf"),
    ] {
        let mut s = Script::connected("LOGINDISABLED AUTH=CRAM-MD5");
        let id = s.submit(Command::login_cram_md5("tim", password).unwrap());
        s.c("TTTT1 AUTHENTICATE CRAM-MD5\r\n");
        s.s("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ=\r\n");
        s.c("dGltIGYxY2E2YmU0NjRiOWVmYTFjY2E2ZmZkNmNmMmQ5ZjMy\r\n");
        s.s("TTTT1 OK [CAPABILITY IMAP4rev1] CRAM-MD5 successful\r\n");
        assert_eq!(
            s.ok(id),
            "('OK', [b'[CAPABILITY IMAP4rev1] CRAM-MD5 successful'])"
        );
    }
}

#[test]
fn t8_login_plain() {
    let mut s = Script::connected("LOGINDISABLED AUTH=PLAIN");
    let id = s.submit(Command::login_plain("prem", "pass").unwrap());
    s.c("TTTT1 AUTHENTICATE PLAIN\r\n");
    s.s("+\r\n");
    s.c("AHByZW0AcGFzcw==\r\n");
    s.s("TTTT1 OK [CAPABILITY IMAP4rev1] Logged in.\r\n");
    assert_eq!(s.ok(id), "('OK', [b'[CAPABILITY IMAP4rev1] Logged in.'])");

    let mut s = Script::connected("LOGINDISABLED AUTH=PLAIN");
    let id = s.submit(Command::login_plain("pręm", "żółć").unwrap());
    s.c("TTTT1 AUTHENTICATE PLAIN\r\n");
    s.s("+\r\n");
    s.c("AHByxJltAMW8w7PFgsSH\r\n");
    s.s("TTTT1 OK [CAPABILITY IMAP4rev1] Logged in.\r\n");
    s.ok(id);
    assert!(Command::login_plain("pr\0em", "pass").is_err());
    assert!(Command::login_plain("prem", "pa\0ss").is_err());
}

#[test]
fn t9_append_waits_for_continuation() {
    let mut s = Script::authed("");
    let id = s.submit(Command::append(None, None, None, b"a\rb\nc\r\nd").unwrap());
    s.c("TTTT2 APPEND INBOX {10}\r\n");
    s.pending(id);
    s.s("+\r\n");
    s.c("a\r\nb\r\nc\r\nd\r\n");
    s.s("TTTT2 OK APPEND completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b'APPEND completed'])");

    let cmd = Command::append(None, None, None, b"a\rb\nc\r\nd")
        .unwrap()
        .keep_line_endings();
    let id = s.submit(cmd);
    s.c("TTTT3 APPEND INBOX {8}\r\n");
    s.s("+ Ready for literal data\r\n");
    s.c("a\rb\nc\r\nd\r\n");
    s.s("TTTT3 OK APPEND completed\r\n");
    s.ok(id);

    let id = s
        .submit(Command::append(Some("New folder".into()), Some("\\Seen"), None, b"data").unwrap());
    s.c("TTTT4 APPEND \"New folder\" (\\Seen) {4}\r\n");
    // A tagged NO instead of `+`: the command ends and the literal is never sent.
    s.s("TTTT4 NO [TRYCREATE] Mailbox doesn't exist\r\n");
    assert_eq!(s.ok(id), "('NO', [b\"[TRYCREATE] Mailbox doesn't exist\"])");
    s.nothing_sent();
    // The connection carries on.
    let id = s.submit(Command::noop());
    s.c("TTTT5 NOOP\r\n");
    s.s("TTTT5 OK NOOP completed\r\n");
    s.ok(id);
}

#[test]
fn t9_commands_queued_behind_a_literal_wait() {
    let mut s = Script::authed("");
    let append = s.submit(Command::append(None, None, None, b"data").unwrap());
    let noop = s.submit(Command::noop());
    // The NOOP may not interleave with the pending literal.
    s.c("TTTT2 APPEND INBOX {4}\r\n");
    s.s("+\r\n");
    s.c("data\r\nTTTT3 NOOP\r\n");
    s.s("TTTT2 OK APPEND completed\r\nTTTT3 OK NOOP completed\r\n");
    s.ok(append);
    s.ok(noop);
}

#[test]
fn literal_plus_skips_the_wait() {
    let mut s = Script::authed("LITERAL+");
    let id = s.submit(Command::append(None, None, None, b"data").unwrap());
    s.c("TTTT2 APPEND INBOX {4+}\r\ndata\r\n");
    s.s("TTTT2 OK APPEND completed\r\n");
    s.ok(id);
    let mut opts = Script::opts();
    opts.use_literal_plus = false;
    let mut s = Script::new(opts);
    s.s("* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n");
    s.expect_connected();
    let id = s.submit(Command::login("a\r\nb", "p").unwrap());
    s.c("TTTT0 LOGIN {4}\r\n");
    s.s("+\r\n");
    s.c("a\r\nb \"p\"\r\n");
    s.s("TTTT0 OK [CAPABILITY IMAP4rev1] done\r\n");
    s.ok(id);
}

#[test]
fn t10_utf8_accept_append() {
    let mut s = Script::connected("ENABLE UTF8=ACCEPT AUTH=MYAUTH");
    let id = s.submit(Command::authenticate("MYAUTH", |_: &[u8]| Some(b"fake".to_vec())).unwrap());
    s.c("TTTT1 AUTHENTICATE MYAUTH\r\n");
    s.s("+\r\n");
    s.c("ZmFrZQ==\r\n");
    s.s("TTTT1 OK [CAPABILITY IMAP4rev1 ENABLE UTF8=ACCEPT] FAKEAUTH successful\r\n");
    s.ok(id);
    let id = s.submit(Command::enable("UTF8=ACCEPT").unwrap());
    s.c("TTTT2 ENABLE UTF8=ACCEPT\r\n");
    s.s("TTTT2 OK ENABLE successful\r\n");
    s.ok(id);
    assert!(s.conn.utf8_enabled());
    let msg = "Subject: üñí©öðé";
    let id = s.submit(Command::append(None, None, None, msg.as_bytes()).unwrap());
    s.c(&format!("TTTT3 APPEND INBOX UTF8 (~{{{}}}\r\n", msg.len()));
    s.s("+\r\n");
    s.cb(format!("{msg})\r\n").as_bytes());
    s.s("TTTT3 OK okay\r\n");
    assert_eq!(s.ok(id), "('OK', [b'okay'])");
    // test_search_disallows_charset_in_utf8_mode
    let err = s.refused(Command::search(Some("foo"), &["bar"]).unwrap());
    assert!(err.message().contains("charset") && err.message().contains("UTF8"));
    // test_utf8_mailbox_name
    let id = s.submit(Command::select("Entwürfe", false).unwrap());
    s.c("TTTT4 SELECT \"Entwürfe\"\r\n");
    s.s("TTTT4 OK [READ-WRITE] done\r\n");
    s.ok(id);
}

#[test]
fn enable_errors() {
    // test_enable_raises_error_if_not_AUTH
    let mut s = Script::connected("AUTH ENABLE UTF8=ACCEPT");
    let err = s.refused(Command::enable("UTF8=ACCEPT").unwrap());
    assert!(err.message().contains("ENABLE") && err.message().contains("NONAUTH"));
    assert!(!s.conn.utf8_enabled());
    // test_enable_raises_error_if_no_capability
    let mut s = Script::connected("");
    let err = s.refused(Command::enable("UTF8=ACCEPT").unwrap());
    assert_eq!(err.message(), "Server does not support ENABLE");
    // test_enable_UTF8_raises_error_if_not_supported
    let mut s = Script::authed("");
    let err = s.refused(Command::enable("UTF8=ACCEPT").unwrap());
    assert_eq!(err.message(), "Server does not support ENABLE");
}

#[test]
fn t11_blank_line_after_literal() {
    let mut s = Script::selected("");
    let id = s.submit(Command::fetch("1", "(BODY[HEADER])").unwrap());
    s.c("TTTT3 FETCH 1 (BODY[HEADER])\r\n");
    s.s("* 1 FETCH (BODY[HEADER] {13}\r\nSubject: test\r\n\r\n)\r\nTTTT3 OK FETCH completed\r\n");
    assert_eq!(
        s.ok(id),
        "('OK', [(b'1 (BODY[HEADER] {13}', b'Subject: test'), b')'])"
    );
}

#[test]
fn t12_literal_mailbox_names_in_list() {
    for sep in ["\r\n", "\r\n\r\n"] {
        let mut s = Script::authed("");
        let id = s.submit(Command::list(None, None).unwrap());
        s.c("TTTT2 LIST \"\" *\r\n");
        s.s(&format!(
            "* LIST (\\HasNoChildren) \"/\" {{9}}\r\nMy (box)\"{sep}* LIST (\\HasNoChildren) \"/\" {{7}}\r\nAnother{sep}* LIST (\\HasNoChildren) \"/\" {{5}}\r\nThird{sep}TTTT2 OK LIST completed\r\n"
        ));
        assert_eq!(
            s.ok(id),
            "('OK', [(b'(\\\\HasNoChildren) \"/\" {9}', b'My (box)\"'), b'', (b'(\\\\HasNoChildren) \"/\" {7}', b'Another'), b'', (b'(\\\\HasNoChildren) \"/\" {5}', b'Third'), b''])"
        );
    }
}

#[test]
fn t13_idle() {
    let mut s = Script::authed("IDLE");
    let id = s.submit(Command::idle());
    s.c("TTTT2 IDLE\r\n");
    s.s("* 0 EXISTS\r\n+ idling\r\n* 2 EXISTS\r\n");
    s.s("* 1 FETCH (BODY[HEADER.FIELDS (DATE)] {41}\r\nDate: Fri, 06 Dec 2024 06:00:00 +0000\r\n\r\n)\r\n* 3 EXISTS\r\n");
    let events = s.take_events();
    let reprs: Vec<String> = events
        .iter()
        .map(|e| match e {
            Output::Unsolicited(r) => r.python_repr(),
            Output::IdleStarted { id: i } if *i == id => "started".into(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        reprs,
        [
            "('EXISTS', [b'0'])",
            "started",
            "('EXISTS', [b'2'])",
            "('FETCH', [(b'1 (BODY[HEADER.FIELDS (DATE)] {41}', b'Date: Fri, 06 Dec 2024 06:00:00 +0000\\r\\n\\r\\n'), b')'])",
            "('EXISTS', [b'3'])",
        ]
    );
    assert_eq!(s.conn.state(), State::Idling);
    // Any command during IDLE is an error.
    let err = s.refused(Command::noop());
    assert!(err.message().contains("IDLING"), "{err}");
    // A response arrives that nobody polls before leaving IDLE: it goes to the store.
    s.conn.feed(b"* 1 RECENT\r\n");
    s.conn.idle_done(id).unwrap();
    s.c("DONE\r\n");
    assert_eq!(s.conn.state(), State::Auth);
    s.s("* 9 RECENT\r\nTTTT2 OK Idle completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b'Idle completed'])");
    assert_eq!(
        s.conn.response("EXISTS").python_repr(),
        "('EXISTS', [None])"
    );
    assert_eq!(
        s.conn.response("RECENT").python_repr(),
        "('RECENT', [b'1', b'9'])"
    );
}

#[test]
fn t14_idle_refused_and_unsupported() {
    let mut s = Script::authed("IDLE");
    let id = s.submit(Command::idle());
    s.c("TTTT2 IDLE\r\n");
    s.s("TTTT2 NO IDLE is not allowed at this time\r\n");
    let err = s.err(id);
    assert_eq!(
        err.message(),
        "idle denied: [b'IDLE is not allowed at this time']"
    );
    assert_eq!(s.conn.state(), State::Auth);
    let mut s = Script::authed("");
    let err = s.refused(Command::idle());
    assert_eq!(err.message(), "Server does not support IMAP4 IDLE");
}

#[test]
fn t15_idle_ends_mid_line() {
    let mut s = Script::authed("IDLE");
    let id = s.submit(Command::idle());
    s.c("TTTT2 IDLE\r\n");
    s.s("+ idling\r\n");
    s.s("* 1 EX");
    s.s("IS");
    s.conn.idle_done(id).unwrap();
    s.c("DONE\r\n");
    s.s("TS\r\nTTTT2 OK Idle completed\r\n");
    s.ok(id);
    assert_eq!(s.stored("EXISTS").as_deref(), Some("[b'1']"));
    assert!(s.conn.fatal_error().is_none());
}

#[test]
fn idle_done_before_continuation_waits_for_it() {
    let mut s = Script::authed("IDLE");
    let id = s.submit(Command::idle());
    s.c("TTTT2 IDLE\r\n");
    s.conn.idle_done(id).unwrap();
    s.nothing_sent();
    s.s("+ idling\r\n");
    s.c("DONE\r\n");
    s.s("TTTT2 OK Idle completed\r\n");
    s.ok(id);
}

#[test]
fn t16_broken_greetings() {
    // a) greeting cut short, then EOF
    let mut s = Script::new(Script::opts());
    s.s("* OK");
    s.conn.feed_eof();
    let err = s.fatal();
    assert!(err.is_abort() && err.message().starts_with("socket error: EOF"));
    // b) bare LF
    let mut s = Script::new(Script::opts());
    s.s("* OK IMAP4rev1\r\n");
    s.c("TTTT0 CAPABILITY\r\n");
    s.s("* CAPABILITY IMAP4rev1 AUTH\n");
    let err = s.fatal();
    assert!(err.is_abort() && err.message().contains("unterminated line"));
    // c) a line over the limit
    let mut opts = Script::opts();
    opts.limits = Limits {
        max_line: 10,
        ..Limits::default()
    };
    let mut s = Script::new(opts);
    s.s("* OK xxxxxxxxxxx\r\n");
    assert_eq!(s.fatal().message(), "got more than 10 bytes");
    // d) a literal the server never sends, then EOF: memory bounded by what arrived.
    for exp in [15u32, 31, 63] {
        let mut s = Script::new(Script::opts());
        s.s(&format!("* OK {{{}}}\r\nIMAP4rev1\r\n", 1u64 << exp));
        assert!(s.conn.diagnostics().frames.bytes < 100);
        s.conn.feed_eof();
        assert!(s.fatal().is_abort());
    }
}

#[test]
fn t17_invalid_greetings() {
    for g in [
        "+OK POP3 server ready",
        "* BYE Server unavailable",
        "+",
        "TTTT0 OK hi",
        "hello",
    ] {
        let mut s = Script::new(Script::opts());
        s.s(&format!("{g}\r\n"));
        let err = s.fatal();
        assert_eq!(err.kind(), ErrorKind::Error, "{g}");
        assert_eq!(err.message(), format!("invalid greeting: {}", t(g)));
        s.nothing_sent();
    }
}

#[test]
fn t18_capability_refresh() {
    // Capabilities from the greeting's code: no CAPABILITY command.
    let mut s = Script::new(Script::opts());
    s.s("* OK [CAPABILITY IMAP4rev1 ENABLE] Server ready\r\n");
    s.expect_connected();
    s.nothing_sent();
    assert_eq!(s.conn.capabilities(), ["IMAP4REV1", "ENABLE"]);
    // LOGIN answered with an untagged CAPABILITY: no re-query.
    let id = s.submit(Command::login("user", "pass").unwrap());
    s.c("TTTT0 LOGIN user \"pass\"\r\n");
    s.s("* CAPABILITY IMAP4rev1 ENABLE UTF8=ACCEPT\r\nTTTT0 OK LOGIN completed\r\n");
    s.ok(id);
    s.nothing_sent();
    assert!(s.conn.has_capability("UTF8=ACCEPT"));
    // Not consumed by the refresh (gh-155775).
    assert!(s.stored("CAPABILITY").is_some());
    let id = s.submit(Command::enable("UTF8=ACCEPT").unwrap());
    s.c("TTTT1 ENABLE UTF8=ACCEPT\r\n");
    s.s("TTTT1 OK enabled\r\n");
    s.ok(id);

    // Server whose CAPABILITY grows after login, told only by asking.
    let mut s = Script::connected("");
    let id = s.submit(Command::login("user", "pass").unwrap());
    s.c("TTTT1 LOGIN user \"pass\"\r\n");
    s.s("TTTT1 OK LOGIN completed\r\n");
    s.c("TTTT2 CAPABILITY\r\n");
    s.s("* CAPABILITY IMAP4rev1 ENABLE\r\nTTTT2 OK CAPABILITY completed\r\n");
    s.ok(id);
    assert!(s.conn.has_capability("ENABLE"));
}

#[test]
fn t19_bracket_flags() {
    let mut s = Script::authed("");
    let id = s.submit(Command::select("test", false).unwrap());
    s.c("TTTT2 SELECT test\r\n");
    s.s("* FLAGS (Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 2 EXISTS\r\n* 0 RECENT\r\n");
    s.s("* OK [PERMANENTFLAGS Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n");
    s.s("TTTT2 OK [READ-WRITE] SELECT completed.\r\n");
    s.ok(id);
    let id = s.submit(Command::store("1", "+FLAGS", "([test])").unwrap());
    s.c("TTTT3 STORE 1 +FLAGS ([test])\r\n");
    s.s("* 1 FETCH (FLAGS (Answered \\Flagged \\Deleted \\Seen \\Draft \\[test]))\r\nTTTT3 OK STORE completed.\r\n");
    assert!(s.ok(id).contains("[test]"));
    let id = s.submit(Command::select("test", false).unwrap());
    s.c("TTTT4 SELECT test\r\n");
    s.s("* OK [PERMANENTFLAGS (\\[test] \\*)] Flags permitted.\r\nTTTT4 OK [READ-WRITE] SELECT completed.\r\n");
    s.ok(id);
    assert_eq!(
        s.conn.response("PERMANENTFLAGS").python_repr(),
        "('PERMANENTFLAGS', [b'(\\\\[test] \\\\*)'])"
    );
}

#[test]
fn t20_search() {
    let mut s = Script::selected("");
    let id = s.submit(
        Command::search(
            None,
            &["FLAGGED", "SINCE", "1-Feb-1994", "NOT", "FROM", "\"Smith\""],
        )
        .unwrap(),
    );
    s.c("TTTT3 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n");
    s.s("* SEARCH 2 84 882\r\nTTTT3 OK SEARCH completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b'2 84 882'])");
    let id = s.submit(Command::search(None, &["ALL"]).unwrap());
    s.c("TTTT4 SEARCH ALL\r\n");
    s.s("* SEARCH\r\nTTTT4 OK SEARCH completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b''])");
    let id = s.submit(Command::search(Some("UTF-8"), &["TEXT", "XXXXXX"]).unwrap());
    s.c("TTTT5 SEARCH CHARSET UTF-8 TEXT XXXXXX\r\n");
    s.s("TTTT5 OK SEARCH completed\r\n");
    assert_eq!(s.ok(id), "('OK', [None])");
    let id = s.submit(Command::search(Some("NF_Z_62-010_(1973)"), &["TEXT", "XXXXXX"]).unwrap());
    s.c("TTTT6 SEARCH CHARSET \"NF_Z_62-010_(1973)\" TEXT XXXXXX\r\n");
    s.s("TTTT6 OK SEARCH completed\r\n");
    s.ok(id);
    let id = s.submit(Command::uid_search(None, &["ALL"]).unwrap());
    s.c("TTTT7 UID SEARCH ALL\r\n");
    s.s("* SEARCH 7 8\r\nTTTT7 OK UID SEARCH completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b'7 8'])");
}

#[test]
fn t21_enable() {
    let mut s = Script::authed("ID LITERAL+ ENABLE X-GOOD-IDEA");
    let id = s.submit(Command::enable("CONDSTORE X-GOOD-IDEA").unwrap());
    s.c("TTTT2 ENABLE CONDSTORE X-GOOD-IDEA\r\n");
    s.s("* ENABLED X-GOOD-IDEA\r\nTTTT2 OK foo\r\n");
    assert_eq!(s.ok(id), "('OK', [b'foo'])");
    assert_eq!(s.stored("ENABLED").as_deref(), Some("[b'X-GOOD-IDEA']"));
}

#[test]
fn t22_getquotaroot() {
    let mut s = Script::authed("");
    let id = s.submit(Command::getquotaroot("INBOX").unwrap());
    s.c("TTTT2 GETQUOTAROOT INBOX\r\n");
    s.s("* QUOTAROOT INBOX \"\"\r\n* QUOTA \"\" (STORAGE 10 512)\r\nTTTT2 OK GETQUOTAROOT completed\r\n");
    assert_eq!(
        s.ok(id),
        "('OK', [[b'INBOX \"\"'], [b'\"\" (STORAGE 10 512)']])"
    );
}

#[test]
fn t23_copy_and_uid_copy() {
    let mut s = Script::selected("");
    let id = s.submit(Command::copy("2:4", "MEETING").unwrap());
    s.c("TTTT3 COPY 2:4 MEETING\r\n");
    s.s("TTTT3 OK COPY completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b'COPY completed'])");
    let id =
        s.submit(Command::uid("copy", &["4827313:4828442".into(), "New folder".into()]).unwrap());
    s.c("TTTT4 UID COPY 4827313:4828442 \"New folder\"\r\n");
    s.s("TTTT4 OK UID COPY completed\r\n");
    assert_eq!(s.ok(id), "('OK', [None])");
    let id = s.submit(Command::uid_copy("4827313:4828442", "New folder").unwrap());
    s.c("TTTT5 UID COPY 4827313:4828442 \"New folder\"\r\n");
    s.s("TTTT5 OK UID COPY completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b'UID COPY completed'])");
    let set: &[u32] = &[2, 3, 4, 5];
    let id = s.submit(Command::copy(set, "MEETING").unwrap());
    s.c("TTTT6 COPY 2,3,4,5 MEETING\r\n");
    s.s("TTTT6 OK COPY completed\r\n");
    s.ok(id);
    let id = s.submit(Command::r#move("2:4", "MEETING").unwrap());
    s.c("TTTT7 MOVE 2:4 MEETING\r\n");
    s.s("TTTT7 OK MOVE completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b'MOVE completed'])");
    let id = s.submit(Command::uid_move("2:4", "MEETING").unwrap());
    s.c("TTTT8 UID MOVE 2:4 MEETING\r\n");
    s.s("TTTT8 OK MOVE completed\r\n");
    s.ok(id);
}

#[test]
fn t24_noop_recent_response() {
    let mut s = Script::selected("");
    let id = s.submit(Command::recent());
    s.c("TTTT3 NOOP\r\n");
    s.s("* 5 RECENT\r\nTTTT3 OK NOOP completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b'5'])");
    // Cached RECENT: no I/O.
    s.s("* 6 RECENT\r\n");
    let id = s.submit(Command::recent());
    s.nothing_sent();
    assert_eq!(s.ok(id), "('OK', [b'6'])");
    assert_eq!(
        s.conn.response("EXISTS").python_repr(),
        "('EXISTS', [b'2'])"
    );
    assert_eq!(
        s.conn.response("EXISTS").python_repr(),
        "('EXISTS', [None])"
    );
    // test_noop: untagged data stays stored.
    let id = s.submit(Command::noop());
    s.c("TTTT4 NOOP\r\n");
    s.s("* 4 EXISTS\r\nTTTT4 OK NOOP completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b'NOOP completed'])");
    assert_eq!(s.stored("EXISTS").as_deref(), Some("[b'4']"));
}

#[test]
fn t25_expunge() {
    let mut s = Script::selected("");
    let id = s.submit(Command::expunge());
    s.c("TTTT3 EXPUNGE\r\n");
    s.s("* 3 EXPUNGE\r\n* 3 EXPUNGE\r\n* 5 EXPUNGE\r\n* 8 EXPUNGE\r\nTTTT3 OK EXPUNGE completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b'3', b'3', b'5', b'8'])");
    let id = s.submit(Command::uid_expunge("3:8").unwrap());
    s.c("TTTT4 UID EXPUNGE 3:8\r\n");
    s.s("* 3 EXPUNGE\r\nTTTT4 OK done\r\n");
    assert_eq!(s.ok(id), "('OK', [b'3'])");
}

#[test]
fn simple_methods() {
    let mut s = Script::authed("");
    let cases: Vec<(Command, &str, &str, &str)> = vec![
        (
            Command::create("owatagusiam/").unwrap(),
            "CREATE owatagusiam/",
            "",
            "('OK', [b'CREATE completed'])",
        ),
        (
            Command::create("New folder").unwrap(),
            "CREATE \"New folder\"",
            "",
            "('OK', [b'CREATE completed'])",
        ),
        (
            Command::delete("foo/bar").unwrap(),
            "DELETE foo/bar",
            "",
            "('OK', [b'DELETE completed'])",
        ),
        (
            Command::subscribe("#news.comp.mail.mime").unwrap(),
            "SUBSCRIBE #news.comp.mail.mime",
            "",
            "('OK', [b'SUBSCRIBE completed'])",
        ),
        (
            Command::unsubscribe("New folder").unwrap(),
            "UNSUBSCRIBE \"New folder\"",
            "",
            "('OK', [b'UNSUBSCRIBE completed'])",
        ),
        (
            Command::rename("foo", "New folder").unwrap(),
            "RENAME foo \"New folder\"",
            "",
            "('OK', [b'RENAME completed'])",
        ),
        (
            Command::lsub(None, None).unwrap(),
            "LSUB \"\" *",
            "* LSUB () \".\" directoryA\r\n* LSUB () \".\" directoryB\r\n",
            "('OK', [b'() \".\" directoryA', b'() \".\" directoryB'])",
        ),
        (
            Command::lsub(Some("~/Mail/".into()), Some("%".into())).unwrap(),
            "LSUB ~/Mail/ %",
            "",
            "('OK', [None])",
        ),
        (
            Command::lsub(Some("New folder".into()), Some("%".into())).unwrap(),
            "LSUB \"New folder\" %",
            "",
            "('OK', [None])",
        ),
        (
            Command::list(None, None).unwrap(),
            "LIST \"\" *",
            "* LIST (\\Noselect) \"/\" \"\"\r\n* LIST (\\Unmarked) \"/\" \"~/Mail/foo\"\r\n",
            "('OK', [b'(\\\\Noselect) \"/\" \"\"', b'(\\\\Unmarked) \"/\" \"~/Mail/foo\"'])",
        ),
        (
            Command::list(None, Some("My Folder".into())).unwrap(),
            "LIST \"\" \"My Folder\"",
            "",
            "('OK', [None])",
        ),
        (
            Command::status("blurdybloop", "UIDNEXT MESSAGES").unwrap(),
            "STATUS blurdybloop (UIDNEXT MESSAGES)",
            "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n",
            "('OK', [b'blurdybloop (MESSAGES 231 UIDNEXT 44292)'])",
        ),
        (
            Command::getacl("INBOX").unwrap(),
            "GETACL INBOX",
            "* ACL INBOX Fred rwipslxetad\r\n",
            "('OK', [b'INBOX Fred rwipslxetad'])",
        ),
        (
            Command::setacl("INBOX", "John Doe", "a b").unwrap(),
            "SETACL INBOX \"John Doe\" \"a b\"",
            "",
            "('OK', [b'SETACL completed'])",
        ),
        (
            Command::deleteacl("INBOX", "Fred").unwrap(),
            "DELETEACL INBOX Fred",
            "",
            "('OK', [b'DELETEACL completed'])",
        ),
        (
            Command::myrights("INBOX").unwrap(),
            "MYRIGHTS INBOX",
            "* MYRIGHTS INBOX rwiptsldaex\r\n",
            "('OK', [b'INBOX rwiptsldaex'])",
        ),
        (
            Command::getquota("").unwrap(),
            "GETQUOTA \"\"",
            "* QUOTA \"\" (STORAGE 10 512)\r\n",
            "('OK', [b'\"\" (STORAGE 10 512)'])",
        ),
        (
            Command::setquota("", "STORAGE 512").unwrap(),
            "SETQUOTA \"\" (STORAGE 512)",
            "* QUOTA \"\" (STORAGE 10 512)\r\n",
            "('OK', [b'\"\" (STORAGE 10 512)'])",
        ),
        (
            Command::getannotation("INBOX", "/comment", "value.priv").unwrap(),
            "GETANNOTATION INBOX /comment value.priv",
            "* ANNOTATION INBOX \"/comment\" (\"value.priv\" \"My comment\")\r\n",
            "('OK', [b'INBOX \"/comment\" (\"value.priv\" \"My comment\")'])",
        ),
        (
            Command::setannotation(&["INBOX", "/comment", "(\"value.priv\" \"My comment\")"])
                .unwrap(),
            "SETANNOTATION INBOX /comment (\"value.priv\" \"My comment\")",
            "",
            "('OK', [None])",
        ),
        (
            Command::namespace(),
            "NAMESPACE",
            "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n",
            "('OK', [b'((\"\" \"/\")) NIL NIL'])",
        ),
        (
            Command::capability(),
            "CAPABILITY",
            "* CAPABILITY IMAP4rev1 IDLE NAMESPACE\r\n",
            "('OK', [b'IMAP4rev1 IDLE NAMESPACE'])",
        ),
        (
            Command::xatom("MYCOMMAND", &["arg1", "arg2"]).unwrap(),
            "MYCOMMAND arg1 arg2",
            "",
            "('OK', [b'MYCOMMAND completed'])",
        ),
        (
            Command::id(None).unwrap(),
            "ID NIL",
            "* ID (\"name\" \"Dovecot\")\r\n",
            "('OK', [b'(\"name\" \"Dovecot\")'])",
        ),
        (
            Command::id(Some(&[("name", Some("imaplib")), ("x", None)])).unwrap(),
            "ID (\"name\" \"imaplib\" \"x\" NIL)",
            "",
            "('OK', [None])",
        ),
        (Command::noop(), "NOOP", "", "('OK', [b'NOOP completed'])"),
    ];
    for (n, (cmd, wire, untagged, want)) in cases.into_iter().enumerate() {
        let tag = n + 2;
        let name = wire.split(' ').next().unwrap();
        let id = s.submit(cmd);
        s.c(&format!("TTTT{tag} {wire}\r\n"));
        s.s(&format!("{untagged}TTTT{tag} OK {name} completed\r\n"));
        assert_eq!(s.ok(id), want, "{wire}");
    }
    // proxyauth is AUTH-only.
    let id = s.submit(Command::proxyauth("us er").unwrap());
    s.c("TTTT28 PROXYAUTH \"us er\"\r\n");
    s.s("TTTT28 OK PROXYAUTH completed\r\n");
    s.ok(id);
}

#[test]
fn selected_methods() {
    let mut s = Script::selected("");
    let cases: Vec<(Command, &str, &str, &str)> = vec![
        (Command::check(), "CHECK", "", "('OK', [b'CHECK completed'])"),
        (Command::store("2:4", "+FLAGS", "(\\Deleted)").unwrap(), "STORE 2:4 +FLAGS (\\Deleted)", "* 2 FETCH (FLAGS (\\Deleted \\Seen))\r\n* 3 FETCH (FLAGS (\\Deleted))\r\n* 4 FETCH (FLAGS (\\Deleted \\Flagged \\Seen))\r\n", "('OK', [b'2 (FLAGS (\\\\Deleted \\\\Seen))', b'3 (FLAGS (\\\\Deleted))', b'4 (FLAGS (\\\\Deleted \\\\Flagged \\\\Seen))'])"),
        (Command::store("2:4", "+FLAGS", "\\Deleted").unwrap(), "STORE 2:4 +FLAGS (\\Deleted)", "", "('OK', [None])"),
        (Command::uid_store("2:4", "+FLAGS", "\\Deleted").unwrap(), "UID STORE 2:4 +FLAGS (\\Deleted)", "", "('OK', [None])"),
        (Command::fetch("2:4", "(FLAGS)").unwrap(), "FETCH 2:4 (FLAGS)", "* 2 FETCH (FLAGS (\\Seen))\r\n* 3 FETCH (FLAGS (\\Seen))\r\n* 4 FETCH (FLAGS (\\Seen))\r\n", "('OK', [b'2 (FLAGS (\\\\Seen))', b'3 (FLAGS (\\\\Seen))', b'4 (FLAGS (\\\\Seen))'])"),
        (Command::fetch("1", "(BODY[HEADER.FIELDS (DATE FROM)])").unwrap(), "FETCH 1 (BODY[HEADER.FIELDS (DATE FROM)])", "", "('OK', [None])"),
        (Command::fetch("1", "FLAGS").unwrap(), "FETCH 1 (FLAGS)", "", "('OK', [None])"),
        (Command::fetch("1", "ALL").unwrap(), "FETCH 1 ALL", "", "('OK', [None])"),
        (Command::fetch("1", "fast").unwrap(), "FETCH 1 fast", "", "('OK', [None])"),
        (Command::uid_fetch("1,3:*", "(FLAGS)").unwrap(), "UID FETCH 1,3:* (FLAGS)", "", "('OK', [None])"),
        (Command::partial(1, "RFC822.TEXT", 0, 10).unwrap(), "PARTIAL 1 RFC822.TEXT 0 10", "* 1 FETCH (RFC822.TEXT<0.10> \"0123456789\")\r\n", "('OK', [b'1 (RFC822.TEXT<0.10> \"0123456789\")'])"),
        (Command::sort("(SUBJECT)", "UTF-8", &["SINCE", "1-Feb-1994"]).unwrap(), "SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994", "* SORT 2 84 882\r\n", "('OK', [b'2 84 882'])"),
        (Command::sort("SUBJECT", "NF_Z_62-010_(1973)", &["ALL"]).unwrap(), "SORT (SUBJECT) \"NF_Z_62-010_(1973)\" ALL", "* SORT\r\n", "('OK', [b''])"),
        (Command::uid_sort("(SUBJECT)", "UTF-8", &["ALL"]).unwrap(), "UID SORT (SUBJECT) UTF-8 ALL", "", "('OK', [None])"),
        (Command::thread("ORDEREDSUBJECT", "UTF-8", &["SINCE", "5-MAR-2000"]).unwrap(), "THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000", "* THREAD (166)(167)(168)(169)(172)(170)(171)(173)(174 (175)(176)(178)(181)(180))(179)(177 (183)(182)(188)(184)(185)(186)(187)(189))\r\n", "('OK', [b'(166)(167)(168)(169)(172)(170)(171)(173)(174 (175)(176)(178)(181)(180))(179)(177 (183)(182)(188)(184)(185)(186)(187)(189))'])"),
        (Command::uid_thread("REFERENCES", "UTF-8", &["ALL"]).unwrap(), "UID THREAD REFERENCES UTF-8 ALL", "", "('OK', [None])"),
        (Command::uid("SEARCH", &["ALL".into()]).unwrap(), "UID SEARCH ALL", "* SEARCH 1\r\n", "('OK', [b'1'])"),
        (Command::uid("FETCH", &["1".into(), "FLAGS".into()]).unwrap(), "UID FETCH 1 (FLAGS)", "* 1 FETCH (FLAGS () UID 1)\r\n", "('OK', [b'1 (FLAGS () UID 1)'])"),
        (Command::uid("STORE", &["1".into(), "+FLAGS".into(), "\\Seen".into()]).unwrap(), "UID STORE 1 +FLAGS (\\Seen)", "", "('OK', [None])"),
        (Command::uid("SORT", &["(DATE)".into(), "UTF-8".into(), "ALL".into()]).unwrap(), "UID SORT (DATE) UTF-8 ALL", "* SORT 1\r\n", "('OK', [b'1'])"),
    ];
    for (n, (cmd, wire, untagged, want)) in cases.into_iter().enumerate() {
        let tag = n + 3;
        let name = wire.split(' ').next().unwrap();
        let id = s.submit(cmd);
        s.c(&format!("TTTT{tag} {wire}\r\n"));
        s.s(&format!("{untagged}TTTT{tag} OK {name} completed\r\n"));
        assert_eq!(s.ok(id), want, "{wire}");
        // Leftovers (e.g. SORT data a UID FETCH-typed call did not pop) are cleared.
        let _ = s.conn.response("SORT");
    }
    let id = s.submit(Command::close());
    s.c("TTTT23 CLOSE\r\n");
    s.s("TTTT23 OK CLOSE completed\r\n");
    assert_eq!(s.ok(id), "('OK', [b'CLOSE completed'])");
    assert_eq!(s.conn.state(), State::Auth);
}

#[test]
fn login_quoting() {
    let mut s = Script::connected("");
    let id = s.submit(Command::login("us*r", "p%ss").unwrap());
    s.c("TTTT1 LOGIN \"us*r\" \"p%ss\"\r\n");
    s.s("TTTT1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    let err = s.err(id);
    assert_eq!(
        err.message(),
        "[AUTHENTICATIONFAILED] Authentication failed."
    );
    assert_eq!(s.conn.state(), State::NonAuth);
    let id = s.submit(Command::login("\"user\"", "\"pass\"").unwrap());
    s.c("TTTT2 LOGIN \"user\" \"\\\"pass\\\"\"\r\n");
    s.s("TTTT2 OK [CAPABILITY IMAP4rev1] LOGIN completed\r\n");
    s.ok(id);
}

#[test]
fn bad_is_an_error_naming_the_command() {
    let mut s = Script::selected("");
    let id = s.submit(Command::fetch("1", "(FLAGS)").unwrap());
    s.c("TTTT3 FETCH 1 (FLAGS)\r\n");
    s.s("TTTT3 BAD Error in IMAP command FETCH: Invalid arguments.\r\n");
    let err = s.err(id);
    assert_eq!(err.kind(), ErrorKind::Error);
    assert_eq!(
        err.message(),
        "FETCH command error: BAD [b'Error in IMAP command FETCH: Invalid arguments.']"
    );
    // CLOSE: the state returns to AUTH even on BAD.
    let id = s.submit(Command::close());
    s.c("TTTT4 CLOSE\r\n");
    s.s("TTTT4 BAD no\r\n");
    assert!(s.err(id).message().starts_with("CLOSE command error"));
    assert_eq!(s.conn.state(), State::Auth);
}

#[test]
fn state_errors_send_nothing() {
    let mut s = Script::connected("");
    let err = s.refused(Command::search(None, &["ALL"]).unwrap());
    assert_eq!(
        err.message(),
        "command SEARCH illegal in state NONAUTH, only allowed in states SELECTED"
    );
    let err = s.refused(Command::uid("FETCH", &["1".into(), "FLAGS".into()]).unwrap());
    assert!(err
        .message()
        .starts_with("command FETCH illegal in state NONAUTH"));
    let err = s.refused(Command::select("INBOX", false).unwrap());
    assert!(err.message().contains("AUTH, SELECTED"));
    // xatom registers an unknown command for the current state.
    let id = s.submit(Command::xatom("XSTUFF", &[]).unwrap());
    s.c("TTTT1 XSTUFF\r\n");
    s.s("TTTT1 OK XSTUFF completed\r\n");
    s.ok(id);
}

#[test]
fn bye_aborts_pending_and_later_commands() {
    let mut s = Script::selected("");
    let id = s.submit(Command::fetch("1", "FLAGS").unwrap());
    s.c("TTTT3 FETCH 1 (FLAGS)\r\n");
    s.s("* BYE Server shutting down\r\n");
    let err = s.err(id);
    assert!(err.is_abort());
    assert_eq!(err.cause(), Cause::Bye);
    assert_eq!(err.message(), "command: FETCH => Server shutting down");
    let err = s.refused(Command::noop());
    assert!(err.is_abort());
    // LOGOUT still returns the BYE at once.
    let id = s.submit(Command::logout());
    s.c("TTTT4 LOGOUT\r\n");
    assert_eq!(s.ok(id), "('BYE', [b'Server shutting down'])");
}

#[test]
fn eof_aborts_pending_commands() {
    let mut s = Script::selected("");
    let id = s.submit(Command::noop());
    s.c("TTTT3 NOOP\r\n");
    s.s("* 1 EXI");
    s.conn.feed_eof();
    let err = s.err(id);
    assert!(err.is_abort());
    assert!(err
        .message()
        .starts_with("command: NOOP => socket error: EOF"));
    assert!(s.fatal().is_abort());
    assert!(s.conn.submit(Command::noop()).unwrap_err().is_abort());
}

#[test]
fn pipelined_commands_complete_in_order() {
    let mut s = Script::selected("");
    let a = s.submit(Command::fetch("1", "(UID)").unwrap());
    let b = s.submit(Command::search(None, &["ALL"]).unwrap());
    let c = s.submit(Command::fetch("2", "(UID)").unwrap());
    s.c("TTTT3 FETCH 1 (UID)\r\nTTTT4 SEARCH ALL\r\nTTTT5 FETCH 2 (UID)\r\n");
    s.s("* 1 FETCH (UID 10)\r\nTTTT3 OK done\r\n* SEARCH 1 2\r\nTTTT4 OK done\r\n* 2 FETCH (UID 11)\r\nTTTT5 OK done\r\n");
    assert_eq!(s.ok(a), "('OK', [b'1 (UID 10)'])");
    assert_eq!(s.ok(b), "('OK', [b'1 2'])");
    assert_eq!(s.ok(c), "('OK', [b'2 (UID 11)'])");
    assert_eq!(s.conn.pending(), 0);
}

#[test]
fn mailbox_names_in_modified_utf7() {
    let mut s = Script::authed("");
    let id = s.submit(Command::select("Entwürfe", false).unwrap());
    s.c("TTTT2 SELECT Entw&APw-rfe\r\n");
    s.s("TTTT2 OK [READ-WRITE] done\r\n");
    s.ok(id);
    let id = s.submit(Command::select(&b"Entw&APw-rfe"[..], false).unwrap());
    s.c("TTTT3 SELECT Entw&APw-rfe\r\n");
    s.s("TTTT3 OK [READ-WRITE] done\r\n");
    s.ok(id);
    let id = s.submit(Command::list(None, Some("Entwürfe/%".into())).unwrap());
    s.c("TTTT4 LIST \"\" Entw&APw-rfe/%\r\n");
    s.s("TTTT4 OK done\r\n");
    s.ok(id);
    // test_control_characters: C0 controls in a str mailbox go out encoded.
    for c in 1u8..0x20 {
        let name = format!("a{}b", c as char);
        let id = s.submit(Command::create(name.as_str()).unwrap());
        let sent = std::mem::take(&mut s.sent);
        assert!(sent.starts_with(t("TTTT").as_bytes()) && sent.ends_with(b"\r\n"));
        assert!(
            !sent[..sent.len() - 2].iter().any(|b| *b < 0x20),
            "{sent:?}"
        );
        s.s(&format!(
            "{} OK done\r\n",
            String::from_utf8_lossy(&sent[..sent.iter().position(|&b| b == b' ').unwrap()])
        ));
        s.ok(id);
    }
    // Opting out sends UTF-8 as a literal.
    let mut opts = Script::opts();
    opts.mailbox_utf7 = false;
    let mut s = Script::new(opts);
    s.s("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
    s.c("TTTT0 CAPABILITY\r\n");
    s.s("* CAPABILITY IMAP4rev1\r\nTTTT0 OK done\r\n");
    s.expect_connected();
    let id = s.submit(Command::select("Entwürfe", false).unwrap());
    s.c("TTTT1 SELECT {9}\r\n");
    s.s("+\r\n");
    s.c("Entwürfe\r\n");
    s.s("TTTT1 OK done\r\n");
    s.ok(id);
}

#[test]
fn greeting_capabilities_are_consumed() {
    // Found by the differential test: imaplib consumes the greeting's capabilities, so a
    // later capability() returns only what it asked for.
    let mut s = Script::new(Script::opts());
    s.s("* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n");
    s.expect_connected();
    assert!(s.stored("CAPABILITY").is_none());
    let id = s.submit(Command::capability());
    s.c("TTTT0 CAPABILITY\r\n");
    s.s("* CAPABILITY IMAP4rev1 IDLE\r\nTTTT0 OK done\r\n");
    assert_eq!(s.ok(id), "('OK', [b'IMAP4rev1 IDLE'])");
}

#[test]
fn close_returns_to_auth_even_when_refused() {
    // Found by the differential test: imaplib's close() sets AUTH in a `finally`, also
    // when the command never leaves (here: a recorded READ-ONLY).
    let mut s = Script::authed("");
    let id = s.submit(Command::select("Ro", false).unwrap());
    s.c("TTTT2 SELECT Ro\r\n");
    s.s("TTTT2 OK [READ-ONLY] done\r\n");
    assert!(s.err(id).is_readonly());
    let err = s.refused(Command::close());
    assert!(err.is_readonly());
    assert_eq!(s.conn.state(), State::Auth);
    let err = s.refused(Command::search(None, &["ALL"]).unwrap());
    assert_eq!(
        err.message(),
        "command SEARCH illegal in state AUTH, only allowed in states SELECTED"
    );
}

#[test]
fn append_from_a_stream() {
    let mut s = Script::authed("");
    let id = s.submit(Command::append_stream(None, Some("\\Seen"), None, 7).unwrap());
    s.c("TTTT2 APPEND INBOX (\\Seen) {7}\r\n");
    // Nothing is asked of the caller before the server's `+`.
    assert!(s.take_events().is_empty());
    s.s("+ OK\r\n");
    let events = s.take_events();
    assert!(
        matches!(events.as_slice(), [Output::SendLiteral { id: i, len: 7 }] if *i == id),
        "{events:?}"
    );
    s.nothing_sent();
    s.conn.literal_written(id).unwrap();
    s.c("\r\n");
    s.s("TTTT2 OK [APPENDUID 1 5] Append completed.\r\n");
    s.ok(id);
    assert!(s.conn.literal_written(id).is_err());
    // With LITERAL+ the caller writes at once.
    let mut s = Script::authed("LITERAL+");
    let id = s.submit(Command::append_stream(Some("Sent".into()), None, None, 3).unwrap());
    s.c("TTTT2 APPEND Sent {3+}\r\n");
    assert!(matches!(
        s.take_events().as_slice(),
        [Output::SendLiteral { len: 3, .. }]
    ));
    let noop = s.submit(Command::noop());
    s.nothing_sent(); // the NOOP waits behind the literal
    s.conn.literal_written(id).unwrap();
    s.c("\r\nTTTT3 NOOP\r\n");
    s.s("TTTT2 OK done\r\nTTTT3 OK done\r\n");
    s.ok(id);
    s.ok(noop);
}

#[test]
fn fetch_literals_stream_out_with_bounded_memory() {
    let mut s = Script::selected("");
    let id = s.submit(
        Command::fetch("1:2", "(UID BODY[])")
            .unwrap()
            .stream_literals(),
    );
    s.c("TTTT3 FETCH 1:2 (UID BODY[])\r\n");
    let body: Vec<u8> = (0..100_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut server = format!("* 1 FETCH (UID 10 BODY[] {{{}}}\r\n", body.len()).into_bytes();
    server.extend_from_slice(&body);
    server.extend_from_slice(b" FLAGS (\\Seen))\r\n* 2 FETCH (UID 11 BODY[] {5}\r\nhello)\r\n");
    server.extend_from_slice(common::t("TTTT3 OK Fetch completed.\r\n").as_bytes());
    // (seq, header, size, bytes) per streamed literal.
    type Streamed = (Option<u32>, Vec<u8>, u64, Vec<u8>);
    let mut got: Vec<Streamed> = Vec::new();
    let mut max_held = 0;
    for chunk in server.chunks(4096) {
        s.conn.feed(chunk);
        max_held = max_held.max(s.conn.diagnostics().buffered);
        while let Some(out) = s.conn.poll_output() {
            match out {
                Output::LiteralStart {
                    id: i,
                    seq,
                    header,
                    size,
                } => {
                    assert_eq!(i, id);
                    got.push((seq, header, size, Vec::new()));
                }
                Output::LiteralData { data, .. } => {
                    got.last_mut().unwrap().3.extend_from_slice(&data)
                }
                Output::LiteralEnd { .. } => {}
                other => s.events.push(other),
            }
        }
    }
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, Some(1));
    assert_eq!(got[0].1, b"* 1 FETCH (UID 10 BODY[] {100000}");
    assert_eq!(got[0].2, 100_000);
    assert!(got[0].3 == body);
    assert_eq!((got[1].0, got[1].3.as_slice()), (Some(2), &b"hello"[..]));
    // The result keeps the shape, with the literals left empty.
    assert_eq!(
        s.ok(id),
        "('OK', [(b'1 (UID 10 BODY[] {100000}', b''), b' FLAGS (\\\\Seen))', (b'2 (UID 11 BODY[] {5}', b''), b')'])"
    );
    // The engine never held more than the response's first line.
    assert!(max_held < 100, "held {max_held} bytes");
    let mut s2 = Script::selected("");
    let id2 = s2.submit(Command::fetch("1", "(BODY[])").unwrap().stream_literals());
    s2.c("TTTT3 FETCH 1 (BODY[])\r\n");
    let mut big = b"* 1 FETCH (BODY[] {1000000}\r\n".to_vec();
    big.extend(std::iter::repeat_n(b'x', 1_000_000));
    let mut peak = 0;
    for chunk in big.chunks(4096) {
        s2.conn.feed(chunk);
        while s2.conn.poll_output().is_some() {}
        peak = peak.max(s2.conn.diagnostics().buffered + s2.conn.stored_bytes());
    }
    s2.s(")\r\nTTTT3 OK done\r\n");
    s2.ok(id2);
    assert!(peak < 10_000, "stored {peak}");
    // Only one streaming FETCH at a time.
    let a = s2.submit(Command::fetch("1", "(BODY[])").unwrap().stream_literals());
    assert!(s2
        .conn
        .submit(Command::fetch("1", "(BODY[])").unwrap().stream_literals())
        .is_err());
    let _ = a;
}

#[test]
fn a_5_mb_search_line_passes_the_default_limits() {
    // imaplib's 1 MB _MAXLINE refuses this; the default limit is 64 MiB.
    let mut s = Script::selected("");
    let id = s.submit(Command::uid_search(None, &["ALL"]).unwrap());
    s.c("TTTT3 UID SEARCH ALL\r\n");
    let ids: String = (1..=700_000u32).map(|n| format!(" {}", n * 3)).collect();
    assert!(ids.len() > 5_000_000);
    s.s(&format!("* SEARCH{ids}\r\nTTTT3 OK done\r\n"));
    let reply = s.result(id).unwrap();
    assert_eq!(reply.data.len(), 1);
    assert_eq!(reply.lines().next().map(<[u8]>::len), Some(ids.len() - 1));
}

// ----- imaplib's `literal` attribute -------------------------------------------------------

/// `M.literal = 'Grüße'.encode(); M.search('UTF-8', 'SUBJECT')`: the literal follows the
/// last argument, after the server's `+`, once.
#[test]
fn literal_attribute_is_sent_after_the_continuation_once() {
    let grusse = "Grüße".as_bytes();
    let mut s = Script::selected("");
    s.conn.set_literal(Some(grusse.to_vec())).unwrap();
    assert_eq!(s.conn.literal(), Some(grusse));
    let id = s.submit(Command::search(Some("UTF-8"), &["SUBJECT"]).unwrap());
    assert_eq!(s.conn.literal(), None, "consumed by the command");
    s.c("TTTT3 SEARCH CHARSET UTF-8 SUBJECT {7}\r\n");
    s.pending(id);
    s.nothing_sent();
    s.s("+ Ready for literal data\r\n");
    let mut wire = grusse.to_vec();
    wire.extend_from_slice(b"\r\n");
    s.cb(&wire);
    s.s("* SEARCH 2\r\nTTTT3 OK Search completed.\r\n");
    assert_eq!(s.ok(id), "('OK', [b'2'])");
    // One-shot: the next command has none.
    let id = s.submit(Command::search(None, &["ALL"]).unwrap());
    s.c("TTTT4 SEARCH ALL\r\n");
    s.s("* SEARCH 1 2\r\nTTTT4 OK done\r\n");
    assert_eq!(s.ok(id), "('OK', [b'1 2'])");
}

#[test]
fn literal_attribute_uses_literal_plus_and_stops_on_a_refusal() {
    let mut s = Script::selected("LITERAL+");
    s.conn.set_literal(Some(b"K\xc3\xb6ln".to_vec())).unwrap();
    let id = s.submit(Command::uid_search(Some("UTF-8"), &["SUBJECT"]).unwrap());
    s.cb(b"BCDE3 UID SEARCH CHARSET UTF-8 SUBJECT {5+}\r\nK\xc3\xb6ln\r\n");
    s.s("* SEARCH\r\nTTTT3 OK done\r\n");
    assert_eq!(s.ok(id), "('OK', [b''])");

    // Refused before the `+`: the literal is never sent, the NO is the result.
    let mut s = Script::selected("");
    s.conn.set_literal(Some(b"K\xc3\xb6ln".to_vec())).unwrap();
    let id = s.submit(Command::search(Some("X-UNKNOWN"), &["SUBJECT"]).unwrap());
    s.c("TTTT3 SEARCH CHARSET X-UNKNOWN SUBJECT {5}\r\n");
    s.s("TTTT3 NO [BADCHARSET (UTF-8)] Unknown charset\r\n");
    assert_eq!(
        s.ok(id),
        "('NO', [b'[BADCHARSET (UTF-8)] Unknown charset'])"
    );
    let id = s.submit(Command::noop());
    s.c("TTTT4 NOOP\r\n");
    s.s("TTTT4 OK done\r\n");
    s.ok(id);
}

/// imaplib's rules: the state table's refusal clears it; a refusal before `_command`
/// (a missing capability) leaves it; APPEND sets its own; NUL cannot be sent.
#[test]
fn literal_attribute_follows_imaplib_rules() {
    let mut s = Script::connected("");
    s.conn.set_literal(Some(b"x".to_vec())).unwrap();
    let e = s.refused(Command::search(None, &["SUBJECT"]).unwrap());
    assert!(e
        .message()
        .starts_with("command SEARCH illegal in state NONAUTH"));
    assert_eq!(s.conn.literal(), None);

    let mut s = Script::authed("");
    s.conn.set_literal(Some(b"x".to_vec())).unwrap();
    let e = s.refused(Command::enable("UTF8=ACCEPT").unwrap());
    assert_eq!(e.message(), "Server does not support ENABLE");
    assert_eq!(s.conn.literal(), Some(&b"x"[..]));
    s.conn.set_literal(None).unwrap();
    assert_eq!(s.conn.literal(), None);

    let mut s = Script::selected("");
    s.conn.set_literal(Some(b"ignored".to_vec())).unwrap();
    let id = s.submit(Command::append(None, None, None, b"Subject: x\r\n\r\nhi").unwrap());
    assert_eq!(s.conn.literal(), None);
    s.c("TTTT3 APPEND INBOX {16}\r\n");
    s.s("+ OK\r\n");
    s.c("Subject: x\r\n\r\nhi\r\n");
    s.s("TTTT3 OK appended\r\n");
    s.ok(id);

    let e = s.conn.set_literal(Some(b"a\0b".to_vec())).unwrap_err();
    assert_eq!(e.message(), "NUL not allowed in the literal");
    assert_eq!(s.conn.literal(), None);
}

/// In UTF-8 mode imaplib wraps the literal as `UTF8 (~{N} … )`, APPEND's syntax, which
/// a SEARCH cannot take; here it stays a plain literal.
#[test]
fn literal_attribute_is_plain_in_utf8_mode() {
    let mut s = Script::authed("ENABLE UTF8=ACCEPT");
    let id = s.submit(Command::enable("UTF8=ACCEPT").unwrap());
    s.s("* ENABLED UTF8=ACCEPT\r\nTTTT2 OK enabled\r\n");
    s.ok(id);
    let id = s.submit(Command::select("INBOX", false).unwrap());
    s.s("TTTT3 OK [READ-WRITE] selected\r\n");
    s.ok(id);
    s.sent.clear();
    s.conn
        .set_literal(Some("Grüße".as_bytes().to_vec()))
        .unwrap();
    let id = s.submit(Command::search(None, &["SUBJECT"]).unwrap());
    s.c("TTTT4 SEARCH SUBJECT {7}\r\n");
    s.s("+ go\r\n");
    s.cb("Grüße\r\n".as_bytes());
    s.s("* SEARCH 1\r\nTTTT4 OK done\r\n");
    assert_eq!(s.ok(id), "('OK', [b'1'])");
}
