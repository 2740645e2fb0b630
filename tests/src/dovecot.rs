//! A private Dovecot IMAP server for the integration tests.
//!
//! [`dovecot()`] starts one Dovecot per test process, the first time a test asks for it, and
//! shares it between all tests of that process. It runs from a fresh temporary directory, as
//! the `mail` user (or, when the tests do not run as root, as the current user), and serves:
//!
//! - IMAP on a plain TCP port ([`Dovecot::plain_port`], STARTTLS offered) and on an implicit-TLS
//!   port ([`Dovecot::tls_port`]), both on `127.0.0.1`. The certificate is issued for
//!   `localhost` and `127.0.0.1` by a CA made at start-up ([`Dovecot::ca_pem_path`]).
//! - Dovecot's pre-authenticated IMAP on stdin/stdout ([`Dovecot::stdio_command`]), the
//!   transport of imaplib's `IMAP4_stream`.
//! - `LOGIN` and `AUTHENTICATE PLAIN`, `LOGIN` and `CRAM-MD5`, also without TLS; QUOTA and ACL;
//!   COMPRESS=DEFLATE (after login, from the `imap_zlib` plugin);
//!   and the extensions Dovecot 2.3 enables by default (IDLE, MOVE, ID, ENABLE, SORT, THREAD,
//!   NAMESPACE, UNSELECT, LITERAL+, UIDPLUS, CONDSTORE, QRESYNC, SPECIAL-USE, …). Dovecot 2.3
//!   has no `UTF8=ACCEPT`.
//!
//! Mail lives in Maildir (`LAYOUT=fs`), the hierarchy separator is `/`, and the quota root of
//! every user is `"User quota"` (1 GiB). The settings shared with `scripts/dovecot-sample` are in
//! `tests/dovecot/common.conf`.
//!
//! # Isolation
//!
//! Tests of one process run in parallel against the same server. A test that changes mailboxes
//! should use its own user from [`Dovecot::new_user`]: every new user starts with an empty
//! INBOX and sees no mailbox of anyone else. The fixed users `alice` and `bob`
//! ([`Dovecot::alice`], [`Dovecot::bob`]) are shared by all tests of the process; use them for
//! read-only checks, or as the other party of an ACL.
//!
//! # Life cycle
//!
//! Dovecot is started through a small `sh` wrapper whose standard input is a pipe that only
//! the test process holds. When the test process ends, however it ends (normal exit, panic,
//! signal), the pipe closes, and the wrapper stops Dovecot and removes the temporary directory.
//! The listening sockets are bound by the test process (on port 0) and handed to Dovecot with
//! the systemd socket-activation protocol, so that there is no window in which another process
//! could take the ports.
//!
//! When Dovecot is not installed, or does not start, [`dovecot()`] panics with a message that
//! says what to do (`scripts/setup-dovecot`) or with the tail of Dovecot's log. Tests never skip.
//!
//! # Example
//!
//! ```no_run
//! use imaplib_integration_tests::dovecot::dovecot;
//!
//! let server = dovecot();
//! let user = server.new_user();
//! server.deliver(&user.name, "INBOX", b"Subject: hello\r\n\r\nHi!\r\n");
//! let stream = std::net::TcpStream::connect((server.host(), server.plain_port())).unwrap();
//! // … log in as `user.name` / `user.password` and look at INBOX.
//! # drop(stream);
//! ```

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Dovecot's master binary, from Debian's `dovecot-core`.
pub const DOVECOT_BIN: &str = "/usr/sbin/dovecot";

/// Dovecot's IMAP server binary, from Debian's `dovecot-imapd`. Run directly, it speaks
/// pre-authenticated IMAP on stdin/stdout.
pub const IMAP_BIN: &str = "/usr/lib/dovecot/imap";

/// Dovecot's administration tool, from Debian's `dovecot-core`.
pub const DOVEADM_BIN: &str = "/usr/bin/doveadm";

/// The command that installs Dovecot, named in every "not installed" panic.
pub const SETUP_COMMAND: &str = "scripts/setup-dovecot";

/// The hierarchy separator of every user's personal namespace.
pub const SEPARATOR: char = '/';

/// Dovecot's IDLE keepalive as it comes on the wire. It is sent once every
/// `imap_idle_notify_interval` (2 min), at a point of that period set by the user and the
/// wall clock, so it may fall within any IDLE: a test that asserts what an IDLE yields must
/// allow for it.
pub const IDLE_STILL_HERE_LINE: &str = "* OK Still here";

/// [`IDLE_STILL_HERE_LINE`] as an IDLE iteration yields it (imaplib's repr of the update).
pub const IDLE_STILL_HERE: &str = "('OK', [b'Still here'])";

/// The quota root that Dovecot reports for every mailbox (`GETQUOTAROOT`).
pub const QUOTA_ROOT: &str = "User quota";

/// The storage limit of [`QUOTA_ROOT`], in KiB as `GETQUOTA` reports it (1 GiB).
pub const QUOTA_STORAGE_LIMIT_KIB: u64 = 1024 * 1024;

/// Environment variable whose value, if set, is appended to the generated `dovecot.conf`: a
/// debugging aid, for instance `IMAPLIB_DOVECOT_EXTRA_CONFIG='auth_debug = yes'` or
/// `'mail_debug = yes'` (then see [`Dovecot::log_path`]).
pub const EXTRA_CONFIG_ENV: &str = "IMAPLIB_DOVECOT_EXTRA_CONFIG";

/// Settings shared with `scripts/dovecot-sample`.
const COMMON_CONF: &str = include_str!("../dovecot/common.conf");

