#!/usr/bin/python3
"""
test_room_gate: a guarded room (room new --question --one-time-code) lets
in only a newcomer who has the invitation, the answer and a current
one-time code, and any member can open the door.

Proves, with real relay and member processes on 127.0.0.1:
- the invitation is version 3, carries the question, a lobby id and no
  room secret or room id;
- bob, with the answer (typed differently: case and spaces) and the code
  alice reads with /code, gets in: alice is told someone is at the door, both
  verify each other and messages flow both ways;
- a wrong answer (right code) and a wrong code (right answer) each end
  the newcomer with exit 3 and 'did not open'; neither is ever shown as
  in the room, and the room code doesn't change;
- after 5 knocks in a minute alice stops answering and says so; the next
  newcomer (who knows everything) knocks again once alice's 10 s are up,
  and the relay takes that knock to the next member, bob, who lets it in;
- bob, admitted through the door, opens it himself after alice has left,
  with his own /code;
- with nobody in the room, a newcomer is told nobody can open the door
  (exit 4).
"""
import os
import re

import sotto_harness as h

one_time_code = h.one_time_code


def write(party, name, text):
    path = os.path.join(party.dir, name)
    with open(path, "w") as f:
        f.write(text + "\n")
    return path


def knock(t, inv, party, answer, code, label):
    """sotto join INV --answer-file --code-file, as party."""
    return t.room_join(party, inv, "--answer-file", write(party, "answer", answer),
                       "--code-file", write(party, "code", code), label=label)


def door_notices(proc):
    return [l for l in proc.lines() if re.match(r"^\* \S+ is at the door", l)]


def scenario(t):
    relay, port = t.relay()
    alice = t.party("alice")
    a, inv = t.room_new(alice, port, "--question", "Name of our first cat?",
                        "--answer-file", write(alice, "answer", "  Mister   Whiskers "),
                        "--one-time-code")
    d = h.decode_invite(inv)
    t.check(d["version"] == 3 and d["guard"] == 3 and d["question"] == "Name of our first cat?",
            "the invitation is not a guarded one: %r" % {k: d[k] for k in d if k != "secret"})
    t.check(d["check_ok"], "the guarded invitation's checksum is wrong")
    t.check(any("guarded" in l for l in a.lines()), "alice was not told the room is guarded")

    # 1. Bob: everything right (the answer spelled differently).
    bob = t.party("bob")
    b = knock(t, inv, bob, "mister whiskers", one_time_code(a), "join(bob)")
    h.wait_in_room(b, ["alice"])
    h.wait_in_room(a, ["bob"])
    t.check(len(door_notices(a)) == 1, "alice's door notices: %r" % door_notices(a))
    t.check(any("door opened" in l for l in b.lines()), "bob was not told the door opened")
    a.send("hello bob")
    b.wait_until(lambda: b.messages_from("alice")[-1:] == ["hello bob"], "alice's message at bob")
    b.send("hello alice")
    a.wait_until(lambda: a.messages_from("bob")[-1:] == ["hello alice"], "bob's message at alice")
    room = h.room_code(a)
    t.check(h.room_code(b) == room, "alice and bob see different room codes")

    # 2. Wrong answer, right code; right answer, wrong code.
    code = one_time_code(a)
    wrong_code = "%06d" % ((int(code) + 1) % 1000000)
    for who, answer, c in (("mallory", "Tom", code), ("trent", "Mister Whiskers", wrong_code)):
        p = knock(t, inv, t.party(who), answer, c, "join(%s)" % who)
        p.send("%s must not be heard" % who)
        p.expect_exit(h.EXIT_AUTH, why="%s: wrong answer or code" % who)
        err = p.stderr_text()
        t.check("did not open" in err, "%s: no 'did not open' error: %r" % (who, err))
        t.check(not any("is in the room" in l for l in p.lines()), "%s verified someone" % who)
        for q in (a, b):
            t.check(who not in h.in_room(q), "%s shows %s in the room" % (q.label, who))
            t.check(not any("must not be heard" in l for l in q.lines()),
                    "%s printed %s's text" % (q.label, who))
    t.check(len(door_notices(a)) == 3, "alice's door notices: %r" % door_notices(a))
    t.check(h.room_code(a) == room, "a failed knock changed the room")

    # 3. Two more wrong knocks make five in a minute; the sixth is not
    #    answered by alice, and bob opens instead after 10 s.
    for who in ("eve", "oscar"):
        p = knock(t, inv, t.party(who), "Garfield", code, "join(%s)" % who)
        p.expect_exit(h.EXIT_AUTH, why="%s: wrong answer" % who)
    carol = t.party("carol")
    c = knock(t, inv, carol, "Mister Whiskers", one_time_code(b), "join(carol)")
    a.wait_line(r"^\* more than 5 knocks at the door in a minute",
                what="alice's notice that she stops answering")
    c.wait_line(r"knocking at the door \(try 2 of 3\)", timeout=20,
                what="carol turning to bob after alice's silence")
    h.wait_in_room(c, ["alice", "bob"], timeout=20)
    h.wait_in_room(a, ["carol"])
    t.check(len(door_notices(a)) == 5, "alice answered past her limit: %r" % door_notices(a))
    t.check(len(door_notices(b)) == 1, "bob's door notices: %r" % door_notices(b))

    # 4. Alice leaves; bob (admitted through the door) opens it for dave.
    a.close_stdin()
    a.expect_exit(h.EXIT_OK)
    b.wait_line(r"^\* alice left", what="alice leaving, at bob")
    dave = t.party("dave")
    dv = knock(t, inv, dave, "MISTER WHISKERS", one_time_code(b), "join(dave)")
    h.wait_in_room(dv, ["bob", "carol"])
    dv.send("hi from dave")
    c.wait_until(lambda: c.messages_from("dave")[-1:] == ["hi from dave"], "dave's message at carol")

    # 5. Nobody in the room: nobody can open.
    code = one_time_code(b)
    for q in (b, c, dv):
        q.close_stdin()
        q.expect_exit(h.EXIT_OK)
    p = knock(t, inv, t.party("frank"), "Mister Whiskers", code, "join(frank)")
    p.expect_exit(h.EXIT_CONN, why="nobody in the room to open the door")
    t.check("nobody" in p.stderr_text(), "frank: no 'nobody' error: %r" % p.stderr_text())
    t.check(relay.alive(), "the relay exited")


h.main(scenario, budget=90)
