#!/usr/bin/python3
"""
test_tui_child_keys: a window whose conversation a line-mode child runs
(/join, /connect) knows its members' keys as the main window does
(tmux, 120x40, colours captured with -e).

ann makes room A and ben joins it; ben also makes room B; cat hosts a
1:1 chat; all three in line mode.  erin enters room A on the terminal
(window 1), then /join opens room B (window 2) and /connect the chat
with cat (window 3).  Proves: ben's name has the same key-derived
colour in window 2 as in window 1 (the child hands the keys over on a
pipe of its own, memline.h; a colour from the name alone would differ);
/trust ben works in window 2 (no "runs in line mode" refusal) and its
status bar says "1 of 1 verified"; in window 3 the status bar says "cat
not verified", cat's name has the colour of cat's key (computed here
from the key erin pinned in known_peers, PROTOCOL §11, chat_key_color),
and /trust turns it into "cat verified", recorded in the 'verified'
file with cat's key.  The line-mode children's output is unchanged
(their lines are as before in the windows).
"""
import hashlib
import os
import re

import sotto_harness as h
import tui_tmux
from tui_tmux import has, text

PW = "violet-Granite-harbor-1987-quasar"
SGR_NAME = r"\x1b\[[0-9;]*38;5;(\d+)[0-9;]*m(?:\x1b\[[0-9;]*m)*%s\b"


def key_color(pk):
    d = hashlib.blake2b(pk, digest_size=8, key=b"sotto colour v1").digest()
    return 16 + 36 * (1 + d[0] % 5) + 6 * (1 + d[1] % 5) + (1 + d[2] % 5)


def name_color(tm, window, name, line):
    """The colour of name on the row of the message 'NAME: TEXT' (a
    room's main window shows the name with its long tag)."""
    msg = line.split(": ", 1)[1]
    rows = tm.wait(window, has(msg), "%r in window %s" % (line, window))
    crow = [r for r in tm.screen(window, colors=True) if msg in r]
    if not crow:
        raise h.Failure("no coloured row for %r:\n%s" % (line, text(rows)))
    m = re.search(SGR_NAME % re.escape(name), crow[-1])
    if not m:
        raise h.Failure("no 256-colour SGR before %r in %r" % (name, crow[-1]))
    return int(m.group(1))


def scenario(t, tm):
    relay, rport = t.relay()
    ann, ben, erin = t.party("ann"), t.party("ben"), t.party("erin")
    catp = t.party("cat", PW)
    pa, inv_a = t.room_new(ann, rport)
    ba = t.room_join(ben, inv_a)
    h.wait_in_room(ba, ["ann"])
    bb, inv_b = t.room_new(ben, rport, invite_file=os.path.join(ben.dir, "inv-b"))
    cat, cport = t.host(catp)

    tm.start("e", erin, ["join", inv_a, "--name", "erin"])
    tm.wait("e", has("[erin] [connected]"), "erin in room A")
    h.wait_in_room(ba, ["erin"])
    ba.send("hello from ben in A")
    c1 = name_color(tm, "e", "ben", "ben: hello from ben in A")

    tm.keys("e", "/join " + inv_b)
    tm.wait("e", lambda r: any("joined the room as erin" in x for x in r) and
            any("2=" in x for x in r), "window 2 in room B")
    h.wait_in_room(bb, ["erin"])
    tm.wait("e", has("[encrypted, 0 of 1 verified]"), "window 2's status bar with ben")
    bb.send("hello from ben in B")
    c2 = name_color(tm, "e", "ben", "ben: hello from ben in B")
    t.log("ben's colour: %d in window 1, %d in window 2" % (c1, c2))
    t.check(c1 == c2, "ben's colour differs between the windows: %d and %d" % (c1, c2))
    tm.keys("e", "/trust ben")
    rows = tm.wait("e", has("[encrypted, 1 of 1 verified]"), "/trust ben in window 2")
    t.check(not any("line mode" in r for r in rows), "/trust refused:\n%s" % text(rows))

    tm.keys("e", "/connect 127.0.0.1:%d" % cport)
    tm.wait("e", has("password (not shown):"), "the password question")
    tm.keys("e", PW)
    cat.wait_line(r"^\* connected to erin\b", what="'* connected to erin'")
    tm.wait("e", has("[encrypted, cat not verified"), "window 3's status bar")
    with open(erin.known_peers) as f:
        pins = dict(l.split()[:2] for l in f if l.strip())
    cat_pk = bytes.fromhex(pins["cat"])
    cat.send("hello erin")
    c3 = name_color(tm, "e", "cat", "cat: hello erin")
    t.check(c3 == key_color(cat_pk), "cat's colour %d is not his key's %d"
            % (c3, key_color(cat_pk)))
    tm.keys("e", "/trust")
    tm.wait("e", has("[encrypted, cat verified]"), "/trust in window 3")
    with open(os.path.join(erin.sotto_dir, "verified")) as f:
        ver = f.read()
    t.check("cat %s" % pins["cat"] in ver, "'verified' lacks cat's key: %r" % ver)
    t.check(oct(os.stat(os.path.join(erin.sotto_dir, "verified")).st_mode & 0o777) == "0o600",
            "'verified' is not 0600")

    # /quit in window 1 ends the program and its other conversations.
    tm.key("e", "M-1")
    tm.wait("e", lambda r: any("1=" in x for x in r), "window 1 shown")
    tm.keys("e", "/quit")
    st = tm.exit_status("e")
    t.check(st == "0", "erin exited with status %s" % st)
    cat.expect_exit(h.EXIT_OK)
    for p in (pa, ba, bb):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK)


tui_tmux.main(scenario, 120, 40, budget=90)
