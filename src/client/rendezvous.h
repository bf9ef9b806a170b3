/*
 * rendezvous.h: a 1:1 chat through a relay (PROTOCOL §21): `sotto host
 * --relay` gets a slot and prints a one-time code, `sotto join CODE`
 * claims it, and the usual 1:1 channel runs end to end inside the two
 * member-relay links, with the code (and the host's optional password)
 * as its password.
 */
#ifndef SOTTO_CLIENT_RENDEZVOUS_H
#define SOTTO_CLIENT_RENDEZVOUS_H

#include <stdint.h>

struct chat_setup;

/* Default of --code-expiry, seconds. */
#define RDV_DEFAULT_EXPIRY	600
/* Default of --max-failures for host --relay: codes used up by failed
 * handshakes before the host gives up (status 3).  Anyone can claim a
 * slot by its number (numbers are small and given out in order), so
 * without a bound a host left running would hand out code after code
 * to a guesser at 1 in 65,536 each (SECURITY §15.2). */
#define RDV_DEFAULT_MAX_FAILURES	10
/* Bound into the 1:1 channel's CPace context, followed by the slot
 * number (u32, big-endian). */
#define RDV_CONTEXT		"sotto 1:1 chat via relay v1"
/* The first bytes of the CPace password (PROTOCOL §21.5). */
#define RDV_PW_LABEL		"sotto rendezvous code v1"

struct term;

/* "the relay sees you as ADDR" (seen: n bytes, printable), then each
 * local address, the private ones marked. */
void	 rdv_show_addresses(struct term *t, const uint8_t *seen, size_t n);

/* Given as pwfile: ask the password on the terminal (--ask-password;
 * twice for the host). */
extern const char rdv_ask_password[];

/* The relay to use: 'given', else $SOTTO_RELAY, else the config file's
 * relay; NULL if none (the caller says so). */
const char *rdv_default_relay(const char *given);

/*
 * `sotto host --relay`: s as host_start takes it (name and identity are
 * set up here); pwfile: the optional password; nwords code words; the
 * code expires after expiry seconds; after max_failures wrong codes (0:
 * RDV_DEFAULT_MAX_FAILURES) it gives up with status 3.  Returns an exit status.
 */
int	 rdv_host_start(struct chat_setup *s, const char *relay,
	    const char *name, const char *pwfile, int nwords, int expiry,
	    int max_failures);
/* `sotto join CODE`: likewise. */
int	 rdv_join_start(struct chat_setup *s, const char *code,
	    const char *relay, const char *name, const char *pwfile);

#endif
