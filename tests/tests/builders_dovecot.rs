//! The builders against Dovecot (issue 11, "Builders"): every search key kind and every fetch
//! attribute kind is accepted (OK, never BAD) over a small mailbox and finds what it should;
//! STORE, APPEND, SORT and THREAD from builders do what they say; a SEARCH result goes
//! straight into FETCH, STORE and COPY. The mailbox is seeded over Dovecot's stdio IMAP (not
//! the client under test); the client under test is `imaplib_blocking::Client` on TCP.

use std::collections::BTreeSet;

use imaplib_blocking::proto::build::{
    FetchAttr, FetchAttrs, Flag, Keyword, SearchKey, Section, SortKey, StoreFlags, ThreadAlgorithm,
};
use imaplib_blocking::proto::chrono::{DateTime, NaiveDate};
use imaplib_blocking::proto::error::Reason;
use imaplib_blocking::proto::parse::{self, FetchItem, StatusKind};
use imaplib_blocking::proto::{Command, Reply, SequenceSet};
use imaplib_blocking::Client;
use imaplib_integration_tests::dovecot::{dovecot, UserAccount};

/// The attachment of message 5, decoded.
const ATTACHMENT: &[u8] = b"\x00\x01binary\xff\xfe attachment bytes";

fn big_body() -> String {
    "All the numbers, line after line.\r\n".repeat(80)
}

/// The five messages: (flags, internal date, bytes).
fn messages() -> Vec<(Vec<&'static str>, &'static str, Vec<u8>)> {
    use base64::Engine;
    let attachment = base64::engine::general_purpose::STANDARD.encode(ATTACHMENT);
    vec![
        (
            vec!["\\Seen", "\\Answered", "$Important"],
            "03-Feb-2025 10:00:00 +0000",
            b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\n\
              Cc: Carol <carol@example.org>\r\nBcc: Dave <dave@example.org>\r\n\
              Subject: Lunch on Thursday\r\nDate: Mon, 3 Feb 2025 10:00:00 +0000\r\n\
              Message-ID: <m1@example.org>\r\n\r\nShall we meet at noon?\r\n"
                .to_vec(),
        ),
        (
            vec!["\\Flagged"],
            "10-Feb-2025 09:30:00 +0000",
            b"From: Bob <bob@example.org>\r\nTo: Alice <alice@example.org>\r\n\
              Subject: Budget review\r\nDate: Mon, 10 Feb 2025 09:30:00 +0000\r\n\
              X-Ticket: T-1234\r\nMessage-ID: <m2@example.org>\r\n\r\nSee the sheet.\r\n"
                .to_vec(),
        ),
        (
            vec!["\\Draft"],
            "01-Mar-2025 12:00:00 +0000",
            format!(
                "From: Alice <alice@example.org>\r\nTo: Team <team@example.org>\r\n\
                 Subject: Quarterly numbers\r\nDate: Sat, 1 Mar 2025 12:00:00 +0000\r\n\
                 Message-ID: <m3@example.org>\r\n\r\n{}",
                big_body()
            )
            .into_bytes(),
        ),
        (
            vec!["\\Deleted", "\\Seen"],
            "15-Mar-2025 08:00:00 +0000",
            b"From: Erin <erin@example.org>\r\nTo: Bob <bob@example.org>\r\n\
              Subject: Old thread\r\nDate: Sat, 15 Mar 2025 08:00:00 +0000\r\n\
              Message-ID: <m4@example.org>\r\n\r\nTo be removed.\r\n"
                .to_vec(),
        ),
        (
            vec![],
            "01-Apr-2025 18:00:00 +0000",
            format!(
                "From: Frank <frank@example.org>\r\nTo: Alice <alice@example.org>\r\n\
                 Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_Z=C3=BCrich?=\r\n\
                 Date: Tue, 1 Apr 2025 18:00:00 +0000\r\nMessage-ID: <m5@example.org>\r\n\
                 MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
                 --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Content-Transfer-Encoding: quoted-printable\r\n\r\nHallo aus Z=C3=BCrich\r\n\
                 --b1\r\nContent-Type: application/octet-stream\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--b1--\r\n"
            )
            .into_bytes(),
        ),
    ]
}

struct Mailbox {
    user: UserAccount,
    uids: Vec<u32>,
}

