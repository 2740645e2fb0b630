//! `encoder`: every constructor with arguments refuses bad values clearly or sends exactly one
//! command that carries them.
//!
//! Input: a configuration byte (server capabilities LITERAL+ / LITERAL-, UTF-8 mode, the
//! `use_literal_plus` and `mailbox_utf7` options; 0xE0 and above for the builders), then a
//! command built by [`crate::commands::build`] (or [`crate::builders::build`]) from the rest
//! (for the builders, a next byte of 0xF0 or above picks a CATENATE append, a SEARCH with
//! CONTEXT=SEARCH's PARTIAL/UPDATE, CANCELUPDATE or a SASL-IR AUTHENTICATE).
//!
//! Checked:
//! * the constructor fails exactly when an argument cannot be sent in its position (NUL
//!   anywhere; CR, LF, emptiness, a trailing literal marker, an open quoted string or
//!   unbalanced parentheses or brackets in raw text; a bad atom or
//!   sequence set; an APPEND date string that is not quoted…), and then with an error of
//!   kind `error` and cause `Argument`;
//! * otherwise, on a connection in the state the command needs, the bytes it sends —
//!   answering each synchronizing literal with `+` — are exactly one command for a server
//!   ([`check_one_command`]) and read back by the strict reader as the spec says
//!   ([`match_command`]): astrings, mailboxes, passwords and messages carry the exact value
//!   given (str mailboxes modulo modified UTF-7; already-quoted strings passed through as
//!   imaplib does).

use imaplib_proto::{Cause, Command, Connection, ErrorKind, Options, Output};

use crate::bytes::{show, Reader};
use crate::command_reader::{
    check_one_command, is_atom_char, marker, match_command, server_split, valid_seq, Sent, Split,
    WireCtx,
};
use crate::commands::{build, Arg, DateArg, Need, Spec};

/// Why the constructor must refuse the spec's arguments, if it must.
pub fn predict_refusal(spec: &Spec) -> Option<String> {
    if let Some(r) = &spec.refuse {
        return Some(r.clone());
    }
    if spec.name.is_empty() || !spec.name.iter().all(|&c| is_atom_char(c)) {
        return Some(format!("command name {} is not an atom", show(&spec.name)));
    }
    spec.args.iter().find_map(arg_refusal)
}

fn raw_refusal(b: &[u8]) -> Option<String> {
    if b.is_empty() {
        return Some("empty raw text".into());
    }
    if b.iter().any(|&c| matches!(c, 0 | b'\r' | b'\n')) {
        return Some(format!("NUL, CR or LF in raw text {}", show(b)));
    }
    if marker(b).is_some() {
        return Some(format!("raw text ends in a literal marker: {}", show(b)));
    }
    // A quoted string must close, with only `\\` and `\"` escapes: an open one would hide a
    // following literal marker from the server. Outside quoted strings, parentheses and
    // brackets must balance and nest.
    let mut open = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if matches!(b[i], b'(' | b'[') {
            open.push(b[i]);
            i += 1;
            continue;
        }
        if matches!(b[i], b')' | b']') {
            let want = if b[i] == b')' { b'(' } else { b'[' };
            if open.pop() != Some(want) {
                return Some(format!(
                    "unbalanced parentheses or brackets in raw text {}",
                    show(b)
                ));
            }
            i += 1;
            continue;
        }
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        i += 1;
        loop {
            match b.get(i) {
                None => {
                    return Some(format!(
                        "unterminated quoted string in raw text {}",
                        show(b)
                    ))
                }
                Some(b'\\') if matches!(b.get(i + 1), Some(b'"' | b'\\')) => i += 2,
                Some(b'\\') => return Some(format!("bad escape in raw text {}", show(b))),
                Some(b'"') => {
                    i += 1;
                    break;
                }
                Some(_) => i += 1,
            }
        }
    }
    if !open.is_empty() {
        return Some(format!(
            "unclosed parentheses or brackets in raw text {}",
            show(b)
        ));
    }
    None
}

