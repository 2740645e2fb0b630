#!/usr/bin/env python3
"""The CPython side of the differential test (tests/tests/differential.rs).

Runs a list of imaplib calls against an IMAP server and prints, for every call, one line:
Python's repr((typ, data)) of the result, or "error:<class>:<message>" when the call raised
(class: error, abort or readonly, the most specific imaplib class that matches; other
exceptions print "error:python-<TypeName>:<message>"). Newlines and carriage returns in error
messages are printed as backslash escapes so that every result is exactly one line.

Usage:
    python3 driver.py tcp HOST PORT          < steps
    python3 driver.py tls HOST PORT CAFILE   < steps
    python3 driver.py stream COMMAND         < steps

Steps come on stdin, one JSON array per line: the method name, then its arguments (strings,
or null for None), already tokenised and with $USER/$PASSWORD substituted by the Rust side
from tests/differential/scenario.txt. The method names and argument conventions are those
of tests/src/differential.rs; see scenario.txt for the list. The pseudo-method "state" prints
repr(M.state) instead of calling anything; "literal TEXT" sets M.literal = TEXT.encode() and
prints None.

Only what CPython 3.11's imaplib has is used: no quoting is done here, every argument goes
to imaplib as the scenario wrote it.
"""

import imaplib
import json
import ssl
import sys


# Seconds a network read may wait, so that a silent server fails the test instead of hanging
# it (IMAP4_stream has no timeout in imaplib).
TIMEOUT = 30


def connect(argv):
    kind = argv[0]
    if kind == "tcp":
        return imaplib.IMAP4(argv[1], int(argv[2]), timeout=TIMEOUT)
    if kind == "tls":
        context = ssl.create_default_context(cafile=argv[3])
        return imaplib.IMAP4_SSL(argv[1], int(argv[2]), ssl_context=context, timeout=TIMEOUT)
    if kind == "stream":
        return imaplib.IMAP4_stream(argv[1])
    raise SystemExit("unknown transport %r" % kind)


def call(m, method, args):
    """Maps one step to the imaplib call; mirrors `call` in tests/src/differential.rs."""
    if method == "state":
        # Not a call: imaplib's `state` attribute, printed as repr('AUTH').
        () = args
        return m.state
    if method == "literal":
        # Not a call: imaplib's `literal` attribute, sent by the next command; prints None.
        (text,) = args
        m.literal = text.encode("utf-8")
        return None
    if method == "select":
        (mailbox,) = args
        return m.select(mailbox)
    if method == "examine":
        (mailbox,) = args
        return m.select(mailbox, True)
    if method == "append":
        mailbox, flags, date_time, message = args
        return m.append(mailbox, flags, date_time, message.encode("utf-8"))
    if method in ("list", "lsub"):
        # No argument given: imaplib's defaults ('""' and '*').
        return getattr(m, method)(*args)
    if method in SIMPLE:
        return getattr(m, method)(*args)
    raise SystemExit("driver.py does not know the step %r" % method)


# Methods called as m.<method>(*args) with the step's arguments unchanged.
SIMPLE = {
    "capability", "check", "close", "copy", "create", "delete", "deleteacl", "expunge",
    "fetch", "getacl", "getquota", "getquotaroot", "login", "logout", "myrights",
    "namespace", "noop", "partial", "recent", "rename", "response", "search", "setacl",
    "sort", "status", "store", "subscribe", "thread", "uid", "unselect", "unsubscribe",
}


def one_line(text):
    return text.replace("\r", "\\r").replace("\n", "\\n")


def main():
    sys.stdout.reconfigure(encoding="utf-8", errors="backslashreplace", newline="\n")
    steps = [json.loads(line) for line in sys.stdin if line.strip()]
    m = connect(sys.argv[1:])
    for step in steps:
        method, args = step[0], step[1:]
        try:
            result = repr(call(m, method, args))
        except imaplib.IMAP4.readonly as e:
            result = "error:readonly:" + one_line(str(e))
        except imaplib.IMAP4.abort as e:
            result = "error:abort:" + one_line(str(e))
        except imaplib.IMAP4.error as e:
            result = "error:error:" + one_line(str(e))
        except Exception as e:  # a driver or argument problem: let the comparison show it
            result = "error:python-%s:%s" % (type(e).__name__, one_line(str(e)))
        print(result, flush=True)
    if m.state != "LOGOUT":
        try:
            m.logout()
        except Exception:
            pass


if __name__ == "__main__":
    main()
