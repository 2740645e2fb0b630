//! imaplib's `literal` attribute against Dovecot: the ported 8-bit search
//!
//! ```python
//! M.literal = 'Grüße aus Köln'.encode()
//! M.search('UTF-8', 'SUBJECT')
//! ```
//!
//! is `m.set_literal(Some("Grüße aus Köln".into()))` then `m.search(Some("UTF-8"),
//! &["SUBJECT"])`, through both clients, over TCP and over Dovecot's stdio IMAP, with
//! synchronizing literals and with LITERAL+. Three messages are appended (the wanted UTF-8
//! subject, a near miss, and its ASCII spelling); the search finds exactly the first. The
//! bytes on the wire, recorded in order by a [`Recorder`], are a literal: `{17}` then, after
//! the server's `+`, the 17 UTF-8 bytes; or `{17+}` and the bytes at once.

use imaplib_integration_tests::dovecot::{dovecot, UserAccount};
use imaplib_integration_tests::wire::{Direction, Recorder, Transcript};

const KOELN: &str = "Grüße aus Köln";

/// The messages appended, in order: only the first has the subject searched for.
fn messages() -> Vec<Vec<u8>> {
    [
        "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=",
        "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_Berlin?=",
        "Gruesse aus Koeln",
    ]
    .iter()
    .enumerate()
    .map(|(i, subject)| {
        format!(
            "From: Anna <anna@example.org>\r\nTo: Ben <ben@example.org>\r\n\
             Subject: {subject}\r\nDate: Mon, 1 Dec 2025 10:0{i}:00 +0100\r\n\
             Message-ID: <literal-{i}@example.org>\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nHallo!\r\n"
        )
        .into_bytes()
    })
    .collect()
}

fn config(literal_plus: bool) -> imaplib_proto::Config {
    let mut cfg = imaplib_proto::Config::default();
    cfg.options.use_literal_plus = literal_plus;
    cfg
}

/// Checks the bytes of the SEARCH in `wire` (the transcript from just before it).
#[track_caller]
fn check_wire(transcript: &Transcript, from: usize, literal_plus: bool) {
    let entries = transcript.entries();
    let wire = &entries[from..];
    let shown = transcript.render_from(from);
    let literal = KOELN.as_bytes();
    let n = literal.len();
    assert_eq!(n, 17);
    let header = match literal_plus {
        false => format!("SEARCH CHARSET UTF-8 SUBJECT {{{n}}}\r\n"),
        true => format!("SEARCH CHARSET UTF-8 SUBJECT {{{n}+}}\r\n"),
    };
    let i = wire
        .iter()
        .position(|(who, b)| {
            *who == Direction::Client && b.windows(header.len()).any(|w| w == header.as_bytes())
        })
        .unwrap_or_else(|| panic!("no {header:?} in\n{shown}"));
    let (who, first) = &wire[i];
    assert_eq!(*who, Direction::Client);
    let mut body = literal.to_vec();
    body.extend_from_slice(b"\r\n");
    if literal_plus {
        // `{17+}` and the bytes go together, without waiting for the server.
        let mut want = header.into_bytes();
        want.extend_from_slice(&body);
        assert!(first.ends_with(&want), "{shown}");
    } else {
        // The command line ends at `{17}`; the server's `+`; then the 17 bytes and CRLF.
        assert!(
            first.ends_with(header.as_bytes()),
            "sent before the +:\n{shown}"
        );
        let (who, cont) = &wire[i + 1];
        assert_eq!(*who, Direction::Server, "{shown}");
        assert!(cont.starts_with(b"+"), "{shown}");
        let (who, after) = &wire[i + 2];
        assert_eq!(*who, Direction::Client, "{shown}");
        assert_eq!(after, &body, "{shown}");
    }
}

#[derive(Clone, Copy, Debug)]
enum Over {
    Tcp,
    Stdio,
}

fn blocking(user: &UserAccount, over: Over, literal_plus: bool) {
    let d = dovecot();
    let cfg = config(literal_plus);
    let (mut m, transcript) = match over {
        Over::Tcp => {
            let tcp = std::net::TcpStream::connect(d.plain_addr()).unwrap();
            let boxed: imaplib_blocking::BoxSocket = Box::new(tcp);
            let mut s = Recorder::new(boxed).0;
            let t = s.record_transcript();
            let mut m = imaplib_blocking::Client::from_stream(s, d.host(), &cfg, false).unwrap();
            let _ = m.login(user.name.as_str(), user.password.as_str()).unwrap();
            (m, t)
        }
        Over::Stdio => {
            let p = imaplib_blocking::ProcessStream::spawn(&d.stdio_command_for(&user.name));
            let boxed: imaplib_blocking::BoxSocket = Box::new(p.unwrap());
            let mut s = Recorder::new(boxed).0;
            let t = s.record_transcript();
            (
                imaplib_blocking::Client::from_stream(s, "", &cfg, true).unwrap(),
                t,
            )
        }
    };
    assert!(m.has_capability("LITERAL+"), "{:?}", m.capabilities());
    for message in messages() {
        let _ = m.append(None, None, None, &message).unwrap();
    }
    let _ = m.select("INBOX", false).unwrap();
    let from = transcript.entries().len();
    // M.literal = 'Grüße aus Köln'.encode(); M.search('UTF-8', 'SUBJECT')
    m.set_literal(Some(KOELN.as_bytes().to_vec())).unwrap();
    let found = m.search(Some("UTF-8"), &["SUBJECT"]).unwrap();
    assert_eq!(found.python_repr(), "('OK', [b'1'])", "{over:?}");
    assert_eq!(m.literal(), None, "one-shot");
    check_wire(&transcript, from, literal_plus);
    // The next command has no literal.
    let all = m.search(None, &["ALL"]).unwrap();
    assert_eq!(all.python_repr(), "('OK', [b'1 2 3'])");
    let _ = m.logout().unwrap();
}

