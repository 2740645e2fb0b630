//! A generated mailbox of varied, realistic messages, with what Dovecot should say about each.
//!
//! [`mailbox()`] returns about fifty messages: plain text, `multipart/alternative`,
//! `multipart/mixed` with base64 and quoted-printable attachments, nested multiparts,
//! `message/rfc822` attachments (nested twice), digests, reports, raw 8-bit UTF-8 and Latin-1
//! headers, RFC 2047 encoded words, group addresses, empty and missing headers, very long
//! headers, Content-Disposition parameters (RFC 2231 too), Content-Language, Content-Location,
//! Content-MD5, many recipients, replies that form threads, a subject that needs a literal,
//! a message with bare LF line endings, and malformed MIME that Dovecot repairs.
//!
//! Every message is a tree of [`Part`]s. A part renders its own MIME header from its
//! [`PartInfo`] (or uses raw header bytes, [`Part::raw_mime`], when the point is an odd
//! header), so the same value is both what was written and what the BODYSTRUCTURE should
//! report: [`Part::expected`] applies Dovecot's defaults (`text/plain; charset=us-ascii`,
//! `7bit`). The envelope's address lists are given explicitly with each message
//! ([`Addresses`]), in the shape Dovecot reports them (RFC 3501 address structures, group
//! markers included); the other envelope fields are read back from the header bytes by the
//! tests themselves.
//!
//! Everything is deterministic: no clock, no randomness. Nothing here talks to a server.

use base64::Engine as _;

/// Expected BODYSTRUCTURE fields of one part, as Dovecot reports them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartInfo {
    /// Media type as written (`text`, `APPLICATION`, …).
    pub media_type: String,
    /// Media subtype as written.
    pub subtype: String,
    /// Content-Type parameters, in order (for a multipart, its extension parameters).
    pub params: Vec<(String, String)>,
    /// Content-ID.
    pub id: Option<String>,
    /// Content-Description.
    pub description: Option<String>,
    /// Content-Transfer-Encoding as written; `7bit` when absent.
    pub encoding: String,
    /// Content-MD5.
    pub md5: Option<String>,
    /// Content-Disposition: kind and parameters.
    pub disposition: Option<(String, Vec<(String, String)>)>,
    /// Content-Language tags.
    pub language: Vec<String>,
    /// Content-Location.
    pub location: Option<String>,
}

/// What a part contains.
#[derive(Clone, Debug)]
pub enum Content {
    /// A leaf body, already transfer-encoded.
    Leaf(Vec<u8>),
    /// A multipart. With no `parts`, `raw` is written as the whole body (no delimiter at all).
    Multi {
        /// The boundary (it must also be the `boundary` parameter, unless the point is that
        /// it is missing).
        boundary: String,
        /// Bytes before the first delimiter (end them with CRLF).
        preamble: Vec<u8>,
        /// The body parts.
        parts: Vec<Part>,
        /// Bytes after the close delimiter.
        epilogue: Vec<u8>,
        /// The body when there are no parts.
        raw: Vec<u8>,
    },
    /// An encapsulated message (`message/rfc822`).
    Message(Box<Message>),
}

/// One MIME entity: its header, its expected description and its content.
#[derive(Clone, Debug)]
pub struct Part {
    /// The BODYSTRUCTURE fields this part should get (before Dovecot's defaults).
    pub info: PartInfo,
    /// Raw Content-* header lines (CRLF-terminated) written instead of those rendered from
    /// [`info`](Self::info); then `info` is the expectation as is.
    pub raw_mime: Option<Vec<u8>>,
    /// Header lines added after the Content-* lines (CRLF-terminated).
    pub extra: Vec<u8>,
    /// The content.
    pub content: Content,
}

/// An address in the shape of an IMAP address structure `(name adl mailbox host)`.
///
/// A group starts with `(NIL NIL "name" NIL)` ([`group`]) and ends with
/// `(NIL NIL NIL NIL)` ([`group_end`]).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Addr {
    /// Display name (raw bytes: encoded words stay encoded, as Dovecot leaves them).
    pub name: Option<Vec<u8>>,
    /// Source route.
    pub adl: Option<Vec<u8>>,
    /// Local part, or the group name of a group start.
    pub mailbox: Option<Vec<u8>>,
    /// Domain; `None` in group markers.
    pub host: Option<Vec<u8>>,
}

impl std::fmt::Debug for Addr {
    /// `("name" NIL "mailbox" "host")`, bytes escaped.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = |v: &Option<Vec<u8>>| match v {
            Some(b) => format!("\"{}\"", b.escape_ascii()),
            None => "NIL".to_string(),
        };
        write!(
            f,
            "({} {} {} {})",
            field(&self.name),
            field(&self.adl),
            field(&self.mailbox),
            field(&self.host)
        )
    }
}

/// The envelope's address lists as Dovecot should report them. An empty Sender or Reply-To
/// means "the From list" (RFC 3501 §7.4.2), which is what Dovecot sends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Addresses {
    /// From.
    pub from: Vec<Addr>,
    /// Sender (empty: same as From).
    pub sender: Vec<Addr>,
    /// Reply-To (empty: same as From).
    pub reply_to: Vec<Addr>,
    /// To.
    pub to: Vec<Addr>,
    /// Cc.
    pub cc: Vec<Addr>,
    /// Bcc.
    pub bcc: Vec<Addr>,
}

/// A message: non-MIME header lines, expected addresses, and its top-level entity.
#[derive(Clone, Debug)]
pub struct Message {
    /// Header lines other than the Content-* ones, raw and CRLF-terminated, in order.
    pub header: Vec<u8>,
    /// The envelope's address lists.
    pub addresses: Addresses,
    /// The top-level entity (its Content-* lines follow [`header`](Self::header)).
    pub body: Part,
}

/// One generated message of the mailbox, with the metadata it is appended with.
#[derive(Clone, Debug)]
pub struct Generated {
    /// A short name, for failure messages.
    pub name: &'static str,
    /// Flags to append it with.
    pub flags: Vec<&'static str>,
    /// Internal date to append it with, IMAP `date-time` form without quotes.
    pub internal_date: String,
    /// True if the message is appended with bare LF line endings.
    pub lf_only: bool,
    /// True if it belongs to the thread set (it has `X-Thread-Test: yes`).
    pub thread: bool,
    /// The message.
    pub message: Message,
}

impl Generated {
    /// The bytes to append: the rendered message, with LF line endings when
    /// [`lf_only`](Self::lf_only).
    pub fn bytes(&self) -> Vec<u8> {
        let crlf = self.message.render();
        if self.lf_only {
            to_lf(&crlf)
        } else {
            crlf
        }
    }
}

/// Replaces every CRLF by LF.
pub fn to_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Building parts and messages
// ---------------------------------------------------------------------------------------------

impl Part {
    /// A leaf of type `media_type/subtype` with no parameters and a 7bit body.
    pub fn leaf(media_type: &str, subtype: &str, body: impl Into<Vec<u8>>) -> Part {
        Part {
            info: PartInfo {
                media_type: media_type.into(),
                subtype: subtype.into(),
                encoding: "7bit".into(),
                ..PartInfo::default()
            },
            raw_mime: None,
            extra: Vec::new(),
            content: Content::Leaf(body.into()),
        }
    }

    /// `text/subtype` with a charset parameter (when given).
    pub fn text(subtype: &str, charset: Option<&str>, body: impl Into<Vec<u8>>) -> Part {
        let p = Part::leaf("text", subtype, body);
        match charset {
            Some(c) => p.param("charset", c),
            None => p,
        }
    }

