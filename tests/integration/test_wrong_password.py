#!/usr/bin/python3
"""
test_wrong_password: a wrong room password is detected and reported, and
does not break the host for the right person.

Proves: (1) with --max-failures 1, a joiner with the wrong password exits
3 with an error mentioning the password, the host prints
'* failed attempt from 127.0.0.1...' and exits 3; neither side shows a
message.  (2) Without --max-failures the host prints the failed attempt
and keeps waiting; a joiner with the right password, retried for up to
10 s (the host may delay or refuse an immediate retry from the same
address), then chats normally and both exit 0.
"""
import time

import sotto_harness as h


def scenario(t):
    alice = t.party("alice", "the-right-password-4417")
    mallory = t.party("bob", "a-wrong-password-0000")

    # (1) --max-failures 1: the host gives up after one failure.
    host, port = t.host(alice, "--max-failures", "1")
    join = t.join(mallory, port)
    join.send("should never arrive")
    join.expect_exit(h.EXIT_AUTH, why="wrong password")
    t.check("password" in join.stderr_text().lower(),
            "joiner's stderr does not mention the password: %r" % join.stderr_text())
    t.check(join.stderr_text().startswith("sotto: "),
            "joiner's error is not prefixed 'sotto: ': %r" % join.stderr_text())
    host.wait_line(r"^\* failed attempt from 127\.0\.0\.1", what="'* failed attempt from 127.0.0.1'")
    host.expect_exit(h.EXIT_AUTH, why="--max-failures 1 reached")
    for p in (host, join):
        t.check(not any(":" in l and not l.startswith("* ") for l in p.lines()),
                "%s printed a message line: %r" % (p.label, p.lines()))

    # (2) Default: the host keeps waiting after a failure.
    host, port = t.host(alice)
    bad = t.join(mallory, port)
    bad.send("should never arrive either")
    bad.expect_exit(h.EXIT_AUTH, why="wrong password")
    host.wait_line(r"^\* failed attempt from 127\.0\.0\.1", what="'* failed attempt from 127.0.0.1'")
    time.sleep(0.3)
    t.check(host.alive(), "host exited (status %s) after one failed attempt" % host.poll())

    bob = t.party("bob", "the-right-password-4417")
    deadline = time.monotonic() + 10
    attempt = 0
    while True:
        attempt += 1
        join = t.join(bob, port)
        join.send("hello after the failure")
        try:
            join.wait_line(r"^\* connected to alice\b", timeout=max(0.5, deadline - time.monotonic()),
                           what="'* connected to alice'")
            break
        except h.Failure:
            rc = join.poll()
            if rc is None or time.monotonic() >= deadline:
                raise h.Failure("a correct join did not succeed within 10 s of a failed "
                                "attempt (%d attempts; last status %s)" % (attempt, rc))
            t.check(rc != h.EXIT_AUTH,
                    "the right password was rejected as wrong (exit 3) on attempt %d" % attempt)
            time.sleep(0.3)
    t.log("correct join connected on attempt %d" % attempt)
    h.establish(t, host, join, alice, bob)
    host.wait_messages("bob", 1)
    host.send("welcome")
    join.wait_messages("alice", 1)
    t.check(host.messages_from("bob") == ["hello after the failure"],
            "host shows %r" % host.messages_from("bob"))
    t.check(join.messages_from("alice") == ["welcome"], "joiner shows %r" % join.messages_from("alice"))
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)


h.main(scenario, budget=60)
