#!/usr/bin/python3
"""
test_proxy_rdv_slow: 'host --relay' and 'join CODE' through a proxy that
takes its time (Tor building a circuit) get the proxies' longer dial
deadline (PROXY_CONNECT_MS, 30 s), as every other outbound connection
does, not the direct one (10 s).

A fake SOCKS5 proxy waits 12 s before it answers each CONNECT, then
carries the bytes to the relay.  Proves: the host's link is made (it
prints its code) and the joiner's too (the two chat), where the 10 s
deadline of a direct connection would have ended both with status 4
('timed out').  The test times nothing itself: it only needs the dials
to succeed.
"""
import sotto_harness as h
import rdv_harness as r

SLOW = 12


def scenario(t):
    fake = h.FakeSocks(tunnel_after=SLOW)
    t.cleanups.append(fake.close)
    url = h.socks_url(fake.port)
    pw = "Heron-Quartz-Lantern-5521"
    alice = t.party("alice", pw)
    bob = t.party("bob", pw)
    relay, rport = t.relay()
    host, _ = r.rdv_host(t, alice, rport, "--proxy", url, wait=False)
    m = host.wait_line(r.CODE_RE, timeout=SLOW + 40,
                       what="the code, through the slow proxy")
    join = r.rdv_join(t, bob, m.group(1), rport, "--proxy", url)
    join.send("bob through the slow proxy")
    h.establish(t, host, join, alice, bob, timeout=SLOW + 40)
    t.check(host.wait_messages(bob.name, 1, timeout=40) ==
            ["bob through the slow proxy"],
            "host got %r" % host.messages_from(bob.name))
    t.check(all(q[2] == h.LOOPBACK and q[3] == rport for q in fake.requests),
            "the proxy was asked for %r" % fake.requests)
    join.close_stdin()
    join.expect_exit(h.EXIT_OK, why="the joiner's stdin closed")
    host.expect_exit(h.EXIT_OK, timeout=20, why="the joiner left cleanly")


h.main(scenario, budget=150)
