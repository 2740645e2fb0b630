//! NOTIFY (RFC 5465) against Dovecot, for both clients (blocking, and async under smol), over
//! plain TCP and implicit TLS: after `NOTIFY SET (PERSONAL (MessageNew MessageExpunge))`, a
//! message appended to another mailbox by another session is reported, while the client
//! waits in IDLE, as a STATUS event for that mailbox ([`typed::events`] over the IDLE
//! updates). `NOTIFY NONE` is accepted; a NOTIFY breaking RFC 5465's rules never leaves the
//! client. Metadata events are refused (Dovecot 2.3.19 supports none, even with
//! `imap_metadata = yes` as here): `NO [BADEVENT …]`, its list without parentheses, typed as
//! [`Code::BadEvent`].
//!
//! Waiting: NOTIFY events come unsolicited, but a client sees them only when it reads; the
//! tests wait in IDLE, during which Dovecot sends them.

use std::thread;
use std::time::{Duration, Instant};

use imaplib_blocking::proto::build::{EventGroup, NotifyEvent};
use imaplib_blocking::proto::parse::Code;
use imaplib_blocking::proto::typed::{self, Event};
use imaplib_blocking::proto::{Cause, Error, Reason};
use imaplib_integration_tests::connect::Transport;
use imaplib_integration_tests::dovecot::{dovecot, UserAccount};

const OTHER: &str = "Work";
const WAIT: Duration = Duration::from_secs(20);

fn message() -> Vec<u8> {
    b"From: Bob <bob@example.org>\r\nSubject: notified\r\n\r\nHello\r\n".to_vec()
}

/// Appends a message to `Work` from another session after a short pause.
fn append_later(user: &UserAccount) -> thread::JoinHandle<()> {
    let name = user.name.clone();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(500));
        dovecot().append(&name, OTHER, &[], None, &message());
    })
}

/// The first STATUS event for `Work` in `events`, if any.
fn work_status(events: &[Event]) -> Option<&typed::MailboxStatus> {
    events.iter().find_map(|e| match e {
        Event::Status(s) if s.mailbox.as_str() == OTHER => Some(s),
        _ => None,
    })
}

fn groups() -> [EventGroup; 1] {
    [EventGroup::personal().message_new().message_expunge()]
}

/// Events Dovecot 2.3.19 does not support: metadata changes.
fn metadata_groups() -> [EventGroup; 1] {
    [EventGroup::personal()
        .message_new()
        .message_expunge()
        .event(NotifyEvent::MailboxMetadataChange)
        .event(NotifyEvent::ServerMetadataChange)]
}

/// The refusal of [`metadata_groups`]: BADEVENT listing both.
fn assert_badevent(e: &Error) {
    let Reason::Refused(r) = e.reason() else {
        panic!("not a refusal: {e:?}")
    };
    assert_eq!(
        r.code(),
        Some(Code::BadEvent(vec![
            b"MailboxMetadataChange",
            b"ServerMetadataChange"
        ])),
        "{e}"
    );
}

mod blocking {
    use super::*;
    use imaplib_integration_tests::connect;

    #[test]
    fn status_event_for_another_mailbox_during_idle_over_tcp() {
        status_event_for_another_mailbox_during_idle(Transport::Tcp);
    }

    #[test]
    fn status_event_for_another_mailbox_during_idle_over_tls() {
        status_event_for_another_mailbox_during_idle(Transport::Tls);
    }

    fn status_event_for_another_mailbox_during_idle(transport: Transport) {
        let d = dovecot();
        let user = d.new_user();
        d.create_mailbox(&user.name, OTHER);
        let mut m = connect::blocking(&user, transport);
        assert!(m.connection().has_capability("NOTIFY"));
        let e = m
            .typed()
            .notify(false, &[EventGroup::inboxes().message_new()])
            .unwrap_err();
        assert_eq!(e.cause(), Cause::Argument, "{e}");
        assert!(m.connection().has_capability("METADATA"));
        let e = m.typed().notify(false, &metadata_groups()).unwrap_err();
        assert_badevent(&e);
        m.typed().notify(false, &groups()).unwrap();
        m.typed().select("INBOX").unwrap();

        let appender = append_later(&user);
        let t0 = Instant::now();
        let mut idler = m.idle(Some(WAIT)).unwrap();
        let mut seen = None;
        for update in idler.by_ref() {
            let events = typed::events(&update.unwrap(), false).unwrap();
            if let Some(s) = work_status(&events) {
                seen = Some(s.clone());
                break;
            }
        }
        assert_eq!(idler.done().unwrap().typ, "OK");
        appender.join().unwrap();
        let s = seen.unwrap_or_else(|| panic!("no STATUS event for {OTHER} within {WAIT:?}"));
        assert!(t0.elapsed() < WAIT);
        assert_eq!(s.messages, Some(1), "{s:?}");
        assert_eq!(s.uid_next, Some(2), "{s:?}");

        m.typed().notify_none().unwrap();
        m.typed().logout().unwrap();
    }
}

mod on_smol {
    use super::*;
    use futures_lite::StreamExt;
    use imaplib_integration_tests::connect;

    #[test]
    fn status_event_for_another_mailbox_during_idle_over_tcp() {
        status_event_for_another_mailbox_during_idle(Transport::Tcp);
    }

    #[test]
    fn status_event_for_another_mailbox_during_idle_over_tls() {
        status_event_for_another_mailbox_during_idle(Transport::Tls);
    }

    fn status_event_for_another_mailbox_during_idle(transport: Transport) {
        smol::block_on(async {
            let d = dovecot();
            let user = d.new_user();
            d.create_mailbox(&user.name, OTHER);
            let mut m = connect::smol(&user, transport).await;
            assert!(m.connection().has_capability("NOTIFY"));
            let e = m
                .typed()
                .notify(false, &metadata_groups())
                .await
                .unwrap_err();
            assert_badevent(&e);
            // The imaplib face: ('NO', [b'[BADEVENT …] …']).
            let r = m.notify_set(false, &metadata_groups()).await.unwrap();
            assert_eq!(r.typ, "NO", "{r:?}");
            assert!(
                r.python_repr()
                    .contains("[BADEVENT MailboxMetadataChange ServerMetadataChange]"),
                "{r:?}"
            );
            m.typed().notify(false, &groups()).await.unwrap();
            m.typed().select("INBOX").await.unwrap();

            let appender = append_later(&user);
            let t0 = Instant::now();
            let mut idler = m.idle(Some(WAIT)).await.unwrap();
            let mut seen = None;
            while let Some(update) = idler.next().await {
                let events = typed::events(&update.unwrap(), false).unwrap();
                if let Some(s) = work_status(&events) {
                    seen = Some(s.clone());
                    break;
                }
            }
            assert_eq!(idler.done().await.unwrap().typ, "OK");
            appender.join().unwrap();
            let s = seen.unwrap_or_else(|| panic!("no STATUS event for {OTHER} within {WAIT:?}"));
            assert!(t0.elapsed() < WAIT);
            assert_eq!(s.messages, Some(1), "{s:?}");

            // The imaplib face too.
            assert_eq!(m.notify_none().await.unwrap().typ, "OK");
            m.typed().logout().await.unwrap();
        });
    }
}
