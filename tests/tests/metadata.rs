//! METADATA (RFC 5464) against Dovecot (`imap_metadata = yes`, a file dictionary), through
//! the typed face and the imaplib face of both clients (blocking, and async under smol),
//! over TCP and implicit TLS:
//!
//! * SETMETADATA then GETMETADATA round-trips a plain value, a value with CRLF and 8-bit
//!   bytes (sent as a literal) and a value containing quotes; server metadata (mailbox
//!   `""`) too;
//! * `NIL` deletes an entry (it then reads back as `NIL`);
//! * `MAXSIZE` leaves a long value out and the tagged OK says `[METADATA LONGENTRIES n]`;
//! * `DEPTH 1` returns the immediate children, `DEPTH infinity` all descendants;
//! * an invalid entry name is refused before anything is sent; a read-only server entry
//!   is a `Refused` error.

use imaplib_blocking::proto::build::{Depth, MetadataOptions};
use imaplib_blocking::proto::parse::{self, MetadataCode, MetadataItem};
use imaplib_blocking::proto::{Cause, Reason};
use imaplib_integration_tests::dovecot::{dovecot, UserAccount};

const CRLF_8BIT: &[u8] = b"Gr\xc3\xbc\xc3\x9fe\r\nzweite Zeile \xe2\x82\xac";

/// The scenarios, written once: `[async] [.await]` or `[] []`. `Client` and `connect`
/// (a logged-in client of a user) must be in scope.
macro_rules! scenarios {
    ([$($async:tt)*] [$($await:tt)*]) => {
        use super::*;

        pub $($async)* fn round_trip(m: &mut Client) {
            assert!(m.connection().has_capability("METADATA"), "{:?}", m.connection().capabilities());
            let mut imap = m.typed();
            imap.set_metadata(
                "INBOX",
                &[
                    ("/private/comment", Some(&b"my comment"[..])),
                    ("/shared/comment", Some(CRLF_8BIT)),
                    ("/private/vendor/x/quoted", Some(&b"say \"hi\" \\ bye"[..])),
                ],
            )$($await)*.unwrap();
            let none = MetadataOptions::new();
            let md = imap
                .get_metadata(
                    "INBOX",
                    &["/private/comment", "/shared/comment", "/private/vendor/x/quoted", "/private/nothing"],
                    &none,
                )$($await)*
                .unwrap();
            assert_eq!(md.get("/private/comment"), Some(Some(&b"my comment"[..])), "{md:?}");
            assert_eq!(md.get("/shared/comment"), Some(Some(CRLF_8BIT)), "{md:?}");
            assert_eq!(
                md.get("/private/vendor/x/quoted"),
                Some(Some(&b"say \"hi\" \\ bye"[..])),
                "{md:?}"
            );
            assert_eq!(md.get("/private/nothing"), Some(None), "{md:?}");
            assert_eq!(md.long_entries, None);
            assert!(md.entries.iter().all(|e| e.mailbox.as_str() == "INBOX"), "{md:?}");

            // Server metadata: mailbox "".
            imap.set_metadata("", &[("/private/vendor/test/server", Some(CRLF_8BIT))])$($await)*.unwrap();
            let md = imap.get_metadata("", &["/private/vendor/test/server"], &none)$($await)*.unwrap();
            assert_eq!(md.get("/private/vendor/test/server"), Some(Some(CRLF_8BIT)), "{md:?}");
            assert_eq!(md.entries[0].mailbox.as_str(), "");

            // NIL deletes.
            imap.set_metadata("INBOX", &[("/private/comment", None)])$($await)*.unwrap();
            let md = imap.get_metadata("INBOX", &["/private/comment"], &none)$($await)*.unwrap();
            assert_eq!(md.get("/private/comment"), Some(None), "{md:?}");

            // Refusals: an invalid name never leaves the client; a read-only entry is NO.
            let e = imap.set_metadata("INBOX", &[("/private/a*", None)])$($await)*.unwrap_err();
            assert_eq!(e.cause(), Cause::Argument, "{e}");
            let e = imap
                .set_metadata("", &[("/shared/admin", Some(&b"mailto:x@example.org"[..]))])$($await)*
                .unwrap_err();
            assert!(matches!(e.reason(), Reason::Refused(_)), "{e:?}");
            // The connection goes on.
            imap.noop()$($await)*.unwrap();
        }

        pub $($async)* fn maxsize_and_depth(m: &mut Client) {
            let mut imap = m.typed();
            imap.set_metadata(
                "INBOX",
                &[
                    ("/private/vendor/x/a", Some(&b"1"[..])),
                    ("/private/vendor/x/a/b", Some(&b"2"[..])),
                    ("/private/vendor/x/a/b/c", Some(&b"3"[..])),
                    ("/private/vendor/x/long", Some(&b"eleven char"[..])),
                ],
            )$($await)*.unwrap();

            // MAXSIZE 5: the 11-byte value is left out, LONGENTRIES says how long it was.
            let md = imap
                .get_metadata(
                    "INBOX",
                    &["/private/vendor/x/a", "/private/vendor/x/long"],
                    &MetadataOptions::new().max_size(5),
                )$($await)*
                .unwrap();
            assert_eq!(md.long_entries, Some(11), "{md:?}");
            assert_eq!(md.get("/private/vendor/x/a"), Some(Some(&b"1"[..])), "{md:?}");
            assert_eq!(md.get("/private/vendor/x/long").flatten(), None, "{md:?}");

            let names = |md: &imaplib_blocking::proto::typed::MetadataValues| {
                let mut n: Vec<String> = md.entries.iter().map(|e| e.name.to_ascii_lowercase()).collect();
                n.sort();
                n
            };
            let md = imap
                .get_metadata("INBOX", &["/private/vendor/x/a"], &MetadataOptions::new().depth(Depth::One))$($await)*
                .unwrap();
            assert_eq!(names(&md), ["/private/vendor/x/a", "/private/vendor/x/a/b"], "{md:?}");
            let md = imap
                .get_metadata("INBOX", &["/private/vendor/x/a"], &MetadataOptions::new().depth(Depth::Infinity))$($await)*
                .unwrap();
            assert_eq!(
                names(&md),
                ["/private/vendor/x/a", "/private/vendor/x/a/b", "/private/vendor/x/a/b/c"],
                "{md:?}"
            );

            // The imaplib face: the same data, with the code's data as the last item.
            let reply = m
                .getmetadata("INBOX", &["/private/vendor/x/long"], &MetadataOptions::new().max_size(5))$($await)*
                .unwrap();
            assert_eq!(reply.typ, "OK");
            let items: Vec<_> = parse::metadata(&reply).collect::<Result<_, _>>().unwrap();
            assert_eq!(items.last(), Some(&MetadataItem::Code(MetadataCode::LongEntries(11))), "{items:?}");
            let reply = m.setmetadata("INBOX", &[("/private/vendor/x/long", None)])$($await)*.unwrap();
            assert_eq!(reply.typ, "OK");
        }
    };
}

