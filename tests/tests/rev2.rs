//! IMAP4rev2 (RFC 9051) and UTF8=ACCEPT (RFC 6855) against Dovecot 2.3.19, which has
//! neither: it does not advertise them, and answers `ENABLE IMAP4rev2 UTF8=ACCEPT` with a
//! bare `OK` and no `* ENABLED`. Through the typed face of both clients over TCP
//! (blocking, and async under smol), the client must not switch on that `OK`:
//!
//! * `enable_rev2()` asks for nothing Dovecot does not advertise and reports both modes off;
//! * an explicit `enable("IMAP4rev2 UTF8=ACCEPT")` is sent, answered `OK`, and returns no
//!   extension; `rev2()`, `utf8_accepted()` and `utf8_enabled()` stay false;
//! * mailbox names still go out in modified UTF-7 (Dovecot's LIST shows `Entw&APw-rfe`,
//!   read back as `Entwürfe`), 8-bit search text still carries `CHARSET UTF-8`;
//! * SEARCH is still answered `* SEARCH` and read as before; the RECENT key, STATUS RECENT
//!   and CHECK still go out (rev1 has them);
//! * an APPEND with `UTF8 (~{n})` data is refused before sending.
//!
//! The rev2 side itself (what happens once a server confirms) is proven by the transcripts
//! of `imap-proto/tests/rev2.rs`, and here through the typed face of both clients against a
//! scripted rev2 server on loopback (`hostile::Server`, RFC 9051's answers): `enable_rev2`
//! sends `ENABLE IMAP4rev2 UTF8=ACCEPT` and reports both on; SELECT's `* LIST` is taken
//! in stride; `uid_search` reads a `1:4294967295` ESEARCH as one range; `status` asks
//! `DELETED SIZE` instead of RECENT; `lsub` becomes `LIST (SUBSCRIBED)`; `check` becomes
//! `NOOP`; names go out as quoted UTF-8; the RECENT key is refused before sending.

use imaplib_blocking::proto::build::{AppendMessage, SearchKey};
use imaplib_blocking::proto::error::{Reason, StateProblem};
use imaplib_blocking::proto::typed::Rev2Modes;
use imaplib_integration_tests::dovecot::{dovecot, UserAccount};
use imaplib_integration_tests::hostile::{Script, Server, Transcript};

const MESSAGE: &str = "From: Jörg <joerg@example.org>\r\nSubject: Grüße aus Köln\r\n\
                       Content-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n";

