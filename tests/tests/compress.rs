//! COMPRESS=DEFLATE against the real Dovecot (its `imap_zlib` plugin), for both clients —
//! blocking, and async under smol, async-std and tokio — over plain TCP, implicit TLS and
//! STARTTLS: a whole session after `COMPRESS` (APPEND of a 3 MB message and of small ones,
//! FETCH of everything, imaplib-shaped and streamed, SEARCH, STORE, IDLE with a message
//! delivered while idling, LOGOUT) gives the same results as the same session without
//! compression. Over plain TCP the bytes on the wire are recorded: after the COMPRESS line
//! (and after the server's OK) they are raw DEFLATE that an independent inflater reads back
//! into the session's commands (and answers), the client's ending in a sync flush, and
//! both directions take far fewer bytes than without compression.
//!
//! The session is written once ([`session!`]) for both clients.

use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use futures_lite::StreamExt as _; // `next()` of the async Idler
use imaplib_async::generic::Client as AsyncClient;
use imaplib_async::{BoxStream, Runtime};
use imaplib_blocking::Socket;
use imaplib_integration_tests::dovecot::{dovecot, mask_timings, UserAccount};
use imaplib_integration_tests::runtimes::Exec;
use imaplib_integration_tests::scenarios::MESSAGES;
use imaplib_integration_tests::wire::{Recorder, Written};
use imaplib_proto::error::{Reason, StateProblem};
use imaplib_proto::{Config, Item, LiteralSink, Reply};

imaplib_integration_tests::every_runtime!(async_sessions_equal_with_and_without_compression);

/// How a session connects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    /// Plain TCP, recorded.
    Plain,
    Tls,
    StartTls,
}

const TRANSPORTS: [Transport; 3] = [Transport::Plain, Transport::Tls, Transport::StartTls];

fn tls_config() -> Config {
    let d = dovecot();
    Config::default()
        .with_tls(imaplib_blocking::tls::config_with_ca_pem(d.ca_pem()).unwrap())
        .with_tls_server_name(d.tls_server_name().to_string())
        .with_timeout(Some(Duration::from_secs(60)))
}

/// A text message of about 3 MB: lines that differ (as real mail does), compressible.
fn big_message() -> Vec<u8> {
    let mut m = b"From: Big <big@example.org>\r\nTo: you@example.org\r\nSubject: big\r\n\
Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <big@example.org>\r\n\r\n"
        .to_vec();
    let mut x: u32 = 7;
    while m.len() < 3_000_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        m.extend_from_slice(
            format!(
                "Line {:>7}: the quick brown fox {} jumps over the lazy dog {:08x}.\r\n",
                m.len(),
                x % 1000,
                x
            )
            .as_bytes(),
        );
    }
    m
}

fn delivered() -> Vec<u8> {
    b"From: Dora <dora@example.org>\r\nSubject: while idling\r\n\r\nHello during IDLE.\r\n".to_vec()
}

/// Delivers a message to `user`'s INBOX after `after`, from another thread.
fn deliver_later(user: &UserAccount, after: Duration) -> thread::JoinHandle<()> {
    let name = user.name.clone();
    thread::spawn(move || {
        thread::sleep(after);
        dovecot().deliver(&name, "INBOX", &delivered());
    })
}

/// A literal sink that counts and checks.
#[derive(Default)]
struct Count {
    messages: u64,
    bytes: u64,
    hash: u64,
}

impl LiteralSink for Count {
    fn start(&mut self, _seq: Option<u32>, _header: &[u8], _size: u64) -> std::io::Result<()> {
        self.messages += 1;
        Ok(())
    }
    fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.bytes += bytes.len() as u64;
        self.hash = fnv(self.hash, bytes);
        Ok(())
    }
}

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    if h == 0 {
        h = 0xcbf2_9ce4_8422_2325;
    }
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// A reply as a comparable line: the timings masked, the UIDVALIDITY replaced, and large
/// replies summarised by their size and a hash.
fn norm(r: &Reply, uidvalidity: &str) -> String {
    let repr = r.python_repr();
    let repr = String::from_utf8_lossy(&mask_timings(repr.as_bytes())).into_owned();
    let repr = if uidvalidity.is_empty() {
        repr
    } else {
        repr.replace(uidvalidity, "UIDVALIDITY")
    };
    if repr.len() > 2_000 {
        format!(
            "{} … {} bytes, hash {:016x}",
            &repr[..200],
            repr.len(),
            fnv(0, repr.as_bytes())
        )
    } else {
        repr
    }
}

