//! Properties of the builders (issue 11, "Builders"): any flag, search key, fetch attribute,
//! STORE change or APPEND built from them becomes exactly one command that the strict reader
//! ([`WireCommand::tokens`]: balanced parentheses, strings only quoted or literal, one final
//! CRLF) accepts, with every value read back intact (round trip against an independent model
//! of the encoding), and nothing in a value can make a second command.
//!
//! Each case runs through a real [`Connection`] in memory: with or without LITERAL+, in
//! UTF-8 mode or not; synchronizing literals are answered with `+` the way a server would
//! (reading line by line and counting literal bytes), and that server must find exactly one
//! command in everything the client sent.
//!
//! The later extensions' builders (CATENATE, CONTEXT=SEARCH's PARTIAL/UPDATE, CANCELUPDATE,
//! the SASL-IR initial response) are held to the same: whatever value they are given, one
//! command whose CR, LF and NUL can only be inside literals, or a refusal before sending.

use imaplib_integration_tests::hostile::{Token, WireCommand};
use imaplib_proto::build::{
    AppendMessage, CatenateMessage, EntryType, FetchAttr, FetchAttrs, Flag, ImapUrl, Keyword,
    Qresync, SearchKey, SearchReturn, Section, SelectParams, SortCriterion, SortKey, StoreFlags,
    StoreMode, ThreadAlgorithm, MAX_MODSEQ,
};
use imaplib_proto::chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone};
use imaplib_proto::error::{ArgumentProblem, Reason};
use imaplib_proto::{Command, Connection, Options, Output, SequenceSet};
use proptest::prelude::*;

// ----- the connection and the server's reading ----------------------------------------------

struct Peer {
    conn: Connection,
    sent: Vec<u8>,
    utf8: bool,
}

impl Peer {
    fn new(literal_plus: bool, utf8: bool) -> Peer {
        Self::with(literal_plus, utf8, false)
    }

    /// [`Peer::new`], with `ENABLE QRESYNC` answered before the SELECT when `qresync`.
    fn with(literal_plus: bool, utf8: bool, qresync: bool) -> Peer {
        let mut p = Peer {
            conn: Connection::new(Options::new(0x1234)),
            sent: Vec::new(),
            utf8,
        };
        let caps = format!(
            "IMAP4rev1 ENABLE UTF8=ACCEPT CONDSTORE QRESYNC MULTIAPPEND LIST-EXTENDED LIST-STATUS SPECIAL-USE ESEARCH SEARCHRES ESORT CATENATE CONTEXT=SEARCH{}",
            if literal_plus { " LITERAL+" } else { "" }
        );
        p.feed(format!("* OK [CAPABILITY {caps}] ready\r\n").as_bytes());
        let mut tag = 0;
        p.submit(Command::login("u", "p").unwrap());
        p.feed(format!("BCDE{tag} OK [CAPABILITY {caps}] in\r\n").as_bytes());
        tag += 1;
        if utf8 {
            p.submit(Command::enable("UTF8=ACCEPT").unwrap());
            p.feed(format!("BCDE{tag} OK enabled\r\n").as_bytes());
            tag += 1;
            assert!(p.conn.utf8_enabled());
        }
        if qresync {
            p.submit(Command::enable("QRESYNC").unwrap());
            p.feed(format!("* ENABLED QRESYNC\r\nBCDE{tag} OK enabled\r\n").as_bytes());
            tag += 1;
            assert!(p.conn.is_enabled("QRESYNC"));
        }
        p.submit(Command::select("INBOX", false).unwrap());
        p.feed(format!("* 3 EXISTS\r\nBCDE{tag} OK [READ-WRITE] done\r\n").as_bytes());
        p.sent.clear();
        p
    }

    fn drain(&mut self) {
        while let Some(out) = self.conn.poll_output() {
            match out {
                Output::Send(o) => self.sent.extend_from_slice(&o.bytes),
                Output::Error(e) => panic!("connection failed: {e}"),
                Output::Completed { result: Err(e), .. } => panic!("command failed: {e}"),
                _ => {}
            }
        }
    }

    fn feed(&mut self, b: &[u8]) {
        self.conn.feed(b);
        self.drain();
    }

    fn submit(&mut self, cmd: Command) {
        self.conn.submit(cmd).expect("submit");
        self.drain();
    }

    /// Sends `cmd`, answering synchronizing literals, and returns its bytes once the server
    /// has read one whole command; fails if anything is left over.
    fn run(&mut self, cmd: Command) -> Result<Vec<u8>, String> {
        self.submit(cmd);
        for _ in 0..1000 {
            match server_read(&self.sent) {
                Read::Command(n) if n == self.sent.len() => {
                    return Ok(std::mem::take(&mut self.sent))
                }
                Read::Command(n) => {
                    return Err(format!(
                        "bytes after the command: {:?}",
                        String::from_utf8_lossy(&self.sent[n..])
                    ))
                }
                Read::WantsContinuation => self.feed(b"+ go ahead\r\n"),
                Read::Incomplete => {
                    return Err(format!(
                        "the client stopped mid-command: {:?}",
                        String::from_utf8_lossy(&self.sent)
                    ))
                }
            }
        }
        Err("too many literals".into())
    }
}

enum Read {
    /// One command of this many bytes.
    Command(usize),
    /// The bytes end with a synchronizing literal's header.
    WantsContinuation,
    Incomplete,
}

/// How a server reads a command: a line; when it ends with `{N}` / `{N+}` (`~{N}`), N
/// literal bytes, then another line; the first line without a literal header ends it.
fn server_read(b: &[u8]) -> Read {
    let mut i = 0;
    loop {
        let Some(end) = b[i..].windows(2).position(|w| w == b"\r\n") else {
            return Read::Incomplete;
        };
        let line = &b[i..i + end];
        i += end + 2;
        let Some((n, sync)) = literal_header(line) else {
            return Read::Command(i);
        };
        if sync && i == b.len() {
            return Read::WantsContinuation;
        }
        if b.len() < i + n {
            return Read::Incomplete;
        }
        i += n;
    }
}

fn literal_header(line: &[u8]) -> Option<(usize, bool)> {
    let rest = line.strip_suffix(b"}")?;
    let (rest, sync) = match rest.strip_suffix(b"+") {
        Some(r) => (r, false),
        None => (rest, true),
    };
    let digits = rest.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || rest.len() == digits || rest[rest.len() - digits - 1] != b'{' {
        return None;
    }
    let n = std::str::from_utf8(&rest[rest.len() - digits..])
        .ok()?
        .parse()
        .ok()?;
    Some((n, sync))
}

// ----- tokens -------------------------------------------------------------------------------

/// A token as the model predicts it: an atom-like word, a string (quoted or literal: its
/// bytes), or a parenthesis.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    A(String),
    S(Vec<u8>),
    Open,
    Close,
}

