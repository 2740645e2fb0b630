//! Commands built from fuzz input, each with a description of what it must send.
//!
//! [`build`] picks a constructor and arguments (from a dictionary of awkward values or raw
//! input bytes) and returns the constructor's result together with a [`Spec`]: the command
//! name and, per argument, the grammar position it was given in. The `encoder` target
//! checks the bytes sent against the spec; the `session` target only submits the command.

use imaplib_proto::util::DateInput;
use imaplib_proto::{Command, Text};

use crate::bytes::Reader;

/// Awkward values for string arguments.
pub const WORDS: &[&[u8]] = &[
    b"INBOX",
    b"",
    b"\"",
    b"\\",
    b"\"\"",
    b"\"quoted\"",
    b"\"a\\b\"",
    b"\"a\\\"",
    b"\"\\\"",
    b"\" A2 DELETE INBOX \"",
    b"New folder",
    b"Entw\xc3\xbcrfe",
    b"Entw&APw-rfe",
    b"A&B",
    b"&-",
    b"&",
    b"{5}",
    b"{5+}",
    b"~{5}",
    b"x {0}",
    b"a\r\nb",
    b"\r",
    b"\n",
    b"\r\n",
    b"\x00",
    b"*",
    b"%",
    b"(",
    b")",
    b"()",
    b"]",
    b"[",
    b"1:*",
    b"1,2:4",
    b"$",
    b"0",
    b"4294967296",
    b"ALL",
    b"FAST",
    b"full",
    b"FLAGS",
    b"(FLAGS)",
    b"BODY.PEEK[HEADER.FIELDS (DATE)]<0.100>",
    b"\\Seen",
    b"(\\Seen \\Deleted)",
    b"\\Seen \"",
    b"+FLAGS.SILENT",
    b"UTF8=ACCEPT",
    b"\xff\xfe",
    b"\xf0\x9f\x98\x80",
    b"\xc3",
    b"\x7f",
    b"\t",
    b"a b",
    b"user@example.com",
    b"\"18-May-2033 05:33:20 +0200\"",
    b"CRAM-MD5",
    b"X-GM-EXT-1",
    b"STORAGE 512",
    b"(MESSAGES UNSEEN)",
    b"/shared/comment",
    b"value.shared",
];

/// The grammar position of one argument, with the value given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Sent verbatim; must be an atom.
    Atom(Vec<u8>),
    /// Sent verbatim: raw text (criteria, STORE command, annotation names…).
    Raw(Vec<u8>),
    /// imaplib's `_set_quote`: `(text)` unless already parenthesised.
    Paren(Vec<u8>),
    /// FETCH message parts: `ALL`/`FULL`/`FAST` bare, else as [`Arg::Paren`].
    FetchParts(Vec<u8>),
    /// A sequence set, sent verbatim.
    Seq(Vec<u8>),
    /// imaplib's `_astring`.
    AString(Vec<u8>),
    /// A mailbox name: a `str` (`is_str`) goes through modified UTF-7; `list` for a LIST
    /// pattern (`%` and `*` stay bare).
    Mailbox {
        /// The bytes (UTF-8 for a str).
        name: Vec<u8>,
        /// Given as a `str`.
        is_str: bool,
        /// A list-mailbox position.
        list: bool,
    },
    /// Always a quoted string or a literal (passwords, ID fields).
    Quoted(Vec<u8>),
    /// The APPEND message.
    Message {
        /// The message as given.
        bytes: Vec<u8>,
        /// CR, LF and CRLF become CRLF.
        translate: bool,
    },
    /// The message of `append_stream`: a literal of this size whose bytes the caller writes
    /// on `Output::SendLiteral`.
    StreamedMessage(u64),
    /// An APPEND date, as `time2internaldate` renders it.
    Date(DateArg),
    /// `(a b …)`.
    Group(Vec<Arg>),
    /// Written by a builder from validated values (a key name, a date, a fetch item, a
    /// flag): sent verbatim, never refused.
    Verbatim(Vec<u8>),
    /// `CHARSET UTF-8`, sent only outside UTF-8 mode (with its separating space).
    Utf8Charset,
    /// Always a plain literal (`{n}` or `{n+}`) carrying exactly these bytes, in any mode:
    /// CATENATE's TEXT parts.
    Literal(Vec<u8>),
}

