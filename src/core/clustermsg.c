/*
 * clustermsg.c: the relay cluster's bus messages (clustermsg.h,
 * docs/PROTOCOL.md section 15.10).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "clustermsg.h"
#include "err.h"

#define CLUSTER_KDF_CTX	"sottoclu"

void
clustermsg_keys_derive(struct clustermsg_keys *k, const uint8_t seed[32])
{
	static const char label[] = "sotto relay cluster v2";
	uint8_t master[crypto_kdf_KEYBYTES], id[8];

	crypto_generichash(master, sizeof(master), (const uint8_t *)label,
	    sizeof(label) - 1, seed, 32);
	crypto_kdf_derive_from_key(k->subject, sizeof(k->subject), 1,
	    CLUSTER_KDF_CTX, master);
	crypto_kdf_derive_from_key(k->seal, sizeof(k->seal), 2,
	    CLUSTER_KDF_CTX, master);
	/* The cluster's subject prefix: a hash of the subject key, so that
	 * clusters with different keys share a NATS server unseen. */
	crypto_generichash(id, sizeof(id), (const uint8_t *)"cluster", 7,
	    k->subject, sizeof(k->subject));
	memcpy(k->prefix, "sotto.", 6);
	sodium_bin2hex(k->prefix + 6, sizeof(k->prefix) - 6, id, sizeof(id));
	sodium_memzero(master, sizeof(master));
}

void
clustermsg_room_hash(const struct clustermsg_keys *k,
    const uint8_t room_id[16], uint8_t hash[CLUSTERMSG_HASH_BYTES])
{
	crypto_generichash(hash, CLUSTERMSG_HASH_BYTES, room_id, 16,
	    k->subject, sizeof(k->subject));
}

void
clustermsg_lobby_hash(const struct clustermsg_keys *k,
    const uint8_t lobby_id[16], uint8_t hash[CLUSTERMSG_HASH_BYTES])
{
	static const char label[] = "lobby";
	crypto_generichash_state st;

	crypto_generichash_init(&st, k->subject, sizeof(k->subject),
	    CLUSTERMSG_HASH_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)label,
	    sizeof(label) - 1);
	crypto_generichash_update(&st, lobby_id, 16);
	crypto_generichash_final(&st, hash, CLUSTERMSG_HASH_BYTES);
}

void
clustermsg_room_subject(const struct clustermsg_keys *k,
    const uint8_t hash[CLUSTERMSG_HASH_BYTES], char *out)
{
	char hex[2 * CLUSTERMSG_HASH_BYTES + 1];

	sodium_bin2hex(hex, sizeof(hex), hash, CLUSTERMSG_HASH_BYTES);
	snprintf(out, CLUSTERMSG_SUBJECT_MAX, "%s.r.%s", k->prefix, hex);
}

void
clustermsg_node_subject(const struct clustermsg_keys *k, unsigned node,
    char *out)
{
	snprintf(out, CLUSTERMSG_SUBJECT_MAX, "%s.n.%u", k->prefix, node);
}

void
clustermsg_alive_subject(const struct clustermsg_keys *k, char *out)
{
	snprintf(out, CLUSTERMSG_SUBJECT_MAX, "%s.a", k->prefix);
}

int
clustermsg_subject_hash(const struct clustermsg_keys *k, const char *s,
    uint8_t hash[CLUSTERMSG_HASH_BYTES])
{
	size_t plen = strlen(k->prefix), binlen;

	if (strlen(s) != plen + 3 + 2 * CLUSTERMSG_HASH_BYTES ||
	    memcmp(s, k->prefix, plen) != 0 || memcmp(s + plen, ".r.", 3) != 0)
		return ERR_FORMAT;
	if (sodium_hex2bin(hash, CLUSTERMSG_HASH_BYTES, s + plen + 3,
	    2 * CLUSTERMSG_HASH_BYTES, NULL, &binlen, NULL) != 0 ||
	    binlen != CLUSTERMSG_HASH_BYTES)
		return ERR_FORMAT;
	return 0;
}

int
clustermsg_put(struct buf *b, const struct clustermsg *m)
{
	uint8_t head[11];
	size_t n = 2;

	head[0] = m->type;
	head[1] = m->node;
	if (m->type == CLUSTERMSG_IN || m->type == CLUSTERMSG_GONE ||
	    m->type == CLUSTERMSG_OUT) {
		head[2] = (uint8_t)(m->link >> 24);
		head[3] = (uint8_t)(m->link >> 16);
		head[4] = (uint8_t)(m->link >> 8);
		head[5] = (uint8_t)m->link;
		n = 6;
	}
	if (m->type == CLUSTERMSG_IN || m->type == CLUSTERMSG_GONE)
		head[n++] = m->to;
	if (m->type == CLUSTERMSG_GONE || m->type == CLUSTERMSG_OUT)
		head[n++] = m->flags;
	if (m->type == CLUSTERMSG_IN || m->type == CLUSTERMSG_OUT) {
		head[n++] = (uint8_t)(m->lseq >> 24);
		head[n++] = (uint8_t)(m->lseq >> 16);
		head[n++] = (uint8_t)(m->lseq >> 8);
		head[n++] = (uint8_t)m->lseq;
	}
	return buf_put(b, head, n);
}

