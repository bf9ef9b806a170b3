/* relaymsg_fuzz.c: libFuzzer target for the member <-> relay messages,
 * the lobby's (PROTOCOL.md 15.9) included: whatever parses re-encodes to
 * exactly the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "relaymsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parsed name as a C string; 0 if it holds a NUL (the encoders take C
 * strings, so such a name can't be re-encoded: not a parser bug). */
static int
cstr(char out[256], const uint8_t *p, size_t len)
{
	if (len > 255 || (len > 0 && memchr(p, 0, len) != NULL))
		return 0;
	if (len > 0)
		memcpy(out, p, len);
	out[len] = '\0';
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relaymsg m;
	struct relaymsg_member mem;
	struct buf b;
	char name[256];
	size_t off = 0;
	uint16_t seen = 0;
	int r = -1;

	if (relaymsg_parse(&m, data, size) != 0)
		return 0;
	buf_init(&b, size + 16);
	switch (m.type) {
	case RELAYMSG_JOIN:
		if (!cstr(name, m.name, m.name_len))
			goto out;
		r = relaymsg_put_join(&b, m.room_id, name);
		break;
	case RELAYMSG_BCAST:
		r = relaymsg_put_bcast(&b, m.cseq, m.blob, m.blob_len);
		break;
	case RELAYMSG_DIRECT:
		r = relaymsg_put_direct(&b, m.cseq, m.id, m.blob, m.blob_len);
		break;
	case RELAYMSG_NICK:
		if (!cstr(name, m.name, m.name_len))
			goto out;
		r = relaymsg_put_nick(&b, name);
		break;
	case RELAYMSG_RESUME:
		r = relaymsg_put_resume(&b, m.room_id, m.id, m.token, m.seq);
		break;
	case RELAYMSG_WELCOME:
	case RELAYMSG_RESUMED:
		if ((r = m.type == RELAYMSG_WELCOME ?
		    relaymsg_put_welcome_start(&b, m.id, m.token, m.seq,
		    m.count) : relaymsg_put_resumed_start(&b, m.id, m.seq,
		    m.last, m.cseq, m.count)) != 0)
			break;
		while (relaymsg_welcome_next(&m, &off, &mem)) {
			/* The parser vouched for every entry. */
			if (mem.id == 0 || mem.name_len == 0 ||
			    mem.name_len > RELAYMSG_MAX_NAME ||
			    mem.name < m.members ||
			    mem.name + mem.name_len > m.members + m.members_len)
				abort();
			seen++;
			if (!cstr(name, mem.name, mem.name_len))
				goto out;
			if ((r = relaymsg_put_welcome_member(&b, mem.id,
			    mem.flags, name)) != 0)
				break;
		}
		if (seen != m.count || off != m.members_len)
			abort();
		break;
	case RELAYMSG_JOINED:
	case RELAYMSG_NICKED:
		if (!cstr(name, m.name, m.name_len))
			goto out;
		r = relaymsg_put_member_event(&b, m.type, m.seq, m.id, name);
		break;
	case RELAYMSG_LEFT:
	case RELAYMSG_AWAY:
	case RELAYMSG_BACK:
		r = relaymsg_put_member_event(&b, m.type, m.seq, m.id, NULL);
		break;
	case RELAYMSG_DELIVER:
	case RELAYMSG_DELIVER_DIRECT:
		r = relaymsg_put_deliver(&b, m.type, m.seq, m.id, m.blob,
		    m.blob_len);
		break;
	case RELAYMSG_ACCEPTED:
		r = relaymsg_put_accepted(&b, m.cseq);
		break;
	case RELAYMSG_LOBBY:
	case RELAYMSG_VISIT:
		r = relaymsg_put_lobby(&b, m.type, m.room_id);
		break;
	case RELAYMSG_KNOCK:
	case RELAYMSG_KNOCKED:
	case RELAYMSG_OPEN:
	case RELAYMSG_OPENED:
		/* The lobby's blobs have their own, smaller, limits. */
		if (m.blob_len == 0 || m.blob_len > (m.type == RELAYMSG_KNOCK ||
		    m.type == RELAYMSG_KNOCKED ? RELAYMSG_MAX_KNOCK :
		    RELAYMSG_MAX_OPEN))
			abort();
		r = relaymsg_put_door(&b, m.type, m.id, m.blob, m.blob_len);
		break;
	case RELAYMSG_VISITING:
	case RELAYMSG_WAITING:
		r = relaymsg_put_count(&b, m.type, m.count);
		break;
	case RELAYMSG_ERROR:
		if (!cstr(name, m.blob, m.blob_len))
			goto out;
		r = relaymsg_put_error(&b, m.code, name);
		break;
	case RELAYMSG_BATCH: {
		const uint8_t *item;
		size_t ilen;

		/* Items are re-batched as they are; each one is also run
		 * through the parser, as a member does. */
		r = 0;
		while (r == 0 && relaymsg_batch_next(&m, &off, &item, &ilen)) {
			struct relaymsg in;

			seen++;
			(void)relaymsg_parse(&in, item, ilen);
			r = relaymsg_put_batch_item(&b, item, ilen);
		}
		if (seen != m.count || off != m.blob_len)
			abort();
		break;
	}
	default:
		abort();	/* parsed an unknown type */
	}
	if (r != 0 || buf_len(&b) != size ||
	    memcmp(buf_ptr(&b), data, size) != 0)
		abort();
 out:
	buf_release(&b);
	return 0;
}
