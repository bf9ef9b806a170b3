#!/usr/bin/python3
"""
test_relay_limits: the relay's admission and rate limits (issue 9,
findings 1 and 3, and the per-member and per-address limits), at a small
scale; bench/dos.sh runs the same attacks at full scale.

Proves, with alice and bob in a room on a relay with its default limits:
1. Silent connections from one address: SILENT raw TCP connections from
   127.0.0.2 that never send a byte are held open; all but 16 are sent
   ABORT 4 (retry later: the per-address limit) and closed at once; the
   relay stays up; a newcomer (carol, from 127.0.0.1) joins and
   exchanges a message with alice; alice and bob still exchange
   messages.
2. Silent connections from 200 addresses (127.0.0.2 to 127.0.0.201) on a
   relay whose cap on silent connections is lowered to CAP (the test
   hook --max-silent): the relay sheds the oldest, so that at most CAP
   of them stay open; a newcomer joins and exchanges a message.
3. Junk handshakes: JUNK concurrent clients that send a fixed HELLO and,
   when they get SHARE_A, a fixed valid share with a junk tag, over and
   over, make the relay ask for a proof of work (some of them receive
   CHALLENGE, and the relay logs it); while they go on, a newcomer (dave)
   joins (its client pays the puzzle without being asked) and exchanges
   a message; members are unaffected.
4. A client that answers CHALLENGE wrongly (bad solution, another
   cookie, another frame) is turned away with ABORT 2, one that sends an
   ABORT instead is closed without a word (so is one that starts with an
   ABORT; one that starts with garbage gets ABORT 2); --puzzle-bits makes
   a relay challenge everyone, and members still join and talk.
5. Message rate: on a relay with --member-rate 20 (a bucket of 400),
   alice pipes FLOOD messages; bob's message, sent after alice's flood
   has begun to arrive, reaches carol before alice's last one does (the
   flooder is slowed, not the others); all of alice's arrive, in order;
   the relay logs that alice was slowed down.
6. Rooms per address: 20 rooms created from 127.0.0.1 are fine; the 21st
   gets ERROR 9 and its 'room new' exits 4.
7. Half-open handshakes: HELD clients from 20 addresses each send a
   HELLO (paying the puzzle the relay asks for once half its handshake
   slots are taken), get SHARE_A and go silent; the relay keeps at most
   256 such handshakes, shedding the oldest, and a newcomer still joins
   and exchanges a message.
"""
import os
import re
import selectors
import socket
import struct
import threading
import time

import sotto_harness as h

SILENT = 2000
CAP = 300
JUNK = 40
FLOOD = 600
HELD = 320
W = 30		# generous: the machine may be loaded (and ASan is slow)

# The member-relay link opens with LINK_HELLO (type 7, PROTOCOL 14.1).
HELLO = bytes([1, 7, 0, 0, 0, 17, 1]) + bytes(range(16))
# The ristretto255 base point: a valid share, so the relay does the work.
BASE = bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76")
SHARE_B = bytes([1, 3, 0, 0, 0, 88]) + BASE + bytes(24) + bytes(32)
ABORT_RETRY = bytes([1, 0x0f, 0, 0, 0, 1, 4])


def silent(port, sources, n):
    """n non-blocking connections spread over the source addresses."""
    socks = []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((sources[i % len(sources)], 0))
        s.connect_ex((h.LOOPBACK, port))
        socks.append(s)
    return socks


class Watch:
    """What the relay did to each of a list of sockets: still open, closed
    after sending ABORT 4, or closed without it."""

    def __init__(self, socks):
        self.socks = socks
        self.data = {s: b"" for s in socks}
        self.eof = set()

    def poll(self):
        for s in self.socks:
            if s in self.eof:
                continue
            try:
                while True:
                    b = s.recv(64)
                    if not b:
                        self.eof.add(s)
                        break
                    self.data[s] += b
            except BlockingIOError:
                pass
            except OSError:
                self.eof.add(s)
        res = {"open": 0, "abort4": 0, "closed": 0}
        for s in self.socks:
            if s not in self.eof:
                res["open"] += 1
            elif self.data[s].startswith(ABORT_RETRY):
                res["abort4"] += 1
            else:
                res["closed"] += 1
        return res


