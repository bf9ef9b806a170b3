/*
 * test_config_load.c: the settings file is read from
 * $XDG_CONFIG_HOME/sotto/config: a missing file sets nothing and is no
 * error, a file's settings are taken (the proxy URL only by
 * config_load_proxy), and one that isn't a regular file
 * is refused with every setting left unset.
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

#include "config_load.h"

static void
test_load(void **state)
{
	char dir[] = "/tmp/sotto-cfg-XXXXXX", sub[64], path[96], url[64];
	struct config c;
	int exposed;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("XDG_CONFIG_HOME", dir, 1);
	assert_int_equal(config_load(&c), 0);		/* no directory */
	assert_int_equal(c.color, -1);
	snprintf(sub, sizeof(sub), "%s/sotto", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/config", sub);
	assert_non_null(f = fopen(path, "w"));
	fputs("color = off\nbell = on\ntimestamp = %H:%M:%S\nname = zoe\n"
	    "relay = example.org:7000\nport = 4000\n"
	    "proxy = socks5h://u:secret@127.0.0.1:9050\n", f);
	fclose(f);
	assert_int_equal(config_load(&c), 0);
	/* The proxy URL (it may hold a password) only through its own
	 * function. */
	assert_string_equal(c.proxy, "");
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(config_load_proxy(url, sizeof(url), &exposed), 0);
	assert_string_equal(url, "socks5h://u:secret@127.0.0.1:9050");
	assert_int_equal(exposed, 1);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(config_load_proxy(url, 10, &exposed), 0);
	assert_string_equal(url, "");
	assert_int_equal(exposed, 0);
	assert_int_equal(c.color, 0);
	assert_int_equal(c.bell, 1);
	assert_string_equal(c.timestamp, "%H:%M:%S");
	assert_string_equal(c.name, "zoe");
	assert_string_equal(c.relay, "example.org:7000");
	assert_int_equal(c.port, 4000);
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);	/* not a regular file */
	assert_true(config_load(&c) < 0);
	assert_int_equal(c.color, -1);
	assert_string_equal(c.name, "");
	rmdir(path);
	rmdir(sub);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
