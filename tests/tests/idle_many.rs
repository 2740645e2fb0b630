//! Many async sessions idling at once on one Dovecot mailbox (issue 14, target 6, in small):
//! 200 sessions of the async client under smol, over plain TCP, each logged in, the shared
//! mailbox selected, in IDLE; one APPEND from another session must reach every one of them
//! as `* 1 EXISTS`, and the client's memory per idling session, counted by this binary's
//! global allocator (live heap bytes with all idling, minus before, ÷ sessions), must stay
//! within 16 KiB. The benchmark `idle10k` runs the same with 10 000 sessions.
//!
//! The Dovecot is one of its own ([`dovecot_with`]): the shared one runs a process per
//! session, at most 100.

use std::time::Duration;

use imaplib_integration_tests::counting::{live_heap, Counting};
use imaplib_integration_tests::dovecot::{dovecot_with, many_sessions_config};
use imaplib_integration_tests::swarm::{self, Swarm};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SESSIONS: usize = 200;

/// The target of issue 14: the client's memory per idling session, buffers included.
const MAX_PER_SESSION: f64 = 16.0 * 1024.0;

#[test]
fn two_hundred_idling_sessions_all_see_the_wake_up_within_16_kib_each() {
    let server = dovecot_with(&many_sessions_config(SESSIONS)).unwrap_or_else(|e| panic!("{e}"));
    let user = server.new_user();
    let report = swarm::run(&Swarm {
        sessions: SESSIONS,
        host: server.host().to_string(),
        port: server.plain_port(),
        user,
        mailbox: "INBOX".to_string(),
        ramp: 50,
        setup_timeout: Duration::from_secs(60),
        wake_timeout: Duration::from_secs(30),
        live_heap: Some(live_heap),
        server_pid: None,
    });
    let summary = format!(
        "{report:#?}\nheap per session {:.0} B, RSS per session {:.0} B",
        report.heap_per_session(),
        report.rss_per_session()
    );
    assert_eq!(report.idling, SESSIONS, "{summary}");
    assert_eq!(report.woken, SESSIONS, "{summary}");
    assert_eq!(report.wrong_exists, 0, "{summary}");
    assert_eq!(report.wake_times.len(), SESSIONS, "{summary}");
    assert_eq!(report.logged_out, SESSIONS, "{summary}");
    assert!(report.errors.is_empty(), "{summary}");
    // The counter saw the sessions: 200 clients cannot cost nothing.
    assert!(report.heap_per_session() > 1024.0, "{summary}");
    assert!(
        report.heap_per_session() <= MAX_PER_SESSION,
        "the client holds more than 16 KiB per idling session\n{summary}"
    );
    eprintln!("{summary}");
}
