//! The async client against a real Dovecot, under smol, async-std and tokio (the tokio
//! tests run each body in `tokio::spawn` on a multi-threaded runtime): the blocking client's
//! scenarios (the same code, expanded with `.await`), plus what only async has — IDLE as a
//! stream, cancellation, pipelining and many concurrent sessions. Every test is written
//! once, generic over the runtime, with the same connect helpers under each
//! (`generic::Client::<BoxStream, R>::connect_tls_with`…); `every_runtime!` makes one
//! `#[test]` per runtime (`on_smol::…`, `on_async_std::…`, `on_tokio::…`).

use std::future::Future;
use std::io::Write;
use std::net::TcpListener;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use futures_lite::{future, StreamExt};
use imaplib_async::generic::Client;
use imaplib_async::{BoxStream, Cause, Command, Config, Runtime, State};
use imaplib_integration_tests::dovecot::{dovecot, UserAccount, IDLE_STILL_HERE};
use imaplib_integration_tests::runtimes::Exec;

imaplib_integration_tests::scenarios!(async, generics: [R: Runtime], client: Client<BoxStream, R>);

imaplib_integration_tests::every_runtime!(
    mailboxes_over_every_transport,
    messages_over_every_transport,
    quoting,
    tls_is_verified_by_default,
    timeouts,
    idle_is_a_stream,
    idle_keepalives_reset_the_silence_timer,
    dropped_futures_leave_the_connection_usable,
    pipelined_commands_reach_their_callers,
    a_hundred_concurrent_sessions,
    streaming_through_dovecot,
    a_process_without_a_shell,
);

fn tls_config() -> Config {
    let d = dovecot();
    Config::default()
        .with_tls(imaplib_async::tls::config_with_ca_pem(d.ca_pem()).unwrap())
        .with_tls_server_name(d.tls_server_name().to_string())
}

#[derive(Clone, Copy, Debug)]
enum Transport {
    Plain,
    Tls,
    StartTls,
    Stream,
}

const TRANSPORTS: [Transport; 4] = [
    Transport::Plain,
    Transport::Tls,
    Transport::StartTls,
    Transport::Stream,
];

/// A logged-in client of `user` over `t`, on `R`: the same helpers under every runtime.
async fn connect<R: Runtime>(t: Transport, user: &UserAccount) -> Client<BoxStream, R> {
    let d = dovecot();
    let (host, plain, tls) = (d.host(), d.plain_port(), d.tls_port());
    let cfg = tls_config();
    let mut m = match t {
        Transport::Stream => {
            let m = Client::connect_stream(&d.stdio_command_for(&user.name))
                .await
                .unwrap();
            assert_eq!(m.state(), State::Auth);
            return m;
        }
        Transport::Plain => Client::connect(host, plain).await,
        Transport::Tls => Client::connect_tls_with(host, tls, &cfg).await,
        Transport::StartTls => Client::connect_starttls(host, plain, &cfg).await,
    }
    .unwrap();
    assert_eq!(m.is_secure(), !matches!(t, Transport::Plain));
    let r = m
        .login(user.name.as_str(), user.password.as_str())
        .await
        .unwrap();
    assert_eq!(r.typ, "OK");
    m
}

fn mailboxes_over_every_transport<X: Exec>() {
    for t in TRANSPORTS {
        let user = dovecot().new_user();
        X::run(async move {
            let mut m = connect::<X::R>(t, &user).await;
            scenario_mailboxes(&mut m).await;
            scenario_logout(&mut m).await;
        });
    }
}

fn messages_over_every_transport<X: Exec>() {
    for t in TRANSPORTS {
        let user = dovecot().new_user();
        X::run(async move {
            let mut m = connect::<X::R>(t, &user).await;
            scenario_messages(&mut m).await;
            scenario_logout(&mut m).await;
        });
    }
}

fn quoting<X: Exec>() {
    for t in [Transport::Plain, Transport::Stream] {
        let user = dovecot().new_user();
        X::run(async move {
            let mut m = connect::<X::R>(t, &user).await;
            scenario_quoting(&mut m).await;
        });
    }
}

