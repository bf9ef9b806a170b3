/*
 * codeprompt.h: asking for a rendezvous code on a terminal, with Tab
 * completing the code word being typed (words.h), as magic-wormhole's
 * prompt does.  Used by the interactive start.
 */
#ifndef SOTTO_CODEPROMPT_H
#define SOTTO_CODEPROMPT_H

#include <stddef.h>

/*
 * What Tab adds to text (len bytes, the cursor at its end): when the
 * last dash-separated part is a prefix of code words at its place, the
 * longest extension they share goes into add (NUL-terminated; "" if
 * none).  Returns how many words match (0: none, or not in a word).
 * When more than one does and add is "", up to 'max' of them go into
 * list as "w1 w2 ..." (listlen bytes), else list is "".
 */
size_t	 codeprompt_complete(const char *text, size_t len, char *add,
	    size_t addlen, char *list, size_t listlen, size_t max);

/*
 * Prints prompt and reads one line from the terminal (stdin and stdout
 * must be one), in raw mode with the line editor, Tab completing code
 * words.  0 with the line in out (NUL-terminated, blanks around it
 * dropped), or -1 at end of input or Ctrl-C.
 */
int	 codeprompt_read(const char *prompt, char *out, size_t outlen);

#endif
