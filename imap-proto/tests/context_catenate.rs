//! CATENATE (RFC 4469), SASL-IR (RFC 4959), CONTEXT=SEARCH (RFC 5267) and the response
//! codes BADURL, TOOBIG, NOUPDATE, BADEVENT, NOTIFICATIONOVERFLOW through a connection:
//! client bytes for each new command, capability checks, server answers (Dovecot's where
//! it sends them, hostile ones beside) read back typed.

mod common;
mod parse_common;

use common::Script;
use imaplib_proto::auth::{Plain, Scram, ScramHash, XOAuth2};
use imaplib_proto::build::{CatenateMessage, Flag, ImapUrl, SearchKey, SearchReturn, SortKey};
use imaplib_proto::error::{ArgumentProblem, Reason};
use imaplib_proto::parse::{self, Code, Data, Response, StatusKind};
use imaplib_proto::typed::{self, Event};
use imaplib_proto::{Cause, Command, Item, Output, Reply};
use parse_common::{frame, untagged};

fn argument(r: imaplib_proto::Result<impl std::fmt::Debug>, problem: ArgumentProblem) {
    let e = r.expect_err("should be refused");
    assert_eq!(e.cause(), Cause::Argument, "{e}");
    match e.reason() {
        Reason::Argument { problem: p, .. } => assert_eq!(p, &problem, "{e}"),
        other => panic!("{other:?}"),
    }
}

fn unsupported(e: imaplib_proto::Error, cap: &str) {
    match e.reason() {
        Reason::Unsupported { capability } => assert_eq!(capability, cap, "{e}"),
        other => panic!("not Unsupported: {other:?}"),
    }
}

fn status_code(wire: &[u8]) -> Option<Code<'static>> {
    let f = Box::leak(Box::new(frame(wire)));
    match parse::parse_response(f) {
        Ok(Response::Tagged { status, .. }) => status.code,
        Ok(Response::Untagged(Data::Status(s))) => s.code,
        other => panic!("{}: {other:?}", String::from_utf8_lossy(wire)),
    }
}

// ---------------------------------------------------------------------------------------
// Response codes

#[test]
fn new_codes_are_typed() {
    let cases: Vec<(&[u8], Code<'static>)> = vec![
        (
            // Dovecot 2.3.19's answer to a URL with a non-number UIDVALIDITY.
            b"a NO [BADURL /INBOX;UIDVALIDITY=X/;UID=2/;SECTION=HEADER] Invalid IMAP URL: Value 'X' is not a valid IMAP number\r\n",
            Code::BadUrl(b"/INBOX;UIDVALIDITY=X/;UID=2/;SECTION=HEADER"),
        ),
        (b"a NO [TOOBIG] Message too large\r\n", Code::TooBig),
        (
            b"a NO [NOUPDATE \"B283\"] Too many contexts\r\n",
            Code::NoUpdate(parse::Str::new(b"B283", parse::StrForm::Quoted { escaped: false })),
        ),
        (
            // Dovecot: no parentheses.
            b"a5b NO [BADEVENT MailboxMetadataChange ServerMetadataChange] Unsupported NOTIFY events\r\n",
            Code::BadEvent(vec![b"MailboxMetadataChange", b"ServerMetadataChange"]),
        ),
        (
            // RFC 5465's grammar: parentheses.
            b"a NO [BADEVENT (MessageNew MessageExpunge)] no\r\n",
            Code::BadEvent(vec![b"MessageNew", b"MessageExpunge"]),
        ),
        (b"a NO [BADEVENT] no\r\n", Code::BadEvent(vec![])),
        (
            b"* OK [NOTIFICATIONOVERFLOW] Too many notifications\r\n",
            Code::NotificationOverflow,
        ),
        (b"* OK [notificationoverflow] x\r\n", Code::NotificationOverflow),
    ];
    for (wire, want) in cases {
        let got = status_code(wire);
        assert_eq!(
            got.as_ref(),
            Some(&want),
            "{}",
            String::from_utf8_lossy(wire)
        );
        // The canonical form reads back as the same code.
        let printed = want.to_string();
        let (name, data) = printed.split_once(' ').unwrap_or((&printed, ""));
        let again = parse::parse_code(name.as_bytes(), data.as_bytes()).unwrap();
        assert_eq!(again, want, "{printed}");
    }
    assert_eq!(
        Code::BadEvent(vec![b"MailboxMetadataChange", b"ServerMetadataChange"]).to_string(),
        "BADEVENT (MailboxMetadataChange ServerMetadataChange)"
    );
}

