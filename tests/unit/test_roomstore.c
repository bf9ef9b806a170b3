/*
 * test_roomstore.c: a guarded room's secrets on disk.  What is saved
 * loads back whole; the file is 0600 in a 0700 directory, named without
 * the room id, of one size whatever the answer; it opens only for its
 * room and with the identity that wrote it; every bit flipped and every
 * truncation is refused; a symlink is refused; forget removes it.
 */
#define _XOPEN_SOURCE 700

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "gate.h"
#include "identity.h"
#include "roomstore.h"

static const uint8_t seed_a[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t seed_b[32] = { 9, 9, 9 };
static const uint8_t room1[16] = { 0xaa, 0xbb, 0xcc, 1 };
static const uint8_t room2[16] = { 0xaa, 0xbb, 0xcc, 2 };

struct fx {
	char			 top[64];
	char			 dir[128];
	struct identity		*a, *b;
	struct roomstore	*sa, *sb;
	struct gate_keys	*k, *got;
};

static void
fill_keys(struct gate_keys *k, uint8_t flags, const char *answer)
{
	size_t i;

	k->flags = flags;
	for (i = 0; i < sizeof(k->invite_key); i++)
		k->invite_key[i] = (uint8_t)(i + 1);
	for (i = 0; i < sizeof(k->room_secret); i++)
		k->room_secret[i] = (uint8_t)(0x80 + i);
	if (flags & GATE_F_CODE)
		for (i = 0; i < sizeof(k->otp_key); i++)
			k->otp_key[i] = (uint8_t)(0x40 + i);
	k->answer_len = answer != NULL ? strlen(answer) : 0;
	if (answer != NULL)
		memcpy(k->answer, answer, k->answer_len);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_true(sodium_init() >= 0);
	strcpy(f->top, "/tmp/sotto-roomstore-XXXXXX");
	assert_non_null(mkdtemp(f->top));
	snprintf(f->dir, sizeof(f->dir), "%s/state/sotto/rooms", f->top);
	assert_int_equal(identity_from_seed(&f->a, seed_a), 0);
	assert_int_equal(identity_from_seed(&f->b, seed_b), 0);
	assert_int_equal(roomstore_new(&f->sa, f->dir, f->a), 0);
	assert_int_equal(roomstore_new(&f->sb, f->dir, f->b), 0);
	assert_non_null(f->k = gate_keys_new());
	assert_non_null(f->got = gate_keys_new());
	fill_keys(f->k, GATE_F_ALL, "blue whale");
	*state = f;
	return 0;
}

static void
rm_tree(const char *path)
{
	char p[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
			rm_tree(p);
		}
		closedir(d);
		(void)rmdir(path);
	} else
		(void)unlink(path);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	rm_tree(f->top);
	roomstore_free(f->sa);
	roomstore_free(f->sb);
	identity_free(f->a);
	identity_free(f->b);
	gate_keys_free(f->k);
	gate_keys_free(f->got);
	free(f);
	return 0;
}

static void
assert_same_keys(const struct gate_keys *x, const struct gate_keys *y)
{
	assert_int_equal(x->flags, y->flags);
	assert_memory_equal(x->invite_key, y->invite_key, sizeof(x->invite_key));
	assert_memory_equal(x->room_secret, y->room_secret,
	    sizeof(x->room_secret));
	assert_memory_equal(x->otp_key, y->otp_key, sizeof(x->otp_key));
	assert_int_equal(x->answer_len, y->answer_len);
	assert_memory_equal(x->answer, y->answer, x->answer_len);
}

