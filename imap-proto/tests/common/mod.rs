//! A transcript driver: server bytes in, client bytes and results out, through
//! `feed`/`poll_output` alone. `TTTT` in every string stands for the tag prefix, as in
//! imaplib's transcripts.
#![allow(dead_code)]

use imaplib_proto::{Command, CommandId, Connection, Error, Options, Output, Reply};

/// Seed whose Int2AP is `BCDE`.
pub const SEED: u16 = 0x1234;
pub const PREFIX: &str = "BCDE";

pub fn t(s: &str) -> String {
    s.replace("TTTT", PREFIX)
}

pub struct Script {
    pub conn: Connection,
    /// Outputs other than `Send`, in order.
    pub events: Vec<Output>,
    /// Bytes sent and not yet checked.
    pub sent: Vec<u8>,
}

impl Script {
    pub fn new(opts: Options) -> Self {
        Script {
            conn: Connection::new(opts),
            events: Vec::new(),
            sent: Vec::new(),
        }
    }

    pub fn opts() -> Options {
        Options::new(SEED)
    }

    /// Greeting `* OK IMAP4rev1`, then the connect-time CAPABILITY answered with `caps`.
    pub fn connected(caps: &str) -> Self {
        let mut s = Self::new(Self::opts());
        s.s("* OK IMAP4rev1\r\n");
        s.c("TTTT0 CAPABILITY\r\n");
        s.s(&format!(
            "* CAPABILITY IMAP4rev1{}{caps}\r\nTTTT0 OK CAPABILITY completed\r\n",
            if caps.is_empty() { "" } else { " " }
        ));
        s.expect_connected();
        s
    }

    /// Connected and logged in (the server sends capabilities with the LOGIN answer).
    pub fn authed(caps: &str) -> Self {
        let mut s = Self::connected(caps);
        let id = s.submit(Command::login("user", "pass").unwrap());
        s.c("TTTT1 LOGIN user \"pass\"\r\n");
        s.s(&format!(
            "TTTT1 OK [CAPABILITY IMAP4rev1{}{caps}] LOGIN completed\r\n",
            if caps.is_empty() { "" } else { " " }
        ));
        s.ok(id);
        let _ = s.conn.response("CAPABILITY");
        s
    }

    /// Authenticated and INBOX selected (`* 2 EXISTS`).
    pub fn selected(caps: &str) -> Self {
        let mut s = Self::authed(caps);
        let id = s.submit(Command::select("INBOX", false).unwrap());
        s.c("TTTT2 SELECT INBOX\r\n");
        s.s("* 2 EXISTS\r\nTTTT2 OK [READ-WRITE] SELECT completed.\r\n");
        s.ok(id);
        s
    }

    fn drain(&mut self) {
        while let Some(out) = self.conn.poll_output() {
            match out {
                Output::Send(o) => self.sent.extend_from_slice(&o.bytes),
                other => self.events.push(other),
            }
        }
    }

    /// Server bytes.
    pub fn s(&mut self, server: &str) {
        self.sb(t(server).as_bytes());
    }

    /// Server bytes, raw.
    pub fn sb(&mut self, server: &[u8]) {
        self.conn.feed(server);
        self.drain();
    }

    /// Asserts what the client sent since the last check.
    pub fn c(&mut self, client: &str) {
        self.cb(t(client).as_bytes());
    }

    /// Asserts what the client sent since the last check, raw.
    pub fn cb(&mut self, client: &[u8]) {
        self.drain();
        let sent = std::mem::take(&mut self.sent);
        assert_eq!(
            String::from_utf8_lossy(&sent),
            String::from_utf8_lossy(client),
            "client bytes"
        );
    }

    /// What the client sent since the last check, taken unchecked.
    pub fn take_sent(&mut self) -> Vec<u8> {
        self.drain();
        std::mem::take(&mut self.sent)
    }

    /// Asserts nothing was sent.
    pub fn nothing_sent(&mut self) {
        self.cb(b"");
    }

    pub fn submit(&mut self, cmd: Command) -> CommandId {
        let id = self.conn.submit(cmd).expect("submit");
        self.drain();
        id
    }

    /// Submits a command that must be refused before any byte is sent.
    pub fn refused(&mut self, cmd: Command) -> Error {
        let err = self.conn.submit(cmd).expect_err("should be refused");
        self.nothing_sent();
        err
    }

    pub fn expect_connected(&mut self) {
        self.drain();
        let i = self
            .events
            .iter()
            .position(|e| matches!(e, Output::Connected))
            .unwrap_or_else(|| panic!("not connected: {:?}", self.events));
        self.events.remove(i);
    }

    /// The result of a command, which must have completed.
    pub fn result(&mut self, id: CommandId) -> Result<Reply, Error> {
        self.drain();
        let i = self
            .events
            .iter()
            .position(|e| matches!(e, Output::Completed { id: done, .. } if *done == id))
            .unwrap_or_else(|| panic!("{id} not completed; events: {:?}", self.events));
        match self.events.remove(i) {
            Output::Completed { result, .. } => result,
            _ => unreachable!(),
        }
    }

    pub fn pending(&mut self, id: CommandId) {
        self.drain();
        assert!(
            !self
                .events
                .iter()
                .any(|e| matches!(e, Output::Completed { id: done, .. } if *done == id)),
            "{id} completed too early: {:?}",
            self.events
        );
    }

    /// The `python_repr()` of a successful result.
    pub fn ok(&mut self, id: CommandId) -> String {
        match self.result(id) {
            Ok(r) => r.python_repr(),
            Err(e) => panic!("{id} failed: {e:?}"),
        }
    }

    pub fn err(&mut self, id: CommandId) -> Error {
        match self.result(id) {
            Ok(r) => panic!("{id} succeeded: {r:?}"),
            Err(e) => e,
        }
    }

    /// The connection-level error, which must have been emitted.
    pub fn fatal(&mut self) -> Error {
        self.drain();
        let i = self
            .events
            .iter()
            .position(|e| matches!(e, Output::Error(_)))
            .unwrap_or_else(|| panic!("no fatal error; events: {:?}", self.events));
        match self.events.remove(i) {
            Output::Error(e) => e,
            _ => unreachable!(),
        }
    }

    /// Takes the outputs of the given kind, in order.
    pub fn take_events(&mut self) -> Vec<Output> {
        self.drain();
        std::mem::take(&mut self.events)
    }

    /// A stored untagged type, without popping, as a Python repr of the list.
    pub fn stored(&self, typ: &str) -> Option<String> {
        self.conn
            .untagged_responses()
            .find(|(t, _)| *t == typ)
            .map(|(_, items)| format!("{items:?}"))
    }
}
