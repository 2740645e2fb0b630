//! Trust choices: the bundled Mozilla roots (the default), an extra CA, and the operating
//! system's store through `tls::platform_config` (feature `platform-verifier`), against the
//! harness Dovecot whose certificate is issued by a localhost-only test CA that
//! `scripts/setup-dovecot` installs in the system trust store.

use imaplib_blocking::{tls, Cause, Client, Config};
use imaplib_integration_tests::dovecot::{dovecot, SETUP_COMMAND};

#[test]
fn the_system_store_is_trusted_on_request_only() {
    let d = dovecot();
    assert!(
        d.system_trusted(),
        "the test CA is not in the system trust store, or its key is not readable: run \
         `{SETUP_COMMAND}` as root and the tests as root"
    );
    let user = d.new_user();
    let platform = Config::default()
        .with_tls(tls::platform_config().expect("the platform verifier loads"))
        .with_tls_server_name("localhost");
    // Implicit TLS and STARTTLS, verified against the system store.
    let mut m = Client::connect_tls_with(d.host(), d.tls_port(), &platform).unwrap();
    assert!(m.is_secure());
    assert_eq!(
        m.login(user.name.as_str(), user.password.as_str())
            .unwrap()
            .typ,
        "OK"
    );
    let _ = m.logout().unwrap();
    let mut m = Client::connect_starttls(d.host(), d.plain_port(), &platform).unwrap();
    assert!(m.is_secure());
    assert_eq!(
        m.login(user.name.as_str(), user.password.as_str())
            .unwrap()
            .typ,
        "OK"
    );
    let _ = m.logout().unwrap();
    // The name is still checked: the certificate is for localhost and 127.0.0.1 only.
    let other = platform.clone().with_tls_server_name("imap.example.org");
    let e = Client::connect_tls_with(d.host(), d.tls_port(), &other).unwrap_err();
    assert_eq!(e.cause(), Cause::Tls, "{e}");
    // The default trusts the Mozilla roots only: the system's CA is not enough.
    let mozilla = Config::default().with_tls_server_name("localhost");
    let e = Client::connect_tls_with(d.host(), d.tls_port(), &mozilla).unwrap_err();
    assert_eq!(e.cause(), Cause::Tls, "{e}");
    assert!(e.message().contains("certificate"), "{e}");
    // An extra CA given explicitly works without the system store.
    let extra = Config::default()
        .with_tls(tls::config_with_only_ca_pem(d.ca_pem()).unwrap())
        .with_tls_server_name("localhost");
    let m = Client::connect_tls_with(d.host(), d.tls_port(), &extra).unwrap();
    assert!(m.is_secure());
}
