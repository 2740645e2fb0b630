//! One constructor per imaplib method.
//!
//! A [`Command`] is what an imaplib method call becomes before it meets a connection: the
//! IMAP command name, its arguments in their grammar positions (see [`crate::encode`]) and
//! the rule that turns the server's answer into imaplib's `(typ, data)`. Constructors
//! validate their arguments and fail before anything could be sent; the connection then
//! checks the state table, encodes with its current mode (UTF-8, LITERAL+) and runs it.
//!
//! ```
//! use imaplib_proto::Command;
//! let cmd = Command::select("New folder", false)?;
//! assert_eq!(cmd.name(), "SELECT");
//! assert!(Command::search(None, &["FROM", "x\r\nA2 DELETE INBOX"]).is_err());
//! # Ok::<(), imaplib_proto::Error>(())
//! ```

use std::fmt;

use chrono::{DateTime, FixedOffset};

use crate::auth::{Authenticator, ChannelBindingPolicy, CramMd5, Plain, Scram};
use crate::build::{
    modseq_arg, FetchAttrs, Flag, SearchKey, SelectParams, SortCriterion, StoreFlags,
    ThreadAlgorithm,
};
use crate::encode::{self, Arg, IntoSequenceSet, Text};
use crate::error::{ArgumentProblem, Error, Reason, Result};
use crate::session::Connection;
use crate::util::DateInput;

/// imaplib's connection states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Before the greeting, and after LOGOUT.
    Logout,
    /// Connected, not authenticated.
    NonAuth,
    /// Authenticated.
    Auth,
    /// A mailbox is selected.
    Selected,
    /// Inside IDLE.
    Idling,
}

impl State {
    /// imaplib's name for the state (`"NONAUTH"`…).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Logout => "LOGOUT",
            State::NonAuth => "NONAUTH",
            State::Auth => "AUTH",
            State::Selected => "SELECTED",
            State::Idling => "IDLING",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

use State::{Auth as A, Logout as L, NonAuth as N, Selected as S};

/// imaplib's `Commands` table: the states in which each command is allowed, in imaplib's
/// order. `None` for a name imaplib does not know (see [`Command::xatom`]).
pub fn allowed_states(name: &str) -> Option<&'static [State]> {
    Some(match name {
        "CAPABILITY" | "LOGOUT" | "NOOP" => &[N, A, S, L],
        "AUTHENTICATE" | "LOGIN" | "STARTTLS" => &[N],
        "ENABLE" | "PROXYAUTH" => &[A],
        "APPEND" | "CREATE" | "DELETE" | "DELETEACL" | "EXAMINE" | "GETACL" | "GETANNOTATION"
        | "GETQUOTA" | "GETQUOTAROOT" | "IDLE" | "MYRIGHTS" | "LIST" | "LSUB" | "NAMESPACE"
        | "RENAME" | "SELECT" | "SETACL" | "SETANNOTATION" | "SETQUOTA" | "STATUS"
        | "SUBSCRIBE" | "UNSUBSCRIBE" | "GETMETADATA" | "SETMETADATA" | "NOTIFY" => &[A, S],
        "CHECK" | "CLOSE" | "COPY" | "EXPUNGE" | "FETCH" | "MOVE" | "PARTIAL" | "SEARCH"
        | "SORT" | "STORE" | "THREAD" | "UID" | "UNSELECT" => &[S],
        // RFC 5267 §4.3: cancels live searches of the selected mailbox.
        "CANCELUPDATE" => &[S],
        "ID" => &[N, A, S],
        // RFC 4978 §3 (imaplib has no COMPRESS): after authentication.
        "COMPRESS" => &[A, S],
        _ => return None,
    })
}

/// How the server's answer becomes the method's result, and what else completion does.
pub(crate) enum Kind {
    /// The tagged `(typ, data)`.
    Tagged,
    /// `_untagged_response(typ, data, name)`: pops `name` (tagged data on NO).
    Untagged(String),
    /// LOGIN: raises on non-OK, enters AUTH, refreshes capabilities.
    Login,
    /// AUTHENTICATE with a mechanism.
    Authenticate(Box<dyn Authenticator>),
    /// STARTTLS: upgrade point, then capabilities are re-queried.
    StartTls,
    /// COMPRESS DEFLATE: compression starts after the tagged OK.
    Compress,
    /// SELECT / EXAMINE.
    Select {
        readonly: bool,
        /// Python `repr()` of the mailbox, for the readonly error.
        mailbox_repr: String,
    },
    /// CLOSE / UNSELECT: tagged, and the state returns to AUTH whatever happens.
    Deselect,
    /// LOGOUT: returns on BYE.
    Logout,
    /// ENABLE. `utf8`: imaplib's rule, an `OK` to a request naming UTF8=ACCEPT switches
    /// to imaplib's UTF-8 mode. `asked`: the extensions requested (upper case); an
    /// `ENABLED` response counts only for these (RFC 5161 §3.1).
    Enable { utf8: bool, asked: Vec<String> },
    /// `recent()`: the stored RECENT, or NOOP and then RECENT.
    Recent,
    /// SEARCH / UID SEARCH without RETURN: the SEARCH data; in IMAP4rev2 the answer is the
    /// ESEARCH carrying this command's tag, rendered as numbers (imaplib's shape) or, with
    /// `ranges`, as a sequence set ([`Command::keep_ranges`]).
    Search { ranges: bool },
    /// IDLE.
    Idle,
    /// GETQUOTAROOT: `[QUOTAROOT list, QUOTA list]`.
    GetQuotaRoot,
    /// CAPABILITY, also used internally to (re)learn capabilities.
    Capability,
}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Tagged => f.write_str("Tagged"),
            Kind::Untagged(n) => write!(f, "Untagged({n})"),
            Kind::Login => f.write_str("Login"),
            Kind::Authenticate(_) => f.write_str("Authenticate"),
            Kind::StartTls => f.write_str("StartTls"),
            Kind::Compress => f.write_str("Compress"),
            Kind::Select { readonly, .. } => write!(f, "Select(readonly={readonly})"),
            Kind::Deselect => f.write_str("Deselect"),
            Kind::Logout => f.write_str("Logout"),
            Kind::Enable { utf8, asked } => write!(f, "Enable(utf8={utf8}, asked={asked:?})"),
            Kind::Recent => f.write_str("Recent"),
            Kind::Search { ranges } => write!(f, "Search(ranges={ranges})"),
            Kind::Idle => f.write_str("Idle"),
            Kind::GetQuotaRoot => f.write_str("GetQuotaRoot"),
            Kind::Capability => f.write_str("Capability"),
        }
    }
}

/// Conditions checked against the connection when the command is submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Precondition {
    /// The server must advertise this capability; otherwise this error.
    Capability(&'static str, ErrorFlavor, &'static str),
    /// The server must advertise one of these capabilities; otherwise this error.
    AnyCapability(&'static [&'static str], &'static str),
    /// imaplib: "Non-None charset not valid in UTF8 mode".
    NoCharsetInUtf8,
    /// `ENABLE` or `IMAP4rev2` (whose base includes ENABLE) is advertised.
    EnableSupported,
    /// Not part of IMAP4rev2 (RFC 9051 Appendix E): refused before sending once the
    /// server confirmed `IMAP4rev2`. The text names what is refused.
    NotInRev2(&'static str),
    /// Sends credentials: refused on cleartext when TLS is required, and LOGIN refused
    /// when the server says LOGINDISABLED.
    Credentials { login: bool },
    /// The extension must have been enabled (its name in an `ENABLED` response): QRESYNC
    /// for `SELECT … (QRESYNC …)` and `UID FETCH … (VANISHED)` (RFC 7162 §3.2.3).
    Enabled(&'static str),
}

/// Which imaplib exception a failed precondition raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorFlavor {
    Error,
    Abort,
}

/// A command ready to submit to a [`crate::Connection`].
#[derive(Debug)]
pub struct Command {
    /// The command name on the wire (`UID` for UID commands).
    pub(crate) name: String,
    /// Names looked up in the state table, in order (`["FETCH", "UID"]` for UID FETCH).
    pub(crate) states_of: Vec<String>,
    pub(crate) args: Vec<Arg>,
    pub(crate) kind: Kind,
    pub(crate) pre: Vec<Precondition>,
    /// Registered in the connection's table when unknown (imaplib's `xatom`).
    pub(crate) register: bool,
    /// Translate bare CR/LF in an APPEND message.
    pub(crate) translate: bool,
    /// Stream the FETCH literals out as they arrive instead of keeping them.
    pub(crate) stream: bool,
    /// AUTHENTICATE: send the initial response on the command line when the server
    /// advertises SASL-IR (RFC 4959).
    pub(crate) sasl_ir: bool,
}

fn text<'a>(t: impl Into<Text<'a>>) -> Text<'a> {
    t.into()
}

fn mailbox(t: Text<'_>, list: bool) -> Result<Arg> {
    encode::no_nul("a mailbox name", t.as_bytes())?;
    Ok(Arg::Mailbox {
        name: t.as_bytes().to_vec(),
        is_str: matches!(t, Text::Str(_)),
        list,
    })
}

fn astring(what: &str, t: Text<'_>) -> Result<Arg> {
    encode::no_nul(what, t.as_bytes())?;
    Ok(Arg::AString(t.as_bytes().to_vec()))
}

fn raw(what: &str, t: impl AsRef<[u8]>) -> Result<Arg> {
    Ok(Arg::Raw(encode::raw(what, t.as_ref())?))
}

fn set(s: impl IntoSequenceSet) -> Result<Arg> {
    Ok(Arg::Atom(s.into_sequence_set()?.to_bytes()))
}

fn fetch_parts(parts: &str) -> Result<Arg> {
    if ["ALL", "FULL", "FAST"]
        .iter()
        .any(|m| parts.eq_ignore_ascii_case(m))
    {
        return raw("message parts", parts);
    }
    Ok(Arg::Raw(encode::paren_list(
        "message parts",
        parts.as_bytes(),
    )?))
}

fn paren(what: &str, t: &str) -> Result<Arg> {
    Ok(Arg::Raw(encode::paren_list(what, t.as_bytes())?))
}

impl Command {
    fn new(name: &str, args: Vec<Arg>, kind: Kind) -> Self {
        Command {
            name: name.to_string(),
            states_of: vec![name.to_string()],
            args,
            kind,
            pre: Vec::new(),
            register: false,
            translate: true,
            stream: false,
            sasl_ir: false,
        }
    }

    fn tagged(name: &str, args: Vec<Arg>) -> Self {
        Self::new(name, args, Kind::Tagged)
    }

    fn untagged(name: &str, args: Vec<Arg>, typ: &str) -> Self {
        Self::new(name, args, Kind::Untagged(typ.to_string()))
    }

    fn require(mut self, p: Precondition) -> Self {
        self.pre.push(p);
        self
    }

    /// Refuses the command in IMAP4rev2 mode when `removed` (it uses `what`, which RFC
    /// 9051 removed).
    fn rev1_only(self, removed: bool, what: &'static str) -> Self {
        if removed {
            self.require(Precondition::NotInRev2(what))
        } else {
            self
        }
    }

