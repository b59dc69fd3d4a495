// SPDX-License-Identifier: GPL-2.0-only
/* HTTP/1.x request heads: real ones (as curl sends them) and broken ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "http.h"

#define REQ(s) (const uint8_t *)(s), sizeof(s) - 1

static void test_curl_request(void **state)
{
	struct http_request r;

	assert_int_equal(http__parse_request(REQ("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: www.test.example:8080\r\n"
						  "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"),
					     &r),
			 0);
	assert_string_equal(r.method, "GET");
	assert_string_equal(r.target, "/a/b?x=1&y=2");
	assert_string_equal(r.version, "1.1");
	assert_string_equal(r.host, "www.test.example:8080");
	assert_string_equal(r.domain, "www.test.example");
	assert_int_equal(r.port, 8080);
	assert_string_equal(r.path, "/a/b");
	assert_string_equal(r.query, "x=1&y=2");
	assert_string_equal(r.user_agent, "curl/7.88.1");
	assert_true(r.headers_complete);
}

static void test_absolute_form_v6_and_lf_only(void **state)
{
	struct http_request r;

	assert_int_equal(http__parse_request(REQ("POST http://[fd00::1]:81/p HTTP/1.0\nuser-agent:  x y \n\n"), &r), 0);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.domain, "fd00::1");
	assert_int_equal(r.port, 81);
	assert_string_equal(r.path, "/p");
	assert_false(r.has_query);
	assert_string_equal(r.user_agent, "x y");
	assert_string_equal(r.version, "1.0");
}

static void test_cut_and_broken(void **state)
{
	struct http_request r;

	/* Head cut by the segment: fields so far, marked incomplete, not malformed. */
	assert_int_equal(http__parse_request(REQ("GET / HTTP/1.1\r\nHost: h\r\nUser-Ag"), &r), 0);
	assert_string_equal(r.host, "h");
	assert_false(r.has_user_agent);
	assert_false(r.headers_complete);
	assert_int_equal(http__parse_request(REQ("GET / HTTP/1.1"), &r), -1);
	assert_string_equal(r.malformed_reason, "request line incomplete");
	assert_int_equal(http__parse_request(REQ("GET  HTTP/1.1\r\n\r\n"), &r), -1);
	assert_int_equal(http__parse_request(REQ("GET / SPDY/3\r\n\r\n"), &r), -1);
	assert_string_equal(r.malformed_reason, "not an HTTP/1.x request line");
	assert_int_equal(http__parse_request(REQ("GET / HTTP/1.1\r\nno colon here\r\n\r\n"), &r), -1);
	assert_string_equal(r.method, "GET"); /* what came before the fault stays */
	/* Control bytes never reach the output raw. */
	assert_int_equal(http__parse_request(REQ("GET /\x1b[31m HTTP/1.1\r\n\r\n"), &r), 0);
	assert_string_equal(r.target, "/\\x1b[31m");
	/* Every prefix: no crash. */
	for (size_t n = 0; n < 40; n++)
		http__parse_request((const uint8_t *)"GET /x HTTP/1.1\r\nHost: a:1\r\n\r\n", n, &r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_curl_request),
		cmocka_unit_test(test_absolute_form_v6_and_lf_only),
		cmocka_unit_test(test_cut_and_broken),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
