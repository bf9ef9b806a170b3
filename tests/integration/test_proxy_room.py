#!/usr/bin/python3
"""
test_proxy_room: a room through a SOCKS5 proxy, and its members'
reconnection through it after the relay's restart (issue 11, proxies).

microsocks runs on 127.0.0.1 with '-b 127.0.0.2'.  Proves: 'room new
--proxy socks5h://127.0.0.1:PORT' and 'join INVITATION --proxy ...'
meet and talk both ways, and every connection the relay logged came
from 127.0.0.2 (nothing bypassed the proxy); the relay is killed
(SIGKILL) and started again on the same port and state: both members
say they lost the relay, reconnect through the proxy by themselves
(the non-blocking dialer), say '* reconnected', and talk again; the
restarted relay too saw only 127.0.0.2; both exit 0 when their input
ends.
"""
import signal
import time

import sotto_harness as h


def only_proxy(t, relay, least):
    peers = h.relay_peers(relay)
    t.check(len(peers) >= least and all(p == h.PROXY_SOURCE for p in peers),
            "%s logged connections from %r, not only from %s"
            % (relay.label, peers, h.PROXY_SOURCE))


def scenario(t):
    ms, mport = t.microsocks()
    url = h.socks_url(mport)
    relay, port = t.relay()
    alice, bob = t.party("alice"), t.party("bob")
    a, inv = t.room_new(alice, port, "--proxy", url)
    b = t.room_join(bob, inv, "--proxy", url)
    h.wait_joined(b, "bob")
    h.wait_in_room(a, ["bob"])
    h.wait_in_room(b, ["alice"])
    a.send("alice before")
    b.wait_messages("alice", 1)
    b.send("bob before")
    a.wait_messages("bob", 1)
    only_proxy(t, relay, 2)

    h.signal_proc(relay, signal.SIGKILL)
    relay.wait_exit(5)
    for p in (a, b):
        p.wait_line(r"^\* connection to the relay lost; reconnecting", timeout=30,
                    what="the lost notice")
    time.sleep(1.0)
    relay, _ = t.relay(state_dir=relay.state_dir, port=port, label="relay-again", timeout=10)
    for p in (a, b):
        p.wait_line(r"^\* reconnected$", timeout=60, what="'* reconnected'")
    a.send("alice after")
    b.wait_messages("alice", 2, timeout=20)
    b.send("bob after")
    a.wait_messages("bob", 2, timeout=20)
    t.check(b.messages_from("alice") == ["alice before", "alice after"],
            "bob got %r" % b.messages_from("alice"))
    t.check(a.messages_from("bob") == ["bob before", "bob after"],
            "alice got %r" % a.messages_from("bob"))
    only_proxy(t, relay, 2)
    for p in (a, b):
        p.close_stdin()
    for p in (a, b):
        p.expect_exit(h.EXIT_OK, timeout=20, why="stdin ended, all lines acknowledged")


h.main(scenario, budget=150)
