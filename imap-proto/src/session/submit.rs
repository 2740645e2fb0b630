//! Submission: the state table and connection checks, tags, encoding, and the calls that
//! move a command on (a literal written, IDLE's DONE).

use base64::Engine;

use super::job::{Idle, Job, Stage};
use super::send::{After, Send};
use super::stream::Streaming;
use super::{push_send, CommandId, Connection, Output, Phase};
use crate::auth::AuthContext;
use crate::command::{allowed_states, Command, ErrorFlavor, Kind, Precondition, State};
use crate::encode::{self, Arg, Chunk, Ctx};
use crate::error::{
    ArgumentProblem, ClosedAt, Error, Layer, Reason, Result, StateProblem, TlsFailure,
};
use crate::outgoing::Outgoing;
use crate::response::{Item, Reply};

/// Extensions RFC 9051 made part of IMAP4rev2 (Appendix E) that a command may require.
const FOLDED_INTO_REV2: &[&str] = &[
    "ESEARCH",
    "SEARCHRES",
    "IDLE",
    "MOVE",
    "UNSELECT",
    "UIDPLUS",
    "NAMESPACE",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "SPECIAL-USE",
    "BINARY",
    "ENABLE",
    "SASL-IR",
];

impl Connection {
    pub(super) fn ctx(&self) -> Ctx {
        Ctx {
            utf8: self.utf8_enabled(),
            utf8_append: self.utf8,
            literal_plus: self.opts.use_literal_plus && self.has_capability("LITERAL+"),
            literal_minus: self.opts.use_literal_plus && self.has_capability("LITERAL-"),
            mutf7: self.opts.mailbox_utf7,
        }
    }

    pub(super) fn next_tag(&mut self) -> u64 {
        let t = self.tagnum;
        self.tagnum += 1;
        t
    }

    pub(super) fn tag_bytes(&self, tag: u64) -> Vec<u8> {
        let mut t = self.tagpre.clone();
        t.extend_from_slice(tag.to_string().as_bytes());
        t
    }

    /// Queues a command's chunks behind the others.
    fn queue_back(&mut self, tag: u64, chunks: Vec<Chunk>, last: After) {
        self.sendq.push_back(tag, chunks, last);
    }

    /// Sends queued chunks until one must wait (nothing while upgrading or failed).
    #[inline]
    pub(super) fn pump(&mut self) {
        // Called after every feed: most of the time there is nothing to send.
        if self.sendq.may_send() {
            self.pump_queue();
        }
    }

    fn pump_queue(&mut self) {
        if matches!(self.phase, Phase::Upgrading { .. } | Phase::Failed(_)) {
            return;
        }
        let (jobs, outputs, debug) = (&self.jobs, &mut self.outputs, self.opts.debug);
        self.sendq.pump(
            |tag| jobs.get(&tag).and_then(|j| j.id),
            |send| match send {
                Send::Bytes(out) => push_send(outputs, debug, out),
                Send::Literal { id, len } => outputs.push_back(Output::SendLiteral { id, len }),
            },
        );
    }

    /// The caller finished writing the literal of [`Output::SendLiteral`]; the command
    /// goes on.
    pub fn literal_written(&mut self, id: CommandId) -> Result<()> {
        match self.sendq.blocked() {
            Some((tag, After::External)) if self.jobs.get(&tag).and_then(|j| j.id) == Some(id) => {
                self.sendq.unblock();
                self.pump();
                Ok(())
            }
            _ => Err(Error::error(
                Reason::State(StateProblem::NotPending),
                "no streamed literal is being written for this command",
            )),
        }
    }

    /// Submits a command: checks it against the state table and the connection, encodes it
    /// and queues its bytes. Errors come before any byte is queued.
    pub fn submit(&mut self, cmd: Command) -> Result<CommandId> {
        let deselect = matches!(cmd.kind, Kind::Deselect) && self.state == State::Selected;
        let result = self.submit_inner(cmd);
        if deselect && result.is_err() {
            // imaplib's close()/unselect() return to AUTH in a `finally`, even when the
            // command never left (a recorded READ-ONLY, a BYE…).
            self.state = State::Auth;
        }
        result
    }

