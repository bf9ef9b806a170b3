#!/usr/bin/python3
"""
test_room_multiaddr: an invitation with several relay addresses (the
nodes of one cluster); a member whose node dies goes on through another
node and resumes its seat there.

Starts its own 'nats-server -js -a 127.0.0.1 -p PORT -sd DIR' and two
'sotto relay --nats URL --node N' sharing one relay key (as in
test_cluster).

Proves:
- 'room new --relay NODE1 --relay NODE2' prints a version 4 invitation
  with both addresses, in that order; the room is node 1's; with
  --one-time-code, a version 5 invitation with both;
- (a) a member whose invitation's first address is dead (nothing
  listens) says so, tries the next one and gets in through node 2;
- (b) SIGTERM: four members, alicia and caroline on node 1, bobbie and
  dorothea on node 2 (each with an invitation listing node 2 first, then
  node 1); each types lines, and node 2 is stopped while bobbie's and
  dorothea's last lines may still be on their way; both print
  '* now connected to the relay at 127.0.0.1:NODE1' and resume there,
  typing meanwhile; every member has every line of every other exactly
  once, in order, and no anomaly notice;
- SIGKILL: node 2 started again on its port, a member (eleonora) joins
  through it and node 2 is killed with its lines in flight: the owner
  node never hears the link end (its seat stays attached, a "ghost",
  until the member comes back: cluster.c has no node liveness), and the
  member resumes through node 1 all the same, the RESUME replacing the
  ghost's link; again every line exactly once, in order;
- a first address whose node is frozen (SIGSTOP: the kernel takes the
  connection, nobody answers): after the 10 s handshake deadline the
  member says '* trying the room's next relay address, ...' and gets in
  through node 1;
- everyone leaves cleanly (exit 0) and node 1 stops on SIGTERM with
  status 0.
"""
import signal

import sotto_harness as h

N = 20		# lines per member per phase


def now_on(t, proc, port, timeout=30):
    proc.wait_line(r"^\* now connected to the relay at 127\.0\.0\.1:%d$" % port,
                   timeout=timeout, what="'* now connected to the relay at ...:%d'" % port)


