// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner sweep, on a real BPF hash map laid out as the owner table: owners
 * of released sockets go once seen released for the hold time, and no sooner;
 * live owners stay; an owner replaced by a live one is not deleted. Needs root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "owner_sweep.h"
#include "sock_events.h"

#define SEC_NS 1000000000ull

static int owners_map(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "owners", sizeof(__u64), sizeof(struct wf_owner),
				4096, NULL);

	assert_true(fd >= 0);
	return fd;
}

static void put(int fd, __u64 cookie, bool released)
{
	struct wf_owner o = { .cookie = cookie, .tgid = 100 + (__u32)cookie, .released = released };

	assert_int_equal(bpf_map_update_elem(fd, &cookie, &o, BPF_ANY), 0);
}

static bool has(int fd, __u64 cookie)
{
	struct wf_owner o;

	return !bpf_map_lookup_elem(fd, &cookie, &o);
}

static void test_released_owners_go_after_the_hold(void **state)
{
	struct owner_sweep s = { 0 };
	int fd = owners_map();
	__u64 t0 = 1000 * SEC_NS, hold = 25 * SEC_NS;

	/* 3000 owners (more than one lookup batch): every third one released. */
	for (__u64 c = 1; c <= 3000; c++)
		put(fd, c, c % 3 == 0);
	assert_int_equal(owner_sweep__run(&s, fd, t0, hold), 0); /* first seen now */
	assert_int_equal(owner_sweep__run(&s, fd, t0 + hold - 1, hold), 0); /* not yet */
	put(fd, 5000, true); /* released later: its own clock */
	assert_int_equal(owner_sweep__run(&s, fd, t0 + hold, hold), 1000);
	for (__u64 c = 1; c <= 3000; c++)
		assert_int_equal(has(fd, c), c % 3 != 0);
	assert_true(has(fd, 5000));
	assert_int_equal(owner_sweep__run(&s, fd, t0 + hold + hold - 1, hold), 0);
	assert_int_equal(owner_sweep__run(&s, fd, t0 + 2 * hold, hold), 1);
	assert_false(has(fd, 5000));
	owner_sweep__free(&s);
	close(fd);
}

static void test_an_owner_live_again_is_kept(void **state)
{
	struct owner_sweep s = { 0 };
	int fd = owners_map();
	__u64 hold = 10 * SEC_NS;

	put(fd, 7, true);
	assert_int_equal(owner_sweep__run(&s, fd, SEC_NS, hold), 0);
	put(fd, 7, false); /* the kernel wrote a fresh owner under the cookie */
	assert_int_equal(owner_sweep__run(&s, fd, SEC_NS + hold, hold), 0);
	assert_true(has(fd, 7));
	/* Released again: the hold starts over from this sighting. */
	put(fd, 7, true);
	assert_int_equal(owner_sweep__run(&s, fd, 2 * SEC_NS + hold, hold), 0);
	assert_int_equal(owner_sweep__run(&s, fd, 2 * SEC_NS + 2 * hold, hold), 1);
	owner_sweep__free(&s);
	close(fd);
}

static void test_no_table(void **state)
{
	struct owner_sweep s = { 0 };

	assert_int_equal(owner_sweep__run(&s, -1, SEC_NS, SEC_NS), 0);
	owner_sweep__free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_released_owners_go_after_the_hold),
		cmocka_unit_test(test_an_owner_live_again_is_kept),
		cmocka_unit_test(test_no_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
