//! CATENATE (RFC 4469), SASL-IR (RFC 4959) and CONTEXT=SEARCH (RFC 5267) against the real
//! Dovecot, for both clients (blocking, and async under smol), each case written once in
//! [`cases!`] and run over plain TCP and implicit TLS:
//!
//! - CATENATE: a new message built by the server from a TEXT header and the body of a
//!   stored message by URL (and a URL partial), fetched back byte for byte, through both
//!   faces; a bad URL is `NO [BADURL …]` — `('NO', …)` on the imaplib face, a `Refused`
//!   error with [`Code::BadUrl`] on the typed face;
//! - SASL-IR: PLAIN and SCRAM-SHA-256 with the initial response on the AUTHENTICATE line
//!   take one server response fewer than without (counted by the framer), and log in;
//! - CONTEXT=SEARCH: `PARTIAL` pages through 20 messages (one window past the end is NIL);
//!   `UPDATE` keeps a search live: mail appended by another session arrives as `ADDTO` at
//!   the next NOOP, and while the client waits in IDLE; after `CANCELUPDATE` no more
//!   updates come; an unknown tag is `NO`.

use std::time::{Duration, Instant};

use imaplib_blocking::proto::auth::{Plain, Scram, ScramHash};
use imaplib_blocking::proto::build::{
    AppendMessage, CatenateMessage, FetchAttr, ImapUrl, SearchKey, SearchReturn, Section,
};
use imaplib_blocking::proto::parse::Code;
use imaplib_blocking::proto::{Config, Error, Reason, State};
use imaplib_integration_tests::dovecot::{dovecot, UserAccount};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Plain,
    Tls,
}

const TRANSPORTS: [Transport; 2] = [Transport::Plain, Transport::Tls];

fn tls_config() -> Config {
    let d = dovecot();
    Config::default()
        .with_tls(imaplib_blocking::proto::tls::config_with_ca_pem(d.ca_pem()).unwrap())
        .with_tls_server_name(d.tls_server_name().to_string())
        .with_timeout(Some(Duration::from_secs(60)))
}

const ORIGINAL: &[u8] = b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\n\
Subject: lunch\r\nMessage-ID: <lunch@example.org>\r\n\r\nLunch on Thursday?\r\n\
-- \r\nAlice\r\n";
const HEADER: &[u8] = b"From: Bob <bob@example.org>\r\nTo: Carol <carol@example.org>\r\n\
Subject: Fwd: lunch\r\n\r\n";

/// The body of [`ORIGINAL`] (after the blank line).
fn original_body() -> &'static [u8] {
    let at = ORIGINAL.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    &ORIGINAL[at + 4..]
}

fn refusal_code(e: &Error) -> Option<Code<'_>> {
    match e.reason() {
        Reason::Refused(r) => r.code(),
        other => panic!("not a refusal: {other:?} ({e})"),
    }
}

fn numbered(k: u32) -> Vec<u8> {
    let parity = if k % 2 == 1 { "odd" } else { "even" };
    format!(
        "From: Pager <pager@example.org>\r\nSubject: page {k} {parity}\r\n\
         Message-ID: <{k}@paging.example.org>\r\n\r\nBody {k}\r\n"
    )
    .into_bytes()
}

