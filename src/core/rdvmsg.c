/*
 * rdvmsg.c: the rendezvous messages' codec (rdvmsg.h, PROTOCOL §21.2).
 * Every untrusted byte goes through the buf.h reader.
 */
#include <string.h>

#include "buf.h"
#include "err.h"
#include "rdvmsg.h"

int
rdvmsg_is_rdv(uint8_t type)
{
	return (type >= RDVMSG_OPEN && type <= RDVMSG_SPLICE) ||
	    (type >= RDVMSG_SLOT && type <= RDVMSG_PAIRED_RAW);
}

/* Printable ASCII only (an address or a text shown to a user). */
static int
printable(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
	return 1;
}

/* u8 length and that many printable bytes, at least min. */
static int
get_text(struct buf *b, size_t min, size_t max, struct rdvmsg *m)
{
	uint8_t n;
	int r;

	if ((r = buf_get_u8(b, &n)) != 0)
		return r;
	if (n > max)
		return ERR_TOO_LARGE;
	if (n < min)
		return ERR_FORMAT;
	if ((r = buf_get_view(b, n, &m->data)) != 0)
		return r;
	m->data_len = n;
	return printable(m->data, n) ? 0 : ERR_FORMAT;
}

static int
get_expiry(struct buf *b, struct rdvmsg *m)
{
	int r;

	if ((r = buf_get_u16(b, &m->expiry)) != 0)
		return r;
	return m->expiry == 0 || m->expiry > RDVMSG_MAX_EXPIRY ?
	    ERR_FORMAT : 0;
}

/* The optional flags byte of OPEN and CLAIM (§21.7): present only when
 * not 0, so that each message has one encoding; bits other than
 * RDVMSG_F_SPLICE are kept (the relay ignores them: later flags). */
static int
get_flags(struct buf *b, struct rdvmsg *m)
{
	int r;

	if (buf_len(b) == 0)
		return 0;
	if ((r = buf_get_u8(b, &m->flags)) != 0)
		return r;
	return m->flags == 0 ? ERR_FORMAT : 0;
}

static int
get_slot(struct buf *b, struct rdvmsg *m)
{
	int r;

	if ((r = buf_get_u32(b, &m->slot)) != 0)
		return r;
	return m->slot == 0 || m->slot > RDVMSG_MAX_SLOT ? ERR_FORMAT : 0;
}

int
rdvmsg_parse(struct rdvmsg *m, const uint8_t *p, size_t len)
{
	struct buf b;
	size_t n;
	int r;

	memset(m, 0, sizeof(*m));
	buf_view(&b, p, len);
	if ((r = buf_get_u8(&b, &m->type)) != 0)
		goto out;
	switch (m->type) {
	case RDVMSG_OPEN:
		if ((r = get_expiry(&b, m)) == 0)
			r = get_flags(&b, m);
		break;
	case RDVMSG_CLAIM:
		if ((r = get_slot(&b, m)) == 0)
			r = get_flags(&b, m);
		break;
	case RDVMSG_DATA:
	case RDVMSG_DATA_FROM:
		n = buf_len(&b);
		if (n == 0)
			r = ERR_FORMAT;
		else if (n > RDVMSG_MAX_DATA)
			r = ERR_TOO_LARGE;
		else if ((r = buf_get_view(&b, n, &m->data)) == 0)
			m->data_len = n;
		break;
	case RDVMSG_SLOT:
		if ((r = get_slot(&b, m)) == 0 && (r = get_expiry(&b, m)) == 0)
			r = get_text(&b, 1, RDVMSG_MAX_ADDR, m);
		break;
	case RDVMSG_WHOAMI:
	case RDVMSG_SPLICE:
		break;
	case RDVMSG_PAIRED:
	case RDVMSG_PAIRED_RAW:
	case RDVMSG_ADDR:
		r = get_text(&b, 1, RDVMSG_MAX_ADDR, m);
		break;
	case RDVMSG_ERROR:
		if ((r = buf_get_u8(&b, &m->code)) == 0)
			r = get_text(&b, 0, 255, m);
		break;
	default:
		r = ERR_TYPE;
		break;
	}
	if (r == 0)
		r = buf_expect_end(&b);
 out:
	if (r != 0)
		memset(m, 0, sizeof(*m));
	return r;
}

