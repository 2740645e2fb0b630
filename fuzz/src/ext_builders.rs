//! The extension commands built with the Rust face's builders — METADATA (RFC 5464), NOTIFY
//! (RFC 5465), MULTIAPPEND (RFC 3502), LIST-EXTENDED/LIST-STATUS (RFC 5258, 5819) and
//! ESEARCH (RFC 4731) — each with the spec of what it must send, for the `encoder` target.
//!
//! As in [`crate::builders`], a model is read from the input (strings from the dictionary
//! of awkward values), the command is built through the library, and the spec is written
//! from the model independently, with the reasons the library must refuse it: an invalid
//! METADATA entry name, NUL in a value or a name, an empty list, NOTIFY's event pairing
//! rules (RFC 5465 §5), fetch items after MessageNew outside the selected filter,
//! RECURSIVEMATCH alone (RFC 5258 §3).

use imaplib_proto::build::{
    AppendMessage, Depth, EventGroup, FetchAttr, Flag, ListOptions, MetadataOptions, NotifyEvent,
    SearchKey, SearchReturn, StatusItem,
};
use imaplib_proto::chrono::{FixedOffset, TimeZone};
use imaplib_proto::{Command, Result};

use crate::bytes::Reader;
use crate::commands::{text_string, Arg, Built, DateArg, Need, Spec};

fn spec(ctor: &'static str, name: &str, args: Vec<Arg>, refuse: Option<String>) -> Spec {
    Spec {
        ctor,
        name: name.as_bytes().to_vec(),
        args,
        refuse,
        state: Need::AuthOrSelected,
    }
}

fn atom(s: &str) -> Arg {
    Arg::Verbatim(s.as_bytes().to_vec())
}

fn mailbox(name: &str, list: bool) -> Arg {
    Arg::Mailbox {
        name: name.as_bytes().to_vec(),
        is_str: true,
        list,
    }
}

/// RFC 5464 §3.2's entry names, written independently of the library's check.
fn entry_refusal(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let top = ["/private", "/shared"]
        .iter()
        .any(|p| lower == *p || lower.starts_with(&format!("{p}/")));
    let bad = !top
        || name.contains('*')
        || name.contains('%')
        || name.contains("//")
        || name.ends_with('/')
        || name.chars().any(char::is_control);
    bad.then(|| format!("invalid entry name {name:?}"))
}

fn entry_name(r: &mut Reader<'_>) -> String {
    match r.u8() % 6 {
        0 => "/private/comment".into(),
        1 => "/shared/vendor/x/y".into(),
        2 => format!("/private/{}", text_string(r)),
        3 => format!("/shared/{}/{}", text_string(r), text_string(r)),
        4 => "/Private/ü".into(),
        _ => text_string(r),
    }
}

fn getmetadata(r: &mut Reader<'_>) -> Built {
    let mb = text_string(r);
    let n = r.below(4);
    let names: Vec<String> = (0..n).map(|_| entry_name(r)).collect();
    let mut opts = MetadataOptions::new();
    let mut parts = Vec::new();
    if r.bool() {
        let size = u64::from(r.u32()) << (r.u8() % 40);
        opts = opts.max_size(size);
        parts.push(atom("MAXSIZE"));
        parts.push(atom(&size.to_string()));
    }
    match r.u8() % 3 {
        0 => {}
        1 => {
            opts = opts.depth(Depth::One);
            parts.extend([atom("DEPTH"), atom("1")]);
        }
        _ => {
            opts = opts.depth(Depth::Infinity);
            parts.extend([atom("DEPTH"), atom("infinity")]);
        }
    }
    let mut refuse = names.iter().find_map(|e| entry_refusal(e));
    if names.is_empty() {
        refuse.get_or_insert_with(|| "no entry".into());
    }
    let mut args = Vec::new();
    if !parts.is_empty() {
        args.push(Arg::Group(parts));
    }
    args.push(mailbox(&mb, false));
    args.push(Arg::Group(
        names
            .iter()
            .map(|e| Arg::AString(e.as_bytes().to_vec()))
            .collect(),
    ));
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    Built {
        cmd: Command::getmetadata(mb.as_str(), &refs, &opts),
        spec: spec("getmetadata", "GETMETADATA", args, refuse),
    }
}

