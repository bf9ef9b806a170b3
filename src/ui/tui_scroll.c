/* tui_scroll.c: a window's scrollback ring (see tui_scroll.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sanitize.h"
#include "tui_scroll.h"

int
tui_scroll_init(struct tui_scroll *s, size_t max_lines, size_t max_bytes)
{
	memset(s, 0, sizeof(*s));
	s->max_lines = max_lines != 0 ? max_lines : TUI_SCROLL_LINES;
	s->max_bytes = max_bytes != 0 ? max_bytes : TUI_SCROLL_BYTES;
	s->cap = s->max_lines < 256 ? s->max_lines : 256;
	s->last_yday = s->last_year = -1;
	if ((s->ring = calloc(s->cap, sizeof(*s->ring))) == NULL)
		return ERR_ALLOC;
	return 0;
}

static void
line_free(struct tui_line *l)
{
	free(l->name);
	free(l->text);
	l->name = l->text = NULL;
}

static void
drop_oldest(struct tui_scroll *s)
{
	struct tui_line *l = &s->ring[s->head];

	s->bytes -= l->len + strlen(l->name);
	line_free(l);
	s->head = (s->head + 1) % s->cap;
	s->n--;
}

void
tui_scroll_clear(struct tui_scroll *s)
{
	while (s->n > 0)
		drop_oldest(s);
	s->head = 0;
}

void
tui_scroll_release(struct tui_scroll *s)
{
	if (s->ring != NULL)
		tui_scroll_clear(s);
	free(s->ring);
	s->ring = NULL;
}

/* Room for one more line: the ring grows (doubling) up to max_lines. */
static int
grow(struct tui_scroll *s)
{
	struct tui_line *n;
	size_t ncap, i;

	if (s->n < s->cap)
		return 0;
	if (s->cap >= s->max_lines) {
		drop_oldest(s);
		return 0;
	}
	ncap = s->cap * 2 > s->max_lines ? s->max_lines : s->cap * 2;
	if ((n = calloc(ncap, sizeof(*n))) == NULL)
		return ERR_ALLOC;
	for (i = 0; i < s->n; i++)
		n[i] = s->ring[(s->head + i) % s->cap];
	free(s->ring);
	s->ring = n;
	s->cap = ncap;
	s->head = 0;
	return 0;
}

static int
put(struct tui_scroll *s, time_t when, enum tui_kind kind, int flags,
    int color, const char *name, const char *text, size_t len)
{
	struct tui_line *l;
	size_t nlen = name != NULL ? strlen(name) : 0;
	char *nc, *tc;

	if ((nc = malloc(nlen + 1)) == NULL || (tc = malloc(len + 1)) == NULL) {
		free(nc);
		return ERR_ALLOC;
	}
	memcpy(nc, name != NULL ? name : "", nlen + 1);
	memcpy(tc, text, len);
	tc[len] = '\0';
	if (grow(s) != 0) {
		free(nc);
		free(tc);
		return ERR_ALLOC;
	}
	while (s->n > 0 && s->bytes + len + nlen > s->max_bytes)
		drop_oldest(s);
	l = &s->ring[(s->head + s->n) % s->cap];
	l->seq = s->next_seq++;
	l->when = when;
	l->kind = (uint8_t)kind;
	l->flags = (uint8_t)flags;
	l->color = color;
	l->name = nc;
	l->text = tc;
	l->len = len;
	s->bytes += len + nlen;
	s->n++;
	return 0;
}

int
tui_scroll_add(struct tui_scroll *s, time_t when, enum tui_kind kind,
    int flags, int color, const char *name, const char *text, size_t len)
{
	char day[96];
	struct tm tm;
	size_t cut, k;
	uint32_t cp;

	/* Cut an oversized text on a character boundary. */
	if (len > s->max_bytes / 4) {
		cut = 0;
		while (cut < len) {
			k = ui_utf8_next((const uint8_t *)text + cut, len - cut,
			    &cp);
			if (cut + k > s->max_bytes / 4)
				break;
			cut += k;
		}
		len = cut;
	}
	if (kind != TUI_L_DAY && kind != TUI_L_MARK &&
	    localtime_r(&when, &tm) != NULL) {
		if (s->last_year != -1 && (tm.tm_yday != s->last_yday ||
		    tm.tm_year != s->last_year)) {
			if (strftime(day, sizeof(day), "day changed to %A, "
			    "%d %B %Y", &tm) == 0)
				day[0] = '\0';
			if (put(s, when, TUI_L_DAY, 0, 0, NULL, day,
			    strlen(day)) != 0)
				return ERR_ALLOC;
		}
		s->last_yday = tm.tm_yday;
		s->last_year = tm.tm_year;
	}
	return put(s, when, kind, flags, color, name, text, len);
}

size_t
tui_scroll_count(const struct tui_scroll *s)
{
	return s->n;
}

const struct tui_line *
tui_scroll_get(const struct tui_scroll *s, size_t i)
{
	if (i >= s->n)
		return NULL;
	return &s->ring[(s->head + i) % s->cap];
}

uint64_t
tui_scroll_first_seq(const struct tui_scroll *s)
{
	return s->n > 0 ? s->ring[s->head].seq : s->next_seq;
}

size_t
tui_scroll_index(const struct tui_scroll *s, uint64_t seq)
{
	uint64_t first = tui_scroll_first_seq(s);

	if (s->n == 0 || seq < first)
		return 0;
	if (seq - first >= s->n)
		return s->n - 1;
	return (size_t)(seq - first);
}
