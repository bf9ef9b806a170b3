/*
 * names.c: the identifier profile and confusable skeletons of UTS #39,
 * through ICU's uspoof (see names.h).
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uset.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "err.h"
#include "names.h"

/* Longest input, in bytes; names are at most 32, file entries too. */
#define NAMES_IN_MAX	255
/* UTF-16 units: an input byte is at most one unit. */
#define U16_MAX		(NAMES_IN_MAX + 1)
/* A skeleton can be longer than its input (one prototype may be several
 * characters); far more room than any 255-byte input needs. */
#define SKEL_MAX	4096

static const char SKEL_LABEL[] = "sotto name skeleton v1";

/* The one checker, made on first use and kept for the process's life
 * (sotto is single-threaded; ICU's checks are const on it anyway). */
static USpoofChecker *checker;
static int checker_failed;

static USpoofChecker *
get_checker(void)
{
	UErrorCode st = U_ZERO_ERROR;
	USpoofChecker *sc = NULL;
	USet *allowed = NULL;

	if (checker != NULL || checker_failed)
		return checker;
	sc = uspoof_open(&st);
	allowed = uset_openEmpty();
	if (U_FAILURE(st) || allowed == NULL)
		goto fail;
	/* UTS #39's identifier profile: Identifier_Status = Allowed. */
	uset_addAll(allowed, uspoof_getRecommendedSet(&st));
	uset_addAll(allowed, uspoof_getInclusionSet(&st));
	uspoof_setAllowedChars(sc, allowed, &st);
	uspoof_setRestrictionLevel(sc, USPOOF_HIGHLY_RESTRICTIVE);
	uspoof_setChecks(sc, USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE |
	    USPOOF_CHAR_LIMIT | USPOOF_MIXED_NUMBERS | USPOOF_HIDDEN_OVERLAY,
	    &st);
	if (U_FAILURE(st))
		goto fail;
	uset_close(allowed);
	checker = sc;
	return checker;
 fail:
	uset_close(allowed);
	uspoof_close(sc);
	checker_failed = 1;
	return NULL;
}

/* Strict UTF-8 to UTF-16: 0 and *n, or ERR_FORMAT. */
static int
to_u16(const uint8_t *p, size_t len, UChar out[U16_MAX], int32_t *n)
{
	UErrorCode st = U_ZERO_ERROR;

	*n = 0;
	if (len > NAMES_IN_MAX || (len > 0 && p == NULL))
		return ERR_FORMAT;
	/* No substitution character: an invalid sequence is an error. */
	u_strFromUTF8(out, U16_MAX, n, (const char *)p, (int32_t)len, &st);
	if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING) {
		*n = 0;
		return ERR_FORMAT;
	}
	return 0;
}

static int
ignorable(UChar32 c)
{
	return u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

int
names_identifier_ok(const uint8_t *p, size_t len)
{
	UChar s[U16_MAX];
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfc;
	USpoofChecker *sc;
	int32_t n, i = 0;
	UChar32 c;

	if (len == 0 || to_u16(p, len, s, &n) != 0 ||
	    (sc = get_checker()) == NULL)
		return 0;
	while (i < n) {
		U16_NEXT(s, i, n, c);
		if (ignorable(c))
			return 0;
	}
	nfc = unorm2_getNFCInstance(&st);
	if (U_FAILURE(st) || !unorm2_isNormalized(nfc, s, n, &st) ||
	    U_FAILURE(st))
		return 0;
	st = U_ZERO_ERROR;
	if (uspoof_check2(sc, s, n, NULL, &st) != 0 || U_FAILURE(st))
		return 0;
	return 1;
}

int
names_skeleton_key(const uint8_t *p, size_t len,
    uint8_t out[NAMES_SKEL_BYTES])
{
	UChar s[U16_MAX], kept[U16_MAX], skel[SKEL_MAX];
	char u8[SKEL_MAX * 3];
	UErrorCode st = U_ZERO_ERROR;
	USpoofChecker *sc;
	crypto_generichash_state hs;
	int32_t n, i = 0, k = 0, sn, u8n;
	UChar32 c;
	int r = ERR_INTERNAL;

	memset(out, 0, NAMES_SKEL_BYTES);
	if ((r = to_u16(p, len, s, &n)) != 0)
		goto out;
	r = ERR_INTERNAL;
	if ((sc = get_checker()) == NULL)
		goto out;
	/* Invisible characters first: a name and the same name with a
	 * U+034F in it are one name to the eye. */
	while (i < n) {
		U16_NEXT(s, i, n, c);
		if (!ignorable(c))
			U16_APPEND_UNSAFE(kept, k, c);
	}
	sn = uspoof_getSkeleton(sc, 0, kept, k, skel, SKEL_MAX, &st);
	if (U_FAILURE(st) || sn < 0 || sn >= SKEL_MAX)
		goto out;
	u_strToUTF8(u8, (int32_t)sizeof(u8), &u8n, skel, sn, &st);
	if (U_FAILURE(st) || u8n < 0 || (size_t)u8n >= sizeof(u8))
		goto out;
	crypto_generichash_init(&hs, NULL, 0, NAMES_SKEL_BYTES);
	crypto_generichash_update(&hs, (const uint8_t *)SKEL_LABEL,
	    sizeof(SKEL_LABEL) - 1);
	crypto_generichash_update(&hs, (const uint8_t *)u8, (size_t)u8n);
	crypto_generichash_final(&hs, out, NAMES_SKEL_BYTES);
	r = 0;
out:
	if (r != 0)
		memset(out, 0, NAMES_SKEL_BYTES);
	return r;
}

int
names_confusable(const char *a, const char *b)
{
	uint8_t ka[NAMES_SKEL_BYTES], kb[NAMES_SKEL_BYTES];

	if (a == NULL || b == NULL)
		return 0;
	if (names_skeleton_key((const uint8_t *)a, strlen(a), ka) != 0 ||
	    names_skeleton_key((const uint8_t *)b, strlen(b), kb) != 0)
		return strcmp(a, b) == 0;
	return memcmp(ka, kb, NAMES_SKEL_BYTES) == 0;
}
