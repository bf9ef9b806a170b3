/*
 * room.c: `sotto room new` and `sotto join INVITATION`: a member of a
 * room on a relay.  The link to the relay is a secure channel that
 * authenticates the relay by its key (from the invitation, or pinned on
 * first use); everything said in the room is end-to-end encrypted by
 * group.c, so the relay only routes blobs it can't read.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "addr.h"
#include "buf.h"
#include "chat.h"
#include "client.h"
#include "config_load.h"
#include "conn.h"
#include "err.h"
#include "gate.h"
#include "group.h"
#include "identity.h"
#include "invite.h"
#include "known_peers.h"
#include "relay.h"
#include "relaymsg.h"
#include "sanitize.h"
#include "secret.h"
#include "term.h"

_Static_assert(INVITE_GUARD_QUESTION == GATE_F_QUESTION &&
    INVITE_GUARD_CODE == GATE_F_CODE &&
    INVITE_QUESTION_MAX == GATE_QUESTION_MAX &&
    INVITE_SECRET_BYTES == GATE_KEY_BYTES &&
    GROUP_SECRET_BYTES == GATE_SECRET_BYTES, "invite.h and gate.h agree");

/* How many members a newcomer asks to open the door, each for this many
 * seconds; how many knocks a member answers per minute. */
#define DOOR_TRIES		3
#define DOOR_WAIT		10
#define DOOR_RATE		5
#define DOOR_RATE_WINDOW	60

struct rmember {
	uint32_t	 id;
	char		 name[RELAYMSG_MAX_NAME + 1];	/* as the relay says */
};

struct room {
	struct event_base	*base;
	struct chat_setup	 s;
	struct term		*term;
	struct invite		*inv;		/* sodium_malloc'd */
	int			 creating;	/* room new: pin relay, print */
	const char		*invite_file;
	struct identity		*link_id;	/* throwaway, for the relay */
	struct conn		*conn;
	struct group		*g;
	uint32_t		 self;
	struct rmember		*rm;		/* relay's view of members */
	size_t			 nrm, caprm;
	int			 welcomed;	/* by the relay */
	int			 joined;	/* in the room's group */
	int			 verified_any;
	int			 we_left;
	int			 hangup;	/* we ended it: status below */
	int			 hangup_status;
	char			 nick_wanted[RELAYMSG_MAX_NAME + 1];
	struct event		*reject_timer;
	/* A guarded room (gate.h): the door's keys once we are in (or as
	 * its creator), our knock while we wait outside. */
	struct gate_keys	*gk;		/* sodium_malloc'd */
	struct gate_knock	*knock;
	uint8_t			 knock_blob[GATE_KNOCK_BYTES];
	uint32_t		 door;		/* asked to open; 0: none */
	uint32_t		 tried[DOOR_TRIES];
	size_t			 ntried;
	struct event		*door_timer;
	time_t			 answered[DOOR_RATE];	/* ring of times */
	size_t			 nanswered;
	time_t			 rate_noticed;
	int			 done;
	int			 status;
};

/* Seconds to wait, after an announcement fails our room secret, for any
 * member to pass it before concluding our invitation is wrong. */
#define ROOM_REJECT_GRACE	2

static const char ROOM_HELP[] =
    "commands: /who  /msg NAME TEXT  /me ACTION  /nick NEW  /verify "
    "[room|NAME]  /code  /quit (also 'bye', 'exit', Ctrl-D)";

static void
room_end(struct room *r, int status)
{
	if (r->done)
		return;
	r->done = 1;
	r->status = status;
	term_input(r->term, 0);
	event_base_loopbreak(r->base);
}

/* We end it: the close record goes out, then the run ends with status. */
static void
hang_up(struct room *r, int status)
{
	r->we_left = 1;
	r->hangup = 1;
	r->hangup_status = status;
	term_input(r->term, 0);
	if (r->conn == NULL)
		room_end(r, status);
	else
		conn_close(r->conn);
}

static struct rmember *
rm_find(struct room *r, uint32_t id)
{
	size_t i;

	for (i = 0; i < r->nrm; i++)
		if (r->rm[i].id == id)
			return &r->rm[i];
	return NULL;
}

static void
rm_set(struct room *r, uint32_t id, const uint8_t *name, size_t len)
{
	struct rmember *m, *n;
	char tmp[RELAYMSG_MAX_NAME + 1];

	/* The relay's word on a name is only a hint, checked like any. */
	if (len > RELAYMSG_MAX_NAME)
		len = RELAYMSG_MAX_NAME;
	memcpy(tmp, name, len);
	tmp[len] = '\0';
	if (strlen(tmp) != len || !peers_name_valid(tmp)) {
		snprintf(tmp, sizeof(tmp), "member-%u", id);
		name = (const uint8_t *)tmp;
		len = strlen(tmp);
	}

	if ((m = rm_find(r, id)) == NULL) {
		if (r->nrm == r->caprm) {
			n = reallocarray(r->rm, r->caprm ? r->caprm * 2 : 16,
			    sizeof(*n));
			if (n == NULL)
				return;
			r->rm = n;
			r->caprm = r->caprm ? r->caprm * 2 : 16;
		}
		m = &r->rm[r->nrm++];
		m->id = id;
	}
	memcpy(m->name, name, len);
	m->name[len] = '\0';
}

static void
rm_del(struct room *r, uint32_t id)
{
	struct rmember *m = rm_find(r, id);

	if (m != NULL)
		*m = r->rm[--r->nrm];
}

/* A name as shown: "alice", or "alice~1a2b" on a terminal, where the
 * key tag tells apart two people who chose lookalike names. */
static const char *
shown(struct room *r, const char *name, const uint8_t *pk, char *out,
    size_t outlen)
{
	char tag[IDENTITY_TAG_LEN + 1];

	if (pk == NULL || !term_interactive(r->term))
		return name;
	identity_tag(tag, pk);
	snprintf(out, outlen, "%s~%.4s", name, tag);
	return out;
}

static const char *
who_name(struct room *r, uint32_t id)
{
	const char *n = group_member_name(r->g, id);
	struct rmember *m;

	if (n != NULL)
		return n;
	return (m = rm_find(r, id)) != NULL ? m->name : "someone";
}