fn tls_is_verified_by_default<X: Exec>() {
    let d = dovecot();
    X::run(async move {
        type C<X> = Client<BoxStream, <X as Exec>::R>;
        let e = C::<X>::connect_tls(d.host(), d.tls_port())
            .await
            .unwrap_err();
        assert_eq!(e.cause(), Cause::Tls, "{e}");
        let mut cfg = tls_config();
        cfg.tls_server_name = Some("imap.example.com".into());
        let e = C::<X>::connect_tls_with(d.host(), d.tls_port(), &cfg)
            .await
            .unwrap_err();
        assert_eq!(e.cause(), Cause::Tls, "{e}");
        // STARTTLS verifies too, and fails before any credential.
        let e = C::<X>::connect_starttls(d.host(), d.plain_port(), &Config::default())
            .await
            .unwrap_err();
        assert_eq!(e.cause(), Cause::Tls, "{e}");
    });
}

fn timeouts<X: Exec>() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        // First connection: silent. Second: greets, then silent.
        let (a, _) = listener.accept().unwrap();
        let (mut b, _) = listener.accept().unwrap();
        b.write_all(b"* OK [CAPABILITY IMAP4rev1] hello\r\n")
            .unwrap();
        std::thread::sleep(Duration::from_secs(3));
        drop((a, b));
    });
    let cfg = Config::default().with_timeout(Some(Duration::from_millis(300)));
    X::run(async move {
        type C<X> = Client<BoxStream, <X as Exec>::R>;
        let t = Instant::now();
        let e = C::<X>::connect_with("127.0.0.1", port, &cfg)
            .await
            .unwrap_err();
        assert!(e.is_timeout(), "{e:?}");
        let mut m = C::<X>::connect_with("127.0.0.1", port, &cfg).await.unwrap();
        let e = m.noop().await.unwrap_err();
        assert!(e.is_timeout() && e.is_abort(), "{e:?}");
        assert!(t.elapsed() < Duration::from_secs(2));
        let e = C::<X>::connect_stream_with("sleep 5", &cfg)
            .await
            .unwrap_err();
        assert!(e.is_timeout(), "{e:?}");
    });
    server.join().unwrap();
}

fn idle_is_a_stream<X: Exec>() {
    let d = dovecot();
    let user = d.new_user();
    X::run(async move {
        let mut m = connect::<X::R>(Transport::Plain, &user).await;
        let _ = m.select("INBOX", false).await.unwrap();
        let mut idle = m.idle(Some(Duration::from_secs(5))).await.unwrap();
        d.deliver(&user.name, "INBOX", MESSAGES[0]);
        // Dovecot's IDLE keepalive may fall within any IDLE, and is the only other update.
        let still_here = |r: &imaplib_async::Reply| r.python_repr() == IDLE_STILL_HERE;
        let mut first = idle.next().await.unwrap().unwrap();
        if still_here(&first) {
            first = idle.next().await.unwrap().unwrap();
        }
        assert_eq!(first.python_repr(), "('EXISTS', [b'1'])");
        let r = idle.done().await.unwrap();
        assert_eq!(r.typ, "OK");
        assert_eq!(m.state(), State::Selected);
        // A deadline ends the stream; nothing arrived (but, perhaps, the keepalive).
        let t = Instant::now();
        let mut idle = m.idle(Some(Duration::from_millis(300))).await.unwrap();
        while let Some(r) = idle.next().await {
            let r = r.unwrap();
            assert!(still_here(&r), "{}", r.python_repr());
        }
        assert!(t.elapsed() < Duration::from_secs(2));
        let _ = idle.done().await.unwrap();
        // Dropping the stream leaves IDLE with the next command.
        let idle = m.idle(None).await.unwrap();
        drop(idle);
        assert_eq!(m.noop().await.unwrap().typ, "OK");
        assert_eq!(m.state(), State::Selected);
    });
}