    fn submit_inner(&mut self, cmd: Command) -> Result<CommandId> {
        let is_logout = matches!(cmd.kind, Kind::Logout);
        match &self.phase {
            Phase::Failed(err) => return Err(Self::wrap(&cmd.name, err)),
            Phase::AwaitingGreeting | Phase::Connecting => {
                return Err(Error::error(
                    Reason::State(StateProblem::NotConnected),
                    "not connected: the greeting has not been processed",
                ))
            }
            Phase::LoggedOut => {
                return Err(Error::abort(
                    Reason::Closed {
                        at: ClosedAt::AfterLogout,
                    },
                    "connection closed after LOGOUT",
                ))
            }
            Phase::Bye(text) if !is_logout => {
                return Err(
                    Error::abort(Reason::Bye { text: text.clone() }, text.clone())
                        .with_command(cmd.name),
                )
            }
            Phase::Bye(_) | Phase::Ready | Phase::Upgrading { .. } => {}
        }
        if let Kind::Select { readonly, .. } = cmd.kind {
            // imaplib flushes before anything else, even before the state check.
            self.store.clear();
            self.is_readonly = readonly;
        }
        for p in &cmd.pre {
            self.check_precondition(*p, &cmd)?;
        }
        if let Phase::Upgrading { layer, .. } = self.phase {
            return Err(Error::error(
                Reason::State(StateProblem::Upgrading),
                match layer {
                    Layer::Compress => {
                        "COMPRESS in progress: stack the DEFLATE layer on the transport first"
                    }
                    _ => "STARTTLS in progress: complete the TLS upgrade first",
                },
            ));
        }
        for name in &cmd.states_of {
            if let Err(e) = self.check_state(name, cmd.register) {
                // imaplib's `_command` clears `literal` when the state table refuses.
                self.literal = None;
                return Err(e);
            }
        }
        if cmd.register && allowed_states(&cmd.name).is_none() {
            self.extra_commands
                .entry(cmd.name.clone())
                .or_insert(self.state);
        }
        for t in ["OK", "NO", "BAD"] {
            self.store.pop(t);
        }
        if self.store.get("READ-ONLY").is_some() && !self.is_readonly {
            return Err(
                Error::readonly("mailbox status changed to READ-ONLY").with_command(cmd.name)
            );
        }

        let id = CommandId(self.next_id);
        self.next_id += 1;
        crate::trace::note!(self.opts.debug, 1, "{id} {} submitted", cmd.name);

        if let Kind::Recent = cmd.kind {
            if let Some(items) = self.store.pop("RECENT") {
                let truthy = match items.last() {
                    Some(Item::Line(l)) => !l.is_empty(),
                    Some(Item::None) | None => false,
                    Some(_) => true,
                };
                if truthy {
                    self.emit(Output::Completed {
                        id,
                        result: Ok(Reply::new("OK", items)),
                    });
                    return Ok(id);
                }
            }
        }
        if is_logout {
            self.state = State::Logout;
            if let Phase::Bye(_) = self.phase {
                // imaplib returns the stored BYE at once.
                let data = self.store.get("BYE").cloned().unwrap_or_default();
                self.literal = None;
                let tag = self.next_tag();
                let chunks = encode::command(&self.tag_bytes(tag), b"LOGOUT", &[], self.ctx());
                self.silent_tags.push(tag);
                self.queue_back(tag, chunks, After::Nothing);
                self.pump();
                self.phase = Phase::LoggedOut;
                self.emit(Output::Completed {
                    id,
                    result: Ok(Reply::new("BYE", data)),
                });
                return Ok(id);
            }
        }

        if cmd.stream && self.streaming.is_some() {
            return Err(Error::error(
                Reason::State(StateProblem::Busy),
                "another streaming FETCH is in flight",
            ));
        }
        let Command {
            name,
            args,
            mut kind,
            translate,
            stream,
            sasl_ir,
            ..
        } = cmd;
        let mut initial_response = None;
        if let Kind::Authenticate(auth) = &mut kind {
            // The mechanism checks what the connection knows (SCRAM: channel binding)
            // before a byte is queued.
            let mechanism = match args.first() {
                Some(Arg::Atom(m)) => String::from_utf8_lossy(m).into_owned(),
                _ => String::new(),
            };
            let ctx = AuthContext::new(&mechanism, &self.capabilities)
                .with_channel_binding(self.channel_binding.as_ref())
                .with_secure(self.secure);
            auth.start(&ctx).map_err(|e| e.with_command(&name))?;
            if sasl_ir && self.has_capability("SASL-IR") && auth.has_initial_response() {
                // RFC 4959: the client's first message on the command line, `=` when empty.
                let Some(first) = auth.step(b"") else {
                    return Err(Error::error(
                        Reason::argument("the SASL mechanism", ArgumentProblem::NotAllowed),
                        format!("{mechanism} gave no initial response"),
                    )
                    .with_command(&name));
                };
                initial_response = Some(if first.is_empty() {
                    b"=".to_vec()
                } else {
                    base64::engine::general_purpose::STANDARD
                        .encode(first)
                        .into_bytes()
                });
            }
        }
        let mut args: Vec<Arg> = args
            .into_iter()
            .map(|a| match a {
                Arg::Message(m) if translate => Arg::Message(encode::translate_line_endings(&m)),
                Arg::Utf8Message(m) if translate => {
                    Arg::Utf8Message(encode::translate_line_endings(&m))
                }
                other => other,
            })
            .collect();
        // imaplib's `literal`, consumed by this command; APPEND and AUTHENTICATE set their
        // own in imaplib, so a pending one is dropped.
        if let Some(literal) = self.literal.take() {
            let own = matches!(kind, Kind::Authenticate(_))
                || args
                    .iter()
                    .any(|a| matches!(a, Arg::Message(_) | Arg::StreamedMessage(_)));
            if !own {
                args.push(Arg::Literal(literal));
            }
        }
        if let Some(ir) = initial_response {
            args.push(Arg::Secret(ir));
        }
        let tag = self.next_tag();
        let ctx = self.ctx();
        let chunks = encode::command(&self.tag_bytes(tag), name.as_bytes(), &args, ctx);
        let last = match kind {
            Kind::Authenticate(_) | Kind::Idle | Kind::StartTls | Kind::Compress => {
                After::Completion
            }
            _ => After::Nothing,
        };
        let caps_before = self.store.capability_appends;
        let job = Job::new(Some(id), name, kind, caps_before);
        if stream {
            self.streaming = Some(Streaming::new(tag, id));
        }
        self.jobs.insert(tag, job);
        self.queue_back(tag, chunks, last);
        self.pump();
        Ok(id)
    }