#[test]
fn hostile_codes_stay_text_or_fail_cleanly() {
    // Forms outside the grammar are kept as `Other` with their text: never a panic, never
    // a code that claims what the server did not say.
    type Case = (&'static [u8], &'static [u8], Option<&'static [u8]>);
    let other: Vec<Case> = vec![
        (b"a NO [BADURL] x\r\n", b"BADURL", None),
        (b"a NO [NOUPDATE] x\r\n", b"NOUPDATE", None),
        (b"a NO [NOUPDATE (x y)] x\r\n", b"NOUPDATE", Some(b"(x y)")),
        (b"a NO [NOUPDATE a b] x\r\n", b"NOUPDATE", Some(b"a b")),
        (b"a NO [TOOBIG 4096] x\r\n", b"TOOBIG", Some(b"4096")),
        (b"a NO [BADEVENT (a b] x\r\n", b"BADEVENT", Some(b"(a b")),
        (b"a NO [BADEVENT ((a))] x\r\n", b"BADEVENT", Some(b"((a))")),
        (b"a NO [BADEVENT a  b] x\r\n", b"BADEVENT", Some(b"a  b")),
        (
            b"a OK [NOTIFICATIONOVERFLOW now] x\r\n",
            b"NOTIFICATIONOVERFLOW",
            Some(b"now"),
        ),
    ];
    for (wire, name, data) in other {
        assert_eq!(
            status_code(wire),
            Some(Code::Other { name, data }),
            "{}",
            String::from_utf8_lossy(wire)
        );
    }
    // A URL runs to the first `]`: one holding `]` makes the line malformed (an error,
    // not a panic, and not a wrong URL).
    let f = frame(b"a NO [BADURL /a]b] x\r\n");
    assert!(parse::parse_response(&f).is_err());
    // A huge URL is a slice of the line, not a copy.
    let mut wire = b"a NO [BADURL /".to_vec();
    wire.extend(std::iter::repeat_n(b'x', 60_000));
    wire.extend_from_slice(b"] x\r\n");
    let Some(Code::BadUrl(url)) = status_code(&wire) else {
        panic!()
    };
    assert_eq!(url.len(), 60_001);
    // A broken quoted tag is a parse error of the response, not a panic.
    let f = frame(b"a NO [NOUPDATE \"B2] x\r\n");
    let _ = parse::parse_response(&f);
}

#[test]
fn refusals_carry_the_new_codes() {
    let mut s = Script::selected("CATENATE UIDPLUS");
    let m = CatenateMessage::new().url(ImapUrl::parse("/INBOX;UIDVALIDITY=X/;UID=2").unwrap());
    let id = s.submit(Command::append_catenate("INBOX", &m).unwrap());
    s.c("TTTT3 APPEND INBOX CATENATE (URL \"/INBOX;UIDVALIDITY=X/;UID=2\")\r\n");
    s.s("TTTT3 NO [BADURL /INBOX;UIDVALIDITY=X/;UID=2] Invalid IMAP URL\r\n");
    // imaplib's face: NO is a result, ('NO', [text]); the typed view makes it an error
    // whose refusal carries the code, typed.
    let reply = s.result(id).unwrap();
    assert_eq!(
        reply.python_repr(),
        "('NO', [b'[BADURL /INBOX;UIDVALIDITY=X/;UID=2] Invalid IMAP URL'])"
    );
    let e = typed::append(reply).unwrap_err();
    let Reason::Refused(r) = e.reason() else {
        panic!("{e:?}")
    };
    assert_eq!(r.status(), StatusKind::No);
    assert_eq!(r.code(), Some(Code::BadUrl(b"/INBOX;UIDVALIDITY=X/;UID=2")));
    assert_eq!(r.text(), "Invalid IMAP URL");
}

#[test]
fn notification_overflow_is_an_event() {
    // As IDLE yields it, and as the store holds it.
    let update = Reply::new("NOTIFICATIONOVERFLOW", vec![Item::from(b"")]);
    assert_eq!(typed::events(&update, false).unwrap(), [Event::Overflow]);
    let update = Reply::new("OK", vec![Item::from(b"[NOTIFICATIONOVERFLOW] Too many")]);
    assert_eq!(typed::events(&update, false).unwrap(), [Event::Overflow]);
    // Not a prefix match: another code is no overflow.
    let update = Reply::new("OK", vec![Item::from(b"[NOTIFICATIONOVERFLOWX] x")]);
    assert_eq!(typed::events(&update, false).unwrap(), []);

    let mut s = Script::selected("NOTIFY");
    let id = s.submit(Command::noop());
    s.c("TTTT3 NOOP\r\n");
    s.s("* OK [NOTIFICATIONOVERFLOW] Too many notifications\r\n* 3 EXISTS\r\nTTTT3 OK NOOP\r\n");
    s.ok(id);
    let events = typed::take_events(&mut s.conn).unwrap();
    assert_eq!(events[0], Event::Overflow, "{events:?}");
    assert!(events.contains(&Event::Exists(3)), "{events:?}");
}

// ---------------------------------------------------------------------------------------
// CATENATE

#[test]
fn catenate_bytes_with_synchronizing_literals() {
    let mut s = Script::selected("CATENATE UIDPLUS");
    let url = ImapUrl::message("INBOX", Some(1796179284), 2)
        .unwrap()
        .section("TEXT")
        .unwrap();
    let date =
        imaplib_proto::chrono::DateTime::parse_from_rfc3339("2024-02-01T10:00:00+01:00").unwrap();
    let m = CatenateMessage::new()
        .text(b"Subject: Fwd\r\n\r\n")
        .url(url)
        .text(b"\r\n-- \r\nsig\r\n")
        .flags([Flag::Seen])
        .date(date);
    let id = s.submit(Command::append_catenate("Sent", &m).unwrap());
    s.c("TTTT3 APPEND Sent (\\Seen) \"01-Feb-2024 10:00:00 +0100\" CATENATE (TEXT {16}\r\n");
    s.s("+ OK\r\n");
    s.c("Subject: Fwd\r\n\r\n URL \"/INBOX;UIDVALIDITY=1796179284/;UID=2/;SECTION=TEXT\" TEXT {12}\r\n");
    s.pending(id);
    s.s("+ OK\r\n");
    s.c("\r\n-- \r\nsig\r\n)\r\n");
    s.s("TTTT3 OK [APPENDUID 1796179284 9] Append completed.\r\n");
    let reply = s.result(id).unwrap();
    let stored = typed::append(reply).unwrap().unwrap();
    assert_eq!(
        (stored.uid_validity, stored.uids.to_string()),
        (1796179284, "9".to_string())
    );
}

#[test]
fn catenate_with_literal_plus_goes_in_one_write() {
    let mut s = Script::selected("CATENATE LITERAL+");
    let m = CatenateMessage::new()
        .text(b"a")
        .url(ImapUrl::message("Ärger/x y", None, 7).unwrap());
    s.submit(Command::append_catenate("INBOX", &m).unwrap());
    s.c("TTTT3 APPEND INBOX CATENATE (TEXT {1+}\r\na URL \"/%C3%84rger/x%20y/;UID=7\")\r\n");
}

#[test]
fn catenate_is_checked_before_sending() {
    let m = CatenateMessage::new().text(b"x");
    // No CATENATE advertised: nothing is sent.
    let mut s = Script::selected("UIDPLUS");
    unsupported(
        s.refused(Command::append_catenate("INBOX", &m).unwrap()),
        "CATENATE",
    );
    argument(
        Command::append_catenate("INBOX", &CatenateMessage::new()),
        ArgumentProblem::Empty,
    );
    argument(
        Command::append_catenate("INBOX", &CatenateMessage::new().text(b"a\0b")),
        ArgumentProblem::Nul,
    );
    argument(Command::append_catenate("a\0b", &m), ArgumentProblem::Nul);
}

#[test]
fn imap_urls_are_validated() {
    argument(ImapUrl::message("", None, 1), ArgumentProblem::Empty);
    argument(ImapUrl::message("INBOX", None, 0), ArgumentProblem::Zero);
    argument(ImapUrl::message("INBOX", Some(0), 1), ArgumentProblem::Zero);
    argument(ImapUrl::message("IN\0BOX", None, 1), ArgumentProblem::Nul);
    let url = ImapUrl::message("INBOX", None, 1).unwrap();
    argument(url.clone().section(""), ArgumentProblem::NotAllowed);
    argument(url.clone().section("TEXT\r\n"), ArgumentProblem::NotAllowed);
    argument(url.clone().section("TËXT"), ArgumentProblem::NotAllowed);
    argument(
        url.clone().section("TEXT").unwrap().section("1"),
        ArgumentProblem::NotAllowed,
    );
    argument(url.clone().partial(0, Some(0)), ArgumentProblem::Zero);
    argument(
        url.clone().partial(0, None).unwrap().section("TEXT"),
        ArgumentProblem::NotAllowed,
    );
    assert_eq!(
        url.clone().partial(10, None).unwrap().as_str(),
        "/INBOX/;UID=1/;PARTIAL=10"
    );
    // Percent-encoding leaves nothing that could end the quoted string.
    let odd = ImapUrl::message("a\"b\\c%d;e?f#g]h", Some(5), 3)
        .unwrap()
        .section("HEADER.FIELDS (A\"B)")
        .unwrap();
    assert_eq!(
        odd.as_str(),
        "/a%22b%5Cc%25d%3Be%3Ff%23g%5Dh;UIDVALIDITY=5/;UID=3/;SECTION=HEADER.FIELDS%20(A%22B)"
    );
    for bad in ["", "/x y", "/x\"", "/x\\", "/x\r\n", "/x\0", "/ü", "/x\t"] {
        assert!(ImapUrl::parse(bad).is_err(), "{bad:?}");
    }
    argument(ImapUrl::parse("/a\r\nb"), ArgumentProblem::LineBreak);
    assert_eq!(
        ImapUrl::parse("imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038")
            .unwrap()
            .to_string(),
        "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038"
    );
}

// ---------------------------------------------------------------------------------------
// CONTEXT=SEARCH

#[test]
fn partial_and_update_bytes() {
    let mut s = Script::selected("ESEARCH CONTEXT=SEARCH");
    let ret = SearchReturn::new().partial(1, 5).unwrap().count();
    let id = s.submit(Command::search_return(&SearchKey::all(), &ret).unwrap());
    s.c("TTTT3 SEARCH RETURN (PARTIAL 1:5 COUNT) ALL\r\n");
    s.s("* ESEARCH (TAG \"TTTT3\") COUNT 20 PARTIAL (1:5 1:5)\r\nTTTT3 OK done\r\n");
    let found = typed::esearch(s.result(id).unwrap(), &mut s.conn).unwrap();
    assert_eq!(found.tag.as_deref(), Some("BCDE3"));
    assert_eq!(found.count, Some(20));
    let page = found.partial.unwrap();
    assert_eq!((page.first, page.last), (1, 5));
    assert_eq!(page.set.unwrap().to_string(), "1:5");

    // A later range replaces the first; UPDATE once.
    let ret = SearchReturn::new()
        .partial(1, 5)
        .unwrap()
        .update()
        .partial(21, 40)
        .unwrap()
        .update();
    assert_eq!(ret.to_string(), "RETURN (UPDATE PARTIAL 21:40)");
    let id = s.submit(Command::uid_search_return(&SearchKey::unseen(), &ret).unwrap());
    s.c("TTTT4 UID SEARCH RETURN (UPDATE PARTIAL 21:40) UNSEEN\r\n");
    s.s("* ESEARCH (TAG \"TTTT4\") UID PARTIAL (21:40 NIL)\r\nTTTT4 OK done\r\n");
    let found = typed::esearch(s.result(id).unwrap(), &mut s.conn).unwrap();
    assert!(found.uid);
    assert_eq!(found.partial.unwrap().set, None);

    // Updates arrive with any command's answer and stay apart from the answers.
    let id =
        s.submit(Command::search_return(&SearchKey::all(), &SearchReturn::new().min()).unwrap());
    s.c("TTTT5 SEARCH RETURN (MIN) ALL\r\n");
    s.s("* 21 EXISTS\r\n* ESEARCH (TAG \"TTTT4\") UID ADDTO (0 21)\r\n* ESEARCH (TAG \"TTTT5\") MIN 1\r\nTTTT5 OK done\r\n");
    let found = typed::esearch(s.result(id).unwrap(), &mut s.conn).unwrap();
    assert_eq!((found.tag.as_deref(), found.min), (Some("BCDE5"), Some(1)));
    let id = s.submit(Command::noop());
    s.c("TTTT6 NOOP\r\n");
    s.s("* ESEARCH (TAG \"TTTT4\") UID REMOVEFROM (0 3:4,9) ADDTO (0 30 5 31:32)\r\nTTTT6 OK NOOP\r\n");
    s.ok(id);
    let updates = typed::search_updates(&mut s.conn).unwrap();
    assert_eq!(updates.len(), 2, "{updates:?}");
    assert_eq!(updates[0].addto[0].set.to_string(), "21");
    let u = &updates[1];
    assert_eq!(u.tag.as_deref(), Some("BCDE4"));
    assert_eq!(u.removefrom[0].set.to_string(), "3:4,9");
    assert_eq!(
        u.addto
            .iter()
            .map(|c| (c.position, c.set.to_string()))
            .collect::<Vec<_>>(),
        [(0, "30".to_string()), (5, "31:32".to_string())]
    );
    assert!(typed::search_updates(&mut s.conn).unwrap().is_empty());

    let id = s.submit(Command::cancel_update(&["BCDE4", "BCDE9"]).unwrap());
    s.c("TTTT7 CANCELUPDATE \"BCDE4\" \"BCDE9\"\r\n");
    s.s("TTTT7 OK Updates cancelled\r\n");
    s.ok(id);
}

/// Two SEARCH RETURN commands pipelined: both answers are stored when the first reply is
/// read. `esearch_for` gives each command the ESEARCH with its tag and leaves the rest
/// stored (a live-search update included); `esearch`, which takes the last answer stored,
/// gives the first command the second's.
#[test]
fn pipelined_esearch_answers_go_to_their_commands() {
    let mut s = Script::selected("ESEARCH CONTEXT=SEARCH");
    let all = SearchReturn::new().all();
    let seen = s.submit(Command::search_return(&SearchKey::seen(), &all).unwrap());
    let unseen = s.submit(Command::search_return(&SearchKey::unseen(), &all).unwrap());
    let tags = [seen, unseen].map(|id| s.conn.command_tag(id).unwrap());
    assert_eq!(tags, ["BCDE3", "BCDE4"]);
    s.c("TTTT3 SEARCH RETURN (ALL) SEEN\r\nTTTT4 SEARCH RETURN (ALL) UNSEEN\r\n");
    s.s("* ESEARCH (TAG \"TTTT3\") ALL 1,3\r\nTTTT3 OK done\r\n\
         * ESEARCH (TAG \"TTTT9\") UID ADDTO (0 12)\r\n\
         * ESEARCH (TAG \"TTTT4\") ALL 2,4\r\nTTTT4 OK done\r\n");
    let (first, second) = (s.result(seen).unwrap(), s.result(unseen).unwrap());
    assert_eq!(
        s.conn.command_tag(seen),
        None,
        "the tag is known while pending only"
    );

    // The same replies read with `esearch` misattribute: the last answer stored wins.
    let stored = s.conn.response("ESEARCH");
    s.conn.restore_unsolicited(stored.clone()).unwrap();
    let wrong = typed::esearch(first.clone(), &mut s.conn).unwrap();
    assert_eq!(wrong.all.unwrap().to_string(), "2,4");
    let _ = s.conn.response("ESEARCH");
    s.conn.restore_unsolicited(stored).unwrap();

    let a = typed::esearch_for(&tags[0], first, &mut s.conn).unwrap();
    assert_eq!(
        (a.tag.as_deref(), a.all.unwrap().to_string()),
        (Some("BCDE3"), "1,3".into())
    );
    // The other answer and the update stay stored, in arrival order.
    let left = s.conn.response("ESEARCH");
    assert_eq!(left.data.len(), 2, "{left:?}");
    s.conn.restore_unsolicited(left).unwrap();
    let b = typed::esearch_for(&tags[1], second, &mut s.conn).unwrap();
    assert_eq!(
        (b.tag.as_deref(), b.all.unwrap().to_string()),
        (Some("BCDE4"), "2,4".into())
    );
    let updates = typed::search_updates(&mut s.conn).unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].addto[0].set.to_string(), "12");
    // A tag with no answer: no match, and nothing taken.
    let id = s.submit(Command::search_return(&SearchKey::all(), &all).unwrap());
    s.c("TTTT5 SEARCH RETURN (ALL) ALL\r\n");
    s.s("* ESEARCH (TAG \"TTTT3\") ALL 9\r\nTTTT5 OK done\r\n");
    let none = typed::esearch_for("BCDE5", s.result(id).unwrap(), &mut s.conn).unwrap();
    assert_eq!(none, Default::default());
    assert_eq!(s.conn.response("ESEARCH").data.len(), 1);
}

