//! The client method surface, written once for both clients.
//!
//! [`client_methods!`](crate::client_methods) expands, inside a client's `impl` block, to
//! every public method of the client — blocking or `async` — so that the two clients have
//! the same surface by construction: the imaplib methods ([`imaplib_methods!`](crate::imaplib_methods), one per
//! imaplib command, each building a [`Command`](crate::Command) and running it), pipelining
//! (`submit`, `wait`, `flush`), streaming (`fetch_stream`, `fetch_to`, `append_from`),
//! IDLE, imaplib's raw transport methods (`send`, `read`, `readline`) and the accessors.
//! Every one of them is a [`Driver`](crate::driver::Driver) poll method driven by the
//! client's `drive` loop. [`client_idler!`](crate::client_idler) expands to the IDLE handle.
//! The client provides:
//!
//! ```ignore
//! struct Client<S> { core: imaplib_proto::client::Core, .. }
//! struct Streams<'a>;   // none(), sink(&mut dyn LiteralSink), writer(&mut W), reader(&mut R),
//!                       // and (async) fn finish(self, Result<Reply>) -> Result<Reply>
//! fn drive<T>(&mut self, io: &mut Streams<'_>,
//!             poll: impl FnMut(&mut Driver, Instant) -> Step<T>) -> T;   // or `async fn`
//! fn close_transport(&mut self);                                        // or `async fn`
//! ```
//!
//! and writes `imaplib_proto::client_methods!(writer: W, reader: R);` (blocking) or
//! `imaplib_proto::client_methods!(async, writer: W, reader: R);` inside `impl<S> Client<S>`.
//! A client with more generic parameters than its stream (the async client's runtime) names
//! its IDLE handle: `client_methods!(async, writer: W, reader: R, idler: Idler<'_, S, Rt>)`
//! and `client_idler!(async, generics: [S: Duplex, Rt: Runtime], args: [S, Rt])`.

