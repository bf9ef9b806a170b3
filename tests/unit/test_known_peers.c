/*
 * test_known_peers.c: trust on first use.  A new name is pinned, then
 * matches; another key under it is reported as changed; a file that
 * cannot be parsed is an error and is never rewritten.  Files live in
 * throw-away directories under /tmp.
 */
#define _XOPEN_SOURCE 700

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "known_peers.h"

#define KEY_A	"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define KEY_B	"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"

static const char good[] =
    "alice " KEY_A " 1700000000\n"
    "bob " KEY_B " 0\n"
    "\xc3\xa9lodie " KEY_A " 18446744073709551615\n";

struct tmp {
	char	dir[64];
	char	path[128];
};

static void
tmp_setup(struct tmp *t)
{
	strcpy(t->dir, "/tmp/sotto-peers-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, PEERS_FILE_NAME);
}

static void
tmp_cleanup(struct tmp *t)
{
	char p[160];

	(void)unlink(t->path);
	snprintf(p, sizeof(p), "%s.lock", t->path);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s/link", t->dir);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s/%s", t->dir, PEERS_RELAYS_FILE_NAME);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s/%s.lock", t->dir, PEERS_RELAYS_FILE_NAME);
	(void)unlink(p);
	assert_int_equal(rmdir(t->dir), 0);
}

static void
write_file(const char *path, const void *p, size_t len)
{
	FILE *f;

	assert_non_null(f = fopen(path, "wb"));
	if (len > 0)
		assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Reads path into a malloc'd buffer; caller frees. */
static uint8_t *
read_all(const char *path, size_t *lenp)
{
	uint8_t *p = NULL;
	size_t cap = 0, len = 0, got;
	FILE *f;

	assert_non_null(f = fopen(path, "rb"));
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			assert_non_null(p = realloc(p, cap));
		}
		if ((got = fread(p + len, 1, cap - len, f)) == 0)
			break;
		len += got;
	}
	assert_int_equal(fclose(f), 0);
	*lenp = len;
	return p;
}

static void
assert_file_is(const char *path, const char *want, size_t wlen)
{
	uint8_t *p;
	size_t len;

	p = read_all(path, &len);
	assert_int_equal(len, wlen);
	assert_memory_equal(p, want, wlen);
	free(p);
}

static void
key(uint8_t pk[PEERS_PK_BYTES], const char *hex)
{
	unsigned int v;
	size_t i;

	for (i = 0; i < PEERS_PK_BYTES; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		pk[i] = (uint8_t)v;
	}
}

/* --- parsing ---------------------------------------------------------- */

struct collect {
	int		 n;
	char		 names[4][PEERS_NAME_MAX + 1];
	uint8_t		 pks[4][PEERS_PK_BYTES];
	uint64_t	 ts[4];
	int		 stop_at;	/* return 42 at this entry, if > 0 */
};

static int
collect_cb(void *arg, const char *name, const uint8_t pk[PEERS_PK_BYTES],
    uint64_t t)
{
	struct collect *c = arg;

	if (c->n >= 4)
		return ERR_INTERNAL;
	strcpy(c->names[c->n], name);
	memcpy(c->pks[c->n], pk, PEERS_PK_BYTES);
	c->ts[c->n] = t;
	if (++c->n == c->stop_at)
		return 42;
	return 0;
}

static int
count_cb(void *arg, const char *name, const uint8_t pk[PEERS_PK_BYTES],
    uint64_t t)
{
	(void)name;
	(void)pk;
	(void)t;
	(*(int *)arg)++;
	return 0;
}

