//! Unit tests of the helpers; the conversions are tested on transcripts in
//! `tests/typed.rs`.

use super::*;

#[test]
fn code_named_parses_only_the_code_it_looks_for() {
    let copyuid = |c: Code<'_>| match c {
        Code::CopyUid { uidvalidity, .. } => Some(uidvalidity),
        _ => None,
    };
    // Another code, even malformed, is not this one.
    assert_eq!(
        code_named(b"[HIGHESTMODSEQ x] y", "COPYUID", copyuid).unwrap(),
        None
    );
    assert_eq!(code_named(b"no code", "COPYUID", copyuid).unwrap(), None);
    assert_eq!(
        code_named(b"[COPYUID 7 1 2] x", "COPYUID", copyuid).unwrap(),
        Some(7)
    );
    // imaplib's greedy match (`data` runs to the last `]`) is undone.
    assert_eq!(
        code_named(b"[COPYUID 7 1 2] x [y]", "COPYUID", copyuid).unwrap(),
        Some(7)
    );
    let e = code_named(b"[COPYUID 7 1] x", "COPYUID", copyuid).unwrap_err();
    assert!(
        e.message()
            .starts_with("the COPYUID response code: malformed"),
        "{e}"
    );
}

#[test]
fn numbers_fit_in_32_bits() {
    assert_eq!(number_u32("EXISTS", b"4294967295").unwrap(), u32::MAX);
    for bad in [
        &b"4294967296"[..],
        b"",
        b"-1",
        b"1 ",
        b"99999999999999999999",
    ] {
        let e = number_u32("EXISTS", bad).unwrap_err();
        assert!(e.message().starts_with("EXISTS: malformed"), "{e}");
    }
}

#[test]
fn vanished_earlier_is_recognised_in_any_case() {
    use super::expunge::is_earlier;
    assert!(is_earlier(&Item::from(b"(EARLIER) 1:3")));
    assert!(is_earlier(&Item::from(b"(earlier) 1")));
    assert!(!is_earlier(&Item::from(b"1:3")));
    assert!(!is_earlier(&Item::from(b"(EARL")));
    assert!(!is_earlier(&Item::None));
}
