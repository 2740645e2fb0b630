//! IMAP4rev2 (RFC 9051) and UTF8=ACCEPT (RFC 6855) in the core, driven through
//! `feed`/`poll_output`: recorded server bytes in, client bytes and results out. Dovecot 2.3
//! has neither mode (its `ENABLE IMAP4rev2 UTF8=ACCEPT` is a bare `OK`; the Dovecot side,
//! where nothing may switch, is `tests/tests/rev2.rs`), so the server's words here are
//! RFC 9051's and RFC 6855's own examples in shape.
//!
//! Covered: modes start only on `* ENABLED` naming what was asked; SEARCH answered with the
//! ESEARCH carrying its tag (numbers for the imaplib face, ranges for the typed one, a
//! huge range never expanded); what rev2 removed refused before sending; SELECT's `* LIST`
//! and `[CLOSED]`; STATUS DELETED/SIZE; UTF-8 mailbox names and strings both ways; LIST
//! OLDNAME; APPEND `UTF8 (~{n})`. Hostile answers: ESEARCH without a tag or with another
//! command's, a UID mismatch, a malformed one, an ESEARCH in rev1, a name that is not UTF-8,
//! an `ENABLED` naming what was never asked.

mod common;

use common::Script;
use imaplib_proto::build::{AppendMessage, Flag, SearchKey, SearchReturn};
use imaplib_proto::error::{Limit, Reason, StateProblem, Violation};
use imaplib_proto::typed::{self, Rev2Modes};
use imaplib_proto::{Command, Error, Reply, Result, Text};

const CAPS: &str = "IMAP4rev2 ENABLE UTF8=ACCEPT";

fn run(s: &mut Script, cmd: Command, client: &str, server: &str) -> Result<Reply> {
    let id = s.submit(cmd);
    s.c(client);
    s.s(server);
    s.result(id)
}

/// Logged in (tags 0 and 1), then `ENABLE ask…` (tag 2) answered with `answer` and OK.
fn enabled(ask: &[&str], answer: &str) -> Script {
    let mut s = Script::authed(CAPS);
    assert!(!s.conn.rev2() && !s.conn.utf8_accepted() && !s.conn.utf8_enabled());
    let r = run(
        &mut s,
        Command::enable_extensions(ask).unwrap(),
        &format!("TTTT2 ENABLE {}\r\n", ask.join(" ")),
        &format!("{answer}TTTT2 OK Enabled\r\n"),
    )
    .unwrap();
    typed::enable(r, &mut s.conn).unwrap();
    s
}

/// IMAP4rev2 and UTF8=ACCEPT confirmed, INBOX selected with tag 3 (RFC 9051 §6.3.2's
/// answer: no RECENT, a `* LIST` for the mailbox).
fn selected() -> Script {
    let mut s = enabled(
        &["IMAP4rev2", "UTF8=ACCEPT"],
        "* ENABLED IMAP4rev2 UTF8=ACCEPT\r\n",
    );
    let r = run(
        &mut s,
        Command::select("INBOX", false).unwrap(),
        "TTTT3 SELECT INBOX\r\n",
        "* 172 EXISTS\r\n* OK [UIDVALIDITY 3857529045] UIDs valid\r\n\
         * OK [UIDNEXT 4392] Predicted next UID\r\n\
         * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n\
         * OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n\
         * LIST () \"/\" INBOX\r\n\
         TTTT3 OK [READ-WRITE] SELECT completed\r\n",
    )
    .unwrap();
    let mailbox = typed::select(r, &s.conn).unwrap();
    assert_eq!((mailbox.exists, mailbox.recent), (172, None));
    assert_eq!(mailbox.uid_next, Some(4392));
    s
}

fn removed(e: &Error) -> bool {
    matches!(
        e.reason(),
        Reason::State(StateProblem::RemovedInRev2 { .. })
    ) && !e.is_abort()
}

fn is_malformed(e: &Error) -> bool {
    matches!(
        e.reason(),
        Reason::Protocol {
            violation: Violation::Malformed,
            ..
        }
    )
}

// ----- turning the modes on --------------------------------------------------------------