fn a(s: impl Into<String>) -> Tok {
    Tok::A(s.into())
}

/// The command's tokens after the tag, by the strict reader.
fn tokens(wire: &[u8]) -> Result<Vec<Tok>, String> {
    let cmd = WireCommand {
        raw: wire.to_vec(),
        continuations: Vec::new(),
    };
    let toks = cmd.tokens()?;
    Ok(toks
        .into_iter()
        .skip(1)
        .map(|t| match t {
            Token::Bare(b) => Tok::A(String::from_utf8_lossy(&b).into_owned()),
            Token::Quoted(q) => Tok::S(q),
            Token::Literal { data, .. } => Tok::S(data),
            Token::Open => Tok::Open,
            Token::Close => Tok::Close,
        })
        .collect())
}

fn check(peer: &mut Peer, cmd: Command, want: Vec<Tok>) -> Result<(), TestCaseError> {
    let wire = peer.run(cmd).map_err(TestCaseError::fail)?;
    let got = tokens(&wire).map_err(|e| TestCaseError::fail(format!("malformed: {e}")))?;
    prop_assert_eq!(
        &got,
        &want,
        "wire: {:?}",
        String::from_utf8_lossy(&wire).into_owned()
    );
    Ok(())
}

// ----- models -------------------------------------------------------------------------------

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

#[derive(Debug, Clone)]
enum SetM {
    Saved,
    Ranges(Vec<(u32, u32)>),
}

impl SetM {
    fn build(&self) -> SequenceSet {
        match self {
            SetM::Saved => SequenceSet::saved(),
            SetM::Ranges(r) => {
                let mut s = SequenceSet::new();
                for &(x, y) in r {
                    s.push_range(x, y);
                }
                s
            }
        }
    }

