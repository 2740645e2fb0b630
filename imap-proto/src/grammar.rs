//! The IMAP grammar's building blocks, written once: character classes, numbers and
//! literal markers.
//!
//! The framer ([`crate::frame`]), imaplib's classifier ([`crate::response`]), the encoder
//! ([`crate::encode`]) and the typed parser ([`crate::parse`]) all read these rules from
//! here, so that an atom, a number or a `{N}` means the same thing to each of them.
//! Everything is a plain function over bytes: no allocation, no state.

/// `ATOM-CHAR` (RFC 3501/9051): any CHAR except atom-specials: `(`, `)`, `{`, SP, CTL,
/// list-wildcards (`%`, `*`), quoted-specials (`"`, `\`) and resp-specials (`]`).
const ATOM: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x21;
    while b < 0x7f {
        t[b] = !matches!(
            b as u8,
            b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']'
        );
        b += 1;
    }
    t
};

/// `ATOM-CHAR`.
#[inline]
pub(crate) fn is_atom_char(b: u8) -> bool {
    ATOM[b as usize]
}

/// `ASTRING-CHAR`: `ATOM-CHAR` or `]`.
#[inline]
pub(crate) fn is_astring_char(b: u8) -> bool {
    ATOM[b as usize] || b == b']'
}

/// A `tag` character: `ASTRING-CHAR` except `+`.
#[inline]
pub(crate) fn is_tag_char(b: u8) -> bool {
    is_astring_char(b) && b != b'+'
}

/// A length `n` such that `b[..n]` is all ASCII letters, found eight bytes at a time (SWAR):
/// exactly the number of letters `b` starts with when the first other byte lies within a
/// whole word of `b`, else a shorter run ending where fewer than eight bytes remain. Names,
/// flags and atoms are mostly letters; a scanner skips them with this and goes on byte by
/// byte from `n`.
#[inline]
pub(crate) fn letters(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    let mut n = 0;
    while let Some(w) = b.get(n..).and_then(<[u8]>::first_chunk::<8>) {
        let x = u64::from_le_bytes(*w);
        // Each byte folded to lower case and to seven bits (so that no sum below carries
        // into the next byte); its high bit then says: ASCII, at least `a`, at most `z`.
        let y = (x | (ONES * 0x20)) & !HIGH;
        let letter = !x & y.wrapping_add(ONES * 0x1f) & !y.wrapping_add(ONES * 0x05) & HIGH;
        if letter != HIGH {
            return n + (!letter & HIGH).trailing_zeros() as usize / 8;
        }
        n += 8;
    }
    n
}

/// `a` equals `b` ignoring ASCII case, compared a word at a time: each byte with bit 5 set
/// (which lower-cases a letter), the words of a constant `b` folding at compile time. For a
/// letter of `b` that is exact whatever `a` holds; a digit, `.`, `-` or space of `b` (bit 5
/// already set) would also match the control character 32 below it, so `b` holds only
/// letters, digits, `.`, `-` and spaces, and `a` no control character (atoms, names and flags
/// have none). Two comparisons of overlapping words for 4 to 16 bytes; other lengths byte by
/// byte.
#[inline(always)]
pub(crate) fn eq_fold(a: &[u8], b: &[u8]) -> bool {
    const FOLD: u64 = 0x2020_2020_2020_2020;
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    let word = |s: &[u8], at: usize| {
        s.get(at..)
            .and_then(<[u8]>::first_chunk::<8>)
            .map(|w| u64::from_le_bytes(*w) | FOLD)
    };
    let half = |s: &[u8], at: usize| {
        s.get(at..)
            .and_then(<[u8]>::first_chunk::<4>)
            .map(|w| u32::from_le_bytes(*w) | FOLD as u32)
    };
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a.eq_ignore_ascii_case(b),
    }
}

/// A character of a response type or code name as imaplib's regexes read them: `[A-Z-]`.
#[inline]
pub(crate) fn is_type_char(b: u8) -> bool {
    b.is_ascii_uppercase() || b == b'-'
}

/// The number of ASCII digits at the start of `b`.
#[inline]
pub(crate) fn digits(b: &[u8]) -> usize {
    b.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// The value of a non-empty run of ASCII digits; `None` when it is empty, holds anything
/// but digits, or does not fit in 64 bits.
#[inline]
pub(crate) fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(n)
}

/// [`parse_u64`] for values that must fit in 32 bits.
#[inline]
pub(crate) fn parse_u32(digits: &[u8]) -> Option<u32> {
    parse_u64(digits).and_then(|n| u32::try_from(n).ok())
}

/// A literal marker: `{N}`, `{N+}` (LITERAL+), `~{N}` (literal8, RFC 3516).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Marker {
    /// The announced size; `None` when it does not fit in 64 bits.
    pub size: Option<u64>,
    /// Written `{N+}`.
    pub nonsync: bool,
    /// Preceded by `~`.
    pub binary: bool,
}

/// Reads a literal marker at the very start of `i`: `~`? `{` digits `+`? `}`. Returns it
/// and its length in bytes.
#[inline]
pub(crate) fn marker_prefix(i: &[u8]) -> Option<(Marker, usize)> {
    let binary = i.first() == Some(&b'~');
    let open = usize::from(binary);
    if i.get(open) != Some(&b'{') {
        return None;
    }
    let start = open + 1;
    let n = digits(&i[start..]);
    if n == 0 {
        return None;
    }
    let mut end = start + n;
    let nonsync = i.get(end) == Some(&b'+');
    end += usize::from(nonsync);
    if i.get(end) != Some(&b'}') {
        return None;
    }
    let size = parse_u64(&i[start..start + n]);
    Some((
        Marker {
            size,
            nonsync,
            binary,
        },
        end + 1,
    ))
}