#[test]
fn an_ok_without_enabled_switches_nothing() {
    // Dovecot 2.3's answer: OK, no `* ENABLED`.
    let mut s = enabled(&["IMAP4rev2", "UTF8=ACCEPT"], "");
    assert!(!s.conn.rev2() && !s.conn.utf8_accepted() && !s.conn.utf8_enabled());
    assert_eq!(Rev2Modes::of(&s.conn), Rev2Modes::default());
    // Still IMAP4rev1: modified UTF-7 names, CHARSET for 8-bit search text.
    run(
        &mut s,
        Command::create("Entwürfe").unwrap(),
        "TTTT3 CREATE Entw&APw-rfe\r\n",
        "TTTT3 OK done\r\n",
    )
    .and_then(typed::done)
    .unwrap();
    // Asking again, the server confirms: now both are on.
    let ask = Rev2Modes::request(&s.conn);
    let r = run(
        &mut s,
        Command::enable_extensions(&ask).unwrap(),
        "TTTT4 ENABLE IMAP4rev2 UTF8=ACCEPT\r\n",
        "* ENABLED IMAP4rev2 UTF8=ACCEPT\r\nTTTT4 OK Enabled\r\n",
    )
    .unwrap();
    assert_eq!(
        typed::enable(r, &mut s.conn).unwrap(),
        ["IMAP4REV2", "UTF8=ACCEPT"]
    );
    assert!(s.conn.rev2() && s.conn.utf8_accepted() && s.conn.utf8_enabled());
    assert!(
        Rev2Modes::request(&s.conn).is_empty(),
        "nothing left to ask"
    );
    run(
        &mut s,
        Command::create("Entwürfe").unwrap(),
        "TTTT5 CREATE \"Entwürfe\"\r\n",
        "TTTT5 OK done\r\n",
    )
    .and_then(typed::done)
    .unwrap();
}

#[test]
fn enabled_counts_only_what_was_asked() {
    // Asked for UTF8=ACCEPT only; the server claims IMAP4rev2 too, and an unknown name.
    let mut s = enabled(
        &["UTF8=ACCEPT"],
        "* ENABLED IMAP4rev2 UTF8=ACCEPT X-EVIL\r\n",
    );
    assert!(s.conn.utf8_accepted() && !s.conn.rev2());
    assert_eq!(s.conn.enabled(), ["UTF8=ACCEPT"]);
    // An ENABLED with no ENABLE pending turns nothing on either.
    let r = run(
        &mut s,
        Command::noop(),
        "TTTT3 NOOP\r\n",
        "* ENABLED IMAP4rev2\r\nTTTT3 OK done\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'done'])");
    assert!(!s.conn.rev2());
    // imaplib's own enable() keeps imaplib's rule: the OK alone turns its UTF-8 mode on
    // (and APPEND wraps every message), yet nothing counts as confirmed.
    let mut s = Script::authed(CAPS);
    run(
        &mut s,
        Command::enable("UTF8=ACCEPT").unwrap(),
        "TTTT2 ENABLE UTF8=ACCEPT\r\n",
        "TTTT2 OK Enabled\r\n",
    )
    .and_then(typed::done)
    .unwrap();
    assert!(s.conn.utf8_enabled() && !s.conn.utf8_accepted() && !s.conn.rev2());
}

#[test]
fn enable_extensions_validates_before_sending() {
    let mut s = Script::authed("");
    // No ENABLE and no IMAP4rev2 advertised.
    let e = s.refused(Command::enable_extensions(&["IMAP4rev2"]).unwrap());
    assert!(matches!(e.reason(), Reason::Unsupported { capability } if capability == "ENABLE"));
    assert!(Rev2Modes::request(&s.conn).is_empty());
    // Each name is an atom: no space, CR, LF, quote, parenthesis.
    for bad in ["UTF8 ACCEPT", "X\r\nA1 LOGOUT", "\"x\"", "(x)", ""] {
        assert!(Command::enable_extensions(&[bad]).is_err(), "{bad:?}");
    }
    assert!(Command::enable_extensions(&[]).is_err());
    // IMAP4rev2 alone implies ENABLE (RFC 9051 §6.3.1).
    let mut s = Script::authed("IMAP4rev2");
    s.submit(Command::enable_extensions(&["IMAP4rev2"]).unwrap());
    s.c("TTTT2 ENABLE IMAP4rev2\r\n");
}

