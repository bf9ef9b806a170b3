#!/usr/bin/python3
"""
test_lookalike_names: names that look like a pinned or present name
(review findings 5 and 6), end to end on 127.0.0.1.

Proves: (1) sotto refuses to run under a name with an invisible code
point (alice + U+034F, + U+FE0F, + a tag character): status 2, nothing
sent; (2) a 1:1 chat joe<->bob pins joe's key at bob; then mallory, with
her own key, hosts as "јое" (Cyrillic letters that look like "joe"): bob
does not see a first contact but the key-change warning and, in line
mode, refuses: bob exits 5 and shows no message from her; (3) in a room
where joe is present, a newcomer asking for "јое" (or "rnallory" next to
"mallory") is refused by the relay (status 2, "already taken"), and joe
sees no member of that name; an unrelated name still gets in.
"""
import re

import sotto_harness as h

JOE_CYR = "\u0458\u043e\u0435"		# ј о е
INVISIBLE = ["alice\u034f", "alice\ufe0f", "al\U000e0061ice"]


def scenario(t):
    # (1) invisible code points: refused before anything is sent.
    for name in INVISIBLE:
        p = t.sotto(t.party("x"), ["join", "127.0.0.1:9", "--name", name,
                                   "--password-file", t.party("y").password_file])
        p.expect_exit(h.EXIT_USAGE, why="an invalid name %r" % name)
        t.check("name" in p.stderr_text(), "no word about the name: %r" % p.stderr_text())

    # (2) 1:1: a lookalike of a pinned name is a changed key.
    joe, bob, mallory = t.party("joe"), t.party("bob"), t.party(JOE_CYR)
    host, port = t.host(joe)
    join = t.join(bob, port)
    h.establish(t, host, join, joe, bob)
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)

    host, port = t.host(mallory)
    join = t.join(bob, port)
    host.send("hi bob, it's joe")
    join.expect_exit(h.EXIT_IDENTITY, why="mallory's lookalike name with another key")
    err = join.stderr_text()
    t.check(re.search(r"CHANGED", err), "bob: no key-change warning: %r" % err)
    t.check("remove joe's line" in err, "bob: the refusal names the wrong pin: %r" % err)
    t.check(not any("first contact" in l for l in join.notices()),
            "bob took the lookalike for a first contact: %r" % join.lines())
    t.check(join.messages_from(JOE_CYR) == [] and join.messages_from("joe") == [],
            "bob showed a message from the lookalike: %r" % join.lines())
    host.wait_exit()

    # (3) rooms: the relay refuses a lookalike of a present member.
    relay, rport = t.relay()
    rjoe, inv = t.room_new(t.party("joe"), rport)
    rmal = t.room_join(t.party("mallory"), inv, name="mallory")
    h.wait_joined(rmal, "mallory")
    h.wait_in_room(rjoe, ["mallory"])
    for name in (JOE_CYR, "rnallory"):
        p = t.room_join(t.party("m2"), inv, name=name)
        p.expect_exit(h.EXIT_USAGE, why="the relay refuses %r, a lookalike of a present name" % name)
        t.check("taken" in p.stderr_text(), "%r: no 'already taken': %r" % (name, p.stderr_text()))
    ok = t.room_join(t.party("carol"), inv, name="carol")
    h.wait_joined(ok, "carol")
    h.wait_in_room(rjoe, ["carol"])
    t.check(sorted(h.in_room(rjoe)) == ["carol", "mallory"],
            "joe saw other members: %r" % h.in_room(rjoe))
    for p in (ok, rmal, rjoe):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK)


h.main(scenario, budget=90)
