//! BODY and BODYSTRUCTURE (RFC 3501 §7.4.2, RFC 9051 §7.5.2) with borrowed fields.

use super::cursor::Cursor;
use super::envelope::Envelope;
use super::error::ParseResult;
use super::quirk::Quirk;
use super::token::{NString, Str, Value, MAX_NESTING};

/// A body structure: one part, or a multipart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body<'a> {
    /// A non-multipart part.
    Single(SinglePart<'a>),
    /// A multipart.
    Multi(MultiPart<'a>),
}

/// Body parameters: `(name value …)`; a value is `None` only under
/// [`Quirk::NilParamValue`].
pub type Params<'a> = Vec<(Str<'a>, NString<'a>)>;

/// A non-multipart body part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinglePart<'a> {
    /// Media type, e.g. `TEXT`; `None` only under [`Quirk::NilMediaType`].
    pub media_type: NString<'a>,
    /// Media subtype, e.g. `PLAIN`; `None` only under [`Quirk::NilMediaType`].
    pub media_subtype: NString<'a>,
    /// Content-Type parameters.
    pub params: Params<'a>,
    /// Content-ID.
    pub id: NString<'a>,
    /// Content-Description.
    pub description: NString<'a>,
    /// Content-Transfer-Encoding; `None` only under [`Quirk::NilBodyEncoding`].
    pub encoding: NString<'a>,
    /// Size in octets (of the encoded body).
    pub octets: u64,
    /// What the media type adds.
    pub specific: Specific<'a>,
    /// Extension data (BODYSTRUCTURE only).
    pub ext: Extension<'a>,
}

impl SinglePart<'_> {
    /// True if the media type is `type/subtype` (ASCII case-insensitive).
    pub fn is(&self, media_type: &str, subtype: &str) -> bool {
        self.media_type
            .is_some_and(|t| t.eq_ignore_ascii_case(media_type.as_bytes()))
            && self
                .media_subtype
                .is_some_and(|t| t.eq_ignore_ascii_case(subtype.as_bytes()))
    }
}

/// Fields that depend on the media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Specific<'a> {
    /// Any other type.
    Basic,
    /// `TEXT/*`: the size in lines.
    Text {
        /// Lines (0 under [`Quirk::NegativeBodyLines`]).
        lines: u64,
    },
    /// `MESSAGE/RFC822` (or `GLOBAL`): the enclosed message.
    Message {
        /// Its envelope.
        envelope: Box<Envelope<'a>>,
        /// Its body structure.
        body: Box<Body<'a>>,
        /// Its size in lines.
        lines: u64,
    },
}

/// A multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiPart<'a> {
    /// The parts (empty only under [`Quirk::EmptyMultipart`]).
    pub parts: Vec<Body<'a>>,
    /// Subtype, e.g. `MIXED`.
    pub subtype: Str<'a>,
    /// Extension data (BODYSTRUCTURE only); `md5` is always `None`, and `params` holds the
    /// multipart's Content-Type parameters.
    pub ext: Extension<'a>,
}

/// Extension data of a body part. `fields` says how many were present (0 for BODY).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extension<'a> {
    /// Number of extension fields present.
    pub fields: usize,
    /// Multipart only: Content-Type parameters.
    pub params: Params<'a>,
    /// Single part only: Content-MD5.
    pub md5: NString<'a>,
    /// Content-Disposition.
    pub disposition: Option<Disposition<'a>>,
    /// Content-Language.
    pub language: Vec<Str<'a>>,
    /// Content-Location.
    pub location: NString<'a>,
    /// Further extensions.
    pub extensions: Vec<Value<'a>>,
}

/// Content-Disposition: `("attachment" ("filename" "a.pdf"))`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposition<'a> {
    /// `inline`, `attachment`, …
    pub kind: Str<'a>,
    /// Its parameters.
    pub params: Params<'a>,
}