def tally(socks, wait=20.0):
    """Polls until the counts have not changed for 3 s (at most 'wait'
    s): the relay has dealt with every connection."""
    w = Watch(socks)
    end = time.monotonic() + wait
    prev, since = None, time.monotonic()
    while True:
        res, now = w.poll(), time.monotonic()
        if res != prev:
            prev, since = res, now
        elif now - since >= 3.0 or now > end:
            return res
        time.sleep(0.25)


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


def recv_frame(s):
    """One whole frame from a blocking socket."""
    b = b""
    while len(b) < 6 or len(b) < 6 + struct.unpack(">I", b[2:6])[0]:
        more = s.recv(4096)
        if not more:
            raise h.Failure("the relay closed a handshake (%s)" % b.hex())
        b += more
    return b


def solve(cookie, bits):
    """The puzzle of PROTOCOL §5.7.2, as the reference client solves it."""
    import hashlib
    i = 0
    while True:
        sol = struct.pack(">Q", i)
        v = int.from_bytes(hashlib.blake2b(b"sotto/1 puzzle" + cookie + sol,
                                           digest_size=32).digest(), "big")
        if v >> (256 - bits) == 0:
            return sol
        i += 1


def read_to_end(s):
    """Everything the relay sends on s until it closes it."""
    got = b""
    try:
        while True:
            more = s.recv(64)
            if not more:
                break
            got += more
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    return got


def talk(t, a, b, an, bn, text):
    a.send("%s %s" % (text, an))
    b.wait_until(lambda: ("%s %s" % (text, an)) in b.messages_from(an),
                 "%s's %r at %s" % (an, text, bn), timeout=30)


class Junk(threading.Thread):
    """JUNK connections doing fixed-byte handshakes in a loop."""

    def __init__(self, port, n):
        super().__init__(daemon=True)
        self.port, self.n = port, n
        self.stop = False
        self.counts = {"hello": 0, "challenge": 0, "share_a": 0}

    def open_one(self, sel):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        # From 127.0.0.2-11, not the newcomer's address.
        self.i = getattr(self, "i", 0) + 1
        s.bind(("127.0.0.%d" % (2 + self.i % 10), 0))
        s.connect_ex((h.LOOPBACK, self.port))
        sel.register(s, selectors.EVENT_WRITE, [b"", False])

    def run(self):
        sel = selectors.DefaultSelector()
        for _ in range(self.n):
            self.open_one(sel)
        while not self.stop:
            for key, ev in sel.select(0.2):
                s, st = key.fileobj, key.data
                try:
                    if ev & selectors.EVENT_WRITE:
                        s.send(HELLO)
                        self.counts["hello"] += 1
                        sel.modify(s, selectors.EVENT_READ, st)
                        continue
                    b = s.recv(4096)
                except OSError:
                    b = b""
                if b:
                    st[0] += b
                    if st[0][:2] == b"\x01\x05":
                        self.counts["challenge"] += 1
                        b = b""		# won't pay: go again
                    elif st[0][:2] == b"\x01\x02" and len(st[0]) >= 54 and not st[1]:
                        self.counts["share_a"] += 1
                        st[1] = True
                        try:
                            s.send(SHARE_B)
                        except OSError:
                            b = b""
                if not b:
                    sel.unregister(s)
                    s.close()
                    self.open_one(sel)
        for key in list(sel.get_map().values()):
            key.fileobj.close()


def new_member(t, name, inv):
    p = t.room_join(t.party(name), inv)
    h.wait_joined(p, name, timeout=W)
    return p


