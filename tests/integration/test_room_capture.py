#!/usr/bin/python3
"""
test_room_capture: neither an eavesdropper on the wire nor the relay's
log learns what a room says, who is in it, or its secret.

A pass-through proxy.py (action none, --dump) sits in front of the
relay; the room is created through it, so the invitation points at the
proxy and every member's link is captured, both directions.  Three
members with distinctive names chat (messages, /me, /msg, /nick).

Proves: the room works through the proxy; the captured bytes contain no
message text, no member name (old or new), neither the room secret nor
the invitation (as sent, lower- or upper-cased, UTF-16, nor an 8-byte
fragment; the secret also as raw bytes and hex); the relay's stderr log
never contains a message text or a member name, and every log line is
'YYYY-mm-ddTHH:MM:SSZ LEVEL msg'.
"""
import base64
import os

import sotto_harness as h


def scenario(t):
    relay, port = t.relay()
    dump = os.path.join(t.tmp, "capture.bin")
    proxy, pport = t.proxy(port, "none", dump=dump)
    names = ["Quokkamander", "Zebrafinchly", "Ptarmiganova"]
    newname = "Capybarella"
    parties = [t.party(n) for n in names]
    a, inv = t.room_new(parties[0], pport)
    t.check(h.decode_invite(inv)["port"] == pport, "the invitation does not point at the proxy")
    procs = [a] + [t.room_join(p, inv) for p in parties[1:]]
    for n, p in zip(names, procs):
        h.wait_in_room(p, [o for o in names if o != n])

    texts = {
        names[0]: ["the eagle lands at midnight 4711", "Rendezvous by the old lighthouse"],
        names[1]: ["Bring the blueprints of Zyxwvut"],
        names[2]: ["Marmalade sandwiches under bench nine"],
    }
    for n, p in zip(names, procs):
        for m in texts[n]:
            p.send(m)
    for n, p in zip(names, procs):
        for o in names:
            if o != n:
                got = p.wait_messages(o, len(texts[o]))
                t.check(got == texts[o], "%s got %r from %s" % (n, got, o))
    action = "juggles flaming pineapples"
    private = "Whisper: the vault code is Octarine"
    a.send("/me " + action)
    a.send("/msg %s %s" % (names[1], private))
    procs[1].wait_line(r"^%s \(privately\): %s$" % (names[0], private), what="the private message")
    procs[2].wait_line(r"^\* %s %s$" % (names[0], action), what="the /me action")
    procs[2].send("/nick " + newname)
    a.wait_line(r"^\* member \d+ is now known as %s$" % newname, what="the /nick notice")
    procs[2].send("Signed by the new name Hornswoggle")
    a.wait_messages(newname, 1)
    for p in procs:
        p.close_stdin()
        p.expect_exit(h.EXIT_OK)
    proxy.kill()

    with open(dump, "rb") as f:
        cap = f.read()
    t.log("captured %d bytes" % len(cap))
    t.check(len(cap) > 2000, "capture too small (%d bytes): is the proxy in the path?" % len(cap))
    inv_d = h.decode_invite(inv)
    b64 = inv[len("sotto:"):]
    secrets = [m for ms in texts.values() for m in ms] + names + [
        newname, action, private, "Signed by the new name Hornswoggle", inv, b64]
    for s in secrets:
        for form in (s, s.lower(), s.upper()):
            for enc in ("utf-8", "utf-16-le", "utf-16-be"):
                t.check(form.encode(enc) not in cap, "captured bytes contain %r (%s)" % (form, enc))
        t.check(s[:8].encode() not in cap, "captured bytes contain %r" % s[:8])
    sec = inv_d["secret"]
    for form in (sec, sec.hex().encode(), base64.b64encode(sec), base64.urlsafe_b64encode(sec),
                 sec[:8], sec[8:16], sec[16:24], sec[24:]):
        t.check(form not in cap, "captured bytes contain the room secret (%r)" % form[:16])

    log = relay.stderr_text()
    for s in [m for ms in texts.values() for m in ms] + names + [newname, action, private, b64]:
        for form in (s, s.lower()):
            t.check(form not in log.lower() if form == s.lower() else form not in log,
                    "the relay's log contains %r" % form)
        t.check(s[:8] not in log, "the relay's log contains %r" % s[:8])
    t.check(sec.hex() not in log, "the relay's log contains the room secret")
    bad = [l for l in log.splitlines() if not h.RELAY_LOG_RE.match(l)]
    t.check(not bad, "relay log lines not in 'YYYY-mm-ddTHH:MM:SSZ LEVEL msg' form: %r" % bad)


h.main(scenario, budget=40)