/// Expands to the imaplib methods. See the [module documentation](crate::methods).
#[macro_export]
macro_rules! imaplib_methods {
    () => {
        $crate::imaplib_methods!(@emit [] []);
    };
    (async) => {
        $crate::imaplib_methods!(@emit [async] [.await]);
    };
    (@emit [$($async:tt)*] [$($await:tt)*]) => {
        /// `CAPABILITY` → the untagged CAPABILITY data (imaplib's `capability()`).
        pub $($async)* fn capability(&mut self) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::capability())$($await)*
        }

        /// `NOOP` → the tagged result; untagged data stays stored (imaplib's `noop()`).
        pub $($async)* fn noop(&mut self) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::noop())$($await)*
        }

        /// `CHECK` → the tagged result.
        pub $($async)* fn check(&mut self) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::check())$($await)*
        }

        /// `LOGIN user "password"`: the password is always quoted and never logged. A
        /// non-OK answer is an error; success enters AUTH and refreshes capabilities.
        pub $($async)* fn login<'a>(
            &mut self,
            user: impl Into<$crate::Text<'a>>,
            password: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::login(user, password)?)$($await)*
        }

        /// `AUTHENTICATE CRAM-MD5` (imaplib's `login_cram_md5`).
        pub $($async)* fn login_cram_md5<'a>(
            &mut self,
            user: impl Into<$crate::Text<'a>>,
            password: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::login_cram_md5(user, password)?)$($await)*
        }

        /// `AUTHENTICATE PLAIN` (imaplib's `login_plain`): works with non-ASCII credentials.
        pub $($async)* fn login_plain<'a>(
            &mut self,
            user: impl Into<$crate::Text<'a>>,
            password: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::login_plain(user, password)?)$($await)*
        }

        /// `AUTHENTICATE SCRAM-…` (not in imaplib): the strongest SCRAM mechanism the
        /// server offers — SCRAM-SHA-256(-PLUS) before SCRAM-SHA-1(-PLUS), the `-PLUS`
        /// one with channel binding to this client's TLS session whenever the server
        /// offers it — with mutual authentication: a server that cannot prove it knows
        /// the password fails the login even after `OK`. See
        /// [`Command::login_scram`]($crate::Command::login_scram).
        pub $($async)* fn login_scram(
            &mut self,
            user: &str,
            password: &str,
        ) -> $crate::Result<$crate::Reply> {
            let cmd = $crate::Command::login_scram(self.connection(), user, password)?;
            self.run(cmd)$($await)*
        }

        /// `AUTHENTICATE mechanism` driven by `authobject`, which gets each decoded
        /// challenge and returns the response (`None` cancels).
        pub $($async)* fn authenticate(
            &mut self,
            mechanism: &str,
            authobject: impl $crate::Authenticator + 'static,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::authenticate(mechanism, authobject)?)$($await)*
        }

        /// `AUTHENTICATE mechanism initial-response` (not in imaplib): as
        /// [`authenticate`](Self::authenticate), with the mechanism's first message on the
        /// command line when the server advertises SASL-IR (RFC 4959), saving a round
        /// trip. See [`Command::sasl_ir`]($crate::Command::sasl_ir).
        pub $($async)* fn authenticate_ir(
            &mut self,
            mechanism: &str,
            authobject: impl $crate::Authenticator + 'static,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::authenticate(mechanism, authobject)?.sasl_ir())$($await)*
        }

        /// `ENABLE capability`; `UTF8=ACCEPT` switches the connection to UTF-8 mode.
        pub $($async)* fn enable(&mut self, capability: &str) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::enable(capability)?)$($await)*
        }

        /// `SELECT mailbox` (`EXAMINE` when `readonly`) → the EXISTS data. Flushes stored
        /// untagged data; a writable SELECT answered `[READ-ONLY]` is a readonly error.
        pub $($async)* fn select<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
            readonly: bool,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::select(mailbox, readonly)?)$($await)*
        }

        /// `UNSELECT`: back to AUTH without expunging.
        pub $($async)* fn unselect(&mut self) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::unselect())$($await)*
        }

        /// `CLOSE`: expunges and returns to AUTH.
        pub $($async)* fn close(&mut self) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::close())$($await)*
        }

        /// `EXPUNGE` → the EXPUNGE data.
        pub $($async)* fn expunge(&mut self) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::expunge())$($await)*
        }

        /// `UID EXPUNGE set` → the EXPUNGE data.
        pub $($async)* fn uid_expunge(
            &mut self,
            set: impl $crate::IntoSequenceSet,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::uid_expunge(set)?)$($await)*
        }

        /// `CREATE mailbox`.
        pub $($async)* fn create<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::create(mailbox)?)$($await)*
        }

        /// `DELETE mailbox`.
        pub $($async)* fn delete<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::delete(mailbox)?)$($await)*
        }

        /// `RENAME old new`.
        pub $($async)* fn rename<'a>(
            &mut self,
            old: impl Into<$crate::Text<'a>>,
            new: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::rename(old, new)?)$($await)*
        }

        /// `SUBSCRIBE mailbox`.
        pub $($async)* fn subscribe<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::subscribe(mailbox)?)$($await)*
        }

        /// `UNSUBSCRIBE mailbox`.
        pub $($async)* fn unsubscribe<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::unsubscribe(mailbox)?)$($await)*
        }

        /// `LIST directory pattern` (imaplib's defaults `""` and `*` for `None`).
        pub $($async)* fn list<'a>(
            &mut self,
            directory: Option<$crate::Text<'a>>,
            pattern: Option<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::list(directory, pattern)?)$($await)*
        }

        /// `LSUB directory pattern` (defaults `""` and `*`).
        pub $($async)* fn lsub<'a>(
            &mut self,
            directory: Option<$crate::Text<'a>>,
            pattern: Option<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::lsub(directory, pattern)?)$($await)*
        }

        /// `STATUS mailbox (names)` → the STATUS data.
        pub $($async)* fn status<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
            names: &str,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::status(mailbox, names)?)$($await)*
        }

        /// `APPEND mailbox [(flags)] ["date"] {N}` + message (`None` mailbox = INBOX);
        /// bare CR/LF in the message become CRLF, as imaplib does.
        pub $($async)* fn append<'a>(
            &mut self,
            mailbox: Option<$crate::Text<'a>>,
            flags: Option<&str>,
            date_time: Option<$crate::DateInput<'_>>,
            message: &[u8],
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::append(mailbox, flags, date_time, message)?)$($await)*
        }

        /// `FETCH set (parts)` → the FETCH data.
        pub $($async)* fn fetch(
            &mut self,
            set: impl $crate::IntoSequenceSet,
            parts: &str,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::fetch(set, parts)?)$($await)*
        }

        /// `UID FETCH set (parts)` → the FETCH data.
        pub $($async)* fn uid_fetch(
            &mut self,
            set: impl $crate::IntoSequenceSet,
            parts: &str,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::uid_fetch(set, parts)?)$($await)*
        }

        /// `PARTIAL num part start length` (obsolete) → the FETCH data.
        pub $($async)* fn partial(
            &mut self,
            num: u32,
            part: &str,
            start: u32,
            length: u32,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::partial(num, part, start, length)?)$($await)*
        }

        /// `STORE set command (flags)` → the FETCH data.
        pub $($async)* fn store(
            &mut self,
            set: impl $crate::IntoSequenceSet,
            command: &str,
            flags: &str,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::store(set, command, flags)?)$($await)*
        }

        /// `UID STORE set command (flags)` → the FETCH data.
        pub $($async)* fn uid_store(
            &mut self,
            set: impl $crate::IntoSequenceSet,
            command: &str,
            flags: &str,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::uid_store(set, command, flags)?)$($await)*
        }

        /// `COPY set mailbox` → the tagged result.
        pub $($async)* fn copy<'a>(
            &mut self,
            set: impl $crate::IntoSequenceSet,
            mailbox: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::copy(set, mailbox)?)$($await)*
        }

        /// `UID COPY set mailbox` → the tagged result.
        pub $($async)* fn uid_copy<'a>(
            &mut self,
            set: impl $crate::IntoSequenceSet,
            mailbox: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::uid_copy(set, mailbox)?)$($await)*
        }

        /// `MOVE set mailbox` → the tagged result (imaplib's `move`).
        pub $($async)* fn r#move<'a>(
            &mut self,
            set: impl $crate::IntoSequenceSet,
            mailbox: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::r#move(set, mailbox)?)$($await)*
        }

        /// `UID MOVE set mailbox` → the tagged result.
        pub $($async)* fn uid_move<'a>(
            &mut self,
            set: impl $crate::IntoSequenceSet,
            mailbox: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::uid_move(set, mailbox)?)$($await)*
        }

        /// `SEARCH [CHARSET charset] criteria…` → the SEARCH data (in IMAP4rev2 mode, the
        /// numbers of the ESEARCH answer: see [`Command::search`]($crate::Command::search)).
        pub $($async)* fn search(
            &mut self,
            charset: Option<&str>,
            criteria: &[&str],
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::search(charset, criteria)?)$($await)*
        }

        /// `UID SEARCH …` → the SEARCH data.
        pub $($async)* fn uid_search(
            &mut self,
            charset: Option<&str>,
            criteria: &[&str],
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::uid_search(charset, criteria)?)$($await)*
        }

        /// `SORT (criteria) charset search…` → the SORT data.
        pub $($async)* fn sort(
            &mut self,
            criteria: &str,
            charset: &str,
            search: &[&str],
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::sort(criteria, charset, search)?)$($await)*
        }

        /// `UID SORT …` → the SORT data.
        pub $($async)* fn uid_sort(
            &mut self,
            criteria: &str,
            charset: &str,
            search: &[&str],
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::uid_sort(criteria, charset, search)?)$($await)*
        }

        /// `THREAD algorithm charset search…` → the THREAD data.
        pub $($async)* fn thread(
            &mut self,
            algorithm: &str,
            charset: &str,
            search: &[&str],
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::thread(algorithm, charset, search)?)$($await)*
        }

        /// `UID THREAD …` → the THREAD data.
        pub $($async)* fn uid_thread(
            &mut self,
            algorithm: &str,
            charset: &str,
            search: &[&str],
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::uid_thread(algorithm, charset, search)?)$($await)*
        }

        /// imaplib's `uid(command, *args)`: SEARCH/SORT/THREAD data for those commands,
        /// the FETCH data for all others.
        pub $($async)* fn uid<'a>(
            &mut self,
            command: &str,
            args: &[$crate::Text<'a>],
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::uid(command, args)?)$($await)*
        }

        /// `GETACL mailbox` → the ACL data.
        pub $($async)* fn getacl<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::getacl(mailbox)?)$($await)*
        }

        /// `SETACL mailbox who what`.
        pub $($async)* fn setacl<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
            who: impl Into<$crate::Text<'a>>,
            what: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::setacl(mailbox, who, what)?)$($await)*
        }

        /// `DELETEACL mailbox who`.
        pub $($async)* fn deleteacl<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
            who: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::deleteacl(mailbox, who)?)$($await)*
        }

        /// `MYRIGHTS mailbox` → the MYRIGHTS data.
        pub $($async)* fn myrights<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::myrights(mailbox)?)$($await)*
        }

        /// `GETQUOTA root` → the QUOTA data.
        pub $($async)* fn getquota<'a>(
            &mut self,
            root: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::getquota(root)?)$($await)*
        }

        /// `GETQUOTAROOT mailbox` → `[QUOTAROOT data, QUOTA data]`.
        pub $($async)* fn getquotaroot<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::getquotaroot(mailbox)?)$($await)*
        }

        /// `SETQUOTA root (limits)` → the QUOTA data.
        pub $($async)* fn setquota<'a>(
            &mut self,
            root: impl Into<$crate::Text<'a>>,
            limits: &str,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::setquota(root, limits)?)$($await)*
        }

        /// `GETANNOTATION mailbox entry attribute` → the ANNOTATION data.
        pub $($async)* fn getannotation<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
            entry: &str,
            attribute: &str,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::getannotation(mailbox, entry, attribute)?)$($await)*
        }

        /// `SETANNOTATION args…` → the ANNOTATION data.
        pub $($async)* fn setannotation(&mut self, args: &[&str]) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::setannotation(args)?)$($await)*
        }

        /// `GETMETADATA [(options)] mailbox (entries)` (RFC 5464) → the METADATA data, and
        /// a tagged `[METADATA LONGENTRIES n]`'s data (read both with
        /// [`parse::metadata`]($crate::parse::metadata)). See
        /// [`Command::getmetadata`]($crate::Command::getmetadata).
        pub $($async)* fn getmetadata<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
            entries: &[&str],
            options: &$crate::build::MetadataOptions,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::getmetadata(mailbox, entries, options)?)$($await)*
        }

        /// `SETMETADATA mailbox (entry value …)` (RFC 5464; `None` deletes) → the METADATA
        /// data. See [`Command::setmetadata`]($crate::Command::setmetadata).
        pub $($async)* fn setmetadata<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
            entries: &[(&str, Option<&[u8]>)],
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::setmetadata(mailbox, entries)?)$($await)*
        }

        /// `NOTIFY SET [STATUS] (group) …` (RFC 5465) → the tagged result. See
        /// [`Command::notify_set`]($crate::Command::notify_set).
        pub $($async)* fn notify_set(
            &mut self,
            status: bool,
            groups: &[$crate::build::EventGroup],
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::notify_set(status, groups)?)$($await)*
        }

        /// `NOTIFY NONE` (RFC 5465) → the tagged result.
        pub $($async)* fn notify_none(&mut self) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::notify_none())$($await)*
        }

        /// `APPEND mailbox [(flags)] [date] CATENATE (TEXT {n} … URL "…" …)` (RFC 4469, not
        /// in imaplib) → the tagged result (`[APPENDUID …]`; `NO [BADURL url]` or
        /// `NO [TOOBIG]` as a `NO` result). See
        /// [`Command::append_catenate`]($crate::Command::append_catenate).
        pub $($async)* fn append_catenate<'a>(
            &mut self,
            mailbox: impl Into<$crate::Text<'a>>,
            message: &$crate::build::CatenateMessage<'_>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::append_catenate(mailbox, message)?)$($await)*
        }

        /// `CANCELUPDATE "tag" …` (RFC 5267) → the tagged result: ends live searches.
        /// See [`Command::cancel_update`]($crate::Command::cancel_update).
        pub $($async)* fn cancel_update(&mut self, tags: &[&str]) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::cancel_update(tags)?)$($await)*
        }

        /// `NAMESPACE` → the NAMESPACE data.
        pub $($async)* fn namespace(&mut self) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::namespace())$($await)*
        }

        /// `PROXYAUTH user`.
        pub $($async)* fn proxyauth<'a>(
            &mut self,
            user: impl Into<$crate::Text<'a>>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::proxyauth(user)?)$($await)*
        }

        /// The stored RECENT data, or `NOOP` and then RECENT (imaplib's `recent()`).
        pub $($async)* fn recent(&mut self) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::recent())$($await)*
        }

        /// `ID NIL` or `ID (fields…)` → the ID data.
        pub $($async)* fn id(
            &mut self,
            fields: Option<&[(&str, Option<&str>)]>,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::id(fields)?)$($await)*
        }

        /// An extension command with raw arguments (imaplib's `xatom`).
        pub $($async)* fn xatom(&mut self, name: &str, args: &[&str]) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::xatom(name, args)?)$($await)*
        }

        /// `STARTTLS`: upgrades the transport in place, then asks for the capabilities
        /// again. `('OK', [None])` on success.
        pub $($async)* fn starttls(&mut self) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::starttls())$($await)*
        }

        /// `COMPRESS DEFLATE` (RFC 4978): from the server's `OK` on, the transport
        /// compresses what it sends (a sync flush after each write) and decompresses what
        /// it receives, for the rest of the connection. `('OK', [text])` on success; a
        /// `NO` is a result (`NO [COMPRESSIONACTIVE]`). Refused before sending when the
        /// server lacks `COMPRESS=DEFLATE`, when compression is already on, and before
        /// authentication. Over TLS, compression goes above TLS: connect with TLS (or
        /// STARTTLS) first, then compress. See
        /// [`Command::compress`]($crate::Command::compress).
        pub $($async)* fn compress(&mut self) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::compress())$($await)*
        }

        /// True once COMPRESS=DEFLATE is on.
        pub fn is_compressed(&self) -> bool {
            self.connection().is_compressed()
        }

        /// `LOGOUT` → `('BYE', [text])`, then the transport is shut down.
        pub $($async)* fn logout(&mut self) -> $crate::Result<$crate::Reply> {
            let reply = self.run($crate::Command::logout())$($await)*;
            self.shutdown()$($await)*;
            reply
        }

        /// imaplib's `literal` attribute (`M.literal = b'…'`): the next command sends these
        /// bytes as a literal after its arguments, once — e.g. an 8-bit search string:
        /// `set_literal(Some("Grüße".into()))` then `search(Some("UTF-8"), &["SUBJECT"])`
        /// sends `SEARCH CHARSET UTF-8 SUBJECT {7}`, waits for `+` (not with LITERAL+:
        /// `{7+}`) and sends the bytes. See
        /// [`Connection::set_literal`]($crate::Connection::set_literal) for imaplib's rules.
        pub fn set_literal(&mut self, literal: Option<Vec<u8>>) -> $crate::Result<()> {
            self.connection_mut().set_literal(literal)
        }

        /// The literal the next command sends (imaplib's `literal`).
        pub fn literal(&self) -> Option<&[u8]> {
            self.connection().literal()
        }

        /// imaplib's `response(code)`: pops the stored data of `code` without any I/O.
        pub fn response(&mut self, code: &str) -> $crate::Reply {
            self.connection_mut().response(code)
        }

        /// imaplib's `state`.
        pub fn state(&self) -> $crate::State {
            self.connection().state()
        }

        /// imaplib's `capabilities` (upper-cased).
        pub fn capabilities(&self) -> &[String] {
            self.connection().capabilities()
        }

        /// True when the server advertises `name`.
        pub fn has_capability(&self, name: &str) -> bool {
            self.connection().has_capability(name)
        }

        /// imaplib's `welcome`: the greeting line.
        pub fn welcome(&self) -> &[u8] {
            self.connection().welcome().unwrap_or_default()
        }

        /// imaplib's `PROTOCOL_VERSION`.
        pub fn protocol_version(&self) -> &str {
            self.connection().protocol_version().unwrap_or_default()
        }

        /// imaplib's `is_readonly`.
        pub fn is_readonly(&self) -> bool {
            self.connection().is_readonly()
        }

        /// imaplib's `utf8_enabled`: true after `enable("UTF8=ACCEPT")` was answered `OK`
        /// (imaplib's rule), or once the server confirmed UTF8=ACCEPT or IMAP4rev2 in
        /// `* ENABLED` ([`Connection::utf8_enabled`]($crate::Connection::utf8_enabled)).
        pub fn utf8_enabled(&self) -> bool {
            self.connection().utf8_enabled()
        }

        /// imaplib's `untagged_responses`.
        pub fn untagged_responses(&self) -> impl Iterator<Item = (&str, &[$crate::Item])> {
            self.connection().untagged_responses()
        }

        /// imaplib's `tagpre`.
        pub fn tag_prefix(&self) -> &[u8] {
            self.connection().tag_prefix()
        }

        /// True when the transport is encrypted (or a trusted local pipe).
        pub fn is_secure(&self) -> bool {
            self.connection().is_secure()
        }

        /// imaplib's `debug` level.
        pub fn debug(&self) -> u8 {
            self.connection().debug()
        }

        /// Sets imaplib's `debug` level (0–5): the messages of the levels it covers are logged at
        /// `info` (the `log` level alone decides the rest; see [`trace`]($crate::trace)).
        pub fn set_debug(&mut self, level: u8) {
            self.connection_mut().set_debug(level);
        }
    };
}

