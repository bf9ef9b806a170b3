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
  gone and drops its links to the room, and bobbie and carol, told
  that the relay no longer holds their place, join again: the room is
  made anew on node 2, they see each other and a line from carol
  reaches bobbie; both leave cleanly (exit 0).
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
    for p, who in ((bobbie, "bobbie"), (carol, "carol")):
        p.wait_line(r"^\* the relay no longer holds your place in the room: joining again",
                    timeout=30, what="'joining again' at %s" % who)
        h.wait_joined(p, who, timeout=30)
    h.wait_in_room(bobbie, ["carol"], timeout=30)
    carol.send("still here after the owner died")
    # (Shown as 'carol' or, while the name is new in this room, with
    # her key's tag: 'carol~cf32-...'.)
    bobbie.wait_until(lambda: any(re.match(r"^carol(~[0-9a-f-]+)?: still here after the owner "
                                           r"died$", l) for l in bobbie.lines()),
                      "carol's line in the room made anew, at bobbie", timeout=20)
    t.log("SIGKILL of the owner node: its room made anew on node 2 by its members there")
    for p in (bobbie, carol):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK, timeout=20, why="stdin ended")
    t.check(r2b.alive(), "node 2 exited")


h.main(scenario, budget=150)
