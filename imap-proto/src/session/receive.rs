//! Server input: framed responses classified by imaplib's rules, filtered by state, stored,
//! and routed to the commands they answer.

use base64::Engine;
use bytes::Bytes;

use super::job::{Idle, Job, Stage};
use super::send::After;
use super::stream::ToSink;
use super::{last_text, Connection, Output, Phase};
use crate::command::{Kind, State};
use crate::error::{Error, Layer, Reason, TlsFailure, Violation};
use crate::frame::{Frame, Step};
use crate::outgoing::Outgoing;
use crate::parse::{Quirk, Quirks};
use crate::response::{classify, response_code, Classified, Item, Reply, Typ};
use crate::trace;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Response codes that describe the selected mailbox.
const MAILBOX_CODES: &[&str] = &[
    "READ-ONLY",
    "READ-WRITE",
    "PERMANENTFLAGS",
    "UIDVALIDITY",
    "UIDNEXT",
    "UNSEEN",
    "HIGHESTMODSEQ",
    "NOMODSEQ",
];

/// Most extensions remembered as enabled.
const MAX_ENABLED: usize = 64;

/// imaplib's `AllowedVersions`.
const ALLOWED_VERSIONS: &[&str] = &["IMAP4REV1", "IMAP4"];

impl Connection {
    /// Processes server bytes, in any chunking. Each byte is copied once, into the
    /// framer's buffer, out of which results' literals are sliced; [`Connection::feed_bytes`]
    /// spares even that copy.
    pub fn feed(&mut self, data: &[u8]) {
        // Nothing completes (a byte of a line or literal, imaplib-shaped): taken in here,
        // before the framing loop, and nothing else can have changed.
        let framing = !matches!(self.phase, Phase::Failed(_) | Phase::Upgrading { .. });
        if framing && self.streaming.is_none() && !data.is_empty() && self.framer.absorb(data) {
            return;
        }
        self.feed_with(data, None);
    }

    /// [`Connection::feed`] of a refcounted chunk (e.g. a read buffer frozen with
    /// `BytesMut::split().freeze()`): every literal that lies whole inside it reaches the
    /// result ([`Item::Literal`], [`Output::LiteralData`]) as a slice of `data` itself, with
    /// no copy at all. Results are the same as `feed`'s, in any chunking.
    ///
    /// ```
    /// use imaplib_proto::{Bytes, Command, Connection, Item, Options, Output};
    ///
    /// let mut conn = Connection::new(Options::new(0x1234)); // tags BCDE0, BCDE1, …
    /// conn.feed(b"* PREAUTH ready\r\n"); // imaplib asks for CAPABILITY (BCDE0)
    /// while conn.poll_output().is_some() {}
    /// conn.feed(b"* CAPABILITY IMAP4rev1\r\nBCDE0 OK done\r\n");
    /// while conn.poll_output().is_some() {}
    /// conn.submit(Command::select("INBOX", true)?)?;
    /// while conn.poll_output().is_some() {}
    /// conn.feed(b"* 1 EXISTS\r\nBCDE1 OK [READ-ONLY] done\r\n");
    /// while conn.poll_output().is_some() {}
    /// conn.submit(Command::fetch("1", "(BODY[])")?)?;
    /// while conn.poll_output().is_some() {}
    ///
    /// let chunk = Bytes::from_static(b"* 1 FETCH (BODY[] {5}\r\nhello)\r\nBCDE2 OK done\r\n");
    /// conn.feed_bytes(chunk.clone());
    /// let reply = loop {
    ///     match conn.poll_output() {
    ///         Some(Output::Completed { result, .. }) => break result?,
    ///         Some(_) => continue,
    ///         None => panic!("no reply"),
    ///     }
    /// };
    /// let Item::Literal(_, body) = &reply.data[0] else { panic!() };
    /// assert_eq!(body, &b"hello"[..]);
    /// assert_eq!(body.as_ptr(), chunk[23..].as_ptr(), "the chunk's own bytes");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn feed_bytes(&mut self, mut data: Bytes) {
        match self.phase {
            Phase::Failed(_) => return,
            _ if data.is_empty() => return,
            Phase::Upgrading {
                layer: Layer::Compress,
                ..
            } => return self.early.extend_from_slice(&data),
            Phase::Upgrading { .. } => return self.fail_injection(&data),
            _ => {}
        }
        loop {
            match self.framer.next_frame_bytes(&mut data) {
                Ok(Some(frame)) => {
                    self.process(frame);
                    if !self.after_frame(&data) {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    self.fail(e);
                    return;
                }
            }
        }
        self.stream_partial_literal();
        self.pump();
    }