/// The date argument of APPEND.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateArg {
    /// A string, passed through when it starts and ends with `"`.
    Str(String),
    /// Seconds since the epoch.
    Timestamp(i64),
}

/// What a command must send, or why it must be refused.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The constructor, for messages.
    pub ctor: &'static str,
    /// The command name on the wire (`UID` for UID commands, whose sub-command is the
    /// first argument).
    pub name: Vec<u8>,
    /// The arguments in order.
    pub args: Vec<Arg>,
    /// A reason the constructor must fail that the per-argument rules do not show.
    pub refuse: Option<String>,
    /// The state the command needs.
    pub state: Need,
}

/// The state a command can be submitted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Before LOGIN.
    NonAuth,
    /// Authenticated, no mailbox selected (ENABLE, PROXYAUTH).
    Auth,
    /// Authenticated or selected (SELECT, CREATE, LIST, APPEND…).
    AuthOrSelected,
    /// A mailbox is selected (FETCH, STORE, SEARCH, UID…).
    Selected,
    /// Any state (NOOP-like).
    Any,
}

/// A built command: the constructor's result and the spec.
pub struct Built {
    /// The constructor's result.
    pub cmd: imaplib_proto::Result<Command>,
    /// What it must send.
    pub spec: Spec,
}

/// Bytes for a string argument: a dictionary word, raw input, or both.
pub fn text_bytes(r: &mut Reader<'_>) -> Vec<u8> {
    match r.u8() % 8 {
        0..=3 => r.pick(WORDS).to_vec(),
        4 | 5 => r.short_bytes().to_vec(),
        6 => {
            let mut v = r.pick(WORDS).to_vec();
            let w = WORDS[r.below(WORDS.len())];
            v.extend_from_slice(w);
            v
        }
        _ => {
            let mut v = r.short_bytes().to_vec();
            let w = WORDS[r.below(WORDS.len())];
            v.extend_from_slice(w);
            v
        }
    }
}

/// A `&str` argument (invalid UTF-8 replaced).
pub fn text_string(r: &mut Reader<'_>) -> String {
    String::from_utf8_lossy(&text_bytes(r)).into_owned()
}

/// An owned `Text`: a str or bytes.
#[derive(Debug, Clone)]
pub enum OwnedText {
    /// A `str`.
    Str(String),
    /// Bytes.
    Bytes(Vec<u8>),
}

impl OwnedText {
    /// Borrowed as the library's `Text`.
    pub fn as_text(&self) -> Text<'_> {
        match self {
            OwnedText::Str(s) => Text::Str(s),
            OwnedText::Bytes(b) => Text::Bytes(b),
        }
    }

    /// The bytes (UTF-8 for a str).
    pub fn bytes(&self) -> &[u8] {
        match self {
            OwnedText::Str(s) => s.as_bytes(),
            OwnedText::Bytes(b) => b,
        }
    }

    /// True for a str.
    pub fn is_str(&self) -> bool {
        matches!(self, OwnedText::Str(_))
    }

    /// As a mailbox argument.
    pub fn mailbox(&self, list: bool) -> Arg {
        Arg::Mailbox {
            name: self.bytes().to_vec(),
            is_str: self.is_str(),
            list,
        }
    }
}

/// A str or bytes argument.
pub fn text(r: &mut Reader<'_>) -> OwnedText {
    if r.bool() {
        OwnedText::Str(text_string(r))
    } else {
        OwnedText::Bytes(text_bytes(r))
    }
}

