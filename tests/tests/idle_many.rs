//! Many async sessions idling at once on one Dovecot mailbox (issue 14, target 6, in small):
//! 200 sessions of the async client under smol, over plain TCP, each logged in, the shared
//! mailbox selected, in IDLE; one APPEND from another session must reach every one of them
//! as `* 1 EXISTS`, and the client's memory per idling session, counted by this binary's
//! global allocator (live heap bytes with all idling, minus before, ÷ sessions), must stay
//! within 16 KiB. The benchmark `idle10k` runs the same with 10 000 sessions.
//!
//! The Dovecot is one of its own ([`dovecot_with`]): the shared one runs a process per
//! session, at most 100.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use imaplib_integration_tests::dovecot::{dovecot_with, many_sessions_config};
use imaplib_integration_tests::swarm::{self, Swarm};

/// The system allocator, counting the bytes it holds for the program.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator with the caller's arguments; the
// counter is only arithmetic on the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            LIVE.fetch_add(new_size, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_heap() -> usize {
    LIVE.load(Ordering::Relaxed)
}

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