int
rdvmsg_put_open(struct buf *out, uint16_t expiry, uint8_t flags)
{
	size_t mark = buf_len(out);
	int r;

	if (expiry == 0 || expiry > RDVMSG_MAX_EXPIRY)
		return ERR_FORMAT;
	if ((r = buf_put_u8(out, RDVMSG_OPEN)) != 0 ||
	    (r = buf_put_u16(out, expiry)) != 0 ||
	    (flags != 0 && (r = buf_put_u8(out, flags)) != 0))
		buf_unput(out, buf_len(out) - mark);
	return r;
}

int
rdvmsg_put_claim(struct buf *out, uint32_t slot, uint8_t flags)
{
	size_t mark = buf_len(out);
	int r;

	if (slot == 0 || slot > RDVMSG_MAX_SLOT)
		return ERR_FORMAT;
	if ((r = buf_put_u8(out, RDVMSG_CLAIM)) != 0 ||
	    (r = buf_put_u32(out, slot)) != 0 ||
	    (flags != 0 && (r = buf_put_u8(out, flags)) != 0))
		buf_unput(out, buf_len(out) - mark);
	return r;
}

int
rdvmsg_put_data(struct buf *out, uint8_t type, const uint8_t *p, size_t len)
{
	size_t mark = buf_len(out);
	int r;

	if (type != RDVMSG_DATA && type != RDVMSG_DATA_FROM)
		return ERR_FORMAT;
	if (len == 0)
		return ERR_FORMAT;
	if (len > RDVMSG_MAX_DATA)
		return ERR_TOO_LARGE;
	if ((r = buf_put_u8(out, type)) != 0)
		return r;
	if ((r = buf_put(out, p, len)) != 0)
		buf_unput(out, buf_len(out) - mark);
	return r;
}

/* u8 length and text; the caller undoes on failure. */
static int
put_text(struct buf *out, const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	int r;

	if (n < min || !printable((const uint8_t *)s, n))
		return ERR_FORMAT;
	if (n > max)
		return ERR_TOO_LARGE;
	if ((r = buf_put_u8(out, (uint8_t)n)) != 0)
		return r;
	return buf_put(out, s, n);
}

int
rdvmsg_put_slot(struct buf *out, uint32_t slot, uint16_t expiry,
    const char *addr)
{
	size_t mark = buf_len(out);
	int r;

	if (slot == 0 || slot > RDVMSG_MAX_SLOT || expiry == 0 ||
	    expiry > RDVMSG_MAX_EXPIRY)
		return ERR_FORMAT;
	if ((r = buf_put_u8(out, RDVMSG_SLOT)) != 0 ||
	    (r = buf_put_u32(out, slot)) != 0 ||
	    (r = buf_put_u16(out, expiry)) != 0 ||
	    (r = put_text(out, addr, 1, RDVMSG_MAX_ADDR)) != 0)
		buf_unput(out, buf_len(out) - mark);
	return r;
}

/* A type byte and an address: PAIRED, PAIRED_RAW, ADDR. */
static int
put_addr_msg(struct buf *out, uint8_t type, const char *addr)
{
	size_t mark = buf_len(out);
	int r;

	if ((r = buf_put_u8(out, type)) != 0 ||
	    (r = put_text(out, addr, 1, RDVMSG_MAX_ADDR)) != 0)
		buf_unput(out, buf_len(out) - mark);
	return r;
}

int
rdvmsg_put_paired(struct buf *out, const char *addr)
{
	return put_addr_msg(out, RDVMSG_PAIRED, addr);
}

int
rdvmsg_put_paired_raw(struct buf *out, const char *addr)
{
	return put_addr_msg(out, RDVMSG_PAIRED_RAW, addr);
}

int
rdvmsg_put_splice(struct buf *out)
{
	return buf_put_u8(out, RDVMSG_SPLICE);
}

int
rdvmsg_put_addr(struct buf *out, const char *addr)
{
	return put_addr_msg(out, RDVMSG_ADDR, addr);
}

int
rdvmsg_put_whoami(struct buf *out)
{
	return buf_put_u8(out, RDVMSG_WHOAMI);
}

int
rdvmsg_put_error(struct buf *out, uint8_t code, const char *text)
{
	size_t mark = buf_len(out);
	int r;

	if ((r = buf_put_u8(out, RDVMSG_ERROR)) != 0 ||
	    (r = buf_put_u8(out, code)) != 0 ||
	    (r = put_text(out, text, 0, 255)) != 0)
		buf_unput(out, buf_len(out) - mark);
	return r;
}
