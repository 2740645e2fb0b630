//! Commands built with the Rust face's builders (`imaplib_proto::build`), each with the spec
//! of what it must send, for the `encoder` target (inputs whose configuration byte is 0xE0
//! or above).
//!
//! A model (search key tree, fetch items, STORE change, APPEND, SELECT parameters; with the
//! CONDSTORE/QRESYNC modifiers and mod-sequences of RFC 7162) is read from the input, with
//! strings from the dictionary of awkward values; the command is built from it through the
//! builders, and the spec is written from the model independently: names as atoms, strings
//! quoted or literal with their exact value, groups parenthesised, `CHARSET UTF-8` before
//! 8-bit search text outside UTF-8 mode. The model also says whether the builders must
//! refuse it (NUL in text, a keyword that is no atom, an empty set or 0, `\Recent` in
//! STORE/APPEND, a mod-sequence out of its range, a QRESYNC value RFC 7162 does not allow).
//!
//! A first byte of 0xF0 or above builds one of the later extensions' commands
//! ([`extensions`]): a CATENATE append (TEXT literals and IMAP URLs, built or raw), a
//! SEARCH with PARTIAL/UPDATE return options, CANCELUPDATE, an AUTHENTICATE with its SASL-IR
//! initial response on the line.

use imaplib_proto::build::{
    CatenateMessage, CatenatePart, EntryType, FetchAttr, FetchAttrs, Flag, ImapUrl, Keyword,
    Qresync, SearchKey, SearchReturn, Section, SelectParams, SortKey, StoreFlags, StoreMode,
    ThreadAlgorithm, MAX_MODSEQ,
};
use imaplib_proto::chrono::{FixedOffset, NaiveDate, TimeZone};
use imaplib_proto::{Command, Result, SequenceSet};

use crate::bytes::Reader;
use crate::commands::{text_string, Arg, Built, DateArg, Need, Spec};

/// True for a keyword the builders must accept: a non-empty atom without `[` or a leading
/// `~`.
fn keyword_ok(k: &str) -> bool {
    !k.is_empty()
        && !k.starts_with('~')
        && k.bytes()
            .all(|b| (0x21..0x7f).contains(&b) && !b"(){%*\"\\][".contains(&b))
}

fn keyword_text(r: &mut Reader<'_>) -> String {
    match r.u8() % 4 {
        0 => "$Forwarded".into(),
        1 => "Work".into(),
        2 => format!("k{}", r.u16()),
        _ => text_string(r),
    }
}

#[derive(Debug, Clone)]
struct SetM(Vec<(u32, u32)>, bool);

impl SetM {
    fn read(r: &mut Reader<'_>) -> SetM {
        if r.u8() % 8 == 0 {
            return SetM(Vec::new(), true);
        }
        let n = r.below(4);
        let num = |r: &mut Reader<'_>| match r.u8() % 4 {
            0 => u32::MAX,
            1 => 0,
            2 => r.u32(),
            _ => u32::from(r.u8()) + 1,
        };
        SetM((0..n).map(|_| (num(r), num(r))).collect(), false)
    }

    fn build(&self) -> SequenceSet {
        if self.1 {
            return SequenceSet::saved();
        }
        let mut s = SequenceSet::new();
        for &(a, b) in &self.0 {
            s.push_range(a, b);
        }
        s
    }

    /// The canonical text (empty for an empty set: refused as a sequence set).
    fn text(&self) -> Vec<u8> {
        if self.1 {
            return b"$".to_vec();
        }
        let num = |n: u32| {
            if n == u32::MAX {
                "*".to_string()
            } else {
                n.to_string()
            }
        };
        self.0
            .iter()
            .map(|&(a, b)| {
                let (lo, hi) = (a.min(b), a.max(b));
                if lo == hi {
                    num(lo)
                } else {
                    format!("{}:{}", num(lo), num(hi))
                }
            })
            .collect::<Vec<_>>()
            .join(",")
            .into_bytes()
    }
}

