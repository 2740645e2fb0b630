//! Deterministic mail and IMAP response corpora shaped like Dovecot's.
//!
//! The same generator makes the messages loaded into Dovecot for the end-to-end runs and the
//! synthetic server responses of the parser benchmarks, so that corpus (a) describes the very
//! messages corpus (b) carries. Everything is derived from a fixed seed: two runs see the
//! same bytes.

use std::fmt::Write as _;

/// The tag of the command whose responses a corpus holds (our `Connection` with seed
/// 0x1234 tags its third command `BCDE2`: CAPABILITY, SELECT, then this one).
pub const TAG: &str = "BCDE2";

/// A small, fast, deterministic PRNG (xorshift64*).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (never zero inside).
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory",
    "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Yolanda",
];
const LAST: &[&str] = &[
    "Anderson", "Brown", "Clarke", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito",
    "Johnson", "Kowalski", "Larsen", "Martin", "Nakamura", "Olsen", "Petrov", "Quinn", "Rossi",
];
const DOMAINS: &[&str] = &[
    "example.org",
    "example.com",
    "mail.example.net",
    "lists.example.org",
    "corp.example.com",
];
const WORDS: &[&str] = &[
    "quarterly",
    "report",
    "meeting",
    "agenda",
    "budget",
    "review",
    "release",
    "draft",
    "invoice",
    "project",
    "update",
    "schedule",
    "minutes",
    "proposal",
    "deadline",
    "summary",
    "design",
    "feedback",
    "question",
    "travel",
    "plan",
    "notes",
    "contract",
    "launch",
    "the",
    "and",
    "for",
    "with",
    "about",
    "next",
    "week",
    "team",
    "status",
    "results",
    "server",
    "migration",
    "customer",
    "support",
    "ticket",
    "backup",
    "network",
    "office",
];
const MONTHS: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: &[&str] = &["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A person: display name (optional), mailbox and host.
#[derive(Clone, Debug)]
pub struct Person {
    /// Display name.
    pub name: Option<String>,
    /// Local part.
    pub mailbox: String,
    /// Domain.
    pub host: String,
}

impl Person {
    fn random(rng: &mut Rng) -> Person {
        let first = *rng.pick(FIRST);
        let last = *rng.pick(LAST);
        let host = (*rng.pick(DOMAINS)).to_string();
        let mailbox = format!("{}.{}", first.to_lowercase(), last.to_lowercase());
        let name = (rng.below(5) != 0).then(|| format!("{first} {last}"));
        Person {
            name,
            mailbox,
            host,
        }
    }

    fn header(&self) -> String {
        match &self.name {
            Some(n) => format!("{n} <{}@{}>", self.mailbox, self.host),
            None => format!("{}@{}", self.mailbox, self.host),
        }
    }

    fn imap(&self, out: &mut String) {
        out.push('(');
        match &self.name {
            Some(n) => {
                let _ = write!(out, "\"{n}\"");
            }
            None => out.push_str("NIL"),
        }
        let _ = write!(out, " NIL \"{}\" \"{}\")", self.mailbox, self.host);
    }
}

fn imap_addresses(people: &[Person], out: &mut String) {
    if people.is_empty() {
        out.push_str("NIL");
        return;
    }
    out.push('(');
    for p in people {
        p.imap(out);
    }
    out.push(')');
}

/// A MIME part as generated: its headers' parameters and its body bytes.
#[derive(Clone, Debug)]
struct Leaf {
    typ: &'static str,
    subtype: &'static str,
    params: Vec<(String, String)>,
    encoding: &'static str,
    disposition: Option<(&'static str, String)>,
    body: Vec<u8>,
}

impl Leaf {
    fn lines(&self) -> usize {
        self.body.iter().filter(|&&b| b == b'\n').count()
    }

    fn headers(&self, out: &mut Vec<u8>) {
        let mut ct = format!("Content-Type: {}/{}", self.typ, self.subtype);
        for (k, v) in &self.params {
            let _ = write!(ct, "; {k}=\"{v}\"");
        }
        out.extend_from_slice(ct.as_bytes());
        out.extend_from_slice(b"\r\n");
        let _ = writeln_crlf(
            out,
            &format!("Content-Transfer-Encoding: {}", self.encoding),
        );
        if let Some((d, f)) = &self.disposition {
            let _ = writeln_crlf(out, &format!("Content-Disposition: {d}; filename=\"{f}\""));
        }
    }

    /// Dovecot's BODYSTRUCTURE of this part (with extension data).
    fn bodystructure(&self, out: &mut String) {
        let _ = write!(out, "(\"{}\" \"{}\" ", self.typ, self.subtype);
        if self.params.is_empty() {
            out.push_str("NIL");
        } else {
            out.push('(');
            for (i, (k, v)) in self.params.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "\"{k}\" \"{v}\"");
            }
            out.push(')');
        }
        let _ = write!(out, " NIL NIL \"{}\" {}", self.encoding, self.body.len());
        if self.typ == "text" {
            let _ = write!(out, " {}", self.lines());
        }
        out.push_str(" NIL ");
        match &self.disposition {
            Some((d, f)) => {
                let _ = write!(out, "(\"{d}\" (\"filename\" \"{f}\"))");
            }
            None => out.push_str("NIL"),
        }
        out.push_str(" NIL NIL)");
    }
}

