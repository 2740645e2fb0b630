//! Typed views checked against Dovecot (issue 6, "Checked against Dovecot").
//!
//! A generated mailbox ([`mailgen::mailbox`]: multiparts, attachments, 8-bit headers,
//! encoded words, nested `message/rfc822`, malformed MIME, threads…) is appended for a
//! fresh user over Dovecot's stdio IMAP (not the client under test), together with a few
//! mailboxes with modified UTF-7 names. Then, through [`Client`] on plain TCP:
//!
//! * every item of `FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE
//!   BODY)` parses, without any quirk, and agrees with `doveadm fetch` (whose
//!   `imap.envelope`, `imap.bodystructure` and `imap.body` strings are parsed by the same
//!   parser), with the flags and dates the messages were appended with, and with the length of
//!   `BODY.PEEK[]`;
//! * every envelope agrees with the header bytes (`BODY.PEEK[HEADER]`, read back by
//!   [`HeaderFields`] with Dovecot's unfolding rules) and with the generator's addresses;
//! * every BODYSTRUCTURE agrees with the parts Dovecot serves (`BODY.PEEK[n.m]`: sizes,
//!   lines, bytes; `BODY.PEEK[n.HEADER]` for nested envelopes) and with the tree the
//!   generator built (types, parameters, encodings, dispositions, languages, locations);
//! * LIST, STATUS, SEARCH and THREAD views agree with the imaplib-shaped lines, with SELECT,
//!   with `doveadm`, and with what was created.
//!
//! Everything is read-only after the fixture is built (EXAMINE, `BODY.PEEK`), so the tests
//! share one user and run in parallel.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use imaplib_blocking::proto::chrono::{DateTime, Local};
use imaplib_blocking::proto::parse::{
    self, Address, Body, Envelope, Fetch, FetchItem, NString, Params, Specific, Str, Threads,
};
use imaplib_blocking::{Client, Item, Reply};
use imaplib_integration_tests::dovecot::{dovecot, UserAccount};
use imaplib_integration_tests::mailgen::{
    self, Addr, Addresses, Content, Generated, Message, Part, PartInfo,
};

type Bytes = Vec<u8>;

// =============================================================================================
// Fixture
// =============================================================================================

/// The mailboxes besides INBOX: display name, the modified UTF-7 form written by hand (not
/// by the code under test), and how many notes they hold.
const FOLDERS: [(&str, &str, usize); 10] = [
    ("Entwürfe", "Entw&APw-rfe", 3),
    ("Entwürfe/Unterordner", "Entw&APw-rfe/Unterordner", 1),
    ("日本語", "&ZeVnLIqe-", 2),
    ("Tom & Jerry", "Tom &- Jerry", 0),
    ("A&B", "A&-B", 4),
    (
        "Reisekosten 2025 – März",
        "Reisekosten 2025 &IBM- M&AOQ-rz",
        1,
    ),
    ("Ünïcødé & Co", "&ANw-n&AO8-c&APg-d&AOk- &- Co", 1),
    ("Say \"hi\"", "Say \"hi\"", 1),
    ("Back\\slash", "Back\\slash", 1),
    ("Archive", "Archive", 2),
];

/// The shared, read-only mail of this test process.
struct Fixture {
    user: UserAccount,
    /// INBOX, in append order (message `k` has sequence number `k + 1`).
    inbox: Vec<Generated>,
    /// The UIDs Dovecot gave the INBOX messages (APPENDUID).
    uids: Vec<u32>,
    /// The notes of each entry of [`FOLDERS`].
    notes: Vec<Vec<Generated>>,
}

/// Builds the fixture once: a fresh user, folders created through the client under test,
/// then every message appended with its flags and internal date in one stdio IMAP session.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let d = dovecot();
        let user = d.new_user();
        let mut m = login(&user);
        for (name, ..) in FOLDERS {
            let r = m.create(name).unwrap();
            assert_eq!(r.typ, "OK", "CREATE {name:?}: {r:?}");
        }
        let _ = m.logout().unwrap();

        let inbox = mailgen::mailbox();
        let notes: Vec<Vec<Generated>> = FOLDERS
            .iter()
            .enumerate()
            .map(|(k, (_, _, count))| mailgen::notes(*count, 3 * k))
            .collect();
        let mut commands: Vec<Bytes> = inbox.iter().map(|g| append_command("INBOX", g)).collect();
        for ((_, wire, _), list) in FOLDERS.iter().zip(&notes) {
            commands.extend(list.iter().map(|g| append_command(wire, g)));
        }
        let commands: Vec<&[u8]> = commands.iter().map(Vec::as_slice).collect();
        let transcript = d.imap_as(&user.name, &commands);
        let mut uids = appended_uids(&transcript);
        assert_eq!(uids.len(), commands.len(), "{transcript}");
        uids.truncate(inbox.len());
        Fixture {
            user,
            inbox,
            uids,
            notes,
        }
    })
}

/// Logs in as `user` over plain TCP with the client under test.
fn login(user: &UserAccount) -> Client {
    let d = dovecot();
    let mut m = Client::connect(d.host(), d.plain_port()).unwrap();
    let _ = m.login(user.name.as_str(), user.password.as_str()).unwrap();
    m
}

/// Logs in as the fixture's user and EXAMINEs INBOX.
fn examine_inbox() -> Client {
    let mut m = login(&fixture().user);
    let r = m.select("INBOX", true).unwrap();
    assert_eq!(r.typ, "OK");
    m
}

/// `APPEND {n+}mailbox (flags) "date" {n+}message`: LITERAL+ literals, no quoting rules.
fn append_command(mailbox: &str, g: &Generated) -> Bytes {
    let bytes = g.bytes();
    let mut c = format!("APPEND {{{}+}}\r\n{mailbox}", mailbox.len()).into_bytes();
    c.extend_from_slice(
        format!(
            " ({}) \"{}\" {{{}+}}\r\n",
            g.flags.join(" "),
            g.internal_date,
            bytes.len()
        )
        .as_bytes(),
    );
    c.extend_from_slice(&bytes);
    c
}

/// The UIDs of the `[APPENDUID validity uid]` codes of a transcript, in order.
fn appended_uids(transcript: &str) -> Vec<u32> {
    transcript
        .lines()
        .filter_map(|l| {
            let rest = &l[l.find("[APPENDUID ")? + "[APPENDUID ".len()..];
            rest.split([' ', ']']).nth(1)?.parse().ok()
        })
        .collect()
}

