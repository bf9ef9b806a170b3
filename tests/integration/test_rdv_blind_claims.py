#!/usr/bin/python3
"""
test_rdv_blind_claims: a stranger who knows no code cannot keep a relayed
host guessing for ever.

Slot numbers are small and given out in order, so anyone can claim a
host's slot by its number alone; each claim uses the code up (the host
gets a new one), and, for one who runs the handshake, is one guess at
1 in 65,536.  Proves: a claim of the host's slot number from 127.0.0.2
by tools/rdv_claimer (no words, no handshake) pairs with the host, which
then says the joiner went away and prints a new code under a new
number.  The claims come 6.5 s apart, slower than the relay's bucket of
new slots per address refills (10 a minute), so that bucket never stops
the host: without a bound of its own it would go on for ever.  After RDV_DEFAULT_MAX_FAILURES (10) codes used up so, with no
--max-failures given, the host gives up with status 3 and says why,
instead of handing out codes to the stranger without end.
"""
import os
import re
import subprocess
import time

import sotto_harness as h
import rdv_harness as r

DEFAULT_MAX_FAILURES = 10
PACE = 6.5


def scenario(t):
    alice = t.party("alice")
    relay, port = t.relay()
    host, code = r.rdv_host(t, alice, port)
    tool = os.path.join(os.environ.get("SOTTO_TOOLS_DIR", os.path.join(
        os.path.dirname(t.bin), "tests", "tools")), "rdv_claimer")
    t.check(os.access(tool, os.X_OK), "no rdv_claimer tool at %s" % tool)
    seen = [code]
    def new_codes():
        return [l for l in host.lines() if re.match(r.NEW_CODE_RE, l)]

    for i in range(DEFAULT_MAX_FAILURES):
        slot = code.split("-")[0]
        n = len(new_codes())
        res = subprocess.run([tool, h.LOOPBACK, str(port), "127.0.0.2", "1", slot],
                             capture_output=True, text=True, timeout=60)
        t.check(res.returncode == 0 and "paired=1" in res.stdout,
                "claim %d of slot %s: %r %r" % (i + 1, slot, res.stdout, res.stderr))
        if i + 1 == DEFAULT_MAX_FAILURES:
            break
        time.sleep(PACE)
        host.wait_until(lambda: len(new_codes()) > n, "new code %d" % (i + 1),
                        timeout=30)
        code = re.match(r.NEW_CODE_RE, new_codes()[-1]).group(1)
        t.check(code not in seen, "code %s given twice" % code)
        seen.append(code)
    host.expect_exit(h.EXIT_AUTH, timeout=30,
                     why="%d codes used up with no --max-failures" % DEFAULT_MAX_FAILURES)
    t.check("%d codes used up" % DEFAULT_MAX_FAILURES in host.stderr_text(),
            "the host did not say why it gave up: %r" % host.stderr_text())


h.main(scenario, budget=240)