/* Sends one relay message built by the caller in b. */
static void
link_send(struct room *r, struct buf *b)
{
	int e;

	if (r->conn == NULL || r->done)
		return;
	if ((e = conn_send(r->conn, buf_ptr(b), buf_len(b))) != 0)
		term_error(r->term, "cannot send to the relay: %s", err_str(e));
	else if (conn_pending(r->conn) > CONN_HIGH_WATER)
		term_hold(r->term, 1);	/* until link_drained */
}

static void
group_out(void *arg, uint32_t to, const uint8_t *blob, size_t len)
{
	struct room *r = arg;
	struct buf b;

	buf_init(&b, FRAME_MAX_APP);
	if ((to == 0 ? relaymsg_put_bcast(&b, blob, len) :
	    relaymsg_put_direct(&b, to, blob, len)) == 0)
		link_send(r, &b);
	buf_release(&b);
}

/* Trust on first use for room members, as for 1:1 peers. */
static void
check_pinned(struct room *r, const char *name, const uint8_t *pk)
{
	char tag[IDENTITY_TAG_LEN + 1];
	int status = 0;

	identity_tag(tag, pk);
	if (peers_check(r->s.peers_path, name, pk, &status) != 0)
		return;
	if (status == PEERS_NEW)
		(void)peers_pin(r->s.peers_path, name, pk);
	else if (status == PEERS_CHANGED)
		term_error(r->term, "WARNING: %s's identity key has CHANGED "
		    "(now %s) since you last met. Someone may be using the "
		    "name %s; compare safety numbers (/verify %s) before "
		    "trusting what they say.", name, tag, name, name);
}

static void
group_ev(void *arg, const struct group_event *ev)
{
	struct room *r = arg;
	char nb[64], tag[IDENTITY_TAG_LEN + 1];
	const char *name = ev->name != NULL ? ev->name : who_name(r, ev->id);
	const char *sn = shown(r, name, ev->pk, nb, sizeof(nb));
	struct rmember *m;
	int color = ev->pk != NULL ? chat_key_color(ev->pk) : 7;

	switch (ev->type) {
	case GROUP_EV_MEMBER:
		r->verified_any = 1;
		identity_tag(tag, ev->pk);
		term_notice(r->term, "%s is in the room (key %s)", name, tag);
		m = rm_find(r, ev->id);
		if (m != NULL && strcmp(m->name, name) != 0)
			term_error(r->term, "the relay calls member %u '%s' "
			    "but its own signed announcement says '%s'",
			    ev->id, m->name, name);
		check_pinned(r, name, ev->pk);
		term_member(r->term, ev->id, name, color, ev->pk);
		break;
	case GROUP_EV_RENAMED:
		term_notice(r->term, "member %u is now known as %s", ev->id,
		    name);
		check_pinned(r, name, ev->pk);
		term_member(r->term, ev->id, name, color, ev->pk);
		break;
	case GROUP_EV_TEXT:
		if (ev->kind == GROUP_ACTION)
			term_action(r->term, sn, color, ev->text, ev->len);
		else
			term_message(r->term, sn, color, ev->text, ev->len);
		break;
	case GROUP_EV_PRIVATE:
		{
			char pb[sizeof(nb) + 16];

			snprintf(pb, sizeof(pb), "%s (privately)", sn);
			term_private(r->term, pb, color, ev->text, ev->len);
		}
		break;
	case GROUP_EV_MISSING:
		term_notice(r->term, "%llu message%s from %s never arrived "
		    "in order: the relay dropped, delayed or altered %s",
		    (unsigned long long)ev->count, ev->count == 1 ? "" : "s",
		    name, ev->count == 1 ? "it" : "them");
		break;
	case GROUP_EV_REPLAY:
		term_notice(r->term, "a message from %s arrived again or out "
		    "of order: the relay replayed or reordered it (ignored)",
		    name);
		break;
	case GROUP_EV_FORGED:
		term_notice(r->term, "a message attributed to %s failed "
		    "authentication: altered or forged, by the relay or "
		    "on the way (ignored)", name);
		break;
	case GROUP_EV_UNREADABLE:
		term_notice(r->term, "a message from %s could not be read: "
		    "no key for it (sent before you were given one, or the "
		    "relay dropped the key)", name);
		break;
	case GROUP_EV_REJECTED:
		if (!r->verified_any) {
			/* Give the real members a moment: one bad answer may
			 * be the relay's doing, not a wrong invitation. */
			struct timeval tv = { ROOM_REJECT_GRACE, 0 };

			if (r->reject_timer != NULL &&
			    !evtimer_pending(r->reject_timer, NULL))
				evtimer_add(r->reject_timer, &tv);
			return;
		}
		term_notice(r->term, "%s (member %u) is not a member: its "
		    "announcement failed the room secret or signature check "
		    "(ignored)", name, ev->id);
		break;
	}
}

