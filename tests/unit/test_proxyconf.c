/*
 * test_proxyconf.c: which proxy a run uses: --no-proxy, then --proxy
 * (none: direct), then the config file's proxy (none: direct, whatever
 * ALL_PROXY says), then ALL_PROXY, then all_proxy; a URL that is not
 * SOCKS5 is a usage error wherever it comes from, never a silent direct
 * connection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chat.h"
#include "proxy.h"
#include "proxyconf.h"

static char dir[] = "/tmp/sotto-pxc-XXXXXX";
static char path[96];

static void
config(const char *text)
{
	FILE *f;

	if (text == NULL) {
		unlink(path);
		return;
	}
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

/* The proxy's port in use, 0 for direct. */
static int
applied(const char *url, int none)
{
	const struct socks5_url *p;

	assert_int_equal(proxyconf_apply(url, none), 0);
	p = proxy_get();
	return p == NULL ? 0 : p->port;
}

static void
test_precedence(void **state)
{
	char sub[64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("XDG_CONFIG_HOME", dir, 1);
	snprintf(sub, sizeof(sub), "%s/sotto", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/config", sub);
	unsetenv("ALL_PROXY");
	unsetenv("all_proxy");

	assert_int_equal(applied(NULL, 0), 0);
	setenv("all_proxy", "socks5h://127.0.0.1:4", 1);
	assert_int_equal(applied(NULL, 0), 4);
	setenv("ALL_PROXY", "socks5h://127.0.0.1:3", 1);
	assert_int_equal(applied(NULL, 0), 3);
	config("proxy = socks5h://127.0.0.1:2\n");
	assert_int_equal(applied(NULL, 0), 2);
	assert_int_equal(applied("socks5://127.0.0.1:1", 0), 1);
	assert_int_equal(applied("none", 0), 0);
	assert_int_equal(applied("socks5h://127.0.0.1:1", 1), 0);
	config("proxy = none\n");
	assert_int_equal(applied(NULL, 0), 0);
	config(NULL);

	/* Not SOCKS5: an error from any source. */
	setenv("ALL_PROXY", "http://127.0.0.1:3128", 1);
	assert_int_equal(proxyconf_apply(NULL, 0), EXIT_USAGE);
	assert_null(proxy_get());
	assert_int_equal(applied(NULL, 1), 0);	/* --no-proxy: fine */
	assert_int_equal(proxyconf_apply("socks4://h", 0), EXIT_USAGE);
	config("proxy = 127.0.0.1:9050\n");
	assert_int_equal(proxyconf_apply(NULL, 0), EXIT_USAGE);
	config(NULL);
	unsetenv("ALL_PROXY");
	unsetenv("all_proxy");
	proxy_clear();
	rmdir(sub);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
