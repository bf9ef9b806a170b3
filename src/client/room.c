/*
 * room.c: `sotto room new` and `sotto join INVITATION`: a member of a
 * room on a relay.  The link to the relay is a secure channel that
 * authenticates the relay by its key (from the invitation, or pinned on
 * first use); everything said in the room is end-to-end encrypted by
 * group.c, so the relay only routes blobs it can't read.
 *
 * A cut is an interruption, not an ending (relay messages revision 2,
 * docs/PROTOCOL.md section 15.7): the member keeps its seat, its group
 * state and every line typed; it reconnects with backoff, resumes its
 * seat and is given what it missed; what it sent is kept (outq.h) until
 * the relay acknowledges it and sent again after a resume.
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
#include "dial.h"
#include "doorrate.h"
#include "err.h"
#include "gate.h"
#include "group.h"
#include "identity.h"
#include "invite.h"
#include "known_peers.h"
#include "outq.h"
#include "proxy.h"
#include "proxyconf.h"
#include "lookalike.h"
#include "relay.h"
#include "relaymsg.h"
#include "relaypin.h"
#include "rdvmsg.h"
#include "rendezvous.h"
#include "roomstore.h"
#include "sanitize.h"
#include "secret.h"
#include "term.h"

_Static_assert(INVITE_GUARD_QUESTION == GATE_F_QUESTION &&
    INVITE_GUARD_CODE == GATE_F_CODE &&
    INVITE_QUESTION_MAX == GATE_QUESTION_MAX &&
    INVITE_SECRET_BYTES == GATE_KEY_BYTES &&
    GROUP_SECRET_BYTES == GATE_SECRET_BYTES, "invite.h and gate.h agree");

/* How many times a newcomer knocks (the relay takes each knock to the
 * next member at the door), waiting this many seconds for each (how many
 * knocks a member looks at: doorrate.h). */
#define DOOR_TRIES		3
#define DOOR_WAIT		10

/* Reconnecting: the first try within 1 s, then doubling up to 30 s,
 * each delay drawn from its upper half; for --reconnect-for seconds. */
#define ROOM_RECONNECT_DEFAULT	600
#define ROOM_RECONNECT_MAX	86400
#define ROOM_BACKOFF_MAX	30
/* Lines wait for the sender key to reach every member listed present,
 * but no longer than this after WELCOME or RESUMED. */
#define ROOM_READY_GRACE	3
/* Reading stops while this many lines (or bytes) wait, and while this
 * many bytes are sent and not acknowledged; the link's own high water
 * mark (conn.h) also holds lines back. */
#define ROOM_QUEUE_LINES	256
#define ROOM_QUEUE_BYTES	(1024u * 1024)
#define ROOM_UNACKED_MAX	(4u * 1024 * 1024)
/* Connecting to the relay again: the TCP connect's own deadline. */
#define ROOM_CONNECT_MS		3000

struct rmember {
	uint32_t	 id;
	uint8_t		 flags;		/* RELAYMSG_FLAG_AWAY */
	char		 name[RELAYMSG_MAX_NAME + 1];	/* as the relay says */
};

/* What lets us back into our seat, in guarded memory. */
struct rseat {
	uint8_t		 token[RELAYMSG_TOKEN_BYTES];
};

struct room {
	struct event_base	*base;
	struct chat_setup	 s;
	struct term		*term;
	struct invite		*inv;		/* sodium_malloc'd */
	int			 creating;	/* room new: pin relay, print */
	int			 asked_addr;	/* sent RDV_WHOAMI */
	const char		*invite_file;
	struct identity		*link_id;	/* throwaway, for the relay */
	struct conn		*conn;
	struct group		*g;
	uint32_t		 self;
	uint32_t		 cseq;		/* last BCAST/DIRECT numbered */
	uint64_t		 seen;		/* highest event seq handled */
	uint64_t		 replay_to;	/* RESUMED's last */
	struct rseat		*seat;		/* sodium_malloc'd */
	int			 have_seat;	/* a WELCOME gave us one */
	struct outq		*q;
	struct rmember		*rm;		/* relay's view of members */
	size_t			 nrm, caprm;
	struct lookalike	 look;		/* verified names, and ours */
	int			 welcomed;	/* on this link (or resumed) */
	int			 joined;	/* in the room's group */
	int			 entered;	/* once: prompt, help, input */
	int			 invited;	/* room new: invitation shown */
	int			 relay_known;	/* relay_pk checked or pinned */
	/* Readiness: lines are handed to the group only when ready. */
	int			 grace_over;
	struct event		*ready_timer;
	int			 link_full;	/* conn above its high water */
	int			 input_ended;	/* leave once all is acked */
	int			 fatal;		/* a fatal ERROR came */
	int			 no_seat;	/* RESUME refused: JOIN again */
	int			 rejoined;	/* on a new seat after that */
	/* Reconnecting. */
	int			 reconnect_for;	/* seconds; 0: never */
	int			 door_stored;	/* gk from the room store */
	int			 reconnecting;
	time_t			 lost_at;
	unsigned		 tries;
	/* The invitation's relay addresses (a cluster's nodes): the one
	 * of the link or try under way, and the one last announced. */
	size_t			 addr_cur;
	size_t			 addr_shown;
	struct event		*reconnect_timer;
	struct dial		*dial;		/* a reconnection under way */
	/* What the prompt shows (terminal mode). */
	int			 prompt_set, prompt_offline, prompt_renamed;
	size_t			 prompt_pending;
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
	int			 visiting;	/* VISITING came: at the door */
	int			 opened;	/* the door opened: JOIN sent */
	size_t			 ntried;	/* knocks sent */
	size_t			 waiting;	/* WAITING: visitors at the door */
	struct event		*door_timer;
	struct door_rate	 drate;		/* knocks looked at */
	struct event		*knock_timer;	/* ignored knocks' notice */
	int			 done;
	int			 status;
};

/* Seconds to wait, after an announcement fails our room secret, for any
 * member to pass it before concluding our invitation is wrong. */
#define ROOM_REJECT_GRACE	2

_Static_assert(ROOM_RELAYS_MAX == INVITE_ADDR_MAX,
    "room new takes as many relays as an invitation holds");

/* "HOST:PORT" of the invitation's address i, brackets around an IPv6
 * literal. */
static void
addr_text(const struct room *r, size_t i, char *out, size_t outlen)
{
	const char *host;
	uint16_t port;

	invite_addr_get(r->inv, i, &host, &port);
	snprintf(out, outlen, strchr(host, ':') != NULL && host[0] != '[' ?
	    "[%s]:%u" : "%s:%u", host, port);
}

/* The next address after a failed try or a cut, round again after the
 * last. */
static void
addr_next(struct room *r)
{
	r->addr_cur = (r->addr_cur + 1) % invite_addr_count(r->inv);
}

/* The full-screen view's title: the relay we are in through. */
static void
set_title(struct room *r)
{
	char where[INVITE_HOST_MAX + 16], title[INVITE_HOST_MAX + 32];

	addr_text(r, r->addr_cur, where, sizeof(where));
	snprintf(title, sizeof(title), "room on %s", where);
	term_set_title(r->term, 1, title);
}

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

static struct rmember *
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
				return NULL;
			r->rm = n;
			r->caprm = r->caprm ? r->caprm * 2 : 16;
		}
		m = &r->rm[r->nrm++];
		m->id = id;
		m->flags = 0;
	}
	memcpy(m->name, name, len);
	m->name[len] = '\0';
	return m;
}

static void
rm_del(struct room *r, uint32_t id)
{
	struct rmember *m = rm_find(r, id);

	if (m != NULL)
		*m = r->rm[--r->nrm];
}

/* A name as shown: "alice", or "alice~1a2b-3c4d-5e6f" on a terminal
 * and, in line mode too, while the name looks like another present
 * member's: the key tag tells apart two people with lookalike names. */
static const char *
shown(struct room *r, uint32_t id, const char *name, const uint8_t *pk,
    char *out, size_t outlen)
{
	char tag[IDENTITY_LONG_TAG_LEN + 1];

	if (pk == NULL || (!term_interactive(r->term) &&
	    !lookalike_clash(&r->look, id)))
		return name;
	identity_long_tag(tag, pk);
	snprintf(out, outlen, "%s~%s", name, tag);
	return out;
}

/* A verified member's name, when it looks like another present one's:
 * both are flagged, with the tags that tell them apart. */
