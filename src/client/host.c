/*
 * host.c: `sotto host`: wait for someone to join with the password,
 * chat, and wait for the next one (--once: exit after one).  Several
 * handshakes may run at once, so a silent connection can't hold the
 * door; the first to authenticate becomes the conversation and later
 * ones are told the host is busy, while the joiner of the conversation
 * may resume it after a cut.  A failed guess slows that address (or
 * IPv6 /64) down, doubling each time; the penalty is checked at every
 * guess, so parallel connections gain nothing.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <sodium.h>

#include "addr.h"
#include "chat.h"
#include "client.h"
#include "config_load.h"
#include "conn.h"
#include "err.h"
#include "privaddr.h"
#include "proxyconf.h"
#include "rendezvous.h"
#include "rdvmsg.h"
#include "secret.h"
#include "term.h"
#include "words.h"

#define HOST_MAX_LISTEN		8
#define HOST_MAX_PENDING	16
#define HOST_MAX_PENDING_IP	4	/* handshakes at once per address */
#define HOST_MAX_PENALTY	1024
#define HOST_MAX_DELAY		60	/* seconds, cap of the doubling */

#define HOST_MAX_DEAD		4	/* ended chats awaiting their reaping */

struct pending {
	struct conn	*c;
	struct host	*h;
	char		 ip[ADDR_STRLEN];	/* as ip_of() */
	int		 failed;	/* a failed guess was reported */
};

struct penalty {
	char		 ip[ADDR_STRLEN];
	int		 failures;
	time_t		 until;
};

struct host {
	struct event_base	*base;
	struct chat_setup	 s;
	struct term		*term;
	struct chat		*chat;		/* the conversation, or NULL */
	struct chat		*dead[HOST_MAX_DEAD];	/* ended, to free */
	struct event		*reap;
	struct evconnlistener	*lev[HOST_MAX_LISTEN];
	int			 nlev;
	struct pending		 pend[HOST_MAX_PENDING];
	struct penalty		 pen[HOST_MAX_PENALTY];
	int			 failures;
	int			 max_failures;
	int			 giving_up;	/* --max-failures reached */
	int			 taking_over;	/* a new conversation replaces a
						 * cut one */
	int			 status;
	int			 done;
	int			 nprivate;	/* local addresses listed: private */
	int			 npublic;	/* and not (loopback left out) */
};

static void
host_end(struct host *h, int status)
{
	if (h->done)
		return;
	h->done = 1;
	h->status = status;
	event_base_loopbreak(h->base);
}

/*
 * Who an address is, for the penalty: an IPv4 address, or the /64 an
 * IPv6 address is in (one host usually has a whole /64 to hop around).
 */