/// How long Dovecot may take to greet on its plain port after it was started.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs Dovecot in the foreground on the two inherited listening sockets (the wrapper's
/// stdout and stderr), and stops it when its stdin, a pipe held by the test process, reaches
/// end of file. Arguments: the instance directory, then Dovecot's command line.
///
/// The exit status of Dovecot is written to `$dir/exited`, which the test process watches
/// during start-up. After the test process is gone, the directory is removed.
const WRAPPER_SCRIPT: &str = r#"
dir=$1; shift
# fds 3 and 4: the listening sockets (SD_LISTEN_FDS_START = 3); fd 5: the lifeline pipe.
exec 3>&1 4>&2 5<&0 </dev/null >>"$dir/startup.log" 2>&1
LISTEN_FDS=2 sh -c 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"' sh "$@" 5<&- &
pid=$!
exec 3>&- 4>&-
{ cat >/dev/null; [ -e "$dir/exited" ] || kill -TERM "$pid" 2>/dev/null; } <&5 &
exec 5<&-
wait "$pid"
echo "$?" >"$dir/exited"
wait
rm -rf "$dir"
"#;

/// Returns the Dovecot of this test process, starting it on first use.
///
/// All tests of the process share it. Start-up takes a fraction of a second (certificate
/// generation and Dovecot's own start).
///
/// # Panics
///
/// If Dovecot is not installed (the message names [`SETUP_COMMAND`]), or if it fails to start
/// (the message carries the tail of Dovecot's logs). Every test that asks for the server after
/// such a failure panics with the same message.
pub fn dovecot() -> &'static Dovecot {
    static INSTANCE: OnceLock<Result<Dovecot, String>> = OnceLock::new();
    match INSTANCE.get_or_init(Dovecot::start) {
        Ok(server) => server,
        Err(message) => panic!("{message}"),
    }
}

/// Starts a Dovecot of its own, not shared with [`dovecot()`], with `extra` appended to its
/// configuration (after the harness's settings, so that its values win). It stops, and its
/// directory is removed, when the returned value is dropped or the process ends.
///
/// For settings that the shared instance must not have, such as
/// [`many_sessions_config`]. Errors are complete messages, as [`dovecot()`] panics with.
pub fn dovecot_with(extra: &str) -> Result<Dovecot, String> {
    Dovecot::start_with(Some(extra))
}

/// Settings under which one Dovecot holds `sessions` concurrent IMAP sessions of one user from
/// one address (append them with [`dovecot_with`]).
///
/// By default Dovecot runs one `imap` process per session, at most 100 of them, and lets one
/// user hold 1 000 connections from one IP address (`common.conf`). Here each `imap` process
/// serves up to [`SESSIONS_PER_IMAP_PROCESS`] sessions (`service_count = 0`, `client_limit`:
/// Dovecot's "high-performance" mode), as few processes as that allows, and one login
/// process serves every client; the limits on clients, connections per user and address, and
/// address space are raised to match.
///
/// IDLE: a session learns of a change in its mailbox from inotify (500 ms later, Dovecot's
/// `NOTIFY_DELAY_MSECS`) or from its own `mailbox_idle_check_interval` timer, which the
/// harness sets to 1 s. In a process serving many sessions, one inotify event wakes only one
/// of the sessions watching the same directory (Dovecot 2.3's `inotify_input_more` calls the
/// first watcher of a watch descriptor: `io_notify_fd_find`), so the others notice at their
/// next check: a wake-up reaches all of them within about a second, plus the time to process
/// them. (With Dovecot's default of 30 s, 300 sessions took 30 s.)
///
/// Each idling session holds about three file descriptors in its `imap` process (the socket,
/// the index log and the mailbox list's index log), and Dovecot's processes inherit the
/// starting process's `RLIMIT_NOFILE`: raise it to 20 000 (the per-process share of
/// [`SESSIONS_PER_IMAP_PROCESS`] sessions, and the login process's sockets).
pub fn many_sessions_config(sessions: usize) -> String {
    let clients = sessions + 200;
    let per_process = sessions.min(SESSIONS_PER_IMAP_PROCESS) + 100;
    let processes = sessions.div_ceil(SESSIONS_PER_IMAP_PROCESS).max(1);
    format!(
        "# Many concurrent sessions (tests/src/dovecot.rs, many_sessions_config).\n\
         default_client_limit = {clients}\n\
         default_vsz_limit = 0\n\
         service imap {{\n  service_count = 0\n  process_limit = {processes}\n  \
         client_limit = {per_process}\n}}\n\
         service imap-login {{\n  service_count = 0\n  process_limit = 2\n  \
         client_limit = {clients}\n}}\n\
         protocol imap {{\n  mail_max_userip_connections = {clients}\n}}\n"
    )
}

/// The most sessions [`many_sessions_config`] lets one `imap` process serve: about three file
/// descriptors each stays under a hard `RLIMIT_NOFILE` of 20 000 (where it cannot be raised,
/// as in a container without `CAP_SYS_RESOURCE`).
pub const SESSIONS_PER_IMAP_PROCESS: usize = 4000;

/// A user known to Dovecot's password file, with a mailbox of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserAccount {
    /// Login name; made of ASCII letters and digits only.
    pub name: String,
    /// Password. It contains a space, a double quote and a backslash, so that `LOGIN` has to
    /// quote it; it is accepted by `LOGIN`, `AUTHENTICATE PLAIN`/`LOGIN`, `CRAM-MD5` and
    /// `SCRAM-SHA-1`/`SCRAM-SHA-256` (ASCII, so SASLprep leaves it as it is).
    pub password: String,
}

impl UserAccount {
    fn new(name: &str) -> Self {
        UserAccount {
            name: name.to_owned(),
            password: format!("{name} pa ss\"w\\rd"),
        }
    }
}

/// One message of the sample mailbox (`tests/fixtures/sample-mail`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleMessage {
    /// Mailbox the message belongs to, such as `INBOX` or `Work/Projects`.
    pub mailbox: String,
    /// File name under `tests/fixtures/sample-mail`.
    pub file: String,
    /// Flags set on the message, such as `\Seen` (possibly empty).
    pub flags: Vec<String>,
    /// Internal date, in IMAP `date-time` form without quotes (`04-Mar-2025 11:42:17 +0100`),
    /// taken from the message's `Date:` header. Dovecot's Maildir keeps the instant, not the
    /// zone: `INTERNALDATE` comes back in the server's zone (`04-Mar-2025 10:42:17 +0000`).
    pub internal_date: String,
    /// The message exactly as delivered, with CRLF line endings.
    pub bytes: Vec<u8>,
    /// The UID Dovecot gave it; `None` unless it came from [`Dovecot::load_sample`].
    pub uid: Option<u32>,
}

