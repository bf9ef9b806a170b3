#!/usr/bin/python3
"""
test_host_serves: the host keeps serving conversation after conversation,
and a side killed with SIGKILL is reported as a cut, not an ending
(issue 8, 1:1).

Proves: (1) after the joiner /quits, the host (no --once) prints
'* bob left' and waits; a second joiner with the same password gets into
the same host process and chats; the host's own /quit then ends it with
status 0.  (2) A joiner killed with SIGKILL: the host says the connection
was cut and '* connection lost; reconnecting…', and keeps running; a new
joiner with the password then starts a new conversation (the host says
the cut one is over).  (3) A host killed with SIGKILL: the joiner says
the connection was cut, keeps running and retries; lines typed meanwhile
are kept; a host restarted on the same port is a new conversation: the
joiner is told so ('no longer has this conversation'), lists the lines
never delivered, and exits 4.  (4) With --reconnect-for 3 and the host
gone, the joiner gives up after 3 s, lists the undelivered lines, and
exits 4.  (5) The joiner's input ends during a cut: it reconnects,
delivers the lines typed meanwhile, then leaves cleanly (status 0; the
host shows the lines, then '* bob left').
"""
import os
import signal
import time

import sotto_harness as h

LOST = r"^\* connection lost; reconnecting\u2026$"


def chat_once(t, host, join, hp, jp, text):
    join.wait_line(r"^\* connected to %s\b" % hp.name)
    join.send(text)
    host.wait_until(lambda: text in host.messages_from(jp.name), "%r at the host" % text)
    time.sleep(0.6)	# its ACK (within 200 ms) reaches the joiner


def scenario(t):
    alice, bob, carol = t.party("alice"), t.party("bob"), t.party("carol")
    for p in (bob, carol):
        p.set_password(alice.password)

    # (1) Conversation after conversation in one host process.
    host, port = t.host(alice, once=False)
    j1 = t.join(bob, port)
    chat_once(t, host, j1, alice, bob, "hello from bob")
    j1.send("/quit")
    j1.expect_exit(h.EXIT_OK)
    host.wait_line(r"^\* bob left$")
    host.wait_line(r"^\* waiting for the next conversation")
    t.check(host.alive(), "the host exited after its first conversation")
    j2 = t.join(carol, port)
    chat_once(t, host, j2, alice, carol, "hello from carol")
    host.send("welcome carol")
    j2.wait_messages("alice", 1)
    t.check(j2.messages_from("alice") == ["welcome carol"], "carol got %r" % j2.messages_from("alice"))

    # (2) The joiner is killed: the host waits, then serves the next one.
    os.killpg(j2.p.pid, signal.SIGKILL)
    host.wait_line(LOST, what="the host's '* connection lost; reconnecting…'")
    host.wait_stderr("the connection was cut")
    t.check(host.alive(), "the host exited when its joiner was killed")
    j3 = t.join(bob, port)
    j3.wait_line(r"^\* connected to alice\b")
    host.wait_line(r"the conversation that was cut is over, a new one begins")
    j3.send("bob again")
    host.wait_until(lambda: "bob again" in host.messages_from("bob"), "'bob again' at the host")
    host.send("/quit")
    host.expect_exit(h.EXIT_OK, why="the host's own /quit")
    j3.wait_line(r"^\* alice left$")
    j3.expect_exit(h.EXIT_OK)

    # (3) The host is killed and restarted on the same port.
    host, port = t.host(alice)
    j4 = t.join(bob, port)
    chat_once(t, host, j4, alice, bob, "before the crash")
    os.killpg(host.p.pid, signal.SIGKILL)
    j4.wait_line(LOST, what="the joiner's '* connection lost; reconnecting…'")
    j4.wait_stderr("the connection was cut")
    j4.send("typed while the host is gone")
    t.check(j4.alive(), "the joiner exited when the host was killed")
    host2, _ = t.host(alice, port=port)
    j4.wait_line(r"no longer has this conversation", timeout=40,
                 what="the joiner being told the host restarted")
    j4.expect_exit(h.EXIT_CONN)
    t.check("bob: typed while the host is gone" in j4.lines(),
            "the undelivered line was not listed: %r" % j4.lines())
    t.check(host2.messages_from("bob") == [], "the new host showed old lines")
    host2.kill()

    # (4) The reconnection window runs out.
    host, port = t.host(alice)
    j5 = t.join(bob, port, "--reconnect-for", "3")
    chat_once(t, host, j5, alice, bob, "short window")
    os.killpg(host.p.pid, signal.SIGKILL)
    j5.wait_line(LOST)
    j5.send("never to arrive 1")
    j5.send("never to arrive 2")
    j5.wait_line(r"^\* no reconnection within 3 s: the conversation is over$", timeout=10)
    j5.expect_exit(h.EXIT_CONN)
    j5.wait_line(r"^\* 2 lines were never delivered:$")
    t.check(j5.lines()[-2:] == ["bob: never to arrive 1", "bob: never to arrive 2"],
            "the undelivered lines: %r" % j5.lines()[-3:])

    # (5) End of input during a cut: the joiner leaves only once its
    # lines are delivered.
    host, port = t.host(alice)
    proxy, pport = t.proxy(port, outage=3)
    j6 = t.join(bob, pport)
    chat_once(t, host, j6, alice, bob, "before the outage")
    h.outage_start(proxy)
    j6.wait_line(LOST)
    j6.send("last words 1")
    j6.send("last words 2")
    j6.close_stdin()
    j6.expect_exit(h.EXIT_OK, timeout=30, why="its lines were delivered after the cut")
    host.wait_line(r"^\* bob left$")
    t.check(host.messages_from("bob") == ["before the outage", "last words 1", "last words 2"],
            "the host got %r" % host.messages_from("bob"))
    host.expect_exit(h.EXIT_OK)


h.main(scenario, budget=120)
