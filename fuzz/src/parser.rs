//! `parser`: the typed parser on frames from the framer, and the views over imaplib-shaped
//! items.
//!
//! The input is server bytes. Each frame the framer produces ([`Framer::next_frame_ref`]) is
//! parsed where it lies and as an owned frame, with the same result, then with
//! [`parse_response`] (and [`parse_greeting`]), and then:
//!
//! * every value with a canonical encoder (status responses and their codes, CAPABILITY,
//!   ENABLED, FLAGS, SEARCH, STATUS, THREAD, sequence sets, flag lists) is re-encoded, framed
//!   again and re-parsed, and must give the same value;
//! * the frame is turned into imaplib's items (`Literal(header, data)…, Line(rest)`) and
//!   every view ([`parse::fetches`], [`parse::list`], …) runs over them; for the view that
//!   matches the response's name, the result must agree with `parse_response`'s;
//! * the response code at the start of a status text goes through [`parse::codes`] and
//!   [`parse_code`] as imaplib stores it;
//! * the helpers on parsed values (dates, body walk, addresses, mailbox decoding, base64
//!   challenges) run too.
//!
//! Nothing may panic.

use imaplib_proto::frame::{Frame, Framer, Limits};
use imaplib_proto::parse::{
    self, grouped, parse_code, parse_flag_list, parse_greeting, parse_response_quirks,
    parse_segments, Code, Continuation, Data, Quirks, Response, SeqSet, Status,
};
use imaplib_proto::response::response_code;
use imaplib_proto::{Item, Reply};

use crate::bytes::show;

/// Limits for the target: small enough to keep each run fast.
pub const LIMITS: Limits = Limits {
    max_line: 1 << 16,
    max_literal: 1 << 16,
    max_response: 1 << 18,
};

/// Frames `wire` (which must hold exactly one response) with default limits.
fn frame_one(wire: &[u8]) -> Frame {
    let mut f = Framer::new(Limits::default());
    let mut input = wire;
    let mut frames = Vec::new();
    loop {
        match f.next_frame(&mut input) {
            Ok(Some(fr)) => frames.push(fr),
            Ok(None) => break,
            Err(e) => panic!("re-encoded response does not frame: {e}: {}", show(wire)),
        }
    }
    assert!(
        f.is_idle(),
        "re-encoded response is incomplete: {}",
        show(wire)
    );
    assert_eq!(
        frames.len(),
        1,
        "re-encoded response is not one frame: {}",
        show(wire)
    );
    frames.pop().unwrap_or_default()
}

