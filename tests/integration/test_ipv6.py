#!/usr/bin/python3
"""
test_ipv6: the 1:1 chat over IPv6 loopback, with the bracketed address
form users type.

Proves: 'sotto host --listen ::1' announces '[::1]:PORT'; 'sotto join
[::1]:PORT' connects, both sides show the same safety number, messages
pass both ways and both exit 0 when the joiner leaves.  Skipped (passes
with a note) only if this machine has no IPv6 loopback at all.
"""
import re
import socket

import sotto_harness as h


def have_ipv6():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def scenario(t):
    if not have_ipv6():
        t.log("no IPv6 loopback here: nothing to test")
        return
    alice, bob = t.party("alice"), t.party("bob")
    host = t.sotto(alice, ["host", "--listen", "::1", "--port", "0", "--name", "alice",
                           "--password-file", alice.password_file, "--once"], label="host(alice)")
    m = host.wait_line(r"^\* listening on \[::1\]:(\d+)$", what="'* listening on [::1]:PORT'")
    port = int(m.group(1))
    join = t.sotto(bob, ["join", "[::1]:%d" % port, "--name", "bob",
                         "--password-file", alice.password_file], label="join(bob)")
    sn = h.establish(t, host, join, alice, bob)
    t.check(re.fullmatch(r"\d{5}( \d{5}){5}", sn) is not None, "odd safety number %r" % sn)
    join.wait_line(r"^\* connected to alice \(\[::1\]:%d\)$" % port,
                   what="'* connected to alice ([::1]:PORT)'")
    join.send("hello over v6")
    host.send("and back")
    host.wait_until(lambda: host.messages_from("bob") == ["hello over v6"], "'bob: hello over v6'")
    join.wait_until(lambda: join.messages_from("alice") == ["and back"], "'alice: and back'")
    join.close_stdin()
    join.expect_exit(h.EXIT_OK, why="joiner's stdin closed")
    host.expect_exit(h.EXIT_OK, why="the peer left cleanly")


h.main(scenario, budget=30)