macro_rules! cases {
    ([$($async:tt)*] [$($await:tt)*]) => {
        $($async)* fn open(transport: Transport) -> Client {
            let d = dovecot();
            let m = match transport {
                Transport::Plain => Client::connect(d.host(), d.plain_port())$($await)*,
                Transport::Tls => {
                    Client::connect_tls_with(d.host(), d.tls_port(), &tls_config())$($await)*
                }
            };
            let m = m.unwrap_or_else(|e| panic!("{CLIENT} {transport:?}: {e}"));
            assert_eq!(m.is_secure(), transport == Transport::Tls);
            m
        }

        $($async)* fn login(transport: Transport, user: &UserAccount) -> Client {
            let mut m = open(transport)$($await)*;
            m.typed().login(user.name.as_str(), user.password.as_str())$($await)*.unwrap();
            m
        }

        /// The server responses framed so far on `m`'s connection.
        fn responses(m: &Client) -> u64 {
            m.connection().diagnostics().frames.responses
        }

        #[test]
        fn catenate_builds_a_message_from_text_and_a_url() {
            run($($async)* {
                let d = dovecot();
                for transport in TRANSPORTS {
                    let what = format!("{CLIENT} {transport:?}");
                    let user = d.new_user();
                    d.create_mailbox(&user.name, "Drafts");
                    let uid = d.deliver(&user.name, "INBOX", ORIGINAL);
                    let mut m = login(transport, &user)$($await)*;
                    assert!(m.connection().has_capability("CATENATE"), "{what}");
                    let inbox = m.typed().select("INBOX")$($await)*.unwrap();
                    let body = ImapUrl::message("INBOX", inbox.uid_validity, uid)
                        .unwrap()
                        .section("TEXT")
                        .unwrap();
                    let forward = CatenateMessage::new().text(HEADER).url(body.clone());

                    // The imaplib face: ('OK', [b'[APPENDUID v 1] Append completed…']).
                    let r = m.append_catenate("Drafts", &forward)$($await)*.unwrap();
                    assert_eq!(r.typ, "OK", "{what}: {r:?}");
                    assert!(r.python_repr().contains("APPENDUID"), "{what}: {r:?}");
                    // The typed face, with a partial URL: the first 18 bytes of the body.
                    let partial = ImapUrl::message("INBOX", inbox.uid_validity, uid)
                        .unwrap()
                        .section("TEXT")
                        .unwrap()
                        .partial(0, Some(18))
                        .unwrap();
                    let short = CatenateMessage::new().text(HEADER).url(partial).text(b"\r\n");
                    let stored = m
                        .typed()
                        .append_catenate("Drafts", &short)$($await)*
                        .unwrap()
                        .unwrap_or_else(|| panic!("{what}: no APPENDUID"));
                    assert_eq!(stored.uids.to_string(), "2", "{what}");

                    m.typed().select("Drafts")$($await)*.unwrap();
                    let fetched = m
                        .typed()
                        .uid_fetch(1..=2, [FetchAttr::uid(), FetchAttr::body_peek(Section::message())])$($await)*
                        .unwrap();
                    let mut got = Vec::new();
                    for f in &fetched {
                        let f = f.unwrap();
                        got.push((f.uid().unwrap(), f.body().unwrap().into_owned()));
                    }
                    got.sort();
                    let mut want1 = HEADER.to_vec();
                    want1.extend_from_slice(original_body());
                    let mut want2 = HEADER.to_vec();
                    want2.extend_from_slice(&original_body()[..18]);
                    want2.extend_from_slice(b"\r\n");
                    assert_eq!(got.len(), 2, "{what}");
                    assert_eq!(String::from_utf8_lossy(&got[0].1), String::from_utf8_lossy(&want1), "{what}");
                    assert_eq!(got[1].1, want2, "{what}");

                    // A URL Dovecot cannot read: NO [BADURL url], as Dovecot sends it.
                    let bad = ImapUrl::parse("/INBOX;UIDVALIDITY=X/;UID=2/;SECTION=HEADER").unwrap();
                    let bad_message = CatenateMessage::new().text(HEADER).url(bad);
                    let r = m.append_catenate("Drafts", &bad_message)$($await)*.unwrap();
                    assert_eq!(r.typ, "NO", "{what}: {r:?}");
                    // The text holds an apostrophe, so Python's repr quotes it with `"`.
                    assert!(
                        r.python_repr().starts_with(
                            "('NO', [b\"[BADURL /INBOX;UIDVALIDITY=X/;UID=2/;SECTION=HEADER] \
                             Invalid IMAP URL: Value 'X' is not a valid IMAP number"
                        ),
                        "{what}: {}", r.python_repr()
                    );
                    let e = m.typed().append_catenate("Drafts", &bad_message)$($await)*.unwrap_err();
                    assert_eq!(
                        refusal_code(&e),
                        Some(Code::BadUrl(b"/INBOX;UIDVALIDITY=X/;UID=2/;SECTION=HEADER")),
                        "{what}: {e}"
                    );
                    // A well-formed URL to a UIDVALIDITY that is not the mailbox's.
                    let stale = ImapUrl::message("INBOX", Some(inbox.uid_validity.unwrap() ^ 1), uid).unwrap();
                    let e = m
                        .typed()
                        .append_catenate("Drafts", &CatenateMessage::new().url(stale.clone()))$($await)*
                        .unwrap_err();
                    assert_eq!(refusal_code(&e), Some(Code::BadUrl(stale.as_str().as_bytes())), "{what}: {e}");
                    // Nothing was stored by the refused ones.
                    let status = m.typed().status_items("Drafts", "(MESSAGES)")$($await)*.unwrap();
                    assert_eq!(status.messages, Some(2), "{what}");
                    m.typed().logout()$($await)*.unwrap();
                }
            })
        }

        #[test]
        fn sasl_ir_saves_a_round_trip() {
            run($($async)* {
                let user = dovecot().new_user();
                for transport in TRANSPORTS {
                    let what = format!("{CLIENT} {transport:?}");
                    // PLAIN: the imaplib face (CPython's bytes, an empty `+` first), then the
                    // typed face (SASL-IR).
                    let mut m = open(transport)$($await)*;
                    assert!(m.connection().has_capability("SASL-IR"), "{what}");
                    let before = responses(&m);
                    let r = m
                        .authenticate("PLAIN", Plain::new(&user.name, &user.password).unwrap())$($await)*
                        .unwrap();
                    assert_eq!(r.typ, "OK", "{what}");
                    let without = responses(&m) - before;
                    assert_eq!(without, 2, "{what}: '+' and the tagged OK");

                    let mut m = open(transport)$($await)*;
                    let before = responses(&m);
                    m.typed()
                        .authenticate("PLAIN", Plain::new(&user.name, &user.password).unwrap())$($await)*
                        .unwrap();
                    assert_eq!(m.state(), State::Auth, "{what}");
                    assert_eq!(responses(&m) - before, 1, "{what}: the tagged OK alone");
                    assert_eq!(m.typed().select("INBOX")$($await)*.unwrap().exists, 0, "{what}");

                    // The imaplib face when asked.
                    let mut m = open(transport)$($await)*;
                    let before = responses(&m);
                    let r = m
                        .authenticate_ir("PLAIN", Plain::new(&user.name, &user.password).unwrap())$($await)*
                        .unwrap();
                    assert_eq!((r.typ.as_str(), responses(&m) - before), ("OK", 1), "{what}");

                    // SCRAM-SHA-256: server-first, server-final, OK with SASL-IR; one more
                    // (the empty '+') without.
                    let scram = || Scram::new(ScramHash::Sha256, &user.name, &user.password).unwrap();
                    let mut m = open(transport)$($await)*;
                    let before = responses(&m);
                    let r = m.authenticate("SCRAM-SHA-256", scram())$($await)*.unwrap();
                    assert_eq!((r.typ.as_str(), responses(&m) - before), ("OK", 4), "{what}");
                    let mut m = open(transport)$($await)*;
                    let before = responses(&m);
                    m.typed().authenticate("SCRAM-SHA-256", scram())$($await)*.unwrap();
                    assert_eq!(responses(&m) - before, 3, "{what}");
                    assert_eq!(m.state(), State::Auth, "{what}");
                    let mut m = open(transport)$($await)*;
                    let before = responses(&m);
                    m.typed().login_scram(&user.name, &user.password)$($await)*.unwrap();
                    assert_eq!(responses(&m) - before, 3, "{what}");

                    // A wrong password with SASL-IR is the server's refusal.
                    let mut m = open(transport)$($await)*;
                    let e = m
                        .typed()
                        .authenticate("PLAIN", Plain::new(&user.name, "wrong").unwrap())$($await)*
                        .unwrap_err();
                    assert_eq!(refusal_code(&e), Some(Code::Other { name: b"AUTHENTICATIONFAILED", data: None }), "{what}: {e}");
                    assert_eq!(m.state(), State::NonAuth, "{what}");
                }
            })
        }

        #[test]
        fn partial_pages_through_twenty_messages() {
            run($($async)* {
                let d = dovecot();
                for transport in TRANSPORTS {
                    let what = format!("{CLIENT} {transport:?}");
                    let user = d.new_user();
                    let mut m = login(transport, &user)$($await)*;
                    let bodies: Vec<Vec<u8>> = (1..=20).map(numbered).collect();
                    let messages: Vec<AppendMessage<'_>> =
                        bodies.iter().map(|b| AppendMessage::new(b)).collect();
                    let stored = m.typed().append_many("INBOX", &messages)$($await)*.unwrap().unwrap();
                    assert_eq!(stored.uids.to_string(), "1:20", "{what}");
                    m.typed().select("INBOX")$($await)*.unwrap();
                    assert!(m.connection().has_capability("CONTEXT=SEARCH"), "{what}");

                    // All 20, five at a time.
                    for (first, last, want) in [(1, 5, "1:5"), (6, 10, "6:10"), (16, 20, "16:20")] {
                        let ret = SearchReturn::new().partial(first, last).unwrap().count();
                        let found = m.typed().esearch(&SearchKey::all(), &ret)$($await)*.unwrap();
                        let page = found.partial.unwrap_or_else(|| panic!("{what}: no PARTIAL"));
                        assert_eq!((page.first, page.last), (first, last), "{what}");
                        assert_eq!(page.set.unwrap().to_string(), want, "{what}");
                        assert_eq!(found.count, Some(20), "{what}");
                    }
                    // The odd ones by UID: positions 2 to 4 are UIDs 3, 5, 7.
                    let odd = SearchKey::subject("odd");
                    let ret = SearchReturn::new().partial(2, 4).unwrap();
                    let found = m.typed().uid_esearch(&odd, &ret)$($await)*.unwrap();
                    assert!(found.uid, "{what}");
                    assert_eq!(found.partial.unwrap().set.unwrap().to_string(), "3,5,7", "{what}");
                    // Past the end: NIL.
                    let ret = SearchReturn::new().partial(11, 15).unwrap();
                    let found = m.typed().uid_esearch(&odd, &ret)$($await)*.unwrap();
                    let page = found.partial.unwrap();
                    assert_eq!((page.first, page.last, page.set), (11, 15, None), "{what}");
                    // A page straddling the end.
                    let ret = SearchReturn::new().partial(9, 12).unwrap();
                    let found = m.typed().uid_esearch(&odd, &ret)$($await)*.unwrap();
                    assert_eq!(found.partial.unwrap().set.unwrap().to_string(), "17,19", "{what}");
                    m.typed().logout()$($await)*.unwrap();
                }
            })
        }

        #[test]
        fn update_reports_new_mail_until_cancelled() {
            run($($async)* {
                let d = dovecot();
                for transport in TRANSPORTS {
                    let what = format!("{CLIENT} {transport:?}");
                    let user = d.new_user();
                    d.deliver(&user.name, "INBOX", &numbered(1));
                    let mut m = login(transport, &user)$($await)*;
                    m.typed().select("INBOX")$($await)*.unwrap();
                    let live = m
                        .typed()
                        .uid_esearch(&SearchKey::subject("odd"), &SearchReturn::new().all().update())$($await)*
                        .unwrap();
                    assert_eq!(live.all.as_ref().map(|s| s.to_string()).as_deref(), Some("1"), "{what}");
                    let tag = live.tag.clone().unwrap_or_else(|| panic!("{what}: no TAG"));

                    // Another session adds a matching message and one that does not match.
                    d.deliver(&user.name, "INBOX", &numbered(2));
                    let uid3 = d.deliver(&user.name, "INBOX", &numbered(3));
                    let deadline = Instant::now() + Duration::from_secs(20);
                    let mut added = Vec::new();
                    while added.is_empty() && Instant::now() < deadline {
                        m.typed().noop()$($await)*.unwrap();
                        for update in m.typed().search_updates().unwrap() {
                            assert_eq!(update.tag.as_deref(), Some(tag.as_str()), "{what}");
                            assert!(update.uid, "{what}");
                            assert!(update.removefrom.is_empty(), "{what}: {update:?}");
                            added.extend(update.addto.iter().map(|c| c.set.to_string()));
                        }
                        if added.is_empty() {
                            pause()$($await)*;
                        }
                    }
                    assert_eq!(added, [uid3.to_string()], "{what}");

                    // In IDLE: the update arrives unsolicited while waiting.
                    let name = user.name.clone();
                    let later = std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_millis(500));
                        dovecot().deliver(&name, "INBOX", &numbered(7))
                    });
                    let in_idle = idle_for_update(&mut m)$($await)*;
                    let uid7 = later.join().unwrap();
                    let [update] = &in_idle[..] else {
                        panic!("{what}: updates in IDLE: {in_idle:?}")
                    };
                    assert_eq!(update.tag.as_deref(), Some(tag.as_str()), "{what}");
                    assert_eq!(update.addto[0].set.to_string(), uid7.to_string(), "{what}");

                    // Cancelled: the next matching message brings no update.
                    m.typed().cancel_update(&[tag.as_str()])$($await)*.unwrap();
                    d.deliver(&user.name, "INBOX", &numbered(5));
                    for _ in 0..3 {
                        m.typed().noop()$($await)*.unwrap();
                    }
                    let inbox = m.typed().select("INBOX")$($await)*.unwrap();
                    assert_eq!(inbox.exists, 5, "{what}");
                    assert!(m.typed().search_updates().unwrap().is_empty(), "{what}");

                    // An unknown tag: NO on both faces.
                    let e = m.typed().cancel_update(&["Z9"])$($await)*.unwrap_err();
                    assert!(matches!(e.reason(), Reason::Refused(_)), "{what}: {e:?}");
                    let r = m.cancel_update(&["Z9"])$($await)*.unwrap();
                    assert_eq!(r.typ, "NO", "{what}: {r:?}");
                    m.typed().logout()$($await)*.unwrap();
                }
            })
        }
    };
}