    /// Room for the next read from the transport, in the framer's own buffer
    /// ([`Framer::read_buf`](crate::frame::Framer::read_buf)): what is read there and
    /// [committed](Connection::commit) is framed where it lies, so that results' lines and
    /// literals ([`Item::Literal`]) are slices of the buffer the bytes were read into — no
    /// copy at all, in any read chunking. 2 KiB when idle, up to 64 KiB for bulk reads;
    /// while a literal is in progress, the buffer is made large enough for the rest of it
    /// first (unless a streaming FETCH passes it on: [`Command::stream_literals`](crate::Command::stream_literals)).
    ///
    /// ```
    /// use imaplib_proto::{Connection, Options, Output};
    ///
    /// let mut conn = Connection::new(Options::new(0x1234));
    /// let server = b"* OK [CAPABILITY IMAP4rev1] ready\r\n";
    /// let buf = conn.read_buf();
    /// buf[..server.len()].copy_from_slice(server); // a transport's `read`
    /// conn.commit(server.len());
    /// assert!(conn.poll_output().is_some());
    /// ```
    pub fn read_buf(&mut self) -> &mut [u8] {
        let keep = self.streaming.is_none();
        self.framer.read_buf(keep)
    }

    /// The read into [`Connection::read_buf`] brought `n` bytes: processes them as
    /// [`Connection::feed`] would, framing them where they lie.
    #[inline]
    pub fn commit(&mut self, n: usize) {
        self.framer.commit(n);
        if self.framer.unframed() == 0 {
            return;
        }
        // A read that ends no line and no literal (nothing completes, nothing to send),
        // unless its bytes are not IMAP to frame or a streaming FETCH passes them on.
        let framing = !matches!(self.phase, Phase::Failed(_) | Phase::Upgrading { .. });
        if framing && self.streaming.is_none() && self.framer.absorb_read() {
            return;
        }
        self.commit_framed();
    }

