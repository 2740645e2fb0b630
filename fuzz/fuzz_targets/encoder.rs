#![no_main]
//! `encoder` target: see `src/encoder.rs` for what is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| imaplib_proto_fuzz::encoder::check(data));
