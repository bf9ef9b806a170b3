#!/usr/bin/python3
"""
test_reconnect_freeze: a host frozen for 40 s (SIGSTOP, as a closed
laptop lid) does not end the chat (issue 8, 1:1).

Proves: the joiner notices the silence (its dead-peer timer, 30 s) and
says '* connection lost; reconnecting…'; it keeps trying while the host
is stopped; once the host runs again (SIGCONT) the conversation is
resumed ('* reconnected' on both sides); the 5 lines the joiner typed
during the freeze and the 5 lines written to the host's stdin during it
arrive exactly once, in order; the chat goes on afterwards.
"""
import os
import signal
import time

import sotto_harness as h

FREEZE = 40
LOST = r"^\* connection lost; reconnecting\u2026$"


def scenario(t):
    alice, bob = t.party("alice"), t.party("bob")
    host, port = t.host(alice)
    join = t.join(bob, port)
    h.establish(t, host, join, alice, bob)
    join.send("before the freeze, from bob")
    host.wait_messages("bob", 1)

    os.killpg(host.p.pid, signal.SIGSTOP)
    t0 = time.monotonic()
    try:
        sent_j = ["bob during the freeze %d" % i for i in range(1, 6)]
        sent_h = ["alice during the freeze %d" % i for i in range(1, 6)]
        for a, b in zip(sent_j, sent_h):
            join.send(a)
            host.send(b)	# read by the host once it runs again
        join.wait_line(LOST, timeout=FREEZE - 2,
                       what="the joiner's '* connection lost; reconnecting…'")
        time.sleep(max(0.0, FREEZE - (time.monotonic() - t0)))
    finally:
        os.killpg(host.p.pid, signal.SIGCONT)
    t.check(host.messages_from("bob") == ["before the freeze, from bob"],
            "the frozen host showed %r" % host.messages_from("bob"))
    join.wait_line(r"^\* reconnected$", timeout=40, what="the joiner's '* reconnected'")
    host.wait_line(r"^\* reconnected$", timeout=5, what="the host's '* reconnected'")
    host.wait_messages("bob", 6, timeout=10)
    join.wait_messages("alice", 5, timeout=10)
    time.sleep(0.5)
    t.check(host.messages_from("bob") == ["before the freeze, from bob"] + sent_j,
            "the host showed %r" % host.messages_from("bob"))
    t.check(join.messages_from("alice") == sent_h,
            "the joiner showed %r" % join.messages_from("alice"))
    join.send("after the freeze")
    host.wait_messages("bob", 7)
    t.check(host.messages_from("bob")[-1] == "after the freeze", "the chat did not go on")
    t.check(h.count_lines(join, LOST) == 1, "the joiner lost the connection more than once")
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK, why="--once, and the peer left")
    h.expect_no_stray_lines(t, host, ["bob"])
    h.expect_no_stray_lines(t, join, ["alice"])


h.main(scenario, budget=FREEZE + 70)