static void
flag_lookalike(struct room *r, uint32_t id, const char *name,
    const uint8_t *pk)
{
	char ta[IDENTITY_LONG_TAG_LEN + 1], tb[IDENTITY_LONG_TAG_LEN + 1];
	const uint8_t *opk;
	const char *oname;
	uint32_t o;

	if (lookalike_set(&r->look, id, name) != 0 ||
	    (o = lookalike_other(&r->look, id, name)) == 0)
		return;
	opk = o == r->self ? r->s.id->pk : group_member_pk(r->g, o);
	oname = o == r->self ? r->s.name : group_member_name(r->g, o);
	if (opk == NULL || oname == NULL)
		return;
	identity_long_tag(ta, pk);
	identity_long_tag(tb, opk);
	term_error(r->term, "WARNING: %s (member %u, key %s) looks like %s "
	    "(%s, key %s), also in the room: from now on both are shown "
	    "with their key tags; compare safety numbers (/verify) before "
	    "trusting either", name, id, ta, oname, o == r->self ? "you" :
	    "member", tb);
}

/* group.h's rename check: only the name the relay confirmed (/nick),
 * and none that looks like another present member's (§15.7). */
static int
rename_ok(void *arg, uint32_t id, const char *name)
{
	struct room *r = arg;
	struct rmember *m = rm_find(r, id);

	return lookalike_rename_ok(&r->look, id, name,
	    m != NULL ? m->name : NULL);
}

static const char *
who_name(struct room *r, uint32_t id)
{
	const char *n = r->g != NULL ? group_member_name(r->g, id) : NULL;
	struct rmember *m;

	if (n != NULL)
		return n;
	return (m = rm_find(r, id)) != NULL ? m->name : "someone";
}

static void	update_hold(struct room *);
static void	pump(struct room *);

/* Sends one relay message built by the caller in b, if linked. */
static void
link_send(struct room *r, struct buf *b)
{
	int e;

	if (r->conn == NULL || r->done || !r->welcomed)
		return;
	if ((e = conn_send(r->conn, buf_ptr(b), buf_len(b))) != 0)
		term_error(r->term, "cannot send to the relay: %s", err_str(e));
	else if (conn_pending(r->conn) > CONN_HIGH_WATER && !r->link_full) {
		r->link_full = 1;	/* until link_drained */
		update_hold(r);
	}
}

/*
 * Every BCAST and DIRECT (group blobs, the door's knock and answers):
 * numbered with the seat's next cseq, kept until the relay accepts it,
 * and sent now if the link is up (else after the resume).
 */
static void
blob_send(struct room *r, uint32_t to, const uint8_t *blob, size_t len)
{
	struct buf b;
	int e;

	buf_init(&b, FRAME_MAX_APP);
	if ((e = to == 0 ? relaymsg_put_bcast(&b, r->cseq + 1, blob, len) :
	    relaymsg_put_direct(&b, r->cseq + 1, to, blob, len)) != 0 ||
	    (e = outq_blob_push(r->q, r->cseq + 1, buf_ptr(&b),
	    buf_len(&b))) != 0)
		term_error(r->term, "cannot send to the relay: %s", err_str(e));
	else {
		r->cseq++;
		link_send(r, &b);
	}
	buf_release(&b);
}

static void
group_out(void *arg, uint32_t to, const uint8_t *blob, size_t len)
{
	blob_send(arg, to, blob, len);
}

/* Trust on first use for room members, as for 1:1 peers. */
static void
check_pinned(struct room *r, const char *name, const uint8_t *pk)
{
	char tag[IDENTITY_TAG_LEN + 1], pinned[PEERS_NAME_MAX + 1];
	int status = 0;

	identity_tag(tag, pk);
	/* Found by lookalike: "pinned" is the name the key was pinned as. */
	if (peers_check_like(r->s.peers_path, name, pk, &status, pinned) != 0)
		return;
	if (status == PEERS_NEW)
		(void)peers_pin(r->s.peers_path, name, pk);
	else if (status == PEERS_CHANGED && strcmp(pinned, name) != 0)
		term_error(r->term, "WARNING: %s looks like %s, whose identity "
		    "key is another: someone may be posing as %s; compare "
		    "safety numbers (/verify %s) before trusting what they "
		    "say.", name, pinned, pinned, name);
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
	const char *sn = shown(r, ev->id, name, ev->pk, nb, sizeof(nb));
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
		flag_lookalike(r, ev->id, name, ev->pk);
		check_pinned(r, name, ev->pk);
		term_member(r->term, ev->id, name, color, ev->pk);
		break;
	case GROUP_EV_RENAMED:
		term_notice(r->term, "member %u is now known as %s", ev->id,
		    name);
		flag_lookalike(r, ev->id, name, ev->pk);
		check_pinned(r, name, ev->pk);
		term_member(r->term, ev->id, name, color, ev->pk);
		break;
	case GROUP_EV_RENAME_REFUSED:
		m = rm_find(r, ev->id);
		term_error(r->term, "%s (member %u) announced itself as '%s', "
		    "refused: %s; it keeps its name", name, ev->id, ev->refused,
		    m == NULL || strcmp(m->name, ev->refused) != 0 ?
		    "the relay did not confirm that name (a name changes "
		    "only with /nick)" : "it looks like another member's");
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
	char tag[IDENTITY_TAG_LEN + 1];
	char where[INVITE_HOST_MAX + 16];
	int status;

	identity_tag(tag, pk);
	/* Every link, the first as the others: a reconnection to an
	 * impostor is refused like a first connection would be. */
	if (!r->creating || r->relay_known) {
		if (sodium_memcmp(pk, r->inv->relay_pk, IDENTITY_PK_BYTES) != 0) {
			term_error(r->term, "the relay's key (%s) is not the "
			    "one in the invitation: someone is in between, or "
			    "the relay was replaced", tag);
			return EXIT_IDENTITY;
		}
		return 0;
	}
	/* Pinned in known_relays, apart from people (known_peers.h). */
	addr_text(r, r->addr_cur, where, sizeof(where));
	if ((status = relaypin_check(r->term, r->s.peers_path, where, pk)) != 0)
		return status;
	memcpy(r->inv->relay_pk, pk, IDENTITY_PK_BYTES);
	r->relay_known = 1;
	return 0;
}

/* room new, on the first link: the invitation, on stdout and in the
 * --invite-file. */