static int
write_invite_file(const char *path, const char *text)
{
	int fd;
	size_t n = strlen(text);

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0)
		return -1;
	/* An existing file keeps its mode through O_CREAT: it holds the
	 * room secret now. */
	if (fchmod(fd, 0600) != 0) {
		close(fd);
		return -1;
	}
	if (write(fd, text, n) != (ssize_t)n || write(fd, "\n", 1) != 1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* The relay's identity: the invitation's key, or pinned on first use. */
static int
check_relay(struct room *r)
{
	const uint8_t *pk = chan_peer_identity(conn_chan(r->conn));
	char name[PEERS_NAME_MAX + 1], tag[IDENTITY_TAG_LEN + 1];
	uint8_t h[8];
	char where[INVITE_HOST_MAX + 16];
	int status = 0, i;

	identity_tag(tag, pk);
	if (!r->creating) {
		if (sodium_memcmp(pk, r->inv->relay_pk, IDENTITY_PK_BYTES) != 0) {
			term_error(r->term, "the relay's key (%s) is not the "
			    "one in the invitation: someone is in between, or "
			    "the relay was replaced", tag);
			return EXIT_IDENTITY;
		}
		return 0;
	}
	/* Pinned under "relay-" and a hash of the address. */
	snprintf(where, sizeof(where), "%s:%u", r->inv->host, r->inv->port);
	crypto_generichash(h, sizeof(h), (const uint8_t *)where,
	    strlen(where), NULL, 0);
	strcpy(name, "relay-");
	for (i = 0; i < 8; i++)
		snprintf(name + 6 + 2 * i, 3, "%02x", h[i]);
	if (peers_check(r->s.peers_path, name, pk, &status) != 0) {
		term_error(r->term, "cannot read %s: refusing to trust the "
		    "relay's key blindly", r->s.peers_path);
		return EXIT_CONN;
	}
	if (status == PEERS_CHANGED) {
		term_error(r->term, "WARNING: the relay at %s has a different "
		    "key (%s) than when you first used it; refusing. Remove "
		    "the '%s' line from %s if the relay's key really changed.",
		    where, tag, name, r->s.peers_path);
		return EXIT_IDENTITY;
	}
	if (status == PEERS_NEW) {
		if (peers_pin(r->s.peers_path, name, pk) == 0)
			term_notice(r->term, "first use of the relay at %s: "
			    "its key %s is now pinned", where, tag);
		else
			term_error(r->term, "first use of the relay at %s "
			    "(key %s), but %s could not be updated to pin it",
			    where, tag, r->s.peers_path);
	}
	memcpy(r->inv->relay_pk, pk, IDENTITY_PK_BYTES);
	return 0;
}

static void
link_established(struct conn *c, void *arg)
{
	struct room *r = arg;
	char text[INVITE_STR_MAX];
	struct buf b;
	int st;

	(void)c;
	if ((st = check_relay(r)) != 0) {
		hang_up(r, st);
		return;
	}
	if (r->creating) {
		if (invite_encode(r->inv, text, sizeof(text)) != 0) {
			term_error(r->term, "cannot make the invitation");
			room_end(r, EXIT_USAGE);
			return;
		}
		/* On stdout as "* invitation: sotto:...", for scripts. */
		term_notice(r->term, "room created; invite others with this "
		    "line (it holds the room's %s: share it privately):",
		    r->gk != NULL ? "invitation key" : "secret");
		term_notice(r->term, "invitation: %s", text);
		if (r->invite_file != NULL &&
		    write_invite_file(r->invite_file, text) != 0)
			term_error(r->term, "cannot write %s: %s",
			    r->invite_file, strerror(errno));
		sodium_memzero(text, sizeof(text));
		if (r->gk != NULL)
			term_notice(r->term, "the room is guarded: newcomers "
			    "also need %s; a member must be in the room to "
			    "let them in", r->gk->flags == GATE_F_ALL ?
			    "the answer and the one-time code (/code)" :
			    (r->gk->flags & GATE_F_CODE) ? "the one-time "
			    "code (/code)" : "the answer to your question");
	}
	buf_init(&b, 256);
	if (relaymsg_put_join(&b, r->inv->room_id, r->s.name) == 0)
		link_send(r, &b);
	buf_release(&b);
}

/* Into the room with its secret: our announcement goes out. */
static void
enter_room(struct room *r, const uint8_t secret[GROUP_SECRET_BYTES])
{
	char prompt[128], cb[16], title[INVITE_STR_MAX];
	int e;

	if ((e = group_new(&r->g, r->inv->room_id, secret,
	    r->s.id, r->s.name, group_out, group_ev, r)) != 0) {
		term_error(r->term, "cannot set up the room: %s", err_str(e));
		hang_up(r, EXIT_CONN);
		return;
	}
	group_set_name_check(r->g, peers_name_valid);
	/* For /invite in the full-screen view, which keeps it guarded. */
	if (invite_encode(r->inv, title, sizeof(title)) == 0)
		term_set_invitation(r->term, title);
	sodium_memzero(title, sizeof(title));
	/* The secret now lives in guarded memory only: the group's, the
	 * door's keys in a guarded room, and the view's invitation. */
	sodium_memzero(r->inv->room_secret, sizeof(r->inv->room_secret));
	r->joined = 1;
	term_notice(r->term, "joined the room as %s (%zu other member%s); "
	    "messages are end-to-end encrypted", r->s.name, r->nrm,
	    r->nrm == 1 ? "" : "s");
	if (r->nrm == 0)
		r->verified_any = 1;	/* nobody to disagree with */
	snprintf(title, sizeof(title), "room on %s:%u", r->inv->host,
	    r->inv->port);
	term_set_title(r->term, 1, title);
	term_set_self(r->term, r->s.name, chat_key_color(r->s.id->pk),
	    r->s.confdir);
	term_set_link(r->term, TERM_LINK_UP);
	if (term_interactive(r->term)) {
		term_notice(r->term, "%s", ROOM_HELP);
		snprintf(prompt, sizeof(prompt), "%s%s%s> ",
		    term_color(r->term, chat_key_color(r->s.id->pk), cb),
		    r->s.name, term_reset(r->term));
		term_set_prompt(r->term, prompt);
	}
	(void)group_start(r->g, r->self);
	term_input(r->term, 1);
}

/*
 * Outside a guarded room: ask the longest-present member not asked yet
 * (member ids grow with arrival) to open the door, with our knock.
 */
static void
knock_next(struct room *r)
{
	struct timeval tv = { DOOR_WAIT, 0 };
	struct rmember *best = NULL;
	struct buf b;
	size_t i, k;

	for (i = 0; i < r->nrm && r->ntried < DOOR_TRIES; i++) {
		for (k = 0; k < r->ntried; k++)
			if (r->tried[k] == r->rm[i].id)
				break;
		if (k == r->ntried && r->rm[i].id != r->self &&
		    (best == NULL || r->rm[i].id < best->id))
			best = &r->rm[i];
	}
	if (best == NULL) {
		term_error(r->term, r->ntried == 0 ? "this room is guarded "
		    "and nobody is in it to open the door: try again when a "
		    "member is there" : "no member opened the door (no "
		    "answer within %d s)", DOOR_WAIT);
		hang_up(r, EXIT_CONN);
		return;
	}
	r->door = best->id;
	r->tried[r->ntried++] = best->id;
	term_notice(r->term, "this room is guarded: asking %s to open the "
	    "door", best->name);
	buf_init(&b, 128);
	if (relaymsg_put_direct(&b, best->id, r->knock_blob,
	    sizeof(r->knock_blob)) == 0)
		link_send(r, &b);
	buf_release(&b);
	evtimer_add(r->door_timer, &tv);
}

static void
door_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct room *r = arg;

	(void)fd;
	(void)what;
	if (!r->done && r->knock != NULL)
		knock_next(r);
}

