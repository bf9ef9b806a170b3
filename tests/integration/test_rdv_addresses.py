#!/usr/bin/python3
"""
test_rdv_addresses: the addresses each side is shown.

Proves (issue 11, "Addresses" and done-when 5): 'room new' shows the
address and port the relay sees it connect from (RDV_WHOAMI, PROTOCOL
§21.2) and the local addresses, private ones marked, and the room still
works (a member joins and they chat); 'host --relay' shows the same
(checked in test_rdv_chat too) and the port it shows is the one the relay
logged for that link; 'sotto host' without --listen lists every local
address with the private ones marked '(private)', and says "this
address is private; people outside your network need a relay" exactly
when none of the non-loopback ones is public.
"""
import re

import sotto_harness as h
import rdv_harness as r


def scenario(t):
    alice, bob = t.party("alice"), t.party("bob")
    relay, port = t.relay()

    room, inv = t.room_new(alice, port)
    m = room.wait_line(r"^\* the relay sees you as 127\.0\.0\.1:(\d+)$",
                       what="room new's relay-reported address")
    seen = int(m.group(1))
    room.wait_line(r"^\* a local address: 127\.0\.0\.1 \(private\)$",
                   what="room new's local addresses")
    # The relay's log line may reach us after the client's (two pipes).
    relay.wait_until(lambda: ("127.0.0.1:%d: connected" % seen) in relay.stderr_text(),
                     "the relay logging a link from port %d" % seen, 10)
    member = t.room_join(bob, inv)
    h.wait_in_room(member, [alice.name])
    member.send("hello room")
    room.wait_messages(bob.name, 1)
    member.close_stdin()
    room.close_stdin()
    member.expect_exit(h.EXIT_OK)
    room.expect_exit(h.EXIT_OK)

    host, code = r.rdv_host(t, alice, port)
    m = host.wait_line(r"^\* the relay sees you as 127\.0\.0\.1:(\d+)$",
                       what="host --relay's relay-reported address")
    relay.wait_until(lambda: ("127.0.0.1:%s: rendezvous slot" % m.group(1)) in
                     relay.stderr_text(), "the relay logging the slot of the link from "
                     "port %s (the relay-reported port is the link's)" % m.group(1), 10)
    host.kill()

    # Direct: every local address, the private ones marked.
    host = t.sotto(alice, ["host", "--port", "0", "--name", alice.name, "--password-file",
                           alice.password_file, "--once"], label="host(all)")
    host.wait_line(r"^\* waiting for someone to join", what="the host's waiting notice")
    listed = [re.match(r"^\* listening on (\S+):\d+( \(private\))?$", l)
              for l in host.lines() if l.startswith("* listening on ")]
    t.check(listed and all(listed), "odd address lines: %r" % host.lines())
    addrs = [(m.group(1).strip("[]"), bool(m.group(2))) for m in listed]
    t.check(("127.0.0.1", True) in addrs, "127.0.0.1 not marked private: %r" % addrs)
    outside = [a for a in addrs if a[0] not in ("127.0.0.1", "::1")]
    note = "* this address is private; people outside your network need a relay"
    want = bool(outside) and all(p for _, p in outside)
    got = any(l.startswith(note) for l in host.lines())
    t.check(got == want, "the private-address note is %s (addresses %r)"
            % ("there" if got else "missing", addrs))
    host.kill()


h.main(scenario, budget=60)
