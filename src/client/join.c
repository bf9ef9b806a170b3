/*
 * join.c: `sotto join HOST[:PORT]`: connect to a host and chat; after a
 * cut, reconnect to the same HOST:PORT (resolved again, or through the
 * proxy, on the event loop: dial.h) with backoff and resume the
 * conversation without the password (PROTOCOL §12.9).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "addr.h"
#include "chat.h"
#include "client.h"
#include "config_load.h"
#include "conn.h"
#include "dial.h"
#include "err.h"
#include "invite.h"
#include "proxy.h"
#include "proxyconf.h"
#include "rendezvous.h"
#include "words.h"
#include "secret.h"
#include "term.h"

/* Reconnection backoff: the first try within JOIN_FIRST_RETRY s, then
 * doubling (with jitter: each delay is 50-100 % of its step) up to
 * JOIN_MAX_RETRY s; each TCP connect gets JOIN_CONNECT_TIMEOUT s. */
#define JOIN_FIRST_RETRY	1.0
#define JOIN_MAX_RETRY		30.0
#define JOIN_CONNECT_TIMEOUT	10

struct join {
	struct event_base	*base;
	struct chat_setup	 s;
	struct term		*term;
	struct chat		*chat;
	char			 host[ADDR_HOSTLEN];	/* as given */
	int			 port;
	struct event		*retry;	/* the next attempt */
	struct dial		*dial;	/* its connection, if under way */
	struct conn		*attempt;	/* its resumption, if any */
	double			 step;	/* seconds */
	struct event		*quiet;	/* 1 s into the handshake */
	char			 addr[ADDR_HOSTLEN + 16];	/* for notices */
};

/* A sotto host answers a HELLO at once: on a terminal, say so when the
 * handshake is still not done after a second (it may not be sotto at
 * all; the handshake deadline still decides). */
static void
quiet_cb(evutil_socket_t fd, short what, void *arg)
{
	struct join *j = arg;

	(void)fd;
	(void)what;
	if (!chat_done(j->chat) && !chat_connected(j->chat))
		term_notice(j->term, "no answer from %s after 1 s (a sotto host "
		    "answers at once): it may not be a sotto host; giving up "
		    "after %d s", j->addr, j->s.timing.handshake);
}

static void	schedule(struct join *);

static void
attempt_established(struct conn *c, void *arg)
{
	struct join *j = arg;

	j->attempt = NULL;
	conn_set_cbs(c, &chat_conn_cbs, j->chat);
	chat_attach(j->chat, c);
}

static void
attempt_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	(void)c;
	(void)p;
	(void)len;
	(void)arg;
}

static void
attempt_closed(struct conn *c, int err, void *arg)
{
	struct join *j = arg;

	j->attempt = NULL;
	conn_free(c);
	if (err == ERR_NO_SESSION)
		chat_abandon(j->chat, "the host no longer has this "
		    "conversation (it was restarted, or gave up waiting): this "
		    "would be a new conversation; join again with the "
		    "password", EXIT_CONN);
	else if (err == ERR_AUTH)
		chat_abandon(j->chat, "the host refused to resume the "
		    "conversation (authentication failed)", EXIT_AUTH);
	else
		schedule(j);
}

static const struct conn_cbs attempt_cbs = {
	attempt_established, attempt_message, attempt_closed, NULL
};

/* A TCP connection to the host is up: run the resumption on it. */
static void
start_attempt(struct join *j, int fd)
{
	const struct chan_resume *res = chat_resume_params(j->chat);
	struct chan_params cp;

	if (res == NULL) {
		close(fd);
		return;
	}
	memset(&cp, 0, sizeof(cp));
	cp.role = CHAN_CLIENT;
	cp.identity = j->s.id;
	cp.context = (const uint8_t *)CLIENT_CONTEXT_1TO1;
	cp.context_len = strlen(CLIENT_CONTEXT_1TO1);
	cp.resume = res;
	if ((j->attempt = conn_new(j->base, fd, &cp, &j->s.timing,
	    &attempt_cbs, j)) == NULL)
		schedule(j);
}

static void
dialed(int fd, const char *why, void *arg)
{
	struct join *j = arg;

	(void)why;
	j->dial = NULL;
	if (fd < 0) {
		schedule(j);
		return;
	}
	start_attempt(j, fd);
}

