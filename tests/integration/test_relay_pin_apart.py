#!/usr/bin/python3
"""
test_relay_pin_apart: a peer cannot plant the relay key that `room new`
trusts (review finding 8), and relay pins of an older known_peers are
carried over.

Proves: (1) mallory hosts a 1:1 chat under the name "relay-" + the hash
of the relay's HOST:PORT (the entry name older versions pinned relays
under, P§14.3) and bob joins, so bob pins her key under that name; then
bob's `room new` on that relay is neither refused nor silent: it shows a
first use of the relay, creates the room, and bob's known_relays holds
the relay's real key while known_peers still holds mallory's pin as a
person.  (2) carol's known_peers, as an older version left it, pins the
relay's real key under its relay- name: her `room new` shows no first
use (the pin is found), the line has moved to known_relays, and her
other pins are kept.
"""
import hashlib
import os

import sotto_harness as h


def relay_entry(port):
    d = hashlib.blake2b(("127.0.0.1:%d" % port).encode(), digest_size=8).hexdigest()
    return "relay-" + d


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return f.read().splitlines()


def scenario(t):
    relay, rport = t.relay()
    fp = relay.wait_until(lambda: h.relay_fingerprint(relay), "the relay's fingerprint")
    name = relay_entry(rport)

    # (1) the plant.
    mallory, bob = t.party(name), t.party("bob")
    host, port = t.host(mallory)
    join = t.join(bob, port)
    h.establish(t, host, join, mallory, bob)
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)
    t.check(any(l.startswith(name + " ") for l in lines(bob.known_peers)),
            "bob did not pin mallory as %s: %r" % (name, lines(bob.known_peers)))
    r, inv = t.room_new(bob, rport)
    t.check(any("first use of the relay" in l for l in r.lines()),
            "bob's room new showed no first use of the relay: %r" % r.lines())
    relays = os.path.join(bob.sotto_dir, "known_relays")
    t.check(any(l.startswith("%s %s " % (name, fp)) for l in lines(relays)),
            "known_relays lacks the relay's real key: %r" % lines(relays))
    t.check(any(l.startswith(name + " ") and fp not in l for l in lines(bob.known_peers)),
            "mallory's person pin is gone from known_peers: %r" % lines(bob.known_peers))
    r.close_stdin()
    r.expect_exit(h.EXIT_OK)

    # (2) an older file with the real relay pinned among people.
    carol = t.party("carol")
    os.makedirs(carol.sotto_dir, mode=0o700, exist_ok=True)
    dave = "dave %s 1700000000" % ("ab" * 32)
    with open(carol.known_peers, "w") as f:
        f.write("%s\n%s %s 1700000001\n" % (dave, name, fp))
    os.chmod(carol.known_peers, 0o600)
    c, inv = t.room_new(carol, rport)
    t.check(not any("first use of the relay" in l for l in c.lines()),
            "carol's pinned relay was taken for a first use: %r" % c.lines())
    t.check(lines(os.path.join(carol.sotto_dir, "known_relays")) ==
            ["%s %s 1700000001" % (name, fp)],
            "carol's known_relays: %r" % lines(os.path.join(carol.sotto_dir, "known_relays")))
    t.check(lines(carol.known_peers) == [dave],
            "carol's known_peers after the move: %r" % lines(carol.known_peers))
    c.close_stdin()
    c.expect_exit(h.EXIT_OK)


h.main(scenario, budget=60)