static int
show_invitation(struct room *r)
{
	char text[INVITE_STR_MAX];

	if (invite_encode(r->inv, text, sizeof(text)) != 0) {
		term_error(r->term, "cannot make the invitation");
		return EXIT_USAGE;
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
	r->invited = 1;
	return 0;
}

static void
link_established(struct conn *c, void *arg)
{
	struct room *r = arg;
	struct buf b;
	int st, e;

	(void)c;
	if ((st = check_relay(r)) != 0 ||
	    (r->creating && !r->invited && (st = show_invitation(r)) != 0)) {
		hang_up(r, st);
		return;
	}
	/* Our seat if we have one, else a new one; room new first asks the
	 * relay what address it sees us at, to show. */
	buf_init(&b, 256);
	if (r->creating && !r->entered && !r->asked_addr) {
		r->asked_addr = 1;
		if (rdvmsg_put_whoami(&b) == 0)
			(void)conn_send(r->conn, buf_ptr(&b), buf_len(&b));
		buf_reset(&b);
	}
	if (r->have_seat && !r->no_seat)
		e = relaymsg_put_resume(&b, r->inv->room_id, r->self,
		    r->seat->token, r->seen);
	else if (r->knock != NULL)	/* outside a guarded room's door */
		e = relaymsg_put_lobby(&b, RELAYMSG_VISIT, r->inv->lobby_id);
	else
		e = relaymsg_put_join(&b, r->inv->room_id, r->s.name);
	if (e == 0 && (e = conn_send(r->conn, buf_ptr(&b), buf_len(&b))) != 0)
		term_error(r->term, "cannot send to the relay: %s",
		    err_str(e));
	buf_release(&b);
}

/* On a terminal the prompt says how many lines are not acknowledged
 * yet, and whether the link is down. */
static void
update_prompt(struct room *r)
{
	char prompt[160], cb[16], state[48] = "";
	size_t n = outq_lines(r->q);
	int offline = r->conn == NULL || !r->welcomed;

	if (!term_interactive(r->term) || !r->entered)
		return;
	/* Redraw only when it changes, not at every message. */
	if (r->prompt_set && n == r->prompt_pending &&
	    offline == r->prompt_offline && !r->prompt_renamed)
		return;
	r->prompt_set = 1;
	r->prompt_pending = n;
	r->prompt_offline = offline;
	r->prompt_renamed = 0;
	if (offline)
		snprintf(state, sizeof(state), " [offline, %zu pending]", n);
	else if (n > 0)
		snprintf(state, sizeof(state), " [%zu pending]", n);
	snprintf(prompt, sizeof(prompt), "%s%s%s%s> ",
	    term_color(r->term, chat_key_color(r->s.id->pk), cb),
	    r->s.name, term_reset(r->term), state);
	term_set_prompt(r->term, prompt);
}

/* A guarded room's door keys, kept so that we can come back without
 * the door (roomstore.h); a failure costs only that. */
static void
store_door(struct room *r)
{
	struct roomstore *st = NULL;
	char dir[PATH_MAX];
	int e;

	if ((e = roomstore_default_dir(dir, sizeof(dir))) != 0 ||
	    (e = roomstore_new(&st, dir, r->s.id)) != 0 ||
	    (e = roomstore_save(st, r->inv->lobby_id, r->gk)) != 0)
		term_error(r->term, "cannot keep this guarded room's keys in "
		    "%s (%s): coming back later will need the door again",
		    dir[0] != '\0' ? dir : "$XDG_STATE_HOME/sotto/rooms",
		    e == ERR_IO ? strerror(errno) : err_str(e));
	roomstore_free(st);
}

/* A guarded room's member opens its door: LOBBY, on every link where it
 * is in the room, so that the relay brings it knocks (PROTOCOL.md
 * 15.9). */
static void
open_door(struct room *r)
{
	struct buf b;

	if (r->gk == NULL || r->g == NULL)
		return;
	buf_init(&b, 1 + RELAYMSG_ROOM_ID_BYTES);
	if (relaymsg_put_lobby(&b, RELAYMSG_LOBBY, r->inv->lobby_id) == 0)
		link_send(r, &b);
	buf_release(&b);
}

/* Into the room with its secret (kept for a JOIN on a new seat):
 * our announcement goes out. */
static void
enter_room(struct room *r, const uint8_t secret[GROUP_SECRET_BYTES])
{
	char title[INVITE_STR_MAX];
	int e;

	if ((e = group_new(&r->g, r->inv->room_id, secret,
	    r->s.id, r->s.name, group_out, group_ev, r)) != 0) {
		term_error(r->term, "cannot set up the room: %s", err_str(e));
		hang_up(r, EXIT_CONN);
		return;
	}
	group_set_name_check(r->g, peers_name_valid);
	group_set_rename_check(r->g, rename_ok, r);
	(void)lookalike_set(&r->look, r->self, r->s.name);
	/* For /invite in the full-screen view, which keeps it guarded. */
	if (invite_encode(r->inv, title, sizeof(title)) == 0)
		term_set_invitation(r->term, title);
	sodium_memzero(title, sizeof(title));
	r->joined = 1;
	if (r->nrm == 0)
		r->verified_any = 1;	/* nobody to disagree with */
	if (r->entered) {
		term_notice(r->term, "joined the room again as %s (%zu other "
		    "member%s)", r->s.name, r->nrm, r->nrm == 1 ? "" : "s");
		(void)group_start(r->g, r->self);
		open_door(r);
		return;
	}
	r->entered = 1;
	if (r->door_stored)
		term_notice(r->term, "entered with the keys kept from your "
		    "last visit (no door)");
	else if (r->gk != NULL)
		store_door(r);
	term_notice(r->term, "joined the room as %s (%zu other member%s); "
	    "messages are end-to-end encrypted", r->s.name, r->nrm,
	    r->nrm == 1 ? "" : "s");
	set_title(r);
	term_set_self(r->term, r->s.name, chat_key_color(r->s.id->pk),
	    r->s.confdir);
	term_set_link(r->term, TERM_LINK_UP);
	if (term_interactive(r->term))
		term_notice(r->term, "%s", ROOM_HELP);
	update_prompt(r);
	(void)group_start(r->g, r->self);
	open_door(r);
	term_input(r->term, 1);
}

/*
 * Outside a guarded room: knock again; the relay takes each knock to the
 * next member at the door (PROTOCOL.md 15.9), who alone may answer it.
 */
static void
knock_next(struct room *r)
{
	struct timeval tv = { DOOR_WAIT, 0 };
	struct buf b;
	int e;

	if (r->ntried >= DOOR_TRIES) {
		term_error(r->term, "no member opened the door (no answer "
		    "within %d s)", DOOR_WAIT);
		hang_up(r, EXIT_CONN);
		return;
	}
	r->ntried++;
	term_notice(r->term, "this room is guarded: knocking at the door "
	    "(try %zu of %d)", r->ntried, DOOR_TRIES);
	buf_init(&b, 1 + GATE_KNOCK_BYTES);
	if ((e = relaymsg_put_door(&b, RELAYMSG_KNOCK, 0, r->knock_blob,
	    sizeof(r->knock_blob))) != 0 ||
	    (e = conn_send(r->conn, buf_ptr(&b), buf_len(&b))) != 0)
		term_error(r->term, "cannot send to the relay: %s", err_str(e));
	buf_release(&b);
	evtimer_add(r->door_timer, &tv);
}

/* ERROR 5 to a knock: nobody (more) at the door to ask. */
static void
knock_nobody(struct room *r)
{
	evtimer_del(r->door_timer);
	term_error(r->term, r->ntried <= 1 ? "this room is guarded and nobody "
	    "is in it to open the door: try again when a member is there" :
	    "no member opened the door (no answer within %d s)", DOOR_WAIT);
	hang_up(r, EXIT_CONN);
}

/* VISITING: at the door; with somebody there to open it, knock. */
static void
on_visiting(struct room *r, const struct relaymsg *m)
{
	r->visiting = 1;
	if (m->count == 0) {
		knock_nobody(r);
		return;
	}
	knock_next(r);
}

static void
door_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct room *r = arg;

	(void)fd;
	(void)what;
	if (!r->done && r->knock != NULL && r->visiting && !r->opened)
		knock_next(r);
}

/* The member we asked answered: in, or the answer or code was wrong. */
static void
door_answer(struct room *r, const uint8_t *blob, size_t len)
{
	struct buf b;
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
	r->opened = 1;
	term_notice(r->term, "the door opened");
	/* The room's id comes with its secret: into the room proper, on
	 * this same link (WELCOME then enters it). */
	invite_room_id(r->gk->room_secret, r->inv->room_id);
	buf_init(&b, 64);
	if ((e = relaymsg_put_join(&b, r->inv->room_id, r->s.name)) != 0 ||
	    (e = conn_send(r->conn, buf_ptr(&b), buf_len(&b))) != 0) {
		term_error(r->term, "cannot send to the relay: %s", err_str(e));
		hang_up(r, EXIT_CONN);
	}
	buf_release(&b);
}

/* Seconds of the monotonic clock (the rate limit's; OTP windows keep
 * the wall clock). */
static time_t
mono_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return time(NULL);
	return ts.tv_sec;
}

/* Once a minute while knocks are being ignored: how many. */
static void
knock_summary(evutil_socket_t fd, short what, void *arg)
{
	struct room *r = arg;
	struct timeval tv = { DOOR_RATE_WINDOW, 0 };
	uint64_t n;

	(void)fd;
	(void)what;
	if ((n = door_rate_drain(&r->drate)) == 0)
		return;
	term_notice(r->term, "%llu knock%s at the door ignored in the last "
	    "minute", (unsigned long long)n, n == 1 ? "" : "s");
	evtimer_add(r->knock_timer, &tv);
}

/* A newcomer knocks: looked at, valid or not, at most DOOR_RATE times a
 * minute (doorrate.h); counted before any work is done on it. */
