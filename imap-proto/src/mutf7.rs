//! Modified UTF-7, the encoding of international mailbox names in IMAP4rev1
//! (RFC 3501 §5.1.3; Python's `utf-7-imap` codec).
//!
//! * Printable US-ASCII (`0x20..=0x7e`) other than `&` stands for itself.
//! * `&` is written `&-`.
//! * Every other run of characters (controls, DEL and all non-ASCII) is
//!   written `&` + modified base64 of its UTF-16BE code units + `-`. Modified
//!   base64 uses `,` instead of `/` and has no `=` padding.
//!
//! [`encode`] produces the canonical form; [`decode`] accepts exactly the
//! canonical forms, so for every `bytes` it accepts,
//! `encode(&decode(bytes)?) == bytes`. [`mailbox_to_wire`] is the rule
//! `imaplib` uses for `str` mailbox names.

use std::borrow::Cow;
use std::fmt;

/// The modified base64 alphabet (RFC 3501: `,` replaces `/`).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// Whether `c` represents itself (printable US-ASCII; `&` is escaped as
/// `&-` but still outside base64).
fn is_direct(c: char) -> bool {
    matches!(c, ' '..='~')
}

/// Value of a modified base64 digit.
fn b64_value(b: u8) -> Option<u32> {
    let v = match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b',' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Appends the modified base64 digit for the low six bits of `v`.
fn push_digit(out: &mut String, v: u32) {
    out.push(char::from(ALPHABET[(v & 0x3f) as usize]));
}

/// Encodes a mailbox name in modified UTF-7.
///
/// ```
/// use imaplib_proto::mutf7::encode;
/// assert_eq!(encode("Entwürfe"), "Entw&APw-rfe");
/// assert_eq!(encode("A&B"), "A&-B");
/// assert_eq!(encode("a\x01b"), "a&AAE-b");
/// assert_eq!(encode("~peter/mail/台北/日本語"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
/// ```
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + name.len() / 2 + 2);
    // Pending bits of the current base64 run (fewer than 6 between units).
    let mut bits: u32 = 0;
    let mut nbits: u32 = 0;
    let mut shifted = false;
    for c in name.chars() {
        if is_direct(c) {
            if shifted {
                if nbits > 0 {
                    push_digit(&mut out, bits << (6 - nbits));
                }
                out.push('-');
                shifted = false;
                bits = 0;
                nbits = 0;
            }
            out.push(c);
            if c == '&' {
                out.push('-');
            }
            continue;
        }
        if !shifted {
            out.push('&');
            shifted = true;
        }
        let mut units = [0u16; 2];
        for &unit in c.encode_utf16(&mut units).iter() {
            bits = (bits << 16) | u32::from(unit);
            nbits += 16;
            while nbits >= 6 {
                nbits -= 6;
                push_digit(&mut out, bits >> nbits);
            }
            bits &= (1 << nbits) - 1;
        }
    }
    if shifted {
        if nbits > 0 {
            push_digit(&mut out, bits << (6 - nbits));
        }
        out.push('-');
    }
    out
}

/// What is wrong with a modified UTF-7 byte string (see [`Mutf7Error`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mutf7ErrorKind {
    /// A byte outside printable US-ASCII outside a base64 run (a control,
    /// DEL or 8-bit byte); the offset is that byte's.
    InvalidByte(u8),
    /// A `&` without the closing `-`; the offset is the `&`'s.
    Unterminated,
    /// A byte inside a base64 run that is neither a modified base64 digit
    /// nor the closing `-`; the offset is that byte's.
    InvalidBase64(u8),
    /// The run's length does not encode whole UTF-16 code units (e.g. an odd
    /// number of bytes); the offset is the closing `-`'s.
    PartialCodeUnit,
    /// The unused low bits of the run's last digit are not zero; the offset
    /// is the closing `-`'s.
    NonZeroPadding,
    /// A UTF-16 surrogate without its partner (pairs cannot span runs); the
    /// offset is the digit where that code unit starts.
    LoneSurrogate,
    /// A base64 run encodes a printable US-ASCII character, which must
    /// represent itself (RFC 3501: "Modified BASE64 MUST NOT be used to
    /// represent any printing US-ASCII character which can represent
    /// itself"); the offset is the digit where that code unit starts.
    NonCanonicalAscii,
    /// A base64 run starts right where the previous one ended (`-&`), a null
    /// shift RFC 3501 forbids: the two should be one run. The offset is the
    /// second run's `&`.
    AdjacentRuns,
}

