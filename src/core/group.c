/*
 * group.c: end-to-end encryption for rooms (see group.h; docs/PROTOCOL.md
 * section "Rooms" has the bytes).
 *
 * Blobs, the first byte says which:
 *   0x01 ANNOUNCE   id_pk[32] eph_pk[32] u32 member u32 version u8 n
 *                   name[n] sig[64] mac[32]
 *   0x02 SENDERKEY  nonce[24] aead(k_pair; epoch u32, seq u64, ck[32],
 *                   prev_end u64)
 *   0x03 MESSAGE    id_pk[32] epoch u32 seq u64 aead(mk; kind u8, text)
 *                   sig[64]
 *   0x04 PRIVATE    seq u64 nonce[24] aead(k_pair; text)
 * The sender-key construction follows the idea of Signal's sender keys
 * (a symmetric hash ratchet per sender, signatures for authorship).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "group.h"
#include "identity.h"
#include "kdf.h"

#define BLOB_ANNOUNCE		0x01
#define BLOB_SENDERKEY		0x02
#define BLOB_MESSAGE		0x03
#define BLOB_PRIVATE		0x04

#define KEY_BYTES		32
#define SIG_BYTES		crypto_sign_BYTES
#define MAC_BYTES		crypto_auth_hmacsha512256_BYTES
#define NONCE_BYTES		crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define AEAD_ABYTES		crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SK_PLAIN_LEN		(4 + 8 + KEY_BYTES + 8)
/* Session keys of members who left, kept so that the relay can't bring
 * an old announcement back under a new id (a "ghost"). */
#define MAX_GONE		4096
#define MSG_HDR_LEN		(1 + IDENTITY_PK_BYTES + 4 + 8)
#define MAX_BLOB		(MSG_HDR_LEN + 1 + GROUP_MAX_TEXT + \
				    AEAD_ABYTES + SIG_BYTES)

#define CHAIN_CTX		"sottogrp"	/* crypto_kdf context, 8 bytes */
#define CHAIN_MK		1
#define CHAIN_NEXT		2

static const char L_SALT[] = "sotto/1 room";
static const char L_AUTH[] = "sotto/1 room auth";
static const char L_ANN_SIG[] = "sotto/1 room announce";
static const char L_ANN_MAC[] = "sotto/1 room announce mac";
static const char L_PAIR[] = "sotto/1 room pair";
static const char L_SK[] = "sotto/1 room sender key";
static const char L_MSG[] = "sotto/1 room message";
static const char L_PRIV[] = "sotto/1 room private";
static const char L_CODE[] = "sotto/1 room code";

struct gmember {
	uint32_t	 id;
	int		 verified;
	uint8_t		 id_pk[IDENTITY_PK_BYTES];
	uint8_t		 eph_pk[KEY_BYTES];
	char		 name[GROUP_MAX_NAME + 1];
	uint8_t		 k_pair[KEY_BYTES];
	int		 have_chain;
	uint32_t	 epoch;		/* their sender key we hold */
	uint64_t	 next_seq;
	uint8_t		 ck[KEY_BYTES];
	uint64_t	 priv_in;	/* last private seq from them */
	uint64_t	 priv_out;	/* last private seq to them */
	uint32_t	 given_epoch;	/* our epoch they hold, 0 none */
	uint32_t	 ann_version;	/* newest announcement seen */
};

struct gsecrets {
	uint8_t		 k_auth[KEY_BYTES];
	uint8_t		 eph_sk[KEY_BYTES];
	uint8_t		 ck[KEY_BYTES];		/* our chain key */
};

struct group {
	uint8_t			 room_id[GROUP_ROOM_ID_BYTES];
	const struct identity	*id;
	char			 name[GROUP_MAX_NAME + 1];
	uint32_t		 self;
	group_send_fn		 send;
	group_event_fn		 event;
	void			*arg;
	uint8_t			 eph_pk[KEY_BYTES];
	struct gsecrets		*s;
	uint32_t		 epoch;	/* our sender key's */
	uint64_t		 seq;	/* our next message number */
	uint64_t		 prev_end;	/* messages in our previous epoch */
	uint32_t		 ann_version;	/* +1 per re-announcement */
	int			(*name_ok)(const char *);
	int			(*rename_ok)(void *, uint32_t, const char *);
	void			*rename_arg;
	uint8_t			(*gone)[KEY_BYTES];	/* session keys seen leave */
	size_t			 ngone;
	struct gmember		**m;	/* sorted by id (relay ids grow) */
	size_t			 n, cap;
};

static void
step(uint8_t out[KEY_BYTES], uint64_t which, const uint8_t ck[KEY_BYTES])
{
	crypto_kdf_derive_from_key(out, KEY_BYTES, which, CHAIN_CTX, ck);
}

static void
emit(struct group *g, enum group_event_type type, const struct gmember *m,
    uint32_t id)
{
	struct group_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.id = m != NULL ? m->id : id;
	if (m != NULL && m->verified) {
		ev.name = m->name;
		ev.pk = m->id_pk;
	}
	g->event(g->arg, &ev);
}

