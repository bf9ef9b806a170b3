/*
 * config_fuzz.c: libFuzzer target for config_parse.  Beyond memory
 * safety it checks what the client relies on: every setting it returns
 * is within its documented bounds, and parsing never fails on input of
 * allowed size.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
warn(void *arg, unsigned line, const char *why)
{
	(void)arg;
	if (line == 0 || why == NULL || why[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	size_t i;

	config_init(&c);
	if (config_parse(&c, data, size, warn, NULL) != 0) {
		if (size <= CONFIG_MAX_BYTES)
			abort();
		return 0;
	}
	if (c.port < 0 || c.port > 65535 || c.color < -1 || c.color > 1 ||
	    c.bell < -1 || c.bell > 1)
		abort();
	if (strlen(c.name) > CONFIG_MAX_NAME ||
	    strlen(c.relay) > CONFIG_MAX_ADDR ||
	    strlen(c.proxy) > CONFIG_MAX_PROXY ||
	    strlen(c.timestamp) > CONFIG_MAX_TSFMT)
		abort();
	for (i = 0; c.name[i] != '\0'; i++)
		if ((uint8_t)c.name[i] <= 0x20 || c.name[i] == 0x7f)
			abort();
	for (i = 0; c.timestamp[i] != '\0'; i++)
		if ((uint8_t)c.timestamp[i] < 0x20 ||
		    (uint8_t)c.timestamp[i] >= 0x7f)
			abort();
	return 0;
}
