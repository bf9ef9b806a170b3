#!/usr/bin/python3
"""
test_room_invites: a wrong invitation never gets anyone into a room, and
each kind of wrong is told apart.

Proves, against a room where alice and bob are chatting:
- a mistyped invitation (one base64url character changed, inside the room
  secret) is refused before any connection: exit 2, a 'sotto: ' error
  mentioning the checksum, and the relay never sees a connection;
- an invitation with a valid checksum but one bit of the room secret
  flipped (rebuilt from the format in src/core/invite.h): the joiner exits
  3 saying its invitation does not match the room's secret; alice and bob
  each print that a non-member was rejected, never '* NAME is in the
  room' for it, and keep chatting (a message still flows both ways);
- an invitation whose host:port is rewritten (checksum recomputed) to a
  second relay with a different key: exit 5, a message about the relay's
  key, and nothing is printed about the room;
- a name already in use in the room: exit 2 with a message saying the
  name is taken; the member of that name is unaffected.
"""
import re
import time

import sotto_harness as h


def mistype(inv):
    """Changes one base64url character inside the room secret."""
    d = h.decode_invite(inv)
    secret_off = 2 + len(d["host"]) + 2 + 32 + 16 + 8	# a byte inside the secret
    i = len("sotto:") + secret_off * 4 // 3 + 1
    ch = inv[i]
    new = "B" if ch != "B" else "C"
    out = inv[:i] + new + inv[i + 1:]
    return out, i, ch, new


def connections(relay):
    return len(re.findall(r" connected \(", relay.stderr_text()))


def scenario(t):
    relay, port = t.relay()
    alice, bob = t.party("alice"), t.party("bob")
    a, inv = t.room_new(alice, port)
    b = t.room_join(bob, inv)
    h.wait_in_room(b, ["alice"])
    h.wait_in_room(a, ["bob"])
    code = h.room_code(a)
    t.check(h.room_code(b) == code, "alice and bob have different room codes")

    # 1. Mistyped.
    bad, i, was, now = mistype(inv)
    t.log("mistyped: character %d %r -> %r" % (i, was, now))
    before = connections(relay)
    p = t.room_join(t.party("mallory"), bad, label="join(mistyped)")
    p.expect_exit(h.EXIT_USAGE, why="mistyped invitation")
    err = p.stderr_text()
    t.check(err.startswith("sotto: ") and "checksum" in err,
            "mistyped invitation: no 'sotto: ...checksum...' error: %r" % err)
    t.check(p.lines() == [], "mistyped invitation: printed %r" % p.lines())
    time.sleep(0.2)
    t.check(connections(relay) == before, "the relay saw a connection for a mistyped invitation")

    # 2. Relay key mismatch: same invitation, pointing at another relay.
    relay2, port2 = t.relay(label="relay2")
    fp1, fp2 = h.relay_fingerprint(relay), h.relay_fingerprint(relay2)
    t.check(fp1 and fp2 and fp1 != fp2, "the two relays' fingerprints: %r %r" % (fp1, fp2))
    d = h.decode_invite(inv)
    t.check(d["relay_pk"].hex() == fp1,
            "the invitation's relay key %s is not the relay's fingerprint %s" % (d["relay_pk"].hex(), fp1))
    d["port"] = port2
    moved = h.encode_invite(d)
    p = t.room_join(t.party("trent"), moved, label="join(other relay)")
    p.send("must not be sent")
    p.expect_exit(h.EXIT_IDENTITY, why="the relay's key is not the invitation's")
    err = p.stderr_text()
    t.check(err.startswith("sotto: ") and "key" in err,
            "relay key mismatch: no 'sotto: ...key...' error: %r" % err)
    t.check(not any(l.startswith("* joined") for l in p.lines()),
            "relay key mismatch: joined anyway: %r" % p.lines())
    t.check(" joined as member" not in relay2.stderr_text(),
            "the second relay let the joiner in")

    # 3. Name taken.
    p = t.room_join(t.party("bob"), inv, label="join(bob again)")
    p.expect_exit(h.EXIT_USAGE, why="name already taken")
    err = p.stderr_text()
    t.check(err.startswith("sotto: ") and re.search(r"already (taken|in use)|taken", err),
            "name taken: no 'sotto: ... taken' error: %r" % err)
    t.check(not any(l.startswith("* joined") for l in p.lines()), "name taken: joined anyway")
    a.send("bob is still bob")
    b.wait_until(lambda: b.messages_from("alice")[-1:] == ["bob is still bob"],
                 "alice's message after the name clash")
    t.check(not any(re.match(r"^\* bob left", l) for l in a.lines()), "alice saw bob leave")
    t.check(h.room_code(a) == code and h.room_code(b) == code,
            "the room code changed: a failed join changed the membership")

    # 4. Valid checksum, wrong room secret.
    d = h.decode_invite(inv)
    d["secret"] = h.flip_bit(d["secret"], 13, 4)
    forged = h.encode_invite(d)
    t.check(h.decode_invite(forged)["check_ok"], "test bug: forged invitation has a bad checksum")
    p = t.room_join(t.party("eve"), forged, label="join(wrong secret)")
    p.send("eve's message must go nowhere")
    for q in (a, b):
        q.wait_line(r"^\* eve\b.*(not a member|rejected)",
                    what="a notice that the non-member eve was rejected")
    p.expect_exit(h.EXIT_AUTH, why="wrong room secret")
    err = p.stderr_text()
    t.check(err.startswith("sotto: ") and re.search(r"does not match.*secret", err),
            "wrong secret: no 'sotto: ... does not match ... secret' error: %r" % err)
    t.check(not any("is in the room" in l for l in p.lines()),
            "the joiner with the wrong secret verified someone: %r" % p.lines())
    for q in (a, b):
        t.check("eve" not in h.in_room(q), "%s admitted eve" % q.label)
        t.check(not any("eve's message" in l for l in q.lines()), "%s printed eve's message" % q.label)
    a.send("still here after eve")
    b.wait_until(lambda: b.messages_from("alice")[-1:] == ["still here after eve"],
                 "alice's message after the rejection")
    b.send("me too")
    a.wait_until(lambda: a.messages_from("bob")[-1:] == ["me too"], "bob's message after the rejection")

    for q in (a, b):
        q.close_stdin()
        q.expect_exit(h.EXIT_OK)
    t.check(relay.alive() and relay2.alive(), "a relay exited")


h.main(scenario, budget=60)