    fn check_precondition(&self, p: Precondition, cmd: &Command) -> Result<()> {
        match p {
            Precondition::Capability(cap, flavor, msg) => {
                if cap == "STARTTLS" && self.secure {
                    return Err(Error::abort(
                        Reason::State(StateProblem::TlsActive),
                        "TLS session already established",
                    ));
                }
                if cap == "STARTTLS" && self.compressed {
                    // RFC 4978 §4: TLS goes below DEFLATE, so it must come first.
                    return Err(Error::error(
                        Reason::State(StateProblem::TlsActive),
                        "STARTTLS after COMPRESS: negotiate TLS first, then compression",
                    )
                    .with_command(&cmd.name));
                }
                if cap == "COMPRESS=DEFLATE"
                    && (self.compressed
                        || self.jobs.values().any(|j| matches!(j.kind, Kind::Compress)))
                {
                    return Err(Error::error(
                        Reason::State(StateProblem::CompressionActive),
                        "compression is already active (COMPRESSIONACTIVE)",
                    )
                    .with_command(&cmd.name));
                }
                // RFC 9051 Appendix E: part of IMAP4rev2, which needs not advertise them.
                let folded = self.rev2() && FOLDED_INTO_REV2.contains(&cap);
                if !self.has_capability(cap) && !folded {
                    let reason = Reason::Unsupported {
                        capability: cap.to_string(),
                    };
                    return Err(match flavor {
                        ErrorFlavor::Error => Error::error(reason, msg),
                        ErrorFlavor::Abort => Error::abort(reason, msg),
                    }
                    .with_command(&cmd.name));
                }
            }
            Precondition::AnyCapability(caps, msg) => {
                if !caps.iter().any(|c| self.has_capability(c)) {
                    return Err(Error::error(
                        Reason::Unsupported {
                            capability: caps.first().copied().unwrap_or_default().to_string(),
                        },
                        msg,
                    )
                    .with_command(&cmd.name));
                }
            }
            Precondition::Enabled(ext) => {
                if !self.is_enabled(ext) {
                    return Err(Error::error(
                        Reason::State(StateProblem::NotEnabled {
                            extension: ext.to_string(),
                        }),
                        format!(
                            "{ext} is not enabled: ENABLE {ext} first (after login, before SELECT)"
                        ),
                    )
                    .with_command(&cmd.name));
                }
            }
            Precondition::EnableSupported => {
                if !self.has_capability("ENABLE") && !self.has_capability("IMAP4rev2") {
                    return Err(Error::error(
                        Reason::Unsupported {
                            capability: "ENABLE".into(),
                        },
                        "Server does not support ENABLE",
                    )
                    .with_command(&cmd.name));
                }
            }
            Precondition::NotInRev2(what) => {
                if self.rev2() {
                    return Err(Error::error(
                        Reason::State(StateProblem::RemovedInRev2 {
                            what: what.to_string(),
                        }),
                        format!(
                            "{what}: not part of IMAP4rev2 (RFC 9051), which this session enabled"
                        ),
                    )
                    .with_command(&cmd.name));
                }
            }
            Precondition::NoCharsetInUtf8 => {
                if self.utf8_enabled() {
                    return Err(Error::error(
                        Reason::argument("the charset", ArgumentProblem::CharsetInUtf8Mode),
                        "Non-None charset not valid in UTF8 mode",
                    )
                    .with_command(&cmd.name));
                }
            }
            Precondition::Credentials { login } => {
                if self.opts.require_tls && !self.secure {
                    return Err(Error::error(
                        Reason::Tls(TlsFailure::Policy),
                        "TLS is required: refusing to send credentials over a cleartext connection",
                    )
                    .with_command(&cmd.name));
                }
                if login && self.has_capability("LOGINDISABLED") && self.state == State::NonAuth {
                    return Err(Error::error(
                        Reason::Unsupported {
                            capability: "LOGINDISABLED".into(),
                        },
                        "LOGIN is disabled by the server (LOGINDISABLED): use STARTTLS or AUTHENTICATE",
                    )
                    .with_command(&cmd.name));
                }
            }
        }
        Ok(())
    }