fn asynchronous(user: &UserAccount, over: Over, literal_plus: bool) {
    let d = dovecot();
    let cfg = config(literal_plus);
    smol::block_on(async {
        let (mut m, transcript) = match over {
            Over::Tcp => {
                let tcp = smol::net::TcpStream::connect((d.host(), d.plain_port()))
                    .await
                    .unwrap();
                let boxed: imaplib_async::BoxStream = Box::new(tcp);
                let mut s = Recorder::new(boxed).0;
                let t = s.record_transcript();
                let mut m = imaplib_async::Client::from_stream(s, d.host(), &cfg, false)
                    .await
                    .unwrap();
                let _ = m
                    .login(user.name.as_str(), user.password.as_str())
                    .await
                    .unwrap();
                (m, t)
            }
            Over::Stdio => {
                use imaplib_async::{Runtime, SmolRuntime};
                let mut sh = std::process::Command::new("sh");
                sh.arg("-c").arg(d.stdio_command_for(&user.name));
                let boxed: imaplib_async::BoxStream = SmolRuntime::spawn(sh).unwrap();
                let mut s = Recorder::new(boxed).0;
                let t = s.record_transcript();
                let m = imaplib_async::Client::from_stream(s, "", &cfg, true)
                    .await
                    .unwrap();
                (m, t)
            }
        };
        assert!(m.has_capability("LITERAL+"), "{:?}", m.capabilities());
        for message in messages() {
            let _ = m.append(None, None, None, &message).await.unwrap();
        }
        let _ = m.select("INBOX", false).await.unwrap();
        let from = transcript.entries().len();
        m.set_literal(Some(KOELN.as_bytes().to_vec())).unwrap();
        let found = m.search(Some("UTF-8"), &["SUBJECT"]).await.unwrap();
        assert_eq!(found.python_repr(), "('OK', [b'1'])", "{over:?}");
        assert_eq!(m.literal(), None, "one-shot");
        check_wire(&transcript, from, literal_plus);
        let all = m.search(None, &["ALL"]).await.unwrap();
        assert_eq!(all.python_repr(), "('OK', [b'1 2 3'])");
        let _ = m.logout().await.unwrap();
    });
}

#[test]
fn utf8_search_through_the_literal_attribute_blocking() {
    for over in [Over::Tcp, Over::Stdio] {
        for literal_plus in [false, true] {
            blocking(&dovecot().new_user(), over, literal_plus);
        }
    }
}

#[test]
fn utf8_search_through_the_literal_attribute_async() {
    for over in [Over::Tcp, Over::Stdio] {
        for literal_plus in [false, true] {
            asynchronous(&dovecot().new_user(), over, literal_plus);
        }
    }
}

/// What the wire looks like, printed with `--nocapture` (for the record of the issue).
#[test]
fn show_the_wire() {
    let d = dovecot();
    let user = d.new_user();
    for literal_plus in [false, true] {
        let tcp = std::net::TcpStream::connect(d.plain_addr()).unwrap();
        let (mut s, _) = Recorder::new(tcp);
        let t = s.record_transcript();
        let cfg = config(literal_plus).with_tag_seed(0x1234);
        let mut m = imaplib_blocking::Client::from_stream(s, d.host(), &cfg, false).unwrap();
        let _ = m.login(user.name.as_str(), user.password.as_str()).unwrap();
        if !literal_plus {
            let _ = m.append(None, None, None, &messages()[0]).unwrap();
        }
        let _ = m.select("INBOX", false).unwrap();
        let from = t.entries().len();
        m.set_literal(Some(KOELN.as_bytes().to_vec())).unwrap();
        let found = m.search(Some("UTF-8"), &["SUBJECT"]).unwrap();
        assert_eq!(found.python_repr(), "('OK', [b'1'])");
        println!(
            "literal_plus={literal_plus}:\n{}{}",
            t.render_from(from),
            found.python_repr()
        );
    }
}
