#!/usr/bin/python3
"""
test_cluster: two relay nodes on one NATS bus serve the same rooms.

Starts its own 'nats-server -js -a 127.0.0.1 -p PORT -sd DIR', a small
TCP proxy in front of it that records every byte both ways, and two
'sotto relay --nats nats://127.0.0.1:PROXYPORT --node N' sharing one
relay key (node 2's state directory gets a copy of node 1's key file).

Proves:
- 3 members, alicia and caroline on node 1, bobbie on node 2 (the invitation's
  port swapped): all see each other; each sends 5 lines and every other
  member prints them exactly once, in the sender's order, its own never
  echoed; the room codes agree;
- a second "alicia" joining on node 2 is refused as on one relay (exit
  2, "taken"), and a second "bobbie" on node 1 too; the room goes on;
- '/who' on alicia (node 1) and on bobbie (node 2) lists the same members;
- 20 members (10 per node, alternating) in another room: each sends 10
  lines at once, every member prints the 19 x 10 others' exactly once,
  in each sender's order; the codes agree;
- a member on node 2 (sebastian, through a proxy) is cut for 4 s: the
  others see it lost and back, what they said meanwhile reaches it once
  the RESUME and replay have crossed the bus, and every line of the room
  arrives exactly once, in order, with no anomaly notice;
- 4 times, a room whose last member left (its owner node releases it)
  is joined at the same moment by one member on each node: both nodes
  claim it, and the two members are in one room (each sees the other
  and the other's line), never two owners;
- the NATS connections carried traffic (PUB on the cluster's subjects)
  but no message text, no member name (all of 6 bytes or more, so that
  none turns up in the ciphertext by chance) and no room id (raw or hex);
- nats-server killed: both nodes log 'lost NATS', and node 1 still
  serves the room it owns to its own members (alicia to caroline), and
  a room made meanwhile on node 1; nats-server started again on its
  port: both nodes reconnect, and a member joining that room on node 2
  is in it with its maker;
- everyone leaves cleanly (exit 0), both relays are still alive, and
  both stop on SIGTERM with status 0 (no sanitizer report).
"""
import re
import shutil
import signal
import socket
import threading
import time

import sotto_harness as h

RACES = 4	# rooms joined from both nodes at once
OUTAGE = 4	# seconds the cut member's proxy refuses it
CUT_NAMES = ("rosalind", "sebastian", "theodora")
NATS_SERVER = shutil.which("nats-server") or "/usr/bin/nats-server"


class Capture:
    """A TCP forwarder 127.0.0.1:port -> 127.0.0.1:target that keeps
    every byte it passes (both directions), for the bus check."""

    def __init__(self, target, port=0):
        self.target = target
        self.lock = threading.Lock()
        self.data = bytearray()
        self.socks = []
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind((h.LOOPBACK, port))
        self.ls.listen(16)
        self.port = self.ls.getsockname()[1]
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            try:
                s = socket.create_connection((h.LOOPBACK, self.target), timeout=5)
                s.settimeout(None)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.socks += [c, s]
            threading.Thread(target=self._pump, args=(c, s), daemon=True).start()
            threading.Thread(target=self._pump, args=(s, c), daemon=True).start()

    def _pump(self, a, b):
        while True:
            try:
                d = a.recv(65536)
            except OSError:
                d = b""
            if not d:
                break
            with self.lock:
                self.data += d
            try:
                b.sendall(d)
            except OSError:
                break
        for x in (a, b):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def bytes(self):
        with self.lock:
            return bytes(self.data)

    def stop(self):
        self.stopped = True
        # shutdown wakes the thread blocked in accept, so that the port
        # is free at once (close alone leaves it to that thread).
        for fn in (lambda: self.ls.shutdown(socket.SHUT_RDWR), self.ls.close):
            try:
                fn()
            except OSError:
                pass
        with self.lock:
            for x in self.socks:
                # shutdown, not just close: it wakes the pumps blocked
                # in recv and sends the relay its FIN.
                for fn in (lambda: x.shutdown(socket.SHUT_RDWR), x.close):
                    try:
                        fn()
                    except OSError:
                        pass