/// The identity Dovecot's processes use for mail and for the daemon's own services.
#[derive(Clone, Debug)]
struct RunAs {
    /// Whether the test process runs as root (then Dovecot's own users are used as packaged).
    root: bool,
    uid: u32,
    gid: u32,
    /// Used only when not root: the current user's and group's names.
    user_name: String,
    group_name: String,
}

/// A running Dovecot, private to this test process. Get it with [`dovecot()`].
#[derive(Debug)]
pub struct Dovecot {
    dir: PathBuf,
    config: PathBuf,
    ca_pem_path: PathBuf,
    ca_pem: Vec<u8>,
    plain_port: u16,
    tls_port: u16,
    master_pid: u32,
    startup_time: Duration,
    alice: UserAccount,
    bob: UserAccount,
    run_as: RunAs,
    /// The number of users created by [`Dovecot::new_user`] so far.
    users_created: AtomicU32,
    /// The write end of the wrapper's stdin: Dovecot runs as long as it is open.
    _lifeline: Mutex<ChildStdin>,
    _wrapper: Mutex<Child>,
}

impl Dovecot {
    /// The address to connect to: `127.0.0.1`.
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// The name the server certificate is issued for: `localhost` (it also carries the IP
    /// address `127.0.0.1`). `localhost` resolves to `127.0.0.1` on the test machines.
    pub fn tls_server_name(&self) -> &'static str {
        "localhost"
    }

    /// Port of the plain IMAP listener (the 143 of this server); it offers STARTTLS.
    pub fn plain_port(&self) -> u16 {
        self.plain_port
    }

    /// Port of the implicit-TLS IMAP listener (the 993 of this server).
    pub fn tls_port(&self) -> u16 {
        self.tls_port
    }

    /// [`host`](Self::host) and [`plain_port`](Self::plain_port) as a socket address.
    pub fn plain_addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.plain_port))
    }

    /// [`host`](Self::host) and [`tls_port`](Self::tls_port) as a socket address.
    pub fn tls_addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.tls_port))
    }

    /// Path of the PEM file of the CA that issued the server certificate; trust it (and only
    /// it) to verify the server.
    pub fn ca_pem_path(&self) -> &Path {
        &self.ca_pem_path
    }

    /// The CA certificate of [`ca_pem_path`](Self::ca_pem_path), as PEM bytes.
    pub fn ca_pem(&self) -> &[u8] {
        &self.ca_pem
    }

    /// True when the server certificate was issued by the test CA that `scripts/setup-dovecot`
    /// installed in the system trust store (the tests then run as root).
    pub fn system_trusted(&self) -> bool {
        fs::read(Path::new(SYSTEM_CA_DIR).join("ca.pem")).is_ok_and(|pem| pem == self.ca_pem)
    }

    /// The shared user `alice`. Other tests of the process use her too: do not rely on the
    /// contents of her mailboxes; prefer [`new_user`](Self::new_user).
    pub fn alice(&self) -> &UserAccount {
        &self.alice
    }

    /// The shared user `bob`, for ACL tests (`SETACL mailbox bob lr`).
    pub fn bob(&self) -> &UserAccount {
        &self.bob
    }

    /// Alice's login name.
    pub fn user(&self) -> &str {
        &self.alice.name
    }

    /// Alice's password (it needs quoting: it contains a space, `"` and `\`).
    pub fn password(&self) -> &str {
        &self.alice.password
    }

    /// Bob's login name.
    pub fn bob_user(&self) -> &str {
        &self.bob.name
    }

    /// Bob's password.
    pub fn bob_password(&self) -> &str {
        &self.bob.password
    }

    /// Adds a new user with an empty mailbox and returns its name and password.
    ///
    /// The user can log in at once: every user has a passwd-file of its own
    /// (`users/NAME` in the instance directory), which Dovecot opens on the user's first
    /// login. (One shared passwd-file would not do: Dovecot checks it for changes at most once
    /// a second.) Names are `user1`, `user2`, … in the order of creation within the process.
    pub fn new_user(&self) -> UserAccount {
        let n = self.users_created.fetch_add(1, Ordering::Relaxed) + 1;
        let account = UserAccount::new(&format!("user{n}"));
        add_user(&self.dir, &account, &self.run_as)
            .unwrap_or_else(|e| panic!("cannot write the passwd-file of {}: {e}", account.name));
        account
    }

    /// A shell command (for `sh -c`) that runs Dovecot's IMAP server for alice on its
    /// stdin/stdout, already authenticated: it greets with `* PREAUTH`. This is what imaplib's
    /// `IMAP4_stream` expects. Dovecot's log lines go to `stdio.log` in the instance directory.
    pub fn stdio_command(&self) -> String {
        self.stdio_command_for(&self.alice.name)
    }

    /// Like [`stdio_command`](Self::stdio_command), for any user of this server.
    pub fn stdio_command_for(&self, user: &str) -> String {
        format!(
            "exec {} -c {} -u {} 2>>{}",
            sh_quote(IMAP_BIN),
            sh_quote(&self.config.to_string_lossy()),
            sh_quote(user),
            sh_quote(&self.dir.join("stdio.log").to_string_lossy()),
        )
    }

    /// A [`Command`] that runs Dovecot's pre-authenticated IMAP for `user` on its stdin and
    /// stdout (without a shell); stderr goes to `stdio.log` in the instance directory.
    pub fn stdio_process(&self, user: &str) -> Command {
        let mut command = Command::new(IMAP_BIN);
        command.arg("-c").arg(&self.config).arg("-u").arg(user);
        match self.append_log("stdio.log") {
            Ok(log) => command.stderr(log),
            Err(_) => command.stderr(Stdio::null()),
        };
        command
    }

    /// Runs IMAP commands as `user` over Dovecot's pre-authenticated stdio IMAP, and returns
    /// everything the server wrote.
    ///
    /// Each command is given without tag and without the final CRLF; the harness tags them
    /// `h1`, `h2`, … and ends with `LOGOUT`. A command may carry `LITERAL+` literals
    /// (`{n+}\r\n` followed by n bytes). This does not use the client under test.
    ///
    /// # Panics
    ///
    /// If a command does not complete with `OK`; the message holds the whole exchange.
    pub fn imap_as(&self, user: &str, commands: &[&[u8]]) -> String {
        let mut input = Vec::new();
        for (i, command) in commands.iter().enumerate() {
            write!(input, "h{} ", i + 1).unwrap();
            input.extend_from_slice(command);
            input.extend_from_slice(b"\r\n");
        }
        write!(input, "h{} LOGOUT\r\n", commands.len() + 1).unwrap();

        let mut child = self
            .stdio_process(user)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {IMAP_BIN}: {e}"));
        let mut stdin = child.stdin.take().expect("piped stdin");
        let writer = thread::spawn(move || stdin.write_all(&input));
        let output = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("cannot wait for {IMAP_BIN}: {e}"));
        let written = writer.join().expect("stdin writer panicked");
        let transcript = String::from_utf8_lossy(&output.stdout).into_owned();

        for i in 1..=commands.len() + 1 {
            let ok = format!("h{i} OK");
            if !transcript.lines().any(|line| line.starts_with(&ok)) {
                panic!(
                    "Dovecot's stdio IMAP for {user:?} did not complete command h{i} with OK \
                     (stdin: {written:?}, exit: {}).\n--- transcript ---\n{transcript}\n\
                     --- stdio.log ---\n{}",
                    output.status,
                    tail(&self.dir.join("stdio.log"), 20),
                );
            }
        }
        transcript
    }

    /// Creates `mailbox` for `user` and subscribes to it. Parent mailboxes are created as
    /// needed. The name is sent as is (modified UTF-7 for non-ASCII names).
    pub fn create_mailbox(&self, user: &str, mailbox: &str) {
        let create = command_with_literals("CREATE", &[mailbox.as_bytes()]);
        let subscribe = command_with_literals("SUBSCRIBE", &[mailbox.as_bytes()]);
        self.imap_as(user, &[&create, &subscribe]);
    }

    /// Puts `message` into `user`'s existing `mailbox`, without flags, and returns its UID.
    ///
    /// Delivery uses `APPEND` over Dovecot's pre-authenticated stdio IMAP (so it needs neither
    /// the client under test nor a login); the message should use CRLF line endings.
    pub fn deliver(&self, user: &str, mailbox: &str, message: &[u8]) -> u32 {
        self.append(user, mailbox, &[], None, message)
    }

    /// Like [`deliver`](Self::deliver), with flags (`\Seen`, keywords, …) and an optional
    /// internal date in IMAP `date-time` form without quotes (`04-Mar-2025 11:42:17 +0100`).
    /// Returns the UID of the new message.
    pub fn append(
        &self,
        user: &str,
        mailbox: &str,
        flags: &[&str],
        internal_date: Option<&str>,
        message: &[u8],
    ) -> u32 {
        let command = append_command(mailbox, flags, internal_date, message);
        let transcript = self.imap_as(user, &[&command]);
        appended_uids(&transcript)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no APPENDUID in Dovecot's answer:\n{transcript}"))
    }

    /// Fills `user`'s mailboxes with the sample mailbox of `tests/fixtures/sample-mail` (the
    /// same one `scripts/dovecot-sample` makes): twelve messages in INBOX and a few in
    /// `Archive`, `Sent` and `Work/Projects`, which are created and subscribed. Returns the
    /// messages in delivery order, with their UIDs. Use it on a [`new_user`](Self::new_user).
    pub fn load_sample(&self, user: &str) -> Vec<SampleMessage> {
        let mut messages = sample_messages();
        let mut commands: Vec<Vec<u8>> = Vec::new();
        for mailbox in sample_folders(&messages) {
            commands.push(command_with_literals("CREATE", &[mailbox.as_bytes()]));
            commands.push(command_with_literals("SUBSCRIBE", &[mailbox.as_bytes()]));
        }
        for message in &messages {
            let flags: Vec<&str> = message.flags.iter().map(String::as_str).collect();
            commands.push(append_command(
                &message.mailbox,
                &flags,
                Some(&message.internal_date),
                &message.bytes,
            ));
        }
        let commands: Vec<&[u8]> = commands.iter().map(Vec::as_slice).collect();
        let transcript = self.imap_as(user, &commands);
        let uids = appended_uids(&transcript);
        assert_eq!(
            uids.len(),
            messages.len(),
            "one APPENDUID per sample message expected:\n{transcript}"
        );
        for (message, uid) in messages.iter_mut().zip(uids) {
            message.uid = Some(uid);
        }
        messages
    }

    /// Runs `doveadm` against this server (for instance `["mailbox", "list", "-u", "alice"]`)
    /// and returns its output, whatever its exit status.
    pub fn doveadm(&self, args: &[&str]) -> Output {
        Command::new(DOVEADM_BIN)
            .arg("-c")
            .arg(&self.config)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {DOVEADM_BIN}: {e}"))
    }

    /// The temporary directory of this instance (configuration, logs, mail, certificates).
    /// It is removed after the test process ends.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the generated `dovecot.conf`.
    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// Path of Dovecot's log file (logins, errors).
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("dovecot.log")
    }

    /// The last `lines` lines of Dovecot's log, for failure messages.
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.log_path(), lines)
    }

    /// How long [`dovecot()`] took to start this instance (certificates, configuration, and
    /// Dovecot up to its first greeting).
    pub fn startup_time(&self) -> Duration {
        self.startup_time
    }

    /// Process id of the Dovecot master process.
    pub fn master_pid(&self) -> u32 {
        self.master_pid
    }

    /// Starts a new instance. Errors are complete, human-readable panic messages.
    fn start() -> Result<Dovecot, String> {
        Self::start_with(None)
    }

    /// Starts a new instance with `extra` settings appended (before the environment's).
    fn start_with(extra: Option<&str>) -> Result<Dovecot, String> {
        let started = Instant::now();
        check_installed(&[DOVECOT_BIN, IMAP_BIN])?;
        let run_as = RunAs::detect()?;
        let dir = make_instance_dir()?;
        let setup = || -> Result<Dovecot, String> {
            let (ca_pem_path, ca_pem) = make_certificates(&dir)?;
            let alice = UserAccount::new("alice");
            let bob = UserAccount::new("bob");
            for sub in ["users", "home"] {
                let path = dir.join(sub);
                fs::create_dir(&path)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            }
            let home = dir.join("home");
            if run_as.root {
                std::os::unix::fs::chown(&home, Some(run_as.uid), Some(run_as.gid))
                    .map_err(|e| format!("cannot chown {}: {e}", home.display()))?;
            }
            for user in [&alice, &bob] {
                add_user(&dir, user, &run_as)
                    .map_err(|e| format!("cannot add user {}: {e}", user.name))?;
            }

            let plain = bind_loopback()?;
            let tls = bind_loopback()?;
            let plain_port = plain.local_addr().map_err(|e| e.to_string())?.port();
            let tls_port = tls.local_addr().map_err(|e| e.to_string())?.port();
            let config = dir.join("dovecot.conf");
            let mut text = config_text(&dir, &run_as, plain_port, tls_port);
            if let Some(extra) = extra {
                let _ = write!(text, "\n{extra}\n");
            }
            if let Ok(extra) = std::env::var(EXTRA_CONFIG_ENV) {
                let _ = write!(text, "\n# From ${EXTRA_CONFIG_ENV}:\n{extra}\n");
            }
            fs::write(&config, text)
                .map_err(|e| format!("cannot write {}: {e}", config.display()))?;

            let mut wrapper = Command::new("sh")
                .arg("-c")
                .arg(WRAPPER_SCRIPT)
                .arg("dovecot-wrapper")
                .arg(&dir)
                .arg(DOVECOT_BIN)
                .arg("-F")
                .arg("-c")
                .arg(&config)
                .stdin(Stdio::piped())
                .stdout(Stdio::from(OwnedFd::from(plain)))
                .stderr(Stdio::from(OwnedFd::from(tls)))
                .spawn()
                .map_err(|e| format!("cannot run sh to start Dovecot: {e}"))?;
            let lifeline = wrapper.stdin.take().expect("piped stdin");

            let master_pid = wait_until_ready(&dir, plain_port)?;
            Ok(Dovecot {
                startup_time: started.elapsed(),
                ca_pem_path,
                ca_pem,
                plain_port,
                tls_port,
                master_pid,
                alice,
                bob,
                run_as: run_as.clone(),
                users_created: AtomicU32::new(0),
                _lifeline: Mutex::new(lifeline),
                _wrapper: Mutex::new(wrapper),
                config,
                dir: dir.clone(),
            })
        };
        // On failure before the wrapper runs, nobody else removes the directory. After a
        // start-up failure the wrapper removes it when the process ends.
        setup().inspect_err(|_| {
            if !dir.join("startup.log").exists() {
                let _ = fs::remove_dir_all(&dir);
            }
        })
    }

    fn append_log(&self, name: &str) -> io::Result<fs::File> {
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(name))
    }

    /// The user id Dovecot's mail processes run as.
    pub fn mail_uid(&self) -> u32 {
        self.run_as.uid
    }
}