static void
door_knock(struct room *r, uint32_t visitor, const uint8_t *blob, size_t len)
{
	struct timeval tv = { DOOR_RATE_WINDOW, 0 };
	time_t now = time(NULL);
	struct buf ans, msg;
	int e;

	if (r->gk == NULL || r->g == NULL)
		return;		/* not a guarded room, or not in yet */
	if (!door_rate_take(&r->drate, mono_now())) {
		if (!evtimer_pending(r->knock_timer, NULL)) {
			term_notice(r->term, "more than %d knocks at the door "
			    "in a minute: ignoring them for now (someone may "
			    "be guessing the answer)", DOOR_RATE);
			evtimer_add(r->knock_timer, &tv);
		}
		return;
	}
	buf_init(&ans, GATE_ANSWER_MAX_BYTES);
	buf_init(&msg, 1 + 4 + GATE_ANSWER_MAX_BYTES);
	if ((e = gate_answer(r->gk, r->inv->lobby_id, (uint64_t)now, blob,
	    len, &ans)) != 0)
		term_notice(r->term, "someone knocked at the door with a "
		    "malformed knock (visitor %lu: %s)",
		    (unsigned long)visitor, err_str(e));
	else {
		term_notice(r->term, "someone is at the door (visitor %lu): if "
		    "they know %s, they are let in", (unsigned long)visitor,
		    r->gk->flags == GATE_F_ALL ? "the answer and the one-time "
		    "code" : (r->gk->flags & GATE_F_CODE) ? "the one-time code" :
		    "the answer");
		/* Not numbered, not kept: the door is not the room's. */
		if (relaymsg_put_door(&msg, RELAYMSG_OPEN, visitor,
		    buf_ptr(&ans), buf_len(&ans)) == 0)
			link_send(r, &msg);
	}
	buf_release(&msg);
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

/* The relay's member list (WELCOME, RESUMED) replaces our view. */
static void
take_members(struct room *r, const struct relaymsg *m)
{
	struct relaymsg_member mem;
	struct rmember *rm;
	size_t off = 0;

	r->nrm = 0;
	while (relaymsg_welcome_next(m, &off, &mem))
		if (mem.id != r->self &&
		    (rm = rm_set(r, mem.id, mem.name, mem.name_len)) != NULL)
			rm->flags = mem.flags & RELAYMSG_FLAG_AWAY;
}

/* Lines wait for the sender key to reach those present, but not long. */
static void
start_ready_gate(struct room *r)
{
	struct timeval tv = { ROOM_READY_GRACE, 0 };

	r->grace_over = 0;
	evtimer_add(r->ready_timer, &tv);
}

static void
ready_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct room *r = arg;

	(void)fd;
	(void)what;
	r->grace_over = 1;
	pump(r);
}

/* Ready to hand lines to the group: in the room on a live link, and
 * every member listed present verified (so our sender key reaches
 * them), or the grace is over. */
static int
is_ready(struct room *r)
{
	size_t i;

	if (r->conn == NULL || !r->welcomed || r->g == NULL || r->done)
		return 0;
	if (r->grace_over)
		return 1;
	/* On a new seat the others are coming back too, with new seats
	 * and sessions: give them the grace to be there. */
	if (r->rejoined)
		return 0;
	/* What we missed first: a LEFT in it starts a new epoch, a JOINED
	 * brings someone to give our key to. */
	if (r->seen < r->replay_to)
		return 0;
	for (i = 0; i < r->nrm; i++)
		if (!(r->rm[i].flags & RELAYMSG_FLAG_AWAY) &&
		    group_member_name(r->g, r->rm[i].id) == NULL)
			return 0;
	return 1;
}

/* In (again): which of the invitation's relays, when not the last one
 * we were in through. */
static void
show_addr(struct room *r)
{
	char where[INVITE_HOST_MAX + 16];

	if (r->addr_cur == r->addr_shown)
		return;
	addr_text(r, r->addr_cur, where, sizeof(where));
	term_notice(r->term, "now connected to the relay at %s", where);
	r->addr_shown = r->addr_cur;
	if (r->entered)
		set_title(r);
}

static void
reconnected(struct room *r)
{
	if (r->reconnecting)
		term_notice(r->term, "reconnected");
	show_addr(r);
	term_set_link(r->term, TERM_LINK_UP);
	r->reconnecting = 0;
	r->tries = 0;
	update_prompt(r);
}

static void
on_welcome(struct room *r, const struct relaymsg *m)
{
	int again = r->have_seat;

	r->self = m->id;
	r->welcomed = 1;
	r->rejoined = r->no_seat;
	r->have_seat = 1;
	r->no_seat = 0;
	r->seen = m->seq;
	r->replay_to = 0;
	memcpy(r->seat->token, m->token, RELAYMSG_TOKEN_BYTES);
	take_members(r, m);
	start_ready_gate(r);
	if (again)
		reconnected(r);
	else
		show_addr(r);
	enter_room(r, r->gk != NULL ? r->gk->room_secret :
	    r->inv->room_secret);
}

/* Our seat again: what the relay has of what we sent is dropped, the
 * rest sent again, byte for byte; the replay of what we missed
 * follows. */
static void
on_resumed(struct room *r, const struct relaymsg *m)
{
	const uint8_t *msg;
	uint32_t cseq;
	size_t i, len;
	int e;

	if (m->id != r->self || m->cseq > r->cseq) {
		term_error(r->term, "the relay resumed a seat that is not "
		    "ours (member %u, %u sent)", m->id, m->cseq);
		hang_up(r, EXIT_CONN);
		return;
	}
	r->welcomed = 1;
	r->rejoined = 0;
	r->replay_to = m->last;
	take_members(r, m);
	if (m->seq > r->seen + 1)
		term_notice(r->term, "the relay no longer has everything said "
		    "while you were away: messages may be missing");
	outq_ack(r->q, m->cseq);
	for (i = 0; outq_blob_get(r->q, i, &cseq, &msg, &len); i++)
		if ((e = conn_send(r->conn, msg, len)) != 0) {
			term_error(r->term, "cannot send to the relay: %s",
			    err_str(e));
			break;
		}
	if (conn_pending(r->conn) > CONN_HIGH_WATER)
		r->link_full = 1;
	start_ready_gate(r);
	reconnected(r);
	open_door(r);
}

/* RESUME refused: the relay forgot our seat (restarted without its log,
 * or the seat's hold ran out).  A new seat, a new group layer; lines not
 * acknowledged are sent again in it. */
static void
lost_seat(struct room *r)
{
	term_notice(r->term, "the relay no longer holds your place in the "
	    "room: joining again (messages sent while you were away may be "
	    "missing)");
	r->no_seat = 1;
	r->have_seat = 1;	/* keep reconnecting */
	group_free(r->g);
	r->g = NULL;
	r->joined = 0;
	r->verified_any = 0;
	r->cseq = 0;
	r->seen = 0;
	r->nrm = 0;
	outq_restart(r->q);
}

static void	report_undelivered(struct room *);

static void
relay_error(struct room *r, const struct relaymsg *m)
{
	int fatal;

	if (m->code == RELAYMSG_ERR_NO_MEMBER && r->knock != NULL &&
	    r->visiting) {
		knock_nobody(r);
		return;
	}
	if (m->code == RELAYMSG_ERR_LOBBY_TAKEN && r->welcomed) {
		term_error(r->term, "the relay has this room's door bound to "
		    "another room: newcomers with the invitation cannot reach "
		    "this room");
		return;
	}
	if (m->code == RELAYMSG_ERR_NO_SEAT && r->have_seat && !r->welcomed) {
		lost_seat(r);
		return;		/* the relay closes; we JOIN on a new link */
	}
	if (m->code == RELAYMSG_ERR_SHUTDOWN && r->have_seat &&
	    r->reconnect_for > 0) {
		term_notice(r->term, "the relay is shutting down");
		return;		/* a cut like any other: we come back */
	}
	if (m->code == RELAYMSG_ERR_SHUTDOWN && !r->have_seat &&
	    !r->entered && !r->visiting &&
	    r->addr_cur + 1 < invite_addr_count(r->inv)) {
		term_notice(r->term, "the relay is shutting down");
		return;		/* the next address once it closes */
	}
	fatal = !r->welcomed || m->code == RELAYMSG_ERR_SHUTDOWN ||
	    m->code == RELAYMSG_ERR_PROTOCOL || m->code == RELAYMSG_ERR_TIMEOUT ||
	    m->code == RELAYMSG_ERR_RATE;
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
	case RELAYMSG_ERR_NO_SEAT:
		term_error(r->term, "the relay refused to resume our seat");
		break;
	case RELAYMSG_ERR_RATE:
		term_error(r->term, "the relay refuses: too many rooms were "
		    "created from your address; try again later");
		break;
	default:
		term_error(r->term, "the relay reports an error (code %u)",
		    m->code);
		break;
	}
	if (fatal) {
		r->fatal = 1;
		/* Refused on a new seat after a lost one: what was typed is
		 * not delivered, and the name was fine before. */
		if (r->entered)
			report_undelivered(r);
		hang_up(r, !r->entered && (m->code == RELAYMSG_ERR_NAME_TAKEN ||
		    m->code == RELAYMSG_ERR_BAD_NAME) ? EXIT_USAGE : EXIT_CONN);
	}
}

