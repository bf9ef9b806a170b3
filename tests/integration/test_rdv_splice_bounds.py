#!/usr/bin/python3
"""
test_rdv_splice_bounds: what members of a spliced pair (PROTOCOL §21.7)
can make the relay hold, and the half-close, with tools/rdv_splicer
playing both sides on raw sockets:

- late: the joiner's data and EOF reach the relay before the host's
  SPLICE (sent 2 s late): the relay still takes the host's SPLICE, the
  host gets the joiner's data and the joiner the host's reply before its
  EOF (the relay passed the EOF on as a half-close and kept copying);
- hold: the joiner floods a host that never reads until the relay pauses
  it, then the host sends its EOF and still never reads: the relay ends
  the joiner's side 3 s after passing the EOF on, then drops the host's
  link, whose queue nobody takes, with a reset within its drain bound
  (30 s without progress; the tool waits 50 s) -- before, it waited for
  ever for the queued megabyte to drain, holding it and the socket;
- stall: both flood and neither reads, so each link is paused for the
  other and nothing is heard from either: the relay drops them (its
  bound on output nobody takes: 30 s) instead of holding both for ever;
- slow: the joiner sends 600,000 bytes and its EOF, the host its EOF
  too, and reads slowly (about 100 KB a second): it gets all 600,000,
  the relay's close waiting while it makes progress (before, a 3 s
  linger from the close cut it off).

After all four the relay is alive and pairs a real host and joiner,
who chat.
"""
import os
import subprocess

import sotto_harness as h
import rdv_harness as r

EXPECT = {
    "late": ["late: host got JOINER-DATA", "late: joiner got HOST-REPLY"],
    "hold": ["hold: reset after "],
    "slow": ["slow: got 600000 bytes"],
    "stall": ["stall: dropped after "],
}


def scenario(t):
    relay, port = t.relay("--no-puzzle")
    tool = os.path.join(os.environ.get("SOTTO_TOOLS_DIR", os.path.join(
        os.path.dirname(t.bin), "tests", "tools")), "rdv_splicer")
    t.check(os.access(tool, os.X_OK), "no rdv_splicer tool at %s" % tool)
    for mode in ("late", "slow", "hold", "stall"):
        res = subprocess.run([tool, str(port), mode], capture_output=True,
                             text=True, timeout=90)
        t.log("%s: %s%s" % (mode, res.stdout.strip(), (" / " + res.stderr.strip())
                            if res.stderr.strip() else ""))
        t.check(res.returncode == 0, "rdv_splicer %s: exit %d: %r"
                % (mode, res.returncode, res.stderr))
        for want in EXPECT[mode]:
            t.check(any(l.startswith(want) for l in res.stdout.splitlines()),
                    "rdv_splicer %s: wanted %r, got %r" % (mode, want, res.stdout))
    t.check(relay.alive(), "the relay died")
    alice = t.party("alice", "Marigold-Stapler-Orbit-4410")
    bob = t.party("bob", "Marigold-Stapler-Orbit-4410")
    host, code = r.rdv_host(t, alice, port)
    join = r.rdv_join(t, bob, code, port)
    h.establish(t, host, join, alice, bob)
    join.send("still serving")
    t.check(host.wait_messages(bob.name, 1) == ["still serving"], "no chat after the abuse")
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)


h.main(scenario, budget=240)