fn writeln_crlf(out: &mut Vec<u8>, line: &str) -> std::fmt::Result {
    out.extend_from_slice(line.as_bytes());
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// One generated message: its bytes and what Dovecot would say about it.
#[derive(Clone, Debug)]
pub struct Message {
    /// The whole message, CRLF line ends.
    pub bytes: Vec<u8>,
    /// The flags (maildir info letters) it is stored with.
    pub seen: bool,
    /// `flagged`.
    pub flagged: bool,
    /// INTERNALDATE as IMAP prints it.
    pub internal_date: String,
    /// Unix time of the internal date.
    pub unix_time: i64,
    /// ENVELOPE, as Dovecot prints it.
    pub envelope: String,
    /// BODYSTRUCTURE, as Dovecot prints it.
    pub bodystructure: String,
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(rng.pick::<&str>(WORDS));
    }
    s
}

fn text_body(rng: &mut Rng, target: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(target + 100);
    while body.len() < target {
        let n = 6 + rng.below(9) as usize;
        let mut line = sentence(rng, n);
        if let Some(c) = line.get_mut(0..1) {
            c.make_ascii_uppercase();
        }
        line.push('.');
        body.extend_from_slice(line.as_bytes());
        body.extend_from_slice(b"\r\n");
        if rng.below(6) == 0 {
            body.extend_from_slice(b"\r\n");
        }
    }
    body
}

fn html_body(rng: &mut Rng, target: usize) -> Vec<u8> {
    let mut body = b"<html><body>\r\n".to_vec();
    while body.len() < target {
        let n = 6 + rng.below(9) as usize;
        let line = format!("<p>{}.</p>\r\n", sentence(rng, n));
        body.extend_from_slice(line.as_bytes());
    }
    body.extend_from_slice(b"</body></html>\r\n");
    body
}

fn base64_body(rng: &mut Rng, target: usize) -> Vec<u8> {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut body = Vec::with_capacity(target + 80);
    while body.len() < target {
        for _ in 0..76 {
            body.push(B64[rng.below(64) as usize]);
        }
        body.extend_from_slice(b"\r\n");
    }
    body
}

