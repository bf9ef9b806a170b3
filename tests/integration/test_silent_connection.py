#!/usr/bin/python3
"""
test_silent_connection: a connection that says nothing blocks nobody and
is dropped after the 10 s handshake deadline.

Proves: (1) while a raw TCP connection to the host sits silent, a real
joiner connects at once and messages flow both ways (handshakes are
handled concurrently); once the chat is established the pending silent
connection is closed by the host (an abort frame before the close is
fine), and the chat ends cleanly.  (2) On a host with no chat, a silent
connection, one that sent only half a frame header, and a real joiner
whose records stop after key confirmation (proxy.py 'stall' on its
identity record, so the handshake never completes) are all closed by the
host 9-13 s after they were opened, with nothing sent on the first two
before the close (a timeout puts nothing on the wire; the stalled joiner
exits 4 and never
shows a chat), the host keeps running, and a real join afterwards works.
Bounded to well under 30 s.
"""
import socket
import time

import sotto_harness as h


def open_silent(t, port):
    s = socket.create_connection((h.LOOPBACK, port), timeout=5)
    t.cleanups.append(s.close)
    return s


def wait_closed(t, s, by, what):
    """Reads until end of file (or a reset) before monotonic time 'by';
    returns the time it closed and the bytes received."""
    got = b""
    while True:
        left = by - time.monotonic()
        if left <= 0:
            raise h.Failure("%s: still open (received %r)" % (what, got))
        s.settimeout(left)
        try:
            data = s.recv(4096)
        except ConnectionResetError:
            return time.monotonic(), got
        except socket.timeout:
            continue
        if not data:
            return time.monotonic(), got
        got += data


def chat(t, alice, bob, host, port, first):
    """Starts bob's join, checks one message each way; returns the join."""
    join = t.join(bob, port)
    join.send(first)
    h.establish(t, host, join, alice, bob, timeout=5)
    host.wait_messages("bob", 1, timeout=5)
    host.send("hi bob")
    join.wait_messages("alice", 1, timeout=5)
    return join


def scenario(t):
    alice, bob = t.party("alice"), t.party("bob")

    # (1) A silent connection does not delay a real join.
    host, port = t.host(alice)
    silent = open_silent(t, port)
    opened = time.monotonic()
    time.sleep(0.3)
    join = chat(t, alice, bob, host, port, "hello while someone is silent")
    t.check(time.monotonic() - opened < 5,
            "the real join took %.1f s with a silent connection pending" % (time.monotonic() - opened))
    closed, got = wait_closed(t, silent, opened + 13, "the silent connection during a chat")
    t.log("silent connection closed %.1f s after it opened, during the chat (got %r)"
          % (closed - opened, got))
    join.send("still here")
    host.wait_until(lambda: host.messages_from("bob")[-1:] == ["still here"], "'bob: still here'")
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)

    # (2) The 10 s handshake deadline.
    host, port = t.host(alice)
    silent = open_silent(t, port)
    opened = time.monotonic()
    half = open_silent(t, port)
    half.sendall(b"\x01\x01\x00")		# three bytes of a HELLO header
    proxy, pport = t.proxy(port, "stall", "c2s", nth=1)
    stalled = t.join(t.party("stalled"), pport)
    stalled.send("must never arrive")
    stalled_at = time.monotonic()
    res = {}
    for s, what in ((silent, "silent"), (half, "half a header")):
        closed, got = wait_closed(t, s, opened + 14, "the %s connection" % what)
        res[what] = closed - opened
        t.log("%s connection closed after %.1f s (got %r)" % (what, closed - opened, got))
        # A handshake timeout puts nothing on the wire (PROTOCOL §5.6).
        t.check(got == b"", "the %s connection got %r before its timeout close"
                % (what, got))
    rc = stalled.wait_exit(max(0.1, stalled_at + 14 - time.monotonic()))
    res["stalled joiner's"] = time.monotonic() - stalled_at
    t.log("stalled joiner exited %s after %.1f s" % (rc, res["stalled joiner's"]))
    t.check(rc == h.EXIT_CONN, "the stalled joiner exited %s, expected 4" % rc)
    t.check(stalled.safety_number() is None and not stalled.messages_from("alice"),
            "the stalled joiner showed a chat: %r" % stalled.lines())
    proxy.wait_stderr("<- stall")
    for what, after in res.items():
        t.check(9 <= after <= 13, "the %s connection was closed after %.1f s, expected about 10 s"
                % (what, after))
    t.check(host.alive(), "the host exited (status %s) after dropping silent connections"
            % host.poll())
    join = chat(t, alice, bob, host, port, "hello after the silent ones")
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)
    t.check(host.messages_from("stalled") == [], "the stalled joiner's message arrived")
    for p in (host, join, stalled):
        h.expect_no_stray_lines(t, p, ["bob", "alice"])


h.main(scenario, budget=30)