fn setmetadata(r: &mut Reader<'_>) -> Built {
    let mb = text_string(r);
    let n = r.below(4);
    let mut entries: Vec<(String, Option<Vec<u8>>)> = Vec::new();
    for _ in 0..n {
        let name = entry_name(r);
        let value = match r.u8() % 4 {
            0 => None,
            1 => Some(b"line 1\r\nline 2 \xe2\x82\xac".to_vec()),
            _ => Some(r.short_bytes().to_vec()),
        };
        entries.push((name, value));
    }
    let mut refuse = entries.iter().find_map(|(e, _)| entry_refusal(e));
    if entries.is_empty() {
        refuse.get_or_insert_with(|| "no entry".into());
    }
    let mut list = Vec::new();
    for (e, v) in &entries {
        list.push(Arg::AString(e.as_bytes().to_vec()));
        list.push(match v {
            Some(v) => Arg::Quoted(v.clone()),
            None => atom("NIL"),
        });
    }
    let refs: Vec<(&str, Option<&[u8]>)> = entries
        .iter()
        .map(|(e, v)| (e.as_str(), v.as_deref()))
        .collect();
    Built {
        cmd: Command::setmetadata(mb.as_str(), &refs),
        spec: spec(
            "setmetadata",
            "SETMETADATA",
            vec![mailbox(&mb, false), Arg::Group(list)],
            refuse,
        ),
    }
}

/// One NOTIFY event group: the builder, its spec, and why it must be refused.
fn event_group(r: &mut Reader<'_>) -> (EventGroup, Arg, Option<String>) {
    let mut items = Vec::new();
    let mut refuse = None;
    let names = |r: &mut Reader<'_>, refuse: &mut Option<String>| {
        let n = r.below(3);
        let names: Vec<String> = (0..n).map(|_| text_string(r)).collect();
        if names.is_empty() {
            refuse.get_or_insert_with(|| "SUBTREE/MAILBOXES without a mailbox".into());
        }
        let arg = Arg::Group(names.iter().map(|m| mailbox(m, false)).collect());
        (names, arg)
    };
    let selected;
    let mut group = match r.u8() % 7 {
        0 => {
            items.push(atom("SELECTED"));
            selected = true;
            EventGroup::selected()
        }
        1 => {
            items.push(atom("SELECTED-DELAYED"));
            selected = true;
            EventGroup::selected_delayed()
        }
        2 => {
            items.push(atom("INBOXES"));
            selected = false;
            EventGroup::inboxes()
        }
        3 => {
            items.push(atom("PERSONAL"));
            selected = false;
            EventGroup::personal()
        }
        4 => {
            items.push(atom("SUBSCRIBED"));
            selected = false;
            EventGroup::subscribed()
        }
        5 => {
            let (n, arg) = names(r, &mut refuse);
            items.extend([atom("SUBTREE"), arg]);
            selected = false;
            EventGroup::subtree(n)
        }
        _ => {
            let (n, arg) = names(r, &mut refuse);
            items.extend([atom("MAILBOXES"), arg]);
            selected = false;
            EventGroup::mailboxes(n)
        }
    };
    let count = r.below(5);
    let mut events = Vec::new();
    let mut seen: Vec<&'static str> = Vec::new();
    for _ in 0..count {
        let (event, name) = match r.u8() % 9 {
            0 => (NotifyEvent::MessageNew(None), "MessageNew"),
            1 => {
                let attrs = [FetchAttr::uid(), FetchAttr::flags()];
                (NotifyEvent::MessageNew(Some(attrs.into())), "MessageNew+")
            }
            2 => (NotifyEvent::MessageExpunge, "MessageExpunge"),
            3 => (NotifyEvent::FlagChange, "FlagChange"),
            4 => (NotifyEvent::AnnotationChange, "AnnotationChange"),
            5 => (NotifyEvent::MailboxName, "MailboxName"),
            6 => (NotifyEvent::SubscriptionChange, "SubscriptionChange"),
            7 => (NotifyEvent::MailboxMetadataChange, "MailboxMetadataChange"),
            _ => (NotifyEvent::ServerMetadataChange, "ServerMetadataChange"),
        };
        group = group.event(event);
        let wire = name.trim_end_matches('+');
        seen.push(wire);
        events.push(atom(wire));
        if name == "MessageNew+" {
            if !selected {
                refuse.get_or_insert_with(|| "fetch items outside SELECTED".into());
            }
            events.push(Arg::Group(vec![atom("UID"), atom("FLAGS")]));
        }
    }
    let has = |n: &str| seen.contains(&n);
    if has("MessageNew") != has("MessageExpunge") {
        refuse.get_or_insert_with(|| "MessageNew without MessageExpunge, or the reverse".into());
    }
    if (has("FlagChange") || has("AnnotationChange")) && !has("MessageNew") {
        refuse.get_or_insert_with(|| "FlagChange/AnnotationChange without MessageNew".into());
    }
    if events.is_empty() {
        items.push(atom("NONE"));
    } else {
        items.push(Arg::Group(events));
    }
    (group, Arg::Group(items), refuse)
}

