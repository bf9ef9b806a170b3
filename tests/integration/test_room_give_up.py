#!/usr/bin/python3
"""
test_room_give_up: a member whose relay never comes back gives up after
--reconnect-for seconds, says which lines never arrived, and exits 4.

Proves: alice (--reconnect-for 4) and bob are in a room; the relay is
killed and not started again; alice says '* connection to the relay
lost; reconnecting' once (not once per try), keeps reading her input,
and after about 4 s says she could not reconnect, prints '* 2 lines
never delivered:' and each of them ('* not delivered: TEXT', control
characters made harmless), and exits 4; bob (default window) is still
trying meanwhile and has printed no anomaly notice.
"""
import signal

import sotto_harness as h


def scenario(t):
    relay, port = t.relay()
    alice, bob = t.party("alice"), t.party("bob")
    a, inv = t.room_new(alice, port, "--reconnect-for", "4")
    b = t.room_join(bob, inv)
    h.wait_in_room(a, ["bob"])
    h.wait_in_room(b, ["alice"])
    a.send("delivered first")
    b.wait_messages("alice", 1)
    h.signal_proc(relay, signal.SIGKILL)
    relay.wait_exit(5)
    a.wait_line(r"^\* connection to the relay lost; reconnecting", what="alice's lost notice")
    a.send("typed while cut")
    a.send("and a bell \x07 too")
    a.close_stdin()
    a.expect_exit(h.EXIT_CONN, timeout=20, why="the reconnect window ran out")
    t.check("could not reconnect" in a.stderr_text(), "alice: %r" % a.stderr_text())
    lost = [l for l in a.lines() if l.startswith("* connection to the relay lost")]
    t.check(len(lost) == 1, "alice said she lost the relay %d times" % len(lost))
    a.wait_line(r"^\* 2 lines never delivered:$", what="'* 2 lines never delivered:'")
    nd = [l for l in a.lines() if l.startswith("* not delivered: ")]
    t.check(len(nd) == 2 and nd[0] == "* not delivered: typed while cut",
            "alice's undelivered lines: %r" % nd)
    t.check("\x07" not in a.stdout_bytes().decode("utf-8", "replace"), "a raw BEL reached stdout")
    t.check(b.alive(), "bob gave up already")
    t.check(not h.anomalies(b), "bob: %r" % h.anomalies(b))


h.main(scenario, budget=40)
