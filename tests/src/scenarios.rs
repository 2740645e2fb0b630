//! Dovecot scenarios written once for both clients.
//!
//! [`scenarios!`](macro@crate::scenarios) expands to functions that drive a connected client
//! through imaplib's methods against the harness Dovecot and assert the results. The
//! blocking tests expand it plain (`scenarios!();`), the async tests with `.await`
//! (`scenarios!(async);`); the client type in scope at the expansion site must be called
//! `Client` and expose imaplib's methods (both clients generate them from
//! `imaplib_proto::imaplib_methods!`). Generic scenarios name the client type and its
//! parameters: `scenarios!(async, generics: [R: Runtime], client: generic::Client<BoxStream, R>)`.

/// Test messages every scenario appends.
pub const MESSAGES: [&[u8]; 3] = [
    b"From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: apples\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <1@example.org>\r\n\r\nAn apple a day.\r\n",
    b"From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: Re: apples\r\nDate: Tue, 8 Feb 1994 09:00:00 -0800\r\nMessage-ID: <2@example.org>\r\nIn-Reply-To: <1@example.org>\r\nReferences: <1@example.org>\r\n\r\nBananas are better.\r\n",
    b"From: Carol <carol@example.org>\r\nTo: alice@example.org\r\nSubject: cherries\r\nDate: Wed, 9 Feb 1994 12:00:00 +0000\r\nMessage-ID: <3@example.org>\r\n\r\nCherry season.\r\n",
];