/// The session, written once for both clients: returns its normalised results.
macro_rules! session {
    ($name:ident, [$($g:tt)*] $client:ty, [$($async:tt)*] [$($await:tt)*]) => {
        $($async)* fn $name<$($g)*>(m: &mut $client, user: &UserAccount, compress: bool) -> Vec<String> {
            let mut log = Vec::new();
            assert!(m.has_capability("COMPRESS=DEFLATE"), "{:?}", m.capabilities());
            if compress {
                let r = m.compress()$($await)*.expect("COMPRESS");
                assert_eq!(r.typ, "OK", "{r:?}");
                assert!(m.is_compressed());
                // Once only: refused before a byte is sent, the connection goes on.
                let e = m.compress()$($await)*.unwrap_err();
                assert_eq!(e.reason(), &Reason::State(StateProblem::CompressionActive), "{e}");
                let e = m.typed().compress()$($await)*.unwrap_err();
                assert_eq!(e.reason(), &Reason::State(StateProblem::CompressionActive), "{e}");
            } else {
                assert!(!m.is_compressed());
            }
            let r = m.select("INBOX", false)$($await)*.unwrap();
            log.push(norm(&r, ""));
            let uv = m.response("UIDVALIDITY");
            let uv = match uv.data.first() {
                Some(Item::Line(l)) => String::from_utf8_lossy(l).into_owned(),
                other => panic!("UIDVALIDITY: {other:?}"),
            };
            let big = big_message();
            for msg in MESSAGES.iter().copied().chain([big.as_slice()]) {
                let r = m.append(Some("INBOX".into()), Some("(\\Seen)"), None, msg)$($await)*.unwrap();
                log.push(norm(&r, &uv));
            }
            // A synchronizing literal: the client must flush before waiting for `+`.
            m.connection_mut().set_literal(Some(b"apples".to_vec())).unwrap();
            let r = m.search(Some("UTF-8"), &["TEXT"])$($await)*.unwrap();
            log.push(norm(&r, &uv));
            let r = m.noop()$($await)*.unwrap();
            log.push(norm(&r, &uv));
            let r = m.fetch("1:*", "(UID FLAGS RFC822.SIZE ENVELOPE)")$($await)*.unwrap();
            log.push(norm(&r, &uv));
            // Every body, a few MB, in memory: each one as appended.
            let r = m.fetch("1:*", "(BODY.PEEK[])")$($await)*.unwrap();
            let bodies: Vec<&[u8]> = r.data.iter().filter_map(Item::as_literal).map(|(_, d)| d).collect();
            assert_eq!(bodies.len(), 4);
            assert_eq!(bodies[..3], MESSAGES[..]);
            assert!(bodies[3] == big.as_slice(), "the big message differs");
            log.push(norm(&r, &uv));
            // And streamed.
            let mut count = Count::default();
            let r = m.fetch_stream("1:*", "(BODY.PEEK[])", &mut count)$($await)*.unwrap();
            let total: usize = MESSAGES.iter().map(|x| x.len()).sum::<usize>() + big.len();
            assert_eq!((count.messages, count.bytes), (4, total as u64));
            log.push(format!("{} streamed {} {:016x}", norm(&r, &uv), count.bytes, count.hash));
            let r = m.store("2", "+FLAGS", "(\\Flagged)")$($await)*.unwrap();
            log.push(norm(&r, &uv));
            let r = m.uid_search(None, &["FLAGGED"])$($await)*.unwrap();
            log.push(norm(&r, &uv));
            // IDLE: a message delivered while idling arrives as an update.
            let mut updates = Vec::new();
            {
                let mut idler = m.idle(Some(Duration::from_secs(30)))$($await)*.unwrap();
                let delivery = deliver_later(user, Duration::from_millis(300));
                while let Some(r) = idler.next()$($await)* {
                    let r = r.unwrap();
                    let exists = r.typ == "EXISTS";
                    updates.push(norm(&r, &uv));
                    if exists {
                        break;
                    }
                }
                delivery.join().unwrap();
                let r = idler.done()$($await)*.unwrap();
                updates.push(norm(&r, &uv));
            }
            assert!(updates.iter().any(|u| u.starts_with("('EXISTS', [b'5'])")), "{updates:?}");
            log.extend(updates);
            let r = m.fetch("5", "(FLAGS BODY.PEEK[])")$($await)*.unwrap();
            log.push(norm(&r, &uv));
            let r = m.logout()$($await)*.unwrap();
            log.push(norm(&r, &uv));
            log
        }
    };
}

