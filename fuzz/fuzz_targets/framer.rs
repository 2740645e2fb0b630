#![no_main]
//! `framer` target: see `src/framer.rs` for what is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| imaplib_proto_fuzz::framer::check(data));
