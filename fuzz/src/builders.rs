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

use imaplib_proto::build::{
    EntryType, FetchAttr, FetchAttrs, Flag, Keyword, Qresync, SearchKey, Section, SelectParams,
    SortKey, StoreFlags, StoreMode, ThreadAlgorithm, MAX_MODSEQ,
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
            Key::Or(a, b) => {
                out.push(atom("OR"));
                a.spec(true, out);
                b.spec(true, out);
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
    match r.u8() % 8 {
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