/// A server that leaves the correlator out: when no ESEARCH carries the command's tag,
/// `esearch_for` takes the last answer without a correlator, as `esearch` does (the
/// typed face's command is the latest sent), and leaves an earlier one stored; an answer
/// with the tag still wins over one without.
#[test]
fn esearch_answers_without_a_correlator_take_the_last() {
    let mut s = Script::selected("ESEARCH");
    let all = SearchReturn::new().all();
    let stored = |s: &Script| {
        s.conn
            .untagged_responses()
            .filter(|(name, _)| *name == "ESEARCH")
            .map(|(_, items)| items.len())
            .sum::<usize>()
    };
    // An earlier command's answer, left stored (its reply read on the imaplib face).
    let old = s.submit(Command::search_return(&SearchKey::seen(), &all).unwrap());
    s.c("TTTT3 SEARCH RETURN (ALL) SEEN\r\n");
    s.s("* ESEARCH ALL 1,3\r\nTTTT3 OK done\r\n");
    assert!(s.result(old).unwrap().is_ok());
    let id = s.submit(Command::search_return(&SearchKey::unseen(), &all).unwrap());
    let tag = s.conn.command_tag(id).unwrap();
    s.c("TTTT4 SEARCH RETURN (ALL) UNSEEN\r\n");
    s.s("* ESEARCH ALL 2,4\r\nTTTT4 OK done\r\n");
    let mine = typed::esearch_for(&tag, s.result(id).unwrap(), &mut s.conn).unwrap();
    assert_eq!(
        (mine.tag, mine.all.unwrap().to_string()),
        (None, "2,4".into())
    );
    assert_eq!(stored(&s), 1, "the earlier answer stays stored");

    // Tagged and untagged answers stored together: the tag wins, the other stays.
    let id = s.submit(Command::search_return(&SearchKey::all(), &all).unwrap());
    let tag = s.conn.command_tag(id).unwrap();
    s.c("TTTT5 SEARCH RETURN (ALL) ALL\r\n");
    s.s("* ESEARCH (TAG \"TTTT5\") ALL 1:4\r\nTTTT5 OK done\r\n");
    let c = typed::esearch_for(&tag, s.result(id).unwrap(), &mut s.conn).unwrap();
    assert_eq!(c.all.unwrap().to_string(), "1:4");
    assert_eq!(
        s.conn.response("ESEARCH").data,
        [Item::from(&b"ALL 1,3"[..])]
    );
}

