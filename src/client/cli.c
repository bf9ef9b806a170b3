/* cli.c: the command-line error messages every subcommand shares. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "client.h"

int
cli_bad_option(char **argv, const char *with_args, void (*usage)(FILE *))
{
	/* getopt_long has set optopt (0 for an unknown long option) and
	 * moved optind past the offending word. */
	fprintf(stderr, "sotto: %s: %s\n", optopt != 0 &&
	    strchr(with_args, optopt) != NULL ? "missing argument" :
	    "unknown option", argv[optind - 1]);
	usage(stderr);
	return EXIT_USAGE;
}

int
cli_extra_argument(const char *arg, void (*usage)(FILE *))
{
	fprintf(stderr, "sotto: unexpected argument '%s'\n", arg);
	usage(stderr);
	return EXIT_USAGE;
}

int
cli_int(const char *s, int lo, int hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	return (int)v;
}

int
cli_seconds(const char *s)
{
	return cli_int(s, 0, CLI_MAX_SECONDS);
}
