/* tui_help.c: every chat command with a line on what it does, for
 * /help, /help CMD and Tab completion. */
#include <string.h>

#include "tui_impl.h"

const struct tui_help tui_help[] = {
	{ "/help", "[CMD]", "every command, or what CMD does", TUI_HELP_BOTH },
	{ "/me", "ACTION", "say what you do: '* alice waves'", TUI_HELP_BOTH },
	{ "/msg", "NAME TEXT", "a private message to one member",
	    TUI_HELP_ROOM },
	{ "/nick", "NEW", "change your name in the room", TUI_HELP_ROOM },
	{ "/who", "", "the members, their key tags, and whom you verified",
	    TUI_HELP_ROOM },
	{ "/verify", "[NAME]", "the safety number (room: the room code, or "
	    "with NAME)", TUI_HELP_BOTH },
	{ "/trust", "[NAME]", "record that you compared NAME's safety number: "
	    "verified from now on, until their key changes", TUI_HELP_BOTH },
	{ "/security", "", "what this conversation protects, and what the "
	    "network and the relay see", TUI_HELP_BOTH },
	{ "/code", "", "the room's one-time code for newcomers",
	    TUI_HELP_ROOM },
	{ "/invite", "", "the room's invitation again (it lets anyone in: "
	    "share it privately)", TUI_HELP_ROOM },
	{ "/away", "[TEXT]", "say you are away (with TEXT), or back",
	    TUI_HELP_BOTH },
	{ "/ignore", "[NAME]", "hide NAME's messages here (again: show "
	    "them); alone: who is ignored", TUI_HELP_BOTH },
	{ "/clear", "", "empty this window's scrollback", TUI_HELP_BOTH },
	{ "/join", "[INVITATION]", "enter a room in a new window (alone: the "
	    "invitation is asked without echo)", TUI_HELP_BOTH },
	{ "/connect", "HOST[:PORT]", "a 1:1 chat with a host in a new window "
	    "(the password is asked without echo)", TUI_HELP_BOTH },
	{ "/host", "[PORT]", "wait for someone to join a 1:1 chat, in a new "
	    "window (the password twice, without echo)", TUI_HELP_BOTH },
	{ "/window", "N", "show window N (also Alt-1...Alt-9, Alt-Left/Right)",
	    TUI_HELP_BOTH },
	{ "/close", "", "end this window's conversation and close it",
	    TUI_HELP_BOTH },
	{ "/quit", "[MESSAGE]", "leave (saying MESSAGE first); also Ctrl-D, "
	    "or 'bye'/'exit' alone, which ask first", TUI_HELP_BOTH },
};

const size_t tui_nhelp = sizeof(tui_help) / sizeof(tui_help[0]);

const struct tui_help *
tui_help_find(const char *name)
{
	size_t i;

	for (i = 0; i < tui_nhelp; i++)
		if (strcmp(tui_help[i].name, name) == 0 ||
		    strcmp(tui_help[i].name + 1, name) == 0)
			return &tui_help[i];
	return NULL;
}
