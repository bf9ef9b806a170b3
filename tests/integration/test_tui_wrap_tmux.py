#!/usr/bin/python3
"""
test_tui_wrap_tmux: in the full-screen view (a real terminal type, not
TERM=dumb; test_wrap_tmux covers the line editor), a room message padded
to the terminal's width cannot look like a line of its own.

mallory (line mode) makes a room; alice joins it in tmux at 80x24 and
hides the member list (Ctrl-B), so the scrollback is the pane's width.
mallory sends a probe, whose row tells where message text starts; then,
for that width and one column either side, (1) "hi", exactly enough
spaces to reach the end of alice's row, then "HH:MM * alice left"; (2)
'x' up to the end of the row, then "HH:MM * bob left"; (3) eight spaces
(kept, the most the rule keeps) and then 'y' up to the end of the row,
then "HH:MM bob: mallory speaks for me".  Proves, on alice's screen as
tmux draws it (capture-pane, one row per terminal row): no row starts
with a time followed by "* alice left", "* bob left" or "bob:"; each
fake text is there, only inside mallory's own row or on continuation
rows, which start with blanks (indented under the text); the long runs
of spaces show as "[N blanks]" exactly as the line editor shows them
(the shared rule of wrap.h); no row is wider than the pane.
"""
import re
import time

import sotto_harness as h
import tui_tmux
from tui_tmux import has, text

COLS, ROWS = 80, 24


def scenario(t, tm):
    relay, rport = t.relay()
    mallory = t.party("mallory")
    rm, inv = t.room_new(mallory, rport)
    alice = t.party("alice")
    tm.start("a", alice, ["join", "--invite-file", rm.invite_file, "--name", "alice"])
    tm.wait("a", lambda r: "(2 members)" in r[0] and any("mallory is in the room" in x for x in r),
            "the full-screen room with mallory in it")
    h.wait_in_room(rm, ["alice"])
    t.check(tm.fmt("a", "#{pane_width}") == str(COLS), "the pane is not %d wide" % COLS)
    tm.key("a", "C-b")
    tm.wait("a", lambda r: not any("\u2502" in x for x in r), "the member list hidden")

    rm.send("probe-0123456789")
    rows = tm.wait("a", has("probe-0123456789"), "the probe")
    row = [r for r in rows if "probe-0123456789" in r][0]
    col = len(row[:row.index("probe-0123456789")])
    t.log("message text starts at column %d: %r" % (col, row))
    t.check(re.match(r"^\d\d:\d\d ", row), "the probe's row does not start with the time: %r" % row)
    avail = COLS - col
    stamp = time.strftime("%H:%M")
    fakes = ["%s * alice left" % stamp, "%s * bob left" % stamp,
             "%s bob: mallory speaks for me" % stamp]
    for d in (-1, 0, 1):
        rm.send("hi" + " " * (avail - 2 + d) + fakes[0])
        rm.send("x" * (avail + d) + fakes[1])
        rm.send(" " * 8 + "y" * (avail - 8 + d) + fakes[2])
    rm.send("the-end-marker")
    rows = tm.wait("a", has("the-end-marker"), "mallory's last message on alice's screen")
    t.log("screen:\n" + text(rows))

    fake = re.compile(r"^\s{0,0}\d\d:\d\d (\* alice left|\* bob left|bob:)")
    bad = [r for r in rows if fake.match(r)]
    t.check(not bad, "a message faked a line of its own: %r\nscreen:\n%s" % (bad, text(rows)))
    mine = re.compile(r"^\d\d:\d\d mallory~")
    for f, key in zip(fakes, ("* alice left", "* bob left", "bob:")):
        # Where the row breaks inside the fake's time, the rest of it is
        # still whole on the continuation row.
        hits = [r for r in rows if key in r]
        t.check(len(hits) >= 3, "%r not shown 3 times:\n%s" % (f, text(rows)))
        t.check(all(r.startswith(" ") or mine.match(r) for r in hits),
                "%r neither inside mallory's row nor on an indented continuation row: %r"
                % (f, hits))
    marks = [m.group(0) for r in rows for m in re.finditer(r"\[\d+ blanks\]", r)]
    t.check(len(marks) >= 3, "the runs of spaces are not shown collapsed (%r):\n%s"
            % (marks, text(rows)))
    want = ["[%d blanks]" % (avail - 2 + d) for d in (-1, 0, 1)]
    t.check(sorted(marks[-3:]) == sorted(want), "collapsed as %r, expected %r (the line "
            "editor's rule)" % (marks[-3:], want))
    t.check(all(len(r) <= COLS for r in rows), "a row wider than the pane")
    tm.keys("a", "/quit")
    st = tm.exit_status("a")
    t.check(st == "0", "alice exited with status %s" % st)
    rm.close_stdin()
    rm.expect_exit(h.EXIT_OK)


tui_tmux.main(scenario, COLS, ROWS, budget=90)