fn seeded() -> Mailbox {
    let d = dovecot();
    let user = d.new_user();
    let mut uids = Vec::new();
    for (flags, date, bytes) in messages() {
        uids.push(d.append(&user.name, "INBOX", &flags, Some(date), &bytes));
    }
    d.create_mailbox(&user.name, "Archive");
    Mailbox { user, uids }
}

fn login(user: &UserAccount) -> Client {
    let d = dovecot();
    let mut m = Client::connect(d.host(), d.plain_port()).unwrap();
    let _ = m.login(user.name.as_str(), user.password.as_str()).unwrap();
    m
}

fn ok(m: &mut Client, cmd: Command) -> Reply {
    let reply = m.run(cmd).unwrap_or_else(|e| panic!("refused: {e}"));
    assert_eq!(reply.typ, "OK", "{}", reply.python_repr());
    reply
}

fn ids(m: &mut Client, cmd: Command) -> BTreeSet<u32> {
    let reply = ok(m, cmd);
    parse::search(&reply)
        .flat_map(|s| s.unwrap().ids.iter().collect::<Vec<_>>())
        .collect()
}

fn set(v: &[u32]) -> BTreeSet<u32> {
    v.iter().copied().collect()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn every_search_key_kind_is_accepted_and_finds_its_messages() {
    let mb = seeded();
    let mut m = login(&mb.user);
    assert_eq!(m.select("INBOX", true).unwrap().typ, "OK");
    let important = Keyword::new("$Important").unwrap();
    let all = set(&[1, 2, 3, 4, 5]);
    let cases: Vec<(SearchKey, BTreeSet<u32>)> = vec![
        (SearchKey::all(), all.clone()),
        (SearchKey::answered(), set(&[1])),
        (SearchKey::unanswered(), set(&[2, 3, 4, 5])),
        (SearchKey::deleted(), set(&[4])),
        (SearchKey::undeleted(), set(&[1, 2, 3, 5])),
        (SearchKey::draft(), set(&[3])),
        (SearchKey::undraft(), set(&[1, 2, 4, 5])),
        (SearchKey::flagged(), set(&[2])),
        (SearchKey::unflagged(), set(&[1, 3, 4, 5])),
        (SearchKey::seen(), set(&[1, 4])),
        (SearchKey::unseen(), set(&[2, 3, 5])),
        (SearchKey::keyword(important.clone()), set(&[1])),
        (SearchKey::unkeyword(important), set(&[2, 3, 4, 5])),
        (SearchKey::has_flag(Flag::Flagged), set(&[2])),
        (SearchKey::lacks_flag(Flag::Seen), set(&[2, 3, 5])),
        (SearchKey::bcc("dave"), set(&[1])),
        (SearchKey::cc("carol"), set(&[1])),
        (SearchKey::from("alice"), set(&[1, 3])),
        (SearchKey::to("bob"), set(&[1, 4])),
        (SearchKey::subject("Lunch on Thursday"), set(&[1])),
        (SearchKey::subject("Grüße aus Zürich"), set(&[5])),
        (SearchKey::body("noon"), set(&[1])),
        (SearchKey::body("T-1234"), set(&[])),
        (SearchKey::text("T-1234"), set(&[2])),
        (SearchKey::text("Zürich"), set(&[5])),
        (SearchKey::header("X-Ticket", "T-1234"), set(&[2])),
        (SearchKey::header("Message-ID", "m3@"), set(&[3])),
        (SearchKey::before(day(2025, 3, 1)), set(&[1, 2])),
        (SearchKey::on(day(2025, 3, 1)), set(&[3])),
        (SearchKey::since(day(2025, 3, 15)), set(&[4, 5])),
        (SearchKey::sent_before(day(2025, 2, 10)), set(&[1])),
        (SearchKey::sent_on(day(2025, 2, 10)), set(&[2])),
        (SearchKey::sent_since(day(2025, 3, 2)), set(&[4, 5])),
        (SearchKey::larger(2000), set(&[3])),
        (SearchKey::smaller(2000), set(&[1, 2, 4, 5])),
        (SearchKey::uid(mb.uids[1]..=mb.uids[2]), set(&[2, 3])),
        (SearchKey::seq(2..=3), set(&[2, 3])),
        (SearchKey::seq(SequenceSet::last()), set(&[5])),
        (SearchKey::not(SearchKey::seen()), set(&[2, 3, 5])),
        (SearchKey::seen().or(SearchKey::draft()), set(&[1, 3, 4])),
        (
            SearchKey::group([SearchKey::seen(), SearchKey::answered()]),
            set(&[1]),
        ),
        (
            (SearchKey::seen() & SearchKey::deleted())
                | !(SearchKey::from("alice") | SearchKey::to("alice")),
            set(&[4]),
        ),
        (
            SearchKey::subject("Lunch on Thursday").and(SearchKey::unseen()),
            set(&[]),
        ),
        (
            SearchKey::from("alice").and(SearchKey::since(day(2025, 2, 15))),
            set(&[3]),
        ),
        // Quotes, parentheses and brackets inside text are only text.
        (SearchKey::subject("(Lunch) [on] \"Thursday\""), set(&[])),
    ];
    for (key, want) in &cases {
        let got = ids(&mut m, Command::search_with(key).unwrap());
        assert_eq!(&got, want, "SEARCH {key}");
        // By UID too.
        let uids = ids(&mut m, Command::uid_search_with(key).unwrap());
        let want_uids: BTreeSet<u32> = want.iter().map(|&n| mb.uids[n as usize - 1]).collect();
        assert_eq!(uids, want_uids, "UID SEARCH {key}");
    }
    // RECENT, NEW and OLD (RFC 3501): accepted, and consistent with each other.
    let recent = ids(&mut m, Command::search_with(&SearchKey::recent()).unwrap());
    let new = ids(
        &mut m,
        Command::search_with(&SearchKey::new_messages()).unwrap(),
    );
    let old = ids(&mut m, Command::search_with(&SearchKey::old()).unwrap());
    let unseen = set(&[2, 3, 5]);
    assert_eq!(new, &recent & &unseen);
    assert_eq!(old, &all - &recent);

    // The raw imaplib form of the same SUBJECT gets BAD: three atoms, not one string.
    let raw = m
        .search(None, &["SUBJECT", "Lunch on Thursday"])
        .expect_err("imaplib raises on BAD");
    assert!(
        matches!(raw.reason(), Reason::Refused(r) if r.status() == StatusKind::Bad),
        "{raw:?}"
    );

    // SEARCHRES: `$` is the result saved by SEARCH RETURN (SAVE).
    let saved = m.search(None, &["RETURN", "(SAVE)", "SEEN"]).unwrap();
    assert_eq!(saved.typ, "OK");
    let got = ids(
        &mut m,
        Command::search_with(&SearchKey::seq(SequenceSet::saved())).unwrap(),
    );
    assert_eq!(got, set(&[1, 4]));
    eprintln!("{} search keys checked against Dovecot", cases.len() + 3);
}

/// Keys folded from long lists stay flat, go out whole and find what they should: an OR of
/// 500 senders (three of them in the mailbox) and an AND of 500 keys; the deepest nesting
/// allowed (MAX_SEARCH_DEPTH levels of NOT) is accepted, one more is refused before
/// anything is sent and the session goes on.
#[test]
fn long_folded_keys_and_the_deepest_nesting() {
    use imaplib_blocking::proto::build::MAX_SEARCH_DEPTH;
    let mb = seeded();
    let mut m = login(&mb.user);
    assert_eq!(m.select("INBOX", true).unwrap().typ, "OK");
    let senders = (0..500).map(|i| match i {
        100 => SearchKey::from("alice@example.org"),
        250 => SearchKey::from("erin@example.org"),
        499 => SearchKey::from("frank@example.org"),
        i => SearchKey::from(format!("nobody{i}@example.net")),
    });
    let any = senders.clone().reduce(SearchKey::or).unwrap();
    assert_eq!(
        ids(&mut m, Command::search_with(&any).unwrap()),
        set(&[1, 3, 4, 5])
    );
    let none = senders.reduce(SearchKey::and).unwrap();
    assert!(ids(&mut m, Command::search_with(&none).unwrap()).is_empty());
    let every = (0..500)
        .map(|i| SearchKey::smaller(100_000 + i))
        .reduce(SearchKey::and)
        .unwrap();
    assert_eq!(
        ids(&mut m, Command::search_with(&every).unwrap()),
        set(&[1, 2, 3, 4, 5])
    );
    // SEEN under MAX - 1 NOTs (an odd number): NOT SEEN.
    let deepest = (1..MAX_SEARCH_DEPTH).fold(SearchKey::seen(), |k, _| !k);
    assert_eq!(
        ids(&mut m, Command::search_with(&deepest).unwrap()),
        set(&[2, 3, 5])
    );
    let too_deep = Command::search_with(&!deepest).unwrap_err();
    assert!(too_deep.to_string().contains("levels deep"), "{too_deep}");
    assert_eq!(ok(&mut m, Command::noop()).typ, "OK");
}

/// The one FETCH item of `reply`'s first FETCH response that is not FLAGS (Dovecot adds
/// FLAGS when a fetch sets `\Seen`).
fn only_item(reply: &Reply) -> FetchItem<'_> {
    let fetch = parse::fetches(reply).next().expect("a FETCH").unwrap();
    let mut items: Vec<FetchItem<'_>> = fetch
        .items
        .into_iter()
        .filter(|i| !matches!(i, FetchItem::Flags(_)))
        .collect();
    assert_eq!(items.len(), 1, "{}", reply.python_repr());
    items.remove(0)
}

