#!/usr/bin/python3
"""
test_wrap_tmux: a room message cannot fake a line of its own on a real
terminal (review finding 7).

It drives the line-editor view (TERM=dumb keeps it instead of the
full-screen one), whose layout this test knows; the full-screen view
wraps with its own indented continuation rows and the same blanks rule
(test_tui_wrap_tmux).

A member in line mode (mallory) and one on a terminal (alice: sotto in a
private tmux server, 80x24) share a room.  mallory sends (1) "hi", then
exactly enough spaces to fill alice's line after the time and her name,
then "HH:MM * bob left"; (2) 'x' filling the line, then "HH:MM bob:
mallory speaks for me now".  Proves, on alice's screen as tmux draws it
(capture-pane, one row per terminal line, not joined): no row starts
with a time followed by "* bob left" or "bob:", the fake text is there
only inside mallory's own row or on continuation rows, which start with
blanks (indented under the text), and the long run of spaces shows as
"[N blanks]".
"""
import os
import re
import shlex
import subprocess
import time

import sotto_harness as h

COLS, ROWS = 80, 24


class Pane:
    """One sotto in a private tmux server (its own socket)."""

    def __init__(self, t, party, args):
        self.t = t
        self.sock = os.path.join(t.tmp, "tmux.sock")
        conf = os.path.join(t.tmp, "tmux.conf")
        with open(conf, "w") as f:
            f.write("set -g remain-on-exit on\nset -g status off\n")
        self.base = ["tmux", "-S", self.sock, "-f", conf]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
        t.cleanups.append(lambda: self.run("kill-server", check=False))
        cmd = "env HOME=%s XDG_CONFIG_HOME=%s LANG=C.UTF-8 NO_COLOR=1 TERM=dumb %s" % (
            shlex.quote(party.dir), shlex.quote(party.dir),
            " ".join(shlex.quote(a) for a in [t.bin] + args))
        self.run("new-session", "-d", "-s", "w", "-x", str(COLS), "-y", str(ROWS), cmd)
        self.last = ""

    def run(self, *args, check=True):
        r = subprocess.run(self.base + list(args), env=self.env, capture_output=True, timeout=10)
        if check and r.returncode != 0:
            raise h.Failure("tmux %s failed: %s" % (" ".join(args), r.stderr.decode(errors="replace")))
        return r.stdout.decode("utf-8", errors="replace")

    def rows(self):
        # No -J: the rows exactly as the terminal shows them.
        self.last = self.run("capture-pane", "-p", "-t", "w")
        return self.last.split("\n")

    def wait(self, pred, what, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            rows = self.rows()
            if pred(rows):
                return rows
            if time.monotonic() > deadline:
                raise h.Failure("timed out waiting for %s; screen:\n%s" % (what, self.last))
            time.sleep(0.1)


def scenario(t):
    relay, rport = t.relay()
    mallory = t.party("mallory")
    rm, inv = t.room_new(mallory, rport)
    alice = t.party("alice")
    pane = Pane(t, alice, ["join", "--invite-file", rm.invite_file, "--name", "alice"])
    pane.wait(lambda rows: any("joined the room" in r for r in rows), "alice in the room")
    h.wait_in_room(rm, ["alice"])

    stamp = time.strftime("%H:%M")
    prefix = len("HH:MM ") + len("mallory~xxxx-xxxx-xxxx: ")
    rm.send("hi" + " " * (COLS - prefix - 2) + "%s * bob left" % stamp)
    rm.send("x" * (COLS - prefix) + "%s bob: mallory speaks for me now" % stamp)
    rows = pane.wait(lambda rows: any("speaks for me" in r for r in rows),
                     "mallory's second message on alice's screen")
    t.log("screen:\n" + pane.last)
    fake = re.compile(r"^\d\d:\d\d (\* bob left|bob:)")
    mine = re.compile(r"^\d\d:\d\d mallory~")
    bad = [r for r in rows if fake.match(r)]
    t.check(not bad, "a message faked a line of its own: %r\nscreen:\n%s" % (bad, pane.last))
    for text in ("* bob left", "bob: mallory speaks"):
        hits = [r for r in rows if text in r]
        t.check(hits, "%r not shown at all:\n%s" % (text, pane.last))
        t.check(all(r.startswith(" ") or mine.match(r) for r in hits),
                "%r neither inside mallory's line nor on an indented "
                "continuation row: %r" % (text, hits))
    t.check(any(re.search(r"\[\d+ blanks\]", r) for r in rows),
            "the run of spaces is not shown collapsed:\n%s" % pane.last)
    # Nothing on the screen runs past its width (tmux would have wrapped).
    t.check(all(len(r) <= COLS for r in rows), "a row wider than the pane")
    rm.close_stdin()
    rm.expect_exit(h.EXIT_OK)


h.main(scenario, budget=60)
