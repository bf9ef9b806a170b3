#!/usr/bin/python3
"""
test_sanitize: a peer cannot send terminal control sequences or bidi
tricks to the other side's terminal.

Proves: a line holding ESC sequences (clear screen, set title ending in
BEL), a C1 control (U+009B, CSI), U+202E (right-to-left override) and
other bidi controls is shown by the host with none of those raw bytes or
characters -- no 0x1b, no 0x07, no C2 9B, no E2 80 AE, ... -- but with
the visible escapes (\\x1b, \\x07, \\x9b, \\u202e) and the text around
them intact; the same holds the other way, towards the joiner.
"""
import sotto_harness as h

EVIL = ("before\x1b[2J\x1b]0;pwned\x07 middle \u009b31m c1 \u202e reversed "
        "\u2066isolate\u2069 \u200f end")
# Raw encodings that must never reach the terminal.
FORBIDDEN = {
    "ESC": b"\x1b", "BEL": b"\x07", "U+009B": b"\xc2\x9b", "U+202E": b"\xe2\x80\xae",
    "U+2066": b"\xe2\x81\xa6", "U+2069": b"\xe2\x81\xa9", "U+200F": b"\xe2\x80\x8f",
}
VISIBLE = ["before", r"\x1b[2J", r"\x1b]0;pwned", r"\x07", " middle ", r"\x9b31m", " c1 ",
           r"\u202e", " reversed ", r"\u2066isolate\u2069", r"\u200f", " end"]


def check_side(t, proc, sender):
    proc.wait_messages(sender, 1)
    raw = proc.stdout_bytes()
    for what, b in FORBIDDEN.items():
        t.check(b not in raw, "%s: raw %s (%r) reached stdout: %r" % (proc.label, what, b, raw))
    for c in raw:
        t.check(c >= 0x20 or c in (0x09, 0x0a), "%s: control byte 0x%02x on stdout" % (proc.label, c))
    line = proc.messages_from(sender)[0]
    for v in VISIBLE:
        t.check(v in line, "%s: %r missing from the shown line %r" % (proc.label, v, line))


def scenario(t):
    alice, bob = t.party("alice"), t.party("bob")
    host, port = t.host(alice)
    join = t.join(bob, port)
    join.send(EVIL)
    host.send(EVIL)
    h.establish(t, host, join, alice, bob)
    check_side(t, host, "bob")
    check_side(t, join, "alice")
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)


h.main(scenario, budget=30)
