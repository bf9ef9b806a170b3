#!/usr/bin/python3
"""
test_room_bot: a program that pipes lines into 'sotto join' and ends its
input at once (the README's bot) loses nothing.

Proves: 'printf "hello\\n" | sotto join --invite-file F --name bot' delivers
'bot: hello' to both members present (no 'could not be read' notice: the
line waits until the bot has handed its sender key to every member
listed), and exits 0 only after the relay acknowledged it; 'seq 1 500 |
sotto join ...' delivers all 500 lines, in order, exactly once, to both,
and exits 0; neither member sees any anomaly notice.
"""
import os
import subprocess

import sotto_harness as h

N = 500


def bot(t, name, data, inv_file, timeout):
    """Runs 'sotto join --invite-file F --name NAME --plain' with data as
    its whole stdin (a pipe that ends at once); returns (status, stdout,
    stderr)."""
    party = t.party(name)
    argv = [t.bin, "join", "--invite-file", inv_file, "--name", name, "--plain"]
    try:
        r = subprocess.run(argv, input=data, env=party.env(), timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           start_new_session=True)
    except subprocess.TimeoutExpired as e:
        raise h.Failure("%s still running after %d s\nstdout:\n%s\nstderr:\n%s"
                        % (name, timeout, h._show(e.stdout or b""), h._show(e.stderr or b"")))
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def scenario(t):
    relay, port = t.relay()
    alice, bob = t.party("alice"), t.party("bob")
    a, inv = t.room_new(alice, port)
    b = t.room_join(bob, inv)
    h.wait_joined(b, "bob")
    h.wait_in_room(a, ["bob"])
    h.wait_in_room(b, ["alice"])

    rc, out, err = bot(t, "bot", b"hello\n", a.invite_file, 30)
    t.check(rc == h.EXIT_OK, "bot: exit status %d\nstdout:\n%s\nstderr:\n%s" % (rc, out, err))
    for p in (a, b):
        p.wait_messages("bot", 1)
        t.check(p.messages_from("bot") == ["hello"], "%s got %r from bot"
                % (p.label, p.messages_from("bot")))

    data = "".join("%d\n" % i for i in range(1, N + 1)).encode()
    rc, out, err = bot(t, "counter", data, a.invite_file, 60)
    t.check(rc == h.EXIT_OK, "counter: exit status %d\nstdout:\n%s\nstderr:\n%s"
            % (rc, out[-2000:], err[-2000:]))
    want = [str(i) for i in range(1, N + 1)]
    for p in (a, b):
        p.wait_messages("counter", N, timeout=30)
        h.check_exactly(t, p, "counter", want)
        t.check(not h.anomalies(p), "%s: anomaly notices %r" % (p.label, h.anomalies(p)[:5]))
    for p in (a, b):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK, why="stdin ended")


h.main(scenario, budget=120)