static void
ip_of(const struct sockaddr *sa, char ip[ADDR_STRLEN])
{
	struct sockaddr_in6 s6;

	if (sa->sa_family == AF_INET6) {
		memcpy(&s6, sa, sizeof(s6));
		memset(&s6.sin6_addr.s6_addr[8], 0, 8);
		s6.sin6_port = 0;
		s6.sin6_scope_id = 0;
		if (getnameinfo((struct sockaddr *)&s6, sizeof(s6), ip,
		    ADDR_STRLEN, NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(ip, ADDR_STRLEN, "?");
		else
			strncat(ip, "/64", ADDR_STRLEN - strlen(ip) - 1);
		return;
	}
	if (getnameinfo(sa, sizeof(struct sockaddr_in), ip, ADDR_STRLEN, NULL,
	    0, NI_NUMERICHOST) != 0)
		snprintf(ip, ADDR_STRLEN, "?");
}

static struct penalty *
penalty_find(struct host *h, const char *ip, int create)
{
	struct penalty *oldest = &h->pen[0];
	int i;

	for (i = 0; i < HOST_MAX_PENALTY; i++) {
		if (strcmp(h->pen[i].ip, ip) == 0)
			return &h->pen[i];
		if (h->pen[i].until < oldest->until)
			oldest = &h->pen[i];
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->ip, sizeof(oldest->ip), "%s", ip);
	return oldest;
}

static void
refused_closed(struct conn *c, int err, void *arg)
{
	(void)err;
	(void)arg;
	conn_free(c);
}

static void
noop_established(struct conn *c, void *arg)
{
	(void)c;
	(void)arg;
}

static void
noop_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	(void)c;
	(void)p;
	(void)len;
	(void)arg;
}

static const struct conn_cbs refused_cbs = {
	noop_established, noop_message, refused_closed, NULL
};

static void
refuse(struct conn *c, enum chan_abort why)
{
	conn_set_cbs(c, &refused_cbs, NULL);
	conn_refuse(c, why, ERR_BUSY);
}

static void	pending_established(struct conn *, void *);
static void	pending_closed(struct conn *, int, void *);

static const struct conn_cbs pending_cbs = {
	pending_established, noop_message, pending_closed, NULL
};

/*
 * The guessing gate of every handshake (chan.h): an address in its
 * penalty time may not test a password or resumption secret now, on any
 * of its connections; a failed test starts (or doubles) the penalty at
 * once, before any other connection's next step can run.
 */
static int
host_guess(void *ctx, enum chan_guess what)
{
	struct pending *p = ctx;
	struct host *h;
	struct penalty *pen;
	int delay;

	if (p == NULL || p->h == NULL || p->c == NULL)
		return 1;
	h = p->h;
	if (what == CHAN_GUESS_ASK) {
		pen = penalty_find(h, p->ip, 0);
		return h->giving_up || (pen != NULL && pen->until > time(NULL));
	}
	pen = penalty_find(h, p->ip, 1);
	pen->failures++;
	delay = pen->failures >= 7 ? HOST_MAX_DELAY :
	    1 << (pen->failures - 1);
	pen->until = time(NULL) + delay;
	p->failed = 1;
	h->failures++;
	term_notice(h->term, "failed attempt from %s (wrong password, "
	    "or someone interfering); %s may try again in %d s",
	    conn_peer_addr(p->c), p->ip, delay);
	/* Exit once the ABORT telling the guesser has gone out. */
	if (h->max_failures > 0 && h->failures >= h->max_failures)
		h->giving_up = 1;
	return 0;
}

static void	host_chat_ended(struct chat *, int, void *);

static void
pending_established(struct conn *c, void *arg)
{
	static const struct chat_cbs ccbs = { NULL, host_chat_ended };
	struct pending *p = arg;
	struct host *h = p->h;
	uint8_t sid[CHAN_SID_BYTES], next[CHAN_KEY_BYTES];
	int i, resumed = 0, confirmed;

	p->c = NULL;
	memset(sid, 0, sizeof(sid));
	(void)chan_session(conn_chan(c), sid, next, &resumed, &confirmed);
	sodium_memzero(next, sizeof(next));
	if (resumed) {
		/* The conversation's joiner is back (its session id and
		 * secret were checked by the channel) -- unless that
		 * conversation has been replaced meanwhile. */
		if (h->chat == NULL || !chat_has_session(h->chat, sid)) {
			conn_set_cbs(c, &refused_cbs, NULL);
			conn_close(c);
			return;
		}
		conn_set_cbs(c, &chat_conn_cbs, h->chat);
		chat_attach(h->chat, c);
		return;
	}
	if (h->done || (h->chat != NULL && chat_connected(h->chat))) {
		/* Lost a race with another joiner: a clean goodbye. */
		conn_set_cbs(c, &refused_cbs, NULL);
		conn_close(c);
		return;
	}
	if (h->chat != NULL) {
		h->taking_over = 1;
		chat_abandon(h->chat, "someone joined with the password: the "
		    "conversation that was cut is over, a new one begins",
		    EXIT_CONN);
		h->taking_over = 0;
	}
	for (i = 0; i < HOST_MAX_PENDING; i++)
		if (h->pend[i].c != NULL) {
			refuse(h->pend[i].c, CHAN_ABORT_BUSY);
			h->pend[i].c = NULL;
		}
	if ((h->chat = chat_new(h->base, h->term, &h->s)) == NULL) {
		term_error(h->term, "out of memory");
		conn_free(c);
		host_end(h, EXIT_CONN);
		return;
	}
	chat_set_cbs(h->chat, &ccbs, h);
	conn_set_cbs(c, &chat_conn_cbs, h->chat);
	chat_attach(h->chat, c);
	if (h->s.once) {
		/* Nobody else will be let in: the password has served. */
		secret_free(h->s.password);
		h->s.password = NULL;
	}
}

static void
reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct host *h = arg;
	int i;

	(void)fd;
	(void)what;
	for (i = 0; i < HOST_MAX_DEAD; i++) {
		chat_free(h->dead[i]);
		h->dead[i] = NULL;
	}
}

