//! CONDSTORE and QRESYNC (RFC 7162) against Dovecot, through the typed face of both clients
//! (blocking, and async under smol), over TCP and implicit TLS (and the blocking client over
//! Dovecot's stdio IMAP too):
//!
//! * a second session (Dovecot's own stdio IMAP, not the client under test) changes flags,
//!   expunges a message and a new one arrives; `resync` from the saved state reports exactly
//!   those changes — by `SELECT … (QRESYNC …)` in one command, and by the CONDSTORE path
//!   (three commands) on a connection where QRESYNC cannot be enabled any more, with the
//!   same result; the state it returns matches `doveadm mailbox status`, and a resync from
//!   it finds nothing new;
//! * `UID FETCH … (CHANGEDSINCE m)` returns only the message changed; `UID FETCH …
//!   (CHANGEDSINCE m VANISHED)` the UID expunged since;
//! * `STORE … (UNCHANGEDSINCE m)` conflicting with a concurrent change returns that message
//!   in `MODIFIED` and leaves it alone, while the others are changed;
//! * the read-only forms (`resync_examine`, `examine_qresync`, `examine_condstore`) report
//!   the same changes with the mailbox opened by EXAMINE: read-only, a STORE without effect,
//!   and `doveadm mailbox status` unchanged by the reading;
//! * deleting and re-creating the mailbox (a new UIDVALIDITY) makes `resync` say that a full
//!   resync is needed.

use std::collections::BTreeMap;

use imaplib_blocking::proto::build::{FetchAttr, Flag, StoreFlags};
use imaplib_blocking::proto::typed::{Changed, FullResync, Resync, ResyncMethod, SyncState};
use imaplib_blocking::proto::Command;
use imaplib_integration_tests::dovecot::{dovecot, UserAccount};

const MAILBOX: &str = "Sync";

fn message(k: u32) -> Vec<u8> {
    format!(
        "From: Alice <alice@example.org>\r\nSubject: message {k}\r\n\
         Message-ID: <{k}@condstore.example.org>\r\n\r\nBody {k}\r\n"
    )
    .into_bytes()
}

/// A new user whose mailbox `Sync` holds five messages, UIDs 1 to 5.
fn seeded() -> UserAccount {
    let d = dovecot();
    let user = d.new_user();
    d.create_mailbox(&user.name, MAILBOX);
    for k in 1..=5 {
        assert_eq!(d.append(&user.name, MAILBOX, &[], None, &message(k)), k);
    }
    user
}

/// Runs IMAP commands in a second session of `user` (Dovecot's stdio IMAP).
fn other(user: &UserAccount, commands: &[&str]) {
    let commands: Vec<&[u8]> = commands.iter().map(|c| c.as_bytes()).collect();
    dovecot().imap_as(&user.name, &commands);
}

/// Expunges `uid` in a second session. (A session of its own: Dovecot may run a pipelined
/// UID EXPUNGE before the STORE of `\Deleted` sent just before it is done.)
fn expunge(user: &UserAccount, uid: u32) {
    other(
        user,
        &[
            "SELECT Sync",
            &format!("UID STORE {uid} +FLAGS.SILENT (\\Deleted)"),
        ],
    );
    other(user, &["SELECT Sync", &format!("UID EXPUNGE {uid}")]);
}

