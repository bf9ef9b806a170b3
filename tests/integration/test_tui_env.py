#!/usr/bin/python3
"""
test_tui_env: the terminal settings, in tmux at 80x24 (alice hosts on
the terminal, bob joins in line mode), four times:

  default   colours on (256-colour SGR in capture-pane -e), the status bar
            shown, a mention rings the bell;
  NO_COLOR  the full-screen view without a single colour sequence;
  config    $XDG_CONFIG_HOME/sotto/config with 'color = off', 'bell =
            off', 'timestamp = [%H:%M:%S]' and one bad line: no colours,
            lines stamped '[HH:MM:SS] ', no bell for a mention, the bad
            line reported by its number, and 'name = alicia' used as the
            name when --name is not given;
  TERM=dumb no full-screen view (no status bar) and no colours.
"""
import os
import re

import sotto_harness as h
import tui_tmux
from tui_tmux import has


def session(t, tm, window, env=None, config=None, name_opt=True):
    alice, bobp = t.party("alice"), t.party("bob")
    if config is not None:
        os.makedirs(alice.sotto_dir, mode=0o700, exist_ok=True)
        with open(os.path.join(alice.sotto_dir, "config"), "w") as f:
            f.write(config)
    args = ["host", "--once", "--listen", "127.0.0.1", "--port", "0",
            "--password-file", alice.password_file]
    if name_opt:
        args += ["--name", "alice"]
    tm.start(window, alice, args, env)
    port = tui_tmux.host_port(tm, window)
    bob = t.join(bobp, port)
    bob.wait_line(r"^\* connected to \w+", what="'* connected to ...'")
    return bob


def colours(rows):
    return any("\x1b[38;5;" in r or "\x1b[38;2;" in r or re.search(r"\x1b\[3[0-7]m", r)
               for r in rows)


def finish(t, tm, window, bob):
    bob.close_stdin()
    bob.expect_exit(h.EXIT_OK)
    st = tm.exit_status(window)
    t.check(st == "0", "window %s: exit status %s" % (window, st))


def scenario(t, tm):
    # Default: colours, status bar, bell.
    bob = session(t, tm, "default")
    tm.wait("default", has("[alice] [connected]"), "the status bar")
    bob.send("hello alice")
    tm.wait("default", has("bob: hello alice"), "the mention")
    t.check(colours(tm.screen("default", colors=True)), "no colours by default")
    t.check(tui_tmux.wait_bell(tm, "default"), "no bell by default")
    finish(t, tm, "default", bob)

    # NO_COLOR.
    bob = session(t, tm, "nocolor", env={"NO_COLOR": "1"})
    tm.wait("nocolor", has("[alice] [connected]"), "the status bar")
    bob.send("plain text")
    tm.wait("nocolor", has("bob: plain text"), "bob's message")
    t.check(not colours(tm.screen("nocolor", colors=True)), "colours with NO_COLOR")
    finish(t, tm, "nocolor", bob)

    # The config file.
    bob = session(t, tm, "config", name_opt=False, config=(
        "# settings\ncolor = off\nnonsense here\nbell = off\n"
        "timestamp = [%H:%M:%S]\nname = alicia\n"))
    rows = tm.wait("config", has("[alicia] [connected]"), "the status bar with the config's name")
    hist = tm.run("capture-pane", "-p", "-J", "-S", "-", "-t", "it:config")
    t.check(re.search(r"config line 3\b", hist), "the bad line 3 was not reported:\n%s" % hist)
    bob.send("hey alicia")
    bob.send("second line")
    rows = tm.wait("config", has("bob: second line"), "bob's messages")
    t.check(any(re.match(r"\[\d\d:\d\d:\d\d\] bob: hey alicia", r) for r in rows),
            "the timestamp format was not used:\n%s" % "\n".join(rows))
    t.check(not colours(tm.screen("config", colors=True)), "colours with color = off")
    t.check(tm.fmt("config", "#{window_bell_flag}") == "0", "bell with bell = off")
    finish(t, tm, "config", bob)

    # TERM=dumb: the line editor, no colours.
    bob = session(t, tm, "dumb", env={"TERM": "dumb"})
    bob.send("dumb terminal")
    rows = tm.wait("dumb", has("bob: dumb terminal"), "bob's message")
    t.check(not any("[alice] [connected]" in r for r in rows), "a status bar with TERM=dumb")
    t.check(not colours(tm.screen("dumb", colors=True)), "colours with TERM=dumb")
    finish(t, tm, "dumb", bob)


tui_tmux.main(scenario, 80, 24, budget=120)
