//! Framing throughput: ~100 MB of literal-heavy FETCH responses fed to a `Connection`
//! whole, in 4 KiB chunks and in 1-byte chunks, measuring MB/s including the imaplib-shaped
//! result. Run with `cargo bench -p imaplib-proto --bench framing`.

use std::time::{Duration, Instant};

use imaplib_proto::{Command, Connection, Item, Options, Output};

/// A FETCH (UID FLAGS RFC822.SIZE RFC822) response per message, bodies of realistic mail.
fn corpus(target: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(target + 4096);
    let mut n = 0;
    while out.len() < target {
        n += 1;
        let mut body = format!(
            "Return-Path: <sender{n}@example.org>\r\nDelivered-To: alice@example.org\r\n\
             Received: from mx.example.org by imap.example.org with LMTP id {n}; Mon, 7 Feb 1994 21:52:25 -0800\r\n\
             From: Sender {n} <sender{n}@example.org>\r\nTo: Alice <alice@example.org>\r\n\
             Subject: Quarterly report part {n}\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n\
             Message-ID: <{n}.report@example.org>\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n"
        )
        .into_bytes();
        let lines = 60 + (n * 37) % 200;
        for i in 0..lines {
            body.extend_from_slice(
                format!(
                    "Line {i} of the report: revenue, costs and a forecast for quarter {n}.\r\n"
                )
                .as_bytes(),
            );
        }
        out.extend_from_slice(
            format!(
                "* {n} FETCH (UID {} FLAGS (\\Seen) RFC822.SIZE {} RFC822 {{{}}}\r\n",
                n + 1000,
                body.len(),
                body.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&body);
        out.extend_from_slice(b")\r\n");
    }
    out.extend_from_slice(b"BCDE0 OK Fetch completed.\r\n");
    (out, n)
}

fn run(data: &[u8], chunk: usize, messages: usize) -> Duration {
    let mut conn = Connection::new(Options::new(0x1234));
    conn.feed(b"* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n");
    // The PREAUTH greeting asks for capabilities first (tag 0 is that CAPABILITY).
    while conn.poll_output().is_some() {}
    conn.feed(b"* CAPABILITY IMAP4rev1\r\nBCDE0 OK done\r\n");
    while conn.poll_output().is_some() {}
    // Enter SELECTED so FETCH data is stored.
    conn.submit(Command::select("INBOX", false).unwrap())
        .unwrap();
    conn.feed(b"BCDE1 OK [READ-WRITE] ok\r\n");
    while conn.poll_output().is_some() {}
    let id = conn
        .submit(Command::fetch("1:*", "(UID FLAGS RFC822.SIZE RFC822)").unwrap())
        .unwrap();
    let data = String::from_utf8_lossy(data).replace("BCDE0 OK Fetch", "BCDE2 OK Fetch");
    let data = data.as_bytes();
    let start = Instant::now();
    for piece in data.chunks(chunk) {
        conn.feed(piece);
    }
    let elapsed = start.elapsed();
    let mut literals = 0;
    while let Some(out) = conn.poll_output() {
        if let Output::Completed { id: done, result } = out {
            assert_eq!(done, id);
            let reply = result.expect("fetch");
            literals = reply
                .data
                .iter()
                .filter(|i| matches!(i, Item::Literal(..)))
                .count();
        }
    }
    assert_eq!(literals, messages);
    elapsed
}

fn main() {
    let (data, messages) = corpus(100 << 20);
    let mb = data.len() as f64 / 1e6;
    println!("corpus: {messages} FETCH responses with RFC822 literals, {mb:.1} MB");
    for (name, chunk) in [
        ("one feed", data.len()),
        ("4 KiB chunks", 4096),
        ("1-byte chunks", 1),
    ] {
        let runs = if chunk == 1 { 1 } else { 3 };
        let best = (0..runs)
            .map(|_| run(&data, chunk, messages))
            .min()
            .unwrap_or_default();
        println!(
            "{name:>14}: {:>8.1} MB/s ({:.3} s)",
            mb / best.as_secs_f64(),
            best.as_secs_f64()
        );
    }
}
