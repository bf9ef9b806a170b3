#!/usr/bin/python3
"""
test_cluster_buslost: the bus loses a message while neither node's own
NATS connection drops (as a failing route between NATS servers loses
them), in each direction, and nothing is lost for the members.

Starts one nats-server, and natsproxy.py in front of it for each node
(node 1's proxy loses PUBs on node subjects, '.n.': the owner's OUTs;
node 2's loses PUBs on room subjects, '.r.': a forwarding node's INs).
alicia makes a room on node 1 (the owner), bobbie joins through node 2.

Proves (docs/PROTOCOL.md section 15.10, "lseq"):
- an OUT for bobbie's link is lost: the next OUT shows node 2 the gap,
  it drops the link ("the bus lost messages for a link"), bobbie resumes
  and the owner's replay brings the lost line: bobbie has every line of
  alicia's exactly once, in order, and his client reports no gap;
- an IN of bobbie's is lost: the next IN shows the owner the gap, it
  cuts bobbie ("the bus lost messages from a member on node 2"), he
  resumes and sends again what was not acknowledged: alicia has every
  line of bobbie's exactly once, in order;
- the same when the lost line is the last one, with nothing after it:
  each side's syncs (an IN or OUT of no content with the next lseq, once
  a second for 5 s after a link's traffic) show the gap;
- without lseq the lost line is simply missing (bobbie's client would say
  that messages never arrived; alicia would never get bobbie's line).
"""
import os
import signal

import sotto_harness as h

NATSPROXY = os.path.join(h.HERE, "natsproxy.py")
# A DELIVER of a line is larger than this sealed; an ACCEPTED or an
# acknowledgement is smaller.
MIN_SIZE = 120


def natsproxy(t, nport, match, label):
    p = t.spawn(label, [h.PYTHON, NATSPROXY, "--connect", str(nport), "--match", match,
                        "--lifetime", "150", "--min-size", str(MIN_SIZE)], t.env(t.tmp), stdin=False)
    m = p.wait_line(r"^natsproxy listening on 127\.0\.0\.1:(\d+)$", what="natsproxy's port")
    return p, "nats://%s:%s" % (h.LOOPBACK, m.group(1))


def lose_one(proxy, send, what):
    """Arms proxy to lose its next matching PUB, then calls send() until
    one is lost (each call sends one line; at most 5)."""
    h.signal_proc(proxy, signal.SIGUSR1)
    for i in range(5):
        send(i)
        try:
            proxy.wait_line(r"^natsproxy dropped PUB ", what=what, timeout=3)
            return
        except h.Failure:
            continue
    raise h.Failure("no %s lost by the proxy" % what)


def lose_one_line(t, proxy, sender, receiver, names, sent, what, after=3):
    """sender's lines to receiver, with proxy losing one on the bus;
    then 'after' more (0: the lost one is the last): receiver has them
    all exactly once, in order, and its client saw no gap.  names:
    (sender's, receiver's).  Returns every line sent (after 'sent')."""
    sname, rname = names
    tag = sname[0]
    sent = list(sent)

    def send(i):
        sent.append("%s%d lost on the way?" % (tag, i))
        sender.send(sent[-1])
    lose_one(proxy, send, what)
    for i in range(after):
        sent.append("%s after the loss %d" % (tag, i))
        sender.send(sent[-1])
    receiver.wait_until(lambda: len(receiver.messages_from(sname)) >= len(sent),
                        "all of %s's lines at %s" % (sname, rname), timeout=30)
    h.check_exactly(t, receiver, sname, sent)
    t.check(not any("never arrived" in l for l in receiver.lines()),
            "%s's client saw a gap: %r" % (rname,
                                         [l for l in receiver.lines() if "never" in l]))
    return sent


def scenario(t):
    nats, nport, _ = h.nats_server(t)
    px1, url1 = natsproxy(t, nport, ".n.", "natsproxy(node1)")
    px2, url2 = natsproxy(t, nport, ".r.", "natsproxy(node2)")
    r1, p1, _, r2, p2, _ = h.two_nodes(t, url1, url2)
    alicia, bobbie, _ = h.pair_across_nodes(t, p1, p2)

    # alicia -> bobbie: one of the owner's OUTs to node 2 lost;
    # bobbie -> alicia: one of node 2's INs to the owner lost.
    sent_a = lose_one_line(t, px1, alicia, bobbie, ("alicia", "bobbie"), ["hello bobbie"],
                           "OUT to node 2")
    r2.wait_until(lambda: "the bus lost messages for a link" in r2.stderr_text(),
                  "node 2 to log the gap it saw", timeout=10)
    sent_b = lose_one_line(t, px2, bobbie, alicia, ("bobbie", "alicia"), ["hello alicia"],
                           "IN from node 2")
    r1.wait_until(lambda: "the bus lost messages from a member on node 2" in r1.stderr_text(),
                  "the owner to log the gap it saw", timeout=10)
    t.log("an OUT and an IN lost on the bus: each gap seen by lseq, the link resumed, "
          "every line once, in order (%d and %d lines)" % (len(sent_a), len(sent_b)))

    # The last line lost, and nothing after it: the syncs show the gap.
    lost = lambda r, text: r.stderr_text().count(text)
    n2, n1 = (lost(r2, "the bus lost messages for a link"),
              lost(r1, "the bus lost messages from a member on node 2"))
    sent_a = lose_one_line(t, px1, alicia, bobbie, ("alicia", "bobbie"), sent_a,
                           "the last OUT to node 2", after=0)
    t.check(lost(r2, "the bus lost messages for a link") > n2,
            "node 2 did not log the gap at the end")
    sent_b = lose_one_line(t, px2, bobbie, alicia, ("bobbie", "alicia"), sent_b,
                           "the last IN from node 2", after=0)
    r1.wait_until(lambda: lost(r1, "the bus lost messages from a member on node 2") > n1,
                  "the owner to log the gap at the end", timeout=10)
    t.log("the last OUT and the last IN lost, nothing after them: the syncs showed each "
          "gap, every line once, in order")

    for p in (alicia, bobbie):
        p.close_stdin()
        p.expect_exit(h.EXIT_OK, timeout=20, why="stdin ended")
    t.check(r1.alive() and r2.alive(), "a relay node exited")


h.main(scenario, budget=120)