/// Error returned by [`decode`]: what is wrong, and the byte offset in the
/// input where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mutf7Error {
    kind: Mutf7ErrorKind,
    offset: usize,
}

impl Mutf7Error {
    /// What is wrong.
    pub fn kind(&self) -> Mutf7ErrorKind {
        self.kind
    }

    /// Byte offset in the input; see [`Mutf7ErrorKind`] for what it points
    /// at for each kind.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for Mutf7Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            Mutf7ErrorKind::InvalidByte(b) => {
                return write!(
                    f,
                    "invalid modified UTF-7: byte 0x{b:02x} at offset {} is not printable US-ASCII",
                    self.offset
                )
            }
            Mutf7ErrorKind::InvalidBase64(b) => {
                return write!(
                    f,
                    "invalid modified UTF-7: byte 0x{b:02x} at offset {} is not a modified base64 digit",
                    self.offset
                )
            }
            Mutf7ErrorKind::Unterminated => "unterminated base64 run",
            Mutf7ErrorKind::PartialCodeUnit => "base64 run ends inside a UTF-16 code unit",
            Mutf7ErrorKind::NonZeroPadding => "non-zero padding bits in base64 run",
            Mutf7ErrorKind::LoneSurrogate => "unpaired UTF-16 surrogate",
            Mutf7ErrorKind::NonCanonicalAscii => "printable US-ASCII encoded in base64",
            Mutf7ErrorKind::AdjacentRuns => "adjacent base64 runs (null shift)",
        };
        write!(
            f,
            "invalid modified UTF-7: {what} at offset {}",
            self.offset
        )
    }
}

impl std::error::Error for Mutf7Error {}

/// Builds an error.
fn err(kind: Mutf7ErrorKind, offset: usize) -> Mutf7Error {
    Mutf7Error { kind, offset }
}

/// Decodes modified UTF-7, strictly.
///
/// Only the canonical encoding (the output of [`encode`]) is accepted:
/// raw bytes must be printable US-ASCII, `&` must start either `&-` or a
/// `-`-terminated run of modified base64 that holds whole UTF-16 code units
/// with zero padding bits, well-formed surrogate pairs and no printable
/// US-ASCII character; and a run may not immediately follow another one
/// (`&AOQ-&APw-` must be written `&AOQA,A-`, RFC 3501's "null shifts ... are
/// not permitted").
///
/// ```
/// use imaplib_proto::mutf7::{decode, Mutf7ErrorKind};
/// assert_eq!(decode(b"Entw&APw-rfe").unwrap(), "Entwürfe");
/// assert_eq!(decode(b"A&-B").unwrap(), "A&B");
/// let e = decode(b"Entw&APw").unwrap_err();
/// assert_eq!((e.kind(), e.offset()), (Mutf7ErrorKind::Unterminated, 4));
/// ```
pub fn decode(bytes: &[u8]) -> Result<String, Mutf7Error> {
    let mut out = String::with_capacity(bytes.len());
    // Offset just past the `-` of the last base64 run, to spot `-&`.
    let mut last_run_end = None;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'&' => {
                let start = i;
                let body_start = i + 1;
                let mut j = body_start;
                loop {
                    match bytes.get(j) {
                        None => return Err(err(Mutf7ErrorKind::Unterminated, start)),
                        Some(b'-') => break,
                        Some(&d) if b64_value(d).is_some() => j += 1,
                        Some(&d) => return Err(err(Mutf7ErrorKind::InvalidBase64(d), j)),
                    }
                }
                if j == body_start {
                    out.push('&');
                } else {
                    if last_run_end == Some(start) {
                        return Err(err(Mutf7ErrorKind::AdjacentRuns, start));
                    }
                    decode_run(&bytes[body_start..j], body_start, &mut out)?;
                    last_run_end = Some(j + 1);
                }
                i = j + 1;
            }
            0x20..=0x7e => {
                out.push(char::from(b));
                i += 1;
            }
            _ => return Err(err(Mutf7ErrorKind::InvalidByte(b), i)),
        }
    }
    Ok(out)
}

