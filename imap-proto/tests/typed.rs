//! The typed face's results (`imaplib_proto::typed`), driven through `feed`/`poll_output`
//! with Dovecot 2.3's answers word for word (captured from the harness's Dovecot; only the
//! tags differ), and through the [`Driver`] once. Each test also checks that the imaplib
//! face's result stays what it was, and what the untagged store holds afterwards.

mod common;

use std::time::Instant;

use common::Script;
use imaplib_proto::driver::{Driver, Step, Timeouts};
use imaplib_proto::error::{Reason, Violation};
use imaplib_proto::parse::{self, Code, StatusKind};
use imaplib_proto::typed::{self, CapabilitySet, SpecialUse};
use imaplib_proto::{Command, Error, Item, Options, Reply, Result};

/// Dovecot's capabilities after LOGIN (Debian 12, the harness's configuration).
const DOVECOT_CAPS: &str = "SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY \
    THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE \
    UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH \
    ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY \
    PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE QUOTA ACL \
    RIGHTS=texk";

/// Dovecot's answer to `SELECT INBOX` (four messages, the first `\Seen`, one `$Work`).
const SELECT_INBOX: &str = "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)\r\n\
* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted.\r\n\
* 4 EXISTS\r\n\
* 4 RECENT\r\n\
* OK [UNSEEN 2] First unseen.\r\n\
* OK [UIDVALIDITY 1796192625] UIDs valid\r\n\
* OK [UIDNEXT 5] Predicted next UID\r\n\
TTTT2 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n";

/// Logged in to "Dovecot".
fn dovecot() -> Script {
    Script::authed(DOVECOT_CAPS)
}

/// Submits `cmd`, checks the bytes it sent, feeds the server's answer, returns the result.
fn run(s: &mut Script, cmd: Command, client: &str, server: &str) -> Result<Reply> {
    let id = s.submit(cmd);
    s.c(client);
    s.s(server);
    s.result(id)
}

/// `dovecot()` with INBOX selected ([`SELECT_INBOX`]).
fn inbox() -> Script {
    let mut s = dovecot();
    let r = run(
        &mut s,
        Command::select("INBOX", false).unwrap(),
        "TTTT2 SELECT INBOX\r\n",
        SELECT_INBOX,
    );
    typed::done(r.unwrap()).unwrap();
    s
}

fn refusal(e: &Error) -> (StatusKind, Option<String>, String) {
    match e.reason() {
        Reason::Refused(r) => (
            r.status(),
            r.code_name().map(str::to_string),
            r.text().to_string(),
        ),
        other => panic!("not a refusal: {other:?} ({e})"),
    }
}

fn is_malformed(e: &Error) -> bool {
    matches!(
        e.reason(),
        Reason::Protocol {
            violation: Violation::Malformed,
            ..
        }
    ) && !e.is_abort()
}

// ----- SELECT / EXAMINE -----------------------------------------------------------------

#[test]
fn select_dovecot() {
    let mut s = dovecot();
    let reply = run(
        &mut s,
        Command::select("INBOX", false).unwrap(),
        "TTTT2 SELECT INBOX\r\n",
        SELECT_INBOX,
    )
    .unwrap();
    assert_eq!(reply.python_repr(), "('OK', [b'4'])");
    let m = typed::select(reply, &s.conn).unwrap();
    assert_eq!(m.exists, 4);
    assert_eq!(m.recent, Some(4));
    assert_eq!(
        m.flags,
        [
            "\\Answered",
            "\\Flagged",
            "\\Deleted",
            "\\Seen",
            "\\Draft",
            "$Work"
        ]
    );
    assert_eq!(m.permanent_flags.as_deref(), Some(&m.flags[..]));
    assert!(m.new_keywords_allowed);
    assert_eq!(m.uid_validity, Some(1796192625));
    assert_eq!(m.uid_next, Some(5));
    assert_eq!(m.first_unseen, Some(2));
    assert_eq!((m.highest_modseq, m.no_modseq), (None, false));
    assert!(!m.read_only);

    // Read, not popped: the imaplib face finds everything where imaplib leaves it, and
    // the conversion gives the same value again.
    assert_eq!(
        typed::select(Reply::new("OK", vec![Item::from(b"4")]), &s.conn).unwrap(),
        m
    );
    assert_eq!(s.stored("EXISTS").as_deref(), Some("[b'4']"));
    assert_eq!(
        s.conn.response("UIDVALIDITY").python_repr(),
        "('UIDVALIDITY', [b'1796192625'])"
    );
    assert_eq!(
        s.conn.response("permanentflags").python_repr(),
        "('permanentflags', [b'(\\\\Answered \\\\Flagged \\\\Deleted \\\\Seen \\\\Draft $Work \\\\*)'])"
    );
}

