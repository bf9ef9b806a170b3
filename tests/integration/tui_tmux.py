"""
tui_tmux.py: a private tmux server for the full-screen view's scenarios
(test_tui_*.py): start sotto in a window of a given size with a party's
config directory, type and paste into it, read its screen (with or
without colours), its bell flag and its exit status.  Every wait has a
timeout; the server is killed on the way out.  Standard library only.
"""
import os
import re
import shlex
import subprocess
import time

import sotto_harness as h


class Tmux:
    def __init__(self, t, cols=80, rows=24):
        self.t = t
        self.cols, self.rows = cols, rows
        self.sock = os.path.join(t.tmp, "tmux.sock")
        self.conf = os.path.join(t.tmp, "tmux.conf")
        with open(self.conf, "w") as f:
            # Bells are flagged on every window, current or not.
            f.write("set -g remain-on-exit on\nset -g history-limit 5000\n"
                    "set -g status off\nset -g bell-action any\n"
                    "set -g monitor-bell on\nset -g visual-bell off\n")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
        self.started = False
        self.last = {}
        t.cleanups.append(self.kill)

    def run(self, *args, check=True):
        r = subprocess.run(["tmux", "-S", self.sock, "-f", self.conf] + list(args),
                           env=self.env, capture_output=True, timeout=10)
        if check and r.returncode != 0:
            raise h.Failure("tmux %s failed: %s" % (" ".join(args),
                                                   r.stderr.decode(errors="replace")))
        return r.stdout.decode("utf-8", errors="replace")

    def status_file(self, window):
        return os.path.join(self.t.tmp, "status-" + window)

    def start(self, window, party, args, env=None):
        """Runs 'sotto ARGS' as party in a new window (the first one makes
        the session, at the Tmux's size)."""
        extra = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in (env or {}).items())
        cmd = "env HOME=%s XDG_CONFIG_HOME=%s LANG=C.UTF-8 TZ=UTC %s %s %s; echo $? > %s" % (
            shlex.quote(party.dir), shlex.quote(party.dir), extra,
            shlex.quote(self.t.bin), " ".join(shlex.quote(a) for a in args),
            shlex.quote(self.status_file(window)))
        if not self.started:
            self.run("new-session", "-d", "-s", "it", "-n", window, "-x", str(self.cols),
                     "-y", str(self.rows), cmd)
            self.started = True
        else:
            self.run("new-window", "-d", "-t", "it", "-n", window, cmd)

    def screen(self, window, colors=False):
        """The visible screen, one string per row."""
        args = ["capture-pane", "-p", "-t", "it:" + window]
        if colors:
            args.insert(2, "-e")
        text = self.run(*args)
        self.last[window] = text
        if text.endswith("\n"):
            text = text[:-1]
        return text.split("\n")

    def keys(self, window, text, enter=True):
        if text:
            self.run("send-keys", "-t", "it:" + window, "-l", "--", text)
        if enter:
            self.run("send-keys", "-t", "it:" + window, "Enter")

    def key(self, window, *names):
        self.run("send-keys", "-t", "it:" + window, *names)

    def paste(self, window, text):
        """Pastes text as a terminal would: bracketed, since sotto asks."""
        path = os.path.join(self.t.tmp, "paste-buffer")
        with open(path, "w") as f:
            f.write(text)
        self.run("load-buffer", "-b", "p", path)
        self.run("paste-buffer", "-p", "-d", "-b", "p", "-t", "it:" + window)

    def fmt(self, window, f):
        return self.run("display-message", "-p", "-t", "it:" + window, f).strip()

    def resize(self, window, cols, rows):
        self.run("resize-window", "-t", "it:" + window, "-x", str(cols), "-y", str(rows))

    def wait(self, window, pred, what, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            rows = self.screen(window)
            if pred(rows):
                return rows
            if self.fmt(window, "#{pane_dead}") == "1":
                raise h.Failure("window %s: sotto exited before %s; screen:\n%s"
                                % (window, what, "\n".join(rows)))
            if time.monotonic() > deadline:
                raise h.Failure("window %s: timed out waiting for %s; screen:\n%s"
                                % (window, what, "\n".join(rows)))
            time.sleep(0.1)

    def exit_status(self, window, timeout=8):
        deadline = time.monotonic() + timeout
        while True:
            try:
                with open(self.status_file(window)) as f:
                    st = f.read()
                if st.endswith("\n"):
                    return st.strip()
            except FileNotFoundError:
                pass
            if time.monotonic() > deadline:
                raise h.Failure("window %s: sotto did not exit within %d s" % (window, timeout))
            time.sleep(0.05)

    def kill(self):
        if os.path.exists(self.sock):
            self.run("kill-server", check=False)

    def dump(self):
        return "\n".join("----- tmux window %s:\n%s" % kv for kv in self.last.items())


def text(rows):
    return "\n".join(rows)


def has(s):
    """A predicate: some row contains s."""
    return lambda rows: any(s in r for r in rows)


def wait_bell(tm, window, timeout=5):
    """True once tmux has flagged a bell in window."""
    deadline = time.monotonic() + timeout
    while tm.fmt(window, "#{window_bell_flag}") != "1":
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def main(body, cols, rows, budget):
    """Runs body(t, tm) with a Tmux of cols x rows; on failure (and with
    SOTTO_IT_VERBOSE) shows the last screens."""
    def scenario(t):
        tm = Tmux(t, cols, rows)
        try:
            body(t, tm)
        except h.Failure as e:
            raise h.Failure("%s\n%s" % (e, tm.dump()))
        if os.environ.get("SOTTO_IT_VERBOSE"):
            t.log("last screens:\n" + tm.dump())
    h.main(scenario, budget=budget)


def last_prompt(rows):
    """The last non-blank row: where the interactive start's question is."""
    rows = [r for r in rows if r.strip()]
    return rows[-1] if rows else ""


def wait_prompt(tm, window, rx, what):
    return tm.wait(window, lambda r: re.search(rx, last_prompt(r)), what)


def begin_wizard(tm, window, party, role, name):
    """Starts 'sotto' in window and answers the role and the name."""
    tm.start(window, party, [])
    wait_prompt(tm, window, r"Host or join\?", "the first question")
    tm.keys(window, role)
    wait_prompt(tm, window, r"Your name", "the name question")
    tm.keys(window, name)


def host_port(tm, window):
    """The port a host started with --port 0 in window says it listens on."""
    rx = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
    rows = tm.wait(window, lambda r: any(rx.search(x) for x in r), "'listening on 127.0.0.1:PORT'")
    return int([rx.search(x) for x in rows if rx.search(x)][0].group(1))


def guarded_room(t, party, relay_port, answer, question="Our street?"):
    """A line-mode member of a new room guarded by question (answer
    read from a file) and a one-time code: (proc, invitation, code)."""
    afile = os.path.join(party.dir, "answer")
    with open(afile, "w") as f:
        f.write(answer + "\n")
    p, inv = t.room_new(party, relay_port, "--question", question, "--answer-file", afile,
                        "--one-time-code")
    p.send("/code")
    code = p.wait_line(r"^\* one-time code: (\d{6})", what="the one-time code").group(1)
    return p, inv, code
