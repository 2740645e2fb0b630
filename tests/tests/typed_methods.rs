//! Every method of the typed face (`client.typed()`), against Dovecot, for both clients.
//!
//! The scenarios are written once ([`typed_scenarios!`]) and expanded for the blocking
//! client (`blocking::…`) and for the async client under smol, async-std and tokio
//! (`async_client::on_smol::…`, `on_async_std::…`, `on_tokio::…`; tokio runs each body in
//! `tokio::spawn` on a multi-threaded runtime, so the typed futures must be `Send`). Each
//! run uses a user of its own, so runs are independent and go in parallel:
//!
//! * `every_method_over_tcp`: plain TCP, CAPABILITY before login, a refused LOGIN
//!   (`AUTHENTICATIONFAILED`), LOGIN, then [`every_method`];
//! * `every_method_over_stdio`: Dovecot's pre-authenticated IMAP on stdio, then
//!   [`every_method`];
//! * `authenticate_over_tcp`: AUTHENTICATE PLAIN refused, then accepted;
//! * `enable_returns_what_the_server_enabled`: ENABLE's `* ENABLED` list, each time only
//!   what that ENABLE enabled.
//!
//! [`every_method`] runs every other typed method once or more, and checks each value
//! against what the test sent (appended messages, their flags and UIDs) and against what
//! Dovecot holds (`doveadm mailbox list/status`, `doveadm fetch`), each refusal as a typed
//! error with the server's response code, and that an empty set sends nothing.

use std::collections::{BTreeMap, BTreeSet};

use imaplib_integration_tests::dovecot::{dovecot, UserAccount};
use imaplib_proto::auth::Plain;
use imaplib_proto::build::{FetchAttr, Flag, SearchKey, Section, StoreFlags};
use imaplib_proto::chrono::{DateTime, FixedOffset};
use imaplib_proto::parse::{self, StatusKind};
use imaplib_proto::typed::{CapabilitySet, Moved, SpecialUse};
use imaplib_proto::{Command, Config, Error, Reason, State};

/// The messages appended to INBOX: flags and subject (the second one an encoded word).
const MESSAGES: [(&[&str], &str); 4] = [
    (&["\\Seen"], "Lunch on Thursday"),
    (&[], "Grüße aus Köln"),
    (&["\\Flagged", "$Work"], "Quarterly report"),
    (&["\\Draft"], "Draft reply"),
];

/// Message `k` (0-based) of [`MESSAGES`], CRLF line ends.
fn message(k: usize) -> Vec<u8> {
    let subject = match k {
        1 => "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=".to_string(),
        _ => MESSAGES[k].1.to_string(),
    };
    format!(
        "From: Jane Doe <jane@example.org>\r\nTo: bob@example.org\r\nSubject: {subject}\r\n\
         Message-ID: <{k}@example.org>\r\n\r\nBody of message {k}.\r\n"
    )
    .into_bytes()
}

/// The flags of message `k` for APPEND.
fn flags_of(k: usize) -> Vec<Flag> {
    MESSAGES[k].0.iter().map(|f| f.parse().unwrap()).collect()
}

/// The flags of message `k` as a set of names.
fn flag_names(k: usize) -> BTreeSet<String> {
    MESSAGES[k].0.iter().map(|f| f.to_string()).collect()
}

/// The internal date APPEND gives the first message.
fn internal_date() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-05T12:30:00+01:00").unwrap()
}

/// The refusal an error carries: `NO`/`BAD` and the response code's name.
fn refused(e: &Error) -> (StatusKind, Option<String>) {
    match e.reason() {
        Reason::Refused(r) => (r.status(), r.code_name().map(str::to_string)),
        other => panic!("not a refusal: {other:?} ({e})"),
    }
}

/// The text of a refusal.
fn refusal_text(e: &Error) -> &str {
    match e.reason() {
        Reason::Refused(r) => r.text(),
        other => panic!("not a refusal: {other:?} ({e})"),
    }
}

fn no(code: &str) -> (StatusKind, Option<String>) {
    (StatusKind::No, Some(code.to_string()))
}

/// A set of names.
fn names<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    names.into_iter().map(str::to_string).collect()
}

/// FETCH flags as names, without `\Recent` (which is per session, and not in doveadm's).
fn flag_set(flags: parse::FlagList<'_>) -> BTreeSet<String> {
    flags
        .iter()
        .filter(|f| !f.is("\\Recent"))
        .map(|f| f.to_string())
        .collect()
}

/// The uids left after removing `seqs` (EXPUNGE sequence numbers, each relative to the
/// mailbox after the ones before it) from a mailbox holding `uids`.
fn after_expunges(mut uids: Vec<u32>, seqs: &[u32]) -> Vec<u32> {
    for &seq in seqs {
        assert!(seq >= 1 && seq as usize <= uids.len(), "{seq} in {uids:?}");
        uids.remove(seq as usize - 1);
    }
    uids
}

