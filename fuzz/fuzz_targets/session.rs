#![no_main]
//! `session` target: see `src/session.rs` for what is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| imaplib_proto_fuzz::session::check(data));
