/*
 * memline_fuzz.c: libFuzzer target for memline_parse, the member lines
 * a child window's sotto writes (memline.h).  Aborts unless a line it
 * accepts writes back (memline_member / memline_gone) to exactly the
 * same bytes, and the name it returns is NUL-terminated, in bounds and
 * free of control bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memline m;
	char out[MEMLINE_MAX];
	size_t n, i;

	if (size > 2 * MEMLINE_MAX)
		return 0;
	if (memline_parse((const char *)data, size, &m) != 0)
		return 0;
	if (m.gone)
		n = memline_gone(out, m.id);
	else {
		if (strnlen(m.name, sizeof(m.name)) >= sizeof(m.name))
			abort();
		for (i = 0; m.name[i] != '\0'; i++)
			if ((unsigned char)m.name[i] < 0x20)
				abort();
		n = memline_member(out, m.id, m.color, m.pk, m.name);
	}
	/* The parser takes the line without its "\n". */
	if (n != size + 1 || memcmp(out, data, size) != 0 || out[size] != '\n')
		abort();
	return 0;
}
