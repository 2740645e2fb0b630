//! The two faces agree, against Dovecot (issue 11, "The typed and imaplib faces agree").
//!
//! For a fresh user, over plain TCP and over Dovecot's stdio IMAP, every command runs once
//! through the blocking client's imaplib face; its result goes through the typed face's
//! conversion (`imaplib_proto::typed`), and the test checks that
//!
//! * the typed value equals the typed view of the imaplib result, computed here from the
//!   same [`Reply`] and the same untagged store with `parse` alone (as an imaplib user
//!   would dig it out), and
//! * both agree with what Dovecot holds: what was appended (UIDs, flags, bytes), and
//!   `doveadm mailbox status`;
//! * every refusal (nonexistent mailbox, existing mailbox on CREATE, unknown search key,
//!   APPEND/COPY to a missing mailbox) is an error whose reason is the server's refusal
//!   with its code.

use std::collections::BTreeMap;

use imaplib_blocking::proto::error::Reason;
use imaplib_blocking::proto::parse::{self, Code, StatusKind};
use imaplib_blocking::proto::typed::{self, CapabilitySet, Mailbox, SpecialUse};
use imaplib_blocking::{Client, Error, Item, Reply};
use imaplib_integration_tests::dovecot::{dovecot, UserAccount};

/// The messages appended to INBOX: flags, and a subject with an encoded word.
const MESSAGES: [(&str, &str); 4] = [
    ("\\Seen", "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= 1"),
    ("", "plain 2"),
    ("$Work", "=?ISO-8859-1?Q?K=F6ln?= 3"),
    ("", "plain 4"),
];

fn message(k: usize) -> Vec<u8> {
    format!(
        "From: =?UTF-8?Q?J=C3=B6rg?= <j@example.org>\r\nSubject: {}\r\n\r\nbody {k}\r\n",
        MESSAGES[k].1
    )
    .into_bytes()
}

/// `doveadm mailbox status` fields of a mailbox.
fn doveadm_status(user: &UserAccount, mailbox: &str) -> BTreeMap<String, u64> {
    let out = dovecot().doveadm(&[
        "-f",
        "flow",
        "mailbox",
        "status",
        "-u",
        &user.name,
        "messages unseen uidnext uidvalidity highestmodseq",
        mailbox,
    ]);
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect()
}

/// The store's items under `name`, as `response(name)` would return them, without popping.
fn stored(m: &Client, name: &str) -> Reply {
    let items = m
        .untagged_responses()
        .find(|(typ, _)| *typ == name)
        .map_or_else(|| vec![Item::None], |(_, items)| items.to_vec());
    Reply::new(name, items)
}

/// The newest stored code `name`, typed by `parse::codes`, turned into a value by `f`.
fn stored_code<T>(m: &Client, name: &str, f: impl Fn(Code<'_>) -> Option<T>) -> Option<T> {
    let reply = stored(m, name);
    let code = parse::codes(&reply).last()?.unwrap();
    f(code)
}

fn refusal(e: &Error) -> (StatusKind, Option<String>) {
    match e.reason() {
        Reason::Refused(r) => (r.status(), r.code_name().map(str::to_string)),
        other => panic!("not a refusal: {other:?} ({e})"),
    }
}

/// The typed view of an imaplib SELECT result, dug out with `parse` alone.
fn mailbox_view(m: &Client, r: &Reply) -> Mailbox {
    let flags = |list: &parse::FlagList<'_>| -> Vec<String> {
        list.iter()
            .filter(|f| !f.is_wildcard())
            .map(|f| f.to_string())
            .collect()
    };
    let mut view = Mailbox::default();
    view.exists = parse::parse_number(r.lines().last().unwrap()).unwrap() as u32;
    view.recent = stored(m, "RECENT")
        .lines()
        .last()
        .map(|l| parse::parse_number(l).unwrap() as u32);
    let flags_reply = stored(m, "FLAGS");
    view.flags = flags(&parse::flags(&flags_reply).last().unwrap().unwrap());
    view.permanent_flags = stored_code(m, "PERMANENTFLAGS", |c| match c {
        Code::PermanentFlags(f) => Some(flags(&f)),
        _ => None,
    });
    view.new_keywords_allowed = stored_code(m, "PERMANENTFLAGS", |c| match c {
        Code::PermanentFlags(f) => Some(f.iter().any(|f| f.is_wildcard())),
        _ => None,
    })
    .unwrap_or(false);
    view.uid_validity = stored_code(m, "UIDVALIDITY", |c| match c {
        Code::UidValidity(n) => Some(n),
        _ => None,
    });
    view.uid_next = stored_code(m, "UIDNEXT", |c| match c {
        Code::UidNext(n) => Some(n),
        _ => None,
    });
    view.first_unseen = stored_code(m, "UNSEEN", |c| match c {
        Code::Unseen(n) => Some(n),
        _ => None,
    });
    view.highest_modseq = stored_code(m, "HIGHESTMODSEQ", |c| match c {
        Code::HighestModSeq(n) => Some(n),
        _ => None,
    });
    view.no_modseq = stored(m, "NOMODSEQ").lines().next().is_some();
    view.read_only = stored(m, "READ-ONLY").lines().next().is_some();
    view
}