/* Reconnects by name, as the first time: through the proxy if one is
 * set, and without blocking the chat's loop. */
static void
retry_cb(evutil_socket_t unused, short what, void *arg)
{
	struct join *j = arg;

	(void)unused;
	(void)what;
	if (chat_done(j->chat) || chat_resume_params(j->chat) == NULL ||
	    j->dial != NULL)
		return;
	if ((j->dial = dial_start(j->base, j->host, j->port,
	    proxy_timeout(JOIN_CONNECT_TIMEOUT * 1000), dialed, j)) == NULL)
		schedule(j);
}

/* The next attempt, after the current backoff step (with jitter). */
static void
schedule(struct join *j)
{
	struct timeval tv;
	double d;

	if (chat_done(j->chat) || chat_resume_params(j->chat) == NULL)
		return;
	d = j->step * (0.5 + 0.5 * randombytes_uniform(1001) / 1000.0);
	tv.tv_sec = (time_t)d;
	tv.tv_usec = (suseconds_t)((d - (double)tv.tv_sec) * 1e6);
	evtimer_add(j->retry, &tv);
	j->step *= 2;
	if (j->step > JOIN_MAX_RETRY)
		j->step = JOIN_MAX_RETRY;
}

static void
chat_lost(struct chat *ch, void *arg)
{
	struct join *j = arg;

	(void)ch;
	j->step = JOIN_FIRST_RETRY;
	schedule(j);
}

static void
term_line(const char *line, size_t len, void *arg)
{
	struct join *j = arg;

	chat_line(j->chat, line, len);
}

/* A pasted line: a message whatever it says. */
static void
term_text(const char *line, size_t len, void *arg)
{
	struct join *j = arg;

	chat_say(j->chat, line, len);
}

static void
term_eof(int interrupted, void *arg)
{
	struct join *j = arg;

	chat_leave(j->chat, interrupted);
}

static int
join_run(struct join *j, const char *host, int port)
{
	static const struct term_cbs tcbs = { term_line, term_eof,
	    term_text };
	static const struct chat_cbs ccbs = { chat_lost, NULL };
	struct chan_params cp;
	struct conn *c;
	char why[256];
	int fd, status = EXIT_CONN;

	if ((fd = addr_connect(host, port, proxy_timeout(10000), why,
	    sizeof(why))) < 0) {
		fprintf(stderr, "sotto: %s\n", why);
		return EXIT_CONN;
	}
	snprintf(j->host, sizeof(j->host), "%s", host);
	j->port = port;
	if ((j->base = event_base_new()) == NULL ||
	    (j->term = term_new(j->base, j->s.plain, &tcbs, j)) == NULL ||
	    (j->chat = chat_new(j->base, j->term, &j->s)) == NULL ||
	    (j->retry = evtimer_new(j->base, retry_cb, j)) == NULL) {
		fprintf(stderr, "sotto: out of memory\n");
		close(fd);
		goto out;
	}
	chat_set_cbs(j->chat, &ccbs, j);
	memset(&cp, 0, sizeof(cp));
	cp.role = CHAN_CLIENT;
	cp.password = j->s.password->p;
	cp.password_len = j->s.password->len;
	cp.identity = j->s.id;
	cp.context = (const uint8_t *)CLIENT_CONTEXT_1TO1;
	cp.context_len = strlen(CLIENT_CONTEXT_1TO1);
	if ((c = conn_new(j->base, fd, &cp, &j->s.timing, &chat_conn_cbs,
	    j->chat)) == NULL) {
		fprintf(stderr, "sotto: cannot start the connection\n");
		goto out;
	}
	chat_attach(j->chat, c);
	/* The channel has its own copy: ours can go now. */
	secret_free(j->s.password);
	j->s.password = NULL;
	if (term_interactive(j->term)) {
		struct timeval sec = { 1, 0 };

		/* Through a proxy, the socket's peer is the proxy. */
		if (proxy_get() != NULL) {
			term_notice(j->term, "connected to %s port %d through "
			    "the proxy %s, authenticating...", host, port,
			    proxy_describe());
			snprintf(j->addr, sizeof(j->addr), "%s port %d", host,
			    port);
		} else {
			term_notice(j->term, "connected to %s, "
			    "authenticating...", conn_peer_addr(c));
			snprintf(j->addr, sizeof(j->addr), "%s",
			    conn_peer_addr(c));
		}
		if ((j->quiet = evtimer_new(j->base, quiet_cb, j)) != NULL)
			evtimer_add(j->quiet, &sec);
	}
	event_base_dispatch(j->base);
	status = chat_exit_status(j->chat);
 out:
	if (j->quiet != NULL)
		event_free(j->quiet);
	conn_free(j->attempt);
	dial_free(j->dial);
	if (j->retry != NULL)
		event_free(j->retry);
	chat_free(j->chat);
	term_free(j->term);
	if (j->base != NULL)
		event_base_free(j->base);
	return status;
}

