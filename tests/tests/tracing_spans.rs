//! Feature `tracing`: a span per command, with its tag, name, status and elapsed time, and
//! never a secret — checked against Dovecot through the blocking client.

use std::io::Write;
use std::sync::{Arc, Mutex};

use imaplib_blocking::Client;
use imaplib_integration_tests::dovecot::dovecot;
use tracing_subscriber::fmt::format::FmtSpan;

/// Collects what the `fmt` subscriber writes.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_span_per_command_without_secrets() {
    let d = dovecot();
    let user = d.new_user();
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let mut m = Client::connect(d.host(), d.plain_port()).unwrap();
        let _ = m.login(user.name.as_str(), user.password.as_str()).unwrap();
        assert_eq!(m.select("INBOX", false).unwrap().typ, "OK");
        assert_eq!(m.select("Nope", false).unwrap().typ, "NO");
        let _ = m.logout().unwrap();
    });
    let out = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    let closes: Vec<&str> = out.lines().filter(|l| l.contains("imap_command")).collect();
    for (command, status) in [
        ("LOGIN", "OK"),
        ("SELECT", "OK"),
        ("SELECT", "NO"),
        ("LOGOUT", "BYE"),
    ] {
        assert!(
            closes
                .iter()
                .any(|l| l.contains(&format!("command=\"{command}\""))
                    && l.contains(&format!("status=\"{status}\""))
                    && l.contains("elapsed_ms=")
                    && l.contains("tag=")),
            "no closed span for {command} {status}:\n{out}"
        );
    }
    assert!(
        !out.contains(user.password.as_str()),
        "the password in a span:\n{out}"
    );
    eprintln!("{}", closes.join("\n"));
}