/* A conversation is over: wait for the next, unless this was the only
 * one (--once) or our user left. */
static void
host_chat_ended(struct chat *ch, int status, void *arg)
{
	struct host *h = arg;
	int i;

	if (ch != h->chat)
		return;
	h->chat = NULL;
	for (i = 0; i < HOST_MAX_DEAD && h->dead[i] != NULL; i++)
		;
	if (i == HOST_MAX_DEAD) {
		/* Cannot happen (one reap per loop turn); keep it bounded. */
		i = 0;
		chat_free(h->dead[0]);
	}
	h->dead[i] = ch;
	event_active(h->reap, 0, 0);
	if (h->s.once || chat_we_left(ch) || h->done) {
		host_end(h, status);
		return;
	}
	h->status = status;
	if (h->taking_over)
		return;
	term_notice(h->term, "waiting for the next conversation (sotto join "
	    "ADDRESS:%d with the same password); /quit to stop",
	    addr_local_port(evconnlistener_get_fd(h->lev[0])));
	/* Between conversations only /quit means anything. */
	term_input(h->term, 1);
}

static void
pending_closed(struct conn *c, int err, void *arg)
{
	struct pending *p = arg;
	struct host *h = p->h;

	p->c = NULL;
	if (p->failed && h->giving_up) {
		term_error(h->term, "%d failed attempt%s: giving up",
		    h->failures, h->failures == 1 ? "" : "s");
		conn_free(c);
		host_end(h, EXIT_AUTH);
		return;
	}
	if (err == ERR_AUTH && p->failed)
		;	/* reported as a failed attempt already */
	else if (err == ERR_RETRY_LATER)
		term_notice(h->term, "connection from %s refused: %s is "
		    "waiting out its penalty", conn_peer_addr(c), p->ip);
	else if (err == ERR_WRONG_KIND)
		term_notice(h->term, "connection from %s refused: it asked for "
		    "a relay (a room's link), and this is a 1:1 host (not a "
		    "guess: not counted)", conn_peer_addr(c));
	else if (err == ERR_TIMEOUT)
		term_notice(h->term, "connection from %s dropped: no handshake "
		    "within %d s", conn_peer_addr(c), h->s.timing.handshake);
	else
		term_notice(h->term, "connection from %s dropped: %s",
		    conn_peer_addr(c), err_str(err));
	conn_free(c);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct host *h = arg;
	struct chan_params cp;
	struct penalty *pen;
	char addr[ADDR_STRLEN], ip[ADDR_STRLEN];
	struct pending *slot = NULL;
	struct conn *c;
	int i, same_ip = 0;

	(void)l;
	addr_format(sa, (socklen_t)salen, addr, sizeof(addr));
	ip_of(sa, ip);
	memset(&cp, 0, sizeof(cp));
	cp.role = CHAN_SERVER;
	if (h->s.password != NULL) {
		cp.password = h->s.password->p;
		cp.password_len = h->s.password->len;
	}
	/* While a conversation goes on, its joiner may resume it; a new
	 * one may take over only once the old is cut (not with --once). */
	if (h->chat != NULL) {
		cp.resume = chat_resume_params(h->chat);
		cp.resume_only = chat_connected(h->chat) ||
		    h->s.password == NULL;
	}
	cp.guess = host_guess;
	cp.identity = h->s.id;
	cp.context = (const uint8_t *)CLIENT_CONTEXT_1TO1;
	cp.context_len = strlen(CLIENT_CONTEXT_1TO1);
	for (i = 0; i < HOST_MAX_PENDING; i++) {
		if (h->pend[i].c == NULL && slot == NULL)
			slot = &h->pend[i];
		else if (h->pend[i].c != NULL && strcmp(h->pend[i].ip, ip) == 0)
			same_ip++;
	}
	if (same_ip >= HOST_MAX_PENDING_IP)
		slot = NULL;
	if (slot != NULL) {
		memset(slot, 0, sizeof(*slot));
		slot->h = h;
		snprintf(slot->ip, sizeof(slot->ip), "%s", ip);
	}
	cp.guess_ctx = slot;
	if ((c = conn_new(h->base, fd, &cp, &h->s.timing, &pending_cbs,
	    slot)) == NULL)
		return;
	pen = penalty_find(h, ip, 0);
	if (slot == NULL)
		refuse(c, CHAN_ABORT_BUSY);
	else if (pen != NULL && pen->until > time(NULL))
		refuse(c, CHAN_ABORT_RETRY);
	else
		slot->c = c;
}