    /// For SEARCH and UID SEARCH without RETURN: in IMAP4rev2 mode, where the server
    /// answers `* ESEARCH (TAG "t") [UID] ALL set`, the result's one line is that set as
    /// sent in ranges (`1:4,7`, empty for no match) instead of imaplib's space-separated
    /// numbers; a huge range is never expanded. [`typed::search`](crate::typed::search)
    /// reads both forms; the typed face uses this. No effect on other commands or in
    /// IMAP4rev1, where the answer is `* SEARCH n…` as always.
    pub fn keep_ranges(mut self) -> Self {
        if let Kind::Search { ranges } = &mut self.kind {
            *ranges = true;
        }
        self
    }

    /// Makes this a `UID` command (imaplib's newest `uid=True`).
    fn into_uid(mut self) -> Self {
        let sub = std::mem::replace(&mut self.name, "UID".to_string());
        self.args.insert(0, Arg::Atom(sub.into_bytes()));
        self.states_of.push("UID".to_string());
        self
    }

    /// The IMAP command name (`"UID"` for UID commands).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `CAPABILITY` → the untagged CAPABILITY data.
    pub fn capability() -> Self {
        Self::new("CAPABILITY", vec![], Kind::Capability)
    }

    /// `NOOP` → the tagged result (untagged data stays stored).
    pub fn noop() -> Self {
        Self::tagged("NOOP", vec![])
    }

    /// `CHECK` → the tagged result. Sent as given in IMAP4rev2 mode too, which removed
    /// CHECK (RFC 9051 Appendix E), so that imaplib's wire is kept; the typed face's `check`
    /// sends `NOOP` there instead.
    pub fn check() -> Self {
        Self::tagged("CHECK", vec![])
    }

    /// `LOGOUT` → `('BYE', [text])` when the server says goodbye first, as it should.
    pub fn logout() -> Self {
        Self::new("LOGOUT", vec![], Kind::Logout)
    }

