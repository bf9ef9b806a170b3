#!/usr/bin/python3
"""
test_room_misbehave: a relay that drops, duplicates, reorders or alters a
message is caught by the members, and altered text is never shown.

For each ACTION of the relay's hidden test option '--misbehave ACTION:N'
(drop, dup, swap, flip), a fresh relay mistreats its Nth DELIVER; alice,
bob and carol are in the room (all verified) and alice then sends K
numbered messages.  N is chosen so that the hit delivery carries one of
alice's messages in the middle of the run (whether or not the relay
counts announcements and DELIVER_DIRECTs), to bob or to carol.

Proves, for the member that got the mistreated delivery:
  drop: every message but one arrives, once, in order, and it prints that
        1 message from alice 'never arrived';
  dup:  the copy carries a room seq already handled (relay messages
        revision 2), so it is dropped before the group layer: every
        message arrives exactly once, in order, and nobody reports
        anything (nothing was lost);
  swap: the later delivery comes first, so the earlier one's seq is
        then below what was handled and it is dropped: no message is
        shown twice or out of order, exactly one is missing, and it
        prints that 1 message from alice 'never arrived';
  flip: every message but one arrives, and it prints that a message
        attributed to alice 'failed authentication' (or 'could not be
        read');
and for both receivers: every line printed from alice is one alice sent
(no altered text), in her order, never twice; the member that was not hit
(for dup: both) gets all K messages and reports nothing; nobody leaves or crashes, and
the room keeps working (one more message after the attack arrives at
both).

If the relay has no --misbehave option yet, the scenario fails saying so.
"""
import re

import sotto_harness as h

K = 30
N = 21		# DELIVER #21: one of alice's messages 3..9, to bob or carol

DETECT = {
    "drop": r"never arrived",
    "dup": None,
    "swap": r"never arrived",
    "flip": r"failed authentication|could not be read",
}
ANY_DETECT = r"never arrived|arrived again or out of order|failed authentication|could not be read"


def has_misbehave(t):
    try:
        relay, port = t.relay("--misbehave", "drop:1000000", label="relay(probe)")
    except h.Failure:
        return False
    relay.kill()
    return True


def run(t, action):
    t.log("relay --misbehave %s:%d" % (action, N))
    relay, port = t.relay("--misbehave", "%s:%d" % (action, N), label="relay(%s)" % action)
    alice, bob, carol = t.party("alice"), t.party("bob"), t.party("carol")
    a, inv = t.room_new(alice, port)
    b = t.room_join(bob, inv)
    h.wait_in_room(b, ["alice"])
    c = t.room_join(carol, inv)
    h.wait_in_room(c, ["alice", "bob"])
    h.wait_in_room(b, ["carol"])
    h.wait_in_room(a, ["bob", "carol"])

    sent = ["alice %s %02d of %d" % (action, i, K) for i in range(K)]
    for m in sent:
        a.send(m)
    for r in (b, c):
        r.wait_until(lambda r=r: sent[-1] in r.messages_from("alice"),
                     "alice's last message at %s" % r.label)
    # One more after the attack: the room keeps working.
    a.send("after the %s" % action)
    for r in (b, c):
        r.wait_until(lambda r=r: r.messages_from("alice")[-1:] == ["after the %s" % action],
                     "alice's message after the attack at %s" % r.label)

    hit = []
    for r in (b, c):
        got = r.messages_from("alice")[:-1]
        # Nothing altered, nothing twice, sender's order.
        for m in got:
            t.check(m in sent, "%s: %s printed a text alice never sent: %r" % (action, r.label, m))
        t.check(len(set(got)) == len(got), "%s: %s printed a message twice: %r" % (action, r.label, got))
        t.check(got == sorted(got, key=sent.index),
                "%s: %s printed alice's messages out of order: %r" % (action, r.label, got))
        missing = [sent.index(m) for m in sent if m not in got]
        notes = [l for l in r.notices() if re.search(ANY_DETECT, l)]
        if missing or notes:
            hit.append((r, missing, notes))
        h.expect_no_stray_lines(t, r, ["alice"])
    if DETECT[action] is None:
        t.check(hit == [], "%s: a member saw a difference: %r"
                % (action, [(r.label, m, n) for r, m, n in hit]))
        for r in (b, c):
            t.check(r.messages_from("alice")[:-1] == sent,
                    "%s: %s did not get every message exactly once" % (action, r.label))
        for p in (c, b, a):
            p.close_stdin()
            p.expect_exit(h.EXIT_OK)
        relay.kill()
        return
    t.check(len(hit) == 1, "%s: expected exactly one member to see the attack, saw %r"
            % (action, [(r.label, m, n) for r, m, n in hit]))
    r, missing, notes = hit[0]
    t.log("%s: hit %s, missing %r, notices %r" % (action, r.label, missing, notes))
    t.check(any(re.search(DETECT[action], l) and "alice" in l for l in notes),
            "%s: %s did not report it (expected a notice matching %r about alice); notices: %r"
            % (action, r.label, DETECT[action], r.notices()))
    if True:
        t.check(len(missing) == 1, "%s: %s lost messages %r, expected exactly one"
                % (action, r.label, missing))
        t.check(0 < missing[0] < K - 1, "%s: the hit message %d is not in the middle: N needs "
                "adjusting" % (action, missing[0]))
    if action == "drop":
        t.check(any(re.search(r"\b1 message from alice never arrived", l) for l in notes),
                "drop: no '1 message from alice never arrived': %r" % notes)

    for p in (a, b, c):
        t.check(p.alive(), "%s: %s exited" % (action, p.label))
    for p in (c, b, a):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK)
    t.check(relay.alive(), "%s: the relay exited" % action)
    relay.kill()


def scenario(t):
    if not has_misbehave(t):
        raise h.Failure("the relay does not accept --misbehave ACTION:N (not implemented yet?): "
                        "this scenario cannot run")
    for action in ("drop", "dup", "swap", "flip"):
        run(t, action)


h.main(scenario, budget=60)
