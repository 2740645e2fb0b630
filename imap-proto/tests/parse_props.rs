//! Properties: no input panics the parser; canonical forms round-trip.

use imaplib_proto::frame::Frame;
use imaplib_proto::parse::{
    self, parse_code, parse_flag_list, parse_number, parse_response, Code, Response, SeqSet,
};
use imaplib_proto::{Item, Reply};
use proptest::prelude::*;

/// Bytes biased towards IMAP syntax, so that random input reaches deep into the grammar.
fn imapish() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(&b"("[..]),
        Just(&b")"[..]),
        Just(&b" "[..]),
        Just(&b"\""[..]),
        Just(&b"\\"[..]),
        Just(&b"NIL"[..]),
        Just(&b"["[..]),
        Just(&b"]"[..]),
        Just(&b"{3}"[..]),
        Just(&b"1"[..]),
        Just(&b"0"[..]),
        Just(&b"-1"[..]),
        Just(&b"*"[..]),
        Just(&b":"[..]),
        Just(&b","[..]),
        Just(&b"FETCH"[..]),
        Just(&b"BODYSTRUCTURE"[..]),
        Just(&b"ENVELOPE"[..]),
        Just(&b"BODY["[..]),
        Just(&b"\"text\""[..]),
        Just(&b"\"message\" \"rfc822\""[..]),
        Just(&b"UID"[..]),
        Just(&b"FLAGS"[..]),
        Just(&b"\\Seen"[..]),
        Just(&b"OK"[..]),
        Just(&b"COPYUID"[..]),
        Just(&b"9.5e+3"[..]),
        Just(&b"\xff"[..]),
        Just(&b"\t"[..]),
    ];
    prop::collection::vec(token, 0..60).prop_map(|v| v.concat())
}

fn heads() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![
        Just(&b"* 1 FETCH "[..]),
        Just(&b"* "[..]),
        Just(&b"A1 "[..]),
        Just(&b"+ "[..]),
        Just(&b"* OK "[..]),
        Just(&b"* LIST "[..]),
        Just(&b"* STATUS "[..]),
        Just(&b"* THREAD "[..]),
        Just(&b"* SEARCH "[..]),
        Just(&b"* ESEARCH "[..]),
        Just(&b"* NAMESPACE "[..]),
        Just(&b""[..]),
    ]
}