/* The member we asked answered: in, or the answer or code was wrong. */
static void
door_answer(struct room *r, const uint8_t *blob, size_t len)
{
	int e;

	e = gate_knock_open(r->knock, blob, len, r->gk->room_secret,
	    r->gk->otp_key);
	if (e == ERR_AUTH) {
		term_error(r->term, "the door did not open: wrong answer or "
		    "one-time code (or interference)");
		hang_up(r, EXIT_AUTH);
		return;
	}
	if (e != 0) {
		term_error(r->term, "a malformed answer at the door (%s); "
		    "asking someone else", err_str(e));
		evtimer_del(r->door_timer);
		knock_next(r);
		return;
	}
	evtimer_del(r->door_timer);
	gate_knock_free(r->knock);
	r->knock = NULL;
	r->door = 0;
	term_notice(r->term, "the door opened");
	enter_room(r, r->gk->room_secret);
}

/* A newcomer knocks: answer, at most DOOR_RATE times a minute. */
static void
door_knock(struct room *r, uint32_t from, const uint8_t *blob, size_t len)
{
	time_t now = time(NULL);
	struct buf ans, b;
	int e;

	if (r->gk == NULL || r->g == NULL)
		return;		/* not a guarded room, or not in yet */
	if (r->nanswered == DOOR_RATE &&
	    now - r->answered[0] < DOOR_RATE_WINDOW) {
		if (now - r->rate_noticed >= DOOR_RATE_WINDOW) {
			r->rate_noticed = now;
			term_notice(r->term, "more than %d knocks at the door "
			    "in a minute: ignoring them for now (someone may "
			    "be guessing the answer)", DOOR_RATE);
		}
		return;
	}
	buf_init(&ans, GATE_ANSWER_MAX_BYTES);
	buf_init(&b, GATE_ANSWER_MAX_BYTES + 16);
	if ((e = gate_answer(r->gk, r->inv->room_id, (uint64_t)now, blob,
	    len, &ans)) != 0)
		term_notice(r->term, "%s knocked at the door with a malformed "
		    "knock (%s)", who_name(r, from), err_str(e));
	else {
		if (r->nanswered == DOOR_RATE)
			memmove(r->answered, r->answered + 1,
			    (DOOR_RATE - 1) * sizeof(r->answered[0]));
		else
			r->nanswered++;
		r->answered[r->nanswered - 1] = now;
		term_notice(r->term, "%s is at the door: if they know %s, "
		    "they are let in", who_name(r, from),
		    r->gk->flags == GATE_F_ALL ? "the answer and the one-time "
		    "code" : (r->gk->flags & GATE_F_CODE) ? "the one-time code" :
		    "the answer");
		if (relaymsg_put_direct(&b, from, buf_ptr(&ans),
		    buf_len(&ans)) == 0)
			link_send(r, &b);
	}
	buf_release(&b);
	buf_release(&ans);
}

/* /code: the one-time code a newcomer needs, if the room has one. */
static void
show_code(struct room *r)
{
	char code[OTP_DIGITS_MAX + 1];
	time_t now = time(NULL);

	if (r->gk == NULL || !(r->gk->flags & GATE_F_CODE)) {
		term_error(r->term, "this room has no one-time code");
		return;
	}
	if (otp_room_code(r->gk->otp_key, otp_window((uint64_t)now),
	    code) != 0) {
		term_error(r->term, "cannot compute the one-time code");
		return;
	}
	term_notice(r->term, "one-time code: %s (good for %d s)", code,
	    (int)(2 * OTP_ROOM_STEP - now % OTP_ROOM_STEP));
	sodium_memzero(code, sizeof(code));
}

static void
on_welcome(struct room *r, const struct relaymsg *m)
{
	struct relaymsg_member mem;
	size_t off = 0;

	r->self = m->id;
	r->welcomed = 1;
	while (relaymsg_welcome_next(m, &off, &mem))
		rm_set(r, mem.id, mem.name, mem.name_len);
	if (r->knock != NULL)
		knock_next(r);
	else
		enter_room(r, r->gk != NULL ? r->gk->room_secret :
		    r->inv->room_secret);
}

static void
relay_error(struct room *r, const struct relaymsg *m)
{
	int fatal = !r->joined || m->code == RELAYMSG_ERR_SHUTDOWN ||
	    m->code == RELAYMSG_ERR_PROTOCOL || m->code == RELAYMSG_ERR_TIMEOUT;

	switch (m->code) {
	case RELAYMSG_ERR_NAME_TAKEN:
		term_error(r->term, "the name is already taken in this room: "
		    "choose another with --name (or /nick)");
		break;
	case RELAYMSG_ERR_BAD_NAME:
		term_error(r->term, "the relay refused the name");
		break;
	case RELAYMSG_ERR_ROOM_FULL:
		term_error(r->term, "the room is full");
		break;
	case RELAYMSG_ERR_NO_MEMBER:
		term_error(r->term, "no such member in the room");
		break;
	case RELAYMSG_ERR_SHUTDOWN:
		term_error(r->term, "the relay is shutting down");
		break;
	default:
		term_error(r->term, "the relay reports an error (code %u)",
		    m->code);
		break;
	}
	if (fatal) {
		hang_up(r, !r->joined && (m->code == RELAYMSG_ERR_NAME_TAKEN ||
		    m->code == RELAYMSG_ERR_BAD_NAME) ? EXIT_USAGE : EXIT_CONN);
	}
}

static void	handle_one(struct room *, const uint8_t *, size_t);

static void
link_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	struct room *r = arg;
	struct relaymsg m;
	const uint8_t *item;
	size_t off = 0, ilen;

	(void)c;
	/* A BATCH is several messages sealed together: handle each. */
	if (relaymsg_parse(&m, p, len) == 0 && m.type == RELAYMSG_BATCH) {
		while (!r->done && relaymsg_batch_next(&m, &off, &item, &ilen))
			handle_one(r, item, ilen);
		return;
	}
	handle_one(r, p, len);
}