fn arg_refusal(arg: &Arg) -> Option<String> {
    match arg {
        Arg::Atom(a) => (a.is_empty() || !a.iter().all(|&c| is_atom_char(c)))
            .then(|| format!("not an atom: {}", show(a))),
        Arg::Raw(b) | Arg::Paren(b) | Arg::FetchParts(b) => raw_refusal(b),
        Arg::Seq(s) => (!valid_seq(s)).then(|| format!("not a sequence set: {}", show(s))),
        Arg::AString(b)
        | Arg::Quoted(b)
        | Arg::Mailbox { name: b, .. }
        | Arg::Message { bytes: b, .. }
        | Arg::Literal(b) => b.contains(&0).then(|| "NUL".to_string()),
        Arg::Date(DateArg::Str(s)) => {
            if !(s.starts_with('"') && s.ends_with('"')) {
                Some("date string not quoted".into())
            } else {
                raw_refusal(s.as_bytes())
            }
        }
        Arg::Date(DateArg::Timestamp(_))
        | Arg::StreamedMessage(_)
        | Arg::Verbatim(_)
        | Arg::Utf8Charset => None,
        Arg::Group(items) => items.iter().find_map(arg_refusal),
    }
}

/// Feeds server bytes and collects what the client sends.
struct Peer {
    conn: Connection,
    sent: Vec<u8>,
    /// A streamed literal the connection asked for with `SendLiteral`.
    literal_wanted: Option<(imaplib_proto::CommandId, u64)>,
}

impl Peer {
    fn feed(&mut self, s: &[u8]) {
        self.conn.feed(s);
        self.drain();
    }

    fn drain(&mut self) {
        while let Some(out) = self.conn.poll_output() {
            match out {
                Output::Send(o) => self.sent.extend_from_slice(&o.bytes),
                Output::Error(e) => panic!("connection failed during setup: {e}"),
                Output::Completed { result: Err(e), .. } => panic!("setup command failed: {e}"),
                Output::SendLiteral { id, len } => {
                    assert!(self.literal_wanted.is_none(), "SendLiteral twice");
                    self.literal_wanted = Some((id, len));
                }
                _ => {}
            }
        }
    }

    fn submit(&mut self, cmd: Command) {
        self.conn
            .submit(cmd)
            .unwrap_or_else(|e| panic!("setup submit: {e}"));
        self.drain();
    }
}

