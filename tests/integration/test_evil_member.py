#!/usr/bin/python3
"""
test_evil_member: two attacks of the review, by a member that does what
sotto never does (tests/integration/tools/evil_member), on 127.0.0.1.

Proves: (1) finding 4: in a guarded room, eve (who has only the
invitation: the lobby, PROTOCOL.md 15.9; tools/lobby_visitor) knocks at
alice's door with 30 malformed KNOCKs, one link after another (the relay
takes one knock per link to each member at the door).  alice, once she
has dealt with all of them (a /code after the tool is done, answered on
stderr), has shown exactly 5 "malformed knock" notices and one "more
than 5 knocks at the door in a minute", nothing else about knocks, and
is still in the room.  (2) finding 11: in
an open room with alice and bob, mallory re-announces herself as "alice"
without asking the relay, then speaks.  bob and alice each refuse the
rename (an error naming the relay-confirmed /nick), never show "member
N is now known as alice", and show her message under her old name
("mallory: hello from alice"), never as "alice: ...".  (3) finding 6,
members' side (a relay refuses the name, so eve joins it as "eve" and
announces herself to the members as "јое", Cyrillic letters that look
like the present "joe"): bob and joe both warn that the names look alike,
and in line mode bob shows both with their 48-bit key tags
("јое~xxxx-xxxx-xxxx: ...", "joe~xxxx-xxxx-xxxx: ...") while both are
there, and joe's lines bare again ("joe: ...") once eve has left.
"""
import os
import re

import sotto_harness as h


def tool(t, *args, stdin=False, name="evil_member"):
    path = os.path.join(os.environ.get("SOTTO_TOOLS_DIR", os.path.join(
        os.path.dirname(t.bin), "tests", "tools")), name)
    t.check(os.access(path, os.X_OK), "no %s tool at %s" % (name, path))
    return t.spawn("%s(%s)" % (name, args[-2]), [path] + list(args), t.env(t.tmp), stdin=stdin)


def knock_flood(t):
    relay, port = t.relay()
    alice = t.party("alice")
    a, inv = t.room_new(alice, port, "--question", "Name of our first cat?",
                        "--answer-file", h.party_file(alice, "answer", "whiskers"))
    e = tool(t, a.invite_file, "knock", "30", name="lobby_visitor")
    e.wait_line(r"^sent 30 knocks$", timeout=60, what="eve's knocks")
    e.expect_exit(0, why="the knock flood tool")
    # Every knock reached alice before the tool's next link (the relay
    # answered its second knock); /code comes after them all.
    a.send("/code")
    a.wait_stderr("no one-time code", timeout=10)
    knocks = [l for l in a.lines() if "knock" in l]
    malformed = [l for l in knocks if "malformed knock" in l]
    t.check(len(malformed) == 5, "alice showed %d malformed-knock notices (want 5): %r"
            % (len(malformed), malformed[:8]))
    over = [l for l in knocks if "more than 5 knocks at the door in a minute" in l]
    t.check(len(over) == 1, "alice's 'more than 5 knocks' notices: %r" % over)
    t.check(len(knocks) == 6, "other knock notices at alice: %r" % knocks[:10])
    a.send("still here")
    a.close_stdin()
    a.expect_exit(h.EXIT_OK)


def rename_takeover(t):
    relay, port = t.relay()
    a, inv, b = h.room_of_two(t, port)
    e = tool(t, a.invite_file, "mallory", "rename", "alice")
    for p in (a, b):
        p.wait_line(r"^mallory: hello from alice$", what="mallory's message under her name")
    e.expect_exit(0, why="the rename tool")
    for p in (a, b):
        p.wait_stderr("announced itself as 'alice', refused")
        t.check(not any(re.search(r"is now known as alice", l) for l in p.lines()),
                "%s took the rename: %r" % (p.label, p.lines()))
        t.check(p.messages_from("alice") == [],
                "%s showed a message as alice: %r" % (p.label, p.lines()))
    for p in (a, b):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK)


JOE_CYR = "\u0458\u043e\u0435"		# ј о е, looks like "joe"
TAGGED = r"~[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}"


def lookalike_present(t):
    relay, port = t.relay()
    j, inv, b = h.room_of_two(t, port, first="joe")
    e = tool(t, j.invite_file, "eve", "announce", JOE_CYR, stdin=True)
    e.wait_line(r"^spoke$", what="the lookalike's message")
    b.wait_line(r"^%s%s: hello, I am %s$" % (JOE_CYR, TAGGED, JOE_CYR),
                what="the lookalike's line, with its key tag")
    b.wait_stderr("looks like joe (member,")
    j.wait_stderr("looks like joe (you,")
    j.send("the real joe here")
    b.wait_line(r"^joe%s: the real joe here$" % TAGGED, what="joe's line, tagged too")
    e.close_stdin()
    e.expect_exit(0, why="the announce tool")
    b.wait_line(r"^\* %s left$" % JOE_CYR, what="the lookalike leaving")
    j.send("alone again")
    b.wait_line(r"^joe: alone again$", what="joe's line without a tag once alone")
    for p in (j, b):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK)


def scenario(t):
    knock_flood(t)
    rename_takeover(t)
    lookalike_present(t)


h.main(scenario, budget=90)
