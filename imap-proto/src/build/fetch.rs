//! FETCH data items (RFC 3501 / RFC 9051 §6.4.5, BINARY of RFC 3516).

use std::fmt;

use crate::encode::{self, arg_error, Arg};
use crate::error::{ArgumentProblem, Result};

/// The section of a `BODY[…]` item: part numbers and a text specifier.
///
/// ```
/// use imaplib_proto::build::Section;
///
/// assert_eq!(Section::message().to_string(), "");
/// assert_eq!(Section::header().to_string(), "HEADER");
/// assert_eq!(Section::header_fields(["From", "Subject"])?.to_string(), "HEADER.FIELDS (From Subject)");
/// assert_eq!(Section::header_fields_not(["Received"])?.to_string(), "HEADER.FIELDS.NOT (Received)");
/// assert_eq!(Section::text().to_string(), "TEXT");
/// assert_eq!(Section::part([1, 2])?.to_string(), "1.2");
/// assert_eq!(Section::mime([2])?.to_string(), "2.MIME");
/// assert_eq!(Section::header().in_part([3])?.to_string(), "3.HEADER");
/// assert!(Section::part([0]).is_err());
/// assert!(Section::header_fields(["Bad Name"]).is_err());
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Section {
    part: Vec<u32>,
    text: Option<SectionText>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SectionText {
    Header,
    HeaderFields { not: bool, fields: Vec<String> },
    Text,
    Mime,
}

fn part_numbers(part: impl IntoIterator<Item = u32>) -> Result<Vec<u32>> {
    let part: Vec<u32> = part.into_iter().collect();
    if part.is_empty() {
        return Err(arg_error(
            "the part number",
            ArgumentProblem::Empty,
            "a part needs at least one number (use Section::message() for the whole message)",
        ));
    }
    if part.contains(&0) {
        return Err(arg_error(
            "the part number",
            ArgumentProblem::OutOfRange,
            "part numbers start at 1",
        ));
    }
    Ok(part)
}

impl Section {
    /// `[]`: the whole message.
    pub fn message() -> Section {
        Section {
            part: Vec::new(),
            text: None,
        }
    }

    /// `[HEADER]`: the header.
    pub fn header() -> Section {
        Section {
            part: Vec::new(),
            text: Some(SectionText::Header),
        }
    }

    /// `[TEXT]`: the body.
    pub fn text() -> Section {
        Section {
            part: Vec::new(),
            text: Some(SectionText::Text),
        }
    }

    fn fields(fields: impl IntoIterator<Item = impl AsRef<str>>, not: bool) -> Result<Section> {
        let mut names = Vec::new();
        for f in fields {
            let f = f.as_ref();
            super::atom("the header field name", f)?;
            names.push(f.to_string());
        }
        if names.is_empty() {
            return Err(arg_error(
                "the header field names",
                ArgumentProblem::Empty,
                "HEADER.FIELDS needs at least one field name",
            ));
        }
        Ok(Section {
            part: Vec::new(),
            text: Some(SectionText::HeaderFields { not, fields: names }),
        })
    }

    /// `[HEADER.FIELDS (names)]`: only these header fields. At least one name; each must be
    /// an atom (real field names are: letters, digits, `-`).
    pub fn header_fields(fields: impl IntoIterator<Item = impl AsRef<str>>) -> Result<Section> {
        Self::fields(fields, false)
    }

    /// `[HEADER.FIELDS.NOT (names)]`: the header without these fields.
    pub fn header_fields_not(fields: impl IntoIterator<Item = impl AsRef<str>>) -> Result<Section> {
        Self::fields(fields, true)
    }

    /// `[1.2]`: a body part, by part numbers (each at least 1; at least one).
    pub fn part(part: impl IntoIterator<Item = u32>) -> Result<Section> {
        Ok(Section {
            part: part_numbers(part)?,
            text: None,
        })
    }

    /// `[1.2.MIME]`: the MIME header of a body part (a part is required).
    pub fn mime(part: impl IntoIterator<Item = u32>) -> Result<Section> {
        Ok(Section {
            part: part_numbers(part)?,
            text: Some(SectionText::Mime),
        })
    }

    /// The same text specifier in a body part: `Section::header().in_part([2])` is
    /// `[2.HEADER]` (the header of an attached message).
    pub fn in_part(self, part: impl IntoIterator<Item = u32>) -> Result<Section> {
        Ok(Section {
            part: part_numbers(part)?,
            text: self.text,
        })
    }

    /// The part numbers (empty for the whole message).
    pub fn part_numbers(&self) -> &[u32] {
        &self.part
    }
}

impl fmt::Display for Section {
    /// The text between the brackets, as sent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.part.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{n}")?;
        }
        let Some(text) = &self.text else {
            return Ok(());
        };
        if !self.part.is_empty() {
            f.write_str(".")?;
        }
        match text {
            SectionText::Header => f.write_str("HEADER"),
            SectionText::Text => f.write_str("TEXT"),
            SectionText::Mime => f.write_str("MIME"),
            SectionText::HeaderFields { not, fields } => {
                f.write_str(if *not {
                    "HEADER.FIELDS.NOT ("
                } else {
                    "HEADER.FIELDS ("
                })?;
                f.write_str(&fields.join(" "))?;
                f.write_str(")")
            }
        }
    }
}

