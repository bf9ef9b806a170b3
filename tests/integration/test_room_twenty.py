#!/usr/bin/python3
"""
test_room_twenty: a room of 20 members, each talking, and a burst.

Proves: 20 members join one room one after the other (each sees '(k
other members)' with k the number already there); every member shows
'* NAME is in the room' for the 19 others; each member sends 20
numbered messages, all at once, and every member prints exactly the
19*20 messages of the others -- each once, in each sender's order, its
own never echoed; all 20 show the same room code; then one member sends
1000 messages back to back and every other member prints all 1000,
once, in order; everyone leaves cleanly (exit 0) and the relay lives on.
"""
import time

import sotto_harness as h

M = 20		# members
PER = 20	# messages per member
BURST = 1000


def scenario(t):
    relay, port = t.relay()
    names = ["m%02d" % i for i in range(M)]
    parties = [t.party(n) for n in names]
    t0 = time.monotonic()
    first, inv = t.room_new(parties[0], port)
    procs = [first]
    for k, p in enumerate(parties[1:], 1):
        q = t.room_join(p, inv)
        n = h.wait_joined(q, p.name)
        t.check(n == k, "%s: joined with %d other members, expected %d" % (p.name, n, k))
        procs.append(q)
    for n, p in zip(names, procs):
        h.wait_in_room(p, [o for o in names if o != n], timeout=30)
    t.log("%d members in and verified in %.1f s" % (M, time.monotonic() - t0))

    sent = {n: ["%s message %02d" % (n, i) for i in range(PER)] for n in names}
    t0 = time.monotonic()
    for n, p in zip(names, procs):
        p.send_raw("".join(m + "\n" for m in sent[n]).encode())
    for n, p in zip(names, procs):
        p.wait_until(lambda p=p, n=n: sum(len(v) for k, v in h.room_messages(p).items() if k != n)
                     >= (M - 1) * PER, "%d messages at %s" % ((M - 1) * PER, n), timeout=30)
    t.log("%d x %d messages delivered in %.2f s" % (M, PER, time.monotonic() - t0))
    h.check_room_chat(t, names, procs, sent)

    codes = [h.room_code(p) for p in procs]
    t.check(len(set(codes)) == 1, "room codes differ: %r" % codes)

    # The burst: m07 sends 1000 lines in one write.
    bi = 7
    burst = ["burst %04d from %s %s" % (i, names[bi], "x" * (i % 50)) for i in range(BURST)]
    t0 = time.monotonic()
    procs[bi].send_raw("".join(m + "\n" for m in burst).encode())
    tails = {}
    for n, p in zip(names, procs):
        if n != names[bi]:
            tails[n] = h.Tail(p).track(names[bi] + ": burst ")
    for n, tl in tails.items():
        tl.wait_count(names[bi] + ": burst ", BURST, timeout=60,
                      what="%d burst messages at %s" % (BURST, n))
    t.log("burst of %d delivered to %d members in %.2f s" % (BURST, M - 1, time.monotonic() - t0))
    for n, p in zip(names, procs):
        if n == names[bi]:
            continue
        got = [m for m in p.messages_from(names[bi]) if m.startswith("burst ")]
        t.check(got == burst, "%s: the burst arrived as %d lines, first difference at %r"
                % (n, len(got), next((i for i, (x, y) in enumerate(zip(got, burst)) if x != y),
                                    min(len(got), len(burst)))))
        t.check(not any(l.startswith("* ") and ("never arrived" in l or "again" in l
                        or "authentication" in l or "could not be read" in l) for l in p.lines()),
                "%s reported a problem" % n)

    for p in reversed(procs):
        p.close_stdin()
    for p in procs:
        p.expect_exit(h.EXIT_OK, timeout=15)
    t.check(relay.alive(), "the relay exited")


h.main(scenario, budget=150)
