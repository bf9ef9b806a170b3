/*
 * privaddr.c: private addresses (privaddr.h): RFC 1918, loopback,
 * link-local, the shared address space of carrier-grade NAT (RFC 6598),
 * IPv6 loopback, link-local and unique local addresses.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "privaddr.h"

/* The host part of a, without brackets or port, into host: 0 or -1. */
static int
host_part(const char *a, char host[64])
{
	const char *end;
	size_t n;

	if (*a == '[') {
		a++;
		if ((end = strchr(a, ']')) == NULL)
			return -1;
	} else if ((end = strchr(a, ':')) == NULL || strchr(end + 1, ':') != NULL)
		end = a + strlen(a);	/* no port, or a bare IPv6 address */
	if ((n = (size_t)(end - a)) >= 64)
		return -1;
	memcpy(host, a, n);
	host[n] = '\0';
	host[strcspn(host, "%")] = '\0';	/* fe80::1%eth0: the scope */
	return 0;
}

int
addr_is_loopback(const char *a)
{
	char host[64];
	struct in_addr v4;
	struct in6_addr v6;

	if (host_part(a, host) != 0)
		return 0;
	if (inet_pton(AF_INET, host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

int
addr_is_private(const char *a)
{
	char host[64];
	struct in_addr v4;
	struct in6_addr v6;
	uint32_t x;

	if (host_part(a, host) != 0)
		return 0;
	if (inet_pton(AF_INET, host, &v4) == 1) {
		x = ntohl(v4.s_addr);
		return (x >> 24) == 10 || (x >> 24) == 127 ||
		    (x >> 20) == 0xac1 || (x >> 16) == 0xc0a8 ||
		    (x >> 16) == 0xa9fe || (x >> 22) == (0x64400000u >> 22);
	}
	if (inet_pton(AF_INET6, host, &v6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&v6)) {
			snprintf(host, sizeof(host), "%u.%u.%u.%u",
			    v6.s6_addr[12], v6.s6_addr[13], v6.s6_addr[14],
			    v6.s6_addr[15]);
			return addr_is_private(host);
		}
		return IN6_IS_ADDR_LOOPBACK(&v6) || IN6_IS_ADDR_LINKLOCAL(&v6) ||
		    (v6.s6_addr[0] & 0xfe) == 0xfc;
	}
	return 0;
}