impl RunAs {
    fn detect() -> Result<RunAs, String> {
        let me = fs::metadata("/proc/self").map_err(|e| format!("cannot stat /proc/self: {e}"))?;
        if me.uid() == 0 {
            let (_, uid, gid) = lookup_passwd(|name, _| name == "mail").ok_or_else(|| {
                "the system user `mail` is missing; Dovecot's mail processes run as `mail` when \
                 the tests run as root"
                    .to_owned()
            })?;
            Ok(RunAs {
                root: true,
                uid,
                gid,
                user_name: "mail".into(),
                group_name: "mail".into(),
            })
        } else {
            let (user_name, uid, _) = lookup_passwd(|_, uid| uid == me.uid()).ok_or_else(|| {
                format!(
                    "uid {} has no entry in /etc/passwd; Dovecot needs a user name",
                    me.uid()
                )
            })?;
            let group_name = lookup_group(me.gid()).ok_or_else(|| {
                format!(
                    "gid {} has no entry in /etc/group; Dovecot needs a group name",
                    me.gid()
                )
            })?;
            Ok(RunAs {
                root: false,
                uid,
                gid: me.gid(),
                user_name,
                group_name,
            })
        }
    }
}

/// Checks that Dovecot's binaries exist; the error names the set-up command.
fn check_installed(binaries: &[&str]) -> Result<(), String> {
    match binaries.iter().find(|binary| !Path::new(binary).exists()) {
        None => Ok(()),
        Some(binary) => Err(format!(
            "Dovecot is not installed: {binary} is missing. The integration tests run against a \
             real Dovecot; install it with `{SETUP_COMMAND}` (as root, or as a user with sudo; \
             it runs `apt-get install dovecot-imapd`)."
        )),
    }
}