fn notify(r: &mut Reader<'_>) -> Built {
    let status = r.bool();
    let n = r.below(3);
    let mut groups = Vec::new();
    let mut args = vec![atom("SET")];
    if status {
        args.push(atom("STATUS"));
    }
    let mut refuse = None;
    for _ in 0..n {
        let (g, arg, why) = event_group(r);
        groups.push(g);
        args.push(arg);
        if refuse.is_none() {
            refuse = why;
        }
    }
    if groups.is_empty() {
        refuse.get_or_insert_with(|| "no event group".into());
    }
    Built {
        cmd: Command::notify_set(status, &groups),
        spec: spec("notify_set", "NOTIFY", args, refuse),
    }
}

fn multiappend(r: &mut Reader<'_>) -> Built {
    let mb = text_string(r);
    let n = r.below(4);
    let mut models = Vec::new();
    for _ in 0..n {
        let seen = r.bool();
        let date = r.bool().then(|| {
            let tz = FixedOffset::east_opt(i32::from(r.u8()) * 60)
                .unwrap_or(FixedOffset::east_opt(0).unwrap());
            tz.timestamp_opt(i64::from(r.u32()), 0).single()
        });
        models.push((seen, date.flatten(), r.short_bytes().to_vec()));
    }
    let mut args = vec![mailbox(&mb, false)];
    for (seen, date, bytes) in &models {
        if *seen {
            args.push(Arg::Group(vec![atom("\\Seen")]));
        }
        if date.is_some() {
            args.push(Arg::Date(DateArg::Timestamp(0)));
        }
        args.push(Arg::Message {
            bytes: bytes.clone(),
            translate: true,
        });
    }
    let refuse = models.is_empty().then(|| "no message".to_string());
    let messages: Vec<AppendMessage<'_>> = models
        .iter()
        .map(|(seen, date, bytes)| {
            let mut m = AppendMessage::new(bytes);
            if *seen {
                m = m.flags([Flag::Seen]);
            }
            if let Some(d) = date {
                m = m.date(*d);
            }
            m
        })
        .collect();
    Built {
        cmd: Command::append_many(mb.as_str(), &messages),
        spec: spec("append_many", "APPEND", args, refuse),
    }
}