session!(blocking_session, [S: Socket] imaplib_blocking::Client<S>, [] []);
session!(async_session, [S: imaplib_async::Duplex, R: Runtime] AsyncClient<S, R>, [async] [.await]);

/// The bytes of a recorded plain session: what the client wrote, what it read.
struct Wire {
    written: Written,
    read: Written,
}

/// Raw DEFLATE, inflated by flate2 (independently of the client's layer).
fn inflate(what: &str, wire: &[u8]) -> Vec<u8> {
    let mut d = flate2::Decompress::new(false);
    let mut out = Vec::with_capacity(wire.len() * 8);
    let mut at = 0;
    while at < wire.len() {
        out.reserve(64 << 10);
        let before = d.total_in();
        d.decompress_vec(&wire[at..], &mut out, flate2::FlushDecompress::Sync)
            .unwrap_or_else(|e| panic!("{what}: not raw DEFLATE: {e}"));
        at += (d.total_in() - before) as usize;
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// What a plain compressed session must look like on the wire.
fn check_wire(what: &str, compressed: &Wire, reference: &Wire) {
    // The client: clear up to its COMPRESS line, raw DEFLATE after it, sync-flushed.
    let written = compressed.written.bytes();
    let at = written
        .windows(18)
        .position(|w| w == b"COMPRESS DEFLATE\r\n")
        .unwrap_or_else(|| panic!("{what}: no COMPRESS"))
        + 18;
    let after = &written[at..];
    assert!(
        after.ends_with(&[0, 0, 0xff, 0xff]),
        "{what}: not sync-flushed"
    );
    let sent = inflate(what, after);
    for command in [
        &b" SELECT INBOX\r\n"[..],
        b" APPEND INBOX",
        b" IDLE\r\nDONE\r\n",
        b" LOGOUT\r\n",
    ] {
        assert!(
            contains(&sent, command),
            "{what}: {} not sent",
            String::from_utf8_lossy(command)
        );
    }
    assert!(
        contains(&sent, &big_message()),
        "{what}: the big message not sent whole"
    );
    // The server: clear up to its OK, raw DEFLATE after it.
    let read = compressed.read.bytes();
    let ok = read
        .windows(21)
        .position(|w| w == b" OK Begin compression")
        .unwrap_or_else(|| panic!("{what}: no OK to COMPRESS"));
    let at = ok + read[ok..].windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let received = inflate(what, &read[at..]);
    for response in [&b"\r\n* 5 EXISTS\r\n"[..], b"Hello during IDLE.", b"* BYE "] {
        assert!(
            contains(&received, response),
            "{what}: {} not received",
            String::from_utf8_lossy(response)
        );
    }
    // The 3 MB message went up compressed, and the answers came down compressed.
    let (w, w0) = (written.len(), reference.written.len());
    let (r, r0) = (read.len(), reference.read.len());
    eprintln!("{what}: client wrote {w} bytes ({w0} without COMPRESS), read {r} ({r0})");
    assert!(
        w * 2 < w0,
        "{what}: wrote {w} bytes, {w0} without compression"
    );
    assert!(
        r * 2 < r0,
        "{what}: read {r} bytes, {r0} without compression"
    );
}

fn blocking_run(t: Transport, compress: bool) -> (Vec<String>, Option<Wire>) {
    let d = dovecot();
    let user = d.new_user();
    let cfg = tls_config();
    macro_rules! login {
        ($m:expr) => {
            drop(
                $m.login(user.name.as_str(), user.password.as_str())
                    .unwrap()
                    .into_ok()
                    .unwrap(),
            )
        };
    }
    match t {
        Transport::Plain => {
            let tcp = TcpStream::connect((d.host(), d.plain_port())).unwrap();
            let (mut rec, written) = Recorder::new(tcp);
            let read = rec.record_reads();
            let mut m = imaplib_blocking::Client::from_stream(rec, d.host(), &cfg, false).unwrap();
            login!(m);
            let log = blocking_session(&mut m, &user, compress);
            (log, Some(Wire { written, read }))
        }
        Transport::Tls | Transport::StartTls => {
            let mut m = if t == Transport::Tls {
                imaplib_blocking::Client::connect_tls_with(d.host(), d.tls_port(), &cfg)
            } else {
                imaplib_blocking::Client::connect_starttls(d.host(), d.plain_port(), &cfg)
            }
            .unwrap();
            assert!(m.is_secure());
            login!(m);
            (blocking_session(&mut m, &user, compress), None)
        }
    }
}

#[test]
fn blocking_sessions_equal_with_and_without_compression() {
    let (reference, reference_wire) = blocking_run(Transport::Plain, false);
    let reference_wire = reference_wire.unwrap();
    for t in TRANSPORTS {
        let (log, wire) = blocking_run(t, true);
        assert_eq!(
            log, reference,
            "blocking over {t:?}: results differ with COMPRESS"
        );
        if let Some(wire) = wire {
            check_wire(&format!("blocking over {t:?}"), &wire, &reference_wire);
        }
    }
}

async fn async_run<R: Runtime>(t: Transport, compress: bool) -> (Vec<String>, Option<Wire>) {
    let d = dovecot();
    let user = d.new_user();
    let cfg = tls_config();
    match t {
        Transport::Plain => {
            let tcp: BoxStream = R::connect(d.host(), d.plain_port()).await.unwrap();
            let (mut rec, written) = Recorder::new(tcp);
            let read = rec.record_reads();
            let mut m = AsyncClient::<_, R>::from_stream(rec, d.host(), &cfg, false)
                .await
                .unwrap();
            let login = m.login(user.name.as_str(), user.password.as_str()).await;
            drop(login.unwrap().into_ok().unwrap());
            let log = async_session(&mut m, &user, compress).await;
            (log, Some(Wire { written, read }))
        }
        Transport::Tls | Transport::StartTls => {
            let mut m = if t == Transport::Tls {
                AsyncClient::<BoxStream, R>::connect_tls_with(d.host(), d.tls_port(), &cfg).await
            } else {
                AsyncClient::<BoxStream, R>::connect_starttls(d.host(), d.plain_port(), &cfg).await
            }
            .unwrap();
            assert!(m.is_secure());
            let login = m.login(user.name.as_str(), user.password.as_str()).await;
            drop(login.unwrap().into_ok().unwrap());
            (async_session(&mut m, &user, compress).await, None)
        }
    }
}

fn async_sessions_equal_with_and_without_compression<X: Exec>() {
    X::run(async {
        let (reference, reference_wire) = async_run::<X::R>(Transport::Plain, false).await;
        let reference_wire = reference_wire.unwrap();
        for t in TRANSPORTS {
            let (log, wire) = async_run::<X::R>(t, true).await;
            assert_eq!(
                log,
                reference,
                "{} over {t:?}: results differ with COMPRESS",
                X::NAME
            );
            if let Some(wire) = wire {
                check_wire(&format!("{} over {t:?}", X::NAME), &wire, &reference_wire);
            }
        }
    });
}

/// The blocking and the async client give the same results.
#[test]
fn both_clients_agree() {
    let (blocking, _) = blocking_run(Transport::Tls, true);
    let (smol, _) = imaplib_integration_tests::runtimes::Smol::run(async_run::<
        <imaplib_integration_tests::runtimes::Smol as Exec>::R,
    >(Transport::Tls, true));
    assert_eq!(blocking, smol);
}
