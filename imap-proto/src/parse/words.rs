//! RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?ISO-8859-1?Q?…?=`) decoded to text.
//!
//! ENVELOPE subjects and display names are sent as the header had them: 7-bit text with
//! encoded words for anything else. [`decode_words`] turns such a value into text:
//!
//! ```
//! use imaplib_proto::parse::decode_words;
//! assert_eq!(decode_words(b"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?ISO-8859-1?Q?K=F6ln?="), "Grüße aus Köln");
//! assert_eq!(decode_words(b"plain text"), "plain text");
//! ```
//!
//! The parsing is RFC 2047's (with RFC 2231's `charset*language`), written here; the
//! charsets are `encoding_rs`'s (the WHATWG Encoding Standard that browsers implement: every
//! charset mail uses in practice, under its usual labels). Real-world leniency: whitespace
//! between adjacent encoded words is dropped as the RFC says, and adjacent words in the same
//! charset are decoded together, so that a character split across two words (which senders
//! do) survives. A word that is malformed, or names an unknown charset, stays as it was;
//! bytes outside encoded words are read as UTF-8 (raw 8-bit headers usually are), invalid
//! sequences replaced.

use std::borrow::Cow;

use base64::Engine;

/// Decodes the encoded words of a header value to text. Borrows when there is nothing to
/// decode and the value is UTF-8.
pub fn decode_words(raw: &[u8]) -> Cow<'_, str> {
    if memchr::memmem::find(raw, b"=?").is_none() {
        return String::from_utf8_lossy(raw);
    }
    let mut out = String::with_capacity(raw.len());
    // Bytes of adjacent encoded words in one charset, not decoded yet.
    let mut pending: Option<(&'static encoding_rs::Encoding, Vec<u8>)> = None;
    let flush = |out: &mut String,
                 pending: &mut Option<(&'static encoding_rs::Encoding, Vec<u8>)>| {
        if let Some((enc, bytes)) = pending.take() {
            out.push_str(&enc.decode_without_bom_handling(&bytes).0);
        }
    };
    let mut rest = raw;
    let mut after_word = false;
    while !rest.is_empty() {
        let Some(start) = memchr::memmem::find(rest, b"=?") else {
            flush(&mut out, &mut pending);
            out.push_str(&String::from_utf8_lossy(rest));
            break;
        };
        let (text, tail) = rest.split_at(start);
        match encoded_word(tail) {
            Some((word, len)) => {
                // Whitespace between two encoded words is not part of the text.
                let blank = text
                    .iter()
                    .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
                if !(after_word && blank) {
                    flush(&mut out, &mut pending);
                    out.push_str(&String::from_utf8_lossy(text));
                }
                match &mut pending {
                    Some((enc, bytes)) if *enc == word.charset => bytes.extend(word.bytes),
                    _ => {
                        flush(&mut out, &mut pending);
                        pending = Some((word.charset, word.bytes));
                    }
                }
                rest = &tail[len..];
                after_word = true;
            }
            None => {
                flush(&mut out, &mut pending);
                out.push_str(&String::from_utf8_lossy(&rest[..start + 2]));
                rest = &rest[start + 2..];
                after_word = false;
            }
        }
    }
    flush(&mut out, &mut pending);
    Cow::Owned(out)
}

/// One decoded encoded word.
struct Word {
    charset: &'static encoding_rs::Encoding,
    bytes: Vec<u8>,
}

/// `=?charset[*lang]?B|Q?text?=` at the start of `s`: the word and its length.
fn encoded_word(s: &[u8]) -> Option<(Word, usize)> {
    let body = s.strip_prefix(b"=?")?;
    let q1 = memchr::memchr(b'?', body)?;
    let charset = &body[..q1];
    let charset = &charset[..memchr::memchr(b'*', charset).unwrap_or(charset.len())];
    let rest = &body[q1 + 1..];
    let (&encoding, rest) = rest.split_first()?;
    let rest = rest.strip_prefix(b"?")?;
    let end = memchr::memmem::find(rest, b"?=")?;
    let text = &rest[..end];
    if text
        .iter()
        .any(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        || charset.is_empty()
    {
        return None;
    }
    let charset = encoding_rs::Encoding::for_label(charset)?;
    let bytes = match encoding.to_ascii_uppercase() {
        b'B' => base64_lenient(text)?,
        b'Q' => q_decode(text)?,
        _ => return None,
    };
    Some((Word { charset, bytes }, 2 + q1 + 1 + 2 + end + 2))
}

/// Base64 with or without padding.
fn base64_lenient(text: &[u8]) -> Option<Vec<u8>> {
    let trimmed = text
        .strip_suffix(b"==")
        .or(text.strip_suffix(b"="))
        .unwrap_or(text);
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .ok()
}

/// RFC 2047 "Q": `_` is a space, `=XX` a byte.
fn q_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = text.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode_words;

    #[test]
    fn words_decode_to_text() {
        let cases: &[(&[u8], &str)] = &[
            (b"Hello", "Hello"),
            (b"=?utf-8?b?R3LDvMOfZQ==?=", "Grüße"),
            (b"=?UTF-8?B?R3LDvMOfZQ?=", "Grüße"), // no padding
            (b"=?ISO-8859-1?Q?Andr=E9?= Pirard", "André Pirard"),
            (b"=?ISO-8859-1?Q?a_b?=", "a b"),
            // Whitespace between adjacent encoded words goes; around them it stays.
            (b"=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab"),
            (b"=?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?= c", "ab c"),
            (b"x =?UTF-8?Q?a?= y", "x a y"),
            // A character split across two words (the bytes C3 | BC).
            (b"=?UTF-8?Q?=C3?= =?UTF-8?Q?=BC?=", "ü"),
            // Other charsets, and RFC 2231's language tag.
            (b"=?KOI8-R?B?8NLJ18XU?=", "Привет"),
            (b"=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは"),
            (b"=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore"),
            // Malformed or unknown: kept as they were.
            (b"=?X-UNKNOWN?Q?abc?=", "=?X-UNKNOWN?Q?abc?="),
            (b"=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="),
            (b"=?UTF-8?Q?a b?=", "=?UTF-8?Q?a b?="),
            (b"=?UTF-8?Q?=ZZ?=", "=?UTF-8?Q?=ZZ?="),
            (b"=?broken", "=?broken"),
            (b"50% =?", "50% =?"),
            // Raw 8-bit UTF-8 outside encoded words.
            ("Grüße =?UTF-8?Q?=C3=BC?=".as_bytes(), "Grüße ü"),
        ];
        for (raw, want) in cases {
            assert_eq!(decode_words(raw), *want, "{}", String::from_utf8_lossy(raw));
        }
    }
}
