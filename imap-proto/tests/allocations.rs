//! Allocations made by the typed parser, counted per thread by this test binary's allocator:
//! an envelope's address list of one address (From, Sender and Reply-To nearly always) is
//! held inline, so it costs no allocation of its own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use imaplib_proto::frame::Frame;
use imaplib_proto::parse::{parse_response, Address, Addresses, Data, Response};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is passed on to the system allocator unchanged; the count is a
// const-initialised thread local, which does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made while `line` is parsed into a typed response (and the response
/// checked to be a FETCH with an envelope).
fn allocations_to_parse(line: &str) -> usize {
    let frame = Frame::line(line.as_bytes().to_vec());
    let before = ALLOCATIONS.with(Cell::get);
    let parsed = parse_response(&frame).unwrap();
    let after = ALLOCATIONS.with(Cell::get);
    let Response::Untagged(Data::Fetch(f)) = &parsed else {
        panic!("{parsed:?}")
    };
    assert!(f.envelope().is_some());
    after - before
}

fn fetch_envelope(from: &str, to: &str) -> String {
    format!(
        "* 1 FETCH (ENVELOPE (\"Mon, 1 Jan 2024 01:00:12 +0000\" \"Hi\" {from} {from} {from} \
         {to} NIL NIL NIL \"<1@x>\"))"
    )
}

#[test]
fn one_address_lists_allocate_nothing() {
    let alice = "((\"Alice\" NIL \"alice\" \"example.org\"))";
    let two = "((\"Bob\" NIL \"bob\" \"example.org\")(NIL NIL \"carol\" \"example.org\"))";
    let base = allocations_to_parse(&fetch_envelope("NIL", "NIL"));
    // Four lists of one address: no allocation more than four NILs.
    assert_eq!(allocations_to_parse(&fetch_envelope(alice, alice)), base);
    // A list of two: one allocation.
    assert_eq!(allocations_to_parse(&fetch_envelope(alice, two)), base + 1);
}

#[test]
fn address_lists_read_like_slices_of_addresses() {
    let line = fetch_envelope(
        "((\"Alice\" NIL \"alice\" \"example.org\"))",
        "((\"Bob\" NIL \"bob\" \"example.org\")(NIL NIL \"carol\" \"example.org\")\
          (NIL NIL \"dave\" \"example.org\"))",
    );
    let frame = Frame::line(line.as_bytes().to_vec());
    let parsed = parse_response(&frame).unwrap();
    let Response::Untagged(Data::Fetch(f)) = &parsed else {
        panic!("{parsed:?}")
    };
    let env = f.envelope().unwrap();
    let emails =
        |list: &Addresses<'_>| -> Vec<String> { list.iter().map(|a| a.email().unwrap()).collect() };
    assert_eq!(emails(&env.from), ["alice@example.org"]);
    assert_eq!(
        emails(&env.to),
        ["bob@example.org", "carol@example.org", "dave@example.org"]
    );
    assert!(env.cc.is_empty() && env.bcc.is_empty());
    assert_eq!(env.to.len(), 3);
    assert_eq!(env.to[1].email().as_deref(), Some("carol@example.org"));
    // Equal to the Vec of the same addresses, and shown like it, whichever way it is held.
    let to: Vec<Address<'_>> = env.to.to_vec();
    assert_eq!(env.to, to);
    assert_eq!(format!("{:?}", env.to), format!("{to:?}"));
    let from = env.from.to_vec();
    assert_eq!(format!("{:?}", env.from), format!("{from:?}"));
    assert_eq!(Addresses::from(from.clone()), env.from);
    assert_eq!(Addresses::from(to), env.to);
    assert_eq!(Addresses::from(Vec::new()), env.cc);
    assert_ne!(env.from, env.to);
    for (a, b) in (&env.to).into_iter().zip(env.to.iter()) {
        assert_eq!(a, b);
    }
}