// ----- SEARCH answered with ESEARCH --------------------------------------------------------

#[test]
fn search_reads_the_esearch_with_its_tag() {
    let mut s = selected();
    // imaplib face: the numbers, as imaplib users split them.
    let r = run(
        &mut s,
        Command::search(None, &["UNSEEN"]).unwrap(),
        "TTTT4 SEARCH UNSEEN\r\n",
        "* ESEARCH (TAG \"TTTT4\") ALL 1:3,5,17:18\r\nTTTT4 OK done\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'1 2 3 5 17 18'])");
    assert_eq!(typed::search(r).unwrap().to_string(), "1:3,5,17:18");
    assert_eq!(s.stored("ESEARCH"), None, "taken as the answer");

    // Typed face (keep_ranges): the set as sent.
    let r = run(
        &mut s,
        Command::uid_search_with(&SearchKey::unseen())
            .unwrap()
            .keep_ranges(),
        "TTTT5 UID SEARCH UNSEEN\r\n",
        "* ESEARCH (TAG \"TTTT5\") UID ALL 4001:4004,4100\r\nTTTT5 OK done\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'4001:4004,4100'])");
    let set = typed::search(r).unwrap();
    assert_eq!((set.count(), set.ranges().len()), (5, 2));

    // No match: an ESEARCH without ALL.
    let r = run(
        &mut s,
        Command::search_with(&SearchKey::flagged()).unwrap(),
        "TTTT6 SEARCH FLAGGED\r\n",
        "* ESEARCH (TAG \"TTTT6\")\r\nTTTT6 OK done\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [b''])");
    assert!(typed::search(r).unwrap().is_empty());

    // A server that still answers `* SEARCH` is read as in rev1.
    let r = run(
        &mut s,
        Command::search(None, &["ALL"]).unwrap(),
        "TTTT7 SEARCH ALL\r\n",
        "* SEARCH 2 4\r\nTTTT7 OK done\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'2 4'])");

    // RETURN (…) in rev2: ESEARCH is in the base, no ESEARCH capability needed; the
    // ESEARCH stays for typed::esearch.
    let r = run(
        &mut s,
        Command::search_return(&SearchKey::all(), &SearchReturn::new().min().count()).unwrap(),
        "TTTT8 SEARCH RETURN (MIN COUNT) ALL\r\n",
        "* ESEARCH (TAG \"TTTT8\") MIN 1 COUNT 172\r\nTTTT8 OK done\r\n",
    )
    .unwrap();
    let found = typed::esearch(r, &mut s.conn).unwrap();
    assert_eq!((found.min, found.count), (Some(1), Some(172)));
}

#[test]
fn foreign_untagged_and_malformed_esearch_are_not_the_answer() {
    let mut s = selected();
    // Without TAG, with another command's TAG, then ours: ours is taken, the others stay.
    let r = run(
        &mut s,
        Command::search(None, &["SEEN"]).unwrap(),
        "TTTT4 SEARCH SEEN\r\n",
        "* ESEARCH ALL 9\r\n* ESEARCH (TAG \"TTTT99\") ALL 8\r\n\
         * ESEARCH (TAG \"TTTT4\") ALL 7\r\nTTTT4 OK done\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'7'])");
    assert_eq!(
        s.stored("ESEARCH").unwrap(),
        common::t("[b'ALL 9', b'(TAG \"TTTT99\") ALL 8']")
    );
    let _ = s.conn.response("ESEARCH");

    // Only foreign answers: no SEARCH data at all, imaplib's `[None]`, an empty typed set.
    let r = run(
        &mut s,
        Command::search(None, &["SEEN"]).unwrap(),
        "TTTT5 SEARCH SEEN\r\n",
        "* ESEARCH (TAG \"TTTT4\") ALL 1\r\nTTTT5 OK done\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [None])");
    assert!(typed::search(r).unwrap().is_empty());
    assert!(s.stored("ESEARCH").is_some());
    let _ = s.conn.response("ESEARCH");

    // A UID SEARCH answered without the UID marker (sequence numbers) is not its answer;
    // nor is a malformed ESEARCH with its tag. Neither panics; both stay stored.
    let r = run(
        &mut s,
        Command::uid_search(None, &["ALL"]).unwrap(),
        "TTTT6 UID SEARCH ALL\r\n",
        "* ESEARCH (TAG \"TTTT6\") ALL 1:172\r\n* ESEARCH (TAG \"TTTT6\") UID ALL 0:x\r\n\
         TTTT6 OK done\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [None])");
    assert_eq!(
        s.stored("ESEARCH").unwrap(),
        common::t("[b'(TAG \"TTTT6\") ALL 1:172', b'(TAG \"TTTT6\") UID ALL 0:x']")
    );
    // The stream is in step: the next command completes normally.
    let r = run(
        &mut s,
        Command::noop(),
        "TTTT7 NOOP\r\n",
        "TTTT7 OK done\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'done'])");
}

