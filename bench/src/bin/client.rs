//! One IMAP client run, as its own process so that its CPU time and peak RSS are its own.
//!
//! ```text
//! client IMP WORKLOAD HOST PORT USER PASSWORD [MAILBOX] [--capture FILE]
//! ```
//!
//! IMP: `raw` (a socket reader that sends the same commands and only counts bytes until the
//! tagged OK), `blocking` (our blocking client, imaplib-shaped result), `blocking-typed`
//! (the same, then the typed view `parse::fetches` over the result), `blocking-stream` (our
//! blocking client, literals streamed to a counting sink), `async` / `async-stream` (our async
//! client on smol, same two shapes), `async-std-stream` / `tokio-stream` (`async-stream`
//! under async-std and under tokio's current-thread runtime), `imap-crate` (rust-imap 3.0.0-alpha.15). Any of ours
//! with `+wire` runs over a stream that counts the bytes on the wire, and with `+z` does
//! the same after `COMPRESS DEFLATE` (RFC 4978): `blocking-stream+z`, `async+wire`…
//! WORKLOAD: `rfc822` = `FETCH 1:* (RFC822)`, `meta` = `FETCH 1:* (FLAGS ENVELOPE
//! BODYSTRUCTURE)`.
//!
//! Every client connects over plain TCP, logs in, EXAMINEs the mailbox, runs the FETCH, and
//! logs out. It prints one line: `RESULT wall=<s> cpu=<s> bytes=<n> messages=<n>` where
//! `wall` and `cpu` (user+sys, getrusage RUSAGE_SELF) cover the FETCH alone: from sending
//! the command to holding the result; `bytes` counts literal bytes (raw: every byte of the
//! FETCH's responses) and `messages` the FETCH responses. `+wire` and `+z` add `wire_in=<n>
//! wire_out=<n>`: the bytes read and written on the TCP socket during the FETCH.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use imaplib_bench::sys;
use imaplib_proto::{Item, LiteralSink};

struct Args {
    imp: String,
    workload: String,
    host: String,
    port: u16,
    user: String,
    password: String,
    mailbox: String,
    capture: Option<String>,
}

fn items(workload: &str) -> &'static str {
    match workload {
        "rfc822" => "(RFC822)",
        "meta" => "(FLAGS ENVELOPE BODYSTRUCTURE)",
        "meta-a" => "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)",
        other => panic!("unknown workload {other}"),
    }
}

#[derive(Default)]
struct Counted {
    bytes: u64,
    messages: u64,
}

/// Bytes read and written through a [`Wire`] stream.
#[derive(Clone, Default)]
struct WireCount {
    read: Arc<AtomicU64>,
    written: Arc<AtomicU64>,
}

impl WireCount {
    fn now(&self) -> (u64, u64) {
        (
            self.read.load(Ordering::Relaxed),
            self.written.load(Ordering::Relaxed),
        )
    }
}

/// A stream that counts the bytes on the wire (below COMPRESS=DEFLATE).
struct Wire<S> {
    inner: S,
    count: WireCount,
}

impl<S: Read> Read for Wire<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<S: Write> Write for Wire<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count.written.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl imaplib_blocking::Socket for Wire<TcpStream> {
    fn set_timeout(&mut self, timeout: Option<std::time::Duration>) -> io::Result<()> {
        self.inner.set_timeout(timeout)
    }
}

impl<S: futures_lite::AsyncRead + Unpin> futures_lite::AsyncRead for Wire<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            self.count.read.fetch_add(n as u64, Ordering::Relaxed);
        }
        r
    }
}

impl<S: futures_lite::AsyncWrite + Unpin> futures_lite::AsyncWrite for Wire<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            self.count.written.fetch_add(n as u64, Ordering::Relaxed);
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

/// The implementation's base name and its wire options: (`name`, counted, compressed).
fn wire_mode(imp: &str) -> (&str, bool, bool) {
    if let Some(base) = imp.strip_suffix("+z") {
        (base, true, true)
    } else if let Some(base) = imp.strip_suffix("+wire") {
        (base, true, false)
    } else {
        (imp, false, false)
    }
}

/// A literal sink that counts.
#[derive(Default)]
struct CountSink(Counted);

