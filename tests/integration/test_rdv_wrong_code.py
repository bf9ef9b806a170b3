#!/usr/bin/python3
"""
test_rdv_wrong_code: a rendezvous code works once; a wrong one uses it
up; codes expire.

Proves (issue 11, done-when 2 and 3): a joiner with the right slot but
wrong words gets status 3 and a message saying the code was wrong; the
host is told "someone tried a wrong code; here is a new one: CODE2" and
goes on waiting; the first code, now typed right, is refused by the relay
(status 3, "no such code"); the new code then works (a chat both ways); a
joiner without the host's password fails like a wrong code; a code the
host made with --code-expiry 2 is, after it expired, refused with its own
message ("expired code"), status 3, and its host exits with status 4
saying the code expired; with --max-failures 1 the first wrong code
ends the host with status 3; --listen with --relay is a usage error; a
mistyped word is refused before anything is
sent, with the closest word offered (status 2).
"""
import time

import sotto_harness as h
import rdv_harness as r


def scenario(t):
    alice, bob, eve = t.party("alice"), t.party("bob"), t.party("eve")
    relay, port = t.relay()
    host, code = r.rdv_host(t, alice, port)
    wrong = r.wrong_words(code)
    t.log("code %s, trying %s" % (code, wrong))

    # Eve guesses wrong (with the right password: only the words differ).
    guess = r.rdv_join(t, eve, wrong, port, password_file=alice.password_file)
    guess.expect_exit(h.EXIT_AUTH, why="a wrong code")
    t.check("wrong code" in guess.stderr_text() + "\n".join(guess.lines()),
            "the wrong guess was not told so: %r" % guess.stderr_text())
    m = host.wait_line(r.NEW_CODE_RE, what="'someone tried a wrong code; here is a new one'")
    code2 = m.group(1)
    t.check(code2 != code, "the new code is the old one")
    t.check(host.alive(), "the host stopped after a wrong try")

    # The old code, typed right, no longer works.
    late = r.rdv_join(t, bob, code, port)
    late.expect_exit(h.EXIT_AUTH, why="a used-up code")
    t.check("no such code" in late.stderr_text() + "\n".join(late.lines()),
            "the used-up code was not refused as such: %r %r" % (late.lines(), late.stderr_text()))

    # The new one does.
    join = r.rdv_join(t, bob, code2, port)
    h.establish(t, host, join, alice, bob)
    join.send("hello through the relay")
    host.wait_messages("bob", 1)
    host.send("hello back")
    join.wait_messages("alice", 1)
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)

    # No password where the host set one: like a wrong code.
    host, code = r.rdv_host(t, alice, port)
    nopw = r.rdv_join(t, bob, code, port, password_file=False)
    nopw.expect_exit(h.EXIT_AUTH, why="no password where the host set one")
    host.wait_line(r.NEW_CODE_RE, what="a new code after the missing password")
    host.kill()

    # Expiry: the host is told and exits; the code is refused as expired.
    host, code = r.rdv_host(t, alice, port, "--code-expiry", "2")
    host.expect_exit(h.EXIT_CONN, timeout=20, why="its code expired")
    t.check("expired" in host.stderr_text(), "the host was not told: %r" % host.stderr_text())
    late = r.rdv_join(t, bob, code, port)
    late.expect_exit(h.EXIT_AUTH, why="an expired code")
    t.check("expired code" in late.stderr_text(),
            "the expired code's own message is missing: %r" % late.stderr_text())

    # --max-failures 1: the first wrong code ends the host (status 3).
    host, code = r.rdv_host(t, alice, port, "--max-failures", "1")
    guess = r.rdv_join(t, eve, r.wrong_words(code), port, password_file=alice.password_file)
    guess.expect_exit(h.EXIT_AUTH, why="a wrong code")
    host.expect_exit(h.EXIT_AUTH, why="--max-failures 1 and a wrong code")
    t.check("giving up" in host.stderr_text(), "the host did not say why: %r" % host.stderr_text())

    # --listen makes no sense through a relay.
    bad = t.sotto(alice, ["host", "--relay", "127.0.0.1:%d" % port, "--listen", "127.0.0.1"])
    bad.expect_exit(h.EXIT_USAGE, why="--listen with --relay")

    # A mistyped word: refused locally, with a suggestion.
    parts = code.split("-")
    typo = parts[1][:-1] + ("x" if parts[1][-1] != "x" else "y")
    bad = r.rdv_join(t, bob, "-".join([parts[0], typo] + parts[2:]), port)
    bad.expect_exit(h.EXIT_USAGE, why="a mistyped code word")
    t.check("'%s' is not a code word; did you mean '%s'?" % (typo, parts[1]) in bad.stderr_text(),
            "no suggestion for %r: %r" % (typo, bad.stderr_text()))


h.main(scenario, budget=90)
