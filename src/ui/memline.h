/*
 * memline.h: the member lines a line-mode sotto run as a window of the
 * full-screen view (tui_child.c) writes on a pipe of its own, so that
 * the window knows its members' keys (colours, /trust, verified marks)
 * while the child's stdout stays the line mode's, byte for byte.
 *
 *   "member " ID " " COLOR " " PK " " NAME "\n"
 *   "gone " ID "\n"
 *
 * ID: 8 lowercase hex digits (the room's member id; 0 for a 1:1 peer);
 * COLOR: 3 decimal digits, 0 to 255; PK: the 32-byte identity key as 64
 * lowercase hex digits; NAME: 1 to MEMLINE_NAME_MAX bytes, no control
 * byte (names are validated on arrival, peers_name_valid).
 */
#ifndef SOTTO_UI_MEMLINE_H
#define SOTTO_UI_MEMLINE_H

#include <stddef.h>
#include <stdint.h>

#define MEMLINE_NAME_MAX	63
/* The longest line, its "\n" included. */
#define MEMLINE_MAX		(7 + 8 + 1 + 3 + 1 + 64 + 1 + MEMLINE_NAME_MAX + 1)
/* The child finds its pipe's descriptor in this variable. */
#define MEMLINE_ENV		"SOTTO_MEMBERS_FD"

struct memline {
	int		 gone;		/* 1: "gone", only id is set */
	uint32_t	 id;
	int		 color;
	uint8_t		 pk[32];
	char		 name[MEMLINE_NAME_MAX + 1];	/* NUL-terminated */
};

/* Writes the member line (with its "\n") into out (MEMLINE_MAX bytes):
 * its length, or 0 if the name is empty, too long or holds a control. */
size_t	 memline_member(char out[MEMLINE_MAX], uint32_t id, int color,
	    const uint8_t pk[32], const char *name);
/* "gone ID\n" into out: its length. */
size_t	 memline_gone(char out[MEMLINE_MAX], uint32_t id);
/* Parses one line p[0..n) (without its "\n"), through the buf.h reader:
 * 0 and *m filled, or ERR_FORMAT. */
int	 memline_parse(const char *p, size_t n, struct memline *m);

#endif