/// Expands to every public method of a client. See the [module documentation](crate::methods).
#[macro_export]
macro_rules! client_methods {
    (async, writer: $W:ty, reader: $R:ty) => {
        $crate::client_methods!(async, writer: $W, reader: $R, idler: Idler<'_, S>);
    };
    (async, writer: $W:ty, reader: $R:ty, idler: $I:ty) => {
        $crate::client_methods!(@emit [async] [.await] $W, $R, $I);
        $crate::imaplib_methods!(async);
    };
    (writer: $W:ty, reader: $R:ty) => {
        $crate::client_methods!(@emit [] [] $W, $R, Idler<'_, S>);
        $crate::imaplib_methods!();
    };
    (@emit [$($async:tt)*] [$($await:tt)*] $W:ty, $R:ty, $I:ty) => {
        /// A client over a stream you connected yourself (a proxy tunnel, a Unix socket,
        /// another runtime's socket…). `secure` says whether it is already encrypted or
        /// trusted; STARTTLS upgrades a plain one in place.
        pub $($async)* fn from_stream(
            stream: S,
            host: &str,
            config: &$crate::Config,
            secure: bool,
        ) -> $crate::Result<Self> {
            config.check()?;
            let core = $crate::client::Core::new(config, host, None, secure);
            Self::over(Self::plain(stream), core)$($await)*
        }

        /// Implicit TLS over a stream you connected yourself; `host` is verified.
        pub $($async)* fn from_stream_tls(
            stream: S,
            host: &str,
            config: &$crate::Config,
        ) -> $crate::Result<Self> {
            config.check()?;
            let transport = Self::tls(stream, host, config)$($await)*?;
            let core = $crate::client::Core::new(config, host, None, true);
            Self::over(transport, core)$($await)*
        }

        /// The protocol state machine (state, capabilities, untagged store, diagnostics).
        pub fn connection(&self) -> &$crate::Connection {
            self.core.driver.connection()
        }

        /// The protocol state machine, mutable.
        pub fn connection_mut(&mut self) -> &mut $crate::Connection {
            self.core.driver.connection_mut()
        }

        /// The client driver (routing, IDLE, deadlines) this client moves bytes for.
        pub fn driver(&self) -> &$crate::driver::Driver {
            &self.core.driver
        }

        /// The host dialled (`""` for IMAP4_stream).
        pub fn host(&self) -> &str {
            &self.core.host
        }

        /// The port dialled, if known.
        pub fn port(&self) -> Option<u16> {
            self.core.port
        }

        /// The settings this client was made with (its timeouts as they are now).
        pub fn config(&self) -> &$crate::Config {
            &self.core.config
        }

        /// imaplib's `timeout`: the silence timeout of every wait on the server.
        pub fn timeout(&self) -> Option<std::time::Duration> {
            self.core.driver.timeouts().silence
        }

        /// Changes the timeout; `None` waits forever, zero is refused (imaplib refuses
        /// `timeout=0`).
        pub fn set_timeout(&mut self, timeout: Option<std::time::Duration>) -> $crate::Result<()> {
            let t = $crate::driver::Timeouts { silence: timeout, ..*self.core.driver.timeouts() };
            self.set_timeouts(t)
        }

        /// Changes every deadline ([`Timeouts`]($crate::driver::Timeouts)); zero durations are
        /// refused.
        pub fn set_timeouts(&mut self, timeouts: $crate::driver::Timeouts) -> $crate::Result<()> {
            $crate::config::check_timeouts(&timeouts)?;
            *self.core.driver.timeouts_mut() = timeouts;
            self.core.config.timeouts = timeouts;
            Ok(())
        }

        /// Submits a command without waiting (pipelining); collect it with `wait`. Its bytes
        /// go out with the next wait (or `flush`).
        pub fn submit(&mut self, cmd: $crate::Command) -> $crate::Result<$crate::CommandId> {
            self.core.driver.submit(cmd, std::time::Instant::now())
        }

        /// Waits for a submitted command's result.
        pub $($async)* fn wait(&mut self, id: $crate::CommandId) -> $crate::Result<$crate::Reply> {
            self.drive(&mut Streams::none(), |d, now| d.poll_result(id, now))$($await)*
        }

        /// Runs one command to completion (after finishing a STARTTLS upgrade or stacking a
        /// COMPRESS layer whose caller gave up).
        pub $($async)* fn run(&mut self, cmd: $crate::Command) -> $crate::Result<$crate::Reply> {
            let id = self.submit_ready(cmd)$($await)*?;
            self.wait(id)$($await)*
        }

        /// `run`, with the tag the command was sent under: the typed face matches ESEARCH
        /// answers to their command by it.
        $($async)* fn run_tagged(
            &mut self,
            cmd: $crate::Command,
        ) -> $crate::Result<(String, $crate::Reply)> {
            let id = self.submit_ready(cmd)$($await)*?;
            // Pending until waited for, so the tag is there.
            let tag = self.core.driver.connection().command_tag(id).unwrap_or_default();
            Ok((tag, self.wait(id)$($await)*?))
        }

        /// Submits `cmd` once a STARTTLS upgrade or COMPRESS layer whose caller gave up is
        /// finished.
        $($async)* fn submit_ready(
            &mut self,
            cmd: $crate::Command,
        ) -> $crate::Result<$crate::CommandId> {
            if self.core.driver.is_upgrading() {
                self.drive(&mut Streams::none(), |d, now| d.poll_ready(now))$($await)*?;
            }
            self.submit(cmd)
        }

        /// Writes everything submitted so far without waiting for answers.
        pub $($async)* fn flush(&mut self) -> $crate::Result<()> {
            self.drive(&mut Streams::none(), |d, now| d.poll_flush(now))$($await)*;
            match self.core.driver.connection().fatal_error() {
                Some(e) => Err(e.clone()),
                None => Ok(()),
            }
        }

        /// Runs a command whose literals go to, or come from, `io`.
        $($async)* fn run_streams(
            &mut self,
            cmd: $crate::Command,
            mut io: Streams<'_>,
        ) -> $crate::Result<$crate::Reply> {
            // One FETCH streams at a time: one whose caller gave up is finished first.
            let streams = cmd.streams_literals();
            if self.core.driver.is_upgrading() || (streams && self.core.driver.is_streaming()) {
                self.drive(&mut Streams::none(), |d, now| d.poll_ready_to_stream(now))$($await)*?;
            }
            let id = self.submit(cmd)?;
            let result = self.drive(&mut io, |d, now| d.poll_result(id, now))$($await)*;
            io.finish(result)$($await)*
        }

        /// `FETCH set (parts)` with the message bodies (every literal) streamed to `sink` as
        /// they arrive, straight from the read buffer: memory stays bounded whatever their
        /// size. The result keeps imaplib's shape with the literals left empty.
        pub $($async)* fn fetch_stream(
            &mut self,
            set: impl $crate::IntoSequenceSet,
            parts: &str,
            sink: &mut (dyn $crate::LiteralSink + Send),
        ) -> $crate::Result<$crate::Reply> {
            let cmd = $crate::Command::fetch(set, parts)?.stream_literals();
            self.run_streams(cmd, Streams::sink(sink))$($await)*
        }

        /// `UID FETCH` with the literals streamed to `sink`.
        pub $($async)* fn uid_fetch_stream(
            &mut self,
            set: impl $crate::IntoSequenceSet,
            parts: &str,
            sink: &mut (dyn $crate::LiteralSink + Send),
        ) -> $crate::Result<$crate::Reply> {
            let cmd = $crate::Command::uid_fetch(set, parts)?.stream_literals();
            self.run_streams(cmd, Streams::sink(sink))$($await)*
        }

        /// `FETCH` with every literal written, back to back, to `writer`, from the read
        /// buffer without a copy.
        pub $($async)* fn fetch_to(
            &mut self,
            set: impl $crate::IntoSequenceSet,
            parts: &str,
            writer: &mut $W,
        ) -> $crate::Result<$crate::Reply> {
            let cmd = $crate::Command::fetch(set, parts)?.stream_literals();
            self.run_streams(cmd, Streams::writer(writer))$($await)*
        }

        /// `APPEND` of a message of `len` bytes read from `reader` as it is sent (memory
        /// stays bounded; no line-ending translation). A reader that ends early aborts the
        /// connection, as the server is then owed bytes that will not come.
        pub $($async)* fn append_from<'m>(
            &mut self,
            mailbox: Option<$crate::Text<'m>>,
            flags: Option<&str>,
            date_time: Option<$crate::DateInput<'_>>,
            reader: &mut $R,
            len: u64,
        ) -> $crate::Result<$crate::Reply> {
            let cmd = $crate::Command::append_stream(mailbox, flags, date_time, len)?;
            self.run_streams(cmd, Streams::reader(reader))$($await)*
        }

        /// imaplib's `idle(duration)`: starts IDLE and returns the updates the server
        /// sends, ending after `duration` (if given). IDLE is re-issued every
        /// [`Timeouts::idle_keepalive`]($crate::driver::Timeouts::idle_keepalive), unseen;
        /// [`Timeouts::idle_silence`]($crate::driver::Timeouts::idle_silence) bounds a silent
        /// server. `done()` sends DONE and returns the IDLE result; updates not iterated go
        /// to the untagged store.
        pub $($async)* fn idle(
            &mut self,
            duration: Option<std::time::Duration>,
        ) -> $crate::Result<$I> {
            let now = std::time::Instant::now();
            let until = duration.map(|d| now + d);
            self.core.driver.idle_start(now)?;
            self.drive(&mut Streams::none(), |d, now| d.poll_idle_start(now))$($await)*?;
            Ok(Idler {
                client: self,
                until,
                left: false,
            })
        }

        /// Sends raw bytes (imaplib's `send()`). They bypass the protocol engine: anything
        /// but a complete, well-formed command desynchronises the session.
        pub $($async)* fn send(&mut self, data: &[u8]) -> $crate::Result<()> {
            self.core.driver.send_raw(data);
            self.flush()$($await)*
        }

        /// Reads `size` raw bytes from the server, fewer at the end of the stream
        /// (imaplib's `read()`), bypassing the protocol engine.
        pub $($async)* fn read(&mut self, size: usize) -> $crate::Result<Vec<u8>> {
            let want = $crate::driver::RawRead::Exactly(size);
            self.drive(&mut Streams::none(), |d, now| d.poll_read_raw(want, now))$($await)*
        }

        /// Reads one raw line, LF included (imaplib's `readline()`), bypassing the protocol
        /// engine; at most the configured line limit.
        pub $($async)* fn readline(&mut self) -> $crate::Result<Vec<u8>> {
            let max = self.core.config.options.limits.max_line;
            let want = $crate::driver::RawRead::Line { max };
            self.drive(&mut Streams::none(), |d, now| d.poll_read_raw(want, now))$($await)*
        }

        /// Closes the transport without LOGOUT (imaplib's `shutdown()`).
        pub $($async)* fn shutdown(&mut self) {
            self.close_transport()$($await)*
        }

        /// Waits for the greeting and the capabilities; STARTTLS follows when TLS is
        /// required on a plain transport.
        $($async)* fn greet(mut self) -> $crate::Result<Self> {
            let greeted = self.drive(&mut Streams::none(), |d, now| d.poll_connect(now))$($await)*;
            if let Err(e) = greeted {
                self.close_transport()$($await)*;
                return Err(e);
            }
            if self.core.config.options.require_tls && !self.is_secure() {
                let _starttls = self.starttls()$($await)*?;
            }
            Ok(self)
        }
    };
}

/// Expands to a client's IDLE handle, `Idler`. See the [module documentation](crate::methods).
#[macro_export]
macro_rules! client_idler {
    (async, $bound:path, $default:ty) => {
        $crate::client_idler!(@emit [async] [.await] [S: $bound = $default] [S: $bound] [S]);
    };
    (async, generics: [$($g:tt)*], args: [$($a:tt)*]) => {
        $crate::client_idler!(@emit [async] [.await] [$($g)*] [$($g)*] [$($a)*]);
    };
    ($bound:path, $default:ty) => {
        $crate::client_idler!(@emit [] [] [S: $bound = $default] [S: $bound] [S]);
    };
    // The struct's generic parameters (with defaults), the impls' (without), the arguments.
    (@emit [$($async:tt)*] [$($await:tt)*] [$($p:tt)*] [$($ip:tt)*] [$($a:tt)*]) => {
        /// An IDLE in progress (imaplib's `Idler`): the server's updates as
        /// `(TYPE, [data])` replies, until the `duration` given to `idle` passes.
        pub struct Idler<'a, $($p)*> {
            client: &'a mut Client<$($a)*>,
            until: Option<std::time::Instant>,
            /// `done` was called.
            left: bool,
        }

        impl<$($ip)*> std::fmt::Debug for Idler<'_, $($a)*> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Idler")
                    .field("until", &self.until)
                    .field("left", &self.left)
                    .finish_non_exhaustive()
            }
        }

        impl<$($ip)*> Idler<'_, $($a)*> {
            /// The next update, waiting at most until `until` (and never past the end of
            /// the IDLE).
            $($async)* fn next_until(
                &mut self,
                until: Option<std::time::Instant>,
            ) -> Option<$crate::Result<$crate::Reply>> {
                if self.left {
                    return None;
                }
                let until = match (until, self.until) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                self.client
                    .drive(&mut Streams::none(), |d, now| d.poll_idle_event(until, now))
                    $($await)*
            }

            /// imaplib's `burst(interval)`: the next update, then every update arriving
            /// within `interval` of the previous one.
            pub $($async)* fn burst(
                &mut self,
                interval: std::time::Duration,
            ) -> $crate::Result<Vec<$crate::Reply>> {
                let mut out = Vec::new();
                let mut until = None;
                while let Some(r) = self.next_until(until)$($await)* {
                    out.push(r?);
                    until = Some(std::time::Instant::now() + interval);
                }
                Ok(out)
            }

            /// Leaves IDLE: updates not iterated go to the untagged store, `DONE` is sent,
            /// and the IDLE command's result is returned.
            pub $($async)* fn done(mut self) -> $crate::Result<$crate::Reply> {
                self.left = true;
                let id = self.client.core.driver.idle_done(std::time::Instant::now())?;
                self.client.wait(id)$($await)*
            }
        }
    };
}

