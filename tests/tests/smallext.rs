//! The smaller extensions (issue 12 part 4) against Dovecot, through the typed face of both
//! clients (blocking, and async under smol), over plain TCP and implicit TLS (MULTIAPPEND
//! over stdio too):
//!
//! * MULTIAPPEND (RFC 3502): three messages with their own flags and internal dates in one
//!   APPEND; the APPENDUID set covers them in order, and Dovecot holds exactly those flags
//!   and dates; a MULTIAPPEND to a missing mailbox is refused with `TRYCREATE` and stores
//!   nothing; an empty list is an argument error.
//! * LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), SPECIAL-USE (RFC 6154): `RETURN
//!   (CHILDREN SUBSCRIBED STATUS (…))` gives each mailbox its attributes and its STATUS,
//!   equal to a STATUS command's and to what was appended (none for the `\Noselect`
//!   parent); `(SUBSCRIBED)` selects the subscribed names only; several patterns; the
//!   `SPECIAL-USE` selection lists exactly the configured special-use mailboxes that
//!   exist, and the return option marks them; `RECURSIVEMATCH` alone is refused before
//!   sending; CREATE-SPECIAL-USE, not advertised by Dovecot, is refused by the client and
//!   creates nothing.
//! * ESEARCH (RFC 4731), SEARCHRES (RFC 5182), WITHIN (RFC 5032), ESORT (RFC 5267):
//!   `SEARCH RETURN (MIN MAX COUNT ALL)` and its variants (no match, `RETURN ()`, UID);
//!   `RETURN (SAVE)` then `$` as the set of FETCH and STORE (as `SequenceSet::saved()` and
//!   as the text `"$"`), SAVE with MIN saving only the minimum; `OLDER`/`YOUNGER` against
//!   internal dates; `SORT RETURN (ALL COUNT)` with ALL in sort order, and by UID; two
//!   SEARCH RETURN commands pipelined, each answer matched to its command by tag
//!   (`typed::esearch_for`), and the typed face not taking an answer left stored by an
//!   earlier command for its own.
//! * PREVIEW (RFC 8970), SAVEDATE (RFC 8514), STATUS=SIZE (RFC 8438): `PREVIEW` and
//!   `PREVIEW (LAZY)` give the message's text (a literal for non-ASCII), `SAVEDATE` the
//!   time it was saved (today, while its internal date is in 2020), `SAVEDSINCE`/
//!   `SAVEDON`/`SAVEDBEFORE` and `SAVEDATESUPPORTED` find by it; STATUS `SIZE` equals the
//!   sum of RFC822.SIZE, and `DELETED` is refused by Dovecot 2.3 with BAD.

use std::collections::BTreeSet;

use imaplib_blocking::proto::build::{
    AppendMessage, FetchAttr, Flag, ListOptions, Section, StatusItem,
};
use imaplib_blocking::proto::build::{SearchKey, SearchReturn, SortKey, StoreFlags};
use imaplib_blocking::proto::chrono::{DateTime, FixedOffset};
use imaplib_blocking::proto::typed::SpecialUse;
use imaplib_blocking::proto::{typed, Command, Error, Reason, SequenceSet};
use imaplib_integration_tests::dovecot::{dovecot, UserAccount};

fn message(k: u32) -> Vec<u8> {
    format!(
        "From: Alice <alice@example.org>\r\nSubject: message {k}\r\n\
         Message-ID: <{k}@smallext.example.org>\r\n\r\nBody {k}\r\n"
    )
    .into_bytes()
}

fn date(k: u32) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("2026-11-0{k}T12:30:00+01:00")).unwrap()
}

/// A new user with an empty mailbox `Box`.
fn fresh() -> UserAccount {
    let d = dovecot();
    let user = d.new_user();
    d.create_mailbox(&user.name, "Box");
    user
}

fn code(e: &Error) -> Option<String> {
    match e.reason() {
        Reason::Refused(r) => r.code_name().map(str::to_string),
        other => panic!("not a refusal: {other:?} ({e})"),
    }
}

fn flag_set<'a>(flags: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    flags.into_iter().map(str::to_string).collect()
}

