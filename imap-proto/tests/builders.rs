//! The builders' exact bytes, through a connection (server bytes in, client bytes out): search
//! keys (dates, OR, NOT, nested groups, HEADER, 8-bit text → CHARSET UTF-8 and a literal),
//! SORT and THREAD, fetch attributes, STORE, APPEND, and sequence sets from SEARCH results.

mod common;

use common::Script;
use imaplib_proto::build::{
    FetchAttr, FetchAttrs, Flag, Keyword, SearchKey, Section, SortKey, StoreFlags, ThreadAlgorithm,
};
use imaplib_proto::chrono::{DateTime, NaiveDate};
use imaplib_proto::error::{ArgumentProblem, Reason};
use imaplib_proto::parse;
use imaplib_proto::{Cause, Command, SequenceSet};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Submits `cmd` on a selected connection and checks the bytes it sends (no literals).
fn sends(cmd: Command, wire: &str) {
    let mut s = Script::selected("");
    s.submit(cmd);
    s.c(&format!("TTTT3 {wire}\r\n"));
}

/// The bytes `cmd` sends on a selected connection, after its tag.
fn wire(cmd: Command) -> String {
    let mut s = Script::selected("");
    s.submit(cmd);
    let sent = String::from_utf8(s.take_sent()).unwrap();
    sent.split_once(' ').unwrap().1.to_string()
}

