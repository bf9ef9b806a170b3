#!/usr/bin/python3
"""
test_cluster_nojs: a relay cluster on a nats-server without JetStream
(docs/PROTOCOL.md §15.11, "Without JetStream") works as the bus alone
does: nothing waits on the missing room log.

Starts its own 'nats-server -a 127.0.0.1 -p PORT' (no -js) and two
'sotto relay --nats URL --node N' sharing one relay key.

Proves:
- both nodes log that there is no JetStream room log;
- alicia makes a room on node 1, bobbie joins through node 2; lines
  both ways arrive once each, in order;
- both leave cleanly (exit 0): every line was acknowledged (a room whose
  log cannot go to JetStream does not hold its members' ACCEPTEDs).
"""
import sotto_harness as h

N = 10


def scenario(t):
    nport = h.free_port()
    nats = t.spawn("nats-server", [h.NATS_SERVER, "-a", h.LOOPBACK, "-p", str(nport)],
                   t.env(t.tmp), stdin=False)
    nats.wait_until(lambda: h.port_listening(nport), "nats-server listening", 20)
    url = "nats://%s:%d" % (h.LOOPBACK, nport)
    r1, p1, d1, r2, p2, d2 = h.two_nodes(t, url)
    for r, n in ((r1, 1), (r2, 2)):
        r.wait_until(lambda r=r: "cluster: no JetStream room log" in r.stderr_text(),
                     "node %d to log that there is no JetStream room log" % n, timeout=30)

    alicia, bobbie, _ = h.pair_across_nodes(t, p1, p2)
    a = ["a %d" % i for i in range(N)]
    b = ["b %d" % i for i in range(N)]
    alicia.send_raw("".join(l + "\n" for l in a).encode())
    bobbie.send_raw("".join(l + "\n" for l in b).encode())
    bobbie.wait_messages("alicia", N + 1, 30)
    alicia.wait_messages("bobbie", N + 1, 30)
    h.check_exactly(t, bobbie, "alicia", ["hello bobbie"] + a)
    h.check_exactly(t, alicia, "bobbie", ["hello alicia"] + b)
    for p in (alicia, bobbie):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK, timeout=20, why="stdin ended, all lines acknowledged")
    t.check(r1.alive() and r2.alive(), "a relay node exited")
    t.log("no JetStream: the cluster works on the bus alone, every line acknowledged")


h.main(scenario, budget=120)