def who(t, proc):
    """Sends /who; returns the sorted member names it lists."""
    before = len(proc.lines())
    proc.send("/who")
    proc.wait_line(r"^\* \d+ other verified members?$", what="the end of /who")
    names = []
    for l in proc.lines()[before:]:
        m = re.match(r"^\* (\S+?)( \(you\))?, key ", l)
        if m:
            names.append(m.group(1))
    return sorted(names)


def check_chat(t, names, procs, sent):
    h.check_room_chat(t, names, procs, sent)
    for n, p in zip(names, procs):
        t.check(not h.anomalies(p), "%s reported anomalies: %r" % (n, h.anomalies(p)))


def chat(t, names, procs, per, timeout):
    sent = {n: ["%s says line %02d to the room" % (n, i) for i in range(per)] for n in names}
    for n, p in zip(names, procs):
        p.send_raw("".join(m + "\n" for m in sent[n]).encode())
    want = (len(names) - 1) * per
    for n, p in zip(names, procs):
        p.wait_until(lambda p=p, n=n: sum(len(v) for k, v in h.room_messages(p).items() if k != n)
                     >= want, "%d messages at %s" % (want, n), timeout=timeout)
    check_chat(t, names, procs, sent)
    return sent


def scenario(t):
    # The bus: our own nats-server, behind the capturing proxy.
    nats, nport, store = h.nats_server(t)
    cap = Capture(nport)
    t.cleanups.append(cap.stop)
    url = "nats://%s:%d" % (h.LOOPBACK, cap.port)

    # One relay key for both nodes: node 2 gets a copy of node 1's.
    r1, p1, d1, r2, p2, d2 = h.two_nodes(t, url)
    t.check(h.relay_fingerprint(r1) == h.relay_fingerprint(r2), "the nodes' keys differ")

    # --- 3 members: alice, carol on node 1; bob on node 2.
    alice, inv = t.room_new(t.party("alicia"), p1)
    inv2 = h.invite_via(inv, p2)
    room_id = h.decode_invite(inv)["room_id"]
    bob = t.room_join(t.party("bobbie"), inv2)
    t.check(h.wait_joined(bob, "bobbie", timeout=20) == 1, "bob: not 1 other member")
    carol = t.room_join(t.party("caroline"), inv)
    t.check(h.wait_joined(carol, "caroline", timeout=20) == 2, "carol: not 2 other members")
    # Names of 6 bytes or more: a shorter one could turn up by chance in
    # a megabyte of ciphertext.
    names = ["alicia", "bobbie", "caroline"]
    procs = [alice, bob, carol]
    for n, p in zip(names, procs):
        h.wait_in_room(p, [o for o in names if o != n], timeout=30)
    t.check(" joined a room of another node" in r2.stderr_text(),
            "node 2 did not forward bob to the room's node")
    sent3 = chat(t, names, procs, 5, 30)
    codes = [h.room_code(p) for p in procs]
    t.check(len(set(codes)) == 1, "room codes differ: %r" % codes)
    t.log("3 members on 2 nodes: chat and codes agree")

    # Names are one namespace across the nodes.
    for name, via in (("alicia", inv2), ("bobbie", inv)):
        p = t.room_join(t.party(name + "2"), via, name=name, label="join(%s again)" % name)
        p.expect_exit(h.EXIT_USAGE, timeout=20, why="name %s already taken" % name)
        err = p.stderr_text()
        t.check(re.search(r"taken|in use", err), "second %s: no 'taken' error: %r" % (name, err))
        t.check(not any(l.startswith("* joined") for l in p.lines()), "second %s joined" % name)
    alice.send("alicia is still alicia")
    bob.wait_until(lambda: bob.messages_from("alicia")[-1:] == ["alicia is still alicia"],
                   "alice's line after the name clashes", 20)
    sent3["alicia"].append("alicia is still alicia")
    wa, wb = who(t, alice), who(t, bob)
    t.check(wa == wb == names, "/who differs: node 1 %r, node 2 %r" % (wa, wb))
    t.log("names unique across nodes; /who the same on both")

    # --- 20 members, 10 per node, alternating.
    mnames = ["memb%02d" % i for i in range(20)]
    first, minv = t.room_new(t.party(mnames[0]), p2)
    minv1 = h.invite_via(minv, p1)
    mprocs = [first]
    for k, n in enumerate(mnames[1:], 1):
        q = t.room_join(t.party(n), minv1 if k % 2 else minv)
        got = h.wait_joined(q, n, timeout=30)
        t.check(got == k, "%s: joined with %d other members, expected %d" % (n, got, k))
        mprocs.append(q)
    for n, p in zip(mnames, mprocs):
        h.wait_in_room(p, [o for o in mnames if o != n], timeout=60)
    chat(t, mnames, mprocs, 10, 60)
    codes = [h.room_code(p) for p in mprocs]
    t.check(len(set(codes)) == 1, "20 members: room codes differ")
    t.log("20 members on 2 nodes: every line once, in order")

    # --- a member on node 2 whose link is cut resumes its seat there: the
    # cut (AWAY), the RESUME and the replay of what it missed all cross
    # the bus.
    proxy, pport = t.proxy(p2, outage=OUTAGE)
    room = h.Chatroom(t, p1, CUT_NAMES, via={CUT_NAMES[1]: pport})
    cn = CUT_NAMES[1]
    cp = room.procs[cn]
    room.say("before", 10)
    room.caught_up(30)
    h.outage_begin(proxy)
    cp.wait_line(r"^\* connection to the relay lost; reconnecting", what="%s's lost notice" % cn)
    for n in (CUT_NAMES[0], CUT_NAMES[2]):
        room.procs[n].wait_line(r"^\* %s lost connection$" % cn, timeout=20,
                                what="'* %s lost connection' at %s" % (cn, n))
    room.say("during", 10)
    room.caught_up(30, who=(CUT_NAMES[0], CUT_NAMES[2]), senders=(CUT_NAMES[0], CUT_NAMES[2]))
    proxy.wait_line(r"^proxy outage ends$", timeout=OUTAGE + 10, what="the end of the outage")
    cp.wait_line(r"^\* reconnected$", timeout=60, what="%s's '* reconnected'" % cn)
    for n in (CUT_NAMES[0], CUT_NAMES[2]):
        room.procs[n].wait_line(r"^\* %s is back$" % cn, timeout=20, what="'* %s is back'" % cn)
    room.say("after", 10)
    room.caught_up(30)
    room.check_all()
    t.check(" resumed its seat in a room of another node" in r2.stderr_text(),
            "node 2 did not forward the RESUME")
    t.log("a cut member on node 2 resumed: every line once, in order")

    # --- two members join an empty room at once, one on each node: both
    # nodes claim it, one gives way, and they are in one room.
    for k in range(RACES):
        maker_node, other = (p1, p2) if k % 2 == 0 else (p2, p1)
        owner = r1 if k % 2 == 0 else r2
        released = owner.stderr_text().count("released an empty room")
        mk, rinv = t.room_new(t.party("maker%d" % k), maker_node)
        # A line first: the maker then leaves once it is acknowledged,
        # not while the relay still answers its announcement (a member
        # that closes at that moment is cut, and its seat held).
        mk.send("maker%d was here" % k)
        mk.close_stdin()
        mk.expect_exit(h.EXIT_OK, timeout=20, why="the room's maker left")
        owner.wait_until(lambda: owner.stderr_text().count("released an empty room") > released,
                         "the room released by %s" % owner.label, 20)
        pa, pb = t.party("racera%d" % k), t.party("racerb%d" % k)
        qa = t.room_join(pa, rinv)
        qb = t.room_join(pb, h.invite_via(rinv, other))
        h.wait_joined(qa, pa.name, timeout=30)
        h.wait_joined(qb, pb.name, timeout=30)
        h.wait_in_room(qa, [pb.name], timeout=30)
        h.wait_in_room(qb, [pa.name], timeout=30)
        qa.send("%s to %s" % (pa.name, pb.name))
        qb.wait_until(lambda: qb.messages_from(pa.name) == ["%s to %s" % (pa.name, pb.name)],
                      "%s's line at %s" % (pa.name, pb.name), 20)
        for q in (qa, qb):
            q.close_stdin()
        for q in (qa, qb):
            q.expect_exit(h.EXIT_OK, timeout=20)
    t.check("owns a room this node owns too" not in r1.stderr_text() + r2.stderr_text(),
            "a room got two owners")
    ways = (r1.stderr_text() + r2.stderr_text()).count("at the same time: giving way")
    t.log("%d empty rooms joined from both nodes at once: one room each time "
          "(%d claims crossed)" % (RACES, ways))

    # --- what the bus saw.
    bus = cap.bytes()
    t.check(b"PUB sotto." in bus and b"MSG sotto." in bus,
            "no cluster traffic on the NATS connections (%d bytes)" % len(bus))
    secrets = [room_id, room_id.hex().encode(), room_id.hex().upper().encode(),
               h.decode_invite(minv)["room_id"], h.decode_invite(minv)["room_id"].hex().encode()]
    secrets += [n.encode() for n in names + mnames + list(CUT_NAMES)]
    secrets += [m.encode() for v in sent3.values() for m in v]
    secrets += [b"says line", b"to the room"]
    leaks = [s for s in secrets if s in bus]
    t.check(not leaks, "the NATS bus carried in clear: %r" % leaks[:5])
    t.log("NATS capture: %d bytes, no text, name or room id" % len(bus))

    # --- NATS goes away: each node says so and serves its own members.
    nats.kill()
    cap.stop()
    for r in (r1, r2):
        r.wait_until(lambda r=r: "lost NATS" in r.stderr_text(),
                     "'lost NATS' in %s's log" % r.label, 30)
    alice.send("alicia without the bus")
    carol.wait_until(lambda: carol.messages_from("alicia")[-1:] == ["alicia without the bus"],
                     "alice's line at carol (same node) without NATS", 20)
    # A room made while NATS is down is node 1's; once NATS is back (same
    # port), node 2's member joins that same room.
    late, linv = t.room_new(t.party("latecomer"), p1)
    nats = t.spawn("nats-server", [NATS_SERVER, "-js", "-a", h.LOOPBACK, "-p", str(nport),
                                   "-sd", store], t.env(t.tmp), stdin=False)
    nats.wait_until(lambda: h.port_listening(nport), "nats-server listening again", 20)
    cap2 = Capture(nport, port=cap.port)
    t.cleanups.append(cap2.stop)
    for r in (r1, r2):
        r.wait_until(lambda r=r: r.stderr_text().count("connected to NATS") >= 2,
                     "'connected to NATS' again in %s's log" % r.label, 30)
    lj = t.room_join(t.party("lateguest"), h.invite_via(linv, p2))
    t.check(h.wait_joined(lj, "lateguest", timeout=30) == 1,
            "the room made without NATS is not node 1's after NATS came back")
    h.wait_in_room(late, ["lateguest"], timeout=30)
    h.wait_in_room(lj, ["latecomer"], timeout=30)
    t.log("without NATS, node 1 still serves its own members; after, its rooms are the cluster's")
    for p in (late, lj):
        p.close_stdin()
    for p in (late, lj):
        p.expect_exit(h.EXIT_OK, timeout=20)

    room.leave_all()
    for p in procs + mprocs:
        p.close_stdin()
    for p in procs + mprocs:
        p.expect_exit(h.EXIT_OK, timeout=20)
    t.check(r1.alive() and r2.alive(), "a relay node exited")
    # A node stops cleanly without its bus (and, in a sanitizer build,
    # without a report).
    for r in (r1, r2):
        h.signal_proc(r, signal.SIGTERM)
    for r in (r1, r2):
        r.expect_exit(h.EXIT_OK, timeout=30, why="SIGTERM")
        t.check("Sanitizer" not in r.stderr_text(), "%s: a sanitizer report" % r.label)


h.main(scenario, budget=240)