proptest! {
    // 1000 cases by default; PROPTEST_CASES=n for a longer hunt.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000)
    ))]

    #[test]
    fn random_bytes_never_panic(first in prop::collection::vec(any::<u8>(), 0..200),
                                parts in prop::collection::vec(
                                    (prop::collection::vec(any::<u8>(), 0..20),
                                     prop::collection::vec(any::<u8>(), 0..50)), 0..3)) {
        let parts = parts.into_iter().map(|(l, t)| (l.into(), t.into())).collect();
        let frame = Frame { first: first.into(), parts };
        let _ = parse_response(&frame);
    }

    #[test]
    fn imapish_bytes_never_panic(head in heads(), body in imapish(), lit in imapish(), tail in imapish()) {
        let mut first = head.to_vec();
        first.extend_from_slice(&body);
        let _ = parse_response(&Frame { first: first.clone().into(), parts: vec![] });
        // With a literal after a marker.
        let mut with_marker = first.clone();
        with_marker.extend_from_slice(format!("{{{}}}", lit.len()).as_bytes());
        let frame = Frame { first: with_marker.clone().into(), parts: vec![(lit.clone().into(), tail.clone().into())] };
        let _ = parse_response(&frame);
        // And through the views, in imaplib's shape.
        let reply = Reply::new("OK", vec![
            Item::Literal(body.clone(), lit.clone().into()),
            Item::Line(tail.clone()),
            Item::Line(body.clone()),
        ]);
        let _ = parse::fetches(&reply).count();
        let _ = parse::list(&reply).count();
        let _ = parse::status(&reply).count();
        let _ = parse::search(&reply).count();
        let _ = parse::esearch(&reply).count();
        let _ = parse::sort(&reply).count();
        let _ = parse::thread(&reply).count();
        let _ = parse::namespace(&reply).count();
        let _ = parse::quota(&reply).count();
        let _ = parse::id(&reply).count();
        let _ = parse::codes(&Reply::new("COPYUID", reply.data.clone())).count();
        let _ = parse_code(b"X", &body);
        let _ = SeqSet::parse(&body);
    }

    #[test]
    fn errors_are_bounded(body in imapish()) {
        let mut first = b"* 1 FETCH ".to_vec();
        first.extend_from_slice(&body);
        if let Err(e) = parse_response(&Frame::line(first.clone())) {
            prop_assert!(e.bytes().len() <= 200);
            prop_assert!(e.offset() <= first.len());
        }
    }

    #[test]
    fn seq_sets_round_trip(ranges in prop::collection::vec((1u32.., 1u32..), 1..20)) {
        let text: Vec<String> = ranges.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}:{b}") }).collect();
        let text = text.join(",");
        let set = SeqSet::parse(text.as_bytes()).unwrap();
        let printed = set.to_string();
        let again = SeqSet::parse(printed.as_bytes()).unwrap();
        prop_assert_eq!(&set, &again);
        prop_assert_eq!(printed, again.to_string());
    }

    #[test]
    fn flags_round_trip(flags in prop::collection::vec("\\\\?[A-Za-z$][A-Za-z0-9$_.-]{0,10}", 0..8)) {
        let text = format!("({})", flags.join(" "));
        let parsed = parse_flag_list(text.as_bytes()).unwrap();
        let mut out = Vec::new();
        parse::write_flag_list(parsed, &mut out);
        prop_assert_eq!(&out, text.as_bytes());
        let again = parse_flag_list(&out).unwrap();
        prop_assert_eq!(parsed, again);
    }

    #[test]
    fn numbers_round_trip(n in any::<u64>()) {
        let text = n.to_string();
        prop_assert_eq!(parse_number(text.as_bytes()).unwrap(), n);
    }

    #[test]
    fn codes_round_trip(v in 1u32.., a in 1u32.., b in 1u32.., m in any::<u64>()) {
        let codes = [
            Code::UidNext(v),
            Code::HighestModSeq(m),
            Code::AppendUid { uidvalidity: v, uids: SeqSet::parse(format!("{a}:{b}").as_bytes()).unwrap() },
            Code::CopyUid {
                uidvalidity: v,
                source: SeqSet::parse(format!("{a},{b}").as_bytes()).unwrap(),
                dest: SeqSet::parse(format!("{b}:{a}").as_bytes()).unwrap(),
            },
            Code::ReadOnly,
        ];
        for code in codes {
            let printed = code.to_string();
            let (name, data) = printed.split_once(' ').unwrap_or((&printed, ""));
            let again = parse_code(name.as_bytes(), data.as_bytes()).unwrap();
            prop_assert_eq!(&again, &code);
            prop_assert_eq!(again.to_string(), printed);
        }
    }

    #[test]
    fn status_round_trips(kind in prop_oneof![Just("OK"), Just("NO"), Just("BAD")],
                          text in "[A-Za-z0-9 .,]{0,30}",
                          n in 1u32..) {
        for line in [format!("A1 {kind} {text}"), format!("A1 {kind} [UIDVALIDITY {n}] {text}")] {
            let frame = Frame::line(line.clone());
            let Response::Tagged { status, .. } = parse_response(&frame).unwrap() else {
                panic!("not tagged")
            };
            let printed = format!("A1 {status}");
            let frame2 = Frame::line(printed.clone());
            let Response::Tagged { status: again, .. } = parse_response(&frame2).unwrap() else {
                panic!("not tagged")
            };
            prop_assert_eq!(&again, &status);
            prop_assert_eq!(format!("A1 {again}"), printed);
        }
    }

    /// Long SEARCH lines, mostly runs of short ids with now and then something the fast
    /// paths must leave to the byte-exact loop, against a naive reading of the grammar.
    #[test]
    fn search_agrees_with_a_naive_reader(
        tokens in prop::collection::vec(search_token(), 0..300),
        trailing_space in any::<bool>(),
        modseq in any::<bool>(),
    ) {
        let mut line = Vec::new();
        let mut last = 0u64;
        for (i, token) in tokens.iter().enumerate() {
            if i > 0 {
                line.push(b' ');
            }
            match token {
                SearchToken::Next(gap) => {
                    last = (last + u64::from(*gap)) % 20_000_000;
                    line.extend_from_slice(last.to_string().as_bytes());
                }
                SearchToken::Raw(raw) => line.extend_from_slice(raw.as_bytes()),
            }
        }
        if (trailing_space || modseq) && !line.is_empty() {
            line.push(b' ');
        }
        if modseq {
            line.extend_from_slice(b"(MODSEQ 917)");
        }
        let reply = Reply::new("OK", vec![Item::Line(line.clone())]);
        let parsed = parse::search(&reply).next().unwrap();
        let want = naive_search(&line);
        prop_assert_eq!(
            parsed.as_ref().ok().map(|s| (s.ids.iter().collect::<Vec<_>>(), s.modseq)),
            want,
            "{}", String::from_utf8_lossy(&line)
        );
    }

    #[test]
    fn search_round_trips(ids in prop::collection::vec(1u32..5000, 0..50)) {
        let text: Vec<String> = ids.iter().map(u32::to_string).collect();
        let reply = Reply::new("OK", vec![Item::Line(text.join(" ").into_bytes())]);
        let s = parse::search(&reply).next().unwrap().unwrap();
        prop_assert_eq!(s.ids.iter().collect::<Vec<_>>(), ids);
        let mut out = Vec::new();
        s.write_to(&mut out);
        let reply2 = Reply::new("OK", vec![Item::Line(out)]);
        prop_assert_eq!(parse::search(&reply2).next().unwrap().unwrap(), s);
    }

    #[test]
    fn mailbox_status_round_trips(name in "[A-Za-z0-9 &\"\\\\-]{1,12}", m in any::<u64>(), u in any::<u32>()) {
        let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
        let line = format!("\"{quoted}\" (MESSAGES {m} UIDNEXT {u})");
        let reply = Reply::new("OK", vec![Item::Line(line.into_bytes())]);
        let s = parse::status(&reply).next().unwrap().unwrap();
        prop_assert_eq!(&*s.mailbox.raw(), name.as_bytes());
        let mut out = Vec::new();
        s.write_to(&mut out);
        let reply2 = Reply::new("OK", vec![Item::Line(out)]);
        let again = parse::status(&reply2).next().unwrap().unwrap();
        prop_assert_eq!(again.mailbox.raw(), s.mailbox.raw());
        prop_assert_eq!(again.items, s.items);
    }
}

