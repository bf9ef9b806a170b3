#!/usr/bin/python3
"""
test_capture: a passive eavesdropper learns neither the messages, nor the
names, nor the password.

Proves: with every byte of a chat captured by a pass-through proxy (both
directions), the captured bytes contain none of the message texts, the
two names or the room password (as sent, nor lower-cased, nor as
UTF-16), although the chat through the proxy worked.
"""
import os

import sotto_harness as h


def scenario(t):
    pw = "Pelican-Marmalade-Thunder-8831"
    alice = t.party("Quokkamander", pw)
    bob = t.party("Zebrafinchly", pw)
    dump = os.path.join(t.tmp, "capture.bin")
    host, port = t.host(alice)
    proxy, pport = t.proxy(port, "none", dump=dump)
    join = t.join(bob, pport)
    from_bob = ["the eagle lands at midnight 4711", "Rendezvous by the old lighthouse"]
    from_alice = ["Bring the blueprints of Zyxwvut"]
    for m in from_bob:
        join.send(m)
    for m in from_alice:
        host.send(m)
    h.establish(t, host, join, alice, bob)
    t.check(host.wait_messages(bob.name, 2) == from_bob, "host got %r" % host.messages_from(bob.name))
    t.check(join.wait_messages(alice.name, 1) == from_alice, "join got %r" % join.messages_from(alice.name))
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)
    proxy.kill()

    with open(dump, "rb") as f:
        cap = f.read()
    t.log("captured %d bytes" % len(cap))
    t.check(len(cap) > 200, "capture too small (%d bytes): is the proxy in the path?" % len(cap))
    secrets = from_bob + from_alice + [alice.name, bob.name, pw]
    for s in secrets:
        for form in (s, s.lower(), s.upper()):
            for enc in ("utf-8", "utf-16-le", "utf-16-be"):
                b = form.encode(enc)
                t.check(b not in cap, "captured bytes contain %r (%s)" % (form, enc))
        # Even a telling fragment (first 8 characters).
        t.check(s[:8].encode() not in cap, "captured bytes contain %r" % s[:8])


h.main(scenario, budget=30)