fn idle_keepalives_reset_the_silence_timer<X: Exec>() {
    // A server that sends "* OK Still here" every 200 ms, for a second, then nothing.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::{BufRead, BufReader};
        let (sock, _) = listener.accept().unwrap();
        let mut w = sock.try_clone().unwrap();
        let mut r = BufReader::new(sock);
        w.write_all(b"* OK [CAPABILITY IMAP4rev1 IDLE] hi\r\n")
            .unwrap();
        let mut line = String::new();
        r.read_line(&mut line).unwrap(); // LOGIN
        let tag = line.split(' ').next().unwrap().to_string();
        w.write_all(format!("{tag} OK [CAPABILITY IMAP4rev1 IDLE] in\r\n").as_bytes())
            .unwrap();
        line.clear();
        r.read_line(&mut line).unwrap(); // IDLE
        w.write_all(b"+ idling\r\n").unwrap();
        for _ in 0..5 {
            std::thread::sleep(Duration::from_millis(200));
            w.write_all(b"* OK Still here\r\n").unwrap();
        }
        std::thread::sleep(Duration::from_secs(2));
    });
    X::run(async move {
        let mut m = Client::<BoxStream, X::R>::connect("127.0.0.1", port)
            .await
            .unwrap();
        let _ = m.login("u", "p").await.unwrap();
        let t = Instant::now();
        let silence = Some(Duration::from_millis(500));
        let timeouts = imaplib_async::Timeouts {
            idle_silence: silence,
            ..*m.driver().timeouts()
        };
        m.set_timeouts(timeouts).unwrap();
        let mut idle = m.idle(None).await.unwrap();
        let mut keepalives = 0;
        let mut end = None;
        while let Some(item) = idle.next().await {
            match item {
                Ok(r) => {
                    assert_eq!(r.python_repr(), "('OK', [b'Still here'])");
                    keepalives += 1;
                }
                Err(e) => {
                    end = Some(e);
                    break;
                }
            }
        }
        let e = end.expect("a timeout ends the stream");
        assert!(e.is_timeout(), "{e:?}");
        assert_eq!(keepalives, 5);
        // Five keepalives 200 ms apart kept it alive well past the 500 ms timeout.
        assert!(
            t.elapsed() > Duration::from_millis(1400),
            "{:?}",
            t.elapsed()
        );
    });
    server.join().unwrap();
}

