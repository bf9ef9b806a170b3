#!/usr/bin/python3
"""
test_join_wrong_server: pointed at the wrong kind of server, sotto says
what it found, at once, and the host counts nothing as a guess.

Proves, with the real binaries on 127.0.0.1 (each client in line mode;
each refusal must come well before the 10 s handshake deadline, which is
what a client waiting for a sotto answer would take; the actual times
are logged, not judged finer than that):
(1) 'sotto join' at a relay exits 4 with "HOST:PORT is a sotto relay,
    not a 1:1 host; to join a room use 'sotto join INVITATION'", not
    "wrong password"; the relay keeps serving (a room is made after).
(2) 'sotto room new --relay' at a 1:1 host started with --max-failures 1
    exits 4 with "HOST:PORT is a sotto 1:1 host, not a relay"; the host
    says it refused a relay link, prints no "failed attempt", stays up,
    and the right password then connects on the first try (no penalty).
(3) 'sotto join' at a tiny HTTP server, at a port that sends a banner
    (SSH-like) and at one that accepts and closes: exit 4 with "is not a
    sotto host (it sent \"HTTP/1.1 400 Bad Request\\r\\n...\")", "(it
    sent \"SSH-2.0-...", or "(it closed the connection without sending
    anything".  'room new --relay' at the HTTP server: "is not a sotto
    relay (it sent ...".
(4) 'sotto join' at a port that accepts and stays silent: the handshake
    deadline decides (a slow real host must not be refused), then exit 4
    with "is not answering like a sotto host (it accepted the connection
    but sent nothing in 10 s".
"""
import time

import sotto_harness as h
from fake_server import Fake

FAST = 5.0	# well under the 10 s handshake deadline


def timed_exit(t, p, status, why, timeout=h.DEFAULT_WAIT):
    start = time.monotonic()
    p.expect_exit(status, timeout=timeout, why=why)
    took = time.monotonic() - start
    t.log("%s: exit %d after %.2f s" % (why, status, took))
    return took


def check_err(t, p, text, why):
    err = p.stderr_text() + "\n".join(p.lines())
    t.check(text in err, "%s: expected %r in the output, got stderr %r, stdout %r"
            % (why, text, p.stderr_text(), p.lines()))
    t.check("password" not in err.lower(), "%s: the error speaks of a password: %r" % (why, err))


def scenario(t):
    alice = t.party("alice", "the-right-password-4417")
    bob = t.party("bob", "the-right-password-4417")

    # (1) join at a relay.
    relay, rport = t.relay()
    start = time.monotonic()
    j = t.join(bob, rport)
    took = timed_exit(t, j, h.EXIT_CONN, "join at a relay")
    t.check(time.monotonic() - start < FAST,
            "join at a relay took %.1f s: it waited for a deadline" % (time.monotonic() - start))
    check_err(t, j, "127.0.0.1:%d is a sotto relay, not a 1:1 host; to join a room use "
              "'sotto join INVITATION'" % rport, "join at a relay")
    room, inv = t.room_new(alice, rport)
    t.check(inv.startswith("sotto:"), "no room after the mistaken join")
    room.close_stdin()
    room.expect_exit(h.EXIT_OK)

    # (2) room new --relay at a 1:1 host, which must not count a guess.
    host, hport = t.host(alice, "--max-failures", "1")
    start = time.monotonic()
    m, _ = t.room_new(bob, hport, wait=False)
    timed_exit(t, m, h.EXIT_CONN, "room new --relay at a 1:1 host")
    t.check(time.monotonic() - start < FAST, "room new at a host took %.1f s"
            % (time.monotonic() - start))
    check_err(t, m, "127.0.0.1:%d is a sotto 1:1 host, not a relay" % hport,
              "room new --relay at a 1:1 host")
    host.wait_line(r"^\* connection from 127\.0\.0\.1:\d+ refused: it asked for a relay",
                   what="the host's '* connection from ... refused: it asked for a relay'")
    time.sleep(0.5)
    t.check(host.alive(), "the host (--max-failures 1) exited %s: it counted the relay "
            "link as a failed guess" % host.poll())
    t.check(not any("failed attempt" in l for l in host.lines()),
            "the host counted a failed attempt: %r" % host.lines())
    j = t.join(bob, hport)
    j.send("hello after the relay link")
    j.wait_line(r"^\* connected to alice\b", what="the right password connecting at once")
    h.establish(t, host, j, alice, bob)
    host.wait_messages("bob", 1)
    j.close_stdin()
    j.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)

    # (3) Not sotto at all.
    for kind, sent in (("http", '(it sent "HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0'),
                       ("banner", '(it sent "SSH-2.0-OpenSSH_9.2p1 Debian-2\\r\\n")'),
                       ("close", "(it closed the connection without sending anything")):
        f = Fake(kind)
        start = time.monotonic()
        j = t.join(bob, f.port)
        timed_exit(t, j, h.EXIT_CONN, "join at a %s server" % kind)
        t.check(time.monotonic() - start < FAST, "join at a %s server took %.1f s"
                % (kind, time.monotonic() - start))
        check_err(t, j, "127.0.0.1:%d is not a sotto host %s" % (f.port, sent),
                  "join at a %s server" % kind)
        f.close()
    f = Fake("http")
    m, _ = t.room_new(bob, f.port, wait=False)
    timed_exit(t, m, h.EXIT_CONN, "room new at an HTTP server")
    check_err(t, m, '127.0.0.1:%d is not a sotto relay (it sent "HTTP/1.1 400' % f.port,
              "room new at an HTTP server")
    f.close()

    # (4) Silent: the handshake deadline decides, and says so.
    f = Fake("silent")
    j = t.join(bob, f.port)
    timed_exit(t, j, h.EXIT_CONN, "join at a silent server", timeout=30)
    check_err(t, j, "127.0.0.1:%d is not answering like a sotto host (it accepted the "
              "connection but sent nothing in 10 s" % f.port, "join at a silent server")
    f.close()


h.main(scenario, budget=120)
