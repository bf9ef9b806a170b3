#!/usr/bin/python3
"""
bench/chat.py: throughput and latency of one 1:1 chat between two real
sotto processes on 127.0.0.1, driven in line mode (see bench/chat.sh,
which runs this with /usr/bin/python3 and adds the classic scripts'
per-message PBKDF2 cost).  A benchmark, not a test: it prints figures and
never judges them by its exit status; it exits non-zero only if the chat
itself misbehaves (lost, extra or garbled messages, a failed start).

Parts, each with fresh processes:

  throughput  N 100-byte lines are piped into the joiner's stdin; the
              clock runs from the first write until the host has printed
              the N-th 'b: TEXT' line.  Twice: as fast as the joiner reads
              them (what 'producer | sotto join' does), and with the
              driver keeping at most W messages written but not yet
              printed (sotto itself has no such flow control).
  latency     one message outstanding at a time: the driver writes one
              100-byte line carrying its send time (CLOCK_MONOTONIC, ns)
              to the joiner's stdin and reads the host's stdout until the
              line appears; latency = arrival - embedded send time.  Run
              back to back and again paced (an idle gap before each send,
              so both processes are asleep when the message comes).
  floor       the same latency driver through 'cat' (one pipe hop in, one
              out, one process wake-up): what the driver and pipes cost
              by themselves.

CPU figures come from /proc/PID/stat (utime + stime, 10 ms ticks), read
just before and after each part.

Everything is bounded in count and in wall time; processes this script
started are killed on the way out.  Python standard library only.
"""

import argparse
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

LISTEN_RE = re.compile(rb"^\* listening on 127\.0\.0\.1:(\d+)\s*$", re.M)
CONNECTED_RE = re.compile(rb"^\* connected to ", re.M)
MSG_LEN = 100
PASSWORD = b"bench: correct horse battery staple\n"
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


def now():
    return time.monotonic_ns()


def cpu_ticks(pid):
    """utime + stime of pid in clock ticks, or None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def pct(sorted_v, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_v:
        return float("nan")
    k = max(0, min(len(sorted_v) - 1, int(-(-p * len(sorted_v) // 100)) - 1))
    return sorted_v[k]


class Child:
    """One child with piped stdin/stdout/stderr.  stderr (and, unless the
    caller reads it, stdout) is drained by threads so it never blocks."""

    def __init__(self, label, argv, env, drain_stdout):
        self.label = label
        self.p = subprocess.Popen(argv, env=env, start_new_session=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, bufsize=0)
        self.out = bytearray()
        self.err = bytearray()
        self.cond = threading.Condition()
        self.threads = [threading.Thread(target=self._drain,
                                         args=(self.p.stderr, self.err),
                                         daemon=True)]
        if drain_stdout:
            self.threads.append(threading.Thread(
                target=self._drain, args=(self.p.stdout, self.out),
                daemon=True))
        for t in self.threads:
            t.start()

    def _drain(self, f, into):
        fd = f.fileno()
        while True:
            try:
                b = os.read(fd, 65536)
            except OSError:
                b = b""
            with self.cond:
                if not b:
                    self.cond.notify_all()
                    return
                # Notices only matter at the start; keep memory bounded.
                if len(into) < (1 << 20):
                    into.extend(b)
                self.cond.notify_all()

    def wait_drained(self, rx, deadline):
        with self.cond:
            while not rx.search(self.out):
                left = deadline - time.monotonic()
                if left <= 0 or self.p.poll() is not None:
                    raise BenchError("%s: no %r (exit %s)\nstdout: %r\nstderr: %r"
                                     % (self.label, rx.pattern, self.p.poll(),
                                        bytes(self.out[-2000:]),
                                        bytes(self.err[-2000:])))
                self.cond.wait(min(left, 0.05))

    def close_stdin(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass

    def end(self, timeout):
        """Closes stdin, waits up to timeout s; kills if still running.
        Returns the exit status (negative: killed by that signal)."""
        self.close_stdin()
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except OSError:
                pass
            return self.p.wait(5)

    def kill(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except OSError:
                pass
            self.p.wait(5)

    def stderr_text(self):
        with self.cond:
            return bytes(self.err).decode("utf-8", "backslashreplace")


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="sotto-bench-chat-")
        self.pwfile = os.path.join(self.tmp, "pw")
        with open(self.pwfile, "wb") as f:
            f.write(PASSWORD)
        self.children = []

    def env(self, who):
        home = os.path.join(self.tmp, who)
        os.makedirs(os.path.join(home, "config"), exist_ok=True)
        # LD_PRELOAD passes through for experiments (a socket-option shim).
        e = {k: v for k, v in os.environ.items()
             if k in ("PATH", "LANG", "LC_ALL", "TZ", "LD_PRELOAD")}
        e.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
                 NO_COLOR="1", TERM="dumb")
        return e

    def cleanup(self):
        for c in self.children:
            c.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def pair(self):
        """A host (a) and a joiner (b), chat established.  The caller
        reads the host's stdout itself."""
        sotto = self.args.bin
        host = Child("host", [sotto, "host", "--listen", "127.0.0.1",
                              "--port", "0", "--name", "a",
                              "--password-file", self.pwfile],
                     self.env("a"), drain_stdout=False)
        self.children.append(host)
        deadline = time.monotonic() + 10
        head = read_until(host, LISTEN_RE, deadline)
        port = int(LISTEN_RE.search(head).group(1))
        join = Child("joiner", [sotto, "join", "127.0.0.1:%d" % port,
                                "--name", "b", "--password-file", self.pwfile],
                     self.env("b"), drain_stdout=True)
        self.children.append(join)
        head += read_until(host, CONNECTED_RE, deadline, head)
        join.wait_drained(CONNECTED_RE, deadline)
        # Whatever followed the notice on the host side is kept for the
        # caller: in line mode it can only be more notices.
        return host, join, head

    def finish_pair(self, host, join):
        """Ends the chat cleanly (EOF on the joiner's stdin) and returns
        both exit statuses."""
        rj = join.end(10)
        # The host prints nothing more but its 'b left' notice: drain it.
        drain_rest(host, time.monotonic() + 10)
        rh = host.end(10)
        return rh, rj


