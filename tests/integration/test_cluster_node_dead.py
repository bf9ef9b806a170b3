#!/usr/bin/python3
"""
test_cluster_node_dead: a relay node that dies without a word (SIGKILL)
is found out by the room's owner node from its missing ALIVEs
(docs/PROTOCOL.md §15.10, "Node liveness"), and its members are cut
there as after any cut, their seats held.

Starts its own 'nats-server -js' and two 'sotto relay --nats URL --node N'
sharing one relay key (as test_cluster).

Proves:
- alicia on node 1 makes the room (node 1 owns it); bobbie joins through
  node 2 with an invitation that lists only node 2, so that he cannot
  resume elsewhere; the two chat both ways;
- node 2 is killed with SIGKILL: node 1 logs that node 2 went silent and
  that it cut its member, and alicia prints '* bobbie lost connection'
  (before node liveness she never did: the seat stayed attached, listed
  present, for as long as node 1 ran); alicia's room goes on (a line
  from her is not refused);
- node 2 started again on its port: node 1 logs it is heard again, and
  bobbie, still trying, resumes his seat through it: alicia sees him
  back, and a line from each reaches the other exactly once;
- a node that was never heard from is never taken for gone (node 1's
  log names no other node);
- the owner dies: carol joins through node 2 too, alicia leaves, and
  node 1 (the room's owner) is killed with SIGKILL: node 2 takes it for
  gone and drops its links to the room; bobbie and carol reconnect
  through node 2, which claims the room, finds no owner, and takes it
  over from its log on JetStream (§15.11): they resume their seats (no
  'joining again'), and a line each way reaches the other once; both
  leave cleanly (exit 0).
"""
import re

import sotto_harness as h


def scenario(t):
    nats, url = h.nats_url(t)
    r1, p1, d1, r2, p2, d2 = h.two_nodes(t, url)

    alicia, bobbie, inv = h.pair_across_nodes(t, p1, p2)

    # Node 2 dies without a word: no GONE ever comes for bobbie's link.
    r2.kill()
    r1.wait_until(lambda: re.search(r"cluster: node 2 silent for \d+ s: taken for gone "
                                    r"\(1 of its members here cut", r1.stderr_text()),
                  "node 1 to log that node 2 went silent and its member was cut", timeout=30)
    alicia.wait_line(r"^\* bobbie lost connection$", timeout=20,
                     what="'* bobbie lost connection' at alicia")
    t.log("SIGKILL of node 2: node 1 took it for gone and cut its member")
    alicia.send("are you there?")

    # Node 2 again, on its port: bobbie resumes through it.
    r2b, _ = h.cluster_node(t, url, 2, d2, label="relay2-again", port=p2, timeout=30)
    r1.wait_until(lambda: "cluster: node 2 is heard again" in r1.stderr_text(),
                  "node 1 to log that node 2 is heard again", timeout=30)
    alicia.wait_line(r"^\* bobbie is back$", timeout=60, what="'* bobbie is back' at alicia")
    bobbie.wait_until(lambda: bobbie.messages_from("alicia")[-1:] == ["are you there?"],
                      "alicia's line from while he was away, at bobbie", timeout=30)
    bobbie.send("back again")
    alicia.wait_until(lambda: alicia.messages_from("bobbie")[-1:] == ["back again"],
                      "bobbie's line after he resumed, at alicia", timeout=20)
    t.check(alicia.messages_from("bobbie") == ["hello alicia", "back again"],
            "alicia has bobbie's lines %r, not each once in order" % alicia.messages_from("bobbie"))
    t.check(bobbie.messages_from("alicia") == ["hello bobbie", "are you there?"],
            "bobbie has alicia's lines %r, not each once in order" % bobbie.messages_from("alicia"))
    others = re.findall(r"cluster: node (\d+) silent", r1.stderr_text())
    t.check(set(others) == {"2"}, "node 1 took other nodes for gone: %r" % others)

    t.check(r1.alive() and r2b.alive(), "a relay node exited")

    # The owner dies: the room is made anew on node 2 by its members there.
    carol = t.room_join(t.party("carol"), h.invite_with_addrs(inv, [(h.LOOPBACK, p2)]))
    h.wait_joined(carol, "carol", timeout=30)
    h.wait_in_room(carol, ["alicia", "bobbie"], timeout=30)
    h.wait_in_room(bobbie, ["carol"], timeout=30)
    alicia.close_stdin()
    alicia.expect_exit(h.EXIT_OK, timeout=20, why="stdin ended")
    bobbie.wait_line(r"^\* alicia left$", timeout=20, what="'* alicia left' at bobbie")
    r1.kill()
    r2b.wait_until(lambda: re.search(r"cluster: node 1 silent for \d+ s: taken for gone "
                                     r"\(0 of its members here cut, their seats held; 2 links",
                                     r2b.stderr_text()),
                   "node 2 to take node 1 for gone and drop its 2 links to node 1's room",
                   timeout=30)
    r2b.wait_until(lambda: "cluster: a room taken over from JetStream" in r2b.stderr_text(),
                   "node 2 to take the room over from JetStream", timeout=30)
    for p, who in ((bobbie, "bobbie"), (carol, "carol")):
        p.wait_until(lambda: p.lines().count("* reconnected") >= 1 and
                     p.lines()[-1:] != ["* connection to the relay lost; reconnecting…"],
                     "%s to resume its seat on node 2" % who, timeout=30)
    t.check(not any("joining again" in l for l in bobbie.lines() + carol.lines()),
            "a member was told its place was lost: the room was not taken over")
    carol.send("still here after the owner died")
    bobbie.wait_until(lambda: bobbie.messages_from("carol")[-1:] == ["still here after the owner died"],
                      "carol's line in the room taken over, at bobbie", timeout=20)
    bobbie.send("me too")
    carol.wait_until(lambda: carol.messages_from("bobbie")[-1:] == ["me too"],
                     "bobbie's line in the room taken over, at carol", timeout=20)
    t.check(bobbie.messages_from("carol") == ["still here after the owner died"],
            "bobbie has carol's lines %r, not once each" % bobbie.messages_from("carol"))
    t.log("SIGKILL of the owner node: node 2 took its room over from JetStream; its members resumed their seats")
    for p in (bobbie, carol):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK, timeout=20, why="stdin ended")
    t.check(r2b.alive(), "node 2 exited")


h.main(scenario, budget=150)