#[test]
fn context_is_checked_before_sending() {
    argument(SearchReturn::new().partial(0, 5), ArgumentProblem::Zero);
    argument(
        SearchReturn::new().partial(6, 5),
        ArgumentProblem::OutOfRange,
    );
    let mut s = Script::selected("ESEARCH ESORT SORT");
    let ret = SearchReturn::new().partial(1, 5).unwrap();
    unsupported(
        s.refused(Command::search_return(&SearchKey::all(), &ret).unwrap()),
        "CONTEXT=SEARCH",
    );
    unsupported(
        s.refused(
            Command::sort_return(
                &[SortKey::Date.into()],
                &SearchKey::all(),
                &SearchReturn::new().update(),
            )
            .unwrap(),
        ),
        "CONTEXT=SORT",
    );
    unsupported(
        s.refused(Command::cancel_update(&["A1"]).unwrap()),
        "CONTEXT=SEARCH",
    );
    // Plain ESEARCH options still go without CONTEXT.
    s.submit(Command::search_return(&SearchKey::all(), &SearchReturn::new().count()).unwrap());
    s.c("TTTT3 SEARCH RETURN (COUNT) ALL\r\n");
    for bad in [
        "", "a b", "a+", "a\"", "a\\", "a(", "a{1}", "a*", "a%", "ä", "a\r\n",
    ] {
        assert!(Command::cancel_update(&[bad]).is_err(), "{bad:?}");
    }
    argument(
        Command::cancel_update(&["a\r\nb"]),
        ArgumentProblem::LineBreak,
    );
    argument(Command::cancel_update(&[]), ArgumentProblem::Empty);
    assert!(Command::cancel_update(&["A]1.x-y"]).is_ok());
}