    /// `LOGIN user "password"`: the user as an astring, the password always quoted (a
    /// literal if it holds CR, LF or 8-bit bytes) and redacted from every trace. A non-OK
    /// answer is an error; success enters AUTH and refreshes the capabilities.
    pub fn login<'a>(user: impl Into<Text<'a>>, password: impl Into<Text<'a>>) -> Result<Self> {
        let (user, password) = (text(user), text(password));
        encode::no_nul("the password", password.as_bytes())?;
        Ok(Self::new(
            "LOGIN",
            vec![
                astring("the user name", user)?,
                Arg::Quoted {
                    bytes: password.as_bytes().to_vec(),
                    secret: true,
                },
            ],
            Kind::Login,
        )
        .require(Precondition::Credentials { login: true }))
    }

    /// `AUTHENTICATE MECHANISM` driven by `auth` (imaplib's `authenticate`). The mechanism
    /// name is upper-cased; every response is redacted from traces.
    pub fn authenticate(mechanism: &str, auth: impl Authenticator + 'static) -> Result<Self> {
        let mech = encode::atom(
            "the SASL mechanism",
            mechanism.to_ascii_uppercase().as_bytes(),
        )?;
        Ok(Self::new(
            "AUTHENTICATE",
            vec![Arg::Atom(mech)],
            Kind::Authenticate(Box::new(auth)),
        )
        .require(Precondition::Credentials { login: false }))
    }

    /// Opts an `AUTHENTICATE` command into SASL-IR (RFC 4959): when the server advertises
    /// `SASL-IR` and the mechanism speaks first
    /// ([`Authenticator::has_initial_response`]: PLAIN, SCRAM-*, XOAUTH2, OAUTHBEARER),
    /// the initial response goes on the command line — `AUTHENTICATE PLAIN AHVzZXIAcGFzcw==`,
    /// `=` when empty — saving the round trip of an empty `+` challenge. Redacted from
    /// traces like every AUTHENTICATE response. Without SASL-IR advertised, or for another
    /// command or mechanism (LOGIN, CRAM-MD5, a closure), nothing changes. imaplib never
    /// does this, so its `authenticate` does not; the typed face does.
    ///
    /// ```
    /// use imaplib_proto::{auth::Plain, Command, Connection, Options, Output};
    /// let mut conn = Connection::new(Options::new(0x1234));
    /// conn.feed(b"* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] hi\r\n");
    /// # assert!(matches!(conn.poll_output(), Some(Output::Connected)));
    /// let cmd = Command::authenticate("PLAIN", Plain::new("user", "pass")?)?.sasl_ir();
    /// conn.submit(cmd)?;
    /// let Some(Output::Send(out)) = conn.poll_output() else { panic!() };
    /// assert_eq!(out.bytes, b"BCDE0 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn sasl_ir(mut self) -> Self {
        self.sasl_ir = matches!(self.kind, Kind::Authenticate(_));
        self
    }

    /// True when this is an `AUTHENTICATE` opted into SASL-IR ([`Command::sasl_ir`]).
    pub fn uses_sasl_ir(&self) -> bool {
        self.sasl_ir
    }

    /// `AUTHENTICATE SCRAM-…` with the strongest SCRAM mechanism the server of `conn`
    /// offers ([`Scram::choose`] under the default [`ChannelBindingPolicy::Prefer`]):
    /// SCRAM-SHA-256-PLUS or SCRAM-SHA-1-PLUS when the connection has channel-binding
    /// data ([`Connection::set_channel_binding`](crate::Connection::set_channel_binding)),
    /// else SCRAM-SHA-256, else SCRAM-SHA-1. The server must prove it knows the password
    /// too: see [`Scram`]. An error when the server offers no SCRAM mechanism, or the
    /// credentials cannot be prepared with SASLprep.
    ///
    /// ```
    /// use imaplib_proto::{Command, Connection, Options, Output};
    /// let mut conn = Connection::new(Options::new(0x1234));
    /// conn.feed(b"* OK [CAPABILITY IMAP4rev1 AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256] hi\r\n");
    /// # assert!(matches!(conn.poll_output(), Some(Output::Connected)));
    /// conn.submit(Command::login_scram(&conn, "jane", "secret")?)?;
    /// let Some(Output::Send(out)) = conn.poll_output() else { panic!() };
    /// assert_eq!(out.bytes, b"BCDE0 AUTHENTICATE SCRAM-SHA-256\r\n");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn login_scram(conn: &Connection, user: &str, password: &str) -> Result<Self> {
        let policy = ChannelBindingPolicy::default();
        let caps = conn.capabilities();
        let Some((hash, plus)) = Scram::choose(caps, conn.channel_binding(), policy) else {
            return Err(Error::error(
                Reason::Unsupported {
                    capability: "AUTH=SCRAM-SHA-256".into(),
                },
                "the server offers no SCRAM mechanism (AUTH=SCRAM-SHA-256, AUTH=SCRAM-SHA-1)",
            )
            .with_command("AUTHENTICATE"));
        };
        Self::authenticate(hash.mechanism(plus), Scram::new(hash, user, password)?)
    }

    /// `AUTHENTICATE CRAM-MD5` (imaplib's `login_cram_md5`).
    pub fn login_cram_md5<'a>(
        user: impl Into<Text<'a>>,
        password: impl Into<Text<'a>>,
    ) -> Result<Self> {
        let (user, password) = (text(user), text(password));
        encode::no_nul("the user name", user.as_bytes())?;
        encode::no_nul("the password", password.as_bytes())?;
        Self::authenticate(
            "CRAM-MD5",
            CramMd5::new(user.as_bytes(), password.as_bytes()),
        )
    }

    /// `AUTHENTICATE PLAIN` with `\0user\0password` (imaplib's `login_plain`); NUL in
    /// either is an error before anything is sent.
    pub fn login_plain<'a>(
        user: impl Into<Text<'a>>,
        password: impl Into<Text<'a>>,
    ) -> Result<Self> {
        let (user, password) = (text(user), text(password));
        Self::authenticate("PLAIN", Plain::new(user.as_bytes(), password.as_bytes())?)
    }

    /// `STARTTLS`. On OK the connection reports [`crate::Output::StartTls`]; once the
    /// transport is upgraded ([`crate::Connection::tls_established`]) the capabilities are
    /// discarded and asked again, and the command completes with `('OK', [None])`.
    pub fn starttls() -> Self {
        Self::new("STARTTLS", vec![], Kind::StartTls).require(Precondition::Capability(
            "STARTTLS",
            ErrorFlavor::Abort,
            "TLS not supported by server",
        ))
    }

    /// `COMPRESS DEFLATE` (RFC 4978): from the server's tagged `OK` on, both directions are
    /// raw DEFLATE streams for the rest of the connection. On `OK` the connection reports
    /// [`crate::Output::StartCompression`] at the exact byte where compression begins;
    /// once the transport compresses ([`crate::Connection::compression_established`]) the
    /// command completes with the server's `OK`. As for most commands, `NO` is a result
    /// (`NO [COMPRESSIONACTIVE]` when the server has compression on already) and `BAD` an
    /// error; nothing starts then.
    ///
    /// Like STARTTLS it takes the connection over: nothing is sent behind it until the
    /// answer, and commands submitted meanwhile go out compressed. It is refused before
    /// anything is sent when the server does not advertise `COMPRESS=DEFLATE`, when
    /// compression is already active or under way ([`StateProblem::CompressionActive`]),
    /// and outside the authenticated and selected states (Dovecot offers it only after
    /// login, which also keeps the credentials out of the compressed stream).
    ///
    /// With TLS, negotiate TLS first (implicit TLS or STARTTLS), then COMPRESS: the layers
    /// are then IMAP → DEFLATE → TLS → TCP, as RFC 4978 §4 asks. STARTTLS is refused once
    /// compression is on.
    ///
    /// [`StateProblem::CompressionActive`]: crate::error::StateProblem::CompressionActive
    ///
    /// ```
    /// use imaplib_proto::{Command, Connection, Options, Output};
    ///
    /// let mut conn = Connection::new(Options::new(0x1234));
    /// conn.feed(b"* PREAUTH hi\r\n");
    /// let Some(Output::Send(_capability)) = conn.poll_output() else { panic!() };
    /// conn.feed(b"* CAPABILITY IMAP4rev1 COMPRESS=DEFLATE\r\nBCDE0 OK done\r\n");
    /// assert!(matches!(conn.poll_output(), Some(Output::Connected)));
    /// let id = conn.submit(Command::compress())?;
    /// let Some(Output::Send(out)) = conn.poll_output() else { panic!() };
    /// assert_eq!(out.bytes, b"BCDE1 COMPRESS DEFLATE\r\n");
    /// conn.feed(b"BCDE1 OK Begin compression\r\n");
    /// assert!(matches!(conn.poll_output(), Some(Output::StartCompression { id: i }) if i == id));
    /// // The transport stacks raw DEFLATE, then:
    /// let early = conn.compression_established()?; // compressed bytes that came with the OK
    /// assert!(early.is_empty() && conn.is_compressed());
    /// let Some(Output::Completed { result, .. }) = conn.poll_output() else { panic!() };
    /// assert_eq!(result?.python_repr(), "('OK', [b'Begin compression'])");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn compress() -> Self {
        Self::new(
            "COMPRESS",
            vec![Arg::Atom(b"DEFLATE".to_vec())],
            Kind::Compress,
        )
        .require(Precondition::Capability(
            "COMPRESS=DEFLATE",
            ErrorFlavor::Error,
            "COMPRESS=DEFLATE not supported by server",
        ))
    }

    /// `ENABLE capability` (raw, e.g. `"UTF8=ACCEPT"` or `"CONDSTORE X-GOOD-IDEA"`):
    /// imaplib's `enable`. As in imaplib, an `OK` to a request naming `UTF8=ACCEPT`
    /// switches the connection to UTF-8 mode ([`Connection::utf8_enabled`]) even when the
    /// server confirmed nothing; [`Command::enable_extensions`] switches only on what the
    /// server confirms.
    ///
    /// [`Connection::utf8_enabled`]: crate::Connection::utf8_enabled
    pub fn enable(capability: &str) -> Result<Self> {
        let utf8 = capability.to_ascii_uppercase().contains("UTF8=ACCEPT");
        let asked = capability
            .split_ascii_whitespace()
            .map(str::to_ascii_uppercase)
            .collect();
        Ok(Self::new(
            "ENABLE",
            vec![raw("the capability", capability)?],
            Kind::Enable { utf8, asked },
        )
        .require(Precondition::Capability(
            "ENABLE",
            ErrorFlavor::Error,
            "Server does not support ENABLE",
        )))
    }

    /// `ENABLE ext…` (RFC 5161), each extension name an atom (`"IMAP4rev2"`,
    /// `"UTF8=ACCEPT"`, `"QRESYNC"`). Unlike imaplib's [`Command::enable`], the session
    /// changes mode only on what the server confirms in its `* ENABLED` response
    /// ([`Connection::rev2`], [`Connection::utf8_accepted`]): an `OK` alone, as Dovecot
    /// 2.3 answers `ENABLE IMAP4rev2 UTF8=ACCEPT`, switches nothing. Needs `ENABLE` or
    /// `IMAP4rev2` (which includes ENABLE) in the capabilities; an empty list is refused.
    ///
    /// [`Connection::rev2`]: crate::Connection::rev2
    /// [`Connection::utf8_accepted`]: crate::Connection::utf8_accepted
    pub fn enable_extensions(extensions: &[&str]) -> Result<Self> {
        if extensions.is_empty() {
            return Err(encode::arg_error(
                "the extensions",
                ArgumentProblem::Empty,
                "ENABLE needs at least one extension",
            ));
        }
        let mut args = Vec::with_capacity(extensions.len());
        let mut asked = Vec::with_capacity(extensions.len());
        for ext in extensions {
            args.push(Arg::Atom(encode::atom(
                "an extension name",
                ext.as_bytes(),
            )?));
            asked.push(ext.to_ascii_uppercase());
        }
        Ok(
            Self::new("ENABLE", args, Kind::Enable { utf8: false, asked })
                .require(Precondition::EnableSupported),
        )
    }

    /// `SELECT mailbox`, or `EXAMINE` when `readonly`. Flushes all stored untagged data;
    /// returns the EXISTS data; a writable SELECT answered `[READ-ONLY]` raises readonly.
    pub fn select<'a>(mailbox: impl Into<Text<'a>>, readonly: bool) -> Result<Self> {
        let mb = text(mailbox);
        let name = if readonly { "EXAMINE" } else { "SELECT" };
        Ok(Self::new(
            name,
            vec![self::mailbox(mb, false)?],
            Kind::Select {
                readonly,
                mailbox_repr: mb.repr(),
            },
        ))
    }

    /// `UNSELECT`; the state returns to AUTH whatever the answer.
    pub fn unselect() -> Self {
        Self::new("UNSELECT", vec![], Kind::Deselect)
    }

    /// `CLOSE`; the state returns to AUTH whatever the answer.
    pub fn close() -> Self {
        Self::new("CLOSE", vec![], Kind::Deselect)
    }

    /// `EXPUNGE` → the EXPUNGE data.
    pub fn expunge() -> Self {
        Self::untagged("EXPUNGE", vec![], "EXPUNGE")
    }

    /// `UID EXPUNGE set` → the EXPUNGE data.
    pub fn uid_expunge(set: impl IntoSequenceSet) -> Result<Self> {
        Ok(Self::untagged("EXPUNGE", vec![self::set(set)?], "EXPUNGE").into_uid())
    }

    /// `CREATE mailbox`.
    pub fn create<'a>(mailbox: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::tagged(
            "CREATE",
            vec![self::mailbox(text(mailbox), false)?],
        ))
    }

    /// `DELETE mailbox`.
    pub fn delete<'a>(mailbox: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::tagged(
            "DELETE",
            vec![self::mailbox(text(mailbox), false)?],
        ))
    }

    /// `SUBSCRIBE mailbox`.
    pub fn subscribe<'a>(mailbox: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::tagged(
            "SUBSCRIBE",
            vec![self::mailbox(text(mailbox), false)?],
        ))
    }

    /// `UNSUBSCRIBE mailbox`.
    pub fn unsubscribe<'a>(mailbox: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::tagged(
            "UNSUBSCRIBE",
            vec![self::mailbox(text(mailbox), false)?],
        ))
    }

    /// `RENAME old new`.
    pub fn rename<'a>(old: impl Into<Text<'a>>, new: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::tagged(
            "RENAME",
            vec![
                self::mailbox(text(old), false)?,
                self::mailbox(text(new), false)?,
            ],
        ))
    }

    fn listing(name: &str, directory: Option<Text<'_>>, pattern: Option<Text<'_>>) -> Result<Self> {
        let directory = directory.unwrap_or(Text::Str(""));
        let pattern = pattern.unwrap_or(Text::Str("*"));
        Ok(Self::untagged(
            name,
            vec![mailbox(directory, false)?, mailbox(pattern, true)?],
            name,
        ))
    }

    /// `LIST directory pattern` (defaults `""` and `*`) → the LIST data.
    pub fn list<'a>(directory: Option<Text<'a>>, pattern: Option<Text<'a>>) -> Result<Self> {
        Self::listing("LIST", directory, pattern)
    }

    /// Extended LIST (RFC 5258, with RFC 5819 LIST-STATUS and RFC 6154 SPECIAL-USE):
    /// `LIST [(selection options)] reference (patterns…) [RETURN (return options)]` → the
    /// LIST data; with [`ListOptions::return_status`](crate::build::ListOptions::return_status)
    /// a `* STATUS` follows each selectable mailbox's `* LIST` (stored as STATUS data; the
    /// typed [`list_extended`](crate::typed::list_extended) attaches them). One pattern is
    /// sent bare, several in parentheses.
    ///
    /// # Errors
    /// An argument error for no pattern, NUL in a name, or `RECURSIVEMATCH` alone; when
    /// submitted, an `Unsupported` error if the server lacks `LIST-EXTENDED` (selection
    /// options, several patterns, return options other than SPECIAL-USE and STATUS),
    /// `LIST-STATUS` (STATUS) or `SPECIAL-USE`.
    ///
    /// ```
    /// use imaplib_proto::build::{ListOptions, StatusItem};
    /// use imaplib_proto::Command;
    ///
    /// let opts = ListOptions::new()
    ///     .return_special_use()
    ///     .return_status([StatusItem::Messages, StatusItem::Size]);
    /// let cmd = Command::list_extended("", ["INBOX", "Sent*"], &opts)?;
    /// assert_eq!(cmd.name(), "LIST");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn list_extended<'a, T: Into<Text<'a>>>(
        reference: impl Into<Text<'a>>,
        patterns: impl IntoIterator<Item = T>,
        options: &crate::build::ListOptions,
    ) -> Result<Self> {
        let (select, ret) = options.args()?;
        let mut args = Vec::new();
        args.extend(select);
        args.push(self::mailbox(text(reference), false)?);
        let mut pats = patterns
            .into_iter()
            .map(|p| self::mailbox(p.into(), true))
            .collect::<Result<Vec<Arg>>>()?;
        let several = pats.len() > 1;
        match pats.len() {
            0 => {
                return Err(Error::error(
                    Reason::argument("the LIST patterns", ArgumentProblem::Empty),
                    "LIST needs at least one pattern",
                ))
            }
            1 => args.append(&mut pats),
            _ => args.push(Arg::Group(pats)),
        }
        args.extend(ret);
        let mut cmd = Self::untagged("LIST", args, "LIST");
        if several || options.needs_list_extended() {
            cmd = cmd.require(Precondition::Capability(
                "LIST-EXTENDED",
                ErrorFlavor::Error,
                "Server does not support LIST-EXTENDED",
            ));
        }
        if options.wants_status() {
            cmd = cmd.require(Precondition::Capability(
                "LIST-STATUS",
                ErrorFlavor::Error,
                "Server does not support LIST-STATUS",
            ));
        }
        if options.wants("SPECIAL-USE") {
            cmd = cmd.require(Precondition::Capability(
                "SPECIAL-USE",
                ErrorFlavor::Error,
                "Server does not support SPECIAL-USE",
            ));
        }
        Ok(cmd)
    }

    /// CREATE-SPECIAL-USE (RFC 6154 §3): `CREATE mailbox (USE (\Sent …))`. The capability
    /// is checked when submitted (an `Unsupported` error without it): Dovecot 2.3 answers
    /// OK to this command without advertising it, and stores nothing.
    ///
    /// ```
    /// use imaplib_proto::typed::SpecialUse;
    /// let cmd = imaplib_proto::Command::create_special_use("Sent Items", &[SpecialUse::Sent])?;
    /// assert_eq!(cmd.name(), "CREATE");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn create_special_use<'a>(
        mailbox: impl Into<Text<'a>>,
        uses: &[crate::typed::SpecialUse],
    ) -> Result<Self> {
        let mut args = vec![self::mailbox(text(mailbox), false)?];
        if !uses.is_empty() {
            let attrs = uses
                .iter()
                .map(|u| Arg::Atom(u.attribute().as_bytes().to_vec()))
                .collect();
            args.push(Arg::Group(vec![
                Arg::Atom(b"USE".to_vec()),
                Arg::Group(attrs),
            ]));
        }
        Ok(
            Self::tagged("CREATE", args).require(Precondition::Capability(
                "CREATE-SPECIAL-USE",
                ErrorFlavor::Error,
                "Server does not support CREATE-SPECIAL-USE",
            )),
        )
    }

    /// `LSUB directory pattern` (defaults `""` and `*`) → the LSUB data. Sent as given in
    /// IMAP4rev2 mode too, where LSUB is deprecated (RFC 9051 Appendix E), so that
    /// imaplib's wire is kept; the typed face's `lsub` sends `LIST (SUBSCRIBED)` there.
    pub fn lsub<'a>(directory: Option<Text<'a>>, pattern: Option<Text<'a>>) -> Result<Self> {
        Self::listing("LSUB", directory, pattern)
    }

    /// `STATUS mailbox (names)` → the STATUS data.
    pub fn status<'a>(mailbox: impl Into<Text<'a>>, names: &str) -> Result<Self> {
        Ok(Self::untagged(
            "STATUS",
            vec![
                self::mailbox(text(mailbox), false)?,
                paren("status items", names)?,
            ],
            "STATUS",
        )
        .rev1_only(
            encode::names_atom(names.as_bytes(), &["RECENT"]),
            "the STATUS item RECENT",
        ))
    }

    /// `APPEND mailbox [(flags)] ["date"] {N}` + message → the tagged result. `None` for
    /// the mailbox means INBOX. Bare CR and LF in the message become CRLF unless
    /// [`Command::keep_line_endings`] is applied. In UTF-8 mode the message goes out as
    /// `UTF8 (~{N} … )`.
    pub fn append<'a>(
        mailbox: Option<Text<'a>>,
        flags: Option<&str>,
        date_time: Option<DateInput<'_>>,
        message: &[u8],
    ) -> Result<Self> {
        let mut args = vec![self::mailbox(mailbox.unwrap_or(Text::Str("INBOX")), false)?];
        let mut recent = false;
        if let Some(flags) = flags {
            recent = encode::names_atom(flags.as_bytes(), &["\\Recent"]);
            args.push(paren("flags", flags)?);
        }
        if let Some(date_time) = date_time {
            let date = crate::util::time2internaldate(date_time).map_err(|e| {
                Error::error(
                    Reason::argument("date_time", ArgumentProblem::InvalidDate),
                    e.to_string(),
                )
            })?;
            args.push(raw("date_time", date)?);
        }
        encode::no_nul("the message", message)?;
        args.push(Arg::Message(message.to_vec()));
        Ok(Self::tagged("APPEND", args).rev1_only(recent, "the \\Recent flag"))
    }

    /// `APPEND mailbox [(flags)] ["date"] {len}` whose `len` message bytes the caller
    /// streams itself (from a file, a socket…) when the connection asks with
    /// [`crate::Output::SendLiteral`]; memory does not grow with the message. The bytes are
    /// sent as given (no line-ending translation: the length must be known in advance).
    pub fn append_stream<'a>(
        mailbox: Option<Text<'a>>,
        flags: Option<&str>,
        date_time: Option<DateInput<'_>>,
        len: u64,
    ) -> Result<Self> {
        let mut cmd = Self::append(mailbox, flags, date_time, b"")?;
        if let Some(last) = cmd.args.last_mut() {
            *last = Arg::StreamedMessage(len);
        }
        Ok(cmd)
    }

    /// Streams this FETCH's literals (message bodies) out as they arrive, as
    /// [`crate::Output::LiteralStart`], [`crate::Output::LiteralData`] and
    /// [`crate::Output::LiteralEnd`] (or, fed with [`crate::Connection::feed_into`], to a
    /// sink), instead of keeping them in the result: memory stays bounded whatever the
    /// message size. In the result the literals are empty. Only one streaming command may
    /// be in flight at a time.
    pub fn stream_literals(mut self) -> Self {
        self.stream = true;
        self
    }

    /// True if this command streams its literals ([`Command::stream_literals`]).
    pub fn streams_literals(&self) -> bool {
        self.stream
    }

    /// Sends an APPEND message exactly as given (imaplib's newest
    /// `translate_line_endings=False`).
    pub fn keep_line_endings(mut self) -> Self {
        self.translate = false;
        self
    }

    /// `FETCH set (parts)` → the FETCH data. `ALL`, `FULL` and `FAST` are sent bare.
    pub fn fetch(set: impl IntoSequenceSet, parts: &str) -> Result<Self> {
        Ok(Self::untagged(
            "FETCH",
            vec![self::set(set)?, fetch_parts(parts)?],
            "FETCH",
        ))
    }

    /// `UID FETCH set (parts)` → the FETCH data.
    pub fn uid_fetch(set: impl IntoSequenceSet, parts: &str) -> Result<Self> {
        Ok(Self::fetch(set, parts)?.into_uid())
    }

    /// `PARTIAL num part start length` (obsolete) → the FETCH data.
    pub fn partial(num: u32, part: &str, start: u32, length: u32) -> Result<Self> {
        Ok(Self::untagged(
            "PARTIAL",
            vec![
                Arg::Atom(num.to_string().into_bytes()),
                raw("message part", part)?,
                Arg::Atom(start.to_string().into_bytes()),
                Arg::Atom(length.to_string().into_bytes()),
            ],
            "FETCH",
        ))
    }

    /// `STORE set command (flags)`, e.g. `store("2:4", "+FLAGS", "\\Deleted")` → the
    /// FETCH data.
    pub fn store(set: impl IntoSequenceSet, command: &str, flags: &str) -> Result<Self> {
        Ok(Self::untagged(
            "STORE",
            vec![
                self::set(set)?,
                raw("the STORE command", command)?,
                paren("flags", flags)?,
            ],
            "FETCH",
        )
        .rev1_only(
            encode::names_atom(flags.as_bytes(), &["\\Recent"]),
            "the \\Recent flag",
        ))
    }

    /// `UID STORE set command (flags)` → the FETCH data.
    pub fn uid_store(set: impl IntoSequenceSet, command: &str, flags: &str) -> Result<Self> {
        Ok(Self::store(set, command, flags)?.into_uid())
    }

    /// `COPY set mailbox` → the tagged result.
    pub fn copy<'a>(set: impl IntoSequenceSet, mailbox: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::tagged(
            "COPY",
            vec![self::set(set)?, self::mailbox(text(mailbox), false)?],
        ))
    }

    /// `UID COPY set mailbox` → the tagged result (imaplib's newest `copy(uid=True)`).
    pub fn uid_copy<'a>(set: impl IntoSequenceSet, mailbox: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::copy(set, mailbox)?.into_uid())
    }

    /// `MOVE set mailbox` → the tagged result.
    pub fn r#move<'a>(set: impl IntoSequenceSet, mailbox: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::tagged(
            "MOVE",
            vec![self::set(set)?, self::mailbox(text(mailbox), false)?],
        ))
    }

    /// `UID MOVE set mailbox` → the tagged result.
    pub fn uid_move<'a>(set: impl IntoSequenceSet, mailbox: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::r#move(set, mailbox)?.into_uid())
    }

    /// `SEARCH [CHARSET charset] criteria…` → the SEARCH data. Criteria are raw text
    /// (quoted strings inside them are the caller's); CR, LF, NUL and a trailing literal
    /// marker are refused.
    ///
    /// In IMAP4rev2 mode ([`Connection::rev2`](crate::Connection::rev2)) the server
    /// answers `* ESEARCH (TAG "t") ALL 1:3,5` instead of `* SEARCH`; the result is then
    /// the ESEARCH carrying this command's tag, written as imaplib's SEARCH data —
    /// `[b'1 2 3 5']`, the space-separated numbers imaplib users split and convert —
    /// so that code written for `* SEARCH` keeps working; `[b'']` for no match. An answer
    /// too large to write out as one line of numbers ([`Limits::max_line`], the bound a
    /// `* SEARCH` line would have had) is a `LimitExceeded` error for this command:
    /// [`Command::keep_ranges`] (the typed face's choice) keeps it as ranges. The RECENT,
    /// NEW and OLD keys (outside quoted strings, and not as a `KEYWORD` argument) are
    /// refused in that mode before sending.
    ///
    /// [`Limits::max_line`]: crate::Limits::max_line
    pub fn search(charset: Option<&str>, criteria: &[&str]) -> Result<Self> {
        let mut args = Vec::new();
        let mut cmd_pre = None;
        if let Some(charset) = charset {
            args.push(Arg::Atom(b"CHARSET".to_vec()));
            args.push(astring("the charset", Text::Str(charset))?);
            cmd_pre = Some(Precondition::NoCharsetInUtf8);
        }
        // Scanned as one text: `"KEYWORD", "NEW"` names a keyword, not the NEW key.
        let recent = encode::names_recent_key(criteria.join(" ").as_bytes());
        for c in criteria {
            args.push(raw("search criteria", c)?);
        }
        let cmd = Self::new("SEARCH", args, Kind::Search { ranges: false })
            .rev1_only(recent, "the RECENT, NEW and OLD search keys");
        Ok(match cmd_pre {
            Some(p) => cmd.require(p),
            None => cmd,
        })
    }

    /// `UID SEARCH …` → the SEARCH data.
    pub fn uid_search(charset: Option<&str>, criteria: &[&str]) -> Result<Self> {
        Ok(Self::search(charset, criteria)?.into_uid())
    }

    /// `SORT (criteria) charset search…` → the SORT data.
    pub fn sort(criteria: &str, charset: &str, search: &[&str]) -> Result<Self> {
        let mut args = vec![
            paren("sort criteria", criteria)?,
            astring("the charset", Text::Str(charset))?,
        ];
        for c in search {
            args.push(raw("search criteria", c)?);
        }
        Ok(Self::untagged("SORT", args, "SORT"))
    }

    /// `UID SORT …` → the SORT data.
    pub fn uid_sort(criteria: &str, charset: &str, search: &[&str]) -> Result<Self> {
        Ok(Self::sort(criteria, charset, search)?.into_uid())
    }

    /// `THREAD algorithm charset search…` → the THREAD data.
    pub fn thread(algorithm: &str, charset: &str, search: &[&str]) -> Result<Self> {
        let mut args = vec![
            Arg::Atom(encode::atom("the thread algorithm", algorithm.as_bytes())?),
            astring("the charset", Text::Str(charset))?,
        ];
        for c in search {
            args.push(raw("search criteria", c)?);
        }
        Ok(Self::untagged("THREAD", args, "THREAD"))
    }

    /// `UID THREAD …` → the THREAD data.
    pub fn uid_thread(algorithm: &str, charset: &str, search: &[&str]) -> Result<Self> {
        Ok(Self::thread(algorithm, charset, search)?.into_uid())
    }

    /// imaplib's `uid(command, *args)`: `UID COMMAND args…`. COPY, MOVE, FETCH, STORE,
    /// SORT, THREAD and EXPUNGE format their arguments as their own methods do; other
    /// commands take raw arguments. Returns the SEARCH, SORT or THREAD data for those
    /// commands and the FETCH data for all others (so `uid("COPY", …)` gives `[None]`).
    pub fn uid<'a>(command: &str, args: &[Text<'a>]) -> Result<Self> {
        let sub = command.to_ascii_uppercase();
        if allowed_states(&sub).is_none() {
            return Err(Error::error(
                Reason::argument("the UID command", ArgumentProblem::UnknownCommand),
                format!(
                    "Unknown IMAP4 UID command: {}",
                    crate::trace::str_repr(command)
                ),
            ));
        }
        let s = |i: usize| -> Result<&'a [u8]> {
            args.get(i).map(Text::as_bytes).ok_or_else(|| {
                Error::error(
                    Reason::argument(
                        format!("UID {sub} arguments"),
                        ArgumentProblem::Count {
                            expected: i + 1,
                            got: args.len(),
                        },
                    ),
                    format!("UID {sub}: missing argument {}", i + 1),
                )
            })
        };
        let utf8 = |b: &'a [u8]| -> Result<&'a str> {
            std::str::from_utf8(b).map_err(|_| {
                Error::error(
                    Reason::argument(format!("UID {sub} arguments"), ArgumentProblem::NotUtf8),
                    format!("UID {sub}: argument is not UTF-8"),
                )
            })
        };
        let rest = |from: usize| -> Result<Vec<&'a str>> {
            args.iter().skip(from).map(|t| utf8(t.as_bytes())).collect()
        };
        let exact = |n: usize| -> Result<()> {
            if args.len() != n {
                return Err(Error::error(
                    Reason::argument(
                        format!("UID {sub} arguments"),
                        ArgumentProblem::Count {
                            expected: n,
                            got: args.len(),
                        },
                    ),
                    format!("UID {sub} takes {n} arguments, got {}", args.len()),
                ));
            }
            Ok(())
        };
        let cmd = match sub.as_str() {
            "COPY" | "MOVE" => {
                exact(2)?;
                let mut c = if sub == "COPY" {
                    Self::copy(s(0)?, args[1])?
                } else {
                    Self::r#move(s(0)?, args[1])?
                };
                c.kind = Kind::Untagged("FETCH".into());
                c
            }
            "FETCH" => {
                exact(2)?;
                Self::fetch(s(0)?, utf8(s(1)?)?)?
            }
            "STORE" => {
                exact(3)?;
                Self::store(s(0)?, utf8(s(1)?)?, utf8(s(2)?)?)?
            }
            "SORT" => Self::sort(utf8(s(0)?)?, utf8(s(1)?)?, &rest(2)?)?,
            "THREAD" => Self::thread(utf8(s(0)?)?, utf8(s(1)?)?, &rest(2)?)?,
            "EXPUNGE" => {
                exact(1)?;
                let mut c = Self::untagged("EXPUNGE", vec![set(s(0)?)?], "FETCH");
                c.kind = Kind::Untagged("FETCH".into());
                c
            }
            _ => {
                let mut raw_args = Vec::with_capacity(args.len());
                for a in args {
                    raw_args.push(raw("UID command arguments", a.as_bytes())?);
                }
                if sub == "SEARCH" {
                    let joined: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
                    let recent = encode::names_recent_key(&joined.join(&b' '));
                    Self::new(&sub, raw_args, Kind::Search { ranges: false })
                        .rev1_only(recent, "the RECENT, NEW and OLD search keys")
                } else {
                    Self::untagged(&sub, raw_args, "FETCH")
                }
            }
        };
        Ok(cmd.into_uid())
    }

    /// `GETACL mailbox` → the ACL data.
    pub fn getacl<'a>(mailbox: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::untagged(
            "GETACL",
            vec![self::mailbox(text(mailbox), false)?],
            "ACL",
        ))
    }

    /// `SETACL mailbox who what` → the tagged result.
    pub fn setacl<'a>(
        mailbox: impl Into<Text<'a>>,
        who: impl Into<Text<'a>>,
        what: impl Into<Text<'a>>,
    ) -> Result<Self> {
        Ok(Self::tagged(
            "SETACL",
            vec![
                self::mailbox(text(mailbox), false)?,
                astring("the identifier", text(who))?,
                astring("the rights", text(what))?,
            ],
        ))
    }

    /// `DELETEACL mailbox who` → the tagged result.
    pub fn deleteacl<'a>(mailbox: impl Into<Text<'a>>, who: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::tagged(
            "DELETEACL",
            vec![
                self::mailbox(text(mailbox), false)?,
                astring("the identifier", text(who))?,
            ],
        ))
    }

    /// `MYRIGHTS mailbox` → the MYRIGHTS data.
    pub fn myrights<'a>(mailbox: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::untagged(
            "MYRIGHTS",
            vec![self::mailbox(text(mailbox), false)?],
            "MYRIGHTS",
        ))
    }

    /// `GETQUOTA root` → the QUOTA data.
    pub fn getquota<'a>(root: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::untagged(
            "GETQUOTA",
            vec![astring("the quota root", text(root))?],
            "QUOTA",
        ))
    }

    /// `GETQUOTAROOT mailbox` → `[QUOTAROOT data, QUOTA data]` as two nested lists.
    pub fn getquotaroot<'a>(mailbox: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::new(
            "GETQUOTAROOT",
            vec![self::mailbox(text(mailbox), false)?],
            Kind::GetQuotaRoot,
        ))
    }

    /// `SETQUOTA root (limits)`, e.g. `setquota("", "STORAGE 512")` → the QUOTA data.
    pub fn setquota<'a>(root: impl Into<Text<'a>>, limits: &str) -> Result<Self> {
        Ok(Self::untagged(
            "SETQUOTA",
            vec![
                astring("the quota root", text(root))?,
                paren("quota limits", limits)?,
            ],
            "QUOTA",
        ))
    }

    /// `GETANNOTATION mailbox entry attribute` (ANNOTATEMORE draft) → the ANNOTATION data.
    pub fn getannotation<'a>(
        mailbox: impl Into<Text<'a>>,
        entry: &str,
        attribute: &str,
    ) -> Result<Self> {
        Ok(Self::untagged(
            "GETANNOTATION",
            vec![
                self::mailbox(text(mailbox), false)?,
                raw("the annotation entry", entry)?,
                raw("the annotation attribute", attribute)?,
            ],
            "ANNOTATION",
        ))
    }

    /// `SETANNOTATION args…` (raw, as imaplib) → the ANNOTATION data.
    pub fn setannotation(args: &[&str]) -> Result<Self> {
        let args = args
            .iter()
            .map(|a| raw("annotation arguments", a))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self::untagged("SETANNOTATION", args, "ANNOTATION"))
    }

    /// `GETMETADATA [(options)] mailbox (entry …)` (RFC 5464) → the METADATA data (read it
    /// with [`crate::parse::metadata`]). `mailbox` `""` means the server's metadata. The
    /// entries are always parenthesised (Dovecot refuses several bare ones).
    ///
    /// # Errors
    /// An argument error when `entries` is empty, an entry name is invalid (it must begin
    /// with `/private` or `/shared`; no `*`, `%`, `//`, trailing `/`, control characters),
    /// or the mailbox holds NUL.
    ///
    /// ```
    /// use imaplib_proto::build::{Depth, MetadataOptions};
    /// use imaplib_proto::Command;
    /// let opts = MetadataOptions::new().depth(Depth::One);
    /// let cmd = Command::getmetadata("INBOX", &["/private/comment"], &opts)?;
    /// assert_eq!(cmd.name(), "GETMETADATA");
    /// assert!(Command::getmetadata("INBOX", &["/private/*"], &opts).is_err());
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn getmetadata<'a>(
        mailbox: impl Into<Text<'a>>,
        entries: &[&str],
        options: &crate::build::MetadataOptions,
    ) -> Result<Self> {
        if entries.is_empty() {
            return Err(encode::arg_error(
                "METADATA entries",
                ArgumentProblem::Empty,
                "GETMETADATA needs at least one entry",
            ));
        }
        let mut args = Vec::new();
        if !options.is_empty() {
            args.push(Arg::Atom(options.to_string().into_bytes()));
        }
        args.push(self::mailbox(text(mailbox), false)?);
        let mut list = Vec::new();
        for e in entries {
            crate::build::metadata::entry(e)?;
            list.push(Arg::AString(e.as_bytes().to_vec()));
        }
        args.push(Arg::Group(list));
        Ok(Self::untagged("GETMETADATA", args, "METADATA"))
    }

    /// `SETMETADATA mailbox (entry value …)` (RFC 5464) → the METADATA data. A value is
    /// sent quoted, or as a literal when it holds CR, LF or 8-bit bytes; `None` is `NIL`,
    /// which deletes the entry. `mailbox` `""` means the server's metadata.
    ///
    /// # Errors
    /// An argument error when `entries` is empty, an entry name is invalid, or a value
    /// or the mailbox holds NUL (a NUL needs BINARY's `literal8`, which is not sent).
    ///
    /// ```
    /// use imaplib_proto::Command;
    /// let cmd = Command::setmetadata(
    ///     "INBOX",
    ///     &[("/private/comment", Some(&b"line 1\r\nline 2"[..])), ("/shared/comment", None)],
    /// )?;
    /// assert_eq!(cmd.name(), "SETMETADATA");
    /// assert!(Command::setmetadata("", &[("/shared/x", Some(&b"a\0b"[..]))]).is_err());
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn setmetadata<'a>(
        mailbox: impl Into<Text<'a>>,
        entries: &[(&str, Option<&[u8]>)],
    ) -> Result<Self> {
        if entries.is_empty() {
            return Err(encode::arg_error(
                "METADATA entries",
                ArgumentProblem::Empty,
                "SETMETADATA needs at least one entry",
            ));
        }
        let mailbox = self::mailbox(text(mailbox), false)?;
        let mut list = Vec::new();
        for (e, v) in entries {
            crate::build::metadata::entry(e)?;
            list.push(Arg::AString(e.as_bytes().to_vec()));
            list.push(match v {
                Some(v) => {
                    encode::no_nul("a METADATA value", v)?;
                    Arg::Quoted {
                        bytes: v.to_vec(),
                        secret: false,
                    }
                }
                None => Arg::Atom(b"NIL".to_vec()),
            });
        }
        Ok(Self::untagged(
            "SETMETADATA",
            vec![mailbox, Arg::Group(list)],
            "METADATA",
        ))
    }

    /// `NOTIFY SET [STATUS] (group) …` (RFC 5465) → the tagged result. `status` asks for a
    /// STATUS of every watched mailbox at once. Events then arrive unsolicited, at any time
    /// (Dovecot sends them also during IDLE); read them with [`crate::typed::events`].
    ///
    /// # Errors
    /// An argument error when `groups` is empty or a group breaks RFC 5465 §5's rules
    /// (see [`EventGroup`](crate::build::EventGroup)).
    ///
    /// ```
    /// use imaplib_proto::build::EventGroup;
    /// use imaplib_proto::Command;
    /// let cmd = Command::notify_set(false, &[EventGroup::personal().message_new().message_expunge()])?;
    /// assert_eq!(cmd.name(), "NOTIFY");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn notify_set(status: bool, groups: &[crate::build::EventGroup]) -> Result<Self> {
        if groups.is_empty() {
            return Err(encode::arg_error(
                "NOTIFY event groups",
                ArgumentProblem::Empty,
                "NOTIFY SET needs at least one event group",
            ));
        }
        let mut args = vec![Arg::Atom(b"SET".to_vec())];
        if status {
            args.push(Arg::Atom(b"STATUS".to_vec()));
        }
        for g in groups {
            args.push(g.arg()?);
        }
        Ok(Self::tagged("NOTIFY", args))
    }

    /// `NOTIFY NONE` (RFC 5465): no more notifications → the tagged result.
    pub fn notify_none() -> Self {
        Self::tagged("NOTIFY", vec![Arg::Atom(b"NONE".to_vec())])
    }

    /// `NAMESPACE` → the NAMESPACE data.
    pub fn namespace() -> Self {
        Self::untagged("NAMESPACE", vec![], "NAMESPACE")
    }

    /// `PROXYAUTH user` → the tagged result.
    pub fn proxyauth<'a>(user: impl Into<Text<'a>>) -> Result<Self> {
        Ok(Self::tagged(
            "PROXYAUTH",
            vec![astring("the user name", text(user))?],
        ))
    }

    /// imaplib's `recent()`: the stored RECENT data if any, else `NOOP` and then RECENT.
    pub fn recent() -> Self {
        Self::new("NOOP", vec![], Kind::Recent)
    }

    /// `ID NIL`, or `ID ("key" "value" …)` with every string quoted and `None` as NIL
    /// → the ID data.
    pub fn id(fields: Option<&[(&str, Option<&str>)]>) -> Result<Self> {
        let arg = match fields {
            None | Some([]) => Arg::Atom(b"NIL".to_vec()),
            Some(fields) => {
                let mut items = Vec::new();
                for (k, v) in fields {
                    encode::no_nul("ID fields", k.as_bytes())?;
                    items.push(Arg::Quoted {
                        bytes: k.as_bytes().to_vec(),
                        secret: false,
                    });
                    items.push(match v {
                        Some(v) => {
                            encode::no_nul("ID fields", v.as_bytes())?;
                            Arg::Quoted {
                                bytes: v.as_bytes().to_vec(),
                                secret: false,
                            }
                        }
                        None => Arg::Atom(b"NIL".to_vec()),
                    });
                }
                Arg::Group(items)
            }
        };
        Ok(Self::untagged("ID", vec![arg], "ID"))
    }

    /// `IDLE` (RFC 2177). See [`crate::Connection::idle_done`].
    pub fn idle() -> Self {
        Self::new("IDLE", vec![], Kind::Idle).require(Precondition::Capability(
            "IDLE",
            ErrorFlavor::Error,
            "Server does not support IMAP4 IDLE",
        ))
    }

    /// imaplib's `xatom(name, *args)`: an extension command with raw arguments → the
    /// tagged result. An unknown name is allowed in the state the connection is in when it
    /// is first used, as imaplib registers it.
    pub fn xatom(name: &str, args: &[&str]) -> Result<Self> {
        let name = name.to_ascii_uppercase();
        encode::atom("the command name", name.as_bytes())?;
        let args = args
            .iter()
            .map(|a| raw("xatom arguments", a))
            .collect::<Result<Vec<_>>>()?;
        let mut cmd = Self::tagged(&name, args);
        cmd.register = true;
        Ok(cmd)
    }
}