/// Expands to a client's constructors — imaplib's `IMAP4`, `IMAP4_SSL`, `IMAP4_stream` and
/// the settings variants — inside `impl Client<DefaultStream>`. See the
/// [module documentation](crate::methods): the client provides `dial(host, port, &Config)
/// -> Result<DefaultStream>`, `spawn(&str)` and `spawn_command(P)` (child processes), and,
/// for every stream type, `plain(S) -> Transport<S>`, `tls(S, host, &Config) ->
/// Result<Transport<S>>` and `over(Transport<S>, Core) -> Result<Self>` (async where the
/// client is). `net` are attributes for the constructors that dial TCP (feature gates).
#[macro_export]
macro_rules! client_constructors {
    (async, net: [$(#[$net:meta])*], process: $P:ty) => {
        $crate::client_constructors!(@emit [async] [.await] [$(#[$net])*] $P);
    };
    (net: [$(#[$net:meta])*], process: $P:ty) => {
        $crate::client_constructors!(@emit [] [] [$(#[$net])*] $P);
    };
    (@emit [$($async:tt)*] [$($await:tt)*] [$(#[$net:meta])*] $P:ty) => {
        /// imaplib's `IMAP4(host, port)` with default settings: plain TCP (`""` means
        /// localhost).
        $(#[$net])*
        pub $($async)* fn connect(host: &str, port: u16) -> $crate::Result<Self> {
            Self::connect_with(host, port, &$crate::Config::default())$($await)*
        }

        /// `IMAP4(host, port)` with settings; with TLS required, STARTTLS follows the
        /// greeting and its failure is an error before any credential is sent.
        $(#[$net])*
        pub $($async)* fn connect_with(
            host: &str,
            port: u16,
            config: &$crate::Config,
        ) -> $crate::Result<Self> {
            config.check()?;
            let stream = Self::dial(host, port, config)$($await)*?;
            let core = $crate::client::Core::new(config, host, Some(port), false);
            Self::over(Self::plain(stream), core)$($await)*
        }

        /// imaplib's `IMAP4_SSL(host, port)`: implicit TLS, verified.
        $(#[$net])*
        pub $($async)* fn connect_tls(host: &str, port: u16) -> $crate::Result<Self> {
            Self::connect_tls_with(host, port, &$crate::Config::default())$($await)*
        }

        /// `IMAP4_SSL(host, port, ssl_context=…)`: implicit TLS with settings.
        $(#[$net])*
        pub $($async)* fn connect_tls_with(
            host: &str,
            port: u16,
            config: &$crate::Config,
        ) -> $crate::Result<Self> {
            config.check()?;
            let stream = Self::dial(host, port, config)$($await)*?;
            let transport = Self::tls(stream, host, config)$($await)*?;
            let core = $crate::client::Core::new(config, host, Some(port), true);
            Self::over(transport, core)$($await)*
        }

        /// Plain TCP, then STARTTLS, required: the secure way to use port 143.
        $(#[$net])*
        pub $($async)* fn connect_starttls(
            host: &str,
            port: u16,
            config: &$crate::Config,
        ) -> $crate::Result<Self> {
            let config = config.clone().with_require_tls(true);
            Self::connect_with(host, port, &config)$($await)*
        }

        /// imaplib's `IMAP4_stream(command)`: runs `command` with `sh -c` and speaks IMAP
        /// over its stdin and stdout (e.g. Dovecot's pre-authenticated `imap` binary), a
        /// trusted local transport. The child is reaped when the client closes.
        pub $($async)* fn connect_stream(command: &str) -> $crate::Result<Self> {
            Self::connect_stream_with(command, &$crate::Config::default())$($await)*
        }

        /// `IMAP4_stream(command)` with settings.
        pub $($async)* fn connect_stream_with(
            command: &str,
            config: &$crate::Config,
        ) -> $crate::Result<Self> {
            config.check()?;
            let stream = Self::spawn(command)?;
            let core = $crate::client::Core::new(config, "", None, true);
            Self::over(Self::plain(stream), core)$($await)*
        }

        /// Like `connect_stream`, for a program and arguments given without a shell (no
        /// quoting to get wrong). Its stdin and stdout are replaced by pipes.
        pub $($async)* fn connect_process(
            command: $P,
            config: &$crate::Config,
        ) -> $crate::Result<Self> {
            config.check()?;
            let stream = Self::spawn_command(command)?;
            let core = $crate::client::Core::new(config, "", None, true);
            Self::over(Self::plain(stream), core)$($await)*
        }
    };
}
