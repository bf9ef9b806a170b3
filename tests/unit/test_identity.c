/*
 * test_identity.c: identity keys (encoding, signatures, safety numbers,
 * tags) and the key file on disk, in throw-away directories under /tmp.
 */
#define _XOPEN_SOURCE 700

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
#include "identity.h"
#include "keyfile.h"

#define MAGIC_LEN	(sizeof(IDENTITY_FILE_MAGIC) - 1)

/* RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2's public key. */
static const char rfc_seed_hex[] =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char rfc_pk_hex[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char rfc_sig_hex[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
    "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
static const char rfc_pk2_hex[] =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";

/* Computed independently (Python hashlib.blake2b) from the construction
 * documented in identity.c. */
static const char sn_pk_pk2[] = "43947 50619 02856 54302 87018 31817";
static const char sn_pk_pk[] = "55523 76638 19032 10978 85285 31017";
static const char tag_pk[] = "a999c119";
static const char tag_pk2[] = "08a0cd98";
#define LONG_TAG_PK	"a999-c119-5390"

static void
unhex(uint8_t *out, size_t len, const char *hex)
{
	size_t got = 0;

	assert_int_equal(sodium_hex2bin(out, len, hex, strlen(hex), NULL,
	    &got, NULL), 0);
	assert_int_equal(got, len);
}

static void
seed_n(uint8_t seed[IDENTITY_SEED_BYTES], unsigned n)
{
	memset(seed, 0, IDENTITY_SEED_BYTES);
	seed[0] = (uint8_t)n;
	seed[1] = (uint8_t)(n >> 8);
	seed[31] = 0xa5;
}

/* The key-file bytes of the RFC seed, built by hand. */
static void
rfc_file(uint8_t out[IDENTITY_FILE_LEN])
{
	memcpy(out, IDENTITY_FILE_MAGIC, MAGIC_LEN);
	unhex(out + MAGIC_LEN, IDENTITY_SEED_BYTES, rfc_seed_hex);
}

static void
test_seed_determinism(void **state)
{
	uint8_t seed[IDENTITY_SEED_BYTES], pk[IDENTITY_PK_BYTES];
	uint8_t sig[IDENTITY_SIG_BYTES], want_sig[IDENTITY_SIG_BYTES];
	struct identity *a, *b;

	(void)state;
	unhex(seed, sizeof(seed), rfc_seed_hex);
	unhex(pk, sizeof(pk), rfc_pk_hex);
	unhex(want_sig, sizeof(want_sig), rfc_sig_hex);
	assert_int_equal(identity_from_seed(&a, seed), 0);
	assert_int_equal(identity_from_seed(&b, seed), 0);
	assert_memory_equal(a->pk, pk, sizeof(pk));
	assert_memory_equal(b->pk, pk, sizeof(pk));
	assert_memory_equal(a->sk, b->sk, IDENTITY_SK_BYTES);
	identity_sign(a, sig, (const uint8_t *)"", 0);
	assert_memory_equal(sig, want_sig, sizeof(sig));
	identity_free(a);
	identity_free(b);
	identity_free(NULL);
}

static void
test_generate(void **state)
{
	struct identity *a, *b;

	(void)state;
	assert_int_equal(identity_generate(&a), 0);
	assert_int_equal(identity_generate(&b), 0);
	assert_non_null(a->sk);
	assert_memory_not_equal(a->pk, b->pk, IDENTITY_PK_BYTES);
	identity_free(a);
	identity_free(b);
}

static void
test_encode_decode(void **state)
{
	uint8_t seed[IDENTITY_SEED_BYTES], want[IDENTITY_FILE_LEN];
	struct identity *a, *b;
	struct buf out;

	(void)state;
	unhex(seed, sizeof(seed), rfc_seed_hex);
	rfc_file(want);
	assert_int_equal(identity_from_seed(&a, seed), 0);
	buf_init(&out, 1024);
	assert_int_equal(identity_encode(a, &out), 0);
	assert_int_equal(buf_len(&out), IDENTITY_FILE_LEN);
	assert_memory_equal(buf_ptr(&out), want, sizeof(want));
	assert_int_equal(identity_decode(&b, buf_ptr(&out), buf_len(&out)),
	    0);
	assert_memory_equal(a->pk, b->pk, IDENTITY_PK_BYTES);
	assert_memory_equal(a->sk, b->sk, IDENTITY_SK_BYTES);
	identity_free(b);
	buf_release(&out);

	/* A buffer that cannot take the whole record gets none of it. */
	buf_init(&out, IDENTITY_FILE_LEN - 1);
	assert_int_equal(identity_encode(a, &out), ERR_TOO_LARGE);
	assert_int_equal(buf_len(&out), 0);
	buf_release(&out);
	identity_free(a);
}

static void
test_decode_magic_bitflips(void **state)
{
	uint8_t file[IDENTITY_FILE_LEN];
	struct identity *id;
	size_t bit;

	(void)state;
	rfc_file(file);
	for (bit = 0; bit < MAGIC_LEN * 8; bit++) {
		file[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		id = (struct identity *)&id;	/* must be cleared */
		assert_int_equal(identity_decode(&id, file, sizeof(file)),
		    ERR_FORMAT);
		assert_null(id);
		file[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(identity_decode(&id, file, sizeof(file)), 0);
	identity_free(id);
}

static void
test_decode_seed_bitflip(void **state)
{
	uint8_t file[IDENTITY_FILE_LEN], pk[IDENTITY_PK_BYTES];
	struct identity *id;

	(void)state;
	/* Every seed is a key: a flipped seed bit gives another identity,
	 * which is why the file must be kept intact by other means. */
	rfc_file(file);
	unhex(pk, sizeof(pk), rfc_pk_hex);
	file[MAGIC_LEN] ^= 1;
	assert_int_equal(identity_decode(&id, file, sizeof(file)), 0);
	assert_memory_not_equal(id->pk, pk, sizeof(pk));
	identity_free(id);
}

static void
test_decode_truncated_trailing(void **state)
{
	uint8_t file[IDENTITY_FILE_LEN + 100];
	struct identity *id;
	size_t len;

	(void)state;
	rfc_file(file);
	memset(file + IDENTITY_FILE_LEN, 0, 100);
	for (len = 0; len < IDENTITY_FILE_LEN; len++) {
		id = (struct identity *)&id;
		assert_int_equal(identity_decode(&id, file, len),
		    ERR_TRUNCATED);
		assert_null(id);
	}
	assert_int_equal(identity_decode(&id, NULL, 0), ERR_TRUNCATED);
	assert_null(id);
	for (len = IDENTITY_FILE_LEN + 1; len <= sizeof(file); len++) {
		id = (struct identity *)&id;
		assert_int_equal(identity_decode(&id, file, len),
		    ERR_TRAILING);
		assert_null(id);
	}
}

static void
test_sign_verify(void **state)
{
	uint8_t sig[IDENTITY_SIG_BYTES], seed[IDENTITY_SEED_BYTES];
	uint8_t msg[] = "transcript hash goes here";
	struct identity *a, *b;
	size_t bit;

	(void)state;
	seed_n(seed, 1);
	assert_int_equal(identity_from_seed(&a, seed), 0);
	seed_n(seed, 2);
	assert_int_equal(identity_from_seed(&b, seed), 0);
	identity_sign(a, sig, msg, sizeof(msg));
	assert_int_equal(identity_verify(a->pk, sig, msg, sizeof(msg)), 0);
	assert_int_equal(identity_verify(b->pk, sig, msg, sizeof(msg)),
	    ERR_SIGNATURE);
	assert_int_equal(identity_verify(a->pk, sig, msg, sizeof(msg) - 1),
	    ERR_SIGNATURE);
	for (bit = 0; bit < sizeof(sig) * 8; bit++) {
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(identity_verify(a->pk, sig, msg,
		    sizeof(msg)), ERR_SIGNATURE);
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (bit = 0; bit < sizeof(msg) * 8; bit++) {
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(identity_verify(a->pk, sig, msg,
		    sizeof(msg)), ERR_SIGNATURE);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(identity_verify(a->pk, sig, msg, sizeof(msg)), 0);
	identity_free(a);
	identity_free(b);
}

static void
assert_safety_format(const char *s)
{
	size_t i;

	assert_int_equal(strlen(s), SAFETY_NUMBER_LEN);
	assert_int_equal(SAFETY_NUMBER_LEN, 35);
	for (i = 0; i < SAFETY_NUMBER_LEN; i++) {
		if (i % 6 == 5)
			assert_int_equal(s[i], ' ');
		else
			assert_true(s[i] >= '0' && s[i] <= '9');
	}
}

static void
test_safety_number(void **state)
{
	uint8_t a[IDENTITY_PK_BYTES], b[IDENTITY_PK_BYTES];
	uint8_t seed[IDENTITY_SEED_BYTES];
	char ab[SAFETY_NUMBER_LEN + 1], ba[SAFETY_NUMBER_LEN + 1];
	char prev[SAFETY_NUMBER_LEN + 1];
	struct identity *x, *y;
	unsigned i;

	(void)state;
	unhex(a, sizeof(a), rfc_pk_hex);
	unhex(b, sizeof(b), rfc_pk2_hex);
	identity_safety_number(ab, a, b);
	identity_safety_number(ba, b, a);
	assert_string_equal(ab, sn_pk_pk2);
	assert_string_equal(ba, sn_pk_pk2);
	identity_safety_number(ab, a, a);
	assert_string_equal(ab, sn_pk_pk);

	/* Many pairs: well formed, symmetric, and changing with the keys. */
	prev[0] = '\0';
	for (i = 0; i < 50; i++) {
		seed_n(seed, 2 * i);
		assert_int_equal(identity_from_seed(&x, seed), 0);
		seed_n(seed, 2 * i + 1);
		assert_int_equal(identity_from_seed(&y, seed), 0);
		identity_safety_number(ab, x->pk, y->pk);
		identity_safety_number(ba, y->pk, x->pk);
		assert_safety_format(ab);
		assert_string_equal(ab, ba);
		assert_string_not_equal(ab, prev);
		memcpy(prev, ab, sizeof(prev));
		/* Changing either key changes the number. */
		identity_safety_number(ba, x->pk, a);
		assert_string_not_equal(ab, ba);
		identity_free(x);
		identity_free(y);
	}
}

static void
test_tag(void **state)
{
	uint8_t a[IDENTITY_PK_BYTES], b[IDENTITY_PK_BYTES];
	char t[IDENTITY_TAG_LEN + 1];
	size_t i;

	(void)state;
	unhex(a, sizeof(a), rfc_pk_hex);
	unhex(b, sizeof(b), rfc_pk2_hex);
	identity_tag(t, a);
	assert_string_equal(t, tag_pk);
	identity_tag(t, b);
	assert_string_equal(t, tag_pk2);
	assert_int_equal(strlen(t), IDENTITY_TAG_LEN);
	for (i = 0; i < IDENTITY_TAG_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", t[i]));
}

/* The tag beside names: 48 bits, its first 8 digits the short tag's
 * (computed independently: BLAKE2b-256("sotto key tag v1" || pk)). */
static void
test_long_tag(void **state)
{
	uint8_t a[IDENTITY_PK_BYTES];
	char t[IDENTITY_LONG_TAG_LEN + 1];

	(void)state;
	unhex(a, sizeof(a), rfc_pk_hex);
	memset(t, 'x', sizeof(t));
	identity_long_tag(t, a);
	assert_string_equal(t, LONG_TAG_PK);
	assert_int_equal(strlen(t), IDENTITY_LONG_TAG_LEN);
	assert_memory_equal(t, tag_pk, 4);
	assert_memory_equal(t + 5, tag_pk + 4, 4);
}

/* ---- key file ---------------------------------------------------- */

struct fs {
	char	 root[64];		/* mkdtemp'd, removed afterwards */
	char	 dir[128];		/* root/sotto */
	char	 path[160];		/* root/sotto/identity */
	char	*old_xdg;
	char	*old_home;
};

static char *
dup_env(const char *name)
{
	const char *v = getenv(name);
	char *c = NULL;

	if (v != NULL)
		assert_non_null(c = strdup(v));
	return c;
}

static void
restore_env(const char *name, char *v)
{
	if (v != NULL)
		assert_int_equal(setenv(name, v, 1), 0);
	else
		assert_int_equal(unsetenv(name), 0);
	free(v);
}

static int
setup_fs(void **state)
{
	struct fs *fs;

	if ((fs = calloc(1, sizeof(*fs))) == NULL)
		return -1;
	snprintf(fs->root, sizeof(fs->root), "/tmp/sotto-test-XXXXXX");
	if (mkdtemp(fs->root) == NULL)
		return -1;
	snprintf(fs->dir, sizeof(fs->dir), "%s/sotto", fs->root);
	snprintf(fs->path, sizeof(fs->path), "%s/identity", fs->dir);
	fs->old_xdg = dup_env("XDG_CONFIG_HOME");
	fs->old_home = dup_env("HOME");
	if (setenv("XDG_CONFIG_HOME", fs->root, 1) != 0)
		return -1;
	*state = fs;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

static int
teardown_fs(void **state)
{
	struct fs *fs = *state;

	/* Make sure removal cannot fail on a directory a test locked. */
	(void)chmod(fs->dir, 0700);
	if (nftw(fs->root, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return -1;
	restore_env("XDG_CONFIG_HOME", fs->old_xdg);
	restore_env("HOME", fs->old_home);
	free(fs);
	return 0;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static size_t
slurp(const char *path, uint8_t *out, size_t max)
{
	FILE *f;
	size_t n;

	assert_non_null(f = fopen(path, "rb"));
	n = fread(out, 1, max, f);
	fclose(f);
	return n;
}

static void
spit(const char *path, const void *p, size_t len)
{
	FILE *f;

	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Only the key file is left in dir: no temporary files. */
static void
assert_only_identity(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		assert_string_equal(de->d_name, KEYFILE_NAME);
		n++;
	}
	closedir(d);
	assert_int_equal(n, 1);
}

static void
test_config_dir(void **state)
{
	struct fs *fs = *state;
	char out[256], want[256];

	assert_int_equal(keyfile_config_dir(out, sizeof(out)), 0);
	assert_string_equal(out, fs->dir);

	/* A relative XDG_CONFIG_HOME is ignored in favour of HOME. */
	assert_int_equal(setenv("XDG_CONFIG_HOME", "relative/dir", 1), 0);
	assert_int_equal(setenv("HOME", fs->root, 1), 0);
	snprintf(want, sizeof(want), "%s/.config/sotto", fs->root);
	assert_int_equal(keyfile_config_dir(out, sizeof(out)), 0);
	assert_string_equal(out, want);

	/* Too small a buffer, or no usable variable at all. */
	assert_int_equal(keyfile_config_dir(out, strlen(want)),
	    ERR_INVALID_ARG);
	assert_string_equal(out, "");
	assert_int_equal(keyfile_config_dir(out, strlen(want) + 1), 0);
	assert_int_equal(unsetenv("XDG_CONFIG_HOME"), 0);
	assert_int_equal(setenv("HOME", "", 1), 0);
	assert_int_equal(keyfile_config_dir(out, sizeof(out)),
	    ERR_INVALID_ARG);
	assert_string_equal(out, "");
	assert_int_equal(unsetenv("HOME"), 0);
	assert_int_equal(keyfile_config_dir(out, sizeof(out)),
	    ERR_INVALID_ARG);
}

static void
test_create_then_load(void **state)
{
	struct fs *fs = *state;
	struct identity *a, *b;
	uint8_t file[IDENTITY_FILE_LEN + 1];
	char dir[256];
	int created = -1;

	assert_int_equal(keyfile_config_dir(dir, sizeof(dir)), 0);
	assert_int_equal(keyfile_load_or_create(dir, &a, &created), 0);
	assert_int_equal(created, 1);
	assert_int_equal(mode_of(fs->dir), 0700);
	assert_int_equal(mode_of(fs->path), 0600);
	assert_int_equal(slurp(fs->path, file, sizeof(file)),
	    IDENTITY_FILE_LEN);
	assert_memory_equal(file, IDENTITY_FILE_MAGIC, MAGIC_LEN);
	assert_only_identity(fs->dir);

	assert_int_equal(keyfile_load_or_create(dir, &b, &created), 0);
	assert_int_equal(created, 0);
	assert_memory_equal(a->pk, b->pk, IDENTITY_PK_BYTES);
	assert_memory_equal(a->sk, b->sk, IDENTITY_SK_BYTES);
	identity_free(b);
	/* created may be NULL. */
	assert_int_equal(keyfile_load_or_create(dir, &b, NULL), 0);
	assert_memory_equal(a->pk, b->pk, IDENTITY_PK_BYTES);
	identity_free(b);
	identity_free(a);
}

static void
test_corrupt_refused(void **state)
{
	struct fs *fs = *state;
	uint8_t good[IDENTITY_FILE_LEN], bad[5000], got[5001];
	struct identity *id;
	size_t lens[] = { 0, 1, MAGIC_LEN, IDENTITY_FILE_LEN - 1,
	    IDENTITY_FILE_LEN, IDENTITY_FILE_LEN + 1, KEYFILE_MAX_SIZE,
	    KEYFILE_MAX_SIZE + 1, sizeof(bad) };
	size_t i;
	int created;

	assert_int_equal(keyfile_ensure_dir(fs->dir), 0);
	rfc_file(good);
	/* Bad magic at every length, and a good key with bytes after it. */
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(bad, 'x', sizeof(bad));
		if (lens[i] == IDENTITY_FILE_LEN + 1)
			memcpy(bad, good, sizeof(good));
		spit(fs->path, bad, lens[i]);
		created = -1;
		id = (struct identity *)&id;
		assert_int_equal(keyfile_load_or_create(fs->dir, &id,
		    &created), ERR_FORMAT);
		assert_null(id);
		assert_int_equal(created, 0);
		assert_int_equal(slurp(fs->path, got, sizeof(got)), lens[i]);
		assert_memory_equal(got, bad, lens[i]);
	}
	/* A directory where the key file should be. */
	assert_int_equal(unlink(fs->path), 0);
	assert_int_equal(mkdir(fs->path, 0700), 0);
	assert_int_equal(keyfile_load_or_create(fs->dir, &id, &created),
	    ERR_FORMAT);
	assert_int_equal(rmdir(fs->path), 0);
}

static void
test_permissions_tightened(void **state)
{
	struct fs *fs = *state;
	uint8_t good[IDENTITY_FILE_LEN], pk[IDENTITY_PK_BYTES];
	struct identity *id;
	int created;

	assert_int_equal(mkdir(fs->dir, 0700), 0);
	rfc_file(good);
	spit(fs->path, good, sizeof(good));
	unhex(pk, sizeof(pk), rfc_pk_hex);
	assert_int_equal(chmod(fs->dir, 0755), 0);
	assert_int_equal(chmod(fs->path, 0644), 0);
	assert_int_equal(keyfile_load_or_create(fs->dir, &id, &created), 0);
	assert_int_equal(created, 0);
	assert_memory_equal(id->pk, pk, sizeof(pk));
	assert_int_equal(mode_of(fs->dir), 0700);
	assert_int_equal(mode_of(fs->path), 0600);
	identity_free(id);

	/* The owner's own choice (read-only) is kept. */
	assert_int_equal(chmod(fs->path, 0444), 0);
	assert_int_equal(keyfile_load_or_create(fs->dir, &id, &created), 0);
	assert_int_equal(mode_of(fs->path), 0400);
	identity_free(id);
}

static void
test_symlink_refused(void **state)
{
	struct fs *fs = *state;
	uint8_t good[IDENTITY_FILE_LEN];
	char elsewhere[128];
	struct identity *id;
	struct stat st;
	int created;

	snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", fs->root);
	rfc_file(good);
	spit(elsewhere, good, sizeof(good));
	assert_int_equal(keyfile_ensure_dir(fs->dir), 0);
	assert_int_equal(symlink(elsewhere, fs->path), 0);
	errno = 0;
	assert_int_equal(keyfile_load_or_create(fs->dir, &id, &created),
	    ERR_IO);
	assert_int_equal(errno, ELOOP);
	assert_null(id);
	assert_int_equal(lstat(fs->path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));

	/* A dangling symlink is not "missing": nothing is written through
	 * it. */
	assert_int_equal(unlink(elsewhere), 0);
	assert_int_equal(keyfile_load_or_create(fs->dir, &id, &created),
	    ERR_IO);
	assert_int_equal(lstat(elsewhere, &st), -1);
}

static void
test_home_fallback(void **state)
{
	struct fs *fs = *state;
	struct identity *id;
	char dir[256], want[256], config[128];
	int created;

	assert_int_equal(unsetenv("XDG_CONFIG_HOME"), 0);
	assert_int_equal(setenv("HOME", fs->root, 1), 0);
	snprintf(config, sizeof(config), "%s/.config", fs->root);
	snprintf(want, sizeof(want), "%s/sotto", config);
	assert_int_equal(keyfile_config_dir(dir, sizeof(dir)), 0);
	assert_string_equal(dir, want);
	assert_int_equal(keyfile_load_or_create(dir, &id, &created), 0);
	assert_int_equal(created, 1);
	assert_int_equal(mode_of(config), 0700);
	assert_int_equal(mode_of(dir), 0700);
	assert_only_identity(dir);
	identity_free(id);
}

static void
test_strict_umask_and_stale_tmp(void **state)
{
	struct fs *fs = *state;
	struct identity *id;
	char tmp[256];
	mode_t old;
	int created, r;

	/* A leftover temporary file with our pid does not block creation. */
	assert_int_equal(mkdir(fs->dir, 0700), 0);
	snprintf(tmp, sizeof(tmp), "%s/identity.tmp.%ld", fs->dir,
	    (long)getpid());
	spit(tmp, "junk", 4);
	/* Even a umask that takes the owner's own bits is overridden. */
	old = umask(0377);
	r = keyfile_load_or_create(fs->dir, &id, &created);
	umask(old);
	assert_int_equal(r, 0);
	assert_int_equal(created, 1);
	assert_int_equal(mode_of(fs->path), 0600);
	assert_only_identity(fs->dir);
	identity_free(id);

	/* And a fresh directory under that umask still ends up 0700. */
	assert_int_equal(unlink(fs->path), 0);
	assert_int_equal(rmdir(fs->dir), 0);
	old = umask(0377);
	r = keyfile_ensure_dir(fs->dir);
	umask(old);
	assert_int_equal(r, 0);
	assert_int_equal(mode_of(fs->dir), 0700);
}

static void
test_not_a_directory(void **state)
{
	struct fs *fs = *state;
	struct identity *id;
	char below[256];

	spit(fs->dir, "x", 1);
	errno = 0;
	assert_int_equal(keyfile_ensure_dir(fs->dir), ERR_IO);
	assert_int_equal(errno, ENOTDIR);
	snprintf(below, sizeof(below), "%s/deeper", fs->dir);
	errno = 0;
	assert_int_equal(keyfile_load_or_create(below, &id, NULL), ERR_IO);
	assert_int_equal(errno, ENOTDIR);
	assert_null(id);
	assert_int_equal(keyfile_ensure_dir(""), ERR_INVALID_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_determinism),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_encode_decode),
		cmocka_unit_test(test_decode_magic_bitflips),
		cmocka_unit_test(test_decode_seed_bitflip),
		cmocka_unit_test(test_decode_truncated_trailing),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_safety_number),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_long_tag),
		cmocka_unit_test_setup_teardown(test_config_dir, setup_fs,
		    teardown_fs),
		cmocka_unit_test_setup_teardown(test_create_then_load,
		    setup_fs, teardown_fs),
		cmocka_unit_test_setup_teardown(test_corrupt_refused,
		    setup_fs, teardown_fs),
		cmocka_unit_test_setup_teardown(test_permissions_tightened,
		    setup_fs, teardown_fs),
		cmocka_unit_test_setup_teardown(test_symlink_refused,
		    setup_fs, teardown_fs),
		cmocka_unit_test_setup_teardown(test_home_fallback,
		    setup_fs, teardown_fs),
		cmocka_unit_test_setup_teardown(
		    test_strict_umask_and_stale_tmp, setup_fs, teardown_fs),
		cmocka_unit_test_setup_teardown(test_not_a_directory,
		    setup_fs, teardown_fs),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
