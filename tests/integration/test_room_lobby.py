#!/usr/bin/python3
"""
test_room_lobby: review finding 10.  A guarded room's invitation alone
(no answer, no one-time code) used to be a silent tap on the room: the
relay let its holder into its side of the room, where it received the
member list, every announcement (names, identity keys) and every message
header.  Now the invitation names only the room's lobby (PROTOCOL.md
15.9), and the room id comes with the room secret through the door.

Proves, with a real relay and members on 127.0.0.1:
- a tool holding the invitation (tests/integration/tools/lobby_visitor,
  'tap') VISITs the lobby, knocks once with a wrong answer and code, and
  records everything the relay sends it for 8 s while alice and bob chat
  and carol comes in through the door (announcements, JOINED, messages,
  sender keys all flow meanwhile): it receives exactly one VISITING and
  at most one OPENED (an ANSWER: 102 or 202 bytes), nothing else; no
  member's name and no member's identity key appears in any byte of it;
- the members are told: the one asked shows 'someone is at the door
  (visitor N)', members show 'someone is waiting at the door', and, once
  the tap has gone, 'nobody is waiting at the door any more';
- the room itself is untouched: carol, who knew the answer and code, is
  in and verified by both, and the room code is the same at all three;
- an old guarded invitation (version 2: the same fields with the room id
  in the clear) is refused by 'sotto join' with status 2 and a message
  that says why, before any connection.
"""
import os
import re

import sotto_harness as h

VISITING, OPENED = 0x8d, 0x8f
one_time_code = h.one_time_code


def tool(t, *args):
    path = os.path.join(os.environ.get("SOTTO_TOOLS_DIR", os.path.join(
        os.path.dirname(t.bin), "tests", "tools")), "lobby_visitor")
    t.check(os.access(path, os.X_OK), "no lobby_visitor tool at %s" % path)
    return t.spawn("visitor(%s)" % args[1], [path] + list(args), t.env(t.tmp), stdin=False)


def knock(t, inv, party, answer, code):
    return t.room_join(party, inv, "--answer-file", h.party_file(party, "answer", answer),
                       "--code-file", h.party_file(party, "code", code),
                       label="join(%s)" % party.name)


def pinned_keys(party):
    """The identity keys a member has pinned, as hex (known_peers)."""
    try:
        with open(party.known_peers) as f:
            return {l.split(" ")[1] for l in f if l.count(" ") == 2}
    except FileNotFoundError:
        return set()


def old_invitation(inv):
    """The same room as a version 2 invitation (the pre-lobby layout)."""
    import base64
    text = "".join(inv.split())[len("sotto:"):]
    p = bytearray(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    p[0] = 2
    body = bytes(p[:-4])
    body += h.invite_checksum(body)
    return "sotto:" + base64.urlsafe_b64encode(body).decode("ascii").rstrip("=")


def scenario(t):
    relay, port = t.relay()
    alice = t.party("alice")
    a, inv = t.room_new(alice, port, "--question", "Name of our first cat?",
                        "--answer-file", h.party_file(alice, "answer", "whiskers"),
                        "--one-time-code")
    d = h.decode_invite(inv)
    t.check(d["version"] == 3 and d["check_ok"], "not a version 3 invitation: %r" % d["version"])
    bob = t.party("bob")
    b = knock(t, inv, bob, "Whiskers", one_time_code(a))
    h.wait_in_room(b, ["alice"])
    h.wait_in_room(a, ["bob"])

    # The tap, while the room lives: chat, and carol coming in.
    v = tool(t, a.invite_file, "tap", "8")
    v.wait_line(r"^recv 8d ", what="the tap's VISITING")
    a.wait_line(r"^\* someone is at the door \(visitor \d+\)", what="alice told of the knock")
    for p in (a, b):
        p.wait_line(r"^\* someone is waiting at the door", what="%s told someone waits" % p.label)
    for i in range(3):
        a.send("alice says %d" % i)
        b.send("bob says %d" % i)
    carol = t.party("carol")
    c = knock(t, inv, carol, "whiskers", one_time_code(b))
    h.wait_in_room(c, ["alice", "bob"])
    for p in (a, b):
        h.wait_in_room(p, ["carol"])
    c.send("carol says hi")
    a.send("/nick alicia")
    for p in (a, b):
        p.wait_until(lambda p=p: p.messages_from("carol")[-1:] == ["carol says hi"],
                     "carol's line at %s" % p.label)
    v.wait_line(r"^tapped$", timeout=30, what="the tap's end")
    v.expect_exit(0, why="the tap tool")

    got = []
    for l in v.lines():
        m = re.match(r"^recv ([0-9a-f]{2}) ([0-9a-f]+)$", l)
        if m:
            got.append((int(m.group(1), 16), bytes.fromhex(m.group(2))))
    types = [ty for ty, _ in got]
    t.check(types.count(VISITING) == 1, "VISITING received %d times" % types.count(VISITING))
    t.check(set(types) <= {VISITING, OPENED},
            "the tap received more than the door's messages: %s" % sorted({"%02x" % x for x in types}))
    t.check(types.count(OPENED) <= 1, "more than one OPENED for one knock")
    for ty, raw in got:
        if ty == OPENED:
            t.check(len(raw) - 1 in (102, 202), "OPENED is not an ANSWER: %d bytes" % len(raw))
        if ty == VISITING:
            t.check(len(raw) == 3 and int.from_bytes(raw[1:3], "big") >= 1,
                    "VISITING: %s" % raw.hex())
    everything = b"".join(raw for _, raw in got)
    for name in (b"alice", b"alicia", b"bob", b"carol"):
        t.check(name not in everything, "the tap saw the name %r" % name)
    keys = pinned_keys(alice) | pinned_keys(bob) | pinned_keys(carol)
    t.check(len(keys) >= 2, "no identity keys pinned to compare: %r" % keys)
    for k in keys:
        t.check(bytes.fromhex(k) not in everything, "the tap saw identity key %s" % k)
    for p in (a, b):
        p.wait_line(r"^\* nobody is waiting at the door any more", timeout=10,
                    what="%s told the door is empty again" % p.label)

    # The room is as it was.
    code = h.room_code(a)
    for p in (b, c):
        t.check(h.room_code(p) == code, "%s sees another room code" % p.label)

    # An old guarded invitation: refused, and why.
    old = old_invitation(inv)
    p = t.room_join(t.party("olga"), old, "--answer-file", h.party_file(t.party("olga2"), "answer", "whiskers"),
                    label="join(old)")
    p.expect_exit(h.EXIT_USAGE, why="a version 2 invitation")
    t.check("old guarded room" in p.stderr_text(), "no reason for refusing it: %r" % p.stderr_text())

    for q in (a, b, c):
        q.close_stdin()
        q.expect_exit(h.EXIT_OK)
    t.check(relay.alive(), "the relay exited")


h.main(scenario, budget=90)
