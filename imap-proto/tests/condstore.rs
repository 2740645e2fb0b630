//! CONDSTORE and QRESYNC (RFC 7162) in the core, driven through `feed`/`poll_output`: the
//! commands the builders send (byte for byte), the typed answers from Dovecot 2.3's words
//! (the transcript of `shared/reference/extensions.md` §1.10, tags aside), the resync
//! helper on QRESYNC, CONDSTORE-only and plain servers, and hostile answers: a VANISHED
//! covering every UID stays one range, a malformed MODSEQ or VANISHED is an error for that
//! response only, and the connection goes on.

mod common;

use common::Script;
use imaplib_proto::build::{
    EntryType, FetchAttr, Flag, Qresync, SearchKey, SelectParams, StoreFlags, MAX_MODSEQ,
};
use imaplib_proto::error::{ArgumentProblem, Reason, StateProblem, Violation};
use imaplib_proto::typed::{self, FullResync, ResyncMethod, Resyncer, SyncState};
use imaplib_proto::{Command, Error, Reply, Result, SequenceSet};

const CAPS: &str = "ENABLE IDLE UIDPLUS CONDSTORE QRESYNC ESEARCH MOVE";
const UIDVALIDITY: u32 = 1796179228;

fn run(s: &mut Script, cmd: Command, client: &str, server: &str) -> Result<Reply> {
    let id = s.submit(cmd);
    s.c(client);
    s.s(server);
    s.result(id)
}

