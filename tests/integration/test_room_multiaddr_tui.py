#!/usr/bin/python3
"""
test_room_multiaddr_tui: the full-screen view says which of the
invitation's relay addresses it is connected to when that changes
(tmux, 100x30).

A two-node cluster (its own nats-server, as in test_room_multiaddr);
alicia makes the room on node 1 in line mode; erin joins full-screen with
an invitation listing node 2, then node 1.  Proves: erin's screen has no
'now connected to' notice while she is on the first address; node 2 is
stopped (SIGTERM) and her screen shows 'now connected to the relay at
127.0.0.1:NODE1', the title 'room on 127.0.0.1:NODE2' then
'room on 127.0.0.1:NODE1'; a line she typed while cut, and one after, reach
alicia exactly once, in order; /quit exits 0.
"""
import signal

import sotto_harness as h
import tui_tmux
from tui_tmux import has


def scenario(t, tm):
    nats, url = h.nats_url(t)
    r1, p1, d1, r2, p2, d2 = h.two_nodes(t, url)
    alicia, inv = t.room_new(t.party("alicia"), p1, "--relay", "%s:%d" % (h.LOOPBACK, p2))
    erin = t.party("erin")
    tm.start("e", erin, ["join", h.invite_with_addrs(inv, [(h.LOOPBACK, p2), (h.LOOPBACK, p1)]),
                         "--name", "erin"])
    tm.wait("e", has("[erin] [connected]"), "erin in the room")
    h.wait_in_room(alicia, ["erin"], timeout=20)
    tm.keys("e", "erin on node two")
    alicia.wait_until(lambda: alicia.messages_from("erin") == ["erin on node two"],
                      "erin's first line at alicia", 20)
    rows = tm.screen("e")
    t.check(not has("now connected to")(rows),
            "a 'now connected to' notice while on the first address")
    t.check("room on 127.0.0.1:%d" % p2 in rows[0], "title: %r" % rows[0])
    h.signal_proc(r2, signal.SIGTERM)
    r2.expect_exit(h.EXIT_OK, timeout=30, why="SIGTERM")
    tm.keys("e", "erin while cut")
    tm.wait("e", has("now connected to the relay at 127.0.0.1:%d" % p1),
            "'now connected to the relay at 127.0.0.1:%d' on erin's screen" % p1, timeout=40)
    tm.wait("e", lambda rows: "room on 127.0.0.1:%d" % p1 in rows[0],
            "the title naming node 1")
    tm.keys("e", "erin on node one")
    want = ["erin on node two", "erin while cut", "erin on node one"]
    alicia.wait_until(lambda: len(alicia.messages_from("erin")) >= 3,
                      "erin's three lines at alicia", 30)
    h.check_exactly(t, alicia, "erin", want)
    t.check(not h.anomalies(alicia), "alicia: anomaly notices %r" % h.anomalies(alicia)[:5])
    tm.keys("e", "/quit")
    st = tm.exit_status("e", timeout=20)
    t.check(st == "0", "erin exited with status %s" % st)
    alicia.close_stdin()
    alicia.expect_exit(h.EXIT_OK, timeout=20)


tui_tmux.main(scenario, 100, 30, budget=120)
