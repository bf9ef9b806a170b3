/* chat.c: one 1:1 conversation on a secure connection (see chat.h). */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "chat.h"
#include "config_load.h"
#include "conn.h"
#include "err.h"
#include "identity.h"
#include "keyfile.h"
#include "known_peers.h"
#include "msg.h"
#include "pwstrength.h"
#include "secret.h"
#include "term.h"

struct chat {
	struct event_base	*base;
	struct term		*term;
	const struct chat_setup	*s;
	struct conn		*conn;
	char			 peer[MSG_MAX_NAME + 1];
	int			 peer_color;
	char			 safety[SAFETY_NUMBER_LEN + 1];
	int			 own_color;
	int			 got_info;
	int			 confirming;	/* asking about a changed key */
	int			 we_left;
	int			 hangup;	/* we ended it: status below */
	int			 refused;	/* the peer ended it: REFUSE */
	int			 hangup_status;
	int			 done;
	int			 status;
};

static const char HELP[] =
    "commands: /help  /me ACTION  /verify  /quit (also 'bye', 'exit', "
    "Ctrl-D); a line starting with // sends a line starting with /";

void
chat_setup_init(struct chat_setup *s)
{
	struct conn_timing t = CONN_TIMING_DEFAULT;

	memset(s, 0, sizeof(*s));
	s->timing = t;
}

void
chat_setup_release(struct chat_setup *s)
{
	secret_free(s->password);
	identity_free(s->id);
	s->password = NULL;
	s->id = NULL;
}

int
chat_key_color(const uint8_t pk[IDENTITY_PK_BYTES])
{
	uint8_t h[8];

	crypto_generichash(h, sizeof(h), pk, IDENTITY_PK_BYTES,
	    (const uint8_t *)"sotto colour v1", 15);
	/* Components 1..5 of 0..5: never black, rarely too dark. */
	return 16 + 36 * (1 + h[0] % 5) + 6 * (1 + h[1] % 5) + (1 + h[2] % 5);
}

const char *
chat_err_text(int err)
{
	switch (err) {
	case ERR_CUT:
		return "the connection was cut";
	case ERR_TIMEOUT:
		return "the peer stopped responding";
	case ERR_RECORD:
		return "a message failed authentication: the connection was "
		    "tampered with, and has been closed";
	}
	return err_str(err);
}

int
chat_err_status(int err)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case ERR_AUTH:
		return EXIT_AUTH;
	}
	return EXIT_CONN;
}

struct chat *
chat_new(struct event_base *base, struct term *t, const struct chat_setup *s)
{
	struct chat *ch;

	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return NULL;
	ch->base = base;
	ch->term = t;
	ch->s = s;
	ch->own_color = chat_key_color(s->id->pk);
	return ch;
}

void
chat_free(struct chat *ch)
{
	if (ch == NULL)
		return;
	conn_free(ch->conn);
	free(ch);
}

static void
end(struct chat *ch, int status)
{
	if (ch->done)
		return;
	ch->done = 1;
	ch->status = status;
	term_input(ch->term, 0);
	event_base_loopbreak(ch->base);
}

/*
 * We end the conversation (bad message, refused key): send the close
 * record and let it go out; the chat ends with 'status' once the
 * connection is done.  Input stops now.
 */
static void	send_msg(struct chat *, uint8_t, const uint8_t *, size_t);

static void
hang_up(struct chat *ch, int status, enum msg_refuse why)
{
	uint8_t reason = (uint8_t)why;

	/* Tell the peer why, so it doesn't think we simply left. */
	if (why != 0 && chan_established(conn_chan(ch->conn)))
		send_msg(ch, MSG_REFUSE, &reason, 1);
	ch->we_left = 1;
	ch->hangup = 1;
	ch->hangup_status = status;
	term_input(ch->term, 0);
	conn_close(ch->conn);
}

static void
send_msg(struct chat *ch, uint8_t type, const uint8_t *p, size_t len)
{
	struct buf b;
	int r;

	buf_init(&b, 1 + MSG_MAX_TEXT);
	if ((r = msg_put(&b, type, p, len)) != 0)
		term_error(ch->term, "%s: not sent",
		    r == ERR_TOO_LARGE ? "message longer than 4096 bytes" :
		    err_str(r));
	else if ((r = conn_send(ch->conn, buf_ptr(&b), buf_len(&b))) != 0)
		term_error(ch->term, "not sent: %s", err_str(r));
	else if (conn_pending(ch->conn) > CONN_HIGH_WATER)
		term_hold(ch->term, 1);	/* until on_drained */
	buf_release(&b);
}

void
chat_attach(struct chat *ch, struct conn *c)
{
	ch->conn = c;
}

