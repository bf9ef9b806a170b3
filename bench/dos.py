#!/usr/bin/python3
"""
dos.py: the relay under the attacks of issue 9, findings 1 and 3, at full
scale (bench/dos.sh runs it).  For each case a fresh `sotto relay` with
its default limits, two members (alice and bob) in a room, alice pinging
bob every 20 ms (a ping's latency: alice's stdin to bob's stdout, both
seen by this process), then the attack (bench/flood.c), then a newcomer:
the time from starting `sotto join` to '* joined the room', and to alice
printing the newcomer's first message (sent once the newcomer has seen
'* alice is in the room').  Cases:

  calm        no attack (the peer every other case is read against)
  silent-1    20,000 silent connections from 127.0.0.2
  silent-200  20,000 silent connections from 127.0.0.2 ... 127.0.0.201
  junk        4,000 concurrent junk handshakes from 250 addresses
              (127.0.1.0 ...), each dropping the CHALLENGE it gets
  junk-solve  the same, but the attacker pays every puzzle

A benchmark, not a test: it prints figures and judges nothing.  Every
wait is bounded.  Loopback only.
"""
import os
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(here), "tests", "integration"))
import sotto_harness as h  # noqa: E402

FLOOD = os.environ.get("SOTTO_FLOOD_BIN") or os.path.join(
    os.path.dirname(h.sotto_bin()), "bench", "bench_flood")
SECONDS = int(os.environ.get("DOS_SECONDS", "12"))
# DOS_ATTACKER_NICE=19 runs the attacker at the lowest CPU priority: a
# stand-in for an attacker on another machine (this one has 2 CPUs for
# the relay, the members, this script and the attacker).
NICE = (["nice", "-n", os.environ["DOS_ATTACKER_NICE"]]
        if os.environ.get("DOS_ATTACKER_NICE") else [])
# DOS_BASE_BIN=PATH: also run the cases on that sotto (the relay before
# the fix), for the side-by-side columns.
BASE_BIN = os.environ.get("DOS_BASE_BIN")
CASES = os.environ.get("DOS_CASES", "calm silent-1 silent-200 junk junk-solve").split()


class Lines:
    """New complete stdout lines of a Proc, with the time they were seen."""

    def __init__(self, proc):
        self.proc, self.off, self.part = proc, 0, b""

    def new(self):
        b = self.proc.stdout_bytes()
        chunk, self.off = b[self.off:], len(b)
        data = self.part + chunk
        lines = data.split(b"\n")
        self.part = lines.pop()
        return [l.decode("utf-8", "replace") for l in lines]


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100.0))]