static struct gmember *
find(const struct group *g, uint32_t id)
{
	size_t lo = 0, hi = g->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (g->m[mid]->id == id)
			return g->m[mid];
		if (g->m[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct gmember *
find_or_add(struct group *g, uint32_t id)
{
	struct gmember *m, **nm;
	size_t i, ncap;

	if ((m = find(g, id)) != NULL)
		return m;
	if (g->n == g->cap) {
		ncap = g->cap == 0 ? 16 : g->cap * 2;
		if ((nm = reallocarray(g->m, ncap, sizeof(*nm))) == NULL)
			return NULL;
		g->m = nm;
		g->cap = ncap;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->id = id;
	/* Ids usually arrive in increasing order: insert from the back. */
	for (i = g->n; i > 0 && g->m[i - 1]->id > id; i--)
		g->m[i] = g->m[i - 1];
	g->m[i] = m;
	g->n++;
	return m;
}

static void
member_free(struct gmember *m)
{
	if (m == NULL)
		return;
	sodium_memzero(m, sizeof(*m));
	free(m);
}

int
group_new(struct group **gp, const uint8_t room_id[GROUP_ROOM_ID_BYTES],
    const uint8_t secret[GROUP_SECRET_BYTES], const struct identity *id,
    const char *name, group_send_fn send, group_event_fn event, void *arg)
{
	struct group *g = NULL;
	uint8_t prk[KDF_PRK_BYTES], info[sizeof(L_AUTH) - 1 + GROUP_ROOM_ID_BYTES];
	int r = ERR_INVALID_ARG;

	*gp = NULL;
	if (id == NULL || name == NULL || strlen(name) == 0 ||
	    strlen(name) > GROUP_MAX_NAME || send == NULL || event == NULL)
		goto out;
	r = ERR_ALLOC;
	if (sodium_init() < 0 || (g = calloc(1, sizeof(*g))) == NULL ||
	    (g->s = sodium_malloc(sizeof(*g->s))) == NULL)
		goto out;
	memcpy(g->room_id, room_id, GROUP_ROOM_ID_BYTES);
	g->id = id;
	strcpy(g->name, name);
	g->send = send;
	g->event = event;
	g->arg = arg;
	/* k_auth = HKDF-SHA-512(salt L_SALT, room secret, L_AUTH || room id):
	 * what proves membership. */
	kdf_extract(prk, (const uint8_t *)L_SALT, sizeof(L_SALT) - 1, secret,
	    GROUP_SECRET_BYTES);
	memcpy(info, L_AUTH, sizeof(L_AUTH) - 1);
	memcpy(info + sizeof(L_AUTH) - 1, room_id, GROUP_ROOM_ID_BYTES);
	if ((r = kdf_expand(g->s->k_auth, KEY_BYTES, prk, info,
	    sizeof(info))) != 0)
		goto out;
	if ((g->gone = calloc(MAX_GONE, KEY_BYTES)) == NULL)
		goto out;
	crypto_box_keypair(g->eph_pk, g->s->eph_sk);
	randombytes_buf(g->s->ck, KEY_BYTES);
	g->epoch = 1;
	*gp = g;
	g = NULL;
	r = 0;
 out:
	sodium_memzero(prk, sizeof(prk));
	group_free(g);
	return r;
}

void
group_free(struct group *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n; i++)
		member_free(g->m[i]);
	free(g->m);
	free(g->gone);
	if (g->s != NULL)
		sodium_free(g->s);
	sodium_memzero(g, sizeof(*g));
	free(g);
}

void
group_set_rename_check(struct group *g,
    int (*rename_ok)(void *arg, uint32_t id, const char *name), void *arg)
{
	g->rename_ok = rename_ok;
	g->rename_arg = arg;
}

/* The announcement: ANNOUNCE id_pk eph_pk n name sig mac. */
static int
put_announce(struct group *g, struct buf *out)
{
	struct buf sm;
	uint8_t sig[SIG_BYTES], mac[MAC_BYTES];
	crypto_auth_hmacsha512256_state st;
	size_t nlen = strlen(g->name);
	int r;

	/* sig over L_ANN_SIG || room id || eph_pk || member || version ||
	 * n || name: bound to the id the relay gave us, so it can't be
	 * replayed under another, and versioned, so not rolled back. */
	buf_init(&sm, 256);
	if ((r = buf_put(&sm, L_ANN_SIG, sizeof(L_ANN_SIG) - 1)) != 0 ||
	    (r = buf_put(&sm, g->room_id, GROUP_ROOM_ID_BYTES)) != 0 ||
	    (r = buf_put(&sm, g->eph_pk, KEY_BYTES)) != 0 ||
	    (r = buf_put_u32(&sm, g->self)) != 0 ||
	    (r = buf_put_u32(&sm, g->ann_version)) != 0 ||
	    (r = buf_put_u8(&sm, (uint8_t)nlen)) != 0 ||
	    (r = buf_put(&sm, g->name, nlen)) != 0)
		goto out;
	identity_sign(g->id, sig, buf_ptr(&sm), buf_len(&sm));
	if ((r = buf_put_u8(out, BLOB_ANNOUNCE)) != 0 ||
	    (r = buf_put(out, g->id->pk, IDENTITY_PK_BYTES)) != 0 ||
	    (r = buf_put(out, g->eph_pk, KEY_BYTES)) != 0 ||
	    (r = buf_put_u32(out, g->self)) != 0 ||
	    (r = buf_put_u32(out, g->ann_version)) != 0 ||
	    (r = buf_put_u8(out, (uint8_t)nlen)) != 0 ||
	    (r = buf_put(out, g->name, nlen)) != 0 ||
	    (r = buf_put(out, sig, SIG_BYTES)) != 0)
		goto out;
	/* mac over L_ANN_MAC || room id || everything after the type. */
	crypto_auth_hmacsha512256_init(&st, g->s->k_auth, KEY_BYTES);
	crypto_auth_hmacsha512256_update(&st, (const uint8_t *)L_ANN_MAC,
	    sizeof(L_ANN_MAC) - 1);
	crypto_auth_hmacsha512256_update(&st, g->room_id, GROUP_ROOM_ID_BYTES);
	crypto_auth_hmacsha512256_update(&st, buf_ptr(out) + 1,
	    buf_len(out) - 1);
	crypto_auth_hmacsha512256_final(&st, mac);
	r = buf_put(out, mac, MAC_BYTES);
 out:
	sodium_memzero(&st, sizeof(st));
	buf_release(&sm);
	return r;
}

static int
announce_to(struct group *g, uint32_t to)
{
	struct buf b;
	int r;

	buf_init(&b, MAX_BLOB);
	if ((r = put_announce(g, &b)) == 0)
		g->send(g->arg, to, buf_ptr(&b), buf_len(&b));
	buf_release(&b);
	return r;
}

void
group_set_name_check(struct group *g, int (*name_ok)(const char *))
{
	g->name_ok = name_ok;
}

int
group_start(struct group *g, uint32_t self)
{
	g->self = self;
	return announce_to(g, 0);
}

int
group_rename(struct group *g, const char *name)
{
	if (name == NULL || strlen(name) == 0 || strlen(name) > GROUP_MAX_NAME)
		return ERR_INVALID_ARG;
	strcpy(g->name, name);
	g->ann_version++;
	return announce_to(g, 0);
}

void
group_member_left(struct group *g, uint32_t id)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		if (g->m[i]->id != id)
			continue;
		if (g->m[i]->verified) {
			/* Oldest first out when full: a ring. */
			if (g->ngone < MAX_GONE)
				memcpy(g->gone[g->ngone++], g->m[i]->eph_pk,
				    KEY_BYTES);
			else {
				memmove(g->gone[0], g->gone[1],
				    (MAX_GONE - 1) * KEY_BYTES);
				memcpy(g->gone[MAX_GONE - 1], g->m[i]->eph_pk,
				    KEY_BYTES);
			}
		}
		member_free(g->m[i]);
		memmove(&g->m[i], &g->m[i + 1], (g->n - i - 1) * sizeof(*g->m));
		g->n--;
		break;
	}
	/* A new epoch: whoever left never gets this chain key. */
	randombytes_buf(g->s->ck, KEY_BYTES);
	g->epoch++;
	g->prev_end = g->seq;
	g->seq = 0;
}

/* The pairwise key with m: BLAKE2b-256 keyed with X25519(our session
 * key, theirs) over L_PAIR || room id || the two session keys sorted. */
static int
derive_pair(struct group *g, struct gmember *m)
{
	crypto_generichash_state st;
	uint8_t shared[KEY_BYTES];
	const uint8_t *lo = g->eph_pk, *hi = m->eph_pk;

	if (crypto_scalarmult(shared, g->s->eph_sk, m->eph_pk) != 0)
		return ERR_BAD_POINT;
	if (memcmp(lo, hi, KEY_BYTES) > 0) {
		lo = m->eph_pk;
		hi = g->eph_pk;
	}
	crypto_generichash_init(&st, shared, KEY_BYTES, KEY_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)L_PAIR,
	    sizeof(L_PAIR) - 1);
	crypto_generichash_update(&st, g->room_id, GROUP_ROOM_ID_BYTES);
	crypto_generichash_update(&st, lo, KEY_BYTES);
	crypto_generichash_update(&st, hi, KEY_BYTES);
	crypto_generichash_final(&st, m->k_pair, KEY_BYTES);
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(&st, sizeof(st));
	return 0;
}

