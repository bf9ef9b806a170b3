#!/usr/bin/python3
"""
test_room_lost_seat: a relay that comes back without its seats (it
keeps no log: --no-log) refuses to resume (ERROR 8), and the members of
a guarded room join it again on new seats, without the door.

Proves: alice creates a room guarded by a question, bob passes the door;
the relay (--no-log) is killed and started again on the same port; each
member, told its seat is gone, says '* the relay no longer holds your
place in the room: joining again (messages sent while you were away may
be missing)' and '* joined the room again as NAME', with no door and no
answer asked; they verify each other anew ('* NAME is in the room' a
second time) and a line from each then reaches the other; the relay's
log shows the refused RESUMEs; both exit 0 when their input ends.
"""
import os
import re
import signal

import sotto_harness as h


def scenario(t):
    relay, port = t.relay("--no-log")
    alice, bob = t.party("alice"), t.party("bob")
    afile = os.path.join(alice.dir, "answer")
    with open(afile, "w") as f:
        f.write("blue\n")
    a, inv = t.room_new(alice, port, "--question", "Colour?", "--answer-file", afile)
    b = t.room_join(bob, inv, "--answer-file", afile)
    h.wait_in_room(b, ["alice"])
    h.wait_in_room(a, ["bob"])
    a.send("before")
    b.wait_messages("alice", 1)

    h.signal_proc(relay, signal.SIGKILL)
    relay.wait_exit(5)
    relay, _ = t.relay("--no-log", state_dir=relay.state_dir, port=port, label="relay-again")
    for p, name, other in ((a, "alice", "bob"), (b, "bob", "alice")):
        p.wait_line(r"^\* the relay no longer holds your place in the room: joining again",
                    timeout=20, what="the lost-seat notice")
        p.wait_line(r"^\* joined the room again as %s \(\d+ other members?\)$" % name,
                    timeout=20, what="'* joined the room again'")
    for p, other in ((a, "bob"), (b, "alice")):
        p.wait_until(lambda p=p, other=other: h.in_room(p).count(other) >= 2,
                     "%s verified again" % other, timeout=20)
    knocks = [l for l in b.lines() if re.match(r"^\* this room is guarded: knocking", l)]
    t.check(len(knocks) == 1, "bob knocked again after the restart: %r" % knocks)
    t.check(sum(1 for l in a.lines() if "is at the door" in l) == 1,
            "alice saw a knock after the restart")
    a.send("after, from alice")
    b.send("after, from bob")
    b.wait_until(lambda: b.messages_from("alice")[-1:] == ["after, from alice"], "alice's line")
    a.wait_until(lambda: a.messages_from("bob")[-1:] == ["after, from bob"], "bob's line")
    t.check(re.search(r"no such seat", relay.stderr_text()), "the relay did not refuse a RESUME")
    for p in (a, b):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK, why="stdin ended")


h.main(scenario, budget=60)