mod blocking {
    use super::*;
    use imaplib_blocking::Client;

    const CLIENT: &str = "blocking";

    fn run<T>(value: T) -> T {
        value
    }

    fn pause() {
        std::thread::sleep(Duration::from_millis(200));
    }

    /// Waits in IDLE (up to 20 s) for the first live-search update.
    fn idle_for_update(m: &mut Client) -> Vec<imaplib_blocking::proto::typed::Esearch> {
        let mut idler = m.idle(Some(Duration::from_secs(20))).unwrap();
        let mut found = Vec::new();
        for update in idler.by_ref() {
            found = imaplib_blocking::proto::typed::esearch_updates(&update.unwrap()).unwrap();
            if !found.is_empty() {
                break;
            }
        }
        assert_eq!(idler.done().unwrap().typ, "OK");
        found
    }

    cases!([] []);
}

mod on_smol {
    use super::*;
    use imaplib_async::smol::Client;

    const CLIENT: &str = "async (smol)";

    fn run<T>(body: impl std::future::Future<Output = T>) -> T {
        smol::block_on(body)
    }

    async fn pause() {
        smol::Timer::after(Duration::from_millis(200)).await;
    }

    /// Waits in IDLE (up to 20 s) for the first live-search update.
    async fn idle_for_update(m: &mut Client) -> Vec<imaplib_blocking::proto::typed::Esearch> {
        use futures_lite::StreamExt as _;
        let mut idler = m.idle(Some(Duration::from_secs(20))).await.unwrap();
        let mut found = Vec::new();
        while let Some(update) = idler.next().await {
            found = imaplib_blocking::proto::typed::esearch_updates(&update.unwrap()).unwrap();
            if !found.is_empty() {
                break;
            }
        }
        assert_eq!(idler.done().await.unwrap().typ, "OK");
        found
    }

    cases!([async] [.await]);
}