/* Additional data binding a pairwise blob to its room, its direction and
 * its purpose: label || room id || sender pk || recipient pk. */
static void
pair_ad(struct group *g, const char *label, size_t llen,
    const uint8_t from[IDENTITY_PK_BYTES], const uint8_t to[IDENTITY_PK_BYTES],
    struct buf *ad)
{
	buf_init(ad, 256);
	(void)buf_put(ad, label, llen);
	(void)buf_put(ad, g->room_id, GROUP_ROOM_ID_BYTES);
	(void)buf_put(ad, from, IDENTITY_PK_BYTES);
	(void)buf_put(ad, to, IDENTITY_PK_BYTES);
}

/* m re-announced itself as name: renamed, or refused by the check. */
static void
rename_member(struct group *g, struct gmember *m, const char *name)
{
	struct group_event ev;

	if (g->rename_ok == NULL || g->rename_ok(g->rename_arg, m->id, name)) {
		snprintf(m->name, sizeof(m->name), "%s", name);
		emit(g, GROUP_EV_RENAMED, m, m->id);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = GROUP_EV_RENAME_REFUSED;
	ev.id = m->id;
	ev.name = m->name;
	ev.pk = m->id_pk;
	ev.refused = name;
	g->event(g->arg, &ev);
}

static int
on_announce(struct group *g, uint32_t from, int direct, struct buf *b,
    const uint8_t *blob, size_t len)
{
	const uint8_t *id_pk, *eph_pk, *name, *sig, *mac;
	char cname[GROUP_MAX_NAME + 1];
	struct gmember *m, tmp;
	struct buf sm;
	uint32_t member, version;
	uint8_t nlen;
	size_t i;
	int r, fresh;

	if ((r = buf_get_view(b, IDENTITY_PK_BYTES, &id_pk)) != 0 ||
	    (r = buf_get_view(b, KEY_BYTES, &eph_pk)) != 0 ||
	    (r = buf_get_u32(b, &member)) != 0 ||
	    (r = buf_get_u32(b, &version)) != 0 ||
	    (r = buf_get_u8(b, &nlen)) != 0)
		return r;
	if (nlen == 0 || nlen > GROUP_MAX_NAME)
		return ERR_FORMAT;
	if ((r = buf_get_view(b, nlen, &name)) != 0 ||
	    (r = buf_get_view(b, SIG_BYTES, &sig)) != 0 ||
	    (r = buf_get_view(b, MAC_BYTES, &mac)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	memcpy(cname, name, nlen);
	cname[nlen] = '\0';
	if (memchr(name, '\0', nlen) != NULL ||
	    (g->name_ok != NULL && !g->name_ok(cname)))
		return ERR_FORMAT;
	{
		crypto_auth_hmacsha512256_state st;
		uint8_t want[MAC_BYTES];

		crypto_auth_hmacsha512256_init(&st, g->s->k_auth, KEY_BYTES);
		crypto_auth_hmacsha512256_update(&st, (const uint8_t *)L_ANN_MAC,
		    sizeof(L_ANN_MAC) - 1);
		crypto_auth_hmacsha512256_update(&st, g->room_id,
		    GROUP_ROOM_ID_BYTES);
		crypto_auth_hmacsha512256_update(&st, blob + 1,
		    len - 1 - MAC_BYTES);
		crypto_auth_hmacsha512256_final(&st, want);
		r = sodium_memcmp(want, mac, MAC_BYTES);
		sodium_memzero(&st, sizeof(st));
		if (r != 0) {
			emit(g, GROUP_EV_REJECTED, NULL, from);
			/* Answer with our own announcement: the newcomer's
			 * check of it fails the same way, so it learns that
			 * its secret is wrong instead of waiting forever.
			 * It reveals nothing the relay doesn't see anyway. */
			return direct ? 0 : announce_to(g, from);
		}
	}
	buf_init(&sm, 256);
	(void)buf_put(&sm, L_ANN_SIG, sizeof(L_ANN_SIG) - 1);
	(void)buf_put(&sm, g->room_id, GROUP_ROOM_ID_BYTES);
	(void)buf_put(&sm, eph_pk, KEY_BYTES);
	(void)buf_put_u32(&sm, member);
	(void)buf_put_u32(&sm, version);
	(void)buf_put_u8(&sm, nlen);
	(void)buf_put(&sm, name, nlen);
	r = identity_verify(id_pk, sig, buf_ptr(&sm), buf_len(&sm));
	buf_release(&sm);
	/* Signed for another id, ours played back, or a session that has
	 * left: a replay by the relay, not a member. */
	if (r == 0 && member != from)
		r = -1;
	if (r == 0 && sodium_memcmp(eph_pk, g->eph_pk, KEY_BYTES) == 0)
		r = -1;
	for (i = 0; r == 0 && i < g->ngone; i++)
		if (sodium_memcmp(eph_pk, g->gone[i], KEY_BYTES) == 0)
			r = -1;
	if (r != 0 || from == g->self) {
		emit(g, GROUP_EV_REJECTED, NULL, from);
		return 0;
	}
	if ((m = find_or_add(g, from)) == NULL)
		return ERR_ALLOC;
	if (m->verified) {
		/* Within a session a member's keys never change. */
		if (sodium_memcmp(m->id_pk, id_pk, IDENTITY_PK_BYTES) != 0 ||
		    sodium_memcmp(m->eph_pk, eph_pk, KEY_BYTES) != 0) {
			emit(g, GROUP_EV_REJECTED, m, from);
			return 0;
		}
		/* Only a newer announcement renames: an old one played back
		 * can't roll a name back. */
		if (version < m->ann_version)
			emit(g, GROUP_EV_REPLAY, m, from);
		else if (version > m->ann_version) {
			m->ann_version = version;
			if (strlen(m->name) != nlen ||
			    memcmp(m->name, name, nlen) != 0)
				rename_member(g, m, cname);
		}
		return 0;
	}
	memcpy(&tmp, m, sizeof(tmp));
	memcpy(m->id_pk, id_pk, IDENTITY_PK_BYTES);
	memcpy(m->eph_pk, eph_pk, KEY_BYTES);
	memcpy(m->name, name, nlen);
	m->name[nlen] = '\0';
	m->ann_version = version;
	if (derive_pair(g, m) != 0) {
		memcpy(m, &tmp, sizeof(tmp));
		sodium_memzero(&tmp, sizeof(tmp));
		emit(g, GROUP_EV_REJECTED, NULL, from);
		return 0;
	}
	sodium_memzero(&tmp, sizeof(tmp));
	fresh = !m->verified;
	m->verified = 1;
	emit(g, GROUP_EV_MEMBER, m, from);
	/* Someone new broadcast its announcement: tell it who we are. */
	if (fresh && !direct)
		return announce_to(g, from);
	return 0;
}

/* Hands m our current sender key over our pairwise key. */
static int
give_sender_key(struct group *g, struct gmember *m)
{
	uint8_t pt[SK_PLAIN_LEN], blob[1 + NONCE_BYTES + SK_PLAIN_LEN +
	    AEAD_ABYTES];
	struct buf ad, p;
	int r;

	buf_init(&p, sizeof(pt));
	(void)buf_put_u32(&p, g->epoch);
	(void)buf_put_u64(&p, g->seq);
	(void)buf_put(&p, g->s->ck, KEY_BYTES);
	(void)buf_put_u64(&p, g->epoch > 1 ? g->prev_end : 0);
	memcpy(pt, buf_ptr(&p), sizeof(pt));
	buf_release(&p);
	blob[0] = BLOB_SENDERKEY;
	randombytes_buf(blob + 1, NONCE_BYTES);
	pair_ad(g, L_SK, sizeof(L_SK) - 1, g->id->pk, m->id_pk, &ad);
	r = crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 1 + NONCE_BYTES,
	    NULL, pt, sizeof(pt), buf_ptr(&ad), buf_len(&ad), NULL, blob + 1,
	    m->k_pair) == 0 ? 0 : ERR_CRYPTO;
	buf_release(&ad);
	sodium_memzero(pt, sizeof(pt));
	if (r == 0) {
		g->send(g->arg, m->id, blob, sizeof(blob));
		m->given_epoch = g->epoch;
	}
	sodium_memzero(blob, sizeof(blob));
	return r;
}

static int
on_sender_key(struct group *g, struct gmember *m, struct buf *b)
{
	const uint8_t *nonce, *ct;
	uint8_t pt[SK_PLAIN_LEN];
	struct group_event ev;
	struct buf ad, p;
	uint32_t epoch;
	uint64_t seq, prev_end;
	int r;

	if ((r = buf_get_view(b, NONCE_BYTES, &nonce)) != 0 ||
	    (r = buf_get_view(b, SK_PLAIN_LEN + AEAD_ABYTES, &ct)) != 0 ||
	    (r = buf_expect_end(b)) != 0)
		return r;
	pair_ad(g, L_SK, sizeof(L_SK) - 1, m->id_pk, g->id->pk, &ad);
	r = crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct,
	    SK_PLAIN_LEN + AEAD_ABYTES, buf_ptr(&ad), buf_len(&ad), nonce,
	    m->k_pair);
	buf_release(&ad);
	if (r != 0) {
		emit(g, GROUP_EV_FORGED, m, m->id);
		return 0;
	}
	buf_view(&p, pt, sizeof(pt));
	(void)buf_get_u32(&p, &epoch);
	(void)buf_get_u64(&p, &seq);
	(void)buf_consume(&p, KEY_BYTES);
	(void)buf_get_u64(&p, &prev_end);
	/* Only ever forward: an old key played back would rewind the chain
	 * and let old messages be replayed. */
	if (m->have_chain && epoch <= m->epoch) {
		if (epoch < m->epoch)
			emit(g, GROUP_EV_REPLAY, m, m->id);
	} else {
		/* Messages of the epoch just ended that never came. */
		if (m->have_chain && epoch == m->epoch + 1 &&
		    prev_end > m->next_seq) {
			memset(&ev, 0, sizeof(ev));
			ev.type = GROUP_EV_MISSING;
			ev.id = m->id;
			ev.name = m->name;
			ev.pk = m->id_pk;
			ev.count = prev_end - m->next_seq;
			g->event(g->arg, &ev);
		}
		m->have_chain = 1;
		m->epoch = epoch;
		m->next_seq = seq;
		memcpy(m->ck, pt + 12, KEY_BYTES);
	}
	sodium_memzero(pt, sizeof(pt));
	return 0;
}

int
group_send(struct group *g, enum group_kind kind, const uint8_t *text,
    size_t len)
{
	uint8_t mk[KEY_BYTES], next[KEY_BYTES], *p;
	struct buf b, sm;
	size_t i;
	int r;

	if (len == 0)
		return ERR_FORMAT;
	if (len > GROUP_MAX_TEXT)
		return ERR_TOO_LARGE;
	if (kind != GROUP_TEXT && kind != GROUP_ACTION)
		return ERR_INVALID_ARG;
	for (i = 0; i < g->n; i++)
		if (g->m[i]->verified && g->m[i]->given_epoch != g->epoch &&
		    (r = give_sender_key(g, g->m[i])) != 0)
			return r;
	buf_init(&b, MAX_BLOB);
	buf_init(&sm, MAX_BLOB + 64);
	if ((r = buf_put_u8(&b, BLOB_MESSAGE)) != 0 ||
	    (r = buf_put(&b, g->id->pk, IDENTITY_PK_BYTES)) != 0 ||
	    (r = buf_put_u32(&b, g->epoch)) != 0 ||
	    (r = buf_put_u64(&b, g->seq)) != 0 ||
	    (r = buf_reserve(&b, 1 + len + AEAD_ABYTES, &p)) != 0)
		goto out;
	p[0] = (uint8_t)kind;
	memcpy(p + 1, text, len);
	step(mk, CHAIN_MK, g->s->ck);
	step(next, CHAIN_NEXT, g->s->ck);
	/* Each message key is used once, so a fixed nonce is safe. */
	{
		static const uint8_t zero_nonce[NONCE_BYTES];

		crypto_aead_xchacha20poly1305_ietf_encrypt(p, NULL, p, 1 + len,
		    buf_ptr(&b), MSG_HDR_LEN, NULL, zero_nonce, mk);
	}
	memcpy(g->s->ck, next, KEY_BYTES);	/* the old key is gone */
	g->seq++;
	if ((r = buf_put(&sm, L_MSG, sizeof(L_MSG) - 1)) != 0 ||
	    (r = buf_put(&sm, g->room_id, GROUP_ROOM_ID_BYTES)) != 0 ||
	    (r = buf_put(&sm, buf_ptr(&b), buf_len(&b))) != 0 ||
	    (r = buf_reserve(&b, SIG_BYTES, &p)) != 0)
		goto out;
	identity_sign(g->id, p, buf_ptr(&sm), buf_len(&sm));
	g->send(g->arg, 0, buf_ptr(&b), buf_len(&b));
	r = 0;
 out:
	sodium_memzero(mk, sizeof(mk));
	sodium_memzero(next, sizeof(next));
	buf_release(&b);
	buf_release(&sm);
	return r;
}

static int
on_message(struct group *g, uint32_t from, const uint8_t *blob, size_t len)
{
	static const uint8_t zero_nonce[NONCE_BYTES];
	uint8_t ck[KEY_BYTES], mk[KEY_BYTES], *pt = NULL;
	struct group_event ev;
	struct gmember *m;
	struct buf b, sm;
	const uint8_t *pk;
	uint32_t epoch;
	uint64_t seq, k;
	size_t ctlen;
	int r;

	if (len < MSG_HDR_LEN + 1 + AEAD_ABYTES + SIG_BYTES)
		return ERR_TRUNCATED;
	if (len > MAX_BLOB)
		return ERR_TOO_LARGE;
	buf_view(&b, blob + 1, MSG_HDR_LEN - 1);
	(void)buf_get_view(&b, IDENTITY_PK_BYTES, &pk);
	(void)buf_get_u32(&b, &epoch);
	(void)buf_get_u64(&b, &seq);
	ctlen = len - MSG_HDR_LEN - SIG_BYTES;
	if ((m = find(g, from)) == NULL || !m->verified) {
		/* Sent before it knew us, or by someone the relay made up. */
		emit(g, GROUP_EV_UNREADABLE, m, from);
		return 0;
	}
	/* Authorship first: nothing below runs for a forgery. */
	buf_init(&sm, MAX_BLOB + 64);
	(void)buf_put(&sm, L_MSG, sizeof(L_MSG) - 1);
	(void)buf_put(&sm, g->room_id, GROUP_ROOM_ID_BYTES);
	r = buf_put(&sm, blob, len - SIG_BYTES);
	if (r != 0 || sodium_memcmp(pk, m->id_pk, IDENTITY_PK_BYTES) != 0 ||
	    identity_verify(m->id_pk, blob + len - SIG_BYTES, buf_ptr(&sm),
	    buf_len(&sm)) != 0) {
		buf_release(&sm);
		emit(g, GROUP_EV_FORGED, m, from);
		return 0;
	}
	buf_release(&sm);
	if (!m->have_chain || epoch > m->epoch ||
	    (epoch == m->epoch && seq - m->next_seq > GROUP_MAX_SKIP &&
	    seq >= m->next_seq)) {
		emit(g, GROUP_EV_UNREADABLE, m, from);
		return 0;
	}
	if (epoch < m->epoch || seq < m->next_seq) {
		emit(g, GROUP_EV_REPLAY, m, from);
		return 0;
	}
	/* Step a copy up to seq; keep it only if the message opens. */
	memcpy(ck, m->ck, KEY_BYTES);
	for (k = m->next_seq; k < seq; k++) {
		step(mk, CHAIN_NEXT, ck);
		memcpy(ck, mk, KEY_BYTES);
	}
	step(mk, CHAIN_MK, ck);
	r = ERR_ALLOC;
	if ((pt = malloc(ctlen)) == NULL)
		goto out;
	r = 0;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL,
	    blob + MSG_HDR_LEN, ctlen, blob, MSG_HDR_LEN, zero_nonce, mk) != 0 ||
	    (pt[0] != GROUP_TEXT && pt[0] != GROUP_ACTION) || ctlen - AEAD_ABYTES < 2) {
		emit(g, GROUP_EV_FORGED, m, from);
		goto out;
	}
	if (seq > m->next_seq) {
		memset(&ev, 0, sizeof(ev));
		ev.type = GROUP_EV_MISSING;
		ev.id = from;
		ev.name = m->name;
		ev.pk = m->id_pk;
		ev.count = seq - m->next_seq;
		g->event(g->arg, &ev);
	}
	step(m->ck, CHAIN_NEXT, ck);
	m->next_seq = seq + 1;
	memset(&ev, 0, sizeof(ev));
	ev.type = GROUP_EV_TEXT;
	ev.id = from;
	ev.name = m->name;
	ev.pk = m->id_pk;
	ev.kind = pt[0];
	ev.text = pt + 1;
	ev.len = ctlen - AEAD_ABYTES - 1;
	g->event(g->arg, &ev);
 out:
	if (pt != NULL) {
		sodium_memzero(pt, ctlen);
		free(pt);
	}
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(mk, sizeof(mk));
	return r;
}