/// Expands to the shared Dovecot scenarios. See the [module documentation](self).
#[macro_export]
macro_rules! scenarios {
    () => {
        $crate::scenarios!(@emit [] []);
    };
    (async) => {
        $crate::scenarios!(@emit [async] [.await]);
    };
    // Generic scenarios: `scenarios!(async, generics: [R: Runtime], client: Client<S, R>)`.
    (async, generics: [$($g:tt)*], client: $client:ty) => {
        $crate::scenarios!(@emit [async] [.await] [$($g)*] [$client]);
    };
    (@emit [$($async:tt)*] [$($await:tt)*]) => {
        $crate::scenarios!(@emit [$($async)*] [$($await)*] [] [Client]);
    };
    (@emit [$($async:tt)*] [$($await:tt)*] [$($g:tt)*] [$client:ty]) => {
        #[allow(unused_imports)]
        use $crate::scenarios::MESSAGES;
        #[allow(unused_imports)]
        use imaplib_proto::{ErrorKind as __ErrorKind, Item as __Item, Reply as __Reply, State as __State, Text as __Text};

        /// Lines of a reply as strings.
        #[allow(dead_code)]
        fn lines_of(r: &__Reply) -> Vec<String> {
            r.data
                .iter()
                .map(|i| match i {
                    __Item::Line(l) => String::from_utf8_lossy(l).into_owned(),
                    __Item::Literal(h, d) => format!(
                        "{} <{}>",
                        String::from_utf8_lossy(h),
                        String::from_utf8_lossy(d)
                    ),
                    __Item::None => "None".to_string(),
                    __Item::List(l) => format!("{l:?}"),
                })
                .collect()
        }

        /// Mailbox management, in the AUTH state: every method that works on mailboxes,
        /// quotas, ACLs and server information.
        #[allow(dead_code)]
        pub $($async)* fn scenario_mailboxes<$($g)*>(m: &mut $client) {
            assert_eq!(m.state(), __State::Auth);
            assert_eq!(m.protocol_version(), "IMAP4REV1");
            let caps = m.capability()$($await)*.expect("capability");
            assert_eq!(caps.typ, "OK");
            assert!(lines_of(&caps)[0].starts_with("IMAP4rev1 "), "{caps:?}");
            assert!(m.has_capability("IDLE") && m.has_capability("QUOTA"));

            let r = m.noop()$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
            // State errors come before anything is sent, with imaplib's message.
            let e = m.check()$($await)*.unwrap_err();
            assert_eq!(
                e.message(),
                "command CHECK illegal in state AUTH, only allowed in states SELECTED"
            );

            for name in ["Work", "Work/Projects", "New folder", "Entwürfe"] {
                let r = m.create(name)$($await)*.unwrap();
                assert_eq!(r.typ, "OK", "create {name}: {r:?}");
            }
            let r = m.create("Work")$($await)*.unwrap();
            assert_eq!(r.typ, "NO", "duplicate create: {r:?}");
            let r = m.list(None, None)$($await)*.unwrap();
            let names = lines_of(&r);
            for want in [
                "\"/\" INBOX",
                "\"/\" Work",
                "\"/\" Work/Projects",
                "\"/\" \"New folder\"",
                "\"/\" Entw&APw-rfe",
            ] {
                assert!(names.iter().any(|l| l.ends_with(want)), "{want} in {names:?}");
            }
            let r = m.list(Some("Work/".into()), Some("%".into()))$($await)*.unwrap();
            assert_eq!(lines_of(&r), ["(\\HasNoChildren) \"/\" Work/Projects"]);
            let r = m.list(None, Some("Nothing*".into()))$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [None])");

            assert_eq!(m.subscribe("Work/Projects")$($await)*.unwrap().typ, "OK");
            assert_eq!(m.subscribe("New folder")$($await)*.unwrap().typ, "OK");
            let r = m.lsub(None, None)$($await)*.unwrap();
            let subs = lines_of(&r);
            assert!(subs.iter().any(|l| l.ends_with("\"/\" Work/Projects")), "{subs:?}");
            assert!(subs.iter().any(|l| l.ends_with("\"/\" \"New folder\"")), "{subs:?}");
            assert_eq!(m.unsubscribe("New folder")$($await)*.unwrap().typ, "OK");
            let subs = lines_of(&m.lsub(None, None)$($await)*.unwrap());
            assert!(!subs.iter().any(|l| l.contains("New folder")), "{subs:?}");

            assert_eq!(m.rename("New folder", "Old folder")$($await)*.unwrap().typ, "OK");
            let r = m.status("Old folder", "MESSAGES UIDNEXT UNSEEN")$($await)*.unwrap();
            assert_eq!(
                lines_of(&r),
                ["\"Old folder\" (MESSAGES 0 UIDNEXT 1 UNSEEN 0)"]
            );
            assert_eq!(m.delete("Old folder")$($await)*.unwrap().typ, "OK");
            let r = m.status("Old folder", "(MESSAGES)")$($await)*.unwrap();
            assert_eq!(r.typ, "NO", "{r:?}");
            assert_eq!(m.delete("Entwürfe")$($await)*.unwrap().typ, "OK");

            let r = m.namespace()$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'((\"\" \"/\")) NIL NIL'])");

            let r = m.getquotaroot("INBOX")$($await)*.unwrap();
            let repr = r.python_repr();
            assert!(
                repr.starts_with("('OK', [[b'INBOX \"User quota\"'], [b'\"User quota\" (STORAGE "),
                "{repr}"
            );
            let r = m.getquota("User quota")$($await)*.unwrap();
            assert!(lines_of(&r)[0].starts_with("\"User quota\" (STORAGE "), "{r:?}");
            // Dovecot keeps quotas in its configuration: SETQUOTA is refused, and imaplib
            // returns the refusal.
            let r = m.setquota("User quota", "STORAGE 512")$($await)*;
            match r {
                Ok(r) => assert_eq!(r.typ, "NO", "{r:?}"),
                Err(e) => assert!(e.message().starts_with("SETQUOTA command error: BAD"), "{e}"),
            }

            let r = m.myrights("INBOX")$($await)*.unwrap();
            assert!(lines_of(&r)[0].starts_with("INBOX "), "{r:?}");
            assert_eq!(m.setacl("Work", "anyone", "lr")$($await)*.unwrap().typ, "OK");
            let r = m.getacl("Work")$($await)*.unwrap();
            assert!(lines_of(&r)[0].contains("anyone lr"), "{r:?}");
            assert_eq!(m.deleteacl("Work", "anyone")$($await)*.unwrap().typ, "OK");
            let r = m.getacl("Work")$($await)*.unwrap();
            assert!(!lines_of(&r)[0].contains("anyone"), "{r:?}");

            // Dovecot has no ANNOTATEMORE: imaplib raises the BAD as an error naming it.
            let e = m.getannotation("INBOX", "/comment", "value.priv")$($await)*.unwrap_err();
            assert_eq!(e.kind(), __ErrorKind::Error);
            assert!(e.message().starts_with("GETANNOTATION command error: BAD ["), "{e}");
            let e = m
                .setannotation(&["INBOX", "/comment", "(\"value.priv\" \"x\")"])$($await)*
                .unwrap_err();
            assert!(e.message().starts_with("SETANNOTATION command error: BAD ["), "{e}");
            // No PROXYAUTH either.
            let e = m.proxyauth("bob")$($await)*.unwrap_err();
            assert!(e.message().starts_with("PROXYAUTH command error: BAD ["), "{e}");

            let r = m.id(Some(&[("name", Some("imaplib-rs")), ("version", None)]))$($await)*.unwrap();
            assert!(lines_of(&r)[0].contains("\"name\" \"Dovecot\""), "{r:?}");
            let r = m.enable("CONDSTORE")$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
            assert_eq!(m.response("ENABLED").python_repr(), "('ENABLED', [b'CONDSTORE'])");
            let r = m.xatom("NOOP", &[])$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
        }

        /// Messages in the SELECTED state: append, select, search, fetch with literals,
        /// store, copy, move, sort, thread, the UID forms, expunge and close.
        #[allow(dead_code)]
        pub $($async)* fn scenario_messages<$($g)*>(m: &mut $client) {
            assert_eq!(m.create("Archive")$($await)*.unwrap().typ, "OK");
            for (i, msg) in MESSAGES.iter().enumerate() {
                let flags = if i == 0 { Some("\\Seen") } else { None };
                let date = imaplib_proto::DateInput::from(format!("\"0{}-Feb-1994 10:00:00 +0000\"", 7 + i));
                let r = m.append(None, flags, Some(date), msg)$($await)*.unwrap();
                assert_eq!(r.typ, "OK", "{r:?}");
                assert!(lines_of(&r)[0].starts_with("[APPENDUID "), "{r:?}");
            }
            let e = m.search(None, &["ALL"])$($await)*.unwrap_err();
            assert!(e.message().contains("illegal in state AUTH"), "{e}");

            let r = m.select("INBOX", true)$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'3'])");
            assert!(m.is_readonly());
            assert_eq!(m.response("READ-ONLY").python_repr(), "('READ-ONLY', [b''])");
            let r = m.select("INBOX", false)$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'3'])");
            assert_eq!(m.state(), __State::Selected);
            assert!(!m.is_readonly());
            let flags = m.response("FLAGS");
            assert!(flags.python_repr().contains("\\\\Seen"), "{flags:?}");
            let r = m.select("No such box", false)$($await)*.unwrap();
            assert_eq!(r.typ, "NO");
            assert_eq!(m.state(), __State::Auth);
            let _ = m.select("INBOX", false)$($await)*.unwrap();

            let r = m.search(None, &["ALL"])$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'1 2 3'])");
            let r = m.search(Some("UTF-8"), &["UNSEEN", "FROM", "\"carol\""])$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'3'])");
            let r = m.search(None, &["SUBJECT", "nothing-matches"])$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b''])");
            let e = m.search(None, &["NONSENSE"])$($await)*.unwrap_err();
            assert!(e.message().starts_with("SEARCH command error: BAD ["), "{e}");

            let r = m.fetch("1", "(BODY.PEEK[])")$($await)*.unwrap();
            assert_eq!(r.data.len(), 2, "{r:?}");
            assert_eq!(
                r.data[0],
                __Item::Literal(format!("1 (BODY[] {{{}}}", MESSAGES[0].len()).into_bytes(), MESSAGES[0].to_vec().into())
            );
            assert_eq!(r.data[1], __Item::Line(b")".to_vec()));
            let r = m.fetch("1:3", "(RFC822.SIZE FLAGS)")$($await)*.unwrap();
            assert_eq!(lines_of(&r).len(), 3);
            assert!(lines_of(&r)[0].starts_with(&format!("1 (RFC822.SIZE {} FLAGS (\\Seen", MESSAGES[0].len())), "{r:?}");
            let r = m.fetch("2", "(INTERNALDATE ENVELOPE BODYSTRUCTURE)")$($await)*.unwrap();
            let line = &lines_of(&r)[0];
            assert!(line.contains("INTERNALDATE \"08-Feb-1994 10:00:00 +0000\""), "{line}");
            assert!(line.contains("\"Re: apples\""), "{line}");
            assert!(line.contains("(\"text\" \"plain\""), "{line}");
            let r = m.fetch("3", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")$($await)*.unwrap();
            assert_eq!(
                r.data[0],
                __Item::Literal(
                    b"3 (BODY[HEADER.FIELDS (SUBJECT)] {21}".to_vec(),
                    b"Subject: cherries\r\n\r\n".to_vec().into()
                )
            );
            let r = m.fetch("1:*", "FAST")$($await)*.unwrap();
            assert_eq!(lines_of(&r).len(), 3);
            // PARTIAL is obsolete; Dovecot refuses it with BAD.
            let e = m.partial(1, "RFC822.TEXT", 0, 5)$($await)*.unwrap_err();
            assert!(e.message().starts_with("PARTIAL command error: BAD ["), "{e}");

            let r = m.store("2", "+FLAGS", "(\\Flagged)")$($await)*.unwrap();
            assert_eq!(lines_of(&r), ["2 (FLAGS (\\Flagged))"]);
            let r = m.store("2", "+FLAGS.SILENT", "\\Answered")$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [None])");
            let r = m.search(None, &["FLAGGED", "ANSWERED"])$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'2'])");

            let r = m.sort("(SUBJECT)", "UTF-8", &["ALL"])$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'1 2 3'])");
            let r = m.sort("REVERSE DATE", "UTF-8", &["ALL"])$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'3 2 1'])");
            let r = m.thread("REFERENCES", "UTF-8", &["ALL"])$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'(1 2)(3)'])");

            let r = m.copy("1:2", "Archive")$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
            assert!(lines_of(&r)[0].starts_with("[COPYUID "), "{r:?}");
            let r = m.status("Archive", "(MESSAGES)")$($await)*.unwrap();
            assert_eq!(lines_of(&r), ["Archive (MESSAGES 2)"]);

            // UID forms: imaplib's uid() returns FETCH data except for SEARCH/SORT/THREAD.
            let r = m.uid("SEARCH", &["ALL".into()])$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'1 2 3'])");
            let r = m.uid_search(None, &["SUBJECT", "cherries"])$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'3'])");
            let r = m.uid("FETCH", &["3".into(), "(UID RFC822.SIZE)".into()])$($await)*.unwrap();
            assert_eq!(lines_of(&r), [format!("3 (UID 3 RFC822.SIZE {})", MESSAGES[2].len())]);
            let r = m.uid_fetch("2:3", "(FLAGS)")$($await)*.unwrap();
            assert_eq!(lines_of(&r).len(), 2);
            let r = m.uid("STORE", &["3".into(), "+FLAGS".into(), "(\\Seen)".into()])$($await)*.unwrap();
            assert_eq!(lines_of(&r), ["3 (UID 3 FLAGS (\\Seen))"]);
            let r = m.uid_store("3", "-FLAGS", "\\Seen")$($await)*.unwrap();
            assert_eq!(lines_of(&r), ["3 (UID 3 FLAGS ())"]);
            let r = m.uid("COPY", &["3".into(), "Archive".into()])$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [None])");
            let r = m.uid_copy("1", "Archive")$($await)*.unwrap();
            assert!(lines_of(&r)[0].starts_with("[COPYUID "), "{r:?}");
            let r = m.uid("SORT", &["(SUBJECT)".into(), "UTF-8".into(), "ALL".into()])$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'1 2 3'])");
            let r = m.uid_thread("ORDEREDSUBJECT", "UTF-8", &["ALL"])$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
            assert!(lines_of(&r)[0].starts_with('('), "{r:?}");
            let r = m.uid_sort("(DATE)", "UTF-8", &["ALL"])$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [b'1 2 3'])");

            // MOVE and UID MOVE.
            let r = m.r#move("3", "Archive")$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
            assert_eq!(m.response("EXPUNGE").python_repr(), "('EXPUNGE', [b'3'])");
            let r = m.uid_move("2", "Archive")$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
            let _ = m.response("EXPUNGE");
            let r = m.status("Archive", "(MESSAGES)")$($await)*.unwrap();
            assert_eq!(lines_of(&r), ["Archive (MESSAGES 6)"]);

            // Expunge.
            let _ = m.select("Archive", false)$($await)*.unwrap();
            let r = m.store("1:2", "+FLAGS.SILENT", "(\\Deleted)")$($await)*.unwrap();
            assert_eq!(r.python_repr(), "('OK', [None])");
            let r = m.expunge()$($await)*.unwrap();
            // Two EXPUNGE responses; Dovecot reports the higher number first.
            let mut gone = lines_of(&r);
            gone.sort();
            assert_eq!(gone, ["1", "2"], "{r:?}");
            let r = m.uid_expunge("1:3")$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
            let r = m.uid_search(None, &["ALL"])$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
            let left = lines_of(&r)[0].split(' ').filter(|s| !s.is_empty()).count();
            assert_eq!(left, 4, "{r:?}");

            // recent() and response().
            let r = m.recent()$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
            assert_eq!(m.response("RECENT").python_repr(), "('RECENT', [None])");
            let r = m.check()$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
            let r = m.unselect()$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
            assert_eq!(m.state(), __State::Auth);
            let _ = m.select("INBOX", false)$($await)*.unwrap();
            let r = m.close()$($await)*.unwrap();
            assert_eq!(r.typ, "OK");
            assert_eq!(m.state(), __State::Auth);
        }

        /// Arguments that need quoting or literals travel intact, and injection attempts
        /// never reach the server as commands.
        #[allow(dead_code)]
        pub $($async)* fn scenario_quoting<$($g)*>(m: &mut $client) {
            for name in ["a\"b", "back\\slash", "(paren)", "{5}", "percent%", "star*", "spa ce", "ü"] {
                let r = m.create(name)$($await)*.unwrap();
                assert_eq!(r.typ, "OK", "create {name:?}: {r:?}");
                let r = m.select(name, false)$($await)*.unwrap();
                assert_eq!(r.typ, "OK", "select {name:?}: {r:?}");
                let r = m.delete("INBOX/nothing")$($await)*.unwrap();
                assert_eq!(r.typ, "NO");
                let _ = m.close()$($await)*.unwrap();
                assert_eq!(m.delete(name)$($await)*.unwrap().typ, "OK", "delete {name:?}");
            }
            // CR/LF in a mailbox name: modified UTF-7 for a str, a literal for bytes; either
            // way exactly one command, which the server answers without seeing a second.
            // Dovecot refuses control characters in names, which shows the name arrived
            // whole, as one argument.
            for r in [
                m.create("x\r\nA1 DELETE INBOX")$($await)*.unwrap(),
                m.create(&b"y\r\nA1 DELETE INBOX"[..])$($await)*.unwrap(),
            ] {
                assert_eq!(r.typ, "NO", "{r:?}");
                let text = &lines_of(&r)[0];
                assert!(
                    text.contains("Control characters") || text.contains("not valid mUTF-7"),
                    "{r:?}"
                );
            }
            assert!(m.status("INBOX", "(MESSAGES)")$($await)*.is_ok(), "INBOX still exists");
            assert!(m.search(None, &["ALL\r\nA1 LOGOUT"])$($await)*.is_err());
            assert!(m.select("IN\0BOX", false)$($await)*.is_err());
            assert_eq!(m.noop()$($await)*.unwrap().typ, "OK");
        }

        /// LOGOUT returns the server's BYE and closes the connection.
        #[allow(dead_code)]
        pub $($async)* fn scenario_logout<$($g)*>(m: &mut $client) {
            let r = m.logout()$($await)*.unwrap();
            assert_eq!(r.typ, "BYE");
            assert_eq!(m.state(), __State::Logout);
            let e = m.noop()$($await)*.unwrap_err();
            assert!(e.is_abort(), "{e}");
        }
    };
}