def scenario(t):
    relay, port = t.relay()
    alice, bob = t.party("alice"), t.party("bob")
    a, inv = t.room_new(alice, port)
    b = t.room_join(bob, inv)
    h.wait_joined(b, "bob")
    h.wait_in_room(a, ["bob"], timeout=W)
    talk(t, a, b, "alice", "bob", "hello")

    # 1. From one address.
    socks = silent(port, ["127.0.0.2"], SILENT)
    res = tally(socks)
    t.log("silent from one address: %r" % res)
    t.check(res["open"] <= 16, "more than 16 silent connections from one address stayed open: %r" % res)
    t.check(res["abort4"] >= SILENT - 16 - 50,
            "the connections over the per-address limit did not get ABORT 4: %r" % res)
    c = new_member(t, "carol", inv)
    h.wait_in_room(c, ["alice", "bob"], timeout=W)
    talk(t, c, a, "carol", "alice", "made it")
    talk(t, a, b, "alice", "bob", "still here")
    talk(t, b, a, "bob", "alice", "me too")
    close_all(socks)
    t.check(relay.alive(), "the relay died")

    # 2. From 200 addresses, on a relay that sheds past CAP.
    relay2, port2 = t.relay("--max-silent", str(CAP), label="relay(shed)")
    e, inv2 = t.room_new(t.party("erin"), port2)
    socks = silent(port2, ["127.0.0.%d" % i for i in range(2, 202)], SILENT)
    res = tally(socks)
    t.log("silent from 200 addresses, cap %d: %r" % (CAP, res))
    t.check(res["open"] <= CAP, "more than %d silent connections open: %r" % (CAP, res))
    t.check(res["closed"] >= SILENT - CAP - 50, "the oldest were not shed: %r" % res)
    f = new_member(t, "frank", inv2)
    h.wait_in_room(f, ["erin"], timeout=W)
    h.wait_in_room(e, ["frank"], timeout=W)
    talk(t, f, e, "frank", "erin", "through the crowd")
    relay2.wait_stderr("shed")
    close_all(socks)

    # 3. Junk handshakes.
    junk = Junk(port, JUNK)
    junk.start()
    try:
        relay.wait_until(lambda: re.search(r"admission: .* [1-9][0-9]* challenged",
                                           relay.stderr_text()),
                         "the relay's log of challenged HELLOs", timeout=20)
        d = new_member(t, "dave", inv)
        h.wait_in_room(d, ["alice", "bob", "carol"], timeout=W)
        talk(t, d, a, "dave", "alice", "paid my way")
        talk(t, a, b, "alice", "bob", "during the flood")
        talk(t, b, c, "bob", "carol", "all good")
    finally:
        junk.stop = True
        junk.join(5)
    t.log("junk: %r" % junk.counts)
    t.check(junk.counts["challenge"] > 0, "no junk client was challenged: %r" % junk.counts)

    # 4. Wrong answers, on a relay that challenges everyone.
    relay3, port3 = t.relay("--puzzle-bits", "8", label="relay(puzzle)")
    g, inv3 = t.room_new(t.party("gina"), port3)
    hh = new_member(t, "hank", inv3)
    h.wait_in_room(g, ["hank"], timeout=W)
    h.wait_in_room(hh, ["gina"], timeout=W)
    talk(t, hh, g, "hank", "gina", "worth it")
    for what in ("solution", "cookie", "abort", "type"):
        s = socket.create_connection((h.LOOPBACK, port3), timeout=5)
        s.sendall(HELLO)
        ch = b""
        while len(ch) < 27:
            more = s.recv(64)
            t.check(more, "no CHALLENGE from a --puzzle-bits relay")
            ch += more
        t.check(ch[:6] == bytes([1, 5, 0, 0, 0, 21]) and ch[6] == 8,
                "CHALLENGE header/bits: %s" % ch[:7].hex())
        window, cookie = ch[7:11], ch[11:27]
        if what == "cookie":
            cookie = bytes(16)
        proof = bytes([1, 6, 0, 0, 0, 29]) + window + bytes([8]) + cookie + bytes(8)
        if what == "abort":
            proof = bytes([1, 0x0f, 0, 0, 0, 1, 2])
        elif what == "type":
            proof = SHARE_B[:35]	# all of it read: no reset
        # A zero solution meets 8 bits 1 time in 256: make sure it doesn't.
        if what == "solution":
            import hashlib
            for i in range(1000):
                sol = struct.pack(">Q", i)
                hsh = hashlib.blake2b(b"sotto/1 puzzle" + cookie + sol, digest_size=32).digest()
                if hsh[0] != 0:
                    break
            proof = proof[:-8] + sol
        s.sendall(proof)
        got = read_to_end(s)
        want = b"" if what == "abort" else bytes([1, 0x0f, 0, 0, 0, 1, 2])
        t.check(got == want, "%s: the relay answered %s, not %s" % (what, got.hex(), want.hex()))
    # An ABORT in place of the HELLO is not answered either; garbage is.
    for first, want in ((bytes([1, 0x0f, 0, 0, 0, 1, 2]), b""),
                        (b"GET / HTTP/1.0\r\n", bytes([1, 0x0f, 0, 0, 0, 1, 2]))):
        s = socket.create_connection((h.LOOPBACK, port3), timeout=5)
        s.sendall(first[:6])
        got = read_to_end(s)
        t.check(got == want, "first bytes %r: the relay answered %s, not %s"
                % (first[:6], got.hex(), want.hex()))
    talk(t, g, hh, "gina", "hank", "after the junk")

    # 5. Message rate.
    relay4, port4 = t.relay("--member-rate", "20", label="relay(rate)")
    ia, inv4 = t.room_new(t.party("ivy"), port4)
    jb = new_member(t, "jack", inv4)
    kc = new_member(t, "kate", inv4)
    h.wait_in_room(kc, ["ivy", "jack"], timeout=W)
    h.wait_in_room(ia, ["jack", "kate"], timeout=W)
    h.wait_in_room(jb, ["ivy", "kate"], timeout=W)
    lines = ["flood %04d" % i for i in range(FLOOD)]
    ia.send_raw("".join(l + "\n" for l in lines).encode())
    kc.wait_until(lambda: len(kc.messages_from("ivy")) >= 1, "ivy's first flood line at kate")
    jb.send("jack in the middle")
    kc.wait_until(lambda: "jack in the middle" in kc.messages_from("jack"),
                  "jack's message at kate", timeout=20)
    n = len(kc.messages_from("ivy"))
    t.log("kate had %d of ivy's %d when jack's arrived" % (n, FLOOD))
    t.check(n < FLOOD, "jack's message waited for all of ivy's flood (%d)" % n)
    kc.wait_until(lambda: len(kc.messages_from("ivy")) >= FLOOD,
                  "all of ivy's flood at kate", timeout=60)
    t.check(kc.messages_from("ivy") == lines, "ivy's flood arrived changed or out of order")
    relay4.wait_stderr("over its message rate")

    # 7. Handshakes held open (HELLO, the puzzle paid, SHARE_A received,
    # then nothing) from 20 addresses: past 256 the oldest are shed.
    relay6, port6 = t.relay(label="relay(handshakes)")
    m6, inv6 = t.room_new(t.party("mia"), port6)
    held = []
    for i in range(HELD):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(10)
        s.bind(("127.0.0.%d" % (2 + i % 20), 0))
        s.connect((h.LOOPBACK, port6))
        s.sendall(HELLO[:7] + struct.pack(">QQ", i, 7))	# its own nonce
        f = recv_frame(s)
        if f[1] == 0x05:		# CHALLENGE: pay it, as a client would
            s.sendall(bytes([1, 6, 0, 0, 0, 29]) + f[7:11] + f[6:7] + f[11:27]
                      + solve(f[11:27], f[6]))
            f = recv_frame(s)
        t.check(f[1] == 0x02, "handshake %d: no SHARE_A but %s" % (i, f[:7].hex()))
        s.setblocking(False)
        held.append(s)
    res = tally(held)
    t.log("handshakes held: %r" % res)
    t.check(res["open"] <= 256, "more than 256 handshakes held: %r" % res)
    t.check(res["closed"] >= HELD - 256 - 16, "the oldest handshakes were not shed: %r" % res)
    relay6.wait_stderr("handshakes under way: dropping the oldest")
    n6 = new_member(t, "nina", inv6)
    h.wait_in_room(n6, ["mia"], timeout=W)
    h.wait_in_room(m6, ["nina"], timeout=W)
    talk(t, n6, m6, "nina", "mia", "past the half-open ones")
    close_all(held)

    # 6. Rooms per address (on a fresh relay: its buckets are full).
    relay5, port5 = t.relay(label="relay(rooms)")
    for i in range(20):
        p, _ = t.room_new(t.party("r%02d" % i), port5)
        p.close_stdin()
        p.expect_exit(0, why="room %d of 20" % i)
    p, _ = t.room_new(t.party("r20"), port5, wait=False)
    p.wait_stderr("too many rooms were created from your address", timeout=10)
    p.expect_exit(4, why="the 21st room from one address")
    relay5.wait_stderr("too many rooms")
    t.check(relay.alive() and relay3.alive() and relay4.alive(), "a relay died")


if __name__ == "__main__":
    h.main(scenario, budget=240)
