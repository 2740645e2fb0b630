//! The imaplib face's raw positions (text sent as given: criteria, flag lists, fetch parts…)
//! refuse parentheses and brackets that do not balance outside quoted strings, so that every
//! command is well formed (SECURITY.md, "Injection"); balanced text, quoted strings holding
//! anything, sections and partials pass as before.

use imaplib_proto::error::{ArgumentProblem, Reason};
use imaplib_proto::util::DateInput;
use imaplib_proto::{Cause, Command, ErrorKind, Result, Text};

type Position = (&'static str, fn(&str) -> Result<Command>);

/// Every raw position of the imaplib face, with a call that puts `p` there.
const POSITIONS: &[Position] = &[
    ("STATUS items", |p| Command::status("INBOX", p)),
    ("STORE command", |p| Command::store("1", p, "(\\Seen)")),
    ("STORE flags", |p| Command::store("1", "+FLAGS", p)),
    ("APPEND flags", |p| {
        Command::append(Some("INBOX".into()), Some(p), None, b"x")
    }),
    ("APPEND date", |p| {
        Command::append(
            Some("INBOX".into()),
            None,
            Some(DateInput::from(format!("\"{p}\""))),
            b"x",
        )
    }),
    ("FETCH parts", |p| Command::fetch("1", p)),
    ("PARTIAL part", |p| Command::partial(1, p, 0, 10)),
    ("SEARCH criteria", |p| Command::search(None, &["ALL", p])),
    ("SEARCH criteria with charset", |p| {
        Command::search(Some("UTF-8"), &[p])
    }),
    ("SORT criteria", |p| Command::sort(p, "UTF-8", &["ALL"])),
    ("SORT search", |p| Command::sort("(DATE)", "UTF-8", &[p])),
    ("THREAD search", |p| {
        Command::thread("REFERENCES", "UTF-8", &[p])
    }),
    ("uid SEARCH", |p| Command::uid("SEARCH", &[Text::Str(p)])),
    ("uid FETCH parts", |p| {
        Command::uid("FETCH", &["1".into(), Text::Str(p)])
    }),
    ("uid STORE flags", |p| {
        Command::uid("STORE", &["1".into(), "+FLAGS".into(), Text::Str(p)])
    }),
    ("uid SORT criteria", |p| {
        Command::uid("SORT", &[Text::Str(p), "UTF-8".into(), "ALL".into()])
    }),
    ("uid THREAD search", |p| {
        Command::uid(
            "THREAD",
            &["REFERENCES".into(), "UTF-8".into(), Text::Str(p)],
        )
    }),
    ("SETQUOTA limits", |p| Command::setquota("", p)),
    ("GETANNOTATION entry", |p| {
        Command::getannotation("INBOX", p, "value.shared")
    }),
    ("GETANNOTATION attribute", |p| {
        Command::getannotation("INBOX", "/comment", p)
    }),
    ("SETANNOTATION arguments", |p| {
        Command::setannotation(&["INBOX", "/comment", p])
    }),
    ("xatom arguments", |p| Command::xatom("XFOO", &["a", p])),
    ("ENABLE capability", |p| Command::enable(p)),
];

#[test]
fn every_raw_position_refuses_unbalanced_text() {
    let payloads = [
        "(a)b)",
        "(()",
        ")",
        "((",
        "a]",
        "BODY[TEXT",
        "BODY[HEADER.FIELDS (FROM])",
        "([)]",
        "x \"y\" )",
        "SUBJECT [PATCH",
    ];
    let mut refused = 0;
    for (name, call) in POSITIONS {
        for p in payloads {
            // APPEND's date is a quoted string: everything inside it is text.
            if *name == "APPEND date" {
                assert!(call(p).is_ok(), "{name} ← {p:?}");
                continue;
            }
            let e = match call(p) {
                Ok(cmd) => panic!("{name} accepted {p:?}: {cmd:?}"),
                Err(e) => e,
            };
            assert_eq!(e.kind(), ErrorKind::Error, "{name} ← {p:?}: {e}");
            assert_eq!(e.cause(), Cause::Argument, "{name} ← {p:?}: {e}");
            assert!(
                matches!(
                    e.reason(),
                    Reason::Argument {
                        problem: ArgumentProblem::Unbalanced,
                        ..
                    }
                ),
                "{name} ← {p:?}: {:?}",
                e.reason()
            );
            assert!(e.message().contains("unbalanced"), "{}", e.message());
            refused += 1;
        }
    }
    assert_eq!(refused, (POSITIONS.len() - 1) * payloads.len());
}

#[test]
fn the_issue_examples_are_refused() {
    let e = Command::status("INBOX", "(a)b)").unwrap_err();
    assert_eq!(
        e.message(),
        "status items has unbalanced parentheses or brackets outside quoted strings (quote text \
         that holds them): b'(a)b)'"
    );
    assert!(Command::fetch("1", "(()").is_err());
}

#[test]
fn balanced_text_and_quoted_strings_pass() {
    let ok: &[(&str, Result<Command>)] = &[
        (
            "status",
            Command::status("INBOX", "(MESSAGES RECENT UIDNEXT UNSEEN)"),
        ),
        ("status bare", Command::status("INBOX", "MESSAGES UIDNEXT")),
        (
            "fetch section",
            Command::fetch(
                "9",
                "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] BODY.PEEK[TEXT]<0.40>)",
            ),
        ),
        ("fetch macro", Command::fetch("1", "FAST")),
        ("fetch body", Command::fetch("1", "(BODY[])")),
        ("partial", Command::partial(2, "BODY[TEXT]", 0, 20)),
        ("store", Command::store("8", "+FLAGS", "\\Flagged")),
        (
            "store list",
            Command::store("6", "FLAGS", "(\\Draft $Diff)"),
        ),
        (
            "search quoted",
            Command::search(None, &["SUBJECT", "\"(a)b] [c\""]),
        ),
        (
            "search group",
            Command::search(None, &["(OR (FROM a) (TO b))", "[PATCH]"]),
        ),
        (
            "sort",
            Command::sort("(REVERSE SUBJECT)", "UTF-8", &["ALL"]),
        ),
        ("setquota", Command::setquota("", "(STORAGE 512)")),
        (
            "setannotation",
            Command::setannotation(&["INBOX", "/comment", "(value.shared \"a (b\")"]),
        ),
        (
            "uid fetch",
            Command::uid(
                "FETCH",
                &["2".into(), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])".into()],
            ),
        ),
    ];
    for (name, r) in ok {
        assert!(r.is_ok(), "{name}: {:?}", r.as_ref().err());
    }
}