mod blocking {
    use imaplib_blocking::Client;
    use imaplib_integration_tests::connect::{self, Transport};

    fn connect(user: &UserAccount, transport: Transport) -> Client {
        connect::blocking(user, transport)
    }

    scenarios!([][]);

    #[test]
    fn metadata_round_trip_over_tcp() {
        let user = dovecot().new_user();
        round_trip(&mut connect(&user, Transport::Tcp));
    }

    #[test]
    fn metadata_round_trip_over_tls() {
        let user = dovecot().new_user();
        round_trip(&mut connect(&user, Transport::Tls));
    }

    #[test]
    fn metadata_maxsize_and_depth_over_tcp() {
        let user = dovecot().new_user();
        maxsize_and_depth(&mut connect(&user, Transport::Tcp));
    }

    #[test]
    fn metadata_maxsize_and_depth_over_tls() {
        let user = dovecot().new_user();
        maxsize_and_depth(&mut connect(&user, Transport::Tls));
    }
}

mod on_smol {
    use imaplib_async::smol::Client;
    use imaplib_integration_tests::connect::{self, Transport};

    async fn connect(user: &UserAccount, transport: Transport) -> Client {
        connect::smol(user, transport).await
    }

    scenarios!([async][.await]);

    #[test]
    fn metadata_round_trip_over_tcp() {
        smol::block_on(async {
            let user = dovecot().new_user();
            round_trip(&mut connect(&user, Transport::Tcp).await).await;
        });
    }

    #[test]
    fn metadata_round_trip_over_tls() {
        smol::block_on(async {
            let user = dovecot().new_user();
            round_trip(&mut connect(&user, Transport::Tls).await).await;
        });
    }

    #[test]
    fn metadata_maxsize_and_depth_over_tcp() {
        smol::block_on(async {
            let user = dovecot().new_user();
            maxsize_and_depth(&mut connect(&user, Transport::Tcp).await).await;
        });
    }

    #[test]
    fn metadata_maxsize_and_depth_over_tls() {
        smol::block_on(async {
            let user = dovecot().new_user();
            maxsize_and_depth(&mut connect(&user, Transport::Tls).await).await;
        });
    }
}
