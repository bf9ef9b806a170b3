#!/usr/bin/python3
"""
test_tui_windows: several conversations in one program (tmux, 120x40).

erin enters room A on the terminal (window 1); /join INVITATION opens
room B in window 2, and /connect HOST:PORT, with the password typed
without echo, a 1:1 chat with cat in window 3 (line-mode children of
the view, the secrets handed over on a pipe).  Proves: each window shows
its own conversation; Alt-1/Alt-2/Alt-3 (and Alt-Left/Right) switch; a
message in a window not shown marks it in the status bar ('*', and '!'
for one naming erin) and a read marker waits in it; what erin types in
window 2 reaches room B and in window 3 reaches cat, with her own lines
shown; /close ends the 1:1 chat (cat sees erin leave); /host 0 asks the
password twice without echo and waits in a new window, where a line-mode
joiner's message shows, until /close; /join of a guarded room shows its
question and asks the answer and the one-time code without echo, and
erin gets through the door; /quit in window 1
ends the program and its other conversations, status 0.  Neither the
password nor the answer ever appears on screen.
"""
import re

import sotto_harness as h
import tui_tmux
from tui_tmux import has, text

PW = "violet-Granite-harbor-1987-quasar"
ANSWER = "under-the-Old-clocktower-4417"


def scenario(t, tm):
    relay, rport = t.relay()
    ann, ben, erin = t.party("ann"), t.party("ben"), t.party("erin")
    catp = t.party("cat", PW)
    pa, inv_a = t.room_new(ann, rport)
    pb, inv_b = t.room_new(ben, rport)
    cat, cport = t.host(catp)

    tm.start("e", erin, ["join", inv_a, "--name", "erin"])
    tm.wait("e", has("[erin] [connected]"), "erin in room A")
    h.wait_in_room(pa, ["erin"])

    tm.keys("e", "/join " + inv_b)
    tm.wait("e", lambda r: any("joined the room as erin" in x for x in r) and
            any("[1:" in x and "2=" in x for x in r), "window 2 in room B")
    h.wait_in_room(pb, ["erin"])

    tm.keys("e", "/connect 127.0.0.1:%d" % cport)
    tm.wait("e", has("password (not shown):"), "the password question")
    tm.keys("e", PW)
    cat.wait_line(r"^\* connected to erin\b", what="'* connected to erin'")
    rows = tm.wait("e", lambda r: any("3=" in x for x in r) and
                   any("connected to cat" in x for x in r), "window 3 with cat")

    # Typing in window 3 reaches cat.
    tm.keys("e", "hello cat")
    cat.wait_messages("erin", 1)
    tm.wait("e", has("erin: hello cat"), "erin's own line in window 3")

    # Window 2: type to room B.
    tm.key("e", "M-2")
    tm.wait("e", lambda r: "room" in r[0] and any("2=" in x for x in r), "window 2 shown")
    tm.keys("e", "hello room B")
    pb.wait_until(lambda: "hello room B" in h.room_messages(pb).get("erin", []),
                  "erin's line in room B")

    # Window 1, while the others get messages.
    tm.key("e", "M-1")
    tm.wait("e", lambda r: any("1=" in x for x in r), "window 1 shown")
    pb.send("news in B")
    cat.send("erin, are you there?")
    rows = tm.wait("e", lambda r: any(re.search(r"2:room\*", x) for x in r) and
                   any(re.search(r"3:1:1 with cat!", x) for x in r),
                   "activity and a mention in the status bar")
    t.check(not any("news in B" in x for x in rows), "window 2's line shown in window 1")
    tm.key("e", "M-Right")
    rows = tm.wait("e", has("ben: news in B"), "window 2 after Alt-Right")
    marks = [i for i, r in enumerate(rows) if "--- unread ---" in r]
    t.check(marks and "news in B" in rows[marks[-1] + 1],
            "no read marker above the line that came:\n%s" % text(rows))
    tm.key("e", "M-3")
    tm.wait("e", has("cat: erin, are you there?"), "window 3's line")

    # /close ends the 1:1 chat.
    tm.keys("e", "/close")
    cat.expect_exit(h.EXIT_OK, why="erin closed the window")
    # The status bar (the row above the input) lists the windows; other
    # rows hold times such as 13:32, which contain "3:" too.
    rows = tm.wait("e", lambda r: not re.search(r"\b3[:=]", r[-2]), "window 3 gone")

    # /host: the password twice without echo, then a joiner.
    dan = t.party("dan", PW)
    tm.keys("e", "/host 0")
    tm.wait("e", has("password (not shown):"), "/host's password question")
    tm.keys("e", PW)
    tm.wait("e", has("the same password again (not shown):"), "/host's second question")
    tm.keys("e", PW)
    rows = tm.wait("e", lambda r: any(re.search(r"listening on 127\.0\.0\.1:\d+", x) for x in r),
                   "the new window's host listening")
    hport = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", text(rows)).group(1))
    dj = t.join(dan, hport)
    dj.wait_line(r"^\* connected to erin\b", what="'* connected to erin'")
    dj.send("hi from dan")
    tm.wait("e", lambda r: any("dan: hi from dan" in x for x in r) and
            any("1:1 with dan" in x for x in r), "dan in the hosted window")
    tm.keys("e", "/close")
    dj.expect_exit(h.EXIT_OK, why="erin closed the hosting window")

    # A guarded room: the question is shown, answer and code asked
    # without echo, then handed to the child on pipes.
    pg, inv_g, code = tui_tmux.guarded_room(t, t.party("ivy"), rport, ANSWER)
    tm.keys("e", "/join " + inv_g)
    tm.wait("e", has("security question: Our street?"), "the question shown")
    tm.wait("e", has("answer to the security question (not shown):"), "the answer asked")
    tm.keys("e", ANSWER)
    tm.wait("e", has("one-time code (a member sees it with /code; not shown):"), "the code asked")
    tm.keys("e", code)
    h.wait_in_room(pg, ["erin"])
    tm.wait("e", has("joined the room as erin"), "erin through the door, in her window")
    tm.keys("e", "/close")
    pg.wait_line(r"^\* erin left", what="'* erin left' in the guarded room")
    pg.close_stdin()
    pg.expect_exit(h.EXIT_OK)

    # /quit in window 1 ends everything.
    tm.key("e", "M-1")
    tm.wait("e", lambda r: any("1=" in x for x in r), "window 1 again")
    tm.keys("e", "/quit")
    st = tm.exit_status("e")
    t.check(st == "0", "erin exited with status %s" % st)
    pb.wait_line(r"^\* erin left", what="'* erin left' in room B")
    pa.wait_line(r"^\* erin left", what="'* erin left' in room A")
    for p in (pa, pb):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK)
    for _, x in tm.last.items():
        t.check(PW not in x and ANSWER not in x, "the password or the answer on screen")


tui_tmux.main(scenario, 120, 40, budget=90)