static void
print_addr(const char *a, void *arg)
{
	struct host *h = arg;
	int v6 = strchr(a, ':') != NULL, priv = addr_is_private(a);

	term_notice(h->term, v6 ? "listening on [%s]:%d%s" :
	    "listening on %s:%d%s", a,
	    addr_local_port(evconnlistener_get_fd(h->lev[0])),
	    priv ? " (private)" : "");
	if (addr_is_loopback(a))
		return;
	if (priv)
		h->nprivate++;
	else
		h->npublic++;
}

/* What can be told of reaching us from outside: a private address is
 * not, unless something forwards a port to it (which we can't see). */
static void
say_reach(struct host *h, const char *listen_addr)
{
	if (listen_addr != NULL && !addr_is_loopback(listen_addr)) {
		if (addr_is_private(listen_addr))
			h->nprivate++;
		else
			h->npublic++;
	}
	if (h->nprivate > 0 && h->npublic == 0)
		term_notice(h->term, "this address is private; people outside "
		    "your network need a relay (sotto host --relay)");
}

static void
term_line(const char *line, size_t len, void *arg)
{
	struct host *h = arg;

	if (h->chat != NULL)
		chat_line(h->chat, line, len);
	else if (chat_is_leave(line, len))
		host_end(h, EXIT_OK);
	else if (len > 0)
		term_notice(h->term, "nobody is connected: not sent");
}

/* A pasted line: a message whatever it says. */
static void
term_text(const char *line, size_t len, void *arg)
{
	struct host *h = arg;

	chat_say(h->chat, line, len);
}

static void
term_eof(int interrupted, void *arg)
{
	struct host *h = arg;

	if (h->chat != NULL)
		chat_leave(h->chat, interrupted);
	else
		host_end(h, EXIT_OK);
}

/* Runs the host.  Returns the exit status. */
static int
host_run(struct host *h, const char *listen_addr, int port)
{
	static const struct term_cbs tcbs = { term_line, term_eof,
	    term_text };
	char why[256];
	int fds[HOST_MAX_LISTEN], nfds = HOST_MAX_LISTEN, i, status;

	if (addr_listen(listen_addr, port, fds, &nfds, why, sizeof(why)) != 0) {
		fprintf(stderr, "sotto: %s\n", why);
		return EXIT_CONN;
	}
	if ((h->base = event_base_new()) == NULL ||
	    (h->term = term_new(h->base, h->s.plain, &tcbs, h)) == NULL ||
	    (h->reap = event_new(h->base, -1, 0, reap_cb, h)) == NULL) {
		fprintf(stderr, "sotto: out of memory\n");
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		status = EXIT_CONN;
		goto out;
	}
	for (i = 0; i < nfds; i++) {
		evutil_make_socket_nonblocking(fds[i]);
		if ((h->lev[h->nlev] = evconnlistener_new(h->base, accept_cb, h,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1,
		    fds[i])) == NULL) {
			close(fds[i]);
			continue;
		}
		h->nlev++;
	}
	if (listen_addr != NULL)
		term_notice(h->term, strchr(listen_addr, ':') != NULL ?
		    "listening on [%s]:%d" : "listening on %s:%d", listen_addr,
		    addr_local_port(evconnlistener_get_fd(h->lev[0])));
	else
		addr_list_local(print_addr, h);
	say_reach(h, listen_addr);
	term_notice(h->term, "waiting for someone to join (sotto join "
	    "ADDRESS:%d); your name is %s",
	    addr_local_port(evconnlistener_get_fd(h->lev[0])), h->s.name);
	/* On a terminal /quit works while waiting; in line mode lines read
	 * before the first conversation are held for it (PROTOCOL §12.4). */
	if (term_interactive(h->term))
		term_input(h->term, 1);
	event_base_dispatch(h->base);
	status = h->status;
 out:
	for (i = 0; i < HOST_MAX_PENDING; i++)
		conn_free(h->pend[i].c);
	for (i = 0; i < h->nlev; i++)
		evconnlistener_free(h->lev[i]);
	chat_free(h->chat);
	for (i = 0; i < HOST_MAX_DEAD; i++)
		chat_free(h->dead[i]);
	if (h->reap != NULL)
		event_free(h->reap);
	term_free(h->term);
	if (h->base != NULL)
		event_base_free(h->base);
	return status;
}

