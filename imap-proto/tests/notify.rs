//! NOTIFY (RFC 5465) through a connection: NOTIFY SET / NONE bytes from the event-group
//! builder, its checks, and the unsolicited updates read back as typed events (from the
//! untagged store after a NOOP).

mod common;

use common::Script;
use imaplib_proto::build::{EventGroup, FetchAttr, FetchAttrs};
use imaplib_proto::error::{ArgumentProblem, Reason};
use imaplib_proto::typed::{self, Event};
use imaplib_proto::{Cause, Command, Item, Reply};

fn refused(r: imaplib_proto::Result<Command>, problem: ArgumentProblem) {
    let e = r.expect_err("should be refused");
    assert_eq!(e.cause(), Cause::Argument, "{e}");
    match e.reason() {
        Reason::Argument { problem: p, .. } => assert_eq!(p, &problem, "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn notify_set_bytes() {
    let mut s = Script::authed("NOTIFY");
    let groups = [
        EventGroup::selected()
            .message_new_with([FetchAttr::uid(), FetchAttr::flags()])
            .message_expunge()
            .flag_change(),
        EventGroup::personal()
            .message_new()
            .message_expunge()
            .mailbox_name()
            .subscription_change(),
        EventGroup::mailboxes(["Work", "Zürich", "a b"])
            .message_new()
            .message_expunge(),
        EventGroup::subtree(["Lists"]),
    ];
    let id = s.submit(Command::notify_set(true, &groups).unwrap());
    s.c(
        "TTTT2 NOTIFY SET STATUS (SELECTED (MessageNew (UID FLAGS) MessageExpunge FlagChange)) \
         (PERSONAL (MessageNew MessageExpunge MailboxName SubscriptionChange)) \
         (MAILBOXES (Work Z&APw-rich \"a b\") (MessageNew MessageExpunge)) \
         (SUBTREE (Lists) NONE)\r\n",
    );
    s.s("* STATUS Work (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7 UNSEEN 0)\r\nTTTT2 OK NOTIFY completed\r\n");
    s.ok(id);
    let id = s.submit(Command::notify_none());
    s.c("TTTT3 NOTIFY NONE\r\n");
    s.s("TTTT3 OK NOTIFY completed\r\n");
    s.ok(id);
}

#[test]
fn event_groups_follow_the_rules() {
    let p = ArgumentProblem::InvalidEvents;
    refused(
        Command::notify_set(false, &[EventGroup::inboxes().message_new()]),
        p.clone(),
    );
    refused(
        Command::notify_set(false, &[EventGroup::inboxes().message_expunge()]),
        p.clone(),
    );
    refused(
        Command::notify_set(false, &[EventGroup::selected().flag_change()]),
        p.clone(),
    );
    refused(
        Command::notify_set(
            false,
            &[EventGroup::personal()
                .message_new_with(FetchAttr::uid())
                .message_expunge()],
        ),
        p.clone(),
    );
    refused(
        Command::notify_set(
            false,
            &[EventGroup::selected()
                .message_new_with(FetchAttrs::all())
                .message_expunge()],
        ),
        p,
    );
    refused(Command::notify_set(false, &[]), ArgumentProblem::Empty);
    refused(
        Command::notify_set(
            false,
            &[EventGroup::mailboxes(Vec::<String>::new()).mailbox_name()],
        ),
        ArgumentProblem::Empty,
    );
    refused(
        Command::notify_set(false, &[EventGroup::mailboxes(["a\0b"]).mailbox_name()]),
        ArgumentProblem::Nul,
    );
}

#[test]
fn unsolicited_updates_become_events() {
    let mut s = Script::selected("NOTIFY");
    // SELECT's `* 2 EXISTS` stays in the store (imaplib reads it there): it would be
    // reported too. Taken here, so that only the NOOP's updates remain.
    assert_eq!(s.conn.response("EXISTS").data.len(), 1);
    let id = s.submit(Command::noop());
    s.c("TTTT3 NOOP\r\n");
    s.s(
        "* STATUS Work (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 7 UNSEEN 1)\r\n\
         * LIST () \"/\" Projects2\r\n\
         * LIST (\\NonExistent \\Subscribed) \"/\" Projects\r\n\
         * METADATA INBOX /private/comment\r\n\
         * 3 EXISTS\r\n\
         * 1 FETCH (UID 1 FLAGS (\\Seen))\r\n\
         TTTT3 OK NOOP completed\r\n",
    );
    s.ok(id);
    let events = typed::take_events(&mut s.conn).unwrap();
    assert_eq!(events.len(), 6, "{events:?}");
    let Event::Status(st) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(
        (st.mailbox.as_str(), st.messages, st.unseen),
        ("Work", Some(1), Some(1))
    );
    let Event::Mailbox(l) = &events[2] else {
        panic!("{events:?}")
    };
    assert_eq!(l.name.as_str(), "Projects");
    let Event::Metadata { mailbox, entries } = &events[3] else {
        panic!("{events:?}")
    };
    assert_eq!(
        (mailbox.as_str(), entries.as_slice()),
        ("INBOX", &["/private/comment".to_string()][..])
    );
    assert_eq!(events[4], Event::Exists(3));
    let Event::Fetch(m) = &events[5] else {
        panic!("{events:?}")
    };
    assert_eq!(m.iter().next().unwrap().unwrap().uid(), Some(1));
    // Taken: nothing left.
    assert!(typed::take_events(&mut s.conn).unwrap().is_empty());
}

#[test]
fn overflow_and_malformed_updates() {
    let r = Reply::new(
        "OK",
        vec![Item::Line(b"[NOTIFICATIONOVERFLOW] gave up".to_vec())],
    );
    assert_eq!(typed::events(&r, false).unwrap(), [Event::Overflow]);
    let r = Reply::new("NOTIFICATIONOVERFLOW", vec![Item::Line(b"".to_vec())]);
    assert_eq!(typed::events(&r, false).unwrap(), [Event::Overflow]);
    let r = Reply::new("RECENT", vec![Item::Line(b"1".to_vec())]);
    assert!(typed::events(&r, false).unwrap().is_empty());
    for (typ, line) in [
        ("STATUS", &b"Work (MESSAGES x)"[..]),
        ("EXISTS", b"-1"),
        ("EXPUNGE", b"99999999999"),
        ("METADATA", b"INBOX"),
        ("LIST", b"() \"/"),
    ] {
        let r = Reply::new(typ, vec![Item::Line(line.to_vec())]);
        let e = typed::events(&r, false).expect_err(typ);
        assert_eq!(e.cause(), Cause::Protocol, "{typ}: {e}");
    }
    // A malformed update leaves the store as it was.
    let mut s = Script::selected("NOTIFY");
    let id = s.submit(Command::noop());
    s.take_sent();
    s.s("* STATUS Work (MESSAGES 1)\r\n* LIST () \"/\r\nTTTT3 OK done\r\n");
    s.ok(id);
    assert!(typed::take_events(&mut s.conn).is_err());
    assert_eq!(s.conn.response("STATUS").data.len(), 1);
}
