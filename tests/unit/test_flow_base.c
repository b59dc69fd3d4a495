// SPDX-License-Identifier: GPL-2.0-only
/*
 * Long flows' reporting periods (userspace/net/flow_base.c), on a real BPF
 * hash map laid out as flow_base: what a previous agent left is read back;
 * sets and deletes reach the map; thousands of flows survive the table's
 * growth; a deleted flow leaves the others alone. Needs root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "flow_base.h"

static int base_map(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "flow_base", sizeof(struct flow_key),
				sizeof(struct wf_flow_base), 8192, NULL);

	assert_true(fd >= 0);
	return fd;
}

static struct flow_key key(unsigned int n)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.netns = 4096;
	k.ifindex = 2;
	k.family = 4;
	k.proto = 17;
	memcpy(k.saddr, &n, sizeof(n));
	k.daddr[0] = 198;
	k.sport = (__u16)n;
	k.dport = 53;
	return k;
}

static struct wf_flow_base base(unsigned int n)
{
	return (struct wf_flow_base){ .orig_packets = n, .orig_bytes = 100ull * n,
				      .reply_packets = n / 2, .reply_bytes = 50ull * n,
				      .period_ns = 1000000000ull + n };
}

static void test_reads_back_what_the_map_holds(void **state)
{
	int fd = base_map();
	struct flow_key k = key(7);
	struct wf_flow_base v = base(7), got;
	struct flow_bases *b;

	assert_int_equal(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0);
	b = flow_bases__new(fd);
	assert_non_null(b);
	assert_int_equal(flow_bases__count(b), 1);
	assert_non_null(flow_bases__get(b, &k));
	assert_memory_equal(flow_bases__get(b, &k), &v, sizeof(v));
	k = key(8);
	assert_null(flow_bases__get(b, &k));
	/* A set reaches the map; a delete removes it from both. */
	v = base(8);
	assert_int_equal(flow_bases__set(b, &k, &v), 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &got), 0);
	assert_memory_equal(&got, &v, sizeof(v));
	flow_bases__del(b, &k);
	assert_null(flow_bases__get(b, &k));
	assert_int_not_equal(bpf_map_lookup_elem(fd, &k, &got), 0);
	flow_bases__free(b);
	close(fd);
}

static void test_many_flows_through_growth_and_deletes(void **state)
{
	int fd = base_map();
	struct flow_bases *b = flow_bases__new(fd);

	assert_non_null(b);
	for (unsigned int n = 0; n < 5000; n++) {
		struct flow_key k = key(n);
		struct wf_flow_base v = base(n);

		assert_int_equal(flow_bases__set(b, &k, &v), 0);
	}
	/* A second set of the same flow replaces, never adds. */
	{
		struct flow_key k = key(42);
		struct wf_flow_base v = base(4242);

		assert_int_equal(flow_bases__set(b, &k, &v), 0);
		assert_int_equal(flow_bases__get(b, &k)->orig_packets, 4242);
	}
	assert_int_equal(flow_bases__count(b), 5000);
	for (unsigned int n = 0; n < 5000; n += 2) {
		struct flow_key k = key(n);

		flow_bases__del(b, &k);
	}
	assert_int_equal(flow_bases__count(b), 2500);
	for (unsigned int n = 0; n < 5000; n++) {
		struct flow_key k = key(n);
		const struct wf_flow_base *v = flow_bases__get(b, &k);

		if (n % 2 == 0) {
			assert_null(v);
		} else {
			assert_non_null(v);
			assert_int_equal(v->period_ns, 1000000000ull + n);
		}
	}
	flow_bases__free(b);
	/* What stayed in the map is what a restarted agent finds. */
	b = flow_bases__new(fd);
	assert_non_null(b);
	assert_int_equal(flow_bases__count(b), 2500);
	flow_bases__free(b);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_back_what_the_map_holds),
		cmocka_unit_test(test_many_flows_through_growth_and_deletes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