static void
handle_one(struct room *r, const uint8_t *p, size_t len)
{
	struct relaymsg m;
	int e;

	if (r->done)
		return;
	if ((e = relaymsg_parse(&m, p, len)) != 0 ||
	    (!r->welcomed && m.type != RELAYMSG_WELCOME &&
	    m.type != RELAYMSG_ERROR)) {
		term_error(r->term, "the relay sent a malformed message (%s)",
		    e != 0 ? err_str(e) : "unexpected");
		hang_up(r, EXIT_CONN);
		return;
	}
	switch (m.type) {
	case RELAYMSG_WELCOME:
		if (r->welcomed)
			break;
		on_welcome(r, &m);
		break;
	case RELAYMSG_JOINED:
		rm_set(r, m.id, m.name, m.name_len);
		break;
	case RELAYMSG_LEFT:
		if (r->g != NULL) {
			if (group_member_name(r->g, m.id) != NULL ||
			    rm_find(r, m.id) != NULL)
				term_notice(r->term, "%s left", who_name(r, m.id));
			group_member_left(r->g, m.id);
		}
		term_member_gone(r->term, m.id);
		rm_del(r, m.id);
		if (r->knock != NULL && m.id == r->door) {
			evtimer_del(r->door_timer);
			knock_next(r);	/* they left: ask someone else */
		}
		break;
	case RELAYMSG_NICKED:
		rm_set(r, m.id, m.name, m.name_len);
		/* Only the name we asked for: the relay can't rename us. */
		if (m.id == r->self && r->g != NULL &&
		    r->nick_wanted[0] != '\0' &&
		    m.name_len == strlen(r->nick_wanted) &&
		    memcmp(m.name, r->nick_wanted, m.name_len) == 0) {
			strcpy(r->s.name, r->nick_wanted);
			r->nick_wanted[0] = '\0';
			(void)group_rename(r->g, r->s.name);
			term_notice(r->term, "you are now %s", r->s.name);
			term_set_self(r->term, r->s.name,
			    chat_key_color(r->s.id->pk), r->s.confdir);
		}
		break;
	case RELAYMSG_DELIVER_DIRECT:
		/* The door's two blobs; everything else is the group's. */
		if (m.blob_len > 0 && m.blob[0] == GATE_BLOB_KNOCK) {
			door_knock(r, m.id, m.blob, m.blob_len);
			break;
		}
		if (m.blob_len > 0 && m.blob[0] == GATE_BLOB_ANSWER) {
			if (r->knock != NULL && m.id == r->door)
				door_answer(r, m.blob, m.blob_len);
			break;
		}
		/* FALLTHROUGH */
	case RELAYMSG_DELIVER:
		if (r->g != NULL)
			(void)group_recv(r->g, m.id,
			    m.type == RELAYMSG_DELIVER_DIRECT, m.blob,
			    m.blob_len);
		break;
	case RELAYMSG_ERROR:
		relay_error(r, &m);
		break;
	default:
		break;
	}
}

static void
link_closed(struct conn *c, int err, void *arg)
{
	struct room *r = arg;

	(void)c;
	if (r->done)
		return;
	term_set_link(r->term, TERM_LINK_DOWN);
	if (r->hangup) {
		room_end(r, r->hangup_status);
		return;
	}
	if (err == 0) {
		if (!r->we_left)
			term_error(r->term, "the relay closed the connection");
		room_end(r, r->we_left ? EXIT_OK : EXIT_CONN);
		return;
	}
	term_error(r->term, "relay connection: %s", chat_err_text(err));
	room_end(r, chat_err_status(err) == EXIT_AUTH ? EXIT_CONN :
	    chat_err_status(err));
}

static void
link_drained(struct conn *c, void *arg)
{
	struct room *r = arg;

	(void)c;
	term_hold(r->term, 0);
}

static const struct conn_cbs link_cbs = {
	link_established, link_message, link_closed, link_drained
};

static void
show_who(struct room *r)
{
	char tag[IDENTITY_TAG_LEN + 1];
	uint8_t pk[IDENTITY_PK_BYTES];
	uint64_t seen;
	size_t i = 0, k;
	uint32_t id;
	int found, n = 0;

	identity_tag(tag, r->s.id->pk);
	term_notice(r->term, "%s (you), key %s", r->s.name, tag);
	while ((id = group_member_next(r->g, &i)) != 0) {
		const char *name = group_member_name(r->g, id);
		const uint8_t *mpk = group_member_pk(r->g, id);

		identity_tag(tag, mpk);
		found = 0;
		(void)peers_lookup(r->s.peers_path, name, pk, &seen, &found);
		term_notice(r->term, "%s, key %s, %s", name, tag, !found ?
		    "not pinned" : sodium_memcmp(pk, mpk, IDENTITY_PK_BYTES) == 0 ?
		    "pinned" : "KEY CHANGED since pinned");
		n++;
	}
	for (k = 0; k < r->nrm; k++)
		if (r->rm[k].id != r->self &&
		    group_member_name(r->g, r->rm[k].id) == NULL)
			term_notice(r->term, "%s: not verified yet (no valid "
			    "announcement)", r->rm[k].name);
	term_notice(r->term, "%d other verified member%s", n, n == 1 ? "" : "s");
}

static void
show_verify(struct room *r, const char *name)
{
	char code[SAFETY_NUMBER_LEN + 1];
	uint32_t id;

	if (name == NULL) {
		group_room_code(r->g, code);
		term_notice(r->term, "room code: %s", code);
		term_notice(r->term, "everyone who sees the same members with "
		    "the same keys sees the same code; compare it out of band");
		return;
	}
	if ((id = group_member_by_name(r->g, name)) == 0) {
		term_error(r->term, "no verified member named %s", name);
		return;
	}
	identity_safety_number(code, r->s.id->pk, group_member_pk(r->g, id));
	term_notice(r->term, "safety number with %s: %s", name, code);
}

static int
is_cmd(const char *line, size_t len, const char *w)
{
	size_t n = strlen(w);

	return len >= n && memcmp(line, w, n) == 0 &&
	    (len == n || line[n] == ' ');
}

/* Sends a line as a message. */
static void
room_say(struct room *r, const char *line, size_t len)
{
	int e, color = chat_key_color(r->s.id->pk);

	if ((e = group_send(r->g, GROUP_TEXT, (const uint8_t *)line, len)) != 0)
		term_error(r->term, "%s: not sent", e == ERR_TOO_LARGE ?
		    "message longer than 4096 bytes" : err_str(e));
	else if (term_interactive(r->term))
		term_message(r->term, r->s.name, color, (const uint8_t *)line,
		    len);
}