static void
test_save_load(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX], hex[33];
	struct stat st;
	const char *base;

	errno = 0;
	assert_int_equal(roomstore_load(f->sa, room1, f->got), ERR_IO);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(roomstore_save(f->sa, room1, f->k), 0);
	assert_int_equal(roomstore_load(f->sa, room1, f->got), 0);
	assert_same_keys(f->k, f->got);

	assert_int_equal(roomstore_path(f->sa, room1, path, sizeof(path)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal((size_t)st.st_size, ROOMSTORE_FILE_LEN);
	assert_int_equal(stat(f->dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* The name is a keyed hash: not the room id, and not the same for
	 * another identity. */
	base = strrchr(path, '/') + 1;
	assert_int_equal(strlen(base), ROOMSTORE_NAME_LEN);
	sodium_bin2hex(hex, sizeof(hex), room1, sizeof(room1));
	assert_null(strstr(base, hex));
	{
		char pb[PATH_MAX];

		assert_int_equal(roomstore_path(f->sb, room1, pb, sizeof(pb)), 0);
		assert_string_not_equal(pb, path);
		assert_int_equal(roomstore_path(f->sa, room2, pb, sizeof(pb)), 0);
		assert_string_not_equal(pb, path);
	}

	/* Saving again replaces; a room without a question has no answer. */
	fill_keys(f->k, GATE_F_CODE, NULL);
	f->k->room_secret[0] ^= 0xff;
	assert_int_equal(roomstore_save(f->sa, room1, f->k), 0);
	assert_int_equal(roomstore_load(f->sa, room1, f->got), 0);
	assert_same_keys(f->k, f->got);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((size_t)st.st_size, ROOMSTORE_FILE_LEN);

	assert_int_equal(roomstore_forget(f->sa, room1), 0);
	errno = 0;
	assert_int_equal(roomstore_load(f->sa, room1, f->got), ERR_IO);
	assert_int_equal(errno, ENOENT);
}

static void
test_other_identity_or_room(void **state)
{
	struct fx *f = *state;
	char pa[PATH_MAX], pb[PATH_MAX];
	struct buf b;

	assert_int_equal(roomstore_save(f->sa, room1, f->k), 0);
	/* Another identity finds nothing under its own name for it... */
	errno = 0;
	assert_int_equal(roomstore_load(f->sb, room1, f->got), ERR_IO);
	assert_int_equal(errno, ENOENT);
	/* ...and can't open it when moved there. */
	assert_int_equal(roomstore_path(f->sa, room1, pa, sizeof(pa)), 0);
	assert_int_equal(roomstore_path(f->sb, room1, pb, sizeof(pb)), 0);
	assert_int_equal(link(pa, pb), 0);
	assert_int_equal(roomstore_load(f->sb, room1, f->got), ERR_AUTH);
	assert_int_equal(f->got->flags, 0);
	/* Nor does it open for another room. */
	buf_init(&b, ROOMSTORE_FILE_LEN);
	assert_int_equal(roomstore_seal(f->sa, room1, f->k, &b), 0);
	assert_int_equal(roomstore_unseal(f->sa, room2, buf_ptr(&b),
	    buf_len(&b), f->got), ERR_AUTH);
	assert_int_equal(roomstore_unseal(f->sa, room1, buf_ptr(&b),
	    buf_len(&b), f->got), 0);
	buf_release(&b);
}

static void
test_mutations(void **state)
{
	struct fx *f = *state;
	uint8_t m[ROOMSTORE_FILE_LEN + 1];
	struct buf b;
	size_t i, bit;
	int r;

	buf_init(&b, ROOMSTORE_FILE_LEN);
	assert_int_equal(roomstore_seal(f->sa, room1, f->k, &b), 0);
	assert_int_equal(buf_len(&b), ROOMSTORE_FILE_LEN);
	for (i = 0; i < buf_len(&b); i++) {
		for (bit = 0; bit < 8; bit += 3) {
			memcpy(m, buf_ptr(&b), buf_len(&b));
			m[i] ^= (uint8_t)(1u << bit);
			r = roomstore_unseal(f->sa, room1, m, buf_len(&b), f->got);
			assert_true(r == ERR_AUTH || r == ERR_FORMAT);
		}
	}
	for (i = 0; i < buf_len(&b); i++)
		assert_int_equal(roomstore_unseal(f->sa, room1, buf_ptr(&b), i,
		    f->got), ERR_FORMAT);
	memcpy(m, buf_ptr(&b), buf_len(&b));
	m[buf_len(&b)] = 0;
	assert_int_equal(roomstore_unseal(f->sa, room1, m, buf_len(&b) + 1,
	    f->got), ERR_FORMAT);
	buf_release(&b);
}

static void
test_out_of_contract(void **state)
{
	struct fx *f = *state;
	struct buf b;

	buf_init(&b, ROOMSTORE_FILE_LEN);
	f->k->answer_len = GATE_ANSWER_MAX + 1;
	assert_int_equal(roomstore_seal(f->sa, room1, f->k, &b), ERR_INVALID_ARG);
	assert_int_equal(buf_len(&b), 0);
	/* Sealed, but not a door: refused on opening. */
	fill_keys(f->k, 0, NULL);
	assert_int_equal(roomstore_seal(f->sa, room1, f->k, &b), 0);
	assert_int_equal(roomstore_unseal(f->sa, room1, buf_ptr(&b),
	    buf_len(&b), f->got), ERR_FORMAT);
	buf_reset(&b);
	fill_keys(f->k, GATE_F_QUESTION, NULL);
	assert_int_equal(roomstore_seal(f->sa, room1, f->k, &b), 0);
	assert_int_equal(roomstore_unseal(f->sa, room1, buf_ptr(&b),
	    buf_len(&b), f->got), ERR_FORMAT);
	buf_release(&b);
}

static void
test_symlink_and_junk(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX], other[PATH_MAX];
	FILE *fp;

	assert_int_equal(roomstore_save(f->sa, room1, f->k), 0);
	assert_int_equal(roomstore_path(f->sa, room1, path, sizeof(path)), 0);
	snprintf(other, sizeof(other), "%s/elsewhere", f->top);
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(symlink(other, path), 0);
	errno = 0;
	assert_int_equal(roomstore_load(f->sa, room1, f->got), ERR_IO);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(unlink(path), 0);
	/* A directory, then a file too large. */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(roomstore_load(f->sa, room1, f->got), ERR_FORMAT);
	assert_int_equal(rmdir(path), 0);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fseek(fp, ROOMSTORE_FILE_LEN + 100, SEEK_SET), 0);
	fputc('x', fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(roomstore_load(f->sa, room1, f->got), ERR_FORMAT);
	/* Saving over the junk puts a good file back. */
	assert_int_equal(roomstore_save(f->sa, room1, f->k), 0);
	assert_int_equal(roomstore_load(f->sa, room1, f->got), 0);
	assert_same_keys(f->k, f->got);
}

static void
test_default_dir(void **state)
{
	char out[PATH_MAX];

	(void)state;
	assert_int_equal(setenv("XDG_STATE_HOME", "/x/state", 1), 0);
	assert_int_equal(roomstore_default_dir(out, sizeof(out)), 0);
	assert_string_equal(out, "/x/state/sotto/rooms");
	assert_int_equal(setenv("XDG_STATE_HOME", "relative", 1), 0);
	assert_int_equal(setenv("HOME", "/home/u", 1), 0);
	assert_int_equal(roomstore_default_dir(out, sizeof(out)), 0);
	assert_string_equal(out, "/home/u/.local/state/sotto/rooms");
	assert_int_equal(unsetenv("XDG_STATE_HOME"), 0);
	assert_int_equal(roomstore_default_dir(out, sizeof(out)), 0);
	assert_string_equal(out, "/home/u/.local/state/sotto/rooms");
	assert_int_equal(roomstore_default_dir(out, 10), ERR_INVALID_ARG);
	assert_string_equal(out, "");
	assert_int_equal(unsetenv("HOME"), 0);
	assert_int_equal(roomstore_default_dir(out, sizeof(out)), ERR_INVALID_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_identity_or_room,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_mutations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_contract, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink_and_junk, setup,
		    teardown),
		cmocka_unit_test(test_default_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