static void
test_parse_good(void **state)
{
	struct collect c;
	uint8_t a[PEERS_PK_BYTES], b[PEERS_PK_BYTES];

	(void)state;
	key(a, KEY_A);
	key(b, KEY_B);
	memset(&c, 0, sizeof(c));
	assert_int_equal(peers_parse((const uint8_t *)good, sizeof(good) - 1,
	    collect_cb, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.names[0], "alice");
	assert_memory_equal(c.pks[0], a, sizeof(a));
	assert_true(c.ts[0] == 1700000000ULL);
	assert_string_equal(c.names[1], "bob");
	assert_memory_equal(c.pks[1], b, sizeof(b));
	assert_true(c.ts[1] == 0);
	assert_string_equal(c.names[2], "\xc3\xa9lodie");
	assert_true(c.ts[2] == UINT64_MAX);
	/* Empty input is an empty store. */
	assert_int_equal(peers_parse(NULL, 0, collect_cb, &c), 0);
	/* A callback's nonzero return stops the walk and is returned. */
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	assert_int_equal(peers_parse((const uint8_t *)good, sizeof(good) - 1,
	    collect_cb, &c), 42);
	assert_int_equal(c.n, 2);
}

static void
test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"alice " KEY_A " 1",				/* no LF */
		"alice " KEY_A " 1\r\n",			/* CR */
		"alice  " KEY_A " 1\n",				/* two spaces */
		"alice " KEY_A "  1\n",
		"alice " KEY_A " 1 \n",				/* trailing */
		" alice " KEY_A " 1\n",				/* leading */
		"alice " KEY_A "\n",				/* no time */
		"alice " KEY_A " \n",
		"alice\n",
		"\n",						/* blank */
		"# comment\n",
		"alice " KEY_A " 01\n",				/* leading 0 */
		"alice " KEY_A " -1\n",
		"alice " KEY_A " 18446744073709551616\n",	/* 2^64 */
		"alice " KEY_A " 99999999999999999999\n",
		"alice " KEY_A " 100000000000000000000\n",	/* 21 digits */
		"alice " KEY_A " 1x\n",
		"alice D75A980182B10AB7D54BFED3C964073A0EE172F3DAA62325AF021A68F707511A 1\n",
		"alice " KEY_A "00 1\n",			/* long key */
		"alice d75a98 1\n",				/* short key */
		"alice g75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a 1\n",
		"ab\x1b[31m " KEY_A " 1\n",			/* ESC in name */
		"a\xc0\xaf " KEY_A " 1\n",			/* bad UTF-8 */
		"a\xe2\x80\xae" "b " KEY_A " 1\n",		/* RLO */
		"a\xe2\x80\x8b" "b " KEY_A " 1\n",		/* ZWSP */
		"a\xc2\xa0" "b " KEY_A " 1\n",			/* NBSP */
		"123456789012345678901234567890123 " KEY_A " 1\n", /* 33 */
		"alice\t" KEY_A " 1\n",
		"a\tb " KEY_A " 1\n",				/* TAB in name */
		"alice " KEY_A " 1\nbob\n",			/* 2nd bad */
	};
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 0;
		if (peers_parse((const uint8_t *)bad[i], strlen(bad[i]),
		    count_cb, &n) != ERR_FORMAT)
			fail_msg("accepted bad line %zu: %s", i, bad[i]);
		/* Nothing is reported from a file that fails anywhere. */
		assert_int_equal(n, 0);
	}
	/* A NUL inside the name. */
	{
		static const char nul[] = "al\0ce " KEY_A " 1\n";

		assert_int_equal(peers_parse((const uint8_t *)nul,
		    sizeof(nul) - 1, count_cb, &n), ERR_FORMAT);
	}
	/* 32 bytes is the longest name. */
	{
		static const char ok[] =
		    "12345678901234567890123456789012 " KEY_A " 1\n";

		assert_int_equal(peers_parse((const uint8_t *)ok,
		    sizeof(ok) - 1, NULL, NULL), 0);
	}
}

/* Re-serialises the entries peers_parse reports. */
static int
print_cb(void *arg, const char *name, const uint8_t pk[PEERS_PK_BYTES],
    uint64_t t)
{
	FILE *f = arg;
	size_t i;

	fprintf(f, "%s ", name);
	for (i = 0; i < PEERS_PK_BYTES; i++)
		fprintf(f, "%02x", pk[i]);
	fprintf(f, " %llu\n", (unsigned long long)t);
	return 0;
}

