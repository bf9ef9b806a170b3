#!/usr/bin/python3
"""
test_room_relay_kill: a room goes on through a relay killed with SIGKILL
in the middle of a burst and restarted on the same port and state
directory.

Proves: three members each send 1,000 lines at once; when a third of
alice's have reached bob the relay is killed (kill -9) and, within 5 s,
started again with the same --port and --state-dir; within 30 s of the
restart every member has every other member's 1,000 lines exactly once
and in order, without anyone doing anything, and no member printed any
anomaly notice (nothing missing, replayed, forged or unreadable, no
lost seat); each said '* connection to the relay lost; reconnecting' and
'* reconnected'; then each exits 0 when its input ends (every line
acknowledged).
"""
import signal
import time

import sotto_harness as h

N = 1000


def scenario(t):
    relay, port = t.relay()
    room = h.Chatroom(t, port, ("alice", "bob", "carol"), tails=True)
    room.say("burst", N)
    room.tails["bob"].wait_count("alice: ", N // 3, timeout=30)
    h.signal_proc(relay, signal.SIGKILL)
    relay.wait_exit(5)
    t.log("relay killed; bob had %d of alice's lines" % room.received("bob", "alice"))
    time.sleep(1.0)
    relay, _ = t.relay(state_dir=relay.state_dir, port=port, label="relay-again", timeout=4)
    restarted = time.monotonic()
    room.caught_up(30, since=restarted)
    t.log("all caught up %.1f s after the restart" % (time.monotonic() - restarted))
    room.check_all()
    for p in room.procs.values():
        p.wait_line(r"^\* connection to the relay lost; reconnecting", what="the lost notice")
        p.wait_line(r"^\* reconnected$", what="'* reconnected'")
    room.leave_all()


h.main(scenario, budget=110)