/// Message number `i` (1-based) of the standard mailbox. Sizes average about 10 KB, so
/// 10 000 messages make about 100 MB: 60 % text/plain, 30 % multipart/alternative (text and
/// HTML), 10 % multipart/mixed with a base64 attachment.
pub fn message(i: usize) -> Message {
    let mut rng = Rng::new(0x5EED_0000 + i as u64);
    let from = Person::random(&mut rng);
    let to: Vec<Person> = (0..1 + rng.below(3))
        .map(|_| Person::random(&mut rng))
        .collect();
    let cc: Vec<Person> = (0..rng.below(4).saturating_sub(1))
        .map(|_| Person::random(&mut rng))
        .collect();
    let subject = {
        let n = 3 + rng.below(6) as usize;
        let mut s = sentence(&mut rng, n);
        if let Some(c) = s.get_mut(0..1) {
            c.make_ascii_uppercase();
        }
        if rng.below(4) == 0 {
            s = format!("Re: {s}");
        }
        format!("{s} #{i}")
    };
    // Dates spread over 2024, one message every ~50 minutes.
    let unix_time = 1_704_067_200 + i as i64 * 3000 + rng.below(2000) as i64;
    let (date_hdr, internal_date) = dates(unix_time);
    let message_id = format!("<{i}.{:x}@{}>", rng.next_u64() & 0xffff_ffff, from.host);
    let in_reply_to = (rng.below(3) == 0).then(|| {
        format!(
            "<{}.{:x}@{}>",
            i.saturating_sub(1),
            rng.next_u64() & 0xffff,
            to[0].host
        )
    });

    let kind = rng.below(10);
    // Target body size: 2–18 KB, mean ~10 KB with headers.
    let size = 2000 + rng.below(16_000) as usize;
    let boundary = format!("=_Part_{i}_{:08x}", rng.next_u64() & 0xffff_ffff);
    let (top_ct, leaves): (Option<(&str, &str)>, Vec<Leaf>) = if kind < 6 {
        (
            None,
            vec![Leaf {
                typ: "text",
                subtype: "plain",
                params: vec![("charset".into(), "utf-8".into())],
                encoding: "7bit",
                disposition: None,
                body: text_body(&mut rng, size),
            }],
        )
    } else if kind < 9 {
        (
            Some(("multipart", "alternative")),
            vec![
                Leaf {
                    typ: "text",
                    subtype: "plain",
                    params: vec![
                        ("charset".into(), "utf-8".into()),
                        ("format".into(), "flowed".into()),
                    ],
                    encoding: "7bit",
                    disposition: None,
                    body: text_body(&mut rng, size * 2 / 5),
                },
                Leaf {
                    typ: "text",
                    subtype: "html",
                    params: vec![("charset".into(), "utf-8".into())],
                    encoding: "7bit",
                    disposition: None,
                    body: html_body(&mut rng, size * 3 / 5),
                },
            ],
        )
    } else {
        let fname = format!("{}-{i}.pdf", rng.pick(WORDS));
        (
            Some(("multipart", "mixed")),
            vec![
                Leaf {
                    typ: "text",
                    subtype: "plain",
                    params: vec![("charset".into(), "utf-8".into())],
                    encoding: "7bit",
                    disposition: None,
                    body: text_body(&mut rng, size / 4),
                },
                Leaf {
                    typ: "application",
                    subtype: "pdf",
                    params: vec![("name".into(), fname.clone())],
                    encoding: "base64",
                    disposition: Some(("attachment", fname)),
                    body: base64_body(&mut rng, size * 3 / 4),
                },
            ],
        )
    };

    // The message bytes.
    let mut m = Vec::with_capacity(size + 2048);
    let _ = writeln_crlf(
        &mut m,
        &format!("Return-Path: <{}@{}>", from.mailbox, from.host),
    );
    let _ = writeln_crlf(&mut m, "Delivered-To: bench@example.org");
    let _ = writeln_crlf(
        &mut m,
        &format!(
            "Received: from mx{}.{} (mx{}.{} [192.0.2.{}])\r\n\tby imap.example.org with LMTP id {:x}\r\n\tfor <bench@example.org>; {date_hdr}",
            i % 7, from.host, i % 7, from.host, i % 250, rng.next_u64() & 0xffff_ffff
        ),
    );
    let _ = writeln_crlf(&mut m, &format!("From: {}", from.header()));
    let tos: Vec<String> = to.iter().map(Person::header).collect();
    let _ = writeln_crlf(&mut m, &format!("To: {}", tos.join(", ")));
    if !cc.is_empty() {
        let ccs: Vec<String> = cc.iter().map(Person::header).collect();
        let _ = writeln_crlf(&mut m, &format!("Cc: {}", ccs.join(", ")));
    }
    let _ = writeln_crlf(&mut m, &format!("Subject: {subject}"));
    let _ = writeln_crlf(&mut m, &format!("Date: {date_hdr}"));
    let _ = writeln_crlf(&mut m, &format!("Message-ID: {message_id}"));
    if let Some(irt) = &in_reply_to {
        let _ = writeln_crlf(&mut m, &format!("In-Reply-To: {irt}"));
    }
    let _ = writeln_crlf(&mut m, "MIME-Version: 1.0");
    let mut bs = String::new();
    match top_ct {
        None => {
            leaves[0].headers(&mut m);
            m.extend_from_slice(b"\r\n");
            m.extend_from_slice(&leaves[0].body);
            leaves[0].bodystructure(&mut bs);
        }
        Some((_, sub)) => {
            let _ = writeln_crlf(
                &mut m,
                &format!("Content-Type: multipart/{sub}; boundary=\"{boundary}\""),
            );
            m.extend_from_slice(b"\r\nThis is a multi-part message in MIME format.\r\n");
            bs.push('(');
            for leaf in &leaves {
                let _ = writeln_crlf(&mut m, &format!("\r\n--{boundary}"));
                leaf.headers(&mut m);
                m.extend_from_slice(b"\r\n");
                m.extend_from_slice(&leaf.body);
                leaf.bodystructure(&mut bs);
            }
            let _ = writeln_crlf(&mut m, &format!("\r\n--{boundary}--"));
            let _ = write!(bs, " \"{sub}\" (\"boundary\" \"{boundary}\") NIL NIL NIL)");
        }
    }

    let mut env = String::new();
    let _ = write!(env, "(\"{date_hdr}\" \"{subject}\" ");
    let fromv = [from.clone()];
    imap_addresses(&fromv, &mut env);
    env.push(' ');
    imap_addresses(&fromv, &mut env);
    env.push(' ');
    imap_addresses(&fromv, &mut env);
    env.push(' ');
    imap_addresses(&to, &mut env);
    env.push(' ');
    imap_addresses(&cc, &mut env);
    env.push_str(" NIL ");
    match &in_reply_to {
        Some(irt) => {
            let _ = write!(env, "\"{irt}\"");
        }
        None => env.push_str("NIL"),
    }
    let _ = write!(env, " \"{message_id}\")");

    Message {
        bytes: m,
        seen: rng.below(10) < 7,
        flagged: rng.below(20) == 0,
        internal_date,
        unix_time,
        envelope: env,
        bodystructure: bs,
    }
}