int
group_send_private(struct group *g, uint32_t to, const uint8_t *text,
    size_t len)
{
	struct gmember *m = find(g, to);
	struct buf b, ad;
	uint8_t *p, *nonce;
	int r;

	if (m == NULL || !m->verified)
		return ERR_STATE;
	if (len == 0)
		return ERR_FORMAT;
	if (len > GROUP_MAX_TEXT)
		return ERR_TOO_LARGE;
	buf_init(&b, MAX_BLOB);
	m->priv_out++;
	if ((r = buf_put_u8(&b, BLOB_PRIVATE)) != 0 ||
	    (r = buf_put_u64(&b, m->priv_out)) != 0 ||
	    (r = buf_reserve(&b, NONCE_BYTES, &nonce)) != 0)
		goto out;
	randombytes_buf(nonce, NONCE_BYTES);
	pair_ad(g, L_PRIV, sizeof(L_PRIV) - 1, g->id->pk, m->id_pk, &ad);
	/* The sequence number is authenticated along with the direction. */
	(void)buf_put(&ad, buf_ptr(&b) + 1, 8);
	if ((r = buf_reserve(&b, len + AEAD_ABYTES, &p)) != 0) {
		buf_release(&ad);
		goto out;
	}
	crypto_aead_xchacha20poly1305_ietf_encrypt(p, NULL, text, len,
	    buf_ptr(&ad), buf_len(&ad), NULL, buf_ptr(&b) + 9, m->k_pair);
	buf_release(&ad);
	g->send(g->arg, to, buf_ptr(&b), buf_len(&b));
 out:
	buf_release(&b);
	return r;
}