    /// A multipart with the given boundary (also set as its first parameter).
    pub fn multi(subtype: &str, boundary: &str, parts: Vec<Part>) -> Part {
        Part {
            info: PartInfo {
                media_type: "multipart".into(),
                subtype: subtype.into(),
                params: vec![("boundary".into(), boundary.into())],
                encoding: "7bit".into(),
                ..PartInfo::default()
            },
            raw_mime: None,
            extra: Vec::new(),
            content: Content::Multi {
                boundary: boundary.into(),
                preamble: Vec::new(),
                parts,
                epilogue: Vec::new(),
                raw: Vec::new(),
            },
        }
    }

    /// A `message/rfc822` part holding `message`.
    pub fn message(message: Message) -> Part {
        Part {
            info: PartInfo {
                media_type: "message".into(),
                subtype: "rfc822".into(),
                encoding: "7bit".into(),
                ..PartInfo::default()
            },
            raw_mime: None,
            extra: Vec::new(),
            content: Content::Message(Box::new(message)),
        }
    }

    /// Adds a Content-Type parameter.
    pub fn param(mut self, name: &str, value: &str) -> Part {
        self.info.params.push((name.into(), value.into()));
        self
    }

    /// Sets the Content-Transfer-Encoding (the content must already be encoded so).
    pub fn encoding(mut self, encoding: &str) -> Part {
        self.info.encoding = encoding.into();
        self
    }

    /// Sets the Content-ID.
    pub fn id(mut self, id: &str) -> Part {
        self.info.id = Some(id.into());
        self
    }

    /// Sets the Content-Description.
    pub fn description(mut self, description: &str) -> Part {
        self.info.description = Some(description.into());
        self
    }

    /// Sets the Content-MD5.
    pub fn md5(mut self, md5: &str) -> Part {
        self.info.md5 = Some(md5.into());
        self
    }

    /// Sets the Content-Disposition.
    pub fn disposition(mut self, kind: &str, params: &[(&str, &str)]) -> Part {
        let params = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.info.disposition = Some((kind.into(), params));
        self
    }

    /// Sets the Content-Language tags.
    pub fn language(mut self, tags: &[&str]) -> Part {
        self.info.language = tags.iter().map(|t| t.to_string()).collect();
        self
    }

    /// Sets the Content-Location.
    pub fn location(mut self, location: &str) -> Part {
        self.info.location = Some(location.into());
        self
    }

    /// Writes `raw` (CRLF-terminated Content-* lines) instead of the rendered MIME header;
    /// `info` becomes the exact expectation (no defaults applied).
    pub fn raw_mime(mut self, raw: &[u8], info: PartInfo) -> Part {
        self.raw_mime = Some(raw.to_vec());
        self.info = info;
        self
    }

    /// Adds a raw header line (without CRLF) after the Content-* lines.
    pub fn extra(mut self, line: &str) -> Part {
        self.extra.extend_from_slice(line.as_bytes());
        self.extra.extend_from_slice(b"\r\n");
        self
    }

    /// Sets a multipart's preamble and epilogue.
    pub fn around(mut self, before: &[u8], after: &[u8]) -> Part {
        if let Content::Multi {
            preamble, epilogue, ..
        } = &mut self.content
        {
            *preamble = before.to_vec();
            *epilogue = after.to_vec();
        }
        self
    }

    /// Makes a multipart with no parts whose whole body is `raw`.
    pub fn without_parts(mut self, body: &[u8]) -> Part {
        if let Content::Multi { parts, raw, .. } = &mut self.content {
            parts.clear();
            *raw = body.to_vec();
        }
        self
    }

    /// The BODYSTRUCTURE fields Dovecot should report: [`info`](Self::info) plus
    /// `charset=us-ascii` appended to a `text/*` part without a charset (unless the header
    /// was raw).
    pub fn expected(&self) -> PartInfo {
        let mut info = self.info.clone();
        if self.raw_mime.is_none()
            && info.media_type.eq_ignore_ascii_case("text")
            && !info
                .params
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("charset"))
        {
            info.params.push(("charset".into(), "us-ascii".into()));
        }
        info
    }

    /// The Content-* header lines.
    pub fn mime_header(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if let Some(raw) = &self.raw_mime {
            out.extend_from_slice(raw);
        } else {
            let i = &self.info;
            out.extend_from_slice(
                format!("Content-Type: {}/{}", i.media_type, i.subtype).as_bytes(),
            );
            write_params(&mut out, &i.params);
            out.extend_from_slice(b"\r\n");
            if !i.encoding.eq_ignore_ascii_case("7bit") {
                line(&mut out, "Content-Transfer-Encoding", &i.encoding);
            }
            if let Some(v) = &i.id {
                line(&mut out, "Content-ID", v);
            }
            if let Some(v) = &i.description {
                line(&mut out, "Content-Description", v);
            }
            if let Some(v) = &i.md5 {
                line(&mut out, "Content-MD5", v);
            }
            if let Some((kind, params)) = &i.disposition {
                out.extend_from_slice(format!("Content-Disposition: {kind}").as_bytes());
                write_params(&mut out, params);
                out.extend_from_slice(b"\r\n");
            }
            if !i.language.is_empty() {
                line(&mut out, "Content-Language", &i.language.join(", "));
            }
            if let Some(v) = &i.location {
                line(&mut out, "Content-Location", v);
            }
        }
        out.extend_from_slice(&self.extra);
        out
    }

    /// The body of the part (after its header and the empty line), as Dovecot counts its
    /// size: for a multipart, everything up to the end of the epilogue.
    pub fn render_body(&self) -> Vec<u8> {
        match &self.content {
            Content::Leaf(b) => b.clone(),
            Content::Message(m) => m.render(),
            Content::Multi {
                boundary,
                preamble,
                parts,
                epilogue,
                raw,
            } => {
                if parts.is_empty() {
                    return raw.clone();
                }
                let mut out = preamble.clone();
                for p in parts {
                    out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                    out.extend_from_slice(&p.render());
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
                out.extend_from_slice(epilogue);
                out
            }
        }
    }

    /// The whole entity: MIME header, empty line, body.
    pub fn render(&self) -> Vec<u8> {
        let mut out = self.mime_header();
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.render_body());
        out
    }
}

/// Appends `Name: value\r\n`.
fn line(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
}

/// Appends `; name=value` for each parameter, quoting values that are not tokens.
fn write_params(out: &mut Vec<u8>, params: &[(String, String)]) {
    for (k, v) in params {
        let token = !v.is_empty()
            && v.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b));
        if token {
            out.extend_from_slice(format!("; {k}={v}").as_bytes());
        } else {
            let escaped = v.replace('\\', "\\\\").replace('"', "\\\"");
            out.extend_from_slice(format!("; {k}=\"{escaped}\"").as_bytes());
        }
    }
}

impl Message {
    /// A message whose top-level entity is `body`, with no header lines yet.
    pub fn new(body: Part) -> Message {
        Message {
            header: Vec::new(),
            addresses: Addresses::default(),
            body,
        }
    }

    /// Adds a raw header line (bytes, without the final CRLF; folds as `\r\n ` inside).
    pub fn field(mut self, line: impl AsRef<[u8]>) -> Message {
        self.header.extend_from_slice(line.as_ref());
        self.header.extend_from_slice(b"\r\n");
        self
    }

    /// Sets the expected From list.
    pub fn from(mut self, a: Vec<Addr>) -> Message {
        self.addresses.from = a;
        self
    }

    /// Sets the expected Sender list.
    pub fn sender(mut self, a: Vec<Addr>) -> Message {
        self.addresses.sender = a;
        self
    }

    /// Sets the expected Reply-To list.
    pub fn reply_to(mut self, a: Vec<Addr>) -> Message {
        self.addresses.reply_to = a;
        self
    }

    /// Sets the expected To list.
    pub fn to(mut self, a: Vec<Addr>) -> Message {
        self.addresses.to = a;
        self
    }

    /// Sets the expected Cc list.
    pub fn cc(mut self, a: Vec<Addr>) -> Message {
        self.addresses.cc = a;
        self
    }