fn data(item: &FetchItem<'_>) -> Vec<u8> {
    let d = match item {
        FetchItem::BodySection { data, .. } | FetchItem::Binary { data, .. } => data,
        FetchItem::Rfc822(d) | FetchItem::Rfc822Header(d) | FetchItem::Rfc822Text(d) => d,
        other => panic!("no data in {other:?}"),
    };
    d.map(|s| s.bytes().into_owned()).unwrap_or_default()
}

#[test]
fn every_fetch_attribute_kind_is_accepted_and_returns_its_data() {
    let mb = seeded();
    let msgs = messages();
    let m1 = &msgs[0].2;
    let mut m = login(&mb.user);
    assert_eq!(m.select("INBOX", false).unwrap().typ, "OK");
    let header_end = m1.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let (head, text) = m1.split_at(header_end);

    let fetch1 = |m: &mut Client, attr: FetchAttr| ok(m, Command::fetch_with(1, attr).unwrap());

    let r = fetch1(&mut m, FetchAttr::uid());
    assert_eq!(only_item(&r), FetchItem::Uid(mb.uids[0]));
    let r = fetch1(&mut m, FetchAttr::flags());
    let f = parse::fetches(&r).next().unwrap().unwrap();
    assert!(f.flags().unwrap().iter().any(|f| f == Flag::Answered));
    let r = fetch1(&mut m, FetchAttr::internal_date());
    let FetchItem::InternalDate(d) = only_item(&r) else {
        panic!()
    };
    assert_eq!(
        d,
        DateTime::parse_from_rfc3339("2025-02-03T10:00:00+00:00").unwrap()
    );
    let r = fetch1(&mut m, FetchAttr::rfc822_size());
    assert_eq!(only_item(&r), FetchItem::Rfc822Size(m1.len() as u64));
    let r = fetch1(&mut m, FetchAttr::envelope());
    let FetchItem::Envelope(e) = only_item(&r) else {
        panic!()
    };
    assert_eq!(
        e.subject.map(|s| s.bytes().into_owned()),
        Some(b"Lunch on Thursday".to_vec())
    );
    let r = fetch1(&mut m, FetchAttr::body_structure());
    assert!(matches!(only_item(&r), FetchItem::BodyStructure(_)));
    let r = fetch1(&mut m, FetchAttr::body_basic());
    assert!(matches!(only_item(&r), FetchItem::Body(_)));
    let r = fetch1(&mut m, FetchAttr::rfc822_header());
    assert_eq!(data(&only_item(&r)), head);
    let r = fetch1(&mut m, FetchAttr::body_peek(Section::message()));
    assert_eq!(data(&only_item(&r)), &m1[..]);
    let r = fetch1(&mut m, FetchAttr::body_peek(Section::header()));
    assert_eq!(data(&only_item(&r)), head);
    let r = fetch1(
        &mut m,
        FetchAttr::body_peek(Section::header_fields(["Subject", "X-None"]).unwrap()),
    );
    assert_eq!(data(&only_item(&r)), b"Subject: Lunch on Thursday\r\n\r\n");
    let r = fetch1(
        &mut m,
        FetchAttr::body_peek(
            Section::header_fields_not(["Subject", "Bcc", "Cc", "Message-ID", "Date"]).unwrap(),
        ),
    );
    assert_eq!(
        data(&only_item(&r)),
        b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\n\r\n"
    );
    let r = fetch1(&mut m, FetchAttr::body_peek(Section::text()));
    assert_eq!(data(&only_item(&r)), text);
    let r = fetch1(
        &mut m,
        FetchAttr::body_peek(Section::text()).partial(6, 5).unwrap(),
    );
    assert_eq!(data(&only_item(&r)), b"we me");
    let r = fetch1(&mut m, FetchAttr::body_peek(Section::part([1]).unwrap()));
    assert_eq!(data(&only_item(&r)), text);
    let r = fetch1(&mut m, FetchAttr::rfc822_text());
    assert_eq!(data(&only_item(&r)), text);
    let r = fetch1(&mut m, FetchAttr::rfc822());
    assert_eq!(data(&only_item(&r)), &m1[..]);
    let r = fetch1(&mut m, FetchAttr::body(Section::message()));
    assert_eq!(data(&only_item(&r)), &m1[..]);

    // Message 5: a multipart with a base64 attachment.
    let fetch5 = |m: &mut Client, attr: FetchAttr| ok(m, Command::fetch_with(5, attr).unwrap());
    let r = fetch5(&mut m, FetchAttr::body_peek(Section::mime([2]).unwrap()));
    assert!(data(&only_item(&r)).starts_with(b"Content-Type: application/octet-stream\r\n"));
    let r = fetch5(&mut m, FetchAttr::body_peek(Section::part([1]).unwrap()));
    assert_eq!(data(&only_item(&r)), b"Hallo aus Z=C3=BCrich");
    let r = fetch5(
        &mut m,
        FetchAttr::body_peek(Section::header().in_part([1]).unwrap()),
    );
    let _ = only_item(&r); // a non-message part's HEADER: accepted (empty or NIL)
    let r = fetch5(&mut m, FetchAttr::binary_peek([2]).unwrap());
    assert_eq!(data(&only_item(&r)), ATTACHMENT);
    let r = fetch5(
        &mut m,
        FetchAttr::binary_peek([2]).unwrap().partial(2, 6).unwrap(),
    );
    assert_eq!(data(&only_item(&r)), b"binary");
    let r = fetch5(&mut m, FetchAttr::binary_size([2]).unwrap());
    let FetchItem::BinarySize { size, .. } = only_item(&r) else {
        panic!()
    };
    assert_eq!(size, ATTACHMENT.len() as u64);
    let r = fetch5(&mut m, FetchAttr::binary([1]).unwrap());
    assert_eq!(data(&only_item(&r)), "Hallo aus Zürich".as_bytes());

    // Macros and lists.
    for (attrs, want) in [
        (FetchAttrs::all(), 4),
        (FetchAttrs::fast(), 3),
        (FetchAttrs::full(), 5),
        (FetchAttrs::fast().with(FetchAttr::uid()), 4),
        (
            FetchAttrs::from([
                FetchAttr::uid(),
                FetchAttr::envelope(),
                FetchAttr::body_peek(Section::header_fields(["From"]).unwrap())
                    .partial(0, 4)
                    .unwrap(),
            ]),
            3,
        ),
    ] {
        let r = ok(&mut m, Command::uid_fetch_with("1:*", &attrs).unwrap());
        let all: Vec<_> = parse::fetches(&r).map(Result::unwrap).collect();
        assert_eq!(all.len(), 5, "{attrs}");
        assert!(
            all.iter().all(|f| f.items.len() >= want),
            "{attrs}: {}",
            r.python_repr()
        );
    }
}

