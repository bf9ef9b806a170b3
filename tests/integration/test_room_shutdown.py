#!/usr/bin/python3
"""
test_room_shutdown: stopping the relay with SIGTERM is graceful.

Proves: with three members chatting (run with --reconnect-for 0, so that
they do not wait for the relay to come back), SIGTERM makes the relay
tell every member and exit 0 within a few seconds; each member prints a
'sotto: ' error on stderr saying the relay is shutting down (or closed
the connection) and exits 4 (connection ended by the other side); nothing
is printed as a message from anyone after the shutdown; the relay logs
its shutdown as timestamped 'TIME LEVEL msg' lines, as every other line
of its log.
"""
import os
import re
import signal
import time

import sotto_harness as h


def scenario(t):
    relay, port = t.relay()
    names = ["alice", "bob", "carol"]
    parties = [t.party(n) for n in names]
    a, inv = t.room_new(parties[0], port, "--reconnect-for", "0")
    procs = [a] + [t.room_join(p, inv, "--reconnect-for", "0") for p in parties[1:]]
    for n, p in zip(names, procs):
        h.wait_in_room(p, [o for o in names if o != n])
    procs[1].send("hello before the shutdown")
    for p in (procs[0], procs[2]):
        p.wait_messages("bob", 1)

    t0 = time.monotonic()
    os.kill(relay.p.pid, signal.SIGTERM)
    for n, p in zip(names, procs):
        p.expect_exit(h.EXIT_CONN, timeout=8, why="the relay shut down")
        err = p.stderr_text()
        t.check(re.search(r"^sotto: .*(shutting down|closed)", err, re.M),
                "%s: no 'sotto: ... shutting down/closed' on stderr: %r" % (n, err))
    rc = relay.expect_exit(0, timeout=8, why="SIGTERM is a graceful stop")
    took = time.monotonic() - t0
    t.log("members out and relay exited %d in %.2f s" % (rc, took))
    t.check(took < 5, "shutdown took %.1f s" % took)
    for n, p in zip(names, procs):
        h.expect_no_stray_lines(t, p, [o for o in names if o != n])
    log = relay.stderr_text().splitlines()
    bad = [l for l in log if not h.RELAY_LOG_RE.match(l)]
    t.check(not bad, "relay log lines not in 'YYYY-mm-ddTHH:MM:SSZ LEVEL msg' form: %r" % bad)
    t.check(any(re.search(r"shut|stop|SIGTERM|signal", l) for l in log),
            "the relay's log does not mention the shutdown: %r" % log[-5:])


h.main(scenario, budget=40)
