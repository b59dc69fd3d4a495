// SPDX-License-Identifier: GPL-2.0-only
/* --syslog's target, facility and severity. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/un.h>
#include "syslog_target.h"

static void test_targets(void **state)
{
	struct syslog_target t;
	struct sockaddr_in *in = (struct sockaddr_in *)&t.addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&t.addr;
	struct sockaddr_un *un = (struct sockaddr_un *)&t.addr;
	char a[64];

	assert_int_equal(syslog_target__parse(&t, "unix", NULL, NULL), 0);
	assert_int_equal(t.kind, SYSLOG_UNIX);
	assert_string_equal(un->sun_path, "/dev/log");
	assert_int_equal(t.pri, 3 * 8 + 6); /* daemon.info */
	assert_int_equal(syslog_target__parse(&t, "unix:/run/x.sock", "local3", "notice"), 0);
	assert_string_equal(un->sun_path, "/run/x.sock");
	assert_int_equal(t.pri, 19 * 8 + 5);
	assert_int_equal(syslog_target__parse(&t, "tcp://127.0.0.1:6514", NULL, NULL), 0);
	assert_int_equal(t.kind, SYSLOG_TCP);
	assert_int_equal(ntohs(in->sin_port), 6514);
	assert_string_equal(inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a)), "127.0.0.1");
	assert_int_equal(syslog_target__parse(&t, "udp://[::1]:514", NULL, NULL), 0);
	assert_int_equal(t.kind, SYSLOG_UDP);
	assert_int_equal(t.addr.ss_family, AF_INET6);
	assert_int_equal(ntohs(in6->sin6_port), 514);
	assert_string_equal(t.text, "udp://[::1]:514");
}

static void test_bad_targets(void **state)
{
	static const char *const bad[] = {
		"", "tcp://", "tcp://127.0.0.1", "tcp://127.0.0.1:", "tcp://127.0.0.1:0",
		"tcp://127.0.0.1:65536", "udp://:514", "udp://[::1]514", "http://h:1", "unix:",
		"tcp://127.0.0.1:5x",
	};
	struct syslog_target t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(syslog_target__parse(&t, bad[i], NULL, NULL), -1);
		assert_non_null(t.error);
	}
	assert_int_equal(syslog_target__parse(&t, "unix", "local8", NULL), -1);
	assert_int_equal(syslog_target__parse(&t, "unix", NULL, "loud"), -1);
	assert_int_equal(syslog_target__facility("LOCAL7"), 23);
	assert_int_equal(syslog_target__severity("debug"), 7);
	assert_int_equal(syslog_target__severity("emerg"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_bad_targets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