#[test]
fn examine_dovecot_read_only_mailbox() {
    let mut s = dovecot();
    let reply = run(
        &mut s,
        Command::select("Dest", true).unwrap(),
        "TTTT2 EXAMINE Dest\r\n",
        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n\
* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n\
* 4 EXISTS\r\n\
* 4 RECENT\r\n\
* OK [UNSEEN 3] First unseen.\r\n\
* OK [UIDVALIDITY 1796192624] UIDs valid\r\n\
* OK [UIDNEXT 5] Predicted next UID\r\n\
TTTT2 OK [READ-ONLY] Examine completed (0.001 + 0.000 + 0.001 secs).\r\n",
    )
    .unwrap();
    let m = typed::select(reply, &s.conn).unwrap();
    assert_eq!(
        (m.exists, m.first_unseen, m.uid_next),
        (4, Some(3), Some(5))
    );
    assert_eq!(m.permanent_flags, Some(vec![]));
    assert!(!m.new_keywords_allowed);
    assert!(m.read_only);
}

#[test]
fn select_dovecot_with_qresync_and_a_previous_mailbox() {
    let mut s = inbox();
    let reply = run(
        &mut s,
        Command::select("INBOX", false).unwrap(),
        "TTTT3 SELECT INBOX\r\n",
        "* OK [CLOSED] Previous mailbox closed.\r\n\
* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)\r\n\
* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted.\r\n\
* 1 EXISTS\r\n\
* 0 RECENT\r\n\
* OK [UNSEEN 1] First unseen.\r\n\
* OK [UIDVALIDITY 1796192625] UIDs valid\r\n\
* OK [UIDNEXT 5] Predicted next UID\r\n\
* OK [HIGHESTMODSEQ 11] Highest\r\n\
TTTT3 OK [READ-WRITE] Select completed (0.002 + 0.000 + 0.001 secs).\r\n",
    )
    .unwrap();
    // SELECT flushed the store when it was submitted: nothing of the first SELECT is left.
    let m = typed::select(reply, &s.conn).unwrap();
    assert_eq!((m.exists, m.recent, m.first_unseen), (1, Some(0), Some(1)));
    assert_eq!(m.highest_modseq, Some(11));
    assert!(!m.read_only);
}