/// Polls `fut` until `cond` holds or it completes, then drops it.
async fn poll_then_drop<F: Future>(fut: F, mut polls: usize) -> Option<F::Output> {
    let mut fut = pin!(fut);
    future::poll_fn(|cx| match fut.as_mut().poll(cx) {
        Poll::Ready(v) => Poll::Ready(Some(v)),
        Poll::Pending if polls == 0 => Poll::Ready(None),
        Poll::Pending => {
            polls -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

fn dropped_futures_leave_the_connection_usable<X: Exec>() {
    let d = dovecot();
    let big: Vec<u8> = {
        let mut m = b"Subject: big\r\n\r\n".to_vec();
        while m.len() < 4 << 20 {
            m.extend_from_slice(
                b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqr\r\n",
            );
        }
        m
    };
    let user = d.new_user();
    X::run(async move {
        let mut m = connect::<X::R>(Transport::Plain, &user).await;
        // Dropped in the middle of writing a 4 MiB APPEND literal (LITERAL+).
        let r = poll_then_drop(m.append(None, None, None, &big), 2).await;
        assert!(r.is_none(), "the APPEND should still have been in flight");
        let r = m.status("INBOX", "(MESSAGES)").await.unwrap();
        assert_eq!(r.python_repr(), "('OK', [b'INBOX (MESSAGES 1)'])");
        let _ = m.select("INBOX", false).await.unwrap();
        // Dropped in the middle of reading a 4 MiB FETCH response.
        let r = poll_then_drop(m.fetch("1", "(BODY[])"), 3).await;
        assert!(r.is_none(), "the FETCH should still have been in flight");
        // The dropped FETCH completes in the background: its 4 MiB literal is framed
        // (nothing desynchronised) and its result, data included, discarded. (The next
        // command has another response type: Dovecot may run pipelined FETCHes at once
        // and interleave their data, which imaplib's store cannot tell apart.)
        let r = m.search(None, &["LARGER", "4000000"]).await.unwrap();
        assert_eq!(r.python_repr(), "('OK', [b'1'])");
        let r = m.fetch("1", "(RFC822.SIZE)").await.unwrap();
        assert_eq!(
            r.python_repr(),
            format!("('OK', [b'1 (RFC822.SIZE {})'])", big.len())
        );
        assert!(m.connection().diagnostics().frames.literals >= 1);
        assert_eq!(m.noop().await.unwrap().typ, "OK");
    });
    // STARTTLS dropped at every point of its progress: afterwards the connection is either
    // upgraded (the next command finishes the upgrade first) or cleanly aborted — never
    // usable in cleartext.
    X::run(async move {
        let mut outcomes = std::collections::BTreeSet::new();
        for polls in 0..12 {
            let mut m =
                Client::<BoxStream, X::R>::connect_with(d.host(), d.plain_port(), &tls_config())
                    .await
                    .unwrap();
            let _ = poll_then_drop(m.starttls(), polls).await;
            match m.noop().await {
                Ok(_) => {
                    assert!(
                        m.is_secure(),
                        "usable in cleartext after a dropped STARTTLS"
                    );
                    outcomes.insert("upgraded");
                }
                Err(e) => {
                    assert!(e.is_abort(), "{e:?}");
                    outcomes.insert("aborted");
                }
            }
        }
        assert!(outcomes.contains("upgraded"), "{outcomes:?}");
    });
}

fn pipelined_commands_reach_their_callers<X: Exec>() {
    let user = dovecot().new_user();
    X::run(async move {
        let mut m = connect::<X::R>(Transport::Plain, &user).await;
        let _ = m.create("P").await.unwrap();
        let _ = m.select("INBOX", false).await.unwrap();
        let ids: Vec<_> = [
            Command::noop(),
            Command::status("P", "(MESSAGES)").unwrap(),
            Command::search(None, &["ALL"]).unwrap(),
            Command::list(None, Some("P".into())).unwrap(),
        ]
        .into_iter()
        .map(|c| m.submit(c).unwrap())
        .collect();
        // Collected in reverse order of submission.
        assert_eq!(
            m.wait(ids[3]).await.unwrap().python_repr(),
            "('OK', [b'(\\\\HasNoChildren) \"/\" P'])"
        );
        assert_eq!(m.wait(ids[2]).await.unwrap().python_repr(), "('OK', [b''])");
        assert_eq!(
            m.wait(ids[1]).await.unwrap().python_repr(),
            "('OK', [b'P (MESSAGES 0)'])"
        );
        assert_eq!(m.wait(ids[0]).await.unwrap().typ, "OK");
    });
}

/// A hundred sessions at once, each a task of the executor (under tokio, spawned on the
/// multi-threaded runtime and moving between its workers).
fn a_hundred_concurrent_sessions<X: Exec>() {
    let d = dovecot();
    let users: Vec<UserAccount> = (0..100).map(|_| d.new_user()).collect();
    let sessions = users
        .into_iter()
        .enumerate()
        .map(|(i, user)| async move {
            let d = dovecot();
            let mut m = Client::<BoxStream, X::R>::connect(d.host(), d.plain_port()).await?;
            let _ = m.login(user.name.as_str(), user.password.as_str()).await?;
            let body = format!("Subject: session {i}\r\n\r\nHello from {i}.\r\n");
            let _ = m.append(None, None, None, body.as_bytes()).await?;
            let _ = m.select("INBOX", true).await?;
            let r = m.fetch("1", "(BODY.PEEK[])").await?;
            let _ = m.logout().await?;
            Ok::<_, imaplib_async::Error>((i, body, r))
        })
        .collect();
    let results = X::run_all(sessions);
    assert_eq!(results.len(), 100);
    for r in results {
        let (i, body, reply) = r.unwrap();
        match &reply.data[0] {
            imaplib_async::Item::Literal(_, got) => assert_eq!(got, body.as_bytes(), "session {i}"),
            other => panic!("session {i}: {other:?}"),
        }
    }
}

fn streaming_through_dovecot<X: Exec>() {
    let d = dovecot();
    {
        let user = d.new_user();
        X::run(async move {
            let mut m = connect::<X::R>(Transport::Plain, &user).await;
            let mut message = b"Subject: big one\r\n\r\n".to_vec();
            while message.len() < 5 << 20 {
                message.extend_from_slice(
                    b"All work and no play makes Jack a dull boy. 0123456789\r\n",
                );
            }
            let mut reader = futures_lite::io::Cursor::new(message.clone());
            let r = m
                .append_from(None, None, None, &mut reader, message.len() as u64)
                .await
                .unwrap();
            assert_eq!(r.typ, "OK", "{r:?}");
            let _ = m.select("INBOX", true).await.unwrap();
            let mut body: Vec<u8> = Vec::new();
            let r = m.fetch_to("1", "(BODY.PEEK[])", &mut body).await.unwrap();
            assert!(body == message, "{} bytes back", body.len());
            assert_eq!(r.typ, "OK");
            // Dropped in the middle of streaming an APPEND (the reader gives 64 KiB, then
            // never more): the connection aborts cleanly.
            let mut reader = Stalling(64 * 1024);
            let len = message.len() as u64;
            let r = poll_then_drop(m.append_from(None, None, None, &mut reader, len), 3).await;
            assert!(r.is_none());
            let e = m.noop().await.unwrap_err();
            assert!(e.is_abort() && e.message().contains("interrupted"), "{e}");
        });
    }
}

fn a_process_without_a_shell<X: Exec>() {
    let d = dovecot();
    let user = d.new_user();
    X::run(async move {
        let cmd = d.stdio_process(&user.name);
        let mut m = Client::<BoxStream, X::R>::connect_process(cmd, &Config::default())
            .await
            .unwrap();
        assert_eq!(m.state(), State::Auth);
        assert_eq!(
            m.select("INBOX", false).await.unwrap().python_repr(),
            "('OK', [b'0'])"
        );
        assert_eq!(m.logout().await.unwrap().typ, "BYE");
    });
}

/// A reader that gives this many bytes, then stays pending forever.
struct Stalling(usize);

impl futures_lite::AsyncRead for Stalling {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.0 == 0 {
            return Poll::Pending;
        }
        let n = buf.len().min(self.0);
        buf[..n].fill(b'x');
        self.0 -= n;
        Poll::Ready(Ok(n))
    }
}

// ----- tokio runs on tokio's reactor alone ---------------------------------------------------

/// The names of this process's threads (Linux truncates them to 15 bytes).
fn thread_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim_end().to_string())
        .collect();
    names.sort();
    names
}

/// Threads of the async-io world: its reactor, async-process's reaper, `blocking`'s pool
/// (async-net's DNS), async-std's executor.
const ASYNC_IO_THREADS: [&str; 4] = ["async-io", "async-process", "blocking-", "async-global-e"];

/// The environment variable that tells [`session_in_a_process_of_its_own`] which runtime
/// to run, alone, in the child process started by [`tokio_client_starts_no_second_reactor`].
const ALONE: &str = "IMAPLIB_TEST_RUNTIME_ALONE";

/// A session over every transport, with timers firing (an IDLE deadline, a connect
/// timeout), on the runtime named by [`ALONE`]; then prints this process's threads. It only
/// means something in a process where no other test ran, so it is `#[ignore]`d and run by
/// [`tokio_client_starts_no_second_reactor`] in a child process.
#[test]
#[ignore = "run in a process of its own by tokio_client_starts_no_second_reactor"]
fn session_in_a_process_of_its_own() {
    use imaplib_integration_tests::runtimes::{Smol, Tokio};
    match std::env::var(ALONE).as_deref() {
        Ok("tokio") => session_alone::<Tokio>(),
        Ok("smol") => session_alone::<Smol>(),
        _ => println!("skipped: only meaningful in a process of its own"),
    }
}

fn session_alone<X: Exec>() {
    let d = dovecot();
    let users: Vec<UserAccount> = TRANSPORTS.iter().map(|_| d.new_user()).collect();
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let before = thread_names();
    X::run(async move {
        for (t, user) in TRANSPORTS.into_iter().zip(&users) {
            let mut m = connect::<X::R>(t, user).await;
            let _ = m.select("INBOX", false).await.unwrap();
            let mut idle = m.idle(Some(Duration::from_millis(100))).await.unwrap();
            assert!(idle.next().await.is_none());
            let _ = idle.done().await.unwrap();
            assert_eq!(m.logout().await.unwrap().typ, "BYE");
        }
        let cfg = Config::default().with_timeout(Some(Duration::from_millis(200)));
        let m = Client::<BoxStream, X::R>::connect_with("127.0.0.1", silent_port, &cfg).await;
        assert!(m.unwrap_err().is_timeout());
    });
    drop(silent);
    println!("threads before: {before:?}");
    println!("threads after: {:?}", thread_names());
}

/// The threads a session of `runtime` leaves in a process of its own, as the child prints
/// them.
fn threads_of_a_session_alone(runtime: &str) -> Vec<String> {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "session_in_a_process_of_its_own"])
        .args(["--ignored", "--nocapture", "--test-threads=1"])
        .env(ALONE, runtime)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let line = stdout.lines().find_map(|l| l.split_once("threads after: "));
    let Some((_, names)) = line else {
        panic!("no thread list: {stdout}");
    };
    println!("{runtime}: {names}");
    names
        .trim_matches(['[', ']'])
        .split(", ")
        .map(|n| n.trim_matches('"').to_string())
        .collect()
}