static void	handle_one(struct room *, const uint8_t *, size_t);

static void
link_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	struct room *r = arg;
	struct relaymsg m;
	struct rdvmsg rm;
	const uint8_t *item;
	size_t off = 0, ilen;

	(void)c;
	/* room new asked the relay for our address (RDV_WHOAMI). */
	if (len > 0 && p[0] == RDVMSG_ADDR) {
		if (rdvmsg_parse(&rm, p, len) == 0)
			rdv_show_addresses(r->term, rm.data, rm.data_len);
		return;
	}
	/* A BATCH is several messages sealed together: handle each. */
	if (relaymsg_parse(&m, p, len) == 0 && m.type == RELAYMSG_BATCH) {
		while (!r->done && relaymsg_batch_next(&m, &off, &item, &ilen))
			handle_one(r, item, ilen);
	} else
		handle_one(r, p, len);
	pump(r);
}

/* The relay's events carry the room's seq: one at or below what we have
 * handled is a replay's overlap, and skipped. */
static int
is_event(uint8_t type)
{
	switch (type) {
	case RELAYMSG_JOINED:
	case RELAYMSG_LEFT:
	case RELAYMSG_NICKED:
	case RELAYMSG_DELIVER:
	case RELAYMSG_DELIVER_DIRECT:
	case RELAYMSG_AWAY:
	case RELAYMSG_BACK:
		return 1;
	}
	return 0;
}

/* What the relay must send next while we have no seat on this link. */
static uint8_t
expected(const struct room *r)
{
	if (r->knock != NULL)
		return r->visiting ? RELAYMSG_OPENED : RELAYMSG_VISITING;
	return r->have_seat && !r->no_seat ? RELAYMSG_RESUMED :
	    RELAYMSG_WELCOME;
}

/* WAITING: how many are at the door; said when someone arrives, and
 * when nobody is left. */
static void
on_waiting(struct room *r, size_t n)
{
	if (r->gk == NULL)
		return;
	if (n > r->waiting)
		term_notice(r->term, "someone is waiting at the door (%zu "
		    "there now)", n);
	else if (n == 0 && r->waiting > 0)
		term_notice(r->term, "nobody is waiting at the door any more");
	r->waiting = n;
}

