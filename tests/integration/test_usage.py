#!/usr/bin/python3
"""
test_usage: the command line's help, version and usage errors.

Proves: 'sotto --help' exits 0 and describes the exit statuses (0, 2, 3,
4, 5); 'sotto --version' exits 0 and prints a version number; an unknown
option, an unknown subcommand, 'sotto join' without a host, and a bad
port number each exit 2, promptly and without touching the network
(stdin is /dev/null), with an error line starting 'sotto: ' on stderr.
"""
import re

import sotto_harness as h


def run(t, args, expect, what):
    p = t.sotto(t.party("u%d" % (t.n + 1)), args, label="sotto " + " ".join(args), stdin=False)
    p.expect_exit(expect, timeout=5, why=what)
    return p


def scenario(t):
    p = run(t, ["--help"], h.EXIT_OK, "--help")
    text = p.stdout_bytes().decode("utf-8", "replace")
    t.check(re.search(r"\bexit", text, re.I), "--help does not mention exit statuses:\n" + text)
    for n in "02345":
        t.check(re.search(r"(?<![\d:.])%s(?![\d:.])" % n, text),
                "--help does not mention exit status %s:\n%s" % (n, text))
    t.check("host" in text and "join" in text, "--help does not mention host and join")

    p = run(t, ["--version"], h.EXIT_OK, "--version")
    t.check(re.search(r"\d+\.\d+", p.stdout_bytes().decode("utf-8", "replace")),
            "--version prints no version number: %r" % p.stdout_bytes())

    problems = []
    for args, what in ((["--no-such-option"], "unknown option"),
                       (["frobnicate"], "unknown subcommand"),
                       (["join"], "join without a host"),
                       (["join", "127.0.0.1", "extra"], "join with two hosts"),
                       (["host", "--bogus"], "unknown host option"),
                       (["host", "--port", "notaport"], "non-numeric port"),
                       (["host", "--port", "70000"], "port out of range"),
                       (["join", "127.0.0.1:1", "--bogus"], "unknown join option")):
        p = run(t, args, h.EXIT_USAGE, what)
        # The error itself is a 'sotto: ' line; a usage text may follow.
        if not any(l.startswith("sotto: ") for l in p.stderr_text().splitlines()):
            problems.append("'sotto %s' (%s): no 'sotto: ' error line on stderr"
                            % (" ".join(args), what))
    t.check(not problems, "; ".join(problems))


h.main(scenario, budget=30)