impl LiteralSink for CountSink {
    fn start(&mut self, _seq: Option<u32>, _header: &[u8], _size: u64) -> io::Result<()> {
        self.0.messages += 1;
        Ok(())
    }
    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.bytes += bytes.len() as u64;
        Ok(())
    }
}

fn count_reply(reply: &imaplib_proto::Reply) -> Counted {
    let mut c = Counted::default();
    for item in &reply.data {
        match item {
            Item::Literal(_, d) => {
                c.bytes += d.len() as u64;
            }
            Item::Line(_) => c.messages += 1,
            _ => {}
        }
    }
    c
}

fn typed_count(reply: &imaplib_proto::Reply) -> Counted {
    let mut c = Counted::default();
    for f in imaplib_proto::parse::fetches(reply) {
        let f = f.expect("typed FETCH");
        c.messages += 1;
        let body = f.section("").flatten().or_else(|| {
            f.items.iter().find_map(|i| match i {
                imaplib_proto::parse::FetchItem::Rfc822(d) => *d,
                _ => None,
            })
        });
        if let Some(b) = body {
            c.bytes += b.raw().len() as u64;
        }
        std::hint::black_box((f.envelope(), f.body_structure()));
    }
    c
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let capture = a
        .iter()
        .position(|x| x == "--capture")
        .and_then(|i| a.get(i + 1).cloned());
    let pos: Vec<&String> = {
        let mut v = Vec::new();
        let mut skip = false;
        for x in &a[1..] {
            if skip {
                skip = false;
                continue;
            }
            if x == "--capture" {
                skip = true;
                continue;
            }
            v.push(x);
        }
        v
    };
    if pos.len() < 6 {
        eprintln!("usage: client IMP WORKLOAD HOST PORT USER PASSWORD [MAILBOX] [--capture FILE]");
        std::process::exit(2);
    }
    let args = Args {
        imp: pos[0].clone(),
        workload: pos[1].clone(),
        host: pos[2].clone(),
        port: pos[3].parse().expect("port"),
        user: pos[4].clone(),
        password: pos[5].clone(),
        mailbox: pos.get(6).map_or("INBOX".to_string(), |s| s.to_string()),
        capture,
    };
    let mut wire = None;
    let (wall, cpu, counted) = match wire_mode(&args.imp).0 {
        "raw" => raw(&args),
        "blocking" | "blocking-typed" | "blocking-stream" => blocking(&args, &mut wire),
        "async" | "async-stream" => {
            smol::block_on(asynchronous::<imaplib_async::SmolRuntime>(&args, &mut wire))
        }
        "async-std-stream" => async_std::task::block_on(asynchronous::<
            imaplib_async::AsyncStdRuntime,
        >(&args, &mut wire)),
        "tokio-stream" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
            .block_on(asynchronous::<imaplib_async::TokioRuntime>(
                &args, &mut wire,
            )),
        "imap-crate" => imap_crate(&args),
        other => panic!("unknown client {other}"),
    };
    let wire = wire.map_or(String::new(), |(i, o): (u64, u64)| {
        format!(" wire_in={i} wire_out={o}")
    });
    println!(
        "RESULT wall={wall:.6} cpu={cpu:.6} bytes={} messages={} hwm={}{wire}",
        counted.bytes,
        counted.messages,
        vm_hwm()
    );
}

/// Times `f`: wall seconds and this process's CPU seconds.
fn timed<T>(f: impl FnOnce() -> T) -> (f64, f64, T) {
    let u0 = sys::self_usage();
    let t0 = Instant::now();
    let r = f();
    let wall = t0.elapsed().as_secs_f64();
    let cpu = sys::self_usage().cpu() - u0.cpu();
    (wall, cpu, r)
}

fn blocking(a: &Args, wire: &mut Option<(u64, u64)>) -> (f64, f64, Counted) {
    let (imp, counted, compress) = wire_mode(&a.imp);
    if !counted {
        let m = imaplib_blocking::Client::connect(&a.host, a.port).expect("connect");
        return blocking_on(a, imp, m, false, None, wire);
    }
    let tcp = TcpStream::connect((a.host.as_str(), a.port)).expect("connect");
    tcp.set_nodelay(true).ok();
    let count = WireCount::default();
    let stream = Wire {
        inner: tcp,
        count: count.clone(),
    };
    let config = imaplib_blocking::Config::default();
    let m =
        imaplib_blocking::Client::from_stream(stream, &a.host, &config, false).expect("connect");
    blocking_on(a, imp, m, compress, Some(count), wire)
}

