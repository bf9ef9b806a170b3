#!/usr/bin/python3
"""
test_rdv_wizard: the interactive start ('sotto' with no arguments, in
tmux at 80x24) meets through a relay.

Proves (issue 11, "the interactive start asks ... direct or through a
relay" and "Tab completion of code words ... a clear message for a
mistyped word"): the host is told it may answer 'relay' where it is
asked where to listen, does so, gives the relay's address and is shown
a code; the joiner, where it is asked the host's address, types the
number and the first letters of the first word and presses Tab, which
completes the word; a mistyped second word is refused with "'X' is not a
code word; did you mean 'Y'?" and the question is asked again; the right
code, then the relay's address, get the two chatting; both exit 0.
With --ask-password the host types a password twice and the joiner once
(never on screen), and they chat.
"""
import re

import sotto_harness as h
import rdv_harness as r
import tui_tmux
from tui_tmux import has, last_prompt, wait_prompt, begin_wizard as begin


def unique_prefix(word, table):
    for n in range(1, len(word) + 1):
        if sum(1 for w in table if w.startswith(word[:n])) == 1:
            return word[:n]
    return word


def scenario(t, tm):
    relay, port = t.relay()
    where = "127.0.0.1:%d" % port
    alice, bob = t.party("alice"), t.party("bob")

    begin(tm, "host", alice, "host", "alice")
    tm.wait("host", has("answer 'relay'"), "the relay offered")
    wait_prompt(tm, "host", r"^Listen on every address", "the address question")
    tm.keys("host", "relay")
    wait_prompt(tm, "host", r"^Relay address", "the relay question")
    tm.keys("host", where)
    rows = tm.wait("host", lambda rows: any(re.search(r"code: \d+-[a-z]+-[a-z]+", x)
                                            for x in rows), "the code")
    code = re.search(r"code: (\d+-[a-z]+-[a-z]+)", "\n".join(rows)).group(1)
    t.log("code %s" % code)
    tm.wait("host", has("the relay sees you as 127.0.0.1:"), "the relay-reported address")

    even, odd = r.tables()
    num, w1, w2 = code.split("-")
    begin(tm, "join", bob, "join", "bob")
    tm.wait("join", has("Tab completes its words"), "the code offered")
    wait_prompt(tm, "join", r"^Host address", "the address question")
    pre = unique_prefix(w1, even)
    tm.keys("join", "%s-%s" % (num, pre), enter=False)
    tm.key("join", "Tab")
    tm.wait("join", lambda rows: ("%s-%s" % (num, w1)) in last_prompt(rows),
            "'%s' completed to '%s'" % (pre, w1))
    typo = w2[:-1] + ("q" if w2[-1] != "q" else "z")
    # (send-keys -l would take a leading '-' for a flag: '--' first.)
    tm.run("send-keys", "-t", "it:join", "-l", "--", "-" + typo)
    tm.key("join", "Enter")
    tm.wait("join", has("'%s' is not a code word; did you mean '%s'?" % (typo, w2)),
            "the mistyped word's suggestion")
    wait_prompt(tm, "join", r"^Host address", "the address asked again")
    tm.keys("join", code)
    wait_prompt(tm, "join", r"^Relay address", "the relay question")
    tm.keys("join", where)
    tm.wait("join", has("[bob] [connected]"), "bob's chat")
    tm.wait("host", has("[alice] [connected]"), "alice's chat")
    tm.keys("join", "hi through the relay")
    tm.wait("host", has("bob: hi through the relay"), "bob's message")
    tm.keys("host", "/quit")
    t.check(tm.exit_status("host") == "0", "the host did not exit 0")
    t.check(tm.exit_status("join") == "0", "the joiner did not exit 0")

    # --ask-password: the host types it twice, the joiner once; never
    # on screen.
    pw = "Saffron-Walrus-Ledger-5120"
    tm.start("host2", alice, ["host", "--relay", where, "--name", "alice", "--ask-password"])
    wait_prompt(tm, "host2", r"^Password:", "the host's password question")
    tm.keys("host2", pw)
    wait_prompt(tm, "host2", r"^Repeat password", "the repeat")
    tm.keys("host2", pw)
    rows = tm.wait("host2", lambda rows: any(re.search(r"code: \d+-[a-z]+-[a-z]+", x)
                                             for x in rows), "the second code")
    code = re.search(r"code: (\d+-[a-z]+-[a-z]+)", "\n".join(rows)).group(1)
    tm.start("join2", bob, ["join", code, "--relay", where, "--name", "bob", "--ask-password"])
    wait_prompt(tm, "join2", r"^Password:", "the joiner's password question")
    tm.keys("join2", pw)
    tm.wait("join2", has("[bob] [connected]"), "bob's chat, with the password")
    tm.wait("host2", has("[alice] [connected]"), "alice's chat, with the password")
    tm.keys("join2", "/quit")
    t.check(tm.exit_status("join2") == "0", "the second joiner did not exit 0")
    t.check(tm.exit_status("host2") == "0", "the second host did not exit 0")
    for _, text in tm.last.items():
        t.check(pw not in text, "the password on screen")


tui_tmux.main(scenario, 80, 24, budget=90)
