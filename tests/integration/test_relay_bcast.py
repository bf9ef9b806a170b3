#!/usr/bin/python3
"""
test_relay_bcast: a large broadcast into rooms of links that never read
(issue 9, finding 2), at a small scale; bench/bcast.sh runs it at the
issue's scale (1,000 links in each of 3 rooms).

The attack is tests/integration/tools/bcast_load: in each of ROOMS rooms,
LINKS links join and then never read again, and one member broadcasts
BYTES (3 MiB) in blobs of the largest size; meanwhile two links of
another room ping each other every 10 ms.  alice and bob, real sotto
members, talk in a room of their own on the same relay throughout.  The
relay runs with its per-address limits lifted (--max-per-address 0,
--member-rate 0: the attack comes from 127.0.0.1 alone) and no puzzle.

Proves:
1. With the default output budget: the relay's RSS (VmRSS, sampled every
   10 ms by the tool) grows by less than RSS_BOUND_MB over its idle
   figure (the unfixed relay, which queued a sealed copy of every
   broadcast per member, grew by about 160 MiB at this scale); every
   non-reading link is dropped by the relay (it says so: "not reading");
   every sender sent all its bytes; every ping arrived exactly once, in
   order; and alice's and bob's messages, sent during the attack, reach
   the other exactly once, in order.
2. With a small budget (--max-queued 2 MiB, below what the attack
   queues): the relay drops the links holding the most unread data to
   stay within it (it logs "dropped (output budget)"), RSS stays bounded
   the same way, and the legitimate room and the pings are unaffected.
"""
import os
import re

import sotto_harness as h

ROOMS = 3
LINKS = 100
BYTES = 3 * 1024 * 1024
RSS_BOUND_MB = 64
N = 15		# messages alice and bob each send during the attack


def tool():
    d = os.environ.get("SOTTO_TOOLS_DIR") or os.path.join(
        os.environ.get("SOTTO_BUILD_DIR", "build"), "tests", "tools")
    return os.path.join(d, "bcast_load")


def parse_summary(text):
    m = re.search(r"^bcast_load (.*)$", text, re.M)
    if m is None:
        raise h.Failure("no summary line from bcast_load")
    return dict(kv.split("=", 1) for kv in m.group(1).split())


def attack(t, relay, port, label, chat):
    """Runs the tool against the relay (alice and bob talk once it says
    'go'); returns its summary as a dict."""
    argv = [tool(), "--port", str(port), "--rooms", str(ROOMS),
            "--links", str(LINKS), "--bytes", str(BYTES),
            "--relay-pid", str(relay.p.pid), "--idle", "2",
            "--seconds", "10"]
    p = t.spawn(label, argv, dict(os.environ), stdin=False)
    p.wait_line(r"^ready links=\d+$", timeout=90, what="the links joined")
    p.wait_line(r"^go$", timeout=20, what="the broadcast starting")
    chat()
    p.wait_line(r"^bcast_load ", timeout=40, what="the summary")
    p.expect_exit(0, timeout=10, why="the tool ran to its end")
    s = parse_summary(p.stdout_bytes().decode())
    t.log("%s: %s" % (label, " ".join("%s=%s" % kv for kv in s.items())))
    return s


def check_run(t, s, relay, what):
    links = ROOMS * LINKS
    t.check(int(s["joined"]) == links + ROOMS + 2,
            "%s: %s of %d links joined" % (what, s["joined"], links + ROOMS + 2))
    t.check(int(s["sent"]) == ROOMS * BYTES,
            "%s: the senders sent %s of %d bytes" % (what, s["sent"], ROOMS * BYTES))
    t.check(int(s["pings"]) > 0 and s["got"] == s["pings"] and s["dup"] == "0",
            "%s: pings sent %s, got %s, out of order or twice %s"
            % (what, s["pings"], s["got"], s["dup"]))
    t.check(int(s["dropped"]) == links,
            "%s: the relay dropped %s of the %d links that never read"
            % (what, s["dropped"], links))
    idle, peak = int(s["idle_rss_kb"]), int(s["peak_rss_kb"])
    t.check(idle > 0 and peak > 0, "%s: no RSS figures" % what)
    t.check(peak - idle < RSS_BOUND_MB * 1024,
            "%s: the relay's RSS went from %d KiB idle to %d KiB (more than %d MiB more)"
            % (what, idle, peak, RSS_BOUND_MB))
    t.check(relay.alive(), "%s: the relay died" % what)


def make_chat(t, a, b, names, tag):
    """What alice and bob say during the attack: N lines each."""
    def chat():
        for i in range(N):
            a.send("%s %s %d" % (tag, names[0], i))
            b.send("%s %s %d" % (tag, names[1], i))
        for p, other in ((a, names[1]), (b, names[0])):
            p.wait_until(lambda p=p, other=other: len([m for m in p.messages_from(other)
                                                       if m.startswith(tag + " ")]) >= N,
                         "%s's %s messages at %s" % (other, tag, p.label), 60)
    return chat


def check_chat(t, a, b, names, tag):
    for p, other in ((a, names[1]), (b, names[0])):
        got = [m for m in p.messages_from(other) if m.startswith(tag + " ")]
        want = ["%s %s %d" % (tag, other, i) for i in range(N)]
        t.check(got == want, "%s received from %s:\n  %r\nexpected exactly:\n  %r"
                % (p.label, other, got, want))


def room(t, port, suffix):
    alice, bob = t.party("alice" + suffix), t.party("bob" + suffix)
    a, inv = t.room_new(alice, port)
    b = t.room_join(bob, inv)
    h.wait_in_room(b, [alice.name])
    h.wait_in_room(a, [bob.name])
    return a, b, (alice.name, bob.name)


def scenario(t):
    # In an ASan build, freed memory waits in ASan's quarantine (256 MiB
    # by default) and would count in the relay's RSS: a small one keeps
    # the figure about the relay.  (The last setting wins; no effect on
    # an ordinary build.)
    os.environ["ASAN_OPTIONS"] = ":".join(
        o for o in (os.environ.get("ASAN_OPTIONS"), "quarantine_size_mb=8") if o)
    flags = ["--no-log", "--no-puzzle", "--max-per-address", "0", "--member-rate", "0"]

    # 1. The default budget.
    relay, port = t.relay(*flags)
    a, b, names = room(t, port, "")
    s = attack(t, relay, port, "attack", make_chat(t, a, b, names, "one"))
    check_run(t, s, relay, "default budget")
    check_chat(t, a, b, names, "one")
    t.check("not reading" in relay.stderr_text(),
            "the relay did not log dropping a member that was not reading")
    relay.kill()

    # 2. A budget smaller than what the attack queues.
    relay, port = t.relay(*(flags + ["--max-queued", str(2 * 1024 * 1024)]), label="relay2")
    t.check(re.search(r"limits: .* 2097152 bytes of queued output", relay.stderr_text()),
            "the relay's limits line does not give the budget")
    a, b, names = room(t, port, "2")
    s = attack(t, relay, port, "attack2", make_chat(t, a, b, names, "two"))
    check_run(t, s, relay, "--max-queued 2 MiB")
    check_chat(t, a, b, names, "two")
    t.check("dropped (output budget)" in relay.stderr_text(),
            "the relay did not drop anyone for its output budget")
    t.check(re.search(r"queued output over its budget \(\d+ of 2097152 bytes\)",
                      relay.stderr_text()),
            "the relay did not log going over its budget")


if __name__ == "__main__":
    h.main(scenario, 240)