#[test]
fn a_huge_all_stays_ranges() {
    let mut s = selected();
    // Typed (ranges): one range of 2^32 - 1 UIDs, nothing expanded.
    let r = run(
        &mut s,
        Command::uid_search_with(&SearchKey::all())
            .unwrap()
            .keep_ranges(),
        "TTTT4 UID SEARCH ALL\r\n",
        "* ESEARCH (TAG \"TTTT4\") UID ALL 1:4294967295\r\nTTTT4 OK done\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'1:4294967295'])");
    let set = typed::search(r).unwrap();
    assert_eq!((set.ranges().len(), set.count()), (1, 4_294_967_295));
    // imaplib face: expanding would take ~46 GB, more than a `* SEARCH` line may hold
    // (Limits::max_line): an error for this command, the connection goes on.
    let id = s.submit(Command::uid_search(None, &["ALL"]).unwrap());
    s.c("TTTT5 UID SEARCH ALL\r\n");
    s.s("* ESEARCH (TAG \"TTTT5\") UID ALL 1:4294967295\r\nTTTT5 OK done\r\n");
    let e = s.err(id);
    assert!(matches!(
        e.reason(),
        Reason::LimitExceeded {
            limit: Limit::Line,
            ..
        }
    ));
    assert!(!e.is_abort());
    let r = run(
        &mut s,
        Command::noop(),
        "TTTT6 NOOP\r\n",
        "TTTT6 OK done\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'done'])");
}

#[test]
fn esearch_in_rev1_is_not_a_search_answer() {
    // A rev1 server that answers plain SEARCH with ESEARCH: imaplib's result (no SEARCH
    // data), the ESEARCH kept as untagged data, the stream in step.
    let mut s = Script::selected("ESEARCH");
    let r = run(
        &mut s,
        Command::search(None, &["ALL"]).unwrap(),
        "TTTT3 SEARCH ALL\r\n",
        "* ESEARCH (TAG \"TTTT3\") ALL 1:2\r\nTTTT3 OK done\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [None])");
    assert!(typed::search(r).unwrap().is_empty());
    assert_eq!(
        s.stored("ESEARCH").unwrap(),
        common::t("[b'(TAG \"TTTT3\") ALL 1:2']")
    );
    // And RECENT keys still go out in rev1.
    run(
        &mut s,
        Command::search_with(&SearchKey::recent()).unwrap(),
        "TTTT4 SEARCH RECENT\r\n",
        "* SEARCH\r\nTTTT4 OK done\r\n",
    )
    .and_then(typed::done)
    .unwrap();
}

// ----- what IMAP4rev2 removed -------------------------------------------------------------

