// SPDX-License-Identifier: GPL-2.0-only
/* Community ID v1 against the spec's published vectors (as Zeek's test suite has them). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include "community_id.h"

struct vec {
	int family;
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;
	uint16_t seed;
	const char *want;
};

static const struct vec vecs[] = {
	{ 4, "1.2.3.4", "5.6.7.8", 6, 1122, 3344, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
	{ 4, "1.2.3.4", "5.6.7.8", 17, 1122, 3344, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
	{ 4, "1.2.3.4", "5.6.7.8", 1, 8, 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=" },
	{ 6, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
	  58, 128, 0, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=" },
	{ 4, "1.2.3.4", "5.6.7.8", 6, 1122, 3344, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
	{ 4, "1.2.3.4", "5.6.7.8", 17, 1122, 3344, 1, "1:OShq+iKDAMVouh/4bMxB9Sz4amw=" },
	{ 4, "1.2.3.4", "5.6.7.8", 1, 8, 0, 1, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=" },
	{ 6, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
	  58, 128, 0, 1, "1:IO27GQzPuCtNnwFvjWALMHu5tJE=" },
	/* RSVP: a protocol without ports */
	{ 4, "1.2.3.4", "5.6.7.8", 46, 0, 0, 0, "1:ikv3kmf89luf73WPz1jOs49S768=" },
};

static void check(const struct vec *v, int reverse)
{
	uint8_t s[16] = { 0 }, d[16] = { 0 };
	int af = v->family == 6 ? AF_INET6 : AF_INET;
	char out[COMMUNITY_ID_LEN];

	assert_int_equal(inet_pton(af, v->src, s), 1);
	assert_int_equal(inet_pton(af, v->dst, d), 1);
	if (!reverse) {
		assert_int_equal(community_id__v1(v->seed, v->family, s, d, v->proto, v->sport,
						  v->dport, out, sizeof(out)),
				 0);
	} else {
		/* ICMP replies carry the counterpart type: echo reply (0/129) for echo (8/128). */
		uint16_t rs = v->proto == 1 ? 0 : v->proto == 58 ? 129 : v->dport;
		uint16_t rd = (v->proto == 1 || v->proto == 58) ? 0 : v->sport;

		assert_int_equal(community_id__v1(v->seed, v->family, d, s, v->proto, rs, rd, out,
						  sizeof(out)),
				 0);
	}
	assert_string_equal(out, v->want);
}

static void test_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
		check(&vecs[i], 0);
}

static void test_both_directions_agree(void **state)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
		check(&vecs[i], 1);
}

static void test_small_buffer(void **state)
{
	uint8_t a[4] = { 1, 2, 3, 4 };
	char out[10];

	assert_int_equal(community_id__v1(0, 4, a, a, 6, 1, 2, out, sizeof(out)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_both_directions_agree),
		cmocka_unit_test(test_small_buffer),
	};

	return cmocka_run_group_tests_name("community_id", tests, NULL, NULL);
}