static int
on_private(struct group *g, struct gmember *m, const uint8_t *blob,
    size_t len)
{
	struct group_event ev;
	struct buf b, ad;
	uint8_t *pt;
	uint64_t seq;
	size_t ctlen;
	int r;

	if (len < 1 + 8 + NONCE_BYTES + 1 + AEAD_ABYTES)
		return ERR_TRUNCATED;
	if (len > 1 + 8 + NONCE_BYTES + GROUP_MAX_TEXT + AEAD_ABYTES)
		return ERR_TOO_LARGE;
	buf_view(&b, blob + 1, 8);
	(void)buf_get_u64(&b, &seq);
	ctlen = len - 1 - 8 - NONCE_BYTES;
	if ((pt = malloc(ctlen)) == NULL)
		return ERR_ALLOC;
	pair_ad(g, L_PRIV, sizeof(L_PRIV) - 1, m->id_pk, g->id->pk, &ad);
	(void)buf_put(&ad, blob + 1, 8);
	r = crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL,
	    blob + 1 + 8 + NONCE_BYTES, ctlen, buf_ptr(&ad), buf_len(&ad),
	    blob + 1 + 8, m->k_pair);
	buf_release(&ad);
	if (r != 0)
		emit(g, GROUP_EV_FORGED, m, m->id);
	else if (seq <= m->priv_in)
		emit(g, GROUP_EV_REPLAY, m, m->id);
	else {
		if (seq > m->priv_in + 1) {
			memset(&ev, 0, sizeof(ev));
			ev.type = GROUP_EV_MISSING;
			ev.id = m->id;
			ev.name = m->name;
			ev.pk = m->id_pk;
			ev.count = seq - m->priv_in - 1;
			g->event(g->arg, &ev);
		}
		m->priv_in = seq;
		memset(&ev, 0, sizeof(ev));
		ev.type = GROUP_EV_PRIVATE;
		ev.id = m->id;
		ev.name = m->name;
		ev.pk = m->id_pk;
		ev.kind = GROUP_TEXT;
		ev.text = pt;
		ev.len = ctlen - AEAD_ABYTES;
		g->event(g->arg, &ev);
	}
	sodium_memzero(pt, ctlen);
	free(pt);
	return 0;
}