/// `doveadm mailbox status` of the test mailbox.
fn status(user: &UserAccount) -> BTreeMap<String, u64> {
    let out = dovecot().doveadm(&[
        "-f",
        "flow",
        "mailbox",
        "status",
        "-u",
        &user.name,
        "messages uidnext uidvalidity highestmodseq",
        MAILBOX,
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

fn uids(changed: &[Changed]) -> Vec<u32> {
    changed.iter().map(|c| c.uid).collect()
}

fn has(resync: &Resync, uid: u32, flag: &str) -> bool {
    resync
        .changed
        .iter()
        .find(|c| c.uid == uid)
        .unwrap_or_else(|| panic!("UID {uid} not reported: {resync:?}"))
        .flags
        .iter()
        .any(|f| f == flag)
}

/// The changes of [`the_changes`]: UIDs 1 and 2 get flags, 4 is expunged, 6 arrives.
fn make_the_changes(user: &UserAccount) {
    other(
        user,
        &[
            "SELECT Sync",
            "UID STORE 1 +FLAGS (\\Seen)",
            "UID STORE 2 +FLAGS (\\Flagged $Work)",
            "UID STORE 4 +FLAGS (\\Deleted)",
        ],
    );
    expunge(user, 4);
    let uid = dovecot().append(&user.name, MAILBOX, &["\\Draft"], None, &message(6));
    assert_eq!(uid, 6);
}

/// Checks a resync after [`make_the_changes`] from the state saved before them.
fn the_changes(r: &Resync, user: &UserAccount, method: ResyncMethod) {
    assert_eq!(r.method, method);
    assert_eq!(r.full_resync, None, "{r:?}");
    assert_eq!(r.vanished.to_string(), "4", "{r:?}");
    assert_eq!(uids(&r.changed), [1, 2, 6], "{r:?}");
    assert!(has(r, 1, "\\Seen") && !has(r, 1, "\\Flagged"));
    assert!(has(r, 2, "\\Flagged") && has(r, 2, "$Work") && !has(r, 2, "\\Seen"));
    assert!(has(r, 6, "\\Draft"));
    assert!(r.changed.iter().all(|c| c.modseq.is_some()));
    assert_eq!(r.new_uids.to_string(), "6");
    assert_eq!(r.mailbox.exists, 5);
    let truth = status(user);
    let next = r.state.as_ref().expect("a state to save");
    assert_eq!(u64::from(next.uid_validity), truth["uidvalidity"]);
    assert_eq!(next.highest_modseq, truth["highestmodseq"]);
    assert_eq!(u64::from(next.uid_next), truth["uidnext"]);
    assert_eq!(next.known_uids.as_ref().unwrap().to_string(), "1:3,5:6");
}

/// The scenarios, written once: `[async] [.await]` or `[] []`. `Client` and `connect`
/// (a logged-in client of a user) must be in scope.
macro_rules! scenarios {
    ([$($async:tt)*] [$($await:tt)*]) => {
        use super::*;

        pub $($async)* fn resync_reports_exactly_the_changes(m: &mut Client, user: &UserAccount) {
            let mut imap = m.typed();
            assert_eq!(imap.enable("QRESYNC")$($await)*.unwrap(), ["QRESYNC"]);
            assert!(imap.connection().is_enabled("QRESYNC"));
            let mailbox = imap.select(MAILBOX)$($await)*.unwrap();
            assert_eq!(mailbox.exists, 5);
            let saved = SyncState::of(&mailbox).unwrap().with_known_uids(1..=5);
            assert_eq!(saved.highest_modseq, status(user)["highestmodseq"]);
            imap.unselect()$($await)*.unwrap();

            make_the_changes(user);
            let r = imap.resync(MAILBOX, &saved)$($await)*.unwrap();
            the_changes(&r, user, ResyncMethod::Qresync);

            // From the state it gave, nothing is new.
            let next = r.state.clone().unwrap();
            let again = imap.resync(MAILBOX, &next)$($await)*.unwrap();
            assert!(again.is_unchanged(), "{again:?}");
            assert_eq!(again.state.as_ref(), Some(&next));

            // The one-command form, without known UIDs: the same changes (an expunge list
            // may then hold UIDs never seen; here there are none).
            let plain = SyncState::new(saved.uid_validity, saved.highest_modseq, saved.uid_next);
            let r = imap.select_qresync(MAILBOX, &plain)$($await)*.unwrap();
            assert_eq!((r.vanished.to_string(), uids(&r.changed)), ("4".to_string(), vec![1, 2, 6]));
            assert_eq!(r.new_uids.to_string(), "6");

            // A connection that selected a mailbox before enabling QRESYNC takes the
            // CONDSTORE path, with the same result.
            let mut m2 = connect(user)$($await)*;
            let mut imap2 = m2.typed();
            imap2.select("INBOX")$($await)*.unwrap();
            assert!(imap2.enable("QRESYNC")$($await)*.is_err(), "ENABLE after SELECT");
            let r2 = imap2.resync(MAILBOX, &saved)$($await)*.unwrap();
            the_changes(&r2, user, ResyncMethod::Condstore);
            assert_eq!((&r2.vanished, &r2.changed, &r2.new_uids), (&r.vanished, &r.changed, &r.new_uids));
            let again = imap2.resync(MAILBOX, &next)$($await)*.unwrap();
            assert!(again.is_unchanged(), "{again:?}");
            imap2.logout()$($await)*.unwrap();
        }

        pub $($async)* fn read_only_resync_reports_the_changes(m: &mut Client, user: &UserAccount) {
            let mut imap = m.typed();
            let mailbox = imap.examine_condstore(MAILBOX)$($await)*.unwrap();
            assert!(mailbox.read_only && mailbox.exists == 5, "{mailbox:?}");
            let saved = SyncState::of(&mailbox).unwrap().with_known_uids(1..=5);
            make_the_changes(user);
            let before = status(user);

            // A mailbox is selected, so QRESYNC cannot be enabled: the CONDSTORE path.
            let r = imap.resync_examine(MAILBOX, &saved)$($await)*.unwrap();
            the_changes(&r, user, ResyncMethod::Condstore);
            assert!(r.mailbox.read_only, "{r:?}");
            // Read-only: a STORE changes nothing (Dovecot answers OK without any FETCH; the
            // mailbox status below is unchanged).
            let stored = imap.store(1, &StoreFlags::add([Flag::Deleted]))$($await)*;
            assert!(stored.as_ref().map_or(true, |m| m.is_empty()), "{stored:?}");
            imap.unselect()$($await)*.unwrap();

            // Unselected again: the QRESYNC path (ENABLE, then one EXAMINE).
            let r = imap.resync_examine(MAILBOX, &saved)$($await)*.unwrap();
            the_changes(&r, user, ResyncMethod::Qresync);
            assert!(r.mailbox.read_only, "{r:?}");
            let plain = SyncState::new(saved.uid_validity, saved.highest_modseq, saved.uid_next);
            let r = imap.examine_qresync(MAILBOX, &plain)$($await)*.unwrap();
            assert!(r.mailbox.read_only, "{r:?}");
            assert_eq!((r.vanished.to_string(), uids(&r.changed)), ("4".to_string(), vec![1, 2, 6]));
            assert_eq!(status(user), before, "EXAMINE changed the mailbox");
            imap.logout()$($await)*.unwrap();
        }

        pub $($async)* fn changedsince_and_unchangedsince(m: &mut Client, user: &UserAccount) {
            let mut imap = m.typed();
            assert_eq!(imap.enable("QRESYNC")$($await)*.unwrap(), ["QRESYNC"]);
            let mailbox = imap.select_condstore(MAILBOX)$($await)*.unwrap();
            let before = mailbox.highest_modseq.unwrap();
            assert_eq!(before, status(user)["highestmodseq"]);

            // CHANGEDSINCE: only the message another session changed.
            other(user, &["SELECT Sync", "UID STORE 3 +FLAGS ($Other)"]);
            let changed = imap
                .uid_fetch_changed_since(1.., FetchAttr::flags(), before)$($await)*
                .unwrap();
            let mut seen = Vec::new();
            for f in &changed {
                let f = f.unwrap();
                assert_eq!(f.seq, 3, "only message 3 changed");
                assert!(f.modseq().unwrap() > before);
                assert!(f.flags().unwrap().iter().any(|fl| fl.is("$Other")));
                seen.extend(f.uid());
            }
            assert_eq!(seen, [3]);
            let after = status(user)["highestmodseq"];
            assert!(imap
                .fetch_changed_since("1:*", FetchAttr::flags(), after)$($await)*
                .unwrap()
                .is_empty());
            let by_seq = imap
                .fetch_changed_since("1:*", [FetchAttr::uid(), FetchAttr::flags()], before)$($await)*
                .unwrap();
            let got: Vec<(u32, Option<u32>)> = by_seq.iter().map(|f| {
                let f = f.unwrap();
                (f.seq, f.uid())
            }).collect();
            assert_eq!(got, [(3, Some(3))]);

            // UNCHANGEDSINCE conflicting with that change: 3 is MODIFIED and left alone.
            let stored = imap
                .uid_store_unchanged_since(2..=3, &StoreFlags::add([Flag::Answered]), before)$($await)*
                .unwrap();
            assert_eq!(stored.modified.to_string(), "3");
            assert!(!stored.all_stored());
            let answered: Vec<(Option<u32>, bool)> = stored.messages.iter().map(|f| {
                let f = f.unwrap();
                (f.uid(), f.modseq().is_some_and(|n| n > after))
            }).collect();
            assert_eq!(answered, [(Some(2), true)]);
            let now = imap.uid_fetch(2..=3, FetchAttr::flags())$($await)*.unwrap();
            for f in &now {
                let f = f.unwrap();
                let flagged = f.flags().unwrap().iter().any(|fl| fl.is("\\Answered"));
                assert_eq!(flagged, f.uid() == Some(2), "{:?}", f.uid());
            }

            // By sequence number; a MODIFIED the imaplib face left behind is not this
            // command's: it is reported by neither, and stays for the imaplib face.
            let probe = imap
                .client()
                .run(Command::store_unchanged_since(1, &StoreFlags::add([Flag::Seen]), 0).unwrap())$($await)*
                .unwrap();
            assert_eq!(probe.typ, "OK");
            let highest = status(user)["highestmodseq"];
            let stored = imap
                .store_unchanged_since(4..=5, &StoreFlags::add([Flag::Flagged]), highest)$($await)*
                .unwrap();
            assert!(stored.all_stored(), "{:?}", stored.modified);
            assert_eq!(stored.messages.len(), 2);
            let left = imap.client().response("MODIFIED");
            assert_eq!(left.python_repr(), "('MODIFIED', [b'1'])");
            let stored = imap
                .store_unchanged_since(1, &StoreFlags::add([Flag::Seen]), 0)$($await)*
                .unwrap();
            assert_eq!(stored.modified.to_string(), "1", "UNCHANGEDSINCE 0 always fails");

            // VANISHED: an expunge while no mailbox was selected, reported as EARLIER.
            let highest = status(user)["highestmodseq"];
            imap.unselect()$($await)*.unwrap();
            expunge(user, 5);
            imap.select(MAILBOX)$($await)*.unwrap();
            let changes = imap
                .uid_fetch_vanished(1.., FetchAttr::flags(), highest)$($await)*
                .unwrap();
            assert_eq!(changes.vanished.to_string(), "5");
            assert!(changes.messages.is_empty());
            imap.expunge()$($await)*.unwrap();
        }

        pub $($async)* fn a_new_uidvalidity_needs_a_full_resync(m: &mut Client, user: &UserAccount) {
            let mut imap = m.typed();
            imap.enable("QRESYNC")$($await)*.unwrap();
            let saved = SyncState::of(&imap.select(MAILBOX)$($await)*.unwrap()).unwrap();
            imap.unselect()$($await)*.unwrap();
            imap.delete(MAILBOX)$($await)*.unwrap();
            imap.create(MAILBOX)$($await)*.unwrap();
            dovecot().append(&user.name, MAILBOX, &[], None, &message(1));
            let now = status(user)["uidvalidity"] as u32;
            assert_ne!(now, saved.uid_validity);
            let r = imap.resync(MAILBOX, &saved)$($await)*.unwrap();
            assert_eq!(
                r.full_resync,
                Some(FullResync::UidValidityChanged { saved: saved.uid_validity, now: Some(now) })
            );
            assert!(r.state.is_none() && r.changed.is_empty() && r.vanished.is_empty());
            let fresh = SyncState::of(&r.mailbox).unwrap();
            assert_eq!((fresh.uid_validity, fresh.uid_next), (now, 2));
        }
    };
}

mod blocking {
    use imaplib_blocking::Client;
    use imaplib_integration_tests::connect::{self, Transport};

    fn connect(user: &UserAccount) -> Client {
        connect::blocking(user, Transport::Tcp)
    }

    #[test]
    fn resync_over_tls() {
        let user = seeded();
        resync_reports_exactly_the_changes(&mut connect::blocking(&user, Transport::Tls), &user);
    }

    #[test]
    fn read_only_resync_over_tcp_and_tls() {
        for t in [Transport::Tcp, Transport::Tls] {
            let user = seeded();
            read_only_resync_reports_the_changes(&mut connect::blocking(&user, t), &user);
        }
    }

    scenarios!([][]);

    #[test]
    fn resync_over_tcp() {
        let user = seeded();
        resync_reports_exactly_the_changes(&mut connect(&user), &user);
    }

    #[test]
    fn resync_over_stdio() {
        let user = seeded();
        let mut m = Client::connect_stream(&dovecot().stdio_command_for(&user.name)).unwrap();
        resync_reports_exactly_the_changes(&mut m, &user);
    }

    #[test]
    fn conditional_commands_over_tcp() {
        let user = seeded();
        changedsince_and_unchangedsince(&mut connect(&user), &user);
    }

    #[test]
    fn uidvalidity_change_over_tcp() {
        let user = seeded();
        a_new_uidvalidity_needs_a_full_resync(&mut connect(&user), &user);
    }
}

mod on_smol {
    use imaplib_async::smol::Client;
    use imaplib_integration_tests::connect::{self, Transport};

    async fn connect(user: &UserAccount) -> Client {
        connect::smol(user, Transport::Tcp).await
    }

    #[test]
    fn resync_over_tls() {
        smol::block_on(async {
            let user = seeded();
            let mut m = connect::smol(&user, Transport::Tls).await;
            resync_reports_exactly_the_changes(&mut m, &user).await;
        });
    }

    #[test]
    fn read_only_resync_over_tcp_and_tls() {
        smol::block_on(async {
            for t in [Transport::Tcp, Transport::Tls] {
                let user = seeded();
                read_only_resync_reports_the_changes(&mut connect::smol(&user, t).await, &user)
                    .await;
            }
        });
    }

    scenarios!([async][.await]);

    #[test]
    fn resync_over_tcp() {
        smol::block_on(async {
            let user = seeded();
            resync_reports_exactly_the_changes(&mut connect(&user).await, &user).await;
        });
    }

    #[test]
    fn conditional_commands_over_tcp() {
        smol::block_on(async {
            let user = seeded();
            changedsince_and_unchangedsince(&mut connect(&user).await, &user).await;
        });
    }

    #[test]
    fn uidvalidity_change_over_tcp() {
        smol::block_on(async {
            let user = seeded();
            a_new_uidvalidity_needs_a_full_resync(&mut connect(&user).await, &user).await;
        });
    }
}
