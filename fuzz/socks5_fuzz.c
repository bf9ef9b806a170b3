/*
 * socks5_fuzz.c: libFuzzer target for the SOCKS5 client: the proxy's
 * replies fed to the state machine in pieces (first byte: the piece
 * size and whether credentials are offered), and, with the first byte
 * 0, the proxy URL parser.  Beyond memory safety it checks that a
 * reply never consumes more than it is given, that nothing is consumed
 * while more is needed, that a success leaves the tunnel open and a
 * failure says why, and that a parsed URL is within its bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "socks5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_url(const uint8_t *data, size_t size)
{
	struct socks5_url u;
	const char *why;

	if (socks5_parse_url(&u, (const char *)data, size, &why) != 0) {
		if (why == NULL || u.host[0] != '\0')
			abort();
		return;
	}
	if (u.none)
		return;
	if (u.host[0] == '\0' || strlen(u.host) > SOCKS5_MAX_NAME ||
	    u.port == 0 || (u.have_auth && (u.ulen == 0 || u.plen == 0 ||
	    u.ulen > SOCKS5_MAX_NAME || u.plen > SOCKS5_MAX_NAME)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct socks5 s;
	struct buf out;
	size_t off = 1, piece, n, used, have = 0;
	uint8_t acc[SOCKS5_MAX_REPLY];
	int r = 0, auth;

	if (size == 0)
		return 0;
	if (data[0] == 0) {
		fuzz_url(data + 1, size - 1);
		return 0;
	}
	piece = (data[0] & 0x7f) % 16 + 1;
	auth = data[0] & 0x80;
	buf_init(&out, 4 * SOCKS5_MAX_REPLY);
	if (socks5_start(&s, "example.onion", 443,
	    auth ? (const uint8_t *)"user" : NULL, 4,
	    (const uint8_t *)"pass", 4, &out) != 0)
		abort();
	/* As dial.c does: accumulate pieces until a step completes. */
	while (off < size && r >= 0 && r != 1) {
		n = size - off < piece ? size - off : piece;
		if (n > sizeof(acc) - have)
			n = sizeof(acc) - have;
		memcpy(acc + have, data + off, n);
		r = socks5_input(&s, acc, have + n, &used, &out);
		if (r == ERR_NEED_MORE) {
			if (used != 0)
				abort();
			have += n;
			off += n;
			if (have == sizeof(acc))
				break;
			r = 0;
			continue;
		}
		if (r < 0) {
			if (s.why == NULL || s.state != SOCKS5_FAILED)
				abort();
			break;
		}
		if (used == 0 || used > have + n || used <= have)
			abort();
		off += used - have;
		have = 0;
		if (r == 1 && s.state != SOCKS5_OPEN)
			abort();
	}
	socks5_clear(&s);
	buf_release(&out);
	return 0;
}
