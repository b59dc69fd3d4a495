// SPDX-License-Identifier: GPL-2.0-only
/* Command-line formatting: every argv must stay unambiguous. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "cmdline.h"
#include "json.h"

#define ARGV(s) s, sizeof(s) - 1 /* literal with embedded NULs, without the literal's own */

static void check(const char *buf, size_t len, const char *want)
{
	char out[512];
	size_t n = cmdline__format(buf, len, out, sizeof(out));

	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void test_plain(void **state)
{
	check(ARGV("/bin/true\0"), "/bin/true");
	check(ARGV("ls\0-la\0/tmp\0"), "ls -la /tmp");
	check(ARGV("env\0A=1\0x@y:z,w+%\0"), "env A=1 x@y:z,w+%");
}

static void test_empty_args(void **state)
{
	check(ARGV("prog\0\0last\0"), "prog '' last");
	check(ARGV("prog\0\0"), "prog ''");
	check("", 0, "");
}

static void test_spaces_and_quotes(void **state)
{
	check(ARGV("sh\0a b\0"), "sh 'a b'");
	check(ARGV("echo\0it's\0"), "echo 'it'\\''s'");
	check(ARGV("echo\0\"dq\"\0"), "echo '\"dq\"'");
	check(ARGV("echo\0$HOME\0*\0"), "echo '$HOME' '*'");
	check(ARGV("echo\0back\\slash\0"), "echo 'back\\slash'");
}

static void test_utf8_and_raw_bytes(void **state)
{
	/* Valid UTF-8 stays readable inside single quotes. */
	check(ARGV("echo\0caf\xc3\xa9\0"), "echo 'caf\xc3\xa9'");
	/* Invalid UTF-8 and control bytes use $'..' with hex escapes. */
	check(ARGV("echo\0a\xff"
		   "b\0"),
	      "echo $'a\\xffb'");
	check(ARGV("echo\0line\nbreak\0"), "echo $'line\\x0abreak'");
	check(ARGV("echo\0tab\tq'\0"), "echo $'tab\\x09q\\''");
	check(ARGV("x\0\xc0\xaf\0"), "x $'\\xc0\\xaf'"); /* overlong '/' */
}

static void test_unterminated_and_count(void **state)
{
	/* A cut buffer has no final NUL: the partial argument still counts. */
	check(ARGV("ls\0-l\0/very/long/pa"), "ls -l /very/long/pa");
	assert_int_equal(cmdline__count(ARGV("ls\0-l\0/very/long/pa")), 3);
	assert_int_equal(cmdline__count(ARGV("a\0\0b\0")), 3);
	assert_int_equal(cmdline__count("", 0), 0);
}

static void test_truncated_output(void **state)
{
	char out[8];
	size_t n = cmdline__format(ARGV("hello\0world\0"), out, sizeof(out));

	assert_int_equal(n, strlen("hello world"));
	assert_string_equal(out, "hello w");
}

static void test_json_args_invalid_utf8(void **state)
{
	struct json j;

	json__init(&j);
	json__arr_open(&j, NULL);
	json__strn(&j, NULL,
		   "a\xff"
		   "b",
		   3);
	json__strn(&j, NULL, "q\"\\\n\x01", 5);
	json__strn(&j, NULL, "caf\xc3\xa9", 5);
	json__arr_close(&j);
	assert_string_equal(j.buf, "[\"a\xef\xbf\xbd"
				   "b\",\"q\\\"\\\\\\n\\u0001\",\"caf\xc3\xa9\"]");
	json__free(&j);
}

static void test_json_nesting(void **state)
{
	struct json j;

	json__init(&j);
	json__obj_open(&j, NULL);
	json__u64(&j, "a", 1);
	json__obj_open(&j, "b");
	json__i64(&j, "c", -2);
	json__bool(&j, "d", true);
	json__obj_close(&j);
	json__arr_open(&j, "e");
	json__arr_close(&j);
	json__obj_close(&j);
	assert_string_equal(j.buf, "{\"a\":1,\"b\":{\"c\":-2,\"d\":true},\"e\":[]}");
	json__free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_empty_args),
		cmocka_unit_test(test_spaces_and_quotes),
		cmocka_unit_test(test_utf8_and_raw_bytes),
		cmocka_unit_test(test_unterminated_and_count),
		cmocka_unit_test(test_truncated_output),
		cmocka_unit_test(test_json_args_invalid_utf8),
		cmocka_unit_test(test_json_nesting),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