#[test]
fn recent_is_refused_before_sending() {
    let mut s = selected();
    for cmd in [
        Command::search_with(&SearchKey::recent()).unwrap(),
        Command::search_with(&(SearchKey::seen() | !SearchKey::new_messages())).unwrap(),
        Command::uid_search_with(&SearchKey::group([SearchKey::old()])).unwrap(),
        Command::search_return(&SearchKey::recent(), &SearchReturn::new().all()).unwrap(),
        Command::search(None, &["(OLD SEEN)"]).unwrap(),
        Command::search(None, &["recent"]).unwrap(),
        Command::uid(
            "SEARCH",
            &[Text::Str("OR"), Text::Str("NEW"), Text::Str("SEEN")],
        )
        .unwrap(),
        Command::status("INBOX", "(MESSAGES RECENT)").unwrap(),
        Command::store("1", "+FLAGS", "(\\Seen \\recent)").unwrap(),
        Command::uid_store("1", "FLAGS", "\\Recent").unwrap(),
        Command::append(None, Some("(\\Recent)"), None, b"x").unwrap(),
    ] {
        let e = s.refused(cmd);
        assert!(removed(&e), "{e:?}");
        assert!(e.to_string().contains("IMAP4rev2"), "{e}");
    }
    // Not the keys: a keyword named NEW, a subject saying RECENT, OLDER (WITHIN).
    run(
        &mut s,
        Command::search(None, &["KEYWORD", "NEW", "SUBJECT \"RECENT\"", "OLDER 60"]).unwrap(),
        "TTTT4 SEARCH KEYWORD NEW SUBJECT \"RECENT\" OLDER 60\r\n",
        "* ESEARCH (TAG \"TTTT4\")\r\nTTTT4 OK done\r\n",
    )
    .and_then(typed::done)
    .unwrap();
    // A `\Recent` flag or RECENT response a rev2 server should not send is not read.
    let r = run(
        &mut s,
        Command::select("INBOX", true).unwrap(),
        "TTTT5 EXAMINE INBOX\r\n",
        "* OK [CLOSED] Previous mailbox closed\r\n* 3 EXISTS\r\n* 3 RECENT\r\n\
         * LIST (\\HasNoChildren) \"/\" INBOX\r\nTTTT5 OK [READ-ONLY] EXAMINE completed\r\n",
    )
    .unwrap();
    let mailbox = typed::select(r, &s.conn).unwrap();
    assert_eq!(
        (mailbox.exists, mailbox.recent, mailbox.read_only),
        (3, None, true)
    );
    assert_eq!(
        s.stored("CLOSED").as_deref(),
        Some("[b'']"),
        "[CLOSED] kept as a code"
    );
}

#[test]
fn select_list_does_not_leak_into_the_next_list() {
    let mut s = selected();
    let r = run(
        &mut s,
        Command::list(Some(Text::Str("")), Some(Text::Str("*"))).unwrap(),
        "TTTT4 LIST \"\" *\r\n",
        "* LIST (\\HasNoChildren) \"/\" INBOX\r\n* LIST (\\HasNoChildren) \"/\" \"Entwürfe\"\r\n\
         TTTT4 OK done\r\n",
    )
    .unwrap();
    let entries = typed::list(r, s.conn.utf8_enabled()).unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["INBOX", "Entwürfe"]);
}

#[test]
fn status_deleted_and_size() {
    let mut s = selected();
    let r = run(
        &mut s,
        Command::status("Entwürfe", "(MESSAGES DELETED SIZE)").unwrap(),
        "TTTT4 STATUS \"Entwürfe\" (MESSAGES DELETED SIZE)\r\n",
        "* STATUS \"Entwürfe\" (MESSAGES 12 DELETED 3 SIZE 9876543210)\r\nTTTT4 OK done\r\n",
    )
    .unwrap();
    let st = typed::status(r, s.conn.utf8_enabled()).unwrap();
    assert_eq!(st.mailbox, "Entwürfe");
    assert_eq!(
        (st.messages, st.deleted, st.size, st.recent),
        (Some(12), Some(3), Some(9_876_543_210), None)
    );
}

// ----- UTF-8 ------------------------------------------------------------------------------