macro_rules! scenarios {
    ([$($async:tt)*] [$($await:tt)*]) => {
        use super::*;

        pub $($async)* fn no_switch_without_enabled(m: &mut Client) {
            assert!(!m.connection().has_capability("IMAP4rev2"));
            assert!(!m.connection().has_capability("UTF8=ACCEPT"));
            let mut imap = m.typed();
            assert_eq!(imap.enable_rev2()$($await)*.unwrap(), Rev2Modes::default());
            // Asked anyway: Dovecot says OK, confirms nothing.
            let enabled = imap.enable("IMAP4rev2 UTF8=ACCEPT")$($await)*.unwrap();
            assert!(enabled.is_empty(), "{enabled:?}");
            let conn = imap.connection();
            assert!(!conn.rev2() && !conn.utf8_accepted() && !conn.utf8_enabled());
            assert!(conn.enabled().is_empty());

            // Names stay modified UTF-7 on the wire.
            imap.create("Entwürfe")$($await)*.unwrap();
            let raw = m.list(Some("".into()), Some("Entw*".into()))$($await)*.unwrap();
            assert_eq!(
                raw.python_repr(),
                "('OK', [b'(\\\\HasNoChildren) \"/\" Entw&APw-rfe'])"
            );
            let mut imap = m.typed();
            let names: Vec<String> = imap
                .list("", "Entw*")$($await)*
                .unwrap()
                .iter()
                .map(|e| e.name.to_string())
                .collect();
            assert_eq!(names, ["Entwürfe"]);

            // APPEND of UTF-8 data needs UTF8=ACCEPT confirmed: refused, nothing sent.
            let utf8 = [AppendMessage::new(MESSAGE.as_bytes()).utf8()];
            let e = imap.append_many("Entwürfe", &utf8)$($await)*.unwrap_err();
            assert!(matches!(
                e.reason(),
                Reason::State(StateProblem::NotEnabled { extension }) if extension == "UTF8=ACCEPT"
            ), "{e:?}");
            // The plain form works; Dovecot stores the 8-bit header as given.
            imap.append("Entwürfe", &[], None, MESSAGE.as_bytes())$($await)*.unwrap();
            imap.append("Entwürfe", &[], None, b"Subject: plain\r\n\r\nx\r\n")$($await)*.unwrap();

            // rev1 rules still: `* SEARCH`, RECENT, STATUS RECENT, CHECK.
            let status = imap.status("Entwürfe")$($await)*.unwrap();
            assert_eq!((status.messages, status.recent), (Some(2), Some(2)));
            let mailbox = imap.select("Entwürfe")$($await)*.unwrap();
            assert_eq!((mailbox.exists, mailbox.recent), (2, Some(2)));
            let found = imap.search(&SearchKey::subject("Köln"))$($await)*.unwrap();
            assert_eq!(found.iter().collect::<Vec<_>>(), [1]);
            let recent = imap.search(&SearchKey::recent())$($await)*.unwrap();
            assert_eq!(recent.to_string(), "1:2");
            let all = imap.uid_search(&SearchKey::all())$($await)*.unwrap();
            assert_eq!(all.count(), 2);
            imap.check()$($await)*.unwrap();
            let raw = m.search(None, &["ALL"])$($await)*.unwrap();
            assert_eq!(raw.python_repr(), "('OK', [b'1 2'])");
            m.typed().logout()$($await)*.unwrap();
        }
    };
}

/// A rev2 server (RFC 9051's answers) for the typed face's session of `rev2_session`.
fn rev2_server() -> Server {
    Server::start(
        Script::new()
            .send("* OK [CAPABILITY IMAP4rev2 IMAP4rev1 UTF8=ACCEPT AUTH=PLAIN] ready\r\n")
            .expect("LOGIN")
            .reply("{tag} OK [CAPABILITY IMAP4rev2 IMAP4rev1 UTF8=ACCEPT] Logged in\r\n")
            .expect("ENABLE")
            .reply("* ENABLED IMAP4rev2 UTF8=ACCEPT\r\n{tag} OK Enabled\r\n")
            .expect("SELECT")
            .reply(
                "* 3 EXISTS\r\n* OK [UIDVALIDITY 5] UIDs valid\r\n* OK [UIDNEXT 9] next\r\n\
                 * FLAGS (\\Seen \\Deleted)\r\n* LIST () \"/\" \"Entwürfe\"\r\n\
                 {tag} OK [READ-WRITE] SELECT completed\r\n",
            )
            .expect("UID SEARCH")
            .reply("* ESEARCH (TAG \"{tag}\") UID ALL 1:4294967295\r\n{tag} OK done\r\n")
            .expect("SEARCH")
            .reply("* ESEARCH (TAG \"{tag}\") ALL 1:2\r\n{tag} OK done\r\n")
            .expect("STATUS")
            .reply(
                "* STATUS \"Entwürfe\" (MESSAGES 3 UIDNEXT 9 UIDVALIDITY 5 UNSEEN 1 DELETED 1 \
                 SIZE 300)\r\n{tag} OK done\r\n",
            )
            .expect("LIST")
            .reply("* LIST (\\Subscribed) \"/\" \"Entwürfe\"\r\n{tag} OK done\r\n")
            .expect("NOOP")
            .reply("{tag} OK done\r\n")
            .respond(),
    )
}