/// Reads `/etc/passwd` and returns the first entry `(name, uid, gid)` that `matches`.
fn lookup_passwd(matches: impl Fn(&str, u32) -> bool) -> Option<(String, u32, u32)> {
    let text = fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        let uid = fields.get(2)?.parse().ok()?;
        let gid = fields.get(3)?.parse().ok()?;
        matches(fields[0], uid).then(|| (fields[0].to_owned(), uid, gid))
    })
}

/// Reads `/etc/group` and returns the name of group `gid`.
fn lookup_group(gid: u32) -> Option<String> {
    let text = fs::read_to_string("/etc/group").ok()?;
    text.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.get(2)?.parse::<u32>().ok()? == gid).then(|| fields[0].to_owned())
    })
}

/// Creates a fresh, world-traversable directory under the system temporary directory.
fn make_instance_dir() -> Result<PathBuf, String> {
    let base = std::env::temp_dir();
    let base_text = base.to_string_lossy();
    // The path goes into Dovecot's configuration (space-separated passdb arguments) and must
    // leave room for unix socket names (at most 107 bytes).
    if base_text.len() > 60
        || !base_text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        return Err(format!(
            "the temporary directory {base_text:?} is unsuitable for Dovecot (it must be short \
             and contain no spaces or special characters); set TMPDIR=/tmp"
        ));
    }
    for attempt in 0..100u32 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = base.join(format!(
            "imaplib-dovecot-{}-{:08x}",
            std::process::id(),
            nanos ^ attempt
        ));
        match fs::create_dir(&dir) {
            Ok(()) => {
                // The mail user must be able to reach its home below this directory.
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))
                    .map_err(|e| format!("cannot chmod {}: {e}", dir.display()))?;
                return Ok(dir);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
        }
    }
    Err(format!("cannot create a fresh directory in {base_text}"))
}