static void
test_parse_mutations(void **state)
{
	uint8_t in[sizeof(good) - 1];
	char *out;
	size_t bit, outlen;
	FILE *f;
	int r;

	(void)state;
	/* Every one-bit change is either rejected or is another file whose
	 * entries print back to exactly its bytes: one spelling per entry
	 * is what lets peers_pin rewrite lines it did not change. */
	for (bit = 0; bit < 8 * sizeof(in); bit++) {
		memcpy(in, good, sizeof(in));
		in[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		out = NULL;
		outlen = 0;
		assert_non_null(f = open_memstream(&out, &outlen));
		r = peers_parse(in, sizeof(in), print_cb, f);
		assert_int_equal(fclose(f), 0);
		if (r == 0) {
			assert_int_equal(outlen, sizeof(in));
			assert_memory_equal(out, in, sizeof(in));
		} else
			assert_int_equal(r, ERR_FORMAT);
		free(out);
	}
}

static void
test_name_valid(void **state)
{
	(void)state;
	assert_true(peers_name_valid("alice"));
	assert_true(peers_name_valid("x"));
	assert_true(peers_name_valid("\xc3\xa9lodie"));
	assert_true(peers_name_valid("bob_2"));
	assert_true(peers_name_valid("o'brien.jr-2"));
	/* Outside UTS #39's identifier profile (they were valid before). */
	assert_false(peers_name_valid("\xf0\x9f\xa6\x8a"));	/* fox emoji */
	assert_false(peers_name_valid("bob_2@home"));
	/* ...but they still parse in a file an older version wrote. */
	assert_true(peers_name_file_valid("\xf0\x9f\xa6\x8a"));
	assert_true(peers_name_file_valid("bob_2@home"));
	assert_false(peers_name_file_valid("two words"));
	assert_false(peers_name_file_valid(NULL));
	assert_true(peers_name_valid("12345678901234567890123456789012"));
	assert_false(peers_name_valid("123456789012345678901234567890123"));
	assert_false(peers_name_valid(NULL));
	assert_false(peers_name_valid(""));
	assert_false(peers_name_valid("two words"));
	assert_false(peers_name_valid("tab\there"));
	assert_false(peers_name_valid("nl\n"));
	assert_false(peers_name_valid("del\x7f"));
	assert_false(peers_name_valid("c1\xc2\x9b"));
	assert_false(peers_name_valid("\xe2\x80\xae" "evil"));
	assert_false(peers_name_valid("zw\xe2\x80\x8dj"));
	assert_false(peers_name_valid("bom\xef\xbb\xbf"));
	assert_false(peers_name_valid("ideo\xe3\x80\x80sp"));
	assert_false(peers_name_valid("cut\xc3"));
	assert_false(peers_name_valid("\xed\xa0\x80"));
}

/* --- finding 5: lookalikes are one pin ---------------------------------- */

/* The invisible code points of the review's finding 5, each after
 * "alice": none makes a valid name any more. */
static void
test_invisible_names_refused(void **state)
{
	static const char *tails[] = {
		"\xcd\x8f",		/* U+034F COMBINING GRAPHEME JOINER */
		"\xef\xb8\x8f",		/* U+FE0F VARIATION SELECTOR-16 */
		"\xe1\xa0\x8b",		/* U+180B MONGOLIAN FVS1 */
		"\xe2\x81\xaa",		/* U+206A INHIBIT SYMMETRIC SWAPPING */
		"\xe1\x9e\xb4",		/* U+17B4 KHMER VOWEL INHERENT AQ */
		"\xf3\xa0\x80\xa0",	/* U+E0020 TAG SPACE */
		"\xf3\xa0\x81\xa1",	/* U+E0061 TAG LATIN SMALL LETTER A */
		"\xf3\xa0\x81\xbf",	/* U+E007F CANCEL TAG */
	};
	char name[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		snprintf(name, sizeof(name), "alice%s", tails[i]);
		assert_false(peers_name_valid(name));
		snprintf(name, sizeof(name), "al%sice", tails[i]);
		assert_false(peers_name_valid(name));
	}
	/* Mixed scripts: a Cyrillic a (U+0430) in a Latin name. */
	assert_false(peers_name_valid("\xd0\xb0lice"));
	/* Not NFC: e and a combining acute (U+0301). */
	assert_false(peers_name_valid("e\xcc\x81lodie"));
	/* One script, even if it looks like Latin: valid, but confusable. */
	assert_true(peers_name_valid("\xd1\x95\xd1\x81\xd0\xbe\xd1\x80\xd0\xb5"));
}

/* The attack of finding 5, with what older versions let through: a
 * lookalike of a pinned name draws the key-change result, not a first
 * contact, whether it comes in under a new name or was pinned already. */
static void
test_lookalike_is_changed(void **state)
{
	/* "scope" in Cyrillic letters (U+0455 U+0441 U+043E U+0440 U+0435). */
	static const char cyr[] = "\xd1\x95\xd1\x81\xd0\xbe\xd1\x80\xd0\xb5";
	static const char planted[] =
	    "alice " KEY_A " 1\n"
	    "alice\xcd\x8f " KEY_B " 2\n"	/* pinned by an older sotto */
	    "\xf0\x9f\xa6\x8a " KEY_B " 4\n";	/* an emoji: valid then */
	char pinned[PEERS_NAME_MAX + 1], want[512];
	uint8_t a[PEERS_PK_BYTES], b[PEERS_PK_BYTES];
	struct tmp t;
	int status = -1;

	(void)state;
	key(a, KEY_A);
	key(b, KEY_B);
	tmp_setup(&t);
	assert_int_equal(peers_pin_at(t.path, "scope", a, 10), 0);
	assert_int_equal(peers_check_like(t.path, cyr, b, &status, pinned), 0);
	assert_int_equal(status, PEERS_CHANGED);
	assert_string_equal(pinned, "scope");
	/* The same key under the lookalike spelling is the same person. */
	assert_int_equal(peers_check(t.path, cyr, a, &status), 0);
	assert_int_equal(status, PEERS_MATCH);
	/* "rn" looks like "m": the skeleton, not only Unicode tricks. */
	assert_int_equal(peers_pin_at(t.path, "mallory", a, 11), 0);
	assert_int_equal(peers_check(t.path, "rnallory", b, &status), 0);
	assert_int_equal(status, PEERS_CHANGED);
	/* Accepting the new key (re-pin) leaves one line for the lookalikes,
	 * under the new spelling, where the old one was. */
	assert_int_equal(peers_pin_at(t.path, cyr, b, 12), 0);
	snprintf(want, sizeof(want), "%s " KEY_B " 12\nmallory " KEY_A
	    " 11\n", cyr);
	assert_file_is(t.path, want, strlen(want));

	/* A file an older version wrote, with the invisible lookalike
	 * pinned: it still parses, and the real alice is warned about. */
	write_file(t.path, planted, sizeof(planted) - 1);
	assert_int_equal(peers_check_like(t.path, "alice", a, &status, pinned),
	    0);
	assert_int_equal(status, PEERS_CHANGED);
	assert_string_equal(pinned, "alice\xcd\x8f");
	assert_int_equal(peers_check(t.path, "alice", b, &status), 0);
	assert_int_equal(status, PEERS_CHANGED);
	assert_int_equal(peers_check(t.path, "bob", b, &status), 0);
	assert_int_equal(status, PEERS_NEW);
	/* Choosing a key folds both lines into one. */
	assert_int_equal(peers_pin_at(t.path, "alice", a, 3), 0);
	assert_file_is(t.path, "alice " KEY_A " 3\n\xf0\x9f\xa6\x8a " KEY_B
	    " 4\n", strlen("alice " KEY_A " 3\n\xf0\x9f\xa6\x8a " KEY_B
	    " 4\n"));
	assert_int_equal(peers_check(t.path, "alice", a, &status), 0);
	assert_int_equal(status, PEERS_MATCH);
	tmp_cleanup(&t);
}

/* --- finding 8: relays apart --------------------------------------------- */

static void
relays_path(const struct tmp *t, char *out, size_t outlen)
{
	assert_int_equal(peers_relays_path(t->path, out, outlen), 0);
}

/* What known_relays says of the example relay with key pk. */
static int
relay_status(const struct tmp *t, const uint8_t pk[PEERS_PK_BYTES])
{
	int status = -1;

	assert_int_equal(peers_relay_check(t->path, "relay.example.org:65433",
	    pk, &status), 0);
	return status;
}

/* A peer announcing itself as relay-<hash of HOST:PORT> pins a person,
 * not the relay: `room new` to that address still sees a first use, and
 * the real relay's key is not refused. */
static void
test_relay_not_plantable(void **state)
{
	char rname[PEERS_RELAY_NAME_LEN + 1], rpath[160], want[256];
	uint8_t a[PEERS_PK_BYTES], b[PEERS_PK_BYTES];
	struct tmp t;
	int status = -1;

	(void)state;
	key(a, KEY_A);
	key(b, KEY_B);
	tmp_setup(&t);
	relays_path(&t, rpath, sizeof(rpath));
	peers_relay_name("relay.example.org:65433", rname);
	assert_string_equal(rname, "relay-bb9bd84b92e64ba0");
	assert_true(peers_name_valid(rname));
	/* The attacker's key, under the relay-like name, as a person. */
	assert_int_equal(peers_pin_at(t.path, rname, b, 1), 0);
	assert_int_equal(relay_status(&t, a), PEERS_NEW);
	assert_int_equal(relay_status(&t, b), PEERS_NEW);
	assert_int_equal(peers_relay_pin(t.path, "relay.example.org:65433", a),
	    0);
	assert_int_equal(relay_status(&t, a), PEERS_MATCH);
	assert_int_equal(relay_status(&t, b), PEERS_CHANGED);
	/* And each file holds only its own. */
	snprintf(want, sizeof(want), "%s " KEY_B " 1\n", rname);
	assert_file_is(t.path, want, strlen(want));
	assert_int_equal(peers_check(t.path, rname, b, &status), 0);
	assert_int_equal(status, PEERS_MATCH);
	tmp_cleanup(&t);
}

/* An older known_peers with relay entries: they move to known_relays
 * the first time, people stay, and later relay-like people stay apart. */
static void
test_relay_migration(void **state)
{
	static const char old[] =
	    "alice " KEY_A " 1\n"
	    "relay-bb9bd84b92e64ba0 " KEY_B " 2\n"
	    "relay-friend " KEY_A " 3\n";
	char rpath[160];
	uint8_t a[PEERS_PK_BYTES], b[PEERS_PK_BYTES];
	struct tmp t;
	int status = -1;

	(void)state;
	key(a, KEY_A);
	key(b, KEY_B);
	tmp_setup(&t);
	relays_path(&t, rpath, sizeof(rpath));
	write_file(t.path, old, sizeof(old) - 1);
	assert_int_equal(relay_status(&t, b), PEERS_MATCH);
	assert_file_is(rpath, "relay-bb9bd84b92e64ba0 " KEY_B " 2\n",
	    strlen("relay-bb9bd84b92e64ba0 " KEY_B " 2\n"));
	assert_file_is(t.path, "alice " KEY_A " 1\nrelay-friend " KEY_A " 3\n",
	    strlen("alice " KEY_A " 1\nrelay-friend " KEY_A " 3\n"));
	/* Done once: a relay-like person pinned now stays in known_peers. */
	assert_int_equal(peers_pin_at(t.path, "relay-0000000000000000", a, 4),
	    0);
	assert_int_equal(peers_check(t.path, "relay-0000000000000000", a,
	    &status), 0);
	assert_int_equal(status, PEERS_MATCH);
	assert_file_is(rpath, "relay-bb9bd84b92e64ba0 " KEY_B " 2\n",
	    strlen("relay-bb9bd84b92e64ba0 " KEY_B " 2\n"));

	/* A first pin of a person where there was no file creates an empty
	 * known_relays too, so nothing pinned later is ever carried over. */
	tmp_cleanup(&t);
	tmp_setup(&t);
	relays_path(&t, rpath, sizeof(rpath));
	assert_int_equal(peers_pin_at(t.path, "relay-bb9bd84b92e64ba0", b, 5),
	    0);
	assert_file_is(rpath, "", 0);
	assert_int_equal(relay_status(&t, a), PEERS_NEW);
	tmp_cleanup(&t);
}

/* --- the file ----------------------------------------------------------- */

static void
test_new_pin_match_changed(void **state)
{
	struct tmp t;
	uint8_t a[PEERS_PK_BYTES], b[PEERS_PK_BYTES], got[PEERS_PK_BYTES];
	uint64_t first = 0;
	struct stat st;
	int status = -1, found = -1;

	(void)state;
	key(a, KEY_A);
	key(b, KEY_B);
	tmp_setup(&t);

	/* No file at all: everyone is new. */
	assert_int_equal(peers_check(t.path, "alice", a, &status), 0);
	assert_int_equal(status, PEERS_NEW);

	assert_int_equal(peers_pin_at(t.path, "alice", a, 1700000000), 0);
	assert_file_is(t.path, "alice " KEY_A " 1700000000\n",
	    strlen("alice " KEY_A " 1700000000\n"));
	assert_int_equal(stat(t.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(peers_check(t.path, "alice", a, &status), 0);
	assert_int_equal(status, PEERS_MATCH);
	assert_int_equal(peers_check(t.path, "alice", b, &status), 0);
	assert_int_equal(status, PEERS_CHANGED);
	assert_int_equal(peers_check(t.path, "bob", b, &status), 0);
	assert_int_equal(status, PEERS_NEW);
	assert_int_equal(peers_lookup(t.path, "alice", got, &first, &found),
	    0);
	assert_int_equal(found, 1);
	assert_memory_equal(got, a, sizeof(a));
	assert_true(first == 1700000000ULL);

	/* Appending keeps the existing line. */
	assert_int_equal(peers_pin_at(t.path, "bob", b, 5), 0);
	assert_int_equal(peers_check(t.path, "bob", b, &status), 0);
	assert_int_equal(status, PEERS_MATCH);
	/* Re-pinning replaces in place, with a new first-seen time. */
	assert_int_equal(peers_pin_at(t.path, "alice", b, 1800000000), 0);
	assert_file_is(t.path,
	    "alice " KEY_B " 1800000000\nbob " KEY_B " 5\n",
	    strlen("alice " KEY_B " 1800000000\nbob " KEY_B " 5\n"));
	assert_int_equal(peers_check(t.path, "alice", b, &status), 0);
	assert_int_equal(status, PEERS_MATCH);
	assert_int_equal(peers_check(t.path, "alice", a, &status), 0);
	assert_int_equal(status, PEERS_CHANGED);

	/* peers_pin takes the clock. */
	assert_int_equal(peers_pin(t.path, "carol", a), 0);
	assert_int_equal(peers_lookup(t.path, "carol", NULL, &first, &found),
	    0);
	assert_int_equal(found, 1);
	assert_true(first > 1700000000ULL);
	tmp_cleanup(&t);
}

static void
test_pin_keeps_other_lines(void **state)
{
	struct tmp t;
	uint8_t b[PEERS_PK_BYTES];
	char want[512];

	(void)state;
	key(b, KEY_B);
	tmp_setup(&t);
	write_file(t.path, good, sizeof(good) - 1);
	assert_int_equal(peers_pin_at(t.path, "bob", b, 77), 0);
	snprintf(want, sizeof(want), "alice " KEY_A " 1700000000\n"
	    "bob " KEY_B " 77\n"
	    "\xc3\xa9lodie " KEY_A " 18446744073709551615\n");
	assert_file_is(t.path, want, strlen(want));
	tmp_cleanup(&t);
}

static void
test_malformed_file_untouched(void **state)
{
	static const char bad[] =
	    "alice " KEY_A " 1700000000\n"
	    "bob " KEY_B " 1\r\n"
	    "carol " KEY_B " 2\n";
	static const char dup[] =
	    "alice " KEY_A " 1\n"
	    "bob " KEY_B " 1\n"
	    "alice " KEY_B " 2\n";
	struct tmp t;
	uint8_t a[PEERS_PK_BYTES], got[PEERS_PK_BYTES];
	int status = -1, found = -1;

	(void)state;
	key(a, KEY_A);
	tmp_setup(&t);
	write_file(t.path, bad, sizeof(bad) - 1);
	assert_int_equal(peers_check(t.path, "alice", a, &status), ERR_FORMAT);
	assert_int_equal(status, 0);
	assert_int_equal(peers_lookup(t.path, "alice", got, NULL, &found),
	    ERR_FORMAT);
	assert_int_equal(found, 0);
	assert_int_equal(peers_pin_at(t.path, "alice", a, 9), ERR_FORMAT);
	assert_int_equal(peers_pin_at(t.path, "dave", a, 9), ERR_FORMAT);
	assert_file_is(t.path, bad, sizeof(bad) - 1);

	/* A name listed twice is ambiguous for that name only. */
	write_file(t.path, dup, sizeof(dup) - 1);
	assert_int_equal(peers_check(t.path, "alice", a, &status), ERR_FORMAT);
	assert_int_equal(peers_pin_at(t.path, "alice", a, 9), ERR_FORMAT);
	assert_file_is(t.path, dup, sizeof(dup) - 1);
	assert_int_equal(peers_check(t.path, "bob", a, &status), 0);
	assert_int_equal(status, PEERS_CHANGED);
	tmp_cleanup(&t);
}

static void
test_refusals(void **state)
{
	struct tmp t;
	uint8_t a[PEERS_PK_BYTES];
	char link_path[160], path[200];
	uint8_t *big;
	int status = -1, fd;

	(void)state;
	key(a, KEY_A);
	tmp_setup(&t);
	/* Bad names are the caller's mistake. */
	assert_int_equal(peers_check(t.path, "two words", a, &status),
	    ERR_INVALID_ARG);
	assert_int_equal(peers_pin_at(t.path, "", a, 1), ERR_INVALID_ARG);

	/* Over the size limit: refused before reading, never rewritten. */
	assert_non_null(big = calloc(1, PEERS_FILE_MAX + 1));
	memset(big, 'x', PEERS_FILE_MAX + 1);
	write_file(t.path, big, PEERS_FILE_MAX + 1);
	assert_int_equal(peers_check(t.path, "alice", a, &status),
	    ERR_TOO_LARGE);
	assert_int_equal(peers_pin_at(t.path, "alice", a, 1), ERR_TOO_LARGE);
	free(big);
	assert_int_equal(unlink(t.path), 0);

	/* A symlink is refused, and not replaced by a file. */
	snprintf(link_path, sizeof(link_path), "%s/link", t.dir);
	assert_int_equal(symlink(link_path, t.path), 0);
	write_file(link_path, good, sizeof(good) - 1);
	errno = 0;
	assert_int_equal(peers_check(t.path, "alice", a, &status), ERR_IO);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(peers_pin_at(t.path, "alice", a, 1), ERR_IO);
	assert_int_equal(errno, ELOOP);
	assert_file_is(link_path, good, sizeof(good) - 1);
	assert_int_equal(unlink(t.path), 0);

	/* A directory is not a store. */
	assert_int_equal(mkdir(t.path, 0700), 0);
	assert_int_equal(peers_check(t.path, "alice", a, &status), ERR_FORMAT);
	assert_int_equal(rmdir(t.path), 0);

	/* A missing directory: ERR_IO, ENOENT, nothing created. */
	snprintf(path, sizeof(path), "%s/nope/known_peers", t.dir);
	assert_int_equal(peers_pin_at(path, "alice", a, 1), ERR_IO);
	assert_int_equal(errno, ENOENT);

	/* No temporary file is left behind after a refusal. */
	snprintf(path, sizeof(path), "%s.tmp.%ld", t.path, (long)getpid());
	assert_int_equal(access(path, F_OK), -1);
	fd = open(t.path, O_RDONLY);
	assert_int_equal(fd, -1);
	tmp_cleanup(&t);
}

static void
test_default_path(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(setenv("XDG_CONFIG_HOME", "/x/cfg", 1), 0);
	assert_int_equal(peers_default_path(out, sizeof(out)), 0);
	assert_string_equal(out, "/x/cfg/sotto/known_peers");
	assert_int_equal(peers_default_path(out, 20), ERR_INVALID_ARG);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_mutations),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_new_pin_match_changed),
		cmocka_unit_test(test_pin_keeps_other_lines),
		cmocka_unit_test(test_malformed_file_untouched),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_invisible_names_refused),
		cmocka_unit_test(test_lookalike_is_changed),
		cmocka_unit_test(test_relay_not_plantable),
		cmocka_unit_test(test_relay_migration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