int
join_start(struct chat_setup *s, const char *host, int port, const char *name,
    const char *pwfile)
{
	struct join *j;
	int r;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return EXIT_CONN;
	j->s = *s;
	if ((r = chat_set_name(&j->s, name)) != 0 ||
	    (r = chat_load_identity(&j->s)) != 0 ||
	    (j->s.password == NULL &&
	    (r = chat_get_password(&j->s, pwfile, 0)) != 0))
		goto out;
	r = join_run(j, host, port);
 out:
	chat_setup_release(&j->s);
	memset(s, 0, sizeof(*s));
	sodium_memzero(j, sizeof(*j));
	free(j);
	return r;
}

/* The invitation from a file's first line (keeps the room secret out of
 * argv, where other users' ps could see it). */
static int
join_invite_file(struct chat_setup *s, const char *path, const char *name,
    const struct room_door *d)
{
	struct secret *inv = NULL;
	int r;

	if ((r = secret_read_file(&inv, path)) != 0) {
		fprintf(stderr, "sotto: cannot read the invitation from %s: "
		    "%s\n", path, r == ERR_IO ? strerror(errno) : err_str(r));
		return EXIT_USAGE;
	}
	r = room_join_start(s, (const char *)inv->p, name, d);
	secret_free(inv);
	return r;
}

static void
join_usage(FILE *f)
{
	fprintf(f,
	    "usage: sotto join HOST[:PORT] [--name NAME] [--password-file FILE]\n"
	    "                  [--reconnect-for SECONDS] [--proxy URL | --no-proxy]\n"
	    "                  [--plain]\n"
	    "       sotto join INVITATION [--name NAME] [--answer-file FILE]\n"
	    "                  [--code-file FILE] [--reconnect-for SECONDS]\n"
	    "                  [--proxy URL | --no-proxy] [--plain]\n"
	    "       sotto join --invite-file FILE [--name NAME] [--answer-file FILE]\n"
	    "                  [--code-file FILE] [--reconnect-for SECONDS]\n"
	    "                  [--proxy URL | --no-proxy] [--plain]\n"
	    "       sotto join CODE [--relay [HOST[:PORT]]] [--name NAME]\n"
	    "                  [--password-file FILE | --ask-password]\n"
	    "                  [--proxy URL | --no-proxy] [--plain]\n"
	    "\n"
	    "Joins a host's 1:1 chat (HOST may be [IPv6]:PORT; default port %d),\n"
	    "or the room of an invitation ('sotto:...', from 'sotto room new').\n"
	    "  --name NAME          your name in the chat (default: login name)\n"
	    "  --password-file FILE read the password from FILE's first line\n"
	    "                       (default: ask on the terminal)\n"
	    "  --reconnect-for S    after a cut (or the relay's restart), keep\n"
	    "                       reconnecting for S seconds (default %d;\n"
	    "                       0: off)\n"
	    "  --invite-file FILE   read the invitation from FILE (keeps the\n"
	    "                       room secret out of the command line)\n"
	    "  --answer-file FILE   a guarded room's answer, from FILE's first\n"
	    "                       line (default: ask on the terminal)\n"
	    "  --code-file FILE     a guarded room's one-time code, likewise\n"
	    "  --relay [HOST[:PORT]] the relay of a code from 'sotto host --relay'\n"
	    "                       (default: SOTTO_RELAY, or the config's relay)\n"
	    "  --ask-password       with a code: the host's password, typed (the\n"
	    "                       default with a code is none)\n"
	    PROXYCONF_USAGE
	    "  --plain              line mode even on a terminal\n",
	    CLIENT_DEFAULT_PORT, CHAT_RECONNECT_FOR);
}