/// `prefix` + body + CRLF, framed and parsed; the parsed response is handed to `f`.
fn reparse<R>(prefix: &[u8], body: &[u8], f: impl FnOnce(Response<'_>) -> R) -> R {
    let mut wire = prefix.to_vec();
    wire.extend_from_slice(body);
    wire.extend_from_slice(b"\r\n");
    let frame = frame_one(&wire);
    match parse_response_quirks(&frame, &mut Quirks::new()) {
        Ok(r) => f(r),
        Err(e) => panic!("re-encoded response does not parse: {e}: {}", show(&wire)),
    }
}

fn status_round_trip(prefix: &[u8], status: &Status<'_>, tagged: bool) {
    let printed = status.to_string();
    if printed.contains('\u{fffd}') {
        // Display is lossy for bytes that are not UTF-8: no canonical form to compare.
        return;
    }
    reparse(prefix, printed.as_bytes(), |r| {
        let again = match r {
            Response::Tagged { status, .. } if tagged => status,
            Response::Untagged(Data::Status(s)) if !tagged => s,
            other => panic!("status {printed:?} re-parsed as {other:?}"),
        };
        assert_eq!(&again, status, "status changed through {printed:?}");
    });
}

fn seqset_round_trip(set: &SeqSet) {
    if set.is_empty() {
        return;
    }
    let printed = set.to_string();
    let again = SeqSet::parse(printed.as_bytes())
        .unwrap_or_else(|e| panic!("sequence set {printed:?} does not re-parse: {e}"));
    assert_eq!(&again, set, "sequence set changed through {printed:?}");
}

fn code_round_trip(code: &Code<'_>) {
    match code {
        Code::AppendUid { uids, .. } => seqset_round_trip(uids),
        Code::CopyUid { source, dest, .. } => {
            seqset_round_trip(source);
            seqset_round_trip(dest);
        }
        Code::Modified(set) => seqset_round_trip(set),
        Code::Metadata(m) => {
            let text = m.to_string();
            let again = parse_code(b"METADATA", text.as_bytes())
                .unwrap_or_else(|e| panic!("METADATA {text} does not re-parse: {e}"));
            assert_eq!(
                again,
                Code::Metadata(*m),
                "METADATA code changed through {text}"
            );
        }
        _ => {}
    }
}

fn flags_round_trip(flags: parse::FlagList<'_>) {
    // The list is read on demand from its text: it must yield exactly `len` non-empty flags.
    assert_eq!(flags.iter().count(), flags.len(), "{flags:?}");
    for f in flags {
        assert!(!f.0.is_empty() && !f.0.contains(&b' '), "{flags:?}");
    }
    let mut out = Vec::new();
    parse::write_flag_list(flags, &mut out);
    let again = parse_flag_list(&out)
        .unwrap_or_else(|e| panic!("flag list {} does not re-parse: {e}", show(&out)));
    assert_eq!(
        again,
        flags.to_vec(),
        "flag list changed through {}",
        show(&out)
    );
}

/// Re-encodes what has a canonical form and checks it parses back to the same value.
fn round_trips(resp: &Response<'_>) {
    match resp {
        Response::Tagged { tag, status } => {
            let mut prefix = tag.to_vec();
            prefix.push(b' ');
            status_round_trip(&prefix, status, true);
            if let Some(code) = &status.code {
                code_round_trip(code);
            }
        }
        Response::Continuation(Continuation::Text {
            code: Some(code), ..
        }) => code_round_trip(code),
        Response::Continuation(c) => {
            let _ = c.decode_base64();
        }
        Response::Untagged(data) => match data {
            Data::Status(s) => {
                status_round_trip(b"* ", s, false);
                if let Some(code) = &s.code {
                    code_round_trip(code);
                }
            }
            Data::Capability(caps) | Data::Enabled(caps) => {
                let name: &[u8] = if matches!(data, Data::Capability(_)) {
                    b"* CAPABILITY "
                } else {
                    b"* ENABLED "
                };
                let mut out = Vec::new();
                caps.write_to(&mut out);
                reparse(name, &out, |r| match r {
                    Response::Untagged(Data::Capability(c) | Data::Enabled(c)) => {
                        assert_eq!(&c, caps, "capabilities changed through {}", show(&out))
                    }
                    other => panic!("capabilities re-parsed as {other:?}"),
                });
            }
            Data::Flags(flags) => {
                flags_round_trip(*flags);
                let mut out = Vec::new();
                parse::write_flag_list(*flags, &mut out);
                reparse(b"* FLAGS ", &out, |r| match r {
                    Response::Untagged(Data::Flags(f)) => assert_eq!(&f, flags),
                    other => panic!("FLAGS re-parsed as {other:?}"),
                });
            }
            Data::Search(s) => {
                // Written expanded: skip sets that would not fit in a line of the limits.
                if s.ids.count() <= 100_000 {
                    let mut out = Vec::new();
                    s.write_to(&mut out);
                    reparse(b"* SEARCH ", &out, |r| match r {
                        Response::Untagged(Data::Search(again)) => {
                            assert_eq!(&again, s, "SEARCH changed through {}", show(&out))
                        }
                        other => panic!("SEARCH re-parsed as {other:?}"),
                    });
                }
                seqset_round_trip(&s.ids);
            }
            Data::MailboxStatus(st) => {
                let mut out = Vec::new();
                st.write_to(&mut out);
                reparse(b"* STATUS ", &out, |r| match r {
                    Response::Untagged(Data::MailboxStatus(again)) => {
                        assert_eq!(
                            again.mailbox.raw(),
                            st.mailbox.raw(),
                            "STATUS mailbox changed through {}",
                            show(&out)
                        );
                        assert_eq!(again.items, st.items, "STATUS items changed");
                    }
                    other => panic!("STATUS re-parsed as {other:?}"),
                });
            }
            Data::Thread(t) => {
                let mut out = Vec::new();
                t.write_to(&mut out);
                reparse(b"* THREAD ", &out, |r| match r {
                    Response::Untagged(Data::Thread(again)) => {
                        assert_eq!(&again, t, "THREAD changed through {}", show(&out))
                    }
                    other => panic!("THREAD re-parsed as {other:?}"),
                });
            }
            Data::Vanished(v) => seqset_round_trip(&v.uids),
            Data::Esearch(e) => {
                if let Some(all) = &e.all {
                    seqset_round_trip(all);
                }
                if let Some(set) = e.partial.as_ref().and_then(|p| p.set.as_ref()) {
                    seqset_round_trip(set);
                }
                for change in e.addto.iter().chain(&e.removefrom) {
                    seqset_round_trip(&change.set);
                }
            }
            Data::Fetch(f) => {
                if let Some(flags) = f.flags() {
                    flags_round_trip(flags);
                }
            }
            Data::List(l) | Data::Lsub(l) => flags_round_trip(l.attributes),
            _ => {}
        },
    }
}

/// Runs the helpers on parsed values.
fn helpers(resp: &Response<'_>) {
    let Response::Untagged(data) = resp else {
        return;
    };
    match data {
        Data::Fetch(f) => {
            let _ = (
                f.uid(),
                f.internal_date(),
                f.section(""),
                f.section("HEADER"),
                f.preview(),
                f.save_date(),
            );
            if let Some(env) = f.envelope() {
                let _ = env.parsed_date();
                for list in [
                    &env.from,
                    &env.sender,
                    &env.reply_to,
                    &env.to,
                    &env.cc,
                    &env.bcc,
                ] {
                    for a in list.iter() {
                        let _ = (a.email(), a.is_group_start(), a.is_group_end());
                    }
                    let _ = grouped(list).count();
                }
            }
            if let Some(body) = f.body_structure() {
                let mut n = 0usize;
                body.walk(|path, _| n += path.len());
            }
        }
        Data::List(l) | Data::Lsub(l) => {
            let _ = (
                l.mailbox.decoded(),
                l.mailbox.encoding(),
                l.delimiter_byte(),
            );
            let _ = (
                l.mailbox.decoded_utf8(),
                l.mailbox.is_inbox(),
                l.has("\\Noselect"),
            );
        }
        Data::MailboxStatus(s) => {
            let _ = s.mailbox.decoded();
        }
        Data::Thread(t) => {
            for &r in t.roots() {
                let _ = t.children(r).count();
            }
        }
        _ => {}
    }
}

/// imaplib's classification of an untagged frame: the type and the items it stores.
/// `None` for frames imaplib would not store as untagged data.
pub fn imaplib_items(frame: &Frame) -> Option<(String, Vec<Item>)> {
    let is_type = |b: &u8| b.is_ascii_uppercase() || *b == b'-';
    let rest = frame.first.strip_prefix(b"* ")?;
    let n = rest.iter().take_while(|b| is_type(b)).count();
    let (typ, dat) = if n > 0 {
        (
            &rest[..n],
            rest[n..].strip_prefix(b" ").unwrap_or(b"").to_vec(),
        )
    } else {
        let d = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if d == 0 || rest.get(d) != Some(&b' ') {
            return None;
        }
        let after = &rest[d + 1..];
        let t = after.iter().take_while(|b| is_type(b)).count();
        if t == 0 {
            return None;
        }
        let mut dat = rest[..d].to_vec();
        if let Some(d2) = after[t..].strip_prefix(b" ") {
            if !d2.is_empty() {
                dat.push(b' ');
                dat.extend_from_slice(d2);
            }
        }
        (&after[..t], dat)
    };
    let mut items = Vec::new();
    let mut dat = dat;
    for (lit, next) in &frame.parts {
        items.push(Item::Literal(dat, lit.clone()));
        dat = next.to_vec();
    }
    items.push(Item::Line(dat));
    Some((String::from_utf8_lossy(typ).into_owned(), items))
}

/// Compares a view's first result with what `parse_response` gave for the same frame.
macro_rules! agree {
    ($view:expr, $parsed:expr, $pat:pat => $val:expr, $what:literal) => {{
        let from_view = $view.next();
        let from_parse = match $parsed {
            Ok(Response::Untagged($pat)) => Some(Ok($val)),
            Ok(_) => None,
            Err(_) => Some(Err(())),
        };
        if let (Some(v), Some(p)) = (from_view, from_parse) {
            match (v, p) {
                (Ok(v), Ok(p)) => assert_eq!(&v, p, "{} view differs from parse_response", $what),
                (Err(_), Err(())) => {}
                (v, p) => panic!(
                    "{} view and parse_response disagree: view {:?}, parse_response {:?}",
                    $what, v, p
                ),
            }
        }
    }};
}

/// Runs every view over the frame's imaplib items; the one named by the response must agree
/// with `parse_response`.
fn views(frame: &Frame, parsed: &Result<Response<'_>, parse::ParseError>) {
    let Some((typ, items)) = imaplib_items(frame) else {
        return;
    };
    let reply = Reply::new("OK", items.clone());
    // No view may panic, whatever the items.
    let _ = parse::fetches(&reply).count();
    let _ = parse::list(&reply).count();
    let _ = parse::status(&reply).count();
    let _ = parse::search(&reply).count();
    let _ = parse::esearch(&reply).count();
    let _ = parse::sort(&reply).count();
    let _ = parse::thread(&reply).count();
    let _ = parse::capability(&reply).count();
    let _ = parse::enabled(&reply).count();
    let _ = parse::flags(&reply).count();
    let _ = parse::namespace(&reply).count();
    let _ = parse::quota(&reply).count();
    let _ = parse::quotaroot(&reply).count();
    let _ = parse::acl(&reply).count();
    let _ = parse::myrights(&reply).count();
    let _ = parse::id(&reply).count();
    let _ = parse::vanished(&reply).count();
    let _ = parse::metadata(&reply).count();
    let nested = Reply::new(
        "OK",
        vec![Item::List(items.clone()), Item::List(items.clone())],
    );
    let _ = parse::quota(&nested).count();
    let _ = parse::quotaroot(&nested).count();

    // parse_response reads `* NAME data`; the views read imaplib's `data`. Compare them only
    // for the plain form (`* NAME SP data`, upper case as imaplib's regexes require).
    let plain = match frame.first.strip_prefix(b"* ") {
        Some(rest) => rest.starts_with(typ.as_bytes()) && rest.get(typ.len()) == Some(&b' '),
        None => false,
    };
    let fetch_form = typ == "FETCH" && !plain;
    if !plain && !fetch_form {
        return;
    }
    match typ.as_str() {
        "FETCH" if fetch_form => {
            agree!(parse::fetches(&reply), parsed, Data::Fetch(f) => f, "fetches")
        }
        "LIST" => agree!(parse::list(&reply), parsed, Data::List(l) => l, "list"),
        "LSUB" => agree!(parse::list(&reply), parsed, Data::Lsub(l) => l, "list (LSUB)"),
        "STATUS" => agree!(parse::status(&reply), parsed, Data::MailboxStatus(s) => s, "status"),
        "SEARCH" => agree!(parse::search(&reply), parsed, Data::Search(s) => s, "search"),
        "ESEARCH" => agree!(parse::esearch(&reply), parsed, Data::Esearch(s) => s, "esearch"),
        "SORT" => agree!(parse::sort(&reply), parsed, Data::Sort(s) => s, "sort"),
        "THREAD" => agree!(parse::thread(&reply), parsed, Data::Thread(t) => t, "thread"),
        "CAPABILITY" => {
            agree!(parse::capability(&reply), parsed, Data::Capability(c) => c, "capability")
        }
        "ENABLED" => agree!(parse::enabled(&reply), parsed, Data::Enabled(c) => c, "enabled"),
        "FLAGS" => agree!(parse::flags(&reply), parsed, Data::Flags(f) => f, "flags"),
        "NAMESPACE" => {
            agree!(parse::namespace(&reply), parsed, Data::Namespace(n) => n, "namespace")
        }
        "QUOTA" => agree!(parse::quota(&reply), parsed, Data::Quota(q) => q, "quota"),
        "QUOTAROOT" => {
            agree!(parse::quotaroot(&reply), parsed, Data::QuotaRoot(q) => q, "quotaroot")
        }
        "ACL" => agree!(parse::acl(&reply), parsed, Data::Acl(a) => a, "acl"),
        "MYRIGHTS" => agree!(parse::myrights(&reply), parsed, Data::MyRights(m) => m, "myrights"),
        "ID" => agree!(parse::id(&reply), parsed, Data::Id(i) => i, "id"),
        "VANISHED" => agree!(parse::vanished(&reply), parsed, Data::Vanished(v) => v, "vanished"),
        // The view also reads a `[METADATA …]` code's data (imaplib stores it under the same
        // name), which `* METADATA` cannot be: compare the response form only.
        "METADATA" => {
            let from_view = parse::metadata(&reply).next();
            match (from_view, parsed) {
                (
                    Some(Ok(parse::MetadataItem::Entries(v))),
                    Ok(Response::Untagged(Data::Metadata(p))),
                ) => {
                    assert_eq!(&v, p, "metadata view differs from parse_response")
                }
                (Some(Ok(parse::MetadataItem::Entries(v))), p) => {
                    panic!("metadata view and parse_response disagree: view {v:?}, parse_response {p:?}")
                }
                (Some(Err(_)), Ok(Response::Untagged(Data::Metadata(p)))) => {
                    panic!("metadata view failed where parse_response read {p:?}")
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// The response code at the start of a status text, as imaplib stores it.
fn codes(frame: &Frame) {
    let line = &frame.first;
    let text = if let Some(rest) = line.strip_prefix(b"* ") {
        let n = rest.iter().take_while(|b| b.is_ascii_uppercase()).count();
        rest[n..].strip_prefix(b" ").unwrap_or(&rest[n..])
    } else {
        let sp = line
            .iter()
            .position(|&b| b == b' ')
            .map_or(line.len(), |i| i + 1);
        let rest = &line[sp..];
        let n = rest.iter().take_while(|b| b.is_ascii_uppercase()).count();
        rest[n..].strip_prefix(b" ").unwrap_or(&rest[n..])
    };
    let Some((name, data)) = response_code(text) else {
        return;
    };
    let _ = parse_code(name.as_bytes(), &data);
    let reply = Reply::new(name, vec![Item::Line(data)]);
    for c in parse::codes(&reply).flatten() {
        code_round_trip(&c);
    }
}

/// Parses one frame in every way described in the module documentation.
pub fn check_frame(frame: &Frame) {
    let mut quirks = Quirks::new();
    let parsed = parse_response_quirks(frame, &mut quirks);
    let _ = parse_greeting(frame);
    for q in quirks.iter() {
        let _ = q.name();
    }
    if let Ok(resp) = &parsed {
        round_trips(resp);
        helpers(resp);
    }
    views(frame, &parsed);
    codes(frame);
    // The standalone entry points, on the raw line.
    let line = &frame.first;
    if let Ok(set) = SeqSet::parse(line) {
        seqset_round_trip(&set);
    }
    if let Ok(flags) = parse_flag_list(line) {
        flags_round_trip(flags);
    }
    if let Ok(n) = parse::parse_number(line) {
        assert_eq!(parse::parse_number(n.to_string().as_bytes()).ok(), Some(n));
    }
    if let Some(sp) = line.iter().position(|&b| b == b' ') {
        let _ = parse_code(&line[..sp], &line[sp + 1..]);
    }
}

/// The target. Frames come from `next_frame_ref`: each is parsed where it lies (borrowed
/// from the input when it lies whole in it) and as an owned frame, with the same result and
/// the same quirks.
pub fn check(data: &[u8]) {
    let mut f = Framer::new(LIMITS);
    let mut input = data;
    while let Ok(Some(frame)) = f.next_frame_ref(&mut input) {
        let mut quirks = Quirks::new();
        let borrowed = parse_segments(frame.segments(), &mut quirks);
        let owned = frame.clone().into_owned();
        let mut owned_quirks = Quirks::new();
        let want = parse_response_quirks(&owned, &mut owned_quirks);
        assert_eq!(borrowed, want, "a borrowed frame parses differently");
        assert_eq!(quirks, owned_quirks, "a borrowed frame has other quirks");
        drop(borrowed);
        check_frame(&owned);
    }
}