#[derive(Debug, Clone)]
enum Key {
    Bare(&'static str),
    Text(&'static str, String),
    Header(String, String),
    Date(&'static str, NaiveDate),
    Size(&'static str, u64),
    Kw(&'static str, String),
    Uid(SetM),
    Set(SetM),
    Not(Box<Key>),
    Or(Box<Key>, Box<Key>),
    And(Vec<Key>),
    Group(Vec<Key>),
    /// `MODSEQ ["/flags/flag" entry] n`.
    ModSeq(Option<(&'static str, usize)>, u64),
}

const ENTRIES: [(EntryType, &str); 3] = [
    (EntryType::Private, "priv"),
    (EntryType::Shared, "shared"),
    (EntryType::All, "all"),
];

/// A 64-bit number, often at the edges of what a mod-sequence may be.
fn modseq(r: &mut Reader<'_>) -> u64 {
    match r.u8() % 7 {
        0 => 0,
        1 => MAX_MODSEQ,
        2 => MAX_MODSEQ + 1,
        3 => u64::MAX,
        4 => 1,
        5 => u64::from(r.u32()),
        _ => (u64::from(r.u32()) << 32) | u64::from(r.u32()),
    }
}

const BARE: [&str; 14] = [
    "ALL",
    "ANSWERED",
    "DELETED",
    "DRAFT",
    "FLAGGED",
    "NEW",
    "OLD",
    "RECENT",
    "SEEN",
    "UNANSWERED",
    "UNDELETED",
    "UNDRAFT",
    "UNFLAGGED",
    "UNSEEN",
];
const TEXT: [&str; 7] = ["BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"];
const DATE: [&str; 6] = ["BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn date(r: &mut Reader<'_>) -> NaiveDate {
    let y = 1 + i32::from(r.u16()) % 9999;
    let m = 1 + u32::from(r.u8()) % 12;
    let d = 1 + u32::from(r.u8()) % 28;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn date_text(d: NaiveDate) -> Vec<u8> {
    use imaplib_proto::chrono::Datelike;
    format!(
        "{}-{}-{:04}",
        d.day(),
        MONTHS[d.month0() as usize % 12],
        d.year()
    )
    .into_bytes()
}

impl Key {
    fn read(r: &mut Reader<'_>, depth: usize) -> Key {
        let pick = if depth >= 4 { r.u8() % 8 } else { r.u8() % 13 };
        match pick {
            0 => Key::Bare(BARE[r.below(BARE.len())]),
            1 => Key::Text(TEXT[r.below(TEXT.len())], text_string(r)),
            2 => Key::Header(text_string(r), text_string(r)),
            3 => Key::Date(DATE[r.below(DATE.len())], date(r)),
            4 => Key::Size(
                if r.bool() { "LARGER" } else { "SMALLER" },
                u64::from(r.u32()) << (r.u8() % 32),
            ),
            5 => Key::Kw(
                if r.bool() { "KEYWORD" } else { "UNKEYWORD" },
                keyword_text(r),
            ),
            6 => Key::Uid(SetM::read(r)),
            7 => Key::Set(SetM::read(r)),
            8 => Key::Not(Box::new(Key::read(r, depth + 1))),
            9 => Key::Or(
                Box::new(Key::read(r, depth + 1)),
                Box::new(Key::read(r, depth + 1)),
            ),
            10 => {
                let n = 2 + r.below(3);
                Key::And((0..n).map(|_| Key::read(r, depth + 1)).collect())
            }
            12 => {
                let entry = r
                    .bool()
                    .then(|| (SYSTEM[r.below(SYSTEM.len())], r.below(ENTRIES.len())));
                Key::ModSeq(entry, modseq(r))
            }
            _ => {
                let n = r.below(4);
                Key::Group((0..n).map(|_| Key::read(r, depth + 1)).collect())
            }
        }
    }

    /// Why the builders must refuse the key, if they must.
    fn refusal(&self) -> Option<String> {
        let text = |s: &str| s.contains('\0').then(|| "NUL in search text".to_string());
        let set = |s: &SetM| {
            (!s.1 && (s.0.is_empty() || s.0.iter().any(|&(a, b)| a == 0 || b == 0)))
                .then(|| "an empty set or 0".to_string())
        };
        match self {
            Key::Text(_, s) => text(s),
            Key::Header(f, s) => text(f).or_else(|| text(s)),
            Key::Kw(_, k) => (!keyword_ok(k)).then(|| format!("keyword {k:?} is no atom")),
            Key::Uid(s) | Key::Set(s) => set(s),
            Key::Not(k) => k.refusal(),
            Key::Or(a, b) => a.refusal().or_else(|| b.refusal()),
            Key::And(keys) | Key::Group(keys) => keys.iter().find_map(Key::refusal),
            Key::ModSeq(_, n) => (*n > MAX_MODSEQ).then(|| format!("MODSEQ {n} above 2^63-1")),
            Key::Bare(_) | Key::Date(..) | Key::Size(..) => None,
        }
    }

    fn eight_bit(&self) -> bool {
        match self {
            Key::Text(_, s) => !s.is_ascii(),
            Key::Header(f, s) => !f.is_ascii() || !s.is_ascii(),
            Key::Not(k) => k.eight_bit(),
            Key::Or(a, b) => a.eight_bit() || b.eight_bit(),
            Key::And(keys) | Key::Group(keys) => keys.iter().any(Key::eight_bit),
            _ => false,
        }
    }

    fn build(&self) -> Result<SearchKey> {
        Ok(match self {
            Key::Bare(n) => match *n {
                "ALL" => SearchKey::all(),
                "ANSWERED" => SearchKey::answered(),
                "DELETED" => SearchKey::deleted(),
                "DRAFT" => SearchKey::draft(),
                "FLAGGED" => SearchKey::flagged(),
                "NEW" => SearchKey::new_messages(),
                "OLD" => SearchKey::old(),
                "RECENT" => SearchKey::recent(),
                "SEEN" => SearchKey::seen(),
                "UNANSWERED" => SearchKey::unanswered(),
                "UNDELETED" => SearchKey::undeleted(),
                "UNDRAFT" => SearchKey::undraft(),
                "UNFLAGGED" => SearchKey::unflagged(),
                _ => SearchKey::unseen(),
            },
            Key::Text(n, s) => {
                let s = s.clone();
                match *n {
                    "BCC" => SearchKey::bcc(s),
                    "BODY" => SearchKey::body(s),
                    "CC" => SearchKey::cc(s),
                    "FROM" => SearchKey::from(s),
                    "SUBJECT" => SearchKey::subject(s),
                    "TEXT" => SearchKey::text(s),
                    _ => SearchKey::to(s),
                }
            }
            Key::Header(f, s) => SearchKey::header(f.clone(), s.clone()),
            Key::Date(n, d) => match *n {
                "BEFORE" => SearchKey::before(*d),
                "ON" => SearchKey::on(*d),
                "SINCE" => SearchKey::since(*d),
                "SENTBEFORE" => SearchKey::sent_before(*d),
                "SENTON" => SearchKey::sent_on(*d),
                _ => SearchKey::sent_since(*d),
            },
            Key::Size(n, v) => {
                if *n == "LARGER" {
                    SearchKey::larger(*v)
                } else {
                    SearchKey::smaller(*v)
                }
            }
            Key::Kw(n, k) => {
                let k = Keyword::new(k)?;
                if *n == "KEYWORD" {
                    SearchKey::keyword(k)
                } else {
                    SearchKey::unkeyword(k)
                }
            }
            Key::Uid(s) => SearchKey::uid(s.build()),
            Key::Set(s) => SearchKey::seq(s.build()),
            Key::Not(k) => SearchKey::not(k.build()?),
            Key::Or(a, b) => a.build()?.or(b.build()?),
            Key::And(keys) => {
                let mut built = keys.iter().map(Key::build);
                let mut acc = match built.next() {
                    Some(k) => k?,
                    None => SearchKey::all(),
                };
                for k in built {
                    acc = acc.and(k?);
                }
                acc
            }
            Key::Group(keys) => {
                SearchKey::group(keys.iter().map(Key::build).collect::<Result<Vec<_>>>()?)
            }
            Key::ModSeq(None, n) => SearchKey::modseq(*n),
            Key::ModSeq(Some((flag, e)), n) => {
                SearchKey::flag_modseq(flag.parse::<Flag>()?, ENTRIES[*e].0, *n)
            }
        })
    }

    /// The alternatives of an OR, ORs inside it taken apart.
    fn alternatives(&self) -> Vec<&Key> {
        match self {
            Key::Or(a, b) => a
                .alternatives()
                .into_iter()
                .chain(b.alternatives())
                .collect(),
            k => vec![k],
        }
    }

    fn flat(keys: &[Key]) -> Vec<&Key> {
        keys.iter()
            .flat_map(|k| match k {
                Key::And(inner) => Key::flat(inner),
                k => vec![k],
            })
            .collect()
    }

    /// The spec's arguments for the key; `nested` inside OR, NOT or a group.
    fn spec(&self, nested: bool, out: &mut Vec<Arg>) {
        let atom = |s: &str| Arg::Verbatim(s.as_bytes().to_vec());
        let string = |s: &str| Arg::Quoted(s.as_bytes().to_vec());
        match self {
            Key::Bare(n) => out.push(atom(n)),
            Key::Text(n, s) => out.extend([atom(n), string(s)]),
            Key::Header(f, s) => out.extend([atom("HEADER"), string(f), string(s)]),
            Key::Date(n, d) => out.extend([atom(n), Arg::Verbatim(date_text(*d))]),
            Key::Size(n, v) => out.extend([atom(n), atom(&v.to_string())]),
            Key::Kw(n, k) => out.extend([atom(n), atom(k)]),
            Key::Uid(s) => out.extend([atom("UID"), Arg::Seq(s.text())]),
            Key::Set(s) => out.push(Arg::Seq(s.text())),
            Key::Not(k) => {
                out.push(atom("NOT"));
                k.spec(true, out);
            }
            Key::Or(..) => {
                // An OR of ORs is one OR of all their alternatives: OR OR a b c.
                let alternatives = self.alternatives();
                out.extend((1..alternatives.len()).map(|_| atom("OR")));
                alternatives.iter().for_each(|k| k.spec(true, out));
            }
            Key::And(keys) => {
                let flat = Key::flat(keys);
                if nested && flat.len() > 1 {
                    let mut inner = Vec::new();
                    flat.iter().for_each(|k| k.spec(true, &mut inner));
                    out.push(Arg::Group(inner));
                } else {
                    flat.iter().for_each(|k| k.spec(true, out));
                }
            }
            Key::Group(keys) if keys.is_empty() => out.push(atom("ALL")),
            Key::Group(keys) => {
                let mut inner = Vec::new();
                keys.iter().for_each(|k| k.spec(true, &mut inner));
                out.push(Arg::Group(inner));
            }
            Key::ModSeq(entry, n) => {
                out.push(atom("MODSEQ"));
                if let Some((flag, e)) = entry {
                    out.push(string(&format!("/flags/{flag}")));
                    out.push(atom(ENTRIES[*e].1));
                }
                out.push(atom(&n.to_string()));
            }
        }
    }
}

const SYSTEM: [&str; 6] = [
    "\\Seen",
    "\\Answered",
    "\\Flagged",
    "\\Deleted",
    "\\Draft",
    "\\Recent",
];

/// Flags for STORE/APPEND: the built flags (or the keyword refusal), the refusal the model
/// predicts, and the spec's group.
fn flags(r: &mut Reader<'_>) -> (Result<Vec<Flag>>, Option<String>, Arg) {
    let n = r.below(4);
    let mut built = Vec::new();
    let mut refuse = None;
    let mut items = Vec::new();
    for _ in 0..n {
        let text = if r.bool() {
            r.pick(&SYSTEM).to_string()
        } else {
            keyword_text(r)
        };
        // System flags in any case are written canonically.
        let system = SYSTEM
            .iter()
            .find(|f| text.starts_with('\\') && f.eq_ignore_ascii_case(&text));
        match system {
            Some(&"\\Recent") => {
                refuse.get_or_insert_with(|| "\\Recent in STORE/APPEND".to_string());
            }
            Some(_) => {}
            None if !keyword_ok(&text) => {
                refuse.get_or_insert_with(|| format!("flag {text:?} is no keyword"));
            }
            None => {}
        }
        let wire = system.map_or(text.as_str(), |s| s);
        items.push(Arg::Verbatim(wire.as_bytes().to_vec()));
        built.push(text.parse::<Flag>());
    }
    (built.into_iter().collect(), refuse, Arg::Group(items))
}

fn part(r: &mut Reader<'_>, min: usize) -> Vec<u32> {
    let n = min + r.below(3);
    (0..n).map(|_| 1 + u32::from(r.u8() % 9)).collect()
}

fn dots(p: &[u32]) -> String {
    p.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
}

/// One fetch item: the built item and its text.
fn fetch_attr(r: &mut Reader<'_>) -> Result<(FetchAttr, String)> {
    type Simple = (&'static str, fn() -> FetchAttr);
    const SIMPLE: [Simple; 11] = [
        ("MODSEQ", FetchAttr::modseq),
        ("UID", FetchAttr::uid),
        ("FLAGS", FetchAttr::flags),
        ("INTERNALDATE", FetchAttr::internal_date),
        ("RFC822.SIZE", FetchAttr::rfc822_size),
        ("ENVELOPE", FetchAttr::envelope),
        ("BODYSTRUCTURE", FetchAttr::body_structure),
        ("BODY", FetchAttr::body_basic),
        ("RFC822", FetchAttr::rfc822),
        ("RFC822.HEADER", FetchAttr::rfc822_header),
        ("RFC822.TEXT", FetchAttr::rfc822_text),
    ];
    let peek = r.bool();
    let partial = r.bool().then(|| (r.u32(), 1 + r.u32() / 2));
    let with_partial = |a: FetchAttr, text: String| -> Result<(FetchAttr, String)> {
        Ok(match partial {
            Some((s, l)) => (a.partial(s, l)?, format!("{text}<{s}.{l}>")),
            None => (a, text),
        })
    };
    let p = if peek { ".PEEK" } else { "" };
    match r.u8() % 4 {
        0 => {
            let (name, f) = *r.pick(&SIMPLE);
            Ok((f(), name.to_string()))
        }
        1 => {
            let pt = part(r, 0);
            let fields: Vec<String> = (0..1 + r.below(3))
                .map(|i| format!("X-F{i}-{}", r.u8()))
                .collect();
            let (section, text) = match r.u8() % 5 {
                0 => (Section::header(), "HEADER".to_string()),
                1 => (Section::text(), "TEXT".to_string()),
                2 => (
                    Section::header_fields(&fields)?,
                    format!("HEADER.FIELDS ({})", fields.join(" ")),
                ),
                3 => (
                    Section::header_fields_not(&fields)?,
                    format!("HEADER.FIELDS.NOT ({})", fields.join(" ")),
                ),
                _ => (Section::message(), String::new()),
            };
            let (section, text) = if pt.is_empty() {
                (section, text)
            } else if text.is_empty() {
                (Section::part(pt.clone())?, dots(&pt))
            } else {
                (
                    section.in_part(pt.clone())?,
                    format!("{}.{text}", dots(&pt)),
                )
            };
            let a = if peek {
                FetchAttr::body_peek(section)
            } else {
                FetchAttr::body(section)
            };
            with_partial(a, format!("BODY{p}[{text}]"))
        }
        2 => {
            let pt = part(r, 1);
            let a = if peek {
                FetchAttr::body_peek(Section::mime(pt.clone())?)
            } else {
                FetchAttr::body(Section::mime(pt.clone())?)
            };
            with_partial(a, format!("BODY{p}[{}.MIME]", dots(&pt)))
        }
        _ => {
            let pt = part(r, 0);
            if r.bool() {
                return Ok((
                    FetchAttr::binary_size(pt.clone())?,
                    format!("BINARY.SIZE[{}]", dots(&pt)),
                ));
            }
            let a = if peek {
                FetchAttr::binary_peek(pt.clone())?
            } else {
                FetchAttr::binary(pt.clone())?
            };
            with_partial(a, format!("BINARY{p}[{}]", dots(&pt)))
        }
    }
}

fn spec(ctor: &'static str, name: &str, args: Vec<Arg>, refuse: Option<String>) -> Spec {
    Spec {
        ctor,
        name: name.as_bytes().to_vec(),
        args,
        refuse,
        state: Need::Selected,
    }
}

fn uid(mut s: Spec) -> Spec {
    let sub = std::mem::replace(&mut s.name, b"UID".to_vec());
    s.args.insert(0, Arg::Atom(sub));
    s
}

/// The numbers of a set model and whether QRESYNC takes it (no `$`, `*`, 0, emptiness).
fn explicit(s: &SetM) -> Option<u64> {
    if s.1 || s.0.is_empty() {
        return None;
    }
    let mut count = 0;
    for &(a, b) in &s.0 {
        if a == 0 || b == 0 || a == u32::MAX || b == u32::MAX {
            return None;
        }
        count += u64::from(a.abs_diff(b)) + 1;
    }
    Some(count)
}

/// SELECT or EXAMINE with parameters: none, CONDSTORE, or QRESYNC with any values.
fn select(r: &mut Reader<'_>) -> Built {
    let mailbox = text_string(r);
    let examine = r.bool();
    let mut args = vec![Arg::Mailbox {
        name: mailbox.clone().into_bytes(),
        is_str: true,
        list: false,
    }];
    let mut refuse = None;
    let params = match r.u8() % 3 {
        0 => SelectParams::none(),
        1 => {
            args.push(Arg::Group(vec![Arg::Verbatim(b"CONDSTORE".to_vec())]));
            SelectParams::condstore()
        }
        _ => {
            let uid_validity = if r.bool() { 0 } else { r.u32() };
            let m = modseq(r);
            let known = r.bool().then(|| SetM::read(r));
            let seq_match = r.bool().then(|| (SetM::read(r), SetM::read(r)));
            if uid_validity == 0 {
                refuse = Some("UIDVALIDITY 0".to_string());
            }
            if m == 0 || m > MAX_MODSEQ {
                refuse.get_or_insert_with(|| format!("QRESYNC mod-sequence {m}"));
            }
            let mut q = Qresync::new(uid_validity, m);
            let mut inner = vec![
                Arg::Verbatim(uid_validity.to_string().into_bytes()),
                Arg::Verbatim(m.to_string().into_bytes()),
            ];
            match (&known, &seq_match) {
                (None, Some(_)) => {
                    refuse.get_or_insert_with(|| "sequence match data without UIDs".into());
                }
                (None, None) => {}
                (Some(k), seq_match) => {
                    if explicit(k).is_none() {
                        refuse.get_or_insert_with(|| "known UIDs not explicit".into());
                    }
                    inner.push(Arg::Verbatim(k.text()));
                    if let Some((x, y)) = seq_match {
                        match (explicit(x), explicit(y)) {
                            (Some(a), Some(b)) if a == b => {}
                            _ => {
                                refuse.get_or_insert_with(|| "sequence match data".into());
                            }
                        }
                        inner.push(Arg::Group(vec![
                            Arg::Verbatim(x.text()),
                            Arg::Verbatim(y.text()),
                        ]));
                    }
                }
            }
            if let Some(k) = &known {
                q = q.known_uids(k.build());
            }
            if let Some((x, y)) = &seq_match {
                q = q.seq_match(x.build(), y.build());
            }
            args.push(Arg::Group(vec![
                Arg::Verbatim(b"QRESYNC".to_vec()),
                Arg::Group(inner),
            ]));
            SelectParams::qresync(q)
        }
    };
    let (ctor, name, cmd) = if examine {
        (
            "examine_with",
            "EXAMINE",
            Command::examine_with(mailbox.as_str(), &params),
        )
    } else {
        (
            "select_with",
            "SELECT",
            Command::select_with(mailbox.as_str(), &params),
        )
    };
    let mut s = spec(ctor, name, args, refuse);
    s.state = Need::AuthOrSelected;
    Built { cmd, spec: s }
}

/// Builds one command through the builders, with its spec.
pub fn build(r: &mut Reader<'_>) -> Built {
    let pick = r.u8();
    if pick >= 0xF0 {
        return extensions(r);
    }
    match pick % 8 {
        7 => crate::ext_builders::build(r),
        6 => select(r),
        0..=2 => {
            let key = Key::read(r, 0);
            let which = r.u8() % 4;
            let mut args = Vec::new();
            let refuse = key.refusal();
            let built = key.build();
            let (cmd, s) = match which {
                0 | 1 => {
                    if key.eight_bit() {
                        args.push(Arg::Utf8Charset);
                    }
                    key.spec(false, &mut args);
                    let cmd = built.and_then(|k| {
                        if which == 0 {
                            Command::search_with(&k)
                        } else {
                            Command::uid_search_with(&k)
                        }
                    });
                    let s = spec("search_with", "SEARCH", args, refuse);
                    (cmd, if which == 0 { s } else { uid(s) })
                }
                2 => {
                    let by = [SortKey::Date.reverse(), SortKey::Subject.into()];
                    args.push(Arg::Verbatim(b"(REVERSE DATE SUBJECT)".to_vec()));
                    args.push(Arg::Verbatim(b"UTF-8".to_vec()));
                    key.spec(false, &mut args);
                    let cmd = built.and_then(|k| Command::sort_with(&by, &k));
                    (cmd, spec("sort_with", "SORT", args, refuse))
                }
                _ => {
                    args.push(Arg::Verbatim(b"REFERENCES".to_vec()));
                    args.push(Arg::Verbatim(b"UTF-8".to_vec()));
                    key.spec(false, &mut args);
                    let cmd =
                        built.and_then(|k| Command::thread_with(ThreadAlgorithm::References, &k));
                    (cmd, spec("thread_with", "THREAD", args, refuse))
                }
            };
            Built { cmd, spec: s }
        }
        3 => {
            let set = SetM::read(r);
            let n = r.below(4);
            // An empty set or 0 is refused by the sequence set's own rule (`valid_seq`).
            let mut refuse = None;
            let mut items = Vec::new();
            let mut texts = Vec::new();
            let mut failed = None;
            for _ in 0..n {
                match fetch_attr(r) {
                    Ok((a, t)) => {
                        items.push(a);
                        texts.push(Arg::Verbatim(t.into_bytes()));
                    }
                    Err(e) => failed = Some(e),
                }
            }
            // The generator only builds valid items: a refusal here is a bug.
            if let Some(e) = failed {
                panic!("a valid fetch item was refused: {e}");
            }
            let (attrs, arg) = match r.u8() % 8 {
                0 => (FetchAttrs::all(), Arg::Verbatim(b"ALL".to_vec())),
                1 => (FetchAttrs::fast(), Arg::Verbatim(b"FAST".to_vec())),
                2 => (FetchAttrs::full(), Arg::Verbatim(b"FULL".to_vec())),
                _ => {
                    if items.is_empty() {
                        refuse.get_or_insert_with(|| "no fetch item".to_string());
                    }
                    (FetchAttrs::from(items), Arg::Group(texts))
                }
            };
            let uid_fetch = r.bool();
            // 0: no modifier; 1: CHANGEDSINCE; 2: CHANGEDSINCE … VANISHED (UID FETCH).
            let modifier = r.u8() % 3;
            let m = modseq(r);
            let mut args = vec![Arg::Seq(set.text()), arg];
            let (ctor, cmd) = match modifier {
                0 if uid_fetch => (
                    "uid_fetch_with",
                    Command::uid_fetch_with(set.build(), attrs),
                ),
                0 => ("fetch_with", Command::fetch_with(set.build(), attrs)),
                1 if uid_fetch => (
                    "uid_fetch_changed_since",
                    Command::uid_fetch_changed_since(set.build(), attrs, m),
                ),
                1 => (
                    "fetch_changed_since",
                    Command::fetch_changed_since(set.build(), attrs, m),
                ),
                _ => (
                    "uid_fetch_vanished",
                    Command::uid_fetch_vanished(set.build(), attrs, m),
                ),
            };
            let uid_fetch = uid_fetch || modifier == 2;
            if modifier > 0 {
                if m == 0 || m > MAX_MODSEQ {
                    refuse.get_or_insert_with(|| format!("CHANGEDSINCE {m}"));
                }
                let mut group = vec![
                    Arg::Verbatim(b"CHANGEDSINCE".to_vec()),
                    Arg::Verbatim(m.to_string().into_bytes()),
                ];
                if modifier == 2 {
                    group.push(Arg::Verbatim(b"VANISHED".to_vec()));
                }
                args.push(Arg::Group(group));
            }
            let s = spec(ctor, "FETCH", args, refuse);
            Built {
                cmd,
                spec: if uid_fetch { uid(s) } else { s },
            }
        }
        4 => {
            let set = SetM::read(r);
            let (flags, refuse, group) = flags(r);
            let mode = [StoreMode::Replace, StoreMode::Add, StoreMode::Remove][r.below(3)];
            let silent = r.bool();
            let unchanged_since = r.bool().then(|| modseq(r));
            let item = format!(
                "{}FLAGS{}",
                match mode {
                    StoreMode::Replace => "",
                    StoreMode::Add => "+",
                    StoreMode::Remove => "-",
                },
                if silent { ".SILENT" } else { "" }
            );
            let cmd = flags.and_then(|f| {
                let mut change = StoreFlags::new(mode, f);
                if silent {
                    change = change.silent();
                }
                match unchanged_since {
                    Some(m) => Command::store_unchanged_since(set.build(), &change, m),
                    None => Command::store_with(set.build(), &change),
                }
            });
            let mut args = vec![Arg::Seq(set.text())];
            let mut refuse = refuse;
            if let Some(m) = unchanged_since {
                if m > MAX_MODSEQ {
                    refuse.get_or_insert_with(|| format!("UNCHANGEDSINCE {m}"));
                }
                args.push(Arg::Group(vec![
                    Arg::Verbatim(b"UNCHANGEDSINCE".to_vec()),
                    Arg::Verbatim(m.to_string().into_bytes()),
                ]));
            }
            args.extend([Arg::Verbatim(item.into_bytes()), group]);
            let ctor = if unchanged_since.is_some() {
                "store_unchanged_since"
            } else {
                "store_with"
            };
            Built {
                cmd,
                spec: spec(ctor, "STORE", args, refuse),
            }
        }
        _ => {
            let mailbox = text_string(r);
            let (flags, refuse, group) = flags(r);
            let date = r.bool().then(|| {
                let off = (i32::from(r.u16()) % (2 * 14 * 60 + 1)) - 14 * 60;
                let tz =
                    FixedOffset::east_opt(off * 60).unwrap_or(FixedOffset::east_opt(0).unwrap());
                let d = date(r);
                let secs = r.u32() % 86400;
                tz.from_local_datetime(
                    &d.and_hms_opt(secs / 3600, secs / 60 % 60, secs % 60)
                        .unwrap_or_default(),
                )
                .earliest()
            });
            let date = date.flatten();
            let message = r.short_bytes().to_vec();
            let mut args = vec![Arg::Mailbox {
                name: mailbox.clone().into_bytes(),
                is_str: true,
                list: false,
            }];
            let has_flags = matches!(&group, Arg::Group(items) if !items.is_empty());
            if has_flags {
                args.push(group);
            }
            if date.is_some() {
                args.push(Arg::Date(DateArg::Timestamp(0)));
            }
            args.push(Arg::Message {
                bytes: message.clone(),
                translate: true,
            });
            let cmd =
                flags.and_then(|f| Command::append_with(mailbox.as_str(), &f, date, &message));
            let mut s = spec("append_with", "APPEND", args, refuse);
            s.state = Need::AuthOrSelected;
            Built { cmd, spec: s }
        }
    }
}

/// Standard base64 with padding (RFC 4648), written here so that the spec does not use the
/// encoder it checks.
fn base64(data: &[u8]) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
    out
}

/// RFC 5092's percent-encoding as the spec expects it: every byte outside `bchar`'s
/// unreserved set (letters, digits, `-._~!$'()*+,&=:@/`) as `%XX`.
fn url_escape(b: &[u8]) -> String {
    let mut out = String::new();
    for &c in b {
        if c.is_ascii_alphanumeric() || b"-._~!$'()*+,&=:@/".contains(&c) {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// A CATENATE part as read: TEXT bytes, or a URL as built (or refused).
enum PartModel {
    Text(Vec<u8>),
    Url(Result<ImapUrl>),
}

/// One CATENATE part: the model's expected arguments, a refusal if any, and the part.
fn catenate_part(r: &mut Reader<'_>) -> (Vec<Arg>, Option<String>, PartModel) {
    match r.u8() % 3 {
        0 => {
            let text = r.short_bytes().to_vec();
            let refuse = text.contains(&0).then(|| "NUL in a TEXT part".to_string());
            (
                vec![Arg::Verbatim(b"TEXT".to_vec()), Arg::Literal(text.clone())],
                refuse,
                PartModel::Text(text),
            )
        }
        1 => {
            // A URL built from its pieces.
            let mailbox = text_string(r);
            let uidvalidity = match r.u8() % 3 {
                0 => None,
                1 => Some(0),
                _ => Some(r.u32()),
            };
            let uid = if r.u8() % 8 == 0 { 0 } else { r.u32() | 1 };
            let section = match r.u8() % 4 {
                0 => None,
                1 => Some("TEXT".to_string()),
                2 => Some("HEADER.FIELDS (SUBJECT FROM)".to_string()),
                _ => Some(text_string(r)),
            };
            let partial = r.bool().then(|| {
                let offset = r.u32();
                let len = match r.u8() % 3 {
                    0 => None,
                    1 => Some(0),
                    _ => Some(r.u32()),
                };
                (offset, len)
            });
            let mut refuse = None;
            if mailbox.is_empty() || mailbox.contains('\0') {
                refuse = Some(format!("URL mailbox {mailbox:?}"));
            }
            if uid == 0 || uidvalidity == Some(0) {
                refuse.get_or_insert_with(|| "URL UID or UIDVALIDITY 0".into());
            }
            if let Some(s) = &section {
                if s.is_empty() || !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                    refuse.get_or_insert_with(|| format!("URL section {s:?}"));
                }
            }
            if let Some((_, Some(0))) = partial {
                refuse.get_or_insert_with(|| "URL partial length 0".into());
            }
            let mut want = format!("/{}", url_escape(mailbox.as_bytes()));
            if let Some(v) = uidvalidity {
                want.push_str(&format!(";UIDVALIDITY={v}"));
            }
            want.push_str(&format!("/;UID={uid}"));
            if let Some(s) = &section {
                want.push_str(&format!("/;SECTION={}", url_escape(s.as_bytes())));
            }
            if let Some((offset, len)) = partial {
                want.push_str(&format!("/;PARTIAL={offset}"));
                if let Some(n) = len {
                    want.push_str(&format!(".{n}"));
                }
            }
            let built = ImapUrl::message(&mailbox, uidvalidity, uid).and_then(|u| {
                let u = match &section {
                    Some(s) => u.section(s)?,
                    None => u,
                };
                match partial {
                    Some((offset, len)) => u.partial(offset, len),
                    None => Ok(u),
                }
            });
            if let Ok(u) = &built {
                assert_eq!(u.as_str(), want, "ImapUrl differs from RFC 5092's form");
            }
            (
                vec![
                    Arg::Verbatim(b"URL".to_vec()),
                    Arg::Quoted(want.into_bytes()),
                ],
                refuse,
                PartModel::Url(built),
            )
        }
        _ => {
            // A raw URL: accepted only with URL characters alone.
            let raw = text_string(r);
            let ok = !raw.is_empty()
                && raw
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b));
            (
                vec![
                    Arg::Verbatim(b"URL".to_vec()),
                    Arg::Quoted(raw.clone().into_bytes()),
                ],
                (!ok).then(|| format!("raw URL {raw:?}")),
                PartModel::Url(ImapUrl::parse(&raw)),
            )
        }
    }
}

/// An authenticator whose initial response is the fuzz input's bytes.
struct FirstFromInput(Vec<u8>);

impl imaplib_proto::Authenticator for FirstFromInput {
    fn step(&mut self, _challenge: &[u8]) -> Option<Vec<u8>> {
        Some(self.0.clone())
    }

    fn has_initial_response(&self) -> bool {
        true
    }
}

/// The later extensions' commands (a first byte of 0xF0 or above; the connection advertises
/// ESEARCH, SEARCHRES, CONTEXT=SEARCH, CATENATE and SASL-IR).
fn extensions(r: &mut Reader<'_>) -> Built {
    match r.u8() % 4 {
        0 => {
            // CATENATE (RFC 4469).
            let mailbox = text_string(r);
            let (flags, mut refuse, group) = flags(r);
            let n = r.below(4);
            let mut parts_spec = Vec::new();
            let mut models = Vec::new();
            for _ in 0..n {
                let (args, why, part) = catenate_part(r);
                parts_spec.extend(args);
                if let Some(why) = why {
                    refuse.get_or_insert(why);
                }
                models.push(part);
            }
            let mut message = Ok(CatenateMessage::new());
            for part in &models {
                message = match (message, part) {
                    (Ok(m), PartModel::Text(t)) => Ok(m.part(CatenatePart::Text(t))),
                    (Ok(m), PartModel::Url(Ok(u))) => Ok(m.url(u.clone())),
                    (Ok(_), PartModel::Url(Err(e))) => Err(e.clone()),
                    (Err(e), _) => Err(e),
                };
            }
            if n == 0 {
                refuse.get_or_insert_with(|| "no CATENATE part".into());
            }
            let mut args = vec![Arg::Mailbox {
                name: mailbox.clone().into_bytes(),
                is_str: true,
                list: false,
            }];
            if matches!(&group, Arg::Group(items) if !items.is_empty()) {
                args.push(group);
            }
            args.push(Arg::Verbatim(b"CATENATE".to_vec()));
            args.push(Arg::Group(parts_spec));
            let cmd = flags.and_then(|f| {
                let m = message?.flags(f);
                Command::append_catenate(mailbox.as_str(), &m)
            });
            let mut s = spec("append_catenate", "APPEND", args, refuse);
            s.state = Need::AuthOrSelected;
            Built { cmd, spec: s }
        }
        1 => {
            // SEARCH RETURN (…) with CONTEXT=SEARCH's PARTIAL and UPDATE.
            let key = Key::read(r, 0);
            let mut refuse = key.refusal();
            let mut ret = Ok(SearchReturn::new());
            let mut options: Vec<String> = Vec::new();
            for _ in 0..r.below(6) {
                let word = match r.u8() % 7 {
                    0 => "MIN",
                    1 => "MAX",
                    2 => "COUNT",
                    3 => "ALL",
                    4 => "SAVE",
                    5 => "UPDATE",
                    _ => {
                        let first = if r.bool() { u32::from(r.u8()) } else { r.u32() };
                        let last = if r.bool() { u32::from(r.u8()) } else { r.u32() };
                        if first == 0 || first > last {
                            refuse.get_or_insert_with(|| format!("PARTIAL {first}:{last}"));
                        }
                        options.retain(|o| !o.starts_with("PARTIAL"));
                        options.push(format!("PARTIAL {first}:{last}"));
                        ret = ret.and_then(|t| t.partial(first, last));
                        continue;
                    }
                };
                if !options.iter().any(|o| o == word) {
                    options.push(word.to_string());
                }
                ret = ret.map(|t| match word {
                    "MIN" => t.min(),
                    "MAX" => t.max(),
                    "COUNT" => t.count(),
                    "ALL" => t.all(),
                    "SAVE" => t.save(),
                    _ => t.update(),
                });
            }
            let mut args = vec![
                Arg::Verbatim(b"RETURN".to_vec()),
                Arg::Group(
                    options
                        .into_iter()
                        .map(|o| Arg::Verbatim(o.into_bytes()))
                        .collect(),
                ),
            ];
            if key.eight_bit() {
                args.push(Arg::Utf8Charset);
            }
            key.spec(false, &mut args);
            let by_uid = r.bool();
            let built = key.build();
            let cmd = ret.and_then(|ret| {
                let k = built?;
                if by_uid {
                    Command::uid_search_return(&k, &ret)
                } else {
                    Command::search_return(&k, &ret)
                }
            });
            let s = spec("search_return", "SEARCH", args, refuse);
            Built {
                cmd,
                spec: if by_uid { uid(s) } else { s },
            }
        }
        2 => {
            // CANCELUPDATE "tag" …
            let tags: Vec<String> = (0..r.below(4))
                .map(|_| {
                    if r.bool() {
                        format!("A{}", r.u16())
                    } else {
                        text_string(r)
                    }
                })
                .collect();
            let mut refuse = tags.is_empty().then(|| "no tag".to_string());
            for t in &tags {
                let ok = !t.is_empty()
                    && t.bytes()
                        .all(|b| (0x21..0x7f).contains(&b) && !b"(){%*\"\\+".contains(&b));
                if !ok {
                    refuse.get_or_insert_with(|| format!("not a tag: {t:?}"));
                }
            }
            let refs: Vec<&str> = tags.iter().map(String::as_str).collect();
            let args = tags
                .iter()
                .map(|t| Arg::Quoted(t.clone().into_bytes()))
                .collect();
            Built {
                cmd: Command::cancel_update(&refs),
                spec: spec("cancel_update", "CANCELUPDATE", args, refuse),
            }
        }
        _ => {
            // AUTHENTICATE with SASL-IR: the initial response on the line, `=` when empty.
            let first = r.short_bytes().to_vec();
            let mut refuse = None;
            let (mechanism, cmd, wire) = if r.bool() {
                let user = text_string(r);
                let password = text_string(r);
                if user.contains('\0') || password.contains('\0') {
                    refuse = Some("NUL in PLAIN credentials".to_string());
                }
                let mut message = vec![0];
                message.extend_from_slice(user.as_bytes());
                message.push(0);
                message.extend_from_slice(password.as_bytes());
                let plain = imaplib_proto::auth::Plain::new(&user, &password);
                let cmd = plain.and_then(|p| Command::authenticate("PLAIN", p));
                ("PLAIN", cmd, base64(&message))
            } else {
                let wire = if first.is_empty() {
                    b"=".to_vec()
                } else {
                    base64(&first)
                };
                let cmd = Command::authenticate("X-FUZZ", FirstFromInput(first));
                ("X-FUZZ", cmd, wire)
            };
            let cmd = cmd.map(Command::sasl_ir);
            let mut s = spec(
                "authenticate+sasl_ir",
                "AUTHENTICATE",
                vec![
                    Arg::Atom(mechanism.as_bytes().to_vec()),
                    Arg::Verbatim(wire),
                ],
                refuse,
            );
            s.state = Need::NonAuth;
            Built { cmd, spec: s }
        }
    }
}
