/* relaylog.c: the relay's non-blocking log lines (see relaylog.h). */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "relaylog.h"

static int		log_fd = 2;
static int		log_saved_flags = -1;	/* to restore, or -1 */
/* Lines not written; under log_lock (jslog's setup thread logs too). */
static unsigned long	log_dropped;
static pthread_mutex_t	log_lock = PTHREAD_MUTEX_INITIALIZER;

void
relay_log_start(int fd)
{
	struct stat st;
	int fl;

	log_fd = fd;
	log_saved_flags = -1;
	log_dropped = 0;
	if (fstat(fd, &st) != 0 ||
	    (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode)))
		return;
	if ((fl = fcntl(fd, F_GETFL)) < 0 || (fl & O_NONBLOCK) != 0)
		return;
	if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0)
		log_saved_flags = fl;
}

void
relay_log_end(void)
{
	if (log_saved_flags >= 0)
		(void)fcntl(log_fd, F_SETFL, log_saved_flags);
	log_saved_flags = -1;
}

static const char *
level_str(enum relay_log_level level)
{
	switch (level) {
	case RELAY_LOG_INFO:
		return "info";
	case RELAY_LOG_WARN:
		return "warn";
	case RELAY_LOG_ERROR:
		return "error";
	}
	return "?";
}

/* One write per line: a pipe takes a line of at most PIPE_BUF bytes
 * whole or not at all, so lines never interleave or tear. */
static int
put_line(enum relay_log_level level, const char *msg)
{
	char line[RELAY_LOG_LINE_MAX], ts[32];
	struct tm tm;
	time_t now = time(NULL);
	ssize_t w;
	int n;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(ts, "0000-00-00T00:00:00Z");
	n = snprintf(line, sizeof(line) - 1, "%s %s %s", ts, level_str(level),
	    msg);
	if (n < 0)
		return -1;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	do
		w = write(log_fd, line, (size_t)n);
	while (w < 0 && errno == EINTR);
	return w == n ? 0 : -1;
}

void
relay_log(enum relay_log_level level, const char *fmt, ...)
{
	char msg[RELAY_LOG_LINE_MAX], note[64];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	if (log_dropped > 0) {
		snprintf(note, sizeof(note), "%lu log lines dropped "
		    "(stderr not read)", log_dropped);
		if (put_line(RELAY_LOG_WARN, note) != 0) {
			log_dropped++;
			goto out;
		}
		log_dropped = 0;
	}
	if (put_line(level, msg) != 0)
		log_dropped++;
 out:
	pthread_mutex_unlock(&log_lock);
	errno = saved;
}
