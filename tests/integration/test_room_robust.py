#!/usr/bin/python3
"""
test_room_robust: the relay serves a room well while some of its
connections misbehave at the TCP level.

Proves:
1. Silent connections don't delay anyone: with SILENT raw TCP
   connections to the relay that never send a byte, a new member's join
   (spawn to '* joined the room' and both sides '* NAME is in the
   room') completes before the relay has closed any of them: it did not
   wait for them.  The relay later closes every one itself, at its
   registration timeout, and its log says so ('N silent too long').
2. Mass abrupt death: VICTIMS member processes in the same room are
   killed with SIGKILL all at once; the relay stays up, the two
   surviving members each print '* NAME left' for every victim (or,
   with a relay that holds a cut member's seat, '* NAME lost
   connection'), a message still flows both ways between them, and
   their room codes agree again.  The victims join in batches of BATCH,
   each batch in before the next starts: what is tested is the death of
   200 members at once, not 200 handshakes at once on two CPUs (200
   sanitizer-instrumented processes joining together starve each other
   past the 10 s handshake deadline; test_relay_limits covers floods of
   connections).
3. A member that stops reading (SIGSTOP) while another floods the room
   with FLOOD messages of 4000 bytes is disconnected by the relay (its
   log says the member is not reading, the others print '* sloth left'
   or '* sloth lost connection') and does not hold up the room: the
   reading member gets every message of the flood, in order, while the
   stopped member is still stopped (the longest pause at bob is logged,
   not asserted: a timing is not a test), and a marker sent after the
   flood arrives.  After SIGCONT the stopped member (run with
   --reconnect-for 0) finds its link ended and exits 4 (connection cut).
"""
import os
import re
import select
import signal
import socket
import threading
import time

import sotto_harness as h

SILENT = 20
VICTIMS = 200
BATCH = 25
FLOOD = 6000
FLOOD_BUDGET = 60


