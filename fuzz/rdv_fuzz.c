/* rdv_fuzz.c: libFuzzer target for the rendezvous messages (rdvmsg.h,
 * PROTOCOL §21.2): whatever parses re-encodes to exactly the same bytes.
 * The same input, as text, goes through the code parser (words.h): a
 * code that parses formats back to its canonical form, which parses to
 * the same slot and bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rdvmsg.h"
#include "words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
code_roundtrip(const uint8_t *data, size_t size)
{
	char text[256], canon[WORDS_CODE_MAX], why[256];
	uint8_t bytes[WORDS_MAX], again[WORDS_MAX];
	uint32_t slot, slot2;
	size_t n, n2;

	if (size >= sizeof(text))
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)words_is_code(text);
	if (words_parse(text, &slot, bytes, &n, why, sizeof(why)) != 0)
		return;
	if (n < WORDS_MIN || n > WORDS_MAX || slot == 0)
		abort();
	words_format(canon, sizeof(canon), slot, bytes, n);
	if (words_parse(canon, &slot2, again, &n2, why, sizeof(why)) != 0 ||
	    slot2 != slot || n2 != n || memcmp(again, bytes, n) != 0)
		abort();
}

/* A parsed text as a C string (it is printable, so holds no NUL). */
static void
cstr(char out[256], const uint8_t *p, size_t len)
{
	memcpy(out, p, len);
	out[len] = '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rdvmsg m;
	struct buf b;
	char text[256];
	int r = -1;

	code_roundtrip(data, size);
	if (rdvmsg_parse(&m, data, size) != 0)
		return 0;
	buf_init(&b, size + 16);
	switch (m.type) {
	case RDVMSG_OPEN:
		r = rdvmsg_put_open(&b, m.expiry, m.flags);
		break;
	case RDVMSG_CLAIM:
		r = rdvmsg_put_claim(&b, m.slot, m.flags);
		break;
	case RDVMSG_DATA:
	case RDVMSG_DATA_FROM:
		r = rdvmsg_put_data(&b, m.type, m.data, m.data_len);
		break;
	case RDVMSG_WHOAMI:
		r = rdvmsg_put_whoami(&b);
		break;
	case RDVMSG_SPLICE:
		r = rdvmsg_put_splice(&b);
		break;
	case RDVMSG_SLOT:
		cstr(text, m.data, m.data_len);
		r = rdvmsg_put_slot(&b, m.slot, m.expiry, text);
		break;
	case RDVMSG_PAIRED:
		cstr(text, m.data, m.data_len);
		r = rdvmsg_put_paired(&b, text);
		break;
	case RDVMSG_ADDR:
		cstr(text, m.data, m.data_len);
		r = rdvmsg_put_addr(&b, text);
		break;
	case RDVMSG_PAIRED_RAW:
		cstr(text, m.data, m.data_len);
		r = rdvmsg_put_paired_raw(&b, text);
		break;
	case RDVMSG_ERROR:
		cstr(text, m.data, m.data_len);
		r = rdvmsg_put_error(&b, m.code, text);
		break;
	default:
		abort();	/* the parser accepted an unknown type */
	}
	if (r != 0 || buf_len(&b) != size || memcmp(buf_ptr(&b), data, size) != 0)
		abort();
	buf_release(&b);
	return 0;
}