static void
handle_one(struct room *r, const uint8_t *p, size_t len)
{
	struct relaymsg m;
	struct rmember *rm;
	int e;

	if (r->done)
		return;
	if ((e = relaymsg_parse(&m, p, len)) != 0 ||
	    (!r->welcomed && m.type != RELAYMSG_ERROR &&
	    m.type != expected(r))) {
		term_error(r->term, "the relay sent a malformed message (%s)",
		    e != 0 ? err_str(e) : "unexpected");
		hang_up(r, EXIT_CONN);
		return;
	}
	if (is_event(m.type)) {
		if (m.seq <= r->seen)
			return;
		r->seen = m.seq;
	}
	switch (m.type) {
	case RELAYMSG_VISITING:
		if (r->knock != NULL && !r->visiting)
			on_visiting(r, &m);
		break;
	case RELAYMSG_OPENED:
		if (r->knock != NULL && r->visiting)
			door_answer(r, m.blob, m.blob_len);
		break;
	case RELAYMSG_KNOCKED:
		door_knock(r, m.id, m.blob, m.blob_len);
		break;
	case RELAYMSG_WAITING:
		on_waiting(r, m.count);
		break;
	case RELAYMSG_WELCOME:
		if (!r->welcomed)
			on_welcome(r, &m);
		break;
	case RELAYMSG_RESUMED:
		if (!r->welcomed)
			on_resumed(r, &m);
		break;
	case RELAYMSG_ACCEPTED:
		if (m.cseq > r->cseq) {
			term_error(r->term, "the relay acknowledged messages "
			    "never sent (%u of %u)", m.cseq, r->cseq);
			hang_up(r, EXIT_CONN);
			return;
		}
		outq_ack(r->q, m.cseq);
		update_hold(r);
		update_prompt(r);
		break;
	case RELAYMSG_JOINED:
		rm_set(r, m.id, m.name, m.name_len);
		break;
	case RELAYMSG_AWAY:
	case RELAYMSG_BACK:
		if ((rm = rm_find(r, m.id)) == NULL)
			break;
		if ((m.type == RELAYMSG_AWAY) != !!(rm->flags &
		    RELAYMSG_FLAG_AWAY))
			term_notice(r->term, "%s %s", who_name(r, m.id),
			    m.type == RELAYMSG_AWAY ? "lost connection" :
			    "is back");
		rm->flags = m.type == RELAYMSG_AWAY ? RELAYMSG_FLAG_AWAY : 0;
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
		lookalike_del(&r->look, m.id);
		break;
	case RELAYMSG_NICKED:
		if (m.id != r->self)
			rm_set(r, m.id, m.name, m.name_len);
		/* Only the name we asked for: the relay can't rename us. */
		if (m.id == r->self && r->g != NULL &&
		    r->nick_wanted[0] != '\0' &&
		    m.name_len == strlen(r->nick_wanted) &&
		    memcmp(m.name, r->nick_wanted, m.name_len) == 0) {
			strcpy(r->s.name, r->nick_wanted);
			r->nick_wanted[0] = '\0';
			(void)group_rename(r->g, r->s.name);
			(void)lookalike_set(&r->look, r->self, r->s.name);
			term_notice(r->term, "you are now %s", r->s.name);
			r->prompt_renamed = 1;
			update_prompt(r);
			term_set_self(r->term, r->s.name,
			    chat_key_color(r->s.id->pk), r->s.confdir);
		}
		break;
	case RELAYMSG_DELIVER_DIRECT:
		/* The door's two blobs go through the lobby now (KNOCKED,
		 * OPENED): in a DIRECT they are nobody's, and dropped. */
		if (m.blob_len > 0 && (m.blob[0] == GATE_BLOB_KNOCK ||
		    m.blob[0] == GATE_BLOB_ANSWER))
			break;
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

/* Prints the lines the relay never acknowledged (sanitised: they are
 * the user's, but may hold anything). */
static void
report_undelivered(struct room *r)
{
	const char *t;
	size_t i, n = outq_lines(r->q), len;
	struct buf b;

	if (n == 0)
		return;
	term_notice(r->term, "%zu line%s never delivered:", n, n == 1 ? "" :
	    "s");
	buf_init(&b, 4 * (GROUP_MAX_TEXT + 64) * UI_SAN_MAX_EXPANSION);
	for (i = 0; outq_line_get(r->q, i, &t, &len); i++) {
		buf_reset(&b);
		if (ui_sanitize(&b, (const uint8_t *)t, len, 0) == 0 &&
		    buf_put_u8(&b, 0) == 0)
			term_notice(r->term, "not delivered: %s",
			    (const char *)buf_ptr(&b));
	}
	buf_release(&b);
}

/* The next try after backoff with jitter: 2^k s capped, from its upper
 * half, so that members cut together don't all come back at once. */
static void
schedule_reconnect(struct room *r)
{
	struct timeval tv;
	uint32_t cap_ms, ms;

	cap_ms = 1000u << (r->tries < 5 ? r->tries : 5);
	if (cap_ms > ROOM_BACKOFF_MAX * 1000u)
		cap_ms = ROOM_BACKOFF_MAX * 1000u;
	ms = cap_ms / 2 + randombytes_uniform(cap_ms / 2 + 1);
	r->tries++;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(r->reconnect_timer, &tv);
}

static int	link_open(struct room *, int, char *, size_t);

static void
give_up(struct room *r)
{
	term_error(r->term, "could not reconnect to the relay within %d s; "
	    "giving up", r->reconnect_for);
	report_undelivered(r);
	room_end(r, EXIT_CONN);
}

static void
reconnect_dialed(int sock, const char *why, void *arg)
{
	struct room *r = arg;
	char whyopen[256];

	(void)why;
	r->dial = NULL;
	if (r->done || r->conn != NULL) {
		if (sock >= 0)
			close(sock);
		return;
	}
	if (sock < 0 || link_open(r, sock, whyopen, sizeof(whyopen)) != 0) {
		addr_next(r);
		schedule_reconnect(r);
	}
}

/* The next try, on the loop: the connection (and the proxy's
 * negotiation) never blocks what the member types or reads. */
static void
reconnect_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct room *r = arg;
	const char *host;
	uint16_t port;

	(void)fd;
	(void)what;
	if (r->done || r->conn != NULL || r->dial != NULL)
		return;
	if (time(NULL) - r->lost_at >= r->reconnect_for) {
		give_up(r);
		return;
	}
	invite_addr_get(r->inv, r->addr_cur, &host, &port);
	if ((r->dial = dial_start(r->base, host, port,
	    proxy_timeout(ROOM_CONNECT_MS),
	    reconnect_dialed, r)) == NULL) {
		addr_next(r);
		schedule_reconnect(r);
	}
}

/* The link is gone without our leaving: come back, if we may. */
static int
link_lost(struct room *r)
{
	if (r->reconnect_for <= 0 || !r->have_seat || r->we_left ||
	    r->fatal)
		return 0;
	if (!r->reconnecting) {
		r->reconnecting = 1;
		r->lost_at = time(NULL);
		r->tries = 0;
		term_notice(r->term, "connection to the relay lost; "
		    "reconnecting\xe2\x80\xa6");
	}
	/* A cut, or a try that ended before we were in: the next relay
	 * (a cluster's node died, or this one is shutting down). */
	addr_next(r);
	r->welcomed = 0;
	r->link_full = 0;
	r->waiting = 0;		/* the relay says it again after LOBBY */
	evtimer_del(r->ready_timer);
	update_hold(r);
	update_prompt(r);
	if (r->no_seat) {
		/* A new seat right away: nothing to wait for. */
		struct timeval now = { 0, 0 };

		evtimer_add(r->reconnect_timer, &now);
	} else
		schedule_reconnect(r);
	return 1;
}

static int	first_next(struct room *);

/* The first link's TCP connect, to an address after the first. */
static void
first_dialed(int sock, const char *why, void *arg)
{
	struct room *r = arg;
	char whyopen[256];

	r->dial = NULL;
	if (r->done || r->conn != NULL) {
		if (sock >= 0)
			close(sock);
		return;
	}
	if (sock < 0) {
		term_error(r->term, "%s", why);
		if (!first_next(r))
			room_end(r, EXIT_CONN);
		return;
	}
	if (link_open(r, sock, whyopen, sizeof(whyopen)) != 0) {
		term_error(r->term, "%s", whyopen);
		room_end(r, EXIT_CONN);
	}
}

/*
 * The first link ended before we were in (a node frozen or stopping
 * accepts the connection, then times out or says goodbye): the
 * invitation's next address, if any is left.  Never at the door of a
 * guarded room (its lobby is the node's).  1 if a try is under way.
 */
static int
first_next(struct room *r)
{
	char where[INVITE_HOST_MAX + 16];
	const char *host;
	uint16_t port;

	if (r->have_seat || r->entered || r->visiting || r->fatal ||
	    r->addr_cur + 1 >= invite_addr_count(r->inv))
		return 0;
	r->addr_cur++;
	addr_text(r, r->addr_cur, where, sizeof(where));
	term_notice(r->term, "trying the room's next relay address, %s",
	    where);
	invite_addr_get(r->inv, r->addr_cur, &host, &port);
	return (r->dial = dial_start(r->base, host, port,
	    proxy_timeout(10000), first_dialed, r)) != NULL;
}

static void
link_closed(struct conn *c, int err, void *arg)
{
	struct room *r = arg;
	char why[512];
	int wrong = chat_handshake_err(c, err, 1, why, sizeof(why));

	conn_free(c);
	r->conn = NULL;
	if (r->done)
		return;
	term_set_link(r->term, TERM_LINK_DOWN);
	if (r->hangup) {
		room_end(r, r->hangup_status);
		return;
	}
	if (err == 0 && r->we_left) {
		room_end(r, EXIT_OK);
		return;
	}
	if (link_lost(r))
		return;
	if (err == 0)
		term_error(r->term, "the relay closed the connection");
	else if (wrong)
		term_error(r->term, "%s", why);
	else
		term_error(r->term, "relay connection: %s", chat_err_text(err));
	if (first_next(r))
		return;
	report_undelivered(r);
	room_end(r, err == 0 || chat_err_status(err) == EXIT_AUTH ? EXIT_CONN :
	    chat_err_status(err));
}

static void
link_drained(struct conn *c, void *arg)
{
	struct room *r = arg;

	(void)c;
	r->link_full = 0;
	pump(r);
}

static const struct conn_cbs link_cbs = {
	link_established, link_message, link_closed, link_drained
};

/* A link on the connected socket sock (taken: closed on failure). */
static int
link_open(struct room *r, int sock, char *why, size_t whylen)
{
	struct chan_params cp;

	/* The link's own identity is throwaway; our real identity key is
	 * still visible to the relay in our signed announcement. */
	relay_link_client_params(&cp, r->link_id);
	r->welcomed = 0;
	if ((r->conn = conn_new(r->base, sock, &cp, &r->s.timing, &link_cbs,
	    r)) == NULL) {
		snprintf(why, whylen, "cannot start the connection");
		return -1;
	}
	return 0;
}

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
	if (r->gk != NULL && r->waiting > 0)
		term_notice(r->term, "%zu waiting at the door", r->waiting);
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

/* /msg NAME TEXT: 0 with the name's length and the text's offset, or
 * -1 (usage). */
static int
msg_split(const char *line, size_t len, size_t *namelen, size_t *textoff)
{
	const char *sp = len > 5 ? memchr(line + 5, ' ', len - 5) : NULL;
	size_t n = sp != NULL ? (size_t)(sp - line - 5) : 0;

	if (sp == NULL || n == 0 || n > RELAYMSG_MAX_NAME ||
	    (size_t)(sp - line) + 1 >= len)
		return -1;
	*namelen = n;
	*textoff = (size_t)(sp - line) + 1;
	return 0;
}

/* A queued line's turn (the member is ready): encrypted by the group
 * layer, whose blobs go out through blob_send. */
static void
line_send(struct room *r, const char *line, size_t len)
{
	char word[RELAYMSG_MAX_NAME + 2];
	size_t n, off;
	uint32_t to;
	int e;

	if (is_cmd(line, len, "/msg") && msg_split(line, len, &n, &off) == 0) {
		snprintf(word, sizeof(word), "%.*s", (int)n, line + 5);
		if ((to = group_member_by_name(r->g, word)) == 0)
			term_error(r->term, "no verified member named %s: not "
			    "sent", word);
		else if ((e = group_send_private(r->g, to,
		    (const uint8_t *)line + off, len - off)) != 0)
			term_error(r->term, "not sent: %s", err_str(e));
		return;
	}
	if (is_cmd(line, len, "/me")) {
		if ((e = group_send(r->g, GROUP_ACTION,
		    (const uint8_t *)line + 4, len - 4)) != 0)
			term_error(r->term, "not sent: %s", err_str(e));
		return;
	}
	if (line[0] == '/') {
		line++;
		len--;
	}
	if ((e = group_send(r->g, GROUP_TEXT, (const uint8_t *)line, len)) != 0)
		term_error(r->term, "not sent: %s", err_str(e));
}

/* Stdin is read only while the queue and the link have room. */
static void
update_hold(struct room *r)
{
	term_pending(r->term, outq_lines(r->q));
	term_hold(r->term, r->link_full ||
	    outq_waiting(r->q) >= ROOM_QUEUE_LINES ||
	    outq_waiting_bytes(r->q) >= ROOM_QUEUE_BYTES ||
	    outq_blob_bytes(r->q) >= ROOM_UNACKED_MAX);
}

/* We leave: the close record goes out (the relay ends our seat), or,
 * with no link, we just go. */
static void
leave(struct room *r)
{
	r->we_left = 1;
	term_input(r->term, 0);
	if (r->conn != NULL && r->welcomed)
		conn_close(r->conn);
	else
		room_end(r, EXIT_OK);
}

/* Hands waiting lines to the group while ready and the link has room;
 * leaves once the input has ended and every line is acknowledged. */
static void
pump(struct room *r)
{
	const char *t;
	uint32_t before;
	size_t len;

	while (!r->done && !r->link_full && is_ready(r) &&
	    outq_blob_bytes(r->q) < ROOM_UNACKED_MAX &&
	    outq_line_next(r->q, &t, &len)) {
		before = r->cseq;
		line_send(r, t, len);
		if (r->cseq == before)
			outq_line_drop(r->q);
		else
			outq_line_handed(r->q, r->cseq);
	}
	if (r->done)
		return;
	update_hold(r);
	update_prompt(r);
	if (r->input_ended && outq_lines(r->q) == 0 && !r->we_left)
		leave(r);
}

/* Queues a line to send (shown at once on a terminal, marked pending in
 * the prompt until acknowledged). */
static void
queue_line(struct room *r, const char *line, size_t len)
{
	char word[RELAYMSG_MAX_NAME + 8];
	int color = chat_key_color(r->s.id->pk), e;
	size_t n, off;

	if ((e = outq_line_push(r->q, line, len)) != 0) {
		term_error(r->term, "not sent: %s", err_str(e));
		return;
	}
	if (term_interactive(r->term)) {
		if (is_cmd(line, len, "/msg") &&
		    msg_split(line, len, &n, &off) == 0) {
			snprintf(word, sizeof(word), "-> %.*s", (int)n, line + 5);
			term_message(r->term, word, color,
			    (const uint8_t *)line + off, len - off);
		} else if (is_cmd(line, len, "/me"))
			term_action(r->term, r->s.name, color,
			    (const uint8_t *)line + 4, len - 4);
		else
			term_message(r->term, r->s.name, color,
			    (const uint8_t *)line + (line[0] == '/'),
			    len - (line[0] == '/'));
	}
	pump(r);
}

static void
room_line(const char *line, size_t len, void *arg)
{
	struct room *r = arg;
	char word[RELAYMSG_MAX_NAME + 2];
	struct buf b;
	size_t n, off;

	if (r->done || r->input_ended || len == 0)
		return;
	if ((len == 5 && memcmp(line, "/quit", 5) == 0) ||
	    (len == 3 && memcmp(line, "bye", 3) == 0) ||
	    (len == 4 && memcmp(line, "exit", 4) == 0)) {
		/* As at the end of input: once what was typed is delivered. */
		r->input_ended = 1;
		term_input(r->term, 0);
		pump(r);
		return;
	}
	if (is_cmd(line, len, "/help")) {
		term_notice(r->term, "%s", ROOM_HELP);
		return;
	}
	if (r->g == NULL && (is_cmd(line, len, "/who") ||
	    is_cmd(line, len, "/code") || is_cmd(line, len, "/verify"))) {
		term_error(r->term, "not in the room right now (reconnecting)");
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
			term_error(r->term, "a name is %s", PEERS_NAME_RULE);
			return;
		}
		if (r->conn == NULL || !r->welcomed) {
			term_error(r->term, "not connected to the relay: "
			    "/nick again once reconnected");
			return;
		}
		buf_init(&b, 64);
		strcpy(r->nick_wanted, word);
		if (relaymsg_put_nick(&b, word) == 0)
			link_send(r, &b);
		buf_release(&b);
		return;
	}
	if (is_cmd(line, len, "/msg") && msg_split(line, len, &n, &off) != 0) {
		term_error(r->term, "usage: /msg NAME TEXT");
		return;
	}
	if (is_cmd(line, len, "/me") && len <= 4)
		return;
	if (line[0] == '/' && !is_cmd(line, len, "/msg") &&
	    !is_cmd(line, len, "/me") && (len < 2 || line[1] != '/')) {
		term_error(r->term, "unknown command %.*s (try /help)",
		    (int)(len > 32 ? 32 : len), line);
		return;
	}
	if (len - (line[0] == '/') > GROUP_MAX_TEXT) {
		term_error(r->term, "message longer than 4096 bytes: not sent");
		return;
	}
	queue_line(r, line, len);
}