/// `(Date: header value, INTERNALDATE value)` for a Unix time, in UTC.
fn dates(t: i64) -> (String, String) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let mut y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    if m <= 2 {
        y += 1;
    }
    let wd = DAYS[(days + 3).rem_euclid(7) as usize];
    let mon = MONTHS[(m - 1) as usize];
    (
        format!("{wd}, {d} {mon} {y} {h:02}:{mi:02}:{s:02} +0000"),
        format!("{d:02}-{mon}-{y} {h:02}:{mi:02}:{s:02} +0000"),
    )
}

/// The flags of a message as IMAP prints them.
pub fn flags(m: &Message) -> &'static str {
    match (m.seen, m.flagged) {
        (true, true) => "(\\Seen \\Flagged)",
        (true, false) => "(\\Seen)",
        (false, true) => "(\\Flagged)",
        (false, false) => "()",
    }
}

/// A corpus: server bytes for one command, and how many untagged responses they hold.
pub struct Corpus {
    /// Short name, e.g. `(a) FETCH meta`.
    pub name: &'static str,
    /// The command whose responses these are (without tag).
    pub command: &'static str,
    /// The bytes: untagged responses, then the tagged OK with [`TAG`].
    pub bytes: Vec<u8>,
    /// Untagged responses in `bytes`.
    pub responses: usize,
    /// Literals in `bytes`.
    pub literals: usize,
}

/// (a) `FETCH 1:n (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)`.
pub fn fetch_meta(n: usize) -> Corpus {
    let mut out = Vec::new();
    for i in 1..=n {
        let m = message(i);
        let line = format!(
            "* {i} FETCH (UID {i} FLAGS {} INTERNALDATE \"{}\" RFC822.SIZE {} ENVELOPE {} BODYSTRUCTURE {})\r\n",
            flags(&m),
            m.internal_date,
            m.bytes.len(),
            m.envelope,
            m.bodystructure
        );
        out.extend_from_slice(line.as_bytes());
    }
    out.extend_from_slice(
        format!("{TAG} OK Fetch completed (0.012 + 0.000 + 0.011 secs).\r\n").as_bytes(),
    );
    Corpus {
        name: "(a) FETCH meta",
        command: "FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)",
        bytes: out,
        responses: n,
        literals: 0,
    }
}