static void
room_line(const char *line, size_t len, void *arg)
{
	struct room *r = arg;
	char word[RELAYMSG_MAX_NAME + 2];
	const char *sp;
	struct buf b;
	size_t n;
	uint32_t to;
	int e, color;

	if (r->done || r->g == NULL || len == 0)
		return;
	color = chat_key_color(r->s.id->pk);
	if ((len == 5 && memcmp(line, "/quit", 5) == 0) ||
	    (len == 3 && memcmp(line, "bye", 3) == 0) ||
	    (len == 4 && memcmp(line, "exit", 4) == 0)) {
		r->we_left = 1;
		term_input(r->term, 0);
		conn_close(r->conn);
		return;
	}
	if (is_cmd(line, len, "/help")) {
		term_notice(r->term, "%s", ROOM_HELP);
		return;
	}
	if (is_cmd(line, len, "/who")) {
		show_who(r);
		return;
	}
	if (is_cmd(line, len, "/code")) {
		show_code(r);
		return;
	}
	if (is_cmd(line, len, "/verify")) {
		/* "/verify room" is the room code, as is a bare /verify. */
		if (len > 8 && !(len == 12 && memcmp(line + 8, "room", 4) == 0)) {
			snprintf(word, sizeof(word), "%.*s",
			    (int)(len - 8 > RELAYMSG_MAX_NAME ? RELAYMSG_MAX_NAME :
			    len - 8), line + 8);
			show_verify(r, word);
		} else
			show_verify(r, NULL);
		return;
	}
	if (is_cmd(line, len, "/nick")) {
		if (len <= 6 || len - 6 > RELAYMSG_MAX_NAME) {
			term_error(r->term, "usage: /nick NEWNAME");
			return;
		}
		snprintf(word, sizeof(word), "%.*s", (int)(len - 6), line + 6);
		if (!peers_name_valid(word)) {
			term_error(r->term, "a name is one word of at most 32 "
			    "bytes, without spaces or control characters");
			return;
		}
		buf_init(&b, 64);
		strcpy(r->nick_wanted, word);
		if (relaymsg_put_nick(&b, word) == 0)
			link_send(r, &b);
		buf_release(&b);
		return;
	}
	if (is_cmd(line, len, "/msg")) {
		sp = len > 5 ? memchr(line + 5, ' ', len - 5) : NULL;
		n = sp != NULL ? (size_t)(sp - line - 5) : 0;
		if (sp == NULL || n == 0 || n > RELAYMSG_MAX_NAME ||
		    (size_t)(sp - line) + 1 >= len) {
			term_error(r->term, "usage: /msg NAME TEXT");
			return;
		}
		snprintf(word, sizeof(word), "%.*s", (int)n, line + 5);
		if ((to = group_member_by_name(r->g, word)) == 0) {
			term_error(r->term, "no verified member named %s", word);
			return;
		}
		sp++;
		if ((e = group_send_private(r->g, to, (const uint8_t *)sp,
		    len - (size_t)(sp - line))) != 0)
			term_error(r->term, "not sent: %s", err_str(e));
		else if (term_interactive(r->term)) {
			snprintf(word, sizeof(word), "-> %s", group_member_name(
			    r->g, to));
			term_message(r->term, word, color, (const uint8_t *)sp,
			    len - (size_t)(sp - line));
		}
		return;
	}
	if (is_cmd(line, len, "/me")) {
		if (len <= 4)
			return;
		if ((e = group_send(r->g, GROUP_ACTION,
		    (const uint8_t *)line + 4, len - 4)) != 0)
			term_error(r->term, "not sent: %s", err_str(e));
		else if (term_interactive(r->term))
			term_action(r->term, r->s.name, color,
			    (const uint8_t *)line + 4, len - 4);
		return;
	}
	if (line[0] == '/' && (len < 2 || line[1] != '/')) {
		term_error(r->term, "unknown command %.*s (try /help)",
		    (int)(len > 32 ? 32 : len), line);
		return;
	}
	if (line[0] == '/') {
		line++;
		len--;
	}
	room_say(r, line, len);
}

/* A pasted line: a message whatever it says. */
static void
room_text(const char *line, size_t len, void *arg)
{
	struct room *r = arg;

	if (!r->done && r->g != NULL && len > 0)
		room_say(r, line, len);
}

static void
room_eof(int interrupted, void *arg)
{
	struct room *r = arg;

	(void)interrupted;
	r->we_left = 1;
	if (r->conn == NULL) {
		room_end(r, EXIT_OK);
		return;
	}
	conn_close(r->conn);
}

static void
reject_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct room *r = arg;

	(void)fd;
	(void)what;
	if (r->verified_any || r->done)
		return;
	term_error(r->term, "this invitation does not match the room's "
	    "secret (no member passes it): it is wrong or forged");
	hang_up(r, EXIT_AUTH);
}

static int
room_run(struct room *r)
{
	static const struct term_cbs tcbs = { room_line, room_eof,
	    room_text };
	struct chan_params cp;
	char why[256];
	int fd, status = EXIT_CONN;

	if ((fd = addr_connect(r->inv->host, r->inv->port, 10000, why,
	    sizeof(why))) < 0) {
		fprintf(stderr, "sotto: %s\n", why);
		return EXIT_CONN;
	}
	if (identity_generate(&r->link_id) != 0 ||
	    (r->base = event_base_new()) == NULL ||
	    (r->term = term_new(r->base, r->s.plain, &tcbs, r)) == NULL ||
	    (r->reject_timer = evtimer_new(r->base, reject_timeout, r)) == NULL ||
	    (r->door_timer = evtimer_new(r->base, door_timeout, r)) == NULL) {
		fprintf(stderr, "sotto: out of memory\n");
		close(fd);
		goto out;
	}
	memset(&cp, 0, sizeof(cp));
	cp.role = CHAN_CLIENT;
	/* The link's own identity is throwaway; our real identity key is
	 * still visible to the relay in our signed announcement. */
	cp.identity = r->link_id;
	cp.context = (const uint8_t *)RELAY_LINK_CONTEXT;
	cp.context_len = strlen(RELAY_LINK_CONTEXT);
	if ((r->conn = conn_new(r->base, fd, &cp, &r->s.timing, &link_cbs,
	    r)) == NULL) {
		fprintf(stderr, "sotto: cannot start the connection\n");
		goto out;
	}
	event_base_dispatch(r->base);
	status = r->status;
 out:
	if (r->reject_timer != NULL)
		event_free(r->reject_timer);
	if (r->door_timer != NULL)
		event_free(r->door_timer);
	group_free(r->g);
	conn_free(r->conn);
	term_free(r->term);
	identity_free(r->link_id);
	free(r->rm);
	if (r->base != NULL)
		event_base_free(r->base);
	return status;
}

