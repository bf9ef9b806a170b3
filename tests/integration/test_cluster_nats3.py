#!/usr/bin/python3
"""
test_cluster_nats3: two relay nodes on a cluster of three NATS servers
(routes on loopback); the server one node is connected to is killed
(SIGKILL) during a burst, and nothing is lost.

Starts three 'nats-server -js -sd DIR --server_name nI -a 127.0.0.1 -p P
--cluster nats://127.0.0.1:C --routes ... --cluster_name sotto-test'
(JetStream clustered; monitoring on a third port, to see the routes up),
then 'sotto relay --nats' node 1 with server 1's URL first and server
2's next, node 2 with server 2's then server 3's.

Proves:
- alicia on node 1 makes the room (node 1 owns it), bobbie joins through
  node 2: they chat both ways through the routed servers;
- both send BURST lines at once and server 1 is killed meanwhile: node 1
  reconnects to server 2 and logs that it restarted the links crossing
  the bus (docs/PROTOCOL.md §15.10, "Bus restarts"); bobbie resumes; every
  line of each reaches the other exactly once, in the sender's order;
- both nodes have their room logs on JetStream (the stream of 3 copies
  made on the NATS cluster, docs/PROTOCOL.md §15.11), before or after
  the kill;
- a line from each afterwards arrives too, and both leave cleanly.
"""
import json
import os
import re
import urllib.request

import sotto_harness as h

BURST = 40


def routes_up(mport, want):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/routez" % mport, timeout=2) as r:
            return json.load(r).get("num_routes", 0) >= want
    except (OSError, ValueError):
        return False


def scenario(t):
    ports = [h.free_port() for _ in range(3)]
    cports = [h.free_port() for _ in range(3)]
    mports = [h.free_port() for _ in range(3)]
    servers = []
    for i in range(3):
        routes = ",".join("nats://127.0.0.1:%d" % cports[j] for j in range(3) if j != i)
        store = os.path.join(t.tmp, "nats%d" % (i + 1))
        os.mkdir(store)
        s = t.spawn("nats-server%d" % (i + 1),
                    [h.NATS_SERVER, "-js", "-sd", store, "--server_name", "n%d" % (i + 1),
                     "-a", h.LOOPBACK, "-p", str(ports[i]), "-m", str(mports[i]),
                     "--cluster", "nats://127.0.0.1:%d" % cports[i], "--routes", routes,
                     "--cluster_name", "sotto-test"], t.env(store), stdin=False)
        servers.append(s)
    for i in range(3):
        servers[i].wait_until(lambda i=i: routes_up(mports[i], 2),
                              "nats-server %d with routes to both others" % (i + 1), 30)
    url = lambda *idx: ",".join("nats://127.0.0.1:%d" % ports[i] for i in idx)
    r1, p1, _, r2, p2, _ = h.two_nodes(t, url(0, 1), url(1, 2))

    alicia, bobbie, _ = h.pair_across_nodes(t, p1, p2)

    # The burst, and server 1 (node 1's) killed in the middle of it.
    a_lines = ["a%03d from alicia" % i for i in range(BURST)]
    b_lines = ["b%03d from bobbie" % i for i in range(BURST)]
    alicia.send_raw("".join(l + "\n" for l in a_lines[:BURST // 2]).encode())
    bobbie.send_raw("".join(l + "\n" for l in b_lines[:BURST // 2]).encode())
    servers[0].kill()
    alicia.send_raw("".join(l + "\n" for l in a_lines[BURST // 2:]).encode())
    bobbie.send_raw("".join(l + "\n" for l in b_lines[BURST // 2:]).encode())
    r1.wait_until(lambda: "cluster: connected to NATS" in r1.stderr_text(),
                  "node 1 to reconnect to another NATS server", timeout=30)
    want_a = ["hello alicia"] + b_lines
    want_b = ["hello bobbie"] + a_lines
    alicia.wait_until(lambda: len(alicia.messages_from("bobbie")) >= len(want_a),
                      "all of bobbie's burst at alicia", timeout=60)
    bobbie.wait_until(lambda: len(bobbie.messages_from("alicia")) >= len(want_b),
                      "all of alicia's burst at bobbie", timeout=60)
    t.check(alicia.messages_from("bobbie") == want_a,
            "alicia has bobbie's lines not exactly once in order: %r"
            % alicia.messages_from("bobbie")[:60])
    t.check(bobbie.messages_from("alicia") == want_b,
            "bobbie has alicia's lines not exactly once in order: %r"
            % bobbie.messages_from("alicia")[:60])
    t.log("server 1 killed during a burst of %d lines each way: node 1 moved to server 2 (%s), "
          "every line once, in order" % (BURST, "links restarted" if re.search(
              r"cluster: NATS is back: \d+ links", r1.stderr_text()) else "nothing to restart"))

    for r, n in ((r1, 1), (r2, 2)):
        r.wait_until(lambda r=r: "cluster: room logs on JetStream" in r.stderr_text(),
                     "node %d to have its room logs on JetStream" % n, timeout=60)
    alicia.send("after the outage")
    bobbie.wait_until(lambda: bobbie.messages_from("alicia")[-1:] == ["after the outage"],
                      "alicia's line after the outage", timeout=20)
    bobbie.send("me too")
    alicia.wait_until(lambda: alicia.messages_from("bobbie")[-1:] == ["me too"],
                      "bobbie's line after the outage", timeout=20)
    for p in (alicia, bobbie):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK, timeout=20, why="stdin ended")
    t.check(r1.alive() and r2.alive(), "a relay node exited")


h.main(scenario, budget=200)