/// Runs `doveadm` against the test server and returns its standard output; panics on failure.
fn doveadm(args: &[&str]) -> Bytes {
    let o = dovecot().doveadm(args);
    assert!(
        o.status.success(),
        "doveadm {args:?}: {}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

// =============================================================================================
// Owned, comparable forms of the typed views
// =============================================================================================

/// An [`Envelope`] with owned values (escapes removed; the wire form forgotten).
#[derive(Clone, Default, PartialEq, Eq)]
struct Env {
    date: Option<Bytes>,
    subject: Option<Bytes>,
    from: Vec<Addr>,
    sender: Vec<Addr>,
    reply_to: Vec<Addr>,
    to: Vec<Addr>,
    cc: Vec<Addr>,
    bcc: Vec<Addr>,
    in_reply_to: Option<Bytes>,
    message_id: Option<Bytes>,
}

/// Extension data of a body part, owned.
#[derive(Clone, Default, PartialEq, Eq)]
struct Ext {
    md5: Option<Bytes>,
    disposition: Option<(Bytes, OwnedParams)>,
    language: Vec<Bytes>,
    location: Option<Bytes>,
    /// How many extension fields were present.
    fields: usize,
}

type OwnedParams = Vec<(Bytes, Option<Bytes>)>;

/// A [`Body`] with owned values.
#[derive(Clone, PartialEq, Eq)]
enum Tree {
    Multi {
        subtype: Bytes,
        parts: Vec<Tree>,
        params: OwnedParams,
        ext: Ext,
    },
    Single {
        media_type: Option<Bytes>,
        subtype: Option<Bytes>,
        params: OwnedParams,
        id: Option<Bytes>,
        description: Option<Bytes>,
        encoding: Option<Bytes>,
        octets: u64,
        /// TEXT and MESSAGE/RFC822 parts only.
        lines: Option<u64>,
        /// MESSAGE/RFC822 only.
        message: Option<(Box<Env>, Box<Tree>)>,
        ext: Ext,
    },
}

/// Bytes shown as an escaped string in failure messages.
struct Show<'b>(&'b [u8]);

impl std::fmt::Debug for Show<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"", self.0.escape_ascii())
    }
}

fn show(v: &Option<Bytes>) -> Option<Show<'_>> {
    v.as_deref().map(Show)
}

fn show_params(p: &OwnedParams) -> Vec<(Show<'_>, Option<Show<'_>>)> {
    p.iter().map(|(k, v)| (Show(k), show(v))).collect()
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("date", &show(&self.date))
            .field("subject", &show(&self.subject))
            .field("from", &self.from)
            .field("sender", &self.sender)
            .field("reply_to", &self.reply_to)
            .field("to", &self.to)
            .field("cc", &self.cc)
            .field("bcc", &self.bcc)
            .field("in_reply_to", &show(&self.in_reply_to))
            .field("message_id", &show(&self.message_id))
            .finish()
    }
}

impl std::fmt::Debug for Ext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let disposition = self
            .disposition
            .as_ref()
            .map(|(k, p)| (Show(k), show_params(p)));
        let language: Vec<Show<'_>> = self.language.iter().map(|l| Show(l)).collect();
        f.debug_struct("Ext")
            .field("md5", &show(&self.md5))
            .field("disposition", &disposition)
            .field("language", &language)
            .field("location", &show(&self.location))
            .field("fields", &self.fields)
            .finish()
    }
}

impl std::fmt::Debug for Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tree::Multi {
                subtype,
                parts,
                params,
                ext,
            } => f
                .debug_struct("Multi")
                .field("subtype", &Show(subtype))
                .field("params", &show_params(params))
                .field("ext", ext)
                .field("parts", parts)
                .finish(),
            Tree::Single {
                media_type,
                subtype,
                params,
                id,
                description,
                encoding,
                octets,
                lines,
                message,
                ext,
            } => f
                .debug_struct("Single")
                .field("type", &show(media_type))
                .field("subtype", &show(subtype))
                .field("params", &show_params(params))
                .field("id", &show(id))
                .field("description", &show(description))
                .field("encoding", &show(encoding))
                .field("octets", octets)
                .field("lines", lines)
                .field("ext", ext)
                .field("message", message)
                .finish(),
        }
    }
}

fn s(v: &Str<'_>) -> Bytes {
    v.bytes().into_owned()
}

fn ns(v: &NString<'_>) -> Option<Bytes> {
    v.as_ref().map(s)
}

fn own_params(p: &Params<'_>) -> OwnedParams {
    p.iter().map(|(k, v)| (s(k), ns(v))).collect()
}