static void
host_usage(FILE *f)
{
	fprintf(f,
	    "usage: sotto host [--listen ADDR] [--port N] [--name NAME]\n"
	    "                  [--password-file FILE] [--max-failures N] [--once]\n"
	    "                  [--reconnect-for SECONDS] [--plain]\n"
	    "       sotto host --relay [HOST[:PORT]] [--name NAME]\n"
	    "                  [--password-file FILE] [--code-words N]\n"
	    "                  [--code-expiry SECONDS] [--max-failures N]\n"
	    "                  [--ask-password] [--proxy URL | --no-proxy]\n"
	    "                  [--plain]\n"
	    "\n"
	    "Waits for someone to join with the same password, chats, and waits\n"
	    "for the next conversation (until /quit or Ctrl-C).\n"
	    "  --listen ADDR        listen on this local address only (default: all)\n"
	    "  --port N             TCP port (default %d; 0 picks a free one)\n"
	    "  --name NAME          your name in the chat (default: login name)\n"
	    "  --password-file FILE read the password from FILE's first line\n"
	    "                       (default: ask twice on the terminal)\n"
	    "  --max-failures N     exit (status 3) after N failed attempts\n"
	    "                       (default: keep waiting; with --relay: %d\n"
	    "                       codes used up)\n"
	    "  --once               exit after one conversation\n"
	    "  --reconnect-for S    keep a cut conversation open for the joiner\n"
	    "                       to resume for S seconds (default %d; 0: off)\n"
	    "  --plain              line mode even on a terminal\n"
	    "  --relay [HOST[:PORT]] no listening: chat through this relay\n"
	    "                       (default: SOTTO_RELAY, or the config's relay)\n"
	    "                       with a one-time code (NUMBER-WORD-WORD); the\n"
	    "                       password is then optional (--password-file,\n"
	    "                       or --ask-password to type it twice)\n"
	    "  --code-words N       words in the code (%d to %d, default %d)\n"
	    "  --code-expiry S      the code expires after S seconds (default %d)\n"
	    "with --relay (a direct host only listens):\n"
	    PROXYCONF_USAGE,
	    CLIENT_DEFAULT_PORT, RDV_DEFAULT_MAX_FAILURES, CHAT_RECONNECT_FOR,
	    WORDS_MIN, WORDS_MAX,
	    WORDS_DEFAULT, RDV_DEFAULT_EXPIRY);
}