    /// Sets the expected Bcc list.
    pub fn bcc(mut self, a: Vec<Addr>) -> Message {
        self.addresses.bcc = a;
        self
    }

    /// The message bytes, CRLF line endings.
    pub fn render(&self) -> Vec<u8> {
        let mut out = self.header.clone();
        out.extend_from_slice(&self.body.render());
        out
    }
}

/// `(name NIL mailbox host)`.
pub fn addr(name: Option<&[u8]>, mailbox: &str, host: &str) -> Addr {
    Addr {
        name: name.map(<[u8]>::to_vec),
        adl: None,
        mailbox: Some(mailbox.as_bytes().to_vec()),
        host: Some(host.as_bytes().to_vec()),
    }
}

/// `(NIL NIL mailbox host)`.
pub fn bare(mailbox: &str, host: &str) -> Addr {
    addr(None, mailbox, host)
}

/// The start of a group: `(NIL NIL name NIL)`.
pub fn group(name: &[u8]) -> Addr {
    Addr {
        mailbox: Some(name.to_vec()),
        ..Addr::default()
    }
}

/// The end of a group: `(NIL NIL NIL NIL)`.
pub fn group_end() -> Addr {
    Addr::default()
}

// ---------------------------------------------------------------------------------------------
// Encodings and filler content
// ---------------------------------------------------------------------------------------------

