#!/usr/bin/python3
"""
test_reconnect_cut: a cut of the network between joiner and host is an
interruption, not an ending (issue 8, 1:1).

A proxy between them cuts both directions (TCP reset to both sides) and
refuses every new connection for 45 s.  Proves: both sides say
'* connection lost; reconnecting…'; the 5 lines each side typed during
the cut arrive after it, exactly once and in order, after the one line
each sent before it; both say '* reconnected' (the joiner resumed the
conversation without the password: it has no password file any more);
and the chat goes on afterwards (one more line each way, then a clean
/quit).  Also: the resumption recorded by the proxy (RESUME_HELLO and
RESUME_CONFIRM, taken from its --dump), replayed straight to the host,
is refused (ABORT 1 after the host's RESUME_ACCEPT) and counted as a
failed attempt, and the chat is not disturbed by it.
"""
import os
import socket
import time

import sotto_harness as h

CUT = int(os.environ.get("SOTTO_CUT_SECONDS", "45"))  # shorter only while developing
LOST = r"^\* connection lost; reconnecting\u2026$"


def frames(data):
    """The sotto frames of a proxy dump (whole frames, both directions)."""
    out, i = [], 0
    while i + 6 <= len(data):
        n = int.from_bytes(data[i + 2:i + 6], "big")
        out.append(data[i:i + 6 + n])
        i += 6 + n
    return out


def replay(t, host, port, dump):
    with open(dump, "rb") as f:
        fs = frames(f.read())
    hello = [f for f in fs if f[1] == 0x08]
    confirm = [f for f in fs if f[1] == 0x0a]
    t.check(len(hello) >= 1 and len(confirm) >= 1,
            "no resumption in the proxy's dump: %r" % [f[1] for f in fs])
    s = socket.create_connection((h.LOOPBACK, port), timeout=5)
    try:
        s.sendall(hello[-1])
        got = b""
        while len(got) < 110:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        t.check(got[:6] == bytes.fromhex("010900000068"),
                "the host did not answer the replayed RESUME_HELLO with RESUME_ACCEPT: %r"
                % got[:8].hex())
        s.sendall(confirm[-1])
        rest = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            rest += chunk
        t.check(rest == bytes.fromhex("010f0000000101"),
                "the replayed RESUME_CONFIRM got %r, expected ABORT 1" % rest.hex())
    finally:
        s.close()
    host.wait_line(r"^\* failed attempt from 127\.0\.0\.1",
                   what="the replay counted as a failed attempt")


def scenario(t):
    alice, bob = t.party("alice"), t.party("bob")
    host, port = t.host(alice)
    dump = os.path.join(t.tmp, "proxy.dump")
    proxy, pport = t.proxy(port, outage=CUT, dump=dump)
    join = t.join(bob, pport)
    h.establish(t, host, join, alice, bob)
    join.send("before the cut, from bob")
    host.send("before the cut, from alice")
    host.wait_messages("bob", 1)
    join.wait_messages("alice", 1)
    # Resuming must not need the password: take the file away.
    os.unlink(bob.password_file)

    h.outage_start(proxy)
    t0 = time.monotonic()
    host.wait_line(LOST, what="the host's '* connection lost; reconnecting…'")
    join.wait_line(LOST, what="the joiner's '* connection lost; reconnecting…'")
    sent_j = ["bob during the cut %d" % i for i in range(1, 6)]
    sent_h = ["alice during the cut %d" % i for i in range(1, 6)]
    for a, b in zip(sent_j, sent_h):
        join.send(a)
        host.send(b)
    # Nothing can arrive while the network is down.
    time.sleep(2)
    t.check(host.messages_from("bob") == ["before the cut, from bob"],
            "the host showed %r during the cut" % host.messages_from("bob"))
    # The outage lasts 45 s; the joiner's backoff is capped at 30 s.
    left = CUT + 40 - (time.monotonic() - t0)
    join.wait_line(r"^\* reconnected$", timeout=left, what="the joiner's '* reconnected'")
    host.wait_line(r"^\* reconnected$", timeout=5, what="the host's '* reconnected'")
    t.check(time.monotonic() - t0 >= CUT - 1,
            "reconnected while the proxy refused connections")
    host.wait_messages("bob", 6, timeout=10)
    join.wait_messages("alice", 6, timeout=10)
    time.sleep(0.5)	# anything duplicated would show up by now
    t.check(host.messages_from("bob") == ["before the cut, from bob"] + sent_j,
            "the host showed %r" % host.messages_from("bob"))
    t.check(join.messages_from("alice") == ["before the cut, from alice"] + sent_h,
            "the joiner showed %r" % join.messages_from("alice"))

    # A recording of the resumption is worth nothing.
    replay(t, host, port, dump)

    # The chat goes on.
    join.send("after the cut, from bob")
    host.send("after the cut, from alice")
    host.wait_messages("bob", 7)
    join.wait_messages("alice", 7)
    t.check(host.messages_from("bob")[-1] == "after the cut, from bob", "last line at the host")
    t.check(join.messages_from("alice")[-1] == "after the cut, from alice", "last at the joiner")
    for p in (host, join):
        t.check(h.count_lines(p, LOST) == 1 and h.count_lines(p, r"^\* reconnected$") == 1,
                "%s: expected one lost and one reconnected notice" % p.label)
    join.send("/quit")
    join.expect_exit(h.EXIT_OK)
    host.wait_line(r"^\* bob left$")
    host.expect_exit(h.EXIT_OK, why="--once, and the peer left")
    h.expect_no_stray_lines(t, host, ["bob"])
    h.expect_no_stray_lines(t, join, ["alice"])


h.main(scenario, budget=CUT + 75)
