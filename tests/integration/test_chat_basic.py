#!/usr/bin/python3
"""
test_chat_basic: a two-person chat over 127.0.0.1 in line mode works both
ways and ends cleanly.

Proves: messages travel in both directions, including emoji, accented
text, a leading tab, /me actions and messages of exactly 4096 bytes
(ASCII, and 1024 four-byte emoji); a 4097-byte line is refused by the
sender with an error naming the limit, never delivered, and the chat goes
on; own messages are not echoed; lines piped before the handshake are
delivered once it completes; both sides show 'connected to NAME' and the
same safety number (6 groups of 5 digits); when the joiner's stdin closes
both exit 0 and the host prints '* bob left'.
"""
import sotto_harness as h


def scenario(t):
    alice, bob = t.party("alice"), t.party("bob")
    host, port = t.host(alice)
    join = t.join(bob, port)

    big_ascii = "".join(chr(ord("a") + i % 26) for i in range(4096 - 8)) + "-the-end"
    big_emoji = "\U0001F600" * 1024
    assert len(big_ascii.encode()) == 4096 and len(big_emoji.encode()) == 4096

    # Piped before the chat is established: sent once it is.
    from_bob = ["hello from bob \U0001F44B", "ça va? naïve café", big_ascii, big_emoji,
                "\tstarts with a tab"]
    for m in from_bob:
        join.send(m)
    join.send("/me waves")
    join.send("o" * 4097)			# over the limit: refused locally
    join.send("after the oversize line")

    sn = h.establish(t, host, join, alice, bob)
    t.log("safety number %s" % sn)

    from_alice = ["hi bob \U0001F389 \u00fcn\u00efc\u00f6d\u00e9", "second line from alice"]
    for m in from_alice:
        host.send(m)
    host.send("/me nods")

    got = host.wait_messages("bob", len(from_bob) + 1)
    t.check(got == from_bob + ["after the oversize line"],
            "host received %r, expected %r" % (got, from_bob + ["after the oversize line"]))
    host.wait_line(r"^\* bob waves$", what="'* bob waves'")
    got = join.wait_messages("alice", len(from_alice))
    t.check(got == from_alice, "joiner received %r, expected %r" % (got, from_alice))
    join.wait_line(r"^\* alice nods$", what="'* alice nods'")

    # One more round trip after the first ones.
    join.send("last one")
    host.wait_until(lambda: host.messages_from("bob")[-1:] == ["last one"], "'bob: last one'")

    join.close_stdin()
    join.expect_exit(h.EXIT_OK, why="joiner's stdin closed")
    host.wait_line(r"^\* bob left$", what="'* bob left'")
    host.expect_exit(h.EXIT_OK, why="the peer left cleanly")

    t.check("4096" in join.stderr_text(),
            "no error about the 4097-byte line on the joiner's stderr: %r" % join.stderr_text())
    t.check(host.messages_from("alice") == [] and join.messages_from("bob") == [],
            "own messages were echoed")
    h.expect_no_stray_lines(t, host, ["bob"])
    h.expect_no_stray_lines(t, join, ["alice"])
    t.check(join.safety_number() == sn and host.safety_number() == sn, "safety number changed")
    for p in (host, join):
        # First run: a note that the identity key was created is fine.
        errs = [l for l in p.stderr_text().splitlines()
                if "identity" not in l and "4096" not in l]
        t.check(not errs, "%s wrote to stderr: %r" % (p.label, p.stderr_text()))


h.main(scenario, budget=40)
