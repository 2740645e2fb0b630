#!/usr/bin/env python3
"""Regenerates the curated seed corpora in fuzz/seeds/<target>/ (committed).

Server bytes come from the transcript and parser tests (every Rust string or byte-string
literal of imap-proto/tests/{transcripts,security,parse_quirks,parse_responses}.rs that
looks like server output, `TTTT` replaced by the tag prefix `BCDE`), concatenated per test
function as well as one by one. Session and encoder seeds are hand-encoded in the input
layout that fuzz/src/session.rs and fuzz/src/encoder.rs read.

Run from anywhere: python3 fuzz/seeds/generate.py
"""
import hashlib
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TESTS = os.path.join(ROOT, "imap-proto", "tests")
FILES = [
    "transcripts.rs",
    "security.rs",
    "parse_quirks.rs",
    "parse_responses.rs",
    "metadata.rs",
    "rev2.rs",
]

LIT = re.compile(r'(b?)"((?:[^"\\]|\\.)*)"', re.S)


def unescape(body, is_bytes):
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        n = body[i + 1]
        i += 2
        if n == "n":
            out += b"\n"
        elif n == "r":
            out += b"\r"
        elif n == "t":
            out += b"\t"
        elif n == "0":
            out += b"\0"
        elif n in "\\\"'":
            out += n.encode()
        elif n == "x":
            v = int(body[i:i + 2], 16)
            i += 2
            out += bytes([v]) if is_bytes else chr(v).encode("utf-8")
        elif n == "u":
            end = body.index("}", i)
            out += chr(int(body[i + 1:end], 16)).encode("utf-8")
            i = end + 1
        elif n == "\n":
            while i < len(body) and body[i] in " \n\t":
                i += 1
        else:
            out += b"\\" + n.encode()
    return bytes(out)


def server_like(b):
    return b.startswith((b"* ", b"+", b"TTTT", b"BCDE", b"A1 ", b"\r\n")) and b.endswith(b"\r\n")


def extract():
    singles, groups = [], []
    for name in FILES:
        src = open(os.path.join(TESTS, name), encoding="utf-8").read()
        for func in re.split(r"\n\s*(?:#\[test\]\s*)?fn ", src):
            group = b""
            for m in LIT.finditer(func):
                b = unescape(m.group(2), m.group(1) == "b").replace(b"TTTT", b"BCDE")
                if server_like(b):
                    singles.append(b)
                    group += b
            if group:
                groups.append(group)
    return singles, groups


def write(target, items):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    seen = set()
    for b in items:
        h = hashlib.sha1(b).hexdigest()[:16]
        if h in seen:
            continue
        seen.add(h)
        with open(os.path.join(d, h), "wb") as f:
            f.write(b)
    return len(seen)


# ----- session input encoding (fuzz/src/session.rs) -----------------------------------

def feed(b):
    """Raw feed ops (op 10): short_bytes, then no extra cuts."""
    out = b""
    while b:
        chunk, b = b[:255], b[255:]
        out += bytes([10, len(chunk)]) + chunk + bytes([0])
    return out


SIMPLE = {"capability": 0, "noop": 1, "check": 2, "logout": 3, "starttls": 4, "unselect": 5,
          "close": 6, "expunge": 7, "namespace": 8, "recent": 9, "idle": 10}


def simple(name):
    return bytes([0, SIMPLE[name]])


# Dictionary word 0 is b"INBOX": text(r) = [1 (str), 0 (dictionary), 0 (INBOX)].
INBOX = bytes([1, 0, 0])


def login():
    return bytes([1, 0]) + INBOX + INBOX


def select():
    return bytes([1, 5]) + INBOX + bytes([0])


def fetch_all():
    # which 15, seq: r.u8()%4 == 0 -> "1:*", parts: text_string -> dictionary word 37 "ALL",
    # stream flag.
    return bytes([1, 15, 0, 0, 37, 0])


def append_inbox():
    # which 14: mailbox given (bool 1) INBOX, no flags, no date (u8 2), message: word 11,
    # keep=0, stream=1 (u8 % 4 != 0).
    return bytes([1, 14, 1]) + INBOX + bytes([0, 2, 0, 11, 0, 1])


