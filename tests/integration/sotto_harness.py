"""
sotto_harness.py: shared machinery for the integration scenarios: start
real sotto processes (and the adversarial proxy) on 127.0.0.1, each party
with its own config directory, feed them lines, wait for what they print
with a hard timeout, and kill every child on the way out, passing or not.

Python standard library only; run with /usr/bin/python3.

A scenario looks like:

    import sotto_harness as h

    def scenario(t):
        alice, bob = t.party("alice"), t.party("bob")
        host, port = t.host(alice)
        join = t.join(bob, port)
        ...
        t.check(cond, "what went wrong")

    h.main(scenario, budget=30)

On failure the scenario exits 1 after printing the reason and the stdout
and stderr of every process it started (SOTTO_IT_VERBOSE=1 prints them on
success too; SOTTO_KEEP_TMP=1 keeps the temporary directory).  The binary
is $SOTTO_BIN, else $SOTTO_BUILD_DIR/sotto, else <source dir>/build/sotto.
"""

import errno
import os
import queue
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
PROXY = os.path.join(HERE, "proxy.py")
PYTHON = "/usr/bin/python3"

LOOPBACK = "127.0.0.1"
DEFAULT_WAIT = 10.0		# seconds any single wait may take unless told

# Exit statuses from the contract.
EXIT_OK, EXIT_USAGE, EXIT_AUTH, EXIT_CONN, EXIT_IDENTITY = 0, 2, 3, 4, 5

SAFETY_RE = re.compile(
    r"^\* end-to-end encrypted, safety number: (\d{5}(?: \d{5}){5})\s*$")
LISTEN_RE = re.compile(r"^\* listening on 127\.0\.0\.1:(\d+)\s*$")


class Failure(Exception):
    """A scenario's expectation did not hold."""


def sotto_bin():
    b = os.environ.get("SOTTO_BIN")
    if not b and os.environ.get("SOTTO_BUILD_DIR"):
        b = os.path.join(os.environ["SOTTO_BUILD_DIR"], "sotto")
    if not b:
        b = os.path.join(SOURCE_DIR, "build", "sotto")
    return b