    fn check_state(&self, name: &str, register: bool) -> Result<()> {
        let extra;
        let allowed: &[State] = match allowed_states(name) {
            Some(states) => states,
            None => match self.extra_commands.get(name) {
                Some(s) => {
                    extra = [*s];
                    &extra
                }
                None if register => return Ok(()),
                None => {
                    return Err(Error::error(
                        Reason::argument("the command", ArgumentProblem::UnknownCommand),
                        format!("unknown command {name}"),
                    ))
                }
            },
        };
        if allowed.contains(&self.state) {
            return Ok(());
        }
        let states: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        Err(Error::error(
            Reason::State(StateProblem::Illegal {
                state: self.state,
                allowed: allowed.to_vec(),
            }),
            format!(
                "command {name} illegal in state {}, only allowed in states {}",
                self.state,
                states.join(", ")
            ),
        )
        .with_command(name))
    }

    /// Ends IDLE: sends `DONE` (once the server's `+` has arrived), returns to the state
    /// before IDLE, and moves the unsolicited responses not yet polled into the untagged
    /// store, as imaplib's `Idler` does on exit. The IDLE command then completes.
    ///
    /// Drain [`Connection::poll_output`] first if you want every response as an
    /// [`Output::Unsolicited`] event: those still queued go to the store instead.
    pub fn idle_done(&mut self, id: CommandId) -> Result<()> {
        let Some((&tag, job)) = self
            .jobs
            .iter_mut()
            .find(|(_, j)| j.id == Some(id) && j.idle().is_some())
        else {
            return Err(Error::error(
                Reason::State(StateProblem::NotPending),
                "no IDLE in progress for this command",
            ));
        };
        match job.idle() {
            Some(Idle::Starting) => job.stage = Stage::Idle(Idle::DoneRequested),
            Some(Idle::Idling { .. }) => self.send_done(tag),
            Some(Idle::DoneRequested | Idle::DoneSent { .. } | Idle::Renewing { .. }) | None => {}
        }
        Ok(())
    }

    /// Ends IDLE in order to start it again (a keepalive re-issue, RFC 2177): sends `DONE`
    /// while the server idles, but untagged responses keep coming out as
    /// [`Output::Unsolicited`] until the IDLE command completes, so that a caller iterating
    /// over the IDLE misses none of them. The state returns to what it was before IDLE when
    /// the command completes.
    pub fn idle_renew(&mut self, id: CommandId) -> Result<()> {
        let job = self
            .jobs
            .values_mut()
            .find(|j| j.id == Some(id) && j.idle().is_some());
        let Some(job) = job else {
            return Err(Error::error(
                Reason::State(StateProblem::NotPending),
                "no IDLE in progress for this command",
            ));
        };
        let Some(Idle::Idling { prev }) = job.idle() else {
            return Err(Error::error(
                Reason::State(StateProblem::NotPending),
                "IDLE can be renewed only while the server is idling",
            ));
        };
        job.stage = Stage::Idle(Idle::Renewing { prev });
        let mut out = Outgoing::default();
        out.push(b"DONE\r\n");
        self.emit_send(out);
        Ok(())
    }

    /// Sends IDLE's DONE (the server accepted IDLE) and returns to the state before it.
    pub(super) fn send_done(&mut self, tag: u64) {
        let Some(job) = self.jobs.get_mut(&tag) else {
            return;
        };
        let Some(Idle::Idling { prev }) = job.idle() else {
            return;
        };
        job.stage = Stage::Idle(Idle::DoneSent { prev });
        self.state = prev;
        // Unpolled IDLE responses go back to the store, in order. If the store overflows,
        // the connection fails, but only after every output already queued (results of
        // completed commands, the responses not restored) is kept in its place.
        let outputs = std::mem::take(&mut self.outputs);
        let mut overflow = None;
        for out in outputs {
            match out {
                Output::Unsolicited(reply) if overflow.is_none() => {
                    if let Err(e) = self.restore_unsolicited(reply) {
                        overflow = Some(e);
                    }
                }
                other => self.outputs.push_back(other),
            }
        }
        if let Some(e) = overflow {
            return self.fail(e);
        }
        let mut out = Outgoing::default();
        out.push(b"DONE\r\n");
        self.emit_send(out);
    }
}