#[test]
fn select_refused_is_an_error_with_code_and_text() {
    let mut s = dovecot();
    let reply = run(
        &mut s,
        Command::select("Nope", false).unwrap(),
        "TTTT2 SELECT Nope\r\n",
        "TTTT2 NO Mailbox doesn't exist: Nope (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    // The imaplib face: NO as data.
    assert_eq!(
        reply.python_repr(),
        "('NO', [b\"Mailbox doesn't exist: Nope (0.001 + 0.000 secs).\"])"
    );
    let e = typed::select(reply, &s.conn).unwrap_err();
    assert_eq!(
        refusal(&e),
        (
            StatusKind::No,
            None,
            "Mailbox doesn't exist: Nope (0.001 + 0.000 secs).".into()
        )
    );
    assert!(!e.is_abort());
}

#[test]
fn select_edge_cases() {
    // No EXISTS: the answer is malformed; an error, not a panic or a zero.
    let mut s = dovecot();
    let r = run(
        &mut s,
        Command::select("INBOX", false).unwrap(),
        "TTTT2 SELECT INBOX\r\n",
        "TTTT2 OK [READ-WRITE] Select completed.\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [None])");
    let e = typed::select(r, &s.conn).unwrap_err();
    assert!(is_malformed(&e), "{e:?}");

    // Numbers out of range, malformed codes: errors naming the value.
    for (server, what) in [
        ("* 4294967296 EXISTS\r\n", "EXISTS"),
        ("* 1 EXISTS\r\n* 4294967296 RECENT\r\n", "RECENT"),
        ("* 1 EXISTS\r\n* FLAGS (\\Seen\r\n", "FLAGS"),
        ("* 1 EXISTS\r\n* OK [UIDVALIDITY x] y\r\n", "UIDVALIDITY"),
        (
            "* 1 EXISTS\r\n* OK [PERMANENTFLAGS (\\Seen] y\r\n",
            "PERMANENTFLAGS",
        ),
        (
            "* 1 EXISTS\r\n* OK [HIGHESTMODSEQ -1] y\r\n",
            "HIGHESTMODSEQ",
        ),
    ] {
        let mut s = dovecot();
        let r = run(
            &mut s,
            Command::select("INBOX", false).unwrap(),
            "TTTT2 SELECT INBOX\r\n",
            &format!("{server}TTTT2 OK [READ-WRITE] done\r\n"),
        )
        .unwrap();
        let e = typed::select(r, &s.conn).unwrap_err();
        assert!(is_malformed(&e), "{server}: {e:?}");
        assert!(e.message().contains(what), "{server}: {e}");
    }

    // A minimal server: EXISTS only, NOMODSEQ, no READ-* code (EXAMINE says read-only),
    // and imaplib's greedy code data (`5] Predicted [next]`).
    let mut s = dovecot();
    let r = run(
        &mut s,
        Command::select("INBOX", true).unwrap(),
        "TTTT2 EXAMINE INBOX\r\n",
        "* 3 EXISTS\r\n* 2 EXISTS\r\n* OK [NOMODSEQ] no\r\n\
         * OK [UIDNEXT 5] Predicted [next]\r\nTTTT2 OK done\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'3', b'2'])");
    let m = typed::select(r, &s.conn).unwrap();
    assert_eq!((m.exists, m.recent, m.uid_next), (2, None, Some(5)));
    assert!(m.flags.is_empty() && m.permanent_flags.is_none());
    assert!(m.no_modseq && m.read_only);
}

// ----- STATUS ---------------------------------------------------------------------------

#[test]
fn status_dovecot() {
    let mut s = dovecot();
    let r = run(
        &mut s,
        Command::status(
            "INBOX",
            "MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE",
        )
        .unwrap(),
        "TTTT2 STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE)\r\n",
        "* STATUS INBOX (MESSAGES 0 RECENT 0 UIDNEXT 5 UIDVALIDITY 1796192635 UNSEEN 0 HIGHESTMODSEQ 13 SIZE 0)\r\n\
TTTT2 OK Status completed (0.002 + 0.000 + 0.001 secs).\r\n",
    )
    .unwrap();
    let st = typed::status(r, false).unwrap();
    assert_eq!(st.mailbox, "INBOX");
    assert_eq!(
        (
            st.messages,
            st.recent,
            st.uid_next,
            st.uid_validity,
            st.unseen
        ),
        (Some(0), Some(0), Some(5), Some(1796192635), Some(0))
    );
    assert_eq!(
        (st.highest_modseq, st.size, st.deleted),
        (Some(13), Some(0), None)
    );
    assert!(st.other.is_empty());
    assert!(s.stored("STATUS").is_none(), "imaplib's status() pops it");

    // Dovecot 2.3 does not know DELETED: BAD, which the session already raises.
    let e = run(
        &mut s,
        Command::status("INBOX", "MESSAGES DELETED").unwrap(),
        "TTTT3 STATUS INBOX (MESSAGES DELETED)\r\n",
        "TTTT3 BAD Error in IMAP command STATUS: Invalid status item DELETED (0.001 + 0.000 secs).\r\n",
    )
    .unwrap_err();
    assert_eq!(refusal(&e).0, StatusKind::Bad);
    assert!(refusal(&e).2.starts_with("Error in IMAP command STATUS"));

    let r = run(
        &mut s,
        Command::status("Nope", "MESSAGES").unwrap(),
        "TTTT4 STATUS Nope (MESSAGES)\r\n",
        "TTTT4 NO Mailbox doesn't exist: Nope (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    assert_eq!(
        refusal(&typed::status(r, false).unwrap_err()).2,
        "Mailbox doesn't exist: Nope (0.001 + 0.000 secs)."
    );
}

#[test]
fn status_names_unknown_items_and_errors() {
    let ok = |line: &[u8]| Reply::new("OK", vec![Item::from(line)]);
    let st = typed::status(
        ok(b"\"Entw&APw-rfe\" (DELETED 2 X-GUID 7 MESSAGES 3)"),
        false,
    )
    .unwrap();
    assert_eq!(st.mailbox, "Entwürfe");
    assert_eq!(st.mailbox.raw(), b"Entw&APw-rfe");
    assert_eq!((st.deleted, st.messages), (Some(2), Some(3)));
    assert_eq!(st.other, [("X-GUID".to_string(), 7)]);
    // In UTF8=ACCEPT mode the name is UTF-8, not modified UTF-7.
    let st = typed::status(ok(b"\"A&AOQ-\" ()"), true).unwrap();
    assert_eq!(st.mailbox, "A&AOQ-");
    // Too big for its field, malformed, missing.
    for bad in [
        &b"INBOX (MESSAGES 4294967296)"[..],
        b"INBOX (MESSAGES x)",
        b"INBOX",
    ] {
        assert!(is_malformed(&typed::status(ok(bad), false).unwrap_err()));
    }
    let big = typed::status(ok(b"INBOX (SIZE 4294967296)"), false).unwrap();
    assert_eq!(big.size, Some(1 << 32));
    assert!(is_malformed(
        &typed::status(Reply::new("OK", vec![Item::None]), false).unwrap_err()
    ));
}

// ----- SEARCH / ESEARCH -----------------------------------------------------------------

#[test]
fn search_dovecot() {
    let mut s = inbox();
    let r = run(
        &mut s,
        Command::search(None, &["ALL"]).unwrap(),
        "TTTT3 SEARCH ALL\r\n",
        "* SEARCH 1 2 3 4\r\nTTTT3 OK Search completed (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    let set = typed::search(r).unwrap();
    assert_eq!(set.to_string(), "1:4");

    let r = run(
        &mut s,
        Command::uid_search(None, &["UNSEEN"]).unwrap(),
        "TTTT4 UID SEARCH UNSEEN\r\n",
        "* SEARCH 2 3 4\r\nTTTT4 OK Search completed (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    assert_eq!(
        typed::search(r).unwrap().iter().collect::<Vec<_>>(),
        [2, 3, 4]
    );

    let r = run(
        &mut s,
        Command::search(None, &["KEYWORD", "$Nothing"]).unwrap(),
        "TTTT5 SEARCH KEYWORD $Nothing\r\n",
        "* SEARCH\r\nTTTT5 OK Search completed (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    assert!(typed::search(r).unwrap().is_empty());

    let e = run(
        &mut s,
        Command::search(None, &["BOGUS"]).unwrap(),
        "TTTT6 SEARCH BOGUS\r\n",
        "TTTT6 BAD Error in IMAP command SEARCH: Unknown argument BOGUS (0.001 + 0.000 secs).\r\n",
    )
    .unwrap_err();
    assert_eq!(refusal(&e).0, StatusKind::Bad);

    // Several responses are joined; MODSEQ is dropped; garbage is an error.
    let lines = |l: &[&[u8]]| Reply::new("OK", l.iter().map(|x| Item::from(*x)).collect());
    assert_eq!(
        typed::search(lines(&[b"1 2", b"3 9 (MODSEQ 5)"]))
            .unwrap()
            .to_string(),
        "1:2,3,9"
    );
    assert!(is_malformed(&typed::search(lines(&[b"1 x"])).unwrap_err()));
}

#[test]
fn esearch_dovecot() {
    let mut s = inbox();
    let r = run(
        &mut s,
        Command::search(None, &["RETURN (ALL COUNT MIN MAX)", "ALL"]).unwrap(),
        "TTTT3 SEARCH RETURN (ALL COUNT MIN MAX) ALL\r\n",
        "* ESEARCH (TAG \"TTTT3\") MIN 1 MAX 4 ALL 1:4 COUNT 4\r\n\
TTTT3 OK Search completed (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [None])");
    let found = typed::esearch(r, &mut s.conn).unwrap();
    assert_eq!(
        (found.uid, found.min, found.max, found.count),
        (false, Some(1), Some(4), Some(4))
    );
    assert_eq!(found.all.unwrap().to_string(), "1:4");
    assert!(s.stored("ESEARCH").is_none(), "popped");

    let r = run(
        &mut s,
        Command::uid_search(None, &["RETURN ()", "1:2"]).unwrap(),
        "TTTT4 UID SEARCH RETURN () 1:2\r\n",
        "* ESEARCH (TAG \"TTTT4\") UID ALL 1:2\r\nTTTT4 OK Search completed (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    let found = typed::esearch(r, &mut s.conn).unwrap();
    assert!(found.uid);
    assert_eq!(found.all.unwrap().to_string(), "1:2");
    assert_eq!(found.count, None);

    // No match: Dovecot sends `* ESEARCH (TAG "…") UID`; nothing at all is no match too.
    let r = run(
        &mut s,
        Command::uid_search(None, &["RETURN (COUNT)", "KEYWORD", "x"]).unwrap(),
        "TTTT5 UID SEARCH RETURN (COUNT) KEYWORD x\r\n",
        "* ESEARCH (TAG \"TTTT5\") UID COUNT 0\r\nTTTT5 OK Search completed.\r\n",
    )
    .unwrap();
    assert_eq!(typed::esearch(r, &mut s.conn).unwrap().count, Some(0));
    let none = typed::esearch(Reply::new("OK", vec![Item::None]), &mut s.conn).unwrap();
    assert_eq!(none, typed::Esearch::default());
}

// ----- FETCH ----------------------------------------------------------------------------

const ENVELOPE: &str = "(NIL \"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\" ((\"=?UTF-8?Q?J=C3=B6rg?=\" NIL \"j\" \"example.org\")) ((\"=?UTF-8?Q?J=C3=B6rg?=\" NIL \"j\" \"example.org\")) ((\"=?UTF-8?Q?J=C3=B6rg?=\" NIL \"j\" \"example.org\")) NIL NIL NIL NIL NIL)";

#[test]
fn fetch_dovecot() {
    let mut s = inbox();
    let header = "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\n";
    let server = format!(
        "* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) RFC822.SIZE 89 ENVELOPE {ENVELOPE} BODY[HEADER.FIELDS (SUBJECT)] {{40}}\r\n{header})\r\n\
* 2 FETCH (UID 3 FLAGS (\\Recent $Work) RFC822.SIZE 89 ENVELOPE {ENVELOPE} BODY[HEADER.FIELDS (SUBJECT)] {{40}}\r\n{header})\r\n\
TTTT3 OK Fetch completed (0.002 + 0.000 + 0.001 secs).\r\n"
    );
    let r = run(
        &mut s,
        Command::fetch(
            "1:2",
            "(UID FLAGS ENVELOPE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
        )
        .unwrap(),
        "TTTT3 FETCH 1:2 (UID FLAGS ENVELOPE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n",
        &server,
    )
    .unwrap();
    let imaplib = r.clone();
    let messages = typed::fetch(r).unwrap();
    assert_eq!(messages.len(), 2);
    let all: Vec<parse::Fetch<'_>> = messages.iter().collect::<Result<_>>().unwrap();
    // The typed value is the typed view of the imaplib result.
    let view: Vec<parse::Fetch<'_>> = parse::fetches(&imaplib).map(|f| f.unwrap()).collect();
    assert_eq!(all, view);
    assert_eq!(
        all.iter().map(|m| (m.seq, m.uid())).collect::<Vec<_>>(),
        [(1, Some(1)), (2, Some(3))]
    );
    let m = &all[0];
    assert_eq!(m.size(), Some(89));
    assert!(m.flags().unwrap().iter().any(|f| f.is("\\seen")));
    let env = m.envelope().unwrap();
    assert_eq!(env.subject_text().as_deref(), Some("Grüße"));
    assert_eq!(env.from[0].display_name().as_deref(), Some("Jörg"));
    assert_eq!(env.from[0].email().as_deref(), Some("j@example.org"));
    let section = m.section("HEADER.FIELDS (SUBJECT)").unwrap().unwrap();
    assert_eq!(section.raw(), header.as_bytes());
    // The literal is borrowed from the reply, not copied.
    let literal = messages.reply().data[0].as_literal().unwrap().1;
    assert!(std::ptr::eq(section.raw().as_ptr(), literal.as_ptr()));
    assert_eq!(messages.into_reply(), imaplib);
}

#[test]
fn fetch_accessors_and_malformed_messages() {
    let reply = Reply::new(
        "OK",
        vec![
            Item::Literal(b"1 (UID 7 BODY[] {5}".to_vec(), b"hello".to_vec().into()),
            Item::from(b" BODY[HEADER] \"H: v\" BODY[TEXT] NIL MODSEQ (12))"),
            Item::from(b"2 (UID 8 FLAGS (\\Seen)"), // unbalanced
            Item::Literal(b"3 (RFC822 {3}".to_vec(), b"abc".to_vec().into()),
            Item::from(b" RFC822.HEADER {0}"),
            Item::None,
        ],
    );
    let messages = typed::fetch(reply).unwrap();
    assert_eq!(messages.len(), 3);
    let got: Vec<_> = messages.iter().collect();
    let first = got[0].as_ref().unwrap();
    assert_eq!(first.body().as_deref(), Some(&b"hello"[..]));
    assert_eq!(first.header().as_deref(), Some(&b"H: v"[..]));
    assert_eq!(first.text(), None);
    assert_eq!(first.modseq(), Some(12));
    assert!(is_malformed(got[1].as_ref().unwrap_err()));
    // A literal marker with no literal after it: malformed too, the first message stands.
    assert!(got[2].is_err());
    // NO and BAD are errors.
    let e = typed::fetch(Reply::new("NO", vec![Item::from(b"[EXPUNGEISSUED] gone")])).unwrap_err();
    assert_eq!(refusal(&e).1.as_deref(), Some("EXPUNGEISSUED"));
}

// ----- APPEND / COPY / MOVE -------------------------------------------------------------

#[test]
fn append_dovecot() {
    let mut s = dovecot();
    let message = b"Subject: hi\r\n\r\nhi\r\n";
    let r = run(
        &mut s,
        Command::append(None, Some("\\Seen"), None, message).unwrap(),
        "TTTT2 APPEND INBOX (\\Seen) {19+}\r\nSubject: hi\r\n\r\nhi\r\n\r\n",
        "TTTT2 OK [APPENDUID 1796192625 1] Append completed (0.006 + 0.000 + 0.005 secs).\r\n",
    )
    .unwrap();
    let a = typed::append(r).unwrap().unwrap();
    assert_eq!((a.uid_validity, a.uid()), (1796192625, Some(1)));
    assert_eq!(a.uids.to_string(), "1");

    let r = run(
        &mut s,
        Command::append(Some("Nope".into()), None, None, b"x").unwrap(),
        "TTTT3 APPEND Nope {1+}\r\nx\r\n",
        "TTTT3 NO [TRYCREATE] Mailbox doesn't exist: Nope (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    let e = typed::append(r).unwrap_err();
    let Reason::Refused(refused) = e.reason() else {
        panic!("{e:?}")
    };
    assert_eq!(refused.code(), Some(Code::TryCreate));
    assert_eq!(
        refused.text(),
        "Mailbox doesn't exist: Nope (0.001 + 0.000 secs)."
    );

    // No UIDPLUS: no APPENDUID; MULTIAPPEND: several; malformed: an error.
    let ok = |t: &[u8]| Reply::new("OK", vec![Item::from(t)]);
    assert_eq!(typed::append(ok(b"Append completed")).unwrap(), None);
    assert_eq!(typed::append(ok(b"[UIDNOTSTICKY] x")).unwrap(), None);
    let multi = typed::append(ok(b"[APPENDUID 7 3:5] done"))
        .unwrap()
        .unwrap();
    assert_eq!((multi.uid(), multi.uids.count()), (None, 3));
    assert!(is_malformed(
        &typed::append(ok(b"[APPENDUID 7] x")).unwrap_err()
    ));
    assert!(is_malformed(
        &typed::append(ok(b"[APPENDUID x 1] x")).unwrap_err()
    ));
}

#[test]
fn copy_dovecot() {
    let mut s = inbox();
    let r = run(
        &mut s,
        Command::copy("1", "Dest").unwrap(),
        "TTTT3 COPY 1 Dest\r\n",
        "TTTT3 OK [COPYUID 1796192624 1 1] Copy completed (0.008 + 0.000 + 0.007 secs).\r\n",
    )
    .unwrap();
    let c = typed::copy(r).unwrap().unwrap();
    assert_eq!(c.uid_validity, 1796192624);
    assert_eq!(c.pairs().collect::<Vec<_>>(), [(1, 1)]);

    let r = run(
        &mut s,
        Command::uid_copy("1:2", "Dest").unwrap(),
        "TTTT4 UID COPY 1:2 Dest\r\n",
        "TTTT4 OK [COPYUID 1796192624 1:2 2:3] Copy completed (0.006 + 0.000 + 0.005 secs).\r\n",
    )
    .unwrap();
    let c = typed::copy(r).unwrap().unwrap();
    assert_eq!((c.dest_of(2), c.dest_of(9)), (Some(3), None));

    let r = run(
        &mut s,
        Command::copy("1", "Nope").unwrap(),
        "TTTT5 COPY 1 Nope\r\n",
        "TTTT5 NO [TRYCREATE] Mailbox doesn't exist: Nope (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    assert_eq!(
        refusal(&typed::copy(r).unwrap_err()).1.as_deref(),
        Some("TRYCREATE")
    );
}

#[test]
fn move_dovecot() {
    let mut s = inbox();
    let r = run(
        &mut s,
        Command::r#move("1:2", "Dest").unwrap(),
        "TTTT3 MOVE 1:2 Dest\r\n",
        "* OK [COPYUID 1796192635 3:4 5:6] Moved UIDs.\r\n\
* 2 EXPUNGE\r\n\
* 1 EXPUNGE\r\n\
TTTT3 OK Move completed (0.040 + 0.000 + 0.039 secs).\r\n",
    )
    .unwrap();
    // The imaplib face: the tagged OK; the COPYUID is in the store.
    assert_eq!(
        r.python_repr(),
        "('OK', [b'Move completed (0.040 + 0.000 + 0.039 secs).'])"
    );
    let moved = typed::mv(r, &mut s.conn).unwrap();
    let c = moved.copy_uid.unwrap();
    assert_eq!(c.uid_validity, 1796192635);
    assert_eq!(c.pairs().collect::<Vec<_>>(), [(3, 5), (4, 6)]);
    assert_eq!(moved.expunged.seqs, [2, 1]);
    // The expunges were taken; the codes stay for the imaplib face.
    assert!(s.stored("EXPUNGE").is_none());
    assert_eq!(
        s.conn.response("COPYUID").python_repr(),
        "('COPYUID', [b'1796192635 3:4 5:6'])"
    );
    let r = run(
        &mut s,
        Command::expunge(),
        "TTTT4 EXPUNGE\r\n",
        "TTTT4 OK Expunge completed (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    assert!(typed::expunge(r, &mut s.conn).unwrap().is_empty());

    // Nothing to move: no COPYUID, even though an earlier COPY's code is still stored.
    let r = run(
        &mut s,
        Command::copy("1", "Dest").unwrap(),
        "TTTT5 COPY 1 Dest\r\n",
        "TTTT5 OK [COPYUID 1796192624 1 1] Copy completed.\r\n",
    )
    .unwrap();
    let _ = typed::copy(r).unwrap();
    let r = run(
        &mut s,
        Command::uid_move("999", "Dest").unwrap(),
        "TTTT6 UID MOVE 999 Dest\r\n",
        "TTTT6 OK No messages found (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    assert_eq!(typed::mv(r, &mut s.conn).unwrap(), typed::Moved::default());

    let r = run(
        &mut s,
        Command::r#move("1", "Dest").unwrap(),
        "TTTT7 MOVE 1 Dest\r\n",
        "TTTT7 NO [EXPUNGEISSUED] Some of the requested messages no longer exist (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    assert_eq!(
        refusal(&typed::mv(r, &mut s.conn).unwrap_err())
            .1
            .as_deref(),
        Some("EXPUNGEISSUED")
    );
}

#[test]
fn move_dovecot_with_qresync() {
    let mut s = inbox();
    let r = run(
        &mut s,
        Command::uid_move("1:*", "Dest").unwrap(),
        "TTTT3 UID MOVE 1:* Dest\r\n",
        "* OK [COPYUID 1796192634 5:6 5:6] Moved UIDs.\r\n\
* VANISHED 5:6\r\n\
* 0 RECENT\r\n\
TTTT3 OK [HIGHESTMODSEQ 15] Move completed (0.015 + 0.000 + 0.014 secs).\r\n",
    )
    .unwrap();
    let moved = typed::mv(r, &mut s.conn).unwrap();
    assert_eq!(moved.copy_uid.unwrap().dest.to_string(), "5:6");
    assert!(moved.expunged.seqs.is_empty());
    assert_eq!(moved.expunged.vanished.to_string(), "5:6");

    // A server that puts COPYUID in the tagged OK (RFC 6851 allows it).
    let r = run(
        &mut s,
        Command::uid_move("7", "Dest").unwrap(),
        "TTTT4 UID MOVE 7 Dest\r\n",
        "* 1 EXPUNGE\r\nTTTT4 OK [COPYUID 9 7 1] Done\r\n",
    )
    .unwrap();
    let moved = typed::mv(r, &mut s.conn).unwrap();
    assert_eq!(
        moved.copy_uid.unwrap().pairs().collect::<Vec<_>>(),
        [(7, 1)]
    );
    assert_eq!(moved.expunged.seqs, [1]);
}

// ----- EXPUNGE --------------------------------------------------------------------------

#[test]
fn expunge_dovecot() {
    let mut s = inbox();
    let r = run(
        &mut s,
        Command::expunge(),
        "TTTT3 EXPUNGE\r\n",
        "* 2 EXPUNGE\r\n* 1 EXPUNGE\r\nTTTT3 OK Expunge completed (0.008 + 0.000 + 0.007 secs).\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'2', b'1'])");
    let x = typed::expunge(r, &mut s.conn).unwrap();
    assert_eq!(x.seqs, [2, 1]);
    assert!(x.vanished.is_empty());

    // Nothing expunged: imaplib's [None].
    let r = run(
        &mut s,
        Command::expunge(),
        "TTTT4 EXPUNGE\r\n",
        "TTTT4 OK Expunge completed (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [None])");
    assert!(typed::expunge(r, &mut s.conn).unwrap().is_empty());
}

#[test]
fn uid_expunge_dovecot_with_qresync() {
    let mut s = inbox();
    // A VANISHED (EARLIER) left by an earlier command is not this command's.
    s.s("* VANISHED (EARLIER) 1:3\r\n");
    let r = run(
        &mut s,
        Command::uid_expunge("1:*").unwrap(),
        "TTTT3 UID EXPUNGE 1:*\r\n",
        "* VANISHED 5:6\r\n* 0 RECENT\r\nTTTT3 OK [HIGHESTMODSEQ 10] Expunge completed (0.003 + 0.000 + 0.002 secs).\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [None])");
    let x = typed::expunge(r, &mut s.conn).unwrap();
    assert!(x.seqs.is_empty());
    assert_eq!(x.vanished.to_string(), "5:6");
    assert_eq!(s.stored("VANISHED").as_deref(), Some("[b'(EARLIER) 1:3']"));

    // Taken once: the next EXPUNGE does not report them again.
    let r = run(
        &mut s,
        Command::expunge(),
        "TTTT4 EXPUNGE\r\n",
        "TTTT4 OK Expunge completed.\r\n",
    )
    .unwrap();
    assert!(typed::expunge(r, &mut s.conn).unwrap().is_empty());

    // Malformed VANISHED: an error, and the data stays for the imaplib face.
    s.s("* VANISHED x\r\n");
    let r = run(
        &mut s,
        Command::expunge(),
        "TTTT5 EXPUNGE\r\n",
        "TTTT5 OK Expunge completed.\r\n",
    )
    .unwrap();
    assert!(is_malformed(&typed::expunge(r, &mut s.conn).unwrap_err()));
    assert_eq!(
        s.stored("VANISHED").as_deref(),
        Some("[b'(EARLIER) 1:3', b'x']")
    );
    let e = typed::expunge(Reply::new("OK", vec![Item::from(b"0x")]), &mut s.conn).unwrap_err();
    assert!(is_malformed(&e));
}

// ----- LIST / LSUB ----------------------------------------------------------------------

#[test]
fn list_dovecot() {
    let mut s = dovecot();
    let r = run(
        &mut s,
        Command::list(None, None).unwrap(),
        "TTTT2 LIST \"\" *\r\n",
        "* LIST (\\HasNoChildren) \"/\" &ZeVnLIqe-\r\n\
* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n\
* LIST (\\HasNoChildren \\Archive) \"/\" Archive\r\n\
* LIST (\\HasNoChildren) \"/\" Dest\r\n\
* LIST (\\HasNoChildren) \"/\" INBOX\r\n\
TTTT2 OK List completed (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    let entries = typed::list(r, s.conn.utf8_enabled()).unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["日本語", "Sent", "Archive", "Dest", "INBOX"]);
    assert_eq!(entries[0].name.raw(), b"&ZeVnLIqe-");
    assert!(entries.iter().all(|e| e.delimiter == Some('/')));
    assert!(entries.iter().all(|e| e.has_children() == Some(false)));
    assert!(entries.iter().all(|e| e.is_selectable()));
    assert_eq!(
        entries.iter().map(|e| e.special_use()).collect::<Vec<_>>(),
        [
            None,
            Some(SpecialUse::Sent),
            Some(SpecialUse::Archive),
            None,
            None
        ]
    );
    assert_eq!(SpecialUse::Archive.attribute(), "\\Archive");
    assert!(entries[4].name.is_inbox());
    // The raw name goes back unchanged.
    let id = s.submit(Command::select(&entries[0].name, true).unwrap());
    s.c("TTTT3 EXAMINE &ZeVnLIqe-\r\n");
    let _ = id;

    // LSUB with nothing subscribed; odd names and delimiters.
    let lines = |l: &[&[u8]]| Reply::new("OK", l.iter().map(|x| Item::from(*x)).collect());
    assert!(typed::list(lines(&[]), false).unwrap().is_empty());
    let entries = typed::list(
        lines(&[
            b"(\\Noselect) NIL \"\"",
            b"() \"\\\\\" \"Say \\\"hi\\\"\"",
            b"(\\NonExistent \\HasChildren) \".\" A",
        ]),
        false,
    )
    .unwrap();
    assert_eq!(entries[0].delimiter, None);
    assert!(!entries[0].is_selectable() && !entries[2].is_selectable());
    assert_eq!(entries[1].delimiter, Some('\\'));
    assert_eq!(entries[1].name, "Say \"hi\"");
    assert_eq!(entries[2].has_children(), Some(true));
    for bad in [&b"(\\Noselect \"/\" x"[..], b"() \"ab\" x", b"() \"/\""] {
        assert!(
            is_malformed(&typed::list(lines(&[bad]), false).unwrap_err()),
            "{bad:?}"
        );
    }
}

// ----- CAPABILITY -----------------------------------------------------------------------

#[test]
fn capabilities_dovecot() {
    let mut s = dovecot();
    let caps = CapabilitySet::of(&s.conn);
    assert!(caps.has("IMAP4rev1") && caps.has("move") && caps.has("UIDPLUS"));
    assert_eq!(
        caps.values("THREAD").collect::<Vec<_>>(),
        ["REFERENCES", "REFS", "ORDEREDSUBJECT"]
    );
    assert_eq!(caps.values("rights").collect::<Vec<_>>(), ["TEXK"]);
    let r = run(
        &mut s,
        Command::capability(),
        "TTTT2 CAPABILITY\r\n",
        &format!("* CAPABILITY IMAP4rev1 {DOVECOT_CAPS}\r\nTTTT2 OK Capability completed (0.001 + 0.000 secs).\r\n"),
    )
    .unwrap();
    let asked = typed::capability(r).unwrap();
    assert_eq!(asked, caps);
    assert_eq!(asked.len(), caps.iter().count());
    assert!(!asked.is_empty());
    assert!(typed::capability(Reply::new("OK", vec![Item::None])).is_err());
}

// ----- Commands without data, and the Driver ----------------------------------------------

#[test]
fn done_dovecot() {
    let mut s = dovecot();
    let r = run(
        &mut s,
        Command::create("Dest").unwrap(),
        "TTTT2 CREATE Dest\r\n",
        "TTTT2 OK Create completed (0.006 + 0.000 + 0.005 secs).\r\n",
    )
    .unwrap();
    typed::done(r).unwrap();
    let r = run(
        &mut s,
        Command::create("Dest").unwrap(),
        "TTTT3 CREATE Dest\r\n",
        "TTTT3 NO [ALREADYEXISTS] Mailbox already exists (0.002 + 0.000 + 0.001 secs).\r\n",
    )
    .unwrap();
    let e = typed::done(r).unwrap_err();
    assert_eq!(
        refusal(&e),
        (
            StatusKind::No,
            Some("ALREADYEXISTS".into()),
            "Mailbox already exists (0.002 + 0.000 + 0.001 secs).".into()
        )
    );
}

#[test]
fn through_the_driver() {
    let t0 = Instant::now();
    let mut d = Driver::new(Options::new(0x1234), Timeouts::default());
    // The connect-time CAPABILITY (PREAUTH's code is not read, as in imaplib).
    d.feed(b"* PREAUTH hi\r\n", t0);
    loop {
        match d.poll_connect(t0) {
            Step::Write { .. } => {
                assert_eq!(d.output(), b"BCDE0 CAPABILITY\r\n");
                d.wrote(18, t0);
            }
            Step::Read { .. } => d.feed(b"* CAPABILITY IMAP4rev1 UIDPLUS\r\nBCDE0 OK caps\r\n", t0),
            Step::Done(r) => break r.unwrap(),
            other => panic!("{other:?}"),
        }
    }
    assert!(CapabilitySet::of(d.connection()).has("UIDPLUS"));
    let run = |d: &mut Driver, cmd: Command, server: &[u8]| -> Result<Reply> {
        let id = d.submit(cmd, t0)?;
        loop {
            match d.poll_result(id, t0) {
                Step::Write { .. } => {
                    let n = d.output().len();
                    d.wrote(n, t0);
                }
                Step::Read { .. } => d.feed(server, t0),
                Step::Done(r) => return r,
                other => panic!("{other:?}"),
            }
        }
    };
    let r = run(
        &mut d,
        Command::select("INBOX", false).unwrap(),
        b"* 3 EXISTS\r\n* OK [UIDVALIDITY 9] x\r\nBCDE1 OK [READ-WRITE] done\r\n",
    )
    .unwrap();
    let m = typed::select(r, d.connection()).unwrap();
    assert_eq!((m.exists, m.uid_validity), (3, Some(9)));
    let r = run(
        &mut d,
        Command::expunge(),
        b"* VANISHED 4\r\nBCDE2 OK done\r\n",
    )
    .unwrap();
    let x = typed::expunge(r, d.connection_mut()).unwrap();
    assert_eq!(x.vanished.to_string(), "4");
}