def free_port():
    """A TCP port that was free a moment ago on every address, IPv4 and
    IPv6 (only for the interactive tests, where the port is typed at a
    prompt and the program may listen on all interfaces).  It is taken
    below Linux's ephemeral range (32768-60999), so that no outgoing
    connection on the machine is given it before the program binds it,
    and bound without SO_REUSEADDR on the wildcard addresses, so that a
    port any socket holds (even in TIME_WAIT) is passed over."""
    for _ in range(200):
        port = random.randrange(20000, 32000)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("0.0.0.0", port))
        except OSError:
            continue
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s6:
                s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s6.bind(("::", port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                continue
            # No IPv6 on this machine: the IPv4 check is all there is.
        return port
    raise Failure("no free port found in 20000-31999")


def port_listening(port):
    """True if something listens on TCP port 'port' (reads /proc/net/tcp*,
    so it never opens a connection the program would have to handle)."""
    for fn in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(fn) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, state = fields[1], fields[3]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            pass
    return False


def _show(b, limit=None):
    if limit is None:
        limit = int(os.environ.get("SOTTO_IT_SHOW", "6000"))
    s = bytes(b).decode("utf-8", errors="backslashreplace")
    if len(s) > limit:
        s = s[:limit // 2] + "\n[... %d chars elided ...]\n" % (len(s) - limit) + s[-limit // 2:]
    return s


class Proc:
    """One child process with piped stdin/stdout/stderr.  Output is
    collected by reader threads; stdin is fed by a writer thread so a
    child that does not read (yet) never blocks the test."""

    def __init__(self, label, argv, env, stdin=True):
        self.label = label
        self.argv = argv
        self.started = time.monotonic()
        self.p = subprocess.Popen(
            argv, env=env, start_new_session=True,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.cond = threading.Condition()
        self.out = bytearray()
        self.err = bytearray()
        self.eof = {"out": False, "err": False}
        self.write_error = None
        self.ended = None		# monotonic time the exit was seen
        self.threads = [
            threading.Thread(target=self._reader, args=(self.p.stdout, "out"), daemon=True),
            threading.Thread(target=self._reader, args=(self.p.stderr, "err"), daemon=True),
        ]
        self.inq = None
        if stdin:
            self.inq = queue.Queue()
            self.threads.append(threading.Thread(target=self._writer, daemon=True))
        for th in self.threads:
            th.start()

    # -- plumbing -----------------------------------------------------------

    def _reader(self, f, which):
        fd = f.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self.cond:
                if not chunk:
                    self.eof[which] = True
                    self.cond.notify_all()
                    return
                (self.out if which == "out" else self.err).extend(chunk)
                self.cond.notify_all()

    def _writer(self):
        f = self.p.stdin
        while True:
            item = self.inq.get()
            try:
                if item is None:
                    f.close()
                    return
                f.write(item)
                f.flush()
            except (BrokenPipeError, OSError, ValueError) as e:
                self.write_error = e
                try:
                    f.close()
                except Exception:
                    pass
                return

    # -- input --------------------------------------------------------------

    def send(self, line):
        """Queues one line (str or bytes) for stdin; a LF is appended."""
        if isinstance(line, str):
            line = line.encode("utf-8")
        self.inq.put(line + b"\n")

    def send_raw(self, data):
        self.inq.put(data)

    def close_stdin(self):
        self.inq.put(None)

    # -- output -------------------------------------------------------------

    def stdout_bytes(self):
        with self.cond:
            return bytes(self.out)

    def stderr_text(self):
        with self.cond:
            return bytes(self.err).decode("utf-8", errors="backslashreplace")

    def lines(self):
        """Complete stdout lines so far, decoded (invalid UTF-8 shown as
        \\xNN), without their LF."""
        with self.cond:
            data = bytes(self.out)
        parts = data.split(b"\n")[:-1]
        return [p.decode("utf-8", errors="backslashreplace") for p in parts]

    def messages_from(self, name):
        """Texts of the 'NAME: TEXT' lines, in order."""
        pre = name + ": "
        return [l[len(pre):] for l in self.lines() if l.startswith(pre)]

    def notices(self):
        return [l for l in self.lines() if l.startswith("* ")]

    def safety_number(self):
        for l in self.lines():
            m = SAFETY_RE.match(l)
            if m:
                return m.group(1)
        return None

    # -- waiting ------------------------------------------------------------

    def poll(self):
        rc = self.p.poll()
        if rc is not None and self.ended is None:
            self.ended = time.monotonic()
        return rc

    def wait_until(self, pred, what, timeout=DEFAULT_WAIT):
        """Waits until pred() is true (checked whenever output arrives and
        at least every 50 ms).  Fails if the process has exited with all
        its output read and pred() is still false, or on timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                r = pred()
                if r:
                    return r
                done = self.eof["out"] and self.eof["err"] and self.p.poll() is not None
                if done:
                    raise Failure("%s: exited with status %s before %s"
                                  % (self.label, self.p.returncode, what))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure("%s: timed out after %.1f s waiting for %s"
                                  % (self.label, timeout, what))
                self.cond.wait(min(left, 0.05))

    def wait_line(self, regex, timeout=DEFAULT_WAIT, what=None):
        """Waits for a stdout line matching regex (re.search); returns the
        match object."""
        rx = re.compile(regex)

        def pred():
            for l in self.lines():
                m = rx.search(l)
                if m:
                    return m
            return None
        return self.wait_until(pred, what or "a line matching %r" % regex, timeout)

    def wait_stderr(self, text, timeout=3.0):
        """Waits for 'text' to appear in stderr (the reader thread may be
        a moment behind the process)."""
        return self.wait_until(lambda: text in self.stderr_text(),
                               "%r on stderr" % text, timeout)

    def wait_messages(self, name, n, timeout=DEFAULT_WAIT):
        """Waits for at least n lines from 'name'; returns their texts."""
        self.wait_until(lambda: len(self.messages_from(name)) >= n,
                        "%d message(s) from %s (have %d)"
                        % (n, name, len(self.messages_from(name))), timeout)
        return self.messages_from(name)

    def wait_exit(self, timeout=DEFAULT_WAIT):
        """Waits for the process to exit and its output to be read;
        returns the exit status (negative: killed by that signal)."""
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Failure("%s: still running after %.1f s (expected it to exit)"
                          % (self.label, timeout))
        self.poll()
        for th in self.threads[:2]:
            th.join(2)
        return rc

    def expect_exit(self, expected, timeout=DEFAULT_WAIT, why=""):
        """Waits for exit; fails unless the status is in 'expected' (an int
        or a collection of ints)."""
        if isinstance(expected, int):
            expected = (expected,)
        rc = self.wait_exit(timeout)
        if rc not in expected:
            raise Failure("%s: exit status %s, expected %s%s"
                          % (self.label, rc, " or ".join(map(str, expected)),
                             (" (" + why + ")") if why else ""))
        return rc

    def alive(self):
        return self.poll() is None

    def kill(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.poll()

    def dump(self):
        rc = self.p.poll()
        return ("----- %s: %s\n----- exit status: %s\n----- stdout:\n%s\n----- stderr:\n%s"
                % (self.label, " ".join(self.argv),
                   "running" if rc is None else rc, _show(self.out), _show(self.err)))


class Party:
    """One person: a name, a config directory used as HOME and
    XDG_CONFIG_HOME, and a password file."""

    def __init__(self, t, name, password):
        self.t = t
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="party-%s-" % name, dir=t.tmp)
        self.password_file = None
        self.set_password(password)

    def set_password(self, password):
        self.password = password
        self.password_file = os.path.join(self.dir, "password")
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(password + "\n")

    @property
    def sotto_dir(self):
        return os.path.join(self.dir, "sotto")

    @property
    def identity_file(self):
        return os.path.join(self.sotto_dir, "identity")

    @property
    def known_peers(self):
        return os.path.join(self.sotto_dir, "known_peers")

    def env(self):
        return self.t.env(self.dir)


class Test:
    """One scenario's state: its temporary directory and its children."""

    def __init__(self, name):
        self.name = name
        self.bin = sotto_bin()
        self.tmp = tempfile.mkdtemp(prefix="sotto-it-%s-" % name)
        self.procs = []
        self.cleanups = []
        self.n = 0

    def env(self, home):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "XDG_CONFIG_HOME": home,
            "LANG": "C.UTF-8",
            "TMPDIR": self.tmp,
        }
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        return env

    def log(self, msg):
        print("[%s] %s" % (self.name, msg), flush=True)

    def check(self, cond, msg):
        if not cond:
            raise Failure(msg)

    def party(self, name, password="tulip-orbit-cascade-9134"):
        return Party(self, name, password)

    def spawn(self, label, argv, env, stdin=True):
        self.n += 1
        p = Proc("%s#%d" % (label, self.n), argv, env, stdin)
        self.procs.append(p)
        return p

    def sotto(self, party, args, label=None, stdin=True):
        """Runs 'sotto ARGS' as party (None: an empty config dir)."""
        env = party.env() if party else self.env(self.tmp)
        return self.spawn(label or "sotto", [self.bin] + list(args), env, stdin)

    def host(self, party, *extra, port=0, password_file=None, wait=True, once=True):
        """Starts 'sotto host --listen 127.0.0.1 --port PORT --name NAME
        --password-file F [--once] EXTRA...'; waits for the listening
        notice and returns (proc, port).  once=True (the default, for the
        scenarios written when the host served one conversation) adds
        --once; once=False leaves the host serving conversation after
        conversation."""
        args = ["host", "--listen", LOOPBACK, "--port", str(port),
                "--name", party.name,
                "--password-file", password_file or party.password_file] + list(extra)
        if once:
            args.append("--once")
        p = self.sotto(party, args, label="host(%s)" % party.name)
        if not wait:
            return p, None
        m = p.wait_line(LISTEN_RE.pattern, what="'* listening on 127.0.0.1:PORT'")
        return p, int(m.group(1))

    def join(self, party, port, *extra, password_file=None, addr=LOOPBACK):
        args = ["join", "%s:%d" % (addr, port), "--name", party.name,
                "--password-file", password_file or party.password_file] + list(extra)
        return self.sotto(party, args, label="join(%s)" % party.name)

    def proxy(self, target_port, action="none", direction="c2s", nth=1,
              ftype=0x10, dump=None, outage=None):
        """Starts proxy.py in front of 127.0.0.1:target_port; returns
        (proc, listening port).  With outage=SECONDS, outage_begin(proc)
        drops its connections and refuses new ones for that long."""
        argv = [PYTHON, PROXY, "--connect", "%s:%d" % (LOOPBACK, target_port),
                "--action", action, "--direction", direction, "--nth", str(nth),
                "--type", "0x%02x" % ftype]
        if dump:
            argv += ["--dump", dump]
        if outage is not None:
            argv += ["--outage", str(outage)]
        p = self.spawn("proxy(%s)" % action, argv, self.env(self.tmp), stdin=False)
        m = p.wait_line(r"^proxy listening on 127\.0\.0\.1:(\d+)$", what="the proxy's port")
        return p, int(m.group(1))

    def kill_all(self):
        for p in self.procs:
            p.kill()
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception:
                pass

    def dump_all(self):
        return "\n".join(p.dump() for p in self.procs)


# -- assertions shared by several scenarios ------------------------------------

def expect_no_stray_lines(t, proc, allowed_names):
    """Every stdout line is a notice ('* ...') or a message from one of
    allowed_names."""
    for l in proc.lines():
        if l.startswith("* "):
            continue
        if any(l.startswith(n + ": ") for n in allowed_names):
            continue
        raise Failure("%s printed an unexpected line: %r" % (proc.label, l))


def establish(t, host, join, host_party, join_party, timeout=DEFAULT_WAIT):
    """Waits until both sides are connected and shows the same safety
    number; returns it."""
    join.wait_line(r"^\* connected to %s\b" % re.escape(host_party.name), timeout,
                   "'* connected to %s'" % host_party.name)
    host.wait_line(r"^\* connected to %s\b" % re.escape(join_party.name), timeout,
                   "'* connected to %s'" % join_party.name)
    a = host.wait_until(host.safety_number, "the safety number notice", timeout)
    b = join.wait_until(join.safety_number, "the safety number notice", timeout)
    t.check(a == b, "safety numbers differ: host %r, join %r" % (a, b))
    return a


# -- running a scenario -------------------------------------------------------

def main(scenario, budget):
    """Runs scenario(t) with a hard time budget (seconds); exits 0 on
    success, 1 on failure (after dumping every child's output)."""
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    t = Test(name)

    def on_alarm(signum, frame):
        raise Failure("scenario exceeded its time budget of %d s" % budget)

    def on_term(signum, frame):
        raise Failure("terminated by signal %d" % signum)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    signal.alarm(budget)
    start = time.monotonic()
    ok = False
    try:
        if not (os.path.isfile(t.bin) and os.access(t.bin, os.X_OK)):
            raise Failure("sotto binary not found or not executable: %s "
                          "(set SOTTO_BIN or build with cmake -B build && cmake --build build)"
                          % t.bin)
        scenario(t)
        ok = True
    except Failure as e:
        signal.alarm(0)
        print("FAIL: %s: %s" % (name, e), file=sys.stderr, flush=True)
    except BaseException:
        signal.alarm(0)
        print("FAIL: %s: error in the test itself:\n%s" % (name, traceback.format_exc()),
              file=sys.stderr, flush=True)
    finally:
        signal.alarm(0)
        t.kill_all()
    if not ok or os.environ.get("SOTTO_IT_VERBOSE"):
        print("===== output of every process (%s) =====" % name, file=sys.stderr)
        print(t.dump_all(), file=sys.stderr, flush=True)
    if os.environ.get("SOTTO_KEEP_TMP"):
        print("[%s] kept %s" % (name, t.tmp))
    else:
        shutil.rmtree(t.tmp, ignore_errors=True)
    if ok:
        print("PASS: %s (%.1f s)" % (name, time.monotonic() - start), flush=True)
    sys.exit(0 if ok else 1)


# -- rooms: relay, room new, join INVITATION ------------------------------------
#
# Added for the test_room_* scenarios; nothing above depends on it.
#
#     relay, port = t.relay()
#     alice_p, inv = t.room_new(t.party("alice"), port)
#     bob_p = t.room_join(t.party("bob"), inv)
#     h.wait_in_room(bob_p, ["alice"]); h.wait_in_room(alice_p, ["bob"])

import base64
import hashlib

RELAY_LISTEN_RE = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
RELAY_FPR_RE = re.compile(r"fingerprint ([0-9a-f]{64})")
INVITE_RE = re.compile(r"^\* invitation: (sotto:\S+)\s*$")
ROOM_CODE_RE = re.compile(r"^\* room code: (\d{5}(?: \d{5}){5})\s*$")
RELAY_LOG_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (info|warn|error) ")

INVITE_CHECK_DOMAIN = b"sotto invitation v1"


def invite_checksum(body):
    """The 4-byte checksum of an invitation payload's bytes before it."""
    return hashlib.blake2b(INVITE_CHECK_DOMAIN + body, digest_size=32).digest()[:4]


def decode_invite(text):
    """Parses 'sotto:BASE64URL' (format in src/core/invite.h) into a dict:
    version, host, port, relay_pk, room_id, secret, check (as found), and
    for versions 2 and 3 (a guarded room) guard and question.  In version 3
    the 16 bytes after relay_pk are the lobby id ('room_id' holds them
    too, for old callers; the room id is not in the invitation)."""
    text = "".join(text.split())
    assert text.startswith("sotto:"), text
    b64 = text[len("sotto:"):]
    p = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
    # Versions 4 and 5 (1 and 3 with several relay addresses): 'addrs'
    # lists (host, port) of each, 'host' and 'port' are the first's.
    n, o = (p[1], 2) if p[0] in (4, 5) else (1, 1)
    addrs = []
    for _ in range(n):
        hl = p[o]
        addrs.append((p[o + 1:o + 1 + hl].decode("ascii"),
                      int.from_bytes(p[o + 1 + hl:o + 3 + hl], "big")))
        o += 3 + hl
    d = {"version": p[0], "host": addrs[0][0], "port": addrs[0][1], "addrs": addrs}
    d["relay_pk"], o = p[o:o + 32], o + 32
    d["room_id"], o = p[o:o + 16], o + 16
    if d["version"] in (3, 5):
        d["lobby_id"] = d["room_id"]
    d["secret"], o = p[o:o + 32], o + 32
    if d["version"] in (2, 3, 5):	# a guarded room: the secret is the invitation key
        d["guard"], ql = p[o], p[o + 1]
        d["question"] = p[o + 2:o + 2 + ql].decode("utf-8", "replace")
        o += 2 + ql
    d["check"] = p[o:o + 4]
    d["check_ok"] = invite_checksum(p[:o]) == d["check"] and len(p) == o + 4
    return d


def encode_invite(d):
    """The invitation for dict d (as from decode_invite), with a correct
    checksum (d['check'] is ignored)."""
    host = d["host"].encode("ascii")
    body = (bytes([d.get("version", 1), len(host)]) + host +
            d["port"].to_bytes(2, "big") + d["relay_pk"] + d["room_id"] + d["secret"])
    body += invite_checksum(body)
    return "sotto:" + base64.urlsafe_b64encode(body).decode("ascii").rstrip("=")


def invite_with_addrs(inv, addrs):
    """An open room's invitation with its relay addresses replaced by
    addrs, a list of (host, port): version 4 for several, 1 for one; the
    checksum is recomputed."""
    d = decode_invite(inv)
    assert d["version"] in (1, 4), "invite_with_addrs: open rooms only"
    body = bytes([4, len(addrs)]) if len(addrs) > 1 else bytes([1])
    for host, port in addrs:
        body += bytes([len(host)]) + host.encode("ascii") + port.to_bytes(2, "big")
    body += d["relay_pk"] + d["room_id"] + d["secret"]
    body += invite_checksum(body)
    return "sotto:" + base64.urlsafe_b64encode(body).decode("ascii").rstrip("=")


NATS_SERVER = shutil.which("nats-server") or "/usr/bin/nats-server"


def nats_server(t):
    """Starts 'nats-server -js -a 127.0.0.1 -p PORT -sd DIR' (a free
    port, a fresh store) and waits until it listens; returns (proc,
    port, store)."""
    nport = free_port()
    store = tempfile.mkdtemp(prefix="nats-store-", dir=t.tmp)
    t.check(os.access(NATS_SERVER, os.X_OK), "nats-server not found (scripts/deps.sh installs it)")
    nats = t.spawn("nats-server", [NATS_SERVER, "-js", "-a", LOOPBACK, "-p", str(nport),
                                   "-sd", store], t.env(t.tmp), stdin=False)
    nats.wait_until(lambda: port_listening(nport), "nats-server listening on %d" % nport, 20)
    return nats, nport, store


def cluster_state_dirs(t, n):
    """n fresh relay state directories sharing one relay key, for the
    nodes of a cluster (test_cluster, test_room_multiaddr): node 1's
    key, made by 'relay --fingerprint', copied into the others."""
    dirs = [tempfile.mkdtemp(prefix="relay%d-" % (i + 1), dir=t.tmp) for i in range(n)]
    r = subprocess.run([t.bin, "relay", "--fingerprint", "--state-dir", dirs[0]],
                       env=t.env(t.tmp), capture_output=True, timeout=20)
    t.check(r.returncode == 0, "relay --fingerprint: %r" % r.stderr)
    for d in dirs[1:]:
        shutil.copy2(os.path.join(dirs[0], "identity"), os.path.join(d, "identity"))
        os.chmod(os.path.join(d, "identity"), 0o600)
    return dirs


def cluster_node(t, url, node, state_dir, label=None, port=0, timeout=DEFAULT_WAIT):
    """Starts 'sotto relay --nats URL --node NODE' in state_dir (as
    t.relay) and waits for its 'connected to NATS'; returns (proc,
    port)."""
    label = label or "relay%d" % node
    r, p = t.relay("--nats", url, "--node", str(node), state_dir=state_dir, label=label,
                   port=port, timeout=timeout)
    r.wait_until(lambda: "connected to NATS" in r.stderr_text(),
                 "'connected to NATS' in %s's log" % label, 20)
    return r, p


def nats_url(t):
    """A nats-server of the test's own (nats_server); returns (proc, its
    nats:// URL)."""
    nats, nport, _ = nats_server(t)
    return nats, "nats://%s:%d" % (LOOPBACK, nport)


def two_nodes(t, url1, url2=None):
    """Relay nodes 1 and 2 sharing one relay key (cluster_state_dirs),
    node 1 on the NATS URLs url1, node 2 on url2 (default: url1), both
    connected (cluster_node); returns (r1, p1, d1, r2, p2, d2): each
    node's process, port and state directory."""
    d1, d2 = cluster_state_dirs(t, 2)
    r1, p1 = cluster_node(t, url1, 1, d1)
    r2, p2 = cluster_node(t, url2 or url1, 2, d2)
    return r1, p1, d1, r2, p2, d2


def pair_across_nodes(t, p1, p2):
    """alicia makes a room on the node at port p1 (it owns the room),
    bobbie joins it through the node at p2 with an invitation that lists
    only p2 (he cannot resume elsewhere); they say hello both ways
    ('hello bobbie', 'hello alicia'), each seen once.  Returns (alicia,
    bobbie, invitation).  For test_cluster_node_dead and
    test_cluster_nats3."""
    alicia, inv = t.room_new(t.party("alicia"), p1)
    bobbie = t.room_join(t.party("bobbie"), invite_with_addrs(inv, [(LOOPBACK, p2)]))
    wait_joined(bobbie, "bobbie", timeout=30)
    wait_in_room(alicia, ["bobbie"], timeout=30)
    wait_in_room(bobbie, ["alicia"], timeout=30)
    alicia.send("hello bobbie")
    bobbie.wait_until(lambda: bobbie.messages_from("alicia") == ["hello bobbie"],
                      "alicia's first line at bobbie", timeout=20)
    bobbie.send("hello alicia")
    alicia.wait_until(lambda: alicia.messages_from("bobbie") == ["hello alicia"],
                      "bobbie's first line at alicia", timeout=20)
    return alicia, bobbie, inv


def flip_bit(b, i, bit=0):
    b = bytearray(b)
    b[i] ^= 1 << bit
    return bytes(b)


def _relay_ready(proc):
    m = RELAY_LISTEN_RE.search(proc.stderr_text())
    return m


def relay_fingerprint(proc):
    m = RELAY_FPR_RE.search(proc.stderr_text())
    return m.group(1) if m else None


def _t_relay(self, *extra, state_dir=None, label="relay", port=0, timeout=DEFAULT_WAIT):
    """Starts 'sotto relay --listen 127.0.0.1 --port PORT --state-dir DIR
    EXTRA...' (DIR: a fresh one unless given; PORT 0: any); waits for its
    'listening on 127.0.0.1:PORT' log line; returns (proc, port).  A
    restart on a port just freed may have to wait for it: the relay is
    started again until it listens, within timeout."""
    if state_dir is None:
        state_dir = tempfile.mkdtemp(prefix="relay-state-", dir=self.tmp)
    home = tempfile.mkdtemp(prefix="relay-home-", dir=self.tmp)
    args = ["relay", "--listen", LOOPBACK, "--port", str(port),
            "--state-dir", state_dir] + list(extra)
    deadline = time.monotonic() + timeout
    while True:
        p = self.spawn(label, [self.bin] + args, self.env(home), stdin=False)
        p.state_dir = state_dir
        try:
            m = p.wait_until(lambda: _relay_ready(p),
                             "the relay's 'listening on 127.0.0.1:PORT' log line",
                             max(0.5, deadline - time.monotonic()))
            return p, int(m.group(1))
        except Failure:
            if port == 0 or time.monotonic() >= deadline or p.alive():
                raise
            time.sleep(0.2)


def _t_room_new(self, party, relay_port, *extra, invite_file=None, wait=True):
    """Starts 'sotto room new --relay 127.0.0.1:PORT --name NAME
    --invite-file FILE --plain EXTRA...' as party; waits for the
    invitation and the 'joined the room' notice; returns (proc,
    invitation).  The invitation must also be in FILE."""
    if invite_file is None:
        invite_file = os.path.join(party.dir, "invitation")
    args = ["room", "new", "--relay", "%s:%d" % (LOOPBACK, relay_port),
            "--name", party.name, "--invite-file", invite_file, "--plain"] + list(extra)
    p = self.sotto(party, args, label="room-new(%s)" % party.name)
    p.invite_file = invite_file
    if not wait:
        return p, None
    m = p.wait_line(INVITE_RE.pattern, what="'* invitation: sotto:...'")
    inv = m.group(1)
    wait_joined(p, party.name)
    with open(invite_file) as f:
        text = f.read().strip()
    if text != inv:
        raise Failure("%s: --invite-file holds %r, stdout says %r" % (p.label, text, inv))
    return p, inv


def _t_room_join(self, party, invitation, *extra, name=None, label=None):
    """Starts 'sotto join INVITATION --name NAME --plain EXTRA...' as party."""
    args = ["join", invitation, "--name", name or party.name, "--plain"] + list(extra)
    return self.sotto(party, args, label=label or "room-join(%s)" % (name or party.name))


Test.relay = _t_relay
Test.room_new = _t_room_new
Test.room_join = _t_room_join


def wait_joined(proc, name, timeout=DEFAULT_WAIT):
    """Waits for '* joined the room as NAME (N other members)'; returns N."""
    m = proc.wait_line(r"^\* joined the room as %s \((\d+) other members?\)" % re.escape(name),
                       timeout, "'* joined the room as %s (N other members)'" % name)
    return int(m.group(1))


def in_room(proc):
    """Names of the '* NAME is in the room (key TAG)' notices so far."""
    rx = re.compile(r"^\* (\S+) is in the room \(key [0-9a-f]+\)\s*$")
    out = []
    for l in proc.lines():
        m = rx.match(l)
        if m:
            out.append(m.group(1))
    return out


def wait_in_room(proc, names, timeout=DEFAULT_WAIT):
    """Waits until proc has shown '* NAME is in the room' for every name."""
    want = set(names)
    proc.wait_until(lambda: want <= set(in_room(proc)),
                    "'is in the room' for %s (missing: %s)"
                    % (", ".join(sorted(want)),
                       ", ".join(sorted(want - set(in_room(proc))))[:300]),
                    timeout)


def room_code(proc, timeout=DEFAULT_WAIT):
    """Sends /verify and returns the new '* room code: ...' it prints."""
    before = sum(1 for l in proc.lines() if ROOM_CODE_RE.match(l))
    proc.send("/verify")

    def pred():
        codes = [ROOM_CODE_RE.match(l).group(1) for l in proc.lines() if ROOM_CODE_RE.match(l)]
        return codes[before] if len(codes) > before else None
    return proc.wait_until(pred, "'* room code: ...' after /verify", timeout)


def room_messages(proc):
    """{sender: [texts in order]} of every 'NAME: TEXT' stdout line (not
    notices, not private messages)."""
    rx = re.compile(r"^([^\s:*][^\s:]*): (.*)$")
    out = {}
    for l in proc.lines():
        m = rx.match(l)
        if m:
            out.setdefault(m.group(1), []).append(m.group(2))
    return out


class Tail:
    """Reads a Proc's stdout incrementally (for scenarios with a lot of
    output, where re-decoding everything at every wake-up would cost
    seconds): count() scans only what arrived since the last call."""

    def __init__(self, proc):
        self.proc = proc
        self.off = 0
        self.partial = b""
        self.nlines = 0
        self.counts = {}	# bytes prefix -> count of lines starting with it
        self.watch = []		# bytes prefixes counted
        self.last = {}		# bytes prefix -> last line with it
        self.times = {}		# bytes prefix -> monotonic times it was seen

    def track(self, *prefixes):
        for p in prefixes:
            if isinstance(p, str):
                p = p.encode("utf-8")
            self.watch.append(p)
            self.counts.setdefault(p, 0)
            self.times.setdefault(p, [])
        return self

    def _feed(self):
        # Called with proc.cond held.
        out = self.proc.out
        if len(out) == self.off:
            return
        data = self.partial + bytes(out[self.off:])
        self.off = len(out)
        parts = data.split(b"\n")
        self.partial = parts.pop()
        self.nlines += len(parts)
        now = time.monotonic()
        for l in parts:
            for p in self.watch:
                if l.startswith(p):
                    self.counts[p] += 1
                    self.last[p] = l
                    self.times[p].append(now)

    def max_gap(self, prefix, start=None):
        """The longest time (s) between two consecutive arrivals of lines
        starting with prefix, as seen while waiting (start: also from that
        moment to the first one)."""
        if isinstance(prefix, str):
            prefix = prefix.encode("utf-8")
        ts = ([start] if start is not None else []) + self.times[prefix]
        return max((b - a for a, b in zip(ts, ts[1:])), default=0.0)

    def count(self, prefix):
        if isinstance(prefix, str):
            prefix = prefix.encode("utf-8")
        with self.proc.cond:
            self._feed()
            return self.counts[prefix]

    def wait_count(self, prefix, n, timeout=DEFAULT_WAIT, what=None):
        if isinstance(prefix, str):
            prefix = prefix.encode("utf-8")

        def pred():
            self._feed()
            return self.counts[prefix] >= n
        return self.proc.wait_until(pred, what or "%d line(s) starting with %r (have %d)"
                                    % (n, prefix, self.counts[prefix]), timeout)


# -- rooms that survive cuts ---------------------------------------------------

# Notices that mean something was lost, doubled, altered or unreadable:
# none of them may appear when the network merely failed for a while.
ANOMALY_RE = re.compile(
    r"never arrived|arrived again|failed authentication|could not be read|"
    r"is not a member|may be missing|malformed")


def anomalies(proc):
    """stdout and stderr lines that report an anomaly."""
    lines = proc.lines() + proc.stderr_text().splitlines()
    return [l for l in lines if ANOMALY_RE.search(l)]


def invite_via(inv, port):
    """The open room's invitation with the relay's port replaced (to go
    through a proxy); the checksum is recomputed."""
    d = decode_invite(inv)
    assert d["version"] == 1, "invite_via: open rooms only"
    d["port"] = port
    return encode_invite(d)


def signal_proc(proc, sig):
    """Sends sig to the process (not its group)."""
    os.kill(proc.p.pid, sig)


def outage_begin(proxy):
    """Starts one outage of a proxy started with outage=SECONDS, and
    waits until its connections are dropped."""
    before = sum(1 for l in proxy.lines() if l == "proxy outage begins")
    signal_proc(proxy, signal.SIGUSR1)
    proxy.wait_until(lambda: sum(1 for l in proxy.lines()
                                 if l == "proxy outage begins") > before,
                     "'proxy outage begins'")


def check_exactly(t, proc, sender, want):
    """proc received exactly the lines 'want' from sender, in order."""
    got = proc.messages_from(sender)
    if got != want:
        extra = [x for x in got if x not in set(want)]
        missing = [x for x in want if x not in set(got)]
        dup = len(got) - len(set(got))
        raise Failure("%s from %s: %d lines, expected %d (missing %d, e.g. %r; "
                      "unexpected %d, e.g. %r; duplicates %d)%s"
                      % (proc.label, sender, len(got), len(want), len(missing),
                         missing[:3], len(extra), extra[:3], dup,
                         "" if missing or extra or dup else " (order differs)"))

# -- outages and reconnection (test_reconnect, test_guessing) -----------------

def outage_start(proxy):
    """The 1:1 tests' name for outage_begin (one outage of a proxy started
    with outage=SECONDS)."""
    outage_begin(proxy)


class Chorus:
    """Members (procs, a dict name -> proc) that type numbered lines in
    phases, and what each must have received of every other: for the
    tests that check every line once, in order (test_cluster_fence,
    test_cluster_owner_dies)."""

    def __init__(self, t, procs, per_phase):
        self.t = t
        self.procs = procs
        self.per_phase = per_phase
        self.sent = {n: [] for n in procs}

    def say(self, phase, who=None):
        """Each of 'who' (default: all) types per_phase lines at once."""
        for n in (who or self.procs):
            lines = ["%s %s %d" % (n, phase, i) for i in range(self.per_phase)]
            self.sent[n] += lines
            self.procs[n].send_raw("".join(s + "\n" for s in lines).encode())

    def caught_up(self, timeout):
        """Waits, timeout seconds in all, until everyone has as many lines
        from each other member as were sent."""
        end = time.monotonic() + timeout
        for n, p in self.procs.items():
            for o in self.procs:
                if o != n:
                    p.wait_messages(o, len(self.sent[o]), max(1, end - time.monotonic()))

    def check_all(self):
        """Everyone has every other member's lines exactly once, in order."""
        for n, p in self.procs.items():
            for o in self.procs:
                if o != n:
                    check_exactly(self.t, p, o, self.sent[o])


def count_lines(proc, regex):
    rx = re.compile(regex)
    return sum(1 for l in proc.lines() if rx.search(l))


def wait_count(proc, regex, n, timeout=DEFAULT_WAIT, what=None):
    """Waits until at least n stdout lines match regex."""
    return proc.wait_until(lambda: count_lines(proc, regex) >= n,
                           what or "%d line(s) matching %r" % (n, regex), timeout)

# -- shared by the scenarios of findings 4 to 11 --------------------------------

ONE_TIME_CODE_RE = re.compile(r"^\* one-time code: (\d{6}) \(good for (\d+) s\)\s*$")


def one_time_code(proc):
    """Sends /code to a guarded room's member and returns the new code
    it prints."""
    before = sum(1 for l in proc.lines() if ONE_TIME_CODE_RE.match(l))
    proc.send("/code")

    def pred():
        codes = [ONE_TIME_CODE_RE.match(l).group(1) for l in proc.lines()
                 if ONE_TIME_CODE_RE.match(l)]
        return codes[before] if len(codes) > before else None
    return proc.wait_until(pred, "'* one-time code: NNNNNN' after /code")


def party_file(party, name, text):
    """Writes text and a newline to a file (mode 0600) in party's
    directory; returns its path (for --answer-file and the like)."""
    path = os.path.join(party.dir, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    return path


def room_of_two(t, relay_port, first="alice", second="bob"):
    """An open room with two line-mode members who have verified each
    other; returns (first's proc, invitation, second's proc)."""
    a, inv = t.room_new(t.party(first), relay_port)
    b = t.room_join(t.party(second), inv)
    wait_in_room(b, [first])
    wait_in_room(a, [second])
    return a, inv, b

class Chatroom:
    """Members in one open room, each a process, and every line each has
    typed, for the rooms-survive-cuts scenarios:

        room = h.Chatroom(t, port, ("alice", "bob", "carol"), via={"carol": pport})
        room.say("before", 100)
        room.caught_up(20)
        ...
        room.check_all(); room.leave_all()

    via maps a member to another port (a proxy) to reach the relay by."""

    def __init__(self, t, port, names, via=None, tails=False):
        self.t, self.names = t, list(names)
        self.parties = {n: t.party(n) for n in names}
        self.procs = {}
        first = self.names[0]
        self.procs[first], self.inv = t.room_new(self.parties[first], port)
        for n in self.names[1:]:
            inv = self.inv if not via or n not in via else invite_via(self.inv, via[n])
            self.procs[n] = t.room_join(self.parties[n], inv)
            wait_joined(self.procs[n], n)
        for n, p in self.procs.items():
            wait_in_room(p, self.others(n))
        self.sent = {n: [] for n in self.names}
        self.tails = None
        if tails:
            self.tails = {n: Tail(p).track(*("%s: " % o for o in self.others(n)))
                          for n, p in self.procs.items()}

    def others(self, n):
        return [o for o in self.names if o != n]

    def say(self, phase, count, who=None):
        """Each member (or those in who) types count lines at once."""
        for n in (who or self.names):
            lines = ["%s %s %d" % (n, phase, i) for i in range(count)]
            self.sent[n] += lines
            self.procs[n].send_raw("".join(s + "\n" for s in lines).encode())

    def received(self, n, o):
        if self.tails:
            return self.tails[n].count("%s: " % o)
        return len(self.procs[n].messages_from(o))

    def caught_up(self, timeout, who=None, since=None, senders=None):
        """Waits until every member (or those in who) has every line the
        others (or those of them in senders) typed, within timeout
        seconds (from since, if given)."""
        start = since if since is not None else time.monotonic()
        for n in (who or self.names):
            for o in self.others(n):
                if senders is not None and o not in senders:
                    continue
                left = max(1.0, timeout - (time.monotonic() - start))
                what = "%d lines from %s" % (len(self.sent[o]), o)
                if self.tails:
                    self.tails[n].wait_count("%s: " % o, len(self.sent[o]), left, what)
                else:
                    self.procs[n].wait_messages(o, len(self.sent[o]), left)

    def check_all(self):
        """Exactly once, in order, and no anomaly notice anywhere."""
        for n, p in self.procs.items():
            for o in self.others(n):
                check_exactly(self.t, p, o, self.sent[o])
            self.t.check(not anomalies(p), "%s: anomaly notices %r" % (n, anomalies(p)[:5]))

    def leave_all(self, timeout=20):
        """Ends every member's input; each exits 0 once all it typed is
        acknowledged."""
        for p in self.procs.values():
            p.close_stdin()
        for p in self.procs.values():
            p.expect_exit(EXIT_OK, timeout=timeout, why="stdin ended, all lines acknowledged")


# -- SOCKS5 proxies (test_proxy_*) ---------------------------------------------
#
#     ms, mport = t.microsocks()                 # outgoing from 127.0.0.2
#     url = socks_url(mport)                     # socks5h://127.0.0.1:PORT
#     fake = FakeSocks(reply=0x05)               # refuses every CONNECT

MICROSOCKS = "/usr/bin/microsocks"
PROXY_SOURCE = "127.0.0.2"	# microsocks -b: its connections come from here
RELAY_CONNECTED_RE = re.compile(r" info (\S+):\d+: connected \(")


def socks_url(port, auth=""):
    return "socks5h://%s127.0.0.1:%d" % (auth, port)


def _t_microsocks(self, *extra, bind=PROXY_SOURCE, label="microsocks", port=0):
    """Starts microsocks on 127.0.0.1 (a free port, or port), its outgoing
    connections bound to bind; waits until it listens; returns (proc,
    port).  Missing microsocks is a failure, not a skip: scripts/deps.sh
    installs it."""
    if not os.access(MICROSOCKS, os.X_OK):
        raise Failure("%s is missing: run scripts/deps.sh (Debian package "
                      "microsocks)" % MICROSOCKS)
    port = port or free_port()
    argv = [MICROSOCKS, "-i", LOOPBACK, "-p", str(port), "-b", bind] + list(extra)
    p = self.spawn(label, argv, self.env(self.tmp), stdin=False)
    deadline = time.monotonic() + DEFAULT_WAIT
    while not port_listening(port):
        if not p.alive() or time.monotonic() > deadline:
            raise Failure("microsocks did not listen on port %d" % port)
        time.sleep(0.05)
    return p, port


Test.microsocks = _t_microsocks


def relay_peers(relay):
    """The addresses (without port) the relay logged connections from."""
    return RELAY_CONNECTED_RE.findall(relay.stderr_text())


class FakeSocks:
    """A SOCKS5 server in a thread on 127.0.0.1 that records what each
    client asks for and answers every CONNECT with reply (0x05: refused),
    or, with stall=True, accepts and never answers.  .requests holds
    (methods, atyp, address, port) per connection."""

    def __init__(self, reply=0x05, stall=False, port=0, tunnel_after=None):
        # tunnel_after=S: wait S seconds (a slow proxy: Tor building a
        # circuit), then connect to the destination and carry the bytes.
        self.reply, self.stall, self.tunnel_after = reply, stall, tunnel_after
        self.requests = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((LOOPBACK, port))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held = []
        threading.Thread(target=self._serve, daemon=True).start()

    @staticmethod
    def _read(c, n):
        b = b""
        while len(b) < n:
            chunk = c.recv(n - len(b))
            if not chunk:
                raise EOFError
            b += chunk
        return b

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(c,), daemon=True).start()

    def _one(self, c):
        c.settimeout(60)
        try:
            ver, n = self._read(c, 2)
            methods = list(self._read(c, n))
            if self.stall:
                c.settimeout(0)
                self.held.append(c)
                self.requests.append((methods, None, None, None))
                return
            if 2 in methods:
                c.sendall(b"\x05\x02")
                self._read(c, 1)
                user = self._read(c, self._read(c, 1)[0])
                self._read(c, self._read(c, 1)[0])
                c.sendall(b"\x01\x00")
            else:
                c.sendall(b"\x05\x00")
            _, cmd, _, atyp = self._read(c, 4)
            if atyp == 1:
                addr = socket.inet_ntop(socket.AF_INET, self._read(c, 4))
            elif atyp == 4:
                addr = socket.inet_ntop(socket.AF_INET6, self._read(c, 16))
            else:
                addr = self._read(c, self._read(c, 1)[0]).decode()
            port = int.from_bytes(self._read(c, 2), "big")
            self.requests.append((methods, atyp, addr, port))
            if self.tunnel_after is not None:
                time.sleep(self.tunnel_after)
                d = socket.create_connection((addr, port), timeout=10)
                d.settimeout(None)
                c.settimeout(None)
                c.sendall(bytes([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]))
                self.held.append(d)
                threading.Thread(target=self._pipe, args=(d, c),
                                 daemon=True).start()
                self._pipe(c, d)
                return
            c.sendall(bytes([5, self.reply, 0, 1, 0, 0, 0, 0, 0, 0]))
        except (EOFError, OSError, ValueError):
            pass
        if not self.stall:
            c.close()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def held_open(self):
        """How many stalled clients still hold their connection open."""
        n = 0
        for c in self.held:
            try:
                if c.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT):
                    n += 1
            except BlockingIOError:
                n += 1
            except OSError:
                pass
        return n

    def close(self):
        # shutdown first: a bare close leaves the socket listening while
        # the thread's accept() holds it (Linux).
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for c in self.held:
            c.close()


def check_room_chat(t, names, procs, sent):
    """Every member printed exactly what each other member sent (sent:
    {name: [lines]}), once, in order; its own never echoed; no stray
    lines."""
    for n, p in zip(names, procs):
        got = room_messages(p)
        t.check(n not in got, "%s's own messages were echoed" % n)
        for o in names:
            if o != n:
                t.check(got.get(o) == sent[o], "%s received from %s:\n  %r\nexpected exactly:\n  %r"
                        % (n, o, got.get(o), sent[o]))
        expect_no_stray_lines(t, p, [o for o in names if o != n])