void
chat_start(struct chat *ch)
{
	send_msg(ch, MSG_INFO, (const uint8_t *)ch->s->name,
	    strlen(ch->s->name));
}

static void
show_verify(struct chat *ch)
{
	const struct chan *cn = conn_chan(ch->conn);
	char tag[IDENTITY_TAG_LEN + 1];
	uint8_t pk[IDENTITY_PK_BYTES];
	uint64_t seen = 0;
	int found = 0;

	identity_tag(tag, chan_peer_identity(cn));
	term_notice(ch->term, "safety number with %s: %s", ch->peer,
	    ch->safety);
	term_notice(ch->term, "compare it with %s over another channel (in "
	    "person, or a call); if it matches, nobody is in between", ch->peer);
	if (peers_lookup(ch->s->peers_path, ch->peer, pk, &seen, &found) == 0 &&
	    found && sodium_memcmp(pk, chan_peer_identity(cn),
	    IDENTITY_PK_BYTES) == 0)
		term_notice(ch->term, "%s's key %s is pinned in %s", ch->peer,
		    tag, ch->s->peers_path);
	else
		term_notice(ch->term, "%s's key %s is not pinned", ch->peer,
		    tag);
}

/* The chat proper begins: the peer's name is known and trusted. */
static void
chat_ready(struct chat *ch)
{
	char prompt[128], cb[16];

	snprintf(prompt, sizeof(prompt), "1:1 with %s (%s)", ch->peer,
	    conn_peer_addr(ch->conn));
	term_set_title(ch->term, 0, prompt);
	term_set_self(ch->term, ch->s->name, ch->own_color, ch->s->confdir);
	term_member(ch->term, 0, ch->peer, ch->peer_color,
	    chan_peer_identity(conn_chan(ch->conn)));
	term_set_link(ch->term, TERM_LINK_UP);
	term_notice(ch->term, "connected to %s (%s)", ch->peer,
	    conn_peer_addr(ch->conn));
	term_notice(ch->term, "end-to-end encrypted, safety number: %s",
	    ch->safety);
	if (term_interactive(ch->term)) {
		term_notice(ch->term, "%s", HELP);
		snprintf(prompt, sizeof(prompt), "%s%s%s> ",
		    term_color(ch->term, ch->own_color, cb), ch->s->name,
		    term_reset(ch->term));
		term_set_prompt(ch->term, prompt);
	}
	term_input(ch->term, 1);
}

/* The peer's INFO: its name, checked against the pinned keys. */
static void
on_info(struct chat *ch, const struct msg *m)
{
	const uint8_t *pk = chan_peer_identity(conn_chan(ch->conn));
	char tag[IDENTITY_TAG_LEN + 1];
	int status = 0, r;

	memcpy(ch->peer, m->data, m->len);
	ch->peer[m->len] = '\0';
	if (strlen(ch->peer) != m->len || !peers_name_valid(ch->peer)) {
		term_error(ch->term, "the peer sent an invalid name");
		ch->peer[0] = '\0';
		hang_up(ch, EXIT_CONN, MSG_REFUSE_BAD_NAME);
		return;
	}
	ch->got_info = 1;
	ch->peer_color = chat_key_color(pk);
	identity_safety_number(ch->safety, ch->s->id->pk, pk);
	identity_tag(tag, pk);
	if ((r = peers_check(ch->s->peers_path, ch->peer, pk, &status)) != 0) {
		term_error(ch->term, "cannot read %s: %s", ch->s->peers_path,
		    err_str(r));
		hang_up(ch, EXIT_CONN, 0);
		return;
	}
	switch (status) {
	case PEERS_NEW:
		if ((r = peers_pin(ch->s->peers_path, ch->peer, pk)) != 0)
			term_error(ch->term, "cannot pin %s's key in %s: %s",
			    ch->peer, ch->s->peers_path, err_str(r));
		else
			term_notice(ch->term, "first contact with %s: key %s "
			    "pinned (trust on first use); use /verify to "
			    "compare safety numbers", ch->peer, tag);
		break;
	case PEERS_MATCH:
		break;
	case PEERS_CHANGED:
		term_error(ch->term, "WARNING: %s's identity key has CHANGED "
		    "(now %s). Someone may be impersonating %s, or %s "
		    "reinstalled sotto. Verify the safety number with %s "
		    "over another channel.", ch->peer, tag, ch->peer, ch->peer,
		    ch->peer);
		if (!term_interactive(ch->term)) {
			term_error(ch->term, "refusing the connection (line "
			    "mode); remove %s's line from %s to accept the new "
			    "key", ch->peer, ch->s->peers_path);
			hang_up(ch, EXIT_IDENTITY, MSG_REFUSE_KEY_CHANGED);
			return;
		}
		term_notice(ch->term, "safety number: %s", ch->safety);
		term_notice(ch->term, "type 'yes' to trust the new key, "
		    "anything else to hang up");
		ch->confirming = 1;
		conn_pause(ch->conn, 1);
		term_set_prompt(ch->term, "trust the new key? ");
		term_input(ch->term, 1);
		return;
	}
	chat_ready(ch);
}