/// The target.
pub fn check(data: &[u8]) {
    let mut r = Reader::new(data);
    let cfg = r.u8();
    // 0xE0 and above (bits no older input sets): a command built with the builders.
    let built = if cfg >= 0xE0 {
        crate::builders::build(&mut r)
    } else {
        build(&mut r)
    };
    let spec = built.spec;
    let predicted = predict_refusal(&spec);
    let cmd = match (built.cmd, &predicted) {
        (Err(e), Some(_)) => {
            assert_eq!(
                e.kind(),
                ErrorKind::Error,
                "{}: refusal kind: {e}",
                spec.ctor
            );
            assert_eq!(
                e.cause(),
                Cause::Argument,
                "{}: refusal cause: {e}",
                spec.ctor
            );
            assert!(
                !e.message().is_empty(),
                "{}: empty error message",
                spec.ctor
            );
            return;
        }
        (Err(e), None) => panic!(
            "{} refused arguments it should accept: {e}; spec {spec:?}",
            spec.ctor
        ),
        (Ok(_), Some(why)) => panic!(
            "{} accepted arguments it must refuse ({why}); spec {spec:?}",
            spec.ctor
        ),
        (Ok(cmd), None) => cmd,
    };

    let literal_plus_cap = cfg & 1 != 0;
    let literal_minus_cap = cfg & 2 != 0;
    let utf8 = cfg & 4 != 0 && spec.state != Need::NonAuth;
    let mut opts = Options::new(0x1234);
    opts.use_literal_plus = cfg & 8 == 0;
    opts.mailbox_utf7 = cfg & 16 == 0;
    let ctx = WireCtx {
        utf8,
        literal_plus: literal_plus_cap && opts.use_literal_plus,
        literal_minus: literal_minus_cap && opts.use_literal_plus,
        mutf7: opts.mailbox_utf7,
    };
    let mut caps = String::from("IMAP4rev1 ENABLE UTF8=ACCEPT IDLE AUTH=PLAIN");
    // The builders' inputs run with QRESYNC enabled (RFC 7162's SELECT and FETCH forms
    // need it).
    let qresync = cfg >= 0xE0;
    if qresync {
        // … and the extensions of `builders::extensions` and `ext_builders`.
        caps.push_str(
            " CONDSTORE QRESYNC ESEARCH SEARCHRES CONTEXT=SEARCH CATENATE SASL-IR \
             LIST-EXTENDED LIST-STATUS MULTIAPPEND NOTIFY METADATA",
        );
    }
    if literal_plus_cap {
        caps.push_str(" LITERAL+");
    }
    if literal_minus_cap {
        caps.push_str(" LITERAL-");
    }

    let mut peer = Peer {
        conn: Connection::new(opts),
        sent: Vec::new(),
        literal_wanted: None,
    };
    peer.feed(format!("* OK [CAPABILITY {caps}] ready\r\n").as_bytes());
    let mut tag = 0u32;
    if spec.state != Need::NonAuth {
        peer.submit(Command::login("u", "p").expect("login"));
        peer.feed(format!("BCDE{tag} OK [CAPABILITY {caps}] in\r\n").as_bytes());
        tag += 1;
        if utf8 {
            peer.submit(Command::enable("UTF8=ACCEPT").expect("enable"));
            peer.feed(format!("BCDE{tag} OK enabled\r\n").as_bytes());
            tag += 1;
        }
        if qresync {
            peer.submit(Command::enable("QRESYNC").expect("enable"));
            peer.feed(format!("* ENABLED QRESYNC\r\nBCDE{tag} OK enabled\r\n").as_bytes());
            tag += 1;
        }
        if spec.state != Need::Auth {
            peer.submit(Command::select("INBOX", false).expect("select"));
            peer.feed(format!("* 1 EXISTS\r\nBCDE{tag} OK [READ-WRITE] done\r\n").as_bytes());
            tag += 1;
        }
    }
    peer.sent.clear();

    if let Err(e) = peer.conn.submit(cmd) {
        // Refusals at submission come from the state table or preconditions, not arguments
        // (except imaplib's "Non-None charset not valid in UTF8 mode").
        let charset_in_utf8 = utf8 && e.message().contains("charset");
        assert!(
            e.cause() != Cause::Argument || charset_in_utf8,
            "{}: submit refused an argument the constructor accepted: {e}",
            spec.ctor
        );
        peer.drain();
        assert!(peer.sent.is_empty(), "bytes sent for a refused command");
        return;
    }
    peer.drain();

    // Answer synchronizing literals until the command is complete; write streamed literals
    // (filler bytes `x`) when asked.
    let mut sent = Sent::default();
    for _ in 0..64 {
        while let Some((id, len)) = peer.literal_wanted.take() {
            peer.sent.extend(std::iter::repeat_n(b'x', len as usize));
            peer.conn
                .literal_written(id)
                .unwrap_or_else(|e| panic!("literal_written refused after SendLiteral: {e}"));
            peer.drain();
        }
        sent.bytes
            .extend_from_slice(&std::mem::take(&mut peer.sent));
        sent.breaks.push(sent.bytes.len());
        match server_split(&sent.bytes, false) {
            Split::Incomplete {
                after_sync_header: true,
                ..
            } => peer.feed(b"+ go ahead\r\n"),
            Split::Incomplete {
                after_nonsync_header: true,
                ..
            } => panic!(
                "{}: client stopped after a non-synchronizing literal header: {}",
                spec.ctor,
                show(&sent.bytes)
            ),
            _ => break,
        }
    }
    let tag = format!("BCDE{tag}");
    if let Err(e) = check_one_command(&sent) {
        panic!(
            "{}: not exactly one command: {e}\nsent: {}",
            spec.ctor,
            show(&sent.bytes)
        );
    }
    if let Err(e) = match_command(&sent, tag.as_bytes(), &spec, ctx) {
        panic!(
            "{}: {e}\nsent: {}\nspec: {spec:?}\nctx: {ctx:?}",
            spec.ctor,
            show(&sent.bytes)
        );
    }
}
