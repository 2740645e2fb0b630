//! Compile-time check: the future of every public async method is `Send`, for any stream
//! and any runtime, so that sessions run in `tokio::spawn` on a multi-threaded runtime.
//! The check is generic over `S` and `R`, so it holds for every [`Runtime`], built-in or
//! not; it does not run, it compiles (under `cargo test`).

use std::future::Future;
use std::time::Duration;

use futures_lite::io::{sink, Cursor};
use futures_lite::StreamExt;

use crate::generic::{Client, Idler, Typed};
use crate::proto::build::{FetchAttr, Flag, SearchKey, Section, StoreFlags};
use crate::proto::SequenceSet;
use crate::{BoxStream, Config, Duplex, Runtime, Text, WriteSink};

/// Requires `Send` of a future (by value: the future is dropped unpolled).
fn send<F: Future + Send>(_: F) {}

/// Every constructor.
#[allow(dead_code)]
fn constructors<S: Duplex, R: Runtime>(stream: fn() -> S, config: &Config) {
    send(Client::<BoxStream, R>::connect("", 143));
    send(Client::<BoxStream, R>::connect_with("", 143, config));
    send(Client::<BoxStream, R>::connect_tls("", 993));
    send(Client::<BoxStream, R>::connect_tls_with("", 993, config));
    send(Client::<BoxStream, R>::connect_starttls("", 143, config));
    send(Client::<BoxStream, R>::connect_stream("imap"));
    send(Client::<BoxStream, R>::connect_stream_with("imap", config));
    let process = std::process::Command::new("imap");
    send(Client::<BoxStream, R>::connect_process(process, config));
    send(Client::<S, R>::from_stream(stream(), "", config, false));
    send(Client::<S, R>::from_stream_tls(stream(), "", config));
}

