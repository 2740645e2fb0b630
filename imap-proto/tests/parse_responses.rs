//! Typed parsing of real-looking responses: RFC 3501 §8, Dovecot, Gmail; views over
//! imaplib-shaped replies; errors and limits.

mod parse_common;

use std::time::{Duration, Instant};

use imaplib_proto::parse::{
    self, grouped, parse_greeting, parse_response, AddressEntry, Body, Code, Continuation, Data,
    FetchItem, NameEncoding, Response, SectionText, SeqSet, Specific, StatusKind,
};
use imaplib_proto::{Item, Reply};
use parse_common::{frame, frames, untagged};

fn fetch_of(d: Data<'_>) -> parse::Fetch<'_> {
    match d {
        Data::Fetch(f) => f,
        other => panic!("not FETCH: {other:?}"),
    }
}

#[test]
fn rfc3501_section8_transcript() {
    let wire: &[u8] = b"* OK IMAP4rev1 Service Ready\r\n\
* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI\r\n\
a002 OK LOGIN completed\r\n\
* 18 EXISTS\r\n\
* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n\
* 2 RECENT\r\n\
* OK [UNSEEN 17] Message 17 is the first unseen message\r\n\
* OK [UIDVALIDITY 3857529045] UIDs valid\r\n\
a002 OK [READ-WRITE] SELECT completed\r\n\
* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\") BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n\
* 12 FETCH (BODY[HEADER] {38}\r\nDate: Wed, 17 Jul 1996\r\nSubject: x\r\n\r\n)\r\n\
* 14 FETCH (FLAGS (\\Seen \\Deleted))\r\n\
* 3 EXPUNGE\r\n\
* LIST (\\Noselect) \"/\" \"\"\r\n\
* LIST () \".\" #news.comp.mail.misc\r\n\
* LSUB () \".\" #news.comp.mail.misc\r\n\
* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n\
* SEARCH 2 84 882\r\n\
* SEARCH\r\n\
+ Ready for additional command text\r\n\
* BYE IMAP4rev1 Server logging out\r\n\
A023 OK LOGOUT completed\r\n";
    let all = frames(wire);
    let parsed: Vec<Response<'_>> = all.iter().map(|f| parse_response(f).unwrap()).collect();
    assert_eq!(parsed.len(), 22);
    let Response::Untagged(Data::Capability(c)) = &parsed[1] else {
        panic!()
    };
    assert!(c.has("auth=gssapi") && c.has("STARTTLS"));
    assert!(
        matches!(&parsed[2], Response::Tagged { tag: b"a002", status } if status.kind == StatusKind::Ok)
    );
    assert_eq!(parsed[3], Response::Untagged(Data::Exists(18)));
    let Response::Untagged(Data::Flags(flags)) = &parsed[4] else {
        panic!()
    };
    assert!(flags.iter().all(|f| f.is_system()));
    assert_eq!(parsed[5], Response::Untagged(Data::Recent(2)));
    let Response::Untagged(Data::Status(s)) = &parsed[7] else {
        panic!()
    };
    assert_eq!(s.code, Some(Code::UidValidity(3857529045)));
    let Response::Tagged { status, .. } = &parsed[8] else {
        panic!()
    };
    assert_eq!(status.code, Some(Code::ReadWrite));
    assert_eq!(status.text, b"SELECT completed");

    let Response::Untagged(Data::Fetch(f)) = &parsed[9] else {
        panic!()
    };
    assert_eq!(f.seq, 12);
    assert_eq!(f.internal_date().unwrap().timestamp(), 837_596_665);
    assert!(f.items.contains(&FetchItem::Rfc822Size(4286)));
    let e = f.envelope().unwrap();
    assert_eq!(
        &*e.subject.unwrap().bytes(),
        b"IMAP4rev1 WG mtg summary and minutes"
    );
    assert_eq!(e.from[0].email().unwrap(), "gray@cac.washington.edu");
    assert_eq!(e.cc.len(), 2);
    assert_eq!(e.parsed_date().unwrap().timestamp(), 837_595_405);
    let Some(Body::Single(p)) = f.body_structure() else {
        panic!()
    };
    assert!(p.is("text", "plain"));
    assert_eq!(
        (p.octets, &p.specific, p.ext.fields),
        (3028, &Specific::Text { lines: 92 }, 0)
    );

    let Response::Untagged(Data::Fetch(f)) = &parsed[10] else {
        panic!()
    };
    let FetchItem::BodySection {
        section,
        origin,
        data,
    } = &f.items[0]
    else {
        panic!()
    };
    assert_eq!(
        (section.text.clone(), *origin),
        (Some(SectionText::Header), None)
    );
    assert!(data.unwrap().raw().starts_with(b"Date: "));

    assert_eq!(parsed[12], Response::Untagged(Data::Expunge(3)));
    let Response::Untagged(Data::List(l)) = &parsed[13] else {
        panic!()
    };
    assert!(l.has("\\noselect"));
    assert_eq!(l.delimiter_byte(), Some(b'/'));
    assert_eq!(&*l.mailbox.raw(), b"");
    let Response::Untagged(Data::Lsub(l)) = &parsed[15] else {
        panic!()
    };
    assert_eq!(l.mailbox.decoded(), "#news.comp.mail.misc");
    let Response::Untagged(Data::MailboxStatus(s)) = &parsed[16] else {
        panic!()
    };
    assert_eq!(s.get(parse::StatusAttr::UidNext), Some(44292));
    let Response::Untagged(Data::Search(s)) = &parsed[17] else {
        panic!()
    };
    assert_eq!(s.ids.to_string(), "2,84,882");
    let Response::Untagged(Data::Search(s)) = &parsed[18] else {
        panic!()
    };
    assert!(s.ids.is_empty());
    let Response::Continuation(Continuation::Text { text, .. }) = &parsed[19] else {
        panic!()
    };
    assert_eq!(*text, b"Ready for additional command text");
    assert!(
        matches!(&parsed[20], Response::Untagged(Data::Status(s)) if s.kind == StatusKind::Bye)
    );
}

#[test]
fn greetings() {
    let f = frame(b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n");
    let g = parse_greeting(&f).unwrap();
    let Some(Code::Capability(caps)) = &g.code else {
        panic!()
    };
    assert!(caps.contains(&&b"LITERAL+"[..]));
    let f = frame(b"* OK Gimap ready for requests from 1.2.3.4 r1mb\r\n");
    assert_eq!(parse_greeting(&f).unwrap().kind, StatusKind::Ok);
    let f = frame(b"* PREAUTH [CAPABILITY IMAP4rev1] Logged in as alice\r\n");
    assert_eq!(parse_greeting(&f).unwrap().kind, StatusKind::Preauth);
    assert!(parse_greeting(&frame(b"* NO go away\r\n")).is_err());
    assert!(parse_greeting(&frame(b"A1 OK hi\r\n")).is_err());
}

#[test]
fn continuation_base64_and_text() {
    let f = frame(b"+ YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSjBIoAMCAQGiQQQ/\r\n");
    let Response::Continuation(c) = parse_response(&f).unwrap() else {
        panic!()
    };
    assert!(matches!(c, Continuation::Base64(_)));
    assert!(c.decode_base64().unwrap().starts_with(&[0x60, 0x68]));
    let f = frame(b"+ idling\r\n");
    let Response::Continuation(c) = parse_response(&f).unwrap() else {
        panic!()
    };
    assert!(matches!(
        c,
        Continuation::Text {
            text: b"idling",
            code: None
        }
    ));
    let f = frame(b"+ [ALERT] look\r\n");
    let Response::Continuation(c) = parse_response(&f).unwrap() else {
        panic!()
    };
    assert!(matches!(
        c,
        Continuation::Text {
            code: Some(Code::Alert),
            ..
        }
    ));
}

#[test]
fn response_codes() {
    let cases: Vec<(&[u8], Code<'_>)> = vec![
        (b"* OK [ALERT] x\r\n", Code::Alert),
        (b"* NO [PARSE] x\r\n", Code::Parse),
        (b"* OK [READ-ONLY] x\r\n", Code::ReadOnly),
        (b"* NO [TRYCREATE] x\r\n", Code::TryCreate),
        (b"* OK [UIDNEXT 4392] x\r\n", Code::UidNext(4392)),
        (b"* OK [UNSEEN 12] x\r\n", Code::Unseen(12)),
        (
            b"* OK [HIGHESTMODSEQ 715194045007] x\r\n",
            Code::HighestModSeq(715194045007),
        ),
        (b"* OK [NOMODSEQ] x\r\n", Code::NoModSeq),
        (b"* OK [CLOSED] x\r\n", Code::Closed),
        (b"* OK [UIDNOTSTICKY] x\r\n", Code::UidNotSticky),
        (
            b"* NO [REFERRAL imap://user;AUTH=*@SERVER2/] Remote Server\r\n",
            Code::Referral(b"imap://user;AUTH=*@SERVER2/"),
        ),
        (
            b"* OK [XPROPRIETARY some data] x\r\n",
            Code::Other {
                name: b"XPROPRIETARY",
                data: Some(b"some data"),
            },
        ),
    ];
    for (wire, want) in cases {
        let f = frame(wire);
        let (d, _) = untagged(&f);
        let Data::Status(s) = d else { panic!() };
        assert_eq!(s.code, Some(want), "{}", String::from_utf8_lossy(wire));
    }
    let f = frame(b"A3 OK [APPENDUID 38505 3955] APPEND completed\r\n");
    let Response::Tagged { status, .. } = parse_response(&f).unwrap() else {
        panic!()
    };
    assert_eq!(status.code.unwrap().to_string(), "APPENDUID 38505 3955");
    let f = frame(b"A4 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
    let Response::Tagged { status, .. } = parse_response(&f).unwrap() else {
        panic!()
    };
    let Some(Code::CopyUid { source, dest, .. }) = &status.code else {
        panic!()
    };
    assert_eq!((source.count(), dest.count()), (3, 3));
    let f = frame(b"A5 NO [BADCHARSET (UTF-8 \"ISO-8859-1\")] no\r\n");
    let Response::Tagged { status, .. } = parse_response(&f).unwrap() else {
        panic!()
    };
    let Some(Code::BadCharset(cs)) = &status.code else {
        panic!()
    };
    assert_eq!(cs.len(), 2);
    let f = frame(b"A6 OK [MODIFIED 7,9] Conditional STORE failed\r\n");
    let Response::Tagged { status, .. } = parse_response(&f).unwrap() else {
        panic!()
    };
    assert_eq!(status.code.unwrap().to_string(), "MODIFIED 7,9");
}

#[test]
fn dovecot_fetch_bodystructure_multipart_with_extensions() {
    let f = frame(b"* 3 FETCH (UID 1042 FLAGS (\\Seen $Forwarded) RFC822.SIZE 48213 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\" \"format\" \"flowed\") NIL NIL \"quoted-printable\" 1224 31 NIL NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"Rechnung 2024.pdf\") \"<part2@x>\" \"Invoice\" \"base64\" 45120 \"Q2hlY2tzdW0=\" (\"attachment\" (\"filename\" \"Rechnung 2024.pdf\" \"size\" \"33012\")) (\"de\" \"en\") \"http://x/y\" 42 (\"a\" 1)) \"mixed\" (\"boundary\" \"----=_Part_1\") (\"inline\" NIL) \"en\" NIL) MODSEQ (12345))\r\n");
    let (d, q) = untagged(&f);
    assert!(q.is_empty());
    let f = fetch_of(d);
    assert!(f.items.contains(&FetchItem::ModSeq(12345)));
    let Some(Body::Multi(m)) = f.body_structure() else {
        panic!()
    };
    assert_eq!(m.parts.len(), 2);
    assert_eq!(m.subtype.raw(), b"mixed");
    assert_eq!(m.ext.params[0].0.raw(), b"boundary");
    assert_eq!(m.ext.disposition.as_ref().unwrap().kind.raw(), b"inline");
    assert_eq!(m.ext.language.len(), 1);
    assert_eq!(m.ext.fields, 4);
    let Body::Single(pdf) = &m.parts[1] else {
        panic!()
    };
    assert_eq!(pdf.octets, 45120);
    assert_eq!(pdf.ext.md5.unwrap().raw(), b"Q2hlY2tzdW0=");
    let d = pdf.ext.disposition.as_ref().unwrap();
    assert_eq!(d.params[0].1.unwrap().to_str_lossy(), "Rechnung 2024.pdf");
    assert_eq!(pdf.ext.language.len(), 2);
    assert_eq!(pdf.ext.location.unwrap().raw(), b"http://x/y");
    assert_eq!(pdf.ext.extensions.len(), 2);
    let mut paths = Vec::new();
    f.body_structure()
        .unwrap()
        .walk(|p, _| paths.push(p.to_vec()));
    assert_eq!(paths, [vec![], vec![1], vec![2]]);
}

#[test]
fn message_rfc822_nests_envelope_and_body() {
    let f = frame(b"* 9 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 20 1 NIL NIL NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 500 (\"Mon, 1 Jan 2024 10:00:00 +0000\" \"inner\" ((\"A\" NIL \"a\" \"b.c\")) NIL NIL ((\"G\" NIL \"grp\" NIL)(NIL NIL \"m1\" \"x.y\")(NIL NIL NIL NIL)) NIL NIL NIL \"<in@b.c>\") (\"text\" \"html\" NIL NIL NIL \"8bit\" 300 10 NIL NIL NIL NIL) 14 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL))\r\n");
    let (d, q) = untagged(&f);
    assert!(q.is_empty(), "{q:?}");
    let f = fetch_of(d);
    let Some(Body::Multi(m)) = f.body_structure() else {
        panic!()
    };
    let Body::Single(msg) = &m.parts[1] else {
        panic!()
    };
    let Specific::Message {
        envelope,
        body,
        lines,
    } = &msg.specific
    else {
        panic!()
    };
    assert_eq!(*lines, 14);
    assert_eq!(&*envelope.subject.unwrap().bytes(), b"inner");
    let entries: Vec<_> = grouped(&envelope.to).collect();
    assert_eq!(entries.len(), 1);
    let AddressEntry::Group { name, members } = entries[0] else {
        panic!()
    };
    assert_eq!(name.unwrap().raw(), b"grp");
    assert_eq!(members.len(), 1);
    let Body::Single(inner) = &**body else {
        panic!()
    };
    assert!(inner.is("TEXT", "HTML"));
}

#[test]
fn gmail_fetch_items() {
    let f = frame(b"* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\") UID 1 FLAGS (\\Seen))\r\n");
    let (d, q) = untagged(&f);
    assert!(q.is_empty());
    let f = fetch_of(d);
    assert_eq!(f.items[0], FetchItem::GmailThrId(1278455344230334865));
    assert_eq!(f.items[1], FetchItem::GmailMsgId(1278455344230334865));
    let FetchItem::GmailLabels(l) = &f.items[2] else {
        panic!()
    };
    let labels: Vec<String> = l.iter().map(|s| s.to_str_lossy().into_owned()).collect();
    assert_eq!(labels, ["\\Inbox", "\\Sent", "Important", "Muy Importante"]);
}

#[test]
fn binary_partial_has_an_origin() {
    // RFC 3516: `BINARY[2]<2>` answers `BINARY.PEEK[2]<2.6>` (found against Dovecot).
    let f = frame(b"* 5 FETCH (BINARY[2]<2> ~{6}\r\nbinary UID 9)\r\n");
    let (d, q) = untagged(&f);
    assert!(q.is_empty(), "{q:?}");
    let f = fetch_of(d);
    let FetchItem::Binary { section, data } = &f.items[0] else {
        panic!("{:?}", f.items)
    };
    assert_eq!(
        (section.part.as_slice(), data.unwrap().raw()),
        (&[2][..], &b"binary"[..])
    );
    assert_eq!(f.uid(), Some(9));
}

#[test]
fn sections_binary_and_partial() {
    let wire = b"* 7 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT)] {19}\r\nSubject: hi\r\nFrom: \r\n BODY[1.2]<0> \"abc\" BINARY[1] ~{3}\r\n\x00\x01\x02 BINARY.SIZE[1] 3 BODY[2.MIME] NIL RFC822.HEADER {2}\r\nH: RFC822.TEXT \"t\")\r\n";
    let f = frame(wire);
    let (d, q) = untagged(&f);
    assert!(q.is_empty(), "{q:?}");
    let f = fetch_of(d);
    let FetchItem::BodySection { section, data, .. } = &f.items[0] else {
        panic!()
    };
    let Some(SectionText::HeaderFields { not, fields }) = &section.text else {
        panic!()
    };
    assert!(!not);
    assert_eq!(fields.len(), 2);
    assert_eq!(section.raw, b"HEADER.FIELDS (FROM SUBJECT)");
    assert_eq!(data.unwrap().raw().len(), 19);
    let FetchItem::BodySection {
        section,
        origin,
        data,
    } = &f.items[1]
    else {
        panic!()
    };
    assert_eq!((section.part.as_slice(), *origin), (&[1, 2][..], Some(0)));
    assert_eq!(data.unwrap().raw(), b"abc");
    let FetchItem::Binary { data, .. } = &f.items[2] else {
        panic!()
    };
    assert_eq!(data.unwrap().form(), parse::StrForm::Literal8);
    assert_eq!(data.unwrap().raw(), b"\x00\x01\x02");
    assert!(matches!(f.items[3], FetchItem::BinarySize { size: 3, .. }));
    let FetchItem::BodySection {
        section,
        data: None,
        ..
    } = &f.items[4]
    else {
        panic!()
    };
    assert_eq!(section.text, Some(SectionText::Mime));
    assert_eq!(f.section("1.2").unwrap().unwrap().raw(), b"abc");
    assert!(matches!(&f.items[5], FetchItem::Rfc822Header(Some(s)) if s.raw() == b"H:"));
    assert!(matches!(&f.items[6], FetchItem::Rfc822Text(Some(_))));
}

#[test]
fn unknown_items_are_kept_verbatim() {
    let f = frame(b"* 1 FETCH (X-FOO (a \"b)\" (c)) SAVEDATE \"1-Jan-2024 00:00:00 +0000\" X-LIT {3}\r\nabc X-SEC[1] x UID 5)\r\n");
    let (d, _) = untagged(&f);
    let f = fetch_of(d);
    assert_eq!(f.uid(), Some(5));
    let FetchItem::Other { name, value } = &f.items[0] else {
        panic!()
    };
    assert_eq!(
        (*name, value.to_wire()),
        (&b"X-FOO"[..], b"(a \"b)\" (c))".to_vec())
    );
    // SAVEDATE (RFC 8514) is a known item now.
    let FetchItem::SaveDate(Some(date)) = &f.items[1] else {
        panic!("{:?}", f.items[1])
    };
    assert_eq!(date.to_rfc3339(), "2024-01-01T00:00:00+00:00");
    let FetchItem::Other { name, value } = &f.items[2] else {
        panic!()
    };
    assert_eq!(*name, b"X-LIT");
    assert_eq!(value.to_wire(), b"{3}\r\nabc".to_vec());
    let FetchItem::Other { name, value } = &f.items[3] else {
        panic!()
    };
    assert_eq!((*name, value.first()), (&b"X-SEC[1]"[..], &b"x"[..]));
}

#[test]
fn other_untagged_responses() {
    let fr = frame(b"* THREAD (2)(3 6 (4 23)(44 7 96))\r\n");
    let (d, _) = untagged(&fr);
    let Data::Thread(t) = d else { panic!() };
    assert_eq!(t.roots().len(), 2);
    let three = t.roots()[1];
    let six: Vec<_> = t.children(three).collect();
    assert_eq!(t.nodes()[six[0]].id, Some(6));
    assert_eq!(t.children(six[0]).count(), 2);
    let mut out = Vec::new();
    t.write_to(&mut out);
    assert_eq!(out, b"(2)(3 6 (4 23)(44 7 96))");
    let fr = frame(b"* THREAD ((3)(5))\r\n");
    let (d, _) = untagged(&fr);
    let Data::Thread(t) = d else { panic!() };
    assert_eq!(t.nodes()[t.roots()[0]].id, None);
    assert_eq!(t.children(t.roots()[0]).count(), 2);

    let fr = frame(b"* ESEARCH (TAG \"A282\") UID MIN 2 COUNT 3 ALL 2,10:11 MODSEQ 917162500\r\n");
    let (d, _) = untagged(&fr);
    let Data::Esearch(e) = d else { panic!() };
    assert!(e.uid);
    assert_eq!(
        (e.min, e.count, e.modseq),
        (Some(2), Some(3), Some(917162500))
    );
    assert_eq!(e.all.unwrap().to_string(), "2,10:11");
    assert_eq!(e.tag.unwrap().raw(), b"A282");

    let fr = frame(b"* SORT 2 84 882 (MODSEQ 1)\r\n");
    let (d, _) = untagged(&fr);
    assert!(matches!(d, Data::Sort(s) if s.ids == [2, 84, 882] && s.modseq == Some(1)));
    let fr = frame(b"* SEARCH 2 5 6 7 (MODSEQ 917162500)\r\n");
    let (d, _) = untagged(&fr);
    let Data::Search(s) = d else { panic!() };
    assert_eq!(
        (s.ids.to_string(), s.modseq),
        ("2,5:7".into(), Some(917162500))
    );

    let fr = frame(b"* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\" \"X-PARAM\" (\"FLAG1\" \"FLAG2\"))(\"#public/\" \"/\"))\r\n");
    let (d, _) = untagged(&fr);
    let Data::Namespace(n) = d else { panic!() };
    assert_eq!(n.shared.len(), 2);
    assert_eq!(n.shared[0].extensions[0].1.len(), 2);

    let fr = frame(b"* QUOTAROOT INBOX \"\"\r\n");
    let (d, _) = untagged(&fr);
    assert!(matches!(d, Data::QuotaRoot(r) if r.roots.len() == 1 && r.mailbox.is_inbox()));
    let fr = frame(b"* ACL INBOX Fred rwipsldexta bob lr\r\n");
    let (d, _) = untagged(&fr);
    assert!(matches!(d, Data::Acl(a) if a.entries.len() == 2));
    let fr = frame(b"* MYRIGHTS INBOX rwiptsldaex\r\n");
    let (d, _) = untagged(&fr);
    assert!(matches!(d, Data::MyRights(m) if m.rights.raw() == b"rwiptsldaex"));
    let fr = frame(b"* ID NIL\r\n");
    let (d, _) = untagged(&fr);
    assert!(matches!(d, Data::Id(i) if i.fields.is_empty()));
    let fr = frame(b"* ENABLED CONDSTORE QRESYNC\r\n");
    let (d, _) = untagged(&fr);
    assert!(matches!(d, Data::Enabled(c) if c.has("qresync")));
    let fr = frame(b"* VANISHED (EARLIER) 300:310,405,411\r\n");
    let (d, _) = untagged(&fr);
    let Data::Vanished(v) = d else { panic!() };
    assert!(v.earlier);
    assert_eq!(v.uids.count(), 13);
    let fr = frame(b"* XAPPLEPUSHSERVICE aps-version 2\r\n");
    let (d, _) = untagged(&fr);
    let Data::Other {
        name,
        data,
        number: None,
    } = d
    else {
        panic!()
    };
    assert_eq!(
        (name, data.first()),
        (&b"XAPPLEPUSHSERVICE"[..], &b"aps-version 2"[..])
    );
    let fr = frame(b"* LIST (\\HasChildren) \"/\" {9}\r\nMy (box)\"\r\n");
    let (d, _) = untagged(&fr);
    let Data::List(l) = d else { panic!() };
    assert_eq!(&*l.mailbox.raw(), b"My (box)\"");
    let fr = frame(b"* LIST (\\Subscribed) \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
    let (d, _) = untagged(&fr);
    let Data::List(l) = d else { panic!() };
    assert_eq!(
        l.extended.unwrap().first(),
        b"(\"CHILDINFO\" (\"SUBSCRIBED\"))"
    );
}

#[test]
fn mailbox_names_decode() {
    let reply = Reply::new(
        "OK",
        vec![
            Item::Line(b"(\\HasNoChildren) \"/\" \"Entw&APw-rfe\"".to_vec()),
            Item::Line(b"(\\HasNoChildren) \"/\" \"Entw\xc3\xbcrfe\"".to_vec()),
            Item::Line(b"(\\HasNoChildren) \"/\" \"Bad&-&\xff\"".to_vec()),
            Item::Line(b"(\\HasNoChildren) \"/\" \"A&B\"".to_vec()),
        ],
    );
    let got: Vec<_> = parse::list(&reply)
        .map(|l| {
            let l = l.unwrap();
            (l.mailbox.decoded(), l.mailbox.encoding())
        })
        .collect();
    assert_eq!(got[0], ("Entwürfe".to_string(), NameEncoding::ModifiedUtf7));
    assert_eq!(got[1], ("Entwürfe".to_string(), NameEncoding::Utf8));
    assert_eq!(got[2].1, NameEncoding::Invalid);
    assert!(got[2].0.contains('\u{fffd}'));
    // `A&B` is not valid mUTF-7; as UTF-8 it is shown as sent.
    assert_eq!(got[3], ("A&B".to_string(), NameEncoding::Utf8));
    let l = parse::list(&reply).nth(3).unwrap().unwrap();
    assert_eq!(l.mailbox.decoded_utf8(), "A&B");
}

#[test]
fn views_over_replies() {
    let reply = Reply::new(
        "OK",
        vec![
            Item::Literal(b"1 (UID 10 BODY[] {5}".to_vec(), b"hello".to_vec().into()),
            Item::Line(b" FLAGS (\\Seen))".to_vec()),
            Item::Line(b"2 (UID 11 FLAGS (\\Seen) ENVELOPE (NIL))".to_vec()),
            Item::Line(b"3 (UID 12)".to_vec()),
        ],
    );
    let got: Vec<_> = parse::fetches(&reply).collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].as_ref().unwrap().uid(), Some(10));
    assert_eq!(
        &*got[0]
            .as_ref()
            .unwrap()
            .section("")
            .unwrap()
            .unwrap()
            .bytes(),
        b"hello"
    );
    let err = got[1].as_ref().unwrap_err();
    assert!(err.offset() > 0);
    assert!(err.to_string().contains("malformed response at offset"));
    assert_eq!(got[2].as_ref().unwrap().uid(), Some(12));

    let reply = Reply::new(
        "OK",
        vec![Item::Line(b"INBOX (MESSAGES 3 UIDVALIDITY 7)".to_vec())],
    );
    let s = parse::status(&reply).next().unwrap().unwrap();
    assert_eq!(s.get(parse::StatusAttr::UidValidity), Some(7));

    let reply = Reply::new("OK", vec![Item::Line(b"".to_vec())]);
    assert!(parse::search(&reply)
        .next()
        .unwrap()
        .unwrap()
        .ids
        .is_empty());
    let reply = Reply::new("OK", vec![Item::None]);
    assert!(parse::search(&reply).next().is_none());

    // getquotaroot's nested shape.
    let reply = Reply::new(
        "OK",
        vec![
            Item::List(vec![Item::Line(b"INBOX \"\"".to_vec())]),
            Item::List(vec![Item::Line(b"\"\" (STORAGE 10 512)".to_vec())]),
        ],
    );
    let root = parse::quotaroot(&reply).next().unwrap().unwrap();
    assert!(root.mailbox.is_inbox());
    let q = parse::quota(&reply).next().unwrap().unwrap();
    assert_eq!((q.resources[0].usage, q.resources[0].limit), (10, 512));

    let reply = Reply::new("OK", vec![Item::Line(b"IMAP4rev1 IDLE MOVE".to_vec())]);
    assert!(parse::capability(&reply)
        .next()
        .unwrap()
        .unwrap()
        .has("move"));
    let reply = Reply::new("OK", vec![Item::Line(b"(2)(3 6)".to_vec())]);
    assert_eq!(
        parse::thread(&reply).next().unwrap().unwrap().roots().len(),
        2
    );
    let reply = Reply::new("OK", vec![Item::Line(b"((\"\" \"/\")) NIL NIL".to_vec())]);
    assert_eq!(
        parse::namespace(&reply)
            .next()
            .unwrap()
            .unwrap()
            .personal
            .len(),
        1
    );
    let reply = Reply::new("OK", vec![Item::Line(b"INBOX Fred rwipslda".to_vec())]);
    assert_eq!(parse::acl(&reply).next().unwrap().unwrap().entries.len(), 1);
    let reply = Reply::new("OK", vec![Item::Line(b"INBOX rwipslda".to_vec())]);
    assert!(parse::myrights(&reply).next().unwrap().is_ok());
    let reply = Reply::new("OK", vec![Item::Line(b"(\"name\" \"Dovecot\")".to_vec())]);
    assert!(parse::id(&reply)
        .next()
        .unwrap()
        .unwrap()
        .get("NAME")
        .is_some());
    let reply = Reply::new("OK", vec![Item::Line(b"CONDSTORE".to_vec())]);
    assert!(parse::enabled(&reply)
        .next()
        .unwrap()
        .unwrap()
        .has("CONDSTORE"));
    let reply = Reply::new(
        "OK",
        vec![Item::Line(b"(TAG \"A1\") ALL 1:4294967295".to_vec())],
    );
    let e = parse::esearch(&reply).next().unwrap().unwrap();
    assert_eq!(e.all.unwrap().count(), 4_294_967_295);
    let reply = Reply::new("OK", vec![Item::Line(b"3 1 2".to_vec())]);
    assert_eq!(parse::sort(&reply).next().unwrap().unwrap().ids, [3, 1, 2]);
    let reply = Reply::new("OK", vec![Item::Line(b"(\\Seen \\Deleted)".to_vec())]);
    assert_eq!(parse::flags(&reply).next().unwrap().unwrap().len(), 2);
    let reply = Reply::new("OK", vec![Item::Line(b"300:310".to_vec())]);
    assert_eq!(
        parse::vanished(&reply)
            .next()
            .unwrap()
            .unwrap()
            .uids
            .count(),
        11
    );
}

#[test]
fn codes_from_the_untagged_store() {
    let reply = Reply::new(
        "COPYUID",
        vec![Item::Line(b"38505 304,319:320 3956:3958".to_vec())],
    );
    let c = parse::codes(&reply).next().unwrap().unwrap();
    assert_eq!(c.to_string(), "COPYUID 38505 304,319:320 3956:3958");
    // imaplib's greedy Response_code keeps text after the code's `]`.
    let reply = Reply::new(
        "UIDNEXT",
        vec![Item::Line(b"5] Predicted next [UID".to_vec())],
    );
    assert_eq!(
        parse::codes(&reply).next().unwrap().unwrap(),
        Code::UidNext(5)
    );
    let reply = Reply::new("READ-WRITE", vec![Item::Line(b"".to_vec())]);
    assert_eq!(
        parse::codes(&reply).next().unwrap().unwrap(),
        Code::ReadWrite
    );
    let reply = Reply::new(
        "PERMANENTFLAGS",
        vec![Item::Line(b"(\\Answered \\Flagged \\[test] \\*)".to_vec())],
    );
    let mut v = parse::codes(&reply);
    let Code::PermanentFlags(f) = v.next().unwrap().unwrap() else {
        panic!()
    };
    assert_eq!(f.len(), 4);
    assert!(v.quirks().contains(parse::Quirk::BracketInFlag));
    assert_eq!(
        parse::parse_code(b"UIDVALIDITY", b"3857529045").unwrap(),
        Code::UidValidity(3857529045)
    );
}

#[test]
fn huge_search_stays_compact() {
    let mut line = b"* SEARCH".to_vec();
    for n in 1..=1_000_000u32 {
        line.push(b' ');
        line.extend_from_slice(n.to_string().as_bytes());
    }
    line.extend_from_slice(b"\r\n");
    let f = frame(&line);
    let (d, _) = untagged(&f);
    let Data::Search(s) = d else { panic!() };
    assert_eq!(s.ids.ranges().len(), 1);
    assert_eq!(s.ids.count(), 1_000_000);
    let set = SeqSet::parse(b"1:4294967295,5:2").unwrap();
    assert_eq!(set.ranges().len(), 2);
    // Written canonically, as a command would send it: u32::MAX is `*`.
    assert_eq!(set.to_string(), "1:*,2:5");
    assert_eq!(SeqSet::parse(b"1:*").unwrap().ranges()[0].end, u32::MAX);
}

fn assert_fast_error(wire: &[u8], what: &str) {
    let start = Instant::now();
    let f = frame(wire);
    let err = parse_response(&f).unwrap_err();
    assert!(err.expected().contains(what), "{err}");
    assert!(err.bytes().len() <= 200);
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = |prefix: &[u8], n: usize, suffix: &[u8]| {
        let mut v = prefix.to_vec();
        v.extend(std::iter::repeat_n(b'(', n));
        v.extend(std::iter::repeat_n(b')', n));
        v.extend_from_slice(suffix);
        v.extend_from_slice(b"\r\n");
        v
    };
    assert_fast_error(
        &deep(b"* 1 FETCH (BODYSTRUCTURE ", 100_000, b")"),
        "nesting",
    );
    assert_fast_error(&deep(b"* 1 FETCH (BODY ", 100_000, b")"), "nesting");
    assert_fast_error(&deep(b"* 1 FETCH (X-UNKNOWN ", 100_000, b")"), "nesting");
    assert_fast_error(&deep(b"* THREAD ", 100_000, b""), "nesting");
    assert_fast_error(&deep(b"* LIST () \"/\" INBOX ", 100_000, b""), "nesting");
    let ext = deep(
        b"* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1 NIL NIL NIL NIL ",
        100_000,
        b"))",
    );
    assert_fast_error(&ext, "nesting");
    // Nested message/rfc822 parts: each level recurses once.
    let mut v = b"* 1 FETCH (BODYSTRUCTURE ".to_vec();
    let level = b"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 1 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ";
    for _ in 0..10_000 {
        v.extend_from_slice(level);
    }
    v.extend_from_slice(b"(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)");
    for _ in 0..10_000 {
        v.extend_from_slice(b" 1)");
    }
    v.extend_from_slice(b")\r\n");
    assert_fast_error(&v, "nesting");
}

#[test]
fn moderate_nesting_parses() {
    // 40 nested multiparts parse fine (well below the limit, on a test thread's stack).
    let mut v = b"* 1 FETCH (BODYSTRUCTURE ".to_vec();
    v.extend(std::iter::repeat_n(b'(', 40));
    v.extend_from_slice(b"\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)");
    v.extend(std::iter::repeat_n(&b" \"mixed\")"[..], 39).flatten());
    v.extend_from_slice(b")\r\n");
    let f = frame(&v);
    let (d, _) = untagged(&f);
    let mut depth = 0;
    fetch_of(d)
        .body_structure()
        .unwrap()
        .walk(|p, _| depth = depth.max(p.len()));
    assert_eq!(depth, 39);
}

#[test]
fn errors_carry_offset_and_bytes() {
    let f = frame(b"* 1 FETCH (UID x)\r\n");
    let err = parse_response(&f).unwrap_err();
    assert_eq!(err.offset(), 15);
    assert_eq!(err.bytes(), b"x)");
    assert_eq!(err.expected(), "a number");
    let e: imaplib_proto::Error = err.into();
    assert_eq!(e.bytes(), Some(&b"x)"[..]));
    assert!(!e.is_abort());
    let mut long = b"* 1 FETCH (UID ".to_vec();
    long.extend(std::iter::repeat_n(b'x', 1000));
    long.extend_from_slice(b")\r\n");
    let f = frame(&long);
    assert_eq!(parse_response(&f).unwrap_err().bytes().len(), 200);
    // Offsets count literal bytes.
    let f = frame(b"* 1 FETCH (BODY[] {3}\r\nabc UID ?)\r\n");
    assert_eq!(parse_response(&f).unwrap_err().offset(), 29);
    // A literal inside a section spec is refused, not mis-sliced.
    let f = frame(b"* 1 FETCH (BODY[HEADER.FIELDS ({4}\r\nFROM)] \"x\")\r\n");
    let err = parse_response(&f).unwrap_err();
    assert_eq!(err.expected(), "no literal inside this token");
}

/// PREVIEW (RFC 8970) and SAVEDATE (RFC 8514), as Dovecot 2.3 sends them: a literal for
/// non-ASCII text, a quoted string otherwise, NIL; a malformed SAVEDATE is an error.
#[test]
fn preview_and_savedate_items() {
    let f = frame(
        b"* 1 FETCH (PREVIEW {13}\r\nHello w\xc3\xb6rld! SAVEDATE \"02-Dec-2026 02:41:19 +0000\")\r\n",
    );
    let (d, q) = untagged(&f);
    assert!(q.is_empty());
    let f = fetch_of(d);
    assert_eq!(f.preview(), Some(Some("Hello wörld!".into())));
    let date = f.save_date().unwrap().unwrap();
    assert_eq!(date.to_rfc3339(), "2026-12-02T02:41:19+00:00");

    let f = frame(b"* 2 FETCH (PREVIEW NIL SAVEDATE NIL UID 4)\r\n");
    let (d, _) = untagged(&f);
    let f = fetch_of(d);
    assert_eq!(
        (f.preview(), f.save_date(), f.uid()),
        (Some(None), Some(None), Some(4))
    );
    let f = frame(b"* 3 FETCH (PREVIEW \"a \\\"b\\\"\")\r\n");
    let (d, _) = untagged(&f);
    assert_eq!(fetch_of(d).preview(), Some(Some("a \"b\"".into())));
    let f = frame(b"* 3 FETCH (UID 1)\r\n");
    let (d, _) = untagged(&f);
    let f = fetch_of(d);
    assert_eq!((f.preview(), f.save_date()), (None, None));

    let bad = frame(b"* 4 FETCH (SAVEDATE \"yesterday\")\r\n");
    assert!(imaplib_proto::parse::parse_response(&bad).is_err());
}