int
group_recv(struct group *g, uint32_t from, int direct, const uint8_t *blob,
    size_t len)
{
	struct gmember *m;
	struct buf b;
	uint8_t type;
	int r;

	if (from == 0 || from == g->self)
		return 0;	/* the relay echoing us: nothing to learn */
	buf_view(&b, blob, len);
	if ((r = buf_get_u8(&b, &type)) != 0)
		goto bad;
	if (type == BLOB_ANNOUNCE) {
		r = on_announce(g, from, direct, &b, blob, len);
		goto done;
	}
	if (type == BLOB_MESSAGE && !direct) {
		r = on_message(g, from, blob, len);
		goto done;
	}
	/* Pairwise blobs need a verified sender with a pairwise key. */
	if ((m = find(g, from)) == NULL || !m->verified) {
		emit(g, GROUP_EV_UNREADABLE, m, from);
		return 0;
	}
	if (type == BLOB_SENDERKEY && direct)
		r = on_sender_key(g, m, &b);
	else if (type == BLOB_PRIVATE && direct)
		r = on_private(g, m, blob, len);
	else
		r = ERR_TYPE;
 done:
	if (r == 0 || r == ERR_ALLOC)
		return r;
 bad:
	emit(g, GROUP_EV_FORGED, find(g, from), from);
	return r;
}

