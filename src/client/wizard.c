/*
 * wizard.c: `sotto` with no arguments asks what the classic scripts
 * asked -- host or join, name, port or host address, password -- and
 * then runs the chat.  Everything it asks is also a flag.  A slip is
 * asked again rather than ending the program: a busy port (a free one is
 * offered), passwords that don't match, an invitation pasted in pieces;
 * and the port or address is checked before any secret is asked.
 * Across the internet, host and join meet through a relay with a
 * one-time code (rendezvous.h): the host answers 'relay' where it is
 * asked where to listen, the joiner gives the code (Tab completes its
 * words) where it is asked the host's address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <sodium.h>

#include "addr.h"
#include "err.h"
#include "chat.h"
#include "client.h"
#include "config_load.h"
#include "invite.h"
#include "codeprompt.h"
#include "known_peers.h"
#include "proxyconf.h"
#include "rendezvous.h"
#include "words.h"
#include "secret.h"

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
	/* Blanks around an answer are a slip, not part of it. */
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
	n = strspn(out, " \t");
	memmove(out, out + n, strlen(out + n) + 1);
	return 0;
}

#define WIZARD_TRIES	5	/* then the answer counts as no answer */

/*
 * A port free on every address now, or 0.  IPv4 picks it: on a busy
 * machine most ports are held by IPv4 connections, which the port the
 * kernel gives IPv6 doesn't avoid.
 */
static int
free_port(const char *listen_addr)
{
	struct sockaddr_in sin;
	socklen_t len;
	char why[256];
	int fds[8], nfds, i, fd, p, tries;

	for (tries = 0; tries < WIZARD_TRIES; tries++) {
		if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			return 0;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		len = sizeof(sin);
		p = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    getsockname(fd, (struct sockaddr *)&sin, &len) == 0 ?
		    ntohs(sin.sin_port) : 0;
		close(fd);
		nfds = 8;
		if (p > 0 && addr_listen(listen_addr, p, fds, &nfds, why,
		    sizeof(why)) == 0) {
			for (i = 0; i < nfds; i++)
				close(fds[i]);
			return p;
		}
	}
	return 0;
}

/*
 * Host: where to listen, every address (*addr NULL) or one of this
 * machine's, asked until it is one.  0, 1 for 'relay' (no listening: a
 * rendezvous), or -1 at end of input or after too many tries.
 */
static int
ask_listen(char *buf, size_t buflen, const char **addr)
{
	char why[256];
	int fds[8], nfds, i, tries;

	printf("On this network, or across the internet? For someone outside "
	    "your network,\nanswer 'relay' (no port forwarding: you meet "
	    "through a relay with a code).\n");
	for (tries = 0; tries < WIZARD_TRIES; tries++) {
		if (ask("Listen on every address of this machine, or only one "
		    "(e.g. 127.0.0.1)? [all]: ", buf, buflen) != 0)
			return -1;
		if (strcmp(buf, "relay") == 0)
			return 1;
		if (buf[0] == '\0' || strcmp(buf, "all") == 0) {
			*addr = NULL;
			return 0;
		}
		nfds = 8;
		if (addr_listen(buf, 0, fds, &nfds, why, sizeof(why)) == 0) {
			for (i = 0; i < nfds; i++)
				close(fds[i]);
			*addr = buf;
			return 0;
		}
		printf("%s.  Answer 'all', or an address such as 127.0.0.1 "
		    "or ::1.\n", why);
	}
	return -1;
}

/* Host: a port that is free now on listen_addr (NULL: every address;
 * port 0: any), asked until one is; Enter takes the one offered.  0, or
 * -1 at end of input or after too many tries. */
static int
ask_free_port(const char *listen_addr, int *port)
{
	char q[64], port_s[16], why[256];
	int fds[8], nfds, i, p, tries;
	int offer = config_default_port(CLIENT_DEFAULT_PORT);

	for (tries = 0; tries < WIZARD_TRIES; tries++) {
		snprintf(q, sizeof(q), "Port [%d]: ", offer);
		if (ask(q, port_s, sizeof(port_s)) != 0)
			return -1;
		if (port_s[0] == '\0')
			p = offer;
		else if (addr_parse_port(port_s, 1, &p) != 0) {
			printf("A port is a number from 1 to 65535.\n");
			continue;
		}
		nfds = 8;
		if (p == 0 || addr_listen(listen_addr, p, fds, &nfds, why,
		    sizeof(why)) == 0) {
			for (i = 0; p != 0 && i < nfds; i++)
				close(fds[i]);
			*port = p;
			return 0;
		}
		printf("Port %d cannot be used: %s.\n", p, why);
		if ((i = free_port(listen_addr)) > 0) {
			offer = i;
			printf("Port %d is free: press Enter to take it.\n",
			    offer);
		}
	}
	return -1;
}

/* Drops blanks and line breaks a paste may have put in the middle. */
static void
squeeze(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			*o++ = *s;
	*o = '\0';
}

/* An invitation that decodes, read in as many pieces as it was pasted
 * in (or asked again whole).  0 with it in out, or EXIT_USAGE. */