macro_rules! scenarios {
    ([$($async:tt)*] [$($await:tt)*]) => {
        use super::*;

        pub $($async)* fn multiappend(m: &mut Client) {
            let bodies: Vec<Vec<u8>> = (1..=3).map(message).collect();
            let messages = [
                AppendMessage::new(&bodies[0]).flags([Flag::Seen]).date(date(1)),
                AppendMessage::new(&bodies[1]),
                AppendMessage::new(&bodies[2])
                    .flags([Flag::Flagged, Flag::keyword("$Work").unwrap()])
                    .date(date(3)),
            ];
            let mut imap = m.typed();
            assert!(imap.connection().has_capability("MULTIAPPEND"));
            let stored = imap.append_many("Box", &messages)$($await)*.unwrap().unwrap();
            assert_eq!(stored.uids.to_string(), "1:3");

            // All or none: a missing mailbox stores nothing.
            let e = imap.append_many("Missing", &messages)$($await)*.unwrap_err();
            assert_eq!(code(&e).as_deref(), Some("TRYCREATE"), "{e}");
            let e = imap.append_many("Box", &[])$($await)*.unwrap_err();
            assert!(matches!(e.reason(), Reason::Argument { .. }), "{e:?}");

            let status = imap.status_items("Box", "(MESSAGES UIDNEXT)")$($await)*.unwrap();
            assert_eq!((status.messages, status.uid_next), (Some(3), Some(4)));
            imap.select("Box")$($await)*.unwrap();
            let fetched = imap
                .uid_fetch(
                    1..=3,
                    [FetchAttr::uid(), FetchAttr::flags(), FetchAttr::internal_date(), FetchAttr::body_peek(Section::message())],
                )$($await)*
                .unwrap();
            let mut seen = Vec::new();
            for f in &fetched {
                let f = f.unwrap();
                let flags: BTreeSet<String> =
                    f.flags().unwrap().iter().map(|f| f.to_string()).filter(|f| f != "\\Recent").collect();
                seen.push((f.uid().unwrap(), flags, f.internal_date(), f.body().unwrap().into_owned()));
            }
            seen.sort_by_key(|s| s.0);
            assert_eq!(seen.len(), 3);
            assert_eq!(seen[0].1, flag_set(["\\Seen"]));
            assert_eq!(seen[1].1, flag_set([]));
            assert_eq!(seen[2].1, flag_set(["\\Flagged", "$Work"]));
            assert_eq!(seen[0].2, Some(date(1)));
            assert_eq!(seen[2].2, Some(date(3)));
            for (k, s) in seen.iter().enumerate() {
                assert_eq!(s.3, bodies[k], "message {}", k + 1);
            }
        }

        pub $($async)* fn extended_list(m: &mut Client, user: &UserAccount) {
            let d = dovecot();
            for name in ["Sent", "Archive", "Work/Projects"] {
                d.create_mailbox(&user.name, name);
            }
            for k in 1..=2 {
                d.append(&user.name, "Box", &["\\Seen"][..k as usize - 1], None, &message(k));
            }
            d.append(&user.name, "Work/Projects", &[], None, &message(3));
            // Work exists (created as a parent) but is not subscribed; Archive is unsubscribed.
            d.imap_as(&user.name, &[b"UNSUBSCRIBE Archive"]);

            let mut imap = m.typed();
            let items = [StatusItem::Messages, StatusItem::Unseen, StatusItem::UidNext, StatusItem::Size];
            let opts = ListOptions::new()
                .return_children()
                .return_subscribed()
                .return_status(items);
            assert_eq!(opts.to_string(), "RETURN (CHILDREN SUBSCRIBED STATUS (MESSAGES UNSEEN UIDNEXT SIZE))");
            let entries = imap.list_extended("", ["*"], &opts)$($await)*.unwrap();
            let names: BTreeSet<String> = entries.iter().map(|e| e.name.to_string()).collect();
            assert_eq!(names, flag_set(["INBOX", "Box", "Sent", "Archive", "Work", "Work/Projects"]));
            let entry = |name: &str| entries.iter().find(|e| e.name == name).unwrap().clone();
            assert_eq!(entry("Work").has_children(), Some(true));
            assert_eq!(entry("Work/Projects").has_children(), Some(false));
            assert!(entry("Box").is_subscribed());
            assert!(!entry("Archive").is_subscribed());
            // Every selectable mailbox has its STATUS, equal to a STATUS command's; the
            // parent Work (\Noselect in this layout) has none.
            assert!(!entry("Work").is_selectable());
            assert_eq!(entry("Work").status, None);
            for e in entries.iter().filter(|e| e.is_selectable()) {
                let listed = e.status.clone().unwrap_or_else(|| panic!("no STATUS for {e:?}"));
                let asked = imap
                    .status_items(e.name.as_str(), "(MESSAGES UNSEEN UIDNEXT SIZE)")$($await)*
                    .unwrap();
                assert_eq!(listed, asked, "{}", e.name);
            }
            let b = entry("Box").status.unwrap();
            assert_eq!((b.messages, b.unseen, b.uid_next), (Some(2), Some(1), Some(3)));
            assert_eq!(b.size, Some((message(1).len() + message(2).len()) as u64));
            assert_eq!(entry("Work/Projects").status.unwrap().messages, Some(1));
            assert_eq!(entry("Sent").status.unwrap().messages, Some(0));
            // Nothing is left behind in the store.
            assert!(imap.connection().untagged_responses().all(|(name, _)| name != "STATUS"));

            // Selection SUBSCRIBED: only the subscribed names.
            let subscribed = imap
                .list_extended("", ["*"], &ListOptions::new().select_subscribed())$($await)*
                .unwrap();
            let names: BTreeSet<String> = subscribed.iter().map(|e| e.name.to_string()).collect();
            assert!(subscribed.iter().all(|e| e.is_subscribed()), "{subscribed:?}");
            assert!(names.contains("Box") && names.contains("Sent") && names.contains("Work/Projects"), "{names:?}");
            assert!(!names.contains("Archive") && !names.contains("Work"), "{names:?}");

            // Several patterns.
            let two = imap.list_extended("", ["INBOX", "Box"], &ListOptions::new())$($await)*.unwrap();
            let names: BTreeSet<String> = two.iter().map(|e| e.name.to_string()).collect();
            assert_eq!(names, flag_set(["INBOX", "Box"]));

            // SPECIAL-USE: the selection lists the configured ones that exist; the return
            // option marks them among all.
            let special = imap
                .list_extended("", ["*"], &ListOptions::new().select_special_use())$($await)*
                .unwrap();
            let uses: std::collections::BTreeMap<String, Option<SpecialUse>> = special
                .iter()
                .map(|e| (e.name.to_string(), e.special_use()))
                .collect();
            assert_eq!(uses, [("Archive".to_string(), Some(SpecialUse::Archive)), ("Sent".to_string(), Some(SpecialUse::Sent))].into_iter().collect());
            let marked = imap
                .list_extended("", ["*"], &ListOptions::new().return_special_use())$($await)*
                .unwrap();
            assert_eq!(marked.len(), entries.len(), "{marked:?}");
            assert_eq!(marked.iter().filter(|e| e.special_use().is_some()).count(), 2);

            // RECURSIVEMATCH alone is not a valid command: nothing is sent.
            let e = imap
                .list_extended("", ["*"], &ListOptions::new().select_recursive_match())$($await)*
                .unwrap_err();
            assert!(matches!(e.reason(), Reason::Argument { .. }), "{e:?}");

            // CREATE-SPECIAL-USE: Dovecot does not advertise it (and would store nothing):
            // refused by the client, nothing created.
            assert!(!imap.connection().has_capability("CREATE-SPECIAL-USE"));
            let e = imap.create_special_use("Junk", &[SpecialUse::Junk])$($await)*.unwrap_err();
            assert!(matches!(e.reason(), Reason::Unsupported { capability } if capability == "CREATE-SPECIAL-USE"), "{e:?}");
            assert!(imap.list("", "Junk")$($await)*.unwrap().is_empty());
            imap.noop()$($await)*.unwrap();
        }

        pub $($async)* fn extended_search(m: &mut Client, user: &UserAccount) {
            let d = dovecot();
            // Subjects in reverse alphabetical order; message 1 is years old.
            let subjects = ["delta", "charlie", "bravo", "alpha"];
            for (k, subject) in subjects.iter().enumerate() {
                let body = format!("From: a@example.org\r\nSubject: {subject}\r\n\r\nBody\r\n");
                let flags: &[&str] = if k % 2 == 0 { &["\\Seen"] } else { &[] };
                let date = (k == 0).then_some("01-Jan-2020 10:00:00 +0000");
                d.append(&user.name, "Box", flags, date, body.as_bytes());
            }
            let mut imap = m.typed();
            for cap in ["ESEARCH", "SEARCHRES", "ESORT", "WITHIN"] {
                assert!(imap.connection().has_capability(cap), "{cap}");
            }
            imap.select("Box")$($await)*.unwrap();

            // ESEARCH.
            let all = SearchReturn::new().min().max().count().all();
            let r = imap.esearch(&SearchKey::all(), &all)$($await)*.unwrap();
            assert_eq!((r.uid, r.min, r.max, r.count), (false, Some(1), Some(4), Some(4)));
            assert_eq!(r.all.unwrap().to_string(), "1:4");
            let r = imap.esearch(&SearchKey::unseen(), &SearchReturn::new().count())$($await)*.unwrap();
            assert_eq!((r.count, r.min, r.all), (Some(2), None, None));
            let r = imap.esearch(&SearchKey::subject("nothing"), &all)$($await)*.unwrap();
            assert_eq!((r.count, r.min, r.max, r.all), (Some(0), None, None, None));
            let r = imap.esearch(&SearchKey::seen(), &SearchReturn::new())$($await)*.unwrap();
            assert_eq!(r.all.unwrap().iter().collect::<Vec<_>>(), [1, 3]);
            let r = imap.uid_esearch(&SearchKey::seen(), &SearchReturn::new().min().max())$($await)*.unwrap();
            assert_eq!((r.uid, r.min, r.max), (true, Some(1), Some(3)));

            // SEARCHRES: SAVE sends no ESEARCH; `$` is the result.
            let r = imap.esearch(&SearchKey::unseen(), &SearchReturn::new().save())$($await)*.unwrap();
            assert_eq!(r, Default::default());
            let fetched = imap.fetch(SequenceSet::saved(), [FetchAttr::uid()])$($await)*.unwrap();
            let mut uids: Vec<u32> = fetched.iter().map(|f| f.unwrap().uid().unwrap()).collect();
            uids.sort();
            assert_eq!(uids, [2, 4]);
            imap.store("$", &StoreFlags::add([Flag::Flagged]).silent())$($await)*.unwrap();
            let flagged = imap.search(&SearchKey::flagged())$($await)*.unwrap();
            assert_eq!(flagged.iter().collect::<Vec<_>>(), [2, 4]);
            // SAVE with MIN saves the minimum only.
            let r = imap.esearch(&SearchKey::unseen(), &SearchReturn::new().min().save())$($await)*.unwrap();
            assert_eq!(r.min, Some(2));
            let fetched = imap.uid_fetch("$", [FetchAttr::uid()])$($await)*.unwrap();
            let uids: Vec<u32> = fetched.iter().map(|f| f.unwrap().uid().unwrap()).collect();
            assert_eq!(uids, [2]);

            // WITHIN: message 1's internal date is in 2020.
            let old = imap.search(&SearchKey::older(24 * 3600))$($await)*.unwrap();
            assert_eq!(old.iter().collect::<Vec<_>>(), [1]);
            let young = imap.search(&SearchKey::younger(24 * 3600))$($await)*.unwrap();
            assert_eq!(young.iter().collect::<Vec<_>>(), [2, 3, 4]);
            assert!(imap.search(&SearchKey::older(0))$($await)*.is_err());

            // ESORT: ALL in sort order (the subjects run backwards).
            let r = imap
                .esort(&[SortKey::Subject.into()], &SearchKey::all(), &SearchReturn::new().all().count())$($await)*
                .unwrap();
            assert_eq!(r.count, Some(4));
            assert_eq!(r.all.unwrap().iter().collect::<Vec<_>>(), [4, 3, 2, 1]);
            let r = imap
                .uid_esort(&[SortKey::Subject.into()], &SearchKey::seen(), &SearchReturn::new().all())$($await)*
                .unwrap();
            assert!(r.uid);
            assert_eq!(r.all.unwrap().iter().collect::<Vec<_>>(), [3, 1]);
            // Nothing left behind for the imaplib face.
            assert!(imap.connection().untagged_responses().all(|(name, _)| name != "ESEARCH"));

            // Pipelined: two SEARCH RETURN commands in flight at once, both answers stored
            // by the time the first reply is read; each command gets the ESEARCH with its
            // own tag.
            let all = SearchReturn::new().all();
            let seen = m.submit(Command::search_return(&SearchKey::seen(), &all).unwrap()).unwrap();
            let unseen = m
                .submit(Command::search_return(&SearchKey::unseen(), &all.clone().count()).unwrap())
                .unwrap();
            let tags = [seen, unseen].map(|id| m.connection().command_tag(id).unwrap());
            let second = m.wait(unseen)$($await)*.unwrap();
            let first = m.wait(seen)$($await)*.unwrap();
            let a = typed::esearch_for(&tags[0], first, m.connection_mut()).unwrap();
            assert_eq!(a.tag.as_deref(), Some(tags[0].as_str()));
            assert_eq!((a.all.unwrap().iter().collect::<Vec<_>>(), a.count), (vec![1, 3], None));
            let b = typed::esearch_for(&tags[1], second, m.connection_mut()).unwrap();
            assert_eq!(b.tag.as_deref(), Some(tags[1].as_str()));
            assert_eq!((b.all.unwrap().iter().collect::<Vec<_>>(), b.count), (vec![2, 4], Some(2)));
            assert!(m.connection().untagged_responses().all(|(name, _)| name != "ESEARCH"));

            // An answer left stored by a command run on the imaplib face is not taken for a
            // later typed command's: SAVE alone is answered with no ESEARCH, and the typed
            // face matches by tag (it took the last answer stored, this one, before).
            let stale = m.run(Command::search_return(&SearchKey::seen(), &all).unwrap())$($await)*.unwrap();
            assert_eq!(stale.typ, "OK");
            let r = m.typed().esearch(&SearchKey::unseen(), &SearchReturn::new().save())$($await)*.unwrap();
            assert_eq!(r, Default::default());
            let left = m.connection_mut().response("ESEARCH");
            assert_eq!(left.data.len(), 1, "{left:?}");
        }

        pub $($async)* fn preview_and_savedate(m: &mut Client, user: &UserAccount) {
            let d = dovecot();
            let texts = ["Hello world, plain ASCII.", "Grüße aus Köln!"];
            for (k, text) in texts.iter().enumerate() {
                let body = format!(
                    "From: a@example.org\r\nSubject: p{k}\r\nMIME-Version: 1.0\r\n\
                     Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"
                );
                d.append(&user.name, "Box", &[], Some("01-Jan-2020 10:00:00 +0000"), body.as_bytes());
            }
            let mut imap = m.typed();
            for cap in ["PREVIEW", "SAVEDATE", "STATUS=SIZE"] {
                assert!(imap.connection().has_capability(cap), "{cap}");
            }

            // STATUS SIZE is the sum of the messages' sizes; DELETED is not Dovecot 2.3's.
            let status = imap.status_items("Box", "(MESSAGES SIZE)")$($await)*.unwrap();
            imap.select("Box")$($await)*.unwrap();
            let sizes = imap.fetch(1..=2, [FetchAttr::rfc822_size()])$($await)*.unwrap();
            let total: u64 = sizes.iter().map(|f| f.unwrap().size().unwrap()).sum();
            assert_eq!((status.messages, status.size), (Some(2), Some(total)));
            let e = imap.status_items("INBOX", "(DELETED)")$($await)*.unwrap_err();
            assert!(matches!(e.reason(), Reason::Refused(r) if r.status() == imaplib_blocking::proto::parse::StatusKind::Bad), "{e:?}");

            for attr in [FetchAttr::preview(), FetchAttr::preview_lazy()] {
                let fetched = imap.uid_fetch(1..=2, [FetchAttr::uid(), attr, FetchAttr::save_date()])$($await)*.unwrap();
                assert_eq!(fetched.len(), 2);
                let today = imaplib_blocking::proto::chrono::Utc::now().date_naive();
                for f in &fetched {
                    let f = f.unwrap();
                    let k = f.uid().unwrap() as usize - 1;
                    assert_eq!(f.preview().unwrap().as_deref(), Some(texts[k]), "{f:?}");
                    let saved = f.save_date().unwrap().unwrap();
                    assert!((saved.date_naive() - today).num_days().abs() <= 1, "{saved}");
                }
            }

            // The SAVEDATE search keys look at the save date, not the internal date.
            let today = imaplib_blocking::proto::chrono::Utc::now().date_naive();
            let yesterday = today.pred_opt().unwrap();
            let tomorrow = today.succ_opt().unwrap();
            let all = |s: SequenceSet| s.iter().collect::<Vec<_>>();
            assert_eq!(all(imap.search(&SearchKey::saved_since(yesterday))$($await)*.unwrap()), [1, 2]);
            assert_eq!(all(imap.search(&SearchKey::saved_before(tomorrow))$($await)*.unwrap()), [1, 2]);
            assert!(imap.search(&SearchKey::saved_before(yesterday))$($await)*.unwrap().is_empty());
            let on = all(imap.search(&SearchKey::saved_on(today))$($await)*.unwrap());
            let on_yesterday = all(imap.search(&SearchKey::saved_on(yesterday))$($await)*.unwrap());
            assert_eq!(on.len() + on_yesterday.len(), 2); // a run just after midnight
            assert_eq!(all(imap.search(&SearchKey::save_date_supported())$($await)*.unwrap()), [1, 2]);
            assert!(imap.search(&SearchKey::since(yesterday))$($await)*.unwrap().is_empty());
        }
    };
}