/// Runs every command through the imaplib face and checks the typed face against it and
/// against Dovecot. `m` is logged in as `user`, whose INBOX is empty.
fn faces_agree(m: &mut Client, user: &UserAccount) {
    // ----- CREATE, and a refusal -------------------------------------------------------
    for name in ["Dest", "日本語", "Sent"] {
        typed::done(m.create(name).unwrap()).unwrap();
    }
    let e = typed::done(m.create("Dest").unwrap()).unwrap_err();
    assert_eq!(refusal(&e), (StatusKind::No, Some("ALREADYEXISTS".into())));

    // ----- APPEND ------------------------------------------------------------------------
    let validity = doveadm_status(user, "INBOX")["uidvalidity"] as u32;
    for (k, (flags, _)) in MESSAGES.iter().enumerate() {
        let flags = (!flags.is_empty()).then_some(*flags);
        let r = m.append(None, flags, None, &message(k)).unwrap();
        let view = stored_code(m, "APPENDUID", |c| match c {
            Code::AppendUid { uidvalidity, uids } => Some((uidvalidity, uids)),
            _ => None,
        })
        .unwrap();
        let _ = m.response("APPENDUID");
        let appended = typed::append(r).unwrap().unwrap();
        assert_eq!((appended.uid_validity, &appended.uids), (view.0, &view.1));
        assert_eq!(
            (appended.uid_validity, appended.uid()),
            (validity, Some(k as u32 + 1))
        );
    }
    let r = m.append(Some("Nope".into()), None, None, b"x\r\n").unwrap();
    let e = typed::append(r).unwrap_err();
    assert_eq!(refusal(&e), (StatusKind::No, Some("TRYCREATE".into())));

    // ----- SELECT ------------------------------------------------------------------------
    let e = typed::select(m.select("Nope", false).unwrap(), m.connection()).unwrap_err();
    assert_eq!(refusal(&e).0, StatusKind::No);
    let r = m.select("INBOX", false).unwrap();
    let view = mailbox_view(m, &r);
    let inbox = typed::select(r, m.connection()).unwrap();
    assert_eq!(inbox, view);
    let truth = doveadm_status(user, "INBOX");
    assert_eq!(inbox.exists as u64, truth["messages"]);
    assert_eq!(
        inbox.uid_validity.map(u64::from),
        Some(truth["uidvalidity"])
    );
    assert_eq!(inbox.uid_next.map(u64::from), Some(truth["uidnext"]));
    assert_eq!(inbox.first_unseen, Some(2));
    assert!(inbox.flags.iter().any(|f| f == "$Work"));
    assert!(inbox.new_keywords_allowed && !inbox.read_only);
    // Read, not popped: the imaplib face still finds the codes.
    assert_eq!(
        mailbox_view(m, &Reply::new("OK", vec![Item::from(b"4")])),
        inbox
    );

    // ----- STATUS ------------------------------------------------------------------------
    let r = m
        .status(
            "INBOX",
            "MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE",
        )
        .unwrap();
    let view = parse::status(&r).last().unwrap().unwrap();
    let view: BTreeMap<String, u64> = view
        .items
        .iter()
        .map(|(a, v)| (String::from_utf8_lossy(a.name()).to_lowercase(), *v))
        .collect();
    let st = typed::status(r.clone(), m.utf8_enabled()).unwrap();
    assert_eq!(st.mailbox, "INBOX");
    let typed_fields = [
        ("messages", st.messages.map(u64::from)),
        ("recent", st.recent.map(u64::from)),
        ("uidnext", st.uid_next.map(u64::from)),
        ("uidvalidity", st.uid_validity.map(u64::from)),
        ("unseen", st.unseen.map(u64::from)),
        ("highestmodseq", st.highest_modseq),
        ("size", st.size),
    ];
    for (name, value) in typed_fields {
        assert_eq!(value, view.get(name).copied(), "{name}: {r:?}");
    }
    let truth = doveadm_status(user, "INBOX");
    for name in [
        "messages",
        "unseen",
        "uidnext",
        "uidvalidity",
        "highestmodseq",
    ] {
        assert_eq!(view[name], truth[name], "{name}");
    }
    let e = typed::status(m.status("Nope", "MESSAGES").unwrap(), false).unwrap_err();
    assert_eq!(refusal(&e).0, StatusKind::No);

    // ----- SEARCH, UID SEARCH, ESEARCH --------------------------------------------------
    let r = m.search(None, &["UNSEEN"]).unwrap();
    let view = parse::search(&r).next().unwrap().unwrap().ids;
    let unseen = typed::search(r).unwrap();
    assert_eq!(unseen, view);
    assert_eq!(unseen.to_string(), "2:4");
    let all = typed::search(m.uid_search(None, &["ALL"]).unwrap()).unwrap();
    assert_eq!(all.to_string(), "1:4");
    // The imaplib face raises BAD itself; the reason is the refusal.
    let e = m.search(None, &["BOGUS"]).unwrap_err();
    assert_eq!(refusal(&e).0, StatusKind::Bad);
    let r = m
        .uid_search(None, &["RETURN (MIN MAX COUNT ALL)", "KEYWORD", "$Work"])
        .unwrap();
    let view = stored(m, "ESEARCH");
    let view = parse::esearch(&view).last().unwrap().unwrap();
    let (view_all, view_count, view_uid) = (view.all.clone(), view.count, view.uid);
    let found = typed::esearch(r, m.connection_mut()).unwrap();
    assert_eq!(
        (&found.all, found.count, found.uid),
        (&view_all, view_count, view_uid)
    );
    assert_eq!(
        (found.min, found.max, found.count),
        (Some(3), Some(3), Some(1))
    );
    assert!(found.uid);
    assert_eq!(stored(m, "ESEARCH").data, [Item::None], "popped");

    // ----- FETCH -------------------------------------------------------------------------
    let r = m
        .fetch("1:4", "(UID FLAGS ENVELOPE RFC822.SIZE BODY.PEEK[])")
        .unwrap();
    let imaplib = r.clone();
    let messages = typed::fetch(r).unwrap();
    let typed_messages: Vec<parse::Fetch<'_>> = messages.iter().collect::<Result<_, _>>().unwrap();
    let view: Vec<parse::Fetch<'_>> = parse::fetches(&imaplib).map(|f| f.unwrap()).collect();
    assert_eq!(typed_messages, view);
    assert_eq!(typed_messages.len(), 4);
    for (k, msg) in typed_messages.iter().enumerate() {
        assert_eq!((msg.seq, msg.uid()), (k as u32 + 1, Some(k as u32 + 1)));
        assert_eq!(msg.body().as_deref(), Some(&message(k)[..]));
        assert_eq!(msg.size(), Some(message(k).len() as u64));
        let flag = MESSAGES[k].0;
        let flags = msg.flags().unwrap();
        assert_eq!(flag.is_empty(), !flags.iter().any(|f| f.is(flag)));
        let env = msg.envelope().unwrap();
        let subject = env.subject_text().unwrap();
        assert!(
            ["Grüße 1", "plain 2", "Köln 3", "plain 4"].contains(&subject.as_str()),
            "{subject}"
        );
        assert_eq!(env.from[0].display_name().as_deref(), Some("Jörg"));
    }

    // ----- COPY, MOVE --------------------------------------------------------------------
    let r = m.copy("1", "Dest").unwrap();
    let view = stored_code(m, "COPYUID", |c| match c {
        Code::CopyUid { dest, .. } => Some(dest),
        _ => None,
    })
    .unwrap();
    let copied = typed::copy(r).unwrap().unwrap();
    assert_eq!(copied.dest, view);
    let dest_validity = doveadm_status(user, "Dest")["uidvalidity"] as u32;
    assert_eq!(copied.uid_validity, dest_validity);
    assert_eq!(copied.pairs().collect::<Vec<_>>(), [(1, 1)]);
    let e = typed::copy(m.copy("1", "Nope").unwrap()).unwrap_err();
    assert_eq!(refusal(&e), (StatusKind::No, Some("TRYCREATE".into())));

    let r = m.r#move("2", "Dest").unwrap();
    // Dovecot's COPYUID came in an untagged OK before the EXPUNGE.
    let view_copyuid = stored_code(m, "COPYUID", |c| match c {
        Code::CopyUid { source, dest, .. } => Some((source, dest)),
        _ => None,
    })
    .unwrap();
    let view_expunged: Vec<u32> = stored(m, "EXPUNGE")
        .lines()
        .map(|l| parse::parse_number(l).unwrap() as u32)
        .collect();
    let moved = typed::mv(r, m.connection_mut()).unwrap();
    let c = moved.copy_uid.unwrap();
    assert_eq!((&c.source, &c.dest), (&view_copyuid.0, &view_copyuid.1));
    assert_eq!(c.pairs().collect::<Vec<_>>(), [(2, 2)]);
    assert_eq!(moved.expunged.seqs, view_expunged);
    assert_eq!(moved.expunged.seqs, [2]);
    assert_eq!(doveadm_status(user, "Dest")["messages"], 2);
    assert_eq!(doveadm_status(user, "INBOX")["messages"], 3);

    // ----- STORE, EXPUNGE ----------------------------------------------------------------
    let stored_flags = typed::fetch(m.store("1", "+FLAGS", "(\\Deleted)").unwrap()).unwrap();
    let changed: Vec<_> = stored_flags.iter().map(|f| f.unwrap().seq).collect();
    assert_eq!(changed, [1]);
    let r = m.expunge().unwrap();
    let view: Vec<u32> = r
        .lines()
        .map(|l| parse::parse_number(l).unwrap() as u32)
        .collect();
    let expunged = typed::expunge(r, m.connection_mut()).unwrap();
    assert_eq!(expunged.seqs, view);
    assert_eq!(expunged.seqs, [1]);
    assert!(expunged.vanished.is_empty());

    // QRESYNC: VANISHED instead of EXPUNGE, HIGHESTMODSEQ in SELECT.
    typed::done(m.unselect().unwrap()).unwrap();
    let _ = m.enable("QRESYNC").unwrap();
    let r = m.select("INBOX", false).unwrap();
    let view = mailbox_view(m, &r);
    let inbox = typed::select(r, m.connection()).unwrap();
    assert_eq!(inbox, view);
    assert_eq!(inbox.exists, 2);
    assert_eq!(
        inbox.highest_modseq,
        Some(doveadm_status(user, "INBOX")["highestmodseq"])
    );
    let _ = m.uid_store("4", "+FLAGS.SILENT", "(\\Deleted)").unwrap();
    let r = m.uid_expunge("4").unwrap();
    let view = stored(m, "VANISHED");
    let view = parse::vanished(&view).last().unwrap().unwrap().uids;
    let expunged = typed::expunge(r, m.connection_mut()).unwrap();
    assert_eq!(expunged.vanished, view);
    assert_eq!(expunged.vanished.to_string(), "4");
    assert!(expunged.seqs.is_empty());
    assert_eq!(stored(m, "VANISHED").data, [Item::None], "popped");

    // ----- LIST, EXAMINE -----------------------------------------------------------------
    let r = m.list(None, None).unwrap();
    let view: Vec<(String, Vec<String>)> = parse::list(&r)
        .map(|l| {
            let l = l.unwrap();
            let attrs = l.attributes.iter().map(|a| a.to_string()).collect();
            (l.mailbox.decoded(), attrs)
        })
        .collect();
    let entries = typed::list(r, m.utf8_enabled()).unwrap();
    let got: Vec<(String, Vec<String>)> = entries
        .iter()
        .map(|e| (e.name.to_string(), e.attributes.clone()))
        .collect();
    assert_eq!(got, view);
    let mut names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Dest", "INBOX", "Sent", "日本語"]);
    let sent = entries.iter().find(|e| e.name == "Sent").unwrap();
    assert_eq!(sent.special_use(), Some(SpecialUse::Sent));
    assert!(entries.iter().all(|e| e.delimiter == Some('/')));
    let japanese = entries.iter().find(|e| e.name == "日本語").unwrap();
    let r = m.select(&japanese.name, true).unwrap();
    let examined = typed::select(r, m.connection()).unwrap();
    assert_eq!((examined.exists, examined.read_only), (0, true));
    assert_eq!(examined.permanent_flags, Some(vec![]));

    // ----- CAPABILITY --------------------------------------------------------------------
    let r = m.capability().unwrap();
    let view: Vec<String> = parse::capability(&r)
        .last()
        .unwrap()
        .unwrap()
        .list
        .iter()
        .map(|c| String::from_utf8_lossy(c).to_ascii_uppercase())
        .collect();
    let caps = typed::capability(r).unwrap();
    assert_eq!(caps.iter().collect::<Vec<_>>(), view);
    assert_eq!(caps, CapabilitySet::of(m.connection()));
    assert!(caps.has("MOVE") && caps.has("uidplus"));
}

#[test]
fn faces_agree_over_tcp() {
    let d = dovecot();
    let user = d.new_user();
    let mut m = Client::connect(d.host(), d.plain_port()).unwrap();
    let _ = m.login(user.name.as_str(), user.password.as_str()).unwrap();
    faces_agree(&mut m, &user);
    let _ = m.logout().unwrap();
}

#[test]
fn faces_agree_over_stdio() {
    let d = dovecot();
    let user = d.new_user();
    let mut m = Client::connect_stream(&d.stdio_command_for(&user.name)).unwrap();
    faces_agree(&mut m, &user);
    let _ = m.logout().unwrap();
}
