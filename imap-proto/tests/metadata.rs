//! METADATA (RFC 5464) through a connection: GETMETADATA/SETMETADATA bytes, values as
//! literals, the METADATA data and codes read back by `parse::metadata`, refusals' codes.

mod common;

use common::Script;
use imaplib_proto::build::{Depth, MetadataOptions};
use imaplib_proto::error::{ArgumentProblem, Reason};
use imaplib_proto::parse::{self, Code, MetadataCode, MetadataItem};
use imaplib_proto::{Cause, Command};

fn refused(r: imaplib_proto::Result<Command>, problem: ArgumentProblem) {
    let e = r.expect_err("should be refused");
    assert_eq!(e.cause(), Cause::Argument, "{e}");
    match e.reason() {
        Reason::Argument { problem: p, .. } => assert_eq!(p, &problem, "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn getmetadata_bytes_and_result() {
    let mut s = Script::authed("METADATA");
    let opts = MetadataOptions::new().max_size(5).depth(Depth::Infinity);
    let id =
        s.submit(Command::getmetadata("INBOX", &["/private", "/shared/comment"], &opts).unwrap());
    s.c("TTTT2 GETMETADATA (MAXSIZE 5 DEPTH infinity) INBOX (/private /shared/comment)\r\n");
    s.s("* METADATA INBOX (/private/a {1}\r\n1 /private/b NIL /shared/comment \"x\")\r\n");
    s.s("TTTT2 OK [METADATA LONGENTRIES 11] Getmetadata completed\r\n");
    let reply = s.result(id).unwrap();
    assert_eq!(reply.typ, "OK");
    let items: Vec<_> = parse::metadata(&reply).collect::<Result<_, _>>().unwrap();
    assert_eq!(items.len(), 2, "{items:?}");
    let MetadataItem::Entries(md) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(md.mailbox.raw().as_ref(), b"INBOX");
    let values: Vec<(String, Option<Vec<u8>>)> = md
        .values
        .iter()
        .map(|(k, v)| {
            (
                k.to_str_lossy().into_owned(),
                v.map(|v| v.bytes().into_owned()),
            )
        })
        .collect();
    assert_eq!(
        values,
        [
            ("/private/a".to_string(), Some(b"1".to_vec())),
            ("/private/b".to_string(), None),
            ("/shared/comment".to_string(), Some(b"x".to_vec())),
        ]
    );
    assert_eq!(items[1], MetadataItem::Code(MetadataCode::LongEntries(11)));
}

#[test]
fn server_metadata_and_default_options() {
    let mut s = Script::authed("METADATA");
    s.submit(Command::getmetadata("", &["/shared/admin"], &MetadataOptions::new()).unwrap());
    s.c("TTTT2 GETMETADATA \"\" (/shared/admin)\r\n");
    let mut s = Script::authed("METADATA");
    s.submit(
        Command::getmetadata(
            "INBOX",
            &["/private"],
            &MetadataOptions::new().depth(Depth::One),
        )
        .unwrap(),
    );
    s.c("TTTT2 GETMETADATA (DEPTH 1) INBOX (/private)\r\n");
}

#[test]
fn setmetadata_values_quoted_as_literals_or_nil() {
    let mut s = Script::authed("METADATA LITERAL+");
    let value: &[u8] = b"caf\xc3\xa9\r\nA1 LOGOUT";
    let id = s.submit(
        Command::setmetadata(
            "INBOX",
            &[
                ("/private/comment", Some(&b"my \"comment\""[..])),
                ("/shared/comment", Some(value)),
                ("/shared/old", None),
                ("/shared/empty", Some(&b""[..])),
            ],
        )
        .unwrap(),
    );
    let mut want = b"TTTT2 SETMETADATA INBOX (/private/comment \"my \\\"comment\\\"\" /shared/comment {16+}\r\n".to_vec();
    want.extend_from_slice(value);
    want.extend_from_slice(b" /shared/old NIL /shared/empty \"\")\r\n");
    s.cb(common::t(&String::from_utf8_lossy(&want)).as_bytes());
    s.s("TTTT2 OK Setmetadata completed\r\n");
    assert_eq!(s.result(id).unwrap().typ, "OK");

    // Without LITERAL+ the literal waits for the continuation.
    let mut s = Script::authed("METADATA");
    s.submit(Command::setmetadata("", &[("/shared/x", Some(&b"a\nb"[..]))]).unwrap());
    s.c("TTTT2 SETMETADATA \"\" (/shared/x {3}\r\n");
    s.nothing_sent();
    s.s("+ OK\r\n");
    s.c("a\nb)\r\n");
}

#[test]
fn refusals_carry_the_metadata_codes() {
    for (text, code) in [
        (
            "[METADATA MAXSIZE 1024] too big",
            MetadataCode::MaxSize(1024),
        ),
        ("[METADATA TOOMANY] too many", MetadataCode::TooMany),
        ("[METADATA NOPRIVATE] no", MetadataCode::NoPrivate),
    ] {
        let mut s = Script::authed("METADATA");
        let id =
            s.submit(Command::setmetadata("INBOX", &[("/private/x", Some(&b"v"[..]))]).unwrap());
        s.take_sent();
        s.s(&format!("TTTT2 NO {text}\r\n"));
        let reply = s.result(id).unwrap();
        assert_eq!(reply.typ, "NO");
        let err = reply.into_ok().unwrap_err();
        let Reason::Refused(r) = err.reason() else {
            panic!("{err:?}")
        };
        assert_eq!(r.code(), Some(Code::Metadata(code)), "{text}");
        assert_eq!(
            Code::Metadata(code).to_string(),
            text[1..text.find(']').unwrap()]
        );
    }
    // Unknown METADATA codes are kept as text.
    let c = parse::parse_code(b"METADATA", b"SOMETHING 1").unwrap();
    assert!(
        matches!(
            c,
            Code::Other {
                data: Some(b"SOMETHING 1"),
                ..
            }
        ),
        "{c:?}"
    );
    let c = parse::parse_code(b"METADATA", b"LONGENTRIES x").unwrap();
    assert!(matches!(c, Code::Other { .. }), "{c:?}");
}

#[test]
fn bad_arguments_are_refused() {
    let none = MetadataOptions::new();
    refused(
        Command::getmetadata("INBOX", &[], &none),
        ArgumentProblem::Empty,
    );
    refused(Command::setmetadata("INBOX", &[]), ArgumentProblem::Empty);
    for bad in [
        "/foo",
        "/private/*",
        "/shared/%",
        "/private//a",
        "/private/",
        "x",
        "/private/a\r\nA1 LOGOUT",
    ] {
        refused(
            Command::getmetadata("INBOX", &[bad], &none),
            ArgumentProblem::InvalidEntry,
        );
        refused(
            Command::setmetadata("INBOX", &[(bad, None)]),
            ArgumentProblem::InvalidEntry,
        );
    }
    refused(
        Command::setmetadata("INBOX", &[("/private/x", Some(&b"a\0b"[..]))]),
        ArgumentProblem::Nul,
    );
}

#[test]
fn malformed_metadata_is_an_error_for_that_response_only() {
    use imaplib_proto::{Item, Reply};
    let reply = Reply::new(
        "OK",
        vec![
            Item::Line(b"INBOX (/private/a".to_vec()),
            Item::Line(b"INBOX (comment \"x\")".to_vec()),
            Item::Line(b"INBOX /private/a /shared/b".to_vec()),
            Item::Line(b"INBOX (/private/a \"x\" )".to_vec()),
        ],
    );
    let r: Vec<_> = parse::metadata(&reply).collect();
    assert_eq!(r.len(), 4);
    assert!(r[0].is_err() && r[1].is_err(), "{r:?}");
    let Ok(MetadataItem::Entries(md)) = &r[2] else {
        panic!("{r:?}")
    };
    assert_eq!(md.changed.len(), 2);
    assert!(md.values.is_empty());
    assert!(r[3].is_ok(), "{r:?}");
}

#[test]
fn a_huge_metadata_literal_is_bounded_by_the_literal_limit() {
    use imaplib_proto::error::Limit;
    use imaplib_proto::Limits;
    let mut opts = Script::opts();
    opts.limits = Limits {
        max_literal: 1000,
        ..Limits::default()
    };
    let mut s = Script::new(opts);
    s.s("* OK [CAPABILITY IMAP4rev1 METADATA] hi\r\n");
    s.expect_connected();
    // Refused at the marker: nothing of the announced size is allocated.
    s.s("* METADATA INBOX (/private/a {4000000000}\r\n");
    let e = s.fatal();
    assert!(
        matches!(
            e.reason(),
            Reason::LimitExceeded {
                limit: Limit::Literal,
                bound: 1000,
                ..
            }
        ),
        "{e:?}"
    );
}
