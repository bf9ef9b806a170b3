#!/usr/bin/python3
"""
test_wizard_recover: the interactive start ('sotto' with no arguments,
in tmux at 80x24) asks again after a slip instead of exiting.

Host side: an address that isn't this machine's is refused and asked
again, 127.0.0.1 taken; the port typed is busy (a listener of the
test's own holds it), so sotto says so and offers a free one, before
asking any password;
Enter takes the offer; the prompt says "Password" (not "Room password");
the repeat doesn't match, so both are asked again; then sotto listens on
the offered port, on 127.0.0.1 only, and a line-mode joiner chats with
it.  Room side: an
invitation pasted in two pieces (its line broken in the middle) is put
back together and the newcomer gets into the room; nothing of it reaches
a shell.  Guarded room: a 5-digit one-time code is refused and asked
again, and the right one lets the newcomer in; making a guarded room,
answers that don't match are asked again.  Neither the password nor the
answer is ever on screen.  Join side: a malformed address is asked again before the
password.  Every sotto exits 0.
"""
import re
import socket

import sotto_harness as h
import tui_tmux
from tui_tmux import has

PW = "violet-Granite-harbor-1987-quasar"
ANSWER = "under-the-Old-clocktower-4417"


from tui_tmux import wait_prompt, begin_wizard as begin


def host_side(t, tm):
    alice, bobp = t.party("alice", PW), t.party("bob", PW)
    busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.cleanups.append(busy.close)
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    bport = busy.getsockname()[1]
    begin(tm, "host", alice, "host", "alice")
    wait_prompt(tm, "host", r"^Listen on every address", "the address question")
    tm.keys("host", "192.0.2.123")
    tm.wait("host", has("Answer 'all', or an address"), "a foreign address refused")
    wait_prompt(tm, "host", r"^Listen on every address", "the address asked again")
    tm.keys("host", "127.0.0.1")
    wait_prompt(tm, "host", r"^Port \[", "the port question")
    tm.keys("host", str(bport))
    rows = tm.wait("host", has("is free: press Enter"), "a free port offered")
    t.check(any("Port %d cannot be used" % bport in r for r in rows),
            "the busy port was not reported:\n%s" % tui_tmux.text(rows))
    t.check(not any(re.search(r"^(repeat )?password:", r, re.I) for r in rows),
            "a password was asked before the port was settled")
    offer = int(re.search(r"Port (\d+) is free", tui_tmux.text(rows)).group(1))
    wait_prompt(tm, "host", r"^Port \[%d\]" % offer, "the offer as the default")
    tm.keys("host", "")
    rows = wait_prompt(tm, "host", r"^Password:", "the password question")
    t.check(not any("Room password" in r for r in rows), "a 1:1 chat asks for a 'Room password'")
    tm.keys("host", PW)
    wait_prompt(tm, "host", r"^Repeat password", "the repeat")
    tm.keys("host", PW + "-typo")
    tm.wait("host", has("do not match"), "the mismatch said")
    wait_prompt(tm, "host", r"^Password:", "the password asked again")
    tm.keys("host", PW)
    wait_prompt(tm, "host", r"^Repeat password", "the repeat again")
    tm.keys("host", PW)
    rows = tm.wait("host", lambda r: h.port_listening(offer) and
                   any("listening on" in x for x in r), "listening on the offered port")
    listening = [r for r in rows if "listening on" in r]
    t.check(listening and all("listening on 127.0.0.1:%d" % offer in r for r in listening),
            "not only on 127.0.0.1: %r" % listening)
    bob = t.join(bobp, offer)
    bob.wait_line(r"^\* connected to alice\b", what="'* connected to alice'")
    tm.wait("host", has("[alice] [connected]"), "alice's chat")
    bob.send("hi alice")
    tm.wait("host", has("bob: hi alice"), "bob's message")
    bob.close_stdin()
    bob.expect_exit(h.EXIT_OK)
    # The host serves conversation after conversation: /quit ends it.
    tm.wait("host", has("waiting for the next conversation"), "the host waiting again")
    tm.keys("host", "/quit")
    st = tm.exit_status("host")
    t.check(st == "0", "the host exited with status %s" % st)
    for _, text in tm.last.items():
        t.check(PW not in text, "the password on screen")


