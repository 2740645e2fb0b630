//! Streaming message bodies: a 1 GB message fetched into a sink and appended from a reader,
//! through the blocking client, with peak memory measured. (Its own test binary, so that
//! the process's peak RSS belongs to this test alone.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Instant;

use imaplib_blocking::{Client, Config, LiteralSink};

const GB: u64 = 1_000_000_000;

/// Peak resident set size of this process so far, in bytes (Linux `VmHWM`).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status");
    kb * 1024
}

/// Bytes of the synthetic message: a header, then a repeating pattern.
fn message_byte(i: u64) -> u8 {
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-\r\n"[(i % 66) as usize]
}

/// A reader producing `len` message bytes without holding them.
struct Synthetic {
    at: u64,
    len: u64,
}

impl Read for Synthetic {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (self.len - self.at).min(buf.len() as u64) as usize;
        for (k, b) in buf[..n].iter_mut().enumerate() {
            *b = message_byte(self.at + k as u64);
        }
        self.at += n as u64;
        Ok(n)
    }
}

/// A sink that checks every byte against the pattern and counts them.
#[derive(Default)]
struct Check {
    literals: u32,
    size: u64,
    seen: u64,
}

impl LiteralSink for Check {
    fn start(&mut self, _seq: Option<u32>, _header: &[u8], size: u64) -> std::io::Result<()> {
        self.literals += 1;
        self.size = size;
        Ok(())
    }
    fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        for (k, b) in bytes.iter().enumerate() {
            assert_eq!(
                *b,
                message_byte(self.seen + k as u64),
                "byte {}",
                self.seen + k as u64
            );
        }
        self.seen += bytes.len() as u64;
        Ok(())
    }
}

/// A server that answers one FETCH with a literal of `len` synthetic bytes and one
/// APPEND by reading (and counting) its literal.
fn server(len: u64) -> (u16, std::thread::JoinHandle<u64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        let mut w = sock.try_clone().unwrap();
        let mut r = BufReader::with_capacity(1 << 16, sock);
        w.write_all(b"* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n")
            .unwrap();
        let mut appended = 0;
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).unwrap() == 0 {
                return appended;
            }
            let tag = line.split(' ').next().unwrap_or_default().to_string();
            let cmd = line
                .split(' ')
                .nth(1)
                .unwrap_or_default()
                .trim()
                .to_ascii_uppercase();
            match cmd.as_str() {
                "CAPABILITY" => w
                    .write_all(
                        format!("* CAPABILITY IMAP4rev1 LITERAL+\r\n{tag} OK done\r\n").as_bytes(),
                    )
                    .unwrap(),
                "SELECT" => w
                    .write_all(format!("* 1 EXISTS\r\n{tag} OK [READ-WRITE] done\r\n").as_bytes())
                    .unwrap(),
                "FETCH" => {
                    w.write_all(format!("* 1 FETCH (UID 7 BODY[] {{{len}}}\r\n").as_bytes())
                        .unwrap();
                    let mut src = Synthetic { at: 0, len };
                    std::io::copy(&mut src, &mut w).unwrap();
                    w.write_all(format!(")\r\n{tag} OK Fetch completed.\r\n").as_bytes())
                        .unwrap();
                }
                "APPEND" => {
                    let n: u64 = line
                        .rsplit('{')
                        .next()
                        .and_then(|s| {
                            s.trim_end()
                                .trim_end_matches('}')
                                .trim_end_matches('+')
                                .parse()
                                .ok()
                        })
                        .unwrap();
                    let mut left = n;
                    let mut buf = vec![0u8; 1 << 16];
                    while left > 0 {
                        let k = r.read(&mut buf[..(left.min(1 << 16) as usize)]).unwrap();
                        assert!(k > 0);
                        left -= k as u64;
                    }
                    appended = n;
                    line.clear();
                    r.read_line(&mut line).unwrap(); // the CRLF ending the command
                    w.write_all(
                        format!("{tag} OK [APPENDUID 1 8] Append completed.\r\n").as_bytes(),
                    )
                    .unwrap();
                }
                "LOGOUT" => {
                    w.write_all(format!("* BYE bye\r\n{tag} OK done\r\n").as_bytes())
                        .unwrap();
                    return appended;
                }
                _ => w
                    .write_all(format!("{tag} BAD what\r\n").as_bytes())
                    .unwrap(),
            }
        }
    });
    (port, handle)
}

#[test]
fn a_1gb_message_streams_in_bounded_memory() {
    let before = peak_rss();
    let (port, server) = server(GB);
    let mut m = Client::connect_with("127.0.0.1", port, &Config::default()).unwrap();
    let _ = m.select("INBOX", false).unwrap();

    let t = Instant::now();
    let mut check = Check::default();
    let r = m.fetch_stream("1", "(UID BODY[])", &mut check).unwrap();
    let fetch_time = t.elapsed();
    assert_eq!((check.literals, check.size, check.seen), (1, GB, GB));
    assert_eq!(
        r.python_repr(),
        format!("('OK', [(b'1 (UID 7 BODY[] {{{GB}}}', b''), b')'])")
    );
    let after_fetch = peak_rss();

    let t = Instant::now();
    let r = m
        .append_from(None, None, None, &mut Synthetic { at: 0, len: GB }, GB)
        .unwrap();
    let append_time = t.elapsed();
    assert_eq!(r.typ, "OK");
    let after_append = peak_rss();
    let _ = m.logout().unwrap();
    assert_eq!(server.join().unwrap(), GB);

    let grew = after_append.saturating_sub(before);
    println!(
        "1 GB FETCH streamed in {fetch_time:?}, APPEND in {append_time:?}; peak RSS {} MB before, {} MB after FETCH, {} MB after APPEND (+{} MB)",
        before >> 20,
        after_fetch >> 20,
        after_append >> 20,
        grew >> 20
    );
    assert!(
        after_append < 32 << 20,
        "peak RSS {} MB",
        after_append >> 20
    );
}
