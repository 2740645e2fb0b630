//! The same imaplib calls, made with the machine's `python3` imaplib and with
//! imaplib-blocking and imaplib-async (under smol and async-std) against the same Dovecot, give the same `(typ, data)` byte for byte
//! (after masking Dovecot's timings, UIDVALIDITY numbers and the user's name).
//!
//! The calls are in `tests/differential/scenario.txt`; the machinery is in
//! `imaplib_integration_tests::differential`. Run with `-- --nocapture` to see every result.

use imaplib_integration_tests::differential::{
    compare, mask, parse_scenario, run_differential, steps_json, Runner, Transport,
};
use imaplib_integration_tests::dovecot::UserAccount;

fn check(transport: Transport) {
    for runner in [Runner::Blocking, Runner::AsyncSmol, Runner::AsyncStd] {
        check_with(runner, transport);
    }
}

fn check_with(runner: Runner, transport: Transport) {
    let lines = run_differential(runner, transport);
    println!(
        "{} steps agree over {transport:?} with {runner:?}:",
        lines.len()
    );
    for line in &lines {
        println!("  {line}");
    }
}

#[test]
fn same_results_as_cpython_over_plain_tcp() {
    check(Transport::Tcp);
}

#[test]
fn same_results_as_cpython_over_tls() {
    check(Transport::Tls);
}

#[test]
fn same_results_as_cpython_over_imap4_stream() {
    check(Transport::Stream);
}

// The machinery itself, without a server.

#[test]
fn scenario_lines_are_tokenized() {
    let steps = parse_scenario(
        "# comment\n\n[tcp tls] login $USER $PASSWORD\n\
         fetch 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] FLAGS)\n\
         append ~ (\\Seen) \"01-Feb-2024 10:00:00 +0100\" 'a\\r\\nb\\'c\\\\'\n\
         getquota \"User quota\"\n list \"\" *\n",
    )
    .unwrap();
    assert_eq!(steps.len(), 5);
    assert_eq!(steps[0].only, Some(vec![Transport::Tcp, Transport::Tls]));
    assert!(!steps[0].runs_on(Transport::Stream));
    assert_eq!(steps[0].line, 3);
    assert_eq!(
        steps[1].args,
        vec![
            Some("1".into()),
            Some("(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] FLAGS)".into())
        ]
    );
    assert_eq!(
        steps[2].args,
        vec![
            None,
            Some("(\\Seen)".into()),
            Some("\"01-Feb-2024 10:00:00 +0100\"".into()),
            Some("a\r\nb'c\\".into())
        ]
    );
    assert_eq!(steps[3].args, vec![Some("\"User quota\"".into())]);
    assert_eq!(steps[4].args, vec![Some("\"\"".into()), Some("*".into())]);
    assert!(parse_scenario("fetch 1 (FLAGS").is_err());
    assert!(parse_scenario("append 'x").is_err());
    assert!(parse_scenario("[udp] noop").is_err());
    let steps = parse_scenario("[error-class] select Ro\n[stream error-class] noop").unwrap();
    assert!(steps[0].error_class_only && steps[0].only.is_none());
    assert!(steps[1].error_class_only && steps[1].only == Some(vec![Transport::Stream]));
}

#[test]
fn users_are_substituted() {
    let steps = parse_scenario("login $USER $PASSWORD\nsearch ~ KEYWORD $USER2").unwrap();
    let user = UserAccount {
        name: "user7".into(),
        password: "pw".into(),
    };
    assert_eq!(
        steps[0].for_user(&user).args,
        vec![Some("user7".into()), Some("pw".into())]
    );
    assert_eq!(steps[1].for_user(&user).args, steps[1].args);
}

#[test]
fn steps_become_json() {
    let steps = parse_scenario("append ~ \\Seen ~ 'a\"\\\\\\r\\n'").unwrap();
    assert_eq!(
        steps_json(&steps),
        "[\"append\",null,\"\\\\Seen\",null,\"a\\\"\\\\\\u000d\\u000a\"]\n"
    );
}

#[test]
fn masking() {
    assert_eq!(
        mask(
            "('OK', [b'[APPENDUID 1712 3] Append completed (0.001 + 0.000 secs).'])",
            "user1"
        ),
        "('OK', [b'[APPENDUID <V> 3] Append completed (T secs).'])"
    );
    assert_eq!(
        mask("('COPYUID', [b'1712 1:2 4:5', b'99 3 6'])", "u"),
        "('COPYUID', [b'<V> 1:2 4:5', b'<V> 3 6'])"
    );
    assert_eq!(
        mask(
            "('OK', [b'Archive (MESSAGES 3 UIDVALIDITY 17 UIDNEXT 4)'])",
            "u"
        ),
        "('OK', [b'Archive (MESSAGES 3 UIDVALIDITY <V> UIDNEXT 4)'])"
    );
    assert_eq!(
        mask("('OK', [b'INBOX user1 lr user12 xuser1'])", "user1"),
        "('OK', [b'INBOX $USER lr user12 xuser1'])"
    );
    assert_eq!(mask("('EXISTS', [b'12'])", "u"), "('EXISTS', [b'12'])");
}

#[test]
fn differences_are_reported_with_context() {
    let steps = parse_scenario("noop\ncheck\nclose\nlogout").unwrap();
    let python: Vec<String> = ["a", "b", "c", "d"].map(String::from).into();
    let mut rust = python.clone();
    assert_eq!(compare(&steps, &python, &rust), Ok(()));
    rust[1] = "B".into();
    let report = compare(&steps, &python, &rust).unwrap_err();
    assert!(report.contains("1 of 4 steps differ"), "{report}");
    assert!(
        report.contains("python: b\n          rust:   B"),
        "{report}"
    );

    let steps = parse_scenario("[error-class] select Ro").unwrap();
    let python = vec!["error:readonly:Ro is not writable".to_string()];
    let rust = vec!["error:readonly:'Ro' is not writable".to_string()];
    assert_eq!(compare(&steps, &python, &rust), Ok(()));
    let rust = vec!["error:abort:'Ro' is not writable".to_string()];
    assert!(compare(&steps, &python, &rust).is_err());
    let rust = vec!["('OK', [b'0'])".to_string()];
    assert!(compare(&steps, &python, &rust).is_err());
}