#[test]
fn hostile_esearch_context_data() {
    // Ranges stay ranges: no expansion of a huge set.
    let f = frame(b"* ESEARCH (TAG \"a\") UID ADDTO (0 1:4294967295) REMOVEFROM (4294967295 1:4294967295) PARTIAL (1:4294967295 1:4294967295)\r\n");
    let (Data::Esearch(e), _) = untagged(&f) else {
        panic!()
    };
    assert_eq!(e.addto[0].set.ranges().len(), 1);
    assert_eq!(e.removefrom[0].position, u32::MAX);
    let p = e.partial.unwrap();
    assert_eq!((p.first, p.last), (1, u32::MAX));
    // Malformed forms are parse errors (never panics).
    for wire in [
        &b"* ESEARCH PARTIAL (0:5 1)\r\n"[..],
        b"* ESEARCH PARTIAL (1:5)\r\n",
        b"* ESEARCH PARTIAL (1-5 1)\r\n",
        b"* ESEARCH PARTIAL (-1:-5 1)\r\n",
        b"* ESEARCH PARTIAL 1:5 1\r\n",
        b"* ESEARCH PARTIAL (1:5 1\r\n",
        b"* ESEARCH ADDTO ()\r\n",
        b"* ESEARCH ADDTO (0)\r\n",
        b"* ESEARCH ADDTO (0 1 2)\r\n",
        b"* ESEARCH ADDTO (x 1)\r\n",
        b"* ESEARCH ADDTO (0 1 )\r\n",
        b"* ESEARCH REMOVEFROM (4294967296 1)\r\n",
        b"* ESEARCH ADDTO (0 0)\r\n",
    ] {
        let f = frame(wire);
        assert!(
            parse::parse_response(&f).is_err(),
            "{}",
            String::from_utf8_lossy(wire)
        );
    }
    // Many pairs: one entry each, as sent.
    let mut wire = b"* ESEARCH (TAG \"a\") ADDTO (".to_vec();
    for i in 1..=5000u32 {
        if i > 1 {
            wire.push(b' ');
        }
        wire.extend_from_slice(format!("{i} {i}").as_bytes());
    }
    wire.extend_from_slice(b")\r\n");
    let f = frame(&wire);
    let (Data::Esearch(e), _) = untagged(&f) else {
        panic!()
    };
    assert_eq!(e.addto.len(), 5000);
    // A malformed update in the store is an error and stays stored.
    let mut s = Script::selected("ESEARCH CONTEXT=SEARCH");
    let id = s.submit(Command::noop());
    s.c("TTTT3 NOOP\r\n");
    s.s("* ESEARCH (TAG \"x\") ADDTO (0 1)\r\nTTTT3 OK NOOP\r\n");
    s.ok(id);
    s.conn
        .restore_unsolicited(Reply::new("ESEARCH", vec![Item::from(b"ADDTO (0 ")]))
        .unwrap();
    assert!(typed::search_updates(&mut s.conn).is_err());
    assert!(s.stored("ESEARCH").is_some());
}

