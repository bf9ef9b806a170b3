/*
 * logbatch.c: a room log message on JetStream (logbatch.h,
 * docs/PROTOCOL.md section 15.11).
 */
#include <string.h>

#include "buf.h"
#include "err.h"
#include "logbatch.h"

int
logbatch_put(struct buf *b, const struct logbatch_rec *r)
{
	size_t before = buf_len(b);
	int e = 0;

	switch (r->kind) {
	case LOGBATCH_EVENT:
		if (r->seq == 0 || r->len == 0 || r->len > LOGBATCH_MAX_EVENT)
			return ERR_INVALID_ARG;
		break;
	case LOGBATCH_SEAT:
		if (r->id == 0 || r->len == 0 || r->len > LOGBATCH_MAX_SEAT)
			return ERR_INVALID_ARG;
		break;
	case LOGBATCH_UNSEAT:
		if (r->id == 0)
			return ERR_INVALID_ARG;
		break;
	case LOGBATCH_DROP:
		break;
	default:
		return ERR_INVALID_ARG;
	}
	e = buf_put_u8(b, r->kind);
	switch (r->kind) {
	case LOGBATCH_EVENT:
		if (e == 0)
			e = buf_put_u64(b, r->seq);
		if (e == 0)
			e = buf_put_u32(b, r->to);
		if (e == 0)
			e = buf_put_u32(b, (uint32_t)r->len);
		if (e == 0)
			e = buf_put(b, r->p, r->len);
		break;
	case LOGBATCH_SEAT:
		if (e == 0)
			e = buf_put_u32(b, r->id);
		if (e == 0)
			e = buf_put_u16(b, (uint16_t)r->len);
		if (e == 0)
			e = buf_put(b, r->p, r->len);
		break;
	case LOGBATCH_UNSEAT:
		if (e == 0)
			e = buf_put_u32(b, r->id);
		break;
	}
	if (e != 0) {
		buf_unput(b, buf_len(b) - before);
		return ERR_TOO_LARGE;
	}
	return 0;
}

void
logbatch_head(uint8_t out[LOGBATCH_HEAD], uint64_t writer, uint64_t n)
{
	int i;

	out[0] = LOGBATCH_VERSION;
	for (i = 0; i < 8; i++) {
		out[1 + i] = (uint8_t)(writer >> (56 - 8 * i));
		out[9 + i] = (uint8_t)(n >> (56 - 8 * i));
	}
}

int
logbatch_begin(struct buf *b, const uint8_t *p, size_t len, uint64_t *writer,
    uint64_t *n)
{
	uint8_t v;

	buf_view(b, p, len);
	if (buf_get_u8(b, &v) != 0)
		return ERR_TRUNCATED;
	if (v != LOGBATCH_VERSION)
		return ERR_VERSION;
	if (buf_get_u64(b, writer) != 0 || buf_get_u64(b, n) != 0 ||
	    buf_len(b) == 0)
		return ERR_TRUNCATED;
	return 0;
}

int
logbatch_next(struct buf *b, struct logbatch_rec *r)
{
	uint32_t n;
	uint16_t n16;

	memset(r, 0, sizeof(*r));
	if (buf_len(b) == 0)
		return 0;
	if (buf_get_u8(b, &r->kind) != 0)
		return ERR_TRUNCATED;
	switch (r->kind) {
	case LOGBATCH_EVENT:
		if (buf_get_u64(b, &r->seq) != 0 || buf_get_u32(b, &r->to) !=
		    0 || buf_get_u32(b, &n) != 0)
			return ERR_TRUNCATED;
		if (r->seq == 0 || n == 0 || n > LOGBATCH_MAX_EVENT)
			return ERR_FORMAT;
		if (buf_get_view(b, n, &r->p) != 0)
			return ERR_TRUNCATED;
		r->len = n;
		return 1;
	case LOGBATCH_SEAT:
		if (buf_get_u32(b, &r->id) != 0 || buf_get_u16(b, &n16) != 0)
			return ERR_TRUNCATED;
		if (r->id == 0 || n16 == 0 || n16 > LOGBATCH_MAX_SEAT)
			return ERR_FORMAT;
		if (buf_get_view(b, n16, &r->p) != 0)
			return ERR_TRUNCATED;
		r->len = n16;
		return 1;
	case LOGBATCH_UNSEAT:
		if (buf_get_u32(b, &r->id) != 0)
			return ERR_TRUNCATED;
		return r->id == 0 ? ERR_FORMAT : 1;
	case LOGBATCH_DROP:
		return 1;
	default:
		return ERR_TYPE;
	}
}