fn list_extended(r: &mut Reader<'_>) -> Built {
    const SELECT: [&str; 4] = ["SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"];
    const RETURN: [&str; 3] = ["SUBSCRIBED", "CHILDREN", "SPECIAL-USE"];
    const STATUS: [(StatusItem, &str); 5] = [
        (StatusItem::Messages, "MESSAGES"),
        (StatusItem::UidNext, "UIDNEXT"),
        (StatusItem::Unseen, "UNSEEN"),
        (StatusItem::Size, "SIZE"),
        (StatusItem::HighestModSeq, "HIGHESTMODSEQ"),
    ];
    let mut opts = ListOptions::new();
    let mut select: Vec<&str> = Vec::new();
    let mut ret: Vec<&str> = Vec::new();
    let mut status: Vec<&str> = Vec::new();
    for _ in 0..r.below(4) {
        let o = *r.pick(&SELECT);
        if !select.contains(&o) {
            select.push(o);
        }
        opts = match o {
            "SUBSCRIBED" => opts.select_subscribed(),
            "REMOTE" => opts.select_remote(),
            "RECURSIVEMATCH" => opts.select_recursive_match(),
            _ => opts.select_special_use(),
        };
    }
    for _ in 0..r.below(4) {
        let o = *r.pick(&RETURN);
        if !ret.contains(&o) {
            ret.push(o);
        }
        opts = match o {
            "SUBSCRIBED" => opts.return_subscribed(),
            "CHILDREN" => opts.return_children(),
            _ => opts.return_special_use(),
        };
    }
    let mut items = Vec::new();
    for _ in 0..r.below(4) {
        let (item, name) = *r.pick(&STATUS);
        items.push(item);
        if !status.contains(&name) {
            status.push(name);
        }
    }
    if !items.is_empty() {
        opts = opts.return_status(items);
    }
    let reference = text_string(r);
    let patterns: Vec<String> = (0..r.below(4)).map(|_| text_string(r)).collect();
    let mut refuse = (select == ["RECURSIVEMATCH"]).then(|| "RECURSIVEMATCH alone".to_string());
    if patterns.is_empty() {
        refuse.get_or_insert_with(|| "no pattern".into());
    }
    let mut args = Vec::new();
    if !select.is_empty() {
        args.push(Arg::Group(select.iter().map(|s| atom(s)).collect()));
    }
    args.push(mailbox(&reference, false));
    match patterns.len() {
        1 => args.push(mailbox(&patterns[0], true)),
        _ => args.push(Arg::Group(
            patterns.iter().map(|p| mailbox(p, true)).collect(),
        )),
    }
    if !ret.is_empty() || !status.is_empty() {
        let mut group: Vec<Arg> = ret.iter().map(|s| atom(s)).collect();
        if !status.is_empty() {
            group.push(atom("STATUS"));
            group.push(Arg::Group(status.iter().map(|s| atom(s)).collect()));
        }
        args.push(atom("RETURN"));
        args.push(Arg::Group(group));
    }
    let pats: Vec<&str> = patterns.iter().map(String::as_str).collect();
    Built {
        cmd: Command::list_extended(reference.as_str(), pats, &opts),
        spec: spec("list_extended", "LIST", args, refuse),
    }
}

fn esearch(r: &mut Reader<'_>) -> Built {
    const OPTIONS: [&str; 5] = ["MIN", "MAX", "COUNT", "ALL", "SAVE"];
    let mut ret = SearchReturn::new();
    let mut chosen: Vec<&str> = Vec::new();
    for _ in 0..r.below(5) {
        let o = *r.pick(&OPTIONS);
        if !chosen.contains(&o) {
            chosen.push(o);
        }
        ret = match o {
            "MIN" => ret.min(),
            "MAX" => ret.max(),
            "COUNT" => ret.count(),
            "ALL" => ret.all(),
            _ => ret.save(),
        };
    }
    let subject = text_string(r);
    let (key, mut criteria): (Result<SearchKey>, Vec<Arg>) = match r.u8() % 3 {
        0 => (Ok(SearchKey::all()), vec![atom("ALL")]),
        1 => (Ok(SearchKey::unseen()), vec![atom("UNSEEN")]),
        _ => {
            let eight_bit = !subject.is_ascii();
            let mut v = Vec::new();
            if eight_bit {
                v.push(Arg::Utf8Charset);
            }
            v.push(atom("SUBJECT"));
            v.push(Arg::Quoted(subject.as_bytes().to_vec()));
            (Ok(SearchKey::subject(subject.as_str())), v)
        }
    };
    let by_subject = criteria.contains(&atom("SUBJECT"));
    let refuse = (by_subject && subject.contains('\0')).then(|| "NUL in search text".to_string());
    let mut args = vec![
        atom("RETURN"),
        Arg::Group(chosen.iter().map(|s| atom(s)).collect()),
    ];
    args.append(&mut criteria);
    let mut s = spec("search_return", "SEARCH", args, refuse);
    s.state = Need::Selected;
    Built {
        cmd: key.and_then(|k| Command::search_return(&k, &ret)),
        spec: s,
    }
}

/// Builds one extension command through the builders, with its spec.
pub fn build(r: &mut Reader<'_>) -> Built {
    match r.u8() % 6 {
        0 => getmetadata(r),
        1 => setmetadata(r),
        2 => notify(r),
        3 => multiappend(r),
        4 => list_extended(r),
        _ => esearch(r),
    }
}