int
host_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "max-failures", required_argument, NULL, 'm' },
		{ "plain", no_argument, NULL, 'L' },
		{ "once", no_argument, NULL, '1' },
		{ "reconnect-for", required_argument, NULL, 'R' },
		{ "relay", optional_argument, NULL, 'r' },
		{ "code-words", required_argument, NULL, 'w' },
		{ "code-expiry", required_argument, NULL, 'e' },
		{ "ask-password", no_argument, NULL, 'A' },
		PROXYCONF_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct host h;
	const char *listen_addr = NULL, *name = NULL, *pwfile = NULL;
	const char *relay = NULL;
	struct proxyconf_opts po = { NULL, 0 };
	int ch, port = config_default_port(CLIENT_DEFAULT_PORT);
	int use_relay = 0, nwords = WORDS_DEFAULT, expiry = RDV_DEFAULT_EXPIRY;
	int ask_pw = 0;

	memset(&h, 0, sizeof(h));
	chat_setup_init(&h.s);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "l:p:n:P:m:L1R:r::w:e:Ah", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'l':
			listen_addr = optarg;
			break;
		case 'p':
			if (addr_parse_port(optarg, 1, &port) != 0) {
				fprintf(stderr, "sotto: bad port '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			name = optarg;
			break;
		case 'P':
			pwfile = optarg;
			break;
		case 'm':
			h.max_failures = cli_int(optarg, 1, INT_MAX);
			if (h.max_failures < 1) {
				fprintf(stderr, "sotto: bad --max-failures\n");
				return EXIT_USAGE;
			}
			break;
		case 'L':
			h.s.plain = 1;
			break;
		case '1':
			h.s.once = 1;
			break;
		case 'R':
			if ((h.s.reconnect_for = cli_seconds(optarg)) < 0) {
				fprintf(stderr, "sotto: bad --reconnect-for "
				    "'%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'r':
			use_relay = 1;
			relay = optarg;
			break;
		case 'A':
			ask_pw = 1;
			break;
		case 'w':
			nwords = cli_int(optarg, WORDS_MIN, WORDS_MAX);
			if (nwords < WORDS_MIN) {
				fprintf(stderr, "sotto: --code-words takes %d to "
				    "%d\n", WORDS_MIN, WORDS_MAX);
				return EXIT_USAGE;
			}
			break;
		case 'e':
			if ((expiry = cli_seconds(optarg)) < 1 ||
			    expiry > RDVMSG_MAX_EXPIRY) {
				fprintf(stderr, "sotto: --code-expiry takes 1 to "
				    "%d seconds\n", RDVMSG_MAX_EXPIRY);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			host_usage(stdout);
			return EXIT_OK;
		default:
			if (proxyconf_option(&po, ch, optarg))
				break;
			return cli_bad_option(argv, "lpnPmRwe"
			    PROXYCONF_WITH_ARGS, host_usage);
		}
	}
	/* --relay HOST: the address comes as the one argument. */
	if (use_relay && relay == NULL && optind + 1 == argc)
		relay = argv[optind++];
	if (optind != argc)
		return cli_extra_argument(argv[optind], host_usage);
	if (ask_pw && (!use_relay || pwfile != NULL)) {
		fprintf(stderr, "sotto: --ask-password goes with --relay, "
		    "instead of --password-file\n");
		return EXIT_USAGE;
	}
	if (ask_pw)
		pwfile = rdv_ask_password;
	if (use_relay && listen_addr != NULL) {
		fprintf(stderr, "sotto: --listen and --relay don't go together "
		    "(through a relay nothing listens)\n");
		return EXIT_USAGE;
	}
	if (!use_relay && (po.url != NULL || po.none)) {
		fprintf(stderr, "sotto: --proxy and --no-proxy go with --relay "
		    "(a direct host only listens)\n");
		return EXIT_USAGE;
	}
	/* Through a relay the host connects out: the proxy applies. */
	if (use_relay && proxyconf_apply(po.url, po.none) != 0)
		return EXIT_USAGE;
	if (use_relay)
		return rdv_host_start(&h.s, relay, name, pwfile, nwords,
		    expiry, h.max_failures);
	return host_start(&h.s, listen_addr, port, name, pwfile,
	    h.max_failures);
}

int
host_start(struct chat_setup *s, const char *listen_addr, int port,
    const char *name, const char *pwfile, int max_failures)
{
	struct host *h;
	int r;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return EXIT_CONN;
	h->s = *s;
	h->max_failures = max_failures;
	if ((r = chat_set_name(&h->s, name)) != 0 ||
	    (r = chat_load_identity(&h->s)) != 0 ||
	    (h->s.password == NULL &&
	    (r = chat_get_password(&h->s, pwfile, 1)) != 0))
		goto out;
	r = host_run(h, listen_addr, port);
 out:
	chat_setup_release(&h->s);
	memset(s, 0, sizeof(*s));
	sodium_memzero(h, sizeof(*h));
	free(h);
	return r;
}