fn doveadm_ok(args: &[&str]) -> String {
    let out = dovecot().doveadm(args);
    assert!(out.status.success(), "doveadm {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// `doveadm mailbox status` of a mailbox: messages, unseen, uidnext, uidvalidity,
/// highestmodseq, vsize.
fn doveadm_status(user: &str, mailbox: &str) -> BTreeMap<String, u64> {
    let fields = "messages unseen uidnext uidvalidity highestmodseq vsize";
    let args = [
        "-f", "flow", "mailbox", "status", "-u", user, fields, mailbox,
    ];
    doveadm_ok(&args)
        .split_whitespace()
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect()
}

/// `doveadm mailbox list` (`subscribed`: with `-s`).
fn doveadm_mailboxes(user: &str, subscribed: bool) -> BTreeSet<String> {
    let mut args = vec!["mailbox", "list", "-u", user];
    if subscribed {
        args.insert(2, "-s");
    }
    doveadm_ok(&args).lines().map(str::to_string).collect()
}

/// `doveadm fetch "uid flags"`: each message's flags by UID.
fn doveadm_flags(user: &str, mailbox: &str) -> BTreeMap<u32, BTreeSet<String>> {
    let out = doveadm_ok(&["fetch", "-u", user, "uid flags", "mailbox", mailbox]);
    let mut flags = BTreeMap::new();
    let mut uid = None;
    for line in out.lines() {
        if let Some(n) = line.strip_prefix("uid: ") {
            uid = Some(n.trim().parse::<u32>().unwrap());
        } else if let Some(list) = line.strip_prefix("flags:") {
            let set: BTreeSet<String> = list
                .split_whitespace()
                .filter(|f| *f != "\\Recent")
                .map(str::to_string)
                .collect();
            flags.insert(uid.take().expect("uid before flags"), set);
        }
    }
    flags
}

/// Expands to the scenarios for one client kind: `[async] [.await] [generics] [client]`,
/// or `[] [] [] [client]` for the blocking client.
macro_rules! typed_scenarios {
    ([$($async:tt)*] [$($await:tt)*] [$($g:tt)*] [$client:ty]) => {
        /// A NOOP through the imaplib face (`Typed::client`); the number of its tag.
        $($async)* fn noop_tag<$($g)*>(m: &mut $client) -> u64 {
            let id = m.submit(Command::noop()).unwrap();
            let tag = m.connection().command_tag(id).expect("a pending command has a tag");
            let prefix = String::from_utf8(m.connection().tag_prefix().to_vec()).unwrap();
            let r = m.wait(id)$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
            tag.strip_prefix(prefix.as_str()).unwrap().parse().unwrap()
        }

        /// The flags of every message of the selected mailbox, by UID, as UID FETCH 1:*
        /// returns them.
        $($async)* fn fetched_flags<$($g)*>(m: &mut $client) -> BTreeMap<u32, BTreeSet<String>> {
            let messages = m
                .typed()
                .uid_fetch(1.., [FetchAttr::uid(), FetchAttr::flags()])$($await)*
                .unwrap();
            let mut flags = BTreeMap::new();
            for msg in &messages {
                let msg = msg.unwrap();
                flags.insert(msg.uid().unwrap(), flag_set(msg.flags().unwrap()));
            }
            flags
        }

        /// Plain TCP: CAPABILITY before login, a refused LOGIN, LOGIN, every method.
        pub $($async)* fn tcp_scenario<$($g)*>(user: &UserAccount) {
            let d = dovecot();
            let mut m = <$client>::connect(d.host(), d.plain_port())$($await)*.unwrap();
            let mut t = m.typed();
            assert_eq!(t.connection().state(), State::NonAuth);
            let caps = t.capabilities()$($await)*.unwrap();
            assert!(caps.has("IMAP4rev1") && caps.has("auth=plain"), "{caps:?}");
            assert!(caps.values("AUTH").any(|v| v == "CRAM-MD5"), "{caps:?}");
            assert!(!caps.has("MOVE"), "MOVE is announced after login only: {caps:?}");
            assert_eq!(caps, CapabilitySet::of(t.connection()));

            let e = t.login(user.name.as_str(), "wrong password")$($await)*.unwrap_err();
            assert_eq!(refused(&e), no("AUTHENTICATIONFAILED"), "{e}");
            assert_eq!(t.connection().state(), State::NonAuth);
            t.login(user.name.as_str(), user.password.as_str())$($await)*.unwrap();
            assert_eq!(t.connection().state(), State::Auth);
            every_method(&mut m, user)$($await)*;
        }

        /// Dovecot's pre-authenticated IMAP on stdio, every method.
        pub $($async)* fn stdio_scenario<$($g)*>(user: &UserAccount) {
            let d = dovecot();
            let process = d.stdio_process(&user.name);
            let mut m = <$client>::connect_process(process, &Config::default())$($await)*.unwrap();
            every_method(&mut m, user)$($await)*;
        }

        /// AUTHENTICATE PLAIN with a wrong password, then the right one.
        pub $($async)* fn authenticate_scenario<$($g)*>(user: &UserAccount) {
            let d = dovecot();
            let mut m = <$client>::connect(d.host(), d.plain_port())$($await)*.unwrap();
            let mut t = m.typed();
            let wrong = Plain::new(&user.name, "wrong password").unwrap();
            let e = t.authenticate("PLAIN", wrong)$($await)*.unwrap_err();
            assert_eq!(refused(&e), no("AUTHENTICATIONFAILED"), "{e}");
            assert_eq!(t.connection().state(), State::NonAuth);
            let right = Plain::new(&user.name, &user.password).unwrap();
            t.authenticate("PLAIN", right)$($await)*.unwrap();
            assert_eq!(t.connection().state(), State::Auth);
            let st = t.status("INBOX")$($await)*.unwrap();
            assert_eq!(st.messages, Some(0));
            t.logout()$($await)*.unwrap();
            assert_eq!(t.connection().state(), State::Logout);
        }

        /// ENABLE returns what the server's `ENABLED` response names.
        pub $($async)* fn enable_scenario<$($g)*>(user: &UserAccount) {
            let d = dovecot();
            let process = d.stdio_process(&user.name);
            let mut m = <$client>::connect_process(process, &Config::default())$($await)*.unwrap();
            let mut t = m.typed();
            let enabled = t.enable("CONDSTORE")$($await)*.unwrap();
            assert_eq!(enabled, ["CONDSTORE"]);
            let enabled = t.enable("QRESYNC")$($await)*.unwrap();
            assert_eq!(enabled, ["QRESYNC"]);
            t.logout()$($await)*.unwrap();
        }

        /// Every typed method but LOGIN and AUTHENTICATE, on a client authenticated as
        /// `user` (whose INBOX is empty); ends with LOGOUT.
        pub $($async)* fn every_method<$($g)*>(m: &mut $client, user: &UserAccount) {
            let d = dovecot();
            let u = user.name.as_str();
            let mut t = m.typed();
            assert_eq!(t.connection().state(), State::Auth);

            // ----- CAPABILITY ----------------------------------------------------------
            let caps = t.capabilities()$($await)*.unwrap();
            for name in ["IMAP4rev1", "MOVE", "UIDPLUS", "CONDSTORE", "ENABLE", "SPECIAL-USE"] {
                assert!(caps.has(name), "{name}: {caps:?}");
            }
            assert!(!caps.has("MOV") && !caps.has("XYZZY"), "{caps:?}");
            assert!(caps.iter().any(|c| c == "IMAP4REV1"), "upper case: {caps:?}");
            assert_eq!(caps, CapabilitySet::of(t.connection()));

            // ----- CREATE, RENAME, DELETE ----------------------------------------------
            for name in ["Dest", "Archive", "Sent", "Entwürfe", "Tmp"] {
                t.create(name)$($await)*.unwrap();
            }
            let e = t.create("Dest")$($await)*.unwrap_err();
            assert_eq!(refused(&e), no("ALREADYEXISTS"), "{e}");
            t.rename("Tmp", "Tmp2")$($await)*.unwrap();
            let all = ["Archive", "Dest", "Entwürfe", "INBOX", "Sent"];
            let with_tmp2 = names(all.into_iter().chain(["Tmp2"]));
            assert_eq!(doveadm_mailboxes(u, false), with_tmp2);
            t.delete("Tmp2")$($await)*.unwrap();
            assert_eq!(doveadm_mailboxes(u, false), names(all));
            let e = t.delete("Tmp2")$($await)*.unwrap_err();
            assert_eq!(refused(&e), no("NONEXISTENT"), "{e}");
            let e = t.rename("Tmp2", "Tmp3")$($await)*.unwrap_err();
            assert_eq!(refused(&e).0, StatusKind::No, "{e}");
            assert_eq!(doveadm_mailboxes(u, false), names(all));

            // ----- SUBSCRIBE, UNSUBSCRIBE, LSUB ----------------------------------------
            t.subscribe("Dest")$($await)*.unwrap();
            t.subscribe("Entwürfe")$($await)*.unwrap();
            let lsub = t.lsub("", "*")$($await)*.unwrap();
            let lsub: BTreeSet<String> = lsub.iter().map(|e| e.name.to_string()).collect();
            assert_eq!(lsub, names(["Dest", "Entwürfe"]));
            assert_eq!(lsub, doveadm_mailboxes(u, true));
            t.unsubscribe("Dest")$($await)*.unwrap();
            let lsub = t.lsub("", "*")$($await)*.unwrap();
            let lsub: BTreeSet<String> = lsub.iter().map(|e| e.name.to_string()).collect();
            assert_eq!(lsub, names(["Entwürfe"]));
            assert_eq!(lsub, doveadm_mailboxes(u, true));

            // ----- LIST ----------------------------------------------------------------
            let entries = t.list("", "*")$($await)*.unwrap();
            let listed: BTreeSet<String> = entries.iter().map(|e| e.name.to_string()).collect();
            assert_eq!(listed, names(all));
            assert_eq!(listed, doveadm_mailboxes(u, false));
            assert_eq!(entries.len(), all.len(), "{entries:?}");
            let entry = |name: &str| entries.iter().find(|e| e.name == name).unwrap();
            assert!(entries.iter().all(|e| e.delimiter == Some('/')), "{entries:?}");
            assert!(entries.iter().all(|e| e.is_selectable()), "{entries:?}");
            assert_eq!(entry("Entwürfe").name.raw(), b"Entw&APw-rfe");
            assert_eq!(entry("Sent").special_use(), Some(SpecialUse::Sent));
            assert_eq!(entry("Archive").special_use(), Some(SpecialUse::Archive));
            assert_eq!(entry("Dest").special_use(), None);
            assert!(entry("INBOX").name.is_inbox());
            assert_eq!(entry("Dest").has_children(), Some(false));
            let only = t.list("", "Entw%")$($await)*.unwrap();
            assert_eq!(only.len(), 1, "{only:?}");
            let entwurfe = only[0].name.clone();
            assert_eq!(entwurfe, "Entwürfe");
            // A non-ASCII pattern is encoded by the command.
            let same = t.list("", "Entwürfe")$($await)*.unwrap();
            assert_eq!(same, only);
            // The name as listed opens the mailbox.
            let examined = t.examine(&entwurfe)$($await)*.unwrap();
            assert_eq!((examined.exists, examined.read_only), (0, true));
            t.unselect()$($await)*.unwrap();
            assert_eq!(t.connection().state(), State::Auth);

            // ----- APPEND --------------------------------------------------------------
            let validity = doveadm_status(u, "INBOX")["uidvalidity"] as u32;
            let mut model: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
            let mut uids = Vec::new();
            for k in 0..MESSAGES.len() {
                let date = (k == 0).then(internal_date);
                let appended = t
                    .append("INBOX", &flags_of(k), date, &message(k))$($await)*
                    .unwrap()
                    .expect("Dovecot sends APPENDUID");
                assert_eq!(appended.uid_validity, validity);
                assert_eq!(appended.uid(), Some(k as u32 + 1));
                assert_eq!(appended.uids.to_string(), (k + 1).to_string());
                uids.push(appended.uid().unwrap());
                model.insert(appended.uid().unwrap(), flag_names(k));
            }
            assert_eq!(doveadm_flags(u, "INBOX"), model);
            let e = t.append("Nope", &[], None, &message(0))$($await)*.unwrap_err();
            assert_eq!(refused(&e), no("TRYCREATE"), "{e}");
            let appended = t
                .append(&entwurfe, &[Flag::Draft], None, &message(3))$($await)*
                .unwrap()
                .unwrap();
            let entwurfe_status = doveadm_status(u, "Entwürfe");
            assert_eq!(
                (appended.uid_validity as u64, appended.uid()),
                (entwurfe_status["uidvalidity"], Some(1))
            );
            assert_eq!(entwurfe_status["messages"], 1);

            // ----- STATUS --------------------------------------------------------------
            let truth = doveadm_status(u, "INBOX");
            let st = t.status("INBOX")$($await)*.unwrap();
            assert_eq!(st.mailbox, "INBOX");
            assert_eq!(
                (st.messages, st.unseen, st.uid_next, st.uid_validity),
                (Some(4), Some(3), Some(5), Some(validity))
            );
            assert_eq!(st.messages.map(u64::from), Some(truth["messages"]));
            assert_eq!(st.unseen.map(u64::from), Some(truth["unseen"]));
            assert_eq!(st.uid_next.map(u64::from), Some(truth["uidnext"]));
            assert_eq!(st.uid_validity.map(u64::from), Some(truth["uidvalidity"]));
            assert!(st.recent.is_some(), "{st:?}");
            assert_eq!((st.size, st.highest_modseq), (None, None), "not asked for");
            // (Not HIGHESTMODSEQ yet: asking for it enables CONDSTORE, RFC 7162.)
            let st = t.status_items("INBOX", "(MESSAGES SIZE)")$($await)*.unwrap();
            let size: usize = (0..MESSAGES.len()).map(|k| message(k).len()).sum();
            assert_eq!(st.size, Some(size as u64));
            assert_eq!(st.size, Some(truth["vsize"]));
            assert_eq!((st.messages, st.unseen, st.uid_next), (Some(4), None, None));
            assert_eq!(st.highest_modseq, None);
            assert!(st.other.is_empty(), "{st:?}");
            let st = t.status(&entwurfe)$($await)*.unwrap();
            assert_eq!((st.mailbox.as_str(), st.messages), ("Entwürfe", Some(1)));
            let e = t.status_items("INBOX", "(BOGUS)")$($await)*.unwrap_err();
            assert_eq!(refused(&e).0, StatusKind::Bad, "{e}");
            let e = t.status("Nope")$($await)*.unwrap_err();
            assert_eq!(refused(&e).0, StatusKind::No, "{e}");

            // ----- EXAMINE, SELECT of a missing mailbox, ENABLE, SELECT ----------------
            let examined = t.examine("INBOX")$($await)*.unwrap();
            assert!(examined.read_only);
            assert_eq!((examined.exists, examined.uid_validity), (4, Some(validity)));
            assert_eq!(examined.highest_modseq, None, "CONDSTORE is not enabled yet");
            assert_eq!(examined.permanent_flags, Some(vec![]), "read-only");
            assert!(!examined.new_keywords_allowed);
            assert!(t.connection().is_readonly());
            assert_eq!(t.connection().state(), State::Selected);
            // Dovecot 2.3 answers SELECT of a missing mailbox with a bare NO (its DELETE
            // and RENAME say NONEXISTENT).
            let e = t.select("Nope")$($await)*.unwrap_err();
            let (status, code) = refused(&e);
            assert_eq!(status, StatusKind::No, "{e}");
            assert!(code.is_none() || code.as_deref() == Some("NONEXISTENT"), "{e}");
            assert!(refusal_text(&e).starts_with("Mailbox doesn't exist: Nope"), "{e}");
            assert_eq!(t.connection().state(), State::Auth, "no mailbox selected");
            // What ENABLE returns: see `enable_returns_what_the_server_enabled`.
            t.enable("CONDSTORE")$($await)*.unwrap();
            let inbox = t.select("INBOX")$($await)*.unwrap();
            let truth = doveadm_status(u, "INBOX");
            assert_eq!(inbox.exists as u64, truth["messages"]);
            assert_eq!(inbox.exists, 4);
            assert_eq!(inbox.uid_validity.map(u64::from), Some(truth["uidvalidity"]));
            assert_eq!(inbox.uid_next.map(u64::from), Some(truth["uidnext"]));
            assert_eq!(inbox.first_unseen, Some(2));
            assert_eq!(inbox.highest_modseq, Some(truth["highestmodseq"]));
            assert!(!inbox.read_only && !inbox.no_modseq && inbox.new_keywords_allowed);
            assert!(inbox.recent.is_some(), "{inbox:?}");
            for flag in ["\\Seen", "\\Deleted", "$Work"] {
                assert!(inbox.flags.iter().any(|f| f == flag), "{flag}: {inbox:?}");
                let permanent = inbox.permanent_flags.as_ref().unwrap();
                assert!(permanent.iter().any(|f| f == flag), "{flag}: {inbox:?}");
            }
            assert!(!t.connection().is_readonly());
            assert_eq!(t.connection().state(), State::Selected);
            let st = t.status_items("INBOX", "(MESSAGES HIGHESTMODSEQ)")$($await)*.unwrap();
            assert_eq!(st.highest_modseq, Some(truth["highestmodseq"]));
            assert_eq!((st.messages, st.size), (Some(4), None));

            // ----- SEARCH, UID SEARCH --------------------------------------------------
            let work_kw = || SearchKey::keyword("$Work".parse().unwrap());
            let found = t.search(&SearchKey::unseen())$($await)*.unwrap();
            assert_eq!(found.to_string(), "2:4");
            let found = t.search(&SearchKey::seen())$($await)*.unwrap();
            assert_eq!(found.to_string(), "1");
            let work = t.uid_search(&work_kw())$($await)*.unwrap();
            assert_eq!(work.to_string(), "3");
            let either = SearchKey::flagged() | SearchKey::draft();
            let found = t.uid_search(&either)$($await)*.unwrap();
            assert_eq!(found.to_string(), "3:4");
            let found = t.search(&SearchKey::subject("Grüße"))$($await)*.unwrap();
            assert_eq!(found.to_string(), "2", "8-bit text, CHARSET UTF-8");
            let found = t
                .search(&(SearchKey::from("jane@example.org") & !SearchKey::seen()))$($await)*
                .unwrap();
            assert_eq!(found.to_string(), "2:4");
            let all_uids = t.uid_search(&SearchKey::all())$($await)*.unwrap();
            assert_eq!(all_uids.iter().collect::<Vec<_>>(), uids, "the APPENDUIDs");
            let none = t.search(&SearchKey::subject("no such subject"))$($await)*.unwrap();
            assert!(none.is_empty(), "{none:?}");

            // ----- FETCH, UID FETCH ----------------------------------------------------
            let attrs = [
                FetchAttr::uid(),
                FetchAttr::flags(),
                FetchAttr::envelope(),
                FetchAttr::internal_date(),
                FetchAttr::rfc822_size(),
                FetchAttr::body_peek(Section::message()),
            ];
            let messages = t.fetch(1..=4, attrs)$($await)*.unwrap();
            assert_eq!(messages.len(), 4);
            let mut seen = 0;
            for (k, msg) in messages.iter().enumerate() {
                let msg = msg.unwrap();
                assert_eq!((msg.seq, msg.uid()), (k as u32 + 1, Some(uids[k])));
                assert_eq!(msg.body().as_deref(), Some(&message(k)[..]));
                assert_eq!(msg.size(), Some(message(k).len() as u64));
                assert_eq!(flag_set(msg.flags().unwrap()), model[&uids[k]]);
                let env = msg.envelope().unwrap();
                assert_eq!(env.subject_text().as_deref(), Some(MESSAGES[k].1));
                assert_eq!(env.from[0].email().as_deref(), Some("jane@example.org"));
                assert_eq!(env.from[0].display_name().as_deref(), Some("Jane Doe"));
                if k == 0 {
                    assert_eq!(msg.internal_date(), Some(internal_date()));
                }
                seen += 1;
            }
            assert_eq!(seen, 4);
            // BODY.PEEK left \Seen alone.
            assert_eq!(doveadm_flags(u, "INBOX"), model);
            // A search result straight into UID FETCH.
            let attrs = [FetchAttr::flags(), FetchAttr::envelope()];
            let found = t.uid_fetch(&work, attrs)$($await)*.unwrap();
            assert_eq!(found.len(), 1);
            let msg = found.iter().next().unwrap().unwrap();
            assert_eq!((msg.seq, msg.uid()), (3, Some(3)));
            let subject = msg.envelope().unwrap().subject_text();
            assert_eq!(subject.as_deref(), Some("Quarterly report"));
            assert_eq!(flag_set(msg.flags().unwrap()), model[&3]);
            let seqs_uids = |m: &imaplib_proto::Messages| -> Vec<(u32, Option<u32>)> {
                m.iter().map(|f| f.map(|f| (f.seq, f.uid())).unwrap()).collect()
            };
            let found = t.fetch("2:3", FetchAttr::uid())$($await)*.unwrap();
            assert_eq!(seqs_uids(&found), [(2, Some(2)), (3, Some(3))]);
            let found = t.fetch(2.., FetchAttr::uid())$($await)*.unwrap();
            assert_eq!(seqs_uids(&found), [(2, Some(2)), (3, Some(3)), (4, Some(4))]);
            let found = t.fetch(&[1u32, 4][..], FetchAttr::uid())$($await)*.unwrap();
            assert_eq!(seqs_uids(&found), [(1, Some(1)), (4, Some(4))]);
            let found = t.uid_fetch(4, FetchAttr::flags())$($await)*.unwrap();
            assert_eq!(seqs_uids(&found), [(4, Some(4))], "UID FETCH always has UID");

            // ----- An empty set sends nothing ------------------------------------------
            let before = noop_tag(t.client())$($await)*;
            let frames = t.connection().diagnostics().frames;
            let fetched = t.fetch(&none, FetchAttr::flags())$($await)*.unwrap();
            assert!(fetched.is_empty() && fetched.iter().next().is_none());
            assert!(t.uid_fetch(&none, FetchAttr::flags())$($await)*.unwrap().is_empty());
            let delete = StoreFlags::add([Flag::Deleted]);
            assert!(t.store(&none, &delete)$($await)*.unwrap().is_empty());
            assert!(t.uid_store(&none, &delete)$($await)*.unwrap().is_empty());
            // Sent, these would be refused with TRYCREATE.
            assert_eq!(t.copy(&none, "Nope")$($await)*.unwrap(), None);
            assert_eq!(t.uid_copy(&none, "Nope")$($await)*.unwrap(), None);
            assert_eq!(t.mv(&none, "Nope")$($await)*.unwrap(), Moved::default());
            assert_eq!(t.uid_mv(&none, "Nope")$($await)*.unwrap(), Moved::default());
            assert!(t.uid_expunge(&none)$($await)*.unwrap().is_empty());
            // Empty as Rust has them: the newest ten of an empty mailbox, no UIDs.
            #[allow(clippy::reversed_empty_ranges)]
            let nothing_newer = 1..=0;
            assert!(t.fetch(nothing_newer, FetchAttr::flags())$($await)*.unwrap().is_empty());
            let no_uids: &[u32] = &[];
            assert!(t.uid_store(no_uids, &delete)$($await)*.unwrap().is_empty());
            let after = t.connection().diagnostics().frames;
            assert_eq!(
                (after.bytes, after.responses),
                (frames.bytes, frames.responses),
                "no answer came: nothing was sent"
            );
            assert_eq!(noop_tag(t.client())$($await)*, before + 1, "no tag was used");
            assert_eq!(doveadm_flags(u, "INBOX"), model);

            // ----- STORE, UID STORE ----------------------------------------------------
            let stored = t.store(2, &StoreFlags::add([Flag::Seen]))$($await)*.unwrap();
            model.get_mut(&2).unwrap().insert("\\Seen".into());
            assert_eq!(stored.len(), 1);
            let msg = stored.iter().next().unwrap().unwrap();
            assert_eq!((msg.seq, flag_set(msg.flags().unwrap())), (2, model[&2].clone()));
            // A search result straight into UID STORE.
            let done = StoreFlags::add([Flag::keyword("$Done").unwrap()]);
            let stored = t.uid_store(&work, &done)$($await)*.unwrap();
            model.get_mut(&3).unwrap().insert("$Done".into());
            assert_eq!(stored.len(), 1);
            let msg = stored.iter().next().unwrap().unwrap();
            assert_eq!((msg.seq, msg.uid()), (3, Some(3)));
            assert_eq!(flag_set(msg.flags().unwrap()), model[&3]);
            let silent = StoreFlags::remove([Flag::Seen]).silent();
            let stored = t.store(1, &silent)$($await)*.unwrap();
            model.get_mut(&1).unwrap().remove("\\Seen");
            for msg in &stored {
                // With CONDSTORE, Dovecot still reports the MODSEQ; never the flags.
                assert_eq!(msg.unwrap().flags(), None, "{:?}", stored.reply());
            }
            assert_eq!(doveadm_flags(u, "INBOX"), model);
            assert_eq!(fetched_flags(t.client())$($await)*, model);

            // ----- COPY, UID COPY ------------------------------------------------------
            let dest_validity = doveadm_status(u, "Dest")["uidvalidity"] as u32;
            let copied = t.copy(1, "Dest")$($await)*.unwrap().expect("COPYUID");
            assert_eq!(copied.uid_validity, dest_validity);
            assert_eq!(copied.pairs().collect::<Vec<_>>(), [(1, 1)]);
            let copied = t.uid_copy(&work, "Dest")$($await)*.unwrap().expect("COPYUID");
            assert_eq!(copied.uid_validity, dest_validity);
            assert_eq!(copied.pairs().collect::<Vec<_>>(), [(3, 2)]);
            assert_eq!(copied.dest_of(3), Some(2));
            let e = t.copy(1, "Nope")$($await)*.unwrap_err();
            assert_eq!(refused(&e), no("TRYCREATE"), "{e}");
            let e = t.uid_copy(&work, "Nope")$($await)*.unwrap_err();
            assert_eq!(refused(&e), no("TRYCREATE"), "{e}");
            let dest = BTreeMap::from([(1, model[&1].clone()), (2, model[&3].clone())]);
            assert_eq!(doveadm_flags(u, "Dest"), dest);
            assert_eq!(doveadm_status(u, "INBOX")["messages"], 4, "copies, not moves");

            // ----- MOVE, UID MOVE ------------------------------------------------------
            let archive_validity = doveadm_status(u, "Archive")["uidvalidity"] as u32;
            let moved = t.mv(2, "Archive")$($await)*.unwrap();
            let copy_uid = moved.copy_uid.expect("COPYUID");
            assert_eq!(copy_uid.uid_validity, archive_validity);
            assert_eq!(copy_uid.pairs().collect::<Vec<_>>(), [(2, 1)]);
            assert_eq!(moved.expunged.seqs, [2]);
            assert!(moved.expunged.vanished.is_empty());
            let mut inbox_uids = after_expunges(uids.clone(), &moved.expunged.seqs);
            assert_eq!(inbox_uids, [1, 3, 4]);
            let e = t.mv(1, "Nope")$($await)*.unwrap_err();
            assert_eq!(refused(&e), no("TRYCREATE"), "{e}");
            let e = t.uid_mv(&work, "Nope")$($await)*.unwrap_err();
            assert_eq!(refused(&e), no("TRYCREATE"), "{e}");
            // A search result straight into UID MOVE.
            let drafts = t.uid_search(&SearchKey::draft())$($await)*.unwrap();
            assert_eq!(drafts.to_string(), "4");
            let moved = t.uid_mv(&drafts, "Archive")$($await)*.unwrap();
            let copy_uid = moved.copy_uid.expect("COPYUID");
            assert_eq!(copy_uid.uid_validity, archive_validity);
            assert_eq!(copy_uid.pairs().collect::<Vec<_>>(), [(4, 2)]);
            assert_eq!(moved.expunged.seqs, [3]);
            inbox_uids = after_expunges(inbox_uids, &moved.expunged.seqs);
            assert_eq!(inbox_uids, [1, 3]);
            let archive = BTreeMap::from([(1, model[&2].clone()), (2, model[&4].clone())]);
            assert_eq!(doveadm_flags(u, "Archive"), archive);
            model.remove(&2);
            model.remove(&4);
            assert_eq!(doveadm_flags(u, "INBOX"), model);
            assert!(t.uid_fetch(&drafts, FetchAttr::uid())$($await)*.unwrap().is_empty());

            // ----- EXPUNGE, UID EXPUNGE ------------------------------------------------
            for k in [0, 1] {
                let appended = t.append("INBOX", &[], None, &message(k))$($await)*.unwrap();
                let uid = appended.unwrap().uid().unwrap();
                inbox_uids.push(uid);
                model.insert(uid, BTreeSet::new());
            }
            assert_eq!(inbox_uids, [1, 3, 5, 6]);
            t.noop()$($await)*.unwrap();
            let deleted = StoreFlags::add([Flag::Deleted]).silent();
            t.uid_store(&[3u32, 5, 6][..], &deleted)$($await)*.unwrap();
            let expunged = t.uid_expunge(5)$($await)*.unwrap();
            assert_eq!(expunged.seqs, [3], "UID 5 was message 3");
            assert!(expunged.vanished.is_empty());
            inbox_uids = after_expunges(inbox_uids, &expunged.seqs);
            assert_eq!(inbox_uids, [1, 3, 6]);
            assert_eq!(doveadm_status(u, "INBOX")["messages"], 3);
            let expunged = t.expunge()$($await)*.unwrap();
            assert_eq!(expunged.seqs.len(), 2, "{expunged:?}");
            inbox_uids = after_expunges(inbox_uids, &expunged.seqs);
            assert_eq!(inbox_uids, [1]);
            let left: Vec<u32> = doveadm_flags(u, "INBOX").into_keys().collect();
            assert_eq!(left, inbox_uids);
            let expunged = t.expunge()$($await)*.unwrap();
            assert!(expunged.is_empty(), "nothing left to expunge: {expunged:?}");

            // ----- NOOP, CHECK ---------------------------------------------------------
            let uid = d.deliver(u, "INBOX", &message(2));
            t.noop()$($await)*.unwrap();
            t.check()$($await)*.unwrap();
            let all_uids = t.uid_search(&SearchKey::all())$($await)*.unwrap();
            assert_eq!(all_uids.iter().collect::<Vec<_>>(), [1, uid]);

            // ----- UNSELECT keeps, CLOSE expunges --------------------------------------
            t.store(1..=2, &deleted)$($await)*.unwrap();
            t.unselect()$($await)*.unwrap();
            assert_eq!(t.connection().state(), State::Auth);
            assert_eq!(doveadm_status(u, "INBOX")["messages"], 2);
            let inbox = t.select("INBOX")$($await)*.unwrap();
            assert_eq!(inbox.exists, 2);
            t.close()$($await)*.unwrap();
            assert_eq!(t.connection().state(), State::Auth);
            assert_eq!(doveadm_status(u, "INBOX")["messages"], 0);

            // ----- QRESYNC: MOVE and UID EXPUNGE report VANISHED ----------------------
            let (a, b) = (d.deliver(u, "INBOX", &message(0)), d.deliver(u, "INBOX", &message(1)));
            t.enable("QRESYNC")$($await)*.unwrap();
            let inbox = t.select("INBOX")$($await)*.unwrap();
            assert_eq!(inbox.exists, 2);
            assert_eq!(inbox.highest_modseq, Some(doveadm_status(u, "INBOX")["highestmodseq"]));
            let moved = t.uid_mv(a, "Archive")$($await)*.unwrap();
            let pairs: Vec<_> = moved.copy_uid.as_ref().expect("COPYUID").pairs().collect();
            assert_eq!(pairs, [(a, 3)]);
            assert!(moved.expunged.seqs.is_empty(), "{moved:?}");
            assert_eq!(moved.expunged.vanished.to_string(), a.to_string());
            t.uid_store(b, &deleted)$($await)*.unwrap();
            let expunged = t.uid_expunge(b)$($await)*.unwrap();
            assert!(expunged.seqs.is_empty(), "{expunged:?}");
            assert_eq!(expunged.vanished.to_string(), b.to_string());
            assert!(!expunged.is_empty());
            assert_eq!(doveadm_status(u, "INBOX")["messages"], 0);
            assert_eq!(doveadm_status(u, "Archive")["messages"], 3);

            // ----- LOGOUT --------------------------------------------------------------
            let out = t.logout()$($await)*;
            assert!(matches!(out, Ok(())), "{out:?}");
            assert_eq!(t.connection().state(), State::Logout);
            assert!(t.connection().is_closed());
        }
    };
}

/// The blocking client (`imaplib_blocking::Typed`).
mod blocking {
    use super::*;
    use imaplib_blocking::Client;

    typed_scenarios!([] [] [] [Client]);

    /// The typed face's type is the one the crate names.
    #[allow(dead_code)]
    fn typed_alias(m: &mut Client) -> imaplib_blocking::Typed<'_> {
        m.typed()
    }

    #[test]
    fn every_method_over_tcp() {
        tcp_scenario(&dovecot().new_user());
    }

    #[test]
    fn every_method_over_stdio() {
        stdio_scenario(&dovecot().new_user());
    }

    #[test]
    fn authenticate_over_tcp() {
        authenticate_scenario(&dovecot().new_user());
    }

    #[test]
    fn enable_returns_what_the_server_enabled() {
        enable_scenario(&dovecot().new_user());
    }
}

/// The async client, generic over the runtime (`imaplib_async::generic::Typed`), under
/// smol, async-std and tokio.
mod async_client {
    use super::*;
    use imaplib_async::generic::Client;
    use imaplib_async::{BoxStream, Runtime};
    use imaplib_integration_tests::runtimes::Exec;

    typed_scenarios!([async] [.await] [R: Runtime] [Client<BoxStream, R>]);

    /// The typed faces' types are the ones the crate names.
    #[allow(dead_code)]
    fn smol_alias(m: &mut imaplib_async::smol::Client) -> imaplib_async::smol::Typed<'_> {
        m.typed()
    }

    #[allow(dead_code)]
    fn tokio_alias(m: &mut imaplib_async::tokio::Client) -> imaplib_async::tokio::Typed<'_> {
        m.typed()
    }

    fn every_method_over_tcp<X: Exec>() {
        let user = dovecot().new_user();
        X::run(async move { tcp_scenario::<X::R>(&user).await });
    }

    fn every_method_over_stdio<X: Exec>() {
        let user = dovecot().new_user();
        X::run(async move { stdio_scenario::<X::R>(&user).await });
    }

    fn authenticate_over_tcp<X: Exec>() {
        let user = dovecot().new_user();
        X::run(async move { authenticate_scenario::<X::R>(&user).await });
    }

    fn enable_returns_what_the_server_enabled<X: Exec>() {
        let user = dovecot().new_user();
        X::run(async move { enable_scenario::<X::R>(&user).await });
    }

    /// One `#[test]` per runtime for each test named (`on_smol::name`, …), with its
    /// attributes.
    macro_rules! on_every_runtime {
        ($($(#[$attr:meta])* $test:ident),* $(,)?) => {
            on_every_runtime!(@one on_smol, imaplib_integration_tests::runtimes::Smol,
                $($(#[$attr])* $test),*);
            on_every_runtime!(@one on_async_std, imaplib_integration_tests::runtimes::AsyncStd,
                $($(#[$attr])* $test),*);
            on_every_runtime!(@one on_tokio, imaplib_integration_tests::runtimes::Tokio,
                $($(#[$attr])* $test),*);
        };
        (@one $module:ident, $exec:ty, $($(#[$attr:meta])* $test:ident),*) => {
            mod $module {
                $(
                    #[test]
                    $(#[$attr])*
                    fn $test() {
                        super::$test::<$exec>()
                    }
                )*
            }
        };
    }

    on_every_runtime!(
        every_method_over_tcp,
        every_method_over_stdio,
        authenticate_over_tcp,
        enable_returns_what_the_server_enabled,
    );
}