fn blocking_on<S: imaplib_blocking::Socket>(
    a: &Args,
    imp: &str,
    mut m: imaplib_blocking::Client<S>,
    compress: bool,
    count: Option<WireCount>,
    wire: &mut Option<(u64, u64)>,
) -> (f64, f64, Counted) {
    let _ = m
        .login(a.user.as_str(), a.password.as_str())
        .expect("login");
    if compress {
        let _ = m
            .compress()
            .expect("compress")
            .into_ok()
            .expect("COMPRESS OK");
    }
    let _ = m.select(a.mailbox.as_str(), true).expect("examine");
    let parts = items(&a.workload);
    let before = count.as_ref().map(WireCount::now);
    let r = match imp {
        "blocking" => timed(|| {
            let reply = m.fetch("1:*", parts).expect("fetch");
            count_reply(&reply)
        }),
        "blocking-typed" => timed(|| {
            let reply = m.fetch("1:*", parts).expect("fetch");
            typed_count(&reply)
        }),
        _ => timed(|| {
            let mut sink = CountSink::default();
            let reply = m.fetch_stream("1:*", parts, &mut sink).expect("fetch");
            let mut c = sink.0;
            if c.messages == 0 {
                c.messages = count_reply(&reply).messages;
            }
            c
        }),
    };
    if let (Some(count), Some((i0, o0))) = (count, before) {
        let (i, o) = count.now();
        *wire = Some((i - i0, o - o0));
    }
    let _ = m.logout().expect("logout");
    r
}

/// `async` / `async-stream` (smol), `async-std-stream`, `tokio-stream`: our async client
/// under runtime `R`, on the executor the caller runs it on (one thread).
async fn asynchronous<R: imaplib_async::Runtime>(
    a: &Args,
    wire: &mut Option<(u64, u64)>,
) -> (f64, f64, Counted) {
    use imaplib_async::BoxStream;
    type Client<R> = imaplib_async::generic::Client<BoxStream, R>;
    let (imp, counted, compress) = wire_mode(&a.imp);
    let count = WireCount::default();
    let mut m = if counted {
        let tcp = R::connect(&a.host, a.port).await.expect("connect");
        let stream: BoxStream = Box::new(Wire {
            inner: tcp,
            count: count.clone(),
        });
        let config = imaplib_async::Config::default();
        Client::<R>::from_stream(stream, &a.host, &config, false)
            .await
            .expect("connect")
    } else {
        Client::<R>::connect(&a.host, a.port)
            .await
            .expect("connect")
    };
    let _ = m
        .login(a.user.as_str(), a.password.as_str())
        .await
        .expect("login");
    if compress {
        let _ = m
            .compress()
            .await
            .expect("compress")
            .into_ok()
            .expect("COMPRESS OK");
    }
    let _ = m.select(a.mailbox.as_str(), true).await.expect("examine");
    let parts = items(&a.workload);
    let before = count.now();
    let u0 = sys::self_usage();
    let t0 = Instant::now();
    let c = if imp == "async" {
        let reply = m.fetch("1:*", parts).await.expect("fetch");
        count_reply(&reply)
    } else {
        let mut sink = CountSink::default();
        let reply = m
            .fetch_stream("1:*", parts, &mut sink)
            .await
            .expect("fetch");
        let mut c = sink.0;
        if c.messages == 0 {
            c.messages = count_reply(&reply).messages;
        }
        c
    };
    let wall = t0.elapsed().as_secs_f64();
    let cpu = sys::self_usage().cpu() - u0.cpu();
    if counted {
        let (i, o) = count.now();
        *wire = Some((i - before.0, o - before.1));
    }
    let _ = m.logout().await.expect("logout");
    (wall, cpu, c)
}

fn imap_crate(a: &Args) -> (f64, f64, Counted) {
    let tcp = TcpStream::connect((a.host.as_str(), a.port)).expect("connect");
    let mut client = imap::Client::new(tcp);
    client.read_greeting().expect("greeting");
    let mut s = client
        .login(&a.user, &a.password)
        .map_err(|e| e.0)
        .expect("login");
    s.examine(&a.mailbox).expect("examine");
    let parts = items(&a.workload);
    let r = timed(|| {
        let fetches = s.fetch("1:*", parts).expect("fetch");
        let mut c = Counted::default();
        for f in fetches.iter() {
            c.messages += 1;
            if let Some(b) = f.body() {
                c.bytes += b.len() as u64;
            }
            std::hint::black_box((f.envelope(), f.bodystructure()));
        }
        c
    });
    s.logout().expect("logout");
    r
}