int
clustermsg_put_item(struct buf *b, const uint8_t *p, size_t len)
{
	int rc;

	if (len == 0 || len > CLUSTERMSG_MAX)
		return ERR_INVALID_ARG;
	if ((rc = buf_put_u32(b, (uint32_t)len)) != 0)
		return rc;
	if ((rc = buf_put(b, p, len)) != 0)
		buf_unput(b, 4);
	return rc;
}

void
clustermsg_seal(const struct clustermsg_keys *k, const char *subject,
    const uint8_t *p, size_t len, uint8_t *out)
{
	randombytes_buf(out, CLUSTERMSG_NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out +
	    CLUSTERMSG_NONCE_BYTES, NULL, p, len, (const uint8_t *)subject,
	    strlen(subject), NULL, out, k->seal);
}

int
clustermsg_open(const struct clustermsg_keys *k, const char *subject,
    const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen)
{
	unsigned long long n;

	if (inlen < CLUSTERMSG_OVERHEAD)
		return ERR_TRUNCATED;
	if (inlen - CLUSTERMSG_OVERHEAD > CLUSTERMSG_MAX)
		return ERR_TOO_LARGE;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &n, NULL,
	    in + CLUSTERMSG_NONCE_BYTES, inlen - CLUSTERMSG_NONCE_BYTES,
	    (const uint8_t *)subject, strlen(subject), in, k->seal) != 0)
		return ERR_AUTH;
	*outlen = (size_t)n;
	return 0;
}

int
clustermsg_parse(struct clustermsg *m, const uint8_t *p, size_t len)
{
	struct buf b;
	const uint8_t *v;
	uint32_t n;
	int rc;

	memset(m, 0, sizeof(*m));
	buf_view(&b, p, len);
	if ((rc = buf_get_u8(&b, &m->type)) != 0 ||
	    (rc = buf_get_u8(&b, &m->node)) != 0)
		return rc;
	if (m->node == 0)
		return ERR_FORMAT;
	switch (m->type) {
	case CLUSTERMSG_CLAIM:
	case CLUSTERMSG_ALIVE:
		break;
	case CLUSTERMSG_OWNER:
		if ((rc = buf_get_fixed(&b, m->hash, sizeof(m->hash))) != 0)
			return rc;
		break;
	case CLUSTERMSG_IN:
		if ((rc = buf_get_u32(&b, &m->link)) != 0 ||
		    (rc = buf_get_u8(&b, &m->to)) != 0 ||
		    (rc = buf_get_u32(&b, &m->lseq)) != 0)
			return rc;
		if (m->to == 0 || m->lseq == 0)
			return ERR_FORMAT;
		m->len = buf_len(&b);	/* 0: a sync, no message */
		return buf_get_view(&b, m->len, &m->p);
	case CLUSTERMSG_GONE:
		if ((rc = buf_get_u32(&b, &m->link)) != 0 ||
		    (rc = buf_get_u8(&b, &m->to)) != 0 ||
		    (rc = buf_get_u8(&b, &m->flags)) != 0)
			return rc;
		if (m->to == 0 || m->flags > 1)
			return ERR_FORMAT;
		break;
	case CLUSTERMSG_OUT:
		if ((rc = buf_get_u32(&b, &m->link)) != 0 ||
		    (rc = buf_get_u8(&b, &m->flags)) != 0 ||
		    (rc = buf_get_u32(&b, &m->lseq)) != 0)
			return rc;
		if ((m->flags & ~(CLUSTERMSG_F_CLOSE | CLUSTERMSG_F_END)) != 0 ||
		    (m->lseq == 0 && ((m->flags & CLUSTERMSG_F_END) == 0 ||
		    buf_len(&b) > 0)))
			return ERR_FORMAT;
		m->len = buf_len(&b);
		m->p = buf_ptr(&b);
		while (buf_len(&b) > 0) {
			if ((rc = buf_get_u32(&b, &n)) != 0)
				return rc;
			if (n == 0)
				return ERR_FORMAT;
			if ((rc = buf_get_view(&b, n, &v)) != 0)
				return rc;
		}
		break;
	default:
		return ERR_TYPE;
	}
	return buf_expect_end(&b);
}

int
clustermsg_next_item(const struct clustermsg *m, size_t *off,
    const uint8_t **p, size_t *len)
{
	struct buf b;
	uint32_t n;

	if (*off >= m->len)
		return 0;
	buf_view(&b, m->p + *off, m->len - *off);
	if (buf_get_u32(&b, &n) != 0 || buf_get_view(&b, n, p) != 0)
		return 0;
	*len = n;
	*off += 4 + n;
	return 1;
}
