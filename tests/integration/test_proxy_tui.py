#!/usr/bin/python3
"""
test_proxy_tui: the full-screen view's other conversations go through
the proxy the command line gave (tmux, 120x40).

erin enters a room with 'join INVITATION --proxy socks5h://...'
(microsocks, '-b 127.0.0.2'); in the view, /connect HOST:PORT opens a
1:1 chat with cat in a child sotto, and /join INVITATION another room.
Proves: cat sees erin at 127.0.0.2, and every connection the relay
logged came from 127.0.0.2: the children got the proxy too (the config
file says nothing, so without it they would have connected directly).
"""
import sotto_harness as h
import tui_tmux
from tui_tmux import has

PW = "violet-Granite-harbor-1987-quasar"


def scenario(t, tm):
    ms, mport = t.microsocks()
    relay, rport = t.relay()
    ann, ben, erin = t.party("ann"), t.party("ben"), t.party("erin")
    catp = t.party("cat", PW)
    url = h.socks_url(mport)
    pa, inv_a = t.room_new(ann, rport, "--proxy", url)
    pb, inv_b = t.room_new(ben, rport, "--proxy", url)
    cat, cport = t.host(catp)

    tm.start("e", erin, ["join", inv_a, "--name", "erin", "--proxy", url])
    tm.wait("e", has("[erin] [connected]"), "erin in room A")
    h.wait_in_room(pa, ["erin"])
    tm.keys("e", "/connect 127.0.0.1:%d" % cport)
    tm.wait("e", has("password (not shown):"), "the password question")
    tm.keys("e", PW)
    m = cat.wait_line(r"^\* connected to erin \(([0-9.]+):\d+\)",
                      what="'* connected to erin (ADDR:PORT)'")
    t.check(m.group(1) == h.PROXY_SOURCE, "cat saw erin's window at %s, not at the "
            "proxy's %s" % (m.group(1), h.PROXY_SOURCE))
    tm.wait("e", lambda r: any("2=" in x for x in r) and
            any("connected to cat" in x for x in r), "window 2 with cat")
    tm.keys("e", "/join " + inv_b)
    h.wait_in_room(pb, ["erin"])
    tm.wait("e", lambda r: any("3=" in x for x in r), "window 3 in room B")
    peers = h.relay_peers(relay)
    t.check(len(peers) >= 4 and all(p == h.PROXY_SOURCE for p in peers),
            "the relay saw %r, not only %s" % (peers, h.PROXY_SOURCE))
    tm.key("e", "M-1")
    tm.wait("e", lambda r: any("1=" in x for x in r), "window 1 again")
    tm.keys("e", "/quit")
    st = tm.exit_status("e")
    t.check(st == "0", "erin exited with status %s" % st)
    for p in (pa, pb):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK)


tui_tmux.main(scenario, 120, 40, budget=90)
