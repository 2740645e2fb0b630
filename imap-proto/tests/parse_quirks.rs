//! One test per named quirk, on the exact bytes of the catalogue entry: `quirk_<name>`.

mod parse_common;

use imaplib_proto::parse::{
    self, parse_response_quirks, Body, Code, Data, FetchItem, Quirk, Quirks, Response, Specific,
    StatusKind,
};
use imaplib_proto::{Item, Reply};
use parse_common::{assert_quirks, frame, untagged};

fn fetch_of(d: Data<'_>) -> parse::Fetch<'_> {
    match d {
        Data::Fetch(f) => f,
        other => panic!("not FETCH: {other:?}"),
    }
}

#[test]
fn every_quirk_has_a_test() {
    let src = include_str!("parse_quirks.rs");
    for q in Quirk::ALL {
        let name = format!("fn quirk_{}()", q.name());
        assert!(src.contains(&name), "missing test {name}");
    }
}

#[test]
fn quirk_trailing_space_status() {
    let f = frame(b"* STATUS INBOX (MESSAGES 17 UNSEEN 16) \r\n");
    let (d, q) = untagged(&f);
    let Data::MailboxStatus(s) = d else { panic!() };
    assert_eq!(s.get(parse::StatusAttr::Unseen), Some(16));
    assert_quirks(q, &[Quirk::TrailingSpaceStatus]);
}

#[test]
fn quirk_trailing_space_capability() {
    let f = frame(b"* CAPABILITY IMAP4rev1 IDLE \r\n");
    let (d, q) = untagged(&f);
    let Data::Capability(c) = d else { panic!() };
    assert_eq!(c.list, [&b"IMAP4rev1"[..], b"IDLE"]);
    assert_quirks(q, &[Quirk::TrailingSpaceCapability]);
}

#[test]
fn quirk_trailing_space_search() {
    let f = frame(b"* SEARCH 7456 \r\n");
    let (d, q) = untagged(&f);
    let Data::Search(s) = d else { panic!() };
    assert_eq!(s.ids.iter().collect::<Vec<_>>(), [7456]);
    assert_quirks(q, &[Quirk::TrailingSpaceSearch]);
    // The same through imaplib's shape (`* SEARCH 7456 ` stores b'7456 ').
    let reply = Reply::new("OK", vec![Item::Line(b"7456 ".to_vec())]);
    let mut v = parse::search(&reply);
    assert_eq!(v.next().unwrap().unwrap().ids.count(), 1);
    assert!(v.quirks().contains(Quirk::TrailingSpaceSearch));
}

#[test]
fn quirk_trailing_space_id() {
    let f = frame(b"* ID (\"name\" \"Exchange\" \"version\" \"15.20\") \r\n");
    let (d, q) = untagged(&f);
    let Data::Id(id) = d else { panic!() };
    assert_eq!(&*id.get("version").unwrap().unwrap().bytes(), b"15.20");
    assert_quirks(q, &[Quirk::TrailingSpaceId]);
}

#[test]
fn quirk_space_before_paren() {
    let f = frame(b"* 1 FETCH (UID 19436 )\r\n");
    let (d, q) = untagged(&f);
    assert_eq!(fetch_of(d).uid(), Some(19436));
    assert_quirks(q, &[Quirk::SpaceBeforeParen]);
}

#[test]
fn quirk_missing_text() {
    let f = frame(b"* OK [HIGHESTMODSEQ 1]\r\n");
    let (d, q) = untagged(&f);
    let Data::Status(s) = d else { panic!() };
    assert_eq!(s.code, Some(Code::HighestModSeq(1)));
    assert_eq!(s.text, b"");
    assert_quirks(q, &[Quirk::MissingText]);
    let mut q = Quirks::new();
    let f = frame(b"A6 OK\r\n");
    let r = parse_response_quirks(&f, &mut q).unwrap();
    assert!(matches!(r, Response::Tagged { tag: b"A6", .. }));
    assert_quirks(q, &[Quirk::MissingText]);
    // iCloud: `* BYE` without SP.
    let fr = frame(b"* BYE\r\n");
    let (d, q) = untagged(&fr);
    assert!(matches!(d, Data::Status(s) if s.kind == StatusKind::Bye));
    assert_quirks(q, &[Quirk::MissingText]);
}

#[test]
fn quirk_bracket_in_flag() {
    let f = frame(b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen OIB-Seen-[Gmail]/All Mail \\*)] Flags permitted.\r\n");
    let mut q = Quirks::new();
    // `All Mail` splits into two keywords at the space: the flag itself keeps its `]`.
    let r = parse_response_quirks(&f, &mut q).unwrap();
    let Response::Untagged(Data::Status(s)) = r else {
        panic!()
    };
    let Some(Code::PermanentFlags(flags)) = s.code else {
        panic!()
    };
    assert!(flags.iter().any(|f| f.0 == b"OIB-Seen-[Gmail]/All"));
    assert!(flags.last().unwrap().is_wildcard());
    assert!(q.contains(Quirk::BracketInFlag));
    // Gmail `\[test]` inside FLAGS.
    let fr = frame(b"* FLAGS (\\Answered \\[test] $Phishing)\r\n");
    let (d, q) = untagged(&fr);
    let Data::Flags(flags) = d else { panic!() };
    assert_eq!(flags.get(1).unwrap().0, b"\\[test]");
    assert!(q.contains(Quirk::BracketInFlag));
}