static int
room_start(struct room *r, const char *name)
{
	int st;

	if ((st = chat_set_name(&r->s, name)) != 0 ||
	    (st = chat_load_identity(&r->s)) != 0)
		return st;
	return room_run(r);
}

static struct room *
room_alloc(void)
{
	struct room *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	chat_setup_init(&r->s);
	if ((r->inv = sodium_malloc(sizeof(*r->inv))) == NULL) {
		free(r);
		return NULL;
	}
	memset(r->inv, 0, sizeof(*r->inv));
	return r;
}

static void
room_release(struct room *r)
{
	chat_setup_release(&r->s);
	gate_keys_free(r->gk);
	gate_knock_free(r->knock);
	sodium_free(r->inv);
	sodium_memzero(r, sizeof(*r));
	free(r);
}

static void
room_usage(FILE *f)
{
	fprintf(f,
	    "usage: sotto room new --relay HOST[:PORT] [--name NAME]\n"
	    "                      [--question TEXT [--answer-file FILE]]\n"
	    "                      [--one-time-code] [--invite-file FILE] [--plain]\n"
	    "       sotto join INVITATION [--name NAME] [--answer-file FILE]\n"
	    "                      [--code-file FILE] [--plain]\n"
	    "\n"
	    "Creates a room on a relay (default port %d), prints the\n"
	    "invitation (one line, with a checksum) and enters the room.\n"
	    "  --relay HOST[:PORT]  the relay (started with 'sotto relay')\n"
	    "  --name NAME          your name in the room (default: login name)\n"
	    "  --question TEXT      guard the door: newcomers must also answer\n"
	    "                       TEXT (you type the answer; it is never sent)\n"
	    "  --answer-file FILE   read that answer from FILE's first line\n"
	    "  --one-time-code      guard the door: newcomers also need the\n"
	    "                       current code, which members see with /code\n"
	    "  --invite-file FILE   also write the invitation to FILE (mode 0600)\n"
	    "  --plain              line mode even on a terminal\n"
	    "\n"
	    "In the room: /who, /msg NAME TEXT, /me ACTION, /nick NEW,\n"
	    "/verify or /verify room (room code), /verify NAME (safety\n"
	    "number with NAME), /code (one-time code), /quit.\n",
	    RELAY_DEFAULT_PORT);
}

/* A door secret (answer or code) from file, else asked on the terminal
 * with prompt; 'what' names it in errors.  0 or EXIT_USAGE. */
static int
door_read(struct secret **sp, const char *file, const char *prompt,
    const char *what)
{
	int e;

	if ((e = file != NULL ? secret_read_file(sp, file) :
	    secret_prompt(sp, prompt)) == 0)
		return 0;
	fprintf(stderr, "sotto: cannot read the %s%s%s: %s\n", what,
	    file != NULL ? " from " : "", file != NULL ? file : "",
	    e == ERR_IO ? strerror(errno) : err_str(e));
	return EXIT_USAGE;
}

/*
 * The answer to the security question, from a file or the terminal
 * (twice when making the room), normalised into k.  0 or an exit status;
 * EXIT_AUTH when the two answers typed did not match.
 */
static int
door_read_answer(struct gate_keys *k, const char *file, int twice)
{
	struct secret *a = NULL, *b = NULL;
	uint8_t again[GATE_ANSWER_MAX];
	size_t alen = 0;
	int e, st = EXIT_USAGE;

	if (door_read(&a, file, "answer to the security question: ",
	    "answer") != 0)
		goto out;
	if ((e = gate_normalize(a->p, a->len, k->answer,
	    &k->answer_len)) != 0) {
		fprintf(stderr, "sotto: the answer %s\n", e == ERR_TOO_LARGE ?
		    "is longer than 256 bytes" :
		    "is empty or holds control characters");
		goto out;
	}
	if (twice && file == NULL) {
		if (secret_prompt(&b, "the same answer again: ") != 0 ||
		    gate_normalize(b->p, b->len, again, &alen) != 0 ||
		    alen != k->answer_len ||
		    sodium_memcmp(again, k->answer, alen) != 0) {
			fprintf(stderr, "sotto: the answers do not match\n");
			st = EXIT_AUTH;		/* door_make asks again */
			goto out;
		}
	}
	st = 0;
 out:
	sodium_memzero(again, sizeof(again));
	secret_free(a);
	secret_free(b);
	return st;
}

/* The one-time code a member read out, from a file or the terminal. */
static int
door_read_code(char code[GATE_CODE_DIGITS + 1], const char *file)
{
	struct secret *c = NULL;
	int st = EXIT_USAGE;

	int tries;

	/* On the terminal a slip is asked again; a file is read once. */
	for (tries = 0; tries < (file == NULL ? 3 : 1); tries++) {
		secret_free(c);
		c = NULL;
		if (door_read(&c, file, "one-time code (a member sees it with "
		    "/code): ", "one-time code") != 0)
			goto out;
		if (gate_code_parse((const char *)c->p, code) == 0) {
			st = 0;
			goto out;
		}
		fprintf(stderr, "sotto: a one-time code is %d digits\n",
		    GATE_CODE_DIGITS);
	}
 out:
	secret_free(c);
	return st;
}

/* room new --question/--one-time-code: the door's keys, made here. */
static int
door_make(struct room *r, const struct room_door *d)
{
	int st;

	if (d->question != NULL) {
		if (!invite_question_ok(d->question)) {
			fprintf(stderr, "sotto: the question must be 1 to %d "
			    "bytes of text\n", GATE_QUESTION_MAX);
			return EXIT_USAGE;
		}
		strcpy(r->inv->question, d->question);
	} else if (d->answer_file != NULL) {
		fprintf(stderr, "sotto: --answer-file needs --question\n");
		return EXIT_USAGE;
	}
	if ((r->gk = gate_keys_new()) == NULL)
		return EXIT_CONN;
	r->gk->flags = (d->question != NULL ? GATE_F_QUESTION : 0) |
	    (d->code ? GATE_F_CODE : 0);
	r->inv->guard = r->gk->flags;
	randombytes_buf(r->gk->invite_key, sizeof(r->gk->invite_key));
	memcpy(r->inv->room_secret, r->gk->invite_key, GATE_KEY_BYTES);
	randombytes_buf(r->gk->room_secret, sizeof(r->gk->room_secret));
	if (d->code)
		randombytes_buf(r->gk->otp_key, sizeof(r->gk->otp_key));
	if (d->question != NULL) {
		int tries = 0;

		/* Answers that don't match are asked again, twice more. */
		while ((st = door_read_answer(r->gk, d->answer_file, 1)) ==
		    EXIT_AUTH && ++tries < 3)
			fprintf(stderr, "sotto: please try again\n");
		if (st != 0)
			return st == EXIT_AUTH ? EXIT_USAGE : st;
	}
	return 0;
}

