#!/usr/bin/python3
"""
test_tofu: trust on first use of the peer's identity key.

Proves: (1) a first chat alice<->bob pins each other's key in
$XDG_CONFIG_HOME/sotto/known_peers on both sides; (2) a second chat with
the same keys shows the same safety number, no warning and nothing on
stderr, and both exit 0; (3) after bob's identity file is deleted (a new
key is generated), bob joining under the same name is refused by the
host: alice exits 5, bob fails too, and no message is shown; (4) the
other way round: after alice's identity is deleted, carol (who pinned
alice's old key) refuses the host: carol exits 5 and no message is shown.
"""
import os
import re

import sotto_harness as h

WARNING = re.compile(r"warn|chang|mismatch|differ|new key", re.I)


def chat(t, hp, jp):
    host, port = t.host(hp)
    join = t.join(jp, port)
    join.send("hi %s" % hp.name)
    host.send("hi %s" % jp.name)
    sn = h.establish(t, host, join, hp, jp)
    host.wait_messages(jp.name, 1)
    join.wait_messages(hp.name, 1)
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)
    return host, join, sn


def pinned(t, party, name):
    t.check(os.path.isfile(party.known_peers), "%s has no %s" % (party.name, party.known_peers))
    with open(party.known_peers) as f:
        names = [l.split(" ")[0] for l in f.read().splitlines()]
    return names.count(name)


def changed_refused(t, hp, jp, refuser):
    host, port = t.host(hp)
    join = t.join(jp, port)
    join.send("message from %s after the key change" % jp.name)
    host.send("message from %s after the key change" % hp.name)
    r, other = (host, join) if refuser == "host" else (join, host)
    r.expect_exit(h.EXIT_IDENTITY, why="the peer's key changed since it was pinned")
    t.check(r.stderr_text().startswith("sotto: "),
            "%s: no 'sotto: ' error on stderr: %r" % (r.label, r.stderr_text()))
    rc = other.wait_exit()
    t.check(rc != h.EXIT_OK, "%s exited 0 although its peer refused the chat" % other.label)
    for p in (host, join):
        t.check(p.messages_from(hp.name) == [] and p.messages_from(jp.name) == [],
                "%s showed a message from a peer whose key changed: %r" % (p.label, p.lines()))


def scenario(t):
    alice, bob, carol = t.party("alice"), t.party("bob"), t.party("carol")

    # (1) first contact pins.
    host1, join1, sn1 = chat(t, alice, bob)
    t.check(pinned(t, alice, "bob") == 1, "alice did not pin bob exactly once")
    t.check(pinned(t, bob, "alice") == 1, "bob did not pin alice exactly once")
    t.check(os.path.isfile(bob.identity_file), "no identity file at %s" % bob.identity_file)

    # (2) same keys: silent.
    host2, join2, sn2 = chat(t, alice, bob)
    t.check(sn2 == sn1, "safety number changed with the same keys: %s vs %s" % (sn1, sn2))
    for p in (host2, join2):
        t.check(p.stderr_text() == "", "%s: stderr on a known peer: %r" % (p.label, p.stderr_text()))
        bad = [l for l in p.notices() if WARNING.search(l)]
        t.check(not bad, "%s: warning for a known peer with the same key: %r" % (p.label, bad))
    t.check(pinned(t, alice, "bob") == 1 and pinned(t, bob, "alice") == 1, "pins duplicated")

    # (3) bob's key changes: the host refuses.
    os.unlink(bob.identity_file)
    changed_refused(t, alice, bob, refuser="host")

    # (4) alice's key changes: a joiner that knew her refuses.
    chat(t, alice, carol)
    os.unlink(alice.identity_file)
    changed_refused(t, alice, carol, refuser="join")


h.main(scenario, budget=60)
