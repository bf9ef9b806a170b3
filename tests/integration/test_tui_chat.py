#!/usr/bin/python3
"""
test_tui_chat: the full-screen view of a 1:1 chat, driven in tmux at
80x24 (the host, alice, on the terminal; bob in line mode on pipes).

Proves: the title names the peer and the status bar shows your name,
the link ("connected") and the verification state ("bob not verified"),
and /trust turns it into "bob verified" (recorded in the 0600 file
'verified'); after 300 messages PgUp (repeatedly) reaches the first one,
with a "more below" marker, and 5 new messages then neither move the view
nor hide the marker; End comes back to the newest; a 20-line bracketed
paste containing 'bye', 'exit' and '/quit' asks once ("send 20 lines?")
and after 'y' bob gets exactly those 20 lines in order and alice is still
there; 'bye' typed alone asks "leave?" and 'n' sends it as a message; a
5,000-byte paste stays in the input, grown over several rows, with a
"5000/4096" counter in the status bar, and Enter
refuses it without losing it, Ctrl-C clears it; a message naming alice,
while her window is not the current one, sets tmux's bell flag, shows
"[1 mention]" and is drawn in reverse video; a read marker ('---
unread ---') sits above what came while the terminal had lost focus (as
its focus reports say), only the newest one shown; a resize to 50 columns and
back to 80 (by way of 20x5, 12x3 and 8x1, where the input line stays)
leaves one title, one status bar and one input line, nothing wider than
50 columns at 50; Ctrl-C on an empty line quits with status
0 and bob sees alice leave.
"""
import os
import re
import signal
import stat
import time
import time

import sotto_harness as h
import tui_tmux
from tui_tmux import has, text, wait_bell


def count_rows(rows, rx):
    return sum(1 for r in rows if re.search(rx, r))


