#!/usr/bin/python3
"""
test_rdv_splice: a spliced 1:1 chat through a relay (PROTOCOL §21.7)
survives what a direct chat survives and fails as a direct chat fails.

With the adversarial proxy between the joiner and the relay (so it sees
the joiner's link records up to SPLICE, then the 1:1 channel's own
frames; the host connects to the relay directly):

- volume: 3,000 lines piped into the joiner and 500 into the host reach
  the other side all, once, in order, while the relay is frozen
  (SIGSTOP) for 2 s in the middle: flow control and the copy lose and
  duplicate nothing;
- tamper: a bit flipped in the joiner's record carrying its 3rd line,
  after the splice, is detected by the host (exit 4, a 'sotto: ' error),
  which printed exactly lines 1 and 2 and nothing else; the joiner then
  exits 4 too (the relay passed the host's close on);
- relay gone: the relay SIGKILLed mid-chat ends both sides with exit 4
  and an error within the dead-peer bound, instead of leaving them
  waiting.
"""
import re
import signal
import time

import sotto_harness as h
import rdv_harness as r

J = 2		# 0-based index of the attacked line
K = 8


def frames_seen(proxy, direction, ftype=0x10):
    rx = re.compile(r"^proxy: \[[\d.]+\] #\d+ %s frame \d+ type 0x%02x " % (direction, ftype))
    return sum(1 for l in proxy.stderr_text().splitlines() if rx.match(l))


def pair(t, alice, bob, rport, jport=None):
    """The host straight to the relay, the joiner through jport (the
    proxy, whose c2s direction is then the joiner's alone)."""
    host, code = r.rdv_host(t, alice, rport)
    join = r.rdv_join(t, bob, code, jport or rport)
    h.establish(t, host, join, alice, bob)
    return host, join


def spliced(t, relay):
    return " (spliced)" in relay.stderr_text()


def volume(t, alice, bob):
    relay, rport = t.relay(label="relay-volume")
    proxy, pport = t.proxy(rport, "none")
    host, join = pair(t, alice, bob, rport, pport)
    t.check(spliced(t, relay), "the pair was not spliced")
    up = ["up %05d %s" % (i, "x" * (i % 90)) for i in range(3000)]
    down = ["down %04d" % i for i in range(500)]
    for i, m in enumerate(up):
        join.send(m)
        if i == 1500:
            h.signal_proc(relay, signal.SIGSTOP)
            for d in down:
                host.send(d)
            time.sleep(2)
            h.signal_proc(relay, signal.SIGCONT)
    got = host.wait_messages(bob.name, len(up), timeout=60)
    t.check(got == up, "the host got %d lines, not the 3,000 in order (first difference at %s)"
            % (len(got), next((i for i, (a, b) in enumerate(zip(got, up)) if a != b), len(got))))
    got = join.wait_messages(alice.name, len(down), timeout=30)
    t.check(got == down, "the joiner got %d lines, not the 500 in order" % len(got))
    join.close_stdin()
    join.expect_exit(h.EXIT_OK, why="the joiner left")
    host.wait_line(r"^\* %s left$" % bob.name, what="'* bob left'")
    host.expect_exit(h.EXIT_OK, why="the joiner left cleanly")
    h.expect_no_stray_lines(t, host, [bob.name])
    h.expect_no_stray_lines(t, join, [alice.name])
    proxy.kill()
    relay.kill()


def calibrate(t, alice, bob):
    """Records the joiner sends, link records and channel records
    together, before its first line (as test_tamper does)."""
    relay, rport = t.relay(label="relay-calibrate")
    proxy, pport = t.proxy(rport, "none")
    host, join = pair(t, alice, bob, rport, pport)
    time.sleep(0.5)
    pre = frames_seen(proxy, "c2s")
    join.send("through the proxy")
    host.wait_messages(bob.name, 1)
    time.sleep(0.6)
    t.check(frames_seen(proxy, "c2s") == pre + 1,
            "one line did not make exactly one record (%d before, %d after)"
            % (pre, frames_seen(proxy, "c2s")))
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)
    proxy.kill()
    relay.kill()
    t.log("joiner's records before its first line: %d" % pre)
    return pre


def tamper(t, alice, bob, pre):
    relay, rport = t.relay(label="relay-tamper")
    proxy, pport = t.proxy(rport, "flip", "c2s", nth=pre + J + 1)
    host, join = pair(t, alice, bob, rport, pport)
    sent = ["bob line %d of %d" % (i + 1, K) for i in range(K)]
    for m in sent:
        join.send(m)
    host.expect_exit(h.EXIT_CONN, why="a flipped bit must be detected")
    err = host.stderr_text()
    t.check(err.startswith("sotto: "), "no 'sotto: ' error from the host: %r" % err)
    join.expect_exit(h.EXIT_CONN, why="the host dropped the chat after the flip")
    got = host.messages_from(bob.name)
    t.check(got == sent[:J], "the host printed %r, expected exactly %r" % (got, sent[:J]))
    h.expect_no_stray_lines(t, host, [bob.name])
    h.expect_no_stray_lines(t, join, [alice.name])
    proxy.wait_stderr("<- flip")
    proxy.kill()
    relay.kill()


def relay_dies(t, alice, bob):
    relay, rport = t.relay(label="relay-dies")
    host, join = pair(t, alice, bob, rport)
    join.send("before the relay went")
    host.wait_messages(bob.name, 1)
    relay.kill()
    t0 = time.monotonic()
    for p in (host, join):
        p.expect_exit(h.EXIT_CONN, timeout=40, why="the relay was killed")
        t.check(p.stderr_text().startswith("sotto: "), "%s: no 'sotto: ' error: %r"
                % (p.label, p.stderr_text()))
    t.log("both ended %.1f s after the relay was killed" % (time.monotonic() - t0))


def scenario(t):
    pw = "Albatross-Quince-Lantern-5519"
    alice = t.party("alice", pw)
    bob = t.party("bob", pw)
    volume(t, alice, bob)
    pre = calibrate(t, alice, bob)
    tamper(t, alice, bob, pre)
    relay_dies(t, alice, bob)


h.main(scenario, budget=150)
