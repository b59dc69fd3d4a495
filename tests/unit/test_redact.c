// SPDX-License-Identifier: GPL-2.0-only
/* Secret redaction of environment entries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "redact.h"

static void check(const char *entry, const char *want)
{
	char out[128];
	size_t n = redact__env_entry(entry, strlen(entry), out, sizeof(out));

	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void test_secret_names(void **state)
{
	check("GITHUB_TOKEN=ghp_abc", "GITHUB_TOKEN=" REDACTED);
	check("DB_PASSWORD=hunter2", "DB_PASSWORD=" REDACTED);
	check("aws_secret_access_key=xyz", "aws_secret_access_key=" REDACTED);
	check("API_KEY=1", "API_KEY=" REDACTED);
	check("GOOGLE_APPLICATION_CREDENTIALS=/k.json", "GOOGLE_APPLICATION_CREDENTIALS=" REDACTED);
	check("MYSQL_PWD_PASSWD=x", "MYSQL_PWD_PASSWD=" REDACTED);
	check("SSH_PRIVATE_KEY=", "SSH_PRIVATE_KEY=" REDACTED); /* empty values too */
}

static void test_plain_names(void **state)
{
	check("PATH=/usr/bin:/bin", "PATH=/usr/bin:/bin");
	check("HOME=/root", "HOME=/root");
	check("LANG=C.UTF-8", "LANG=C.UTF-8");
	/* The value never decides: only the name does. */
	check("NOTE=my password is x", "NOTE=my password is x");
	/* No '=': nothing to redact, kept as is. */
	check("TOKEN", "TOKEN");
}

static void test_case_and_position(void **state)
{
	assert_true(redact__is_secret_name("token", 5));
	assert_true(redact__is_secret_name("x_Secret_y", 10));
	assert_false(redact__is_secret_name("TOKE", 4));
	/* The name is bounded by n, not by the string. */
	assert_false(redact__is_secret_name("ABCTOKEN", 3));
}

static void test_small_buffer(void **state)
{
	char out[8];

	redact__env_entry("A_TOKEN=verysecret", 18, out, sizeof(out));
	assert_int_equal(strlen(out), 7);
	assert_null(strstr(out, "very"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_names),
		cmocka_unit_test(test_plain_names),
		cmocka_unit_test(test_case_and_position),
		cmocka_unit_test(test_small_buffer),
	};

	return cmocka_run_group_tests_name("redact", tests, NULL, NULL);
}