#[test]
fn quirk_nil_flag() {
    // Cyrus, with a flag literally named NIL.
    let fr = frame(b"* 1 FETCH (FLAGS (NIL))\r\n");
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    assert_eq!(f.flags().unwrap().first().unwrap().0, b"NIL");
    assert_quirks(q, &[Quirk::NilFlag]);
    let fr = frame(b"* FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen NIL)\r\n");
    let (d, q) = untagged(&fr);
    assert!(matches!(d, Data::Flags(f) if f.len() == 6));
    assert_quirks(q, &[Quirk::NilFlag]);
}

#[test]
fn quirk_backslash_keyword() {
    let fr = frame(b"* 3 FETCH (FLAGS (\\Seen \\SyncedWithHelpDesk) UID 9)\r\n");
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    let flags = f.flags().unwrap();
    assert!(!flags.get(1).unwrap().is_system() && !flags.get(1).unwrap().is_keyword());
    assert_quirks(q, &[Quirk::BackslashKeyword]);
}

#[test]
fn quirk_nil_body_encoding() {
    let fr = frame(
        b"* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL NIL 12 1))\r\n",
    );
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    let Some(Body::Single(p)) = f.body_structure() else {
        panic!()
    };
    assert_eq!(p.encoding, None);
    assert_quirks(q, &[Quirk::NilBodyEncoding]);
}

#[test]
fn quirk_nil_media_type() {
    let fr = frame(
        b"* 5 FETCH (UID 5 BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL)(NIL NIL NIL NIL NIL \"7BIT\" 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL))\r\n",
    );
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    let Some(Body::Multi(m)) = f.body_structure() else {
        panic!()
    };
    let Body::Single(p) = &m.parts[1] else {
        panic!()
    };
    assert_eq!((p.media_type, p.media_subtype, p.octets), (None, None, 0));
    assert_quirks(q, &[Quirk::NilMediaType]);
}

#[test]
fn quirk_nil_param_value() {
    let fr = frame(
        b"* 2 FETCH (BODYSTRUCTURE ((\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"base64\" 100 2 NIL NIL NIL NIL) \"alternative\" (\"boundary\" NIL) NIL NIL NIL))\r\n",
    );
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    let Some(Body::Multi(m)) = f.body_structure() else {
        panic!()
    };
    assert_eq!(m.ext.params[0].1, None);
    assert_quirks(q, &[Quirk::NilParamValue]);
}

#[test]
fn quirk_negative_body_lines() {
    let fr = frame(b"* 1 FETCH (BODY (\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 -1))\r\n");
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    let Some(Body::Single(p)) = f.body_structure() else {
        panic!()
    };
    assert_eq!(p.specific, Specific::Text { lines: 0 });
    assert_quirks(q, &[Quirk::NegativeBodyLines]);
}

#[test]
fn quirk_negative_mod_seq() {
    let fr = frame(b"* 4 FETCH (UID 8 MODSEQ (-1))\r\n");
    let (d, q) = untagged(&fr);
    assert!(fetch_of(d).items.contains(&FetchItem::ModSeq(0)));
    assert_quirks(q, &[Quirk::NegativeModSeq]);
}

#[test]
fn quirk_float_number() {
    let fr = frame(b"* 1 FETCH (UID 1 RFC822.SIZE 9.3736e+06)\r\n");
    let (d, q) = untagged(&fr);
    assert!(fetch_of(d)
        .items
        .contains(&FetchItem::Rfc822Size(9_373_600)));
    assert_quirks(q, &[Quirk::FloatNumber]);
}

