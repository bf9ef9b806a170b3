/*
 * codeprompt.c: a prompt that completes code words (codeprompt.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "codeprompt.h"
#include "lineedit.h"
#include "words.h"

size_t
codeprompt_complete(const char *text, size_t len, char *add, size_t addlen,
    char *list, size_t listlen, size_t max)
{
	const char *const *t;
	const char *seg, *first = NULL;
	size_t pos = 0, i, n = 0, common = 0, seglen, k, off = 0;

	add[0] = '\0';
	list[0] = '\0';
	/* NUMBER-w1-w2-...: the part after the last dash, and its place. */
	for (i = 0; i < len && isdigit((unsigned char)text[i]); i++)
		;
	if (i == 0 || i == len || text[i] != '-')
		return 0;
	seg = text + i + 1;
	for (i++; i < len; i++)
		if (text[i] == '-') {
			pos++;
			seg = text + i + 1;
		}
	seglen = (size_t)(text + len - seg);
	if (pos >= WORDS_MAX)
		return 0;
	t = words_table(pos);
	for (i = 0; i < WORDS_COUNT; i++) {
		if (!words_prefix(t[i], seg, seglen))
			continue;
		if (n++ == 0) {
			first = t[i];
			common = strlen(first);
		} else {
			for (k = 0; k < common && first[k] == t[i][k]; k++)
				;
			common = k;
		}
	}
	if (n == 0)
		return 0;
	if (common > seglen && common - seglen < addlen) {
		memcpy(add, first + seglen, common - seglen);
		add[common - seglen] = '\0';
		return n;
	}
	if (n == 1)
		return n;
	/* Nothing to add: say which words there are. */
	for (i = 0, k = 0; i < WORDS_COUNT && k < max; i++) {
		int w;

		if (!words_prefix(t[i], seg, seglen))
			continue;
		w = snprintf(list + off, listlen - off, "%s%s", k > 0 ? " " :
		    "", t[i]);
		if (w < 0 || (size_t)w >= listlen - off)
			break;
		off += (size_t)w;
		k++;
	}
	if (n > k && listlen - off > 4)
		snprintf(list + off, listlen - off, " ...");
	return n;
}

/* Writes all of b to stdout (the terminal). */
static void
flush_out(struct buf *b)
{
	const uint8_t *p = buf_ptr(b);
	size_t n = buf_len(b);
	ssize_t w;

	while (n > 0 && (w = write(STDOUT_FILENO, p, n)) > 0) {
		p += w;
		n -= (size_t)w;
	}
	buf_reset(b);
}

int
codeprompt_read(const char *prompt, char *out, size_t outlen)
{
	struct lineedit *le;
	struct termios saved;
	struct buf line, draw;
	char add[WORDS_MAX_LEN + 1], list[256];
	const uint8_t *text;
	uint8_t in[256];
	size_t used, len, i, n;
	ssize_t got;
	int r = -1, done = 0;
	enum lineedit_event ev;

	if ((le = lineedit_new(outlen > 1 ? outlen - 1 : 1)) == NULL)
		return -1;
	buf_init(&line, outlen);
	buf_init(&draw, 4096);
	lineedit_set_prompt(le, prompt);
	if (lineedit_raw_enter(STDIN_FILENO, &saved) != 0)
		goto out;
	(void)lineedit_render(le, &draw);
	flush_out(&draw);
	while (!done && (got = read(STDIN_FILENO, in, sizeof(in))) > 0) {
		for (i = 0; i < (size_t)got && !done; i++) {
			if (in[i] == '\t') {
				text = lineedit_peek_text(le, &len);
				if (lineedit_get_cursor(le) != len)
					continue;
				n = codeprompt_complete((const char *)text, len,
				    add, sizeof(add), list, sizeof(list), 12);
				if (add[0] != '\0')
					(void)lineedit_feed(le, (uint8_t *)add,
					    strlen(add), &used, NULL);
				else if (n > 1) {
					(void)lineedit_render_clear(le, &draw);
					(void)buf_put(&draw, list, strlen(list));
					(void)buf_put(&draw, "\r\n", 2);
				}
				continue;
			}
			ev = lineedit_feed(le, in + i, 1, &used, &line);
			if (ev == LE_LINE) {
				len = buf_len(&line) < outlen ? buf_len(&line) :
				    outlen - 1;
				memcpy(out, buf_ptr(&line), len);
				out[len] = '\0';
				r = 0;
				done = 1;
			} else if (ev == LE_EOF || ev == LE_INTERRUPT)
				done = 1;
		}
		if (!done)
			(void)lineedit_render(le, &draw);
		flush_out(&draw);
	}
	/* What was typed: the code's words. */
	sodium_memzero(in, sizeof(in));
	(void)lineedit_raw_leave(STDIN_FILENO, &saved);
	(void)write(STDOUT_FILENO, "\r\n", 2);
 out:
	if (r == 0) {
		/* Blanks around an answer are a slip. */
		len = strlen(out);
		while (len > 0 && (out[len - 1] == ' '))
			out[--len] = '\0';
		n = strspn(out, " ");
		memmove(out, out + n, strlen(out + n) + 1);
	}
	buf_release(&line);
	buf_release(&draw);
	lineedit_free(le);
	return r;
}
