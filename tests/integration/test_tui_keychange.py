#!/usr/bin/python3
"""
test_tui_keychange: "verified" in the full-screen view lasts only as
long as the key it was recorded for (tmux, 80x24).

alice hosts on the terminal; bob joins in line mode, alice types /trust
and the status bar says "bob verified"; bob leaves.  bob's identity key
is then replaced and alice hosts again: when bob joins, her view shows
the key-change warning and asks "trust the new key?" on its input line;
after 'yes' the chat goes on with her own prompt back ("alice>", on one
row only), and the status bar says "bob not verified": the key change
reset the record.
"""
import os
import re

import sotto_harness as h
import tui_tmux
from tui_tmux import has, text


def host(t, tm, window, alice):
    tm.start(window, alice, ["host", "--once", "--listen", "127.0.0.1", "--port", "0",
                             "--name", "alice", "--password-file", alice.password_file])
    return tui_tmux.host_port(tm, window)


def scenario(t, tm):
    alice, bobp = t.party("alice"), t.party("bob")
    port = host(t, tm, "one", alice)
    bob = t.join(bobp, port)
    bob.wait_line(r"^\* connected to alice\b", what="'* connected to alice'")
    tm.wait("one", has("[encrypted, bob not verified"), "the status bar")
    tm.keys("one", "/trust")
    tm.wait("one", has("[encrypted, bob verified]"), "bob verified")
    bob.close_stdin()
    bob.expect_exit(h.EXIT_OK)
    t.check(tm.exit_status("one") == "0", "the first host did not exit 0")

    os.unlink(bobp.identity_file)
    port = host(t, tm, "two", alice)
    bob = t.join(bobp, port)
    rows = tm.wait("two", lambda r: r[-1].startswith("trust the new key?"),
                   "the key-change question on the input line")
    t.check(any("CHANGED" in r for r in rows), "no key-change warning:\n%s" % text(rows))
    tm.keys("two", "yes")
    bob.wait_line(r"^\* connected to alice\b", what="'* connected to alice'")
    rows = tm.wait("two", lambda r: r[-1].rstrip() == "alice>" and
                   any("[encrypted, bob not verified" in x for x in r),
                   "the chat with the new key, not verified")
    t.check(sum(1 for r in rows if re.match(r"^(alice>|trust the new key\?)", r)) == 1,
            "stale input lines:\n%s" % text(rows))
    bob.send("new key here")
    tm.wait("two", has("bob: new key here"), "bob's message")
    bob.close_stdin()
    bob.expect_exit(h.EXIT_OK)
    t.check(tm.exit_status("two") == "0", "the second host did not exit 0")


tui_tmux.main(scenario, 80, 24, budget=60)
