//! The imaplib method surface, written once for both clients.
//!
//! [`imaplib_methods!`](crate::imaplib_methods) expands, inside a client's `impl` block, to
//! one method per imaplib command — blocking or `async` — each of which builds a
//! [`Command`](crate::Command) and hands it to the client's `run` method. The client only
//! has to provide:
//!
//! ```ignore
//! fn run(&mut self, cmd: Command) -> Result<Reply>;        // or `async fn`
//! fn connection(&self) -> &Connection;
//! fn connection_mut(&mut self) -> &mut Connection;
//! fn config(&self) -> &Config;
//! fn config_mut(&mut self) -> &mut Config;
//! fn shutdown(&mut self);                                   // or `async fn`
//! ```
//!
//! and then write `imaplib_proto::imaplib_methods!();` (blocking) or
//! `imaplib_proto::imaplib_methods!(async);` inside the `impl`.

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

        /// `AUTHENTICATE mechanism` driven by `authobject`, which gets each decoded
        /// challenge and returns the response (`None` cancels).
        pub $($async)* fn authenticate(
            &mut self,
            mechanism: &str,
            authobject: impl $crate::Authenticator + 'static,
        ) -> $crate::Result<$crate::Reply> {
            self.run($crate::Command::authenticate(mechanism, authobject)?)$($await)*
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

        /// `SEARCH [CHARSET charset] criteria…` → the SEARCH data.
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

        /// `LOGOUT` → `('BYE', [text])`, then the transport is shut down.
        pub $($async)* fn logout(&mut self) -> $crate::Result<$crate::Reply> {
            let reply = self.run($crate::Command::logout())$($await)*;
            self.shutdown()$($await)*;
            reply
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

        /// imaplib's `utf8_enabled`.
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

        /// The timeout for each wait on the server.
        pub fn timeout(&self) -> Option<std::time::Duration> {
            self.config().timeout
        }

        /// Changes the timeout; `None` waits forever, zero is refused (imaplib refuses
        /// `timeout=0`).
        pub fn set_timeout(&mut self, timeout: Option<std::time::Duration>) -> $crate::Result<()> {
            let mut c = self.config().clone();
            c.timeout = timeout;
            c.check()?;
            self.config_mut().timeout = timeout;
            Ok(())
        }

        /// imaplib's `debug` level.
        pub fn debug(&self) -> u8 {
            self.connection().debug()
        }

        /// Sets imaplib's `debug` level (0–5): what is logged through the `log` facade.
        pub fn set_debug(&mut self, level: u8) {
            self.connection_mut().set_debug(level);
        }
    };
}
