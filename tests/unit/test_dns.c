// SPDX-License-Identifier: GPL-2.0-only
/* DNS decoder against messages encoded by dnspython, and against broken ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "dns.h"
#include "dns_vectors.h"
#include "dns_types.h"

#define VEC(x) x, sizeof(x), x##_rrs

/* dnspython lists a record set's records in its own order: match them as a multiset. */
static void check_vec(const uint8_t *wire, size_t len, const struct dns_vec_rr *want)
{
	bool used[2][64] = { { false } };
	size_t expected[2] = { 0, 0 };
	struct dns_msg m;
	char tbuf[16];

	assert_int_equal(dns__parse(wire, len, &m), 0);
	assert_false(m.malformed);
	for (const struct dns_vec_rr *w = want; w->section >= 0; w++) {
		bool found = false;

		expected[w->section]++;
		for (size_t i = 0; i < m.nrrs[w->section] && !found; i++) {
			const struct dns_rr *rr = &m.rrs[w->section][i];

			if (used[w->section][i] || strcmp(rr->name, w->name) ||
			    strcmp(dns__type_name(rr->type, tbuf, sizeof(tbuf)), w->type) ||
			    rr->ttl != w->ttl || strcmp(rr->data, w->data))
				continue;
			used[w->section][i] = found = true;
		}
		if (!found)
			fail_msg("record %s %s %u %s not decoded", w->name, w->type, w->ttl,
				 w->data);
	}
	assert_int_equal(m.nrrs[0], expected[0]);
	assert_int_equal(m.nrrs[1], expected[1]);
	dns__free(&m);
}

static void test_records(void **state)
{
	check_vec(VEC(query_a));
	check_vec(VEC(cname_chain));
	check_vec(VEC(aaaa_edns_do));
	check_vec(VEC(mx_txt));
	check_vec(VEC(srv_ptr_ns));
	check_vec(VEC(nxdomain_soa));
	check_vec(VEC(https));
	check_vec(VEC(unknown_type));
}

static void test_header_and_edns(void **state)
{
	struct dns_msg m;
	const char *flags[7];
	char buf[16];

	assert_int_equal(dns__parse(query_a, sizeof(query_a), &m), 0);
	assert_false(m.response);
	assert_int_equal(m.nquestions, 1);
	assert_string_equal(m.questions[0].name, "www.example.com");
	assert_int_equal(m.questions[0].type, 1);
	assert_false(m.has_edns);
	dns__free(&m);

	assert_int_equal(dns__parse(aaaa_edns_do, sizeof(aaaa_edns_do), &m), 0);
	assert_true(m.response);
	assert_int_equal(m.id, 0x1234);
	assert_true(m.has_edns);
	assert_int_equal(m.edns_udp_size, 1232);
	assert_true(m.edns_do);
	assert_int_equal(m.nrrs[DNS_SECTION_ADDITIONAL], 0); /* OPT is decoded, not listed */
	assert_int_equal(dns__header_flags(&m, flags), 3);
	assert_string_equal(flags[0], "RD");
	assert_string_equal(flags[1], "RA");
	assert_string_equal(flags[2], "DO");
	dns__free(&m);

	assert_int_equal(dns__parse(nxdomain_soa, sizeof(nxdomain_soa), &m), 0);
	assert_string_equal(dns__rcode_name(m.rcode, buf, sizeof(buf)), "NXDOMAIN");
	assert_int_equal(m.edns_udp_size, 4096);
	dns__free(&m);
	assert_string_equal(dns__rcode_name(23, buf, sizeof(buf)), "RCODE23");
	assert_string_equal(dns__type_name(65280, buf, sizeof(buf)), "TYPE65280");
	assert_string_equal(dns__class_name(3, buf, sizeof(buf)), "CH");
}

static void expect_malformed(const uint8_t *b, size_t n, const char *reason_part)
{
	struct dns_msg m;

	assert_int_equal(dns__parse(b, n, &m), -1);
	assert_true(m.malformed);
	if (!strstr(m.malformed_reason, reason_part))
		fail_msg("reason '%s' lacks '%s'", m.malformed_reason, reason_part);
	dns__free(&m);
}

#define HDR(qd, an) 0x12, 0x34, 0x81, 0x80, 0, qd, 0, an, 0, 0, 0, 0