def stopped(pid):
    """True while the process is stopped (SIGSTOP): state T in /proc."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("T", "t")
    except OSError:
        return False


def scenario(t):
    # All from 127.0.0.1, and a flood on purpose: the per-address and
    # message-rate limits are off here (test_relay_limits checks them).
    relay, port = t.relay("--max-per-address", "0", "--member-rate", "0")
    alice, bob = t.party("alice"), t.party("bob")
    a, inv = t.room_new(alice, port)

    # 1. Silent connections.
    silent = []
    opened = time.monotonic()
    for _ in range(SILENT):
        s = socket.create_connection((h.LOOPBACK, port), timeout=5)
        silent.append(s)
    t.cleanups.append(lambda: [s.close() for s in silent])
    closed_at = {}		# socket index -> seconds after opening when the relay closed it

    def watch_silent():
        live = dict(enumerate(silent))
        while live and time.monotonic() - opened < 30:
            try:
                r, _, _ = select.select(list(live.values()), [], [], 0.2)
            except (OSError, ValueError):
                return		# closed on the way out
            for i, s in list(live.items()):
                if s in r:
                    try:
                        data = s.recv(4096)
                    except OSError:
                        data = b""
                    if not data:
                        closed_at[i] = time.monotonic() - opened
                        del live[i]
    watcher = threading.Thread(target=watch_silent, daemon=True)
    watcher.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    b = t.room_join(bob, inv)
    h.wait_joined(b, "bob")
    joined = time.monotonic() - t0
    h.wait_in_room(b, ["alice"])
    h.wait_in_room(a, ["bob"])
    verified = time.monotonic() - t0
    early = len(closed_at)
    t.log("join with %d silent connections open: joined in %.2f s, verified in %.2f s"
          % (SILENT, joined, verified))
    t.check(early == 0, "the join was verified only after the relay had closed %d of the "
            "%d silent connections (%.1f s): it waited for them" % (early, SILENT, verified))

    # 2. Mass SIGKILL.
    t0 = time.monotonic()
    victims = []
    for first in range(0, VICTIMS, BATCH):
        batch = [t.room_join(t.party("v%03d" % i), inv)
                 for i in range(first, min(first + BATCH, VICTIMS))]
        for i, v in enumerate(batch, first):
            h.wait_joined(v, "v%03d" % i, timeout=60)
        victims += batch
    vnames = ["v%03d" % i for i in range(VICTIMS)]
    for p in (a, b):
        h.wait_in_room(p, vnames, timeout=90)
    t.log("%d more members in and verified in %.1f s" % (VICTIMS, time.monotonic() - t0))
    code_before = h.room_code(a)
    t.check(h.room_code(b) == code_before, "room codes differ with %d members" % (VICTIMS + 2))
    for v in victims:
        os.kill(v.p.pid, signal.SIGKILL)
    t0 = time.monotonic()
    for v in victims:
        rc = v.wait_exit(10)
        t.check(rc == -signal.SIGKILL, "%s: exit %s, expected SIGKILL" % (v.label, rc))
    for p in (a, b):
        p.wait_until(lambda p=p: sum(1 for l in p.lines() if re.match(r"^\* v\d{3} (left|lost connection)$", l))
                     >= VICTIMS, "'* vNNN left' for all %d victims" % VICTIMS, timeout=30)
    t.log("%d departures seen by both survivors in %.2f s" % (VICTIMS, time.monotonic() - t0))
    t.check(relay.alive(), "the relay died after %d members were killed" % VICTIMS)
    a.send("still there, bob?")
    b.wait_until(lambda: b.messages_from("alice")[-1:] == ["still there, bob?"],
                 "alice's message after the mass kill", timeout=5)
    b.send("yes, alice")
    a.wait_until(lambda: a.messages_from("bob")[-1:] == ["yes, alice"],
                 "bob's message after the mass kill", timeout=5)
    ca, cb = h.room_code(a), h.room_code(b)
    t.check(ca == cb, "room codes differ after the mass kill: %r %r" % (ca, cb))

    # 3. A member that stops reading.
    sloth = t.room_join(t.party("sloth"), inv, "--reconnect-for", "0")
    for p in (a, b):
        h.wait_in_room(p, ["sloth"])
    h.wait_in_room(sloth, ["alice", "bob"])
    os.killpg(sloth.p.pid, signal.SIGSTOP)
    t.cleanups.append(lambda: os.killpg(sloth.p.pid, signal.SIGCONT))
    flood = ["flood %05d %s" % (i, "y" * 3988) for i in range(FLOOD)]
    assert all(len(m) == 4000 for m in flood)
    tail = h.Tail(b).track("alice: flood ", "* sloth left", "* sloth lost connection")
    t0 = time.monotonic()
    a.send_raw("".join(m + "\n" for m in flood).encode())
    tail.wait_count("alice: flood ", FLOOD, timeout=FLOOD_BUDGET,
                    what="all %d flood messages at bob" % FLOOD)
    took = time.monotonic() - t0
    gap = tail.max_gap("alice: flood ", start=t0)
    t.log("flood of %d x 4000 bytes reached bob in %.2f s; longest pause at bob %.2f s "
          "(the relay holds a room back for a stalled reader at most RELAY_STALL_TIMEOUT, "
          "5 s)" % (FLOOD, took, gap))
    t.check(stopped(sloth.p.pid), "sloth was not stopped when the flood had reached bob: "
            "the flood proves nothing")
    t0 = time.monotonic()
    a.send("marker after the flood")
    b.wait_until(lambda: b.messages_from("alice")[-1:] == ["marker after the flood"],
                 "the marker after the flood", timeout=10)
    t.log("marker after %.3f s" % (time.monotonic() - t0))
    relay.wait_until(lambda: re.search(r"not reading", relay.stderr_text()),
                     "the relay to log that a member is not reading", timeout=5)
    def sloth_gone():
        tail._feed()
        return tail.counts[b"* sloth left"] + tail.counts[b"* sloth lost connection"] >= 1
    b.wait_until(sloth_gone, "'* sloth left' or '* sloth lost connection' at bob", timeout=5)
    a.wait_line(r"^\* sloth (left|lost connection)$", what="'* sloth left' at alice", timeout=5)
    got = [m for m in b.messages_from("alice") if m.startswith("flood ")]
    t.check(got == flood, "bob got %d flood messages, not exactly the %d sent in order"
            % (len(got), FLOOD))
    os.killpg(sloth.p.pid, signal.SIGCONT)
    rc = sloth.wait_exit(15)
    t.log("sloth exited %s after SIGCONT" % rc)
    t.check(rc == h.EXIT_CONN, "sloth: exit status %s after SIGCONT, expected 4 (cut)" % rc)
    t.check(sloth.stderr_text().count("sotto: ") >= 1, "sloth: no 'sotto: ' error")
    t.check(relay.alive(), "the relay exited")

    # 1, continued: the relay closed the silent connections by itself,
    # at its registration timeout.
    watcher.join(max(0.1, opened + 10 + 5 - time.monotonic()))
    t.check(len(closed_at) == SILENT, "%d of %d silent connections still open %.1f s after they "
            "were opened" % (SILENT - len(closed_at), SILENT, time.monotonic() - opened))
    if closed_at:
        t.log("silent connections closed by the relay after %.1f-%.1f s"
              % (min(closed_at.values()), max(closed_at.values())))
    relay.wait_until(lambda: sum(int(n) for n in re.findall(r"(\d+) silent too long",
                                                          relay.stderr_text())) >= SILENT,
                     "the relay to log that it closed %d connections silent too long" % SILENT,
                     timeout=5)

    for p in (a, b):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK)


h.main(scenario, budget=170)