/// The Rust face: commands from [`crate::build`]'s values instead of raw strings. Every
/// string goes through the encoder's string forms, so nothing needs quoting by hand and
/// nothing can break the command. Results keep the imaplib shape (the typed views of
/// [`crate::parse`] read them).
impl Command {
    /// `SEARCH [CHARSET UTF-8] key` → the SEARCH data. `CHARSET UTF-8` is added when a
    /// string holds 8-bit text (left out in UTF-8 mode, where strings are UTF-8 anyway).
    ///
    /// # Errors
    /// An argument error when a string holds NUL, a date has no IMAP form (year outside
    /// 1–9999), or a set is empty or holds 0.
    ///
    /// ```
    /// use imaplib_proto::build::SearchKey;
    /// use imaplib_proto::Command;
    ///
    /// // The raw form `search(None, &["SUBJECT", "Lunch on Thursday"])` would send three
    /// // atoms and get BAD; the key quotes the text.
    /// let cmd = Command::search_with(&SearchKey::subject("Lunch on Thursday"))?;
    /// assert_eq!(cmd.name(), "SEARCH");
    /// assert!(Command::search_with(&SearchKey::subject("a\0b")).is_err());
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn search_with(key: &SearchKey) -> Result<Self> {
        Ok(Self::new(
            "SEARCH",
            key.with_charset()?,
            Kind::Search { ranges: false },
        )
        .rev1_only(key.uses_recent(), "the RECENT, NEW and OLD search keys"))
    }

