#!/usr/bin/python3
"""
test_room_relay_stop: a room goes on through a relay frozen for 60 s
(SIGSTOP, then SIGCONT).

Proves: three members each send 100 lines before the freeze, 100 during
it and 100 after it; the members notice the frozen relay (the 30 s
dead-peer timeout), say '* connection to the relay lost; reconnecting',
keep what is typed meanwhile, and after SIGCONT reconnect by themselves;
at the end every member has every other member's 300 lines exactly
once, in order, and no member printed any anomaly notice; each exits 0
when its input ends; the relay is still running.
"""
import signal
import time

import sotto_harness as h

N = 100
FREEZE = 60


def scenario(t):
    relay, port = t.relay()
    room = h.Chatroom(t, port, ("alice", "bob", "carol"))
    room.say("before", N)
    room.caught_up(20)
    h.signal_proc(relay, signal.SIGSTOP)
    stopped = time.monotonic()
    try:
        time.sleep(2)
        room.say("during", N)
        for p in room.procs.values():
            p.wait_line(r"^\* connection to the relay lost; reconnecting",
                        timeout=FREEZE - 5, what="the lost notice while the relay is frozen")
        time.sleep(max(0, FREEZE - (time.monotonic() - stopped)))
    finally:
        h.signal_proc(relay, signal.SIGCONT)
    t.log("relay resumed after %.1f s" % (time.monotonic() - stopped))
    room.say("after", N)
    room.caught_up(45)
    room.check_all()
    room.leave_all()
    t.check(relay.alive(), "the relay exited")


h.main(scenario, budget=140)
