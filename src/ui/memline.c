/* memline.c: the member lines of a child window (see memline.h). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "memline.h"

size_t
memline_member(char out[MEMLINE_MAX], uint32_t id, int color,
    const uint8_t pk[32], const char *name)
{
	size_t nl = strlen(name), i, o;

	if (nl == 0 || nl > MEMLINE_NAME_MAX || color < 0 || color > 255)
		return 0;
	for (i = 0; i < nl; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	o = (size_t)snprintf(out, MEMLINE_MAX, "member %08x %03d ",
	    (unsigned)id, color);
	sodium_bin2hex(out + o, 65, pk, 32);
	o += 64;
	out[o++] = ' ';
	memcpy(out + o, name, nl);
	o += nl;
	out[o++] = '\n';
	return o;
}

size_t
memline_gone(char out[MEMLINE_MAX], uint32_t id)
{
	return (size_t)snprintf(out, MEMLINE_MAX, "gone %08x\n", (unsigned)id);
}

/* 2n lowercase hex digits from b into out[0..n) (n <= 32): sodium's
 * decoder, and the digits must be the one spelling bin2hex gives back. */
static int
get_hex(struct buf *b, size_t n, uint8_t *out)
{
	const uint8_t *p;
	char back[65];
	size_t got;

	if (n > 32 || buf_get_view(b, 2 * n, &p) != 0 ||
	    sodium_hex2bin(out, n, (const char *)p, 2 * n, NULL, &got,
	    NULL) != 0 || got != n)
		return ERR_FORMAT;
	sodium_bin2hex(back, sizeof(back), out, n);
	return memcmp(back, p, 2 * n) == 0 ? 0 : ERR_FORMAT;
}

static int
get_id(struct buf *b, uint32_t *id)
{
	uint8_t v[4];

	if (get_hex(b, 4, v) != 0)
		return ERR_FORMAT;
	*id = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
	    (uint32_t)v[2] << 8 | v[3];
	return 0;
}

static int
get_lit(struct buf *b, const char *lit)
{
	const uint8_t *p;
	size_t n = strlen(lit);

	return buf_get_view(b, n, &p) == 0 && memcmp(p, lit, n) == 0 ? 0 :
	    ERR_FORMAT;
}

int
memline_parse(const char *p, size_t n, struct memline *m)
{
	struct buf b;
	const uint8_t *d;
	uint32_t color;
	size_t i, nl;

	memset(m, 0, sizeof(*m));
	buf_view(&b, p, n);
	if (n >= 5 && memcmp(p, "gone ", 5) == 0) {
		m->gone = 1;
		if (get_lit(&b, "gone ") != 0 || get_id(&b, &m->id) ||
		    buf_expect_end(&b) != 0)
			return ERR_FORMAT;
		return 0;
	}
	if (get_lit(&b, "member ") != 0 || get_id(&b, &m->id) != 0 ||
	    get_lit(&b, " ") != 0 || buf_get_view(&b, 3, &d) != 0)
		return ERR_FORMAT;
	for (i = 0, color = 0; i < 3; i++) {
		if (d[i] < '0' || d[i] > '9')
			return ERR_FORMAT;
		color = color * 10 + (uint32_t)(d[i] - '0');
	}
	if (color > 255 || get_lit(&b, " ") != 0 ||
	    get_hex(&b, 32, m->pk) != 0 || get_lit(&b, " ") != 0)
		return ERR_FORMAT;
	m->color = (int)color;
	nl = buf_len(&b);
	if (nl == 0 || nl > MEMLINE_NAME_MAX ||
	    buf_get_view(&b, nl, &d) != 0)
		return ERR_FORMAT;
	for (i = 0; i < nl; i++)
		if (d[i] < 0x20 || d[i] == 0x7f)
			return ERR_FORMAT;
	memcpy(m->name, d, nl);
	m->name[nl] = '\0';
	return 0;
}
