#!/usr/bin/python3
"""
test_interactive_tmux: 'sotto' with no arguments, on a real terminal,
asks its questions and chats; the password is never shown.

Drives sotto inside a private tmux server (its own socket in the test's
temporary directory, 120x30).  Proves: (1) host side: the prompts
'host or join?', 'your name', 'room password' and 'repeat password'
(typed without echo) and 'port' are answered, the host listens on that
port, a line-mode joiner (--password-file) connects, both see the same
safety number, a line typed in the pane ('hello from tmux' Enter) reaches
the joiner and the joiner's line appears in the pane; when the joiner
leaves, the pane shows it and sotto exits 0.  (2) join side: sotto in a
second tmux window answers 'join', a name, the host address and the
password, chats with a line-mode host the same way, and '/quit' typed
in the pane ends both sides with status 0.  (3) room side: sotto in a
third window answers 'new', a name, a relay's address, a security
question, 'y' to a one-time code and the answer twice (without echo);
the pane shows the invitation, '/code' shows the code, a line-mode
newcomer with the answer and that code gets in (the pane shows it at the
door, then in the room); a fourth window answers 'room', the invitation,
the answer and the code (the question is shown, nothing typed is echoed)
and gets in too; when the relay is killed, the room pane says
'connection to the relay lost; reconnecting', a line typed then shows as
pending in the prompt ('erin [offline, 1 pending]>'), and once the relay
is back (same port and state) the pane says '* reconnected', the line
reaches the line-mode member and the prompt is plain 'erin>' again;
'/quit' ends both with status 0.  (4) a cut on a
terminal: an interactive joiner through a proxy that cuts both
directions for 3 s keeps its half-typed line, marks a line entered during
the cut as pending, and after '* reconnected' both lines reach the host,
in order.  Neither the
password nor the answer ever appears in any capture of the panes.

Prompt matching is case-insensitive and by substring, so the exact
wording may change.
"""
import os
import re
import shlex
import signal
import subprocess
import time

import sotto_harness as h

PW = "violet-Granite-harbor-1987-quasar"
ANSWER = "under-the-Old-clocktower-4417"