/// (b) `FETCH 1:n (RFC822)`: every message as a literal.
pub fn fetch_rfc822(n: usize) -> Corpus {
    let mut out = Vec::new();
    for i in 1..=n {
        let m = message(i);
        out.extend_from_slice(format!("* {i} FETCH (RFC822 {{{}}}\r\n", m.bytes.len()).as_bytes());
        out.extend_from_slice(&m.bytes);
        out.extend_from_slice(b")\r\n");
    }
    out.extend_from_slice(
        format!("{TAG} OK Fetch completed (0.031 + 0.000 + 0.030 secs).\r\n").as_bytes(),
    );
    Corpus {
        name: "(b) FETCH RFC822",
        command: "FETCH 1:* (RFC822)",
        bytes: out,
        responses: n,
        literals: n,
    }
}

/// (c) `LIST "" "*"` with `n` mailboxes in a hierarchy, as Dovecot prints them.
pub fn list(n: usize) -> Corpus {
    let mut rng = Rng::new(0x11_57);
    let mut out = b"* LIST (\\HasChildren) \"/\" INBOX\r\n".to_vec();
    let special = ["Archive", "Drafts", "Junk", "Sent", "Trash"];
    let attrs = ["\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash"];
    for i in 1..n {
        let line = if i <= special.len() {
            format!(
                "* LIST (\\HasNoChildren {}) \"/\" {}\r\n",
                attrs[i - 1],
                special[i - 1]
            )
        } else {
            let depth = 1 + rng.below(4);
            let mut name = String::new();
            for d in 0..depth {
                if d > 0 {
                    name.push('/');
                }
                match rng.below(8) {
                    0 => name.push_str("Proj&AOk-ts"), // "Projéts" in modified UTF-7
                    1 => {
                        let _ = write!(name, "Client {}", rng.below(500));
                    }
                    2 => {
                        let _ = write!(name, "{}", 2015 + rng.below(10));
                    }
                    _ => {
                        let w = *rng.pick(WORDS);
                        let mut w = w.to_string();
                        if let Some(c) = w.get_mut(0..1) {
                            c.make_ascii_uppercase();
                        }
                        name.push_str(&w);
                    }
                }
            }
            let _ = write!(name, " {i}");
            let attr = if rng.below(3) == 0 {
                "\\HasChildren"
            } else {
                "\\HasNoChildren"
            };
            let marked = if rng.below(10) == 0 { " \\Marked" } else { "" };
            format!("* LIST ({attr}{marked}) \"/\" \"{name}\"\r\n")
        };
        out.extend_from_slice(line.as_bytes());
    }
    out.extend_from_slice(
        format!("{TAG} OK List completed (0.004 + 0.000 + 0.003 secs).\r\n").as_bytes(),
    );
    Corpus {
        name: "(c) LIST",
        command: "LIST \"\" *",
        bytes: out,
        responses: n,
        literals: 0,
    }
}

/// (d) one `* SEARCH` line with `n` ascending ids (gaps of 1–3, so that they do not all
/// collapse into one range).
#[allow(clippy::same_item_push)] // a space, then the id
pub fn search(n: usize) -> Corpus {
    let mut rng = Rng::new(0x5EA_2C4);
    let mut out = Vec::with_capacity(n * 8 + 64);
    out.extend_from_slice(b"* SEARCH");
    let mut id: u64 = 0;
    for _ in 0..n {
        id += 1 + rng.below(3);
        out.push(b' ');
        let _ = write_u64(&mut out, id);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(
        format!("{TAG} OK Search completed (0.120 + 0.000 + 0.110 secs).\r\n").as_bytes(),
    );
    Corpus {
        name: "(d) SEARCH",
        command: "SEARCH ALL",
        bytes: out,
        responses: 1,
        literals: 0,
    }
}

fn write_u64(out: &mut Vec<u8>, mut v: u64) -> std::fmt::Result {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
    Ok(())
}
