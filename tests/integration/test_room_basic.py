#!/usr/bin/python3
"""
test_room_basic: a room of three on a relay over 127.0.0.1, in line mode.

Proves: 'sotto room new' prints the invitation (also written to
--invite-file) and '* joined the room as alice (0 other members)'; two
members join with the invitation and see '(1 other member)' and '(2
other members)'; every member announces every other one ('* NAME is in
the room (key TAG)'); every message reaches every other member exactly
once, in its sender's order, and is never echoed to its sender; '/me'
shows as '* NAME waves'; '/msg bob TEXT' reaches bob only, as
'alice (privately): TEXT' (carol never sees it, nor does its text appear
anywhere else); '/nick' is announced as '* member ID is now known as
NEW' and later messages carry the new name; '/who' lists the members;
'/verify' gives the same room code on all three (and a new one, again
equal, after the rename); a member whose stdin ends exits 0, the others
print '* NAME left', and what is said afterwards is not in its output.
"""
import re

import sotto_harness as h

N = 12		# messages per member in the main round


def scenario(t):
    relay, port = t.relay()
    alice, bob, carol = t.party("alice"), t.party("bob"), t.party("carol")
    a, inv = t.room_new(alice, port)
    t.check(inv.startswith("sotto:"), "invitation %r" % inv)
    t.check(h.decode_invite(inv)["check_ok"], "the invitation's own checksum is wrong")
    t.check(h.wait_joined(a, "alice") == 0, "alice: not '(0 other members)'")

    b = t.room_join(bob, inv)
    t.check(h.wait_joined(b, "bob") == 1, "bob: not '(1 other member)'")
    h.wait_in_room(b, ["alice"])
    h.wait_in_room(a, ["bob"])
    c = t.room_join(carol, inv)
    t.check(h.wait_joined(c, "carol") == 2, "carol: not '(2 other members)'")
    h.wait_in_room(c, ["alice", "bob"])
    h.wait_in_room(a, ["bob", "carol"])
    h.wait_in_room(b, ["alice", "carol"])
    members = {"alice": a, "bob": b, "carol": c}

    # Everyone talks at once, interleaved.
    sent = {n: ["%s says %d \u00e9\U0001F600" % (n, i) for i in range(N)] for n in members}
    for i in range(N):
        for n, p in members.items():
            p.send(sent[n][i])
    for n, p in members.items():
        for other in members:
            if other != n:
                p.wait_messages(other, N)
    a.send("/me waves")
    b.wait_line(r"^\* alice waves$", what="'* alice waves'")
    c.wait_line(r"^\* alice waves$", what="'* alice waves'")

    secret_text = "for bob only 7f3a"
    a.send("/msg bob %s" % secret_text)
    m = b.wait_line(r"^alice \(privately\): (.*)$", what="alice's private message")
    t.check(m.group(1) == secret_text, "bob got the private message as %r" % m.group(1))
    # A marker after the private message: once carol has it, she would
    # have had the private one too.
    a.send("after the private one")
    c.wait_until(lambda: c.messages_from("alice")[-1:] == ["after the private one"],
                 "'alice: after the private one' at carol")
    b.wait_until(lambda: b.messages_from("alice")[-1:] == ["after the private one"],
                 "'alice: after the private one' at bob")
    for n in ("alice", "carol"):
        out = members[n].stdout_bytes().decode("utf-8", "replace")
        t.check(secret_text not in out, "%s saw the private message: %r" % (n, out[-500:]))
    for n in ("alice", "carol"):
        t.check(not any("(privately): " in l for l in members[n].lines()),
                "%s printed a private line" % n)

    # Exactly once, in order, never echoed.
    for n, p in members.items():
        got = h.room_messages(p)
        t.check(n not in got, "%s's own messages were echoed: %r" % (n, got.get(n, [])[:3]))
        for other in members:
            if other == n:
                continue
            want = sent[other] + (["after the private one"] if other == "alice" else [])
            t.check(got.get(other) == want,
                    "%s received from %s:\n  %r\nexpected exactly:\n  %r"
                    % (n, other, got.get(other), want))
        h.expect_no_stray_lines(t, p, [o for o in members if o != n] + ["alice (privately)"])

    # Room code: equal everywhere.
    codes = {n: h.room_code(p) for n, p in members.items()}
    t.log("room code %s" % codes["alice"])
    t.check(len(set(codes.values())) == 1, "room codes differ: %r" % codes)

    # /who on carol lists the other two.
    before = len(c.lines())
    c.send("/who")
    c.wait_line(r"^\* \d+ other verified members?$", what="the end of /who")
    who = c.lines()[before:]
    t.check(any(re.match(r"^\* carol \(you\)", l) for l in who), "/who: no 'carol (you)': %r" % who)
    for n in ("alice", "bob"):
        t.check(any(re.match(r"^\* %s\b" % n, l) for l in who), "/who does not list %s: %r" % (n, who))
    t.check(any(l.startswith("* 2 other verified members") for l in who), "/who count: %r" % who)

    # /nick: bob becomes robert.
    b.send("/nick robert")
    for p in (a, c):
        p.wait_line(r"^\* member \d+ is now known as robert$",
                    what="'* member ID is now known as robert'")
    b.send("robert speaking")
    for p in (a, c):
        p.wait_messages("robert", 1)
        t.check(p.messages_from("robert") == ["robert speaking"],
                "%s: after /nick got %r" % (p.label, p.messages_from("robert")))
    codes2 = {n: h.room_code(p) for n, p in members.items()}
    t.check(len(set(codes2.values())) == 1, "room codes differ after /nick: %r" % codes2)
    t.check(codes2["alice"] != codes["alice"], "the room code did not change with a name")

    # carol leaves: announced, exits 0, hears nothing afterwards.
    c.close_stdin()
    c.expect_exit(h.EXIT_OK, why="carol's stdin ended")
    for p in (a, b):
        p.wait_line(r"^\* carol left$", what="'* carol left'")
    after = "said after carol left 91c"
    a.send(after)
    b.wait_until(lambda: b.messages_from("alice")[-1:] == [after], "alice's message after carol left")
    b.send("robert again")
    a.wait_until(lambda: a.messages_from("robert")[-1:] == ["robert again"], "robert's message after carol left")
    t.check(after not in c.stdout_bytes().decode("utf-8", "replace"),
            "carol's output has a message sent after she left")
    # The two left have the same code again (the room now has two members).
    codes3 = [h.room_code(a), h.room_code(b)]
    t.check(codes3[0] == codes3[1], "room codes differ after carol left: %r" % codes3)

    for p in (a, b):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK, why="stdin ended")
    t.check(relay.alive(), "the relay exited")
    for p in members.values():
        errs = [l for l in p.stderr_text().splitlines() if "identity" not in l]
        t.check(not errs, "%s wrote to stderr: %r" % (p.label, errs))


h.main(scenario, budget=60)
