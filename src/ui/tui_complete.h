/*
 * tui_complete.h: Tab completion of the word before the cursor: a
 * command at the start of the line ("/he" -> "/help "), else a member's
 * name ("al" -> "alice: " at the start of a line, "alice " elsewhere).
 * Pure: candidates in, replacement out.
 */
#ifndef SOTTO_TUI_COMPLETE_H
#define SOTTO_TUI_COMPLETE_H

#include <stddef.h>

#include "buf.h"

/*
 * Looks at text[0..cursor) (UTF-8): the word is what follows the last
 * space.  A word starting with '/' at the start of the line is matched
 * against cmds (each starting with '/'), any other non-empty word against
 * names, both by ASCII case-insensitive prefix.  Sets *word_start to the
 * byte where the word begins and appends to out what replaces
 * text[*word_start..cursor): the one match and its suffix (": " for a
 * name at the start of the line, " " otherwise), or the longest prefix
 * common to all the matches when there are several.  Returns the number
 * of matches (0: out untouched), or a negative ERR_* from buf_put.
 */
int	 tui_complete(const char *text, size_t cursor,
	    const char *const *names, size_t nnames,
	    const char *const *cmds, size_t ncmds,
	    size_t *word_start, struct buf *out);

#endif
