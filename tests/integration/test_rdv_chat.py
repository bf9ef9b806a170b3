#!/usr/bin/python3
"""
test_rdv_chat: a 1:1 chat through a relay with a one-time code.

Proves (issue 11, done-when 1 and 5): with a relay on 127.0.0.1, 'sotto
host --relay 127.0.0.1:P --password-file F' prints a code NUMBER-WORD-WORD
and the address the relay sees it connect from; 'sotto join CODE --relay
127.0.0.1:P --password-file F' chats with it both ways; both pin the
relay's key on first use; the safety number is the one a direct chat
between the same two identities (the same key files) shows; and every
byte captured between the clients and the relay (a pass-through proxy in
front of the relay, both directions) contains none of the message texts,
the names, the password or the code's words.

Three times: through a relay that splices the pair (PROTOCOL §21.7: both
sides ask, the relay answers PAIRED_RAW and copies the channel's bytes
between the two sockets; its log says "(spliced)"); through one started
with --no-splice, which carries them in DATA messages inside the links
(its log does not); and through one that answers as a relay from before
§21.7 (--rdv-v1, a test hook: a flags byte is malformed), where both
sides say so and ask again without it, and chat in DATA messages.
"""
import os
import re

import sotto_harness as h
import rdv_harness as r


MODES = {"spliced": [], "data": ["--no-splice"], "v1": ["--rdv-v1"]}
OLD_RELAY_RE = r"^\* the relay at 127\.0\.0\.1:%d does not splice chats \(an older relay\)"


def relayed(t, alice, bob, pw, mode):
    """One relayed chat; returns its safety number."""
    spliced = mode == "spliced"
    relay, rport = t.relay(*MODES[mode], label="relay-" + mode)
    dump = os.path.join(t.tmp, "capture-%s.bin" % mode)
    proxy, pport = t.proxy(rport, "none", dump=dump)

    host, code = r.rdv_host(t, alice, pport)
    t.log("code %s" % code)
    host.wait_line(r"^\* the relay sees you as 127\.0\.0\.1:\d+$",
                   what="the relay-reported address")
    host.wait_line(r"^\* a local address: 127\.0\.0\.1 \(private\)$",
                   what="the local addresses, private ones marked")
    host.wait_line(r"^\* first use of the relay at 127\.0\.0\.1:%d: its key [0-9a-f]{8} "
                   r"is now pinned$" % pport, what="the relay pinned by the host")
    join = r.rdv_join(t, bob, code, pport)
    from_bob = ["the eagle lands at midnight 4711", "Rendezvous by the old lighthouse"]
    from_alice = ["Bring the blueprints of Zyxwvut"]
    for m in from_bob:
        join.send(m)
    for m in from_alice:
        host.send(m)
    sn = h.establish(t, host, join, alice, bob)
    join.wait_line(r"^\* first use of the relay at 127\.0\.0\.1:%d: its key [0-9a-f]{8} "
                   r"is now pinned$" % pport, what="the relay pinned by the joiner")
    t.check(host.wait_messages(bob.name, 2) == from_bob, "host got %r" % host.messages_from(bob.name))
    t.check(join.wait_messages(alice.name, 1) == from_alice,
            "join got %r" % join.messages_from(alice.name))
    host.send("and back again")
    join.wait_until(lambda: join.messages_from(alice.name)[-1:] == ["and back again"],
                    "'%s: and back again'" % alice.name)
    join.close_stdin()
    join.expect_exit(h.EXIT_OK, why="the joiner's stdin closed")
    host.wait_line(r"^\* %s left$" % bob.name, what="'* bob left'")
    host.expect_exit(h.EXIT_OK, why="the joiner left cleanly")
    for p in (host, join):
        old = any(re.match(OLD_RELAY_RE % pport, l) for l in p.lines())
        t.check(old == (mode == "v1"), "%s: the older-relay notice %s"
                % (p.label, "is missing" if mode == "v1" else "came from a current relay"))
    proxy.kill()
    paired = re.findall(r"claimed rendezvous slot \d+: paired with \S+( \(spliced\))?$",
                        relay.stderr_text(), re.M)
    t.check(paired == ([" (spliced)"] if spliced else [""]),
            "relay log: pairings %r, wanted one %s" % (paired, "spliced" if spliced else "not spliced"))

    with open(dump, "rb") as f:
        cap = f.read()
    t.log("captured %d bytes" % len(cap))
    t.check(len(cap) > 500, "capture too small (%d bytes): is the proxy in the path?" % len(cap))
    secrets = from_bob + from_alice + [alice.name, bob.name, pw] + code.split("-")[1:]
    for s in secrets:
        for form in (s, s.lower(), s.upper()):
            for enc in ("utf-8", "utf-16-le", "utf-16-be"):
                t.check(form.encode(enc) not in cap, "captured bytes contain %r (%s)" % (form, enc))
        t.check(s[:8].encode() not in cap, "captured bytes contain %r" % s[:8])
    relay.kill()
    return sn


def scenario(t):
    pw = "Pelican-Marmalade-Thunder-8831"
    alice = t.party("Quokkamander", pw)
    bob = t.party("Zebrafinchly", pw)
    sn = relayed(t, alice, bob, pw, "spliced")
    for mode in ("data", "v1"):
        sn2 = relayed(t, alice, bob, pw, mode)
        t.check(sn2 == sn, "safety number spliced %r, %s %r" % (sn, mode, sn2))

    # The same two identities, directly: the same safety number.
    dhost, port = t.host(alice)
    djoin = t.join(bob, port)
    dsn = h.establish(t, dhost, djoin, alice, bob)
    t.check(dsn == sn, "relayed safety number %r, direct %r" % (sn, dsn))
    djoin.close_stdin()
    djoin.expect_exit(h.EXIT_OK)
    dhost.expect_exit(h.EXIT_OK)


h.main(scenario, budget=60)
