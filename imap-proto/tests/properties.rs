//! Properties: chunking never changes what the connection does, and every argument the
//! encoder accepts re-parses to exactly the value given, in exactly one command.

mod common;

use common::{t, Script};
use imaplib_proto::frame::{Frame, FrameStats, Framer, Limits};
use imaplib_proto::{Command, Connection, Output, Text};
use proptest::prelude::*;

/// Builds the command a round submits.
type MakeCommand = fn() -> Command;

/// A realistic session: each round submits a command (if any), then the server's answer.
fn rounds() -> Vec<(Option<MakeCommand>, String)> {
    let r = |c: Option<MakeCommand>, s: &str| (c, t(s));
    vec![
        r(None, "* OK [CAPABILITY IMAP4rev1 IDLE LITERAL+] Dovecot ready.\r\n"),
        r(
            Some(|| Command::login("user", "pass").unwrap()),
            "TTTT0 OK [CAPABILITY IMAP4rev1 IDLE LITERAL+ MOVE] Logged in\r\n",
        ),
        r(
            Some(|| Command::select("INBOX", false).unwrap()),
            concat!(
                "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n",
                "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n",
                "* 3 EXISTS\r\n* 0 RECENT\r\n",
                "* OK [UIDVALIDITY 1700000000] UIDs valid\r\n",
                "TTTT1 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n",
            ),
        ),
        r(
            Some(|| Command::fetch("1:3", "(UID BODY[])").unwrap()),
            concat!(
                "* 1 FETCH (UID 1 RFC822.SIZE 12 BODY[] {12}\r\nHello\r\nWorld\r\n FLAGS (\\Seen))\r\n",
                "* 2 FETCH (UID 2 BODY[] {0}\r\n)\r\n",
                "* 3 FETCH (UID 3 BODY[HEADER] {13}\r\nSubject: test\r\n\r\n)\r\n",
                "\r\n",
                "TTTT2 OK Fetch completed.\r\n",
            ),
        ),
        r(
            Some(|| Command::list(None, None).unwrap()),
            concat!(
                "* LIST (\\HasNoChildren) \"/\" {9}\r\nMy (box)\"\r\n",
                "* LIST (\\HasNoChildren) \"/\" INBOX\r\n",
                "TTTT3 OK List completed.\r\n",
            ),
        ),
        r(
            Some(|| Command::search(None, &["ALL"]).unwrap()),
            "* SEARCH 1 2 3\r\nTTTT4 OK Search completed.\r\n",
        ),
        r(
            Some(Command::logout),
            "* BYE Logging out\r\nTTTT5 OK Logout completed.\r\n",
        ),
    ]
}

/// Runs the session, feeding each round's server bytes cut at `cuts`; returns every output.
fn run(cuts: &[usize]) -> Vec<String> {
    let mut conn = Connection::new(Script::opts());
    let mut log = Vec::new();
    let record = |conn: &mut Connection, log: &mut Vec<String>| {
        while let Some(o) = conn.poll_output() {
            match o {
                Output::Send(o) => {
                    log.push(format!("send {:?}", String::from_utf8_lossy(&o.bytes)))
                }
                other => log.push(format!("{other:?}")),
            }
        }
    };
    for (cmd, server) in rounds() {
        if let Some(make) = cmd {
            conn.submit(make()).unwrap();
            record(&mut conn, &mut log);
        }
        for chunk in split(server.as_bytes(), cuts) {
            conn.feed(chunk);
            record(&mut conn, &mut log);
        }
    }
    log
}

/// Frames `chunks` fed one after the other: the frames, the error that stopped the framer
/// (if any) and its counters.
fn frame_chunks(chunks: &[&[u8]]) -> (Vec<Frame>, Option<String>, FrameStats) {
    let mut f = Framer::new(Limits::default());
    let mut out = Vec::new();
    for c in chunks {
        let mut input = *c;
        loop {
            match f.next_frame(&mut input) {
                Ok(Some(frame)) => out.push(frame),
                Ok(None) => break,
                Err(e) => return (out, Some(e.message().to_string()), f.stats()),
            }
        }
    }
    (out, None, f.stats())
}

fn split<'a>(data: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    points.sort_unstable();
    points.dedup();
    let mut out = Vec::new();
    let mut at = 0;
    for p in points {
        out.push(&data[at..p]);
        at = p;
    }
    out.push(&data[at..]);
    out
}