/* join, guarded room: the question, the answers, and our knock. */
static int
door_prepare(struct room *r, const struct room_door *d)
{
	char code[GATE_CODE_DIGITS + 1] = "";
	struct buf q, kb;
	int e, st;

	if ((r->gk = gate_keys_new()) == NULL)
		return EXIT_CONN;
	r->gk->flags = r->inv->guard;
	memcpy(r->gk->invite_key, r->inv->room_secret, GATE_KEY_BYTES);
	if (r->inv->guard & GATE_F_QUESTION) {
		/* Text from the invitation: shown sanitised. */
		buf_init(&q, GATE_QUESTION_MAX * UI_SAN_MAX_EXPANSION + 1);
		if (ui_sanitize(&q, (const uint8_t *)r->inv->question,
		    strlen(r->inv->question), 0) == 0 &&
		    buf_put_u8(&q, 0) == 0)
			fprintf(stderr, "security question: %s\n",
			    (const char *)buf_ptr(&q));
		buf_release(&q);
		if ((st = door_read_answer(r->gk, d != NULL ? d->answer_file :
		    NULL, 0)) != 0)
			return st;
	}
	if ((r->inv->guard & GATE_F_CODE) &&
	    (st = door_read_code(code, d != NULL ? d->code_file : NULL)) != 0)
		return st;
	buf_init(&kb, GATE_KNOCK_BYTES);
	e = gate_knock_new(&r->knock, r->inv->room_id, r->gk->invite_key,
	    r->gk->flags, r->gk->answer, r->gk->answer_len,
	    (r->gk->flags & GATE_F_CODE) ? code : NULL, &kb);
	sodium_memzero(code, sizeof(code));
	if (e == 0 && buf_len(&kb) == sizeof(r->knock_blob))
		memcpy(r->knock_blob, buf_ptr(&kb), sizeof(r->knock_blob));
	else if (e == 0)
		e = ERR_INTERNAL;
	buf_release(&kb);
	if (e != 0) {
		fprintf(stderr, "sotto: cannot knock: %s\n", err_str(e));
		return EXIT_CONN;
	}
	return 0;
}

int
room_new_start(struct chat_setup *s, const char *relay, const char *name,
    const char *invite_file, const struct room_door *d)
{
	char host[ADDR_HOSTLEN];
	struct room *r;
	int port, st;

	if (addr_split(relay, RELAY_DEFAULT_PORT, 0, host, &port) != 0 ||
	    strlen(host) > INVITE_HOST_MAX) {
		fprintf(stderr, "sotto: bad relay address '%s'\n", relay);
		return EXIT_USAGE;
	}
	if ((r = room_alloc()) == NULL)
		return EXIT_CONN;
	r->s.plain = s->plain;
	r->creating = 1;
	r->invite_file = invite_file;
	strcpy(r->inv->host, host);
	r->inv->port = (uint16_t)port;
	randombytes_buf(r->inv->room_id, sizeof(r->inv->room_id));
	if (d != NULL && (d->question != NULL || d->code ||
	    d->answer_file != NULL))
		st = door_make(r, d);
	else {
		randombytes_buf(r->inv->room_secret,
		    sizeof(r->inv->room_secret));
		st = 0;
	}
	if (st == 0)
		st = room_start(r, name);
	room_release(r);
	return st;
}

int
room_join_start(struct chat_setup *s, const char *invitation, const char *name,
    const struct room_door *d)
{
	struct room *r;
	int st;

	if ((r = room_alloc()) == NULL)
		return EXIT_CONN;
	r->s.plain = s->plain;
	if ((st = invite_decode(r->inv, invitation)) != 0) {
		fprintf(stderr, "sotto: not a valid invitation: %s\n",
		    st == ERR_CHECKSUM ? "its checksum does not match (a typo "
		    "or a missing piece when it was copied, or it was altered)" :
		    err_str(st));
		room_release(r);
		return EXIT_USAGE;
	}
	st = r->inv->guard != 0 ? door_prepare(r, d) : 0;
	if (st == 0)
		st = room_start(r, name);
	room_release(r);
	return st;
}

int
room_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "relay", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "invite-file", required_argument, NULL, 'i' },
		{ "question", required_argument, NULL, 'q' },
		{ "answer-file", required_argument, NULL, 'a' },
		{ "one-time-code", no_argument, NULL, 'c' },
		{ "plain", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct chat_setup s;
	struct room_door d;
	struct config cfg;
	const char *relay = NULL, *name = NULL, *invite_file = NULL;
	int ch;

	memset(&d, 0, sizeof(d));

	chat_setup_init(&s);
	if (argc < 2 || strcmp(argv[1], "new") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) {
			room_usage(stdout);
			return EXIT_OK;
		}
		fprintf(stderr, "sotto: room needs a command: sotto room new "
		    "--relay HOST[:PORT]\n");
		room_usage(stderr);
		return EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "r:n:i:q:a:cLh", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r':
			relay = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'i':
			invite_file = optarg;
			break;
		case 'q':
			d.question = optarg;
			break;
		case 'a':
			d.answer_file = optarg;
			break;
		case 'c':
			d.code = 1;
			break;
		case 'L':
			s.plain = 1;
			break;
		case 'h':
			room_usage(stdout);
			return EXIT_OK;
		default:
			return cli_bad_option(argv, "rniqa", room_usage);
		}
	}
	if (relay == NULL && config_load(&cfg) == 0 && cfg.relay[0] != '\0')
		relay = cfg.relay;	/* the config file's default relay */
	if (relay == NULL || optind != argc) {
		fprintf(stderr, "sotto: %s\n", relay == NULL ?
		    "room new needs --relay HOST[:PORT]" : "unexpected argument");
		room_usage(stderr);
		return EXIT_USAGE;
	}
	return room_new_start(&s, relay, name, invite_file, &d);
}