def read_until(child, rx, deadline, already=b""):
    """Reads child's stdout (not drained by a thread) until rx matches
    what was read (together with 'already'); returns the new bytes."""
    fd = child.p.stdout.fileno()
    got = bytearray()
    while not rx.search(already + bytes(got)):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise BenchError("%s: timed out waiting for %r\nstdout: %r\n"
                             "stderr: %s" % (child.label, rx.pattern,
                                             bytes(got[-2000:]),
                                             child.stderr_text()))
        b = os.read(fd, 65536)
        if not b:
            raise BenchError("%s: exited (%s) before %r\nstderr: %s"
                             % (child.label, child.p.wait(5), rx.pattern,
                                child.stderr_text()))
        got.extend(b)
    return bytes(got)


def drain_rest(child, deadline):
    fd = child.p.stdout.fileno()
    while time.monotonic() < deadline:
        if not select.select([fd], [], [], 0.1)[0]:
            if child.p.poll() is not None:
                return
            continue
        if not os.read(fd, 65536):
            return


def throughput_line(i):
    s = b"%09d " % i
    return s + b"x" * (MSG_LEN - len(s))


def bench_throughput(b, n, limit_s, window):
    """n lines into the joiner, as fast as it reads them (window 0) or
    with at most 'window' messages written but not yet printed by the
    host (flow control in the driver, which sotto lacks)."""
    host, join, head = b.pair()
    lines = [throughput_line(i) + b"\n" for i in range(n)]
    # 64 KiB writes: a pipe holds that much, so a write blocks only
    # when the joiner falls behind.
    chunks, cur, size = [], [], 0
    for ln in lines:
        cur.append(ln)
        size += len(ln)
        if size >= 65536:
            chunks.append(b"".join(cur))
            cur, size = [], 0
    if cur:
        chunks.append(b"".join(cur))
    del lines
    per_chunk = 65536 // (MSG_LEN + 1) + 1
    stop = threading.Event()
    wrote = [0, None]		# bytes written, error
    flow = threading.Condition()
    state = {"received": 0}

    def writer():
        fd = join.p.stdin.fileno()
        try:
            for i, c in enumerate(chunks):
                if stop.is_set():
                    return
                if window > 0:
                    with flow:
                        while (i + 1) * per_chunk - state["received"] > \
                                window and not stop.is_set():
                            flow.wait(0.1)
                view = memoryview(c)
                while view:
                    w = os.write(fd, view)
                    view = view[w:]
                    wrote[0] += w
        except OSError as e:
            wrote[1] = e

    cpu0 = (cpu_ticks(host.p.pid), cpu_ticks(join.p.pid))
    pt0 = time.process_time()
    t0 = now()
    deadline = time.monotonic() + limit_s
    th = threading.Thread(target=writer, daemon=True)
    th.start()
    fd = host.p.stdout.fileno()
    count, first, last_line, pending = 0, None, b"", b""
    # Lines of the 'b: ' kind only; notices ('* ...') are not counted.
    rest = head[head.rfind(b"\n") + 1:]
    pending = rest
    while count < n:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if not select.select([fd], [], [], min(left, 0.5))[0]:
            if host.p.poll() is not None or join.p.poll() is not None:
                break
            continue
        data = os.read(fd, 1 << 20)
        if not data:
            break
        if first is None:
            first = now()
        data = pending + data
        cut = data.rfind(b"\n") + 1
        whole, pending = data[:cut], data[cut:]
        if whole:
            count += (b"\n" + whole).count(b"\nb: ")
            tail = whole[:-1]
            last_line = tail[tail.rfind(b"\n") + 1:]
            if window > 0:
                with flow:
                    state["received"] = count
                    flow.notify()
    t1 = now()
    pt1 = time.process_time()
    cpu1 = (cpu_ticks(host.p.pid), cpu_ticks(join.p.pid))
    stop.set()
    with flow:
        flow.notify()
    th.join(5)
    alive = host.p.poll() is None and join.p.poll() is None
    rh, rj = b.finish_pair(host, join)
    el = (t1 - t0) / 1e9
    res = {
        "n": n, "received": count, "seconds": el,
        "rate": count / el if el > 0 else 0,
        "first_ms": (first - t0) / 1e6 if first else float("nan"),
        "mb_s": count * MSG_LEN / el / 1e6 if el > 0 else 0,
        "exit": (rh, rj), "alive": alive, "write_error": wrote[1],
        "last_ok": count == 0 or last_line == b"b: " + throughput_line(count - 1),
        "driver_cpu": pt1 - pt0,
        "join_stderr": join.stderr_text(),
        "host_stderr": host.stderr_text(),
    }
    for k, who in ((0, "host"), (1, "join")):
        if cpu0[k] is not None and cpu1[k] is not None:
            res[who + "_cpu"] = (cpu1[k] - cpu0[k]) / CLK_TCK
        else:
            res[who + "_cpu"] = float("nan")
    return res