fn refused(r: imaplib_proto::Result<Command>, problem: ArgumentProblem) {
    let e = r.expect_err("should be refused");
    assert_eq!(e.cause(), Cause::Argument, "{e}");
    match e.reason() {
        Reason::Argument { problem: p, .. } => assert_eq!(p, &problem, "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn search_keys_of_every_kind() {
    let k = Keyword::new("$Important").unwrap();
    let cases: Vec<(SearchKey, &str)> = vec![
        (SearchKey::all(), "ALL"),
        (SearchKey::answered(), "ANSWERED"),
        (SearchKey::bcc("b"), "BCC \"b\""),
        (SearchKey::before(day(2024, 2, 1)), "BEFORE 1-Feb-2024"),
        (SearchKey::body("x y"), "BODY \"x y\""),
        (SearchKey::cc("c"), "CC \"c\""),
        (SearchKey::deleted(), "DELETED"),
        (SearchKey::draft(), "DRAFT"),
        (SearchKey::flagged(), "FLAGGED"),
        (SearchKey::from("alice"), "FROM \"alice\""),
        (
            SearchKey::header("Message-ID", "example.org"),
            "HEADER \"Message-ID\" \"example.org\"",
        ),
        (SearchKey::header("X-Empty", ""), "HEADER \"X-Empty\" \"\""),
        (SearchKey::keyword(k.clone()), "KEYWORD $Important"),
        (SearchKey::larger(1000), "LARGER 1000"),
        (SearchKey::new_messages(), "NEW"),
        (SearchKey::not(SearchKey::seen()), "NOT SEEN"),
        (SearchKey::old(), "OLD"),
        (SearchKey::on(day(2025, 12, 24)), "ON 24-Dec-2025"),
        (SearchKey::seen().or(SearchKey::draft()), "OR SEEN DRAFT"),
        (SearchKey::recent(), "RECENT"),
        (SearchKey::seen(), "SEEN"),
        (
            SearchKey::sent_before(day(2024, 3, 9)),
            "SENTBEFORE 9-Mar-2024",
        ),
        (SearchKey::sent_on(day(2024, 10, 10)), "SENTON 10-Oct-2024"),
        (
            SearchKey::sent_since(day(1999, 1, 1)),
            "SENTSINCE 1-Jan-1999",
        ),
        (SearchKey::since(day(2025, 3, 10)), "SINCE 10-Mar-2025"),
        (SearchKey::smaller(5_000_000_000), "SMALLER 5000000000"),
        (
            SearchKey::subject("Lunch on Thursday"),
            "SUBJECT \"Lunch on Thursday\"",
        ),
        (
            SearchKey::text("say \"hi\" \\o/"),
            "TEXT \"say \\\"hi\\\" \\\\o/\"",
        ),
        (SearchKey::to("bob"), "TO \"bob\""),
        (SearchKey::uid(3..=5), "UID 3:5"),
        (SearchKey::unanswered(), "UNANSWERED"),
        (SearchKey::undeleted(), "UNDELETED"),
        (SearchKey::undraft(), "UNDRAFT"),
        (SearchKey::unflagged(), "UNFLAGGED"),
        (SearchKey::unkeyword(k), "UNKEYWORD $Important"),
        (SearchKey::unseen(), "UNSEEN"),
        (SearchKey::seq(SequenceSet::all()), "1:*"),
        (SearchKey::seq(SequenceSet::saved()), "$"),
        (
            SearchKey::group([SearchKey::seen(), SearchKey::flagged()]),
            "(SEEN FLAGGED)",
        ),
        (SearchKey::group([]), "ALL"),
        // Parentheses and brackets inside strings are text.
        (SearchKey::subject("(a)b] [c"), "SUBJECT \"(a)b] [c\""),
        (SearchKey::subject("x {5}"), "SUBJECT \"x {5}\""),
    ];
    for (key, wire) in cases {
        assert_eq!(key.to_string(), wire);
        sends(
            Command::search_with(&key).unwrap(),
            &format!("SEARCH {wire}"),
        );
    }
}

#[test]
fn composition_and_nesting() {
    let since = day(2024, 2, 1);
    let key = SearchKey::from("alice")
        .or(SearchKey::to("alice"))
        .and(SearchKey::since(since))
        .and(!SearchKey::deleted());
    sends(
        Command::search_with(&key).unwrap(),
        "SEARCH OR FROM \"alice\" TO \"alice\" SINCE 1-Feb-2024 NOT DELETED",
    );
    // AND inside OR and NOT is parenthesised; nested groups stay nested.
    let nested = (SearchKey::seen() & SearchKey::flagged())
        | !(SearchKey::subject("a") & SearchKey::group([SearchKey::draft(), SearchKey::larger(1)]));
    sends(
        Command::uid_search_with(&nested).unwrap(),
        "UID SEARCH OR (SEEN FLAGGED) NOT (SUBJECT \"a\" (DRAFT LARGER 1))",
    );
    // and() flattens both sides at the top.
    let flat =
        (SearchKey::seen() & SearchKey::draft()).and(SearchKey::old() & SearchKey::new_messages());
    assert_eq!(flat.to_string(), "SEEN DRAFT OLD NEW");
    let or3 = SearchKey::seen()
        .or(SearchKey::draft())
        .or(SearchKey::recent());
    assert_eq!(or3.to_string(), "OR OR SEEN DRAFT RECENT");
    // An OR of ORs is one OR, whichever side the ORs are on; so is an AND of ANDs.
    let right = SearchKey::seen().or(SearchKey::draft().or(SearchKey::recent()));
    assert_eq!(right.to_string(), "OR OR SEEN DRAFT RECENT");
    let two_ors = or3
        .clone()
        .or(SearchKey::new_messages().or(SearchKey::old()));
    assert_eq!(two_ors.to_string(), "OR OR OR OR SEEN DRAFT RECENT NEW OLD");
    assert_eq!(
        (!or3.clone()).or(SearchKey::answered()).to_string(),
        "OR NOT OR OR SEEN DRAFT RECENT ANSWERED"
    );
    assert_eq!(
        SearchKey::has_flag(Flag::keyword("Work").unwrap()).to_string(),
        "KEYWORD Work"
    );
    assert_eq!(SearchKey::lacks_flag(Flag::Seen).to_string(), "UNSEEN");
}

#[test]
fn eight_bit_text_says_charset_utf8_and_goes_as_a_literal() {
    let key = SearchKey::subject("Grüße aus Zürich").and(SearchKey::unseen());
    let n = "Grüße aus Zürich".len();
    // Synchronizing: the command waits for the continuation.
    let mut s = Script::selected("");
    s.submit(Command::search_with(&key).unwrap());
    s.c(&format!("TTTT3 SEARCH CHARSET UTF-8 SUBJECT {{{n}}}\r\n"));
    s.s("+ go ahead\r\n");
    s.c("Grüße aus Zürich UNSEEN\r\n");
    // LITERAL+: one piece.
    let mut s = Script::selected("LITERAL+");
    s.submit(Command::search_with(&key).unwrap());
    s.c(&format!(
        "TTTT3 SEARCH CHARSET UTF-8 SUBJECT {{{n}+}}\r\nGrüße aus Zürich UNSEEN\r\n"
    ));
    // CR/LF in ASCII text: a literal, but no charset.
    let mut s = Script::selected("LITERAL+");
    s.submit(Command::search_with(&SearchKey::body("a\r\nB1 DELETE INBOX")).unwrap());
    s.c("TTTT3 SEARCH BODY {18+}\r\na\r\nB1 DELETE INBOX\r\n");
    // SORT and THREAD always name UTF-8.
    let mut s = Script::selected("LITERAL+");
    s.submit(Command::sort_with(&[SortKey::Date.into()], &SearchKey::from("Jürgen")).unwrap());
    s.c("TTTT3 SORT (DATE) UTF-8 FROM {7+}\r\nJürgen\r\n");
}

#[test]
fn utf8_mode_quotes_8_bit_text_without_a_charset() {
    let mut s = Script::connected("ENABLE UTF8=ACCEPT");
    let id = s.submit(Command::login("u", "p").unwrap());
    s.c("TTTT1 LOGIN u \"p\"\r\n");
    s.s("TTTT1 OK [CAPABILITY IMAP4rev1 ENABLE UTF8=ACCEPT] in\r\n");
    s.ok(id);
    let id = s.submit(Command::enable("UTF8=ACCEPT").unwrap());
    s.c("TTTT2 ENABLE UTF8=ACCEPT\r\n");
    s.s("TTTT2 OK enabled\r\n");
    s.ok(id);
    assert!(s.conn.utf8_enabled());
    let id = s.submit(Command::select("INBOX", false).unwrap());
    s.c("TTTT3 SELECT INBOX\r\n");
    s.s("TTTT3 OK [READ-WRITE] done\r\n");
    s.ok(id);
    s.submit(Command::search_with(&SearchKey::subject("Grüße")).unwrap());
    s.c("TTTT4 SEARCH SUBJECT \"Grüße\"\r\n");
}

#[test]
fn sort_and_thread() {
    sends(
        Command::sort_with(
            &[
                SortKey::Subject.reverse(),
                SortKey::Arrival.into(),
                SortKey::DisplayFrom.into(),
            ],
            &SearchKey::unseen(),
        )
        .unwrap(),
        "SORT (REVERSE SUBJECT ARRIVAL DISPLAYFROM) UTF-8 UNSEEN",
    );
    sends(
        Command::uid_sort_with(&[SortKey::Size.into()], &SearchKey::all()).unwrap(),
        "UID SORT (SIZE) UTF-8 ALL",
    );
    sends(
        Command::thread_with(ThreadAlgorithm::References, &SearchKey::subject("lunch")).unwrap(),
        "THREAD REFERENCES UTF-8 SUBJECT \"lunch\"",
    );
    sends(
        Command::uid_thread_with(ThreadAlgorithm::OrderedSubject, &SearchKey::all()).unwrap(),
        "UID THREAD ORDEREDSUBJECT UTF-8 ALL",
    );
    refused(
        Command::sort_with(&[], &SearchKey::all()),
        ArgumentProblem::Empty,
    );
}

#[test]
fn fetch_attributes() {
    let attrs = FetchAttrs::from([
        FetchAttr::uid(),
        FetchAttr::flags(),
        FetchAttr::internal_date(),
        FetchAttr::rfc822_size(),
        FetchAttr::envelope(),
        FetchAttr::body_structure(),
        FetchAttr::body_basic(),
        FetchAttr::rfc822(),
        FetchAttr::rfc822_header(),
        FetchAttr::rfc822_text(),
        FetchAttr::body(Section::message()),
        FetchAttr::body_peek(Section::header()),
        FetchAttr::body_peek(Section::header_fields(["From", "Subject"]).unwrap()),
        FetchAttr::body_peek(Section::header_fields_not(["Received"]).unwrap()),
        FetchAttr::body_peek(Section::text())
            .partial(0, 100)
            .unwrap(),
        FetchAttr::body(Section::mime([1, 2]).unwrap()),
        FetchAttr::body_peek(Section::part([2]).unwrap())
            .partial(10, 5)
            .unwrap(),
        FetchAttr::body_peek(Section::header().in_part([3]).unwrap()),
        FetchAttr::binary([]).unwrap(),
        FetchAttr::binary_peek([1, 1])
            .unwrap()
            .partial(0, 8)
            .unwrap(),
        FetchAttr::binary_size([2]).unwrap(),
    ]);
    sends(
        Command::fetch_with("1:*", &attrs).unwrap(),
        "FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY RFC822 \
         RFC822.HEADER RFC822.TEXT BODY[] BODY.PEEK[HEADER] BODY.PEEK[HEADER.FIELDS (From \
         Subject)] BODY.PEEK[HEADER.FIELDS.NOT (Received)] BODY.PEEK[TEXT]<0.100> BODY[1.2.MIME] \
         BODY.PEEK[2]<10.5> BODY.PEEK[3.HEADER] BINARY[] BINARY.PEEK[1.1]<0.8> BINARY.SIZE[2])",
    );
    sends(
        Command::fetch_with(7, FetchAttrs::all()).unwrap(),
        "FETCH 7 ALL",
    );
    sends(
        Command::fetch_with(7, FetchAttrs::fast()).unwrap(),
        "FETCH 7 FAST",
    );
    sends(
        Command::uid_fetch_with(100.., FetchAttrs::full()).unwrap(),
        "UID FETCH 100:* FULL",
    );
    sends(
        Command::fetch_with(1, FetchAttrs::fast().with(FetchAttr::uid())).unwrap(),
        "FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE UID)",
    );
    sends(
        Command::fetch_with(1, FetchAttr::uid()).unwrap(),
        "FETCH 1 (UID)",
    );
    refused(Command::fetch_with(1, Vec::new()), ArgumentProblem::Empty);
    refused(
        Command::fetch_with(SequenceSet::new(), FetchAttr::uid()),
        ArgumentProblem::NotSequenceSet,
    );
    refused(
        Command::fetch_with(0, FetchAttr::uid()),
        ArgumentProblem::NotSequenceSet,
    );
    // Refused when built.
    refused(
        Section::part([1, 0]).map(|_| Command::noop()),
        ArgumentProblem::OutOfRange,
    );
    refused(
        Section::part([]).map(|_| Command::noop()),
        ArgumentProblem::Empty,
    );
    refused(
        Section::mime([]).map(|_| Command::noop()),
        ArgumentProblem::Empty,
    );
    refused(
        Section::header_fields(Vec::<String>::new()).map(|_| Command::noop()),
        ArgumentProblem::Empty,
    );
    for bad in ["", "Bad Name", "X(1)", "a]", "a[", "ü", "X\r\n"] {
        refused(
            Section::header_fields([bad]).map(|_| Command::noop()),
            if bad.is_empty() {
                ArgumentProblem::Empty
            } else {
                ArgumentProblem::NotAtom
            },
        );
    }
    refused(
        FetchAttr::body(Section::text())
            .partial(0, 0)
            .map(|_| Command::noop()),
        ArgumentProblem::OutOfRange,
    );
    refused(
        FetchAttr::flags().partial(0, 1).map(|_| Command::noop()),
        ArgumentProblem::NotAllowed,
    );
    refused(
        FetchAttr::binary([0]).map(|_| Command::noop()),
        ArgumentProblem::OutOfRange,
    );
}

#[test]
fn store_and_append() {
    let fwd = Flag::keyword("$Forwarded").unwrap();
    sends(
        Command::store_with("2:4", &StoreFlags::add([Flag::Seen, fwd.clone()])).unwrap(),
        "STORE 2:4 +FLAGS (\\Seen $Forwarded)",
    );
    sends(
        Command::store_with(1, &StoreFlags::remove([Flag::Deleted]).silent()).unwrap(),
        "STORE 1 -FLAGS.SILENT (\\Deleted)",
    );
    sends(
        Command::uid_store_with("5,7", &StoreFlags::replace([])).unwrap(),
        "UID STORE 5,7 FLAGS ()",
    );
    sends(
        Command::store_with(
            1,
            &StoreFlags::replace([Flag::Answered, Flag::Flagged, Flag::Draft]).silent(),
        )
        .unwrap(),
        "STORE 1 FLAGS.SILENT (\\Answered \\Flagged \\Draft)",
    );
    refused(
        Command::store_with(1, &StoreFlags::add([Flag::Recent])),
        ArgumentProblem::NotAllowed,
    );

    let date = DateTime::parse_from_rfc3339("2024-02-01T10:00:00+01:00").unwrap();
    let msg = b"Subject: hi\r\n\r\nHello\r\n";
    let mut s = Script::selected("LITERAL+");
    s.submit(Command::append_with("Sent", &[Flag::Seen, fwd], Some(date), msg).unwrap());
    s.c("TTTT3 APPEND Sent (\\Seen $Forwarded) \"01-Feb-2024 10:00:00 +0100\" {22+}\r\nSubject: hi\r\n\r\nHello\r\n\r\n");
    let mut s = Script::selected("LITERAL+");
    s.submit(Command::append_with("Entwürfe", &[], None, b"x\n").unwrap());
    s.c("TTTT3 APPEND Entw&APw-rfe {3+}\r\nx\r\n\r\n");
    refused(
        Command::append_with("INBOX", &[Flag::Recent], None, b"x"),
        ArgumentProblem::NotAllowed,
    );
    let odd = DateTime::parse_from_rfc3339("2024-02-01T10:00:00+00:00")
        .unwrap()
        .with_timezone(&imaplib_proto::chrono::FixedOffset::east_opt(30).unwrap());
    refused(
        Command::append_with("INBOX", &[], Some(odd), b"x"),
        ArgumentProblem::InvalidDate,
    );
}

#[test]
fn deferred_checks_are_argument_errors() {
    refused(
        Command::search_with(&SearchKey::subject("a\0b")),
        ArgumentProblem::Nul,
    );
    refused(
        Command::search_with(&SearchKey::header("X\0", "")),
        ArgumentProblem::Nul,
    );
    refused(
        Command::search_with(&SearchKey::seen().and(!SearchKey::since(day(10000, 1, 1)))),
        ArgumentProblem::InvalidDate,
    );
    refused(
        Command::search_with(&SearchKey::uid(SequenceSet::new())),
        ArgumentProblem::NotSequenceSet,
    );
    refused(
        Command::search_with(&SearchKey::seq(0)),
        ArgumentProblem::NotSequenceSet,
    );
    refused(
        Command::thread_with(ThreadAlgorithm::References, &SearchKey::body("\0")),
        ArgumentProblem::Nul,
    );
    refused(
        Flag::keyword("a b").map(|_| Command::noop()),
        ArgumentProblem::NotAtom,
    );
    refused(
        Keyword::new("").map(|_| Command::noop()),
        ArgumentProblem::Empty,
    );
}

#[test]
fn a_search_result_goes_straight_into_fetch_store_copy_and_move() {
    let mut s = Script::selected("MOVE UIDPLUS");
    let id = s.submit(Command::search_with(&SearchKey::subject("Lunch")).unwrap());
    s.c("TTTT3 SEARCH SUBJECT \"Lunch\"\r\n");
    s.s("* SEARCH 2 3 4 9\r\nTTTT3 OK done\r\n");
    let reply = s.result(id).unwrap();
    let found = parse::search(&reply).next().unwrap().unwrap().ids;
    assert_eq!(found.count(), 4);
    s.submit(Command::fetch_with(&found, FetchAttr::flags()).unwrap());
    s.c("TTTT4 FETCH 2:4,9 (FLAGS)\r\n");
    s.submit(Command::store_with(&found, &StoreFlags::add([Flag::Seen])).unwrap());
    s.c("TTTT5 STORE 2:4,9 +FLAGS (\\Seen)\r\n");
    s.submit(Command::copy(&found, "Archive").unwrap());
    s.c("TTTT6 COPY 2:4,9 Archive\r\n");
    s.submit(Command::uid_move(found.clone(), "Archive").unwrap());
    s.c("TTTT7 UID MOVE 2:4,9 Archive\r\n");
    // The imaplib face's fetch takes it too, and SEARCHRES's `$`.
    s.submit(Command::fetch(&found, "(UID)").unwrap());
    s.c("TTTT8 FETCH 2:4,9 (UID)\r\n");
    s.submit(Command::fetch(SequenceSet::saved(), "(UID)").unwrap());
    s.c("TTTT9 FETCH $ (UID)\r\n");
    // An empty result is refused, not sent.
    let none = parse::search(&imaplib_proto::Reply::new(
        "OK",
        vec![imaplib_proto::Item::Line(Vec::new())],
    ))
    .next()
    .unwrap()
    .unwrap()
    .ids;
    refused(
        Command::fetch_with(&none, FetchAttr::uid()),
        ArgumentProblem::NotSequenceSet,
    );
}

#[test]
fn the_imaplib_face_keeps_its_bytes() {
    // Text sets are sent as given, whatever the order or spelling.
    sends(
        Command::fetch("*:4", "(FLAGS)").unwrap(),
        "FETCH *:4 (FLAGS)",
    );
    sends(
        Command::fetch("4:2,7", "FLAGS").unwrap(),
        "FETCH 4:2,7 (FLAGS)",
    );
    sends(Command::fetch(3u32..=3, "FAST").unwrap(), "FETCH 3:3 FAST");
    sends(
        Command::search(None, &["SUBJECT", "\"Lunch on Thursday\""]).unwrap(),
        "SEARCH SUBJECT \"Lunch on Thursday\"",
    );
}

/// Folding a long list of keys into one OR (or AND) is flat, whatever its length: the
/// command is made and sent, and nothing recurses per key (this overflowed the stack before).
#[test]
fn long_or_and_and_chains_stay_flat() {
    const N: usize = 100_000;
    let senders = || (0..N).map(|i| SearchKey::from(format!("s{i}@example.org")));
    // A right fold is flat too (each step moves the parts along: kept shorter here).
    let right = senders().take(N / 10).collect::<Vec<_>>();
    for (key, n) in [
        (senders().reduce(SearchKey::or).unwrap(), N),
        (
            right.into_iter().rev().reduce(|acc, k| k.or(acc)).unwrap(),
            N / 10,
        ),
    ] {
        let cmd = Command::search_with(&key).unwrap();
        let wire = wire(cmd);
        assert!(wire.starts_with("SEARCH OR OR "), "{}", &wire[..40]);
        assert_eq!(wire.matches("OR ").count(), n - 1);
        assert_eq!(wire.matches("FROM ").count(), n);
        assert!(wire.contains("FROM \"s0@example.org\" FROM \"s1@example.org\""));
        assert!(wire.ends_with(&format!("FROM \"s{}@example.org\"\r\n", n - 1)));
        let copy = key.clone();
        assert_eq!(copy, key);
    }
    let all = senders().reduce(SearchKey::and).unwrap();
    let wire = wire(Command::search_with(&all).unwrap());
    assert!(wire.starts_with("SEARCH FROM \"s0@example.org\" FROM "));
    assert_eq!(wire.matches("FROM ").count(), N);
}

/// Keys nested deeper than MAX_SEARCH_DEPTH are refused when the command is made, and
/// building them (however deep the attempt) neither overflows the stack nor keeps a deeper
/// tree.
#[test]
fn search_keys_nested_too_deep_are_refused() {
    use imaplib_proto::build::MAX_SEARCH_DEPTH;
    let nots = |n: usize| (0..n).fold(SearchKey::seen(), |k, _| !k);
    // SEEN and MAX - 1 NOTs: MAX levels.
    let deepest = nots(MAX_SEARCH_DEPTH - 1);
    let wire = wire(Command::search_with(&deepest).unwrap());
    assert_eq!(wire.matches("NOT ").count(), MAX_SEARCH_DEPTH - 1);
    refused(
        Command::search_with(&nots(MAX_SEARCH_DEPTH)),
        ArgumentProblem::TooDeep,
    );
    refused(
        Command::search_with(&nots(200_000)),
        ArgumentProblem::TooDeep,
    );
    // Groups, and ORs and ANDs inside each other, count as levels too.
    let mut mixed = SearchKey::seen();
    for i in 0..100_000u64 {
        mixed = mixed.or(SearchKey::larger(i)).and(SearchKey::draft());
    }
    refused(Command::search_with(&mixed), ArgumentProblem::TooDeep);
    assert!(mixed.to_string().contains("<nested too deep>"));
    let groups = (0..MAX_SEARCH_DEPTH).fold(SearchKey::seen(), |k, _| {
        SearchKey::group([k, SearchKey::draft()])
    });
    refused(Command::search_with(&groups), ArgumentProblem::TooDeep);
    refused(
        Command::uid_search_return(&groups, &imaplib_proto::build::SearchReturn::new().all()),
        ArgumentProblem::TooDeep,
    );
}
