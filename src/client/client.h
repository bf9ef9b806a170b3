/*
 * client.h: the chat programs' entry points (one per subcommand) and
 * what they share.
 */
#ifndef SOTTO_CLIENT_H
#define SOTTO_CLIENT_H

#include <stdio.h>

struct chat_setup;

/* After getopt_long returned '?': prints which option is unknown or lacks
 * its argument (with_args: the short options taking one), then usage on
 * stderr.  Returns EXIT_USAGE. */
int	 cli_bad_option(char **argv, const char *with_args,
	    void (*usage)(FILE *));
/* A positional argument the command doesn't take.  Returns EXIT_USAGE. */
int	 cli_extra_argument(const char *arg, void (*usage)(FILE *));
/* A decimal number of seconds, 0 to CLI_MAX_SECONDS; -1 if it isn't. */
#define CLI_MAX_SECONDS	(7 * 86400)
int	 cli_seconds(const char *s);
/* A whole decimal number in [lo, hi] (lo >= 0), nothing else after it;
 * -1 if it isn't one. */
int	 cli_int(const char *s, int lo, int hi);

#define CLIENT_DEFAULT_PORT	65432
/* Bound into CPace's channel identifier: a 1:1 chat's handshake can't be
 * confused with any other use of the channel. */
#define CLIENT_CONTEXT_1TO1	"sotto 1:1 chat"

int	 host_main(int argc, char **argv);
int	 join_main(int argc, char **argv);
/* The interactive start: `sotto` with no arguments. */
int	 wizard_main(int argc, char **argv);

/* Run a host or a join with a prepared setup (the wizard's way in);
 * they take over s (its secrets are freed) and return an exit status.
 * A NULL name/pwfile means default/ask; s->password may be set already. */
int	 host_start(struct chat_setup *s, const char *listen_addr, int port,
	    const char *name, const char *pwfile, int max_failures);
int	 join_start(struct chat_setup *s, const char *host, int port,
	    const char *name, const char *pwfile);

/* Rooms on a relay (room.c): `sotto room new ...`, and `sotto join
 * INVITATION` (join_main hands invitations over).  Exit statuses. */
int	 room_main(int argc, char **argv);
/* A guarded room's door (gate.h): what `room new` asks newcomers for,
 * and where either side reads its answers (NULL: ask on the terminal).
 * Borrowed strings. */
/* Relay addresses a room's invitation can carry (= INVITE_ADDR_MAX). */
#define ROOM_RELAYS_MAX	8

struct room_door {
	const char	*question;	/* room new --question */
	int		 code;		/* room new --one-time-code */
	const char	*answer_file;	/* --answer-file */
	const char	*code_file;	/* join --code-file */
	/* --reconnect-for SECONDS, when reconnect_set (else 600). */
	int		 reconnect_set;
	int		 reconnect_for;
	/* room new: --relay given more than once (a cluster's nodes): the
	 * addresses after the first, in order. */
	const char	*more_relays[ROOM_RELAYS_MAX - 1];
	size_t		 nmore_relays;
};
/* Parses --reconnect-for's argument (0..86400): 0, or EXIT_USAGE after
 * saying why on stderr. */
int	 room_parse_reconnect(const char *arg, int *seconds);
/* d may be NULL (an open room; join: ask on the terminal). */
int	 room_new_start(struct chat_setup *s, const char *relay,
	    const char *name, const char *invite_file,
	    const struct room_door *d);
int	 room_join_start(struct chat_setup *s, const char *invitation,
	    const char *name, const struct room_door *d);

#endif