/// A sequence set argument: usually valid.
pub fn seq(r: &mut Reader<'_>) -> String {
    match r.u8() % 4 {
        0 => "1:*".to_string(),
        1 => format!("{}", r.u32()),
        2 => format!("{}:{},{}", r.u8(), r.u16(), r.u8()),
        _ => text_string(r),
    }
}

fn spec(ctor: &'static str, name: &str, args: Vec<Arg>, state: Need) -> Spec {
    Spec {
        ctor,
        name: name.as_bytes().to_vec(),
        args,
        refuse: None,
        state,
    }
}

fn uid_spec(mut s: Spec) -> Spec {
    let sub = std::mem::replace(&mut s.name, b"UID".to_vec());
    s.args.insert(0, Arg::Atom(sub));
    s.state = Need::Selected;
    s
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn criteria(r: &mut Reader<'_>) -> Vec<String> {
    let n = r.below(4);
    (0..n).map(|_| text_string(r)).collect()
}

/// Builds one command with arguments from the input.
pub fn build(r: &mut Reader<'_>) -> Built {
    use Arg::*;
    use Need::*;
    let which = r.u8() % 45;
    let (cmd, spec) = match which {
        0 => {
            let (u, p) = (text(r), text(r));
            (
                Command::login(u.as_text(), p.as_text()),
                spec(
                    "login",
                    "LOGIN",
                    vec![AString(u.bytes().to_vec()), Quoted(p.bytes().to_vec())],
                    NonAuth,
                ),
            )
        }
        1 => {
            let mech = text_string(r);
            let cancel = r.bool();
            let cmd = Command::authenticate(
                &mech,
                move |c: &[u8]| {
                    if cancel {
                        None
                    } else {
                        Some(c.to_vec())
                    }
                },
            );
            (
                cmd,
                spec(
                    "authenticate",
                    "AUTHENTICATE",
                    vec![Atom(mech.to_ascii_uppercase().into_bytes())],
                    NonAuth,
                ),
            )
        }
        2 => {
            let (u, p) = (text(r), text(r));
            let mut s = spec(
                "login_plain",
                "AUTHENTICATE",
                vec![Atom(b"PLAIN".to_vec())],
                NonAuth,
            );
            if u.bytes().contains(&0) || p.bytes().contains(&0) {
                s.refuse = Some("NUL in PLAIN credentials".into());
            }
            (Command::login_plain(u.as_text(), p.as_text()), s)
        }
        3 => {
            let (u, p) = (text(r), text(r));
            (
                Command::login_cram_md5(u.as_text(), p.as_text()),
                Spec {
                    refuse: (u.bytes().contains(&0) || p.bytes().contains(&0))
                        .then(|| "NUL in CRAM-MD5 credentials".to_string()),
                    ..spec(
                        "login_cram_md5",
                        "AUTHENTICATE",
                        vec![Atom(b"CRAM-MD5".to_vec())],
                        NonAuth,
                    )
                },
            )
        }
        4 => {
            let c = text_string(r);
            (
                Command::enable(&c),
                spec("enable", "ENABLE", vec![Raw(c.into_bytes())], Auth),
            )
        }
        5 => {
            let (m, ro) = (text(r), r.bool());
            (
                Command::select(m.as_text(), ro),
                spec(
                    "select",
                    if ro { "EXAMINE" } else { "SELECT" },
                    vec![m.mailbox(false)],
                    AuthOrSelected,
                ),
            )
        }
        6..=9 => {
            let m = text(r);
            let (ctor, name) = [
                ("create", "CREATE"),
                ("delete", "DELETE"),
                ("subscribe", "SUBSCRIBE"),
                ("unsubscribe", "UNSUBSCRIBE"),
            ][usize::from(which - 6)];
            let cmd = match which {
                6 => Command::create(m.as_text()),
                7 => Command::delete(m.as_text()),
                8 => Command::subscribe(m.as_text()),
                _ => Command::unsubscribe(m.as_text()),
            };
            (
                cmd,
                spec(ctor, name, vec![m.mailbox(false)], AuthOrSelected),
            )
        }
        10 => {
            let (a, b) = (text(r), text(r));
            (
                Command::rename(a.as_text(), b.as_text()),
                spec(
                    "rename",
                    "RENAME",
                    vec![a.mailbox(false), b.mailbox(false)],
                    AuthOrSelected,
                ),
            )
        }
        11 | 12 => {
            let dir = r.bool().then(|| text(r));
            let pat = r.bool().then(|| text(r));
            let name = if which == 11 { "LIST" } else { "LSUB" };
            let args = vec![
                dir.clone()
                    .unwrap_or(OwnedText::Str(String::new()))
                    .mailbox(false),
                pat.clone()
                    .unwrap_or(OwnedText::Str("*".into()))
                    .mailbox(true),
            ];
            let (d, p) = (
                dir.as_ref().map(OwnedText::as_text),
                pat.as_ref().map(OwnedText::as_text),
            );
            let cmd = if which == 11 {
                Command::list(d, p)
            } else {
                Command::lsub(d, p)
            };
            (
                cmd,
                spec(
                    if which == 11 { "list" } else { "lsub" },
                    name,
                    args,
                    AuthOrSelected,
                ),
            )
        }
        13 => {
            let (m, names) = (text(r), text_string(r));
            (
                Command::status(m.as_text(), &names),
                spec(
                    "status",
                    "STATUS",
                    vec![m.mailbox(false), Paren(names.into_bytes())],
                    AuthOrSelected,
                ),
            )
        }
        14 => {
            let mb = r.bool().then(|| text(r));
            let flags = r.bool().then(|| text_string(r));
            let date = match r.u8() % 4 {
                0 => Some(DateArg::Str(text_string(r))),
                1 => Some(DateArg::Timestamp(i64::from(r.u32()))),
                _ => None,
            };
            let message = text_bytes(r);
            let keep = r.bool();
            let stream = r.u8() % 4 == 0;
            let mut args = vec![mb
                .clone()
                .unwrap_or(OwnedText::Str("INBOX".into()))
                .mailbox(false)];
            if let Some(f) = &flags {
                args.push(Paren(f.clone().into_bytes()));
            }
            if let Some(d) = &date {
                args.push(Date(d.clone()));
            }
            if stream {
                args.push(StreamedMessage(message.len() as u64));
            } else {
                args.push(Message {
                    bytes: message.clone(),
                    translate: !keep,
                });
            }
            let di = date.as_ref().map(|d| match d {
                DateArg::Str(s) => DateInput::from(s.as_str()),
                DateArg::Timestamp(t) => DateInput::from(*t),
            });
            let mbt = mb.as_ref().map(OwnedText::as_text);
            let cmd = if stream {
                Command::append_stream(mbt, flags.as_deref(), di, message.len() as u64)
            } else {
                Command::append(mbt, flags.as_deref(), di, &message)
            };
            let cmd = if keep {
                cmd.map(Command::keep_line_endings)
            } else {
                cmd
            };
            (cmd, spec("append", "APPEND", args, AuthOrSelected))
        }
        15 | 16 => {
            let (s, p) = (seq(r), text_string(r));
            let sp = spec(
                "fetch",
                "FETCH",
                vec![
                    Seq(s.clone().into_bytes()),
                    FetchParts(p.clone().into_bytes()),
                ],
                Selected,
            );
            let stream = r.bool();
            let (cmd, sp) = if which == 15 {
                (Command::fetch(s.as_str(), &p), sp)
            } else {
                (Command::uid_fetch(s.as_str(), &p), uid_spec(sp))
            };
            (
                if stream {
                    cmd.map(Command::stream_literals)
                } else {
                    cmd
                },
                sp,
            )
        }
        17 => {
            let (num, part, start, len) = (r.u32(), text_string(r), r.u32(), r.u32());
            (
                Command::partial(num, &part, start, len),
                spec(
                    "partial",
                    "PARTIAL",
                    vec![
                        Atom(num.to_string().into_bytes()),
                        Raw(part.into_bytes()),
                        Atom(start.to_string().into_bytes()),
                        Atom(len.to_string().into_bytes()),
                    ],
                    Selected,
                ),
            )
        }
        18 | 19 => {
            let (s, c, f) = (seq(r), text_string(r), text_string(r));
            let sp = spec(
                "store",
                "STORE",
                vec![
                    Seq(s.clone().into_bytes()),
                    Raw(c.clone().into_bytes()),
                    Paren(f.clone().into_bytes()),
                ],
                Selected,
            );
            if which == 18 {
                (Command::store(s.as_str(), &c, &f), sp)
            } else {
                (Command::uid_store(s.as_str(), &c, &f), uid_spec(sp))
            }
        }
        20..=23 => {
            let (s, m) = (seq(r), text(r));
            let name = if which < 22 { "COPY" } else { "MOVE" };
            let sp = spec(
                "copy/move",
                name,
                vec![Seq(s.clone().into_bytes()), m.mailbox(false)],
                Selected,
            );
            let cmd = match which {
                20 => Command::copy(s.as_str(), m.as_text()),
                21 => Command::uid_copy(s.as_str(), m.as_text()),
                22 => Command::r#move(s.as_str(), m.as_text()),
                _ => Command::uid_move(s.as_str(), m.as_text()),
            };
            (cmd, if which % 2 == 1 { uid_spec(sp) } else { sp })
        }
        24 => {
            let s = seq(r);
            (
                Command::uid_expunge(s.as_str()),
                uid_spec(spec(
                    "uid_expunge",
                    "EXPUNGE",
                    vec![Seq(s.into_bytes())],
                    Selected,
                )),
            )
        }
        25 | 26 => {
            let charset = r.bool().then(|| text_string(r));
            let crit = criteria(r);
            let mut args = Vec::new();
            if let Some(c) = &charset {
                args.push(Atom(b"CHARSET".to_vec()));
                args.push(AString(c.clone().into_bytes()));
            }
            args.extend(crit.iter().map(|c| Raw(c.clone().into_bytes())));
            let sp = spec("search", "SEARCH", args, Selected);
            if which == 25 {
                (Command::search(charset.as_deref(), &strs(&crit)), sp)
            } else {
                (
                    Command::uid_search(charset.as_deref(), &strs(&crit)),
                    uid_spec(sp),
                )
            }
        }
        27 | 28 => {
            let (c, cs, crit) = (text_string(r), text_string(r), criteria(r));
            let mut args = vec![
                Paren(c.clone().into_bytes()),
                AString(cs.clone().into_bytes()),
            ];
            args.extend(crit.iter().map(|c| Raw(c.clone().into_bytes())));
            let sp = spec("sort", "SORT", args, Selected);
            if which == 27 {
                (Command::sort(&c, &cs, &strs(&crit)), sp)
            } else {
                (Command::uid_sort(&c, &cs, &strs(&crit)), uid_spec(sp))
            }
        }
        29 | 30 => {
            let (a, cs, crit) = (text_string(r), text_string(r), criteria(r));
            let mut args = vec![
                Atom(a.clone().into_bytes()),
                AString(cs.clone().into_bytes()),
            ];
            args.extend(crit.iter().map(|c| Raw(c.clone().into_bytes())));
            let sp = spec("thread", "THREAD", args, Selected);
            if which == 29 {
                (Command::thread(&a, &cs, &strs(&crit)), sp)
            } else {
                (Command::uid_thread(&a, &cs, &strs(&crit)), uid_spec(sp))
            }
        }
        31 => return build_uid(r),
        32 | 33 => {
            let m = text(r);
            let (ctor, name) = if which == 32 {
                ("getacl", "GETACL")
            } else {
                ("myrights", "MYRIGHTS")
            };
            let cmd = if which == 32 {
                Command::getacl(m.as_text())
            } else {
                Command::myrights(m.as_text())
            };
            (
                cmd,
                spec(ctor, name, vec![m.mailbox(false)], AuthOrSelected),
            )
        }
        34 => {
            let (m, who, what) = (text(r), text(r), text(r));
            (
                Command::setacl(m.as_text(), who.as_text(), what.as_text()),
                spec(
                    "setacl",
                    "SETACL",
                    vec![
                        m.mailbox(false),
                        AString(who.bytes().to_vec()),
                        AString(what.bytes().to_vec()),
                    ],
                    AuthOrSelected,
                ),
            )
        }
        35 => {
            let (m, who) = (text(r), text(r));
            (
                Command::deleteacl(m.as_text(), who.as_text()),
                spec(
                    "deleteacl",
                    "DELETEACL",
                    vec![m.mailbox(false), AString(who.bytes().to_vec())],
                    AuthOrSelected,
                ),
            )
        }
        36 => {
            let root = text(r);
            (
                Command::getquota(root.as_text()),
                spec(
                    "getquota",
                    "GETQUOTA",
                    vec![AString(root.bytes().to_vec())],
                    AuthOrSelected,
                ),
            )
        }
        37 => {
            let m = text(r);
            (
                Command::getquotaroot(m.as_text()),
                spec(
                    "getquotaroot",
                    "GETQUOTAROOT",
                    vec![m.mailbox(false)],
                    AuthOrSelected,
                ),
            )
        }
        38 => {
            let (root, limits) = (text(r), text_string(r));
            (
                Command::setquota(root.as_text(), &limits),
                spec(
                    "setquota",
                    "SETQUOTA",
                    vec![AString(root.bytes().to_vec()), Paren(limits.into_bytes())],
                    AuthOrSelected,
                ),
            )
        }
        39 => {
            let (m, e, a) = (text(r), text_string(r), text_string(r));
            (
                Command::getannotation(m.as_text(), &e, &a),
                spec(
                    "getannotation",
                    "GETANNOTATION",
                    vec![m.mailbox(false), Raw(e.into_bytes()), Raw(a.into_bytes())],
                    AuthOrSelected,
                ),
            )
        }
        40 => {
            let args = criteria(r);
            (
                Command::setannotation(&strs(&args)),
                spec(
                    "setannotation",
                    "SETANNOTATION",
                    args.iter().map(|a| Raw(a.clone().into_bytes())).collect(),
                    AuthOrSelected,
                ),
            )
        }
        41 => {
            let u = text(r);
            (
                Command::proxyauth(u.as_text()),
                spec(
                    "proxyauth",
                    "PROXYAUTH",
                    vec![AString(u.bytes().to_vec())],
                    Auth,
                ),
            )
        }
        42 => {
            let n = r.below(4);
            let fields: Vec<(String, Option<String>)> = (0..n)
                .map(|_| (text_string(r), r.bool().then(|| text_string(r))))
                .collect();
            let borrowed: Vec<(&str, Option<&str>)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_deref()))
                .collect();
            let none = r.bool() && n == 0;
            let arg = if fields.is_empty() {
                Atom(b"NIL".to_vec())
            } else {
                Group(
                    fields
                        .iter()
                        .flat_map(|(k, v)| {
                            [
                                Quoted(k.clone().into_bytes()),
                                match v {
                                    Some(v) => Quoted(v.clone().into_bytes()),
                                    None => Atom(b"NIL".to_vec()),
                                },
                            ]
                        })
                        .collect(),
                )
            };
            let cmd = Command::id(if none { None } else { Some(&borrowed) });
            (cmd, spec("id", "ID", vec![arg], Any))
        }
        _ => {
            let name = text_string(r);
            let args = criteria(r);
            let upper = name.to_ascii_uppercase();
            (
                Command::xatom(&name, &strs(&args)),
                spec(
                    "xatom",
                    // Validated as an atom: the spec's name check covers it.
                    &upper,
                    args.iter().map(|a| Raw(a.clone().into_bytes())).collect(),
                    Any,
                ),
            )
        }
    };
    Built { cmd, spec }
}