/* A pasted line (full-screen view): a message whatever it says, never a
 * command: a leading '/' is doubled so that the queue sends it as text. */
static void
room_text(const char *line, size_t len, void *arg)
{
	struct room *r = arg;
	char *esc;

	if (r->done || r->input_ended || len == 0)
		return;
	if (len > GROUP_MAX_TEXT) {
		term_error(r->term, "message longer than 4096 bytes: not sent");
		return;
	}
	if (line[0] != '/') {
		queue_line(r, line, len);
		return;
	}
	if ((esc = malloc(len + 1)) == NULL) {
		term_error(r->term, "out of memory: not sent");
		return;
	}
	esc[0] = '/';
	memcpy(esc + 1, line, len);
	queue_line(r, esc, len + 1);
	sodium_memzero(esc, len + 1);
	free(esc);
}

static void
room_eof(int interrupted, void *arg)
{
	struct room *r = arg;

	if (r->done)
		return;
	r->input_ended = 1;
	/* Ctrl-C, a signal: go now, saying what was not delivered. */
	if (interrupted && outq_lines(r->q) > 0) {
		report_undelivered(r);
		hang_up(r, EXIT_CONN);
		return;
	}
	pump(r);
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
	char why[256], where[INVITE_HOST_MAX + 16];
	const char *host;
	uint16_t port;
	int fd = -1, status = EXIT_CONN;

	/* Each relay address in turn, until one answers. */
	for (r->addr_cur = 0; fd < 0; r->addr_cur++) {
		invite_addr_get(r->inv, r->addr_cur, &host, &port);
		if ((fd = addr_connect(host, port, proxy_timeout(10000), why,
		    sizeof(why))) >= 0)
			break;
		fprintf(stderr, "sotto: %s\n", why);
		if (r->addr_cur + 1 == invite_addr_count(r->inv))
			return EXIT_CONN;
		addr_text(r, r->addr_cur + 1, where, sizeof(where));
		fprintf(stderr, "sotto: trying the room's next relay address, "
		    "%s\n", where);
	}
	if (identity_generate(&r->link_id) != 0 ||
	    (r->q = outq_new()) == NULL ||
	    (r->seat = sodium_malloc(sizeof(*r->seat))) == NULL ||
	    (r->base = event_base_new()) == NULL ||
	    (r->term = term_new(r->base, r->s.plain, &tcbs, r)) == NULL ||
	    (r->reject_timer = evtimer_new(r->base, reject_timeout, r)) == NULL ||
	    (r->door_timer = evtimer_new(r->base, door_timeout, r)) == NULL ||
	    (r->ready_timer = evtimer_new(r->base, ready_timeout, r)) == NULL ||
	    (r->reconnect_timer = evtimer_new(r->base, reconnect_timeout,
	    r)) == NULL ||
	    (r->knock_timer = evtimer_new(r->base, knock_summary, r)) == NULL) {
		fprintf(stderr, "sotto: out of memory\n");
		close(fd);
		goto out;
	}
	if (link_open(r, fd, why, sizeof(why)) != 0) {
		fprintf(stderr, "sotto: %s\n", why);
		goto out;
	}
	event_base_dispatch(r->base);
	status = r->status;
 out:
	if (r->reject_timer != NULL)
		event_free(r->reject_timer);
	if (r->door_timer != NULL)
		event_free(r->door_timer);
	if (r->ready_timer != NULL)
		event_free(r->ready_timer);
	if (r->reconnect_timer != NULL)
		event_free(r->reconnect_timer);
	dial_free(r->dial);
	r->dial = NULL;
	if (r->knock_timer != NULL)
		event_free(r->knock_timer);
	group_free(r->g);
	lookalike_free(&r->look);
	conn_free(r->conn);
	term_free(r->term);
	identity_free(r->link_id);
	outq_free(r->q);
	if (r->seat != NULL)
		sodium_free(r->seat);
	free(r->rm);
	if (r->base != NULL)
		event_base_free(r->base);
	return status;
}

static int	door_prepare(struct room *, const struct room_door *);

/* --reconnect-for from d (NULL or unset: the default). */
static void
set_reconnect(struct room *r, const struct room_door *d)
{
	r->reconnect_for = d != NULL && d->reconnect_set ? d->reconnect_for :
	    ROOM_RECONNECT_DEFAULT;
}

