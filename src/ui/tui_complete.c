/* tui_complete.c: Tab completion (see tui_complete.h). */
#include <string.h>
#include <strings.h>

#include "tui_complete.h"

static int
prefix_of(const char *word, size_t wlen, const char *cand)
{
	return strlen(cand) >= wlen && strncasecmp(cand, word, wlen) == 0;
}

int
tui_complete(const char *text, size_t cursor, const char *const *names,
    size_t nnames, const char *const *cmds, size_t ncmds,
    size_t *word_start, struct buf *out)
{
	const char *const *cands = names;
	const char *first = NULL, *word;
	size_t ncand = nnames, start = cursor, wlen, common = 0, i, k;
	int n = 0, r;

	while (start > 0 && text[start - 1] != ' ')
		start--;
	*word_start = start;
	word = text + start;
	wlen = cursor - start;
	if (start == 0 && wlen > 0 && word[0] == '/') {
		cands = cmds;
		ncand = ncmds;
	} else if (wlen == 0)
		return 0;
	for (i = 0; i < ncand; i++) {
		if (cands[i] == NULL || !prefix_of(word, wlen, cands[i]))
			continue;
		if (n++ == 0) {
			first = cands[i];
			common = strlen(first);
			continue;
		}
		for (k = 0; k < common && cands[i][k] != '\0' &&
		    cands[i][k] == first[k]; k++)
			;
		common = k;
	}
	if (n == 0)
		return 0;
	/* Keep what was typed when the matches differ only in case. */
	if (n > 1 && common < wlen)
		return n;
	if ((r = buf_put(out, first, n == 1 ? strlen(first) : common)) != 0)
		return r;
	if (n == 1) {
		const char *suffix = cands == names && start == 0 ? ": " : " ";

		if ((r = buf_put(out, suffix, strlen(suffix))) != 0)
			return r;
	}
	return n;
}