/// Decodes the digits of one non-empty base64 run (all already checked to be
/// modified base64 digits); `base` is the offset of the first digit.
fn decode_run(run: &[u8], base: usize, out: &mut String) -> Result<(), Mutf7Error> {
    let mut bits: u32 = 0;
    let mut nbits: u32 = 0;
    let mut units = 0usize;
    // A high surrogate waiting for its low half, with its offset.
    let mut high: Option<(u32, usize)> = None;
    for &d in run {
        let Some(v) = b64_value(d) else {
            // Unreachable: the caller validated every digit.
            return Err(err(Mutf7ErrorKind::InvalidBase64(d), base));
        };
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits < 16 {
            continue;
        }
        nbits -= 16;
        let unit = (bits >> nbits) & 0xffff;
        bits &= (1 << nbits) - 1;
        // The digit in which this code unit starts.
        let at = base + units * 16 / 6;
        units += 1;
        let c = match (unit, high.take()) {
            (0xd800..=0xdbff, None) => {
                high = Some((unit, at));
                continue;
            }
            (0xdc00..=0xdfff, Some((h, _))) => {
                char::from_u32(0x10000 + ((h - 0xd800) << 10) + (unit - 0xdc00))
            }
            (_, Some((_, h_at))) => return Err(err(Mutf7ErrorKind::LoneSurrogate, h_at)),
            (0xdc00..=0xdfff, None) => None,
            (_, None) => char::from_u32(unit),
        };
        let Some(c) = c else {
            return Err(err(Mutf7ErrorKind::LoneSurrogate, at));
        };
        if is_direct(c) {
            return Err(err(Mutf7ErrorKind::NonCanonicalAscii, at));
        }
        out.push(c);
    }
    let end = base + run.len();
    if let Some((_, h_at)) = high {
        return Err(err(Mutf7ErrorKind::LoneSurrogate, h_at));
    }
    if nbits >= 6 {
        return Err(err(Mutf7ErrorKind::PartialCodeUnit, end));
    }
    if bits != 0 {
        return Err(err(Mutf7ErrorKind::NonZeroPadding, end));
    }
    Ok(())
}

/// Whether `bytes` is valid (canonical) modified UTF-7, i.e. [`decode`]
/// succeeds. The check allocates nothing beyond what [`decode`] does.
pub fn is_valid(bytes: &[u8]) -> bool {
    decode(bytes).is_ok()
}