/// Binds a listening socket on `127.0.0.1` with a port chosen by the kernel.
fn bind_loopback() -> Result<TcpListener, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot bind a loopback port: {e}"))
}

/// Where `scripts/setup-dovecot` keeps the test CA it installs in the system trust store.
pub const SYSTEM_CA_DIR: &str = "/var/lib/imaplib-test-ca";

/// OpenSSL configuration for the test CA and the server certificate.
const OPENSSL_CNF: &str = "\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = imaplib-rs test
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

/// Makes a CA and a server certificate for `localhost` / `127.0.0.1` (P-256 keys, valid for 30
/// days) with the `openssl` CLI. Returns the CA's PEM path and bytes.
fn make_certificates(dir: &Path) -> Result<(PathBuf, Vec<u8>), String> {
    let cnf = dir.join("openssl.cnf");
    fs::write(&cnf, OPENSSL_CNF).map_err(|e| format!("cannot write {}: {e}", cnf.display()))?;
    let serial = format!(
        "0x{:x}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(1)
    );
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let steps: [(&str, Vec<&str>); 3] = [
        (
            "CA certificate",
            [
                &[
                    "req",
                    "-x509",
                    "-config",
                    "openssl.cnf",
                    "-extensions",
                    "ca_ext",
                ][..],
                &key,
            ]
            .concat()
            .into_iter()
            .chain([
                "-subj",
                "/CN=imaplib-rs test CA",
                "-days",
                "30",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ])
            .collect(),
        ),
        (
            "server key",
            [&["req", "-new", "-config", "openssl.cnf"][..], &key]
                .concat()
                .into_iter()
                .chain([
                    "-subj",
                    "/CN=localhost",
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                ])
                .collect(),
        ),
        (
            "server certificate",
            vec![
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                &serial,
                "-days",
                "30",
                "-extfile",
                "openssl.cnf",
                "-extensions",
                "server_ext",
                "-out",
                "server.pem",
            ],
        ),
    ];
    // The localhost-only CA scripts/setup-dovecot installs in the system trust store issues
    // the server certificate when its key is readable (as root), so that the platform
    // verifier can be tested; otherwise a fresh CA does.
    let system_ca = Path::new(SYSTEM_CA_DIR);
    let system = fs::read(system_ca.join("ca.key"))
        .ok()
        .zip(fs::read(system_ca.join("ca.pem")).ok());
    let steps: Vec<(&str, Vec<&str>)> = match &system {
        Some((key, pem)) => {
            fs::write(dir.join("ca.key"), key)
                .map_err(|e| format!("cannot copy the CA key: {e}"))?;
            fs::write(dir.join("ca.pem"), pem).map_err(|e| format!("cannot copy the CA: {e}"))?;
            steps.into_iter().skip(1).collect()
        }
        None => steps.into_iter().collect(),
    };
    for (what, args) in steps {
        let output = Command::new("openssl")
            .args(&args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                format!(
                    "cannot run the openssl CLI ({e}); it comes with Dovecot: run \
                     `{SETUP_COMMAND}` as root"
                )
            })?;
        if !output.status.success() {
            return Err(format!(
                "openssl failed to make the {what} (openssl {}):\n{}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    let ca_pem_path = dir.join("ca.pem");
    let ca_pem = fs::read(&ca_pem_path).map_err(|e| format!("cannot read CA: {e}"))?;
    Ok((ca_pem_path, ca_pem))
}

/// The complete `dovecot.conf` of an instance.
fn config_text(dir: &Path, run_as: &RunAs, plain_port: u16, tls_port: u16) -> String {
    let dir = dir.display();
    let RunAs { uid, gid, .. } = run_as;
    let mut text = format!(
        "# Generated by tests/src/dovecot.rs for one test process.\n\
         base_dir = {dir}/run\n\
         state_dir = {dir}/state\n\
         log_path = {dir}/dovecot.log\n\
         mail_uid = {uid}\n\
         mail_gid = {gid}\n\
         first_valid_uid = {uid}\n\
         first_valid_gid = {gid}\n"
    );
    if !run_as.root {
        // Without root, every Dovecot process runs as the current user.
        let (user, group) = (&run_as.user_name, &run_as.group_name);
        let _ = write!(
            text,
            "default_login_user = {user}\n\
             default_internal_user = {user}\n\
             default_internal_group = {group}\n"
        );
    }
    text.push('\n');
    text.push_str(COMMON_CONF);
    let _ = write!(
        text,
        r#"
# Listeners: the sockets are bound by the test process and inherited through the systemd
# socket-activation protocol (LISTEN_FDS), matched by port.
listen = 127.0.0.1
ssl = yes
ssl_cert = <{dir}/server.pem
ssl_key = <{dir}/server.key
service imap-login {{
  chroot =
  process_min_avail = 2
  inet_listener imap {{
    address = 127.0.0.1
    port = {plain_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # No growing delays after failed logins: tests fail logins on purpose.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}

# Users: one passwd-file per user (users/NAME), so that a new user can log in at once.
# Passwords are stored as {{PLAIN}}: CRAM-MD5 needs the plaintext, and both SCRAMs
# derive their keys from it.
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/users/%u
  default_fields = uid={uid} gid={gid} home={dir}/home/%u
}}
"#
    );
    text
}

/// Writes the passwd-file of a user, `users/NAME`, holding `NAME:{PLAIN}password::::::`.
/// The file appears atomically (rename), so that Dovecot never reads half of it.
/// Writes the user's passwd-file and creates the user's INBOX (the Maildir root with `cur`,
/// `new`, `tmp`, owned by the mail user).
///
/// Dovecot would create the INBOX on first use, but two sessions of a new user that open it
/// at once race: one of them gets `NO [ALREADYEXISTS] Mailbox already exists` to a STATUS
/// or EXAMINE of INBOX (seen in CI with two sessions logging in together).
fn add_user(dir: &Path, user: &UserAccount, run_as: &RunAs) -> io::Result<()> {
    assert!(
        user.name.chars().all(|c| c.is_ascii_alphanumeric()),
        "user names are letters and digits: {:?}",
        user.name
    );
    assert!(
        !user.password.contains([':', '\n', '\r']),
        "passwd-file fields cannot hold ':' or line breaks"
    );
    let tmp = dir.join(format!("users/.{}.tmp", user.name));
    fs::write(
        &tmp,
        format!("{}:{{PLAIN}}{}::::::\n", user.name, user.password),
    )?;
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644))?;
    let home = dir.join("home").join(&user.name);
    let maildir = home.join("Maildir");
    for path in [&home, &maildir] {
        fs::create_dir(path)?;
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))?;
    }
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir(maildir.join(sub))?;
        fs::set_permissions(maildir.join(sub), fs::Permissions::from_mode(0o700))?;
    }
    if run_as.root {
        let own = |p: &Path| std::os::unix::fs::chown(p, Some(run_as.uid), Some(run_as.gid));
        for path in [home.clone(), maildir.clone()] {
            own(&path)?;
        }
        for sub in ["cur", "new", "tmp"] {
            own(&maildir.join(sub))?;
        }
    }
    fs::rename(&tmp, dir.join("users").join(&user.name))
}

/// Waits until Dovecot greets on its plain port; returns the master's process id.
fn wait_until_ready(dir: &Path, plain_port: u16) -> Result<u32, String> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let failure = |what: &str| {
        format!(
            "Dovecot failed to start ({what}). Instance directory: {}\n\
             --- startup.log ---\n{}\n--- dovecot.log ---\n{}",
            dir.display(),
            tail(&dir.join("startup.log"), 30),
            tail(&dir.join("dovecot.log"), 30),
        )
    };
    let mut greeting = Vec::new();
    let mut stream: Option<TcpStream> = None;
    loop {
        if dir.join("exited").exists() {
            let status = fs::read_to_string(dir.join("exited")).unwrap_or_default();
            return Err(failure(&format!("it exited with status {}", status.trim())));
        }
        if Instant::now() > deadline {
            return Err(failure(&format!("no greeting within {STARTUP_TIMEOUT:?}")));
        }
        // The socket is already listening: the connection waits in the backlog until Dovecot
        // accepts it.
        let conn = match &mut stream {
            Some(conn) => conn,
            None => {
                let conn = TcpStream::connect((Ipv4Addr::LOCALHOST, plain_port))
                    .map_err(|e| failure(&format!("cannot connect to port {plain_port}: {e}")))?;
                conn.set_read_timeout(Some(Duration::from_millis(50)))
                    .map_err(|e| e.to_string())?;
                stream.insert(conn)
            }
        };
        let mut chunk = [0u8; 512];
        match conn.read(&mut chunk) {
            Ok(0) => {
                // Closed without a greeting: Dovecot is going down; look at `exited` again.
                stream = None;
                greeting.clear();
                thread::sleep(Duration::from_millis(50));
            }
            Ok(n) => {
                greeting.extend_from_slice(&chunk[..n]);
                if greeting.ends_with(b"\r\n") {
                    if !greeting.starts_with(b"* OK") {
                        return Err(failure(&format!(
                            "unexpected greeting {:?}",
                            String::from_utf8_lossy(&greeting)
                        )));
                    }
                    let _ = conn.write_all(b"x LOGOUT\r\n");
                    break;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => {
                stream = None;
                greeting.clear();
                thread::sleep(Duration::from_millis(50));
            }
        }
    }
    let pid_file = dir.join("run/master.pid");
    let pid = fs::read_to_string(&pid_file)
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .ok_or_else(|| failure(&format!("{} is missing", pid_file.display())))?;
    Ok(pid)
}

/// The last `lines` lines of a file, or a note that it cannot be read.
fn tail(path: &Path, lines: usize) -> String {
    match fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("({}: {e})", path.display()),
    }
}

/// Quotes a string for `sh`.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `NAME {n+}\r\narg1 {m+}\r\narg2…`: a command whose arguments are all `LITERAL+` literals,
/// which needs no quoting rules at all.
fn command_with_literals(name: &str, args: &[&[u8]]) -> Vec<u8> {
    let mut command = name.as_bytes().to_vec();
    for arg in args {
        write!(command, " {{{}+}}\r\n", arg.len()).unwrap();
        command.extend_from_slice(arg);
    }
    command
}

/// An `APPEND` command with flags, an optional internal date and the message as a literal.
fn append_command(
    mailbox: &str,
    flags: &[&str],
    internal_date: Option<&str>,
    message: &[u8],
) -> Vec<u8> {
    let mut command = command_with_literals("APPEND", &[mailbox.as_bytes()]);
    write!(command, " ({})", flags.join(" ")).unwrap();
    if let Some(date) = internal_date {
        write!(command, " \"{date}\"").unwrap();
    }
    write!(command, " {{{}+}}\r\n", message.len()).unwrap();
    command.extend_from_slice(message);
    command
}

/// The UIDs of `[APPENDUID validity uid]` codes in a transcript, in order.
fn appended_uids(transcript: &str) -> Vec<u32> {
    transcript
        .lines()
        .filter_map(|line| {
            let rest = &line[line.find("[APPENDUID ")? + "[APPENDUID ".len()..];
            let uid = rest.split([' ', ']']).nth(1)?;
            uid.parse().ok()
        })
        .collect()
}

/// Replaces the command timings that Dovecot puts in its tagged texts, such as
/// `(0.001 + 0.000 + 0.001 secs)`, by `(T secs)`, so that transcripts of two sessions can be
/// compared. Dovecot 2.3 has no setting to leave them out.
pub fn mask_timings(text: &[u8]) -> Vec<u8> {
    /// Length of a timing such as `(0.001 + 0.000 secs)` at the start of `text`, if any.
    fn timing_len(text: &[u8]) -> Option<usize> {
        let mut i = 1; // after '('
        loop {
            let start = i;
            while text.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start || text.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
            let fraction = i;
            while text.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == fraction {
                return None;
            }
            if text[i..].starts_with(b" + ") {
                i += 3;
            } else if text[i..].starts_with(b" secs)") {
                return Some(i + b" secs)".len());
            } else {
                return None;
            }
        }
    }
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'(' {
            if let Some(len) = timing_len(&text[i..]) {
                out.extend_from_slice(b"(T secs)");
                i += len;
                continue;
            }
        }
        out.push(text[i]);
        i += 1;
    }
    out
}

