/*
 * main.c: the sotto command line: a table of subcommands, each with its
 * own main in src/client/.
 */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <event2/event.h>
#include <sodium.h>

#include "chat.h"
#include "client.h"
#include "relay.h"

#define SOTTO_VERSION "0.1.0"

static int	help_main(int, char **);

static const struct subcommand {
	const char	*name;
	int		(*main)(int, char **);
	const char	*summary;
} subcommands[] = {
	{ "host", host_main, "wait for one person to join, then chat" },
	{ "join", join_main, "join a host's chat (HOST[:PORT]) or a room (INVITATION)" },
	{ "room", room_main, "create a room on a relay: sotto room new --relay HOST" },
	{ "relay", relay_main, "run a relay for rooms (it cannot read the messages)" },
	{ "help", help_main, "help on a subcommand: sotto help host" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: sotto [COMMAND [OPTIONS]]\n"
	    "       sotto --help | --version\n"
	    "\n"
	    "sotto is an end-to-end encrypted terminal chat.  Two people who\n"
	    "share a password talk privately: the password is checked with a\n"
	    "PAKE (CPace), so nobody can guess it offline from what they see\n"
	    "on the network, and every chat has fresh keys.  Many people meet\n"
	    "in rooms on a relay that cannot read what they say; a room is\n"
	    "entered with its invitation.\n"
	    "\n"
	    "With no COMMAND, sotto asks what to do (host, join, create a\n"
	    "room or join one; name, password, port).  Commands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-6s %s\n", subcommands[i].name,
		    subcommands[i].summary);
	fprintf(f,
	    "\n"
	    "Line mode (stdin or stdout not a terminal, or --plain): each input\n"
	    "line is one message; received messages print as 'NAME: TEXT';\n"
	    "notices start with '* '; errors go to stderr.\n"
	    "\n"
	    "In a chat: /help, /me ACTION, /verify, /quit (or bye, exit, Ctrl-D).\n"
	    "In a room also: /who, /msg NAME TEXT, /nick NEW, /verify NAME.\n"
	    "\n"
	    "Exit status:\n"
	    "  0  normal end (you or the peer left)\n"
	    "  2  usage error\n"
	    "  3  authentication failed: wrong password, or someone interfering\n"
	    "  4  connection failed, cut, or tampered with\n"
	    "  5  the peer's identity key changed (line mode refuses it)\n"
	    "\n"
	    "Files: $XDG_CONFIG_HOME/sotto (default ~/.config/sotto): identity\n"
	    "(your key), known_peers (keys pinned on first contact, relays'\n"
	    "included).  The relay keeps its key in $XDG_STATE_HOME/sotto-relay.\n");
}

static int
help_main(int argc, char **argv)
{
	char *sub[3];
	size_t i;

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (strcmp(argv[1], subcommands[i].name) != 0 ||
		    subcommands[i].main == help_main)
			continue;
		sub[0] = argv[1];
		sub[1] = (char *)"--help";
		sub[2] = NULL;
		return subcommands[i].main(2, sub);
	}
	fprintf(stderr, "sotto: no such command '%s'\n", argv[1]);
	return EXIT_USAGE;
}

/* libevent's own warnings would land raw on the user's terminal; sotto
 * reports what matters itself. */
static void
quiet_libevent(int severity, const char *msg)
{
	(void)severity;
	(void)msg;
}

int
main(int argc, char *argv[])
{
	size_t i;
	struct rlimit nocore = { 0, 0 };

	/* A core file would hold keys and messages. */
	setrlimit(RLIMIT_CORE, &nocore);
	setlocale(LC_CTYPE, "");
	event_set_log_callback(quiet_libevent);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		fprintf(stderr, "sotto: cannot initialise libsodium\n");
		return EXIT_CONN;
	}
	if (argc < 2)
		return wizard_main(argc, argv);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("sotto %s\n", SOTTO_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "sotto: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
