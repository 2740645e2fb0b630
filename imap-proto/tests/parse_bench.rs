//! A rough throughput check, ignored by default. Run in release mode:
//!
//! ```text
//! cargo test --release -p imaplib-proto --test parse_bench -- --ignored --nocapture
//! ```

use std::hint::black_box;
use std::time::Instant;

use imaplib_proto::frame::Frame;
use imaplib_proto::parse::{self, parse_response, Data, Response};
use imaplib_proto::{Item, Reply};

/// The data after `n FETCH `.
fn fetch_data(i: u32) -> String {
    format!(
        "(UID {uid} FLAGS (\\Seen $Forwarded) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 48213 \
ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes {i}\" \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) \
((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \
\"<B27397-0100000@cac.washington.edu>\") \
BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\" \"format\" \"flowed\") NIL NIL \"quoted-printable\" 1224 31 NIL NIL NIL NIL)\
(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 4511 92 NIL NIL NIL NIL) \"alternative\" \
(\"boundary\" \"----=_Part_1_{i}\") NIL NIL NIL))",
        uid = 1000 + i
    )
}

fn mb_per_s(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / secs / 1e6
}

#[test]
#[ignore = "timing; run in release mode"]
fn throughput() {
    // FETCH UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE, as frames.
    let frames: Vec<Frame> = (1..=20_000)
        .map(|i| Frame::line(format!("* {i} FETCH {}", fetch_data(i)).into_bytes()))
        .collect();
    let bytes: usize = frames.iter().map(Frame::len).sum();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for f in &frames {
            let r = parse_response(f).unwrap();
            black_box(&r);
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "FETCH envelope+bodystructure frames: {:.0} MB/s",
        mb_per_s(bytes, best)
    );

    // The same through a Reply view (imaplib's shape: `n (…)`).
    let reply = Reply::new(
        "OK",
        (1..=20_000)
            .map(|i| Item::Line(format!("{i} {}", fetch_data(i)).into_bytes()))
            .collect(),
    );
    let rbytes: usize = reply.lines().map(<[u8]>::len).sum();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for f in parse::fetches(&reply) {
            black_box(f.unwrap());
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "FETCH envelope+bodystructure view:   {:.0} MB/s",
        mb_per_s(rbytes, best)
    );

    // LIST
    let list: Vec<Frame> = (0..100_000)
        .map(|i| {
            Frame::line(
                format!("* LIST (\\HasNoChildren \\Marked) \"/\" \"Archive/2024/Project &ZeVnLIqe-{i}\"")
                    .into_bytes(),
            )
        })
        .collect();
    let lbytes: usize = list.iter().map(Frame::len).sum();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for f in &list {
            black_box(parse_response(f).unwrap());
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("LIST frames: {:.0} MB/s", mb_per_s(lbytes, best));

    // One SEARCH line of 1,000,000 numbers (every other number, so no run merges).
    let mut line = b"* SEARCH".to_vec();
    for n in 0..1_000_000u32 {
        line.push(b' ');
        line.extend_from_slice((n * 2 + 1).to_string().as_bytes());
    }
    let search = Frame::line(line);
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let r = parse_response(&search).unwrap();
        let Response::Untagged(Data::Search(s)) = &r else {
            panic!()
        };
        assert_eq!(s.ids.ranges().len(), 1_000_000);
        black_box(&r);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "SEARCH 1e6 numbers: {:.0} MB/s",
        mb_per_s(search.len(), best)
    );
}