/// Converts a mailbox name given as text to its wire form, the rule of
/// `imaplib`'s `_mailbox` for `str` (CPython main, gh-49555): a name that is
/// already valid modified UTF-7 is sent unchanged (so names taken verbatim
/// from a `LIST` response keep working), anything else is encoded.
///
/// Quoting for the command line is a separate, later step.
///
/// ```
/// use imaplib_proto::mutf7::mailbox_to_wire;
/// assert_eq!(mailbox_to_wire("Entwürfe"), "Entw&APw-rfe");
/// assert_eq!(mailbox_to_wire("Entw&APw-rfe"), "Entw&APw-rfe");
/// assert_eq!(mailbox_to_wire("A&B"), "A&-B");
/// ```
pub fn mailbox_to_wire(name: &str) -> Cow<'_, str> {
    if is_valid(name.as_bytes()) {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(encode(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kind_at(bytes: &[u8]) -> (Mutf7ErrorKind, usize) {
        let e = decode(bytes).expect_err("should be rejected");
        (e.kind(), e.offset())
    }

    /// CPython test_mailbox (minus the final astring quoting).
    #[test]
    fn test_mailbox_cases() {
        assert_eq!(mailbox_to_wire("Entwürfe"), "Entw&APw-rfe");
        assert_eq!(mailbox_to_wire("Entw&APw-rfe"), "Entw&APw-rfe");
        assert!(matches!(mailbox_to_wire("Entw&APw-rfe"), Cow::Borrowed(_)));
        assert_eq!(mailbox_to_wire("A&B"), "A&-B");
        assert_eq!(mailbox_to_wire("a\x01b"), "a&AAE-b");
        assert_eq!(mailbox_to_wire(""), "");
        assert_eq!(mailbox_to_wire("INBOX"), "INBOX");
        assert_eq!(mailbox_to_wire("Entwürfe/%"), "Entw&APw-rfe/%");
        // test_control_characters: every C0 control is encoded, none sent raw.
        for c in (0u8..0x20).chain([0x7f]) {
            let name = format!("a{}b", char::from(c));
            let wire = mailbox_to_wire(&name);
            assert!(wire.bytes().all(|b| (0x20..0x7f).contains(&b)), "{wire}");
            assert_eq!(decode(wire.as_bytes()).unwrap(), name);
        }
    }

    #[test]
    fn rfc3501_example() {
        let wire = "~peter/mail/&U,BTFw-/&ZeVnLIqe-";
        let text = "~peter/mail/台北/日本語";
        assert_eq!(encode(text), wire);
        assert_eq!(decode(wire.as_bytes()).unwrap(), text);
    }

    #[test]
    fn encode_cases() {
        assert_eq!(encode(""), "");
        assert_eq!(encode("&"), "&-");
        assert_eq!(encode("&&"), "&-&-");
        assert_eq!(encode("ä&"), "&AOQ-&-");
        assert_eq!(encode("äü"), "&AOQA,A-");
        assert_eq!(encode("äüö"), "&AOQA,AD2-");
        assert_eq!(encode("\x7f"), "&AH8-");
        assert_eq!(encode("\u{1F600}"), "&2D3eAA-");
        assert_eq!(encode("\u{FFFF}"), "&,,8-");
        assert_eq!(encode("Ж-"), "&BBY--");
    }

    #[test]
    fn decode_cases() {
        assert_eq!(decode(b"").unwrap(), "");
        assert_eq!(decode(b"&-").unwrap(), "&");
        assert_eq!(decode(b"&-&-").unwrap(), "&&");
        assert_eq!(decode(b"&AOQ-&-").unwrap(), "ä&");
        assert_eq!(decode(b"&-&AOQ-").unwrap(), "&ä");
        assert_eq!(decode(b"&AOQA,A-").unwrap(), "äü");
        assert_eq!(decode(b"&2D3eAA-").unwrap(), "\u{1F600}");
        assert_eq!(decode(b"&BBY--").unwrap(), "Ж-");
        assert_eq!(decode(b"&AOQ-x&APw-").unwrap(), "äxü");
    }

    #[test]
    fn decode_rejections() {
        use Mutf7ErrorKind::*;
        // Raw bytes that must be encoded.
        assert_eq!(kind_at(b"a\x01b"), (InvalidByte(1), 1));
        assert_eq!(kind_at(b"ab\x7f"), (InvalidByte(0x7f), 2));
        assert_eq!(kind_at("Entwürfe".as_bytes()), (InvalidByte(0xc3), 4));
        assert_eq!(kind_at(b"a\tb"), (InvalidByte(b'\t'), 1));
        // Unterminated runs.
        assert_eq!(kind_at(b"&"), (Unterminated, 0));
        assert_eq!(kind_at(b"ab&AOQ"), (Unterminated, 2));
        // Bad digits, including the standard `/` and `=` padding.
        assert_eq!(kind_at(b"&AO/-"), (InvalidBase64(b'/'), 3));
        assert_eq!(kind_at(b"&AOQ=-"), (InvalidBase64(b'='), 4));
        assert_eq!(kind_at(b"&AO&-"), (InvalidBase64(b'&'), 3));
        assert_eq!(kind_at(b"&AO\xc3-"), (InvalidBase64(0xc3), 3));
        // Lengths that do not hold whole code units (incl. an odd byte count).
        assert_eq!(kind_at(b"&A-"), (PartialCodeUnit, 2));
        assert_eq!(kind_at(b"&AO-"), (PartialCodeUnit, 3));
        assert_eq!(kind_at(b"&AOQA-"), (PartialCodeUnit, 5));
        assert_eq!(kind_at(b"&AOQAA-"), (PartialCodeUnit, 6));
        assert_eq!(kind_at(b"&AOQA,AD-"), (PartialCodeUnit, 8));
        // Leftover non-zero bits.
        assert_eq!(kind_at(b"&AOR-"), (NonZeroPadding, 4));
        assert_eq!(kind_at(b"&AOQA,B-"), (NonZeroPadding, 7));
        // Lone surrogates, also split across runs.
        assert_eq!(kind_at(b"&2D0-"), (LoneSurrogate, 1));
        assert_eq!(kind_at(b"&3gA-"), (LoneSurrogate, 1));
        assert_eq!(kind_at(b"&2D0AOQ-"), (LoneSurrogate, 1));
        assert_eq!(kind_at(b"&AOTeAA-"), (LoneSurrogate, 3));
        assert_eq!(kind_at(b"&2D3YPQ-"), (LoneSurrogate, 1));
        assert_eq!(kind_at(b"&2D0-x&3gA-"), (LoneSurrogate, 1));
        // Printable ASCII in base64, including `&` and `-`.
        assert_eq!(kind_at(b"&AGE-"), (NonCanonicalAscii, 1));
        assert_eq!(kind_at(b"&ACY-"), (NonCanonicalAscii, 1));
        assert_eq!(kind_at(b"&AOQAYQ-"), (NonCanonicalAscii, 3));
        assert_eq!(kind_at(b"&AH4-"), (NonCanonicalAscii, 1));
        // Null shift: two runs back to back.
        assert_eq!(kind_at(b"&AOQ-&APw-"), (AdjacentRuns, 5));
        assert_eq!(kind_at(b"x&AOQ-&APw-"), (AdjacentRuns, 6));
        assert!(!is_valid(b"&AOQ-&APw-"));
        assert!(is_valid(b"&AOQ-&-&APw-"));
        // Messages carry the offset.
        let msg = decode(b"ab&AOQ").unwrap_err().to_string();
        assert!(msg.contains("offset 2"), "{msg}");
    }

    #[test]
    fn mailbox_to_wire_reencodes_invalid() {
        // Not valid mUTF-7, so encoded (the `&` becomes `&-`).
        assert_eq!(mailbox_to_wire("&AGE-"), "&-AGE-");
        assert_eq!(mailbox_to_wire("R&D"), "R&-D");
        assert_eq!(mailbox_to_wire("&"), "&-");
        assert_eq!(mailbox_to_wire("&-"), "&-");
    }

    fn unicode_string() -> impl Strategy<Value = String> {
        let ch = prop_oneof![
            any::<char>(),
            proptest::char::range(' ', '~'),
            Just('&'),
            Just('-'),
            proptest::char::range('\u{0}', '\u{1f}'),
            proptest::char::range('\u{10000}', '\u{10FFFF}'),
        ];
        proptest::collection::vec(ch, 0..40).prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn prop_roundtrip(s in unicode_string()) {
            let e = encode(&s);
            prop_assert!(e.bytes().all(|b| (0x20..0x7f).contains(&b)), "{:?}", e);
            prop_assert_eq!(decode(e.as_bytes()).unwrap(), s.clone());
            prop_assert!(is_valid(e.as_bytes()));
            // Encoded names are left alone by mailbox_to_wire.
            prop_assert_eq!(mailbox_to_wire(&e), e.as_str());
        }

        #[test]
        fn prop_decode_is_canonical(
            bytes in proptest::collection::vec(
                prop_oneof![
                    Just(b'&'), Just(b'-'), Just(b'A'), Just(b'O'), Just(b'Q'),
                    Just(b','), Just(b'2'), Just(b'D'), Just(b'3'), Just(b'e'),
                    Just(b'a'), Just(b' '), Just(0x01u8), Just(0xc3u8), any::<u8>(),
                ],
                0..24,
            )
        ) {
            // Never panics, and whatever decodes re-encodes to the same bytes.
            if let Ok(s) = decode(&bytes) {
                let again = encode(&s);
                prop_assert_eq!(again.as_bytes(), bytes.as_slice());
            }
        }
    }
}