int
join_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "invite-file", required_argument, NULL, 'i' },
		{ "answer-file", required_argument, NULL, 'a' },
		{ "code-file", required_argument, NULL, 'c' },
		{ "reconnect-for", required_argument, NULL, 'R' },
		{ "plain", no_argument, NULL, 'L' },
		{ "relay", optional_argument, NULL, 'r' },
		{ "ask-password", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		PROXYCONF_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	const char *relay = NULL;
	int use_relay = 0, ask_pw = 0;
	struct chat_setup s;
	struct room_door d;
	const char *name = NULL, *pwfile = NULL, *invfile = NULL;
	struct proxyconf_opts po = { NULL, 0 };
	char host[ADDR_HOSTLEN];
	int ch, port;

	chat_setup_init(&s);
	memset(&d, 0, sizeof(d));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "n:P:i:a:c:R:Lr::Ah", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'n':
			name = optarg;
			break;
		case 'P':
			pwfile = optarg;
			break;
		case 'i':
			invfile = optarg;
			break;
		case 'a':
			d.answer_file = optarg;
			break;
		case 'c':
			d.code_file = optarg;
			break;
		case 'R':
			if (room_parse_reconnect(optarg, &d.reconnect_for) != 0)
				return EXIT_USAGE;
			s.reconnect_for = d.reconnect_for;
			d.reconnect_set = 1;
			break;
		case 'L':
			s.plain = 1;
			break;
		case 'r':
			use_relay = 1;
			relay = optarg;
			break;
		case 'A':
			ask_pw = 1;
			break;
		case 'h':
			join_usage(stdout);
			return EXIT_OK;
		default:
			if (proxyconf_option(&po, ch, optarg))
				break;
			return cli_bad_option(argv, "nPiacR" PROXYCONF_WITH_ARGS,
			    join_usage);
		}
	}
	if (proxyconf_apply(po.url, po.none) != 0)
		return EXIT_USAGE;
	if (invfile != NULL) {
		if (optind == argc)
			return join_invite_file(&s, invfile, name, &d);
		fprintf(stderr, "sotto: --invite-file and an address don't "
		    "go together\n");
		return EXIT_USAGE;
	}
	/* A rendezvous code, with --relay [HOST] or the default relay. */
	if (optind < argc && words_is_code(argv[optind])) {
		if (use_relay && relay == NULL && optind + 2 == argc)
			relay = argv[optind + 1];
		else if (optind + 1 != argc)
			return cli_extra_argument(argv[optind + 1], join_usage);
		if (ask_pw && pwfile != NULL) {
			fprintf(stderr, "sotto: --ask-password or "
			    "--password-file, not both\n");
			return EXIT_USAGE;
		}
		return rdv_join_start(&s, argv[optind], relay, name,
		    ask_pw ? rdv_ask_password : pwfile);
	}
	if (ask_pw) {
		fprintf(stderr, "sotto: --ask-password goes with a code\n");
		return EXIT_USAGE;
	}
	if (use_relay) {
		fprintf(stderr, "sotto: --relay goes with a code "
		    "(NUMBER-WORD-WORD, from 'sotto host --relay')\n");
		return EXIT_USAGE;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "sotto: %s\n", optind == argc ?
		    "join needs the host's address: sotto join HOST[:PORT]" :
		    "join takes one address");
		join_usage(stderr);
		return EXIT_USAGE;
	}
	/* "sotto:" and a long payload; "sotto:65432" is a host named sotto. */
	if (invite_is_invitation(argv[optind]) && strlen(argv[optind]) > 40)
		return room_join_start(&s, argv[optind], name, &d);
	if (d.answer_file != NULL || d.code_file != NULL) {
		fprintf(stderr, "sotto: --answer-file and --code-file are for "
		    "a guarded room's invitation\n");
		return EXIT_USAGE;
	}
	if (addr_split(argv[optind], config_default_port(CLIENT_DEFAULT_PORT), 0,
	    host, &port) != 0) {
		fprintf(stderr, "sotto: bad address '%s' (HOST, HOST:PORT or "
		    "[IPv6]:PORT)\n", argv[optind]);
		return EXIT_USAGE;
	}
	return join_start(&s, host, port, name, pwfile);
}
