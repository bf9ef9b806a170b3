#!/usr/bin/python3
"""
test_room_gate_reenter: a guarded room emptied by a relay restart is
entered again by its creator and by a former member without the door; a
newcomer still needs the answer.

Proves: alice creates a room guarded by a question; bob passes the door
with the answer; both leave (exit 0) and the relay is killed and
started again (same port and state directory), so nobody is in the
room; alice ('sotto join' with the invitation, no answer anywhere, no
terminal to ask on) and then bob walk in with the keys their room
stores kept ('* entered with the keys kept from your last visit'), see
each other and talk; each kept exactly one file, 0600 in a 0700
directory under ~/.local/state/sotto/rooms, named by 32 hex digits,
holding neither the room id nor the room secret's invitation key in
the clear; carol, new, with a wrong answer is refused (exit 3, 'did not
open'), and with the right one is let in by a member and talks too.
"""
import os
import re
import signal
import stat

import sotto_harness as h

QUESTION = "Name of our first cat?"


def write(party, name, text):
    path = os.path.join(party.dir, name)
    with open(path, "w") as f:
        f.write(text + "\n")
    return path


def store_files(party):
    d = os.path.join(party.dir, ".local", "state", "sotto", "rooms")
    if not os.path.isdir(d):
        return d, []
    return d, sorted(os.listdir(d))


def scenario(t):
    relay, port = t.relay()
    state = relay.state_dir
    alice, bob, carol = t.party("alice"), t.party("bob"), t.party("carol")
    a, inv = t.room_new(alice, port, "--question", QUESTION,
                        "--answer-file", write(alice, "answer", "Mister Whiskers"))
    d = h.decode_invite(inv)
    t.check(d["version"] == 3 and d["guard"] == 1, "not a guarded invitation")
    b = t.room_join(bob, inv, "--answer-file", write(bob, "answer", "mister whiskers"))
    h.wait_in_room(b, ["alice"])
    h.wait_in_room(a, ["bob"])
    t.check(any("door opened" in l for l in b.lines()), "bob did not pass the door")

    for party in (alice, bob):
        sd, files = store_files(party)
        t.check(len(files) == 1 and re.match(r"^[0-9a-f]{32}$", files[0]),
                "%s's room store %s holds %r" % (party.name, sd, files))
        st = os.stat(sd)
        t.check(stat.S_IMODE(st.st_mode) == 0o700, "%s: mode %o" % (sd, stat.S_IMODE(st.st_mode)))
        path = os.path.join(sd, files[0])
        st = os.stat(path)
        t.check(stat.S_IMODE(st.st_mode) == 0o600, "%s: mode %o" % (path, stat.S_IMODE(st.st_mode)))
        data = open(path, "rb").read()
        t.check(data.startswith(b"sotto-room-v1\n"), "%s: no magic" % path)
        for secret, what in ((d["room_id"], "room id"), (d["secret"], "invitation key")):
            t.check(secret not in data and secret.hex().encode() not in data,
                    "%s holds the %s in the clear" % (path, what))
        t.check(d["room_id"].hex() != files[0], "the file is named by the room id")

    for p in (a, b):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK, why="stdin ended")
    h.signal_proc(relay, signal.SIGKILL)
    relay.wait_exit(5)
    relay, _ = t.relay(state_dir=state, port=port, label="relay-again")

    # Back in with nobody inside: no door, no answer anywhere.
    a2 = t.room_join(alice, inv, label="join-again(alice)")
    h.wait_joined(a2, "alice")
    a2.wait_line(r"^\* entered with the keys kept from your last visit", what="the room store used")
    b2 = t.room_join(bob, inv, label="join-again(bob)")
    h.wait_joined(b2, "bob")
    b2.wait_line(r"^\* entered with the keys kept from your last visit", what="the room store used")
    h.wait_in_room(b2, ["alice"])
    h.wait_in_room(a2, ["bob"])
    t.check(not any("at the door" in l for l in a2.lines()), "bob knocked: %r" % a2.lines())
    a2.send("welcome back bob")
    b2.wait_until(lambda: b2.messages_from("alice") == ["welcome back bob"], "alice's line at bob")
    b2.send("thanks alice")
    a2.wait_until(lambda: a2.messages_from("bob") == ["thanks alice"], "bob's line at alice")

    # A newcomer still needs the answer.
    c = t.room_join(carol, inv, "--answer-file", write(carol, "answer", "fluffy"),
                    label="join(carol, wrong)")
    c.expect_exit(h.EXIT_AUTH, timeout=20, why="a wrong answer")
    t.check("did not open" in c.stderr_text(), "carol: %r" % c.stderr_text())
    t.check(store_files(carol)[1] == [], "carol kept keys after a wrong answer")
    c = t.room_join(carol, inv, "--answer-file", write(carol, "answer", "Mister Whiskers"),
                    label="join(carol)")
    h.wait_in_room(c, ["alice", "bob"], timeout=20)
    t.check(any("door opened" in l for l in c.lines()), "carol did not pass the door")
    c.send("hello both")
    for p in (a2, b2):
        p.wait_until(lambda p=p: p.messages_from("carol") == ["hello both"], "carol's line")
    for p in (a2, b2, c):
        t.check(not h.anomalies(p), "%s: anomaly notices %r" % (p.label, h.anomalies(p)[:5]))
        p.close_stdin()
        p.expect_exit(h.EXIT_OK, why="stdin ended")


h.main(scenario, budget=90)
