/*
 * privaddr.h: whether an address people type or see is reachable only
 * from its own network (private, loopback, link-local, CGNAT, ULA).
 */
#ifndef SOTTO_PRIVADDR_H
#define SOTTO_PRIVADDR_H

/* 1 if the numeric address a (IPv4 or IPv6, with or without a port or
 * brackets) is private in that sense, 0 if public or not an address. */
int	 addr_is_private(const char *a);
/* 1 if a is a loopback address (127/8, ::1), reachable from this machine
 * only. */
int	 addr_is_loopback(const char *a);

#endif
