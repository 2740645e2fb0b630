//! Replays every input the fuzzers (`fuzz/`, run with `scripts/fuzz`) ever crashed on, and
//! the curated seeds, through the same checks the fuzz targets run — so a regression is
//! caught by `cargo test` without cargo-fuzz or a nightly toolchain.
//!
//! The check logic lives in `fuzz/src/` and is included here file by file with `#[path]`:
//! one copy, compiled in both crates. Crash inputs are kept, minimized, under
//! `tests/fuzz_regressions/<target>/`; the seeds are `fuzz/seeds/<target>/`. With
//! `FUZZ_CORPUS=../fuzz/corpus` a whole working corpus is replayed as well (e.g. after a fix,
//! `cargo test --release --test fuzz_regressions`).
#![allow(dead_code)]

#[path = "../../fuzz/src/builders.rs"]
mod builders;
#[path = "../../fuzz/src/bytes.rs"]
mod bytes;
#[path = "../../fuzz/src/command_reader.rs"]
mod command_reader;
#[path = "../../fuzz/src/commands.rs"]
mod commands;
#[path = "../../fuzz/src/driver.rs"]
mod driver;
#[path = "../../fuzz/src/encoder.rs"]
mod encoder;
#[path = "../../fuzz/src/ext_builders.rs"]
mod ext_builders;
#[path = "../../fuzz/src/framer.rs"]
mod framer;
#[path = "../../fuzz/src/parser.rs"]
mod parser;
#[path = "../../fuzz/src/session.rs"]
mod session;

use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .collect();
    v.sort();
    v
}

/// Runs `check` on every regression input and seed of `target`; fails listing each input
/// that panics, with the panic message.
fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs = files(&root.join("tests/fuzz_regressions").join(target));
    let regressions = inputs.len();
    inputs.extend(files(&root.join("../fuzz/seeds").join(target)));
    // FUZZ_CORPUS=fuzz/corpus (absolute or relative to imap-proto/) replays a whole corpus too.
    if let Ok(extra) = std::env::var("FUZZ_CORPUS") {
        inputs.extend(files(&root.join(extra).join(target)));
    }
    let mut failures = Vec::new();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for path in &inputs {
        let data = std::fs::read(path).expect("read input");
        if let Err(panic) = std::panic::catch_unwind(|| check(&data)) {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}:\n    {msg}", path.display()));
        }
    }
    std::panic::set_hook(hook);
    eprintln!(
        "{target}: replayed {} inputs ({regressions} regressions)",
        inputs.len()
    );
    assert!(
        failures.is_empty(),
        "{target}: {} of {} inputs ({regressions} regressions + seeds) fail:\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n")
    );
}

#[test]
fn framer_regressions() {
    replay("framer", framer::check);
}

#[test]
fn parser_regressions() {
    replay("parser", parser::check);
}

#[test]
fn session_regressions() {
    replay("session", session::check);
}

#[test]
fn encoder_regressions() {
    replay("encoder", encoder::check);
}

#[test]
fn driver_regressions() {
    replay("driver", driver::check);
}

/// The driver's check on inputs made here: a long random walk of each length, so that the
/// replay exercises it even before the fuzzer found anything.
#[test]
fn driver_random_walks() {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for len in (0..4096).step_by(97) {
        let data: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect();
        driver::check(&data);
    }
}

/// The encoder's check on builder inputs made here (configuration byte 0xE0 and above):
/// random models of every builder command — search keys with MODSEQ, FETCH with
/// CHANGEDSINCE/VANISHED, STORE with UNCHANGEDSINCE, SELECT/EXAMINE with CONDSTORE or
/// QRESYNC — each refused exactly when its values cannot be sent, or sent as one command.
#[test]
fn encoder_builder_random_walks() {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 24) as u8
    };
    for i in 0..20_000usize {
        let len = 8 + i % 120;
        let mut data: Vec<u8> = (0..len).map(|_| next()).collect();
        data[0] |= 0xE0;
        encoder::check(&data);
    }
}
