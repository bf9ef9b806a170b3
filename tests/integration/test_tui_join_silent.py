#!/usr/bin/python3
"""
test_tui_join_silent: on a terminal (tmux, 80x24), 'sotto join' at a
port that accepts the connection and never answers says so after a
second, then gives up at the handshake deadline with the reason.

A loopback server of the test's own accepts and stays silent; bob runs
'sotto join 127.0.0.1:PORT --password-file F' in tmux.  Proves: the
pane shows "no answer from 127.0.0.1:PORT after 1 s (a sotto host
answers at once): it may not be a sotto host" while sotto still waits
(it has not exited: a real host may be slow, so the 10 s handshake
deadline decides); then sotto exits 4 and the pane shows "is not
answering like a sotto host (it accepted the connection but sent
nothing in 10 s"; the word "password" is in neither.
"""
import sotto_harness as h
import tui_tmux
from fake_server import Fake
from tui_tmux import has, text


def scenario(t, tm):
    bob = t.party("bob")
    f = Fake("silent")
    tm.start("b", bob, ["join", "127.0.0.1:%d" % f.port, "--name", "bob",
                        "--password-file", bob.password_file])
    rows = tm.wait("b", has("no answer from 127.0.0.1:%d after 1 s" % f.port),
                   "the 1 s notice", timeout=8)
    t.check(any("it may not be a sotto host" in r for r in rows),
            "the notice does not say why:\n%s" % text(rows))
    t.check(tm.fmt("b", "#{pane_dead}") != "1", "sotto exited at the notice")
    st = tm.exit_status("b", timeout=20)
    t.check(st == "4", "sotto exited %s, expected 4" % st)
    rows = tm.screen("b")
    t.check(any("is not answering like a sotto host" in r for r in rows),
            "no reason on screen:\n%s" % text(rows))
    t.check(not any("password" in r.lower() for r in rows),
            "the screen speaks of a password:\n%s" % text(rows))
    f.close()


tui_tmux.main(scenario, 80, 24, budget=60)
