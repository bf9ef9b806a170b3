#!/usr/bin/python3
"""
test_tui_room: the full-screen view of a room, driven in tmux at 120x40
(erin creates the room on the terminal; frank and gina are line-mode
members on pipes).

Proves: the title names the room and counts 3 members; the member list
shows frank and gina with their key tags, the status bar "0 of 2
verified"; Tab completes "fr" into "frank: " at the start of a line
(and frank gets the message) and "/tr" into "/trust ", and "/trust fr"
into "/trust frank "; /trust frank marks him verified in the list
("1 verified") and the status bar ("1 of 2"); Ctrl-B hides and shows the
member list; /help lists every command and /help trust explains one;
/me alone is refused; /ignore gina hides gina's messages, not frank's; a
private message from frank while erin's window is not current rings the
bell and counts a mention; /who says whom you verified ("1 verified by
you"); /invite shows the invitation again with a warning; gina's /nick is announced with her old name; erin's own /nick
changes her prompt and status bar; /quit with a message sends it, then
leaves with status 0.
"""
import os
import re
import time

import sotto_harness as h
import tui_tmux
from tui_tmux import has, text, wait_bell


def scenario(t, tm):
    relay, rport = t.relay()
    erin, frankp, ginap = t.party("erin"), t.party("frank"), t.party("gina")
    inv_file = os.path.join(erin.dir, "invitation")
    tm.start("e", erin, ["room", "new", "--relay", "127.0.0.1:%d" % rport,
                         "--name", "erin", "--invite-file", inv_file])
    tm.wait("e", lambda r: os.path.exists(inv_file) and os.path.getsize(inv_file) > 0,
            "the invitation file")
    with open(inv_file) as f:
        inv = f.read().strip()
    frank = t.room_join(frankp, inv)
    gina = t.room_join(ginap, inv)
    h.wait_in_room(frank, ["erin"])
    h.wait_in_room(gina, ["erin", "frank"])
    rows = tm.wait("e", lambda r: "(3 members)" in r[0] and
                   any(re.search(r"frank~[0-9a-f]{4}", x) for x in r) and
                   any(re.search(r"gina~[0-9a-f]{4}", x) for x in r),
                   "the title and the member list")
    t.check("room on 127.0.0.1:%d" % rport in rows[0], "title: %r" % rows[0])
    tm.wait("e", has("[encrypted, 0 of 2 verified]"), "the status bar")
    t.check(any("3 members, 0 verified" in r for r in rows), "member list header")

    # Tab completion of a name and of a command.
    tm.keys("e", "fr", enter=False)
    tm.key("e", "Tab")
    tm.wait("e", lambda r: r[-1].rstrip() == "erin> frank:", "'fr' completed to 'frank: '")
    tm.keys("e", "hello there")
    frank.wait_until(lambda: "frank: hello there" in h.room_messages(frank).get("erin", []),
                     "erin's completed line at frank")
    tm.keys("e", "/tr", enter=False)
    tm.key("e", "Tab")
    tm.wait("e", lambda r: r[-1].rstrip() == "erin> /trust", "'/tr' completed")
    tm.keys("e", "fr", enter=False)
    tm.key("e", "Tab")
    tm.wait("e", lambda r: r[-1].rstrip() == "erin> /trust frank", "'/trust fr' completed")
    tm.key("e", "Enter")
    rows = tm.wait("e", has("[encrypted, 1 of 2 verified]"), "1 of 2 verified")
    t.check(any("\u2713 frank~" in r for r in rows), "no verified mark for frank:\n%s" % text(rows))
    t.check(any("3 members, 1 verified" in r for r in rows), "member list header")

    # The member list toggles.
    tm.key("e", "C-b")
    tm.wait("e", lambda r: not any("gina~" in x for x in r), "the member list hidden")
    tm.key("e", "C-b")
    tm.wait("e", lambda r: any("gina~" in x for x in r), "the member list back")

    # Help, and /me alone.
    tm.keys("e", "/help")
    rows = tm.wait("e", has("/help CMD for one"), "/help")
    for cmd in ("/msg", "/nick", "/who", "/verify", "/trust", "/security", "/code",
                "/away", "/ignore", "/clear", "/quit", "/me"):
        t.check(any(re.search(r"\* +%s\b" % re.escape(cmd), r) for r in rows),
                "/help does not list %s:\n%s" % (cmd, text(rows)))
    tm.keys("e", "/help trust")
    tm.wait("e", has("/trust [NAME]: record that you compared"), "/help trust")
    tm.keys("e", "/me")
    tm.wait("e", has("usage: /me ACTION"), "/me alone refused")

    # /ignore hides gina only.
    tm.keys("e", "/ignore gina")
    tm.wait("e", has("ignoring gina"), "/ignore's answer")
    gina.send("from gina, hidden")
    frank.send("from frank, shown")
    tm.wait("e", has("from frank, shown"), "frank's message")
    frank.wait_until(lambda: "from gina, hidden" in h.room_messages(frank).get("gina", []),
                     "gina's message at frank")
    time.sleep(0.3)
    t.check(not any("from gina" in r for r in tm.screen("e")), "gina's message shown")

    # A private message while the window is not current.
    tm.run("new-window", "-d", "-t", "it", "-n", "other", "sleep 60")
    tm.run("select-window", "-t", "it:other")
    frank.send("/msg erin psst")
    tm.wait("e", has("[1 mention]"), "the private message counted")
    t.check(wait_bell(tm, "e"), "no bell for the private message")
    tm.run("select-window", "-t", "it:e")

    # /invite: the invitation again, with its warning.
    tm.keys("e", "/invite")
    rows = tm.wait("e", has("puts it back together"), "/invite's answer")
    warn = max(i for i, x in enumerate(rows) if "share it privately" in x)
    shown = "".join(re.sub(r"^\d\d:\d\d \* (invitation: )?", "", x[:96].strip())
                    for x in rows[warn + 1:])
    t.check(inv in shown, "the invitation is not shown whole after the warning:\n%s"
            % text(rows))

    # /who says whom you verified; renames name the old name and the
    # renamed user's own prompt follows.
    tm.keys("e", "/who")
    rows = tm.wait("e", has("2 other members, 1 verified by you"), "/who's summary")
    t.check(any(re.search(r"frank, key [0-9a-f]+, verified \(you compared", r) for r in rows) and
            any(re.search(r"gina, key [0-9a-f]+, not verified", r) for r in rows),
            "/who:\n%s" % text(rows))
    gina.send("/nick gigi")
    tm.wait("e", lambda r: any("gina is now known as gigi" in x for x in r) and
            any("gigi~" in x for x in r), "gina's rename, with her old name")
    tm.keys("e", "/nick erina")
    tm.wait("e", lambda r: r[-1].rstrip() == "erina>" and any(x.startswith(" [erina]") for x in r),
            "erin's prompt and status bar after /nick")

    # /quit with a message.
    tm.keys("e", "/quit see you all")
    st = tm.exit_status("e")
    t.check(st == "0", "erin exited with status %s" % st)
    frank.wait_until(lambda: "see you all" in h.room_messages(frank).get("erina", []),
                     "erin's parting message")
    frank.wait_line(r"^\* erina left", what="'* erina left'")
    frank.close_stdin()
    gina.close_stdin()
    frank.expect_exit(h.EXIT_OK)
    gina.expect_exit(h.EXIT_OK)


tui_tmux.main(scenario, 120, 40, budget=120)
