#!/usr/bin/python3
"""
test_leave: every way of leaving a chat ends it the right way on both
sides.

Proves: a '/quit', 'bye' or 'exit' line (from the joiner, and from the
host), or the end of the host's stdin, makes that side leave with stdin
still open: both exit 0, the other side prints '* NAME left', and a line
written after the leave command is never delivered.  A peer that is
killed (SIGKILL, no clean close) makes the other side, when it does not
wait for a resumption (--reconnect-for 0), exit 4 with a 'sotto: ' error
saying the connection was cut (test_reconnect covers the default, where
the cut is an interruption).
"""
import os
import signal

import sotto_harness as h


def session(t, alice, bob, *extra):
    host, port = t.host(alice, *extra)
    join = t.join(bob, port, *extra)
    h.establish(t, host, join, alice, bob)
    return host, join


def leave_by(t, alice, bob, side, how):
    t.log("%s leaves with %r" % (side, how))
    host, join = session(t, alice, bob)
    leaver, stayer, lname = (join, host, "bob") if side == "join" else (host, join, "alice")
    leaver.send("before leaving")
    stayer.wait_messages(lname, 1)
    if how is None:
        leaver.close_stdin()
    else:
        leaver.send(how)
        leaver.send("after the leave command")	# must never arrive
    leaver.expect_exit(h.EXIT_OK, why="left with %r" % how)
    stayer.wait_line(r"^\* %s left$" % lname, what="'* %s left'" % lname)
    stayer.expect_exit(h.EXIT_OK, why="the peer left cleanly")
    got = stayer.messages_from(lname)
    t.check(got == ["before leaving"] or got == ["before leaving", how],
            "after %r the peer showed %r" % (how, got))
    h.expect_no_stray_lines(t, host, ["bob"])
    h.expect_no_stray_lines(t, join, ["alice"])


def killed(t, alice, bob, side):
    t.log("%s is killed" % side)
    host, join = session(t, alice, bob, "--reconnect-for", "0")
    victim, stayer = (join, host) if side == "join" else (host, join)
    os.killpg(victim.p.pid, signal.SIGKILL)
    stayer.expect_exit(h.EXIT_CONN, why="the peer vanished without a clean close")
    err = stayer.stderr_text()
    t.check(any(l.startswith("sotto: ") and "cut" in l for l in err.splitlines()),
            "%s: no 'sotto: ... cut' error: %r" % (stayer.label, err))


def scenario(t):
    alice, bob = t.party("alice"), t.party("bob")
    for how in ("/quit", "bye", "exit"):
        leave_by(t, alice, bob, "join", how)
    for how in ("/quit", "bye", None):
        leave_by(t, alice, bob, "host", how)
    killed(t, alice, bob, "join")
    killed(t, alice, bob, "host")


h.main(scenario, budget=60)
