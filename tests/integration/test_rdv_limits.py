#!/usr/bin/python3
"""
test_rdv_limits: 1,000 rendezvous claims from one address are limited
without disturbing others.

Proves (issue 11, done-when 3): a tool (tools/rdv_claimer.c) opens 1,000
links to the relay one after another from 127.0.0.2, each claiming a slot
that does not exist; the relay answers "no such slot" only to the first
ones (its per-address burst, RDV_CLAIM_BURST = 10, and what refills while
the flood runs, 10 a minute) and "too many codes tried from your address"
to the rest; meanwhile a host's code, claimed from 127.0.0.1, still
works: the chat goes both ways.
"""
import os
import re
import subprocess

import sotto_harness as h
import rdv_harness as r


def scenario(t):
    alice, bob = t.party("alice"), t.party("bob")
    relay, port = t.relay()
    host, code = r.rdv_host(t, alice, port)
    tool = os.path.join(os.environ.get("SOTTO_TOOLS_DIR", os.path.join(
        os.path.dirname(t.bin), "tests", "tools")), "rdv_claimer")
    t.check(os.access(tool, os.X_OK), "no rdv_claimer tool at %s" % tool)
    res = subprocess.run([tool, h.LOOPBACK, str(port), "127.0.0.2", "1000", "999"],
                         capture_output=True, text=True, timeout=240)
    t.log("claimer: %s %s" % (res.stdout.strip(), res.stderr.strip()))
    t.check(res.returncode == 0, "the claimer failed: %r" % res.stderr)
    m = re.search(r"no_slot=(\d+) expired=(\d+) limited=(\d+) paired=(\d+) other=(\d+)",
                  res.stdout)
    t.check(m is not None, "no counts from the claimer: %r" % res.stdout)
    no_slot, expired, limited, paired, other = (int(x) for x in m.groups())
    t.check(paired == 0, "a flood claim was paired")
    t.check(no_slot >= 10, "fewer than the burst (10) got an answer: %d" % no_slot)
    # The burst, plus 10 a minute for as long as the flood ran (< 4 min).
    t.check(no_slot <= 10 + 40, "the claims were not limited: %d answered" % no_slot)
    t.check(limited >= 1000 - 50 - other, "only %d limited" % limited)
    t.check(other <= 50, "%d claims got neither an answer nor a limit" % other)

    # Another address is not disturbed.
    join = r.rdv_join(t, bob, code, port)
    h.establish(t, host, join, alice, bob)
    join.send("still works")
    t.check(host.wait_messages("bob", 1) == ["still works"], "host got %r" % host.messages_from("bob"))
    host.send("indeed")
    t.check(join.wait_messages("alice", 1) == ["indeed"], "join got %r" % join.messages_from("alice"))
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)
    t.check("too many rendezvous claims from this address" in relay.stderr_text(),
            "the relay did not log the limit")


h.main(scenario, budget=300)
