//! I18NLEVEL=1 (RFC 5255 §4) against Dovecot, through the typed face of both clients
//! (blocking, and async under smol), over plain TCP and implicit TLS.
//!
//! The capability asks nothing new of a client: it says the server compares SEARCH and SORT
//! strings with the `i;unicode-casemap` collation (RFC 5051) instead of ASCII case folding.
//! What the client must get right is carrying the non-ASCII text intact — `CHARSET UTF-8`
//! with the text quoted or as a literal — and reading the answer. These tests check that the
//! server's Unicode case folding is reachable through the builders: a subject in another
//! case, raw UTF-8 in the header or an RFC 2047 encoded word, is found; text that differs
//! in more than case is not.

use imaplib_blocking::proto::build::SearchKey;
use imaplib_integration_tests::connect::{self, Transport};
use imaplib_integration_tests::dovecot::{dovecot, UserAccount};

const MAILBOX: &str = "Intl";

/// A user whose `Intl` holds three messages: UID 1 with a raw UTF-8 subject, UID 2 with the
/// same words as RFC 2047 encoded words, UID 3 in ASCII.
fn seeded() -> UserAccount {
    let d = dovecot();
    let user = d.new_user();
    d.create_mailbox(&user.name, MAILBOX);
    let messages: [&[u8]; 3] = [
        b"From: a@example.org\r\nSubject: \xc3\x84rger mit \xc3\x89t\xc3\xa9\r\n\r\nx\r\n",
        b"From: b@example.org\r\nSubject: =?UTF-8?Q?=C3=84rger_mit_=C3=89t=C3=A9?=\r\n\r\ny\r\n",
        b"From: c@example.org\r\nSubject: Arger mit Ete\r\n\r\nz\r\n",
    ];
    for (k, m) in messages.iter().enumerate() {
        assert_eq!(d.append(&user.name, MAILBOX, &[], None, m), k as u32 + 1);
    }
    user
}

macro_rules! scenarios {
    ([$($async:tt)*] [$($await:tt)*]) => {
        pub $($async)* fn unicode_case_folding(m: &mut Client) {
            assert!(m.connection().has_capability("I18NLEVEL=1"));
            let mut imap = m.typed();
            imap.examine(MAILBOX)$($await)*.unwrap();
            for (text, want) in [
                ("ärger", "1:2"),      // the upper-case Ä folded
                ("ÄRGER MIT ÉTÉ", "1:2"), // É/é too
                ("mit été", "1:2"),
                ("arger", "3"),        // Ä is not A: no accent folding at level 1
                ("ARGER MIT ETE", "3"),
            ] {
                let found = imap.uid_search(&SearchKey::subject(text))$($await)*.unwrap();
                assert_eq!(found.to_string(), want, "SUBJECT {text:?}");
            }
            imap.logout()$($await)*.unwrap();
        }
    };
}

mod blocking {
    use super::*;
    use imaplib_blocking::Client;

    scenarios!([][]);

    #[test]
    fn unicode_case_folding_over_tcp_and_tls() {
        for t in [Transport::Tcp, Transport::Tls] {
            unicode_case_folding(&mut connect::blocking(&seeded(), t));
        }
    }
}

mod on_smol {
    use super::*;
    use imaplib_async::smol::Client;

    scenarios!([async][.await]);

    #[test]
    fn unicode_case_folding_over_tcp_and_tls() {
        smol::block_on(async {
            for t in [Transport::Tcp, Transport::Tls] {
                unicode_case_folding(&mut connect::smol(&seeded(), t).await).await;
            }
        });
    }
}