static int
ask_invitation(char *out, size_t outlen)
{
	char part[INVITE_STR_MAX];
	struct invite *inv;
	int e, tries, r = EXIT_USAGE;

	if ((inv = sodium_malloc(sizeof(*inv))) == NULL)
		return EXIT_USAGE;
	if (ask("Invitation: ", out, outlen) != 0)
		goto out;
	squeeze(out);
	for (tries = 0; (e = invite_decode(inv, out)) != 0; tries++) {
		if (tries == WIZARD_TRIES)
			goto out;
		printf("That is not a whole invitation (%s).\n",
		    e == ERR_CHECKSUM ? "its checksum does not match" :
		    err_str(e));
		if (ask("Paste the rest of it, or all of it again: ", part,
		    sizeof(part)) != 0)
			goto out;
		squeeze(part);
		if (invite_decode(inv, part) == 0 ||
		    strlen(out) + strlen(part) >= outlen)
			snprintf(out, outlen, "%s", part);
		else
			strcat(out, part);
	}
	r = 0;
 out:
	sodium_memzero(part, sizeof(part));
	sodium_memzero(inv, sizeof(*inv));
	sodium_free(inv);
	return r;
}

/* The relay for a rendezvous: the default one (SOTTO_RELAY, the
 * config's) on Enter, else asked.  0, or -1 at end of input. */
static int
ask_relay(char *buf, size_t buflen, const char **relay)
{
	const char *def = rdv_default_relay(NULL);
	char q[ADDR_HOSTLEN + 64];
	int tries;

	for (tries = 0; tries < WIZARD_TRIES; tries++) {
		snprintf(q, sizeof(q), "Relay address (HOST or HOST:PORT)%s%s%s: ",
		    def != NULL ? " [" : "", def != NULL ? def : "",
		    def != NULL ? "]" : "");
		if (ask(q, buf, buflen) != 0)
			return -1;
		if (buf[0] == '\0' && def != NULL) {
			*relay = def;
			return 0;
		}
		if (buf[0] != '\0') {
			*relay = buf;
			return 0;
		}
		printf("A relay address looks like relay.example.org or "
		    "relay.example.org:65433.\n");
	}
	return -1;
}

/* The password, asked again when the two don't match (or it can't be
 * read).  0 or an exit status. */
static int
ask_password(struct chat_setup *s, int confirm)
{
	int r = EXIT_USAGE, tries;

	for (tries = 0; tries < WIZARD_TRIES; tries++) {
		if ((r = chat_get_password(s, NULL, confirm)) == 0)
			return 0;
		secret_free(s->password);
		s->password = NULL;
		if (feof(stdin))
			break;
		printf("Please try again.\n");
	}
	return r;
}

int
wizard_main(int argc, char **argv)
{
	struct chat_setup s;
	char role[32], name[64], addr[ADDR_HOSTLEN];
	char host[ADDR_HOSTLEN], q[128];
	const char *login;
	int defport = config_default_port(CLIENT_DEFAULT_PORT);
	int port = defport, hosting, r;

	(void)argc;
	(void)argv;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "sotto: no terminal to ask questions on; "
		    "see 'sotto --help' for the flags\n");
		return EXIT_USAGE;
	}
	/* The config file's or the environment's proxy, as for the flags. */
	if (proxyconf_apply(NULL, 0) != 0)
		return EXIT_USAGE;
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

		if (ask_invitation(inv, sizeof(inv)) != 0)
			return EXIT_USAGE;
		r = room_join_start(&s, inv, name, NULL);
		sodium_memzero(inv, sizeof(inv));
		return r;
	}
	/* Where first, then the secret: a slip costs no retyping. */
	if (hosting) {
		const char *listen_addr = NULL;

		const char *relay;

		if ((r = ask_listen(addr, sizeof(addr), &listen_addr)) == 1) {
			if (ask_relay(addr, sizeof(addr), &relay) != 0)
				return EXIT_USAGE;
			return rdv_host_start(&s, relay, name, NULL,
			    WORDS_DEFAULT, RDV_DEFAULT_EXPIRY, 0);
		}
		if (r != 0 || ask_free_port(listen_addr, &port) != 0)
			return EXIT_USAGE;
		if ((r = ask_password(&s, 1)) != 0)
			return r;
		return host_start(&s, listen_addr, port, name, NULL, 0);
	}
	printf("Across the internet, through a relay: give the code from 'sotto "
	    "host --relay'\ninstead (Tab completes its words).\n");
	for (;;) {
		char why[256];
		uint8_t bytes[WORDS_MAX];
		uint32_t slot;
		size_t nw;

		snprintf(q, sizeof(q), "Host address (HOST or HOST:PORT; port "
		    "%d if none): ", defport);
		if (codeprompt_read(q, addr, sizeof(addr)) != 0)
			return EXIT_USAGE;
		if (words_is_code(addr)) {
			const char *relay;
			char rbuf[ADDR_HOSTLEN];

			if (words_parse(addr, &slot, bytes, &nw, why,
			    sizeof(why)) != 0) {
				printf("%s\n", why);
				sodium_memzero(why, sizeof(why));
				sodium_memzero(addr, sizeof(addr));
				continue;
			}
			sodium_memzero(bytes, sizeof(bytes));
			if (ask_relay(rbuf, sizeof(rbuf), &relay) != 0)
				return EXIT_USAGE;
			r = rdv_join_start(&s, addr, relay, name, NULL);
			sodium_memzero(addr, sizeof(addr));
			return r;
		}
		if (addr_split(addr, defport, 0, host, &port) == 0)
			break;
		printf("An address looks like 192.168.1.10, "
		    "192.168.1.10:65432 or [::1]:65432, and a code like "
		    "7-clockwork-crossover.\n");
	}
	if ((r = ask_password(&s, 0)) != 0)
		return r;
	return join_start(&s, host, port, name, NULL);
}
