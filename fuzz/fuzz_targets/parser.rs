#![no_main]
//! `parser` target: see `src/parser.rs` for what is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| imaplib_proto_fuzz::parser::check(data));