// ---------------------------------------------------------------------------------------
// SASL-IR

fn auth_line(caps: &str, cmd: Command) -> (Script, String) {
    let mut s = Script::connected(caps);
    s.submit(cmd);
    let sent = String::from_utf8(s.take_sent()).unwrap();
    (s, sent)
}

#[test]
fn sasl_ir_puts_the_initial_response_on_the_line() {
    let plain = || Command::authenticate("PLAIN", Plain::new("user", "pass").unwrap()).unwrap();
    // Opted in and advertised: one line, no `+` to wait for.
    let (mut s, sent) = auth_line("SASL-IR AUTH=PLAIN", plain().sasl_ir());
    assert_eq!(
        sent,
        common::t("TTTT1 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n")
    );
    s.s("TTTT1 OK [CAPABILITY IMAP4rev1] Logged in\r\n");
    let events = s.take_events();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Output::Completed { result: Ok(_), .. })),
        "{events:?}"
    );
    // Not opted in (imaplib's authenticate): CPython's bytes, the empty challenge first.
    let (mut s, sent) = auth_line("SASL-IR AUTH=PLAIN", plain());
    assert_eq!(sent, common::t("TTTT1 AUTHENTICATE PLAIN\r\n"));
    s.s("+ \r\n");
    s.c("AHVzZXIAcGFzcw==\r\n");
    // Opted in, no SASL-IR advertised: falls back to the empty continuation.
    let (mut s, sent) = auth_line("AUTH=PLAIN", plain().sasl_ir());
    assert_eq!(sent, common::t("TTTT1 AUTHENTICATE PLAIN\r\n"));
    s.s("+ \r\n");
    s.c("AHVzZXIAcGFzcw==\r\n");
    s.s("TTTT1 OK Logged in\r\n");
    // Server-first mechanisms and closures never send one.
    let (_, sent) = auth_line(
        "SASL-IR AUTH=CRAM-MD5",
        Command::login_cram_md5("u", "p").unwrap().sasl_ir(),
    );
    assert_eq!(sent, common::t("TTTT1 AUTHENTICATE CRAM-MD5\r\n"));
    let (_, sent) = auth_line(
        "SASL-IR",
        Command::authenticate("X-MINE", |_: &[u8]| Some(b"x".to_vec()))
            .unwrap()
            .sasl_ir(),
    );
    assert_eq!(sent, common::t("TTTT1 AUTHENTICATE X-MINE\r\n"));
    // Only AUTHENTICATE can opt in.
    assert!(!Command::noop().sasl_ir().uses_sasl_ir());
    assert!(plain().sasl_ir().uses_sasl_ir());
}

