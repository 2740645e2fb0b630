#![no_main]
//! `driver` target: see `src/driver.rs` for what is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| imaplib_proto_fuzz::driver::check(data));
