/*
 * tui_keys_fuzz.c: libFuzzer target for the full-screen view's keyboard
 * reader and paste assembly.  The input is split into reads at bytes
 * the fuzzer chooses (first byte: chunk size); beyond memory safety it
 * checks that every call makes progress, keys stay within bounds, a
 * paste never exceeds TUI_PASTE_MAX, and assembled paste lines hold no
 * control character.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tui_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_lines(const struct buf *p)
{
	struct buf out;
	size_t i;
	int n;

	buf_init(&out, TUI_PASTE_MAX * 2);
	n = tui_paste_lines(buf_ptr(p), buf_len(p), &out);
	if (n < 0)
		abort();
	for (i = 0; i < buf_len(&out); i++)
		if (buf_ptr(&out)[i] != 0 && (buf_ptr(&out)[i] < 0x20 ||
		    buf_ptr(&out)[i] == 0x7f))
			abort();
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tui_keys k;
	const uint8_t *key;
	size_t step, used, kl, chunk, over;
	enum tui_key e;

	if (size < 1)
		return 0;
	step = 1 + data[0] % 16;
	data++;
	size--;
	tui_keys_init(&k);
	while (size > 0) {
		chunk = size < step ? size : step;
		e = tui_keys_feed(&k, data, chunk, &used, &key, &kl);
		if (used > chunk || (used == 0 && e == TK_NONE))
			abort();
		if (e != TK_NONE && e != TK_PASTE && (kl == 0 ||
		    kl > TUI_KEY_SEQ_MAX))
			abort();
		if (e == TK_PASTE) {
			const struct buf *p = tui_keys_paste(&k, &over);

			if (buf_len(p) > TUI_PASTE_MAX)
				abort();
			check_lines(p);
			tui_keys_paste_done(&k);
		}
		data += used;
		size -= used;
	}
	tui_keys_release(&k);
	return 0;
}
