#!/usr/bin/python3
"""
test_proxy_rdv: a 1:1 chat through a relay with a one-time code, both
sides through a SOCKS5 proxy (issue 11, proxies: "a relay rendezvous
... with --proxy").

microsocks runs on 127.0.0.1 with '-b 127.0.0.2'.  Proves: 'host --relay
127.0.0.1:P --proxy socks5h://127.0.0.1:M' is told by the relay that it
comes from 127.0.0.2 (so its link went through the proxy), 'join CODE
--relay 127.0.0.1:P --proxy ...' chats with it both ways, and every
connection the relay logged came from 127.0.0.2: nothing bypassed the
proxy.  Also: --proxy without --relay is a usage error for 'host' (a
direct host only listens), not silently ignored.
"""
import sotto_harness as h
import rdv_harness as r


def scenario(t):
    ms, mport = t.microsocks()
    url = h.socks_url(mport)
    pw = "Heron-Quartz-Lantern-5521"
    alice = t.party("alice", pw)
    bob = t.party("bob", pw)

    lone = t.sotto(alice, ["host", "--listen", h.LOOPBACK, "--port", "0",
                           "--password-file", alice.password_file, "--proxy", url],
                   label="host-direct-proxy")
    lone.expect_exit(h.EXIT_USAGE, why="--proxy without --relay")
    t.check("go with --relay" in lone.stderr_text(),
            "host --proxy without --relay said %r" % lone.stderr_text())

    relay, rport = t.relay()
    host, code = r.rdv_host(t, alice, rport, "--proxy", url)
    host.wait_line(r"^\* the relay sees you as %s:\d+$" % h.PROXY_SOURCE.replace(".", r"\."),
                   what="the relay-reported address (the proxy's side)")
    join = r.rdv_join(t, bob, code, rport, "--proxy", url)
    join.send("bob through the proxy")
    host.send("alice through the proxy")
    h.establish(t, host, join, alice, bob)
    t.check(host.wait_messages(bob.name, 1) == ["bob through the proxy"],
            "host got %r" % host.messages_from(bob.name))
    t.check(join.wait_messages(alice.name, 1) == ["alice through the proxy"],
            "join got %r" % join.messages_from(alice.name))
    peers = h.relay_peers(relay)
    t.check(len(peers) >= 2 and all(p == h.PROXY_SOURCE for p in peers),
            "the relay logged connections from %r, not only from %s"
            % (peers, h.PROXY_SOURCE))
    join.close_stdin()
    join.expect_exit(h.EXIT_OK, why="the joiner's stdin closed")
    host.wait_line(r"^\* %s left$" % bob.name, what="'* bob left'")
    host.expect_exit(h.EXIT_OK, why="the joiner left cleanly")


h.main(scenario, budget=90)