mod blocking {
    use imaplib_blocking::Client;
    use imaplib_integration_tests::connect::{blocking as connect, Transport};

    scenarios!([][]);

    #[test]
    fn multiappend_over_tcp_and_tls() {
        for t in [Transport::Tcp, Transport::Tls] {
            multiappend(&mut connect(&fresh(), t));
        }
    }

    #[test]
    fn extended_list_over_tcp_and_tls() {
        for t in [Transport::Tcp, Transport::Tls] {
            let user = fresh();
            extended_list(&mut connect(&user, t), &user);
        }
    }

    #[test]
    fn extended_search_over_tcp_and_tls() {
        for t in [Transport::Tcp, Transport::Tls] {
            let user = fresh();
            extended_search(&mut connect(&user, t), &user);
        }
    }

    #[test]
    fn preview_and_savedate_over_tcp_and_tls() {
        for t in [Transport::Tcp, Transport::Tls] {
            let user = fresh();
            preview_and_savedate(&mut connect(&user, t), &user);
        }
    }

    #[test]
    fn multiappend_over_stdio() {
        let user = fresh();
        let mut m = Client::connect_stream(&dovecot().stdio_command_for(&user.name)).unwrap();
        multiappend(&mut m);
    }
}

mod on_smol {
    use imaplib_async::smol::Client;
    use imaplib_integration_tests::connect::{smol as connect, Transport};

    scenarios!([async][.await]);

    #[test]
    fn multiappend_over_tcp_and_tls() {
        smol::block_on(async {
            for t in [Transport::Tcp, Transport::Tls] {
                multiappend(&mut connect(&fresh(), t).await).await;
            }
        });
    }

    #[test]
    fn extended_list_over_tcp_and_tls() {
        smol::block_on(async {
            for t in [Transport::Tcp, Transport::Tls] {
                let user = fresh();
                extended_list(&mut connect(&user, t).await, &user).await;
            }
        });
    }

    #[test]
    fn extended_search_over_tcp_and_tls() {
        smol::block_on(async {
            for t in [Transport::Tcp, Transport::Tls] {
                let user = fresh();
                extended_search(&mut connect(&user, t).await, &user).await;
            }
        });
    }

    #[test]
    fn preview_and_savedate_over_tcp_and_tls() {
        smol::block_on(async {
            for t in [Transport::Tcp, Transport::Tls] {
                let user = fresh();
                preview_and_savedate(&mut connect(&user, t).await, &user).await;
            }
        });
    }
}