def floods(case, port):
    """The attack processes for a case (already started)."""
    def run(*args):
        return subprocess.Popen(NICE + [FLOOD] + list(args) + ["--port", str(port),
                                "--seconds", str(SECONDS + 6)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
    if case == "silent-1":
        # Two processes: one may hold only RLIMIT_NOFILE descriptors.
        return [run("silent", "--conns", "10000", "--src", "127.0.0.2"),
                run("silent", "--conns", "10000", "--src", "127.0.0.2")]
    if case == "silent-200":
        return [run("silent", "--conns", "10000", "--src", "127.0.0.2", "--nsrc", "100"),
                run("silent", "--conns", "10000", "--src", "127.0.0.102", "--nsrc", "100")]
    if case == "junk":
        return [run("junk", "--conc", "4000", "--src", "127.0.1.0", "--nsrc", "250")]
    if case == "junk-solve":
        return [run("junk", "--conc", "4000", "--src", "127.0.1.0", "--nsrc", "250", "--solve")]
    return []


def one_case(t, case):
    relay, port = t.relay(label="relay(%s)" % case)
    a, inv = t.room_new(t.party("alice"), port)
    b = t.room_join(t.party("bob"), inv)
    h.wait_joined(b, "bob")
    h.wait_in_room(a, ["bob"])
    h.wait_in_room(b, ["alice"])
    bl = Lines(b)
    al = Lines(a)
    bl.new()
    al.new()
    fl = floods(case, port)
    sent, lat = {}, []
    i, start = 0, time.monotonic()
    next_send = start
    newcomer = None
    join_t = joined_t = said_t = None
    greeted = False
    end = start + SECONDS
    while True:
        now = time.monotonic()
        if now >= end and (len(lat) == len(sent) or now > end + 5) and \
                (said_t is not None or now > end + 5):
            break
        if now >= next_send and now < end:
            a.send("ping %d" % i)
            sent[i] = now
            i += 1
            next_send += 0.02
        for l in bl.new():
            if l.startswith("alice: ping "):
                k = int(l.split()[2])
                lat.append(time.monotonic() - sent[k])
        # The newcomer arrives 3 s into the attack.
        if newcomer is None and now - start >= 3:
            join_t = time.monotonic()
            newcomer = t.room_join(t.party("newbie"), inv)
        if newcomer is not None and joined_t is None:
            ls = newcomer.lines()
            if any(l.startswith("* joined the room as newbie") for l in ls):
                joined_t = time.monotonic()
        if joined_t is not None and not greeted:
            # Once it knows alice's key, so that alice can read it.
            if any(l.startswith("* alice is in the room") for l in newcomer.lines()):
                greeted = True
                newcomer.send("hello from newbie")
        if joined_t is not None and said_t is None:
            if any(l == "newbie: hello from newbie" for l in al.new()):
                said_t = time.monotonic()
        elif said_t is None:
            al.new()
        time.sleep(0.002)
    out = []
    for p in fl:
        try:
            o, _ = p.communicate(timeout=SECONDS + 20)
        except subprocess.TimeoutExpired:
            p.kill()
            o, _ = p.communicate()
        out += [l for l in o.splitlines() if l.startswith("flood ")]
    adm = [l for l in relay.stderr_text().splitlines() if " admission: " in l]
    rss = 0
    try:
        with open("/proc/%d/status" % relay.p.pid) as f:
            for l in f:
                if l.startswith("VmHWM:"):
                    rss = int(l.split()[1])
    except (OSError, AttributeError):
        pass
    relay.kill()
    for p in (a, b, newcomer):
        if p is not None:
            p.kill()
    lost = len(sent) - len(lat)
    res = {
        "case": case, "pings": len(sent), "lost": lost,
        "p50_ms": pct(lat, 50) * 1000, "p99_ms": pct(lat, 99) * 1000,
        "max_ms": max(lat) * 1000 if lat else float("nan"),
        "join_s": (joined_t - join_t) if joined_t else float("nan"),
        "said_s": (said_t - join_t) if said_t else float("nan"),
        "relay_hwm_kb": rss,
    }
    print("case %s: %s" % (case, " ".join("%s=%s" % (k, ("%.1f" % v) if isinstance(v, float) else v)
                                           for k, v in res.items())), flush=True)
    for l in out:
        print("  " + l, flush=True)
    for l in adm[-3:]:
        print("  relay: " + l.split(" admission: ", 1)[1], flush=True)
    return res


def scenario(t):
    if not os.access(FLOOD, os.X_OK):
        raise h.Failure("no flood driver at %s (build bench/flood.c)" % FLOOD)
    rows = [one_case(t, c) for c in CASES]
    base = {}
    if BASE_BIN:
        # The same cases on the relay before the fix (its clients too).
        fixed_bin, t.bin = t.bin, BASE_BIN
        print("unfixed relay: %s" % BASE_BIN, flush=True)
        for c in CASES:
            if c != "junk-solve":	# it has no puzzle to pay
                base[c] = one_case(t, c)
        t.bin = fixed_bin
    quoted = {
        "calm": ("1 ms", "-"),
        "silent-1": ("-", "locked out ('cannot set up the connection (out of memory)') from ~16,000"),
        "silent-200": ("-", "locked out, as above"),
        "junk": ("rose from 1 ms to 500 ms", "2.1 s"),
        "junk-solve": ("-", "-"),
    }
    print()
    def fig(r):
        if r is None:
            return "- | - | -"
        return "%.1f / %.1f / %.1f | %d | %.2f / %.2f" % (
            r["p50_ms"], r["p99_ms"], r["max_ms"], r["lost"], r["join_s"], r["said_s"])
    print("| case | pings p50 / p99 / max (ms) | lost | newcomer joined / said (s) "
          "| unfixed, same run: pings (ms) | lost | newcomer (s) "
          "| unfixed, quoted in issue 9: pings / newcomer |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        q = quoted.get(r["case"], ("-", "-"))
        print("| %s | %s | %s | %s / %s |" % (r["case"], fig(r), fig(base.get(r["case"])),
                                              q[0], q[1]))
    print("(nan: did not happen within the case's %d s + 5 s)" % SECONDS)


if __name__ == "__main__":
    h.main(scenario, budget=60 * len(CASES) + 60)
