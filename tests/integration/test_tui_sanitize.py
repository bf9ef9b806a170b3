#!/usr/bin/python3
"""
test_tui_sanitize: in the full-screen view, as in line mode, a peer
cannot reach the terminal with control sequences or bidi tricks.

alice hosts in tmux (80x24) with everything sotto writes to the pane
logged (pipe-pane); bob, in line mode, sends a line holding ESC
sequences (clear screen, set the window title ending in BEL), a C1 CSI
(U+009B), U+202E and other bidi controls.  Proves: the screen shows the
visible escapes (\\x1b[2J, \\x1b]0;pwned, \\x07, \\x9b31m, \\u202e, ...)
with the text around them, the pane's title is not 'pwned', the lines
before it are still on screen (no clear), and none of the raw sequences
(ESC ] 0;pwned, C2 9B, E2 80 AE, E2 81 A6, E2 81 A9, E2 80 8F) is in
the bytes sotto wrote to the terminal.
"""
import os

import sotto_harness as h
import tui_tmux
from tui_tmux import has

EVIL = ("before\x1b[2J\x1b]0;pwned\x07 middle \u009b31m c1 \u202e reversed "
        "\u2066isolate\u2069 \u200f end")
FORBIDDEN = {
    "OSC title": b"\x1b]0;pwned", "U+009B": b"\xc2\x9b", "U+202E": b"\xe2\x80\xae",
    "U+2066": b"\xe2\x81\xa6", "U+2069": b"\xe2\x81\xa9", "U+200F": b"\xe2\x80\x8f",
}
VISIBLE = [r"before\x1b[2J\x1b]0;pwned\x07 middle", r"\x9b31m c1", r"\u202e reversed",
           r"\u2066isolate\u2069", r"\u200f end"]


def scenario(t, tm):
    alice, bobp = t.party("alice"), t.party("bob")
    log = os.path.join(t.tmp, "pane.log")
    tm.start("a", alice, ["host", "--once", "--listen", "127.0.0.1", "--port", "0", "--name", "alice",
                          "--password-file", alice.password_file])
    tm.run("pipe-pane", "-o", "-t", "it:a", "cat >> %s" % log)
    port = tui_tmux.host_port(tm, "a")
    bob = t.join(bobp, port)
    bob.wait_line(r"^\* connected to alice\b", what="'* connected to alice'")
    tm.wait("a", has("[alice] [connected]"), "the full-screen view")
    bob.send("a harmless line first")
    tm.wait("a", has("bob: a harmless line first"), "the first line")
    bob.send(EVIL)
    bob.send("and after")
    rows = tm.wait("a", has("bob: and after"), "the line after")
    screen = "\n".join(rows)
    for v in VISIBLE:
        t.check(v in screen.replace("\n        ", ""),
                "%r is not on screen:\n%s" % (v, screen))
    t.check(any("bob: a harmless line first" in r for r in rows), "the screen was cleared")
    t.check(tm.fmt("a", "#{pane_title}") != "pwned", "the title was set by the peer")
    bob.close_stdin()
    bob.expect_exit(h.EXIT_OK)
    st = tm.exit_status("a")
    t.check(st == "0", "alice exited with status %s" % st)
    with open(log, "rb") as f:
        raw = f.read()
    t.check(len(raw) > 0, "nothing logged from the pane")
    for what, b in FORBIDDEN.items():
        t.check(b not in raw, "raw %s (%r) reached the terminal" % (what, b))


tui_tmux.main(scenario, 80, 24, budget=60)
