#!/usr/bin/python3
"""
test_cluster_owner_dies: the node that owns a room is killed with
SIGKILL while every member is sending; another node takes the room over
from its log on JetStream (docs/PROTOCOL.md §15.11) and nothing is lost
or delivered twice.

Starts its own 'nats-server -js' and two 'sotto relay --nats URL --node N'
sharing one relay key (as test_cluster).

Proves:
- four members: alicia makes the room on node 1 ('room new --relay
  NODE1 --relay NODE2': node 1 owns it) and bobbie joins through node 1;
  caroline and dorothea through node 2 (invitations listing node 2
  first); each sends ROUND lines and all get all of them;
- every member sends a burst and node 1 is SIGKILLed with the bursts in
  flight, then each sends another burst (alicia's and bobbie's typed
  while they have no relay): alicia and bobbie print '* now connected to
  the relay at 127.0.0.1:NODE2'; node 2 takes node 1 for gone, claims the
  room when its members resume, and logs that it took the room over from
  JetStream; within 30 s of the kill every member has every line of
  every other member exactly once, in order, and no member is told its
  place was lost or that messages may be missing (no 'joining again',
  no anomaly notice);
- a line each way afterwards; everyone leaves cleanly (exit 0) and
  node 2 stops on SIGTERM with status 0.
"""
import signal
import time

import sotto_harness as h

ROUND = 30	# lines per member per burst


def now_on(t, proc, port, timeout=30):
    proc.wait_line(r"^\* now connected to the relay at 127\.0\.0\.1:%d$" % port,
                   timeout=timeout, what="'* now connected to the relay at ...:%d'" % port)


def scenario(t):
    nats, url = h.nats_url(t)
    r1, p1, d1, r2, p2, d2 = h.two_nodes(t, url)

    alicia, inv = t.room_new(t.party("alicia"), p1, "--relay", "%s:%d" % (h.LOOPBACK, p2))
    names = ["alicia", "bobbie", "caroline", "dorothea"]
    procs = {"alicia": alicia}
    procs["bobbie"] = t.room_join(t.party("bobbie"), inv)
    via2 = h.invite_with_addrs(inv, [(h.LOOPBACK, p2), (h.LOOPBACK, p1)])
    procs["caroline"] = t.room_join(t.party("caroline"), via2)
    procs["dorothea"] = t.room_join(t.party("dorothea"), via2)
    for n in names[1:]:
        h.wait_joined(procs[n], n, timeout=30)
    for n in names:
        h.wait_in_room(procs[n], [o for o in names if o != n], timeout=30)

    chorus = h.Chorus(t, procs, ROUND)
    say, caught_up, sent = chorus.say, chorus.caught_up, chorus.sent

    def check_all():
        chorus.check_all()
        for n in names:
            t.check(not h.anomalies(procs[n]),
                    "%s: anomaly notices %r" % (n, h.anomalies(procs[n])[:5]))
            t.check(not any("joining again" in l for l in procs[n].lines()),
                    "%s was told the relay lost its place" % n)

    say("before")
    caught_up(30)
    t.log("4 members, 2 on each node, %d lines each: all delivered" % ROUND)

    # The owner dies with every member's burst on its way.
    say("flight")
    r1.kill()
    killed = time.monotonic()
    say("during")
    for n in ("alicia", "bobbie"):
        now_on(t, procs[n], p2, timeout=30)
    caught_up(max(1, 30 - (time.monotonic() - killed)))
    took = time.monotonic() - killed
    check_all()
    t.check("cluster: a room taken over from JetStream" in r2.stderr_text(),
            "node 2 did not log that it took the room over from JetStream")
    t.log("SIGKILL of the owner node during a burst: node 2 took the room over from "
          "JetStream; every member has all %d lines of every other, once, in order, "
          "%.1f s after the kill" % (len(sent["alicia"]), took))

    procs["alicia"].send("after the takeover")
    for n in names[1:]:
        procs[n].wait_until(lambda n=n: procs[n].messages_from("alicia")[-1:] ==
                            ["after the takeover"], "alicia's line at %s" % n, 20)
    procs["dorothea"].send("me too")
    procs["alicia"].wait_until(lambda: procs["alicia"].messages_from("dorothea")[-1:] ==
                               ["me too"], "dorothea's line at alicia", 20)
    for p in procs.values():
        p.close_stdin()
    for p in procs.values():
        p.expect_exit(h.EXIT_OK, timeout=30, why="stdin ended, all lines acknowledged")
    t.check(r2.alive(), "node 2 exited")
    h.signal_proc(r2, signal.SIGTERM)
    r2.expect_exit(h.EXIT_OK, timeout=30, why="SIGTERM")
    t.check("Sanitizer" not in r2.stderr_text(), "node 2: a sanitizer report")


h.main(scenario, budget=180)