class Tmux:
    def __init__(self, t):
        self.t = t
        self.sock = os.path.join(t.tmp, "tmux.sock")
        self.conf = os.path.join(t.tmp, "tmux.conf")
        with open(self.conf, "w") as f:
            f.write("set -g remain-on-exit on\nset -g history-limit 5000\n"
                    "set -g status off\n")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
        self.captures = []
        self.started = False
        t.cleanups.append(self.kill)

    def run(self, *args, check=True):
        r = subprocess.run(["tmux", "-S", self.sock, "-f", self.conf] + list(args),
                           env=self.env, capture_output=True, timeout=10)
        if check and r.returncode != 0:
            raise h.Failure("tmux %s failed: %s" % (" ".join(args), r.stderr.decode(errors="replace")))
        return r.stdout.decode("utf-8", errors="replace")

    def start(self, window, party, args=()):
        # tmux does not always learn a dead pane's exit status, so the
        # shell writes it to a file.
        cmd = "env HOME=%s XDG_CONFIG_HOME=%s LANG=C.UTF-8 %s; echo $? > %s" % (
            shlex.quote(party.dir), shlex.quote(party.dir),
            " ".join(shlex.quote(a) for a in [self.t.bin] + list(args)),
            shlex.quote(self.status_file(window)))
        if not self.started:
            self.run("new-session", "-d", "-s", "it", "-n", window, "-x", "120", "-y", "30", cmd)
            self.started = True
        else:
            self.run("new-window", "-d", "-t", "it", "-n", window, cmd)

    def capture(self, window):
        text = self.run("capture-pane", "-p", "-J", "-S", "-", "-t", "it:" + window)
        self.captures.append((window, text))
        return text

    def keys(self, window, text, enter=True):
        self.run("send-keys", "-t", "it:" + window, "-l", "--", text)
        if enter:
            self.run("send-keys", "-t", "it:" + window, "Enter")

    def pane(self, window, fmt):
        return self.run("display-message", "-p", "-t", "it:" + window, fmt).strip()

    def wait(self, window, pred, what, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            text = self.capture(window)
            r = pred(text)
            if r:
                return r
            if self.pane(window, "#{pane_dead}") == "1":
                raise h.Failure("tmux window %s: sotto exited (status %s) before %s; screen:\n%s"
                                % (window, self.exit_status(window, 2), what, text))
            if time.monotonic() > deadline:
                raise h.Failure("tmux window %s: timed out waiting for %s; screen:\n%s"
                                % (window, what, text))
            time.sleep(0.1)

    def answer_prompts(self, window, answers, done, what, timeout=15):
        """Answers the prompts on the cursor line: 'answers' is a list of
        (regex, reply); stops when done(screen) is true."""
        deadline = time.monotonic() + timeout
        last = None
        asked = []
        while True:
            text = self.capture(window)
            if done(text):
                return asked
            cur = self.pane(window, "#{cursor_x},#{cursor_y}")
            lines = self.run("capture-pane", "-p", "-t", "it:" + window).split("\n")
            y = int(cur.split(",")[1])
            line = lines[y] if y < len(lines) else ""
            if (cur, line) != last:
                for rx, reply in answers:
                    if re.search(rx, line, re.I):
                        asked.append(line.strip())
                        self.keys(window, reply)
                        last = (cur, line)
                        break
            if self.pane(window, "#{pane_dead}") == "1":
                st = self.exit_status(window, 2)
                raise h.Failure("tmux window %s: sotto exited (status %s) while being asked "
                                "its questions; screen:\n%s"
                                % (window, st, self.capture(window)))
            if time.monotonic() > deadline:
                raise h.Failure("tmux window %s: %s did not happen; prompts answered: %r; "
                                "screen:\n%s" % (window, what, asked, text))
            time.sleep(0.1)

    def status_file(self, window):
        return os.path.join(self.t.tmp, "status-" + window)

    def exit_status(self, window, timeout=8):
        """Waits for sotto in 'window' to exit; returns its status as a
        string."""
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
                raise h.Failure("tmux window %s: sotto did not exit within %d s; screen:\n%s"
                                % (window, timeout, self.capture(window)))
            time.sleep(0.05)

    def kill(self):
        if os.path.exists(self.sock):
            self.run("kill-server", check=False)

    def dump(self):
        last = {}
        for window, text in self.captures:
            last[window] = text
        return "\n".join("----- tmux window %s:\n%s" % kv for kv in last.items())


def squash(s):
    return re.sub(r"\s+", "", s)


def host_side(t, tm):
    alice, bob = t.party("alice", PW), t.party("bob", PW)
    port = h.free_port()
    tm.start("host", alice)
    listening = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
    asked = tm.answer_prompts("host", [
        (r"host or join", "host"),
        (r"name", "alice"),
        (r"repeat|again|confirm", PW),
        (r"password", PW),
        # Taken meanwhile (a busy machine): take the free one offered.
        (r"^Port \[(?!65432\])\d+\]", " "),
        (r"^listen on", " "),
        (r"\bport\b", str(port)),
    ], lambda s: listening.search(s), "listening on a port")
    port = int(listening.search(tm.capture("host")).group(1))
    t.log("host prompts: %r" % asked)
    for want in ("host or join", "name", "password", "repeat|again|confirm", "port"):
        t.check(any(re.search(want, a, re.I) for a in asked),
                "no prompt matching %r was asked (asked: %r)" % (want, asked))

    join = t.join(bob, port)
    join.wait_line(r"^\* connected to alice\b", what="'* connected to alice'")
    sn = join.wait_until(join.safety_number, "the safety number")
    tm.wait("host", lambda s: squash(sn) in squash(s), "the safety number %s in the pane" % sn)
    tm.keys("host", "hello from tmux")
    join.wait_messages("alice", 1)
    t.check(join.messages_from("alice") == ["hello from tmux"],
            "the joiner got %r" % join.messages_from("alice"))
    join.send("hi from the pipe")
    tm.wait("host", lambda s: "hi from the pipe" in s, "'hi from the pipe' in the pane")
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    tm.wait("host", lambda s: re.search(r"bob\b.*\bleft", s, re.I), "'bob left' in the pane")
    # The host keeps serving; its own /quit ends it.
    tm.wait("host", lambda s: "waiting for the next conversation" in s,
            "'waiting for the next conversation' in the pane")
    tm.keys("host", "/quit")
    st = tm.exit_status("host")
    t.check(st == "0", "interactive host exited with status %s after its /quit" % st)


def join_side(t, tm):
    carol, dave = t.party("carol", PW), t.party("dave", PW)
    host, port = t.host(carol)
    tm.start("join", dave)
    asked = tm.answer_prompts("join", [
        (r"host or join", "join"),
        (r"name", "dave"),
        (r"address|host", "127.0.0.1:%d" % port),
        (r"repeat|again|confirm", PW),
        (r"password", PW),
        (r"\bport\b", str(port)),
    ], lambda s: re.search(r"connected", s, re.I), "connecting to the host")
    t.log("join prompts: %r" % asked)
    host.wait_line(r"^\* connected to dave\b", what="'* connected to dave'")
    sn = host.wait_until(host.safety_number, "the safety number")
    tm.wait("join", lambda s: squash(sn) in squash(s), "the safety number %s in the pane" % sn)
    host.send("hello dave in tmux")
    tm.wait("join", lambda s: "hello dave in tmux" in s, "'hello dave in tmux' in the pane")
    tm.keys("join", "hello carol from tmux")
    host.wait_messages("dave", 1)
    t.check(host.messages_from("dave") == ["hello carol from tmux"],
            "the host got %r" % host.messages_from("dave"))
    tm.keys("join", "/quit")
    host.expect_exit(h.EXIT_OK, why="the interactive joiner typed /quit")
    st = tm.exit_status("join")
    t.check(st == "0", "interactive joiner exited with status %s after /quit" % st)


def room_side(t, tm):
    erin, frank = t.party("erin"), t.party("frank")
    relay, port = t.relay()
    tm.start("room", erin)
    asked = tm.answer_prompts("room", [
        (r"host or join", "new"),
        (r"answer to the", ANSWER),
        (r"again", ANSWER),
        (r"security question", "Where did we first meet?"),
        (r"one-time code", "y"),
        (r"relay address", "127.0.0.1:%d" % port),
        (r"name", "erin"),
    ], lambda s: re.search(r"invitation: sotto:", s), "the invitation in the pane")
    t.log("room prompts: %r" % asked)
    for want in ("security question", "one-time code", "again"):
        t.check(any(re.search(want, a, re.I) for a in asked),
                "no prompt matching %r was asked (asked: %r)" % (want, asked))
    # capture-pane -J joins the invitation's wrapped line.
    screen = tm.wait("room", lambda s: re.search(r"sotto:[A-Za-z0-9_-]{100,}", s),
                     "the whole invitation in the pane")
    inv = screen.group(0)
    t.check(h.decode_invite(inv)["question"] == "Where did we first meet?",
            "the invitation's question: %r" % h.decode_invite(inv).get("question"))
    tm.keys("room", "/code")
    code = tm.wait("room", lambda s: re.search(r"one-time code: (\d{6})", s), "/code's answer").group(1)
    afile, cfile = os.path.join(frank.dir, "answer"), os.path.join(frank.dir, "code")
    with open(afile, "w") as f:
        f.write(ANSWER.upper() + "\n")
    with open(cfile, "w") as f:
        f.write(code + "\n")
    p = t.room_join(frank, inv, "--answer-file", afile, "--code-file", cfile)
    h.wait_in_room(p, ["erin"])
    tm.wait("room", lambda s: re.search(r"someone is at the door", s), "'someone is at the door' in the pane")
    tm.wait("room", lambda s: re.search(r"frank\S* is in the room", s), "'frank is in the room' in the pane")
    p.send("hello erin")
    tm.wait("room", lambda s: "hello erin" in s, "frank's message in the pane")

    # A newcomer on a terminal: 'room', the invitation, then the question
    # is shown and the answer and code are typed without echo.
    gina = t.party("gina")
    tm.keys("room", "/code")
    code = tm.wait("room", lambda s: len(re.findall(r"one-time code: (\d{6})", s)) >= 2 and
                   re.findall(r"one-time code: (\d{6})", s)[-1], "a second /code answer")
    tm.start("door", gina)
    asked = tm.answer_prompts("door", [
        (r"host or join", "room"),
        (r"invitation", inv),
        (r"answer to the", ANSWER),
        (r"one-time code", code),
        (r"name", "gina"),
    ], lambda s: re.search(r"joined the room as gina", s), "gina in the room")
    t.log("door prompts: %r" % asked)
    screen = tm.capture("door")
    t.check("security question: Where did we first meet?" in screen,
            "the question was not shown to the newcomer:\n%s" % screen)
    t.check(any(re.search(r"one-time code", a, re.I) for a in asked),
            "gina was not asked for the one-time code (asked: %r)" % asked)
    tm.wait("room", lambda s: re.search(r"gina\S* is in the room", s), "'gina is in the room' in erin's pane")

    # The relay goes away: the prompt says so, and how many lines wait.
    h.signal_proc(relay, signal.SIGKILL)
    relay.wait_exit(5)
    tm.wait("room", lambda s: "connection to the relay lost; reconnecting" in s,
            "the lost notice in erin's pane")
    tm.keys("room", "typed while the relay is away")
    tm.wait("room", lambda s: re.search(r"erin \[offline, 1 pending\]> *$", s.rstrip(), re.M),
            "the prompt 'erin [offline, 1 pending]>'")
    relay, _ = t.relay(state_dir=relay.state_dir, port=port, label="relay-again")
    tm.wait("room", lambda s: "* reconnected" in s, "'* reconnected' in erin's pane", timeout=20)
    p.wait_until(lambda: p.messages_from("erin")[-1:] == ["typed while the relay is away"],
                 "erin's queued line at frank", timeout=20)
    tm.wait("room", lambda s: re.search(r"erin> *$", s.rstrip(), re.M),
            "the prompt without a pending count once acknowledged")
    tm.keys("door", "/quit")
    st = tm.exit_status("door")
    t.check(st == "0", "interactive newcomer exited with status %s after /quit" % st)
    tm.keys("room", "/quit")
    st = tm.exit_status("room")
    t.check(st == "0", "interactive room creator exited with status %s after /quit" % st)
    p.close_stdin()
    p.expect_exit(h.EXIT_OK)


def cut_side(t, tm):
    """A cut on a terminal: the half-typed line stays, a line entered
    meanwhile is marked pending, and both arrive after the reconnection."""
    gina, hal = t.party("gina", PW), t.party("hal", PW)
    host, port = t.host(gina)
    proxy, pport = t.proxy(port, outage=3)
    tm.start("cut", hal, ["join", "127.0.0.1:%d" % pport, "--name", "hal",
                          "--password-file", hal.password_file])
    tm.wait("cut", lambda s: "safety number" in s, "the safety number in the pane")
    host.wait_line(r"^\* connected to hal\b")
    tm.keys("cut", "typed whole", enter=False)
    tm.keys("cut", "", enter=True)
    host.wait_messages("hal", 1)
    tm.keys("cut", "half-typed", enter=False)
    h.outage_start(proxy)
    tm.wait("cut", lambda s: "connection lost; reconnecting" in s, "the lost notice in the pane")
    tm.wait("cut", lambda s: s.rstrip().endswith("half-typed"),
            "the half-typed line still on the input line")
    tm.keys("cut", " line", enter=True)
    tm.wait("cut", lambda s: "(pending: sent when reconnected)" in s, "the pending mark")
    tm.wait("cut", lambda s: re.search(r"\* reconnected\s*$", s, re.M),
            "'* reconnected' in the pane", timeout=30)
    host.wait_messages("hal", 2, timeout=10)
    t.check(host.messages_from("hal") == ["typed whole", "half-typed line"],
            "the host got %r" % host.messages_from("hal"))
    tm.keys("cut", "/quit")
    st = tm.exit_status("cut")
    t.check(st == "0", "the interactive joiner exited with status %s" % st)
    host.expect_exit(h.EXIT_OK)
    proxy.kill()


def scenario(t):
    tm = Tmux(t)
    try:
        host_side(t, tm)
        join_side(t, tm)
        room_side(t, tm)
        cut_side(t, tm)
        for window, text in tm.captures:
            t.check(PW not in text and PW[:10] not in text,
                    "the password appears on screen in window %s:\n%s" % (window, text))
            t.check(ANSWER not in text and ANSWER[:12] not in text,
                    "the answer appears on screen in window %s:\n%s" % (window, text))
    except h.Failure as e:
        raise h.Failure("%s\n%s" % (e, tm.dump()))
    if os.environ.get("SOTTO_IT_VERBOSE"):
        t.log("last screens:\n" + tm.dump())


h.main(scenario, budget=120)
