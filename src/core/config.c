/* config.c: the settings file's parser (see config.h). */
#include <string.h>

#include "config.h"
#include "err.h"

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->color = -1;
	c->bell = -1;
}

static int
is_blank(uint8_t ch)
{
	return ch == ' ' || ch == '\t';
}

/* Trims blanks (and a CR, for files written on Windows) at both ends. */
static void
trim(const uint8_t **p, size_t *n)
{
	while (*n > 0 && is_blank((*p)[0])) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && (is_blank((*p)[*n - 1]) || (*p)[*n - 1] == '\r'))
		(*n)--;
}

static int
word_is(const uint8_t *p, size_t n, const char *w)
{
	return n == strlen(w) && memcmp(p, w, n) == 0;
}

/* on/off, yes/no, true/false, 1/0: 1 or 0, or -1 for anything else. */
static int
parse_switch(const uint8_t *p, size_t n)
{
	if (word_is(p, n, "on") || word_is(p, n, "yes") ||
	    word_is(p, n, "true") || word_is(p, n, "1"))
		return 1;
	if (word_is(p, n, "off") || word_is(p, n, "no") ||
	    word_is(p, n, "false") || word_is(p, n, "0"))
		return 0;
	return -1;
}

/* Printable ASCII only, no blank: addresses. */
static int
is_token(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return 0;
	return n > 0;
}

/* A name: no controls, no blank, no DEL; UTF-8 is left to the client's
 * name rules, which every name passes again before use. */
static int
is_name(const uint8_t *p, size_t n)
{
	size_t i;

	if (n == 0 || n > CONFIG_MAX_NAME)
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] <= 0x20 || p[i] == 0x7f)
			return 0;
	return 1;
}

/* A strftime format of printable ASCII whose conversions are all from a
 * short list of fixed-width ones: nothing locale-long, no %n or %t. */
static int
is_tsfmt(const uint8_t *p, size_t n)
{
	static const char ok[] = "HMSIpdmyYjeabZz%";
	size_t i;

	if (n == 0 || n > CONFIG_MAX_TSFMT)
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] >= 0x7f)
			return 0;
		if (p[i] == '%') {
			if (++i == n || strchr(ok, p[i]) == NULL)
				return 0;
		}
	}
	return 1;
}

static void
copy_str(char *dst, const uint8_t *p, size_t n)
{
	memcpy(dst, p, n);
	dst[n] = '\0';
}

/* One line, already stripped of its end of line.  NULL, or why not. */
static const char *
parse_line(struct config *c, const uint8_t *p, size_t n)
{
	const uint8_t *eq, *k, *v;
	size_t kn, vn, i;
	unsigned long port;
	int sw;

	trim(&p, &n);
	if (n == 0 || p[0] == '#')
		return NULL;
	if ((eq = memchr(p, '=', n)) == NULL)
		return "not 'key = value'";
	k = p;
	kn = (size_t)(eq - p);
	v = eq + 1;
	vn = n - kn - 1;
	trim(&k, &kn);
	trim(&v, &vn);
	if (kn == 0)
		return "no key before '='";
	if (word_is(k, kn, "name")) {
		if (!is_name(v, vn))
			return "name: 1 to 32 bytes, no blanks or controls";
		copy_str(c->name, v, vn);
	} else if (word_is(k, kn, "port")) {
		port = 0;
		for (i = 0; i < vn && i < 6; i++) {
			if (v[i] < '0' || v[i] > '9')
				break;
			port = port * 10 + (unsigned long)(v[i] - '0');
		}
		if (vn == 0 || i != vn || port < 1 || port > 65535)
			return "port: a number from 1 to 65535";
		c->port = (int)port;
	} else if (word_is(k, kn, "relay")) {
		if (vn > CONFIG_MAX_ADDR || !is_token(v, vn))
			return "relay: HOST[:PORT], no blanks";
		copy_str(c->relay, v, vn);
	} else if (word_is(k, kn, "proxy")) {
		/* Checked in full where it is used (socks5_parse_url), so
		 * that the message can say what is wrong with it. */
		if (vn > CONFIG_MAX_PROXY || !is_token(v, vn))
			return "proxy: socks5h://HOST:PORT or none, no blanks";
		copy_str(c->proxy, v, vn);
	} else if (word_is(k, kn, "color") || word_is(k, kn, "colour")) {
		if ((sw = parse_switch(v, vn)) < 0)
			return "color: on or off";
		c->color = sw;
	} else if (word_is(k, kn, "bell")) {
		if ((sw = parse_switch(v, vn)) < 0)
			return "bell: on or off";
		c->bell = sw;
	} else if (word_is(k, kn, "timestamp")) {
		if (!is_tsfmt(v, vn))
			return "timestamp: a short strftime format "
			    "(%H %M %S %I %p %d %m %y %Y %j %e %a %b %Z %z)";
		copy_str(c->timestamp, v, vn);
	} else
		return "unknown key";
	return NULL;
}

int
config_parse(struct config *c, const uint8_t *p, size_t len,
    config_warn_fn warn, void *arg)
{
	const uint8_t *nl, *end = p + len;
	const char *why;
	unsigned line = 0;
	size_t n;

	if (len > CONFIG_MAX_BYTES)
		return ERR_TOO_LARGE;
	while (p < end) {
		line++;
		n = (size_t)(end - p);
		if ((nl = memchr(p, '\n', n)) != NULL)
			n = (size_t)(nl - p);
		if (n > CONFIG_MAX_LINE)
			why = "line longer than 1024 bytes";
		else if (memchr(p, '\0', n) != NULL)
			why = "NUL byte in line";
		else
			why = parse_line(c, p, n);
		if (why != NULL && warn != NULL)
			warn(arg, line, why);
		p += n + (nl != NULL);
	}
	return 0;
}
