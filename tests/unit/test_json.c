// SPDX-License-Identifier: GPL-2.0-only
/* The JSON writer: escapes, UTF-8 validation, nesting and commas. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "json.h"

static void check_escape(const char *in, size_t n, const char *want)
{
	struct json j;

	json__init(&j);
	json__escape(&j, in, n);
	assert_false(j.oom);
	assert_string_equal(j.buf ? j.buf : "", want);
	assert_int_equal(j.len, strlen(want));
	json__free(&j);
}

static void test_escape(void **state)
{
	check_escape("plain text, 123", 15, "plain text, 123");
	check_escape("a\"b\\c", 5, "a\\\"b\\\\c");
	check_escape("tab\there\nnl\rcr", 14, "tab\\there\\nnl\\rcr");
	check_escape("\x01\x1f\x7f", 3, "\\u0001\\u001f\\u007f");
	check_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* Not UTF-8: a lone continuation byte, an overlong '/', a surrogate, a cut sequence. */
	check_escape("x\x80y", 3, "x\xef\xbf\xbdy");
	check_escape("\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd");
	check_escape("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check_escape("ok\xe2\x82", 4, "ok\xef\xbf\xbd\xef\xbf\xbd");
	/* A NUL inside a counted string is escaped, not an end. */
	check_escape("a\0b", 3, "a\\u0000b");
	check_escape("", 0, "");
}

static void test_long_runs_grow_the_buffer(void **state)
{
	static char in[5000], want[5000 + 2 * 100 + 1];
	size_t w = 0;
	struct json j;

	for (size_t i = 0; i < sizeof(in); i++) {
		in[i] = i % 50 == 49 ? '"' : 'a' + i % 26;
		if (in[i] == '"')
			want[w++] = '\\';
		want[w++] = in[i];
	}
	json__init(&j);
	json__escape(&j, in, sizeof(in));
	assert_int_equal(j.len, w);
	assert_memory_equal(j.buf, want, w);
	json__free(&j);
}

static void test_nesting_and_commas(void **state)
{
	struct json j;

	json__init(&j);
	json__obj_open(&j, NULL);
	json__str(&j, "name", "www.example.com");
	json__u64(&j, "n", 18446744073709551615ull);
	json__i64(&j, "neg", -5);
	json__i64(&j, "min", INT64_MIN);
	json__u64(&j, "zero", 0);
	json__arr_open(&j, "list");
	json__str(&j, NULL, "a");
	json__bool(&j, NULL, true);
	json__arr_close(&j);
	json__obj_open(&j, "o");
	json__obj_close(&j);
	json__null(&j, "none");
	json__strn(&j, "k\"ey", "x\ny", 3);
	json__obj_close(&j);
	assert_string_equal(j.buf, "{\"name\":\"www.example.com\",\"n\":18446744073709551615,\"neg\":-5,"
				   "\"min\":-9223372036854775808,\"zero\":0,"
				   "\"list\":[\"a\",true],\"o\":{},\"none\":null,\"k\\\"ey\":\"x\\ny\"}");
	json__reset(&j);
	json__obj_open(&j, NULL);
	json__obj_close(&j);
	assert_string_equal(j.buf, "{}");
	json__free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_long_runs_grow_the_buffer),
		cmocka_unit_test(test_nesting_and_commas),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
