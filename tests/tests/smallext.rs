//! The smaller extensions (issue 12 part 4) against Dovecot, through the typed face of both
//! clients (blocking, and async under smol):
//!
//! * MULTIAPPEND (RFC 3502): three messages with their own flags and internal dates in one
//!   APPEND; the APPENDUID set covers them in order, and Dovecot holds exactly those flags
//!   and dates; a MULTIAPPEND to a missing mailbox is refused with `TRYCREATE` and stores
//!   nothing; an empty list is an argument error.

use std::collections::BTreeSet;

use imaplib_blocking::proto::build::{AppendMessage, FetchAttr, Flag, Section};
use imaplib_blocking::proto::chrono::{DateTime, FixedOffset};
use imaplib_blocking::proto::{Error, Reason};
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
    };
}

mod blocking {
    use imaplib_blocking::Client;

    pub fn connect(user: &UserAccount) -> Client {
        let d = dovecot();
        let mut m = Client::connect(d.host(), d.plain_port()).unwrap();
        m.typed()
            .login(user.name.as_str(), user.password.as_str())
            .unwrap();
        m
    }

    scenarios!([][]);

    #[test]
    fn multiappend_over_tcp() {
        multiappend(&mut connect(&fresh()));
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

    pub async fn connect(user: &UserAccount) -> Client {
        let d = dovecot();
        let mut m = Client::connect(d.host(), d.plain_port()).await.unwrap();
        m.typed()
            .login(user.name.as_str(), user.password.as_str())
            .await
            .unwrap();
        m
    }

    scenarios!([async][.await]);

    #[test]
    fn multiappend_over_tcp() {
        smol::block_on(async {
            multiappend(&mut connect(&fresh()).await).await;
        });
    }
}