#[test]
fn mailbox_names_and_strings_go_out_as_utf8() {
    // UTF8=ACCEPT alone (no rev2) is enough for UTF-8 names and strings.
    let mut s = enabled(&["UTF8=ACCEPT"], "* ENABLED UTF8=ACCEPT\r\n");
    let cmds: Vec<(Command, &str)> = vec![
        (
            Command::select("Entwürfe", false).unwrap(),
            "SELECT \"Entwürfe\"",
        ),
        (
            Command::list(Some(Text::Str("")), Some(Text::Str("Entwürfe/%"))).unwrap(),
            "LIST \"\" \"Entwürfe/%\"",
        ),
        (
            Command::status("Корзина", "(MESSAGES)").unwrap(),
            "STATUS \"Корзина\" (MESSAGES)",
        ),
        (
            Command::rename("Entwürfe", "日本語").unwrap(),
            "RENAME \"Entwürfe\" \"日本語\"",
        ),
        (
            Command::copy("1:2", "Archiv/2026 ü").unwrap(),
            "COPY 1:2 \"Archiv/2026 ü\"",
        ),
        (
            Command::uid_move("7", "Gelöscht").unwrap(),
            "UID MOVE 7 \"Gelöscht\"",
        ),
        (
            Command::search_with(&SearchKey::subject("Grüße")).unwrap(),
            "SEARCH SUBJECT \"Grüße\"",
        ),
    ];
    let mut tag = 3;
    for (cmd, wire) in cmds {
        let id = s.submit(cmd);
        s.c(&format!("TTTT{tag} {wire}\r\n"));
        s.s(&format!("TTTT{tag} OK done\r\n"));
        typed::done(s.result(id).unwrap()).unwrap();
        tag += 1;
    }
    // CR, LF never go quoted: a literal. NUL is refused at construction.
    let id = s.submit(Command::create("a\r\nb ü").unwrap());
    s.c(&format!("TTTT{tag} CREATE {{7}}\r\n"));
    s.s("+ go\r\n");
    s.c("a\r\nb ü\r\n");
    s.s(&format!("TTTT{tag} OK done\r\n"));
    typed::done(s.result(id).unwrap()).unwrap();
    assert!(Command::create("a\0ü").is_err());
    // imaplib's explicit charset is refused in UTF-8 mode, as imaplib does.
    let e = s.refused(Command::search(Some("UTF-8"), &["ALL"]).unwrap());
    assert!(e.to_string().contains("UTF8 mode"), "{e}");
}

#[test]
fn names_are_read_as_utf8_and_oldname_is_typed() {
    let mut s = selected();
    let r = run(
        &mut s,
        Command::list(Some(Text::Str("")), Some(Text::Str("*"))).unwrap(),
        "TTTT4 LIST \"\" *\r\n",
        "* LIST () \"/\" \"Neu ü\" (\"OLDNAME\" (\"Alt ü\"))\r\n\
         * LIST () \"/\" &APw- (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n\
         * LIST () \"/\" {7}\r\nx\r\ny ü (\"X-OTHER\" 1 \"OLDNAME\" ({3}\r\nabc))\r\n\
         TTTT4 OK done\r\n",
    )
    .unwrap();
    let entries = typed::list(r, s.conn.utf8_enabled()).unwrap();
    assert_eq!(entries[0].name, "Neu ü");
    assert_eq!(entries[0].old_name.as_ref().unwrap(), "Alt ü");
    // Valid modified UTF-7, but this is UTF-8 mode: taken as it is.
    assert_eq!(entries[1].name, "&APw-");
    assert_eq!(entries[1].old_name, None);
    assert_eq!(entries[2].name, "x\r\ny ü");
    assert_eq!(entries[2].old_name.as_ref().unwrap(), "abc");
}

