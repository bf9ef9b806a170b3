#!/usr/bin/python3
"""
test_second_connection: the host serves one conversation; a second
joiner during a chat is turned away without disturbing the chat.

Proves: while alice and bob chat, carol (with the right password) joining
the same host exits 4 with an error saying the host is busy, and shows no
message; afterwards messages still flow both ways between alice and bob,
nothing from carol appears, and the chat ends cleanly (both exit 0).
"""
import sotto_harness as h


def scenario(t):
    alice, bob, carol = t.party("alice"), t.party("bob"), t.party("carol")
    host, port = t.host(alice)
    join = t.join(bob, port)
    join.send("first from bob")
    h.establish(t, host, join, alice, bob)
    host.wait_messages("bob", 1)

    second = t.join(carol, port)
    second.send("carol barging in")
    second.expect_exit(h.EXIT_CONN, timeout=15, why="the host is busy with a chat")
    err = second.stderr_text()
    t.check(err.startswith("sotto: ") and "busy" in err.lower(),
            "the second joiner's error does not say the host is busy: %r" % err)
    t.check(second.messages_from("alice") == [] and second.safety_number() is None,
            "the second joiner got into the chat: %r" % second.lines())

    join.send("second from bob")
    host.wait_messages("bob", 2)
    host.send("alice still here")
    join.wait_messages("alice", 1)
    t.check(host.messages_from("bob") == ["first from bob", "second from bob"],
            "host shows %r" % host.messages_from("bob"))
    t.check(host.messages_from("carol") == [], "carol's message reached the host")
    t.check(host.alive() and join.alive(), "the chat ended")
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)
    h.expect_no_stray_lines(t, host, ["bob"])
    h.expect_no_stray_lines(t, join, ["alice"])


h.main(scenario, budget=40)