#[test]
fn quirk_empty_address_list() {
    let fr = frame(
        b"* 1 FETCH (ENVELOPE (\"Mon, 1 Jan 2024 00:00:00 +0000\" \"hi\" ((NIL NIL \"a\" \"yahoo.com\")) ((NIL NIL \"a\" \"yahoo.com\")) ((NIL NIL \"a\" \"yahoo.com\")) () () () NIL \"<x@y>\"))\r\n",
    );
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    let e = f.envelope().unwrap();
    assert!(e.to.is_empty() && e.cc.is_empty() && e.bcc.is_empty());
    assert_quirks(q, &[Quirk::EmptyAddressList]);
}

#[test]
fn quirk_spaces_in_address_list() {
    let fr = frame(
        b"* 1 FETCH (ENVELOPE (NIL \"s\" ((\"A\" NIL \"a\" \"x.com\") (\"B\" NIL \"b\" \"x.com\")) NIL NIL ( (NIL NIL \"c\" \"x.com\") ) NIL NIL NIL NIL))\r\n",
    );
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    let e = f.envelope().unwrap();
    assert_eq!(e.from.len(), 2);
    assert_eq!(e.to[0].email().unwrap(), "c@x.com");
    assert_quirks(q, &[Quirk::SpacesInAddressList]);
}

#[test]
fn quirk_extra_envelope_parens() {
    let fr = frame(
        b"* 1 FETCH (UID 2 ENVELOPE ((\"Tue, 2 Jan 2024 10:00:00 +0100\" \"Domino\" NIL NIL NIL NIL NIL NIL NIL \"<d@x>\")))\r\n",
    );
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    assert_eq!(
        &*f.envelope().unwrap().message_id.unwrap().bytes(),
        b"<d@x>"
    );
    assert_quirks(q, &[Quirk::ExtraEnvelopeParens]);
}

#[test]
fn quirk_missing_envelope_fields() {
    // MailKit #932: ends after bcc.
    let fr = frame(
        b"* 450 FETCH (UID 9174 ENVELOPE (\"Tue, 24 Sep 2019 09:48:05 +0800\" \"=?GBK?B?sbG+qdW9x/jI1bGose0=?=\" ((\"=?GBK?B?yv2+3bfWzvbQodfp?=\" NIL \"unkonwn-name\" \"unknown-domain\")) ((\"=?GBK?B?yv2+3bfWzvbQodfp?=\" NIL \"unkonwn-name\" \"unknown-domain\")) ((\"=?GBK?B?yv2+3bfWzvbQodfp?=\" NIL \"unkonwn-name\" \"unknown-domain\")) NIL NIL NIL))\r\n",
    );
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    let e = f.envelope().unwrap();
    assert_eq!((e.in_reply_to, e.message_id), (None, None));
    assert_quirks(q, &[Quirk::MissingEnvelopeFields]);
    // NIL Message-ID is legal: no quirk.
    let fr = frame(b"* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n");
    let (_, q) = untagged(&fr);
    assert!(q.is_empty());
}

#[test]
fn quirk_unescaped_quote() {
    // MailKit #485.
    let fr = frame(
        b"* 1 FETCH (UID 1 ENVELOPE (\"Wed, 5 Apr 2017 14:38:25 +0200\" \"test\" ((NIL NIL \"test\" \"acme.com\")) ((NIL NIL \"test\"\" \"acme.com\")) ((NIL NIL \"test\" \"acme.com\")) NIL NIL NIL NIL \"<54B6100D01175D77@acme.com>\") BODYSTRUCTURE (\"TEXT\" \"HTML\"\" NIL NIL NIL \"8bit\" 74 2))\r\n",
    );
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    assert_eq!(
        &*f.envelope().unwrap().sender[0].mailbox.unwrap().bytes(),
        b"test\""
    );
    let Some(Body::Single(p)) = f.body_structure() else {
        panic!()
    };
    assert_eq!(p.media_subtype.unwrap().raw(), b"HTML\"");
    assert_quirks(q, &[Quirk::UnescapedQuote]);
    // Outside ENVELOPE/BODYSTRUCTURE the rule does not apply.
    let f = frame(b"* LIST () \"/\" \"a\"b\"\r\n");
    assert!(parse::parse_response(&f).is_err());
}