def scenario(t):
    nats, url = h.nats_url(t)

    r1, p1, d1, r2, p2, d2 = h.two_nodes(t, url)
    dead = h.free_port()	# nothing listens there

    # --- room new with both nodes' addresses.
    alicia, inv = t.room_new(t.party("alicia"), p1, "--relay", "%s:%d" % (h.LOOPBACK, p2))
    d = h.decode_invite(inv)
    t.check(d["version"] == 4 and d["check_ok"], "not a good version 4 invitation: %r" % d)
    t.check(d["addrs"] == [(h.LOOPBACK, p1), (h.LOOPBACK, p2)],
            "the invitation's addresses: %r" % d["addrs"])
    t.log("room new --relay x2: a version 4 invitation with both addresses")
    g, ginv = t.room_new(t.party("griselda"), p1, "--relay", "%s:%d" % (h.LOOPBACK, p2),
                         "--one-time-code")
    gd = h.decode_invite(ginv)
    t.check(gd["version"] == 5 and gd["check_ok"] and gd["guard"] == 2 and
            gd["addrs"] == [(h.LOOPBACK, p1), (h.LOOPBACK, p2)],
            "a guarded room's invitation: not version 5 with both addresses: %r" % gd)
    g.close_stdin()
    g.expect_exit(h.EXIT_OK, timeout=20, why="stdin ended")

    # --- (a) the first address dead: in through the next.
    via2 = h.invite_with_addrs(inv, [(h.LOOPBACK, dead), (h.LOOPBACK, p2), (h.LOOPBACK, p1)])
    names = ["alicia", "bobbie", "caroline", "dorothea"]
    procs = {"alicia": alicia}
    procs["bobbie"] = t.room_join(t.party("bobbie"), via2)
    h.wait_joined(procs["bobbie"], "bobbie", timeout=30)
    err = procs["bobbie"].stderr_text()
    t.check("trying the room's next relay address, 127.0.0.1:%d" % p2 in err,
            "bobbie did not say it tries the next address: %r" % err)
    now_on(t, procs["bobbie"], p2)
    # Its log line may come after bobbie's WELCOME: waited for, not read
    # at once.
    r2.wait_until(lambda: " joined a room of another node" in r2.stderr_text(),
                  "node 2 to log that it forwarded bobbie to the room's node", timeout=10)
    t.log("(a) first address dead: in through node 2")
    procs["caroline"] = t.room_join(t.party("caroline"), inv)
    h.wait_joined(procs["caroline"], "caroline", timeout=30)
    procs["dorothea"] = t.room_join(t.party("dorothea"), h.invite_with_addrs(
        inv, [(h.LOOPBACK, p2), (h.LOOPBACK, p1)]))
    h.wait_joined(procs["dorothea"], "dorothea", timeout=30)
    t.check(not any("now connected" in l for l in procs["caroline"].lines() +
                    procs["dorothea"].lines()),
            "a notice of a changed address where none changed")
    for n in names:
        h.wait_in_room(procs[n], [o for o in names if o != n], timeout=30)

    sent = {n: [] for n in names}
    since = {}	# (member, sender): sender's lines said before member came

    def want(n, o):
        return sent[o][since.get((n, o), 0):]

    def say(phase, who=None):
        for n in (who or names):
            lines = ["%s %s %d" % (n, phase, i) for i in range(N)]
            sent[n] += lines
            procs[n].send_raw("".join(s + "\n" for s in lines).encode())

    def caught_up(timeout):
        for n in procs:
            for o in procs:
                if o != n:
                    procs[n].wait_messages(o, len(want(n, o)), timeout)

    def check_all():
        for n, p in procs.items():
            for o in procs:
                if o != n:
                    h.check_exactly(t, p, o, want(n, o))
            t.check(not h.anomalies(p), "%s: anomaly notices %r" % (n, h.anomalies(p)[:5]))

    say("before")
    caught_up(30)

    # --- (b) SIGTERM of node 2, its members' lines in flight.
    say("flight", ("bobbie", "dorothea"))
    h.signal_proc(r2, signal.SIGTERM)
    r2.expect_exit(h.EXIT_OK, timeout=30, why="SIGTERM")
    say("during")
    for n in ("bobbie", "dorothea"):
        now_on(t, procs[n], p1, timeout=40)
    say("after")
    caught_up(60)
    check_all()
    t.log("(b) SIGTERM of node 2: its members resumed on node 1, every line once, in order")

    # --- SIGKILL: node 2 again, a member on it, killed mid-flight.
    r2, _ = h.cluster_node(t, url, 2, d2, label="relay2-again", port=p2, timeout=30)
    procs["eleonora"] = t.room_join(t.party("eleonora"), h.invite_with_addrs(
        inv, [(h.LOOPBACK, p2), (h.LOOPBACK, p1)]))
    sent["eleonora"] = []
    for o in names:
        since[("eleonora", o)] = len(sent[o])
    names.append("eleonora")
    h.wait_joined(procs["eleonora"], "eleonora", timeout=30)
    for n in names:
        h.wait_in_room(procs[n], [o for o in names if o != n], timeout=30)
    say("second")
    caught_up(30)
    say("inflight", ("eleonora",))
    r2.kill()
    say("gone")
    now_on(t, procs["eleonora"], p1, timeout=40)
    say("last")
    caught_up(60)
    check_all()
    # Not a check (cluster.c may learn of dead nodes one day): whether
    # the owner ever saw the killed node's link end.
    seen = any(l == "* eleonora lost connection" for l in procs["alicia"].lines())
    t.log("SIGKILL of node 2: its member resumed on node 1, every line once, in order "
          "(the owner %s the cut)" % ("saw" if seen else "never saw"))

    # --- a frozen first node: the connection is taken (the kernel's
    # backlog), the handshake times out, and the next address is tried.
    r2, _ = h.cluster_node(t, url, 2, d2, label="relay2-frozen", port=p2, timeout=30)
    h.signal_proc(r2, signal.SIGSTOP)
    try:
        fel = t.room_join(t.party("felicity"), h.invite_with_addrs(
            inv, [(h.LOOPBACK, p2), (h.LOOPBACK, p1)]))
        fel.wait_line(r"^\* trying the room's next relay address, 127\.0\.0\.1:%d$" % p1,
                      timeout=30, what="felicity trying node 1 after node 2's handshake timed out")
        h.wait_joined(fel, "felicity", timeout=30)
        now_on(t, fel, p1)
        h.wait_in_room(fel, names, timeout=30)
    finally:
        h.signal_proc(r2, signal.SIGCONT)
    fel.send("felicity through node 1")
    procs["alicia"].wait_until(lambda: procs["alicia"].messages_from("felicity") ==
                               ["felicity through node 1"], "felicity's line at alicia", 20)
    t.log("a frozen first node: in through the next address after the handshake's deadline")
    procs["felicity"] = fel
    sent["felicity"] = ["felicity through node 1"]
    for o in names:
        since[("felicity", o)] = len(sent[o])
    caught_up(30)
    check_all()

    for p in procs.values():
        p.close_stdin()
    for p in procs.values():
        p.expect_exit(h.EXIT_OK, timeout=30, why="stdin ended, all lines acknowledged")
    t.check(r1.alive(), "node 1 exited")
    h.signal_proc(r1, signal.SIGTERM)
    r1.expect_exit(h.EXIT_OK, timeout=30, why="SIGTERM")
    t.check("Sanitizer" not in r1.stderr_text(), "node 1: a sanitizer report")


h.main(scenario, budget=240)
