#!/usr/bin/python3
"""
test_proxy_stall: a room member's reconnection never blocks its event
loop, even when the proxy accepts and then never answers.

alice is in a room through microsocks; microsocks is killed (her link
is cut) and a fake SOCKS5 server takes its port that accepts and then
says nothing.  Proves: while her reconnection is stuck in that SOCKS5
negotiation (its connection still open, well inside the dial's 30 s
deadline, which the test does not time), she still answers '/help';
then the fake goes, microsocks comes back on the port, and she
reconnects through it by herself ('* reconnected'), talks, and exits 0.
"""
import signal

import sotto_harness as h


def scenario(t):
    ms, mport = t.microsocks()
    relay, port = t.relay()
    a, inv = t.room_new(t.party("alice"), port, "--proxy", h.socks_url(mport))
    a.send("before")
    h.signal_proc(ms, signal.SIGKILL)
    ms.wait_exit(5)
    fake = h.FakeSocks(stall=True, port=mport)
    t.cleanups.append(fake.close)
    a.wait_line(r"^\* connection to the relay lost; reconnecting", timeout=40,
                what="the lost notice")
    a.wait_until(lambda: fake.held_open() > 0, "a reconnection stuck in the fake "
                 "proxy (it saw %r)" % fake.requests, timeout=40)
    a.send("/help")
    a.wait_line(r"^\* commands: /who", timeout=20, what="the answer to /help")
    t.check(fake.held_open() > 0, "the stuck reconnection was over before /help was "
            "answered: the loop may have been blocked")
    fake.close()
    ms, _ = t.microsocks(port=mport, label="microsocks-again")
    a.wait_line(r"^\* reconnected$", timeout=60, what="'* reconnected'")
    a.send("after")
    a.close_stdin()
    a.expect_exit(h.EXIT_OK, timeout=20, why="stdin ended, all lines acknowledged")
    t.check(h.relay_peers(relay) and all(p == h.PROXY_SOURCE for p in h.relay_peers(relay)),
            "the relay saw %r" % h.relay_peers(relay))


h.main(scenario, budget=150)