#[test]
fn quirk_empty_multipart() {
    // MailKit #1393 (Dovecot), the offending part.
    let fr = frame(
        b"* 1 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" (\"name\" \"Message headers\") NIL NIL \"7bit\" 903 (NIL \"Re: Adresy\" NIL NIL NIL NIL NIL NIL NIL \"<D6173425@example.com>\") (NIL \"alternative\" (\"boundary\" \"Apple-Mail=_352FCEEC\") NIL NIL NIL) 17 NIL NIL NIL NIL))\r\n",
    );
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    let Some(Body::Single(p)) = f.body_structure() else {
        panic!()
    };
    let Specific::Message { body, lines, .. } = &p.specific else {
        panic!()
    };
    let Body::Multi(m) = &**body else { panic!() };
    assert!(m.parts.is_empty());
    assert_eq!(m.subtype.raw(), b"alternative");
    assert_eq!(*lines, 17);
    assert_quirks(q, &[Quirk::EmptyMultipart]);
}

#[test]
fn quirk_eight_bit_quoted() {
    let fr =
        frame(b"* 1 FETCH (ENVELOPE (NIL \"Gr\xfc\xdfe\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n");
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    assert_eq!(f.envelope().unwrap().subject.unwrap().raw(), b"Gr\xfc\xdfe");
    assert_quirks(q, &[Quirk::EightBitQuoted]);
}

#[test]
fn quirk_unquoted_mailbox_with_spaces() {
    let fr = frame(b"* STATUS Gesendete Objekte (MESSAGES 3 UNSEEN 0)\r\n");
    let (d, q) = untagged(&fr);
    let Data::MailboxStatus(s) = d else { panic!() };
    assert_eq!(&*s.mailbox.raw(), b"Gesendete Objekte");
    assert_eq!(s.items.len(), 2);
    assert_quirks(q, &[Quirk::UnquotedMailboxWithSpaces]);
}

#[test]
fn quirk_ctl_in_mailbox() {
    let fr = frame(b"* LIST (\\HasNoChildren) \"/\" Inbox/Tab\there\r\n");
    let (d, q) = untagged(&fr);
    let Data::List(l) = d else { panic!() };
    assert_eq!(&*l.mailbox.raw(), b"Inbox/Tab\there");
    assert_quirks(q, &[Quirk::CtlInMailbox]);
}

#[test]
fn quirk_code_without_status() {
    let fr = frame(b"* [COPYUID 124 10 233] moved\r\n");
    let (d, q) = untagged(&fr);
    let Data::Status(s) = d else { panic!() };
    assert_eq!(s.kind, StatusKind::Ok);
    let Some(Code::CopyUid {
        uidvalidity,
        source,
        dest,
    }) = s.code
    else {
        panic!()
    };
    assert_eq!(
        (uidvalidity, source.to_string(), dest.to_string()),
        (124, "10".into(), "233".into())
    );
    assert_eq!(s.text, b"moved");
    assert_quirks(q, &[Quirk::CodeWithoutStatus]);
}

#[test]
fn quirk_empty_copy_uid_sets() {
    let mut q = Quirks::new();
    let f = frame(b"A5 OK [COPYUID 1390  ] UID COPY completed\r\n");
    let Response::Tagged { status, .. } = parse_response_quirks(&f, &mut q).unwrap() else {
        panic!()
    };
    let Some(Code::CopyUid {
        uidvalidity,
        source,
        dest,
    }) = status.code
    else {
        panic!()
    };
    assert_eq!(uidvalidity, 1390);
    assert!(source.is_empty() && dest.is_empty());
    assert_quirks(q, &[Quirk::EmptyCopyUidSets]);
}

#[test]
fn quirk_quoted_text_in_code() {
    let mut q = Quirks::new();
    let f = frame(b"RUBY0001 OK [Error=\"Microsoft.Exchange.Data.Storage.WrongServerException:Cross Server access is not allowed for mailbox ]x\" AuthResultFromPopImapEnd=0 Proxy=X.PROD.OUTLOOK.COM:1993:SSL MailboxBE=X.PROD.OUTLOOK.COM Service=Imap4] AUTHENTICATE completed.\r\n");
    let Response::Tagged { status, .. } = parse_response_quirks(&f, &mut q).unwrap() else {
        panic!()
    };
    let Some(Code::Other { name, data }) = status.code else {
        panic!()
    };
    assert_eq!(name, b"Error=");
    assert!(data.unwrap().ends_with(b"Service=Imap4"));
    assert_eq!(status.text, b"AUTHENTICATE completed.");
    assert_quirks(q, &[Quirk::QuotedTextInCode]);
}

#[test]
fn quirk_zero_in_code() {
    for (wire, want) in [
        (
            &b"* OK [UIDVALIDITY 0] UIDs valid\r\n"[..],
            Code::UidValidity(0),
        ),
        (b"* OK [UIDNEXT 0] Predicted next UID\r\n", Code::UidNext(0)),
        (b"* OK [UNSEEN 0] first unseen\r\n", Code::Unseen(0)),
    ] {
        let fr = frame(wire);
        let (d, q) = untagged(&fr);
        let Data::Status(s) = d else { panic!() };
        assert_eq!(s.code, Some(want));
        assert_quirks(q, &[Quirk::ZeroInCode]);
    }
}

#[test]
fn quirk_zero_fetch_seq() {
    let fr = frame(b"* 0 FETCH (UID 5 FLAGS ())\r\n");
    let (d, q) = untagged(&fr);
    assert_eq!(fetch_of(d).seq, 0);
    assert_quirks(q, &[Quirk::ZeroFetchSeq]);
}

#[test]
fn quirk_empty_continuation() {
    let mut q = Quirks::new();
    let f = frame(b"+\r\n");
    let r = parse_response_quirks(&f, &mut q).unwrap();
    assert!(matches!(
        r,
        Response::Continuation(parse::Continuation::Text { text: b"", .. })
    ));
    assert_quirks(q, &[Quirk::EmptyContinuation]);
}

#[test]
fn quirk_nil_gmail_label() {
    let fr = frame(
        b"* 316 FETCH (X-GM-THRID 1507843069465059557 X-GM-LABELS (\"\\\\Starred\" NIL) UID 346 MODSEQ (112817))\r\n",
    );
    let (d, q) = untagged(&fr);
    let f = fetch_of(d);
    let labels = f
        .items
        .iter()
        .find_map(|i| match i {
            FetchItem::GmailLabels(l) => Some(l.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(labels.len(), 1);
    assert_eq!(&*labels[0].bytes(), b"\\Starred");
    assert_quirks(q, &[Quirk::NilGmailLabel]);
}

// Catalogue entries that are legal grammar: parsed, and no quirk fires.

#[test]
fn legal_namespace_nil_delimiter() {
    // yahoo.co.jp
    let fr = frame(b"* NAMESPACE ((\"\" NIL)) NIL NIL\r\n");
    let (d, q) = untagged(&fr);
    let Data::Namespace(n) = d else { panic!() };
    assert_eq!(n.personal[0].delimiter, None);
    assert!(n.other.is_empty() && n.shared.is_empty());
    assert!(q.is_empty());
}

#[test]
fn legal_list_nil_delimiter() {
    let fr = frame(b"* LIST (\\HasNoChildren) NIL INBOX\r\n");
    let (d, q) = untagged(&fr);
    let Data::List(l) = d else { panic!() };
    assert_eq!(l.delimiter, None);
    assert!(l.mailbox.is_inbox());
    assert!(q.is_empty());
}

#[test]
fn legal_quota_above_32_bits() {
    let fr = frame(b"* QUOTA \"\" (STORAGE 11523994 16106127360)\r\n");
    let (d, q) = untagged(&fr);
    let Data::Quota(quota) = d else { panic!() };
    assert_eq!(quota.resources[0].limit, 16_106_127_360);
    assert!(q.is_empty());
}

#[test]
fn legal_literal_then_more_items() {
    // Gmail/Exchange: items after a body literal.
    let f = frame(b"* 1 FETCH (RFC822 {5}\r\nhello UID 7 FLAGS (\\Seen))\r\n");
    let (d, q) = untagged(&f);
    let f = fetch_of(d);
    assert_eq!(f.uid(), Some(7));
    assert_eq!(
        f.items[0],
        FetchItem::Rfc822(Some(parse::Str::new(b"hello", parse::StrForm::Literal)))
    );
    assert!(q.is_empty());
}

#[test]
fn framing_is_never_relaxed() {
    // A literal whose size disagrees with its marker (only possible with hand-built items).
    let reply = Reply::new(
        "OK",
        vec![
            Item::Literal(b"1 (BODY[] {6}".to_vec(), b"hello".to_vec().into()),
            Item::Line(b")".to_vec()),
        ],
    );
    let err = parse::fetches(&reply).next().unwrap().unwrap_err();
    assert_eq!(err.expected(), "a literal of the announced size");
}