def session_seeds():
    G = b"* OK [CAPABILITY IMAP4rev1 IDLE LITERAL+ STARTTLS ENABLE UTF8=ACCEPT AUTH=PLAIN] ready\r\n"
    seeds = []
    s = bytes([0]) + feed(G) + login() + feed(b"BCDE0 OK [CAPABILITY IMAP4rev1 IDLE] in\r\n")
    s += select() + feed(b"* FLAGS (\\Seen)\r\n* 2 EXISTS\r\n* OK [UIDVALIDITY 3] x\r\nBCDE1 OK [READ-WRITE] done\r\n")
    s += fetch_all() + feed(b"* 1 FETCH (UID 1 BODY[] {5}\r\nhello FLAGS (\\Seen))\r\n* 2 FETCH (UID 2 BODY[] {0}\r\n)\r\nBCDE2 OK done\r\n")
    s += simple("idle") + feed(b"+ idling\r\n* 3 EXISTS\r\n") + bytes([12, 0]) + feed(b"BCDE3 OK done\r\n")
    s += simple("logout") + feed(b"* BYE bye\r\nBCDE4 OK done\r\n")
    seeds.append(s)
    # STARTTLS and the upgrade.
    s = bytes([0]) + feed(G) + simple("starttls") + feed(b"BCDE0 OK go\r\n") + bytes([11])
    s += feed(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nBCDE1 OK done\r\n") + login()
    s += feed(b"BCDE2 OK in\r\n* CAPABILITY IMAP4rev1\r\nBCDE3 OK done\r\n")
    seeds.append(s)
    # APPEND with a synchronizing literal (no LITERAL+), small limits and store.
    s = bytes([1 | 2, 200, 0, 0, 1, 0, 4, 0, 2]) + feed(b"* OK [CAPABILITY IMAP4rev1] hi\r\n") + login()
    s += feed(b"BCDE0 OK [CAPABILITY IMAP4rev1] in\r\n") + append_inbox() + feed(b"+ go\r\n")
    s += bytes([13 | 0x40]) + feed(b"BCDE1 OK [APPENDUID 3 9] done\r\n")
    seeds.append(s)
    # Connect-time CAPABILITY, then everything from the transcripts, fed raw.
    singles, groups = extract()
    for g in groups[:60]:
        seeds.append(bytes([0]) + feed(b"* OK hi\r\n* CAPABILITY IMAP4rev1 IDLE\r\nBCDE0 OK x\r\n") + login() + feed(g))
    return seeds


def encoder_seeds():
    seeds = []
    for cfg in (0, 1, 2, 4, 5, 16):
        for which in range(45):
            seeds.append(bytes([cfg, which]) + bytes([0] * 12))
            seeds.append(bytes([cfg, which]) + bytes([1, 0, 11, 0, 0, 20, 1, 4, 5, 6, 3, 2]))
    # The builders (configuration byte 0xE0 and above, fuzz/src/builders.rs): search keys of
    # every kind, SORT/THREAD, fetch items, STORE, APPEND, in and out of UTF-8 mode.
    for cfg in (0xE0, 0xE1, 0xE4, 0xE5):
        for kind in range(6):
            for tail in (
                bytes([0] * 16),
                bytes([9, 1, 5, 10, 2, 1, 0, 7, 3, 11, 8, 4, 2, 1, 6, 1, 9, 3, 2, 0]),
                bytes(range(40, 90)),
                bytes([11, 3, 10, 9, 1, 4, 0, 5, 1, 2, 6, 0, 12, 1, 3] * 3),
            ):
                seeds.append(bytes([cfg, kind]) + tail)
    return seeds


def main():
    singles, groups = extract()
    streams = groups + singles
    print("parser", write("parser", streams))
    framer = [bytes([0, 0]) + b for b in streams]
    framer += [bytes([0, 3, 1, 2, 7]) + b for b in groups]
    framer += [bytes([1, 40, 20, 100, 0, 1, 1]) + b for b in groups]
    print("framer", write("framer", framer))
    print("session", write("session", session_seeds()))
    print("encoder", write("encoder", encoder_seeds()))


if __name__ == "__main__":
    main()