    fn text(&self) -> String {
        let num = |n: u32| {
            if n == u32::MAX {
                "*".to_string()
            } else {
                n.to_string()
            }
        };
        match self {
            SetM::Saved => "$".into(),
            SetM::Ranges(r) => r
                .iter()
                .map(|&(x, y)| {
                    let (lo, hi) = (x.min(y), x.max(y));
                    if lo == hi {
                        num(lo)
                    } else {
                        format!("{}:{}", num(lo), num(hi))
                    }
                })
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

#[derive(Debug, Clone)]
enum M {
    Bare(&'static str),
    Text(&'static str, String),
    Header(String, String),
    Date(&'static str, NaiveDate),
    Size(&'static str, u64),
    Kw(&'static str, String),
    Uid(SetM),
    Set(SetM),
    Not(Box<M>),
    Or(Box<M>, Box<M>),
    And(Vec<M>),
    Group(Vec<M>),
    /// `MODSEQ ["/flags/flag" entry] n`: the entry as (flag, index in [`ENTRIES`]).
    ModSeq(Option<(FlagM, usize)>, u64),
}

const ENTRIES: [(EntryType, &str); 3] = [
    (EntryType::Private, "priv"),
    (EntryType::Shared, "shared"),
    (EntryType::All, "all"),
];

const BARE: [&str; 15] = [
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
    "SAVEDATESUPPORTED",
];
const TEXT: [&str; 7] = ["BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"];
const DATE: [&str; 9] = [
    "BEFORE",
    "ON",
    "SINCE",
    "SENTBEFORE",
    "SENTON",
    "SENTSINCE",
    "SAVEDBEFORE",
    "SAVEDON",
    "SAVEDSINCE",
];

impl M {
    fn build(&self) -> SearchKey {
        match self {
            M::Bare(n) => match *n {
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
                "SAVEDATESUPPORTED" => SearchKey::save_date_supported(),
                "UNFLAGGED" => SearchKey::unflagged(),
                _ => SearchKey::unseen(),
            },
            M::Text(n, s) => {
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
            M::Header(f, s) => SearchKey::header(f.clone(), s.clone()),
            M::Date(n, d) => match *n {
                "BEFORE" => SearchKey::before(*d),
                "ON" => SearchKey::on(*d),
                "SINCE" => SearchKey::since(*d),
                "SENTBEFORE" => SearchKey::sent_before(*d),
                "SENTON" => SearchKey::sent_on(*d),
                "SAVEDBEFORE" => SearchKey::saved_before(*d),
                "SAVEDON" => SearchKey::saved_on(*d),
                "SAVEDSINCE" => SearchKey::saved_since(*d),
                _ => SearchKey::sent_since(*d),
            },
            M::Size(n, v) => match *n {
                "LARGER" => SearchKey::larger(*v),
                "OLDER" => SearchKey::older(*v as u32),
                "YOUNGER" => SearchKey::younger(*v as u32),
                _ => SearchKey::smaller(*v),
            },
            M::Kw(n, k) => {
                let k = Keyword::new(k).unwrap();
                match *n {
                    "KEYWORD" => SearchKey::keyword(k),
                    _ => SearchKey::unkeyword(k),
                }
            }
            M::Uid(s) => SearchKey::uid(s.build()),
            M::Set(s) => SearchKey::seq(s.build()),
            M::Not(k) => !k.build(),
            M::Or(x, y) => x.build().or(y.build()),
            M::And(keys) => {
                let mut it = keys.iter().map(M::build);
                let first = it.next().unwrap_or_else(SearchKey::all);
                it.fold(first, SearchKey::and)
            }
            M::Group(keys) => SearchKey::group(keys.iter().map(M::build)),
            M::ModSeq(None, n) => SearchKey::modseq(*n),
            M::ModSeq(Some((f, e)), n) => SearchKey::flag_modseq(f.build(), ENTRIES[*e].0, *n),
        }
    }

    /// The alternatives of an OR, ORs inside it taken apart.
    fn alternatives(&self) -> Vec<&M> {
        match self {
            M::Or(x, y) => x
                .alternatives()
                .into_iter()
                .chain(y.alternatives())
                .collect(),
            k => vec![k],
        }
    }

    fn flat(keys: &[M]) -> Vec<&M> {
        keys.iter()
            .flat_map(|k| match k {
                M::And(inner) => M::flat(inner),
                k => vec![k],
            })
            .collect()
    }

    fn expect(&self, nested: bool, out: &mut Vec<Tok>) {
        match self {
            M::Bare(n) => out.push(a(*n)),
            M::Text(n, s) => out.extend([a(*n), Tok::S(s.as_bytes().to_vec())]),
            M::Header(f, s) => out.extend([
                a("HEADER"),
                Tok::S(f.as_bytes().to_vec()),
                Tok::S(s.as_bytes().to_vec()),
            ]),
            M::Date(n, d) => out.extend([
                a(*n),
                a(format!(
                    "{}-{}-{:04}",
                    d.day(),
                    MONTHS[d.month0() as usize],
                    d.year()
                )),
            ]),
            M::Size(n, v) => out.extend([a(*n), a(v.to_string())]),
            M::Kw(n, k) => out.extend([a(*n), a(k.clone())]),
            M::Uid(s) => out.extend([a("UID"), a(s.text())]),
            M::Set(s) => out.push(a(s.text())),
            M::Not(k) => {
                out.push(a("NOT"));
                k.expect(true, out);
            }
            M::Or(..) => {
                // An OR of ORs is one OR of all their alternatives: OR OR a b c.
                let alternatives = self.alternatives();
                out.extend((1..alternatives.len()).map(|_| a("OR")));
                for k in alternatives {
                    k.expect(true, out);
                }
            }
            M::And(keys) => {
                let flat = M::flat(keys);
                let paren = nested && flat.len() > 1;
                if paren {
                    out.push(Tok::Open);
                }
                for k in flat {
                    k.expect(true, out);
                }
                if paren {
                    out.push(Tok::Close);
                }
            }
            M::Group(keys) if keys.is_empty() => out.push(a("ALL")),
            M::Group(keys) => {
                out.push(Tok::Open);
                for k in keys {
                    k.expect(true, out);
                }
                out.push(Tok::Close);
            }
            M::ModSeq(entry, n) => {
                out.push(a("MODSEQ"));
                if let Some((f, e)) = entry {
                    out.push(Tok::S(format!("/flags/{}", f.text()).into_bytes()));
                    out.push(a(ENTRIES[*e].1));
                }
                out.push(a(n.to_string()));
            }
        }
    }

    fn eight_bit(&self) -> bool {
        match self {
            M::Text(_, s) => !s.is_ascii(),
            M::Header(f, s) => !f.is_ascii() || !s.is_ascii(),
            M::Not(k) => k.eight_bit(),
            M::Or(x, y) => x.eight_bit() || y.eight_bit(),
            M::And(keys) | M::Group(keys) => keys.iter().any(M::eight_bit),
            _ => false,
        }
    }
}

// ----- strategies ---------------------------------------------------------------------------

/// Text with everything that could break a command: CR, LF, quotes, backslashes, literal
/// markers, parentheses, brackets, a forged command, 8-bit text; never NUL.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\r\n".to_string()),
        Just("\r".to_string()),
        Just("\n".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("{5}".to_string()),
        Just("{0+}".to_string()),
        Just("~{3}".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("\r\nA2 DELETE INBOX\r\n".to_string()),
        Just("Grüße".to_string()),
        Just("日本語".to_string()),
        "[ -~]{0,8}",
        any::<char>()
            .prop_filter("no NUL", |c| *c != '\0')
            .prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|v| v.concat())
}

fn keyword() -> impl Strategy<Value = String> {
    "[A-Za-z0-9$_.!#&'+,/:;<=>?@^|-][A-Za-z0-9$_.!#&'+,/:;<=>?@^|~-]{0,9}"
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (1i32..=9999, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn set() -> impl Strategy<Value = SetM> {
    let num = prop_oneof![1u32..100, Just(u32::MAX), 1u32..];
    prop_oneof![
        1 => Just(SetM::Saved),
        6 => prop::collection::vec((num.clone(), num), 1..5).prop_map(SetM::Ranges),
    ]
}

fn leaf() -> impl Strategy<Value = M> {
    prop_oneof![
        prop::sample::select(&BARE[..]).prop_map(M::Bare),
        (prop::sample::select(&TEXT[..]), text()).prop_map(|(n, s)| M::Text(n, s)),
        (text(), text()).prop_map(|(f, s)| M::Header(f, s)),
        (prop::sample::select(&DATE[..]), date()).prop_map(|(n, d)| M::Date(n, d)),
        (
            prop::sample::select(&["LARGER", "SMALLER"][..]),
            any::<u64>()
        )
            .prop_map(|(n, v)| M::Size(n, v)),
        (prop::sample::select(&["OLDER", "YOUNGER"][..]), 1u32..)
            .prop_map(|(n, v)| M::Size(n, u64::from(v))),
        (
            prop::sample::select(&["KEYWORD", "UNKEYWORD"][..]),
            keyword()
        )
            .prop_map(|(n, k)| M::Kw(n, k)),
        set().prop_map(M::Uid),
        set().prop_map(M::Set),
        (prop::option::of((flag(), 0usize..3)), modseq_valzer()).prop_map(|(e, n)| M::ModSeq(e, n)),
    ]
}

/// Mod-sequences a `mod-sequence-valzer` position takes: 0 to 2⁶³−1, often at the ends.
fn modseq_valzer() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0), Just(MAX_MODSEQ), 0..=MAX_MODSEQ]
}

/// Any 64-bit number, often at the edges of what a mod-sequence may be.
fn any_modseq() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(MAX_MODSEQ),
        Just(MAX_MODSEQ + 1),
        Just(u64::MAX),
        any::<u64>(),
        1..1000u64
    ]
}

fn key() -> impl Strategy<Value = M> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|k| M::Not(Box::new(k))),
            (inner.clone(), inner.clone()).prop_map(|(x, y)| M::Or(Box::new(x), Box::new(y))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(M::And),
            prop::collection::vec(inner, 0..4).prop_map(M::Group),
        ]
    })
}

fn mode() -> impl Strategy<Value = (bool, bool)> {
    (any::<bool>(), any::<bool>())
}

#[derive(Debug, Clone)]
enum FlagM {
    System(usize),
    Keyword(String),
}

const SYSTEM: [&str; 5] = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"];

impl FlagM {
    fn build(&self) -> Flag {
        match self {
            FlagM::System(i) => SYSTEM[*i].parse().unwrap(),
            FlagM::Keyword(k) => Flag::keyword(k).unwrap(),
        }
    }
    fn text(&self) -> String {
        match self {
            FlagM::System(i) => SYSTEM[*i].to_string(),
            FlagM::Keyword(k) => k.clone(),
        }
    }
}

fn flag() -> impl Strategy<Value = FlagM> {
    prop_oneof![
        (0usize..5).prop_map(FlagM::System),
        keyword().prop_map(FlagM::Keyword),
    ]
}

#[derive(Debug, Clone)]
enum SecText {
    Header,
    Fields(bool, Vec<String>),
    Text,
    Mime,
}

#[derive(Debug, Clone)]
enum FM {
    Simple(&'static str),
    Body {
        peek: bool,
        part: Vec<u32>,
        text: Option<SecText>,
        partial: Option<(u32, u32)>,
    },
    Binary {
        peek: bool,
        part: Vec<u32>,
        partial: Option<(u32, u32)>,
    },
    BinarySize(Vec<u32>),
}

const SIMPLE: [&str; 13] = [
    "MODSEQ",
    "PREVIEW",
    "SAVEDATE",
    "UID",
    "FLAGS",
    "INTERNALDATE",
    "RFC822.SIZE",
    "ENVELOPE",
    "BODYSTRUCTURE",
    "BODY",
    "RFC822",
    "RFC822.HEADER",
    "RFC822.TEXT",
];

impl FM {
    fn build(&self) -> FetchAttr {
        let with_partial = |f: FetchAttr, p: &Option<(u32, u32)>| match p {
            Some((s, l)) => f.partial(*s, *l).unwrap(),
            None => f,
        };
        match self {
            FM::Simple(n) => match *n {
                "MODSEQ" => FetchAttr::modseq(),
                "PREVIEW" => FetchAttr::preview(),
                "SAVEDATE" => FetchAttr::save_date(),
                "UID" => FetchAttr::uid(),
                "FLAGS" => FetchAttr::flags(),
                "INTERNALDATE" => FetchAttr::internal_date(),
                "RFC822.SIZE" => FetchAttr::rfc822_size(),
                "ENVELOPE" => FetchAttr::envelope(),
                "BODYSTRUCTURE" => FetchAttr::body_structure(),
                "BODY" => FetchAttr::body_basic(),
                "RFC822" => FetchAttr::rfc822(),
                "RFC822.HEADER" => FetchAttr::rfc822_header(),
                _ => FetchAttr::rfc822_text(),
            },
            FM::Body {
                peek,
                part,
                text,
                partial,
            } => {
                let section = match text {
                    None if part.is_empty() => Section::message(),
                    None => Section::part(part.clone()).unwrap(),
                    Some(SecText::Mime) => Section::mime(part.clone()).unwrap(),
                    Some(t) => {
                        let s = match t {
                            SecText::Header => Section::header(),
                            SecText::Text => Section::text(),
                            SecText::Fields(false, f) => Section::header_fields(f).unwrap(),
                            SecText::Fields(true, f) => Section::header_fields_not(f).unwrap(),
                            SecText::Mime => unreachable!(),
                        };
                        if part.is_empty() {
                            s
                        } else {
                            s.in_part(part.clone()).unwrap()
                        }
                    }
                };
                let f = if *peek {
                    FetchAttr::body_peek(section)
                } else {
                    FetchAttr::body(section)
                };
                with_partial(f, partial)
            }
            FM::Binary {
                peek,
                part,
                partial,
            } => {
                let f = if *peek {
                    FetchAttr::binary_peek(part.clone()).unwrap()
                } else {
                    FetchAttr::binary(part.clone()).unwrap()
                };
                with_partial(f, partial)
            }
            FM::BinarySize(part) => FetchAttr::binary_size(part.clone()).unwrap(),
        }
    }

    fn text(&self) -> String {
        let dots = |p: &[u32]| p.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
        let partial = |p: &Option<(u32, u32)>| match p {
            Some((s, l)) => format!("<{s}.{l}>"),
            None => String::new(),
        };
        match self {
            FM::Simple(n) => n.to_string(),
            FM::Body {
                peek,
                part,
                text,
                partial: p,
            } => {
                let mut sec = dots(part);
                if let Some(t) = text {
                    if !part.is_empty() {
                        sec.push('.');
                    }
                    sec.push_str(&match t {
                        SecText::Header => "HEADER".to_string(),
                        SecText::Text => "TEXT".to_string(),
                        SecText::Mime => "MIME".to_string(),
                        SecText::Fields(not, f) => format!(
                            "HEADER.FIELDS{} ({})",
                            if *not { ".NOT" } else { "" },
                            f.join(" ")
                        ),
                    });
                }
                format!(
                    "BODY{}[{sec}]{}",
                    if *peek { ".PEEK" } else { "" },
                    partial(p)
                )
            }
            FM::Binary {
                peek,
                part,
                partial: p,
            } => format!(
                "BINARY{}[{}]{}",
                if *peek { ".PEEK" } else { "" },
                dots(part),
                partial(p)
            ),
            FM::BinarySize(part) => format!("BINARY.SIZE[{}]", dots(part)),
        }
    }
}

fn part() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(1u32..20, 0..4)
}

fn partial() -> impl Strategy<Value = Option<(u32, u32)>> {
    prop::option::of((any::<u32>(), 1u32..))
}

fn fetch_attr() -> impl Strategy<Value = FM> {
    let field = "[A-Za-z0-9-]{1,12}";
    let sec_text = prop_oneof![
        Just(None),
        Just(Some(SecText::Header)),
        Just(Some(SecText::Text)),
        (any::<bool>(), prop::collection::vec(field, 1..4))
            .prop_map(|(not, f)| Some(SecText::Fields(not, f))),
        Just(Some(SecText::Mime)),
    ];
    prop_oneof![
        prop::sample::select(&SIMPLE[..]).prop_map(FM::Simple),
        (any::<bool>(), part(), sec_text, partial()).prop_map(|(peek, mut part, text, partial)| {
            if matches!(text, Some(SecText::Mime)) && part.is_empty() {
                part.push(1);
            }
            FM::Body {
                peek,
                part,
                text,
                partial,
            }
        }),
        (any::<bool>(), part(), partial()).prop_map(|(peek, part, partial)| FM::Binary {
            peek,
            part,
            partial
        }),
        part().prop_map(FM::BinarySize),
    ]
}

// ----- properties ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    /// SEARCH, UID SEARCH, SORT and THREAD with any key: one well-formed command, values
    /// intact, CHARSET UTF-8 exactly when 8-bit text needs it outside UTF-8 mode.
    #[test]
    fn search_keys_round_trip(m in key(), (literal_plus, utf8) in mode(), which in 0u8..4,
                              sort in prop::collection::vec((0usize..9, any::<bool>()), 1..4),
                              ret in prop::option::of(prop::collection::vec(0usize..5, 0..6))) {
        let mut peer = Peer::new(literal_plus, utf8);
        let key = m.build();
        // ESEARCH / ESORT: `RETURN (options)` right after the command name.
        let ret = ret.filter(|_| which < 3).map(|opts| {
            const NAMES: [&str; 5] = ["MIN", "MAX", "COUNT", "ALL", "SAVE"];
            let mut r = SearchReturn::new();
            let mut names: Vec<&str> = Vec::new();
            for i in opts {
                r = match i { 0 => r.min(), 1 => r.max(), 2 => r.count(), 3 => r.all(), _ => r.save() };
                if !names.contains(&NAMES[i]) { names.push(NAMES[i]); }
            }
            let mut toks = vec![a("RETURN"), Tok::Open];
            toks.extend(names.iter().map(|n| a(*n)));
            toks.push(Tok::Close);
            (r, toks)
        });
        let mut body = Vec::new();
        m.expect(false, &mut body);
        let charset = m.eight_bit() && !peer.utf8;
        let (cmd, mut want) = match which {
            0 | 1 => {
                let cmd = match (&ret, which) {
                    (None, 0) => Command::search_with(&key),
                    (None, _) => Command::uid_search_with(&key),
                    (Some((r, _)), 0) => Command::search_return(&key, r),
                    (Some((r, _)), _) => Command::uid_search_return(&key, r),
                };
                let mut want = if which == 0 { vec![a("SEARCH")] } else { vec![a("UID"), a("SEARCH")] };
                if let Some((_, toks)) = &ret {
                    want.extend(toks.iter().cloned());
                }
                if charset {
                    want.extend([a("CHARSET"), a("UTF-8")]);
                }
                (cmd, want)
            }
            2 => {
                let keys = [
                    SortKey::Arrival, SortKey::Cc, SortKey::Date, SortKey::From, SortKey::Size,
                    SortKey::Subject, SortKey::To, SortKey::DisplayFrom, SortKey::DisplayTo,
                ];
                let criteria: Vec<SortCriterion> = sort
                    .iter()
                    .map(|&(i, r)| if r { keys[i].reverse() } else { keys[i].into() })
                    .collect();
                let mut want = vec![a("SORT")];
                if let Some((_, toks)) = &ret {
                    want.extend(toks.iter().cloned());
                }
                want.push(Tok::Open);
                for c in &criteria {
                    if c.reverse {
                        want.push(a("REVERSE"));
                    }
                    want.push(a(c.key.as_str()));
                }
                want.extend([Tok::Close, a("UTF-8")]);
                let cmd = match &ret {
                    None => Command::sort_with(&criteria, &key),
                    Some((r, _)) => Command::sort_return(&criteria, &key, r),
                };
                (cmd, want)
            }
            _ => (
                Command::thread_with(ThreadAlgorithm::References, &key),
                vec![a("THREAD"), a("REFERENCES"), a("UTF-8")],
            ),
        };
        want.extend(body);
        check(&mut peer, cmd.unwrap(), want)?;
    }

    /// FETCH / UID FETCH with any set and items.
    #[test]
    fn fetch_attributes_round_trip(s in set(), attrs in prop::collection::vec(fetch_attr(), 1..6),
                                   macro_ in prop::option::of(0usize..3), uid in any::<bool>(),
                                   (literal_plus, utf8) in mode()) {
        let mut peer = Peer::new(literal_plus, utf8);
        let (items, want_items) = match macro_ {
            Some(i) => {
                let (m, name) = [(FetchAttrs::all(), "ALL"), (FetchAttrs::fast(), "FAST"), (FetchAttrs::full(), "FULL")][i].clone();
                (m, vec![a(name)])
            }
            None => {
                let built: FetchAttrs = attrs.iter().map(FM::build).collect();
                let mut want = vec![Tok::Open];
                want.extend(attrs.iter().map(|f| a(f.text())));
                want.push(Tok::Close);
                (built, want)
            }
        };
        let mut want = if uid { vec![a("UID"), a("FETCH")] } else { vec![a("FETCH")] };
        want.push(a(s.text()));
        want.extend(want_items);
        let cmd = if uid {
            Command::uid_fetch_with(s.build(), items)
        } else {
            Command::fetch_with(s.build(), items)
        };
        check(&mut peer, cmd.unwrap(), want)?;
    }

    /// STORE / UID STORE with any change.
    #[test]
    fn store_round_trips(s in set(), flags in prop::collection::vec(flag(), 0..5), m in 0usize..3,
                         silent in any::<bool>(), uid in any::<bool>(), (literal_plus, utf8) in mode()) {
        let mut peer = Peer::new(literal_plus, utf8);
        let mode = [StoreMode::Replace, StoreMode::Add, StoreMode::Remove][m];
        let mut change = StoreFlags::new(mode, flags.iter().map(FlagM::build));
        if silent {
            change = change.silent();
        }
        let item = format!("{}FLAGS{}", ["", "+", "-"][m], if silent { ".SILENT" } else { "" });
        let mut want = if uid { vec![a("UID"), a("STORE")] } else { vec![a("STORE")] };
        want.extend([a(s.text()), a(item), Tok::Open]);
        want.extend(flags.iter().map(|f| a(f.text())));
        want.push(Tok::Close);
        let cmd = if uid { Command::uid_store_with(s.build(), &change) } else { Command::store_with(s.build(), &change) };
        check(&mut peer, cmd.unwrap(), want)?;
    }

    /// APPEND with flags, an internal date and any message.
    #[test]
    fn append_round_trips(mailbox in "[A-Za-z0-9]{1,10}", flags in prop::collection::vec(flag(), 0..4),
                          date in prop::option::of((date(), 0u32..86400, -(14 * 60)..=(14 * 60i32))),
                          message in prop::collection::vec(1u8..=255, 0..200),
                          (literal_plus, utf8) in mode()) {
        let mut peer = Peer::new(literal_plus, utf8);
        let dt: Option<DateTime<FixedOffset>> = date.map(|(d, secs, off)| {
            let tz = FixedOffset::east_opt(off * 60).unwrap();
            tz.from_local_datetime(&d.and_hms_opt(secs / 3600, secs / 60 % 60, secs % 60).unwrap())
                .earliest()
                .unwrap()
        });
        let built: Vec<Flag> = flags.iter().map(FlagM::build).collect();
        let cmd = Command::append_with(mailbox.as_str(), &built, dt, &message).unwrap();
        let mut want = vec![a("APPEND"), a(mailbox.clone())];
        if !flags.is_empty() {
            want.push(Tok::Open);
            want.extend(flags.iter().map(|f| a(f.text())));
            want.push(Tok::Close);
        }
        if let Some(dt) = dt {
            let off = dt.offset().local_minus_utc() / 60;
            want.push(Tok::S(format!(
                "{:02}-{}-{:04} {} {}{:02}{:02}",
                dt.day(), MONTHS[dt.month0() as usize], dt.year(), dt.format("%H:%M:%S"),
                if off < 0 { '-' } else { '+' }, off.abs() / 60, off.abs() % 60
            ).into_bytes()));
        }
        let msg = imaplib_proto::encode::translate_line_endings(&message);
        if peer.utf8 {
            want.extend([a("UTF8"), Tok::Open, Tok::S(msg), Tok::Close]);
        } else {
            want.push(Tok::S(msg));
        }
        check(&mut peer, cmd, want)?;
    }

    /// MULTIAPPEND: several messages, each with its flags and internal date, in one
    /// well-formed APPEND.
    #[test]
    fn append_many_round_trips(mailbox in "[A-Za-z0-9]{1,10}",
                               messages in prop::collection::vec((
                                   prop::collection::vec(flag(), 0..3),
                                   prop::option::of((date(), 0u32..86400, -(14 * 60)..=(14 * 60i32))),
                                   prop::collection::vec(1u8..=255, 0..100)), 1..4),
                               (literal_plus, utf8) in mode()) {
        let mut peer = Peer::new(literal_plus, utf8);
        let mut want = vec![a("APPEND"), a(mailbox.clone())];
        let mut built = Vec::new();
        for (flags, date, message) in &messages {
            let dt: Option<DateTime<FixedOffset>> = date.map(|(d, secs, off)| {
                let tz = FixedOffset::east_opt(off * 60).unwrap();
                tz.from_local_datetime(&d.and_hms_opt(secs / 3600, secs / 60 % 60, secs % 60).unwrap())
                    .earliest()
                    .unwrap()
            });
            let mut m = AppendMessage::new(message).flags(flags.iter().map(FlagM::build));
            if !flags.is_empty() {
                want.push(Tok::Open);
                want.extend(flags.iter().map(|f| a(f.text())));
                want.push(Tok::Close);
            }
            if let Some(dt) = dt {
                m = m.date(dt);
                let off = dt.offset().local_minus_utc() / 60;
                want.push(Tok::S(format!(
                    "{:02}-{}-{:04} {} {}{:02}{:02}",
                    dt.day(), MONTHS[dt.month0() as usize], dt.year(), dt.format("%H:%M:%S"),
                    if off < 0 { '-' } else { '+' }, off.abs() / 60, off.abs() % 60
                ).into_bytes()));
            }
            let msg = imaplib_proto::encode::translate_line_endings(message);
            if peer.utf8 {
                want.extend([a("UTF8"), Tok::Open, Tok::S(msg), Tok::Close]);
            } else {
                want.push(Tok::S(msg));
            }
            built.push(m);
        }
        let cmd = Command::append_many(mailbox.as_str(), &built).unwrap();
        check(&mut peer, cmd, want)?;
    }

    /// Extended LIST: any selection and return options, one or more patterns, in one
    /// well-formed LIST; RECURSIVEMATCH alone refused before sending.
    #[test]
    fn list_extended_round_trips(reference in "[A-Za-z0-9]{0,6}",
                                 patterns in prop::collection::vec("[A-Za-z0-9*%]{1,8}", 1..4),
                                 select in prop::collection::vec(0usize..4, 0..4),
                                 ret in prop::collection::vec(0usize..3, 0..3),
                                 status in prop::collection::vec(0usize..8, 0..5),
                                 (literal_plus, utf8) in mode()) {
        use imaplib_proto::build::{ListOptions, StatusItem};
        let mut peer = Peer::new(literal_plus, utf8);
        const SEL: [&str; 4] = ["SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"];
        const RET: [&str; 3] = ["SUBSCRIBED", "CHILDREN", "SPECIAL-USE"];
        const ITEMS: [StatusItem; 8] = [StatusItem::Messages, StatusItem::Recent, StatusItem::UidNext,
            StatusItem::UidValidity, StatusItem::Unseen, StatusItem::Deleted, StatusItem::Size,
            StatusItem::HighestModSeq];
        let mut opts = ListOptions::new();
        let mut sel: Vec<&str> = Vec::new();
        for &i in &select {
            opts = match i {
                0 => opts.select_subscribed(),
                1 => opts.select_remote(),
                2 => opts.select_recursive_match(),
                _ => opts.select_special_use(),
            };
            if !sel.contains(&SEL[i]) { sel.push(SEL[i]); }
        }
        let mut rets: Vec<&str> = Vec::new();
        for &i in &ret {
            opts = match i {
                0 => opts.return_subscribed(),
                1 => opts.return_children(),
                _ => opts.return_special_use(),
            };
            if !rets.contains(&RET[i]) { rets.push(RET[i]); }
        }
        let mut items: Vec<StatusItem> = Vec::new();
        for &i in &status {
            if !items.contains(&ITEMS[i]) { items.push(ITEMS[i]); }
        }
        opts = opts.return_status(items.clone());
        let cmd = Command::list_extended(reference.as_str(), patterns.iter().map(String::as_str), &opts);
        if sel == ["RECURSIVEMATCH"] {
            prop_assert!(cmd.is_err());
            return Ok(());
        }
        let mut want = vec![a("LIST")];
        if !sel.is_empty() {
            want.push(Tok::Open);
            want.extend(sel.iter().map(|s| a(*s)));
            want.push(Tok::Close);
        }
        want.push(if reference.is_empty() { Tok::S(Vec::new()) } else { a(reference.clone()) });
        if patterns.len() > 1 {
            want.push(Tok::Open);
        }
        want.extend(patterns.iter().map(|p| a(p.clone())));
        if patterns.len() > 1 {
            want.push(Tok::Close);
        }
        if !rets.is_empty() || !items.is_empty() {
            want.extend([a("RETURN"), Tok::Open]);
            want.extend(rets.iter().map(|s| a(*s)));
            if !items.is_empty() {
                want.extend([a("STATUS"), Tok::Open]);
                want.extend(items.iter().map(|i| a(i.as_str())));
                want.push(Tok::Close);
            }
            want.push(Tok::Close);
        }
        check(&mut peer, cmd.unwrap(), want)?;
    }

    /// FETCH … (CHANGEDSINCE m [VANISHED]) and STORE … (UNCHANGEDSINCE m): a mod-sequence
    /// outside what its position allows (1 or 0 to 2⁶³−1) is refused before anything is
    /// sent; any other is one well-formed command carrying it.
    #[test]
    fn condstore_modifiers_round_trip(s in set(), attrs in prop::collection::vec(fetch_attr(), 1..4),
                                      flags in prop::collection::vec(flag(), 0..3),
                                      m in any_modseq(), which in 0u8..4,
                                      (literal_plus, utf8) in mode()) {
        let mut peer = Peer::with(literal_plus, utf8, true);
        let built: FetchAttrs = attrs.iter().map(FM::build).collect();
        let mut items = vec![Tok::Open];
        items.extend(attrs.iter().map(|f| a(f.text())));
        items.push(Tok::Close);
        let (cmd, ok, want) = match which {
            0..=2 => {
                let cmd = match which {
                    0 => Command::fetch_changed_since(s.build(), built, m),
                    1 => Command::uid_fetch_changed_since(s.build(), built, m),
                    _ => Command::uid_fetch_vanished(s.build(), built, m),
                };
                let mut want = if which == 0 { vec![a("FETCH")] } else { vec![a("UID"), a("FETCH")] };
                want.push(a(s.text()));
                want.extend(items);
                want.extend([Tok::Open, a("CHANGEDSINCE"), a(m.to_string())]);
                if which == 2 {
                    want.push(a("VANISHED"));
                }
                want.push(Tok::Close);
                (cmd, (1..=MAX_MODSEQ).contains(&m), want)
            }
            _ => {
                let change = StoreFlags::add(flags.iter().map(FlagM::build));
                let mut want = vec![a("STORE"), a(s.text()), Tok::Open, a("UNCHANGEDSINCE"),
                                    a(m.to_string()), Tok::Close, a("+FLAGS"), Tok::Open];
                want.extend(flags.iter().map(|f| a(f.text())));
                want.push(Tok::Close);
                (Command::store_unchanged_since(s.build(), &change, m), m <= MAX_MODSEQ, want)
            }
        };
        match cmd {
            Ok(cmd) => {
                prop_assert!(ok, "accepted a mod-sequence of {}", m);
                check(&mut peer, cmd, want)?;
            }
            Err(e) => {
                prop_assert!(!ok, "refused {}: {}", m, e);
                prop_assert!(matches!(e.reason(), Reason::Argument { problem: ArgumentProblem::OutOfRange, .. }), "{e}");
            }
        }
    }

    /// SELECT/EXAMINE with any QRESYNC parameter: refused exactly when RFC 7162 does not
    /// allow its values (UIDVALIDITY 0, a mod-sequence outside 1 to 2⁶³−1, `$` or `*` in a
    /// set, sequence match data of unequal sizes), otherwise one well-formed command.
    #[test]
    fn qresync_select_round_trips(uid_validity in prop_oneof![Just(0u32), any::<u32>()],
                                  m in any_modseq(), known in prop::option::of(set()),
                                  seq_match in prop::option::of((set(), set())),
                                  examine in any::<bool>(), mailbox in "[A-Za-z0-9]{1,10}",
                                  (literal_plus, utf8) in mode()) {
        let mut peer = Peer::with(literal_plus, utf8, true);
        let mut q = Qresync::new(uid_validity, m);
        if let Some(k) = &known {
            q = q.known_uids(k.build());
        }
        if let Some((x, y)) = &seq_match {
            q = q.seq_match(x.build(), y.build());
        }
        let explicit = |s: &SetM| match s {
            SetM::Saved => None,
            SetM::Ranges(r) if r.iter().any(|&(x, y)| x == u32::MAX || y == u32::MAX) => None,
            SetM::Ranges(r) => Some(r.iter().map(|&(x, y)| u64::from(x.abs_diff(y)) + 1).sum::<u64>()),
        };
        let sets_ok = match (&known, &seq_match) {
            (None, None) => true,
            (None, Some(_)) => false,
            (Some(k), None) => explicit(k).is_some(),
            (Some(k), Some((x, y))) => explicit(k).is_some()
                && matches!((explicit(x), explicit(y)), (Some(a), Some(b)) if a == b),
        };
        let ok = uid_validity != 0 && (1..=MAX_MODSEQ).contains(&m) && sets_ok;
        let params = SelectParams::qresync(q);
        let cmd = if examine {
            Command::examine_with(mailbox.as_str(), &params)
        } else {
            Command::select_with(mailbox.as_str(), &params)
        };
        match cmd {
            Ok(cmd) => {
                prop_assert!(ok, "accepted {}", params);
                let mut want = vec![a(if examine { "EXAMINE" } else { "SELECT" }), a(mailbox.clone()),
                                    Tok::Open, a("QRESYNC"), Tok::Open, a(uid_validity.to_string()),
                                    a(m.to_string())];
                if let Some(k) = &known {
                    want.push(a(k.text()));
                    if let Some((x, y)) = &seq_match {
                        want.extend([Tok::Open, a(x.text()), a(y.text()), Tok::Close]);
                    }
                }
                want.extend([Tok::Close, Tok::Close]);
                check(&mut peer, cmd, want)?;
            }
            Err(e) => {
                prop_assert!(!ok, "refused {}: {}", params, e);
                prop_assert!(matches!(e.reason(), Reason::Argument { .. }), "{e}");
            }
        }
    }

    /// NUL, which no string form carries, is refused before anything is sent.
    #[test]
    fn nul_is_refused(m in key(), before in text(), after in text()) {
        let bad = M::And(vec![m, M::Text("SUBJECT", format!("{before}\0{after}"))]);
        let e = Command::search_with(&bad.build()).unwrap_err();
        prop_assert!(matches!(e.reason(), Reason::Argument { problem: ArgumentProblem::Nul, .. }), "{e}");
    }

    /// Keywords: exactly the atoms (without `[`) are accepted.
    #[test]
    fn keywords_are_atoms(s in "\\PC{0,6}") {
        let atom = !s.is_empty()
            && !s.starts_with('~')
            && s.bytes().all(|b| (0x21..0x7f).contains(&b) && !b"(){%*\"\\][".contains(&b));
        prop_assert_eq!(Keyword::new(&s).is_ok(), atom, "{:?}", s);
        prop_assert_eq!(Flag::keyword(&s).is_ok(), atom);
    }
}

// ----- CATENATE, CONTEXT=SEARCH, CANCELUPDATE, SASL-IR --------------------------------------

/// RFC 5092's percent-encoding, written independently of the builder.
fn url_escape(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if c.is_ascii_alphanumeric() || b"-._~!$'()*+,&=:@/".contains(&c) {
                (c as char).to_string()
            } else {
                format!("%{c:02X}")
            }
        })
        .collect()
}

