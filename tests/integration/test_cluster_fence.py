#!/usr/bin/python3
"""
test_cluster_fence: the JetStream room log (docs/PROTOCOL.md §15.11)
when JetStream stops answering, and when two nodes both take themselves
for a room's owner.

Starts its own 'nats-server -js' and two 'sotto relay --nats URL --node N'
sharing one relay key (as test_cluster).

Proves:
- alicia makes the room on node 1 (it owns it) and bobbie joins there,
  carol through node 2 (all three invitations list both nodes);
- JetStream stalls: nats-server is stopped (SIGSTOP) for 3 s while
  alicia sends lines; node 1's turns get no answer, its room is 'unsure'
  and is written again whole once nats-server runs again (node 1 logs
  'a room's log on JetStream caught up'); every line reaches everyone
  once, in order;
- two owners: node 1 is frozen (SIGSTOP) for 8 s while every member
  types; node 2 takes it for gone, drops carol's link, and when carol
  resumes through it takes the room over from JetStream; node 1, woken
  (SIGCONT), still takes itself for the owner, and its next write to the
  room's log is refused by the fence: it logs 'another node wrote a
  room's log' and gives the room up, its members resume through node 2's
  room (forwarded by node 1 or straight to node 2); every member has
  every line of every other exactly once, in order (lines node 1 took
  but could not store were never acknowledged, so they are sent again);
- everyone leaves cleanly (exit 0).
"""
import signal
import time

import sotto_harness as h

N = 15		# lines per member per phase


def scenario(t):
    nats, url = h.nats_url(t)
    r1, p1, d1, r2, p2, d2 = h.two_nodes(t, url)

    alicia, inv = t.room_new(t.party("alicia"), p1, "--relay", "%s:%d" % (h.LOOPBACK, p2))
    names = ["alicia", "bobbie", "carol"]
    procs = {"alicia": alicia}
    procs["bobbie"] = t.room_join(t.party("bobbie"), inv)
    procs["carol"] = t.room_join(t.party("carol"), h.invite_with_addrs(
        inv, [(h.LOOPBACK, p2), (h.LOOPBACK, p1)]))
    for n in names[1:]:
        h.wait_joined(procs[n], n, timeout=30)
    for n in names:
        h.wait_in_room(procs[n], [o for o in names if o != n], timeout=30)
    r1.wait_until(lambda: "cluster: room logs on JetStream" in r1.stderr_text(),
                  "node 1 to have its room logs on JetStream", timeout=30)

    chorus = h.Chorus(t, procs, N)
    say, caught_up, check_all = chorus.say, chorus.caught_up, chorus.check_all

    say("before")
    caught_up(30)

    # JetStream stalls: node 1's room becomes unsure, then is written
    # again whole.
    h.signal_proc(nats, signal.SIGSTOP)
    try:
        say("stall", ("alicia",))
        time.sleep(3)
    finally:
        h.signal_proc(nats, signal.SIGCONT)
    r1.wait_until(lambda: "cluster: a room's log on JetStream caught up" in r1.stderr_text(),
                  "node 1 to write its unsure room again whole", timeout=40)
    say("after-stall")
    caught_up(40)
    check_all()
    t.log("JetStream stopped 3 s: node 1's room was unsure, then written again whole")

    # Two owners: node 1 frozen past node 2's 5 s, its room taken over.
    h.signal_proc(r1, signal.SIGSTOP)
    try:
        r2.wait_until(lambda: "cluster: node 1 silent for" in r2.stderr_text(),
                      "node 2 to take node 1 for gone", timeout=30)
        r2.wait_until(lambda: "cluster: a room taken over from JetStream" in r2.stderr_text(),
                      "node 2 to take the room over when carol resumes", timeout=30)
        say("frozen")
        time.sleep(1)
    finally:
        h.signal_proc(r1, signal.SIGCONT)
    r1.wait_until(lambda: "another node wrote a room's log" in r1.stderr_text(),
                  "node 1 to find its write fenced and give the room up", timeout=40)
    say("woken")
    caught_up(60)
    check_all()
    for n in names:
        t.check(not any("joining again" in l for l in procs[n].lines()),
                "%s was told the relay lost its place" % n)
    t.log("node 1 frozen past its peers' patience: node 2 took the room over, node 1's "
          "next write was fenced and it gave the room up; every line once, in order")

    for p in procs.values():
        p.close_stdin()
    for p in procs.values():
        p.expect_exit(h.EXIT_OK, timeout=30, why="stdin ended, all lines acknowledged")
    t.check(r1.alive() and r2.alive(), "a relay node exited")
    for r in (r1, r2):
        t.check("Sanitizer" not in r.stderr_text(), "a sanitizer report")


h.main(scenario, budget=200)
