/*
 * tui_wrap_fuzz.c: libFuzzer target for the full-screen view's row
 * breaking.  Input: two width bytes, then text (any bytes: the view only
 * wraps sanitized text, but the arithmetic must hold for anything).
 * Checks that the rows come in order, cover every byte but the spaces
 * broken at, and never hold more columns than their width unless one
 * character alone is wider.
 */
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sanitize.h"
#include "tui_wrap.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setlocale(LC_CTYPE, "C.UTF-8");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tui_row *rows;
	const char *p;
	size_t n, m, i, at = 0, w, k;
	uint32_t cp;
	int first, rest;

	if (size < 2 || size > 8192)
		return 0;
	first = data[0] % 40;
	rest = data[1] % 40;
	p = (const char *)data + 2;
	n = size - 2;
	m = tui_wrap(p, n, first, rest, NULL, 0);
	if (m < 1 || m > n + 1)
		abort();
	if ((rows = calloc(m, sizeof(*rows))) == NULL)
		return 0;
	if (tui_wrap(p, n, first, rest, rows, m) != m)
		abort();
	for (i = 0; i < m; i++) {
		if (rows[i].off != at && !(rows[i].off == at + 1 &&
		    p[at] == ' '))
			abort();
		if (rows[i].off + rows[i].len > n)
			abort();
		w = ui_text_width((const uint8_t *)p + rows[i].off, rows[i].len);
		k = rows[i].len > 0 ? ui_utf8_next((const uint8_t *)p +
		    rows[i].off, rows[i].len, &cp) : 0;
		if (w > (size_t)((i == 0 ? first : rest) < 1 ? 1 :
		    (i == 0 ? first : rest)) && k != rows[i].len)
			abort();
		at = rows[i].off + rows[i].len;
	}
	if (at != n)
		abort();
	free(rows);
	return 0;
}