macro_rules! rev2_scenario {
    ([$($async:tt)*] [$($await:tt)*]) => {
        pub $($async)* fn rev2_session(m: &mut Client) {
            let mut imap = m.typed();
            imap.login("jane", "secret")$($await)*.unwrap();
            let modes = imap.enable_rev2()$($await)*.unwrap();
            assert!(modes.rev2 && modes.utf8_accept, "{modes:?}");
            let mailbox = imap.select("Entwürfe")$($await)*.unwrap();
            assert_eq!((mailbox.exists, mailbox.recent), (3, None));
            let all = imap.uid_search(&SearchKey::all())$($await)*.unwrap();
            assert_eq!((all.ranges().len(), all.count()), (1, 4_294_967_295));
            let e = imap.search(&SearchKey::recent())$($await)*.unwrap_err();
            assert!(matches!(e.reason(), Reason::State(StateProblem::RemovedInRev2 { .. })));
            let seen = imap.search(&SearchKey::seen())$($await)*.unwrap();
            assert_eq!(seen.to_string(), "1:2");
            let status = imap.status("Entwürfe")$($await)*.unwrap();
            assert_eq!((status.deleted, status.size, status.recent), (Some(1), Some(300), None));
            let subscribed = imap.lsub("", "*")$($await)*.unwrap();
            assert_eq!(subscribed.len(), 1);
            assert!(subscribed[0].is_subscribed() && subscribed[0].name == "Entwürfe");
            imap.check()$($await)*.unwrap();
            imap.logout()$($await)*.unwrap();
        }
    };
}

/// What the rev2 server saw: the commands in rev2's forms, nothing removed by rev2.
fn check_rev2_transcript(t: &Transcript) {
    assert_eq!(
        t.command_names(),
        [
            "LOGIN",
            "ENABLE",
            "SELECT",
            "UID SEARCH",
            "SEARCH",
            "STATUS",
            "LIST",
            "NOOP",
            "LOGOUT"
        ]
    );
    let lines: Vec<String> = t
        .commands
        .iter()
        .map(|c| {
            let raw = String::from_utf8(c.raw.clone()).unwrap();
            raw.split_once(' ').unwrap().1.trim_end().to_string()
        })
        .collect();
    assert_eq!(lines[1], "ENABLE IMAP4rev2 UTF8=ACCEPT");
    assert_eq!(lines[2], "SELECT \"Entwürfe\"");
    assert_eq!(lines[4], "SEARCH SEEN");
    assert_eq!(
        lines[5],
        "STATUS \"Entwürfe\" (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE)"
    );
    assert_eq!(lines[6], "LIST (SUBSCRIBED) \"\" *");
    assert!(t.error.is_none(), "{:?}", t.error);
}

fn fresh() -> UserAccount {
    dovecot().new_user()
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
    rev2_scenario!([][]);

    #[test]
    fn no_switch_without_enabled_over_tcp() {
        no_switch_without_enabled(&mut connect(&fresh()));
    }

    #[test]
    fn rev2_session_against_a_scripted_server() {
        let server = rev2_server();
        let mut m = Client::connect("127.0.0.1", server.port()).unwrap();
        rev2_session(&mut m);
        drop(m);
        check_rev2_transcript(&server.finish().transcripts[0]);
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
    rev2_scenario!([async][.await]);

    #[test]
    fn no_switch_without_enabled_over_tcp() {
        smol::block_on(async {
            no_switch_without_enabled(&mut connect(&fresh()).await).await;
        });
    }

    #[test]
    fn rev2_session_against_a_scripted_server() {
        let server = rev2_server();
        smol::block_on(async {
            let mut m = Client::connect("127.0.0.1", server.port()).await.unwrap();
            rev2_session(&mut m).await;
        });
        check_rev2_transcript(&server.finish().transcripts[0]);
    }
}
