/*
 * chat.h: one 1:1 conversation on an established secure connection: the
 * name exchange, trust on first use, the user's commands, and showing
 * what arrives.  Shared by `sotto host` and `sotto join`.
 */
#ifndef SOTTO_CHAT_H
#define SOTTO_CHAT_H

#include <limits.h>

#include <event2/event.h>

#include "conn.h"
#include "identity.h"

struct secret;
struct term;

/* Exit statuses (also in --help and README). */
#define EXIT_OK		0
#define EXIT_USAGE	2
#define EXIT_AUTH	3	/* wrong password or interference */
#define EXIT_CONN	4	/* connection failed, cut or tampered with */
#define EXIT_IDENTITY	5	/* peer identity changed */

/* What a host or join run was given: options, secrets, identity. */
struct chat_setup {
	char		 name[64];	/* our name, validated */
	struct secret	*password;
	struct identity	*id;
	char		 confdir[PATH_MAX];
	char		 peers_path[PATH_MAX];
	int		 plain;
	struct conn_timing timing;
	/* How long a cut conversation may be resumed (seconds; 0: never),
	 * --reconnect-for.  The host's --once: one conversation, then exit. */
	int		 reconnect_for;
	int		 once;
};

/* Default of --reconnect-for, seconds. */
#define CHAT_RECONNECT_FOR	600
/* Unacknowledged messages a side keeps for resending; beyond it, input
 * is held until the peer acknowledges. */
#define CHAT_MAX_UNACKED	4096
/* A receiver acknowledges after this many messages, or CHAT_ACK_MS
 * after the first unacknowledged one. */
#define CHAT_ACK_EVERY		32
#define CHAT_ACK_MS		200

struct chat;

/* A chat on the terminal t; it takes no connection yet.  NULL on
 * allocation failure. */
struct chat *chat_new(struct event_base *base, struct term *t,
	    const struct chat_setup *s);
void	 chat_free(struct chat *ch);
/* Gives the chat its connection (the chat owns it from then on); the
 * conn must use chat_conn_cbs with ch as argument.  When c is already
 * established (a host's handshake, or a resumption) the chat takes it up
 * at once; a connection the chat held before is freed (a resumption
 * replaces it). */
void	 chat_attach(struct chat *ch, struct conn *c);

/* What the program around a chat is told (all optional):
 * lost: the connection was cut and the conversation may be resumed
 *       (the joiner starts reconnecting);
 * ended: the chat is over with this exit status (default: break the
 *       event loop).  The chat must not be freed inside the call. */
struct chat_cbs {
	void	(*lost)(struct chat *, void *arg);
	void	(*ended)(struct chat *, int status, void *arg);
};
void	 chat_set_cbs(struct chat *ch, const struct chat_cbs *cbs, void *arg);
/* The session to resume (for chan_params.resume), or NULL when there is
 * none (no session yet, or the conversation cannot be resumed). */
const struct chan_resume *chat_resume_params(const struct chat *ch);
/* 1 if sid is the id of the chat's session and it may be resumed. */
int	 chat_has_session(const struct chat *ch,
	    const uint8_t sid[CHAN_SID_BYTES]);
/* 1 while the chat has a live connection (not cut). */
int	 chat_connected(const struct chat *ch);
/* 1 if our user ended the chat (/quit, end of input, Ctrl-C). */
int	 chat_we_left(const struct chat *ch);
/* Ends a conversation whose connection is gone for good (the host
 * starts another; a joiner's resumption was refused): says so, lists
 * the lines never delivered, and ends with 'status'. */
void	 chat_abandon(struct chat *ch, const char *why, int status);
/* Starts the name exchange on an established connection (chat_conn_cbs
 * does this itself when the connection becomes established under it). */
void	 chat_start(struct chat *ch);
/* The conn callbacks of a chat's connection. */
extern const struct conn_cbs chat_conn_cbs;
/* The user asked to leave (end of input, /quit, Ctrl-C). */
void	 chat_leave(struct chat *ch, int interrupted);
/* 1 if the line is one of the leave commands (/quit, /exit, bye, exit). */
int	 chat_is_leave(const char *line, size_t len);
/* A user's line, routed here by the caller's term callbacks. */
void	 chat_line(struct chat *ch, const char *line, size_t len);
/* Sends a line as a message, never as a command (a pasted line). */
void	 chat_say(struct chat *ch, const char *line, size_t len);
/* 1 once the chat has ended; its exit status. */
int	 chat_done(const struct chat *ch);
int	 chat_exit_status(const struct chat *ch);

/* A stable, readable colour of the 256-colour cube for an identity key:
 * BLAKE2b("sotto colour v1"-keyed) of the key picks each component in 1..5. */
int	 chat_key_color(const uint8_t pk[IDENTITY_PK_BYTES]);
/* Text for a connection-ending error, and the exit status it maps to. */
const char *chat_err_text(int err);
int	 chat_err_status(int err);
/* A handshake that failed because the server is not what we asked for
 * (a relay for a 1:1 join, a 1:1 host for a room link: relay 1), or not
 * sotto at all (it sent something else, nothing, or closed): writes the
 * sentence saying so to out and returns 1; else 0. */
int	 chat_handshake_err(const struct conn *c, int err, int relay,
	    char *out, size_t outlen);

/* Loads (creating on first use) our identity and fills confdir and
 * peers_path; prints a notice when a new identity was made.  0 or an
 * exit status. */
int	 chat_load_identity(struct chat_setup *s);
/* Reads the password from --password-file, or asks on the terminal
 * (twice when 'confirm'); warns when it is weak.  0 or an exit status. */
int	 chat_get_password(struct chat_setup *s, const char *file,
	    int confirm);
/* Sets s->name from --name, or the login name; 0 or EXIT_USAGE. */
int	 chat_set_name(struct chat_setup *s, const char *name);
/* Zeroes s and sets the default timing (conn.h). */
void	 chat_setup_init(struct chat_setup *s);
void	 chat_setup_release(struct chat_setup *s);

#endif