/// The folder of the sample mailbox: `tests/fixtures/sample-mail`.
pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample-mail")
}

/// The messages of the sample mailbox (`tests/fixtures/sample-mail/MANIFEST`), in delivery
/// order, as [`Dovecot::load_sample`] and `scripts/dovecot-sample` deliver them.
///
/// # Panics
///
/// If the fixtures are missing or malformed.
pub fn sample_messages() -> Vec<SampleMessage> {
    let dir = sample_dir();
    let manifest = fs::read_to_string(dir.join("MANIFEST"))
        .unwrap_or_else(|e| panic!("cannot read {}/MANIFEST: {e}", dir.display()));
    manifest
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut fields = line.split_whitespace();
            let (Some(mailbox), Some(file)) = (fields.next(), fields.next()) else {
                panic!("malformed MANIFEST line: {line:?}");
            };
            let flags = fields
                .filter(|flag| *flag != "-")
                .map(str::to_owned)
                .collect();
            let raw = fs::read(dir.join(file))
                .unwrap_or_else(|e| panic!("cannot read sample message {file}: {e}"));
            let bytes = to_crlf(&raw);
            let internal_date = internal_date_of(&bytes)
                .unwrap_or_else(|| panic!("sample message {file} lacks a usable Date: header"));
            SampleMessage {
                mailbox: mailbox.to_owned(),
                file: file.to_owned(),
                flags,
                internal_date,
                bytes,
                uid: None,
            }
        })
        .collect()
}

