#!/usr/bin/python3
"""
test_room_member_stop: a member frozen for 40 s (SIGSTOP, then SIGCONT:
a laptop lid) comes back into the same conversation.

Proves: while carol is stopped, the relay stops hearing her keepalives
and after its 30 s dead-peer timeout tells alice and bob '* carol lost
connection'; alice and bob go on talking; lines written to carol's
input meanwhile wait in the pipe; after SIGCONT carol finds her link
dead, says '* connection to the relay lost; reconnecting' and
'* reconnected', resumes her seat, and everything said meanwhile reaches
her, and what she typed reaches them, exactly once, in order, with no
anomaly notice; the others see '* carol is back', never '* carol left';
all exit 0 when their input ends.
"""
import os
import signal
import time

import sotto_harness as h

N = 20
FREEZE = 40


def scenario(t):
    relay, port = t.relay()
    room = h.Chatroom(t, port, ("alice", "bob", "carol"))
    a, b, c = (room.procs[n] for n in ("alice", "bob", "carol"))
    room.say("before", N)
    room.caught_up(20)
    os.killpg(c.p.pid, signal.SIGSTOP)
    stopped = time.monotonic()
    try:
        for p in (a, b):
            p.wait_line(r"^\* carol lost connection$", timeout=FREEZE,
                        what="'* carol lost connection' (the relay's dead-peer timeout)")
        room.say("during", N)
        room.caught_up(20, who=("alice", "bob"), senders=("alice", "bob"))
        time.sleep(max(0, FREEZE - (time.monotonic() - stopped)))
    finally:
        os.killpg(c.p.pid, signal.SIGCONT)
    t.log("carol resumed after %.1f s" % (time.monotonic() - stopped))
    c.wait_line(r"^\* reconnected$", timeout=30, what="carol's '* reconnected'")
    for p in (a, b):
        p.wait_line(r"^\* carol is back$", timeout=20, what="'* carol is back'")
    room.say("after", N)
    room.caught_up(30)
    room.check_all()
    for p in room.procs.values():
        t.check("* carol left" not in p.lines(), "%s: '* carol left'" % p.label)
    room.leave_all()


h.main(scenario, budget=120)