static void
on_established(struct conn *c, void *arg)
{
	(void)c;
	chat_start(arg);
}

static void
on_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	struct chat *ch = arg;
	struct msg m;
	int r;

	(void)c;
	if (ch->done)
		return;
	if ((r = msg_parse(&m, p, len)) != 0 ||
	    (m.type == MSG_INFO) == ch->got_info) {
		term_error(ch->term, "the peer sent a malformed message (%s)",
		    r != 0 ? err_str(r) : "unexpected");
		hang_up(ch, EXIT_CONN, MSG_REFUSE_PROTOCOL);
		return;
	}
	switch (m.type) {
	case MSG_INFO:
		on_info(ch, &m);
		break;
	case MSG_TEXT:
		term_message(ch->term, ch->peer, ch->peer_color, m.data, m.len);
		break;
	case MSG_ACTION:
		term_action(ch->term, ch->peer, ch->peer_color, m.data, m.len);
		break;
	case MSG_REFUSE:
		term_error(ch->term, "%s ended the chat: %s", ch->peer,
		    m.data[0] == MSG_REFUSE_KEY_CHANGED ? "your identity key "
		    "is not the one they pinned for you (did you reinstall "
		    "sotto?); compare safety numbers" :
		    m.data[0] == MSG_REFUSE_DECLINED ? "they declined your "
		    "new identity key" :
		    m.data[0] == MSG_REFUSE_BAD_NAME ? "they refused your name" :
		    "they received a malformed message");
		ch->refused = 1;
		break;
	}
}

static void
on_closed(struct conn *c, int err, void *arg)
{
	struct chat *ch = arg;

	(void)c;
	if (ch->done)
		return;
	term_set_link(ch->term, TERM_LINK_DOWN);
	if (ch->hangup) {
		end(ch, ch->hangup_status);
		return;
	}
	if (err == 0) {
		if (ch->refused) {
			end(ch, EXIT_CONN);
			return;
		}
		if (!ch->we_left)
			term_notice(ch->term, "%s left",
			    ch->got_info ? ch->peer : "the peer");
		end(ch, EXIT_OK);
		return;
	}
	term_error(ch->term, "%s", chat_err_text(err));
	end(ch, chat_err_status(err));
}

static void
on_drained(struct conn *c, void *arg)
{
	struct chat *ch = arg;

	(void)c;
	term_hold(ch->term, 0);
}

const struct conn_cbs chat_conn_cbs = {
	on_established, on_message, on_closed, on_drained
};

void
chat_leave(struct chat *ch, int interrupted)
{
	(void)interrupted;
	if (ch->done)
		return;
	ch->we_left = 1;
	term_input(ch->term, 0);
	if (ch->conn == NULL) {
		end(ch, EXIT_OK);
		return;
	}
	/* The chat ends when the close has gone out (conn's closed cb). */
	conn_close(ch->conn);
}

static int
is_word(const char *line, size_t len, const char *w)
{
	return len == strlen(w) && memcmp(line, w, len) == 0;
}

void
chat_line(struct chat *ch, const char *line, size_t len)
{
	if (ch->done || ch->conn == NULL)
		return;
	if (ch->confirming) {
		ch->confirming = 0;
		if (!is_word(line, len, "yes")) {
			term_notice(ch->term, "hanging up");
			hang_up(ch, EXIT_IDENTITY, MSG_REFUSE_DECLINED);
			return;
		}
		if (peers_pin(ch->s->peers_path, ch->peer,
		    chan_peer_identity(conn_chan(ch->conn))) != 0)
			term_error(ch->term, "cannot update %s",
			    ch->s->peers_path);
		conn_pause(ch->conn, 0);
		chat_ready(ch);
		return;
	}
	if (len == 0)
		return;
	if (is_word(line, len, "/quit") || is_word(line, len, "bye") ||
	    is_word(line, len, "exit") || is_word(line, len, "/exit")) {
		chat_leave(ch, 0);
		return;
	}
	if (is_word(line, len, "/help")) {
		term_notice(ch->term, "%s", HELP);
		return;
	}
	if (is_word(line, len, "/verify")) {
		show_verify(ch);
		return;
	}
	if (len > 4 && memcmp(line, "/me ", 4) == 0) {
		send_msg(ch, MSG_ACTION, (const uint8_t *)line + 4, len - 4);
		if (term_interactive(ch->term))
			term_action(ch->term, ch->s->name, ch->own_color,
			    (const uint8_t *)line + 4, len - 4);
		return;
	}
	if (line[0] == '/' && (len < 2 || line[1] != '/')) {
		term_error(ch->term, "unknown command %.*s (try /help)",
		    (int)(len > 32 ? 32 : len), line);
		return;
	}
	if (line[0] == '/') {
		line++;
		len--;
	}
	chat_say(ch, line, len);
}

