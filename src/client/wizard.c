/*
 * wizard.c: `sotto` with no arguments asks what the classic scripts
 * asked -- host or join, name, password, port, host address -- and then
 * runs the chat.  Everything it asks is also a flag.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "addr.h"
#include "chat.h"
#include "client.h"
#include "invite.h"
#include "known_peers.h"

/* Reads one answer line; 0, or -1 at end of input. */
static int
ask(const char *q, char *out, size_t outlen)
{
	size_t n;

	fputs(q, stdout);
	fflush(stdout);
	if (fgets(out, (int)outlen, stdin) == NULL)
		return -1;
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	return 0;
}

int
wizard_main(int argc, char **argv)
{
	struct chat_setup s;
	char role[32], name[64], port_s[16], addr[ADDR_HOSTLEN];
	char host[ADDR_HOSTLEN], q[128];
	const char *login;
	int port = CLIENT_DEFAULT_PORT, hosting, r;

	(void)argc;
	(void)argv;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "sotto: no terminal to ask questions on; "
		    "see 'sotto --help' for the flags\n");
		return EXIT_USAGE;
	}
	chat_setup_init(&s);
	printf("sotto: end-to-end encrypted chat\n");
	printf("Two people with a password: host / join.  Many people on a "
	    "relay: new (create a room) / room (join one).\n");
	for (;;) {
		if (ask("Host or join? [host/join/new/room]: ", role,
		    sizeof(role)) != 0)
			return EXIT_USAGE;
		if (strcmp(role, "host") == 0 || strcmp(role, "h") == 0 ||
		    strcmp(role, "join") == 0 || strcmp(role, "j") == 0 ||
		    strcmp(role, "new") == 0 || strcmp(role, "room") == 0)
			break;
		printf("Please answer host, join, new or room.\n");
	}
	hosting = role[0] == 'h';
	login = getenv("USER");
	for (;;) {
		snprintf(q, sizeof(q), "Your name%s%s%s: ",
		    login != NULL && peers_name_valid(login) ? " [" : "",
		    login != NULL && peers_name_valid(login) ? login : "",
		    login != NULL && peers_name_valid(login) ? "]" : "");
		if (ask(q, name, sizeof(name)) != 0)
			return EXIT_USAGE;
		if (name[0] == '\0' && login != NULL && peers_name_valid(login))
			snprintf(name, sizeof(name), "%s", login);
		if (peers_name_valid(name))
			break;
		printf("A name is %s.\n", PEERS_NAME_RULE);
	}
	if (strcmp(role, "new") == 0) {
		struct room_door d;
		char question[256], yn[8];

		memset(&d, 0, sizeof(d));
		if (ask("Relay address (HOST or HOST:PORT): ", addr,
		    sizeof(addr)) != 0 ||
		    ask("Security question newcomers must answer (Enter for "
		    "none): ", question, sizeof(question)) != 0 ||
		    ask("Also a one-time code, read out by a member? [y/N]: ",
		    yn, sizeof(yn)) != 0)
			return EXIT_USAGE;
		d.question = question[0] != '\0' ? question : NULL;
		d.code = yn[0] == 'y' || yn[0] == 'Y';
		return room_new_start(&s, addr, name, NULL, &d);
	}
	if (strcmp(role, "room") == 0) {
		char inv[INVITE_STR_MAX];

		if (ask("Invitation: ", inv, sizeof(inv)) != 0)
			return EXIT_USAGE;
		r = room_join_start(&s, inv, name, NULL);
		sodium_memzero(inv, sizeof(inv));
		return r;
	}
	if ((r = chat_get_password(&s, NULL, hosting)) != 0)
		return r;
	for (;;) {
		snprintf(q, sizeof(q), "Port [%d]: ", CLIENT_DEFAULT_PORT);
		if (ask(q, port_s, sizeof(port_s)) != 0) {
			chat_setup_release(&s);
			return EXIT_USAGE;
		}
		if (port_s[0] == '\0' ||
		    addr_parse_port(port_s, hosting, &port) == 0)
			break;
		printf("A port is a number from 1 to 65535.\n");
	}
	if (hosting)
		return host_start(&s, NULL, port, name, NULL, 0);
	for (;;) {
		if (ask("Host address: ", addr, sizeof(addr)) != 0) {
			chat_setup_release(&s);
			return EXIT_USAGE;
		}
		if (addr_split(addr, port, 0, host, &port) == 0)
			break;
		printf("An address looks like 192.168.1.10, "
		    "192.168.1.10:65432 or [::1]:65432.\n");
	}
	return join_start(&s, host, port, name, NULL);
}