def lat_line(i, t):
    s = b"%09d %020d " % (i, t)
    return s + b"y" * (MSG_LEN - len(s))


LAT_RE = re.compile(rb"(\d{9}) (\d{20}) y+$")


def latency_loop(wfd, rfd, prefix, n, gap_s, limit_s):
    """n messages one at a time: write to wfd, wait for the line to come
    out of rfd as prefix + text.  Returns the latencies in us."""
    lat = []
    pending = b""
    deadline = time.monotonic() + limit_s
    for i in range(n):
        if time.monotonic() > deadline:
            break
        if gap_s > 0:
            time.sleep(gap_s)
        t = now()
        os.write(wfd, lat_line(i, t) + b"\n")
        got = None
        while got is None:
            left = deadline + 5 - time.monotonic()
            if left <= 0 or not select.select([rfd], [], [], left)[0]:
                raise BenchError("latency: message %d did not arrive" % i)
            data = os.read(rfd, 65536)
            arrived = now()
            if not data:
                raise BenchError("latency: output closed at message %d" % i)
            pending += data
            while b"\n" in pending:
                ln, pending = pending.split(b"\n", 1)
                if not ln.startswith(prefix):
                    continue	# a notice
                m = LAT_RE.fullmatch(ln[len(prefix):])
                if m is None or int(m.group(1)) != i:
                    raise BenchError("latency: unexpected line %r" % ln[:80])
                got = (arrived - int(m.group(2))) / 1000.0
        lat.append(got)
    return lat


def bench_latency(b, n, gap_s, limit_s):
    host, join, _ = b.pair()
    c0 = (cpu_ticks(host.p.pid), cpu_ticks(join.p.pid))
    try:
        lat = latency_loop(join.p.stdin.fileno(), host.p.stdout.fileno(),
                           b"b: ", n, gap_s, limit_s)
    finally:
        c1 = (cpu_ticks(host.p.pid), cpu_ticks(join.p.pid))
        rh, rj = b.finish_pair(host, join)
    cpu = [(c1[k] - c0[k]) / CLK_TCK if None not in (c0[k], c1[k]) else
           float("nan") for k in (0, 1)]
    return lat, (rh, rj), cpu


def bench_floor(b, n, gap_s, limit_s):
    cat = Child("cat", ["cat"], b.env("cat"), drain_stdout=False)
    b.children.append(cat)
    try:
        return latency_loop(cat.p.stdin.fileno(), cat.p.stdout.fileno(),
                            b"", n, gap_s, limit_s)
    finally:
        cat.end(5)


def report_lat(name, lat, n):
    s = sorted(lat)
    mean = sum(s) / len(s) if s else float("nan")
    print("  %-34s %5d/%d  p50 %7.1f  p90 %7.1f  p99 %7.1f  max %8.1f  "
          "mean %7.1f us" % (name, len(s), n, pct(s, 50), pct(s, 90),
                             pct(s, 99), s[-1] if s else float("nan"), mean))
    print("  %-34s over 1 ms: %d, over 10 ms: %d%s" % (
        "", sum(1 for v in s if v > 1000), sum(1 for v in s if v > 10000),
        "" if s[-1:] == [] or s[-1] <= 10000 else " (message %s)" % ", ".join(
            str(i) for i, v in enumerate(lat) if v > 10000)))
    return s


