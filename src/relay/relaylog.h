/*
 * relaylog.h: the relay's log: one line per event on stderr,
 * "YYYY-mm-ddTHH:MM:SSZ LEVEL message", that never blocks the relay.
 */
#ifndef SOTTO_RELAYLOG_H
#define SOTTO_RELAYLOG_H

enum relay_log_level {
	RELAY_LOG_INFO,
	RELAY_LOG_WARN,
	RELAY_LOG_ERROR,
};

/* A line longer than this (with its newline) is cut short. */
#define RELAY_LOG_LINE_MAX	512

/*
 * Starts logging to fd.  When fd is a pipe or a socket it is made
 * non-blocking, so that a reader that stops reading can't stall the
 * relay: lines that don't fit are dropped and counted (the count is
 * logged once writing works again).  A terminal or a file is written as
 * it is.  relay_log_end puts fd's flags back.
 */
void	 relay_log_start(int fd);
void	 relay_log_end(void);

/* Logs one line (the format must not end in a newline). */
void	 relay_log(enum relay_log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