impl<'a> Body<'a> {
    /// Visits every part depth first with its part number (`[]` for the root; `[1, 2]` for
    /// part 1.2), numbered as RFC 3501 §6.4.5 numbers sections: the parts of a multipart
    /// inside a `message/rfc822` part `n` are `n.1`, `n.2`, … (the encapsulated multipart has
    /// no number of its own and is visited with `n`), and a non-multipart body inside it is
    /// `n.1`. A non-multipart root is `[]`; its encapsulated parts count it as part 1.
    /// Iterative; never recurses.
    pub fn walk(&self, mut f: impl FnMut(&[u32], &Body<'a>)) {
        let mut stack: Vec<(Vec<u32>, &Body<'a>)> = vec![(Vec::new(), self)];
        while let Some((path, body)) = stack.pop() {
            f(&path, body);
            match body {
                Body::Multi(m) => {
                    for (i, child) in m.parts.iter().enumerate().rev() {
                        stack.push(([path.as_slice(), &[i as u32 + 1]].concat(), child));
                    }
                }
                Body::Single(SinglePart {
                    specific: Specific::Message { body: inner, .. },
                    ..
                }) => {
                    let me = if path.is_empty() {
                        vec![1]
                    } else {
                        path.clone()
                    };
                    let inner_path = match **inner {
                        Body::Multi(_) => me,
                        Body::Single(_) => [me.as_slice(), &[1]].concat(),
                    };
                    stack.push((inner_path, inner));
                }
                Body::Single(_) => {}
            }
        }
    }
}

impl<'a> Cursor<'a> {
    /// `body`, at nesting `depth` (at most [`MAX_NESTING`]).
    pub(crate) fn body(&mut self, depth: usize) -> ParseResult<Body<'a>> {
        if depth >= MAX_NESTING {
            return self.fail("body nesting within the limit");
        }
        self.expect(b'(', "'(' starting a body")?;
        if self.peek() == Some(b'(') {
            let mut parts = Vec::with_capacity(2);
            while self.peek() == Some(b'(') {
                parts.push(self.body(depth + 1)?);
            }
            self.sp()?;
            return self.multipart_rest(parts);
        }
        if self.rest.len() > 4
            && self.rest[..4].eq_ignore_ascii_case(b"NIL ")
            && self.rest[4] == b'"'
        {
            // Dovecot: `(NIL "alternative" (…) NIL NIL NIL)`.
            self.quirk(Quirk::EmptyMultipart);
            self.advance(4);
            return self.multipart_rest(Vec::new());
        }
        self.single_part(depth).map(Body::Single)
    }

    fn multipart_rest(&mut self, parts: Vec<Body<'a>>) -> ParseResult<Body<'a>> {
        let subtype = self.string(true)?;
        let mut ext = Extension::default();
        if self.ext_next()? {
            ext.params = self.params()?;
            ext.fields = 1;
            self.common_ext(&mut ext)?;
        }
        Ok(Body::Multi(MultiPart {
            parts,
            subtype,
            ext,
        }))
    }

    fn single_part(&mut self, depth: usize) -> ParseResult<SinglePart<'a>> {
        let media_type = self.nstring(true)?;
        self.sp()?;
        let media_subtype = self.nstring(true)?;
        if media_type.is_none() || media_subtype.is_none() {
            self.quirk(Quirk::NilMediaType);
        }
        self.sp()?;
        let params = self.params()?;
        self.sp()?;
        let id = self.nstring(true)?;
        self.sp()?;
        let description = self.nstring(true)?;
        self.sp()?;
        let encoding = self.nstring(true)?;
        if encoding.is_none() {
            self.quirk(Quirk::NilBodyEncoding);
        }
        self.sp()?;
        let octets = self.size(None)?;
        let is_type = |t: &str| media_type.is_some_and(|m| m.eq_ignore_ascii_case(t.as_bytes()));
        let is_sub = |t: &str| media_subtype.is_some_and(|m| m.eq_ignore_ascii_case(t.as_bytes()));
        let specific = if is_type("TEXT") {
            self.sp()?;
            Specific::Text {
                lines: self.size(Some(Quirk::NegativeBodyLines))?,
            }
        } else if is_type("MESSAGE")
            && (is_sub("RFC822") || is_sub("GLOBAL"))
            && self.rest.starts_with(b" (")
        {
            self.sp()?;
            let envelope = self.envelope()?;
            self.sp()?;
            let body = Box::new(self.body(depth + 1)?);
            self.sp()?;
            let lines = self.size(Some(Quirk::NegativeBodyLines))?;
            Specific::Message {
                envelope,
                body,
                lines,
            }
        } else {
            Specific::Basic
        };
        let mut ext = Extension::default();
        if self.ext_next()? {
            ext.md5 = self.nstring(true)?;
            ext.fields = 1;
            self.common_ext(&mut ext)?;
        }
        Ok(SinglePart {
            media_type,
            media_subtype,
            params,
            id,
            description,
            encoding,
            octets,
            specific,
            ext,
        })
    }

    /// After a field: `true` if SP and another extension field follow, `false` at `)`
    /// (consumed).
    fn ext_next(&mut self) -> ParseResult<bool> {
        self.list_next()
    }

    /// disposition, language, location, extensions — each optional, in order.
    fn common_ext(&mut self, ext: &mut Extension<'a>) -> ParseResult<()> {
        if !self.ext_next()? {
            return Ok(());
        }
        ext.disposition = self.disposition()?;
        ext.fields += 1;
        if !self.ext_next()? {
            return Ok(());
        }
        ext.language = self.language()?;
        ext.fields += 1;
        if !self.ext_next()? {
            return Ok(());
        }
        ext.location = self.nstring(true)?;
        ext.fields += 1;
        while self.ext_next()? {
            ext.extensions.push(self.value(1)?);
            ext.fields += 1;
        }
        Ok(())
    }

    /// NIL or `(name value *(SP name value))`.
    fn params(&mut self) -> ParseResult<Params<'a>> {
        if self.nil() {
            return Ok(Vec::new());
        }
        self.expect(b'(', "NIL or '(' starting body parameters")?;
        let mut params = Vec::with_capacity(1);
        if self.eat(b')') {
            return Ok(params);
        }
        loop {
            let name = self.string(true)?;
            self.sp()?;
            let value = self.nstring(true)?;
            if value.is_none() {
                self.quirk(Quirk::NilParamValue);
            }
            params.push((name, value));
            if !self.list_next()? {
                return Ok(params);
            }
        }
    }

    fn disposition(&mut self) -> ParseResult<Option<Disposition<'a>>> {
        if self.nil() {
            return Ok(None);
        }
        self.expect(b'(', "NIL or '(' starting a disposition")?;
        let kind = self.string(true)?;
        self.sp()?;
        let params = self.params()?;
        self.close()?;
        Ok(Some(Disposition { kind, params }))
    }

    fn language(&mut self) -> ParseResult<Vec<Str<'a>>> {
        if self.nil() {
            return Ok(Vec::new());
        }
        if !self.eat(b'(') {
            return Ok(vec![self.string(true)?]);
        }
        let mut list = Vec::with_capacity(1);
        loop {
            list.push(self.string(true)?);
            if !self.list_next()? {
                return Ok(list);
            }
        }
    }
}