const char *
group_member_name(const struct group *g, uint32_t id)
{
	const struct gmember *m = find(g, id);

	return m != NULL && m->verified ? m->name : NULL;
}

const uint8_t *
group_member_pk(const struct group *g, uint32_t id)
{
	const struct gmember *m = find(g, id);

	return m != NULL && m->verified ? m->id_pk : NULL;
}

uint32_t
group_member_by_name(const struct group *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->m[i]->verified && strcmp(g->m[i]->name, name) == 0)
			return g->m[i]->id;
	return 0;
}

uint32_t
group_member_next(const struct group *g, size_t *i)
{
	while (*i < g->n) {
		if (g->m[(*i)++]->verified)
			return g->m[*i - 1]->id;
	}
	return 0;
}

static int
entry_cmp(const void *a, const void *b)
{
	const uint8_t *const *x = a, *const *y = b;
	size_t lx = IDENTITY_PK_BYTES + 1 + (*x)[IDENTITY_PK_BYTES];
	size_t ly = IDENTITY_PK_BYTES + 1 + (*y)[IDENTITY_PK_BYTES];
	int c = memcmp(*x, *y, lx < ly ? lx : ly);

	return c != 0 ? c : (lx < ly ? -1 : lx > ly);
}

void
group_room_code(const struct group *g, char out[SAFETY_NUMBER_LEN + 1])
{
	enum { ENTRY = IDENTITY_PK_BYTES + 1 + GROUP_MAX_NAME };
	crypto_generichash_state st;
	uint8_t d[crypto_generichash_BYTES_MAX];
	uint8_t *ent = NULL, **sorted = NULL;
	size_t i, n = 0, nl;

	ent = calloc(g->n + 1, ENTRY);
	sorted = calloc(g->n + 1, sizeof(*sorted));
	if (ent == NULL || sorted == NULL) {
		strcpy(out, "");
		goto out;
	}
	/* Each entry: identity key || u8 name length || name. */
	for (i = 0; i <= g->n; i++) {
		const uint8_t *pk = i < g->n ? g->m[i]->id_pk : g->id->pk;
		const char *name = i < g->n ? g->m[i]->name : g->name;

		if (i < g->n && !g->m[i]->verified)
			continue;
		nl = strlen(name);
		memcpy(ent + n * ENTRY, pk, IDENTITY_PK_BYTES);
		ent[n * ENTRY + IDENTITY_PK_BYTES] = (uint8_t)nl;
		memcpy(ent + n * ENTRY + IDENTITY_PK_BYTES + 1, name, nl);
		sorted[n] = ent + n * ENTRY;
		n++;
	}
	qsort(sorted, n, sizeof(*sorted), entry_cmp);
	crypto_generichash_init(&st, NULL, 0, sizeof(d));
	crypto_generichash_update(&st, (const uint8_t *)L_CODE,
	    sizeof(L_CODE) - 1);
	crypto_generichash_update(&st, g->room_id, GROUP_ROOM_ID_BYTES);
	for (i = 0; i < n; i++)
		crypto_generichash_update(&st, sorted[i],
		    IDENTITY_PK_BYTES + 1 + sorted[i][IDENTITY_PK_BYTES]);
	crypto_generichash_final(&st, d, sizeof(d));
	identity_digits(out, d);
 out:
	free(ent);
	free(sorted);
}