fn set(text: &str) -> SequenceSet {
    SequenceSet::parse(text.as_bytes()).unwrap()
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

fn out_of_range(e: &Error) -> bool {
    matches!(
        e.reason(),
        Reason::Argument {
            problem: ArgumentProblem::OutOfRange,
            ..
        }
    )
}

/// Logged in with QRESYNC enabled (tag 2 was ENABLE).
fn enabled() -> Script {
    let mut s = Script::authed(CAPS);
    let r = run(
        &mut s,
        Command::enable("QRESYNC CONDSTORE").unwrap(),
        "TTTT2 ENABLE QRESYNC CONDSTORE\r\n",
        "* ENABLED QRESYNC CONDSTORE\r\nTTTT2 OK Enabled.\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'Enabled.'])");
    assert_eq!(
        typed::enable(r, &mut s.conn).unwrap(),
        ["QRESYNC", "CONDSTORE"]
    );
    assert_eq!(s.stored("ENABLED"), None, "popped");
    assert_eq!(s.conn.enabled(), ["QRESYNC", "CONDSTORE"]);
    s
}

/// Dovecot's SELECT answer header for the test mailbox.
fn select_answer(exists: u32, uid_next: u32, modseq: u64, rest: &str, tag: u32) -> String {
    format!(
        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n\
         * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n\
         * {exists} EXISTS\r\n* 0 RECENT\r\n\
         * OK [UIDVALIDITY {UIDVALIDITY}] UIDs valid\r\n\
         * OK [UIDNEXT {uid_next}] Predicted next UID\r\n\
         * OK [HIGHESTMODSEQ {modseq}] Highest\r\n{rest}\
         TTTT{tag} OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n"
    )
}

// ----- commands on the wire -------------------------------------------------------------

#[test]
fn commands_go_out_as_rfc_7162_writes_them() {
    let mut s = Script::authed(CAPS);
    // QRESYNC before ENABLE: refused, nothing sent.
    let q = Qresync::new(UIDVALIDITY, 7)
        .known_uids(1..=5)
        .seq_match(1..=3, 1..=3);
    let e = s.refused(Command::select_with("INBOX", &SelectParams::qresync(q.clone())).unwrap());
    assert!(matches!(
        e.reason(),
        Reason::State(StateProblem::NotEnabled { extension }) if extension == "QRESYNC"
    ));
    assert!(!s.conn.is_enabled("CONDSTORE"));
    let r = run(
        &mut s,
        Command::select_with("INBOX", &SelectParams::condstore()).unwrap(),
        "TTTT2 SELECT INBOX (CONDSTORE)\r\n",
        &select_answer(5, 6, 6, "", 2),
    )
    .unwrap();
    assert_eq!(typed::select(r, &s.conn).unwrap().highest_modseq, Some(6));
    let e = s.refused(Command::uid_fetch_vanished(1.., FetchAttr::flags(), 3).unwrap());
    assert!(matches!(
        e.reason(),
        Reason::State(StateProblem::NotEnabled { .. })
    ));

    // The Dovecot transcript's commands.
    let r = run(
        &mut s,
        Command::store_unchanged_since("1,4", &StoreFlags::add([Flag::Answered]), 3).unwrap(),
        "TTTT3 STORE 1,4 (UNCHANGEDSINCE 3) +FLAGS (\\Answered)\r\n",
        "TTTT3 OK [MODIFIED 1,4] Conditional store failed\r\n",
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [None])");
    assert_eq!(s.stored("MODIFIED").as_deref(), Some("[b'1,4']"));
    let stored = typed::conditional_store(r, &mut s.conn).unwrap();
    assert_eq!(stored.modified.to_string(), "1,4");
    assert!(!stored.all_stored() && stored.messages.is_empty());
    assert_eq!(s.stored("MODIFIED"), None, "popped");

    let _ = run(
        &mut s,
        Command::fetch_changed_since("1:*", FetchAttr::flags(), 3).unwrap(),
        "TTTT4 FETCH 1:* (FLAGS) (CHANGEDSINCE 3)\r\n",
        "TTTT4 OK Fetch completed.\r\n",
    );
    let _ = run(
        &mut s,
        Command::uid_store_unchanged_since(2, &StoreFlags::add([Flag::Answered]).silent(), 0)
            .unwrap(),
        "TTTT5 UID STORE 2 (UNCHANGEDSINCE 0) +FLAGS.SILENT (\\Answered)\r\n",
        "TTTT5 OK [MODIFIED 2] Conditional store failed\r\n",
    );
    let _ = run(
        &mut s,
        Command::search_with(&SearchKey::modseq(5)).unwrap(),
        "TTTT6 SEARCH MODSEQ 5\r\n",
        "* SEARCH 1 2 3 4 (MODSEQ 8)\r\nTTTT6 OK Search completed.\r\n",
    )
    .map(|r| assert_eq!(typed::search(r).unwrap().to_string(), "1:4"));
    let _ = run(
        &mut s,
        Command::uid_search_with(&SearchKey::flag_modseq(Flag::Seen, EntryType::All, 1)).unwrap(),
        "TTTT7 UID SEARCH MODSEQ \"/flags/\\\\Seen\" all 1\r\n",
        "TTTT7 OK Search completed.\r\n",
    );
    let _ = run(
        &mut s,
        Command::uid_fetch_with(1.., [FetchAttr::uid(), FetchAttr::modseq()]).unwrap(),
        "TTTT8 UID FETCH 1:* (UID MODSEQ)\r\n",
        "* 1 FETCH (UID 1 MODSEQ (6))\r\nTTTT8 OK Fetch completed.\r\n",
    );
    let _ = run(
        &mut s,
        Command::examine_with("INBOX", &SelectParams::none()).unwrap(),
        "TTTT9 EXAMINE INBOX\r\n",
        "* 5 EXISTS\r\nTTTT9 OK [READ-ONLY] Examine completed.\r\n",
    );

    // After ENABLE, the QRESYNC forms go out.
    let mut s = enabled();
    let _ = run(
        &mut s,
        Command::select_with("INBOX", &SelectParams::qresync(q)).unwrap(),
        "TTTT3 SELECT INBOX (QRESYNC (1796179228 7 1:5 (1:3 1:3)))\r\n",
        &select_answer(4, 6, 11, "", 3),
    );
    let _ = run(
        &mut s,
        Command::uid_fetch_vanished(1.., FetchAttr::flags(), 3).unwrap(),
        "TTTT4 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 3 VANISHED)\r\n",
        "TTTT4 OK Fetch completed.\r\n",
    );
    assert!(s.conn.is_enabled("condstore"), "QRESYNC implies CONDSTORE");
}

#[test]
fn out_of_range_values_never_reach_the_wire() {
    let flags = StoreFlags::add([Flag::Seen]);
    for e in [
        Command::fetch_changed_since(1, FetchAttr::flags(), 0).unwrap_err(),
        Command::fetch_changed_since(1, FetchAttr::flags(), MAX_MODSEQ + 1).unwrap_err(),
        Command::uid_fetch_vanished(1, FetchAttr::flags(), 0).unwrap_err(),
        Command::store_unchanged_since(1, &flags, u64::MAX).unwrap_err(),
        Command::search_with(&SearchKey::modseq(MAX_MODSEQ + 1)).unwrap_err(),
        Command::select_with("INBOX", &Qresync::new(1, 0).into()).unwrap_err(),
        Command::select_with("INBOX", &Qresync::new(0, 1).into()).unwrap_err(),
    ] {
        assert!(out_of_range(&e), "{e}");
    }
    for q in [
        Qresync::new(1, 1).known_uids(5..),
        Qresync::new(1, 1).known_uids(SequenceSet::saved()),
        Qresync::new(1, 1).known_uids(SequenceSet::new()),
        Qresync::new(1, 1).known_uids(1..=3).seq_match(1..=2, 1..=3),
    ] {
        let e = Command::examine_with("INBOX", &q.clone().into()).unwrap_err();
        assert!(matches!(e.reason(), Reason::Argument { .. }), "{q}: {e}");
    }
    assert!(Command::select_with("a\0b", &SelectParams::condstore()).is_err());
    // The largest values are fine.
    assert!(Command::store_unchanged_since(1, &flags, MAX_MODSEQ).is_ok());
    assert!(Command::search_with(&SearchKey::modseq(0)).is_ok());
    assert!(Command::fetch_changed_since(1, FetchAttr::flags(), MAX_MODSEQ).is_ok());
}

// ----- typed answers ----------------------------------------------------------------------

#[test]
fn uid_fetch_vanished_dovecot() {
    let mut s = enabled();
    let _ = run(
        &mut s,
        Command::select("INBOX", false).unwrap(),
        "TTTT3 SELECT INBOX\r\n",
        &select_answer(4, 6, 10, "", 3),
    );
    // A live expunge announced meanwhile is not this command's.
    s.s("* VANISHED 9\r\n");
    let r = run(
        &mut s,
        Command::uid_fetch_vanished(1.., FetchAttr::flags(), 3).unwrap(),
        "TTTT4 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 3 VANISHED)\r\n",
        "* VANISHED (EARLIER) 4\r\n\
         * 1 FETCH (UID 1 FLAGS (\\Recent) MODSEQ (6))\r\n\
         * 2 FETCH (UID 2 FLAGS (\\Seen \\Recent) MODSEQ (7))\r\n\
         * 3 FETCH (UID 3 FLAGS (\\Flagged \\Recent) MODSEQ (8))\r\n\
         TTTT4 OK Fetch completed (0.001 + 0.000 secs).\r\n",
    )
    .unwrap();
    let changes = typed::fetch_vanished(r, &mut s.conn).unwrap();
    assert_eq!(changes.vanished.to_string(), "4");
    let got: Vec<(Option<u32>, Option<u64>)> = changes
        .messages
        .iter()
        .map(|m| {
            let m = m.unwrap();
            (m.uid(), m.modseq())
        })
        .collect();
    assert_eq!(
        got,
        [(Some(1), Some(6)), (Some(2), Some(7)), (Some(3), Some(8))]
    );
    assert_eq!(
        s.stored("VANISHED").as_deref(),
        Some("[b'9']"),
        "left for expunge"
    );
    let r = run(
        &mut s,
        Command::noop(),
        "TTTT5 NOOP\r\n",
        "TTTT5 OK NOOP completed.\r\n",
    )
    .unwrap();
    let gone = typed::expunge(Reply::new("OK", vec![]), &mut s.conn).unwrap();
    assert_eq!(gone.vanished.to_string(), "9");
    typed::done(r).unwrap();
}

#[test]
fn store_unchanged_since_reports_modified_and_new_modseqs() {
    let mut s = enabled();
    let _ = run(
        &mut s,
        Command::select("INBOX", false).unwrap(),
        "TTTT3 SELECT INBOX\r\n",
        &select_answer(3, 4, 6, "", 3),
    );
    let r = run(
        &mut s,
        Command::uid_store_unchanged_since(1..=3, &StoreFlags::add([Flag::Flagged]), 6).unwrap(),
        "TTTT4 UID STORE 1:3 (UNCHANGEDSINCE 6) +FLAGS (\\Flagged)\r\n",
        "* 1 FETCH (UID 1 MODSEQ (8) FLAGS (\\Flagged))\r\n\
         * 3 FETCH (UID 3 MODSEQ (8) FLAGS (\\Flagged \\Seen))\r\n\
         TTTT4 OK [MODIFIED 2] Conditional store failed\r\n",
    )
    .unwrap();
    let stored = typed::conditional_store(r, &mut s.conn).unwrap();
    assert_eq!(stored.modified.to_string(), "2");
    assert_eq!(stored.messages.len(), 2);
    assert!(stored
        .messages
        .iter()
        .all(|m| m.unwrap().modseq() == Some(8)));

    // All stored: no MODIFIED; a malformed one is an error and stays for the imaplib face.
    let r = run(
        &mut s,
        Command::store_unchanged_since(1, &StoreFlags::add([Flag::Seen]).silent(), 8).unwrap(),
        "TTTT5 STORE 1 (UNCHANGEDSINCE 8) +FLAGS.SILENT (\\Seen)\r\n",
        "* 1 FETCH (UID 1 MODSEQ (9))\r\nTTTT5 OK Store completed.\r\n",
    )
    .unwrap();
    assert!(typed::conditional_store(r, &mut s.conn)
        .unwrap()
        .all_stored());
    let r = run(
        &mut s,
        Command::store_unchanged_since(1, &StoreFlags::add([Flag::Seen]), 0).unwrap(),
        "TTTT6 STORE 1 (UNCHANGEDSINCE 0) +FLAGS (\\Seen)\r\n",
        "TTTT6 OK [MODIFIED 1:x] Conditional store failed\r\n",
    )
    .unwrap();
    assert!(is_malformed(
        &typed::conditional_store(r, &mut s.conn).unwrap_err()
    ));
    assert_eq!(s.stored("MODIFIED").as_deref(), Some("[b'1:x']"));
}

// ----- SELECT … (QRESYNC …) -----------------------------------------------------------------

/// Dovecot's answer to `SELECT INBOX (QRESYNC (1796179228 7 1:5 (1:3 1:3)))` (§1.10).
fn qresync_answer(tag: u32) -> String {
    select_answer(
        4,
        6,
        11,
        "* VANISHED (EARLIER) 4\r\n\
         * 1 FETCH (UID 1 FLAGS (\\Answered) MODSEQ (11))\r\n\
         * 3 FETCH (UID 3 FLAGS (\\Flagged) MODSEQ (8))\r\n",
        tag,
    )
}

#[test]
fn select_qresync_dovecot() {
    let mut s = enabled();
    let saved = SyncState::new(UIDVALIDITY, 7, 6).with_known_uids(1..=5);
    let r = run(
        &mut s,
        Command::select_with("INBOX", &SelectParams::qresync(saved.qresync())).unwrap(),
        "TTTT3 SELECT INBOX (QRESYNC (1796179228 7 1:4294967294))\r\n",
        &qresync_answer(3),
    )
    .unwrap();
    assert_eq!(r.python_repr(), "('OK', [b'4'])");
    let resync = typed::qresync(r, &mut s.conn, &saved).unwrap();
    assert_eq!(resync.method, ResyncMethod::Qresync);
    assert_eq!(resync.full_resync, None);
    assert_eq!(resync.vanished.to_string(), "4");
    let changed: Vec<(u32, Vec<String>, Option<u64>)> = resync
        .changed
        .iter()
        .map(|c| (c.uid, c.flags.clone(), c.modseq))
        .collect();
    assert_eq!(
        changed,
        [
            (1, vec!["\\Answered".to_string()], Some(11)),
            (3, vec!["\\Flagged".to_string()], Some(8))
        ]
    );
    assert!(resync.new_uids.is_empty());
    assert_eq!(
        resync.state,
        Some(SyncState::new(UIDVALIDITY, 11, 6).with_known_uids(set("1:3,5")))
    );
    assert!(!resync.is_unchanged());
    // Popped: the next command does not see them; the mailbox state stays readable.
    assert_eq!(s.stored("FETCH"), None);
    assert_eq!(s.stored("VANISHED"), None);
    assert!(s.stored("HIGHESTMODSEQ").is_some());
}

#[test]
fn qresync_reports_new_messages_and_drops_unknown_expunges() {
    let mut s = enabled();
    let saved = SyncState::new(UIDVALIDITY, 7, 6).with_known_uids(set("1:3,5"));
    let r = run(
        &mut s,
        Command::select_with("INBOX", &saved.qresync().into()).unwrap(),
        "TTTT3 SELECT INBOX (QRESYNC (1796179228 7 1:3,5:4294967294))\r\n",
        // UID 2 gone, 6 and 7 new, 8 came and went, 5 changed twice (the newer wins).
        &select_answer(
            5,
            9,
            14,
            "* VANISHED (EARLIER) 2,8\r\n\
             * 4 FETCH (UID 6 FLAGS () MODSEQ (12))\r\n\
             * 5 FETCH (UID 7 FLAGS (\\Seen) MODSEQ (13))\r\n\
             * 3 FETCH (UID 5 FLAGS (\\Deleted) MODSEQ (14))\r\n\
             * 3 FETCH (UID 5 FLAGS (\\Seen) MODSEQ (10))\r\n\
             * 2 FETCH (MODSEQ (14))\r\n",
            3,
        ),
    )
    .unwrap();
    let resync = typed::qresync(r, &mut s.conn, &saved).unwrap();
    assert_eq!(resync.vanished.to_string(), "2", "8 was never known");
    assert_eq!(resync.new_uids.to_string(), "6:7");
    let uids: Vec<u32> = resync.changed.iter().map(|c| c.uid).collect();
    assert_eq!(uids, [5, 6, 7], "a FETCH without UID cannot be applied");
    assert_eq!(resync.changed[0].flags, ["\\Deleted"]);
    let next = resync.state.unwrap();
    assert_eq!((next.highest_modseq, next.uid_next), (14, 9));
    assert_eq!(next.known_uids.unwrap().to_string(), "1,3,5:7");
}

#[test]
fn full_resync_is_said_when_needed() {
    let saved = SyncState::new(UIDVALIDITY, 7, 6);
    // The server ignores QRESYNC for another UIDVALIDITY: a plain SELECT answer.
    let mut s = enabled();
    let r = run(
        &mut s,
        Command::select_with("INBOX", &saved.qresync().into()).unwrap(),
        "TTTT3 SELECT INBOX (QRESYNC (1796179228 7))\r\n",
        &select_answer(2, 3, 4, "", 3).replace("1796179228", "1796179999"),
    )
    .unwrap();
    let resync = typed::qresync(r, &mut s.conn, &saved).unwrap();
    assert_eq!(
        resync.full_resync,
        Some(FullResync::UidValidityChanged {
            saved: UIDVALIDITY,
            now: Some(1796179999)
        })
    );
    assert!(resync.state.is_none() && resync.changed.is_empty());
    assert_eq!(resync.mailbox.uid_validity, Some(1796179999));
    assert_eq!(
        SyncState::of(&resync.mailbox),
        Some(SyncState::new(1796179999, 4, 3)),
        "what to save after the full sync"
    );

    let r = run(
        &mut s,
        Command::select_with("INBOX", &saved.qresync().into()).unwrap(),
        "TTTT4 SELECT INBOX (QRESYNC (1796179228 7))\r\n",
        &select_answer(2, 3, 4, "* OK [NOMODSEQ] No permanent modsequences\r\n", 4)
            .replace("* OK [HIGHESTMODSEQ 4] Highest\r\n", ""),
    )
    .unwrap();
    let resync = typed::qresync(r, &mut s.conn, &saved).unwrap();
    assert_eq!(resync.full_resync, Some(FullResync::NoModSeq));
    assert_eq!(SyncState::of(&resync.mailbox), None);

    let r = run(
        &mut s,
        Command::select_with("INBOX", &saved.qresync().into()).unwrap(),
        "TTTT5 SELECT INBOX (QRESYNC (1796179228 7))\r\n",
        &select_answer(2, 3, 5, "", 5),
    )
    .unwrap();
    let resync = typed::qresync(r, &mut s.conn, &saved).unwrap();
    assert_eq!(
        resync.full_resync,
        Some(FullResync::ModSeqWentBack { saved: 7, now: 5 })
    );
}

// ----- hostile answers ----------------------------------------------------------------------

#[test]
fn a_vanished_of_every_uid_stays_one_range() {
    let mut s = enabled();
    let saved = SyncState::new(UIDVALIDITY, 7, 6);
    let r = run(
        &mut s,
        Command::select_with("INBOX", &saved.qresync().into()).unwrap(),
        "TTTT3 SELECT INBOX (QRESYNC (1796179228 7))\r\n",
        &select_answer(0, 6, 11, "* VANISHED (EARLIER) 1:4294967295\r\n", 3),
    )
    .unwrap();
    let resync = typed::qresync(r, &mut s.conn, &saved).unwrap();
    assert_eq!(resync.vanished.ranges().len(), 1);
    assert_eq!(resync.vanished.count(), u64::from(u32::MAX));
    let next = resync.state.unwrap();
    assert_eq!(next.known_uids, None);

    // With known UIDs: cut down to them, still ranges.
    let saved =
        SyncState::new(UIDVALIDITY, 7, 3000001).with_known_uids(set("1:1000000,2000000:3000000"));
    let r = run(
        &mut s,
        Command::select_with("INBOX", &saved.qresync().into()).unwrap(),
        "TTTT4 SELECT INBOX (QRESYNC (1796179228 7 1:1000000,2000000:4294967294))\r\n",
        &select_answer(0, 3000001, 11, "* VANISHED (EARLIER) 1:4294967295\r\n", 4),
    )
    .unwrap();
    let resync = typed::qresync(r, &mut s.conn, &saved).unwrap();
    assert_eq!(resync.vanished.to_string(), "1:1000000,2000000:3000000");
    assert!(resync.state.unwrap().known_uids.unwrap().is_empty());

    // The same through UID FETCH … VANISHED and EXPUNGE.
    s.s("* VANISHED 1:4294967295\r\n");
    let r = run(
        &mut s,
        Command::uid_fetch_vanished(1.., FetchAttr::flags(), 3).unwrap(),
        "TTTT5 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 3 VANISHED)\r\n",
        "* VANISHED (EARLIER) 1:4294967295\r\nTTTT5 OK Fetch completed.\r\n",
    )
    .unwrap();
    let changes = typed::fetch_vanished(r, &mut s.conn).unwrap();
    assert_eq!(changes.vanished.ranges().len(), 1);
    let gone = typed::expunge(Reply::new("OK", vec![]), &mut s.conn).unwrap();
    assert_eq!(gone.vanished.count(), u64::from(u32::MAX));
}

#[test]
fn a_malformed_modseq_is_an_error_for_that_message_only() {
    let mut s = enabled();
    let _ = run(
        &mut s,
        Command::select("INBOX", false).unwrap(),
        "TTTT3 SELECT INBOX\r\n",
        &select_answer(3, 4, 6, "", 3),
    );
    let r = run(
        &mut s,
        Command::fetch_changed_since("1:*", FetchAttr::flags(), 3).unwrap(),
        "TTTT4 FETCH 1:* (FLAGS) (CHANGEDSINCE 3)\r\n",
        "* 1 FETCH (UID 1 FLAGS () MODSEQ (6))\r\n\
         * 2 FETCH (UID 2 FLAGS () MODSEQ (x))\r\n\
         * 3 FETCH (UID 3 FLAGS () MODSEQ 7)\r\n\
         * 4 FETCH (UID 4 FLAGS () MODSEQ (99999999999999999999999))\r\n\
         * 5 FETCH (UID 5 FLAGS () MODSEQ (8))\r\n\
         TTTT4 OK Fetch completed.\r\n",
    )
    .unwrap();
    let messages = typed::fetch(r).unwrap();
    let got: Vec<std::result::Result<Option<u64>, bool>> = messages
        .iter()
        .map(|m| m.map(|m| m.modseq()).map_err(|e| is_malformed(&e)))
        .collect();
    assert_eq!(
        got,
        [Ok(Some(6)), Err(true), Err(true), Err(true), Ok(Some(8))]
    );

    // In a QRESYNC SELECT, a malformed FETCH fails the resync (a retry from the same saved
    // state is safe); the connection goes on.
    let saved = SyncState::new(UIDVALIDITY, 6, 4);
    let r = run(
        &mut s,
        Command::select_with("INBOX", &saved.qresync().into()).unwrap(),
        "TTTT5 SELECT INBOX (QRESYNC (1796179228 6))\r\n",
        &select_answer(
            3,
            4,
            8,
            "* 1 FETCH (UID 1 FLAGS () MODSEQ (7))\r\n* 2 FETCH (UID 2 FLAGS () MODSEQ (-))\r\n",
            5,
        ),
    )
    .unwrap();
    assert!(is_malformed(
        &typed::qresync(r, &mut s.conn, &saved).unwrap_err()
    ));
    let r = run(
        &mut s,
        Command::noop(),
        "TTTT6 NOOP\r\n",
        "TTTT6 OK NOOP completed.\r\n",
    );
    typed::done(r.unwrap()).unwrap();
}

#[test]
fn a_malformed_vanished_is_an_error_for_that_response_only() {
    let mut s = enabled();
    let saved = SyncState::new(UIDVALIDITY, 7, 6);
    let r = run(
        &mut s,
        Command::select_with("INBOX", &saved.qresync().into()).unwrap(),
        "TTTT3 SELECT INBOX (QRESYNC (1796179228 7))\r\n",
        &select_answer(
            4,
            6,
            11,
            "* VANISHED (EARLIER) 4\r\n* VANISHED (EARLIER) 5:x\r\n* VANISHED (LATER) 6\r\n",
            3,
        ),
    )
    .unwrap();
    let e = typed::qresync(r, &mut s.conn, &saved).unwrap_err();
    assert!(is_malformed(&e));
    // The views read every response on its own: only the bad ones are errors.
    let stored = s.conn.response("VANISHED");
    let views: Vec<bool> = imaplib_proto::parse::vanished(&stored)
        .map(|v| v.is_ok())
        .collect();
    assert_eq!(views, [true, false, false]);

    // A malformed VANISHED among UID FETCH … VANISHED answers: an error, left in the store.
    let r = run(
        &mut s,
        Command::uid_fetch_vanished(1.., FetchAttr::flags(), 3).unwrap(),
        "TTTT4 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 3 VANISHED)\r\n",
        "* VANISHED (EARLIER) 0\r\n* 1 FETCH (UID 1 FLAGS () MODSEQ (9))\r\nTTTT4 OK Fetch completed.\r\n",
    )
    .unwrap();
    assert!(is_malformed(
        &typed::fetch_vanished(r, &mut s.conn).unwrap_err()
    ));
    assert_eq!(s.stored("VANISHED").as_deref(), Some("[b'(EARLIER) 0']"));
}

#[test]
fn enabled_is_bounded_and_case_blind() {
    let mut s = Script::authed(CAPS);
    let words: Vec<String> = (0..500).map(|i| format!("X-{i}")).collect();
    let r = run(
        &mut s,
        Command::enable("qresync").unwrap(),
        "TTTT2 ENABLE qresync\r\n",
        &format!(
            "* ENABLED qresync {}\r\n* ENABLED {}\r\nTTTT2 OK Enabled.\r\n",
            words.join(" "),
            words.join(" ")
        ),
    )
    .unwrap();
    // Names the ENABLE did not ask for are ignored (RFC 5161 §3.1): a flood of them
    // neither grows the list nor turns anything on.
    assert_eq!(typed::enable(r, &mut s.conn).unwrap(), ["QRESYNC"]);
    assert_eq!(s.conn.enabled(), ["QRESYNC"]);
    assert!(s.conn.is_enabled("QRESYNC") && s.conn.is_enabled("CondStore"));
    assert!(!s.conn.is_enabled("X-499"));
}

// ----- the resync helper -------------------------------------------------------------------

/// Runs a [`Resyncer`] against the scripted answers: each `(client, server)` pair is the
/// command it must send and the server's answer.
fn drive(s: &mut Script, mut sync: Resyncer, exchanges: &[(&str, String)]) -> typed::Resync {
    for (client, server) in exchanges {
        let cmd = sync
            .next_command()
            .unwrap()
            .unwrap_or_else(|| panic!("no command; expected {client}"));
        let reply = run(s, cmd, client, server).unwrap();
        sync.answer(reply, &mut s.conn).unwrap();
    }
    assert!(sync.next_command().unwrap().is_none(), "more commands");
    sync.finish().unwrap()
}

#[test]
fn resync_enables_qresync_once_then_selects() {
    let mut s = Script::authed(CAPS);
    let saved = SyncState::new(UIDVALIDITY, 7, 6).with_known_uids(1..=5);
    let sync = Resyncer::new("INBOX", &saved, &s.conn).unwrap();
    let resync = drive(
        &mut s,
        sync,
        &[
            (
                "TTTT2 ENABLE QRESYNC\r\n",
                "* ENABLED QRESYNC\r\nTTTT2 OK Enabled.\r\n".into(),
            ),
            (
                "TTTT3 SELECT INBOX (QRESYNC (1796179228 7 1:4294967294))\r\n",
                qresync_answer(3),
            ),
        ],
    );
    assert_eq!(resync.method, ResyncMethod::Qresync);
    assert_eq!(resync.vanished.to_string(), "4");
    // Enabled now: the next resync is one command, even with a mailbox selected.
    let next = resync.state.unwrap();
    let sync = Resyncer::new("INBOX", &next, &s.conn).unwrap();
    let resync = drive(
        &mut s,
        sync,
        &[(
            "TTTT4 SELECT INBOX (QRESYNC (1796179228 11 1:3,5:4294967294))\r\n",
            select_answer(4, 6, 11, "* OK [CLOSED] Previous mailbox closed.\r\n", 4),
        )],
    );
    assert!(resync.is_unchanged());
}

#[test]
fn resync_with_condstore_only_takes_three_commands() {
    let mut s = Script::authed("UIDPLUS CONDSTORE");
    let saved = SyncState::new(UIDVALIDITY, 7, 6).with_known_uids(set("1:3,5"));
    let sync = Resyncer::new("INBOX", &saved, &s.conn).unwrap();
    let resync = drive(
        &mut s,
        sync,
        &[
            (
                "TTTT2 SELECT INBOX (CONDSTORE)\r\n",
                select_answer(4, 8, 12, "", 2),
            ),
            (
                "TTTT3 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 7)\r\n",
                "* 1 FETCH (UID 1 FLAGS (\\Answered) MODSEQ (11))\r\n\
                 * 4 FETCH (UID 7 FLAGS (\\Seen) MODSEQ (12))\r\n\
                 TTTT3 OK Fetch completed.\r\n"
                    .into(),
            ),
            (
                "TTTT4 UID SEARCH UID 1:3,5\r\n",
                "* SEARCH 1 3 5\r\nTTTT4 OK Search completed.\r\n".into(),
            ),
        ],
    );
    assert_eq!(resync.method, ResyncMethod::Condstore);
    assert_eq!(resync.vanished.to_string(), "2");
    assert_eq!(resync.new_uids.to_string(), "7");
    let uids: Vec<u32> = resync.changed.iter().map(|c| c.uid).collect();
    assert_eq!(uids, [1, 7]);
    let next = resync.state.unwrap();
    assert_eq!((next.highest_modseq, next.uid_next), (12, 8));
    assert_eq!(next.known_uids.unwrap().to_string(), "1,3,5,7");

    // Without known UIDs, every UID below the saved UIDNEXT is checked; an empty mailbox
    // needs no more than the SELECT.
    let saved = SyncState::new(UIDVALIDITY, 12, 8);
    let sync = Resyncer::new("INBOX", &saved, &s.conn).unwrap();
    let resync = drive(
        &mut s,
        sync,
        &[(
            "TTTT5 SELECT INBOX (CONDSTORE)\r\n",
            select_answer(0, 8, 14, "", 5),
        )],
    );
    assert_eq!(resync.vanished.to_string(), "1:7");
    assert!(resync.changed.is_empty());
}

/// EXAMINE variants: the same resyncs read-only, with QRESYNC (one command) and with
/// CONDSTORE only (three); the result's mailbox is read-only.
#[test]
fn resync_examine_opens_the_mailbox_read_only() {
    let read_only = |answer: String| {
        answer.replace(
            "OK [READ-WRITE] Select completed",
            "OK [READ-ONLY] Examine completed",
        )
    };
    let mut s = enabled();
    let saved = SyncState::new(UIDVALIDITY, 7, 6).with_known_uids(1..=5);
    let sync = Resyncer::new("INBOX", &saved, &s.conn).unwrap().examine();
    let resync = drive(
        &mut s,
        sync,
        &[(
            "TTTT3 EXAMINE INBOX (QRESYNC (1796179228 7 1:4294967294))\r\n",
            read_only(qresync_answer(3)),
        )],
    );
    assert_eq!(resync.method, ResyncMethod::Qresync);
    assert!(resync.mailbox.read_only, "{resync:?}");
    assert_eq!(resync.vanished.to_string(), "4");

    let mut s = Script::authed("UIDPLUS CONDSTORE");
    let saved = SyncState::new(UIDVALIDITY, 7, 6).with_known_uids(set("1:3,5"));
    let sync = Resyncer::new("INBOX", &saved, &s.conn).unwrap().examine();
    let resync = drive(
        &mut s,
        sync,
        &[
            (
                "TTTT2 EXAMINE INBOX (CONDSTORE)\r\n",
                read_only(select_answer(4, 6, 11, "", 2)),
            ),
            (
                "TTTT3 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 7)\r\n",
                "* 1 FETCH (UID 1 FLAGS (\\Answered) MODSEQ (11))\r\nTTTT3 OK Fetch completed.\r\n"
                    .into(),
            ),
            (
                "TTTT4 UID SEARCH UID 1:3,5\r\n",
                "* SEARCH 1 2 3\r\nTTTT4 OK Search completed.\r\n".into(),
            ),
        ],
    );
    assert_eq!(resync.method, ResyncMethod::Condstore);
    assert!(resync.mailbox.read_only, "{resync:?}");
    assert_eq!(resync.vanished.to_string(), "5");

    // A mailbox without mod-sequences: a full resync, still read-only.
    let mut s = Script::authed("UIDPLUS");
    let sync = Resyncer::new("INBOX", &saved, &s.conn).unwrap().examine();
    let answer = read_only(select_answer(4, 6, 11, "", 2)).replace(
        "* OK [HIGHESTMODSEQ 11] Highest\r\n",
        "* OK [NOMODSEQ] No permanent modsequences\r\n",
    );
    let resync = drive(&mut s, sync, &[("TTTT2 EXAMINE INBOX\r\n", answer)]);
    assert!(resync.mailbox.read_only);
    assert_eq!(resync.full_resync, Some(FullResync::NoModSeq));
}

#[test]
fn resync_with_qresync_advertised_but_a_mailbox_selected_uses_condstore() {
    let mut s = Script::selected(CAPS);
    let saved = SyncState::new(UIDVALIDITY, 7, 3);
    let sync = Resyncer::new("INBOX", &saved, &s.conn).unwrap();
    let resync = drive(
        &mut s,
        sync,
        &[
            (
                "TTTT3 SELECT INBOX (CONDSTORE)\r\n",
                select_answer(2, 3, 7, "", 3),
            ),
            (
                "TTTT4 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 7)\r\n",
                "TTTT4 OK Fetch completed.\r\n".into(),
            ),
            (
                "TTTT5 UID SEARCH UID 1:2\r\n",
                "* SEARCH 1 2\r\nTTTT5 OK Search completed.\r\n".into(),
            ),
        ],
    );
    assert!(resync.is_unchanged());
    assert_eq!(resync.state.unwrap(), saved);
}

#[test]
fn resync_without_condstore_says_full_resync() {
    let mut s = Script::authed("UIDPLUS");
    let saved = SyncState::new(UIDVALIDITY, 7, 3);
    let sync = Resyncer::new("INBOX", &saved, &s.conn).unwrap();
    let resync = drive(
        &mut s,
        sync,
        &[(
            "TTTT2 SELECT INBOX\r\n",
            select_answer(2, 3, 7, "", 2).replace("* OK [HIGHESTMODSEQ 7] Highest\r\n", ""),
        )],
    );
    assert_eq!(resync.method, ResyncMethod::Select);
    assert_eq!(resync.full_resync, Some(FullResync::Unsupported));

    // A UIDVALIDITY change stops after the SELECT on the CONDSTORE path too.
    let mut s = Script::authed("CONDSTORE");
    let sync = Resyncer::new("INBOX", &saved, &s.conn).unwrap();
    let resync = drive(
        &mut s,
        sync,
        &[(
            "TTTT2 SELECT INBOX (CONDSTORE)\r\n",
            select_answer(2, 3, 7, "", 2).replace("1796179228", "42"),
        )],
    );
    assert!(matches!(
        resync.full_resync,
        Some(FullResync::UidValidityChanged { now: Some(42), .. })
    ));

    // A refusal ends the resync with the error; a saved HIGHESTMODSEQ of 0 is refused first.
    let mut sync = Resyncer::new("Nope", &saved, &s.conn).unwrap();
    let cmd = sync.next_command().unwrap().unwrap();
    let r = run(
        &mut s,
        cmd,
        "TTTT3 SELECT Nope (CONDSTORE)\r\n",
        "TTTT3 NO [NONEXISTENT] Mailbox doesn't exist: Nope\r\n",
    )
    .unwrap();
    assert!(matches!(
        sync.answer(r, &mut s.conn).unwrap_err().reason(),
        Reason::Refused(_)
    ));
    assert!(sync.next_command().unwrap().is_none());
    assert!(sync.finish().is_err());
    let e = Resyncer::new("INBOX", &SyncState::new(1, 0, 1), &s.conn).unwrap_err();
    assert!(out_of_range(&e));
}
