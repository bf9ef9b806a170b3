#!/usr/bin/python3
"""
test_tui_day_change: the full-screen view puts a day-change line
between the messages either side of midnight (tmux, 80x24).

Midnight is brought to the test: alice's sotto runs with a POSIX TZ
whose offset makes its local time 23:59:45 when it starts (the offset
is computed from the clock, to the second; nothing else depends on the
zone).  bob joins in line mode and says "before midnight" at once (the
test checks it was sent before alice's local midnight, with 15 s of
margin for a loaded machine), waits until one second past her
midnight, and says "after midnight".  Proves: alice's screen shows, in
this order, "before midnight", a line "--- day changed to DAYNAME, DD
MONTH YYYY ---" naming the next day (the date as that zone has it), and
"after midnight"; the lines are stamped 23:59 and 00:00.
"""
import time

import sotto_harness as h
import tui_tmux
from tui_tmux import has, text

LEAD = 15	# seconds from the start to alice's midnight


def scenario(t, tm):
    alice, bobp = t.party("alice"), t.party("bob")
    now = time.time()
    midnight = now + LEAD
    # The offset that puts local midnight at 'midnight' (whole seconds).
    utc = time.gmtime(int(midnight))
    since = utc.tm_hour * 3600 + utc.tm_min * 60 + utc.tm_sec	# UTC secs into its day
    off = (-since) % 86400		# local = UTC + off is 00:00:00 then
    if off > 12 * 3600:
        off -= 86400
    # POSIX TZ: the sign is west-positive.
    sign = "-" if off >= 0 else "+"
    a = abs(off)
    tz = "SOT%s%02d:%02d:%02d" % (sign, a // 3600, a // 60 % 60, a % 60)
    day_after = time.gmtime(int(midnight) + off)
    want = time.strftime("day changed to %A, %d %B %Y", day_after)
    t.log("TZ=%s: alice's midnight in %d s; expecting %r" % (tz, LEAD, want))

    tm.start("a", alice, ["host", "--once", "--listen", "127.0.0.1", "--port", "0",
                          "--name", "alice", "--password-file", alice.password_file],
             env={"TZ": tz})
    port = tui_tmux.host_port(tm, "a")
    bob = t.join(bobp, port)
    bob.wait_line(r"^\* connected to alice\b", what="'* connected to alice'")
    tm.wait("a", has("[alice] [connected]"), "the full-screen view")
    bob.send("before midnight")
    sent = time.time()
    t.check(sent < midnight - 0.5, "the first message went %.1f s after the start: "
            "too late for this test's midnight" % (sent - now))
    tm.wait("a", has("bob: before midnight"), "the first message", timeout=max(1, midnight - time.time() - 0.2))
    time.sleep(max(0, midnight + 1 - time.time()))
    bob.send("after midnight")
    rows = tm.wait("a", has("bob: after midnight"), "the second message")
    t.log("screen:\n" + text(rows))
    idx = lambda s: [i for i, r in enumerate(rows) if s in r]
    b, d, a = idx("bob: before midnight"), idx(want), idx("bob: after midnight")
    t.check(b and d and a and b[0] < d[0] < a[0],
            "expected 'before midnight', %r, 'after midnight' in that order:\n%s"
            % (want, text(rows)))
    t.check(rows[b[0]].startswith("23:59 ") and rows[a[0]].startswith("00:00 "),
            "stamps: %r, %r" % (rows[b[0]], rows[a[0]]))
    t.check(rows[d[0]].strip().startswith("---") and rows[d[0]].strip().endswith("---"),
            "the day line is not set apart: %r" % rows[d[0]])
    bob.close_stdin()
    bob.expect_exit(h.EXIT_OK)
    st = tm.exit_status("a")
    t.check(st == "0", "alice exited with status %s" % st)


tui_tmux.main(scenario, 80, 24, budget=60)
