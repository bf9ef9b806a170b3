/* frame.c: wire frame header parsing and writing (see frame.h). */
#include <string.h>

#include "buf.h"
#include "err.h"
#include "frame.h"

int
frame_type_known(uint8_t type)
{
	switch (type) {
	case FRAME_HELLO:
	case FRAME_LINK_HELLO:
	case FRAME_SHARE_A:
	case FRAME_SHARE_B:
	case FRAME_CONFIRM_A:
	case FRAME_CHALLENGE:
	case FRAME_PROOF:
	case FRAME_RESUME_HELLO:
	case FRAME_RESUME_ACCEPT:
	case FRAME_RESUME_CONFIRM:
	case FRAME_ABORT:
	case FRAME_RECORD:
		return 1;
	}
	return 0;
}

int
frame_parse(const uint8_t *p, size_t avail, struct frame *f, size_t *need)
{
	uint32_t len;

	f->version = f->type = 0;
	f->len = 0;
	f->hdr = f->payload = NULL;
	if (need != NULL)
		*need = FRAME_HDR_LEN;
	/* Judge each header byte as soon as it is there, so garbage is
	 * refused without waiting for the rest. */
	if (avail >= 1 && p[0] != FRAME_VERSION)
		return ERR_VERSION;
	if (avail >= 2 && !frame_type_known(p[1]))
		return ERR_TYPE;
	if (avail < FRAME_HDR_LEN)
		return ERR_NEED_MORE;
	len = ((uint32_t)p[2] << 24) | ((uint32_t)p[3] << 16) |
	    ((uint32_t)p[4] << 8) | p[5];
	if (len > FRAME_MAX_PAYLOAD)
		return ERR_TOO_LARGE;
	if (need != NULL)
		*need = FRAME_HDR_LEN + (size_t)len;
	if (avail - FRAME_HDR_LEN < len)
		return ERR_NEED_MORE;
	f->version = p[0];
	f->type = p[1];
	f->len = len;
	f->hdr = p;
	f->payload = p + FRAME_HDR_LEN;
	return 0;
}

void
frame_put_header(uint8_t hdr[FRAME_HDR_LEN], uint8_t type, uint32_t len)
{
	hdr[0] = FRAME_VERSION;
	hdr[1] = type;
	hdr[2] = (uint8_t)(len >> 24);
	hdr[3] = (uint8_t)(len >> 16);
	hdr[4] = (uint8_t)(len >> 8);
	hdr[5] = (uint8_t)len;
}

int
frame_put(struct buf *out, uint8_t type, const uint8_t *payload, size_t len)
{
	uint8_t *p;
	int r;

	if (len > FRAME_MAX_PAYLOAD)
		return ERR_TOO_LARGE;
	if ((r = buf_reserve(out, FRAME_HDR_LEN + len, &p)) != 0)
		return r;
	frame_put_header(p, type, (uint32_t)len);
	if (len > 0)
		memcpy(p + FRAME_HDR_LEN, payload, len);
	return 0;
}
