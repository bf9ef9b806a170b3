#!/usr/bin/python3
"""
test_burst: messages written back to back are framed, not merged or lost.

Proves: 1000 lines piped at once into the joiner all arrive at the host
exactly once and in order, while at the same time 1000 lines piped into
the host arrive at the joiner the same way (full duplex, no turn-taking);
then the chat ends cleanly (both exit 0).
"""
import sotto_harness as h

N = 1000


def scenario(t):
    alice, bob = t.party("alice"), t.party("bob")
    host, port = t.host(alice)
    join = t.join(bob, port)

    to_host = ["b->a %04d %s" % (i, "x" * (i % 97)) for i in range(N)]
    to_join = ["a->b %04d %s" % (i, "y" * (i % 89)) for i in range(N)]
    join.send_raw("".join(m + "\n" for m in to_host).encode())
    host.send_raw("".join(m + "\n" for m in to_join).encode())

    h.establish(t, host, join, alice, bob)
    host.wait_messages("bob", N, timeout=30)
    join.wait_messages("alice", N, timeout=30)

    def compare(got, sent, who):
        if got == sent:
            return
        for i, (g, s) in enumerate(zip(got, sent)):
            if g != s:
                raise h.Failure("%s: message %d is %r, expected %r" % (who, i, g, s))
        raise h.Failure("%s: got %d messages, expected %d" % (who, len(got), len(sent)))

    compare(host.messages_from("bob"), to_host, "host")
    compare(join.messages_from("alice"), to_join, "joiner")

    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)
    # Nothing arrived twice or late.
    compare(host.messages_from("bob"), to_host, "host (after the end)")
    compare(join.messages_from("alice"), to_join, "joiner (after the end)")
    h.expect_no_stray_lines(t, host, ["bob"])
    h.expect_no_stray_lines(t, join, ["alice"])


h.main(scenario, budget=60)