/// `Command::uid(command, args)`.
fn build_uid(r: &mut Reader<'_>) -> Built {
    use Arg::*;
    const SUBS: &[&str] = &[
        "COPY", "move", "FETCH", "STORE", "SORT", "THREAD", "EXPUNGE", "SEARCH", "BOGUS", "NOOP",
    ];
    let sub = if r.u8() % 8 == 0 {
        text_string(r)
    } else {
        r.pick(SUBS).to_string()
    };
    let n = r.below(5);
    let args: Vec<OwnedText> = (0..n)
        .map(|i| {
            // Mostly well-formed arguments in the right places.
            if r.bool() {
                match (sub.to_ascii_uppercase().as_str(), i) {
                    ("COPY" | "MOVE" | "FETCH" | "STORE" | "EXPUNGE", 0) => OwnedText::Str(seq(r)),
                    _ => text(r),
                }
            } else {
                text(r)
            }
        })
        .collect();
    let texts: Vec<Text<'_>> = args.iter().map(OwnedText::as_text).collect();
    let cmd = Command::uid(&sub, &texts);
    let upper = sub.to_ascii_uppercase();
    let b = |i: usize| args[i].bytes().to_vec();
    let mut refuse = None;
    let exact = |k: usize, refuse: &mut Option<String>| {
        if n != k {
            *refuse = Some(format!("UID {upper} takes {k} arguments"));
        }
    };
    let known = imaplib_proto::command::allowed_states(&upper).is_some();
    let mut sargs = vec![Atom(upper.clone().into_bytes())];
    let not_utf8 = |i: usize| i < n && std::str::from_utf8(args[i].bytes()).is_err();
    if !known {
        refuse = Some("unknown UID command".into());
    } else {
        match upper.as_str() {
            "COPY" | "MOVE" => {
                exact(2, &mut refuse);
                if refuse.is_none() {
                    sargs.extend([Seq(b(0)), args[1].mailbox(false)]);
                }
            }
            "FETCH" => {
                exact(2, &mut refuse);
                if refuse.is_none() {
                    if not_utf8(1) {
                        refuse = Some("not UTF-8".into());
                    }
                    sargs.extend([Seq(b(0)), FetchParts(b(1))]);
                }
            }
            "STORE" => {
                exact(3, &mut refuse);
                if refuse.is_none() {
                    if not_utf8(1) || not_utf8(2) {
                        refuse = Some("not UTF-8".into());
                    }
                    sargs.extend([Seq(b(0)), Raw(b(1)), Paren(b(2))]);
                }
            }
            "SORT" | "THREAD" => {
                if n < 2 {
                    refuse = Some("missing argument".into());
                } else {
                    if (0..n).any(not_utf8) {
                        refuse = Some("not UTF-8".into());
                    }
                    sargs.push(if upper == "SORT" {
                        Paren(b(0))
                    } else {
                        Atom(b(0))
                    });
                    sargs.push(AString(b(1)));
                    sargs.extend((2..n).map(|i| Raw(b(i))));
                }
            }
            "EXPUNGE" => {
                exact(1, &mut refuse);
                if refuse.is_none() {
                    sargs.push(Seq(b(0)));
                }
            }
            _ => sargs.extend((0..n).map(|i| Raw(b(i)))),
        }
    }
    Built {
        cmd,
        spec: Spec {
            ctor: "uid",
            name: b"UID".to_vec(),
            args: sargs,
            refuse,
            state: Need::Selected,
        },
    }
}

/// Commands without arguments, for the session target.
pub fn simple(r: &mut Reader<'_>) -> Command {
    match r.u8() % 12 {
        0 => Command::capability(),
        1 => Command::noop(),
        2 => Command::check(),
        3 => Command::logout(),
        4 => Command::starttls(),
        5 => Command::unselect(),
        6 => Command::close(),
        7 => Command::expunge(),
        8 => Command::namespace(),
        9 => Command::recent(),
        10 => Command::idle(),
        _ => Command::compress(),
    }
}
