//! Property: whatever entries and values SETMETADATA accepts, the bytes it sends after
//! `SETMETADATA ` are a well-formed `mailbox (entry value …)` that the METADATA parser reads
//! back to exactly the entries and values given (values quoted or as literals, `NIL` for
//! `None`), in exactly one command.

mod common;

use common::{t, Script};
use imaplib_proto::frame::{Framer, Limits};
use imaplib_proto::parse::{self, Data, Response};
use imaplib_proto::Command;
use proptest::prelude::*;

fn entry() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("/private"), Just("/shared")],
        prop::collection::vec("[a-zA-Z0-9._\\-\"\\\\ ü]{1,8}", 0..4),
    )
        .prop_map(|(top, parts)| {
            let mut e = top.to_string();
            for p in parts {
                e.push('/');
                e.push_str(&p);
            }
            e
        })
}

fn value() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop::option::of(prop::collection::vec(1u8..=255, 0..40))
}

proptest! {
    #[test]
    fn setmetadata_reparses_as_metadata(
        entries in prop::collection::vec((entry(), value()), 1..5),
        literal_plus in any::<bool>(),
    ) {
        let args: Vec<(&str, Option<&[u8]>)> =
            entries.iter().map(|(e, v)| (e.as_str(), v.as_deref())).collect();
        let cmd = Command::setmetadata("INBOX", &args).unwrap();
        let mut s = Script::authed(if literal_plus { "METADATA LITERAL+" } else { "METADATA" });
        s.submit(cmd);
        let mut sent = s.take_sent();
        // Without LITERAL+ each literal waits for a continuation.
        while !sent.ends_with(b")\r\n") {
            s.s("+ go\r\n");
            let more = s.take_sent();
            prop_assert!(!more.is_empty(), "stalled after {:?}", String::from_utf8_lossy(&sent));
            sent.extend_from_slice(&more);
        }
        let prefix = t("TTTT2 SETMETADATA ");
        prop_assert!(sent.starts_with(prefix.as_bytes()));
        let mut as_response = b"* METADATA ".to_vec();
        as_response.extend_from_slice(&sent[prefix.len()..]);
        let mut framer = Framer::new(Limits::default());
        let mut input = as_response.as_slice();
        let frame = framer.next_frame(&mut input).unwrap().expect("one whole frame");
        prop_assert!(input.is_empty(), "one command only");
        let Response::Untagged(Data::Metadata(md)) = parse::parse_response(&frame).unwrap() else {
            panic!("not METADATA")
        };
        prop_assert_eq!(md.mailbox.raw().into_owned(), b"INBOX".to_vec());
        prop_assert!(md.changed.is_empty());
        let got: Vec<(String, Option<Vec<u8>>)> = md
            .values
            .iter()
            .map(|(e, v)| (e.bytes().into_owned(), v.map(|v| v.bytes().into_owned())))
            .map(|(e, v)| (String::from_utf8(e).unwrap(), v))
            .collect();
        prop_assert_eq!(got, entries);
    }
}
