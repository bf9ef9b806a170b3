#!/usr/bin/python3
"""
test_cluster_claim: a room's owner node whose loop is busy waiting for
JetStream still answers claims for the room at once, so a member joining
through another node is in the one room, not in a second copy of it
(docs/PROTOCOL.md §15.10, "Owners", step 2).

Starts its own 'nats-server -js', natsproxy.py in front of it for node 1
(--stall: JetStream publishes held for STALL_MS, everything else
passed), and two 'sotto relay --nats URL --node N' sharing one relay key.

Proves, ROUNDS times over (a new room each time):
- a maker on node 1 makes a room (node 1 owns it, it is on JetStream);
- the proxy is armed, and the maker sends a line: node 1's turn
  publishes it to JetStream and waits (up to 2 s) for the answer, which
  the proxy holds back for STALL_MS; while it waits, a guest joins the
  room through node 2 (its invitation lists node 2 only), whose claim
  (§15.10, 250 ms) lands in that wait (node 2 logs 'claiming a room'
  before the proxy lets the write go: at least one round must);
- node 2 forwards the guest ('joined a room of another node') and never
  takes the room over (no 'this node owns a room' in its log); the
  guest joins with 1 other member, both see each other and each other's
  next line exactly once; the maker's link is never cut (node 1 never
  gives the room up); the stalled line, sent before the guest joined,
  is not shown to the guest (it has no key for it);
- both leave cleanly (exit 0), both relays are alive.
"""
import os
import signal

import sotto_harness as h

ROUNDS = 3
STALL_MS = 1700		# below JSLOG_WAIT_MS (2000): the ack still counts
NATSPROXY = os.path.join(h.HERE, "natsproxy.py")


def count(proc, prefix):
    return sum(1 for l in proc.lines() if l.startswith(prefix))


def scenario(t):
    nats, nport, _ = h.nats_server(t)
    px = t.spawn("natsproxy(node1)", [h.PYTHON, NATSPROXY, "--connect", str(nport),
                                      "--match", ".l.", "--stall", str(STALL_MS),
                                      "--lifetime", "200"], t.env(t.tmp), stdin=False)
    m = px.wait_line(r"^natsproxy listening on 127\.0\.0\.1:(\d+)$", what="natsproxy's port")
    url1 = "nats://%s:%s" % (h.LOOPBACK, m.group(1))
    url2 = "nats://%s:%d" % (h.LOOPBACK, nport)
    r1, p1, d1, r2, p2, d2 = h.two_nodes(t, url1, url2)

    inside = 0		# rounds whose claim went out during the stall
    for i in range(ROUNDS):
        mk, gn = "maker%d" % i, "guest%d" % i
        maker, inv = t.room_new(t.party(mk), p1)
        # The room is node 1's and its log is on JetStream (the maker's
        # join was acknowledged).
        r1.wait_until(lambda: r1.stderr_text().count("this node owns a room") >= i + 1,
                      "node 1 owns room %d" % i, 20)
        owned2 = r2.stderr_text().count("this node owns a room")
        fwd2 = r2.stderr_text().count("joined a room of another node")
        stalls = count(px, "natsproxy stalled PUB")
        h.signal_proc(px, signal.SIGUSR1)
        maker.send("stalled line %d" % i)
        px.wait_until(lambda: count(px, "natsproxy stalled PUB") > stalls,
                      "node 1's JetStream write held by the proxy", 10)
        claims = r2.stderr_text().count("cluster: claiming a room")
        released = count(px, "natsproxy released PUB")
        guest = t.room_join(t.party(gn), h.invite_with_addrs(inv, [(h.LOOPBACK, p2)]))
        r2.wait_until(lambda: r2.stderr_text().count("cluster: claiming a room") > claims,
                      "node 2 claiming room %d" % i, 20)
        # The claim went out while node 1's loop still waited (the
        # round is a real one); else it proves only the ordinary case.
        if count(px, "natsproxy released PUB") == released:
            inside += 1
        got = h.wait_joined(guest, gn, timeout=30)
        t.check(r2.stderr_text().count("this node owns a room") == owned2,
                "node 2 took room %d over while node 1 was waiting for JetStream" % i)
        t.check(got == 1, "%s joined with %d other members, not 1" % (gn, got))
        h.wait_in_room(guest, [mk], timeout=30)
        h.wait_in_room(maker, [gn], timeout=30)
        maker.send("hello %s" % gn)
        guest.send("hello %s" % mk)
        guest.wait_until(lambda: guest.messages_from(mk)[-1:] == ["hello %s" % gn],
                         "the maker's line at the guest", 20)
        maker.wait_until(lambda: maker.messages_from(gn)[-1:] == ["hello %s" % mk],
                         "the guest's line at the maker", 20)
        t.check(guest.messages_from(mk) == ["hello %s" % gn],
                "%s got %r from %s" % (gn, guest.messages_from(mk), mk))
        t.check(maker.messages_from(gn) == ["hello %s" % mk],
                "%s got %r from %s" % (mk, maker.messages_from(gn), gn))
        t.check(r2.stderr_text().count("joined a room of another node") == fwd2 + 1,
                "node 2 did not forward %s to node 1" % gn)
        t.check(not maker.stderr_text().count("reconnecting") and
                not any("reconnecting" in l for l in maker.lines()),
                "%s's link was cut" % mk)
        for p in (maker, guest):
            p.close_stdin()
        for p in (maker, guest):
            p.expect_exit(h.EXIT_OK, timeout=20)
        t.log("round %d: the claim answered while node 1 waited for JetStream" % i)

    t.check(inside > 0, "no claim went out while node 1 waited for JetStream (the "
            "guest took longer than %d ms to reach node 2 in every round)" % STALL_MS)
    t.log("%d of %d claims went out while node 1 waited" % (inside, ROUNDS))
    t.check(r1.alive() and r2.alive(), "a relay node exited")
    for r in (r1, r2):
        h.signal_proc(r, signal.SIGTERM)
    for r in (r1, r2):
        r.expect_exit(h.EXIT_OK, timeout=30, why="SIGTERM")


if __name__ == "__main__":
    h.main(scenario, budget=150)
