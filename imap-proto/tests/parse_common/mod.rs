//! Helpers shared by the parse_* integration tests.
#![allow(dead_code)]

use imaplib_proto::frame::{Frame, Framer};
use imaplib_proto::parse::{parse_response_quirks, Data, Quirk, Quirks, Response};
use imaplib_proto::Limits;

/// Frames wire bytes (CRLF-terminated, literals included) with the real framer.
pub fn frames(wire: &[u8]) -> Vec<Frame> {
    let mut f = Framer::new(Limits::default());
    let mut input = wire;
    let mut out = Vec::new();
    while let Some(frame) = f.next_frame(&mut input).expect("framing") {
        out.push(frame);
    }
    assert!(
        f.is_idle(),
        "incomplete input: {:?}",
        String::from_utf8_lossy(wire)
    );
    out
}

/// Exactly one frame from wire bytes.
pub fn frame(wire: &[u8]) -> Frame {
    let mut v = frames(wire);
    assert_eq!(v.len(), 1, "expected one frame");
    v.remove(0)
}

/// Parses one frame and returns the untagged data and quirks.
pub fn untagged(frame: &Frame) -> (Data<'_>, Quirks) {
    let mut q = Quirks::new();
    match parse_response_quirks(frame, &mut q) {
        Ok(Response::Untagged(d)) => (d, q),
        other => panic!("not untagged data: {other:?}"),
    }
}

/// Asserts the quirk set is exactly `want`.
pub fn assert_quirks(q: Quirks, want: &[Quirk]) {
    let got: Vec<Quirk> = q.iter().collect();
    assert_eq!(got, want, "quirks");
}
