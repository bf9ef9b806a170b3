#!/usr/bin/python3
"""
test_cluster_lobby: the door of a guarded room (docs/PROTOCOL.md §15.9)
across the nodes of a cluster (§15.10, "Lobbies"): a newcomer who
reaches another node than the room's owner knocks and gets in as if it
had reached the owner.

Starts its own 'nats-server -js' and two 'sotto relay --nats URL --node
N' sharing one relay key (as test_cluster).

Proves:
- evelyn makes a guarded room on node 1; a visitor (the lobby_visitor
  tool, 'tap') waits at its door through node 2; evelyn leaves and node
  1 releases the room: a newcomer through node 2 meanwhile, forwarded
  to node 1 beside the visitor, is told at once that nobody can open
  the door (exit 4), and the visitor's link is served to its end;
- alicia makes a guarded room (--question, --one-time-code) on node 1;
  bobbie, with an invitation that names node 2 only, visits there: node
  2 forwards him to node 1 ('visitor at the door of a room of another
  node'), his knock reaches alicia, the door opens, he joins through
  node 2 ('joined a room of another node'); both see each other and
  each other's line exactly once;
- alicia leaves: bobbie, whose link is on node 2, is the room's one
  opener; carolyn visits node 2 too, her knock crosses the bus to node
  1 and back to bobbie, whose answer makes the return trip; she gets
  in, and bobbie and carolyn see each other's line;
- a wrong answer through node 2 is refused as on one relay (exit 3,
  'did not open') and nobody sees the knocker in the room;
- node 1 is killed (SIGKILL): bobbie and carolyn resume through node 2,
  which takes the room over from JetStream and, as their clients bind
  the door again, serves it itself: dorothea knocks on node 2 and gets
  in without being forwarded;
- once everyone has left, a newcomer through node 2 is told that nobody
  can open the door (exit 4): nobody answers for the door, and node 2
  answers itself (VISITING 0, not forwarded) after the claim's 250 ms;
- node 2 alive, and stops on SIGTERM with status 0.
"""
import base64
import os
import signal
import time

import sotto_harness as h

QUESTION = "Name of our first cat?"
ANSWER = "Mister Whiskers"


write = h.party_file	# answers, codes, invitations: 0600 in the party's dir


def guarded_via(inv, port):
    """The guarded (version 3) invitation with its one relay's port
    replaced; the checksum recomputed."""
    d = h.decode_invite(inv)
    assert d["version"] == 3, d["version"]
    host = d["host"].encode("ascii")
    q = d["question"].encode("utf-8")
    body = (bytes([3, len(host)]) + host + port.to_bytes(2, "big") + d["relay_pk"] +
            d["lobby_id"] + d["secret"] + bytes([d["guard"], len(q)]) + q)
    body += h.invite_checksum(body)
    return "sotto:" + base64.urlsafe_b64encode(body).decode("ascii").rstrip("=")


def tool_path(t):
    path = os.path.join(os.environ.get("SOTTO_TOOLS_DIR", os.path.join(
        os.path.dirname(t.bin), "tests", "tools")), "lobby_visitor")
    t.check(os.access(path, os.X_OK), "no lobby_visitor tool at %s" % path)
    return path


def knock(t, inv, name, answer, code):
    party = t.party(name)
    return t.room_join(party, inv, "--answer-file", write(party, "answer", answer),
                       "--code-file", write(party, "code", code), label="join(%s)" % name)


def says(t, a, an, b, bn, text):
    a.send(text)
    b.wait_until(lambda: b.messages_from(an)[-1:] == [text], "%s's line at %s" % (an, bn), 20)
    t.check(b.messages_from(an).count(text) == 1, "%s got %r twice" % (bn, text))