def scenario(t, tm):
    alice, bobp = t.party("alice"), t.party("bob")
    tm.start("a", alice, ["host", "--once", "--listen", "127.0.0.1", "--port", "0",
                          "--name", "alice", "--password-file", alice.password_file])
    port = tui_tmux.host_port(tm, "a")
    bob = t.join(bobp, port)
    bob.wait_line(r"^\* connected to alice\b", what="'* connected to alice'")

    # Title and status bar.
    rows = tm.wait("a", has("[alice] [connected] [encrypted, bob not verified"),
                   "the status bar with name, link and verification")
    t.check("1:1 with bob" in rows[0], "title row: %r" % rows[0])
    t.check(rows[-1].startswith("alice>"), "input row: %r" % rows[-1])
    tm.keys("a", "/trust")
    tm.wait("a", has("[encrypted, bob verified]"), "'bob verified' after /trust")
    vf = os.path.join(alice.sotto_dir, "verified")
    t.check(os.path.exists(vf) and stat.S_IMODE(os.stat(vf).st_mode) == 0o600,
            "no 0600 'verified' file after /trust")

    # 300 messages, then scroll back to the first.
    for i in range(1, 301):
        bob.send("line %03d" % i)
    tm.wait("a", has("bob: line 300"), "the 300th message")
    for _ in range(25):
        tm.key("a", "PageUp")
    rows = tm.wait("a", has("bob: line 001"), "the first message after PgUp")
    t.check(count_rows(rows, r"more below: \d+ lines") == 1,
            "no 'more below' marker while scrolled:\n%s" % text(rows))
    first_rows = [r for r in rows if "bob: line" in r]
    below = int(re.search(r"more below: (\d+) lines", text(rows)).group(1))
    for i in range(1, 6):
        bob.send("new %d" % i)
    rows = tm.wait("a", has("more below: %d lines" % (below + 5)),
                   "the marker counting 5 more lines")
    t.check([r for r in rows if "bob: line" in r] == first_rows,
            "the view moved when new messages came:\n%s" % text(rows))
    t.check(not any("new 5" in r for r in rows), "the view jumped to the end")
    tm.key("a", "End")
    rows = tm.wait("a", has("bob: new 5"), "the newest message after End")
    t.check(count_rows(rows, "more below") == 0, "marker still shown at the end")

    # A 20-line paste with bye, exit and /quit in it.
    lines = ["pasted line %02d" % i for i in range(1, 21)]
    lines[4], lines[9], lines[14] = "bye", "/quit", "exit"
    before = len(bob.messages_from("alice"))
    tm.paste("a", "\n".join(lines) + "\n")
    tm.wait("a", has("send 20 lines? [y/N]"), "the paste question")
    tm.keys("a", "y", enter=False)
    bob.wait_messages("alice", before + 20)
    got = bob.messages_from("alice")[before:]
    t.check(got == lines, "bob got %r" % got)
    rows = tm.wait("a", has("alice: pasted line 20"), "the paste in alice's view")
    t.check(tm.fmt("a", "#{pane_dead}") == "0", "alice left after the paste")
    t.check(not any("alice left" in l for l in bob.lines()), "bob saw alice leave")

    # 'bye' typed alone asks.
    tm.keys("a", "bye")
    tm.wait("a", has("leave? [y/N]"), "the leave question")
    tm.keys("a", "n", enter=False)
    bob.wait_messages("alice", before + 21)
    t.check(bob.messages_from("alice")[-1] == "bye", "'bye' not sent after 'n'")

    # Too long: kept, counted, refused, then cleared by Ctrl-C.
    tm.paste("a", "x" * 5000)
    rows = tm.wait("a", has("5000/4096"), "the length counter")
    t.check(all(set(r.rstrip()) == {"x"} for r in rows[-4:]),
            "the long input does not grow over several rows:\n%s" % text(rows))
    tm.key("a", "Enter")
    rows = tm.wait("a", has("longer than 4096"), "the too-long error")
    t.check(any("5000/4096" in r for r in rows), "the text left the input")
    tm.key("a", "C-c")
    rows = tm.wait("a", lambda r: not any("/4096" in x for x in r) and r[-1].rstrip() == "alice>",
                   "Ctrl-C clearing the input")
    t.check(len(bob.messages_from("alice")) == before + 21, "the long text was sent")

    # A mention in a window that isn't the current one.
    tm.run("new-window", "-d", "-t", "it", "-n", "other", "sleep 60")
    tm.run("select-window", "-t", "it:other")
    t.check(tm.fmt("a", "#{window_bell_flag}") == "0", "bell flag set too early")
    bob.send("are you there, alice?")
    tm.wait("a", has("[1 mention]"), "the mention in the status bar")
    t.check(wait_bell(tm, "a"), "no bell for the mention")
    colored = tm.screen("a", colors=True)
    line = [r for r in colored if "are you there" in r]
    t.check(line and "\x1b[7m" in line[0] or (line and ";7m" in line[0]),
            "the mention is not highlighted: %r" % line)
    tm.run("select-window", "-t", "it:a")

    # The read marker: what came while the terminal had lost focus
    # (its focus reports, as a terminal sends them) is under it; only
    # the newest marker is shown.
    for texts in (["while away 1", "while away 2"], ["later on"]):
        # A key typed after the report shows when it has been read.
        tm.keys("a", "\x1b[Oz", enter=False)
        tm.wait("a", lambda r: r[-1].rstrip() == "alice> z", "the focus report read")
        tm.key("a", "BSpace")
        for x in texts:
            bob.send(x)
        tm.wait("a", has("bob: " + texts[-1]), "the messages while away")
        tm.keys("a", "\x1b[I", enter=False)
        rows = tm.screen("a")
        marks = [i for i, r in enumerate(rows) if "--- unread ---" in r]
        t.check(len(marks) == 1 and "bob: " + texts[0] in rows[marks[0] + 1],
                "the read marker is not just above %r:\n%s" % (texts[0], text(rows)))

    # Resize to 50 columns and back.
    tm.resize("a", 50, 24)
    rows = tm.wait("a", lambda r: r[-1].startswith("alice>") and
                   all(len(x.rstrip()) <= 50 for x in r) and
                   count_rows(r, r"^ \[alice\]") == 1, "the view at 50 columns")
    # Tiny sizes stay alive and keep the input line.
    for cols, nrows in ((20, 5), (12, 3), (8, 1)):
        tm.resize("a", cols, nrows)
        tm.wait("a", lambda r: len(r) == nrows and r[-1].startswith("alice>"[:cols]),
                "the input line at %dx%d" % (cols, nrows))
    tm.resize("a", 80, 24)
    rows = tm.wait("a", lambda r: count_rows(r, r"^ \[alice\] \[connected\]") == 1 and
                   any(len(x.rstrip()) > 50 for x in r), "the view back at 80 columns")
    t.check(count_rows(rows, r"^alice>") == 1, "more than one input line:\n%s" % text(rows))
    t.check(count_rows(rows, r"^ sotto: ") == 1, "more than one title:\n%s" % text(rows))
    t.check(rows[0].startswith(" sotto: 1:1 with bob"), "title: %r" % rows[0])

    # Ctrl-C on an empty line while a message is still going out (bob
    # frozen: not acknowledged) asks first; 'n' keeps the chat, and the
    # message arrives once bob runs again.
    before = len(bob.messages_from("alice"))
    h.signal_proc(bob, signal.SIGSTOP)
    try:
        tm.keys("a", "still going out")
        tm.wait("a", has("alice: still going out"), "the held message in alice's view")
        tm.key("a", "C-c")
        tm.wait("a", has("messages are still going out: quit? [y/N]"),
                "the quit question while a message is unacknowledged")
        tm.keys("a", "n", enter=False)
        tm.wait("a", lambda r: r[-1].rstrip() == "alice>", "the question gone after 'n'")
        t.check(tm.fmt("a", "#{pane_dead}") == "0", "alice quit after answering 'n'")
    finally:
        h.signal_proc(bob, signal.SIGCONT)
    bob.wait_messages("alice", before + 1)
    t.check(bob.messages_from("alice")[-1] == "still going out",
            "bob got %r" % bob.messages_from("alice")[-1:])

    # Ctrl-C: clears a draft, then quits on the empty line.
    tm.keys("a", "a draft", enter=False)
    tm.wait("a", lambda r: r[-1].startswith("alice> a draft"), "the draft")
    tm.key("a", "C-c")
    tm.wait("a", lambda r: r[-1].rstrip() == "alice>", "the draft cleared")
    # Bob acknowledges within CHAT_ACK_MS of reading: until then Ctrl-C
    # still asks (answered 'n'); once nothing is pending it quits.
    for _ in range(40):
        tm.key("a", "C-c")
        try:
            tm.wait("a", has("still going out: quit?"), "a question", timeout=0.5)
        except h.Failure:
            break
        tm.keys("a", "n", enter=False)
        time.sleep(0.25)
    st = tm.exit_status("a")
    t.check(st == "0", "alice exited with status %s" % st)
    bob.wait_line(r"^\* alice left", what="'* alice left'")
    bob.expect_exit(h.EXIT_OK)


tui_tmux.main(scenario, 80, 24, budget=120)
