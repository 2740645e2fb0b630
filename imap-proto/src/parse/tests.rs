//! Unit tests of the internals; behaviour on whole responses is in `tests/parse_*.rs`.

use super::cursor::{Cursor, Part, Segments};
use super::fetch::parse_date_time;
use super::*;
use crate::frame::Frame;
use crate::response::Item;

fn cursor(line: &[u8]) -> Cursor<'_> {
    Cursor::new(Segments::from_line(line))
}

#[test]
fn segments_from_frame_and_items_agree() {
    let frame = Frame {
        first: b"1 (BODY[] {5}".to_vec().into(),
        parts: vec![
            (b"hello".to_vec().into(), b" X {2}".to_vec().into()),
            (b"ab".to_vec().into(), b")".to_vec().into()),
        ],
    };
    let items = vec![
        Item::Literal(b"1 (BODY[] {5}".to_vec(), b"hello".to_vec().into()),
        Item::Literal(b" X {2}".to_vec(), b"ab".to_vec().into()),
        Item::Line(b")".to_vec()),
    ];
    let a: Vec<Part<'_>> = Segments::from_frame(&frame).parts().collect();
    let b: Vec<Part<'_>> = Segments::from_items(&items).unwrap().parts().collect();
    assert_eq!(a, b);
    assert_eq!(
        a,
        [
            Part::Text(b"1 (BODY[] {5}"),
            Part::Literal(b"hello"),
            Part::Text(b" X {2}"),
            Part::Literal(b"ab"),
            Part::Text(b")"),
        ]
    );
}

#[test]
fn segments_reject_malformed_runs() {
    assert!(Segments::from_items(&[]).is_err());
    assert!(Segments::from_items(&[Item::Literal(vec![], vec![].into())]).is_err());
    assert!(Segments::from_items(&[Item::Line(vec![]), Item::Line(vec![])]).is_err());
    assert!(Segments::from_items(&[Item::None]).is_err());
}