    /// [`Connection::commit`]'s general path.
    #[inline(never)]
    fn commit_framed(&mut self) {
        if matches!(self.phase, Phase::Failed(_) | Phase::Upgrading { .. }) {
            let data = self.framer.take_read();
            return self.feed_bytes(data);
        }
        loop {
            match self.framer.next_frame_read() {
                Ok(Some(frame)) => {
                    self.process(frame);
                    if matches!(self.phase, Phase::Failed(_) | Phase::Upgrading { .. }) {
                        let rest = self.framer.take_read();
                        if !self.after_frame(&rest) {
                            return;
                        }
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    self.fail(e);
                    return;
                }
            }
        }
        self.stream_partial_literal();
        self.pump();
    }

    /// The read into [`Connection::read_buf`] brought `n` bytes: returns them, taken out
    /// of the framer's buffer and not processed, for a caller that feeds them another way
    /// ([`Connection::feed_into`] for a streaming FETCH's sink).
    pub fn commit_take(&mut self, n: usize) -> Bytes {
        self.framer.commit(n);
        self.framer.take_read()
    }

    /// After a frame was processed, with `data` the bytes that follow it: false, having
    /// dealt with them, when the connection failed or a layer starts (compressed bytes go
    /// to the decompressor, anything after a STARTTLS OK is an injection).
    fn after_frame(&mut self, data: &[u8]) -> bool {
        match self.phase {
            Phase::Failed(_) => false,
            // The server compresses from the byte after its OK line on: what follows is
            // for the decompressor, never read as IMAP.
            Phase::Upgrading {
                layer: Layer::Compress,
                ..
            } => {
                self.early.extend_from_slice(data);
                false
            }
            Phase::Upgrading { .. } if !data.is_empty() => {
                self.fail_injection(data);
                false
            }
            _ => true,
        }
    }

    /// [`Connection::feed`]; with `to`, the literals of a streaming FETCH are passed to its
    /// sink as they are framed ([`Connection::feed_into`]).
    pub(super) fn feed_with(&mut self, mut data: &[u8], mut to: Option<&mut ToSink<'_>>) {
        match self.phase {
            Phase::Failed(_) => return,
            _ if data.is_empty() => return,
            Phase::Upgrading {
                layer: Layer::Compress,
                ..
            } => return self.early.extend_from_slice(data),
            Phase::Upgrading { .. } => return self.fail_injection(data),
            _ => {}
        }
        loop {
            if let Some(to) = to.as_deref_mut() {
                if self.pass_streamed(&mut data, to) {
                    if data.is_empty() {
                        break;
                    }
                    continue;
                }
            }
            let step = match to {
                Some(_) => self.framer.next_step(&mut data),
                None => self
                    .framer
                    .next_frame(&mut data)
                    .map(|f| f.map_or(Step::NeedMore, Step::Frame)),
            };
            match step {
                Ok(Step::Frame(frame)) => {
                    self.process(frame);
                    if !self.after_frame(data) {
                        return;
                    }
                }
                // Passing to a sink, a literal of a FETCH response announced now is passed
                // from the top of the loop; any other is taken in by the next step.
                Ok(Step::LiteralStarts) => {
                    if to.is_some() {
                        let _ = self.open_streamed_literal(0);
                    }
                }
                Ok(Step::NeedMore) => break,
                Err(e) => {
                    self.fail(e);
                    return;
                }
            }
        }
        self.stream_partial_literal();
        self.pump();
    }

    fn fail_injection(&mut self, data: &[u8]) {
        self.fail(
            Error::abort(
                Reason::Injection {
                    layer: Layer::StartTls,
                    buffered: data.len(),
                },
                "received data after the STARTTLS OK and before the TLS handshake (response injection?)",
            )
            .with_bytes(data),
        );
    }

    fn process(&mut self, mut frame: Frame) {
        trace::received(self.opts.debug, &frame);
        self.stream_complete_literals(&mut frame);
        let first_line = matches!(self.phase, Phase::AwaitingGreeting).then(|| frame.first.clone());
        let mut quirks = Quirks::new();
        let classified = classify(frame, &self.tagpre, &mut quirks);
        for q in quirks.iter() {
            self.quirk(q);
        }
        let classified = match classified {
            Ok(c) => c,
            Err(e) => {
                if let Some(line) = first_line {
                    return self.fail(Self::invalid_greeting(&line));
                }
                return self.fail(e);
            }
        };
        if let Some(line) = first_line {
            return self.greeting(line.to_vec(), classified);
        }
        match classified {
            Classified::Tagged {
                tag,
                typ,
                data,
                code_text,
            } => self.tagged(tag, typ, data, code_text),
            Classified::Untagged {
                typ,
                items,
                code_text,
            } => self.untagged(typ, items, code_text),
            Classified::Continuation(data) => self.continuation(data),
        }
    }

    /// Counts a tolerated server quirk under its catalogue name ([`Quirk::name`]).
    fn quirk(&mut self, q: Quirk) {
        crate::trace::note!(self.opts.debug, 1, "tolerated server quirk: {q}");
        *self.diagnostics.quirks.entry(q.name()).or_default() += 1;
    }

    fn invalid_greeting(line: &[u8]) -> Error {
        Error::error(
            Reason::protocol(Violation::InvalidGreeting, line),
            format!("invalid greeting: {}", String::from_utf8_lossy(line)),
        )
    }

    fn greeting(&mut self, line: Vec<u8>, c: Classified) {
        self.phase = Phase::Connecting;
        let (typ, items, code_text) = match c {
            Classified::Untagged {
                typ,
                items,
                code_text,
            } if matches!(typ, Typ::Ok | Typ::Preauth) => (typ, items, code_text),
            _ => return self.fail(Self::invalid_greeting(&line)),
        };
        self.welcome = Some(line);
        if typ == Typ::Preauth {
            if self.opts.require_tls && !self.secure {
                return self.fail(Error::abort(
                    Reason::Tls(TlsFailure::Policy),
                    "PREAUTH greeting on a cleartext connection while TLS is required (RFC 9051 section 7.1.4)",
                ));
            }
            self.state = State::Auth;
        } else {
            self.state = State::NonAuth;
        }
        for item in items {
            if let Err(e) = self.store.append(typ.as_str(), item, self.opts.max_stored) {
                return self.fail(e);
            }
        }
        if typ == Typ::Ok {
            self.code(&code_text);
        }
        if self.store.get("CAPABILITY").is_some() {
            // 3.14.7+: the greeting's capabilities are used, and consumed as the
            // connect-time CAPABILITY command would have consumed them.
            self.learn_capabilities(true);
            self.finish_connect();
        } else {
            let tag = self.next_tag();
            let job = Job::new(None, "CAPABILITY".into(), Kind::Capability, 0);
            self.start_capability(tag, job);
        }
    }

    pub(super) fn finish_connect(&mut self) {
        match ALLOWED_VERSIONS
            .iter()
            .find(|v| self.capabilities.iter().any(|c| c == *v))
        {
            Some(v) => {
                self.protocol_version = Some((*v).to_string());
                self.phase = Phase::Ready;
                self.emit(Output::Connected);
            }
            None => self.fail(Error::error(
                Reason::protocol(Violation::NotImap4, b""),
                "server not IMAP4 compliant",
            )),
        }
    }

    /// Sets the capabilities from the last stored CAPABILITY item; `pop` consumes them (the
    /// CAPABILITY command does, a refresh does not).
    pub(super) fn learn_capabilities(&mut self, pop: bool) -> bool {
        let items = if pop {
            self.store.pop("CAPABILITY")
        } else {
            self.store.get("CAPABILITY").cloned()
        };
        let Some(Item::Line(last)) = items.as_ref().and_then(|v| v.last()) else {
            return false;
        };
        self.capabilities = String::from_utf8_lossy(last)
            .to_ascii_uppercase()
            .split_ascii_whitespace()
            .map(str::to_string)
            .collect();
        true
    }

    fn tagged(&mut self, tag: Option<u64>, typ: Typ, data: Vec<Item>, code_text: Vec<u8>) {
        let Some(tag) = tag.filter(|t| self.jobs.contains_key(t)) else {
            if let Some(t) = tag {
                if let Some(i) = self.silent_tags.iter().position(|&s| s == t) {
                    self.silent_tags.remove(i);
                    return;
                }
            }
            // The offending line, as far as it can be rebuilt.
            let number = tag.map_or_else(|| "?".to_string(), |t| t.to_string());
            let mut line = self.tagpre.clone();
            line.extend_from_slice(format!("{number} {typ} ").as_bytes());
            line.extend_from_slice(&code_text);
            return self.fail(Error::abort(
                Reason::protocol(Violation::UnknownTag, &line),
                format!("unexpected tagged response: tag {number} is not pending"),
            ));
        };
        if typ.is_status() {
            self.code(&code_text);
        }
        if self.is_failed() {
            return;
        }
        self.sendq.release(tag);
        if self.streaming.as_ref().is_some_and(|s| s.tag == tag) {
            self.streaming = None;
        }
        let Some(job) = self.jobs.remove(&tag) else {
            return;
        };
        self.finish(tag, job, typ, data);
        self.pump();
    }

    fn untagged(&mut self, typ: Typ, items: Vec<Item>, code_text: Vec<u8>) {
        if typ == Typ::Bye {
            return self.on_bye(items);
        }
        if self.jobs.values().any(Job::captures_unsolicited) {
            let code = typ.is_status().then(|| response_code(&code_text)).flatten();
            self.emit(Output::Unsolicited(Reply::new(typ, items)));
            if let Some((name, data)) = code {
                if name != "ALERT" || self.secure {
                    self.emit(Output::Unsolicited(Reply::new(
                        name,
                        vec![Item::Line(data)],
                    )));
                }
            }
            return;
        }
        if !self.honoured(&typ) {
            self.diagnostics.dropped_untagged += 1;
            crate::trace::note!(
                self.opts.debug,
                1,
                "ignored untagged {typ} in state {}",
                self.state
            );
            return;
        }
        crate::trace::note!(self.opts.debug, 3, "untagged {typ}: {items:?}");
        if typ.as_str() == "ENABLED" {
            self.note_enabled(&items);
        }
        for item in items {
            if let Err(e) = self.store.append(typ.as_str(), item, self.opts.max_stored) {
                return self.fail(e);
            }
        }
        if typ.is_status() {
            self.code(&code_text);
        }
    }

    /// Remembers the extensions of an `ENABLED` response ([`Connection::enabled`]), at
    /// most [`MAX_ENABLED`] of them (a server repeating ENABLED cannot grow the list).
    /// Only names a pending ENABLE asked for count: RFC 5161 §3.1 lets a server list no
    /// other, and a mode such as IMAP4rev2 must never start because a server claimed it
    /// unasked.
    fn note_enabled(&mut self, items: &[Item]) {
        for line in items.iter().filter_map(Item::as_line) {
            for word in line.split(|b| *b == b' ').filter(|w| !w.is_empty()) {
                let word = String::from_utf8_lossy(word).to_ascii_uppercase();
                let asked = self.jobs.values().any(|j| match &j.kind {
                    Kind::Enable { asked, .. } => asked.contains(&word),
                    _ => false,
                });
                if !asked {
                    crate::trace::note!(
                        self.opts.debug,
                        1,
                        "ignored ENABLED {word}: no pending ENABLE asked for it"
                    );
                    continue;
                }
                if self.enabled.len() < MAX_ENABLED && !self.enabled.contains(&word) {
                    self.enabled.push(word);
                }
            }
        }
    }

    /// Whether an untagged type may be stored now.
    fn honoured(&self, typ: &Typ) -> bool {
        if self.jobs.values().any(|j| j.expects(typ.as_str())) {
            return true;
        }
        match self.state {
            State::Logout | State::NonAuth => typ.is_preauth(),
            State::Auth => !typ.is_mailbox_data(),
            State::Selected | State::Idling => true,
        }
    }

    /// Whether a response code may be stored now.
    fn honoured_code(&self, name: &str) -> bool {
        if self.jobs.values().any(|j| j.expects(name)) {
            return true;
        }
        match self.state {
            State::Logout | State::NonAuth | State::Auth => !MAILBOX_CODES.contains(&name),
            State::Selected | State::Idling => true,
        }
    }

    /// imaplib's response-code bookkeeping: `[CODE data]` at the start of an OK/NO/BAD
    /// text is stored under CODE.
    fn code(&mut self, text: &[u8]) {
        let Some((name, data)) = response_code(text) else {
            return;
        };
        if name == "ALERT" && !self.secure {
            // RFC 9051 §11.3: an ALERT on a cleartext connection is not shown as one.
            self.diagnostics.dropped_untagged += 1;
            return;
        }
        if !self.honoured_code(&name) {
            self.diagnostics.dropped_untagged += 1;
            return;
        }
        if let Err(e) = self
            .store
            .append(&name, Item::Line(data), self.opts.max_stored)
        {
            self.fail(e);
        }
    }

    fn on_bye(&mut self, items: Vec<Item>) {
        let text = last_text(&items);
        for item in items {
            if let Err(e) = self.store.append("BYE", item, self.opts.max_stored) {
                return self.fail(e);
            }
        }
        // LOGOUT returns on BYE; every other pending command aborts.
        let logout = self
            .jobs
            .iter()
            .find(|(_, j)| matches!(j.kind, Kind::Logout))
            .map(|(t, _)| *t);
        let tags: Vec<u64> = self.jobs.keys().copied().collect();
        for tag in tags {
            let Some(job) = self.jobs.remove(&tag) else {
                continue;
            };
            if Some(tag) == logout {
                self.silent_tags.push(tag);
                let data = self.store.get("BYE").cloned().unwrap_or_default();
                self.complete(job.id, Ok(Reply::new("BYE", data)));
            } else {
                let err = Error::abort(Reason::Bye { text: text.clone() }, text.clone());
                let err = Self::wrap(&job.name, &err);
                if job.id.is_some() {
                    self.complete(job.id, Err(err));
                } else {
                    self.fail(err);
                }
            }
        }
        self.sendq.clear();
        self.streaming = None;
        match self.phase {
            Phase::Failed(_) | Phase::LoggedOut => {}
            _ if logout.is_some() => self.phase = Phase::LoggedOut,
            _ => self.phase = Phase::Bye(text),
        }
    }

    fn continuation(&mut self, data: Option<Vec<u8>>) {
        let Some((tag, after)) = self.sendq.blocked() else {
            return self.fail(unexpected_continuation(data.as_deref()));
        };
        if after == After::Continuation {
            // A synchronizing literal may go now.
            self.sendq.unblock();
            self.pump();
            return;
        }
        let Some(job) = self.jobs.get_mut(&tag) else {
            return self.fail(unexpected_continuation(data.as_deref()));
        };
        match (&mut job.kind, &job.stage) {
            (Kind::Authenticate(auth), _) => {
                let challenge = match data.as_deref() {
                    None | Some(b"") => Ok(Vec::new()),
                    Some(d) => B64.decode(d),
                };
                let mut out = Outgoing::default();
                match challenge {
                    Ok(challenge) => match auth.step(&challenge) {
                        Some(resp) => out.push_secret(B64.encode(resp).as_bytes()),
                        None => out.push(b"*"),
                    },
                    Err(_) => {
                        job.stage = Stage::AuthCancelled(Error::error(
                            Reason::protocol(
                                Violation::BadChallenge,
                                data.as_deref().unwrap_or_default(),
                            ),
                            "AUTHENTICATE challenge is not valid base64; exchange cancelled",
                        ));
                        out.push(b"*");
                    }
                }
                out.push(b"\r\n");
                self.emit_send(out);
            }
            (_, &Stage::Idle(idle @ (Idle::Starting | Idle::DoneRequested))) => {
                job.stage = Stage::Idle(Idle::Idling { prev: self.state });
                let id = job.id;
                self.state = State::Idling;
                if let Some(id) = id {
                    self.emit(Output::IdleStarted { id });
                }
                if idle == Idle::DoneRequested {
                    self.send_done(tag);
                }
            }
            _ => self.fail(unexpected_continuation(data.as_deref())),
        }
    }
}

/// A `+` nothing waits for (`data`: its text, `None` for a bare `+`).
fn unexpected_continuation(data: Option<&[u8]>) -> Error {
    let line = match data {
        Some(d) => [&b"+ "[..], d].concat(),
        None => b"+".to_vec(),
    };
    Error::abort(
        Reason::protocol(Violation::UnexpectedContinuation, &line),
        "unexpected continuation request",
    )
}