#[test]
fn a_name_that_is_not_utf8_is_an_error_value() {
    let mut s = selected();
    let mut answer = b"* LIST () \"/\" \"bad \xff\xfe name\"\r\n".to_vec();
    answer.extend_from_slice(common::t("TTTT4 OK done\r\n").as_bytes());
    let id = s.submit(Command::list(Some(Text::Str("")), Some(Text::Str("*"))).unwrap());
    s.c("TTTT4 LIST \"\" *\r\n");
    s.sb(&answer);
    let r = s.result(id).unwrap();
    // The imaplib face has the bytes; the typed view refuses them.
    assert_eq!(r.data.len(), 1);
    assert!(is_malformed(&typed::list(r, true).unwrap_err()));
    // In STATUS, and as an OLDNAME, too.
    let mut answer = b"* STATUS \"\xc3\x28\" (MESSAGES 1)\r\n".to_vec();
    answer.extend_from_slice(common::t("TTTT5 OK done\r\n").as_bytes());
    let id = s.submit(Command::status("x", "(MESSAGES)").unwrap());
    s.c("TTTT5 STATUS x (MESSAGES)\r\n");
    s.sb(&answer);
    assert!(is_malformed(
        &typed::status(s.result(id).unwrap(), true).unwrap_err()
    ));
    let mut answer = b"* LIST () \"/\" ok (\"OLDNAME\" (\"\xe2\x82\"))\r\n".to_vec();
    answer.extend_from_slice(common::t("TTTT6 OK done\r\n").as_bytes());
    let id = s.submit(Command::list(Some(Text::Str("")), Some(Text::Str("*"))).unwrap());
    s.c("TTTT6 LIST \"\" *\r\n");
    s.sb(&answer);
    assert!(is_malformed(
        &typed::list(s.result(id).unwrap(), true).unwrap_err()
    ));
    // A malformed OLDNAME item is an error; other extended data of any shape is not.
    for (ext, ok) in [
        ("(\"OLDNAME\" \"flat\")", false),
        ("(\"OLDNAME\" (\"a\" \"b\"))", false),
        ("(\"OLDNAME\"", false),
        ("(1 2 3)", true),
        ("()", true),
        ("(\"X\" ((((x)))))", true),
    ] {
        let id = s.submit(Command::list(Some(Text::Str("")), Some(Text::Str("*"))).unwrap());
        s.take_sent();
        s.s(&format!("* LIST () \"/\" m {ext}\r\n"));
        let tag = s.conn.command_tag(id).unwrap();
        s.sb(format!("{tag} OK done\r\n").as_bytes());
        let r = s.result(id).unwrap();
        assert_eq!(typed::list(r, true).is_ok(), ok, "{ext}");
    }
}

#[test]
fn append_utf8_is_explicit_and_needs_utf8_accept() {
    let msg = "Subject: Grüße\r\nFrom: jörg@example.org\r\n\r\nHallo\r\n";
    let m = [AppendMessage::new(msg.as_bytes())
        .utf8()
        .flags([Flag::Seen])];
    // Not confirmed: refused, nothing sent.
    let mut s = enabled(&["UTF8=ACCEPT"], "");
    let e = s.refused(Command::append_many("INBOX", &m).unwrap());
    assert!(matches!(
        e.reason(),
        Reason::State(StateProblem::NotEnabled { extension }) if extension == "UTF8=ACCEPT"
    ));
    // IMAP4rev2 alone is not UTF8=ACCEPT: the UTF8 form belongs to RFC 6855.
    let mut s = enabled(&["IMAP4rev2"], "* ENABLED IMAP4rev2\r\n");
    assert!(s.conn.utf8_enabled());
    s.refused(Command::append_many("INBOX", &m).unwrap());
    // …and a plain APPEND in rev2 is a plain literal, not imaplib's UTF8 wrapping.
    let id = s.submit(Command::append(None, None, None, b"Subject: x\r\n\r\n").unwrap());
    s.c("TTTT3 APPEND INBOX {14}\r\n");
    s.s("+ go\r\n");
    s.c("Subject: x\r\n\r\n\r\n");
    s.s("TTTT3 OK done\r\n");
    typed::done(s.result(id).unwrap()).unwrap();
    // Confirmed: `UTF8 (~{n}` literal8 `)`.
    let mut s = enabled(&["UTF8=ACCEPT"], "* ENABLED UTF8=ACCEPT\r\n");
    let id = s.submit(Command::append_many("Entwürfe", &m).unwrap());
    s.c(&format!(
        "TTTT3 APPEND \"Entwürfe\" (\\Seen) UTF8 (~{{{}}}\r\n",
        msg.len()
    ));
    s.pending(id);
    s.s("+ go\r\n");
    s.c(&format!("{msg})\r\n"));
    s.s("TTTT3 OK [APPENDUID 7 12] done\r\n");
    let uid = typed::append(s.result(id).unwrap()).unwrap().unwrap();
    assert_eq!(uid.uid(), Some(12));
}