/// One FETCH data item.
///
/// ```
/// use imaplib_proto::build::{FetchAttr, Section};
///
/// assert_eq!(FetchAttr::envelope().to_string(), "ENVELOPE");
/// let head = FetchAttr::body_peek(Section::header_fields(["Subject"])?).partial(0, 100)?;
/// assert_eq!(head.to_string(), "BODY.PEEK[HEADER.FIELDS (Subject)]<0.100>");
/// assert_eq!(FetchAttr::binary_size([1])?.to_string(), "BINARY.SIZE[1]");
/// assert!(FetchAttr::uid().partial(0, 10).is_err()); // only sections take a partial
/// # Ok::<(), imaplib_proto::Error>(())
/// ```
///
/// Items of later extensions (PREVIEW, EMAILID…) will be further constructors; the
/// representation is private so that they can be added.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FetchAttr(Attr);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Attr {
    /// An item without section: `UID`, `FLAGS`…
    Simple(&'static str),
    /// `BODY[section]<partial>` / `BODY.PEEK[…]`.
    Body {
        section: Section,
        peek: bool,
        partial: Option<(u32, u32)>,
    },
    /// `BINARY[part]<partial>` / `BINARY.PEEK[…]`.
    Binary {
        part: Vec<u32>,
        peek: bool,
        partial: Option<(u32, u32)>,
    },
    /// `BINARY.SIZE[part]`.
    BinarySize(Vec<u32>),
}

fn binary_part(part: impl IntoIterator<Item = u32>) -> Result<Vec<u32>> {
    let part: Vec<u32> = part.into_iter().collect();
    if part.contains(&0) {
        return Err(arg_error(
            "the part number",
            ArgumentProblem::OutOfRange,
            "part numbers start at 1",
        ));
    }
    Ok(part)
}

impl FetchAttr {
    /// `UID`.
    pub fn uid() -> FetchAttr {
        FetchAttr(Attr::Simple("UID"))
    }

    /// `FLAGS`.
    pub fn flags() -> FetchAttr {
        FetchAttr(Attr::Simple("FLAGS"))
    }

    /// `INTERNALDATE`: when the server received the message.
    pub fn internal_date() -> FetchAttr {
        FetchAttr(Attr::Simple("INTERNALDATE"))
    }

    /// `RFC822.SIZE`: the message's size in octets.
    pub fn rfc822_size() -> FetchAttr {
        FetchAttr(Attr::Simple("RFC822.SIZE"))
    }

    /// `ENVELOPE`: the parsed header (date, subject, addresses…).
    pub fn envelope() -> FetchAttr {
        FetchAttr(Attr::Simple("ENVELOPE"))
    }

    /// `BODYSTRUCTURE`: the MIME structure with extension data.
    pub fn body_structure() -> FetchAttr {
        FetchAttr(Attr::Simple("BODYSTRUCTURE"))
    }

    /// `BODY`: the MIME structure without extension data.
    pub fn body_basic() -> FetchAttr {
        FetchAttr(Attr::Simple("BODY"))
    }

    /// `RFC822`: the whole message (sets `\Seen`; RFC 3501 only; prefer
    /// `body(Section::message())`).
    pub fn rfc822() -> FetchAttr {
        FetchAttr(Attr::Simple("RFC822"))
    }

    /// `RFC822.HEADER`: the header, without setting `\Seen` (RFC 3501 only).
    pub fn rfc822_header() -> FetchAttr {
        FetchAttr(Attr::Simple("RFC822.HEADER"))
    }

    /// `RFC822.TEXT`: the body (sets `\Seen`; RFC 3501 only).
    pub fn rfc822_text() -> FetchAttr {
        FetchAttr(Attr::Simple("RFC822.TEXT"))
    }

    /// `MODSEQ` (CONDSTORE, RFC 7162): the message's mod-sequence
    /// ([`Fetch::modseq`](crate::parse::Fetch::modseq)). Asking for it turns CONDSTORE on.
    ///
    /// ```
    /// # use imaplib_proto::build::FetchAttr;
    /// assert_eq!(FetchAttr::modseq().to_string(), "MODSEQ");
    /// ```
    pub fn modseq() -> FetchAttr {
        FetchAttr(Attr::Simple("MODSEQ"))
    }