/// The literal marker that ends `line` (CRLF already removed), as imaplib's `Literal`
/// regex `.*{(?P<size>\d+)}$` finds it, plus `{N+}` and `~{N}`.
#[inline]
pub(crate) fn marker_suffix(line: &[u8]) -> Option<Marker> {
    // Most lines end otherwise: one comparison.
    let (&b'}', rest) = line.split_last()? else {
        return None;
    };
    let rest = rest.strip_suffix(b"+").unwrap_or(rest);
    let n = rest.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 || rest.len() == n {
        return None;
    }
    let open = rest.len() - n - 1;
    let start = if open > 0 && line[open - 1] == b'~' {
        open - 1
    } else {
        open
    };
    match marker_prefix(&line[start..]) {
        Some((m, len)) if start + len == line.len() => Some(m),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atom_classes() {
        for b in 0u8..=255 {
            let special = matches!(
                b,
                b'(' | b')' | b'{' | b' ' | b'%' | b'*' | b'"' | b'\\' | b']'
            ) || !(0x20..0x7f).contains(&b);
            assert_eq!(is_atom_char(b), !special, "{b:#x}");
            assert_eq!(is_astring_char(b), !special || b == b']', "{b:#x}");
            assert_eq!(is_tag_char(b), is_astring_char(b) && b != b'+', "{b:#x}");
        }
        assert!(is_type_char(b'A') && is_type_char(b'-') && !is_type_char(b'a'));
    }

    #[test]
    fn letters_every_byte_at_every_position() {
        // A run of mixed-case letters broken by each byte value at each position, in buffers
        // of 0 to 24 bytes.
        for len in 0..=24usize {
            for at in 0..=len {
                for b in 0u8..=255 {
                    let mut buf = vec![b'x'; len];
                    for (i, c) in buf.iter_mut().enumerate() {
                        *c = [b'a', b'Z', b'q', b'A', b'z', b'M'][i % 6];
                    }
                    if at < len {
                        buf[at] = b;
                    }
                    let exact = buf.iter().take_while(|c| c.is_ascii_alphabetic()).count();
                    // The words cover `b[..len - len % 8]`.
                    assert_eq!(letters(&buf), exact.min(len - len % 8), "{buf:?}");
                }
            }
        }
    }

    #[test]
    fn eq_fold_every_byte_at_every_position() {
        // Constants of letters agree with eq_ignore_ascii_case whatever the other side holds;
        // constants with digits, `.` or `-` for every byte but the control characters.
        for (name, all) in [
            (&b"LIST"[..], true),
            (b"FETCH", true),
            (b"PREAUTH", true),
            (b"CAPABILITY", true),
            (b"QUOTAROOT", true),
            (b"RFC822.SIZE", false),
            (b"X-GM-MSGID", false),
            (b"BODYSTRUCTURE", true),
        ] {
            for at in 0..name.len() {
                for b in (0..=255u8).filter(|&b| all || b >= 0x20) {
                    let mut a = name.to_vec();
                    a[at] = b;
                    assert_eq!(eq_fold(&a, name), a.eq_ignore_ascii_case(name), "{a:?}");
                    a.make_ascii_lowercase();
                    assert_eq!(eq_fold(&a, name), a.eq_ignore_ascii_case(name), "{a:?}");
                }
            }
            assert!(!eq_fold(&name[1..], name));
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(digits(b"123 FETCH"), 3);
        assert_eq!(digits(b"x1"), 0);
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"1a"), None);
        assert_eq!(parse_u32(b"4294967295"), Some(u32::MAX));
        assert_eq!(parse_u32(b"4294967296"), None);
    }

    #[test]
    fn markers() {
        let m = |size, nonsync, binary| Marker {
            size: Some(size),
            nonsync,
            binary,
        };
        assert_eq!(marker_prefix(b"{5}"), Some((m(5, false, false), 3)));
        assert_eq!(marker_prefix(b"~{5+} x"), Some((m(5, true, true), 5)));
        for no in [&b"{}"[..], b"{+}", b"~~{1}", b"{1", b"{-1}", b"x{1}"] {
            assert_eq!(marker_prefix(no), None, "{no:?}");
        }
        assert_eq!(
            marker_prefix(b"{99999999999999999999999}").map(|(m, _)| m.size),
            Some(None)
        );
        assert_eq!(
            marker_suffix(b"* 1 FETCH (BODY[] {13}"),
            Some(m(13, false, false))
        );
        assert_eq!(marker_suffix(b"x ~{7}"), Some(m(7, false, true)));
        assert_eq!(marker_suffix(b"~~{7}"), Some(m(7, false, true)));
        assert_eq!(marker_suffix(b"{0+}"), Some(m(0, true, false)));
        for no in [
            &b"{}"[..],
            b"{-1}",
            b"x}",
            b"{12a}",
            b"}",
            b"12}",
            b"{+}",
            b"",
        ] {
            assert_eq!(marker_suffix(no), None, "{no:?}");
        }
    }
}