#[test]
fn one_malformed_fetch_among_valid_ones() {
    let reply = Reply::new(
        "OK",
        vec![
            Item::Line(b"1 (UID 1 FLAGS (\\Seen))".to_vec()),
            Item::Literal(b"2 (UID 2 BODY[] {3}".to_vec(), b"abc".to_vec().into()),
            Item::Line(b" ENVELOPE (\"broken)".to_vec()),
            Item::Line(b"3 (UID 3)".to_vec()),
        ],
    );
    let got: Vec<_> = parse::fetches(&reply).map(|r| r.map(|f| f.uid())).collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], Ok(Some(1)));
    assert!(got[1].is_err());
    assert_eq!(got[2], Ok(Some(3)));
}

/// A token of a generated SEARCH line.
#[derive(Debug, Clone)]
enum SearchToken {
    /// The previous id plus this gap (0: a duplicate).
    Next(u8),
    /// Literal text: odd numbers, invalid ids, empty tokens (double spaces), stray bytes.
    Raw(&'static str),
}

fn search_token() -> impl Strategy<Value = SearchToken> {
    prop_oneof![
        60 => (0u8..4).prop_map(SearchToken::Next),
        1 => prop::sample::select(vec![
            "0", "00", "007", "0000000001", "9999999", "10000000", "12345678", "123456789",
            "4294967295", "4294967296", "12345678901", "", "x", "1x", "-1", "(", "*",
        ])
        .prop_map(SearchToken::Raw),
    ]
}

/// SEARCH data read by the letter of the grammar: ids (1 to 10 digits, non-zero, 32-bit)
/// separated by one space, one trailing space tolerated, then an optional `(MODSEQ n)`
/// (after a space unless it stands alone).
fn naive_search(line: &[u8]) -> Option<(Vec<u32>, Option<u64>)> {
    let (body, modseq) = match line.iter().position(|&b| b == b'(') {
        Some(p) => {
            let rest = std::str::from_utf8(&line[p..]).ok()?;
            let n = rest.strip_prefix("(MODSEQ ")?.strip_suffix(')')?;
            let body = &line[..p];
            let body = if body.is_empty() {
                body
            } else {
                body.strip_suffix(b" ")?
            };
            (body, Some(n.parse().ok()?))
        }
        None => (line.strip_suffix(b" ").unwrap_or(line), None),
    };
    if body.is_empty() {
        return Some((Vec::new(), modseq));
    }
    let mut ids = Vec::new();
    for token in body.split(|&b| b == b' ') {
        if token.is_empty() || token.len() > 10 || !token.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let v: u64 = std::str::from_utf8(token).ok()?.parse().ok()?;
        if v == 0 || v > u64::from(u32::MAX) {
            return None;
        }
        ids.push(v as u32);
    }
    Some((ids, modseq))
}
