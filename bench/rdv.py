#!/usr/bin/python3
"""
bench/rdv.py: a 1:1 chat through a relay (sotto host --relay / sotto join
CODE, PROTOCOL §21) against a direct one, in the same run: throughput of
100-byte lines piped into the joiner, and one-at-a-time latency (p50,
p99).  Reuses bench/chat.py's drivers; only the pairing differs.  The
relayed chat is spliced (PROTOCOL §21.7); --with-data adds, in the same
rounds, one through a relay started with --no-splice (the channel in
DATA messages inside the links, as before §21.7).  A
benchmark, not a test: it prints figures and the target (throughput at
least 80 % of direct, p99 at most direct + 1 ms), never judging by its
exit status (non-zero only if a chat misbehaves).  Bounded in count and
time; kills what it started.
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chat as C  # noqa: E402

CODE_RE = re.compile(rb"^\* code: (\S+)\s*$", re.M)
RELAY_RE = re.compile(rb"listening on 127\.0\.0\.1:(\d+)")


class RelayBench(C.Bench):
    """Pairs through a relay started once for the whole run."""

    def __init__(self, args, extra=()):
        super().__init__(args)
        state = os.path.join(self.tmp, "relay-state")
        os.makedirs(state)
        self.relay = C.Child("relay", [args.bin, "relay", "--listen", "127.0.0.1",
                                       "--port", "0", "--state-dir", state] + list(extra),
                             self.env("relay"), drain_stdout=True)
        self.children.append(self.relay)
        deadline = time.monotonic() + 10
        with self.relay.cond:
            while not RELAY_RE.search(self.relay.err):
                if time.monotonic() > deadline or self.relay.p.poll() is not None:
                    raise C.BenchError("the relay did not start: %r" % bytes(self.relay.err))
                self.relay.cond.wait(0.05)
            self.rport = int(RELAY_RE.search(self.relay.err).group(1))

    def pair(self):
        sotto, where = self.args.bin, "127.0.0.1:%d" % self.rport
        host = C.Child("host", [sotto, "host", "--relay", where, "--name", "a",
                                "--password-file", self.pwfile],
                       self.env("a"), drain_stdout=False)
        self.children.append(host)
        deadline = time.monotonic() + 10
        head = C.read_until(host, CODE_RE, deadline)
        code = CODE_RE.search(head).group(1).decode()
        join = C.Child("joiner", [sotto, "join", code, "--relay", where, "--name", "b",
                                  "--password-file", self.pwfile],
                       self.env("b"), drain_stdout=True)
        self.children.append(join)
        head += C.read_until(host, C.CONNECTED_RE, deadline, head)
        join.wait_drained(C.CONNECTED_RE, deadline)
        return host, join, head


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--messages", type=int, default=100000)
    ap.add_argument("--seconds", type=float, default=45)
    ap.add_argument("--latency-messages", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=2,
                    help="direct and relayed alternate this many times")
    ap.add_argument("--with-data", action="store_true",
                    help="also a relay with --no-splice (DATA messages)")
    args = ap.parse_args()
    if not os.access(args.bin, os.X_OK):
        print("bench_rdv: no sotto binary at %s" % args.bin, file=sys.stderr)
        return 2
    modes = [("direct", C.Bench(args)), ("relayed", RelayBench(args))]
    if args.with_data:
        modes.append(("in-DATA", RelayBench(args, ["--no-splice"])))
    res = {name: {"rate": [], "p50": [], "p99": []} for name, _ in modes}
    bad = 0
    try:
        for rnd in range(args.rounds):
            for name, b in modes:
                rp = b.relay.p.pid if name != "direct" else None
                rc0 = C.cpu_ticks(rp) if rp else None
                r = C.bench_throughput(b, args.messages, args.seconds, 0)
                rc1 = C.cpu_ticks(rp) if rp else None
                ok = r["received"] == r["n"] and r["last_ok"]
                k = max(r["received"], 1)
                cpu = [r["host_cpu"], r["join_cpu"],
                       (rc1 - rc0) / C.CLK_TCK if None not in (rc0, rc1) else 0.0]
                bad |= 0 if ok else 1
                lat, ex, _ = C.bench_latency(b, args.latency_messages, 0.0, 30)
                s = sorted(lat)
                res[name]["rate"].append(r["rate"])
                res[name]["p50"].append(C.pct(s, 50))
                res[name]["p99"].append(C.pct(s, 99))
                print("  round %d %-8s throughput %8.0f msg/s (%s)  latency "
                      "p50 %7.1f us  p99 %7.1f us  (%d/%d, exit %s)"
                      % (rnd + 1, name, r["rate"], "complete" if ok else "INCOMPLETE",
                         C.pct(s, 50), C.pct(s, 99), len(s), args.latency_messages,
                         "/".join(str(x) for x in ex)))
                print("    CPU per line in the throughput run (us): host %.2f, joiner %.2f, "
                      "relay %.2f, sum %.2f" % tuple([c * 1e6 / k for c in cpu] +
                                                     [sum(cpu) * 1e6 / k]))
                sys.stdout.flush()
    except C.BenchError as e:
        print("bench_rdv: %s" % e, file=sys.stderr)
        return 1
    finally:
        for _, b in modes:
            b.cleanup()

    def med(v):
        v = sorted(v)
        return v[len(v) // 2]
    d, r = res["direct"], res["relayed"]
    ratio = med(r["rate"]) / med(d["rate"]) if med(d["rate"]) else float("nan")
    dp99 = med(r["p99"]) - med(d["p99"])
    print("median over %d rounds: direct %.0f msg/s, p99 %.1f us; relayed "
          "%.0f msg/s, p99 %.1f us" % (args.rounds, med(d["rate"]), med(d["p99"]),
                                       med(r["rate"]), med(r["p99"])))
    print("relayed/direct throughput %.0f %% (target >= 80 %%: %s); p99 "
          "difference %+.1f us (target <= +1000 us: %s)"
          % (100 * ratio, "met" if ratio >= 0.8 else "MISSED", dp99,
             "met" if dp99 <= 1000 else "MISSED"))
    if args.with_data:
        x = res["in-DATA"]
        print("in DATA (--no-splice): %.0f msg/s, p99 %.1f us: %.0f %% of direct, "
              "%.0f %% of spliced" % (med(x["rate"]), med(x["p99"]),
                                      100 * med(x["rate"]) / med(d["rate"]),
                                      100 * med(x["rate"]) / med(r["rate"])))
    return bad


if __name__ == "__main__":
    sys.exit(main())
