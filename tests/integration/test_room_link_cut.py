#!/usr/bin/python3
"""
test_room_link_cut: one member's link to the relay is cut for 45 s (a
proxy drops its connections and refuses new ones), and the room goes on.

Proves: carol reaches the relay through the proxy; when the outage
begins she says '* connection to the relay lost; reconnecting' and the
others '* carol lost connection'; alice and bob hear each other during
the outage; what they say during it reaches carol after it, and what
carol types during it reaches them, exactly once and in order, together
with what everyone says before and after; carol says '* reconnected'
and the others '* carol is back'; nobody prints an anomaly notice or
'* carol left'; all exit 0 when their input ends.
"""
import time

import sotto_harness as h

N = 20
OUTAGE = 45


def scenario(t):
    relay, port = t.relay()
    proxy, pport = t.proxy(port, outage=OUTAGE)
    room = h.Chatroom(t, port, ("alice", "bob", "carol"), via={"carol": pport})
    a, b, c = (room.procs[n] for n in ("alice", "bob", "carol"))
    room.say("before", N)
    room.caught_up(20)
    h.outage_begin(proxy)
    began = time.monotonic()
    c.wait_line(r"^\* connection to the relay lost; reconnecting", what="carol's lost notice")
    for p in (a, b):
        p.wait_line(r"^\* carol lost connection$", what="'* carol lost connection'")
    room.say("during", N)
    room.caught_up(20, who=("alice", "bob"), senders=("alice", "bob"))
    t.check(len(c.messages_from("alice")) == N, "carol got lines from alice during the outage")
    proxy.wait_line(r"^proxy outage ends$", timeout=OUTAGE + 10, what="the end of the outage")
    t.log("outage over after %.1f s" % (time.monotonic() - began))
    c.wait_line(r"^\* reconnected$", timeout=40, what="carol's '* reconnected'")
    for p in (a, b):
        p.wait_line(r"^\* carol is back$", timeout=20, what="'* carol is back'")
    room.say("after", N)
    room.caught_up(30)
    room.check_all()
    for p in room.procs.values():
        t.check("* carol left" not in p.lines(), "%s: '* carol left'" % p.label)
    room.leave_all()


h.main(scenario, budget=140)