/// Every method of the client (the imaplib ones, pipelining, streaming, IDLE, raw IO).
#[allow(dead_code)]
fn methods<S: Duplex, R: Runtime>(m: &mut Client<S, R>) {
    let mb = || Text::from("INBOX");
    send(m.capability());
    send(m.noop());
    send(m.check());
    send(m.login("u", "p"));
    send(m.login_cram_md5("u", "p"));
    send(m.login_plain("u", "p"));
    send(m.authenticate("XOAUTH2", |_: &[u8]| Some(b"token".to_vec())));
    send(m.enable("UTF8=ACCEPT"));
    send(m.select("INBOX", false));
    send(m.unselect());
    send(m.close());
    send(m.expunge());
    send(m.uid_expunge("1:*"));
    send(m.create("A"));
    send(m.delete("A"));
    send(m.rename("A", "B"));
    send(m.subscribe("A"));
    send(m.unsubscribe("A"));
    send(m.list(None, Some(mb())));
    send(m.lsub(None, Some(mb())));
    send(m.status("INBOX", "(MESSAGES)"));
    send(m.append(Some(mb()), None, None, b"x"));
    send(m.fetch("1", "(FLAGS)"));
    send(m.uid_fetch("1", "(FLAGS)"));
    send(m.partial(1, "BODY[]", 0, 10));
    send(m.store("1", "+FLAGS", "(\\Seen)"));
    send(m.uid_store("1", "+FLAGS", "(\\Seen)"));
    send(m.copy("1", "A"));
    send(m.uid_copy("1", "A"));
    send(m.r#move("1", "A"));
    send(m.uid_move("1", "A"));
    send(m.search(None, &["ALL"]));
    send(m.uid_search(None, &["ALL"]));
    send(m.sort("(DATE)", "UTF-8", &["ALL"]));
    send(m.uid_sort("(DATE)", "UTF-8", &["ALL"]));
    send(m.thread("REFERENCES", "UTF-8", &["ALL"]));
    send(m.uid_thread("REFERENCES", "UTF-8", &["ALL"]));
    send(m.uid("FETCH", &[Text::from("1"), Text::from("(FLAGS)")]));
    send(m.getacl("A"));
    send(m.setacl("A", "u", "lr"));
    send(m.deleteacl("A", "u"));
    send(m.myrights("A"));
    send(m.getquota(""));
    send(m.getquotaroot("INBOX"));
    send(m.setquota("", "(STORAGE 10)"));
    send(m.getannotation("INBOX", "/comment", "value"));
    send(m.setannotation(&["INBOX", "/comment", "(value.priv \"x\")"]));
    send(m.namespace());
    send(m.proxyauth("u"));
    send(m.recent());
    send(m.id(Some(&[("name", Some("x"))])));
    send(m.xatom("XYZZY", &[]));
    send(m.starttls());
    send(m.logout());
    let id = m.submit(crate::Command::noop()).unwrap();
    send(m.wait(id));
    send(m.run(crate::Command::noop()));
    send(m.flush());
    send(m.fetch_stream("1", "(BODY[])", &mut WriteSink(Vec::new())));
    send(m.uid_fetch_stream("1", "(BODY[])", &mut WriteSink(Vec::new())));
    send(m.fetch_to("1", "(BODY[])", &mut sink()));
    send(m.append_from(None, None, None, &mut Cursor::new(vec![b'x']), 1));
    send(m.idle(Some(Duration::from_secs(1))));
    send(m.send(b"a NOOP\r\n"));
    send(m.read(1));
    send(m.readline());
    send(m.shutdown());
}

/// Every method of the typed face (`client.typed()`).
#[allow(dead_code)]
fn typed<S: Duplex, R: Runtime>(t: &mut Typed<'_, S, R>) {
    let set = SequenceSet::new();
    let key = SearchKey::unseen();
    let change = StoreFlags::add([Flag::Seen]);
    let attrs = [FetchAttr::flags(), FetchAttr::body_peek(Section::message())];
    send(t.capabilities());
    send(t.login("u", "p"));
    send(t.authenticate("XOAUTH2", crate::auth::XOAuth2::new("u", "token")));
    send(t.authenticate("XOAUTH2", |_: &[u8]| Some(b"token".to_vec())));
    send(t.authenticate("PLAIN", crate::auth::Plain::new("u", "p").unwrap()));
    send(t.enable("CONDSTORE"));
    send(t.select("INBOX"));
    send(t.examine("INBOX"));
    send(t.create("A"));
    send(t.delete("A"));
    send(t.rename("A", "B"));
    send(t.subscribe("A"));
    send(t.unsubscribe("A"));
    send(t.list("", "*"));
    send(t.lsub("", "*"));
    send(t.status("INBOX"));
    send(t.status_items("INBOX", "(MESSAGES SIZE)"));
    send(t.search(&key));
    send(t.uid_search(&key));
    send(t.fetch(&set, attrs.clone()));
    send(t.fetch("1:4", FetchAttr::envelope()));
    send(t.uid_fetch(&set, attrs));
    send(t.store(1..=4, &change));
    send(t.uid_store(&set, &change));
    send(t.copy(&set, "A"));
    send(t.uid_copy(5, "A"));
    send(t.mv(&set, "A"));
    send(t.uid_mv(10.., "A"));
    send(t.append("A", &[Flag::Draft], None, b"x"));
    send(t.expunge());
    send(t.uid_expunge(&set));
    send(t.noop());
    send(t.check());
    send(t.close());
    send(t.unselect());
    send(t.logout());
}

/// The IDLE handle: its stream and its methods.
#[allow(dead_code)]
fn idler<S: Duplex, R: Runtime>(mut idle: Idler<'_, S, R>) {
    send(idle.next());
    send(idle.burst(Duration::from_millis(10)));
    send(idle.done());
}

/// The checks, instantiated for each runtime compiled in.
#[test]
fn every_future_is_send() {
    #[allow(unused_macros)]
    macro_rules! instantiate {
        ($rt:ty) => {
            let _ = constructors::<BoxStream, $rt> as fn(fn() -> BoxStream, &Config);
            let _ = methods::<BoxStream, $rt> as fn(&mut Client<BoxStream, $rt>);
            let _ = typed::<BoxStream, $rt> as fn(&mut Typed<'_, BoxStream, $rt>);
            let _ = idler::<BoxStream, $rt> as fn(Idler<'_, BoxStream, $rt>);
        };
    }
    #[cfg(feature = "smol")]
    instantiate!(crate::SmolRuntime);
    #[cfg(feature = "async-std")]
    instantiate!(crate::AsyncStdRuntime);
    #[cfg(feature = "tokio")]
    instantiate!(crate::TokioRuntime);
}