#[test]
fn the_transcript_runs_to_the_end() {
    let all: Vec<usize> = (0..2000).collect();
    let log = run(&all);
    assert!(
        log.iter().any(|l| l.contains("('BYE', [b'Logging out'])")),
        "{log:#?}"
    );
    assert!(
        log.iter().any(|l| l.contains("b'Hello\\r\\nWorld'")),
        "{log:#?}"
    );
    assert!(!log.iter().any(|l| l.contains("Err(")), "{log:#?}");
    assert_eq!(log, run(&[]));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_chunking_gives_the_same_outputs(cuts in proptest::collection::vec(any::<usize>(), 0..40)) {
        prop_assert_eq!(run(&cuts), run(&[]));
    }

    #[test]
    fn framer_chunking_is_invisible(
        body in proptest::collection::vec(prop_oneof![
            Just(b"* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"* OK x\r\n".to_vec()),
            Just(b"* X {0}\r\n\r\n".to_vec()),
            Just(b"* 2 FETCH (X {3}\r\nabc\r\n\r\n)\r\n".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..12),
        ], 0..20),
        cuts in proptest::collection::vec(any::<usize>(), 0..30),
    ) {
        let data: Vec<u8> = body.concat();
        let (one, one_error, _) = frame_chunks(&[&data]);
        let (many, many_error, _) = frame_chunks(&split(&data, &cuts));
        prop_assert_eq!((one, one_error), (many, many_error));
    }

    #[test]
    fn framing_work_is_linear_whatever_the_chunking(
        body in proptest::collection::vec(prop_oneof![
            Just(b"* 1 FETCH (BODY[] {40}\r\n0123456789012345678901234567890123456789)\r\n".to_vec()),
            Just(b"* SEARCH 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\r\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"* 2 FETCH (X {3}\r\nabc\r\n\r\n Y {0}\r\n)\r\n".to_vec()),
            proptest::collection::vec(b'a'..=b'z', 0..200),
        ], 1..30),
        cuts in proptest::collection::vec(any::<usize>(), 0..30),
        one_byte in any::<bool>(),
    ) {
        let data: Vec<u8> = body.concat();
        let chunks: Vec<&[u8]> = if one_byte { data.chunks(1).collect() } else { split(&data, &cuts) };
        let (_, _, stats) = frame_chunks(&chunks);
        // Search once, copy once, at most twice more in total while a buffer doubles, once
        // for a kept line buffer and once for the parenthesis scan of a literal's line.
        prop_assert!(stats.work <= 6 * stats.bytes, "{} work for {} bytes", stats.work, stats.bytes);
    }
}

/// A strict parser of one client command: `tag SP name *(SP arg) CRLF`, where an argument
/// is an atom, a quoted string, a literal or a parenthesised list of those. Returns the
/// arguments' values and the number of bytes consumed.
fn parse_command(b: &[u8], utf8: bool) -> Result<(Vec<Vec<u8>>, usize), String> {
    fn arg(b: &[u8], i: &mut usize, out: &mut Vec<Vec<u8>>, utf8: bool) -> Result<(), String> {
        match b.get(*i) {
            Some(b'"') => {
                *i += 1;
                let mut v = Vec::new();
                loop {
                    match b.get(*i) {
                        None => return Err("unterminated quoted".into()),
                        Some(b'"') => {
                            *i += 1;
                            break;
                        }
                        Some(b'\\') => {
                            match b.get(*i + 1) {
                                Some(c @ (b'\\' | b'"')) => v.push(*c),
                                _ => return Err("bad escape".into()),
                            }
                            *i += 2;
                        }
                        Some(b'\r' | b'\n' | 0) => return Err("CR/LF/NUL in quoted".into()),
                        Some(c) if *c >= 0x80 && !utf8 => return Err("8-bit in quoted".into()),
                        Some(c) => {
                            v.push(*c);
                            *i += 1;
                        }
                    }
                }
                if !v.is_ascii() && std::str::from_utf8(&v).is_err() {
                    return Err("invalid UTF-8 in quoted".into());
                }
                out.push(v);
            }
            Some(b'{') => {
                let close = b[*i..].iter().position(|&c| c == b'}').ok_or("no }")? + *i;
                let spec = &b[*i + 1..close];
                let spec = spec.strip_suffix(b"+").unwrap_or(spec);
                let n: usize = std::str::from_utf8(spec)
                    .map_err(|e| e.to_string())?
                    .parse()
                    .map_err(|e: std::num::ParseIntError| e.to_string())?;
                if b.get(close + 1..close + 3) != Some(b"\r\n") {
                    return Err("no CRLF after literal header".into());
                }
                let start = close + 3;
                let v = b.get(start..start + n).ok_or("short literal")?;
                if v.contains(&0) {
                    return Err("NUL in literal".into());
                }
                out.push(v.to_vec());
                *i = start + n;
            }
            Some(b'(') => {
                *i += 1;
                let mut inner = Vec::new();
                loop {
                    arg(b, i, &mut inner, utf8)?;
                    match b.get(*i) {
                        Some(b' ') => *i += 1,
                        Some(b')') => {
                            *i += 1;
                            break;
                        }
                        _ => return Err("bad list".into()),
                    }
                }
                out.extend(inner);
            }
            Some(_) => {
                let start = *i;
                while let Some(&c) = b.get(*i) {
                    if c == b' ' || c == b'\r' || c == b')' {
                        break;
                    }
                    if !(0x21..0x7f).contains(&c) || matches!(c, b'(' | b'{' | b'"' | b'\\') {
                        return Err(format!("bad atom char {c:#x}"));
                    }
                    *i += 1;
                }
                if *i == start {
                    return Err("empty atom".into());
                }
                out.push(b[start..*i].to_vec());
            }
            None => return Err("missing argument".into()),
        }
        Ok(())
    }
    let mut i = 0;
    let mut out = Vec::new();
    // tag and name
    for _ in 0..2 {
        arg(b, &mut i, &mut out, utf8)?;
        if b.get(i) == Some(&b' ') {
            i += 1;
        }
    }
    out.drain(..2);
    while b.get(i..i + 2) != Some(b"\r\n") {
        arg(b, &mut i, &mut out, utf8)?;
        match b.get(i) {
            Some(b' ') => i += 1,
            Some(b'\r') => {}
            _ => return Err(format!("junk at {i}")),
        }
    }
    Ok((out, i + 2))
}

/// Submits a command on a connection with `caps` and returns every byte it sends, answering
/// each synchronizing literal with `+`.
fn wire(caps: &str, utf8: bool, make: impl FnOnce() -> Command) -> Vec<u8> {
    let mut s = Script::authed(caps);
    if utf8 {
        let id = s.submit(Command::enable("UTF8=ACCEPT").unwrap());
        s.s("TTTT2 OK enabled\r\n");
        s.ok(id);
        s.sent.clear();
    }
    s.sent.clear();
    s.submit(make());
    let mut all = Vec::new();
    for _ in 0..4 {
        all.extend(std::mem::take(&mut s.sent));
        s.s("+\r\n");
    }
    all.extend(std::mem::take(&mut s.sent));
    all
}

/// Like [`wire`], in a UTF-8 mode the server confirmed (`* ENABLED mode`): UTF8=ACCEPT or
/// IMAP4rev2; INBOX selected.
fn wire_confirmed(mode: &str, make: impl FnOnce() -> Command) -> Vec<u8> {
    let mut s = Script::authed("ENABLE IMAP4rev2 UTF8=ACCEPT");
    let id = s.submit(Command::enable_extensions(&[mode]).unwrap());
    s.s(&format!("* ENABLED {mode}\r\nTTTT2 OK enabled\r\n"));
    s.ok(id);
    assert!(s.conn.utf8_enabled());
    let id = s.submit(Command::select("INBOX", false).unwrap());
    s.s("* 1 EXISTS\r\nTTTT3 OK done\r\n");
    s.ok(id);
    s.sent.clear();
    s.submit(make());
    let mut all = Vec::new();
    for _ in 0..4 {
        all.extend(std::mem::take(&mut s.sent));
        s.s("+\r\n");
    }
    all.extend(std::mem::take(&mut s.sent));
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// In UTF-8 mode (UTF8=ACCEPT or IMAP4rev2 confirmed) any text — UTF-8, quotes,
    /// backslashes, CR, LF, `%`, `*`, parentheses — as a mailbox name (CREATE, SELECT,
    /// STATUS, RENAME, a LIST pattern) or a search string goes out in exactly one
    /// command that a strict reader reads back as that text: quoted UTF-8 or a literal,
    /// never CR/LF/NUL or an unbalanced quote in a quoted string, never modified UTF-7, no
    /// CHARSET. NUL is refused before anything is built.
    #[test]
    fn utf8_mode_text_round_trips(
        name in "\\PC{0,16}|[\\x00-\\x7f\"\\\\\r\n%*()]{0,16}|[a-zäöüß日本 \"\\\\\r\n]{0,12}",
        mode in prop_oneof![Just("UTF8=ACCEPT"), Just("IMAP4rev2")],
        which in 0usize..6,
    ) {
        prop_assume!(!(name.len() >= 2 && name.starts_with('"') && name.ends_with('"')));
        if name.contains('\0') {
            prop_assert!(Command::create(name.as_str()).is_err());
            prop_assert!(Command::search_with(&imaplib_proto::build::SearchKey::subject(name.as_str())).is_err());
            return Ok(());
        }
        let n = name.clone();
        let all = wire_confirmed(mode, move || match which {
            0 => Command::create(n.as_str()).unwrap(),
            1 => Command::select(n.as_str(), false).unwrap(),
            2 => Command::list(Some(Text::Str("")), Some(Text::Str(&n))).unwrap(),
            3 => Command::status(n.as_str(), "(MESSAGES)").unwrap(),
            4 => Command::rename("a", n.as_str()).unwrap(),
            _ => Command::search_with(&imaplib_proto::build::SearchKey::subject(n.as_str())).unwrap(),
        });
        let (args, used) = parse_command(&all, true).map_err(|e| TestCaseError::fail(format!("{e}: {:?}", String::from_utf8_lossy(&all))))?;
        prop_assert_eq!(used, all.len(), "exactly one command");
        let name = name.into_bytes();
        let expected: Vec<Vec<u8>> = match which {
            2 => vec![vec![], name],
            3 => vec![name, b"MESSAGES".to_vec()],
            4 => vec![b"a".to_vec(), name],
            5 => vec![b"SUBJECT".to_vec(), name],
            _ => vec![name],
        };
        prop_assert_eq!(args, expected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn login_arguments_round_trip(
        user in proptest::collection::vec(1u8..=255, 0..24),
        pass in proptest::collection::vec(1u8..=255, 0..24),
        caps in prop_oneof![Just(""), Just("LITERAL+"), Just("LITERAL-")],
    ) {
        // An already-quoted user name is passed through as imaplib does (tested elsewhere).
        prop_assume!(!(user.len() >= 2 && user[0] == b'"' && user[user.len() - 1] == b'"'));
        let mut s = Script::connected(caps);
        s.submit(Command::login(&user[..], &pass[..]).unwrap());
        let mut all = std::mem::take(&mut s.sent);
        for _ in 0..3 {
            s.s("+\r\n");
            all.extend(std::mem::take(&mut s.sent));
        }
        let (args, used) = parse_command(&all, false).map_err(|e| TestCaseError::fail(format!("{e}: {:?}", String::from_utf8_lossy(&all))))?;
        prop_assert_eq!(used, all.len(), "exactly one command");
        prop_assert_eq!(&args[0], &user);
        prop_assert_eq!(&args[1], &pass);
    }

    #[test]
    fn mailbox_bytes_round_trip(
        name in proptest::collection::vec(1u8..=255, 0..30),
        utf8 in any::<bool>(),
        caps in prop_oneof![Just(""), Just("LITERAL+")],
    ) {
        prop_assume!(!(name.len() >= 2 && name[0] == b'"' && name[name.len() - 1] == b'"'));
        let caps = if utf8 { format!("ENABLE UTF8=ACCEPT {caps}") } else { caps.to_string() };
        let n = name.clone();
        let all = wire(&caps, utf8, move || Command::create(Text::Bytes(&n)).unwrap());
        let (args, used) = parse_command(&all, utf8).map_err(|e| TestCaseError::fail(format!("{e}: {:?}", String::from_utf8_lossy(&all))))?;
        prop_assert_eq!(used, all.len());
        prop_assert_eq!(args, vec![name]);
    }

    #[test]
    fn mailbox_strings_round_trip_through_modified_utf7(name in "\\PC{0,12}|[\\x01-\\x7f]{0,12}") {
        prop_assume!(!name.contains('\0'));
        // An already-quoted name is passed through as imaplib does (tested elsewhere).
        prop_assume!(!(name.len() >= 2 && name.starts_with('"') && name.ends_with('"')));
        let n = name.clone();
        let all = wire("", false, move || Command::create(n.as_str()).unwrap());
        let (args, used) = parse_command(&all, false).map_err(|e| TestCaseError::fail(format!("{e}: {:?}", String::from_utf8_lossy(&all))))?;
        prop_assert_eq!(used, all.len());
        prop_assert_eq!(args.len(), 1);
        let decoded = imaplib_proto::mutf7::decode(&args[0]);
        if imaplib_proto::mutf7::is_valid(name.as_bytes()) {
            // Already valid modified UTF-7: sent as given (imaplib's rule).
            prop_assert_eq!(&args[0], name.as_bytes());
        } else {
            prop_assert_eq!(decoded.ok(), Some(name));
        }
    }

    #[test]
    fn search_criteria_either_fail_or_stay_one_command(crit in proptest::collection::vec(any::<u8>(), 1..20)) {
        let c = String::from_utf8_lossy(&crit).into_owned();
        match Command::search(None, &[c.as_str()]) {
            Err(_) => {
                // CR/LF/NUL, a trailing literal marker, a quoted string left open or
                // with an escape IMAP does not have, or parentheses and brackets that do
                // not balance.
                let explained = c.contains(['\r', '\n', '\0'])
                    || c.ends_with('}')
                    || c.contains(['"', '(', ')', '[', ']']);
                prop_assert!(explained, "refused without reason: {:?}", c);
            }
            Ok(cmd) => {
                let mut s = Script::selected("");
                s.submit(cmd);
                let sent = std::mem::take(&mut s.sent);
                prop_assert!(sent.ends_with(b"\r\n"));
                prop_assert_eq!(sent.iter().filter(|&&b| b == b'\n').count(), 1);
                prop_assert!(!sent.contains(&0));
            }
        }
    }
}

/// One streamed literal as a sink saw it: seq, header, announced size, bytes, ended.
type Streamed = (Option<u32>, Vec<u8>, u64, Vec<u8>, bool);

/// Records what a sink receives, one entry per literal.
#[derive(Default)]
struct Recorder(Vec<Streamed>);

impl imaplib_proto::LiteralSink for Recorder {
    fn start(&mut self, seq: Option<u32>, header: &[u8], size: u64) -> std::io::Result<()> {
        self.0.push((seq, header.to_vec(), size, Vec::new(), false));
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self.0.last_mut() {
            Some(l) if !l.4 => l.3.extend_from_slice(bytes),
            _ => panic!("data outside a literal"),
        }
        Ok(())
    }

    fn end(&mut self) -> std::io::Result<()> {
        match self.0.last_mut() {
            Some(l) if !l.4 => l.4 = true,
            _ => panic!("end outside a literal"),
        }
        Ok(())
    }
}

/// How a round of the streaming property feeds each chunk.
#[derive(Debug, Clone, Copy)]
enum Feeding {
    /// `feed`, the literals polled as outputs.
    Queued,
    /// `feed_into`.
    Direct,
    /// Either, chunk by chunk (by the bits of the seed).
    Mixed(u64),
}

/// Feeds `server` in `chunks` to a connection streaming a FETCH; returns what the sink
/// received and the command's result.
fn stream_fetch(server: &[u8], cuts: &[usize], feeding: Feeding) -> (Vec<Streamed>, String) {
    let mut s = Script::selected("");
    let id = s.submit(Command::fetch("1:*", "(BODY[])").unwrap().stream_literals());
    s.c("TTTT3 FETCH 1:* (BODY[])\r\n");
    let mut sink = Recorder::default();
    let mut driver = imaplib_proto::sink::SinkDriver::default();
    let mut result = None;
    for (i, chunk) in split(server, cuts).into_iter().enumerate() {
        let direct = match feeding {
            Feeding::Queued => false,
            Feeding::Direct => true,
            Feeding::Mixed(bits) => bits >> (i % 64) & 1 == 1,
        };
        if direct {
            s.conn.feed_into(chunk, &mut sink).unwrap();
        } else {
            s.conn.feed(chunk);
        }
        while let Some(out) = s.conn.poll_output() {
            assert!(
                !(direct && matches!(out, Output::LiteralData { .. })),
                "feed_into queued literal bytes"
            );
            match driver.handle(&mut sink, out) {
                Some(Output::Completed {
                    id: done,
                    result: r,
                }) => {
                    assert_eq!(done, id);
                    result = Some(r.unwrap().python_repr());
                }
                Some(other) => panic!("unexpected {other:?}"),
                None => {}
            }
        }
    }
    (sink.0, result.expect("FETCH did not complete"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
    ))]

    /// A streaming FETCH gives the sink the same literals — exactly those the server sent —
    /// and the command the same result, whether the bytes arrive through `feed` (copied into
    /// queued outputs) or `feed_into` (passed straight from the fed chunk), or both in turn,
    /// in any chunking.
    #[test]
    fn feed_into_streams_what_feed_streams(
        messages in prop::collection::vec(
            prop::collection::vec(prop::collection::vec(any::<u8>(), 0..600), 0..3),
            1..6,
        ),
        cuts in prop::collection::vec(any::<usize>(), 0..40),
        bits in any::<u64>(),
    ) {
        let mut server = Vec::new();
        let mut want = Vec::new();
        for (i, literals) in messages.iter().enumerate() {
            let seq = i as u32 + 1;
            let mut header = format!("* {seq} FETCH (UID {}", seq + 100).into_bytes();
            for (j, lit) in literals.iter().enumerate() {
                header.extend_from_slice(format!(" BODY[{j}] {{{}}}", lit.len()).as_bytes());
                want.push((Some(seq), header.clone(), lit.len() as u64, lit.clone(), true));
                server.extend_from_slice(&header);
                server.extend_from_slice(b"\r\n");
                server.extend_from_slice(lit);
                header.clear();
            }
            server.extend_from_slice(&header);
            server.extend_from_slice(b" FLAGS (\\Seen))\r\n");
            // Not a FETCH: its literal is kept, never streamed.
            server.extend_from_slice(b"* LIST () \"/\" {5}\r\nab)cd\r\n");
        }
        server.extend_from_slice(t("TTTT3 OK Fetch completed.\r\n").as_bytes());
        let queued = stream_fetch(&server, &cuts, Feeding::Queued);
        prop_assert_eq!(&queued.0, &want);
        let direct = stream_fetch(&server, &cuts, Feeding::Direct);
        prop_assert_eq!(&direct, &queued);
        let mixed = stream_fetch(&server, &cuts, Feeding::Mixed(bits));
        prop_assert_eq!(&mixed, &queued);
    }
}

/// `feed_into` hands the sink slices of the very buffer it was fed: no copy in between.
#[test]
fn feed_into_passes_the_fed_bytes_themselves() {
    struct Within {
        range: std::ops::Range<usize>,
        bytes: usize,
    }
    impl imaplib_proto::LiteralSink for Within {
        fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
            let at = bytes.as_ptr() as usize;
            assert!(self.range.contains(&at) && at + bytes.len() <= self.range.end);
            self.bytes += bytes.len();
            Ok(())
        }
    }
    let mut s = Script::selected("");
    let id = s.submit(Command::fetch("1:2", "(BODY[])").unwrap().stream_literals());
    s.c("TTTT3 FETCH 1:2 (BODY[])\r\n");
    let mut server = b"* 1 FETCH (BODY[] {3000}\r\n".to_vec();
    server.extend(std::iter::repeat_n(b'x', 3000));
    server.extend_from_slice(b")\r\n* 2 FETCH (BODY[] {10}\r\n0123456789)\r\n");
    server.extend_from_slice(t("TTTT3 OK done\r\n").as_bytes());
    let range = server.as_ptr_range();
    let mut sink = Within {
        range: range.start as usize..range.end as usize,
        bytes: 0,
    };
    // In two pieces, the first ending inside the first literal.
    let (a, b) = server.split_at(1000);
    s.conn.feed_into(a, &mut sink).unwrap();
    s.conn.feed_into(b, &mut sink).unwrap();
    assert_eq!(sink.bytes, 3010);
    s.ok(id);
}

/// A sink that fails: `feed_into` reports the error once, the FETCH still completes and
/// the stream stays in step.
#[test]
fn feed_into_survives_a_failing_sink() {
    struct Broken(usize);
    impl imaplib_proto::LiteralSink for Broken {
        fn data(&mut self, _: &[u8]) -> std::io::Result<()> {
            self.0 += 1;
            Err(std::io::Error::other("disk full"))
        }
    }
    let mut s = Script::selected("");
    let id = s.submit(Command::fetch("1:2", "(BODY[])").unwrap().stream_literals());
    s.c("TTTT3 FETCH 1:2 (BODY[])\r\n");
    let mut sink = Broken(0);
    let first = b"* 1 FETCH (BODY[] {5}\r\nhello)\r\n* 2 FETCH (BODY[] {5}\r\nworld)\r\n";
    let e = s.conn.feed_into(first, &mut sink).unwrap_err();
    assert_eq!(e.to_string(), "disk full");
    assert_eq!(sink.0, 1, "the sink was called again after failing");
    s.conn
        .feed_into(t("TTTT3 OK done\r\n").as_bytes(), &mut sink)
        .unwrap();
    s.ok(id);
    let n = s.submit(Command::noop());
    s.c("TTTT4 NOOP\r\n");
    s.s("TTTT4 OK done\r\n");
    s.ok(n);
}

// ----- set arithmetic on ranges (resync: known UIDs less VANISHED…) -------------------------

/// A set from ranges given in any order, possibly overlapping.
fn ranges_set(ranges: &[(u32, u32)]) -> imaplib_proto::SequenceSet {
    let mut s = imaplib_proto::SequenceSet::new();
    for &(a, b) in ranges {
        s.push_range(a, b);
    }
    s
}

/// The numbers of a set, for small sets only.
fn numbers(s: &imaplib_proto::SequenceSet) -> std::collections::BTreeSet<u32> {
    s.iter().collect()
}

/// Ascending, disjoint, non-adjacent ranges.
fn is_normal(s: &imaplib_proto::SequenceSet) -> bool {
    s.ranges().iter().all(|r| r.start <= r.end)
        && s.ranges()
            .windows(2)
            .all(|w| w[0].end < u32::MAX && w[0].end + 1 < w[1].start)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Union, difference and intersection agree with the same operations on the numbers
    /// themselves, and give normalized sets.
    #[test]
    fn set_operations_match_the_numbers(
        a in proptest::collection::vec((1u32..60, 1u32..60), 0..6),
        b in proptest::collection::vec((1u32..60, 1u32..60), 0..6),
    ) {
        let (x, y) = (ranges_set(&a), ranges_set(&b));
        let (nx, ny) = (numbers(&x), numbers(&y));
        let union = x.union(&y);
        let diff = x.difference(&y);
        let both = x.intersection(&y);
        prop_assert_eq!(numbers(&union), nx.union(&ny).copied().collect());
        prop_assert_eq!(numbers(&diff), nx.difference(&ny).copied().collect());
        prop_assert_eq!(numbers(&both), nx.intersection(&ny).copied().collect());
        prop_assert_eq!(numbers(&x.normalized()), nx);
        for s in [&union, &diff, &both, &x.normalized()] {
            prop_assert!(is_normal(s), "{}", s);
        }
    }

    /// Over the whole UID space the work is in ranges, never numbers: the results have at
    /// most as many ranges as the inputs allow, and the counts add up.
    #[test]
    fn set_operations_never_expand(
        a in proptest::collection::vec((any::<u32>(), any::<u32>()), 0..8),
        b in proptest::collection::vec((any::<u32>(), any::<u32>()), 0..8),
    ) {
        let (x, y) = (ranges_set(&a).normalized(), ranges_set(&b).normalized());
        let diff = x.difference(&y);
        let both = x.intersection(&y);
        let union = x.union(&y);
        prop_assert!(diff.ranges().len() <= x.ranges().len() + y.ranges().len());
        prop_assert!(both.ranges().len() <= x.ranges().len() + y.ranges().len());
        prop_assert!(union.ranges().len() <= x.ranges().len() + y.ranges().len());
        prop_assert_eq!(diff.count() + both.count(), x.count());
        prop_assert_eq!(union.count() + both.count(), x.count() + y.count());
        for s in [&union, &diff, &both] {
            prop_assert!(is_normal(s), "{}", s);
        }
    }
}

#[test]
fn set_operations_at_the_edges() {
    let every = ranges_set(&[(1, u32::MAX)]);
    let one = ranges_set(&[(7, 7)]);
    assert_eq!(every.difference(&one).ranges().len(), 2);
    assert_eq!(every.difference(&every).ranges().len(), 0);
    assert_eq!(every.intersection(&one), one);
    assert_eq!(
        ranges_set(&[(u32::MAX, u32::MAX), (1, 2)]).union(&ranges_set(&[(3, u32::MAX - 1)])),
        every
    );
    assert!(imaplib_proto::SequenceSet::saved().normalized().is_empty());
}