    /// `PREVIEW` (RFC 8970): a short plain-text preview of the message
    /// ([`Fetch::preview`](crate::parse::Fetch::preview)), computed now if need be.
    ///
    /// ```
    /// # use imaplib_proto::build::FetchAttr;
    /// assert_eq!(FetchAttr::preview().to_string(), "PREVIEW");
    /// ```
    pub fn preview() -> FetchAttr {
        FetchAttr(Attr::Simple("PREVIEW"))
    }

    /// `PREVIEW (LAZY)` (RFC 8970): the preview if the server has it at hand, else NIL
    /// (ask again later without LAZY).
    ///
    /// ```
    /// # use imaplib_proto::build::FetchAttr;
    /// assert_eq!(FetchAttr::preview_lazy().to_string(), "PREVIEW (LAZY)");
    /// ```
    pub fn preview_lazy() -> FetchAttr {
        FetchAttr(Attr::Simple("PREVIEW (LAZY)"))
    }

    /// `SAVEDATE` (RFC 8514): when the message was saved in this mailbox
    /// ([`Fetch::save_date`](crate::parse::Fetch::save_date)).
    ///
    /// ```
    /// # use imaplib_proto::build::FetchAttr;
    /// assert_eq!(FetchAttr::save_date().to_string(), "SAVEDATE");
    /// ```
    pub fn save_date() -> FetchAttr {
        FetchAttr(Attr::Simple("SAVEDATE"))
    }

    /// `BODY[section]`: the section's bytes; sets `\Seen`.
    pub fn body(section: Section) -> FetchAttr {
        FetchAttr(Attr::Body {
            section,
            peek: false,
            partial: None,
        })
    }

    /// `BODY.PEEK[section]`: the section's bytes, leaving `\Seen` alone.
    pub fn body_peek(section: Section) -> FetchAttr {
        FetchAttr(Attr::Body {
            section,
            peek: true,
            partial: None,
        })
    }

    /// `BINARY[part]` (RFC 3516): a part with its content transfer encoding undone; an
    /// empty `part` is the whole message. Sets `\Seen`.
    pub fn binary(part: impl IntoIterator<Item = u32>) -> Result<FetchAttr> {
        Ok(FetchAttr(Attr::Binary {
            part: binary_part(part)?,
            peek: false,
            partial: None,
        }))
    }

    /// `BINARY.PEEK[part]`: as [`FetchAttr::binary`], leaving `\Seen` alone.
    pub fn binary_peek(part: impl IntoIterator<Item = u32>) -> Result<FetchAttr> {
        Ok(FetchAttr(Attr::Binary {
            part: binary_part(part)?,
            peek: true,
            partial: None,
        }))
    }

    /// `BINARY.SIZE[part]`: the decoded size of a part.
    pub fn binary_size(part: impl IntoIterator<Item = u32>) -> Result<FetchAttr> {
        Ok(FetchAttr(Attr::BinarySize(binary_part(part)?)))
    }

    /// `<start.len>`: only `len` octets from `start`, for `BODY[…]` and `BINARY[…]` items;
    /// `len` must be at least 1. Any other item is an argument error.
    pub fn partial(self, start: u32, len: u32) -> Result<FetchAttr> {
        if len == 0 {
            return Err(arg_error(
                "the partial length",
                ArgumentProblem::OutOfRange,
                "a partial fetch needs a length of at least 1",
            ));
        }
        match self.0 {
            Attr::Body { section, peek, .. } => Ok(FetchAttr(Attr::Body {
                section,
                peek,
                partial: Some((start, len)),
            })),
            Attr::Binary { part, peek, .. } => Ok(FetchAttr(Attr::Binary {
                part,
                peek,
                partial: Some((start, len)),
            })),
            other => Err(arg_error(
                "the partial",
                ArgumentProblem::NotAllowed,
                format!(
                    "only BODY[…] and BINARY[…] take a partial, not {}",
                    FetchAttr(other)
                ),
            )),
        }
    }

    fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let partial = |out: &mut String, p: &Option<(u32, u32)>| {
            if let Some((start, len)) = p {
                let _ = write!(out, "<{start}.{len}>");
            }
        };
        let part = |out: &mut String, p: &[u32]| {
            let nums: Vec<String> = p.iter().map(u32::to_string).collect();
            out.push_str(&nums.join("."));
        };
        match &self.0 {
            Attr::Simple(name) => out.push_str(name),
            Attr::Body {
                section,
                peek,
                partial: p,
            } => {
                out.push_str(if *peek { "BODY.PEEK[" } else { "BODY[" });
                let _ = write!(out, "{section}]");
                partial(out, p);
            }
            Attr::Binary {
                part: n,
                peek,
                partial: p,
            } => {
                out.push_str(if *peek { "BINARY.PEEK[" } else { "BINARY[" });
                part(out, n);
                out.push(']');
                partial(out, p);
            }
            Attr::BinarySize(n) => {
                out.push_str("BINARY.SIZE[");
                part(out, n);
                out.push(']');
            }
        }
    }

    fn arg(&self) -> Arg {
        let mut s = String::new();
        self.write(&mut s);
        Arg::Atom(s.into_bytes())
    }
}

impl fmt::Display for FetchAttr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write(&mut s);
        f.write_str(&s)
    }
}

/// What a FETCH asks for: a list of [`FetchAttr`]s, or one of the macros `ALL`, `FAST`,
/// `FULL` (which stand alone).
///
/// ```
/// use imaplib_proto::build::{FetchAttr, FetchAttrs, Section};
///
/// let attrs = FetchAttrs::from([FetchAttr::uid(), FetchAttr::body_peek(Section::message())]);
/// assert_eq!(attrs.to_string(), "(UID BODY.PEEK[])");
/// assert_eq!(FetchAttrs::fast().to_string(), "FAST");
/// let more = FetchAttrs::from(FetchAttr::flags()).with(FetchAttr::rfc822_size());
/// assert_eq!(more.to_string(), "(FLAGS RFC822.SIZE)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FetchAttrs(Items);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Items {
    Macro(&'static str),
    List(Vec<FetchAttr>),
}

impl FetchAttrs {
    /// `ALL`: `(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)`.
    pub fn all() -> FetchAttrs {
        FetchAttrs(Items::Macro("ALL"))
    }

    /// `FAST`: `(FLAGS INTERNALDATE RFC822.SIZE)`.
    pub fn fast() -> FetchAttrs {
        FetchAttrs(Items::Macro("FAST"))
    }

    /// `FULL`: `(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY)`.
    pub fn full() -> FetchAttrs {
        FetchAttrs(Items::Macro("FULL"))
    }

    /// Adds an item (a macro becomes the list it stands for, plus the item).
    pub fn with(self, attr: FetchAttr) -> FetchAttrs {
        let mut list = match self.0 {
            Items::List(list) => list,
            Items::Macro(m) => {
                let mut v = vec![
                    FetchAttr::flags(),
                    FetchAttr::internal_date(),
                    FetchAttr::rfc822_size(),
                ];
                if m != "FAST" {
                    v.push(FetchAttr::envelope());
                }
                if m == "FULL" {
                    v.push(FetchAttr::body_basic());
                }
                v
            }
        };
        list.push(attr);
        FetchAttrs(Items::List(list))
    }

    /// The argument of FETCH; an empty list is refused.
    pub(crate) fn arg(&self) -> Result<Arg> {
        match &self.0 {
            Items::Macro(m) => Ok(Arg::Atom(m.as_bytes().to_vec())),
            Items::List(list) if list.is_empty() => Err(arg_error(
                "the fetch items",
                ArgumentProblem::Empty,
                "FETCH needs at least one item",
            )),
            Items::List(list) => Ok(Arg::Group(list.iter().map(FetchAttr::arg).collect())),
        }
    }
}

impl fmt::Display for FetchAttrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Items::Macro(m) => f.write_str(m),
            Items::List(list) => f.write_str(&encode::preview(&[Arg::Group(
                list.iter().map(FetchAttr::arg).collect(),
            )])),
        }
    }
}

impl FromIterator<FetchAttr> for FetchAttrs {
    fn from_iter<I: IntoIterator<Item = FetchAttr>>(iter: I) -> Self {
        FetchAttrs(Items::List(iter.into_iter().collect()))
    }
}

impl From<FetchAttr> for FetchAttrs {
    fn from(a: FetchAttr) -> Self {
        FetchAttrs(Items::List(vec![a]))
    }
}

impl From<Vec<FetchAttr>> for FetchAttrs {
    fn from(v: Vec<FetchAttr>) -> Self {
        FetchAttrs(Items::List(v))
    }
}

impl<const N: usize> From<[FetchAttr; N]> for FetchAttrs {
    fn from(a: [FetchAttr; N]) -> Self {
        FetchAttrs(Items::List(a.into()))
    }
}

impl From<&FetchAttrs> for FetchAttrs {
    fn from(a: &FetchAttrs) -> Self {
        a.clone()
    }
}

impl From<&[FetchAttr]> for FetchAttrs {
    fn from(a: &[FetchAttr]) -> Self {
        FetchAttrs(Items::List(a.to_vec()))
    }
}