static void test_compression_faults(void **state)
{
	/* A pointer to itself, and two pointing at each other: loops, named as such. */
	static const uint8_t self[] = { HDR(1, 0), 0xc0, 12, 0, 1, 0, 1 };
	static const uint8_t pair[] = { HDR(2, 0), 0xc0, 18, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1 };
	/* A pointer back to a finished name, into a record whose data is too short. */
	static const uint8_t back[] = { HDR(1, 1), 1, 'a', 0, 0, 1, 0, 1, 0xc0, 12,
					0,	   1, 0,   1, 0, 0, 0, 0, 0,	0 };
	static const uint8_t cut_ptr[] = { HDR(1, 0), 0xc0 };
	static const uint8_t reserved[] = { HDR(1, 0), 0x41, 'a', 0, 0, 1, 0, 1 };
	static const uint8_t past[] = { HDR(1, 0), 0xc0, 0xff, 0, 1, 0, 1 };

	expect_malformed(self, sizeof(self), "compression pointer loop");
	expect_malformed(pair, sizeof(pair), "compression pointer loop");
	expect_malformed(cut_ptr, sizeof(cut_ptr), "past the message");
	expect_malformed(reserved, sizeof(reserved), "reserved label type");
	expect_malformed(past, sizeof(past), "points past the message");
	expect_malformed(back, sizeof(back), "address record has a bad length");
}

/* RFC 1035 says "a prior occurance"; Wireshark, Suricata and resolvers take forward
 * pointers too, and real queries carry them: the name is read. */
static void test_forward_pointer(void **state)
{
	/* question: pointer to the answer's owner name; answer: www.example A 192.0.2.1 */
	static const uint8_t msg[] = { HDR(1, 1), 0xc0, 18, 0,	 1,   0,   1,	3,   'w',
				       'w',	  'w',	7,  'e', 'x', 'a', 'm', 'p', 'l',
				       'e',	  0,	0,  1,	 0,   1,   0,	0,   0,
				       60,	  0,	4,  192, 0,   2,   1 };
	struct dns_msg m;

	assert_int_equal(dns__parse(msg, sizeof(msg), &m), 0);
	assert_int_equal(m.nquestions, 1);
	assert_string_equal(m.questions[0].name, "www.example");
	assert_int_equal(m.nrrs[DNS_SECTION_ANSWER], 1);
	assert_string_equal(m.rrs[DNS_SECTION_ANSWER][0].name, "www.example");
	assert_string_equal(m.rrs[DNS_SECTION_ANSWER][0].data, "192.0.2.1");
	dns__free(&m);
}

/* A bad name costs its question only: the rest is read, the fault said with its place. */
static void test_bad_name_keeps_the_rest(void **state)
{
	uint8_t b[512] = { HDR(2, 1) };
	size_t n = 12;
	struct dns_msg m;
	char why[160];

	b[n++] = 1, b[n++] = 'a', b[n++] = 0, b[n++] = 0, b[n++] = 1, b[n++] = 0, b[n++] = 1;
	for (int l = 0; l < 5; l++) { /* 5 labels of 63: 320 bytes, over 255 */
		b[n++] = 63;
		memset(b + n, 'x', 63);
		n += 63;
	}
	b[n++] = 0, b[n++] = 0, b[n++] = 1, b[n++] = 0, b[n++] = 1;
	/* answer: a. A 192.0.2.7 (owner: a pointer to the first question) */
	const uint8_t an[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4, 192, 0, 2, 7 };
	memcpy(b + n, an, sizeof(an));
	n += sizeof(an);
	assert_int_equal(dns__parse(b, n, &m), -1);
	assert_true(m.malformed);
	assert_int_equal(m.nquestions, 1);
	assert_string_equal(m.questions[0].name, "a");
	assert_int_equal(m.nrrs[DNS_SECTION_ANSWER], 1);
	assert_string_equal(m.rrs[DNS_SECTION_ANSWER][0].data, "192.0.2.7");
	dns__malformed_text(&m, why, sizeof(why));
	assert_string_equal(why, "question 2: name longer than 255 bytes");
	dns__free(&m);
}

static void test_long_labels_and_names(void **state)
{
	uint8_t b[600] = { HDR(1, 0) };
	size_t n = 12;

	/* 64-byte label: the length byte 0x40 is a reserved label type. */
	b[n++] = 64;
	memset(b + n, 'a', 64);
	n += 64;
	b[n++] = 0;
	expect_malformed(b, n + 4, "reserved label type");
	/* 5 labels of 63 bytes: 320 bytes on the wire, over the 255 limit. */
	n = 12;
	for (int i = 0; i < 5; i++) {
		b[n++] = 63;
		memset(b + n, 'b', 63);
		n += 63;
	}
	b[n++] = 0;
	memset(b + n, 0, 4);
	expect_malformed(b, n + 4, "longer than 255");
}