#[test]
fn sasl_ir_empty_response_is_an_equals_sign() {
    let (_, sent) = auth_line(
        "SASL-IR",
        Command::authenticate("X-EMPTY", EmptyFirst)
            .unwrap()
            .sasl_ir(),
    );
    assert_eq!(sent, common::t("TTTT1 AUTHENTICATE X-EMPTY =\r\n"));
}

struct EmptyFirst;
impl imaplib_proto::Authenticator for EmptyFirst {
    fn step(&mut self, _: &[u8]) -> Option<Vec<u8>> {
        Some(Vec::new())
    }
    fn has_initial_response(&self) -> bool {
        true
    }
}

#[test]
fn sasl_ir_scram_and_oauth_and_redaction() {
    let scram = Scram::new(ScramHash::Sha256, "bob", "secret").unwrap();
    let (mut s, sent) = auth_line(
        "SASL-IR AUTH=SCRAM-SHA-256",
        Command::authenticate("SCRAM-SHA-256", scram)
            .unwrap()
            .sasl_ir(),
    );
    let b64 = sent
        .strip_prefix(&common::t("TTTT1 AUTHENTICATE SCRAM-SHA-256 "))
        .and_then(|r| r.strip_suffix("\r\n"))
        .unwrap_or_else(|| panic!("{sent:?}"));
    use base64::Engine as _;
    let first = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert!(
        first.starts_with(b"n,,n=bob,r="),
        "{}",
        String::from_utf8_lossy(&first)
    );
    // The next `+` is the server-first message: the client answers with client-final.
    let nonce = String::from_utf8_lossy(&first[11..]).into_owned();
    let server_first = format!("r={nonce}srv,s=QSXCR+Q6sek8bf92,i=4096");
    let b64s = base64::engine::general_purpose::STANDARD.encode(server_first);
    s.s(&format!("+ {b64s}\r\n"));
    let reply = String::from_utf8(s.take_sent()).unwrap();
    let final_msg = base64::engine::general_purpose::STANDARD
        .decode(reply.trim_end())
        .unwrap();
    assert!(
        final_msg.starts_with(b"c=biws,r="),
        "{}",
        String::from_utf8_lossy(&final_msg)
    );

    let (_, sent) = auth_line(
        "SASL-IR",
        Command::authenticate("XOAUTH2", XOAuth2::new("u", "tok"))
            .unwrap()
            .sasl_ir(),
    );
    assert!(
        sent.starts_with(&common::t("TTTT1 AUTHENTICATE XOAUTH2 dXNlcj11")),
        "{sent}"
    );

    // The initial response is a secret: the trace form of the bytes shows it redacted.
    let mut s = Script::connected("SASL-IR AUTH=PLAIN");
    let cmd = Command::authenticate("PLAIN", Plain::new("user", "hunter2").unwrap())
        .unwrap()
        .sasl_ir();
    assert!(!format!("{cmd:?}").contains("hunter2"));
    s.conn.submit(cmd).unwrap();
    let Some(Output::Send(out)) = s.conn.poll_output() else {
        panic!()
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(b"\0user\0hunter2");
    assert!(String::from_utf8_lossy(&out.bytes).contains(&b64));
    let shown = out.to_string();
    assert!(
        !shown.contains(&b64) && shown.contains("redacted"),
        "{shown}"
    );
}