int
room_parse_reconnect(const char *arg, int *seconds)
{
	int v;

	if ((v = cli_int(arg, 0, ROOM_RECONNECT_MAX)) < 0) {
		fprintf(stderr, "sotto: --reconnect-for takes 0 to %d seconds\n",
		    ROOM_RECONNECT_MAX);
		return EXIT_USAGE;
	}
	*seconds = v;
	return 0;
}

/*
 * A guarded room we have been in: its door keys kept in the room store
 * (roomstore.h) let us in without knocking, if they are this
 * invitation's.  1 if so (r->gk set), else 0.
 */
static int
door_from_store(struct room *r)
{
	struct roomstore *st = NULL;
	struct gate_keys *k = NULL;
	char dir[PATH_MAX];
	int e, found = 0;

	if ((k = gate_keys_new()) == NULL)
		return 0;
	if ((e = roomstore_default_dir(dir, sizeof(dir))) == 0 &&
	    (e = roomstore_new(&st, dir, r->s.id)) == 0)
		e = roomstore_load(st, r->inv->lobby_id, k);
	if (e == 0 && k->flags == r->inv->guard &&
	    sodium_memcmp(k->invite_key, r->inv->room_secret,
	    GATE_KEY_BYTES) == 0) {
		invite_room_id(k->room_secret, r->inv->room_id);
		r->gk = k;
		k = NULL;
		found = 1;
	} else if (e == 0 || (e != ERR_IO || errno != ENOENT))
		fprintf(stderr, "sotto: ignoring the keys kept for this room "
		    "in %s (%s)\n", dir, e == 0 ? "another invitation's" :
		    e == ERR_IO ? strerror(errno) : err_str(e));
	roomstore_free(st);
	gate_keys_free(k);
	return found;
}

static int
room_start(struct room *r, const char *name, const struct room_door *d)
{
	int st;

	set_reconnect(r, d);
	if ((st = chat_set_name(&r->s, name)) != 0 ||
	    (st = chat_load_identity(&r->s)) != 0)
		return st;
	/* A guarded room: the keys we kept, else the door. */
	if (!r->creating && r->inv->guard != 0) {
		if (door_from_store(r))
			r->door_stored = 1;
		else if ((st = door_prepare(r, d)) != 0)
			return st;
	}
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
	    "usage: sotto room new --relay HOST[:PORT] [--relay HOST[:PORT]...]\n"
	    "                      [--name NAME]\n"
	    "                      [--question TEXT [--answer-file FILE]]\n"
	    "                      [--one-time-code] [--invite-file FILE]\n"
	    "                      [--reconnect-for SECONDS]\n"
	    "                      [--proxy URL | --no-proxy] [--plain]\n"
	    "       sotto join INVITATION [--name NAME] [--answer-file FILE]\n"
	    "                      [--code-file FILE] [--reconnect-for SECONDS]\n"
	    "                      [--proxy URL | --no-proxy] [--plain]\n"
	    "\n"
	    "Creates a room on a relay (default port %d), prints the\n"
	    "invitation (one line, with a checksum) and enters the room.\n"
	    "  --relay HOST[:PORT]  the relay (started with 'sotto relay'); up to\n"
	    "                       %d times for the nodes of one cluster: all go\n"
	    "                       in the invitation, members try them in turn\n"
	    "  --name NAME          your name in the room (default: login name)\n"
	    "  --question TEXT      guard the door: newcomers must also answer\n"
	    "                       TEXT (you type the answer; it is never sent)\n"
	    "  --answer-file FILE   read that answer from FILE's first line\n"
	    "  --one-time-code      guard the door: newcomers also need the\n"
	    "                       current code, which members see with /code\n"
	    "  --invite-file FILE   also write the invitation to FILE (mode 0600)\n"
	    "  --reconnect-for SECONDS  when the link to the relay drops, keep\n"
	    "                       reconnecting this long (default %d; 0: exit)\n"
	    PROXYCONF_USAGE
	    "  --plain              line mode even on a terminal\n"
	    "\n"
	    "In the room: /who, /msg NAME TEXT, /me ACTION, /nick NEW,\n"
	    "/verify or /verify room (room code), /verify NAME (safety\n"
	    "number with NAME), /code (one-time code), /quit.\n",
	    RELAY_DEFAULT_PORT, ROOM_RELAYS_MAX, ROOM_RECONNECT_DEFAULT);
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
	e = gate_knock_new(&r->knock, r->inv->lobby_id, r->gk->invite_key,
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
	char host[ADDR_HOSTLEN], text[INVITE_STR_MAX];
	const char *a;
	struct room *r;
	size_t i, n = 1 + (d != NULL ? d->nmore_relays : 0);
	int port, st;

	if ((r = room_alloc()) == NULL)
		return EXIT_CONN;
	/* The first address is the one we connect to; all go in the
	 * invitation, in order. */
	for (i = 0; i < n; i++) {
		a = i == 0 ? relay : d->more_relays[i - 1];
		if (addr_split(a, RELAY_DEFAULT_PORT, 0, host, &port) != 0 ||
		    invite_addr_add(r->inv, host, (uint16_t)port) != 0) {
			fprintf(stderr, "sotto: bad relay address '%s'\n", a);
			room_release(r);
			return EXIT_USAGE;
		}
	}
	/* An impossible invitation is said now, not once connected. */
	if (n > 1 && invite_encode(r->inv, text, sizeof(text)) != 0) {
		fprintf(stderr, "sotto: the relay addresses are too long for "
		    "one invitation (at most %d bytes of host names "
		    "together)\n", INVITE_HOSTS_MAX);
		room_release(r);
		return EXIT_USAGE;
	}
	sodium_memzero(text, sizeof(text));
	r->s.plain = s->plain;
	r->creating = 1;
	r->invite_file = invite_file;
	randombytes_buf(r->inv->room_id, sizeof(r->inv->room_id));
	if (d != NULL && (d->question != NULL || d->code ||
	    d->answer_file != NULL)) {
		/* A guarded room: the invitation names its lobby; the room
		 * id follows from the secret, which only the door gives. */
		if ((st = door_make(r, d)) == 0) {
			r->inv->version = INVITE_VERSION_LOBBY;
			randombytes_buf(r->inv->lobby_id,
			    sizeof(r->inv->lobby_id));
			invite_room_id(r->gk->room_secret, r->inv->room_id);
		}
	} else {
		randombytes_buf(r->inv->room_secret,
		    sizeof(r->inv->room_secret));
		st = 0;
	}
	if (st == 0)
		st = room_start(r, name, d);
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
	if (r->inv->version == INVITE_VERSION_GUARDED) {
		fprintf(stderr, "sotto: this invitation is of an old guarded "
		    "room (version 2), whose invitation alone let its holder "
		    "watch the room; it is no longer accepted: ask a member "
		    "to make a new guarded room (sotto room new) and send its "
		    "invitation\n");
		room_release(r);
		return EXIT_USAGE;
	}
	st = room_start(r, name, d);
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
		{ "reconnect-for", required_argument, NULL, 'R' },
		{ "plain", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		PROXYCONF_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct chat_setup s;
	struct room_door d;
	struct config cfg;
	const char *relay = NULL, *name = NULL, *invite_file = NULL;
	struct proxyconf_opts po = { NULL, 0 };
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
	while ((ch = getopt_long(argc, argv, "r:n:i:q:a:cR:Lh", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r':
			/* Repeatable: the nodes of one relay cluster. */
			if (relay == NULL)
				relay = optarg;
			else if (d.nmore_relays < ROOM_RELAYS_MAX - 1)
				d.more_relays[d.nmore_relays++] = optarg;
			else {
				fprintf(stderr, "sotto: at most %d --relay "
				    "addresses\n", ROOM_RELAYS_MAX);
				return EXIT_USAGE;
			}
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
		case 'R':
			if (room_parse_reconnect(optarg, &d.reconnect_for) != 0)
				return EXIT_USAGE;
			d.reconnect_set = 1;
			break;
		case 'L':
			s.plain = 1;
			break;
		case 'h':
			room_usage(stdout);
			return EXIT_OK;
		default:
			if (proxyconf_option(&po, ch, optarg))
				break;
			return cli_bad_option(argv, "rniqaR" PROXYCONF_WITH_ARGS,
			    room_usage);
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
	if (proxyconf_apply(po.url, po.none) != 0)
		return EXIT_USAGE;
	return room_new_start(&s, relay, name, invite_file, &d);
}