#[derive(Debug, Clone)]
enum PartM {
    Text(Vec<u8>),
    Url {
        mailbox: String,
        uidvalidity: Option<u32>,
        uid: u32,
        section: Option<String>,
    },
}

fn cat_part() -> impl Strategy<Value = PartM> {
    prop_oneof![
        prop::collection::vec(1u8..=255, 0..80).prop_map(PartM::Text),
        (
            text().prop_filter("a mailbox", |t| !t.is_empty()),
            prop::option::of(1u32..),
            1u32..,
            prop::option::of(prop_oneof![
                Just("TEXT".to_string()),
                Just("HEADER.FIELDS (SUBJECT)".to_string()),
                "[ -~]{1,12}",
            ]),
        )
            .prop_map(|(mailbox, uidvalidity, uid, section)| PartM::Url {
                mailbox,
                uidvalidity,
                uid,
                section,
            }),
    ]
}

/// A tag as the model sees it: RFC 3501's `tag` characters only.
fn tag_ok(t: &str) -> bool {
    !t.is_empty()
        && t.bytes()
            .all(|b| (0x21..0x7f).contains(&b) && !b"(){%*\"\\+".contains(&b))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// CATENATE: any TEXT bytes (CR, LF, 8-bit, literal markers) go in literals with their
    /// exact bytes; any URL, whatever its mailbox and section hold, is one quoted string.
    #[test]
    fn catenate_round_trips(mailbox in "[A-Za-z0-9]{1,10}",
                            flags in prop::collection::vec(flag(), 0..3),
                            parts in prop::collection::vec(cat_part(), 1..5),
                            (literal_plus, utf8) in mode()) {
        let mut peer = Peer::new(literal_plus, utf8);
        let mut want = vec![a("APPEND"), a(mailbox.clone())];
        if !flags.is_empty() {
            want.push(Tok::Open);
            want.extend(flags.iter().map(|f| a(f.text())));
            want.push(Tok::Close);
        }
        want.extend([a("CATENATE"), Tok::Open]);
        let mut m = CatenateMessage::new().flags(flags.iter().map(FlagM::build));
        for p in &parts {
            match p {
                PartM::Text(t) => {
                    want.extend([a("TEXT"), Tok::S(t.clone())]);
                    m = m.text(t);
                }
                PartM::Url { mailbox, uidvalidity, uid, section } => {
                    let mut url = ImapUrl::message(mailbox, *uidvalidity, *uid).unwrap();
                    let mut text = format!("/{}", url_escape(mailbox.as_bytes()));
                    if let Some(v) = uidvalidity {
                        text.push_str(&format!(";UIDVALIDITY={v}"));
                    }
                    text.push_str(&format!("/;UID={uid}"));
                    if let Some(s) = section {
                        url = url.section(s).unwrap();
                        text.push_str(&format!("/;SECTION={}", url_escape(s.as_bytes())));
                    }
                    prop_assert_eq!(url.as_str(), text.as_str());
                    want.extend([a("URL"), Tok::S(text.into_bytes())]);
                    m = m.url(url);
                }
            }
        }
        want.push(Tok::Close);
        check(&mut peer, Command::append_catenate(mailbox.as_str(), &m).unwrap(), want)?;
    }

    /// A raw URL is accepted exactly when it holds URL characters only, and then is sent
    /// as one quoted string with its exact bytes.
    #[test]
    fn raw_urls_are_checked(raw in prop_oneof![text(), "[A-Za-z0-9/;=:.%-]{1,30}"]) {
        let ok = !raw.is_empty()
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b));
        match ImapUrl::parse(&raw) {
            Ok(url) => {
                prop_assert!(ok, "accepted {:?}", raw);
                let mut peer = Peer::new(false, false);
                let cmd = Command::append_catenate("INBOX", &CatenateMessage::new().url(url)).unwrap();
                check(&mut peer, cmd, vec![a("APPEND"), a("INBOX"), a("CATENATE"), Tok::Open,
                      a("URL"), Tok::S(raw.clone().into_bytes()), Tok::Close])?;
            }
            Err(e) => {
                prop_assert!(!ok, "refused {:?}: {}", raw, e);
                prop_assert!(matches!(e.reason(), Reason::Argument { .. }), "{e}");
            }
        }
    }

    /// SEARCH RETURN with PARTIAL and UPDATE: one command; an empty or inverted range is
    /// refused before sending.
    #[test]
    fn context_search_round_trips(m in key(), (literal_plus, utf8) in mode(),
                                  range in (prop_oneof![Just(0u32), 1u32..50, any::<u32>()],
                                            prop_oneof![1u32..100, any::<u32>()]),
                                  update in any::<bool>(), count in any::<bool>(), uid in any::<bool>()) {
        let (first, last) = range;
        let built = SearchReturn::new().partial(first, last);
        if first == 0 || first > last {
            let e = built.unwrap_err();
            prop_assert!(matches!(e.reason(), Reason::Argument { .. }), "{e}");
            return Ok(());
        }
        let mut ret = built.unwrap();
        let mut toks = vec![a("RETURN"), Tok::Open, a("PARTIAL"), a(format!("{first}:{last}"))];
        if update {
            ret = ret.update();
            toks.push(a("UPDATE"));
        }
        if count {
            ret = ret.count();
            toks.push(a("COUNT"));
        }
        toks.push(Tok::Close);
        let mut peer = Peer::new(literal_plus, utf8);
        let key = m.build();
        let mut want = if uid { vec![a("UID"), a("SEARCH")] } else { vec![a("SEARCH")] };
        want.extend(toks);
        if m.eight_bit() && !peer.utf8 {
            want.extend([a("CHARSET"), a("UTF-8")]);
        }
        m.expect(false, &mut want);
        let cmd = if uid {
            Command::uid_search_return(&key, &ret)
        } else {
            Command::search_return(&key, &ret)
        };
        check(&mut peer, cmd.unwrap(), want)?;
    }

    /// CANCELUPDATE: tags are accepted exactly when they are tags, and sent quoted.
    #[test]
    fn cancel_update_round_trips(tags in prop::collection::vec(prop_oneof![text(), "[A-Z][0-9]{1,4}"], 1..4)) {
        let refs: Vec<&str> = tags.iter().map(String::as_str).collect();
        let ok = tags.iter().all(|t| tag_ok(t));
        match Command::cancel_update(&refs) {
            Ok(cmd) => {
                prop_assert!(ok, "accepted {:?}", tags);
                let mut peer = Peer::new(false, false);
                let mut want = vec![a("CANCELUPDATE")];
                want.extend(tags.iter().map(|t| Tok::S(t.clone().into_bytes())));
                check(&mut peer, cmd, want)?;
            }
            Err(e) => {
                prop_assert!(!ok, "refused {:?}: {}", tags, e);
                prop_assert!(matches!(e.reason(), Reason::Argument { .. }), "{e}");
            }
        }
    }

    /// SASL-IR: whatever the credentials, the AUTHENTICATE line is one line whose last
    /// word is the base64 of PLAIN's message (base64 holds no CR, LF or NUL).
    #[test]
    fn sasl_ir_is_one_line(user in text(), password in text()) {
        use base64::Engine as _;
        let mut conn = Connection::new(Options::new(0x1234));
        conn.feed(b"* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n");
        while conn.poll_output().is_some() {}
        let auth = imaplib_proto::auth::Plain::new(&user, &password).unwrap();
        let cmd = Command::authenticate("PLAIN", auth).unwrap().sasl_ir();
        conn.submit(cmd).unwrap();
        let mut sent = Vec::new();
        while let Some(out) = conn.poll_output() {
            if let Output::Send(o) = out {
                sent.extend_from_slice(&o.bytes);
            }
        }
        let line = sent.strip_suffix(b"\r\n").unwrap_or_else(|| panic!("no CRLF: {sent:?}"));
        prop_assert!(!line.iter().any(|&c| matches!(c, b'\r' | b'\n' | 0)), "{:?}", line);
        let b64 = line.strip_prefix(b"BCDE0 AUTHENTICATE PLAIN ").unwrap_or_else(|| panic!("{line:?}"));
        let decoded = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
        let mut want = vec![0];
        want.extend_from_slice(user.as_bytes());
        want.push(0);
        want.extend_from_slice(password.as_bytes());
        prop_assert_eq!(decoded, want);
    }
}