void
chat_say(struct chat *ch, const char *line, size_t len)
{
	if (ch->done || ch->conn == NULL || ch->confirming || len == 0)
		return;
	send_msg(ch, MSG_TEXT, (const uint8_t *)line, len);
	if (term_interactive(ch->term))
		term_message(ch->term, ch->s->name, ch->own_color,
		    (const uint8_t *)line, len);
}

int
chat_done(const struct chat *ch)
{
	return ch->done;
}

int
chat_exit_status(const struct chat *ch)
{
	return ch->status;
}

int
chat_load_identity(struct chat_setup *s)
{
	int r, created = 0;

	if ((r = keyfile_config_dir(s->confdir, sizeof(s->confdir))) != 0) {
		fprintf(stderr, "sotto: cannot find a configuration directory: "
		    "set HOME or XDG_CONFIG_HOME\n");
		return EXIT_USAGE;
	}
	if ((r = keyfile_load_or_create(s->confdir, &s->id, &created)) != 0) {
		fprintf(stderr, "sotto: cannot load the identity key in %s: %s%s%s\n",
		    s->confdir, err_str(r), r == ERR_IO ? ": " : "",
		    r == ERR_IO ? strerror(errno) : "");
		return EXIT_USAGE;
	}
	if (snprintf(s->peers_path, sizeof(s->peers_path), "%s/%s",
	    s->confdir, PEERS_FILE_NAME) >= (int)sizeof(s->peers_path))
		return EXIT_USAGE;
	if (created)
		fprintf(stderr, "sotto: created your identity key in "
		    "%s/identity\n", s->confdir);
	return 0;
}

int
chat_get_password(struct chat_setup *s, const char *file, int confirm)
{
	struct secret *again = NULL;
	char warn[PWSTRENGTH_WARNING_MAX];
	char *pw = NULL;
	int r;

	if (file != NULL) {
		if ((r = secret_read_file(&s->password, file)) != 0) {
			fprintf(stderr, "sotto: cannot read the password from "
			    "%s: %s\n", file, r == ERR_IO ? strerror(errno) :
			    err_str(r));
			return EXIT_USAGE;
		}
	} else {
		if ((r = secret_prompt(&s->password, "Password: ")) != 0) {
			fprintf(stderr, "sotto: no password: %s (use "
			    "--password-file FILE without a terminal)\n",
			    r == ERR_IO ? "cannot ask on a terminal" :
			    err_str(r));
			return EXIT_USAGE;
		}
		if (confirm) {
			if ((r = secret_prompt(&again,
			    "Repeat password: ")) != 0 ||
			    !secret_equal(s->password, again)) {
				secret_free(again);
				fprintf(stderr, "sotto: the passwords do not "
				    "match\n");
				return EXIT_USAGE;
			}
			secret_free(again);
		}
	}
	/* zxcvbn wants a C string: a guarded, wiped copy. */
	if ((pw = sodium_malloc(s->password->len + 1)) != NULL) {
		memcpy(pw, s->password->p, s->password->len);
		pw[s->password->len] = '\0';
		if (pwstrength_warning(warn, sizeof(warn),
		    pwstrength_bits(pw)) == 1)
			fprintf(stderr, "sotto: %s\n", warn);
		sodium_free(pw);
	}
	return 0;
}

int
chat_set_name(struct chat_setup *s, const char *name)
{
	struct passwd *pw;
	struct config c;

	/* The config file's name comes before the login name. */
	if (name == NULL && config_load(&c) == 0 && c.name[0] != '\0')
		name = c.name;
	if (name == NULL) {
		name = getenv("USER");
		if ((name == NULL || !peers_name_valid(name)) &&
		    (pw = getpwuid(getuid())) != NULL)
			name = pw->pw_name;
		if (name == NULL || !peers_name_valid(name))
			name = "anonymous";
	}
	if (!peers_name_valid(name) || strlen(name) >= sizeof(s->name)) {
		fprintf(stderr, "sotto: invalid name '%s': one word of at most "
		    "%d bytes, no spaces or control characters\n", name,
		    MSG_MAX_NAME);
		return EXIT_USAGE;
	}
	strcpy(s->name, name);
	return 0;
}