/// The mailboxes other than INBOX that the sample uses, in order of first appearance.
pub fn sample_folders(messages: &[SampleMessage]) -> Vec<String> {
    let mut folders: Vec<String> = Vec::new();
    for message in messages {
        if message.mailbox != "INBOX" && !folders.contains(&message.mailbox) {
            folders.push(message.mailbox.clone());
        }
    }
    folders
}

/// Converts line endings to CRLF (whether the input has LF or CRLF).
fn to_crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 40);
    for (i, &byte) in raw.iter().enumerate() {
        if byte == b'\n' && (i == 0 || raw[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(byte);
    }
    out
}

/// Turns the `Date:` header (`Tue, 04 Mar 2025 11:42:17 +0100`) into an IMAP date-time
/// (`04-Mar-2025 11:42:17 +0100`).
fn internal_date_of(message: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(message);
    let header = text
        .split("\r\n")
        .take_while(|line| !line.is_empty())
        .find(|line| line.len() > 5 && line[..5].eq_ignore_ascii_case("date:"))?;
    let mut words: Vec<&str> = header[5..].split_whitespace().collect();
    if words.first()?.ends_with(',') {
        words.remove(0);
    }
    let [day, month, year, time, zone] = words[..] else {
        return None;
    };
    let day: u8 = day.parse().ok()?;
    Some(format!("{day:02}-{month}-{year} {time} {zone}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_imap_date_times() {
        let message = b"From: a@b\r\nDate: Tue, 4 Mar 2025 11:42:17 +0100\r\n\r\nDate: no\r\n";
        assert_eq!(
            internal_date_of(message).as_deref(),
            Some("04-Mar-2025 11:42:17 +0100")
        );
        assert_eq!(internal_date_of(b"Subject: x\r\n\r\n"), None);
    }

    #[test]
    fn line_endings_become_crlf() {
        assert_eq!(to_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
    }

    #[test]
    fn appenduid_codes_are_found() {
        let transcript = "h1 OK [APPENDUID 1795 7] Append completed.\r\n\
                          h2 OK [APPENDUID 1795 8] Append completed.\r\n";
        assert_eq!(appended_uids(transcript), vec![7, 8]);
    }

    #[test]
    fn commands_use_literals() {
        assert_eq!(
            append_command(
                "a \"b\"",
                &["\\Seen"],
                Some("04-Mar-2025 11:42:17 +0100"),
                b"x"
            ),
            b"APPEND {5+}\r\na \"b\" (\\Seen) \"04-Mar-2025 11:42:17 +0100\" {1+}\r\nx".to_vec()
        );
    }

    #[test]
    fn missing_dovecot_names_the_setup_command() {
        let error = check_installed(&["/bin/sh", "/nonexistent/dovecot"]).unwrap_err();
        assert!(error.contains("/nonexistent/dovecot is missing"), "{error}");
        assert!(error.contains("scripts/setup-dovecot"), "{error}");
        assert_eq!(check_installed(&["/bin/sh"]), Ok(()));
    }

    #[test]
    fn timings_are_masked() {
        let tagged = b"a1 OK List completed (0.001 + 0.000 + 0.002 secs).\r\n\
                       a2 OK [READ-WRITE] Select completed (12.500 secs).\r\n\
                       a3 OK (1 + 2 secs) (0.1 secs";
        assert_eq!(
            mask_timings(tagged),
            b"a1 OK List completed (T secs).\r\n\
              a2 OK [READ-WRITE] Select completed (T secs).\r\n\
              a3 OK (1 + 2 secs) (0.1 secs"
                .to_vec()
        );
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }
}