#[test]
fn store_append_sort_thread_and_search_results_as_sets() {
    let mb = seeded();
    let mut m = login(&mb.user);
    assert_eq!(m.select("INBOX", false).unwrap().typ, "OK");
    let flags_of = |m: &mut Client, n: u32| -> Vec<String> {
        let r = ok(m, Command::fetch_with(n, FetchAttr::flags()).unwrap());
        let f = parse::fetches(&r).next().unwrap().unwrap();
        let mut v: Vec<String> = f
            .flags()
            .unwrap()
            .iter()
            .filter(|f| *f != Flag::Recent)
            .map(|f| f.to_string())
            .collect();
        v.sort();
        v
    };
    let work = Flag::keyword("Work").unwrap();
    let _ = ok(
        &mut m,
        Command::store_with(2, &StoreFlags::add([Flag::Seen, work.clone()])).unwrap(),
    );
    assert_eq!(flags_of(&mut m, 2), ["Work", "\\Flagged", "\\Seen"]);
    let _ = ok(
        &mut m,
        Command::store_with(2, &StoreFlags::remove([Flag::Flagged]).silent()).unwrap(),
    );
    assert_eq!(flags_of(&mut m, 2), ["Work", "\\Seen"]);
    let _ = ok(
        &mut m,
        Command::uid_store_with(mb.uids[1], &StoreFlags::replace([Flag::Draft])).unwrap(),
    );
    assert_eq!(flags_of(&mut m, 2), ["\\Draft"]);
    let _ = ok(
        &mut m,
        Command::store_with(2, &StoreFlags::replace([])).unwrap(),
    );
    assert!(flags_of(&mut m, 2).is_empty());

    // A SEARCH result into STORE, FETCH and COPY.
    let reply = ok(
        &mut m,
        Command::search_with(&SearchKey::from("alice")).unwrap(),
    );
    let found = parse::search(&reply).next().unwrap().unwrap().ids;
    assert_eq!(found.to_string(), "1,3");
    let _ = ok(
        &mut m,
        Command::store_with(&found, &StoreFlags::add([work])).unwrap(),
    );
    let r = ok(
        &mut m,
        Command::fetch_with(&found, FetchAttr::flags()).unwrap(),
    );
    assert!(parse::fetches(&r).map(Result::unwrap).all(|f| f
        .flags()
        .unwrap()
        .iter()
        .any(|f| f.is("Work"))));
    let r = ok(&mut m, Command::copy(&found, "Archive").unwrap());
    assert!(r.typ == "OK");
    let st = m.status("Archive", "(MESSAGES)").unwrap();
    assert!(
        st.python_repr().contains("MESSAGES 2"),
        "{}",
        st.python_repr()
    );

    // SORT and THREAD.
    let r = ok(
        &mut m,
        Command::sort_with(&[SortKey::Date.reverse()], &SearchKey::all()).unwrap(),
    );
    let sorted = parse::sort(&r).next().unwrap().unwrap().ids;
    assert_eq!(sorted, [5, 4, 3, 2, 1]);
    let r = ok(
        &mut m,
        Command::uid_sort_with(&[SortKey::Subject.into()], &SearchKey::subject("Grüße")).unwrap(),
    );
    assert_eq!(parse::sort(&r).next().unwrap().unwrap().ids, [mb.uids[4]]);
    let r = ok(
        &mut m,
        Command::thread_with(ThreadAlgorithm::References, &SearchKey::all()).unwrap(),
    );
    assert_eq!(parse::thread(&r).next().unwrap().unwrap().roots().len(), 5);
    let _ = ok(
        &mut m,
        Command::uid_thread_with(ThreadAlgorithm::OrderedSubject, &SearchKey::undeleted()).unwrap(),
    );

    // APPEND with flags and an internal date.
    let date = DateTime::parse_from_rfc3339("2024-02-01T10:00:00+01:00").unwrap();
    let msg = b"Subject: appended\r\n\r\nBuilt with builders.\r\n";
    let r = ok(
        &mut m,
        Command::append_with(
            "Archive",
            &[Flag::Seen, Flag::keyword("$Forwarded").unwrap()],
            Some(date),
            msg,
        )
        .unwrap(),
    );
    assert!(r.python_repr().contains("APPENDUID"), "{}", r.python_repr());
    assert_eq!(m.select("Archive", true).unwrap().typ, "OK");
    let r = ok(
        &mut m,
        Command::fetch_with(
            SequenceSet::last(),
            [
                FetchAttr::flags(),
                FetchAttr::internal_date(),
                FetchAttr::body_peek(Section::message()),
            ],
        )
        .unwrap(),
    );
    let f = parse::fetches(&r).next().unwrap().unwrap();
    assert_eq!(f.internal_date(), Some(date));
    let flags: BTreeSet<String> = f
        .flags()
        .unwrap()
        .iter()
        .filter(|f| *f != Flag::Recent)
        .map(|f| f.to_string())
        .collect();
    assert_eq!(flags, ["$Forwarded", "\\Seen"].map(String::from).into());
    assert_eq!(
        f.section("").flatten().map(|s| s.bytes().into_owned()),
        Some(msg.to_vec())
    );
}