fn own_addrs(list: &[Address<'_>]) -> Vec<Addr> {
    list.iter()
        .map(|a| Addr {
            name: ns(&a.name),
            adl: ns(&a.adl),
            mailbox: ns(&a.mailbox),
            host: ns(&a.host),
        })
        .collect()
}

/// The owned form of an envelope.
fn own_env(e: &Envelope<'_>) -> Env {
    Env {
        date: ns(&e.date),
        subject: ns(&e.subject),
        from: own_addrs(&e.from),
        sender: own_addrs(&e.sender),
        reply_to: own_addrs(&e.reply_to),
        to: own_addrs(&e.to),
        cc: own_addrs(&e.cc),
        bcc: own_addrs(&e.bcc),
        in_reply_to: ns(&e.in_reply_to),
        message_id: ns(&e.message_id),
    }
}

fn own_ext(e: &parse::Extension<'_>) -> Ext {
    assert!(
        e.extensions.is_empty(),
        "Dovecot sends no further extensions"
    );
    Ext {
        md5: ns(&e.md5),
        disposition: e
            .disposition
            .as_ref()
            .map(|d| (s(&d.kind), own_params(&d.params))),
        language: e.language.iter().map(s).collect(),
        location: ns(&e.location),
        fields: e.fields,
    }
}

/// The owned form of a body structure.
fn own_body(b: &Body<'_>) -> Tree {
    match b {
        Body::Multi(m) => Tree::Multi {
            subtype: s(&m.subtype),
            parts: m.parts.iter().map(own_body).collect(),
            params: own_params(&m.ext.params),
            ext: own_ext(&m.ext),
        },
        Body::Single(p) => {
            let (lines, message) = match &p.specific {
                Specific::Basic => (None, None),
                Specific::Text { lines } => (Some(*lines), None),
                Specific::Message {
                    envelope,
                    body,
                    lines,
                } => (
                    Some(*lines),
                    Some((Box::new(own_env(envelope)), Box::new(own_body(body)))),
                ),
            };
            Tree::Single {
                media_type: ns(&p.media_type),
                subtype: ns(&p.media_subtype),
                params: own_params(&p.params),
                id: ns(&p.id),
                description: ns(&p.description),
                encoding: ns(&p.encoding),
                octets: p.octets,
                lines,
                message,
                ext: own_ext(&p.ext),
            }
        }
    }
}

/// What BODY (non-extensible) should be: the BODYSTRUCTURE without extension data.
fn without_ext(t: &Tree) -> Tree {
    match t {
        Tree::Multi { subtype, parts, .. } => Tree::Multi {
            subtype: subtype.clone(),
            parts: parts.iter().map(without_ext).collect(),
            params: Vec::new(),
            ext: Ext::default(),
        },
        Tree::Single {
            message, ext: _, ..
        } => {
            let mut t = t.clone();
            if let Tree::Single {
                message: m, ext, ..
            } = &mut t
            {
                *ext = Ext::default();
                *m = message
                    .as_ref()
                    .map(|(e, b)| (e.clone(), Box::new(without_ext(b))));
            }
            t
        }
    }
}

/// Every non-multipart part of a body structure with its IMAP part number (RFC 3501
/// §6.4.5): the parts of a multipart are numbered 1, 2, … below the multipart's own number;
/// a non-multipart message body is part 1; the body of a `message/rfc822` part `n` is `n.1`
/// when it is not a multipart, and its parts are `n.1`, `n.2`, … when it is.
fn imap_parts(t: &Tree) -> Vec<(Vec<u32>, &Tree)> {
    fn visit<'t>(t: &'t Tree, prefix: Vec<u32>, out: &mut Vec<(Vec<u32>, &'t Tree)>) {
        match t {
            Tree::Multi { parts, .. } => {
                for (i, p) in parts.iter().enumerate() {
                    visit(p, [prefix.as_slice(), &[i as u32 + 1]].concat(), out);
                }
            }
            Tree::Single { message, .. } => {
                let me = if prefix.is_empty() { vec![1] } else { prefix };
                out.push((me.clone(), t));
                if let Some((_, inner)) = message {
                    match **inner {
                        Tree::Multi { .. } => visit(inner, me, out),
                        Tree::Single { .. } => visit(inner, [me.as_slice(), &[1]].concat(), out),
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    visit(t, Vec::new(), &mut out);
    out
}

/// `1.2.3`
fn dotted(n: &[u32]) -> String {
    n.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
}

fn count_lf(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

// =============================================================================================
// doveadm output and imaplib-shaped replies
// =============================================================================================

/// Splits `doveadm fetch` output (the default `pager` formatter: `field: value` lines,
/// records separated by a form feed line) into records of `(field, value)`. Values may hold
/// IMAP literals (`{n}\r\n` and `n` bytes, which may contain line breaks): they are skipped
/// by length, so a value ends at the first line break outside a literal.
fn pager_records(out: &[u8]) -> Vec<Vec<(String, Bytes)>> {
    let mut records = vec![Vec::new()];
    let mut i = 0;
    while i < out.len() {
        if out[i..].starts_with(b"\x0c\n") {
            records.push(Vec::new());
            i += 2;
            continue;
        }
        let colon = i + out[i..]
            .iter()
            .position(|&b| b == b':')
            .expect("a field name");
        let key = String::from_utf8_lossy(&out[i..colon]).into_owned();
        let start = if out.get(colon + 1) == Some(&b' ') {
            colon + 2
        } else {
            colon + 1
        };
        let mut j = start;
        loop {
            let nl = out[j..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(out.len(), |p| j + p);
            match literal_before(&out[start..nl]) {
                Some(n) => j = nl + 1 + n,
                None => {
                    records
                        .last_mut()
                        .unwrap()
                        .push((key, out[start..nl].to_vec()));
                    i = nl + 1;
                    break;
                }
            }
        }
    }
    records.retain(|r| !r.is_empty());
    records
}

/// `n` if `text` ends with a literal marker `{n}\r`.
fn literal_before(text: &[u8]) -> Option<usize> {
    let text = text.strip_suffix(b"}\r")?;
    let open = text.iter().rposition(|&b| b == b'{')?;
    let digits = &text[open + 1..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// imaplib's shape of one response given as wire bytes (without the final CRLF): one
/// `(header, literal)` pair per `{n}\r\n` literal, then the rest of the line.
fn imaplib_items(wire: &[u8]) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + 2 < wire.len() {
        if &wire[i..i + 3] == b"}\r\n" {
            if let Some(n) = literal_before(&wire[start..i + 2]) {
                let head = wire[start..=i].to_vec();
                let data = wire[i + 3..i + 3 + n].to_vec();
                items.push(Item::Literal(head, data.into()));
                i += 3 + n;
                start = i;
                continue;
            }
        }
        i += 1;
    }
    items.push(Item::Line(wire[start..].to_vec()));
    items
}

/// The lines of a reply (its `Line` items).
fn lines(r: &Reply) -> Vec<&[u8]> {
    r.data.iter().filter_map(Item::as_line).collect()
}

/// The bytes of `BODY[section]` in a FETCH response; panics if it is missing or NIL.
fn section_bytes(f: &Fetch<'_>, section: &str) -> Bytes {
    let data = f
        .section(section)
        .unwrap_or_else(|| panic!("no BODY[{section}]"));
    data.unwrap_or_else(|| panic!("BODY[{section}] is NIL"))
        .bytes()
        .into_owned()
}

/// All FETCH responses of a reply, parsed; panics on any parse error or quirk.
fn parse_fetches(r: &Reply) -> Vec<Fetch<'_>> {
    let mut view = parse::fetches(r);
    let all: Vec<Fetch<'_>> = view
        .by_ref()
        .enumerate()
        .map(|(k, f)| f.unwrap_or_else(|e| panic!("FETCH response {k} does not parse: {e}")))
        .collect();
    assert!(
        view.quirks().is_empty(),
        "quirks fired: {:?}",
        view.quirks()
    );
    all
}

// =============================================================================================
// Header oracle
// =============================================================================================

/// The fields of a header block as `(name, value)`, the value being everything after the
/// colon with folds kept, minus the white space Dovecot's header parser puts into the
/// "middle" (all SP/TAB after the colon; only one when the first line holds nothing else).
struct HeaderFields(Vec<(Bytes, Bytes)>);

impl HeaderFields {
    fn parse(header: &[u8]) -> HeaderFields {
        let mut fields: Vec<(Bytes, Bytes)> = Vec::new();
        for line in header.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                break;
            }
            if matches!(line[0], b' ' | b'\t') {
                let last = fields.last_mut().expect("a continuation after a field");
                last.1.extend_from_slice(b"\r\n");
                last.1.extend_from_slice(line);
                continue;
            }
            let colon = line.iter().position(|&b| b == b':').expect("a colon");
            let raw = &line[colon + 1..];
            let ws = raw.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
            let skip = if ws == raw.len() { ws.min(1) } else { ws };
            fields.push((line[..colon].to_vec(), raw[skip..].to_vec()));
        }
        HeaderFields(fields)
    }

    /// The last field called `name` (Dovecot's envelope keeps the last of duplicates).
    fn last(&self, name: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.as_slice())
    }
}

/// Dovecot's `imap_append_string_for_humans` (ENVELOPE subject and display names): every run
/// of SP, TAB, CR, LF becomes one space; leading and trailing white space goes; NUL
/// becomes 0x80.
fn for_humans(v: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(v.len());
    let mut space = false;
    for &b in v {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => space = true,
            _ => {
                if space && !out.is_empty() {
                    out.push(b' ');
                }
                space = false;
                out.push(if b == 0 { 0x80 } else { b });
            }
        }
    }
    out
}

/// Dovecot's `imap_append_nstring_nolf` (ENVELOPE date, in-reply-to, message-id): CR and LF
/// are dropped; a space is put in where a line break is followed by something other than
/// white space.
fn nolf(v: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(v.len());
    for (i, &b) in v.iter().enumerate() {
        if b != b'\r' && b != b'\n' {
            out.push(b);
        } else if !matches!(v.get(i + 1), None | Some(b' ' | b'\t' | b'\r' | b'\n' | 0)) {
            out.push(b' ');
        }
    }
    out
}

/// The envelope Dovecot should send for a header block and the addresses the generator
/// wrote: strings from the header bytes, address lists from the generator, Sender and
/// Reply-To defaulting to From.
fn expected_env(header: &[u8], a: &Addresses) -> Env {
    let h = HeaderFields::parse(header);
    let or_from = |l: &Vec<Addr>| {
        if l.is_empty() {
            a.from.clone()
        } else {
            l.clone()
        }
    };
    Env {
        date: h.last("Date").map(nolf),
        subject: h.last("Subject").map(for_humans),
        from: a.from.clone(),
        sender: or_from(&a.sender),
        reply_to: or_from(&a.reply_to),
        to: a.to.clone(),
        cc: a.cc.clone(),
        bcc: a.bcc.clone(),
        in_reply_to: h.last("In-Reply-To").map(nolf),
        message_id: h.last("Message-ID").map(nolf),
    }
}

/// The header block of a generated message as appended (CRLF), with the empty line.
fn generated_header(m: &Message) -> Bytes {
    [m.header.as_slice(), &m.body.mime_header(), b"\r\n"].concat()
}

// =============================================================================================
// FETCH items vs doveadm, the appended metadata and BODY[]
// =============================================================================================

const FETCH_ITEMS: &str = "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY)";

/// Flags without `\Recent` (which depends on who looked first), as a set of strings.
fn flag_set<'f>(flags: impl IntoIterator<Item = &'f [u8]>) -> BTreeSet<String> {
    flags
        .into_iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .filter(|f| !f.eq_ignore_ascii_case("\\Recent"))
        .collect()
}

/// The BODYSTRUCTURE (`extensible`) or the BODY item of a FETCH response, owned.
fn structure_item(f: &Fetch<'_>, extensible: bool) -> Tree {
    f.items
        .iter()
        .find_map(|i| match i {
            FetchItem::BodyStructure(b) if extensible => Some(own_body(b)),
            FetchItem::Body(b) if !extensible => Some(own_body(b)),
            _ => None,
        })
        .expect("the body structure item")
}

#[test]
fn every_fetch_item_parses_and_agrees_with_doveadm() {
    let fx = fixture();
    let mut m = examine_inbox();
    let reply = m.fetch("1:*", FETCH_ITEMS).unwrap();
    assert_eq!(reply.typ, "OK");
    let fetches = parse_fetches(&reply);
    assert_eq!(fetches.len(), fx.inbox.len());
    let whole = m.fetch("1:*", "(BODY.PEEK[])").unwrap();
    let whole = parse_fetches(&whole);

    let out = doveadm(&[
        "fetch",
        "-u",
        &fx.user.name,
        "seq uid flags date.received date.sent size.physical size.virtual imap.envelope \
         imap.bodystructure imap.body",
        "mailbox",
        "INBOX",
    ]);
    let records = pager_records(&out);
    assert_eq!(records.len(), fx.inbox.len());

    for (k, f) in fetches.iter().enumerate() {
        let g = &fx.inbox[k];
        let ctx = format!("message {} ({})", k + 1, g.name);
        assert_eq!(f.seq as usize, k + 1, "{ctx}");
        // Every requested item is there, once, in a typed form.
        let kinds: Vec<&str> = f
            .items
            .iter()
            .map(|i| match i {
                FetchItem::Uid(_) => "UID",
                FetchItem::Flags(_) => "FLAGS",
                FetchItem::InternalDate(_) => "INTERNALDATE",
                FetchItem::Rfc822Size(_) => "RFC822.SIZE",
                FetchItem::Envelope(_) => "ENVELOPE",
                FetchItem::BodyStructure(_) => "BODYSTRUCTURE",
                FetchItem::Body(_) => "BODY",
                other => panic!("{ctx}: unexpected item {other:?}"),
            })
            .collect();
        let distinct: BTreeSet<&str> = kinds.iter().copied().collect();
        assert_eq!((kinds.len(), distinct.len()), (7, 7), "{ctx}: {kinds:?}");

        let uid = f.uid().unwrap();
        let flags = flag_set(f.flags().unwrap().iter().map(|f| f.as_bytes()));
        let date = f.internal_date().unwrap();
        let size = f
            .items
            .iter()
            .find_map(|i| match i {
                FetchItem::Rfc822Size(n) => Some(*n),
                _ => None,
            })
            .unwrap();
        let env = own_env(f.envelope().unwrap());
        let bs = structure_item(f, true);
        let body = structure_item(f, false);

        // What the message was appended with.
        assert_eq!(uid, fx.uids[k], "{ctx}: UID");
        assert_eq!(
            flags,
            g.flags.iter().map(|f| f.to_string()).collect(),
            "{ctx}: FLAGS"
        );
        assert_eq!(
            Some(date.timestamp()),
            mailgen::imap_date_to_unix(&g.internal_date),
            "{ctx}: INTERNALDATE {date} vs appended {}",
            g.internal_date
        );
        // RFC822.SIZE is the length of BODY[] (CRLF line endings, even for the LF-only one).
        let full = section_bytes(&whole[k], "");
        assert_eq!(size, full.len() as u64, "{ctx}: RFC822.SIZE vs BODY[]");
        let expected_bytes = g.message.render();
        assert_eq!(full, expected_bytes, "{ctx}: BODY[] vs the generated bytes");
        // BODY is BODYSTRUCTURE without the extension data.
        assert_eq!(body, without_ext(&bs), "{ctx}: BODY vs BODYSTRUCTURE");

        // doveadm's view of the same message.
        let rec: BTreeMap<&str, &[u8]> = records[k]
            .iter()
            .map(|(key, v)| (key.as_str(), v.as_slice()))
            .collect();
        let num = |key: &str| -> u64 { String::from_utf8_lossy(rec[key]).trim().parse().unwrap() };
        assert_eq!(num("seq"), k as u64 + 1, "{ctx}");
        assert_eq!(num("uid"), u64::from(uid), "{ctx}: doveadm uid");
        let dflags = flag_set(rec["flags"].split(|&b| b == b' ').filter(|f| !f.is_empty()));
        assert_eq!(dflags, flags, "{ctx}: doveadm flags");
        // doveadm prints dates in its local zone (that of this process, which runs it).
        assert_eq!(
            String::from_utf8_lossy(rec["date.received"]),
            date.with_timezone(&Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            "{ctx}: doveadm date.received"
        );
        // date.sent is Dovecot's reading of the Date header: the instant in the local zone,
        // the header's zone in parentheses; the epoch when there is no usable Date.
        // Envelope::parsed_date must read the same.
        let sent = f.envelope().unwrap().parsed_date();
        let want_sent = match sent {
            Some(d) => format!(
                "{} ({})",
                d.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S"),
                d.format("%z")
            ),
            None => format!(
                "{} (+0000)",
                DateTime::from_timestamp(0, 0)
                    .unwrap()
                    .with_timezone(&Local)
                    .format("%Y-%m-%d %H:%M:%S")
            ),
        };
        assert_eq!(
            String::from_utf8_lossy(rec["date.sent"]),
            want_sent,
            "{ctx}: doveadm date.sent vs Envelope::parsed_date"
        );
        assert_eq!(num("size.virtual"), size, "{ctx}: doveadm size.virtual");
        // Maildir stores LF line endings: the physical size counts no CR.
        let crs = full.iter().filter(|&&b| b == b'\r').count() as u64;
        assert_eq!(
            num("size.physical"),
            size - crs,
            "{ctx}: doveadm size.physical"
        );

        let mut wire = format!("{} (UID {uid} ENVELOPE (", k + 1).into_bytes();
        wire.extend_from_slice(rec["imap.envelope"]);
        wire.extend_from_slice(b") BODYSTRUCTURE (");
        wire.extend_from_slice(rec["imap.bodystructure"]);
        wire.extend_from_slice(b") BODY (");
        wire.extend_from_slice(rec["imap.body"]);
        wire.extend_from_slice(b"))");
        let dreply = Reply::new("OK", imaplib_items(&wire));
        let dfetch = parse_fetches(&dreply);
        let [df] = dfetch.as_slice() else {
            panic!("{ctx}: one FETCH from doveadm's strings")
        };
        assert_eq!(
            own_env(df.envelope().unwrap()),
            env,
            "{ctx}: doveadm envelope"
        );
        assert_eq!(structure_item(df, true), bs, "{ctx}: doveadm bodystructure");
        assert_eq!(structure_item(df, false), body, "{ctx}: doveadm body");
    }
}

// =============================================================================================
// Envelopes vs header bytes
// =============================================================================================

#[test]
fn envelopes_agree_with_header_bytes() {
    let fx = fixture();
    let mut m = examine_inbox();
    let reply = m.fetch("1:*", "(ENVELOPE BODY.PEEK[HEADER])").unwrap();
    let fetches = parse_fetches(&reply);
    assert_eq!(fetches.len(), fx.inbox.len());
    for (k, f) in fetches.iter().enumerate() {
        let g = &fx.inbox[k];
        let ctx = format!("message {} ({})", k + 1, g.name);
        let header = section_bytes(f, "HEADER");
        assert_eq!(
            header,
            generated_header(&g.message),
            "{ctx}: BODY[HEADER] vs the generated header"
        );
        let got = own_env(f.envelope().unwrap());
        let want = expected_env(&header, &g.message.addresses);
        assert_eq!(got, want, "{ctx}: ENVELOPE vs header bytes");
        // The group view of the address lists gives back the groups written.
        for list in [&f.envelope().unwrap().to, &f.envelope().unwrap().cc] {
            let starts = list.iter().filter(|a| a.is_group_start()).count();
            let groups = parse::grouped(list)
                .filter(|e| matches!(e, parse::AddressEntry::Group { .. }))
                .count();
            assert_eq!(starts, groups, "{ctx}");
        }
    }
    // A few values spelled out, so that the oracle itself is checked.
    let env_of = |name: &str| {
        let k = fx.inbox.iter().position(|g| g.name == name).unwrap();
        own_env(fetches[k].envelope().unwrap())
    };
    assert_eq!(
        env_of("whitespace-subject").subject.unwrap(),
        b"lead tabs two three four"
    );
    assert_eq!(
        env_of("latin1-raw-headers").subject.unwrap(),
        b"R\xe9sum\xe9 de la r\xe9union"
    );
    assert_eq!(
        env_of("literal-subject").subject.unwrap(),
        b"He said \"hi\" \\ and left"
    );
    assert_eq!(
        env_of("duplicate-subject").subject.unwrap(),
        b"second subject"
    );
    assert_eq!(env_of("missing-headers"), Env::default());
    let groups = env_of("groups");
    assert_eq!(groups.to[0].mailbox.as_deref(), Some(&b"Team"[..]));
}

// =============================================================================================
// BODYSTRUCTURE vs the parts Dovecot serves and the generated tree
// =============================================================================================

/// Fetches `BODY.PEEK[n]` for every non-multipart part of `tree` and `BODY.PEEK[n.HEADER]`
/// for every `message/rfc822` part of message `seq`; returns section text → bytes.
fn fetch_sections(m: &mut Client, seq: usize, tree: &Tree) -> BTreeMap<String, Bytes> {
    let mut items = Vec::new();
    for (num, part) in imap_parts(tree) {
        items.push(format!("BODY.PEEK[{}]", dotted(&num)));
        if let Tree::Single {
            message: Some(_), ..
        } = part
        {
            items.push(format!("BODY.PEEK[{}.HEADER]", dotted(&num)));
        }
    }
    let reply = m
        .fetch(seq.to_string().as_str(), &format!("({})", items.join(" ")))
        .unwrap();
    let fetches = parse_fetches(&reply);
    let mut out = BTreeMap::new();
    for f in &fetches {
        for item in &f.items {
            if let FetchItem::BodySection { section, data, .. } = item {
                let key = String::from_utf8_lossy(section.raw).into_owned();
                out.insert(
                    key,
                    data.map(|d| d.bytes().into_owned()).unwrap_or_default(),
                );
            }
        }
    }
    assert_eq!(out.len(), items.len(), "message {seq}: {:?}", out.keys());
    out
}

/// Checks a body structure against the parts Dovecot serves: the size of every part is the
/// length of `BODY[n]`, text and message parts have as many lines as `BODY[n]` has LFs, and
/// a nested message's envelope agrees with its `BODY[n.HEADER]`.
fn check_against_sections(tree: &Tree, sections: &BTreeMap<String, Bytes>, ctx: &str) {
    for (num, part) in imap_parts(tree) {
        let n = dotted(&num);
        let Tree::Single {
            octets,
            lines,
            message,
            ..
        } = part
        else {
            unreachable!()
        };
        let data = &sections[&n];
        assert_eq!(*octets, data.len() as u64, "{ctx}: size of part {n}");
        if let Some(lines) = lines {
            assert_eq!(*lines, count_lf(data), "{ctx}: lines of part {n}");
        }
        if let Some((env, _)) = message {
            let header = &sections[&format!("{n}.HEADER")];
            assert!(data.starts_with(header), "{ctx}: {n}.HEADER starts {n}");
            let h = HeaderFields::parse(header);
            assert_eq!(
                env.subject,
                h.last("Subject").map(for_humans),
                "{ctx}: subject of message part {n}"
            );
            assert_eq!(env.message_id, h.last("Message-ID").map(nolf), "{ctx}: {n}");
            assert_eq!(env.date, h.last("Date").map(nolf), "{ctx}: {n}");
            assert_eq!(
                env.in_reply_to,
                h.last("In-Reply-To").map(nolf),
                "{ctx}: {n}"
            );
        }
    }
}

fn b(v: &str) -> Bytes {
    v.as_bytes().to_vec()
}

fn owned_pairs(p: &[(String, String)]) -> OwnedParams {
    p.iter().map(|(k, v)| (b(k), Some(b(v)))).collect()
}

/// The extension data the generator expects for a part.
fn expected_ext(i: &PartInfo) -> Ext {
    Ext {
        md5: i.md5.as_deref().map(b),
        disposition: i
            .disposition
            .as_ref()
            .map(|(kind, p)| (b(kind), owned_pairs(p))),
        language: i.language.iter().map(|l| b(l)).collect(),
        location: i.location.as_deref().map(b),
        // Dovecot always sends every standard extension field.
        fields: 4,
    }
}

/// The part Dovecot makes up for a multipart without any body part.
fn empty_text_part() -> Tree {
    Tree::Single {
        media_type: Some(b("text")),
        subtype: Some(b("plain")),
        params: vec![(b("charset"), Some(b("us-ascii")))],
        id: None,
        description: None,
        encoding: Some(b("7bit")),
        octets: 0,
        lines: Some(0),
        message: None,
        ext: Ext {
            fields: 4,
            ..Ext::default()
        },
    }
}

/// Checks Dovecot's body structure `got` (part number `num`) against the generated part:
/// same shape, the fields the generator wrote (with Dovecot's defaults), sizes and lines of
/// the generated bytes, the bytes Dovecot serves for each part, and the nested envelopes.
fn check_against_generated(
    gen: &Part,
    got: &Tree,
    num: &[u32],
    sections: &BTreeMap<String, Bytes>,
    ctx: &str,
) {
    let want = gen.expected();
    let here = if num.is_empty() {
        vec![1]
    } else {
        num.to_vec()
    };
    let n = dotted(&here);
    match (&gen.content, got) {
        (
            Content::Multi { parts: gparts, .. },
            Tree::Multi {
                subtype,
                parts,
                params,
                ext,
            },
        ) => {
            assert!(want.media_type.eq_ignore_ascii_case("multipart"), "{ctx}");
            assert_eq!(
                subtype,
                &b(&want.subtype),
                "{ctx}: multipart subtype at {num:?}"
            );
            assert_eq!(
                params,
                &owned_pairs(&want.params),
                "{ctx}: multipart params"
            );
            assert_eq!(ext, &expected_ext(&want), "{ctx}: multipart ext");
            if gparts.is_empty() {
                assert_eq!(parts, &vec![empty_text_part()], "{ctx}: empty multipart");
                return;
            }
            assert_eq!(gparts.len(), parts.len(), "{ctx}: parts of {num:?}");
            for (i, (g, t)) in gparts.iter().zip(parts).enumerate() {
                let child = [num, &[i as u32 + 1]].concat();
                check_against_generated(g, t, &child, sections, ctx);
            }
        }
        (
            content,
            Tree::Single {
                media_type,
                subtype,
                params,
                id,
                description,
                encoding,
                octets,
                lines,
                message,
                ext,
            },
        ) => {
            assert_eq!(
                media_type.as_deref(),
                Some(want.media_type.as_bytes()),
                "{ctx}: {n}"
            );
            assert_eq!(
                subtype.as_deref(),
                Some(want.subtype.as_bytes()),
                "{ctx}: {n}"
            );
            assert_eq!(params, &owned_pairs(&want.params), "{ctx}: params of {n}");
            assert_eq!(id, &want.id.as_deref().map(b), "{ctx}: id of {n}");
            assert_eq!(
                description,
                &want.description.as_deref().map(b),
                "{ctx}: {n}"
            );
            assert_eq!(
                encoding.as_deref(),
                Some(want.encoding.as_bytes()),
                "{ctx}: {n}"
            );
            assert_eq!(ext, &expected_ext(&want), "{ctx}: ext of {n}");
            let bytes = gen.render_body();
            assert_eq!(&sections[&n], &bytes, "{ctx}: BODY[{n}] vs generated bytes");
            assert_eq!(*octets, bytes.len() as u64, "{ctx}: size of {n}");
            let is_text = want.media_type.eq_ignore_ascii_case("text");
            match (content, message) {
                (Content::Leaf(_), None) => {
                    let want_lines = is_text.then(|| count_lf(&bytes));
                    assert_eq!(*lines, want_lines, "{ctx}: lines of {n}");
                }
                (Content::Message(gm), Some((env, inner))) => {
                    assert_eq!(*lines, Some(count_lf(&bytes)), "{ctx}: lines of {n}");
                    let header = &sections[&format!("{n}.HEADER")];
                    assert_eq!(header, &generated_header(gm), "{ctx}: {n}.HEADER");
                    assert_eq!(
                        **env,
                        expected_env(header, &gm.addresses),
                        "{ctx}: envelope of {n}"
                    );
                    let inner_num = match **inner {
                        Tree::Multi { .. } => here.clone(),
                        Tree::Single { .. } => [here.as_slice(), &[1]].concat(),
                    };
                    check_against_generated(&gm.body, inner, &inner_num, sections, ctx);
                }
                (c, m) => panic!(
                    "{ctx}: part {n}: generated {} vs Dovecot's {}",
                    match c {
                        Content::Leaf(_) => "leaf",
                        Content::Multi { .. } => "multipart",
                        Content::Message(_) => "message",
                    },
                    if m.is_some() { "message" } else { "leaf" }
                ),
            }
        }
        (_, Tree::Multi { .. }) => panic!("{ctx}: {n}: Dovecot sees a multipart"),
    }
}

#[test]
fn bodystructures_agree_with_parts_and_generated_tree() {
    let fx = fixture();
    let mut m = examine_inbox();
    let reply = m.fetch("1:*", "(BODYSTRUCTURE)").unwrap();
    let fetches = parse_fetches(&reply);
    let trees: Vec<Tree> = fetches
        .iter()
        .map(|f| own_body(f.body_structure().unwrap()))
        .collect();
    let mut parts_seen = 0;
    let mut messages_seen = 0;
    for (k, tree) in trees.iter().enumerate() {
        let g = &fx.inbox[k];
        let ctx = format!("message {} ({})", k + 1, g.name);
        let sections = fetch_sections(&mut m, k + 1, tree);
        check_against_sections(tree, &sections, &ctx);
        check_against_generated(&g.message.body, tree, &[], &sections, &ctx);
        for (_, part) in imap_parts(tree) {
            parts_seen += 1;
            if let Tree::Single {
                message: Some(_), ..
            } = part
            {
                messages_seen += 1;
            }
        }
    }
    // The mailbox is as varied as it claims.
    assert!(parts_seen >= 100, "{parts_seen}");
    assert!(messages_seen >= 8, "{messages_seen}");
    let deepest = trees.iter().map(message_depth).max().unwrap();
    assert!(deepest >= 2, "message/rfc822 nested {deepest} deep");
}

/// How deep `message/rfc822` parts nest in a body structure (0 for none).
fn message_depth(t: &Tree) -> usize {
    match t {
        Tree::Multi { parts, .. } => parts.iter().map(message_depth).max().unwrap_or(0),
        Tree::Single {
            message: Some((_, inner)),
            ..
        } => 1 + message_depth(inner),
        Tree::Single { .. } => 0,
    }
}

/// [`Body::walk`] documents its paths as part numbers ("`[1, 2]` for part 1.2"). Below a
/// `message/rfc822` part they are not: the encapsulated multipart gets a number of its own.
#[test]
fn walk_paths_are_imap_part_numbers() {
    let fx = fixture();
    let mut m = examine_inbox();
    let reply = m.fetch("1:*", "(BODYSTRUCTURE)").unwrap();
    let fetches = parse_fetches(&reply);
    let mut wrong = Vec::new();
    for (k, f) in fetches.iter().enumerate() {
        let body = f.body_structure().unwrap();
        // The documented exception: a non-multipart root is `[]` (IMAP calls it 1).
        let mut walked = Vec::new();
        body.walk(|path, b| {
            if let Body::Single(_) = b {
                walked.push(if path.is_empty() {
                    "1".into()
                } else {
                    dotted(path)
                });
            }
        });
        let numbered: Vec<String> = imap_parts(&own_body(body))
            .iter()
            .map(|(n, _)| dotted(n))
            .collect();
        if walked != numbered {
            wrong.push(format!(
                "{} ({}): walk {walked:?}, IMAP {numbered:?}",
                k + 1,
                fx.inbox[k].name
            ));
        }
    }
    assert!(wrong.is_empty(), "walk paths differ:\n{}", wrong.join("\n"));
}

// =============================================================================================
// LIST, STATUS
// =============================================================================================

#[test]
fn list_names_decode_to_the_created_names() {
    let fx = fixture();
    let mut m = login(&fx.user);
    let reply = m.list(None, None).unwrap();
    let mut view = parse::list(&reply);
    let listed: Vec<_> = view.by_ref().map(Result::unwrap).collect();
    assert!(view.quirks().is_empty(), "{:?}", view.quirks());
    assert_eq!(listed.len(), lines(&reply).len());

    let mut want: BTreeSet<String> = FOLDERS.iter().map(|(n, ..)| n.to_string()).collect();
    want.insert("INBOX".into());
    let decoded: BTreeSet<String> = listed.iter().map(|l| l.mailbox.decoded()).collect();
    assert_eq!(decoded, want);
    for l in &listed {
        let name = l.mailbox.decoded();
        assert_eq!(l.delimiter_byte(), Some(b'/'), "{name}");
        if let Some((_, wire, _)) = FOLDERS.iter().find(|(n, ..)| *n == name) {
            assert_eq!(l.mailbox.raw().as_ref(), wire.as_bytes(), "{name}");
            assert_eq!(l.mailbox.encoding(), parse::NameEncoding::ModifiedUtf7);
        }
        let has_children = name == "Entwürfe";
        assert_eq!(
            l.has("\\HasChildren"),
            has_children,
            "{name}: {:?}",
            l.attributes
        );
        assert_eq!(l.has("\\HasNoChildren"), !has_children, "{name}");
        assert_eq!(l.has("\\Archive"), name == "Archive", "{name}");
    }

    // doveadm lists the same names, in UTF-8.
    let out = doveadm(&["mailbox", "list", "-u", &fx.user.name]);
    let names: BTreeSet<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(names, want);

    // LIST "" "%" lists the top level only; the child needs the parent's wire name.
    let reply = m.list(None, Some("%".into())).unwrap();
    let top: BTreeSet<String> = parse::list(&reply)
        .map(|l| l.unwrap().mailbox.decoded())
        .collect();
    assert!(!top.contains("Entwürfe/Unterordner") && top.contains("Entwürfe"));
    let reply = m.list(None, Some("Entwürfe/%".into())).unwrap();
    let child: Vec<String> = parse::list(&reply)
        .map(|l| l.unwrap().mailbox.decoded())
        .collect();
    assert_eq!(child, ["Entwürfe/Unterordner"]);
}

#[test]
fn status_agrees_with_select_and_doveadm() {
    let fx = fixture();
    let mut m = login(&fx.user);
    let mut boxes: Vec<(&str, usize, usize)> = FOLDERS
        .iter()
        .zip(&fx.notes)
        .map(|((name, ..), notes)| {
            let unseen = notes
                .iter()
                .filter(|g| !g.flags.contains(&"\\Seen"))
                .count();
            (*name, notes.len(), unseen)
        })
        .collect();
    let inbox_unseen = fx
        .inbox
        .iter()
        .filter(|g| !g.flags.contains(&"\\Seen"))
        .count();
    boxes.push(("INBOX", fx.inbox.len(), inbox_unseen));
    for (name, messages, unseen) in boxes {
        let reply = m
            .status(name, "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)")
            .unwrap();
        let mut view = parse::status(&reply);
        let st = view.next().unwrap().unwrap();
        assert!(view.next().is_none());
        assert!(view.quirks().is_empty());
        assert_eq!(st.mailbox.decoded(), name);
        let get = |a| st.get(a).unwrap();
        use parse::StatusAttr as A;
        assert_eq!(get(A::Messages), messages as u64, "{name}");
        assert_eq!(get(A::Unseen), unseen as u64, "{name}");

        // SELECT's numbers (EXAMINE, to leave the flags alone).
        let sel = m.select(name, true).unwrap();
        assert_eq!(sel.typ, "OK", "{name}: {sel:?}");
        let exists: u64 = String::from_utf8_lossy(lines(&sel)[0]).parse().unwrap();
        let code = |m: &mut Client, c: &str| -> u64 {
            let r = m.response(c);
            String::from_utf8_lossy(lines(&r)[0]).parse().unwrap()
        };
        assert_eq!(get(A::Messages), exists, "{name}: MESSAGES vs EXISTS");
        assert_eq!(get(A::UidNext), code(&mut m, "UIDNEXT"), "{name}: UIDNEXT");
        assert_eq!(
            get(A::UidValidity),
            code(&mut m, "UIDVALIDITY"),
            "{name}: UIDVALIDITY"
        );
        let _ = m.unselect().unwrap();

        // doveadm's numbers.
        let out = doveadm(&[
            "-f",
            "flow",
            "mailbox",
            "status",
            "-u",
            &fx.user.name,
            "messages uidnext uidvalidity unseen",
            name,
        ]);
        let text = String::from_utf8(out).unwrap();
        let fields: BTreeMap<&str, u64> = text
            .split_whitespace()
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                Some((k, v.parse().ok()?))
            })
            .collect();
        assert_eq!(fields["messages"], get(A::Messages), "{name}: {text}");
        assert_eq!(fields["uidnext"], get(A::UidNext), "{name}: {text}");
        assert_eq!(fields["uidvalidity"], get(A::UidValidity), "{name}: {text}");
        assert_eq!(fields["unseen"], get(A::Unseen), "{name}: {text}");
    }
}

// =============================================================================================
// SEARCH
// =============================================================================================

/// The numbers of an imaplib SEARCH/THREAD line, as imaplib users split it.
fn line_numbers(line: &[u8]) -> Vec<u32> {
    line.split(|&b| b == b' ')
        .filter(|w| !w.is_empty())
        .map(|w| std::str::from_utf8(w).unwrap().parse().unwrap())
        .collect()
}

/// The numbers of a SEARCH reply through the typed view, expanded.
fn search_ids(r: &Reply) -> Vec<u32> {
    let mut view = parse::search(r);
    let s = view.next().unwrap().unwrap();
    assert!(view.next().is_none());
    assert!(view.quirks().is_empty());
    s.ids.iter().collect()
}

/// A SEARCH to compare: IMAP criteria, the same as a doveadm query, and the sequence
/// numbers the generator expects (`None`: only compared with the other oracles).
type SearchCase<'a> = (Vec<&'a str>, &'a str, Option<Vec<u32>>);

#[test]
fn search_ranges_expand_to_the_imaplib_line() {
    let fx = fixture();
    let mut m = examine_inbox();
    let seqs_where = |f: &dyn Fn(&Generated) -> bool| -> Vec<u32> {
        (1..=fx.inbox.len() as u32)
            .filter(|&s| f(&fx.inbox[s as usize - 1]))
            .collect()
    };
    let has = |flag: &'static str| move |g: &Generated| g.flags.contains(&flag);
    // (IMAP criteria, doveadm query, expected sequence numbers or None)
    let cases: Vec<SearchCase<'_>> = vec![
        (vec!["ALL"], "all", Some(seqs_where(&|_| true))),
        (vec!["SEEN"], "seen", Some(seqs_where(&has("\\Seen")))),
        (
            vec!["UNSEEN"],
            "unseen",
            Some(seqs_where(&|g| !has("\\Seen")(g))),
        ),
        (
            vec!["FLAGGED"],
            "flagged",
            Some(seqs_where(&has("\\Flagged"))),
        ),
        (
            vec!["ANSWERED"],
            "answered",
            Some(seqs_where(&has("\\Answered"))),
        ),
        (
            vec!["DELETED"],
            "deleted",
            Some(seqs_where(&has("\\Deleted"))),
        ),
        (vec!["DRAFT"], "draft", Some(seqs_where(&has("\\Draft")))),
        (
            vec!["KEYWORD", "$Forwarded"],
            "keyword $Forwarded",
            Some(seqs_where(&has("$Forwarded"))),
        ),
        (
            vec!["OR", "FLAGGED", "DRAFT"],
            "( flagged or draft )",
            Some(seqs_where(&|g| has("\\Flagged")(g) || has("\\Draft")(g))),
        ),
        (
            vec!["HEADER", "X-Thread-Test", "yes"],
            "header X-Thread-Test yes",
            Some(seqs_where(&|g| g.thread)),
        ),
        (vec!["LARGER", "2000"], "larger 2000", None),
        (
            vec!["SUBJECT", "nothing-matches-this"],
            "subject nothing-matches-this",
            Some(vec![]),
        ),
    ];
    for (criteria, query, want) in cases {
        let r = m.search(None, &criteria).unwrap();
        let [line] = lines(&r)[..] else {
            panic!("{criteria:?}: one SEARCH line: {r:?}")
        };
        let ids = search_ids(&r);
        assert_eq!(
            ids,
            line_numbers(line),
            "{criteria:?}: view vs imaplib line"
        );
        if let Some(want) = want {
            assert_eq!(ids, want, "{criteria:?}");
        }
        // The same search by UID, and doveadm's answer (UIDs).
        let r = m.uid_search(None, &criteria).unwrap();
        let uids = search_ids(&r);
        assert_eq!(uids, line_numbers(lines(&r)[0]), "UID {criteria:?}");
        let by_seq: Vec<u32> = ids.iter().map(|&s| fx.uids[s as usize - 1]).collect();
        assert_eq!(uids, by_seq, "UID {criteria:?}");
        let mut args = vec!["search", "-u", fx.user.name.as_str(), "mailbox", "INBOX"];
        args.extend(query.split(' '));
        let out = String::from_utf8(doveadm(&args)).unwrap();
        let d: Vec<u32> = out
            .lines()
            .map(|l| l.split_whitespace().nth(1).unwrap().parse().unwrap())
            .collect();
        assert_eq!(d, uids, "doveadm search {query}");

        // ESEARCH (RFC 4731): the same set as ranges, with MIN, MAX and COUNT.
        let mut esearch = vec!["RETURN", "(MIN MAX COUNT ALL)"];
        esearch.extend(&criteria);
        let r = m.search(None, &esearch).unwrap();
        assert_eq!(r.typ, "OK", "ESEARCH {criteria:?}: {r:?}");
        let stored = m.response("ESEARCH");
        let mut view = parse::esearch(&stored);
        let e = view.next().unwrap().unwrap();
        assert!(view.next().is_none() && view.quirks().is_empty());
        assert!(!e.uid);
        assert_eq!(e.count, Some(ids.len() as u32), "ESEARCH {criteria:?}");
        assert_eq!(e.min, ids.first().copied(), "ESEARCH {criteria:?}");
        assert_eq!(e.max, ids.last().copied(), "ESEARCH {criteria:?}");
        let all: Vec<u32> = e.all.map(|a| a.iter().collect()).unwrap_or_default();
        assert_eq!(all, ids, "ESEARCH ALL {criteria:?}");
    }
    // SORT (SIZE): the sizes of the generated messages, ties in mailbox order.
    let r = m.sort("(SIZE)", "UTF-8", &["ALL"]).unwrap();
    let mut view = parse::sort(&r);
    let sorted = view.next().unwrap().unwrap();
    assert!(view.next().is_none() && view.quirks().is_empty());
    assert_eq!(
        sorted.ids,
        line_numbers(lines(&r)[0]),
        "SORT view vs imaplib line"
    );
    let mut by_size: Vec<u32> = (1..=fx.inbox.len() as u32).collect();
    by_size.sort_by_key(|&s| fx.inbox[s as usize - 1].message.render().len());
    assert_eq!(sorted.ids, by_size, "SORT (SIZE)");

    // Runs are kept as ranges: ALL is one range.
    let r = m.search(None, &["ALL"]).unwrap();
    let s = parse::search(&r).next().unwrap().unwrap();
    assert_eq!(s.ids.ranges().len(), 1);
    assert_eq!(s.ids.count(), fx.inbox.len() as u64);
}

// =============================================================================================
// THREAD
// =============================================================================================

/// A thread tree with owned children, for comparisons.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Node {
    id: Option<u32>,
    children: Vec<Node>,
}

