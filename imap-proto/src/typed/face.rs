//! The typed face of both clients, written once: [`client_typed!`](crate::client_typed).
//!
//! `client.typed()` borrows a client as a [`Typed`](crate::typed) handle whose methods run
//! one command each and return what the command means in Rust: a mailbox's state, a set of
//! numbers, parsed messages, or `()` — with `NO` and `BAD` as errors
//! ([`Reason::Refused`](crate::Reason::Refused)). Each method is the client's `run` of a
//! [`Command`](crate::Command) followed by the conversion of [`crate::typed`], so the typed
//! value always equals the typed view of the imaplib face's result.

/// Expands to a client's typed handle, `Typed`, and `Client::typed()`.
///
/// Blocking: `client_typed!(Socket, BoxSocket, doc: ["imaplib_blocking", ""])`; async:
/// `client_typed!(async, generics: [S: Duplex, R: Runtime], args: [S, R], doc:
/// ["imaplib_async", ".await"])`. The `doc` pair names the crate the examples use and what
/// follows a call in them.
#[macro_export]
macro_rules! client_typed {
    (async, generics: [$($g:tt)*], args: [$($a:tt)*], doc: [$krate:literal, $aw:literal]) => {
        $crate::client_typed!(@emit [async] [.await] [$($g)*] [$($g)*] [$($a)*]
            [$krate, $aw, "async fn"]);
    };
    ($bound:path, $default:ty, doc: [$krate:literal, $aw:literal]) => {
        $crate::client_typed!(@emit [] [] [S: $bound = $default] [S: $bound] [S]
            [$krate, $aw, "fn"]);
    };
    (@emit [$($async:tt)*] [$($await:tt)*] [$($p:tt)*] [$($ip:tt)*] [$($a:tt)*]
        [$krate:literal, $aw:literal, $fn:literal]) => {
        /// The typed face of a client: one IMAP command per method, its answer as Rust
        /// values, `NO` and `BAD` as errors.
        ///
        /// Get it with [`Client::typed`]; it borrows the client, which keeps all state, so
        /// the typed face and the imaplib face can take turns on one connection.
        ///
        /// Every method sends one command and waits for its completion. A refusal (`NO`,
        /// `BAD`) is an [`Error`]($crate::Error) whose [`reason`]($crate::Error::reason) is
        /// [`Reason::Refused`]($crate::Reason::Refused), with the server's response code
        /// (`TRYCREATE`, `ALREADYEXISTS`, `NONEXISTENT`…) and text; the connection goes on.
        /// Values are [`imaplib_proto::typed`]($crate::typed)'s.
        ///
        /// Sequence sets are anything [`IntoSequenceSet`]($crate::IntoSequenceSet): a
        /// [`SequenceSet`]($crate::SequenceSet) from [`search`](Self::search), `"1:4,7"`,
        /// `5`, `1..=4`, `10..` (to the last), `&[1u32, 3][..]` (a slice of `u32`; `&[1,
        /// 3]` alone is taken as bytes of text). An empty set — a search that found
        /// nothing, an empty `u32` slice, an empty range like `1..=0` — sends nothing: its
        /// FETCH, STORE, COPY, MOVE and UID EXPUNGE have an empty result.
        ///
        #[doc = "```no_run"]
        #[doc = concat!("use ", $krate, "::proto::{build::{FetchAttr, SearchKey}, chrono};")]
        #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
        #[doc = "let mut imap = client.typed();"]
        #[doc = concat!("let inbox = imap.select(\"INBOX\")", $aw, "?;")]
        #[doc = "println!(\"{} messages, UIDVALIDITY {:?}\", inbox.exists, inbox.uid_validity);"]
        #[doc = "let since = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();"]
        #[doc = concat!("let found = imap.uid_search(&(SearchKey::subject(\"Lunch on Thursday\") & SearchKey::since(since)))", $aw, "?;")]
        #[doc = concat!("for message in &imap.uid_fetch(&found, [FetchAttr::envelope(), FetchAttr::flags()])", $aw, "? {")]
        #[doc = "    let message = message?;"]
        #[doc = "    let subject = message.envelope().and_then(|e| e.subject_text());"]
        #[doc = "    println!(\"{:?} {:?} {:?}\", message.uid(), subject, message.flags());"]
        #[doc = "}"]
        #[doc = concat!("imap.uid_mv(&found, \"Archive\")", $aw, "?;")]
        #[doc = "# Ok(()) }"]
        #[doc = "```"]
        pub struct Typed<'a, $($p)*> {
            client: &'a mut Client<$($a)*>,
        }

        impl<$($ip)*> std::fmt::Debug for Typed<'_, $($a)*> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Typed").field("client", &self.client).finish()
            }
        }

        impl<$($ip)*> Client<$($a)*> {
            /// The typed face of this client ([`Typed`]): results as Rust values, refusals
            /// as errors. It borrows the client; both faces can be used in turn.
            pub fn typed(&mut self) -> Typed<'_, $($a)*> {
                Typed { client: self }
            }
        }

        impl<$($ip)*> Typed<'_, $($a)*> {
            /// The client underneath, for its imaplib face (or IDLE, streaming, pipelining).
            pub fn client(&mut self) -> &mut Client<$($a)*> {
                self.client
            }

            /// The protocol state machine: state, capabilities, the untagged store.
            pub fn connection(&self) -> &$crate::Connection {
                self.client.connection()
            }

            /// Runs a command and returns its answer with `NO`/`BAD` as errors.
            $($async)* fn ok(&mut self, cmd: $crate::Command) -> $crate::Result<$crate::Reply> {
                self.client.run(cmd)$($await)*?.into_ok()
            }

            /// Runs a command whose answer carries nothing the caller needs.
            $($async)* fn done(&mut self, cmd: $crate::Result<$crate::Command>) -> $crate::Result<()> {
                self.ok(cmd?)$($await)*.map(drop)
            }

            /// `COMPRESS DEFLATE` (RFC 4978): compresses the rest of the connection, both
            /// ways; a refusal (`NO [COMPRESSIONACTIVE]`…) is an error. Needs the server's
            /// `COMPRESS=DEFLATE` (Dovecot offers it after login, with its `imap_zlib`
            /// plugin); over TLS, after TLS.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("imap.login(\"jane\", \"secret\")", $aw, "?;")]
            #[doc = "if imap.connection().has_capability(\"COMPRESS=DEFLATE\") {"]
            #[doc = concat!("    imap.compress()", $aw, "?;")]
            #[doc = "}"]
            #[doc = concat!("let inbox = imap.select(\"INBOX\")", $aw, "?; // compressed both ways")]
            #[doc = "# let _ = inbox; Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn compress(&mut self) -> $crate::Result<()> {
                self.ok($crate::Command::compress())$($await)*.map(drop)
            }

            /// `CAPABILITY`: asks the server what it supports (the answer also updates
            /// [`connection().capabilities()`]($crate::Connection::capabilities)).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let caps = client.typed().capabilities()", $aw, "?;")]
            #[doc = "if caps.has(\"MOVE\") { /* UID MOVE instead of COPY + EXPUNGE */ }"]
            #[doc = "let auth: Vec<&str> = caps.values(\"AUTH\").collect(); // [\"PLAIN\", …]"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn capabilities(&mut self) -> $crate::Result<$crate::typed::CapabilitySet> {
                let reply = self.client.run($crate::Command::capability())$($await)*?;
                $crate::typed::capability(reply)
            }

            /// `LOGIN user password`: authenticates in cleartext (over TLS, or on a trusted
            /// link; refused otherwise unless the settings allow it). A wrong password is
            /// an error with reason `Refused` (code `AUTHENTICATIONFAILED` on Dovecot).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example() -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let mut client = ", $krate, "::Client::connect_tls(\"imap.example.org\", 993)", $aw, "?;")]
            #[doc = concat!("client.typed().login(\"jane\", \"secret\")", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn login<'t>(
                &mut self,
                user: impl Into<$crate::Text<'t>>,
                password: impl Into<$crate::Text<'t>>,
            ) -> $crate::Result<()> {
                self.done($crate::Command::login(user, password))$($await)*
            }

            /// `AUTHENTICATE mechanism`: SASL authentication with an
            /// [`Authenticator`]($crate::Authenticator) — e.g.
            /// [`auth::XOAuth2`]($crate::auth::XOAuth2) for an OAuth2 token
            /// (`"XOAUTH2"`), or [`auth::Plain`]($crate::auth::Plain). When the server
            /// advertises SASL-IR and the mechanism speaks first, its first message goes on
            /// the command line ([`Command::sasl_ir`]($crate::Command::sasl_ir)).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::auth::XOAuth2;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client, token: &str) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().authenticate(\"XOAUTH2\", XOAuth2::new(\"jane@example.org\", token))", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn authenticate(
                &mut self,
                mechanism: &str,
                auth: impl $crate::Authenticator + 'static,
            ) -> $crate::Result<()> {
                self.done($crate::Command::authenticate(mechanism, auth).map(|c| c.sasl_ir()))$($await)*
            }

            /// `AUTHENTICATE SCRAM-…`: the strongest SCRAM mechanism the server offers,
            /// with channel binding to the TLS session when it offers `-PLUS`, and mutual
            /// authentication — a server that does not prove it knows the password fails
            /// the login with [`Reason::Sasl`]($crate::Reason::Sasl), even after `OK`.
            /// A wrong password is an error with reason `Refused`. With SASL-IR advertised,
            /// the client-first message goes on the command line. For another policy,
            /// [`authenticate`](Self::authenticate) with an
            /// [`auth::Scram`]($crate::auth::Scram).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::auth::{ChannelBindingPolicy, Scram};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().login_scram(\"jane\", \"secret\")", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = concat!("# ", $fn, " other(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "// Or SCRAM-SHA-256 exactly, never binding (e.g. behind a TLS-terminating proxy):"]
            #[doc = "let scram = Scram::sha256(\"jane\", \"secret\")?.with_channel_binding(ChannelBindingPolicy::Disable);"]
            #[doc = concat!("client.typed().authenticate(\"SCRAM-SHA-256\", scram)", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn login_scram(&mut self, user: &str, password: &str) -> $crate::Result<()> {
                let cmd = $crate::Command::login_scram(self.client.connection(), user, password);
                self.done(cmd.map(|c| c.sasl_ir()))$($await)*
            }

            /// `ENABLE capability…` (RFC 5161), e.g. `"UTF8=ACCEPT"` or `"QRESYNC"`,
            /// space-separated, each an atom. Returns what the server enabled (its
            /// `ENABLED` response, upper case, limited to what was asked);
            /// [`connection().is_enabled(…)`]($crate::Connection::is_enabled) remembers
            /// it. Modes change only on that confirmation
            /// ([`Command::enable_extensions`]($crate::Command::enable_extensions)): an
            /// `OK` without `* ENABLED` switches nothing, unlike imaplib's `enable`.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("let enabled = imap.enable(\"CONDSTORE\")", $aw, "?;")]
            #[doc = "assert!(enabled.iter().any(|c| c == \"CONDSTORE\"));"]
            #[doc = concat!("let inbox = imap.select(\"INBOX\")", $aw, "?; // now with highest_modseq")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn enable(&mut self, capabilities: &str) -> $crate::Result<Vec<String>> {
                let names: Vec<&str> = capabilities.split_ascii_whitespace().collect();
                let cmd = $crate::Command::enable_extensions(&names)?;
                let reply = self.client.run(cmd)$($await)*?;
                $crate::typed::enable(reply, self.client.connection_mut())
            }

            /// IMAP4rev2 (RFC 9051) and UTF8=ACCEPT (RFC 6855), as far as the server
            /// offers them: sends `ENABLE IMAP4rev2 UTF8=ACCEPT` with those of the two it
            /// advertises and the session does not have yet, and nothing when there are
            /// none; returns what is in effect afterwards, as the server confirmed it in
            /// `* ENABLED` ([`Rev2Modes`]($crate::typed::Rev2Modes)). Dovecot 2.3 offers
            /// neither: nothing is sent and both stay off. Call it after login, before
            /// SELECT (ENABLE is for the authenticated state).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("let modes = imap.enable_rev2()", $aw, "?;")]
            #[doc = "if modes.rev2 {"]
            #[doc = "    // SEARCH is answered with ESEARCH (typed search reads it), no \\Recent,"]
            #[doc = "    // mailbox names are UTF-8 both ways."]
            #[doc = "}"]
            #[doc = concat!("imap.create(\"Entwürfe\")", $aw, "?; // UTF-8 or modified UTF-7, as the mode says")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn enable_rev2(&mut self) -> $crate::Result<$crate::typed::Rev2Modes> {
                let ask = $crate::typed::Rev2Modes::request(self.client.connection());
                if !ask.is_empty() {
                    let reply = self.client.run($crate::Command::enable_extensions(&ask)?)$($await)*?;
                    $crate::typed::enable(reply, self.client.connection_mut())?;
                }
                Ok($crate::typed::Rev2Modes::of(self.client.connection()))
            }

            /// `SELECT mailbox`: opens a mailbox read-write and returns its state
            /// ([`Mailbox`]($crate::typed::Mailbox): message count, flags, UIDVALIDITY,
            /// UIDNEXT, HIGHESTMODSEQ…). A mailbox that does not exist is a `Refused`
            /// error (code `NONEXISTENT` where the server sends one: Dovecot 2.3 sends a
            /// bare `NO Mailbox doesn't exist`), and no mailbox is selected.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let inbox = client.typed().select(\"INBOX\")", $aw, "?;")]
            #[doc = "println!(\"{} messages, next UID {:?}\", inbox.exists, inbox.uid_next);"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn select<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
            ) -> $crate::Result<$crate::typed::Mailbox> {
                let reply = self.client.run($crate::Command::select(mailbox, false)?)$($await)*?;
                $crate::typed::select(reply, self.client.connection())
            }

            /// `EXAMINE mailbox`: opens a mailbox read-only (flags are not changed by
            /// reading, `\Recent` is kept); the result has `read_only` set.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let archive = client.typed().examine(\"Archive\")", $aw, "?;")]
            #[doc = "assert!(archive.read_only);"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn examine<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
            ) -> $crate::Result<$crate::typed::Mailbox> {
                let reply = self.client.run($crate::Command::select(mailbox, true)?)$($await)*?;
                $crate::typed::select(reply, self.client.connection())
            }

            /// `SELECT mailbox (CONDSTORE)` (RFC 7162): [`select`](Self::select) with
            /// mod-sequences on for the session — the result has `highest_modseq` (or
            /// `no_modseq`), and FETCH responses for flag changes carry `MODSEQ`.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let inbox = client.typed().select_condstore(\"INBOX\")", $aw, "?;")]
            #[doc = "println!(\"HIGHESTMODSEQ {:?}\", inbox.highest_modseq);"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn select_condstore<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
            ) -> $crate::Result<$crate::typed::Mailbox> {
                let params = $crate::build::SelectParams::condstore();
                let reply = self.client.run($crate::Command::select_with(mailbox, &params)?)$($await)*?;
                $crate::typed::select(reply, self.client.connection())
            }

            /// `SELECT mailbox (QRESYNC (…))` (RFC 7162): opens the mailbox and returns, in
            /// one command, what changed since `saved`
            /// ([`Resync`]($crate::typed::Resync): expunged UIDs, changed flags, new UIDs,
            /// the state to save, or why a full resync is needed). QRESYNC must be enabled
            /// ([`enable`](Self::enable)`("QRESYNC")` after login); otherwise an error of
            /// reason `State(NotEnabled)` and nothing is sent. [`resync`](Self::resync)
            /// does all of this for you.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::typed::SyncState;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client, saved: SyncState) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("imap.enable(\"QRESYNC\")", $aw, "?;")]
            #[doc = concat!("let changes = imap.select_qresync(\"INBOX\", &saved)", $aw, "?;")]
            #[doc = "println!(\"gone: {}, changed: {}\", changes.vanished, changes.changed.len());"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn select_qresync<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
                saved: &$crate::typed::SyncState,
            ) -> $crate::Result<$crate::typed::Resync> {
                let params = $crate::build::SelectParams::qresync(saved.qresync());
                let reply = self.client.run($crate::Command::select_with(mailbox, &params)?)$($await)*?;
                $crate::typed::qresync(reply, self.client.connection_mut(), saved)
            }

            /// `EXAMINE mailbox (CONDSTORE)`: [`select_condstore`](Self::select_condstore)
            /// read-only.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let archive = client.typed().examine_condstore(\"Archive\")", $aw, "?;")]
            #[doc = "assert!(archive.read_only);"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn examine_condstore<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
            ) -> $crate::Result<$crate::typed::Mailbox> {
                let params = $crate::build::SelectParams::condstore();
                let reply = self.client.run($crate::Command::examine_with(mailbox, &params)?)$($await)*?;
                $crate::typed::select(reply, self.client.connection())
            }

            /// `EXAMINE mailbox (QRESYNC (…))`: [`select_qresync`](Self::select_qresync)
            /// read-only — what changed since `saved`, without the server changing
            /// anything for the reading (the result's mailbox has `read_only` set).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::typed::SyncState;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client, saved: SyncState) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("imap.enable(\"QRESYNC\")", $aw, "?;")]
            #[doc = concat!("let changes = imap.examine_qresync(\"Archive\", &saved)", $aw, "?;")]
            #[doc = "assert!(changes.mailbox.read_only);"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn examine_qresync<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
                saved: &$crate::typed::SyncState,
            ) -> $crate::Result<$crate::typed::Resync> {
                let params = $crate::build::SelectParams::qresync(saved.qresync());
                let reply = self.client.run($crate::Command::examine_with(mailbox, &params)?)$($await)*?;
                $crate::typed::qresync(reply, self.client.connection_mut(), saved)
            }

            /// Resynchronises a mailbox from the state saved when it was last in sync
            /// ([`SyncState`]($crate::typed::SyncState)): selects it and returns what
            /// changed since ([`Resync`]($crate::typed::Resync)) — UIDs expunged (ranges),
            /// messages whose flags changed (UID → flags, mod-sequence), new UIDs, the
            /// state to save once applied — or says that a full resync is needed
            /// (UIDVALIDITY changed, `NOMODSEQ`, no CONDSTORE).
            ///
            /// With QRESYNC this is one `SELECT … (QRESYNC …)` (and `ENABLE QRESYNC` the
            /// first time, when no mailbox is selected: ENABLE is not allowed after SELECT);
            /// with CONDSTORE only, `SELECT … (CONDSTORE)`, `UID FETCH 1:* (FLAGS)
            /// (CHANGEDSINCE m)` and `UID SEARCH UID known`: three round trips
            /// ([`Resyncer`]($crate::typed::Resyncer) has the details).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::typed::SyncState;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client, saved: SyncState) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("let changes = imap.resync(\"INBOX\", &saved)", $aw, "?;")]
            #[doc = "if let Some(why) = &changes.full_resync {"]
            #[doc = "    println!(\"full resync needed: {why:?}\");"]
            #[doc = "} else {"]
            #[doc = "    for uid in changes.vanished.iter() { /* delete the local copy */ }"]
            #[doc = "    for c in &changes.changed { println!(\"UID {} now {:?}\", c.uid, c.flags); }"]
            #[doc = "    let save = changes.state; // once applied"]
            #[doc = "}"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn resync<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
                saved: &$crate::typed::SyncState,
            ) -> $crate::Result<$crate::typed::Resync> {
                let sync = $crate::typed::Resyncer::new(mailbox, saved, self.client.connection())?;
                self.run_resync(sync)$($await)*
            }

            /// [`resync`](Self::resync) with `EXAMINE` in place of `SELECT`: the mailbox is
            /// opened read-only, so resynchronising changes nothing on the server (a
            /// mirror of a shared or archived mailbox, say); the result's mailbox has
            /// `read_only` set.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::typed::SyncState;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client, saved: SyncState) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let changes = client.typed().resync_examine(\"Archive\", &saved)", $aw, "?;")]
            #[doc = "assert!(changes.mailbox.read_only);"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn resync_examine<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
                saved: &$crate::typed::SyncState,
            ) -> $crate::Result<$crate::typed::Resync> {
                let sync = $crate::typed::Resyncer::new(mailbox, saved, self.client.connection())?.examine();
                self.run_resync(sync)$($await)*
            }

            /// Runs a SEARCH or SORT with `RETURN (…)`: its ESEARCH answer, matched to the
            /// command by tag ([`esearch_for`]($crate::typed::esearch_for)).
            $($async)* fn run_esearch(
                &mut self,
                cmd: $crate::Command,
            ) -> $crate::Result<$crate::typed::Esearch> {
                let (tag, reply) = self.client.run_tagged(cmd)$($await)*?;
                $crate::typed::esearch_for(&tag, reply, self.client.connection_mut())
            }

            /// Runs a [`Resyncer`]($crate::typed::Resyncer)'s commands to its result.
            $($async)* fn run_resync(
                &mut self,
                mut sync: $crate::typed::Resyncer,
            ) -> $crate::Result<$crate::typed::Resync> {
                while let Some(cmd) = sync.next_command()? {
                    let reply = self.client.run(cmd)$($await)*?;
                    sync.answer(reply, self.client.connection_mut())?;
                }
                sync.finish()
            }

            /// `CREATE mailbox`. An existing one is a `Refused` error (`ALREADYEXISTS`).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::Reason;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("match client.typed().create(\"Receipts/2026\")", $aw, " {")]
            #[doc = "    Err(e) if matches!(e.reason(), Reason::Refused(r) if r.code_name() == Some(\"ALREADYEXISTS\")) => {}"]
            #[doc = "    other => other?,"]
            #[doc = "}"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn create<'t>(&mut self, mailbox: impl Into<$crate::Text<'t>>) -> $crate::Result<()> {
                self.done($crate::Command::create(mailbox))$($await)*
            }

            /// CREATE-SPECIAL-USE (RFC 6154): `CREATE mailbox (USE (\\Sent …))`. Needs the
            /// `CREATE-SPECIAL-USE` capability (an `Unsupported` error otherwise, before
            /// anything is sent: Dovecot 2.3 does not advertise it, answers OK and stores
            /// nothing). A server that cannot give the use refuses with `USEATTR`.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::typed::SpecialUse;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().create_special_use(\"Sent Items\", &[SpecialUse::Sent])", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn create_special_use<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
                uses: &[$crate::typed::SpecialUse],
            ) -> $crate::Result<()> {
                self.done($crate::Command::create_special_use(mailbox, uses))$($await)*
            }

            /// `DELETE mailbox`.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().delete(\"Old stuff\")", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn delete<'t>(&mut self, mailbox: impl Into<$crate::Text<'t>>) -> $crate::Result<()> {
                self.done($crate::Command::delete(mailbox))$($await)*
            }

            /// `RENAME old new`.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().rename(\"Projects/2025\", \"Archive/2025\")", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn rename<'t>(
                &mut self,
                old: impl Into<$crate::Text<'t>>,
                new: impl Into<$crate::Text<'t>>,
            ) -> $crate::Result<()> {
                self.done($crate::Command::rename(old, new))$($await)*
            }

            /// `SUBSCRIBE mailbox`.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().subscribe(\"Lists/rust-users\")", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn subscribe<'t>(&mut self, mailbox: impl Into<$crate::Text<'t>>) -> $crate::Result<()> {
                self.done($crate::Command::subscribe(mailbox))$($await)*
            }

            /// `UNSUBSCRIBE mailbox`.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().unsubscribe(\"Lists/rust-users\")", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn unsubscribe<'t>(&mut self, mailbox: impl Into<$crate::Text<'t>>) -> $crate::Result<()> {
                self.done($crate::Command::unsubscribe(mailbox))$($await)*
            }

            /// `LIST reference pattern`: the mailboxes whose names match `pattern` (`*`
            /// matches anything, `%` anything but the hierarchy delimiter), with their
            /// attributes and special use, names decoded (modified UTF-7, or UTF-8 after
            /// `ENABLE UTF8=ACCEPT`).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("for entry in client.typed().list(\"\", \"*\")", $aw, "? {")]
            #[doc = "    println!(\"{} {:?}\", entry.name, entry.special_use());"]
            #[doc = "}"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn list<'t>(
                &mut self,
                reference: impl Into<$crate::Text<'t>>,
                pattern: impl Into<$crate::Text<'t>>,
            ) -> $crate::Result<Vec<$crate::typed::ListEntry>> {
                let cmd = $crate::Command::list(Some(reference.into()), Some(pattern.into()))?;
                let reply = self.client.run(cmd)$($await)*?;
                $crate::typed::list(reply, self.client.connection().utf8_enabled())
            }

            /// Extended LIST (LIST-EXTENDED, LIST-STATUS, SPECIAL-USE):
            /// `LIST (selection) reference (patterns…) RETURN (…)` with
            /// [`ListOptions`]($crate::build::ListOptions); each entry carries its
            /// [`status`]($crate::typed::ListEntry::status) when STATUS was asked for.
            /// Options the server does not announce are an `Unsupported` error.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{ListOptions, StatusItem};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let opts = ListOptions::new().return_children().return_status([StatusItem::Unseen]);"]
            #[doc = concat!("for entry in client.typed().list_extended(\"\", [\"*\"], &opts)", $aw, "? {")]
            #[doc = "    println!(\"{} {:?}\", entry.name, entry.status.and_then(|s| s.unseen));"]
            #[doc = "}"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn list_extended<'t, T: Into<$crate::Text<'t>>>(
                &mut self,
                reference: impl Into<$crate::Text<'t>>,
                patterns: impl IntoIterator<Item = T>,
                options: &$crate::build::ListOptions,
            ) -> $crate::Result<Vec<$crate::typed::ListEntry>> {
                let cmd = $crate::Command::list_extended(reference, patterns, options)?;
                let reply = self.client.run(cmd)$($await)*?;
                $crate::typed::list_extended(reply, self.client.connection_mut())
            }

            /// `LSUB reference pattern`: like [`list`](Self::list), the subscribed mailboxes.
            /// In IMAP4rev2 mode, which has no LSUB (RFC 9051 Appendix E), it sends
            /// `LIST (SUBSCRIBED) reference pattern` instead — the same mailboxes as
            /// entries of the same type, each marked `\Subscribed` — rather than refuse
            /// a question the server can answer.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let subscribed = client.typed().lsub(\"\", \"*\")", $aw, "?;")]
            #[doc = "let names: Vec<&str> = subscribed.iter().map(|e| e.name.as_str()).collect();"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn lsub<'t>(
                &mut self,
                reference: impl Into<$crate::Text<'t>>,
                pattern: impl Into<$crate::Text<'t>>,
            ) -> $crate::Result<Vec<$crate::typed::ListEntry>> {
                if self.client.connection().rev2() {
                    let opts = $crate::build::ListOptions::new().select_subscribed();
                    let cmd = $crate::Command::list_extended(reference, [pattern], &opts)?;
                    let reply = self.client.run(cmd)$($await)*?;
                    return $crate::typed::list_extended(reply, self.client.connection_mut());
                }
                let cmd = $crate::Command::lsub(Some(reference.into()), Some(pattern.into()))?;
                let reply = self.client.run(cmd)$($await)*?;
                $crate::typed::list(reply, self.client.connection().utf8_enabled())
            }

            /// `STATUS mailbox (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)`: a mailbox's
            /// counters without selecting it. In IMAP4rev2 mode, which has no RECENT,
            /// `(MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE)` (both base items of
            /// RFC 9051). [`status_items`](Self::status_items) asks for others (`SIZE`,
            /// `DELETED`, `HIGHESTMODSEQ`).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let status = client.typed().status(\"INBOX\")", $aw, "?;")]
            #[doc = "println!(\"{:?} unseen of {:?}\", status.unseen, status.messages);"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn status<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
            ) -> $crate::Result<$crate::typed::MailboxStatus> {
                let items = if self.client.connection().rev2() {
                    "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE)"
                } else {
                    "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)"
                };
                self.status_items(mailbox, items)$($await)*
            }

            /// `STATUS mailbox (items)` with the items given, e.g. `"(MESSAGES SIZE)"`.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let status = client.typed().status_items(\"INBOX\", \"(MESSAGES SIZE)\")", $aw, "?;")]
            #[doc = "println!(\"{:?} messages, {:?} bytes\", status.messages, status.size);"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn status_items<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
                items: &str,
            ) -> $crate::Result<$crate::typed::MailboxStatus> {
                let reply = self.client.run($crate::Command::status(mailbox, items)?)$($await)*?;
                $crate::typed::status(reply, self.client.connection().utf8_enabled())
            }

            /// `GETMETADATA` (RFC 5464): the values of `entries` of `mailbox` (`""` for the
            /// server), with [`MetadataOptions`]($crate::build::MetadataOptions) for
            /// `MAXSIZE` and `DEPTH`. Entries without a value are `None`.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{Depth, MetadataOptions};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let opts = MetadataOptions::new().depth(Depth::Infinity).max_size(4096);"]
            #[doc = concat!("let md = client.typed().get_metadata(\"INBOX\", &[\"/private\"], &opts)", $aw, "?;")]
            #[doc = "for e in &md.entries { println!(\"{} = {:?}\", e.name, e.value); }"]
            #[doc = "if let Some(n) = md.long_entries { println!(\"values up to {n} bytes left out\"); }"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn get_metadata<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
                entries: &[&str],
                options: &$crate::build::MetadataOptions,
            ) -> $crate::Result<$crate::typed::MetadataValues> {
                let reply = self.client.run($crate::Command::getmetadata(mailbox, entries, options)?)$($await)*?;
                $crate::typed::metadata(reply, self.client.connection().utf8_enabled())
            }

            /// `SETMETADATA` (RFC 5464): sets entries of `mailbox` (`""` for the server);
            /// `None` deletes an entry. Values with CR, LF or 8-bit bytes go as literals. A
            /// refusal is an error whose code may be `[METADATA MAXSIZE n]`,
            /// `[METADATA TOOMANY]` or `[METADATA NOPRIVATE]`
            /// ([`Code::Metadata`]($crate::parse::Code::Metadata)).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().set_metadata(\"INBOX\", &[(\"/private/comment\", Some(&b\"my inbox\"[..]))])", $aw, "?;")]
            #[doc = concat!("client.typed().set_metadata(\"INBOX\", &[(\"/private/comment\", None)])", $aw, "?; // deleted")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn set_metadata<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
                entries: &[(&str, Option<&[u8]>)],
            ) -> $crate::Result<()> {
                self.done($crate::Command::setmetadata(mailbox, entries))$($await)*
            }

            /// `NOTIFY SET [STATUS] (group) …` (RFC 5465): asks the server to report changes
            /// to the mailboxes of `groups` unsolicited. They arrive at any time but are
            /// only seen when the client reads: wait in IDLE (Dovecot notifies during IDLE)
            /// and turn each update into [`Event`]($crate::typed::Event)s with
            /// [`typed::events`]($crate::typed::events), or poll with NOOP and
            /// [`typed::take_events`]($crate::typed::take_events). An unsupported event is
            /// a refusal with code `BADEVENT`.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::{build::EventGroup, typed};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let group = EventGroup::personal().message_new().message_expunge().mailbox_name();"]
            #[doc = concat!("client.typed().notify(false, &[group])", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn notify(
                &mut self,
                status: bool,
                groups: &[$crate::build::EventGroup],
            ) -> $crate::Result<()> {
                self.done($crate::Command::notify_set(status, groups))$($await)*
            }

            /// `NOTIFY NONE` (RFC 5465): no more notifications.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().notify_none()", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn notify_none(&mut self) -> $crate::Result<()> {
                self.done(Ok($crate::Command::notify_none()))$($await)*
            }

            /// `SEARCH key`: the sequence numbers of the messages of the selected mailbox
            /// that match ([`SearchKey`]($crate::build::SearchKey): strings quoted or sent
            /// as literals, 8-bit text with `CHARSET UTF-8`). The set goes straight into
            /// [`fetch`](Self::fetch), [`store`](Self::store), [`copy`](Self::copy),
            /// [`mv`](Self::mv). An unknown key or charset is a `Refused` error. In
            /// IMAP4rev2 mode the answer is the ESEARCH carrying the command's tag, read as
            /// the same set, ranges kept as sent (`1:4294967295` stays one range); the
            /// RECENT, NEW and OLD keys are refused before sending there; in UTF-8 mode no
            /// `CHARSET` is sent.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{FetchAttr, SearchKey};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("let unseen = imap.search(&(SearchKey::unseen() & SearchKey::from(\"boss@example.org\")))", $aw, "?;")]
            #[doc = concat!("let messages = imap.fetch(&unseen, FetchAttr::envelope())", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn search(
                &mut self,
                key: &$crate::build::SearchKey,
            ) -> $crate::Result<$crate::SequenceSet> {
                let reply = self.client.run($crate::Command::search_with(key)?.keep_ranges())$($await)*?;
                $crate::typed::search(reply)
            }

            /// `UID SEARCH key`: like [`search`](Self::search), the UIDs.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::SearchKey;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("imap.select(\"INBOX\")", $aw, "?;")]
            #[doc = concat!("let flagged = imap.uid_search(&SearchKey::flagged())", $aw, "?;")]
            #[doc = "let max = flagged.iter().max(); // UIDs stay valid while UIDVALIDITY does"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn uid_search(
                &mut self,
                key: &$crate::build::SearchKey,
            ) -> $crate::Result<$crate::SequenceSet> {
                let reply = self.client.run($crate::Command::uid_search_with(key)?.keep_ranges())$($await)*?;
                $crate::typed::search(reply)
            }

            /// ESEARCH (RFC 4731) / SEARCHRES (RFC 5182): `SEARCH RETURN (…) key` →
            /// [`Esearch`]($crate::typed::Esearch) (`min`, `max`, `count`, `all` as asked
            /// for). With [`SearchReturn::save`]($crate::build::SearchReturn::save) the
            /// result is saved as `$` ([`SequenceSet::saved`]($crate::SequenceSet::saved)),
            /// which later commands take as a set.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{SearchKey, SearchReturn};")]
            #[doc = concat!("use ", $krate, "::proto::SequenceSet;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("let found = imap.esearch(&SearchKey::unseen(), &SearchReturn::new().count().max().save())", $aw, "?;")]
            #[doc = "println!(\"{:?} unseen, the last {:?}\", found.count, found.max);"]
            #[doc = concat!("imap.fetch(SequenceSet::saved(), [", $krate, "::proto::build::FetchAttr::envelope()])", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn esearch(
                &mut self,
                key: &$crate::build::SearchKey,
                ret: &$crate::build::SearchReturn,
            ) -> $crate::Result<$crate::typed::Esearch> {
                self.run_esearch($crate::Command::search_return(key, ret)?)$($await)*
            }

            /// CONTEXT=SEARCH (RFC 5267): the updates of live searches
            /// ([`SearchReturn::update`]($crate::build::SearchReturn::update)) that arrived
            /// with earlier commands' answers (a [`noop`](Self::noop), say), in order: each
            /// an [`Esearch`]($crate::typed::Esearch) with its `tag` and its `addto` /
            /// `removefrom` changes. Sends nothing.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{SearchKey, SearchReturn};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("let live = imap.uid_esearch(&SearchKey::unseen(), &SearchReturn::new().all().update())", $aw, "?;")]
            #[doc = concat!("imap.noop()", $aw, "?;")]
            #[doc = concat!("for update in imap.search_updates()? {")]
            #[doc = "    for added in &update.addto { println!(\"new unseen: {}\", added.set); }"]
            #[doc = "}"]
            #[doc = "let tag = live.tag.unwrap_or_default();"]
            #[doc = concat!("imap.cancel_update(&[tag.as_str()])", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub fn search_updates(&mut self) -> $crate::Result<Vec<$crate::typed::Esearch>> {
                $crate::typed::search_updates(self.client.connection_mut())
            }

            /// `CANCELUPDATE "tag" …` (RFC 5267): ends the live searches started under these
            /// tags ([`Esearch::tag`]($crate::typed::Esearch::tag)); a tag the server does
            /// not know is a `Refused` error. Needs `CONTEXT=SEARCH` (an `Unsupported`
            /// error otherwise, before anything is sent).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{SearchKey, SearchReturn};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("let live = imap.esearch(&SearchKey::flagged(), &SearchReturn::new().count().update())", $aw, "?;")]
            #[doc = concat!("imap.cancel_update(&[live.tag.as_deref().unwrap_or_default()])", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn cancel_update(&mut self, tags: &[&str]) -> $crate::Result<()> {
                self.done($crate::Command::cancel_update(tags))$($await)*
            }

            /// `UID SEARCH RETURN (…) key`: [`esearch`](Self::esearch) by UID.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{SearchKey, SearchReturn};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let found = client.typed().uid_esearch(&SearchKey::younger(3600), &SearchReturn::new().min().max())", $aw, "?;")]
            #[doc = "println!(\"UIDs {:?} to {:?}\", found.min, found.max);"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn uid_esearch(
                &mut self,
                key: &$crate::build::SearchKey,
                ret: &$crate::build::SearchReturn,
            ) -> $crate::Result<$crate::typed::Esearch> {
                self.run_esearch($crate::Command::uid_search_return(key, ret)?)$($await)*
            }

            /// ESORT (RFC 5267): `SORT RETURN (…) (criteria) UTF-8 key` →
            /// [`Esearch`]($crate::typed::Esearch); `all` holds the matches in sort order
            /// (its ranges as the server sent them).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{SearchKey, SearchReturn, SortKey};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let sorted = client.typed().esort(&[SortKey::Subject.into()], &SearchKey::all(), &SearchReturn::new().all())", $aw, "?;")]
            #[doc = "println!(\"{:?}\", sorted.all);"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn esort(
                &mut self,
                criteria: &[$crate::build::SortCriterion],
                key: &$crate::build::SearchKey,
                ret: &$crate::build::SearchReturn,
            ) -> $crate::Result<$crate::typed::Esearch> {
                self.run_esearch($crate::Command::sort_return(criteria, key, ret)?)$($await)*
            }

            /// `UID SORT RETURN (…) (criteria) UTF-8 key`: [`esort`](Self::esort) by UID.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{SearchKey, SearchReturn, SortKey};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let sorted = client.typed().uid_esort(&[SortKey::Date.into()], &SearchKey::all(), &SearchReturn::new().min())", $aw, "?;")]
            #[doc = "println!(\"oldest by Date: UID {:?}\", sorted.min);"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn uid_esort(
                &mut self,
                criteria: &[$crate::build::SortCriterion],
                key: &$crate::build::SearchKey,
                ret: &$crate::build::SearchReturn,
            ) -> $crate::Result<$crate::typed::Esearch> {
                self.run_esearch($crate::Command::uid_sort_return(criteria, key, ret)?)$($await)*
            }

            /// `FETCH set (attributes)`: the messages, each a parsed
            /// [`Fetch`]($crate::parse::Fetch) (`envelope()`, `flags()`, `uid()`,
            /// `body()`, `size()`, `internal_date()`…), in the order the server sent them.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{FetchAttr, Section};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("let inbox = imap.select(\"INBOX\")", $aw, "?;")]
            #[doc = "let newest = inbox.exists.saturating_sub(9).max(1)..=inbox.exists;"]
            #[doc = "let attrs = [FetchAttr::envelope(), FetchAttr::body_peek(Section::header_fields([\"List-Id\"])?)];"]
            #[doc = concat!("for message in &imap.fetch(newest, attrs)", $aw, "? {")]
            #[doc = "    let message = message?;"]
            #[doc = "    println!(\"{:?}\", message.envelope().and_then(|e| e.subject_text()));"]
            #[doc = "}"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn fetch(
                &mut self,
                set: impl $crate::IntoSequenceSet,
                attrs: impl Into<$crate::build::FetchAttrs>,
            ) -> $crate::Result<$crate::typed::Messages> {
                if set.is_empty_set() {
                    return $crate::typed::fetch($crate::Reply::new("OK", Vec::new()));
                }
                let reply = self.client.run($crate::Command::fetch_with(set, attrs)?)$($await)*?;
                $crate::typed::fetch(reply)
            }

            /// `UID FETCH set (attributes)`: like [`fetch`](Self::fetch), by UID (each
            /// message's `uid()` is set).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::FetchAttr;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("imap.select(\"INBOX\")", $aw, "?;")]
            #[doc = concat!("for message in &imap.uid_fetch(4711..=4720, [FetchAttr::flags(), FetchAttr::rfc822_size()])", $aw, "? {")]
            #[doc = "    let message = message?;"]
            #[doc = "    println!(\"UID {:?}: {:?} bytes\", message.uid(), message.size());"]
            #[doc = "}"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn uid_fetch(
                &mut self,
                set: impl $crate::IntoSequenceSet,
                attrs: impl Into<$crate::build::FetchAttrs>,
            ) -> $crate::Result<$crate::typed::Messages> {
                if set.is_empty_set() {
                    return $crate::typed::fetch($crate::Reply::new("OK", Vec::new()));
                }
                let reply = self.client.run($crate::Command::uid_fetch_with(set, attrs)?)$($await)*?;
                $crate::typed::fetch(reply)
            }

            /// `STORE set change`: adds, removes or replaces flags
            /// ([`StoreFlags`]($crate::build::StoreFlags)); the messages' new flags, unless
            /// the change is `.silent()`.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{Flag, StoreFlags};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().store(\"1:3\", &StoreFlags::add([Flag::Seen, Flag::keyword(\"$Done\")?]))", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn store(
                &mut self,
                set: impl $crate::IntoSequenceSet,
                change: &$crate::build::StoreFlags,
            ) -> $crate::Result<$crate::typed::Messages> {
                if set.is_empty_set() {
                    return $crate::typed::fetch($crate::Reply::new("OK", Vec::new()));
                }
                let reply = self.client.run($crate::Command::store_with(set, change)?)$($await)*?;
                $crate::typed::fetch(reply)
            }

            /// `UID STORE set change`: like [`store`](Self::store), by UID.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{Flag, StoreFlags};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().uid_store(4711, &StoreFlags::remove([Flag::Seen]).silent())", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn uid_store(
                &mut self,
                set: impl $crate::IntoSequenceSet,
                change: &$crate::build::StoreFlags,
            ) -> $crate::Result<$crate::typed::Messages> {
                if set.is_empty_set() {
                    return $crate::typed::fetch($crate::Reply::new("OK", Vec::new()));
                }
                let reply = self.client.run($crate::Command::uid_store_with(set, change)?)$($await)*?;
                $crate::typed::fetch(reply)
            }

            /// `FETCH set (attributes) (CHANGEDSINCE modseq)` (CONDSTORE): like
            /// [`fetch`](Self::fetch), only the messages whose mod-sequence is above
            /// `modseq`, each with its `modseq()`. `modseq` must be 1 to 2⁶³−1.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::FetchAttr;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client, last_modseq: u64) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("imap.select_condstore(\"INBOX\")", $aw, "?;")]
            #[doc = concat!("for m in &imap.fetch_changed_since(1.., FetchAttr::flags(), last_modseq)", $aw, "? {")]
            #[doc = "    let m = m?;"]
            #[doc = "    println!(\"{} {:?} {:?}\", m.seq, m.flags(), m.modseq());"]
            #[doc = "}"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn fetch_changed_since(
                &mut self,
                set: impl $crate::IntoSequenceSet,
                attrs: impl Into<$crate::build::FetchAttrs>,
                modseq: u64,
            ) -> $crate::Result<$crate::typed::Messages> {
                if set.is_empty_set() {
                    return $crate::typed::fetch($crate::Reply::new("OK", Vec::new()));
                }
                let reply = self.client.run($crate::Command::fetch_changed_since(set, attrs, modseq)?)$($await)*?;
                $crate::typed::fetch(reply)
            }

            /// `UID FETCH set (attributes) (CHANGEDSINCE modseq)`: like
            /// [`fetch_changed_since`](Self::fetch_changed_since), by UID.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::FetchAttr;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let changed = client.typed().uid_fetch_changed_since(1.., FetchAttr::flags(), 620162338)", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn uid_fetch_changed_since(
                &mut self,
                set: impl $crate::IntoSequenceSet,
                attrs: impl Into<$crate::build::FetchAttrs>,
                modseq: u64,
            ) -> $crate::Result<$crate::typed::Messages> {
                if set.is_empty_set() {
                    return $crate::typed::fetch($crate::Reply::new("OK", Vec::new()));
                }
                let reply = self.client.run($crate::Command::uid_fetch_changed_since(set, attrs, modseq)?)$($await)*?;
                $crate::typed::fetch(reply)
            }

            /// `UID FETCH set (attributes) (CHANGEDSINCE modseq VANISHED)` (QRESYNC): the
            /// messages of the set changed since `modseq`, and the UIDs of the set expunged
            /// since ([`Changes`]($crate::typed::Changes)). QRESYNC must be enabled.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::FetchAttr;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client, known: ", $krate, "::proto::SequenceSet) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let changes = client.typed().uid_fetch_vanished(&known, FetchAttr::flags(), 620162338)", $aw, "?;")]
            #[doc = "println!(\"gone: {}\", changes.vanished);"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn uid_fetch_vanished(
                &mut self,
                set: impl $crate::IntoSequenceSet,
                attrs: impl Into<$crate::build::FetchAttrs>,
                modseq: u64,
            ) -> $crate::Result<$crate::typed::Changes> {
                if set.is_empty_set() {
                    return Ok(Default::default());
                }
                let reply = self.client.run($crate::Command::uid_fetch_vanished(set, attrs, modseq)?)$($await)*?;
                $crate::typed::fetch_vanished(reply, self.client.connection_mut())
            }

            /// Runs a STORE with `UNCHANGEDSINCE` and returns its [`Stored`]($crate::typed::Stored),
            /// reporting this command's `MODIFIED` only: one left in the store by an earlier
            /// command is set aside and put back.
            $($async)* fn store_conditional(
                &mut self,
                cmd: $crate::Command,
            ) -> $crate::Result<$crate::typed::Stored> {
                let stale = self.client.connection_mut().response("MODIFIED");
                let result = self.client.run(cmd)$($await)*;
                let stored = match result {
                    Ok(reply) => $crate::typed::conditional_store(reply, self.client.connection_mut()),
                    Err(e) => Err(e),
                };
                if stale.data.iter().any(|i| !i.is_none()) {
                    self.client.connection_mut().restore_unsolicited(stale)?;
                }
                stored
            }

            /// `STORE set (UNCHANGEDSINCE modseq) change` (CONDSTORE): changes the flags of
            /// the messages not modified since `modseq` (0 to 2⁶³−1) and returns their new
            /// flags and the `MODIFIED` set of those left alone
            /// ([`Stored`]($crate::typed::Stored)): a non-empty set is a partial failure
            /// (another client changed them; fetch them again and decide anew).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{Flag, StoreFlags};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client, seen_at: u64) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let stored = client.typed().store_unchanged_since(\"1:3\", &StoreFlags::add([Flag::Answered]), seen_at)", $aw, "?;")]
            #[doc = "if !stored.all_stored() { println!(\"changed meanwhile: {}\", stored.modified); }"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn store_unchanged_since(
                &mut self,
                set: impl $crate::IntoSequenceSet,
                change: &$crate::build::StoreFlags,
                modseq: u64,
            ) -> $crate::Result<$crate::typed::Stored> {
                if set.is_empty_set() {
                    return Ok(Default::default());
                }
                let cmd = $crate::Command::store_unchanged_since(set, change, modseq)?;
                self.store_conditional(cmd)$($await)*
            }

            /// `UID STORE set (UNCHANGEDSINCE modseq) change`: like
            /// [`store_unchanged_since`](Self::store_unchanged_since), by UID (`modified`
            /// holds UIDs).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{Flag, StoreFlags};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let stored = client.typed().uid_store_unchanged_since(4711, &StoreFlags::add([Flag::Seen]), 12)", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn uid_store_unchanged_since(
                &mut self,
                set: impl $crate::IntoSequenceSet,
                change: &$crate::build::StoreFlags,
                modseq: u64,
            ) -> $crate::Result<$crate::typed::Stored> {
                if set.is_empty_set() {
                    return Ok(Default::default());
                }
                let cmd = $crate::Command::uid_store_unchanged_since(set, change, modseq)?;
                self.store_conditional(cmd)$($await)*
            }

            /// `COPY set mailbox`: the `COPYUID` (UIDPLUS) pairing source and new UIDs,
            /// when the server sends one. A missing target is a `Refused` error with code
            /// `TRYCREATE`.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("imap.select(\"INBOX\")", $aw, "?;")]
            #[doc = concat!("if let Some(copied) = imap.copy(\"1:3\", \"Archive\")", $aw, "? {")]
            #[doc = "    for (old, new) in copied.pairs() { println!(\"UID {old} is {new} in Archive\"); }"]
            #[doc = "}"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn copy<'t>(
                &mut self,
                set: impl $crate::IntoSequenceSet,
                mailbox: impl Into<$crate::Text<'t>>,
            ) -> $crate::Result<Option<$crate::typed::CopyUid>> {
                if set.is_empty_set() {
                    return Ok(None);
                }
                let reply = self.client.run($crate::Command::copy(set, mailbox)?)$($await)*?;
                $crate::typed::copy(reply)
            }

            /// `UID COPY set mailbox`: like [`copy`](Self::copy), by UID.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().uid_copy(&[4711u32, 4713][..], \"Archive\")", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn uid_copy<'t>(
                &mut self,
                set: impl $crate::IntoSequenceSet,
                mailbox: impl Into<$crate::Text<'t>>,
            ) -> $crate::Result<Option<$crate::typed::CopyUid>> {
                if set.is_empty_set() {
                    return Ok(None);
                }
                let reply = self.client.run($crate::Command::uid_copy(set, mailbox)?)$($await)*?;
                $crate::typed::copy(reply)
            }

            /// `MOVE set mailbox` (RFC 6851): the COPYUID and the expunges it caused
            /// ([`Moved`]($crate::typed::Moved)). (`move` is a Rust keyword, hence `mv`.)
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::{build::SearchKey, chrono::NaiveDate};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = "let new_year = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();"]
            #[doc = concat!("let old = imap.uid_search(&SearchKey::before(new_year))", $aw, "?;")]
            #[doc = concat!("let moved = imap.uid_mv(&old, \"Archive\")", $aw, "?;")]
            #[doc = "if let Some(uids) = moved.copy_uid { println!(\"now UIDs {} in Archive\", uids.dest); }"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn mv<'t>(
                &mut self,
                set: impl $crate::IntoSequenceSet,
                mailbox: impl Into<$crate::Text<'t>>,
            ) -> $crate::Result<$crate::typed::Moved> {
                if set.is_empty_set() {
                    return Ok(Default::default());
                }
                let reply = self.client.run($crate::Command::r#move(set, mailbox)?)$($await)*?;
                $crate::typed::mv(reply, self.client.connection_mut())
            }

            /// `UID MOVE set mailbox`: like [`mv`](Self::mv), by UID.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("let moved = client.typed().uid_mv(4711..=4720, \"Archive\")", $aw, "?;")]
            #[doc = "println!(\"{} messages left the mailbox\", moved.expunged.seqs.len());"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn uid_mv<'t>(
                &mut self,
                set: impl $crate::IntoSequenceSet,
                mailbox: impl Into<$crate::Text<'t>>,
            ) -> $crate::Result<$crate::typed::Moved> {
                if set.is_empty_set() {
                    return Ok(Default::default());
                }
                let reply = self.client.run($crate::Command::uid_move(set, mailbox)?)$($await)*?;
                $crate::typed::mv(reply, self.client.connection_mut())
            }

            /// `APPEND mailbox (flags) date message`: adds a message (CRLF line ends; bare
            /// LF is sent as is) and returns its `APPENDUID` (UIDPLUS) when the server sends
            /// one. `date` is the internal date (the server's clock when `None`). A missing
            /// mailbox is a `Refused` error with code `TRYCREATE`.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::Flag;")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let message = b\"From: jane@example.org\\r\\nSubject: Notes\\r\\n\\r\\nHello\\r\\n\";"]
            #[doc = concat!("let uid = client.typed().append(\"Drafts\", &[Flag::Draft], None, message)", $aw, "?;")]
            #[doc = "println!(\"stored as UID {:?}\", uid.and_then(|u| u.uid()));"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn append<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
                flags: &[$crate::build::Flag],
                date: Option<$crate::chrono::DateTime<$crate::chrono::FixedOffset>>,
                message: &[u8],
            ) -> $crate::Result<Option<$crate::typed::AppendUid>> {
                let cmd = $crate::Command::append_with(mailbox, flags, date, message)?;
                let reply = self.client.run(cmd)$($await)*?;
                $crate::typed::append(reply)
            }

            /// MULTIAPPEND (RFC 3502): `APPEND mailbox` with several messages, each with
            /// its flags and date ([`AppendMessage`]($crate::build::AppendMessage)), stored
            /// all or none; their `APPENDUID` (UIDPLUS), one UID per message in order. More
            /// than one message needs the `MULTIAPPEND` capability (an `Unsupported` error
            /// otherwise, before anything is sent).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{AppendMessage, Flag};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let messages = ["]
            #[doc = "    AppendMessage::new(b\"Subject: one\\r\\n\\r\\n1\\r\\n\").flags([Flag::Seen]),"]
            #[doc = "    AppendMessage::new(b\"Subject: two\\r\\n\\r\\n2\\r\\n\"),"]
            #[doc = "];"]
            #[doc = concat!("let stored = client.typed().append_many(\"Archive\", &messages)", $aw, "?;")]
            #[doc = "println!(\"UIDs {:?}\", stored.map(|s| s.uids.to_string()));"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn append_many<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
                messages: &[$crate::build::AppendMessage<'_>],
            ) -> $crate::Result<Option<$crate::typed::AppendUid>> {
                let cmd = $crate::Command::append_many(mailbox, messages)?;
                let reply = self.client.run(cmd)$($await)*?;
                $crate::typed::append(reply)
            }

            /// CATENATE (RFC 4469): `APPEND mailbox … CATENATE (TEXT … URL …)` — the server
            /// builds the message from text and parts of messages it holds
            /// ([`CatenateMessage`]($crate::build::CatenateMessage),
            /// [`ImapUrl`]($crate::build::ImapUrl)); its `APPENDUID` (UIDPLUS). A URL the
            /// server cannot use is a `Refused` error with
            /// [`Code::BadUrl`]($crate::parse::Code::BadUrl); without `CATENATE`
            /// advertised, an `Unsupported` error before anything is sent.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{CatenateMessage, ImapUrl};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("let inbox = imap.select(\"INBOX\")", $aw, "?;")]
            #[doc = "let body = ImapUrl::message(\"INBOX\", inbox.uid_validity, 42)?.section(\"TEXT\")?;"]
            #[doc = "let forward = CatenateMessage::new().text(b\"Subject: Fwd: report\\r\\n\\r\\n\").url(body);"]
            #[doc = concat!("let stored = imap.append_catenate(\"Drafts\", &forward)", $aw, "?;")]
            #[doc = "println!(\"{:?}\", stored.map(|s| s.uids.to_string()));"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn append_catenate<'t>(
                &mut self,
                mailbox: impl Into<$crate::Text<'t>>,
                message: &$crate::build::CatenateMessage<'_>,
            ) -> $crate::Result<Option<$crate::typed::AppendUid>> {
                let cmd = $crate::Command::append_catenate(mailbox, message)?;
                let reply = self.client.run(cmd)$($await)*?;
                $crate::typed::append(reply)
            }

            /// `EXPUNGE`: removes the messages flagged `\Deleted` from the selected mailbox;
            /// the sequence numbers the server reported ([`Expunged`]($crate::typed::Expunged)).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{Flag, StoreFlags};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("imap.select(\"INBOX\")", $aw, "?;")]
            #[doc = concat!("imap.store(\"2:3\", &StoreFlags::add([Flag::Deleted]))", $aw, "?;")]
            #[doc = concat!("let gone = imap.expunge()", $aw, "?;")]
            #[doc = "assert_eq!(gone.seqs, [2, 2]); // each number counts after the ones before"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn expunge(&mut self) -> $crate::Result<$crate::typed::Expunged> {
                let reply = self.client.run($crate::Command::expunge())$($await)*?;
                $crate::typed::expunge(reply, self.client.connection_mut())
            }

            /// `UID EXPUNGE set` (UIDPLUS): expunges only those `\Deleted` messages.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("use ", $krate, "::proto::build::{Flag, StoreFlags};")]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("imap.uid_store(4711, &StoreFlags::add([Flag::Deleted]))", $aw, "?;")]
            #[doc = concat!("imap.uid_expunge(4711)", $aw, "?; // other \\\\Deleted messages stay")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn uid_expunge(
                &mut self,
                set: impl $crate::IntoSequenceSet,
            ) -> $crate::Result<$crate::typed::Expunged> {
                if set.is_empty_set() {
                    return Ok(Default::default());
                }
                let reply = self.client.run($crate::Command::uid_expunge(set)?)$($await)*?;
                $crate::typed::expunge(reply, self.client.connection_mut())
            }

            /// `NOOP`: lets the server report changes (they wait in the untagged store).
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = "let mut imap = client.typed();"]
            #[doc = concat!("imap.noop()", $aw, "?;")]
            #[doc = "let news = imap.client().response(\"EXISTS\"); // what the server reported meanwhile"]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn noop(&mut self) -> $crate::Result<()> {
                self.done(Ok($crate::Command::noop()))$($await)*
            }

            /// `CHECK`: a checkpoint of the selected mailbox. In IMAP4rev2 mode, which
            /// removed CHECK (RFC 9051 Appendix E: "use NOOP"), it sends `NOOP`: the
            /// checkpoint the server now makes on its own, and a chance to report changes.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().check()", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn check(&mut self) -> $crate::Result<()> {
                if self.client.connection().rev2() {
                    return self.done(Ok($crate::Command::noop()))$($await)*;
                }
                self.done(Ok($crate::Command::check()))$($await)*
            }

            /// `CLOSE`: expunges silently and leaves the selected mailbox.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().close()", $aw, "?; // \\\\Deleted messages are gone")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn close(&mut self) -> $crate::Result<()> {
                self.done(Ok($crate::Command::close()))$($await)*
            }

            /// `UNSELECT` (RFC 3691): leaves the selected mailbox without expunging.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().unselect()", $aw, "?; // \\\\Deleted messages stay")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn unselect(&mut self) -> $crate::Result<()> {
                self.done(Ok($crate::Command::unselect()))$($await)*
            }

            /// `LOGOUT`: ends the session and closes the connection. The server's `BYE`
            /// is the expected answer, not an error.
            ///
            #[doc = "```no_run"]
            #[doc = concat!("# ", $fn, " example(client: &mut ", $krate, "::Client) -> ", $krate, "::Result<()> {")]
            #[doc = concat!("client.typed().logout()", $aw, "?;")]
            #[doc = "# Ok(()) }"]
            #[doc = "```"]
            pub $($async)* fn logout(&mut self) -> $crate::Result<()> {
                self.client.logout()$($await)*.map(drop)
            }
        }
    };
}