def join_side(t, tm):
    carol, dave = t.party("carol", PW), t.party("dave", PW)
    host, port = t.host(carol)
    begin(tm, "join", dave, "join", "dave")
    wait_prompt(tm, "join", r"^Host address", "the address question")
    tm.keys("join", "127.0.0.1:99999")
    tm.wait("join", has("An address looks like"), "the bad address said")
    rows = wait_prompt(tm, "join", r"^Host address", "the address asked again")
    t.check(not any(re.search(r"^password:", r, re.I) for r in rows),
            "a password was asked before the address was settled")
    tm.keys("join", "127.0.0.1:%d" % port)
    wait_prompt(tm, "join", r"^Password:", "the password question")
    tm.keys("join", PW)
    host.wait_line(r"^\* connected to dave\b", what="'* connected to dave'")
    tm.wait("join", has("[dave] [connected]"), "dave's chat")
    tm.keys("join", "/quit")
    host.expect_exit(h.EXIT_OK)
    st = tm.exit_status("join")
    t.check(st == "0", "the joiner exited with status %s" % st)


def room_side(t, tm):
    erin, gina = t.party("erin"), t.party("gina")
    relay, rport = t.relay()
    p, inv = t.room_new(erin, rport)
    begin(tm, "room", gina, "room", "gina")
    wait_prompt(tm, "room", r"^Invitation:", "the invitation question")
    half = len(inv) // 2
    tm.keys("room", inv[:half])
    tm.wait("room", has("not a whole invitation"), "the first half refused")
    tm.keys("room", inv[half:])
    newcomer_in(t, tm, "room", "gina", p)


def newcomer_in(t, tm, window, who, creator):
    """who, in window, gets into creator's room, then both leave."""
    tm.wait(window, has("[%s] [connected]" % who), "%s in the room" % who)
    h.wait_in_room(creator, [who])
    tm.keys(window, "/quit")
    st = tm.exit_status(window)
    t.check(st == "0", "the newcomer exited with status %s" % st)
    creator.close_stdin()
    creator.expect_exit(h.EXIT_OK)


def door_side(t, tm):
    hank = t.party("hank")
    relay, rport = t.relay(label="relay2")
    p, inv, code = tui_tmux.guarded_room(t, t.party("ivy"), rport, ANSWER)
    begin(tm, "door", hank, "room", "hank")
    wait_prompt(tm, "door", r"^Invitation:", "the invitation question")
    tm.keys("door", inv)
    wait_prompt(tm, "door", r"^answer to the security question", "the answer question")
    tm.keys("door", ANSWER)
    wait_prompt(tm, "door", r"^one-time code", "the code question")
    tm.keys("door", code[:5])
    tm.wait("door", has("a one-time code is 6 digits"), "the short code refused")
    rows = wait_prompt(tm, "door", r"^one-time code", "the code asked again")
    tm.keys("door", code)
    newcomer_in(t, tm, "door", "hank", p)


def new_side(t, tm):
    kim = t.party("kim")
    relay, rport = t.relay(label="relay3")
    begin(tm, "new", kim, "new", "kim")
    wait_prompt(tm, "new", r"^Relay address", "the relay question")
    tm.keys("new", "127.0.0.1:%d" % rport)
    wait_prompt(tm, "new", r"^Security question", "the question question")
    tm.keys("new", "Our street?")
    wait_prompt(tm, "new", r"one-time code", "the code question")
    tm.keys("new", "n")
    for again in (ANSWER + "x", ANSWER):
        wait_prompt(tm, "new", r"^answer to the security question", "the answer")
        tm.keys("new", ANSWER)
        wait_prompt(tm, "new", r"^the same answer again", "the answer again")
        tm.keys("new", again)
        if again != ANSWER:
            tm.wait("new", has("the answers do not match"), "the mismatch said")
    tm.wait("new", has("[kim] [connected]"), "kim in her new room")
    tm.keys("new", "/quit")
    st = tm.exit_status("new")
    t.check(st == "0", "the room's creator exited with status %s" % st)


def scenario(t, tm):
    host_side(t, tm)
    join_side(t, tm)
    room_side(t, tm)
    door_side(t, tm)
    new_side(t, tm)
    for _, text in tm.last.items():
        t.check(ANSWER not in text, "the answer on screen")


tui_tmux.main(scenario, 80, 24, budget=120)