/// Reads until a line starting with `tag ` completes; returns the bytes read (all of them
/// when `keep`, else only a tail) and their count.
fn read_tagged(
    s: &mut TcpStream,
    tag: &[u8],
    buf: &mut [u8],
    mut keep: Option<&mut Vec<u8>>,
) -> u64 {
    let mut total = 0u64;
    // The last partial line (bounded): enough to recognise `tag OK …\r\n` across reads.
    let mut tail: Vec<u8> = Vec::with_capacity(512);
    loop {
        let n = s.read(buf).expect("read");
        assert!(n > 0, "server closed the connection");
        total += n as u64;
        let got = &buf[..n];
        if let Some(k) = keep.as_deref_mut() {
            k.extend_from_slice(got);
        }
        if !got.ends_with(b"\r\n") {
            // Keep only what could be the start of the final line.
            let from = got.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            if from == 0 {
                tail.extend_from_slice(got);
            } else {
                tail.clear();
                tail.extend_from_slice(&got[from..]);
            }
            if tail.len() > 256 {
                let cut = tail.len() - 256;
                tail.drain(..cut);
            }
            continue;
        }
        // The read ends a line: is it the tagged one?
        let body = &got[..got.len() - 2];
        let from = body.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let last: Vec<u8> = if from == 0 {
            let mut l = std::mem::take(&mut tail);
            l.extend_from_slice(body);
            l
        } else {
            tail.clear();
            body[from..].to_vec()
        };
        if last.starts_with(tag) && last.get(tag.len()) == Some(&b' ') {
            let ok = last[tag.len() + 1..].starts_with(b"OK");
            assert!(ok, "{}", String::from_utf8_lossy(&last));
            return total;
        }
    }
}

fn raw(a: &Args) -> (f64, f64, Counted) {
    let mut s = TcpStream::connect((a.host.as_str(), a.port)).expect("connect");
    s.set_nodelay(true).ok();
    // 64 KiB reads, as our blocking client does (RAW_READ_BUFFER overrides, for experiments).
    let size = std::env::var("RAW_READ_BUFFER")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64 * 1024);
    let mut buf = vec![0u8; size];
    // Greeting: one line.
    let mut greeting = Vec::new();
    while !greeting.ends_with(b"\r\n") {
        let n = s.read(&mut buf).expect("read");
        assert!(n > 0);
        greeting.extend_from_slice(&buf[..n]);
    }
    let quote = |v: &str| {
        let mut q = String::from("\"");
        for ch in v.chars() {
            if ch == '"' || ch == '\\' {
                q.push('\\');
            }
            q.push(ch);
        }
        q.push('"');
        q
    };
    let login = format!("a1 LOGIN {} {}\r\n", quote(&a.user), quote(&a.password));
    s.write_all(login.as_bytes()).expect("write");
    read_tagged(&mut s, b"a1", &mut buf, None);
    s.write_all(format!("a2 EXAMINE {}\r\n", quote(&a.mailbox)).as_bytes())
        .expect("write");
    read_tagged(&mut s, b"a2", &mut buf, None);
    let cmd = format!("a3 FETCH 1:* {}\r\n", items(&a.workload));
    let mut keep = a.capture.as_ref().map(|_| Vec::new());
    let r = timed(|| {
        s.write_all(cmd.as_bytes()).expect("write");
        let bytes = read_tagged(&mut s, b"a3", &mut buf, keep.as_mut());
        Counted { bytes, messages: 0 }
    });
    s.write_all(b"a4 LOGOUT\r\n").expect("write");
    read_tagged(&mut s, b"a4", &mut buf, None);
    if let (Some(path), Some(k)) = (&a.capture, keep) {
        std::fs::write(path, k).expect("write capture");
    }
    r
}

/// This process's peak RSS (VmHWM of /proc/self/status), bytes. Unlike wait4's ru_maxrss,
/// it is not inflated by the parent's RSS, which Linux carries across fork/exec.
fn vm_hwm() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map_or(0, |k| k * 1024)
}