static void test_lengths_past_the_end(void **state)
{
	/* rdlength says 200 but the message ends. */
	static const uint8_t rd[] = { HDR(0, 1), 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 200, 1, 2, 3, 4 };
	/* Zero-length A record, zero-length TXT. */
	static const uint8_t zero_a[] = { HDR(0, 1), 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 0 };
	static const uint8_t zero_txt[] = { HDR(0, 1), 0, 0, 16, 0, 1, 0, 0, 0, 60, 0, 0 };
	/* TXT string length past its record. */
	static const uint8_t txt_over[] = { HDR(0, 1), 0, 0, 16, 0, 1, 0, 0, 0, 60, 0, 2, 5, 'x' };
	struct dns_msg m;

	expect_malformed(rd, sizeof(rd), "record data runs past");
	expect_malformed(zero_a, sizeof(zero_a), "bad length");
	expect_malformed(txt_over, sizeof(txt_over), "TXT string runs past");
	assert_int_equal(dns__parse(zero_txt, sizeof(zero_txt), &m), 0);
	assert_int_equal(m.nrrs[0], 1);
	assert_string_equal(m.rrs[0][0].data, "");
	dns__free(&m);
	expect_malformed(rd, 5, "shorter than a DNS header");
}

/* A header claiming 65535 records must not make the decoder allocate for them. */
static void test_huge_counts(void **state)
{
	static const uint8_t b[] = { 0x12, 0x34, 0x81, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff,
				     0xff, 0xff, 0xff, 0,    0,	   1,	 0,    1 };
	struct dns_msg m;

	assert_int_equal(dns__parse(b, sizeof(b), &m), -1);
	assert_int_equal(m.nquestions, 1);
	assert_true(m.malformed);
	assert_int_equal(m.nrrs[0], 0);
	dns__free(&m);
}

/* Every prefix of every vector: never a crash, never a record beyond the cut. */
static void test_every_truncation(void **state)
{
	const struct {
		const uint8_t *b;
		size_t n;
	} v[] = { { cname_chain, sizeof(cname_chain) },
		  { mx_txt, sizeof(mx_txt) },
		  { https, sizeof(https) },
		  { nxdomain_soa, sizeof(nxdomain_soa) } };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct dns_msg full;

		assert_int_equal(dns__parse(v[i].b, v[i].n, &full), 0);
		for (size_t cut = 0; cut < v[i].n; cut++) {
			uint8_t *copy = malloc(cut ? cut : 1);
			struct dns_msg m;

			memcpy(copy, v[i].b, cut);
			assert_int_equal(dns__parse(copy, cut, &m), -1);
			assert_true(m.malformed);
			/* Records kept before the fault are exactly the full message's. */
			for (size_t r = 0; r < m.nrrs[0]; r++)
				assert_string_equal(m.rrs[0][r].data, full.rrs[0][r].data);
			dns__free(&m);
			free(copy);
		}
		dns__free(&full);
	}
}

/* Every type dnspython names, named the same (NULL was TYPE10); a few it lacks, from IANA. */
static void test_type_names(void **state)
{
	char buf[16];

	for (size_t i = 0; i < sizeof(dnspython_types) / sizeof(dnspython_types[0]); i++)
		assert_string_equal(
			dns__type_name((uint16_t)dnspython_types[i].v, buf, sizeof(buf)),
			dnspython_types[i].name);
	assert_string_equal(dns__type_name(10, buf, sizeof(buf)), "NULL");
	assert_string_equal(dns__type_name(261, buf, sizeof(buf)), "RESINFO");
	assert_string_equal(dns__type_name(54, buf, sizeof(buf)), "TYPE54"); /* unassigned */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_header_and_edns),
		cmocka_unit_test(test_compression_faults),
		cmocka_unit_test(test_forward_pointer),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_bad_name_keeps_the_rest),
		cmocka_unit_test(test_long_labels_and_names),
		cmocka_unit_test(test_lengths_past_the_end),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_huge_counts),
	};

	return cmocka_run_group_tests_name("dns", tests, NULL, NULL);
}