fn nested(t: &Threads) -> Vec<Node> {
    fn node(t: &Threads, i: usize) -> Node {
        Node {
            id: t.nodes()[i].id,
            children: t.children(i).map(|c| node(t, c)).collect(),
        }
    }
    t.roots().iter().map(|&r| node(t, r)).collect()
}

fn map_ids(nodes: &[Node], f: &dyn Fn(u32) -> u32) -> Vec<Node> {
    nodes
        .iter()
        .map(|n| Node {
            id: n.id.map(f),
            children: map_ids(&n.children, f),
        })
        .collect()
}

/// The `<…>` message ids in a header value.
fn msg_ids(v: &[u8]) -> Vec<Bytes> {
    let mut out = Vec::new();
    let mut rest = v;
    while let Some(open) = rest.iter().position(|&b| b == b'<') {
        let Some(close) = rest[open..].iter().position(|&b| b == b'>') else {
            break;
        };
        out.push(rest[open..=open + close].to_vec());
        rest = &rest[open + close + 1..];
    }
    out
}

#[test]
fn thread_tree_matches_the_references() {
    let fx = fixture();
    let mut m = examine_inbox();
    let criteria = ["HEADER", "X-Thread-Test", "yes"];
    let r = m.thread("REFERENCES", "UTF-8", &criteria).unwrap();
    let [line] = lines(&r)[..] else {
        panic!("one THREAD line: {r:?}")
    };
    let mut view = parse::thread(&r);
    let threads = view.next().unwrap().unwrap();
    assert!(view.next().is_none() && view.quirks().is_empty());
    let mut canonical = Vec::new();
    threads.write_to(&mut canonical);
    assert_eq!(canonical, line, "write_to gives back the imaplib line");
    let tree = nested(&threads);

    // The tree the references describe (sorted by date, as RFC 5256 asks).
    let seq = |name: &str| fx.inbox.iter().position(|g| g.name == name).unwrap() as u32 + 1;
    let leaf = |name: &str| Node {
        id: Some(seq(name)),
        children: vec![],
    };
    let with = |name: &str, children: Vec<Node>| Node {
        id: Some(seq(name)),
        children,
    };
    let want = vec![
        with(
            "thread-a1",
            vec![
                with("thread-a2", vec![leaf("thread-a4")]),
                leaf("thread-a3"),
            ],
        ),
        Node {
            id: None,
            children: vec![leaf("thread-c2"), leaf("thread-c3")],
        },
        with("thread-d1", vec![leaf("thread-d3")]),
        leaf("thread-e1"),
    ];
    assert_eq!(tree, want, "THREAD {}", String::from_utf8_lossy(line));

    // Every link, checked against the headers: a message hangs below the nearest message it
    // references that exists (References, else In-Reply-To), or is a root (or below a
    // missing parent) when it references none.
    let id_of = |s: u32| -> Bytes {
        let h = generated_header(&fx.inbox[s as usize - 1].message);
        HeaderFields::parse(&h).last("Message-ID").unwrap().to_vec()
    };
    let existing: BTreeSet<Bytes> = (1..=fx.inbox.len() as u32)
        .filter(|&s| fx.inbox[s as usize - 1].thread)
        .map(id_of)
        .collect();
    let parent_of = |s: u32| -> Option<Bytes> {
        let h = generated_header(&fx.inbox[s as usize - 1].message);
        let h = HeaderFields::parse(&h);
        let refs = h
            .last("References")
            .map(msg_ids)
            .filter(|r| !r.is_empty())
            .or_else(|| h.last("In-Reply-To").map(msg_ids))
            .unwrap_or_default();
        refs.into_iter().rev().find(|r| existing.contains(r))
    };
    fn links(nodes: &[Node], parent: Option<u32>, out: &mut Vec<(Option<u32>, u32)>) {
        for n in nodes {
            if let Some(id) = n.id {
                out.push((parent, id));
            }
            links(&n.children, n.id, out);
        }
    }
    let mut all = Vec::new();
    links(&tree, None, &mut all);
    assert_eq!(all.len(), fx.inbox.iter().filter(|g| g.thread).count());
    for (parent, child) in all {
        assert_eq!(
            parent.map(id_of),
            parent_of(child),
            "parent of message {child}"
        );
    }

    // UID THREAD: the same tree in UIDs.
    let r = m.uid_thread("REFERENCES", "UTF-8", &criteria).unwrap();
    let uid_tree = nested(&parse::thread(&r).next().unwrap().unwrap());
    assert_eq!(uid_tree, map_ids(&want, &|s| fx.uids[s as usize - 1]));
}