def scenario(t):
    nats, url = h.nats_url(t)
    r1, p1, d1, r2, p2, d2 = h.two_nodes(t, url)

    alice = t.party("alicia")
    a, inv = t.room_new(alice, p1, "--question", QUESTION,
                        "--answer-file", write(alice, "answer", ANSWER), "--one-time-code")
    t.check(h.decode_invite(inv)["version"] == 3, "not a guarded invitation")
    inv2 = guarded_via(inv, p2)
    t.check(h.decode_invite(inv2)["check_ok"], "the rewritten invitation's checksum")

    # 0. A door whose room goes while a visitor forwarded to it waits
    #    there: the owner (node 1) stops answering for it but still
    #    serves what node 2 forwards, so a newcomer on node 2 meanwhile
    #    is told at once that nobody can open (not left to wait 60 s).
    eve = t.party("evelyn")
    e, einv = t.room_new(eve, p1, "--question", QUESTION,
                         "--answer-file", write(eve, "answer", ANSWER), "--one-time-code")
    ecode = h.one_time_code(e)
    ifile = write(eve, "invite2", guarded_via(einv, p2))
    tap = t.spawn("visitor(tap)", [tool_path(t), ifile, "tap", "12"], t.env(t.tmp), stdin=False)
    tap.wait_line(r"^recv 8d ", what="the tap's VISITING (through node 2)", timeout=20)
    released = r1.stderr_text().count("released an empty room")
    e.close_stdin()
    e.expect_exit(h.EXIT_OK, timeout=20)
    r1.wait_until(lambda: r1.stderr_text().count("released an empty room") > released,
                  "node 1 releasing evelyn's room", 20)
    time.sleep(1.5)	# node 1's next tick: the door is nobody's
    t0 = time.monotonic()
    nob = knock(t, guarded_via(einv, p2), "newcomer1", ANSWER, ecode)
    nob.expect_exit(h.EXIT_CONN, timeout=20, why="a door whose room is gone")
    t.check("nobody is in it" in nob.stderr_text(), "no 'nobody is in it' error: %r" % nob.stderr_text())
    t.log("a door whose room went: a newcomer told in %.1f s" % (time.monotonic() - t0))
    tap.wait_line(r"^tapped$", timeout=30, what="the tap's end")
    tap.expect_exit(0, why="the tap tool")

    # 1. bobbie knocks through node 2; alicia (node 1) opens.
    b = knock(t, inv2, "bobbie", "mister whiskers", h.one_time_code(a))
    h.wait_in_room(b, ["alicia"], timeout=30)
    h.wait_in_room(a, ["bobbie"], timeout=30)
    t.check("visitor at the door of a room of another node" in r2.stderr_text(),
            "node 2 did not forward bobbie's visit")
    t.check("joined a room of another node" in r2.stderr_text(),
            "bobbie did not join through node 2")
    t.check(any("door opened" in l for l in b.lines()), "bobbie was not told the door opened")
    says(t, a, "alicia", b, "bobbie", "hello bobbie")
    says(t, b, "bobbie", a, "alicia", "hello alicia")
    t.check(h.room_code(a) == h.room_code(b), "alicia and bobbie see different room codes")
    t.log("a visitor on node 2 got into node 1's guarded room")

    # 2. alicia leaves: bobbie (node 2) opens for carolyn (node 2), the
    #    knock and the answer both crossing the bus to node 1 and back.
    a.close_stdin()
    a.expect_exit(h.EXIT_OK, timeout=20)
    b.wait_line(r"^\* alicia left", what="alicia leaving, at bobbie", timeout=20)
    c = knock(t, inv2, "carolyn", ANSWER, h.one_time_code(b))
    h.wait_in_room(c, ["bobbie"], timeout=30)
    h.wait_in_room(b, ["carolyn"], timeout=30)
    says(t, b, "bobbie", c, "carolyn", "hello carolyn")
    says(t, c, "carolyn", b, "bobbie", "hello bobbie")
    t.log("an opener on node 2 let a visitor on node 2 into node 1's room")

    # 3. A wrong answer is refused as on one relay.
    m = knock(t, inv2, "mallory", "Tom", h.one_time_code(b))
    m.expect_exit(h.EXIT_AUTH, timeout=30, why="a wrong answer")
    t.check("did not open" in m.stderr_text(), "no 'did not open': %r" % m.stderr_text())
    for q in (b, c):
        t.check("mallory" not in h.in_room(q), "%s shows mallory in the room" % q.label)

    # 4. Node 1 dies (SIGKILL): bobbie and carolyn resume through node 2,
    #    which takes the room over from JetStream; their clients bind the
    #    door again there, and dorothea's knock on node 2 is node 2's own.
    h.signal_proc(r1, signal.SIGKILL)
    r1.wait_exit(timeout=10)
    for q in (b, c):
        q.wait_line(r"^\* reconnected", timeout=40, what="%s resuming through node 2" % q.label)
    r2.wait_until(lambda: "a room taken over from JetStream" in r2.stderr_text(),
                  "node 2 taking the room over", 30)
    forwarded = r2.stderr_text().count("visitor at the door of a room of another node")
    d = knock(t, inv2, "dorothea", ANSWER, h.one_time_code(c))
    h.wait_in_room(d, ["bobbie", "carolyn"], timeout=30)
    says(t, d, "dorothea", b, "bobbie", "hello from dorothea")
    t.check(r2.stderr_text().count("visitor at the door of a room of another node") == forwarded,
            "node 2 forwarded dorothea's visit after it took the room over")
    t.log("after a takeover the door is the new owner's")

    # 5. Everyone leaves; a newcomer through node 2 has nobody to knock
    #    at: nobody answers for the door, and node 2 says so itself.
    code = h.one_time_code(b)
    for q in (b, c, d):
        q.close_stdin()
    for q in (b, c, d):
        q.expect_exit(h.EXIT_OK, timeout=20)
    r2.wait_until(lambda: "released an empty room" in r2.stderr_text(),
                  "node 2 releasing the empty room", 20)
    late = knock(t, inv2, "latecomer", ANSWER, code)
    late.expect_exit(h.EXIT_CONN, timeout=30, why="nobody at the door")
    t.check("nobody is in it" in late.stderr_text(), "no 'nobody is in it' error: %r" % late.stderr_text())
    t.check(r2.stderr_text().count("visitor at the door of a room of another node") == forwarded,
            "node 2 forwarded the latecomer's visit to a door nobody has")

    t.check(r2.alive(), "node 2 exited")
    h.signal_proc(r2, signal.SIGTERM)
    r2.expect_exit(h.EXIT_OK, timeout=30, why="SIGTERM")


if __name__ == "__main__":
    h.main(scenario, budget=150)
