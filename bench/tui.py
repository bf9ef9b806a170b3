#!/usr/bin/python3
"""
bench/tui.py: the full-screen view under load.  A line-mode joiner gets
N messages at a steady R per second on its stdin; the host runs on a
pseudo-terminal (120x40) and the driver reads everything the host draws.
For each message: the time from writing it to the joiner until its text
first appears in the host's terminal output (joiner, loopback, decrypt,
the view's drawing, the pty: an upper bound on arrival-to-screen), and
the host's CPU (utime + stime from /proc/PID/stat over the run).

Three hosts in the same run, each with fresh processes:
  tui    the full-screen view (TERM=xterm-256color)
  dumb   the line editor (TERM=dumb), the view sotto had before
  plain  line mode (--plain)

At a high rate the view draws once per turn of its loop, so a message
that scrolls past between two frames never appears on screen: those are
counted as 'not drawn' and left out of the latencies.  A benchmark, not a
test: it prints figures and never judges them.  Bounded in count and
time; processes it started are killed on the way out.  Python standard
library only.

    /usr/bin/python3 bench/tui.py [--messages N] [--rate R] [--bin PATH]
"""
import argparse
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

PW = "tulip-orbit-cascade-9134-bench"


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def party(tmp, name):
    d = tempfile.mkdtemp(prefix=name + "-", dir=tmp)
    pwf = os.path.join(d, "pw")
    with open(pwf, "w") as f:
        f.write(PW + "\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": d, "XDG_CONFIG_HOME": d, "LANG": "C.UTF-8"}
    return d, pwf, env


def run(mode, args, tmp):
    hdir, hpw, henv = party(tmp, "host-" + mode)
    jdir, jpw, jenv = party(tmp, "join-" + mode)
    henv["TERM"] = "dumb" if mode == "dumb" else "xterm-256color"
    argv = [args.bin, "host", "--listen", "127.0.0.1", "--port", "0", "--name", "alice",
            "--password-file", hpw] + (["--plain"] if mode == "plain" else [])
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, henv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = {}
    out = bytearray()
    lock = threading.Lock()
    stop = threading.Event()
    tok = re.compile(rb"m(\d{7})")

    def reader():
        tail = b""
        while not stop.is_set():
            r, _, _ = select.select([fd], [], [], 0.1)
            if not r:
                continue
            try:
                b = os.read(fd, 65536)
            except OSError:
                return
            now = time.monotonic()
            if not b:
                return
            chunk = tail + b
            for m in tok.finditer(chunk):
                seen.setdefault(int(m.group(1)), now)
            tail = chunk[-8:]
            with lock:
                if len(out) < 1 << 20:
                    out.extend(b)
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    join = None
    try:
        deadline = time.monotonic() + 10
        port = None
        while port is None and time.monotonic() < deadline:
            with lock:
                m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", bytes(out))
            port = int(m.group(1)) if m else None
            time.sleep(0.05)
        if port is None:
            raise RuntimeError("%s: the host did not listen" % mode)
        join = subprocess.Popen([args.bin, "join", "127.0.0.1:%d" % port, "--name", "bob",
                                 "--password-file", jpw], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=jenv)
        while time.monotonic() < deadline:
            with lock:
                if b"safety number" in out:
                    break
            time.sleep(0.05)
        time.sleep(0.3)
        sent = {}
        c0, t0 = cpu_seconds(pid), time.monotonic()
        for i in range(args.messages):
            due = t0 + i / args.rate
            d = due - time.monotonic()
            if d > 0:
                time.sleep(d)
            sent[i] = time.monotonic()
            join.stdin.write(b"m%07d\n" % i)
            join.stdin.flush()
        end = time.monotonic() + 5
        while len(seen) < args.messages and time.monotonic() < end:
            if args.messages - 1 in seen:
                time.sleep(0.2)
                break
            time.sleep(0.05)
        wall = time.monotonic() - t0
        cpu = cpu_seconds(pid) - c0
    finally:
        stop.set()
        if join is not None:
            join.kill()
            join.wait()
        try:
            os.kill(pid, signal.SIGTERM)
            time.sleep(0.2)
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    lat = sorted((seen[i] - sent[i]) * 1000 for i in sent if i in seen)
    if not lat:
        print("%-5s nothing seen" % mode)
        return

    def pct(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))]
    print("%-5s %6d msgs at %4d/s: drawn %6.2f %%, latency ms p50 %6.2f p99 %6.2f "
          "max %7.2f; host CPU %5.1f %% of one core" %
          (mode, args.messages, args.rate, 100.0 * len(lat) / args.messages, pct(0.5),
           pct(0.99), lat[-1], 100.0 * cpu / wall))


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--bin", default=os.environ.get("SOTTO_BIN",
                    os.path.join(os.path.dirname(here), "build", "sotto")))
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--rate", type=int, default=1000)
    args = ap.parse_args()
    args.messages = max(1, min(args.messages, 1000000))
    args.rate = max(1, min(args.rate, 100000))
    print("bench_tui: %s, %s, %d CPUs, Linux %s" % (
        time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        subprocess.run([args.bin, "--version"], capture_output=True, text=True).stdout.strip(),
        os.cpu_count(), os.uname().release))
    with tempfile.TemporaryDirectory(prefix="sotto-bench-tui-") as tmp:
        for mode in ("tui", "dumb", "plain"):
            run(mode, args, tmp)


if __name__ == "__main__":
    sys.exit(main())