/// Base64 with 76-character lines, each ending in CRLF.
pub fn base64_lines(data: &[u8]) -> Vec<u8> {
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = Vec::with_capacity(text.len() + text.len() / 38 + 2);
    for chunk in text.as_bytes().chunks(76) {
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Quoted-printable (RFC 2045 §6.7) of text with CRLF line breaks: 8-bit bytes, `=`, and
/// trailing white space are escaped; lines are soft-broken before 76 characters.
pub fn quoted_printable(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let lines: Vec<&[u8]> = split_crlf(text);
    for (n, l) in lines.iter().enumerate() {
        let mut col = 0;
        for (i, &b) in l.iter().enumerate() {
            let last = i + 1 == l.len();
            let plain =
                ((b == b' ' || b == b'\t') && !last) || ((33..=126).contains(&b) && b != b'=');
            let piece = if plain {
                vec![b]
            } else {
                format!("={b:02X}").into_bytes()
            };
            if col + piece.len() > 75 {
                out.extend_from_slice(b"=\r\n");
                col = 0;
            }
            col += piece.len();
            out.extend_from_slice(&piece);
        }
        if n + 1 < lines.len() {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

fn split_crlf(text: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + 1 < text.len() {
        if &text[i..i + 2] == b"\r\n" {
            out.push(&text[start..i]);
            start = i + 2;
            i += 2;
        } else {
            i += 1;
        }
    }
    out.push(&text[start..]);
    out
}

/// Deterministic pseudo-random bytes (xorshift), for attachments.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// `n` lines of prose, CRLF-terminated.
pub fn prose(n: usize) -> Vec<u8> {
    const WORDS: [&str; 16] = [
        "the",
        "quarterly",
        "figures",
        "look",
        "fine",
        "but",
        "please",
        "check",
        "the",
        "tables",
        "again",
        "before",
        "Friday",
        "thanks",
        "and",
        "cheers",
    ];
    let mut out = Vec::new();
    for i in 0..n {
        let words: Vec<&str> = (0..9).map(|j| WORDS[(i * 7 + j * 3) % 16]).collect();
        out.extend_from_slice(words.join(" ").as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// An RFC 5322 date for message `i` (distinct, increasing with `i`).
fn date_header(i: usize) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    // 2 March 2020 is a Monday; one day per message.
    let (y, m, d) = civil_from_days(days_from_civil(2020, 3, 2) + i as i64);
    format!(
        "Date: {}, {d} {} {y} {:02}:{:02}:{:02} +0100",
        DAYS[i % 7],
        MONTHS[(m - 1) as usize],
        8 + i % 10,
        (i * 7) % 60,
        (i * 13) % 60
    )
}

/// Month abbreviations of IMAP and RFC 5322 dates.
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// An IMAP internal date for message `i`, with varied zones (and years 2019–2025).
fn internal_date(i: usize) -> String {
    const ZONES: [&str; 7] = [
        "+0000", "+0100", "-0500", "+0530", "-0930", "+1400", "-1200",
    ];
    let (y, m, d) = civil_from_days(days_from_civil(2019, 1, 15) + (i as i64) * 53);
    format!(
        "{d:02}-{}-{y} {:02}:{:02}:{:02} {}",
        MONTHS[(m - 1) as usize],
        (i * 5) % 24,
        (i * 11) % 60,
        (i * 17) % 60,
        ZONES[i % ZONES.len()]
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Seconds since the epoch of an IMAP `date-time` without quotes
/// (`04-Mar-2025 11:42:17 +0100`); `None` if malformed.
pub fn imap_date_to_unix(s: &str) -> Option<i64> {
    let (date, rest) = s.trim().split_once(' ')?;
    let (time, zone) = rest.split_once(' ')?;
    let mut dp = date.split('-');
    let d: u32 = dp.next()?.trim().parse().ok()?;
    let month = dp.next()?;
    let m = MONTHS.iter().position(|&x| x == month)? as u32 + 1;
    let y: i64 = dp.next()?.parse().ok()?;
    let t: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let [hh, mm, ss] = t[..] else { return None };
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let zh: i64 = zone.get(1..3)?.parse().ok()?;
    let zm: i64 = zone.get(3..5)?.parse().ok()?;
    let local = days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(local - sign * (zh * 3600 + zm * 60))
}

// ---------------------------------------------------------------------------------------------
// The mailbox
// ---------------------------------------------------------------------------------------------

/// Flag sets cycled through the messages.
const FLAG_SETS: [&[&str]; 10] = [
    &["\\Seen"],
    &[],
    &["\\Seen", "\\Answered"],
    &["\\Flagged"],
    &["\\Seen", "\\Flagged", "$Forwarded"],
    &["\\Draft"],
    &["$Forwarded"],
    &["\\Seen", "$Label1", "Work"],
    &["\\Answered", "\\Deleted"],
    &["\\Seen", "Work"],
];

/// A simple message with the usual header (Date, From, To, Subject, Message-ID).
fn simple(i: usize, subject: &str, body: Part) -> Message {
    Message::new(body)
        .field(date_header(i))
        .field("From: Alice Example <alice@example.com>")
        .field("To: Bob <bob@example.org>")
        .field(format!("Subject: {subject}"))
        .field(format!(
            "Message-ID: <gen{i}.{}@example.com>",
            subject.len()
        ))
        .field("MIME-Version: 1.0")
        .from(vec![addr(Some(b"Alice Example"), "alice", "example.com")])
        .to(vec![addr(Some(b"Bob"), "bob", "example.org")])
}

/// The messages of INBOX, in append order.
pub fn mailbox() -> Vec<Generated> {
    let mut out: Vec<(&'static str, Message)> = Vec::new();
    let mut lf_only = Vec::new();
    let mut thread = Vec::new();
    let n = |out: &Vec<(&'static str, Message)>| out.len();

    // Plain US-ASCII text.
    let i = n(&out);
    out.push((
        "plain-ascii",
        simple(i, "Lunch on Friday?", Part::text("plain", None, prose(4))),
    ));

    // UTF-8 quoted-printable body, encoded-word subject and name.
    let i = n(&out);
    let body = "Grüße aus München!\r\nDie Straße ist schön — 20 °C.\r\n".as_bytes();
    out.push((
        "qp-utf8",
        Message::new(
            Part::text("plain", Some("utf-8"), quoted_printable(body)).encoding("quoted-printable"),
        )
        .field(date_header(i))
        .field("From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <joerg@example.de>")
        .field("To: alice@example.com")
        .field("Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=")
        .field("Message-ID: <qp-utf8@example.de>")
        .from(vec![addr(
            Some(b"=?utf-8?q?J=C3=B6rg_M=C3=BCller?="),
            "joerg",
            "example.de",
        )])
        .to(vec![bare("alice", "example.com")]),
    ));

    // multipart/alternative.
    let i = n(&out);
    let html = b"<html><body><p>The <b>figures</b> are in.</p>\r\n<p>Cheers</p></body></html>\r\n";
    out.push((
        "alternative",
        simple(
            i,
            "Figures are in",
            Part::multi(
                "alternative",
                "----=_Part_0_123.456",
                vec![
                    Part::text(
                        "plain",
                        Some("utf-8"),
                        b"The figures are in.\r\nCheers\r\n".to_vec(),
                    ),
                    Part::text("html", Some("utf-8"), quoted_printable(html))
                        .encoding("quoted-printable"),
                ],
            ),
        ),
    ));

    // multipart/mixed with a base64 PDF.
    let i = n(&out);
    let pdf = [b"%PDF-1.4\n".to_vec(), noise(3000, 4)].concat();
    out.push((
        "mixed-pdf",
        simple(
            i,
            "Invoice 2024-117",
            Part::multi(
                "mixed",
                "b4_7f3a",
                vec![
                    Part::text(
                        "plain",
                        Some("us-ascii"),
                        b"Please find the invoice attached.\r\n".to_vec(),
                    ),
                    Part::leaf("application", "pdf", base64_lines(&pdf))
                        .param("name", "Invoice 2024-117.pdf")
                        .encoding("base64")
                        .disposition(
                            "attachment",
                            &[("filename", "Invoice 2024-117.pdf"), ("size", "3009")],
                        ),
                ],
            ),
        ),
    ));

    // Quoted-printable CSV attachment and an inline image with Content-ID.
    let i = n(&out);
    let csv = "name;amount;note\r\nÄpfel;3;fresh\r\nBirnen;5;=\"ripe\"\r\n".as_bytes();
    out.push((
        "csv-and-inline-image",
        simple(
            i,
            "Shopping list",
            Part::multi(
                "mixed",
                "=_csv",
                vec![
                    Part::text(
                        "plain",
                        Some("iso-8859-1"),
                        b"See list and photo.\r\n".to_vec(),
                    ),
                    Part::text("csv", Some("utf-8"), quoted_printable(csv))
                        .encoding("quoted-printable")
                        .disposition("attachment", &[("filename", "list.csv")]),
                    Part::leaf("image", "png", base64_lines(&noise(700, 5)))
                        .param("name", "photo.png")
                        .encoding("base64")
                        .id("<photo.1@example.com>")
                        .description("A photo of the market")
                        .disposition("inline", &[("filename", "photo.png")]),
                ],
            ),
        ),
    ));

    // Nested multiparts: mixed[alternative[text, related[html, gif]], zip].
    let i = n(&out);
    out.push((
        "nested-related",
        simple(
            i,
            "Newsletter March",
            Part::multi(
                "mixed",
                "outer",
                vec![
                    Part::multi(
                        "alternative",
                        "middle",
                        vec![
                            Part::text("plain", Some("utf-8"), prose(6)),
                            Part::multi(
                                "related",
                                "inner",
                                vec![
                                    Part::text(
                                        "html",
                                        Some("utf-8"),
                                        b"<p><img src=\"cid:logo@x\"> Hello</p>\r\n".to_vec(),
                                    ),
                                    Part::leaf("image", "gif", base64_lines(&noise(200, 6)))
                                        .encoding("base64")
                                        .id("<logo@x>"),
                                ],
                            )
                            .param("type", "text/html"),
                        ],
                    ),
                    Part::leaf("application", "zip", base64_lines(&noise(1500, 7)))
                        .param("name", "archive.zip")
                        .encoding("base64")
                        .disposition("attachment", &[("filename", "archive.zip")]),
                ],
            ),
        ),
    ));

    // A forwarded message (message/rfc822) of one text part.
    let i = n(&out);
    let inner = simple(40, "Original question", Part::text("plain", None, prose(3)));
    out.push((
        "forward-rfc822",
        simple(
            i,
            "Fwd: Original question",
            Part::multi(
                "mixed",
                "fwd1",
                vec![
                    Part::text("plain", None, b"See below.\r\n".to_vec()),
                    Part::message(inner).disposition("inline", &[]),
                ],
            ),
        ),
    ));

    // message/rfc822 nested twice, the innermost multipart/alternative.
    let i = n(&out);
    let innermost = Message::new(Part::multi(
        "alternative",
        "alt3",
        vec![
            Part::text("plain", None, b"Deep text\r\n".to_vec()),
            Part::text("html", None, b"<p>Deep html</p>\r\n".to_vec()),
        ],
    ))
    .field("From: Carol <carol@example.net>")
    .field("Subject: =?iso-8859-1?q?Tr=E8s_profond?=")
    .field("Date: Sun, 1 Mar 2020 10:00:00 +0000")
    .field("Message-ID: <innermost@example.net>")
    .from(vec![addr(Some(b"Carol"), "carol", "example.net")]);
    let middle = Message::new(Part::multi(
        "mixed",
        "mid2",
        vec![
            Part::text("plain", Some("utf-8"), b"Forwarding again.\r\n".to_vec()),
            Part::message(innermost).description("the deep one"),
        ],
    ))
    .field("From: Dave <dave@example.net>")
    .field("To: Alice Example <alice@example.com>")
    .field("Subject: Fwd: Tres profond")
    .field("Message-ID: <middle@example.net>")
    .field("In-Reply-To: <innermost@example.net>")
    .from(vec![addr(Some(b"Dave"), "dave", "example.net")])
    .to(vec![addr(Some(b"Alice Example"), "alice", "example.com")]);
    out.push((
        "forward-twice",
        simple(
            i,
            "Fwd: Fwd: Tres profond",
            Part::multi(
                "mixed",
                "top1",
                vec![
                    Part::text("plain", None, b"Twice forwarded.\r\n".to_vec()),
                    Part::message(middle).disposition("attachment", &[("filename", "middle.eml")]),
                ],
            ),
        ),
    ));

    // Raw UTF-8 in headers.
    let i = n(&out);
    out.push((
        "utf8-raw-headers",
        Message::new(
            Part::text("plain", Some("utf-8"), "Привет!\r\n".as_bytes().to_vec()).encoding("8bit"),
        )
        .field(date_header(i))
        .field("From: \"Müller, Jürgen\" <juergen@müller.de>".as_bytes())
        .field("To: Ирина <irina@example.ru>, 山田太郎 <taro@example.jp>".as_bytes())
        .field("Subject: Grüße – 日本語 – Привет".as_bytes())
        .field("Message-ID: <utf8raw@example.de>")
        .from(vec![addr(
            Some("Müller, Jürgen".as_bytes()),
            "juergen",
            "müller.de",
        )])
        .to(vec![
            addr(Some("Ирина".as_bytes()), "irina", "example.ru"),
            addr(Some("山田太郎".as_bytes()), "taro", "example.jp"),
        ]),
    ));

    // Raw Latin-1 in headers (not UTF-8 at all).
    let i = n(&out);
    out.push((
        "latin1-raw-headers",
        Message::new(
            Part::text(
                "plain",
                Some("iso-8859-1"),
                b"Voil\xe0 le r\xe9sum\xe9.\r\n".to_vec(),
            )
            .encoding("8bit"),
        )
        .field(date_header(i))
        .field(b"From: Fran\xe7ois <francois@example.fr>")
        .field("To: bob@example.org")
        .field(b"Subject: R\xe9sum\xe9 de la r\xe9union")
        .field("Message-ID: <latin1@example.fr>")
        .from(vec![addr(Some(b"Fran\xe7ois"), "francois", "example.fr")])
        .to(vec![bare("bob", "example.org")]),
    ));

    // Encoded words everywhere (B and Q, adjacent, several charsets).
    let i = n(&out);
    out.push((
        "encoded-words",
        Message::new(Part::text("plain", Some("utf-8"), b"x\r\n".to_vec()))
            .field(date_header(i))
            .field("From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>")
            .field("To: =?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>, =?utf-8?B?5bGx55Sw?= <yamada@example.jp>")
            .field("Cc: =?ISO-8859-1?Q?Olle_J=E4rnefors?= <ojarnef@admin.kth.se>")
            .field("Subject: =?utf-8?b?SGVsbG8gV8O2cmxk?= =?utf-8?q?_and_more?=\r\n =?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=")
            .field("Message-ID: <encoded@example.com>")
            .from(vec![addr(Some(b"=?ISO-8859-1?Q?Andr=E9?= Pirard"), "PIRARD", "vm1.ulg.ac.be")])
            .to(vec![
                addr(Some(b"=?US-ASCII?Q?Keith_Moore?="), "moore", "cs.utk.edu"),
                addr(Some(b"=?utf-8?B?5bGx55Sw?="), "yamada", "example.jp"),
            ])
            .cc(vec![addr(Some(b"=?ISO-8859-1?Q?Olle_J=E4rnefors?="), "ojarnef", "admin.kth.se")]),
    ));

    // Group addresses, an empty group, an encoded group name.
    let i = n(&out);
    out.push((
        "groups",
        Message::new(Part::text("plain", None, b"Team mail.\r\n".to_vec()))
            .field(date_header(i))
            .field("From: Lead <lead@example.com>")
            .field("To: Team: ann@example.com, Bo <bo@example.com>;, solo@example.com")
            .field("Cc: undisclosed-recipients:;")
            .field("Bcc: =?utf-8?q?Gr=C3=BCn?=: g1@example.com;")
            .field("Subject: Groups")
            .from(vec![addr(Some(b"Lead"), "lead", "example.com")])
            .to(vec![
                group(b"Team"),
                bare("ann", "example.com"),
                addr(Some(b"Bo"), "bo", "example.com"),
                group_end(),
                bare("solo", "example.com"),
            ])
            .cc(vec![group(b"undisclosed-recipients"), group_end()])
            .bcc(vec![
                group(b"=?utf-8?q?Gr=C3=BCn?="),
                bare("g1", "example.com"),
                group_end(),
            ]),
    ));

    // Missing headers: no Date, Subject, From, To, Message-ID, no MIME header at all.
    out.push((
        "missing-headers",
        Message::new(
            Part::leaf("text", "plain", b"Nobody wrote this.\r\n".to_vec()).raw_mime(
                b"",
                PartInfo {
                    media_type: "text".into(),
                    subtype: "plain".into(),
                    params: vec![("charset".into(), "us-ascii".into())],
                    encoding: "7bit".into(),
                    ..PartInfo::default()
                },
            ),
        )
        .field("X-Mailer: none"),
    ));

    // Empty headers.
    out.push((
        "empty-headers",
        Message::new(Part::text("plain", None, b"Empty fields.\r\n".to_vec()))
            .field("Date:")
            .field("Subject:")
            .field("From: solo@example.com")
            .field("To:")
            .field("Cc: ")
            .field("Message-ID:")
            .field("In-Reply-To: ")
            .from(vec![bare("solo", "example.com")]),
    ));

    // Very long headers: subject, recipients, references.
    let i = n(&out);
    let mut subject = String::from("Subject: Long");
    for k in 0..60 {
        subject.push_str(&format!("\r\n word{k} and some more text to make it long"));
    }
    let mut to = String::from("To: ");
    let mut to_expect = Vec::new();
    for k in 0..60 {
        if k > 0 {
            to.push_str(",\r\n ");
        }
        to.push_str(&format!("\"Person {k}\" <p{k}@example.com>"));
        to_expect.push(addr(
            Some(format!("Person {k}").as_bytes()),
            &format!("p{k}"),
            "example.com",
        ));
    }
    let mut refs = String::from("References:");
    for k in 0..40 {
        refs.push_str(&format!("\r\n <ref{k}.{}@long.example.com>", "x".repeat(k)));
    }
    out.push((
        "long-headers",
        Message::new(Part::text("plain", None, prose(2)))
            .field(date_header(i))
            .field("From: Long Sender <long@example.com>")
            .field(to)
            .field(subject)
            .field(refs)
            .field("Message-ID: <long@example.com>")
            .field("In-Reply-To: <ref39.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx@long.example.com>")
            .from(vec![addr(Some(b"Long Sender"), "long", "example.com")])
            .to(to_expect),
    ));

    // Content-Disposition with many parameters, RFC 2231 values and continuations.
    let i = n(&out);
    out.push((
        "disposition-params",
        simple(
            i,
            "Rates",
            Part::multi(
                "mixed",
                "disp",
                vec![
                    Part::text("plain", None, b"Rates attached.\r\n".to_vec()),
                    Part::leaf("application", "vnd.ms-excel", base64_lines(&noise(400, 16)))
                        .encoding("base64")
                        .disposition(
                            "attachment",
                            &[
                                ("filename", "rates 2025.xls"),
                                ("size", "400"),
                                ("creation-date", "Tue, 4 Mar 2025 11:42:17 +0100"),
                                ("modification-date", "Wed, 5 Mar 2025 09:00:00 +0100"),
                                ("read-date", "Thu, 6 Mar 2025 10:30:00 +0100"),
                            ],
                        ),
                    Part::leaf("application", "pdf", base64_lines(&noise(300, 17))).raw_mime(
                        b"Content-Type: application/pdf; name*0=\"very long \"; name*1=\"name.pdf\"\r\n\
                          Content-Transfer-Encoding: base64\r\n\
                          Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%20rates.pdf; size=300\r\n",
                        PartInfo {
                            media_type: "application".into(),
                            subtype: "pdf".into(),
                            params: vec![("name".into(), "very long name.pdf".into())],
                            encoding: "base64".into(),
                            // Dovecot lists plain parameters first, then RFC 2231 ones
                            // (still encoded, with the `*` in the name).
                            disposition: Some((
                                "attachment".into(),
                                vec![
                                    ("size".into(), "300".into()),
                                    ("filename*".into(), "utf-8''%E2%82%AC%20rates.pdf".into()),
                                ],
                            )),
                            ..PartInfo::default()
                        },
                    ),
                ],
            ),
        ),
    ));

    // Content-Language and Content-Location, on parts and on the multipart.
    let i = n(&out);
    out.push((
        "language-location",
        simple(
            i,
            "Bilingual",
            Part::multi(
                "alternative",
                "lang",
                vec![
                    Part::text("plain", Some("utf-8"), b"Hello / Hallo\r\n".to_vec())
                        .language(&["en", "de-CH"]),
                    Part::text("html", Some("utf-8"), b"<p>Hello</p>\r\n".to_vec())
                        .language(&["en"])
                        .location("http://www.example.com/hello.html"),
                ],
            )
            .language(&["en", "de"])
            .location("http://www.example.com/")
            .disposition("inline", &[]),
        ),
    ));

    // Content-MD5 and Content-Description on a single-part message.
    let i = n(&out);
    out.push((
        "content-md5",
        simple(
            i,
            "Checked",
            Part::text("plain", Some("us-ascii"), b"Check Integrity!\r\n".to_vec())
                .md5("Q2hlY2sgSW50ZWdyaXR5IQ==")
                .description("A \"quoted\" description \\ with a backslash")
                .id("<md5part@example.com>"),
        ),
    ));

    // Many recipients: To, Cc, Bcc, Reply-To, a distinct Sender.
    let i = n(&out);
    out.push((
        "many-recipients",
        Message::new(Part::text("plain", None, b"All hands.\r\n".to_vec()))
            .field(date_header(i))
            .field("From: Boss <boss@example.com>")
            .field("Sender: Assistant <assistant@example.com>")
            .field("Reply-To: Boss <boss@example.com>, Team <team@example.com>")
            .field("To: a1@example.com, A Two <a2@example.com>, \"Three, A.\" <a3@example.com>,\r\n a4@example.com, a5@example.org")
            .field("Cc: c1@example.com, C2 <c2@example.com>, c3@example.net, c4@example.net")
            .field("Bcc: b1@example.com, B2 <b2@example.com>")
            .field("Subject: All hands")
            .field("Message-ID: <allhands@example.com>")
            .from(vec![addr(Some(b"Boss"), "boss", "example.com")])
            .sender(vec![addr(Some(b"Assistant"), "assistant", "example.com")])
            .reply_to(vec![
                addr(Some(b"Boss"), "boss", "example.com"),
                addr(Some(b"Team"), "team", "example.com"),
            ])
            .to(vec![
                bare("a1", "example.com"),
                addr(Some(b"A Two"), "a2", "example.com"),
                addr(Some(b"Three, A."), "a3", "example.com"),
                bare("a4", "example.com"),
                bare("a5", "example.org"),
            ])
            .cc(vec![
                bare("c1", "example.com"),
                addr(Some(b"C2"), "c2", "example.com"),
                bare("c3", "example.net"),
                bare("c4", "example.net"),
            ])
            .bcc(vec![bare("b1", "example.com"), addr(Some(b"B2"), "b2", "example.com")]),
    ));

    // A reply: In-Reply-To and References.
    let i = n(&out);
    out.push((
        "reply",
        simple(
            i,
            "Re: Lunch on Friday?",
            Part::text("plain", None, b"> Lunch?\r\nYes!\r\n".to_vec()),
        )
        .field("In-Reply-To: <gen0.16@example.com>")
        .field("References: <gen0.16@example.com>"),
    ));

    // A subject that needs a literal: quotes and a backslash.
    let i = n(&out);
    out.push((
        "literal-subject",
        simple(
            i,
            "He said \"hi\" \\ and left",
            Part::text("plain", None, b"ok\r\n".to_vec()),
        ),
    ));

    // Bare LF line endings (Dovecot serves CRLF).
    let i = n(&out);
    lf_only.push(n(&out));
    out.push((
        "lf-only",
        simple(
            i,
            "Unix \"line\" endings",
            Part::multi(
                "mixed",
                "lf",
                vec![
                    Part::text("plain", None, b"line1\r\nline2\r\n\r\n".to_vec()),
                    Part::leaf("application", "octet-stream", base64_lines(&noise(100, 22)))
                        .encoding("base64"),
                ],
            ),
        ),
    ));

    // Preamble and epilogue.
    let i = n(&out);
    out.push((
        "preamble-epilogue",
        simple(
            i,
            "With preamble",
            Part::multi(
                "mixed",
                "pre",
                vec![
                    Part::text("plain", None, b"first\r\n".to_vec()),
                    Part::text("plain", None, b"second".to_vec()),
                ],
            )
            .around(
                b"This is a multi-part message in MIME format.\r\n",
                b"This is the epilogue.\r\nIt has two lines.\r\n",
            ),
        ),
    ));

    // A multipart without any body part (Dovecot reports one empty text part).
    let i = n(&out);
    out.push((
        "empty-multipart",
        simple(
            i,
            "Empty multipart",
            Part::multi("alternative", "never-used", vec![])
                .without_parts(b"There are no parts here.\r\n"),
        ),
    ));

    // Bodies without a final line break, and an empty body.
    let i = n(&out);
    out.push((
        "no-final-newline",
        simple(
            i,
            "No final newline",
            Part::multi(
                "mixed",
                "nf",
                vec![
                    Part::text("plain", None, b"no newline at end".to_vec()),
                    Part::text("plain", None, Vec::new()),
                    Part::text("plain", None, b"\r\n\r\n\r\n".to_vec()),
                ],
            ),
        ),
    ));
    let i = n(&out);
    out.push((
        "empty-body",
        simple(i, "Empty body", Part::text("plain", None, Vec::new())),
    ));

    // Odd Content-Type headers: case, quoting, escapes, missing subtype, garbage.
    let i = n(&out);
    out.push((
        "odd-content-types",
        simple(
            i,
            "Odd types",
            Part::multi(
                "MIXED",
                "odd",
                vec![
                    Part::leaf("TEXT", "PLAIN", b"upper\r\n".to_vec()).raw_mime(
                        b"Content-Type: TEXT/PLAIN; CHARSET=\"UTF-8\"; Format=Flowed; x-esc=\"a\\\"b\\\\c\"\r\n",
                        PartInfo {
                            media_type: "TEXT".into(),
                            subtype: "PLAIN".into(),
                            params: vec![
                                ("CHARSET".into(), "UTF-8".into()),
                                ("Format".into(), "Flowed".into()),
                                ("x-esc".into(), "a\"b\\c".into()),
                            ],
                            encoding: "7bit".into(),
                            ..PartInfo::default()
                        },
                    ),
                    Part::leaf("application", "octet-stream", b"raw\r\n".to_vec()),
                    Part::leaf("text", "", b"no subtype\r\n".to_vec()).raw_mime(
                        b"Content-Type: text\r\n",
                        PartInfo {
                            media_type: "text".into(),
                            subtype: "".into(),
                            params: vec![("charset".into(), "us-ascii".into())],
                            encoding: "7bit".into(),
                            ..PartInfo::default()
                        },
                    ),
                    Part::leaf("", "", "garbage type \u{e9}\r\n".as_bytes().to_vec()).raw_mime(
                        b"Content-Type: ; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n",
                        PartInfo {
                            encoding: "8bit".into(),
                            ..PartInfo::default()
                        },
                    ),
                ],
            ),
        ),
    ));

    // multipart/signed.
    let i = n(&out);
    let sig = b"-----BEGIN PGP SIGNATURE-----\r\n\r\niQEzBAEBCAAdFiEE\r\n=abcd\r\n-----END PGP SIGNATURE-----\r\n";
    out.push((
        "signed",
        simple(
            i,
            "Signed message",
            Part::multi(
                "signed",
                "sig",
                vec![
                    Part::text("plain", Some("utf-8"), b"Trust me.\r\n".to_vec())
                        .encoding("quoted-printable"),
                    Part::leaf("application", "pgp-signature", sig.to_vec())
                        .param("name", "signature.asc")
                        .description("OpenPGP digital signature")
                        .disposition("attachment", &[("filename", "signature.asc")]),
                ],
            )
            .param("micalg", "pgp-sha256")
            .param("protocol", "application/pgp-signature"),
        ),
    ));

    // A delivery status notification (multipart/report).
    let i = n(&out);
    let returned = simple(
        41,
        "Undeliverable thing",
        Part::text("plain", None, prose(2)),
    );
    out.push((
        "dsn-report",
        Message::new(
            Part::multi(
                "report",
                "dsn",
                vec![
                    Part::text("plain", None, b"Your message could not be delivered.\r\n".to_vec()),
                    Part::leaf(
                        "message",
                        "delivery-status",
                        b"Reporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; nobody@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n".to_vec(),
                    ),
                    Part::leaf("text", "rfc822-headers", b"From: a@b\r\nSubject: x\r\n".to_vec()),
                    Part::message(returned),
                ],
            )
            .param("report-type", "delivery-status"),
        )
        .field(date_header(i))
        .field("From: Mail Delivery System <MAILER-DAEMON@mx.example.com>")
        .field("To: alice@example.com")
        .field("Subject: Undelivered Mail Returned to Sender")
        .field("Auto-Submitted: auto-replied")
        .from(vec![addr(Some(b"Mail Delivery System"), "MAILER-DAEMON", "mx.example.com")])
        .to(vec![bare("alice", "example.com")]),
    ));

    // A calendar invitation.
    let i = n(&out);
    let ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Sync\r\nDTSTART:20250304T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    out.push((
        "calendar",
        simple(
            i,
            "Invitation: Sync @ Tue 4 Mar",
            Part::multi(
                "mixed",
                "cal-outer",
                vec![
                    Part::multi(
                        "alternative",
                        "cal-alt",
                        vec![
                            Part::text("plain", Some("UTF-8"), b"You are invited.\r\n".to_vec()),
                            Part::text("calendar", Some("UTF-8"), base64_lines(ics))
                                .param("method", "REQUEST")
                                .encoding("base64"),
                        ],
                    ),
                    Part::leaf("application", "ics", base64_lines(ics))
                        .param("name", "invite.ics")
                        .encoding("base64")
                        .disposition("attachment", &[("filename", "invite.ics")]),
                ],
            ),
        ),
    ));

    // An 8bit UTF-8 body; a binary part.
    let i = n(&out);
    out.push((
        "8bit-body",
        simple(
            i,
            "Acht Bit",
            Part::text(
                "plain",
                Some("utf-8"),
                "Käse, Brötchen, Äpfel.\r\nZweite Zeile.\r\n"
                    .as_bytes()
                    .to_vec(),
            )
            .encoding("8bit"),
        ),
    ));
    let i = n(&out);
    let binary: Vec<u8> = (0..600u32)
        .map(|k| (0x20 + (k * 7) % 0xdf) as u8)
        .collect::<Vec<u8>>()
        .chunks(60)
        .flat_map(|c| [c, b"\r\n"].concat())
        .collect();
    out.push((
        "binary-part",
        simple(
            i,
            "Binary",
            Part::multi(
                "mixed",
                "bin",
                vec![
                    Part::text("plain", None, b"Binary follows.\r\n".to_vec()),
                    Part::leaf("application", "octet-stream", binary).encoding("binary"),
                ],
            ),
        ),
    ));

    // A message whose top-level type is message/rfc822.
    let i = n(&out);
    let inner = Message::new(Part::text(
        "plain",
        None,
        b"Encapsulated at the top.\r\n".to_vec(),
    ))
    .field("From: Eve <eve@example.com>")
    .field("Subject: Inside the top")
    .field("Message-ID: <top-inner@example.com>")
    .from(vec![addr(Some(b"Eve"), "eve", "example.com")]);
    out.push((
        "top-level-rfc822",
        simple(i, "Top-level message", Part::message(inner)),
    ));

    // message/global (Dovecot 2.3 does not look inside it).
    let i = n(&out);
    out.push((
        "message-global",
        simple(
            i,
            "Global",
            Part::multi(
                "mixed",
                "glob",
                vec![
                    Part::text("plain", None, b"see attached\r\n".to_vec()),
                    Part::leaf(
                        "message",
                        "global",
                        "Subject: Größe\r\nFrom: ü@example.com\r\n\r\nUTF-8 everywhere\r\n"
                            .as_bytes()
                            .to_vec(),
                    )
                    .encoding("8bit"),
                ],
            ),
        ),
    ));

    // Address forms: comments, routes, missing domains, quoted local parts, literals.
    let i = n(&out);
    out.push((
        "address-forms",
        Message::new(Part::text("plain", None, b"addresses\r\n".to_vec()))
            .field(date_header(i))
            .field("From: john@example.com (John Doe)")
            .field("To: <@route.example,@r2.example:ann@example.org>, localonly,\r\n \"john doe\"@example.com, Ann <ann@[127.0.0.1]>")
            .field("Cc: \"Doe,\r\n  Jane\" <jane@example.org>, \"Q \\\"q\\\"\" <q@example.org>")
            .field("Subject: Address forms")
            .from(vec![addr(Some(b"John Doe"), "john", "example.com")])
            .to(vec![
                Addr {
                    adl: Some(b"@route.example,@r2.example".to_vec()),
                    ..bare("ann", "example.org")
                },
                bare("localonly", "MISSING_DOMAIN"),
                bare("john doe", "example.com"),
                addr(Some(b"Ann"), "ann", "[127.0.0.1]"),
            ])
            .cc(vec![
                addr(Some(b"Doe, Jane"), "jane", "example.org"),
                addr(Some(b"Q \"q\""), "q", "example.org"),
            ]),
    ));

    // Odd but valid dates, folded.
    out.push((
        "odd-date",
        Message::new(Part::text("plain", None, b"when?\r\n".to_vec()))
            .field("Date: 4 Mar 2025\r\n 11:42 +0100 (CET)")
            .field("From: clock@example.com")
            .field("Subject: Odd date")
            .from(vec![bare("clock", "example.com")]),
    ));

    // White space in the subject: tabs, runs, folds, leading and trailing.
    let i = n(&out);
    out.push((
        "whitespace-subject",
        Message::new(Part::text("plain", None, b"ws\r\n".to_vec()))
            .field(date_header(i))
            .field("From: ws@example.com")
            .field("Subject:   lead\t\ttabs  \r\n \t two   three  \r\n\tfour ")
            .field("Message-ID:\r\n\t <folded.id$%@example.com>")
            .field("In-Reply-To: <a@example.com> (a comment)\r\n\t<b@example.com>")
            .from(vec![bare("ws", "example.com")]),
    ));

    // Duplicate headers (Dovecot keeps the last Subject).
    let i = n(&out);
    out.push((
        "duplicate-subject",
        Message::new(Part::text("plain", None, b"dup\r\n".to_vec()))
            .field(date_header(i))
            .field("Subject: first subject")
            .field("From: dup@example.com")
            .field("Subject: second subject")
            .from(vec![bare("dup", "example.com")]),
    ));

    // A digest: parts default to message/rfc822; one holds a multipart with another
    // message inside.
    let i = n(&out);
    let one = Message::new(Part::text(
        "plain",
        None,
        b"first digest entry\r\n".to_vec(),
    ))
    .field("From: one@example.com")
    .field("Subject: Digest one")
    .from(vec![bare("one", "example.com")]);
    let deep = Message::new(Part::text("plain", None, b"deepest\r\n".to_vec()))
        .field("Subject: Digest deep")
        .field("To: deep@example.com")
        .to(vec![bare("deep", "example.com")]);
    let two = Message::new(Part::multi(
        "mixed",
        "dg2",
        vec![
            Part::message(deep),
            Part::text("plain", None, b"after\r\n".to_vec()),
        ],
    ))
    .field("From: two@example.com")
    .field("Subject: Digest two")
    .from(vec![bare("two", "example.com")]);
    let default_rfc822 = |m: Message| {
        let info = PartInfo {
            media_type: "message".into(),
            subtype: "rfc822".into(),
            encoding: "7bit".into(),
            ..PartInfo::default()
        };
        Part::message(m).raw_mime(b"", info)
    };
    out.push((
        "digest",
        simple(
            i,
            "Digest Vol 1, Issue 2",
            Part::multi(
                "digest",
                "dig",
                vec![default_rfc822(one), default_rfc822(two)],
            ),
        ),
    ));

    // RFC 2231 parameter continuations with charset and language (the RFC's example).
    let i = n(&out);
    out.push((
        "rfc2231-title",
        simple(
            i,
            "RFC 2231",
            Part::leaf("application", "x-stuff", base64_lines(b"stuff")).raw_mime(
                b"Content-Type: application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"\r\nContent-Transfer-Encoding: base64\r\n",
                PartInfo {
                    media_type: "application".into(),
                    subtype: "x-stuff".into(),
                    // Dovecot joins the pieces and keeps the extended form (`title*`).
                    params: vec![(
                        "title*".into(),
                        "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn't it!".into(),
                    )],
                    encoding: "base64".into(),
                    ..PartInfo::default()
                },
            ),
        ),
    ));

    // A large attachment (about 200 KB encoded).
    let i = n(&out);
    out.push((
        "large-attachment",
        simple(
            i,
            "Big file",
            Part::multi(
                "mixed",
                "big",
                vec![
                    Part::text("plain", None, b"Big one attached.\r\n".to_vec()),
                    Part::leaf(
                        "application",
                        "octet-stream",
                        base64_lines(&noise(150_000, 39)),
                    )
                    .param("name", "big.bin")
                    .encoding("base64")
                    .disposition("attachment", &[("filename", "big.bin")]),
                ],
            ),
        ),
    ));

    // Deep nesting: seven levels of multipart/mixed.
    let i = n(&out);
    let mut nested = Part::text("plain", None, b"bottom\r\n".to_vec());
    for level in (1..=7).rev() {
        nested = Part::multi(
            "mixed",
            &format!("level{level}"),
            vec![
                Part::text("plain", None, format!("level {level}\r\n").into_bytes()),
                nested,
            ],
        );
    }
    out.push(("deep-nesting", simple(i, "Deep", nested)));

    // HTML only, windows-1252, quoted-printable.
    let i = n(&out);
    out.push((
        "html-only",
        simple(
            i,
            "HTML only",
            Part::text(
                "html",
                Some("windows-1252"),
                quoted_printable(b"<p>Caf\xe9 \x80 5</p>\r\n"),
            )
            .encoding("quoted-printable"),
        ),
    ));

    // Raw 8-bit parameter values and descriptions (sent as literals in BODYSTRUCTURE),
    // an empty parameter value, an encoded-word description.
    let i = n(&out);
    out.push((
        "8bit-params",
        simple(
            i,
            "Größe",
            Part::multi(
                "mixed",
                "p8",
                vec![
                    Part::text("plain", Some("utf-8"), b"Anhang.\r\n".to_vec()).param("format", ""),
                    Part::leaf("application", "pdf", base64_lines(&noise(90, 41)))
                        .param("name", "Größe März.pdf")
                        .encoding("base64")
                        .description("Übersicht – März")
                        .disposition("attachment", &[("filename", "Größe März.pdf")]),
                    Part::leaf("image", "jpeg", base64_lines(&noise(60, 42)))
                        .encoding("base64")
                        .description("=?utf-8?q?Gr=C3=B6=C3=9Fe?=")
                        .id("<8bit.jpeg@example.com>"),
                ],
            ),
        ),
    ));

    // A multipart without a boundary parameter.
    let i = n(&out);
    out.push((
        "multipart-no-boundary",
        simple(
            i,
            "No boundary",
            Part::multi("mixed", "unused", vec![])
                .raw_mime(
                    b"Content-Type: multipart/mixed\r\n",
                    PartInfo {
                        media_type: "multipart".into(),
                        subtype: "mixed".into(),
                        encoding: "7bit".into(),
                        ..PartInfo::default()
                    },
                )
                .without_parts(b"text without delimiters\r\n"),
        ),
    ));

    // The thread set (THREAD=REFERENCES): every message has X-Thread-Test: yes and
    // dates that increase with the order below.
    //   A1 ─┬─ A2 ── A4
    //       └─ A3
    //   (missing C0) ─┬─ C2
    //                 └─ C3
    //   D1 ── (missing D2) ── D3     (the missing parent with one child is pruned)
    //   E1 (alone)
    let thread_msg = |i: usize, tag: &str, subject: &str, refs: &[&str], irt: Option<&str>| {
        let mut m = Message::new(Part::text("plain", None, format!("{tag}\r\n").into_bytes()))
            .field(format!(
                "Date: Mon, 1 Dec 2025 {:02}:{:02}:00 +0000",
                10 + i / 60,
                i % 60
            ))
            .field(format!("From: {tag}@threads.example"))
            .field(format!("Subject: {subject}"))
            .field(format!("Message-ID: <{tag}@threads.example>"))
            .field("X-Thread-Test: yes")
            .from(vec![bare(tag, "threads.example")]);
        if !refs.is_empty() {
            let r: Vec<String> = refs
                .iter()
                .map(|r| format!("<{r}@threads.example>"))
                .collect();
            m = m.field(format!("References: {}", r.join("\r\n ")));
        }
        if let Some(p) = irt {
            m = m.field(format!("In-Reply-To: <{p}@threads.example>"));
        }
        m
    };
    let threads: [(&'static str, &str, &[&str], Option<&str>); 8] = [
        ("thread-a1", "Alpha plans", &[], None),
        ("thread-a2", "Re: Alpha plans", &[], Some("a1")),
        ("thread-c2", "Re: Charlie", &["c0"], Some("c0")),
        ("thread-a3", "Re: Alpha plans", &["a1"], None),
        ("thread-d1", "Delta", &[], None),
        (
            "thread-a4",
            "Re: Re: Alpha plans",
            &["a1", "a2"],
            Some("a2"),
        ),
        ("thread-c3", "Re: Charlie", &["c0"], None),
        ("thread-d3", "Re: Re: Delta", &["d1", "d2"], Some("d2")),
    ];
    for (k, (name, subject, refs, irt)) in threads.iter().enumerate() {
        thread.push(n(&out));
        let tag = &name["thread-".len()..];
        out.push((name, thread_msg(k, tag, subject, refs, *irt)));
    }
    thread.push(n(&out));
    out.push(("thread-e1", thread_msg(8, "e1", "Echo alone", &[], None)));

    out.into_iter()
        .enumerate()
        .map(|(k, (name, message))| Generated {
            name,
            flags: FLAG_SETS[k % FLAG_SETS.len()].to_vec(),
            internal_date: internal_date(k),
            lf_only: lf_only.contains(&k),
            thread: thread.contains(&k),
            message,
        })
        .collect()
}

/// Messages for the other mailboxes of the LIST/STATUS tests: `count` short notes.
pub fn notes(count: usize, seed: usize) -> Vec<Generated> {
    (0..count)
        .map(|k| Generated {
            name: "note",
            flags: FLAG_SETS[(k + seed) % FLAG_SETS.len()].to_vec(),
            internal_date: internal_date(k + seed),
            lf_only: false,
            thread: false,
            message: simple(
                k + seed,
                &format!("Note {k}"),
                Part::text("plain", None, prose(1)),
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(
            imap_date_to_unix("04-Mar-2025 11:42:17 +0100"),
            Some(1_741_084_937)
        );
        assert_eq!(
            imap_date_to_unix(" 4-Mar-2025 10:42:17 +0000"),
            Some(1_741_084_937)
        );
        assert_eq!(date_header(0), "Date: Mon, 2 Mar 2020 08:00:00 +0100");
    }

    #[test]
    fn quoted_printable_escapes() {
        assert_eq!(
            quoted_printable(b"a=b \r\n\xe9"),
            b"a=3Db=20\r\n=E9".to_vec()
        );
        let long = quoted_printable(&[b'x'; 200]);
        assert!(long.split(|&b| b == b'\n').all(|l| l.len() <= 77));
    }

    #[test]
    fn multipart_rendering() {
        let p = Part::multi("mixed", "b", vec![Part::text("plain", None, b"x".to_vec())]);
        assert_eq!(
            p.render(),
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
              Content-Type: text/plain\r\n\r\nx\r\n--b--\r\n"
                .to_vec()
        );
        assert_eq!(to_lf(b"a\r\nb\r\n"), b"a\nb\n".to_vec());
    }

    #[test]
    fn mailbox_is_varied() {
        let m = mailbox();
        assert!(m.len() >= 40, "{}", m.len());
        assert_eq!(m.iter().filter(|g| g.thread).count(), 9);
        assert_eq!(m.iter().filter(|g| g.lf_only).count(), 1);
    }
}