/// Under tokio the client runs on tokio's reactor alone: a session over TCP, TLS, STARTTLS
/// and stdio, with timers firing, starts no thread of async-io's world, though this binary
/// links it (the smol and async-std tests), and tokio's workers do the work. The same
/// session under smol does start async-io's reactor (the census sees it).
#[test]
fn tokio_client_starts_no_second_reactor() {
    let tokio = threads_of_a_session_alone("tokio");
    for prefix in ASYNC_IO_THREADS {
        assert!(
            !tokio.iter().any(|n| n.starts_with(prefix)),
            "a {prefix} thread under tokio: {tokio:?}"
        );
    }
    assert!(tokio.iter().any(|n| n.starts_with("tokio-")), "{tokio:?}");
    let smol = threads_of_a_session_alone("smol");
    assert!(smol.iter().any(|n| n == "async-io"), "{smol:?}");
    assert!(!smol.iter().any(|n| n.starts_with("tokio-")), "{smol:?}");
}

/// With the `tokio` feature alone, nothing of async-io is compiled into imaplib-async:
/// `cargo tree` of that build names tokio and none of async-io, async-net, async-process,
/// async-std, blocking or polling (while the smol build does name async-io).
#[test]
fn tokio_feature_alone_links_no_async_io() {
    let tree = |features: &str| {
        let out = std::process::Command::new(env!("CARGO"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["tree", "-p", "imaplib-async", "--no-default-features"])
            .args(["--features", features, "-e", "normal", "--prefix", "none"])
            .args(["--locked", "--offline"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "cargo tree: {stderr}");
        let crates: std::collections::BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split(' ').next().map(str::to_string))
            .collect();
        crates
    };
    let tokio = tree("tokio");
    assert!(tokio.contains("tokio"), "{tokio:?}");
    for name in [
        "async-io",
        "async-net",
        "async-process",
        "async-std",
        "blocking",
        "polling",
    ] {
        assert!(!tokio.contains(name), "{name} under tokio alone: {tokio:?}");
    }
    let smol = tree("smol");
    assert!(
        smol.contains("async-io") && !smol.contains("tokio"),
        "{smol:?}"
    );
    println!(
        "imaplib-async with only `tokio`: {} crates, {tokio:?}",
        tokio.len()
    );
}