def report_throughput(name, r, limit_s):
    """Prints one throughput run; returns 1 if it did not complete."""
    done = r["received"] == r["n"] and r["last_ok"]
    k = max(r["received"], 1)
    print("  %s:" % name)
    print("    received %d of %d in %.3f s: %.0f messages/s (%.1f MB/s of "
          "text); first line after %.2f ms"
          % (r["received"], r["n"], r["seconds"], r["rate"], r["mb_s"],
             r["first_ms"]))
    print("    CPU during the run: host %.2f s (%.1f us/msg), joiner %.2f s "
          "(%.1f us/msg), driver %.2f s"
          % (r["host_cpu"], r["host_cpu"] * 1e6 / k, r["join_cpu"],
             r["join_cpu"] * 1e6 / k, r["driver_cpu"]))
    print("    exit status host %s, joiner %s; last line intact: %s"
          % (r["exit"][0], r["exit"][1], "yes" if r["last_ok"] else "NO"))
    if not done:
        print("    INCOMPLETE: %s" % (
            "the %.0f s bound was hit" % limit_s
            if r["alive"] else "the chat ended before the last message"))
        if r["write_error"]:
            print("    driver's write to the joiner: %s" % r["write_error"])
        for who in ("join", "host"):
            lines = r[who + "_stderr"].splitlines()
            spam = sum(1 for ln in lines if ln.endswith("not sent: channel closed"))
            lines = [ln for ln in lines if "created your identity" not in ln
                     and not ln.endswith("not sent: channel closed")]
            print("    %s stderr: %s%s"
                  % ("joiner" if who == "join" else "host",
                     " | ".join(lines[-3:]),
                     " (and %d lines 'not sent: channel closed')" % spam
                     if spam else ""))
    print("    target > 20000 messages/s: %s" % (
        "met" if done and r["rate"] > 20000 else
        "NOT MET (incomplete)" if not done else "MISSED"))
    return 0 if done else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True, help="the sotto binary")
    ap.add_argument("--messages", type=int, default=200000,
                    help="throughput: messages (default 200000)")
    ap.add_argument("--seconds", type=float, default=45,
                    help="throughput: wall-time bound (default 45)")
    ap.add_argument("--window", type=int, default=20000,
                    help="throughput, second run: messages in flight")
    ap.add_argument("--latency-messages", type=int, default=2000)
    ap.add_argument("--gap-ms", type=float, default=2.0,
                    help="paced latency: idle time before each send")
    ap.add_argument("--parts", default="throughput,latency,floor")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    if not os.access(args.bin, os.X_OK):
        print("bench_chat: no sotto binary at %s (build it first)" % args.bin,
              file=sys.stderr)
        return 2
    b = Bench(args)
    bad = 0
    try:
        if "throughput" in parts:
            print("throughput, joiner stdin -> host stdout, %d-byte "
                  "messages:" % MSG_LEN)
            for name, w in (("piped as fast as the joiner reads", 0),
                            ("at most %d in flight (driver-side flow "
                             "control)" % args.window, args.window)):
                bad |= report_throughput(name, bench_throughput(
                    b, args.messages, args.seconds, w), args.seconds)
                sys.stdout.flush()
        n = args.latency_messages
        gap = args.gap_ms / 1000.0
        if "latency" in parts:
            print("latency, one message outstanding, joiner stdin -> host "
                  "stdout (us):")
            for name, g in (("back to back", 0.0),
                            ("paced, %.1f ms idle before each" % args.gap_ms,
                             gap)):
                lat, ex, cpu = bench_latency(b, n, g, 30)
                s = report_lat(name, lat, n)
                print("  %-34s exit host %s, joiner %s; CPU host %.1f, "
                      "joiner %.1f us/msg" % ("", ex[0], ex[1],
                                              cpu[0] * 1e6 / max(len(s), 1),
                                              cpu[1] * 1e6 / max(len(s), 1)))
                print("  %-34s target p99 < 1000 us: %s" % (
                    "", "met" if s and pct(s, 99) < 1000 else "MISSED"))
                sys.stdout.flush()
        if "floor" in parts:
            print("floor: the same driver through 'cat' (us):")
            for name, g in (("back to back", 0.0),
                            ("paced, %.1f ms idle before each" % args.gap_ms,
                             gap)):
                report_lat(name, bench_floor(b, n, g, 30), n)
    except BenchError as e:
        print("bench_chat: %s" % e, file=sys.stderr)
        bad = 1
    finally:
        b.cleanup()
    return bad


if __name__ == "__main__":
    sys.exit(main())
