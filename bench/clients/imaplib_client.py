"""One run of CPython's imaplib, as the Rust `client` binary does it (same commands, same
RESULT line). Usage: imaplib_client.py WORKLOAD HOST PORT USER PASSWORD [MAILBOX]"""
import imaplib
import resource
import sys
import time

ITEMS = {
    "rfc822": "(RFC822)",
    "meta": "(FLAGS ENVELOPE BODYSTRUCTURE)",
    "meta-a": "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)",
}


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    workload, host, port, user, password = sys.argv[1:6]
    mailbox = sys.argv[6] if len(sys.argv) > 6 else "INBOX"
    m = imaplib.IMAP4(host, int(port))
    m.login(user, password)
    m.select(mailbox, readonly=True)
    c0, t0 = cpu(), time.perf_counter()
    typ, data = m.fetch("1:*", ITEMS[workload])
    nbytes = 0
    messages = 0
    for item in data:
        if isinstance(item, tuple):
            nbytes += len(item[1])
        elif item is not None:
            messages += 1
    wall, used = time.perf_counter() - t0, cpu() - c0
    assert typ == "OK", typ
    m.logout()
    hwm = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
    print(f"RESULT wall={wall:.6f} cpu={used:.6f} bytes={nbytes} messages={messages} hwm={hwm}")


main()
