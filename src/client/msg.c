/* msg.c: encoding and parsing of the 1:1 chat's messages (see msg.h). */
#include "buf.h"
#include "err.h"
#include "msg.h"

int
msg_parse(struct msg *m, const uint8_t *p, size_t len)
{
	struct buf b;
	uint8_t type, nlen;
	int r;

	m->type = 0;
	m->data = NULL;
	m->len = 0;
	m->ack = 0;
	buf_view(&b, p, len);
	if ((r = buf_get_u8(&b, &type)) != 0)
		return r;
	switch (type) {
	case MSG_INFO:
		if ((r = buf_get_u8(&b, &nlen)) != 0)
			return r;
		if (nlen == 0)
			return ERR_FORMAT;
		if (nlen > MSG_MAX_NAME)
			return ERR_TOO_LARGE;
		if ((r = buf_get_view(&b, nlen, &m->data)) != 0 ||
		    (r = buf_expect_end(&b)) != 0)
			return r;
		m->len = nlen;
		break;
	case MSG_REFUSE:
		if ((r = buf_get_view(&b, 1, &m->data)) != 0 ||
		    (r = buf_expect_end(&b)) != 0)
			return r;
		m->len = 1;
		break;
	case MSG_ACK:
		if ((r = buf_get_view(&b, 8, &m->data)) != 0 ||
		    (r = buf_expect_end(&b)) != 0)
			return r;
		m->len = 8;
		{
			struct buf v;

			buf_view(&v, m->data, 8);
			(void)buf_get_u64(&v, &m->ack);
		}
		break;
	case MSG_TEXT:
	case MSG_ACTION:
		if (buf_len(&b) == 0)
			return ERR_FORMAT;
		if (buf_len(&b) > MSG_MAX_TEXT)
			return ERR_TOO_LARGE;
		m->len = buf_len(&b);
		if ((r = buf_get_view(&b, m->len, &m->data)) != 0)
			return r;
		break;
	default:
		return ERR_TYPE;
	}
	m->type = type;
	return 0;
}

int
msg_put(struct buf *out, uint8_t type, const uint8_t *data, size_t len)
{
	int r;

	if (len == 0)
		return ERR_FORMAT;
	switch (type) {
	case MSG_INFO:
		if (len > MSG_MAX_NAME)
			return ERR_TOO_LARGE;
		{
			uint8_t hdr[2] = { type, (uint8_t)len };

			if ((r = buf_put(out, hdr, 2)) != 0)
				return r;
			if ((r = buf_put(out, data, len)) != 0) {
				buf_unput(out, 2);
				return r;
			}
		}
		return 0;
	case MSG_REFUSE:
		if (len != 1)
			return ERR_FORMAT;
		/* FALLTHROUGH */
	case MSG_ACK:
		if (type == MSG_ACK && len != 8)
			return ERR_FORMAT;
		/* FALLTHROUGH */
	case MSG_TEXT:
	case MSG_ACTION:
		if (len > MSG_MAX_TEXT)
			return ERR_TOO_LARGE;
		if ((r = buf_put_u8(out, type)) != 0)
			return r;
		if ((r = buf_put(out, data, len)) != 0) {
			buf_unput(out, 1);
			return r;
		}
		return 0;
	}
	return ERR_TYPE;
}

int
msg_put_ack(struct buf *out, uint64_t n)
{
	int r;

	if ((r = buf_put_u8(out, MSG_ACK)) != 0)
		return r;
	if ((r = buf_put_u64(out, n)) != 0)
		buf_unput(out, 1);
	return r;
}