#[test]
fn quoted_strings_keep_escapes_until_asked() {
    let mut c = cursor(br#""a\"b\\c" rest"#);
    let s = c.quoted(false).unwrap();
    assert_eq!(s.raw(), br#"a\"b\\c"#);
    assert_eq!(&*s.bytes(), br#"a"b\c"#);
    assert_eq!(s.form(), StrForm::Quoted { escaped: true });
    assert_eq!(c.rest, b" rest");
    let mut c = cursor(b"\"plain\"");
    assert!(matches!(
        c.quoted(false).unwrap().bytes(),
        std::borrow::Cow::Borrowed(b"plain")
    ));
    assert!(cursor(b"\"open").quoted(false).is_err());
    assert!(cursor(b"\"trailing\\").quoted(false).is_err());
    let mut out = Vec::new();
    Str::new(br#"a\"b"#, StrForm::Quoted { escaped: true }).write_to(&mut out);
    assert_eq!(out, br#""a\"b""#);
}

#[test]
fn lenient_quote_rule_is_conservative() {
    // Followed by SP, `)` or the end: the quote closes.
    for (input, want) in [
        (&br#""a" b"#[..], &b"a"[..]),
        (br#""a")"#, b"a"),
        (br#""a""#, b"a"),
        (br#""a"b" x"#, br#"a"b"#),
    ] {
        let mut c = cursor(input);
        assert_eq!(c.quoted(true).unwrap().raw(), want);
    }
}

#[test]
fn nil_and_keywords_need_a_boundary() {
    let mut c = cursor(b"NILX");
    assert!(!c.nil());
    let mut c = cursor(b"nil)");
    assert!(c.nil());
    assert_eq!(c.rest, b")");
}

#[test]
fn numbers_and_sizes() {
    assert_eq!(cursor(b"4294967295").number().unwrap(), u32::MAX);
    assert!(cursor(b"4294967296").number().is_err());
    assert!(cursor(b"99999999999999999999").number64().is_err());
    assert!(cursor(b"0").nz_number(None).is_err());
    let mut c = cursor(b"1.5e3)");
    assert_eq!(c.size(None).unwrap(), 1500);
    assert!(c.quirks.contains(Quirk::FloatNumber));
    assert!(cursor(b"1.5e999").size(None).is_err());
    assert!(cursor(b"-1").size(None).is_err());
    assert_eq!(
        cursor(b"-1").size(Some(Quirk::NegativeBodyLines)).unwrap(),
        0
    );
    assert!(cursor(b"-12").size(Some(Quirk::NegativeBodyLines)).is_err());
}

#[test]
fn dates() {
    let d = parse_date_time(b"17-Jul-1996 02:44:25 -0700").unwrap();
    assert_eq!(d.to_rfc3339(), "1996-07-17T02:44:25-07:00");
    assert!(parse_date_time(b" 5-Apr-2017 14:38:25 +0200").is_some());
    assert!(parse_date_time(b"5-Apr-2017 14:38:25 +0200").is_some());
    assert!(parse_date_time(b"31-Feb-2017 14:38:25 +0200").is_none());
    assert!(parse_date_time(b"01-Foo-2017 14:38:25 +0200").is_none());
    assert!(parse_date_time(b"01-Jan-2017 14:38:25 +9999").is_none());
    assert!(parse_date_time(b"01-Jan-2017 24:00:00 +0000").is_none());
    assert!(parse_date_time(b"").is_none());
    assert!(parse_date_time(b"-").is_none());
}

#[test]
fn flags_classify() {
    let f = parse_flag_list(b"(\\Seen \\* $Forwarded \\Sent)")
        .unwrap()
        .to_vec();
    assert!(f[0].is_system() && f[1].is_wildcard() && f[2].is_keyword());
    assert!(!f[3].is_system() && !f[3].is_keyword());
    assert!(parse_flag_list(b"(\\)").is_err());
    assert!(parse_flag_list(b"(a").is_err());
    assert!(parse_flag_list(b"()").unwrap().is_empty());
}

/// A flag list is kept as its text and read on demand: the flags read back are exactly the
/// ones the parser checked, in order, whatever the quirks around them.
#[test]
fn flag_list_reads_back_what_was_checked() {
    let f = parse_flag_list(b"(\\Seen \\* $Forwarded \\Sent)").unwrap();
    assert_eq!(f.len(), 4);
    assert_eq!(f.iter().len(), 4);
    assert_eq!(f.as_bytes(), b"\\Seen \\* $Forwarded \\Sent");
    assert_eq!(f.first(), Some(Flag(b"\\Seen")));
    assert_eq!(f.get(1), Some(Flag(b"\\*")));
    assert_eq!(f.get(3), Some(Flag(b"\\Sent")));
    assert_eq!(f.get(4), None);
    assert!(f.has("$forwarded") && !f.has("\\Deleted"));
    assert_eq!(
        f,
        [
            Flag(b"\\Seen"),
            Flag(b"\\*"),
            Flag(b"$Forwarded"),
            Flag(b"\\Sent")
        ][..]
    );
    assert_eq!(
        format!("{f:?}"),
        r#"["\\Seen", "\\*", "$Forwarded", "\\Sent"]"#
    );
    // ` )` (a space before the parenthesis) is a tolerated quirk; the space is not a flag.
    let mut c = Cursor::new(Segments::from_line(b"(\\Seen $Junk )"));
    let q = c.flag_list(true).unwrap();
    assert!(c.finish().is_ok());
    assert_eq!(q.to_vec(), [Flag(b"\\Seen"), Flag(b"$Junk")]);
    assert_eq!(q.as_bytes(), b"\\Seen $Junk");
    let e = parse_flag_list(b"()").unwrap();
    assert_eq!((e.len(), e.iter().next(), e.first()), (0, None, None));
    assert_eq!(e, Vec::<Flag>::new());
    let one = parse_flag_list(b"(x)").unwrap();
    assert_eq!(one.to_vec(), [Flag(b"x")]);
    let mut out = Vec::new();
    write_flag_list(f, &mut out);
    assert_eq!(out, b"(\\Seen \\* $Forwarded \\Sent)");
}

#[test]
fn raw_values_span_literals() {
    let frame = Frame {
        first: b"(a {3}".to_vec().into(),
        parts: vec![(b"x)y".to_vec().into(), b" b) tail".to_vec().into())],
    };
    let mut c = Cursor::new(Segments::from_frame(&frame));
    let raw = c.raw_value().unwrap();
    assert_eq!(raw.to_wire(), b"(a {3}\r\nx)y b)");
    assert_eq!(c.rest, b" tail");
    let mut c = cursor(b"atom rest");
    assert_eq!(c.raw_value().unwrap().first(), b"atom");
    let mut c = cursor(b"(unclosed");
    assert!(c.raw_value().is_err());
}

#[test]
fn quirk_set_reports_names() {
    let mut q = Quirks::new();
    assert!(q.is_empty());
    q.insert(Quirk::NilFlag);
    q.insert(Quirk::MissingText);
    assert_eq!(
        q.iter().collect::<Vec<_>>(),
        [Quirk::MissingText, Quirk::NilFlag]
    );
    assert_eq!(format!("{q:?}"), "{\"missing_text\", \"nil_flag\"}");
    assert_eq!(Quirk::ALL.len(), 31);
    let names: std::collections::HashSet<_> = Quirk::ALL.iter().map(|q| q.name()).collect();
    assert_eq!(names.len(), Quirk::ALL.len());
}

#[test]
fn parse_error_display_and_conversion() {
    let e = ParseError::new(7, "')'", b"x\r\ny");
    assert_eq!(
        e.to_string(),
        "malformed response at offset 7: expected ')', found 'x\\r\\ny'"
    );
    let e = ParseError::new(0, "a tag", b"");
    assert!(e.to_string().ends_with("found the end"));
    let err: crate::Error = e.into();
    assert_eq!(err.cause(), crate::Cause::Protocol);
}

#[test]
fn thread_writer_round_trips() {
    for text in [
        &b"(2)(3 6 (4 23)(44 7 96))"[..],
        b"((3)(5))",
        b"(1 2 3 4)",
        b"",
    ] {
        let mut c = cursor(text);
        let t = c.thread_data().unwrap();
        let mut out = Vec::new();
        t.write_to(&mut out);
        assert_eq!(out, text);
    }
    assert!(cursor(b"(1").thread_data().is_err());
    assert!(cursor(b"()").thread_data().is_err());
    assert!(cursor(b")").thread_data().is_err());
}

#[test]
fn long_thread_chains_do_not_recurse() {
    let mut text = b"(".to_vec();
    for i in 1..=200_000 {
        if i > 1 {
            text.push(b' ');
        }
        text.extend_from_slice(i.to_string().as_bytes());
    }
    text.push(b')');
    let t = cursor(&text).thread_data().unwrap();
    assert_eq!(t.nodes().len(), 200_000);
    let mut out = Vec::new();
    t.write_to(&mut out);
    assert_eq!(out, text);
    drop(t);
}

#[test]
fn address_groups() {
    let mut c = cursor(
        b"((NIL NIL \"team\" NIL)(NIL NIL \"a\" \"x\")(NIL NIL NIL NIL)(NIL NIL \"b\" \"y\"))",
    );
    let list = c.address_list().unwrap();
    let entries: Vec<_> = grouped(&list).collect();
    assert_eq!(entries.len(), 2);
    assert!(matches!(entries[0], AddressEntry::Group { members, .. } if members.len() == 1));
    assert!(matches!(entries[1], AddressEntry::Mailbox(a) if a.email().as_deref() == Some("b@y")));
    // An unterminated group runs to the end.
    let mut c = cursor(b"((NIL NIL \"team\" NIL)(NIL NIL \"a\" \"x\"))");
    let list = c.address_list().unwrap();
    assert!(
        matches!(grouped(&list).next(), Some(AddressEntry::Group { members, .. }) if members.len() == 1)
    );
}