    /// `UID SEARCH [CHARSET UTF-8] key` → the SEARCH data (UIDs).
    ///
    /// ```
    /// use imaplib_proto::build::SearchKey;
    /// let cmd = imaplib_proto::Command::uid_search_with(&SearchKey::unseen())?;
    /// assert_eq!(cmd.name(), "UID");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn uid_search_with(key: &SearchKey) -> Result<Self> {
        Ok(Self::search_with(key)?.into_uid())
    }

    /// ESEARCH (RFC 4731) / SEARCHRES (RFC 5182): `SEARCH RETURN (options) [CHARSET
    /// UTF-8] key` → an empty SEARCH data; the answer is an `* ESEARCH` response, stored
    /// (read it with [`typed::esearch`](crate::typed::esearch)). With
    /// [`SearchReturn::save`](crate::build::SearchReturn::save) the result is kept as `$`
    /// ([`SequenceSet::saved`](crate::SequenceSet::saved)), usable by the next commands.
    ///
    /// # Errors
    /// As [`Command::search_with`]; when submitted, an `Unsupported` error without the
    /// `ESEARCH` capability (or `SEARCHRES` for SAVE).
    ///
    /// ```
    /// use imaplib_proto::build::{SearchKey, SearchReturn};
    /// use imaplib_proto::{Command, SequenceSet};
    /// let save = Command::search_return(&SearchKey::from("jane@"), &SearchReturn::new().save())?;
    /// let fetch = Command::fetch(SequenceSet::saved(), "(UID)")?; // FETCH $ (UID)
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn search_return(key: &SearchKey, ret: &crate::build::SearchReturn) -> Result<Self> {
        let mut args: Vec<Arg> = ret.args().into();
        args.extend(key.with_charset()?);
        let mut cmd = Self::untagged("SEARCH", args, "SEARCH")
            .rev1_only(key.uses_recent(), "the RECENT, NEW and OLD search keys")
            .require(Precondition::Capability(
                "ESEARCH",
                ErrorFlavor::Error,
                "Server does not support ESEARCH",
            ));
        if ret.needs_context() {
            cmd = cmd.require(Precondition::Capability(
                "CONTEXT=SEARCH",
                ErrorFlavor::Error,
                "Server does not support CONTEXT=SEARCH (PARTIAL, UPDATE)",
            ));
        }
        Ok(if ret.saves() {
            cmd.require(Precondition::Capability(
                "SEARCHRES",
                ErrorFlavor::Error,
                "Server does not support SEARCHRES",
            ))
        } else {
            cmd
        })
    }

    /// CONTEXT=SEARCH (RFC 5267 §4.3): `CANCELUPDATE "tag" …` ends the live searches
    /// started with [`SearchReturn::update`](crate::build::SearchReturn::update) under
    /// these command tags (an ESEARCH update's `tag`). After the OK no more `ADDTO` or
    /// `REMOVEFROM` arrive for them; a tag the server does not know is a `NO`.
    ///
    /// # Errors
    /// An argument error for no tags, or a tag that is not a tag (RFC 3501 `tag`: ASCII
    /// astring characters other than `+`); when submitted, an `Unsupported` error without
    /// `CONTEXT=SEARCH` (or `CONTEXT=SORT`).
    ///
    /// ```
    /// let cmd = imaplib_proto::Command::cancel_update(&["BCDE5"])?;
    /// assert_eq!(cmd.name(), "CANCELUPDATE");
    /// assert!(imaplib_proto::Command::cancel_update(&["A1\r\nX LOGOUT"]).is_err());
    /// assert!(imaplib_proto::Command::cancel_update(&[]).is_err());
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn cancel_update(tags: &[&str]) -> Result<Self> {
        if tags.is_empty() {
            return Err(Error::error(
                Reason::argument("the tags", ArgumentProblem::Empty),
                "CANCELUPDATE needs at least one tag",
            ));
        }
        let mut args = Vec::with_capacity(tags.len());
        for tag in tags {
            // tag = 1*<any ASTRING-CHAR except "+">
            let ok = !tag.is_empty()
                && tag
                    .bytes()
                    .all(|b| (0x21..0x7f).contains(&b) && !b"(){%*\"\\+".contains(&b));
            if !ok {
                let problem = if tag.contains(['\r', '\n']) {
                    ArgumentProblem::LineBreak
                } else if tag.contains('\0') {
                    ArgumentProblem::Nul
                } else {
                    ArgumentProblem::NotAllowed
                };
                return Err(Error::error(
                    Reason::argument("the tag", problem),
                    format!("not a command tag: {tag:?}"),
                ));
            }
            args.push(Arg::Quoted {
                bytes: tag.as_bytes().to_vec(),
                secret: false,
            });
        }
        Ok(
            Self::tagged("CANCELUPDATE", args).require(Precondition::AnyCapability(
                &["CONTEXT=SEARCH", "CONTEXT=SORT"],
                "Server does not support CONTEXT=SEARCH (CANCELUPDATE)",
            )),
        )
    }

    /// `UID SEARCH RETURN (options) key`: [`Command::search_return`] by UID (a saved `$`
    /// then holds UIDs).
    ///
    /// ```
    /// use imaplib_proto::build::{SearchKey, SearchReturn};
    /// let cmd = imaplib_proto::Command::uid_search_return(&SearchKey::all(), &SearchReturn::new().min().max())?;
    /// assert_eq!(cmd.name(), "UID");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn uid_search_return(key: &SearchKey, ret: &crate::build::SearchReturn) -> Result<Self> {
        Ok(Self::search_return(key, ret)?.into_uid())
    }

    /// ESORT (RFC 5267): `SORT RETURN (options) (criteria) UTF-8 key` → an empty SORT
    /// data; the answer is an `* ESEARCH` response whose `ALL` is in sort order.
    ///
    /// # Errors
    /// As [`Command::sort_with`]; when submitted, an `Unsupported` error without `ESORT`
    /// (or `SEARCHRES` for SAVE).
    ///
    /// ```
    /// use imaplib_proto::build::{SearchKey, SearchReturn, SortKey};
    /// let cmd = imaplib_proto::Command::sort_return(
    ///     &[SortKey::Subject.into()],
    ///     &SearchKey::all(),
    ///     &SearchReturn::new().min().count(),
    /// )?;
    /// assert_eq!(cmd.name(), "SORT");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn sort_return(
        criteria: &[SortCriterion],
        key: &SearchKey,
        ret: &crate::build::SearchReturn,
    ) -> Result<Self> {
        let mut cmd = Self::sort_with(criteria, key)?;
        let [r, opts] = ret.args();
        cmd.args.insert(0, opts);
        cmd.args.insert(0, r);
        cmd = cmd.require(Precondition::Capability(
            "ESORT",
            ErrorFlavor::Error,
            "Server does not support ESORT",
        ));
        if ret.needs_context() {
            cmd = cmd.require(Precondition::Capability(
                "CONTEXT=SORT",
                ErrorFlavor::Error,
                "Server does not support CONTEXT=SORT (PARTIAL, UPDATE)",
            ));
        }
        Ok(if ret.saves() {
            cmd.require(Precondition::Capability(
                "SEARCHRES",
                ErrorFlavor::Error,
                "Server does not support SEARCHRES",
            ))
        } else {
            cmd
        })
    }

    /// `UID SORT RETURN (options) (criteria) UTF-8 key`: [`Command::sort_return`] by UID.
    ///
    /// ```
    /// use imaplib_proto::build::{SearchKey, SearchReturn, SortKey};
    /// let cmd = imaplib_proto::Command::uid_sort_return(&[SortKey::Date.into()], &SearchKey::all(), &SearchReturn::new())?;
    /// assert_eq!(cmd.name(), "UID");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn uid_sort_return(
        criteria: &[SortCriterion],
        key: &SearchKey,
        ret: &crate::build::SearchReturn,
    ) -> Result<Self> {
        Ok(Self::sort_return(criteria, key, ret)?.into_uid())
    }

    /// `SORT (criteria) UTF-8 key` (RFC 5256) → the SORT data. At least one criterion.
    ///
    /// ```
    /// use imaplib_proto::build::{SearchKey, SortKey};
    /// let cmd = imaplib_proto::Command::sort_with(&[SortKey::Date.reverse()], &SearchKey::all())?;
    /// assert_eq!(cmd.name(), "SORT");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn sort_with(criteria: &[SortCriterion], key: &SearchKey) -> Result<Self> {
        let mut args = vec![
            crate::build::search::sort_criteria(criteria)?,
            Arg::Atom(b"UTF-8".to_vec()),
        ];
        args.extend(key.program()?.0);
        Ok(Self::untagged("SORT", args, "SORT"))
    }

    /// `UID SORT (criteria) UTF-8 key` → the SORT data (UIDs).
    ///
    /// ```
    /// use imaplib_proto::build::{SearchKey, SortKey};
    /// let cmd = imaplib_proto::Command::uid_sort_with(&[SortKey::Subject.into()], &SearchKey::seen())?;
    /// assert_eq!(cmd.name(), "UID");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn uid_sort_with(criteria: &[SortCriterion], key: &SearchKey) -> Result<Self> {
        Ok(Self::sort_with(criteria, key)?.into_uid())
    }

    /// `THREAD algorithm UTF-8 key` (RFC 5256) → the THREAD data.
    ///
    /// ```
    /// use imaplib_proto::build::{SearchKey, ThreadAlgorithm};
    /// let cmd = imaplib_proto::Command::thread_with(ThreadAlgorithm::References, &SearchKey::all())?;
    /// assert_eq!(cmd.name(), "THREAD");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn thread_with(algorithm: ThreadAlgorithm, key: &SearchKey) -> Result<Self> {
        let mut args = vec![
            Arg::Atom(algorithm.as_str().as_bytes().to_vec()),
            Arg::Atom(b"UTF-8".to_vec()),
        ];
        args.extend(key.program()?.0);
        Ok(Self::untagged("THREAD", args, "THREAD"))
    }

    /// `UID THREAD algorithm UTF-8 key` → the THREAD data (UIDs).
    ///
    /// ```
    /// use imaplib_proto::build::{SearchKey, ThreadAlgorithm};
    /// let cmd = imaplib_proto::Command::uid_thread_with(ThreadAlgorithm::OrderedSubject, &SearchKey::all())?;
    /// assert_eq!(cmd.name(), "UID");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn uid_thread_with(algorithm: ThreadAlgorithm, key: &SearchKey) -> Result<Self> {
        Ok(Self::thread_with(algorithm, key)?.into_uid())
    }

    /// `FETCH set (items)` → the FETCH data. The set may be a SEARCH result.
    ///
    /// # Errors
    /// An argument error for an empty item list, or a set that is invalid text, empty or
    /// holds 0.
    ///
    /// ```
    /// use imaplib_proto::build::{FetchAttr, FetchAttrs, Section};
    /// use imaplib_proto::{Command, SequenceSet};
    ///
    /// let found: SequenceSet = [3, 4, 5, 9].into_iter().collect(); // e.g. a SEARCH result
    /// let cmd = Command::fetch_with(&found, [FetchAttr::uid(), FetchAttr::body_peek(Section::header())])?;
    /// let all = Command::fetch_with("1:*", FetchAttrs::fast())?;
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn fetch_with(set: impl IntoSequenceSet, attrs: impl Into<FetchAttrs>) -> Result<Self> {
        Ok(Self::untagged(
            "FETCH",
            vec![self::set(set)?, attrs.into().arg()?],
            "FETCH",
        ))
    }

    /// `UID FETCH set (items)` → the FETCH data.
    ///
    /// ```
    /// use imaplib_proto::build::FetchAttr;
    /// let cmd = imaplib_proto::Command::uid_fetch_with(100.., [FetchAttr::flags()])?;
    /// assert_eq!(cmd.name(), "UID");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn uid_fetch_with(set: impl IntoSequenceSet, attrs: impl Into<FetchAttrs>) -> Result<Self> {
        Ok(Self::fetch_with(set, attrs)?.into_uid())
    }

    /// `STORE set change` → the FETCH data (none when silent).
    ///
    /// # Errors
    /// An argument error for `\Recent` among the flags, or an invalid set.
    ///
    /// ```
    /// use imaplib_proto::build::{Flag, StoreFlags};
    /// use imaplib_proto::Command;
    ///
    /// let cmd = Command::store_with(2..=4, &StoreFlags::add([Flag::Deleted]).silent())?;
    /// assert!(Command::store_with(1, &StoreFlags::add([Flag::Recent])).is_err());
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn store_with(set: impl IntoSequenceSet, change: &StoreFlags) -> Result<Self> {
        let [item, flags] = change.args()?;
        Ok(Self::untagged(
            "STORE",
            vec![self::set(set)?, item, flags],
            "FETCH",
        ))
    }

    /// `UID STORE set change` → the FETCH data.
    ///
    /// ```
    /// use imaplib_proto::build::{Flag, StoreFlags};
    /// let cmd = imaplib_proto::Command::uid_store_with("7,9", &StoreFlags::replace([Flag::Seen]))?;
    /// assert_eq!(cmd.name(), "UID");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn uid_store_with(set: impl IntoSequenceSet, change: &StoreFlags) -> Result<Self> {
        Ok(Self::store_with(set, change)?.into_uid())
    }

    /// `SELECT mailbox (parameters)` ([`SelectParams`]: `(CONDSTORE)` or `(QRESYNC (…))`,
    /// RFC 7162), otherwise as [`Command::select`]: flushes the stored untagged data,
    /// returns the EXISTS data, and leaves FLAGS, the codes (`HIGHESTMODSEQ`…) and, for
    /// QRESYNC, the `VANISHED (EARLIER)` and FETCH responses in the store.
    ///
    /// # Errors
    /// An argument error for invalid QRESYNC values ([`Qresync`](crate::build::Qresync)) or
    /// a mailbox name with NUL. Submitting a QRESYNC SELECT before `ENABLE QRESYNC`
    /// succeeded is refused by the connection (nothing is sent).
    ///
    /// ```
    /// use imaplib_proto::build::{Qresync, SelectParams};
    /// use imaplib_proto::Command;
    ///
    /// let plain_condstore = Command::select_with("INBOX", &SelectParams::condstore())?;
    /// let resync = Command::select_with("INBOX", &Qresync::new(1796179228, 7).known_uids(1..=5).into())?;
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn select_with<'a>(mailbox: impl Into<Text<'a>>, params: &SelectParams) -> Result<Self> {
        Self::select(mailbox, false)?.with_select_params(params)
    }

    /// `EXAMINE mailbox (parameters)`: [`Command::select_with`] read-only.
    ///
    /// ```
    /// use imaplib_proto::build::SelectParams;
    /// let cmd = imaplib_proto::Command::examine_with("Archive", &SelectParams::condstore())?;
    /// assert_eq!(cmd.name(), "EXAMINE");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn examine_with<'a>(mailbox: impl Into<Text<'a>>, params: &SelectParams) -> Result<Self> {
        Self::select(mailbox, true)?.with_select_params(params)
    }

    fn with_select_params(mut self, params: &SelectParams) -> Result<Self> {
        if let Some(arg) = params.arg()? {
            self.args.push(arg);
        }
        if params.as_qresync().is_some() {
            self = self.require(Precondition::Enabled("QRESYNC"));
        }
        Ok(self)
    }

    /// `FETCH set (items) (CHANGEDSINCE modseq)` (CONDSTORE, RFC 7162 §3.1.4) → the FETCH
    /// data: only the messages of the set whose mod-sequence is above `modseq`, each with
    /// its `MODSEQ` added by the server.
    ///
    /// # Errors
    /// As [`Command::fetch_with`], and an argument error for a `modseq` outside 1 to
    /// 2⁶³−1.
    ///
    /// ```
    /// use imaplib_proto::build::FetchAttr;
    /// use imaplib_proto::Command;
    /// let cmd = Command::fetch_changed_since("1:*", FetchAttr::flags(), 620162338)?;
    /// assert!(Command::fetch_changed_since("1:*", FetchAttr::flags(), 0).is_err());
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn fetch_changed_since(
        set: impl IntoSequenceSet,
        attrs: impl Into<FetchAttrs>,
        modseq: u64,
    ) -> Result<Self> {
        let mut cmd = Self::fetch_with(set, attrs)?;
        cmd.args.push(Arg::Group(vec![
            Arg::Atom(b"CHANGEDSINCE".to_vec()),
            modseq_arg("the CHANGEDSINCE mod-sequence", modseq, false)?,
        ]));
        Ok(cmd)
    }

    /// `UID FETCH set (items) (CHANGEDSINCE modseq)` → the FETCH data.
    ///
    /// ```
    /// use imaplib_proto::build::FetchAttr;
    /// let cmd = imaplib_proto::Command::uid_fetch_changed_since(1.., FetchAttr::flags(), 7)?;
    /// assert_eq!(cmd.name(), "UID");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn uid_fetch_changed_since(
        set: impl IntoSequenceSet,
        attrs: impl Into<FetchAttrs>,
        modseq: u64,
    ) -> Result<Self> {
        Ok(Self::fetch_changed_since(set, attrs, modseq)?.into_uid())
    }

    /// `UID FETCH set (items) (CHANGEDSINCE modseq VANISHED)` (QRESYNC, RFC 7162 §3.2.6) →
    /// the FETCH data; the server also sends `VANISHED (EARLIER) uids` for the UIDs of the
    /// set expunged since `modseq`, which stay in the store (`response("VANISHED")`, or
    /// [`typed::fetch_vanished`](crate::typed::fetch_vanished)). Submitting it before
    /// `ENABLE QRESYNC` succeeded is refused by the connection (nothing is sent).
    ///
    /// ```
    /// use imaplib_proto::build::FetchAttr;
    /// let cmd = imaplib_proto::Command::uid_fetch_vanished(1.., FetchAttr::flags(), 7)?;
    /// assert_eq!(cmd.name(), "UID");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn uid_fetch_vanished(
        set: impl IntoSequenceSet,
        attrs: impl Into<FetchAttrs>,
        modseq: u64,
    ) -> Result<Self> {
        let mut cmd = Self::fetch_with(set, attrs)?;
        cmd.args.push(Arg::Group(vec![
            Arg::Atom(b"CHANGEDSINCE".to_vec()),
            modseq_arg("the CHANGEDSINCE mod-sequence", modseq, false)?,
            Arg::Atom(b"VANISHED".to_vec()),
        ]));
        Ok(cmd.into_uid().require(Precondition::Enabled("QRESYNC")))
    }

    /// `STORE set (UNCHANGEDSINCE modseq) change` (CONDSTORE, RFC 7162 §3.1.3) → the FETCH
    /// data: the change is made only to messages whose mod-sequence is at most `modseq`.
    /// The others are listed in the tagged `OK`'s `[MODIFIED set]`, which stays in the
    /// store (`response("MODIFIED")`, or
    /// [`typed::conditional_store`](crate::typed::conditional_store)): an `OK` with
    /// `MODIFIED` is a partial failure. `UNCHANGEDSINCE 0` always fails (a probe).
    ///
    /// # Errors
    /// As [`Command::store_with`], and an argument error for a `modseq` above 2⁶³−1.
    ///
    /// ```
    /// use imaplib_proto::build::{Flag, StoreFlags};
    /// use imaplib_proto::Command;
    /// let cmd = Command::store_unchanged_since("1,4", &StoreFlags::add([Flag::Answered]), 3)?;
    /// assert!(Command::store_unchanged_since(1, &StoreFlags::add([Flag::Seen]), u64::MAX).is_err());
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn store_unchanged_since(
        set: impl IntoSequenceSet,
        change: &StoreFlags,
        modseq: u64,
    ) -> Result<Self> {
        let set = self::set(set)?;
        let modifier = Arg::Group(vec![
            Arg::Atom(b"UNCHANGEDSINCE".to_vec()),
            modseq_arg("the UNCHANGEDSINCE mod-sequence", modseq, true)?,
        ]);
        let [item, flags] = change.args()?;
        Ok(Self::untagged(
            "STORE",
            vec![set, modifier, item, flags],
            "FETCH",
        ))
    }

    /// `UID STORE set (UNCHANGEDSINCE modseq) change` → the FETCH data; `[MODIFIED uids]`
    /// lists UIDs.
    ///
    /// ```
    /// use imaplib_proto::build::{Flag, StoreFlags};
    /// let change = StoreFlags::remove([Flag::Seen]);
    /// let cmd = imaplib_proto::Command::uid_store_unchanged_since(4711, &change, 12)?;
    /// assert_eq!(cmd.name(), "UID");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn uid_store_unchanged_since(
        set: impl IntoSequenceSet,
        change: &StoreFlags,
        modseq: u64,
    ) -> Result<Self> {
        Ok(Self::store_unchanged_since(set, change, modseq)?.into_uid())
    }

    /// `APPEND mailbox [(flags)] ["date-time"] {N}` + message → the tagged result (with
    /// APPENDUID under UIDPLUS). No flag list is sent when `flags` is empty; the date is the
    /// internal date to give the message (`"01-Feb-2024 10:00:00 +0100"`). As with
    /// [`Command::append`], bare CR and LF in the message become CRLF unless
    /// [`Command::keep_line_endings`] is applied.
    ///
    /// # Errors
    /// An argument error for `\Recent` among the flags, a date whose year is outside
    /// 1–9999 or whose offset is not whole minutes, or NUL in the message or mailbox name.
    ///
    /// ```
    /// use imaplib_proto::build::Flag;
    /// use imaplib_proto::chrono::DateTime;
    /// use imaplib_proto::Command;
    ///
    /// let date = DateTime::parse_from_rfc3339("2024-02-01T10:00:00+01:00").unwrap();
    /// let cmd = Command::append_with(
    ///     "Sent",
    ///     &[Flag::Seen, Flag::keyword("$Forwarded")?],
    ///     Some(date),
    ///     b"Subject: hi\r\n\r\nHello\r\n",
    /// )?;
    /// assert_eq!(cmd.name(), "APPEND");
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn append_with<'a>(
        mailbox: impl Into<Text<'a>>,
        flags: &[Flag],
        date: Option<DateTime<FixedOffset>>,
        message: &[u8],
    ) -> Result<Self> {
        let mut args = vec![self::mailbox(text(mailbox), false)?];
        if !flags.is_empty() {
            args.push(crate::build::flag::flag_list("APPEND", flags)?);
        }
        if let Some(date) = date {
            args.push(Arg::Atom(crate::build::date_time(&date)?.into_bytes()));
        }
        encode::no_nul("the message", message)?;
        args.push(Arg::Message(message.to_vec()));
        Ok(Self::tagged("APPEND", args))
    }

    /// CATENATE (RFC 4469): `APPEND mailbox [(flags)] ["date-time"] CATENATE (TEXT {n} …
    /// URL "…" …)` — the server builds the message from the parts in order: literal text
    /// and the messages or sections named by IMAP URLs ([`ImapUrl`](crate::build::ImapUrl)),
    /// without the client downloading them. The tagged result carries `[APPENDUID …]`
    /// (UIDPLUS); a URL the server cannot use is `NO [BADURL url]`, a message too large
    /// `NO [TOOBIG]` ([`Code::BadUrl`](crate::parse::Code::BadUrl),
    /// [`Code::TooBig`](crate::parse::Code::TooBig)). TEXT parts are literals, sent as
    /// given (no line-ending translation).
    ///
    /// # Errors
    /// An argument error for a message without parts or a TEXT part holding NUL; when
    /// submitted, an `Unsupported` error unless the server advertises `CATENATE`.
    ///
    /// ```
    /// use imaplib_proto::build::{CatenateMessage, ImapUrl};
    /// use imaplib_proto::Command;
    /// let m = CatenateMessage::new()
    ///     .text(b"Subject: Fwd\r\n\r\n")
    ///     .url(ImapUrl::message("INBOX", Some(7), 3)?.section("TEXT")?);
    /// let cmd = Command::append_catenate("Drafts", &m)?;
    /// assert_eq!(cmd.name(), "APPEND");
    /// assert!(Command::append_catenate("Drafts", &CatenateMessage::new().text(b"a\0b")).is_err());
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn append_catenate<'a>(
        mailbox: impl Into<Text<'a>>,
        message: &crate::build::CatenateMessage<'_>,
    ) -> Result<Self> {
        use crate::build::CatenatePart;
        if message.parts.is_empty() {
            return Err(Error::error(
                Reason::argument("the CATENATE parts", ArgumentProblem::Empty),
                "CATENATE needs at least one part",
            ));
        }
        let mut args = vec![self::mailbox(text(mailbox), false)?];
        if !message.flags.is_empty() {
            args.push(crate::build::flag::flag_list("APPEND", &message.flags)?);
        }
        if let Some(date) = message.date {
            args.push(Arg::Atom(crate::build::date_time(&date)?.into_bytes()));
        }
        args.push(Arg::Atom(b"CATENATE".to_vec()));
        let mut parts = Vec::with_capacity(message.parts.len() * 2);
        for part in &message.parts {
            match part {
                CatenatePart::Text(t) => {
                    encode::no_nul("a CATENATE TEXT part", t)?;
                    parts.push(Arg::Atom(b"TEXT".to_vec()));
                    parts.push(Arg::Literal(t.to_vec()));
                }
                CatenatePart::Url(url) => {
                    parts.push(Arg::Atom(b"URL".to_vec()));
                    parts.push(Arg::Quoted {
                        bytes: url.as_str().as_bytes().to_vec(),
                        secret: false,
                    });
                }
            }
        }
        args.push(Arg::Group(parts));
        Ok(
            Self::tagged("APPEND", args).require(Precondition::Capability(
                "CATENATE",
                ErrorFlavor::Error,
                "Server does not support CATENATE",
            )),
        )
    }

    /// MULTIAPPEND (RFC 3502): `APPEND mailbox [(flags)] ["date-time"] {N} … [(flags)]
    /// ["date-time"] {N}`, several messages in one command → the tagged result, whose
    /// `[APPENDUID uidvalidity uid-set]` (UIDPLUS) covers them all, in order. The server
    /// stores all of them or none. Each message waits for its own `+` unless LITERAL+ is
    /// on; bare CR and LF become CRLF as with [`Command::append_with`].
    ///
    /// # Errors
    /// An argument error for no messages at all, or as [`Command::append_with`] for any
    /// of them; when submitted with more than one message, an `Unsupported` error if the
    /// server did not announce `MULTIAPPEND`.
    ///
    /// ```
    /// use imaplib_proto::build::{AppendMessage, Flag};
    /// use imaplib_proto::Command;
    ///
    /// let cmd = Command::append_many(
    ///     "Archive",
    ///     &[
    ///         AppendMessage::new(b"Subject: one\r\n\r\n1\r\n").flags([Flag::Seen]),
    ///         AppendMessage::new(b"Subject: two\r\n\r\n2\r\n"),
    ///     ],
    /// )?;
    /// assert_eq!(cmd.name(), "APPEND");
    /// assert!(Command::append_many("Archive", &[]).is_err());
    /// # Ok::<(), imaplib_proto::Error>(())
    /// ```
    pub fn append_many<'a>(
        mailbox: impl Into<Text<'a>>,
        messages: &[crate::build::AppendMessage<'_>],
    ) -> Result<Self> {
        if messages.is_empty() {
            return Err(Error::error(
                Reason::argument("the messages", ArgumentProblem::Empty),
                "APPEND needs at least one message",
            ));
        }
        let mut args = vec![self::mailbox(text(mailbox), false)?];
        let mut utf8 = false;
        for m in messages {
            if !m.flags.is_empty() {
                args.push(crate::build::flag::flag_list("APPEND", &m.flags)?);
            }
            if let Some(date) = m.date {
                args.push(Arg::Atom(crate::build::date_time(&date)?.into_bytes()));
            }
            encode::no_nul("the message", m.message)?;
            if m.utf8 {
                utf8 = true;
                args.push(Arg::Utf8Message(m.message.to_vec()));
            } else {
                args.push(Arg::Message(m.message.to_vec()));
            }
        }
        let mut cmd = Self::tagged("APPEND", args);
        if utf8 {
            cmd = cmd.require(Precondition::Enabled("UTF8=ACCEPT"));
        }
        Ok(if messages.len() > 1 {
            cmd.require(Precondition::Capability(
                "MULTIAPPEND",
                ErrorFlavor::Error,
                "Server does not support MULTIAPPEND",
            ))
        } else {
            cmd
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_table_matches_imaplib() {
        assert_eq!(allowed_states("SEARCH"), Some(&[S][..]));
        assert_eq!(allowed_states("APPEND"), Some(&[A, S][..]));
        assert_eq!(allowed_states("NOOP"), Some(&[N, A, S, L][..]));
        assert_eq!(allowed_states("ENABLE"), Some(&[A][..]));
        assert_eq!(allowed_states("BOGUS"), None);
        assert_eq!(allowed_states("IDLING"), None);
    }

    #[test]
    fn uid_validates_its_command() {
        let e = Command::uid("BOGUS", &[Text::Str("1")]).unwrap_err();
        assert_eq!(e.message(), "Unknown IMAP4 UID command: 'BOGUS'");
        let c = Command::uid("copy", &["4827313:4828442".into(), "New folder".into()]).unwrap();
        assert_eq!(c.name, "UID");
        assert_eq!(c.states_of, vec!["COPY", "UID"]);
        assert!(matches!(c.kind, Kind::Untagged(ref t) if t == "FETCH"));
        assert!(Command::uid("fetch", &["1 2".into(), "FLAGS".into()]).is_err());
    }

    #[test]
    fn constructors_reject_bad_arguments() {
        assert!(Command::select("a\0b", false).is_err());
        assert!(Command::login("u", "p\0").is_err());
        assert!(Command::fetch("1:*\r\n", "FLAGS").is_err());
        assert!(Command::store("1", "+FLAGS", "(\\Seen) {3}").is_err());
        assert!(Command::xatom("MY CMD", &[]).is_err());
        assert!(Command::xatom("MYCMD", &["a\nb"]).is_err());
        assert!(Command::id(Some(&[("name", Some("x\0"))])).is_err());
        assert!(Command::authenticate("X Y", |_: &[u8]| None).is_err());
        assert!(Command::login_plain("a\0", "b").is_err());
    }

    #[test]
    fn debug_never_shows_passwords() {
        let c = Command::login("user", "hunter2").unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("hunter2"), "{d}");
    }
}
